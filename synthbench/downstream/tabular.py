"""Downstream models for tables: scikit-learn pipelines with standard preprocessing.

Preprocessing: categorical features one-hot encoded (categories unseen in training are ignored),
numerical features standardised. A classification target is label-encoded in the real training split's
category order. If a training set holds a single class (a degenerate synthetic set), the model predicts
that class (as SDGym does) and says so in ``degenerate_``.

* ``xgboost``: gradient-boosted trees (XGBoost); the number of boosting rounds is chosen by early stopping
  on the validation split (carved from real train) - the only model selection; the test split only scores.
* ``logreg``: logistic regression (L2, lbfgs). ``ridge``: ridge regression, its counterpart for regression.

``class_weight="balanced"`` (classifiers) weighs each class inversely to its frequency - what a strongly
imbalanced task sets, so that F1 of the rare class is not 0 by predicting the majority class.
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from synthbench.background import threads_available
from synthbench.constraints import Interval, positive, positive_int
from synthbench.data.table import Table


def preprocessor(table: Table, scale: bool = True):
    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    return ColumnTransformer([
        ("categorical", OneHotEncoder(handle_unknown="ignore", sparse_output=False), table.categorical(include_target=False)),
        ("numerical", StandardScaler() if scale else "passthrough", table.numerical(include_target=False)),
    ])


class TabularModel(BaseEstimator):
    """Base: ``fit(train, validation=None)``, ``predict(frame)``, ``predict_proba(frame)`` on feature frames."""

    modalities = ("table",)

    def _estimator(self, classification: bool, n_classes: int):
        raise NotImplementedError

    def fit(self, train: Table, validation: Table | None = None, callback=None, classes=None):
        """``classes``: the class labels in a fixed order (default: those of ``train``)."""
        self.classification_ = train.columns[train.target] == "categorical"
        y = train.y.to_numpy()
        if self.classification_:
            self.classes_ = np.asarray(sorted(set(y)) if classes is None else list(classes), dtype=object)
            index = {c: i for i, c in enumerate(self.classes_)}
            y = np.array([index[v] for v in y], dtype=np.int64)
            present = self.present_ = np.unique(y)
            self.degenerate_ = f"the training set holds one class only ({self.classes_[present[0]]!r})" if len(present) == 1 else ""
        else:
            y = y.astype(float)
            self.degenerate_ = ""
        if self.degenerate_:
            self.constant_ = int(present[0])
            self.model_ = None
            return self
        self.pre_ = preprocessor(train).fit(train.features)
        x = self.pre_.transform(train.features)
        xv = yv = None
        if validation is not None:
            xv = self.pre_.transform(validation.features)
            yv = validation.y.to_numpy()
            if self.classification_:
                index = {c: i for i, c in enumerate(self.classes_)}
                keep = np.array([v in index for v in yv])
                xv, yv = xv[keep], np.array([index[v] for v in yv[keep]], dtype=np.int64)
            else:
                yv = yv.astype(float)
        self.model_ = self._fit(x, y, xv, yv)
        if callback is not None:
            callback({"total": 1, "step": 1})
        return self

    def _fit(self, x, y, xv, yv):
        est = self._estimator(self.classification_, len(getattr(self, "classes_", [])))
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=UserWarning)
            return est.fit(x, y)

    def predict_proba(self, frame) -> np.ndarray:
        check_is_fitted(self, "classification_")
        if self.model_ is None:
            out = np.zeros((len(frame), len(self.classes_)))
            out[:, self.constant_] = 1.0
            return out
        proba = self.model_.predict_proba(self.pre_.transform(frame))
        full = np.zeros((len(frame), len(self.classes_)))
        full[:, self.present_] = proba  # classes absent from this training set get probability 0
        return full

    def predict(self, frame) -> np.ndarray:
        """Class labels (classification, in the data's own values) or values (regression)."""
        check_is_fitted(self, "classification_")
        if self.classification_:
            return self.classes_[self.predict_proba(frame).argmax(1)]
        return self.model_.predict(self.pre_.transform(frame))


class XGBoostModel(TabularModel):
    """XGBoost (Chen & Guestrin, KDD 2016); boosting rounds chosen by early stopping on the validation split."""

    constraints = {"n_estimators": positive_int(), "learning_rate": positive(), "max_depth": Interval(0, None, integer=True),
                   "subsample": Interval(0, 1, closed="right"), "colsample_bytree": Interval(0, 1, closed="right"),
                   "early_stopping_rounds": Interval(0, None, integer=True)}

    def __init__(self, n_estimators=300, learning_rate=0.1, max_depth=6, subsample=0.9, colsample_bytree=0.9,
                 early_stopping_rounds=20, class_weight=None, n_jobs=2, random_state=None):
        self.class_weight = class_weight
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.max_depth = max_depth
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.early_stopping_rounds = early_stopping_rounds
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _fit(self, x, y, xv, yv):
        import xgboost as xgb

        # at most n_jobs threads, fewer while the evaluation worker holds a core (the model does not change: XGBoost's
        # hist trees are the same for any thread count)
        n_jobs = min(self.n_jobs, threads_available()) if self.n_jobs and self.n_jobs > 0 else threads_available()
        kw = dict(n_estimators=self.n_estimators, learning_rate=self.learning_rate, max_depth=self.max_depth,
                  subsample=self.subsample, colsample_bytree=self.colsample_bytree, n_jobs=n_jobs,
                  random_state=None if self.random_state is None else int(self.random_state) % (2**31), tree_method="hist")
        use_val = xv is not None and len(yv) > 0 and self.early_stopping_rounds
        if use_val:
            kw["early_stopping_rounds"] = self.early_stopping_rounds
        if self.classification_:
            # XGBoost wants labels 0..k-1 present in training; remap to the classes actually present
            present = np.unique(y)
            remap = {c: i for i, c in enumerate(present)}
            model = xgb.XGBClassifier(**kw)
            fit_kw = {}
            if use_val:
                keep = np.isin(yv, present)
                fit_kw = {"eval_set": [(xv[keep], np.array([remap[v] for v in yv[keep]]))], "verbose": False}
            if self.class_weight is not None:  # e.g. "balanced": rare classes weigh as much as common ones
                from sklearn.utils.class_weight import compute_sample_weight

                fit_kw["sample_weight"] = compute_sample_weight(self.class_weight, y)
            model.fit(x, np.array([remap[v] for v in y]), **fit_kw)
            return model
        model = xgb.XGBRegressor(**kw)
        model.fit(x, y, **({"eval_set": [(xv, yv)], "verbose": False} if use_val else {}))
        return model

    @property
    def best_iteration_(self):
        return getattr(self.model_, "best_iteration", None)


class LogisticModel(TabularModel):
    """Logistic regression (L2 penalty ``C``, lbfgs) on one-hot + standardised features. Classification only."""

    constraints = {"C": positive(), "max_iter": positive_int()}

    def __init__(self, C=1.0, max_iter=1000, class_weight=None, random_state=None):
        self.class_weight = class_weight
        self.C = C
        self.max_iter = max_iter
        self.random_state = random_state

    def _estimator(self, classification, n_classes):
        from sklearn.linear_model import LogisticRegression

        if not classification:
            raise ValueError("logreg is a classifier: for a regression task use ridge")
        return LogisticRegression(C=self.C, max_iter=self.max_iter, class_weight=self.class_weight,
                                  random_state=self.random_state)


class RidgeModel(TabularModel):
    """Ridge regression (``alpha``) on one-hot + standardised features. Regression only."""

    constraints = {"alpha": Interval(0)}

    def __init__(self, alpha=1.0, random_state=None):
        self.alpha = alpha
        self.random_state = random_state

    def _estimator(self, classification, n_classes):
        from sklearn.linear_model import Ridge

        if classification:
            raise ValueError("ridge is a regressor: for a classification task use logreg")
        return Ridge(alpha=self.alpha)
