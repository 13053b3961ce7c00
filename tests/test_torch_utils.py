"""synthbench.torch_utils: devices, seeded torch generators and the image conversions every GAN uses."""

import numpy as np
import pytest
import torch

from synthbench.exceptions import ConfigError
from synthbench.torch_utils import resolve_device, to_float_images, to_uint8_images, torch_generator


def test_devices_resolve_or_say_what_to_use_instead():
    assert resolve_device("auto") == ("cuda" if torch.cuda.is_available() else "cpu") == resolve_device(None)
    assert resolve_device("CPU") == "cpu"
    with pytest.raises(ConfigError, match="unknown device 'tpu' - use auto, cpu or cuda"):
        resolve_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(ConfigError, match="no CUDA GPU is visible - use --device cpu"):
            resolve_device("cuda")


def test_a_seeded_torch_generator_repeats_its_draws():
    a, b = torch_generator(3), torch_generator(3)
    assert torch.equal(torch.rand(5, generator=a), torch.rand(5, generator=b))
    assert not torch.equal(torch.rand(5, generator=torch_generator(3)), torch.rand(5, generator=torch_generator(4)))


def test_images_round_trip_through_minus_one_to_one():
    images = np.arange(256, dtype=np.uint8).reshape(1, 1, 16, 16)
    x = to_float_images(images)
    assert x.dtype == torch.float32 and x.min().item() == -1.0 and x.max().item() == 1.0
    assert np.array_equal(to_uint8_images(x), images)
    assert np.array_equal(to_uint8_images(torch.tensor([[-3.0, 0.0, 2.0]])), np.array([[0, 128, 255]], dtype=np.uint8))
