"""The data layer: records in memory (``LabeledImages``, ``Table``), the dataset catalogue
(``catalog``: files, checksums, sources, reader), the readers (``readers``) and a task's splits (``splits``).

A generator plug-in needs only ``LabeledImages`` / ``Table`` and ``balanced_labels`` from here.
"""

from synthbench.data.images import UNLABELED, LabeledImages
from synthbench.data.splits import balanced_labels
from synthbench.data.table import Table

__all__ = ["UNLABELED", "LabeledImages", "Table", "balanced_labels"]
