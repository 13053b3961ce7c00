"""Progress reporting: the pipeline calls a ``Reporter``; the CLI passes a rich one (bars with ETA)."""

from __future__ import annotations

import contextlib
import threading

_ACTIVE: list[threading.Event] = []  # the interrupt flag of each run in progress, innermost last


def interrupt(signum=None, frame=None):
    """Signal handler for Ctrl-C / SIGTERM: mark the run in progress interrupted, then raise ``KeyboardInterrupt``.

    The mark matters: an interrupt that lands in a finaliser or a library's cleanup is printed as
    "Exception ignored" and lost; every progress update of that run re-raises it, so the run still ends
    KILLED. The mark belongs to that run alone: the next run in the same process starts unmarked.
    """
    if _ACTIVE:
        _ACTIVE[-1].set()
    raise KeyboardInterrupt


@contextlib.contextmanager
def interruptible():
    """The scope of one run: a fresh interrupt flag while it lasts, dropped when it ends."""
    flag = threading.Event()
    _ACTIVE.append(flag)
    try:
        yield flag
    finally:
        _ACTIVE.remove(flag)


def check_interrupt() -> None:
    if _ACTIVE and _ACTIVE[-1].is_set():
        raise KeyboardInterrupt


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
