"""Activation functions: the nonlinearities between layers.

Each activation is available three ways, so both seed styles work:

- as a name: ``DenseLayer(2, 6, activation="relu")``;
- as an object: ``DenseLayer(2, 6, activation=ReLU())``;
- as the seed's function pair: ``DenseLayer(2, 6, relu, relu_deriv)``.

A function pair takes the pre-activation ``z`` (the layer's ``x @ W + b``):
``relu(z)`` is the activation and ``relu_deriv(z)`` its elementwise
derivative ``d relu / d z``.

An ``Activation`` object has ``forward(z)`` and ``backward(z, a, grad_a)``,
which returns ``dL/dz`` given ``a = forward(z)`` and ``grad_a = dL/da``.
Passing both ``z`` and ``a`` lets each activation use whichever is cheaper:
sigmoid and tanh differentiate from their output, ReLU from its input.
"""

import numpy as np


class Activation:
    """Base class. Subclasses set ``name`` and implement ``forward``/``backward``."""

    name = None

    def forward(self, z):
        raise NotImplementedError

    def backward(self, z, a, grad_a):
        raise NotImplementedError

    def __call__(self, z):
        return self.forward(z)

    def derivative(self, z):
        """Elementwise ``d a / d z`` at ``z`` (not defined for softmax)."""
        z = np.asarray(z, dtype=float)
        return self.backward(z, self.forward(z), np.ones_like(z))

    def get_config(self):
        return {"name": self.name}

    def __repr__(self):
        return f"{type(self).__name__}()"

    def __eq__(self, other):
        return type(self) is type(other) and self.get_config() == other.get_config()

    def __hash__(self):
        return hash((type(self), tuple(sorted(self.get_config().items()))))


class Linear(Activation):
    """The identity, ``a = z``: for regression outputs and logits."""

    name = "linear"

    def forward(self, z):
        return z

    def backward(self, z, a, grad_a):
        return grad_a


class ReLU(Activation):
    """``a = max(0, z)``; derivative 1 where ``z > 0``, else 0."""

    name = "relu"

    def forward(self, z):
        return np.maximum(z, 0)

    def backward(self, z, a, grad_a):
        return grad_a * (z > 0)


class LeakyReLU(Activation):
    """``a = z`` where ``z > 0``, else ``alpha * z``.

    Args:
        alpha: slope for negative inputs, ``0 <= alpha < 1``. Default 0.01.
    """

    name = "leaky_relu"

    def __init__(self, alpha=0.01):
        alpha = float(alpha)
        if not 0.0 <= alpha < 1.0:
            raise ValueError(f"LeakyReLU alpha must be in [0, 1). Received: alpha={alpha!r}")
        self.alpha = alpha

    def forward(self, z):
        return np.where(z > 0, z, self.alpha * z)

    def backward(self, z, a, grad_a):
        # where(z > 0, 1.0, alpha) would be float64 and turn a float32 model's gradients float64
        return np.where(z > 0, grad_a, self.alpha * grad_a)

    def get_config(self):
        return {"name": self.name, "alpha": self.alpha}

    def __repr__(self):
        return f"LeakyReLU(alpha={self.alpha})"


class Sigmoid(Activation):
    """``a = 1 / (1 + exp(-z))``; derivative ``a * (1 - a)``.

    Computed without overflow for large ``|z|``.
    """

    name = "sigmoid"

    def forward(self, z):
        return _sigmoid(z)

    def backward(self, z, a, grad_a):
        return grad_a * a * (1.0 - a)


class Tanh(Activation):
    """``a = tanh(z)``; derivative ``1 - a**2``."""

    name = "tanh"

    def forward(self, z):
        return np.tanh(z)

    def backward(self, z, a, grad_a):
        return grad_a * (1.0 - a * a)


class Softmax(Activation):
    """Row-wise ``a_i = exp(z_i) / sum_j exp(z_j)`` over the last axis.

    Shifted by the row maximum, so it never overflows. Its Jacobian is not
    diagonal: ``backward`` returns ``a * (g - sum(g * a))`` per row. Paired
    with :class:`nnpy.losses.SoftmaxCrossEntropy`, the trainer skips this
    and uses the fused gradient ``p - y`` on the logits instead.
    """

    name = "softmax"

    def forward(self, z):
        return _softmax(z)

    def backward(self, z, a, grad_a):
        return a * (grad_a - np.add.reduce(grad_a * a, axis=-1, keepdims=True))

    def derivative(self, z):
        raise TypeError("softmax has no elementwise derivative; use backward(z, a, grad_a)")


class FunctionActivation(Activation):
    """A user's own activation given as the seed's function pair ``(fn, fn_deriv)``.

    It trains like any other, but cannot be saved: a weights file holds data,
    never code, so ``save_model`` refuses it with a clear message.
    """

    def __init__(self, fn, deriv):
        if not callable(fn) or not callable(deriv):
            raise TypeError(
                "An activation pair needs two callables (fn, fn_deriv). "
                f"Received: {fn!r}, {deriv!r}"
            )
        self.fn = fn
        self.deriv = deriv
        self.name = getattr(fn, "__name__", "custom")

    def forward(self, z):
        return self.fn(z)

    def backward(self, z, a, grad_a):
        return grad_a * self.deriv(z)

    def get_config(self):
        raise ValueError(
            f"Activation {self.name!r} is a custom Python function and cannot be saved: "
            "a weights file holds data, never code. Use one of the built-in activations "
            f"({', '.join(sorted(ACTIVATIONS))}) to save this model."
        )

    def __eq__(self, other):
        return self is other

    def __hash__(self):
        return id(self)

    def __repr__(self):
        return f"FunctionActivation({self.name})"


ACTIVATIONS = {
    cls.name: cls for cls in (Linear, ReLU, LeakyReLU, Sigmoid, Tanh, Softmax)
}
_ALIASES = {
    "identity": "linear",
    "none": "linear",
    "leakyrelu": "leaky_relu",
    "leaky-relu": "leaky_relu",
    "logistic": "sigmoid",
}


# ---------------------------------------------------------------------------
# The seed's function pairs. Each derivative takes the pre-activation z.

_SIGMOID_SMALL = 2048  # below this size the number of NumPy calls is what costs


def _sigmoid(z):
    # Never overflows at either end, and tiny outputs keep their relative precision.
    if z.size <= _SIGMOID_SMALL:
        # exp(-log(1 + exp(-z))): four NumPy calls (nine for the form below), but
        # logaddexp is not vectorised, so large arrays take the other path.
        t = np.negative(z)
        np.logaddexp(0.0, t, out=t)
        np.negative(t, out=t)
        np.exp(t, out=t)
        return t
    e = np.exp(-np.abs(z))  # exp of a non-positive number only
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _softmax(z):
    # ufunc reductions rather than np.max/np.sum: same result, no Python wrapper per call
    e = np.subtract(z, np.maximum.reduce(z, axis=-1, keepdims=True))
    np.exp(e, out=e)
    e /= np.add.reduce(e, axis=-1, keepdims=True)
    return e


def linear(z):
    """Identity activation, ``a = z``."""
    return np.asarray(z)


def linear_deriv(z):
    """Derivative of :func:`linear`: ones."""
    return np.ones_like(z, dtype=float)


def relu(z):
    """``max(0, z)``."""
    return np.maximum(z, 0)


def relu_deriv(z):
    """Derivative of :func:`relu`: 1 where ``z > 0``, else 0."""
    return (np.asarray(z) > 0).astype(float)


def leaky_relu(z, alpha=0.01):
    """``z`` where ``z > 0``, else ``alpha * z``."""
    return np.where(z > 0, z, alpha * np.asarray(z))


def leaky_relu_deriv(z, alpha=0.01):
    """Derivative of :func:`leaky_relu`: 1 where ``z > 0``, else ``alpha``."""
    return np.where(np.asarray(z) > 0, 1.0, alpha)


def sigmoid(z):
    """``1 / (1 + exp(-z))``, without overflow."""
    return _sigmoid(np.asarray(z, dtype=float))


def sigmoid_deriv(z):
    """Derivative of :func:`sigmoid` at ``z``: ``s * (1 - s)`` with ``s = sigmoid(z)``."""
    s = sigmoid(z)
    return s * (1.0 - s)


def tanh(z):
    """Hyperbolic tangent."""
    return np.tanh(z)


def tanh_deriv(z):
    """Derivative of :func:`tanh` at ``z``: ``1 - tanh(z)**2``."""
    t = np.tanh(z)
    return 1.0 - t * t


def softmax(z):
    """Row-wise softmax over the last axis, shifted by the row maximum."""
    return _softmax(np.asarray(z, dtype=float))


def softmax_deriv(z):
    """Diagonal of the softmax Jacobian, ``s * (1 - s)``.

    The full Jacobian is not diagonal; a model built from the pair
    ``(softmax, softmax_deriv)`` is trained with the exact softmax backward
    (see :class:`Softmax`), so this function is only for inspection.
    """
    s = softmax(z)
    return s * (1.0 - s)


_PAIRS = {
    (linear, linear_deriv): "linear",
    (relu, relu_deriv): "relu",
    (leaky_relu, leaky_relu_deriv): "leaky_relu",
    (sigmoid, sigmoid_deriv): "sigmoid",
    (tanh, tanh_deriv): "tanh",
    (softmax, softmax_deriv): "softmax",
}
_FUNCTIONS = {fn: name for (fn, _), name in _PAIRS.items()}


def get_activation(activation=None, derivative=None):
    """Turn any accepted spelling of an activation into an :class:`Activation`.

    Args:
        activation: ``None`` (linear), a name such as ``"relu"``, an
            ``Activation`` object, a config dict ``{"name": "leaky_relu",
            "alpha": 0.1}``, or a function (with ``derivative``).
        derivative: the derivative function of a seed-style pair.

    The built-in pairs (``relu, relu_deriv`` and so on) become the built-in
    objects, so a model made the seed's way can still be saved.

    Example:
        >>> get_activation("tanh")
        Tanh()
        >>> get_activation(relu, relu_deriv)
        ReLU()
    """
    if derivative is not None:
        name = _PAIRS.get((activation, derivative))
        if name is not None:
            return ACTIVATIONS[name]()
        return FunctionActivation(activation, derivative)
    if activation is None:
        return Linear()
    if isinstance(activation, Activation):
        return activation
    if isinstance(activation, str):
        key = activation.strip().lower()
        key = _ALIASES.get(key, key)
        if key not in ACTIVATIONS:
            raise ValueError(
                f"Unknown activation {activation!r}. "
                f"Choose one of: {', '.join(sorted(ACTIVATIONS))}."
            )
        return ACTIVATIONS[key]()
    if isinstance(activation, dict):
        config = dict(activation)
        name = config.pop("name", None)
        if not isinstance(name, str) or _ALIASES.get(name, name) not in ACTIVATIONS:
            raise ValueError(
                f"Unknown activation {name!r}. Choose one of: {', '.join(sorted(ACTIVATIONS))}."
            )
        try:
            return ACTIVATIONS[_ALIASES.get(name, name)](**config)
        except TypeError as exc:
            raise ValueError(f"Bad settings for activation {name!r}: {config!r}") from exc
    if activation in _FUNCTIONS:
        return ACTIVATIONS[_FUNCTIONS[activation]]()
    if callable(activation):
        raise TypeError(
            f"Activation function {getattr(activation, '__name__', activation)!r} needs its "
            "derivative too: DenseLayer(n_in, n_out, fn, fn_deriv)."
        )
    raise TypeError(f"Cannot use {activation!r} as an activation.")
