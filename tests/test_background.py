"""The evaluation worker: same numbers as in-process, errors reach the caller, nothing left running after
a failure or Ctrl-C, and switched off by $SYNTHBENCH_EVAL_WORKER."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from synthbench.background import ENV_EVAL_WORKER, Background, wanted
from synthbench.metrics.privacy import privacy_checks
from synthbench.metrics.table_fidelity import detection
from synthbench.testing import tiny_table


def _fail(message):
    raise ValueError(message)


def _alive(procs):
    return [p for p in procs if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]


def _workers():
    """This process's pool workers (not multiprocessing's resource tracker, which outlives pools by design)."""
    return [p for p in _alive(psutil.Process().children(recursive=True))
            if "resource_tracker" not in " ".join(p.cmdline())]


def test_worker_gives_the_numbers_the_main_process_gives():
    train, holdout, syn = tiny_table(200, 0), tiny_table(200, 1), tiny_table(200, 2)
    with Background(enabled=True) as worker:
        det = worker.submit(detection, train, syn, 7)
        priv = worker.submit(privacy_checks, train, holdout, syn, 100, 3)
        (det_w, det_s), (priv_w, _) = det.result(timeout=300), priv.result(timeout=300)
    assert det_w == detection(train, syn, 7) and det_s > 0
    assert priv_w == privacy_checks(train, holdout, syn, 100, 3)
    assert worker.peak_rss_mb > 0


def test_a_failing_job_raises_its_own_error_in_the_caller():
    with Background(enabled=True) as worker:
        with pytest.raises(ValueError, match="column 'x' is broken"):
            worker.submit(_fail, "column 'x' is broken").result(timeout=300)
    with pytest.raises(ValueError, match="inline too"):
        Background(enabled=False).submit(_fail, "inline too").result()


def test_closing_after_a_failure_kills_a_busy_worker():
    worker = Background(enabled=True)
    job = worker.submit(time.sleep, 120)
    deadline = time.time() + 120
    while not _workers() and time.time() < deadline:
        time.sleep(0.2)
    assert _workers(), "the worker process never started"
    t0 = time.perf_counter()
    worker.close(failed=True)
    assert time.perf_counter() - t0 < 30
    assert not _workers()
    assert job.done()


def test_switched_off_by_the_environment(monkeypatch):
    monkeypatch.setenv(ENV_EVAL_WORKER, "0")
    assert not wanted()
    worker = Background()
    assert not worker.enabled
    assert worker.submit(sum, [1, 2]).result() == (3, pytest.approx(0, abs=1.0))
    assert not _workers()


def _report_wanted(queue):
    queue.put(wanted())


def test_no_worker_inside_a_daemonic_process():
    """A sweep cell running in a Dask (or multiprocessing) worker may not start processes of its own."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_report_wanted, args=(queue,), daemon=True)
    proc.start()
    try:
        assert queue.get(timeout=120) is False
    finally:
        proc.join(timeout=60)
    assert wanted() == ((os.cpu_count() or 1) > 1)  # here, in the test process, it would be used


def _is_worker(proc) -> bool:
    try:
        return "multiprocessing" in " ".join(proc.cmdline())
    except psutil.Error:
        return False


def test_ctrl_c_in_a_table_run_ends_it_killed_and_leaves_no_worker(tmp_path, tracking_uri, only_run):
    """Ctrl-C in a terminal signals the whole process group, worker included: the worker ignores it,
    the main process records KILLED and kills the worker."""
    env = {**os.environ, ENV_EVAL_WORKER: "1"}
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "synthbench"), "run", "-g", "ctgan", "-t", "adult", "--budget", "quick",
         "--tracking-uri", tracking_uri, "--no-system-metrics", "--no-save-synthetic"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path, env=env, start_new_session=True)
    try:
        deadline, children = time.time() + 180, []
        while time.time() < deadline and proc.poll() is None:
            # the evaluation worker (spawned by multiprocessing), not any child (a run also calls git)
            children = [c for c in psutil.Process(proc.pid).children(recursive=True) if _is_worker(c)]
            if children:
                break
            time.sleep(0.2)
        assert children, "the run never started its evaluation worker"
        time.sleep(2)
        os.killpg(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, err
    assert only_run(tracking_uri).info.status == "KILLED"
    time.sleep(1)
    assert not _alive(children), f"left running: {_alive(children)}"
