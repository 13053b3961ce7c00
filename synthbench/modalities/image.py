"""Images: labelled images (``LabeledImages``), a CNN per regime, FID/KID/precision/recall in a domain
feature space, and the GAN training diagnosis."""

from __future__ import annotations

import inspect

import numpy as np

from synthbench import extractors, keys, registry
from synthbench.contract import validate_sample
from synthbench.data import catalog, readers
from synthbench.data.images import LabeledImages
from synthbench.data.splits import balanced_labels, check_classes, stratified_subset, train_validation
from synthbench.exceptions import ConfigError
from synthbench.modalities.base import Modality, RunContext, Splits, own_training_size, training_size
from synthbench.records import Artifact, DatasetInput
from synthbench.tasks.schema import DataSection

#: ``[data]`` settings only table tasks read.
TABLE_ONLY = ("columns", "problem", "positive", "sensitive", "test_fraction", "test_file")


class ImageModality(Modality):
    name = "image"
    floor = "pca-gmm"
    data_type = LabeledImages
    utility_metrics = ("accuracy", "macro_f1", "per_class_accuracy")
    headline_metrics = ("accuracy", "macro_f1")
    fidelity_metrics = ("fid", "kid", "precision", "recall")

    def example(self):
        from synthbench.testing import tiny_images

        return tiny_images()

    def validate(self, out, n, train, generator, labels=None, conditional=True):
        return validate_sample(out, n, labels, train, generator, conditional=conditional)

    def same(self, a, b) -> bool:
        return bool(np.array_equal(a.images, b.images) and np.array_equal(a.labels, b.labels))

    def default_headline(self, utility: tuple) -> str:
        return "accuracy" if "accuracy" in utility else super().default_headline(utility)

    def downstream_params(self, budget) -> dict:
        return {"epochs": budget.downstream_epochs}

    def check_task(self, task, where: str) -> None:
        if task.data.train_file:
            raise ConfigError(f"{where}: [data].train_file (a CSV) is for table tasks - name an image dataset in "
                              "[data].dataset (see `synthbench list`), or set modality = \"table\"")
        table_only = [k for k in TABLE_ONLY if getattr(task.data, k) != getattr(DataSection(), k)]
        if table_only:
            raise ConfigError(f"{where}: [data].{table_only[0]} is a table-task setting, which an image task would ignore "
                              "- remove it")
        if not task.metrics.feature_extractor:
            raise ConfigError(f"{where}: [metrics].feature_extractor is empty - image fidelity ({', '.join(task.metrics.fidelity)}) "
                              f"is measured in a domain feature space: name one of {', '.join(extractors.available())}")
        for name, b in task.budgets.items():
            if b.downstream_epochs < 1:
                raise ConfigError(f"{where}: [budgets.{name}].downstream_epochs must be an integer >= 1 for an image task, got "
                                  f"{b.downstream_epochs} - the downstream CNN trains for that many epochs (e.g. 1)")

    def conditioning(self, generator_cls, generator, per_class: bool | None) -> str:
        if bool(getattr(generator, "conditional", True)):
            return "native"
        return "none" if per_class is False else "per-class"

    # -- data --------------------------------------------------------------------------------------
    def load_splits(self, task, budget, data_dir) -> Splits:
        spec = registry.datasets.get(task.data.dataset)
        paths = catalog.locate(spec, data_dir)
        raw = readers.read(spec, paths)
        if raw.modality != "image":
            raise ConfigError(f"task '{task.name}': dataset '{spec.name}' is not an image dataset (reader '{spec.reader}') "
                              "- name an image dataset in [data].dataset (see `synthbench list`)")
        (x_tr, y_tr), (x_te, y_te) = raw.train, raw.test
        num_classes = len(spec.meta["classes"])
        d, where = task.data, f"task '{task.name}' ({spec.name})"
        if not d.validation_size < len(y_tr):
            raise ConfigError(f"{where}: [data].validation_size = {d.validation_size} leaves no training images (the training "
                              f"split has {len(y_tr)}) - set it between 1 and {len(y_tr) - 1}, e.g. {max(1, len(y_tr) // 10)}")
        train_size, train_key = training_size(task, budget)
        keep, val = train_validation(y_tr, d, train_size, key=train_key)
        test_idx = np.arange(len(y_te))
        if d.test_size:
            test_idx = stratified_subset(y_te, d.test_size, d.split_seed + 2)
        names = list(spec.meta["classes"])
        check_classes(y_tr, y_tr[keep], y_tr[val], y_te[test_idx], where, target="label",
                      train_key=train_key if train_size else "",
                      validation_size=d.validation_size,
                      test_how=("size", d.test_size) if d.test_size and d.test_size < len(y_te) else ("dataset", spec.name),
                      label=lambda k: names[k] if 0 <= k < len(names) else k)
        return Splits(
            train=LabeledImages(x_tr[keep], y_tr[keep], num_classes),
            validation=LabeledImages(x_tr[val], y_tr[val], num_classes),
            test=LabeledImages(x_te[test_idx], y_te[test_idx], num_classes),
            class_names=list(spec.meta["classes"]), dataset=spec.name,
            checksums={name: spec.file(name).sha256 for name in paths}, files={name: str(p) for name, p in paths.items()},
            # the CNN takes as many steps in every regime, at every --train-size N, as an epoch over the training
            # set the task holds without N (its budget's or [data].train_size, else the whole split) gives: 4 epochs
            # over 100 images would be 4 steps (a "real" score that measured undertraining, not 100 images), and
            # real + 4x synthetic would train five times as long as real alone
            downstream_rows=own_training_size(task, budget) or len(y_tr) - d.validation_size,
        )

    def inputs(self, splits: Splits) -> list:
        train_file = next((p for n, p in splits.files.items() if "train" in n), splits.dataset)
        test_file = next((p for n, p in splits.files.items() if "t10k" in n or "test" in n), train_file)
        return [DatasetInput(context, f"{splits.dataset}-{context}", test_file if context == "test" else train_file,
                             split.images, split.labels)
                for context, split in (("train", splits.train), ("validation", splits.validation), ("test", splits.test))]

    # -- generator -----------------------------------------------------------------------------------
    def training_monitor(self, ctx: RunContext, generator):
        from synthbench.contract import receives
        from synthbench.diagnostics import TrainingMonitor

        cfg = ctx.cfg
        inner = generator.get_params().get("estimator") or generator
        why = None
        if not hasattr(inner, "sample_latent") or not receives(generator, "monitor"):
            why = f"generator '{cfg.generator}' is not trained adversarially (no GAN training signals to read)"
        elif not inner.get_params().get("diagnostics", True):
            why = "diagnostics were turned off (--param diagnostics=false)"
        elif not cfg.task.metrics.feature_extractor:
            why = f"task '{cfg.task.name}' names no feature_extractor for the training probes"
        if why:
            ctx.record.not_applicable["diagnosis"] = why
            ctx.record.tags[keys.TAG_DIAGNOSIS] = "not_applicable"
            return None
        return TrainingMonitor(
            cfg.task.metrics.feature_extractor, ctx.splits.validation, seed=ctx.seed("probe"),
            log_metrics=ctx.record.add_step_metrics,
            log_image=lambda img, key, step: ctx.record.add_step_image(key, step, img),
        )

    def diagnose(self, ctx: RunContext, generator, history: list, monitor, diverged: str | None = None) -> None:
        """Final probe, diagnosis tag and ``diagnosis.md`` (also when training diverged)."""
        from synthbench.diagnostics import diagnose

        if monitor is None:
            return
        cfg = ctx.cfg
        with ctx.reporter.phase("diagnose training") as update:
            if diverged is None:
                monitor.finish(generator, history[-1]["step"] if history else 0)
            diag = diagnose(history, monitor.probes, diverged=diverged, wasserstein=bool(getattr(generator, "wasserstein", False)))
            update({"total": 1, "step": 1})
        ctx.record.diagnosis = ctx.record.tags[keys.TAG_DIAGNOSIS] = diag.label
        ctx.record.artifact(keys.DIAGNOSIS_MD, "text",
                            diag.to_markdown(f"{cfg.generator} on {cfg.task.name}, budget {cfg.budget}, seed {cfg.seed}"))
        ctx.record.artifact(keys.DIAGNOSIS_JSON, "json", {
            "label": diag.label, "summary": diag.summary, "evidence": diag.evidence, "remedies": diag.remedies,
            "signals": diag.signals, "probes": monitor.probes})

    def sample(self, ctx: RunContext, generator, n: int | None = None, step: str = "synthetic-labels"):
        cfg, train = ctx.cfg, ctx.splits.train
        n = len(train) if n is None else n
        if cfg.conditioning == "none":  # unconditional and not wrapped: no labels to ask for
            labels = None
            synthetic = generator.sample(n)
        else:  # labels in the training split's class proportions
            rng = np.random.default_rng(ctx.seed(step))
            labels = balanced_labels(n, train.num_classes, rng, train.class_counts())
            synthetic = generator.sample(len(labels), labels=labels)
        return self.validate(synthetic, n, train, cfg.generator, labels, conditional=cfg.conditioning != "none")

    def figures(self, ctx: RunContext, synthetic, history: list) -> None:
        from synthbench.plots import history_figure, per_class_grid

        ctx.record.artifact(keys.SAMPLE_GRID, "image", per_class_grid(synthetic))
        ctx.record.artifact(keys.REAL_SAMPLE_GRID, "image", per_class_grid(ctx.splits.train))
        if history:
            ctx.record.artifact(keys.LOSSES_PLOT, "figure",
                                history_figure(history, f"{ctx.cfg.generator} on {ctx.cfg.task.name}"))

    # -- evaluation ----------------------------------------------------------------------------------
    def utility(self, ctx: RunContext, regime: str, train_set, synthetic) -> dict:
        from synthbench.metrics.utility import evaluate_regime

        cfg, record = ctx.cfg, ctx.record
        if regime != "real" and not synthetic.labelled:
            record.not_applicable[keys.utility(regime, "*")] = (
                f"generator '{cfg.generator}' is unconditional and was run with --no-per-class: its samples have no "
                "labels, so no classifier can be trained on them (drop --no-per-class to train one model per class)")
            return {}
        params = {**cfg.model_params, "random_state": ctx.seed(f"downstream/{regime}")}
        rows = ctx.splits.downstream_rows
        if rows and len(train_set) != rows:  # --train-size or --augment: as many steps as the task's own runs take
            if "rows_per_epoch" in inspect.signature(cfg.model_cls).parameters:
                params["rows_per_epoch"] = rows
                # a parameter of its own: downstream.rows_per_epoch was logged as configured (0) when the run opened
                record.params["data.size.downstream_epoch"] = str(rows)
            elif len(train_set) < rows:  # a plug-in model without it: the set repeated to about that size
                train_set = type(train_set).concat([train_set] * round(rows / len(train_set)))
        with ctx.reporter.phase(f"downstream {cfg.model} ({regime})") as update:
            res = evaluate_regime(cfg.model_cls, params, regime, train_set, ctx.splits.validation, ctx.splits.test, update)
        record.metrics.update(res.metrics)
        record.add_curve(res.history, lambda k, r=regime: keys.downstream_curve(r, k))
        return {keys.PER_CLASS_TABLE: [{"regime": regime, "class": k, "class_name": ctx.splits.class_names[k], "accuracy": acc}
                                          for k, acc in enumerate(res.per_class)]}

    def fidelity(self, ctx: RunContext, synthetic, jobs: dict) -> None:
        import time

        from synthbench.metrics.image_fidelity import compute_fidelity

        cfg, splits, metrics = ctx.cfg, ctx.splits, ctx.record.metrics
        if not cfg.task.metrics.fidelity:
            return
        with ctx.reporter.phase("fidelity (FID/KID/PR)") as update:
            t0 = time.perf_counter()
            n = min(cfg.budget_spec.fidelity_samples, len(splits.test), len(synthetic), len(splits.train))
            fake_idx = np.random.default_rng(ctx.seed("fidelity/fake")).choice(len(synthetic), n, replace=False)
            ref_idx = np.random.default_rng(ctx.seed("fidelity/ref")).choice(len(splits.train), n, replace=False)
            test_idx = np.random.default_rng(ctx.seed("fidelity/test")).choice(len(splits.test), n, replace=False)
            real = splits.test.images[np.sort(test_idx)]
            kw = dict(extractor=cfg.task.metrics.feature_extractor, metrics=cfg.task.metrics.fidelity,
                      kid_subset_size=cfg.task.metrics.kid_subset_size, device=cfg.device)
            metrics.update(compute_fidelity(synthetic.images[np.sort(fake_idx)], real, **kw))
            update({"total": 2, "step": 1})
            ref = compute_fidelity(splits.train.images[np.sort(ref_idx)], real, **kw)
            metrics.update({keys.reference(k): v for k, v in ref.items()})
            metrics[keys.FIDELITY_SAMPLES] = float(n)
            metrics[keys.FIDELITY_SECONDS] = time.perf_counter() - t0
            update({"total": 2, "step": 2})

    def synthetic_artifact(self, synthetic) -> Artifact:
        def write(path):
            np.savez_compressed(path, images=synthetic.images, labels=synthetic.labels)

        return Artifact(keys.SYNTHETIC_IMAGES, "file", write)


MODALITY = ImageModality()
