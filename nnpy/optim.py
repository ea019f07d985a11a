"""Optimizers: SGD, SGD with momentum, Adam; and L1/L2 weight penalties.

Each optimizer is the per-parameter update a student writes, over the
model's parameters (``model.parameters()`` yields ``(name, p, g)``)::

    p -= lr * g                                   # SGD
    v = mu * v + g;  p -= lr * v                  # momentum (state: v per parameter)
    m = b1 * m + (1 - b1) * g                     # Adam (state: m and v per parameter)
    v = b2 * v + (1 - b2) * g**2
    p -= lr_t * (m / (sqrt(v) + eps_hat))

That is the default path: ``optimizer.step(model.parameters())``, whose
``_update`` methods read as those lines. Its state is kept under the
parameters' names (``"0.W"``). The learning rate is a plain attribute: change
``optimizer.lr`` between steps and the next step uses it.

A fast path stays beside it, as PyTorch keeps ``_multi_tensor_sgd`` beside
``_single_tensor_sgd``: ``step(params, inplace=True)`` runs the same formulas,
with the same floating-point operations in the same order, into work arrays
allocated once (``_update_inplace``). The page engines turn it on with
``Trainer(fast=True)``, which hands the optimizer the model's whole flat
parameter vector (see :attr:`SequentialModel.flat_parameters`), so a step is
a few NumPy calls however many layers the model has. tests/test_optim.py
checks that both paths give the same weights, bit for bit.

``step`` computes every parameter's ``delta`` first; a ``check`` passed to it
sees them all, ``[(param, delta), ...]``, and may refuse the step by raising
before any ``param -= delta`` is applied (the trainer's divergence guard).
"""

import numpy as np


def _check_lr(lr):
    if isinstance(lr, bool) or not isinstance(lr, (int, float, np.floating)) or not np.isfinite(lr) or lr < 0:
        raise ValueError(f"Invalid learning rate: {lr!r} (a finite number >= 0)")
    return float(lr)


class Optimizer:
    """Base class: subclasses implement ``_update(name, param, grad)``, returning ``delta``."""

    name = None

    def __init__(self, lr):
        self.lr = lr
        self.state = {}
        self.iterations = 0
        self._scratch = {}  # a work array per parameter: no allocation per step

    def _buffer(self, name, like):
        buf = self._scratch.get(name)
        if buf is None or buf.shape != like.shape or buf.dtype != like.dtype:
            buf = self._scratch[name] = np.empty_like(like)
        return buf

    @property
    def lr(self):
        return self._lr

    @lr.setter
    def lr(self, value):
        self._lr = _check_lr(value)

    def step(self, params, check=None, inplace=False):
        """Update every ``param`` in place from its ``grad``; ``params`` yields ``(name, param, grad)``.

        ``check(updates)``, if given, sees the list of every ``(param, delta)``
        before any ``param -= delta`` and may raise to refuse the whole step
        (the optimizer's state has then taken the step). ``inplace=True`` is the
        fast path (see the module docstring): the same numbers, no allocation.
        """
        self.iterations += 1
        self._begin_step()
        update = self._update_inplace if inplace else self._update
        deltas = [(param, update(name, param, grad)) for name, param, grad in params]
        if check is not None:
            check(deltas)
        for param, delta in deltas:
            param -= delta

    def _begin_step(self):
        """Per-step constants (Adam's bias corrections), before the first parameter."""

    def _update(self, name, param, grad):
        """The step to subtract from ``param``, updating any state for ``name``: the formula."""
        raise NotImplementedError

    def _update_inplace(self, name, param, grad):
        """:meth:`_update`, written into a work array kept for ``name``."""
        raise NotImplementedError

    def reset(self):
        """Forget the state (velocities, moments): for a model re-initialised in place."""
        self.state = {}
        self.iterations = 0
        self._scratch = {}

    def get_config(self):
        return {"name": self.name, "lr": self.lr}

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "name")
        return f"{type(self).__name__}({args})"


class SGD(Optimizer):
    """Stochastic gradient descent, with optional (Nesterov) momentum.

    Without momentum: ``p -= lr * g``. With momentum ``mu``::

        v = mu * v + g
        p -= lr * v                     (or lr * (g + mu * v) with nesterov)

    .. note:: This is PyTorch's convention (the learning rate scales the
       velocity, not the gradient inside it), so changing ``lr`` mid-run
       takes effect at once.

    Args:
        lr: learning rate, >= 0.
        momentum: ``mu`` in [0, 1). Default 0 (plain SGD).
        nesterov: use Nesterov momentum.
    """

    name = "sgd"

    def __init__(self, lr=0.01, momentum=0.0, nesterov=False):
        super().__init__(lr)
        momentum = float(momentum)
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f"Invalid momentum: {momentum!r} (must be in [0, 1))")
        if nesterov and momentum == 0.0:
            raise ValueError("Nesterov momentum needs momentum > 0.")
        self.momentum = momentum
        self.nesterov = bool(nesterov)

    def _update(self, name, param, grad):
        lr, mu = self.lr, self.momentum
        if mu == 0.0:
            return lr * grad
        v = self.state.get(name)
        v = grad.copy() if v is None else mu * v + grad
        self.state[name] = v
        if self.nesterov:
            return lr * (grad + mu * v)
        return lr * v

    def _update_inplace(self, name, param, grad):
        buf = self._buffer(name, param)
        if self.momentum == 0.0:
            return np.multiply(grad, self._lr, out=buf)
        v = self.state.get(name)
        if v is None:
            v = self.state[name] = grad.copy()
        else:
            v *= self.momentum
            v += grad
        if self.nesterov:
            np.multiply(v, self.momentum, out=buf)
            buf += grad
            buf *= self._lr
        else:
            np.multiply(v, self._lr, out=buf)
        return buf

    def get_config(self):
        return {"name": self.name, "lr": self.lr, "momentum": self.momentum, "nesterov": self.nesterov}


class Momentum(SGD):
    """SGD with momentum (default ``momentum=0.9``): a name for the playground's menu."""

    name = "momentum"

    def __init__(self, lr=0.01, momentum=0.9, nesterov=False):
        super().__init__(lr, momentum, nesterov)


class Adam(Optimizer):
    """Adam (Kingma and Ba, 2015), with bias correction::

        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        p -= lr * sqrt(1 - b2**t) / (1 - b1**t) * m / (sqrt(v) + eps_hat)

    where ``eps_hat = eps * sqrt(1 - b2**t)``: the paper's efficient form,
    the same update as correcting ``m`` and ``v`` separately.

    Args:
        lr: learning rate (default 0.001).
        beta1, beta2: decay rates of the moment estimates, in [0, 1).
        eps: added to the denominator for stability.
    """

    name = "adam"

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        super().__init__(lr)
        for label, beta in (("beta1", beta1), ("beta2", beta2)):
            if not 0.0 <= float(beta) < 1.0:
                raise ValueError(f"Invalid {label}: {beta!r} (must be in [0, 1))")
        if not float(eps) > 0:
            raise ValueError(f"Invalid eps: {eps!r} (must be > 0)")
        self.beta1, self.beta2, self.eps = float(beta1), float(beta2), float(eps)

    def _begin_step(self):
        t = self.iterations
        self._correction = (1.0 - self.beta2 ** t) ** 0.5  # a Python float: float32 stays float32
        self._scale = self.lr * self._correction / (1.0 - self.beta1 ** t)   # lr_t

    def _update(self, name, param, grad):
        b1, b2 = self.beta1, self.beta2
        m, v = self.state.get(name, (0.0, 0.0))
        m = b1 * m + (1.0 - b1) * grad
        v = b2 * v + (1.0 - b2) * grad**2
        self.state[name] = (m, v)
        eps_hat = self.eps * self._correction
        return self._scale * (m / (np.sqrt(v) + eps_hat))

    def _update_inplace(self, name, param, grad):
        state = self.state.get(name)
        if state is None:
            state = self.state[name] = (np.zeros_like(param), np.zeros_like(param))
        m, v = state
        buf = self._buffer(name, param)
        m *= self.beta1
        np.multiply(grad, 1.0 - self.beta1, out=buf)
        m += buf
        v *= self.beta2
        np.multiply(grad, grad, out=buf)
        buf *= 1.0 - self.beta2
        v += buf
        # delta = scale * m / (sqrt(v) + eps_hat), in the work array
        np.sqrt(v, out=buf)
        buf += self.eps * self._correction
        np.divide(m, buf, out=buf)
        buf *= self._scale
        return buf

    def get_config(self):
        return {"name": self.name, "lr": self.lr, "beta1": self.beta1,
                "beta2": self.beta2, "eps": self.eps}


OPTIMIZERS = {cls.name: cls for cls in (SGD, Momentum, Adam)}


def get_optimizer(optimizer="sgd", lr=None, **kwargs):
    """An optimizer from a name (``"sgd"``, ``"momentum"``, ``"adam"``) or an instance."""
    if isinstance(optimizer, Optimizer):
        if lr is not None:
            optimizer.lr = lr
        return optimizer
    if not isinstance(optimizer, str) or optimizer.lower() not in OPTIMIZERS:
        raise ValueError(f"Unknown optimizer {optimizer!r}. Choose one of: {', '.join(OPTIMIZERS)}.")
    if lr is not None:
        kwargs["lr"] = lr
    return OPTIMIZERS[optimizer.lower()](**kwargs)


class Regularizer:
    """An L1 or L2 penalty on the weights (not the biases), with a rate.

    - L2: penalty ``rate / 2 * sum(W**2)``, gradient ``rate * W``.
    - L1: penalty ``rate * sum(|W|)``, gradient ``rate * sign(W)``.

    Args:
        kind: ``"l1"``, ``"l2"`` or ``None``/``"none"``.
        rate: the penalty's strength, >= 0.
    """

    def __init__(self, kind=None, rate=0.0):
        kind = None if kind in (None, "none", "") else str(kind).lower()
        if kind not in (None, "l1", "l2"):
            raise ValueError(f"Unknown regularization {kind!r}. Choose one of: none, l1, l2.")
        rate = float(rate)
        if not np.isfinite(rate) or rate < 0:
            raise ValueError(f"Invalid regularization rate: {rate!r} (a finite number >= 0)")
        self.kind, self.rate = kind, rate

    @property
    def active(self):
        return self.kind is not None and self.rate > 0

    def penalty(self, weights):
        """The penalty added to the loss for the list of weight arrays."""
        if not self.active:
            return 0.0
        if self.kind == "l2":
            return 0.5 * self.rate * sum(float(np.sum(w * w)) for w in weights)
        return self.rate * sum(float(np.sum(np.abs(w))) for w in weights)

    def add_gradient(self, weights, grads):
        """Add the penalty's gradient to each weight's gradient, in place."""
        if not self.active:
            return
        for w, g in zip(weights, grads):
            if self.kind == "l2":
                g += self.rate * w
            else:
                g += self.rate * np.sign(w)

    def __repr__(self):
        return f"Regularizer({self.kind!r}, rate={self.rate})"
