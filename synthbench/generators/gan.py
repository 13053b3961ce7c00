"""The one GAN training loop shared by every GAN variant (``gan``, ``dcgan``, ``cgan``, ``wgan-gp``, ``acgan``).

Variants differ only in their networks (``build_networks``) and losses (``d_loss``/``g_loss``); the
loop, seeding, discriminator steps per generator step, EMA of generator weights, the mode-seeking
term, step logging, diagnostics and divergence detection live here once.

A fit's budget is ``steps`` generator steps (each after ``d_steps`` discriminator steps), whatever the size of
the training set; ``steps_per_epoch`` of them make one pass over the data (the records' ``epoch``). A warm start
(``warm_start=True``, ``fit`` again) trains ``steps`` more, continuing the pass it stopped in.

``history_`` holds one record every ``log_every`` generator steps (``step`` = generator step): the mean
discriminator and generator losses, D(x) and D(G(z)) as probabilities (or the critic's Wasserstein
estimate for WGAN-GP), and the gradient norms of both networks (sampled every ``GRAD_NORM_EVERY``
steps). A NaN or infinite loss stops training with ``TrainingDivergedError`` naming the step; the
record up to that step stays in ``history_``. ``diagnostics=False`` keeps only the losses.

A ``monitor`` passed to ``fit`` (see ``synthbench.diagnostics.TrainingMonitor``) is called after
every generator step and epoch; it may draw images mid-training through ``sample_latent``.
"""

from __future__ import annotations

import copy
import math
import time

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from synthbench.constraints import OneOf, fraction, positive, positive_int
from synthbench.data import UNLABELED, LabeledImages, balanced_labels
from synthbench.exceptions import ConfigError, TrainingDivergedError
from synthbench.torch_utils import resolve_device, to_float_images, to_uint8_images, torch_generator

GRAD_NORM_EVERY = 10  # steps between gradient-norm probes
LOG_POINTS = 60  # about this many history records per fit
FILTER_TRIES = 10  # filter_samples: re-draws of a sample its discriminator's classifier puts in another class


def steps_per_epoch(n: int, batch_size: int, d_steps: int = 1) -> int:
    """Generator steps in one pass over ``n`` training images: the discriminator sees each real image about once
    (``d_steps`` batches of ``batch_size`` per generator step)."""
    return max(1, n // (min(batch_size, n) * max(1, d_steps)))


def grad_norm(module) -> float:
    import torch

    norms = [p.grad.detach().norm(2) for p in module.parameters() if p.grad is not None]
    return float(torch.linalg.vector_norm(torch.stack(norms))) if norms else 0.0


def ns_losses(d_real_logits, d_fake_logits, label_smoothing: float = 0.0):
    """Non-saturating GAN discriminator loss (Goodfellow et al. 2014) with one-sided label smoothing
    (Salimans et al. 2016): real targets ``1 - label_smoothing``."""
    import torch.nn.functional as F

    target = 1.0 - label_smoothing
    real = target * F.softplus(-d_real_logits) + (1.0 - target) * F.softplus(d_real_logits)
    return real.mean() + F.softplus(d_fake_logits).mean()


class GANBase(BaseEstimator):
    """Subclasses define ``__init__`` (hyperparameters, which must include the ones read here:
    ``steps``, ``batch_size``, ``latent_dim``, ``lr_g``, ``lr_d``, ``beta1``, ``random_state``, ``device``;
    optional: ``beta2``, ``d_steps``, ``ema_decay``, ``mode_seeking``, ``diagnostics``, ``warm_start``),
    ``build_networks(image_shape, num_classes) -> (G, D)``, ``d_loss`` and ``g_loss``."""

    modalities = ("image",)
    conditional = True
    fit_receives = ("callback", "monitor")  # progress updates and the training monitor (synthbench.contract)
    match_labels = False  # True: generated labels copy the real batch's in D steps (conditional WGAN-GP's penalty)
    wasserstein = False  # True: the critic's scores are unbounded (WGAN); D(x) is logged as an estimate, not a probability
    #: hyperparameters that were replaced, and what to pass instead (``config.resolve_params`` says so)
    renamed = {"epochs": "budgets are generator steps: pass e.g. --param steps=N (a pass over MNIST's 55,000 training "
                         "images is 429 steps at batch 128; a per-class model's steps are per model)"}
    #: allowed values of the hyperparameters every variant has (``synthbench.constraints``); variants add theirs
    constraints = {"steps": positive_int(), "batch_size": positive_int(), "latent_dim": positive_int(),
                   "lr_g": positive(), "lr_d": positive(), "beta1": fraction(), "d_steps": positive_int(),
                   "ema_decay": fraction(), "diagnostics": OneOf((True, False)), "warm_start": OneOf((True, False))}

    # -- to override -------------------------------------------------------------------------
    def build_networks(self, image_shape, num_classes):  # pragma: no cover - abstract
        raise NotImplementedError

    def d_loss(self, D, real, y_real, fake, y_fake):  # pragma: no cover - abstract
        """Return ``(loss, stats)``; ``stats`` holds the raw scores ``d_real`` and ``d_fake``."""
        raise NotImplementedError

    def g_loss(self, D, fake, y_fake):  # pragma: no cover - abstract
        raise NotImplementedError

    # -- shared loop -------------------------------------------------------------------------
    def _hp(self, name, default):
        value = getattr(self, name, default)
        return default if value is None else value

    def fit(self, train: LabeledImages, callback=None, monitor=None):
        import torch

        device = resolve_device(self.device)
        self.device_ = device
        resume = bool(self._hp("warm_start", False)) and hasattr(self, "state_")
        if resume:  # sklearn's warm_start: continue training the fitted networks for `steps` more
            st = self.state_
            G, D, G_ema, opt_g, opt_d, gen = st["G"], st["D"], st["G_ema"], st["opt_g"], st["opt_d"], st["rng"]
        else:
            gen = torch_generator(self.random_state)
            self.image_shape_ = train.image_shape
            self.num_classes_ = train.num_classes
            self.prior_ = train.class_counts() / max(1, len(train))
            with torch.random.fork_rng(devices=[]):  # seeded initialisation, global RNG left as it was
                torch.manual_seed(int(torch.randint(0, 2**31 - 1, (1,), generator=gen)))
                G, D = self.build_networks(self.image_shape_, self.num_classes_)
            self.state_ = {"step": 0, "epoch": 0}
            G, D = G.to(device), D.to(device)
            G_ema = copy.deepcopy(G).requires_grad_(False).eval() if self._hp("ema_decay", 0.0) else None
            betas = (self.beta1, self._hp("beta2", 0.999))
            opt_g = torch.optim.Adam(G.parameters(), lr=self.lr_g, betas=betas)
            opt_d = torch.optim.Adam(D.parameters(), lr=self.lr_d, betas=betas)
            self.history_ = []
            self.state_.update({"G": G, "D": D, "G_ema": G_ema, "opt_g": opt_g, "opt_d": opt_d, "rng": gen})
        G.train(), D.train()
        self.rng_ = gen
        # dropout and other draws from torch's global RNG: seeded from this model's generator, global state restored
        with torch.random.fork_rng(devices=[]):
            if "global_rng" in self.state_:  # warm start: the stream continues where the last fit left it
                torch.set_rng_state(self.state_["global_rng"])
            else:
                torch.manual_seed(int(torch.randint(0, 2**31 - 1, (1,), generator=gen)))
            try:
                self._train(train, callback, monitor, resume)
            finally:
                self.state_["global_rng"] = torch.get_rng_state()
        G.eval(), D.eval()
        self.generator_ = (G_ema if G_ema is not None else G).eval()
        self.discriminator_ = D
        return self

    def batch_for(self, rows: int) -> int:
        """The batch a fit on ``rows`` rows takes: ``batch_size``, except that one generator step's ``d_steps``
        batches must fit in a pass over the data - at a small N (a scarce-data run, a class of a per-class model) the
        batch shrinks rather than come out empty."""
        return min(self.batch_size, max(1, rows // max(1, int(self._hp("d_steps", 1)))))

    def _train(self, train, callback, monitor, resume):
        import torch

        st, device, gen = self.state_, self.device_, self.rng_
        G, D, G_ema, opt_g, opt_d = st["G"], st["D"], st["G_ema"], st["opt_g"], st["opt_d"]
        x_all = to_float_images(train.images, device)
        y_all = torch.from_numpy(train.labels.astype(np.int64)).to(device)
        prior = torch.as_tensor(self.prior_, dtype=torch.float32)
        n = len(train)
        d_steps = max(1, int(self._hp("d_steps", 1)))
        bs = self.batch_for(n)
        per_epoch = steps_per_epoch(n, bs, d_steps)
        mode_seeking, half = float(self._hp("mode_seeking", 0.0)), bs // 2
        diagnostics = bool(self._hp("diagnostics", True))
        match_labels = self.match_labels and self.conditional
        ema_decay = self._hp("ema_decay", 0.0)
        total = int(self.steps)
        log_every = max(1, (total + LOG_POINTS - 1) // LOG_POINTS)
        first_step = self.state_["step"]
        t0 = time.perf_counter() - (self.history_[-1]["seconds"] if resume and self.history_ else 0.0)
        if monitor is not None:
            monitor.start(self, total_steps=first_step + total, first_step=first_step)

        def draw(count):
            z = torch.randn(count, self.latent_dim, generator=gen).to(device)
            y = torch.multinomial(prior, count, replacement=True, generator=gen).to(device)
            return z, y

        sums: dict[str, float] = {}
        counts: dict[str, int] = {}

        def add(key, value):
            sums[key] = sums.get(key, 0.0) + value
            counts[key] = counts.get(key, 0) + 1

        step = first_step
        # a pass over the data (an "epoch") is per_epoch generator steps; a warm start continues the pass it stopped in
        perm, i = (st.get("perm"), st.get("pos", per_epoch)) if resume else (None, per_epoch)
        if perm is not None and len(perm) != n:  # refitted on other data: start a new pass
            perm, i = None, per_epoch
        for done in range(1, total + 1):
            if i >= per_epoch:
                self.state_["epoch"] += 1
                perm, i = torch.randperm(n, generator=gen).to(device), 0
            epoch = self.state_["epoch"]
            probe = diagnostics and i % GRAD_NORM_EVERY == 0  # gradient norms cost a pass over all parameters
            for j in range(d_steps):
                idx = perm[(i * d_steps + j) * bs:(i * d_steps + j + 1) * bs]
                real, y_real = x_all[idx], y_all[idx]
                z, y_fake = draw(len(idx))
                if match_labels:
                    y_fake = y_real.clone()
                if mode_seeking:  # pairs (i, i + half) share a label and differ in z
                    y_fake[half:2 * half] = y_fake[:half]
                if j == d_steps - 1:
                    fake = G(z, y_fake)  # kept for the generator step
                    fake_d = fake.detach()
                else:
                    with torch.no_grad():
                        fake_d = G(z, y_fake)
                d_loss, stats = self.d_loss(D, real, y_real, fake_d, y_fake)
                opt_d.zero_grad(set_to_none=True)
                d_loss.backward()
                if probe and j == d_steps - 1:
                    add("d_grad_norm", grad_norm(D))
                opt_d.step()
            g_loss = self.g_loss(D, fake, y_fake)
            if mode_seeking:  # Mao et al. 2019 (MSGAN): distinct z must give distinct images
                d_img = (fake[:half] - fake[half:2 * half]).abs().flatten(1).mean(1)
                d_z = (z[:half] - z[half:2 * half]).abs().mean(1)
                g_loss = g_loss + mode_seeking / ((d_img / d_z).mean() + 1e-5)
            opt_g.zero_grad(set_to_none=True)
            g_loss.backward()
            if probe:
                add("g_grad_norm", grad_norm(G))
            opt_g.step()
            step += 1
            i += 1
            dl, gl = float(d_loss.detach()), float(g_loss.detach())
            if not (math.isfinite(dl) and math.isfinite(gl)):
                self.history_.append({"step": step, "epoch": epoch, "d_loss": dl, "g_loss": gl,
                                      "seconds": time.perf_counter() - t0})
                self.state_["step"] = step
                raise TrainingDivergedError(
                    f"{type(self).__name__} diverged at epoch {epoch}, step {step}: d_loss={dl}, g_loss={gl} - "
                    "lower lr_d/lr_g, or use a gradient penalty (wgan-gp)", step=step
                )
            if G_ema is not None:
                decay = min(ema_decay, (1.0 + step) / (10.0 + step))  # warm-up: early weights fade fast
                with torch.no_grad():
                    for pe, pg in zip(G_ema.parameters(), G.parameters()):
                        pe.lerp_(pg, 1.0 - decay)
                    for be, bg in zip(G_ema.buffers(), G.buffers()):
                        be.copy_(bg)
            add("d_loss", dl)
            add("g_loss", gl)
            if diagnostics:
                if self.wasserstein:
                    add("wasserstein", float(stats["d_real"].mean() - stats["d_fake"].mean()))
                else:
                    add("d_real", float(torch.sigmoid(stats["d_real"]).mean()))
                    add("d_fake", float(torch.sigmoid(stats["d_fake"]).mean()))
                    # the adversarial part of D's loss alone (no smoothing, no auxiliary classifier):
                    # 2 ln 2 for a D that always answers 0.5, so a mean above it is a D worse than chance
                    add("d_adv_loss", float(ns_losses(stats["d_real"], stats["d_fake"])))
            end_of_pass = i >= per_epoch
            # every log_every steps, not every pass: a pass over 100 rows is two steps, and a record per pass gave a
            # small subset thousands of one-step records (noisier, and kept as MLflow step metrics)
            if step % log_every == 0 or done == total:
                self.history_.append({"step": step, "epoch": epoch, **{k: sums[k] / counts[k] for k in sums},
                                      "seconds": time.perf_counter() - t0})
                sums.clear(), counts.clear()
            self.state_.update(step=step, perm=perm, pos=i)
            if monitor is not None:
                monitor.on_step(self, step)
            if callback is not None:
                callback({"phase_step": step - first_step, "phase_total": total})
            if monitor is not None and (end_of_pass or done == total):  # the monitor keeps at most num_grids of them
                monitor.on_epoch(self, epoch, step)

    # -- sampling ------------------------------------------------------------------------------
    def sample_latent(self, z, y):
        """uint8 images for latent codes ``z`` and labels ``y`` (tensors) from the current generator (the EMA
        copy when there is one); usable mid-training (the networks' train/eval modes are restored)."""
        import torch

        G = self.state_["G_ema"] or self.state_["G"]
        was_training = G.training
        G.eval()
        try:
            with torch.no_grad():
                return to_uint8_images(G(z.to(self.device_), y.to(self.device_)))
        finally:
            G.train(was_training)

    def sample(self, n: int, labels=None, batch_size: int = 1000) -> LabeledImages:
        import torch

        check_is_fitted(self, "generator_")
        if not self.conditional:
            if labels is not None:
                raise ConfigError(f"{type(self).__name__} is unconditional and cannot sample given labels - "
                                  "wrap it in synthbench.generators.per_class.PerClass (synthbench run does this by default)")
            draw = np.zeros(n, dtype=np.int64)  # ignored by unconditional networks
        elif labels is None:
            seed = int(torch.randint(0, 2**31 - 1, (1,), generator=self.rng_))
            draw = balanced_labels(n, self.num_classes_, np.random.default_rng(seed), self.prior_)
        else:
            draw = np.asarray(labels, dtype=np.int64)
        out = np.empty((n, *self.image_shape_), dtype=np.uint8)
        with torch.no_grad():
            for i in range(0, n, batch_size):
                y = torch.from_numpy(draw[i:i + batch_size]).to(self.device_)
                out[i:i + len(y)] = to_uint8_images(self._generate(y))
        return LabeledImages(out, draw if self.conditional else np.full(n, UNLABELED, dtype=np.int64), self.num_classes_)

    @property
    def has_classifier(self) -> bool:
        """Whether D's auxiliary class head learns (variants with an ``aux_weight`` > 0): ``filter_samples`` needs it."""
        return bool(self._hp("aux_weight", 0.0))

    def _generate(self, y):
        """Images in [-1, 1] for labels ``y``. With ``filter_samples`` (and a D with a classifier head), samples that
        D's auxiliary classifier does not assign to their requested class are re-drawn, up to ``FILTER_TRIES``
        times: discriminator-guided rejection (Azadi et al. 2019), using only what the model learned from the
        training split."""
        x = self._draw(y)
        filtering = self.has_classifier and self._hp("filter_samples", False)
        best_of = int(self._hp("best_of", 1))
        if best_of > 1:  # realism: of best_of draws per label, the one D scores most real (Azadi et al. 2019)
            score = self._realism(x, y, filtering)
            for _ in range(best_of - 1):
                cand = self._draw(y)
                s = self._realism(cand, y, filtering)
                better = s > score
                x[better], score[better] = cand[better], s[better]
        if not filtering:
            return x
        for _ in range(FILTER_TRIES):
            bad = self.discriminator_(x, y)[1].argmax(1) != y
            if not bool(bad.any()):
                break
            x[bad] = self._draw(y[bad])
        return x

    def _realism(self, x, y, filtering: bool):
        """D's realness score of each image (higher: more real); with ``filtering``, images its classifier puts in
        another class than asked score lowest."""
        import torch

        score, classes = self.discriminator_(x, y)
        if filtering:
            score = torch.where(classes.argmax(1) == y, score, torch.full_like(score, -torch.inf))
        return score

    def _draw(self, y):
        import torch

        z = torch.randn(len(y), self.latent_dim, generator=self.rng_).to(self.device_)
        return self.generator_(z, y)
