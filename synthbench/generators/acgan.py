"""``acgan``: the auxiliary classifier GAN of Odena, Olah & Shlens (2017).

G takes ``z`` concatenated with a label embedding; D has two heads on shared convolutions: real/fake
(unconditional) and a classifier over the classes. D maximises the log-likelihood of the right source
and of the right class on real *and* generated images; G maximises the right class on its images and
fools the source head. DCGAN-shaped networks (``conv_networks(conditioning="auxiliary")``).

Hyperparameters: ``epochs``, ``batch_size``, ``latent_dim``, ``width``, ``lr_g``, ``lr_d``, ``beta1``, ``d_steps``,
``label_smoothing`` (one-sided, on the source head), ``aux_weight`` (weight of the class terms, 1 in the
paper), ``mode_seeking`` (MSGAN term; 0 = the paper), ``ema_decay``, ``diagnostics``, ``warm_start``,
``random_state``, ``device``.
"""

from __future__ import annotations

from synthbench.constraints import Interval, fraction, positive_int
from synthbench.generators.gan import GANBase, ns_losses
from synthbench.generators.networks import conv_networks


class ACGAN(GANBase):
    constraints = {**GANBase.constraints, "width": positive_int(), "label_smoothing": fraction(), "aux_weight": Interval(0),
                   "mode_seeking": Interval(0)}
    budgets = {
        "quick": {"epochs": 3},
        "standard": {"epochs": 5},
        "full": {"epochs": 30},
    }

    def __init__(self, epochs=5, batch_size=128, latent_dim=64, width=32, lr_g=2e-4, lr_d=2e-4, beta1=0.5, d_steps=1,
                 label_smoothing=0.0, aux_weight=1.0, mode_seeking=0.0, ema_decay=0.999, diagnostics=True, warm_start=False,
                 random_state=None, device="auto"):
        self.epochs = epochs
        self.batch_size = batch_size
        self.latent_dim = latent_dim
        self.width = width
        self.lr_g = lr_g
        self.lr_d = lr_d
        self.beta1 = beta1
        self.d_steps = d_steps
        self.label_smoothing = label_smoothing
        self.aux_weight = aux_weight
        self.mode_seeking = mode_seeking
        self.ema_decay = ema_decay
        self.diagnostics = diagnostics
        self.warm_start = warm_start
        self.random_state = random_state
        self.device = device

    def build_networks(self, image_shape, num_classes):
        return conv_networks(image_shape, num_classes, self.latent_dim, self.width, conditioning="auxiliary", d_norm="batch")

    def d_loss(self, D, real, y_real, fake, y_fake):
        import torch.nn.functional as F

        d_real, c_real = D(real, y_real)
        d_fake, c_fake = D(fake, y_fake)
        loss = ns_losses(d_real, d_fake, self.label_smoothing)
        loss = loss + self.aux_weight * (F.cross_entropy(c_real, y_real) + F.cross_entropy(c_fake, y_fake))
        return loss, {"d_real": d_real.detach(), "d_fake": d_fake.detach()}

    def g_loss(self, D, fake, y_fake):
        import torch.nn.functional as F

        d_fake, c_fake = D(fake, y_fake)
        return F.softplus(-d_fake).mean() + self.aux_weight * F.cross_entropy(c_fake, y_fake)
