"""What a playground model file holds, and which files the playground can show.

The page exports its network with :func:`nnpy.save_model_bytes`, in the same
format as ``save_model`` in CPython, with this metadata::

    {"features": ["x1", "x2"],             # the inputs, in the order of W's rows
     "playground": {...},                  # the engine's state (see nnpy.browser.playground)
     "data": {"kind": "generated" | "custom", "name": "spiral"},
     "epoch": 250}

so ``load_model(path, return_metadata=True)`` in CPython gets the model and
knows what to feed it (:func:`nnpy.datasets.feature_map` makes the features).

The other way, :func:`read_playground_model` decides whether a model file
(from the page, or saved in CPython) fits the playground: dense layers, at
most 10 hidden layers of at most 32 units with the playground's activations,
and an output the playground knows (one sigmoid unit, 3 to 6 softmax units,
or one linear unit). Files that say nothing about their inputs must take two
(``x1, x2``); inputs listed in another order than the playground's have the
rows of the first weight matrix reordered.
"""

import json

import numpy as np

from ..datasets import FEATURES
from ..layers import DenseLayer
from ..model import SequentialModel
from ..saved_models import ModelFileError, save_model_bytes
from .model_files import describe_activation, hidden_layers, read_page_file, saved_epoch
from .schema import PAGES, PLAYGROUND, problem_of_output

# The largest network the page shows (7 features, 10 hidden layers of 32, 6 classes) has
# 9,958 weights: 78 KB in float64. A file whose architecture declares more weights than
# MAX_WEIGHT_BYTES is refused from its JSON header, before anything of that size is
# allocated; MAX_FILE_BYTES (weights, header and metadata; nnpy/browser/schema.py, which
# the page reads too) is checked before it is read.
MAX_WEIGHT_BYTES = 2**20
MAX_FILE_BYTES = PAGES[PLAYGROUND]["max_file_bytes"]


class NotAPlaygroundModel(ValueError):
    """A valid model file whose network the playground cannot show; the message says why."""


def export_metadata(state, source, epoch):
    """The metadata a page export carries (see the module docstring)."""
    return {"features": list(state["features"]), "playground": dict(state),
            "data": {"kind": source["kind"], "name": str(source["name"])}, "epoch": int(epoch)}


def export_filename(state, source, epoch, ext):
    """``nnpy-spiral-4x2-tanh-epoch250.nnpy``: the data, the hidden layers, the epoch."""
    name = state["dataset"] if source["kind"] == "generated" else "data"
    layers = state["layers"]
    shape = "x".join(str(layer["units"]) for layer in layers) or "linear"
    acts = sorted({layer["activation"] for layer in layers})
    act = "-" + acts[0].replace("_", "") if len(acts) == 1 else ""
    return f"nnpy-{name}-{shape}{act}-epoch{int(epoch)}.{ext}"


def save_playground_model(model, state, source, epoch):
    """``(bytes, filename)`` of the page's model in the ``saved_models`` format."""
    data = save_model_bytes(model, export_metadata(state, source, epoch))
    return data, export_filename(state, source, epoch, "nnpy")


def read_playground_model(data, name="the file", *, hidden_activations, max_layers, max_units,
                          max_classes):
    """Load ``data`` (bytes of a model file) and work out how the playground shows it.

    Returns ``{"model": SequentialModel (float64, features in canonical
    order), "features": [...], "layers": [{"units", "activation"}],
    "problem": "classification" | "regression", "classes": k,
    "state": the exporting page's state or None, "data": {...} or None,
    "epoch": int or None}``.

    Raises :class:`~nnpy.saved_models.ModelFileError` for a file that is not
    a valid model and :class:`NotAPlaygroundModel` for a network the
    playground cannot show; both name ``name``.
    """
    model, meta, refuse = read_page_file(data, name, page="the playground", refusal=NotAPlaygroundModel,
                                         max_bytes=MAX_FILE_BYTES, what="a playground model file",
                                         max_weight_bytes=MAX_WEIGHT_BYTES)
    layers = model.layers
    features = _features(meta, layers[0].in_features, refuse)
    out = layers[-1]
    described = hidden_layers(layers[:-1], refuse, "the playground", activations=hidden_activations,
                              max_layers=max_layers, max_units=max_units)
    units, out_act = out.out_features, out.activation.name
    served = problem_of_output(units, out_act, max_classes)
    if served is not None:
        problem, classes = served
    else:
        raise refuse(f"its output is {units} {describe_activation(out.activation)} unit{'s' if units != 1 else ''}; "
                     "the playground's output is one sigmoid unit (two classes), 3 to "
                     f"{max_classes} softmax units (more classes) or one linear unit (regression)")

    canonical = [f for f in FEATURES if f in features]
    flat = model.flat_parameters[0]
    if not np.all(np.isfinite(flat)):  # load_model refuses these already; never show NaN as a boundary
        raise ModelFileError("holds weights that are not finite numbers", name)
    copy = SequentialModel([DenseLayer(layer.in_features, layer.out_features, layer.activation.get_config())
                            for layer in layers], dtype=np.float64)
    copy.load_state_dict({k: np.asarray(v, dtype=np.float64) for k, v in model.state_dict().items()})
    if canonical != features:
        rows = [features.index(f) for f in canonical]
        copy.layers[0].params["W"][...] = copy.layers[0].params["W"][rows]
    state = meta.get("playground") if isinstance(meta.get("playground"), dict) else None
    source = meta.get("data") if isinstance(meta.get("data"), dict) else None
    return {"model": copy, "features": canonical, "layers": described, "problem": problem,
            "classes": classes, "state": state, "data": source, "epoch": saved_epoch(meta)}


def _shown(name, limit=60):
    """A name from the file as a message quotes it: at most ``limit`` characters of its repr."""
    text = repr(name)
    return text if len(text) <= limit else text[:limit] + "…"


def _features(meta, n_inputs, refuse):
    features = meta.get("features")
    if features is None:
        if n_inputs == 2:
            return ["x1", "x2"]
        if n_inputs > len(FEATURES):
            raise refuse(f"it takes {n_inputs} inputs; the playground's inputs are at most the "
                         f"{len(FEATURES)} features {', '.join(FEATURES)}")
        raise refuse(f"it takes {n_inputs} inputs and does not say which; the playground's inputs are "
                     f"{', '.join(FEATURES)} (save it with metadata={{'features': [...]}})")
    if not isinstance(features, list) or not all(isinstance(f, str) for f in features):
        raise refuse(f"its metadata 'features' is {json.dumps(features)[:80]}, not a list of names")
    unknown = [f for f in features if f not in FEATURES]
    if unknown:
        raise refuse(f"it takes the input {_shown(unknown[0])}; the playground's inputs are {', '.join(FEATURES)}")
    if len(set(features)) != len(features):
        raise refuse(f"its metadata lists an input twice: {', '.join(features)}")
    if len(features) != n_inputs:
        raise refuse(f"its metadata names {len(features)} inputs ({', '.join(features)}) but its first layer "
                     f"takes {n_inputs}")
    if not features:
        raise refuse("it takes no inputs")
    return features
