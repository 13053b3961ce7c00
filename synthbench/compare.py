"""Two runs side by side (``synthbench compare A B``): the settings in which their recorded configurations differ
(every logged parameter: task version, data checksums, generator hyperparameters, budget, seed, versions, machine)
and each metric of either run with its difference. Reads the store once (``load_runs(run_ids=...)``)."""

from __future__ import annotations

from dataclasses import dataclass

from synthbench import keys
from synthbench.exceptions import ConfigError
from synthbench.report import missing

#: Metric groups shown by default; per-class accuracies and the last values of curves only with ``all_metrics``.
SHOWN = ("utility", "fidelity", "privacy", "fairness", "cost")


@dataclass
class Diff:
    a: dict
    b: dict
    configuration: list  # (setting, value in A, value in B) where they differ
    metrics: list  # (metric, value in A or None, value in B or None)
    hidden: int  # metrics left out (per class, curves)


def _shown(key: str, all_metrics: bool) -> bool | None:
    """True: shown; False: hidden by default; None: not a metric."""
    try:
        k = keys.parse(key)
    except ValueError:
        return None
    if all_metrics:
        return True
    return k.group in SHOWN and not k.metric.startswith(("class/", "per_class/"))


def compare(run_a: str, run_b: str, tracking_uri=None, all_metrics: bool = False) -> Diff:
    from synthbench import tracking

    frame = tracking.load_runs(tracking_uri, None, run_ids=[run_a, run_b])
    found = {r["run_id"]: dict(r) for _, r in frame.iterrows()}
    absent = [r for r in (run_a, run_b) if r not in found]
    if absent:
        raise ConfigError(f"no run {' or '.join(absent)} in {tracking.resolve_tracking_uri(tracking_uri)} - check the "
                          "run ids (`synthbench` prints one after each run; `synthbench report` lists them) and --tracking-uri")
    a, b = found[run_a], found[run_b]
    settings = sorted({k for k in (*a, *b) if k.startswith(keys.PARAMS)}
                      | {f"tag.{t}" for t in ("task", "generator", "budget", "seed", "conditioning")})
    configuration = []
    for s in settings:
        key = s[len("tag."):] if s.startswith("tag.") else s
        va, vb = a.get(key), b.get(key)
        va, vb = ("-" if missing(va) else str(va)), ("-" if missing(vb) else str(vb))
        if va != vb:
            configuration.append((s.replace(keys.PARAMS, "", 1).replace("tag.", "", 1), va, vb))
    metrics, hidden = [], 0
    for k in sorted({k for k in (*a, *b) if "/" in k}):
        shown = _shown(k, all_metrics)
        if shown is None:
            continue
        va, vb = a.get(k), b.get(k)
        if missing(va) and missing(vb):
            continue
        if not shown:
            hidden += 1
            continue
        metrics.append((k, None if missing(va) else float(va), None if missing(vb) else float(vb)))
    return Diff(a, b, configuration, metrics, hidden)


def texts(va: float | None, vb: float | None) -> tuple[str, str, str, str]:
    """The cells of one metric's line: A, B, B - A and B / A."""
    def fmt(v):
        return "-" if v is None else (f"{v:.4f}" if abs(v) < 1000 else f"{v:.0f}")

    if va is None or vb is None:
        return fmt(va), fmt(vb), "-", "-"
    ratio = f"{vb / va:.3f}" if va != 0 else "-"
    return fmt(va), fmt(vb), f"{vb - va:+.4f}" if abs(vb - va) < 1000 else f"{vb - va:+.0f}", ratio
