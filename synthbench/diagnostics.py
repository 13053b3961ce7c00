"""Watching a GAN train, and telling a practitioner why a run failed.

``TrainingMonitor`` is handed to a GAN's ``fit``. At a few evenly spaced generator steps it *probes*
what the generator makes, in the task's domain feature space (the shipped LeNet):

* ``probe/fid``             FID of ``probe_samples`` generated images against as many real validation
                            images (torch-fidelity's statistics functions; ``probe/reference_fid`` is
                            real-vs-real at the same size: what "good" is at this sample size;
                            ``probe/floor_fid`` is per-pixel noise with each class's pixel means and spreads:
                            what "knows nothing" is in this task's feature space, the scale the
                            diagnosis judges "still far from real" on, so it carries over between tasks)
* ``probe/label_accuracy``  conditional generators: share of images the domain classifier puts in the
                            class they were asked for
* ``probe/class_coverage``  share of classes that are really produced (conditional: the class's
                            label accuracy >= 0.5; unconditional: its predicted share >= 1/4 of fair)
* ``probe/diversity``       within-class diversity against real data: mean pairwise feature distance of
                            generated images of a class over the same for real images of that class,
                            averaged over classes (1 = as varied as real; near 0 = one image per class);
                            ``probe/diversity_min`` is the least varied class

At the end of a pass over the training data, at most ``num_grids`` times per fit (and at the end), it logs a fixed-noise grid (one row per class, the same latent code down each
column) and a latent interpolation grid, so the MLflow UI shows training progress as images.

``diagnose`` reads those probes and the loop's step records (losses, D(x), D(G(z)), gradient norms,
the WGAN critic's estimate, the adversarial part of D's loss) and returns one label with its evidence and remedies:
``healthy``, ``mode_collapse``, ``diverged``, ``discriminator_wins``, ``oscillating``, ``not_converged``.
Mode collapse is judged from what was generated, never from losses alone. The thresholds are the
``THRESHOLDS`` below; ``benchmarks/diagnosis_validation.py`` measures how often they are right.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from synthbench import keys

LABELS = ("healthy", "mode_collapse", "diverged", "discriminator_wins", "oscillating", "not_converged")

THRESHOLDS = {
    "covered_label_accuracy": 0.5,     # a class is produced when >= this share of its images classify as it
    "missing_label_accuracy": 0.5,     # ...and missing when its share is below this fraction of the share of real
                                       # images of the class the classifier gets right, while the median class is fine
    "fine_label_accuracy": 0.6,
    "missing_share_of_fair": 0.25,     # unconditional: a class is missing below 1/4 of its fair share
    "recognisable_label_accuracy": 0.5,  # conditional: collapse is judged once images are mostly of their class
    "collapsed_diversity": 0.4,        # within-class diversity below this (vs real) = collapse
    "collapsed_diversity_min": 0.25,   # ...or one class this much less varied than real
    "d_wins_real": 0.85,               # last quarter of training: mean D(x) above this...
    "d_wins_fake": 0.15,               # ...and mean D(G(z)) below this...
    "stalled_fid": 0.7,                # ...while the probe FID fell by less than 30% over the second half, or still
                                       # ends above far_from_real x the floor (a generator too weak to catch up)
    "saturated_real": 0.99,            # or, stalled or not, mean D(x) above this and...
    "saturated_fake": 0.01,            # ...mean D(G(z)) below this: D separates the two perfectly
    "worse_than_chance": 1.0,          # mean adversarial D loss above this multiple of 2 ln 2 (D answering 0.5;
                                       # healthy cgan runs 0.72-0.88; 1.5 until 2026-12-06 missed lr 1e-1 at 1.41-2.04)
    "oscillation_rebound": 1.5,        # a later probe's FID above this multiple of the best earlier one
    "oscillation_loss_cv": 0.6,        # or G loss's coefficient of variation over the second half above this
    "still_improving": 0.75,           # last probe FID below this multiple of the previous probe's
    "unconverged_label_accuracy": 0.5,  # conditional generator whose labels are mostly not followed yet
    "far_from_real": 0.6,              # final probe FID above this share of the task's floor FID (pixel noise)
}

#: What each label says about a run, in one sentence (reports put it beside a board's labels; ``diagnose``'s
#: summaries say it for the one run, with its evidence).
MEANINGS = {
    "healthy": "no failure signal at the end of training",
    "mode_collapse": "some classes are missing, or a class's images are far less varied than real ones",
    "diverged": "a loss became NaN or infinite and training stopped",
    "discriminator_wins": "the discriminator separates real from generated images almost perfectly and the generator "
                          "cannot catch up",
    "oscillating": "training cycles instead of settling (a discriminator worse than chance, quality that got worse "
                   "again, or a generator loss that swings)",
    "not_converged": "training stopped while quality was still improving fast, or while images were still far from "
                     "real: the budget was too short for this generator, not a broken recipe",
}

REMEDIES = {
    "mode_collapse": [
        "add a mode-seeking term (`--param mode_seeking=1`, MSGAN) or a minibatch-std feature in D",
        "lower the generator's learning rate, or use two time-scales (`lr_d` > `lr_g`, TTUR)",
        "use a class-conditional variant (`cgan`, `acgan`) or a gradient penalty (`wgan-gp`)",
        "check that every class is present in the training data (a missing class cannot be generated)",
    ],
    "diverged": [
        "lower both learning rates (e.g. 10x) and keep Adam's beta1 at 0.5 or below",
        "stabilise D: spectral normalisation (`--param d_norm=spectral`) or a gradient penalty (`wgan-gp`)",
        "check the data scaling: images must reach the networks in [-1, 1]",
    ],
    "discriminator_wins": [
        "balance the networks: fewer discriminator steps (`--param d_steps=1`), a wider generator or a narrower D",
        "one-sided label smoothing (`--param label_smoothing=0.1`)",
        "lower `lr_d` or raise `lr_g` (TTUR), or switch to a gradient-penalty critic (`wgan-gp`)",
    ],
    "oscillating": [
        "lower both learning rates; Adam with beta1 = 0.5 (or 0) damps the cycling",
        "two time-scales (TTUR): `lr_d` a few times `lr_g`",
        "sample from an exponential moving average of G's weights (`--param ema_decay=0.999`)",
        "a gradient penalty (`wgan-gp`) or spectral normalisation in D",
    ],
    "not_converged": [
        "train longer (`--param steps=N` or `--budget full`): quality was still improving when training stopped",
        "raise the learning rates a little if the losses barely move",
    ],
    "healthy": [],
}


def slerp(a, b, t):
    """Spherical interpolation between latent codes (White 2016), the usual path for Gaussian latents."""
    import torch

    an, bn = a / a.norm(dim=-1, keepdim=True), b / b.norm(dim=-1, keepdim=True)
    omega = torch.acos((an * bn).sum(-1, keepdim=True).clamp(-1 + 1e-6, 1 - 1e-6))
    so = torch.sin(omega)
    return torch.sin((1.0 - t) * omega) / so * a + torch.sin(t * omega) / so * b


def _pairwise_mean(x: np.ndarray) -> float:
    if len(x) < 2:
        return float("nan")
    sq = (x * x).sum(1)
    d2 = np.maximum(sq[:, None] + sq[None, :] - 2 * x @ x.T, 0.0)
    n = len(x)
    return float(np.sqrt(d2).sum() / (n * (n - 1)))


def pixel_noise(real, n: int, rng) -> np.ndarray:
    """``n`` images (classes in turn) of independent per-pixel noise with each class's pixel means and standard
    deviations in ``real``: a generator that knows the data's first two pixel moments and no structure. Its FID
    is the task's floor: how far "knows nothing" is in this task's feature space."""
    x = real.images.astype(np.float64)
    classes = np.unique(real.labels)
    out = np.empty((n, *x.shape[1:]), dtype=np.uint8)
    for i, k in enumerate(classes):
        rows = np.arange(i, n, len(classes))
        xk = x[real.labels == k]
        draw = xk.mean(0) + xk.std(0) * rng.standard_normal((len(rows), *x.shape[1:]))
        out[rows] = np.clip(np.rint(draw), 0, 255).astype(np.uint8)
    return out


def spaced_steps(first_step: int, total_steps: int, count: int) -> list[int]:
    """``count`` steps evenly spaced after ``first_step`` up to ``total_steps`` (the last of them), fewer when the
    span is shorter."""
    span = max(1, total_steps - first_step)
    return sorted({first_step + max(1, round(span * (i + 1) / count)) for i in range(count)})


class TrainingMonitor:
    """Probes and grids during ``fit``; ``log_metrics(dict, step)`` and ``log_image(img, key, step)`` receive them
    (MLflow in ``synthbench run``; ``None`` keeps them in memory only). ``num_probes`` probes and at most
    ``num_grids`` sets of grids, evenly spaced over the fit's steps (grids at the end of a pass over the data, the
    last one of the finished model): a fit on 100 rows makes thousands of passes, and a grid per pass would be
    thousands of images."""

    def __init__(self, extractor: str, real, *, num_probes: int = 6, num_grids: int = 20, probe_samples: int = 1000,
                 grid_size: int = 10, seed: int = 0, log_metrics=None, log_image=None):
        import torch

        from synthbench.extractors import load_network

        self.net = load_network(extractor)
        self.num_classes = real.num_classes
        self.num_probes, self.num_grids, self.grid_size = num_probes, num_grids, grid_size
        self.log_metrics, self.log_image = log_metrics, log_image
        self.gen = torch.Generator().manual_seed(int(seed))
        rng = np.random.default_rng(seed)
        n = min(probe_samples, len(real) // 2)
        idx = rng.permutation(len(real))
        self.real_feats, real_pred = self.features(real.images[idx[:n]])
        ref_feats, _ = self.features(real.images[idx[n:2 * n]])
        self.real_labels = real.labels[idx[:n]]
        # the domain classifier's accuracy on real images of each class: how recognisable the class is at best
        self.real_class_accuracy = np.array([np.mean(real_pred[self.real_labels == k] == k) if np.any(self.real_labels == k)
                                             else 1.0 for k in range(self.num_classes)])
        self.real_spread = {k: _pairwise_mean(self.real_feats[self.real_labels == k][:100]) for k in range(self.num_classes)}
        self.real_stats = self._stats(self.real_feats)
        self.reference_fid = self._fid(self._stats(ref_feats))
        self.floor_fid = self._fid(self._stats(self.features(pixel_noise(real, n, rng))[0]))
        self.probe_labels = torch.arange(n) % self.num_classes  # every class of the task, equally
        self.probe_z = None
        self.probes: list[dict] = []
        self.probe_steps: list[int] = []
        self.grid_steps: list[int] = []  # set by ``start`` (which the grids need)

    # -- feature space -----------------------------------------------------------------------
    def features(self, images: np.ndarray, batch: int = 1000):
        import torch

        from synthbench.extractors import lenet_forward

        feats, preds = [], []
        with torch.no_grad():
            for i in range(0, len(images), batch):
                out = lenet_forward(self.net, torch.from_numpy(images[i:i + batch]).float().div(127.5).sub(1.0))
                feats.append(out["fc1"].double().numpy())
                preds.append(out["logits"].argmax(1).numpy())
        return np.concatenate(feats), np.concatenate(preds)

    @staticmethod
    def _stats(feats):
        import torch
        from torch_fidelity.metric_fid import fid_features_to_statistics

        return fid_features_to_statistics(torch.from_numpy(feats))

    def _fid(self, stats) -> float:
        from torch_fidelity.metric_fid import KEY_METRIC_FID, fid_statistics_to_metric

        return float(fid_statistics_to_metric(self.real_stats, stats, verbose=False)[KEY_METRIC_FID])

    # -- the fit protocol ----------------------------------------------------------------------
    def start(self, model, total_steps: int, first_step: int = 0) -> None:
        import torch

        if self.probe_z is None:
            self.probe_z = torch.randn(len(self.probe_labels), model.latent_dim, generator=self.gen)
            k = self.grid_size
            self.grid_z = torch.randn(k, model.latent_dim, generator=self.gen)
            self.grid_z_free = torch.randn(self.num_classes * k, model.latent_dim, generator=self.gen)
            ends = torch.randn(2, self.num_classes, model.latent_dim, generator=self.gen)
            t = torch.linspace(0, 1, k)[None, :, None]
            self.interp_z = slerp(ends[0][:, None, :], ends[1][:, None, :], t)  # (classes, k, latent)
        self.probe_steps = spaced_steps(first_step, total_steps, self.num_probes)
        self.grid_steps = spaced_steps(first_step, total_steps, self.num_grids)

    def on_step(self, model, step: int) -> None:
        if self.probe_steps and step >= self.probe_steps[0] and step < self.probe_steps[-1]:
            while self.probe_steps and step >= self.probe_steps[0]:
                self.probe_steps.pop(0)
            self.probe(model, step)

    def on_epoch(self, model, epoch: int, step: int) -> None:
        due = bool(self.grid_steps) and step >= self.grid_steps[0]
        while self.grid_steps and step >= self.grid_steps[0]:
            self.grid_steps.pop(0)
        if due:
            self.log_grids(model, epoch)
        self.on_step(model, step)

    def finish(self, model, step: int) -> dict:
        """The final probe, of the finished model."""
        if not self.probes or self.probes[-1]["step"] != step:
            self.probe(model, step)
        return self.probes[-1]

    # -- probes and grids ------------------------------------------------------------------------
    def probe(self, model, step: int) -> dict:
        conditional = bool(getattr(model, "conditional", True))
        y = self.probe_labels if conditional else self.probe_labels * 0
        images = model.sample_latent(self.probe_z, y)
        feats, pred = self.features(images)
        rec = {"step": int(step), "fid": self._fid(self._stats(feats)), "reference_fid": self.reference_fid,
               "floor_fid": self.floor_fid}
        K = self.num_classes
        if conditional:
            asked = self.probe_labels.numpy()
            acc = np.array([np.mean(pred[asked == k] == k) for k in range(K)])
            rec["label_accuracy"] = float(np.mean(pred == asked))
            rec["class_coverage"] = float(np.mean(acc >= THRESHOLDS["covered_label_accuracy"]))
            missing = [k for k in range(K) if acc[k] < THRESHOLDS["missing_label_accuracy"] * self.real_class_accuracy[k]] \
                if np.median(acc) >= THRESHOLDS["fine_label_accuracy"] else []
            groups = asked
            rec["per_class_label_accuracy"] = acc.round(4).tolist()
        else:
            share = np.bincount(pred, minlength=K) / len(pred)
            missing = [k for k in range(K) if share[k] < THRESHOLDS["missing_share_of_fair"] / K]
            rec["class_coverage"] = float(1.0 - len(missing) / K)
            groups = pred
            rec["class_share"] = share.round(4).tolist()
        rec["missing_classes"] = missing
        ratios = []
        for k in range(K):
            g = feats[groups == k][:100]
            if len(g) >= 5 and self.real_spread[k] > 0:
                ratios.append(_pairwise_mean(g) / self.real_spread[k])
        rec["diversity"] = float(np.mean(ratios)) if ratios else float("nan")
        rec["diversity_min"] = float(np.min(ratios)) if ratios else float("nan")
        self.probes.append(rec)
        if self.log_metrics is not None:
            self.log_metrics({keys.probe(k): v for k, v in rec.items() if isinstance(v, float) and math.isfinite(v)}, step)
        return rec

    def grids(self, model) -> dict:
        """``{"fixed_noise": img, "interpolation": img}``: one row per class (unconditional: rows of other codes)."""
        import torch
        from torchvision.utils import make_grid

        conditional = bool(getattr(model, "conditional", True))
        K, k = self.num_classes, self.grid_size
        if conditional:
            z = self.grid_z.repeat(K, 1)
            y = torch.arange(K).repeat_interleave(k)
            zi, yi = self.interp_z.reshape(K * k, -1), y
        else:
            z = self.grid_z_free
            y = torch.zeros(K * k, dtype=torch.long)
            zi, yi = self.interp_z.reshape(K * k, -1), y
        out = {}
        for name, (zz, yy) in {"fixed_noise": (z, y), "interpolation": (zi, yi)}.items():
            imgs = torch.from_numpy(model.sample_latent(zz, yy))
            grid = make_grid(imgs, nrow=k, padding=2, pad_value=128).numpy().transpose(1, 2, 0)
            out[name] = grid[:, :, 0] if imgs.shape[1] == 1 else grid
        return out

    def log_grids(self, model, epoch: int) -> None:
        if self.log_image is None:
            return
        for name, img in self.grids(model).items():
            self.log_image(img, f"training/{name}", epoch)


# -- diagnosis -------------------------------------------------------------------------------------
@dataclass
class Diagnosis:
    label: str
    summary: str
    evidence: list = field(default_factory=list)  # (signal, observation, from step)
    remedies: list = field(default_factory=list)
    signals: dict = field(default_factory=dict)

    def to_markdown(self, title: str = "") -> str:
        lines = [f"# Diagnosis: `{self.label}`" + (f" - {title}" if title else ""), "", self.summary, ""]
        if self.evidence:
            lines += ["## Evidence", "", "| signal | observation | from step |", "|---|---|---|"]
            lines += [f"| `{s}` | {obs} | {st if st is not None else '-'} |" for s, obs, st in self.evidence]
            lines.append("")
        if self.remedies:
            lines += ["## What to try", ""] + [f"- {r}" for r in self.remedies] + [""]
        if self.signals:
            lines += ["## Final signals", "", "| signal | value |", "|---|---|"]
            lines += [f"| `{k}` | {v:.4g} |" if isinstance(v, float) else f"| `{k}` | {v} |" for k, v in self.signals.items()]
            lines.append("")
        lines += ["Thresholds: `synthbench.diagnostics.THRESHOLDS`; how often this diagnosis is right: "
                  "`results/diagnosis_validation_mnist_seeds20.md` (and `..._fashion-mnist_seeds20.md`).", ""]
        return "\n".join(lines)


def _tail(history: list[dict], name: str, frac: float) -> np.ndarray:
    vals = [h[name] for h in history if name in h]
    if not vals:
        return np.array([])
    return np.asarray(vals[int(len(vals) * (1 - frac)):], dtype=float)


def _first_step(history, name, cond) -> int | None:
    """Step from which ``cond(value)`` held without a break to the end."""
    recs = [h for h in history if name in h]
    start = None
    for h in recs:
        if cond(h[name]):
            start = h["step"] if start is None else start
        else:
            start = None
    return start


def diagnose(history: list[dict], probes: list[dict], *, diverged: str | None = None, wasserstein: bool = False) -> Diagnosis:
    """One label for a GAN run from its step records and probes (rules in this order: diverged,
    discriminator_wins, mode_collapse, oscillating, not_converged, healthy)."""
    T = THRESHOLDS
    final = probes[-1] if probes else {}
    signals = {keys.probe(k): v for k, v in final.items() if isinstance(v, (int, float)) and k != "step"}
    for name in ("d_real", "d_fake", "wasserstein", "g_loss", "d_loss", "d_adv_loss", "d_grad_norm", "g_grad_norm"):
        tail = _tail(history, name, 0.25)
        if len(tail):
            signals[keys.train_curve(name) + " (last quarter, mean)"] = float(np.mean(tail))

    def result(label, summary, evidence):
        return Diagnosis(label, summary, evidence, REMEDIES[label], signals)

    if diverged is not None:
        return result("diverged", f"Training diverged: {diverged}",
                      [("train/d_loss, train/g_loss", "became NaN or infinite", history[-1]["step"] if history else None)])

    fids = [(p["step"], p["fid"]) for p in probes if math.isfinite(p.get("fid", float("nan")))]
    stalled = len(fids) >= 2 and fids[-1][1] >= T["stalled_fid"] * fids[(len(fids) - 1) // 2][1]
    floor = final.get("floor_fid", float("nan"))
    far = bool(fids) and math.isfinite(floor) and floor > 0 and fids[-1][1] > T["far_from_real"] * floor
    if not wasserstein:
        d_real, d_fake = _tail(history, "d_real", 0.25), _tail(history, "d_fake", 0.25)
        saturated = len(d_real) and np.mean(d_real) > T["saturated_real"] and np.mean(d_fake) < T["saturated_fake"]
        if saturated and not stalled:
            first = _first_step(history, "d_fake", lambda v: v < T["saturated_fake"])
            return result("discriminator_wins", "The discriminator separates real from generated images perfectly; "
                          "the generator still creeps forward on its gradients, but far more slowly than a balanced "
                          "pair would.",
                          [("train/d_real", f"mean D(x) {np.mean(d_real):.4f} over the last quarter", first),
                           ("train/d_fake", f"mean D(G(z)) {np.mean(d_fake):.4f} over the last quarter", first)])
        if len(d_real) and np.mean(d_real) > T["d_wins_real"] and np.mean(d_fake) < T["d_wins_fake"] and (stalled or far):
            first = _first_step(history, "d_fake", lambda v: v < T["d_wins_fake"])
            mid = fids[(len(fids) - 1) // 2]
            why = ("the generator has stopped improving: its gradients carry little signal" if stalled else
                   f"the generator's images are still far from real (FID above {T['far_from_real']:.0%} of the task's "
                   "noise floor): it cannot keep up")
            return result("discriminator_wins", "The discriminator separates real from generated images almost "
                          f"perfectly, and {why}.",
                          [("train/d_real", f"mean D(x) {np.mean(d_real):.3f} over the last quarter", first),
                           ("train/d_fake", f"mean D(G(z)) {np.mean(d_fake):.3f} over the last quarter", first),
                           ("probe/fid", f"{mid[1]:.1f} at step {mid[0]} -> {fids[-1][1]:.1f} at the end", mid[0])
                           if stalled else
                           ("probe/fid", f"{fids[-1][1]:.1f} at the end, {fids[-1][1] / floor:.0%} of the floor {floor:.1f}",
                            fids[-1][0])])
    else:
        w = _tail(history, "wasserstein", 1.0)
        if len(w) >= 8 and stalled:
            half = len(w) // 2
            early, late = np.mean(w[half // 2:half]), np.mean(w[-max(1, half // 2):])
            if late > 2.0 * max(early, 1e-8) and late > 1.0:
                return result("discriminator_wins", "The critic's Wasserstein estimate grew through training while "
                              "sample quality stalled: the critic pulls away from the generator.",
                              [("train/wasserstein", f"{early:.3g} mid-run -> {late:.3g} at the end", None)])

    # mode collapse: judged from what was generated
    ev = []
    if final.get("missing_classes"):
        miss = final["missing_classes"]
        first = next((p["step"] for p in probes if set(miss) <= set(p.get("missing_classes", []))), final["step"])
        ev.append(("probe/class_coverage", f"classes {miss} are not produced (coverage {final['class_coverage']:.2f})", first))
    div = final.get("diversity", float("nan"))
    recognisable = final.get("label_accuracy", 1.0) >= T["recognisable_label_accuracy"]
    if recognisable and (div < T["collapsed_diversity"] or final.get("diversity_min", 1.0) < T["collapsed_diversity_min"]):
        first = next((p["step"] for p in probes if p.get("diversity", 1) < T["collapsed_diversity"]
                      or p.get("diversity_min", 1) < T["collapsed_diversity_min"]), final["step"])
        ev.append(("probe/diversity", f"within-class diversity {div:.2f} of real (least varied class "
                   f"{final.get('diversity_min', float('nan')):.2f})", first))
    if ev:
        return result("mode_collapse", "The generator covers only part of the data: some classes are missing or "
                      "its images of a class are far less varied than real ones.", ev)

    chance = 2.0 * math.log(2.0)
    adv = _tail(history, "d_adv_loss", 0.25)
    if len(adv) and np.mean(adv) > T["worse_than_chance"] * chance:
        first = _first_step(history, "d_adv_loss", lambda v: v > T["worse_than_chance"] * chance)
        return result("oscillating", "The discriminator does worse than one that always answers 0.5: its updates "
                      "overshoot, so it swings between confident wrong answers instead of settling - the signature "
                      "of learning rates that are too high.",
                      [("train/d_adv_loss", f"mean {np.mean(adv):.2f} over the last quarter, against {chance:.2f} "
                        "(2 ln 2) for a discriminator at chance", first)])
    if len(fids) >= 3:
        best_so_far = fids[0][1]
        for st, f in fids[1:]:
            if f > T["oscillation_rebound"] * best_so_far and st > fids[len(fids) // 2 - 1][0]:
                return result("oscillating", "Sample quality got markedly worse again after improving: training "
                              "cycles instead of settling.",
                              [("probe/fid", f"{f:.1f} after reaching {best_so_far:.1f}", st)])
            best_so_far = min(best_so_far, f)
    # a WGAN critic is defined up to a constant, so G's loss -E[D(G(z))] drifts around an arbitrary level (1.3 in one
    # healthy wgan-gp run, -39 in another): its spread relative to its mean says nothing there
    g = _tail(history, "g_loss", 0.5) if not wasserstein else []
    if len(g) >= 6 and abs(np.mean(g)) > 1e-8 and np.std(g) / abs(np.mean(g)) > T["oscillation_loss_cv"]:
        return result("oscillating", "The generator loss swings widely over the second half of training.",
                      [("train/g_loss", f"coefficient of variation {np.std(g) / abs(np.mean(g)):.2f} over the second half", None)])

    ev = []
    if len(fids) >= 2 and fids[-1][1] < T["still_improving"] * fids[-2][1]:
        ev.append(("probe/fid", f"{fids[-2][1]:.1f} -> {fids[-1][1]:.1f} between the last two probes", fids[-2][0]))
    if far:
        ev.append(("probe/fid", f"{fids[-1][1]:.1f} at the end, {fids[-1][1] / floor:.0%} of the floor {floor:.1f} "
                   "(noise with each class's per-pixel mean and spread): samples are still far from real data", fids[-1][0]))
    if "label_accuracy" in final and final["label_accuracy"] < T["unconverged_label_accuracy"]:
        ev.append(("probe/label_accuracy", f"only {final['label_accuracy']:.2f} of images are of the class asked for", final["step"]))
    if ev:
        return result("not_converged", "Training stopped before the generator's images resembled the data: "
                      "quality was still improving quickly, or was still far from real.", ev)
    return result("healthy", "No failure signal: every class is produced with real-like variety, neither network "
                  "dominates, and quality had settled by the end of training.", [])
