"""``PerClass``: makes any unconditional generator usable for utility by training one model per class.

An unconditional generator's samples carry no labels, so no classifier can be trained on them.
``PerClass(estimator)`` clones ``estimator`` once per class of the training split, fits clone ``k`` on
the rows of class ``k`` only, and samples class ``k`` from clone ``k``. Ten classes cost ten models:
``fit_seconds_per_class_`` holds each model's training time (synthbench logs them under ``cost/``).

Budgets are per model: with ``steps=S`` every class's model takes S generator steps, however few rows its class
has, so ten classes cost ten times one model's steps (a class-conditional generator's budget buys the same
steps once). When the estimator supports ``warm_start`` and ``steps`` (every synthbench GAN does), the models
are trained in ``ROUNDS`` rounds of S / ``ROUNDS`` steps each (the same models as one fit of S steps), so a training monitor sees the whole
class-conditional generator improve round by round, and ``history_`` averages the models' training records.
"""

from __future__ import annotations

import time

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.utils.validation import check_is_fitted

from synthbench.data import LabeledImages, balanced_labels
from synthbench.exceptions import ConfigError


ROUNDS = 6  # rounds of training over all per-class models (grids after each; the monitor's 6 probes fall on them)


class PerClass(BaseEstimator):
    conditional = True
    modalities = ("image",)
    fit_receives = ("callback", "monitor")  # progress over all per-class models; the monitor sees them round by round

    def __init__(self, estimator=None, random_state=None):
        self.estimator = estimator
        self.random_state = random_state

    # the attributes a training monitor reads, forwarded from the wrapped estimator
    @property
    def latent_dim(self):
        return getattr(self.estimator, "latent_dim", None)

    @property
    def wasserstein(self):
        return bool(getattr(self.estimator, "wasserstein", False))

    def fit(self, train: LabeledImages, callback=None, monitor=None):
        from synthbench.seeding import derive_seed

        if self.estimator is None:
            raise ConfigError("PerClass needs an estimator, e.g. PerClass(DCGAN())")
        counts = train.class_counts()
        self.classes_ = [k for k in range(train.num_classes) if counts[k] > 0]
        self.num_classes_ = train.num_classes
        self.image_shape_ = train.image_shape
        self.prior_ = counts / max(1, counts.sum())
        seed = 0 if self.random_state is None else int(self.random_state)
        subsets = {k: train.take(np.flatnonzero(train.labels == k)) for k in self.classes_}
        self.models_ = {}
        for k in self.classes_:
            m = clone(self.estimator)
            if "random_state" in m.get_params():
                m.set_params(random_state=derive_seed(seed, f"per-class/{k}"))
            self.models_[k] = m
        params = self.estimator.get_params()
        rounds_ok = "warm_start" in params and "steps" in params
        total = int(params["steps"]) if rounds_ok else 1
        chunks = [c for c in (total * (r + 1) // ROUNDS - total * r // ROUNDS for r in range(ROUNDS)) if c] if rounds_ok else [1]
        rounds = len(chunks)
        self.fit_seconds_per_class_ = dict.fromkeys(self.classes_, 0.0)
        self.history_ = []
        done, lengths = 0, {}
        if monitor is not None and rounds_ok:
            monitor.start(self, total_steps=total * len(self.classes_), first_step=0)
        try:
            for r, chunk in enumerate(chunks, start=1):
                lengths = {}
                for k in self.classes_:
                    m = self.models_[k]
                    if rounds_ok:
                        m.set_params(warm_start=True, steps=chunk)
                    lengths[k] = len(getattr(m, "history_", []) or [])
                    t0 = time.perf_counter()
                    m.fit(subsets[k])
                    self.fit_seconds_per_class_[k] += time.perf_counter() - t0
                    if callback is not None:
                        callback({"phase_step": (r - 1) * len(self.classes_) + self.classes_.index(k) + 1,
                                  "phase_total": rounds * len(self.classes_)})
                done = sum(int(getattr(m, "state_", {}).get("step", 0)) for m in self.models_.values())
                self.history_.extend(self._round_history(lengths, done))
                if monitor is not None:
                    if not rounds_ok and r == 1:  # one round: it tells how many generator steps the fit took
                        monitor.start(self, total_steps=done, first_step=0)
                    monitor.on_epoch(self, r, done)
        except BaseException:
            self.history_.extend(self._round_history(lengths, done))
            raise
        return self

    def _round_history(self, starts: dict, done: int) -> list[dict]:
        """Average the models' records of one round, aligned by position; ``step`` counts all models' steps."""
        per_model = [(getattr(self.models_[k], "history_", []) or [])[starts.get(k, 0):] for k in self.classes_]
        per_model = [h for h in per_model if h]
        if not per_model:
            return []
        length = min(len(h) for h in per_model)
        prev = self.history_[-1]["step"] if self.history_ else 0
        out = []
        for j in range(length):
            recs = [h[j] for h in per_model]
            names = {n for r in recs for n, v in r.items() if isinstance(v, (int, float)) and n not in ("step", "epoch")}
            rec = {n: float(np.mean([r[n] for r in recs if n in r])) for n in sorted(names)}
            rec["seconds"] = float(sum(r.get("seconds", 0.0) for r in recs))
            rec["step"] = int(round(prev + (done - prev) * (j + 1) / length))
            rec["epoch"] = max(int(r.get("epoch", 0)) for r in recs)
            out.append(rec)
        return out

    def sample_latent(self, z, y):
        """uint8 images for latent codes ``z`` and labels ``y`` (tensors): row ``i`` from the model of class ``y[i]``.
        A class without training rows has no model: its rows stay black, so a training probe sees it missing."""
        y_np = y.cpu().numpy()
        out = np.zeros((len(y_np), *self.image_shape_), dtype=np.uint8)
        for k in np.unique(y_np):
            if int(k) in self.models_:
                mask = y_np == k
                out[mask] = self.models_[int(k)].sample_latent(z[mask], y[mask] * 0)
        return out

    def sample(self, n: int, labels=None) -> LabeledImages:
        check_is_fitted(self, "models_")
        if labels is None:
            rng = np.random.default_rng(None if self.random_state is None else int(self.random_state) + 1)
            labels = balanced_labels(n, self.num_classes_, rng, self.prior_)
        labels = np.asarray(labels, dtype=np.int64)
        out = np.empty((n, *self.image_shape_), dtype=np.uint8)
        for k in np.unique(labels):
            if int(k) not in self.models_:
                raise ConfigError(f"class {int(k)} had no training rows, so PerClass cannot sample it")
            idx = np.flatnonzero(labels == k)
            out[idx] = self.models_[int(k)].sample(len(idx)).images
        return LabeledImages(out, labels, self.num_classes_)
