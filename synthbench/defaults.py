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
ENV_CORES = "SYNTHBENCH_CORES"  # the cores a run may use (a sweep divides the machine's cores among its workers)
ENV_VERBOSE = "SYNTHBENCH_VERBOSE"  # "1": MLflow's own log lines and libraries' warnings on the terminal (--verbose)

BUDGETS = ("quick", "standard", "full")
DEFAULT_BUDGET = "standard"
DEFAULT_SEED = 0
#: Seeds are NumPy seeds: integers in [0, 2**32 - 1].
MAX_SEED = 2**32 - 1
DEFAULT_DEVICE = "auto"
DEFAULT_EXPERIMENT = "synthbench"
#: MLflow 3's own default: a SQLite store in the working directory.
DEFAULT_TRACKING_URI = "sqlite:///mlflow.db"
DEFAULT_UI_PORT = 5000
#: Seconds a tracking server (http://...) has to answer before a run opens.
TRACKING_SERVER_TIMEOUT = 10.0
#: Seconds to wait for another process creating or upgrading a SQLite store; retries of a locked SQLite write.
STORE_LOCK_TIMEOUT = 300
STORE_RETRIES = 6
#: Sweeps: the folder of sweep files, a cell's time limit (seconds) unless the sweep sets one, how long a
#: cell's process has after SIGTERM (a timeout, the sweep's Ctrl-C) before SIGKILL, and how long a Dask
#: scheduler given with --scheduler has to answer.
SWEEPS_DIR = "sweeps"
SWEEP_CELL_TIMEOUT = 4 * 3600.0
SWEEP_KILL_GRACE = 30.0
DASK_CONNECT_TIMEOUT = 10.0
#: Free space (MiB) a local store's disk must have before a run opens.
MIN_FREE_MB = 64
#: Entry-point groups of the dataset catalogue and of further data modalities.
DATASETS_GROUP = "synthbench.datasets"
MODALITIES_GROUP = "synthbench.modalities"

#: The option that sets a run's real-data size (``synthbench run --train-size``, a sweep's ``train_sizes``): it wins
#: over the task's and the budget's ``train_size``, and its subset is drawn with the validation carve-out's seed
#: (one per run seed under ``--resplit``).
TRAIN_SIZE_OPTION = "--train-size"

#: How many synthetic rows a run samples: the size of the real training split (TSTR convention).
SYNTHETIC_SIZE = "train"

#: The folder that holds this package; its built-in task files are package data (``tasks/*.toml``).
PACKAGE_DIR = Path(__file__).resolve().parent
TASKS_DIR = PACKAGE_DIR / "tasks"
#: A source checkout (``pip install -e .``): the project folder, with ``datasets/`` (shipped copies) and its git
#: history. ``None`` for an installed wheel, whose datasets come from ``--data-dir`` or the download cache.
CHECKOUT = PACKAGE_DIR.parent if (PACKAGE_DIR.parent / "pyproject.toml").is_file() else None


#: The command-line option of each folder variable, for messages.
OPTION_OF = {ENV_DATA_DIR: "--data-dir", ENV_TASKS_DIR: "--tasks-dir"}


def search_path(explicit, env_var: str, *fallbacks: Path) -> list[Path]:
    """Folders in order: ``explicit`` (an option), ``$env_var``, then ``fallbacks``; no duplicates. A folder the
    user named (the option or the variable) must exist: a typo must not silently fall back to the built-ins."""
    from synthbench.exceptions import ConfigError

    dirs = []
    for value, source in ((explicit, OPTION_OF.get(env_var, "the option")), (os.environ.get(env_var), f"${env_var}")):
        if not value:
            continue
        d = Path(value).expanduser()
        if not d.is_dir():
            raise ConfigError(f"{source} {value} is not a folder (" + ("it is a file" if d.exists() else "it does not exist")
                              + ") - fix the path, or " + (f"leave {source} out" if source.startswith("-") else f"unset {source[1:]}")
                              + " to use the defaults")
        dirs.append(d)
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


#: Settings added after the first sweeps and boards were recorded, with the value that means "as before": a sweep
#: cell's identity and a report's configuration leave a setting out at that value, so runs recorded before it existed
#: stay the same cell (tests/test_sweep.py checks the board store's cells are still found) and the same report row.
ADDED_LATER = {("data", "subset_seed"): -1, ("downstream", "rows_per_epoch"): 0}


def as_before(section: str, name: str, value) -> bool:
    """Whether ``section.name = value`` is a setting added later at its "as before" value (a logged parameter's
    string "0" counts as 0)."""
    return (section, name) in ADDED_LATER and str(ADDED_LATER[section, name]) == str(value)
