"""What both pages' Import shares: read a model file, refuse by name what a page cannot show.

:func:`read_page_file` checks a file's size before it reads it, loads it with
:func:`nnpy.load_model_bytes` (its :class:`~nnpy.saved_models.ModelFileError`
renamed to the file's name) and keeps dense networks only; each page's module
(:mod:`.playground_files`, :mod:`.mnist_files`) then checks the inputs and the
output its page can show, with :func:`hidden_layers` for the hidden layers.
Every refusal names the file and says why: "digits.nnpy holds a network the
MNIST page cannot show: ...".
"""

import numpy as np

from ..activations import get_activation
from ..layers import DenseLayer
from ..saved_models import ModelFileError, load_model_bytes


def file_bytes(data, name, *, max_bytes, what):
    """``data`` (bytes, or a uint8 array from the page) as bytes, its size checked before any copy.

    Raises ``TypeError`` for anything else and :class:`ModelFileError` (naming
    ``name``) for a file over ``max_bytes``: "is 3.0 MB; <what> is at most 2 MB".
    """
    if isinstance(data, np.ndarray):
        size = data.nbytes
    elif isinstance(data, (bytes, bytearray, memoryview)):
        size = memoryview(data).nbytes
    else:
        raise TypeError(f"data must be the file's bytes. Received: {type(data).__name__}")
    if size > max_bytes:
        raise ModelFileError(f"is {size / 2**20:.1f} MB; {what} is at most {max_bytes // 2**20} MB", name)
    if isinstance(data, np.ndarray):
        return data.astype(np.uint8, copy=False).tobytes()
    return bytes(data)


def read_page_file(data, name, *, page, refusal, max_bytes, what, max_weight_bytes=None):
    """Load a model file for ``page`` ("the playground", "the MNIST page"): the steps both share.

    Args:
        data: the file's bytes, or a uint8 array (what a page sends).
        name: the file's name, which every message starts with.
        page: the page's name in the messages.
        refusal: the ``ValueError`` subclass for a valid model the page cannot show.
        max_bytes: the largest file read (checked before it is read); ``what``
            names such a file in the message.
        max_weight_bytes: the largest weights the file's header may declare
            (refused before they are allocated); ``None``: ``max_bytes``.

    Returns:
        ``(model, meta, refuse)``: the loaded dense model, its metadata, and
        ``refuse(why)``, which makes ``refusal("<name> holds a network <page>
        cannot show: <why>")`` for the page's own checks.

    Raises:
        TypeError: ``data`` is not bytes.
        ModelFileError: too big, or not a valid model file (naming ``name``).
        refusal: a layer that is not dense.
    """
    data = file_bytes(data, name, max_bytes=max_bytes, what=what)
    try:
        model, meta = load_model_bytes(data, return_metadata=True, max_bytes=max_weight_bytes or max_bytes)
    except ModelFileError as exc:
        raise ModelFileError(exc.problem, name) from None  # "name: is a pickle file; ...", as in CPython

    def refuse(why):
        return refusal(f"{name} holds a network {page} cannot show: {why}")

    if not all(isinstance(layer, DenseLayer) for layer in model.layers):
        raise refuse(f"only dense layers fit {page}")
    return model, meta, refuse


def saved_epoch(meta):
    """The ``epoch`` a page export's metadata holds: an int >= 0, or None."""
    epoch = meta.get("epoch")
    return epoch if isinstance(epoch, int) and not isinstance(epoch, bool) and epoch >= 0 else None


def hidden_layers(hidden, refuse, page, *, activations, max_layers, max_units):
    """``[{"units", "activation"}]`` of a page's hidden layers, or ``refuse(why)`` raised.

    At most ``max_layers`` layers of at most ``max_units`` units, each with
    one of ``activations`` in its default configuration (the pages have no
    LeakyReLU slope control).
    """
    if len(hidden) > max_layers:
        raise refuse(f"{len(hidden)} hidden layers; {page} has at most {max_layers}")
    described = []
    for i, layer in enumerate(hidden):
        act = layer.activation
        if act.name not in activations or act.get_config() != get_activation(act.name).get_config():
            raise refuse(f"hidden layer {i + 1} uses {describe_activation(act)}; {page}'s hidden layers use "
                         f"{', '.join(activations)} (LeakyReLU with its default slope)")
        if layer.out_features > max_units:
            raise refuse(f"hidden layer {i + 1} has {layer.out_features} units; {page} has at most {max_units}")
        described.append({"units": layer.out_features, "activation": act.name})
    return described


def describe_activation(activation):
    """``tanh``, ``leaky_relu (alpha 0.2)``: the name, and any setting that is not the default's."""
    config = activation.get_config()
    extra = ", ".join(f"{k} {v!r}" for k, v in config.items() if k != "name")
    return config["name"] + (f" ({extra})" if extra else "")
