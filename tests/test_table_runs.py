"""Table runs end to end, through the CLI as a user runs it, and what they leave in MLflow."""

import pytest

from synthbench.exceptions import ContractError
from tests.conftest import only_run
from tests.test_tables import frames, user_task


def _task_with_sensitive(tmp_path):
    train, test = frames(400)
    user_task(tmp_path, train, test, extra='sensitive = ["colour"]')
    return tmp_path / "mytable.toml"


def test_cli_table_run_records_utility_fidelity_privacy_fairness(tmp_path, cli, tracking_uri):
    import mlflow

    task = _task_with_sensitive(tmp_path)
    res = cli("run", "--generator", "gaussian-copula", "--task", str(task), "--budget", "quick", "--tracking-uri", tracking_uri,
              "--no-system-metrics")
    assert res.returncode == 0, res.stderr + res.stdout
    assert "privacy: mia_auc" in res.stdout and "colour: positive-rate gap, synthetic data" in res.stdout
    run = only_run(tracking_uri)
    m, tags, params = run.data.metrics, run.data.tags, run.data.params
    for key in ("utility/real/accuracy", "utility/synthetic/f1", "utility/mixed/auroc", "utility/tstr_over_trtr",
                "fidelity/quality", "fidelity/quality_column_shapes", "fidelity/detection", "fidelity/detection_auc",
                "privacy/dcr_share", "privacy/dcr_ratio", "privacy/exact_copies", "privacy/mia_auc",
                "fairness/synthetic/colour/demographic_parity_difference", "fairness/real/colour/equal_opportunity_difference",
                "fairness/data/colour/real_gap", "fairness/data/colour/synthetic_gap", "cost/fit_seconds", "cost/total_seconds"):
        assert key in m, key
    assert 0.0 <= m["fidelity/quality"] <= 1.0 and 0.5 <= m["fidelity/detection_auc"] <= 1.0
    assert "differential-privacy guarantee" in tags["synthbench.privacy_note"]
    assert tags["synthbench.conditioning"] == "joint" and tags["synthbench.diagnosis"] == "not_applicable"
    assert "data.sha256.train.csv" in params and params["generator.default_distribution"] == "beta"
    client = mlflow.tracking.MlflowClient(tracking_uri)
    arts = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert {"privacy.md", "synthetic", "tables", "plots", "config.json", "result.json", "not_applicable.json"} <= arts
    tables = {a.path for a in client.list_artifacts(run.info.run_id, "tables")}
    assert {"tables/utility.json", "tables/fairness_groups.json", "tables/fairness_data.json",
            "tables/quality_column_shapes.json"} <= tables
    assert {a.path for a in client.list_artifacts(run.info.run_id, "synthetic")} == {"synthetic/synthetic.csv.gz"}
    inputs = {d.dataset.name for d in run.inputs.dataset_inputs}
    assert inputs == {"train-train", "train-validation", "train-test"}


def test_cli_bad_table_is_one_clear_error_and_a_failed_run(tmp_path, cli, tracking_uri):
    train, test = frames()
    user_task(tmp_path, train.drop(columns=["label"]), test)
    res = cli("run", "--generator", "marginals", "--task", str(tmp_path / "mytable.toml"), "--budget", "quick",
              "--tracking-uri", tracking_uri, "--no-system-metrics")
    assert res.returncode != 0
    err = [line for line in res.stderr.splitlines() if line.startswith("error:")]
    assert len(err) == 1 and "target column 'label' is missing" in err[0], res.stderr
    run = only_run(tracking_uri)
    assert run.info.status == "FAILED" and "target column 'label' is missing" in run.data.tags["synthbench.error"]


def test_image_generator_on_a_table_task_is_refused(cli):
    res = cli("run", "--generator", "cgan", "--task", "adult")
    assert res.returncode != 0
    assert "generator 'cgan' handles image data but task 'adult' is table" in res.stderr


def test_plugin_returning_other_columns_fails_the_run(tmp_path, tracking_uri):
    from sklearn.base import BaseEstimator

    from synthbench.registry import generators
    from synthbench.runner import run
    from synthbench.data.table import Table

    class DropsAColumn(BaseEstimator):
        modalities = ("table",)

        def __init__(self, random_state=None):
            self.random_state = random_state

        def fit(self, train):
            self.train_ = train
            return self

        def sample(self, n, labels=None):
            t = self.train_.take(range(min(n, len(self.train_))))
            return Table(t.frame.drop(columns=["count"]), {c: k for c, k in t.columns.items() if c != "count"}, t.target)

    generators.register("drops-a-column", DropsAColumn)
    try:
        with pytest.raises(ContractError, match=r"returned other columns than its training data \(missing \['count'\]\)"):
            run(task=str(_task_with_sensitive(tmp_path)), generator="drops-a-column", budget="quick", tracking_uri=tracking_uri,
                system_metrics=False)
    finally:
        generators._discover().pop("drops-a-column", None)
        generators._loaded.pop("drops-a-column", None)
    assert only_run(tracking_uri).info.status == "FAILED"


@pytest.mark.slow
def test_adult_gaussian_copula_default_budget(cli, tracking_uri):
    """The issue's command at the default budget, with Adult's sensitive columns."""
    res = cli("run", "--generator", "gaussian-copula", "--task", "adult", "--tracking-uri", tracking_uri)
    assert res.returncode == 0, res.stderr
    m = only_run(tracking_uri).data.metrics
    assert m["utility/real/accuracy"] > 0.85 and m["utility/synthetic/accuracy"] > 0.7
    for col in ("sex", "race"):
        assert m[f"fairness/data/{col}/real_gap"] > 0.1  # Adult's real bias is there to be carried or not


@pytest.mark.slow
def test_adult_ctgan_quick_with_suite(cli, tracking_uri):
    res = cli("run", "--generator", "ctgan", "--task", "adult", "--budget", "quick", "--tracking-uri", tracking_uri)
    assert res.returncode == 0, res.stderr
    m = only_run(tracking_uri).data.metrics
    for model in ("decision_tree", "adaboost", "logistic_regression", "mlp", "mean"):
        assert f"utility/synthetic/ctgan-paper/{model}" in m
    assert "train/generator_loss" in m and "train/discriminator_loss" in m  # SDV's per-epoch CTGAN losses
