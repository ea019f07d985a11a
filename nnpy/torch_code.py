"""PyTorch code for an nnpy network: its ``nn.Sequential``, and a script that predicts with it.

nnpy's layer ``i`` becomes the ``nn.Linear`` at index ``2 * i`` of an
``nn.Sequential``, each hidden one followed by its activation module, so the
names are those :func:`nnpy.interop.to_safetensors` writes (``0.weight``,
``0.bias``, ``2.weight``, ...) and ``load_state_dict`` takes the file
strictly. A softmax or sigmoid output is left out of the ``nn.Sequential``:
the network gives logits, as PyTorch's losses (``nn.CrossEntropyLoss``,
``nn.BCEWithLogitsLoss``) want them, and prediction applies it.

The playground's PyTorch script (:mod:`nnpy.browser.codegen`) builds its
network with :func:`sequential_lines`; ``python -m nnpy export MODEL
--pytorch SCRIPT`` writes :func:`predict_script`.
"""

import json
import re

from ._version import __version__
from .scaling import InputScaling

# The activations PyTorch has a module for; LeakyReLU's slope comes from the layer.
TORCH_ACTIVATIONS = {"tanh": "nn.Tanh()", "relu": "nn.ReLU()", "sigmoid": "nn.Sigmoid()",
                     "linear": "nn.Identity()", "leaky_relu": "nn.LeakyReLU({alpha!r})",
                     "softmax": "nn.Softmax(dim=1)"}
# Outputs left out of the nn.Sequential: the network gives logits (or the value itself).
OUTPUT_OUTSIDE = {"softmax": "torch.softmax(logits, dim=1)", "sigmoid": "torch.sigmoid(logits)",
                  "linear": "logits"}
FEATURE_CODE = {"x1": "x1", "x2": "x2", "x1^2": "x1 * x1", "x2^2": "x2 * x2", "x1*x2": "x1 * x2",
                "sin(x1)": "np.sin(x1)", "sin(x2)": "np.sin(x2)"}


def activation_module(activation):
    """``nn.ReLU()``, ``nn.LeakyReLU(0.1)``: the module for an activation's config or name."""
    config = {"name": activation} if isinstance(activation, str) else dict(activation)
    name = config.get("name")
    if name not in TORCH_ACTIVATIONS:
        raise ValueError(f"PyTorch code knows the activations {', '.join(TORCH_ACTIVATIONS)}. "
                         f"Received: {name!r}")
    return TORCH_ACTIVATIONS[name].format(alpha=float(config.get("alpha", 0.01)))


def layers_of(model):
    """``[(in_features, out_features, activation config), ...]`` of a SequentialModel."""
    return [(layer.in_features, layer.out_features, layer.activation.get_config())
            for layer in model.layers]


def sequential_lines(layers, output_note=None, indent="        "):
    """The lines inside ``nn.Sequential(...)`` for ``layers`` (see :func:`layers_of`).

    Args:
        layers: ``[(in, out, activation), ...]``, the activation a name or a config dict.
        output_note: a comment for the output ``nn.Linear`` (default: what its output is).
        indent: put before every line.
    """
    lines = []
    for i, (a, b, act) in enumerate(layers):
        name = act if isinstance(act, str) else act.get("name")
        last = i == len(layers) - 1
        if not last:
            lines.append(f"{indent}nn.Linear({a}, {b}), {activation_module(act)},")
        elif name in OUTPUT_OUTSIDE:
            note = output_note or {"softmax": f"{b} logits: softmax gives the probabilities",
                                   "sigmoid": f"{'one logit' if b == 1 else f'{b} logits'}: "
                                              "sigmoid gives the probabilities",
                                   "linear": "the predicted value"}[name]
            lines.append(f"{indent}nn.Linear({a}, {b}),  # {note}")
        else:
            lines.append(f"{indent}nn.Linear({a}, {b}), {activation_module(act)},  # the output")
    return lines


def _comment_text(value, limit=80):
    """A name made safe for a comment or docstring: no quotes, backslashes or line breaks."""
    text = re.sub(r"[^\w .,:;()+\-]", "", str(value))[:limit].strip()
    return text or "?"


def predict_script(model, weights_file, metadata=None, source=None):
    """A PyTorch script that rebuilds ``model`` as an ``nn.Sequential``, loads ``weights_file`` and predicts.

    ``python script.py inputs.csv`` prints one line a row, as ``python -m
    nnpy predict`` does (``class 3 with 91.2% confidence``); ``from script
    import load_model, predict`` gives the network and nnpy's ``predict``.
    The file's metadata is followed as :class:`nnpy.inference.Predictor`
    follows it: ``features`` (the playground's inputs are points ``(x1, x2)``)
    and the input scaling (``input_divisor``, or ``input_mean``/``input_std``;
    see :mod:`nnpy.scaling`), applied to every row alike.
    Needs torch, numpy and safetensors, not nnpy.

    Args:
        model: a :class:`~nnpy.model.SequentialModel`.
        weights_file: the safetensors file's path relative to the script's folder.
        metadata: the model file's metadata (``features``, the input scaling, ``class_names``).
        source: what the model came from, for the docstring (e.g. the model file's name).

    Returns:
        The script's text.
    """
    metadata = metadata or {}
    layers = layers_of(model)
    out_name = layers[-1][2]["name"]
    features = metadata.get("features")
    features = features if isinstance(features, list) and len(features) == model.input_size and \
        all(f in FEATURE_CODE for f in features) else None
    scaling = InputScaling.from_metadata(metadata, model.input_size)
    divisor = scaling.divisor
    names = metadata.get("class_names")
    classifier = out_name in ("softmax", "sigmoid")
    width = 2 if features else model.input_size
    shape = " -> ".join([str(model.input_size)] + [f"{b} {a['name']}" for _, b, a in layers])
    from_text = f" {_comment_text(source)}" if source else ""
    L = [f'"""PyTorch: the nnpy model{from_text} ({shape}), made by nnpy {__version__}.', ""]
    L += [f"The weights come from {_comment_text(weights_file)} (safetensors, PyTorch's names; keep it",
          "beside this script). nn.Linear computes x @ weight.T + bias, so its weight is nnpy's W.T.",
          "Arithmetic is float64, as in nnpy: the outputs equal nnpy's up to rounding.", "",
          "    python this_script.py inputs.csv    # one sample a row; a label first is allowed",
          "", "Needs: pip install torch numpy safetensors", '"""', "",
          "import os", "import sys", "", "import numpy as np", "import torch",
          "from safetensors.torch import load_file", "from torch import nn", "",
          f"WEIGHTS_FILE = {json.dumps(weights_file)}  # beside this script",
          "torch.set_default_dtype(torch.float64)  # nnpy computes in float64"]
    if divisor:
        L.append(f"INPUT_DIVISOR = {divisor!r}  # the model was trained on inputs divided by this")
    if scaling.kind == "standardize":
        L.append(f"INPUT_MEAN = np.array({scaling.mean.tolist()!r})  # the model was trained on "
                 "(x - INPUT_MEAN) / INPUT_STD")
        L.append(f"INPUT_STD = np.array({scaling.std.tolist()!r})")
    if names is not None and isinstance(names, list) and all(isinstance(n, str) for n in names):
        L.append(f"CLASS_NAMES = {json.dumps(names, ensure_ascii=True)}")
    else:
        names = None
    L += ["", "", "def load_model():",
          '    """The network as an nn.Sequential with the trained weights (strict: every name and shape)."""',
          "    model = nn.Sequential("]
    L += sequential_lines(layers)
    L += ["    )", "    here = os.path.dirname(os.path.abspath(__file__))",
          "    model.load_state_dict(load_file(os.path.join(here, WEIGHTS_FILE)))", "    model.eval()",
          "    return model", "", ""]
    L += ["def prepare(x):", f'    """Inputs of shape (n, {width}) as the network takes them."""',
          "    x = np.atleast_2d(np.asarray(x, dtype=np.float64))"]
    if features:
        fx = ", ".join(FEATURE_CODE[f] for f in features)
        L += [f"    # the network's input features of points (x1, x2): {', '.join(features)}",
              "    x1, x2 = x[:, 0], x[:, 1]", f"    x = np.stack([{fx}], axis=1)"]
    if divisor:
        L += ["    x = x / INPUT_DIVISOR  # every row, as in training"]
    if scaling.kind == "standardize":
        L += ["    x = (x - INPUT_MEAN) / INPUT_STD  # every row, as in training"]
    L += ["    return torch.from_numpy(x)", "", ""]
    L += ["def predict(model, x):",
          f'    """What nnpy\'s model.predict gives: {"probabilities" if classifier else "the outputs"}'
          f', of shape (n, {model.output_size})."""',
          "    with torch.no_grad():", "        logits = model(prepare(x))",
          f"        return {OUTPUT_OUTSIDE.get(out_name, 'logits')}.numpy()", "", ""]
    L += ["def main(path):", "    table = np.loadtxt(path, delimiter=\",\", ndmin=2, skiprows=_header_rows(path))",
          f"    X = table[:, 1:] if table.shape[1] == {width + 1} else table  # a label first: dropped",
          "    model = load_model()", "    for i, row in enumerate(predict(model, X)):"]
    if classifier:
        if model.output_size == 1:
            L += ["        label = int(row[0] >= 0.5)", "        confidence = row[0] if label else 1 - row[0]"]
        else:
            L += ["        label = int(np.argmax(row))", "        confidence = row[label]"]
        shown = "CLASS_NAMES[label]" if names else "label"
        L += [f'        print(f"row {{i + 1}}: class {{{shown}}} with {{100 * confidence:.1f}}% confidence")']
    else:
        L += ['        values = ", ".join(f"{v:.6g}" for v in row)',
              '        print(f"row {i + 1}: " + (values if len(row) == 1 else f"[{values}]"))']
    L += ["", "", "def _header_rows(path):", '    """1 if the first line is a header (not numbers), else 0."""',
          "    with open(path) as f:", "        first = f.readline().split(\",\")",
          "    try:", "        [float(v) for v in first]", "    except ValueError:", "        return 1",
          "    return 0", "", "",
          'if __name__ == "__main__":',
          "    if len(sys.argv) != 2:",
          '        sys.exit("usage: python this_script.py inputs.csv")',
          "    main(sys.argv[1])"]
    return "\n".join(L) + "\n"
