"""DenseLayer: forward against hand-written NumPy, input/W/b gradients against central
differences, the layer contract, and the initialisers' distributions."""

import math

import numpy as np
import pytest

from gradcheck import check_gradient
from nnpy import relu, relu_deriv, sigmoid, sigmoid_deriv
from nnpy.activations import ACTIVATIONS, FunctionActivation, ReLU
from nnpy.layers import INITIALIZERS, DenseLayer, resolve_init


def make_input(rng, n, d):
    x = rng.standard_normal((n, d))
    return x


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_forward_is_activation_of_x_W_plus_b(activation):
    rng = np.random.default_rng(0)
    layer = DenseLayer(3, 4, activation, seed=1)
    layer.b = rng.standard_normal(4)
    x = make_input(rng, 5, 3)
    z = np.array([[sum(x[i, k] * layer.W[k, j] for k in range(3)) + layer.b[j] for j in range(4)]
                  for i in range(5)])
    np.testing.assert_allclose(layer.forward(x), layer.activation.forward(z), rtol=1e-13)
    np.testing.assert_allclose(layer.last_preactivation, z, rtol=1e-13)


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_input_weight_and_bias_gradients(activation):
    rng = np.random.default_rng(2)
    layer = DenseLayer(4, 3, activation, seed=3)
    layer.b = rng.standard_normal(3) * 0.5
    x = make_input(rng, 6, 4)
    g = rng.standard_normal((6, 3))  # dL/da from above: L = sum(g * a)

    def loss():
        return np.sum(g * layer.forward(x))

    loss()
    dx = layer.backward(g)
    dW, db = layer.grads["W"].copy(), layer.grads["b"].copy()
    if activation in ("relu", "leaky_relu"):
        assert np.min(np.abs(layer.last_preactivation)) > 1e-4  # no kink within eps
    check_gradient(loss, x, dx, what="dL/dx")
    check_gradient(loss, layer.params["W"], dW, what="dL/dW")
    check_gradient(loss, layer.params["b"], db, what="dL/db")


def test_backward_from_preactivation_gradient():
    """``logits=True`` treats the incoming gradient as dL/dz (the loss took the logits)."""
    rng = np.random.default_rng(4)
    layer = DenseLayer(3, 2, "sigmoid", seed=5)
    x = make_input(rng, 4, 3)
    g = rng.standard_normal((4, 2))

    def loss():
        layer.forward(x)
        return np.sum(g * layer.last_preactivation)

    loss()
    dx = layer.backward(g, logits=True)
    check_gradient(loss, layer.params["W"], layer.grads["W"], what="dL/dW from z")
    check_gradient(loss, x, dx, what="dL/dx from z")
    assert layer.backward(g, logits=True, need_input_grad=False) is None


def test_backward_assigns_gradients_instead_of_adding():
    rng = np.random.default_rng(6)
    layer = DenseLayer(2, 2, "tanh", seed=0)
    x, g = make_input(rng, 3, 2), rng.standard_normal((3, 2))
    layer.forward(x)
    layer.backward(g)
    first = {k: v.copy() for k, v in layer.grads.items()}
    layer.backward(g)
    for key in first:
        np.testing.assert_array_equal(layer.grads[key], first[key])


def test_backward_before_forward_is_an_error():
    with pytest.raises(RuntimeError, match="before forward"):
        DenseLayer(2, 2).backward(np.ones((1, 2)))


def test_seed_pair_layer_equals_named_layer():
    """``DenseLayer(2, 6, relu, relu_deriv)`` is the same layer as ``activation="relu"``."""
    rng = np.random.default_rng(8)
    x, g = make_input(rng, 5, 2), rng.standard_normal((5, 6))
    seed_style = DenseLayer(2, 6, relu, relu_deriv, seed=9)
    named = DenseLayer(2, 6, "relu", seed=9)
    own_pair = DenseLayer(2, 6, seed=9, init="he_normal",
                          activation=FunctionActivation(relu, relu_deriv))
    assert isinstance(seed_style.activation, ReLU)
    outs = [layer.forward(x) for layer in (seed_style, named, own_pair)]
    dxs = [layer.backward(g) for layer in (seed_style, named, own_pair)]
    for out, dx, layer in zip(outs[1:], dxs[1:], (named, own_pair)):
        np.testing.assert_array_equal(out, outs[0])
        np.testing.assert_array_equal(dx, dxs[0])
        np.testing.assert_array_equal(layer.grads["W"], seed_style.grads["W"])
        np.testing.assert_array_equal(layer.grads["b"], seed_style.grads["b"])
    assert DenseLayer(3, 1, sigmoid, sigmoid_deriv).activation.name == "sigmoid"


@pytest.mark.parametrize("init,kind,scale", [
    ("he_normal", "normal", lambda fi, fo: math.sqrt(2.0 / fi)),
    ("he_uniform", "uniform", lambda fi, fo: math.sqrt(6.0 / fi)),
    ("glorot_normal", "normal", lambda fi, fo: math.sqrt(2.0 / (fi + fo))),
    ("glorot_uniform", "uniform", lambda fi, fo: math.sqrt(6.0 / (fi + fo))),
])
def test_initialiser_distributions(init, kind, scale):
    fan_in, fan_out = 400, 300  # 120,000 draws: the std is within 1 % with overwhelming odds
    W = DenseLayer(fan_in, fan_out, "relu", init=init, seed=11).W
    s = scale(fan_in, fan_out)
    assert abs(W.mean()) < 0.01 * s
    if kind == "normal":
        assert W.std() == pytest.approx(s, rel=0.01)
        assert np.abs(W).max() > 3 * s  # tails: not a uniform of the same std
    else:
        assert W.min() >= -s and W.max() <= s
        assert W.min() < -0.99 * s and W.max() > 0.99 * s
        assert W.std() == pytest.approx(s / math.sqrt(3), rel=0.01)
    assert np.all(DenseLayer(fan_in, fan_out, init=init, seed=11).b == 0)


def test_auto_initialiser_follows_the_activation_and_aliases_resolve():
    assert DenseLayer(2, 2, "relu").init == "he_normal"
    assert DenseLayer(2, 2, "leaky_relu").init == "he_normal"
    assert DenseLayer(2, 2, "tanh").init == "glorot_uniform"
    assert DenseLayer(2, 2).init == "glorot_uniform"
    assert resolve_init("Xavier", "relu") == "glorot_uniform"
    assert resolve_init("kaiming", "tanh") == "he_normal"
    assert np.all(DenseLayer(3, 2, init="zeros", seed=1).W == 0)
    with pytest.raises(ValueError, match="'lecun'"):
        DenseLayer(2, 2, init="lecun")
    assert set(INITIALIZERS) == {"he_normal", "he_uniform", "glorot_normal", "glorot_uniform", "zeros"}


def test_same_seed_same_weights_different_seed_different():
    a = DenseLayer(5, 4, "relu", seed=3).W
    b = DenseLayer(5, 4, "relu", seed=3).W
    c = DenseLayer(5, 4, "relu", seed=4).W
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    gen = np.random.default_rng(3)
    np.testing.assert_array_equal(DenseLayer(5, 4, "relu", seed=gen).W, a)  # a Generator works too


@pytest.mark.parametrize("kwargs,match", [
    (dict(in_features=0, out_features=3), "in_features=0"),
    (dict(in_features=2, out_features=-1), "out_features=-1"),
    (dict(in_features=2.5, out_features=3), "in_features=2.5"),
    (dict(in_features=True, out_features=3), "in_features=True"),
    (dict(in_features=2, out_features=3, dtype=np.int32), "dtype=int32"),
    (dict(in_features=2, out_features=3, seed=-1), "seed=-1"),
    (dict(in_features=2, out_features=3, seed=1.5), "seed=1.5"),
])
def test_bad_constructor_arguments_echo_the_value(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        DenseLayer(**kwargs)


def test_weight_setters_check_the_shape_and_copy_in_place():
    layer = DenseLayer(2, 3, seed=0)
    W = layer.params["W"]
    layer.W = np.arange(6.0).reshape(2, 3)
    assert layer.params["W"] is W and W[1, 2] == 5.0  # same array (models hold views of it)
    with pytest.raises(ValueError, match=r"W must have shape \(2, 3\). Received shape \(3, 2\)"):
        layer.W = np.zeros((3, 2))
    with pytest.raises(ValueError, match=r"b must have shape \(3,\)"):
        layer.b = np.zeros(2)


def test_float32_layer():
    layer = DenseLayer(3, 2, "sigmoid", seed=0, dtype=np.float32)
    x = np.ones((4, 3), np.float32)
    assert layer.W.dtype == layer.b.dtype == np.float32
    assert layer.forward(x).dtype == np.float32
    assert layer.backward(np.ones((4, 2), np.float32)).dtype == np.float32
    assert layer.grads["W"].dtype == np.float32


def test_config_round_trip():
    layer = DenseLayer(3, 5, {"name": "leaky_relu", "alpha": 0.2}, init="he_uniform")
    config = layer.get_config()
    assert config == {"class": "Dense", "in_features": 3, "out_features": 5,
                      "activation": {"name": "leaky_relu", "alpha": 0.2}, "init": "he_uniform"}
    again = DenseLayer.from_config(config)
    assert again.get_config() == config and again.activation.alpha == 0.2
    with pytest.raises(ValueError, match="units"):
        DenseLayer.from_config(dict(config, units=3))
    with pytest.raises(ValueError, match="'out_features'"):
        DenseLayer.from_config({"class": "Dense", "in_features": 3})
    assert repr(layer) == "DenseLayer(3, 5, activation='leaky_relu')"
    assert layer.num_params() == 3 * 5 + 5


# ------------------------------------------- the formulas and backend's in-place path

@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("logits", [False, True])
def test_backend_fast_path_gives_the_formulas_bits(dtype, logits):
    # layers.py computes z = x @ W + b, dW = x.T @ dz, db = dz.sum(0), dx = dz @ W.T; the fast
    # path (backend.py: matmul into the gradient arrays, bias added in place) runs the same
    # NumPy products and reductions, so the two agree bit for bit, not to a tolerance.
    from nnpy import backend
    from nnpy.model import SequentialModel
    rng = np.random.default_rng(5)
    x = rng.standard_normal((13, 6)).astype(dtype)
    results = []
    for fast in (False, True):
        model = SequentialModel([DenseLayer(6, 9, "tanh", seed=1, dtype=dtype),
                                 DenseLayer(9, 4, "softmax", seed=2, dtype=dtype)])
        previous = backend.use_fast(fast)
        try:
            out = model.forward(x, logits=logits)
            grad = np.asarray(rng.standard_normal(out.shape), dtype=dtype) if not fast else results[0][1]
            model.backward(grad, logits=logits)
            dx = model.layers[1].backward(grad, logits=logits)
        finally:
            backend.use_fast(previous)
        results.append((out.copy(), grad, model.flat_parameters[1].copy(), dx.copy()))
    for a, b in zip(results[0], results[1]):
        assert a.dtype == dtype
        np.testing.assert_array_equal(a, b)


def test_set_matmul_turns_the_fast_path_on_and_none_turns_it_off():
    from nnpy import backend
    calls = []

    def counting(a, b, trans_a=False, trans_b=False, out=None):
        calls.append((trans_a, trans_b, out is not None))
        return backend.numpy_matmul(a, b, trans_a, trans_b, out)

    layer = DenseLayer(3, 2, "relu", seed=0)
    previous = backend.set_matmul(counting)
    try:
        assert backend.fast
        layer.forward(np.ones((4, 3)))
        layer.backward(np.ones((4, 2)))
    finally:
        backend.set_matmul(None)
    assert not backend.fast and previous is backend.numpy_matmul
    assert calls == [(False, False, False), (True, False, True), (False, True, False)]
