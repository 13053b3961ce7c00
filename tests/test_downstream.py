"""The downstream models: the image CNN (its training-time augmentation and its seeding), the tabular models
and the CTGAN-paper evaluator suite."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from synthbench.data import LabeledImages  # noqa: E402
from synthbench.downstream.cnn import CNNClassifier, random_shift  # noqa: E402
from synthbench.exceptions import ConfigError  # noqa: E402


def _dots(n=200, size=8, seed=0):
    """Background images (-1) with one bright pixel each, away from the border."""
    rng = np.random.default_rng(seed)
    x = -torch.ones(n, 1, size, size)
    pos = torch.from_numpy(rng.integers(2, size - 2, (n, 2)))
    x[torch.arange(n), 0, pos[:, 0], pos[:, 1]] = 1.0
    return x, pos


def test_random_shift_moves_each_image_within_bounds_and_fills_background():
    x, pos = _dots()
    y = random_shift(x, 1, torch.Generator().manual_seed(0))
    assert y.shape == x.shape
    assert set(torch.unique(y).tolist()) == {-1.0, 1.0}  # only background fills, nothing interpolated
    assert bool(((y == 1).flatten(1).sum(1) == 1).all())  # the bright pixel stays in the frame
    moved = torch.stack([(y[i, 0] == 1).nonzero()[0] for i in range(len(y))]) - pos
    assert int(moved.abs().max()) == 1  # never more than the shift
    offsets = {tuple(m) for m in moved.tolist()}
    assert len(offsets) == 9  # every offset in [-1, 1] x [-1, 1] occurs: drawn per image, not per batch


def test_random_shift_zero_is_identity_and_draws_nothing():
    x, _ = _dots(10)
    g = torch.Generator().manual_seed(3)
    state = g.get_state()
    assert random_shift(x, 0, g) is x
    assert torch.equal(g.get_state(), state)  # shift=0 leaves the seeded stream of the run as it was


def test_cnn_with_shift_is_seeded_and_learns():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 400)
    images = np.zeros((400, 1, 12, 12), np.uint8)
    images[labels == 1, :, 3:9, 5:7] = 255  # class 1: a vertical bar
    images[labels == 0, :, 5:7, 3:9] = 255  # class 0: a horizontal bar
    data = LabeledImages(images, labels, 2)
    params = dict(epochs=2, batch_size=32, lr=3e-3, channels=4, hidden=8, shift=1, device="cpu")
    a = CNNClassifier(**params, random_state=1).fit(data, validation=data)
    b = CNNClassifier(**params, random_state=1).fit(data, validation=data)
    np.testing.assert_array_equal(a.predict_proba(images), b.predict_proba(images))
    assert np.mean(a.predict(images) == labels) > 0.9


def _bars(n, seed=0):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    images = np.zeros((n, 1, 12, 12), np.uint8)
    images[labels == 1, :, 3:9, 5:7] = 255
    images[labels == 0, :, 5:7, 3:9] = 255
    return LabeledImages(images, labels, 2)


def test_rows_per_epoch_gives_every_set_the_same_steps(monkeypatch):
    import torch.nn.functional as F

    seen = []
    cross_entropy = F.cross_entropy

    def spy(logits, target, *a, **k):
        seen.append(len(target))
        return cross_entropy(logits, target, *a, **k)

    monkeypatch.setattr(F, "cross_entropy", spy)
    params = dict(epochs=3, batch_size=32, lr=3e-3, channels=4, hidden=8, device="cpu", random_state=0)
    steps = {}
    for n in (40, 100, 250):  # smaller and larger than an epoch's 100 rows
        seen.clear()
        totals = []
        CNNClassifier(**params, rows_per_epoch=100).fit(_bars(n), callback=lambda p: totals.append(p["phase_total"]))
        steps[n] = (len(seen), sum(seen), totals[-1])
    assert steps == {n: (12, 300, 12) for n in (40, 100, 250)}  # 3 epochs x ceil(100 / 32) batches, 100 rows each


def test_rows_per_epoch_draws_each_row_once_before_any_twice():
    """The rows epochs train on are the stream of seeded permutations in order: nothing skipped, nothing repeated
    before every row had its turn, what one epoch leaves opening the next."""
    from synthbench.downstream.cnn import epoch_rows

    n, rows, epochs = 30, 70, 3
    gen, queue, used = torch.Generator().manual_seed(5), torch.empty(0, dtype=torch.long), []
    for _ in range(epochs):
        idx, queue = epoch_rows(n, rows, gen, queue)
        assert len(idx) == rows
        used.append(idx)
    ref = torch.Generator().manual_seed(5)
    stream = torch.cat([torch.randperm(n, generator=ref) for _ in range(-(-rows * epochs // n))])
    assert torch.equal(torch.cat(used), stream[:rows * epochs])
    fewer, rest = epoch_rows(n, 12, torch.Generator().manual_seed(5), torch.empty(0, dtype=torch.long))
    assert len(fewer) == 12 and len(rest) == 18 and sorted(torch.cat([fewer, rest]).tolist()) == list(range(n))
    plain, _ = epoch_rows(n, n, torch.Generator().manual_seed(5), torch.empty(0, dtype=torch.long))
    assert torch.equal(plain, stream[:n])  # rows == n: one permutation, the plain epoch's draw


@pytest.mark.parametrize("shift", [-1, 6])
def test_cnn_shift_out_of_range_is_one_clear_error(shift):
    data = LabeledImages(np.zeros((4, 1, 12, 12), np.uint8), np.array([0, 1, 0, 1]), 2)
    with pytest.raises(ConfigError, match=rf"shift={shift} is out of range - use 0 .* up to 5 pixels"):
        CNNClassifier(shift=shift, device="cpu").fit(data)


# -- tables --------------------------------------------------------------------------------------------

def test_ctgan_paper_suite_scores_every_model():
    from synthbench.downstream import ctgan_suite
    from synthbench.testing import tiny_table

    t = tiny_table(400)
    train, test = t.take(range(300)), t.take(range(300, 400))
    scores = ctgan_suite.evaluate(train, test, train, "yes", seed=0)
    assert set(scores) == {"decision_tree", "adaboost", "logistic_regression", "mlp", "mean"}
    assert scores["mean"] == pytest.approx(np.mean([v for k, v in scores.items() if k != "mean"]))
    assert scores["decision_tree"] > 0.6  # the label is learnable from x and colour


def test_tabular_models_predict_one_class_when_trained_on_one():
    from synthbench.data import Table
    from synthbench.downstream.tabular import LogisticModel, XGBoostModel
    from synthbench.testing import tiny_table

    t = tiny_table(100)
    one = Table(t.frame.assign(label="yes"), t.columns, "label")
    for cls in (XGBoostModel, LogisticModel):
        m = cls(random_state=0).fit(one, classes=["no", "yes"])
        assert m.degenerate_ and set(m.predict(t.features)) == {"yes"}
        assert m.predict_proba(t.features).shape == (100, 2)


@pytest.mark.parametrize("n_jobs, available, used", [(2, 1, 1), (2, 4, 2), (8, 3, 3), (-1, 3, 3), (0, 1, 1)])
def test_xgboost_threads_are_capped_by_what_the_evaluation_worker_leaves(monkeypatch, n_jobs, available, used):
    import synthbench.downstream.tabular as tabular
    from synthbench.testing import tiny_table

    monkeypatch.setattr(tabular, "threads_available", lambda: available)
    model = tabular.XGBoostModel(n_estimators=5, n_jobs=n_jobs, random_state=0).fit(tiny_table(120, 0))
    assert model.model_.get_params()["n_jobs"] == used
