"""The CLI as a user runs it: subprocesses, exit codes, one-line errors, and the MLflow record."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest


def _one_line_error(proc):
    """Exactly one error line, and no traceback (progress lines may precede it)."""
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = [l for l in proc.stderr.strip().splitlines() if l.startswith("error")]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: "), proc.stderr
    return lines[0]


def test_help_and_list_are_fast_and_show_everything(cli, tasks_dir):
    t = time.perf_counter()
    out = cli("list", "--tasks-dir", str(tasks_dir))
    assert out.returncode == 0, out.stderr
    for name in ("mnist", "tiny-mnist", "cgan", "real", "pca-gmm", "cnn"):
        assert name in out.stdout
    assert time.perf_counter() - t < 30


def test_unknown_generator(cli, tracking_uri):
    proc = cli("run", "--generator", "cgna", "--task", "mnist", "--tracking-uri", tracking_uri)
    assert proc.returncode == 2
    line = _one_line_error(proc)
    assert "unknown generator 'cgna' - did you mean 'cgan'? available:" in line


def test_unknown_task(cli, tracking_uri):
    proc = cli("run", "--generator", "cgan", "--task", "mnsit", "--tracking-uri", tracking_uri)
    assert proc.returncode == 2
    assert "unknown task 'mnsit' - did you mean 'mnist'?" in _one_line_error(proc)


def test_bad_param(cli, tracking_uri):
    proc = cli("run", "-g", "cgan", "-t", "mnist", "--param", "steps=many", "--tracking-uri", tracking_uri)
    assert proc.returncode == 2
    assert "'steps' expects int" in _one_line_error(proc)


def test_unwritable_tracking_location(tmp_path, cli, tasks_dir):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    uri = f"sqlite:///{blocker / 'sub' / 'mlflow.db'}"
    proc = cli("run", "-g", "real", "-t", "tiny-mnist", "--tasks-dir", str(tasks_dir), "--tracking-uri", uri)
    assert proc.returncode == 2
    line = _one_line_error(proc)
    assert "cannot write the MLflow tracking location" in line and "--tracking-uri" in line


def test_missing_dataset_file(tmp_path, tracking_uri, cli, tasks_dir):
    """A data dir with a missing file falls through to the shipped copy; with no copy anywhere it is an error,
    found before a run opens."""
    task = (tasks_dir / "tiny-mnist.toml").read_text().replace('dataset = "mnist"', 'dataset = "fashion-mnist"')
    task = task.replace('name = "tiny-mnist"', 'name = "tiny-fashion"')
    (tmp_path / "tasks").mkdir()
    (tmp_path / "tasks" / "tiny-fashion.toml").write_text(task)
    env = {"SYNTHBENCH_OFFLINE": "1", "SYNTHBENCH_CACHE_DIR": str(tmp_path / "cache")}
    (tmp_path / "data").mkdir()
    proc = cli("run", "-g", "real", "-t", "tiny-fashion", "--tasks-dir", str(tmp_path / "tasks"),
               "--data-dir", str(tmp_path / "data"), "--tracking-uri", tracking_uri, env=env)
    assert proc.returncode == 2
    line = _one_line_error(proc)
    assert "fashion-mnist/train-images-idx3-ubyte.gz is missing" in line and "--data-dir" in line
    assert "recorded as FAILED" not in proc.stderr and not (tmp_path / "store" / "mlflow.db").exists()


def test_run_records_everything(tmp_path, tracking_uri, cli, tasks_dir, only_run):
    proc = cli("run", "-g", "real", "-t", "tiny-mnist", "--tasks-dir", str(tasks_dir), "--budget", "quick",
               "--seed", "3", "--tracking-uri", tracking_uri, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    run = only_run(tracking_uri)
    assert run.info.run_id in proc.stdout and "synthbench ui" in proc.stdout
    # the link opens the run in the UI's model-training view (MLflow 3.17 opens experiments in its GenAI view)
    link = f"/#/experiments/{run.info.experiment_id}/runs/{run.info.run_id}?workflowType=machine_learning"
    assert link in proc.stdout.replace("\n", ""), proc.stdout
    assert run.info.status == "FINISHED"
    m, p, t = run.data.metrics, run.data.params, run.data.tags
    for regime in ("real", "synthetic", "mixed"):
        assert 0.4 < m[f"utility/{regime}/accuracy"] <= 1.0  # chance is 0.1
        assert f"utility/{regime}/macro_f1" in m and f"utility/{regime}/class/9/accuracy" in m
    for k in ("fid", "kid", "precision", "recall"):
        assert f"fidelity/{k}" in m and f"fidelity/reference/{k}" in m
    for k in ("fit_seconds", "sample_seconds", "eval_seconds", "total_seconds", "peak_rss_mb"):
        assert m[f"cost/{k}"] > 0
    assert p["generator.name"] == "real" and p["seed"] == "3" and p["budget"] == "quick"
    assert p["data.sha256.train-images-idx3-ubyte.gz"].startswith("440fcabf")
    assert p["version.torch"] and p["task.version"] == "1"
    assert t["synthbench.status"] == "completed" and t["synthbench.task"] == "tiny-mnist"
    import mlflow

    client = mlflow.tracking.MlflowClient(tracking_uri)
    arts = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert {"config.json", "result.json", "samples", "synthetic", "tables"} <= arts
    samples = {a.path for a in client.list_artifacts(run.info.run_id, "samples")}
    assert "samples/per_class_grid.png" in samples
    cfg = json.loads(Path(client.download_artifacts(run.info.run_id, "config.json", str(tmp_path))).read_text())
    assert cfg["generator"]["params"]["random_state"] == 3 and cfg["data"]["sizes"]["train"] == 600
    assert len(run.inputs.dataset_inputs) == 3
    # the bootstrap of real data is as good as real data, and no worse than the floor
    assert m["fidelity/fid"] < 5 * max(m["fidelity/reference/fid"], 1.0)


@pytest.mark.slow
def test_same_seed_same_numbers(tmp_path, tracking_uri, cli, tasks_dir):
    for _ in range(2):
        proc = cli("run", "-g", "pca-gmm", "-t", "tiny-mnist", "--tasks-dir", str(tasks_dir), "--budget", "quick",
                   "--no-save-synthetic", "--no-system-metrics", "--tracking-uri", tracking_uri, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
    import mlflow

    client = mlflow.tracking.MlflowClient(tracking_uri)
    runs = client.search_runs([client.get_experiment_by_name("synthbench").experiment_id])
    a, b = (r.data.metrics for r in runs)
    for key in ("utility/synthetic/accuracy", "utility/real/accuracy", "fidelity/fid"):
        assert a[key] == b[key], key


def test_ctrl_c_ends_run_killed(tmp_path, tracking_uri, only_run):
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "synthbench"), "run", "-g", "cgan", "-t", "mnist", "--budget", "standard",
         "--tracking-uri", tracking_uri, "--no-system-metrics"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    # wait until the generator is training (the run exists and is RUNNING), then press Ctrl-C
    import mlflow

    deadline = time.time() + 120
    while time.time() < deadline:
        time.sleep(1)
        try:
            client = mlflow.tracking.MlflowClient(tracking_uri)
            exp = client.get_experiment_by_name("synthbench")
            if exp and client.search_runs([exp.experiment_id]):
                break
        except Exception:
            pass
    time.sleep(6)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "recorded as KILLED" in err
    run = only_run(tracking_uri)
    assert run.info.status == "KILLED"
    assert run.data.tags["synthbench.status"] == "killed"


@pytest.mark.slow
def test_ui_serves_the_store_on_localhost(tmp_path, tracking_uri):
    import socket
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    exe = Path(sys.executable).parent / "synthbench"
    proc = subprocess.Popen([str(exe), "ui", "--tracking-uri", tracking_uri, "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline, body = time.time() + 90, ""
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as resp:
                    body = resp.read().decode()
                    break
            except OSError:
                time.sleep(1)
        assert body.strip() == "OK", proc.stderr.read() if proc.poll() is not None else "no answer"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def _descendants(pid):
    import psutil

    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []


def _cmdline(proc) -> str:
    import psutil

    try:
        return " ".join(proc.cmdline())
    except psutil.Error:
        return ""


def _running(procs):
    import psutil

    def running(p):
        try:
            return p.is_running() and p.status() != psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return False

    return [p for p in procs if running(p)]


@pytest.mark.slow  # a whole run; the default suite keeps under 10 minutes on 2 cores
def test_sigterm_ends_run_killed_as_terminated(tmp_path, tasks_dir, tracking_uri, only_run):
    """A scheduler's cancel (SIGTERM to the whole process group) is recorded as a termination, not a Ctrl-C,
    exits 143 (128 + 15) and leaves no process behind: the evaluation worker ignores it, the run kills it."""
    with (tmp_path / "stderr.txt").open("w") as stderr:
        proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "synthbench"), "run", "-g", "ctgan", "-t", "tiny-table", "--tasks-dir",
             str(tasks_dir), "--budget", "quick", "--param", "epochs=100000", "--tracking-uri", tracking_uri,
             "--no-system-metrics", "--no-save-synthetic"],
            stdout=subprocess.DEVNULL, stderr=stderr, cwd=tmp_path, env={**os.environ, "SYNTHBENCH_EVAL_WORKER": "1"},
            start_new_session=True)
    try:
        # the evaluation worker starts as the generator's fit does: from then on the run is well under way
        deadline, family = time.time() + 120, []
        while time.time() < deadline and proc.poll() is None:
            family = _descendants(proc.pid)
            if any("spawn_main" in _cmdline(p) for p in family):
                break
            time.sleep(0.1)
        else:
            pytest.fail(f"the run (exit {proc.poll()}) never started its evaluation worker: "
                        f"{(tmp_path / 'stderr.txt').read_text()[-2000:]}")
        time.sleep(2)
        family = _descendants(proc.pid)
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=120)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=60)
    err = (tmp_path / "stderr.txt").read_text()
    assert proc.returncode == 143, err
    run = only_run(tracking_uri)
    assert f"terminated: MLflow run {run.info.run_id} recorded as KILLED" in err and "Traceback" not in err, err
    assert run.info.status == "KILLED" and run.data.tags["synthbench.status"] == "killed"
    assert run.data.tags["synthbench.error"] == "terminated by SIGTERM (a scheduler's cancel or `kill`)"
    time.sleep(1)
    assert family and not _running(family), f"left running: {_running(family)}"


def test_ui_on_a_busy_port_is_one_line_naming_a_free_one(cli, tracking_uri):
    """Before, ``mlflow ui`` was started anyway and the command exited 0 without serving anything."""
    import re
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = cli("ui", "--port", str(port), "--tracking-uri", tracking_uri, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    line = _one_line_error(proc)
    found = re.fullmatch(rf"error: port {port} on 127\.0\.0\.1 is in use \(another MLflow UI or program\) - pass --port (\d+)",
                         line)
    assert found, line
    with socket.socket() as other:  # the port it names is one a server can listen on
        other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        other.bind(("127.0.0.1", int(found.group(1))))


# -- heavier end-to-end tests (``--runslow``; CI runs them) ---------------------------------------------

@pytest.mark.slow
def test_flagship_quick_budget_through_the_cli(tmp_path, tracking_uri, cli, only_run):
    """The README's flagship command at the quick budget: cgan on MNIST, every part of the record."""
    proc = cli("run", "--generator", "cgan", "--task", "mnist", "--budget", "quick",
               "--tracking-uri", tracking_uri, cwd=tmp_path, timeout=1800)
    assert proc.returncode == 0, proc.stderr
    run = only_run(tracking_uri)
    m = run.data.metrics
    assert run.info.status == "FINISHED"
    assert m["utility/real/accuracy"] > 0.95
    assert m["utility/synthetic/accuracy"] > 0.5  # three generator epochs on 10k images: far from the target
    for k in ("fid", "kid", "precision", "recall"):
        assert f"fidelity/{k}" in m
    assert m["fidelity/fid"] > m["fidelity/reference/fid"]
    import mlflow

    client = mlflow.tracking.MlflowClient(tracking_uri)
    hist = client.get_metric_history(run.info.run_id, "train/d_loss")
    assert len(hist) > 20  # one record every few generator steps
    assert run.data.tags["synthbench.diagnosis"] in ("healthy", "not_converged")
    assert len(client.get_metric_history(run.info.run_id, "probe/fid")) == 6
    plots = {a.path for a in client.list_artifacts(run.info.run_id, "plots")}
    assert "plots/generator_losses.png" in plots


@pytest.mark.slow
def test_pca_gmm_floor_standard_budget(tmp_path, tracking_uri, cli, only_run):
    proc = cli("run", "--generator", "pca-gmm", "--task", "mnist", "--budget", "quick",
               "--tracking-uri", tracking_uri, "--no-save-synthetic", cwd=tmp_path, timeout=1800)
    assert proc.returncode == 0, proc.stderr
    m = only_run(tracking_uri).data.metrics
    assert 0.5 < m["utility/synthetic/accuracy"] < m["utility/real/accuracy"]


@pytest.mark.slow
def test_fashion_mnist_from_a_data_directory(tmp_path, tracking_uri, cli, only_run, repo_root):
    """Fashion-MNIST is not shipped: read (and verified) from --data-dir, with its own feature extractor."""
    data_dir = repo_root.parent / "shared" / "datasets"
    if not (data_dir / "fashion-mnist").is_dir():
        pytest.skip("../shared/datasets/fashion-mnist is not beside this checkout")
    proc = cli("run", "--generator", "cgan", "--task", "fashion-mnist", "--budget", "quick", "--param", "steps=78",
               "--data-dir", str(data_dir), "--no-save-synthetic", "--tracking-uri", tracking_uri, cwd=tmp_path, timeout=1800)
    assert proc.returncode == 0, proc.stderr
    run = only_run(tracking_uri)
    m = run.data.metrics
    assert run.data.params["data.sha256.train-images-idx3-ubyte.gz"].startswith("3aede38d")
    assert 0.75 < m["utility/real/accuracy"] < 0.99 and m["fidelity/fid"] > m["fidelity/reference/fid"]


@pytest.mark.slow
def test_diagnosis_validation_subset(tmp_path, repo_root):
    """A CI-sized slice of benchmarks/diagnosis_validation.py: one seed of a healthy configuration (no failure
    alarm) and of two broken ones (the right diagnosis); the full table is in results/."""
    out = tmp_path / "dv"
    proc = subprocess.run([sys.executable, str(repo_root / "benchmarks" / "diagnosis_validation.py"), "--seeds", "1",
                           "--configs", "healthy-cgan,d-steps-10,class-dropped", "--out", str(out)],
                          capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stderr
    runs = json.loads(out.with_suffix(".json").read_text())["runs"]
    labels = {r["config"]: r["label"] for r in runs}
    assert labels["healthy-cgan"] in ("healthy", "not_converged")  # no failure alarm on a healthy configuration
    assert labels["d-steps-10"] == "discriminator_wins" and labels["class-dropped"] == "mode_collapse"
