"""The interface between the one run pipeline and a kind of data (images, tables, ...).

``synthbench.pipeline`` runs the same steps for every task - load splits, fit, sample, validate, utility
per regime, fidelity, extras, record - and asks the task's modality for the parts that depend on the data.
A modality is an object registered in ``synthbench.registry.modalities``: each module of this package that
defines ``MODALITY`` (a third modality is one new module), or a package's ``synthbench.modalities`` entry point.
Its methods write what they measure into ``ctx.record`` (``synthbench.records.RunRecord``); none touches MLflow.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from synthbench import defaults, seeding
from synthbench.records import RunRecord


@dataclass
class Splits:
    """A task's data: ``train`` (the generator's only input), ``validation`` (model selection) and ``test``
    (scoring only), of the modality's data type, with where they came from."""

    train: Any
    validation: Any
    test: Any
    class_names: list
    dataset: str
    checksums: dict = field(default_factory=dict)  # file name -> sha256
    files: dict = field(default_factory=dict)  # file name -> path
    # rows an epoch of each regime's downstream model draws (images): the training rows the run would hold without
    # --train-size, so every regime and every N trains as many steps as the task's own runs; 0: each set its own size
    downstream_rows: int = 0

    def sizes(self) -> dict[str, int]:
        return {"train": len(self.train), "validation": len(self.validation), "test": len(self.test)}


def training_size(task, budget) -> tuple[int, str]:
    """The size of the training subset a run takes (0: the whole training split) and the setting that chose it:
    ``--train-size`` when given, else the budget's ``train_size`` when set, else ``[data].train_size``."""
    if budget is not None and budget.train_size > 0:
        name = next((k for k, b in task.budgets.items() if b is budget), None)
        # a budget that is not the task's own: the run's, with --train-size set in it (synthbench.config.resolve)
        return budget.train_size, f"[budgets.{name}].train_size" if name else defaults.TRAIN_SIZE_OPTION
    return task.data.train_size, "[data].train_size"


# the steps that draw the augmentation pool are named ``AUGMENTATION_STEP/<block>``: a modality's ``sample`` gives
# their rows in the real training rows' class proportions, as augmented regimes add to the real rows
AUGMENTATION_STEP = "augmented-labels"


def own_training_size(task, budget) -> int:
    """The training subset the run would take without ``--train-size`` (0: the whole split): the task's own
    budget's ``train_size`` - ``budget`` is that budget, or the copy of it that ``--train-size`` changed (the
    task's budget equal to it in everything else; of two such budgets, the first) - else ``[data].train_size``
    (also without a budget)."""
    import dataclasses

    if budget is None or any(b is budget for b in task.budgets.values()):
        return training_size(task, budget)[0]
    own = next((b for b in task.budgets.values() if dataclasses.replace(b, train_size=budget.train_size) == budget), None)
    return training_size(task, own)[0]


@dataclass
class RunContext:
    """What every step of one run shares: its configuration, data, record and progress reporter."""

    cfg: Any  # synthbench.config.RunConfig
    splits: Splits
    record: RunRecord
    reporter: Any  # synthbench.progress.Reporter

    def seed(self, step: str) -> int:
        """The seed of one named random step of this run."""
        return seeding.derive_seed(self.cfg.seed, step)

    @property
    def metrics(self) -> dict:
        return self.record.metrics


class Modality:
    """Defaults for the optional parts; a modality overrides what its data needs."""

    name: str = ""
    data_type: type = object  # what generators fit on and sample (LabeledImages, Table, ...)
    utility_metrics: tuple = ()  # what [metrics].utility may name
    headline_metrics: tuple = ()  # which of them are one number per regime (a task's headline is one)
    fidelity_metrics: tuple = ()  # what [metrics].fidelity may name
    uses_worker: bool = False  # whether side jobs (start_jobs) should run in the evaluation worker process
    labels_are_columns: bool = False  # the label is generated as a column: sample(labels=...) must be refused
    floor: str = ""  # the honest baseline generator a generator must beat on this modality (reports' floor row)

    # -- the generator contract for this data (synthbench.testing runs it) ----------------------------
    def example(self):
        """A small dataset of this modality for contract checks."""
        raise NotImplementedError

    def validate(self, out, n: int, train, generator: str, labels=None, conditional: bool = True):
        """``out`` if it is ``n`` rows like ``train`` (with ``labels`` if asked); else ContractError."""
        raise NotImplementedError

    def same(self, a, b) -> bool:
        """Whether two samples are identical (same seed, same data)."""
        raise NotImplementedError

    def default_metrics(self, data) -> tuple[tuple, tuple]:
        """``(utility, fidelity)`` metrics of a task file that names none."""
        return self.utility_metrics, self.fidelity_metrics

    def default_headline(self, utility: tuple) -> str:
        """The headline metric of a task file that names none: the first of ``utility`` that is one number."""
        return next((u for u in utility if u in self.headline_metrics), "")

    def downstream_params(self, budget) -> dict:
        """Downstream hyperparameters a budget sets (e.g. the image CNN's epochs)."""
        return {}

    def check_task(self, task, where: str) -> None:
        """Refuse a task this modality cannot run (raise ConfigError naming the key to fix)."""

    def conditioning(self, generator_cls, generator, per_class: bool | None) -> str:
        return "native"

    def load_splits(self, task, budget, data_dir) -> Splits:
        raise NotImplementedError

    def inputs(self, splits: Splits) -> list:
        """The splits as ``records.DatasetInput`` for the run record."""
        return []

    def training_monitor(self, ctx: RunContext, generator):
        """An object the generator reports training signals to during ``fit``, or ``None`` (record why)."""
        return None

    def diagnose(self, ctx: RunContext, generator, history: list, monitor, diverged: str | None = None) -> None:
        """Read the training signals into a diagnosis (after ``fit``, or after it diverged)."""

    def sample(self, ctx: RunContext, generator, n: int | None = None, step: str = "synthetic-labels"):
        """``n`` synthetic rows (default: the training split's size: the synthetic training set), validated against
        the contract; ``step`` names the random step that draws their labels. Rows for the augmentation pool
        (``step`` ``AUGMENTATION_STEP/<block>``) follow the real training rows' class proportions."""
        raise NotImplementedError

    def figures(self, ctx: RunContext, synthetic, history: list) -> None:
        """Figures of the samples and the generator's training."""

    def start_jobs(self, ctx: RunContext, synthetic, worker) -> dict:
        """Evaluation jobs independent of the downstream models, submitted to ``worker`` (a Background)."""
        return {}

    def utility(self, ctx: RunContext, regime: str, train_set, synthetic) -> dict:
        """Train the downstream model(s) on ``train_set`` and score them on the test split; return rows of
        result tables (artifact path -> rows), which the pipeline gathers over the regimes."""
        raise NotImplementedError

    def after_utility(self, ctx: RunContext) -> None:
        """Tables and not-applicable reasons that summarise every regime."""

    def fidelity(self, ctx: RunContext, synthetic, jobs: dict) -> None:
        raise NotImplementedError

    def extras(self, ctx: RunContext, synthetic, jobs: dict) -> None:
        """Privacy, fairness and whatever else the modality measures."""

    def synthetic_artifact(self, synthetic):
        """The synthetic set as a ``records.Artifact`` (compressed)."""
        return None
