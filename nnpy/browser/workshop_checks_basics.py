"""Checks of the first three steps: activations.py, losses.py, layers.py.

Part of the workshop's checks: see :mod:`nnpy.browser.workshop_checks`. NumPy only; the
lines between the `workshop-checks` markers are left out of test_my_framework.py, which is
all the check modules in one file.
"""
# workshop-checks: imports
import numpy as np

from .workshop_checks import (  # noqa: F401
    CheckFailed, array, call, check, close, expect, expect_grad, fmt, need, number, numeric_grad,
    _sig, _softmax, Z, _derivative, _elementwise,
)
# workshop-checks: end


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
    # a sigmoid output reaches exactly 0 or 1 in float64 (at |z| > 37): then 0 / 0 without a clip,
    # and the NaN reaches every weight in one step
    fn = m.losses.binary_cross_entropy_deriv
    edge_y, edge_p = np.array([[1.0], [0.0]]), np.array([[1.0], [0.0]])
    with np.errstate(all="ignore"):
        got = np.asarray(call("binary_cross_entropy_deriv", fn, edge_y, edge_p.copy()), dtype=float)
    if got.shape != edge_p.shape or not np.all(np.isfinite(got)):
        raise CheckFailed("binary_cross_entropy_deriv gives NaN or inf when p is exactly 0 or 1.",
                          [("y_true", fmt(edge_y)), ("y_pred", fmt(edge_p)), ("expected", "finite numbers (both right)"),
                           ("got", fmt(got))],
                          hint="(p - y) / (p (1 - p)) is 0 / 0 there: clip p first, p = np.clip(p, 1e-12, 1 - 1e-12).")


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
