"""The table of a leaderboard sweep: every generator on every task of a sweep file, read back from the store.

The cells are run by ``synthbench sweep`` (``sweeps/leaderboard-images.toml``, ``sweeps/leaderboard-tables.toml``;
resumable, so a board is filled across sessions); this script only reads them: it plans the sweep (the cells and
their identities, as the sweep does) and takes, for each cell, its latest finished run in the store
(``synthbench.load_runs(sweep=...)``), else its latest failed one, shown with the reason. A run of an older
identity (another task version, other data, another synthbench version) is not part of the board.

One row per task x generator: each column is the mean over the finished seeds +/- the half-width of its 95%
confidence interval (Student's t, ``synthbench.stats``; none with one seed), with the number of seeds. Image
tasks: TSTR/TRTR of the headline metric, FID/KID/precision/recall with the real-vs-real reference in brackets;
table tasks: TSTR/TRTR, quality, detection, DCR share, MIA AUC, exact copies, and the demographic-parity gap per
sensitive column trained on synthetic data (trained on real data in brackets); then cost and the diagnoses
counted. ``<out>.json`` is an export of the rows (never read back); notes come from ``--notes`` (default
``<out>.notes.md`` when it exists: one ``- `` item per note).

Usage: python benchmarks/leaderboard.py --sweep sweeps/leaderboard-images.toml [--tracking-uri URI]
                                         [--experiment NAME] [--data-dir DIR] [--out results/leaderboard_images]
"""

from __future__ import annotations

import argparse
import json
import math
from datetime import datetime
from pathlib import Path

from synthbench import keys, sweep
from synthbench.stats import mean_ci

ROOT = Path(__file__).resolve().parents[1]
CURVES = ("train", "probe", "downstream")  # step metrics: load_runs holds their last value, a row does not
COST = (("fit s", keys.FIT_SECONDS, None), ("total s", keys.TOTAL_SECONDS, None), ("peak MiB", keys.PEAK_RSS_MB, None))


def columns(task) -> list[tuple[str, str, str | None]]:
    """``(label, metric key, key shown in brackets or None)`` for ``task``'s board."""
    head = task.metrics.headline
    cols = [(f"TSTR {head}", keys.utility("synthetic", head), None), (f"TRTR {head}", keys.utility("real", head), None),
            ("TSTR/TRTR", keys.TSTR_OVER_TRTR, None)]
    if task.modality == "image":
        cols += [(name, key, keys.reference(key)) for name, key in
                 (("FID", keys.FID), ("KID", keys.KID), ("precision", keys.PRECISION), ("recall", keys.RECALL))]
    else:
        cols += [("quality", keys.fidelity("quality"), None), ("detection", keys.fidelity("detection"), None),
                 ("DCR share", keys.privacy("dcr_share"), None), ("MIA AUC", keys.privacy("mia_auc"), None),
                 ("exact copies", keys.privacy("exact_copies"), None)]
        cols += [(f"DP gap {s}", keys.fairness("synthetic", s, "demographic_parity_difference"),
                  keys.fairness("real", s, "demographic_parity_difference")) for s in task.data.sensitive]
    return cols + list(COST)


def _number(v: float) -> str:
    return f"{v:.4f}" if abs(v) < 100 else f"{v:.0f}"


def cell_text(values: list[float], refs: list[float]) -> str:
    """``mean +/- half-width`` over seeds; the bracketed reference's mean after it."""
    if not values:
        return "n/a"
    mean, half = mean_ci(values)
    text = _number(mean) + (f" ± {_number(half)}" if half is not None else "")
    return text + (f" ({sum(refs) / len(refs):.3g})" if refs else "")


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or str(value) in ("<NA>", "nan", "NaT")


def _metric(column: str) -> bool:
    try:
        return keys.parse(column).group not in CURVES
    except ValueError:  # an identity column, not a metric
        return False


def cell_row(cell, run) -> dict:
    """One cell of the board (and of its JSON export): its run from the store, or 'not run yet'."""
    row = {"task": cell.cfg.task.name, "task_version": cell.cfg.task.version, "generator": cell.generator,
           "budget": cell.budget, "seed": cell.seed, "params": cell.params, "identity": cell.identity}
    if run is None:
        return {**row, "status": "NOT RUN"}
    row.update(status=run["status"], run_id=run["run_id"],
               date=datetime.fromtimestamp(run["start_time"].timestamp()).strftime("%Y-%m-%d"))
    if run["status"] != "FINISHED":
        return {**row, "error": "" if _missing(run["error"]) else str(run["error"])}
    metrics = {c: float(v) for c, v in run.items() if _metric(c) and not _missing(v)}
    diagnosis = None if _missing(run["diagnosis"]) or run["diagnosis"] == "not_applicable" else run["diagnosis"]
    return {**row, "metrics": metrics, "diagnosis": diagnosis}


def board_rows(plan, runs) -> list[dict]:
    """For every cell of the plan: its latest finished run, else its latest run, else not run yet."""
    found = sweep.latest(plan, runs)
    return [cell_row(c, found[c.identity]) for c in plan.cells]


def render(rows: list[dict], plan, header: list[str], notes: list[str]) -> str:
    lines = ["# Leaderboard: " + plan.spec.name, ""] + header + [""]
    lines += ["One run per task x generator x seed; each column is the mean over the finished seeds ± the half-width of "
              "its 95% confidence interval (Student's t; none with one seed), 'seeds' says which. Image fidelity: "
              "FID/KID/precision/recall against the real test split in the task's LeNet feature space, real-vs-real "
              "reference in brackets. Table fairness: demographic-parity gap of the model trained on synthetic data, "
              "trained on real data in brackets.", ""]
    lines += [f"- {n}" for n in notes] + ([""] if notes else [])
    lines += [f"Skipped: {s}." for s in plan.skipped] + ([""] if plan.skipped else [])
    tasks = {c.cfg.task.name: c.cfg.task for c in plan.cells}
    for name, task in tasks.items():
        cols = columns(task)
        these = [r for r in rows if r["task"] == name]
        dates = sorted({r["date"] for r in these if r.get("date")})
        lines += [f"## {name}", "", f"Task version {task.version}, budget {', '.join(plan.spec.budgets)}; cells run "
                  + (" to ".join(dict.fromkeys([dates[0], dates[-1]])) if dates else "-") + ".", "",
                  "| generator | seeds | " + " | ".join(c for c, _, _ in cols) + " | diagnosis | runs |",
                  "|---|---|" + "---|" * (len(cols) + 2)]
        for gen in dict.fromkeys(r["generator"] for r in these):
            cell = [r for r in these if r["generator"] == gen]
            done = [r for r in cell if r["status"] == "FINISHED"]
            texts = [cell_text([r["metrics"][k] for r in done if k in r["metrics"]],
                               [r["metrics"][ref] for r in done if ref and ref in r["metrics"]]) for _, k, ref in cols]
            labels: dict[str, int] = {}
            for r in done:
                labels[r["diagnosis"] or "n/a"] = labels.get(r["diagnosis"] or "n/a", 0) + 1
            notes = [", ".join(f"{k} x{v}" if len(done) > 1 else k for k, v in labels.items())] if labels else []
            notes += [f"seed {r['seed']} {r['status']}" + (f": {r['error'][:80]}" if r.get("error") else "")
                      for r in cell if r["status"] != "FINISHED"]
            diagnosis = "; ".join(notes)
            runs = " ".join(f"`{r['run_id'][:8]}`" for r in cell if r.get("run_id"))
            seeds = f"{len(done)} ({', '.join(str(r['seed']) for r in done)})" if done else "0"
            lines.append(f"| {gen} | {seeds} | " + " | ".join(texts) + f" | {diagnosis or '-'} | {runs or '-'} |")
        lines.append("")
    return "\n".join(lines)


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


def load(sweep_file: str, tracking_uri, experiment: str, data_dir=None):
    """``(plan, runs)``: the sweep's cells and its runs in the store (none yet: an empty frame)."""
    plan = sweep.plan(sweep.make_spec(sweep_file), data_dir=data_dir)
    return plan, sweep.sweep_runs(tracking_uri, experiment, plan.spec.name)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sweep", required=True, help="the sweep file whose cells make the board")
    ap.add_argument("--tracking-uri", default=None)
    ap.add_argument("--experiment", default="synthbench")
    ap.add_argument("--data-dir", default=None, help="where the data is (the cells' identities hold its checksums)")
    ap.add_argument("--out", default=None, help="default results/<sweep name> (.md and .json)")
    ap.add_argument("--notes", default=None, help="Markdown file of notes, one '- ' item each (default: <out>.notes.md if there)")
    args = ap.parse_args()

    plan, runs = load(args.sweep, args.tracking_uri, args.experiment, args.data_dir)
    out = Path(args.out or ROOT / "results" / plan.spec.name.replace("-", "_"))
    rows = board_rows(plan, runs)
    where = f" --tracking-uri {args.tracking_uri}" if args.tracking_uri else ""
    data = f" --data-dir {args.data_dir}" if args.data_dir else ""
    header = ["Cells: `synthbench sweep " + args.sweep + where + data + (f" --experiment {args.experiment}"
                                                                        if args.experiment != "synthbench" else "") + "`",
              "(resumable: run it again to fill the board). Table: `python benchmarks/leaderboard.py --sweep "
              + args.sweep + where + data + "`. Machine: 2 CPU cores, no GPU."]
    notes = read_notes(Path(args.notes) if args.notes else out.with_suffix(".notes.md"))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".md").write_text(render(rows, plan, header, notes))
    out.with_suffix(".json").write_text(json.dumps({"sweep": plan.spec.to_dict(), "header": header, "notes": notes,
                                                    "rows": rows}, indent=2, default=str) + "\n")
    counts = {s: sum(r["status"] == s for r in rows) for s in ("FINISHED", "FAILED", "KILLED", "NOT RUN")}
    print(f"{out.with_suffix('.md')}: {len(rows)} cells - " + ", ".join(f"{v} {k.lower()}" for k, v in counts.items()))


if __name__ == "__main__":
    main()
