"""MLflow at the edges - the only module that imports it: where the store is, checking it can be written,
writing a run's record (``synthbench.records.RunRecord``) and reading runs back (``load_runs``).

A run is opened with its identity tags before anything is computed (so a crash still leaves a run) and
closed with its whole record: FINISHED, FAILED with the reason, or KILLED - never left RUNNING.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from synthbench import defaults, keys
from synthbench.exceptions import ConfigError, Terminated, TrackingError

#: Identity columns of ``load_runs``: column -> the tag it is read from.
TAG_COLUMNS = {"task": keys.TAG_TASK, "generator": keys.TAG_GENERATOR, "budget": keys.TAG_BUDGET, "seed": keys.TAG_SEED,
               "device": keys.TAG_DEVICE, "version": keys.TAG_VERSION, "git_commit": keys.TAG_GIT,
               "conditioning": keys.TAG_CONDITIONING, "diagnosis": keys.TAG_DIAGNOSIS, "synthbench_status": keys.TAG_STATUS,
               "error": keys.TAG_ERROR, "reproduces": keys.TAG_REPRODUCES, "sweep": keys.TAG_SWEEP, "cell": keys.TAG_CELL,
               "attempt": keys.TAG_ATTEMPT, "interrupted": keys.TAG_INTERRUPTED, "sweep_role": keys.TAG_SWEEP_ROLE,
               "parent_run_id": keys.TAG_PARENT}


def quiet_mlflow() -> None:
    """Turn MLflow's telemetry off unless the user opted in (``SYNTHBENCH_MLFLOW_TELEMETRY=1``) and keep MLflow's
    INFO lines (database set-up, run links) off the terminal unless ``SYNTHBENCH_VERBOSE=1`` (``--verbose``)."""
    if os.environ.get(defaults.ENV_TELEMETRY, "") not in ("1", "true", "yes"):
        os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"
    os.environ.setdefault("GIT_PYTHON_REFRESH", "quiet")
    os.environ.setdefault("MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING", "false")  # we ask for it per run
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")  # a report reads artifacts: no bars
    import logging

    if os.environ.get(defaults.ENV_VERBOSE, "") in ("1", "true", "yes"):
        os.environ["MLFLOW_LOGGING_LEVEL"] = "INFO"  # read when mlflow configures its loggers (at import)
    level = os.environ.setdefault("MLFLOW_LOGGING_LEVEL", "WARNING").upper()  # else a user's own level is kept
    for name in ("mlflow", "alembic"):
        logging.getLogger(name).setLevel(level)
    if level != "INFO":  # MLflow logs every store error with its SQL and traceback, then raises it: we report it once
        logging.getLogger("mlflow.store.db.utils").setLevel("CRITICAL")


def resolve_tracking_uri(uri: str | None = None) -> str:
    """``--tracking-uri`` > ``$MLFLOW_TRACKING_URI`` > ``sqlite:///mlflow.db`` in the working directory.

    Local stores are made absolute so that ``synthbench ui`` finds the same one later.
    """
    uri = uri or os.environ.get("MLFLOW_TRACKING_URI") or defaults.DEFAULT_TRACKING_URI
    parsed = urlparse(uri)
    if parsed.scheme == "sqlite":
        path = uri[len("sqlite:///"):]
        if not path.startswith("/"):
            path = str(Path.cwd() / path)
        return "sqlite:///" + path
    if parsed.scheme in ("", "file"):
        path = parsed.path if parsed.scheme == "file" else uri
        return Path(path).expanduser().resolve().as_uri()
    return uri


def local_store_path(uri: str) -> Path | None:
    parsed = urlparse(uri)
    if parsed.scheme == "sqlite":
        return Path(uri[len("sqlite:///"):])
    if parsed.scheme == "file":
        return Path(parsed.path)
    return None


def _store_folder(uri: str) -> Path | None:
    """The folder a local store lives in: a SQLite file's folder, or a file store itself (None: not local)."""
    path = local_store_path(uri)
    return path.parent if path is not None and urlparse(uri).scheme == "sqlite" else path


def artifact_root(uri: str) -> str | None:
    """Where a new experiment keeps artifacts: beside a local store (``mlartifacts/``)."""
    if urlparse(uri).scheme == "sqlite":
        return (_store_folder(uri) / "mlartifacts").as_uri()
    return None


def check_writable(uri: str) -> None:
    """Raise TrackingError unless a local store (and its artifact folder) can be created and written."""
    path = local_store_path(uri)
    if path is None:
        return
    fix = "pass --tracking-uri with a writable location (e.g. sqlite:///$HOME/mlflow.db) or set MLFLOW_TRACKING_URI"
    if urlparse(uri).scheme == "file" and os.environ.get("MLFLOW_ALLOW_FILE_STORE", "").lower() not in ("1", "true"):
        raise TrackingError(f"MLflow 3 refuses the file store {uri} unless MLFLOW_ALLOW_FILE_STORE=true - set it, or use a sqlite:/// URI")
    folder = _store_folder(uri)
    targets = [folder, folder / "mlartifacts"] if urlparse(uri).scheme == "sqlite" else [folder]
    for d in targets:
        try:
            d.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=d, prefix=".synthbench-write-test-"):
                pass
        except OSError as exc:
            raise TrackingError(f"cannot write the MLflow tracking location {d}: {exc.strerror or exc} - {fix}") from None
    if path.exists() and urlparse(uri).scheme == "sqlite":
        try:
            with open(path, "ab"):
                pass
        except OSError as exc:
            raise TrackingError(f"cannot write the MLflow store {path}: {exc.strerror or exc} - {fix}") from None
    import shutil

    free_mb = shutil.disk_usage(folder).free / 2**20
    if free_mb < defaults.MIN_FREE_MB:
        raise TrackingError(f"the disk holding the MLflow store {folder} is full ({free_mb:.1f} MiB free; a run needs "
                            f"{defaults.MIN_FREE_MB} MiB) - free some space, or {fix}")


def check_experiment(experiment) -> None:
    """An experiment name is a non-blank string (MLflow's own error for ``""`` blames the tracking URI)."""
    if not isinstance(experiment, str) or not experiment.strip():
        raise ConfigError(f"--experiment must be a non-empty name, got {experiment!r} - e.g. --experiment "
                          f"{defaults.DEFAULT_EXPERIMENT} (the default)")


def check_server(uri: str, timeout: float = defaults.TRACKING_SERVER_TIMEOUT) -> None:
    """A tracking server (``http(s)://``) must answer within ``timeout`` seconds; MLflow's own client would retry
    for minutes in silence. Any HTTP answer will do (its ``/health`` page, or an error page)."""
    if urlparse(uri).scheme not in ("http", "https"):
        return
    import requests

    try:
        requests.get(uri.rstrip("/") + "/health", timeout=timeout)
    except requests.RequestException as exc:
        why = "did not answer within %g s" % timeout if isinstance(exc, requests.Timeout) else "refused the connection"
        raise TrackingError(f"the MLflow tracking server {uri} {why} - start it (mlflow server --backend-store-uri ...) or "
                            "fix --tracking-uri / $MLFLOW_TRACKING_URI") from None


def store_lock(uri: str):
    """A lock (``filelock``, beside a SQLite store) held while a process first opens the store: MLflow creates or
    migrates its tables then, and two processes doing that at once break the store. Elsewhere a no-op."""
    import contextlib

    if urlparse(uri).scheme != "sqlite":
        return contextlib.nullcontext()
    from filelock import FileLock

    return FileLock(str(local_store_path(uri)) + ".lock", timeout=defaults.STORE_LOCK_TIMEOUT)


def _open_store(uri: str):
    """An ``MlflowClient`` of ``uri`` whose store exists, with its tables created or migrated under ``store_lock``
    (MLflow keeps one store object per URI and process, so this happens once per process)."""
    import mlflow
    from filelock import Timeout

    try:
        with store_lock(uri):
            client = mlflow.tracking.MlflowClient(uri)
            client.get_experiment_by_name(defaults.DEFAULT_EXPERIMENT)  # creates / migrates the tables now
    except Timeout:
        raise TrackingError(f"the MLflow store {uri} stayed locked for {defaults.STORE_LOCK_TIMEOUT} s by another process "
                            f"creating or upgrading it - wait for it, or remove {local_store_path(uri)}.lock if no "
                            "synthbench or mlflow process is running") from None
    except Exception as exc:  # the store answered with an error
        raise TrackingError(f"cannot open MLflow store {uri}: {_reason(exc)} - check --tracking-uri") from None
    return client


def _reason(exc: BaseException) -> str:
    """One line for an exception from the store: a full disk says so, not a page of SQL."""
    import errno

    text = f"{exc}"
    if "disk is full" in text or getattr(exc, "errno", None) == errno.ENOSPC or "No space left" in text:
        return "the disk is full (no space left on device) - free some space or use a store on another disk"
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("(raised as a result")]
    return f"{type(exc).__name__}: {lines[0][:300] if lines else ''}"


#: Store errors that another writer causes and that the same call, made again, gets past: SQLite busy past MLflow's
#: own 20 s busy timeout, and two runs logging the same dataset at once (MLflow looks the dataset up, then inserts
#: it: the second insert fails, and made again the call finds the first one's row).
TRANSIENT = ("database is locked", "UNIQUE constraint failed: datasets")


def retrying(call, *args, **kwargs):
    """``call(*args, **kwargs)``, retried with backoff while the store answers with a ``TRANSIENT`` error (many
    sweep workers finishing at once, or starting on the same data)."""
    import random
    import time

    for attempt in range(defaults.STORE_RETRIES + 1):
        try:
            return call(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - only another writer's doing is retried
            if not any(t in str(exc) for t in TRANSIENT) or attempt == defaults.STORE_RETRIES:
                raise
            time.sleep(min(30.0, 2.0 ** attempt) * (0.5 + random.random()))


def setup(uri: str | None, experiment: str) -> tuple[str, str]:
    """Point MLflow at the store and experiment (created if needed); return ``(uri, experiment_id)``. The store and
    the name were checked before (``synthbench.api.check_locations``: writable, room on its disk, a server answers)."""
    quiet_mlflow()
    uri = resolve_tracking_uri(uri)
    import mlflow

    client = _open_store(uri)
    mlflow.set_tracking_uri(uri)
    try:
        with store_lock(uri):  # two first runs of one experiment must not both create it
            exp = retrying(client.get_experiment_by_name, experiment)
            exp_id = exp.experiment_id if exp else retrying(client.create_experiment, experiment,
                                                            artifact_location=artifact_root(uri))
    except TrackingError:
        raise
    except Exception as exc:  # the store answered with an error
        raise TrackingError(f"cannot open MLflow store {uri}: {_reason(exc)} - check --tracking-uri") from None
    return uri, exp_id


@dataclass(frozen=True)
class OpenRun:
    run_id: str
    experiment_id: str
    tracking_uri: str


def start_run(uri: str | None, experiment: str, record, run_name: str, system_metrics: bool = True) -> OpenRun:
    """Open an MLflow run with the record's identity tags (status ``running``), parameters and ``config.json``, and
    make it the record's live destination (``LiveRun``), so a run that dies without a word still says what it was."""
    uri, exp_id = setup(uri, experiment)
    import mlflow

    try:
        run = retrying(mlflow.start_run, experiment_id=exp_id, run_name=run_name,
                       tags={**record.tags, keys.TAG_STATUS: "running"}, log_system_metrics=system_metrics)
    except Exception as exc:  # the store refused the new run
        raise TrackingError(f"cannot open a run in MLflow store {uri}: {_reason(exc)} - check --tracking-uri") from exc
    opened = OpenRun(run.info.run_id, exp_id, uri)
    try:
        _log_params(record.params)
        retrying(mlflow.log_dict, record.config, keys.CONFIG_JSON)
    except Exception as exc:  # the run exists but its record cannot be written: close it, say why
        finish(opened, record, "FAILED", f"writing the run's configuration failed: {_reason(exc)}")
        raise TrackingError(f"writing run {opened.run_id} to MLflow store {uri} failed: {_reason(exc)}") from exc
    record.live = LiveRun()
    return opened


class LiveRun:
    """What a run sends to MLflow while it lasts: the data it read once loaded, and step metrics and images (GAN
    training probes, grids during training) as they come, so a long training can be watched in the UI."""

    def data_loaded(self, record) -> None:
        import mlflow

        _log_params(record.params)  # now with the data's checksums and sizes
        retrying(mlflow.log_dict, record.config, keys.CONFIG_JSON)
        _log_inputs(record.inputs)
        record.streamed.add(_INPUTS)

    def step_metrics(self, metrics: dict, step: int) -> None:
        import mlflow

        retrying(mlflow.log_metrics, {k: float(v) for k, v in metrics.items()}, step=step)

    def step_image(self, key: str, step: int, image) -> None:
        import mlflow

        retrying(mlflow.log_image, image, key=key, step=step)


_INPUTS = "<inputs>"  # a part of the record, among the streamed curve keys, that was sent already


def finish(run: OpenRun, record, status: str = "FINISHED", reason: str = "") -> None:
    """Write ``record`` to the open run and close it with ``status`` (FINISHED, FAILED or KILLED). For a run that
    did not finish, the reason is recorded first and whatever cannot be written is skipped: closing the run
    matters more than its extras."""
    import mlflow

    tag = {"FINISHED": "completed", "FAILED": "failed", "KILLED": "killed"}[status]
    record.live = None  # from here on, everything goes in one write
    try:
        if status != "FINISHED":
            retrying(mlflow.set_tags, {keys.TAG_STATUS: tag, keys.TAG_ERROR: reason[:5000]})
        _write(record, strict=status == "FINISHED")
        retrying(mlflow.set_tag, keys.TAG_STATUS, tag)
    except BaseException as exc:
        if status == "FINISHED":  # the record could not be written: the run did not finish after all, and says why
            killed = isinstance(exc, KeyboardInterrupt)
            try:
                how = "terminated by SIGTERM" if isinstance(exc, Terminated) else "interrupted by the user (Ctrl-C)"
                retrying(mlflow.set_tags, {keys.TAG_STATUS: "killed" if killed else "failed", keys.TAG_ERROR: (
                    f"{how} while writing the run's record" if killed
                    else f"writing the run's record failed: {_reason(exc)}")[:5000]})
            finally:
                _end_run(run.run_id, "KILLED" if killed else "FAILED")
            if isinstance(exc, Exception):
                raise TrackingError(f"writing run {run.run_id}'s record to {run.tracking_uri} failed: {_reason(exc)}") from exc
            raise
    finally:
        if mlflow.active_run() is not None and mlflow.active_run().info.run_id == run.run_id:
            try:
                _end_run(run.run_id, status)
            except Exception as exc:  # the store cannot even take the run's end (a full disk): say so, once
                err = TrackingError(f"closing run {run.run_id} in {run.tracking_uri} failed: {_reason(exc)} (the store "
                                    "shows the run RUNNING until then)")
                err.run_left_open = True
                raise err from exc


def _end_run(run_id: str, status: str) -> None:
    """``mlflow.end_run``: it drops the active run first, then writes the end; a locked store is retried here."""
    import mlflow

    try:
        mlflow.end_run(status)
    except Exception as exc:
        if "database is locked" not in str(exc):
            raise
        retrying(mlflow.tracking.MlflowClient().set_terminated, run_id, status)


def _write(record, strict: bool) -> None:
    """Every part of the record, in order of importance; with ``strict=False`` a part that fails is skipped."""
    import math

    import mlflow

    # a finished run logs every metric (NaN included, as computed); a failed one what can be logged
    metrics = record.metrics if strict else {k: v for k, v in record.metrics.items() if math.isfinite(v)}
    na_tags = {keys.na_tag(k): why[:5000] for k, why in record.not_applicable.items()}
    curves = {k: v for k, v in record.curves.items() if k not in record.streamed}
    parts = [
        lambda: mlflow.set_tags({**record.tags, **na_tags}),
        lambda: _log_params(record.params),
        lambda: mlflow.log_dict(record.config, keys.CONFIG_JSON),
        lambda: mlflow.log_metrics(metrics) if metrics else None,
        lambda: _log_curves(curves),
        lambda: mlflow.log_dict(record.not_applicable, keys.NOT_APPLICABLE_JSON) if record.not_applicable else None,
        lambda: None if _INPUTS in record.streamed else _log_inputs(record.inputs),
        lambda: [mlflow.log_image(s.image, key=s.key, step=s.step) for s in record.step_images],
        lambda: [_log_artifact(a) for a in record.artifacts],
        # result.json: the record of a finished run only (its presence says the run completed)
        lambda: mlflow.log_dict({"run_id": mlflow.active_run().info.run_id, "config": record.config, "metrics": record.metrics,
                                 "history": record.history}, keys.RESULT_JSON) if strict else None,
    ]
    for part in parts:
        try:
            retrying(part)
        except Exception:
            if strict:
                raise


def _log_params(params: dict[str, str]) -> None:
    import mlflow

    items = list(params.items())
    for i in range(0, len(items), 100):
        retrying(mlflow.log_params, dict(items[i:i + 100]))


#: The most points a step curve is logged with. A generator's own history may be longer (an SDV synthesizer's
#: record per epoch is thousands of epochs on 500 rows); it is kept whole in result.json, and the step metric, for
#: the MLflow UI's charts, gets this many of its points, evenly spaced, the first and last among them.
CURVE_POINTS = 200


def thin(points: list, limit: int = CURVE_POINTS) -> list:
    """At most ``limit`` (2 or more) of ``points``, evenly spaced by position, the first and the last kept."""
    if limit < 2:
        raise ValueError(f"thin keeps the first and the last point: limit must be 2 or more, not {limit}")
    if len(points) <= limit:
        return list(points)
    last = len(points) - 1
    return [points[i] for i in sorted({round(j * last / (limit - 1)) for j in range(limit)})]


def _log_curves(curves: dict[str, list]) -> None:
    import math
    import time

    import mlflow
    from mlflow.entities import Metric

    now = int(time.time() * 1000)
    batch = [Metric(key, value, now, step) for key, points in curves.items()
             for step, value in thin([p for p in points if math.isfinite(p[1])])]
    client = mlflow.tracking.MlflowClient()
    run_id = mlflow.active_run().info.run_id
    for i in range(0, len(batch), 900):
        retrying(client.log_batch, run_id, metrics=batch[i:i + 900])


def _log_inputs(inputs) -> None:
    """Each split as an MLflow dataset input. The source is resolved as a local file here: MLflow's own resolver
    finds two equal local-file source types for a path and warns on every call."""
    import mlflow
    from mlflow.data.dataset_source_registry import get_dataset_source_from_json

    for d in inputs:
        source = get_dataset_source_from_json(json.dumps({"uri": str(d.source)}), "local")
        if d.columns is None:
            ds = mlflow.data.from_numpy(d.data, targets=d.targets, source=source, name=d.name)
        else:
            ds = mlflow.data.from_pandas(d.data, source=source, targets=d.targets, name=d.name)
            ds.__dict__["schema"] = _table_schema(d.columns)  # PandasDataset.schema is a cached_property: the declared one
        retrying(mlflow.log_input, ds, context=d.context)


def _table_schema(columns: dict):
    """The MLflow schema of a table, from its declared column types (MLflow would otherwise infer it by looking at
    every value of every text column: seconds on Adult, for what the task file already says)."""
    from mlflow.types import ColSpec, Schema

    kind = {"categorical": "string", "numerical": "double", "integer": "long"}
    return Schema([ColSpec(kind[t], c) for c, t in columns.items()])


def _log_artifact(artifact) -> None:
    import mlflow

    folder, _, name = artifact.path.rpartition("/")
    if artifact.kind == "figure":
        import matplotlib.pyplot as plt

        mlflow.log_figure(artifact.payload, artifact.path)
        plt.close(artifact.payload)
    elif artifact.kind == "image":
        mlflow.log_image(artifact.payload, artifact.path)
    elif artifact.kind == "table":
        mlflow.log_table(artifact.payload.reset_index(drop=True), artifact.path)
    elif artifact.kind == "text":
        mlflow.log_text(artifact.payload, artifact.path)
    elif artifact.kind == "json":
        mlflow.log_dict(artifact.payload, artifact.path)
    else:  # a file made by the payload
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / name
            artifact.payload(path)
            mlflow.log_artifact(str(path), artifact_path=folder or None)


# -- sweeps: the parent run, and the runs of cells whose process could not close them ------------------------
def sweep_parent(uri: str | None, experiment: str, name: str, config: dict) -> tuple[str, str]:
    """``(run id, experiment id)`` of sweep ``name``'s parent run in ``experiment`` (created the first time, with the
    sweep's configuration as ``sweep.json``; a sweep run again reopens it, RUNNING while the sweep lasts)."""
    uri, exp_id = setup(uri, experiment)
    client = _open_store(uri)
    found = retrying(client.search_runs, [exp_id], filter_string=f"tags.`{keys.TAG_SWEEP}` = '{name}' AND "
                     f"tags.`{keys.TAG_SWEEP_ROLE}` = 'parent'", max_results=1)
    if found:
        run_id = found[0].info.run_id
        retrying(client.update_run, run_id, status="RUNNING")
    else:
        run = retrying(client.create_run, exp_id, run_name=f"sweep-{name}",
                       tags={keys.TAG_SWEEP: name, keys.TAG_SWEEP_ROLE: "parent"})
        run_id = run.info.run_id
    retrying(client.log_dict, run_id, config, keys.SWEEP_JSON)
    return run_id, exp_id


def end_sweep_parent(uri: str | None, run_id: str, status: str, metrics: dict[str, float], tags: dict[str, str]) -> None:
    """Write a sweep's summary (``sweep/...`` metrics, tags) to its parent run and close it with ``status``."""
    import time

    from mlflow.entities import Metric

    client = _open_store(resolve_tracking_uri(uri))
    now = int(time.time() * 1000)
    retrying(client.log_batch, run_id, metrics=[Metric(k, float(v), now, 0) for k, v in metrics.items()])
    retrying(client.set_tag, run_id, keys.TAG_STATUS, {"FINISHED": "completed", "KILLED": "killed"}.get(status, "failed"))
    for k, v in tags.items():
        retrying(client.set_tag, run_id, k, v)
    retrying(client.set_terminated, run_id, status)


def close_attempt(uri: str | None, experiment: str, attempt: str, status: str, reason: str, tags: dict[str, str],
                  run_name: str, force: bool = False, params: dict[str, str] | None = None) -> str:
    """Make sure the run of one attempt at a sweep cell is closed: a run the attempt's process left RUNNING (it was
    killed, it crashed) is closed ``status`` with ``reason``; an attempt that died before it opened a run gets
    a run of its own, with the cell's ``tags`` and ``params`` (``records.run_params``: its task version and
    training size place it on its board), so it is recorded too. ``force``: also re-close a run the process
    closed itself (a timeout: the cell's own record says SIGTERM, the sweep says why it sent it). Returns the
    run id."""
    uri, exp_id = setup(uri, experiment)
    client = _open_store(uri)
    found = retrying(client.search_runs, [exp_id], filter_string=f"tags.`{keys.TAG_ATTEMPT}` = '{attempt}'", max_results=1)
    if found:
        run_id = found[0].info.run_id
        if found[0].info.status != "RUNNING" and not force:
            return run_id
    else:
        run_id = retrying(client.create_run, exp_id, run_name=run_name, tags={**tags, keys.TAG_ATTEMPT: attempt}).info.run_id
        if params:
            from mlflow.entities import Param

            items = [Param(k, v) for k, v in params.items()]
            for i in range(0, len(items), 100):
                retrying(client.log_batch, run_id, params=items[i:i + 100])
    word = {"FAILED": "failed", "KILLED": "killed"}[status]
    retrying(client.set_tag, run_id, keys.TAG_STATUS, word)
    retrying(client.set_tag, run_id, keys.TAG_ERROR, reason[:5000])
    retrying(client.set_terminated, run_id, status)
    return run_id


def mark_interrupted(uri: str | None, run_ids: list[str]) -> None:
    """Runs of cells the sweep stopped (Ctrl-C, SIGTERM): closed KILLED if still open and tagged, so that the sweep
    run again does them over instead of taking them as failed."""
    client = _open_store(resolve_tracking_uri(uri))
    for run_id in run_ids:
        retrying(client.set_tag, run_id, keys.TAG_INTERRUPTED, "true")
        if retrying(client.get_run, run_id).info.status == "RUNNING":
            retrying(client.set_tag, run_id, keys.TAG_STATUS, "killed")
            retrying(client.set_terminated, run_id, "KILLED")


# -- reading runs back -----------------------------------------------------------------------------------
def load_runs(tracking_uri: str | None = None, experiment: str | None = defaults.DEFAULT_EXPERIMENT, *, task=None,
              generator=None, budget=None, status=None, seed=None, sweep=None, since=None, until=None, run_ids=None,
              max_results: int = 100000):
    """The runs in a store as a tidy pandas frame, one row per run.

    Filters: ``experiment`` (a name; ``None`` for every experiment), and ``task``, ``generator``, ``budget``,
    ``status`` (MLflow's ``FINISHED`` / ``FAILED`` / ``KILLED`` / ``RUNNING``), ``seed`` and ``sweep`` (a sweep's
    name: its cells and its parent run, whose ``sweep_role`` is ``parent``), each a value or a list of values;
    ``since`` / ``until`` (datetimes, or ISO dates read as UTC): runs started in that range; ``run_ids``: those runs.
    The store is read in one search (MLflow pages it, 1,000 runs a request), not a request per run. Columns: ``run_id``, ``experiment_id``, ``experiment``, ``run_name``, ``status``, ``start_time``,
    ``end_time`` (UTC), the identity columns of ``TAG_COLUMNS`` (``seed`` as an integer), ``task_version``,
    every metric under its ``synthbench.keys`` name (``utility/real/accuracy``, ...: missing where a run did not
    measure it), ``params.<name>`` for the flattened configuration, ``na.<key>`` for why a metric is absent and
    ``tags.<name>`` for tags of the caller's own (``synthbench.run(tags=...)``).
    Rows are ordered by start time.
    """
    quiet_mlflow()
    uri = resolve_tracking_uri(tracking_uri)
    path = local_store_path(uri)
    if path is not None and not path.exists():
        raise TrackingError(f"no MLflow store at {path} - pass --tracking-uri (or tracking_uri=) pointing at one")
    import mlflow

    client = _open_store(uri)
    if experiment is None:
        exps = client.search_experiments()
    else:
        exp = client.get_experiment_by_name(experiment)
        if exp is None:
            names = [e.name for e in client.search_experiments()]
            raise ConfigError(f"no experiment '{experiment}' in {uri} - experiments there: {', '.join(names) or '(none)'}")
        exps = [exp]
    # one value: filtered by the store; several: MLflow's search has no IN for tags, so the frame is filtered
    wanted = {"task": task, "generator": generator, "budget": budget, "seed": seed, "status": status, "sweep": sweep}
    filters, after = [], {}
    for column, value in wanted.items():
        if value is None:
            continue
        values = [str(v).upper() if column == "status" else str(v)
                  for v in ([value] if isinstance(value, (str, int)) else value)]
        if len(values) == 1:
            field = "attributes.status" if column == "status" else f"tags.`{TAG_COLUMNS[column]}`"
            filters.append(f"{field} = '{values[0]}'")
        else:
            after[column] = values
    for bound, op in ((since, ">="), (until, "<")):
        if bound is not None:
            filters.append(f"attributes.start_time {op} {_millis(bound)}")
    if run_ids is not None:
        ids = [str(r) for r in ([run_ids] if isinstance(run_ids, str) else run_ids)]
        filters.append("attributes.run_id IN (" + ", ".join(f"'{r}'" for r in ids) + ")")
    previous = mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(uri)  # mlflow.search_runs reads the process-wide store; put it back after
    try:
        frame = mlflow.search_runs([e.experiment_id for e in exps], filter_string=" AND ".join(filters),
                                   max_results=max_results, order_by=["attributes.start_time ASC"], output_format="pandas")
    finally:
        mlflow.set_tracking_uri(previous)
    runs = _tidy(frame, {e.experiment_id: e.name for e in exps})
    for column, values in after.items():
        runs = runs[runs[column].astype(str).isin(values)]
    return runs.reset_index(drop=True)


def _millis(when) -> int:
    """Milliseconds since the epoch of a datetime or an ISO date / datetime (naive: UTC)."""
    import datetime as dt

    if isinstance(when, str):
        try:
            when = dt.datetime.fromisoformat(when)
        except ValueError:
            raise ConfigError(f"date {when!r} is not an ISO date - write it as 2026-12-03 or 2026-12-03T14:00") from None
    if isinstance(when, dt.date) and not isinstance(when, dt.datetime):
        when = dt.datetime(when.year, when.month, when.day)
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return int(when.timestamp() * 1000)


def _tidy(frame, experiment_names: dict):
    import pandas as pd

    base = ["run_id", "experiment_id", "experiment", "run_name", "status", "start_time", "end_time",
            *TAG_COLUMNS, "task_version"]
    if frame.empty:
        return pd.DataFrame(columns=base)
    out = pd.DataFrame({"run_id": frame["run_id"], "experiment_id": frame["experiment_id"]})
    out["experiment"] = out["experiment_id"].map(experiment_names)
    out["run_name"] = frame.get("tags.mlflow.runName")
    for c in ("status", "start_time", "end_time"):
        out[c] = frame[c]
    for column, tag in TAG_COLUMNS.items():
        out[column] = frame.get(f"tags.{tag}")
    out["seed"] = pd.to_numeric(out["seed"], errors="coerce").astype("Int64")
    version = frame["params.task.version"] if "params.task.version" in frame else pd.Series(None, index=frame.index, dtype=object)
    out["task_version"] = pd.to_numeric(version, errors="coerce").astype("Int64")
    metrics = {c[len("metrics."):]: frame[c] for c in frame.columns if c.startswith("metrics.")}
    params = {c: frame[c] for c in frame.columns if c.startswith("params.")}
    na = {"na." + c[len("tags.") + len(keys.TAG_NA_PREFIX):]: frame[c] for c in frame.columns
          if c.startswith("tags." + keys.TAG_NA_PREFIX)}
    # tags of the caller's own (synthbench.run(tags=...)), under their names
    own = {c: frame[c] for c in frame.columns if c.startswith("tags.") and not c.startswith(("tags.synthbench.", "tags.mlflow."))}
    out = pd.concat([out, pd.DataFrame(dict(sorted(metrics.items()))), pd.DataFrame(dict(sorted(params.items()))),
                     pd.DataFrame(dict(sorted(na.items()))), pd.DataFrame(dict(sorted(own.items())))], axis=1)
    return out.reset_index(drop=True)


def _moved_artifact_uri(client, uri: str, run_id: str) -> str | None:
    """Where run ``run_id`` of a local store ``uri`` keeps its artifacts when the store has been copied, cloned or
    moved (with its ``mlartifacts/`` beside it): MLflow records the artifact folder as an absolute path, which then
    names the old place. None when the recorded place is there (or the store is not local)."""
    recorded = urlparse(client.get_run(run_id).info.artifact_uri)
    root = _store_folder(uri)
    if root is None or recorded.scheme not in ("", "file") or Path(recorded.path).exists():
        return None
    parts = Path(recorded.path).parts
    for start in range(1, len(parts)):  # the longest tail of the recorded path that names this run and is here
        moved = root.joinpath(*parts[start:])
        if run_id in parts[start:] and moved.is_dir():
            return moved.as_uri()
    return None


def _download(client, uri: str, run_id: str, path: str, dst: str) -> str:
    """The local copy of artifact ``path`` of run ``run_id``: from where the run recorded it, else (a moved store)
    from ``_moved_artifact_uri`` - looked up only when the first read fails."""
    import mlflow

    try:
        return client.download_artifacts(run_id, path, dst)
    except Exception:
        moved = _moved_artifact_uri(client, uri, run_id)
        if moved is None:
            raise
        return mlflow.artifacts.download_artifacts(artifact_uri=f"{moved}/{path}", dst_path=dst)


def load_config(run_id: str, tracking_uri: str | None = None) -> dict:
    """The resolved configuration a run recorded (its ``config.json``)."""
    quiet_mlflow()
    uri = resolve_tracking_uri(tracking_uri)
    path = local_store_path(uri)
    if path is not None and not path.exists():
        raise TrackingError(f"no MLflow store at {path} - pass --tracking-uri pointing at the store that holds run {run_id}")
    client = _open_store(uri)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            return json.loads(Path(_download(client, uri, run_id, keys.CONFIG_JSON, tmp)).read_text())
    except Exception as exc:  # unknown run, or a run without config.json
        raise ConfigError(f"cannot read the configuration of run '{run_id}' from {uri} ({type(exc).__name__}: {exc}) - "
                          "check the run id (`synthbench` prints it after a run) and --tracking-uri") from None


# -- what a report reads beside the runs, and the figures it leaves on a sweep's parent run ---------------------
def read_artifacts(tracking_uri: str | None, wanted: dict) -> dict:
    """``{name: bytes or None}`` for ``wanted`` = ``{name: (run_id, artifact path)}``: None where the run has no such
    artifact (not logged, or its files were not kept with the store)."""
    quiet_mlflow()
    uri = resolve_tracking_uri(tracking_uri)
    client = _open_store(uri)
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for i, (name, (run_id, path)) in enumerate(wanted.items()):
            where = Path(tmp) / str(i)
            where.mkdir()
            try:
                out[name] = Path(_download(client, uri, run_id, path, str(where))).read_bytes()
            except Exception:  # noqa: BLE001 - absent artifact: the report says it is missing
                out[name] = None
    return out


def read_histories(tracking_uri: str | None, wanted: dict, metric_keys: tuple) -> dict:
    """``{name: {key: [(step, value), ...]}}`` for ``wanted`` = ``{name: run_id}``: the step metrics of ``metric_keys``
    (one request per run and key: a report asks this for one run per row, not for every run)."""
    quiet_mlflow()
    client = _open_store(resolve_tracking_uri(tracking_uri))
    out = {}
    for name, run_id in wanted.items():
        curves = {}
        for key in metric_keys:
            history = retrying(client.get_metric_history, run_id, key)
            if history:
                curves[key] = sorted((m.step, m.value) for m in history)
        out[name] = curves
    return out


def log_figures(tracking_uri: str | None, run_id: str, figures: dict) -> None:
    """Log ``{artifact path: png bytes}`` to run ``run_id`` (a sweep's parent run, left in its state)."""
    quiet_mlflow()
    client = _open_store(resolve_tracking_uri(tracking_uri))
    with tempfile.TemporaryDirectory() as tmp:
        for path, data in figures.items():
            local = Path(tmp) / path
            local.parent.mkdir(parents=True, exist_ok=True)
            local.write_bytes(data)
            retrying(client.log_artifact, run_id, str(local), str(Path(path).parent) if Path(path).parent != Path(".") else None)


def ui_link(base: str, experiment_id: str, run_id: str | None = None) -> str:
    """A link into the MLflow UI at ``base`` that opens the runs table (or a run) in the view synthbench's runs show
    in: MLflow 3.17 opens an experiment in its GenAI view unless the link asks for ``workflowType=machine_learning``."""
    path = f"/experiments/{experiment_id}" + (f"/runs/{run_id}" if run_id else "/runs")
    return f"{base.rstrip('/')}/#{path}?workflowType=machine_learning"


def import_runs(tracking_uri: str | None, experiment: str, runs: list[dict]) -> list[str]:
    """Write runs made elsewhere into a store, each a dict of ``tags``, ``params``, ``metrics`` (final values), a
    ``status`` (default ``FINISHED``) and optionally ``start_time`` (ms): results from another tool, a store built
    for a test or a benchmark of the report. Returns the new runs' ids."""
    import time

    from mlflow.entities import Metric, Param

    uri, exp_id = setup(tracking_uri, experiment)
    client = _open_store(uri)
    ids = []
    for i, run in enumerate(runs):
        start = int(run.get("start_time", time.time() * 1000 + i))
        created = retrying(client.create_run, exp_id, start_time=start, tags=dict(run.get("tags", {})))
        run_id = created.info.run_id
        metrics = [Metric(k, float(v), start, 0) for k, v in run.get("metrics", {}).items()]
        metrics += [Metric(k, float(v), start, int(step)) for k, points in run.get("curves", {}).items() for step, v in points]
        params = [Param(k, str(v)) for k, v in run.get("params", {}).items()]
        for at in range(0, len(params), 100):  # MLflow's limits per batch: 100 params, 1,000 metrics
            retrying(client.log_batch, run_id, params=params[at:at + 100])
        for at in range(0, len(metrics), 1000):
            retrying(client.log_batch, run_id, metrics=metrics[at:at + 1000])
        retrying(client.set_terminated, run_id, run.get("status", "FINISHED"), end_time=start + 1000)
        ids.append(run_id)
    return ids
