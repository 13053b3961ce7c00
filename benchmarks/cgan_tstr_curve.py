"""TSTR accuracy of ``cgan`` on MNIST against its training time (the accuracy-vs-time curve).

Trains cgan one epoch (a pass over the data: 429 generator steps at batch 128) at a time (``warm_start``) on the task's 55,000-image training split; after
each epoch samples a synthetic set of the same size and trains the task's downstream CNN at the
given budget (epoch chosen on the validation split) and scores it on the real test split. Writes
``results/cgan_mnist_tstr_curve.{json,png}``.

Usage: python benchmarks/cgan_tstr_curve.py [--epochs 10] [--budget standard] [--param name=value ...]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--budget", default="standard")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--param", action="append", default=[])
    ap.add_argument("--filtered", action="store_true", help="score samples drawn with filter_samples=False and =True")
    ap.add_argument("--out", default=str(ROOT / "results" / "cgan_mnist_tstr_curve"))
    args = ap.parse_args()

    from synthbench import keys, registry
    from synthbench.config import parse_param_strings, resolve
    from synthbench.data import balanced_labels
    from synthbench.generators.gan import steps_per_epoch
    from synthbench.metrics.utility import evaluate_regime
    from synthbench.seeding import derive_seed

    params = {**parse_param_strings(args.param), "warm_start": "true"}
    cfg = resolve("mnist", "cgan", args.budget, args.seed, "cpu", params)
    data = registry.modalities.get(cfg.task.modality).load_splits(cfg.task, cfg.budget_spec, None)
    gp = cfg.generator_params
    gen = cfg.generator_cls(**{**gp, "steps": steps_per_epoch(len(data.train), gp["batch_size"], gp["d_steps"])})
    rows, fit_seconds = [], 0.0
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)

    def save():
        record = {"command": "python benchmarks/cgan_tstr_curve.py " + " ".join(
            [f"--epochs {args.epochs}", f"--budget {args.budget}", f"--seed {args.seed}"] + [f"--param {p}" for p in args.param]
            + (["--filtered"] if args.filtered else [])),
            "generator_params": {k: v for k, v in cfg.generator_params.items() if k not in ("steps", "warm_start")},
            "downstream": cfg.model_params, "machine": "2 CPU cores, no GPU", "rows": rows}
        out.with_suffix(".json").write_text(json.dumps(record, indent=2) + "\n")
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(6, 3.8))
        for key, label in (("tstr_accuracy", "cgan TSTR"), ("tstr_accuracy_filtered", "cgan TSTR, filter_samples=True")):
            if key in rows[0]:
                ax.plot([r["fit_seconds"] / 60 for r in rows], [r[key] for r in rows], marker="o", label=label)
        ax.axhline(0.97, color="grey", ls="--", label="target 0.97")
        ax.set_xlabel("cgan training time on 2 CPU cores (minutes)")
        ax.set_ylabel("TSTR accuracy (real test split)")
        ax.grid(alpha=0.3)
        ax.legend()
        fig.tight_layout()
        fig.savefig(out.with_suffix(".png"), dpi=120)
        plt.close(fig)

    for epoch in range(1, args.epochs + 1):
        t = time.perf_counter()
        gen.fit(data.train)
        fit_seconds += time.perf_counter() - t
        labels = balanced_labels(len(data.train), 10, np.random.default_rng(derive_seed(args.seed, "synthetic-labels")),
                                 data.train.class_counts())
        row = {"epoch": epoch, "fit_seconds": fit_seconds}
        for variant in ["tstr_accuracy"] + (["tstr_accuracy_filtered"] if args.filtered else []):
            # with --filtered: tstr_accuracy is unfiltered, tstr_accuracy_filtered filtered; else the configured value
            gen.filter_samples = variant.endswith("filtered") if args.filtered else cfg.generator_params["filter_samples"]
            syn = gen.sample(len(labels), labels=labels)
            res = evaluate_regime(cfg.model_cls, {**cfg.model_params, "random_state": derive_seed(args.seed, "downstream/synthetic")},
                                  "synthetic", syn, data.validation, data.test)
            row[variant] = res.metrics[keys.utility("synthetic", "accuracy")]
        rows.append(row)
        print(f"epoch {epoch:3d}  fit {fit_seconds:7.1f} s  " + "  ".join(f"{k} {v:.4f}" for k, v in row.items() if k.startswith("tstr")),
              flush=True)
        save()


if __name__ == "__main__":
    main()
