"""Generator and discriminator networks of the GAN family, built once and shared by the variants.

Every generator is called ``G(z, y)`` and every discriminator ``D(x, y) -> (score, class_logits)``;
unconditional networks ignore ``y`` and return ``class_logits=None`` unless they carry an auxiliary
classifier. ``conditioning`` picks how the label enters:

``none``        unconditional (``dcgan``, unconditional ``wgan-gp``)
``projection``  class-conditional batch norm in G (de Vries et al. 2017) and a projection
                discriminator (Miyato & Koyama 2018) - ``cgan``, conditional ``wgan-gp``
``auxiliary``   label embedding concatenated to ``z`` in G; D has an unconditional real/fake head and
                an auxiliary classifier head (Odena et al. 2017) - ``acgan``
"""

from __future__ import annotations

CONDITIONINGS = ("none", "projection", "auxiliary")
D_NORMS = ("batch", "spectral", "layer", "none")


def conv_networks(image_shape, num_classes, latent_dim, width, *, conditioning="projection", aux_classifier=False,
                  minibatch_std=False, d_norm="batch", cond_bn=True):
    """DCGAN-shaped networks (Radford et al. 2016) for images whose sides are divisible by 4.

    G: ``z`` (+ label) -> dense ``2*width`` x H/4 x W/4 -> two stride-2 transposed convolutions, batch
    norm and ReLU, ``tanh`` output. D: two stride-2 convolutions (LeakyReLU 0.2; ``d_norm`` after the
    second: ``batch``, ``spectral`` normalisation, ``layer`` norm - the choice for a WGAN-GP critic,
    whose gradient penalty is per sample - or ``none``), then the heads.
    """
    import torch
    import torch.nn.functional as F
    from torch import nn

    if conditioning not in CONDITIONINGS:
        raise ValueError(f"conditioning must be one of {CONDITIONINGS}, got {conditioning!r}")
    if d_norm not in D_NORMS:
        raise ValueError(f"d_norm must be one of {D_NORMS}, got {d_norm!r}")
    c, h, w = image_shape
    if h % 4 or w % 4:
        raise ValueError(f"convolutional GANs need image sides divisible by 4, got {h}x{w}")
    h4, w4 = h // 4, w // 4
    projection = conditioning == "projection"

    class Norm(nn.Module):
        """Batch norm; with projection conditioning and ``cond_bn``, its gain and bias depend on the class."""

        def __init__(self, features):
            super().__init__()
            self.bn = nn.BatchNorm2d(features, affine=not (projection and cond_bn))
            if projection and cond_bn:
                self.gain = nn.Embedding(num_classes, features)
                self.bias = nn.Embedding(num_classes, features)
                nn.init.ones_(self.gain.weight)
                nn.init.zeros_(self.bias.weight)

        def forward(self, x, y):
            x = self.bn(x)
            if projection and cond_bn:
                x = x * self.gain(y)[:, :, None, None] + self.bias(y)[:, :, None, None]
            return x

    class Generator(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(num_classes, latent_dim) if conditioning != "none" else None
            z_in = latent_dim * (2 if self.embed is not None else 1)
            self.fc = nn.Linear(z_in, 2 * width * h4 * w4, bias=False)
            self.bn0 = Norm(2 * width)
            self.up1 = nn.ConvTranspose2d(2 * width, width, 4, 2, 1, bias=False)
            self.bn1 = Norm(width)
            self.up2 = nn.ConvTranspose2d(width, c, 4, 2, 1)

        def forward(self, z, y):
            if self.embed is not None:
                z = torch.cat([z, self.embed(y)], 1)
            x = self.fc(z).view(-1, 2 * width, h4, w4)
            x = F.relu(self.bn0(x, y))
            x = F.relu(self.bn1(self.up1(x), y))
            return torch.tanh(self.up2(x))

    class Discriminator(nn.Module):
        def __init__(self):
            super().__init__()
            sn = nn.utils.parametrizations.spectral_norm if d_norm == "spectral" else (lambda m: m)
            norm = {"batch": lambda: nn.BatchNorm2d(2 * width), "layer": lambda: nn.GroupNorm(1, 2 * width)}.get(d_norm, nn.Identity)()
            self.convs = nn.Sequential(
                sn(nn.Conv2d(c, width, 4, 2, 1)), nn.LeakyReLU(0.2, inplace=True),
                sn(nn.Conv2d(width, 2 * width, 4, 2, 1)), norm, nn.LeakyReLU(0.2, inplace=True),
            )
            dim = (2 * width + int(minibatch_std)) * h4 * w4
            self.out = nn.Linear(dim, 1)
            self.project = nn.Embedding(num_classes, dim) if projection else None
            if self.project is not None:
                nn.init.normal_(self.project.weight, std=0.02)
            self.classify = nn.Linear(dim, num_classes) if (aux_classifier or conditioning == "auxiliary") else None

        def forward(self, x, y):
            f = self.convs(x)
            if minibatch_std:  # Karras et al. 2018: lets D see a batch's lack of variety (fights mode collapse)
                spread = f.std(0, unbiased=False).mean().expand(f.shape[0], 1, h4, w4)
                f = torch.cat([f, spread], 1)
            f = f.flatten(1)
            score = self.out(f).squeeze(1)
            if self.project is not None:
                score = score + (self.project(y) * f).sum(1)
            return score, (self.classify(f) if self.classify is not None else None)

    return Generator(), Discriminator()


def mlp_networks(image_shape, latent_dim, hidden, dropout=0.3):
    """Fully connected networks after Goodfellow et al. (2014), with LeakyReLU in place of maxout:
    G: ``z`` -> hidden -> 2*hidden -> 4*hidden -> pixels (``tanh``); D: pixels -> 4*hidden -> 2*hidden ->
    hidden -> 1, with dropout (as the paper's discriminator). Unconditional."""
    import math

    from torch import nn

    pixels = math.prod(image_shape)

    class Generator(nn.Module):
        def __init__(self):
            super().__init__()
            self.net = nn.Sequential(
                nn.Linear(latent_dim, hidden), nn.LeakyReLU(0.2, inplace=True),
                nn.Linear(hidden, 2 * hidden), nn.BatchNorm1d(2 * hidden), nn.LeakyReLU(0.2, inplace=True),
                nn.Linear(2 * hidden, 4 * hidden), nn.BatchNorm1d(4 * hidden), nn.LeakyReLU(0.2, inplace=True),
                nn.Linear(4 * hidden, pixels), nn.Tanh(),
            )

        def forward(self, z, y):
            return self.net(z).view(-1, *image_shape)

    class Discriminator(nn.Module):
        def __init__(self):
            super().__init__()
            self.net = nn.Sequential(
                nn.Flatten(), nn.Linear(pixels, 4 * hidden), nn.LeakyReLU(0.2, inplace=True), nn.Dropout(dropout),
                nn.Linear(4 * hidden, 2 * hidden), nn.LeakyReLU(0.2, inplace=True), nn.Dropout(dropout),
                nn.Linear(2 * hidden, hidden), nn.LeakyReLU(0.2, inplace=True), nn.Linear(hidden, 1),
            )

        def forward(self, x, y):
            return self.net(x).squeeze(1), None

    return Generator(), Discriminator()
