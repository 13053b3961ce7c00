"""The schema of a task file, parsed strictly: unknown keys, wrong types and values outside a setting's range
are errors when the file is read, not when a run reaches them. Each numeric setting declares its range beside its
field (``setting(..., allowed=Interval(...))``, with the ``synthbench.constraints`` that generators declare their
hyperparameters' ranges with), which ``_build`` checks for every section alike.

A task says which dataset and target, how the validation split is carved from train (the test split
is only ever used for scoring), which downstream model, which regimes and metrics - the headline utility
metric among them - and what each budget means. Which metrics exist is the modality's to say
(``synthbench.modalities``).
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass, field

from synthbench import defaults, extractors, registry
from synthbench.constraints import Interval
from synthbench.exceptions import ConfigError, PluginError, UnknownNameError

REGIMES = ("real", "synthetic", "mixed")
PRIVACY_METRICS = ("dcr", "exact_copies", "mia")
PROBLEMS = ("classification", "regression")
SUITES = ("ctgan-paper",)


def setting(default=dataclasses.MISSING, *, allowed: Interval | None = None, min_items: int = 0, why: str = ""):
    """A task-file field with its allowed values: ``allowed`` (numbers) or ``min_items`` (lists); ``why`` says what
    the bound protects and how to fix a value outside it. (Every list's items must differ, bounded or not.)"""
    return field(default=default, metadata={"allowed": allowed, "min_items": min_items, "why": why})


@dataclass(frozen=True)
class Header:
    """A task file's top-level keys other than its sections."""

    name: str
    version: int = setting(allowed=Interval(1), why="a task's version counts its revisions from 1: bump it when the task changes")
    modality: str
    description: str = ""


@dataclass(frozen=True)
class DataSection:
    dataset: str = ""  # a named dataset (``synthbench list``), or leave empty and give train_file
    target: str = "label"
    validation_size: int = setting(5000, allowed=Interval(1), why="the validation split selects the downstream model, so it "
                                   "needs rows: use 1 or more (a few thousand for a stable choice)")
    split_seed: int = setting(0, allowed=Interval(0), why="NumPy seeds are non-negative: use e.g. 0")
    # the validation carve-out's own seed; -1: split_seed's (``synthbench sweep --resplit`` sets one per run seed)
    validation_seed: int = setting(-1, allowed=Interval(-1), why="use -1 (the split_seed) or a NumPy seed (0 or more)")
    train_size: int = setting(0, allowed=Interval(0), why="use 0 (the whole training split) or N > 0 (a stratified subset of N rows)")
    # the seed of the subset --train-size draws; -1: the validation carve-out's seed + 1 (``synthbench run`` and
    # ``synthbench sweep`` set one per run seed, so seeds vary which N rows a run holds)
    subset_seed: int = setting(-1, allowed=Interval(-1), why="use -1 (the validation seed + 1) or a NumPy seed (0 or more)")
    test_size: int = setting(0, allowed=Interval(0), why="use 0 (the whole test split) or N > 0 (a subset of N rows)")
    # tables
    columns: dict = field(default_factory=dict)  # name -> categorical | numerical | integer (declared, never guessed)
    problem: str = "classification"  # classification | regression
    positive: str = ""  # the positive class of a binary target (F1, AUROC, fairness)
    sensitive: tuple = ()  # columns whose groups the fairness metrics compare
    # a dataset with one file: share of rows carved (seeded, stratified) as the test split
    test_fraction: float = setting(0.0, allowed=Interval(0.0, 1.0, closed="left"),
                                   why="use 0 (the dataset's own test split) or e.g. 0.2 (20% of the rows carved as the test split)")
    train_file: str = ""  # a user's own CSV instead of a named dataset (relative to the task file)
    test_file: str = ""  # its test split; without it, test_fraction carves one


@dataclass(frozen=True)
class DownstreamSection:
    model: str
    params: dict = field(default_factory=dict)
    models: tuple = ()  # further downstream models scored under every regime (tables)
    model_params: dict = field(default_factory=dict)  # further model name -> its parameters
    suite: str = ""  # an evaluator suite of published benchmarks, e.g. "ctgan-paper" (SDGym's early leaderboard)


@dataclass(frozen=True)
class RegimesSection:
    run: tuple = setting(REGIMES, min_items=1, why=f"a run scores utility under these regimes: list at least one of "
                         f"{', '.join(REGIMES)} (TSTR / TRTR needs real and synthetic)")
    # share of synthetic rows in the mixed set, which has the real set's size
    mixed_synthetic_share: float = setting(0.5, allowed=Interval(0.0, 1.0, closed="neither"),
                                           why="0 would be the real regime and 1 the synthetic one: use e.g. 0.5")


@dataclass(frozen=True)
class MetricsSection:
    utility: tuple = ()  # empty: the modality's default utility metrics
    headline: str = ""  # the utility metric TSTR / TRTR and summaries use; empty: the modality's default
    fidelity: tuple = ()  # empty: the modality's default fidelity metrics
    feature_extractor: str = ""  # a shipped extractor's name (synthbench/extractors/<name>.json), never a path
    # images per KID subset (reduced to the fidelity samples when fewer)
    kid_subset_size: int = setting(1000, allowed=Interval(2), why="KID's unbiased estimate needs 2 or more images per subset: "
                                   "use e.g. 1000")
    privacy: tuple = ()


@dataclass(frozen=True)
class Budget:
    downstream_epochs: int = setting(0, allowed=Interval(0), why="the image CNN trains this many epochs: use e.g. 1 (table tasks "
                                     "leave it out)")
    fidelity_samples: int = setting(10000, allowed=Interval(2), why="FID and KID need 2 or more samples per side: use e.g. 2000")
    # rows per side for distance-based privacy checks (tables)
    privacy_samples: int = setting(2000, allowed=Interval(1), why="the privacy checks need rows to compare: use e.g. 1000")
    suite: bool = True  # run [downstream].suite (the published evaluator suite) at this budget
    train_size: int = setting(0, allowed=Interval(0), why="use 0 ([data].train_size applies) or N > 0 (a stratified subset of N rows)")
    generator_params: dict = field(default_factory=dict)  # generator name -> {hyperparameter: value}


@dataclass(frozen=True)
class Task:
    name: str
    version: int
    modality: str
    data: DataSection
    downstream: DownstreamSection
    regimes: RegimesSection
    metrics: MetricsSection
    budgets: dict
    description: str = ""
    path: str = ""

    def budget(self, name: str) -> Budget:
        if name not in self.budgets:
            raise UnknownNameError(f"budget for task '{self.name}'", name, self.budgets)
        return self.budgets[name]

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


_TYPE_OK = {
    int: lambda v: isinstance(v, int) and not isinstance(v, bool),
    float: lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    str: lambda v: isinstance(v, str),
    tuple: lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
    dict: lambda v: isinstance(v, dict),
    bool: lambda v: isinstance(v, bool),
}


#: How to write a value of each type in TOML (the fix of a wrong type).
_WRITE = {int: "write a whole number without quotes", float: "write a number without quotes",
          str: 'write text in quotes ("...")', tuple: 'write a list of quoted names, e.g. ["a", "b"]',
          dict: "write a table, e.g. { name = value }", bool: "write true or false"}


def _build(cls, raw: dict, path: str, section: str = ""):
    """Build dataclass ``cls`` from ``raw`` (the task file's ``[section]``; top-level keys when empty), refusing
    unknown keys, wrong types and values outside what each field's ``setting`` allows."""
    where = f"{path}: [{section}]:" if section else f"{path}:"
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} expected a table, got {type(raw).__name__} - write it as a [section] table")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(raw) - names)
    if unknown:
        raise ConfigError(f"{where} unknown key(s) {', '.join(unknown)} - allowed: {', '.join(sorted(names))}")
    kwargs = {}
    for f in dataclasses.fields(cls):
        key = f"[{section}].{f.name}" if section else f.name
        if f.name not in raw:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise ConfigError(f"{path}: missing required key '{key}' - add it (the shipped tasks, e.g. "
                                  "synthbench/tasks/mnist.toml, show every key)")
            continue
        value, hint = raw[f.name], hints[f.name]
        base = typing.get_origin(hint) or hint
        if not _TYPE_OK[base](value):
            want = {tuple: "a list of strings"}.get(base, base.__name__)
            raise ConfigError(f"{path}: {key}: expected {want}, got {value!r} - {_WRITE[base]}")
        allowed, min_items, why = (f.metadata.get(k) for k in ("allowed", "min_items", "why"))
        fix = f" - {why}" if why else ""
        if allowed is not None and not allowed.allows(value):
            shown = dataclasses.replace(allowed, integer=True) if base is int else allowed  # "an integer >= 1"
            raise ConfigError(f"{path}: {key} must be {shown.describe()}, got {value!r}{fix}")
        if base is tuple:
            if len(value) < (min_items or 0):
                raise ConfigError(f"{path}: {key} must list at least {min_items}, got {value!r}{fix}")
            twice = sorted({x for x in value if value.count(x) > 1})
            if twice:
                raise ConfigError(f"{path}: {key} lists {', '.join(map(repr, twice))} more than once - list each once")
        kwargs[f.name] = tuple(value) if base is tuple else (float(value) if base is float else value)
    return cls(**kwargs)


def _allowed_name(kind: str, setting_key: str, value: str, names, path: str) -> None:
    """Refuse a registry name that is not registered, with the closest one and the list."""
    if value not in names:
        raise ConfigError(f"{path}: {setting_key}: {UnknownNameError(kind, value, names)}")


def parse_task(raw: dict, path: str = "<task>") -> Task:
    raw = dict(raw)
    sections = {"data": DataSection, "downstream": DownstreamSection, "regimes": RegimesSection, "metrics": MetricsSection}
    head_keys = {f.name for f in dataclasses.fields(Header)}
    allowed = set(sections) | head_keys | {"budgets"}
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise ConfigError(f"{path}: unknown key(s) {', '.join(unknown)} - allowed: {', '.join(sorted(allowed))}")
    for key in ("data", "downstream", "budgets"):
        if key not in raw:
            raise ConfigError(f"{path}: missing required key '{key}' - add it (the shipped tasks, e.g. "
                              "synthbench/tasks/mnist.toml, show every key)")
    if "version" in raw and (not isinstance(raw["version"], int) or isinstance(raw["version"], bool)):
        raise ConfigError(f"{path}: version must be an integer, got {raw['version']!r} - e.g. version = 1")
    head = _build(Header, {k: v for k, v in raw.items() if k in head_keys}, path)
    if head.modality not in registry.modalities.names():
        raise ConfigError(f"{path}: modality must be one of {', '.join(registry.modalities.names())}, got {head.modality!r} "
                          "- set it to the kind of data the task's dataset holds")
    try:
        modality = registry.modalities.get(head.modality)
    except PluginError as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    built = {k: _build(cls, raw.get(k, {}), path, k) for k, cls in sections.items()}
    m = built["metrics"]
    utility, fidelity = modality.default_metrics(built["data"])
    m = dataclasses.replace(m, utility=m.utility or utility, fidelity=m.fidelity or fidelity)
    built["metrics"] = m = dataclasses.replace(m, headline=m.headline or modality.default_headline(m.utility))
    run = built["regimes"].run
    for r in run:
        if r not in REGIMES:
            raise ConfigError(f"{path}: [regimes].run has unknown regime '{r}' - allowed: {', '.join(REGIMES)}")
    if "synthetic" in run and "real" not in run:
        raise ConfigError(f"{path}: [regimes].run = {list(run)!r} has 'synthetic' without 'real' - TSTR / TRTR (the headline "
                          "ratio) divides the synthetic regime's score by the real one's: add \"real\"")
    for f in m.fidelity:
        if f not in modality.fidelity_metrics:
            raise ConfigError(f"{path}: [metrics].fidelity has unknown metric '{f}' for {modality.name} tasks - "
                              f"allowed: {', '.join(modality.fidelity_metrics)}")
    for f in m.privacy:
        if f not in PRIVACY_METRICS:
            raise ConfigError(f"{path}: [metrics].privacy has unknown metric '{f}' - allowed: {', '.join(PRIVACY_METRICS)}")
    if m.feature_extractor:
        try:
            extractors.check_name(m.feature_extractor)
        except ConfigError as exc:
            raise ConfigError(f"{path}: [metrics].feature_extractor: {exc}") from exc
        _allowed_name("feature extractor", "[metrics].feature_extractor", m.feature_extractor, extractors.available(), path)
    data = built["data"]
    if bool(data.dataset) == bool(data.train_file):
        raise ConfigError(f"{path}: [data] names either a dataset or a train_file (a CSV of your own), not "
                          + ("both - remove one of them" if data.dataset else
                             "neither - set dataset (see `synthbench list`) or train_file"))
    if data.dataset:
        _allowed_name("dataset", "[data].dataset", data.dataset, registry.datasets.names(), path)
    if data.test_file and not data.train_file:
        raise ConfigError(f"{path}: [data].test_file goes with a train_file (a CSV of your own) - dataset "
                          f"'{data.dataset}' brings its own test split: remove test_file")
    if data.test_file and data.test_fraction:
        raise ConfigError(f"{path}: [data] gives a test_file and test_fraction = {data.test_fraction} - the test split is "
                          "either the test_file or carved from the train_file: remove one of them")
    if data.problem not in PROBLEMS:
        raise ConfigError(f"{path}: [data].problem must be one of {', '.join(PROBLEMS)}, got {data.problem!r} - a categorical "
                          "target is a classification, a numerical or integer one a regression")
    if built["downstream"].suite and built["downstream"].suite not in SUITES:
        raise ConfigError(f"{path}: [downstream].suite '{built['downstream'].suite}' is unknown - allowed: {', '.join(SUITES)}")
    for u in m.utility:
        if u not in modality.utility_metrics:
            raise ConfigError(f"{path}: [metrics].utility has unknown metric '{u}' for {modality.name} tasks - "
                              f"allowed: {', '.join(modality.utility_metrics)}")
    if m.headline not in m.utility or m.headline not in modality.headline_metrics:
        raise ConfigError(f"{path}: [metrics].headline {m.headline!r} must be one of [metrics].utility that is a single "
                          f"number per regime ({', '.join(u for u in m.utility if u in modality.headline_metrics) or 'none listed'}) "
                          "- set it to one of them, or leave it out for the modality's default")
    budgets_raw = raw["budgets"]
    if not isinstance(budgets_raw, dict) or not budgets_raw:
        raise ConfigError(f"{path}: [budgets] must define at least one of {', '.join(defaults.BUDGETS)} - add e.g. "
                          "[budgets.standard]")
    budgets = {}
    for name, b in budgets_raw.items():
        if name not in defaults.BUDGETS:
            raise ConfigError(f"{path}: unknown budget '{name}' - allowed: {', '.join(defaults.BUDGETS)}")
        budgets[name] = _build(Budget, b, path, f"budgets.{name}")
    task = Task(**dataclasses.asdict(head), budgets=budgets, path=str(path), **built)
    modality.check_task(task, str(path))
    return task
