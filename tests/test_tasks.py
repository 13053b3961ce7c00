
import pytest

from synthbench.exceptions import ConfigError, UnknownNameError
from synthbench.tasks import available_tasks, load_task, load_task_file, parse_task

MIN = {
    "name": "t", "version": 1, "modality": "image",
    "data": {"dataset": "mnist"}, "downstream": {"model": "cnn"},
    "budgets": {"quick": {"downstream_epochs": 1, "fidelity_samples": 10}},
}


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
