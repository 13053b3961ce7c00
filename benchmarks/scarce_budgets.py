"""What each budget gives a generator at each real-data size N of the scarce-data sweeps (issue 17): optimiser
steps, the batch a fit on N rows takes, and how many passes over the N rows that makes - so that a curve read at
small N is not an artefact of undertraining. Computed from the resolved configurations (``synthbench.config.resolve``
with ``train_size``) and the generators' own rules (``batch_for``, ``epochs_for``); nothing is trained.

    python benchmarks/scarce_budgets.py [--budget standard] [--sweeps sweeps/scarce-mnist.toml,sweeps/scarce-adult.toml]
                                        [--data-dir ../shared/datasets]

Prints a Markdown table per sweep. N = 0 ("full") is the task's whole training split (read to count its rows).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from synthbench import pipeline, sweep
from synthbench.config import resolve

ROOT = Path(__file__).resolve().parents[1]


def describe(task: str, generator: str, budget: str, n: int, rows: int) -> tuple[str, str, str, str]:
    """(optimiser steps, batch, passes over the N rows, note) of ``generator`` fit on ``rows`` rows of ``task``
    (``n``: the --train-size, 0 for the whole split)."""
    cfg = resolve(task, generator, budget, 0, train_size=n or None)
    gen = cfg.build_generator()
    per_class = cfg.conditioning == "per-class"
    gen = getattr(gen, "estimator", gen) if per_class else gen  # the per-class wrapper's model of one class
    if hasattr(gen, "batch_for"):  # the GAN family: a budget of generator steps, each after d_steps batches of D
        fit_rows = rows // 10 if per_class else rows
        bs, d_steps, steps = gen.batch_for(fit_rows), max(1, int(getattr(gen, "d_steps", 1) or 1)), int(gen.steps)
        note = f"{d_steps} D batches per step" + ("; per class model" if per_class else "")
        return f"{steps:,}", str(bs), f"{steps * d_steps * bs / fit_rows:,.0f}", note
    if hasattr(gen, "epochs"):  # SDV's neural synthesizers: epochs over the rows, from a budget of steps
        epochs = gen.epochs_for(rows)
        steps = getattr(gen, "steps", None)
        per_epoch = gen.steps_per_epoch(rows)
        note = f"{epochs:,} epochs of {per_epoch} batch(es)" + ("" if steps else " (epochs set, not steps)")
        return f"{epochs * per_epoch:,}", str(min(gen.batch_size, rows)), f"{epochs:,}", note
    return "-", "-", "-", "no iterative training (fit once on the N rows)"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--budget", default="standard")
    ap.add_argument("--sweeps", default="sweeps/scarce-mnist.toml,sweeps/scarce-adult.toml")
    ap.add_argument("--data-dir", default=None)
    args = ap.parse_args()
    for path in args.sweeps.split(","):
        spec = sweep.load_spec(ROOT / path)
        for task in spec["tasks"]:
            full = len(pipeline.load(resolve(task, "real", args.budget, 0), data_dir=args.data_dir).train)
            print(f"\n### {task} ({path}, budget {args.budget}; full = {full:,} training rows)\n")
            print("| generator | N | optimiser steps | batch | passes over the N rows | note |")
            print("|---|---|---|---|---|---|")
            for generator in spec["generators"]:
                for n in spec["train_sizes"]:
                    steps, bs, passes, note = describe(task, generator, args.budget, n, n or full)
                    print(f"| {generator} | {n or 'full'} | {steps} | {bs} | {passes} | {note} |")


if __name__ == "__main__":
    main()
