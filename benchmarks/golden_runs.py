"""Golden metrics: four quick runs whose every metric must survive a restructure unchanged.

    python benchmarks/golden_runs.py --data-dir ../shared/datasets --out tests/fixtures/golden_metrics.json

Records, for each run, its configuration and every final metric except timings and memory (``cost/*``),
which differ between machines, and the machine's numerics (``synthbench.records.numerics``: where they match, the
test expects every non-neural metric to the last digit). ``tests/test_pipeline.py::test_golden_metrics`` reruns the same
configurations and compares: identical for the non-neural generators, within a stated tolerance for cgan.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from pathlib import Path

import synthbench
from synthbench import keys
from synthbench.records import numerics

#: name -> (task, generator, budget, seed, generator params)
RUNS = {
    "pca-gmm/mnist": ("mnist", "pca-gmm", "quick", 0, {}),
    "gaussian-copula/adult": ("adult", "gaussian-copula", "quick", 0, {}),
    "real/adult": ("adult", "real", "quick", 0, {}),
    "cgan/mnist": ("mnist", "cgan", "quick", 0, {"steps": 78}),  # one pass over the quick budget's 10,000 images
}


def measured(metrics: dict) -> dict:
    """The metrics a restructure must not change: everything but timings and memory."""
    return {k: v for k, v in sorted(metrics.items()) if keys.parse(k).group != "cost"}


def run_one(name: str, data_dir: str | None, tracking_uri: str) -> dict:
    task, generator, budget, seed, params = RUNS[name]
    result = synthbench.run(task, generator, budget=budget, seed=seed, params=params, data_dir=data_dir,
                            tracking_uri=tracking_uri, save_synthetic=False, system_metrics=False)
    return {"task": task, "generator": generator, "budget": budget, "seed": seed, "params": params,
            "status": result.status, "metrics": measured(result.metrics)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--runs", default=",".join(RUNS), help="comma-separated names from RUNS")
    ap.add_argument("--out", default="tests/fixtures/golden_metrics.json")
    args = ap.parse_args()
    commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                            cwd=Path(synthbench.__file__).parent).stdout.strip()
    out = {"synthbench_commit": commit, "machine": numerics(), "command": "python benchmarks/golden_runs.py " + " ".join(
        f"--{k.replace('_', '-')} {v}" for k, v in vars(args).items() if v), "runs": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.runs.split(","):
            t0 = time.perf_counter()
            out["runs"][name] = run_one(name, args.data_dir, f"sqlite:///{tmp}/mlflow.db")
            print(f"{name}: {len(out['runs'][name]['metrics'])} metrics in {time.perf_counter() - t0:.0f} s", flush=True)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
