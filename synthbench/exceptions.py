"""All synthbench errors. Each message says what failed, where, and how to fix it."""

from __future__ import annotations

import difflib


class SynthbenchError(Exception):
    """Base class: an error the user can fix; the CLI prints it as one line."""


class ConfigError(SynthbenchError):
    """A task file, option or hyperparameter is wrong."""


class UnknownNameError(ConfigError):
    """A name that is not in a registry (generator, model, task, dataset, budget)."""

    def __init__(self, kind: str, name: str, available):
        available = sorted(available)
        close = difflib.get_close_matches(name, available, n=1, cutoff=0.5)
        hint = f" - did you mean '{close[0]}'?" if close else ""
        listing = ", ".join(available) if available else "(none)"
        super().__init__(f"unknown {kind} '{name}'{hint} available: {listing}")
        self.kind, self.name, self.available, self.suggestion = kind, name, available, close[0] if close else None


class DatasetError(SynthbenchError):
    """A dataset file is missing, corrupt or cannot be downloaded."""


class PluginError(SynthbenchError):
    """A plug-in could not be loaded or broke the generator contract."""


class ContractError(PluginError):
    """A generator returned data that breaks the contract (shape, dtype, labels, count)."""


class TrackingError(SynthbenchError):
    """The MLflow tracking location cannot be used."""


class TrainingDivergedError(SynthbenchError):
    """A model's losses became NaN or infinite (``step``: the generator step where it happened)."""

    def __init__(self, message: str, step: int | None = None):
        super().__init__(message)
        self.step = step


class Terminated(KeyboardInterrupt):
    """SIGTERM (a scheduler's cancel, ``kill``) ended the run: like Ctrl-C it is KILLED, but recorded as a
    termination and the CLI exits 143 (128 + 15) instead of 130."""
