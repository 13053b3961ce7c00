"""FID/KID/PR on 10k vs 10k images: synthbench.metrics.image_fidelity against torch-fidelity called directly.

Each side runs in its own fresh process (so peak memory is its own), alternating, ``--repeats`` times;
the median wall time of each is compared. Usage::

    python benchmarks/bench_fidelity.py [--n 10000] [--repeats 3]

Prints one line per measurement and the ratio synthbench / bare (target <= 1.10) and synthbench's
peak resident memory (target <= 3 GB).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

CHILD = r"""
import json, resource, sys, time
import numpy as np
mode, n = sys.argv[1], int(sys.argv[2])
from synthbench import keys, registry
from synthbench.data import catalog, readers
spec = registry.datasets.get("mnist")
raw = readers.read(spec, catalog.locate(spec, download=False))  # images (N, 1, 28, 28)
fake, real = np.ascontiguousarray(raw.train[0][:n]), np.ascontiguousarray(raw.test[0][:n])
import torch
rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t = time.perf_counter()
if mode == "synthbench":
    from synthbench.metrics.image_fidelity import compute_fidelity
    out = compute_fidelity(fake, real, "lenet-mnist", kid_subset_size=1000)
    values = [out[keys.FID], out[keys.KID], out[keys.PRECISION], out[keys.RECALL]]
else:  # the same library call written plainly
    import torch_fidelity
    from torch.utils.data import Dataset
    from synthbench.extractors import ensure_registered
    class DS(Dataset):
        def __init__(self, a): self.t = torch.from_numpy(a)
        def __len__(self): return len(self.t)
        def __getitem__(self, i): return self.t[i]
    name = ensure_registered("lenet-mnist")
    out = torch_fidelity.calculate_metrics(input1=DS(fake), input2=DS(real), fid=True, kid=True, prc=True,
        feature_extractor=name, cuda=False, batch_size=500, kid_subset_size=1000, save_cpu_ram=True,
        cache=False, verbose=False, samples_shuffle=False)
    values = [out["frechet_inception_distance"], out["kernel_inception_distance_mean"], out["precision"], out["recall"]]
dt = time.perf_counter() - t
print(json.dumps({"mode": mode, "seconds": dt, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "values": values}))
"""


def measure(mode: str, n: int) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, mode, str(n)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    times = {"synthbench": [], "bare": []}
    peaks = {"synthbench": [], "bare": []}
    for r in range(args.repeats):
        for mode in ("bare", "synthbench") if r % 2 == 0 else ("synthbench", "bare"):
            res = measure(mode, args.n)
            times[mode].append(res["seconds"])
            peaks[mode].append(res["peak_rss_mb"])
            print(f"{mode:10s} run {r + 1}: {res['seconds']:.2f} s, peak RSS {res['peak_rss_mb']:.0f} MiB, "
                  f"FID/KID/P/R = {', '.join(f'{v:.4f}' for v in res['values'])}", flush=True)
    med = {k: statistics.median(v) for k, v in times.items()}
    ratio = med["synthbench"] / med["bare"]
    print(f"median seconds: synthbench {med['synthbench']:.2f}, bare torch-fidelity {med['bare']:.2f}")
    print(f"ratio synthbench/bare = {ratio:.3f} (target <= 1.10): {'PASS' if ratio <= 1.10 else 'FAIL'}")
    peak = max(peaks["synthbench"])
    print(f"peak RSS synthbench = {peak:.0f} MiB (target <= 3072 MiB): {'PASS' if peak <= 3072 else 'FAIL'}")


if __name__ == "__main__":
    main()
