"""What values a hyperparameter may take, declared beside the hyperparameters and checked before a run opens.

A generator or downstream model may declare a class attribute ``constraints``: hyperparameter name ->
``Interval`` or ``OneOf``. ``synthbench.config`` checks every resolved value against it (after the budget,
the task file and ``--param`` have been applied), so ``--param steps=0`` is refused with the allowed range
before any MLflow run exists, rather than finishing with an untrained generator. A list or tuple value (layer
sizes) is checked element by element; ``None`` is allowed when it is the hyperparameter's default ("not set").

scikit-learn has the same idea (``_parameter_constraints``), in a private module a plug-in cannot rely on.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

_BRACKETS = {"both": "[]", "left": "[)", "right": "(]", "neither": "()"}


@dataclass(frozen=True)
class Interval:
    """A number between ``low`` and ``high`` (either may be ``None``: unbounded); ``closed`` says which ends are
    allowed ("both", "left", "right", "neither"); ``integer`` requires a whole number."""

    low: float | None = None
    high: float | None = None
    closed: str = "both"
    integer: bool = False

    def __post_init__(self):
        if self.closed not in _BRACKETS:
            raise ValueError(f"closed must be one of {', '.join(_BRACKETS)}, got {self.closed!r}")

    def allows(self, value) -> bool:
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or math.isnan(value):
            return False
        if self.integer and not float(value).is_integer():
            return False
        left, right = self.closed in ("both", "left"), self.closed in ("both", "right")
        if self.low is not None and (value < self.low or (value == self.low and not left)):
            return False
        if self.high is not None and (value > self.high or (value == self.high and not right)):
            return False
        return True

    def describe(self) -> str:
        kind = "an integer" if self.integer else "a number"
        if self.low is not None and self.high is not None:
            b = _BRACKETS[self.closed]
            return f"{kind} in {b[0]}{self.low:g}, {self.high:g}{b[1]}"
        if self.low is not None:
            return f"{kind} {'>=' if self.closed in ('both', 'left') else '>'} {self.low:g}"
        if self.high is not None:
            return f"{kind} {'<=' if self.closed in ('both', 'right') else '<'} {self.high:g}"
        return kind


@dataclass(frozen=True)
class OneOf:
    """One of the listed values."""

    values: tuple

    def allows(self, value) -> bool:
        return value in self.values

    def describe(self) -> str:
        return "one of " + ", ".join(repr(v) for v in self.values)


@dataclass(frozen=True)
class DictOf:
    """A table ``{name: value}`` whose every value obeys ``values`` (e.g. a distribution per column)."""

    values: object

    def allows(self, value) -> bool:
        return isinstance(value, dict) and all(isinstance(k, str) and self.values.allows(v) for k, v in value.items())

    def describe(self) -> str:
        return "a table {name: value} (JSON) with every value " + self.values.describe()


def positive_int() -> Interval:
    return Interval(1, None, integer=True)


def non_negative() -> Interval:
    return Interval(0, None)


def positive() -> Interval:
    return Interval(0, None, closed="neither")


def fraction(closed: str = "left") -> Interval:
    """A share in [0, 1) by default."""
    return Interval(0, 1, closed=closed)


def violation(name: str, value, constraint, default=None) -> str | None:
    """What is wrong with ``value`` (a sentence fragment naming the allowed values), or ``None`` if it is allowed."""
    if value is None and default is None:
        return None
    items = value if isinstance(value, (list, tuple)) else [value]
    if isinstance(value, (list, tuple)) and not items:
        return f"must not be empty ({constraint.describe()} each)"
    for item in items:
        if not constraint.allows(item):
            each = " each" if isinstance(value, (list, tuple)) else ""
            return f"must be {constraint.describe()}{each}, got {value!r}"
    return None
