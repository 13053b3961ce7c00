"""The MLflow UI as users compare in it: ``synthbench ui`` serves the store, and the link synthbench prints opens the
runs table (MLflow 3.17 opens an experiment in its GenAI view otherwise) listing synthbench's runs, in headless
Chromium; the run link opens the run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from synthbench import keys, tracking


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
@pytest.mark.browser
def test_the_printed_link_opens_the_runs_table_with_synthbenchs_runs(tracking_uri, tmp_path, repo_root, browser, run_dict):
    import requests
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    ids = tracking.import_runs(tracking_uri, "synthbench", [
        run_dict("toy", g, 0, v, t=i) for i, (g, v) in enumerate((("cgan", 0.97), ("pca-gmm", 0.93)))])
    exp_id = tracking.load_runs(tracking_uri).experiment_id.iloc[0]
    port = _free_port()
    exe = Path(sys.executable).parent / "synthbench"
    server = subprocess.Popen([str(exe), "ui", "--tracking-uri", tracking_uri, "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        t0 = time.monotonic()
        while True:
            assert server.poll() is None, server.stderr.read()
            try:
                if requests.get(base + "/health", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                pass
            assert time.monotonic() - t0 < 120, "the UI did not answer within 120 s"
            time.sleep(0.25)
        up = time.monotonic() - t0
        import psutil

        started = [" ".join(c.cmdline()) for c in psutil.Process(server.pid).children(recursive=True)]
        assert not [c for c in started if "huey" in c or "_job_runner" in c], started  # MLflow's GenAI job runners
        driver = browser
        driver.get(tracking.ui_link(base, exp_id))
        wait = WebDriverWait(driver, 60)
        for name in ("cgan-0", "pca-gmm-0"):  # the runs' names, in the runs table
            wait.until(ec.presence_of_element_located((By.XPATH, f"//*[contains(text(), '{name}')]")))
        assert "workflowType=machine_learning" in driver.current_url
        artifacts = Path(os.environ.get("SYNTHBENCH_TEST_ARTIFACTS", repo_root / "test-artifacts"))
        artifacts.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(artifacts / "mlflow_runs_table.png"))
        driver.get(tracking.ui_link(base, exp_id, ids[0]))
        wait.until(ec.presence_of_element_located((By.XPATH, "//*[contains(text(), 'cgan-0')]")))
        wait.until(ec.presence_of_element_located((By.XPATH, f"//*[contains(text(), '{keys.TSTR_OVER_TRTR}')]")))
        print(f"synthbench ui answered after {up:.1f} s")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
