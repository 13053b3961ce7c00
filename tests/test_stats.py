"""synthbench.stats: the intervals and tests every report figure over seeds rests on, against SciPy and Holm's
procedure worked by hand."""

import math

import numpy as np
import pytest
from scipy import stats as sps

from synthbench.stats import MIN_PAIRED_SEEDS, holm, mean_ci, mean_ci_text, paired_difference


def test_mean_ci_is_students_t_interval_of_the_mean():
    values = [0.9712, 0.9750, 0.9781, 0.9699]
    mean, half = mean_ci(values)
    low, high = sps.t.interval(0.95, len(values) - 1, loc=np.mean(values), scale=sps.sem(values))
    assert mean == pytest.approx(np.mean(values), abs=1e-15)
    assert (mean - half, mean + half) == pytest.approx((low, high), abs=1e-12)
    _, wider = mean_ci(values, confidence=0.99)
    assert wider > half


def test_mean_ci_drops_missing_values_and_says_when_there_is_no_spread():
    assert mean_ci([0.5, None, float("nan"), 0.7]) == pytest.approx((0.6, mean_ci([0.5, 0.7])[1]))
    assert mean_ci([0.8]) == (0.8, None)
    mean, half = mean_ci([])
    assert math.isnan(mean) and half is None
    assert mean_ci_text([0.9712, 0.9752]) == f"0.9732 +/- {mean_ci([0.9712, 0.9752])[1]:.4f} (n=2)"
    assert mean_ci_text([0.5, None]) == "0.5000 (n=1)" and mean_ci_text([None]) == "-"


def test_paired_difference_is_the_paired_t_test():
    a = [0.9750, 0.9741, 0.9760, 0.9731]
    b = [0.9513, 0.9480, 0.9550, 0.9502]
    got = paired_difference(a, b)
    ref = sps.ttest_rel(a, b)
    low, high = ref.confidence_interval(0.95)
    assert got["n"] == 4 and got["diff"] == pytest.approx(np.mean(np.subtract(a, b)))
    assert got["p"] == pytest.approx(ref.pvalue) and (got["low"], got["high"]) == pytest.approx((low, high))
    # the sign follows the order of the arguments; the p-value does not
    back = paired_difference(b, a)
    assert back["diff"] == pytest.approx(-got["diff"]) and back["p"] == pytest.approx(got["p"])


def test_paired_difference_needs_enough_pairs_and_drops_incomplete_ones():
    few = paired_difference([0.9, 0.8], [0.7, 0.6])
    assert few["n"] == 2 < MIN_PAIRED_SEEDS and few["p"] is None and few["low"] is None
    assert few["diff"] == pytest.approx(0.2)
    holes = paired_difference([0.9, float("nan"), 0.8, 0.85, 0.7], [0.7, 0.5, float("nan"), 0.6, 0.65])
    assert holes["n"] == 3 and holes["p"] == pytest.approx(sps.ttest_rel([0.9, 0.85, 0.7], [0.7, 0.6, 0.65]).pvalue)
    same = paired_difference([0.5, 0.6, 0.7], [0.5, 0.6, 0.7])
    assert same["p"] == 1.0 and same["diff"] == 0.0
    # every seed better by 0.1 (in floating point 0.09999999999999998, 0.09999999999999998, 0.10000000000000009: a
    # spread of rounding alone, on which the t-test would report a "significant" p of 1e-31 with a warning)
    shifted = paired_difference([0.6, 0.7, 0.8], [0.5, 0.6, 0.7])
    assert shifted["p"] == 0.0 and shifted["low"] == pytest.approx(0.1) == shifted["high"]
    tied = paired_difference([0.3, 0.7, 0.9], [0.1 + 0.2, 0.7, 0.9])  # 0.1 + 0.2 != 0.3: equal up to rounding
    assert tied["p"] == 1.0 and tied["diff"] == 0.0


def test_holm_steps_down_and_keeps_the_order():
    # sorted: 0.01 x 3 = 0.03; 0.03 x 2 = 0.06; 0.04 x 1 = 0.04 -> raised to 0.06 (adjusted p never decrease)
    assert holm([0.04, 0.01, None, 0.03]) == pytest.approx([0.06, 0.03, None, 0.06])
    assert holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])  # capped at 1
    assert holm([0.02]) == [0.02] and holm([]) == [] and holm([None]) == [None]
    # family-wise: Holm is never below the raw p and never above Bonferroni
    rng = np.random.default_rng(0)
    p = list(rng.uniform(0, 0.2, size=7))
    for raw, adjusted in zip(p, holm(p)):
        assert raw <= adjusted <= min(1.0, raw * len(p)) + 1e-15
