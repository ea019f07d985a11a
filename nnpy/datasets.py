"""The 2-D playground datasets (TensorFlow Playground's and a few more) and their feature maps.

``make_dataset`` returns ``(X, y)``: points of shape ``(n, 2)`` in ``[-6, 6]``
and int64 class indices (or float64 regression targets of shape ``(n, 1)``).
``feature_map`` turns points into TF Playground's input features (``x1^2``,
``sin(x1)``...). Bad arguments raise :class:`nnpy.data.DataError`.
"""

import math

import numpy as np

from .data import DataError
from .rng import as_generator


# ------------------------------------------------------- 2-D playground data
# Ported from TensorFlow Playground's src/dataset.ts (Apache 2.0): the same
# formulas and constants, vectorised, labels -1/+1 mapped to 0/1. Positions
# never depend on ``noise`` (it is drawn either way), so moving the noise
# slider with a fixed seed moves only the labels or the jitter, as there.

DOMAIN = (-6.0, 6.0)
MAX_CLASSES_2D = 6


def _halves(n):
    return (n + 1) // 2, n // 2


def _circle(n, noise, rng, k):
    radius = 5.0
    n_in, n_out = _halves(n)
    r = np.concatenate([rng.uniform(0, radius * 0.5, n_in), rng.uniform(radius * 0.7, radius, n_out)])
    angle = rng.uniform(0, 2 * np.pi, n)
    X = np.stack([r * np.sin(angle), r * np.cos(angle)], axis=1)
    jitter = rng.uniform(-radius, radius, (n, 2)) * noise
    return X, (np.hypot(*(X + jitter).T) < radius * 0.5).astype(np.int64)


def _xor(n, noise, rng, k):
    X = rng.uniform(-5, 5, (n, 2))
    X += np.where(X > 0, 0.3, -0.3)
    jitter = rng.uniform(-5, 5, (n, 2)) * noise
    p = X + jitter
    return X, (p[:, 0] * p[:, 1] >= 0).astype(np.int64)


def _gauss(n, noise, rng, k):
    std = math.sqrt(0.5 + 7.0 * noise)  # TF's variance scale: noise 0..0.5 -> variance 0.5..4
    n_pos, n_neg = _halves(n)
    centres = np.repeat([[2.0, 2.0], [-2.0, -2.0]], [n_pos, n_neg], axis=0)
    y = np.repeat(np.array([1, 0], dtype=np.int64), [n_pos, n_neg])
    return centres + rng.normal(0.0, std, (n, 2)), y


def _class_sizes(n, k):
    return [n // k + (1 if c < n % k else 0) for c in range(k)]


def _spirals(n, noise, rng, k):
    parts = []
    for c, m in enumerate(_class_sizes(n, k)):
        i = np.arange(m) / m
        r = i * 5
        # class c starts at angle 2*pi*(c+1)/k: for k = 2 class 1 starts at 0 and
        # class 0 at pi, exactly TF's spiral (label +1 at deltaT 0, -1 at pi)
        t = 1.75 * i * 2 * np.pi + 2 * np.pi * (c + 1) / k
        parts.append(np.stack([r * np.sin(t), r * np.cos(t)], axis=1))
    X = np.concatenate(parts)
    X += rng.uniform(-1, 1, X.shape) * noise
    return X, np.repeat(np.arange(k, dtype=np.int64), _class_sizes(n, k))


def _spiral(n, noise, rng, k):
    return _spirals(n, noise, rng, 2)


def _plane_label(p):
    return np.clip((p[:, 0] + p[:, 1]) / 10.0, -1.0, 1.0)


_GAUSSIANS = np.array([[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1],
                       [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]], dtype=np.float64)


def _gauss_label(p):
    d = np.hypot(p[:, None, 0] - _GAUSSIANS[:, 0], p[:, None, 1] - _GAUSSIANS[:, 1])
    values = _GAUSSIANS[:, 2] * np.clip(1.0 - d / 2.0, 0.0, 1.0)  # (n, 6)
    best = np.argmax(np.abs(values), axis=1)  # first of equals wins, as in TF
    return values[np.arange(len(p)), best] + 0.0


def _regression(label):
    def generate(n, noise, rng, k):
        X = rng.uniform(-6, 6, (n, 2))
        jitter = rng.uniform(-6, 6, (n, 2)) * noise
        return X, label(X + jitter).reshape(-1, 1)
    return generate


def _moons(n, noise, rng, k):
    n_top, n_bottom = _halves(n)
    t = rng.uniform(0, np.pi, n)
    top = np.stack([np.cos(t[:n_top]), np.sin(t[:n_top])], axis=1)
    bottom = np.stack([1 - np.cos(t[n_top:]), 0.5 - np.sin(t[n_top:])], axis=1)
    X = (np.concatenate([top, bottom]) - [0.5, 0.25]) * 3.0  # x in [-4.5, 4.5], y in [-2.25, 2.25]
    X += rng.uniform(-1, 1, (n, 2)) * noise * 3.0
    return X, np.repeat(np.array([0, 1], dtype=np.int64), [n_top, n_bottom])


def _blobs(n, noise, rng, k):
    angle = np.pi / 4 + 2 * np.pi * np.arange(k) / k
    centres = 3.5 * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    y = np.repeat(np.arange(k, dtype=np.int64), _class_sizes(n, k))
    std = math.sqrt(0.5 + 7.0 * noise)  # the gauss dataset's spread
    X = centres[y] + rng.normal(0.0, std, (n, 2))
    outside = np.flatnonzero(np.any(np.abs(X) > DOMAIN[1], axis=1))
    while len(outside):  # redraw the few points that fall off the domain
        X[outside] = centres[y[outside]] + rng.normal(0.0, std, (len(outside), 2))
        outside = outside[np.any(np.abs(X[outside]) > DOMAIN[1], axis=1)]
    return X, y


DATASETS = {
    "circle": {"task": "classification", "num_classes": 2,
               "description": "class 1 inside a circle of radius 2.5, class 0 in a ring 3.5..5"},
    "xor": {"task": "classification", "num_classes": 2,
            "description": "class 1 where x1*x2 >= 0 (quadrants I and III), class 0 elsewhere"},
    "gauss": {"task": "classification", "num_classes": 2,
              "description": "two Gaussian clouds at (2, 2) (class 1) and (-2, -2) (class 0); "
                             "noise widens them (not clipped to the domain, as in TF Playground)"},
    "spiral": {"task": "classification", "num_classes": 2,
               "description": "two interleaved spiral arms, 1.75 turns out to radius 5"},
    "reg-plane": {"task": "regression", "num_classes": None,
                  "description": "target (x1 + x2) / 10, clipped to [-1, 1]"},
    "reg-gauss": {"task": "regression", "num_classes": None,
                  "description": "six Gaussian bumps of height +1 or -1 on a 3x2 grid"},
    "moons": {"task": "classification", "num_classes": 2,
              "description": "two interleaving half circles"},
    "spirals": {"task": "classification", "num_classes": "K",
                "description": f"K interleaved spiral arms, K = 2..{MAX_CLASSES_2D}"},
    "blobs": {"task": "classification", "num_classes": "K",
              "description": f"K Gaussian clouds on a circle of radius 3.5, K = 2..{MAX_CLASSES_2D}"},
}

_GENERATORS = {
    "circle": _circle, "xor": _xor, "gauss": _gauss, "spiral": _spiral,
    "reg-plane": _regression(_plane_label), "reg-gauss": _regression(_gauss_label),
    "moons": _moons, "spirals": _spirals, "blobs": _blobs,
}


def make_dataset(name, n=500, noise=0.0, seed=None, num_classes=2, *, shuffle=True):
    """Generate one of the 2-D playground datasets (see ``DATASETS``).

    The TensorFlow Playground sets (``circle``, ``xor``, ``gauss``,
    ``spiral``, ``reg-plane``, ``reg-gauss``) use its formulas and constants;
    points lie in ``[-6, 6]`` (``gauss`` clouds can spill over at high noise,
    as there). Noise is TF's 0..50 % slider divided by 100. For ``circle``,
    ``xor`` and the regression sets it perturbs the position the label is
    computed from (so labels near the boundary flip), for ``spiral``,
    ``spirals`` and ``moons`` it jitters the points, for ``gauss`` and
    ``blobs`` it widens the clouds.

    Args:
        name: a key of ``DATASETS``.
        n: number of points (classes get equal shares, to within one).
        noise: in ``[0, 0.5]``.
        seed: int, ``None`` or ``numpy.random.Generator``.
        num_classes: K for ``spirals`` and ``blobs`` (2..6); the other sets
            have a fixed count and ignore it.
        shuffle: shuffle the points (otherwise they come grouped by class).

    Returns:
        ``(X, y)``: ``X`` float64 of shape ``(n, 2)``; ``y`` int64 class
        indices of shape ``(n,)``, or float64 targets in ``[-1, 1]`` of shape
        ``(n, 1)`` for the regression sets.

    Example:
        >>> X, y = make_dataset("spirals", n=300, noise=0.1, seed=1, num_classes=3)
        >>> X.shape, np.bincount(y).tolist()
        ((300, 2), [100, 100, 100])
    """
    if name not in _GENERATORS:
        raise DataError(f"unknown dataset {name!r}. Valid names: {', '.join(DATASETS)}")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= 10**7:
        raise DataError(f"n must be an int in 1..10000000. Received: n={n!r}")
    if isinstance(noise, bool) or not isinstance(noise, (int, float, np.integer, np.floating)) \
            or not 0 <= noise <= 0.5:
        raise DataError(f"noise must be a fraction in [0, 0.5] (TF Playground's 0..50 %). "
                        f"Received: noise={noise!r}")
    k = 2
    if DATASETS[name]["num_classes"] == "K":
        if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) \
                or not 2 <= num_classes <= MAX_CLASSES_2D:
            raise DataError(f"num_classes for {name!r} must be an int in 2..{MAX_CLASSES_2D}. "
                            f"Received: num_classes={num_classes!r}")
        k = int(num_classes)
        if n < k:
            raise DataError(f"n={n} is too small for {k} classes")
    elif DATASETS[name]["task"] == "classification" and n < 2:
        raise DataError(f"n={n} is too small for 2 classes")
    rng = as_generator(seed)
    X, y = _GENERATORS[name](int(n), float(noise), rng, k)
    if shuffle:
        order = rng.permutation(len(X))
        X, y = X[order], y[order]
    return np.ascontiguousarray(X, dtype=np.float64), np.ascontiguousarray(y)


# ----------------------------------------------------------- feature maps

FEATURES = ("x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)")

_FEATURE_OPS = {
    "x1": lambda a, b, out: np.copyto(out, a),
    "x2": lambda a, b, out: np.copyto(out, b),
    "x1^2": lambda a, b, out: np.multiply(a, a, out=out),
    "x2^2": lambda a, b, out: np.multiply(b, b, out=out),
    "x1*x2": lambda a, b, out: np.multiply(a, b, out=out),
    "sin(x1)": lambda a, b, out: np.sin(a, out=out),
    "sin(x2)": lambda a, b, out: np.sin(b, out=out),
}


def feature_map(X, names):
    """The TensorFlow Playground input features of 2-D points.

    One NumPy operation per feature, so a 100x100 grid costs a few
    microseconds per feature.

    Args:
        X: points of shape ``(n, 2)``, columns ``x1`` and ``x2``.
        names: feature names from ``FEATURES``, in the order wanted.

    Returns:
        float64 of shape ``(n, len(names))``.

    Example:
        >>> feature_map([[2.0, 3.0]], ["x1*x2", "x1^2", "x2"]).tolist()
        [[6.0, 4.0, 3.0]]
    """
    if isinstance(names, str) or not names:
        raise DataError(f"names must be a non-empty sequence of feature names from {FEATURES}. "
                        f"Received: {names!r}")
    for name in names:
        if name not in _FEATURE_OPS:
            raise DataError(f"unknown feature {name!r}. Valid names: {', '.join(FEATURES)}")
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 2:
        raise DataError(f"X must have shape (n, 2). Received shape {X.shape}")
    out = np.empty((X.shape[0], len(names)))
    for j, name in enumerate(names):
        _FEATURE_OPS[name](X[:, 0], X[:, 1], out[:, j])
    return out
