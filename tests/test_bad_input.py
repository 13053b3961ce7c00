"""The bad-input catalogue: every kind of mistake a user can make, through the ``synthbench`` command as a user runs
it. Each must exit non-zero with one ``error:`` line that names what is wrong and how to fix it, print no traceback,
and open no MLflow run (the store stays empty, or is never created).

The cases run as subprocesses, several at a time (each pays the CLI's imports); a test per case checks its result.
README.md ("Bad input") gives the catalogue's size.
"""

from __future__ import annotations

import os
import re
import socket
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest


pytestmark = pytest.mark.slow

#: What a message that "names the fix" contains: advice after a dash, a suggestion, or what is allowed.
FIX = re.compile(r"( - |did you mean|available: |allowed: |see `|\(e.g. )")
#: Lines other than the error a failed command may print: the run's header and the data-loading bar.
HEADER = re.compile(r"^(synthbench \S+ on \S+ - budget|load data)")


@dataclass
class Case:
    id: str
    args: tuple  # after `synthbench`; {tasks}, {store}, {data}, {port} are filled in
    expect: str  # a regular expression the error line must match
    image_task: object = None  # str -> str edit of the tiny image task, written as {tasks}/tiny-mnist.toml
    table_task: object = None  # str -> str edit of the tiny table task ({tasks}/tiny-table.toml, CSVs beside it)
    train_csv: object = None  # frame -> frame (or text) for the table task's train.csv
    test_csv: object = None
    env: dict = field(default_factory=dict)


def _sub(old, new):
    def edit(text):
        assert old in text, (old, text)
        return text.replace(old, new, 1)
    return edit


def _add(section, line):
    return _sub(f"[{section}]\n", f"[{section}]\n{line}\n")


RUN = ("run", "--tracking-uri", "{store}", "--no-system-metrics")
IMG = (*RUN, "-g", "pca-gmm", "-t", "tiny-mnist", "--tasks-dir", "{tasks}", "--budget", "quick")
TAB = (*RUN, "-g", "marginals", "-t", "tiny-table", "--tasks-dir", "{tasks}", "--budget", "quick")

CASES = [
    # -- the command line --------------------------------------------------------------------------------------------
    Case("unknown-generator", (*RUN, "-g", "cgna"), r"unknown generator 'cgna' - did you mean 'cgan'"),
    Case("unknown-task", (*RUN, "-t", "mnsit"), r"unknown task 'mnsit' - did you mean 'mnist'"),
    Case("unknown-budget", (*RUN, "--budget", "huge"), r"unknown budget 'huge'"),
    Case("unknown-device", (*RUN, "--device", "tpu"), r"unknown device 'tpu' - use auto, cpu or cuda"),
    Case("param-without-value", (*RUN, "-p", "steps"), r"--param 'steps' must look like name=value"),
    Case("param-unknown-name", (*RUN, "-p", "step=3"), r"unknown hyperparameter of generator 'cgan' 'step' - did you mean 'steps'"),
    Case("param-wrong-type", (*RUN, "-p", "steps=x"), r"'steps' expects int .*got 'x'"),
    Case("param-steps-zero", (*RUN, "-p", "steps=0"), r"'steps' must be an integer >= 1, got 0 \(from --param\)"),
    Case("param-steps-negative", (*RUN, "-p", "steps=-3"), r"'steps' must be an integer >= 1, got -3"),
    Case("param-epochs-replaced", (*RUN, "-p", "epochs=5"), r"no hyperparameter 'epochs' any more .* pass e.g. --param steps="),
    Case("param-negative-lr", (*RUN, "-p", "lr_g=-1"), r"'lr_g' must be a number > 0, got -1.0"),
    Case("param-beta-out-of-range", (*RUN, "-p", "beta1=1.5"), r"'beta1' must be a number in \[0, 1\)"),
    Case("param-not-a-choice", (*RUN, "-p", "d_norm=group"), r"'d_norm' must be one of 'batch'"),
    Case("param-zero-components", (*RUN, "-g", "pca-gmm", "-p", "n_components=0"), r"'n_components' must be an integer >= 1"),
    Case("param-bad-layer-sizes", (*RUN, "-g", "ctgan", "-t", "adult", "-p", "generator_dim=[256,0]"),
         r"'generator_dim' must be an integer >= 1 each, got \[256, 0\]"),
    Case("param-bad-json", (*RUN, "-g", "ctgan", "-t", "adult", "-p", "generator_dim=[256,"), r"'generator_dim' expects tuple"),
    Case("param-not-a-table", (*RUN, "-g", "gaussian-copula", "-t", "adult", "-p", "numerical_distributions=x"),
         r"'numerical_distributions' must be a table \{name: value\}"),
    Case("param-unknown-distribution", (*RUN, "-g", "gaussian-copula", "-t", "adult", "-p", "default_distribution=normal"),
         r"'default_distribution' must be one of 'norm'"),
    Case("seed-negative", (*RUN, "--seed", "-1"), r"--seed must be an integer in \[0, 4294967295\]"),
    # -- a real-data size and augmentation (the scarce-data curve) ---------------------------------------------------------
    Case("train-size-too-large", (*IMG, "--train-size", "60000"),
         r"--train-size = 60000 is more than the 59500 training rows left after the 500-row validation"),
    Case("train-size-below-classes", (*IMG, "--train-size", "5"), r"= 5 is fewer rows than the 10 classes of the target - .*use 10 or more"),
    Case("train-size-class-missing", (*IMG, "--train-size", "10"),
         r"the training split lacks class\(es\) '4', '5', '8' .* raise --train-size"),
    Case("train-size-negative", (*IMG, "--train-size", "-5"), r"--train-size must be a number of training rows"),
    Case("augment-zero", (*IMG, "--augment", "0,2"), r"--augment multiples must be whole numbers of 1 or more .*got 0"),
    Case("augment-not-numbers", (*IMG, "--augment", "x"), r"'x' must be a comma-separated list of integers"),
    Case("regimes-unknown", (*IMG, "--regimes", "real,augmented"),
         r"--regimes names the regimes to train, each once, out of real, synthetic, mixed \('augmented' is not one\)"),
    Case("regimes-twice", (*IMG, "--regimes", "real,real"), r"\(one is named twice\) - e.g. --regimes real,synthetic"),
    Case("seed-too-large", (*RUN, "--seed", str(2**70)), r"--seed must be an integer in \[0, 4294967295\]"),
    Case("seed-not-a-number", (*RUN, "--seed", "abc"), r"Invalid value for '--seed'.* - see `synthbench run --help`"),
    Case("unknown-option", (*RUN, "--frobnicate"), r"No such option: --frobnicate - see `synthbench run --help`"),
    Case("unknown-command", ("frobnicate",), r"No such command 'frobnicate'"),
    Case("generator-for-other-data", (*RUN, "-g", "ctgan", "-t", "mnist"), r"generator 'ctgan' cannot run on task 'mnist': it handles table data and task 'mnist' is image"),
    Case("table-generator-on-images", (*RUN, "-g", "smote"), r"generator 'smote' cannot run on task 'mnist': it handles table data"),
    Case("from-run-with-options", (*RUN, "--from-run", "abc", "--seed", "3"), r"--from-run repeats run abc's configuration - drop --seed"),
    Case("from-run-no-store", (*RUN, "--from-run", "abc"), r"no MLflow store at .* pass --tracking-uri"),
    Case("experiment-empty", (*RUN, "-g", "pca-gmm", "--experiment", ""), r"--experiment must be a non-empty name"),
    Case("experiment-blank", (*RUN, "-g", "pca-gmm", "--experiment", "  "), r"--experiment must be a non-empty name"),
    Case("data-dir-missing", (*RUN, "-g", "pca-gmm", "--data-dir", "/nonexistent/data"), r"--data-dir /nonexistent/data is not a folder"),
    Case("data-dir-is-a-file", (*RUN, "-g", "pca-gmm", "--data-dir", "{tasks}/tiny-mnist.toml"), r"--data-dir .* is not a folder \(it is a file\)"),
    Case("data-dir-env-missing", (*RUN, "-g", "pca-gmm"), r"\$SYNTHBENCH_DATA_DIR /nonexistent is not a folder .* unset SYNTHBENCH_DATA_DIR",
         env={"SYNTHBENCH_DATA_DIR": "/nonexistent"}),
    Case("tasks-dir-missing", (*RUN, "-g", "pca-gmm", "--tasks-dir", "/missing/tasks"), r"--tasks-dir /missing/tasks is not a folder"),
    Case("tasks-dir-env-missing", (*RUN, "-g", "pca-gmm"), r"\$SYNTHBENCH_TASKS_DIR /missing is not a folder",
         env={"SYNTHBENCH_TASKS_DIR": "/missing"}),
    Case("tracking-uri-unwritable", ("run", "--tracking-uri", "sqlite:////proc/no/mlflow.db", "-g", "pca-gmm"),
         r"cannot write the MLflow tracking location"),
    Case("tracking-uri-file-store", ("run", "--tracking-uri", "file:///{tasks}/mlruns", "-g", "pca-gmm"),
         r"MLflow 3 refuses the file store .* MLFLOW_ALLOW_FILE_STORE"),
    Case("tracking-server-down", ("run", "--tracking-uri", "http://127.0.0.1:{port}", "-g", "pca-gmm"),
         r"tracking server http://127.0.0.1:\d+ refused the connection - start it"),
    Case("list-tasks-dir-missing", ("list", "--tasks-dir", "/missing/tasks"), r"--tasks-dir /missing/tasks is not a folder"),
    Case("download-unknown-dataset", ("download", "mnsit"), r"unknown dataset 'mnsit' - did you mean 'mnist'"),
    Case("download-no-dataset", ("download",), r"Missing argument '(?i:dataset)'.* - see `synthbench download --help`"),
    Case("ui-port-busy", ("ui", "--port", "{busy}", "--tracking-uri", "{store}"), r"port \d+ on 127.0.0.1 is in use .* - pass --port \d+"),
    Case("ui-port-not-a-number", ("ui", "--port", "http"), r"Invalid value for '--port'"),
    Case("dataset-offline-and-missing", (*IMG,), r"fashion-mnist.* SYNTHBENCH_OFFLINE|fashion-mnist.*download",
         image_task=_sub('dataset = "mnist"', 'dataset = "fashion-mnist"'), env={"SYNTHBENCH_OFFLINE": "1"}),
    Case("dataset-file-corrupt", (*IMG, "--data-dir", "{data}"), r"checksum|sha256",
         image_task=lambda t: t),

    # -- a task file ---------------------------------------------------------------------------------------------------
    Case("task-not-toml", IMG, r"tiny-mnist.toml: not valid TOML", image_task=lambda t: t + "\n[[[oops\n"),
    Case("task-unknown-key", IMG, r"unknown key\(s\) colour - allowed:", image_task=lambda t: 'colour = "blue"\n' + t),
    Case("task-unknown-data-key", IMG, r"\[data\]: unknown key\(s\) validation_sise", image_task=_add("data", "validation_sise = 3")),
    Case("task-missing-name", IMG, r"missing required key 'name'", image_task=_sub('name = "tiny-mnist"\n', "")),
    Case("task-name-not-file-name", IMG, r"name 'other' must match the file name 'tiny-mnist'",
         image_task=_sub('name = "tiny-mnist"', 'name = "other"')),
    Case("task-version-not-int", IMG, r"version must be an integer", image_task=_sub("version = 1", 'version = "1"')),
    Case("task-unknown-modality", IMG, r"modality must be one of", image_task=_sub('modality = "image"', 'modality = "audio"')),
    Case("task-wrong-type", IMG, r"\[data\].split_seed: expected int", image_task=_sub("split_seed = 7", 'split_seed = "7"')),
    Case("task-unknown-dataset", IMG, r"\[data\].dataset.*'mnsit'.* did you mean 'mnist'", image_task=_sub('dataset = "mnist"', 'dataset = "mnsit"')),
    Case("task-dataset-is-a-path", IMG, r"\[data\].dataset", image_task=_sub('dataset = "mnist"', 'dataset = "../mnist"')),
    Case("task-dataset-and-file", IMG, r"names either a dataset or a train_file.*not both", image_task=_add("data", 'train_file = "x.csv"')),
    Case("task-unknown-regime", IMG, r"\[regimes\].run has unknown regime 'synth'",
         image_task=_sub('run = ["real", "synthetic", "mixed"]', 'run = ["real", "synth"]')),
    Case("task-no-regimes", IMG, r"\[regimes\].run", image_task=_sub('run = ["real", "synthetic", "mixed"]', "run = []")),
    Case("task-mixed-share", IMG, r"mixed_synthetic_share", image_task=_sub("mixed_synthetic_share = 0.5", "mixed_synthetic_share = 1.5")),
    Case("task-unknown-fidelity", IMG, r"\[metrics\].fidelity has unknown metric 'fdi'", image_task=_add("metrics", 'fidelity = ["fdi"]')),
    Case("task-unknown-utility", IMG, r"\[metrics\].utility has unknown metric 'accuracyy'", image_task=_add("metrics", 'utility = ["accuracyy"]')),
    Case("task-headline-not-utility", IMG, r"\[metrics\].headline 'auroc'", image_task=_add("metrics", 'headline = "auroc"')),
    Case("task-unknown-privacy", IMG, r"\[metrics\].privacy has unknown metric", image_task=_add("metrics", 'privacy = ["dcrr"]')),
    Case("task-extractor-path", IMG, r"feature_extractor", image_task=_sub('feature_extractor = "lenet-mnist"', 'feature_extractor = "../../lenet-mnist"')),
    Case("task-extractor-unknown", IMG, r"feature_extractor.*'lenet-mnsit'", image_task=_sub('feature_extractor = "lenet-mnist"', 'feature_extractor = "lenet-mnsit"')),
    Case("task-kid-subset-zero", IMG, r"kid_subset_size", image_task=_sub("kid_subset_size = 100", "kid_subset_size = 0")),
    Case("task-unknown-budget", IMG, r"unknown budget 'huge'", image_task=lambda t: t + "\n[budgets.huge]\n"),
    Case("task-fidelity-samples-zero", IMG, r"fidelity_samples", image_task=_sub("fidelity_samples = 300", "fidelity_samples = 0")),
    Case("task-downstream-epochs-negative", IMG, r"downstream_epochs", image_task=_sub("downstream_epochs = 3", "downstream_epochs = -1")),
    Case("task-train-size-negative", IMG, r"train_size", image_task=_sub("train_size = 600", "train_size = -5")),
    Case("task-test-size-negative", IMG, r"test_size", image_task=_sub("test_size = 500", "test_size = -5")),
    Case("task-validation-size-zero", IMG, r"validation_size", image_task=_sub("validation_size = 500", "validation_size = 0")),
    Case("task-validation-size-too-large", IMG, r"validation_size", image_task=_sub("validation_size = 500", "validation_size = 70000")),
    Case("task-unknown-model", IMG, r"unknown downstream model 'cnnn' - did you mean 'cnn'", image_task=_sub('model = "cnn"', 'model = "cnnn"')),
    Case("task-model-for-tables", IMG, r"downstream model 'xgboost', which handles table data",
         image_task=lambda t: _sub('model = "cnn"', 'model = "xgboost"')(t).replace(
             "params = { channels = 8, hidden = 32, batch_size = 32, lr = 3e-3 }", "")),
    Case("task-model-param-unknown", IMG, r"unknown hyperparameter of downstream model 'cnn' 'chanels'",
         image_task=_sub("channels = 8", "chanels = 8")),
    Case("task-model-param-out-of-range", IMG, r"downstream model 'cnn' hyperparameter 'channels' must be an integer >= 1",
         image_task=_sub("channels = 8", "channels = 0")),
    Case("task-generator-param-out-of-range", IMG, r"'n_components' must be an integer >= 1, got 0 \(from .*budgets.quick.generator_params",
         image_task=_sub("pca-gmm = { n_components = 5", "pca-gmm = { n_components = 0")),
    Case("task-generator-param-unknown", IMG, r"unknown hyperparameter of generator 'pca-gmm' 'n_component'",
         image_task=_sub("pca-gmm = { n_components = 5", "pca-gmm = { n_component = 5")),
    Case("task-image-with-train-file", IMG, r"train_file", image_task=lambda t: _sub('dataset = "mnist"', 'train_file = "x.csv"')(t)),

    # -- a table task and its CSV files ----------------------------------------------------------------------------------
    Case("table-problem-unknown", TAB, r"\[data\].problem must be one of", table_task=_add("data", 'problem = "clustering"')),
    Case("table-no-columns", TAB, r"declares its column types in \[data.columns\]",
         table_task=lambda t: t.split("[data.columns]")[0] + t.split("[data.columns]")[1].split("\n\n", 1)[1]),
    Case("table-target-not-a-column", TAB, r"\[data\].target 'labl' is not in \[data.columns\]", table_task=_sub('target = "label"', 'target = "labl"')),
    Case("table-column-type-unknown", TAB, r"text", table_task=_sub('x = "numerical"', 'x = "text"')),
    Case("table-problem-mismatch", TAB, r"\[data\].problem is 'regression' but target 'label'", table_task=_add("data", 'problem = "regression"')),
    Case("table-sensitive-unknown", TAB, r"sensitive column 'gender' is not in \[data.columns\]", table_task=_sub('sensitive = ["colour"]', 'sensitive = ["gender"]')),
    Case("table-test-fraction", TAB, r"test_fraction", table_task=_add("data", "test_fraction = 1.5")),
    Case("table-unknown-suite", TAB, r"\[downstream\].suite 'sdgym' is unknown", table_task=_add("downstream", 'suite = "sdgym"')),
    Case("table-privacy-samples-zero", TAB, r"privacy_samples", table_task=_sub("privacy_samples = 50", "privacy_samples = 0")),
    Case("table-file-outside-the-task-folder", TAB, r"train_file.*outside the task file's folder",
         table_task=_sub('train_file = "train.csv"', 'train_file = "../../../../../../etc/passwd"')),
    Case("table-file-missing", TAB, r"missing.csv", table_task=_sub('test_file = "test.csv"', 'test_file = "missing.csv"')),
    Case("table-no-test-split", TAB, r"test_fraction",
         table_task=_sub('test_file = "test.csv"', "")),
    Case("table-csv-empty", TAB, r"train", train_csv=lambda f: ""),
    Case("table-csv-missing-column", TAB, r"count", train_csv=lambda f: f.drop(columns=["count"])),
    Case("table-csv-duplicate-header", TAB, r"duplicate|twice|x",
         train_csv=lambda f: f.to_csv(index=False).replace("x,colour", "x,x", 1)),
    Case("table-csv-text-in-number", TAB, r"x", train_csv=lambda f: f.assign(x=f["x"].astype(str).where(f.index != 3, "abc"))),
    Case("table-test-missing-a-class", TAB, r"test", test_csv=lambda f: f[f["label"] == f["label"].iloc[0]]),
    Case("table-one-class-target", TAB, r"label", train_csv=lambda f: f.assign(label="yes"), test_csv=lambda f: f.assign(label="yes")),
    Case("table-validation-too-large", TAB, r"validation_size", table_task=_sub("validation_size = 20", "validation_size = 5000")),
    Case("table-validation-misses-a-class", TAB, r"validation", table_task=_sub("validation_size = 20", "validation_size = 1")),
]


_LISTENING: list = []


def _free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _prepare(case: Case, root: Path, texts: dict, frames) -> tuple[list[str], dict]:
    folder = root / case.id
    tasks = folder / "tasks"
    tasks.mkdir(parents=True)
    (tasks / "tiny-mnist.toml").write_text((case.image_task or (lambda t: t))(texts["image"]))
    train, test = frames(400)
    for name, frame, edit in (("train.csv", train, case.train_csv), ("test.csv", test, case.test_csv)):
        out = edit(frame) if edit else frame
        (tasks / name).write_text(out if isinstance(out, str) else out.to_csv(index=False))
    (tasks / "tiny-table.toml").write_text((case.table_task or (lambda t: t))(texts["table"]))
    data = folder / "data"
    if case.id == "dataset-file-corrupt":  # an MNIST file that is not MNIST's
        from synthbench.data import catalog

        (data / "mnist").mkdir(parents=True)
        for f in catalog.MNIST.files:
            (data / "mnist" / f.name).write_bytes(b"not the original file")
    busy = socket.socket()  # a program listening on a port (closed with the fixture's sockets)
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    _LISTENING.append(busy)
    fill = {"tasks": str(tasks), "store": f"sqlite:///{folder / 'store' / 'mlflow.db'}", "data": str(data),
            "port": str(_free_port()), "busy": str(busy.getsockname()[1])}
    return [a.format(**fill) for a in case.args], {**case.env}


@pytest.fixture(scope="module")
def results(request, tmp_path_factory, cli, frames, tiny_mnist_text, table_text):
    """Run the selected cases, a few at a time: case id -> (CompletedProcess, store path)."""
    wanted = {item.callspec.params["case"].id for item in request.session.items
              if item.originalname == "test_bad_input_is_one_clear_line_and_opens_no_run" and hasattr(item, "callspec")}
    root = tmp_path_factory.mktemp("bad-input")
    texts = {"image": tiny_mnist_text, "table": table_text(extra='sensitive = ["colour"]')}
    prepared = {c.id: _prepare(c, root, texts, frames) for c in CASES if c.id in wanted}

    def one(cid):
        args, env = prepared[cid]
        return cid, cli(*args, env=env, cwd=str(root / cid), timeout=300)

    try:
        with ThreadPoolExecutor(max_workers=max(2, (os.cpu_count() or 2))) as pool:
            done = dict(pool.map(one, prepared))
    finally:
        while _LISTENING:
            _LISTENING.pop().close()
    return {cid: (proc, root / cid / "store" / "mlflow.db") for cid, proc in done.items()}


def test_the_catalogue_is_larger_than_the_one_the_issue_found():
    assert len(CASES) > 64 and len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_one_clear_line_and_opens_no_run(case, results):
    proc, store = results[case.id]
    err = proc.stderr
    assert proc.returncode != 0, (proc.stdout, err)
    assert "Traceback" not in err and "Traceback" not in proc.stdout, err
    errors = [line for line in err.splitlines() if line.startswith("error: ")]
    others = [line for line in err.splitlines() if line.strip() and not line.startswith("error: ")]
    assert len(errors) == 1, err
    assert all(HEADER.match(line) for line in others), err
    assert re.search(case.expect, errors[0]), (case.expect, errors[0])
    assert FIX.search(errors[0]), f"the message names no fix: {errors[0]}"
    if store.exists():
        import mlflow

        client = mlflow.tracking.MlflowClient(f"sqlite:///{store}")
        runs = [r for e in client.search_experiments() for r in client.search_runs([e.experiment_id])]
        assert not runs, [(r.info.run_id, r.info.status) for r in runs]
