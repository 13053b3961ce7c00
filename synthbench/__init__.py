"""synthbench: how much does synthetic data from generator X help a model learn task Y?

The API: :func:`run` (one run, recorded in MLflow), :func:`rerun` (repeat a recorded run), :func:`load_runs`
(runs back as a pandas frame) and :func:`check_generator` (the generator contract as a test suite). The CLI
is a thin layer over them. Heavy libraries (torch, mlflow) are imported only where they are used.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("synthbench")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = ["__version__", "check_generator", "load_runs", "rerun", "run"]


def run(*args, **kwargs):
    """Run one benchmark and record it (see :func:`synthbench.api.run`)."""
    from synthbench import api

    return api.run(*args, **kwargs)


def rerun(*args, **kwargs):
    """Repeat a recorded run from its record (see :func:`synthbench.api.rerun`)."""
    from synthbench import api

    return api.rerun(*args, **kwargs)


def load_runs(*args, **kwargs):
    """Runs of a tracking store as a pandas frame, one row per run (see :func:`synthbench.tracking.load_runs`)."""
    from synthbench import tracking

    return tracking.load_runs(*args, **kwargs)


def check_generator(*args, **kwargs):
    """Run the generator contract's checks (see :func:`synthbench.testing.check_generator`)."""
    from synthbench import testing

    return testing.check_generator(*args, **kwargs)
