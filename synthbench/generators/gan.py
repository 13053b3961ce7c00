"""The one GAN training loop shared by every GAN variant.

Variants differ only in their networks (``build_networks``) and losses (``d_loss``/``g_loss``); the
loop, seeding, EMA of generator weights, step logging and divergence detection live here once.

Per epoch, ``history_`` records the mean discriminator and generator losses, D(x) and D(G(z))
(as probabilities), and the gradient norms of both networks (sampled every ``GRAD_NORM_EVERY`` steps); a NaN or infinite loss stops training
with ``TrainingDivergedError`` naming the step.
"""

from __future__ import annotations

import copy
import math
import time

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from synthbench.data import LabeledImages, balanced_labels
from synthbench.exceptions import TrainingDivergedError
from synthbench.torch_utils import resolve_device, to_float_images, to_uint8_images, torch_generator


GRAD_NORM_EVERY = 10  # steps between gradient-norm probes


def grad_norm(module) -> float:
    import torch

    norms = [p.grad.detach().norm(2) for p in module.parameters() if p.grad is not None]
    return float(torch.linalg.vector_norm(torch.stack(norms))) if norms else 0.0


class GANBase(BaseEstimator):
    """Subclasses define ``__init__`` (hyperparameters, which must include the ones read below),
    ``build_networks(image_shape, num_classes) -> (G, D)``, ``d_loss`` and ``g_loss``."""

    modalities = ("image",)
    conditional = True

    # -- to override -------------------------------------------------------------------------
    def build_networks(self, image_shape, num_classes):  # pragma: no cover - abstract
        raise NotImplementedError

    def d_loss(self, D, real, y_real, fake, y_fake):  # pragma: no cover - abstract
        """Return ``(loss, stats)``; ``stats`` holds ``d_real`` and ``d_fake`` logits means."""
        raise NotImplementedError

    def g_loss(self, D, fake, y_fake):  # pragma: no cover - abstract
        raise NotImplementedError

    # -- shared loop -------------------------------------------------------------------------
    def fit(self, train: LabeledImages, callback=None):
        import torch

        device = resolve_device(self.device)
        resume = bool(getattr(self, "warm_start", False)) and hasattr(self, "state_")
        if resume:  # sklearn's warm_start: continue training the fitted networks for `epochs` more
            st = self.state_
            G, D, G_ema, opt_g, opt_d, gen = st["G"], st["D"], st["G_ema"], st["opt_g"], st["opt_d"], st["rng"]
            G.train(), D.train()
        else:
            self.device_ = device
            gen = torch_generator(self.random_state)
            self.image_shape_ = train.image_shape
            self.num_classes_ = train.num_classes
            self.prior_ = train.class_counts() / len(train)
            with torch.random.fork_rng(devices=[]):  # seeded initialisation, global RNG left as it was
                torch.manual_seed(int(torch.randint(0, 2**31 - 1, (1,), generator=gen)))
                G, D = self.build_networks(self.image_shape_, self.num_classes_)
            G, D = G.to(device), D.to(device)
            G_ema = copy.deepcopy(G).requires_grad_(False) if self.ema_decay else None
            opt_g = torch.optim.Adam(G.parameters(), lr=self.lr_g, betas=(self.beta1, 0.999))
            opt_d = torch.optim.Adam(D.parameters(), lr=self.lr_d, betas=(self.beta1, 0.999))
            self.history_ = []
        x_all = to_float_images(train.images, device)
        y_all = torch.from_numpy(train.labels.astype(np.int64)).to(device)
        prior = torch.as_tensor(self.prior_, dtype=torch.float32)
        n, bs = len(train), min(self.batch_size, len(train))
        steps = max(1, n // bs)
        mode_seeking, half = float(getattr(self, "mode_seeking", 0.0) or 0.0), bs // 2
        first_epoch = len(self.history_) + 1
        step = self.state_["step"] if resume else 0
        t0 = time.perf_counter() - (self.history_[-1]["seconds"] if resume and self.history_ else 0.0)
        for epoch in range(first_epoch, first_epoch + self.epochs):
            sums = dict.fromkeys(("d_loss", "g_loss", "d_real", "d_fake", "d_grad_norm", "g_grad_norm"), 0.0)
            probes = 0
            perm = torch.randperm(n, generator=gen).to(device)
            for i in range(steps):
                idx = perm[i * bs:(i + 1) * bs]
                real, y_real = x_all[idx], y_all[idx]
                z = torch.randn(bs, self.latent_dim, generator=gen).to(device)
                y_fake = torch.multinomial(prior, bs, replacement=True, generator=gen).to(device)
                if mode_seeking:  # pairs (i, i + half) share a label and differ in z
                    y_fake[half:2 * half] = y_fake[:half]
                fake = G(z, y_fake)
                d_loss, stats = self.d_loss(D, real, y_real, fake.detach(), y_fake)
                opt_d.zero_grad(set_to_none=True)
                d_loss.backward()
                probe = i % GRAD_NORM_EVERY == 0  # gradient norms are sampled: they cost a pass over all parameters
                if probe:
                    sums["d_grad_norm"] += grad_norm(D)
                opt_d.step()
                g_loss = self.g_loss(D, fake, y_fake)
                if mode_seeking:  # Mao et al. 2019 (MSGAN): distinct z must give distinct images
                    d_img = (fake[:half] - fake[half:2 * half]).abs().flatten(1).mean(1)
                    d_z = (z[:half] - z[half:2 * half]).abs().mean(1)
                    g_loss = g_loss + mode_seeking / ((d_img / d_z).mean() + 1e-5)
                opt_g.zero_grad(set_to_none=True)
                g_loss.backward()
                if probe:
                    sums["g_grad_norm"] += grad_norm(G)
                    probes += 1
                opt_g.step()
                step += 1
                dl, gl = float(d_loss.detach()), float(g_loss.detach())
                if not (math.isfinite(dl) and math.isfinite(gl)):
                    self.history_.append({"step": epoch, "d_loss": dl, "g_loss": gl})
                    raise TrainingDivergedError(
                        f"{type(self).__name__} diverged at epoch {epoch}, step {step}: d_loss={dl}, g_loss={gl} - "
                        "lower lr_d/lr_g, or use a gradient penalty (wgan-gp)"
                    )
                if G_ema is not None:
                    decay = min(self.ema_decay, (1.0 + step) / (10.0 + step))  # warm-up: early weights fade fast
                    with torch.no_grad():
                        for pe, pg in zip(G_ema.parameters(), G.parameters()):
                            pe.lerp_(pg, 1.0 - decay)
                        for be, bg in zip(G_ema.buffers(), G.buffers()):
                            be.copy_(bg)
                for k, v in (("d_loss", dl), ("g_loss", gl),
                             ("d_real", float(torch.sigmoid(stats["d_real"]).mean())),
                             ("d_fake", float(torch.sigmoid(stats["d_fake"]).mean()))):
                    sums[k] += v
                if callback is not None:
                    callback({"phase_step": (epoch - first_epoch) * steps + i + 1, "phase_total": steps * self.epochs})
            record = {"step": epoch, **{k: v / (probes if "grad_norm" in k else steps) for k, v in sums.items()},
                      "seconds": time.perf_counter() - t0}
            self.history_.append(record)
        self.state_ = {"G": G, "D": D, "G_ema": G_ema, "opt_g": opt_g, "opt_d": opt_d, "rng": gen, "step": step}
        self.generator_ = (G_ema if G_ema is not None else G).eval()
        self.discriminator_ = D.eval()
        self.rng_ = gen
        return self

    def sample(self, n: int, labels=None, batch_size: int = 1000) -> LabeledImages:
        import torch

        check_is_fitted(self, "generator_")
        if labels is None:
            seed = int(torch.randint(0, 2**31 - 1, (1,), generator=self.rng_))
            labels = balanced_labels(n, self.num_classes_, np.random.default_rng(seed), self.prior_)
        labels = np.asarray(labels, dtype=np.int64)
        out = np.empty((n, *self.image_shape_), dtype=np.uint8)
        with torch.no_grad():
            for i in range(0, n, batch_size):
                y = torch.from_numpy(labels[i:i + batch_size]).to(self.device_)
                out[i:i + len(y)] = to_uint8_images(self._generate(y))
        return LabeledImages(out, labels, self.num_classes_)

    def _generate(self, y):
        """Images in [-1, 1] for labels ``y`` (variants may filter or re-draw here)."""
        import torch

        z = torch.randn(len(y), self.latent_dim, generator=self.rng_).to(self.device_)
        return self.generator_(z, y)
