"""Fidelity of a synthetic table, through SDMetrics (not re-implemented here).

* ``quality``: SDMetrics' ``QualityReport`` - Column Shapes (per-column KS complement / TV complement),
  Column Pair Trends (correlation and contingency similarity) and their mean, each in [0, 1] (1 = same
  as real). Per-column and per-pair details are returned for the run record.
* ``detection``: SDMetrics' ``LogisticDetection`` - a logistic regression learns to tell real rows from
  synthetic ones, 3-fold cross-validated. SDMetrics reports ``1 - (2 * max(AUC, 0.5) - 1)`` (1 = cannot
  tell them apart); synthbench logs that score and the mean ROC AUC it came from (0.5 = indistinguishable).
  Its fold split draws from NumPy's global generator, which is seeded for the call.
"""

from __future__ import annotations

import warnings

import numpy as np

from synthbench.data.table import Table


def quality_report(real: Table, synthetic: Table):
    """``(scores, details)``: overall and per-property scores, and SDMetrics' per-column/pair tables."""
    from sdmetrics.reports import QualityReport  # SDMetrics' current report (the single-table one is deprecated)

    report = QualityReport()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report.generate({"table": real.frame}, {"table": synthetic.frame}, {"tables": {"table": real.sdv_metadata_dict()}},
                        verbose=False)
    props = report.get_properties()
    scores = {"quality": float(report.get_score())}
    for _, row in props.iterrows():
        scores["quality_" + row["Property"].lower().replace(" ", "_")] = float(row["Score"])
    details = {p: report.get_details(p).drop(columns=["Table"], errors="ignore") for p in props["Property"]}
    return scores, details


def detection(real: Table, synthetic: Table, seed: int) -> dict:
    from sdmetrics.single_table import LogisticDetection

    state = np.random.get_state()
    np.random.seed(seed % (2**32))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            score = float(LogisticDetection.compute(real.frame, synthetic.frame, real.sdv_metadata_dict()))
    finally:
        np.random.set_state(state)
    return {"detection": score, "detection_auc": 0.5 + (1.0 - score) / 2.0}
