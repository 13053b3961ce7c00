
import pytest

from synthbench.exceptions import ConfigError, UnknownNameError
from synthbench.tasks import available_tasks, load_task, load_task_file, parse_task

MIN = {
    "name": "t", "version": 1, "modality": "image",
    "data": {"dataset": "mnist"}, "downstream": {"model": "cnn"}, "metrics": {"feature_extractor": "lenet-mnist"},
    "budgets": {"quick": {"downstream_epochs": 1, "fidelity_samples": 10}},
}


def _with(section: str, **values) -> dict:
    """``MIN`` with ``values`` set in ``section`` ("data", "budgets.quick", "" for the top level)."""
    raw = {k: (dict(v) if isinstance(v, dict) else v) for k, v in MIN.items()}
    if not section:
        return {**raw, **values}
    if section.startswith("budgets."):
        raw["budgets"] = {**raw["budgets"], section[8:]: {**raw["budgets"][section[8:]], **values}}
    else:
        raw[section] = {**raw.get(section, {}), **values}
    return raw


def test_builtin_mnist_task_parses():
    task = load_task("mnist")
    assert task.modality == "image" and task.data.dataset == "mnist"
    assert set(task.budgets) == {"quick", "standard", "full"}
    assert task.regimes.run == ("real", "synthetic", "mixed")


def test_unknown_top_level_key_is_an_error():
    with pytest.raises(ConfigError, match=r"unknown key\(s\) colour"):
        parse_task({**MIN, "colour": "red"})


def test_unknown_nested_key_is_an_error():
    with pytest.raises(ConfigError, match=r"\[data\]: unknown key\(s\) tagret"):
        parse_task({**MIN, "data": {"dataset": "mnist", "tagret": "y"}})


def test_wrong_type_is_an_error():
    with pytest.raises(ConfigError, match=r"validation_size: expected int"):
        parse_task({**MIN, "data": {"dataset": "mnist", "validation_size": "lots"}})


def test_unknown_regime_and_budget():
    with pytest.raises(ConfigError, match="unknown regime 'fake'"):
        parse_task({**MIN, "regimes": {"run": ["real", "fake"]}})
    with pytest.raises(ConfigError, match="unknown budget 'huge'"):
        parse_task({**MIN, "budgets": {"huge": {"downstream_epochs": 1, "fidelity_samples": 1}}})


def test_modality_checks_refuse_what_the_modality_cannot_run():
    with pytest.raises(ConfigError, match=r"\[data\].train_file \(a CSV\) is for table tasks"):
        parse_task({**MIN, "data": {"train_file": "x.csv"}})


def test_unknown_task_suggests():
    with pytest.raises(UnknownNameError) as err:
        load_task("mnsit")
    assert "did you mean 'mnist'?" in str(err.value) and "available:" in str(err.value)


def test_user_tasks_dir(tmp_path, tasks_dir):
    assert "tiny-mnist" in available_tasks(tasks_dir)
    assert load_task("tiny-mnist", tasks_dir).data.train_size == 600


def test_file_name_must_match(tmp_path, tasks_dir):
    p = tmp_path / "other.toml"
    p.write_text((tasks_dir / "tiny-mnist.toml").read_text())
    with pytest.raises(ConfigError, match="must match the file name"):
        load_task_file(p)


def test_bad_toml(tmp_path):
    p = tmp_path / "x.toml"
    p.write_text("name = ")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_task_file(p)


def test_every_shipped_task_parses_and_has_its_verified_extractor():
    from synthbench.extractors import load_card, verified_weights
    from synthbench.tasks import available_tasks, load_task_file

    tasks = available_tasks()
    assert {"mnist", "fashion-mnist", "adult", "diamonds", "lending-club"} <= set(tasks)
    for name, path in tasks.items():
        task = load_task_file(path)
        if task.modality != "image":  # table tasks need no feature extractor (their loading is tested in test_data)
            continue
        card = load_card(task.metrics.feature_extractor)
        assert card["dataset"] == task.data.dataset and verified_weights(card["name"]).is_file()


# -- values checked against the schema when the file is read ----------------------------------------------

def test_minimal_task_parses():
    """The base of the cases below is valid: each of them fails for its one bad value."""
    task = parse_task(MIN)
    assert task.metrics.feature_extractor == "lenet-mnist" and task.budgets["quick"].fidelity_samples == 10


@pytest.mark.parametrize("section,key,value,message", [
    ("data", "validation_size", 0, r"t: \[data\]\.validation_size must be an integer >= 1, got 0 - the validation split selects"),
    ("data", "split_seed", -1, r"\[data\]\.split_seed must be an integer >= 0, got -1 - NumPy seeds are non-negative: use e\.g\. 0"),
    ("data", "train_size", -5, r"\[data\]\.train_size must be an integer >= 0, got -5 - use 0 \(the whole training split\)"),
    ("data", "test_size", -1, r"\[data\]\.test_size must be an integer >= 0, got -1"),
    ("data", "test_fraction", 1.0, r"\[data\]\.test_fraction must be a number in \[0, 1\), got 1\.0"),
    ("budgets.quick", "fidelity_samples", 0, r"\[budgets\.quick\]\.fidelity_samples must be an integer >= 2, got 0 - FID and KID need 2"),
    ("budgets.quick", "fidelity_samples", 1, r"\[budgets\.quick\]\.fidelity_samples must be an integer >= 2, got 1"),
    ("budgets.quick", "privacy_samples", -1, r"\[budgets\.quick\]\.privacy_samples must be an integer >= 1, got -1"),
    ("budgets.quick", "downstream_epochs", -2, r"\[budgets\.quick\]\.downstream_epochs must be an integer >= 0, got -2"),
    ("budgets.quick", "train_size", -1, r"\[budgets\.quick\]\.train_size must be an integer >= 0, got -1"),
    ("metrics", "kid_subset_size", 0, r"\[metrics\]\.kid_subset_size must be an integer >= 2, got 0 - KID's unbiased estimate"),
    ("metrics", "kid_subset_size", -3, r"\[metrics\]\.kid_subset_size must be an integer >= 2, got -3"),
    ("regimes", "mixed_synthetic_share", 1.0, r"\[regimes\]\.mixed_synthetic_share must be a number in \(0, 1\), got 1\.0"),
    ("regimes", "run", [], r"\[regimes\]\.run must list at least 1, got \[\] - a run scores utility"),
    ("regimes", "run", ["real", "real"], r"\[regimes\]\.run lists 'real' more than once"),
    ("regimes", "run", ["synthetic", "mixed"], r"\[regimes\]\.run = \['synthetic', 'mixed'\] has 'synthetic' without 'real'"),
    ("", "version", 0, r"t: version must be an integer >= 1, got 0"),
    ("", "version", True, r"t: version must be an integer, got True"),
    ("", "version", "1", r"t: version must be an integer, got '1'"),
])
def test_out_of_range_values_fail_when_the_file_is_read(section, key, value, message):
    with pytest.raises(ConfigError, match=message):
        parse_task(_with(section, **{key: value}), "t")


@pytest.mark.parametrize("section,values,message", [
    ("budgets.quick", {"downstream_epochs": 0}, r"\[budgets\.quick\]\.downstream_epochs must be an integer >= 1 for an image task, got 0"),
    ("metrics", {"feature_extractor": ""}, r"\[metrics\]\.feature_extractor is empty - image fidelity .* name one of .*lenet-mnist"),
    ("data", {"positive": "7"}, r"\[data\]\.positive is a table-task setting, which an image task would ignore - remove it"),
    ("data", {"dataset": "mnsit"}, r"\[data\]\.dataset: unknown dataset 'mnsit' - did you mean 'mnist'\?"),
    ("data", {"test_file": "test.csv"}, r"\[data\]\.test_file goes with a train_file"),
])
def test_settings_the_task_cannot_use_fail_when_the_file_is_read(section, values, message):
    with pytest.raises(ConfigError, match=message):
        parse_task(_with(section, **values), "t")


@pytest.mark.parametrize("name", ["../x", "../extractors/lenet-mnist", "/etc/passwd", "a/b", "x..y", "LeNet"])
def test_feature_extractor_is_a_name_not_a_path(name):
    with pytest.raises(ConfigError, match=r"\[metrics\]\.feature_extractor: feature extractor .* is not a name - extractors "
                                          r"are named, not given as paths"):
        parse_task(_with("metrics", feature_extractor=name), "t")


def test_unknown_feature_extractor_fails_before_a_run():
    with pytest.raises(ConfigError, match=r"\[metrics\]\.feature_extractor: unknown feature extractor 'lenet-mnsit' - "
                                          r"did you mean 'lenet-mnist'\?"):
        parse_task(_with("metrics", feature_extractor="lenet-mnsit"), "t")


def test_table_settings_checked_when_the_file_is_read(tmp_path, table_task, frames):
    train, _ = frames()
    columns = {"x": "numerical", "colour": "categorical", "count": "integer", "label": "categorical"}
    with pytest.raises(ConfigError, match=r"\[data.columns\]\.x = 'text' - declare one of 'categorical', 'numerical', 'integer'"):
        load_task_file(table_task(tmp_path, train, columns={**columns, "x": "text"}))
    with pytest.raises(ConfigError, match=r"gives a test_file and test_fraction = 0.2 - .* remove one of them"):
        load_task_file(table_task(tmp_path, train, train, extra="test_fraction = 0.2"))
    path = table_task(tmp_path, train, train, columns={**columns, "label": "numerical"}, extra='problem = "regression"')
    with pytest.raises(ConfigError, match=r"\[metrics\]\.utility lists 'accuracy', 'f1', 'auroc', which a regression target "
                                          r"\('label'\) cannot score - list only r2, rmse"):
        load_task_file(path)
    path = table_task(tmp_path, train, train)
    load_task_file(path)
    path.write_text(path.read_text().replace("[budgets.full]", "[budgets.full]\ndownstream_epochs = 2"))
    with pytest.raises(ConfigError, match=r"\[budgets\.full\]\.downstream_epochs is an image-task setting"):
        load_task_file(path)


def test_shipped_tasks_are_valid_under_every_check():
    """``synthbench list`` shows no invalid task: every shipped file passes the schema's ranges and checks."""
    for name, path in available_tasks().items():
        assert load_task_file(path).name == name


def test_a_recorded_definition_parses_again(tasks_dir):
    """``--from-run`` parses the definition a run recorded (defaults filled in, lists as JSON lists) with the same
    checks: every value the schema filled in must pass them."""
    import json

    for task in (load_task("mnist"), load_task("diamonds"), load_task("tiny-table", tasks_dir)):
        definition = json.loads(json.dumps(task.to_dict()))
        path = definition.pop("path")
        assert parse_task(definition, path) == task
