"""``dcgan``: the unconditional deep convolutional GAN of Radford, Metz & Chintala (2016).

Transposed-convolution generator with batch norm and ReLU, strided-convolution discriminator with
LeakyReLU(0.2) and batch norm, non-saturating loss, Adam(lr 2e-4, beta1 0.5) - the paper's recipe,
scaled to 28x28 (networks in ``synthbench.generators.networks.conv_networks``). Unconditional: its
samples carry no labels, so ``synthbench run`` trains one model per class (``PerClass``) to measure
utility; the cost of the ten models is in the run record.

**Changed from the paper**: batch 64 (the paper: 128). A model of one MNIST class sees ~5,500 images; the old
budget of 5 epochs at batch 128 gave it 210 steps and TSTR 0.623 (FID 1612 against a real-vs-real
4.79 on the leaderboard). At batch 64 a step costs 0.39x one at 128 on 2 CPU cores, so 500 steps per model cost about what
210 did: TSTR 0.947 (MNIST, seed 0; results/README.md). The budget is per model: ``steps`` generator steps each.

Hyperparameters: ``steps`` (generator steps), ``batch_size``, ``latent_dim``, ``width`` (base channels), ``lr_g``, ``lr_d``,
``beta1``, ``d_steps`` (D steps per G step), ``label_smoothing`` (one-sided), ``mode_seeking`` (MSGAN term,
off as in the paper), ``ema_decay`` (EMA of G's weights for sampling; 0 = the paper's plain G),
``diagnostics``, ``warm_start``, ``random_state``, ``device``.
"""

from __future__ import annotations

from synthbench.constraints import Interval, fraction, positive_int
from synthbench.generators.gan import GANBase, ns_losses
from synthbench.generators.networks import conv_networks


class DCGAN(GANBase):
    constraints = {**GANBase.constraints, "width": positive_int(), "label_smoothing": fraction(), "mode_seeking": Interval(0)}
    conditional = False
    budgets = {  # generator steps of each model (synthbench run trains one per class)
        "quick": {"steps": 100},
        "standard": {"steps": 500},
        "full": {"steps": 3000},
    }

    def __init__(self, steps=500, batch_size=64, latent_dim=64, width=32, lr_g=2e-4, lr_d=2e-4, beta1=0.5, d_steps=1,
                 label_smoothing=0.0, mode_seeking=0.0, ema_decay=0.999, diagnostics=True, warm_start=False,
                 random_state=None, device="auto"):
        self.steps = steps
        self.batch_size = batch_size
        self.latent_dim = latent_dim
        self.width = width
        self.lr_g = lr_g
        self.lr_d = lr_d
        self.beta1 = beta1
        self.d_steps = d_steps
        self.label_smoothing = label_smoothing
        self.mode_seeking = mode_seeking
        self.ema_decay = ema_decay
        self.diagnostics = diagnostics
        self.warm_start = warm_start
        self.random_state = random_state
        self.device = device

    def build_networks(self, image_shape, num_classes):
        return conv_networks(image_shape, num_classes, self.latent_dim, self.width, conditioning="none", d_norm="batch")

    def d_loss(self, D, real, y_real, fake, y_fake):
        d_real, _ = D(real, y_real)
        d_fake, _ = D(fake, y_fake)
        return ns_losses(d_real, d_fake, self.label_smoothing), {"d_real": d_real.detach(), "d_fake": d_fake.detach()}

    def g_loss(self, D, fake, y_fake):
        import torch.nn.functional as F

        return F.softplus(-D(fake, y_fake)[0]).mean()
