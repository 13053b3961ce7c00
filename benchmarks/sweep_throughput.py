"""Sweep throughput: the same sweep through ``--workers 1``, ``--workers 2`` and Dask (a ``LocalCluster`` of 2), each
on a fresh store, timed as a user runs it (the ``synthbench sweep`` command, planning included).

Prints cells per minute for each executor, the ratio ``--workers 2`` / ``--workers 1`` (target >= 1.8x on a 2-core
machine) and Dask's wall time over the local pool's (target <= 1.15x), and checks that the three stores hold the
same cells, each once, finished, and that the pool and Dask (one thread per cell each) recorded identical metrics
(the default generators are non-neural; the downstream models are seeded). ``--workers 1`` gives each cell both
cores, and torch's CPU kernels then sum in another order: where its numbers differ, the largest relative difference
is printed.

The default grid is quick, CPU-bound cells: mnist x (real, pca-gmm) and adult x (real, marginals, gaussian-copula)
at the quick budget, seeds 0 and 1 - 10 cells (the pairs whose generator does not handle the task's data are
skipped by the sweep).

Usage: python benchmarks/sweep_throughput.py [--tasks mnist,adult] [--generators real,pca-gmm,marginals,gaussian-copula]
                                             [--seeds 0,1] [--budget quick] [--data-dir DIR] [--out results/sweep_throughput]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import synthbench
from synthbench import keys, load_runs

EXECUTORS = {"workers-1": ["--workers", "1"], "workers-2": ["--workers", "2"],
             "dask-2": ["--executor", "dask", "--workers", "2"]}
RESULTS = ("utility", "fidelity", "privacy", "fairness")  # the groups of keys whose values must agree


def result_key(column: str) -> bool:
    """A metric whose value must not depend on the executor (not a cost, a curve or a configuration column)."""
    try:
        return keys.parse(column).group in RESULTS
    except ValueError:
        return False


def run_sweep(name: str, extra: list[str], args, folder: Path) -> dict:
    uri = f"sqlite:///{folder / name / 'mlflow.db'}"
    cmd = [str(Path(sys.executable).parent / "synthbench"), "sweep", "--name", "throughput", "--tasks", args.tasks,
           "--generators", args.generators, "--seeds", args.seeds, "--budgets", args.budget, *extra, "--tracking-uri", uri]
    if args.data_dir:
        cmd += ["--data-dir", args.data_dir]
    t0 = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=folder, env={**os.environ, "COLUMNS": "200"})
    wall = time.perf_counter() - t0
    if out.returncode != 0:
        sys.exit(f"{name}: synthbench sweep exited {out.returncode}:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}")
    runs = load_runs(uri, sweep="throughput")
    cells = runs[runs["cell"].notna()]
    results = [c for c in cells.columns if result_key(c)]
    metrics = {r["cell"]: {c: r[c] for c in results if r[c] == r[c]} for _, r in cells.iterrows()}
    labels = {r["cell"]: f"{r['generator']} on {r['task']} seed {r['seed']}" for _, r in cells.iterrows()}
    return {"command": " ".join(cmd[1:]), "wall_seconds": wall, "cells": len(cells), "distinct_cells": int(cells["cell"].nunique()),
            "finished": int((cells["status"] == "FINISHED").sum()), "cells_per_minute": len(cells) / (wall / 60),
            "cell_seconds": float(cells["cost/total_seconds"].sum()), "metrics": metrics, "labels": labels}


def differences(a: dict, b: dict, labels: dict) -> list[str]:
    """The metrics two stores disagree on: ``cell: key a vs b``."""
    out = []
    for cell in sorted(set(a) | set(b)):
        x, y = a.get(cell, {}), b.get(cell, {})
        for k in sorted(set(x) | set(y)):
            if x.get(k) != y.get(k):
                out.append(f"{labels.get(cell, cell)}: {k} {x.get(k)} vs {y.get(k)}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", default="mnist,adult")
    ap.add_argument("--generators", default="real,pca-gmm,marginals,gaussian-copula")
    ap.add_argument("--seeds", default="0,1")
    ap.add_argument("--budget", default="quick")
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--out", default="results/sweep_throughput")
    args = ap.parse_args()
    found = {}
    with tempfile.TemporaryDirectory(prefix="sweep-throughput-") as tmp:
        for name, extra in EXECUTORS.items():
            found[name] = run_sweep(name, extra, args, Path(tmp))
            r = found[name]
            print(f"{name:10s} {r['cells']} cells ({r['finished']} finished) in {r['wall_seconds']:.1f} s: "
                  f"{r['cells_per_minute']:.2f} cells/min; the cells' own total_seconds sum to {r['cell_seconds']:.0f} s",
                  flush=True)
    base = found["workers-1"]
    diffs = differences(found["workers-2"]["metrics"], found["dask-2"]["metrics"], base["labels"])
    same = not diffs
    for line in diffs[:20]:
        print(f"differs, --workers 2 vs Dask: {line}")
    rel = [abs(a - b) / max(abs(a), abs(b), 1e-12) for cell, m in found["workers-2"]["metrics"].items()
           for k, a in m.items() for b in [base["metrics"].get(cell, {}).get(k, a)]]
    print(f"--workers 1 (2 threads per cell) against --workers 2 (1 thread): {sum(r > 0 for r in rel)} of {len(rel)} "
          f"metric values differ, by at most {max(rel, default=0):.2e} (relative)")
    complete = all(r["cells"] == r["distinct_cells"] == r["finished"] == base["cells"] for r in found.values())
    speedup = found["workers-2"]["cells_per_minute"] / base["cells_per_minute"]
    dask_over_pool = found["dask-2"]["wall_seconds"] / found["workers-2"]["wall_seconds"]
    print(f"--workers 2 / --workers 1 cells per minute: {speedup:.2f}x (target >= 1.8x)")
    print(f"Dask LocalCluster(2) / --workers 2 wall time: {dask_over_pool:.3f}x (target <= 1.15x)")
    print(f"every executor recorded each cell once, all finished: {complete}; identical metrics (pool, Dask): {same}")
    report = {"command": "python " + " ".join(sys.argv), "machine": f"{os.cpu_count()} CPU cores, {platform.machine()}",
              "synthbench": synthbench.__version__, "date": time.strftime("%Y-%m-%d"), "speedup_workers2": speedup,
              "dask_over_pool": dask_over_pool, "complete": complete, "identical_metrics_pool_dask": same, "differences_pool_dask": diffs,
              "max_relative_difference_2_threads_vs_1": max(rel, default=0),
              "runs": {n: {k: v for k, v in r.items() if k not in ("metrics", "labels")} for n, r in found.items()}}
    Path(args.out).with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
