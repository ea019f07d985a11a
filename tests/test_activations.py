"""Activations: values against hand-written NumPy, gradients against central differences.

Inputs are drawn away from the kinks of ReLU and leaky ReLU (|z| >= 0.1), where
the derivative is not defined and a central difference straddling 0 is wrong.
"""

import math

import numpy as np
import pytest

from gradcheck import assert_gradients_close, check_gradient, numerical_gradient
from nnpy import activations as A
from nnpy.activations import (
    ACTIVATIONS, FunctionActivation, LeakyReLU, Linear, ReLU, Sigmoid, Softmax, Tanh,
    get_activation,
)

NAMES = sorted(ACTIVATIONS)  # leaky_relu, linear, relu, sigmoid, softmax, tanh


def away_from_kinks(rng, shape, scale=2.0):
    z = rng.uniform(-scale, scale, shape)
    return np.where(np.abs(z) < 0.1, np.sign(z + 1e-300) * 0.1 + z, z)


REFERENCE = {  # independent hand-written forms
    "linear": lambda z: z,
    "relu": lambda z: z * (z > 0),
    "leaky_relu": lambda z: np.array([[v if v > 0 else 0.01 * v for v in row] for row in z]),
    "sigmoid": lambda z: np.vectorize(lambda v: 1.0 / (1.0 + math.exp(-v)))(z),
    "tanh": lambda z: np.vectorize(math.tanh)(z),
    "softmax": lambda z: np.array([[math.exp(v) / sum(math.exp(u) for u in row) for v in row]
                                   for row in z]),
}


@pytest.mark.parametrize("name", NAMES)
def test_forward_matches_hand_written_reference(name):
    z = away_from_kinks(np.random.default_rng(1), (4, 5))
    np.testing.assert_allclose(get_activation(name).forward(z), REFERENCE[name](z),
                               rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("name", NAMES)
def test_backward_matches_central_differences(name):
    rng = np.random.default_rng(2)
    act = get_activation(name)
    z = away_from_kinks(rng, (5, 4))
    g = rng.standard_normal(z.shape)  # an arbitrary upstream gradient dL/da
    analytic = act.backward(z, act.forward(z), g)
    check_gradient(lambda: np.sum(g * act.forward(z)), z, analytic, what=name)


def test_leaky_relu_alpha_is_used_in_both_directions():
    act = LeakyReLU(alpha=0.2)
    z = np.array([[-2.0, -0.5, 0.5, 3.0]])
    np.testing.assert_array_equal(act.forward(z), [[-0.4, -0.1, 0.5, 3.0]])
    np.testing.assert_array_equal(act.backward(z, act.forward(z), np.ones_like(z)),
                                  [[0.2, 0.2, 1.0, 1.0]])
    with pytest.raises(ValueError, match="alpha=1.5"):
        LeakyReLU(alpha=1.5)


@pytest.mark.parametrize("name,fn,deriv", [
    ("linear", A.linear, A.linear_deriv),
    ("relu", A.relu, A.relu_deriv),
    ("leaky_relu", A.leaky_relu, A.leaky_relu_deriv),
    ("sigmoid", A.sigmoid, A.sigmoid_deriv),
    ("tanh", A.tanh, A.tanh_deriv),
])
def test_seed_function_pairs_value_and_derivative(name, fn, deriv):
    """``fn(z)`` equals the named activation; ``fn_deriv(z)`` is its elementwise derivative."""
    z = away_from_kinks(np.random.default_rng(3), (3, 4))
    np.testing.assert_allclose(fn(z), REFERENCE[name](z), rtol=1e-14, atol=1e-15)
    numerical = numerical_gradient(lambda: np.sum(fn(z)), z)  # elementwise: d sum / dz_i = f'(z_i)
    assert_gradients_close(deriv(z), numerical, what=f"{name}_deriv")
    # the pair, run as a user's own pair (no mapping to the built-in), backpropagates alike
    pair, named = FunctionActivation(fn, deriv), get_activation(name)
    g = np.random.default_rng(4).standard_normal(z.shape)
    np.testing.assert_allclose(pair.backward(z, pair.forward(z), g),
                               named.backward(z, named.forward(z), g), rtol=1e-14, atol=1e-15)


def test_softmax_deriv_is_the_jacobian_diagonal():
    z = np.random.default_rng(5).standard_normal((2, 3))
    diag = np.zeros_like(z)
    for r in range(z.shape[0]):
        for c in range(z.shape[1]):
            row = z[r:r + 1].copy()
            diag[r, c] = numerical_gradient(lambda: A.softmax(row)[0, c], row)[0, c]
    assert_gradients_close(A.softmax_deriv(z), diag)


@pytest.mark.parametrize("fn,deriv,cls", [
    (A.linear, A.linear_deriv, Linear), (A.relu, A.relu_deriv, ReLU),
    (A.leaky_relu, A.leaky_relu_deriv, LeakyReLU), (A.sigmoid, A.sigmoid_deriv, Sigmoid),
    (A.tanh, A.tanh_deriv, Tanh), (A.softmax, A.softmax_deriv, Softmax),
])
def test_builtin_pairs_become_builtin_objects(fn, deriv, cls):
    act = get_activation(fn, deriv)
    assert type(act) is cls  # so a seed-style model can be saved, and softmax gets its full Jacobian
    assert act.get_config()["name"] == cls.name


def test_every_spelling_resolves():
    assert get_activation(None) == Linear()
    assert get_activation("ReLU") == ReLU()
    assert get_activation(" logistic ") == Sigmoid()
    assert get_activation({"name": "leaky_relu", "alpha": 0.3}) == LeakyReLU(0.3)
    assert get_activation(Tanh()) == Tanh()
    assert get_activation(A.relu) == ReLU()  # a built-in function alone is enough


def test_bad_activations_are_rejected_with_the_value():
    with pytest.raises(ValueError, match="'swish'"):
        get_activation("swish")
    with pytest.raises(ValueError, match="'gelu'"):
        get_activation({"name": "gelu"})
    with pytest.raises(ValueError, match="Bad settings"):
        get_activation({"name": "relu", "alpha": 2})

    def custom(z):
        return z
    with pytest.raises(TypeError, match="custom.*derivative"):
        get_activation(custom)
    with pytest.raises(TypeError, match="two callables"):
        FunctionActivation(custom, 3)


def test_custom_pair_trains_but_cannot_be_configured():
    def cube(z):
        return z ** 3

    def cube_deriv(z):
        return 3 * z ** 2
    act = get_activation(cube, cube_deriv)
    z = np.array([[0.5, -1.0]])
    np.testing.assert_allclose(act.backward(z, act.forward(z), np.ones_like(z)), [[0.75, 3.0]])
    with pytest.raises(ValueError, match="'cube' is a custom Python function"):
        act.get_config()


@pytest.mark.parametrize("z,expected", [(1000.0, 1.0), (-1000.0, 0.0), (40.0, 1.0), (-745.0, 0.0)])
def test_sigmoid_is_finite_and_correct_at_extremes(z, expected):
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # no overflow warning either
        s = A.sigmoid(np.array([z]))
    assert np.isfinite(s).all() and s[0] == pytest.approx(expected, abs=1e-15)
    assert A.sigmoid(np.array([-40.0]))[0] == pytest.approx(math.exp(-40.0) / (1 + math.exp(-40.0)),
                                                            rel=1e-14)


@pytest.mark.parametrize("shape", [(4, 5), (64, 64)])  # small and large arrays take two paths
def test_sigmoid_matches_reference_over_a_wide_range(shape):
    z = np.random.default_rng(9).uniform(-60, 60, shape)
    z.flat[:4] = [-745.0, 0.0, 709.0, -1e-300]
    ref = np.vectorize(lambda v: math.exp(v) / (1 + math.exp(v)) if v < 0 else 1 / (1 + math.exp(-v)))
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        for out in (Sigmoid().forward(z), A.sigmoid(z)):
            np.testing.assert_allclose(out, ref(z), rtol=2e-14, atol=0)
    assert Sigmoid().forward(z.astype(np.float32)).dtype == np.float32


def test_softmax_is_finite_and_correct_at_extremes():
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        p = A.softmax(np.array([[1000.0, -1000.0, 0.0], [1000.0, 1000.0, 1000.0]]))
    np.testing.assert_allclose(p, [[1.0, 0.0, 0.0], [1 / 3, 1 / 3, 1 / 3]], rtol=1e-15)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-15)


@pytest.mark.parametrize("name", NAMES)
def test_float32_stays_float32(name):
    act = get_activation(name)
    z = away_from_kinks(np.random.default_rng(6), (3, 4)).astype(np.float32)
    a = act.forward(z)
    assert a.dtype == np.float32
    assert act.backward(z, a, np.ones_like(z)).dtype == np.float32
