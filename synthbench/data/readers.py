"""Readers: a dataset's verified files -> the raw training and test data of a task.

A ``DatasetSpec`` names its reader; a task's own CSV files (``[data].train_file``) are read by ``csv``.
Image readers return ``(images (N, C, H, W) uint8, labels (N,) int64)`` pairs; table readers return
pandas frames (``test`` is ``None`` when the dataset has a single file and the task carves its test split).
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from synthbench.exceptions import ConfigError, DatasetError


@dataclass(frozen=True)
class RawData:
    modality: str  # image | table
    train: Any
    test: Any


def read_idx(path: Path) -> np.ndarray:
    """Read a (gzipped) IDX file of unsigned bytes (the MNIST format)."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as fh:
        data = fh.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise DatasetError(f"{path} is not an IDX file of unsigned bytes - restore the original file")
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    offset = 4 + 4 * ndim
    expected = int(np.prod(dims))
    if len(data) - offset != expected:
        raise DatasetError(f"{path} holds {len(data) - offset} values, its header says {expected} - restore the original file")
    return np.frombuffer(data, dtype=np.uint8, offset=offset).reshape(dims).copy()  # writable, owns its memory


#: The IDX files of an image dataset, by role; a spec's ``meta`` may name others (MNIST's names by default).
IDX_FILES = {"train_images": "train-images-idx3-ubyte.gz", "train_labels": "train-labels-idx1-ubyte.gz",
             "test_images": "t10k-images-idx3-ubyte.gz", "test_labels": "t10k-labels-idx1-ubyte.gz"}


def idx_images(spec, paths: dict[str, Path]) -> RawData:
    """Images and labels from IDX files (``(N, H, W)`` grey or ``(N, C, H, W)``)."""
    name = {role: spec.meta.get(role, default) for role, default in IDX_FILES.items()}
    parts = []
    for split in ("train", "test"):
        x, y = read_idx(paths[name[f"{split}_images"]]), read_idx(paths[name[f"{split}_labels"]])
        if len(x) != len(y):
            raise DatasetError(f"{spec.name}: image and label counts differ - restore the original files")
        parts.append((x[:, None] if x.ndim == 3 else x, y.astype(np.int64)))
    return RawData("image", *parts)


def uci_adult(spec, paths: dict[str, Path]) -> RawData:
    """UCI's adult.data / adult.test: no header, ', '-separated, '?' kept as a category, test labels end in '.'."""
    import pandas as pd

    cols = list(spec.meta["columns"])
    kw = dict(header=None, names=cols, skipinitialspace=True, dtype=str, keep_default_na=False)
    train = pd.read_csv(paths[spec.meta["train"]], **kw)
    test = pd.read_csv(paths[spec.meta["test"]], skiprows=1, **kw)  # its first line is "|1x3 Cross validator"
    test[cols[-1]] = test[cols[-1]].str.rstrip(".")
    return RawData("table", train, test)


def csv_files(spec, paths: dict[str, Path]) -> RawData:
    """CSV files with a header line; empty cells are missing values (checked later against the task)."""
    kw = dict(keep_default_na=False, na_values=[""])
    return RawData("table", read_csv(paths[spec.meta["train"]], **kw),
                   read_csv(paths[spec.meta["test"]], **kw) if "test" in spec.meta else None)


def read_csv(path: Path, **options):
    """One CSV file (pandas' options; a task's own files use pandas' defaults), or one clear error."""
    import pandas as pd

    try:
        frame = pd.read_csv(path, **options)
        header = pd.read_csv(path, header=None, nrows=1, dtype=str, keep_default_na=False).iloc[0].tolist()
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DatasetError(f"{path} is not a readable CSV file with a header line ({exc}) - fix the file") from exc
    check_header(header, path)
    return frame


def check_header(names: list, path) -> None:
    """Refuse a header line naming a column twice: pandas would rename the second ``a`` to ``a.1``, which no task
    declares, so one of the two columns would be silently dropped."""
    seen: dict = {}
    for i, name in enumerate(names, 1):
        seen.setdefault(name, []).append(i)
    twice = {name: cols for name, cols in seen.items() if len(cols) > 1 and name != ""}  # pandas numbers blank names
    if twice:
        shown = "; ".join(f"{name!r} in columns {', '.join(map(str, cols))}" for name, cols in twice.items())
        raise DatasetError(f"{path}: the header line names a column more than once ({shown}) - pandas would rename the "
                           "copies (e.g. 'a.1') and the task would read only one of them: give every column a unique "
                           "name in the file")


READERS = {"idx": idx_images, "uci-adult": uci_adult, "csv": csv_files}


def read(spec, paths: dict[str, Path]) -> RawData:
    if spec.reader not in READERS:
        raise ConfigError(f"dataset '{spec.name}' names reader '{spec.reader}' - available readers: {', '.join(sorted(READERS))}")
    return READERS[spec.reader](spec, paths)
