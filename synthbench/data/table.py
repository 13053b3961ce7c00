"""Tables: the in-memory record a tabular generator fits on and samples, and the checks on real input.

Column types are declared (a task file's ``[data.columns]``), never guessed: ``categorical``,
``numerical`` (real-valued) or ``integer`` (numerical, whole numbers). Every check here fails with one
message naming the column, what is wrong and how to fix it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from synthbench.exceptions import DatasetError

COLUMN_TYPES = ("categorical", "numerical", "integer")
TABLE_NAME = "table"  # the table's name in SDV / SDMetrics metadata


@dataclass(frozen=True)
class Table:
    """A ``pandas.DataFrame`` whose columns are exactly ``columns`` (name -> type, in order), one of them
    the ``target``. A generator fit on a ``Table`` samples a ``Table`` with the same columns; the target is
    generated like any other column, so every synthetic row is labelled."""

    frame: pd.DataFrame
    columns: dict
    target: str

    def __post_init__(self):
        if list(self.frame.columns) != list(self.columns):
            raise ValueError(f"frame columns {list(self.frame.columns)} differ from the declared {list(self.columns)}")
        if self.target not in self.columns:
            raise ValueError(f"target '{self.target}' is not a column")

    def __len__(self) -> int:
        return len(self.frame)

    def take(self, index) -> "Table":
        return Table(self.frame.iloc[np.asarray(index)].reset_index(drop=True), self.columns, self.target)

    @staticmethod
    def concat(parts: list["Table"]) -> "Table":
        return Table(pd.concat([p.frame for p in parts], ignore_index=True), parts[0].columns, parts[0].target)

    @property
    def features(self) -> pd.DataFrame:
        return self.frame.drop(columns=[self.target])

    @property
    def y(self) -> pd.Series:
        return self.frame[self.target]

    def categorical(self, include_target: bool = True) -> list[str]:
        return [c for c, t in self.columns.items() if t == "categorical" and (include_target or c != self.target)]

    def numerical(self, include_target: bool = True) -> list[str]:
        return [c for c, t in self.columns.items() if t != "categorical" and (include_target or c != self.target)]

    def sdv_metadata_dict(self) -> dict:
        """Single-table metadata as SDV 2 and SDMetrics take it (``{"columns": {name: {"sdtype": ...}}}``);
        integers are numerical with ``decimal_places = 0``."""
        cols = {}
        for c, t in self.columns.items():
            cols[c] = {"sdtype": "categorical"} if t == "categorical" else (
                {"sdtype": "numerical", "decimal_places": 0} if t == "integer" else {"sdtype": "numerical"})
        return {"columns": cols}


def _show(value) -> str:
    return repr(value.item() if hasattr(value, "item") else value)


def conform(frame: pd.DataFrame, columns: dict, target: str, where: str) -> pd.DataFrame:
    """Check ``frame`` against the declared ``columns`` and return it with canonical dtypes
    (categorical -> ``str``, numerical -> ``float64``, integer -> ``int64``), in the declared order."""
    if target not in columns:
        raise DatasetError(f"{where}: target '{target}' is not among the declared columns - add it to [data.columns]")
    bad_types = {c: t for c, t in columns.items() if t not in COLUMN_TYPES}
    if bad_types:
        c, t = next(iter(bad_types.items()))
        raise DatasetError(f"{where}: column '{c}' has type '{t}' - declare one of {', '.join(COLUMN_TYPES)}")
    if target not in frame.columns:
        raise DatasetError(f"{where}: the target column '{target}' is missing (columns: {', '.join(map(str, frame.columns))}) "
                           "- add it to the file or name the right [data].target")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DatasetError(f"{where}: declared column(s) {', '.join(missing)} are missing from the data - fix the file or [data.columns]")
    if len(frame) == 0:
        raise DatasetError(f"{where}: the table has no rows - check the file (and its header line)")
    frame = frame[list(columns)].copy()
    nan_counts = frame.isna().sum()
    if nan_counts.any():
        c = nan_counts[nan_counts > 0].index[0]
        row = int(np.flatnonzero(frame[c].isna().to_numpy())[0])
        raise DatasetError(
            f"{where}: column '{c}' has {int(nan_counts[c])} missing value(s) (first at row {row}) - drop or impute them, or, "
            "for a categorical column, write missing as its own category (e.g. '?') so generators can learn it")
    for c, t in columns.items():
        col = frame[c]
        if t == "categorical":
            frame[c] = col.astype(str)
            continue
        values = pd.to_numeric(col, errors="coerce")
        if values.isna().any():
            example = col[values.isna()].iloc[0]
            raise DatasetError(f"{where}: column '{c}' is declared {t} but holds non-numeric values such as {_show(example)} "
                               "- fix the data or declare the column categorical in [data.columns]")
        if not np.isfinite(values.to_numpy(dtype=float)).all():
            raise DatasetError(f"{where}: column '{c}' holds infinite values - replace or drop them")
        if t == "integer":
            fractional = values[values != np.round(values)]
            if len(fractional):
                raise DatasetError(f"{where}: column '{c}' is declared integer but holds {_show(fractional.iloc[0])} "
                                   "- declare it numerical in [data.columns]")
            frame[c] = values.astype(np.int64)
        else:
            frame[c] = values.astype(np.float64)
    return frame


def check_informative(frame: pd.DataFrame, where: str, target: str | None = None) -> None:
    """Refuse a column with a single value: it carries no information and breaks generators' transforms. The
    ``target`` with a single value leaves nothing to predict: the fix is other data or another target, not dropping it."""
    for c in frame.columns:
        if frame[c].nunique(dropna=False) <= 1:
            value = _show(frame[c].iloc[0]) if len(frame) else "none"
            if c == target:
                raise DatasetError(f"{where}: the target '{c}' has a single value ({value}) - no model can learn to predict "
                                   "it: use data in which it varies (two or more classes), or another [data].target")
            raise DatasetError(f"{where}: column '{c}' has a single value ({value}) - it carries no information; "
                               "remove it from [data.columns]")


def check_categories(train: pd.DataFrame, other: pd.DataFrame, columns: dict, where: str) -> None:
    """Refuse categories in ``other`` (the test split) that the training data never shows."""
    for c, t in columns.items():
        if t != "categorical":
            continue
        unseen = sorted(set(other[c].unique()) - set(train[c].unique()))
        if unseen:
            shown = ", ".join(map(repr, unseen[:5])) + (" ..." if len(unseen) > 5 else "")
            n = int(other[c].isin(unseen).sum())
            raise DatasetError(
                f"{where}: column '{c}' has categories in the test split that the training data never shows ({shown}; {n} rows) "
                "- no generator or model can learn them: drop those rows, merge the categories, or resplit the data")
