"""The MNIST engine's ways back (issue 12) in CPython: a dead network is noticed by the 2-D page's
rule and both ways back learn; the weights a page keeps after each epoch put a restarted engine
back where it was."""

import numpy as np
import pytest

from nnpy.browser import health
from nnpy.browser.health import DEAD_EPOCHS, DEAD_STEPS, DeadWatch
from nnpy.browser.mnist import MnistPlayground

from test_mnist_playground import npz_bytes  # noqa: F401  (the fixture)

# ReLU at learning rate 10 (a link may ask for it): every unit of a hidden layer dies within 5 epochs
DIES = {"n": 2000, "lr": 10.0, "layers": [{"units": 32, "activation": "relu"}] * 2}
SMALL = {"n": 1000, "layers": [{"units": 32, "activation": "relu"}]}


def engine(npz_bytes, state):
    mp = MnistPlayground()
    mp.load_data(data=npz_bytes)
    mp.configure(state)
    return mp


def train_until_report(mp, epochs=12):
    for e in range(epochs):
        chunk = mp.train(budget_ms=None, until_epoch=mp.trainer.epoch + 1)
        if chunk["report"]:
            return chunk
    return chunk


def test_a_dead_network_is_noticed_and_training_stops_with_the_2d_pages_words(npz_bytes):
    mp = engine(npz_bytes, DIES)
    chunk = train_until_report(mp)
    report = chunk["report"]
    assert report is not None and report["kind"] == "dead" and chunk["diverged"] is None
    assert report["actions"] == ["fresh", "leaky", "reset"] and report["lower"] == 0.1
    layer, _ = health.dead_layer(mp.model, mp._X_sample)
    assert f"Every ReLU in hidden layer {layer} has died" in report["message"]
    assert "for every digit" in report["message"] and "point" not in report["message"]
    # the rule: dead at every epoch's end for DEAD_STEPS steps (25 steps an epoch here)
    assert chunk["step_count"] >= DEAD_STEPS and chunk["epoch"] <= 12
    # the chunk ended at the epoch's end that said so, and handed over that epoch's weights
    assert chunk["epoch_progress"] == 0 and chunk["kept"]["epoch"] == chunk["epoch"]
    np.testing.assert_array_equal(chunk["kept"]["params"], mp.model.flat_parameters[0])


@pytest.mark.parametrize("change", [{"lr": 0.1}, {"lr": 0.1, "layers": [{"units": 32, "activation": "leaky_relu"}] * 2}],
                         ids=["fresh weights", "leaky ReLU"])
def test_both_ways_back_from_a_dead_network_learn(npz_bytes, change):
    mp = engine(npz_bytes, DIES)
    assert train_until_report(mp)["report"]["kind"] == "dead"
    mp.configure({**mp.state, **change})  # the page's buttons: the report's rate (and leaky ReLU)
    mp.reset()                            # fresh weights
    chunks = [mp.train(budget_ms=None, until_epoch=e) for e in (1, 2, 3)]
    assert all(c["report"] is None for c in chunks)
    assert mp.history[-1]["test_accuracy"] > 0.7


def test_a_network_that_learns_is_never_called_dead(npz_bytes):
    mp = engine(npz_bytes, {**SMALL, "layers": [{"units": 32, "activation": "relu"}] * 2})
    assert all(mp.train(budget_ms=None, until_epoch=e)["report"] is None for e in range(1, 13))


class _Layer:
    def __init__(self, dead):
        self.dead = dead
        self.activation = type("A", (), {"name": "relu"})

    def forward(self, a):
        return np.zeros_like(a) if self.dead else a


class _Model:
    dtype = np.float64

    def __init__(self, dead):
        self.layers = [_Layer(dead), _Layer(False)]


def test_the_rule_counts_steps_or_epochs_and_starts_again_when_a_layer_lives():
    X = np.arange(8.0).reshape(4, 2)
    watch = DeadWatch()
    assert watch.check(_Model(True), X, epoch=1, steps=10) is None         # seen dead: the count starts
    assert watch.check(_Model(True), X, epoch=2, steps=10 + DEAD_STEPS - 1) is None
    assert watch.check(_Model(True), X, epoch=3, steps=10 + DEAD_STEPS) == (1, "relu")
    watch.clear()
    assert watch.check(_Model(True), X, epoch=1, steps=1) is None
    assert watch.check(_Model(False), X, epoch=5, steps=2) is None        # alive in between
    assert watch.check(_Model(True), X, epoch=6, steps=3) is None
    assert watch.check(_Model(True), X, epoch=6 + DEAD_EPOCHS, steps=4) == (1, "relu")  # large batches
    assert watch.check(_Model(True), X, epoch=2, steps=5) is None         # went back: counted afresh


def test_each_epoch_hands_over_its_weights_and_a_restarted_engine_goes_on_from_them(npz_bytes):
    mp = engine(npz_bytes, SMALL)
    kept = None
    while mp.trainer.epoch < 2:
        chunk = mp.train(budget_ms=30, until_epoch=2)
        if chunk["epochs"]:
            assert chunk["kept"]["epoch"] == chunk["epochs"][-1]["epoch"]
            kept = {"epoch": chunk["kept"]["epoch"], "params": chunk["kept"]["params"].copy()}
        else:
            assert chunk["kept"] is None
    assert kept["epoch"] == 2 and mp.trainer.epoch == 2
    np.testing.assert_array_equal(kept["params"], mp.model.flat_parameters[0])
    mp.train(steps=3)   # a little into epoch 3: the page holds epoch 2's weights
    # Python stopped; the new one is configured with the page's settings, then given what it kept
    new = engine(npz_bytes, mp.state)
    out = new.load_weights(params=kept["params"], epoch=2, history=mp.history[:2])
    assert out["network"]["epoch"] == 2 and out["network"]["history"] == mp.history[:2]
    np.testing.assert_array_equal(new.model.flat_parameters[0], kept["params"])
    assert new.evaluate()["test_accuracy"] == mp.history[1]["test_accuracy"]
    chunk = new.train(budget_ms=None, until_epoch=3)
    assert chunk["epoch"] == 3 and [r["epoch"] for r in new.history] == [1, 2, 3]
    assert new.history[-1]["test_accuracy"] > 0.7
    new.reset()  # Reset still goes back to the starting weights
    np.testing.assert_array_equal(new.model.flat_parameters[0], engine(npz_bytes, SMALL).model.flat_parameters[0])


@pytest.mark.parametrize("params,epoch,history,message", [
    (np.zeros(5, np.float32), 0, [], "finite numbers for this network"),
    ("nan", 0, [], "finite numbers for this network"),
    (None, -1, [], "epoch must be an integer"),
    (None, 2, [], "history must be a list of 2 epoch records"),
    (None, 1, [{"epoch": 2, "train_loss": 1, "train_accuracy": 1, "test_loss": 1, "test_accuracy": 1}],
     "history\\[0\\] must be the record of epoch 1"),
    (None, 1, [{"epoch": 1, "train_loss": "x", "train_accuracy": 1, "test_loss": 1, "test_accuracy": 1}],
     "history\\[0\\] must be the record of epoch 1"),
], ids=["size", "nan", "epoch", "history length", "record epoch", "record value"])
def test_weights_that_do_not_fit_are_refused_and_change_nothing(npz_bytes, params, epoch, history, message):
    mp = engine(npz_bytes, SMALL)
    mp.train(budget_ms=None, until_epoch=1)
    before = mp.model.flat_parameters[0].copy()
    if params is None or isinstance(params, str):
        good = np.ones_like(before)
        if params == "nan":
            good[3] = np.nan
        params = good
    with pytest.raises(ValueError, match=message):
        mp.load_weights(params=params, epoch=epoch, history=history)
    np.testing.assert_array_equal(mp.model.flat_parameters[0], before)
    assert mp.trainer.epoch == 1 and len(mp.history) == 1


def test_a_blow_up_hands_over_the_weights_it_went_back_to(npz_bytes):
    mp = engine(npz_bytes, {"n": 1000, "optimizer": "sgd", "lr": 10.0,
                            "layers": [{"units": 64, "activation": "linear"}] * 3})
    chunk = mp.train(steps=200, budget_ms=None)
    assert chunk["report"]["kind"] == "diverged" and chunk["kept"]["epoch"] == chunk["epoch"] == 0
    np.testing.assert_array_equal(chunk["kept"]["params"], mp.model.flat_parameters[0])
