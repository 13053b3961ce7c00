"""Report at scale: ``synthbench report`` over a store of about 1,000 runs of 3 tasks (target: under 30 s on a 2-core
laptop), timed beside the bare reference - one ``mlflow.search_runs`` of the same store into pandas, the least any
reader of these runs must do - and the store requests the report makes counted (a few searches, then one request per
row for its sample grid - up to three, one per seed, while the store has not kept it - and per GAN row for its
training curve: not one per run).

The store is built by ``synthbench.tracking.import_runs`` with runs shaped like real ones: an image task (10 classes:
per-class accuracy per regime, fidelity with its real-vs-real reference, GAN probe curves and a diagnosis), two
table tasks (fidelity, privacy, fairness by two sensitive columns), cost; parameters like a run's (about 60).
3 tasks x 10 generators x 34 seeds = 1,020 runs, a few failed.

Usage: python benchmarks/report_scale.py [--seeds 34] [--out results/report_scale]
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from synthbench import keys, tracking

TASKS = {"mnist-like": "image", "adult-like": "table", "lending-like": "table"}
GENERATORS = ["gan", "dcgan", "cgan", "acgan", "wgan-gp", "real", "pca-gmm", "ctgan", "tvae", "marginals"]


def fake_run(task: str, modality: str, generator: str, seed: int, rng: random.Random, t: int) -> dict:
    base = 0.5 + 0.04 * GENERATORS.index(generator)
    tstr = min(0.99, base + rng.gauss(0, 0.01))
    m = {keys.utility("real", "accuracy"): 0.99, keys.utility("synthetic", "accuracy"): tstr,
         keys.utility("mixed", "accuracy"): 0.98, keys.TSTR_OVER_TRTR: tstr / 0.99,
         keys.FIT_SECONDS: 200 + rng.random() * 50, keys.TOTAL_SECONDS: 400 + rng.random() * 80,
         keys.PEAK_RSS_MB: 3000 + rng.random() * 200}
    params = {f"generator.p{i}": i for i in range(20)} | {f"downstream.p{i}": i for i in range(10)}
    params |= {f"version.pkg{i}": "1.0" for i in range(12)} | {f"data.sha256.file{i}": "ab" * 32 for i in range(4)}
    params |= {"task.name": task, "task.version": 2, "generator.name": generator, "budget": "standard", "seed": seed}
    tags = {keys.TAG_TASK: task, keys.TAG_GENERATOR: generator, keys.TAG_BUDGET: "standard", keys.TAG_SEED: str(seed),
            keys.TAG_STATUS: "completed", "mlflow.runName": f"{generator}-{task}-s{seed}"}
    curves = {}
    if modality == "image":
        for regime in ("real", "synthetic", "mixed"):
            m |= {keys.per_class(regime, k): min(1.0, tstr + rng.gauss(0, 0.02)) for k in range(10)}
            m[keys.utility(regime, "macro_f1")] = tstr
        m |= {keys.FID: 20 + rng.random() * 30, keys.KID: 100.0, keys.PRECISION: 0.7, keys.RECALL: 0.7}
        m |= {keys.reference(k): 5.0 for k in (keys.FID, keys.KID, keys.PRECISION, keys.RECALL)}
        if generator in ("gan", "dcgan", "cgan", "acgan", "wgan-gp"):
            tags[keys.TAG_DIAGNOSIS] = "healthy"
            curves[keys.probe("fid")] = [(s * 300, 300.0 / (s + 1)) for s in range(1, 7)]
            curves[keys.probe("reference_fid")] = [(1800, 5.0)]
    else:
        m |= {keys.fidelity("quality"): 0.8, keys.fidelity("detection"): 0.6, keys.privacy("dcr_share"): 0.5,
              keys.privacy("mia_auc"): 0.51, keys.privacy("exact_copies"): 0.0}
        for col in ("sex", "race"):
            m |= {keys.fairness(r, col, x): rng.random() * 0.2 for r in ("real", "synthetic")
                  for x in ("demographic_parity_difference", "equal_opportunity_difference")}
            m |= {keys.data_fairness(col, d): rng.random() * 0.2 for d in ("real", "synthetic")}
    status = "FAILED" if rng.random() < 0.02 else "FINISHED"
    if status == "FAILED":
        m, tags[keys.TAG_ERROR] = {}, "RuntimeError: diverged"
    return {"tags": tags, "params": params, "metrics": m, "curves": curves, "status": status,
            "start_time": 1_790_000_000_000 + t}


class Counts:
    """Store requests made by the report, counted by wrapping MLflow's SQLAlchemy store."""

    def __init__(self):
        from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

        self.counts = {"search_runs pages": 0, "get_metric_history": 0, "artifact reads": 0}
        wrap = [("_search_runs", "search_runs pages"), ("get_metric_history", "get_metric_history")]
        for name, label in wrap:
            original = getattr(SqlAlchemyStore, name)

            def counted(*a, _original=original, _label=label, **kw):
                self.counts[_label] += 1
                return _original(*a, **kw)

            setattr(SqlAlchemyStore, name, counted)
        import mlflow.tracking

        original_download = mlflow.tracking.MlflowClient.download_artifacts

        def download(*a, **kw):
            self.counts["artifact reads"] += 1
            return original_download(*a, **kw)

        mlflow.tracking.MlflowClient.download_artifacts = download


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=34)
    ap.add_argument("--out", default="results/report_scale")
    args = ap.parse_args()
    rng = random.Random(0)
    with tempfile.TemporaryDirectory() as tmp:
        uri = f"sqlite:///{tmp}/mlflow.db"
        t0 = time.perf_counter()
        runs = [fake_run(task, modality, g, s, rng, i) for i, (task, modality, g, s) in enumerate(
            (task, modality, g, s) for task, modality in TASKS.items() for g in GENERATORS for s in range(args.seeds))]
        tracking.import_runs(uri, "synthbench", runs)
        built = time.perf_counter() - t0
        print(f"store: {len(runs)} runs of {len(TASKS)} tasks written in {built:.0f} s", flush=True)

        # the bare reference: one search of the store into pandas
        code = ("import time, mlflow; t = time.perf_counter(); mlflow.set_tracking_uri(%r); "
                "f = mlflow.search_runs(search_all_experiments=True, max_results=100000); "
                "print(len(f), time.perf_counter() - t)" % uri)
        t0 = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
        bare_total, bare_search = time.perf_counter() - t0, float(out[1])
        # synthbench report, as a user runs it
        t0 = time.perf_counter()
        proc = subprocess.run([str(Path(sys.executable).parent / "synthbench"), "report", "--tracking-uri", uri,
                               "--out", f"{tmp}/report"], capture_output=True, text=True)
        report_total = time.perf_counter() - t0
        assert proc.returncode == 0, proc.stderr
        # the same in this process, with the store's requests counted
        counts = Counts()
        from synthbench import api

        t0 = time.perf_counter()
        result, _ = api.report(f"{tmp}/report2", tracking_uri=uri)
        in_process = time.perf_counter() - t0
        rows = sum(len(b.rows) for b in result.boards)

    summary = {"runs": len(runs), "tasks": len(TASKS), "rows": rows, "report_command_s": report_total,
               "report_in_process_s": in_process, "bare_search_runs_command_s": bare_total,
               "bare_search_runs_s": bare_search, "ratio_command": report_total / bare_total,
               "store_requests": counts.counts, "target_s": 30}
    print(f"synthbench report (command, figures on): {report_total:.1f} s; in process: {in_process:.1f} s")
    print(f"bare mlflow.search_runs (command): {bare_total:.1f} s (the search itself {bare_search:.1f} s)")
    print(f"ratio report / bare: {report_total / bare_total:.2f}x; target: report under 30 s -> "
          f"{'met' if report_total < 30 else 'MISSED'}")
    print("store requests of the report: " + ", ".join(f"{k} {v}" for k, v in counts.counts.items())
          + f" ({len(runs)} runs, {rows} rows)")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(summary, indent=2) + "\n")


if __name__ == "__main__":
    main()
