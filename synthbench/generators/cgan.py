"""``cgan``: a class-conditional DCGAN (Radford et al. 2016; Mirza & Osindero 2014).

Generator: ``z`` and a learned label embedding -> dense 7x7 map -> two stride-2 transposed
convolutions (28x28), with class-conditional batch normalisation (de Vries et al. 2017; Miyato &
Koyama 2018) so the label steers every layer. Discriminator: two stride-2 convolutions with a
projection head (Miyato & Koyama 2018, "cGANs with projection discriminator"), which conditions far
more strongly than concatenating a one-hot label to the input. ``aux_weight`` > 0 adds an
auxiliary-classifier term on real images for D and on generated ones for G (Odena et al. 2017);
``aux_weight=0`` is a pure projection cGAN. Non-saturating loss, Adam, and sampling from an
exponential moving average of the generator weights (``ema_decay``; Yazici et al. 2019).

Hyperparameters: ``steps`` (generator steps), ``batch_size``, ``latent_dim``, ``width`` (base channels of both
networks), ``lr_g``/``lr_d`` (two time-scale when they differ; Heusel et al. 2017; 1e-3, five times the
DCGAN paper's 2e-4: with EMA sampling it reaches 0.94 TSTR after one MNIST epoch instead of 0.82, see
``results/cgan_mnist_tstr_curve_lr1e-3.json``), ``beta1``,
``d_steps`` (discriminator steps per generator step), ``label_smoothing`` (one-sided, Salimans et al.
2016), ``aux_weight``, ``minibatch_std`` (a minibatch standard-deviation feature in D; Karras et al. 2018),
``cond_bn`` (class-conditional batch norm in G; False: plain batch norm), ``d_norm`` (``batch``,
``spectral``, ``layer`` or ``none`` in D's second convolution), ``mode_seeking`` (weight of the mode-seeking
term of Mao et al. 2019, MSGAN: pairs of samples of one class with different ``z`` must differ;
without it this generator collapses to nearly one image per class within its first epochs, which
costs ~0.2 TSTR accuracy on MNIST), ``ema_decay`` (0 turns EMA off), ``filter_samples`` (re-draw samples that D's auxiliary classifier
puts in another class than the one asked for; needs ``aux_weight`` > 0), ``best_of`` (draw this many
samples per image and keep the one D scores most real - discriminator rejection, Azadi et al. 2019; 1 = off),
``diagnostics`` (record D(x), D(G(z)) and
gradient norms), ``warm_start`` (``fit`` again trains ``steps`` more, as in scikit-learn), ``random_state``, ``device``.
"""

from __future__ import annotations

from synthbench.constraints import Interval, OneOf, fraction, positive_int
from synthbench.generators.gan import GANBase, ns_losses
from synthbench.generators.networks import D_NORMS, conv_networks


class CGAN(GANBase):
    constraints = {**GANBase.constraints, "width": positive_int(), "label_smoothing": fraction(), "aux_weight": Interval(0),
                   "mode_seeking": Interval(0), "d_norm": OneOf(D_NORMS), "best_of": positive_int()}
    budgets = {  # generator steps
        "quick": {"steps": 234},
        "standard": {"steps": 2145},
        "full": {"steps": 12870},
    }

    def __init__(self, steps=2145, batch_size=128, latent_dim=64, width=32, lr_g=1e-3, lr_d=1e-3, beta1=0.5, d_steps=1,
                 label_smoothing=0.0, aux_weight=1.0, minibatch_std=True, cond_bn=True, d_norm="batch", mode_seeking=1.0,
                 ema_decay=0.999, filter_samples=True, best_of=1, diagnostics=True, warm_start=False, random_state=None, device="auto"):
        self.steps = steps
        self.batch_size = batch_size
        self.latent_dim = latent_dim
        self.width = width
        self.lr_g = lr_g
        self.lr_d = lr_d
        self.beta1 = beta1
        self.d_steps = d_steps
        self.label_smoothing = label_smoothing
        self.aux_weight = aux_weight
        self.minibatch_std = minibatch_std
        self.cond_bn = cond_bn
        self.d_norm = d_norm
        self.mode_seeking = mode_seeking
        self.ema_decay = ema_decay
        self.filter_samples = filter_samples
        self.best_of = best_of
        self.diagnostics = diagnostics
        self.warm_start = warm_start
        self.random_state = random_state
        self.device = device

    def build_networks(self, image_shape, num_classes):
        return conv_networks(image_shape, num_classes, self.latent_dim, self.width, conditioning="projection",
                             aux_classifier=bool(self.aux_weight), minibatch_std=self.minibatch_std, d_norm=self.d_norm,
                             cond_bn=self.cond_bn)

    def d_loss(self, D, real, y_real, fake, y_fake):
        import torch.nn.functional as F

        d_real, c_real = D(real, y_real)
        d_fake, _ = D(fake, y_fake)
        loss = ns_losses(d_real, d_fake, self.label_smoothing)
        if self.aux_weight:
            loss = loss + self.aux_weight * F.cross_entropy(c_real, y_real)
        return loss, {"d_real": d_real.detach(), "d_fake": d_fake.detach()}

    def g_loss(self, D, fake, y_fake):
        import torch.nn.functional as F

        d_fake, c_fake = D(fake, y_fake)
        loss = F.softplus(-d_fake).mean()
        if self.aux_weight:
            loss = loss + self.aux_weight * F.cross_entropy(c_fake, y_fake)
        return loss
