"""synthbench.constraints: the ranges generators declare beside their hyperparameters, and the sentence each gives
when a value breaks it (config.resolve_params puts the setting, its source and the fix around it: test_config)."""

import pytest

from synthbench.constraints import DictOf, Interval, OneOf, fraction, non_negative, positive, positive_int, violation


def test_intervals_and_choices_say_what_they_allow():
    assert Interval(1, None, integer=True).describe() == "an integer >= 1"
    assert Interval(0, None, closed="neither").describe() == "a number > 0"
    assert Interval(0, 1, closed="left").describe() == "a number in [0, 1)"
    assert Interval(0, 1, closed="left").allows(0) and not Interval(0, 1, closed="left").allows(1)
    assert not Interval(1, None, integer=True).allows(2.5) and not Interval(0).allows(float("nan"))
    assert not Interval(0).allows(True) and not Interval(0).allows("3")
    assert OneOf(("a", "b")).allows("a") and not OneOf(("a", "b")).allows("c")
    assert violation("dims", [8, 0], Interval(1, None, integer=True)) == "must be an integer >= 1 each, got [8, 0]"
    assert violation("dims", [8, 16], Interval(1, None, integer=True)) is None
    assert violation("x", None, Interval(1), default=None) is None  # None default: "not set"
    with pytest.raises(ValueError):
        Interval(0, 1, closed="sideways")


def test_the_shorthands_are_the_ranges_their_names_say():
    assert positive_int().allows(1) and not positive_int().allows(0) and not positive_int().allows(1.5)
    assert positive().allows(1e-9) and not positive().allows(0) and not positive().allows(-1)
    assert non_negative().allows(0) and not non_negative().allows(-1e-9)
    assert fraction().allows(0) and not fraction().allows(1) and fraction("both").allows(1)
    assert positive_int().allows(2**70)  # a Python int of any size (seeds are checked against NumPy's range elsewhere)


def test_a_table_of_values_is_checked_value_by_value():
    table = DictOf(OneOf(("norm", "beta")))
    assert table.allows({"age": "norm", "fnlwgt": "beta"}) and table.allows({})
    assert not table.allows({"age": "cauchy"}) and not table.allows(["norm"]) and not table.allows({1: "norm"})
    assert violation("numerical_distributions", {"age": "cauchy"}, table) == (
        "must be a table {name: value} (JSON) with every value one of 'norm', 'beta', got {'age': 'cauchy'}")
    assert violation("dims", [], positive_int()) == "must not be empty (an integer >= 1 each)"
