"""GAN runs through the CLI as a user types them (tiny task): the per-class wrapper, the training
diagnostics record, not-applicable metrics, and a diverging run ending FAILED with its diagnosis."""

import json
from pathlib import Path

from synthbench.diagnostics import LABELS

from .conftest import TASKS, only_run, synthbench_cli


def _client(tracking_uri):
    import mlflow

    return mlflow.tracking.MlflowClient(tracking_uri)


def _artifacts(client, run_id, path=None):
    return {a.path for a in client.list_artifacts(run_id, path)}


def test_unconditional_generator_runs_once_per_class_with_diagnostics(tmp_path, tracking_uri):
    proc = synthbench_cli("run", "-g", "dcgan", "-t", "tiny-mnist", "--tasks-dir", str(TASKS), "--budget", "quick",
                          "--param", "width=8", "--tracking-uri", tracking_uri, "--no-system-metrics", cwd=tmp_path)
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
    # fixed-noise and interpolation grids, one per epoch (quick budget: 3), with their step
    images = {p.split("/")[-1] for p in _artifacts(client, run.info.run_id, "images")}
    for key in ("fixed_noise", "interpolation"):
        assert {s for s in (1, 2, 3) if any(f"training~{key}+step+{s}+" in n and n.endswith(".png") for n in images)} == {1, 2, 3}
    assert len(client.get_metric_history(run.info.run_id, "probe/fid")) >= 2
    assert len(client.get_metric_history(run.info.run_id, "train/d_real")) >= 3


def test_no_per_class_records_utility_as_not_applicable(tmp_path, tracking_uri):
    proc = synthbench_cli("run", "-g", "gan", "-t", "tiny-mnist", "--tasks-dir", str(TASKS), "--budget", "quick",
                          "--no-per-class", "--param", "hidden=16", "--param", "epochs=1", "--no-save-synthetic",
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


def test_non_gan_generator_says_why_there_is_no_diagnosis(tmp_path, tracking_uri):
    proc = synthbench_cli("run", "-g", "pca-gmm", "-t", "tiny-mnist", "--tasks-dir", str(TASKS), "--budget", "quick",
                          "--no-save-synthetic", "--tracking-uri", tracking_uri, "--no-system-metrics", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    t = only_run(tracking_uri).data.tags
    assert t["synthbench.diagnosis"] == "not_applicable" and "not trained adversarially" in t["synthbench.na.diagnosis"]


def test_divergence_stops_the_run_failed_with_its_diagnosis(tmp_path, tracking_uri):
    proc = synthbench_cli("run", "-g", "cgan", "-t", "tiny-mnist", "--tasks-dir", str(TASKS), "--budget", "quick",
                          "--param", "lr_g=1e12", "--param", "lr_d=1e12", "--param", "epochs=3",
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
