"""Resolving a run's configuration: every value checked before a run opens - hyperparameters against the
constraints their class declares (``synthbench.constraints``), the seed, and the folders a user names."""

import pytest
from sklearn.base import BaseEstimator

from synthbench import config, registry
from synthbench.constraints import Interval
from synthbench.exceptions import ConfigError, ContractError, PluginError
from synthbench.testing import check_constraints


def test_a_replaced_hyperparameter_says_what_replaced_it():
    from synthbench.config import resolve_params

    with pytest.raises(ConfigError, match=r"generator 'cgan' has no hyperparameter 'epochs' any more \(from --param\) - "
                                          r"budgets are generator steps: pass e.g. --param steps="):
        resolve_params(registry.generators.get("cgan"), "generator 'cgan'", [("--param", {"epochs": "5"})])


@pytest.mark.parametrize("params, message", [
    ({"steps": "0"}, "'steps' must be an integer >= 1, got 0 (from --param) - pass e.g. --param steps="),
    ({"steps": "-3"}, "'steps' must be an integer >= 1, got -3"),
    ({"lr_g": "-1"}, "'lr_g' must be a number > 0, got -1.0"),
    ({"beta1": "1.0"}, "'beta1' must be a number in [0, 1), got 1.0"),
    ({"d_norm": "group"}, "'d_norm' must be one of 'batch', 'spectral', 'layer', 'none', got 'group'"),
])
def test_out_of_range_hyperparameters_are_refused_with_the_allowed_range(params, message, tasks_dir):
    with pytest.raises(ConfigError) as err:
        config.resolve("tiny-mnist", "cgan", "quick", params=params, tasks_dir=str(tasks_dir))
    assert message in str(err.value)


def test_a_bad_value_in_a_task_file_names_the_task_file(tmp_path, tasks_dir):
    text = (tasks_dir / "tiny-mnist.toml").read_text().replace("pca-gmm = { n_components = 5", "pca-gmm = { n_components = 0")
    (tmp_path / "tiny-mnist.toml").write_text(text)
    with pytest.raises(ConfigError, match=r"'n_components' must be an integer >= 1, got 0 \(from .*tiny-mnist.toml: "
                                          r"\[budgets.quick.generator_params\]\)"):
        config.resolve("tiny-mnist", "pca-gmm", "quick", tasks_dir=str(tmp_path))


def test_downstream_model_parameters_are_checked_too(tmp_path, tasks_dir):
    text = (tasks_dir / "tiny-mnist.toml").read_text().replace("channels = 8", "channels = 0")
    (tmp_path / "tiny-mnist.toml").write_text(text)
    with pytest.raises(ConfigError, match="downstream model 'cnn' hyperparameter 'channels' must be an integer >= 1"):
        config.resolve("tiny-mnist", "pca-gmm", "quick", tasks_dir=str(tmp_path))


@pytest.mark.parametrize("seed", [-1, 2**32, 2**70, 1.5, True])
def test_seeds_outside_numpys_range_are_refused(seed, tasks_dir):
    with pytest.raises(ConfigError, match=r"--seed must be an integer in \[0, 4294967295\]"):
        config.resolve("tiny-mnist", "pca-gmm", "quick", seed=seed, tasks_dir=str(tasks_dir))


def test_the_largest_seed_is_accepted(tasks_dir):
    assert config.resolve("tiny-mnist", "pca-gmm", "quick", seed=2**32 - 1, tasks_dir=str(tasks_dir)).seed == 2**32 - 1


def test_every_builtin_declares_constraints_its_defaults_obey():
    for reg in (registry.generators, registry.models):
        for name in reg.names():
            cls = reg.get(name)
            check_constraints(cls())
            config.resolve_params(cls, name, [])
    assert "steps" in registry.generators.get("cgan").constraints and "epochs" in registry.models.get("cnn").constraints


class _Plugin(BaseEstimator):
    modalities = ("image",)

    def __init__(self, steps=10, random_state=None):
        self.steps = steps
        self.random_state = random_state


def test_a_plugins_constraints_must_name_its_hyperparameters():
    class Typo(_Plugin):
        constraints = {"stepz": Interval(1)}

    with pytest.raises(PluginError, match="constraint on 'stepz'"):
        config.resolve_params(Typo, "generator 'typo'", [])
    with pytest.raises(ContractError, match="names 'stepz'"):
        check_constraints(Typo())


def test_a_plugins_default_that_breaks_its_constraint_is_its_own_bug():
    class Broken(_Plugin):
        constraints = {"steps": Interval(100)}

    with pytest.raises(ContractError, match="the default of 'steps' breaks its own constraint"):
        check_constraints(Broken())
    with pytest.raises(ConfigError, match="report it to its authors"):
        config.resolve_params(Broken, "generator 'broken'", [])
    assert config.resolve_params(Broken, "generator 'broken'", [("--param", {"steps": "200"})])["steps"] == 200


@pytest.mark.parametrize("option", ["tasks_dir", "data_dir"])
def test_folders_a_user_names_must_exist(option, tmp_path, monkeypatch):
    from synthbench import api

    missing = str(tmp_path / "nope")
    with pytest.raises(ConfigError, match=f"--{option.replace('_', '-')} {missing} is not a folder .it does not exist."):
        if option == "tasks_dir":
            config.resolve("mnist", "cgan", tasks_dir=missing)
        else:
            api.check_locations(data_dir=missing, tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}")
    monkeypatch.setenv("SYNTHBENCH_TASKS_DIR", missing)
    with pytest.raises(ConfigError, match=r"\$SYNTHBENCH_TASKS_DIR .* unset SYNTHBENCH_TASKS_DIR"):
        config.resolve("mnist", "cgan")


def test_each_run_seed_draws_its_own_train_size_subset(tasks_dir):
    """--train-size N: which N rows a run holds follows its seed (so the spread over seeds includes the draw), the
    same seed draws the same rows for every generator (paired comparisons), and a task may fix the draw."""
    import dataclasses

    from synthbench import pipeline

    def rows(seed, generator="real", task="tiny-table"):
        cfg = config.resolve(task, generator, "quick", tasks_dir=str(tasks_dir), seed=seed, train_size=40)
        return cfg, pipeline.load(cfg).train.frame

    cfg0, a = rows(0)
    _, again = rows(0, "gaussian-copula")
    _, b = rows(1)
    assert a.equals(again)
    assert not a.equals(b)
    assert cfg0.task.data.subset_seed >= 0 and cfg0.to_dict()["task"]["definition"]["data"]["subset_seed"] == cfg0.task.data.subset_seed
    fixed = dataclasses.replace(cfg0.task, data=dataclasses.replace(cfg0.task.data, subset_seed=7))
    f0 = config.resolve(fixed, "real", "quick", seed=0, train_size=40)
    f1 = config.resolve(fixed, "real", "quick", seed=1, train_size=40)
    assert f0.task.data.subset_seed == f1.task.data.subset_seed == 7
    assert pipeline.load(f0).train.frame.equals(pipeline.load(f1).train.frame)
    # without --train-size nothing changes: the task's own rows, whatever the seed
    whole = config.resolve("tiny-table", "real", "quick", tasks_dir=str(tasks_dir), seed=5)
    assert whole.task.data.subset_seed == -1


def test_a_train_size_run_recorded_before_subset_seeds_repeats_its_rows_or_is_refused(tasks_dir):
    """--from-run of a --train-size run recorded before [data].subset_seed: a table run draws its subset as it did
    (the validation carve-out's seed + 1); an image run, whose CNN then trained on a repeated set, is refused."""
    import json

    def recorded_before(task):
        record = config.resolve(task, "real", "quick", tasks_dir=str(tasks_dir), seed=2, train_size=50).to_dict()
        old = json.loads(json.dumps(record, default=str))  # as config.json holds it
        del old["task"]["definition"]["data"]["subset_seed"]
        return old

    table = config.resolve_recorded(recorded_before("tiny-table"), "r1")
    data = table.task.data
    assert data.subset_seed == (data.validation_seed if data.validation_seed >= 0 else data.split_seed) + 1
    with pytest.raises(ConfigError, match=r"run r2 is an image run with --train-size or --augment recorded before"):
        config.resolve_recorded(recorded_before("tiny-mnist"), "r2")
    # a record of this version repeats with its own subset seed
    now = config.resolve("tiny-table", "real", "quick", tasks_dir=str(tasks_dir), seed=2, train_size=50)
    assert config.resolve_recorded(json.loads(json.dumps(now.to_dict(), default=str)), "r3").task.data.subset_seed == now.task.data.subset_seed
