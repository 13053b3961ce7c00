import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
TASKS = FIXTURES / "tasks"


def pytest_addoption(parser):
    parser.addoption("--runslow", action="store_true", default=False, help="run the heavier tests marked slow")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--runslow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --runslow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path, monkeypatch):
    """No test reads or writes the user's cache, data dir or tracking store."""
    monkeypatch.setenv("SYNTHBENCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("SYNTHBENCH_DATA_DIR", raising=False)
    monkeypatch.delenv("SYNTHBENCH_TASKS_DIR", raising=False)
    monkeypatch.delenv("SYNTHBENCH_DOWNLOAD_MIRROR", raising=False)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")


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


@pytest.fixture
def cli():
    return synthbench_cli


def only_run(tracking_uri, experiment="synthbench"):
    import mlflow

    client = mlflow.tracking.MlflowClient(tracking_uri)
    exp = client.get_experiment_by_name(experiment)
    runs = client.search_runs([exp.experiment_id])
    assert len(runs) == 1, [r.info.run_id for r in runs]
    return runs[0]
