"""The record of one run: what the pipeline computed, as plain typed data (no MLflow here).

``synthbench.pipeline`` fills a ``RunRecord`` as it goes (so a run that fails part-way still has what it
measured); ``synthbench.tracking`` is the only code that writes one to MLflow. Keys are ``synthbench.keys``.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from typing import Any, Callable

from synthbench import defaults, keys

#: How an artifact's payload is written: a matplotlib figure, an image array, a pandas table, text, a
#: JSON-able object, or a local file made by ``payload(path)``.
ARTIFACT_KINDS = ("figure", "image", "table", "text", "json", "file")


@dataclass(frozen=True)
class Artifact:
    path: str  # where in the run's artifacts, e.g. "plots/columns.png"
    kind: str  # one of ARTIFACT_KINDS
    payload: Any

    def __post_init__(self):
        if self.kind not in ARTIFACT_KINDS:
            raise ValueError(f"artifact kind must be one of {ARTIFACT_KINDS}, got {self.kind!r}")


@dataclass(frozen=True)
class StepImage:
    """An image with a step (MLflow's image slider), e.g. the fixed-noise grid during a GAN's training."""

    key: str
    step: int
    image: Any


@dataclass(frozen=True)
class DatasetInput:
    """One split a run read, recorded as an MLflow dataset input (with its digest)."""

    context: str  # train | validation | test
    name: str
    source: str  # the file it came from
    data: Any  # numpy images or a pandas frame
    targets: Any  # labels (numpy) or the target column's name (pandas)
    columns: dict | None = None  # a table's declared column types (its schema)


@dataclass
class RunRecord:
    """Everything one run measured and made. ``curves`` maps a step-metric key to ``[(step, value), ...]``."""

    config: dict
    params: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    not_applicable: dict[str, str] = field(default_factory=dict)  # metric or artifact -> why it is absent
    curves: dict[str, list] = field(default_factory=dict)
    step_images: list[StepImage] = field(default_factory=list)
    artifacts: list[Artifact] = field(default_factory=list)
    inputs: list[DatasetInput] = field(default_factory=list)
    history: list[dict] = field(default_factory=list)  # the generator's training records
    diagnosis: str | None = None
    #: Where step metrics and step images go while the run lasts (``tracking.LiveRun``), so a long training can be
    #: watched; ``None`` keeps everything for the end. ``streamed``: the curves and parts it already received.
    live: Any = None
    streamed: set = field(default_factory=set)

    def add_curve(self, history: list[dict], key_fn: Callable[[str], str]) -> None:
        """Records ``[{"step": s, name: value, ...}, ...]`` as curves ``key_fn(name)``."""
        for rec in history:
            for k, v in rec.items():
                if k != "step" and isinstance(v, (int, float)):
                    self.curves.setdefault(key_fn(k), []).append((int(rec["step"]), float(v)))

    def add_step_metrics(self, metrics: dict, step: int) -> None:
        for k, v in metrics.items():
            self.curves.setdefault(k, []).append((int(step), float(v)))
        if self.live is not None:
            self.live.step_metrics(metrics, int(step))
            self.streamed.update(metrics)

    def add_step_image(self, key: str, step: int, image) -> None:
        if self.live is not None:
            self.live.step_image(key, int(step), image)  # sent now, not kept: 20 sets of grids a fit add up
        else:
            self.step_images.append(StepImage(key, int(step), image))

    def artifact(self, path: str, kind: str, payload) -> None:
        self.artifacts.append(Artifact(path, kind, payload))


@dataclass
class RunResult:
    """What ``synthbench.run`` returns: where the run was recorded, how it ended, and its record."""

    run_id: str
    experiment_id: str
    tracking_uri: str
    status: str
    record: RunRecord

    @property
    def metrics(self) -> dict:
        return self.record.metrics

    @property
    def config(self) -> dict:
        return self.record.config

    @property
    def not_applicable(self) -> dict:
        return self.record.not_applicable

    @property
    def diagnosis(self) -> str | None:
        return self.record.diagnosis


# -- provenance: what a run needs to be repeated from its record ------------------------------------
# What a run's numbers depend on in a checkout: the package, its pinned dependencies and the example plug-in (installed
# editable by the README). Changes elsewhere (results, a run store kept in the repository, docs, tests) do not make a
# run's code differ from its commit; a new, uncommitted file in these paths (not ignored by git) does.
SOURCE_PATHS = ("synthbench", "pyproject.toml", "examples")


def git_commit() -> str:
    """The commit of the synthbench source tree, '-dirty' when the package's own files differ from it, or 'unknown'
    (installed from a wheel, no git)."""
    if defaults.CHECKOUT is None:
        return "unknown"
    try:
        git = ["git", "-C", str(defaults.CHECKOUT)]
        out = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5)
        if out.returncode == 0:
            dirty = subprocess.run([*git, "status", "--porcelain", "--untracked-files=normal", "--", *SOURCE_PATHS],
                                   capture_output=True, text=True, timeout=5).stdout.strip()
            return out.stdout.strip() + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        pass
    return "unknown"


PACKAGES = ("synthbench", "torch", "torchvision", "torch-fidelity", "mlflow", "numpy", "scikit-learn", "pandas",
            "sdv", "xgboost")


def package_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for p in PACKAGES:
        try:
            out[p] = version(p)
        except PackageNotFoundError:
            out[p] = "0.0.0+unknown" if p == "synthbench" else "not installed"  # synthbench: a source tree, not installed
    import platform

    out["python"] = platform.python_version()
    return out


def run_params(cfg) -> dict[str, str]:
    """A run's MLflow parameters from its resolved configuration (``config.RunConfig``): what it is and what its
    result depends on. Provenance (``version.*``, ``machine.*``) and the data's checksums and sizes come later, from
    the run itself; a sweep gives these (and ``run_tags``) to the record of a cell that died before its run opened."""
    return flatten({"task": {"name": cfg.task.name, "version": cfg.task.version, "modality": cfg.task.modality,
                             "headline": cfg.task.metrics.headline},
                    "generator": {"name": cfg.generator, **cfg.generator_params},
                    "downstream": {"model": cfg.model, **cfg.model_params},
                    "budget": cfg.budget, "seed": cfg.seed, "device": cfg.device,
                    "regimes": list(cfg.task.regimes.run),
                    "mixed_synthetic_share": cfg.task.regimes.mixed_synthetic_share,
                    # what runs of other sizes and augmentations differ in (absent at their defaults, so runs
                    # recorded before they existed compare with today's as the same configuration)
                    **({"train_size": cfg.train_size} if cfg.train_size else {}),
                    **({"augment": list(cfg.augment)} if cfg.augment else {})})


def run_tags(cfg) -> dict[str, str]:
    """A run's identity tags from its resolved configuration (provenance tags come from the run itself)."""
    return {keys.TAG_TASK: cfg.task.name, keys.TAG_GENERATOR: cfg.generator, keys.TAG_BUDGET: cfg.budget,
            keys.TAG_SEED: str(cfg.seed), keys.TAG_DEVICE: cfg.device, keys.TAG_CONDITIONING: cfg.conditioning}


def flatten(d: dict, prefix: str = "") -> dict[str, str]:
    """Nested dict -> ``{"a.b.c": "value"}`` with values as MLflow-safe strings."""
    out = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(flatten(v, key + "."))
        else:
            s = json.dumps(v) if isinstance(v, (list, tuple, bool)) or v is None else str(v)
            out[key] = s[:6000]
    return out


def machine() -> dict:
    """What a run's costs were measured on: the cores it could use (a sweep worker's share), the machine's CPUs and
    architecture, and the GPU when CUDA is visible."""
    import os
    import platform

    from synthbench.background import cores

    out = {"cores": cores(), "cpus": os.cpu_count() or 1, "arch": platform.machine(), "cpu": cpu()[0]}
    try:
        import torch

        if torch.cuda.is_available():
            out["gpu"] = torch.cuda.get_device_name(0)
    except Exception:  # noqa: BLE001 - no torch, no GPU: nothing to record
        pass
    return out


def cpu() -> tuple[str, str]:
    """The CPU's model name and a short hash of its instruction-set flags (Linux's ``/proc/cpuinfo``; elsewhere
    ``platform.processor()`` and no flags): machines with one model name can differ in the instructions that
    torch's and the BLAS's kernels pick."""
    import hashlib
    import platform

    model, flags = "", ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                name, _, value = line.partition(":")
                if name.strip() == "model name" and not model:
                    model = value.strip()
                elif name.strip() in ("flags", "Features") and not flags:
                    flags = " ".join(sorted(value.split()))
    except OSError:
        pass
    return model or platform.processor() or platform.machine(), hashlib.sha256(flags.encode()).hexdigest()[:12] if flags else ""


def numerics() -> dict:
    """What decides a run's numbers beyond its configuration and data: the CPU (model and instruction set), the cores
    its libraries thread over, and the numerical packages' versions. Two runs of one configuration agree to the last
    digit where this agrees; elsewhere kernels take other paths (summation order, vector width)."""
    from synthbench.background import cores

    from importlib.metadata import PackageNotFoundError, version

    def installed(p: str) -> str:
        try:
            return version(p)
        except PackageNotFoundError:
            return "not installed"

    model, flags = cpu()
    return {"cpu": model, "cpu_flags": flags, "cores": cores(),
            "versions": {p: installed(p) for p in ("torch", "numpy", "scipy", "scikit-learn", "xgboost", "sdv", "sdmetrics")}}


def provenance() -> dict:
    return {"versions": package_versions(), "git_commit": git_commit(), "machine": machine()}
