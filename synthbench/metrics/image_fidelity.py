"""Image fidelity through torch-fidelity: FID, KID and precision/recall in a domain feature space.

One call computes every requested metric from one feature pass per input. The image modality compares the
synthetic set with the real test split, and a same-sized subset of the real training split with the
test split too (``fidelity/reference/*``), so a reader knows what "good" looks like in this space.
"""

from __future__ import annotations

import numpy as np

from synthbench import keys
from synthbench.extractors import ensure_registered


def compute_fidelity(fake: np.ndarray, real: np.ndarray, extractor: str, metrics=("fid", "kid", "precision", "recall"),
                     kid_subset_size: int = 1000, device: str = "cpu", batch_size: int = 500) -> dict[str, float]:
    """Fidelity of ``fake`` against ``real`` (both uint8 ``(N, C, H, W)``), keyed by ``synthbench.keys``."""
    import torch
    import torch_fidelity
    from torch.utils.data import Dataset

    class _DS(Dataset):
        def __init__(self, images):
            self.t = torch.from_numpy(np.ascontiguousarray(images))

        def __len__(self):
            return len(self.t)

        def __getitem__(self, i):
            return self.t[i]

    name = ensure_registered(extractor)
    want_prc = "precision" in metrics or "recall" in metrics
    n = min(len(fake), len(real))
    out = torch_fidelity.calculate_metrics(
        input1=_DS(fake), input2=_DS(real), cuda=device.startswith("cuda"), batch_size=batch_size,
        fid="fid" in metrics, kid="kid" in metrics, prc=want_prc,
        feature_extractor=name, kid_subset_size=min(kid_subset_size, n), save_cpu_ram=True,
        cache=False, verbose=False, samples_shuffle=False,
    )
    result = {}
    if "fid" in metrics:
        result[keys.FID] = float(out["frechet_inception_distance"])
    if "kid" in metrics:
        result[keys.KID] = float(out["kernel_inception_distance_mean"])
        result[keys.KID_STD] = float(out["kernel_inception_distance_std"])
    if "precision" in metrics:
        result[keys.PRECISION] = float(out["precision"])
    if "recall" in metrics:
        result[keys.RECALL] = float(out["recall"])
    return result
