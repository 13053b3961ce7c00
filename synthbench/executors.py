"""Where a sweep's cells run: a local pool of worker threads, or Dask (a ``LocalCluster``, or an existing cluster at
``--scheduler``). Either way each cell runs in a process of its own (``synthbench.cell``) started by
``run_cell``, which watches it - a timeout, the sweep's stop - and makes sure the cell ends recorded: a process
that died (SIGKILL, the OOM killer, a segfault) leaves its run RUNNING or no run at all, and ``run_cell`` closes
or creates it FAILED with the reason.

Threads: the machine's cores are divided among the workers (``$SYNTHBENCH_CORES``, ``OMP_NUM_THREADS`` and the
BLAS libraries' variables in each cell's process), so two workers on two cores do not fight over them. A cell's
numbers do not depend on the executor, but torch's CPU kernels sum in another order with another number of
threads: give ``threads`` to compare executors digit for digit.

A cell started by a Dask worker gets the environment the worker had before Dask's nanny changed it: the nanny's
``pre-spawn-environ`` (``MALLOC_TRIM_THRESHOLD_=65536``, one OpenMP/BLAS thread) is meant for the worker's own
memory, and makes a cell's allocation-heavy work (numpy, pandas, torch on CPU) about 1.5x slower.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from typing import Callable, Iterator

from synthbench import defaults

_THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS")
_POLL = 0.25


def cores_per_cell(workers: int) -> int:
    """Each of ``workers`` concurrent cells gets an equal share of this machine's cores (at least one)."""
    from synthbench.background import cores

    return max(1, cores() // max(1, workers))


def _signal_name(n: int) -> str:
    try:
        return signal.Signals(n).name
    except ValueError:
        return f"signal {n}"


def run_cell(job: dict, stop: Callable[[], bool] = lambda: False, on_event: Callable[[dict], None] | None = None) -> dict:
    """Run one cell (``job``: what ``synthbench.cell`` reads, plus ``timeout`` and ``threads``) in a new process and
    return its outcome: ``{"identity", "attempt", "status", "reason", "seconds", "run_id"}``. ``stop``: polled; when
    it says so, the cell is interrupted (SIGINT, then SIGKILL after a grace period) and recorded as stopped by the
    sweep. ``on_event``: the cell's progress events."""
    from synthbench import tracking

    env = {k: v for k, v in os.environ.items() if k not in job.get("drop_env", ())}
    if job.get("threads"):
        env.update({v: str(job["threads"]) for v in _THREAD_VARS})
        env[defaults.ENV_CORES] = str(job["threads"])
    t0 = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "synthbench.cell"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, start_new_session=True)
    err_tail: deque = deque(maxlen=40)
    last: dict = {}

    def read_out() -> None:
        for line in proc.stdout:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if event.get("event") in ("error", "done"):
                last.update(event)
            if on_event:
                try:
                    on_event(event)
                except Exception:  # noqa: BLE001 - a display's error must not stop reading (the cell would block on a full pipe)
                    pass

    readers = [threading.Thread(target=read_out, daemon=True),
               threading.Thread(target=lambda: err_tail.extend(proc.stderr), daemon=True)]
    for r in readers:
        r.start()
    try:
        proc.stdin.write(json.dumps({k: v for k, v in job.items() if k not in ("timeout", "threads", "drop_env")}))
        proc.stdin.close()
    except BrokenPipeError:  # it died at once; its exit status says how
        pass
    why, sent = None, None
    while proc.poll() is None:
        time.sleep(_POLL)
        if why is None and time.monotonic() - t0 > job["timeout"]:
            why, sent = "timeout", time.monotonic()
            proc.send_signal(signal.SIGTERM)
        elif why is None and stop():
            why, sent = "stopped", time.monotonic()
            proc.send_signal(signal.SIGINT)
        elif sent is not None and time.monotonic() - sent > defaults.SWEEP_KILL_GRACE:
            os.killpg(proc.pid, signal.SIGKILL)  # the cell and anything it started
            sent = float("inf")
    for r in readers:
        r.join(timeout=5)
    rc, seconds = proc.returncode, time.monotonic() - t0
    outcome = {"identity": job["identity"], "attempt": job["attempt"], "seconds": seconds, "run_id": last.get("run_id")}
    if rc == 0:  # finished - even if the timeout or the sweep's stop came in its last moments
        return {**outcome, "status": "FINISHED", "reason": ""}
    if why == "timeout":
        status, reason = "FAILED", f"timeout: the cell ran past the sweep's limit of {job['timeout']:g} s and was stopped"
    elif why == "stopped":
        status, reason = "KILLED", "the sweep was stopped (Ctrl-C or SIGTERM) while this cell ran"
    elif rc < 0:
        status = "FAILED"
        reason = f"the cell's process was killed by {_signal_name(-rc)}" + (
            " (out of memory? the kernel's OOM killer sends SIGKILL)" if -rc == signal.SIGKILL else
            " (a crash in native code)" if -rc in (signal.SIGSEGV, signal.SIGBUS, signal.SIGABRT) else "")
    elif last.get("event") == "error":
        status, reason = "FAILED", last["message"]
    elif rc in (130, 143):
        status, reason = "KILLED", f"the cell's process was {'interrupted' if rc == 130 else 'terminated'} from outside the sweep"
    else:
        tail = [line.strip() for line in err_tail if line.strip()]
        status, reason = "FAILED", f"the cell's process exited with code {rc}" + (f": {tail[-1][:1000]}" if tail else "")
    tags = _cell_tags(job)
    run_id = tracking.close_attempt(job["tracking_uri"], job["experiment"], job["attempt"], status, reason, tags,
                                    job["run_name"], force=why == "timeout", params=job.get("run_params"))
    if why == "stopped":  # not a result: the sweep run again does it over
        tracking.mark_interrupted(job["tracking_uri"], [run_id])
    return {**outcome, "status": status, "reason": reason, "run_id": run_id, "stopped": why == "stopped"}


class Local:
    """``workers`` cells at a time, each watched by a thread of this process; each cell gets ``threads`` threads
    (default: this machine's cores divided among the workers)."""

    name = "local"

    def __init__(self, workers: int, threads: int | None = None):
        self.workers = workers
        self.threads = threads or cores_per_cell(workers)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass

    def map(self, jobs: list[dict], stop: threading.Event, on_event) -> Iterator[dict]:
        from concurrent.futures import ThreadPoolExecutor, as_completed

        pool = ThreadPoolExecutor(self.workers, thread_name_prefix="synthbench-cell")
        try:
            futures = [pool.submit(_unless_stopped, run_cell, {**job, "threads": self.threads}, stop, on_event)
                       for job in jobs]
            for f in as_completed(futures):
                if f.result() is not None:
                    yield f.result()
        finally:
            stop.set() if sys.exc_info()[0] is not None else None
            pool.shutdown(wait=True, cancel_futures=True)


def _unless_stopped(fn, job, stop, on_event):
    if stop.is_set():
        return None
    try:
        return fn(job, stop.is_set, lambda e: on_event(job["identity"], e))
    except Exception as exc:  # noqa: BLE001 - the cell could not be run or recorded: it fails, the sweep goes on
        return lost(job, exc)


def _cell_tags(job: dict) -> dict:
    """The tags of a cell's run, for a run the sweep itself closes or creates: its identity (``records.run_tags``,
    as the cell's own run has them) and the sweep's."""
    return {**job["run_tags"], **job["tags"]}


def lost(job: dict, exc: BaseException) -> dict:
    """The outcome of a cell whose process could not be started or watched to its end (a Dask worker that died, a
    store that stayed locked): FAILED with the reason, its run closed where the store can still be written."""
    from synthbench import tracking

    reason = f"the sweep lost this cell: {type(exc).__name__}: {exc}"[:2000]
    tags = _cell_tags(job)
    try:
        run_id = tracking.close_attempt(job["tracking_uri"], job["experiment"], job["attempt"], "FAILED", reason, tags,
                                        job["run_name"], params=job.get("run_params"))
    except Exception:  # noqa: BLE001 - the store itself is failing: the outcome still says why
        run_id = None
    return {"identity": job["identity"], "attempt": job["attempt"], "seconds": 0.0, "run_id": run_id,
            "status": "FAILED", "reason": reason}


class Dask:
    """Cells as Dask tasks: a ``LocalCluster`` of ``workers`` single-threaded worker processes, or the cluster whose
    scheduler is at ``scheduler``. Each task starts the cell's own process (``run_cell``), so a cell that crashes
    takes no Dask worker with it; its progress comes back as Dask events (``Client.subscribe_topic``). Threads per
    cell: ``threads``, else this machine's cores divided among the workers (``LocalCluster``), else - on a cluster
    - the worker host's cores divided by the tasks its worker runs at once (its ``--nthreads``)."""

    name = "dask"

    def __init__(self, workers: int, scheduler: str | None = None, threads: int | None = None):
        self.workers, self.scheduler = workers, scheduler
        self.threads = threads if threads else (None if scheduler else cores_per_cell(workers))
        self.client = self.cluster = None

    def __enter__(self):
        import logging

        from synthbench.exceptions import ConfigError

        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:
            raise ConfigError("--executor dask needs dask.distributed - pip install 'dask[distributed]'") from None
        if self.scheduler:
            try:
                self.client = Client(self.scheduler, timeout=defaults.DASK_CONNECT_TIMEOUT)
            except (OSError, TimeoutError) as exc:
                raise ConfigError(f"the Dask scheduler at {self.scheduler} did not answer within "
                                  f"{defaults.DASK_CONNECT_TIMEOUT:g} s ({type(exc).__name__}) - start it (`dask scheduler`) and its "
                                  "workers (`dask worker ADDRESS`), or fix --scheduler") from None
        else:
            self.cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True,
                                        dashboard_address=None, silence_logs=logging.ERROR)
            self.client = Client(self.cluster)
        return self

    def __exit__(self, *exc) -> None:
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()

    def map(self, jobs: list[dict], stop: threading.Event, on_event) -> Iterator[dict]:
        import uuid

        from dask.distributed import Event, as_completed

        run = uuid.uuid4().hex
        flag, topic = f"synthbench-stop-{run}", f"synthbench-progress-{run}"
        self.client.subscribe_topic(topic, lambda event: on_event(event[1]["identity"], event[1]["event"]))
        futures = {self.client.submit(_dask_cell, {**job, "threads": self.threads}, flag, topic, key=f"cell-{job['attempt']}",
                                      pure=False): job for job in jobs}
        try:
            for f in as_completed(futures):
                try:
                    outcome = f.result()
                except Exception as exc:  # noqa: BLE001 - its worker died (KilledWorker), or run_cell itself failed
                    outcome = lost(futures[f], exc)
                if outcome is not None:
                    yield outcome
        except BaseException:
            Event(flag, client=self.client).set()  # running cells stop and are recorded; the rest never start
            for f in list(futures):
                try:
                    if not f.done() or f.status == "pending":
                        f.result(timeout=defaults.SWEEP_KILL_GRACE + 30)
                except Exception:  # noqa: BLE001 - cancelled or lost: nothing was recorded for it
                    pass
            raise
        finally:
            self.client.unsubscribe_topic(topic)


def _nanny_environ() -> list[str]:
    """The variables Dask's nanny set for this worker process (its ``pre-spawn-environ``, still at the nanny's values)."""
    import dask

    pre = dask.config.get("distributed.nanny.pre-spawn-environ", default={}) or {}
    return [k for k, v in pre.items() if os.environ.get(k) == str(v)]


def _dask_cell(job: dict, flag: str, topic: str) -> dict | None:
    """A Dask task: one cell, stopped when the sweep sets the event ``flag``, its progress sent as events on ``topic``."""
    from dask.distributed import Event, get_client, get_worker

    from synthbench.background import cores

    event = Event(flag)
    if event.is_set():
        return None
    last = [0.0, False]

    def stop() -> bool:  # asks the scheduler at most every 2 s
        if time.monotonic() - last[0] > 2.0:
            last[0], last[1] = time.monotonic(), event.is_set()
        return last[1]

    client = get_client()

    def progress(e: dict) -> None:  # best effort: run_cell drops what a display fails on
        client.log_event(topic, {"identity": job["identity"], "event": e})

    threads = job.get("threads") or max(1, cores() // max(1, get_worker().state.nthreads))
    return run_cell({**job, "threads": threads, "drop_env": _nanny_environ()}, stop, progress)
