"""Sweeps (``synthbench sweep``) as a user runs them: the CLI in a subprocess, cells as real processes, faults
made by a throwaway generator package installed with pip (``toy-fault``: raises, SIGKILLs itself, hangs or
sleeps in ``fit``, as its ``fault`` hyperparameter says)."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from synthbench import keys

FAULT_PLUGIN = {
    "pyproject.toml": """
        [build-system]
        requires = ["setuptools>=68"]
        build-backend = "setuptools.build_meta"
        [project]
        name = "synthbench-fault-plugin"
        version = "0.0.1"
        [project.entry-points."synthbench.generators"]
        toy-fault = "toy_fault:Fault"
        [tool.setuptools]
        py-modules = ["toy_fault"]
    """,
    "toy_fault.py": """
        import os, signal, time
        import numpy as np
        from sklearn.base import BaseEstimator
        from synthbench.constraints import OneOf
        from synthbench.data import LabeledImages, balanced_labels

        class Fault(BaseEstimator):
            '''Resamples training images - or fails in fit as ``fault`` says.'''
            modalities = ("image",)
            conditional = True
            constraints = {"fault": OneOf(("ok", "raise", "kill", "hang", "slow"))}

            def __init__(self, fault="ok", random_state=None):
                self.fault = fault
                self.random_state = random_state

            def fit(self, train):
                if self.fault == "raise":
                    raise RuntimeError("toy fault: fit raised on purpose")
                if self.fault == "kill":
                    os.kill(os.getpid(), signal.SIGKILL)
                if self.fault == "hang":
                    time.sleep(3600)
                if self.fault == "slow":
                    time.sleep(6)
                self.x_, self.y_, self.k_ = train.images, train.labels, train.num_classes
                self.rng_ = np.random.default_rng(self.random_state)
                return self

            def sample(self, n, labels=None):
                y = np.asarray(labels, np.int64) if labels is not None else balanced_labels(n, self.k_, self.rng_)
                pick = np.array([self.rng_.choice(np.flatnonzero(self.y_ == c)) for c in y], dtype=np.int64)
                return LabeledImages(self.x_[pick], y, self.k_)
    """,
}


@pytest.fixture(scope="module")
def fault_site(tmp_path_factory):
    """``PYTHONPATH`` of a site folder holding the ``toy-fault`` generator, installed by pip."""
    site, src = tmp_path_factory.mktemp("fault-site"), tmp_path_factory.mktemp("fault-src")
    for name, text in FAULT_PLUGIN.items():
        (src / name).write_text(textwrap.dedent(text))
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "--target",
                    str(site), str(src)], check=True, capture_output=True, text=True)
    return {"PYTHONPATH": str(site)}


def _cells(tracking_uri, sweep):
    """The cell runs of ``sweep`` (not its parent run)."""
    from synthbench import load_runs

    runs = load_runs(tracking_uri, sweep=sweep)
    return runs[runs["cell"].notna()].reset_index(drop=True)


def _sweep_file(folder: Path, name: str, body: str) -> Path:
    path = folder / f"{name}.toml"
    path.write_text(textwrap.dedent(body))
    return path


def _data_env(repo_root, extra=None):
    return {"SYNTHBENCH_DATA_DIR": str(repo_root.parent / "shared" / "datasets"), **(extra or {})}


# -- bad input: one clear error, nothing runs ---------------------------------------------------------------
@pytest.mark.parametrize("body, args, expect", [
    ('tasks = ["tiny-mnist"]\ngenerators = ["real"]\nseed = [0]\n', [], "unknown key(s) seed"),
    ('tasks = []\ngenerators = ["real"]\n', [], "tasks must be a non-empty list"),
    ('tasks = ["tiny-table"]\ngenerators = ["real", "pca-gmm"]\n', [], "generator 'pca-gmm' handles image data, but no task"),
    ('tasks = ["tiny-mnist"]\ngenerators = ["real"]\n', ["--workers", "0"], "--workers must be 1 or more"),
    ('tasks = ["tiny-mnist"]\ngenerators = ["cgna"]\n', [], "did you mean 'cgan'"),
    ('tasks = ["tiny-mnist"]\ngenerators = ["real"]\n[params.cgan]\nsteps = [1]\n', [], "[params.cgan] names a generator"),
    ('tasks = ["tiny-mnist"]\ngenerators = ["real"]\ntrain_sizes = [100, -5]\n', [], "train_sizes holds -5, not a size of 0 or more"),
    ('tasks = ["tiny-mnist"]\ngenerators = ["real"]\naugment = [0]\n', [], "augment holds 0, not a multiple of 1 or more"),
    ('tasks = ["tiny-mnist"]\ngenerators = ["real"]\nregimes = ["real", "augmented"]\n', [],
     "regimes holds 'augmented', not one of real, synthetic, mixed"),
])
def test_bad_sweep_input_is_one_clear_error(body, args, expect, tmp_path, tasks_dir, tracking_uri, cli):
    path = _sweep_file(tmp_path, "bad", body)
    out = cli("sweep", str(path), *args, "--tasks-dir", str(tasks_dir), "--tracking-uri", tracking_uri, cwd=tmp_path)
    err = [line for line in out.stderr.splitlines() if line.strip()]
    assert out.returncode == 2 and len(err) == 1 and err[0].startswith("error: ") and expect in err[0], out.stderr
    assert not (tmp_path / "store" / "mlflow.db").exists() or _cells(tracking_uri, "bad").empty


def test_a_scheduler_that_does_not_answer_is_an_error_in_seconds(tmp_path, tasks_dir, tracking_uri, cli, repo_root):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    t0 = time.monotonic()
    out = cli("sweep", "--name", "nosched", "--tasks", "tiny-mnist", "--generators", "real", "--executor", "dask",
              "--scheduler", f"tcp://127.0.0.1:{port}", "--tasks-dir", str(tasks_dir), "--tracking-uri", tracking_uri,
              env=_data_env(repo_root), cwd=tmp_path)
    assert out.returncode == 2 and f"the Dask scheduler at tcp://127.0.0.1:{port} did not answer within 10 s" in out.stderr
    assert time.monotonic() - t0 < 60


# -- faults: every cell recorded once, the sweep goes on ------------------------------------------------------
@pytest.mark.slow
def test_failed_killed_and_timed_out_cells_are_recorded_and_the_sweep_goes_on(tmp_path, tasks_dir, tracking_uri, cli,
                                                                               fault_site, repo_root):
    path = _sweep_file(tmp_path, "faults", """
        tasks = ["tiny-mnist"]
        generators = ["toy-fault"]
        budgets = ["quick"]
        timeout = 40
        [params.toy-fault]
        fault = ["ok", "raise", "kill", "hang"]
    """)
    args = ("sweep", str(path), "--workers", "2", "--tasks-dir", str(tasks_dir), "--tracking-uri", tracking_uri)
    out = cli(*args, env=_data_env(repo_root, fault_site), cwd=tmp_path)
    assert out.returncode == 1, out.stderr  # some cells failed
    said = " ".join(out.stdout.split())  # what to run next names the sweep's store, not ./mlflow.db
    assert f"synthbench ui --tracking-uri '{tracking_uri}'" in said and f"--sweep faults --tracking-uri '{tracking_uri}'" in said
    runs = _cells(tracking_uri, "faults")
    assert len(runs) == 4 and runs["cell"].nunique() == 4 and "RUNNING" not in set(runs["status"])
    by_fault = {r["params.generator.fault"]: r for _, r in runs.iterrows()}
    assert by_fault["ok"]["status"] == "FINISHED"
    assert by_fault["raise"]["status"] == "FAILED" and "fit raised on purpose" in by_fault["raise"]["error"]
    assert by_fault["kill"]["status"] == "FAILED" and "SIGKILL" in by_fault["kill"]["error"]
    assert by_fault["hang"]["status"] == "FAILED" and "timeout" in by_fault["hang"]["error"]
    # the parent run holds the sweep's summary; the cells are nested under it
    from synthbench import load_runs

    parent = load_runs(tracking_uri, sweep="faults")
    parent = parent[parent["sweep_role"] == "parent"]
    assert len(parent) == 1 and parent.iloc[0][keys.SWEEP_FINISHED] == 1 and parent.iloc[0][keys.SWEEP_FAILED] == 3
    assert set(runs["parent_run_id"]) == {parent.iloc[0]["run_id"]}
    # run again: nothing to do (failed cells wait for --retry-failed), nothing recorded twice
    again = cli(*args, env=_data_env(repo_root, fault_site), cwd=tmp_path)
    assert again.returncode == 0 and "ran 0 cells now" in again.stdout, again.stderr
    assert len(_cells(tracking_uri, "faults")) == 4
    dry = cli(*args, "--retry-failed", "--dry-run", env=_data_env(repo_root, fault_site), cwd=tmp_path)
    assert "3 of 4 cells would run" in " ".join(dry.stdout.split()), dry.stdout


@pytest.mark.slow
def test_an_interrupted_sweep_resumes_where_it_stopped(tmp_path, tasks_dir, tracking_uri, fault_site, repo_root):
    path = _sweep_file(tmp_path, "stopped", """
        tasks = ["tiny-mnist"]
        generators = ["toy-fault"]
        budgets = ["quick"]
        seeds = [0, 1]
        [params.toy-fault]
        fault = ["ok", "slow"]
    """)
    exe = Path(sys.executable).parent / "synthbench"
    cmd = [str(exe), "sweep", str(path), "--tasks-dir", str(tasks_dir), "--tracking-uri", tracking_uri]
    env = {**os.environ, **_data_env(repo_root, fault_site), "COLUMNS": "240"}
    proc = subprocess.Popen(cmd, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:  # a cell finished, and the next one runs: stop the sweep now
        time.sleep(0.5)
        try:
            runs = _cells(tracking_uri, "stopped")
        except Exception:  # noqa: BLE001 - the store does not exist yet
            continue
        if (runs["status"] == "FINISHED").sum() >= 1 and (runs["status"] == "RUNNING").sum() >= 1:
            break
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130 and "run the same command again to resume" in err, err
    first = _cells(tracking_uri, "stopped")
    assert "RUNNING" not in set(first["status"])
    finished_before = set(first.loc[first["status"] == "FINISHED", "run_id"])
    stopped = first[first["status"] != "FINISHED"]
    assert len(stopped) == 1 and stopped.iloc[0]["status"] == "KILLED" and stopped.iloc[0]["interrupted"] == "true"

    out = subprocess.run(cmd, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    runs = _cells(tracking_uri, "stopped")
    done = runs[runs["status"] == "FINISHED"]
    assert len(done) == 4 and done["cell"].nunique() == 4  # every cell finished exactly once
    assert finished_before <= set(done["run_id"])  # what had finished was not computed again
    assert set(runs["status"]) <= {"FINISHED", "KILLED"} and (runs["status"] == "KILLED").sum() == 1


# -- executors: the same cells, the same metrics, each recorded once ----------------------------------------
_METRIC_PREFIXES = ("utility/", "fidelity/", "privacy/", "fairness/")


def _metrics_by_cell(runs):
    """``{cell identity: {metric: value}}`` of the results (utility, fidelity, privacy, fairness - not cost)."""
    cols = [c for c in runs.columns if c.startswith(_METRIC_PREFIXES)]
    return {r["cell"]: {c: r[c] for c in cols if r[c] == r[c]} for _, r in runs.iterrows()}


@pytest.mark.slow
def test_every_executor_records_the_same_metrics_once(tmp_path, cli, repo_root):
    """pca-gmm, real, gaussian-copula and marginals on mnist and adult (quick, 2 seeds) - one cell at a time, through
    a local pool of 2 and a Dask LocalCluster of 2: the same cells, identical metrics, no cell missing or twice."""
    path = _sweep_file(tmp_path, "same", """
        tasks = ["mnist", "adult"]
        generators = ["pca-gmm", "real", "gaussian-copula", "marginals"]
        budgets = ["quick"]
        seeds = [0, 1]
    """)
    found = {}
    # one thread per cell everywhere: torch's CPU kernels sum in another order with another number of threads
    for how, args in {"sequential": ["--threads", "1"], "pool": ["--workers", "2", "--threads", "1"],
                      "dask": ["--executor", "dask", "--workers", "2", "--threads", "1"]}.items():
        uri = f"sqlite:///{tmp_path / how / 'mlflow.db'}"
        out = cli("sweep", str(path), *args, "--tracking-uri", uri, env=_data_env(repo_root), cwd=tmp_path, timeout=3000)
        assert out.returncode == 0, (how, out.stdout[-3000:], out.stderr[-3000:])
        runs = _cells(uri, "same")
        assert len(runs) == 10 and runs["cell"].nunique() == 10 and set(runs["status"]) == {"FINISHED"}, how
        found[how] = _metrics_by_cell(runs)
        assert "pca-gmm x adult" in out.stdout and "marginals x mnist" in out.stdout  # skipped pairs are listed
    assert set(found["sequential"]) == set(found["pool"]) == set(found["dask"])  # the same identities
    for cell, metrics in found["sequential"].items():
        assert len(metrics) > 5
        assert found["pool"][cell] == metrics and found["dask"][cell] == metrics, cell


@pytest.mark.slow
def test_a_sweep_joins_an_existing_dask_cluster(tmp_path, tasks_dir, tracking_uri, cli, repo_root):
    """``dask scheduler`` and two ``dask worker`` processes on 127.0.0.1, as on a real cluster; the sweep joins with
    ``--scheduler`` and its cells are recorded by the workers' processes."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    dask = str(Path(sys.executable).parent / "dask")
    env = {**os.environ, **_data_env(repo_root)}
    procs = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path)]
    try:
        time.sleep(3)
        procs += [subprocess.Popen([dask, "worker", address, "--nthreads", "1", "--no-dashboard", "--name", f"w{i}"], env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path) for i in range(2)]
        out = cli("sweep", "--name", "cluster", "--tasks", "tiny-mnist,tiny-table", "--generators", "real", "--seeds", "0,1",
                  "--budgets", "quick", "--executor", "dask", "--scheduler", address, "--tasks-dir", str(tasks_dir),
                  "--tracking-uri", tracking_uri, env=_data_env(repo_root), cwd=tmp_path, timeout=900)
        assert out.returncode == 0, out.stderr[-3000:]
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            p.wait(timeout=60)
    runs = _cells(tracking_uri, "cluster")
    assert len(runs) == 4 and runs["cell"].nunique() == 4 and set(runs["status"]) == {"FINISHED"}
    assert runs["utility/synthetic/accuracy"].notna().all()


@pytest.mark.slow
def test_two_sweeps_at_once_on_one_store_record_every_cell_once(tmp_path, tasks_dir, tracking_uri, repo_root):
    """Two sweeps, two workers each, started together on one SQLite store that does not exist yet (so its creation is
    raced too); a third process starting one of them again is told it is already running."""
    exe = str(Path(sys.executable).parent / "synthbench")
    env = {**os.environ, **_data_env(repo_root), "COLUMNS": "240"}
    common = ["--tasks", "tiny-mnist,tiny-table", "--generators", "real,pca-gmm,marginals", "--seeds", "0,1,2",
              "--budgets", "quick", "--workers", "2", "--tasks-dir", str(tasks_dir), "--tracking-uri", tracking_uri]
    procs = {name: subprocess.Popen([exe, "sweep", "--name", name, *common], env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True) for name in ("first", "second")}
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # once the first sweep runs cells, start it a second time
        time.sleep(0.5)
        try:
            if len(_cells(tracking_uri, "first")):
                break
        except Exception:  # noqa: BLE001 - the store is still being created
            continue
    again = subprocess.run([exe, "sweep", "--name", "first", *common], env=env, cwd=tmp_path, capture_output=True, text=True,
                           timeout=300)
    assert again.returncode == 2 and "sweep 'first' is already running" in again.stderr, again.stderr
    for name, p in procs.items():
        out, err = p.communicate(timeout=1500)
        assert p.returncode == 0, (name, err[-3000:])
    for name in procs:
        runs = _cells(tracking_uri, name)
        # tiny-mnist: real, pca-gmm; tiny-table: real, marginals - 4 pairs x 3 seeds
        assert len(runs) == 12 and runs["cell"].nunique() == 12 and set(runs["status"]) == {"FINISHED"}, name


# -- the sweep's own bookkeeping ------------------------------------------------------------------------------
def test_param_options_add_to_the_sweep_files_grid(tmp_path):
    from synthbench.sweep import make_spec, parse_grid_params

    path = _sweep_file(tmp_path, "grid", """
        tasks = ["mnist"]
        generators = ["cgan", "pca-gmm"]
        [params.cgan]
        lr_g = [1e-3, 2e-4]
        steps = [100]
    """)
    spec = make_spec(path, params=parse_grid_params(["cgan.steps=200,400", "pca-gmm.n_components=20"]))
    assert spec.params == {"cgan": {"lr_g": [1e-3, 2e-4], "steps": ["200", "400"]}, "pca-gmm": {"n_components": ["20"]}}


def test_a_task_named_twice_is_one_cell(tmp_path, tasks_dir, repo_root):
    from synthbench.sweep import make_spec, plan

    spec = make_spec(name="twice", tasks=["tiny-mnist", str(tasks_dir / "tiny-mnist.toml")], generators=["real"], seeds=[0, 1])
    p = plan(spec, tasks_dir=tasks_dir, data_dir=repo_root.parent / "shared" / "datasets")
    assert len(p.cells) == 2 and len({c.identity for c in p.cells}) == 2
    assert sum("the same run as" in s for s in p.skipped) == 2


def test_training_sizes_are_cells_and_the_whole_split_keeps_its_identity(tasks_dir, repo_root):
    from synthbench.sweep import make_spec, plan

    data = repo_root.parent / "shared" / "datasets"
    before = plan(make_spec(name="sizes", tasks=["tiny-mnist"], generators=["real"], seeds=[0]), tasks_dir=tasks_dir, data_dir=data)
    spec = make_spec(name="sizes", tasks=["tiny-mnist"], generators=["real"], seeds=[0], train_sizes=[100, 0, 300],
                     augment=[4, 1])
    assert spec.train_sizes == (0, 100, 300) and spec.augment == (1, 4)
    cells = plan(spec, tasks_dir=tasks_dir, data_dir=data).cells
    assert [c.train_size for c in cells] == [0, 100, 300] and len({c.identity for c in cells}) == 3
    assert [c.cfg.train_size for c in cells] == [0, 100, 300]  # 0: the task's own (tiny-mnist: 600)
    assert [c.cfg.budget_spec.train_size for c in cells][1:] == [100, 300]
    # the runs' names in MLflow tell the sizes apart (the cell's process names its run from the same config)
    assert [c.cfg.run_name for c in cells] == [f"real-tiny-mnist-{cells[0].budget}{n}-s0" for n in ("", "-n100", "-n300")]
    # augmentation makes other cells; the same grid without it names the whole-split cell as before
    assert cells[0].identity != before.cells[0].identity
    plain = plan(make_spec(name="sizes", tasks=["tiny-mnist"], generators=["real"], seeds=[0], train_sizes=[0]),
                 tasks_dir=tasks_dir, data_dir=data)
    assert plain.cells[0].identity == before.cells[0].identity


def test_the_dry_run_of_a_scarce_data_sweep_names_each_cells_size(tmp_path, tasks_dir, tracking_uri, repo_root, cli):
    sweep_file = _sweep_file(tmp_path, "sizes", '''
        tasks = ["tiny-mnist"]
        generators = ["real"]
        seeds = [0]
        train_sizes = [100, 0]
        augment = [1]
        regimes = ["real", "synthetic"]
    ''')
    dry = cli("sweep", str(sweep_file), "--tasks-dir", str(tasks_dir), "--tracking-uri", tracking_uri, "--dry-run",
              env=_data_env(repo_root), cwd=tmp_path)
    assert dry.returncode == 0, dry.stdout + dry.stderr
    rows = [line.split("│")[1:-1] for line in dry.stdout.splitlines() if "tiny-mnist" in line and "│" in line]
    assert [[c.strip() for c in r][:4] for r in rows] == [["tiny-mnist", "real", "standard", "full"],
                                                        ["tiny-mnist", "real", "standard", "100"]], dry.stdout


def test_resplit_redraws_the_validation_carve_out_and_keeps_the_test_split(tasks_dir):
    """--resplit: each seed selects its models on its own validation rows; the test split is the official one for
    every seed; without it every seed shares the task's carve-out."""
    from synthbench import pipeline
    from synthbench.sweep import cell_config

    def splits(seed, resplit):
        return pipeline.load(cell_config("tiny-table", "real", "quick", seed, {}, resplit=resplit, tasks_dir=tasks_dir))

    a, b = splits(0, True), splits(1, True)
    assert not a.validation.frame.equals(b.validation.frame) and a.test.frame.equals(b.test.frame)
    assert not a.train.frame.equals(b.train.frame)  # the rows left for training are the rest of each carve-out
    c, d = splits(0, False), splits(1, False)
    assert c.validation.frame.equals(d.validation.frame) and c.test.frame.equals(a.test.frame)


def test_a_cells_identity_follows_what_decides_its_result(tasks_dir, monkeypatch):
    """The identity changes with the task version, the data, the hyperparameters, the seed and the synthbench
    version, and not with where the task file was read from."""
    import dataclasses

    import synthbench
    from synthbench.sweep import cell_config, identity

    cfg = cell_config("tiny-table", "gaussian-copula", "quick", 0, {}, tasks_dir=tasks_dir)
    base = identity(cfg, {"train.csv": "aa"})
    moved = dataclasses.replace(cfg, task=dataclasses.replace(cfg.task, path="/elsewhere/tiny-table.toml"))
    assert identity(moved, {"train.csv": "aa"}) == base
    newer = dataclasses.replace(cfg, task=dataclasses.replace(cfg.task, version=cfg.task.version + 1))
    other = {
        "task version": identity(newer, {"train.csv": "aa"}),
        "data": identity(cfg, {"train.csv": "bb"}),
        "hyperparameter": identity(cell_config("tiny-table", "gaussian-copula", "quick", 0,
                                               {"default_distribution": "norm"}, tasks_dir=tasks_dir), {"train.csv": "aa"}),
        "seed": identity(cell_config("tiny-table", "gaussian-copula", "quick", 1, {}, tasks_dir=tasks_dir), {"train.csv": "aa"}),
    }
    monkeypatch.setattr(synthbench, "__version__", "0.0.0-other")
    other["synthbench version"] = identity(cfg, {"train.csv": "aa"})
    assert {k: v for k, v in other.items() if v == base} == {} and len(set(other.values())) == len(other)


def test_the_published_boards_cells_keep_their_identity(repo_root, tmp_path):
    """Settings added since the image board was run (here: a --train-size subset's seed, the CNN's rows per epoch)
    leave a cell's identity as it was at their neutral value: the board's 42 finished cells are still found, so a
    new synthbench version does not rerun a board, and the published report still reads its cells."""
    import shutil

    from synthbench.sweep import make_spec, plan, states, sweep_runs

    store = tmp_path / "mlflow.db"
    shutil.copy(repo_root / "results" / "boards" / "mlflow.db", store)
    spec = make_spec(repo_root / "sweeps" / "leaderboard-images.toml")
    cells = plan(spec, data_dir=repo_root.parent / "shared" / "datasets").cells
    found = states(sweep_runs(f"sqlite:///{store}", "synthbench", spec.name))
    assert len(cells) == 42 and [c.label for c in cells if found.get(c.identity) != "finished"] == []


def test_a_sweep_on_a_tracking_server_needs_no_lock_file():
    from synthbench.sweep import sweep_lock

    lock = sweep_lock("http://127.0.0.1:5000", "name")
    lock.acquire()
    lock.release()


@pytest.mark.slow
def test_cells_of_a_sweep_killed_outright_end_interrupted_and_run_again(tmp_path, tasks_dir, tracking_uri, fault_site,
                                                                           repo_root, cli):
    """SIGKILL of the sweep's own process: its running cell notices, ends KILLED and tagged interrupted - never left
    RUNNING - and the sweep started again runs it over."""
    path = _sweep_file(tmp_path, "killed", """
        tasks = ["tiny-mnist"]
        generators = ["toy-fault"]
        budgets = ["quick"]
        [params.toy-fault]
        fault = ["hang"]
    """)
    exe = Path(sys.executable).parent / "synthbench"
    args = ["sweep", str(path), "--tasks-dir", str(tasks_dir), "--tracking-uri", tracking_uri]
    env = {**os.environ, **_data_env(repo_root, fault_site)}
    proc = subprocess.Popen([str(exe), *args], env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        time.sleep(0.5)
        try:
            if (_cells(tracking_uri, "killed")["status"] == "RUNNING").any():
                break
        except Exception:  # noqa: BLE001 - the store does not exist yet
            continue
    time.sleep(2)  # inside fit
    proc.kill()
    proc.wait(timeout=30)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and "RUNNING" in set(_cells(tracking_uri, "killed")["status"]):
        time.sleep(0.5)
    runs = _cells(tracking_uri, "killed")
    assert len(runs) == 1 and runs.iloc[0]["status"] == "KILLED" and runs.iloc[0]["interrupted"] == "true"
    dry = cli(*args, "--dry-run", env=_data_env(repo_root, fault_site), cwd=tmp_path)
    assert "1 of 1 cells would run" in " ".join(dry.stdout.split()), dry.stdout


@pytest.mark.slow
def test_progress_of_cells_on_dask_reaches_the_sweep(tmp_path, tasks_dir, tracking_uri, repo_root):
    """A cell run by a Dask worker sends its phases back (Dask events), as a local cell does through its pipe."""
    from synthbench import sweep

    class Recorder(sweep.Observer):
        def __init__(self):
            self.events, self.outcomes = [], []

        def event(self, identity, event):
            self.events.append((identity, event))

        def done(self, outcome):
            self.outcomes.append(outcome)

    seen = Recorder()
    spec = sweep.make_spec(name="dask-progress", tasks=["tiny-table"], generators=["real"], budgets=["quick"])
    result = sweep.run(spec, executor="dask", workers=1, tasks_dir=tasks_dir, tracking_uri=tracking_uri,
                       data_dir=repo_root.parent / "shared" / "datasets", observer=seen)
    assert [o["status"] for o in seen.outcomes] == ["FINISHED"] and not result.failed
    cell = result.plan.cells[0].identity
    phases = {e["name"] for i, e in seen.events if i == cell and e.get("event") == "phase"}
    assert "load data" in phases and any(p.startswith("fit") for p in phases) and "fidelity (SDMetrics)" in phases, phases


def test_a_cell_lost_before_its_run_opened_is_recorded_on_its_own_board(tasks_dir, tracking_uri, repo_root):
    # a Dask worker that died, or a cell killed before its process opened a run: the sweep records the attempt
    # itself, with the cell's parameters, so the report puts it on the board of its task version and size (it
    # used to carry the sweep's tags only, and formed a board of its own without a version or N)
    from synthbench import executors, load_runs
    from synthbench import report as reports
    from synthbench.sweep import _job, make_spec, plan

    spec = make_spec(name="lost", tasks=["tiny-mnist"], generators=["real"], seeds=[0], train_sizes=[100])
    cell = plan(spec, tasks_dir=tasks_dir, data_dir=repo_root.parent / "shared" / "datasets").cells[0]
    job = _job(cell, spec, "no-parent", "attempt-1", tasks_dir, None, tracking_uri, "synthbench")
    out = executors.lost(job, RuntimeError("the worker died"))
    assert out["status"] == "FAILED" and out["run_id"]
    runs = load_runs(tracking_uri, "synthbench", sweep="lost")
    assert len(runs) == 1 and runs.iloc[0]["status"] == "FAILED" and "the worker died" in runs.iloc[0]["error"]
    assert runs.iloc[0]["task_version"] == cell.cfg.task.version and runs.iloc[0]["params.train_size"] == "100"
    boards = reports.build(runs, {}).boards
    assert [b.name for b in boards] == [f"tiny-mnist v{cell.cfg.task.version} N=100"]
    # and in the row of its configuration: the same parameters and identity tags that the cell's own run logs
    import mlflow

    from synthbench.records import run_params, run_tags

    run = mlflow.tracking.MlflowClient(tracking_uri).get_run(out["run_id"])
    assert run_tags(cell.cfg).items() <= run.data.tags.items() and keys.TAG_CONDITIONING in run.data.tags
    assert run_params(cell.cfg).items() <= run.data.params.items()
