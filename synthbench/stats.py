"""Summaries over seeds: a mean and its 95% confidence interval (Student's t, ``scipy.stats``)."""

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
