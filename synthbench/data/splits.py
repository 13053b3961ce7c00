"""A task's splits, in one place: train (for generators), validation (carved from train, for model
selection) and test (untouched, only for scoring). Pure functions of labels and seeds; no I/O.

Every split is seeded by the task's ``[data].split_seed`` (validation), ``+ 1`` (a training subset),
``+ 2`` (a test split carved from a single file; an image test subset) and ``+ 3`` (a table test subset),
so every run and every seed of a task sees the same rows.
"""

from __future__ import annotations

import numpy as np

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


def holdout_split(y: np.ndarray, size: int, seed: int, stratify: bool) -> tuple[np.ndarray, np.ndarray]:
    """``(keep, held)`` indices: ``size`` rows held out, stratified by ``y`` or drawn uniformly (regression)."""
    if stratify:
        return stratified_split(y, size, seed)
    rng = np.random.default_rng(seed)
    held = np.sort(rng.choice(len(y), size=size, replace=False))
    mask = np.ones(len(y), dtype=bool)
    mask[held] = False
    return np.flatnonzero(mask), held


def train_validation(y: np.ndarray, data, train_size: int, stratify: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Indices ``(train, validation)`` into the training file: ``data.validation_size`` rows carved for model
    selection, then (``train_size`` > 0) a seeded subset of the rest for the generator and the models."""
    keep, val = holdout_split(y, data.validation_size, data.split_seed, stratify)
    if train_size and train_size < len(keep):
        sub = (stratified_subset(y[keep], train_size, data.split_seed + 1) if stratify
               else np.sort(np.random.default_rng(data.split_seed + 1).choice(len(keep), train_size, replace=False)))
        keep = keep[sub]
    return keep, val
