"""What an MNIST page model file holds, and which model files the MNIST page can show.

The page exports its network with :func:`nnpy.save_model_bytes`, in the same
format as ``save_model`` in CPython, with this metadata::

    {"input_scaling": "pixels",            # see nnpy.scaling: applied to every input
     "input_divisor": 255,                 # pixels 0..255 are divided by 255 before the network
     "class_names": ["0", "1", ..., "9"],  # output i is digit i
     "input_shape": [28, 28],              # the 784 inputs are a 28x28 image, row by row
     "mnist": {...},                       # the engine's checked state (see nnpy.browser.mnist)
     "epoch": 3,                           # epochs trained on the page
     "test_accuracy": 0.951}               # on the page's test digits when it was exported

``input_divisor`` and ``class_names`` are what :class:`nnpy.inference.Predictor`
and the seed-2 workflow (:mod:`nnpy.workflow`) read, so an export works with
``python -m nnpy predict model.nnpy --csv digits.csv`` on the CSV that
``python -m nnpy mnist-csv`` writes, and prints ``prediction = 7 with 98.1%
confidence``.

The other way, :func:`read_mnist_model` decides whether a model file (from
the page, or saved in CPython: ``nnpy.workflow.model(structure=[784, 128,
10])``, ``SequentialModel.from_structure(...)``) fits the page: dense layers,
784 inputs, at most ``max_layers`` hidden layers of at most ``max_units``
units with the page's activations, and 10 softmax outputs.
"""

import numpy as np

from ..layers import DenseLayer
from ..model import SequentialModel
from ..saved_models import save_model_bytes
from .model_files import describe_activation, hidden_layers, read_page_file, saved_epoch
from .schema import MNIST, PAGES

MAX_FILE_BYTES = PAGES[MNIST]["max_file_bytes"]  # see nnpy/browser/schema.py
CLASS_NAMES = [str(d) for d in range(10)]
PIXEL_DIVISOR = 255


class NotAnMnistModel(ValueError):
    """A valid model file whose network the MNIST page cannot show; the message says why."""


def export_metadata(state, epoch, test_accuracy=None):
    """The metadata a page export carries (see the module docstring)."""
    meta = {"input_scaling": "pixels", "input_divisor": PIXEL_DIVISOR, "class_names": list(CLASS_NAMES), "input_shape": [28, 28],
            "mnist": dict(state), "epoch": int(epoch)}
    if test_accuracy is not None:
        meta["test_accuracy"] = float(test_accuracy)
    return meta


def export_filename(sizes, epoch):
    """``nnpy-mnist-784-128-10-epoch3.nnpy``: every layer's size and the epoch."""
    return f"nnpy-mnist-{'-'.join(str(int(s)) for s in sizes)}-epoch{int(epoch)}.nnpy"


def save_mnist_model(model, state, epoch, test_accuracy=None):
    """``(bytes, filename)`` of the page's model in the ``saved_models`` format."""
    sizes = [model.input_size] + [layer.out_features for layer in model.layers]
    return save_model_bytes(model, export_metadata(state, epoch, test_accuracy)), export_filename(sizes, epoch)


def read_mnist_model(data, name="the file", *, dtype, inputs, classes, hidden_activations, max_layers,
                     max_units):
    """Load ``data`` (a model file's bytes) and check that the MNIST page can show its network.

    Args:
        data: the file's bytes, or a uint8 array (what the page sends).
        name: the file's name, for the messages.
        dtype: the page's dtype; the weights are converted to it.
        inputs, classes: the page's network: ``inputs`` in, ``classes`` softmax units out.
        hidden_activations, max_layers, max_units: what the page's hidden layers can be.

    Returns:
        ``{"model": SequentialModel in dtype, "layers": [{"units", "activation"}]
        (the hidden layers), "state": the exporting page's state or None,
        "epoch": int or None, "test_accuracy": float or None}``.

    Raises:
        ModelFileError: the file is not a valid model, or is over
            :data:`MAX_FILE_BYTES` (checked before it is read).
        NotAnMnistModel: a valid model the page cannot show.
        Both messages start with ``name``.
    """
    model, meta, refuse = read_page_file(data, name, page="the MNIST page", refusal=NotAnMnistModel,
                                         max_bytes=MAX_FILE_BYTES, what="a model file for the MNIST page")
    layers = model.layers
    n_in = layers[0].in_features
    if n_in != inputs:
        features = meta.get("features")
        what = (f" ({', '.join(map(str, features))}: a model of the 2-D playground)"
                if isinstance(features, list) and len(features) == n_in else "")
        raise refuse(f"it takes {n_in} input{'s' if n_in != 1 else ''}{what}; the MNIST page's network "
                     f"takes {inputs} (28x28 pixels)")
    out = layers[-1]
    if out.out_features != classes or out.activation.name != "softmax":
        units = out.out_features
        raise refuse(f"its output is {units} {describe_activation(out.activation)} unit{'s' if units != 1 else ''}; "
                     f"the MNIST page's output is {classes} softmax units, one per digit")
    described = hidden_layers(layers[:-1], refuse, "the page", activations=hidden_activations,
                              max_layers=max_layers, max_units=max_units)
    if meta.get("input_scaling") == "standardize" or "input_mean" in meta:
        raise refuse("it was trained on standardized inputs (each pixel shifted and scaled by the "
                     f"training set's mean and spread); the page divides pixels by {PIXEL_DIVISOR} (0..1)")
    divisor = meta.get("input_divisor")
    if divisor is not None and divisor != PIXEL_DIVISOR:
        raise refuse(f"it was trained on pixels divided by {divisor!r}; the page divides them by "
                     f"{PIXEL_DIVISOR} (0..1)")

    copy = SequentialModel([DenseLayer(layer.in_features, layer.out_features, layer.activation.get_config())
                            for layer in layers], dtype=dtype)
    with np.errstate(over="ignore"):
        copy.flat_parameters[0][...] = model.flat_parameters[0]
    if not np.all(np.isfinite(copy.flat_parameters[0])):
        raise refuse(f"some weights are too large for {np.dtype(dtype).name}, which the page computes in")

    state = meta.get("mnist") if isinstance(meta.get("mnist"), dict) else None
    epoch = saved_epoch(meta)
    acc = meta.get("test_accuracy")
    acc = float(acc) if isinstance(acc, (int, float)) and not isinstance(acc, bool) and 0 <= acc <= 1 else None
    return {"model": copy, "layers": described, "state": state, "epoch": epoch, "test_accuracy": acc}

