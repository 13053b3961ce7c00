"""SDV's single-table synthesizers behind synthbench's generator contract.

Each class passes its hyperparameters through to the SDV synthesizer of the same name unchanged (their
names and defaults are SDV's, so they are logged as SDV documents them); epochs are set by the budget.
Column types come from the task's declared metadata (never ``detect_from_dataframe``).

* ``gaussian-copula``: ``GaussianCopulaSynthesizer`` (Patki, Wedge & Veeramachaneni, "The Synthetic
  Data Vault", DSAA 2016).
* ``ctgan``: ``CTGANSynthesizer`` (Xu, Skoularidou, Cuesta-Infante & Veeramachaneni, "Modeling Tabular
  Data using Conditional GAN", NeurIPS 2019): mode-specific normalisation, conditional generator,
  training-by-sampling, PacGAN discriminator, WGAN-GP loss.
* ``tvae``: ``TVAESynthesizer`` (the same paper's variational autoencoder baseline).
* ``copula-gan``: ``CopulaGANSynthesizer`` (CTGAN on Gaussian-copula-transformed columns).

Seeding: ``fit`` seeds NumPy's, Python's and torch's global generators from ``random_state`` (CTGAN and
TVAE draw from them) and restores them afterwards; sampling uses SDV's own seeded state, set from
``random_state`` (SDV otherwise samples with one fixed seed, so every run seed would draw the same rows).
"""

from __future__ import annotations

import contextlib
import random
import warnings

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from synthbench.constraints import DictOf, Interval, OneOf, positive, positive_int
from synthbench.data.table import TABLE_NAME, Table

# budgets: SDV's own default is 300 epochs (the CTGAN paper's setting), used at the full budget
#: Optimiser steps (batches), not epochs: a small training set gets as many updates as a large one. On Adult (27,561
#: training rows, batches of 500: 55 full batches an epoch, CTGAN's loop) these are the 50 and 300 epochs the budgets
#: used to name; quick: 10 epochs of 5,000. TVAE's DataLoader keeps the last short batch (56 an epoch): its own budgets
#: give it the same 50 and 300 epochs there.
_NEURAL_BUDGETS = {"quick": {"steps": 100}, "standard": {"steps": 2750}, "full": {"steps": 16500}}
_TVAE_BUDGETS = {"quick": {"steps": 100}, "standard": {"steps": 2800}, "full": {"steps": 16800}}


def sdv_metadata(table: Table):
    """SDV ``Metadata`` for ``table`` from its declared column types."""
    from sdv.metadata import Metadata

    return Metadata.load_from_dict({"tables": {TABLE_NAME: table.sdv_metadata_dict()}})


@contextlib.contextmanager
def seeded_globals(seed):
    """Seed NumPy, ``random`` and torch's global generators for the block, then restore them."""
    import torch

    np_state, py_state = np.random.get_state(), random.getstate()
    with torch.random.fork_rng(devices=[]):
        seed = int(seed) % (2**32) if seed is not None else None
        if seed is not None:
            np.random.seed(seed)
            random.seed(seed)
            torch.manual_seed(seed)
        try:
            yield
        finally:
            np.random.set_state(np_state)
            random.setstate(py_state)


class SDVGenerator(BaseEstimator):
    """Base: subclasses set ``synthesizer`` (the SDV class name) and list SDV's hyperparameters."""

    modalities = ("table",)
    conditional = False  # the target is generated as a column, with the others
    fit_receives = ("callback",)
    synthesizer = ""
    _SKIP = ("random_state", "device", "steps")
    alternatives = (("steps", "epochs"),)  # config.resolve_params: a layer that sets one resets the other
    batches = "floor"  # batches per epoch: len // batch_size (CTGAN's loop), or "ceil" (a DataLoader's, TVAE)

    def _synthesizer_kwargs(self) -> dict:
        kwargs = {k: v for k, v in self.get_params().items() if k not in self._SKIP}
        if "device" in self.get_params():  # SDV's switch is enable_gpu; synthbench's is --device
            kwargs["enable_gpu"] = str(self.device).startswith("cuda")
        return kwargs

    def fit(self, train: Table, callback=None):
        import sdv.single_table

        cls = getattr(sdv.single_table, self.synthesizer)
        kwargs = self._synthesizer_kwargs()
        self.columns_, self.target_ = dict(train.columns), train.target
        if "epochs" in kwargs:
            kwargs["epochs"] = self.epochs_ = self.epochs_for(len(train))
            # what the fit made, recorded by the pipeline (cost/fit_epochs, cost/fit_steps): the logged ``epochs``
            # parameter is the class default whenever a budget's ``steps`` decides
            self.fit_summary_ = {"epochs": float(self.epochs_),
                                 "steps": float(self.epochs_ * self.steps_per_epoch(len(train)))}
        epochs = int(kwargs.get("epochs") or 0)
        with seeded_globals(self.random_state), warnings.catch_warnings():
            warnings.filterwarnings("ignore", module="sdv")
            warnings.filterwarnings("ignore", module="rdt")
            self.model_ = cls(sdv_metadata(train), **kwargs)
            with _epoch_watch(self.model_, epochs, callback):
                self.model_.fit({TABLE_NAME: train.frame})
        if callback is not None:
            callback({"total": epochs or 1, "step": epochs or 1})
        self._sampling_seeded_ = False
        loss = getattr(self.model_, "get_loss_values", None)
        self.history_ = _loss_history(loss()) if callable(loss) and kwargs.get("epochs") else []
        return self

    def epochs_for(self, rows: int) -> int:
        """The epochs SDV trains on ``rows`` rows: ``epochs``, or with ``steps`` set the fewest epochs that make at
        least ``steps`` optimiser steps (batches) over those rows."""
        steps = getattr(self, "steps", None)
        if not steps:
            return int(self.epochs)
        return max(1, -(-int(steps) // self.steps_per_epoch(rows)))

    def steps_per_epoch(self, rows: int) -> int:
        """Optimiser steps in one epoch over ``rows`` rows: full batches only (CTGAN's loop; at least one), or every
        batch including the last short one (``batches = "ceil"``: TVAE's DataLoader)."""
        return max(rows // self.batch_size, 1) if self.batches == "floor" else -(-rows // self.batch_size)

    def sample(self, n: int, labels=None) -> Table:
        check_is_fitted(self, "model_")
        if labels is not None:
            raise ValueError(f"{type(self).__name__} generates the target as a column; call sample(n) without labels")
        if not self._sampling_seeded_ and self.random_state is not None:
            # SDV's documented reset_sampling() returns to one fixed seed; seed it from ours instead
            self.model_._set_random_state(int(self.random_state) % (2**32))
            self._sampling_seeded_ = True
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", module="sdv")
            frame = self.model_.sample(num_rows=int(n))
        if isinstance(frame, dict):  # SDV 2 answers with a dict of tables, as it takes them
            frame = frame[TABLE_NAME]
        return Table(frame[list(self.columns_)].reset_index(drop=True), self.columns_, self.target_)


WATCH_SECONDS = 1.0


@contextlib.contextmanager
def _epoch_watch(synthesizer, epochs: int, callback):
    """Report finished epochs to ``callback`` while SDV fits (it has no callback of its own): a thread reads
    the epoch column of the loss table that CTGAN/TVAE extend after every epoch, every ``WATCH_SECONDS``."""
    if callback is None or not epochs:
        yield
        return
    import threading

    stop = threading.Event()

    def watch():
        last = -1
        while not stop.wait(WATCH_SECONDS):
            losses = getattr(getattr(synthesizer, "_model", None), "loss_values", None)
            if losses is None or not len(losses) or "Epoch" not in losses:
                continue
            done = int(losses["Epoch"].max()) + 1
            if done != last:
                last = done
                try:
                    callback({"total": epochs, "step": min(done, epochs)})
                except BaseException:  # noqa: BLE001 - Ctrl-C is the main thread's to handle; stop watching
                    return

    thread = threading.Thread(target=watch, name="synthbench-sdv-epochs", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _loss_history(losses) -> list[dict]:
    """SDV's per-batch loss table -> one record per epoch (mean of each loss column)."""
    if losses is None or len(losses) == 0 or "Epoch" not in losses:
        return []
    per_epoch = losses.groupby("Epoch").mean(numeric_only=True)
    out = []
    for epoch, row in per_epoch.iterrows():
        rec = {"step": int(epoch) + 1}
        for col, v in row.items():
            if col != "Batch" and np.isfinite(v):
                rec[str(col).lower().replace(" ", "_")] = float(v)
        out.append(rec)
    return out


#: SDV's marginal distributions (``default_distribution``, values of ``numerical_distributions``).
DISTRIBUTIONS = ("norm", "beta", "truncnorm", "uniform", "gamma", "gaussian_kde")
_SWITCHES = {"enforce_min_max_values": OneOf((True, False)), "enforce_rounding": OneOf((True, False))}
_NEURAL = {**_SWITCHES, "epochs": positive_int(), "steps": positive_int(), "batch_size": positive_int(),
           "embedding_dim": positive_int()}
_CTGAN = {**_NEURAL, "generator_dim": positive_int(), "discriminator_dim": positive_int(), "generator_lr": positive(),
          "discriminator_lr": positive(), "generator_decay": Interval(0), "discriminator_decay": Interval(0),
          "discriminator_steps": positive_int(), "pac": positive_int(), "log_frequency": OneOf((True, False))}


class GaussianCopula(SDVGenerator):
    """SDV ``GaussianCopulaSynthesizer``: per-column marginals + a Gaussian copula (no epochs)."""

    synthesizer = "GaussianCopulaSynthesizer"
    constraints = {**_SWITCHES, "default_distribution": OneOf(DISTRIBUTIONS), "numerical_distributions": DictOf(OneOf(DISTRIBUTIONS))}

    def __init__(self, enforce_min_max_values=True, enforce_rounding=True, numerical_distributions=None,
                 default_distribution="beta", random_state=None):
        self.enforce_min_max_values = enforce_min_max_values
        self.enforce_rounding = enforce_rounding
        self.numerical_distributions = numerical_distributions
        self.default_distribution = default_distribution
        self.random_state = random_state


class CTGAN(SDVGenerator):
    """SDV ``CTGANSynthesizer`` (Xu et al. 2019); hyperparameters are SDV's; budgets in optimiser ``steps`` (epochs
    follow from the training set's size: ``epochs_for``), or ``epochs`` when given."""

    synthesizer = "CTGANSynthesizer"
    budgets = _NEURAL_BUDGETS
    constraints = _CTGAN

    def __init__(self, epochs=300, batch_size=500, embedding_dim=128, generator_dim=(256, 256),
                 discriminator_dim=(256, 256), generator_lr=2e-4, generator_decay=1e-6, discriminator_lr=2e-4,
                 discriminator_decay=1e-6, discriminator_steps=1, log_frequency=True, pac=10,
                 enforce_min_max_values=True, enforce_rounding=True, device="cpu", random_state=None, steps=None):
        self.epochs = epochs
        self.steps = steps
        self.batch_size = batch_size
        self.embedding_dim = embedding_dim
        self.generator_dim = generator_dim
        self.discriminator_dim = discriminator_dim
        self.generator_lr = generator_lr
        self.generator_decay = generator_decay
        self.discriminator_lr = discriminator_lr
        self.discriminator_decay = discriminator_decay
        self.discriminator_steps = discriminator_steps
        self.log_frequency = log_frequency
        self.pac = pac
        self.enforce_min_max_values = enforce_min_max_values
        self.enforce_rounding = enforce_rounding
        self.device = device
        self.random_state = random_state


class CopulaGAN(CTGAN):
    """SDV ``CopulaGANSynthesizer``: CTGAN trained on columns first mapped through Gaussian-copula marginals."""

    synthesizer = "CopulaGANSynthesizer"
    constraints = {**_CTGAN, "default_distribution": OneOf(DISTRIBUTIONS), "numerical_distributions": DictOf(OneOf(DISTRIBUTIONS))}

    def __init__(self, epochs=300, batch_size=500, embedding_dim=128, generator_dim=(256, 256),
                 discriminator_dim=(256, 256), generator_lr=2e-4, generator_decay=1e-6, discriminator_lr=2e-4,
                 discriminator_decay=1e-6, discriminator_steps=1, log_frequency=True, pac=10,
                 enforce_min_max_values=True, enforce_rounding=True, device="cpu", numerical_distributions=None,
                 default_distribution="beta", random_state=None, steps=None):
        super().__init__(epochs, batch_size, embedding_dim, generator_dim, discriminator_dim, generator_lr,
                         generator_decay, discriminator_lr, discriminator_decay, discriminator_steps, log_frequency,
                         pac, enforce_min_max_values, enforce_rounding, device, random_state, steps)
        self.numerical_distributions = numerical_distributions
        self.default_distribution = default_distribution


class TVAE(SDVGenerator):
    """SDV ``TVAESynthesizer`` (Xu et al. 2019's VAE for tables); hyperparameters are SDV's; budgets in optimiser
    ``steps`` (as CTGAN), or ``epochs`` when given."""

    synthesizer = "TVAESynthesizer"
    batches = "ceil"
    budgets = _TVAE_BUDGETS
    constraints = {**_NEURAL, "compress_dims": positive_int(), "decompress_dims": positive_int(), "l2scale": Interval(0),
                   "loss_factor": positive()}

    def __init__(self, epochs=300, batch_size=500, embedding_dim=128, compress_dims=(128, 128),
                 decompress_dims=(128, 128), l2scale=1e-5, loss_factor=2, enforce_min_max_values=True,
                 enforce_rounding=True, device="cpu", random_state=None, steps=None):
        self.epochs = epochs
        self.steps = steps
        self.batch_size = batch_size
        self.embedding_dim = embedding_dim
        self.compress_dims = compress_dims
        self.decompress_dims = decompress_dims
        self.l2scale = l2scale
        self.loss_factor = loss_factor
        self.enforce_min_max_values = enforce_min_max_values
        self.enforce_rounding = enforce_rounding
        self.device = device
        self.random_state = random_state
