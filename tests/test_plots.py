"""synthbench.plots: the sample grid puts class k's samples in row k, and the figures show what they are given."""

import numpy as np
import pandas as pd

from synthbench.data import LabeledImages
from synthbench.data.table import Table
from synthbench.plots import columns_figure, history_figure, per_class_grid


def _images(labels, num_classes=3, size=4):
    labels = np.asarray(labels)
    images = np.repeat((labels * 50 + 10).astype(np.uint8)[:, None, None, None], size * size, axis=1).reshape(
        len(labels), 1, size, size)  # every pixel of an image of class k is 50 k + 10
    return LabeledImages(images, labels, num_classes)


def test_row_k_of_the_grid_holds_class_k_and_missing_samples_stay_black():
    samples = _images([2, 0, 1, 0, 2, 2, 1])  # class 0 twice, class 1 twice, class 2 three times
    grid = per_class_grid(samples, per_class=3, pad=1)
    assert grid.shape == (3 * 5 + 1, 3 * 5 + 1) and grid.dtype == np.uint8
    cell = lambda r, c: grid[1 + 5 * r: 5 + 5 * r, 1 + 5 * c: 5 + 5 * c]  # noqa: E731
    for k, count in ((0, 2), (1, 2), (2, 3)):
        for c in range(3):
            expected = 50 * k + 10 if c < count else 0
            assert (cell(k, c) == expected).all(), (k, c)
    assert grid[0, 0] == 128  # the padding


def test_unlabelled_samples_fill_the_grid_in_order():
    samples = _images([0, 1, 2, 0, 1, 2])
    unlabelled = LabeledImages(samples.images, np.full(6, -1), 3)
    grid = per_class_grid(unlabelled, per_class=2, pad=0)
    assert grid.shape == (3 * 4, 2 * 4)
    assert [int(grid[4 * (i // 2), 4 * (i % 2)]) for i in range(6)] == [10, 60, 110, 10, 60, 110]


def test_history_figure_groups_curves_by_kind():
    history = [{"step": s, "d_loss": 1.0 / s, "g_loss": s, "d_real": 0.6, "d_fake": 0.4, "d_grad_norm": 2.0,
                "seconds": 0.1, "lr": 1e-3} for s in range(1, 5)]
    fig = history_figure(history, "cgan")
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["losses", "discriminator outputs", "gradient norms", "other"]
    assert sorted(line.get_label() for line in fig.axes[0].lines) == ["d_loss", "g_loss"]
    assert [line.get_label() for line in fig.axes[3].lines] == ["lr"]  # seconds are not a curve
    assert list(fig.axes[0].lines[0].get_xdata()) == [1, 2, 3, 4]


def test_columns_figure_draws_one_panel_per_column():
    rng = np.random.default_rng(0)
    real = Table(pd.DataFrame({"age": rng.normal(40, 10, 300), "sex": rng.choice(["F", "M"], 300),
                               "y": rng.choice(["<=50K", ">50K"], 300)}),
                 {"age": "numerical", "sex": "categorical", "y": "categorical"}, "y")
    fig = columns_figure(real, real, "real vs itself")
    drawn = [ax for ax in fig.axes if ax.axison]
    assert [ax.get_title() for ax in drawn] == ["age", "sex", "y"] and len(fig.axes) == 4
    heights = [p.get_height() for p in drawn[1].patches]
    assert heights[:2] == heights[2:]  # a table against itself: the real and synthetic bars match
