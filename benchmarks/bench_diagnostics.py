"""What do training diagnostics cost, and what does a generator step of each GAN variant cost on this machine?

1. ``cgan`` trained with diagnostics on (D(x)/D(G(z)) and gradient-norm records, plus the training
   monitor's probes and per-epoch grids, exactly as ``synthbench run`` does) against off
   (``diagnostics=False``, no monitor), same seed and data, alternating order, ``--repeats`` times;
   prints the median of each and the ratio (target: on <= 1.05 x off).
2. ``--variant-steps`` generator steps of every GAN variant on the task's training split at ``--budget``
   (``dcgan`` and ``gan`` as ``synthbench run`` trains them: one model per class, each taking that many steps),
   printed as seconds per 100 generator steps of one model: what a budget in steps costs.

Usage: python benchmarks/bench_diagnostics.py [--budget standard] [--steps 858] [--repeats 2] [--variant-steps 100] [--skip-variants]
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
    ap.add_argument("--steps", type=int, default=858, help="cgan generator steps (858: two passes over 55,000 images)")
    ap.add_argument("--variant-steps", type=int, default=100)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--skip-variants", action="store_true")
    ap.add_argument("--out", default=str(ROOT / "results" / "bench_diagnostics.json"))
    args = ap.parse_args()

    from synthbench import registry
    from synthbench.tasks import load_task

    task = load_task("mnist")
    data = registry.modalities.get(task.modality).load_splits(task, task.budget(args.budget), None)
    print(f"mnist, budget {args.budget}: {len(data.train)} training images; cgan {args.steps} steps, {args.repeats} repeats")
    on, off = [], []
    for r in range(args.repeats):
        order = [(True, on), (False, off)] if r % 2 == 0 else [(False, off), (True, on)]
        for diag, bucket in order:
            params = {"steps": args.steps, "diagnostics": diag}
            bucket.append(timed_fit("cgan", args.budget, data, params, monitor=diag))
            print(f"  repeat {r + 1}: diagnostics {'on ' if diag else 'off'} {bucket[-1]:.1f} s", flush=True)
    t_on, t_off = statistics.median(on), statistics.median(off)
    print(f"cgan training, diagnostics on: {t_on:.1f} s, off: {t_off:.1f} s (medians) -> ratio {t_on / t_off:.3f} (target <= 1.05)")
    record = {"command": "python benchmarks/bench_diagnostics.py " + " ".join(
        [f"--budget {args.budget}", f"--steps {args.steps}", f"--repeats {args.repeats}", f"--variant-steps {args.variant_steps}"]
        + (["--skip-variants"] if args.skip_variants else [])),
        "machine": "2 CPU cores, no GPU", "train_images": len(data.train), "cgan_steps": args.steps,
        "diagnostics_on_seconds": on, "diagnostics_off_seconds": off, "ratio": t_on / t_off, "seconds_per_100_steps": {}}
    if not args.skip_variants:
        for name in VARIANTS:
            cfg_models = 10 if name in ("gan", "dcgan") else 1  # one model per class
            sec = timed_fit(name, args.budget, data, {"steps": args.variant_steps}, monitor=True)
            record["seconds_per_100_steps"][name] = per100 = sec / cfg_models * 100 / args.variant_steps
            print(f"{name:8s} {per100:.1f} s per 100 generator steps of one model (diagnostics on; "
                  f"{args.variant_steps} steps{' x 10 models' if cfg_models > 1 else ''}: {sec:.1f} s)", flush=True)
    Path(args.out).write_text(json.dumps(record, indent=2) + "\n")


if __name__ == "__main__":
    main()
