"""synthbench: how much does synthetic data from generator X help a model learn task Y?

The one-call API is :func:`synthbench.run` (the CLI is a thin layer over it). Heavy
libraries (torch, mlflow) are imported only where they are used.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("synthbench")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = ["__version__", "run"]


def run(*args, **kwargs):
    """Run one benchmark (see :func:`synthbench.runner.run`)."""
    from synthbench.runner import run as _run

    return _run(*args, **kwargs)
