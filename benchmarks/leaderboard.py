"""Leaderboard of generators on image tasks: each cell is one ordinary ``synthbench run``.

For every task x generator it runs ``synthbench.run`` in a process of its own (so peak memory is the cell's), in
the MLflow experiment ``leaderboard`` of the store ``--tracking-uri`` (default the same as ``synthbench run``:
./mlflow.db), tagged with the board's name (the name of ``--out``) and the command that ran it; the board is the
runs with its name at ``--budget`` and one of ``--seeds``. The store is the board's only state: the table is rendered
from ``synthbench.load_runs`` - one row per cell: TSTR accuracy,
TSTR/TRTR, FID/KID/precision/recall (with the real-vs-real reference), fit seconds, peak memory, the diagnosis
tag and the run id. With several ``--seeds`` a cell is one task x generator x seed and the table shows each
column as the mean over the finished seeds +/- the half-width of its 95% confidence interval (Student's t,
``scipy.stats``) with the number of seeds, and the diagnoses counted. A cell whose finished run is in the store at the task's current version is skipped, so an
interrupted board resumes where it stopped; a failed cell is shown with the reason its run recorded and is run
again; a cell finished at another task version (or without one recorded) is run again, never mixed into the
board. Every command that contributed cells is listed in the file. ``<out>.json`` is an export of the published
rows (never read back); notes come from ``--notes`` (default ``<out>.notes.md`` when it exists: one ``- `` item
per note).

Usage: python benchmarks/leaderboard.py [--tasks mnist,fashion-mnist] [--generators gan,dcgan,...]
                                         [--budget standard] [--seeds 0,1,2] [--data-dir DIR] [--tracking-uri URI]
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

import numpy as np

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


def spread(values: list[float]) -> tuple[float, float | None]:
    """Mean and the half-width of its 95% confidence interval (Student's t over the seeds; None for one seed)."""
    from scipy import stats

    n = len(values)
    mean = float(np.mean(values))
    if n < 2:
        return mean, None
    return mean, float(stats.t.ppf(0.975, n - 1) * np.std(values, ddof=1) / math.sqrt(n))


def _number(v: float) -> str:
    return f"{v:.4f}" if abs(v) < 100 else f"{v:.0f}"


def cell_text(values: list[float], refs: list[float]) -> str:
    """``mean +/- half-width`` of a column over seeds (the table's 'seeds' column says how many); the real-vs-real
    reference in brackets."""
    if not values:
        return "n/a"
    mean, half = spread(values)
    text = _number(mean) + (f" ± {_number(half)}" if half is not None else "")
    text += f" ({np.mean(refs):.3g})" if refs else ""
    return text


def write(out: Path, rows: list[dict], commands: list[str], notes: list[str]) -> None:
    out.with_suffix(".json").write_text(json.dumps({"commands": commands, "machine": "2 CPU cores, no GPU", "notes": notes,
                                                    "rows": rows}, indent=2) + "\n")
    lines = ["# Leaderboard", "", "Commands (each resumes the same board; cells already finished at the same task version are kept):", ""]
    lines += [f"    {c}" for c in commands]
    lines += ["", "Machine: 2 CPU cores, no GPU. One run per task x generator x seed; each column is the mean over the "
              "finished seeds ± the half-width of its 95% confidence interval (Student's t; none with one seed), "
              "'seeds' says how many. FID/KID/PR against the real test split in the task's LeNet feature space, "
              "real-vs-real reference in brackets.", ""]
    lines += [f"- {n}" for n in notes] + ([""] if notes else [])
    for task in dict.fromkeys(r["task"] for r in rows):
        versions = sorted({r.get("task_version") for r in rows if r["task"] == task}, key=str)
        dates = sorted({r["date"] for r in rows if r["task"] == task and r.get("date")})
        when = " to ".join(dict.fromkeys([dates[0], dates[-1]])) if dates else "-"
        lines += [f"## {task}", "", f"Task version {', '.join(map(str, versions))}; cells run {when}.", "",
                  "| generator | seeds | " + " | ".join(c for c, _ in COLUMNS) + " | diagnosis | runs |",
                  "|---|---|" + "---|" * (len(COLUMNS) + 2)]
        for gen in dict.fromkeys(r["generator"] for r in rows if r["task"] == task):
            cell = [r for r in rows if (r["task"], r["generator"]) == (task, gen)]
            done = [r for r in cell if r["status"] == "FINISHED"]
            seeds = ", ".join(str(r["seed"]) for r in done)
            failed = [r for r in cell if r["status"] != "FINISHED"]
            cells = []
            for _, key in COLUMNS:
                values = [r["metrics"][key] for r in done if key in r["metrics"]]
                refs = [r["metrics"][keys.reference(key)] for r in done if keys.reference(key) in r["metrics"]] \
                    if key in keys.FIDELITY else []
                cells.append(cell_text(values, refs))
            labels: dict[str, int] = {}
            for r in done:
                labels[r.get("diagnosis") or "n/a"] = labels.get(r.get("diagnosis") or "n/a", 0) + 1
            diagnosis = ", ".join(f"{k} x{v}" if len(done) > 1 else k for k, v in labels.items())
            diagnosis += "".join(f"; seed {r['seed']} {r['status']}: {(r.get('error') or '')[:80]}" for r in failed)
            runs = " ".join(f"`{r['run_id'][:8]}`" for r in cell if r.get("run_id"))
            lines.append(f"| {gen} | {len(done)} ({seeds}) | " + " | ".join(cells) + f" | {diagnosis or '-'} | {runs} |")
        lines.append("")
    out.with_suffix(".md").write_text("\n".join(lines))


# -- the store: the board's state --------------------------------------------------------------------------
def board_runs(uri: str | None, board: str, budget: str, seeds: list[int]):
    """The board's runs, oldest first: ``synthbench.load_runs`` of the ``leaderboard`` experiment at ``budget`` and
    one of ``seeds``, restricted to runs tagged with ``board`` and with the command each was run by (``command``)."""
    from synthbench.exceptions import ConfigError, TrackingError

    try:
        frame = synthbench.load_runs(uri, EXPERIMENT, budget=budget)
    except (TrackingError, ConfigError):  # no store or no leaderboard experiment yet: an empty board
        return None
    if frame.empty:
        return None
    frame["board"] = frame.get(f"tags.{TAG_BOARD}")
    frame["command"] = frame.get(f"tags.{TAG_COMMAND}")
    frame = frame[(frame["board"] == board) & frame["seed"].isin(seeds)]
    return frame.reset_index(drop=True) if not frame.empty else None


def cell_row(run) -> dict:
    """One row of the board (and of its JSON export) from a ``load_runs`` row."""
    version = None if _missing(run["task_version"]) else int(run["task_version"])
    seed = int(run["seed"])
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


def published(frame, version: dict, attempted: dict) -> list[dict]:
    """The board's rows: for every cell, its latest finished run at the task's current version; else (failed,
    killed) its latest run at that version, shown with the reason. Cells run by this command come last, in the
    order they ran (``attempted``: cell -> what its process said; its run is read from the store, and only a cell
    that recorded no run (it failed before one was opened) is shown from what its process said)."""
    latest: dict[tuple, object] = {}
    if frame is not None:
        for _, run in frame.iterrows():
            cell = (run["task"], run["generator"], int(run["seed"]))
            if cell in attempted or run["task"] not in version or _missing(run["task_version"]) \
                    or int(run["task_version"]) != version[run["task"]]:
                continue
            if run["status"] == "FINISHED" or cell not in latest or latest[cell]["status"] != "FINISHED":
                latest[cell] = run
    rows = [cell_row(run) for run in sorted(latest.values(), key=lambda r: r["start_time"])]
    by_id = {run["run_id"]: run for _, run in frame.iterrows()} if frame is not None else {}
    for result in attempted.values():
        rows.append(cell_row(by_id[result["run_id"]]) if result["run_id"] in by_id else result)
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
def run_cell(task: str, gen: str, seed: int, args, board: str, command: str) -> dict:
    import signal

    from synthbench.progress import interrupt

    signal.signal(signal.SIGTERM, interrupt)  # a killed cell ends its MLflow run KILLED, not RUNNING

    try:
        res = synthbench.run(task=task, generator=gen, budget=args.budget, seed=seed, data_dir=args.data_dir,
                             tracking_uri=args.tracking_uri, experiment=EXPERIMENT, save_synthetic=False, system_metrics=False,
                             tags={TAG_BOARD: board, TAG_COMMAND: command})
        return {"task": task, "generator": gen, "seed": seed, "status": res.status, "run_id": res.run_id}
    except Exception as exc:  # noqa: BLE001 - a failed cell is recorded (its run says why); the board goes on
        return {"task": task, "generator": gen, "seed": seed, "status": "FAILED", "run_id": getattr(exc, "synthbench_run_id", ""),
                "error": f"{type(exc).__name__}: {exc}"}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tasks", default="mnist,fashion-mnist")
    ap.add_argument("--generators", default=",".join(GENERATORS))
    ap.add_argument("--budget", default="standard")
    ap.add_argument("--seeds", default="0", help="comma-separated seeds: one run per task x generator x seed")
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--tracking-uri", default=None)
    ap.add_argument("--out", default=None)
    ap.add_argument("--notes", default=None, help="Markdown file of notes, one '- ' item each (default: <out>.notes.md if there)")
    ap.add_argument("--cell", nargs=3, metavar=("TASK", "GENERATOR", "SEED"), help=argparse.SUPPRESS)  # one cell, JSON on stdout
    args = ap.parse_args()

    out = Path(args.out or ROOT / "results" / f"leaderboard_{args.budget}")
    board = out.name
    uri = args.tracking_uri  # None: synthbench's default store (./mlflow.db), as `synthbench run` uses
    seeds = [int(x) for x in args.seeds.split(",") if x.strip()]
    command = f"python benchmarks/leaderboard.py --tasks {args.tasks} --generators {args.generators} --budget {args.budget} --seeds {args.seeds}"
    command += f" --data-dir {args.data_dir}" if args.data_dir else ""
    if args.cell:
        task, gen, seed = args.cell
        print(json.dumps(run_cell(task, gen, int(seed), args, board, command)))
        return

    out.parent.mkdir(parents=True, exist_ok=True)
    notes = read_notes(Path(args.notes) if args.notes else out.with_suffix(".notes.md"))
    from synthbench.tasks import load_task

    frame = board_runs(uri, board, args.budget, seeds)
    tasks = args.tasks.split(",")
    version = {t: load_task(t).version for t in {*(frame["task"] if frame is not None else ()), *tasks}}
    rows = published(frame, version, {})
    current = {(r["task"], r["generator"], r["seed"]) for r in rows if r["status"] == "FINISHED"}
    stale = sorted({(r["task"], r["generator"], int(r["seed"])) for _, r in frame.iterrows()} - current) if frame is not None else []
    if stale:
        print(f"{len(stale)} cell(s) failed or ran at another task version (or none recorded): run again", flush=True)
        for r in rows:
            if r["status"] != "FINISHED":
                print(f"  {r['task']} {r['generator']} seed {r['seed']}: {r['status']} ({r.get('error', '')[:200]}) run {r['run_id']}", flush=True)
    attempted: dict[tuple, object] = {}
    for seed in seeds:  # seed by seed: an interrupted board has whole seeds of every generator first
        for task in tasks:
            for gen in args.generators.split(","):
                if (task, gen, seed) in current:
                    continue
                t0 = time.perf_counter()
                cell = [sys.executable, __file__, "--cell", task, gen, str(seed), "--tasks", args.tasks, "--generators",
                        args.generators, "--budget", args.budget, "--seeds", args.seeds, "--out", str(out)]
                cell += (["--data-dir", args.data_dir] if args.data_dir else []) + (["--tracking-uri", uri] if uri else [])
                proc = subprocess.run(cell, capture_output=True, text=True)
                lines = [x for x in proc.stdout.splitlines() if x.startswith("{")]
                result = json.loads(lines[-1]) if lines else {
                    "task": task, "generator": gen, "seed": seed, "status": "FAILED", "run_id": "",
                    "error": f"cell process exited {proc.returncode}: {proc.stderr.strip().splitlines()[-1:] or ''}"}
                attempted[(task, gen, seed)] = {**result, "task_version": version[task], "command": command}
                frame = board_runs(uri, board, args.budget, seeds)
                rows = published(frame, version, attempted)
                row = next(r for r in rows if (r["task"], r["generator"], r["seed"]) == (task, gen, seed))
                print(f"{task:14s} {gen:8s} seed {seed} {row['status']:8s} {time.perf_counter() - t0:6.0f} s  "
                      f"TSTR {row.get('metrics', {}).get(keys.utility('synthetic', 'accuracy'), float('nan')):.4f}  "
                      f"diagnosis {row.get('diagnosis')}", flush=True)
                write(out, rows, list(dict.fromkeys(r["command"] for r in rows if r.get("command"))), notes)
    write(out, rows, list(dict.fromkeys(r["command"] for r in rows if r.get("command"))), notes)
    print(f"{out.with_suffix('.md')}: {len(rows)} cell(s), {len(attempted)} run now", flush=True)


if __name__ == "__main__":
    main()
