"""Utility: train the task's downstream model under each regime and score it on the real test split."""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

import numpy as np

from synthbench import keys
from synthbench.data import LabeledImages


def derive_seed(seed: int, name: str) -> int:
    """A seed for one named random step, derived from the run seed (stable across processes)."""
    return int(np.random.SeedSequence([int(seed) % (2**32), zlib.crc32(name.encode())]).generate_state(1)[0])


def regime_training_set(regime: str, real: LabeledImages, synthetic: LabeledImages | None, share: float, seed: int) -> LabeledImages:
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
