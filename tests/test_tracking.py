"""The tracking module: a run's record written to MLflow, runs read back (``load_runs``), a run repeated from
its record, and a quiet terminal."""

import os
import signal

import pytest

import synthbench
from synthbench import api, keys, progress
from synthbench.exceptions import ConfigError, TrackingError
from synthbench.progress import Reporter


class _InterruptAt(Reporter):
    def __init__(self, when: str):
        self.when = when

    def phase(self, name, total=None):
        if name.startswith(self.when):
            os.kill(os.getpid(), signal.SIGINT)
        return super().phase(name, total)


@pytest.fixture(scope="module")
def store(tmp_path_factory, tasks_dir):
    """A store with finished, failed and killed runs of both modalities."""
    uri = f"sqlite:///{tmp_path_factory.mktemp('store') / 'mlflow.db'}"
    kw = dict(budget="quick", tasks_dir=str(tasks_dir), tracking_uri=uri, save_synthetic=False, system_metrics=False)
    ids = {}
    ids["image-finished"] = api.run("tiny-mnist", "pca-gmm", **kw).run_id
    ids["table-finished"] = api.run("tiny-table", "marginals", seed=1, **kw).run_id
    bad = tmp_path_factory.mktemp("bad-tasks")
    (bad / "tiny-table.toml").write_text((tasks_dir / "tiny-table.toml").read_text().replace(
        'train_file = "train.csv"', f'train_file = "{tasks_dir / "train.csv"}"').replace(
        'test_file = "test.csv"', 'test_file = "missing.csv"'))
    with pytest.raises(synthbench.exceptions.DatasetError) as failed:
        api.run("tiny-table", "marginals", **{**kw, "tasks_dir": str(bad)})
    ids["table-failed"] = failed.value.synthbench_run_id
    old = signal.signal(signal.SIGINT, progress.interrupt)
    try:
        with pytest.raises(KeyboardInterrupt) as killed:
            api.run("tiny-table", "marginals", reporter=_InterruptAt("downstream"), **kw)
        ids["table-killed"] = killed.value.synthbench_run_id
        with pytest.raises(KeyboardInterrupt) as killed:
            api.run("tiny-mnist", "real", reporter=_InterruptAt("fidelity"), **kw)
        ids["image-killed"] = killed.value.synthbench_run_id
    finally:
        signal.signal(signal.SIGINT, old)
    # an image run that fails after it opened: its dataset's files are nowhere, and downloads are off
    fashion = tmp_path_factory.mktemp("fashion-task")
    (fashion / "tiny-mnist.toml").write_text((tasks_dir / "tiny-mnist.toml").read_text().replace(
        'dataset = "mnist"', 'dataset = "fashion-mnist"'))
    os.environ["SYNTHBENCH_OFFLINE"] = "1"
    try:
        with pytest.raises(synthbench.exceptions.DatasetError) as failed:
            api.run("tiny-mnist", "real", **{**kw, "tasks_dir": str(fashion)})
    finally:
        del os.environ["SYNTHBENCH_OFFLINE"]
    ids["image-failed"] = failed.value.synthbench_run_id
    return uri, ids


def test_load_runs_returns_one_row_per_run_with_the_documented_columns(store):
    uri, ids = store
    runs = synthbench.load_runs(uri)
    assert sorted(runs["run_id"]) == sorted(ids.values())
    for column in ("run_id", "experiment_id", "experiment", "run_name", "status", "start_time", "end_time", "task",
                   "generator", "budget", "seed", "device", "version", "git_commit", "conditioning", "diagnosis",
                   "synthbench_status", "error", "task_version"):
        assert column in runs.columns, column
    by_id = runs.set_index("run_id")
    expect = {"image-finished": ("FINISHED", "tiny-mnist", "pca-gmm"), "table-finished": ("FINISHED", "tiny-table", "marginals"),
              "table-failed": ("FAILED", "tiny-table", "marginals"), "table-killed": ("KILLED", "tiny-table", "marginals"),
              "image-killed": ("KILLED", "tiny-mnist", "real"), "image-failed": ("FAILED", "tiny-mnist", "real")}
    for name, (status, task, generator) in expect.items():
        row = by_id.loc[ids[name]]
        assert (row["status"], row["task"], row["generator"]) == (status, task, generator), name
        assert row["synthbench_status"] == {"FINISHED": "completed", "FAILED": "failed", "KILLED": "killed"}[status]
    assert "missing.csv" in by_id.loc[ids["table-failed"], "error"]
    assert by_id.loc[ids["table-killed"], "error"].startswith("interrupted")
    assert by_id.loc[ids["table-finished"], "seed"] == 1 and by_id.loc[ids["image-finished"], "task_version"] == 1
    # metrics under their keys; a metric a run did not measure is missing, with the reason in na.<key>
    assert 0 < by_id.loc[ids["image-finished"], keys.utility("real", "accuracy")] <= 1
    assert 0 < by_id.loc[ids["table-finished"], keys.fidelity("quality")] <= 1
    assert by_id.loc[ids["image-finished"], "na.diagnosis"].startswith("generator 'pca-gmm' is not trained adversarially")
    assert by_id.loc[ids["image-finished"], "params.generator.name"] == "pca-gmm"
    for key in runs.columns:
        if "/" in key and not key.startswith(("params.", "na.", "system/")):
            keys.parse(key)  # every metric column is a documented key


def test_load_runs_filters(store):
    uri, ids = store
    assert set(synthbench.load_runs(uri, task="tiny-table")["run_id"]) == {ids["table-finished"], ids["table-failed"],
                                                                            ids["table-killed"]}
    assert set(synthbench.load_runs(uri, status="FINISHED")["run_id"]) == {ids["image-finished"], ids["table-finished"]}
    assert set(synthbench.load_runs(uri, generator=["real", "pca-gmm"], status=["KILLED", "FINISHED"])["run_id"]) == {
        ids["image-finished"], ids["image-killed"]}
    assert synthbench.load_runs(uri, seed=7).empty
    with pytest.raises(ConfigError, match="no experiment 'nope'"):
        synthbench.load_runs(uri, experiment="nope")


def test_load_runs_on_a_missing_store_is_one_clear_error(tmp_path):
    with pytest.raises(TrackingError, match="no MLflow store"):
        synthbench.load_runs(f"sqlite:///{tmp_path / 'none.db'}")


def test_a_failed_run_keeps_what_it_measured(store):
    import mlflow

    uri, ids = store
    run = mlflow.tracking.MlflowClient(uri).get_run(ids["image-killed"])
    assert keys.utility("real", "accuracy") in run.data.metrics  # the regimes finished before Ctrl-C
    assert keys.TOTAL_SECONDS in run.data.metrics


def test_rerun_repeats_a_run_from_its_record(store, tmp_path):
    uri, ids = store
    again = synthbench.rerun(ids["table-finished"], tracking_uri=uri, system_metrics=False)
    import mlflow

    client = mlflow.tracking.MlflowClient(uri)
    first = client.get_run(ids["table-finished"])
    assert again.status == "FINISHED" and again.record.tags[keys.TAG_REPRODUCES] == ids["table-finished"]
    assert again.config["seed"] == 1 and again.config["generator"]["name"] == "marginals"
    assert client.get_run(again.run_id).data.params["generator.random_state"] == first.data.params["generator.random_state"]
    for key, value in first.data.metrics.items():
        if not key.startswith(("cost/", "system/")):
            assert again.metrics[key] == pytest.approx(value, abs=1e-12), key


def test_rerun_of_an_unknown_run_is_one_clear_error(store):
    uri, _ = store
    with pytest.raises(ConfigError, match="cannot read the configuration of run 'nope'"):
        synthbench.rerun("nope", tracking_uri=uri)


def test_from_run_through_the_cli(store, cli):
    uri, ids = store
    proc = cli("run", "--from-run", ids["image-finished"], "--tracking-uri", uri, "--no-system-metrics", "--no-save-synthetic")
    assert proc.returncode == 0, proc.stderr
    assert f"repeating run {ids['image-finished']}" in proc.stderr
    proc = cli("run", "--from-run", ids["image-finished"], "--seed", "3", "--tracking-uri", uri)
    assert proc.returncode == 2 and "drop --seed" in proc.stderr


def test_a_run_prints_only_synthbench_lines_unless_verbose(cli, tasks_dir, tmp_path):
    args = ("run", "-g", "real", "-t", "tiny-table", "--tasks-dir", str(tasks_dir), "--budget", "quick",
            "--tracking-uri", f"sqlite:///{tmp_path / 'fresh.db'}", "--no-system-metrics")
    proc = cli(*args)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout + proc.stderr
    for noise in ("INFO mlflow", "Warning", "warn(", "alembic"):
        assert noise not in out, (noise, out)



def test_verbose_shows_mlflow_lines(cli, tasks_dir, tmp_path):
    """A run that fails at once (its dataset is nowhere and downloads are off) still sets up a new store."""
    (tmp_path / "tasks").mkdir()
    (tmp_path / "tasks" / "tiny-mnist.toml").write_text((tasks_dir / "tiny-mnist.toml").read_text().replace(
        'dataset = "mnist"', 'dataset = "fashion-mnist"'))
    args = ("run", "-g", "real", "-t", "tiny-mnist", "--tasks-dir", str(tmp_path / "tasks"), "--no-system-metrics")
    quiet = cli(*args, "--tracking-uri", f"sqlite:///{tmp_path / 'a.db'}", env={"SYNTHBENCH_OFFLINE": "1"})
    loud = cli(*args, "--verbose", "--tracking-uri", f"sqlite:///{tmp_path / 'b.db'}", env={"SYNTHBENCH_OFFLINE": "1"})
    assert quiet.returncode == loud.returncode == 2
    assert "INFO mlflow" not in quiet.stderr and "INFO mlflow" in loud.stderr, loud.stderr
