"""How far should the MNIST downstream CNN translate its training images? (the task's ``shift``)

For each seed: fits ``cgan`` at the standard budget on the training split, samples a synthetic set of
the same size (labels drawn as ``synthbench run`` draws them), then trains the task's downstream CNN on
real (TRTR) and on synthetic (TSTR) data for each ``shift``. The choice is made on the **validation**
split (carved from train); test accuracy is printed beside it only to report, never to choose.

Usage: python benchmarks/downstream_shift.py --seeds 0,1,2,3 --shifts 0,1,2 [--device auto] [--out results/downstream_shift.json]
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
    ap.add_argument("--seeds", default="0,1,2,3")
    ap.add_argument("--shifts", default="0,1,2")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--out", default=str(ROOT / "results" / "downstream_shift.json"))
    args = ap.parse_args()
    from synthbench import registry
    from synthbench.data import balanced_labels
    from synthbench.downstream.cnn import CNNClassifier
    from synthbench.generators.cgan import CGAN
    from synthbench.seeding import derive_seed
    from synthbench.tasks import load_task
    from synthbench.torch_utils import resolve_device

    device = resolve_device(args.device)
    task = load_task("mnist")
    data = registry.modalities.get(task.modality).load_splits(task, task.budget("standard"), None)
    params = {**task.downstream.params, "epochs": task.budget("standard").downstream_epochs}
    command = f"python benchmarks/downstream_shift.py --seeds {args.seeds} --shifts {args.shifts} --device {args.device}"
    rows = []
    for seed in (int(s) for s in args.seeds.split(",")):
        t = time.perf_counter()
        gen = CGAN(random_state=seed, device=device).fit(data.train)  # standard budget: the class defaults
        fit_s = time.perf_counter() - t
        labels = balanced_labels(len(data.train), data.train.num_classes,
                                 np.random.default_rng(derive_seed(seed, "synthetic-labels")), data.train.class_counts())
        synthetic = gen.sample(len(labels), labels=labels)
        for regime, train in (("real", data.train), ("synthetic", synthetic)):
            for shift in (int(s) for s in args.shifts.split(",")):
                t = time.perf_counter()
                model = CNNClassifier(**{**params, "shift": shift}, random_state=derive_seed(seed, f"downstream/{regime}"),
                                      device=device).fit(train, validation=data.validation)
                row = {"seed": seed, "regime": regime, "shift": shift,
                       "validation_accuracy": max(h["val_accuracy"] for h in model.history_),
                       "test_accuracy": float(np.mean(model.predict(data.test.images) == data.test.labels)),
                       "best_epoch": model.best_epoch_, "cgan_fit_seconds": round(fit_s, 1),
                       "cnn_seconds": round(time.perf_counter() - t, 1)}
                rows.append(row)
                print(row, flush=True)
                Path(args.out).write_text(json.dumps({"command": command, "device": device, "rows": rows}, indent=1) + "\n")
    print("\nregime     shift  mean validation  mean test (reported, not used to choose)")
    for regime in ("real", "synthetic"):
        for shift in sorted({r["shift"] for r in rows}):
            sel = [r for r in rows if r["regime"] == regime and r["shift"] == shift]
            print(f"{regime:10s} {shift:5d}  {np.mean([r['validation_accuracy'] for r in sel]):.4f}           "
                  f"{np.mean([r['test_accuracy'] for r in sel]):.4f}")


if __name__ == "__main__":
    main()
