"""The workshop's starting files: signatures, docstrings and TODOs, one per file of the course's map.

Each skeleton runs (it imports and defines every name) but every function
body is ``raise NotImplementedError("TODO: ...")``, so its checks fail with
"not written yet" and the TODO. The names, arguments and shapes are the
contract the checks in :mod:`nnpy.browser.workshop_checks` test, and nnpy's own
modules follow it too.
"""

ACTIVATIONS = '''\
"""Activation functions and their derivatives.

Every function works elementwise on a NumPy array z of any shape (softmax:
row by row on z of shape (n, classes)). Each derivative takes the same z,
the pre-activation x @ W + b, not the activation.
"""
import numpy as np


def relu(z):
    """max(0, z), elementwise."""
    raise NotImplementedError("TODO: return np.maximum(z, 0)")


def relu_deriv(z):
    """d relu / dz: 1.0 where z > 0, else 0.0."""
    raise NotImplementedError("TODO: 1 where z > 0, else 0")


def sigmoid(z):
    """1 / (1 + exp(-z)), between 0 and 1."""
    raise NotImplementedError("TODO: 1 / (1 + exp(-z))")


def sigmoid_deriv(z):
    """d sigmoid / dz = s * (1 - s), with s = sigmoid(z)."""
    raise NotImplementedError("TODO: s = sigmoid(z), then s * (1 - s)")


def tanh(z):
    """tanh(z), between -1 and 1."""
    raise NotImplementedError("TODO: np.tanh(z)")


def tanh_deriv(z):
    """d tanh / dz = 1 - tanh(z) ** 2."""
    raise NotImplementedError("TODO: 1 - tanh(z) ** 2")


def softmax(z):
    """Each row of z (n, classes) into probabilities that sum to 1.

    Subtract each row's maximum before exp, so exp never overflows.
    """
    raise NotImplementedError("TODO: shift by the row max, exp, divide by the row sum")
'''

LOSSES = '''\
"""Loss functions: how wrong the network is, and which way to move.

All take (y_true, y_pred) of shape (n, outputs) and return the mean over
the batch, one number. Each *_deriv returns dL/dy_pred, the shape of y_pred.
"""
import numpy as np


def mse(y_true, y_pred):
    """Mean squared error: mean((y_pred - y_true) ** 2) over every element."""
    raise NotImplementedError("TODO: np.mean((y_pred - y_true) ** 2)")


def mse_deriv(y_true, y_pred):
    """dL/dy_pred = 2 * (y_pred - y_true) / (number of elements)."""
    raise NotImplementedError("TODO: 2 * (y_pred - y_true) / y_pred.size")


def binary_cross_entropy(y_true, y_pred):
    """-mean(y log p + (1 - y) log(1 - p)) for probabilities p = y_pred of shape (n, 1).

    Clip p into [1e-12, 1 - 1e-12] first: log(0) is -inf.
    """
    raise NotImplementedError("TODO: clip p, then -np.mean(y log p + (1 - y) log(1 - p))")


def binary_cross_entropy_deriv(y_true, y_pred):
    """dL/dp = (p - y) / (p * (1 - p) * n), with p clipped as above."""
    raise NotImplementedError("TODO: (p - y) / (p * (1 - p) * n)")


def softmax_cross_entropy(y_true, logits):
    """Cross-entropy of softmax(logits) against one-hot y_true, both (n, classes).

    loss = -mean over rows of sum_k y_k log softmax(z)_k. Shift each row by
    its maximum first, so nothing overflows.
    """
    raise NotImplementedError("TODO: log softmax of the shifted logits, then -sum(y * log p) / n")


def softmax_cross_entropy_deriv(y_true, logits):
    """dL/dlogits = (softmax(logits) - y_true) / n."""
    raise NotImplementedError("TODO: (softmax(logits) - y_true) / n")
'''

LAYERS = '''\
"""DenseLayer: a fully connected layer, a = activation(x @ W + b).

Shapes: x (n, in_features), W (in_features, out_features), b (out_features,),
output (n, out_features). params and grads are dicts with the same keys.
"""
import numpy as np


class DenseLayer:
    def __init__(self, in_features, out_features, activation=None, activation_deriv=None, seed=None):
        """Random W (scaled by sqrt(2 / in_features)), b of zeros.

        activation, activation_deriv: a function pair such as relu, relu_deriv;
        None means linear (a = z). seed: fixes the random weights.
        """
        self.activation = activation
        self.activation_deriv = activation_deriv
        rng = np.random.default_rng(seed)
        # TODO: self.params = {"W": ..., "b": ...}; self.grads = the same keys, zeros
        raise NotImplementedError("TODO: create self.params and self.grads")

    def forward(self, x):
        """a = activation(x @ W + b). Keep x and z for backward."""
        raise NotImplementedError("TODO: z = x @ W + b, remember x and z, return activation(z)")

    def backward(self, grad_out):
        """grad_out = dL/da, shape (n, out_features).

        Set self.grads["W"] (in, out) and self.grads["b"] (out,), and return
        dL/dx of shape (n, in_features) for the layer before.
        """
        raise NotImplementedError("TODO: dz = grad_out * activation_deriv(z); dW = x.T @ dz; "
                                  "db = dz summed over the batch; return dz @ W.T")
'''

MODEL = '''\
"""SequentialModel: layers run in order forward, in reverse backward."""
import numpy as np


class SequentialModel:
    def __init__(self, layers):
        """layers: a list of DenseLayer, each one's input the previous one's output."""
        self.layers = layers

    def forward(self, x):
        """Run x (n, inputs) through every layer, first to last; return the output."""
        raise NotImplementedError("TODO: x = layer.forward(x) for each layer")

    def backward(self, grad):
        """grad = dL/d(output). Run every layer's backward, last to first."""
        raise NotImplementedError("TODO: grad = layer.backward(grad) for each layer, in reverse")

    def predict(self, x):
        """The outputs for x (n, inputs): one row per sample."""
        raise NotImplementedError("TODO: forward x")

    def summary(self):
        """Print one line per layer (its shape and parameter count) and the total."""
        raise NotImplementedError("TODO: print each layer's W.shape and W.size + b.size, then the total")
'''

TRAINER = '''\
"""Trainer: mini-batch gradient descent, and evaluation."""
import numpy as np


class Trainer:
    def __init__(self, model, loss, loss_deriv, lr=0.01, seed=None):
        """loss(y_true, y_pred) -> number; loss_deriv(y_true, y_pred) -> dL/dy_pred."""
        self.model = model
        self.loss = loss
        self.loss_deriv = loss_deriv
        self.lr = lr
        self.rng = np.random.default_rng(seed)

    def train(self, X, y, epochs=1, batch_size=32):
        """Each epoch: shuffle, then for each mini-batch of batch_size samples
        (the last one may be smaller): forward, loss gradient, backward, and
        param -= lr * grad for every layer's W and b."""
        raise NotImplementedError("TODO: the training loop")

    def evaluate(self, X, y, classification=True):
        """(loss, accuracy) on X, y. Accuracy: the fraction of right answers,
        p >= 0.5 for one output, argmax for several; None if not classification."""
        raise NotImplementedError("TODO: return loss, accuracy")
'''

SAVED_MODELS = '''\
"""Saving and loading a model: NumPy arrays and JSON text, never pickle.

A pickle runs code when it is loaded; a file of numbers cannot.
"""
import json

import numpy as np

import activations
from layers import DenseLayer
from model import SequentialModel


def save_model(model, path):
    """Write every layer's sizes, activation name and W, b to the file `path`.

    np.savez adds ".npz" to a name without it: write to an open file instead,
    with open(path, "wb") as f: np.savez(f, ...).
    """
    raise NotImplementedError("TODO: the config as JSON text and the weights as arrays, with np.savez")


def load_model(path):
    """Rebuild the model saved by save_model: same layers, activations and weights."""
    raise NotImplementedError("TODO: np.load(path, allow_pickle=False), rebuild the layers, fill W and b")
'''

INFERENCE = '''\
"""Inference: load a saved model and predict with it."""
import numpy as np

from saved_models import load_model

_model = None


def load(path):
    """Load the model file at `path`; predict() uses it from now on."""
    raise NotImplementedError("TODO: remember load_model(path) in the global _model")


def predict(x):
    """Outputs of the loaded model: 1-D for one sample (a list works too), (n, outputs) for a batch."""
    raise NotImplementedError("TODO: np.asarray(x); one sample -> a batch of one, and back")
'''

SKELETONS = {
    "activations": ACTIVATIONS,
    "losses": LOSSES,
    "layers": LAYERS,
    "model": MODEL,
    "trainer": TRAINER,
    "saved_models": SAVED_MODELS,
    "inference": INFERENCE,
}
