"""The playground's engine seam: train on a student's own framework (the workshop's files).

:class:`~nnpy.browser.playground.Playground` builds its model and trainer with
nnpy by default. ``Playground.use_framework(files)`` hands it a
:class:`StudentFramework` instead: the student's ``activations``, ``losses``,
``layers``, ``model`` and ``trainer`` modules, used only through the course's
API (the one the workshop checks). Thin views give the playground what it
reads of a model (layers with ``params`` and an activation, every weight as
one vector) and of a trainer (epochs, the loss), so every view of the page
works the same on the student's code.

What the course's API has, the page uses: SGD with the student's update, the
student's activations (tanh, relu, sigmoid; linear is a layer without one),
losses and mini-batches. What it has not (momentum, Adam, L1/L2, leaky ReLU)
is refused with a message. A student's function that raises, or returns the
wrong shape, becomes :class:`StudentCodeFailed`, naming the function, its
file and line and the error, so the page can lead back to that step.
"""

import math

import numpy as np

from .health import lower_rate
from .workshop import FILE_NAMES, STEPS, describe_error, load_modules, run_checks, StudentCodeError

FRAMEWORK_FILES = ["activations.py", "losses.py", "layers.py", "model.py", "trainer.py"]
ACTIVATIONS = ("tanh", "relu", "sigmoid", "linear")


class StudentCodeFailed(Exception):
    """A student's function failed; ``details`` is plain data for the page."""

    def __init__(self, function, error, step=None):
        self.details = {"function": function, "step": step or (error.get("file") or "")[:-3] or None,
                        "file": error.get("file"), "line": error.get("line"), "error": error}
        where = f" ({error['file']}, line {error['line']})" if error.get("file") else ""
        last = (error.get("text") or "").splitlines()[-1] if error.get("text") else error.get("message", "")
        super().__init__(f"your {function}{where} failed: {last}")


def _qualname(exc, fallback):
    """The deepest function of the student's files in ``exc``'s traceback, as Class.method."""
    tb, name = exc.__traceback__, None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename in FILE_NAMES:
            code = tb.tb_frame.f_code
            name = getattr(code, "co_qualname", code.co_name)
        tb = tb.tb_next
    return name or fallback


def student(function, step, fn, *args, **kwargs):
    """Run the student's ``fn``; any exception becomes :class:`StudentCodeFailed` naming it."""
    try:
        with np.errstate(all="ignore"):
            return fn(*args, **kwargs)
    except StudentCodeFailed:
        raise
    except Exception as exc:
        error = describe_error(exc)
        name = _qualname(exc, function)
        raise StudentCodeFailed(name, error, None if error.get("file") else step) from None


def _result(function, step, value, shape):
    """``value`` as a float array of ``shape``, or a failure saying what came back."""
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        arr = None
    if arr is None or arr.shape != tuple(shape):
        got = "None" if value is None else (f"shape {arr.shape}" if arr is not None else type(value).__name__)
        raise StudentCodeFailed(function, {"type": "ValueError", "message": "", "file": None, "line": None,
                                           "text": f"returned {got}; the playground needs shape {tuple(shape)}",
                                           "frames": []}, step)
    return arr


class _ActivationView:
    def __init__(self, name, fn):
        self.name = name
        self._fn = fn

    def forward(self, z):
        if self._fn is None:
            return z
        return _result(f"{self.name}", "activations", student(self.name, "activations", self._fn, z), z.shape)


class _LayerView:
    """What the playground reads of a layer: ``params``, sizes, an activation to draw with."""

    def __init__(self, layer, activation):
        self.layer = layer
        self.activation = activation
        W = np.asarray(layer.params["W"])
        self.in_features, self.out_features = W.shape
        self.last_preactivation = None   # the output layer's logits (softmax output), set by the model

    @property
    def params(self):
        return self.layer.params

    @property
    def grads(self):
        """The student's layer's ``grads`` dict (the gradient-health chart reads ``grads["W"]``)."""
        return self.layer.grads


class _Flat:
    """Every W and b, in layer order, as one vector: ``copy()`` reads it, ``[...] = v`` writes it back."""

    def __init__(self, layers):
        self.layers = layers

    def _arrays(self):
        return [layer.params[k] for layer in self.layers for k in ("W", "b")]

    def copy(self):
        return np.concatenate([np.asarray(a, dtype=np.float64).ravel() for a in self._arrays()])

    @property
    def size(self):
        return sum(np.asarray(a).size for a in self._arrays())

    def __setitem__(self, key, value):
        if key is not Ellipsis:
            raise TypeError("only flat[...] = vector is supported")
        value = np.asarray(value, dtype=np.float64).ravel()
        offset = 0
        for layer in self.layers:
            for k in ("W", "b"):
                arr = layer.params[k]
                n = np.asarray(arr).size
                arr[...] = value[offset:offset + n].reshape(np.shape(arr))
                offset += n


class _ModelView:
    """The student's SequentialModel as the playground reads a model."""

    dtype = np.dtype(np.float64)

    def __init__(self, model, layers, output):
        self.student = model
        self.layers = layers            # _LayerView per layer
        self.output = output            # "probability" (sigmoid), "softmax" or "linear"

    def forward(self, x, logits=False):
        n = np.shape(x)[0]
        out = _result("SequentialModel.forward", "model",
                      student("SequentialModel.forward", "model", self.student.forward, np.asarray(x, float)),
                      (n, self.layers[-1].out_features))
        if self.output == "softmax":
            self.layers[-1].last_preactivation = out
            return out if logits else self.layers[-1].activation.forward(out)
        return out

    def predict(self, x, batch_size=None):
        return self.forward(x)

    @property
    def flat_parameters(self):
        return _Flat([view.layer for view in self.layers]), None

    def count_params(self):
        return int(self.flat_parameters[0].size)

    @property
    def input_size(self):
        return self.layers[0].in_features

    @property
    def output_size(self):
        return self.layers[-1].out_features


class _LossView:
    def __init__(self, name, fn, is_classification):
        self.name = name
        self._fn = fn
        self.is_classification = is_classification

    def forward(self, y_true, y_pred):
        return float(_result(self.name, "losses", student(self.name, "losses", self._fn, y_true, y_pred), ()))

    def loss_and_grad_from_logits(self, y_true, z, need_grad=False):
        return self.forward(y_true, z), None


class _TrainerView:
    """The student's Trainer, trained one epoch per call, as the playground reads a trainer."""

    def __init__(self, trainer, model_view, loss, batch_size, lr):
        self.student = trainer
        self.model = model_view
        self.loss = loss
        self.batch_size = batch_size
        self.epoch = 0
        self.step_count = 0
        self.logits = model_view.output == "softmax"   # the loss takes the logits (softmax output)
        self.fused = self.logits                        # its former name
        self._data = None
        self.lr = lr

    @property
    def lr(self):
        return self.student.lr

    @lr.setter
    def lr(self, value):
        self.student.lr = float(value)

    def prepare(self, X, y):
        X = np.asarray(X, dtype=np.float64)
        k = self.model.output_size
        y = np.asarray(y)
        if self.model.output == "softmax":
            Y = np.eye(k)[y.astype(np.int64).reshape(-1)]
        else:
            Y = y.reshape(len(y), -1).astype(np.float64)
        return X, Y

    def set_data(self, X, y):
        self._data = self.prepare(X, y)

    def train_epochs(self, epochs=1):
        from ..trainer import TrainingDiverged
        X, Y = self._data
        for _ in range(int(epochs)):
            student("Trainer.train", "trainer", self.student.train, X, Y, epochs=1, batch_size=self.batch_size)
            self.epoch += 1
            self.step_count += math.ceil(len(X) / self.batch_size)
            flat = self.model.flat_parameters[0].copy()
            if not np.all(np.isfinite(flat)):
                raise TrainingDiverged(f"Training diverged in epoch {self.epoch}: your weights are not finite numbers.")


def diverged_report(framework, failed_epoch, lr, choices=()):
    """The page's report (see :mod:`nnpy.browser.health`) when training on the student's framework
    made the weights non-finite (NaN or inf) in epoch ``failed_epoch``.

    Whose fault: the workshop's checks of the pieces the playground runs (activations, losses,
    layers, model, trainer; about 0.1 s, run only now) decide. A check that fails is a bug in the
    student's code: the report names its step and check and leads there (``"workshop"``: the step,
    as for a function that raised), and offers no learning rate, which would not fix it. When every
    check passes, the code does what the course asks and the learning rate ``lr`` is too high: the
    way back is fresh weights at a lower rate (``"fresh"``; these weights are NaN, so going on from
    them, nnpy's "lower", cannot work). Either way "reset" puts the starting weights back.
    """
    head = f"Training stopped in epoch {failed_epoch}: your weights are no longer finite numbers (NaN or inf)."
    for step in FRAMEWORK_FILES:
        step = step[:-3]
        failed = next((r for r in run_checks(step, framework.m) if not r["ok"]), None)
        if failed is None:
            continue
        title = next(s["title"] for s in STEPS if s["id"] == step)
        why = (failed["failure"]["summary"] if failed["failure"]
               else ((failed["error"] or {}).get("text") or "it raised an error.").splitlines()[-1])
        return {"kind": "diverged", "epoch": None, "failed_epoch": failed_epoch, "actions": ["reset"], "lower": lr,
                "workshop": {"function": None, "step": step, "file": f"{step}.py", "line": None,
                             "check": failed["title"], "error": None},
                "message": f"{head} The cause is in your code: it fails the workshop's check "
                           f"\u201c{failed['title']}\u201d ({title}, {step}.py): {why} A lower learning rate "
                           "would not fix it. Fix it in the workshop, or reset the network."}
    lower = lower_rate(lr, choices)
    return {"kind": "diverged", "epoch": None, "failed_epoch": failed_epoch, "actions": ["fresh", "reset"],
            "lower": lower,
            "message": f"{head} Your framework passes every workshop check, so the learning rate of {lr:g} is "
                       f"too high for this network. Start again from fresh weights at a rate of {lower:g}, "
                       "or reset the network."}


class StudentFramework:
    """A student's modules, used through the course's API only."""

    def __init__(self, modules):
        self.m = modules
        missing = [f for f in FRAMEWORK_FILES if getattr(modules, f[:-3]) is None]
        if missing:
            raise ValueError(f"Your framework needs {', '.join(missing)} from the workshop.")

    @classmethod
    def from_files(cls, files):
        """Load the student's files (text) as modules; a file that does not load raises StudentCodeFailed."""
        try:
            modules = load_modules(files, upto="trainer")
        except StudentCodeError as exc:
            raise StudentCodeFailed(f"{exc.file} (loading it)", exc.error, exc.file[:-3]) from None
        return cls(modules)

    def activation(self, name):
        if name not in ACTIVATIONS:
            raise ValueError(f"The course's activations are {', '.join(ACTIVATIONS)}; "
                             f"your framework has no {name}. Choose another one for this layer.")
        if name == "linear":
            return None, None
        fn = getattr(self.m.activations, name, None)
        deriv = getattr(self.m.activations, name + "_deriv", None)
        if fn is None or deriv is None:
            raise ValueError(f"Your activations.py has no {name} and {name}_deriv.")
        return fn, deriv

    def build(self, sizes, activations, output, seed):
        """A model of the student's DenseLayers; ``output`` is "sigmoid", "softmax" or "linear"."""
        rng = np.random.default_rng(seed)
        views, layers = [], []
        for i, name in enumerate(activations + [None]):
            last = i == len(activations)
            if last:
                fn, deriv = self.activation("sigmoid") if output == "sigmoid" else (None, None)
                shown = _ActivationView(output, self.m.activations.softmax if output == "softmax" else fn)
            else:
                fn, deriv = self.activation(name)
                shown = _ActivationView(name, fn)
            layer = student("DenseLayer", "layers", self.m.layers.DenseLayer, sizes[i], sizes[i + 1], fn, deriv,
                            seed=int(rng.integers(2**31)))
            params = getattr(layer, "params", None)
            if not isinstance(params, dict) or "W" not in params or "b" not in params:
                raise StudentCodeFailed("DenseLayer.__init__", {"text": "it sets no self.params = {'W': ..., 'b': ...}",
                                                                "file": None, "line": None, "frames": []}, "layers")
            _result("DenseLayer.__init__ (W)", "layers", params["W"], (sizes[i], sizes[i + 1]))
            layers.append(layer)
            views.append(_LayerView(layer, shown))
        model = student("SequentialModel", "model", self.m.model.SequentialModel, layers)
        return _ModelView(model, views, "probability" if output == "sigmoid" else output)

    def trainer(self, model_view, loss_name, lr, batch_size, seed):
        names = {"binary_cross_entropy": "binary_cross_entropy", "softmax_cross_entropy": "softmax_cross_entropy",
                 "mse": "mse"}
        fn = getattr(self.m.losses, names[loss_name], None)
        deriv = getattr(self.m.losses, names[loss_name] + "_deriv", None)
        if fn is None or deriv is None:
            raise ValueError(f"Your losses.py has no {loss_name} and {loss_name}_deriv.")
        cls = self.m.trainer.Trainer
        try:
            trainer = student("Trainer", "trainer", cls, model_view.student, fn, deriv, lr=lr, seed=seed)
        except StudentCodeFailed as exc:
            if "seed" not in str(exc):
                raise
            trainer = student("Trainer", "trainer", cls, model_view.student, fn, deriv, lr=lr)
        return _TrainerView(trainer, model_view, _LossView(loss_name, fn, loss_name != "mse"), batch_size, lr)
