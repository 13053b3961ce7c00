"""Kinds of data the pipeline runs: ``image`` and ``table`` (``base.py`` is the interface). Every module here
that defines ``MODALITY`` registers itself (``synthbench.registry.modalities``)."""

from __future__ import annotations

from synthbench import registry


def load_splits(task, budget: str | None = None, data_dir=None):
    """A task's train / validation / test splits, as its runs see them (``budget``: a budget name, whose
    ``train_size`` may take a subset of the training split)."""
    return registry.modalities.get(task.modality).load_splits(task, task.budget(budget) if budget else None, data_dir)
