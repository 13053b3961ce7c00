"""Runs end to end per modality, through the CLI as a user runs it, and what they leave in MLflow.

Tables: utility, fidelity, privacy and fairness; one clear error for bad input or a generator breaking the
contract. Images (tiny task): the per-class wrapper, the training diagnostics record, not-applicable metrics,
and a diverging run ending FAILED with its diagnosis. A third modality: one module of a user's own."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import synthbench
from synthbench import keys
from synthbench.diagnostics import LABELS
from synthbench.exceptions import ContractError


def _client(tracking_uri):
    import mlflow

    return mlflow.tracking.MlflowClient(tracking_uri)


def _artifacts(client, run_id, path=None):
    return {a.path for a in client.list_artifacts(run_id, path)}


# -- tables --------------------------------------------------------------------------------------------

def test_cli_table_run_records_utility_fidelity_privacy_fairness(tasks_dir, cli, tracking_uri, only_run):
    task = tasks_dir / "tiny-table.toml"  # 400 rows of a tiny mixed table, sensitive = ["colour"]
    res = cli("run", "--generator", "gaussian-copula", "--task", str(task), "--budget", "quick", "--tracking-uri", tracking_uri,
              "--no-system-metrics")
    assert res.returncode == 0, res.stderr + res.stdout
    assert "privacy: mia_auc" in res.stdout and "colour: positive-rate gap, synthetic data" in res.stdout
    run = only_run(tracking_uri)
    m, tags, params = run.data.metrics, run.data.tags, run.data.params
    for key in ("utility/real/accuracy", "utility/synthetic/f1", "utility/mixed/auroc", "utility/tstr_over_trtr",
                "fidelity/quality", "fidelity/quality_column_shapes", "fidelity/detection", "fidelity/detection_auc",
                "privacy/dcr_share", "privacy/dcr_ratio", "privacy/exact_copies", "privacy/mia_auc",
                "fairness/synthetic/colour/demographic_parity_difference", "fairness/real/colour/equal_opportunity_difference",
                "fairness/data/colour/real_gap", "fairness/data/colour/synthetic_gap", "cost/fit_seconds", "cost/total_seconds"):
        assert key in m, key
    assert 0.0 <= m["fidelity/quality"] <= 1.0 and 0.5 <= m["fidelity/detection_auc"] <= 1.0
    assert "differential-privacy guarantee" in tags["synthbench.privacy_note"]
    assert tags["synthbench.conditioning"] == "joint" and tags["synthbench.diagnosis"] == "not_applicable"
    assert "data.sha256.train.csv" in params and params["generator.default_distribution"] == "beta"
    client = _client(tracking_uri)
    arts = _artifacts(client, run.info.run_id)
    assert {"privacy.md", "synthetic", "tables", "plots", "config.json", "result.json", "not_applicable.json"} <= arts
    tables = _artifacts(client, run.info.run_id, "tables")
    assert {"tables/utility.json", "tables/fairness_groups.json", "tables/fairness_data.json",
            "tables/quality_column_shapes.json"} <= tables
    assert _artifacts(client, run.info.run_id, "synthetic") == {"synthetic/synthetic.csv.gz"}
    inputs = {d.dataset.name for d in run.inputs.dataset_inputs}
    assert inputs == {"train-train", "train-validation", "train-test"}


def test_cli_bad_table_is_one_clear_error_and_opens_no_run(tmp_path, cli, tracking_uri, table_task, frames):
    """The data is read and checked before a run opens: a bad table leaves no FAILED run behind."""
    train, test = frames()
    task = table_task(tmp_path, train.drop(columns=["label"]), test, name="mytable")
    res = cli("run", "--generator", "marginals", "--task", str(task), "--budget", "quick",
              "--tracking-uri", tracking_uri, "--no-system-metrics")
    assert res.returncode != 0
    err = [line for line in res.stderr.splitlines() if line.startswith("error:")]
    assert len(err) == 1 and "target column 'label' is missing" in err[0], res.stderr
    assert "recorded as FAILED" not in res.stderr and not (tmp_path / "store" / "mlflow.db").exists()


def test_data_that_cannot_be_scored_fails_before_the_generator_fits(tmp_path, table_task, frames):
    """A test file without one of the target's classes would log AUROC NaN and F1 0.0 and finish: it stops at
    'load data', before the fit, with the record saying nothing was fitted."""
    from synthbench import keys, pipeline
    from synthbench.config import resolve
    from synthbench.exceptions import DatasetError

    train, test = frames()
    cfg = resolve(str(table_task(tmp_path, train, test[test["label"] == "yes"])), "marginals", "quick")
    record = pipeline.new_record(cfg)
    with pytest.raises(DatasetError, match=r"the test split lacks class\(es\) 'no'"):
        pipeline.run(cfg, record)
    assert keys.FIT_SECONDS not in record.metrics and not record.history


def test_image_generator_on_a_table_task_is_refused(cli):
    res = cli("run", "--generator", "cgan", "--task", "adult")
    assert res.returncode != 0
    assert "generator 'cgan' cannot run on task 'adult': it handles image data and task 'adult' is table" in res.stderr


def test_plugin_returning_other_columns_fails_the_run(tasks_dir, tracking_uri, only_run):
    from sklearn.base import BaseEstimator

    from synthbench.api import run
    from synthbench.data.table import Table
    from synthbench.registry import generators

    class DropsAColumn(BaseEstimator):
        modalities = ("table",)

        def __init__(self, random_state=None):
            self.random_state = random_state

        def fit(self, train):
            self.train_ = train
            return self

        def sample(self, n, labels=None):
            t = self.train_.take(range(min(n, len(self.train_))))
            return Table(t.frame.drop(columns=["count"]), {c: k for c, k in t.columns.items() if c != "count"}, t.target)

    generators.register("drops-a-column", DropsAColumn)
    try:
        with pytest.raises(ContractError, match=r"returned other columns than its training data \(missing \['count'\]\)"):
            run(task=str(tasks_dir / "tiny-table.toml"), generator="drops-a-column", budget="quick", tracking_uri=tracking_uri,
                system_metrics=False)
    finally:
        generators._discover().pop("drops-a-column", None)
        generators._loaded.pop("drops-a-column", None)
    assert only_run(tracking_uri).info.status == "FAILED"


@pytest.mark.slow
def test_adult_gaussian_copula_default_budget(cli, tracking_uri, only_run):
    """The issue's command at the default budget, with Adult's sensitive columns."""
    res = cli("run", "--generator", "gaussian-copula", "--task", "adult", "--tracking-uri", tracking_uri)
    assert res.returncode == 0, res.stderr
    m = only_run(tracking_uri).data.metrics
    assert m["utility/real/accuracy"] > 0.85 and m["utility/synthetic/accuracy"] > 0.7
    for col in ("sex", "race"):
        assert m[f"fairness/data/{col}/real_gap"] > 0.1  # Adult's real bias is there to be carried or not


@pytest.mark.slow
def test_adult_ctgan_quick_with_suite(cli, tracking_uri, only_run):
    res = cli("run", "--generator", "ctgan", "--task", "adult", "--budget", "quick", "--tracking-uri", tracking_uri)
    assert res.returncode == 0, res.stderr
    m = only_run(tracking_uri).data.metrics
    for model in ("decision_tree", "adaboost", "logistic_regression", "mlp", "mean"):
        assert f"utility/synthetic/ctgan-paper/{model}" in m
    assert "train/generator_loss" in m and "train/discriminator_loss" in m  # SDV's per-epoch CTGAN losses


# -- images --------------------------------------------------------------------------------------------

def test_unconditional_generator_runs_once_per_class_with_diagnostics(tmp_path, tracking_uri, cli, tasks_dir, only_run):
    proc = cli("run", "-g", "dcgan", "-t", "tiny-mnist", "--tasks-dir", str(tasks_dir), "--budget", "quick",
               "--param", "width=8", "--param", "steps=15", "--tracking-uri", tracking_uri, "--no-system-metrics", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "training diagnosis:" in proc.stdout and "one model per class" in proc.stderr
    run = only_run(tracking_uri)
    m, t = run.data.metrics, run.data.tags
    assert t["synthbench.conditioning"] == "per-class" and t["synthbench.diagnosis"] in LABELS
    assert m["cost/per_class/models"] == 10 and all(m[f"cost/per_class/{k}/fit_seconds"] > 0 for k in range(10))
    assert 0.0 <= m["utility/synthetic/accuracy"] <= 1.0
    assert "cost/peak_cuda_mb" not in m and "not a GPU" in t["synthbench.na.cost/peak_cuda_mb"]
    client = _client(tracking_uri)
    assert {"diagnosis.md", "diagnosis.json", "not_applicable.json"} <= _artifacts(client, run.info.run_id)
    md = Path(client.download_artifacts(run.info.run_id, "diagnosis.md", str(tmp_path))).read_text()
    assert md.startswith(f"# Diagnosis: `{t['synthbench.diagnosis']}`")
    # fixed-noise and interpolation grids, one per round of training over the ten models (6 rounds of 2-3 steps), with their step
    images = {p.split("/")[-1] for p in _artifacts(client, run.info.run_id, "images")}
    for key in ("fixed_noise", "interpolation"):
        assert {s for s in range(1, 8) if any(f"training~{key}+step+{s}+" in n and n.endswith(".png") for n in images)} == {1, 2, 3, 4, 5, 6}
    assert len(client.get_metric_history(run.info.run_id, "probe/fid")) >= 2
    assert len(client.get_metric_history(run.info.run_id, "train/d_real")) >= 3


@pytest.mark.slow
def test_no_per_class_records_utility_as_not_applicable(tmp_path, tracking_uri, cli, tasks_dir, only_run):
    proc = cli("run", "-g", "gan", "-t", "tiny-mnist", "--tasks-dir", str(tasks_dir), "--budget", "quick",
               "--no-per-class", "--param", "hidden=16", "--param", "steps=4", "--no-save-synthetic",
               "--tracking-uri", tracking_uri, "--no-system-metrics", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "not applicable: utility/synthetic/*" in proc.stdout
    run = only_run(tracking_uri)
    m, t = run.data.metrics, run.data.tags
    assert t["synthbench.conditioning"] == "none"
    assert "utility/real/accuracy" in m and "fidelity/fid" in m
    assert not any(k.startswith(("utility/synthetic/", "utility/mixed/")) for k in m) and "utility/tstr_over_trtr" not in m
    assert "no labels" in t["synthbench.na.utility/synthetic/all"] and "no labels" in t["synthbench.na.utility/mixed/all"]
    na = json.loads(Path(_client(tracking_uri).download_artifacts(run.info.run_id, "not_applicable.json", str(tmp_path))).read_text())
    assert set(na) >= {"utility/synthetic/*", "utility/mixed/*", "utility/tstr_over_trtr"}


def test_non_gan_generator_says_why_there_is_no_diagnosis(tmp_path, tracking_uri, cli, tasks_dir, only_run):
    proc = cli("run", "-g", "pca-gmm", "-t", "tiny-mnist", "--tasks-dir", str(tasks_dir), "--budget", "quick",
               "--no-save-synthetic", "--tracking-uri", tracking_uri, "--no-system-metrics", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    t = only_run(tracking_uri).data.tags
    assert t["synthbench.diagnosis"] == "not_applicable" and "not trained adversarially" in t["synthbench.na.diagnosis"]


def test_divergence_stops_the_run_failed_with_its_diagnosis(tmp_path, tracking_uri, cli, tasks_dir, only_run):
    proc = cli("run", "-g", "cgan", "-t", "tiny-mnist", "--tasks-dir", str(tasks_dir), "--budget", "quick",
               "--param", "lr_g=1e12", "--param", "lr_d=1e12", "--param", "steps=27",
               "--tracking-uri", tracking_uri, "--no-system-metrics", cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    err = [line for line in proc.stderr.splitlines() if line.startswith("error")]
    assert len(err) == 1 and "diverged at epoch" in err[0] and "recorded as FAILED" in err[0], proc.stderr
    run = only_run(tracking_uri)
    assert run.info.status == "FAILED"
    assert run.data.tags["synthbench.diagnosis"] == "diverged" and "diverged" in run.data.tags["synthbench.error"]
    client = _client(tracking_uri)
    md = Path(client.download_artifacts(run.info.run_id, "diagnosis.md", str(tmp_path))).read_text()
    assert "# Diagnosis: `diverged`" in md and "lower both learning rates" in md
    assert client.get_metric_history(run.info.run_id, "train/d_loss")  # the record up to the failure is kept


THIRD_MODALITY = '''
"""A third kind of data, as a user writes it: labelled feature vectors, a generator and a model for them."""

import numpy as np
import pandas as pd

from synthbench import keys
from synthbench.data import catalog
from synthbench.modalities.base import Modality, Splits


class Vectors:
    def __init__(self, x, y):
        self.x, self.y = np.asarray(x, dtype=float), np.asarray(y, dtype=int)

    def __len__(self):
        return len(self.y)

    def take(self, idx):
        return Vectors(self.x[idx], self.y[idx])

    @classmethod
    def concat(cls, parts):
        return cls(np.concatenate([p.x for p in parts]), np.concatenate([p.y for p in parts]))


class VectorModality(Modality):
    name = "vectors"
    data_type = Vectors
    utility_metrics = ("accuracy",)
    headline_metrics = ("accuracy",)
    fidelity_metrics = ("mean_gap",)
    floor = "class-means"

    def example(self):
        rng = np.random.default_rng(0)
        return Vectors(rng.normal(size=(40, 3)), np.arange(40) % 2)

    def validate(self, out, n, train, generator, labels=None, conditional=True):
        assert isinstance(out, Vectors) and len(out) == n and out.x.shape[1] == train.x.shape[1]
        return out

    def same(self, a, b):
        return np.array_equal(a.x, b.x) and np.array_equal(a.y, b.y)

    def load_splits(self, task, budget, data_dir):
        read = {}
        for k in ("train", "test"):
            path = catalog.task_file(getattr(task.data, f"{k}_file"), task.path, data_dir, f"[data].{k}_file", task.name)
            frame = pd.read_csv(path)
            read[k] = (Vectors(frame.drop(columns="label").to_numpy(), frame["label"].to_numpy()), path)
        train, validation = read["train"][0].take(np.arange(20, len(read["train"][0]))), read["train"][0].take(np.arange(20))
        return Splits(train, validation, read["test"][0], ["0", "1"], "vectors",
                      {p.name: catalog.sha256_of(p) for _, p in read.values()}, {p.name: str(p) for _, p in read.values()})

    def sample(self, ctx, generator, n=None, step="synthetic-labels"):
        n = len(ctx.splits.train) if n is None else n
        labels = np.random.default_rng(ctx.seed(step)).integers(0, 2, size=n)
        return self.validate(generator.sample(n, labels=labels), n, ctx.splits.train, ctx.cfg.generator)

    def utility(self, ctx, regime, train_set, synthetic):
        model = ctx.cfg.model_cls(**ctx.cfg.model_params).fit(train_set)
        acc = float(np.mean(model.predict(ctx.splits.test.x) == ctx.splits.test.y))
        ctx.record.metrics[keys.utility(regime, "accuracy")] = acc
        return {"tables/vectors.json": [{"regime": regime, "accuracy": acc}]}

    def fidelity(self, ctx, synthetic, jobs):
        ctx.record.metrics[keys.fidelity("mean_gap")] = float(np.abs(synthetic.x.mean(0) - ctx.splits.train.x.mean(0)).max())


class ClassMeans:
    """Draws each class's rows around its mean, with its per-feature spread."""
    modalities = ("vectors",)

    def __init__(self, random_state: int = 0):
        self.random_state = random_state

    def get_params(self, deep=False):
        return {"random_state": self.random_state}

    def fit(self, train):
        self.stats_ = {c: (train.x[train.y == c].mean(0), train.x[train.y == c].std(0)) for c in np.unique(train.y)}
        return self

    def sample(self, n, labels=None):
        rng = np.random.default_rng(self.random_state)
        x = np.stack([rng.normal(*self.stats_[c]) for c in labels])
        return Vectors(x, labels)


class NearestMean:
    modalities = ("vectors",)

    def __init__(self, shrink: float = 0.0):
        self.shrink = shrink

    def fit(self, train, validation=None, callback=None):
        self.means_ = np.stack([train.x[train.y == c].mean(0) for c in (0, 1)])
        return self

    def predict(self, x):
        return np.argmin(((x[:, None, :] - self.means_[None]) ** 2).sum(-1), axis=1)


MODALITY = VectorModality()
'''


VECTORS_TASK = """
name = "vectors"
version = 1
modality = "vectors"
description = "labelled feature vectors: a kind of data synthbench does not ship"

[data]
train_file = "train.csv"
test_file = "test.csv"

[downstream]
model = "nearest-mean"

[budgets.standard]
"""

USE_IT = """
import json, sys
sys.path.insert(0, sys.argv[1])
import toy_vectors as tv
import synthbench
from synthbench import api, registry

registry.modalities.register("vectors", tv.MODALITY, "toy-vectors")
registry.generators.register("class-means", tv.ClassMeans, "toy-vectors")
registry.models.register("nearest-mean", tv.NearestMean, "toy-vectors")
for seed in (0, 1):
    result = synthbench.run("vectors", "class-means", seed=seed, tasks_dir=sys.argv[1], tracking_uri=sys.argv[2],
                            system_metrics=False)
    assert result.status == "FINISHED", result
report, _ = api.report(sys.argv[3], tracking_uri=sys.argv[2], figures=False)
print(json.dumps({"floor": report.boards[0].floor, "rows": [r.label for r in report.boards[0].rows]}))
"""


def test_a_third_modality_is_one_new_module(tmp_path, tracking_uri):
    """A kind of data synthbench does not ship, added as one module of the user's own (a modality, a generator and a
    model for it) and registered at runtime: runs go through the one pipeline, are recorded and read back, and the
    report takes the modality's floor - with no edit to synthbench."""
    import numpy as np
    import pandas as pd

    (tmp_path / "toy_vectors.py").write_text(THIRD_MODALITY)
    (tmp_path / "vectors.toml").write_text(VECTORS_TASK)
    rng = np.random.default_rng(0)
    for name, n in (("train", 120), ("test", 60)):
        y = np.arange(n) % 2
        x = rng.normal(size=(n, 3)) + 1.5 * y[:, None]
        pd.DataFrame({"x0": x[:, 0], "x1": x[:, 1], "x2": x[:, 2], "label": y}).to_csv(tmp_path / f"{name}.csv", index=False)
    proc = subprocess.run([sys.executable, "-c", USE_IT, str(tmp_path), tracking_uri, str(tmp_path / "report")],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    shown = json.loads(proc.stdout.strip().splitlines()[-1])
    assert shown == {"floor": "class-means", "rows": ["class-means"]}
    runs = synthbench.load_runs(tracking_uri)
    assert list(runs["status"]) == ["FINISHED", "FINISHED"] and set(runs["task"]) == {"vectors"}
    for _, r in runs.iterrows():
        assert 0.8 <= r[keys.utility("real", "accuracy")] <= 1.0 and 0.8 <= r[keys.utility("synthetic", "accuracy")] <= 1.0
        assert r[keys.TSTR_OVER_TRTR] == pytest.approx(r[keys.utility("synthetic", "accuracy")] / r[keys.utility("real", "accuracy")])
        assert r[keys.fidelity("mean_gap")] < 0.5 and r[keys.param("task.modality")] == "vectors"


class _SkewedTable:
    """A table generator whose target is 'yes' in ``share_yes`` of its rows, whatever the real share."""

    modalities = ("table",)
    conditional = False

    def __init__(self, share_yes=0.9, random_state=0):
        self.share_yes = share_yes
        self.random_state = random_state

    def fit(self, train):
        self.train_, self.rng_ = train, np.random.default_rng(self.random_state)
        return self

    def sample(self, n, labels=None):
        out = self.train_.take(self.rng_.integers(0, len(self.train_), n))
        out.frame[out.target] = np.where(self.rng_.random(n) < self.share_yes, "yes", "no")
        return out


@pytest.mark.parametrize("share_yes", [0.9, 1.0])
def test_a_table_augmentation_pool_follows_the_real_class_proportions(tasks_dir, share_yes):
    """The rows an augmented regime adds keep the real rows' class mix (rejection sampling per class), whatever
    mix the generator draws; a class it cannot make is made up with its other rows and the gap recorded. The
    synthetic training set stays the generator's own draw."""
    from synthbench import pipeline
    from synthbench.config import resolve
    from synthbench.data.splits import class_quotas
    from synthbench.modalities.base import AUGMENTATION_STEP, RunContext
    from synthbench.modalities.table import MODALITY
    from synthbench.progress import Reporter

    cfg = resolve("tiny-table", "real", "quick", tasks_dir=str(tasks_dir), seed=0)
    splits = MODALITY.load_splits(cfg.task, cfg.budget_spec, None)
    ctx = RunContext(cfg, splits, pipeline.new_record(cfg), Reporter())
    generator = _SkewedTable(share_yes).fit(splits.train)
    real = splits.train.frame["label"].value_counts().sort_index()
    out = MODALITY.sample(ctx, generator, 200, f"{AUGMENTATION_STEP}/0")
    got = out.frame["label"].value_counts().reindex(real.index, fill_value=0)
    assert len(out) == 200
    gap = ctx.record.metrics[keys.AUGMENTATION_CLASS_GAP]
    if share_yes < 1:
        assert got.tolist() == class_quotas(200, real.to_numpy()).tolist() and gap == 0.0
    else:  # no 'no' row in 20 draws: made up with 'yes' rows, and the gap is the real share of 'no'
        assert got["no"] == 0 and gap == class_quotas(200, real.to_numpy())[list(real.index).index("no")] / 200
    own = MODALITY.sample(ctx, generator, 200)
    assert (own.frame["label"] == "yes").mean() > 0.8  # the synthetic set: the generator's own mix


def test_without_train_size_every_regime_trains_on_its_own_epochs(repo_root, tmp_path, tiny_mnist_text):
    """The CNN's rows per epoch only steps in at --train-size / --augment: for every shipped image task and budget the
    reference equals the training set, so default runs train as before; a budget that differs from another only in
    its train_size is still its own reference; the extractor trainer (no budget) gets the task's size."""
    from synthbench.modalities.base import own_training_size
    from synthbench.modalities.image import MODALITY
    from synthbench.tasks import load_task

    data = repo_root.parent / "shared" / "datasets"
    for name in ("mnist", "fashion-mnist"):
        task = load_task(name)
        for budget in task.budgets:
            splits = MODALITY.load_splits(task, task.budget(budget), data)
            assert splits.downstream_rows == len(splits.train), (name, budget)
    text = tiny_mnist_text.replace("[budgets.quick]\n", "[budgets.quick]\ntrain_size = 300\n")
    (tmp_path / "twin.toml").write_text(text.replace('name = "tiny-mnist"', 'name = "twin"').replace(
        "[budgets.standard]\ndownstream_epochs = 1", "[budgets.standard]\ndownstream_epochs = 3"))
    twin = load_task("twin", tmp_path)
    assert own_training_size(twin, twin.budget("quick")) == 300 and own_training_size(twin, twin.budget("standard")) == 600
    assert own_training_size(twin, None) == 600
    splits = MODALITY.load_splits(twin, twin.budget("standard"), data)
    assert len(splits.train) == splits.downstream_rows == 600
