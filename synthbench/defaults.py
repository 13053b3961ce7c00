"""Every default in one place (the torch-fidelity ``defaults.py`` idea)."""

from __future__ import annotations

import os
from pathlib import Path

#: Entry-point groups: third-party packages register here, and so do the built-ins.
GENERATORS_GROUP = "synthbench.generators"
MODELS_GROUP = "synthbench.models"

#: Environment variables a user may set.
ENV_DATA_DIR = "SYNTHBENCH_DATA_DIR"
ENV_CACHE_DIR = "SYNTHBENCH_CACHE_DIR"
ENV_TASKS_DIR = "SYNTHBENCH_TASKS_DIR"
ENV_DOWNLOAD_MIRROR = "SYNTHBENCH_DOWNLOAD_MIRROR"  # base URL tried before the official sources
ENV_OFFLINE = "SYNTHBENCH_OFFLINE"  # "1": never download; a missing file is an error
ENV_TELEMETRY = "SYNTHBENCH_MLFLOW_TELEMETRY"  # "1" opts back in to MLflow's telemetry
ENV_VERBOSE = "SYNTHBENCH_VERBOSE"  # "1": MLflow's own log lines and libraries' warnings on the terminal (--verbose)

BUDGETS = ("quick", "standard", "full")
DEFAULT_BUDGET = "standard"
DEFAULT_SEED = 0
DEFAULT_DEVICE = "auto"
DEFAULT_EXPERIMENT = "synthbench"
#: MLflow 3's own default: a SQLite store in the working directory.
DEFAULT_TRACKING_URI = "sqlite:///mlflow.db"
DEFAULT_UI_PORT = 5000
#: Entry-point groups of the dataset catalogue and of further data modalities.
DATASETS_GROUP = "synthbench.datasets"
MODALITIES_GROUP = "synthbench.modalities"

#: How many synthetic rows a run samples: the size of the real training split (TSTR convention).
SYNTHETIC_SIZE = "train"

#: The folder that holds this package; its built-in task files are package data (``tasks/*.toml``).
PACKAGE_DIR = Path(__file__).resolve().parent
TASKS_DIR = PACKAGE_DIR / "tasks"
#: A source checkout (``pip install -e .``): the project folder, with ``datasets/`` (shipped copies) and its git
#: history. ``None`` for an installed wheel, whose datasets come from ``--data-dir`` or the download cache.
CHECKOUT = PACKAGE_DIR.parent if (PACKAGE_DIR.parent / "pyproject.toml").is_file() else None


def search_path(explicit, env_var: str, *fallbacks: Path) -> list[Path]:
    """Folders in order: ``explicit`` (an option), ``$env_var``, then ``fallbacks``; no duplicates."""
    dirs = [Path(p).expanduser() for p in (explicit, os.environ.get(env_var)) if p]
    out: list[Path] = []
    for d in [*dirs, *fallbacks]:
        if d not in out:
            out.append(d)
    return out


def cache_dir() -> Path:
    """Where downloads and feature caches go: $SYNTHBENCH_CACHE_DIR or ~/.cache/synthbench."""
    env = os.environ.get(ENV_CACHE_DIR)
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "synthbench"
