"""The evaluation worker: same numbers as in-process, errors reach the caller, nothing left running after
a failure, Ctrl-C or a SIGKILL of the run, and switched off by $SYNTHBENCH_EVAL_WORKER."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from synthbench.background import ENV_EVAL_WORKER, Background, cores, threads_available, wanted
from synthbench.metrics.privacy import privacy_checks
from synthbench.metrics.table_fidelity import detection
from synthbench.testing import tiny_table


def _fail(message):
    raise ValueError(message)


def _alive(procs):
    def alive(p):
        try:
            return p.is_running() and p.status() != psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:  # ended between the two questions
            return False

    return [p for p in procs if alive(p)]


def _workers():
    """This process's pool workers (not multiprocessing's resource tracker, which outlives pools by design)."""
    return [p for p in _alive(psutil.Process().children(recursive=True))
            if "resource_tracker" not in " ".join(p.cmdline())]


def test_worker_gives_the_numbers_the_main_process_gives():
    train, holdout, syn = tiny_table(200, 0), tiny_table(200, 1), tiny_table(200, 2)
    with Background(enabled=True) as worker:
        det = worker.submit(detection, train, syn, 7)
        priv = worker.submit(privacy_checks, train, holdout, syn, 100, 3)
        with worker.sharing_cores():  # the main process's thread counts leave the worker its core
            assert threads_available() == max(1, cores() - 1)
        assert threads_available() == cores() <= (os.cpu_count() or 1)
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
    assert wanted() == (cores() > 1)  # here, in the test process, it would be used


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


def _cmdline(proc) -> str:
    try:
        return " ".join(proc.cmdline())
    except psutil.Error:
        return ""


def _start_long_table_run(tmp_path, tasks_dir, tracking_uri):
    """A table run whose generator fits far longer than any test waits (CTGAN, 100 000 epochs on 300 rows), in
    its own process group; returns it once its evaluation worker exists, with the worker."""
    env = {**os.environ, ENV_EVAL_WORKER: "1"}
    with (tmp_path / "stderr.txt").open("w") as stderr:
        proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "synthbench"), "run", "-g", "ctgan", "-t", "tiny-table", "--tasks-dir",
             str(tasks_dir), "--budget", "quick", "--param", "epochs=100000", "--tracking-uri", tracking_uri,
             "--no-system-metrics", "--no-save-synthetic"],
            stdout=subprocess.DEVNULL, stderr=stderr, cwd=tmp_path, env=env, start_new_session=True)
    deadline, worker = time.time() + 120, None
    while time.time() < deadline and proc.poll() is None and worker is None:
        time.sleep(0.1)
        try:
            kids = psutil.Process(proc.pid).children(recursive=True)
        except psutil.Error:
            continue
        worker = next((k for k in kids if "spawn_main" in _cmdline(k)), None)
    if worker is None:
        _end_group(proc)
        pytest.fail(f"the run (exit {proc.poll()}) never started its evaluation worker: "
                    f"{(tmp_path / 'stderr.txt').read_text()[-2000:]}")
    return proc, worker


def _end_group(proc) -> None:
    """Clean-up after a test: whatever of the run's process group is left, killed."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=60)


def test_a_killed_run_takes_its_worker_and_the_resource_tracker_with_it(tmp_path, tasks_dir, tracking_uri):
    """SIGKILL (or the OOM killer) of the run's main process: it cannot clean up, yet within seconds none of
    its processes is left (before, the ~0.7 GB worker and the resource tracker lived on, adopted by init)."""
    proc, worker = _start_long_table_run(tmp_path, tasks_dir, tracking_uri)
    try:
        time.sleep(3)  # the worker is past its start-up and busy importing or waiting for jobs
        family = psutil.Process(proc.pid).children(recursive=True)
        assert worker in family and any("resource_tracker" in _cmdline(p) for p in family), family
        assert proc.poll() is None, "the run ended before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)  # the main process only, as the OOM killer does
        proc.wait(timeout=30)
        deadline = time.time() + 10
        while _alive(family) and time.time() < deadline:
            time.sleep(0.2)
        assert not _alive(family), f"left running: {[(p.pid, _cmdline(p)[:80]) for p in _alive(family)]}"
    finally:
        _end_group(proc)


_MIDDLE = """
import subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", sys.argv[1]], stdout=subprocess.PIPE, text=True)
print(child.pid, child.stdout.readline().strip(), flush=True)
time.sleep(120)
"""
_WATCHED = """
import os, time
from synthbench.background import _watch_parent
print("watching", flush=True)
_watch_parent(os.getppid())
time.sleep(120)
"""


def test_the_portable_watch_ends_an_orphan():
    """The watch alone (without Linux's PR_SET_PDEATHSIG): a process that runs it exits soon after its parent
    is killed, instead of sleeping on as an orphan."""
    middle = subprocess.Popen([sys.executable, "-c", _MIDDLE, _WATCHED], stdout=subprocess.PIPE, text=True,
                              start_new_session=True)
    try:
        pid, state = middle.stdout.readline().split()
        child = psutil.Process(int(pid))
        assert state == "watching" and _alive([child])
        time.sleep(1)
        assert _alive([child]), "the watched process exited while its parent lived"
        os.kill(middle.pid, signal.SIGKILL)
        middle.wait(timeout=30)
        deadline = time.time() + 5
        while _alive([child]) and time.time() < deadline:
            time.sleep(0.1)
        assert not _alive([child]), "the orphan lived on"
    finally:
        try:
            os.killpg(middle.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        middle.wait(timeout=30)
        middle.stdout.close()
