"""The engine behind the workshop page: build nnpy yourself, one file of the course's map at a time.

The page sends the student's files as text; :meth:`Workshop.check` loads them
as modules named like the files (``activations``, ``layers``, ... so that
``from layers import DenseLayer`` works as in a folder) and runs the step's
checks from :mod:`nnpy.browser.workshop_checks`. Nothing here imports ``js``:
the worker calls these methods, and CPython tests call them the same way.

Code runs only when the page asks for a check, never on load or import, and
always in the worker: a loop that never ends is the page's to stop (it ends
the worker and starts a new one).
"""

import inspect
import io
import json
import linecache
import sys
import textwrap
import traceback
import types
import zipfile
from pathlib import Path

import numpy as np

from .._formats.strict_json import nesting_depth
from .._version import __version__
from . import workshop_checks
from . import workshop_checks_basics, workshop_checks_model  # noqa: F401 (they add their checks to STEPS)
from .workshop_skeletons import SKELETONS

CHECK_MODULES = ("workshop_checks", "workshop_checks_basics", "workshop_checks_model")

# The course's map, in its order: (step id, file, title, what it covers, nnpy's own code to compare).
STEPS = [
    {"id": "activations", "file": "activations.py", "title": "Activations",
     "reference": ("nnpy.activations", ["relu", "relu_deriv", "sigmoid", "_sigmoid", "sigmoid_deriv",
                                          "tanh", "tanh_deriv", "softmax", "_softmax"]),
     "explain": [
         "An activation bends the straight line x @ W + b, so that stacked layers can learn curves "
         "(XOR, circles, spirals). Each function works elementwise on `z`, an array of any shape.",
         "`relu(z) = max(0, z)`, `sigmoid(z) = 1 / (1 + exp(-z))`, `tanh(z)`.",
         "Backpropagation needs each derivative at the same `z`, the pre-activation: "
         "`relu'(z)` is 1 where `z > 0`, else 0; `sigmoid'(z) = s (1 - s)` with `s = sigmoid(z)`; "
         "`tanh'(z) = 1 - tanh(z)^2`.",
         "`softmax(z)` turns each row of `z` (shape `(n, classes)`) into probabilities: "
         "`exp(z_i) / sum_j exp(z_j)`. Subtract the row's maximum first: the result is the same "
         "and `exp` never overflows.",
     ]},
    {"id": "losses", "file": "losses.py", "title": "Losses",
     "reference": ("nnpy.losses", ["mse", "mse_deriv", "MSE", "binary_cross_entropy",
                                     "binary_cross_entropy_deriv", "BinaryCrossEntropy",
                                     "softmax_cross_entropy", "softmax_cross_entropy_deriv",
                                     "SoftmaxCrossEntropy"]),
     "explain": [
         "A loss is one number saying how wrong the outputs `y_pred` are for the targets `y_true` "
         "(both `(n, outputs)`), averaged over the batch so that the learning rate does not depend "
         "on the batch size.",
         "`mse = mean((y_pred - y_true)^2)`, gradient `2 (y_pred - y_true) / size`.",
         "Binary cross-entropy of probabilities `p`: `-mean(y log p + (1 - y) log(1 - p))`, "
         "gradient `(p - y) / (p (1 - p) n)`; clip `p` away from 0 and 1.",
         "Softmax cross-entropy takes the logits `z` and one-hot `y`: "
         "`-mean over rows of sum_k y_k log softmax(z)_k`, gradient `(softmax(z) - y) / n`.",
     ]},
    {"id": "layers", "file": "layers.py", "title": "DenseLayer",
     "reference": ("nnpy.layers", ["DenseLayer", "he_normal", "glorot_uniform"]),
     "explain": [
         "A dense layer computes `a = activation(x @ W + b)` for a batch `x` of shape "
         "`(n, in_features)`: `W` is `(in_features, out_features)`, `b` is `(out_features,)`, "
         "`a` is `(n, out_features)`.",
         "Start `W` random (scaled by `sqrt(2 / in_features)`), `b` at zero: equal weights would "
         "make every neuron the same forever.",
         "Backward gets `grad_out = dL/da` and computes `dz = grad_out * activation_deriv(z)`, then "
         "`grads['W'] = x.T @ dz` `(in, out)`, `grads['b'] = dz.sum(axis=0)` `(out,)`, and returns "
         "`dz @ W.T` `(n, in)` for the layer before. Assign the gradients, never add.",
     ]},
    {"id": "model", "file": "model.py", "title": "SequentialModel",
     "reference": ("nnpy.model", ["SequentialModel.forward", "SequentialModel.backward",
                                   "SequentialModel.predict", "SequentialModel.format_summary"]),
     "explain": [
         "A model is a list of layers: `forward` feeds each layer's output to the next, "
         "`backward` walks them in reverse, each layer handing the gradient it returns to the one "
         "before. `predict` is forward without gradients; `summary` prints the layers and counts "
         "the parameters (`W.size + b.size` per layer).",
         "The model checks use your `DenseLayer` from layers.py and your tanh from activations.py.",
     ]},
    {"id": "trainer", "file": "trainer.py", "title": "Trainer",
     "reference": ("nnpy.trainer", ["Trainer.train_step", "Trainer._next_step", "Trainer.train",
                                     "Trainer.evaluate"]),
     "explain": [
         "One step: `out = model.forward(xb)`, `grad = loss_deriv(yb, out)`, `model.backward(grad)`, "
         "then `param -= lr * grad` for every `W` and `b` — only after every gradient is computed.",
         "An epoch shuffles the data and covers every sample once, in mini-batches of `batch_size` "
         "(the last one may be smaller). `evaluate` returns `(loss, accuracy)`, accuracy a fraction.",
     ]},
    {"id": "saved_models", "file": "saved_models.py", "title": "Saving and loading",
     "reference": ("nnpy.saved_models", ["save_model", "save_model_bytes", "load_model"]),
     "explain": [
         "Save what rebuilds the model: each layer's sizes and activation name (JSON text) and its "
         "`W` and `b` (arrays), with `np.savez`. Load with `np.load(path, allow_pickle=False)`.",
         "Never pickle: loading a pickle runs whatever code it holds, so a model file from someone "
         "else could take over the computer. A file of numbers and text cannot.",
     ]},
    {"id": "inference", "file": "inference.py", "title": "Inference",
     "reference": ("nnpy.inference", ["load", "predict", "Predictor.prepare", "Predictor.predict"]),
     "explain": [
         "Deployment without the training code: `load(path)` rebuilds the saved model, "
         "`predict([5, 7])` answers for one sample (a 1-D row of outputs) or a batch `(n, outputs)`.",
     ]},
]
STEP_IDS = [s["id"] for s in STEPS]
MODULE_NAMES = STEP_IDS          # each step's file is a module of the same name
FILE_NAMES = [s["file"] for s in STEPS]
MAX_FILE_CHARS = 100_000
PROGRESS_FORMAT = "nnpy-workshop-progress"
PROGRESS_VERSION = 1
MAX_PROGRESS_BYTES = 2_000_000
MAX_PROGRESS_DEPTH = 16   # a progress file nests 3 levels (the file, "code", "passed")


class StudentCodeError(Exception):
    """A student's file could not be loaded (a syntax error, an import error, ...)."""

    def __init__(self, file, error):
        self.file = file
        self.error = error
        super().__init__(f"{file}: {error['text']}")


def _step(step_id):
    for s in STEPS:
        if s["id"] == step_id:
            return s
    raise ValueError(f"unknown step {step_id!r}; the steps are {', '.join(STEP_IDS)}")


def _clip(text, limit=300):
    """A line of the student's code or of an error as the page shows it: at most ``limit`` characters."""
    return text if len(text) <= limit else text[:limit] + f"… ({len(text):,} characters)"


def describe_error(exc, files=FILE_NAMES):
    """An exception as the page shows it: the student's own lines only, and the last line.

    ``{"type", "message", "text", "file", "line", "frames": [{"file", "line", "function", "code"}]}``;
    ``file``/``line`` is the deepest frame in the student's files (None if none).
    """
    frames = []
    tb = traceback.extract_tb(exc.__traceback__) if exc.__traceback__ else []
    for fr in tb:
        if fr.filename in files:
            frames.append({"file": fr.filename, "line": fr.lineno, "function": fr.name,
                           "code": _clip((fr.line or "").strip())})
    if isinstance(exc, SyntaxError) and exc.filename in files:
        frames.append({"file": exc.filename, "line": exc.lineno, "function": None,
                       "code": _clip((exc.text or "").strip())})
    last = "".join(traceback.format_exception_only(type(exc), exc)).strip().splitlines()
    last_line = _clip(last[-1]) if last else type(exc).__name__
    lines = []
    for fr in frames:
        where = f'  File "{fr["file"]}", line {fr["line"]}' + (f", in {fr['function']}" if fr["function"] else "")
        lines.append(where)
        if fr["code"]:
            lines.append("    " + fr["code"])
    lines.append(last_line)
    deepest = frames[-1] if frames else None
    return {"type": type(exc).__name__, "message": _clip(str(exc), 2_000), "text": "\n".join(lines),
            "file": deepest["file"] if deepest else None, "line": deepest["line"] if deepest else None,
            "frames": frames}


def load_modules(files, upto=None):
    """The student's files as modules, in the course's order, up to the step ``upto``.

    ``files`` maps a file name (``"layers.py"``) to its text; a missing file is
    ``None`` in the result. Modules are registered in ``sys.modules`` under
    their bare names while they load (so ``import activations`` works between
    them) and removed after, leaving ``sys.modules`` as it was.

    Raises:
        StudentCodeError: a file does not load; ``error`` says where (its own line).
    """
    names = MODULE_NAMES if upto is None else MODULE_NAMES[:MODULE_NAMES.index(upto) + 1]
    ns = types.SimpleNamespace(**{name: None for name in MODULE_NAMES})
    saved = {name: sys.modules.get(name) for name in MODULE_NAMES}
    try:
        for name in MODULE_NAMES:
            sys.modules.pop(name, None)
        for name in names:
            filename = name + ".py"
            source = files.get(filename)
            if source is None:
                continue
            if not isinstance(source, str) or len(source) > MAX_FILE_CHARS:
                raise ValueError(f"{filename} must be text of at most {MAX_FILE_CHARS:,} characters")
            module = types.ModuleType(name)
            module.__file__ = filename
            linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
            sys.modules[name] = module
            try:
                exec(compile(source, filename, "exec"), module.__dict__)
            except Exception as exc:
                raise StudentCodeError(filename, describe_error(exc)) from None
            setattr(ns, name, module)
    finally:
        for name in MODULE_NAMES:
            sys.modules.pop(name, None)
            if saved[name] is not None:
                sys.modules[name] = saved[name]
    return ns


def nnpy_modules():
    """nnpy's own modules under the course's names: the framework every check must pass."""
    import importlib
    return types.SimpleNamespace(**{name: importlib.import_module(f"nnpy.{name}") for name in MODULE_NAMES})


def run_checks(step, m):
    """Every check of ``step`` on the framework ``m``: a list of result dicts for the page."""
    results = []
    for fn in workshop_checks.STEPS[step]:
        result = {"name": fn.__name__, "title": fn.title, "ok": False, "failure": None, "error": None}
        try:
            with np.errstate(all="ignore"):
                fn(m)
            result["ok"] = True
        except workshop_checks.CheckFailed as exc:
            result["failure"] = exc.as_dict()
            result["not_written"] = isinstance(exc, workshop_checks.NotWrittenYet)
            if exc.__cause__ is not None:
                result["error"] = describe_error(exc.__cause__)
        except Exception as exc:   # the student's code raised: show their own line
            result["error"] = describe_error(exc)
        results.append(result)
    return results


def reference_source(step):
    """nnpy's own code for ``step``, read from the installed source (never a copy)."""
    import importlib
    module_name, names = _step(step)["reference"]
    module = importlib.import_module(module_name)
    parts = []
    for name in names:
        obj = module
        try:
            for attr in name.split("."):
                obj = getattr(obj, attr)
            code = textwrap.dedent(inspect.getsource(obj))
        except (AttributeError, OSError, TypeError):
            continue   # moved or renamed in nnpy: show what is there
        parts.append({"name": name, "code": code})
    return {"module": module_name, "file": module.__file__.rsplit("/", 1)[-1] if module.__file__ else None,
            "parts": parts}


# ------------------------------------------------------------------ the pytest file and the zip

PYTEST_FOOTER = '''

# ----------------------------------------------------------------------------- pytest
# Everything above is nnpy's workshop checks, exactly as the page runs them.
# Run `python -m pytest test_my_framework.py` in the folder of your files.

import importlib

import pytest

_ORDER = ["activations", "losses", "layers", "model", "trainer", "saved_models", "inference"]


def _framework(step):
    """Your modules (this step's and the ones before it), imported from this folder."""
    import types
    m = types.SimpleNamespace(**{name: None for name in _ORDER})
    for name in _ORDER[:_ORDER.index(step) + 1]:
        setattr(m, name, importlib.import_module(name))
    return m


@pytest.mark.parametrize("check_fn", [fn for fns in STEPS.values() for fn in fns],
                         ids=[f"{fn.step}-{fn.__name__[6:]}" for fns in STEPS.values() for fn in fns])
def test_my_framework(check_fn):
    check_fn(_framework(check_fn.step))
'''

ZIP_README = """# My neural-network framework

Written step by step in nnpy's workshop (nnpy {version}), one file per part of
the course's map:

    activations.py   relu, sigmoid, tanh, softmax and their derivatives
    losses.py        MSE, binary and softmax cross-entropy and their gradients
    layers.py        DenseLayer: forward and backward
    model.py         SequentialModel: forward, backward, predict, summary
    trainer.py       Trainer: mini-batch gradient descent, evaluate
    saved_models.py  save_model / load_model with NumPy files, never pickle
    inference.py     load a saved model and predict

Check it with the same checks as the page (needs NumPy and pytest):

    python -m pytest test_my_framework.py

Use it:

    from layers import DenseLayer
    from model import SequentialModel
    from trainer import Trainer
    from activations import relu, relu_deriv, sigmoid, sigmoid_deriv
    from losses import binary_cross_entropy, binary_cross_entropy_deriv

    model = SequentialModel([DenseLayer(2, 6, relu, relu_deriv),
                             DenseLayer(6, 1, sigmoid, sigmoid_deriv)])
    trainer = Trainer(model, binary_cross_entropy, binary_cross_entropy_deriv, lr=0.5)
    trainer.train(X, y, epochs=500, batch_size=4)
"""


def checks_source():
    """The check modules' own source as one file: each step module without its import block."""
    here = Path(workshop_checks.__file__).parent
    parts = []
    for name in CHECK_MODULES:
        text = (here / f"{name}.py").read_text(encoding="utf-8")
        if "# workshop-checks: imports" in text:
            head, rest = text.split("# workshop-checks: imports", 1)
            text = rest.split("# workshop-checks: end", 1)[1]
        parts.append(text.strip("\n"))
    return "\n\n\n".join(parts) + "\n"


def pytest_file_text():
    """``test_my_framework.py``: the check modules' own source plus a pytest footer."""
    return checks_source() + PYTEST_FOOTER


def framework_zip(files):
    """A zip of the student's files in the course's map, the pytest file and a README (bytes)."""
    files = _check_files(files)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name in FILE_NAMES:
            text = files.get(name)
            if text is None:
                text = SKELETONS[name[:-3]]
            z.writestr(f"my_framework/{name}", text)
        z.writestr("my_framework/test_my_framework.py", pytest_file_text())
        z.writestr("my_framework/README.md", ZIP_README.format(version=__version__))
    return buf.getvalue()


def _check_files(files):
    if not isinstance(files, dict):
        raise ValueError(f"files must be an object of file name -> text. Received: {type(files).__name__}")
    unknown = sorted(set(files) - set(FILE_NAMES))
    if unknown:
        raise ValueError(f"unknown files: {', '.join(map(str, unknown))}; the files are {', '.join(FILE_NAMES)}")
    for name, text in files.items():
        if text is not None and (not isinstance(text, str) or len(text) > MAX_FILE_CHARS):
            raise ValueError(f"{name} must be text of at most {MAX_FILE_CHARS:,} characters")
    return files


# ------------------------------------------------------------------ progress files

def _short(value, limit=60):
    """``repr(value)`` as a message quotes a name from a file: at most ``limit`` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


def read_progress(text):
    """Check an exported progress file strictly; return ``{"code": {step: text}, "passed": [steps]}``.

    Raises ``ValueError`` naming the first problem. Nothing in the file is run.
    """
    if isinstance(text, (bytes, bytearray, memoryview)):
        if len(text) > MAX_PROGRESS_BYTES:
            raise ValueError(f"the file is over {MAX_PROGRESS_BYTES // 1_000_000} MB: not a progress file")
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError("the file is not UTF-8 text: not a progress file") from None
    if not isinstance(text, str):
        raise ValueError("the file is not text")
    if len(text) > MAX_PROGRESS_BYTES:
        raise ValueError(f"the file is over {MAX_PROGRESS_BYTES // 1_000_000} MB: not a progress file")
    if not text.strip():
        raise ValueError("the file is empty: not a progress file")
    depth = nesting_depth(text.encode("utf-8", "surrogatepass"))   # linear; json.loads recurses per level
    if depth > MAX_PROGRESS_DEPTH:
        raise ValueError(f"the file nests {depth:,} levels deep (a progress file nests {MAX_PROGRESS_DEPTH}): "
                         "not a progress file")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"the file is not JSON (line {exc.lineno}: {exc.msg}): not a progress file") from None
    except ValueError:   # a number of more digits than Python converts
        raise ValueError("the file is not JSON nnpy reads (a number too long): not a progress file") from None
    if not isinstance(data, dict) or data.get("format") != PROGRESS_FORMAT:
        raise ValueError(f"the file is not an nnpy workshop progress file (no \"format\": \"{PROGRESS_FORMAT}\")")
    if type(data.get("version")) is not int or data.get("version") != PROGRESS_VERSION:   # true == 1 in Python
        raise ValueError(f"progress file version {json.dumps(data.get('version'))[:60]} is not one this page reads "
                         f"(version {PROGRESS_VERSION})")
    unknown = sorted(set(data) - {"format", "version", "saved", "nnpy", "code", "passed"})
    if unknown:
        raise ValueError(f"unknown entries in the progress file: {_short(', '.join(unknown))}")
    code = data.get("code")
    if not isinstance(code, dict):
        raise ValueError("the progress file has no \"code\" object")
    out = {}
    for step, source in code.items():
        if step not in STEP_IDS:
            raise ValueError(f"the progress file has code for an unknown step {_short(step)}")
        if not isinstance(source, str):
            raise ValueError(f"the code of step {_short(step)} is not text")
        if len(source) > MAX_FILE_CHARS:
            raise ValueError(f"the code of step {_short(step)} is over {MAX_FILE_CHARS:,} characters")
        out[step] = source
    passed = data.get("passed", [])
    if not isinstance(passed, list) or not all(p in STEP_IDS for p in passed):
        raise ValueError("\"passed\" must be a list of step names")
    return {"code": out, "passed": [s for s in STEP_IDS if s in passed]}


class Workshop:
    """The workshop page's engine (see the module docstring)."""

    def info(self):
        return {"nnpy": __version__, "numpy": np.__version__, "python": sys.version.split()[0]}

    def steps(self):
        """Every step: id, file, title, explanation, skeleton, check titles."""
        return [{"id": s["id"], "file": s["file"], "title": s["title"], "explain": s["explain"],
                 "skeleton": SKELETONS[s["id"]],
                 "checks": [fn.title for fn in workshop_checks.STEPS[s["id"]]]} for s in STEPS]

    def check(self, step, files):
        """Run ``step``'s checks on the student's ``files`` ({file name: text}).

        Returns ``{"step", "passed", "results": [...], "load_error": None | {file, error}}``.
        """
        _step(step)
        files = _check_files(files)
        try:
            m = load_modules(files, upto=step)
        except StudentCodeError as exc:
            return {"step": step, "passed": False, "results": [],
                    "load_error": {"file": exc.file, "step": exc.file[:-3], "error": exc.error}}
        results = run_checks(step, m)
        return {"step": step, "passed": all(r["ok"] for r in results), "results": results,
                "load_error": None}

    def reference(self, step):
        return reference_source(step)

    def answers(self, steps):
        """Model answers for ``steps`` (a teacher's link pre-fills them): {step: text}."""
        from .workshop_solutions import SOLUTIONS
        for step in steps:
            _step(step)
        return {step: SOLUTIONS[f"{step}.py"] for step in steps}

    def download(self, files):
        return {"data": framework_zip(files), "filename": "my_framework.zip"}

    def read_progress(self, data):
        return read_progress(data)
