"""Is the automatic GAN diagnosis right? Deliberately broken configurations against healthy ones.

Each configuration is a generator plus hyperparameter overrides, fit at the task's quick budget (the
stratified 10,000-image training subset) with the same training monitor and ``diagnose`` call that
``synthbench run`` uses; it is scored against the failure mode that was injected:

==================  ====================================================  ==========================
name                what is broken                                        a correct diagnosis
==================  ====================================================  ==========================
healthy-cgan        nothing (cgan defaults)                               healthy
lr-100x             both learning rates 100x the default (1e-1)            oscillating, diverged or
                                                                          mode_collapse (the failures
                                                                          a too-high rate causes)
tiny-generator      generator far too small (width 2, latent 4)           discriminator_wins
d-steps-10          10 discriminator steps per generator step             discriminator_wins
class-dropped       class 0 removed from the training data                mode_collapse
no-diversity-terms  mode-seeking term and minibatch-std feature removed   mode_collapse
==================  ====================================================  ==========================

A learning rate 10x the default (1e-2) is not in the set: for this cgan it is no failure at the quick
budget (probe FID 105 against 323 at the default, seed 100), so no diagnosis should flag it.

Prints, per configuration, the detection rate (diagnosis in the expected set) or for healthy ones the
false alarms - counted strictly (any label but ``healthy``) and as failure alarms (``mode_collapse``,
``diverged``, ``discriminator_wins``, ``oscillating``: ``not_converged`` on a healthy run means the quick
budget ended while quality was still improving) - and writes ``results/diagnosis_validation.{md,json}``.

Usage: python benchmarks/diagnosis_validation.py [--seeds 10] [--configs a,b] [--out results/diagnosis_validation]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

CONFIGS = {
    "healthy-cgan": ("cgan", {}, {"healthy"}),
    "lr-100x": ("cgan", {"lr_g": 1e-1, "lr_d": 1e-1}, {"oscillating", "diverged", "mode_collapse"}),
    "tiny-generator": ("cgan", {"width": 2, "latent_dim": 4}, {"discriminator_wins"}),
    # steps pinned to what the validated quick budget (3 passes) gave them before budgets were in steps
    "d-steps-10": ("cgan", {"d_steps": 10, "steps": 21}, {"discriminator_wins"}),
    "class-dropped": ("cgan", {"__drop_class__": 0, "steps": 210}, {"mode_collapse"}),
    "no-diversity-terms": ("cgan", {"mode_seeking": 0.0, "minibatch_std": False}, {"mode_collapse"}),
}


def run_one(name: str, seed: int, task: str = "mnist", budget: str = "quick", data=None) -> dict:
    from synthbench.config import resolve
    from synthbench.diagnostics import TrainingMonitor, diagnose
    from synthbench.seeding import derive_seed
    from synthbench import registry
    from synthbench.exceptions import TrainingDivergedError

    generator, overrides, expected = CONFIGS[name]
    overrides = dict(overrides)
    drop = overrides.pop("__drop_class__", None)
    cfg = resolve(task, generator, budget, seed, "cpu", overrides)
    data = data or registry.modalities.get(cfg.task.modality).load_splits(cfg.task, cfg.budget_spec, None)
    train = data.train if drop is None else data.train.take(np.flatnonzero(data.train.labels != drop))
    gen = cfg.build_generator()
    monitor = TrainingMonitor(cfg.task.metrics.feature_extractor, data.validation, seed=derive_seed(seed, "probe"))
    t0 = time.perf_counter()
    diverged = None
    try:
        gen.fit(train, monitor=monitor)
        monitor.finish(gen, gen.history_[-1]["step"])
    except TrainingDivergedError as exc:
        diverged = str(exc)
    seconds = time.perf_counter() - t0
    diag = diagnose(gen.history_, monitor.probes, diverged=diverged, wasserstein=bool(getattr(gen, "wasserstein", False)))
    final = monitor.probes[-1] if monitor.probes else {}
    return {"config": name, "seed": seed, "label": diag.label, "correct": diag.label in expected,
            "expected": sorted(expected), "fit_seconds": round(seconds, 1),
            "final_probe": {k: v for k, v in final.items() if k in ("fid", "label_accuracy", "class_coverage", "diversity",
                                                                    "diversity_min", "missing_classes", "per_class_label_accuracy",
                                                                    "reference_fid", "floor_fid")},
            "fid_by_probe": [round(p["fid"], 1) for p in monitor.probes],
            "signals": {k: round(v, 4) for k, v in diag.signals.items() if k.startswith("train/")},
            "evidence": [list(e) for e in diag.evidence],
            # what diagnose() read, so a changed rule can be re-judged on these runs without training them again
            "probes": monitor.probes, "history": gen.history_, "diverged": diverged,
            "wasserstein": bool(getattr(gen, "wasserstein", False))}


def against_absolute_rules(rows: list[dict]) -> None:
    """Print the runs whose final probe the absolute rules (before 2026-12-01) read otherwise than the per-task ones:
    only there can the label differ (every other rule is unchanged)."""
    differ = 0
    for r in rows:
        fp = r["final_probe"]
        acc = fp.get("per_class_label_accuracy")
        missing = [k for k, a in enumerate(acc) if a < 0.25] if acc and np.median(acc) >= 0.6 else []
        far_then, far_now = fp["fid"] > 50 * fp["reference_fid"], fp["fid"] > 0.6 * fp["floor_fid"]
        if missing != fp["missing_classes"] or far_then != far_now:
            differ += 1
            print(f"{r['config']:20s} seed {r['seed']}: {r['label']}; missing then {missing}, now {fp['missing_classes']}; "
                  f"far from real then {far_then}, now {far_now}")
    print(f"{differ} of {len(rows)} runs read otherwise")


FAILURES = {"mode_collapse", "diverged", "discriminator_wins", "oscillating"}


def summarise(rows: list[dict]) -> list[dict]:
    """Broken configurations: share diagnosed with an expected label. Healthy ones: false alarms counted
    strictly (any label but ``healthy``) and as failure alarms (a failure label; ``not_converged`` says the
    budget ended while quality was still improving, which is not a fault of the configuration)."""
    out = []
    for name in CONFIGS:
        rs = [r for r in rows if r["config"] == name]
        if not rs:
            continue
        healthy = CONFIGS[name][2] == {"healthy"}
        labels = {}
        for r in rs:
            labels[r["label"]] = labels.get(r["label"], 0) + 1
        hits = sum(r["label"] in CONFIGS[name][2] for r in rs)
        if healthy:
            failures = sum(r["label"] in FAILURES for r in rs)
            rate = f"{len(rs) - hits}/{len(rs)} not `healthy`; {failures}/{len(rs)} failure alarms"
        else:
            rate = f"{hits}/{len(rs)} detected"
        out.append({"config": name, "runs": len(rs), "kind": "healthy" if healthy else "broken", "rate": rate,
                    "labels": labels, "mean_fit_seconds": round(float(np.mean([r["fit_seconds"] for r in rs])), 1)})
    return out


def write_report(out: Path, rows: list[dict], command: str, wall: float | None = None) -> None:
    summary = summarise(rows)
    out.with_suffix(".json").write_text(json.dumps({"command": command, "machine": "2 CPU cores, no GPU",
                                                    "summary": summary, "runs": rows}, indent=2, default=float) + "\n")
    lines = ["# Diagnosis validation (quick budget)", "", f"Command: `{command}`", "",
             f"Machine: 2 CPU cores, no GPU. Runs: {len(rows)}" + (f"; wall time {wall:.0f} s." if wall else "."), "",
             "| configuration | runs | result | diagnoses | mean fit s |", "|---|---|---|---|---|"]
    lines += [f"| {s['config']} | {s['runs']} | {s['rate']} | "
              + ", ".join(f"{k} x{v}" for k, v in sorted(s['labels'].items())) + f" | {s['mean_fit_seconds']} |"
              for s in summary]
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument("--configs", default=",".join(CONFIGS))
    ap.add_argument("--task", default="mnist")
    ap.add_argument("--out", default=str(ROOT / "results" / "diagnosis_validation"))
    ap.add_argument("--report-only", action="store_true", help="rewrite the report from the JSON already there")
    ap.add_argument("--against-absolute-rules", action="store_true",
                    help="with --report-only: list the runs where the rules before per-task references (a class missing "
                         "below label accuracy 0.25; far from real above 50x real-vs-real) read the final probe otherwise")
    args = ap.parse_args()
    out = Path(args.out)
    if args.report_only:
        record = json.loads(out.with_suffix(".json").read_text())
        write_report(out, record["runs"], record["command"])
        for s in summarise(record["runs"]):
            print(f"{s['config']:20s} {s['rate']:40s} {s['labels']}")
        if args.against_absolute_rules:
            against_absolute_rules(record["runs"])
        return

    from synthbench import registry
    from synthbench.tasks import load_task

    task = load_task(args.task)
    data = registry.modalities.get(task.modality).load_splits(task, task.budget("quick"), None)
    names = [c.strip() for c in args.configs.split(",") if c.strip()]
    out.parent.mkdir(parents=True, exist_ok=True)
    rows = []
    t_all = time.perf_counter()
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        for name in names:
            r = run_one(name, seed, args.task, data=data)
            rows.append(r)
            print(f"{name:20s} seed {seed}: {r['label']:18s} {'ok' if r['correct'] else 'WRONG'}  ({r['fit_seconds']} s) "
                  f"{r['final_probe']}", flush=True)
            command = (f"python benchmarks/diagnosis_validation.py --seeds {args.seeds} --first-seed {args.first_seed} "
                       f"--configs {','.join(names)} --task {args.task}")
            write_report(out, rows, command, time.perf_counter() - t_all)
    print()
    for s in summarise(rows):
        print(f"{s['config']:20s} {s['rate']:40s} {s['labels']}")


if __name__ == "__main__":
    main()
