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
    assert m["utility/synthetic/accuracy"] > 0.3  # one generator epoch on 10k images: far from the target
    for k in ("fid", "kid", "precision", "recall"):
        assert f"fidelity/{k}" in m
    assert m["fidelity/fid"] > m["fidelity/reference/fid"]
    import mlflow

    client = mlflow.tracking.MlflowClient(tracking_uri)
    hist = client.get_metric_history(run.info.run_id, "train/d_loss")
    assert len(hist) == 1
    plots = {a.path for a in client.list_artifacts(run.info.run_id, "plots")}
    assert "plots/generator_losses.png" in plots


@pytest.mark.slow
def test_pca_gmm_floor_standard_budget(tmp_path, tracking_uri):
    proc = synthbench_cli("run", "--generator", "pca-gmm", "--task", "mnist", "--budget", "quick",
                          "--tracking-uri", tracking_uri, "--no-save-synthetic", cwd=tmp_path, timeout=1800)
    assert proc.returncode == 0, proc.stderr
    m = only_run(tracking_uri).data.metrics
    assert 0.5 < m["utility/synthetic/accuracy"] < m["utility/real/accuracy"]
