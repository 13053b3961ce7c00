"""Small torch helpers shared by generators, downstream models and the feature extractor."""

from __future__ import annotations

import numpy as np

from synthbench.exceptions import ConfigError


def resolve_device(device: str | None) -> str:
    """``auto`` -> ``cuda`` when a GPU is visible, else ``cpu``; ``cuda`` without a GPU is an error."""
    import torch

    device = (device or "auto").lower()
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ConfigError("--device cuda was asked for but no CUDA GPU is visible - use --device cpu or --device auto")
    if device != "cpu" and not device.startswith("cuda"):
        raise ConfigError(f"unknown device '{device}' - use auto, cpu or cuda")
    return device


def torch_generator(seed, device: str = "cpu"):
    """A ``torch.Generator`` seeded from ``seed`` (an int, or None for a fresh random seed)."""
    import torch

    g = torch.Generator(device=device)
    g.manual_seed(int(np.random.SeedSequence(seed).generate_state(1)[0]) if seed is not None else int(torch.seed()))
    return g


def to_float_images(images: np.ndarray, device: str = "cpu"):
    """uint8 ``(N, C, H, W)`` in [0, 255] -> float32 tensor in [-1, 1]."""
    import torch

    return torch.from_numpy(np.ascontiguousarray(images)).to(device).float().div_(127.5).sub_(1.0)


def to_uint8_images(x) -> np.ndarray:
    """float tensor in [-1, 1] -> uint8 numpy in [0, 255] (rounded, clipped)."""
    return ((x.detach().float().clamp(-1, 1) + 1.0) * 127.5).round().to("cpu").numpy().astype(np.uint8)
