"""Loss functions: how wrong the network is, and which way to move.

Like activations, each loss comes as an object (``MSE()``), a name
(``"mse"``) and the seed's function pair (``mse``, ``mse_deriv``). All take
``(y_true, y_pred)`` in that order and return the mean over the batch.

Losses on logits: a sigmoid output with binary cross-entropy, and a
softmax output with softmax cross-entropy, have the simple gradient
``dL/dz = (p - y) / n`` with respect to the output layer's logits ``z``
(its pre-activation; the activation is fused into the loss). nnpy calls this
one idea "logits" everywhere: ``model.forward(x, logits=True)``,
``backward(..., logits=True)``, ``Trainer.logits``, ``Loss.logits_activation``. The trainer uses that form (``loss_and_grad_from_logits``) whenever the
output activation matches the loss's ``logits_activation``: fewer operations,
and no ``log(0)`` for saturated outputs.
"""

import numpy as np


EPSILON = 1e-12


class Loss:
    """Base class: ``forward(y_true, y_pred)`` → float, ``backward(...)`` → ``dL/dy_pred``."""

    name = None
    logits_activation = None  # the output activation whose logits z this loss can take directly
    is_classification = False

    def __call__(self, y_true, y_pred):
        return self.forward(y_true, y_pred)

    def forward(self, y_true, y_pred):
        raise NotImplementedError

    def backward(self, y_true, y_pred):
        raise NotImplementedError

    def loss_and_grad(self, y_true, y_pred):
        """``(forward(y_true, y_pred), backward(y_true, y_pred))``, sharing work where it can."""
        return self.forward(y_true, y_pred), self.backward(y_true, y_pred)

    def prepare_targets(self, y, n_outputs, dtype=np.float64):
        """Targets in the form this loss computes with, converted once per dataset.

        ``(n,)`` labels become ``(n, 1)`` columns (for one output) or one-hot
        rows (softmax cross-entropy), so a training step does no conversion.
        """
        y = np.asarray(y)
        if y.ndim == 1 and n_outputs == 1:
            y = y.reshape(-1, 1)
        if y.ndim != 2 or y.shape[1] != n_outputs:
            raise ValueError(
                f"Targets of shape {y.shape} do not fit a model with {n_outputs} output(s); "
                f"expected ({y.shape[0]}, {n_outputs})."
            )
        return y.astype(dtype, copy=False)

    def get_config(self):
        return {"name": self.name}

    def __repr__(self):
        return f"{type(self).__name__}()"


class MSE(Loss):
    """Mean squared error over all elements: ``mean((y_pred - y_true)**2)``.

    Gradient: ``2 * (y_pred - y_true) / y_pred.size``.
    """

    name = "mse"

    def forward(self, y_true, y_pred):
        diff = y_pred - y_true
        return float(np.vdot(diff, diff)) / diff.size

    def backward(self, y_true, y_pred):
        return (y_pred - y_true) * (2.0 / y_pred.size)

    def loss_and_grad(self, y_true, y_pred):
        diff = y_pred - y_true
        loss = float(np.vdot(diff, diff)) / diff.size
        diff *= 2.0 / diff.size
        return loss, diff


class BinaryCrossEntropy(Loss):
    """``-mean(y log p + (1 - y) log(1 - p))`` for probabilities ``p`` of shape ``(n, 1)``.

    ``p`` is clipped to ``[1e-12, 1 - 1e-12]``. With a sigmoid output layer
    the trainer works on its pre-activation ``z`` instead: the loss is
    ``mean(max(z, 0) - z y + log(1 + exp(-|z|)))``, exact for any ``z``, with
    gradient ``(sigmoid(z) - y) / n``.
    """

    name = "binary_cross_entropy"
    logits_activation = "sigmoid"
    is_classification = True

    def forward(self, y_true, y_pred):
        p = np.clip(y_pred, EPSILON, 1.0 - EPSILON)
        return float(-np.mean(y_true * np.log(p) + (1.0 - y_true) * np.log(1.0 - p)))

    def backward(self, y_true, y_pred):
        p = np.clip(y_pred, EPSILON, 1.0 - EPSILON)
        return (p - y_true) / (p * (1.0 - p) * y_pred.size)

    def loss_and_grad_from_logits(self, y_true, z, need_grad=True):
        e = np.abs(z)
        np.negative(e, out=e)
        np.exp(e, out=e)  # exp(-|z|), in (0, 1]: never overflows
        # sum(max(z, 0) - z y + log(1 + e)), as three sums (fewer NumPy calls)
        loss = (float(np.add.reduce(np.log1p(e), axis=None))
                + float(np.add.reduce(np.maximum(z, 0), axis=None))
                - float(np.vdot(z, y_true))) / z.size
        if not need_grad:
            return loss, None
        r = e + 1.0
        np.divide(1.0, r, out=r)
        p = np.where(z >= 0, r, e * r)  # sigmoid(z), stable at both ends
        p -= y_true
        p *= 1.0 / z.size
        return loss, p

    def prepare_targets(self, y, n_outputs, dtype=np.float64):
        y = super().prepare_targets(y, n_outputs, dtype)
        if y.size and not np.all((y >= 0) & (y <= 1)):
            raise ValueError("Binary cross-entropy needs targets in [0, 1] (class labels 0 and 1).")
        return y


class SoftmaxCrossEntropy(Loss):
    """Cross-entropy of softmax probabilities, computed from the logits ``z``.

    ``loss = mean(logsumexp(z) - z[y])`` with the row maximum subtracted first,
    so no input overflows; gradient ``(softmax(z) - onehot(y)) / n``. Targets
    may be integer class labels of shape ``(n,)`` or one-hot rows ``(n, C)``;
    rows of probabilities work too, if each sums to 1 (both the loss and the
    gradient ``p - y`` use that).

    ``forward``/``backward`` take logits (a linear output layer). With a
    softmax output layer the trainer passes that layer's pre-activation, so
    the same loss serves the seed's "softmax output + cross-entropy" network.
    """

    name = "softmax_cross_entropy"
    logits_activation = "softmax"
    is_classification = True

    def forward(self, y_true, y_pred):
        return self.loss_and_grad_from_logits(y_true, y_pred, need_grad=False)[0]

    def backward(self, y_true, y_pred):
        return self.loss_and_grad_from_logits(y_true, y_pred)[1]

    def loss_and_grad_from_logits(self, y_true, z, need_grad=True):
        y_true = self._one_hot(y_true, z.shape[-1], z.dtype)
        n = z.shape[0]
        shifted = np.subtract(z, np.maximum.reduce(z, axis=-1, keepdims=True))
        e = np.exp(shifted)
        total = np.add.reduce(e, axis=-1, keepdims=True)
        # sum(y * (log(total) - shifted)) with rows of y summing to 1
        loss = (float(np.add.reduce(np.log(total), axis=None))
                - float(np.vdot(y_true, shifted))) / n
        if not need_grad:
            return loss, None
        e /= total  # softmax(z)
        e -= y_true
        e *= 1.0 / n
        return loss, e

    @staticmethod
    def _one_hot(y, num_classes, dtype):
        y = np.asarray(y)
        if y.ndim == 2:
            return y
        labels = y.astype(np.int64)
        if labels.size and (labels.min() < 0 or labels.max() >= num_classes
                            or not np.array_equal(labels, y)):
            raise ValueError(
                f"Class labels must be integers in [0, {num_classes}). "
                f"Received values from {y.min()} to {y.max()}."
            )
        out = np.zeros((labels.shape[0], num_classes), dtype=dtype)
        out[np.arange(labels.shape[0]), labels] = 1.0
        return out

    def prepare_targets(self, y, n_outputs, dtype=np.float64):
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1 and n_outputs > 1:
            y = y[:, 0]
        if y.ndim == 1:
            return self._one_hot(y, n_outputs, dtype)
        return super().prepare_targets(y, n_outputs, dtype)


class FunctionLoss(Loss):
    """A user's own loss given as the seed's function pair ``(loss_fn, loss_deriv)``.

    ``loss_fn(y_true, y_pred)`` returns a number and ``loss_deriv(y_true,
    y_pred)`` the gradient with respect to ``y_pred``, including any ``1/n``.
    """

    def __init__(self, fn, deriv):
        if not callable(fn) or not callable(deriv):
            raise TypeError(f"A loss pair needs two callables. Received: {fn!r}, {deriv!r}")
        self.fn, self.deriv = fn, deriv
        self.name = getattr(fn, "__name__", "custom")

    def forward(self, y_true, y_pred):
        return float(self.fn(y_true, y_pred))

    def backward(self, y_true, y_pred):
        return self.deriv(y_true, y_pred)


LOSSES = {cls.name: cls for cls in (MSE, BinaryCrossEntropy, SoftmaxCrossEntropy)}
_ALIASES = {
    "mean_squared_error": "mse",
    "squared": "mse",
    "bce": "binary_cross_entropy",
    "binary_crossentropy": "binary_cross_entropy",
    "cross_entropy": "softmax_cross_entropy",
    "categorical_cross_entropy": "softmax_cross_entropy",
    "categorical_crossentropy": "softmax_cross_entropy",
}


# ---------------------------------------------------------------------------
# The seed's function pairs, (y_true, y_pred) in, mean over the batch.

def mse(y_true, y_pred):
    """Mean squared error."""
    return MSE().forward(np.asarray(y_true, float), np.asarray(y_pred, float))


def mse_deriv(y_true, y_pred):
    """Gradient of :func:`mse` with respect to ``y_pred``."""
    return MSE().backward(np.asarray(y_true, float), np.asarray(y_pred, float))


def binary_cross_entropy(y_true, y_pred):
    """Binary cross-entropy of probabilities ``y_pred`` (clipped away from 0 and 1)."""
    return BinaryCrossEntropy().forward(np.asarray(y_true, float), np.asarray(y_pred, float))


def binary_cross_entropy_deriv(y_true, y_pred):
    """Gradient of :func:`binary_cross_entropy` with respect to ``y_pred``."""
    return BinaryCrossEntropy().backward(np.asarray(y_true, float), np.asarray(y_pred, float))


def softmax_cross_entropy(y_true, logits):
    """Softmax cross-entropy from logits; ``y_true`` one-hot or integer labels."""
    return SoftmaxCrossEntropy().forward(y_true, np.asarray(logits, float))


def softmax_cross_entropy_deriv(y_true, logits):
    """Gradient of :func:`softmax_cross_entropy` with respect to the logits: ``(p - y) / n``."""
    return SoftmaxCrossEntropy().backward(y_true, np.asarray(logits, float))


_PAIRS = {
    (mse, mse_deriv): "mse",
    (binary_cross_entropy, binary_cross_entropy_deriv): "binary_cross_entropy",
    (softmax_cross_entropy, softmax_cross_entropy_deriv): "softmax_cross_entropy",
}
_FUNCTIONS = {fn: name for (fn, _), name in _PAIRS.items()}


def get_loss(loss, derivative=None):
    """Turn a name, a ``Loss`` object or a seed-style function pair into a ``Loss``.

    The built-in pairs become the built-in objects (so they fuse with their
    output layer); other pairs become a :class:`FunctionLoss`.
    """
    if derivative is not None:
        name = _PAIRS.get((loss, derivative))
        return LOSSES[name]() if name else FunctionLoss(loss, derivative)
    if isinstance(loss, Loss):
        return loss
    if isinstance(loss, str):
        key = _ALIASES.get(loss.strip().lower(), loss.strip().lower())
        if key not in LOSSES:
            raise ValueError(f"Unknown loss {loss!r}. Choose one of: {', '.join(sorted(LOSSES))}.")
        return LOSSES[key]()
    if loss in _FUNCTIONS:
        return LOSSES[_FUNCTIONS[loss]]()
    if callable(loss):
        raise TypeError("A custom loss function needs its derivative too: Trainer(model, fn, fn_deriv).")
    raise TypeError(f"Cannot use {loss!r} as a loss.")
