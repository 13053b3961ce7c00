import numpy as np
import pytest

from synthbench import datasets, keys
from synthbench.exceptions import DatasetError
from synthbench.extractors import load_card, verified_weights
from synthbench.metrics.image_fidelity import compute_fidelity


@pytest.fixture(scope="module")
def mnist():
    x_tr, y_tr, x_te, y_te, _ = datasets.load_idx_images(datasets.MNIST, download=False)
    return x_tr[:, None], y_tr, x_te[:, None], y_te


def test_shipped_extractor_is_verified():
    card = load_card("lenet-mnist")
    assert verified_weights("lenet-mnist").name == "lenet-mnist.pt"
    assert card["validation_accuracy"] > 0.98 and "synthbench train-extractor" in card["command"]


def test_real_vs_real_is_good_and_noise_is_bad(mnist):
    x_tr, _, x_te, _ = mnist
    rng = np.random.default_rng(0)
    real = x_te[:1000]
    same = compute_fidelity(x_tr[:1000], real, "lenet-mnist", kid_subset_size=500)
    noise = compute_fidelity(rng.integers(0, 256, size=(1000, 1, 28, 28), dtype=np.uint8), real, "lenet-mnist", kid_subset_size=500)
    assert set(same) == {keys.FID, keys.KID, keys.KID_STD, keys.PRECISION, keys.RECALL}
    assert same[keys.FID] < noise[keys.FID] / 10
    assert same[keys.PRECISION] > 0.5 and same[keys.RECALL] > 0.5
    assert noise[keys.PRECISION] < same[keys.PRECISION] and noise[keys.RECALL] < same[keys.RECALL] / 2, (same, noise)


def test_one_class_only_loses_recall(mnist):
    x_tr, y_tr, x_te, _ = mnist
    ones = x_tr[y_tr == 1][:1000]
    res = compute_fidelity(ones, x_te[:1000], "lenet-mnist", metrics=("recall",))
    assert res[keys.RECALL] < 0.4


def test_corrupt_weights_are_refused(tmp_path, monkeypatch):
    import json

    from synthbench import extractors

    card = load_card("lenet-mnist")
    monkeypatch.setattr(extractors, "HERE", tmp_path)
    (tmp_path / "lenet-mnist.json").write_text(json.dumps(card))
    (tmp_path / "lenet-mnist.pt").write_bytes(b"not weights")
    with pytest.raises(DatasetError, match="corrupt.*synthbench train-extractor"):
        verified_weights("lenet-mnist")
