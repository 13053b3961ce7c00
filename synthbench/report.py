"""Leaderboards from runs: what ``synthbench report`` computes (pure: a frame of runs in, boards out; reading the
store is ``synthbench.tracking``'s, writing pages ``synthbench.report_render``'s).

A **board** is one task at one task version on one set of data files (runs of two task versions, or of other data,
are never averaged together: they are boards apart). A **row** is one configuration on it: a generator with its
budget and resolved hyperparameters, downstream model and regimes (every logged parameter but the seed, devices,
package versions and the machine). Its runs are its **seeds**: for each seed the latest finished run, else the
latest run (failed, killed, still running), so a cell rerun after a failure counts once, as finished (a sweep
cell's attempts are one cell by its identity, ``synthbench.cell``, even when the failed one recorded no parameters).

Each metric of a row is the mean over its finished seeds with the half-width of its 95% confidence interval
(Student's t, ``synthbench.stats.mean_ci``) and the number of seeds. The headline is the task's headline utility
trained on synthetic data (TSTR); every row is compared on it with the task's **floor** (the modality's honest
baseline: ``pca-gmm`` for images, ``marginals`` for tables) and with the **best** row (highest mean; the ``real``
bootstrap, which samples the training split itself, is a reference and never "best"), by a paired t-test over
the seeds the two rows share (``synthbench.stats.paired_difference``), Holm-adjusted within the board per
family (vs floor, vs best). A difference is "better" / "worse" only when the adjusted p < 0.05; otherwise the two
are tied - there are no ranks within noise. Fewer than ``MIN_PAIRED_SEEDS`` shared seeds: the comparison says so.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from dataclasses import dataclass, field

from synthbench import defaults, keys, registry
from synthbench.stats import MIN_PAIRED_SEEDS, holm, mean_ci, paired_difference

#: Generators that are references rather than candidates: ``real`` samples the training split itself.
REFERENCES = ("real",)
#: Significance level of the comparisons (after Holm's adjustment).
ALPHA = 0.05
#: Metrics lower is better (a metric's last key part); everything under ``cost/`` too.
LOWER_IS_BETTER = {"rmse", "mae", "fid", "kid", "detection_auc", "exact_copies"}
#: Parameters that do not make a configuration another one: the seed, the task (the board says which), the data
#: (its checksums make boards apart; its sizes follow from it and the budget) and what only says where or with what
#: it ran.
NOT_CONFIGURATION = tuple(keys.param(p) for p in ("seed", "device", "generator.random_state", "generator.device",
                                                  "downstream.random_state", "downstream.device"))
NOT_CONFIGURATION_PREFIXES = tuple(keys.param(p) for p in ("version.", "machine.", "data.", "task."))
#: Metrics shown for the cost of a row.
COST = (keys.FIT_SECONDS, keys.TOTAL_SECONDS, keys.PEAK_RSS_MB)
#: Details left out of the privacy and fidelity tables (they explain the headline numbers; the runs hold them).
DETAILS = {keys.KID_STD, keys.FIDELITY_SAMPLES, keys.privacy("rows"), keys.privacy("dcr_median_train"),
           keys.privacy("dcr_median_holdout")}


@dataclass(frozen=True)
class Column:
    """One reported metric: its key, a label, its section and the key shown beside it (real-data reference)."""

    key: str
    label: str
    section: str  # utility, fidelity, privacy, fairness, cost
    reference: str | None = None
    lower_is_better: bool = False


@dataclass
class Summary:
    """A metric of a row over its finished seeds."""

    values: dict  # seed -> value
    mean: float
    half: float | None  # half-width of the 95% CI; None with one seed
    reference: float | None = None  # mean of the column's reference metric

    @property
    def n(self) -> int:
        return len(self.values)


@dataclass
class Comparison:
    """A row against another on the headline, over the seeds both finished."""

    against: str  # the other row's label
    n: int
    diff: float  # mean of (this - other); the effect size in the metric's units
    low: float | None
    high: float | None
    p: float | None
    p_adjusted: float | None = None
    verdict: str = ""  # better / worse / tie / too few seeds / itself


@dataclass
class Row:
    label: str
    generator: str
    budget: str
    configuration: dict  # the parameters that make it this configuration (``params.`` stripped)
    runs: dict = field(default_factory=dict)  # seed -> the run chosen for it (a load_runs row as a dict); a run
    # without a seed tag is kept under "run <run id>" (counted, never paired)
    summaries: dict = field(default_factory=dict)  # metric key -> Summary
    diagnoses: Counter = field(default_factory=Counter)
    vs_floor: Comparison | None = None
    vs_best: Comparison | None = None

    @property
    def finished(self) -> list:
        return sorted((s for s, r in self.runs.items() if r["status"] == "FINISHED"), key=_seed_order)

    def count(self, status: str) -> int:
        return sum(r["status"] == status for r in self.runs.values())

    @property
    def problems(self) -> list[str]:
        """One line per seed whose run did not finish, with its reason."""
        out = []
        for seed, r in sorted(self.runs.items(), key=lambda item: _seed_order(item[0])):
            if r["status"] != "FINISHED":
                why = "" if missing(r.get("error")) else f": {str(r['error']).splitlines()[0][:120]}"
                out.append(f"seed {seed} {r['status'].lower()}{why}")
        return out


def _seed_order(seed) -> tuple:
    return (1, str(seed)) if isinstance(seed, str) else (0, seed)


@dataclass
class Board:
    """One task at one version on one set of data: its rows and what they are compared on."""

    task: str
    version: int | None
    data: str  # short hash of the data checksums ("" when the runs recorded none)
    modality: str
    headline: str  # the utility metric (``accuracy``, ``f1``, ``r2``...)
    columns: list[Column]
    rows: list[Row]
    floor: str | None = None  # the floor row's label, when the board has one
    best: str | None = None
    classes: list = field(default_factory=list)  # per-class accuracy columns' class names, in order
    sensitive: list = field(default_factory=list)  # fairness columns
    curves: list = field(default_factory=list)  # Curve: gain over real against the training-set size
    train_size: int = 0  # the --train-size of its runs (0: the task's own): rows of other sizes are other boards

    @property
    def name(self) -> str:
        return (f"{self.task} v{self.version}" if self.version is not None else self.task) + (
            f" N={self.train_size}" if self.train_size else "")

    @property
    def key(self) -> str:
        """Unique within a report: the name, and the data when a task version was run on several."""
        return self.name + (f" data {self.data}" if self.data else "")

    @property
    def tstr(self) -> str:
        return keys.utility("synthetic", self.headline)

    @property
    def lower_is_better(self) -> bool:
        return self.headline in LOWER_IS_BETTER

    def section(self, name: str) -> list[Column]:
        return [c for c in self.columns if c.section == name]


@dataclass
class CurvePoint:
    """One training-set size of a scarce-data curve: the gain of a regime over ``real`` within each run (same
    rows, same seed), over the seeds."""

    n: int  # real training rows
    gain: Summary  # seed -> regime's headline minus real's
    p: float | None  # paired t-test of the gains against 0 (None: fewer than MIN_PAIRED_SEEDS seeds)
    low: float | None = None  # 95% CI of the mean gain
    high: float | None = None
    p_holm: float | None = None  # p, Holm-adjusted over the points of its curve (``curves``)

    @property
    def verdict(self) -> str:
        """helps / hurts when the Holm-adjusted p < 0.05 (a curve makes one claim per size: "helps at N"); else tie."""
        p = self.p_holm if self.p_holm is not None else self.p
        if p is None:
            return "too few seeds"
        return "tie" if p >= ALPHA or self.gain.mean == 0 else ("helps" if self.gain.mean > 0 else "hurts")


@dataclass
class Curve:
    """How much a regime (an ``augmented_<k>x``, or ``synthetic``) gains over the real rows alone, against the
    number of real rows, for one configuration of a generator (its rows of every size)."""

    label: str  # the configuration without its size
    generator: str
    regime: str
    points: list  # CurvePoint, by n


@dataclass
class Report:
    boards: list[Board]
    runs: int  # runs read (sweep parents excluded)
    filters: dict  # what was asked for


def missing(value) -> bool:
    """Whether a value read back from the store is absent (None, NaN, pandas' NA)."""
    return value is None or (isinstance(value, float) and math.isnan(value)) or str(value) in ("<NA>", "nan", "NaT", "None")


def _short(values: list[str]) -> str:
    return hashlib.sha256("\n".join(sorted(values)).encode()).hexdigest()[:8] if values else ""


# -- grouping runs into boards and rows --------------------------------------------------------------------
def configuration(run: dict) -> dict:
    """The parameters that make a run's configuration (not its seed, devices, versions, machine, task or data files),
    and how a generator was conditioned (``--per-class`` makes another configuration of the same generator)."""
    conf = {k[len(keys.PARAMS):]: v for k, v in sorted(run.items())
            if k.startswith(keys.PARAMS) and k not in NOT_CONFIGURATION and not k.startswith(NOT_CONFIGURATION_PREFIXES)
            and not missing(v) and not defaults.as_before(*k[len(keys.PARAMS):].partition(".")[::2], v)}
    if not missing(run.get("conditioning")):
        conf["conditioning"] = run["conditioning"]
    return conf


def _board_key(run: dict) -> tuple:
    """``(task, version, data, size)``: size is the ``--train-size`` a run asked for (0: the task's own)."""
    data = [f"{k}={v}" for k, v in run.items() if k.startswith(keys.param("data.sha256.")) and not missing(v)]
    version = None if missing(run.get("task_version")) else int(run["task_version"])
    size = run.get(keys.param("train_size"))
    size = 0 if missing(size) else int(size)
    return run["task"], version, _short(data), size


def _labels(rows: list[Row]) -> None:
    """Row labels: the generator, with the budget when the board has several, and the parameters that set a row
    apart from the board's other rows of the same generator and budget."""
    budgets = {r.budget for r in rows}
    for r in rows:
        same = [o for o in rows if o.generator == r.generator and o.budget == r.budget]
        differing = sorted({k for o in same for k in set(o.configuration) | set(r.configuration)
                            if o.configuration.get(k) != r.configuration.get(k)})
        label = r.generator + (f" ({r.budget})" if len(budgets) > 1 else "")
        if differing:
            label += " " + ", ".join(_setting(k, r.configuration.get(k)) for k in differing)
        r.label = label


def _setting(key: str, value) -> str:
    if key == "train_size":
        return f"N={value if value is not None else 'all'}"
    return f"{key.split('.', 1)[-1]}={'-' if value is None else value}"


def _headline(runs: list[dict]) -> str:
    """The task's headline metric, read off the runs: the metric whose synthetic / real ratio is the recorded
    TSTR/TRTR (the ratio of the task's headline; the runs of a store need not have their config artifacts)."""
    votes: Counter = Counter()
    for r in runs:
        ratio = r.get(keys.TSTR_OVER_TRTR)
        if r["status"] != "FINISHED" or missing(ratio):
            continue
        for k, v in r.items():
            regime, metric = keys.regime_metric(k) or (None, None)
            if regime != "synthetic" or missing(v):
                continue
            real = r.get(keys.utility("real", metric))
            if not missing(real) and real != 0 and math.isclose(v / real, ratio, rel_tol=1e-9, abs_tol=1e-12):
                votes[metric] += 1
    if votes:
        return votes.most_common(1)[0][0]
    present = {rm[1] for r in runs for k in r if (rm := keys.regime_metric(k)) and rm[0] == "synthetic"}
    return next((m for m in ("accuracy", "f1", "r2", "auroc") if m in present), sorted(present)[0] if present else "accuracy")


def _parsed(key: str):
    """``keys.parse(key)``; None for a column that is not a metric key."""
    try:
        return keys.parse(key)
    except ValueError:
        return None


def _label(key: str) -> str:
    k = keys.parse(key)
    if k.group == "utility":
        return "TSTR/TRTR" if k.regime is None else f"{k.regime} {k.metric}"
    if k.group == "fairness":
        what = {"demographic_parity_difference": "DP gap", "equal_opportunity_difference": "EO gap"}.get(k.metric, k.metric)
        return f"{k.column} data gap" if k.regime in ("real", "synthetic") and what == "gap" else f"{k.column} {what}"
    if k.group == "cost":
        return {keys.FIT_SECONDS: "fit s", keys.TOTAL_SECONDS: "total s", keys.PEAK_RSS_MB: "peak MiB"}.get(key, k.metric)
    return {"fid": "FID", "kid": "KID", "dcr_share": "DCR share", "mia_auc": "MIA AUC", "dcr_ratio": "DCR ratio"}.get(
        k.metric, k.metric.replace("_", " "))


def _columns(runs: list[dict], headline: str) -> tuple[list[Column], list, list]:
    present = {k for r in runs if r["status"] == "FINISHED" for k, v in r.items() if "/" in k and not missing(v)}
    cols: list[Column] = []
    regimes = [g for g in keys.REGIMES if keys.utility(g, headline) in present]
    regimes += sorted({rm[0] for k in present if (rm := keys.regime_metric(k)) and rm[1] == headline
                       and rm[0] not in regimes}, key=_regime_order)
    lower = headline in LOWER_IS_BETTER
    cols += [Column(keys.utility(g, headline), f"{g} {headline}", "utility", lower_is_better=lower) for g in regimes]
    if keys.TSTR_OVER_TRTR in present:
        cols.append(Column(keys.TSTR_OVER_TRTR, "TSTR/TRTR", "utility", lower_is_better=lower))
    for k in sorted(present):
        try:
            p = keys.parse(k)
        except ValueError:
            continue
        if k in DETAILS:
            continue
        if p.group == "fidelity" and not p.reference:
            ref = keys.reference(k)
            cols.append(Column(k, _label(k), "fidelity", ref if ref in present else None, p.metric in LOWER_IS_BETTER))
        elif p.group == "privacy":
            cols.append(Column(k, _label(k), "privacy", None, p.metric in LOWER_IS_BETTER))
    sensitive = sorted({p.column for k in present if (p := _parsed(k)) and p.group == "fairness"})
    for col in sensitive:
        for metric in ("demographic_parity_difference", "equal_opportunity_difference"):
            k = keys.fairness("synthetic", col, metric)
            if k in present:
                ref = keys.fairness("real", col, metric)
                cols.append(Column(k, _label(k), "fairness", ref if ref in present else None, True))
        k = keys.data_fairness(col, "synthetic")
        if k in present:
            ref = keys.data_fairness(col, "real")
            cols.append(Column(k, f"{col} data gap", "fairness", ref if ref in present else None, True))
    cols += [Column(k, _label(k), "cost", None, True) for k in COST if k in present]
    classes = sorted({p.metric.split("/")[1] for k in present
                      if (p := _parsed(k)) and p.regime == "synthetic" and p.metric.startswith("class/")},
                     key=lambda c: (0, int(c)) if c.isdigit() else (1, c))
    return cols, classes, sensitive


def _compare(rows: list[Row], target: Row | None, key: str, lower: bool, attr: str) -> None:
    if target is None:
        return
    comps = []
    for r in rows:
        if r is target:
            setattr(r, attr, Comparison(target.label, r.summaries[key].n if key in r.summaries else 0, 0.0, None, None, None,
                                        verdict="itself"))
            continue
        mine = r.summaries.get(key)
        theirs = target.summaries.get(key)
        seeds = sorted(s for s in set(mine.values) & set(theirs.values) if isinstance(s, int)) if mine and theirs else []
        d = paired_difference([mine.values[s] for s in seeds], [theirs.values[s] for s in seeds]) if seeds else \
            {"n": 0, "diff": float("nan"), "low": None, "high": None, "p": None}
        c = Comparison(target.label, d["n"], d["diff"], d["low"], d["high"], d["p"])
        setattr(r, attr, c)
        comps.append(c)
    for c, adjusted in zip(comps, holm([c.p for c in comps])):
        c.p_adjusted = adjusted
        if c.p is None:
            c.verdict = ("no seed finished by both" if c.n == 0
                         else f"too few seeds ({c.n} shared; a test needs {MIN_PAIRED_SEEDS})")
        elif adjusted < ALPHA and c.diff != 0:
            c.verdict = "better" if (c.diff < 0) == lower else "worse"
        else:
            c.verdict = "tie"


def _recorded(runs: list[dict], param: str) -> str:
    """A task setting the runs recorded (``params.task.modality``, ``params.task.headline``), "" for older runs."""
    return next((str(r[param]) for r in runs if not missing(r.get(param))), "")


def build_board(task: str, version, data: str, runs: list[dict], train_size: int = 0) -> Board:
    """One board from the runs of one task version and data (``load_runs`` rows as dicts, sweep parents removed)."""
    headline = _recorded(runs, keys.param("task.headline")) or _headline(runs)
    columns, classes, sensitive = _columns(runs, headline)
    rows: dict[tuple, Row] = {}
    for r in sorted(runs, key=lambda r: (r["start_time"] is None, r["start_time"])):
        conf = configuration(r)
        key = (r["generator"], str(r.get("budget") or ""), json.dumps(conf, sort_keys=True, default=str))
        row = rows.setdefault(key, Row("", r["generator"], str(r.get("budget") or ""), conf))
        seed = f"run {r['run_id']}" if missing(r.get("seed")) else int(r["seed"])
        old = row.runs.get(seed)
        if old is None or r["status"] == "FINISHED" or old["status"] != "FINISHED":  # latest, finished first
            row.runs[seed] = r
    rows_ = list(rows.values())
    _labels(rows_)
    wanted = [c.key for c in columns] + [keys.per_class("synthetic", k) for k in classes]
    for row in rows_:
        done = [row.runs[s] for s in row.finished]
        for k in wanted:
            values = {s: float(row.runs[s][k]) for s in row.finished if not missing(row.runs[s].get(k))}
            if values:
                mean, half = mean_ci(list(values.values()))
                row.summaries[k] = Summary(values, mean, half)
        for c in columns:
            if c.reference and c.key in row.summaries:
                refs = [float(r[c.reference]) for r in done if not missing(r.get(c.reference))]
                row.summaries[c.key].reference = sum(refs) / len(refs) if refs else None
        for r in done:
            d = r.get("diagnosis")
            if not missing(d) and d != "not_applicable":
                row.diagnoses[d] += 1
    modality = _recorded(runs, keys.param("task.modality"))
    if not modality:  # runs recorded before the modality was a parameter: images have FID or classes
        modality = "image" if keys.FID in {c.key for c in columns} or classes else "table"
    board = Board(task, version, data, modality, headline, columns, rows_, classes=classes, sensitive=sensitive,
                  train_size=train_size)
    tstr, lower = board.tstr, board.lower_is_better
    pick = min if lower else max

    def strongest(rows: list[Row]) -> Row | None:
        """The best mean among rows with enough seeds for a test (any row, when none has them)."""
        enough = [r for r in rows if r.summaries[tstr].n >= MIN_PAIRED_SEEDS] or rows
        return pick(enough, key=lambda r: r.summaries[tstr].mean) if enough else None

    measured = [r for r in rows_ if tstr in r.summaries]
    # the floor: its strongest row (several budgets or settings of the floor: the hardest one to beat)
    floor = strongest([r for r in measured if r.generator == _floor(modality)])
    best = strongest([r for r in measured if r.generator not in REFERENCES])
    board.floor, board.best = (floor.label if floor else None), (best.label if best else None)
    _compare(rows_, floor, tstr, lower, "vs_floor")
    _compare(rows_, best, tstr, lower, "vs_best")
    # best first, then by the headline mean; rows with nothing finished last
    rows_.sort(key=lambda r: (tstr not in r.summaries, (1 if lower else -1) * r.summaries[tstr].mean if tstr in r.summaries else 0))
    return board


def _size(row: Row) -> int | None:
    """A row's real training rows: what its runs recorded (``data.size.train``), else its ``--train-size``."""
    sizes = [int(v) for v in (r.get(keys.param("data.size.train")) for r in row.runs.values()) if not missing(v)]
    if sizes:
        return max(sizes)
    return int(row.configuration["train_size"]) if row.configuration.get("train_size") not in (None, "", "0") else None


def curves(rows: list[Row], headline: str, lower_is_better: bool = False) -> list[Curve]:
    """The scarce-data curves over the rows of one task version's boards of several sizes: for each configuration
    (rows alike but for their size) with two sizes or more, and each regime that adds synthetic data
    (``augmented_<k>x``) or replaces real data by it (``synthetic``), the gain over the ``real`` regime of the same
    runs at each size (signed so that a gain helps: real minus the regime for a lower-is-better headline). Each
    point's paired test is Holm-adjusted over the points of its curve, and its verdict read from the adjusted p:
    with six sizes, six raw tests at 0.05 would call about one size in four "helps" somewhere on a flat curve."""
    sized = [(r, _size(r)) for r in rows]
    families: dict[tuple, list] = {}
    for r, n in sized:
        if n is None:
            continue
        rest = {k: v for k, v in r.configuration.items() if k != "train_size"}
        families.setdefault((r.generator, r.budget, json.dumps(rest, sort_keys=True, default=str)), []).append((n, r))
    families = {k: v for k, v in families.items() if len({n for n, _ in v}) >= 2}
    real = keys.utility("real", headline)
    regimes = sorted({rm[0] for r in rows for run in r.runs.values() for k in run
                      if (rm := keys.regime_metric(k)) and keys.augment_multiple(rm[0]) is not None}, key=_regime_order)
    regimes.append("synthetic")
    sign = -1.0 if lower_is_better else 1.0
    out = []
    for (generator, budget, rest), members in families.items():
        label = generator + (f" ({budget})" if len({r.budget for r in rows}) > 1 else "")
        mine = json.loads(rest)
        alike = [json.loads(o) for g, b, o in families if g == generator and b == budget]
        differing = sorted({k for other in alike for k in set(other) | set(mine) if other.get(k) != mine.get(k)})
        label += "".join(f" {k.split('.', 1)[-1]}={mine.get(k, '-')}" for k in differing)
        for regime in regimes:
            key = keys.utility(regime, headline)
            points = []
            for n, row in sorted(members, key=lambda m: m[0]):
                gains = {s: sign * (float(row.runs[s][key]) - float(row.runs[s][real])) for s in row.finished
                         if not missing(row.runs[s].get(key)) and not missing(row.runs[s].get(real))}
                if not gains:
                    continue
                mean, half = mean_ci(list(gains.values()))
                seeds = [s for s in gains if isinstance(s, int)]
                d = paired_difference([sign * float(row.runs[s][key]) for s in seeds],
                                      [sign * float(row.runs[s][real]) for s in seeds])
                points.append(CurvePoint(n, Summary(gains, mean, half), d["p"], d["low"], d["high"]))
            if points:  # the family of one curve: "helps at N" for each N, error rate held over the curve
                for point, adjusted in zip(points, holm([pt.p for pt in points])):
                    point.p_holm = adjusted
                out.append(Curve(label, generator, regime, points))
    return out


def _floor(modality: str | None) -> str | None:
    """The modality's floor baseline (``Modality.floor``): what a generator must beat to be worth its cost."""
    found, _ = registry.modalities.try_get(modality) if modality else (None, None)
    return getattr(found, "floor", None) or None


def _regime_order(regime: str) -> tuple:
    """Regimes in reading order: the task's, then ``augmented_<k>x`` by k (1x before 10x)."""
    if regime in keys.REGIMES:
        return (0, keys.REGIMES.index(regime), "")
    return (1, keys.augment_multiple(regime) or 0, regime)


def build(frame, filters: dict | None = None) -> Report:
    """Boards from a ``synthbench.load_runs`` frame: one per task, task version and data, in task order."""
    if frame is None or len(frame) == 0:
        return Report([], 0, filters or {})
    if "sweep_role" in frame:
        frame = frame[frame["sweep_role"].astype(str) != "parent"]
    records = [dict(r) for _, r in frame.iterrows() if not missing(r.get("task")) and not missing(r.get("generator"))]
    # a sweep cell that died before its run recorded a configuration (its record holds the sweep's tags only) and
    # was run again to the end is that finished run: the dead attempt would stand apart as a row of its own
    done = {r["cell"] for r in records if r.get("status") == "FINISHED" and not missing(r.get("cell"))}
    records = [r for r in records if r.get("status") == "FINISHED" or missing(r.get("cell")) or r["cell"] not in done]
    groups: dict[tuple, list] = {}
    for r in records:
        groups.setdefault(_board_key(r), []).append(r)
    # a run that failed before its data was read recorded no checksums: it belongs to its task version's only data
    for (task, version, data, size) in [k for k in groups if k[2] == ""]:
        others = [k for k in groups if (k[0], k[1], k[3]) == (task, version, size) and k[2] != ""]
        if len(others) == 1:
            groups[others[0]] += groups.pop((task, version, data, size))
    several = Counter((t, v) for t, v, _ in {k[:3] for k in groups})
    boards = []
    # by task, version and data; within them by size, the task's own (0) last - where the curves go
    order = sorted(groups, key=lambda k: (k[0], -1 if k[1] is None else k[1], k[2], k[3] == 0, k[3]))
    for task, version, data, size in order:
        boards.append(build_board(task, version, data if several[(task, version)] > 1 else "", groups[(task, version, data, size)],
                                  train_size=size))
    for key in dict.fromkeys(k[:3] for k in order):  # the curves of one task version and data, across its sizes
        these = [b for b, k in zip(boards, order) if k[:3] == key]
        if len(these) > 1 and any(b.train_size for b in these):
            these[-1].curves = curves([r for b in these for r in b.rows], these[-1].headline, these[-1].lower_is_better)
    return Report(boards, len(records), filters or {})
