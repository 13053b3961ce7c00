"""A small CNN classifier for 28x28-ish images (two conv blocks and a dense head).

Trained with Adam; optionally each training batch is translated at random by up to ``shift`` pixels per
image (the standard MNIST augmentation; applied alike in every regime, so real and synthetic training
sets are compared on the same footing); after every epoch it is scored on the validation split (carved from real train,
never the test split) and the best epoch's weights are kept: that is the only model selection.

``rows_per_epoch`` (0: the training set's size) fixes how many rows an epoch draws, whatever the set's size: rows
come from a seeded stream of permutations of the set (each row once before any row twice), so training sets of
different sizes - 100 real images, or those plus 400 synthetic ones - get the same number of optimiser steps.
"""

from __future__ import annotations

import copy

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from synthbench.constraints import Interval, OneOf, fraction, positive, positive_int
from synthbench.data import LabeledImages
from synthbench.exceptions import ConfigError
from synthbench.torch_utils import resolve_device, to_float_images, torch_generator


def random_shift(x, shift: int, gen):
    """Translate each image of the batch ``x`` (``(N, C, H, W)`` in [-1, 1]) by its own random offset of
    up to ``shift`` pixels in each direction, filling with the background value -1."""
    import torch
    import torch.nn.functional as F

    if shift <= 0:
        return x
    n, c, h, w = x.shape
    padded = F.pad(x, (shift,) * 4, value=-1.0)
    dy = torch.randint(0, 2 * shift + 1, (n,), generator=gen).to(x.device)
    dx = torch.randint(0, 2 * shift + 1, (n,), generator=gen).to(x.device)
    rows = (dy[:, None] + torch.arange(h, device=x.device)[None]).view(n, 1, h, 1).expand(n, c, h, w + 2 * shift)
    padded = torch.gather(padded, 2, rows)
    cols = (dx[:, None] + torch.arange(w, device=x.device)[None]).view(n, 1, 1, w).expand(n, c, h, w)
    return torch.gather(padded, 3, cols)


def epoch_rows(n: int, rows: int, gen, queue):
    """``(indices, queue)``: the ``rows`` indices into a set of ``n`` that an epoch trains on, and what is left over
    for the next epoch. ``rows == n``: one permutation (the plain epoch); otherwise the stream of seeded permutations
    that ``queue`` (what the last epoch left) continues - every row once before any row twice, nothing skipped."""
    import torch

    if rows == n:
        return torch.randperm(n, generator=gen), queue
    parts, have = [queue], len(queue)
    while have < rows:
        parts.append(torch.randperm(n, generator=gen))
        have += n
    stream = torch.cat(parts)
    return stream[:rows], stream[rows:]


def build_cnn(in_channels: int, image_size: int, num_classes: int, channels: int = 32, hidden: int = 128, dropout: float = 0.25,
              batch_norm: bool = True):
    from torch import nn

    c1, c2 = channels, 2 * channels
    s = ((image_size - 2) // 2 - 2) // 2
    bn = (lambda c: nn.BatchNorm2d(c)) if batch_norm else (lambda c: nn.Identity())
    return nn.Sequential(
        nn.Conv2d(in_channels, c1, 3, bias=not batch_norm), bn(c1), nn.ReLU(inplace=True), nn.MaxPool2d(2),
        nn.Conv2d(c1, c2, 3, bias=not batch_norm), bn(c2), nn.ReLU(inplace=True), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(c2 * s * s, hidden), nn.ReLU(inplace=True), nn.Dropout(dropout),
        nn.Linear(hidden, num_classes),
    )


class CNNClassifier(BaseEstimator):
    """Conv(3x3, c)-BN-pool-Conv(3x3, 2c)-BN-pool-Dense(hidden)-Dropout-Dense(classes); Adam with a
    one-cycle learning-rate schedule (Smith & Topin 2019) peaking at ``lr``; cross-entropy; ``shift`` > 0
    translates every training image by a random offset of up to that many pixels (0: no augmentation)."""

    modalities = ("image",)
    constraints = {"epochs": positive_int(), "batch_size": positive_int(), "lr": positive(), "channels": positive_int(),
                   "hidden": positive_int(), "dropout": fraction(), "batch_norm": OneOf((True, False)),
                   "shift": Interval(0, None, integer=True), "rows_per_epoch": Interval(0, None, integer=True)}

    def __init__(self, epochs=3, batch_size=128, lr=1e-3, channels=32, hidden=128, dropout=0.25, batch_norm=True, shift=0,
                 rows_per_epoch=0, random_state=None, device="auto"):
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.channels = channels
        self.hidden = hidden
        self.dropout = dropout
        self.batch_norm = batch_norm
        self.shift = shift
        self.rows_per_epoch = rows_per_epoch
        self.random_state = random_state
        self.device = device

    def fit(self, train: LabeledImages, validation: LabeledImages | None = None, callback=None):
        import torch

        most = min(train.images.shape[2:]) // 2 - 1
        if not 0 <= self.shift <= most:
            raise ConfigError(f"cnn shift={self.shift} is out of range - use 0 (no translation) up to "
                              f"{most} pixels for {train.images.shape[2]}-pixel images")
        device = resolve_device(self.device)
        gen = torch_generator(self.random_state)
        # initialisation and dropout draw from torch's global RNG: seed it, and restore it afterwards
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(int(torch.randint(0, 2**31 - 1, (1,), generator=gen)))
            return self._fit(train, validation, callback, device, gen)

    def _fit(self, train, validation, callback, device, gen):
        import torch
        import torch.nn.functional as F

        _, c, h, _ = train.images.shape
        model = build_cnn(c, h, train.num_classes, self.channels, self.hidden, self.dropout, self.batch_norm).to(device)
        opt = torch.optim.Adam(model.parameters(), lr=self.lr)
        x_all = to_float_images(train.images, device)
        y_all = torch.from_numpy(train.labels.astype(np.int64)).to(device)
        n = len(train)
        rows = self.rows_per_epoch or n  # an epoch: this many rows, from a seeded stream of permutations of the set
        steps_per_epoch = (rows + self.batch_size - 1) // self.batch_size
        queue = torch.empty(0, dtype=torch.long)
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=self.lr, total_steps=self.epochs * steps_per_epoch)
        self.history_, best_acc, best_state = [], -1.0, None
        for epoch in range(1, self.epochs + 1):
            model.train()
            perm, queue = epoch_rows(n, rows, gen, queue)
            perm = perm.to(device)
            total = 0.0
            for i in range(steps_per_epoch):
                idx = perm[i * self.batch_size:(i + 1) * self.batch_size]
                loss = F.cross_entropy(model(random_shift(x_all[idx], self.shift, gen)), y_all[idx])
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                sched.step()
                total += float(loss.detach()) * len(idx)
                if callback is not None:
                    callback({"phase_step": (epoch - 1) * steps_per_epoch + i + 1, "phase_total": self.epochs * steps_per_epoch})
            record = {"step": epoch, "train_loss": total / rows}
            if validation is not None:
                self.model_ = model
                record["val_accuracy"] = float(np.mean(self.predict(validation.images) == validation.labels))
                if record["val_accuracy"] > best_acc:
                    best_acc, best_state = record["val_accuracy"], copy.deepcopy(model.state_dict())
                    self.best_epoch_ = epoch
            self.history_.append(record)
        if best_state is not None:
            model.load_state_dict(best_state)
        else:
            self.best_epoch_ = self.epochs
        self.model_ = model.eval()
        self.num_classes_ = train.num_classes
        return self

    def predict_proba(self, images: np.ndarray, batch_size: int = 1000) -> np.ndarray:
        import torch

        check_is_fitted(self, "model_")
        device = next(self.model_.parameters()).device
        self.model_.eval()
        out = []
        with torch.no_grad():
            for i in range(0, len(images), batch_size):
                out.append(torch.softmax(self.model_(to_float_images(images[i:i + batch_size], device)), 1).cpu().numpy())
        return np.concatenate(out) if out else np.zeros((0, 0))

    def predict(self, images: np.ndarray) -> np.ndarray:
        return self.predict_proba(images).argmax(1)
