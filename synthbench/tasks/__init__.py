"""Declarative task files: the built-in ones ship in this package (``synthbench/tasks/*.toml``);
``--tasks-dir`` (or ``$SYNTHBENCH_TASKS_DIR``) adds a user's own folder, whose files win by name.
The schema and its checks are in ``synthbench.tasks.schema``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from synthbench import defaults
from synthbench.exceptions import ConfigError, UnknownNameError
from synthbench.tasks.schema import Budget, Task, parse_task

__all__ = ["Budget", "Task", "available_tasks", "load_task", "load_task_file", "parse_task", "task_dirs"]


def load_task_file(path: Path) -> Task:
    try:
        with open(path, "rb") as fh:
            raw = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc} - fix that line (TOML's syntax: https://toml.io)") from exc
    task = parse_task(raw, str(path))
    if task.name != path.stem:
        raise ConfigError(f"{path}: name '{task.name}' must match the file name '{path.stem}' - rename one of them")
    return task


def task_dirs(tasks_dir: str | os.PathLike | None = None) -> list[Path]:
    return defaults.search_path(tasks_dir, defaults.ENV_TASKS_DIR, defaults.TASKS_DIR)


def available_tasks(tasks_dir=None) -> dict[str, Path]:
    """name -> file; a user's folder wins over the built-in one."""
    found: dict[str, Path] = {}
    for d in reversed(task_dirs(tasks_dir)):
        if d.is_dir():
            for p in sorted(d.glob("*.toml")):
                found[p.stem] = p
    return found


def load_task(name_or_path: str, tasks_dir=None) -> Task:
    p = Path(name_or_path)
    if p.suffix == ".toml" and p.is_file():
        return load_task_file(p)
    tasks = available_tasks(tasks_dir)
    if name_or_path not in tasks:
        raise UnknownNameError("task", name_or_path, tasks)
    return load_task_file(tasks[name_or_path])
