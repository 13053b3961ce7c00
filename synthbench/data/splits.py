"""A task's splits, in one place: train (for generators), validation (carved from train, for model
selection) and test (untouched, only for scoring). Pure functions of labels and seeds; no I/O.

Every split is seeded by the task's ``[data].split_seed`` (validation, unless ``validation_seed`` is set: a sweep's
``--resplit``), ``+ 1`` (a training subset; ``--train-size``'s: the validation seed's ``+ 1``),
``+ 2`` (a test split carved from a single file; an image test subset) and ``+ 3`` (a table test subset),
so every run and every seed of a task sees the same rows.
"""

from __future__ import annotations

import math

import numpy as np

from synthbench import defaults
from synthbench.exceptions import ConfigError, DatasetError

def stratified_split(labels: np.ndarray, holdout: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices ``(keep, holdout)`` with ``holdout`` rows drawn per class in proportion, seeded (a class whose share
    rounds to no row may be absent from the holdout: ``check_classes`` refuses such splits)."""
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


def class_quotas(n: int, prior) -> np.ndarray:
    """How many of ``n`` rows each class gets to follow ``prior`` (class frequencies) exactly up to rounding: the
    rows rounding leaves go to the most frequent classes."""
    prior = np.asarray(prior, float) / np.sum(prior)
    counts = np.floor(prior * n).astype(int)
    for i in np.argsort(-prior)[: n - counts.sum()]:
        counts[i] += 1
    return counts


def balanced_labels(n: int, num_classes: int, rng: np.random.Generator, prior: np.ndarray | None = None) -> np.ndarray:
    """``n`` labels following ``prior`` (class frequencies) exactly up to rounding, shuffled."""
    counts = class_quotas(n, np.full(num_classes, 1.0 / num_classes) if prior is None else prior)
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


def validation_seed(data) -> int:
    """The seed of a task's validation carve-out: ``[data].validation_seed``, else its ``split_seed``."""
    return data.split_seed if data.validation_seed < 0 else data.validation_seed


def train_validation(y: np.ndarray, data, train_size: int, stratify: bool = True,
                     key: str = "[data].train_size") -> tuple[np.ndarray, np.ndarray]:
    """Indices ``(train, validation)`` into the training file: ``data.validation_size`` rows carved for model
    selection, then (``train_size`` > 0) a seeded subset of the rest for the generator and the models: seeded by
    ``split_seed + 1`` for a task's or budget's ``train_size``; for ``--train-size`` (``key``) by ``subset_seed``,
    which a run derives from its own seed (``synthbench.config.resolve``), so seeds also vary which rows a small
    training set holds (-1, a task used directly: the validation carve-out's seed + 1). The validation carve-out
    is the same whatever the subset's size: every size is selected on the same rows. ``key``: the setting that asked for the subset (errors name it)."""
    seed = validation_seed(data)
    keep, val = holdout_split(y, data.validation_size, seed, stratify)
    if train_size:
        if train_size > len(keep):
            raise ConfigError(f"{key} = {train_size} is more than the {len(keep)} training rows left after the "
                              f"{data.validation_size}-row validation carve-out - use at most {len(keep)} (0: all of them)")
        classes = len(np.unique(y[keep])) if stratify else 0
        if stratify and train_size < classes:
            raise ConfigError(f"{key} = {train_size} is fewer rows than the {classes} classes of the target - a subset "
                              f"needs at least one row of each class: use {classes} or more")
        if train_size < len(keep):
            if key != defaults.TRAIN_SIZE_OPTION:  # a task's or budget's own subset: the task's rows
                sub_seed = data.split_seed + 1
            else:
                sub_seed = data.subset_seed if data.subset_seed >= 0 else seed + 1
            sub = (stratified_subset(y[keep], train_size, sub_seed) if stratify
                   else np.sort(np.random.default_rng(sub_seed).choice(len(keep), train_size, replace=False)))
            keep = keep[sub]
    return keep, val


def _shown(classes, label) -> str:
    return ", ".join(repr(label(c)) for c in classes[:5]) + (" ..." if len(classes) > 5 else "")


def check_classes(full: np.ndarray, train: np.ndarray, validation: np.ndarray, test: np.ndarray, where: str, *,
                  target: str, train_key: str, validation_size: int, test_how: tuple, label=lambda c: c) -> None:
    """Refuse the splits of a classification task that cannot give a meaningful score, naming the setting to change.

    ``full``: the target of the training data before the validation carve; ``train``, ``validation``, ``test``: the
    target of each split as a run sees it. Every class of ``full`` must be in each split (a test split without a
    class scores no recall or AUROC for it; one class alone scores none at all), and the test split may hold no class
    the training data lacks. ``target``: the target's name; ``train_key``: the setting that subset the training
    split ("" when whole); ``test_how``: how the test split was made, ``("file", path)``, ``("fraction", f)``,
    ``("size", n)`` or ``("dataset", name)``; ``label``: a class as the user knows it.
    """
    classes, counts = np.unique(full, return_counts=True)
    count = {c.item() if hasattr(c, "item") else c: int(k) for c, k in zip(classes, counts)}
    n = len(full)
    if len(classes) < 2:
        only = _shown(list(count), label) if count else "none"
        raise DatasetError(f"{where}: the target '{target}' has a single class ({only}) in the training data - a classifier "
                           "cannot learn from one class: use data holding two or more classes, or another [data].target")

    def missing(split) -> list:
        return sorted(set(count) - set(np.unique(split).tolist()))

    def rare(lost) -> str:
        return ", ".join(f"{label(c)!r}: {count[c]} of {n} rows" for c in lost[:5])

    lost = missing(train)
    if lost:
        fix = (f"raise {train_key} or set it to 0 (the whole training split)" if train_key else
               "add rows of those classes to the training data, or lower [data].validation_size")
        raise ConfigError(f"{where}: the training split lacks class(es) {_shown(lost, label)} of the target '{target}' "
                          f"({rare(lost)}) - generators and models never see them: {fix}")
    lost = missing(validation)
    if lost:
        need = math.ceil(n / min(count[c] for c in lost))
        fix = (f"raise [data].validation_size to at least {need}" if need < n else
               "add rows of those classes to the training data (too few rows for every split to hold one)")
        raise ConfigError(f"{where}: the validation split ([data].validation_size = {validation_size}) is too small to hold "
                          f"every class of the target '{target}' - it lacks {_shown(lost, label)} ({rare(lost)}): {fix}")
    unseen = sorted(set(np.unique(test).tolist()) - set(count))
    kind, value = test_how
    if unseen:
        raise DatasetError(f"{where}: the test split has class(es) {_shown(unseen, label)} of the target '{target}' that the "
                           "training data never shows - no model can learn them: drop those rows or resplit the data")
    lost = missing(test)
    if lost:
        single = ", which leaves it a single class" if len(np.unique(test)) == 1 else ""
        problem = (f"{where}: the test split lacks class(es) {_shown(lost, label)} of the target '{target}' ({rare(lost)} "
                   f"in the training data){single} - per-class recall, F1 and AUROC need every class in the test split")
        if kind == "fraction":
            raise ConfigError(f"{problem}: raise [data].test_fraction (now {value})")
        if kind == "size":
            raise ConfigError(f"{problem}: raise [data].test_size (now {value}) or set it to 0 (the whole test split)")
        if kind == "file":
            raise DatasetError(f"{problem}: give a larger [data].test_file ({value}) holding every class, or leave "
                               "test_file out and set [data].test_fraction to carve a stratified test split")
        raise DatasetError(f"{problem}: dataset '{value}' brings this test split - use another dataset")
