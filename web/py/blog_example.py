"""The helpers behind blog.html: draw a model's decision boundary on a <canvas>, run the post's code cell.

PyScript runs this file on the page's main thread (``<script type="py" src="py/blog_example.py">``),
so everything defined here is a global of the code cell too, as in a notebook:

    draw_boundary(canvas_id, model, X, y, features=None)   paint what the model predicts, and the points
    await tick()                                           let the browser repaint between rounds

The Run button takes the text of the cell and runs it with top-level ``await`` allowed; what it
prints, and any error, appear under the cell.
"""

import sys
import traceback

import js
import numpy as np
from pyodide.code import eval_code_async
from pyodide.ffi import create_proxy
from pyscript import document

from nnpy import feature_map

# TensorFlow Playground's colours (as js/core/colors.js): class 0 orange, class 1 blue, then more classes.
CLASS_COLORS = np.array([[245, 147, 34], [8, 119, 189], [46, 158, 72],
                         [142, 68, 173], [214, 64, 78], [23, 162, 184]], dtype=np.float64)
BACKGROUND = np.array([232, 234, 235], dtype=np.float64)
DOMAIN = 6.0  # make_dataset's points lie in [-6, 6] x [-6, 6]


def class_colors(out):
    """RGB (n, 3) for model outputs (n, k): the winning class's colour, faded toward grey by doubt."""
    out = np.asarray(out, dtype=np.float64)
    if out.shape[1] == 1:  # one sigmoid output: P(class 1)
        out = np.hstack([1.0 - out, out])
    best = out.argmax(axis=1)
    k = out.shape[1]
    # confidence 1/k (a coin toss) -> background, 1 -> the full class colour
    strength = np.clip((out.max(axis=1) - 1.0 / k) / (1.0 - 1.0 / k), 0.0, 1.0)[:, None]
    return BACKGROUND + (CLASS_COLORS[best % len(CLASS_COLORS)] - BACKGROUND) * (0.12 + 0.43 * strength)


def draw_boundary(canvas_id, model, X, y, features=None, resolution=100):
    """Paint the model's prediction over [-6, 6]^2 on the canvas, and the points (X, y) on top.

    Args:
        canvas_id: the id of a <canvas> element.
        model: a trained (or not) nnpy model.
        X: the points of shape (n, 2), in [-6, 6].
        y: their class indices, shape (n,).
        features: the feature names the model was trained on (see nnpy.feature_map); None for x1, x2.
        resolution: the prediction grid is resolution x resolution, stretched over the canvas.
    """
    canvas = document.getElementById(canvas_id)
    if canvas is None:
        raise ValueError(f"no <canvas id={canvas_id!r}> in this post")
    n = int(resolution)
    centres = (np.arange(n) + 0.5) / n * 2 * DOMAIN - DOMAIN
    gx, gy = np.meshgrid(centres, centres[::-1])  # row 0 is the top: x2 = +6
    grid = np.column_stack([gx.ravel(), gy.ravel()])
    inputs = grid if features is None else feature_map(grid, features)
    rgba = np.empty((n * n, 4), dtype=np.uint8)
    rgba[:, :3] = class_colors(model.predict(inputs))
    rgba[:, 3] = 255
    pixels = js.Uint8ClampedArray.new(rgba.size)
    pixels.assign(rgba.ravel())
    small = _scratch_canvas(n)
    small.getContext("2d").putImageData(js.ImageData.new(pixels, n, n), 0, 0)
    w, h = canvas.width, canvas.height
    ctx = canvas.getContext("2d")
    ctx.imageSmoothingEnabled = True
    ctx.drawImage(small, 0, 0, w, h)
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y).ravel()
    px = (X[:, 0] + DOMAIN) / (2 * DOMAIN) * w
    py = (DOMAIN - X[:, 1]) / (2 * DOMAIN) * h
    radius = max(2.5, w / 100)
    ctx.lineWidth = max(1.0, radius / 3)
    ctx.strokeStyle = "white"
    for c in np.unique(y):
        r, g, b = CLASS_COLORS[int(c) % len(CLASS_COLORS)].astype(int)
        ctx.fillStyle = f"rgb({r},{g},{b})"
        ctx.beginPath()
        for i in np.flatnonzero(y == c):
            ctx.moveTo(px[i] + radius, py[i])
            ctx.arc(px[i], py[i], radius, 0, 2 * np.pi)
        ctx.stroke()
        ctx.fill()


_scratch = {}


def _scratch_canvas(n):
    """An off-page n x n canvas to hold the prediction before it is stretched."""
    if n not in _scratch:
        _scratch[n] = document.createElement("canvas")
        _scratch[n].width = _scratch[n].height = n
    return _scratch[n]


async def tick():
    """Give the browser one frame to repaint (the cell runs on the page's main thread)."""
    await js.Promise.new(lambda resolve, reject: js.requestAnimationFrame(resolve))


class _Output:
    """A file-like object that appends what is written to the output <pre>."""

    def __init__(self, element, css_class=None):
        self.element = element
        self.css_class = css_class

    def write(self, text):
        if not text:
            return 0
        if self.css_class:
            span = document.createElement("span")
            span.className = self.css_class
            span.textContent = text
            self.element.append(span)
        else:
            self.element.append(document.createTextNode(text))
        return len(text)

    def flush(self):
        pass


_running = False


async def run_cell(event=None):
    """Run the code cell's text in this module's globals; show its output and errors under it."""
    global _running
    if _running:
        return
    _running = True
    button = document.getElementById("run")
    status = document.getElementById("status")
    out = document.getElementById("output")
    code = document.getElementById("code").value
    button.disabled = True
    status.textContent = "Running…"
    document.body.dataset.cell = "running"
    out.textContent = ""
    stdout, stderr = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Output(out), _Output(out, "error")
    ok = True
    try:
        await tick()  # show "Running…" before the first long NumPy call
        await eval_code_async(code, globals=globals(), filename="<cell>")
    except BaseException:  # noqa: BLE001  (the reader's code may raise anything, SystemExit included)
        ok = False
        kind, value, tb = sys.exc_info()
        # show the reader's own frames only, not this runner's
        while tb is not None and tb.tb_frame.f_code.co_filename != "<cell>":
            tb = tb.tb_next
        sys.stderr.write("".join(traceback.format_exception(kind, value, tb)))
    finally:
        sys.stdout, sys.stderr = stdout, stderr
        _running = False
        button.disabled = False
        status.textContent = "Done." if ok else "Stopped by an error (see below)."
        document.body.dataset.cell = "done" if ok else "error"


def _on_key(event):
    """Ctrl+Enter (or Cmd+Enter, Shift+Enter) in the cell runs it, as in a notebook."""
    if event.key == "Enter" and (event.ctrlKey or event.metaKey or event.shiftKey):
        event.preventDefault()
        js.setTimeout(_run_proxy, 0)


_run_proxy = create_proxy(run_cell)
document.getElementById("run").addEventListener("click", _run_proxy)
document.getElementById("code").addEventListener("keydown", create_proxy(_on_key))

document.getElementById("run").disabled = False
document.body.dataset.python = "ready"
await run_cell()  # noqa: F704  (PyScript allows top-level await): the post shows its result at once
