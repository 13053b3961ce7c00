import math

import numpy as np
import pytest

from synthbench.exceptions import TrainingDivergedError
from synthbench.generators.cgan import CGAN
from synthbench.testing import tiny_images


def test_cgan_history_has_diagnostics_per_epoch():
    gen = CGAN(epochs=2, width=4, batch_size=16, random_state=0, device="cpu").fit(tiny_images())
    assert [h["step"] for h in gen.history_] == [1, 2]
    for h in gen.history_:
        for k in ("d_loss", "g_loss", "d_real", "d_fake", "d_grad_norm", "g_grad_norm"):
            assert math.isfinite(h[k])
        assert 0.0 <= h["d_real"] <= 1.0 and 0.0 <= h["d_fake"] <= 1.0


def test_cgan_samples_requested_classes():
    train = tiny_images()
    gen = CGAN(epochs=1, width=4, batch_size=16, random_state=0, device="cpu").fit(train)
    out = gen.sample(30, labels=np.arange(30) % 3)
    assert out.images.shape == (30, 1, 28, 28) and out.images.dtype == np.uint8
    assert np.array_equal(out.labels, np.arange(30) % 3)


class NaNGAN(CGAN):
    def g_loss(self, D, fake, y_fake):
        return super().g_loss(D, fake, y_fake) * float("nan")


def test_divergence_stops_training_with_a_clear_error():
    with pytest.raises(TrainingDivergedError, match="diverged at epoch 1, step 1.*lower lr_d/lr_g"):
        NaNGAN(epochs=3, width=4, batch_size=16, random_state=0, device="cpu").fit(tiny_images())


@pytest.mark.parametrize("d_norm", ["batch", "spectral", "none"])
def test_discriminator_norm_options(d_norm):
    gen = CGAN(epochs=1, width=4, batch_size=16, d_norm=d_norm, mode_seeking=1.0, random_state=0, device="cpu")
    assert len(gen.fit(tiny_images()).sample(5)) == 5


def test_warm_start_continues_training():
    train = tiny_images()
    a = CGAN(epochs=2, width=4, batch_size=16, random_state=0, device="cpu").fit(train)
    b = CGAN(epochs=1, width=4, batch_size=16, random_state=0, device="cpu", warm_start=True).fit(train).fit(train)
    assert [h["step"] for h in b.history_] == [1, 2]
    assert np.allclose([h["d_loss"] for h in a.history_], [h["d_loss"] for h in b.history_])
    assert np.array_equal(a.sample(8, labels=np.arange(8) % 3).images, b.sample(8, labels=np.arange(8) % 3).images)
