"""``wgan-gp``: Wasserstein GAN with gradient penalty (Gulrajani et al. 2017), conditional or not.

The critic scores are unbounded; its loss is ``E[D(G(z))] - E[D(x)] + gp_weight * E[(||grad D(x_hat)||_2 - 1)^2]``
on random interpolates ``x_hat`` of real and generated images, with ``d_steps`` critic iterations per
generator step (5 in the paper) and Adam with betas (0.5, 0.9). Changed from the paper: learning rates 5e-4, not
1e-4 - at the standard budget (855 generator steps) the paper's rate leaves the generator far from the data (MNIST
TSTR 0.912, FID 380; seed 0), 5e-4 reaches TSTR 0.969 (FID 42) and on Fashion-MNIST 0.812 against 0.756
(``results/README.md``, "wgan-gp"). The critic has layer norm, not batch norm (the penalty is per sample).
``E[D(x)] - E[D(G(z))]``, the critic's estimate of the Wasserstein distance, is logged as ``train/wasserstein``.
``conditional=True`` uses class-conditional batch norm in G and a projection critic (Miyato & Koyama 2018), with
generated labels matched to the real batch's so the penalty's interpolates have one label; ``conditional=False`` is the paper's unconditional model
(``synthbench run`` then trains one per class).

Hyperparameters: ``steps`` (generator steps), ``batch_size``, ``latent_dim``, ``width``, ``lr_g``, ``lr_d``, ``beta1``, ``beta2``,
``d_steps``, ``gp_weight``, ``conditional``, ``ema_decay``, ``diagnostics``, ``warm_start``, ``random_state``, ``device``.
"""

from __future__ import annotations

from synthbench.constraints import Interval, fraction, positive_int
from synthbench.generators.gan import GANBase
from synthbench.generators.networks import conv_networks


class WGANGP(GANBase):
    constraints = {**GANBase.constraints, "width": positive_int(), "beta2": fraction(), "gp_weight": Interval(0)}
    wasserstein = True
    match_labels = True
    budgets = {  # generator steps
        "quick": {"steps": 93},
        "standard": {"steps": 855},
        "full": {"steps": 5130},
    }

    def __init__(self, steps=855, batch_size=64, latent_dim=64, width=32, lr_g=5e-4, lr_d=5e-4, beta1=0.5, beta2=0.9,
                 d_steps=5, gp_weight=10.0, conditional=True, ema_decay=0.999, diagnostics=True, warm_start=False,
                 random_state=None, device="auto"):
        self.steps = steps
        self.batch_size = batch_size
        self.latent_dim = latent_dim
        self.width = width
        self.lr_g = lr_g
        self.lr_d = lr_d
        self.beta1 = beta1
        self.beta2 = beta2
        self.d_steps = d_steps
        self.gp_weight = gp_weight
        self.conditional = conditional
        self.ema_decay = ema_decay
        self.diagnostics = diagnostics
        self.warm_start = warm_start
        self.random_state = random_state
        self.device = device

    def build_networks(self, image_shape, num_classes):
        return conv_networks(image_shape, num_classes, self.latent_dim, self.width,
                             conditioning="projection" if self.conditional else "none", d_norm="layer")

    def d_loss(self, D, real, y_real, fake, y_fake):
        import torch

        d_real, _ = D(real, y_real)
        d_fake, _ = D(fake, y_fake)
        eps = torch.rand(len(real), 1, 1, 1, generator=self.rng_).to(real.device)
        x_hat = (eps * real + (1 - eps) * fake).requires_grad_(True)
        grad, = torch.autograd.grad(D(x_hat, y_real)[0].sum(), x_hat, create_graph=True)
        penalty = ((grad.flatten(1).norm(2, dim=1) - 1.0) ** 2).mean()
        loss = d_fake.mean() - d_real.mean() + self.gp_weight * penalty
        return loss, {"d_real": d_real.detach(), "d_fake": d_fake.detach()}

    def g_loss(self, D, fake, y_fake):
        return -D(fake, y_fake)[0].mean()
