"""A second process for independent evaluation work, so that a run uses a laptop's second core.

Most of a table run is single-threaded (an SDV fit, SDMetrics, a logistic regression), so on a 2-core
machine one core sits idle. A table run therefore starts one worker process (``spawn``: no inherited
threads or locks) when it begins; the worker imports its libraries while the generator fits, and then
computes the detection score and the privacy checks while the main process trains the downstream models.
The functions are the same ones the main process would call, with their own seeds; the worker's BLAS uses
one thread, so a score can differ from an in-process one in the last digits (summation order: detection AUC
0.8903 against 0.8901 on Adult). Their seconds are measured in the worker.

``SYNTHBENCH_EVAL_WORKER=0``, a machine with one core, or a run inside a daemonic worker process (a Dask
worker, a multiprocessing pool) runs everything in the main process instead.
The worker ignores Ctrl-C and SIGTERM (a terminal or a scheduler signals the whole process group): the main
process handles them and kills the worker, so an interrupted or terminated run ends KILLED and leaves no
process behind. The worker also dies with the main process when that one cannot clean up (SIGKILL, the OOM
killer): a thread in the worker exits it within half a second of its parent's end, and on Linux the kernel
kills it at once (``PR_SET_PDEATHSIG``). multiprocessing's resource tracker then follows by itself, as the
last process holding its pipe is gone.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from concurrent.futures import Future
from contextvars import ContextVar
from typing import Callable

from synthbench.defaults import ENV_CORES

ENV_EVAL_WORKER = "SYNTHBENCH_EVAL_WORKER"
_WARM_MODULES = ("pandas", "sklearn.linear_model", "sklearn.neighbors", "sklearn.metrics", "sdmetrics.single_table")
_PARENT_POLL_SECONDS = 0.5
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
_SHARING: ContextVar[bool] = ContextVar("synthbench_sharing_cores", default=False)


def wanted() -> bool:
    """Whether runs use the worker: more than one core, not switched off by ``$SYNTHBENCH_EVAL_WORKER``, and
    not inside a daemonic process (a Dask or multiprocessing worker may not start processes of its own)."""
    import multiprocessing

    setting = os.environ.get(ENV_EVAL_WORKER, "").strip().lower()
    if setting in ("0", "false", "no", "off") or multiprocessing.current_process().daemon:
        return False
    return cores() > 1


def _die_with(parent: int) -> None:
    """In the worker: end this process when ``parent`` (the main process that started it) is gone, rather than
    live on as an orphan holding its memory.

    Linux: the kernel sends SIGKILL when the parent's thread that started the worker ends (that thread runs the
    whole run, the worker's lifetime included); it acts even while a job holds the GIL. Everywhere: a daemon
    thread runs ``_watch_parent``; it also covers a parent that died before either watch was in place.
    """
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        except (OSError, AttributeError):  # no prctl in this libc: the thread alone
            pass
    threading.Thread(target=_watch_parent, args=(parent,), name="synthbench-watch-parent", daemon=True).start()


def _watch_parent(parent: int) -> None:
    """Exit this process once ``parent`` is no longer its parent: an orphan is adopted (by init or a subreaper),
    so its parent pid changes. Checked every half second."""
    while os.getppid() == parent:
        time.sleep(_PARENT_POLL_SECONDS)
    os._exit(1)


def _warm(parent: int) -> None:
    """Worker initialiser: die with ``parent``; leave Ctrl-C and SIGTERM to the main process; import the
    libraries the jobs use."""
    import importlib

    _die_with(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    for name in _WARM_MODULES:
        importlib.import_module(name)
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)  # for the worker's lifetime: one core for it, the main process keeps the others


def threads_available() -> int:
    """How many threads this process's own parallel work may use now: every core, or one fewer while
    ``Background.sharing_cores`` leaves one to the worker. Libraries that take a thread count (XGBoost's
    ``n_jobs``) cap it here: OpenMP threads waiting at a barrier for one that shares a core with the worker made
    XGBoost 6x slower on a 2-core machine (15.9 s against 2.6 s with one thread; identical predictions)."""
    n = cores()
    return max(1, n - 1) if _SHARING.get() else n


def cores() -> int:
    """The cores this process may run on: its CPU affinity where the OS reports one (a container, ``taskset``, a
    pinned cluster worker), else every core of the machine; at most ``$SYNTHBENCH_CORES`` (a sweep's share)."""
    try:
        n = len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # macOS, Windows
        n = os.cpu_count() or 1
    share = os.environ.get(ENV_CORES, "").strip()  # a sweep's worker: its share of the machine
    return max(1, min(n, int(share))) if share.isdigit() and int(share) > 0 else n


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MiB (Linux reports KiB)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _timed(fn: Callable, args: tuple, kwargs: dict):
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t0, peak_rss_mb()


class Background:
    """``submit(fn, *args)`` returns a future of ``(result, seconds)``; ``close()`` ends the worker.

    Without a worker (``enabled=False``) ``submit`` runs the function at once, in this process.
    ``peak_rss_mb`` is the worker's peak resident memory seen so far (0 without one).
    """

    def __init__(self, enabled: bool | None = None):
        self.enabled = wanted() if enabled is None else enabled
        self.peak_rss_mb = 0.0
        self._pool = None
        if self.enabled:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"), initializer=_warm,
                                             initargs=(os.getpid(),))
            self._pool.submit(int)  # start the worker (and its imports) now, not at the first job

    def submit(self, fn: Callable, *args, **kwargs) -> "Future":
        if self._pool is None:
            fut: Future = Future()
            try:
                fut.set_result(_timed(fn, args, kwargs)[:2])
            except BaseException as exc:  # noqa: BLE001 - delivered by .result(), as a worker's would be
                fut.set_exception(exc)
            return fut
        inner = self._pool.submit(_timed, fn, args, kwargs)
        outer: Future = Future()

        def done(f: Future) -> None:
            if f.cancelled():
                outer.cancel()
            elif f.exception() is not None:
                outer.set_exception(f.exception())
            else:
                result, seconds, rss = f.result()
                self.peak_rss_mb = max(self.peak_rss_mb, rss)
                outer.set_result((result, seconds))

        inner.add_done_callback(done)
        return outer

    @contextlib.contextmanager
    def sharing_cores(self):
        """Context for the main process's work while worker jobs run: its BLAS pools (OpenBLAS, MKL) and the
        thread counts it passes to libraries (``threads_available``) leave one core to the worker; busy-waiting
        threads would otherwise take it and slow both sides."""
        if self._pool is None:
            yield
            return
        from threadpoolctl import threadpool_limits

        token = _SHARING.set(True)
        try:
            with threadpool_limits(limits=threads_available(), user_api="blas"):
                yield
        finally:
            _SHARING.reset(token)

    def close(self, failed: bool = False) -> None:
        """End the worker: wait for it after a normal run, kill it after a failure or an interrupt."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        if not failed:
            pool.shutdown(wait=True)
            return
        kill = getattr(pool, "kill_workers", None)  # Python >= 3.14
        if kill is not None:
            kill()
        else:
            for proc in list((getattr(pool, "_processes", None) or {}).values()):
                proc.kill()
        pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> "Background":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close(failed=exc_type is not None)
