"""Fairness on a table task with sensitive columns (e.g. Adult: sex, race), through fairlearn.

For a downstream model's predictions on the real test split, by each sensitive column:
``demographic_parity_difference`` (largest gap in P(predicted positive) between groups) and
``equal_opportunity_difference`` (largest gap in true-positive rate between groups), plus the
per-group selection rates and true-positive rates for the record. Both gaps are read off one fairlearn
``MetricFrame`` (``difference(method="between_groups")``), which is what fairlearn's
``demographic_parity_difference`` / ``equal_opportunity_difference`` compute, each with a MetricFrame
of its own (a test checks they agree).

In the data itself: P(target = positive | group) in the real training split and in the synthetic set,
and the largest gap between groups in each - so a run shows whether a generator carries the bias of
the real data (same gap), removes it (smaller) or amplifies it (larger).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def model_fairness(y_true, y_pred, groups: pd.Series, positive) -> tuple[dict, pd.DataFrame]:
    from fairlearn.metrics import MetricFrame, selection_rate, true_positive_rate

    t = (np.asarray(y_true) == positive).astype(int)
    p = (np.asarray(y_pred) == positive).astype(int)
    mf = MetricFrame(metrics={"selection_rate": selection_rate, "true_positive_rate": true_positive_rate},
                     y_true=t, y_pred=p, sensitive_features=np.asarray(groups))
    diff = mf.difference(method="between_groups")
    scores = {"demographic_parity_difference": float(diff["selection_rate"]),
              "equal_opportunity_difference": float(diff["true_positive_rate"])}
    frame = mf.by_group
    return scores, frame.reset_index().rename(columns={frame.index.name or "sensitive_feature_0": "group"})


def data_bias(frame: pd.DataFrame, target: str, column: str, positive) -> tuple[float, pd.Series]:
    """``(gap, rates)``: P(target = positive | group) per group and the largest gap between groups."""
    y = pd.Series(frame[target].to_numpy() == positive, index=frame.index, dtype=float)
    rates = y.groupby(frame[column].to_numpy()).mean()  # P(positive | group): a group mean, no model involved
    return float(rates.max() - rates.min()) if len(rates) else float("nan"), rates
