"""Print the scarce-data gain table of results/README.md from a report's ``curves.csv`` (issue 17).

    python results/scarce_table.py results/scarce_fashion_mnist [--metric accuracy]

One row per generator and regime (``+ 1x``, ``+ 4x``, ``synthetic only``), one column per N: the mean gain over the
N real rows alone +/- the half-width of its 95% CI over seeds, **bold** where the paired test's Holm-adjusted p is
below 0.05 - the same numbers as the report's "Scarce data" section, in the README's shorter form. After the table:
the score of the N real rows alone (the ``real`` regime of the generators' runs) per N, from ``leaderboard.csv``.
The largest N is the full training split.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

ORDER = ["cgan", "acgan", "wgan-gp", "pca-gmm", "classic-augment", "real"]
LABEL = {"classic-augment": "classic-augment (control)", "real": "real (bootstrap control)"}
REGIMES = {"augmented_1x": "+ 1x", "augmented_4x": "+ 4x", "synthetic": "synthetic only"}


def gain_table(curves: pd.DataFrame, metric: str) -> str:
    frame = curves[curves["metric"] == metric]
    sizes = sorted(frame["n"].unique())
    generators = [g for g in ORDER if g in set(frame["generator"])] + sorted(set(frame["generator"]) - set(ORDER))
    head = "| generator | regime | " + " | ".join(f"N={n:,}" for n in sizes) + " |"
    lines = [head, "|" + "---|" * (len(sizes) + 2)]
    for gen in generators:
        for regime, name in REGIMES.items():
            cells = []
            for n in sizes:
                hit = frame[(frame["generator"] == gen) & (frame["regime"] == regime) & (frame["n"] == n)]
                if hit.empty:
                    cells.append("-")
                    continue
                r = hit.iloc[0]
                text = (f"{r['mean_gain']:+.4f} +/- {r['ci_half_width']:.4f}" if pd.notna(r["ci_half_width"])
                        else f"{r['mean_gain']:+.4f} ({int(r['seeds'])} seed)")
                cells.append(f"**{text}**" if pd.notna(r["p_holm"]) and r["p_holm"] < 0.05 else text)
            lines.append(f"| {LABEL.get(gen, gen)} | {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def level_table(board: pd.DataFrame, metric: str) -> str:
    """Mean (n seeds) of each regime's score per generator and N: what the gains are differences of."""
    out = []
    for regime in ("real", "synthetic"):
        key = f"utility/{regime}/{metric}"
        rows = board[board["metric"] == key].copy()
        if rows.empty:
            continue
        rows["train_size"] = rows["train_size"].fillna(0).astype(int)
        pivot = rows.pivot_table(index="generator", columns="train_size", values="mean", aggfunc="first")
        pivot = pivot.reindex([g for g in ORDER if g in pivot.index] + sorted(set(pivot.index) - set(ORDER)))
        pivot = pivot[sorted(pivot.columns, key=lambda n: (n == 0, n))].rename(columns={0: "full"})
        out.append(f"{key} (mean over seeds)\n{pivot.round(4).to_string()}")
    return "\n\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path, help="a `synthbench report --out` folder of a scarce-data sweep")
    parser.add_argument("--metric", default="accuracy")
    args = parser.parse_args()
    print(gain_table(pd.read_csv(args.report / "curves.csv"), args.metric))
    print()
    print(level_table(pd.read_csv(args.report / "leaderboard.csv"), args.metric))


if __name__ == "__main__":
    main()
