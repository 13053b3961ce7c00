"""The generators: the GAN family (diagnostics history, divergence, options, warm start), the per-class wrapper,
and the table generators (SDV's, SMOTE, the marginals baseline)."""

import math

import numpy as np
import pytest
from sklearn.base import BaseEstimator

from synthbench import registry
from synthbench.data import UNLABELED, Table
from synthbench.exceptions import ConfigError, TrainingDivergedError
from synthbench.generators.cgan import CGAN
from synthbench.generators.dcgan import DCGAN
from synthbench.generators.per_class import PerClass
from synthbench.generators.wgan_gp import WGANGP
from synthbench.testing import CHECKS, check_generator, tiny_images, tiny_table

# generator steps after which each variant, at its own sizes, has moved well toward MNIST (probe FID at most 0.6 of
# its one-step value; measured 0.10-0.53 for cgan, acgan, dcgan; 0.34 for gan after 600). Flipping the generator
# loss's sign leaves cgan at 0.68 and dcgan at 0.92 after 150 steps.
STEPS_TOWARD_DATA = {"gan": 600, "dcgan": 150, "cgan": 150, "acgan": 150, "wgan-gp": 300}
SMALL = {"gan": {"hidden": 8}, "dcgan": {"width": 4}, "cgan": {"width": 4}, "acgan": {"width": 4}, "wgan-gp": {"width": 4, "d_steps": 2}}


def small(name, **kw):
    return registry.generators.get(name)(steps=3, batch_size=16, random_state=0, device="cpu", **{**SMALL[name], **kw})


@pytest.mark.parametrize("name", sorted(SMALL))
def test_every_variant_passes_the_contract(name):
    gen = small(name)
    if not gen.conditional:
        gen = PerClass(gen, random_state=0)
    assert check_generator(gen)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SMALL))
def test_a_short_training_moves_every_variant_toward_the_data(name, mnist_validation):
    """A regression that breaks a variant (a flipped loss sign, a detached tensor, labels that do not reach a
    network) fails here rather than on a leaderboard: after its first steps on real digits, at its own network
    sizes, the training probe's FID is well below that of the same generator after one step."""
    from synthbench.diagnostics import TrainingMonitor

    train = mnist_validation.take(np.arange(2000))
    mon = TrainingMonitor("lenet-mnist", mnist_validation, num_probes=1, probe_samples=300, seed=0)
    gen = registry.generators.get(name)(steps=1, batch_size=64, warm_start=True, random_state=0, device="cpu")
    gen.fit(train)  # unconditional ones on all digits: the probe reads their class shares
    steps = STEPS_TOWARD_DATA[name]
    mon.start(gen, total_steps=steps)
    before = mon.probe(gen, 1)["fid"]
    gen.set_params(steps=steps).fit(train)
    after = mon.probe(gen, 1 + steps)["fid"]
    assert after < 0.6 * before, (before, after)


@pytest.mark.parametrize("name", ["gan", "dcgan"])
def test_unconditional_variants_sample_unlabelled_and_refuse_labels(name):
    gen = small(name).fit(tiny_images())
    assert check_generator(small(name))
    out = gen.sample(5)
    assert (out.labels == UNLABELED).all() and not out.labelled
    with pytest.raises(ConfigError, match="unconditional.*PerClass"):
        gen.sample(3, labels=[0, 1, 2])


def test_history_records_diagnostics_at_generator_steps():
    gen = CGAN(steps=6, width=4, batch_size=16, random_state=0, device="cpu").fit(tiny_images())
    steps = [h["step"] for h in gen.history_]
    assert steps == sorted(steps) and steps[-1] == 2 * (48 // 16)
    assert {h["epoch"] for h in gen.history_} == {1, 2}
    for h in gen.history_:
        for k in ("d_loss", "g_loss", "d_real", "d_fake", "d_adv_loss"):
            assert math.isfinite(h[k])
        assert 0.0 <= h["d_real"] <= 1.0 and 0.0 <= h["d_fake"] <= 1.0
        # the adversarial loss alone is no more than D's whole loss (which adds the auxiliary classifier)
        assert 0.0 < h["d_adv_loss"] <= h["d_loss"] + 1e-6
    assert any("g_grad_norm" in h and "d_grad_norm" in h for h in gen.history_)


def test_diagnostics_off_keeps_only_losses():
    gen = CGAN(steps=3, width=4, batch_size=16, diagnostics=False, random_state=0, device="cpu").fit(tiny_images())
    assert all(set(h) == {"step", "epoch", "d_loss", "g_loss", "seconds"} for h in gen.history_)


def test_wgan_gp_logs_the_critic_estimate_and_runs_d_steps():
    train = tiny_images()
    gen = WGANGP(steps=3, width=4, batch_size=8, d_steps=3, random_state=0, device="cpu").fit(train)
    # a budget in generator steps: 3 steps, each of 3 critic batches of 8; a pass over 48 images is 2 steps
    assert gen.history_[-1]["step"] == 3 and gen.history_[-1]["epoch"] == 2 == gen.state_["epoch"]
    assert all("wasserstein" in h and "d_real" not in h for h in gen.history_)
    assert len(WGANGP(steps=3, width=4, batch_size=8, conditional=False, random_state=0, device="cpu").fit(train).sample(4)) == 4


def test_cgan_samples_requested_classes():
    gen = CGAN(steps=3, width=4, batch_size=16, random_state=0, device="cpu").fit(tiny_images())
    out = gen.sample(30, labels=np.arange(30) % 3)
    assert out.images.shape == (30, 1, 28, 28) and out.images.dtype == np.uint8
    assert np.array_equal(out.labels, np.arange(30) % 3)


class NaNGAN(CGAN):
    def g_loss(self, D, fake, y_fake):
        return super().g_loss(D, fake, y_fake) * float("nan")


def test_divergence_stops_training_with_a_clear_error():
    gen = NaNGAN(steps=9, width=4, batch_size=16, random_state=0, device="cpu")
    with pytest.raises(TrainingDivergedError, match="diverged at epoch 1, step 1.*lower lr_d/lr_g") as info:
        gen.fit(tiny_images())
    assert info.value.step == 1 and math.isnan(gen.history_[-1]["g_loss"])


@pytest.mark.parametrize("d_norm", ["batch", "spectral", "layer", "none"])
def test_discriminator_norm_options(d_norm):
    gen = CGAN(steps=3, width=4, batch_size=16, d_norm=d_norm, mode_seeking=1.0, random_state=0, device="cpu")
    assert len(gen.fit(tiny_images()).sample(5)) == 5


def test_warm_start_continues_training():
    train = tiny_images()
    a = CGAN(steps=6, width=4, batch_size=16, random_state=0, device="cpu").fit(train)
    b = CGAN(steps=3, width=4, batch_size=16, random_state=0, device="cpu", warm_start=True).fit(train).fit(train)
    assert [h["step"] for h in b.history_] == [h["step"] for h in a.history_]
    assert np.allclose([h["d_loss"] for h in a.history_], [h["d_loss"] for h in b.history_])
    assert np.array_equal(a.sample(8, labels=np.arange(8) % 3).images, b.sample(8, labels=np.arange(8) % 3).images)


def test_a_warm_start_continues_the_pass_it_stopped_in():
    """A budget in steps need not be whole passes: 2 + 2 + 3 steps (a pass over 48 images at batch 16 is 3) train
    the same model as one fit of 7, and PerClass's rounds rely on it."""
    train = tiny_images()
    a = CGAN(steps=7, width=4, batch_size=16, random_state=0, device="cpu").fit(train)
    b = CGAN(steps=2, width=4, batch_size=16, random_state=0, device="cpu", warm_start=True).fit(train).fit(train)
    b.set_params(steps=3).fit(train)
    assert b.state_["step"] == 7 and b.state_["epoch"] == a.state_["epoch"] == 3
    assert np.allclose([h["d_loss"] for h in a.history_ if h["step"] in (3, 6, 7)],
                       [h["d_loss"] for h in b.history_ if h["step"] in (3, 6, 7)])
    assert np.array_equal(a.sample(8, labels=np.arange(8) % 3).images, b.sample(8, labels=np.arange(8) % 3).images)


def test_per_class_trains_one_model_per_class_in_rounds():
    train = tiny_images()
    gen = PerClass(DCGAN(steps=4, width=4, batch_size=8), random_state=0).fit(train)
    assert sorted(gen.models_) == [0, 1, 2] and set(gen.fit_seconds_per_class_) == {0, 1, 2}
    # the budget is per model: 4 steps each (in 4 rounds of one), two passes over a class's 16 images at batch 8
    assert all(m.state_["step"] == 4 and m.state_["epoch"] == 2 for m in gen.models_.values())
    assert gen.history_ and gen.history_[-1]["step"] == sum(m.state_["step"] for m in gen.models_.values())
    out = gen.sample(9, labels=[2, 0, 1] * 3)
    assert list(out.labels) == [2, 0, 1] * 3
    with pytest.raises(ConfigError, match="class 2 had no training rows"):
        PerClass(DCGAN(steps=3, width=4, batch_size=8), random_state=0).fit(train.take(np.flatnonzero(train.labels < 2))).sample(
            2, labels=[2, 2])


class _NoiseUnconditional(BaseEstimator):  # a non-GAN unconditional generator
    conditional = False

    def __init__(self, random_state=None):
        self.random_state = random_state

    def fit(self, train):
        self.shape_ = train.image_shape
        return self

    def sample(self, n, labels=None):
        from synthbench.data import LabeledImages

        rng = np.random.default_rng(self.random_state)
        return LabeledImages(rng.integers(0, 255, (n, *self.shape_), dtype=np.uint8), np.full(n, UNLABELED), 10)


def test_per_class_non_gan_gets_no_monitor_and_says_why(tasks_dir):
    from synthbench import keys, pipeline
    from synthbench.config import resolve
    from synthbench.modalities.base import RunContext
    from synthbench.modalities.image import MODALITY
    from synthbench.progress import Reporter

    registry.generators.register("noise", _NoiseUnconditional)
    try:
        cfg = resolve("tiny-mnist", "noise", "quick", device="cpu", tasks_dir=tasks_dir)
        generator = cfg.build_generator()
        assert cfg.conditioning == "per-class" and isinstance(generator, PerClass)
        splits = MODALITY.load_splits(cfg.task, cfg.budget_spec, None)
        record = pipeline.new_record(cfg)
        ctx = RunContext(cfg, splits, record, Reporter())
        assert MODALITY.training_monitor(ctx, generator) is None
    finally:
        registry.generators._discover().pop("noise", None)
        registry.generators._loaded.pop("noise", None)
    assert "not trained adversarially" in record.not_applicable["diagnosis"]
    assert record.tags[keys.TAG_DIAGNOSIS] == "not_applicable"
    out = PerClass(_NoiseUnconditional(), random_state=0).fit(tiny_images()).sample(6, labels=[0, 1, 2, 0, 1, 2])
    assert out.labelled and len(out) == 6


# -- table generators ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name,params", [("gaussian-copula", {}), ("ctgan", {"epochs": 1}), ("tvae", {"epochs": 1}),
                                         ("copula-gan", {"epochs": 1}), ("marginals", {}), ("smote", {}), ("real", {})])
def test_table_generators_meet_the_contract(name, params):
    assert check_generator(registry.generators.get(name)(**params), tiny_table()) == [
        "init_stores_params", "fit_receives", "constraints", "fit_returns_self", "sample_kind", "sample_labels", "seeded"] == list(CHECKS)


def test_sdv_sampling_follows_the_run_seed():
    from synthbench.generators.sdv import GaussianCopula

    a = GaussianCopula(random_state=1).fit(tiny_table()).sample(30).frame
    b = GaussianCopula(random_state=2).fit(tiny_table()).sample(30).frame
    assert not a.equals(b)  # SDV alone would sample both with its one fixed seed


@pytest.mark.parametrize("name", ["CTGAN", "TVAE"])
def test_sdv_neural_fit_reports_epochs_as_they_finish(monkeypatch, name):
    from synthbench.generators import sdv

    monkeypatch.setattr(sdv, "WATCH_SECONDS", 0.005)
    seen = []
    gen = getattr(sdv, name)(epochs=15, batch_size=20, random_state=0)
    gen.fit(tiny_table(200), callback=seen.append)
    steps = [u["step"] for u in seen]
    assert all(u["total"] == 15 for u in seen)
    assert steps == sorted(steps) and steps[-1] == 15
    assert len(steps) > 2  # epochs were reported during the fit, not only at its end


def test_smote_refuses_regression():
    from synthbench.generators.table_baselines import SMOTESampler

    t = tiny_table()
    reg = Table(t.frame, {**t.columns, "label": "categorical"}, "x")
    with pytest.raises(ConfigError, match="smote interpolates within classes: target 'x' is numerical"):
        SMOTESampler().fit(reg)


def test_smote_keeps_class_counts_and_types():
    from synthbench.generators.table_baselines import SMOTESampler

    t = tiny_table(200)
    s = SMOTESampler(random_state=0).fit(t).sample(400)
    assert (s.y.value_counts() == t.y.value_counts() * 2).all()
    assert s.frame["count"].dtype.kind == "i" and set(s.frame["colour"]) <= set(t.frame["colour"])


class _BrightClassifier:
    """A stand-in discriminator: realism is an image's mean pixel, and its class head calls an image class 1 when
    that mean is above ``threshold``, class 0 otherwise."""

    def __init__(self, threshold):
        self.threshold = threshold

    def __call__(self, x, y):
        import torch

        mean = x.mean((1, 2, 3))
        return mean, torch.nn.functional.one_hot((mean > self.threshold).long(), 3).float()


def test_filter_samples_and_best_of_keep_what_the_discriminator_prefers():
    import torch

    gen = CGAN(steps=3, width=4, batch_size=16, random_state=0, device="cpu").fit(tiny_images())
    with torch.no_grad():
        threshold = float(gen._draw(torch.ones(1000, dtype=torch.long)).mean((1, 2, 3)).median())
    gen.discriminator_ = _BrightClassifier(threshold)
    y = torch.ones(400, dtype=torch.long)

    def draw(**params):
        gen.set_params(**params)
        gen.rng_ = torch.Generator().manual_seed(1)
        with torch.no_grad():
            return gen._generate(y).mean((1, 2, 3))

    plain, filtered = draw(filter_samples=False, best_of=1), draw(filter_samples=True, best_of=1)
    assert 0.3 < float((plain > threshold).float().mean()) < 0.7  # about half are put in class 1
    assert float((filtered > threshold).float().mean()) > 0.99  # re-drawn until the classifier agrees
    best = draw(filter_samples=False, best_of=4)
    assert float(best.mean()) > float(plain.mean())  # the most "real" of four draws
    assert int((best >= plain).sum()) == len(y)  # the first draw is among the four: never worse than it
    gen.set_params(aux_weight=0.0)  # no class head that learns: nothing is filtered
    assert torch.equal(draw(filter_samples=True, best_of=1), plain)


def test_classic_augmentation_moves_real_images_of_the_asked_class():
    """The scarce-data control: bootstrap copies of real images of each asked class, jittered; at no rotation a copy
    is a real image moved by whole pixels (its pixel values kept), and the same seed gives the same images."""
    gen = registry.generators.get("classic-augment")
    assert check_generator(gen(random_state=0))
    train = tiny_images()
    labels = np.arange(60) % train.num_classes
    still = gen(max_shift=0, max_rotation=0, random_state=1).fit(train).sample(60, labels=labels)
    real = {im.tobytes() for im in train.images}
    assert all(im.tobytes() in real for im in still.images) and (still.labels == labels).all()
    moved = gen(max_shift=2, max_rotation=0, random_state=1).fit(train).sample(60, labels=labels)

    def shifted(img, dx, dy):  # moved right by dx, down by dy, zeros coming in
        out = np.zeros_like(img)
        h, w = img.shape[-2:]
        out[..., max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = img[..., max(-dy, 0):h - max(dy, 0), max(-dx, 0):w - max(dx, 0)]
        return out

    moves = [(dx, dy) for dx in range(-2, 3) for dy in range(-2, 3)]
    for im, lab in zip(moved.images, moved.labels):
        assert any(np.array_equal(im, shifted(r, dx, dy)) for r in train.images[train.labels == lab] for dx, dy in moves)
    assert sum(im.tobytes() in real for im in moved.images) < 30  # most were moved
    again = gen(random_state=3).fit(train).sample(20, labels=labels[:20])
    assert np.array_equal(again.images, gen(random_state=3).fit(train).sample(20, labels=labels[:20]).images)


def test_sdv_budgets_are_optimiser_steps_whatever_the_training_set_size():
    """A budget in steps gives 500 rows as many updates as 27,561 (epochs over 500 rows would give 1 batch each); on
    Adult's training split the standard and full budgets are the 50 and 300 epochs they used to name (TVAE's too,
    whose epochs hold one more, short, batch); an explicit --param epochs wins. (steps_per_epoch is checked against
    what SDV runs: test_sdv_trains_the_epochs_its_steps_make_and_says_so.)"""
    from synthbench.config import resolve

    for name in ("ctgan", "tvae", "copula-gan"):
        for budget, adult_epochs in (("standard", 50), ("full", 300)):
            cfg = resolve("adult", name, budget, 0)
            steps = cfg.generator_params["steps"]
            gen = cfg.build_generator()
            assert gen.epochs_for(27561) == adult_epochs, (name, budget)
            for rows in (500, 2000, 8000, 27561):
                epochs, per_epoch = gen.epochs_for(rows), gen.steps_per_epoch(rows)
                assert epochs * per_epoch >= steps > (epochs - 1) * per_epoch, (name, rows, epochs)
        own = resolve("adult", name, "standard", 0, params={"epochs": "7"})
        assert own.generator_params["steps"] is None and own.build_generator().epochs_for(500) == 7


@pytest.mark.parametrize("name, per_epoch", [("CTGAN", 2), ("TVAE", 3)])  # 120 rows in 50s: 2 full, 3 with the short one
def test_sdv_trains_the_epochs_its_steps_make_and_says_so(name, per_epoch):
    """SDV itself runs the epochs ``steps`` make (its loss table has one row per epoch), and the fit reports what it
    made (the pipeline logs it as cost/fit_epochs and cost/fit_steps)."""
    from synthbench.generators import sdv

    gen = getattr(sdv, name)(steps=7, batch_size=50, random_state=0).fit(tiny_table(120))
    epochs = -(-7 // per_epoch)
    assert gen.epochs_ == epochs and len(gen.history_) == epochs
    assert gen.fit_summary_ == {"epochs": float(epochs), "steps": float(epochs * per_epoch)}
    assert "steps" not in gen._synthesizer_kwargs()  # SDV is given epochs, never synthbench's steps


def test_one_layer_may_not_give_steps_and_epochs_and_a_plugin_without_steps_still_resolves():
    from sklearn.base import BaseEstimator

    from synthbench.config import resolve_params

    ctgan = registry.generators.get("ctgan")
    with pytest.raises(ConfigError, match=r"steps and epochs \(--param\) say one setting two ways - give one of them"):
        resolve_params(ctgan, "generator 'ctgan'", [("--param", {"steps": "100", "epochs": "5"})])

    class OwnSDV(BaseEstimator):  # a user's wrapper that inherits the alternatives but has epochs only
        alternatives = (("steps", "epochs"),)

        def __init__(self, epochs=300):
            self.epochs = epochs

    assert resolve_params(OwnSDV, "generator 'own'", [("--param", {"epochs": "5"})]) == {"epochs": 5}
