"""Seeds: one run seed, a derived seed per named random step, and global state left as it was found.

Every random step of a run draws from its own generator, seeded by ``derive_seed(run_seed, "<step name>")``,
so adding a step never shifts the draws of another. Library code that draws from the global generators
(``random``, NumPy's legacy one, torch's) is seeded too, inside ``isolated``, which restores them - and
torch's thread count - when the run ends, so a second run in the same process starts from the same place.
"""

from __future__ import annotations

import contextlib
import random
import zlib

import numpy as np


def derive_seed(seed: int, name: str) -> int:
    """A seed for one named random step, derived from the run seed (stable across processes)."""
    return int(np.random.SeedSequence([int(seed) % (2**32), zlib.crc32(name.encode())]).generate_state(1)[0])


def seed_everything(seed: int) -> None:
    """Seed the global RNGs too (for library code that draws from them)."""
    import torch

    random.seed(seed)
    np.random.seed(seed % (2**32))
    torch.manual_seed(seed)


@contextlib.contextmanager
def isolated(seed: int):
    """Seed the global generators for a run; on exit restore them and torch's thread counts as they were."""
    import torch

    saved = (random.getstate(), np.random.get_state(), torch.get_rng_state(), torch.get_num_threads())
    cuda = torch.cuda.get_rng_state_all() if torch.cuda.is_initialized() else None  # never start CUDA for this
    seed_everything(seed)
    try:
        yield
    finally:
        random.setstate(saved[0])
        np.random.set_state(saved[1])
        torch.set_rng_state(saved[2])
        if torch.get_num_threads() != saved[3]:
            torch.set_num_threads(saved[3])
        if cuda is not None:
            torch.cuda.set_rng_state_all(cuda)
