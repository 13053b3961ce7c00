"""Small, strict registries fed by entry points (built-ins register the same way plug-ins do).

Names are validated, duplicates refused, objects loaded lazily and checked. A plug-in that fails to
import is reported with its distribution name and does not break the others.

* ``generators`` and ``models``: classes (``synthbench.generators``, ``synthbench.models`` groups);
* ``datasets``: ``DatasetSpec`` objects of the dataset catalogue (``synthbench.datasets``);
* ``modalities``: the modality objects the pipeline runs (``synthbench.modalities``); every module of the
  ``synthbench.modalities`` package that defines ``MODALITY`` is one, so a new modality is one new module.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from typing import Callable

from synthbench import defaults
from synthbench.exceptions import ConfigError, PluginError, UnknownNameError

_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


@dataclass(frozen=True)
class Entry:
    name: str
    target: str  # "module:attr"
    distribution: str
    entry_point: EntryPoint | None = None
    obj: object = None  # registered directly (tests, notebooks)


def classes_with(*methods: str) -> Callable[[str, object, str, str], None]:
    """A check: the object is a class that defines ``methods``."""
    def check(kind: str, name: str, obj: object, dist: str) -> None:
        if not isinstance(obj, type):
            raise PluginError(f"{kind} '{name}' from distribution '{dist}' is not a class (got {type(obj).__name__})")
        missing = [m for m in methods if not callable(getattr(obj, m, None))]
        if missing:
            raise PluginError(f"{kind} '{name}' from distribution '{dist}' lacks method(s) {', '.join(missing)} - "
                              f"a {kind} must define {', '.join(methods)}")
    return check


def objects_with(*attributes: str) -> Callable[[str, object, str, str], None]:
    """A check: the object (an instance) has ``attributes`` and its ``name`` is the registered name."""
    def check(kind: str, name: str, obj: object, dist: str) -> None:
        missing = [a for a in attributes if not hasattr(obj, a)]
        if isinstance(obj, type) or missing:
            raise PluginError(f"{kind} '{name}' from distribution '{dist}' is not a {kind} object"
                              + (f" (it lacks {', '.join(missing)})" if missing else " (got a class, register an instance)"))
        if getattr(obj, "name", name) != name:
            raise PluginError(f"{kind} '{name}' from distribution '{dist}' calls itself '{obj.name}' - make the two names agree")
    return check


class Registry:
    def __init__(self, kind: str, group: str, check: Callable[[str, str, object, str], None], builtin_package: str = ""):
        self.kind, self.group, self.check = kind, group, check
        self.builtin_package = builtin_package  # its modules that define MODALITY register themselves
        self._entries: dict[str, Entry] | None = None
        self._loaded: dict[str, object] = {}
        self._errors: dict[str, str] = {}

    # -- discovery ---------------------------------------------------------------------------
    def _discover(self) -> dict[str, Entry]:
        if self._entries is None:
            entries: dict[str, Entry] = {}
            for ep in [*self._builtin_modules(), *entry_points(group=self.group)]:
                dist = ep.dist.name if ep.dist is not None else ("synthbench" if ep.value.startswith("synthbench.") else "<unknown distribution>")
                if not _NAME.match(ep.name):
                    self._errors[ep.name] = (
                        f"{self.kind} name '{ep.name}' from distribution '{dist}' is invalid - "
                        "use lower-case letters, digits, '-', '_' or '.'"
                    )
                    continue
                if ep.name in entries:
                    if entries[ep.name].target == ep.value:  # the same package seen twice on sys.path
                        continue
                    other = entries[ep.name].distribution
                    self._errors[ep.name] = (
                        f"{self.kind} '{ep.name}' is registered twice, by '{other}' and by '{dist}' - "
                        "uninstall one of them or rename its entry point"
                    )
                    continue
                entries[ep.name] = Entry(ep.name, ep.value, dist, ep)
            for name in self._errors:
                entries.pop(name, None)
            self._entries = entries
        return self._entries

    def _builtin_modules(self) -> list[EntryPoint]:
        if not self.builtin_package:
            return []
        package = importlib.import_module(self.builtin_package)
        return [EntryPoint(m.name.replace("_", "-"), f"{self.builtin_package}.{m.name}:MODALITY", self.group)
                for m in pkgutil.iter_modules(package.__path__) if not m.name.startswith("_") and m.name != "base"]

    def register(self, name: str, obj: object, distribution: str = "<runtime>") -> None:
        """Register ``obj`` directly (for notebooks and tests); same checks as entry points."""
        if not _NAME.match(name):
            raise ConfigError(f"{self.kind} name '{name}' is invalid - use lower-case letters, digits, '-', '_' or '.'")
        entries = self._discover()
        if name in entries:
            raise ConfigError(f"{self.kind} '{name}' is already registered by '{entries[name].distribution}'")
        self._check(name, obj, distribution)
        entries[name] = Entry(name, f"{getattr(obj, '__module__', '?')}:{getattr(obj, '__qualname__', '?')}", distribution, obj=obj)
        self._loaded[name] = obj

    def names(self) -> list[str]:
        return sorted(self._discover())

    def entries(self) -> list[Entry]:
        return [self._discover()[n] for n in self.names()]

    def problems(self) -> dict[str, str]:
        """Entries refused at discovery (duplicates, bad names), name -> reason."""
        self._discover()
        return dict(self._errors)

    # -- loading -----------------------------------------------------------------------------
    def _check(self, name: str, obj: object, dist: str) -> None:
        self.check(self.kind, name, obj, dist)

    def get(self, name: str):
        """The class registered as ``name`` (imported on first use)."""
        if name in self._loaded:
            return self._loaded[name]
        entries = self._discover()
        if name not in entries:
            if name in self._errors:
                raise PluginError(self._errors[name])
            raise UnknownNameError(self.kind, name, entries)
        entry = entries[name]
        try:
            obj = entry.entry_point.load()
        except Exception as exc:  # a broken plug-in must not break the others
            raise PluginError(
                f"{self.kind} '{name}' from distribution '{entry.distribution}' failed to import "
                f"({entry.target}): {type(exc).__name__}: {exc} - fix or reinstall that package, or uninstall it"
            ) from exc
        self._check(name, obj, entry.distribution)
        self._loaded[name] = obj
        return obj

    def try_get(self, name: str):
        """``(class, None)`` or ``(None, error message)``."""
        try:
            return self.get(name), None
        except PluginError as exc:
            return None, str(exc)


generators = Registry("generator", defaults.GENERATORS_GROUP, classes_with("fit", "sample", "get_params"))
models = Registry("downstream model", defaults.MODELS_GROUP, classes_with("fit", "predict"))
datasets = Registry("dataset", defaults.DATASETS_GROUP, objects_with("name", "files", "reader", "urls"))
modalities = Registry("modality", defaults.MODALITIES_GROUP, objects_with("name", "data_type", "load_splits"),
                      builtin_package="synthbench.modalities")
