"""From a task to its splits: train (for generators), validation (carved from train, for model
selection) and test (untouched, only for scoring)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from synthbench import datasets
from synthbench.data import LabeledImages, stratified_split, stratified_subset
from synthbench.exceptions import ConfigError
from synthbench.tasks import Task


@dataclass
class TaskData:
    train: LabeledImages
    validation: LabeledImages
    test: LabeledImages
    class_names: list
    dataset: str
    checksums: dict = field(default_factory=dict)  # file name -> sha256
    files: dict = field(default_factory=dict)  # file name -> path


def load_task_data(task: Task, budget: str | None = None, data_dir=None, download: bool = True) -> TaskData:
    if task.modality != "image":
        raise ConfigError(f"task '{task.name}': modality '{task.modality}' has no loader yet - image tasks are supported")
    spec = datasets.get_spec(task.data.dataset)
    x_tr, y_tr, x_te, y_te, paths = datasets.load_idx_images(spec, data_dir, download)
    x_tr, x_te = x_tr[:, None], x_te[:, None]
    y_tr, y_te = y_tr.astype(np.int64), y_te.astype(np.int64)
    num_classes = len(spec.meta["classes"])
    keep, val = stratified_split(y_tr, task.data.validation_size, task.data.split_seed)
    train_size = task.data.train_size
    if budget is not None and task.budget(budget).train_size > 0:
        train_size = task.budget(budget).train_size
    if train_size:
        keep = keep[stratified_subset(y_tr[keep], train_size, task.data.split_seed + 1)]
    test_idx = np.arange(len(y_te))
    if task.data.test_size:
        test_idx = stratified_subset(y_te, task.data.test_size, task.data.split_seed + 2)
    return TaskData(
        train=LabeledImages(x_tr[keep], y_tr[keep], num_classes),
        validation=LabeledImages(x_tr[val], y_tr[val], num_classes),
        test=LabeledImages(x_te[test_idx], y_te[test_idx], num_classes),
        class_names=list(spec.meta["classes"]),
        dataset=spec.name,
        checksums={name: spec.file(name).sha256 for name in paths},
        files={name: str(p) for name, p in paths.items()},
    )
