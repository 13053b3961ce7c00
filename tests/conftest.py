"""Shared fixtures: a tiny image task and a tiny table task (built here, seconds to run), the CLI as a user
runs it, and a throwaway tracking store per test. Test modules mirror the package and import nothing from
one another: what they share is here."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

TINY_MNIST = """\
# A tiny MNIST task for the test suite: seconds, not minutes.
name = "tiny-mnist"
version = 1
modality = "image"
description = "MNIST with 600 training, 500 validation and 500 test images."

[data]
dataset = "mnist"
validation_size = 500
split_seed = 7
train_size = 600
test_size = 500

[downstream]
model = "cnn"
params = { channels = 8, hidden = 32, batch_size = 32, lr = 3e-3 }

[regimes]
run = ["real", "synthetic", "mixed"]
mixed_synthetic_share = 0.5

[metrics]
feature_extractor = "lenet-mnist"
kid_subset_size = 100

[budgets.quick]
downstream_epochs = 3
fidelity_samples = 300
generator_params = { cgan = { steps = 9, width = 8, batch_size = 64 }, pca-gmm = { n_components = 5, n_mixture = 2 } }

[budgets.standard]
downstream_epochs = 1
fidelity_samples = 300
generator_params = { cgan = { steps = 9, width = 8, batch_size = 64 }, pca-gmm = { n_components = 5, n_mixture = 2 } }
"""

TABLE_COLUMNS = {"x": "numerical", "colour": "categorical", "count": "integer", "label": "categorical"}


def table_task_text(name="tiny-table", columns=None, extra="", test_file=True) -> str:
    """A user's own table task over ``train.csv`` (and ``test.csv``) beside it, as a user would write it."""
    lines = [f'name = "{name}"', "version = 1", 'modality = "table"', "", "[data]", 'target = "label"',
             'positive = "yes"', 'train_file = "train.csv"', "validation_size = 20", "split_seed = 1",
             'test_file = "test.csv"' if test_file else "test_fraction = 0.25", extra, "", "[data.columns]"]
    lines += [f'{k} = "{v}"' for k, v in (TABLE_COLUMNS if columns is None else columns).items()]
    lines += ["", "[downstream]", 'model = "logreg"', "", "[metrics]", 'utility = ["accuracy", "f1", "auroc"]',
              'fidelity = ["quality", "detection"]', 'privacy = ["dcr", "exact_copies", "mia"]', "",
              "[budgets.quick]", "fidelity_samples = 200", "privacy_samples = 50", "[budgets.standard]", "[budgets.full]"]
    return "\n".join(lines) + "\n"


def table_frames(n=200, seed=0):
    """``(train, test)`` frames of ``synthbench.testing.tiny_table``: a binary target from a number and a category."""
    from synthbench.testing import tiny_table

    t = tiny_table(n, seed).frame
    return t.iloc[: int(n * 0.75)].reset_index(drop=True), t.iloc[int(n * 0.75):].reset_index(drop=True)


def write_table_task(folder: Path, train, test=None, name="tiny-table", columns=None, extra="") -> Path:
    """Write a table task and its CSV files into ``folder``; return the task file."""
    folder.mkdir(parents=True, exist_ok=True)
    train.to_csv(folder / "train.csv", index=False)
    if test is not None:
        test.to_csv(folder / "test.csv", index=False)
    path = folder / f"{name}.toml"
    path.write_text(table_task_text(name, columns, extra, test_file=test is not None))
    return path


def pytest_addoption(parser):
    parser.addoption("--runslow", action="store_true", default=False, help="run the heavier tests marked slow")


def pytest_collection_modifyitems(config, items):
    slow = None if config.getoption("--runslow") else pytest.mark.skip(reason="slow: run with --runslow")
    # Browser tests need Debian's chromium and chromium-driver; CI installs them (README, "Reports") and never skips.
    no_browser = (None if (CHROMIUM and CHROMEDRIVER) or os.environ.get("CI") == "true" else
                  pytest.mark.skip(reason="needs Debian's chromium and chromium-driver (apt-get install -y chromium chromium-driver)"))
    for item in items:
        if slow and "slow" in item.keywords:
            item.add_marker(slow)
        if no_browser and "browser" in item.keywords:
            item.add_marker(no_browser)


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path, monkeypatch):
    """No test reads or writes the user's cache, data dir or tracking store."""
    monkeypatch.setenv("SYNTHBENCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("SYNTHBENCH_DATA_DIR", raising=False)
    monkeypatch.delenv("SYNTHBENCH_TASKS_DIR", raising=False)
    monkeypatch.delenv("SYNTHBENCH_DOWNLOAD_MIRROR", raising=False)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def tasks_dir(tmp_path_factory) -> Path:
    """A user's folder of task files: ``tiny-mnist`` (600 MNIST training images) and ``tiny-table`` (300 training rows, 100 test rows)."""
    folder = tmp_path_factory.mktemp("tasks")
    (folder / "tiny-mnist.toml").write_text(TINY_MNIST)
    write_table_task(folder, *table_frames(400), extra='sensitive = ["colour"]')
    return folder


@pytest.fixture
def tracking_uri(tmp_path):
    return f"sqlite:///{tmp_path / 'store' / 'mlflow.db'}"


def synthbench_cli(*args, env=None, cwd=None, timeout=600, **kw):
    """Run the installed ``synthbench`` command as a user would."""
    exe = Path(sys.executable).parent / "synthbench"
    full_env = dict(os.environ)
    full_env.setdefault("COLUMNS", "240")  # rich tables: no wrapping inside cells
    full_env.update(env or {})
    return subprocess.run([str(exe), *args], capture_output=True, text=True, env=full_env, cwd=cwd, timeout=timeout, **kw)


@pytest.fixture(scope="session")
def cli():
    """``cli("run", "-g", ...)``: the ``synthbench`` command in a subprocess (a ``CompletedProcess``)."""
    return synthbench_cli


def _only_run(tracking_uri, experiment="synthbench"):
    import mlflow

    client = mlflow.tracking.MlflowClient(tracking_uri)
    exp = client.get_experiment_by_name(experiment)
    runs = client.search_runs([exp.experiment_id])
    assert len(runs) == 1, [r.info.run_id for r in runs]
    return runs[0]


@pytest.fixture
def only_run():
    """``only_run(tracking_uri)``: the one MLflow run in a store (asserts there is exactly one)."""
    return _only_run


@pytest.fixture
def table_task():
    """``table_task(folder, train, test=None, name=..., columns=..., extra=...)`` writes a user's table task."""
    return write_table_task


@pytest.fixture(scope="session")
def frames():
    """``frames(n, seed)``: train/test frames of a tiny mixed-type table."""
    return table_frames


@pytest.fixture(scope="session")
def tiny_mnist_text() -> str:
    """The ``tiny-mnist`` task file's text (600 MNIST training images)."""
    return TINY_MNIST


@pytest.fixture(scope="session")
def table_text():
    """``table_text(name=..., columns=..., extra=..., test_file=True)``: a tiny table task file's text."""
    return table_task_text


@pytest.fixture(scope="session")
def mnist_validation():
    """MNIST's 5,000-image validation split (the shipped data): real digits for tests that train a little."""
    from synthbench.modalities import load_splits
    from synthbench.tasks import load_task

    return load_splits(load_task("mnist"), "quick").validation


# -- reports: runs of known metrics, and a real browser -----------------------------------------------------------
@pytest.fixture(scope="session")
def known_tstr() -> dict:
    """TSTR accuracy per seed (0, 1, 2) of a known store's generators (``run_dict``'s TRTR is 0.99 everywhere)."""
    return {"pca-gmm": [0.90, 0.92, 0.94], "cgan": [0.96, 0.975, 0.99], "acgan": [0.93, 0.90, 0.95], "real": [0.99, 0.99, 0.985]}


@pytest.fixture(scope="session")
def run_dict():
    """``run_dict(task, generator, seed, tstr, ...)``: a run for ``tracking.import_runs`` (``_run_dict``)."""
    return _run_dict


def _run_dict(task, generator, seed, tstr, *, version=1, status="FINISHED", fid=None, error=None, extra=None, t=0):
    """A run for ``synthbench.tracking.import_runs``, shaped like a real one (tags, params, metrics)."""
    from synthbench import keys

    metrics = {} if tstr is None else {keys.utility("synthetic", "accuracy"): tstr, keys.utility("real", "accuracy"): 0.99,
                                       keys.TSTR_OVER_TRTR: tstr / 0.99, keys.TOTAL_SECONDS: 100.0 + seed,
                                       keys.utility("synthetic", "macro_f1"): tstr - 0.01}
    if fid is not None:
        metrics[keys.FID] = fid
        metrics[keys.reference(keys.FID)] = 5.0
    tags = {keys.TAG_TASK: task, keys.TAG_GENERATOR: generator, keys.TAG_BUDGET: "standard", keys.TAG_SEED: str(seed),
            keys.TAG_STATUS: {"FINISHED": "completed"}.get(status, "failed"), "mlflow.runName": f"{generator}-{seed}"}
    if error:
        tags[keys.TAG_ERROR] = error
    params = {"task.name": task, "task.version": version, "generator.name": generator, "budget": "standard", "seed": seed,
              "generator.random_state": seed, "data.sha256.train.gz": "abc", "version.synthbench": "0.1.0"}
    return {"tags": tags, "params": params, "metrics": {**metrics, **(extra or {})}, "status": status,
            "start_time": 1_700_000_000_000 + t}


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


@pytest.fixture
def browser():
    """Headless Chromium driven by Selenium through the system's chromedriver, with the console log kept; tests
    that use it are marked ``browser`` (skipped without Chromium, except in CI)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1000"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    try:
        yield driver
    finally:
        driver.quit()
