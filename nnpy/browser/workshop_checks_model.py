"""Checks of the last four steps: model.py, trainer.py, saved_models.py, inference.py.

Part of the workshop's checks: see :mod:`nnpy.browser.workshop_checks`. NumPy only; the
lines between the `workshop-checks` markers are left out of test_my_framework.py, which is
all the check modules in one file.
"""
# workshop-checks: imports
import contextlib
import io
import os
import tempfile

import numpy as np

from .workshop_checks import (  # noqa: F401
    CheckFailed, array, call, check, close, expect, expect_grad, fmt, need, number, numeric_grad,
    _sig, _softmax,
)
from .workshop_checks_basics import B4, W34, X5, _dense, _set_weights  # noqa: F401
# workshop-checks: end


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
    expect_grad(first.grads["W"], num1, "the first layer's grads['W']", rows,
                hint="Each layer's backward returns the gradient for the layer before: "
                     "grad = layer.backward(grad), for the layers in reverse order (reversed(self.layers)).")


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
