"""Sweeps: many ordinary runs over tasks x generators x budgets x seeds x hyperparameter values.

A sweep is a TOML file in ``sweeps/`` (or the same grid on the command line)::

    name = "tables-quick"
    tasks = ["adult", "mnist"]
    generators = ["gaussian-copula", "pca-gmm", "real"]
    seeds = [0, 1, 2]
    budgets = ["quick"]
    timeout = 1800            # seconds a cell may run (default 4 hours)
    resplit = false           # true: each seed also draws its own validation carve-out
    [params.pca-gmm]          # hyperparameter values: one cell per combination
    n_components = [20, 50]

The path of a sweep, as a straight line: ``load_spec`` / ``make_spec`` (every key and value checked) ->
``plan`` (each cell resolved like a run, so bad input is named before anything runs; a pair whose generator
cannot run on a task (its kind of data, its prediction problem) is skipped and listed) -> ``run``: cells whose identity has a
finished run in the store are skipped, the others go to an executor (``synthbench.executors``), each in a
process of its own, and the parent run gets the sweep's summary.

**Identity.** A cell is the hash of its resolved configuration: task and version (its whole definition), the
data's checksums, generator and hyperparameters, downstream model, budget, seed, device and synthbench's
version. The store is the sweep's only state: the same sweep run again finds its finished cells by that hash
(tag ``synthbench.cell``) and runs only the missing ones; FAILED and KILLED cells are run again with
``retry_failed``; cells the sweep itself stopped (Ctrl-C, its process died) are run again always.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from synthbench import defaults, keys
from synthbench.exceptions import ConfigError, SynthbenchError
from synthbench.records import run_params, run_tags

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

#: The keys of a sweep file, and what each holds.
SPEC_KEYS = {"name": "the sweep's name (letters, digits, . _ -)", "tasks": "task names or .toml paths",
             "generators": "generator names", "seeds": "integer seeds", "budgets": "quick | standard | full",
             "params": "a table per generator: hyperparameter -> list of values",
             "timeout": "seconds a cell may run", "resplit": "true: each seed draws its own validation carve-out",
             "device": "auto | cpu | cuda", "save_synthetic": "log each cell's synthetic set",
             "train_sizes": "training-set sizes N (0: the task's own), one cell each",
             "augment": "multiples k for every cell: an augmented_<k>x regime each",
             "regimes": "the task's regimes every cell trains, out of real, synthetic, mixed (default: the task's)"}
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


@dataclass(frozen=True)
class SweepSpec:
    """A sweep's grid and settings, checked."""

    name: str
    tasks: tuple
    generators: tuple
    seeds: tuple = (defaults.DEFAULT_SEED,)
    budgets: tuple = (defaults.DEFAULT_BUDGET,)
    params: dict = field(default_factory=dict)  # generator -> {hyperparameter: [values]}
    timeout: float = defaults.SWEEP_CELL_TIMEOUT
    resplit: bool = False
    device: str = defaults.DEFAULT_DEVICE
    save_synthetic: bool = False
    path: str = ""  # the sweep file, if any
    train_sizes: tuple = (0,)  # 0: the task's own training set
    augment: tuple = ()
    regimes: tuple = ()  # () : each task's own [regimes].run

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}


def load_spec(path) -> dict:
    """The raw settings of a sweep file: valid TOML, known keys only."""
    p = Path(path)
    if not p.is_file():
        near = sorted(Path(defaults.SWEEPS_DIR).glob("*.toml")) if Path(defaults.SWEEPS_DIR).is_dir() else []
        raise ConfigError(f"sweep file {path} " + ("is a folder" if p.exists() else "does not exist") + " - give a .toml file"
                          + (f" (in {defaults.SWEEPS_DIR}/: {', '.join(str(n) for n in near)})" if near else ""))
    try:
        raw = tomllib.loads(p.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc} - fix that line") from None
    unknown = sorted(set(raw) - set(SPEC_KEYS))
    if unknown:
        raise ConfigError(f"{path}: unknown key(s) {', '.join(unknown)} - a sweep file has: "
                          + "; ".join(f"{k} ({v})" for k, v in SPEC_KEYS.items()))
    return {**raw, "path": str(p)}


def make_spec(file=None, **given) -> SweepSpec:
    """A checked ``SweepSpec`` from a sweep file (``file``) and/or settings given directly (the command line's
    options; they win over the file's). ``None`` values are not given."""
    raw = load_spec(file) if file else {}
    given = {k: v for k, v in given.items() if v is not None}
    if isinstance(raw.get("params"), dict) and isinstance(given.get("params"), dict):  # --param adds to the file's grid
        given["params"] = {g: {**(raw["params"].get(g) or {}), **v} if isinstance(raw["params"].get(g), dict) else v
                           for g, v in {**raw["params"], **given["params"]}.items()}
    raw.update(given)
    where = raw.get("path") or "the sweep"
    name = raw.get("name") or (Path(raw["path"]).stem if raw.get("path") else None)
    if not name:
        raise ConfigError("the sweep has no name - give --name NAME (or name = \"...\" in the sweep file): it tags every "
                          "cell's run, and the same name resumes the sweep")
    if not isinstance(name, str) or not _NAME.match(name):
        raise ConfigError(f"{where}: name {name!r} must be letters, digits, '.', '_' or '-' (at most 100) - e.g. \"my-sweep\"")

    def names(key: str, kind=str, required=True) -> tuple:
        value = raw.get(key)
        if value is None and not required:
            return ()
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            value = [value]
        if not isinstance(value, list) or not value:
            raise ConfigError(f"{where}: {key} must be a non-empty list ({SPEC_KEYS[key]}), got {value!r} - the grid is empty "
                              f"without it; e.g. {key} = " + ('["mnist"]' if key == "tasks" else '["cgan"]' if key == "generators"
                                                             else "[0, 1, 2]" if key == "seeds"
                                                             else '["real", "synthetic"]' if key == "regimes" else '["quick"]'))
        bad = [v for v in value if isinstance(v, bool) or not isinstance(v, kind) or (kind is int and key != "seeds" and v < (
            0 if key == "train_sizes" else 1))]
        if bad:
            what = {"train_sizes": "a size of 0 or more", "augment": "a multiple of 1 or more"}.get(key, "an integer") \
                if kind is int else "a name"
            raise ConfigError(f"{where}: {key} holds {bad[0]!r}, not {what} ({SPEC_KEYS[key]})")
        dup = sorted({str(v) for v in value if value.count(v) > 1})
        if dup:
            raise ConfigError(f"{where}: {key} lists {', '.join(dup)} twice - each value once")
        return tuple(value)

    tasks, generators = names("tasks"), names("generators")
    seeds = names("seeds", int) if "seeds" in raw else (defaults.DEFAULT_SEED,)
    for s in seeds:
        if not 0 <= s <= defaults.MAX_SEED:
            raise ConfigError(f"{where}: seed {s} is outside [0, {defaults.MAX_SEED}] (NumPy's seed range)")
    budgets = names("budgets") if "budgets" in raw else (defaults.DEFAULT_BUDGET,)
    for b in budgets:
        if b not in defaults.BUDGETS:
            from synthbench.exceptions import UnknownNameError

            raise UnknownNameError("budget", b, defaults.BUDGETS)
    params = raw.get("params") or {}
    if not isinstance(params, dict):
        raise ConfigError(f"{where}: params must be a table per generator ([params.cgan] lr_g = [1e-3, 2e-4])")
    checked = {}
    for gen, grid in params.items():
        if gen not in generators:
            raise ConfigError(f"{where}: [params.{gen}] names a generator the sweep does not run - add it to generators or "
                              f"drop the table (generators: {', '.join(generators)})")
        if not isinstance(grid, dict) or not grid:
            raise ConfigError(f"{where}: [params.{gen}] must map hyperparameters to lists of values, e.g. steps = [500, 1000]")
        checked[gen] = {}
        for p, values in grid.items():
            values = values if isinstance(values, list) else [values]
            if not values:
                raise ConfigError(f"{where}: [params.{gen}] {p} = [] is an empty grid - give at least one value")
            checked[gen][p] = list(values)
    timeout = raw.get("timeout", defaults.SWEEP_CELL_TIMEOUT)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        raise ConfigError(f"{where}: timeout must be a positive number of seconds a cell may run, got {timeout!r} - e.g. 3600")
    for key in ("resplit", "save_synthetic"):
        if not isinstance(raw.get(key, False), bool):
            raise ConfigError(f"{where}: {key} must be true or false, got {raw[key]!r}")
    train_sizes = names("train_sizes", int) if "train_sizes" in raw else (0,)
    augment = names("augment", int) if "augment" in raw else ()
    regimes = names("regimes") if "regimes" in raw else ()
    from synthbench.tasks.schema import REGIMES

    for r in regimes:
        if r not in REGIMES:
            raise ConfigError(f"{where}: regimes holds {r!r}, not one of {', '.join(REGIMES)} ({SPEC_KEYS['regimes']}; "
                              "augmented regimes come from augment)")
    return SweepSpec(name, tasks, generators, seeds, budgets, checked, float(timeout), raw.get("resplit", False),
                     raw.get("device", defaults.DEFAULT_DEVICE), raw.get("save_synthetic", False), raw.get("path", ""),
                     tuple(sorted(train_sizes)), tuple(sorted(augment)), regimes)


def parse_grid_params(items) -> dict:
    """``--param cgan.lr_g=1e-3,2e-4`` (repeatable) -> ``{"cgan": {"lr_g": ["1e-3", "2e-4"]}}`` (strings are converted
    to each hyperparameter's type when the cell is resolved)."""
    out: dict = {}
    for item in items or []:
        head, eq, values = item.partition("=")
        gen, dot, name = head.partition(".")
        if not (eq and dot and gen and name and values):
            raise ConfigError(f"--param {item!r} must read GENERATOR.NAME=V1,V2,... - e.g. --param cgan.lr_g=1e-3,2e-4")
        out.setdefault(gen.strip(), {})[name.strip()] = [v.strip() for v in values.split(",")]
    return out


# -- the cells -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Cell:
    """One run of the sweep: what to run (given to the cell's process as is) and its resolved configuration."""

    task: str  # as the sweep names it: a task name or a .toml path
    generator: str
    budget: str
    seed: int
    params: dict  # this cell's values of the swept hyperparameters
    identity: str
    cfg: object  # synthbench.config.RunConfig
    train_size: int = 0  # 0: the task's own training set

    @property
    def label(self) -> str:
        extra = "".join(f" {k}={v}" for k, v in self.params.items()) + (f" N={self.train_size}" if self.train_size else "")
        return f"{self.generator} on {self.cfg.task.name} ({self.budget}, seed {self.seed}{extra})"


@dataclass(frozen=True)
class Plan:
    spec: SweepSpec
    cells: list
    skipped: list  # "generator x task: why"


def cell_config(task, generator: str, budget: str, seed: int, params: dict, *, device=defaults.DEFAULT_DEVICE,
                resplit: bool = False, save_synthetic: bool = False, tasks_dir=None, train_size: int = 0, augment=(),
                regimes=None):
    """A cell's resolved ``RunConfig`` - the same in the sweep and in the cell's process. ``resplit``: the validation
    carve-out is seeded by the run's seed (``[data].validation_seed``), so seeds also vary which rows select the
    model; the test split stays the task's."""
    from synthbench import seeding
    from synthbench.config import resolve
    from synthbench.tasks import load_task

    task_obj = load_task(task, tasks_dir) if isinstance(task, str) else task
    if resplit:
        data = dataclasses.replace(task_obj.data, validation_seed=seeding.derive_seed(seed, "validation split"))
        task_obj = dataclasses.replace(task_obj, data=data)
    return resolve(task_obj, generator, budget, seed, device, dict(params), tasks_dir, save_synthetic,
                   train_size=train_size or None, augment=augment, regimes=regimes or None)


def identity(cfg, checksums: dict) -> str:
    """The hash that names a cell: what decides its result, and nothing about where it ran from."""
    from synthbench import __version__

    definition = {k: v for k, v in cfg.task.to_dict().items() if k != "path"}
    # settings added after the first sweeps: left out at the value that means "as before", so that cells recorded
    # before they existed keep their identity (tests/test_sweep.py checks the board store's cells are still found)
    definition["data"] = {k: v for k, v in definition.get("data", {}).items() if not defaults.as_before("data", k, v)}
    model_params = {k: v for k, v in cfg.model_params.items() if not defaults.as_before("downstream", k, v)}
    payload = {"task": {"name": cfg.task.name, "version": cfg.task.version, "definition": definition},
               "data": dict(sorted(checksums.items())), "generator": cfg.generator, "params": cfg.generator_params,
               "conditioning": cfg.conditioning, "downstream": {"model": cfg.model, "params": model_params},
               "budget": cfg.budget, "seed": cfg.seed, "device": cfg.device, "synthbench": __version__,
               # added after the first sweeps: only when set, so that cells without them keep their identity
               **({"augment": list(cfg.augment)} if cfg.augment else {}),
               **({"train_size": cfg.train_size} if cfg.train_size else {})}
    text = json.dumps(payload, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _grid(values: dict) -> list[dict]:
    names = list(values)
    return [dict(zip(names, combo)) for combo in itertools.product(*(values[n] for n in names))] or [{}]


def plan(spec: SweepSpec, *, tasks_dir=None, data_dir=None, reporter=None) -> Plan:
    """Every cell of ``spec`` resolved and named - a bad task, generator, hyperparameter or data file is an error
    here, before anything runs. Each task's data is read once, for its checksums (part of a cell's identity)."""
    from synthbench import pipeline, registry
    from synthbench.contract import modalities, unsupported
    from synthbench.tasks import load_task

    tasks = {t: load_task(t, tasks_dir) for t in spec.tasks}
    kinds = {t.modality for t in tasks.values()}
    for gen in spec.generators:
        handles = modalities(registry.generators.get(gen))
        if not kinds & set(handles):
            raise ConfigError(f"generator '{gen}' handles {', '.join(handles)} data, but no task of sweep '{spec.name}' does "
                              f"(tasks: {', '.join(f'{n} ({t.modality})' for n, t in tasks.items())}) - drop it, or add a "
                              f"{' or '.join(handles)} task")
    cells, skipped, checksums = [], [], {}
    for t_ref, task in tasks.items():
        for gen in spec.generators:
            why = unsupported(registry.generators.get(gen), task)
            if why:
                skipped.append(f"{gen} x {task.name}: {why}")
                continue
            for budget, size in itertools.product(spec.budgets, spec.train_sizes):
                for values in _grid(spec.params.get(gen, {})):
                    for seed in spec.seeds:
                        try:
                            cfg = cell_config(task, gen, budget, seed, values, device=spec.device, resplit=spec.resplit,
                                              save_synthetic=spec.save_synthetic, tasks_dir=tasks_dir, train_size=size,
                                              augment=spec.augment, regimes=spec.regimes)
                        except SynthbenchError as exc:
                            raise type(exc)(f"sweep '{spec.name}', cell {gen} on {task.name} ({budget}, seed {seed}): {exc}") from None
                        if t_ref not in checksums:
                            checksums[t_ref] = pipeline.load(cfg, data_dir=data_dir, reporter=reporter).checksums
                        cell = Cell(t_ref, gen, budget, seed, values, identity(cfg, checksums[t_ref]), cfg, size)
                        same = next((c for c in cells if c.identity == cell.identity), None)
                        if same is not None:  # e.g. a task named twice, or values that resolve alike: one run
                            skipped.append(f"{cell.label}: the same run as {same.label}")
                            continue
                        cells.append(cell)
    if not cells:
        raise ConfigError(f"sweep '{spec.name}' has no cells: no generator handles any task's data ({'; '.join(skipped)})")
    return Plan(spec, cells, skipped)


# -- the store: what is done ----------------------------------------------------------------------------
def states(runs, retry_failed: bool = False) -> dict[str, str]:
    """Each cell identity's state from its runs (``load_runs`` rows of the sweep): ``finished``, ``failed`` (FAILED,
    or KILLED by something other than the sweep), ``interrupted`` (stopped by the sweep: done again), ``orphan``
    (RUNNING, though no process of this sweep runs it; a dry run shows it ``running`` while another process holds the
    sweep) - ``todo`` for the cells the sweep runs now."""
    out: dict[str, str] = {}
    if runs is None or len(runs) == 0:
        return out
    for ident, rows in runs[runs["cell"].notna()].groupby("cell"):
        status = set(rows["status"])
        stopped = rows["interrupted"].fillna("") == "true"
        if "FINISHED" in status:
            out[ident] = "finished"
        elif "RUNNING" in status:
            out[ident] = "orphan"
        elif (~stopped & rows["status"].isin(["FAILED", "KILLED"])).any():
            out[ident] = "todo" if retry_failed else "failed"
        else:
            out[ident] = "interrupted"
    return out


def estimates(tracking_uri, cells) -> dict[str, float]:
    """Seconds a cell should take: the median ``cost/total_seconds`` of finished runs of the same task, generator and
    budget anywhere in the store (no entry: no such run yet)."""
    from synthbench.tracking import load_runs

    try:
        done = load_runs(tracking_uri, None, status="FINISHED")
    except SynthbenchError:
        return {}
    if done.empty or keys.TOTAL_SECONDS not in done:
        return {}
    med = done.groupby(["task", "generator", "budget"])[keys.TOTAL_SECONDS].median()
    out = {}
    for c in cells:
        v = med.get((c.cfg.task.name, c.generator, c.budget))
        if v is not None and v == v:
            out[c.identity] = float(v)
    return out


def latest(plan_: Plan, runs) -> dict:
    """Each cell's run in ``runs`` (``load_runs`` rows of the sweep): its latest finished run, else its latest run
    (failed, killed), else None - keyed by identity, in the plan's order. Runs of identities the plan does not hold
    (an older task version, other data, another synthbench version) are left out."""
    by_id: dict[str, list] = {}
    if runs is not None and len(runs):
        for _, r in runs[runs["cell"].notna()].sort_values("start_time").iterrows():
            by_id.setdefault(r["cell"], []).append(r)
    out = {}
    for c in plan_.cells:
        found = by_id.get(c.identity, [])
        done = [r for r in found if r["status"] == "FINISHED"]
        out[c.identity] = done[-1] if done else (found[-1] if found else None)
    return out


def summary(runs, plan_: Plan) -> list[dict]:
    """Per task, generator, budget and hyperparameter values: the headline utility trained on synthetic data (TSTR) and
    on real data (TRTR), mean and 95% CI over the finished seeds, and how many cells failed."""
    from synthbench.stats import mean_ci

    found = latest(plan_, runs)
    rows: dict[tuple, dict] = {}
    for c in plan_.cells:
        head = c.cfg.task.metrics.headline
        k = (c.cfg.task.name, c.generator, c.budget, json.dumps(c.params, sort_keys=True))
        row = rows.setdefault(k, {"task": c.cfg.task.name, "generator": c.generator, "budget": c.budget, "params": c.params,
                                  "headline": head, "tstr": [], "trtr": [], "failed": 0, "cells": 0})
        row["cells"] += 1
        r = found[c.identity]
        if r is not None and r["status"] == "FINISHED":
            row["tstr"].append(r.get(keys.utility("synthetic", head), float("nan")))
            row["trtr"].append(r.get(keys.utility("real", head), float("nan")))
        elif r is not None and r["status"] in ("FAILED", "KILLED"):
            row["failed"] += 1
    out = []
    for row in rows.values():
        row["tstr_mean"], row["tstr_ci"] = mean_ci(row["tstr"])
        row["trtr_mean"], row["trtr_ci"] = mean_ci(row["trtr"])
        out.append(row)
    return out


# -- running it -----------------------------------------------------------------------------------------
@dataclass
class SweepResult:
    plan: Plan
    states: dict  # identity -> state before this sweep ran (see ``states``)
    outcomes: list  # what ``synthbench.executors.run_cell`` returned for each cell run now
    summary: list  # ``summary``'s rows
    parent_run_id: str | None = None
    experiment_id: str | None = None
    estimates: dict = field(default_factory=dict)  # identity -> seconds (finished runs of the same kind)
    seconds: float = 0.0
    tracking_uri: str = ""  # the store the sweep's cells are in

    @property
    def failed(self) -> list:
        return [o for o in self.outcomes if o["status"] != "FINISHED"]


class Observer:
    """What a sweep tells whoever watches it (the CLI draws it; silent by default)."""

    def start(self, todo: list, workers: int, estimates: dict) -> None: ...

    def event(self, identity: str, event: dict) -> None: ...

    def done(self, outcome: dict) -> None: ...

    def close(self) -> None: ...


def sweep_lock(uri: str, name: str):
    """Two processes must not run the same sweep at once (each would run the missing cells): a lock beside a
    SQLite store. With a tracking server there is no shared folder: run each sweep from one place."""
    from synthbench.tracking import local_store_path

    path = local_store_path(uri)
    if path is None:
        return _NoLock()
    from filelock import FileLock

    return FileLock(f"{path}.sweep-{name}.lock", timeout=0)


class _NoLock:
    """A tracking server: no folder to hold a lock in (run each sweep from one place)."""

    def acquire(self) -> None: ...

    def release(self) -> None: ...


def run(spec: SweepSpec, *, executor: str = "local", workers: int = 1, scheduler: str | None = None,
        threads: int | None = None, retry_failed: bool = False, dry_run: bool = False, tasks_dir=None, data_dir=None,
        tracking_uri=None, experiment: str = defaults.DEFAULT_EXPERIMENT, observer: Observer | None = None) -> SweepResult:
    """Run sweep ``spec``: every cell not finished in the store, ``workers`` at a time, each in its own process, the
    cells' runs nested under the sweep's parent run. ``dry_run``: plan only - the cells, their state in the store
    and what each should take. Ctrl-C (or SIGTERM) stops the running cells, records them, and re-raises."""
    import uuid

    from synthbench import api, executors, tracking

    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ConfigError(f"--workers must be 1 or more (cells run at once), got {workers!r} - e.g. --workers 2")
    if threads is not None and (isinstance(threads, bool) or not isinstance(threads, int) or threads < 1):
        raise ConfigError(f"--threads must be 1 or more (threads per cell), got {threads!r} - e.g. --threads 1")
    if executor not in ("local", "dask"):
        raise ConfigError(f"--executor must be local or dask, got {executor!r}")
    if scheduler and executor != "dask":
        raise ConfigError("--scheduler joins a Dask cluster - add --executor dask")
    observer = observer or Observer()
    t0 = __import__("time").perf_counter()
    api.check_locations(data_dir, tracking_uri, experiment)
    uri = tracking.resolve_tracking_uri(tracking_uri)
    plan_ = plan(spec, tasks_dir=tasks_dir, data_dir=data_dir)
    est = estimates(uri, plan_.cells)
    from filelock import Timeout

    if dry_run:  # a RUNNING cell is "running" while another process runs the sweep, else it is redone
        runs = sweep_runs(uri, experiment, spec.name)
        now = states(runs, retry_failed)
        try:
            probe = sweep_lock(uri, spec.name)
            probe.acquire()
            probe.release()
        except Timeout:
            now = {k: "running" if v == "orphan" else v for k, v in now.items()}
        return SweepResult(plan_, now, [], summary(runs, plan_), estimates=est, tracking_uri=uri)

    try:
        lock = sweep_lock(uri, spec.name)
        lock.acquire()
    except Timeout:
        raise ConfigError(f"sweep '{spec.name}' is already running in another process on this store - wait for it, or "
                          "give this one another --name") from None
    try:  # what is done, read while no other process runs this sweep
        runs = sweep_runs(uri, experiment, spec.name)
        before = states(runs, retry_failed)
        result = SweepResult(plan_, before, [], [], estimates=est, tracking_uri=uri)
        todo = [c for c in plan_.cells if before.get(c.identity, "todo") in ("todo", "interrupted", "orphan")]
        orphans = [r for r in runs.itertuples() if r.status == "RUNNING" and r.cell == r.cell and r.cell] if len(runs) else []
        if orphans:  # the process that ran them is gone (a sweep killed outright): not results, done again
            tracking.mark_interrupted(uri, [r.run_id for r in orphans])
        pool = (executors.Dask(workers, scheduler, threads) if executor == "dask" else executors.Local(workers, threads))
        with pool:  # a Dask scheduler that does not answer is an error here, before anything is recorded
            parent, result.experiment_id = tracking.sweep_parent(uri, experiment, spec.name, {**spec.to_dict(), "cells": [
                {"identity": c.identity, "task": c.cfg.task.name, "generator": c.generator, "budget": c.budget,
                 "seed": c.seed, "params": c.params, "train_size": c.train_size} for c in plan_.cells], "skipped": plan_.skipped})
            result.parent_run_id = parent
            jobs = [_job(c, spec, parent, uuid.uuid4().hex, tasks_dir, data_dir, uri, experiment) for c in todo]
            _run_jobs(pool, jobs, result, observer, uri, experiment, spec, executor, workers, t0)
    finally:
        lock.release()
    return result


def _run_jobs(pool, jobs, result, observer, uri, experiment, spec, executor, workers, t0) -> None:
    """The cells through ``pool``, then the sweep's summary on its parent run (KILLED if the sweep was stopped)."""
    import threading
    import time

    from synthbench import tracking

    stop = threading.Event()
    observer.start([c for c in result.plan.cells if c.identity in {j["identity"] for j in jobs}], workers, result.estimates)
    status = "KILLED"
    try:
        for outcome in pool.map(jobs, stop, observer.event):
            result.outcomes.append(outcome)
            observer.done(outcome)
        status = "FINISHED"
    finally:
        observer.close()
        result.seconds = time.perf_counter() - t0
        after = sweep_runs(uri, experiment, spec.name)
        result.summary = summary(after, result.plan)
        now = states(after)
        counts = {s: sum(1 for c in result.plan.cells if now.get(c.identity) == s) for s in ("finished", "failed")}
        try:
            tracking.end_sweep_parent(uri, result.parent_run_id, status, {
                keys.SWEEP_CELLS: len(result.plan.cells), keys.SWEEP_FINISHED: counts["finished"],
                keys.SWEEP_FAILED: counts["failed"], keys.SWEEP_RAN_NOW: len(result.outcomes),
                keys.SWEEP_WALL_SECONDS: result.seconds},
                {keys.TAG_SWEEP_EXECUTOR: executor, keys.TAG_SWEEP_WORKERS: str(workers)})
        except Exception:  # noqa: BLE001 - closing the summary must not hide why the sweep stopped
            if status == "FINISHED":
                raise


def sweep_runs(uri, experiment: str, name: str):
    """The runs of sweep ``name`` (``load_runs``); an empty frame when the store or the experiment does not exist yet."""
    from synthbench.exceptions import TrackingError
    from synthbench.tracking import load_runs

    try:
        return load_runs(uri, experiment, sweep=name)
    except (ConfigError, TrackingError):  # no store or no experiment yet: nothing done
        import pandas as pd

        return pd.DataFrame(columns=["run_id", "status", "cell", "interrupted"])


def _job(cell: Cell, spec: SweepSpec, parent: str, attempt: str, tasks_dir, data_dir, uri: str, experiment: str) -> dict:
    """What a cell's process is told (JSON), plus ``timeout``."""
    task = str(Path(cell.task).resolve()) if Path(cell.task).suffix == ".toml" else cell.task
    return {"task": task, "generator": cell.generator, "budget": cell.budget,
            "seed": cell.seed, "params": cell.params, "device": spec.device, "resplit": spec.resplit,
            "train_size": cell.train_size, "augment": list(spec.augment), "regimes": list(spec.regimes) or None,
            "save_synthetic": spec.save_synthetic, "tasks_dir": str(tasks_dir) if tasks_dir else None,
            "data_dir": str(data_dir) if data_dir else None, "tracking_uri": uri, "experiment": experiment,
            "identity": cell.identity, "attempt": attempt, "timeout": spec.timeout,
            "run_name": cell.cfg.run_name, "run_params": run_params(cell.cfg),
            "run_tags": run_tags(cell.cfg),
            "tags": {keys.TAG_SWEEP: spec.name, keys.TAG_CELL: cell.identity, keys.TAG_ATTEMPT: attempt, keys.TAG_PARENT: parent}}
