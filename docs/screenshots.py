"""The README's two screenshots, made in headless Chromium (Debian's chromium + chromium-driver, Selenium):
``docs/report.png`` - the report page of a store; ``docs/mlflow_compare.png`` - MLflow's UI comparing that
store's finished runs of one task (served by ``synthbench ui``, opened through synthbench's link).

Usage: python docs/screenshots.py --tracking-uri sqlite:///results/boards/mlflow.db --report results/leaderboard_images/index.html
                                  [--task mnist] [--sweep leaderboard-images] [--out docs]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path


def driver(width: int, height: int):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", f"--window-size={width},{height}"):
        opts.add_argument(arg)
    return webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=opts)


def main() -> None:
    import requests

    from synthbench import tracking

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tracking-uri", required=True)
    ap.add_argument("--report", required=True, help="the report's index.html")
    ap.add_argument("--task", default="mnist")
    ap.add_argument("--sweep", default=None, help="compare only this sweep's cells (its name, e.g. leaderboard-images)")
    ap.add_argument("--out", default="docs")
    ap.add_argument("--port", type=int, default=5099)
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    d = driver(1400, 1300)
    try:
        d.get(Path(args.report).resolve().as_uri())
        time.sleep(1)
        d.save_screenshot(str(out / "report.png"))
    finally:
        d.quit()

    runs = tracking.load_runs(args.tracking_uri, task=args.task, status="FINISHED", sweep=args.sweep)
    runs = runs[runs["sweep_role"].astype(str) != "parent"]
    ids = list(runs.run_id)
    exp = str(runs.experiment_id.iloc[0])
    server = subprocess.Popen([str(Path(sys.executable).parent / "synthbench"), "ui", "--tracking-uri", args.tracking_uri,
                               "--port", str(args.port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    base = f"http://127.0.0.1:{args.port}"
    try:
        while True:
            try:
                if requests.get(base + "/health", timeout=1).ok:
                    break
            except requests.RequestException:
                time.sleep(0.5)
        d = driver(1500, 1100)
        try:
            d.get(tracking.ui_link(base, exp))  # the runs table first, as a user arrives
            time.sleep(6)
            query = urllib.parse.urlencode({"runs": json.dumps(ids), "experiments": json.dumps([exp])})
            d.get(f"{base}/#/compare-runs?{query}&workflowType=machine_learning")
            time.sleep(10)
            from selenium.webdriver.common.by import By

            for button in d.find_elements(By.CSS_SELECTOR, "button[aria-label*='lose']"):  # the assistant's side panel
                try:
                    button.click()
                except Exception:  # noqa: BLE001 - a hidden or moved button: the screenshot is still useful
                    pass
            time.sleep(1)
            d.save_screenshot(str(out / "mlflow_compare.png"))
        finally:
            d.quit()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    print(f"{out / 'report.png'}, {out / 'mlflow_compare.png'} ({len(ids)} runs of {args.task})")


if __name__ == "__main__":
    main()
