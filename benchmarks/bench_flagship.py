"""Time the flagship (``synthbench run --generator cgan --task mnist``) against a bare PyTorch script
with the same networks, epochs and downstream model (``bare_flagship.py``), in one run.

Usage: python benchmarks/bench_flagship.py [--budget standard]

Both run as fresh processes from the repository root, one after the other, timed end to end
(interpreter start to exit). Prints both times, their accuracies, and the ratio (target <= 1.10).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import synthbench
from synthbench import keys

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--budget", default="standard")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    from synthbench.config import resolve

    cfg = resolve("mnist", "cgan", args.budget, args.seed, "cpu")
    fid_n = cfg.budget_spec.fidelity_samples
    exe = Path(sys.executable).parent / "synthbench"
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        subprocess.run([str(exe), "run", "-g", "cgan", "-t", "mnist", "--budget", args.budget, "--seed", str(args.seed),
                        "--device", "cpu", "--tracking-uri", f"sqlite:///{tmp}/mlflow.db"], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        t_sb = time.perf_counter() - t
        m = synthbench.load_runs(f"sqlite:///{tmp}/mlflow.db").iloc[-1]  # the run just made
    acc = "/".join(f"{m[keys.utility(r, 'accuracy')]:.4f}" for r in ("real", "synthetic", "mixed"))
    print(f"synthbench: {t_sb:.1f} s wall (fit {m[keys.FIT_SECONDS]:.1f} s); accuracy real/synthetic/mixed = {acc}; "
          f"FID {m[keys.FID]:.3f} (real-vs-real {m[keys.reference(keys.FID)]:.3f})", flush=True)
    t = time.perf_counter()
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bare_flagship.py"), json.dumps(cfg.generator_params),
                          json.dumps({**cfg.model_params, "random_state": args.seed}), str(fid_n)],
                         cwd=ROOT, check=True, capture_output=True, text=True)
    t_bare = time.perf_counter() - t
    b = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"bare:       {t_bare:.1f} s wall (fit {b['fit_seconds']:.1f} s); accuracy real/synthetic/mixed = "
          f"{b['accuracy']['real']:.4f}/{b['accuracy']['synthetic']:.4f}/{b['accuracy']['mixed']:.4f}; "
          f"FID {b['fid']:.3f} (real-vs-real {b['fid_reference']:.3f})")
    ratio = t_sb / t_bare
    print(f"ratio synthbench/bare = {ratio:.3f} (target <= 1.10): {'PASS' if ratio <= 1.10 else 'FAIL'}")


if __name__ == "__main__":
    main()
