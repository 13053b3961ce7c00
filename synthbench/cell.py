"""One sweep cell, in a process of its own: ``python -m synthbench.cell`` reads the cell (JSON) on stdin, runs it
as an ordinary run (``synthbench.api.execute``) and writes its progress to stdout as JSON lines for the sweep.

Exit codes: 0 finished; 1 the run failed (its MLflow run says why); 2 bad input found before a run opened (the
reason is the last ``error`` line); 130 / 143 Ctrl-C / SIGTERM (the run is KILLED).

A cell whose sweep is gone (the sweep's process was killed outright, its pipe closed) stops as if the sweep had
stopped it: its run is closed KILLED and tagged interrupted, so the sweep started again runs it over.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time

from synthbench.progress import Reporter


class JsonReporter(Reporter):
    """Progress as JSON lines (``{"event": "phase", "name", "step", "total"}``), at most a few a second."""

    def __init__(self, stream=None, every: float = 0.5):
        self.stream = stream or sys.stdout
        self.every = every
        self._last = 0.0
        self.lost = False  # the sweep no longer reads: progress is dropped (``watch_parent`` stops the cell)

    def emit(self, event: dict, force: bool = False) -> None:
        now = time.monotonic()
        if not self.lost and (force or now - self._last >= self.every):
            self._last = now
            try:
                self.stream.write(json.dumps(event) + "\n")
                self.stream.flush()
            except (BrokenPipeError, OSError):
                self.lost = True

    def phase(self, name: str, total: int | None = None):
        import contextlib

        parent = super().phase(name, total)

        @contextlib.contextmanager
        def scope():
            with parent as check:
                self.emit({"event": "phase", "name": name, "step": 0, "total": total}, force=True)

                def update(event: dict) -> None:
                    check(event)
                    if "phase_total" in event:
                        self.emit({"event": "phase", "name": name, "step": event["phase_step"], "total": event["phase_total"]})
                    elif "total" in event:
                        self.emit({"event": "phase", "name": name, "step": event.get("step", 0), "total": event["total"]})

                yield update

        return scope()

    def message(self, text: str) -> None:
        self.emit({"event": "message", "text": text}, force=True)


def watch_parent(gone: threading.Event, every: float = 1.0) -> None:
    """Interrupt this cell (SIGINT to itself: the run ends KILLED) once the process that started it has died."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(every)
        gone.set()
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=watch, daemon=True, name="synthbench-watch-sweep").start()


def main() -> int:
    from synthbench import api, sweep
    from synthbench.exceptions import SynthbenchError
    from synthbench.progress import interrupt
    from synthbench.tracking import quiet_mlflow

    signal.signal(signal.SIGTERM, interrupt)  # the sweep's timeout or stop: KILLED, with the reason
    signal.signal(signal.SIGINT, interrupt)
    import warnings

    warnings.filterwarnings("ignore")
    quiet_mlflow()
    job = json.loads(sys.stdin.read())
    reporter = JsonReporter()
    orphaned = threading.Event()
    watch_parent(orphaned)
    try:
        cfg = sweep.cell_config(job["task"], job["generator"], job["budget"], job["seed"], job["params"],
                                device=job["device"], resplit=job["resplit"], save_synthetic=job["save_synthetic"],
                                tasks_dir=job["tasks_dir"], train_size=job.get("train_size", 0),
                                augment=tuple(job.get("augment", ())), regimes=job.get("regimes"))
        result = api.execute(cfg, data_dir=job["data_dir"], tracking_uri=job["tracking_uri"], experiment=job["experiment"],
                             reporter=reporter, system_metrics=job.get("system_metrics", False), tags=job["tags"])
    except KeyboardInterrupt as exc:
        if orphaned.is_set() and getattr(exc, "synthbench_run_id", None):
            from synthbench.tracking import mark_interrupted

            mark_interrupted(job["tracking_uri"], [exc.synthbench_run_id])
        return 143 if type(exc).__name__ == "Terminated" else 130
    except Exception as exc:  # noqa: BLE001 - the sweep records it; the run (if one opened) says FAILED already
        first = next((line for line in str(exc).splitlines() if line.strip()), "")
        reporter.emit({"event": "error", "message": f"{type(exc).__name__}: {first}"[:2000],
                       "run_id": getattr(exc, "synthbench_run_id", None)}, force=True)
        opened = getattr(exc, "synthbench_run_id", None)
        return 1 if opened or not isinstance(exc, SynthbenchError) else 2
    reporter.emit({"event": "done", "run_id": result.run_id}, force=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
