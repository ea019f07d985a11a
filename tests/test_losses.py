"""Losses: values against hand-written references, gradients against central differences,
and stability at extreme inputs (logits of +-1000, probabilities of exactly 0 and 1)."""

import math

import numpy as np
import pytest

from gradcheck import check_gradient
from nnpy import losses as L
from nnpy.losses import MSE, BinaryCrossEntropy, SoftmaxCrossEntropy, get_loss

FINITE = dict(over="raise", invalid="raise", divide="raise")  # underflow to 0 is fine


def ref_mse(y, p):
    return sum((pv - yv) ** 2 for pv, yv in zip(p.ravel(), y.ravel())) / p.size


def ref_bce(y, p):
    return -sum(yv * math.log(pv) + (1 - yv) * math.log(1 - pv)
                for yv, pv in zip(y.ravel(), p.ravel())) / p.size


def ref_softmax_ce(labels, z):
    total = 0.0
    for row, k in zip(z, labels):
        total += -math.log(math.exp(row[k]) / sum(math.exp(v) for v in row))
    return total / len(labels)


@pytest.fixture
def rng():
    return np.random.default_rng(7)


def test_mse_value_and_gradient(rng):
    y, p = rng.standard_normal((6, 3)), rng.standard_normal((6, 3))
    loss = MSE()
    assert loss(y, p) == pytest.approx(ref_mse(y, p), rel=1e-14)
    check_gradient(lambda: loss.forward(y, p), p, loss.backward(y, p), what="mse")


def test_bce_on_probabilities_value_and_gradient(rng):
    y = rng.integers(0, 2, (8, 1)).astype(float)
    y[0, 0] = 0.3  # a soft target too
    p = rng.uniform(0.05, 0.95, (8, 1))
    loss = BinaryCrossEntropy()
    assert loss(y, p) == pytest.approx(ref_bce(y, p), rel=1e-14)
    check_gradient(lambda: loss.forward(y, p), p, loss.backward(y, p), what="bce")


@pytest.mark.parametrize("outputs", [1, 3])  # 3: independent yes/no outputs, mean over all
def test_bce_fused_from_logits_value_and_gradient(rng, outputs):
    y = rng.integers(0, 2, (8, outputs)).astype(float)
    y[1, 0] = 0.7
    z = rng.uniform(-4, 4, (8, outputs))
    loss = BinaryCrossEntropy()
    value, grad = loss.loss_and_grad_from_logits(y, z)
    p = np.vectorize(lambda v: 1 / (1 + math.exp(-v)))(z)
    assert value == pytest.approx(ref_bce(y, p), rel=1e-13)
    check_gradient(lambda: loss.loss_and_grad_from_logits(y, z, need_grad=False)[0], z, grad,
                   what="bce from logits")
    np.testing.assert_allclose(grad, (p - y) / y.size, rtol=1e-13)  # the fused p - y


@pytest.mark.parametrize("one_hot", [False, True])
def test_softmax_cross_entropy_value_and_gradient(rng, one_hot):
    labels = np.array([0, 2, 1, 2, 3, 0])
    targets = np.eye(4)[labels] if one_hot else labels
    z = rng.standard_normal((6, 4)) * 3
    loss = SoftmaxCrossEntropy()
    assert loss(targets, z) == pytest.approx(ref_softmax_ce(labels, z), rel=1e-13)
    value, grad = loss.loss_and_grad_from_logits(targets, z)
    assert value == loss(targets, z)
    check_gradient(lambda: loss.forward(targets, z), z, grad, what="softmax CE")
    np.testing.assert_array_equal(loss.backward(targets, z), grad)


def test_softmax_cross_entropy_soft_targets_gradient(rng):
    y = rng.dirichlet(np.ones(3), size=5)  # rows of probabilities, not one-hot
    z = rng.standard_normal((5, 3))
    loss = SoftmaxCrossEntropy()
    check_gradient(lambda: loss.forward(y, z), z, loss.backward(y, z), what="soft targets")


def test_bce_from_logits_at_extremes():
    z = np.array([[1000.0], [-1000.0], [1000.0], [-1000.0], [0.0]])
    y = np.array([[1.0], [0.0], [0.0], [1.0], [1.0]])
    with np.errstate(**FINITE):
        value, grad = BinaryCrossEntropy().loss_and_grad_from_logits(y, z)
    # per sample: 0, 0, 1000, 1000, log 2
    assert value == pytest.approx((2000.0 + math.log(2.0)) / 5, rel=1e-15)
    np.testing.assert_allclose(grad, np.array([[0.0], [0.0], [1.0], [-1.0], [-0.5]]) / 5, atol=1e-300)


def test_bce_on_probabilities_exactly_zero_and_one():
    loss = BinaryCrossEntropy()
    y = np.array([[1.0], [0.0], [1.0], [0.0]])
    p = np.array([[1.0], [0.0], [0.0], [1.0]])
    with np.errstate(**FINITE):
        value, grad = loss(y, p), loss.backward(y, p)
    # right answers cost (almost) nothing; wrong ones are clipped at -log(1e-12) each
    assert value == pytest.approx(2 * -math.log(1e-12) / 4, rel=1e-6)
    assert np.all(np.isfinite(grad))
    assert grad[2, 0] < 0 < grad[3, 0]  # still pushes the wrong ones the right way
    assert loss(y[:2], p[:2]) == pytest.approx(0.0, abs=1e-11)


def test_softmax_cross_entropy_at_extremes():
    z = np.array([[1000.0, -1000.0], [1000.0, -1000.0], [-1000.0, -1000.0]])
    labels = np.array([0, 1, 1])
    loss = SoftmaxCrossEntropy()
    with np.errstate(**FINITE):
        value, grad = loss.loss_and_grad_from_logits(labels, z)
    assert value == pytest.approx((0.0 + 2000.0 + math.log(2.0)) / 3, rel=1e-15)
    np.testing.assert_allclose(grad, np.array([[0, 0], [1, -1], [0.5, -0.5]]) / 3, atol=1e-300)


def test_mse_float32_and_loss_gradient_dtype():
    y = np.ones((4, 2), np.float32)
    p = np.zeros((4, 2), np.float32)
    assert MSE().backward(y, p).dtype == np.float32
    z = np.zeros((4, 2), np.float32)
    assert SoftmaxCrossEntropy().loss_and_grad_from_logits(np.array([0, 1, 1, 0]), z)[1].dtype \
        == np.float32
    assert BinaryCrossEntropy().loss_and_grad_from_logits(y[:, :1], z[:, :1])[1].dtype == np.float32


def test_seed_function_pairs_equal_the_objects(rng):
    y, p = rng.standard_normal((5, 2)), rng.standard_normal((5, 2))
    assert L.mse(y, p) == MSE()(y, p)
    np.testing.assert_array_equal(L.mse_deriv(y, p), MSE().backward(y, p))
    yb, pb = rng.integers(0, 2, (5, 1)), rng.uniform(0.1, 0.9, (5, 1))
    assert L.binary_cross_entropy(yb, pb) == pytest.approx(ref_bce(yb, pb), rel=1e-14)
    np.testing.assert_array_equal(L.binary_cross_entropy_deriv(yb, pb),
                                  BinaryCrossEntropy().backward(yb.astype(float), pb))
    labels = np.array([1, 0, 1, 1, 0])
    assert L.softmax_cross_entropy(labels, p) == pytest.approx(ref_softmax_ce(labels, p), rel=1e-13)
    np.testing.assert_array_equal(L.softmax_cross_entropy_deriv(labels, p),
                                  SoftmaxCrossEntropy().backward(labels, p))
    # lists work too, as in a student's first script
    assert L.mse([[1.0], [2.0]], [[1.5], [2.0]]) == pytest.approx(0.125)


@pytest.mark.parametrize("fn,deriv,cls", [
    (L.mse, L.mse_deriv, MSE),
    (L.binary_cross_entropy, L.binary_cross_entropy_deriv, BinaryCrossEntropy),
    (L.softmax_cross_entropy, L.softmax_cross_entropy_deriv, SoftmaxCrossEntropy),
])
def test_builtin_pairs_become_builtin_objects(fn, deriv, cls):
    assert type(get_loss(fn, deriv)) is cls  # so the trainer can fuse them with the output layer
    assert type(get_loss(fn)) is cls
    assert type(get_loss(cls.name)) is cls


def test_custom_loss_pair_and_bad_names():
    def l1(y, p):
        return np.mean(np.abs(p - y))

    def l1_deriv(y, p):
        return np.sign(p - y) / p.size
    loss = get_loss(l1, l1_deriv)
    assert isinstance(loss, L.FunctionLoss) and loss.name == "l1"
    assert loss(np.zeros((2, 1)), np.array([[1.0], [-3.0]])) == 2.0
    with pytest.raises(ValueError, match="'hinge'"):
        get_loss("hinge")
    with pytest.raises(TypeError, match="derivative"):
        get_loss(l1)


def test_prepare_targets():
    np.testing.assert_array_equal(MSE().prepare_targets([1, 2, 3], 1), [[1.0], [2.0], [3.0]])
    np.testing.assert_array_equal(SoftmaxCrossEntropy().prepare_targets([2, 0], 3),
                                  [[0, 0, 1], [1, 0, 0]])
    np.testing.assert_array_equal(SoftmaxCrossEntropy().prepare_targets([[2], [0]], 3),
                                  [[0, 0, 1], [1, 0, 0]])
    with pytest.raises(ValueError, match=r"integers in \[0, 3\).*from 0 to 3"):
        SoftmaxCrossEntropy().prepare_targets([0, 3], 3)
    with pytest.raises(ValueError, match=r"integers in \[0, 3\)"):
        SoftmaxCrossEntropy().prepare_targets([0, 1.5], 3)
    with pytest.raises(ValueError, match=r"targets in \[0, 1\]"):
        BinaryCrossEntropy().prepare_targets([0, 2], 1)
    with pytest.raises(ValueError, match=r"shape \(2, 3\).*expected \(2, 2\)"):
        MSE().prepare_targets(np.zeros((2, 3)), 2)
    assert MSE().prepare_targets([1, 2], 1, np.float32).dtype == np.float32
