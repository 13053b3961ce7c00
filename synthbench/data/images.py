"""Images in memory: the record an image generator fits on and samples."""

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
