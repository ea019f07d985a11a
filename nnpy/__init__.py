"""nnpy: a small neural-network framework in pure Python on NumPy.

Everything the seed documents describe, importable from the top level::

    from nnpy import *

    model = SequentialModel([
        DenseLayer(2, 6, relu, relu_deriv),
        DenseLayer(6, 3, relu, relu_deriv),
        DenseLayer(3, 1, sigmoid, sigmoid_deriv),
    ])
    trainer = Trainer(model, binary_cross_entropy, binary_cross_entropy_deriv, lr=0.01)
    trainer.train(X_train, y_train, epochs=2000, batch_size=4)
    loss, acc = trainer.evaluate(X_test, y_test, classification=True)
    save_model(model, "model.pkl")      # nnpy's own safe format, whatever the name
    prediction = predict([5, 7])

In a notebook: ``history = trainer.train(...)`` then ``history.plot()`` (matplotlib,
``pip install "nnpy[plot]"``); a model shows its summary as a table. To PyTorch:
``save_safetensors(model, "model.safetensors")``.
"""

from ._version import __version__  # noqa: E402

from .activations import (  # noqa: E402
    Activation, LeakyReLU, Linear, ReLU, Sigmoid, Softmax, Tanh,
    get_activation, leaky_relu, leaky_relu_deriv, linear, linear_deriv, relu, relu_deriv,
    sigmoid, sigmoid_deriv, softmax, softmax_deriv, tanh, tanh_deriv,
)
from .data import (  # noqa: E402
    DataError, load_csv, one_hot, save_csv, standardize, train_test_split,
)
from .datasets import DATASETS, FEATURES, feature_map, make_dataset  # noqa: E402
from .history import History  # noqa: E402
from .inference import Predictor, predict  # noqa: E402
from .interop import load_safetensors, save_safetensors  # noqa: E402
from .layers import DenseLayer, Layer  # noqa: E402
from .losses import (  # noqa: E402
    MSE, BinaryCrossEntropy, Loss, SoftmaxCrossEntropy, binary_cross_entropy,
    binary_cross_entropy_deriv, get_loss, mse, mse_deriv, softmax_cross_entropy,
    softmax_cross_entropy_deriv,
)
from .mnist import load_mnist, normalize_pixels, preprocess_digit, save_mnist  # noqa: E402
from .metrics import accuracy, confusion_matrix  # noqa: E402
from .model import SequentialModel  # noqa: E402
from .plot import plot_confusion_matrix, plot_history  # noqa: E402  (matplotlib: only when called)
from .optim import SGD, Adam, Momentum, Optimizer, Regularizer, get_optimizer  # noqa: E402
from .saved_models import (  # noqa: E402
    ModelFileError, load_model, load_model_bytes, save_model, save_model_bytes,
)
from .trainer import Trainer, TrainingDiverged  # noqa: E402

__all__ = [
    "Activation", "LeakyReLU", "Linear", "ReLU", "Sigmoid", "Softmax", "Tanh", "get_activation",
    "leaky_relu", "leaky_relu_deriv", "linear", "linear_deriv", "relu", "relu_deriv",
    "sigmoid", "sigmoid_deriv", "softmax", "softmax_deriv", "tanh", "tanh_deriv",
    "DATASETS", "FEATURES", "DataError", "feature_map", "load_csv", "load_mnist", "make_dataset",
    "normalize_pixels", "one_hot", "preprocess_digit", "save_csv", "save_mnist", "standardize",
    "train_test_split",
    "DenseLayer", "Layer",
    "accuracy", "confusion_matrix",
    "MSE", "BinaryCrossEntropy", "Loss", "SoftmaxCrossEntropy", "binary_cross_entropy",
    "binary_cross_entropy_deriv", "get_loss", "mse", "mse_deriv", "softmax_cross_entropy",
    "softmax_cross_entropy_deriv",
    "SequentialModel",
    "SGD", "Adam", "Momentum", "Optimizer", "Regularizer", "get_optimizer",
    "Predictor", "predict",
    "ModelFileError", "load_model", "load_model_bytes", "save_model", "save_model_bytes",
    "Trainer", "TrainingDiverged", "History",
    "load_safetensors", "save_safetensors", "plot_confusion_matrix", "plot_history",
]
