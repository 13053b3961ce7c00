"""Tables: declared column types (``Table``), one or more downstream models per regime (and the CTGAN-paper
evaluator suite), SDMetrics fidelity, empirical privacy checks and fairness by sensitive column.

Detection and privacy run in the evaluation worker (``synthbench.background``) while the downstream models
train in the main process; the pipeline starts the worker before the fit so its imports overlap it.
"""

from __future__ import annotations

import gzip
import time
from pathlib import Path

import numpy as np

from synthbench import keys, registry
from synthbench.contract import validate_table_sample
from synthbench.data import catalog, readers
from synthbench.data.splits import check_classes, class_quotas, holdout_split, train_validation
from synthbench.data.table import COLUMN_TYPES, Table, check_categories, check_informative, conform
from synthbench.exceptions import ConfigError
from synthbench.modalities.base import AUGMENTATION_STEP, Modality, RunContext, Splits, training_size
from synthbench.records import Artifact, DatasetInput

NO_DIAGNOSIS = ("synthbench's GAN diagnosis reads image probes (class coverage and diversity in a domain feature space); "
                "it is not defined for tables - a table generator's losses, where it reports them, are logged as train/<loss>")


MAX_DRAWS = 20  # batches of n rows a class-proportioned sample draws at most (a class under 1/20 of its share: made up)

#: The utility metrics each kind of target can score.
PROBLEM_METRICS = {"classification": ("accuracy", "f1", "auroc", "macro_f1"), "regression": ("r2", "rmse")}


class TableModality(Modality):
    name = "table"
    floor = "marginals"
    data_type = Table
    utility_metrics = ("accuracy", "f1", "auroc", "macro_f1", "r2", "rmse")
    headline_metrics = utility_metrics
    fidelity_metrics = ("quality", "detection")
    uses_worker = True
    labels_are_columns = True

    def example(self):
        from synthbench.testing import tiny_table

        return tiny_table()

    def validate(self, out, n, train, generator, labels=None, conditional=True):
        return validate_table_sample(out, n, train, generator)

    def same(self, a, b) -> bool:
        return bool(a.frame.equals(b.frame))

    def default_metrics(self, data) -> tuple[tuple, tuple]:
        regression = data.columns.get(data.target) in ("numerical", "integer")
        utility = ("r2", "rmse") if regression else ("accuracy", "macro_f1", "f1", "auroc")
        return utility, self.fidelity_metrics

    def check_task(self, task, where: str) -> None:
        data = task.data
        if not data.columns:
            raise ConfigError(f"{where}: a table task declares its column types in [data.columns] - add that table, one line "
                              "per column: name = \"categorical\" | \"numerical\" | \"integer\"")
        if data.target not in data.columns:
            raise ConfigError(f"{where}: [data].target '{data.target}' is not in [data.columns] - declare its type there, or "
                              "name a declared column as the target")
        for c, t in data.columns.items():
            if t not in COLUMN_TYPES:
                raise ConfigError(f"{where}: [data.columns].{c} = {t!r} - declare one of {', '.join(map(repr, COLUMN_TYPES))}")
        kind = "classification" if data.columns[data.target] == "categorical" else "regression"
        if data.problem != kind:
            raise ConfigError(f"{where}: [data].problem is '{data.problem}' but target '{data.target}' is declared "
                              f"{data.columns[data.target]}, which makes it {kind} - make the two agree")
        fit = PROBLEM_METRICS[kind]
        wrong = [u for u in task.metrics.utility if u not in fit]
        if wrong:
            raise ConfigError(f"{where}: [metrics].utility lists {', '.join(map(repr, wrong))}, which a {kind} target "
                              f"('{data.target}') cannot score - list only {', '.join(fit)}")
        for c in data.sensitive:
            if c not in data.columns:
                raise ConfigError(f"{where}: sensitive column '{c}' is not in [data.columns] - declare it there, or remove it "
                                  "from [data].sensitive")
        if task.metrics.feature_extractor:
            raise ConfigError(f"{where}: [metrics].feature_extractor is an image-task setting, which a table task would "
                              "ignore - remove it")
        for name, b in task.budgets.items():
            if b.downstream_epochs:
                raise ConfigError(f"{where}: [budgets.{name}].downstream_epochs is an image-task setting (tables' models "
                                  "have no epochs) - remove it")

    def conditioning(self, generator_cls, generator, per_class: bool | None) -> str:
        return "joint"  # the target is a column the generator generates with the others

    # -- data --------------------------------------------------------------------------------------
    def load_splits(self, task, budget, data_dir) -> Splits:
        """Train / validation / test tables; columns checked against the task's declared types, and the splits
        against what a score needs (every class of a classification target in each split)."""
        d = task.data
        train_raw, test_raw, checksums, files = _read(task, data_dir)
        name = d.dataset or Path(d.train_file).stem
        where = f"task '{task.name}' ({name})"
        full = conform(train_raw, d.columns, d.target, f"task '{task.name}': training data ({name})")
        classification = d.columns[d.target] == "categorical"
        if test_raw is None:
            if not d.test_fraction:
                raise ConfigError(f"{where}: the data has no test file - set [data].test_fraction (e.g. 0.2) or test_file")
            n_test = int(round(d.test_fraction * len(full)))
            if not 0 < n_test < len(full):
                raise ConfigError(f"{where}: [data].test_fraction = {d.test_fraction} of {len(full)} rows carves {n_test} test "
                                  "rows - set it so that both the test and the training split keep rows (e.g. 0.2)")
            keep, test_idx = holdout_split(full[d.target].to_numpy(), n_test, d.split_seed + 2, classification)
            test = full.iloc[test_idx].reset_index(drop=True)
            full = full.iloc[keep].reset_index(drop=True)
            test_how = ("fraction", d.test_fraction)
        else:
            if d.test_fraction:
                raise ConfigError(f"{where}: [data].test_fraction = {d.test_fraction}, but dataset '{name}' has its own test "
                                  "split - remove test_fraction")
            test = conform(test_raw, d.columns, d.target, f"task '{task.name}': test data ({name})")
            test_how = ("file", d.test_file) if d.test_file else ("dataset", name)
        if not d.validation_size < len(full):
            raise ConfigError(f"{where}: [data].validation_size = {d.validation_size} leaves no training rows (the training "
                              f"data has {len(full)}) - set it between 1 and {len(full) - 1}, e.g. {max(1, len(full) // 5)}")
        train_size, train_key = training_size(task, budget)
        keep, val = train_validation(full[d.target].to_numpy(), d, train_size, classification, key=train_key)
        train = full.iloc[keep].reset_index(drop=True)
        validation = full.iloc[val].reset_index(drop=True)
        if d.test_size and d.test_size < len(test):
            test = test.iloc[np.sort(np.random.default_rng(d.split_seed + 3).choice(len(test), d.test_size, replace=False))]
            test = test.reset_index(drop=True)
            test_how = ("size", d.test_size)
        check_categories(full, test, d.columns, where)  # the training data as given, before any budget subset
        if classification:
            check_classes(full[d.target].to_numpy(), train[d.target].to_numpy(), validation[d.target].to_numpy(),
                          test[d.target].to_numpy(), where, target=d.target, train_key=train_key if train_size else "",
                          validation_size=d.validation_size, test_how=test_how)
        check_informative(train, where + ", training split", d.target)
        classes = sorted(train[d.target].unique()) if classification else []
        if classification and len(classes) == 2 and d.positive not in classes:
            raise ConfigError(f"{where}: [data].positive {d.positive!r} is not a class of '{d.target}' - one of {classes}")

        def table(frame):
            return Table(frame, dict(d.columns), d.target)

        return Splits(train=table(train), validation=table(validation), test=table(test),
                      class_names=[str(c) for c in classes], dataset=name, checksums=checksums, files=files)

    def inputs(self, splits: Splits) -> list:
        files = list(splits.files.values()) or [splits.dataset]
        train_file = files[0]
        test_file = next((f for f in files if "test" in Path(f).name), train_file)  # a test split carved from one file: that file
        return [DatasetInput(context, f"{splits.dataset}-{context}", test_file if context == "test" else train_file,
                             getattr(splits, context).frame, splits.train.target, dict(splits.train.columns))
                for context in ("train", "validation", "test")]

    # -- generator -----------------------------------------------------------------------------------
    def training_monitor(self, ctx: RunContext, generator):
        ctx.record.tags[keys.TAG_DIAGNOSIS] = "not_applicable"
        ctx.record.not_applicable["diagnosis"] = NO_DIAGNOSIS
        return None

    def sample(self, ctx: RunContext, generator, n: int | None = None, step: str = "synthetic-labels"):
        """``n`` rows (default: as many as the training split), the target generated as a column like the others:
        the synthetic set as the generator draws it; the augmentation pool's rows (``AUGMENTATION_STEP``) in the
        real training rows' class proportions on a classification task."""
        n = len(ctx.splits.train) if n is None else n
        if step.startswith(AUGMENTATION_STEP) and ctx.cfg.task.data.problem == "classification":
            return self._in_proportion(ctx, generator, n)
        return self.validate(generator.sample(n), n, ctx.splits.train, ctx.cfg.generator)

    def _in_proportion(self, ctx: RunContext, generator, n: int) -> Table:
        """``n`` generated rows whose classes follow the real training rows' proportions (up to rounding): the
        generator's rows kept per class up to each class's quota, drawing ``n`` rows at a time (rejection sampling,
        as SDV's conditional sampling does, for any generator), at most ``MAX_DRAWS`` times. A class the generator
        still has too few rows of is made up with its other rows; the largest gap between a class's share and its
        quota is recorded (``utility/augmentation_class_gap``: 0 when every quota was met)."""
        train, target = ctx.splits.train, ctx.splits.train.target
        classes, counts = np.unique(train.frame[target].astype(str).to_numpy(), return_counts=True)  # as the contract
        quotas = class_quotas(n, counts)
        short = dict(zip(classes.tolist(), quotas.tolist()))
        kept, rest = [], None
        for _ in range(MAX_DRAWS):
            batch = self.validate(generator.sample(n), n, train, ctx.cfg.generator)
            y = batch.frame[target].astype(str).to_numpy()
            take = np.zeros(len(y), dtype=bool)
            for c, missing in short.items():
                rows = np.flatnonzero(y == c)[:missing]
                take[rows] = True
                short[c] -= len(rows)
            kept.append(batch.take(np.flatnonzero(take)))
            rest = batch.take(np.flatnonzero(~take))
            if not any(short.values()):
                break
        missing = sum(short.values())
        out = Table.concat(kept + ([rest.take(np.arange(missing))] if missing else []))
        got = out.frame[target].astype(str).value_counts().reindex(classes, fill_value=0).to_numpy()
        gap = float(np.max(np.abs(got - quotas))) / n
        record = ctx.record.metrics
        record[keys.AUGMENTATION_CLASS_GAP] = max(gap, record.get(keys.AUGMENTATION_CLASS_GAP, 0.0))
        return out

    def figures(self, ctx: RunContext, synthetic, history: list) -> None:
        from synthbench.plots import columns_figure, history_figure

        title = f"{ctx.cfg.generator} on {ctx.cfg.task.name}"
        if history:
            ctx.record.artifact(keys.LOSSES_PLOT, "figure", history_figure(history, title))
        ctx.record.artifact(keys.COLUMNS_PLOT, "figure",
                            columns_figure(ctx.splits.train, synthetic, f"{title}: real training split vs synthetic"))

    # -- evaluation ----------------------------------------------------------------------------------
    def start_jobs(self, ctx: RunContext, synthetic, worker) -> dict:
        """Detection and privacy, in the worker while the downstream models train here. The real side of fidelity
        is the whole training split (a subsample would miss rare categories the synthetic rows may hold, which
        SDMetrics' transformers cannot encode); the synthetic side is a seeded subsample."""
        from synthbench.metrics.privacy import privacy_checks
        from synthbench.metrics.table_fidelity import detection

        task, budget, train = ctx.cfg.task, ctx.cfg.budget_spec, ctx.splits.train
        n_fidelity = min(budget.fidelity_samples, len(synthetic))
        rng = np.random.default_rng(ctx.seed("fidelity"))
        jobs = {"fidelity_sample": synthetic.take(np.sort(rng.choice(len(synthetic), n_fidelity, replace=False)))}
        if "detection" in task.metrics.fidelity:
            jobs["detection"] = worker.submit(detection, train, jobs["fidelity_sample"], ctx.seed("detection"))
        if task.metrics.privacy:
            jobs["privacy"] = worker.submit(privacy_checks, train, ctx.splits.validation, synthetic, budget.privacy_samples,
                                            ctx.seed("privacy"), task.metrics.privacy)
        return jobs

    def utility(self, ctx: RunContext, regime: str, train_set, synthetic) -> dict:
        """Every downstream model (and the evaluator suite) on ``train_set``; the primary model's fairness gaps."""
        from synthbench.metrics.utility import score_table

        cfg, task, splits, metrics = ctx.cfg, ctx.cfg.task, ctx.splits, ctx.record.metrics
        positive, classes, binary = _target(task, splits.train)
        models = {cfg.model: (cfg.model_cls, cfg.model_params), **cfg.extra_models}
        rows, fair_rows = [], []
        for name, (cls, params) in models.items():
            with ctx.reporter.phase(f"downstream {name} ({regime})") as update:
                params = {**params, "random_state": ctx.seed(f"downstream/{regime}/{name}")}
                model = cls(**params).fit(train_set, validation=splits.validation, callback=update, classes=classes)
                scores, pred = score_table(model, splits.test, positive, set(task.metrics.utility))
            key = (lambda m, r=regime: keys.utility(r, m)) if name == cfg.model else (lambda m, r=regime, n=name: keys.model_utility(r, n, m))
            metrics.update({key(m): v for m, v in scores.items()})
            rows.append({"regime": regime, "model": name, **scores, "note": model.degenerate_})
            if name == cfg.model and task.data.sensitive and binary:
                from synthbench.metrics.fairness import model_fairness

                for col in task.data.sensitive:
                    gaps, by_group = model_fairness(splits.test.y.to_numpy(), pred, splits.test.frame[col], positive)
                    metrics.update({keys.fairness(regime, col, m): v for m, v in gaps.items()})
                    fair_rows += [{"regime": regime, "column": col, **r} for r in by_group.to_dict("records")]
        if task.downstream.suite and cfg.budget_spec.suite:
            from synthbench.downstream import ctgan_suite

            with ctx.reporter.phase(f"{task.downstream.suite} suite ({regime})") as update:
                suite = ctgan_suite.evaluate(train_set, splits.test, splits.train, positive, ctx.seed(f"suite/{regime}"))
                update({"total": 1, "step": 1})
            metrics.update({keys.model_utility(regime, task.downstream.suite, m): v for m, v in suite.items()})
            rows.append({"regime": regime, "model": task.downstream.suite, **{f"suite_{m}": v for m, v in suite.items()}})
        return {keys.UTILITY_TABLE: rows, keys.FAIRNESS_GROUPS_TABLE: fair_rows}

    def after_utility(self, ctx: RunContext) -> None:
        cfg, task = ctx.cfg, ctx.cfg.task
        if task.downstream.suite and not cfg.budget_spec.suite:
            ctx.record.not_applicable[keys.model_utility("*", task.downstream.suite, "*")] = (
                f"the {task.downstream.suite} evaluator suite runs at budgets whose [budgets.<name>].suite is true "
                f"(budget '{cfg.budget}' of task '{task.name}' skips it to stay fast) - use --budget full")
        if task.data.sensitive and not _target(task, ctx.splits.train)[2]:
            ctx.record.not_applicable["fairness"] = (f"fairness metrics compare positive rates between groups: task '{task.name}' "
                                                     "needs a binary target with [data].positive")

    def fidelity(self, ctx: RunContext, synthetic, jobs: dict) -> None:
        """SDMetrics' quality report here, the detection score from the worker; both against the training split."""
        from synthbench.metrics.table_fidelity import quality_report

        metrics, syn_s = ctx.record.metrics, jobs["fidelity_sample"]
        with ctx.reporter.phase("fidelity (SDMetrics)") as update:
            seconds = 0.0
            if "quality" in ctx.cfg.task.metrics.fidelity:
                t0 = time.perf_counter()
                scores, details = quality_report(ctx.splits.train, syn_s)
                seconds += time.perf_counter() - t0
                metrics.update({keys.fidelity(k): v for k, v in scores.items()})
                for prop, frame in details.items():
                    ctx.record.artifact(keys.quality_table(prop), "table", frame)
            update({"total": 2, "step": 1})
            if "detection" in jobs:
                scores, job_seconds = jobs["detection"].result()
                metrics.update({keys.fidelity(k): v for k, v in scores.items()})
                seconds += job_seconds
            metrics[keys.FIDELITY_SAMPLES] = float(len(syn_s))
            metrics[keys.FIDELITY_SECONDS] = seconds
            update({"total": 2, "step": 2})

    def extras(self, ctx: RunContext, synthetic, jobs: dict) -> None:
        """The data's own bias (real training split vs synthetic set), then the privacy checks from the worker."""
        task, train, record = ctx.cfg.task, ctx.splits.train, ctx.record
        positive, _, binary = _target(task, train)
        if binary and task.data.sensitive:
            import pandas as pd

            from synthbench.metrics.fairness import data_bias

            data_rows = []
            for col in task.data.sensitive:
                for split, frame in (("real", train.frame), ("synthetic", synthetic.frame)):
                    gap, rates = data_bias(frame, train.target, col, positive)
                    record.metrics[keys.data_fairness(col, split)] = gap
                    data_rows += [{"column": col, "data": split, "group": g, "positive_rate": float(v),
                                   "rows": int((frame[col] == g).sum())} for g, v in rates.items()]
            record.artifact(keys.FAIRNESS_DATA_TABLE, "table", pd.DataFrame(data_rows))
        if "privacy" in jobs:
            from synthbench.metrics.privacy import DISCLAIMER, privacy_markdown

            with ctx.reporter.phase("privacy (DCR, membership inference)") as update:
                res, job_seconds = jobs["privacy"].result()
                record.metrics.update({keys.privacy(k): v for k, v in res.items() if np.isfinite(v)})
                record.metrics[keys.PRIVACY_SECONDS] = job_seconds
                update({"total": 1, "step": 1})
            record.tags[keys.TAG_PRIVACY_NOTE] = DISCLAIMER
            record.artifact(keys.PRIVACY_MD, "text", privacy_markdown(res))

    def synthetic_artifact(self, synthetic) -> Artifact:
        def write(path):
            with gzip.open(path, "wt", compresslevel=5) as fh:  # level 9 (the default) costs 3x the time for ~5% less
                synthetic.frame.to_csv(fh, index=False)

        return Artifact(keys.SYNTHETIC_TABLE, "file", write)


def _target(task, train: Table):
    """``(positive class or None, classes or None, binary with a positive class)`` of the task's target."""
    positive = task.data.positive or None
    classification = train.columns[train.target] == "categorical"
    classes = sorted(train.y.unique()) if classification else None
    return positive, classes, bool(classification and len(classes) == 2 and positive in classes)


def _read(task, data_dir):
    """``(train_frame, test_frame or None, checksums, files)`` for a named dataset or a task's own CSV files."""
    d = task.data
    if d.train_file:
        files = {k: catalog.task_file(getattr(d, f"{k}_file"), task.path, data_dir, f"[data].{k}_file", f"task '{task.name}'")
                 for k in ("train", "test") if getattr(d, f"{k}_file")}
        frames = {k: readers.read_csv(p) for k, p in files.items()}
        return (frames["train"], frames.get("test"), {p.name: catalog.sha256_of(p) for p in files.values()},
                {p.name: str(p) for p in files.values()})
    spec = registry.datasets.get(d.dataset)
    paths = catalog.locate(spec, data_dir)
    raw = readers.read(spec, paths)
    if raw.modality != "table":
        raise ConfigError(f"task '{task.name}': dataset '{spec.name}' is not a table (reader '{spec.reader}') - use a table dataset")
    return raw.train, raw.test, {n: spec.file(n).sha256 for n in paths}, {n: str(p) for n, p in paths.items()}


MODALITY = TableModality()
