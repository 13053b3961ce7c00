"""Empirical privacy checks of a synthetic table - evidence, not a differential-privacy guarantee.

Distance to closest record (DCR) uses SDMetrics' definition (``sdmetrics.single_table.privacy.dcr_utils.
calculate_dcr``): per column, 0/1 for categories and |difference| / range for numbers, averaged over the
columns, ranges taken from the real training split. SDMetrics computes it with a pandas cross join (about
20 s for 1,000 x 5,000 rows here); synthbench computes the same distance as an L1 nearest-neighbour search
in scikit-learn on an encoding where it is exact (numbers scaled by 1/range, categories one-hot scaled by
1/2), which takes well under a second. The two agree whenever values lie inside the training split's range
(``tests/test_privacy.py`` checks it against SDMetrics). The holdout is real rows the generator never saw
(the validation split).

* ``exact_copies``: share of synthetic rows identical, in every column, to a row of the training split.
* ``dcr_share``: share of synthetic rows closer to a training row than to any holdout row, with as many
  training rows as holdout rows (SDMetrics' ``DCROverfittingProtection`` breakdown). About 0.5 when the
  generator learned the distribution rather than the rows; towards 1 when it copies them.
* ``dcr_ratio``: median DCR of synthetic rows to those training rows / median DCR to holdout rows (about 1
  expected; well below 1 means synthetic rows sit on top of training rows).
* ``mia_auc``: a distance-based membership-inference attack. The attacker holds the whole synthetic set
  and scores equal numbers of training rows (members) and holdout rows (non-members) by minus their DCR
  to it; the ROC AUC of telling members from non-members (0.5 = chance, 1 = every member exposed).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from synthbench.data.table import Table

DISCLAIMER = ("These are empirical privacy checks on one synthetic sample (distance to closest record and a "
              "distance-based membership-inference attack), not a differential-privacy guarantee: passing them "
              "does not prove that no record can be disclosed.")


class DCREncoder:
    """Rows -> vectors whose L1 distance / number of columns is SDMetrics' DCR (ranges from ``reference``)."""

    def __init__(self, reference: Table):
        self.table = reference
        frame = reference.frame
        self.num = reference.numerical()
        self.lo = frame[self.num].min().to_numpy(float)
        rng = frame[self.num].max().to_numpy(float) - self.lo
        self.scale = np.where(rng > 0, rng, 1.0)
        self.cat = {c: {v: i for i, v in enumerate(sorted(frame[c].astype(str).unique()))} for c in reference.categorical()}

    def transform(self, frame: pd.DataFrame) -> np.ndarray:
        parts = [(frame[self.num].to_numpy(float) - self.lo) / self.scale]
        for c, index in self.cat.items():
            onehot = np.zeros((len(frame), len(index) + 1))  # last slot: a category the reference never shows
            codes = frame[c].astype(str).map(index).fillna(len(index)).to_numpy(int)
            onehot[np.arange(len(frame)), codes] = 0.5
            parts.append(onehot)
        return np.hstack(parts)

    def dcr(self, rows: Table, reference: Table) -> np.ndarray:
        """Each row's distance to its closest row of ``reference``."""
        from sklearn.neighbors import NearestNeighbors

        nn = NearestNeighbors(n_neighbors=1, metric="manhattan", algorithm="brute", n_jobs=1)
        nn.fit(self.transform(reference.frame))
        dist, _ = nn.kneighbors(self.transform(rows.frame))
        return dist[:, 0] / len(self.table.columns)


def exact_copy_rate(synthetic: Table, train: Table) -> float:
    """Share of synthetic rows equal, in every column, to some training row."""
    def hashed(frame):
        return pd.util.hash_pandas_object(frame.astype(str), index=False).to_numpy()

    return float(np.isin(hashed(synthetic.frame), hashed(train.frame)).mean())


def privacy_checks(train: Table, holdout: Table, synthetic: Table, n: int, seed: int, metrics=("dcr", "exact_copies", "mia")) -> dict:
    """The checks above; ``n`` caps the rows drawn (seeded) from each of training, holdout and synthetic."""
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(seed)
    n = int(min(n, len(train), len(holdout), len(synthetic)))

    def draw(t: Table) -> Table:
        return t.take(np.sort(rng.choice(len(t), size=n, replace=False)))

    enc = DCREncoder(train)
    tr, ho, syn = draw(train), draw(holdout), draw(synthetic)
    out = {"rows": float(n)}
    if "exact_copies" in metrics:
        out["exact_copies"] = exact_copy_rate(synthetic, train)
    if "dcr" in metrics:
        d_train, d_hold = enc.dcr(syn, tr), enc.dcr(syn, ho)
        out["dcr_share"] = float(np.mean(d_train < d_hold))
        out["dcr_median_train"] = float(np.median(d_train))
        out["dcr_median_holdout"] = med_h = float(np.median(d_hold))
        out["dcr_ratio"] = float(np.median(d_train) / med_h) if med_h > 0 else float("nan")
    if "mia" in metrics:
        members, non_members = enc.dcr(tr, synthetic), enc.dcr(ho, synthetic)
        out["mia_auc"] = float(roc_auc_score(np.r_[np.ones(n), np.zeros(n)], -np.r_[members, non_members]))
    return out


def privacy_markdown(res: dict) -> str:
    """``privacy.md``: the checks' values, what each means, and what they do not mean."""
    lines = ["# Privacy checks", "", f"**{DISCLAIMER}**", "",
             f"On {int(res.get('rows', 0))} rows each of the real training split, a holdout (the validation split, never "
             "seen by the generator) and the synthetic set:", ""]
    meaning = {"dcr_share": "share of synthetic rows closer to a training row than to any holdout row (about 0.5 is expected)",
               "dcr_ratio": "median DCR to training rows / median DCR to holdout rows (about 1 is expected)",
               "exact_copies": "share of synthetic rows identical to a training row",
               "mia_auc": "ROC AUC of a distance-based membership-inference attack (0.5 = chance)"}
    for k, text in meaning.items():
        if k in res:
            lines.append(f"- `{k}` = {res[k]:.4f}: {text}")
    return "\n".join(lines) + "\n"
