"""The diagnosis rules on hand-made signals (each rule fires on its failure and not on a healthy run),
and the training monitor on a real (tiny) fit."""

import numpy as np
import pytest

from synthbench.diagnostics import REMEDIES, THRESHOLDS, TrainingMonitor, diagnose
from synthbench.generators.cgan import CGAN
from synthbench.generators.dcgan import DCGAN
from synthbench.generators.per_class import PerClass


def history(n=40, d_real=0.6, d_fake=0.4, g_loss=1.0, noise=0.05, seed=0):
    rng = np.random.default_rng(seed)
    return [{"step": 10 * (i + 1), "d_real": d_real + noise * rng.standard_normal(), "d_fake": d_fake + noise * rng.standard_normal(),
             "g_loss": g_loss + noise * rng.standard_normal(), "d_loss": 1.2} for i in range(n)]


def probes(fids, diversity=0.9, label_accuracy=0.95, missing=()):
    return [{"step": 80 * (i + 1), "fid": f, "diversity": diversity, "diversity_min": diversity, "label_accuracy": label_accuracy,
             "class_coverage": 1.0 - len(missing) / 10, "missing_classes": list(missing)} for i, f in enumerate(fids)]


HEALTHY_FIDS = [400, 200, 120, 100, 95]


def test_healthy_run_is_healthy():
    d = diagnose(history(), probes(HEALTHY_FIDS))
    assert d.label == "healthy" and not d.evidence and not d.remedies


def test_missing_class_is_mode_collapse_with_evidence():
    d = diagnose(history(), probes(HEALTHY_FIDS, missing=(3,)))
    assert d.label == "mode_collapse"
    assert "classes [3]" in d.evidence[0][1] and d.evidence[0][2] == 80
    assert any("every class is present" in r for r in d.remedies)


def test_low_within_class_diversity_is_mode_collapse_even_with_good_losses():
    d = diagnose(history(), probes(HEALTHY_FIDS, diversity=THRESHOLDS["collapsed_diversity"] - 0.1))
    assert d.label == "mode_collapse" and d.evidence[0][0] == "probe/diversity"


def test_discriminator_wins():
    d = diagnose(history(d_real=0.97, d_fake=0.02, noise=0.005), probes(HEALTHY_FIDS))
    assert d.label == "discriminator_wins" and d.evidence[0][2] is not None


def test_confident_discriminator_while_the_generator_still_improves_is_not_a_win():
    d = diagnose(history(d_real=0.97, d_fake=0.02, noise=0.005), probes([4000, 3000, 2000, 1200, 700]))
    assert d.label == "not_converged"


def test_dominant_discriminator_wins_while_the_images_are_still_far_from_real():
    # Fashion-MNIST tiny-generator, seed 12: D(x) 0.93, D(G(z)) 0.07, FID still falling but ending at 156% of the floor
    fids = [1500, 1300, 1200, 900, 771]
    ps = probes(fids, label_accuracy=0.22)
    for p in ps:
        p["floor_fid"] = 494.4
    d = diagnose(history(d_real=0.93, d_fake=0.07, noise=0.005), ps)
    assert d.label == "discriminator_wins" and d.evidence[-1][1] == "771.0 at the end, 156% of the floor 494.4"
    for floor, label in ((771.0 / 0.8, "discriminator_wins"), (771.0 / 0.5, "not_converged"), (2344.0, "not_converged")):
        for p in ps:
            p["floor_fid"] = floor  # at 80% of the floor still far; at 50% (or MNIST's floor) only still improving
        assert diagnose(history(d_real=0.93, d_fake=0.07, noise=0.005), ps).label == label, floor


def test_perfectly_separating_discriminator_wins_even_while_the_generator_creeps():
    # 10 D steps per G step: D(x) = 1.00, D(G(z)) = 0.00 while FID still falls slowly from a poor level
    d = diagnose(history(d_real=0.999, d_fake=0.001, noise=0.0), probes([4600, 4100, 3600, 3200, 2900, 2300]))
    assert d.label == "discriminator_wins" and d.evidence[0][0] == "train/d_real"
    assert any("d_steps" in r for r in d.remedies)


def test_discriminator_worse_than_chance_is_oscillating():
    hist = history()
    for h in hist:
        h["d_adv_loss"] = 4.0  # 2 ln 2 = 1.39 for a D that always answers 0.5
    d = diagnose(hist, probes(HEALTHY_FIDS))
    assert d.label == "oscillating" and d.evidence[0][0] == "train/d_adv_loss" and "2 ln 2" in d.evidence[0][1]
    assert any("learning rates" in r for r in d.remedies)
    for h in hist:
        h["d_adv_loss"] = 1.45  # just worse than chance (MNIST lr-100x, seed 14: 1.41 - 1.5x chance was the old bar)
    assert diagnose(hist, probes(HEALTHY_FIDS)).label == "oscillating"
    for h in hist:
        h["d_adv_loss"] = 1.1  # a D that still beats chance: no alarm (healthy cgan runs: 0.72-0.88)
    assert diagnose(hist, probes(HEALTHY_FIDS)).label == "healthy"


def test_a_wasserstein_generator_loss_near_zero_is_no_oscillation():
    # wgan-gp on Fashion-MNIST at lr 5e-4: G's loss -E[D(G(z))] wandered around 1.3 (coefficient of variation 0.99)
    # while FID fell steadily to 46: the critic's level is arbitrary, so the loss's spread over its mean means nothing
    hist = [{"step": 10 * (i + 1), "g_loss": 1.3 + 1.3 * np.sin(i), "d_loss": -2.0, "wasserstein": 2.5} for i in range(40)]
    assert diagnose(hist, probes(HEALTHY_FIDS), wasserstein=True).label == "healthy"
    d = diagnose([{**h, "d_real": 0.6, "d_fake": 0.4} for h in hist], probes(HEALTHY_FIDS))
    assert d.label == "oscillating" and d.evidence[0][0] == "train/g_loss"  # a non-saturating G loss that swings does


def test_unrecognisable_images_are_not_called_mode_collapse():
    # blobs are trivially "not varied"; until images look like their class that is not the failure to report
    d = diagnose(history(), probes([5000, 4000, 3000, 2000, 1400], diversity=0.1, label_accuracy=0.12))
    assert d.label == "not_converged" and any("label_accuracy" in e[0] for e in d.evidence)


def test_oscillating_from_fid_rebound():
    d = diagnose(history(), probes([400, 150, 100, 300, 120]))
    assert d.label == "oscillating" and d.evidence[0][2] == 320


def test_not_converged_when_quality_still_falls_fast():
    d = diagnose(history(), probes([900, 700, 500, 300]))
    assert d.label == "not_converged"


def test_far_from_real_data_is_not_converged_even_when_the_trend_looks_settled():
    # an unconditional GAN at FID 1564 (67% of MNIST's pixel-noise floor of 2344) improving 18% between probes
    ps = probes([3696, 2540, 2303, 1901, 1564])
    for p in ps:
        p["floor_fid"] = 2344.0
        del p["label_accuracy"]
    d = diagnose(history(), ps)
    assert d.label == "not_converged" and "67% of the floor 2344.0" in d.evidence[-1][1]
    for p in ps:
        p["fid"] /= 4.0  # 17% of the floor: no alarm
    assert diagnose(history(), ps).label == "healthy"


def test_far_from_real_is_judged_on_the_tasks_own_floor():
    # Fashion-MNIST's leaderboard gan: final probe FID 399.6 against its run's floor of 484.4 (82%), 48.8x its real-vs-real
    # reference - the same FID on MNIST (floor ~2300) is a good fit
    fids = [820, 610, 520, 450, 399.6]
    fashion, mnist = probes(fids), probes(fids)
    for p in fashion:
        p["floor_fid"] = 484.4
    for p in mnist:
        p["floor_fid"] = 2344.0
    assert diagnose(history(), fashion).label == "not_converged"
    assert diagnose(history(), mnist).label == "healthy"


def test_diverged_wins_over_everything():
    d = diagnose(history(), probes(HEALTHY_FIDS, missing=(1,)), diverged="d_loss=nan at step 7")
    assert d.label == "diverged" and "d_loss=nan" in d.summary and d.remedies == REMEDIES["diverged"]


def test_markdown_names_label_evidence_and_remedies():
    md = diagnose(history(), probes(HEALTHY_FIDS, missing=(3,))).to_markdown("cgan on mnist")
    assert md.startswith("# Diagnosis: `mode_collapse` - cgan on mnist")
    assert "## Evidence" in md and "## What to try" in md and "probe/class_coverage" in md


def test_monitor_probes_and_grids_on_a_real_fit(mnist_validation):
    train = mnist_validation.take(np.arange(600))
    logged, images = [], []
    mon = TrainingMonitor("lenet-mnist", mnist_validation, num_probes=3, probe_samples=200, seed=0,
                          log_metrics=lambda m, step: logged.append((step, m)), log_image=lambda img, key, step: images.append((key, step, img.shape)))
    gen = CGAN(steps=36, width=8, batch_size=32, random_state=0, device="cpu").fit(train, monitor=mon)  # two passes
    final = mon.finish(gen, gen.history_[-1]["step"])
    assert [p["step"] for p in mon.probes] == [12, 24, 36]
    assert final["step"] == 36 and np.isfinite(final["fid"]) and final["fid"] > final["reference_fid"] > 0
    assert final["floor_fid"] > 10 * final["reference_fid"]  # pixel noise is far from real digits
    assert 0 <= final["label_accuracy"] <= 1 and len(final["per_class_label_accuracy"]) == 10
    assert {k for _, m in logged for k in m} >= {"probe/fid", "probe/diversity", "probe/class_coverage", "probe/label_accuracy"}
    assert sorted(images) == [("training/fixed_noise", 1, (302, 302)), ("training/fixed_noise", 2, (302, 302)),
                              ("training/interpolation", 1, (302, 302)), ("training/interpolation", 2, (302, 302))]
    # the same seed gives the same probes
    mon2 = TrainingMonitor("lenet-mnist", mnist_validation, num_probes=3, probe_samples=200, seed=0)
    CGAN(steps=36, width=8, batch_size=32, random_state=0, device="cpu").fit(train, monitor=mon2)
    assert [p["fid"] for p in mon2.probes] == [p["fid"] for p in mon.probes[:2]]


def test_a_fit_of_many_passes_over_few_rows_keeps_its_records_and_grids_bounded(mnist_validation):
    # 40 images in batches of 16: a pass is 2 steps, so 300 steps are 150 passes; a record or a set of grids per
    # pass would be 150 of each
    from synthbench.generators.gan import LOG_POINTS

    train = mnist_validation.take(np.arange(40))
    images = []
    mon = TrainingMonitor("lenet-mnist", mnist_validation, num_probes=2, num_grids=5, probe_samples=100, seed=0,
                          log_image=lambda img, key, step: images.append((key, step)))
    gen = CGAN(steps=300, width=4, batch_size=16, random_state=0, device="cpu").fit(train, monitor=mon)
    steps = [h["step"] for h in gen.history_]
    assert steps[-1] == 300 and len(steps) <= LOG_POINTS + 1 and steps == sorted(set(steps))
    assert all(b - a == 5 for a, b in zip(steps, steps[1:]))  # each record the mean of log_every = 5 steps
    epochs = [step for key, step in images if key == "training/fixed_noise"]
    assert len(epochs) == 5 and epochs[-1] == gen.state_["epoch"] == 150  # the last of the finished model


def test_monitor_reads_an_unconditional_generator_through_per_class(mnist_validation):
    train = mnist_validation.take(np.arange(500))
    mon = TrainingMonitor("lenet-mnist", mnist_validation, num_probes=2, probe_samples=200, seed=0)
    gen = PerClass(DCGAN(steps=6, width=4, batch_size=16), random_state=0).fit(train, monitor=mon)
    assert len(mon.probes) >= 1 and "label_accuracy" in mon.probes[-1]
    raw = TrainingMonitor("lenet-mnist", mnist_validation, num_probes=2, probe_samples=200, seed=0)
    plain = DCGAN(steps=3, width=4, batch_size=16, random_state=0).fit(train, monitor=raw)
    p = raw.finish(plain, plain.history_[-1]["step"])
    assert "label_accuracy" not in p and len(p["class_share"]) == 10 and 0 <= p["class_coverage"] <= 1
    assert gen.sample(4, labels=[0, 1, 2, 3]).labelled


class _Replay:
    """A conditional 'generator' that replays real images of the class asked for, except that ``wrong`` of the
    images asked for as class 0 are real images of class 1."""

    conditional, latent_dim = True, 4

    def __init__(self, real, wrong):
        self.pools = {k: real.images[real.labels == k] for k in range(real.num_classes)}
        self.wrong = wrong

    def sample_latent(self, z, y):
        y = y.numpy()
        zeros = np.flatnonzero(y == 0)
        src = y.copy()
        src[zeros[:int(round(self.wrong * len(zeros)))]] = 1
        return np.stack([self.pools[k][i % len(self.pools[k])] for i, k in enumerate(src)])


@pytest.mark.parametrize("wrong, missing", [(0.6, [0]), (0.3, [])])
def test_a_class_is_missing_below_half_of_what_real_images_of_it_score(mnist_validation, wrong, missing):
    # real MNIST zeros are classified right ~99% of the time: 40% right (wrong=0.6) is missing, 70% is not
    mon = TrainingMonitor("lenet-mnist", mnist_validation, probe_samples=500, seed=0)
    mon.start(_Replay(mnist_validation, wrong), total_steps=6)
    rec = mon.probe(_Replay(mnist_validation, wrong), step=6)
    assert mon.real_class_accuracy[0] > 0.95
    assert abs(rec["per_class_label_accuracy"][0] - (1 - wrong)) < 0.1
    assert rec["missing_classes"] == missing
