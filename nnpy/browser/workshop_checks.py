"""The workshop's checks: does a student's framework do what the course's map says?

One source for two runners: the workshop page runs these checks on the
student's code in Pyodide (through :mod:`nnpy.browser.workshop`), and the
downloadable ``test_my_framework.py`` is this very file with a pytest footer.
So this module imports NumPy and the standard library only, and never nnpy.

A check is a function of ``m``, a namespace holding the framework's modules
(``m.activations``, ``m.losses``, ``m.layers``, ``m.model``, ``m.trainer``,
``m.saved_models``, ``m.inference``): the student's, or nnpy's own, which must
pass every check. A check returns when the code is right and raises
:class:`CheckFailed` when it is not, with a message naming the problem, the
input, what was expected and what came back, and a hint. Where a known
mistake explains the answer (``sigmoid_deriv`` applied to the activation
twice, a bias gradient not summed over the batch, ...) the message names it.
Gradients are checked against central differences
(``(f(x + h) - f(x - h)) / 2h``, float64, ``h = 1e-6``).
"""

import io
import os
import tempfile
import contextlib

import numpy as np

STEPS = {}   # step id -> [check functions], in the course's order
RTOL, ATOL = 1e-4, 1e-6


class CheckFailed(AssertionError):
    """A check's verdict: ``summary`` names the problem; ``rows`` are (label, text) pairs."""

    def __init__(self, summary, rows=(), hint=None, gradient=None):
        self.summary = summary
        self.rows = list(rows)
        self.hint = hint
        self.gradient = gradient   # {"name", "numeric", "yours"} as text, shown side by side
        super().__init__(self.text())

    def text(self):
        lines = [self.summary]
        for label, value in self.rows:
            body = str(value).replace("\n", "\n" + " " * 14)
            lines.append(f"  {label + ':':<11} {body}")
        if self.gradient:
            lines.append(f"  {self.gradient['name']}, numeric (central differences) vs yours:")
            lines.append(_side_by_side(self.gradient["numeric"], self.gradient["yours"]))
        if self.hint:
            lines.append("Hint: " + self.hint)
        return "\n".join(lines)

    def as_dict(self):
        return {"summary": self.summary, "rows": [list(r) for r in self.rows],
                "hint": self.hint, "gradient": self.gradient, "text": self.text()}


class NotWrittenYet(CheckFailed):
    """The function still raises the skeleton's ``NotImplementedError``."""


def check(step, title):
    """Register ``fn(m)`` as a check of ``step``, shown as ``title``."""
    def register(fn):
        fn.step, fn.title = step, title
        STEPS.setdefault(step, []).append(fn)
        return fn
    return register


# ----------------------------------------------------------------------------- helpers

def fmt(a):
    """An array (or anything) as short readable text."""
    if isinstance(a, np.ndarray) or isinstance(a, (list, tuple)):
        try:
            arr = np.asarray(a, dtype=float)
        except (TypeError, ValueError):
            return repr(a)
        return np.array2string(arr, precision=4, suppress_small=True, max_line_width=72,
                               threshold=40, edgeitems=3)
    if isinstance(a, float):
        return f"{a:.6g}"
    return repr(a)


def _side_by_side(numeric, yours):
    left, right = numeric.splitlines(), yours.splitlines()
    width = max([len(x) for x in left] + [10])
    n = max(len(left), len(right))
    left += [""] * (n - len(left))
    right += [""] * (n - len(right))
    head = f"    {'numeric':<{width}}   yours"
    return "\n".join([head] + [f"    {a:<{width}}   {b}" for a, b in zip(left, right)])


def need(module, name, kind="function"):
    """``module.name``, or a failure saying it is missing."""
    if module is None:
        raise CheckFailed(f"The file for this step is missing, so {name} cannot be checked.")
    value = getattr(module, name, None)
    if value is None:
        file = getattr(module, "__name__", "the module").split(".")[-1] + ".py"
        raise CheckFailed(f"{file} has no {kind} named {name}.",
                          hint=f"Define {name} at the top level of {file}, with this exact name.")
    return value


def call(what, fn, *args, **kwargs):
    """``fn(*args)``; the skeleton's ``NotImplementedError`` becomes a "not written yet" failure."""
    try:
        return fn(*args, **kwargs)
    except NotImplementedError as exc:
        todo = str(exc).strip()
        raise NotWrittenYet(f"{what} is not written yet" + (f": {todo}" if todo else "."),
                            hint="Replace the TODO (the `raise NotImplementedError` line) "
                                 "with your code, then Check again.") from None


def array(got, what, shape=None, rows=(), hint=None):
    """``got`` as a float array, or a failure naming what came back instead."""
    if got is None:
        raise CheckFailed(f"{what} returned None.", rows,
                          hint="Is a `return` missing at the end of the function?")
    try:
        arr = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        raise CheckFailed(f"{what} returned {type(got).__name__} {got!r:.80}, not numbers.", rows) from None
    if shape is not None and arr.shape != tuple(shape):
        raise CheckFailed(f"{what} returned shape {arr.shape}; expected shape {tuple(shape)}.",
                          list(rows) + [("got", fmt(arr))], hint=hint)
    return arr


def number(got, what, rows=()):
    arr = array(got, what, rows=rows)
    if arr.size != 1:
        raise CheckFailed(f"{what} returned an array of shape {arr.shape}; expected one number "
                          "(the mean over the batch).", list(rows) + [("got", fmt(arr))],
                          hint="Average with np.mean (or divide a sum by the batch size).")
    return float(arr.reshape(-1)[0])


def close(a, b, rtol=RTOL, atol=ATOL):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return a.shape == b.shape and bool(np.all(np.isfinite(a))) and np.allclose(a, b, rtol=rtol, atol=atol)


def expect(got, expected, what, rows, mistakes=(), hint=None):
    """Fail unless ``got`` equals ``expected``; ``mistakes`` are (wrong answer, name of the mistake, hint)."""
    got = np.asarray(got, float)
    if close(got, expected):
        return
    rows = list(rows) + [("expected", fmt(expected)), ("got", fmt(got))]
    if got.shape == np.shape(expected) and not np.all(np.isfinite(got)):
        raise CheckFailed(f"{what} gave NaN or infinite values.", rows, hint=hint)
    for wrong, name, why in mistakes:
        try:
            wrong = wrong() if callable(wrong) else wrong
        except (ArithmeticError, ValueError):
            continue
        if wrong is not None and close(got, wrong):
            raise CheckFailed(f"{what} is wrong: {name}.", rows, hint=why)
    raise CheckFailed(f"{what} is wrong.", rows, hint=hint)


def numeric_grad(f, x, h=1e-6):
    """Central differences of the scalar ``f()`` with respect to every element of ``x`` (in place)."""
    grad = np.zeros_like(x, dtype=float)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + h
        up = f()
        x[idx] = old - h
        down = f()
        x[idx] = old
        grad[idx] = (up - down) / (2 * h)
    return grad


def expect_grad(yours, numeric, what, rows=(), mistakes=(), hint=None):
    """Fail unless the gradient ``yours`` matches central differences, showing both."""
    yours = array(yours, what, rows=rows)
    if yours.shape != numeric.shape:
        raise CheckFailed(f"{what} has shape {yours.shape}; expected {numeric.shape}, "
                          "the shape of what it is the gradient of.", rows, hint=hint)
    if close(yours, numeric, rtol=1e-4, atol=1e-5):
        return
    for wrong, name, why in mistakes:
        try:
            wrong = wrong() if callable(wrong) else wrong
        except (ArithmeticError, ValueError):
            continue
        if wrong is not None and close(yours, wrong, rtol=1e-4, atol=1e-5):
            raise CheckFailed(f"{what} is wrong: {name}.", rows, hint=why,
                              gradient={"name": what, "numeric": fmt(numeric), "yours": fmt(yours)})
    raise CheckFailed(f"{what} does not match the numeric gradient.", rows, hint=hint,
                      gradient={"name": what, "numeric": fmt(numeric), "yours": fmt(yours)})


def _sig(z):
    return 1.0 / (1.0 + np.exp(-np.clip(z, -500, 500)))


def _softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


Z = np.array([[-2.0, -0.5, 0.3, 1.5], [3.0, -1.2, 0.7, -4.0]])   # avoids the kink at 0


def _elementwise(m, name, expected, mistakes, hint, z=Z):
    fn = need(m.activations, name)
    zin = z.copy()
    got = array(call(f"{name}(z)", fn, zin), f"{name}(z)", shape=z.shape, rows=[("input z", fmt(z))],
                hint="An elementwise function returns an array of z's shape. (np.max(z, 0) reduces "
                     "along an axis; np.maximum(z, 0) compares elementwise.)")
    if not np.array_equal(zin, z):
        raise CheckFailed(f"{name}(z) changed its input z in place.", [("input z", fmt(z)),
                          ("z after", fmt(zin))],
                          hint="Compute a new array (np.maximum(z, 0), np.where, ...) instead of "
                               "assigning into z: the layer still needs z for backward.")
    expect(got, expected, f"{name}(z)", [("input z", fmt(z))], mistakes, hint)


def _derivative(m, name, expected, mistakes, hint, z=Z):
    fn, deriv = need(m.activations, name), need(m.activations, name + "_deriv")
    got = array(call(f"{name}_deriv(z)", deriv, z.copy()), f"{name}_deriv(z)", shape=z.shape,
                rows=[("input z", fmt(z))])
    h = 1e-6
    f = lambda x: np.asarray(call(f"{name}(z)", fn, x), float)
    numeric = (f(z + h) - f(z - h)) / (2 * h)
    expect_grad(got, numeric, f"{name}_deriv(z)", [("input z", fmt(z))], mistakes, hint)
    if not close(got, expected):   # consistent with a wrong forward: name the reference
        raise CheckFailed(f"{name}_deriv(z) matches your {name}, but {name} itself is wrong: "
                          f"fix {name} first.", [("input z", fmt(z)), ("expected", fmt(expected)),
                                                 ("got", fmt(got))])


# ----------------------------------------------------------------------------- activations

@check("activations", "relu(z) = max(0, z), elementwise")
def check_relu(m):
    z = Z
    _elementwise(m, "relu", np.maximum(z, 0), [
        ((z > 0).astype(float), "it returns the mask z > 0 (that is relu_deriv), not the values",
         "relu keeps the positive values themselves: np.maximum(z, 0)."),
        (np.abs(z), "it returns |z|: negative inputs must become 0", "np.maximum(z, 0)."),
        (np.minimum(z, 0), "it keeps the negative part", "np.maximum, not np.minimum."),
    ], "relu(z) is z where z > 0, else 0: np.maximum(z, 0).")
    fn = m.activations.relu
    got = np.asarray(call("relu(z)", fn, np.array([[1.0, -1.0, 2.0]])))
    if got.shape != (1, 3):
        raise CheckFailed(f"relu(z) changed the shape: (1, 3) in, {got.shape} out.",
                          hint="np.max(z, 0) reduces along axis 0; np.maximum(z, 0) compares "
                               "elementwise.")


@check("activations", "relu_deriv(z): 1 where z > 0, else 0")
def check_relu_deriv(m):
    z = Z
    _derivative(m, "relu", (z > 0).astype(float), [
        (lambda: np.maximum(z, 0), "it returns relu(z) itself, not its derivative",
         "The slope of relu is 1 where z > 0 and 0 elsewhere: (z > 0).astype(float)."),
        (np.ones_like(z), "it is 1 everywhere: the slope is 0 for negative z", "(z > 0).astype(float)."),
        (lambda: (z < 0).astype(float), "the comparison is the wrong way round", "(z > 0)."),
    ], "relu's slope: 1 where z > 0, else 0.")


@check("activations", "sigmoid(z) = 1 / (1 + exp(-z))")
def check_sigmoid(m):
    z = Z
    _elementwise(m, "sigmoid", _sig(z), [
        (lambda: _sig(-z), "the sign is flipped: exp(z) instead of exp(-z)", "1 / (1 + np.exp(-z))."),
        (lambda: 1.0 + np.exp(-z), "the brackets are missing: 1 / 1 + exp(-z) is 1 + exp(-z)",
         "Write 1 / (1 + np.exp(-z)) with the brackets."),
        (lambda: np.exp(-z) / (1.0 + np.exp(-z)), "that is 1 - sigmoid(z)", "1 / (1 + np.exp(-z))."),
    ], "sigmoid(z) = 1 / (1 + exp(-z)), between 0 and 1.")
    big = np.array([[-800.0, 800.0]])
    with np.errstate(all="ignore"):
        got = array(call("sigmoid(z)", m.activations.sigmoid, big.copy()), "sigmoid(z)")
    expect(got, np.array([[0.0, 1.0]]), "sigmoid(z) for large |z|", [("input z", fmt(big))],
           hint="Large |z| must give 0 and 1, not NaN. np.exp(-z) overflows to inf for z = -800, "
                "and 1 / (1 + inf) is 0, which is fine; NaN comes from inf / inf.")


@check("activations", "sigmoid_deriv(z) = s (1 - s), s = sigmoid(z)")
def check_sigmoid_deriv(m):
    z, s = Z, _sig(Z)
    _derivative(m, "sigmoid", s * (1 - s), [
        (lambda: _sig(s) * (1 - _sig(s)), "sigmoid is applied twice: the argument z is the "
         "pre-activation, and sigmoid(sigmoid(z)) is not s",
         "sigmoid_deriv takes z (the layer's x @ W + b): compute s = sigmoid(z) once, return s * (1 - s)."),
        (lambda: z * (1 - z), "it treats z as the activation: z * (1 - z) is the formula for s",
         "The argument is z, the pre-activation: s = sigmoid(z), then s * (1 - s)."),
        (lambda: s, "it returns sigmoid(z) itself", "The derivative is s * (1 - s)."),
        (lambda: s * (1 + s), "the sign inside is wrong: s * (1 + s)", "s * (1 - s)."),
    ], "d sigmoid / dz = s * (1 - s) with s = sigmoid(z).")


@check("activations", "tanh(z)")
def check_tanh(m):
    z = Z
    _elementwise(m, "tanh", np.tanh(z), [
        (lambda: _sig(z), "that is sigmoid, not tanh", "np.tanh(z)."),
        (lambda: 2 * _sig(z), "2 sigmoid(z) is missing the - 1", "tanh(z) = 2 sigmoid(2z) - 1, or np.tanh(z)."),
        (lambda: np.tanh(np.tanh(z)), "tanh is applied twice", "np.tanh(z), once."),
    ], "tanh(z), between -1 and 1: np.tanh(z).")


@check("activations", "tanh_deriv(z) = 1 - tanh(z)^2")
def check_tanh_deriv(m):
    z, t = Z, np.tanh(Z)
    _derivative(m, "tanh", 1 - t ** 2, [
        (lambda: 1 - t, "the square is missing: 1 - tanh(z)", "1 - np.tanh(z) ** 2."),
        (lambda: 1 - z ** 2, "it treats z as the activation: 1 - z**2 is the formula for a = tanh(z)",
         "The argument is z: t = np.tanh(z), then 1 - t ** 2."),
        (lambda: 1 - np.tanh(t) ** 2, "tanh is applied twice", "t = np.tanh(z) once, then 1 - t ** 2."),
    ], "d tanh / dz = 1 - tanh(z)^2.")


@check("activations", "softmax(z): each row into probabilities, shifted by its maximum")
def check_softmax(m):
    fn = need(m.activations, "softmax")
    z = np.array([[1.0, 2.0, 3.0], [0.5, 0.5, -1.0]])
    rows = [("input z", fmt(z))]
    got = array(call("softmax(z)", fn, z.copy()), "softmax(z)", shape=z.shape, rows=rows)
    e = np.exp(z)
    es = np.exp(z - z.max(axis=1, keepdims=True))   # the same mistakes after the max shift
    expect(got, _softmax(z), "softmax(z)", rows, [
        (lambda: es / es.sum(), "it normalises over the whole batch instead of each row",
         "Sum each row: np.sum(e, axis=1, keepdims=True)."),
        (lambda: es / es.sum(axis=0, keepdims=True), "it normalises each column instead of each row",
         "A row is one sample: sum over axis=1 (keepdims=True, so it broadcasts)."),
        (lambda: e / e.sum(), "it normalises over the whole batch instead of each row",
         "Sum each row: np.sum(e, axis=1, keepdims=True)."),
        (lambda: e / e.sum(axis=0, keepdims=True), "it normalises each column instead of each row",
         "A row is one sample: sum over axis=1 (keepdims=True, so it broadcasts)."),
        (lambda: e, "the exponentials are not divided by their row's sum", "e / e.sum(axis=1, keepdims=True)."),
    ], "softmax(z)[i] = exp(z[i]) / sum_j exp(z[i, j]), row by row; rows sum to 1.")
    big = np.array([[1000.0, 1001.0, 1002.0], [-1000.0, 0.0, 1000.0]])
    with np.errstate(all="ignore"):
        got = array(call("softmax(z)", fn, big.copy()), "softmax(z)", shape=big.shape)
    if not np.all(np.isfinite(got)):
        raise CheckFailed("softmax(z) overflows for large logits: exp(1000) is inf, and inf / inf is NaN.",
                          [("input z", fmt(big)), ("expected", fmt(_softmax(big))), ("got", fmt(got))],
                          hint="Subtract each row's maximum first: z - z.max(axis=1, keepdims=True). "
                               "It does not change the result and the largest exponent becomes exp(0) = 1.")
    expect(got, _softmax(big), "softmax(z) for large logits", [("input z", fmt(big))])


# ----------------------------------------------------------------------------- losses

YT = np.array([[1.0], [0.0], [1.0], [0.0]])
YP = np.array([[0.9], [0.2], [0.4], [0.6]])


def _loss_value(m, name, y_true, y_pred, expected, mistakes, hint):
    fn = need(m.losses, name)
    rows = [("y_true", fmt(y_true)), ("y_pred", fmt(y_pred))]
    with np.errstate(all="ignore"):
        got = number(call(f"{name}(y_true, y_pred)", fn, y_true.copy(), y_pred.copy()),
                     f"{name}(y_true, y_pred)", rows)
    expect(got, expected, f"{name}(y_true, y_pred)", rows, mistakes, hint)


def _loss_grad(m, name, y_true, y_pred, mistakes, hint):
    fn, deriv = need(m.losses, name), need(m.losses, name + "_deriv")
    rows = [("y_true", fmt(y_true)), ("y_pred", fmt(y_pred))]
    got = array(call(f"{name}_deriv(y_true, y_pred)", deriv, y_true.copy(), y_pred.copy()),
                f"{name}_deriv(y_true, y_pred)", rows=rows)
    x = y_pred.copy()
    numeric = numeric_grad(lambda: float(np.asarray(call(name, fn, y_true, x.copy()), float)), x)
    expect_grad(got, numeric, f"{name}_deriv(y_true, y_pred)", rows, mistakes, hint)


@check("losses", "mse: the mean of the squared errors")
def check_mse(m):
    d = YP - YT
    _loss_value(m, "mse", YT, YP, np.mean(d ** 2), [
        (np.sum(d ** 2), "the loss is not averaged over the batch (a sum)",
         "Use np.mean: a loss that grows with the batch size needs a different learning rate for every batch."),
        (np.mean(np.abs(d)), "the errors are not squared (that is the mean absolute error)", "np.mean((y_pred - y_true) ** 2)."),
        (np.mean(d) ** 2, "it squares the mean error instead of averaging the squared errors",
         "Square first, then average: np.mean((y_pred - y_true) ** 2)."),
    ], "mse = mean((y_pred - y_true)^2) over every element.")


@check("losses", "mse_deriv: dL/dy_pred = 2 (y_pred - y_true) / n")
def check_mse_deriv(m):
    d, n = YP - YT, YP.size
    _loss_grad(m, "mse", YT, YP, [
        (2 * d, "it is not divided by the batch size, as the loss is averaged",
         "The loss is a mean over n elements, so each element's gradient carries 1/n: 2 * (y_pred - y_true) / n."),
        (d / n, "the factor 2 from the square is missing", "d/dp (p - y)^2 = 2 (p - y)."),
        (-2 * d / n, "the sign is flipped (y_true - y_pred)", "2 * (y_pred - y_true) / n."),
    ], "Differentiate mean((p - y)^2) with respect to each p: 2 (p - y) / n.")


@check("losses", "binary_cross_entropy of probabilities p")
def check_bce(m):
    p, y = YP, YT
    v = -(y * np.log(p) + (1 - y) * np.log(1 - p))
    _loss_value(m, "binary_cross_entropy", y, p, np.mean(v), [
        (np.sum(v), "the loss is not averaged over the batch (a sum)", "Use np.mean over the batch."),
        (-np.mean(v), "the sign is missing: the log of a probability is negative",
         "loss = -mean(y log p + (1 - y) log(1 - p))."),
        (np.mean(-y * np.log(p)), "the (1 - y) log(1 - p) term for class 0 is missing",
         "Both terms: -mean(y log p + (1 - y) log(1 - p))."),
    ], "loss = -mean(y log p + (1 - y) log(1 - p)).")
    fn = m.losses.binary_cross_entropy
    edge_y, edge_p = np.array([[1.0], [0.0]]), np.array([[1.0], [0.0]])
    with np.errstate(all="ignore"):
        got = number(call("binary_cross_entropy", fn, edge_y, edge_p.copy()), "binary_cross_entropy")
    if not np.isfinite(got) or abs(got) > 1e-6:
        raise CheckFailed("binary_cross_entropy gives NaN or inf when p is exactly 0 or 1.",
                          [("y_true", fmt(edge_y)), ("y_pred", fmt(edge_p)), ("expected", "0 (both right)"),
                           ("got", fmt(got))],
                          hint="0 * log(0) is NaN in NumPy: clip p first, p = np.clip(p, 1e-12, 1 - 1e-12).")


@check("losses", "binary_cross_entropy_deriv: dL/dp")
def check_bce_deriv(m):
    p, y, n = YP, YT, YP.size
    _loss_grad(m, "binary_cross_entropy", y, p, [
        ((p - y) / (p * (1 - p)), "it is not divided by the batch size, as the loss is averaged",
         "(p - y) / (p (1 - p) n)."),
        ((p - y) / n, "that is the gradient with respect to z (the sigmoid's input), not p",
         "This function differentiates with respect to p: (p - y) / (p (1 - p) n). The layer's "
         "sigmoid_deriv then turns it into dL/dz = (p - y) / n."),
        (-(p - y) / (p * (1 - p) * n), "the sign is flipped", "(p - y) / (p (1 - p) n)."),
    ], "d/dp of -mean(y log p + (1 - y) log(1 - p)) = (p - y) / (p (1 - p) n).")


LOGITS = np.array([[2.0, 1.0, -1.0], [0.5, 2.5, 0.0], [-1.0, 0.0, 3.0], [1.0, 1.0, 1.0]])
ONEHOT = np.eye(3)[[0, 2, 2, 1]]


@check("losses", "softmax_cross_entropy(y_true one-hot, logits)")
def check_sce(m):
    z, y = LOGITS, ONEHOT
    p = _softmax(z)
    v = -np.sum(y * np.log(p), axis=1)
    _loss_value(m, "softmax_cross_entropy", y, z, np.mean(v), [
        (np.sum(v), "the loss is not averaged over the batch (a sum)", "Divide by the number of rows n."),
        (np.mean(-y * np.log(p)), "it averages over every element (n x classes) instead of the n samples",
         "Sum over the classes of each row, then average over the rows: -np.sum(y * log p) / n."),
        (lambda: np.mean(-np.sum(y * np.log(np.abs(z) + 1e-12), axis=1)),
         "the log is taken of the logits, without softmax",
         "The second argument is logits: p = softmax(logits) first, then -mean(sum(y log p))."),
    ], "loss = -mean over rows of sum_k y_k log softmax(z)_k.")
    fn = m.losses.softmax_cross_entropy
    big = LOGITS * 500
    with np.errstate(all="ignore"):
        got = number(call("softmax_cross_entropy", fn, y, big.copy()), "softmax_cross_entropy")
    expected = float(np.mean(-np.sum(y * (big - big.max(1, keepdims=True)
                     - np.log(np.exp(big - big.max(1, keepdims=True)).sum(1, keepdims=True))), axis=1)))
    if not np.isfinite(got) or not close(got, expected):
        raise CheckFailed("softmax_cross_entropy overflows or loses precision for large logits.",
                          [("logits", fmt(big)), ("expected", fmt(expected)), ("got", fmt(got))],
                          hint="Shift each row by its maximum before exp (z - z.max(axis=1, keepdims=True)); "
                               "log softmax = shifted - log(sum(exp(shifted))) never takes log(0).")


@check("losses", "softmax_cross_entropy_deriv: dL/dlogits = (softmax(z) - y) / n")
def check_sce_deriv(m):
    z, y = LOGITS, ONEHOT
    p, n = _softmax(z), z.shape[0]
    _loss_grad(m, "softmax_cross_entropy", y, z, [
        (p - y, "it is not divided by the batch size n, as the loss is averaged", "(softmax(z) - y) / n."),
        ((z - y) / n, "softmax is not applied to the logits first", "(softmax(z) - y) / n."),
        ((y - p) / n, "the sign is flipped", "(softmax(z) - y) / n."),
    ], "The gradient of the averaged softmax cross-entropy with respect to the logits is (softmax(z) - y) / n.")


# ----------------------------------------------------------------------------- layers

def _ref_tanh(z):
    return np.tanh(z)


def _ref_tanh_deriv(z):
    return 1.0 - np.tanh(z) ** 2


def _dense(m, *args, **kwargs):
    cls = need(m.layers, "DenseLayer", "class")
    return call("DenseLayer(...) in layers.py", cls, *args, **kwargs)


def _param(layer, key, shape, what="params"):
    store = getattr(layer, what, None)
    if not isinstance(store, dict) or key not in store:
        raise CheckFailed(f"layer.{what}[{key!r}] is missing.",
                          hint=f"DenseLayer keeps its weights in self.params = {{'W': ..., 'b': ...}} "
                               "and their gradients in self.grads with the same keys.")
    value = np.asarray(store[key])
    if value.shape != shape:
        more = ""
        if key == "W" and value.shape == shape[::-1]:
            more = " It is W transposed."
        raise CheckFailed(f"layer.{what}[{key!r}] has shape {value.shape}; expected {shape}.{more}",
                          hint="W is (in_features, out_features) so that x @ W works for x of shape "
                               "(n, in_features); b is (out_features,), one bias per neuron."
                               if what == "params" else
                               f"grads[{key!r}] has the shape of params[{key!r}].")
    return store[key]


def _set_weights(layer, W, b):
    _param(layer, "W", W.shape)[...] = W
    _param(layer, "b", b.shape)[...] = b


@check("layers", "DenseLayer(in, out): W of shape (in, out), b of zeros, random start")
def check_dense_init(m):
    layer = _dense(m, 3, 4, _ref_tanh, _ref_tanh_deriv, seed=0)
    W, b = np.asarray(_param(layer, "W", (3, 4))), np.asarray(_param(layer, "b", (4,)))
    if not np.all(b == 0):
        raise CheckFailed("The biases do not start at zero.", [("b", fmt(b))], hint="self.params['b'] = np.zeros(out_features).")
    if np.all(W == W.flat[0]):
        raise CheckFailed("Every weight starts with the same value, so every neuron of the layer computes "
                          "the same thing and gets the same gradient: they never become different.",
                          [("W", fmt(W))], hint="Draw random weights: rng.standard_normal((in_features, "
                                                 "out_features)) * np.sqrt(2 / in_features).")
    big = _dense(m, 400, 50, _ref_tanh, _ref_tanh_deriv, seed=1)
    Wb = np.asarray(_param(big, "W", (400, 50)))
    std = float(Wb.std())
    if not 0.02 <= std <= 0.2:
        raise CheckFailed(f"The initial weights of DenseLayer(400, 50) have standard deviation {std:.3g}; "
                          "expected about sqrt(2 / 400) = 0.07 (He) or sqrt(2 / 450) = 0.067 (Glorot).",
                          hint="Scale the random draw: rng.standard_normal((n_in, n_out)) * np.sqrt(2 / n_in). "
                               "Unscaled weights make z huge in wide layers and saturate tanh and sigmoid.")
    again = _dense(m, 3, 4, _ref_tanh, _ref_tanh_deriv, seed=0)
    if not np.array_equal(np.asarray(again.params["W"]), W):
        raise CheckFailed("DenseLayer(3, 4, ..., seed=0) gives different weights each time.",
                          hint="Draw from rng = np.random.default_rng(seed), not from np.random directly, "
                               "so a seed reproduces a run.")


X5 = np.array([[0.5, -1.0, 2.0], [1.5, 0.2, -0.3], [-0.7, 0.9, 0.1], [0.0, 1.0, -1.0], [2.0, -0.5, 0.4]])
W34 = np.array([[0.2, -0.5, 0.1, 0.3], [0.4, 0.1, -0.2, 0.6], [-0.3, 0.2, 0.5, -0.1]])
B4 = np.array([0.1, -0.2, 0.05, 0.0])


@check("layers", "DenseLayer.forward(x) = activation(x @ W + b)")
def check_dense_forward(m):
    layer = _dense(m, 3, 4, _ref_tanh, _ref_tanh_deriv, seed=0)
    _set_weights(layer, W34, B4)
    rows = [("x", fmt(X5)), ("W", fmt(W34)), ("b", fmt(B4))]
    got = array(call("DenseLayer.forward(x)", layer.forward, X5.copy()), "forward(x)", shape=(5, 4), rows=rows)
    z = X5 @ W34 + B4
    expect(got, np.tanh(z), "forward(x) with tanh", rows, [
        (np.tanh(X5 @ W34), "the bias b is not added", "z = x @ W + b."),
        (z, "the activation is not applied", "Return self.activation(z)."),
        (np.tanh(X5 @ W34 - B4), "the bias is subtracted", "z = x @ W + b."),
    ], "a = activation(x @ W + b), one row per sample.")
    linear = _dense(m, 3, 4, seed=0)
    _set_weights(linear, W34, B4)
    got = array(call("DenseLayer.forward(x)", linear.forward, X5.copy()), "forward(x) without an activation",
                shape=(5, 4), rows=rows)
    expect(got, z, "forward(x) of DenseLayer(3, 4) with no activation", rows,
           hint="With activation=None the layer is linear: return z = x @ W + b.")


def _backward_setup(m):
    layer = _dense(m, 3, 4, _ref_tanh, _ref_tanh_deriv, seed=0)
    _set_weights(layer, W34, B4)
    G = np.array([[0.3, -0.1, 0.2, 0.5], [-0.4, 0.6, 0.1, -0.2], [0.2, 0.2, -0.3, 0.1],
                  [0.5, -0.5, 0.4, 0.0], [-0.1, 0.3, 0.2, -0.6]])
    return layer, G


@check("layers", "DenseLayer.backward: grads['W'], grads['b'] and dL/dx, against central differences")
def check_dense_backward(m):
    layer, G = _backward_setup(m)
    x = X5.copy()
    rows = [("x", fmt(X5)), ("grad_out", fmt(G))]
    W = _param(layer, "W", (3, 4))
    b = _param(layer, "b", (4,))

    def loss():   # L = sum(forward(x) * G): its gradient with respect to the output is G
        return float(np.sum(np.asarray(call("forward", layer.forward, x.copy()), float) * G))
    num_W, num_b, num_x = numeric_grad(loss, W), numeric_grad(loss, b), numeric_grad(loss, x)
    call("forward", layer.forward, x.copy())
    dx = call("DenseLayer.backward(grad_out)", layer.backward, G.copy())
    if not (np.array_equal(np.asarray(layer.params["W"]), W34) and np.array_equal(np.asarray(layer.params["b"]), B4)):
        raise CheckFailed("backward changed the weights: they were updated before every gradient was "
                          "computed (the gradient for the layer before uses W).",
                          [("W before", fmt(W34)), ("W after", fmt(layer.params["W"]))],
                          hint="backward only computes gradients; the trainer updates every parameter "
                               "after model.backward has run through all the layers.")
    z = X5 @ W34 + B4
    dz = G * (1 - np.tanh(z) ** 2)
    dz_of_a = G * (1 - np.tanh(np.tanh(z)) ** 2)
    gW = _param(layer, "W", (3, 4), "grads")
    store = getattr(layer, "grads")
    gb = np.asarray(store.get("b"))
    if gb.shape != (4,):
        mean_hint = " It looks like dz itself: one row per sample." if gb.shape == dz.shape else ""
        raise CheckFailed(f"grads['b'] has shape {gb.shape}; expected (4,).{mean_hint}", rows,
                          hint="The bias gradient is summed over the batch: np.sum(dz, axis=0). "
                               "Every sample used the same b, so their contributions add up.")
    expect_grad(gb, num_b, "grads['b']", rows, [
        (dz.mean(axis=0), "the bias gradient is averaged over the batch instead of summed",
         "Sum over the batch (np.sum(dz, axis=0)): the loss's gradient already carries the 1/n."),
        (G.sum(axis=0), "the activation's derivative is missing (grad_out summed, not dz)",
         "dz = grad_out * activation_deriv(z), then grads['b'] = dz.sum(axis=0)."),
        (dz_of_a.sum(axis=0), "activation_deriv is given the activation a instead of z",
         "Call activation_deriv(z) with the cached pre-activation z = x @ W + b."),
    ], "grads['b'] = np.sum(dz, axis=0) with dz = grad_out * activation_deriv(z).")
    expect_grad(gW, num_W, "grads['W']", rows, [
        (X5.T @ G, "the activation's derivative is missing: x.T @ grad_out instead of x.T @ dz",
         "dz = grad_out * activation_deriv(z), then grads['W'] = x.T @ dz."),
        (X5.T @ dz / 5, "it is divided by the batch size: the loss's gradient already carries the 1/n",
         "grads['W'] = x.T @ dz, no extra division."),
        (X5.T @ dz_of_a, "activation_deriv is given the activation a "
         "instead of z", "Call activation_deriv(z) with the cached pre-activation z = x @ W + b."),
    ], "grads['W'] = x.T @ dz, shape (in_features, out_features).")
    expect_grad(dx, num_x, "the returned dL/dx", rows, [
        (G @ W34.T, "the activation's derivative is missing: grad_out @ W.T instead of dz @ W.T",
         "Return dz @ W.T."),
    ], "backward returns dL/dx = dz @ W.T, shape (n, in_features), for the layer before.")
    first = np.array(gW, dtype=float)
    call("forward", layer.forward, x.copy())
    call("DenseLayer.backward(grad_out)", layer.backward, G.copy())
    again = np.asarray(layer.grads["W"], float)
    if not close(again, first):
        raise CheckFailed("Calling backward a second time changed grads['W']: the gradients add up "
                          "across steps.", [("first", fmt(first)), ("second", fmt(again))],
                          hint="Assign the gradients (self.grads['W'] = ...), don't add (+=) to them.")


@check("layers", "DenseLayer.backward uses the latest forward's input")
def check_dense_cache(m):
    layer, G = _backward_setup(m)
    other = X5[::-1].copy()
    call("forward", layer.forward, X5.copy())
    call("forward", layer.forward, other.copy())
    call("DenseLayer.backward(grad_out)", layer.backward, G.copy())
    dz = G * (1 - np.tanh(other @ W34 + B4) ** 2)
    got = np.asarray(layer.grads["W"], float)
    if not close(got, other.T @ dz):
        raise CheckFailed("backward did not use the input of the latest forward call.",
                          [("expected", fmt(other.T @ dz)), ("got", fmt(got))],
                          hint="In forward, keep this call's x and z (self.x = x; self.z = z): "
                               "backward needs exactly those.")


# ----------------------------------------------------------------------------- model

W32 = np.array([[0.5, -0.4], [0.3, 0.8], [-0.6, 0.2], [0.1, -0.3]])
B2 = np.array([0.05, -0.1])


def _two_layers(m):
    first = _dense(m, 3, 4, m.activations.tanh, m.activations.tanh_deriv, seed=0)
    second = _dense(m, 4, 2, seed=1)
    _set_weights(first, W34, B4)
    _set_weights(second, W32, B2)
    cls = need(m.model, "SequentialModel", "class")
    model = call("SequentialModel([...])", cls, [first, second])
    return model


def _model_layers(model):
    layers = getattr(model, "layers", None)
    if not isinstance(layers, (list, tuple)) or len(layers) != 2:
        raise CheckFailed("model.layers is not the list of layers given to SequentialModel.",
                          hint="In __init__: self.layers = layers.")
    return layers


@check("model", "SequentialModel.forward runs the layers in order")
def check_model_forward(m):
    model = _two_layers(m)
    rows = [("x", fmt(X5)), ("layers", "DenseLayer(3, 4, tanh), DenseLayer(4, 2)")]
    try:
        got = call("SequentialModel.forward(x)", model.forward, X5.copy())
    except (ValueError, TypeError) as exc:
        raise CheckFailed(f"model.forward failed: {type(exc).__name__}: {exc}", rows,
                          hint="Run the layers first to last (for layer in self.layers), each taking the "
                               "previous one's output: x = layer.forward(x).") from exc
    h = np.tanh(X5 @ W34 + B4)
    if close(got, h):
        raise CheckFailed("model.forward(x) stops after the first layer: it returned that layer's output.",
                          rows + [("got", fmt(got))],
                          hint="Return after the loop, not inside it: every layer must run.")
    got = array(got, "model.forward(x)", shape=(5, 2), rows=rows)
    expect(got, h @ W32 + B2, "model.forward(x)", rows, [
        (lambda: np.tanh(X5 @ W34 + B4), "it stops after the first layer", "Feed each layer's output to the next."),
    ], "x = layer.forward(x) for each layer, in order; return the last x.")


@check("model", "SequentialModel.backward: every layer's gradients, against central differences")
def check_model_backward(m):
    model = _two_layers(m)
    first, second = _model_layers(model)
    G = np.array([[0.3, -0.1], [-0.4, 0.6], [0.2, 0.2], [0.5, -0.5], [-0.1, 0.3]])

    def loss():
        return float(np.sum(np.asarray(call("forward", model.forward, X5.copy()), float) * G))
    W1, W2 = first.params["W"], second.params["W"]
    num1, num2 = numeric_grad(loss, W1), numeric_grad(loss, W2)
    call("forward", model.forward, X5.copy())
    try:
        call("SequentialModel.backward(grad)", model.backward, G.copy())
    except (ValueError, TypeError) as exc:
        raise CheckFailed(f"model.backward failed: {type(exc).__name__}: {exc}", [("grad", fmt(G))],
                          hint="Walk the layers in reverse (reversed(self.layers)) and hand each one the "
                               "gradient the later layer returned: grad = layer.backward(grad).") from exc
    rows = [("x", fmt(X5)), ("grad", fmt(G))]
    expect_grad(second.grads["W"], num2, "the last layer's grads['W']", rows,
                hint="backward starts at the last layer with the loss's gradient.")
    h = np.tanh(X5 @ W34 + B4)
    expect_grad(first.grads["W"], num1, "the first layer's grads['W']", rows, [
    ], "Each layer's backward returns the gradient for the layer before: grad = layer.backward(grad), "
       "for the layers in reverse order (reversed(self.layers)).")


@check("model", "SequentialModel.predict(x): outputs, one row per sample")
def check_model_predict(m):
    model = _two_layers(m)
    h = np.tanh(X5 @ W34 + B4)
    expected = h @ W32 + B2
    rows = [("x", fmt(X5))]
    got = array(call("SequentialModel.predict(x)", model.predict, X5.copy()), "model.predict(x)",
                shape=(5, 2), rows=rows)
    expect(got, expected, "model.predict(x)", rows, hint="predict runs forward (no gradients needed).")
    one = array(call("SequentialModel.predict(x)", model.predict, X5[2:3].copy()), "model.predict(x[2:3])")
    if not close(one.reshape(-1), expected[2]):
        raise CheckFailed("One sample alone gets a different prediction than in a batch.",
                          [("alone", fmt(one)), ("in the batch", fmt(expected[2]))],
                          hint="A sample's output must not depend on the other samples in the call.")


@check("model", "SequentialModel.summary() prints the layers and the parameter count")
def check_model_summary(m):
    model = _two_layers(m)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        returned = call("SequentialModel.summary()", model.summary)
    text = out.getvalue() + (returned if isinstance(returned, str) else "")
    digits = "".join(ch if ch.isdigit() else " " for ch in text.replace(",", ""))
    numbers = {int(t) for t in digits.split()}
    total = 3 * 4 + 4 + 4 * 2 + 2
    if total not in numbers:
        weights_only = 3 * 4 + 4 * 2
        summary = ("The summary does not count the biases." if weights_only in numbers
                   else f"The summary does not show the total number of parameters, {total}.")
        raise CheckFailed(summary, [("printed", text.strip() or "(nothing)")],
                          hint="Total = sum over layers of W.size + b.size: here 3*4 + 4 + 4*2 + 2 = 26.")
    if not ({16, 10} <= numbers or {4, 2} <= numbers):
        raise CheckFailed("The summary does not show each layer (its size or its parameter count).",
                          [("printed", text.strip())], hint="One line per layer: its output size and parameters.")


# ----------------------------------------------------------------------------- trainer

XT = np.array([[0.5, -1.0], [1.5, 0.2], [-0.7, 0.9], [0.0, 1.0]])
YTR = np.array([[0.5], [-0.2], [0.3], [0.8]])


def _small_model(m):
    first = _dense(m, 2, 3, m.activations.tanh, m.activations.tanh_deriv, seed=0)
    second = _dense(m, 3, 1, seed=1)
    _set_weights(first, W34[:2, :3].copy(), B4[:3].copy())
    _set_weights(second, W32[:3, :1].copy(), B2[:1].copy())
    model = call("SequentialModel([...])", need(m.model, "SequentialModel", "class"), [first, second])
    return model, first, second


def _trainer(m, model, lr):
    cls = need(m.trainer, "Trainer", "class")
    return call("Trainer(model, mse, mse_deriv, lr=...)", cls, model, m.losses.mse, m.losses.mse_deriv, lr=lr)


def _reference_step(lr, late=False):
    """One full-batch SGD step of the small model on (XT, YTR) with MSE; ``late``: the
    mistake of updating layer 2 before layer 1's gradient is computed."""
    W1, b1, W2, b2 = W34[:2, :3].copy(), B4[:3].copy(), W32[:3, :1].copy(), B2[:1].copy()
    z1 = XT @ W1 + b1
    h = np.tanh(z1)
    out = h @ W2 + b2
    g = 2 * (out - YTR) / YTR.size
    gW2, gb2 = h.T @ g, g.sum(0)
    if late:
        W2 = W2 - lr * gW2
        b2 = b2 - lr * gb2
    dz1 = (g @ W2.T) * (1 - h ** 2)
    gW1, gb1 = XT.T @ dz1, dz1.sum(0)
    if late:
        return W1 - lr * gW1, b1 - lr * gb1, W2, b2
    return W1 - lr * gW1, b1 - lr * gb1, W2 - lr * gW2, b2 - lr * gb2


def _reference_grad_W2():
    W1, b1, W2, b2 = W34[:2, :3], B4[:3], W32[:3, :1], B2[:1]
    h = np.tanh(XT @ W1 + b1)
    return h.T @ (2 * (h @ W2 + b2 - YTR) / YTR.size)


@check("trainer", "Trainer.train: one full-batch step is W -= lr * grad for every parameter")
def check_trainer_step(m):
    model, first, second = _small_model(m)
    trainer = _trainer(m, model, lr=0.5)
    with np.errstate(all="ignore"):
        call("Trainer.train(X, y, epochs=1, batch_size=4)", trainer.train, XT.copy(), YTR.copy(),
             epochs=1, batch_size=4)
    got = [np.asarray(p, float).copy() for p in
           (first.params["W"], first.params["b"], second.params["W"], second.params["b"])]
    want = _reference_step(0.5)
    names = ["layer 0 W", "layer 0 b", "layer 1 W", "layer 1 b"]
    if all(close(g, w) for g, w in zip(got, want)):
        return
    late = _reference_step(0.5, late=True)
    rows = [("X", fmt(XT)), ("y", fmt(YTR)), ("lr", "0.5, one epoch of one batch of 4")]
    bad = next(i for i in range(4) if not close(got[i], want[i]))
    rows += [(f"expected {names[bad]}", fmt(want[bad])), (f"got {names[bad]}", fmt(got[bad]))]
    if all(close(g, w) for g, w in zip(got, late)):
        raise CheckFailed("The weights are updated before every gradient was computed: layer 1 changed "
                          "before layer 0's gradient was computed through it.", rows,
                          hint="First model.backward(grad) for all layers, then update every parameter.")
    ascent = [2 * p0 - w for p0, w in zip((W34[:2, :3], B4[:3], W32[:3, :1], B2[:1]), want)]
    if all(close(g, w) for g, w in zip(got, ascent)):
        raise CheckFailed("The weights move up the gradient (+= lr * grad): the loss grows.", rows,
                          hint="Gradient descent: param -= lr * grad.")
    start = [W34[:2, :3], B4[:3], W32[:3, :1], B2[:1]]
    if all(close(g, s) for g, s in zip(got, start)):
        grads = getattr(second, "grads", {})
        gW2 = _reference_grad_W2()
        if isinstance(grads, dict) and "W" in grads and close(grads["W"], gW2):
            raise CheckFailed("The weights were updated before every gradient was computed: the update "
                              "ran before model.backward, with the gradients of no batch (or of the one before).",
                              rows, hint="Each step: forward, loss_deriv, model.backward(grad), and only "
                                         "then param -= lr * grad.")
        raise CheckFailed("train did not change the weights.", rows,
                          hint="After model.backward, update in place: layer.params[k] -= lr * layer.grads[k] "
                               "(an assignment `W = W - ...` to a local name changes nothing).")
    unscaled = [s - (s - w) / 0.5 for s, w in zip(start, want)]
    if all(close(g, u) for g, u in zip(got, unscaled)):
        raise CheckFailed("The learning rate is not applied: the step is the whole gradient.", rows,
                          hint="param -= self.lr * grad.")
    raise CheckFailed("After one step the weights are not W - lr * grad.", rows,
                      hint="forward the batch, loss_deriv(y, output), model.backward(grad), then "
                           "param -= lr * grad for every layer's W and b.")


@check("trainer", "Trainer.train: mini-batches cover every sample once per epoch")
def check_trainer_batches(m):
    model, first, second = _small_model(m)
    X = np.linspace(-1, 1, 20).reshape(10, 2)
    y = X[:, :1] * 0.5
    trainer = _trainer(m, model, lr=0.01)
    sizes, rows_seen = [], []
    original = model.backward

    def counting_backward(grad, *args, **kwargs):
        sizes.append(np.shape(grad)[0])
        return original(grad, *args, **kwargs)
    original_forward = model.forward

    def recording_forward(x, *args, **kwargs):
        rows_seen.append(np.asarray(x, float).copy())
        return original_forward(x, *args, **kwargs)
    model.backward, model.forward = counting_backward, recording_forward
    try:
        call("Trainer.train(X, y, epochs=2, batch_size=4)", trainer.train, X.copy(), y.copy(),
             epochs=2, batch_size=4)
    finally:
        del model.backward, model.forward
    rows = [("data", "10 samples, batch_size=4, 2 epochs"), ("batch sizes seen", str(sizes))]
    if sorted(sizes) == [4, 4, 4, 4]:
        raise CheckFailed("The last, smaller batch of each epoch is dropped: 2 of the 10 samples are "
                          "never trained on.", rows, hint="range(0, n, batch_size) and X[i:i + batch_size] "
                                                          "includes the last partial batch.")
    if sizes and all(s == 10 for s in sizes):
        raise CheckFailed("batch_size is ignored: every step uses the whole data set.", rows,
                          hint="Slice the (shuffled) data: X[i:i + batch_size] for i in range(0, n, batch_size).")
    if sorted(sizes) != [2, 2, 4, 4, 4, 4]:
        raise CheckFailed("The steps do not cover the data in batches of 4 (4, 4 and 2 per epoch).", rows,
                          hint="One epoch = one pass over all n samples in slices of batch_size.")
    batches = [r for r in rows_seen if len(r) in (2, 4)]
    first_epoch = np.concatenate(batches[:3]) if len(batches) >= 3 else np.zeros((0, 2))
    if sorted(map(tuple, first_epoch)) != sorted(map(tuple, X)):
        raise CheckFailed("One epoch does not train on every sample exactly once.", rows,
                          hint="Shuffle the indices once per epoch (rng.permutation(n)) and slice them.")


@check("trainer", "Trainer.train lowers the loss; evaluate returns (loss, accuracy)")
def check_trainer_learns(m):
    rng = np.random.default_rng(3)
    X = rng.uniform(-1, 1, (64, 2))
    y = (X[:, :1] + X[:, 1:] > 0).astype(float)
    first = _dense(m, 2, 4, m.activations.tanh, m.activations.tanh_deriv, seed=2)
    second = _dense(m, 4, 1, m.activations.sigmoid, m.activations.sigmoid_deriv, seed=3)
    model = call("SequentialModel", need(m.model, "SequentialModel", "class"), [first, second])
    cls = need(m.trainer, "Trainer", "class")
    trainer = call("Trainer(...)", cls, model, m.losses.binary_cross_entropy,
                   m.losses.binary_cross_entropy_deriv, lr=0.5)
    result = call("Trainer.evaluate(X, y, classification=True)", trainer.evaluate, X, y, classification=True)
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise CheckFailed(f"evaluate returned {result!r:.60}; expected a pair (loss, accuracy).",
                          hint="return loss, accuracy")
    loss0 = float(result[0])
    p = np.asarray(call("predict", model.predict, X), float)
    expected_loss = float(-np.mean(y * np.log(np.clip(p, 1e-12, 1)) + (1 - y) * np.log(np.clip(1 - p, 1e-12, 1))))
    expected_acc = float(np.mean((p >= 0.5) == (y >= 0.5)))
    rows = [("data", "64 points, label x1 + x2 > 0, a 2-4-1 network")]
    if not close(loss0, expected_loss):
        raise CheckFailed("evaluate's loss is not the loss of the model's predictions on (X, y).",
                          rows + [("expected", fmt(expected_loss)), ("got", fmt(loss0))],
                          hint="loss = self.loss(y, self.model.predict(X)).")
    acc0 = float(result[1])
    if close(acc0, 100 * expected_acc) and not close(acc0, expected_acc):
        raise CheckFailed("evaluate's accuracy is a percentage; expected a fraction between 0 and 1.",
                          rows + [("expected", fmt(expected_acc)), ("got", fmt(acc0))])
    if not close(acc0, expected_acc):
        raise CheckFailed("evaluate's accuracy is not the fraction of correct predictions.",
                          rows + [("expected", fmt(expected_acc)), ("got", fmt(acc0))],
                          hint="With one sigmoid output: np.mean((p >= 0.5) == y).")
    with np.errstate(all="ignore"):
        call("Trainer.train", trainer.train, X, y, epochs=100, batch_size=16)
    loss1, acc1 = (float(v) for v in call("Trainer.evaluate", trainer.evaluate, X, y, classification=True))
    if not (loss1 < 0.5 * loss0 and acc1 >= 0.9):
        raise CheckFailed("After 100 epochs the loss did not fall much: training does not learn.",
                          rows + [("loss before", fmt(loss0)), ("loss after", fmt(loss1)),
                                  ("accuracy after", fmt(acc1))],
                          hint="Each step: output = model.forward(xb); grad = loss_deriv(yb, output); "
                               "model.backward(grad); then param -= lr * grad.")


# ----------------------------------------------------------------------------- saved_models

def _save_load(m, model, path):
    save = need(m.saved_models, "save_model")
    load = need(m.saved_models, "load_model")
    call("save_model(model, path)", save, model, path)
    if not os.path.exists(path):
        written = [f for f in os.listdir(os.path.dirname(path)) if f.startswith(os.path.basename(path))]
        raise CheckFailed(f"save_model(model, {os.path.basename(path)!r}) wrote no file of that name"
                          + (f"; it wrote {written[0]!r}." if written else "."),
                          hint="np.savez adds '.npz' to a name without it: open the file yourself, "
                               "with open(path, 'wb') as f: np.savez(f, ...).")
    with open(path, "rb") as f:
        head = f.read(2)
    if head[:1] == b"\x80":
        raise CheckFailed("The file is a pickle. Loading a pickle runs whatever code it holds, so a "
                          "model file from someone else could take over the computer.",
                          hint="Save arrays with np.savez and the architecture as text (JSON) inside it.")
    try:
        with np.load(path, allow_pickle=False) as data:
            for key in data.files:
                data[key]
    except ValueError as exc:
        raise CheckFailed(f"The file needs pickle to load: {exc}",
                          hint="Store only numeric arrays and strings: np.savez(f, W0=..., b0=..., "
                               "config=np.array(json.dumps(config))). A dict or a list of arrays "
                               "becomes an object array, which is a pickle.") from None
    except Exception as exc:   # not a NumPy file at all
        raise CheckFailed(f"numpy.load cannot read the file: {type(exc).__name__}: {exc}",
                          hint="Write it with np.savez (a zip of .npy files).") from None
    return call("load_model(path)", load, path)


@check("saved_models", "save_model then load_model gives a model that predicts the same")
def check_save_load(m):
    first = _dense(m, 3, 4, m.activations.relu, m.activations.relu_deriv, seed=0)
    second = _dense(m, 4, 2, m.activations.sigmoid, m.activations.sigmoid_deriv, seed=1)
    _set_weights(first, W34, B4)
    _set_weights(second, W32, B2)
    model = call("SequentialModel", need(m.model, "SequentialModel", "class"), [first, second])
    expected = np.asarray(model.predict(X5), float)
    with tempfile.TemporaryDirectory() as tmp:
        loaded = _save_load(m, model, os.path.join(tmp, "model.pkl"))
        if loaded is None or not hasattr(loaded, "predict"):
            raise CheckFailed(f"load_model returned {loaded!r:.60}, not a model.",
                              hint="Rebuild a SequentialModel from the file and return it.")
        got = array(call("loaded.predict(x)", loaded.predict, X5.copy()), "the loaded model's predict(x)",
                    shape=(5, 2))
    rows = [("x", fmt(X5)), ("expected", fmt(expected)), ("got", fmt(got))]
    if close(got, expected):
        if loaded is model:
            raise CheckFailed("load_model returned the very model that was saved, not one read from the file.")
        return
    z1 = np.maximum(X5 @ W34 + B4, 0) @ W32 + B2
    if close(got, (X5 @ W34 + B4) @ W32 + B2):
        raise CheckFailed("The loaded model lost its activations (relu, sigmoid): every layer came back "
                          "linear, so the file does not keep them.", rows,
                          hint="Save each layer's activation by name (fn.__name__) and look it up again "
                               "(getattr(activations, name)) when loading.")
    if close(got, z1):
        raise CheckFailed("The loaded model lost its output activation (sigmoid): the file does not "
                          "keep the activations.", rows,
                          hint="Save each layer's activation by name (fn.__name__) and look it up again "
                               "(getattr(activations, name)) when loading.")
    if close(got, _sig(np.tanh(X5 @ W34 + B4) @ W32 + B2)) or close(got, _sig((X5 @ W34 + B4) @ W32 + B2)):
        raise CheckFailed("The loaded model has other activations than the saved one.", rows,
                          hint="Save each layer's activation name and rebuild with it.")
    raise CheckFailed("The loaded model predicts differently from the saved one.", rows,
                      hint="Save every layer's W and b, in order, and put them back in the same layers.")


@check("saved_models", "a saved file keeps its shapes: a 2-layer and a 3-layer model")
def check_save_shapes(m):
    sizes = [2, 5, 3, 1]
    layers = [_dense(m, sizes[i], sizes[i + 1], m.activations.tanh, m.activations.tanh_deriv, seed=i)
              for i in range(3)]
    model = call("SequentialModel", need(m.model, "SequentialModel", "class"), layers)
    x = XT.copy()
    expected = np.asarray(model.predict(x), float)
    with tempfile.TemporaryDirectory() as tmp:
        loaded = _save_load(m, model, os.path.join(tmp, "deep.nnpy"))
        got = array(call("loaded.predict(x)", loaded.predict, x), "the loaded 2-5-3-1 model's predict(x)",
                    shape=(4, 1))
    if not close(got, expected):
        raise CheckFailed("A 2-5-3-1 model does not come back the same.",
                          [("expected", fmt(expected)), ("got", fmt(got))],
                          hint="Save the number of layers and each layer's sizes; don't assume two layers.")


# ----------------------------------------------------------------------------- inference

@check("inference", "load(path) then predict(x): one sample in, one output row out")
def check_inference(m):
    first = _dense(m, 3, 4, m.activations.tanh, m.activations.tanh_deriv, seed=0)
    second = _dense(m, 4, 2, seed=1)
    _set_weights(first, W34, B4)
    _set_weights(second, W32, B2)
    cls = need(m.model, "SequentialModel", "class")
    a = call("SequentialModel", cls, [first, second])
    load, predict = need(m.inference, "load"), need(m.inference, "predict")
    expected = np.asarray(a.predict(X5), float)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "a.pkl")
        call("save_model", need(m.saved_models, "save_model"), a, path)
        call("inference.load(path)", load, path)
        sample = [float(v) for v in X5[1]]
        try:
            got = call("predict([...])", predict, sample)
        except (AttributeError, TypeError) as exc:
            raise CheckFailed(f"predict fails for one sample given as a plain list: {type(exc).__name__}: {exc}",
                              [("x", str(sample))],
                              hint="Start with x = np.asarray(x, dtype=float): the seed calls predict([5, 7]).") from exc
        got = array(got, f"predict({sample}) (a plain list)")
        if got.shape == (1, 2):
            raise CheckFailed(f"predict of one sample returned shape {got.shape}; expected (2,), one "
                              "output row.", [("x", str(sample)), ("got", fmt(got))],
                              hint="For a 1-D input, reshape to (1, n_features), predict, and return row 0.")
        rows = [("x", str(sample))]
        if got.shape != (2,):
            raise CheckFailed(f"predict of one sample returned shape {got.shape}; expected (2,).", rows)
        expect(got, expected[1], "predict(one sample)", rows)
        batch = array(call("predict(X)", predict, X5.copy()), "predict(X) for a batch of 5", shape=(5, 2))
        expect(batch, expected, "predict(X) for a batch", [("X", fmt(X5))])
        # a second file: predict must follow the model loaded last
        second_b = np.array([5.0, -5.0])
        _set_weights(second, W32, second_b)
        path2 = os.path.join(tmp, "b.pkl")
        call("save_model", m.saved_models.save_model, a, path2)
        call("inference.load(path)", load, path2)
        got2 = array(call("predict([...])", predict, sample), "predict after loading a second file")
        want2 = np.tanh(X5[1] @ W34 + B4) @ W32 + second_b
        if close(got2, expected[1]):
            raise CheckFailed("After load() of a second file, predict still uses the first model.",
                              [("expected", fmt(want2)), ("got", fmt(got2))],
                              hint="load(path) replaces the module's current model (a global set by load).")
        expect(got2, want2, "predict after loading a second file", rows)


# ----------------------------------------------------------------------------- running

def step_ids():
    return list(STEPS)


def run_step(step, m):
    """Run every check of ``step``; returns [(check, None | CheckFailed | exception)]."""
    results = []
    for fn in STEPS[step]:
        try:
            with np.errstate(all="ignore"):
                fn(m)
            results.append((fn, None))
        except CheckFailed as exc:
            results.append((fn, exc))
    return results
