"""MLflow at the edges: where the store is, checking it can be written, and one run's record."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urlparse

from synthbench import defaults
from synthbench.exceptions import TrackingError


def quiet_mlflow() -> None:
    """Turn MLflow's telemetry off unless the user opted in (``SYNTHBENCH_MLFLOW_TELEMETRY=1``)."""
    if os.environ.get(defaults.ENV_TELEMETRY, "") not in ("1", "true", "yes"):
        os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"
    os.environ.setdefault("GIT_PYTHON_REFRESH", "quiet")
    os.environ.setdefault("MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING", "false")  # we ask for it per run
    import logging

    for name in ("mlflow", "alembic"):
        logging.getLogger(name).setLevel(logging.WARNING)


def resolve_tracking_uri(uri: str | None = None) -> str:
    """``--tracking-uri`` > ``$MLFLOW_TRACKING_URI`` > ``sqlite:///mlflow.db`` in the working directory.

    Local stores are made absolute so that ``synthbench ui`` finds the same one later.
    """
    uri = uri or os.environ.get("MLFLOW_TRACKING_URI") or defaults.DEFAULT_TRACKING_URI
    parsed = urlparse(uri)
    if parsed.scheme == "sqlite":
        path = uri[len("sqlite:///"):]
        if not path.startswith("/"):
            path = str(Path.cwd() / path)
        return "sqlite:///" + path
    if parsed.scheme in ("", "file"):
        path = parsed.path if parsed.scheme == "file" else uri
        return Path(path).expanduser().resolve().as_uri()
    return uri


def local_store_path(uri: str) -> Path | None:
    parsed = urlparse(uri)
    if parsed.scheme == "sqlite":
        return Path(uri[len("sqlite:///"):])
    if parsed.scheme == "file":
        return Path(parsed.path)
    return None


def artifact_root(uri: str) -> str | None:
    """Where a new experiment keeps artifacts: beside a local store (``mlartifacts/``)."""
    parsed = urlparse(uri)
    if parsed.scheme == "sqlite":
        return (local_store_path(uri).parent / "mlartifacts").as_uri()
    return None


def check_writable(uri: str) -> None:
    """Raise TrackingError unless a local store (and its artifact folder) can be created and written."""
    path = local_store_path(uri)
    if path is None:
        return
    fix = "pass --tracking-uri with a writable location (e.g. sqlite:///$HOME/mlflow.db) or set MLFLOW_TRACKING_URI"
    if urlparse(uri).scheme == "file" and os.environ.get("MLFLOW_ALLOW_FILE_STORE", "").lower() not in ("1", "true"):
        raise TrackingError(f"MLflow 3 refuses the file store {uri} unless MLFLOW_ALLOW_FILE_STORE=true - set it, or use a sqlite:/// URI")
    folder = path.parent if urlparse(uri).scheme == "sqlite" else path
    targets = [folder, folder / "mlartifacts"] if urlparse(uri).scheme == "sqlite" else [folder]
    for d in targets:
        try:
            d.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=d, prefix=".synthbench-write-test-"):
                pass
        except OSError as exc:
            raise TrackingError(f"cannot write the MLflow tracking location {d}: {exc.strerror or exc} - {fix}") from None
    if path.exists() and urlparse(uri).scheme == "sqlite":
        try:
            with open(path, "ab"):
                pass
        except OSError as exc:
            raise TrackingError(f"cannot write the MLflow store {path}: {exc.strerror or exc} - {fix}") from None


def setup(uri: str | None, experiment: str) -> tuple[str, str]:
    """Point MLflow at the store and experiment (created if needed); return ``(uri, experiment_id)``."""
    quiet_mlflow()
    uri = resolve_tracking_uri(uri)
    check_writable(uri)
    import mlflow

    mlflow.set_tracking_uri(uri)
    try:
        exp = mlflow.get_experiment_by_name(experiment)
        exp_id = exp.experiment_id if exp else mlflow.create_experiment(experiment, artifact_location=artifact_root(uri))
    except Exception as exc:  # the store answered with an error
        raise TrackingError(f"cannot open MLflow store {uri}: {type(exc).__name__}: {exc} - check --tracking-uri") from exc
    return uri, exp_id


def git_commit() -> str:
    """The commit of the synthbench source tree, or 'unknown' (installed from a wheel, no git)."""
    try:
        out = subprocess.run(["git", "-C", str(defaults.SOURCE_ROOT), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5)
        if out.returncode == 0:
            dirty = subprocess.run(["git", "-C", str(defaults.SOURCE_ROOT), "status", "--porcelain", "--untracked-files=no"],
                                   capture_output=True, text=True, timeout=5).stdout.strip()
            return out.stdout.strip() + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        pass
    return "unknown"


PACKAGES = ("synthbench", "torch", "torchvision", "torch-fidelity", "mlflow", "numpy", "scikit-learn", "pandas",
            "sdv", "xgboost")


def package_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for p in PACKAGES:
        try:
            out[p] = version(p)
        except PackageNotFoundError:
            out[p] = "not installed"
    import platform

    out["python"] = platform.python_version()
    return out


def flatten(d: dict, prefix: str = "") -> dict[str, str]:
    """Nested dict -> ``{"a.b.c": "value"}`` with values as MLflow-safe strings."""
    out = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(flatten(v, key + "."))
        else:
            s = json.dumps(v) if isinstance(v, (list, tuple, bool)) or v is None else str(v)
            out[key] = s[:6000]
    return out


def log_params(params: dict[str, str]) -> None:
    import mlflow

    items = list(params.items())
    for i in range(0, len(items), 100):
        mlflow.log_params(dict(items[i:i + 100]))


def log_json(obj, artifact_file: str) -> None:
    import mlflow

    mlflow.log_dict(obj, artifact_file)
