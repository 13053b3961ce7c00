"""One call does the whole job (the CLI is a thin layer over these): resolve a configuration, open an MLflow
run, run the pipeline, write its record - FINISHED, or FAILED / KILLED with the reason and what was measured
(KILLED: Ctrl-C, or SIGTERM from a scheduler's cancel or ``kill``, each with its own reason)."""

from __future__ import annotations

import time

from synthbench import defaults, keys
from synthbench.config import RunConfig, resolve, resolve_recorded
from synthbench.exceptions import Terminated
from synthbench.progress import Reporter
from synthbench.records import RunResult


def run(task="mnist", generator="cgan", *, budget=defaults.DEFAULT_BUDGET, seed=defaults.DEFAULT_SEED,
        device=defaults.DEFAULT_DEVICE, params=None, data_dir=None, tasks_dir=None, tracking_uri=None,
        experiment=defaults.DEFAULT_EXPERIMENT, save_synthetic=True, reporter=None, run_name=None,
        system_metrics=True, per_class=None, tags=None, train_size=None, augment=(), regimes=None) -> RunResult:
    """Fit ``generator`` on ``task``'s training split, evaluate it, and record one MLflow run.

    ``params`` overrides generator hyperparameters (``{"steps": 300}``); strings are converted to the
    type of the default. ``train_size``: fit and train on a stratified subset of that many training rows;
    ``augment``: multiples k, each an ``augmented_<k>x`` regime (the real rows plus k x as many synthetic ones);
    ``regimes``: which of the task's fixed regimes to train (default: the task's ``[regimes].run``).
    Returns the run's id, status and record (``.metrics``, ``.not_applicable``, ...).
    """
    cfg = resolve(task, generator, budget, seed, device, params, tasks_dir, save_synthetic, per_class,
                  train_size=train_size, augment=augment, regimes=regimes)
    return execute(cfg, data_dir=data_dir, tracking_uri=tracking_uri, experiment=experiment, reporter=reporter,
                   run_name=run_name, system_metrics=system_metrics, tags=tags)


def rerun(run_id: str, *, data_dir=None, tracking_uri=None, experiment=defaults.DEFAULT_EXPERIMENT, reporter=None,
          system_metrics=True) -> RunResult:
    """Repeat a recorded run from its record: its configuration is read back and resolved again, the data must
    match the checksums it recorded, and the new run is tagged ``synthbench.reproduces = <run_id>``."""
    return execute(from_run(run_id, tracking_uri), data_dir=data_dir, tracking_uri=tracking_uri, experiment=experiment,
                   reporter=reporter, system_metrics=system_metrics)


def from_run(run_id: str, tracking_uri=None) -> RunConfig:
    """The resolved configuration of a recorded run."""
    from synthbench import tracking

    return resolve_recorded(tracking.load_config(run_id, tracking_uri), run_id)


def check_locations(data_dir=None, tracking_uri=None, experiment=defaults.DEFAULT_EXPERIMENT) -> None:
    """What a run needs besides its configuration, checked before it opens: the data folders named
    (``--data-dir``, ``$SYNTHBENCH_DATA_DIR``) exist, the experiment has a name, the store can be written (with
    room on its disk) and a tracking server answers."""
    from synthbench import tracking

    defaults.search_path(data_dir, defaults.ENV_DATA_DIR)
    tracking.check_experiment(experiment)
    uri = tracking.resolve_tracking_uri(tracking_uri)
    tracking.check_writable(uri)
    tracking.check_server(uri)


def execute(cfg: RunConfig, *, data_dir=None, tracking_uri=None, experiment=defaults.DEFAULT_EXPERIMENT,
            reporter: Reporter | None = None, run_name: str | None = None, system_metrics: bool = True,
            tags: dict | None = None) -> RunResult:
    """Run an already resolved configuration and record it in MLflow. An exception leaves the run FAILED
    (Ctrl-C or SIGTERM: KILLED) with its reason, and carries the run id as ``exc.synthbench_run_id``."""
    from synthbench import pipeline, tracking

    t_start = time.perf_counter()
    check_locations(data_dir, tracking_uri, experiment)
    # the data is read and checked before a run is opened: bad data is an error, not a FAILED run
    splits = pipeline.load(cfg, data_dir=data_dir, reporter=reporter)
    record = pipeline.new_record(cfg)
    record.tags.update(tags or {})
    opened = tracking.start_run(tracking_uri, experiment, record,
                                run_name or cfg.run_name, system_metrics)
    try:
        pipeline.run(cfg, record, splits, reporter=reporter, started=t_start)
    except BaseException as exc:
        record.metrics.setdefault(keys.TOTAL_SECONDS, time.perf_counter() - t_start)
        tracking.finish(opened, record, *_ended(exc))
        exc.synthbench_run_id = opened.run_id
        raise
    try:
        tracking.finish(opened, record, "FINISHED")
    except BaseException as exc:  # the record could not be written: the run is closed FAILED (KILLED) with the reason
        exc.synthbench_run_id = opened.run_id
        raise
    return RunResult(opened.run_id, opened.experiment_id, opened.tracking_uri, "FINISHED", record)


def _ended(exc: BaseException) -> tuple[str, str]:
    """The status and reason of a run that ``exc`` ended."""
    if isinstance(exc, Terminated):
        return "KILLED", "terminated by SIGTERM (a scheduler's cancel or `kill`)"
    if isinstance(exc, KeyboardInterrupt):
        return "KILLED", "interrupted by the user (Ctrl-C)"
    return "FAILED", f"{type(exc).__name__}: {exc}"


KEPT_TRIES = 3  # seeds asked per row for a run's own artifact: a store without artifacts costs 3 reads a row, not 1 a run


def _first_kept(tracking_uri, seeds: dict, path: str) -> dict:
    """``{row label: bytes}`` of the artifact ``path`` of each row's first finished seed that kept it, among its first
    ``KEPT_TRIES`` (``seeds``: row label -> its finished runs in seed order). A store's artifacts can be missing for
    some runs - made on another machine, or pruned - and a row is drawn from its next seed rather than left out; rows
    none of those seeds kept are absent."""
    from synthbench import tracking

    found: dict = {}
    for i in range(min(KEPT_TRIES, max(map(len, seeds.values()), default=0))):  # a read per row still without it
        wanted = {label: (runs[i]["run_id"], path) for label, runs in seeds.items() if label not in found and i < len(runs)}
        if not wanted:
            break
        found.update({label: data for label, data in tracking.read_artifacts(tracking_uri, wanted).items() if data})
    return found


def report(out, *, tracking_uri=None, experiment=defaults.DEFAULT_EXPERIMENT, task=None, generator=None, budget=None,
           status=None, sweep=None, since=None, until=None, figures=True, log_to_sweep=None, title="synthbench report",
           command="", ui=None):
    """Read runs from the store (the filters as in ``load_runs``), build the leaderboards (``synthbench.report``),
    draw the figures and write ``report.md``, ``leaderboard.csv``, ``comparisons.csv``, ``index.html`` and
    ``figures/`` under ``out``. With ``sweep`` given (or ``log_to_sweep=True``) the figures are also logged to the
    parent run of each sweep read (``report/<board>/<figure>.png``). ``ui``: the MLflow UI's address for links
    (default: the one ``synthbench ui`` serves). Returns ``(Report, [paths written])``."""
    import datetime
    from pathlib import Path

    from synthbench import report as reports
    from synthbench import report_figures, report_render, tracking

    filters = {"experiment": experiment, "task": task, "generator": generator, "budget": budget, "status": status,
               "sweep": sweep, "since": since, "until": until}
    frame = tracking.load_runs(tracking_uri, experiment, task=task, generator=generator, budget=budget, status=status,
                               sweep=sweep, since=since, until=until)
    result = reports.build(frame, filters)
    drawn: dict = {}
    if figures:
        for board in result.boards:  # one finished run per row for what a run alone holds
            seeds = {r.label: [r.runs[s] for s in r.finished] for r in board.rows if r.finished}
            images = _first_kept(tracking_uri, seeds, keys.SAMPLE_GRID) if board.classes else {}
            tables = _first_kept(tracking_uri, seeds, keys.FAIRNESS_DATA_TABLE) if board.sensitive else {}
            first = {label: runs[0] for label, runs in seeds.items()}
            gans = {r.label: first[r.label] for r in board.rows if r.diagnoses and r.label in first}
            curves = tracking.read_histories(tracking_uri, {label: run["run_id"] for label, run in gans.items()},
                                             (keys.probe("fid"), keys.probe("reference_fid")))
            histories = {label: (None if reports.missing(run.get("diagnosis")) else run["diagnosis"], curves[label])
                         for label, run in gans.items()}
            drawn[board.key] = report_figures.board_figures(board, images, histories, tables)
    base = ui or f"http://127.0.0.1:{defaults.DEFAULT_UI_PORT}"
    links = {}
    for board in result.boards:
        ids = {str(r["experiment_id"]) for row in board.rows for r in row.runs.values()}
        if len(ids) == 1:
            links[board.key] = tracking.ui_link(base, ids.pop())
    generated = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    paths = report_render.write(result, Path(out), drawn, title=title, command=command, links=links, generated=generated)
    if log_to_sweep if log_to_sweep is not None else sweep is not None:
        parents = frame[frame["sweep_role"].astype(str) == "parent"] if len(frame) else frame
        for _, parent in parents.iterrows():  # each sweep's parent gets the figures of the boards its cells are on
            mine = {b.key for b in result.boards for row in b.rows for r in row.runs.values() if r.get("sweep") == parent["sweep"]}
            figures_ = {f"report/{report_render.slug(key)}/{name}.png": data for key, figs in drawn.items() if key in mine
                        for name, _, data in figs}
            if figures_:
                tracking.log_figures(tracking_uri, parent["run_id"], figures_)
    return result, paths
