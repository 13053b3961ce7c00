"""Heavier end-to-end tests (``--runslow``; CI runs them)."""

import pytest

from .conftest import only_run, synthbench_cli


@pytest.mark.slow
def test_flagship_quick_budget_through_the_cli(tmp_path, tracking_uri):
    """The README's flagship command at the quick budget: cgan on MNIST, every part of the record."""
    proc = synthbench_cli("run", "--generator", "cgan", "--task", "mnist", "--budget", "quick",
                          "--tracking-uri", tracking_uri, cwd=tmp_path, timeout=1800)
    assert proc.returncode == 0, proc.stderr
    run = only_run(tracking_uri)
    m = run.data.metrics
    assert run.info.status == "FINISHED"
    assert m["utility/real/accuracy"] > 0.95
    assert m["utility/synthetic/accuracy"] > 0.5  # three generator epochs on 10k images: far from the target
    for k in ("fid", "kid", "precision", "recall"):
        assert f"fidelity/{k}" in m
    assert m["fidelity/fid"] > m["fidelity/reference/fid"]
    import mlflow

    client = mlflow.tracking.MlflowClient(tracking_uri)
    hist = client.get_metric_history(run.info.run_id, "train/d_loss")
    assert len(hist) > 20  # one record every few generator steps
    assert run.data.tags["synthbench.diagnosis"] in ("healthy", "not_converged")
    assert len(client.get_metric_history(run.info.run_id, "probe/fid")) == 6
    plots = {a.path for a in client.list_artifacts(run.info.run_id, "plots")}
    assert "plots/generator_losses.png" in plots


@pytest.mark.slow
def test_pca_gmm_floor_standard_budget(tmp_path, tracking_uri):
    proc = synthbench_cli("run", "--generator", "pca-gmm", "--task", "mnist", "--budget", "quick",
                          "--tracking-uri", tracking_uri, "--no-save-synthetic", cwd=tmp_path, timeout=1800)
    assert proc.returncode == 0, proc.stderr
    m = only_run(tracking_uri).data.metrics
    assert 0.5 < m["utility/synthetic/accuracy"] < m["utility/real/accuracy"]


@pytest.mark.slow
def test_fashion_mnist_from_a_data_directory(tmp_path, tracking_uri):
    """Fashion-MNIST is not shipped: read (and verified) from --data-dir, with its own feature extractor."""
    from .conftest import ROOT

    data_dir = ROOT.parent / "shared" / "datasets"
    if not (data_dir / "fashion-mnist").is_dir():
        pytest.skip("../shared/datasets/fashion-mnist is not beside this checkout")
    proc = synthbench_cli("run", "--generator", "cgan", "--task", "fashion-mnist", "--budget", "quick", "--param", "epochs=1",
                          "--data-dir", str(data_dir), "--no-save-synthetic", "--tracking-uri", tracking_uri, cwd=tmp_path, timeout=1800)
    assert proc.returncode == 0, proc.stderr
    run = only_run(tracking_uri)
    m = run.data.metrics
    assert run.data.params["data.sha256.train-images-idx3-ubyte.gz"].startswith("3aede38d")
    assert 0.75 < m["utility/real/accuracy"] < 0.99 and m["fidelity/fid"] > m["fidelity/reference/fid"]


@pytest.mark.slow
def test_diagnosis_validation_subset(tmp_path):
    """A CI-sized slice of benchmarks/diagnosis_validation.py: one seed of a healthy configuration (no failure
    alarm) and of two broken ones (the right diagnosis); the full table is in results/."""
    import json
    import subprocess
    import sys

    from .conftest import ROOT

    out = tmp_path / "dv"
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "diagnosis_validation.py"), "--seeds", "1",
                           "--configs", "healthy-cgan,d-steps-10,class-dropped", "--out", str(out)],
                          capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stderr
    runs = json.loads(out.with_suffix(".json").read_text())["runs"]
    labels = {r["config"]: r["label"] for r in runs}
    assert labels["healthy-cgan"] in ("healthy", "not_converged")  # no failure alarm on a healthy configuration
    assert labels["d-steps-10"] == "discriminator_wins" and labels["class-dropped"] == "mode_collapse"
