"""Honest baselines for tables: the floor (``marginals``) and an oversampler (``smote``).

The ceiling, ``real`` (a bootstrap of the training split), is ``baselines.RealBootstrap``, which serves
both modalities.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from synthbench.constraints import positive_int
from synthbench.exceptions import ConfigError
from synthbench.data.table import Table


def _no_labels(name: str, labels) -> None:
    if labels is not None:
        raise ValueError(f"{name} generates the target as a column; call sample(n) without labels")


class IndependentMarginals(BaseEstimator):
    """The floor: every column drawn on its own from its empirical distribution in the training split.

    Each column's marginal is exact (up to sampling) and every dependency between columns - the target's
    on the features included - is destroyed, so a downstream model trained on it learns (almost) nothing.
    """

    modalities = ("table",)
    conditional = False
    fit_receives = ("callback",)

    def __init__(self, random_state=None):
        self.random_state = random_state

    def fit(self, train: Table, callback=None):
        self.train_ = train
        self.rng_ = np.random.default_rng(self.random_state)
        return self

    def sample(self, n: int, labels=None) -> Table:
        check_is_fitted(self, "train_")
        _no_labels("marginals", labels)
        src = self.train_.frame
        cols = {c: src[c].to_numpy()[self.rng_.integers(0, len(src), size=n)] for c in src.columns}
        return Table(pd.DataFrame(cols), self.train_.columns, self.train_.target)


class SMOTESampler(BaseEstimator):
    """Oversampling as a generator: SMOTE (Chawla et al., JAIR 2002) through imbalanced-learn.

    New rows interpolate between a training row and one of its ``k_neighbors`` nearest neighbours of the
    same class (SMOTE-NC, SMOTE-N or SMOTE, by the column types); categorical values are taken by
    majority among the neighbours. Class counts follow the training split. Classification tasks only.
    Features are standardised for the neighbour search (SMOTE works in feature space) and mapped back.
    """

    modalities = ("table",)
    problems = ("classification",)
    conditional = False
    fit_receives = ("callback",)

    constraints = {"k_neighbors": positive_int()}

    def __init__(self, k_neighbors=5, random_state=None):
        self.k_neighbors = k_neighbors
        self.random_state = random_state

    def fit(self, train: Table, callback=None):
        if train.columns[train.target] != "categorical":
            raise ConfigError(f"smote interpolates within classes: target '{train.target}' is {train.columns[train.target]} "
                              "- use it on a classification task")
        self.train_ = train
        counts = train.y.value_counts()
        if counts.min() < 2:
            raise ConfigError(f"smote needs at least 2 rows per class; class {counts.idxmin()!r} has {counts.min()}")
        self.rng_ = np.random.default_rng(self.random_state)
        return self

    def sample(self, n: int, labels=None) -> Table:
        from imblearn.over_sampling import SMOTE, SMOTEN, SMOTENC

        check_is_fitted(self, "train_")
        _no_labels("smote", labels)
        train = self.train_
        x, y = train.features, train.y.to_numpy()
        classes, counts = np.unique(y, return_counts=True)
        want = np.floor(counts / counts.sum() * n).astype(int)
        for i in np.argsort(-counts)[: n - want.sum()]:
            want[i] += 1
        cat = train.categorical(include_target=False)
        num = train.numerical(include_target=False)
        mean, std = x[num].mean(), x[num].std().replace(0, 1.0)
        xs = x.copy()
        xs[num] = (x[num] - mean) / std
        k = int(min(self.k_neighbors, counts.min() - 1))
        seed = int(self.rng_.integers(0, 2**31 - 1))
        if not cat:
            sampler = SMOTE(sampling_strategy="not majority", k_neighbors=k, random_state=seed)
        elif not num:
            sampler = SMOTEN(sampling_strategy="not majority", k_neighbors=k, random_state=seed)
        else:
            sampler = SMOTENC(categorical_features=[xs.columns.get_loc(c) for c in cat], k_neighbors=k, random_state=seed)
        parts = []
        # one call per class: SMOTE grows the chosen class by the asked-for count; its new rows come last
        for c, m in zip(classes, want):
            if m == 0:
                continue
            sampler.set_params(sampling_strategy={c: int((y == c).sum() + m)})
            xr, yr = sampler.fit_resample(xs, y)
            parts.append((xr.iloc[len(xs):], yr[len(xs):]))
        xo = pd.concat([p[0] for p in parts], ignore_index=True)
        yo = np.concatenate([p[1] for p in parts])
        xo[num] = xo[num].astype(float) * std + mean
        for c in num:
            if train.columns[c] == "integer":
                xo[c] = np.round(xo[c]).astype(np.int64)
        xo[train.target] = yo
        order = self.rng_.permutation(len(xo))
        return Table(xo[list(train.columns)].iloc[order].reset_index(drop=True), train.columns, train.target)
