"""``gan``: the original, fully connected GAN of Goodfellow et al. (2014).

Multilayer perceptrons for both networks (LeakyReLU instead of the paper's maxout units, batch norm in
G, dropout in D as in the paper), the non-saturating generator loss the paper recommends, ``d_steps``
discriminator steps per generator step (the paper's ``k``, 1 in its experiments), Adam. Unconditional:
``synthbench run`` trains one model per class (``PerClass``) to measure utility.

Budget: 600 generator steps per model at batch 64 (standard). The old budget, 5 epochs at batch 128, gave each
per-class model 210 steps and TSTR 0.887 on MNIST; 600 steps at batch 64 (2.3x the old fit's cost, about what a
conditional generator's standard budget costs) reach 0.950 (seed 0; results/README.md).

Hyperparameters: ``steps`` (generator steps), ``batch_size``, ``latent_dim``, ``hidden`` (width of the smallest layer; the
others are 2x and 4x), ``dropout`` (in D), ``lr_g``, ``lr_d``, ``beta1``, ``d_steps``, ``label_smoothing``,
``ema_decay`` (EMA of G's weights for sampling), ``diagnostics``, ``warm_start``, ``random_state``, ``device``.
"""

from __future__ import annotations

from synthbench.constraints import fraction, positive_int
from synthbench.generators.dcgan import DCGAN
from synthbench.generators.gan import GANBase
from synthbench.generators.networks import mlp_networks


class VanillaGAN(DCGAN):
    constraints = {**GANBase.constraints, "hidden": positive_int(), "dropout": fraction(), "label_smoothing": fraction()}
    """Same losses as ``dcgan`` (non-saturating); only the networks differ."""

    budgets = {  # generator steps of each model (synthbench run trains one per class)
        "quick": {"steps": 120},
        "standard": {"steps": 600},
        "full": {"steps": 3600},
    }

    def __init__(self, steps=600, batch_size=64, latent_dim=100, hidden=256, dropout=0.3, lr_g=2e-4, lr_d=2e-4, beta1=0.5,
                 d_steps=1, label_smoothing=0.0, ema_decay=0.999, diagnostics=True, warm_start=False, random_state=None,
                 device="auto"):
        self.steps = steps
        self.batch_size = batch_size
        self.latent_dim = latent_dim
        self.hidden = hidden
        self.dropout = dropout
        self.lr_g = lr_g
        self.lr_d = lr_d
        self.beta1 = beta1
        self.d_steps = d_steps
        self.label_smoothing = label_smoothing
        self.ema_decay = ema_decay
        self.diagnostics = diagnostics
        self.warm_start = warm_start
        self.random_state = random_state
        self.device = device

    def build_networks(self, image_shape, num_classes):
        return mlp_networks(image_shape, self.latent_dim, self.hidden, self.dropout)
