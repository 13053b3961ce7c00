"""The report's figures (matplotlib), one function per figure: a board (``synthbench.report.Board``) in, a
``Figure`` out, or ``None`` where the board has nothing to draw (no fidelity metric, no classes, no sensitive
columns, no sample images, no training curves). Error bars are the 95% confidence intervals over seeds."""

from __future__ import annotations

import io

from synthbench import keys


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def png(fig) -> bytes:
    """The figure as PNG bytes (and closed)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    _plt().close(fig)
    return buf.getvalue()


def _points(board, x_key: str):
    """``(label, x, x_half, y, y_half)`` for every row that has both metrics."""
    out = []
    for r in board.rows:
        x, y = r.summaries.get(x_key), r.summaries.get(board.tstr)
        if x is not None and y is not None:
            out.append((r.label, x.mean, x.half or 0.0, y.mean, y.half or 0.0))
    return out


def _scatter(board, points, log_x: bool, xlabel: str, title: str):
    """A figure of TSTR (y) against ``points``' x, error bars both ways, each point named."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    for label, x, xh, y, yh in points:
        ax.errorbar(x, y, xerr=xh, yerr=yh, fmt="o", capsize=3)
        ax.annotate(label, (x, y), textcoords="offset points", xytext=(5, 4), fontsize=8)
    if log_x and all(p[1] > 0 for p in points):
        ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(f"TSTR {board.headline}")
    ax.set_title(f"{board.name}: {title}")
    ax.grid(alpha=0.3)
    return fig, ax


def utility_vs_fidelity(board):
    """TSTR against the board's first fidelity metric (FID for images, the quality score for tables)."""
    fidelity = board.section("fidelity")
    if not fidelity:
        return None
    col = next((c for c in fidelity if c.key in (keys.FID, keys.fidelity("quality"))), fidelity[0])
    points = _points(board, col.key)
    if not points:
        return None
    fig, _ = _scatter(board, points, col.lower_is_better,
                      col.label + (" (lower is better)" if col.lower_is_better else " (higher is better)"), "utility vs fidelity")
    return fig


def pareto_front(points, lower_utility: bool = False) -> list:
    """The rows no other row beats on both cost (lower) and utility: ``points`` are ``(label, cost, _, utility, _)``."""
    front = []
    for p in points:
        dominated = any(
            q is not p and q[1] <= p[1] and (q[3] <= p[3] if lower_utility else q[3] >= p[3])
            and (q[1] < p[1] or q[3] != p[3]) for q in points)
        if not dominated:
            front.append(p)
    return sorted(front, key=lambda p: p[1])


def utility_vs_cost(board):
    """TSTR against the run's total seconds (log scale), with the Pareto front."""
    points = _points(board, keys.TOTAL_SECONDS)
    if not points:
        return None
    fig, ax = _scatter(board, points, True, "total seconds per run (log)", "utility vs cost")
    front = pareto_front(points, board.lower_is_better)
    # the best utility a budget of x seconds buys: a step at each point of the front
    ax.plot([p[1] for p in front], [p[3] for p in front], "--", color="grey", drawstyle="steps-post", label="Pareto front")
    ax.legend(loc="best", fontsize=8)
    return fig


def per_class_heatmap(board):
    """Per-class accuracy of the model trained on each row's synthetic data (mean over seeds): the classes a
    generator fails."""
    if not board.classes:
        return None
    import numpy as np

    rows = [r for r in board.rows if any(keys.per_class("synthetic", k) in r.summaries for k in board.classes)]
    if not rows:
        return None
    grid = np.array([[r.summaries[keys.per_class("synthetic", k)].mean if keys.per_class("synthetic", k) in r.summaries
                      else np.nan for k in board.classes] for r in rows])
    plt = _plt()
    fig, ax = plt.subplots(figsize=(1.0 + 0.55 * len(board.classes), 0.9 + 0.42 * len(rows)))
    im = ax.imshow(grid, vmin=0, vmax=1, cmap="viridis", aspect="auto")
    for i in range(grid.shape[0]):
        for j in range(grid.shape[1]):
            if not np.isnan(grid[i, j]):
                ax.text(j, i, f"{grid[i, j]:.2f}", ha="center", va="center", fontsize=7,
                        color="white" if grid[i, j] < 0.6 else "black")
    ax.set_xticks(range(len(board.classes)), board.classes)
    ax.set_yticks(range(len(rows)), [r.label for r in rows])
    ax.set_xlabel("class")
    ax.set_title(f"{board.name}: per-class accuracy, trained on synthetic data")
    fig.colorbar(im, ax=ax, fraction=0.03)
    return fig


def fairness_gaps(board):
    """Per sensitive column, each row's demographic-parity gap of the model trained on real data (the task's bias)
    beside the one trained on its synthetic data, and the gap in the data itself (real training split vs synthetic
    set): whether a generator carries the real data's bias into the model, shrinks it or adds to it."""
    if not board.sensitive:
        return None
    import numpy as np

    plt = _plt()
    fig, axes = plt.subplots(len(board.sensitive), 1, figsize=(7.5, 1.2 + 0.45 * len(board.rows) * len(board.sensitive)),
                             squeeze=False)
    drawn = False
    for ax, column in zip(axes[:, 0], board.sensitive):
        labels, bars = [], {"model trained on real": [], "model trained on synthetic": [], "real data": [],
                            "synthetic data": []}
        for r in board.rows:
            model = r.summaries.get(keys.fairness("synthetic", column, "demographic_parity_difference"))
            data = r.summaries.get(keys.data_fairness(column, "synthetic"))
            if model is None and data is None:
                continue
            labels.append(r.label)
            bars["model trained on real"].append(model.reference if model and model.reference is not None else np.nan)
            bars["model trained on synthetic"].append(model.mean if model else np.nan)
            bars["real data"].append(data.reference if data and data.reference is not None else np.nan)
            bars["synthetic data"].append(data.mean if data else np.nan)
        if not labels:
            ax.set_visible(False)
            continue
        drawn = True
        y = np.arange(len(labels))
        width = 0.2
        for i, (name, values) in enumerate(bars.items()):
            ax.barh(y + (i - 1.5) * width, values, height=width, label=name)
        ax.set_yticks(y, labels)
        ax.invert_yaxis()
        ax.set_xlabel(f"largest gap between groups of '{column}' in P(positive)")
        ax.set_title(f"{board.name}: fairness by '{column}'")
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))
        ax.grid(alpha=0.3, axis="x")
    if not drawn:
        plt.close(fig)
        return None
    return fig


def group_rates(board, tables: dict):
    """Per sensitive column, P(target = positive | group) in the real training split and in each row's synthetic set
    (``tables``: row label -> the run's ``tables/fairness_data.json`` as MLflow logged it, one seed's run): which
    groups' outcomes a generator moves."""
    import json

    import numpy as np
    import pandas as pd

    frames = {}
    for r in board.rows:
        raw = tables.get(r.label)
        if raw:
            t = json.loads(raw)
            frames[r.label] = pd.DataFrame(t["data"], columns=t["columns"])
    if not frames:
        return None
    columns = sorted({c for f in frames.values() for c in f["column"]})
    plt = _plt()
    fig, axes = plt.subplots(len(columns), 1, figsize=(7.5, 2.2 + 1.6 * len(columns)), squeeze=False)
    for ax, column in zip(axes[:, 0], columns):
        first = next(iter(frames.values()))
        real = first[(first["column"] == column) & (first["data"] == "real")]
        groups = list(real.sort_values("rows", ascending=False)["group"].astype(str))
        series = {"real training data": dict(zip(real["group"].astype(str), real["positive_rate"]))}
        for label, f in frames.items():
            syn = f[(f["column"] == column) & (f["data"] == "synthetic")]
            series[label] = dict(zip(syn["group"].astype(str), syn["positive_rate"]))
        x = np.arange(len(groups))
        width = 0.8 / len(series)
        for i, (name, rates) in enumerate(series.items()):
            ax.bar(x + (i - (len(series) - 1) / 2) * width, [rates.get(g, np.nan) for g in groups], width, label=name,
                   color="black" if i == 0 else None)
        ax.set_xticks(x, groups, rotation=20, fontsize=8)
        ax.set_ylabel("P(positive | group)")
        ax.set_title(f"{board.name}: '{column}' by group, real vs synthetic")
        ax.legend(fontsize=7, ncol=2)
        ax.grid(alpha=0.3, axis="y")
    return fig


def sample_grids(board, images: dict):
    """Each row's sample grid (``images``: row label -> PNG bytes of one finished run's grid) side by side."""
    shown = [(r.label, images[r.label]) for r in board.rows if images.get(r.label)]
    if not shown:
        return None
    import matplotlib.image as mpimg

    plt = _plt()
    cols = min(4, len(shown))
    nrows = (len(shown) + cols - 1) // cols
    fig, axes = plt.subplots(nrows, cols, figsize=(3.2 * cols, 3.4 * nrows), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, (label, data) in zip(axes.flat, shown):
        img = mpimg.imread(io.BytesIO(data), format="png")
        ax.imshow(img, cmap="gray" if img.ndim == 2 else None)
        ax.set_title(label, fontsize=9)
    fig.suptitle(f"{board.name}: samples (one row per class)")
    return fig


def training_curves(board, histories: dict):
    """Each GAN row's training probe FID against generator steps (one seed's run; ``histories``: row label ->
    ``(that run's diagnosis, {metric key: [(step, value), ...]})``), with the diagnosis in the legend and beside the
    last probe."""
    shown = [(r, histories[r.label]) for r in board.rows if histories.get(r.label)]
    if not shown:
        return None
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.8, 4.4))
    for row, (diagnosis, curves) in shown:
        points = curves.get(keys.probe("fid")) or []
        if not points:
            continue
        steps, values = zip(*points)
        diagnosis = diagnosis or "no diagnosis"
        line, = ax.plot(steps, values, "-o", markersize=3, label=f"{row.label}: {diagnosis}")
        ax.annotate(diagnosis, (steps[-1], values[-1]), textcoords="offset points", xytext=(4, 0), fontsize=7,
                    color=line.get_color())
        ref = curves.get(keys.probe("reference_fid")) or []
        if ref:
            ax.axhline(ref[-1][1], color=line.get_color(), alpha=0.3, linestyle=":")
    if not ax.lines:
        plt.close(fig)
        return None
    ax.set_yscale("log")
    ax.set_xlabel("generator step")
    ax.set_ylabel("probe FID (log; dotted: real vs real)")
    ax.set_title(f"{board.name}: training, with the diagnosis")
    ax.legend(fontsize=7, loc="best")
    ax.grid(alpha=0.3)
    return fig


def scarce_data(board):
    """The scarce-data curves: each regime's gain over the real rows alone (its headline minus the ``real`` regime's,
    same runs) against the number of real training rows (log scale), one panel per regime, mean and 95% CI over
    seeds; a hollow marker where the paired test does not call the gain (p >= 0.05 or too few seeds)."""
    if not board.curves:
        return None
    regimes = list(dict.fromkeys(c.regime for c in board.curves))
    plt = _plt()
    fig, axes = plt.subplots(1, len(regimes), figsize=(5.2 * len(regimes), 4.4), squeeze=False, layout="constrained")
    for ax, regime in zip(axes[0], regimes):
        for curve in (c for c in board.curves if c.regime == regime):
            xs = [p.n for p in curve.points]
            ys = [p.gain.mean for p in curve.points]
            err = [p.gain.half or 0.0 for p in curve.points]
            line = ax.errorbar(xs, ys, yerr=err, capsize=3, marker="o", label=curve.label, markerfacecolor="none")
            called = [(p.n, p.gain.mean) for p in curve.points if p.verdict in ("helps", "hurts")]
            if called:
                ax.plot(*zip(*called), "o", color=line[0].get_color())
        ax.axhline(0, color="grey", linewidth=1)
        ax.set_xscale("log")
        sizes = sorted({p.n for c in board.curves if c.regime == regime for p in c.points})
        ax.set_xticks(sizes, [f"{n:,}" for n in sizes], rotation=30, ha="right", rotation_mode="anchor")
        ax.minorticks_off()  # the ticks are the Ns measured, not powers of ten
        ax.set_xlabel("real training rows N (log scale)")
        ax.set_ylabel(f"{board.headline} gain" + (" (mean, 95% CI over seeds)" if ax is axes[0][0] else ""))
        ax.set_title(f"{regime}: gain over the N real rows alone", fontsize=10)
        ax.grid(alpha=0.3)
    axes[0][-1].legend(fontsize=7, loc="best")
    fig.suptitle(f"{board.name}: how much synthetic data helps with scarce real data "
                 "(filled marker: Holm-adjusted paired p < 0.05)", fontsize=11)
    return fig


#: The figures of a board, in the order the page shows them: (name, title, function, extra input).
FIGURES = (
    ("utility_vs_fidelity", "Utility vs fidelity", utility_vs_fidelity, None),
    ("utility_vs_cost", "Utility vs cost, with the Pareto front", utility_vs_cost, None),
    ("per_class", "Per-class accuracy (trained on synthetic data)", per_class_heatmap, None),
    ("fairness", "Fairness gaps, real vs synthetic", fairness_gaps, None),
    ("fairness_groups", "Positive rate by group, real vs synthetic data", group_rates, "tables"),
    ("samples", "Samples side by side", sample_grids, "images"),
    ("training", "Training curves with the diagnosis", training_curves, "histories"),
    ("scarce_data", "Scarce data: the gain over the real rows alone against their number", scarce_data, None),
)


def _plain_log_ticks(fig) -> None:
    """Tick labels of log axes as plain numbers: matplotlib's default log labels are TeX (``$10^{3}$``), which the
    figures' ``text.parse_math=False`` (names are text) would print raw; labels a figure set itself stay."""
    from matplotlib.ticker import LogFormatter, LogFormatterSciNotation

    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            base = getattr(axis.get_transform(), "base", 10)
            if isinstance(axis.get_major_formatter(), LogFormatterSciNotation):
                axis.set_major_formatter(LogFormatter(base=base, labelOnlyBase=False))
            if isinstance(axis.get_minor_formatter(), LogFormatterSciNotation):
                axis.set_minor_formatter(LogFormatter(base=base, labelOnlyBase=False))


def board_figures(board, images: dict | None = None, histories: dict | None = None,
                  tables: dict | None = None) -> list[tuple[str, str, bytes]]:
    """``(name, title, png)`` of every figure the board has something for."""
    import matplotlib

    extra = {"images": images or {}, "histories": histories or {}, "tables": tables or {}}
    out = []
    with matplotlib.rc_context({"text.parse_math": False}):  # a '$' in a generator's name is text, not TeX
        for name, title, fn, needs in FIGURES:
            fig = fn(board, extra[needs]) if needs else fn(board)
            if fig is not None:
                _plain_log_ticks(fig)
                out.append((name, title, png(fig)))
    return out
