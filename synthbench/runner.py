"""``run``: one call does the whole job (the CLI is a thin layer over it).

Order of work: resolve and check the configuration; open the MLflow run; load the task's splits;
fit the generator on the real training split only; sample a synthetic training set the size of the
real one; train the downstream model under each regime (model selection on the validation split)
and score it on the untouched test split; compute fidelity; log cost, curves, figures and the
synthetic set. A failure ends the MLflow run FAILED with its reason; Ctrl-C ends it KILLED.
"""

from __future__ import annotations

import inspect
import resource
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from synthbench import __version__, defaults, keys
from synthbench.config import RunConfig, resolve
from synthbench.contract import validate_sample
from synthbench.data import balanced_labels
from synthbench.evaluate import derive_seed, evaluate_regime, regime_training_set
from synthbench.exceptions import TrainingDivergedError
from synthbench.progress import Reporter


@dataclass
class RunResult:
    run_id: str
    experiment_id: str
    tracking_uri: str
    status: str
    metrics: dict = field(default_factory=dict)
    config: dict = field(default_factory=dict)
    error: str | None = None
    diagnosis: str | None = None
    not_applicable: dict = field(default_factory=dict)


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _log_history(history: list[dict], key_fn) -> None:
    import mlflow
    from mlflow.entities import Metric

    now = int(time.time() * 1000)
    batch = [Metric(key_fn(k), float(v), now, int(rec["step"])) for rec in history for k, v in rec.items()
             if k != "step" and isinstance(v, (int, float)) and np.isfinite(v)]
    client = mlflow.tracking.MlflowClient()
    run_id = mlflow.active_run().info.run_id
    for i in range(0, len(batch), 900):
        client.log_batch(run_id, metrics=batch[i:i + 900])


def _log_inputs(data) -> None:
    import mlflow

    train_file = next(p for n, p in data.files.items() if n.startswith("train-images"))
    test_file = next(p for n, p in data.files.items() if n.startswith("t10k-images"))
    for context, split, source in (("train", data.train, train_file), ("validation", data.validation, train_file),
                                   ("test", data.test, test_file)):
        ds = mlflow.data.from_numpy(split.images, targets=split.labels, source=source, name=f"{data.dataset}-{context}")
        mlflow.log_input(ds, context=context)


def _log_synthetic(synthetic) -> None:
    import mlflow

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "synthetic.npz"
        np.savez_compressed(path, images=synthetic.images, labels=synthetic.labels)
        mlflow.log_artifact(str(path), artifact_path="synthetic")


def _training_monitor(cfg, generator, data, not_applicable: dict):
    """A ``TrainingMonitor`` logging to the active MLflow run, or ``None`` (with the reason recorded)."""
    import mlflow

    from synthbench.diagnostics import TrainingMonitor

    params = generator.get_params()
    inner = params.get("estimator") or generator
    why = None
    if not hasattr(inner, "sample_latent") or "monitor" not in inspect.signature(generator.fit).parameters:
        why = f"generator '{cfg.generator}' is not trained adversarially (no GAN training signals to read)"
    elif not inner.get_params().get("diagnostics", True):
        why = "diagnostics were turned off (--param diagnostics=false)"
    elif not cfg.task.metrics.feature_extractor:
        why = f"task '{cfg.task.name}' names no feature_extractor for the training probes"
    if why:
        not_applicable["diagnosis"] = why
        mlflow.set_tag(keys.TAG_DIAGNOSIS, "not_applicable")
        return None
    return TrainingMonitor(
        cfg.task.metrics.feature_extractor, data.validation, seed=derive_seed(cfg.seed, "probe"),
        log_metrics=lambda m, step: mlflow.log_metrics(m, step=int(step)),
        log_image=lambda img, key, step: mlflow.log_image(img, key=key, step=int(step)),
    )


def _record_diagnosis(cfg, generator, history, monitor, diverged: str | None = None):
    """Final probe, diagnosis tag and ``diagnosis.md`` (also when training diverged)."""
    import mlflow

    from synthbench.diagnostics import diagnose

    if monitor is None:
        return None
    if diverged is None:
        monitor.finish(generator, history[-1]["step"] if history else 0)
    diag = diagnose(history, monitor.probes, diverged=diverged, wasserstein=bool(getattr(generator, "wasserstein", False)))
    mlflow.set_tag(keys.TAG_DIAGNOSIS, diag.label)
    mlflow.log_text(diag.to_markdown(f"{cfg.generator} on {cfg.task.name}, budget {cfg.budget}, seed {cfg.seed}"), "diagnosis.md")
    mlflow.log_dict({"label": diag.label, "summary": diag.summary, "evidence": diag.evidence, "remedies": diag.remedies,
                     "signals": diag.signals, "probes": monitor.probes}, "diagnosis.json")
    return diag


def _log_not_applicable(not_applicable: dict) -> None:
    import mlflow

    if not_applicable:
        mlflow.set_tags({keys.na_tag(k): why[:5000] for k, why in not_applicable.items()})
        mlflow.log_dict(not_applicable, "not_applicable.json")


def _cuda_peak_mb(device: str) -> float:
    if not device.startswith("cuda"):
        return 0.0
    import torch

    return torch.cuda.max_memory_allocated() / 2**20


def _run_image(cfg: RunConfig, data, reporter: Reporter, metrics: dict, not_applicable: dict):
    """Fit, sample, utility and fidelity for an image task; returns ``(history, diagnosis)``."""
    import mlflow

    from synthbench.fidelity import compute_fidelity
    from synthbench.plots import history_figure, per_class_grid

    # -- generator: fit on the real training split only ---------------------------------------
    generator = cfg.build_generator()
    mlflow.set_tag(keys.TAG_CONDITIONING, cfg.conditioning)
    monitor = _training_monitor(cfg, generator, data, not_applicable)
    diag = None
    accepts = inspect.signature(generator.fit).parameters
    with reporter.phase(f"fit {cfg.generator}" + (" (one model per class)" if cfg.conditioning == "per-class" else "")) as update:
        t0 = time.perf_counter()
        fit_kw = {"callback": update} if "callback" in accepts else {}
        if monitor is not None:
            fit_kw["monitor"] = monitor
        try:
            generator.fit(data.train, **fit_kw)
        except TrainingDivergedError as exc:
            history = list(getattr(generator, "history_", []) or [])
            _log_history(history, keys.train_curve)
            _record_diagnosis(cfg, generator, history, monitor, diverged=str(exc))
            raise
        metrics[keys.FIT_SECONDS] = time.perf_counter() - t0
    metrics[keys.FIT_PEAK_RSS_MB] = peak_rss_mb()
    for k, sec in (getattr(generator, "fit_seconds_per_class_", None) or {}).items():
        metrics[keys.per_class_fit_seconds(k)] = sec
    if cfg.conditioning == "per-class":
        metrics[keys.PER_CLASS_MODELS] = float(len(generator.models_))
    history = list(getattr(generator, "history_", []) or [])
    if history:
        _log_history(history, keys.train_curve)
    if monitor is not None:
        with reporter.phase("diagnose training") as update:
            diag = _record_diagnosis(cfg, generator, history, monitor)
            update({"total": 1, "step": 1})

    with reporter.phase(f"sample {len(data.train)}") as update:
        t0 = time.perf_counter()
        if cfg.conditioning == "none":  # unconditional and not wrapped: no labels to ask for
            labels = None
            synthetic = generator.sample(len(data.train))
        else:
            rng = np.random.default_rng(derive_seed(cfg.seed, "synthetic-labels"))
            labels = balanced_labels(len(data.train), data.train.num_classes, rng, data.train.class_counts())
            synthetic = generator.sample(len(labels), labels=labels)
        validate_sample(synthetic, len(data.train), labels, data.train, cfg.generator, conditional=cfg.conditioning != "none")
        metrics[keys.SAMPLE_SECONDS] = time.perf_counter() - t0
        update({"total": 1, "step": 1})
    mlflow.log_image(per_class_grid(synthetic), "samples/per_class_grid.png")
    mlflow.log_image(per_class_grid(data.train), "samples/real_per_class_grid.png")
    if history:
        import matplotlib.pyplot as plt

        fig = history_figure(history, f"{cfg.generator} on {cfg.task.name}")
        mlflow.log_figure(fig, "plots/generator_losses.png")
        plt.close(fig)

    # -- utility: each regime, scored on the real test split ----------------------------------
    t0 = time.perf_counter()
    per_class_rows = []
    for regime in cfg.task.regimes.run:
        if regime != "real" and not synthetic.labelled:
            not_applicable[keys.utility(regime, "*")] = (
                f"generator '{cfg.generator}' is unconditional and was run with --no-per-class: its samples have no "
                "labels, so no classifier can be trained on them (drop --no-per-class to train one model per class)")
            continue
        train_set = regime_training_set(regime, data.train, synthetic, cfg.task.regimes.mixed_synthetic_share,
                                        derive_seed(cfg.seed, f"mixed/{regime}"))
        params_r = {**cfg.model_params, "random_state": derive_seed(cfg.seed, f"downstream/{regime}")}
        with reporter.phase(f"downstream {cfg.model} ({regime})") as update:
            res = evaluate_regime(cfg.model_cls, params_r, regime, train_set, data.validation, data.test, update)
        metrics.update(res.metrics)
        mlflow.log_metrics(res.metrics)
        if res.history:
            _log_history(res.history, lambda k, r=regime: keys.downstream_curve(r, k))
        for k, acc in enumerate(res.per_class):
            per_class_rows.append({"regime": regime, "class": k, "class_name": data.class_names[k], "accuracy": acc})
    metrics[keys.EVAL_SECONDS] = time.perf_counter() - t0
    real_acc = metrics.get(keys.utility("real", "accuracy"))
    syn_acc = metrics.get(keys.utility("synthetic", "accuracy"))
    if real_acc and syn_acc is not None:
        metrics[keys.TSTR_OVER_TRTR] = syn_acc / real_acc
    if per_class_rows:
        import pandas as pd

        mlflow.log_table(pd.DataFrame(per_class_rows), "tables/per_class.json")

    # -- fidelity --------------------------------------------------------------------------------
    if cfg.task.metrics.fidelity:
        with reporter.phase("fidelity (FID/KID/PR)") as update:
            t0 = time.perf_counter()
            n = min(cfg.task.budget(cfg.budget).fidelity_samples, len(data.test), len(synthetic), len(data.train))
            fake_idx = np.random.default_rng(derive_seed(cfg.seed, "fidelity/fake")).choice(len(synthetic), n, replace=False)
            ref_idx = np.random.default_rng(derive_seed(cfg.seed, "fidelity/ref")).choice(len(data.train), n, replace=False)
            test_idx = np.random.default_rng(derive_seed(cfg.seed, "fidelity/test")).choice(len(data.test), n, replace=False)
            real = data.test.images[np.sort(test_idx)]
            kw = dict(extractor=cfg.task.metrics.feature_extractor, metrics=cfg.task.metrics.fidelity,
                      kid_subset_size=cfg.task.metrics.kid_subset_size, device=cfg.device)
            metrics.update(compute_fidelity(synthetic.images[np.sort(fake_idx)], real, **kw))
            update({"total": 2, "step": 1})
            ref = compute_fidelity(data.train.images[np.sort(ref_idx)], real, **kw)
            metrics.update({keys.reference(k): v for k, v in ref.items()})
            metrics[keys.FIDELITY_SAMPLES] = float(n)
            metrics[keys.FIDELITY_SECONDS] = time.perf_counter() - t0
            update({"total": 2, "step": 2})

    if cfg.save_synthetic:
        _log_synthetic(synthetic)
    return history, diag


def execute(cfg: RunConfig, *, data_dir=None, tracking_uri=None, experiment=defaults.DEFAULT_EXPERIMENT,
            reporter: Reporter | None = None, run_name: str | None = None, system_metrics: bool = True,
            tags: dict | None = None) -> RunResult:
    """Run an already resolved configuration and record it in MLflow."""
    from synthbench import tracking

    reporter = reporter or Reporter()
    uri, exp_id = tracking.setup(tracking_uri, experiment)
    import mlflow

    from synthbench.loaders import load_task_data
    from synthbench.torch_utils import seed_everything

    t_start = time.perf_counter()
    config = cfg.to_dict()
    run_tags = {
        keys.TAG_TASK: cfg.task.name, keys.TAG_GENERATOR: cfg.generator, keys.TAG_BUDGET: cfg.budget,
        keys.TAG_SEED: str(cfg.seed), keys.TAG_DEVICE: cfg.device, keys.TAG_VERSION: __version__,
        keys.TAG_GIT: tracking.git_commit(), keys.TAG_STATUS: "running", **(tags or {}),
    }
    run = mlflow.start_run(experiment_id=exp_id, run_name=run_name or f"{cfg.generator}-{cfg.task.name}-{cfg.budget}-s{cfg.seed}",
                           tags=run_tags, log_system_metrics=system_metrics)
    run_id = run.info.run_id
    metrics: dict[str, float] = {}
    not_applicable: dict[str, str] = {}  # metric or artifact -> why it is absent (never a silent zero)
    try:
        seed_everything(cfg.seed)
        versions = tracking.package_versions()
        config["versions"] = versions
        config["git_commit"] = run_tags[keys.TAG_GIT]
        params = tracking.flatten({"task": {"name": cfg.task.name, "version": cfg.task.version},
                                   "generator": {"name": cfg.generator, **cfg.generator_params},
                                   "downstream": {"model": cfg.model, **cfg.model_params},
                                   "budget": cfg.budget, "seed": cfg.seed, "device": cfg.device,
                                   "regimes": list(cfg.task.regimes.run),
                                   "mixed_synthetic_share": cfg.task.regimes.mixed_synthetic_share})
        params.update({f"version.{k}": v for k, v in versions.items()})
        tracking.log_params(params)

        with reporter.phase("load data") as update:
            data = load_task_data(cfg.task, cfg.budget, data_dir)
            update({"total": 1, "step": 1})
        config["data"] = {"dataset": data.dataset, "sha256": data.checksums, "files": data.files,
                          "sizes": {"train": len(data.train), "validation": len(data.validation), "test": len(data.test)}}
        tracking.log_params({f"data.sha256.{k}": v for k, v in data.checksums.items()})
        tracking.log_params({f"data.size.{k}": str(v) for k, v in config["data"]["sizes"].items()})
        tracking.log_json(config, "config.json")
        if cfg.task.modality == "image":
            _log_inputs(data)

        if cfg.task.modality == "table":
            from synthbench.table_run import run_table

            history, diag = run_table(cfg, data, reporter, metrics, not_applicable), None
        else:
            history, diag = _run_image(cfg, data, reporter, metrics, not_applicable)
        metrics[keys.PEAK_RSS_MB] = peak_rss_mb()
        if cfg.device.startswith("cuda"):
            metrics[keys.PEAK_CUDA_MB] = _cuda_peak_mb(cfg.device)
        else:
            not_applicable[keys.PEAK_CUDA_MB] = f"the run used device '{cfg.device}', not a GPU"
        if keys.TSTR_OVER_TRTR not in metrics:
            not_applicable[keys.TSTR_OVER_TRTR] = "needs both the real and the synthetic regime's accuracy"
        _log_not_applicable(not_applicable)
        metrics[keys.TOTAL_SECONDS] = time.perf_counter() - t_start
        mlflow.log_metrics(metrics)
        tracking.log_json({"run_id": run_id, "config": config, "metrics": metrics, "history": history}, "result.json")
        mlflow.set_tag(keys.TAG_STATUS, "completed")
        mlflow.end_run("FINISHED")
        return RunResult(run_id, exp_id, uri, "FINISHED", metrics, config,
                         diagnosis=diag.label if diag is not None else None, not_applicable=not_applicable)
    except KeyboardInterrupt as exc:
        _end(mlflow, "KILLED", "killed", "interrupted by the user (Ctrl-C)", metrics, t_start)
        exc.synthbench_run_id = run_id
        raise
    except BaseException as exc:
        _end(mlflow, "FAILED", "failed", f"{type(exc).__name__}: {exc}", metrics, t_start)
        exc.synthbench_run_id = run_id
        raise


def _end(mlflow, status: str, tag: str, reason: str, metrics: dict, t_start: float) -> None:
    """Record why the run stopped, then close it with ``status``; never leave it RUNNING."""
    try:
        mlflow.set_tags({keys.TAG_STATUS: tag, keys.TAG_ERROR: reason[:5000]})
        metrics = {k: v for k, v in metrics.items() if np.isfinite(v)}
        metrics[keys.TOTAL_SECONDS] = time.perf_counter() - t_start
        mlflow.log_metrics(metrics)
    except BaseException:  # noqa: BLE001 - closing the run matters more than these extras
        pass
    finally:
        mlflow.end_run(status)


def run(task="mnist", generator="cgan", *, budget=defaults.DEFAULT_BUDGET, seed=defaults.DEFAULT_SEED,
        device=defaults.DEFAULT_DEVICE, params=None, data_dir=None, tasks_dir=None, tracking_uri=None,
        experiment=defaults.DEFAULT_EXPERIMENT, save_synthetic=True, reporter=None, run_name=None,
        system_metrics=True, per_class=None) -> RunResult:
    """Fit ``generator`` on ``task``'s training split, evaluate it, and record one MLflow run.

    ``params`` overrides generator hyperparameters (``{"epochs": 3}``); strings are converted to the
    type of the default. Returns the run's id, status and metrics.
    """
    cfg = resolve(task, generator, budget, seed, device, params, tasks_dir, save_synthetic, per_class)
    return execute(cfg, data_dir=data_dir, tracking_uri=tracking_uri, experiment=experiment, reporter=reporter,
                   run_name=run_name, system_metrics=system_metrics)
