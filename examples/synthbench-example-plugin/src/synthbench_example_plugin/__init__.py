"""A complete synthbench generator plug-in: per-class, pixel-wise independent Gaussians.

It follows the contract synthbench checks (``synthbench.testing.check_generator``):
``__init__`` only stores hyperparameters, ``fit`` returns ``self`` and stores what it learns in
attributes ending in ``_``, ``sample(n, labels=None)`` returns ``LabeledImages`` like the training
data, and every random draw comes from ``random_state``.
"""

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from synthbench.constraints import Interval
from synthbench.data import LabeledImages, balanced_labels


class PixelGaussian(BaseEstimator):
    modalities = ("image",)
    conditional = True
    fit_receives = ("callback",)  # fit takes synthbench's progress callback
    budgets = {"quick": {"shrink": 1.0}, "standard": {"shrink": 1.0}, "full": {"shrink": 1.0}}
    constraints = {"shrink": Interval(0, None)}  # checked before a run opens: --param shrink=-1 is refused

    def __init__(self, shrink=1.0, random_state=None):
        self.shrink = shrink  # scales each pixel's standard deviation
        self.random_state = random_state

    def fit(self, train: LabeledImages, callback=None):
        self.rng_ = np.random.default_rng(self.random_state)
        x = train.images.astype(np.float32)
        self.mean_ = np.stack([x[train.labels == c].mean(0) for c in range(train.num_classes)])
        self.std_ = np.stack([x[train.labels == c].std(0) for c in range(train.num_classes)])
        self.prior_ = train.class_counts() / len(train)
        self.num_classes_ = train.num_classes
        return self

    def sample(self, n, labels=None):
        check_is_fitted(self, "mean_")
        y = np.asarray(labels, dtype=np.int64) if labels is not None else balanced_labels(n, self.num_classes_, self.rng_, self.prior_)
        noise = self.rng_.standard_normal((n, *self.mean_.shape[1:])).astype(np.float32)
        x = self.mean_[y] + self.shrink * self.std_[y] * noise
        return LabeledImages(np.clip(np.rint(x), 0, 255).astype(np.uint8), y, self.num_classes_)
