"""The table half of a run (called by ``runner.execute`` inside its MLflow run).

Fit the generator on the real training split only; sample a synthetic table the size of the real one;
train every downstream model (and the CTGAN-paper suite) under each regime, scored on the untouched real
test split, with fairness by sensitive column; fidelity (SDMetrics) against the real training split;
privacy checks against the validation split as holdout (rows the generator never saw); the data's own
bias, real vs synthetic. Everything is logged to the active MLflow run.
"""

from __future__ import annotations

import gzip
import inspect
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from synthbench import keys
from synthbench.contract import validate_table_sample
from synthbench.evaluate import derive_seed, regime_training_set
from synthbench.table import Table


def score_table(model, test: Table, positive, wanted) -> tuple[dict, np.ndarray]:
    """Utility metrics of a fitted tabular model on the real test split (names without prefix), and its
    predictions (reused for fairness)."""
    from sklearn.metrics import accuracy_score, f1_score, mean_squared_error, r2_score, roc_auc_score

    y = test.y.to_numpy()
    out = {}
    if not model.classification_:
        pred = model.predict(test.features)
        if "r2" in wanted:
            out["r2"] = float(r2_score(y, pred))
        if "rmse" in wanted:
            out["rmse"] = float(np.sqrt(mean_squared_error(y, pred)))
        return out, pred
    proba = model.predict_proba(test.features)
    classes = list(model.classes_)
    pred = np.asarray(classes, dtype=object)[proba.argmax(1)]
    binary = len(classes) == 2
    if "accuracy" in wanted:
        out["accuracy"] = float(accuracy_score(y, pred))
    if "f1" in wanted:
        out["f1"] = float(f1_score(y, pred, pos_label=positive, average="binary", zero_division=0) if binary
                          else f1_score(y, pred, average="macro", zero_division=0))
    if "macro_f1" in wanted:
        out["macro_f1"] = float(f1_score(y, pred, average="macro", zero_division=0))
    if "auroc" in wanted:
        if binary:
            out["auroc"] = float(roc_auc_score(y == positive, proba[:, classes.index(positive)]))
        else:
            out["auroc"] = float(roc_auc_score(y, proba, multi_class="ovr", labels=classes))
    return out, pred


def _mlflow_schema(table: Table):
    """The MLflow schema of a table, from its declared column types (MLflow would otherwise infer it by
    looking at every value of every text column: seconds on Adult, for what the task file already says)."""
    from mlflow.types import ColSpec, Schema

    kind = {"categorical": "string", "numerical": "double", "integer": "long"}
    return Schema([ColSpec(kind[t], c) for c, t in table.columns.items()])


def _log_inputs(data) -> None:
    import mlflow

    files = list(data.files.values()) or [data.dataset]
    train_file = files[0]
    test_file = next((f for f in files if "test" in Path(f).name), train_file)  # a test split carved from one file: that file
    for context in ("train", "validation", "test"):
        split = getattr(data, context)
        source = test_file if context == "test" else train_file
        ds = mlflow.data.from_pandas(split.frame, source=source, targets=split.target, name=f"{data.dataset}-{context}")
        ds.__dict__["schema"] = _mlflow_schema(split)  # PandasDataset.schema is a cached_property: give it the declared one
        mlflow.log_input(ds, context=context)


def _log_frame(frame: pd.DataFrame, artifact: str) -> None:
    import mlflow

    mlflow.log_table(frame.reset_index(drop=True), artifact)


def run_table(cfg, data, reporter, metrics: dict, not_applicable: dict) -> list[dict]:
    """Run every table phase, filling ``metrics`` and ``not_applicable``; return the generator's history.

    Detection and privacy run in the evaluation worker (``synthbench.background``) while the downstream
    models train here; the worker starts now so that its imports overlap the generator's fit.
    """
    from synthbench.background import Background

    with Background() as worker:
        history = _run_table(cfg, data, reporter, metrics, not_applicable, worker)
        if worker.enabled:
            metrics[keys.WORKER_PEAK_RSS_MB] = worker.peak_rss_mb
    return history


def _run_table(cfg, data, reporter, metrics: dict, not_applicable: dict, worker) -> list[dict]:
    import matplotlib.pyplot as plt
    import mlflow

    from synthbench.plots import columns_figure, history_figure

    task, seed = cfg.task, cfg.seed
    _log_inputs(data)
    mlflow.set_tag(keys.TAG_CONDITIONING, cfg.conditioning)
    mlflow.set_tag(keys.TAG_DIAGNOSIS, "not_applicable")
    not_applicable["diagnosis"] = ("synthbench's GAN diagnosis reads image probes (class coverage and diversity in a domain "
                                   "feature space); it is not defined for tables - a table generator's losses, where it "
                                   "reports them, are logged as train/<loss>")

    # -- generator: fit on the real training split only -------------------------------------------
    from synthbench.runner import _log_history, peak_rss_mb  # shared with image runs

    generator = cfg.build_generator()
    with reporter.phase(f"fit {cfg.generator}") as update:
        t0 = time.perf_counter()
        accepts = inspect.signature(generator.fit).parameters
        generator.fit(data.train, **({"callback": update} if "callback" in accepts else {}))
        metrics[keys.FIT_SECONDS] = time.perf_counter() - t0
    metrics[keys.FIT_PEAK_RSS_MB] = peak_rss_mb()
    history = list(getattr(generator, "history_", []) or [])
    if history:
        _log_history(history, keys.train_curve)
        fig = history_figure(history, f"{cfg.generator} on {task.name}")
        mlflow.log_figure(fig, "plots/generator_losses.png")
        plt.close(fig)

    with reporter.phase(f"sample {len(data.train)}") as update:
        t0 = time.perf_counter()
        synthetic = validate_table_sample(generator.sample(len(data.train)), len(data.train), data.train, cfg.generator)
        metrics[keys.SAMPLE_SECONDS] = time.perf_counter() - t0
        update({"total": 1, "step": 1})
    # -- detection and privacy start in the worker; the downstream models train here meanwhile ---------
    from synthbench.privacy import DISCLAIMER, privacy_checks
    from synthbench.table_fidelity import detection, quality_report

    budget = task.budget(cfg.budget)
    # the real side of fidelity is the whole training split (a subsample would miss rare categories the
    # synthetic rows may hold, which SDMetrics' transformers cannot encode); the synthetic side is a seeded subsample
    n_fidelity = min(budget.fidelity_samples, len(synthetic))
    rng = np.random.default_rng(derive_seed(seed, "fidelity"))
    syn_s = synthetic.take(np.sort(rng.choice(len(synthetic), n_fidelity, replace=False)))
    detection_job = (worker.submit(detection, data.train, syn_s, derive_seed(seed, "detection"))
                     if "detection" in task.metrics.fidelity else None)
    privacy_job = (worker.submit(privacy_checks, data.train, data.validation, synthetic, budget.privacy_samples,
                                 derive_seed(seed, "privacy"), task.metrics.privacy) if task.metrics.privacy else None)

    fig = columns_figure(data.train, synthetic, f"{cfg.generator} on {task.name}: real training split vs synthetic")
    mlflow.log_figure(fig, "plots/columns.png")
    plt.close(fig)

    # -- utility (and the models' fairness) under each regime ---------------------------------------
    positive = task.data.positive or None
    classification = data.train.columns[data.train.target] == "categorical"
    classes = sorted(data.train.y.unique()) if classification else None
    binary = classification and len(classes) == 2 and positive in classes
    t0 = time.perf_counter()
    with worker.sharing_cores():  # detection and privacy run in the worker meanwhile
        rows, fair_rows = _utility(cfg, data, synthetic, reporter, metrics, classes, positive, binary)
    metrics[keys.EVAL_SECONDS] = time.perf_counter() - t0
    if task.downstream.suite and not task.budget(cfg.budget).suite:
        not_applicable[keys.model_utility("*", task.downstream.suite, "*")] = (
            f"the {task.downstream.suite} evaluator suite runs at budgets whose [budgets.<name>].suite is true "
            f"(budget '{cfg.budget}' of task '{task.name}' skips it to stay fast) - use --budget full")
    _log_frame(pd.DataFrame(rows), "tables/utility.json")
    if task.data.sensitive and not binary:
        not_applicable["fairness"] = (f"fairness metrics compare positive rates between groups: task '{task.name}' needs a binary "
                                      "target with [data].positive")
    first = task.metrics.utility[0] if task.metrics.utility else None
    real_v, syn_v = metrics.get(keys.utility("real", first or "")), metrics.get(keys.utility("synthetic", first or ""))
    if real_v and syn_v is not None:
        metrics[keys.TSTR_OVER_TRTR] = syn_v / real_v
    if fair_rows:
        _log_frame(pd.DataFrame(fair_rows), "tables/fairness_groups.json")

    # -- the data's own bias: real training split vs synthetic set ----------------------------------
    if binary and task.data.sensitive:
        from synthbench.fairness import data_bias

        data_rows = []
        for col in task.data.sensitive:
            for split, frame in (("real", data.train.frame), ("synthetic", synthetic.frame)):
                gap, rates = data_bias(frame, data.train.target, col, positive)
                metrics[f"fairness/data/{col}/{split}_gap"] = gap
                data_rows += [{"column": col, "data": split, "group": g, "positive_rate": float(v),
                               "rows": int((frame[col] == g).sum())} for g, v in rates.items()]
        _log_frame(pd.DataFrame(data_rows), "tables/fairness_data.json")

    # -- fidelity (SDMetrics) against the real training split ---------------------------------------
    with reporter.phase("fidelity (SDMetrics)") as update:
        seconds = 0.0
        if "quality" in task.metrics.fidelity:
            t0 = time.perf_counter()
            scores, details = quality_report(data.train, syn_s)
            seconds += time.perf_counter() - t0
            metrics.update({keys.fidelity(k): v for k, v in scores.items()})
            for prop, frame in details.items():
                _log_frame(frame, f"tables/quality_{prop.lower().replace(' ', '_')}.json")
        update({"total": 2, "step": 1})
        if detection_job is not None:
            scores, job_seconds = detection_job.result()
            metrics.update({keys.fidelity(k): v for k, v in scores.items()})
            seconds += job_seconds
        metrics[keys.FIDELITY_SAMPLES] = float(n_fidelity)
        metrics[keys.FIDELITY_SECONDS] = seconds
        update({"total": 2, "step": 2})

    # -- privacy: empirical checks against rows the generator never saw ------------------------------
    if privacy_job is not None:
        with reporter.phase("privacy (DCR, membership inference)") as update:
            res, job_seconds = privacy_job.result()
            metrics.update({keys.privacy(k): v for k, v in res.items() if np.isfinite(v)})
            metrics[keys.PRIVACY_SECONDS] = job_seconds
            update({"total": 1, "step": 1})
        mlflow.set_tag("synthbench.privacy_note", DISCLAIMER)
        mlflow.log_text(_privacy_markdown(res, DISCLAIMER), "privacy.md")

    if cfg.save_synthetic:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "synthetic.csv.gz"
            with gzip.open(path, "wt", compresslevel=5) as fh:  # level 9 (the default) costs 3x the time for ~5% less
                synthetic.frame.to_csv(fh, index=False)
            mlflow.log_artifact(str(path), artifact_path="synthetic")
    return history


def _utility(cfg, data, synthetic: Table, reporter, metrics: dict, classes, positive, binary: bool):
    """Train and score every downstream model (and the evaluator suite) under each regime; the primary
    model's fairness gaps. Returns the rows of ``tables/utility.json`` and ``tables/fairness_groups.json``."""
    task, seed = cfg.task, cfg.seed
    wanted = set(task.metrics.utility)
    models = {cfg.model: (cfg.model_cls, cfg.model_params), **cfg.extra_models}
    rows, fair_rows = [], []
    for regime in task.regimes.run:
        train_set = regime_training_set(regime, data.train, synthetic, task.regimes.mixed_synthetic_share,
                                        derive_seed(seed, f"mixed/{regime}"))
        for name, (cls, params) in models.items():
            with reporter.phase(f"downstream {name} ({regime})") as update:
                params = {**params, "random_state": derive_seed(seed, f"downstream/{regime}/{name}")}
                model = cls(**params).fit(train_set, validation=data.validation, callback=update, classes=classes)
                scores, pred = score_table(model, data.test, positive, wanted)
            key = (lambda m, r=regime: keys.utility(r, m)) if name == cfg.model else (lambda m, r=regime, n=name: keys.model_utility(r, n, m))
            metrics.update({key(m): v for m, v in scores.items()})
            rows.append({"regime": regime, "model": name, **scores, "note": model.degenerate_})
            if name == cfg.model and task.data.sensitive:
                if not binary:
                    continue
                from synthbench.fairness import model_fairness

                for col in task.data.sensitive:
                    gaps, by_group = model_fairness(data.test.y.to_numpy(), pred, data.test.frame[col], positive)
                    metrics.update({keys.fairness(regime, col, m): v for m, v in gaps.items()})
                    fair_rows += [{"regime": regime, "column": col, **r} for r in by_group.to_dict("records")]
        if task.downstream.suite and task.budget(cfg.budget).suite:
            from synthbench.downstream import ctgan_suite

            with reporter.phase(f"{task.downstream.suite} suite ({regime})") as update:
                suite = ctgan_suite.evaluate(train_set, data.test, data.train, positive, derive_seed(seed, f"suite/{regime}"))
                update({"total": 1, "step": 1})
            metrics.update({keys.model_utility(regime, task.downstream.suite, m): v for m, v in suite.items()})
            rows.append({"regime": regime, "model": task.downstream.suite, **{f"suite_{m}": v for m, v in suite.items()}})
    return rows, fair_rows


def _privacy_markdown(res: dict, disclaimer: str) -> str:
    lines = ["# Privacy checks", "", f"**{disclaimer}**", "",
             f"On {int(res.get('rows', 0))} rows each of the real training split, a holdout (the validation split, never "
             "seen by the generator) and the synthetic set:", ""]
    meaning = {"dcr_share": "share of synthetic rows closer to a training row than to any holdout row (about 0.5 is expected)",
               "dcr_ratio": "median DCR to training rows / median DCR to holdout rows (about 1 is expected)",
               "exact_copies": "share of synthetic rows identical to a training row",
               "mia_auc": "ROC AUC of a distance-based membership-inference attack (0.5 = chance)"}
    for k, text in meaning.items():
        if k in res:
            lines.append(f"- `{k}` = {res[k]:.4f}: {text}")
    return "\n".join(lines) + "\n"
