"""Fairness on a table task with sensitive columns (e.g. Adult: sex, race), through fairlearn.

For a downstream model's predictions on the real test split, by each sensitive column:
``demographic_parity_difference`` (largest gap in P(predicted positive) between groups) and
``equal_opportunity_difference`` (largest gap in true-positive rate between groups), plus the
per-group selection rates and true-positive rates (a ``MetricFrame``) for the record.

In the data itself: P(target = positive | group) in the real training split and in the synthetic set,
and the largest gap between groups in each - so a run shows whether a generator carries the bias of
the real data (same gap), removes it (smaller) or amplifies it (larger).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def model_fairness(y_true, y_pred, groups: pd.Series, positive) -> tuple[dict, pd.DataFrame]:
    from fairlearn.metrics import (MetricFrame, demographic_parity_difference, equal_opportunity_difference,
                                   selection_rate, true_positive_rate)

    t = (np.asarray(y_true) == positive).astype(int)
    p = (np.asarray(y_pred) == positive).astype(int)
    g = np.asarray(groups)
    scores = {"demographic_parity_difference": float(demographic_parity_difference(t, p, sensitive_features=g)),
              "equal_opportunity_difference": float(equal_opportunity_difference(t, p, sensitive_features=g))}
    frame = MetricFrame(metrics={"selection_rate": selection_rate, "true_positive_rate": true_positive_rate},
                        y_true=t, y_pred=p, sensitive_features=g).by_group
    return scores, frame.reset_index().rename(columns={frame.index.name or "sensitive_feature_0": "group"})


def data_bias(frame: pd.DataFrame, target: str, column: str, positive) -> tuple[float, pd.Series]:
    """``(gap, rates)``: P(target = positive | group) per group and the largest gap between groups."""
    from fairlearn.metrics import MetricFrame, selection_rate

    y = (frame[target].to_numpy() == positive).astype(int)
    rates = MetricFrame(metrics=selection_rate, y_true=y, y_pred=y, sensitive_features=frame[column].to_numpy()).by_group
    return float(rates.max() - rates.min()) if len(rates) else float("nan"), rates
