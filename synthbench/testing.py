"""``check_generator``: the generator contract as a test suite (sklearn's ``check_estimator`` idea).

A plug-in author runs it in their own CI::

    from synthbench.testing import check_generator
    check_generator(MyGenerator(steps=10))

Every check raises ``ContractError`` naming what is wrong; ``check_generator`` returns the names of
the checks that passed.
"""

from __future__ import annotations

import inspect

import numpy as np

from synthbench import registry
from synthbench.contract import FIT_HOOKS, hyperparameters, modalities
from synthbench.data.images import LabeledImages
from synthbench.data.table import Table
from synthbench.exceptions import ContractError


def tiny_images(n_per_class: int = 16, num_classes: int = 3, size: int = 28, seed: int = 0) -> LabeledImages:
    """A small labelled image set: class ``c`` is a bright bar at a class-specific position plus noise."""
    rng = np.random.default_rng(seed)
    n = n_per_class * num_classes
    labels = np.repeat(np.arange(num_classes), n_per_class).astype(np.int64)
    images = rng.integers(0, 40, size=(n, 1, size, size)).astype(np.uint8)
    band = max(1, size // (2 * num_classes))
    for i, c in enumerate(labels):
        start = int(c) * 2 * band
        images[i, 0, start:start + band, :] = 200 + rng.integers(0, 55)
    return LabeledImages(images, labels, num_classes)


def tiny_table(n: int = 120, seed: int = 0) -> Table:
    """A small mixed-type table: a binary target that depends on a number and a category."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    colour = rng.choice(["red", "green", "blue"], size=n)
    count = rng.integers(0, 20, size=n)
    y = np.where(x + (colour == "red") > 0.5, "yes", "no")
    frame = pd.DataFrame({"x": x, "colour": colour, "count": count.astype(np.int64), "label": y})
    return Table(frame, {"x": "numerical", "colour": "categorical", "count": "integer", "label": "categorical"}, "label")


def modality_of(train):
    """The registered modality whose data type ``train`` is."""
    for name in registry.modalities.names():
        modality, _ = registry.modalities.try_get(name)
        if modality is not None and isinstance(train, modality.data_type):
            return modality
    raise ContractError(f"no modality takes {type(train).__name__} data - pass LabeledImages, a Table, or a registered modality's type")


def _validate(gen, out, n: int, labels, train):
    return modality_of(train).validate(out, n, train, _name(gen), labels, conditional=bool(getattr(gen, "conditional", True)))


def _name(gen) -> str:
    return type(gen).__name__


def check_init_stores_params(gen) -> None:
    params = gen.get_params(deep=False) if "deep" in inspect.signature(gen.get_params).parameters else gen.get_params()
    declared = hyperparameters(type(gen))
    if set(params) != set(declared):
        raise ContractError(
            f"{_name(gen)}.get_params() returns {sorted(params)} but __init__ declares {sorted(declared)} - "
            "store every __init__ argument under its own name (sklearn.base.BaseEstimator does this)"
        )
    for k in declared:
        if not hasattr(gen, k):
            raise ContractError(f"{_name(gen)}.__init__ must store hyperparameter '{k}' as self.{k}")
    learned = [a for a in vars(gen) if a.endswith("_") and not a.startswith("_")]
    if learned:
        raise ContractError(f"{_name(gen)}.__init__ sets fitted attribute(s) {learned}; only fit() may")


def check_fit_receives(gen) -> None:
    """``fit_receives`` names synthbench's hooks only, and ``fit`` takes each as a keyword argument."""
    declared = tuple(getattr(gen, "fit_receives", ()))
    unknown = [h for h in declared if h not in FIT_HOOKS]
    if unknown:
        raise ContractError(f"{_name(gen)}.fit_receives names {unknown} - synthbench's fit hooks are {list(FIT_HOOKS)}")
    params = inspect.signature(gen.fit).parameters
    missing = [h for h in declared if h not in params]
    if missing:
        raise ContractError(f"{_name(gen)}.fit_receives declares {missing} but fit() takes no such argument - "
                            f"add {', '.join(f'{h}=None' for h in missing)} to fit(), or drop them from fit_receives")
    undeclared = [h for h in FIT_HOOKS if h in params and h not in declared]
    if undeclared:
        raise ContractError(f"{_name(gen)}.fit() takes {undeclared} but fit_receives does not declare them, so synthbench "
                            f"never passes them - add fit_receives = {tuple(sorted(set(declared) | set(undeclared)))!r} "
                            "to the class")


def check_constraints(gen) -> None:
    """``constraints`` (``synthbench.constraints``) name hyperparameters of ``__init__``, and the defaults obey them."""
    from synthbench.constraints import violation

    declared = hyperparameters(type(gen))
    for name, constraint in getattr(gen, "constraints", {}).items():
        if name not in declared:
            raise ContractError(f"{_name(gen)}.constraints names '{name}', which is not an __init__ hyperparameter "
                                f"({', '.join(declared)})")
        if not callable(getattr(constraint, "allows", None)) or not callable(getattr(constraint, "describe", None)):
            raise ContractError(f"{_name(gen)}.constraints['{name}'] is {constraint!r} - use synthbench.constraints.Interval "
                                "or OneOf")
        problem = violation(name, declared[name], constraint, declared[name])
        if problem:
            raise ContractError(f"{_name(gen)}: the default of '{name}' breaks its own constraint: {problem}")


def check_fit_returns_self(gen, train) -> None:
    out = gen.fit(train)
    if out is not gen:
        raise ContractError(f"{_name(gen)}.fit() must return self, got {type(out).__name__}")
    learned = [a for a in vars(gen) if a.endswith("_") and not a.startswith("_")]
    if not learned:
        raise ContractError(f"{_name(gen)}.fit() stored nothing in attributes ending in '_' - store what it learns there")


def check_sample_kind(gen, train) -> None:
    for n in (1, 7, 2 * len(train) + 3):
        _validate(gen, gen.sample(n), n, None, train)


def check_sample_labels(gen, train) -> None:
    """Conditional generators honour ``labels=``; unconditional ones (and every generator on a table, whose
    target is a column) refuse it with a clear error."""
    if not getattr(gen, "conditional", True) or modality_of(train).labels_are_columns:
        try:
            gen.sample(3, labels=np.zeros(3, dtype=np.int64))
        except Exception as exc:  # noqa: BLE001 - any clear error will do
            if not str(exc):
                raise ContractError(f"{_name(gen)} is unconditional: sample(labels=...) must fail with a message") from exc
            return
        raise ContractError(f"{_name(gen)} is unconditional (conditional = False) but sample(labels=...) did not refuse - "
                            "raise an error, or set conditional = True and honour the labels")
    rng = np.random.default_rng(1)
    labels = rng.integers(0, train.num_classes, size=25).astype(np.int64)
    _validate(gen, gen.sample(len(labels), labels=labels), len(labels), labels, train)


def check_seeded(gen, train) -> None:
    if "random_state" not in gen.get_params():
        raise ContractError(f"{_name(gen)} must take a `random_state` hyperparameter (the one seed of all its randomness)")
    from sklearn.base import clone

    a = clone(gen).set_params(random_state=123).fit(train).sample(20)
    b = clone(gen).set_params(random_state=123).fit(train).sample(20)
    if not modality_of(train).same(a, b):
        raise ContractError(f"{_name(gen)} with the same random_state gave different samples - seed every random step from it")


CHECKS = ("init_stores_params", "fit_receives", "constraints", "fit_returns_self", "sample_kind", "sample_labels", "seeded")


def check_generator(generator, train: LabeledImages | Table | None = None) -> list[str]:
    """Run every contract check on an (unfitted) generator instance; return the passed check names.
    Without ``train``, a tiny image set or a tiny table, by the generator's first modality."""
    from sklearn.base import clone

    if train is None:
        train = registry.modalities.get(modalities(type(generator))[0]).example()
    check_init_stores_params(generator)
    check_fit_receives(generator)
    check_constraints(generator)
    fitted = clone(generator)
    check_fit_returns_self(fitted, train)
    check_sample_kind(fitted, train)
    check_sample_labels(fitted, train)
    check_seeded(generator, train)
    return list(CHECKS)
