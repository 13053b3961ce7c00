"""The schema of a task file, parsed strictly: unknown keys and wrong types are errors.

A task says which dataset and target, how the validation split is carved from train (the test split
is only ever used for scoring), which downstream model, which regimes and metrics - the headline utility
metric among them - and what each budget means. Which metrics exist is the modality's to say
(``synthbench.modalities``).
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass, field

from synthbench import defaults, registry
from synthbench.exceptions import ConfigError, PluginError, UnknownNameError

REGIMES = ("real", "synthetic", "mixed")
PRIVACY_METRICS = ("dcr", "exact_copies", "mia")
PROBLEMS = ("classification", "regression")
SUITES = ("ctgan-paper",)


@dataclass(frozen=True)
class DataSection:
    dataset: str = ""  # a named dataset (``synthbench list``), or leave empty and give train_file
    target: str = "label"
    validation_size: int = 5000
    split_seed: int = 0
    train_size: int = 0  # 0: the whole training split (after the validation carve); else a stratified subset
    test_size: int = 0  # 0: the whole test split
    # tables
    columns: dict = field(default_factory=dict)  # name -> categorical | numerical | integer (declared, never guessed)
    problem: str = "classification"  # classification | regression
    positive: str = ""  # the positive class of a binary target (F1, AUROC, fairness)
    sensitive: tuple = ()  # columns whose groups the fairness metrics compare
    test_fraction: float = 0.0  # a dataset with one file: share of rows carved (seeded, stratified) as the test split
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
    run: tuple = REGIMES
    mixed_synthetic_share: float = 0.5  # share of synthetic rows in the mixed set, which has the real set's size


@dataclass(frozen=True)
class MetricsSection:
    utility: tuple = ()  # empty: the modality's default utility metrics
    headline: str = ""  # the utility metric TSTR / TRTR and summaries use; empty: the modality's default
    fidelity: tuple = ()  # empty: the modality's default fidelity metrics
    feature_extractor: str = ""
    kid_subset_size: int = 1000
    privacy: tuple = ()


@dataclass(frozen=True)
class Budget:
    downstream_epochs: int = 0  # image models; tables' models have no epochs
    fidelity_samples: int = 10000
    privacy_samples: int = 2000  # rows per side for distance-based privacy checks (tables)
    suite: bool = True  # run [downstream].suite (the published evaluator suite) at this budget
    train_size: int = 0  # overrides data.train_size when > 0
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


def _build(cls, raw: dict, where: str):
    """Build dataclass ``cls`` from ``raw``, refusing unknown keys and wrong types."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a table, got {type(raw).__name__}")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(raw) - names)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)} - allowed: {', '.join(sorted(names))}")
    kwargs = {}
    for f in dataclasses.fields(cls):
        if f.name not in raw:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise ConfigError(f"{where}: missing required key '{f.name}'")
            continue
        value, hint = raw[f.name], hints[f.name]
        base = typing.get_origin(hint) or hint
        ok = {
            int: lambda v: isinstance(v, int) and not isinstance(v, bool),
            float: lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
            str: lambda v: isinstance(v, str),
            tuple: lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
            dict: lambda v: isinstance(v, dict),
            bool: lambda v: isinstance(v, bool),
        }[base](value)
        if not ok:
            want = {tuple: "a list of strings"}.get(base, base.__name__)
            raise ConfigError(f"{where}.{f.name}: expected {want}, got {value!r}")
        kwargs[f.name] = tuple(value) if base is tuple else (float(value) if base is float else value)
    return cls(**kwargs)


def parse_task(raw: dict, path: str = "<task>") -> Task:
    raw = dict(raw)
    sections = {"data": DataSection, "downstream": DownstreamSection, "regimes": RegimesSection, "metrics": MetricsSection}
    allowed = set(sections) | {"name", "version", "modality", "description", "budgets"}
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise ConfigError(f"{path}: unknown key(s) {', '.join(unknown)} - allowed: {', '.join(sorted(allowed))}")
    for key in ("name", "version", "modality", "data", "downstream", "budgets"):
        if key not in raw:
            raise ConfigError(f"{path}: missing required key '{key}'")
    if raw["modality"] not in registry.modalities.names():
        raise ConfigError(f"{path}: modality must be one of {', '.join(registry.modalities.names())}, got {raw['modality']!r}")
    try:
        modality = registry.modalities.get(raw["modality"])
    except PluginError as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    if not isinstance(raw["version"], int):
        raise ConfigError(f"{path}: version must be an integer, got {raw['version']!r}")
    built = {k: _build(cls, raw.get(k, {}), f"{path}: [{k}]") for k, cls in sections.items()}
    m = built["metrics"]
    utility, fidelity = modality.default_metrics(built["data"])
    m = dataclasses.replace(m, utility=m.utility or utility, fidelity=m.fidelity or fidelity)
    built["metrics"] = m = dataclasses.replace(m, headline=m.headline or modality.default_headline(m.utility))
    for r in built["regimes"].run:
        if r not in REGIMES:
            raise ConfigError(f"{path}: [regimes].run has unknown regime '{r}' - allowed: {', '.join(REGIMES)}")
    if not 0.0 < built["regimes"].mixed_synthetic_share < 1.0:
        raise ConfigError(f"{path}: [regimes].mixed_synthetic_share must be in (0, 1)")
    for f in m.fidelity:
        if f not in modality.fidelity_metrics:
            raise ConfigError(f"{path}: [metrics].fidelity has unknown metric '{f}' for {modality.name} tasks - "
                              f"allowed: {', '.join(modality.fidelity_metrics)}")
    for f in m.privacy:
        if f not in PRIVACY_METRICS:
            raise ConfigError(f"{path}: [metrics].privacy has unknown metric '{f}' - allowed: {', '.join(PRIVACY_METRICS)}")
    data = built["data"]
    if bool(data.dataset) == bool(data.train_file):
        raise ConfigError(f"{path}: [data] names either a dataset or a train_file (a CSV of your own), not "
                          + ("both" if data.dataset else "neither"))
    if data.problem not in PROBLEMS:
        raise ConfigError(f"{path}: [data].problem must be one of {', '.join(PROBLEMS)}, got {data.problem!r}")
    if not 0.0 <= data.test_fraction < 1.0:
        raise ConfigError(f"{path}: [data].test_fraction must be in [0, 1)")
    if built["downstream"].suite and built["downstream"].suite not in SUITES:
        raise ConfigError(f"{path}: [downstream].suite '{built['downstream'].suite}' is unknown - allowed: {', '.join(SUITES)}")
    for u in m.utility:
        if u not in modality.utility_metrics:
            raise ConfigError(f"{path}: [metrics].utility has unknown metric '{u}' for {modality.name} tasks - "
                              f"allowed: {', '.join(modality.utility_metrics)}")
    if m.headline not in m.utility or m.headline not in modality.headline_metrics:
        raise ConfigError(f"{path}: [metrics].headline {m.headline!r} must be one of [metrics].utility that is a single "
                          f"number per regime ({', '.join(u for u in m.utility if u in modality.headline_metrics) or 'none listed'})")
    budgets_raw = raw["budgets"]
    if not isinstance(budgets_raw, dict) or not budgets_raw:
        raise ConfigError(f"{path}: [budgets] must define at least one of {', '.join(defaults.BUDGETS)}")
    budgets = {}
    for name, b in budgets_raw.items():
        if name not in defaults.BUDGETS:
            raise ConfigError(f"{path}: unknown budget '{name}' - allowed: {', '.join(defaults.BUDGETS)}")
        budgets[name] = _build(Budget, b, f"{path}: [budgets.{name}]")
    task = Task(
        name=raw["name"], version=raw["version"], modality=raw["modality"], description=raw.get("description", ""),
        budgets=budgets, path=str(path), **built,
    )
    modality.check_task(task, str(path))
    return task
