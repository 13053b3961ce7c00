"""The domain feature extractors: shipped weights verified against their card, corrupt weights refused."""

import json

import pytest

from synthbench.exceptions import ConfigError, DatasetError
from synthbench.extractors import available, check_name, load_card, verified_weights


def test_shipped_extractor_is_verified():
    card = load_card("lenet-mnist")
    assert verified_weights("lenet-mnist").name == "lenet-mnist.pt"
    assert card["validation_accuracy"] > 0.98 and "synthbench train-extractor" in card["command"]


def test_corrupt_weights_are_refused(tmp_path, monkeypatch):
    from synthbench import extractors

    card = load_card("lenet-mnist")
    monkeypatch.setattr(extractors, "HERE", tmp_path)
    (tmp_path / "lenet-mnist.json").write_text(json.dumps(card))
    (tmp_path / "lenet-mnist.pt").write_bytes(b"not weights")
    with pytest.raises(DatasetError, match="corrupt.*synthbench train-extractor"):
        verified_weights("lenet-mnist")


def test_the_training_command_imports():
    """``synthbench train-extractor`` (the command every card names) loads its module."""
    from synthbench import extractor_training

    assert callable(extractor_training.train)


@pytest.mark.parametrize("name", ["../extractors/lenet-mnist", "/tmp/lenet-mnist", "a/b", "..", "x..y", "Lenet", ""])
def test_an_extractor_is_named_never_a_path(name):
    """``../extractors/lenet-mnist`` would otherwise reach a real card through the parent folder."""
    with pytest.raises(ConfigError, match="is not a name - extractors are named, not given as paths: use one of lenet-"):
        load_card(name)
    with pytest.raises(ConfigError, match="is not a name"):
        verified_weights(name)


def test_shipped_extractor_names_are_names():
    assert {"lenet-mnist", "lenet-fashion-mnist"} <= set(available())
    assert all(check_name(n) == n for n in available())
