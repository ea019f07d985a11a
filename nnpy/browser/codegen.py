"""The code behind the picture: scripts that reproduce a playground run.

:func:`python_script` writes the nnpy program that does what the page did:
the same data (generated from the seed, or the user's own points embedded),
the same split, features, seeded initial weights, optimizer and batch order,
so running it in CPython prints the numbers the page shows, to float
rounding. :func:`pytorch_script` writes the same run in PyTorch: an
``nn.Sequential`` that loads the page's initial weights from a safetensors
file (:func:`initial_weights`), the page's points embedded, nnpy's batch
order replayed with NumPy, and nnpy's optimizer and penalty conventions.

What a script cannot know from the final state is how the run got there.
Live changes of the learning rate, batch size, optimizer or regularization
during training are replayed when the page passes their ``history``: a list
of ``(epoch, state)`` pairs, the first at epoch 0, each giving the state in
effect from that many completed epochs on. Edits of the data or of single
weights in the middle of a run are not replayed; the scripts say so.

The Code panel's bundle (these scripts, the notebook and the weight files) is
:func:`nnpy.browser.code_panel.playground_code`.
"""

import base64
import re

import numpy as np

from .._version import __version__
from ..data import train_test_split
from ..datasets import DATASETS, make_dataset
from ..interop import to_safetensors
from ..layers import DenseLayer
from ..model import SequentialModel
from ..torch_code import FEATURE_CODE as _FEATURE_CODE
from ..torch_code import sequential_lines
from .schema import DATASETS_2D, PAGES, PLAYGROUND, check_state, live_keys, output_layer, rebuild_keys

_LIVE = live_keys(PLAYGROUND)
SAMPLES = PAGES[PLAYGROUND]["samples"]
_FIXED = rebuild_keys(PLAYGROUND)
_TORCH_OPTIMIZERS = {"sgd": "torch.optim.SGD({params}, lr={lr!r})",
                     "momentum": "torch.optim.SGD({params}, lr={lr!r}, momentum=0.9)",
                     "adam": "torch.optim.Adam({params}, lr={lr!r}, betas=(0.9, 0.999), eps=1e-08)"}
MAX_EPOCHS = 10**7


# ------------------------------------------------------------------ the run, worked out

class _Run:
    """Everything a script needs: the checked state, the data, the output layer, the segments."""

    def __init__(self, state, epochs, data, history):
        self.s = s = check_state(PLAYGROUND, state)
        if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or not 0 <= epochs <= MAX_EPOCHS:
            raise ValueError(f"epochs must be an integer in 0..{MAX_EPOCHS}. Received: epochs={epochs!r}")
        self.epochs = int(epochs)
        self.regression = s["problem"] == "regression"
        if data is None:
            self.custom = False
            self.name = s["dataset"]
            fixed = DATASETS_2D[s["dataset"]][1]
            self.classes = 1 if self.regression else (fixed or s["classes"])
            self.generator = "spirals" if s["dataset"] == "spiral" and s["classes"] > 2 else s["dataset"]
            X, y = make_dataset(self.generator, SAMPLES[s["problem"]], s["noise"], seed=s["seed"],
                                num_classes=s["classes"])
            self.n = len(X)
            self.arrays = train_test_split(X, y, test_fraction=1.0 - s["train_ratio"], seed=s["seed"])
        else:
            self.custom = True
            self._custom(data)
        self.out_units, self.out_act, self.loss = output_layer(s["problem"], self.classes)
        self.sizes = [len(s["features"])] + [layer["units"] for layer in s["layers"]] + [self.out_units]
        self.acts = [layer["activation"] for layer in s["layers"]] + [self.out_act]
        self.segments = self._segments(history)

    def _custom(self, data):
        if not isinstance(data, dict):
            raise ValueError("data must be a dict with X_train, y_train, X_test, y_test and classes")
        self.name = str(data.get("name", "your data"))
        arrays = []
        for key in ("X_train", "y_train", "X_test", "y_test"):
            if key not in data:
                raise ValueError(f"data lacks {key!r}")
            a = np.asarray(data[key])
            if a.dtype.kind not in "biuf" or (a.dtype.kind == "f" and not np.all(np.isfinite(a))):
                raise ValueError(f"data[{key!r}] must hold finite numbers")
            arrays.append(a)
        X_train, y_train, X_test, y_test = arrays
        for X, y, part in ((X_train, y_train, "train"), (X_test, y_test, "test")):
            if X.ndim != 2 or X.shape[1] != 2 or len(X) == 0 or len(y) != len(X):
                raise ValueError(f"the {part} set needs points of shape (n, 2), n >= 1, and as many "
                                 f"labels. Received {X.shape} and {y.shape}")
        if self.regression:
            self.classes = 1
            arrays = [X_train.astype(np.float64), y_train.astype(np.float64).reshape(-1, 1),
                      X_test.astype(np.float64), y_test.astype(np.float64).reshape(-1, 1)]
        else:
            classes = data.get("classes")
            if isinstance(classes, bool) or not isinstance(classes, (int, np.integer)) or not 2 <= classes <= 255:
                raise ValueError(f"data['classes'] must be the number of classes (2..255). Received: {classes!r}")
            self.classes = int(classes)
            for y in (y_train, y_test):
                if y.ndim != 1 or np.any(y != np.floor(y)) or y.min() < 0 or y.max() >= self.classes:
                    raise ValueError(f"labels must be class indices 0..{self.classes - 1} of shape (n,)")
            arrays = [X_train.astype(np.float64), y_train.astype(np.int64),
                      X_test.astype(np.float64), y_test.astype(np.int64)]
        self.arrays = arrays
        self.n = len(X_train) + len(X_test)

    def _segments(self, history):
        """``[(first epoch, last epoch, live settings)]``, merging changes at the same epoch."""
        live = {k: self.s[k] for k in _LIVE}
        if history is None:
            return [(0, self.epochs, live)]
        if not isinstance(history, (list, tuple)) or not history:
            raise ValueError("history must be a non-empty list of (epoch, state) pairs")
        changes = []
        for i, entry in enumerate(history):
            if isinstance(entry, dict):
                entry = (entry.get("epoch"), entry.get("state"))
            if not isinstance(entry, (list, tuple)) or len(entry) != 2:
                raise ValueError(f"history[{i}] must be an (epoch, state) pair. Received: {entry!r}")
            epoch, state = entry
            if isinstance(epoch, bool) or not isinstance(epoch, (int, np.integer)) or not 0 <= epoch <= self.epochs:
                raise ValueError(f"history[{i}]: epoch must be an integer in 0..{self.epochs}. Received: {epoch!r}")
            if changes and epoch < changes[-1][0]:
                raise ValueError(f"history[{i}]: epochs must not decrease ({epoch} after {changes[-1][0]})")
            checked = check_state(PLAYGROUND, state)
            other = [k for k in _FIXED if checked[k] != self.s[k]]
            if other:
                raise ValueError(f"history[{i}] (epoch {epoch}) has another {', '.join(other)}: the network "
                                 "was rebuilt since; the history starts at the last rebuild")
            changes.append((int(epoch), {k: checked[k] for k in _LIVE}))
        if changes[0][0] != 0:
            raise ValueError("history must start at epoch 0 with the settings training began with")
        segments = []
        for epoch, settings in changes:
            if segments and segments[-1][0] == epoch:
                segments[-1] = (epoch, settings)
            elif not segments or settings != segments[-1][1]:
                segments.append((epoch, settings))
        bounds = [epoch for epoch, _ in segments[1:]] + [self.epochs]
        spans = [(start, end, settings) for (start, settings), end in zip(segments, bounds)]
        return [span for span in spans if span[1] > span[0]] or spans[:1]

    # -- words ---------------------------------------------------------------------

    def describe(self):
        s, (X_train, _, X_test, _) = self.s, self.arrays
        if self.custom:
            data = (f'your own points ("{_text(self.name)}"): {len(X_train)} for training, '
                    f"{len(X_test)} for testing")
        else:
            k = f", {self.classes} classes" if DATASETS[self.generator]["num_classes"] == "K" else ""
            name, noise, seed = s["dataset"], s["noise"], s["seed"]
            data = (f'the "{name}" dataset ({self.n} points{k}, noise {noise!r}, seed {seed}), '
                    f"{len(X_train)} for training ({s['train_ratio']:.0%}) and {len(X_test)} for testing")
        net = " -> ".join([str(self.sizes[0])] + [f"{u} {a}" for u, a in zip(self.sizes[1:], self.acts)])
        lines = [f"Reproduces {data};",
                 f"input features {', '.join(s['features'])}; the network {net};",
                 f"loss {self.loss.replace('_', ' ')}; " + "; then ".join(
                     f"{_describe_live(live)} for {_span(a, b)}" if len(self.segments) > 1
                     else _describe_live(live) for a, b, live in self.segments) + ";",
                 f"{_count(self.epochs, 'epoch')} in all."]
        return _wrap(" ".join(lines))


def _count(n, word):
    """``1 epoch``, ``2 epochs``."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _span(first_done, last):
    """The epochs after ``first_done`` completed ones, through ``last``: ``epoch 3``, ``epochs 3-7``."""
    return f"epoch {last}" if last == first_done + 1 else f"epochs {first_done + 1}-{last}"


def _describe_live(live):
    reg = "no regularization" if live["regularization"] is None or live["reg_rate"] == 0 else \
        f"{live['regularization'].upper()} rate {live['reg_rate']!r}"
    names = {"sgd": "SGD", "momentum": "SGD with momentum 0.9", "adam": "Adam"}
    return f"{names[live['optimizer']]} at learning rate {live['lr']!r}, batches of {live['batch_size']}, {reg}"


def _escape(text, quote='"'):
    """``text`` for inside a double-quoted Python string or docstring, to be read back exactly.

    Printable characters stay as they are; the quote, the backslash and every other character
    (control characters such as NUL, line breaks, lone surrogates, U+2028) become escapes, so the
    script always compiles, is valid UTF-8, and nothing in the text can end the string.
    """
    out = []
    for ch in str(text):
        if ch == "\\" or ch == quote:
            out.append("\\" + ch)
        elif ch.isprintable():
            out.append(ch)
        else:
            out.append(repr(ch)[1:-1])  # \x00, \n, \u2028, \ud800, \U0001f600
    return "".join(out)


def _q(value):
    """A Python literal of a string, list of strings or None, in double quotes; it reads back exactly."""
    if value is None:
        return "None"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_q(v) for v in value) + "]"
    return f'"{_escape(value)}"'


def _text(value, limit=60):
    """A name made safe for a comment or docstring: no quotes, backslashes or line breaks."""
    text = re.sub(r"[^\w .,:;()+\-]", "", str(value))[:limit].strip()
    return text or "?"


def _notes(notes):
    """Extra header lines, escaped so they cannot end the docstring: the docstring reads them back exactly."""
    return [_escape(line) for line in notes]


def _wrap(text, width=88):
    out, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            out.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return out + [line]


def _pack(array, dtype, indent="    "):
    """A call of the scripts' ``unpack``: base64 of the array's little-endian bytes, wrapped."""
    text = base64.b64encode(np.ascontiguousarray(array, dtype=dtype).tobytes()).decode("ascii")
    rows = [text[i:i + 76] for i in range(0, len(text), 76)] or [""]
    body = "\n".join(f"{indent}    {row}" for row in rows)
    return f'unpack("""\n{body}\n{indent}""", "{dtype}", {tuple(array.shape)!r})'


_UNPACK = '''def unpack(text, dtype, shape):
    """An array from base64 text of its little-endian bytes (exact, bit for bit)."""
    raw = base64.b64decode("".join(text.split()))
    return np.frombuffer(raw, dtype=dtype).reshape(shape).astype(dtype[1:] if dtype[0] == "<" else dtype)'''


def _reg(live):
    kind, rate = live["regularization"], live["reg_rate"]
    return (kind, rate) if kind is not None and rate > 0 else (None, 0.0)


# ------------------------------------------------------------------ nnpy

def python_script(state, epochs, *, data=None, history=None, initial=None, notes=(), page=None):
    """An nnpy program that reproduces the playground's run and prints its numbers beside the page's.

    Args:
        state: the page's state (see :func:`nnpy.browser.schema.check_state`).
        epochs: completed epochs to reproduce (the page's ``snapshot["epoch"]``).
        data: ``None`` for a generated dataset (the script regenerates it from
            the seed); for the user's own points a dict ``{"X_train", "y_train",
            "X_test", "y_test", "classes", "name"}``, embedded exactly.
        history: ``[(epoch, state), ...]`` live setting changes, first at epoch 0.
        initial: the initial weights (flat vector, model or state dict) when
            they are not the ones the seed draws (the data was regenerated
            after the network was built); embedded then.
        notes: extra lines for the header.
        page: the numbers the page showed after ``epochs`` epochs,
            ``{"train": {"loss", "accuracy"}, "test": {...}}`` (accuracy a
            fraction, or None for regression); printed beside the script's own.

    Returns:
        The script's text. It prints ``train  loss ...  accuracy ...`` and
        ``test   loss ...`` lines (with ``page: loss ...`` at the end when
        ``page`` is given) and a last line saying whether they agree.

    The promise, as the script states it: the same data, initial weights, batch
    order and updates; its numbers agree with the page's to about 1e-9 for the
    first epochs and may drift later. NumPy in the browser (Pyodide, no BLAS,
    musl's libm) and on a desktop (BLAS, SIMD tanh/exp/log) round matrix
    products and tanh, exp, log and sin differently in the last bit (measured:
    tanh on a quarter of inputs, up to 2 ulp), and training can amplify that.
    """
    header, body = python_parts(state, epochs, data=data, history=history, initial=initial, notes=notes,
                                page=page)
    lines = header + [""]
    for line in body:
        if not isinstance(line, Cell):
            lines.append(line)
        elif lines[-1] != "":   # a script has a blank line where a notebook starts a cell
            lines.append("")
    return "\n".join(lines) + "\n"


class Cell(str):
    """A mark between two parts of :func:`python_parts`'s lines: where a notebook starts a new
    cell, the text of the markdown cell before it (Markdown). A script leaves it out."""


def python_parts(state, epochs, *, data=None, history=None, initial=None, notes=(), page=None):
    """:func:`python_script` in parts: ``(header, body)``, the docstring's lines and the code's,
    with :class:`Cell` marks where a notebook (:mod:`nnpy.browser.notebook`) starts a new cell."""
    run = _Run(state, epochs, data, history)
    s = run.s
    embedded = _embedded_initial(run, initial)
    reg_used = any(_reg(live)[0] for _, _, live in run.segments[1:])
    imports = ["DenseLayer", "SequentialModel", "Trainer", "feature_map"]
    if not run.custom:
        imports += ["make_dataset", "train_test_split"]
    if any(a["optimizer"] != b["optimizer"] for (_, _, a), (_, _, b) in zip(run.segments, run.segments[1:])):
        imports.append("get_optimizer")
    if reg_used or any(_reg(a) != _reg(b) for (_, _, a), (_, _, b) in zip(run.segments, run.segments[1:])):
        imports.append("Regularizer")
    header = [f'"""nnpy: the playground\'s run, step by step (made by nnpy {__version__}).', ""]
    header += run.describe()
    header += [""] + _wrap(
        f"Run it where nnpy is installed: it trains the same network on the same data, from the same "
        f"initial weights and in the same batch order, and prints its loss and accuracy after "
        f"{_count(run.epochs, 'epoch')}" + (" beside the page's" if page is not None else "") + ". "
        "The first epochs agree with the page to about 1e-9; later ones may drift apart. NumPy in the "
        "browser and NumPy on your computer round matrix products and tanh, exp, log and sin differently "
        "in the last bit, and training can grow such differences (momentum, Adam, ReLU and high learning "
        "rates do), up to other accuracies after a hundred epochs or more. On one computer the same seed "
        "gives the same run, bit for bit. Changes made during training other than the settings replayed "
        "below (points added or removed, weights edited by hand, the data regenerated) are not part of "
        "this script.")
    header += _notes(notes)
    header += ['"""']
    L = []
    if run.custom or embedded is not None:
        L.append("import base64")
        L.append("")
    L += ["import numpy as np", "", f"from nnpy import {', '.join(imports)}", "",
          f"SEED = {s['seed']}  # fixes the data, the split, the initial weights and the batch order",
          f"EPOCHS = {run.epochs}", ""]
    if run.custom or embedded is not None:
        L += ["", _UNPACK, "", ""]
    X_train, _, X_test, _ = run.arrays
    L.append(Cell("## The data\n\nThe page's points, split into training and test sets as the page split them."))
    if run.custom:
        L += [f"# The data: your own points, as the page split them ({len(X_train)} for training, "
              f"{len(X_test)} for testing).",
              "# Stored exactly: base64 of the numbers' bytes."]
        ydt = "<f8" if run.regression else "u1"
        for name, array, dt in zip(("X_train", "y_train", "X_test", "y_test"), run.arrays,
                                   ("<f8", ydt, "<f8", ydt)):
            L.append(f"{name} = {_pack(array, dt, indent='')}")
        if not run.regression:
            L.append("y_train, y_test = y_train.astype(np.int64), y_test.astype(np.int64)")
    else:
        k = f", num_classes={s['classes']}" if DATASETS[run.generator]["num_classes"] == "K" else ""
        L += [f'# The data: {run.n} points of the "{s["dataset"]}" dataset, shuffled and split with the seed.',
              f"X, y = make_dataset({_q(run.generator)}, {run.n}, noise={s['noise']!r}, seed=SEED{k})",
              f"TRAIN_RATIO = {s['train_ratio']!r}  # {len(X_train)} points for training, "
              f"{len(X_test)} for testing",
              "X_train, y_train, X_test, y_test = train_test_split(X, y, test_fraction=1 - TRAIN_RATIO, seed=SEED)"]
    L += ["", "# What the network sees: the playground's input features of each point (x1, x2).",
          f"FEATURES = {_q(s['features'])}",
          "F_train = feature_map(X_train, FEATURES)",
          "F_test = feature_map(X_test, FEATURES)",
          Cell("## The network\n\nThe layers, activations and initial weights the page started from."),
          "# The network: one generator draws every layer's initial weights, layer after layer."
          if embedded is None else "# The network (its initial weights are set below).",
          "rng = np.random.default_rng(SEED)", "model = SequentialModel(["]
    for i, (a, b, act) in enumerate(zip(run.sizes, run.sizes[1:], run.acts)):
        comment = "" if i < len(run.acts) - 1 else {
            "sigmoid": "  # the output: the probability of class 1",
            "softmax": f"  # the output: the probability of each of the {run.classes} classes",
            "linear": "  # the output: the predicted value"}[act]
        L.append(f"    DenseLayer({a}, {b}, {_q(act)}, seed=rng),{comment}")
    L.append("])")
    if embedded is not None:
        L += ["# The page's initial weights are not those the seed draws (the data was regenerated",
              "# after the network was built), so here they are: every W and b, in order.",
              f"model.flat_parameters[0][...] = {_pack(embedded, '<f8', indent='')}"]
    L += ["model.summary()",
          Cell("## Training\n\nThe same optimizer, learning rate and batches, in the same order."),
          "# Training: mini-batch gradient descent; the seed's generator reshuffles the points every epoch."]
    first = run.segments[0][2]
    kind, rate = _reg(first)
    L += [f"trainer = Trainer(model, {_q(run.loss)}, lr={first['lr']!r}, optimizer={_q(first['optimizer'])},",
          f"                  regularization={_q(kind)}, reg_rate={rate!r}, batch_size={first['batch_size']},"
          " seed=SEED)"]
    previous = None
    for start, end, live in run.segments:
        if previous is not None:
            L.append(f"# The page's settings changed after epoch {start}:")
            L += _nnpy_changes(previous, live)
        if len(run.segments) == 1:
            L.append("trainer.train(F_train, y_train, epochs=EPOCHS)")
        else:
            L.append(f"trainer.train(F_train, y_train, epochs={end - start})  # {_span(start, end)}")
        previous = live
    L += [Cell("## What the page shows\n\nThe loss and accuracy of both sets after the last epoch."),
          "# What the page shows: the loss (without the weight penalty)"
          + ("" if run.regression else " and the accuracy") + " on both sets."]
    if page is not None:
        L += _page_numbers(page, run.regression)
    L += ['print(f"epoch {trainer.epoch}")']
    if page is not None:
        L += ["same = True"]
    L += ["for name, F, labels in ((\"train\", F_train, y_train), (\"test\", F_test, y_test)):",
          "    loss, _ = trainer.evaluate(F, labels)"]
    if run.regression:
        L.append('    line = f"{name:<5}  loss {loss:.10f}"')
    else:
        L.append("    probabilities = model.predict(F)")
        L.append("    predicted = (probabilities[:, 0] > 0.5).astype(np.int64)  # class 1 where p > 0.5"
                 if run.out_units == 1 else "    predicted = np.argmax(probabilities, axis=1)  # the likeliest class")
        L += ["    correct = int(np.sum(predicted == labels))",
              '    line = f"{name:<5}  loss {loss:.10f}  accuracy {correct / len(labels):.4f}  '
              '({correct}/{len(labels)})"']
    if page is None:
        L.append("    print(line)")
    else:
        L += _page_comparison(run.regression)
    return header, L


def _page_numbers(page, regression):
    """``PAGE = {...}``: the page's numbers after the same epochs, exactly (repr of each float)."""
    parts = []
    for part in ("train", "test"):
        numbers = page.get(part) if isinstance(page, dict) else None
        if not isinstance(numbers, dict):
            raise ValueError(f"page must give the page's train and test numbers. Received: {page!r}")
        loss = float(numbers["loss"])
        entry = f'"loss": {loss!r}'
        if not regression:
            entry += f', "accuracy": {float(numbers["accuracy"])!r}'
        parts.append(f'    "{part}": {{{entry}}},')
    return ["PAGE = {  # what the page showed after the same epochs, to compare with"] + parts + ["}"]


def _page_comparison(regression):
    """Print each line with the page's numbers beside it, then whether the two agree (to 1e-9)."""
    out = ["    shown = PAGE[name]",
           "    close = abs(loss - shown[\"loss\"]) <= 1e-9 * max(1.0, abs(shown[\"loss\"]))"]
    if regression:
        out += ['    print(f"{line}  page: loss {shown[\'loss\']:.10f}")']
    else:
        out += ["    close = close and correct == round(shown[\"accuracy\"] * len(labels))",
                '    print(f"{line}  page: loss {shown[\'loss\']:.10f}  accuracy {shown[\'accuracy\']:.4f}")']
    out += ["    same = same and close",
            "if same:",
            '    print("The same as the page (losses within 1e-9).")',
            "else:",
            '    print("Not the same as the page: NumPy here and in the browser round some operations differently "',
            '          "in the last bit, and the epochs of training grew that (see the top of this script).")']
    return out


def _nnpy_changes(old, new):
    """Statements doing what the playground's live settings do to its trainer."""
    out = []
    if new["batch_size"] != old["batch_size"]:
        out.append(f"trainer.batch_size = {new['batch_size']}")
    if new["optimizer"] != old["optimizer"]:
        out.append(f"trainer.optimizer = get_optimizer({_q(new['optimizer'])}, lr={new['lr']!r})"
                   "  # a fresh optimizer")
    elif new["lr"] != old["lr"]:
        out.append(f"trainer.lr = {new['lr']!r}")
    if _reg(new) != _reg(old):
        kind, rate = _reg(new)
        out.append(f"trainer.regularizer = Regularizer({_q(kind)}, {rate!r})")
    return out


def _embedded_initial(run, initial):
    """The initial weights as a flat vector when they differ from the seed's, else ``None``."""
    if initial is None:
        return None
    seeded = initial_model(run.s, run.classes).flat_parameters[0]
    if isinstance(initial, SequentialModel):
        flat = initial.flat_parameters[0]
    elif isinstance(initial, dict):
        model = initial_model(run.s, run.classes)
        model.load_state_dict(initial)
        flat = model.flat_parameters[0]
    else:
        flat = np.asarray(initial, dtype=np.float64).reshape(-1)
    if flat.shape != seeded.shape:
        raise ValueError(f"initial has {flat.size} weights; the network has {seeded.size}")
    return None if np.array_equal(flat, seeded) else flat.astype(np.float64)


# ------------------------------------------------------------------ PyTorch

def pytorch_script(state, epochs, *, data=None, history=None, weights_file="nnpy-initial.safetensors",
                   notes=()):
    """A PyTorch program that trains the playground's network the way nnpy does.

    The network is an ``nn.Sequential`` whose ``Linear`` layers sit at
    indices 0, 2, 4, ... (each followed by its activation; ``nn.Identity`` for
    a linear one), the names :func:`nnpy.interop.to_safetensors` writes. Its
    initial weights come from ``weights_file`` (:func:`initial_weights`);
    the points (generated or the user's) are embedded; each epoch's order is
    ``np.random.default_rng(seed).permutation``, as nnpy's trainer draws it.
    Arguments as :func:`python_script`. Needs torch, numpy and safetensors,
    not nnpy.
    """
    if not isinstance(weights_file, str) or not weights_file.strip():
        raise ValueError(f"weights_file must be a file name. Received: {weights_file!r}")
    run = _Run(state, epochs, data, history)
    s = run.s
    lives = [live for _, _, live in run.segments]
    grouped = any(_reg(live)[0] for live in lives)
    l1 = any(_reg(live)[0] == "l1" for live in lives)
    first = lives[0]
    X_train, _, X_test, _ = run.arrays
    L = ['"""PyTorch: the playground\'s run, the same network trained the same way '
         f'(made by nnpy {__version__}).', ""]
    L += run.describe()
    L += [""] + _wrap(
        f"The network starts from the page's initial weights, read from {_text(weights_file)} (download "
        "it from the page into the folder you run this from). The points are the page's own, embedded "
        "at the end; each epoch's batches come in the order nnpy's trainer draws them. Arithmetic is "
        "float64, as in nnpy, so the numbers printed match the page's up to rounding: the two libraries "
        "sum in different orders, a difference a long or chaotic run can grow. Needs: pip install torch "
        "numpy safetensors. Changes made during training other than the settings replayed below (points "
        "added or removed, weights edited by hand, the data regenerated) are not part of this script.")
    if "adam" in {live["optimizer"] for live in lives}:
        L += [""] + _wrap(
            "Adam: nnpy writes the update as lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps_hat) "
            "with eps_hat = eps * sqrt(1 - b2^t), the paper's efficient form; PyTorch computes "
            "lr * m_hat / (sqrt(v_hat) + eps). The two are the same formula rearranged: they differ "
            "by rounding only. But Adam amplifies rounding (it scales every step to about lr, however "
            "small the gradient): over a hundred epochs or more the two runs can drift apart, to "
            "similar but not equal numbers.")
    if grouped:
        L += [""] + _wrap(
            "Regularization: nnpy penalises the weights, not the biases (L2: rate/2 * sum(W^2), gradient "
            "rate * W; L1: rate * sum(|W|), gradient rate * sign(W)). PyTorch's weight_decay is that L2 "
            "gradient, so it goes on the weights' parameter group only.")
    L += _notes(notes) + ['"""', "", "import base64", "", "import numpy as np", "import torch",
                        "from safetensors.torch import load_file", "from torch import nn", "",
                        f"SEED = {s['seed']}  # nnpy's trainer shuffles with a generator made from it",
                        f"EPOCHS = {run.epochs}", f"WEIGHTS_FILE = {_q(weights_file)}", "",
                        "torch.set_default_dtype(torch.float64)  # nnpy computes in float64", "", ""]
    fx = ", ".join(_FEATURE_CODE[f] for f in s["features"])
    L += ["def features(X):",
          f'    """The playground\'s input features of points X of shape (n, 2): {", ".join(s["features"])}."""',
          "    x1, x2 = X[:, 0], X[:, 1]",
          f"    return torch.from_numpy(np.stack([{fx}], axis=1))", "", ""]
    if grouped:
        L += ["def param_groups(model, weight_decay):",
              '    """Weights and biases apart: the penalty is on the weights only."""',
              "    linears = [m for m in model if isinstance(m, nn.Linear)]",
              '    return [{"params": [m.weight for m in linears], "weight_decay": weight_decay},',
              '            {"params": [m.bias for m in linears], "weight_decay": 0.0}]', "", ""]
    L += ["def main():", "    X_train, y_train, X_test, y_test = embedded_data()",
          "    F_train, F_test = features(X_train), features(X_test)"]
    if run.regression:
        target = "torch.from_numpy(y_train), torch.from_numpy(y_test)  # values of shape (n, 1)"
    elif run.out_units == 1:
        target = ("torch.from_numpy(y_train[:, None].astype(np.float64)), "
                  "torch.from_numpy(y_test[:, None].astype(np.float64))")
    else:
        target = "torch.from_numpy(y_train), torch.from_numpy(y_test)  # class indices"
    L += [f"    Y_train, Y_test = {target}", "",
          "    # The network: nn.Linear computes x @ weight.T + bias, so its weight is nnpy's W.T.",
          "    model = nn.Sequential("]
    why = {"sigmoid": "one logit: the sigmoid is inside the loss",
           "softmax": f"{run.sizes[-1]} logits: the softmax is inside the loss",
           "linear": "the predicted value"}[run.acts[-1]]
    L += sequential_lines(list(zip(run.sizes, run.sizes[1:], run.acts)), output_note=why)
    L += ["    )", "    model.load_state_dict(load_file(WEIGHTS_FILE))  # the page's initial weights"]
    loss_code = {"mse": "nn.MSELoss()  # mean squared error",
                 "binary_cross_entropy": "nn.BCEWithLogitsLoss()  # sigmoid + binary cross-entropy, as nnpy fuses them",
                 "softmax_cross_entropy": "nn.CrossEntropyLoss()  # softmax + cross-entropy, as nnpy fuses them"}
    L += [f"    loss_fn = {loss_code[run.loss]}"]
    if l1:
        L += ["    weights = [m.weight for m in model if isinstance(m, nn.Linear)]",
              f"    l1_rate = {_l1(first)!r}  # nnpy's L1 penalty: its gradient rate * sign(W) is added by hand"]
    L += [f"    optimizer = {_torch_optimizer(first, grouped)}",
          f"    batch_size = {first['batch_size']}", "",
          "    shuffle = np.random.default_rng(SEED)  # nnpy's trainer: one permutation per epoch",
          "    n = len(F_train)", "    for epoch in range(EPOCHS):"]
    for (start, _, live), (_, _, old) in zip(run.segments[1:], run.segments):
        L.append(f"        if epoch == {start}:  # the page's settings changed after epoch {start}")
        L += ["            " + line for line in _torch_changes(old, live, grouped, l1)]
    L += ["        order = torch.from_numpy(shuffle.permutation(n))",
          "        for start in range(0, n, batch_size):",
          "            batch = order[start:start + batch_size]",
          "            optimizer.zero_grad()",
          "            loss = loss_fn(model(F_train[batch]), Y_train[batch])",
          "            loss.backward()"]
    if l1:
        L += ["            if l1_rate:", "                with torch.no_grad():",
              "                    for w in weights:", "                        w.grad += l1_rate * torch.sign(w)"]
    L += ["            optimizer.step()", "",
          "    # What the page shows: the loss (without the weight penalty)"
          + ("" if run.regression else " and the accuracy") + " on both sets.",
          '    print(f"epoch {EPOCHS}")', "    with torch.no_grad():",
          '        for name, F, Y, labels in (("train", F_train, Y_train, y_train), ("test", F_test, Y_test, y_test)):',
          "            logits = model(F)", "            loss = loss_fn(logits, Y).item()"]
    if run.regression:
        L.append('            print(f"{name:<5}  loss {loss:.10f}")')
    else:
        L.append("            predicted = (torch.sigmoid(logits)[:, 0] > 0.5).long().numpy()  # class 1 where p > 0.5"
                 if run.out_units == 1 else
                 "            predicted = torch.argmax(logits, dim=1).numpy()  # the likeliest class")
        L += ["            correct = int(np.sum(predicted == labels))",
              '            print(f"{name:<5}  loss {loss:.10f}  accuracy {correct / len(labels):.4f}  '
              '({correct}/{len(labels)})")']
    L += ["", "", "def embedded_data():",
          f'    """The page\'s points, exactly as it split them ({len(X_train)} for training, '
          f'{len(X_test)} for testing)."""', "", "    " + _UNPACK.replace("\n", "\n    "), ""]
    ydt = "<f8" if run.regression else "u1"
    for name, array, dt in zip(("X_train", "y_train", "X_test", "y_test"), run.arrays, ("<f8", ydt, "<f8", ydt)):
        L.append(f"    {name} = {_pack(array, dt)}")
    if run.regression:
        L.append("    return X_train, y_train, X_test, y_test")
    else:
        L.append("    return X_train, y_train.astype(np.int64), X_test, y_test.astype(np.int64)")
    L += ["", "", 'if __name__ == "__main__":', "    main()"]
    return "\n".join(L) + "\n"


def _l1(live):
    kind, rate = _reg(live)
    return rate if kind == "l1" else 0.0


def _l2(live):
    kind, rate = _reg(live)
    return rate if kind == "l2" else 0.0


def _torch_optimizer(live, grouped):
    params = f"param_groups(model, weight_decay={_l2(live)!r})" if grouped else "model.parameters()"
    return _TORCH_OPTIMIZERS[live["optimizer"]].format(params=params, lr=live["lr"])


def _torch_changes(old, new, grouped, l1):
    out = []
    if new["batch_size"] != old["batch_size"]:
        out.append(f"batch_size = {new['batch_size']}")
    if new["optimizer"] != old["optimizer"]:
        out.append(f"optimizer = {_torch_optimizer(new, grouped)}  # a fresh optimizer")
    else:
        if new["lr"] != old["lr"]:
            out += ["for group in optimizer.param_groups:", f"    group[\"lr\"] = {new['lr']!r}"]
        if grouped and _l2(new) != _l2(old):
            out.append(f"optimizer.param_groups[0][\"weight_decay\"] = {_l2(new)!r}  # the weights' group")
    if l1 and _l1(new) != _l1(old):
        out.append(f"l1_rate = {_l1(new)!r}")
    return out or ["pass"]


# ------------------------------------------------------------------ weights and the page

def initial_model(state, classes=None):
    """The network the playground builds for ``state``: the seed's initial weights.

    Args:
        state: the page's state.
        classes: the number of classes of the user's own data (default: the
            dataset's).
    """
    s = check_state(PLAYGROUND, state)
    if s["problem"] == "regression":
        k = 1
    else:
        fixed = DATASETS_2D[s["dataset"]][1]
        k = classes if classes is not None else (fixed or s["classes"])
    units, out_act, _ = output_layer(s["problem"], k)
    rng = np.random.default_rng(s["seed"])
    sizes = [len(s["features"])] + [layer["units"] for layer in s["layers"]] + [units]
    acts = [layer["activation"] for layer in s["layers"]] + [out_act]
    return SequentialModel([DenseLayer(sizes[i], sizes[i + 1], acts[i], seed=rng) for i in range(len(acts))])


def initial_weights(model, initial, metadata=None):
    """safetensors bytes of ``model``'s architecture holding the weights ``initial`` (a flat vector).

    The playground keeps its network's initial weights as one flat vector
    (``Playground._initial``); this writes them under the PyTorch names the
    generated script's ``nn.Sequential`` loads.
    """
    copy = SequentialModel.from_config(model.get_config())
    flat = np.asarray(initial, dtype=copy.dtype).reshape(-1)
    if flat.shape != copy.flat_parameters[0].shape:
        raise ValueError(f"initial has {flat.size} weights; the model has {copy.count_params()}")
    copy.flat_parameters[0][...] = flat
    return to_safetensors(copy, metadata)
