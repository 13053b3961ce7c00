"""Declarative task files (``tasks/<name>.toml``), parsed strictly: unknown keys are errors.

A task says which dataset and target, how the validation split is carved from train (the test split
is only ever used for scoring), which downstream model, which regimes and metrics, and what each
budget means. ``--tasks-dir`` (or ``$SYNTHBENCH_TASKS_DIR``) adds a user's own folder of task files.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import typing
from dataclasses import dataclass, field
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from synthbench import defaults
from synthbench.exceptions import ConfigError, UnknownNameError

REGIMES = ("real", "synthetic", "mixed")
MODALITIES = ("image", "table")
FIDELITY_METRICS = ("fid", "kid", "precision", "recall", "quality", "detection")
UTILITY_METRICS = ("accuracy", "macro_f1", "per_class_accuracy", "f1", "auroc", "r2", "rmse")
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
    utility: tuple = UTILITY_METRICS
    fidelity: tuple = FIDELITY_METRICS
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
    if raw["modality"] not in MODALITIES:
        raise ConfigError(f"{path}: modality must be one of {', '.join(MODALITIES)}, got {raw['modality']!r}")
    if not isinstance(raw["version"], int):
        raise ConfigError(f"{path}: version must be an integer, got {raw['version']!r}")
    built = {k: _build(cls, raw.get(k, {}), f"{path}: [{k}]") for k, cls in sections.items()}
    for r in built["regimes"].run:
        if r not in REGIMES:
            raise ConfigError(f"{path}: [regimes].run has unknown regime '{r}' - allowed: {', '.join(REGIMES)}")
    if not 0.0 < built["regimes"].mixed_synthetic_share < 1.0:
        raise ConfigError(f"{path}: [regimes].mixed_synthetic_share must be in (0, 1)")
    for m in built["metrics"].fidelity:
        if m not in FIDELITY_METRICS:
            raise ConfigError(f"{path}: [metrics].fidelity has unknown metric '{m}' - allowed: {', '.join(FIDELITY_METRICS)}")
    for m in built["metrics"].privacy:
        if m not in PRIVACY_METRICS:
            raise ConfigError(f"{path}: [metrics].privacy has unknown metric '{m}' - allowed: {', '.join(PRIVACY_METRICS)}")
    data = built["data"]
    if bool(data.dataset) == bool(data.train_file):
        raise ConfigError(f"{path}: [data] names either a dataset or a train_file (a CSV of your own), not "
                          + ("both" if data.dataset else "neither"))
    if data.train_file and raw["modality"] != "table":
        raise ConfigError(f"{path}: [data].train_file (a CSV) is for table tasks")
    if data.problem not in PROBLEMS:
        raise ConfigError(f"{path}: [data].problem must be one of {', '.join(PROBLEMS)}, got {data.problem!r}")
    if not 0.0 <= data.test_fraction < 1.0:
        raise ConfigError(f"{path}: [data].test_fraction must be in [0, 1)")
    if raw["modality"] == "table":
        if not data.columns:
            raise ConfigError(f"{path}: a table task declares its column types in [data.columns] (name = \"categorical\" | "
                              "\"numerical\" | \"integer\")")
        if data.target not in data.columns:
            raise ConfigError(f"{path}: [data].target '{data.target}' is not in [data.columns]")
        kind = "classification" if data.columns[data.target] == "categorical" else "regression"
        if data.problem != kind:
            raise ConfigError(f"{path}: [data].problem is '{data.problem}' but target '{data.target}' is declared "
                              f"{data.columns[data.target]}, which makes it {kind} - make the two agree")
        for c in data.sensitive:
            if c not in data.columns:
                raise ConfigError(f"{path}: sensitive column '{c}' is not in [data.columns]")
    if built["downstream"].suite and built["downstream"].suite not in SUITES:
        raise ConfigError(f"{path}: [downstream].suite '{built['downstream'].suite}' is unknown - allowed: {', '.join(SUITES)}")
    for m in built["metrics"].utility:
        if m not in UTILITY_METRICS:
            raise ConfigError(f"{path}: [metrics].utility has unknown metric '{m}' - allowed: {', '.join(UTILITY_METRICS)}")
    budgets_raw = raw["budgets"]
    if not isinstance(budgets_raw, dict) or not budgets_raw:
        raise ConfigError(f"{path}: [budgets] must define at least one of {', '.join(defaults.BUDGETS)}")
    budgets = {}
    for name, b in budgets_raw.items():
        if name not in defaults.BUDGETS:
            raise ConfigError(f"{path}: unknown budget '{name}' - allowed: {', '.join(defaults.BUDGETS)}")
        budgets[name] = _build(Budget, b, f"{path}: [budgets.{name}]")
    return Task(
        name=raw["name"], version=raw["version"], modality=raw["modality"], description=raw.get("description", ""),
        budgets=budgets, path=str(path), **built,
    )


def load_task_file(path: Path) -> Task:
    try:
        with open(path, "rb") as fh:
            raw = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    task = parse_task(raw, str(path))
    if task.name != path.stem:
        raise ConfigError(f"{path}: name '{task.name}' must match the file name '{path.stem}' - rename one of them")
    return task


def task_dirs(tasks_dir: str | os.PathLike | None = None) -> list[Path]:
    return defaults.search_path(tasks_dir, defaults.ENV_TASKS_DIR, defaults.SOURCE_ROOT / "tasks")


def available_tasks(tasks_dir=None) -> dict[str, Path]:
    """name -> file; a user's folder wins over the built-in one."""
    found: dict[str, Path] = {}
    for d in reversed(task_dirs(tasks_dir)):
        if d.is_dir():
            for p in sorted(d.glob("*.toml")):
                found[p.stem] = p
    return found


def load_task(name_or_path: str, tasks_dir=None) -> Task:
    p = Path(name_or_path)
    if p.suffix == ".toml" and p.is_file():
        return load_task_file(p)
    tasks = available_tasks(tasks_dir)
    if name_or_path not in tasks:
        raise UnknownNameError("task", name_or_path, tasks)
    return load_task_file(tasks[name_or_path])
