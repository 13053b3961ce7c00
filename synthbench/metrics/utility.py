"""Utility: the training set of each regime, and the scores of a downstream model on the real test split."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from synthbench import keys
from synthbench.data.images import LabeledImages
from synthbench.data.table import Table


def regime_training_set(regime: str, real, synthetic, share: float, seed: int):
    """``real``: the real training split; ``synthetic``: the synthetic set; ``mixed``: the real split's
    size, of which ``share`` is synthetic rows and the rest real rows (both drawn without replacement)."""
    if regime == "real":
        return real
    if regime == "synthetic":
        return synthetic
    if regime == "mixed":
        rng = np.random.default_rng(seed)
        n = len(real)
        n_syn = int(round(share * n))
        r = real.take(np.sort(rng.choice(n, size=n - n_syn, replace=False)))
        s = synthetic.take(np.sort(rng.choice(len(synthetic), size=n_syn, replace=False)))
        return type(real).concat([r, s])
    raise ValueError(f"unknown regime {regime!r}")


def augmented_training_set(real, pool, k: int):
    """The real training rows plus the first ``k * len(real)`` rows of ``pool`` (the synthetic rows drawn for
    augmentation): real data is never replaced, only added to."""
    return type(real).concat([real, pool.take(np.arange(k * len(real)))])


@dataclass
class RegimeResult:
    regime: str
    metrics: dict = field(default_factory=dict)
    per_class: list = field(default_factory=list)  # accuracy of class k at index k
    history: list = field(default_factory=list)


def score(y_true: np.ndarray, y_pred: np.ndarray, num_classes: int, regime: str) -> tuple[dict, list]:
    from sklearn.metrics import accuracy_score, f1_score, recall_score

    labels = list(range(num_classes))
    per_class = recall_score(y_true, y_pred, labels=labels, average=None, zero_division=0).tolist()
    metrics = {
        keys.utility(regime, "accuracy"): float(accuracy_score(y_true, y_pred)),
        keys.utility(regime, "macro_f1"): float(f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)),
    }
    for k, acc in enumerate(per_class):
        metrics[keys.per_class(regime, k)] = float(acc)
    return metrics, per_class


def evaluate_regime(model_cls, model_params: dict, regime: str, train: LabeledImages, validation: LabeledImages,
                    test: LabeledImages, callback=None) -> RegimeResult:
    model = model_cls(**model_params)
    model.fit(train, validation=validation, callback=callback)
    metrics, per_class = score(test.labels, model.predict(test.images), test.num_classes, regime)
    if hasattr(model, "best_epoch_"):
        metrics[keys.utility(regime, "best_epoch")] = float(model.best_epoch_)
    return RegimeResult(regime, metrics, per_class, list(getattr(model, "history_", [])))


def score_table(model, test: Table, positive, wanted) -> tuple[dict, np.ndarray]:
    """Utility metrics of a fitted tabular model on the real test split (names without prefix), and its
    predictions (reused for fairness)."""
    from sklearn.metrics import accuracy_score, f1_score, mean_squared_error, r2_score, roc_auc_score

    y = test.y.to_numpy()
    out = {}
    if not model.classification_:
        pred = model.predict(test.features)
        if "r2" in wanted:
            out["r2"] = float(r2_score(y, pred))
        if "rmse" in wanted:
            out["rmse"] = float(np.sqrt(mean_squared_error(y, pred)))
        return out, pred
    proba = model.predict_proba(test.features)
    classes = list(model.classes_)
    pred = np.asarray(classes, dtype=object)[proba.argmax(1)]
    binary = len(classes) == 2
    if "accuracy" in wanted:
        out["accuracy"] = float(accuracy_score(y, pred))
    if "f1" in wanted:
        out["f1"] = float(f1_score(y, pred, pos_label=positive, average="binary", zero_division=0) if binary
                          else f1_score(y, pred, average="macro", zero_division=0))
    if "macro_f1" in wanted:
        out["macro_f1"] = float(f1_score(y, pred, average="macro", zero_division=0))
    if "auroc" in wanted:
        if binary:
            out["auroc"] = float(roc_auc_score(y == positive, proba[:, classes.index(positive)]))
        else:
            out["auroc"] = float(roc_auc_score(y, proba, multi_class="ovr", labels=classes))
    return out, pred
