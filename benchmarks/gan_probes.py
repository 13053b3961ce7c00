"""Watch a GAN variant learn: the training monitor's probes over a short fit, without a full run.

Fits GENERATOR (one model per class for the unconditional ones, as ``synthbench run`` does) on TASK's training
split with ``--param`` overrides, and prints at each probe the FID against real validation images in the task's
domain feature space (and the real-vs-real reference FID at the same size), the share of images the domain
classifier puts in the class they were asked for, the within-class diversity against real data and the class
coverage; then a few of the loop's step records (losses, D(x), D(G(z)), gradient norms). This is how the causes
in results/README.md ("GAN variants at full strength") were found: a few hundred steps tell a broken recipe from
a slow one long before a full run ends.

Usage: python benchmarks/gan_probes.py acgan --task mnist --param steps=429 --param aux_on_fake=false [--probes 6]
"""

from __future__ import annotations

import argparse
import time


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("generator")
    ap.add_argument("--task", default="mnist")
    ap.add_argument("--budget", default="standard")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--param", action="append", default=[])
    ap.add_argument("--probes", type=int, default=6)
    ap.add_argument("--data-dir", default=None)
    args = ap.parse_args()

    from synthbench import registry
    from synthbench.config import parse_param_strings, resolve
    from synthbench.diagnostics import TrainingMonitor
    from synthbench.seeding import derive_seed

    cfg = resolve(args.task, args.generator, args.budget, args.seed, "cpu", parse_param_strings(args.param))
    data = registry.modalities.get(cfg.task.modality).load_splits(cfg.task, cfg.budget_spec, args.data_dir)
    gen = cfg.build_generator()
    monitor = TrainingMonitor(cfg.task.metrics.feature_extractor, data.validation, seed=derive_seed(args.seed, "probe"),
                              num_probes=args.probes)
    print(f"{args.generator} on {args.task} ({len(data.train)} images), conditioning {cfg.conditioning}: "
          + ", ".join(f"{k}={v}" for k, v in sorted(cfg.generator_params.items())), flush=True)
    t0 = time.perf_counter()
    gen.fit(data.train, monitor=monitor)
    print(f"fit {time.perf_counter() - t0:.1f} s")
    monitor.finish(gen, gen.history_[-1]["step"])  # the finished model, as a run's final probe
    for p in monitor.probes:
        print(f"step {p['step']:6d}  FID {p['fid']:8.1f} (real-vs-real {p['reference_fid']:.1f})  "
              f"label accuracy {p.get('label_accuracy', float('nan')):.3f}  diversity {p['diversity']:.2f}  "
              f"coverage {p['class_coverage']:.2f}")
    history = gen.history_
    for rec in history[:: max(1, len(history) // 6)]:
        print("  " + ", ".join(f"{k} {v:.3g}" if isinstance(v, float) else f"{k} {v}" for k, v in rec.items()))


if __name__ == "__main__":
    main()
