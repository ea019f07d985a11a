"""A look inside one training step on one MNIST digit (the MNIST page's Look inside).

The step is :func:`nnpy.browser.inside.look_inside`'s: ONE real ``Trainer`` step
(nnpy's forward, softmax cross-entropy, backward and optimizer) on a copy of
the page's network, for the batch of one digit, with every intermediate. This
module only chooses the digit and cuts the answer to what a page shows: a
784-128-10 network has 100,352 first-layer weights, so of the first layer's
``W``, ``dL/dW``, the optimizer's state and the new ``W`` it keeps the columns
of the first ``neurons`` units, each a 28x28 image (unit ``j``'s image of
``dL/dW`` is ``x * delta_j``: the digit's own pixels, scaled by how much this
digit wants ``z_j`` to go down).

The digit is a test digit (``test_index``, its MNIST label by default) or the
drawing pad's ink (``pixels``, ``width``, ``height``, read as
:meth:`MnistPlayground.classify` reads it; its label must be chosen: the page
never guesses what a student drew). :func:`take_step` applies the step for
real (``Trainer.train_step`` on that one digit), so the weights become
:func:`look_inside_digit`'s ``new_W`` and ``new_b`` exactly.
"""

import numpy as np

from ..mnist import preprocess_digit
from ..trainer import TrainingDiverged
from .inside import look_inside

SHOWN_NEURONS = 16     # first-layer units whose weights and gradients are sent as images
MAX_MATRIX = 65536     # later layers' W (for the cards' sums) are sent up to this many weights
CLASSES = 10


def _is_int(v):
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def digit(mp, test_index=None, pixels=None, width=None, height=None, label=None):
    """The digit and its label: ``(x float (784,), label int, info dict)``.

    ``info`` is ``{"source": "test" | "drawing", "index": test index or None,
    "true_label": the test digit's label or None, "label_from": "test" |
    "chosen"}``. Raises ``ValueError`` naming the problem: no digit or two,
    an index out of range, a blank drawing, a drawing without a label, a
    label that is not a digit 0..9.
    """
    mp._require()
    if (test_index is None) == (pixels is None):
        raise ValueError("Look inside needs one digit: a test digit (test_index) or a drawing (pixels)")
    if label is not None and (not _is_int(label) and not (isinstance(label, float) and label.is_integer())
                              or not 0 <= label < CLASSES):
        raise ValueError(f"label must be a digit 0..9. Received: label={label!r}")
    label = None if label is None else int(label)
    if test_index is not None:
        n = len(mp.y_test)
        if not _is_int(test_index) or not 0 <= test_index < n:
            raise ValueError(f"test_index must be an integer in 0..{n - 1}. Received: test_index={test_index!r}")
        true = int(mp.y_test[test_index])
        info = {"source": "test", "index": int(test_index), "true_label": true,
                "label_from": "test" if label is None or label == true else "chosen"}
        return mp.X_test[test_index], true if label is None else label, info
    drawn = mp.classify(pixels, width, height)    # the checks and the preprocessing classify does
    if drawn["blank"]:
        raise ValueError("The drawing pad is empty: draw a digit first.")
    if label is None:
        raise ValueError("Which digit did you draw? Choose its label: the loss needs the right answer.")
    x = preprocess_digit(_ink(pixels, width, height)).astype(mp.model.dtype)
    return x, label, {"source": "drawing", "index": None, "true_label": None, "label_from": "chosen"}


def _ink(pixels, width, height):
    a = np.asarray(pixels)
    return a.reshape(height, width, 4)[:, :, 3] if a.size == width * height * 4 else a.reshape(height, width)


def _images(matrix, k):
    """The first ``k`` columns of a ``(784, units)`` matrix as ``(k, 28, 28)`` images."""
    return None if matrix is None else np.ascontiguousarray(matrix[:, :k].T).reshape(k, 28, 28)


def look_inside_digit(mp, test_index=None, pixels=None, width=None, height=None, label=None,
                      neurons=SHOWN_NEURONS):
    """One training step of the page's network on one digit, with every number the page shows.

    Args:
        mp: a :class:`~nnpy.browser.mnist.MnistPlayground` with a network.
        test_index, pixels, width, height, label: the digit (see :func:`digit`).
        neurons: how many first-layer units to send as images (1..64).

    Returns a dict (``u`` units in a layer, ``k = min(neurons, units of layer 1)``)::

        {"source", "index", "true_label", "label_from", "label": int,
         "input": (28, 28) the digit as the network sees it (0..1),
         "loss": float (softmax cross-entropy of this digit), "prediction": int,
         "probabilities": (10,), "target": (10,) one-hot,
         "optimizer": {...}  (look_inside's: name, lr, formula, t, ...),
         "diverged": str | None, "epoch", "step",
         "layers": [{"activation", "units", "z", "a", "delta", "b", "grad_b", "new_b": (u,),
                     "grad_a", "act_deriv": (u,) | None,
                     "W", "new_W": (i, u) | None  (layers after the first, up to 65,536 weights)}],
         "first": {"neurons": k, "W", "dW", "grad_W", "new_W", "change" (new_W - W): (k, 28, 28),
                   "state_before", "state_after": {"velocity" | "m", "v": (k, 28, 28)}}}

    Every number is :func:`~nnpy.browser.inside.look_inside`'s; nothing changes.
    Raises ``ValueError`` for a bad digit, label or ``neurons``.
    """
    if not _is_int(neurons) or not 1 <= neurons <= 64:
        raise ValueError(f"neurons must be an integer in 1..64. Received: neurons={neurons!r}")
    x, label, info = digit(mp, test_index, pixels, width, height, label)
    step = look_inside(mp.trainer, x[None, :], np.array([label]))
    layers = []
    for i, L in enumerate(step["layers"]):
        row = lambda key: None if L[key] is None else L[key][0]
        out = {"activation": L["activation"], "units": int(L["b"].shape[0]),
               "z": row("z"), "a": row("a"), "delta": row("delta"), "grad_a": row("grad_a"),
               "act_deriv": row("act_deriv"), "b": L["b"], "grad_b": L["grad_b"], "new_b": L["new_b"],
               "W": None, "new_W": None}
        if i > 0 and L["W"].size <= MAX_MATRIX:
            out.update(W=L["W"], new_W=L["new_W"])
        layers.append(out)
    first = step["layers"][0]
    k = min(neurons, first["W"].shape[1])
    shown = {"neurons": k}
    for key in ("W", "dW", "grad_W", "new_W"):
        shown[key] = _images(first[key], k)
    shown["change"] = shown["new_W"] - shown["W"]   # what the step did to each image: new W - W
    for when in ("state_before", "state_after"):
        shown[when] = {name: _images(value["W"], k) for name, value in first[when].items()}
    probabilities = step["layers"][-1]["a"][0]
    return {**info, "label": label, "input": np.asarray(x, dtype=np.float64).reshape(28, 28),
            "loss": step["loss"], "prediction": int(np.argmax(probabilities)),
            "probabilities": probabilities, "target": step["targets"][0],
            "optimizer": step["optimizer"], "diverged": step["diverged"],
            "epoch": mp.trainer.epoch, "step": mp.trainer.step_count,
            "layers": layers, "first": shown}


def take_step(mp, test_index=None, pixels=None, width=None, height=None, label=None):
    """Take the step :func:`look_inside_digit` showed: one ``Trainer.train_step`` on that digit.

    The weights become its ``new_W`` and ``new_b`` exactly; the optimizer's
    state and step count move on as for any step, the epoch does not. Returns
    ``{"network": mp.network(), "diverged": None or the message, "steps": the
    trainer's step count}`` (a step that blows up keeps the weights from before
    it, and the count).
    """
    x, label, _ = digit(mp, test_index, pixels, width, height, label)
    X, Y = mp.trainer.prepare(x[None, :], np.array([label]))
    diverged = None
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            mp.trainer.train_step(X, Y)
    except TrainingDiverged as exc:
        diverged = str(exc)
    mp._test_out = None   # the test set's answers are those of the old weights
    return {"network": mp.network(), "diverged": diverged, "steps": mp.trainer.step_count}
