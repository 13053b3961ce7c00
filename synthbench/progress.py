"""Progress reporting: the runner calls a ``Reporter``; the CLI passes a rich one (bars with ETA)."""

from __future__ import annotations

import contextlib


class Reporter:
    """Silent reporter (notebooks, tests). Subclasses draw bars."""

    @contextlib.contextmanager
    def phase(self, name: str, total: int | None = None):
        yield self._update

    def _update(self, event: dict) -> None:
        pass

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

        columns = [TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn()]
        with Progress(*columns, console=self.console, transient=False) as bar:
            task = bar.add_task(name, total=total)

            def update(event: dict) -> None:
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
