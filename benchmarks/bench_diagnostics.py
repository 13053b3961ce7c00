"""What do training diagnostics cost, and what does an epoch of each GAN variant cost on this machine?

1. ``cgan`` trained with diagnostics on (D(x)/D(G(z)) and gradient-norm records, plus the training
   monitor's probes and per-epoch grids, exactly as ``synthbench run`` does) against off
   (``diagnostics=False``, no monitor), same seed and data, alternating order, ``--repeats`` times;
   prints the median of each and the ratio (target: on <= 1.05 x off).
2. One epoch of every GAN variant on the task's training split at ``--budget`` (``dcgan`` and ``gan`` as
   ``synthbench run`` trains them: one model per class), seconds per epoch.

Usage: python benchmarks/bench_diagnostics.py [--budget standard] [--epochs 2] [--repeats 2] [--skip-variants]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VARIANTS = ("gan", "dcgan", "cgan", "acgan", "wgan-gp")


def timed_fit(generator: str, budget: str, data, params: dict, monitor: bool, seed: int = 0) -> float:
    from synthbench.config import resolve
    from synthbench.diagnostics import TrainingMonitor
    from synthbench.seeding import derive_seed

    cfg = resolve("mnist", generator, budget, seed, "cpu", params)
    gen = cfg.build_generator()
    kw = {}
    if monitor:
        kw["monitor"] = TrainingMonitor(cfg.task.metrics.feature_extractor, data.validation, seed=derive_seed(seed, "probe"))
    t0 = time.perf_counter()
    gen.fit(data.train, **kw)
    if monitor:
        kw["monitor"].finish(gen, gen.history_[-1]["step"])
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--budget", default="standard")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--skip-variants", action="store_true")
    ap.add_argument("--out", default=str(ROOT / "results" / "bench_diagnostics.json"))
    args = ap.parse_args()

    from synthbench import registry
    from synthbench.tasks import load_task

    task = load_task("mnist")
    data = registry.modalities.get(task.modality).load_splits(task, task.budget(args.budget), None)
    print(f"mnist, budget {args.budget}: {len(data.train)} training images; cgan {args.epochs} epochs, {args.repeats} repeats")
    on, off = [], []
    for r in range(args.repeats):
        order = [(True, on), (False, off)] if r % 2 == 0 else [(False, off), (True, on)]
        for diag, bucket in order:
            params = {"epochs": args.epochs, "diagnostics": diag}
            bucket.append(timed_fit("cgan", args.budget, data, params, monitor=diag))
            print(f"  repeat {r + 1}: diagnostics {'on ' if diag else 'off'} {bucket[-1]:.1f} s", flush=True)
    t_on, t_off = statistics.median(on), statistics.median(off)
    print(f"cgan training, diagnostics on: {t_on:.1f} s, off: {t_off:.1f} s (medians) -> ratio {t_on / t_off:.3f} (target <= 1.05)")
    record = {"command": "python benchmarks/bench_diagnostics.py " + " ".join(
        [f"--budget {args.budget}", f"--epochs {args.epochs}", f"--repeats {args.repeats}"] + (["--skip-variants"] if args.skip_variants else [])),
        "machine": "2 CPU cores, no GPU", "train_images": len(data.train), "cgan_epochs": args.epochs,
        "diagnostics_on_seconds": on, "diagnostics_off_seconds": off, "ratio": t_on / t_off, "epoch_seconds": {}}
    if not args.skip_variants:
        for name in VARIANTS:
            sec = timed_fit(name, args.budget, data, {"epochs": 1}, monitor=True)
            record["epoch_seconds"][name] = sec
            print(f"{name:8s} one epoch on {len(data.train)} images (diagnostics on): {sec:.1f} s", flush=True)
    Path(args.out).write_text(json.dumps(record, indent=2) + "\n")


if __name__ == "__main__":
    main()
