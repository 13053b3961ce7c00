"""The HTML report in a real browser: headless Chromium (Debian's ``chromium`` and ``chromium-driver`` packages,
driven by Selenium) opens the page from ``file://`` with the network off; no console errors, every table and every
figure present and visible, the tables sort, and a screenshot is kept as a test artifact
(``$SYNTHBENCH_TEST_ARTIFACTS``, default ``test-artifacts/``). Skipped where Chromium is not installed, except in
CI (``CI=true``), which installs it as the README says."""

from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path

import pytest

from synthbench import api, keys, tracking


def _grid_png() -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    buf = io.BytesIO()
    plt.imsave(buf, np.random.default_rng(0).integers(0, 255, (60, 60)).astype("uint8"), cmap="gray", format="png")
    return buf.getvalue()


@pytest.fixture
def full_store(tracking_uri, known_tstr, run_dict):
    """An image board with every figure's input (fidelity, cost, per-class accuracy, sample grids, training curves)
    and a table board with fairness metrics."""
    runs, t = [], 0
    for generator, values in known_tstr.items():
        for seed, v in enumerate(values):
            t += 1000
            per_class = {keys.per_class("synthetic", k): min(1.0, v + 0.01 * (k - 5)) for k in range(10)}
            r = run_dict("toy", generator, seed, v, fid=10.0 + seed, extra=per_class, t=t)
            if generator in ("cgan", "acgan"):
                r["tags"][keys.TAG_DIAGNOSIS] = "healthy"
                r["curves"] = {keys.probe("fid"): [(100, 300.0), (200, 80.0), (300, 40.0 + seed)],
                               keys.probe("reference_fid"): [(300, 5.0)]}
            runs.append(r)
    for generator, base in (("marginals", 0.60), ("ctgan", 0.65)):
        for seed in range(3):
            fair = {keys.fairness("synthetic", "sex", "demographic_parity_difference"): base / 5,
                    keys.fairness("real", "sex", "demographic_parity_difference"): 0.18,
                    keys.data_fairness("sex", "synthetic"): base / 4, keys.data_fairness("sex", "real"): 0.19,
                    keys.fidelity("quality"): base + 0.2}
            runs.append(run_dict("toy-table", generator, seed, base + 0.01 * seed, extra=fair, t=t + 1000 * (seed + 1)))
    ids = tracking.import_runs(tracking_uri, "synthbench", runs)
    rates = {"columns": ["column", "data", "group", "positive_rate", "rows"],
             "data": [["sex", d, g, rate, 100] for d, g, rate in (("real", "Female", 0.11), ("real", "Male", 0.31),
                                                                  ("synthetic", "Female", 0.15), ("synthetic", "Male", 0.27))]}
    for run_id, r in zip(ids, runs):
        if r["tags"][keys.TAG_TASK] == "toy" and r["tags"][keys.TAG_SEED] == "0":
            tracking.log_figures(tracking_uri, run_id, {keys.SAMPLE_GRID: _grid_png()})
        if r["tags"][keys.TAG_TASK] == "toy-table" and r["tags"][keys.TAG_SEED] == "0":  # as MLflow's log_table writes it
            tracking.log_figures(tracking_uri, run_id, {keys.FAIRNESS_DATA_TABLE: json.dumps(rates).encode()})
    return tracking_uri


@pytest.mark.browser
def test_the_page_in_a_real_browser_offline(full_store, tmp_path, repo_root, browser):
    from selenium.webdriver.common.by import By

    result, _ = api.report(tmp_path / "out", tracking_uri=full_store)
    page = tmp_path / "out" / "index.html"
    text = page.read_text()
    # self-contained: nothing for the browser to fetch (the MLflow links are plain links, not loaded)
    assert not re.search(r"""<(script|img|link|iframe)[^>]+(src|href)=["']https?:""", text)
    expected_figures = {("toy v1", n) for n in ("utility_vs_fidelity", "utility_vs_cost", "per_class", "samples", "training")}
    expected_figures |= {("toy-table v1", n) for n in ("utility_vs_fidelity", "utility_vs_cost", "fairness", "fairness_groups")}
    drawn = {(b.name, n) for b in result.boards for n in _figure_names(tmp_path / "out", b)}
    assert drawn == expected_figures

    driver = browser
    driver.set_network_conditions(offline=True, latency=0, download_throughput=0, upload_throughput=0)
    driver.get(page.as_uri())
    severe = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert severe == [], severe
    tables = driver.find_elements(By.CSS_SELECTOR, "table.sortable")
    # toy: utility, fidelity, cost; toy-table: utility, fidelity, fairness, cost
    assert len(tables) == 7 and all(t.is_displayed() for t in tables)
    images = driver.find_elements(By.CSS_SELECTOR, "figure img")
    assert len(images) == len(expected_figures)
    for img in images:
        driver.execute_script("arguments[0].scrollIntoView();", img)
        assert img.is_displayed()
        assert driver.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 100;", img), \
            img.get_attribute("alt")
    # sorting: the first utility table by its 'synthetic accuracy' column, ascending then descending
    table = tables[0]
    header = next(th for th in table.find_elements(By.TAG_NAME, "th") if th.text.startswith("synthetic accuracy"))
    header.click()
    first = [tr.find_elements(By.TAG_NAME, "td")[0].text for tr in table.find_elements(By.CSS_SELECTOR, "tbody tr")]
    assert first[0] == "pca-gmm" and first[-1] == "real"
    header.click()
    first = [tr.find_elements(By.TAG_NAME, "td")[0].text for tr in table.find_elements(By.CSS_SELECTOR, "tbody tr")]
    assert first[0] == "real" and first[-1] == "pca-gmm"
    artifacts = Path(os.environ.get("SYNTHBENCH_TEST_ARTIFACTS", repo_root / "test-artifacts"))
    artifacts.mkdir(parents=True, exist_ok=True)
    driver.execute_script("window.scrollTo(0, 0);")
    assert driver.save_screenshot(str(artifacts / "report_page.png"))
    late = driver.get_log("browser")  # what sorting and scrolling logged (get_log hands each entry once)
    assert all(e["level"] != "SEVERE" for e in late), late


def _figure_names(out: Path, board) -> set:
    from synthbench.report_render import slug

    prefix = slug(board.key) + "-"
    return {p.stem[len(prefix):] for p in (out / "figures").glob(prefix + "*.png")}
