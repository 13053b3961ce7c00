"""synthbench report: a store of known runs (metrics chosen by hand) and the figures it must give, computed here
independently of synthbench.stats (Student's t with 2 degrees of freedom has a closed form); edge cases (empty
store, only failed runs, missing metrics, two task versions); the command as a user runs it."""

from __future__ import annotations

import csv
import math

import pytest

from synthbench import api, keys, report, tracking
from synthbench.stats import holm

T975_DF2 = 4.302652729911275  # Student's t, 97.5% quantile, 2 degrees of freedom (tables)


def t_p_df2(t: float) -> float:
    """Two-sided p-value of Student's t with 2 degrees of freedom: its CDF is 1/2 + t / (2 sqrt(2 + t^2))."""
    return 1 - abs(t) / math.sqrt(2 + t * t)


def paired(a, b):
    d = [x - y for x, y in zip(a, b)]
    mean = sum(d) / 3
    sd = math.sqrt(sum((x - mean) ** 2 for x in d) / 2)
    return mean, T975_DF2 * sd / math.sqrt(3), t_p_df2(mean / (sd / math.sqrt(3)))


def mean_half(values):
    mean = sum(values) / 3
    sd = math.sqrt(sum((x - mean) ** 2 for x in values) / 2)
    return mean, T975_DF2 * sd / math.sqrt(3)


@pytest.fixture
def known_store(tracking_uri, known_tstr, run_dict):
    runs = []
    t = 0
    for generator, values in known_tstr.items():
        for seed, v in enumerate(values):
            t += 1000
            fid = None if (generator == "acgan" and seed == 2) else 10.0 + seed  # acgan seed 2: no FID recorded
            runs.append(run_dict("toy", generator, seed, v, fid=fid, t=t))
    runs.append(run_dict("toy", "wgan-gp", 0, 0.80, fid=50.0, t=t + 1000))
    runs.append(run_dict("toy", "wgan-gp", 1, None, status="FAILED", error="ValueError: boom\ntraceback", t=t + 2000))
    # cgan seed 0 ran twice: the later run failed; the finished one counts
    runs.append(run_dict("toy", "cgan", 0, None, status="FAILED", error="killed by timeout", t=t + 3000))
    # another task version: its own board, never averaged with version 1
    runs.append(run_dict("toy", "cgan", 0, 0.50, version=2, fid=80.0, t=t + 4000))
    # a sweep's parent run is not a result
    runs.append({"tags": {keys.TAG_SWEEP: "s", keys.TAG_SWEEP_ROLE: "parent"}, "params": {}, "metrics": {keys.SWEEP_CELLS: 9.0}})
    tracking.import_runs(tracking_uri, "synthbench", runs)
    return tracking_uri


def _rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_known_runs_give_the_figures_computed_by_hand(known_store, tmp_path, known_tstr):
    result, paths = api.report(tmp_path / "out", tracking_uri=known_store, figures=False)
    assert result.runs == 16  # the sweep parent is not counted
    assert [b.name for b in result.boards] == ["toy v1", "toy v2"]
    board = result.boards[0]
    assert board.headline == "accuracy" and board.floor == "pca-gmm" and board.best == "cgan"
    rows = {r.label: r for r in board.rows}
    assert [r.label for r in board.rows] == ["real", "cgan", "acgan", "pca-gmm", "wgan-gp"]  # by mean TSTR
    tstr = keys.utility("synthetic", "accuracy")
    for gen, values in known_tstr.items():
        mean, half = mean_half(values)
        assert rows[gen].summaries[tstr].mean == pytest.approx(mean, abs=1e-12)
        assert rows[gen].summaries[tstr].half == pytest.approx(half, rel=1e-9)
        assert rows[gen].summaries[tstr].n == 3
    # the failed rerun of cgan seed 0 does not replace its finished run
    assert rows["cgan"].count("FAILED") == 0 and rows["cgan"].finished == [0, 1, 2]
    # a missing metric is left out, not zero
    assert rows["acgan"].summaries[keys.FID].n == 2 and rows["acgan"].summaries[keys.FID].mean == pytest.approx(10.5)
    assert rows["acgan"].summaries[keys.FID].reference == pytest.approx(5.0)
    # one finished seed: a mean, no interval, no test
    w = rows["wgan-gp"]
    assert w.summaries[tstr].half is None and w.count("FAILED") == 1 and w.problems == ["seed 1 failed: ValueError: boom"]
    assert w.vs_floor.p is None and "too few seeds (1 shared" in w.vs_floor.verdict

    # vs floor: cgan, acgan, real (paired t over seeds 0-2), Holm over the three
    floor = {g: paired(known_tstr[g], known_tstr["pca-gmm"]) for g in ("cgan", "acgan", "real")}
    for g, (diff, half, p) in floor.items():
        c = rows[g].vs_floor
        assert c.diff == pytest.approx(diff, abs=1e-12) and c.p == pytest.approx(p, rel=1e-9)
        assert (c.low, c.high) == (pytest.approx(diff - half, rel=1e-9), pytest.approx(diff + half, rel=1e-9))
    ps = sorted((floor[g][2], g) for g in floor)
    holm = {ps[0][1]: 3 * ps[0][0]}
    holm[ps[1][1]] = max(holm[ps[0][1]], 2 * ps[1][0])
    holm[ps[2][1]] = min(1.0, max(holm[ps[1][1]], ps[2][0]))
    for g in floor:
        assert rows[g].vs_floor.p_adjusted == pytest.approx(holm[g], rel=1e-9)
        expected = "tie" if holm[g] >= 0.05 else ("better" if floor[g][0] > 0 else "worse")
        assert rows[g].vs_floor.verdict == expected
    assert rows["cgan"].vs_floor.verdict == "better"  # t = 19.05 on 2 df: p 0.0027, Holm 0.0082
    assert rows["acgan"].vs_floor.verdict == "tie"
    assert rows["pca-gmm"].vs_floor.verdict == "itself"

    # vs best (cgan): pca-gmm, acgan, real
    best = {g: paired(known_tstr[g], known_tstr["cgan"]) for g in ("pca-gmm", "acgan", "real")}
    for g, (diff, half, p) in best.items():
        assert rows[g].vs_best.p == pytest.approx(p, rel=1e-9) and rows[g].vs_best.diff == pytest.approx(diff, abs=1e-12)
    assert rows["acgan"].vs_best.verdict == "tie"  # within noise of the best: a tie, not a rank
    assert rows["pca-gmm"].vs_best.verdict == "worse"

    # the CSV holds the same numbers
    lb = {(r["row"], r["metric"]): r for r in _rows(tmp_path / "out" / "leaderboard.csv")}
    mean, half = mean_half(known_tstr["acgan"])
    assert float(lb[("acgan", tstr)]["mean"]) == pytest.approx(mean) and float(lb[("acgan", tstr)]["ci_half_width"]) == pytest.approx(half)
    assert lb[("wgan-gp", tstr)]["failed"] == "1" and lb[("wgan-gp", tstr)]["ci_half_width"] == ""
    comps = {(r["row"], r["against"]): r for r in _rows(tmp_path / "out" / "comparisons.csv") if r["task_version"] == "1"}
    assert float(comps[("cgan", "floor")]["p"]) == pytest.approx(floor["cgan"][2], rel=1e-9)
    assert comps[("acgan", "best")]["verdict"] == "tie"
    # version 2 stands alone
    v2 = result.boards[1]
    assert [r.label for r in v2.rows] == ["cgan"] and v2.rows[0].summaries[tstr].mean == 0.5
    md = (tmp_path / "out" / "report.md").read_text()
    assert "## toy v1" in md and "## toy v2" in md and "wgan-gp: seed 1 failed: ValueError: boom" in md
    assert {p.name for p in paths} >= {"report.md", "leaderboard.csv", "comparisons.csv", "index.html"}


def test_an_empty_store_gives_a_report_that_says_so(tracking_uri, tmp_path):
    tracking.setup(tracking_uri, "synthbench")
    result, _ = api.report(tmp_path / "out", tracking_uri=tracking_uri)
    assert result.boards == []
    assert "No runs to report" in (tmp_path / "out" / "report.md").read_text()
    assert "No runs to report" in (tmp_path / "out" / "index.html").read_text()


def test_only_failed_runs_are_counted_not_dropped(tracking_uri, tmp_path, run_dict):
    tracking.import_runs(tracking_uri, "synthbench", [
        run_dict("toy", "cgan", s, None, status="FAILED", error="MemoryError", t=s) for s in range(3)])
    result, _ = api.report(tmp_path / "out", tracking_uri=tracking_uri)
    (board,) = result.boards
    (row,) = board.rows
    assert row.count("FAILED") == 3 and row.finished == [] and row.summaries == {} and board.best is None
    md = (tmp_path / "out" / "report.md").read_text()
    assert "0 finished, 3 failed" in md and "seed 2 failed: MemoryError" in md


def test_a_sweep_cell_killed_before_it_recorded_and_then_finished_counts_once(tracking_uri, tmp_path, run_dict):
    """A cell stopped before its run logged a configuration leaves a record with the sweep's tags only; once the
    same cell has finished, that record is the finished run's earlier attempt, not a board or a row of its own."""
    runs = [run_dict("toy", "cgan", s, 0.9 + s / 100, t=10 + s) for s in range(3)]
    for r in runs:
        r["tags"][keys.TAG_CELL] = f"cell-{r['tags'][keys.TAG_SEED]}"
    dead = {"tags": {keys.TAG_TASK: "toy", keys.TAG_GENERATOR: "cgan", keys.TAG_SEED: "0", keys.TAG_CELL: "cell-0",
                     keys.TAG_STATUS: "killed", keys.TAG_ERROR: "the sweep was stopped", keys.TAG_INTERRUPTED: "true"},
            "params": {}, "metrics": {}, "status": "KILLED", "start_time": 1_700_000_000_000}
    never_finished = {**dead, "tags": {**dead["tags"], keys.TAG_CELL: "cell-9", keys.TAG_SEED: "9"}}
    tracking.import_runs(tracking_uri, "synthbench", [dead, never_finished, *runs])
    result, _ = api.report(tmp_path / "out", tracking_uri=tracking_uri)
    rows = [(b.task, b.version, row.generator, row.count("FINISHED"), row.count("KILLED"))
            for b in result.boards for row in b.rows]
    # the superseded attempt is gone; the cell that never finished is still shown, killed
    assert sorted(rows, key=str) == [("toy", 1, "cgan", 3, 0), ("toy", None, "cgan", 0, 1)]


def test_a_row_whose_first_seed_kept_no_sample_grid_is_drawn_from_its_next_seed(tracking_uri, tmp_path, run_dict,
                                                                                 monkeypatch):
    """A store's artifacts can be missing for some of its runs (a sweep resumed on another machine keeps only the
    store): the samples figure then shows the grid of the row's first seed that has one, not no grid at all."""
    import mlflow

    per_class = {keys.per_class("synthetic", k): 0.9 for k in ("0", "1")}
    runs = [run_dict("toy", g, s, 0.9 + s / 100, extra=per_class, t=10 * i + s)
            for i, g in enumerate(("cgan", "wgan-gp")) for s in range(3)]
    ids = dict(zip([(r["tags"][keys.TAG_GENERATOR], int(r["tags"][keys.TAG_SEED])) for r in runs],
                   tracking.import_runs(tracking_uri, "synthbench", runs)))
    client = mlflow.MlflowClient(tracking_uri)
    for seed in (1, 2):  # cgan's seed 0 kept no grid; wgan-gp kept none at all
        grid = tmp_path / f"seed{seed}" / "per_class_grid.png"
        grid.parent.mkdir()
        grid.write_bytes(f"grid of seed {seed}".encode())
        client.log_artifact(ids[("cgan", seed)], str(grid), artifact_path="samples")
    drawn = {}
    monkeypatch.setattr("synthbench.report_figures.board_figures",
                        lambda board, images, histories, tables: drawn.update(images) or [])
    api.report(tmp_path / "out", tracking_uri=tracking_uri)
    assert drawn == {"cgan": b"grid of seed 1"}


def test_hyperparameter_values_are_rows_apart(tracking_uri, run_dict):
    runs = []
    for lr in ("0.001", "0.002"):
        for s in range(2):
            r = run_dict("toy", "cgan", s, 0.9 if lr == "0.001" else 0.8, t=s)
            r["params"]["generator.lr_g"] = lr
            runs.append(r)
    tracking.import_runs(tracking_uri, "synthbench", runs)
    (board,) = report.build(tracking.load_runs(tracking_uri)).boards
    assert sorted(r.label for r in board.rows) == ["cgan lr_g=0.001", "cgan lr_g=0.002"]
    assert all(len(r.finished) == 2 for r in board.rows)


def test_the_date_filter_and_the_command(known_store, tmp_path, cli):
    out = tmp_path / "cli"
    proc = cli("report", "--tracking-uri", known_store, "--out", str(out), "--tasks", "toy", "--until", "2023-11-14T22:13:24")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "runs -> toy v1" in proc.stderr and (out / "index.html").is_file()
    rows = _rows(out / "leaderboard.csv")
    assert {r["row"] for r in rows} == {"pca-gmm"}  # only the first three runs started before that time
    bad = cli("report", "--tracking-uri", known_store, "--since", "yesterday")
    assert bad.returncode != 0 and "error: date 'yesterday' is not an ISO date" in bad.stderr
    bad = cli("report", "--tracking-uri", known_store, "--status", "finished,DONE")
    assert bad.returncode != 0 and "error: --status DONE is not a run status" in bad.stderr
    missing = cli("report", "--tracking-uri", f"sqlite:///{tmp_path}/nothing/mlflow.db")
    assert missing.returncode != 0 and "error: no MLflow store at" in missing.stderr


def test_compare_shows_what_differs(known_store, cli):
    frame = tracking.load_runs(known_store)
    a = frame[(frame.generator == "cgan") & (frame.seed == 1)].run_id.iloc[0]
    b = frame[(frame.generator == "acgan") & (frame.seed == 1)].run_id.iloc[0]
    proc = cli("compare", a, b, "--tracking-uri", known_store)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "generator.name" in out and "cgan" in out and "acgan" in out
    line = next(x for x in out.splitlines() if "utility/synthetic/accuracy" in x)
    assert "0.9750" in line and "0.9000" in line and "-0.0750" in line
    missing = cli("compare", a, "nonexistent", "--tracking-uri", known_store)
    assert missing.returncode != 0 and "error: no run nonexistent in" in missing.stderr


def test_the_pareto_front_keeps_what_no_other_row_beats():
    from synthbench.report_figures import pareto_front

    pts = [("cheap-bad", 10, 0, 0.80, 0), ("mid", 100, 0, 0.95, 0), ("dear-worse", 200, 0, 0.90, 0), ("dear-best", 400, 0, 0.97, 0),
           ("cheap-worse", 10, 0, 0.70, 0)]
    assert [p[0] for p in pareto_front(pts)] == ["cheap-bad", "mid", "dear-best"]
    # lower is better (e.g. RMSE): the cheapest row with the lowest error
    assert [p[0] for p in pareto_front(pts, lower_utility=True)] == ["cheap-worse"]


def frame(rows: list[dict]):
    """A ``load_runs``-shaped frame from short dicts (no store: the pure part of the report)."""
    import pandas as pd

    out = []
    for i, r in enumerate(rows):
        base = {"run_id": f"{i:032x}", "status": "FINISHED", "start_time": pd.Timestamp(1_700_000_000 + i, unit="s"),
                "task": "toy", "generator": "cgan", "budget": "standard", "seed": 0, "task_version": 1,
                "conditioning": "native", "params.data.sha256.f": "abc", "params.task.modality": "image"}
        tstr = r.pop("tstr", None)
        if tstr is not None:
            base |= {keys.utility("synthetic", "accuracy"): tstr, keys.utility("real", "accuracy"): 0.99,
                     keys.TSTR_OVER_TRTR: tstr / 0.99}
        out.append(base | r)
    return pd.DataFrame(out)


def test_rows_and_boards_keep_apart_what_is_not_the_same_and_together_what_is():
    runs = [{"generator": "pca-gmm", "seed": s, "tstr": 0.90 + 0.01 * s} for s in range(3)]
    runs += [{"generator": "gan", "seed": s, "conditioning": c, "tstr": t + 0.001 * s}
             for s in range(3) for c, t in (("per-class", 0.93), ("none", 0.10))]
    # failed before its data was read: no checksums, still this board's failure
    runs.append({"generator": "gan", "seed": 3, "conditioning": "per-class", "status": "FAILED", "params.data.sha256.f": None,
                 "error": "ValueError: bad data"})
    (board,) = report.build(frame(runs)).boards
    rows = {r.label: r for r in board.rows}
    assert set(rows) == {"pca-gmm", "gan conditioning=per-class", "gan conditioning=none"}
    assert rows["gan conditioning=per-class"].count("FAILED") == 1 and len(rows["gan conditioning=per-class"].finished) == 3


def test_a_setting_added_later_at_its_neutral_value_is_the_same_row():
    # runs recorded before the CNN had rows_per_epoch lack the parameter; today's runs log it at 0 ("as before")
    runs = [{"generator": "cgan", "seed": s, "tstr": 0.95, "params.downstream.rows_per_epoch": v}
            for s, v in ((0, None), (1, "0"), (2, "0"))]
    runs += [{"generator": "cgan", "seed": 0, "tstr": 0.90, "params.downstream.rows_per_epoch": "600"}]
    (board,) = report.build(frame(runs)).boards
    assert sorted(r.label for r in board.rows) == ["cgan rows_per_epoch=-", "cgan rows_per_epoch=600"]
    assert len(next(r for r in board.rows if r.label == "cgan rows_per_epoch=-").finished) == 3


def test_the_labels_a_board_shows_other_than_healthy_are_explained_beside_it():
    from synthbench import report_render
    from synthbench.diagnostics import LABELS, MEANINGS

    assert set(MEANINGS) == set(LABELS)
    runs = [{"generator": "dcgan", "seed": s, "tstr": 0.94, "diagnosis": "not_converged"} for s in range(3)]
    runs += [{"generator": "cgan", "seed": s, "tstr": 0.97, "diagnosis": "healthy"} for s in range(3)]
    result = report.build(frame(runs))
    md, page = report_render.markdown(result), report_render.html(result, {})
    assert "- not\\_converged (dcgan x3): training stopped while quality was still improving" in md
    assert "train longer" in md and "healthy (" not in md
    assert "not_converged (dcgan x3): training stopped while quality was still improving" in page


def test_one_lucky_seed_is_not_the_best_and_the_floor_is_its_strongest_row():
    runs = [{"generator": "cgan", "seed": s, "tstr": 0.95 + 0.001 * s} for s in range(3)]
    runs += [{"generator": "acgan", "seed": 0, "tstr": 0.99}]
    runs += [{"generator": "pca-gmm", "budget": b, "seed": s, "tstr": t + 0.001 * s}
             for s in range(3) for b, t in (("quick", 0.80), ("standard", 0.93))]
    (board,) = report.build(frame(runs)).boards
    assert board.best.startswith("cgan") and board.floor == "pca-gmm (standard)"


def test_runs_without_a_seed_tag_are_counted_not_paired():
    runs = [{"generator": "cgan", "seed": None, "tstr": 0.9}, {"generator": "cgan", "seed": None, "tstr": 0.8},
            {"generator": "cgan", "seed": 1, "tstr": 0.85}]
    (board,) = report.build(frame(runs)).boards
    (row,) = board.rows
    assert len(row.finished) == 3 and row.summaries[board.tstr].n == 3


def test_names_that_look_like_markup_are_text(tmp_path):
    from synthbench import report_figures, report_render

    runs = [{"generator": g, "seed": s, "tstr": t + 0.01 * s, keys.FID: 10.0 + s, keys.TOTAL_SECONDS: 50.0 + s}
            for s in range(3) for g, t in (("my$gen$", 0.9), ("<b>x</b>", 0.8))]
    runs += [{"generator": "lost", "seed": s, "status": "FAILED"} for s in range(2)]
    result = report.build(frame(runs))
    figures = {b.key: report_figures.board_figures(b) for b in result.boards}
    assert {n for n, _, _ in figures["toy v1"]} == {"utility_vs_fidelity", "utility_vs_cost"}
    page = report_render.html(result, figures)
    assert "<b>x</b>" not in page and "&lt;b&gt;x&lt;/b&gt;" in page
    md = report_render.markdown(result)
    assert "my\\$gen\\$" in md or "my$gen$" in md
    # a row whose runs all failed is in the page's utility table, with its count
    assert "0 finished, 2 failed" in page


def test_the_scarce_data_curve_is_the_gain_over_real_within_each_run(tmp_path):
    """Rows of one generator at three sizes (N=100, 1000 and the whole split, whose runs name no train_size): the
    curve's points are the per-seed gains of augmented_1x over real in the same run, mean, CI and the paired t-test
    computed here."""
    from synthbench import report_figures, report_render

    real = {100: [0.70, 0.72, 0.74], 1000: [0.90, 0.91, 0.92], None: [0.99, 0.99, 0.99]}
    aug = {100: [0.75, 0.78, 0.80], 1000: [0.905, 0.92, 0.921], None: [0.985, 0.99, 0.992]}
    runs = []
    for n in real:
        for s in range(3):
            r = {"generator": "cgan", "seed": s, "tstr": 0.5, keys.utility("real", "accuracy"): real[n][s],
                 keys.utility("augmented_1x", "accuracy"): aug[n][s], "params.data.size.train": str(n or 55000)}
            if n:
                r["params.train_size"] = str(n)
            runs.append(r)
    result = report.build(frame(runs))
    assert [b.name for b in result.boards] == ["toy v1 N=100", "toy v1 N=1000", "toy v1"]  # sizes are boards apart
    board = result.boards[-1]  # the curves go with the task's own size
    assert not result.boards[0].curves
    (curve,) = [c for c in board.curves if c.regime == "augmented_1x"]
    assert [p.n for p in curve.points] == [100, 1000, 55000]
    for p, n in zip(curve.points, real):
        gains = [a - b for a, b in zip(aug[n], real[n])]
        mean, half = mean_half(gains)
        sd = math.sqrt(sum((g - mean) ** 2 for g in gains) / 2)
        assert p.gain.mean == pytest.approx(mean) and p.gain.half == pytest.approx(half)
        assert p.p == pytest.approx(t_p_df2(mean / (sd / math.sqrt(3))), rel=1e-9)
    # verdicts read the p-values Holm-adjusted over the curve's three sizes
    assert [p.p_holm for p in curve.points] == pytest.approx(holm([p.p for p in curve.points]), rel=1e-12)  # test_stats
    assert curve.points[0].p_holm > curve.points[0].p
    assert curve.points[0].verdict == "helps" and curve.points[2].verdict == "tie"
    # a lower-is-better headline: the gain is signed so that positive helps
    flipped = report.curves([r for b in result.boards for r in b.rows], "accuracy", lower_is_better=True)
    assert [p.gain.mean for p in flipped[0].points] == pytest.approx([-p.gain.mean for p in curve.points])
    names = {n for n, _, _ in report_figures.board_figures(board)}
    assert "scarce_data" in names
    report_render.write(result, tmp_path / "out", {})
    rows = _rows(tmp_path / "out" / "curves.csv")
    assert {(r["regime"], r["n"]) for r in rows} >= {("augmented_1x", "100"), ("synthetic", "55000")}
    first = next(r for r in rows if (r["regime"], r["n"]) == ("augmented_1x", "100"))
    assert float(first["p_holm"]) == pytest.approx(curve.points[0].p_holm) and first["verdict"] == "helps"
    assert "Scarce data: gain over the real rows alone" in (tmp_path / "out" / "index.html").read_text()
    # the boards' CSV rows say which N they are (empty: the whole split), so a reader can tell the sizes apart
    sizes = {r["train_size"] for r in _rows(tmp_path / "out" / "leaderboard.csv")}
    assert sizes == {"100", "1000", ""}
    assert {r["train_size"] for r in _rows(tmp_path / "out" / "comparisons.csv")} <= sizes


def test_log_axes_are_labelled_in_plain_numbers(monkeypatch):
    """Names are drawn as text (parse_math off), so a log axis's default TeX labels ($10^{3}$) would print raw: the
    curve's x ticks are the Ns measured, other log axes plain numbers."""
    from synthbench import report_figures

    runs = [{"generator": g, "seed": s, "tstr": 0.5 + s / 100, keys.utility("augmented_1x", "accuracy"): 0.91,
             "params.data.size.train": str(n or 5000), keys.TOTAL_SECONDS: 30.0 * (1 + i) ** 3,
             **({"params.train_size": "300"} if n else {})}
            for i, g in enumerate(["cgan", "pca-gmm"]) for s in range(3) for n in (300, 0)]
    board = report.build(frame(runs)).boards[-1]
    drawn = []  # per figure drawn, per axes: its tick labels as the PNG would show them

    def labels(fig) -> bytes:
        fig.canvas.draw()
        drawn.append([[t.get_text() for t in ax.get_xticklabels(which="both") + ax.get_yticklabels(which="both")]
                      for ax in fig.axes])
        return b""

    monkeypatch.setattr(report_figures, "png", labels)
    names = [n for n, _, _ in report_figures.board_figures(board)]
    assert {"scarce_data", "utility_vs_cost"} <= set(names)
    figures = dict(zip(names, drawn))
    assert all(t and not any("$" in x for x in t) for fig in figures.values() for t in fig), figures
    assert figures["scarce_data"][0][:2] == ["300", "5,000"]
    assert any(x in ("100", "1000") for x in figures["utility_vs_cost"][0]), figures["utility_vs_cost"]


@pytest.mark.slow
def test_a_scarce_data_sweep_reports_its_curve(tmp_path, tasks_dir, tracking_uri, cli, repo_root):
    """The whole path as a user runs it: a sweep over two training sizes with augmentation, each seed its own subset,
    then the report's curve for the generator and the control."""
    sweep = tmp_path / "scarce-tiny.toml"
    sweep.write_text('tasks = ["tiny-mnist"]\ngenerators = ["pca-gmm", "classic-augment"]\nseeds = [0, 1, 2]\n'
                     'budgets = ["quick"]\ntrain_sizes = [50, 0]\naugment = [1]\nresplit = true\n')
    env = {"SYNTHBENCH_DATA_DIR": str(repo_root.parent / "shared" / "datasets")}
    out = cli("sweep", str(sweep), "--workers", "2", "--tasks-dir", str(tasks_dir), "--tracking-uri", tracking_uri,
              env=env, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    runs = tracking.load_runs(tracking_uri, sweep="scarce-tiny", status="FINISHED")
    cells = runs[runs["cell"].notna()]
    assert len(cells) == 12
    sizes = cells.groupby("params.data.size.train").size().to_dict()
    assert sizes == {"50": 6, "600": 6}
    # resplit: each seed's subset of 50 is its own (the real regime scores differ between seeds)
    small = cells[cells["params.data.size.train"] == "50"]
    assert small.groupby("generator")[keys.utility("real", "accuracy")].nunique().min() > 1
    # the runs' names in the MLflow UI tell the sizes apart
    assert sorted(small["run_name"]) == sorted(f"{g}-tiny-mnist-quick-n50-s{s}" for g in ("pca-gmm", "classic-augment")
                                               for s in range(3))
    assert not any("-n" in n for n in cells[cells["params.data.size.train"] == "600"]["run_name"])
    rep = cli("report", "--sweep", str(sweep), "--tracking-uri", tracking_uri, "--out", str(tmp_path / "rep"), cwd=tmp_path)
    assert rep.returncode == 0, rep.stderr
    curves = _rows(tmp_path / "rep" / "curves.csv")
    got = {(r["generator"], r["regime"], r["n"]) for r in curves}
    assert {(g, "augmented_1x", n) for g in ("pca-gmm", "classic-augment") for n in ("50", "600")} <= got
    assert all(r["seeds"] == "3" for r in curves)
    assert list((tmp_path / "rep" / "figures").glob("*scarce_data.png"))
    # the figures are logged to the sweep's parent run too, under report/<board>/
    import mlflow

    parent = tracking.load_runs(tracking_uri, sweep="scarce-tiny")
    parent = parent[parent["sweep_role"] == "parent"]
    assert len(parent) == 1
    client = mlflow.tracking.MlflowClient(tracking_uri)
    boards = client.list_artifacts(parent.iloc[0]["run_id"], "report")
    logged = [f.path for b in boards for f in client.list_artifacts(parent.iloc[0]["run_id"], b.path)]
    assert logged and all(p.endswith(".png") for p in logged) and any("scarce_data" in p for p in logged), logged


@pytest.mark.slow
def test_one_report_of_two_sweeps_shows_their_budgets_side_by_side(tmp_path, tasks_dir, tracking_uri, cli, repo_root):
    """A generator's row at a longer budget (its own sweep file) beside its standard one: ``--sweep a.toml,b`` reads
    both sweeps into one board, a row per budget, and logs the figures to both parents."""
    env = {"SYNTHBENCH_DATA_DIR": str(repo_root.parent / "shared" / "datasets")}
    for name, budget in (("short", "quick"), ("long", "standard")):
        (tmp_path / f"{name}.toml").write_text(f'tasks = ["tiny-mnist"]\ngenerators = ["pca-gmm"]\nseeds = [0, 1]\n'
                                               f'budgets = ["{budget}"]\n')
        out = cli("sweep", f"{name}.toml", "--tasks-dir", str(tasks_dir), "--tracking-uri", tracking_uri, env=env,
                  cwd=tmp_path)
        assert out.returncode == 0, out.stderr
    rep = cli("report", "--sweep", "short.toml,long", "--tracking-uri", tracking_uri, "--out", "rep", cwd=tmp_path)
    assert rep.returncode == 0, rep.stderr
    rows = _rows(tmp_path / "rep" / "leaderboard.csv")
    assert {(r["row"], r["budget"], r["finished"]) for r in rows} == {("pca-gmm (quick)", "quick", "2"),
                                                                        ("pca-gmm (standard)", "standard", "2")}
    import mlflow

    client = mlflow.tracking.MlflowClient(tracking_uri)
    parents = tracking.load_runs(tracking_uri, sweep=["short", "long"])
    parents = parents[parents["sweep_role"] == "parent"]
    assert sorted(parents["sweep"]) == ["long", "short"]
    for run_id in parents["run_id"]:
        assert client.list_artifacts(run_id, "report"), "each sweep's parent gets the board's figures"
