"""Progress reporting: the pipeline calls a ``Reporter``; the CLI passes a rich one (bars with ETA).

Also the CLI's handler of Ctrl-C and SIGTERM (``interrupt``): Ctrl-C raises ``KeyboardInterrupt``, SIGTERM its
subclass ``Terminated``, so that a run is recorded KILLED with the right reason either way."""

from __future__ import annotations

import contextlib
import signal
import threading

from synthbench.exceptions import Terminated


class _Flag(threading.Event):
    """One run's interrupt mark, and its kind: ``KeyboardInterrupt`` (Ctrl-C) or ``Terminated`` (SIGTERM)."""

    def __init__(self):
        super().__init__()
        self.kind: type[KeyboardInterrupt] = KeyboardInterrupt


_ACTIVE: list[_Flag] = []  # the interrupt flag of each run in progress, innermost last


def interrupt(signum=None, frame=None):
    """Signal handler for Ctrl-C / SIGTERM: mark the run in progress interrupted, then raise ``KeyboardInterrupt``
    (``Terminated`` for SIGTERM).

    The mark matters: an interrupt that lands in a finaliser or a library's cleanup is printed as
    "Exception ignored" and lost; every progress update of that run re-raises it, of the same kind, so the
    run still ends KILLED with the right reason. The mark belongs to that run alone: the next run in the same
    process starts unmarked.
    """
    kind = Terminated if signum == signal.SIGTERM else KeyboardInterrupt
    if _ACTIVE:
        _ACTIVE[-1].kind = kind
        _ACTIVE[-1].set()
    raise kind


@contextlib.contextmanager
def interruptible():
    """The scope of one run: a fresh interrupt flag while it lasts, dropped when it ends."""
    flag = _Flag()
    _ACTIVE.append(flag)
    try:
        yield flag
    finally:
        _ACTIVE.remove(flag)


def check_interrupt() -> None:
    if _ACTIVE and _ACTIVE[-1].is_set():
        raise _ACTIVE[-1].kind


class Reporter:
    """Silent reporter (notebooks, tests). Subclasses draw bars. Every phase start and update re-raises an
    interrupt that was swallowed on its way up (see ``interrupt``)."""

    @contextlib.contextmanager
    def phase(self, name: str, total: int | None = None):
        check_interrupt()
        yield self._update

    def _update(self, event: dict) -> None:
        check_interrupt()

    def message(self, text: str) -> None:
        pass


class RichReporter(Reporter):
    """One rich progress bar per long phase, with elapsed time and ETA."""

    def __init__(self, console=None):
        from rich.console import Console

        self.console = console or Console(stderr=True)

    @contextlib.contextmanager
    def phase(self, name: str, total: int | None = None):
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

        check_interrupt()

        columns = [TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn()]
        with Progress(*columns, console=self.console, transient=False) as bar:
            task = bar.add_task(name, total=total)

            def update(event: dict) -> None:
                check_interrupt()
                if "phase_total" in event:
                    bar.update(task, total=event["phase_total"], completed=event["phase_step"])
                elif "total" in event:
                    bar.update(task, total=event["total"], completed=event.get("step", 0))

            yield update
            if bar.tasks[0].total is None:
                bar.update(task, total=1, completed=1)
            else:
                bar.update(task, completed=bar.tasks[0].total)

    def message(self, text: str) -> None:
        self.console.print(text)


class SweepProgress:
    """A sweep on the terminal: one line per running cell (its current phase) and, under them, one for the sweep -
    cells done and failed, and the time left (from this sweep's finished cells, else from the store's estimates)."""

    def __init__(self, console=None):
        from rich.console import Console

        import threading

        self.console = console or Console(stderr=True)
        self.live = None
        self.lock = threading.RLock()  # events come from the cells' reader threads (or Dask's), outcomes from the sweep's

    def start(self, todo: list, workers: int, estimates: dict) -> None:
        import time

        from rich.live import Live

        self.labels = {c.identity: c.label for c in todo}
        self.total, self.workers, self.estimates = len(todo), workers, estimates
        self.running: dict[str, str] = {}
        self.done_n = self.failed_n = 0
        self.spent: list[float] = []
        self.t0 = time.monotonic()
        self.live = Live(self._render(), console=self.console, refresh_per_second=2, transient=True)
        self.live.start()

    def _eta(self) -> str:
        left = self.total - self.done_n - self.failed_n
        if left <= 0:
            return "0:00:00"
        if self.spent:
            per = sum(self.spent) / len(self.spent)
        else:
            known = [v for k, v in self.estimates.items() if k in self.labels]
            if not known:
                return "unknown"
            per = sum(known) / len(known)
        import datetime

        return str(datetime.timedelta(seconds=int(per * left / max(1, min(self.workers, left)))))

    def _render(self):
        from rich.text import Text

        lines = [f"  {self.labels.get(k, k)}: {v}" for k, v in self.running.items()]
        lines.append(f"sweep: {self.done_n + self.failed_n}/{self.total} cells done, {self.failed_n} failed, "
                     f"{len(self.running)} running - ETA {self._eta()}")
        return Text("\n".join(lines))

    def event(self, identity: str, event: dict) -> None:
        if event.get("event") == "phase":
            step = f" {event['step']}/{event['total']}" if event.get("total") else ""
            with self.lock:
                self.running[identity] = f"{event['name']}{step}"
                if self.live:
                    self.live.update(self._render())

    def done(self, outcome: dict) -> None:
        with self.lock:
            self._done(outcome)

    def _done(self, outcome: dict) -> None:
        self.running.pop(outcome["identity"], None)
        label = self.labels.get(outcome["identity"], outcome["identity"])
        if outcome["status"] == "FINISHED":
            self.done_n += 1
            self.spent.append(outcome["seconds"])
            self.console.print(f"[green]done[/] {label} ({outcome['seconds']:.0f} s, run {outcome['run_id']})")
        else:
            self.failed_n += 1
            self.console.print(f"[red]{outcome['status'].lower()}[/] {label}: {outcome['reason']} (run {outcome['run_id']})")
        if self.live:
            self.live.update(self._render())

    def close(self) -> None:
        if self.live:
            self.live.stop()
            self.live = None
