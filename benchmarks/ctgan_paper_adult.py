"""Reproduce the CTGAN paper's / SDGym's Adult F1 with its evaluator suite, mean and 95% CI over seeds.

Each cell is one ordinary run (``synthbench.run(task="adult", generator=g, budget=..., seed=s)``); the suite's
mean F1 (DecisionTree, AdaBoost, LogisticRegression, MLP; F1 of >50K on the real test split) is read from
``keys.model_utility("synthetic", "ctgan-paper", "mean")``; "real data" is the same suite trained on the real
training split (``keys.model_utility("real", "ctgan-paper", "mean")``, identical models and seeds in every run of a
seed). Results are kept in the JSON as they finish, so an interrupted reproduction resumes; a failed cell is
recorded and skipped.

Published (SDGym leaderboard, Adult, binary F1): real data 0.662, TVAE 0.630, CTGAN 0.597. The full budget
is the paper's setting (300 epochs, batch 500); ``--param epochs=N`` is allowed but is then printed beside
every number, since it is not the paper's setting.

Each row records the machine it ran on (CPU count, GPU if used), since fit seconds depend on it. Cells run
elsewhere (e.g. one process per seed on a GPU machine, each with its own ``--out``) are folded into the
results with ``--merge``.

Usage: python benchmarks/ctgan_paper_adult.py [--generators tvae,ctgan] [--seeds 0,1,2] [--budget full]
                                              [--device auto|cpu|cuda] [--param name=value ...]
                                              [--out results/ctgan_paper_adult]
       python benchmarks/ctgan_paper_adult.py --merge other.json [more.json ...]
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import synthbench
from synthbench import keys

ROOT = Path(__file__).resolve().parents[1]
SUITE = "ctgan-paper"  # the evaluator suite's name in the metric keys (keys.model_utility)
PUBLISHED = {"real data": 0.662, "tvae": 0.630, "ctgan": 0.597}
TOLERANCE = 0.03


def suite_models(metrics: dict, regime: str) -> dict[str, float]:
    """The suite's F1 per model under ``regime`` (``keys.model_utility(regime, SUITE, <model>)``, the mean left out)."""
    out = {}
    for k, v in metrics.items():
        try:
            key = keys.parse(k)
        except ValueError:
            continue
        if key.group == "utility" and key.regime == regime and key.model == SUITE and key.metric != "mean":
            out[key.metric] = v
    return out


def mean_ci(values: list[float]) -> tuple[float, float]:
    """Mean and half-width of the 95% t-interval (nan with one value)."""
    from scipy import stats

    n = len(values)
    mean = sum(values) / n
    if n < 2:
        return mean, float("nan")
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    return mean, float(stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n))


def machine(device: str) -> str:
    """What a row's fit seconds were measured on."""
    import os

    desc = f"{os.cpu_count()} CPU cores"
    if device.startswith("cuda"):
        import torch

        desc += f", {torch.cuda.get_device_name(0)}"
    return desc + ", " + ("GPU" if device.startswith("cuda") else "no GPU")


def report(rows: list[dict], commands: list[str], note: str, merged: list[str] = ()) -> str:
    done = [r for r in rows if r["status"] == "FINISHED"]
    lines = ["# CTGAN-paper evaluator suite on Adult (binary F1 of >50K, mean of 4 classifiers)", "",
             "Commands (each resumed from the results before it): " + ", ".join(f"`{c}`" for c in commands), ""]
    lines += [f"Merged from another machine: `{m}`" for m in merged] + ([""] if merged else [])
    lines += [note, "",
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
                     f"{'n/a' if math.isnan(h) else f'+/-{h:.3f}'} | {pub if pub is not None else '-'} | {ok} |")
    lines += ["", "| generator | seed | status | real F1 | synthetic F1 | per model (synthetic) | fit s | machine | run |",
              "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        if r["status"] != "FINISHED":
            lines.append(f"| {r['generator']} | {r['seed']} | FAILED: {r.get('error', '')[:80]} | | | | | {r.get('machine', '')} | |")
            continue
        per = ", ".join(f"{k} {v:.3f}" for k, v in r["per_model"].items())
        lines.append(f"| {r['generator']} | {r['seed']} | finished | {r['real_f1']:.4f} | {r['synthetic_f1']:.4f} | {per} | "
                     f"{r['fit_seconds']:.0f} | {r.get('machine', '2 CPU cores, no GPU')} | `{r['run_id'][:8]}` |")
    return "\n".join(lines) + "\n"


def commands_of(record: dict) -> list[str]:
    """The commands that produced a results file (older files hold only the latest, as ``command``)."""
    return list(record.get("commands") or ([record["command"]] if record.get("command") else []))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--generators", default="tvae,ctgan")
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--budget", default="full")
    ap.add_argument("--param", action="append", default=[])
    ap.add_argument("--device", default="auto")
    ap.add_argument("--tracking-uri", default=None)
    ap.add_argument("--merge", nargs="+", default=None, help="fold these results JSON files into --out and stop")
    ap.add_argument("--out", default=str(ROOT / "results" / "ctgan_paper_adult"))
    args = ap.parse_args()

    import signal

    from synthbench.config import parse_param_strings
    from synthbench.progress import interrupt

    signal.signal(signal.SIGTERM, interrupt)  # a killed reproduction ends its MLflow run KILLED, not RUNNING

    params = parse_param_strings(args.param)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    path = out.with_suffix(".json")
    if args.merge:
        record = json.loads(path.read_text())
        have = {(r["generator"], r["seed"]) for r in record["rows"] if r["status"] == "FINISHED"}
        for other in args.merge:
            theirs = json.loads(Path(other).read_text())
            if theirs["note"] != record["note"]:
                print(f"not merged: {other} is '{theirs['note']}', these results are '{record['note']}'")
                continue
            record.setdefault("merged", []).append("; ".join(commands_of(theirs)) + " (" + ", ".join(
                sorted({r.get("machine", "?") for r in theirs["rows"]})) + ")")
            for r in theirs["rows"]:
                if r["status"] == "FINISHED" and (r["generator"], r["seed"]) not in have:
                    record["rows"].append(r)
                    have.add((r["generator"], r["seed"]))
                    print(f"merged {r['generator']} seed {r['seed']} ({r.get('machine', '?')})")
        path.write_text(json.dumps(record, indent=2) + "\n")
        out.with_suffix(".md").write_text(report(record["rows"], commands_of(record), record["note"], record.get("merged", [])))
        return
    command = (f"python benchmarks/ctgan_paper_adult.py --generators {args.generators} --seeds {args.seeds} --budget {args.budget}"
               + (f" --device {args.device}" if args.device != "auto" else "") + "".join(f" --param {p}" for p in args.param))
    note = ("Paper setting (full budget: SDV defaults, 300 epochs)." if not params and args.budget == "full"
            else f"NOT the paper setting: budget {args.budget}, overrides {params or 'none'}.")
    record = json.loads(path.read_text()) if path.is_file() else {"rows": []}
    rows, merged = record["rows"], record.get("merged", [])
    commands = [c for c in commands_of(record) if c != command] + [command]
    rows = [r for r in rows if r["status"] == "FINISHED"]
    done = {(r["generator"], r["seed"]) for r in rows}
    from synthbench.torch_utils import resolve_device

    where = machine(resolve_device(args.device))
    for gen in args.generators.split(","):
        for seed in map(int, args.seeds.split(",")):
            if (gen, seed) in done:
                continue
            t0 = time.perf_counter()
            try:
                res = synthbench.run(task="adult", generator=gen, budget=args.budget, seed=seed, params=params,
                                     tracking_uri=args.tracking_uri, device=args.device,
                                     experiment="ctgan-paper-adult", save_synthetic=False, system_metrics=False)
                m = res.metrics
                row = {"generator": gen, "seed": seed, "status": res.status, "run_id": res.run_id, "machine": where,
                       "real_f1": m[keys.model_utility("real", SUITE, "mean")],
                       "synthetic_f1": m[keys.model_utility("synthetic", SUITE, "mean")],
                       "per_model": suite_models(m, "synthetic"), "fit_seconds": m[keys.FIT_SECONDS]}
            except Exception as exc:  # noqa: BLE001 - a failed cell is recorded; the reproduction goes on
                row = {"generator": gen, "seed": seed, "status": "FAILED", "error": f"{type(exc).__name__}: {exc}", "machine": where,
                       "run_id": getattr(exc, "synthbench_run_id", "")}
            rows.append(row)
            print(f"{gen:16s} seed {seed}  {row['status']}  {time.perf_counter() - t0:6.0f} s  "
                  + (f"F1 real {row['real_f1']:.4f} synthetic {row['synthetic_f1']:.4f}" if row["status"] == "FINISHED" else row["error"]),
                  flush=True)
            path.write_text(json.dumps({"commands": commands, "note": note, "merged": merged, "rows": rows}, indent=2) + "\n")
            out.with_suffix(".md").write_text(report(rows, commands, note, merged))


if __name__ == "__main__":
    main()
