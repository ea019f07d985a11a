"""What the pages say when training goes wrong, in plain words, and the ways back they offer.

Both engines (:mod:`nnpy.browser.playground`, :mod:`nnpy.browser.mnist`) hand
the page a *report*, plain data the page shows as it is::

    {"kind": "diverged" | "dead",
     "failed_epoch": int,     # "diverged": the epoch that blew up (counted from 1)
     "message": str,          # plain sentences: no jargon, no raw floats, no nested brackets
     "epoch": int,            # the epoch the network is at now (after going back)
     "actions": [str, ...]}   # the ways back that work here, in order:
                              #   "lower"  a lower learning rate, training goes on from these weights
                              #   "fresh"  a lower learning rate and fresh weights (epoch 0)
                              #   "leaky"  leaky ReLU instead of ReLU, fresh weights
                              #   "reset"  the starting weights again

The policy behind the words lives in the framework: a blow-up goes back to
the last good weights (:class:`nnpy.trainer.GoodWeights`), and
:func:`dead_layer` finds a network that can no longer learn; :class:`DeadWatch`
is the one rule both engines follow before they say so.
"""

import math

import numpy as np

from ..trainer import TrainingDiverged

# A hidden unit whose output varies less than this over the whole training set is dead.
DEAD_SPREAD = 1e-7
# A layer dead at every check for this many optimizer steps, or this many epochs, is reported.
DEAD_STEPS = 100
DEAD_EPOCHS = 10


def lower_rate(lr, choices):
    """A learning rate about ten times lower than ``lr``: the largest of ``choices`` at most
    ``lr / 10`` (the smallest choice if none is), or ``lr / 10`` when ``choices`` is empty.

    Ten times, not one notch: a rate that blew up is usually far too high, and
    one notch down (10 to 3) often blows up again.
    """
    if not choices:
        return lr / 10
    below = [c for c in choices if c <= lr / 10 * (1 + 1e-9)]
    return max(below) if below else min(choices)


def _rate(lr):
    return f"{lr:g}"


def divergence_report(exc, lr, choices=()):
    """The report for a :class:`~nnpy.trainer.TrainingDiverged` raised while training by epochs.

    ``lr`` is the learning rate that blew up, ``choices`` the rates the page
    offers (the "lower" action names the one it will pick).
    """
    if not isinstance(exc, TrainingDiverged):
        raise TypeError(f"exc must be a TrainingDiverged. Received: {type(exc).__name__}")
    return _diverged(exc.failed_epoch, exc.restored_epoch, exc.usable, lr, choices,
                     "the loss grew too large to compute")


def overflow_report(failed_epoch, restored_epoch, usable, lr, choices=()):
    """The report when the network's outputs grew too large to draw (the trainer went back)."""
    return _diverged(failed_epoch, restored_epoch, usable, lr, choices,
                     "the network's outputs grew too large to compute")


def _diverged(failed_epoch, restored_epoch, usable, lr, choices, what):
    lower = lower_rate(lr, choices)
    where = f"in epoch {failed_epoch}" if failed_epoch else ""
    head = f"Training stopped {where}: {what}.".replace("stopped :", "stopped:")
    if restored_epoch is None or not usable:
        return {"kind": "diverged", "epoch": restored_epoch, "failed_epoch": failed_epoch, "actions": ["reset"],
                "message": f"{head} Even the weights it started from give such numbers, so no good "
                           "weights are left to go back to. Reset the network to start again."}
    back = ("The network is back to the weights it started with."
            if restored_epoch == 0 else
            f"The network is back to its weights after epoch {restored_epoch}, the last good ones.")
    return {"kind": "diverged", "epoch": restored_epoch, "failed_epoch": failed_epoch,
            "actions": ["lower", "reset"], "lower": lower,
            "message": f"{head} The learning rate of {_rate(lr)} is too high for this network. {back} "
                       f"Go on with a rate of {_rate(lower)}, or reset the network."}


def dead_layer(model, X, activations=None):
    """The first hidden layer whose every unit gives the same output for every row of ``X``, or ``None``.

    Such a layer passes the same numbers on whatever the input, so the
    network's output is constant; and its units' slopes are zero (a ReLU with
    a negative input everywhere) or nearly so (a saturated tanh or sigmoid),
    so no gradient reaches the weights before it: the network cannot learn
    its way out. Returns ``(index from 1, activation name)``.

    ``activations``: the hidden layers' outputs for ``X``, ``[a_1, ...]``
    (each ``(n, units)``), when the caller has them from a forward pass it
    just made over ``X`` with these weights; then none is run here.

    Cost: one forward pass over ``X`` (the pages call it on the training
    points they evaluate anyway, at most a few times a second), or none
    with ``activations``.
    """
    if activations is None:
        activations = _hidden_outputs(model, X)
    for i, (layer, a) in enumerate(zip(model.layers[:-1], activations)):
        if a.shape[0] < 2:
            return None
        high, low = np.maximum.reduce(a, axis=0), np.minimum.reduce(a, axis=0)
        spread = high - low
        scale = 1.0 + np.maximum(high, -low)   # 1 + max |a| per unit, without |a| of every output
        if (spread <= DEAD_SPREAD * scale).all():
            return i + 1, layer.activation.name
    return None


def _hidden_outputs(model, X):
    """The hidden layers' outputs for ``X``, one at a time (the caller may stop early)."""
    a = np.asarray(X, dtype=model.dtype)
    for layer in model.layers[:-1]:
        a = layer.forward(a)
        yield a


class DeadWatch:
    """The rule both pages follow before they call a network dead.

    A hidden layer found dead (:func:`dead_layer`) at every check for
    ``DEAD_STEPS`` (100) optimizer steps, or for ``DEAD_EPOCHS`` (10) epochs,
    whichever comes first, is reported. Why wait at all: a dead layer passes
    no gradient back, but momentum and Adam still move the weights before it
    by what they remember of earlier gradients, which could revive a unit;
    that memory fades as 0.9 to the power of the steps taken (below 3e-5
    after 100 steps). Counting steps rather than epochs alone suits both
    pages: the 2-D page's epoch is a few dozen steps, an MNIST epoch over a
    hundred; the epochs bound the wait when batches are large (few steps an
    epoch). A layer seen alive in between starts the count again.

    The engines call :meth:`check` when they look (the 2-D page after each
    chunk of epochs, the MNIST page at each epoch's end) and :meth:`clear`
    when the network or its weights change by any means other than training.
    """

    def __init__(self):
        self.since = None   # (epoch, step) of the first check of the current dead run

    def clear(self):
        self.since = None

    def check(self, model, X, epoch, steps, activations=None):
        """``(layer from 1, activation name)`` of the dead layer once it stayed dead long enough, else ``None``.

        ``X`` the training inputs the check runs on, ``epoch`` and ``steps``
        the trainer's completed epochs and optimizer steps; ``activations``
        the hidden layers' outputs for ``X`` if the caller has them
        (:func:`dead_layer`).
        """
        with np.errstate(all="ignore"):
            dead = dead_layer(model, X, activations)
        if dead is None:
            self.since = None
            return None
        if self.since is None or self.since[0] > epoch or self.since[1] > steps:  # went back in time
            self.since = (epoch, steps)
        if epoch - self.since[0] >= DEAD_EPOCHS or steps - self.since[1] >= DEAD_STEPS:
            return dead
        return None


def fresh_rate(lr, choices=()):
    """The learning rate to start again with after a network died: ten times lower, at most 0.1.

    A rate that killed every unit of a layer is far too high; 0.1 is where the
    page's ReLU networks still learn the spiral from their starting weights
    (and at 1, ten times lower than 10, they die again).
    """
    return min(lower_rate(lr, choices), 0.1)


def dead_report(layer, activation, epoch, lr, choices=(), relu_layers=False, sample="point"):
    """The report for a network whose hidden layer ``layer`` (from 1) died.

    ``relu_layers``: the network has ReLU layers (then "leaky" is offered).
    ``sample``: what the page calls one input ("point", "digit").
    The "fresh" and "leaky" actions both start from fresh weights at
    ``report["lower"]`` (:func:`fresh_rate`).
    """
    rate = fresh_rate(lr, choices)
    if activation == "relu":
        why = (f"Every ReLU in hidden layer {layer} has died: its input is negative for every {sample}, "
               "so it outputs 0 and passes no gradient back.")
    elif activation in ("tanh", "sigmoid"):
        why = (f"Every unit in hidden layer {layer} is saturated: it is stuck at its limit for every "
               f"{sample}, so it passes almost no gradient back.")
    else:
        why = f"Every unit in hidden layer {layer} outputs the same value for every {sample}."
    actions = ["fresh"] + (["leaky"] if relu_layers else []) + ["reset"]
    ways = (f"Start again from fresh weights at a learning rate of {_rate(rate)}, or switch to leaky "
            "ReLU, whose units never die, or reset the network." if relu_layers else
            f"Start again from fresh weights at a learning rate of {_rate(rate)}, or reset the network.")
    return {"kind": "dead", "epoch": epoch, "actions": actions, "lower": rate,
            "message": f"The network stopped learning: its output is the same for every {sample}. {why} "
                       f"Training longer will not change that. {ways}"}


def finite(*values):
    """Whether every value (numbers or arrays) is finite."""
    return all(np.isfinite(v).all() if isinstance(v, np.ndarray) else math.isfinite(v) for v in values)
