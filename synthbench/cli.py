"""The ``synthbench`` command: a thin layer over the API (:mod:`synthbench.api`, ``synthbench.load_runs``)."""

from __future__ import annotations

import errno
import os
import signal
import sys
from typing import List, Optional

import typer

from synthbench import defaults
from synthbench.exceptions import ConfigError, SynthbenchError, Terminated

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="How much does synthetic data from generator X help a model learn task Y?")


def _say(message: str) -> None:
    """An error as users see it: ``error: ...`` on one line."""
    typer.echo("error: " + " ".join(message.split("\n")), err=True)


def _err(message: str, code: int = 2) -> None:
    _say(message)
    raise typer.Exit(code)


def _interrupted(exc: KeyboardInterrupt) -> None:
    """Ctrl-C exits 130 and SIGTERM 143 (128 + the signal, as a shell reports them); a started run is KILLED."""
    word, signum = ("terminated", signal.SIGTERM) if isinstance(exc, Terminated) else ("interrupted", signal.SIGINT)
    rid = getattr(exc, "synthbench_run_id", None)
    typer.echo(f"{word}: MLflow run {rid} recorded as KILLED" if rid else word, err=True)
    raise typer.Exit(128 + signum)


@app.command()
def run(
    generator: Optional[str] = typer.Option(None, "--generator", "-g", help="generator name (see `synthbench list`) [default: cgan]"),
    task: Optional[str] = typer.Option(None, "--task", "-t", help="task name, or a path to a task .toml file [default: mnist]"),
    budget: Optional[str] = typer.Option(None, help=f"quick | standard | full [default: {defaults.DEFAULT_BUDGET}]"),
    seed: Optional[int] = typer.Option(None, help=f"seed of every random step [default: {defaults.DEFAULT_SEED}]"),
    device: Optional[str] = typer.Option(None, help=f"auto | cpu | cuda [default: {defaults.DEFAULT_DEVICE}]"),
    param: Optional[List[str]] = typer.Option(None, "--param", "-p", help="generator hyperparameter override name=value (repeatable)"),
    from_run: Optional[str] = typer.Option(None, "--from-run", help="repeat a recorded run: its configuration, read from the store"),
    data_dir: Optional[str] = typer.Option(None, help=f"folder holding <dataset>/<files> (or ${defaults.ENV_DATA_DIR})"),
    tasks_dir: Optional[str] = typer.Option(None, help=f"extra folder of task .toml files (or ${defaults.ENV_TASKS_DIR})"),
    tracking_uri: Optional[str] = typer.Option(None, help="MLflow tracking URI (or $MLFLOW_TRACKING_URI; default sqlite:///mlflow.db)"),
    experiment: str = typer.Option(defaults.DEFAULT_EXPERIMENT, help="MLflow experiment name"),
    save_synthetic: bool = typer.Option(True, "--save-synthetic/--no-save-synthetic", help="log the synthetic set (compressed) as an artifact"),
    system_metrics: bool = typer.Option(True, "--system-metrics/--no-system-metrics", help="MLflow system metrics (CPU, memory) during the run"),
    per_class: Optional[bool] = typer.Option(None, "--per-class/--no-per-class", help="unconditional generators: one model per class so samples are labelled (default), or one model and no synthetic-data utility"),
    train_size: Optional[int] = typer.Option(None, "--train-size", help="a stratified subset of N training rows is all the generator and the downstream models see [default: the task's, usually all]"),
    augment: Optional[str] = typer.Option(None, "--augment", help="comma-separated multiples k: a regime each trained on the real rows plus k x as many synthetic rows, e.g. 1,4,10"),
    regimes: Optional[str] = typer.Option(None, "--regimes", help="comma-separated regimes to train, out of real, synthetic, mixed [default: the task's]"),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="also show MLflow's and the libraries' own log lines and warnings"),
    debug: bool = typer.Option(False, help="show the full traceback of an error"),
):
    """Fit GENERATOR on TASK's training split, evaluate it, and record one MLflow run."""
    from synthbench import api
    from synthbench.config import parse_param_strings
    from synthbench.progress import RichReporter, interrupt
    from synthbench.tracking import quiet_mlflow

    _quiet(verbose)
    quiet_mlflow()
    signal.signal(signal.SIGTERM, interrupt)  # a scheduler's cancel or `kill`: KILLED as terminated, exit 143
    signal.signal(signal.SIGINT, interrupt)  # Ctrl-C: KILLED as interrupted, exit 130
    try:
        if from_run:
            given = [f"--{n.replace('_', '-')}" for n, v in (("generator", generator), ("task", task), ("budget", budget),
                                                              ("seed", seed), ("device", device), ("param", param),
                                                              ("tasks_dir", tasks_dir), ("per_class", per_class),
                                                              ("train_size", train_size), ("augment", augment),
                                                              ("regimes", regimes))
                     if v not in (None, [])]
            if given:
                raise ConfigError(f"--from-run repeats run {from_run}'s configuration - drop {', '.join(given)} "
                                  "(or run without --from-run to change it)")
            cfg = api.from_run(from_run, tracking_uri)
        else:
            cfg = api.resolve(task or "mnist", generator or "cgan", budget or defaults.DEFAULT_BUDGET,
                              defaults.DEFAULT_SEED if seed is None else seed, device or defaults.DEFAULT_DEVICE,
                              parse_param_strings(param), tasks_dir, save_synthetic, per_class, train_size=train_size,
                              augment=_split(augment, int) or (), regimes=_split(regimes, str) if regimes else None)
    except KeyboardInterrupt as exc:
        _interrupted(exc)
    except SynthbenchError as exc:
        if debug:
            raise
        _err(str(exc))

    reporter = RichReporter()
    again = f", repeating run {from_run}" if from_run else ""
    reporter.message(f"[bold]synthbench[/] {cfg.generator} on {cfg.task.name} - budget {cfg.budget}, seed {cfg.seed}, "
                     f"device {cfg.device}{again}")
    try:
        result = api.execute(cfg, data_dir=data_dir, tracking_uri=tracking_uri, experiment=experiment, reporter=reporter,
                             system_metrics=system_metrics)
    except KeyboardInterrupt as exc:
        _interrupted(exc)
    except SynthbenchError as exc:
        if debug:
            raise
        rid = getattr(exc, "synthbench_run_id", None)
        _err(f"{exc}" + (f" (MLflow run {rid} recorded as FAILED)" if rid and not getattr(exc, "run_left_open", False) else ""))
    except Exception as exc:  # a bug or a plug-in's own error: one line, the run is FAILED
        if debug:
            raise
        rid = getattr(exc, "synthbench_run_id", None)
        first = next((line for line in str(exc).splitlines() if line.strip()), "")  # a library's page of text: its first line
        _err(f"run failed: {type(exc).__name__}: {first}" + (f" (MLflow run {rid} recorded as FAILED; --debug shows the traceback)" if rid else ""), 1)
    from rich.console import Console

    _summary(Console(), cfg, result)


def _quiet(verbose: bool) -> None:
    """Only synthbench's own lines on the terminal: MLflow's log lines and libraries' warnings are for ``--verbose``."""
    if verbose:
        os.environ[defaults.ENV_VERBOSE] = "1"
    elif os.environ.get(defaults.ENV_VERBOSE, "") not in ("1", "true", "yes"):
        import warnings

        warnings.filterwarnings("ignore")
        os.environ.setdefault("PYTHONWARNINGS", "ignore")  # the evaluation worker process too


def _summary(console, cfg, result) -> None:
    from rich.markup import escape
    from rich.table import Table

    from synthbench import keys

    m = result.metrics
    table = Table(title=f"{cfg.generator} on {cfg.task.name} ({cfg.budget})")
    table.add_column("metric")
    table.add_column("value", justify="right")
    utility = [u for u in cfg.task.metrics.utility if u != "per_class_accuracy"]
    rows = [(f"{u} ({r})", keys.utility(r, u)) for u in utility for r in cfg.task.regimes.run]
    if cfg.task.downstream.suite:
        rows += [(f"{cfg.task.downstream.suite} suite ({r})", keys.model_utility(r, cfg.task.downstream.suite, "mean"))
                 for r in cfg.task.regimes.run]
    rows += [(f"TSTR / TRTR ({cfg.task.metrics.headline})", keys.TSTR_OVER_TRTR)]
    for name, key in (("FID", keys.FID), ("KID", keys.KID), ("precision", keys.PRECISION), ("recall", keys.RECALL)):
        rows.append((f"{name} (real-vs-real)", key))
    rows += [("quality (SDMetrics)", keys.fidelity("quality")), ("detection AUC", keys.fidelity("detection_auc"))]
    rows += [(f"privacy: {k}", keys.privacy(k)) for k in ("dcr_share", "dcr_ratio", "exact_copies", "mia_auc")]
    for col in cfg.task.data.sensitive:
        rows += [(f"{col}: positive-rate gap, real data", keys.data_fairness(col, "real")),
                 (f"{col}: positive-rate gap, synthetic data", keys.data_fairness(col, "synthetic"))]
        rows += [(f"{col}: demographic parity diff ({r})", keys.fairness(r, col, "demographic_parity_difference"))
                 for r in cfg.task.regimes.run]
    rows += [("fit seconds", keys.FIT_SECONDS), ("total seconds", keys.TOTAL_SECONDS), ("peak memory MiB", keys.PEAK_RSS_MB)]
    for label, key in rows:
        if key in m:
            val = f"{m[key]:.4f}" if abs(m[key]) < 100 else f"{m[key]:.1f}"
            ref = keys.reference(key)
            if ref in m and ref != key:
                val += f"  ({m[ref]:.4f})"
            table.add_row(label, val)
    console.print(table)
    if result.diagnosis:
        console.print(f"training diagnosis: [bold]{result.diagnosis}[/] (evidence and remedies: artifact diagnosis.md)")
    for key, why in result.not_applicable.items():
        if key != keys.PEAK_CUDA_MB:
            console.print(f"not applicable: {escape(key)} - {escape(why)}")
    console.print(f"MLflow run [bold]{result.run_id}[/] (experiment {result.experiment_id}) in {result.tracking_uri}")
    from synthbench.tracking import ui_link

    base = f"http://127.0.0.1:{defaults.DEFAULT_UI_PORT}"
    console.print(f"open it: synthbench ui --tracking-uri '{result.tracking_uri}'  then  "
                  f"{ui_link(base, result.experiment_id, result.run_id)}  (all runs: {ui_link(base, result.experiment_id)})")


def _split(value: Optional[str], kind=str):
    if value is None:
        return None
    items = [v.strip() for v in value.split(",") if v.strip()]
    try:
        return [kind(v) for v in items]
    except ValueError:
        _err(f"{value!r} must be a comma-separated list of {'integers' if kind is int else 'names'} - e.g. 0,1,2")


@app.command()
def sweep(
    file: Optional[str] = typer.Argument(None, help="sweep file (.toml, e.g. sweeps/leaderboard-images.toml); options below override it"),
    name: Optional[str] = typer.Option(None, help="the sweep's name (default: the file's name); the same name resumes it"),
    tasks: Optional[str] = typer.Option(None, "--tasks", help="comma-separated task names or .toml paths"),
    generators: Optional[str] = typer.Option(None, "--generators", help="comma-separated generator names"),
    seeds: Optional[str] = typer.Option(None, "--seeds", help="comma-separated seeds, e.g. 0,1,2"),
    budgets: Optional[str] = typer.Option(None, "--budgets", help="comma-separated budgets (quick, standard, full)"),
    param: Optional[List[str]] = typer.Option(None, "--param", "-p", help="swept hyperparameter GENERATOR.NAME=V1,V2 (repeatable)"),
    timeout: Optional[float] = typer.Option(None, help=f"seconds a cell may run [default: {defaults.SWEEP_CELL_TIMEOUT:g}]"),
    resplit: Optional[bool] = typer.Option(None, "--resplit/--no-resplit", help="each seed also draws its own validation carve-out"),
    workers: int = typer.Option(1, help="cells at once (the cores are divided among them)"),
    executor: str = typer.Option("local", help="local (a process per cell) | dask (a LocalCluster, or --scheduler)"),
    scheduler: Optional[str] = typer.Option(None, help="an existing Dask scheduler, tcp://HOST:PORT (with --executor dask)"),
    threads: Optional[int] = typer.Option(None, help="threads per cell [default: this machine's cores / --workers; on a "
                                          "--scheduler cluster, the worker host's cores / the worker's --nthreads]"),
    retry_failed: bool = typer.Option(False, "--retry-failed", help="run FAILED and KILLED cells again"),
    dry_run: bool = typer.Option(False, "--dry-run", help="list the cells, what is done, and estimate the time; run nothing"),
    data_dir: Optional[str] = typer.Option(None, help=f"folder holding <dataset>/<files> (or ${defaults.ENV_DATA_DIR})"),
    tasks_dir: Optional[str] = typer.Option(None, help=f"extra folder of task .toml files (or ${defaults.ENV_TASKS_DIR})"),
    tracking_uri: Optional[str] = typer.Option(None, help="MLflow tracking URI (or $MLFLOW_TRACKING_URI; default sqlite:///mlflow.db)"),
    experiment: str = typer.Option(defaults.DEFAULT_EXPERIMENT, help="MLflow experiment name"),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="also show MLflow's and the libraries' own log lines and warnings"),
    debug: bool = typer.Option(False, help="show the full traceback of an error"),
):
    """Run many runs: tasks x generators x budgets x seeds x hyperparameter values, each cell in its own process,
    resumable (finished cells are skipped), nested under one parent run."""
    from rich.console import Console

    from synthbench import sweep as sweeps
    from synthbench.progress import SweepProgress, interrupt
    from synthbench.tracking import quiet_mlflow

    _quiet(verbose)
    quiet_mlflow()
    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGINT, interrupt)
    console = Console()
    try:
        if file is None and not (tasks and generators):
            raise ConfigError("give a sweep file (synthbench sweep sweeps/NAME.toml) or at least --tasks and --generators "
                              "(with --name)")
        spec = sweeps.make_spec(file, name=name, tasks=_split(tasks), generators=_split(generators), seeds=_split(seeds, int),
                                budgets=_split(budgets), params=sweeps.parse_grid_params(param) or None, timeout=timeout,
                                resplit=resplit)
        result = sweeps.run(spec, executor=executor, workers=workers, scheduler=scheduler, threads=threads,
                            retry_failed=retry_failed, dry_run=dry_run, tasks_dir=tasks_dir, data_dir=data_dir,
                            tracking_uri=tracking_uri, experiment=experiment,
                            observer=None if dry_run else SweepProgress())
    except KeyboardInterrupt as exc:
        typer.echo(f"{'terminated' if isinstance(exc, Terminated) else 'interrupted'}: the running cells are recorded as "
                   "stopped; run the same command again to resume", err=True)
        raise typer.Exit(143 if isinstance(exc, Terminated) else 130)
    except SynthbenchError as exc:
        if debug:
            raise
        _err(str(exc))
    _sweep_report(console, result, dry_run)
    if result.failed:
        raise typer.Exit(1)


def _sweep_report(console, result, dry_run: bool) -> None:
    """The cells (dry run), or the sweep's summary: per task and generator the headline metric over seeds."""
    import datetime

    from rich.table import Table

    plan = result.plan
    for line in plan.skipped:
        console.print(f"skipped: {line}")
    if dry_run:
        t = Table(title=f"sweep {plan.spec.name}: {len(plan.cells)} cells")
        sized = any(c.train_size for c in plan.cells)  # a scarce-data sweep: which N each cell is
        for col in ("task", "generator", "budget", *(("N",) if sized else ()), "seed", "params", "state", "estimate"):
            t.add_column(col)
        total, unknown = 0.0, 0
        for c in plan.cells:
            state = result.states.get(c.identity, "todo")
            runs_now = state in ("todo", "interrupted", "orphan")
            est = result.estimates.get(c.identity)
            if runs_now:
                total += est or 0.0
                unknown += est is None
            t.add_row(c.cfg.task.name, c.generator, c.budget, *((str(c.train_size or "full"),) if sized else ()), str(c.seed),
                      " ".join(f"{k}={v}" for k, v in c.params.items()),
                      "will run" if runs_now else state, "-" if not runs_now else (f"{est:.0f} s" if est else "no estimate"))
        console.print(t)
        todo = sum(1 for c in plan.cells if result.states.get(c.identity, "todo") in ("todo", "interrupted", "orphan"))
        known = todo - unknown
        console.print(f"{todo} of {len(plan.cells)} cells would run; "
                      + (f"estimated {datetime.timedelta(seconds=int(total))} of cell time for the {known} with an estimate "
                         "(divide by --workers)" if known else "no estimate")
                      + (f"; {unknown} cells have no estimate (no finished run of the same task, generator and budget in "
                         "the store)" if unknown else ""))
        return
    t = Table(title=f"sweep {plan.spec.name}: mean +/- 95% CI over seeds")
    for col in ("task", "generator", "budget", "params", "headline", "TSTR", "TRTR", "seeds", "failed"):
        t.add_column(col)
    for row in result.summary:
        cell = lambda m, h: "-" if m != m else f"{m:.4f}" + (f" +/- {h:.4f}" if h is not None else "")  # noqa: E731
        t.add_row(row["task"], row["generator"], row["budget"], " ".join(f"{k}={v}" for k, v in row["params"].items()),
                  row["headline"], cell(row["tstr_mean"], row["tstr_ci"]), cell(row["trtr_mean"], row["trtr_ci"]),
                  f"{len(row['tstr'])}/{row['cells']}", str(row["failed"]))
    console.print(t)
    ran = len(result.outcomes)
    console.print(f"ran {ran} cells now ({len(result.failed)} failed), {len(plan.cells) - ran} were done before; "
                  f"{result.seconds:.0f} s. Parent run {result.parent_run_id}.")
    if result.parent_run_id and result.experiment_id:
        from synthbench.tracking import ui_link

        base = f"http://127.0.0.1:{defaults.DEFAULT_UI_PORT}"
        store = f" --tracking-uri '{result.tracking_uri}'" if result.tracking_uri else ""
        console.print(f"compare the cells: synthbench ui{store}  then  {ui_link(base, result.experiment_id)} (the sweep's "
                      f"runs are nested under {ui_link(base, result.experiment_id, result.parent_run_id)}); a report: "
                      f"synthbench report --sweep {plan.spec.name}{store}")


@app.command()
def report(
    out: str = typer.Option("report", "--out", "-o", help="folder to write report.md, leaderboard.csv, comparisons.csv, index.html and figures/"),
    sweep: Optional[str] = typer.Option(None, help="only these sweeps' cells (names or .toml files, comma-separated); the figures are also logged to each one's parent run"),
    tasks: Optional[str] = typer.Option(None, "--tasks", help="comma-separated task names"),
    generators: Optional[str] = typer.Option(None, "--generators", help="comma-separated generator names"),
    budgets: Optional[str] = typer.Option(None, "--budgets", help="comma-separated budgets"),
    status: Optional[str] = typer.Option(None, help="comma-separated run statuses (FINISHED, FAILED, KILLED, RUNNING) [default: all: failed runs are counted]"),
    since: Optional[str] = typer.Option(None, help="runs started on or after this date (ISO, UTC: 2026-12-03 or 2026-12-03T14:00)"),
    until: Optional[str] = typer.Option(None, help="runs started before this date (ISO, UTC)"),
    figures: bool = typer.Option(True, "--figures/--no-figures", help="draw the plots (off: tables only, faster)"),
    log: Optional[bool] = typer.Option(None, "--log/--no-log", help="log the figures to each sweep's parent run [default: with --sweep]"),
    title: str = typer.Option("synthbench report", help="the page's title"),
    tracking_uri: Optional[str] = typer.Option(None, help="MLflow tracking URI (or $MLFLOW_TRACKING_URI; default sqlite:///mlflow.db)"),
    experiment: str = typer.Option(defaults.DEFAULT_EXPERIMENT, help="MLflow experiment name"),
    debug: bool = typer.Option(False, help="show the full traceback of an error"),
):
    """Leaderboards from the runs in a store: per task, every metric as mean +/- 95% CI over seeds, paired tests
    against the floor baseline and the best generator, plots; Markdown, CSV and one self-contained HTML page."""
    from pathlib import Path

    from synthbench import api
    from synthbench.tracking import quiet_mlflow

    quiet_mlflow()
    try:
        statuses = [x.upper() for x in _split(status)] if status else None
        unknown = sorted(set(statuses or []) - {"FINISHED", "FAILED", "KILLED", "RUNNING"})
        if unknown:
            raise ConfigError(f"--status {','.join(unknown)} is not a run status - use FINISHED, FAILED, KILLED or RUNNING")
        if Path(out).exists() and not Path(out).is_dir():
            raise ConfigError(f"--out {out} is a file - give a folder for the report's files")
        names = [_sweep_name(x) for x in _split(sweep)] if sweep else None
        import shlex

        command = "synthbench report " + shlex.join(sys.argv[2:])
        result, paths = api.report(out, tracking_uri=tracking_uri, experiment=experiment, task=_split(tasks),
                                   generator=_split(generators), budget=_split(budgets),
                                   status=statuses, sweep=names,
                                   since=since, until=until, figures=figures, log_to_sweep=log, title=title,
                                   command=command)
    except SynthbenchError as exc:
        if debug:
            raise
        _err(str(exc))
    boards = ", ".join(f"{b.name} ({len(b.rows)} rows)" for b in result.boards) or "no runs matched"
    typer.echo(f"{result.runs} runs -> {boards}", err=True)
    typer.echo(f"report: {Path(out) / 'index.html'} ({len(paths)} files in {out})", err=True)


def _sweep_name(given: str) -> str:
    """A sweep's name from ``--sweep``: the name itself, or the ``name`` of a sweep file."""
    from pathlib import Path

    if given.endswith(".toml") or Path(given).is_file():
        from synthbench import sweep as sweeps

        return sweeps.make_spec(given).name
    return given


@app.command()
def compare(
    run_a: str = typer.Argument(..., help="a run id"),
    run_b: str = typer.Argument(..., help="another run id"),
    all_metrics: bool = typer.Option(False, "--all", help="every metric, also per class and the training curves' last values"),
    tracking_uri: Optional[str] = typer.Option(None, help="MLflow tracking URI (or $MLFLOW_TRACKING_URI; default sqlite:///mlflow.db)"),
    debug: bool = typer.Option(False, help="show the full traceback of an error"),
):
    """Two runs side by side: how their configurations differ, and each metric's values and difference (B - A)."""
    from rich.console import Console
    from rich.table import Table

    from synthbench import compare as comparing
    from synthbench.tracking import quiet_mlflow

    quiet_mlflow()
    try:
        diff = comparing.compare(run_a, run_b, tracking_uri=tracking_uri, all_metrics=all_metrics)
    except SynthbenchError as exc:
        if debug:
            raise
        _err(str(exc))
    from rich.markup import escape

    console = Console()
    a, b = diff.a, diff.b
    console.print(escape(f"A: {a['run_id']}  {a['run_name']}  ({a['status']})"))
    console.print(escape(f"B: {b['run_id']}  {b['run_name']}  ({b['status']})"))
    t = Table(title="configuration: what differs")
    for c in ("setting", "A", "B"):
        t.add_column(c, overflow="fold")
    for key, va, vb in diff.configuration:
        t.add_row(escape(key), escape(va), escape(vb))
    if diff.configuration:
        console.print(t)
    else:
        console.print("configuration: identical (seed, budget, hyperparameters, task version, data)")
    t = Table(title="metrics")
    for c in ("metric", "A", "B", "B - A", "B / A"):
        t.add_column(c, justify="left" if c == "metric" else "right")
    for key, va, vb in diff.metrics:
        t.add_row(escape(key), *comparing.texts(va, vb))
    console.print(t)
    if diff.hidden:
        console.print(f"({diff.hidden} per-class and curve metrics not shown: --all shows them)")


@app.command("list")
def list_(tasks_dir: Optional[str] = typer.Option(None, help="extra folder of task .toml files")):
    """Show tasks, generators, downstream models and datasets, plug-ins included."""
    from rich.console import Console
    from rich.table import Table

    from synthbench import registry
    from synthbench.contract import modalities
    from synthbench.tasks import available_tasks, load_task_file

    console = Console()
    t = Table(title="tasks")
    for col in ("name", "modality", "dataset", "version", "file"):
        t.add_column(col)
    for name, path in available_tasks(tasks_dir).items():
        try:
            task = load_task_file(path)
            t.add_row(name, task.modality, task.data.dataset, str(task.version), str(path))
        except SynthbenchError as exc:
            t.add_row(name, "[red]invalid[/]", "", "", str(exc))
    console.print(t)
    for title, reg in (("generators", registry.generators), ("downstream models", registry.models)):
        t = Table(title=title)
        for col in ("name", "modality", "from", "target / problem"):
            t.add_column(col)
        for entry in reg.entries():
            cls, err = reg.try_get(entry.name)
            if cls is None:
                t.add_row(entry.name, "[red]broken[/]", entry.distribution, err)
            else:
                t.add_row(entry.name, ", ".join(modalities(cls)), entry.distribution, entry.target)
        for name, why in reg.problems().items():
            t.add_row(name, "[red]refused[/]", "", why)
        console.print(t)
    t = Table(title="datasets")
    for col in ("name", "reader", "files", "from", "licence"):
        t.add_column(col)
    for entry in registry.datasets.entries():
        spec, err = registry.datasets.try_get(entry.name)
        if spec is None:
            t.add_row(entry.name, "[red]broken[/]", "", entry.distribution, err)
        else:
            t.add_row(entry.name, spec.reader, str(len(spec.files)), entry.distribution, spec.licence)
    console.print(t)


JOB_EXECUTION_VARIABLE = "MLFLOW_SERVER_ENABLE_JOB_EXECUTION"  # mlflow.environment_variables, public


@app.command()
def ui(
    tracking_uri: Optional[str] = typer.Option(None, help="MLflow tracking URI (default: the one `run` uses)"),
    port: int = typer.Option(defaults.DEFAULT_UI_PORT, help="port on 127.0.0.1"),
):
    """Serve the MLflow UI for synthbench's store on 127.0.0.1 (a port in use is an error naming a free one)."""
    from synthbench.tracking import quiet_mlflow, resolve_tracking_uri

    if not 1 <= port <= 65535:
        _err(f"--port {port} is not a port: pass one from 1 to 65535")
    problem = _bind_error(port)
    if problem is not None:
        why = ("is in use (another MLflow UI or program)" if problem.errno == errno.EADDRINUSE
               else f"cannot be listened on ({problem.strerror or problem})")
        _err(f"port {port} on 127.0.0.1 {why} - pass --port {_free_port(port)}")
    quiet_mlflow()
    uri = resolve_tracking_uri(tracking_uri)
    # one server worker: a laptop's single user needs no more, and each worker imports MLflow's server again.
    # MLflow's job execution (GenAI scorers and trace roll-ups: a job runner and seven huey consumers, each importing
    # MLflow) serves nothing synthbench records and triples the start-up on two cores; a user who sets the variable
    # keeps their choice.
    os.environ.setdefault(JOB_EXECUTION_VARIABLE, "false")
    cmd = [sys.executable, "-m", "mlflow", "ui", "--backend-store-uri", uri, "--host", "127.0.0.1", "--port", str(port),
           "--workers", "1"]
    typer.echo(f"MLflow UI for {uri} on http://127.0.0.1:{port} (Ctrl-C stops it). The links synthbench prints after a "
               "run, a sweep or in a report open the runs table; from the experiments list, pick 'Model training' at "
               "the top left (MLflow opens experiments in its GenAI view)", err=True)
    os.execv(sys.executable, cmd)


def _bind_error(port: int) -> OSError | None:
    """Why a server could not listen on 127.0.0.1:``port`` (None: it can). The bind is the server's own: MLflow's
    uvicorn sets SO_REUSEADDR, so a listening socket counts as in use, but the closing connections of a UI stopped
    a moment ago do not (without it they would, for a minute). Not on Windows, where it would take a port in use."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        if os.name != "nt":
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError as exc:
            return exc
    return None


def _free_port(busy: int) -> int:
    """A port a server can listen on: the first free one after ``busy``, or one the system picks."""
    import socket

    for candidate in range(busy + 1, min(busy + 100, 65535) + 1):
        if _bind_error(candidate) is None:
            return candidate
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@app.command()
def download(
    dataset: str = typer.Argument(..., help="dataset name (mnist, fashion-mnist)"),
    data_dir: Optional[str] = typer.Option(None, help="where to put it (default: the download cache)"),
):
    """Download a dataset's original files and verify their SHA-256 checksums."""
    from synthbench import registry
    from synthbench.data import catalog

    try:
        paths = catalog.locate(registry.datasets.get(dataset), data_dir, download=True)
    except SynthbenchError as exc:
        _err(str(exc))
    for name, p in paths.items():
        typer.echo(f"ok  {p}")


@app.command("train-extractor")
def train_extractor(
    task: str = typer.Option("mnist", help="task whose training split trains the extractor"),
    epochs: int = typer.Option(4),
    seed: int = typer.Option(0),
    name: Optional[str] = typer.Option(None, help="extractor name (default lenet-<dataset>)"),
    out_dir: Optional[str] = typer.Option(None, help="where to write <name>.pt/.json (default: synthbench/extractors)"),
    data_dir: Optional[str] = typer.Option(None),
):
    """Train the domain feature extractor for FID/KID/PR and write its weights and card."""
    from synthbench.extractor_training import train

    try:
        card = train(task, epochs=epochs, seed=seed, name=name, out_dir=out_dir, data_dir=data_dir)
    except SynthbenchError as exc:
        _err(str(exc))
    typer.echo(f"wrote {card['name']}: validation accuracy {card['validation_accuracy']:.4f}, sha256 {card['sha256']}")


def main() -> None:
    """The ``synthbench`` command. A wrong option or value is one line too (typer would draw a box)."""
    from typer.exceptions import TyperException  # typer's vendored click errors derive from it

    try:
        code = app(standalone_mode=False)
    except TyperException as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":  # bare `synthbench`: its help
            typer.echo(exc.format_message(), err=True)
            sys.exit(getattr(exc, "exit_code", 2))
        ctx = getattr(exc, "ctx", None)
        _say(exc.format_message() + (f" - see `{ctx.command_path} --help`" if ctx is not None else ""))
        sys.exit(getattr(exc, "exit_code", 2))
    except SynthbenchError as exc:  # any command: a mistake the user can fix is one line
        _say(str(exc))
        sys.exit(2)
    except typer.Abort:
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
