import pytest

from synthbench import registry
from synthbench.config import resolve
from synthbench.exceptions import ConfigError, PluginError, UnknownNameError

from .conftest import TASKS


def test_builtins_come_from_entry_points():
    entries = {e.name: e for e in registry.generators.entries()}
    assert {"cgan", "real", "pca-gmm"} <= set(entries)
    assert all(entries[n].distribution == "synthbench" for n in ("cgan", "real", "pca-gmm"))


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


def test_param_override_checked_against_signature():
    with pytest.raises(UnknownNameError, match="hyperparameter of generator 'cgan' 'epoch' - did you mean 'epochs'"):
        resolve("tiny-mnist", "cgan", "quick", params={"epoch": "2"}, tasks_dir=TASKS)
    with pytest.raises(ConfigError, match="'epochs' expects int"):
        resolve("tiny-mnist", "cgan", "quick", params={"epochs": "two"}, tasks_dir=TASKS)


def test_param_layers_budget_task_then_user():
    cfg = resolve("tiny-mnist", "cgan", "quick", seed=3, device="cpu", params={"lr_g": "1e-4"}, tasks_dir=TASKS)
    p = cfg.generator_params
    assert p["epochs"] == 1 and p["width"] == 8  # task file budget
    assert p["lr_g"] == 1e-4 and isinstance(p["lr_g"], float)  # user
    assert p["random_state"] == 3 and p["device"] == "cpu"
    assert cfg.model_params["epochs"] == 3 and cfg.model_params["channels"] == 8


def test_unknown_budget():
    with pytest.raises(UnknownNameError, match="did you mean 'quick'"):
        resolve("tiny-mnist", "real", "quik", tasks_dir=TASKS)
