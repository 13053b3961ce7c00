"""Time ``synthbench run --generator <g> --task <table task>`` against bare SDV + scikit-learn/XGBoost/SDMetrics/
fairlearn code doing the same work (``bare_tabular.py``), in one run, as whole processes (interpreter start to
exit), alternating the two ``--repeats`` times. Prints each time, headline numbers from both, the ratio of the
medians (target <= 1.10) and synthbench's median wall time. synthbench records into an existing MLflow store,
as a user's second and later runs do (creating a new SQLite store costs about 2 s once; it is made before timing).

Usage: python benchmarks/bench_tabular.py [--task adult] [--generator gaussian-copula] [--budget standard]
                                          [--seed 0] [--repeats 3] [--out results/bench_tabular_<task>_<generator>_<budget>.txt]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

import synthbench
from synthbench import keys

ROOT = Path(__file__).resolve().parents[1]
SDV_NAMES = {"gaussian-copula": "GaussianCopulaSynthesizer", "ctgan": "CTGANSynthesizer", "tvae": "TVAESynthesizer",
             "copula-gan": "CopulaGANSynthesizer"}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--task", default="adult")
    ap.add_argument("--generator", default="gaussian-copula", choices=sorted(SDV_NAMES))
    ap.add_argument("--budget", default="standard")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    from synthbench.config import resolve

    cfg = resolve(args.task, args.generator, args.budget, args.seed, "cpu")
    sdv_params = {k: v for k, v in cfg.generator_params.items() if k not in ("random_state", "device")}
    if args.generator != "gaussian-copula":
        sdv_params["enable_gpu"] = False
    exe = Path(sys.executable).parent / "synthbench"
    command = (f"python benchmarks/bench_tabular.py --task {args.task} --generator {args.generator} --budget {args.budget} "
               f"--seed {args.seed} --repeats {args.repeats}")
    import os

    from synthbench.background import ENV_EVAL_WORKER

    if ENV_EVAL_WORKER in os.environ:  # the evaluation worker switched on or off for this measurement
        command = f"{ENV_EVAL_WORKER}={os.environ[ENV_EVAL_WORKER]} {command}"
    lines = [f"$ {command}", "machine: 2 CPU cores, no GPU", ""]

    def say(text: str) -> None:
        print(text, flush=True)
        lines.append(text)

    t_sb, t_bare = [], []
    for i in range(args.repeats):
        with tempfile.TemporaryDirectory() as tmp:
            import mlflow

            mlflow.tracking.MlflowClient(f"sqlite:///{tmp}/mlflow.db").search_experiments()  # the store exists
            t = time.perf_counter()
            subprocess.run([str(exe), "run", "-g", args.generator, "-t", args.task, "--budget", args.budget, "--seed", str(args.seed),
                            "--device", "cpu", "--tracking-uri", f"sqlite:///{tmp}/mlflow.db"], cwd=tmp, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            t_sb.append(time.perf_counter() - t)
            m = synthbench.load_runs(f"sqlite:///{tmp}/mlflow.db").iloc[-1]  # the run just made
        head = "accuracy" if pd.notna(m.get(keys.utility("real", "accuracy"))) else "r2"
        say(f"[{i + 1}] synthbench: {t_sb[-1]:.1f} s wall (fit {m[keys.FIT_SECONDS]:.1f} s); {head} real/synthetic/mixed = "
            + " / ".join(f"{m[keys.utility(r, head)]:.4f}" for r in ("real", "synthetic", "mixed"))
            + f"; quality {m[keys.fidelity('quality')]:.4f}; detection AUC {m[keys.fidelity('detection_auc')]:.4f}; "
            f"exact copies {m[keys.privacy('exact_copies')]:.4f}; MIA AUC {m[keys.privacy('mia_auc')]:.4f}")
        t = time.perf_counter()
        out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bare_tabular.py"), args.task, SDV_NAMES[args.generator],
                              json.dumps(sdv_params), args.budget, str(args.seed)], cwd=ROOT, check=True, capture_output=True, text=True)
        t_bare.append(time.perf_counter() - t)
        b = json.loads(out.stdout.strip().splitlines()[-1])
        r = b["results"]
        say(f"[{i + 1}] bare:       {t_bare[-1]:.1f} s wall (fit {b['fit_seconds']:.1f} s); {head} real/synthetic/mixed = "
            + " / ".join(f"{r[x][head]:.4f}" for x in ("real", "synthetic", "mixed"))
            + f"; quality {r['quality']:.4f}; exact copies {r['exact_copies']:.4f}; MIA AUC {r['mia_auc']:.4f}")
    ratio = statistics.median(t_sb) / statistics.median(t_bare)
    say("")
    say(f"median wall: synthbench {statistics.median(t_sb):.1f} s, bare {statistics.median(t_bare):.1f} s")
    say(f"ratio synthbench/bare = {ratio:.3f} (target <= 1.10): {'PASS' if ratio <= 1.10 else 'FAIL'}")
    out = Path(args.out or ROOT / "results" / f"bench_tabular_{args.task}_{args.generator}_{args.budget}.txt")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
