"""Summaries over seeds: a mean and its 95% confidence interval (Student's t, ``scipy.stats``); a paired comparison
of two generators over the same seeds, and Holm's adjustment of a family of such tests."""

from __future__ import annotations

import math


def mean_ci(values, confidence: float = 0.95) -> tuple[float, float | None]:
    """``(mean, half-width)`` of the ``confidence`` interval of the mean of ``values`` (NaN dropped): Student's t
    with n - 1 degrees of freedom, the interval for a mean over a handful of seeds. The half-width is ``None``
    with fewer than two values (no spread to estimate); the mean is NaN with none."""
    import numpy as np
    from scipy import stats

    v = np.asarray([x for x in values if x is not None and not (isinstance(x, float) and math.isnan(x))], dtype=float)
    if len(v) == 0:
        return float("nan"), None
    mean = float(v.mean())
    if len(v) < 2:
        return mean, None
    return mean, float(stats.t.ppf(0.5 + confidence / 2, len(v) - 1) * v.std(ddof=1) / math.sqrt(len(v)))


def mean_ci_text(values, digits: int = 4) -> str:
    """``0.9712 +/- 0.0031 (n=3)``; ``0.9712 (n=1)`` for one value; ``-`` for none."""
    mean, half = mean_ci(values)
    n = sum(1 for x in values if x is not None and not (isinstance(x, float) and math.isnan(x)))
    if n == 0:
        return "-"
    return f"{mean:.{digits}f}" + (f" +/- {half:.{digits}f}" if half is not None else "") + f" (n={n})"


#: Paired seeds a test needs: with two, Student's t has one degree of freedom (its 95% quantile is 12.7) and
#: says nothing useful; with three it has two (4.30).
MIN_PAIRED_SEEDS = 3


def paired_difference(a, b, confidence: float = 0.95) -> dict:
    """How ``a`` differs from ``b``, measured on the same seeds (``a[i]`` and ``b[i]`` share seed ``i``): the mean
    difference ``a - b`` (the effect size, in the metric's units), its ``confidence`` interval and the two-sided
    p-value of the paired t-test (``scipy.stats.ttest_rel``, i.e. ``ttest_1samp`` of the differences; pairs with a
    missing side are dropped).

    Why paired t: two generators run with the same seed share the data split, the validation carve-out and the
    downstream model's initialisation, so the per-seed differences remove that shared noise; with the 3-10 seeds a
    benchmark affords, the Wilcoxon signed-rank test cannot reach p < 0.05 below 6 pairs (its smallest two-sided
    p-value is 2 / 2**n), while the t-test's assumption (roughly normal differences) is a mild one for metrics that
    average over thousands of test rows. ``n`` below ``MIN_PAIRED_SEEDS``: no interval and no p-value.
    Identical differences (no spread beyond floating-point rounding, relative to the values compared): p is 1 when
    they are all zero, else 0 - the t-test on rounding noise would report an arbitrary p."""
    import numpy as np
    from scipy import stats

    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    d = x - y
    keep = ~np.isnan(d)
    d = d[keep]
    n = len(d)
    out = {"n": n, "diff": float(d.mean()) if n else float("nan"), "low": None, "high": None, "p": None}
    if n < MIN_PAIRED_SEEDS:
        return out
    rounding = 64 * np.finfo(float).eps * max(float(np.abs(x[keep]).max()), float(np.abs(y[keep]).max()), 1e-300)
    sd = float(d.std(ddof=1))
    if sd <= rounding:
        if abs(out["diff"]) <= rounding:
            out["diff"] = 0.0
        return {**out, "low": out["diff"], "high": out["diff"], "p": 1.0 if out["diff"] == 0.0 else 0.0}
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * sd / math.sqrt(n))
    p = float(stats.ttest_1samp(d, 0.0).pvalue)  # the paired t-test is the one-sample test of the differences
    return {**out, "low": out["diff"] - half, "high": out["diff"] + half, "p": p}


def holm(pvalues: list) -> list:
    """Holm's step-down adjustment of a family of p-values (``None`` stays ``None``): the family-wise error rate
    stays at the level it is read at, for any dependence between the tests. (SciPy has Benjamini-Hochberg,
    ``false_discovery_control``, which controls another error; not Holm.)"""
    present = sorted((p, i) for i, p in enumerate(pvalues) if p is not None)
    m = len(present)
    out: list = [None] * len(pvalues)
    running = 0.0
    for rank, (p, i) in enumerate(present):
        running = max(running, min(1.0, (m - rank) * p))
        out[i] = running
    return out
