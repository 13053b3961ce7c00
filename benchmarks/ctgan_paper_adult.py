"""The CTGAN paper's / SDGym's Adult F1 with its evaluator suite, mean and 95% CI over seeds: the table of the sweep
``sweeps/ctgan-paper-adult.toml``.

The cells are ordinary runs made by ``synthbench sweep sweeps/ctgan-paper-adult.toml`` (resumable; a cell run on
another machine - a GPU host, say - is part of the table when it reaches the same store: give that sweep the same
``--tracking-uri``). This script only reads them back (``synthbench.load_runs`` of the sweep, each cell's latest
finished run): the suite's mean F1 (DecisionTree, AdaBoost, LogisticRegression, MLP; F1 of >50K on the real test
split) is ``keys.model_utility("synthetic", "ctgan-paper", "mean")``; "real data" is the same suite trained on the
real training split (``keys.model_utility("real", "ctgan-paper", "mean")``, identical models and seeds in every run
of a seed).

Published (SDGym leaderboard, Adult, binary F1): real data 0.662, TVAE 0.630, CTGAN 0.597. The sweep's full budget
is the paper's setting (300 epochs, batch 500); a sweep file with other hyperparameters is not, and the table says
so. Each row names the machine its run recorded (cores, GPU), since fit seconds depend on it.

Usage: python benchmarks/ctgan_paper_adult.py [--sweep sweeps/ctgan-paper-adult.toml] [--tracking-uri URI]
                                              [--data-dir DIR] [--out results/ctgan_paper_adult]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from synthbench import keys, sweep
from synthbench.stats import mean_ci

ROOT = Path(__file__).resolve().parents[1]
SUITE = "ctgan-paper"  # the evaluator suite's name in the metric keys (keys.model_utility)
PUBLISHED = {"real data": 0.662, "tvae": 0.630, "ctgan": 0.597}
TOLERANCE = 0.03


def suite_models(run, regime: str) -> dict[str, float]:
    """The suite's F1 per model under ``regime`` (``keys.model_utility(regime, SUITE, <model>)``, the mean left out)."""
    out = {}
    for k, v in run.items():
        try:
            key = keys.parse(k)
        except ValueError:
            continue
        if key.group == "utility" and key.regime == regime and key.model == SUITE and key.metric != "mean" and v == v:
            out[key.metric] = float(v)
    return out


def machine(run) -> str:
    """What a run's fit seconds were measured on, from its record."""
    cores, gpu = run.get(keys.param("machine.cores")), run.get(keys.param("machine.gpu"))
    if not isinstance(cores, str):
        return "2 CPU cores, no GPU (recorded before runs named their machine)"
    return f"{cores} CPU cores, " + (gpu if isinstance(gpu, str) else "no GPU")


def rows_of(plan, runs) -> list[dict]:
    rows, found = [], sweep.latest(plan, runs)
    for c in plan.cells:
        run = found[c.identity]
        row = {"generator": c.generator, "seed": c.seed, "params": c.params, "identity": c.identity}
        if run is None:
            rows.append({**row, "status": "NOT RUN"})
        elif run["status"] != "FINISHED":
            rows.append({**row, "status": run["status"], "run_id": run["run_id"], "error": str(run["error"])})
        else:
            rows.append({**row, "status": "FINISHED", "run_id": run["run_id"], "machine": machine(run),
                         "real_f1": float(run[keys.model_utility("real", SUITE, "mean")]),
                         "synthetic_f1": float(run[keys.model_utility("synthetic", SUITE, "mean")]),
                         "per_model": suite_models(run, "synthetic"), "fit_seconds": float(run[keys.FIT_SECONDS])})
    return rows


def report(rows: list[dict], commands: list[str], note: str) -> str:
    done = [r for r in rows if r["status"] == "FINISHED"]
    lines = ["# CTGAN-paper evaluator suite on Adult (binary F1 of >50K, mean of 4 classifiers)", "",
             "Commands: " + ", ".join(f"`{c}`" for c in commands), "", note, "",
             "| data | seeds | F1 mean | 95% CI | published | within +/-0.03 |", "|---|---|---|---|---|---|"]
    series = {"real data": {r["seed"]: r["real_f1"] for r in done}}
    for r in done:
        series.setdefault(r["generator"], {})[r["seed"]] = r["synthetic_f1"]
    for name, by_seed in series.items():
        vals = [by_seed[s] for s in sorted(by_seed)]
        m, h = mean_ci(vals)
        pub = PUBLISHED.get(name)
        ok = "n/a" if pub is None or len(vals) < 3 else ("yes" if abs(m - pub) <= TOLERANCE else "no")
        lines.append(f"| {name} | {', '.join(map(str, sorted(by_seed)))} | {m:.3f} | "
                     f"{'n/a' if h is None else f'+/-{h:.3f}'} | {pub if pub is not None else '-'} | {ok} |")
    lines += ["", "| generator | seed | status | real F1 | synthetic F1 | per model (synthetic) | fit s | machine | run |",
              "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        if r["status"] != "FINISHED":
            lines.append(f"| {r['generator']} | {r['seed']} | {r['status']}{': ' + r['error'][:80] if r.get('error') else ''} "
                         f"| | | | | | {('`' + r['run_id'][:8] + '`') if r.get('run_id') else ''} |")
            continue
        per = ", ".join(f"{k} {v:.3f}" for k, v in r["per_model"].items())
        lines.append(f"| {r['generator']} | {r['seed']} | finished | {r['real_f1']:.4f} | {r['synthetic_f1']:.4f} | {per} | "
                     f"{r['fit_seconds']:.0f} | {r['machine']} | `{r['run_id'][:8]}` |")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sweep", default="sweeps/ctgan-paper-adult.toml")
    ap.add_argument("--tracking-uri", default=None)
    ap.add_argument("--experiment", default="synthbench")
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--out", default=str(ROOT / "results" / "ctgan_paper_adult"))
    args = ap.parse_args()

    spec = sweep.make_spec(args.sweep)
    plan = sweep.plan(spec, data_dir=args.data_dir)
    runs = sweep.sweep_runs(args.tracking_uri, args.experiment, spec.name)
    paper = set(spec.budgets) == {"full"} and not spec.params
    note = ("Paper setting (full budget: SDV defaults, 300 epochs)." if paper
            else f"NOT the paper setting: budgets {', '.join(spec.budgets)}, hyperparameters {spec.params or 'as the budget sets'}.")
    where = (f" --tracking-uri {args.tracking_uri}" if args.tracking_uri else "") + (f" --data-dir {args.data_dir}" if args.data_dir else "")
    commands = [f"synthbench sweep {args.sweep}{where}", f"python benchmarks/ctgan_paper_adult.py --sweep {args.sweep}{where}"]
    rows = rows_of(plan, runs)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps({"commands": commands, "note": note, "rows": rows}, indent=2) + "\n")
    out.with_suffix(".md").write_text(report(rows, commands, note))
    print(f"{out.with_suffix('.md')}: " + ", ".join(f"{sum(r['status'] == s for r in rows)} {s.lower()}"
                                                 for s in ("FINISHED", "FAILED", "KILLED", "NOT RUN")))


if __name__ == "__main__":
    main()
