"""Empirical privacy checks of a synthetic table - evidence, not a differential-privacy guarantee.

Distances are SDMetrics' distance to closest record (``calculate_dcr``: per column, 0/1 for categories
and |difference| / range for numbers, averaged over columns; range from the reference table). With
``holdout`` real rows the generator never saw (the validation split):

* ``dcr_share``: share of synthetic rows closer to a training row than to any holdout row (SDMetrics'
  ``DCROverfittingProtection`` breakdown). About 0.5 when the generator learned the distribution, not the
  rows; near 1 when it copies its training data.
* ``dcr_ratio``: median DCR of synthetic rows to training rows / median DCR to holdout rows (about 1
  expected; well below 1 means synthetic rows sit on top of training rows).
* ``exact_copies``: share of synthetic rows identical to a training row in every column.
* ``mia_auc``: a distance-based membership-inference attack. For equal numbers of training rows (members)
  and holdout rows (non-members) the attacker scores each by minus its DCR to the synthetic set; the ROC AUC
  of telling members from non-members (0.5 = no better than chance, 1 = every member exposed).
"""

from __future__ import annotations

import numpy as np

from synthbench.table import Table

DISCLAIMER = ("These are empirical privacy checks on one synthetic sample (distance to closest record and a "
              "distance-based membership-inference attack), not a differential-privacy guarantee: passing them "
              "does not prove that no record can be disclosed.")


def _dcr(rows: Table, reference: Table) -> np.ndarray:
    from sdmetrics.single_table.privacy.dcr_utils import calculate_dcr

    return calculate_dcr(rows.frame, reference.frame, reference.sdv_metadata_dict()).to_numpy(dtype=float)


def privacy_checks(train: Table, holdout: Table, synthetic: Table, n: int, seed: int, metrics=("dcr", "exact_copies", "mia")) -> dict:
    """The checks above on ``n`` rows drawn (seeded) from each of training, holdout and synthetic."""
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(seed)
    n = int(min(n, len(train), len(holdout), len(synthetic)))

    def draw(t: Table) -> Table:
        return t.take(np.sort(rng.choice(len(t), size=n, replace=False)))

    tr, ho, syn = draw(train), draw(holdout), draw(synthetic)
    out = {"rows": float(n)}
    if "dcr" in metrics or "exact_copies" in metrics:
        d_train = _dcr(syn, tr)
        if "exact_copies" in metrics:
            out["exact_copies"] = float(np.mean(d_train == 0.0))
        if "dcr" in metrics:
            d_hold = _dcr(syn, ho)
            out["dcr_share"] = float(np.mean(d_train < d_hold))
            med_h = float(np.median(d_hold))
            out["dcr_median_train"] = float(np.median(d_train))
            out["dcr_median_holdout"] = med_h
            out["dcr_ratio"] = float(np.median(d_train) / med_h) if med_h > 0 else float("nan")
    if "mia" in metrics:
        members, non_members = _dcr(tr, syn), _dcr(ho, syn)
        y = np.r_[np.ones(n), np.zeros(n)]
        out["mia_auc"] = float(roc_auc_score(y, -np.r_[members, non_members]))
    return out
