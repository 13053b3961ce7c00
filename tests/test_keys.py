"""synthbench.keys: every key a builder makes parses back into the parts it was made from (the report, compare and
load_runs read runs through ``parse``), and a key keys does not define is refused. (That every key a real run makes
parses: test_pipeline.)"""

import pytest

from synthbench import keys


@pytest.mark.parametrize("key, parts", [
    (keys.utility("synthetic", "accuracy"), dict(group="utility", regime="synthetic", metric="accuracy")),
    (keys.utility(keys.augmented_regime(4), "f1"), dict(group="utility", regime="augmented_4x", metric="f1")),
    (keys.model_utility("mixed", "logreg", "auroc"), dict(group="utility", regime="mixed", model="logreg", metric="auroc")),
    (keys.model_utility("real", "ctgan-paper", "mean"), dict(group="utility", regime="real", model="ctgan-paper",
                                                             metric="mean")),
    (keys.per_class("real", 7), dict(group="utility", regime="real", metric="class/7/accuracy")),
    (keys.TSTR_OVER_TRTR, dict(group="utility", metric="tstr_over_trtr", regime=None)),
    (keys.FID, dict(group="fidelity", metric="fid", reference=False)),
    (keys.reference(keys.PRECISION), dict(group="fidelity", metric="precision", reference=True)),
    (keys.fidelity("quality_column_shapes"), dict(group="fidelity", metric="quality_column_shapes")),
    (keys.privacy("mia_auc"), dict(group="privacy", metric="mia_auc")),
    (keys.fairness("synthetic", "sex", "demographic_parity_difference"),
     dict(group="fairness", regime="synthetic", column="sex", metric="demographic_parity_difference")),
    (keys.data_fairness("race", "real"), dict(group="fairness", regime="real", column="race", metric="gap")),
    (keys.per_class_fit_seconds(3), dict(group="cost", metric="per_class/3/fit_seconds")),
    (keys.TOTAL_SECONDS, dict(group="cost", metric="total_seconds")),
    (keys.train_curve("d_loss"), dict(group="train", metric="d_loss")),
    (keys.probe("fid"), dict(group="probe", metric="fid")),
    (keys.downstream_curve("synthetic", "val_accuracy"), dict(group="downstream", regime="synthetic",
                                                              metric="val_accuracy")),
    (keys.SWEEP_FINISHED, dict(group="sweep", metric="finished")),
])
def test_a_built_key_parses_into_its_parts(key, parts):
    k = keys.parse(key)
    assert k.key == key
    for name, value in parts.items():
        assert getattr(k, name) == value, (key, name)


@pytest.mark.parametrize("key", ["accuracy", "utility", "metrics/fid", "synthbench.task", "", "fid/fidelity"])
def test_a_key_keys_does_not_define_is_refused(key):
    with pytest.raises(ValueError, match="is not a synthbench metric key"):
        keys.parse(key)


def test_regime_metric_picks_the_primary_models_scores_only():
    assert keys.regime_metric(keys.utility("augmented_1x", "accuracy")) == ("augmented_1x", "accuracy")
    for other in (keys.model_utility("real", "xgboost", "f1"), keys.per_class("real", 0), keys.TSTR_OVER_TRTR,
                  keys.FID, "params.seed", "not a key"):
        assert keys.regime_metric(other) is None, other


def test_augmented_regimes_name_their_multiple():
    for k in (1, 4, 10):
        assert keys.augment_multiple(keys.augmented_regime(k)) == k
    for regime in (*keys.REGIMES, "augmented_x", "augmented_4", "augmented_fourx"):
        assert keys.augment_multiple(regime) is None, regime


def test_tags_params_and_artifacts_have_their_documented_shapes():
    assert keys.na_tag("fidelity/*") == "synthbench.na.fidelity/all"
    assert keys.param("task.version") == "params.task.version"
    assert keys.quality_table("Column Pair Trends") == "tables/quality_column_pair_trends.json"
    tags = [v for k, v in vars(keys).items() if k.startswith("TAG_") and k not in ("TAG_PARENT", "TAG_NA_PREFIX")]
    assert all(t.startswith("synthbench.") for t in tags) and len(set(tags)) == len(tags)
    for key in keys.FIDELITY:
        assert keys.parse(key).group == "fidelity"
