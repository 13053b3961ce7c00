"""From a task to its splits: train (for generators), validation (carved from train, for model
selection) and test (untouched, only for scoring)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from synthbench import datasets
from synthbench.data import LabeledImages, stratified_split, stratified_subset
from synthbench.exceptions import ConfigError, DatasetError
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
    if task.modality == "table":
        return load_table_task_data(task, budget, data_dir, download)
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


def _read_table_files(task: Task, data_dir, download: bool):
    """``(train_frame, test_frame or None, checksums, files)`` for a named dataset or a user's CSV files."""
    import pandas as pd

    d = task.data
    if d.train_file:
        base = Path(task.path).parent if task.path else Path.cwd()
        files = {"train": base / d.train_file, **({"test": base / d.test_file} if d.test_file else {})}
        frames = {}
        for k, p in files.items():
            if not p.is_file():
                raise DatasetError(f"task '{task.name}': {k}_file {p} does not exist - fix [data].{k}_file (relative to the task file)")
            try:
                frames[k] = pd.read_csv(p)
            except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
                raise DatasetError(f"{p} is not a readable CSV file with a header line ({exc}) - fix the file") from exc
        return (frames["train"], frames.get("test"), {p.name: datasets.sha256_of(p) for p in files.values()},
                {p.name: str(p) for p in files.values()})
    spec = datasets.get_spec(d.dataset)
    paths = datasets.locate(spec, data_dir, download)
    fmt = spec.meta.get("format")
    if fmt == "uci-adult":
        kw = dict(header=None, names=list(spec.meta["columns"]), skipinitialspace=True, dtype=str, keep_default_na=False)
        train = pd.read_csv(paths[spec.meta["train"]], **kw)
        test = pd.read_csv(paths[spec.meta["test"]], skiprows=1, **kw)  # its first line is "|1x3 Cross validator"
        test[spec.meta["columns"][-1]] = test[spec.meta["columns"][-1]].str.rstrip(".")  # labels end in "." there
    elif fmt == "csv":
        train = pd.read_csv(paths[spec.meta["train"]], keep_default_na=False, na_values=[""])
        test = pd.read_csv(paths[spec.meta["test"]], keep_default_na=False, na_values=[""]) if "test" in spec.meta else None
    else:
        raise ConfigError(f"task '{task.name}': dataset '{spec.name}' is not a table (format {fmt!r}) - use a table dataset")
    return train, test, {n: spec.file(n).sha256 for n in paths}, {n: str(p) for n, p in paths.items()}


def _split(y, size: int, seed: int, stratify: bool):
    if stratify:
        return stratified_split(y, size, seed)
    rng = np.random.default_rng(seed)
    held = np.sort(rng.choice(len(y), size=size, replace=False))
    mask = np.ones(len(y), dtype=bool)
    mask[held] = False
    return np.flatnonzero(mask), held


def load_table_task_data(task: Task, budget: str | None = None, data_dir=None, download: bool = True) -> TaskData:
    """Train / validation / test tables; columns checked against the task's declared types."""
    from synthbench.table import Table, check_categories, check_informative, conform

    d = task.data
    train_raw, test_raw, checksums, files = _read_table_files(task, data_dir, download)
    name = d.dataset or Path(d.train_file).stem
    full = conform(train_raw, d.columns, d.target, f"task '{task.name}': training data ({name})")
    classification = d.columns[d.target] == "categorical"
    if test_raw is None:
        if not d.test_fraction:
            raise ConfigError(f"task '{task.name}': the data has no test file - set [data].test_fraction (e.g. 0.2) or test_file")
        keep, test_idx = _split(full[d.target].to_numpy(), int(round(d.test_fraction * len(full))), d.split_seed + 2, classification)
        test = full.iloc[test_idx].reset_index(drop=True)
        full = full.iloc[keep].reset_index(drop=True)
    else:
        test = conform(test_raw, d.columns, d.target, f"task '{task.name}': test data ({name})")
    if not 0 < d.validation_size < len(full):
        raise ConfigError(f"task '{task.name}': validation_size {d.validation_size} must be between 1 and {len(full) - 1}")
    keep, val = _split(full[d.target].to_numpy(), d.validation_size, d.split_seed, classification)
    train_size = task.budget(budget).train_size if budget is not None and task.budget(budget).train_size > 0 else d.train_size
    if train_size and train_size < len(keep):
        sub = (stratified_subset(full[d.target].to_numpy()[keep], train_size, d.split_seed + 1) if classification
               else np.sort(np.random.default_rng(d.split_seed + 1).choice(len(keep), train_size, replace=False)))
        keep = keep[sub]
    train = full.iloc[keep].reset_index(drop=True)
    where = f"task '{task.name}' ({name})"
    check_informative(train, where + ", training split")
    check_categories(full, test, d.columns, where)  # the training data as given, before any budget subset
    classes = sorted(train[d.target].unique()) if classification else []
    if classification and len(classes) == 2 and d.positive not in classes:
        raise ConfigError(f"task '{task.name}': [data].positive {d.positive!r} is not a class of '{d.target}' - one of {classes}")
    if d.test_size and d.test_size < len(test):
        test = test.iloc[np.sort(np.random.default_rng(d.split_seed + 3).choice(len(test), d.test_size, replace=False))]
        test = test.reset_index(drop=True)
    mk = lambda f: Table(f, dict(d.columns), d.target)  # noqa: E731
    return TaskData(train=mk(train), validation=mk(full.iloc[val].reset_index(drop=True)), test=mk(test),
                    class_names=[str(c) for c in classes], dataset=name, checksums=checksums, files=files)
