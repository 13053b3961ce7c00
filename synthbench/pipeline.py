"""The one run: load (and check) splits -> fit -> sample -> validate -> utility per regime -> fidelity -> extras -> record.

The same steps for every task; what depends on the data (images, tables, ...) is asked of the task's
modality (``synthbench.modalities``). ``run`` fills a ``RunRecord`` as it goes and never touches MLflow:
``synthbench.api`` hands the record to ``synthbench.tracking``, also when a step fails part-way.

Generators see the real training split only; model selection uses the validation split; the test split
only scores. Every random step draws from its own seed (``RunContext.seed``); global generators are seeded
for library code and restored afterwards (``seeding.isolated``).
"""

from __future__ import annotations

import time

from synthbench import keys, records, registry, seeding
from synthbench.background import Background, peak_rss_mb, wanted
from synthbench.contract import fit
from synthbench.exceptions import ConfigError, TrainingDivergedError
from synthbench.metrics.utility import augmented_training_set, regime_training_set
from synthbench.modalities.base import AUGMENTATION_STEP, RunContext
from synthbench.progress import Reporter, interruptible


def new_record(cfg) -> records.RunRecord:
    """The record a run starts with: its resolved configuration, provenance, parameters and identity tags."""
    prov = records.provenance()
    config = {**cfg.to_dict(), **prov}
    params = records.run_params(cfg)
    params.update({f"version.{k}": v for k, v in prov["versions"].items()})
    params.update({f"machine.{k}": str(v) for k, v in prov["machine"].items()})
    tags = {**records.run_tags(cfg), keys.TAG_VERSION: prov["versions"]["synthbench"], keys.TAG_GIT: prov["git_commit"]}
    if cfg.reproduces:
        tags[keys.TAG_REPRODUCES] = cfg.reproduces["run_id"]
    return records.RunRecord(config=config, params=params, tags=tags)


def load(cfg, *, data_dir=None, reporter: Reporter | None = None):
    """The task's splits, checked: data that cannot give a meaningful score, or that differs from what a repeated
    run read, is an error here - before a run is opened (``synthbench.api``) and before anything is fitted."""
    reporter = reporter or Reporter()
    with interruptible(), reporter.phase("load data") as update:
        splits = registry.modalities.get(cfg.task.modality).load_splits(cfg.task, cfg.budget_spec, data_dir)
        update({"total": 1, "step": 1})
    want = (cfg.reproduces or {}).get("sha256") or {}
    differ = sorted(k for k, v in want.items() if splits.checksums.get(k) != v)
    if differ:
        raise ConfigError(f"the data differs from what run {cfg.reproduces['run_id']} read ({', '.join(differ)}: other "
                          "sha256) - point --data-dir to the original files")
    return splits


def run(cfg, record: records.RunRecord, splits=None, *, data_dir=None, reporter: Reporter | None = None,
        started: float | None = None) -> records.RunRecord:
    """Run an already resolved configuration on its ``splits`` (default: ``load`` them), filling ``record`` (which
    holds what was measured if a step raises). ``started``: the ``time.perf_counter()`` the run's wall time counts
    from (default: now)."""
    reporter = reporter or Reporter()
    modality = registry.modalities.get(cfg.task.modality)
    t_start = time.perf_counter() if started is None else started
    if splits is None:
        splits = load(cfg, data_dir=data_dir, reporter=reporter)
    with interruptible(), seeding.isolated(cfg.seed):
        _record_data(splits, record)
        record.inputs = modality.inputs(splits)
        if record.live is not None:
            record.live.data_loaded(record)  # the configuration and the splits are in the run from here on
        ctx = RunContext(cfg, splits, record, reporter)
        # the worker starts now so that its imports overlap the generator's fit
        with Background(enabled=modality.uses_worker and wanted()) as worker:
            generator, history = _fit(ctx, modality)
            with reporter.phase(f"sample {len(splits.train)}") as update:
                t0 = time.perf_counter()
                synthetic = modality.sample(ctx, generator)
                record.metrics[keys.SAMPLE_SECONDS] = time.perf_counter() - t0
                update({"total": 1, "step": 1})
            pool = _augmentation_pool(ctx, modality, generator)
            modality.figures(ctx, synthetic, history)
            jobs = modality.start_jobs(ctx, synthetic, worker)  # detection, privacy: in the worker meanwhile
            t0 = time.perf_counter()
            with worker.sharing_cores():
                _utility(ctx, modality, synthetic, pool)
            record.metrics[keys.EVAL_SECONDS] = time.perf_counter() - t0
            modality.fidelity(ctx, synthetic, jobs)
            modality.extras(ctx, synthetic, jobs)
            if worker.enabled:
                record.metrics[keys.WORKER_PEAK_RSS_MB] = worker.peak_rss_mb
        saved = modality.synthetic_artifact(synthetic) if cfg.save_synthetic else None
        if saved is not None:  # a modality without a file format for its data saves none
            record.artifacts.append(saved)
        _record_cost(cfg, record)
        record.metrics[keys.TOTAL_SECONDS] = time.perf_counter() - t_start
    return record


def _record_data(splits, record) -> None:
    """What the run read: files, checksums and sizes."""
    record.config["data"] = {"dataset": splits.dataset, "sha256": splits.checksums, "files": splits.files,
                             "sizes": splits.sizes()}
    record.params.update({f"data.sha256.{k}": v for k, v in splits.checksums.items()})
    record.params.update({f"data.size.{k}": str(v) for k, v in splits.sizes().items()})


def _fit(ctx: RunContext, modality):
    """Fit the generator on the real training split only; its history, diagnosis and cost go in the record."""
    cfg, record = ctx.cfg, ctx.record
    generator = cfg.build_generator()
    monitor = modality.training_monitor(ctx, generator)
    what = f"fit {cfg.generator}" + (" (one model per class)" if cfg.conditioning == "per-class" else "")
    with ctx.reporter.phase(what) as update:
        t0 = time.perf_counter()
        try:
            fit(generator, ctx.splits.train, callback=update, monitor=monitor)
        except TrainingDivergedError as exc:
            history = list(getattr(generator, "history_", []) or [])
            record.history = history
            record.add_curve(history, keys.train_curve)
            modality.diagnose(ctx, generator, history, monitor, diverged=str(exc))
            raise
        record.metrics[keys.FIT_SECONDS] = time.perf_counter() - t0
    record.metrics[keys.FIT_PEAK_RSS_MB] = peak_rss_mb()
    for k, sec in (getattr(generator, "fit_seconds_per_class_", None) or {}).items():
        record.metrics[keys.per_class_fit_seconds(k)] = sec
    if cfg.conditioning == "per-class":
        record.metrics[keys.PER_CLASS_MODELS] = float(len(generator.models_))
    for name, value in (getattr(generator, "fit_summary_", None) or {}).items():  # e.g. SDV: epochs and steps made
        record.metrics[keys.fit_summary(name)] = float(value)
    history = list(getattr(generator, "history_", []) or [])
    record.history = history
    record.add_curve(history, keys.train_curve)
    modality.diagnose(ctx, generator, history, monitor)
    return generator, history


def _augmentation_pool(ctx: RunContext, modality, generator):
    """The synthetic rows the augmented regimes add (``cfg.augment``): max(k) blocks of as many rows as the real
    training split, each drawn with its own seeded labels in the real rows' class proportions, so the first k blocks
    (what ``augmented_<k>x`` adds) are in proportion for every k, and 4x holds 1x's rows. None without ``--augment``,
    or for samples without labels (``--no-per-class``: those regimes are not applicable, as the synthetic one)."""
    cfg, n = ctx.cfg, len(ctx.splits.train)
    if not cfg.augment or cfg.conditioning == "none":
        return None
    blocks = max(cfg.augment)
    with ctx.reporter.phase(f"sample {blocks * n} (augmentation)", total=blocks) as update:
        pool = []
        for i in range(blocks):
            pool.append(modality.sample(ctx, generator, n, f"{AUGMENTATION_STEP}/{i}"))
            update({"total": blocks, "step": i + 1})
    return type(pool[0]).concat(pool)


def _utility(ctx: RunContext, modality, synthetic, pool=None) -> None:
    """The downstream model(s) under each regime, scored on the test split; TSTR / TRTR of the headline metric.
    ``pool``: synthetic rows for the augmented regimes (``cfg.augment``): the real training rows plus the first
    k x as many of them (nested: 4x holds 1x's rows)."""
    cfg, record = ctx.cfg, ctx.record
    tables: dict[str, list] = {}
    # each regime's training set is made just before its model trains (a 10x augmented set is large)
    regimes = [(r, lambda r=r: regime_training_set(r, ctx.splits.train, synthetic, cfg.task.regimes.mixed_synthetic_share,
                                                   ctx.seed(f"mixed/{r}"))) for r in cfg.task.regimes.run]
    regimes += [(keys.augmented_regime(k), lambda k=k: ctx.splits.train if pool is None else
                 augmented_training_set(ctx.splits.train, pool, k)) for k in cfg.augment]
    for regime, train_set in regimes:
        for path, rows in modality.utility(ctx, regime, train_set(), synthetic).items():
            tables.setdefault(path, []).extend(rows)
    modality.after_utility(ctx)
    for path, rows in tables.items():
        if rows:
            import pandas as pd

            record.artifact(path, "table", pd.DataFrame(rows))
    headline = cfg.task.metrics.headline
    real_v = record.metrics.get(keys.utility("real", headline))
    syn_v = record.metrics.get(keys.utility("synthetic", headline))
    if real_v and syn_v is not None:
        record.metrics[keys.TSTR_OVER_TRTR] = syn_v / real_v
    else:
        record.not_applicable[keys.TSTR_OVER_TRTR] = f"needs both the real and the synthetic regime's {headline}"


def _record_cost(cfg, record) -> None:
    record.metrics[keys.PEAK_RSS_MB] = peak_rss_mb()
    if cfg.device.startswith("cuda"):
        import torch

        record.metrics[keys.PEAK_CUDA_MB] = torch.cuda.max_memory_allocated() / 2**20
    else:
        record.not_applicable[keys.PEAK_CUDA_MB] = f"the run used device '{cfg.device}', not a GPU"
