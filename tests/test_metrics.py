"""The metrics: image fidelity (FID/KID/precision/recall), table fidelity (SDMetrics' quality report),
empirical privacy (DCR, exact copies, membership inference) and fairness gaps by group."""

import numpy as np
import pandas as pd
import pytest

from synthbench import keys
from synthbench.data import catalog, readers
from synthbench.metrics.image_fidelity import compute_fidelity
from synthbench.testing import tiny_table


@pytest.fixture(scope="module")
def mnist():
    raw = readers.read(catalog.MNIST, catalog.locate(catalog.MNIST, download=False))
    (x_tr, y_tr), (x_te, y_te) = raw.train, raw.test
    return x_tr, y_tr, x_te, y_te


# -- image fidelity -------------------------------------------------------------------------------------

def test_real_vs_real_is_good_and_noise_is_bad(mnist):
    x_tr, _, x_te, _ = mnist
    rng = np.random.default_rng(0)
    real = x_te[:1000]
    same = compute_fidelity(x_tr[:1000], real, "lenet-mnist", kid_subset_size=500)
    noise = compute_fidelity(rng.integers(0, 256, size=(1000, 1, 28, 28), dtype=np.uint8), real, "lenet-mnist", kid_subset_size=500)
    assert set(same) == {keys.FID, keys.KID, keys.KID_STD, keys.PRECISION, keys.RECALL}
    assert same[keys.FID] < noise[keys.FID] / 10
    assert same[keys.PRECISION] > 0.5 and same[keys.RECALL] > 0.5
    assert noise[keys.PRECISION] < same[keys.PRECISION] and noise[keys.RECALL] < same[keys.RECALL] / 2, (same, noise)


def test_one_class_only_loses_recall(mnist):
    x_tr, y_tr, x_te, _ = mnist
    ones = x_tr[y_tr == 1][:1000]
    res = compute_fidelity(ones, x_te[:1000], "lenet-mnist", metrics=("recall",))
    assert res[keys.RECALL] < 0.4


# -- table fidelity -------------------------------------------------------------------------------------

def test_quality_report_is_sdmetrics_score_with_per_column_details():
    import warnings

    from sdmetrics.reports.single_table import QualityReport as SingleTableReport

    from synthbench.metrics.table_fidelity import quality_report

    real, syn = tiny_table(300, 0), tiny_table(300, 1)
    scores, details = quality_report(real, syn)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = SingleTableReport()
        ref.generate(real.frame, syn.frame, real.sdv_metadata_dict(), verbose=False)
    assert scores["quality"] == pytest.approx(ref.get_score(), abs=1e-12)
    assert set(details) == {"Column Shapes", "Column Pair Trends"}
    assert sorted(details["Column Shapes"]["Column"]) == sorted(real.columns)
    assert 0 < scores["quality_column_shapes"] <= 1 and 0 < scores["quality_column_pair_trends"] <= 1


# -- privacy --------------------------------------------------------------------------------------------

def test_dcr_matches_sdmetrics_and_catches_copies():
    from sdmetrics.single_table.privacy.dcr_utils import calculate_dcr

    from synthbench.metrics.privacy import DCREncoder, privacy_checks

    t = tiny_table(300)
    rows, ref = t.take(range(40)), t.take(range(40, 300))
    theirs = calculate_dcr(rows.frame, ref.frame, t.sdv_metadata_dict()).to_numpy()
    # SDMetrics takes the numeric ranges from its reference argument: encode with the same reference
    assert np.allclose(DCREncoder(ref).dcr(rows, ref), theirs, atol=1e-9)
    train, holdout = t.take(range(150)), t.take(range(150, 300))
    copied = train.take(np.random.default_rng(0).integers(0, 150, 150))
    res = privacy_checks(train, holdout, copied, 150, seed=0)
    assert res["exact_copies"] == 1.0 and res["dcr_share"] > 0.9 and res["mia_auc"] > 0.75
    fresh = tiny_table(150, seed=9)
    res = privacy_checks(train, holdout, fresh, 150, seed=0)
    assert res["exact_copies"] == 0.0 and 0.3 < res["dcr_share"] < 0.7 and 0.35 < res["mia_auc"] < 0.65


# -- fairness -------------------------------------------------------------------------------------------

def test_fairness_gaps_by_group():
    from synthbench.metrics.fairness import data_bias, model_fairness

    y_true = np.array(["y", "y", "n", "n", "y", "y", "n", "n"])
    y_pred = np.array(["y", "y", "n", "n", "y", "n", "n", "n"])
    group = pd.Series(["a"] * 4 + ["b"] * 4)
    gaps, by_group = model_fairness(y_true, y_pred, group, "y")
    assert gaps["demographic_parity_difference"] == pytest.approx(0.25)  # 2/4 vs 1/4 predicted positive
    assert gaps["equal_opportunity_difference"] == pytest.approx(0.5)  # TPR 1.0 vs 0.5
    assert set(by_group["group"]) == {"a", "b"}
    from fairlearn.metrics import demographic_parity_difference, equal_opportunity_difference

    rng = np.random.default_rng(0)
    yt, yp, gr = rng.choice(["y", "n"], 300), rng.choice(["y", "n"], 300), pd.Series(rng.choice(["a", "b", "c"], 300))
    gaps, _ = model_fairness(yt, yp, gr, "y")
    assert gaps["demographic_parity_difference"] == pytest.approx(demographic_parity_difference(yt == "y", yp == "y", sensitive_features=gr))
    assert gaps["equal_opportunity_difference"] == pytest.approx(equal_opportunity_difference(yt == "y", yp == "y", sensitive_features=gr))
    gap, rates = data_bias(pd.DataFrame({"t": y_true, "g": group}), "t", "g", "y")
    assert gap == pytest.approx(0.0) and rates["a"] == pytest.approx(0.5)
