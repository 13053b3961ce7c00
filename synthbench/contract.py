"""The generator contract, checked on every sample a generator returns.

A generator is sklearn-shaped (see ``synthbench.testing.check_generator`` for the full checks):

* ``__init__(**hyperparameters)`` only stores its keyword arguments; ``get_params()`` returns them
  (``sklearn.base.BaseEstimator`` provides this and ``set_params``);
* ``fit(train)`` learns from the real training split only and returns ``self``; what it learns is stored
  in attributes ending in ``_``; randomness comes from ``random_state``;
* ``sample(n, labels=None)`` returns ``n`` rows of the same kind as ``train``; with ``labels``
  (``n`` class indices), row ``i`` is of class ``labels[i]``.

Optional class attributes: ``fit_receives`` - which of synthbench's hooks ``fit`` takes as keyword
arguments (default none, so a plain ``fit(self, train)`` works): ``"callback"`` (called with progress
events ``{"phase_step": i, "phase_total": n}``) and ``"monitor"`` (a ``synthbench.diagnostics.TrainingMonitor``
for GAN training signals); ``modalities`` (default ``("image",)``), ``problems`` (the tasks' ``[data].problem``
it handles, e.g. ``("classification",)``; default any), ``budgets``
(``{"quick": {...}, "standard": {...}, "full": {...}}``: hyperparameters per budget) and
``conditional`` (whether ``labels=`` is honoured natively). After ``fit``, ``history_`` may hold a
list of ``{"step": int, <metric>: float}`` records that synthbench logs as MLflow step metrics.
"""

from __future__ import annotations

import inspect

import numpy as np

from synthbench.data.images import UNLABELED, LabeledImages
from synthbench.exceptions import ContractError

#: The hooks a generator may declare in ``fit_receives``.
FIT_HOOKS = ("callback", "monitor")


def hyperparameters(cls) -> dict:
    """name -> default, read from the ``__init__`` signature (no hand-kept list)."""
    sig = inspect.signature(cls.__init__)
    out = {}
    for name, p in list(sig.parameters.items())[1:]:
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            raise ContractError(f"{cls.__name__}.__init__ must list its hyperparameters explicitly (no *args/**kwargs)")
        out[name] = None if p.default is inspect.Parameter.empty else p.default
    return out


def modalities(cls) -> tuple[str, ...]:
    return tuple(getattr(cls, "modalities", ("image",)))


def unsupported(cls, task) -> str | None:
    """Why generator class ``cls`` cannot run on ``task`` (its kind of data, its prediction problem), or None."""
    if task.modality not in modalities(cls):
        return f"it handles {', '.join(modalities(cls))} data and task '{task.name}' is {task.modality}"
    problems = tuple(getattr(cls, "problems", ()) or ())
    if problems and task.data.problem not in problems:
        return f"it handles {' and '.join(problems)} tasks and task '{task.name}' is {task.data.problem}"
    return None


def receives(generator, hook: str) -> bool:
    """Whether ``generator.fit`` takes ``hook`` (declared in its class's ``fit_receives``)."""
    return hook in tuple(getattr(generator, "fit_receives", ()))


def fit(generator, train, **hooks):
    """``generator.fit(train, ...)`` with the hooks it declares it receives (``None`` hooks are not passed)."""
    unknown = sorted(set(hooks) - set(FIT_HOOKS))
    if unknown:
        raise ValueError(f"unknown fit hook(s) {unknown} - synthbench's hooks are {FIT_HOOKS}")
    return generator.fit(train, **{k: v for k, v in hooks.items() if v is not None and receives(generator, k)})


def validate_sample(out, n: int, labels, train: LabeledImages, name: str, conditional: bool = True) -> LabeledImages:
    """Raise ContractError unless ``out`` is ``n`` rows like ``train`` (with ``labels`` if given; an
    unconditional generator, asked for no labels, labels every row ``UNLABELED``)."""
    where = f"generator '{name}' sample({n})"
    if not isinstance(out, LabeledImages):
        raise ContractError(f"{where} returned {type(out).__name__}, expected LabeledImages like its training data")
    if len(out) != n:
        raise ContractError(f"{where} returned {len(out)} rows, expected {n}")
    want_shape = (n, *train.image_shape)
    if tuple(out.images.shape) != want_shape:
        raise ContractError(f"{where} returned images of shape {tuple(out.images.shape)}, expected {want_shape}")
    if out.images.dtype != np.uint8:
        raise ContractError(f"{where} returned images of dtype {out.images.dtype}, expected uint8 in [0, 255]")
    if not np.issubdtype(out.labels.dtype, np.integer):
        raise ContractError(f"{where} returned labels of dtype {out.labels.dtype}, expected integers")
    if not conditional and labels is None and len(out.labels) and not (out.labels == UNLABELED).all():
        raise ContractError(f"{where}: an unconditional generator must label its samples UNLABELED (-1), not guess classes")
    if out.labelled and len(out.labels) and out.labels.max() >= train.num_classes:
        raise ContractError(f"{where} returned labels outside 0..{train.num_classes - 1}")
    if conditional and not out.labelled:
        raise ContractError(f"{where} returned labels outside 0..{train.num_classes - 1} (a conditional generator must label every row)")
    if labels is not None and not np.array_equal(out.labels, np.asarray(labels)):
        bad = int(np.sum(out.labels != np.asarray(labels)))
        raise ContractError(f"{where} returned {bad} rows whose labels differ from the labels asked for")
    return out


def validate_table_sample(out, n: int, train, name: str):
    """Raise ContractError unless ``out`` is a ``Table`` of ``n`` rows with exactly ``train``'s columns and
    values that fit their declared types (categories seen in training, numbers where numbers belong)."""
    import pandas as pd

    from synthbench.data.table import Table

    where = f"generator '{name}' sample({n})"
    if not isinstance(out, Table):
        raise ContractError(f"{where} returned {type(out).__name__}, expected a synthbench.data.Table like its training data")
    if len(out) != n:
        raise ContractError(f"{where} returned {len(out)} rows, expected {n}")
    got, want = list(out.frame.columns), list(train.columns)
    if got != want or out.target != train.target:
        extra, missing = sorted(set(got) - set(want)), sorted(set(want) - set(got))
        detail = (f"missing {missing}" if missing else "") + ("; " if missing and extra else "") + (f"unexpected {extra}" if extra else "")
        raise ContractError(f"{where} returned other columns than its training data ({detail or 'order differs'}); "
                            f"expected {want}")
    for c, t in train.columns.items():
        col = out.frame[c]
        if col.isna().any():
            raise ContractError(f"{where} returned {int(col.isna().sum())} missing values in column '{c}'")
        if t == "categorical":
            unseen = set(col.astype(str).unique()) - set(train.frame[c].astype(str).unique())
            if unseen:
                raise ContractError(f"{where} returned categories never seen in training in column '{c}': {sorted(unseen)[:5]}")
        elif not pd.api.types.is_numeric_dtype(col):
            raise ContractError(f"{where} returned non-numeric values in {t} column '{c}' (dtype {col.dtype})")
    return out
