"""In-memory data records and the splits of a task (pure functions, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


UNLABELED = -1


@dataclass(frozen=True)
class LabeledImages:
    """Images as ``uint8`` in ``[0, 255]``, shape ``(N, C, H, W)``, with ``int64`` labels ``(N,)``.

    This is the "kind" of image data: a generator fit on a ``LabeledImages`` samples a ``LabeledImages``.
    An unconditional generator, which cannot tell which class it drew, labels its samples ``UNLABELED`` (-1).
    """

    images: np.ndarray
    labels: np.ndarray
    num_classes: int

    def __post_init__(self):
        if self.images.ndim != 4:
            raise ValueError(f"images must be (N, C, H, W), got shape {self.images.shape}")
        if len(self.images) != len(self.labels):
            raise ValueError(f"{len(self.images)} images but {len(self.labels)} labels")

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def image_shape(self) -> tuple[int, int, int]:
        return tuple(self.images.shape[1:])

    def take(self, index) -> "LabeledImages":
        return LabeledImages(self.images[index], self.labels[index], self.num_classes)

    @staticmethod
    def concat(parts: list["LabeledImages"]) -> "LabeledImages":
        return LabeledImages(
            np.concatenate([p.images for p in parts]), np.concatenate([p.labels for p in parts]), parts[0].num_classes
        )

    def class_counts(self) -> np.ndarray:
        return np.bincount(self.labels[self.labels >= 0], minlength=self.num_classes)

    @property
    def labelled(self) -> bool:
        return bool(len(self.labels) == 0 or self.labels.min() >= 0)


def stratified_split(labels: np.ndarray, holdout: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices ``(keep, holdout)`` with ``holdout`` rows drawn per class in proportion, seeded."""
    rng = np.random.default_rng(seed)
    n = len(labels)
    if not 0 < holdout < n:
        raise ValueError(f"holdout size must be between 1 and {n - 1}, got {holdout}")
    classes, counts = np.unique(labels, return_counts=True)
    want = np.floor(counts * holdout / n).astype(int)
    # hand the rounding remainder to the largest classes
    for i in np.argsort(-counts)[: holdout - want.sum()]:
        want[i] += 1
    held = []
    for c, k in zip(classes, want):
        idx = np.flatnonzero(labels == c)
        held.append(rng.choice(idx, size=k, replace=False))
    held_idx = np.sort(np.concatenate(held))
    mask = np.ones(n, dtype=bool)
    mask[held_idx] = False
    return np.flatnonzero(mask), held_idx


def stratified_subset(labels: np.ndarray, size: int, seed: int) -> np.ndarray:
    """Sorted indices of a stratified subset of ``size`` rows (all rows if ``size >= len``)."""
    if size >= len(labels):
        return np.arange(len(labels))
    _, chosen = stratified_split(labels, size, seed)
    return chosen


def balanced_labels(n: int, num_classes: int, rng: np.random.Generator, prior: np.ndarray | None = None) -> np.ndarray:
    """``n`` labels following ``prior`` (class frequencies) exactly up to rounding, shuffled."""
    prior = np.full(num_classes, 1.0 / num_classes) if prior is None else np.asarray(prior, float) / np.sum(prior)
    counts = np.floor(prior * n).astype(int)
    for i in np.argsort(-prior)[: n - counts.sum()]:
        counts[i] += 1
    labels = np.repeat(np.arange(num_classes), counts)
    rng.shuffle(labels)
    return labels.astype(np.int64)
