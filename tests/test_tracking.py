"""The tracking module: a run's record written to MLflow, runs read back (``load_runs``), a run repeated from
its record, and a quiet terminal."""

import json
import os
import signal

import pytest
from sklearn.base import BaseEstimator

import synthbench
from synthbench import api, keys, progress, registry, tracking
from synthbench.exceptions import ConfigError, TrackingError
from synthbench.progress import Reporter


class _InterruptAt(Reporter):
    def __init__(self, when: str):
        self.when = when

    def phase(self, name, total=None):
        if name.startswith(self.when):
            os.kill(os.getpid(), signal.SIGINT)
        return super().phase(name, total)


class _Boom(BaseEstimator):
    """A generator whose fit fails: the run it is in ends FAILED."""

    modalities = ("image", "table")

    def __init__(self, random_state=None):
        self.random_state = random_state

    def fit(self, train):
        raise RuntimeError("boom: this generator always fails")

    def sample(self, n, labels=None):  # pragma: no cover - never fitted
        raise AssertionError


@pytest.fixture(scope="module")
def store(tmp_path_factory, tasks_dir):
    """A store with finished, failed and killed runs of both modalities."""
    uri = f"sqlite:///{tmp_path_factory.mktemp('store') / 'mlflow.db'}"
    if "boom" not in registry.generators.names():
        registry.generators.register("boom", _Boom)
    kw = dict(budget="quick", tasks_dir=str(tasks_dir), tracking_uri=uri, save_synthetic=False, system_metrics=False)
    ids = {}
    ids["image-finished"] = api.run("tiny-mnist", "pca-gmm", **kw).run_id
    ids["table-finished"] = api.run("tiny-table", "marginals", seed=1, **kw).run_id
    with pytest.raises(RuntimeError, match="boom") as failed:
        api.run("tiny-table", "boom", **kw)
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
    with pytest.raises(RuntimeError, match="boom") as failed:  # an image run that fails after it opened
        api.run("tiny-mnist", "boom", **kw)
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
              "table-failed": ("FAILED", "tiny-table", "boom"), "table-killed": ("KILLED", "tiny-table", "marginals"),
              "image-killed": ("KILLED", "tiny-mnist", "real"), "image-failed": ("FAILED", "tiny-mnist", "boom")}
    for name, (status, task, generator) in expect.items():
        row = by_id.loc[ids[name]]
        assert (row["status"], row["task"], row["generator"]) == (status, task, generator), name
        assert row["synthbench_status"] == {"FINISHED": "completed", "FAILED": "failed", "KILLED": "killed"}[status]
    assert by_id.loc[ids["table-failed"], "error"] == "RuntimeError: boom: this generator always fails"
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



@pytest.mark.slow  # a whole run; the default suite keeps under 10 minutes on 2 cores
def test_verbose_shows_mlflow_lines(cli, tasks_dir, tmp_path):
    """A new store is set up with MLflow's INFO lines, shown with --verbose (the quiet run is the test above)."""
    loud = cli("run", "-g", "marginals", "-t", "tiny-table", "--tasks-dir", str(tasks_dir), "--budget", "quick",
               "--no-system-metrics", "--no-save-synthetic", "--verbose", "--tracking-uri", f"sqlite:///{tmp_path / 'b.db'}")
    assert loud.returncode == 0, loud.stderr
    assert "INFO mlflow" in loud.stderr, loud.stderr


# -- nothing lost: bad input opens no run, a busy or broken store says so in one line ----------------------------
def _runs_in(uri):
    import mlflow

    client = mlflow.tracking.MlflowClient(uri)
    return [r for e in client.search_experiments() for r in client.search_runs([e.experiment_id])]


def test_bad_data_is_an_error_before_a_run_opens(tmp_path, tasks_dir, tracking_uri):
    bad = tmp_path / "bad-tasks"
    bad.mkdir()
    (bad / "tiny-table.toml").write_text((tasks_dir / "tiny-table.toml").read_text().replace(
        'train_file = "train.csv"', f'train_file = "{tasks_dir / "train.csv"}"').replace(
        'test_file = "test.csv"', 'test_file = "missing.csv"'))
    with pytest.raises(synthbench.exceptions.DatasetError, match="missing.csv") as failed:
        api.run("tiny-table", "marginals", tasks_dir=str(bad), tracking_uri=tracking_uri, system_metrics=False)
    assert not hasattr(failed.value, "synthbench_run_id")
    assert not (tmp_path / "store" / "mlflow.db").exists() or not _runs_in(tracking_uri)


def test_a_locked_store_is_retried_and_other_errors_are_not(monkeypatch):
    from synthbench import tracking

    monkeypatch.setattr("time.sleep", lambda s: None)
    calls = []

    def locked_twice():
        calls.append(1)
        if len(calls) < 3:
            raise RuntimeError("(sqlite3.OperationalError) database is locked")
        return "written"

    assert tracking.retrying(locked_twice) == "written" and len(calls) == 3

    def same_dataset_logged_by_another_run():  # two runs of one task log the same dataset at once
        calls.append(1)
        if len(calls) < 5:
            raise RuntimeError("(sqlite3.IntegrityError) UNIQUE constraint failed: datasets.experiment_id, datasets.name")
        return "linked"

    assert tracking.retrying(same_dataset_logged_by_another_run) == "linked" and len(calls) == 5

    def always_locked():
        calls.append(1)
        raise RuntimeError("(sqlite3.OperationalError) database is locked")

    calls.clear()
    with pytest.raises(RuntimeError, match="locked"):
        tracking.retrying(always_locked)
    assert len(calls) == synthbench.defaults.STORE_RETRIES + 1
    calls.clear()
    with pytest.raises(ValueError):
        tracking.retrying(lambda: calls.append(1) or (_ for _ in ()).throw(ValueError("not a lock")))
    assert len(calls) == 1


def test_a_tracking_server_that_does_not_answer_is_one_error_in_seconds():
    import socket
    import time

    from synthbench import tracking

    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there: refused at once
    with pytest.raises(TrackingError, match="refused the connection"):
        tracking.check_server(f"http://127.0.0.1:{port}")
    hole = socket.socket()  # listens, never answers
    hole.bind(("127.0.0.1", 0))
    hole.listen(8)
    try:
        t0 = time.monotonic()
        with pytest.raises(TrackingError, match="did not answer within 1 s"):
            tracking.check_server(f"http://127.0.0.1:{hole.getsockname()[1]}", timeout=1)
        assert time.monotonic() - t0 < 10
    finally:
        hole.close()
    tracking.check_server("sqlite:///anything.db")  # not a server: nothing to check


def test_a_full_disk_is_one_line_before_and_during_a_run(tmp_path, tasks_dir, tracking_uri, monkeypatch):
    import shutil
    import sqlite3
    from collections import namedtuple

    from synthbench import tracking

    usage = namedtuple("usage", "total used free")
    real = shutil.disk_usage
    monkeypatch.setattr(shutil, "disk_usage", lambda p: usage(10 * 2**20, 10 * 2**20, 0))
    with pytest.raises(TrackingError, match="is full .0.0 MiB free"):
        api.run("tiny-table", "marginals", tasks_dir=str(tasks_dir), tracking_uri=tracking_uri, system_metrics=False)
    monkeypatch.setattr(shutil, "disk_usage", real)

    def full(record, strict):  # the disk fills while the record is written
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(tracking, "_write", full)
    with pytest.raises(TrackingError) as err:
        api.run("tiny-table", "marginals", tasks_dir=str(tasks_dir), tracking_uri=tracking_uri, system_metrics=False)
    assert "the disk is full" in str(err.value) and "\n" not in str(err.value)
    (run,) = _runs_in(tracking_uri)
    assert run.info.status == "FAILED" and "disk is full" in run.data.tags[keys.TAG_ERROR]


@pytest.mark.parametrize("name", ["", "  "])
def test_an_empty_experiment_name_is_refused(name, tracking_uri):
    from synthbench import tracking

    with pytest.raises(ConfigError, match="--experiment must be a non-empty name"):
        tracking.check_experiment(name)


@pytest.mark.slow
def test_four_runs_at_once_in_a_fresh_folder_are_all_recorded(tmp_path, tasks_dir):
    """MLflow creates (migrates) a new SQLite store's tables on first use; four processes doing that at once broke
    it. 3 trials x 4 runs started together through the CLI, each trial in a fresh folder: 12 of 12 FINISHED, and
    the store usable afterwards."""
    import subprocess
    import sys
    from pathlib import Path

    exe = Path(sys.executable).parent / "synthbench"
    for trial in range(3):
        uri = f"sqlite:///{tmp_path / f'trial{trial}' / 'mlflow.db'}"
        procs = [subprocess.Popen([str(exe), "run", "-g", "marginals", "--task", "tiny-table", "--tasks-dir", str(tasks_dir),
                                   "--seed", str(seed), "--tracking-uri", uri, "--no-save-synthetic"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for seed in range(4)]
        outs = [p.communicate(timeout=600) for p in procs]
        for p, (_, err) in zip(procs, outs):
            assert p.returncode == 0, err[-2000:]
        runs = synthbench.load_runs(uri)
        assert sorted(runs["status"]) == ["FINISHED"] * 4 and sorted(runs["seed"]) == [0, 1, 2, 3]
    again = api.run("tiny-table", "marginals", seed=9, tasks_dir=str(tasks_dir), tracking_uri=uri, system_metrics=False,
                    save_synthetic=False)
    assert again.status == "FINISHED" and len(synthbench.load_runs(uri)) == 5


def test_a_long_curve_is_logged_at_most_curve_points_and_kept_whole_in_result_json(tracking_uri):
    # an SDV synthesizer on 500 rows records thousands of epochs: the step metric gets CURVE_POINTS of them, evenly
    # spaced with the first and the last, and result.json the whole history
    import mlflow

    from synthbench import tracking
    from synthbench.records import RunRecord

    history = [{"step": s, "loss": 1.0 / s} for s in range(1, 1001)]
    record = RunRecord(config={"task": "t"}, history=history)
    record.add_curve(history, keys.train_curve)
    record.add_curve(history[:10], lambda k: "short/" + k)
    run = tracking.start_run(tracking_uri, "synthbench", record, "long-curve", system_metrics=False)
    tracking.finish(run, record)
    client = mlflow.tracking.MlflowClient(tracking_uri)
    steps = sorted(m.step for m in client.get_metric_history(run.run_id, "train/loss"))
    assert len(steps) == tracking.CURVE_POINTS and steps[0] == 1 and steps[-1] == 1000
    assert max(b - a for a, b in zip(steps, steps[1:])) - min(b - a for a, b in zip(steps, steps[1:])) <= 1
    assert len(client.get_metric_history(run.run_id, "short/loss")) == 10
    assert client.get_run(run.run_id).data.metrics["train/loss"] == 1.0 / 1000
    kept = mlflow.artifacts.load_dict(f"runs:/{run.run_id}/{keys.RESULT_JSON}")
    assert kept["history"] == history


def test_thin_keeps_the_ends_and_spaces_the_rest_evenly():
    from synthbench.tracking import thin

    assert thin(list(range(5)), 10) == [0, 1, 2, 3, 4]
    assert thin(list(range(10)), 4) == [0, 3, 6, 9]
    assert thin(list(range(1001)), 3) == [0, 500, 1000]
    with pytest.raises(ValueError, match="2 or more"):
        thin([1, 2, 3], 1)


def test_a_store_moved_with_its_artifacts_still_gives_them(tmp_path, tasks_dir):
    """MLflow records a local store's artifact folder as an absolute path; a store cloned or moved elsewhere (the
    committed board store in a user's checkout) must still give a run's configuration and its report's grids."""
    import shutil

    here, there = tmp_path / "here", tmp_path / "there"
    run = api.run("tiny-mnist", "pca-gmm", budget="quick", tasks_dir=str(tasks_dir), tracking_uri=f"sqlite:///{here / 'mlflow.db'}",
                  save_synthetic=False, system_metrics=False)
    shutil.move(str(here), str(there))  # the recorded folder is gone
    uri = f"sqlite:///{there / 'mlflow.db'}"
    kept = there / "mlartifacts" / run.run_id / "artifacts"
    assert tracking.load_config(run.run_id, uri) == json.loads((kept / keys.CONFIG_JSON).read_text())
    assert tracking.load_config(run.run_id, uri)["generator"]["name"] == "pca-gmm"
    got = tracking.read_artifacts(uri, {"grid": (run.run_id, keys.SAMPLE_GRID), "absent": (run.run_id, "nope.png")})
    assert got["grid"] == (kept / keys.SAMPLE_GRID).read_bytes()
    assert got["absent"] is None
