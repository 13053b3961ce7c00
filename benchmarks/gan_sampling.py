"""How should a fitted GAN be sampled for a synthetic training set? One fit, several sampling settings.

Fits one generator at a task's budget (as ``synthbench run`` does, without the monitor), then for each sampling
setting draws the train-sized, class-balanced synthetic set the run would draw, trains the task's downstream
model on it (epoch chosen on the validation split) and prints its **validation** accuracy - the figure a
setting is chosen by - beside its test accuracy, which is reported and never used to choose. Every setting
draws from the same seeded stream, so they differ only by the setting.

Settings are ``name:key=value,key=value`` with sampling-time hyperparameters of the generator (``filter_samples``,
``best_of``); ``name:`` alone is the fitted model as configured.

Usage:
    python benchmarks/gan_sampling.py --task mnist --generator cgan --seed 100 \\
        --setting "as-configured:" --setting "no-filter:filter_samples=false" --setting "best-of-2:best_of=2" \\
        [--param name=value ...] [--out results/gan_sampling_...]
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
    ap.add_argument("--task", default="mnist")
    ap.add_argument("--generator", default="cgan")
    ap.add_argument("--budget", default="standard")
    ap.add_argument("--seed", type=int, default=100)
    ap.add_argument("--param", action="append", default=[])
    ap.add_argument("--setting", action="append", default=[])
    ap.add_argument("--out")
    args = ap.parse_args()

    from synthbench import keys, registry
    from synthbench.config import coerce, parse_param_strings, resolve
    from synthbench.data import balanced_labels
    from synthbench.metrics.utility import evaluate_regime
    from synthbench.seeding import derive_seed
    from synthbench.torch_utils import torch_generator

    cfg = resolve(args.task, args.generator, args.budget, args.seed, "cpu", parse_param_strings(args.param))
    data = registry.modalities.get(cfg.task.modality).load_splits(cfg.task, cfg.budget_spec, None)
    gen = cfg.build_generator()
    t = time.perf_counter()
    gen.fit(data.train)
    fit_seconds = round(time.perf_counter() - t, 1)
    print(f"fit {fit_seconds} s", flush=True)
    labels = balanced_labels(len(data.train), data.train.num_classes,
                             np.random.default_rng(derive_seed(args.seed, "synthetic-labels")), data.train.class_counts())
    defaults = {k: getattr(gen, k, None) for k in ("filter_samples", "best_of")}
    rows = []
    out = Path(args.out) if args.out else None
    for setting in args.setting or ["as-configured:"]:
        name, _, spec = setting.partition(":")
        params = {k: coerce(k, v, defaults[k], args.generator) for k, v in (kv.split("=", 1) for kv in spec.split(",") if kv)}
        for k, v in {**defaults, **params}.items():
            setattr(gen, k, v)
        gen.rng_ = torch_generator(derive_seed(args.seed, "synthetic"))
        t = time.perf_counter()
        syn = gen.sample(len(labels), labels=labels)
        sample_seconds = time.perf_counter() - t
        res = evaluate_regime(cfg.model_cls, {**cfg.model_params, "random_state": derive_seed(args.seed, "downstream/synthetic")},
                              "synthetic", syn, data.validation, data.test)
        row = {"setting": name, "params": params, "sample_seconds": round(sample_seconds, 1),
               "validation_accuracy": max(r["val_accuracy"] for r in res.history),
               "test_accuracy": res.metrics[keys.utility("synthetic", "accuracy")]}
        rows.append(row)
        print(f"{name:20s} validation {row['validation_accuracy']:.4f}  test {row['test_accuracy']:.4f}  "
              f"(sampling {row['sample_seconds']} s)", flush=True)
        if out is not None:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.with_suffix(".json").write_text(json.dumps(
                {"command": "python benchmarks/gan_sampling.py " + " ".join(
                    [f"--task {args.task}", f"--generator {args.generator}", f"--budget {args.budget}", f"--seed {args.seed}"]
                    + [f"--param {p}" for p in args.param] + [f'--setting "{s}"' for s in args.setting]),
                 "machine": "2 CPU cores, no GPU", "fit_seconds": fit_seconds,
                 "generator_params": dict(cfg.generator_params), "rows": rows}, indent=2, default=str) + "\n")


if __name__ == "__main__":
    main()
