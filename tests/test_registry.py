"""The registries (generators, downstream models, datasets, modalities) and plug-ins as a user installs them:
real packages with entry points, installed with pip."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import synthbench
from synthbench import registry
from synthbench.config import resolve
from synthbench.exceptions import ConfigError, PluginError, UnknownNameError


def test_builtins_come_from_entry_points():
    entries = {e.name: e for e in registry.generators.entries()}
    assert {"cgan", "real", "pca-gmm"} <= set(entries)
    assert all(entries[n].distribution == "synthbench" for n in ("cgan", "real", "pca-gmm"))


def test_datasets_and_modalities_are_registered_like_generators():
    from synthbench.data import catalog

    assert {"mnist", "fashion-mnist", "adult", "diamonds", "lending-club"} <= set(registry.datasets.names())
    assert registry.datasets.get("mnist") is catalog.MNIST and registry.datasets.get("adult").reader == "uci-adult"
    with pytest.raises(UnknownNameError, match="unknown dataset 'mnsit' - did you mean 'mnist'?"):
        registry.datasets.get("mnsit")
    assert {"image", "table"} <= set(registry.modalities.names())
    assert registry.modalities.get("table").name == "table"


def test_unknown_generator_did_you_mean():
    with pytest.raises(UnknownNameError) as err:
        registry.generators.get("cgna")
    msg = str(err.value)
    assert msg.startswith("unknown generator 'cgna' - did you mean 'cgan'?")
    assert "available: acgan, cgan" in msg and "real" in msg


def test_register_refuses_duplicates_bad_names_and_non_generators():
    from synthbench.generators.baselines import RealBootstrap

    with pytest.raises(ConfigError, match="already registered"):
        registry.generators.register("real", RealBootstrap)
    with pytest.raises(ConfigError, match="invalid"):
        registry.generators.register("Bad Name", RealBootstrap)

    class NoSample:
        def fit(self, train):
            return self

        def get_params(self):
            return {}

    with pytest.raises(PluginError, match="lacks method"):
        registry.generators.register("nosample", NoSample)
    assert "nosample" not in registry.generators.names()


def test_param_override_checked_against_signature(tasks_dir):
    with pytest.raises(UnknownNameError, match="hyperparameter of generator 'cgan' 'step' - did you mean 'steps'"):
        resolve("tiny-mnist", "cgan", "quick", params={"step": "2"}, tasks_dir=tasks_dir)
    with pytest.raises(ConfigError, match="'steps' expects int"):
        resolve("tiny-mnist", "cgan", "quick", params={"steps": "two"}, tasks_dir=tasks_dir)


def test_param_layers_budget_task_then_user(tasks_dir):
    cfg = resolve("tiny-mnist", "cgan", "quick", seed=3, device="cpu", params={"lr_g": "1e-4"}, tasks_dir=tasks_dir)
    p = cfg.generator_params
    assert p["steps"] == 9 and p["width"] == 8  # task file budget
    assert p["lr_g"] == 1e-4 and isinstance(p["lr_g"], float)  # user
    assert p["random_state"] == 3 and p["device"] == "cpu"
    assert cfg.model_params["epochs"] == 3 and cfg.model_params["channels"] == 8


def test_unknown_budget(tasks_dir):
    with pytest.raises(UnknownNameError, match="did you mean 'quick'"):
        resolve("tiny-mnist", "real", "quik", tasks_dir=tasks_dir)


# -- plug-ins installed with pip -----------------------------------------------------------------------

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
def plugin_site(tmp_path_factory, repo_root):
    """A site folder holding the example plug-in and a package of broken ones, installed by pip."""
    site = tmp_path_factory.mktemp("site")
    _pip_install(repo_root / "examples" / "synthbench-example-plugin", site)
    src = tmp_path_factory.mktemp("broken-src")
    for name, text in BROKEN.items():
        (src / name).write_text(textwrap.dedent(text))
    _pip_install(src, site)
    return {"PYTHONPATH": str(site)}


def test_list_shows_plugins_and_survives_a_broken_one(plugin_site, cli):
    out = cli("list", env=plugin_site)
    assert out.returncode == 0, out.stderr
    text = " ".join(out.stdout.split())
    assert "pixel-gauss" in text and "synthbench-example-plugin" in text
    assert "toy-broken" in text and "broken" in text and "synthbench-broken-plugins" in out.stdout.replace("\n", "")
    assert "cgan" in text and "real" in text  # the others still work


def test_example_plugin_runs_through_the_cli(plugin_site, tracking_uri, tmp_path, cli, tasks_dir, only_run):
    proc = cli("run", "-g", "pixel-gauss", "-t", "tiny-mnist", "--tasks-dir", str(tasks_dir), "--budget", "quick",
               "--param", "shrink=0.5", "--tracking-uri", tracking_uri, "--no-system-metrics",
               env=plugin_site, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    run = only_run(tracking_uri)
    assert run.info.status == "FINISHED"
    assert run.data.params["generator.shrink"] == "0.5"
    assert 0.0 <= run.data.metrics["utility/synthetic/accuracy"] <= 1.0
    # the plug-in's own constraint is checked before a run opens, as the built-ins' are
    bad = cli("run", "-g", "pixel-gauss", "-t", "tiny-mnist", "--tasks-dir", str(tasks_dir), "--param", "shrink=-1",
              "--tracking-uri", tracking_uri, env=plugin_site, cwd=tmp_path)
    assert bad.returncode == 2 and "'shrink' must be a number >= 0, got -1.0 (from --param)" in bad.stderr, bad.stderr
    assert len(synthbench.load_runs(tracking_uri)) == 1


def test_example_plugin_passes_check_generator(plugin_site):
    code = "from synthbench_example_plugin import PixelGaussian; from synthbench.testing import check_generator; print(check_generator(PixelGaussian()))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, **plugin_site})
    assert out.returncode == 0, out.stderr
    assert "seeded" in out.stdout


def test_broken_plugin_is_one_clear_error_and_others_still_run(plugin_site, tracking_uri, tmp_path, cli, tasks_dir):
    proc = cli("run", "-g", "toy-broken", "-t", "tiny-mnist", "--tasks-dir", str(tasks_dir),
               "--tracking-uri", tracking_uri, env=plugin_site, cwd=tmp_path)
    assert proc.returncode == 2
    err = [l for l in proc.stderr.splitlines() if l.startswith("error")]
    assert len(err) == 1 and "Traceback" not in proc.stderr
    assert "'toy-broken' from distribution 'synthbench-broken-plugins' failed to import" in err[0]
    assert "this_module_does_not_exist" in err[0]
    ok = cli("run", "-g", "real", "-t", "tiny-mnist", "--tasks-dir", str(tasks_dir), "--budget", "quick",
             "--tracking-uri", tracking_uri, "--no-system-metrics", "--no-save-synthetic", env=plugin_site, cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr


@pytest.mark.parametrize("name, message", [
    ("toy-badshape", r"returned images of shape (600, 1, 14, 14), expected (600, 1, 28, 28)"),
    pytest.param("toy-badlabels", "rows whose labels differ from the labels asked for", marks=pytest.mark.slow),
    pytest.param("toy-baddtype", "returned images of dtype float32, expected uint8", marks=pytest.mark.slow),
])
def test_plugin_breaking_the_contract_fails_the_run_clearly(plugin_site, tracking_uri, tmp_path, name, message, cli,
                                                            tasks_dir, only_run):
    proc = cli("run", "-g", name, "-t", "tiny-mnist", "--tasks-dir", str(tasks_dir), "--tracking-uri", tracking_uri,
               "--no-system-metrics", env=plugin_site, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    err = [l for l in proc.stderr.splitlines() if l.startswith("error")]
    assert len(err) == 1 and message in err[0], proc.stderr
    run = only_run(tracking_uri)
    assert run.info.status == "FAILED" and message in run.data.tags["synthbench.error"]
