"""The generator contract: ``check_generator``'s checks, the sample validators and the fit hooks."""

import numpy as np
import pytest
from sklearn.base import BaseEstimator

from synthbench import contract
from synthbench.contract import validate_sample, validate_table_sample
from synthbench.data import LabeledImages, Table
from synthbench.exceptions import ContractError
from synthbench.generators.baselines import PCAGaussianMixture, RealBootstrap
from synthbench.generators.cgan import CGAN
from synthbench.testing import CHECKS, check_generator, tiny_images, tiny_table


@pytest.mark.parametrize("gen", [
    RealBootstrap(),
    PCAGaussianMixture(n_components=4, n_mixture=2),
    CGAN(steps=3, width=4, batch_size=16, device="cpu"),
], ids=["real", "pca-gmm", "cgan"])
def test_builtins_pass_check_generator(gen):
    assert check_generator(gen) == ["init_stores_params", "fit_receives", "constraints", "fit_returns_self", "sample_kind", "sample_labels",
                                    "seeded"] == list(CHECKS)


class _Base(BaseEstimator):
    def __init__(self, random_state=None):
        self.random_state = random_state

    def fit(self, train):
        self.train_ = train
        return self

    def _ok(self, n, labels):
        y = np.zeros(n, np.int64) if labels is None else np.asarray(labels)
        return LabeledImages(np.zeros((n, *self.train_.image_shape), np.uint8), y, self.train_.num_classes)


class WrongShape(_Base):
    def sample(self, n, labels=None):
        out = self._ok(n, labels)
        return LabeledImages(out.images[:, :, :14], out.labels, out.num_classes)


class WrongDtype(_Base):
    def sample(self, n, labels=None):
        out = self._ok(n, labels)
        return LabeledImages(out.images.astype(np.float32), out.labels, out.num_classes)


class IgnoresLabels(_Base):
    def sample(self, n, labels=None):
        return self._ok(n, None)


class TooFew(_Base):
    def sample(self, n, labels=None):
        return self._ok(max(0, n - 1), None if labels is None else labels[: max(0, n - 1)])


class Unseeded(_Base):
    def sample(self, n, labels=None):
        out = self._ok(n, labels)
        return LabeledImages(np.random.randint(0, 255, out.images.shape).astype(np.uint8), out.labels, out.num_classes)


class ReturnsNone(_Base):
    def fit(self, train):
        self.train_ = train


class WorkInInit(BaseEstimator):
    def __init__(self, random_state=None):
        self.random_state = random_state
        self.model_ = "fitted too early"

    def fit(self, train):
        return self

    def sample(self, n, labels=None):
        raise AssertionError


@pytest.mark.parametrize("cls, match", [
    (WrongShape, r"images of shape \(1, 1, 14, 28\), expected \(1, 1, 28, 28\)"),
    (WrongDtype, "dtype float32, expected uint8"),
    (IgnoresLabels, "labels differ from the labels asked for"),
    (TooFew, "returned 0 rows, expected 1"),
    (Unseeded, "same random_state gave different samples"),
    (ReturnsNone, "must return self"),
    (WorkInInit, "sets fitted attribute"),
])
def test_check_generator_catches(cls, match):
    with pytest.raises(ContractError, match=match):
        check_generator(cls())


def test_a_hook_fit_takes_but_does_not_declare_is_named():
    class Undeclared(_Base):
        def fit(self, train, callback=None):
            self.train_ = train
            return self

        def sample(self, n, labels=None):
            return self._ok(n, labels)

    with pytest.raises(ContractError, match=r"takes \['callback'\] but fit_receives does not declare"):
        check_generator(Undeclared())


def test_validate_sample_labels_out_of_range():
    train = tiny_images()
    out = LabeledImages(np.zeros((2, 1, 28, 28), np.uint8), np.array([0, 7]), 3)
    with pytest.raises(ContractError, match="labels outside 0..2"):
        validate_sample(out, 2, None, train, "x")
    with pytest.raises(ContractError, match="returned ndarray, expected LabeledImages"):
        validate_sample(np.zeros((2, 1, 28, 28)), 2, None, train, "x")


def test_real_bootstrap_follows_labels_and_copies_rows():
    train = tiny_images()
    gen = RealBootstrap(random_state=0).fit(train)
    labels = np.array([2, 2, 0, 1])
    out = gen.sample(4, labels=labels)
    assert np.array_equal(out.labels, labels)
    for img, y in zip(out.images, out.labels):
        assert any(np.array_equal(img, t) for t in train.images[train.labels == y])


# -- fit hooks: a generator declares which of synthbench's hooks its fit takes ------------------------

class DeclaresCallbackButTakesNone(_Base):
    fit_receives = ("callback",)

    def fit(self, train):
        self.train_ = train
        return self

    def sample(self, n, labels=None):
        return self._ok(n, labels)


class DeclaresAnUnknownHook(_Base):
    fit_receives = ("callback", "logger")

    def sample(self, n, labels=None):
        return self._ok(n, labels)


class PlainFit(_Base):
    """A plug-in as the simplest author writes it: ``fit(self, train)`` and no ``fit_receives``."""

    def fit(self, train):
        self.train_ = train
        return self

    def sample(self, n, labels=None):
        return self._ok(n, labels)


def test_declared_hook_that_fit_does_not_take_fails_the_contract():
    with pytest.raises(ContractError, match=r"fit_receives declares \['callback'\] but fit\(\) takes no such argument"):
        check_generator(DeclaresCallbackButTakesNone())
    with pytest.raises(ContractError, match=r"fit_receives names \['logger'\]"):
        check_generator(DeclaresAnUnknownHook())


def test_plain_fit_without_fit_receives_passes():
    assert check_generator(PlainFit()) == list(CHECKS)
    assert "fit_receives" in CHECKS


def test_fit_passes_only_the_hooks_a_generator_declares():
    class Records(_Base):
        fit_receives = ("callback",)

        def fit(self, train, **hooks):
            self.hooks_ = hooks
            return self

    train, callback, monitor = tiny_images(), (lambda update: None), object()
    assert contract.fit(Records(), train, callback=callback, monitor=monitor).hooks_ == {"callback": callback}
    assert contract.fit(Records(), train, callback=None, monitor=monitor).hooks_ == {}  # None hooks are not passed
    assert contract.fit(PlainFit(), train, callback=callback, monitor=monitor).train_ is train
    with pytest.raises(ValueError, match="unknown fit hook"):
        contract.fit(PlainFit(), train, logger=print)


# -- tables ------------------------------------------------------------------------------------------

def test_generator_returning_fewer_rows_or_other_columns():
    train = tiny_table()
    with pytest.raises(ContractError, match=r"generator 'g' sample\(50\) returned 49 rows, expected 50"):
        validate_table_sample(train.take(range(49)), 50, train, "g")
    other = Table(train.frame.rename(columns={"x": "xx"}), {("xx" if c == "x" else c): t for c, t in train.columns.items()}, "label")
    with pytest.raises(ContractError, match=r"returned other columns than its training data \(missing \['x'\]; unexpected \['xx'\]\)"):
        validate_table_sample(other.take(range(50)), 50, train, "g")
    bad = train.take(range(50))
    bad.frame.loc[0, "colour"] = "purple"
    with pytest.raises(ContractError, match=r"categories never seen in training in column 'colour'"):
        validate_table_sample(bad, 50, train, "g")
    # the message names where Table lives now (synthbench.table is gone: synthbench.data.table / synthbench.data)
    with pytest.raises(ContractError, match=r"returned DataFrame, expected a synthbench\.data(\.table)?\.Table"):
        validate_table_sample(train.frame.iloc[:50], 50, train, "g")
