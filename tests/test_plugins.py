"""Plug-ins as a user installs them: real packages with entry points, installed with pip."""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from .conftest import ROOT, TASKS, only_run, synthbench_cli

BROKEN = {
    "pyproject.toml": """
        [build-system]
        requires = ["setuptools>=68"]
        build-backend = "setuptools.build_meta"
        [project]
        name = "synthbench-broken-plugins"
        version = "0.0.1"
        [project.entry-points."synthbench.generators"]
        toy-broken = "toy_broken:Generator"
        toy-badshape = "toy_bad:BadShape"
        toy-badlabels = "toy_bad:BadLabels"
        toy-baddtype = "toy_bad:BadDtype"
        [tool.setuptools]
        py-modules = ["toy_broken", "toy_bad"]
    """,
    "toy_broken.py": """
        import this_module_does_not_exist  # the plug-in fails to import
    """,
    "toy_bad.py": """
        import numpy as np
        from sklearn.base import BaseEstimator
        from synthbench.data import LabeledImages

        class _Base(BaseEstimator):
            def __init__(self, random_state=None):
                self.random_state = random_state
            def fit(self, train, callback=None):
                self.shape_, self.k_ = train.image_shape, train.num_classes
                return self

        class BadShape(_Base):
            def sample(self, n, labels=None):
                y = np.zeros(n, np.int64) if labels is None else np.asarray(labels)
                return LabeledImages(np.zeros((n, 1, 14, 14), np.uint8), y, self.k_)

        class BadLabels(_Base):
            def sample(self, n, labels=None):
                return LabeledImages(np.zeros((n, *self.shape_), np.uint8), np.zeros(n, np.int64), self.k_)

        class BadDtype(_Base):
            def sample(self, n, labels=None):
                y = np.zeros(n, np.int64) if labels is None else np.asarray(labels)
                return LabeledImages(np.zeros((n, *self.shape_), np.float32), y, self.k_)
    """,
}


def _pip_install(src: Path, target: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                    "--target", str(target), str(src)], check=True, capture_output=True, text=True)


@pytest.fixture(scope="module")
def plugin_site(tmp_path_factory):
    """A site folder holding the example plug-in and a package of broken ones, installed by pip."""
    site = tmp_path_factory.mktemp("site")
    _pip_install(ROOT / "examples" / "synthbench-example-plugin", site)
    src = tmp_path_factory.mktemp("broken-src")
    for name, text in BROKEN.items():
        (src / name).write_text(textwrap.dedent(text))
    _pip_install(src, site)
    return {"PYTHONPATH": str(site)}


def test_list_shows_plugins_and_survives_a_broken_one(plugin_site):
    out = synthbench_cli("list", env=plugin_site)
    assert out.returncode == 0, out.stderr
    text = " ".join(out.stdout.split())
    assert "pixel-gauss" in text and "synthbench-example-plugin" in text
    assert "toy-broken" in text and "broken" in text and "synthbench-broken-plugins" in out.stdout.replace("\n", "")
    assert "cgan" in text and "real" in text  # the others still work


def test_example_plugin_runs_through_the_cli(plugin_site, tracking_uri, tmp_path):
    proc = synthbench_cli("run", "-g", "pixel-gauss", "-t", "tiny-mnist", "--tasks-dir", str(TASKS), "--budget", "quick",
                          "--param", "shrink=0.5", "--tracking-uri", tracking_uri, "--no-system-metrics",
                          env=plugin_site, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    run = only_run(tracking_uri)
    assert run.info.status == "FINISHED"
    assert run.data.params["generator.shrink"] == "0.5"
    assert 0.0 <= run.data.metrics["utility/synthetic/accuracy"] <= 1.0


def test_example_plugin_passes_check_generator(plugin_site):
    code = "from synthbench_example_plugin import PixelGaussian; from synthbench.testing import check_generator; print(check_generator(PixelGaussian()))"
    import os

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, **plugin_site})
    assert out.returncode == 0, out.stderr
    assert "seeded" in out.stdout


def test_broken_plugin_is_one_clear_error_and_others_still_run(plugin_site, tracking_uri, tmp_path):
    proc = synthbench_cli("run", "-g", "toy-broken", "-t", "tiny-mnist", "--tasks-dir", str(TASKS),
                          "--tracking-uri", tracking_uri, env=plugin_site, cwd=tmp_path)
    assert proc.returncode == 2
    err = [l for l in proc.stderr.splitlines() if l.startswith("error")]
    assert len(err) == 1 and "Traceback" not in proc.stderr
    assert "'toy-broken' from distribution 'synthbench-broken-plugins' failed to import" in err[0]
    assert "this_module_does_not_exist" in err[0]
    ok = synthbench_cli("run", "-g", "real", "-t", "tiny-mnist", "--tasks-dir", str(TASKS), "--budget", "quick",
                        "--tracking-uri", tracking_uri, "--no-system-metrics", "--no-save-synthetic", env=plugin_site, cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr


@pytest.mark.parametrize("name, message", [
    ("toy-badshape", r"returned images of shape (600, 1, 14, 14), expected (600, 1, 28, 28)"),
    ("toy-badlabels", "rows whose labels differ from the labels asked for"),
    ("toy-baddtype", "returned images of dtype float32, expected uint8"),
])
def test_plugin_breaking_the_contract_fails_the_run_clearly(plugin_site, tracking_uri, tmp_path, name, message):
    proc = synthbench_cli("run", "-g", name, "-t", "tiny-mnist", "--tasks-dir", str(TASKS), "--tracking-uri", tracking_uri,
                          "--no-system-metrics", env=plugin_site, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    err = [l for l in proc.stderr.splitlines() if l.startswith("error")]
    assert len(err) == 1 and message in err[0], proc.stderr
    run = only_run(tracking_uri)
    assert run.info.status == "FAILED" and message in run.data.tags["synthbench.error"]
