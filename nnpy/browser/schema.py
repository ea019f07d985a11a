"""Every setting of every page, once: name, type, default, limits, what a change does, its link name.

The one table both languages read. The engines (:mod:`.playground`, :mod:`.mnist`),
the code generator and the model files check states with :func:`check_state`;
``build.py`` writes :func:`as_json` into ``dist/js/core/schema.js``, which the
pages' state modules (``web/js/playground/state.js``, ``web/js/mnist/state.js``)
read for every limit, default, option list and rule: JavaScript restates none.

A setting (one row of ``SETTINGS[page]``)::

    {"name": "lr",                  # the one name: store, loop, engine, optimizer
     "type": "number",              # number | int | enum | bool | layers | features
     "default": 0.03,
     "min": 0, "max": 10,           # what the engine takes (a model file may carry any of it)
     "kind": "live",                # data: new data and network; network: new network at epoch 0;
                                    # live: the running trainer takes it; page: never reaches the engine
     "link": "learningRate",        # its key in the page's URL hash (TensorFlow Playground's name)
     "aliases": [],                 # other keys a link may use for it
     "scale": 1,                    # the page shows and links value * scale (100: whole percents)
     "link_max": None,              # a narrower upper limit for the page's control and links
     "options": [...]}              # the values the page's control offers (a link may hold others)

The output-layer rule (:data:`OUTPUT_RULE`, :func:`output_layer`) is here too:
two classes get one sigmoid unit with binary cross-entropy, K > 2 classes a
softmax over K units with cross-entropy, regression one linear unit with MSE.

It imports nothing but the standard library, so ``build.py`` reads it without
NumPy; ``tests/test_schema.py`` checks that its feature, dataset and optimizer
names are the framework's.

How a new page uses it: add ``SETTINGS["mypage"] = [...]`` rows (and a
``PAGES["mypage"]`` entry for page-wide lists), call
``check_state("mypage", state)`` in its engine, and import ``SCHEMA`` from
``js/core/schema.js`` in its JS; ``live_keys("mypage")`` and
``rebuild_keys("mypage")`` say which changes the engine applies while training.
"""

import math
import numbers

PLAYGROUND, MNIST = "playground", "mnist"

# The output layer follows the problem: the first row that matches wins.
OUTPUT_RULE = (
    {"problem": "regression", "units": 1, "activation": "linear", "loss": "mse"},
    {"problem": "classification", "classes": 2, "units": 1, "activation": "sigmoid",
     "loss": "binary_cross_entropy"},
    {"problem": "classification", "units": "classes", "activation": "softmax",
     "loss": "softmax_cross_entropy"},
)


def output_layer(problem, classes):
    """``(units, activation, loss)`` of the output layer for ``problem`` with ``classes`` classes."""
    for row in OUTPUT_RULE:
        if row["problem"] == problem and row.get("classes", classes) == classes:
            units = classes if row["units"] == "classes" else row["units"]
            return units, row["activation"], row["loss"]
    raise ValueError(f"no output layer for problem={problem!r} with classes={classes!r}")


def problem_of_output(units, activation, max_classes):
    """The inverse: ``(problem, classes)`` an output layer of ``units`` ``activation`` units serves,
    or None (softmax takes 3..max_classes units: two classes have their own sigmoid row)."""
    for problem, classes in [("regression", 1), ("classification", 2)] + [
            ("classification", k) for k in range(3, max_classes + 1)]:
        if output_layer(problem, classes)[:2] == (units, activation):
            return problem, classes
    return None


# ------------------------------------------------------------------ the 2-D playground

DATASETS_2D = {
    # name: (problem, number of classes or None for "classes" in the state)
    "circle": ("classification", 2), "xor": ("classification", 2),
    "gauss": ("classification", 2), "spiral": ("classification", None),
    "moons": ("classification", 2), "blobs": ("classification", None),
    "reg-plane": ("regression", 1), "reg-gauss": ("regression", 1),
}
FEATURES = ("x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)")  # nnpy.datasets.FEATURES
OPTIMIZERS = ("sgd", "momentum", "adam")                                # nnpy.optim.OPTIMIZERS
PLAYGROUND_ACTIVATIONS = ("tanh", "relu", "sigmoid", "linear", "leaky_relu")
MNIST_ACTIVATIONS = ("relu", "tanh", "sigmoid", "leaky_relu", "linear")
FEATURE_LINKS = ("x", "y", "xSquared", "ySquared", "xTimesY", "sinX", "sinY")  # TF Playground's keys
FEATURE_LABELS = ("x₁", "x₂", "x₁²", "x₂²", "x₁x₂", "sin(x₁)", "sin(x₂)")

SETTINGS = {
    PLAYGROUND: [
        {"name": "problem", "type": "enum", "values": ["classification", "regression"],
         "default": "classification", "kind": "data", "link": "problem"},
        # the page keeps one choice per problem: "dataset" (classification) and "regDataset"
        {"name": "dataset", "type": "enum", "values": list(DATASETS_2D), "default": "circle", "kind": "data",
         "link": "dataset", "regression_link": "regDataset", "regression_default": "reg-plane"},
        {"name": "classes", "type": "int", "min": 2, "max": 6, "default": 2, "kind": "data", "link": "classes"},
        {"name": "noise", "type": "number", "min": 0, "max": 0.5, "default": 0.0, "kind": "data",
         "link": "noise", "scale": 100},
        {"name": "seed", "type": "int", "min": 0, "max": 2**31 - 1, "default": 1, "kind": "data",
         "link": "seed", "link_max": 999999},
        {"name": "train_ratio", "type": "number", "min": 0.1, "max": 0.9, "default": 0.5, "kind": "data",
         "link": "percTrainData", "scale": 100},
        {"name": "batch_size", "type": "int", "min": 1, "max": 1000, "default": 10, "kind": "live",
         "link": "batchSize", "link_max": 100},
        {"name": "features", "type": "features", "values": list(FEATURES), "default": ["x1", "x2"],
         "kind": "network", "links": list(FEATURE_LINKS), "labels": list(FEATURE_LABELS)},
        {"name": "layers", "type": "layers", "max_layers": 10, "max_units": 32,
         "activations": list(PLAYGROUND_ACTIVATIONS), "default_activation": "tanh",
         "default": [{"units": 4, "activation": "tanh"}, {"units": 2, "activation": "tanh"}],
         "kind": "network", "link": "networkShape", "activations_link": "activations",
         "activation_link": "activation"},
        {"name": "optimizer", "type": "enum", "values": list(OPTIMIZERS), "default": "sgd", "kind": "live",
         "link": "optimizer"},
        {"name": "lr", "type": "number", "min": 0, "max": 10, "default": 0.03, "kind": "live",
         "link": "learningRate",
         "options": [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10]},
        {"name": "regularization", "type": "enum", "values": [None, "l1", "l2"], "default": None,
         "kind": "live", "link": "regularization", "link_values": ["none", "L1", "L2"]},
        {"name": "reg_rate", "type": "number", "min": 0, "max": 10, "default": 0.0, "kind": "live",
         "link": "regularizationRate", "options": [0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10]},
        {"name": "showTestData", "type": "bool", "default": False, "kind": "page", "link": "showTestData"},
        {"name": "discretize", "type": "bool", "default": False, "kind": "page", "link": "discretize"},
        {"name": "embed", "type": "bool", "default": False, "kind": "page", "link": "embed", "optional": True},
        # Look inside one training step (js/inside/): the mode, its point, and a chosen label
        # (absent: the nearest point's)
        {"name": "inside", "type": "bool", "default": False, "kind": "page", "link": "inside", "optional": True},
        {"name": "insideX1", "type": "number", "min": -1000, "max": 1000, "default": None, "kind": "page",
         "link": "insideX1", "optional": True},
        {"name": "insideX2", "type": "number", "min": -1000, "max": 1000, "default": None, "kind": "page",
         "link": "insideX2", "optional": True},
        {"name": "insideLabel", "type": "number", "min": -1000, "max": 1000, "default": None, "kind": "page",
         "link": "insideLabel", "optional": True},
    ],
    MNIST: [
        {"name": "layers", "type": "layers", "max_layers": 4, "max_units": 1024,
         "activations": list(MNIST_ACTIVATIONS), "default_activation": "relu",
         "activation_labels": ["ReLU", "tanh", "sigmoid", "leaky ReLU", "linear"],
         "unit_options": [16, 32, 64, 128, 256, 512],
         "default": [{"units": 128, "activation": "relu"}], "kind": "network",
         "link": "networkShape", "aliases": ["layers"], "activations_link": "activations",
         "activation_link": "activation"},
        {"name": "optimizer", "type": "enum", "values": list(OPTIMIZERS), "default": "momentum", "kind": "live",
         "link": "optimizer"},
        {"name": "lr", "type": "number", "min": 1e-6, "max": 10, "default": 0.1, "kind": "live",
         "link": "learningRate", "options": [0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1]},
        {"name": "batch_size", "type": "int", "min": 1, "max": 1024, "default": 64, "kind": "live",
         "link": "batchSize", "options": [8, 16, 32, 64, 128, 256]},
        {"name": "epochs", "type": "choice", "values": [1, 3, 5, 10, 20, 50], "default": 10, "kind": "page",
         "link": "epochs"},
        # n's range is 100..the digits in the file (10,000 in the page's data/mnist.npz)
        {"name": "n", "type": "int", "min": 100, "max": 10000, "default": 10000, "kind": "data",
         "link": "digits", "options": [1000, 2000, 5000, 10000]},
        {"name": "test_fraction", "type": "number", "min": 0.05, "max": 0.5, "default": 0.2, "kind": "data",
         "link": "testRatio", "options": [0.1, 0.2, 0.3, 0.5]},
        {"name": "seed", "type": "int", "min": 0, "max": 2**31 - 1, "default": 0, "kind": "data", "link": "seed"},
        {"name": "dtype", "type": "enum", "values": ["float32", "float64"], "default": "float32",
         "kind": "network"},
        # Look inside one training step (js/mnist/inside.js): the mode, the test digit by its number
        # in the test set, and a chosen label (absent: its MNIST label). A drawing is not in a link.
        {"name": "inside", "type": "bool", "default": False, "kind": "page", "link": "inside", "optional": True},
        {"name": "insideDigit", "type": "int", "min": 0, "max": 9999, "default": None, "kind": "page",
         "link": "insideDigit", "optional": True},
        {"name": "insideLabel", "type": "int", "min": 0, "max": 9, "default": None, "kind": "page",
         "link": "insideLabel", "optional": True},
    ],
}

PAGES = {
    PLAYGROUND: {
        "datasets": {name: {"problem": p, "classes": k} for name, (p, k) in DATASETS_2D.items()},
        # controls a link may hide with <name>_hide=true: the settings' and the page's buttons
        "hideable": ["problem", "dataset", "regDataset", "classes", "noise", "percTrainData", "batchSize",
                     "seed", "networkShape", "activations", "learningRate", "optimizer", "regularization",
                     "regularizationRate", "features", "showTestData", "discretize", "userData",
                     "playButton", "stepButton", "resetButton", "insideButton"],
        # TF Playground keys its links may hold that this page reads without a note
        "ignored_links": ["cosX", "cosY", "collectStats", "initZero", "hideText", "tutorial", "stepButton"],
        "max_points": 5000,                                    # the user's own data (CSV, clicks)
        "max_csv_chars": 2_000_000,   # a CSV upload, refused by its length before it is read
        "samples": {"classification": 500, "regression": 1200},  # points generated (TF Playground's)
        "max_file_bytes": 2 * 2**20,   # a model file to import; the largest network is ~80 kB
    },
    MNIST: {
        "inputs": 784, "classes": 10,
        "min_test_digits": 10,   # one test digit per class at least
        "max_file_bytes": 64 * 2**20,   # a model file to import; 784-1024x4-10 is ~16 MB in float32
    },
}

_BY_NAME = {page: {row["name"]: row for row in rows} for page, rows in SETTINGS.items()}


def setting(page, name):
    """The row of ``name`` on ``page``."""
    return _BY_NAME[page][name]


def engine_settings(page):
    """The rows the engine takes (every kind but "page")."""
    return [row for row in SETTINGS[page] if row["kind"] != "page"]


def defaults(page):
    """The engine's default state for ``page`` (a fresh copy)."""
    return {row["name"]: _copy(row["default"]) for row in engine_settings(page)}


def live_keys(page):
    """Settings the running trainer takes without a new network."""
    return tuple(row["name"] for row in SETTINGS[page] if row["kind"] == "live")


def data_keys(page):
    """Settings whose change makes new data (and so a new network)."""
    return tuple(row["name"] for row in SETTINGS[page] if row["kind"] == "data")


def rebuild_keys(page):
    """Settings whose change builds a new network at epoch 0 (the data settings included)."""
    return tuple(row["name"] for row in SETTINGS[page] if row["kind"] in ("data", "network"))


def _copy(value):
    if isinstance(value, list):
        return [_copy(v) for v in value]
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    return value


# ------------------------------------------------------------------ checking

def check_number(value, key, low, high, integer=False):
    """``value`` as an int or float in ``low..high``, or ``ValueError`` naming ``key`` and the value."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and type(value).__name__ != "bool_"
    if ok and integer:
        ok = math.isfinite(value) and float(value).is_integer()
    if not ok or math.isnan(value) or not low <= value <= high:
        kind = "an integer" if integer else "a number"
        raise ValueError(f"{key} must be {kind} in {low}..{high}. Received: {key}={value!r}")
    return int(value) if integer else float(value)


def check_choice(value, key, options):
    """``value`` if it is one of ``options``, else ``ValueError`` naming them."""
    if value not in options:
        raise ValueError(f"{key} must be one of {', '.join(map(str, options))}. Received: {key}={value!r}")
    return value


def _check_layers(row, layers):
    most = row["max_layers"]
    if not isinstance(layers, (list, tuple)) or len(layers) > most:
        raise ValueError(f"layers must be a list of at most {most} hidden layers. Received: layers={layers!r}")
    out = []
    for i, layer in enumerate(layers):
        if not isinstance(layer, dict) or set(layer) - {"units", "activation"}:
            raise ValueError(f"layer {i + 1} must be {{'units': n, 'activation': name}}. Received: {layer!r}")
        units = layer.get("units")
        if isinstance(units, bool) or not isinstance(units, numbers.Real) or not math.isfinite(units) or \
                not float(units).is_integer() or not 1 <= units <= row["max_units"]:
            raise ValueError(f"layer {i + 1}: units must be an integer in 1..{row['max_units']}. "
                             f"Received: units={units!r}")
        act = layer.get("activation", row["default_activation"])
        if act not in row["activations"]:
            raise ValueError(f"layer {i + 1}: activation must be one of {', '.join(row['activations'])}. "
                             f"Received: {act!r}")
        out.append({"units": int(units), "activation": act})
    return out


def _check_features(row, features):
    names = row["values"]
    if not isinstance(features, (list, tuple)) or not features:
        raise ValueError(f"features must be a non-empty list of names from {', '.join(names)}. "
                         f"Received: features={features!r}")
    for name in features:
        if name not in names:
            raise ValueError(f"unknown feature {name!r}; choose from {', '.join(names)}")
    if len(set(features)) != len(features):
        raise ValueError(f"features are listed twice: {features!r}")
    return [f for f in names if f in features]  # canonical order


def check_value(row, value, limits=None):
    """One setting's value, checked against its row (``limits`` may narrow min and max)."""
    key, kind = row["name"], row["type"]
    if kind in ("number", "int"):
        low, high = limits or (row["min"], row["max"])
        return check_number(value, key, low, high, integer=kind == "int")
    if kind in ("enum", "choice"):
        return check_choice(value, key, row["values"])
    if kind == "bool":
        return check_choice(value, key, (False, True))
    if kind == "layers":
        return _check_layers(row, value)
    if kind == "features":
        return _check_features(row, value)
    raise AssertionError(f"unknown setting type {kind!r}")


def check_state(page, state, digits=10000):
    """The engine state of ``page`` with defaults filled in and every value checked.

    Args:
        page: ``"playground"`` or ``"mnist"``.
        state: a dict of engine settings (any may be missing).
        digits: MNIST only, the digits in the loaded file (``n`` may be 100..digits).

    Raises ``ValueError`` naming the key and the value received.
    """
    if not isinstance(state, dict):
        raise ValueError(f"state must be a dict. Received: {type(state).__name__}")
    rows = engine_settings(page)
    unknown = sorted(set(state) - {row["name"] for row in rows})
    if unknown:
        raise ValueError(f"unknown state keys: {', '.join(unknown)}")
    s = {**defaults(page), **state}
    if page == PLAYGROUND and s["regularization"] in ("none", ""):
        s["regularization"] = None
    if page == MNIST and "n" not in state:
        s["n"] = digits
    out = {}
    for row in rows:
        limits = (min(100, digits), digits) if page == MNIST and row["name"] == "n" else None
        out[row["name"]] = check_value(row, s[row["name"]], limits)
    if page == PLAYGROUND and DATASETS_2D[out["dataset"]][0] != out["problem"]:
        raise ValueError(f"dataset {out['dataset']!r} is not a {out['problem']} dataset")
    if page == MNIST:
        test = round(out["n"] * out["test_fraction"])
        least = PAGES[MNIST]["min_test_digits"]
        if test < least or out["n"] - test < least:
            raise ValueError(f"n={out['n']} with test_fraction={out['test_fraction']} leaves too few "
                             "digits to train or test on")
    return out


def changed_kind(page, old, new):
    """What going from engine state ``old`` to ``new`` means: "data", "network", "live" or None."""
    if old is None:
        return "data"
    kinds = {row["kind"] for row in engine_settings(page) if old[row["name"]] != new[row["name"]]}
    for kind in ("data", "network", "live"):
        if kind in kinds:
            return kind
    return None


def as_json():
    """Everything above as plain JSON data: what ``dist/js/core/schema.js`` exports."""
    return {
        "output_rule": [dict(row) for row in OUTPUT_RULE],
        "settings": _copy(SETTINGS),
        "pages": _copy(PAGES),
    }
