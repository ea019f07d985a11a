"""Model answers for the workshop: a student's correct files, written the course's way (not nnpy's).

A teacher's link can pre-fill steps with them (``#prefill=activations,losses``)
so a class starts at a later step; the tests check that they pass every check
and train the playground. They are put in the editors, never run until the
student presses Check or Train.
"""

ACTIVATIONS = '''\
import numpy as np


def relu(z):
    return np.maximum(z, 0)


def relu_deriv(z):
    return (z > 0).astype(float)


def sigmoid(z):
    z = np.clip(z, -500, 500)
    return 1 / (1 + np.exp(-z))


def sigmoid_deriv(z):
    s = sigmoid(z)
    return s * (1 - s)


def tanh(z):
    return np.tanh(z)


def tanh_deriv(z):
    return 1 - np.tanh(z) ** 2


def softmax(z):
    e = np.exp(z - np.max(z, axis=1, keepdims=True))
    return e / np.sum(e, axis=1, keepdims=True)
'''

LOSSES = '''\
import numpy as np


def mse(y_true, y_pred):
    return np.mean((y_pred - y_true) ** 2)


def mse_deriv(y_true, y_pred):
    return 2 * (y_pred - y_true) / y_pred.size


def binary_cross_entropy(y_true, y_pred):
    p = np.clip(y_pred, 1e-12, 1 - 1e-12)
    return -np.mean(y_true * np.log(p) + (1 - y_true) * np.log(1 - p))


def binary_cross_entropy_deriv(y_true, y_pred):
    p = np.clip(y_pred, 1e-12, 1 - 1e-12)
    return (p - y_true) / (p * (1 - p) * y_true.shape[0])


def softmax_cross_entropy(y_true, logits):
    shifted = logits - np.max(logits, axis=1, keepdims=True)
    log_p = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    return -np.sum(y_true * log_p) / logits.shape[0]


def softmax_cross_entropy_deriv(y_true, logits):
    e = np.exp(logits - np.max(logits, axis=1, keepdims=True))
    p = e / np.sum(e, axis=1, keepdims=True)
    return (p - y_true) / logits.shape[0]
'''

LAYERS = '''\
import numpy as np


class DenseLayer:
    def __init__(self, in_features, out_features, activation=None, activation_deriv=None, seed=None):
        self.activation = activation
        self.activation_deriv = activation_deriv
        rng = np.random.default_rng(seed)
        self.params = {
            "W": rng.standard_normal((in_features, out_features)) * np.sqrt(2 / in_features),
            "b": np.zeros(out_features),
        }
        self.grads = {"W": np.zeros((in_features, out_features)), "b": np.zeros(out_features)}

    def forward(self, x):
        self.x = x
        self.z = x @ self.params["W"] + self.params["b"]
        if self.activation is None:
            return self.z
        return self.activation(self.z)

    def backward(self, grad_out):
        if self.activation_deriv is None:
            dz = grad_out
        else:
            dz = grad_out * self.activation_deriv(self.z)
        self.grads["W"] = self.x.T @ dz
        self.grads["b"] = np.sum(dz, axis=0)
        return dz @ self.params["W"].T
'''

MODEL = '''\
import numpy as np


class SequentialModel:
    def __init__(self, layers):
        self.layers = layers

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, grad):
        for layer in reversed(self.layers):
            grad = layer.backward(grad)
        return grad

    def predict(self, x):
        return self.forward(np.asarray(x, dtype=float))

    def summary(self):
        total = 0
        for i, layer in enumerate(self.layers):
            n = layer.params["W"].size + layer.params["b"].size
            total += n
            print(f"layer {i}: W {layer.params['W'].shape}, {n} parameters")
        print(f"Total parameters: {total}")
'''

TRAINER = '''\
import numpy as np


class Trainer:
    def __init__(self, model, loss, loss_deriv, lr=0.01, seed=None):
        self.model = model
        self.loss = loss
        self.loss_deriv = loss_deriv
        self.lr = lr
        self.rng = np.random.default_rng(seed)

    def train(self, X, y, epochs=1, batch_size=32):
        n = X.shape[0]
        for epoch in range(epochs):
            order = self.rng.permutation(n)
            for start in range(0, n, batch_size):
                batch = order[start:start + batch_size]
                out = self.model.forward(X[batch])
                self.model.backward(self.loss_deriv(y[batch], out))
                for layer in self.model.layers:
                    for key in layer.params:
                        layer.params[key] -= self.lr * layer.grads[key]

    def evaluate(self, X, y, classification=True):
        out = self.model.predict(X)
        loss = self.loss(y, out)
        if not classification:
            return loss, None
        if out.shape[1] == 1:
            right = (out >= 0.5) == (y >= 0.5)
        else:
            right = np.argmax(out, axis=1) == np.argmax(y, axis=1)
        return loss, float(np.mean(right))
'''

SAVED_MODELS = '''\
import json

import numpy as np

import activations
from layers import DenseLayer
from model import SequentialModel


def save_model(model, path):
    config = []
    arrays = {}
    for i, layer in enumerate(model.layers):
        W = layer.params["W"]
        name = layer.activation.__name__ if layer.activation is not None else None
        config.append({"in": W.shape[0], "out": W.shape[1], "activation": name})
        arrays[f"W{i}"] = W
        arrays[f"b{i}"] = layer.params["b"]
    with open(path, "wb") as f:
        np.savez(f, config=np.array(json.dumps(config)), **arrays)


def load_model(path):
    with np.load(path, allow_pickle=False) as data:
        config = json.loads(str(data["config"]))
        layers = []
        for i, c in enumerate(config):
            act = c["activation"]
            fn = getattr(activations, act) if act else None
            deriv = getattr(activations, act + "_deriv") if act else None
            layer = DenseLayer(c["in"], c["out"], fn, deriv)
            layer.params["W"] = data[f"W{i}"].copy()
            layer.params["b"] = data[f"b{i}"].copy()
            layers.append(layer)
    return SequentialModel(layers)
'''

INFERENCE = '''\
import numpy as np

from saved_models import load_model

_model = None


def load(path):
    global _model
    _model = load_model(path)
    return _model


def predict(x):
    x = np.asarray(x, dtype=float)
    if x.ndim == 1:
        return _model.predict(x.reshape(1, -1))[0]
    return _model.predict(x)
'''

SOLUTIONS = {
    "activations.py": ACTIVATIONS, "losses.py": LOSSES, "layers.py": LAYERS, "model.py": MODEL,
    "trainer.py": TRAINER, "saved_models.py": SAVED_MODELS, "inference.py": INFERENCE,
}
