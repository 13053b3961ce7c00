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


def test_the_training_command_writes_a_card_whose_weights_verify(tasks_dir, tmp_path, monkeypatch):
    """``synthbench train-extractor`` (the command every card names), on the tiny task for one epoch: weights and
    a card whose checksum, size and data checksums are the ones the run used, and which the loader verifies."""
    import hashlib

    from synthbench import extractor_training, extractors
    from synthbench.tasks import load_task

    card = extractor_training.train(str(tasks_dir / "tiny-mnist.toml"), epochs=1, seed=0, name="lenet-tiny",
                                    out_dir=tmp_path, batch_size=64)
    weights = tmp_path / "lenet-tiny.pt"
    assert card["sha256"] == hashlib.sha256(weights.read_bytes()).hexdigest()
    assert json.loads((tmp_path / "lenet-tiny.json").read_text()) == card
    assert card["best_epoch"] == 1 and 0 <= card["validation_accuracy"] <= 1
    assert (card["in_channels"], card["image_size"], card["num_classes"]) == (1, 28, 10)
    assert card["data_sha256"] and card["task"] == load_task(str(tasks_dir / "tiny-mnist.toml")).name
    monkeypatch.setattr(extractors, "HERE", tmp_path)
    assert verified_weights("lenet-tiny") == weights


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
