"""Layers: the ``Layer`` contract, ``DenseLayer`` and the weight initialisers.

The contract (all a model needs of a layer):

- ``params`` and ``grads``: dicts with the same keys (``"W"``, ``"b"``).
- ``forward(x)`` computes the output and overwrites the layer's cache.
- ``backward(grad_out)`` assigns (never adds) ``grads`` from the cache and
  returns the gradient with respect to the layer's input.
- ``get_config()`` describes the architecture; the weights travel apart.
"""

import math

import numpy as np

from . import backend
from .activations import get_activation
from .rng import as_generator


# ---------------------------------------------------------------------------
# Initialisers. Each draws a (fan_in, fan_out) array from the generator.

def he_normal(rng, fan_in, fan_out, dtype=np.float64):
    """He (Kaiming) normal: ``N(0, 2 / fan_in)``; suits ReLU layers."""
    return (rng.standard_normal((fan_in, fan_out)) * math.sqrt(2.0 / fan_in)).astype(dtype)


def he_uniform(rng, fan_in, fan_out, dtype=np.float64):
    """He uniform: ``U(-l, l)`` with ``l = sqrt(6 / fan_in)``."""
    limit = math.sqrt(6.0 / fan_in)
    return rng.uniform(-limit, limit, (fan_in, fan_out)).astype(dtype)


def glorot_normal(rng, fan_in, fan_out, dtype=np.float64):
    """Glorot (Xavier) normal: ``N(0, 2 / (fan_in + fan_out))``; suits tanh and sigmoid."""
    std = math.sqrt(2.0 / (fan_in + fan_out))
    return (rng.standard_normal((fan_in, fan_out)) * std).astype(dtype)


def glorot_uniform(rng, fan_in, fan_out, dtype=np.float64):
    """Glorot (Xavier) uniform: ``U(-l, l)`` with ``l = sqrt(6 / (fan_in + fan_out))``."""
    limit = math.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, (fan_in, fan_out)).astype(dtype)


def zeros(rng, fan_in, fan_out, dtype=np.float64):
    """All zeros. A network started this way cannot break its symmetry: for tests and biases."""
    return np.zeros((fan_in, fan_out), dtype=dtype)


INITIALIZERS = {
    "he_normal": he_normal,
    "he_uniform": he_uniform,
    "glorot_normal": glorot_normal,
    "glorot_uniform": glorot_uniform,
    "zeros": zeros,
}
_INIT_ALIASES = {
    "he": "he_normal",
    "kaiming": "he_normal",
    "glorot": "glorot_uniform",
    "xavier": "glorot_uniform",
    "xavier_normal": "glorot_normal",
    "xavier_uniform": "glorot_uniform",
}


def resolve_init(init, activation_name):
    """The initialiser's canonical name; ``"auto"`` picks He for ReLUs, else Glorot uniform."""
    if init == "auto":
        return "he_normal" if activation_name in ("relu", "leaky_relu") else "glorot_uniform"
    if not isinstance(init, str):
        raise TypeError(f"init must be a name. Received: init={init!r}")
    key = _INIT_ALIASES.get(init.lower(), init.lower())
    if key not in INITIALIZERS:
        raise ValueError(
            f"Unknown initialiser {init!r}. Choose one of: auto, "
            f"{', '.join(sorted(set(INITIALIZERS) | set(_INIT_ALIASES)))}."
        )
    return key


def _check_dtype(dtype):
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"dtype must be float32 or float64. Received: dtype={dtype}")
    return dtype


# ---------------------------------------------------------------------------

class Layer:
    """Base class of all layers. See the module docstring for the contract."""

    def __init__(self):
        self.params = {}
        self.grads = {}

    def forward(self, x):
        raise NotImplementedError

    def backward(self, grad_out):
        raise NotImplementedError

    def parameters(self):
        """Yield ``(key, param, grad)`` for each parameter, ``key`` as in ``params``."""
        for key, param in self.params.items():
            yield key, param, self.grads[key]

    def num_params(self):
        return sum(p.size for p in self.params.values())

    def get_config(self):
        raise NotImplementedError


class DenseLayer(Layer):
    """A fully connected layer: ``a = activation(x @ W + b)``.

    ``W`` has shape ``(in_features, out_features)``, so a batch ``x`` of shape
    ``(n, in_features)`` multiplies it directly: no transposes to explain.

    Args:
        in_features: size of each input sample.
        out_features: number of neurons (size of each output sample).
        activation: a name (``"relu"``), an ``Activation`` object, or the
            activation function of a seed-style pair. Default: linear.
        activation_deriv: the derivative of a seed-style pair, e.g.
            ``DenseLayer(2, 6, relu, relu_deriv)``.
        init: weight initialiser: ``"auto"`` (He normal for ReLU and leaky
            ReLU, Glorot uniform otherwise), ``"he_normal"``, ``"he_uniform"``,
            ``"glorot_normal"``, ``"glorot_uniform"`` (``"xavier_*"`` too)
            or ``"zeros"``. Biases start at zero.
        seed: an int or a ``numpy.random.Generator`` for the initial weights.
        dtype: ``float64`` (default) or ``float32``.
        initialize: ``False`` leaves ``W`` unset (``np.empty``) for a caller
            that fills every weight next, as ``load_model`` does.

    Shapes:
        input ``(n, in_features)``, output ``(n, out_features)``.

    Example:
        >>> layer = DenseLayer(2, 3, "relu", seed=0)
        >>> layer.forward(np.ones((4, 2))).shape
        (4, 3)
    """

    def __init__(self, in_features, out_features, activation=None, activation_deriv=None,
                 *, init="auto", seed=None, dtype=np.float64, initialize=True):
        super().__init__()
        for label, value in (("in_features", in_features), ("out_features", out_features)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(
                    f"DenseLayer {label} must be a positive integer. Received: {label}={value!r}"
                )
        self.in_features = int(in_features)
        self.out_features = int(out_features)
        self.activation = get_activation(activation, activation_deriv)
        self.init = resolve_init(init, self.activation.name)
        self.dtype = _check_dtype(dtype)
        self.params = {
            "W": np.empty((self.in_features, self.out_features), dtype=self.dtype),
            "b": np.zeros(self.out_features, dtype=self.dtype),
        }
        self.grads = {key: np.zeros_like(p) for key, p in self.params.items()}
        if initialize:
            self.reset_parameters(seed)
        self._x = self._z = self._a = None
        self._grad_out = self._dz = None  # the latest backward's dL/da and dL/dz (delta)

    def reset_parameters(self, seed=None):
        """Draw fresh weights with the layer's initialiser and zero the biases (in place)."""
        rng = as_generator(seed)
        self.params["W"][...] = INITIALIZERS[self.init](
            rng, self.in_features, self.out_features, self.dtype)
        self.params["b"][...] = 0.0

    @property
    def W(self):
        return self.params["W"]

    @W.setter
    def W(self, value):
        _assign(self.params["W"], value, "W")

    @property
    def b(self):
        return self.params["b"]

    @b.setter
    def b(self, value):
        _assign(self.params["b"], value, "b")

    def forward(self, x, logits=False):
        """``a = activation(x @ W + b)`` for ``x`` of shape ``(n, in_features)``; caches ``x, z, a``.

        With ``logits=True`` the activation is skipped and the logits ``z``
        returned: the trainer does this for an output layer whose activation
        is fused into the loss (softmax or sigmoid with cross-entropy), and its
        ``backward(..., logits=True)`` then takes ``dL/dz``.
        """
        W, b = self.params["W"], self.params["b"]
        if backend.fast:
            z = backend.dense_forward(x, W, b)      # the same numbers, see nnpy/backend.py
        else:
            z = x @ W + b
        a = None if logits else self.activation.forward(z)
        self._x, self._z, self._a = x, z, a
        return z if logits else a

    def backward(self, grad_out, logits=False, need_input_grad=True):
        """Gradients from ``grad_out = dL/da`` (or ``dL/dz`` with ``logits=True``).

        The chain rule through ``z = x @ W + b`` (``dz = dL/dz``, shape
        ``(n, out_features)``)::

            dW = x.T @ dz              (in_features, out_features)
            db = dz.sum(axis=0)        (out_features,)
            dx = dz @ W.T              (n, in_features), returned

        ``grads["W"]`` and ``grads["b"]`` are assigned (never added to);
        ``dx`` is ``None`` when ``need_input_grad`` is false (the first layer).
        """
        if self._x is None:
            raise RuntimeError("DenseLayer.backward called before forward")
        if logits:
            dz = grad_out
        else:
            if self._a is None:
                raise RuntimeError("DenseLayer.backward through the activation after a forward "
                                   "that skipped it (logits=True)")
            dz = self.activation.backward(self._z, self._a, grad_out)
        self._grad_out, self._dz = (None if logits else grad_out), dz  # see last_delta
        x, W = self._x, self.params["W"]
        if backend.fast:
            return backend.dense_backward(x, dz, W, self.grads, need_input_grad)
        self.grads["W"][...] = x.T @ dz
        self.grads["b"][...] = dz.sum(axis=0)
        return dz @ W.T if need_input_grad else None

    @property
    def last_preactivation(self):
        """``z = x @ W + b`` from the latest forward pass (the logits of an output layer)."""
        return self._z

    @property
    def last_delta(self):
        """``(dL/da, dL/dz)`` from the latest backward pass, each ``(n, out_features)``.

        ``dL/dz`` is the layer's delta; ``dL/da`` is what the next layer sent back
        (``None`` for an output layer whose backward took the logits' gradient ``dL/dz``).
        """
        return self._grad_out, self._dz

    def output_shape(self):
        return (None, self.out_features)

    def get_config(self):
        return {
            "class": "Dense",
            "in_features": self.in_features,
            "out_features": self.out_features,
            "activation": self.activation.get_config(),
            "init": self.init,
        }

    @classmethod
    def from_config(cls, config, dtype=np.float64, seed=None, initialize=True):
        config = dict(config)
        cls_name = config.pop("class", "Dense")
        if cls_name != "Dense":
            raise ValueError(f"Unknown layer class {cls_name!r}; nnpy knows: Dense.")
        unknown = set(config) - {"in_features", "out_features", "activation", "init"}
        if unknown:
            raise ValueError(f"Unknown Dense layer settings: {', '.join(sorted(unknown))}.")
        try:
            return cls(config["in_features"], config["out_features"],
                       config.get("activation"), init=config.get("init", "auto"),
                       dtype=dtype, seed=seed, initialize=initialize)
        except KeyError as exc:
            raise ValueError(f"Dense layer config is missing {exc.args[0]!r}.") from None

    def __repr__(self):
        return f"DenseLayer({self.in_features}, {self.out_features}, activation={self.activation.name!r})"


LAYERS = {"Dense": DenseLayer}


def _assign(target, value, name):
    value = np.asarray(value)
    if value.shape != target.shape:
        raise ValueError(f"{name} must have shape {target.shape}. Received shape {value.shape}.")
    target[...] = value
