"""Leaderboard of generators on image tasks: each cell is one ordinary ``synthbench run``.

For every task x generator it runs ``synthbench.run`` in a process of its own (so peak memory is the cell's) (MLflow store ``--tracking-uri``, default the same
as ``synthbench run``: ./mlflow.db), then writes one row: TSTR accuracy, TSTR/TRTR, FID/KID/precision/recall (with
the real-vs-real reference), fit seconds, peak memory, the diagnosis tag and the run id. A failed cell
is recorded with its reason and the board carries on; finished cells found in the JSON are skipped, so
an interrupted board resumes where it stopped - unless the cell's task file has changed version since
(or the cell predates versions being recorded): such a cell is run again, never mixed into the board.
Every command that contributed cells is listed in the file.

Usage: python benchmarks/leaderboard.py [--tasks mnist,fashion-mnist] [--generators gan,dcgan,...]
                                         [--budget standard] [--seed 0] [--data-dir DIR] [--out results/leaderboard_standard]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GENERATORS = ("gan", "dcgan", "cgan", "acgan", "wgan-gp", "real", "pca-gmm")
COLUMNS = (("TSTR acc", "utility/synthetic/accuracy"), ("TRTR acc", "utility/real/accuracy"),
           ("TSTR/TRTR", "utility/tstr_over_trtr"), ("FID", "fidelity/fid"), ("KID", "fidelity/kid"),
           ("precision", "fidelity/precision"), ("recall", "fidelity/recall"), ("fit s", "cost/fit_seconds"),
           ("total s", "cost/total_seconds"), ("peak MiB", "cost/peak_rss_mb"))


def write(out: Path, rows: list[dict], commands: list[str], notes: list[str]) -> None:
    out.with_suffix(".json").write_text(json.dumps({"commands": commands, "machine": "2 CPU cores, no GPU", "notes": notes,
                                                    "rows": rows}, indent=2) + "\n")
    lines = ["# Leaderboard", "", "Commands (each resumes the same board; cells already finished at the same task version are kept):", ""]
    lines += [f"    {c}" for c in commands]
    lines += ["", "Machine: 2 CPU cores, no GPU. One run per cell (seed in the table); "
              "FID/KID/PR against the real test split in the task's LeNet feature space, real-vs-real reference in brackets.", ""]
    lines += [f"- {n}" for n in notes] + ([""] if notes else [])
    for task in dict.fromkeys(r["task"] for r in rows):
        versions = sorted({r.get("task_version") for r in rows if r["task"] == task}, key=str)
        dates = sorted({r["date"] for r in rows if r["task"] == task and r.get("date")})
        when = " to ".join(dict.fromkeys([dates[0], dates[-1]])) if dates else "-"
        lines += [f"## {task}", "", f"Task version {', '.join(map(str, versions))}; cells run {when}.", "",
                  "| generator | " + " | ".join(c for c, _ in COLUMNS) + " | diagnosis | run |",
                  "|---|" + "---|" * (len(COLUMNS) + 2)]
        for r in (r for r in rows if r["task"] == task):
            if r["status"] != "FINISHED":
                lines.append(f"| {r['generator']} | " + " | ".join("-" for _ in COLUMNS) + f" | FAILED: {r.get('error', '')[:80]} | {r.get('run_id', '')} |")
                continue
            m = r["metrics"]
            cells = []
            for _, key in COLUMNS:
                v = m.get(key)
                ref = m.get(key.replace("fidelity/", "fidelity/reference/", 1)) if key.startswith("fidelity/") else None
                cells.append("n/a" if v is None else (f"{v:.4f}" if abs(v) < 100 else f"{v:.0f}") + (f" ({ref:.3g})" if ref is not None else ""))
            lines.append(f"| {r['generator']} | " + " | ".join(cells) + f" | {r.get('diagnosis') or 'n/a'} | `{r['run_id'][:8]}` |")
        lines.append("")
    out.with_suffix(".md").write_text("\n".join(lines))


def run_cell(task: str, gen: str, args) -> dict:
    import signal

    from synthbench.progress import interrupt
    from synthbench.runner import run

    signal.signal(signal.SIGTERM, interrupt)  # a killed cell ends its MLflow run KILLED, not RUNNING

    try:
        res = run(task=task, generator=gen, budget=args.budget, seed=args.seed, data_dir=args.data_dir, tracking_uri=args.tracking_uri,
                  experiment="leaderboard", save_synthetic=False, system_metrics=False)
        return {"task": task, "task_version": res.config["task"]["version"], "date": time.strftime("%Y-%m-%d"),
                "generator": gen, "seed": args.seed, "status": res.status, "run_id": res.run_id,
                "diagnosis": res.diagnosis, "metrics": res.metrics, "not_applicable": res.not_applicable}
    except Exception as exc:  # noqa: BLE001 - a failed cell is recorded; the board goes on
        return {"task": task, "generator": gen, "seed": args.seed, "status": "FAILED",
                "run_id": getattr(exc, "synthbench_run_id", ""), "error": f"{type(exc).__name__}: {exc}"}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tasks", default="mnist,fashion-mnist")
    ap.add_argument("--generators", default=",".join(GENERATORS))
    ap.add_argument("--budget", default="standard")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--tracking-uri", default=None)
    ap.add_argument("--out", default=None)
    ap.add_argument("--cell", nargs=2, metavar=("TASK", "GENERATOR"), help=argparse.SUPPRESS)  # one cell, JSON on stdout
    args = ap.parse_args()
    if args.cell:
        print(json.dumps(run_cell(*args.cell, args)))
        return

    out = Path(args.out or ROOT / "results" / f"leaderboard_{args.budget}")
    out.parent.mkdir(parents=True, exist_ok=True)
    uri = args.tracking_uri  # None: synthbench's default store (./mlflow.db), as `synthbench run` uses
    command = f"python benchmarks/leaderboard.py --tasks {args.tasks} --generators {args.generators} --budget {args.budget} --seed {args.seed}"
    command += f" --data-dir {args.data_dir}" if args.data_dir else ""
    from synthbench.tasks import load_task

    previous = json.loads(out.with_suffix(".json").read_text()) if out.with_suffix(".json").is_file() else {}
    rows, notes = previous.get("rows", []), previous.get("notes", [])
    version = {t: load_task(t).version for t in {r["task"] for r in rows} | set(args.tasks.split(","))}
    current = [r for r in rows if r["status"] == "FINISHED" and r.get("task_version") == version[r["task"]]]
    if len(current) < len([r for r in rows if r["status"] == "FINISHED"]):
        print(f"{len(rows) - len(current)} cell(s) failed or ran at another task version (or none recorded): run again", flush=True)
    rows = current
    done = {(r["task"], r["generator"]) for r in rows}
    for task in args.tasks.split(","):
        for gen in args.generators.split(","):
            if (task, gen) in done:
                continue
            t0 = time.perf_counter()
            cell = [sys.executable, __file__, "--cell", task, gen, "--budget", args.budget, "--seed", str(args.seed)]
            cell += (["--data-dir", args.data_dir] if args.data_dir else []) + (["--tracking-uri", uri] if uri else [])
            proc = subprocess.run(cell, capture_output=True, text=True)
            lines = [x for x in proc.stdout.splitlines() if x.startswith("{")]
            row = json.loads(lines[-1]) if lines else {
                "task": task, "generator": gen, "seed": args.seed, "status": "FAILED", "run_id": "",
                "error": f"cell process exited {proc.returncode}: {proc.stderr.strip().splitlines()[-1:] or ''}"}
            row["command"] = command
            rows.append(row)
            print(f"{task:14s} {gen:8s} {row['status']:8s} {time.perf_counter() - t0:6.0f} s  "
                  f"TSTR {row.get('metrics', {}).get('utility/synthetic/accuracy', float('nan')):.4f}  "
                  f"diagnosis {row.get('diagnosis')}", flush=True)
            write(out, rows, list(dict.fromkeys(r["command"] for r in rows if r.get("command"))), notes)


if __name__ == "__main__":
    main()
