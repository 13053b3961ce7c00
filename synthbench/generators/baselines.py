"""Honest baselines: the ceiling (``real``), a non-neural floor (``pca-gmm``) and classic augmentation alone
(``classic-augment``, a control for the scarce-data curve)."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from synthbench.constraints import Interval, OneOf, positive_int
from synthbench.data import LabeledImages, balanced_labels
from synthbench.data.table import Table


def _labels_to_draw(n: int, labels, prior: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    if labels is not None:
        return np.asarray(labels, dtype=np.int64)
    return balanced_labels(n, len(prior), rng, prior)


def _bootstrap(y: np.ndarray, index_by_class: list, rng: np.random.Generator) -> np.ndarray:
    """For each label of ``y``, the index of a training row of that class, drawn uniformly with replacement."""
    idx = np.empty(len(y), dtype=np.int64)
    for c in np.unique(y):
        pool = index_by_class[c]
        if len(pool) == 0:
            raise ValueError(f"class {c} has no training rows to draw from")
        where = np.flatnonzero(y == c)
        idx[where] = rng.choice(pool, size=len(where), replace=True)
    return idx


class RealBootstrap(BaseEstimator):
    """The ceiling: a bootstrap (sampling with replacement) of the real training split.

    TSTR with this "generator" is what a perfect generator could reach. Images: within each class, rows
    are drawn uniformly with replacement; without ``labels`` the class mix follows the training split.
    Tables: whole rows (target included) are drawn uniformly with replacement. Its privacy checks show
    what copying the training data looks like (every row an exact copy).
    """

    modalities = ("image", "table")
    conditional = True
    fit_receives = ("callback",)

    def __init__(self, random_state=None):
        self.random_state = random_state

    def fit(self, train, callback=None):
        self.train_ = train
        self.rng_ = np.random.default_rng(self.random_state)
        if isinstance(train, Table):
            return self
        self.prior_ = train.class_counts() / len(train)
        self.index_by_class_ = [np.flatnonzero(train.labels == c) for c in range(train.num_classes)]
        return self

    def sample(self, n: int, labels=None):
        check_is_fitted(self, "train_")
        if isinstance(self.train_, Table):
            if labels is not None:
                raise ValueError("for tables, real generates the target as a column; call sample(n) without labels")
            return self.train_.take(self.rng_.integers(0, len(self.train_), size=n))
        y = _labels_to_draw(n, labels, self.prior_, self.rng_)
        idx = _bootstrap(y, self.index_by_class_, self.rng_)
        return LabeledImages(self.train_.images[idx].copy(), y, self.train_.num_classes)


class PCAGaussianMixture(BaseEstimator):
    """The floor a GAN must beat: per class, PCA to ``n_components`` then a Gaussian mixture.

    For each class, the flattened pixels are projected onto their first ``n_components`` principal
    components, a ``n_mixture``-component Gaussian mixture (``covariance_type``) is fit there, and
    samples are mapped back to pixel space and clipped to [0, 255]. Non-neural and seconds to fit.
    """

    modalities = ("image",)
    conditional = True
    fit_receives = ("callback",)
    budgets = {
        "quick": {"n_components": 20, "n_mixture": 5},
        "standard": {"n_components": 40, "n_mixture": 10},
        "full": {"n_components": 60, "n_mixture": 20},
    }

    constraints = {"n_components": positive_int(), "n_mixture": positive_int(),
                   "covariance_type": OneOf(("full", "tied", "diag", "spherical"))}

    def __init__(self, n_components=40, n_mixture=10, covariance_type="full", random_state=None):
        self.n_components = n_components
        self.n_mixture = n_mixture
        self.covariance_type = covariance_type
        self.random_state = random_state

    def fit(self, train: LabeledImages, callback=None):
        from sklearn.decomposition import PCA
        from sklearn.mixture import GaussianMixture

        self.rng_ = np.random.default_rng(self.random_state)
        self.image_shape_ = train.image_shape
        self.num_classes_ = train.num_classes
        self.prior_ = train.class_counts() / len(train)
        self.models_ = []
        flat = train.images.reshape(len(train), -1).astype(np.float32) / 255.0
        for c in range(train.num_classes):
            x = flat[train.labels == c]
            if len(x) == 0:
                self.models_.append(None)
                continue
            if len(x) < 2:  # one image: no spread to fit (a scarce-data run); its samples are that image
                self.models_.append(("copy", x))
                continue
            k = int(min(self.n_components, len(x) - 1, x.shape[1]))
            seed = int(self.rng_.integers(2**31 - 1))
            pca = PCA(n_components=k, random_state=seed).fit(x)
            z = pca.transform(x)
            gmm = GaussianMixture(
                n_components=int(min(self.n_mixture, len(x))), covariance_type=self.covariance_type,
                reg_covar=1e-4, random_state=seed,
            ).fit(z)
            self.models_.append((pca, gmm))
            if callback is not None:
                callback({"step": c + 1, "total": train.num_classes})
        return self

    def sample(self, n: int, labels=None) -> LabeledImages:
        check_is_fitted(self, "models_")
        y = _labels_to_draw(n, labels, self.prior_, self.rng_)
        images = np.empty((n, int(np.prod(self.image_shape_))), dtype=np.uint8)
        for c in np.unique(y):
            where = np.flatnonzero(y == c)
            if self.models_[c] is None:
                raise ValueError(f"class {c} had no training rows; cannot sample it")
            if self.models_[c][0] == "copy":
                images[where] = np.clip(np.rint(self.models_[c][1][0] * 255.0), 0, 255).astype(np.uint8)
                continue
            pca, gmm = self.models_[c]
            gmm.random_state = int(self.rng_.integers(2**31 - 1))
            z, _ = gmm.sample(len(where))
            z = z[self.rng_.permutation(len(z))]  # GaussianMixture.sample returns rows grouped by component
            x = pca.inverse_transform(z)
            images[where] = np.clip(np.rint(x * 255.0), 0, 255).astype(np.uint8)
        return LabeledImages(images.reshape(n, *self.image_shape_), y, self.num_classes_)


class ClassicAugmentation(BaseEstimator):
    """A control for the scarce-data curve: classic augmentation alone - real training images of the asked class,
    drawn with replacement, each moved by a random rotation (up to ``max_rotation`` degrees) and translation (up
    to ``max_shift`` pixels), zero-padded. No model, nothing learned: a gain from adding these rows is what seeing
    the same images again, jittered, gives, and a generator's gain is worth only what it adds beyond it.

    The transforms are applied in batches through torch's ``affine_grid`` / ``grid_sample`` (bilinear), with
    parameters drawn from the generator's own seeded NumPy generator; torchvision's ``RandomAffine`` does the same
    one image at a time, on torch's global random state.
    """

    modalities = ("image",)
    conditional = True
    fit_receives = ("callback",)
    constraints = {"max_shift": Interval(0, None, integer=True), "max_rotation": Interval(0, 180)}

    def __init__(self, max_shift=2, max_rotation=10, random_state=None):
        self.max_shift = max_shift
        self.max_rotation = max_rotation
        self.random_state = random_state

    def fit(self, train: LabeledImages, callback=None):
        self.rng_ = np.random.default_rng(self.random_state)
        self.train_ = train
        self.prior_ = train.class_counts() / len(train)
        self.index_by_class_ = [np.flatnonzero(train.labels == c) for c in range(train.num_classes)]
        if callback is not None:
            callback({"step": 1, "total": 1})
        return self

    def sample(self, n: int, labels=None) -> LabeledImages:
        import torch
        import torch.nn.functional as F

        check_is_fitted(self, "train_")
        y = _labels_to_draw(n, labels, self.prior_, self.rng_)
        idx = _bootstrap(y, self.index_by_class_, self.rng_)
        angle = np.deg2rad(self.rng_.uniform(-self.max_rotation, self.max_rotation, n))
        shift = self.rng_.integers(-self.max_shift, self.max_shift + 1, size=(n, 2))
        _, c, h, w = (n, *self.train_.image_shape)
        out = np.empty((n, c, h, w), dtype=np.uint8)
        for start in range(0, n, 8192):
            sl = slice(start, min(n, start + 8192))
            cos, sin = np.cos(angle[sl]), np.sin(angle[sl])
            # the sampling grid's output -> input map, in [-1, 1] coordinates: rotate, then move by whole pixels
            theta = np.stack([np.stack([cos, -sin, -2 * shift[sl, 0] / w], 1), np.stack([sin, cos, -2 * shift[sl, 1] / h], 1)], 1)
            x = torch.from_numpy(self.train_.images[idx[sl]].astype(np.float32))
            grid = F.affine_grid(torch.from_numpy(theta.astype(np.float32)), list(x.shape), align_corners=False)
            moved = F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
            out[sl] = moved.round().clamp(0, 255).to(torch.uint8).numpy()
        return LabeledImages(out, y, self.train_.num_classes)
