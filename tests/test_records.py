"""synthbench.records: the typed record a run fills, and the provenance it carries."""

import json
import subprocess

import pytest

from synthbench import defaults, keys
from synthbench.records import (Artifact, RunRecord, RunResult, cpu, flatten, git_commit, machine, numerics,
                                package_versions, provenance)


class _Live:
    def __init__(self):
        self.metrics, self.images = [], []

    def step_metrics(self, metrics, step):
        self.metrics.append((dict(metrics), step))

    def step_image(self, key, step, image):
        self.images.append((key, step, image))


def test_curves_collect_numeric_history_by_step():
    record = RunRecord(config={})
    record.add_curve([{"step": 1, "d_loss": 0.7, "g_loss": 2, "note": "warmup"}, {"step": 2, "d_loss": 0.6}],
                     keys.train_curve)
    assert record.curves == {"train/d_loss": [(1, 0.7), (2, 0.6)], "train/g_loss": [(1, 2.0)]}


def test_a_live_record_streams_step_metrics_and_images_and_keeps_no_images():
    live, record = _Live(), RunRecord(config={})
    record.live = live
    record.add_step_metrics({keys.probe("fid"): 120.5}, 3)
    record.add_step_image("training/fixed_noise", 3, "grid")
    assert live.metrics == [({"probe/fid": 120.5}, 3)] and live.images == [("training/fixed_noise", 3, "grid")]
    assert record.curves == {"probe/fid": [(3, 120.5)]} and record.streamed == {"probe/fid"}
    assert record.step_images == []  # one grid per epoch adds up: sent, not kept
    offline = RunRecord(config={})
    offline.add_step_image("training/fixed_noise", 3, "grid")
    assert [(s.key, s.step) for s in offline.step_images] == [("training/fixed_noise", 3)]


def test_artifacts_have_a_known_kind():
    record = RunRecord(config={})
    record.artifact("tables/utility.json", "json", {"a": 1})
    assert record.artifacts == [Artifact("tables/utility.json", "json", {"a": 1})]
    with pytest.raises(ValueError, match="artifact kind must be one of"):
        Artifact("x.bin", "pickle", b"")


def test_a_result_reads_through_to_its_record():
    record = RunRecord(config={"seed": 3}, metrics={keys.TSTR_OVER_TRTR: 0.98},
                       not_applicable={keys.FID: "tables"}, diagnosis="healthy")
    result = RunResult("r", "0", "sqlite:///x.db", "FINISHED", record)
    assert (result.metrics, result.config, result.not_applicable, result.diagnosis) == (
        record.metrics, {"seed": 3}, {keys.FID: "tables"}, "healthy")


def test_flatten_gives_mlflow_safe_strings():
    flat = flatten({"generator": {"lr": 2e-4, "dims": [64, 128], "ema": None, "sn": True}, "seed": 0,
                    "long": "x" * 7000})
    assert flat == {"generator.lr": "0.0002", "generator.dims": "[64, 128]", "generator.ema": "null",
                    "generator.sn": "true", "seed": "0", "long": "x" * 6000}
    assert json.loads(flat["generator.dims"]) == [64, 128]


def test_provenance_names_the_machine_and_the_numerics():
    model, flags = cpu()
    assert model and (flags == "" or len(flags) == 12)
    fingerprint = numerics()
    assert fingerprint == numerics()  # stable within a process: the golden test compares it with a recording
    assert fingerprint["cpu"] == model and fingerprint["cores"] >= 1
    assert set(fingerprint["versions"]) >= {"torch", "numpy", "scipy", "scikit-learn"}
    assert fingerprint["versions"]["numpy"] == package_versions()["numpy"]
    m = machine()
    assert m["cpu"] == model and m["cpus"] >= m["cores"] >= 1
    assert set(provenance()) == {"versions", "git_commit", "machine"}


def test_git_commit_is_dirty_only_when_the_package_changed(tmp_path, monkeypatch):
    """A run store or results kept in the repository change with every run: they must not mark the code dirty."""
    def git(*args):
        subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True)

    (tmp_path / "synthbench").mkdir()
    (tmp_path / "results").mkdir()
    for name in ("synthbench/pipeline.py", "pyproject.toml", "results/mlflow.db"):
        (tmp_path / name).write_text("v1\n")
    git("init", "-q")
    git("add", ".")
    git("-c", "user.email=t@t", "-c", "user.name=t", "-c", "commit.gpgsign=false", "commit", "-qm", "init")
    monkeypatch.setattr(defaults, "CHECKOUT", tmp_path)
    head = subprocess.run(["git", "-C", str(tmp_path), "rev-parse", "HEAD"],
                          capture_output=True, text=True).stdout.strip()
    assert git_commit() == head
    (tmp_path / "results/mlflow.db").write_text("v2\n")
    (tmp_path / "results/new.csv").write_text("new\n")
    assert git_commit() == head
    (tmp_path / "synthbench/new_module.py").write_text("new\n")  # not committed yet: the code is not HEAD's
    assert git_commit() == head + "-dirty"
    (tmp_path / "synthbench/new_module.py").unlink()
    assert git_commit() == head
    (tmp_path / "synthbench/pipeline.py").write_text("v2\n")
    assert git_commit() == head + "-dirty"
    git("checkout", "--", "synthbench")
    (tmp_path / "pyproject.toml").write_text("v2\n")
    assert git_commit() == head + "-dirty"
