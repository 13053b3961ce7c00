"""Figures for the run record: a per-class sample grid and the generator's training curves."""

from __future__ import annotations

import numpy as np

from synthbench.data import LabeledImages


def per_class_grid(samples: LabeledImages, per_class: int = 10, pad: int = 2) -> np.ndarray:
    """A ``(H, W)`` or ``(H, W, C)`` uint8 image: one row per class, ``per_class`` samples each (unlabelled
    samples: ``num_classes`` rows of whatever was drawn)."""
    import torch
    from torchvision.utils import make_grid

    c, h, w = samples.image_shape
    if not samples.labelled:  # an unconditional generator's samples: just the first ones
        n = per_class * samples.num_classes
        grid = make_grid(torch.from_numpy(samples.images[:n]), nrow=per_class, padding=pad, pad_value=128)
        img = grid.numpy().transpose(1, 2, 0)
        return img[:, :, 0] if c == 1 else img
    rows = []
    for k in range(samples.num_classes):
        idx = np.flatnonzero(samples.labels == k)[:per_class]
        block = np.zeros((per_class, c, h, w), dtype=np.uint8)
        block[: len(idx)] = samples.images[idx]
        rows.append(block)
    grid = make_grid(torch.from_numpy(np.concatenate(rows)), nrow=per_class, padding=pad, pad_value=128)
    img = grid.numpy().transpose(1, 2, 0)
    return img[:, :, 0] if c == 1 else img


def history_figure(history: list[dict], title: str):
    """Curves of every numeric field of ``history`` against its ``step`` (one panel per group)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = [h["step"] for h in history]
    names = sorted({k for h in history for k in h if k not in ("step", "seconds", "epoch")})
    groups = {
        "losses": [n for n in names if "loss" in n],
        "discriminator outputs": [n for n in names if n in ("d_real", "d_fake", "wasserstein")],
        "gradient norms": [n for n in names if "grad_norm" in n],
    }
    groups["other"] = [n for n in names if not any(n in g for g in groups.values())]
    groups = {k: v for k, v in groups.items() if v}
    fig, axes = plt.subplots(1, max(1, len(groups)), figsize=(4.5 * max(1, len(groups)), 3.4), squeeze=False)
    for ax, (group, cols) in zip(axes[0], groups.items()):
        for col in cols:
            ax.plot(steps, [h.get(col, np.nan) for h in history], marker="o" if len(steps) < 30 else None, label=col)
        ax.set_title(group)
        ax.set_xlabel("generator step")
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def columns_figure(real, synthetic, title: str, max_columns: int = 16):
    """Real vs synthetic distribution of each column of two ``Table``s: overlaid histograms (numbers) or
    side-by-side category frequencies (categories; the 12 most frequent in real data). Numbers outside the
    real data's 0.5-99.5 percentile range are piled into the edge bins, so mass out there stays visible."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cols = list(real.columns)[:max_columns]
    ncol = 4
    nrow = (len(cols) + ncol - 1) // ncol
    fig, axes = plt.subplots(nrow, ncol, figsize=(4.2 * ncol, 2.9 * nrow), squeeze=False, dpi=72)
    for ax, c in zip(axes.ravel(), cols):
        r, s = real.frame[c], synthetic.frame[c]
        if real.columns[c] == "categorical":
            cats = r.value_counts().index[:12]
            x = np.arange(len(cats))
            ax.bar(x - 0.2, r.value_counts(normalize=True).reindex(cats).fillna(0), 0.4, label="real")
            ax.bar(x + 0.2, s.value_counts(normalize=True).reindex(cats).fillna(0), 0.4, label="synthetic")
            ax.set_xticks(x, [str(v)[:10] for v in cats], rotation=60, fontsize=7)
        else:
            lo, hi = np.percentile(r, [0.5, 99.5])
            bins = np.linspace(lo, hi if hi > lo else lo + 1, 40)
            for values, label in ((r, "real"), (s, "synthetic")):  # stairs: one artist, not one patch per bin
                counts, _ = np.histogram(values.clip(lo, hi), bins=bins, density=True)
                ax.stairs(counts, bins, fill=True, alpha=0.5, label=label)
        ax.set_title(c, fontsize=9)
    for ax in axes.ravel()[len(cols):]:
        ax.axis("off")
    axes[0][0].legend(fontsize=8)
    fig.suptitle(title)
    fig.subplots_adjust(left=0.04, right=0.99, top=0.93, bottom=0.1, hspace=0.75, wspace=0.2)  # tight_layout costs ~0.3 s here
    return fig
