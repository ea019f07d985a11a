"""Central-difference gradient checks in float64, shared by the unit tests.

``numerical_gradient(f, x)`` perturbs every element of ``x`` in place by
``+-eps``, evaluates the scalar ``f()`` twice, and puts
``(f(x + eps) - f(x - eps)) / (2 eps)`` in the matching element of the
result; ``x`` is restored exactly afterwards. ``x`` may be any float64 array
that ``f`` reads, including a model's parameter vector (a view the model's
layers share) or a batch of inputs.

``assert_gradients_close(analytic, numerical)`` compares elementwise with the
relative error ``|a - n| / max(|a|, |n|, floor)``. The floor keeps gradients
that are zero (or nearly) from turning round-off into a huge ratio: with
``eps = 1e-5`` the central difference is exact to about ``1e-10`` absolute
for the O(1) functions the tests build, so ``floor = 1e-4`` and ``tol = 1e-6``
still catch any gradient off by more than ``1e-10``, i.e. every real mistake
(a missing factor, a wrong sign, a transposed term, a dropped row).
"""

import numpy as np

EPS = 1e-5
TOL = 1e-6
FLOOR = 1e-4


def numerical_gradient(f, x, eps=EPS):
    """``d f() / d x`` by central differences, every element of ``x`` in turn.

    Args:
        f: a function of no arguments returning a float; it must read ``x``.
        x: a writeable float64 array, perturbed in place and then restored.

    Returns:
        a float64 array of the shape of ``x``.
    """
    if x.dtype != np.float64:
        raise TypeError(f"gradient checks run in float64; got {x.dtype}")
    grad = np.zeros(x.shape, dtype=np.float64)
    flat_x = x.reshape(-1)  # a view (checked below), so writes reach x
    if not np.shares_memory(flat_x, x):
        raise ValueError("x must be contiguous so that it can be perturbed in place")
    flat_g = grad.reshape(-1)
    for i in range(flat_x.size):
        old = flat_x[i]
        flat_x[i] = old + eps
        f_plus = float(f())
        flat_x[i] = old - eps
        f_minus = float(f())
        flat_x[i] = old
        flat_g[i] = (f_plus - f_minus) / (2.0 * eps)
    return grad


def relative_error(analytic, numerical, floor=FLOOR):
    """Elementwise ``|a - n| / max(|a|, |n|, floor)`` (an array of the common shape)."""
    a = np.asarray(analytic, dtype=np.float64)
    n = np.asarray(numerical, dtype=np.float64)
    if a.shape != n.shape:
        raise AssertionError(f"gradient shapes differ: analytic {a.shape}, numerical {n.shape}")
    return np.abs(a - n) / np.maximum(np.maximum(np.abs(a), np.abs(n)), floor)


def assert_gradients_close(analytic, numerical, tol=TOL, floor=FLOOR, what="gradient"):
    """Fail, naming the worst element, unless every relative error is below ``tol``."""
    err = relative_error(analytic, numerical, floor)
    if not np.all(np.isfinite(np.asarray(analytic, dtype=np.float64))):
        raise AssertionError(f"{what}: analytic gradient is not finite")
    worst = float(err.max()) if err.size else 0.0
    if not worst < tol:
        i = np.unravel_index(int(np.argmax(err)), err.shape)
        raise AssertionError(
            f"{what}: relative error {worst:.3g} >= {tol:g} at index {tuple(int(k) for k in i)}: "
            f"analytic {np.asarray(analytic)[i]!r}, numerical {np.asarray(numerical)[i]!r}")
    return worst


def check_gradient(f, x, analytic, tol=TOL, eps=EPS, what="gradient"):
    """Compare ``analytic`` with the central-difference gradient of ``f`` at ``x``."""
    analytic = np.array(analytic, dtype=np.float64)  # a copy: f() may overwrite the original
    return assert_gradients_close(analytic, numerical_gradient(f, x, eps), tol, what=what)
