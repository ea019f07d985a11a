"""The workshop's checks: does a student's framework do what the course's map says?

One source for two runners: the workshop page runs these checks on the
student's code in Pyodide (through :mod:`nnpy.browser.workshop`), and the
downloadable ``test_my_framework.py`` is this module and the step modules
(:mod:`~nnpy.browser.workshop_checks_basics`: activations, losses, layers;
:mod:`~nnpy.browser.workshop_checks_model`: model, trainer, saved_models,
inference) in one file, with a pytest footer. So they import NumPy and the
standard library only, and never nnpy.

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

# used by the checks in workshop_checks_model.py, in the test file the workshop writes (one module)
import contextlib  # noqa: F401
import io  # noqa: F401
import os  # noqa: F401
import tempfile  # noqa: F401

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
