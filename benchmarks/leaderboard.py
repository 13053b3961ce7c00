"""Leaderboard of generators on image tasks: each cell is one ordinary ``synthbench run``.

For every task x generator it runs ``synthbench.run`` in a process of its own (so peak memory is the cell's), in
the MLflow experiment ``leaderboard`` of the store ``--tracking-uri`` (default the same as ``synthbench run``:
./mlflow.db), tagged with the board's name (the name of ``--out``) and the command that ran it; the board is the
runs with its name at ``--budget`` and ``--seed``. The store is the board's only state: the table is rendered
from ``synthbench.load_runs`` - one row per cell: TSTR accuracy,
TSTR/TRTR, FID/KID/precision/recall (with the real-vs-real reference), fit seconds, peak memory, the diagnosis
tag and the run id. A cell whose finished run is in the store at the task's current version is skipped, so an
interrupted board resumes where it stopped; a failed cell is shown with the reason its run recorded and is run
again; a cell finished at another task version (or without one recorded) is run again, never mixed into the
board. Every command that contributed cells is listed in the file. ``<out>.json`` is an export of the published
rows (never read back); notes come from ``--notes`` (default ``<out>.notes.md`` when it exists: one ``- `` item
per note).

Usage: python benchmarks/leaderboard.py [--tasks mnist,fashion-mnist] [--generators gan,dcgan,...]
                                         [--budget standard] [--seed 0] [--data-dir DIR] [--tracking-uri URI]
                                         [--out results/leaderboard_standard] [--notes FILE]
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import synthbench
from synthbench import keys

ROOT = Path(__file__).resolve().parents[1]
GENERATORS = ("gan", "dcgan", "cgan", "acgan", "wgan-gp", "real", "pca-gmm")
EXPERIMENT = "leaderboard"
TAG_BOARD = "leaderboard.board"  # the board a cell's run belongs to: the name of --out
TAG_COMMAND = "leaderboard.command"  # the command that ran it
COLUMNS = (("TSTR acc", keys.utility("synthetic", "accuracy")), ("TRTR acc", keys.utility("real", "accuracy")),
           ("TSTR/TRTR", keys.TSTR_OVER_TRTR), ("FID", keys.FID), ("KID", keys.KID),
           ("precision", keys.PRECISION), ("recall", keys.RECALL), ("fit s", keys.FIT_SECONDS),
           ("total s", keys.TOTAL_SECONDS), ("peak MiB", keys.PEAK_RSS_MB))
CURVES = ("train", "probe", "downstream")  # step metrics: load_runs holds their last value, a row does not


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
                lines.append(f"| {r['generator']} | " + " | ".join("-" for _ in COLUMNS)
                             + f" | {r['status']}: {(r.get('error') or '')[:80]} | {r.get('run_id', '')} |")
                continue
            m = r["metrics"]
            cells = []
            for _, key in COLUMNS:
                v = m.get(key)
                ref = m.get(keys.reference(key)) if key in keys.FIDELITY else None
                cells.append("n/a" if v is None else (f"{v:.4f}" if abs(v) < 100 else f"{v:.0f}") + (f" ({ref:.3g})" if ref is not None else ""))
            lines.append(f"| {r['generator']} | " + " | ".join(cells) + f" | {r.get('diagnosis') or 'n/a'} | `{r['run_id'][:8]}` |")
        lines.append("")
    out.with_suffix(".md").write_text("\n".join(lines))


# -- the store: the board's state --------------------------------------------------------------------------
def board_runs(uri: str | None, board: str, budget: str, seed: int):
    """The board's runs, oldest first: ``synthbench.load_runs`` of the ``leaderboard`` experiment at ``budget`` and
    ``seed``, restricted to runs tagged with ``board`` and with the command each was run by (``command``)."""
    from synthbench.exceptions import ConfigError, TrackingError

    try:
        frame = synthbench.load_runs(uri, EXPERIMENT, budget=budget, seed=seed)
    except (TrackingError, ConfigError):  # no store or no leaderboard experiment yet: an empty board
        return None
    if frame.empty:
        return None
    frame["board"] = frame.get(f"tags.{TAG_BOARD}")
    frame["command"] = frame.get(f"tags.{TAG_COMMAND}")
    frame = frame[frame["board"] == board]
    return frame.reset_index(drop=True) if not frame.empty else None


def cell_row(run, seed: int) -> dict:
    """One row of the board (and of its JSON export) from a ``load_runs`` row."""
    version = None if _missing(run["task_version"]) else int(run["task_version"])
    if run["status"] != "FINISHED":
        return {"task": run["task"], "task_version": version, "generator": run["generator"], "seed": seed, "status": run["status"],
                "run_id": run["run_id"], "error": "" if _missing(run["error"]) else str(run["error"]), "command": run["command"]}
    metrics, not_applicable = {}, {}
    for column, value in run.items():
        if column.startswith("na.") and not _missing(value):
            not_applicable[column[len("na."):]] = value
        elif not _missing(value) and _metric(column):
            metrics[column] = float(value)
    diagnosis = None if _missing(run["diagnosis"]) or run["diagnosis"] == "not_applicable" else run["diagnosis"]
    return {"task": run["task"], "task_version": version, "date": datetime.fromtimestamp(run["end_time"].timestamp()).strftime("%Y-%m-%d"),
            "generator": run["generator"], "seed": seed, "status": run["status"], "run_id": run["run_id"], "diagnosis": diagnosis,
            "metrics": metrics, "not_applicable": not_applicable, "command": run["command"]}


def _metric(column: str) -> bool:
    try:
        return keys.parse(column).group not in CURVES
    except ValueError:  # an identity column, not a metric
        return False


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or str(value) in ("<NA>", "nan", "NaT")


def published(frame, version: dict, attempted: dict, seed: int) -> list[dict]:
    """The board's rows: for every cell, its latest finished run at the task's current version; else (failed,
    killed) its latest run at that version, shown with the reason. Cells run by this command come last, in the
    order they ran (``attempted``: cell -> what its process said; its run is read from the store, and only a cell
    that recorded no run (it failed before one was opened) is shown from what its process said)."""
    latest: dict[tuple, object] = {}
    if frame is not None:
        for _, run in frame.iterrows():
            cell = (run["task"], run["generator"])
            if cell in attempted or run["task"] not in version or _missing(run["task_version"]) \
                    or int(run["task_version"]) != version[run["task"]]:
                continue
            if run["status"] == "FINISHED" or cell not in latest or latest[cell]["status"] != "FINISHED":
                latest[cell] = run
    rows = [cell_row(run, seed) for run in sorted(latest.values(), key=lambda r: r["start_time"])]
    by_id = {run["run_id"]: run for _, run in frame.iterrows()} if frame is not None else {}
    for result in attempted.values():
        rows.append(cell_row(by_id[result["run_id"]], seed) if result["run_id"] in by_id else result)
    return rows


def read_notes(path: Path | None) -> list[str]:
    """Notes of a board: a Markdown file, one ``- `` item per note (further lines continue it)."""
    if path is None or not path.is_file():
        return []
    notes: list[str] = []
    for line in path.read_text().splitlines():
        if line.startswith("- "):
            notes.append(line[2:].strip())
        elif line.strip() and notes:
            notes[-1] += " " + line.strip()
    return notes


# -- one cell ------------------------------------------------------------------------------------------
def run_cell(task: str, gen: str, args, board: str, command: str) -> dict:
    import signal

    from synthbench.progress import interrupt

    signal.signal(signal.SIGTERM, interrupt)  # a killed cell ends its MLflow run KILLED, not RUNNING

    try:
        res = synthbench.run(task=task, generator=gen, budget=args.budget, seed=args.seed, data_dir=args.data_dir,
                             tracking_uri=args.tracking_uri, experiment=EXPERIMENT, save_synthetic=False, system_metrics=False,
                             tags={TAG_BOARD: board, TAG_COMMAND: command})
        return {"task": task, "generator": gen, "status": res.status, "run_id": res.run_id}
    except Exception as exc:  # noqa: BLE001 - a failed cell is recorded (its run says why); the board goes on
        return {"task": task, "generator": gen, "status": "FAILED", "run_id": getattr(exc, "synthbench_run_id", ""),
                "error": f"{type(exc).__name__}: {exc}"}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tasks", default="mnist,fashion-mnist")
    ap.add_argument("--generators", default=",".join(GENERATORS))
    ap.add_argument("--budget", default="standard")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--tracking-uri", default=None)
    ap.add_argument("--out", default=None)
    ap.add_argument("--notes", default=None, help="Markdown file of notes, one '- ' item each (default: <out>.notes.md if there)")
    ap.add_argument("--cell", nargs=2, metavar=("TASK", "GENERATOR"), help=argparse.SUPPRESS)  # one cell, JSON on stdout
    args = ap.parse_args()

    out = Path(args.out or ROOT / "results" / f"leaderboard_{args.budget}")
    board = out.name
    uri = args.tracking_uri  # None: synthbench's default store (./mlflow.db), as `synthbench run` uses
    command = f"python benchmarks/leaderboard.py --tasks {args.tasks} --generators {args.generators} --budget {args.budget} --seed {args.seed}"
    command += f" --data-dir {args.data_dir}" if args.data_dir else ""
    if args.cell:
        print(json.dumps(run_cell(*args.cell, args, board, command)))
        return

    out.parent.mkdir(parents=True, exist_ok=True)
    notes = read_notes(Path(args.notes) if args.notes else out.with_suffix(".notes.md"))
    from synthbench.tasks import load_task

    frame = board_runs(uri, board, args.budget, args.seed)
    tasks = args.tasks.split(",")
    version = {t: load_task(t).version for t in {*(frame["task"] if frame is not None else ()), *tasks}}
    rows = published(frame, version, {}, args.seed)
    current = {(r["task"], r["generator"]) for r in rows if r["status"] == "FINISHED"}
    stale = sorted({(r["task"], r["generator"]) for _, r in frame.iterrows()} - current) if frame is not None else []
    if stale:
        print(f"{len(stale)} cell(s) failed or ran at another task version (or none recorded): run again", flush=True)
        for r in rows:
            if r["status"] != "FINISHED":
                print(f"  {r['task']} {r['generator']}: {r['status']} ({r.get('error', '')[:200]}) run {r['run_id']}", flush=True)
    attempted: dict[tuple, object] = {}
    for task in tasks:
        for gen in args.generators.split(","):
            if (task, gen) in current:
                continue
            t0 = time.perf_counter()
            cell = [sys.executable, __file__, "--cell", task, gen, "--tasks", args.tasks, "--generators", args.generators,
                    "--budget", args.budget, "--seed", str(args.seed), "--out", str(out)]
            cell += (["--data-dir", args.data_dir] if args.data_dir else []) + (["--tracking-uri", uri] if uri else [])
            proc = subprocess.run(cell, capture_output=True, text=True)
            lines = [x for x in proc.stdout.splitlines() if x.startswith("{")]
            result = json.loads(lines[-1]) if lines else {
                "task": task, "generator": gen, "status": "FAILED", "run_id": "",
                "error": f"cell process exited {proc.returncode}: {proc.stderr.strip().splitlines()[-1:] or ''}"}
            attempted[(task, gen)] = {**result, "task_version": version[task], "seed": args.seed, "command": command}
            frame = board_runs(uri, board, args.budget, args.seed)
            rows = published(frame, version, attempted, args.seed)
            row = next(r for r in rows if (r["task"], r["generator"]) == (task, gen))
            print(f"{task:14s} {gen:8s} {row['status']:8s} {time.perf_counter() - t0:6.0f} s  "
                  f"TSTR {row.get('metrics', {}).get(keys.utility('synthetic', 'accuracy'), float('nan')):.4f}  "
                  f"diagnosis {row.get('diagnosis')}", flush=True)
            write(out, rows, list(dict.fromkeys(r["command"] for r in rows if r.get("command"))), notes)
    write(out, rows, list(dict.fromkeys(r["command"] for r in rows if r.get("command"))), notes)
    print(f"{out.with_suffix('.md')}: {len(rows)} cell(s), {len(attempted)} run now", flush=True)


if __name__ == "__main__":
    main()
