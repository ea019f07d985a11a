"""The MNIST page's Look inside (nnpy.browser.mnist_inside) in CPython, on real digits.

On small float64 networks (momentum and Adam, a few steps in so their state is not zero): the
loss is the softmax cross-entropy of the digit, every hidden and output delta and every
first-layer weight gradient shown as an image equals a central-difference derivative of the
loss (relative error < 1e-6), and the weights after "Take this step" equal, bit for bit, those
of one Trainer step on a copy, and the update the result reported. Bad requests are refused
with a message and change nothing.
"""

import copy

import numpy as np
import pytest

from gradcheck import assert_gradients_close, numerical_gradient
from test_mnist_playground import npz_bytes  # noqa: F401  (the real digits, a fixture)

from nnpy import SequentialModel, Trainer
from nnpy.browser.mnist import MnistPlayground

SETUPS = [
    {"layers": [{"units": 20, "activation": "tanh"}, {"units": 6, "activation": "sigmoid"}],
     "optimizer": "momentum", "lr": 0.1},
    {"layers": [{"units": 12, "activation": "relu"}], "optimizer": "adam", "lr": 0.003},
    {"layers": [{"units": 9, "activation": "leaky_relu"}], "optimizer": "sgd", "lr": 0.3},
]


def make(npz, setup, dtype="float64", warm_steps=3):
    mp = MnistPlayground()
    mp.load_data(data=np.frombuffer(npz, dtype=np.uint8))
    mp.configure({"n": 1000, "batch_size": 16, "dtype": dtype, "seed": 3, **setup})
    if warm_steps:
        mp.train(steps=warm_steps, budget_ms=None)
    return mp


def loss_of(mp, x, label, offsets=None):
    """The digit's loss, layer by layer (``z + offset`` per layer), for central differences:
    only matrix products and nnpy's activations' and loss's forward functions."""
    Y = mp.trainer.prepare(x[None, :], np.array([label]))[1]
    a = x[None, :]
    layers = mp.model.layers
    for i, layer in enumerate(layers):
        z = a @ layer.params["W"] + layer.params["b"]
        if offsets is not None:
            z = z + offsets[i]
        if i == len(layers) - 1:
            return mp.trainer.loss.loss_and_grad_from_logits(Y, z, need_grad=False)[0]
        a = layer.activation.forward(z)


def weights(mp):
    return mp.model.flat_parameters[0].copy()


@pytest.mark.parametrize("setup", SETUPS, ids=[s["optimizer"] for s in SETUPS])
def test_every_delta_and_first_layer_gradient_equals_central_differences(npz_bytes, setup):  # noqa: F811
    mp = make(npz_bytes, setup)
    before = weights(mp)
    r = mp.inside(test_index=7)
    assert np.array_equal(weights(mp), before), "looking inside changes nothing"
    x, label = mp.X_test[7].astype(np.float64), int(mp.y_test[7])
    assert r["source"] == "test" and r["label"] == label == r["true_label"] and r["label_from"] == "test"
    assert np.array_equal(r["input"].ravel(), x)

    # the loss, the probabilities, the target
    assert r["loss"] == pytest.approx(loss_of(mp, x, label), rel=1e-12)
    p = r["probabilities"]
    assert p.sum() == pytest.approx(1, rel=1e-12) and r["prediction"] == int(np.argmax(p))
    assert r["loss"] == pytest.approx(-np.log(p[label]), rel=1e-9)
    assert np.array_equal(r["target"], np.eye(10)[label])

    # every layer's delta = dL/dz, by central differences on an offset added to z
    offsets = [np.zeros((1, L.out_features)) for L in mp.model.layers]
    for i, L in enumerate(r["layers"]):
        numeric = numerical_gradient(lambda: loss_of(mp, x, label, offsets), offsets[i])[0]
        assert_gradients_close(L["delta"], numeric)
        assert_gradients_close(L["grad_b"], numeric)  # one digit, no penalty: dL/db = delta
        if i < len(r["layers"]) - 1:
            assert_gradients_close(L["grad_a"] * L["act_deriv"], numeric)
    assert_gradients_close(r["layers"][-1]["delta"], p - r["target"])

    # the first layer's dL/dW, as 28x28 images of its first k units, by central differences on W1 itself
    W1 = mp.model.layers[0].params["W"]
    k = r["first"]["neurons"]
    assert k == min(16, W1.shape[1]) and r["first"]["dW"].shape == (k, 28, 28)
    numeric = numerical_gradient(lambda: loss_of(mp, x, label), W1)
    assert_gradients_close(r["first"]["dW"], numeric[:, :k].T.reshape(k, 28, 28))
    # which pixels this digit pushes each unit's weights towards: the digit times the unit's delta
    delta1 = r["layers"][0]["delta"]
    for j in range(k):
        assert np.allclose(r["first"]["dW"][j], r["input"] * delta1[j], rtol=1e-12, atol=0)
    assert np.array_equal(r["first"]["W"], W1[:, :k].T.reshape(k, 28, 28))
    assert np.array_equal(weights(mp), before)


@pytest.mark.parametrize("setup", SETUPS, ids=[s["optimizer"] for s in SETUPS])
def test_the_update_is_one_trainer_step_bit_for_bit(npz_bytes, setup):  # noqa: F811
    mp = make(npz_bytes, setup)
    r = mp.inside(test_index=11)
    # one Trainer step on a copy (the same weights, a copy of the optimizer and its state), on the same digit
    model = SequentialModel.from_config(mp.model.get_config())
    model.flat_parameters[0][...] = mp.model.flat_parameters[0]
    reference = Trainer(model, "softmax_cross_entropy", lr=mp.trainer.lr,
                        optimizer=copy.deepcopy(mp.trainer.optimizer), fast=True)
    reference.train_step(*reference.prepare(mp.X_test[11][None, :], np.array([int(mp.y_test[11])])))
    step_before = mp.trainer.step_count
    out = mp.inside_update(test_index=11)
    assert out["diverged"] is None and mp.trainer.step_count == step_before + 1 == out["steps"]
    assert np.array_equal(weights(mp), reference.model.flat_parameters[0])
    k = r["first"]["neurons"]
    layers = mp.model.layers
    assert np.array_equal(r["first"]["change"], r["first"]["new_W"] - r["first"]["W"])
    assert np.array_equal(r["first"]["new_W"], layers[0].params["W"][:, :k].T.reshape(k, 28, 28))
    for L, shown in zip(layers, r["layers"]):
        assert np.array_equal(shown["new_b"], L.params["b"])
    for L, shown in zip(layers[1:], r["layers"][1:]):
        assert np.array_equal(shown["new_W"], L.params["W"])
    # the optimizer's state the result reported is the one the step left
    after = r["first"]["state_after"]
    if setup["optimizer"] == "momentum":
        v = mp.trainer.optimizer.state["params"][:layers[0].params["W"].size].reshape(784, -1)
        assert np.array_equal(after["velocity"], v[:, :k].T.reshape(k, 28, 28))
    elif setup["optimizer"] == "adam":
        m = mp.trainer.optimizer.state["params"][0][:layers[0].params["W"].size].reshape(784, -1)
        assert np.array_equal(after["m"], m[:, :k].T.reshape(k, 28, 28))
    else:
        assert after == {}
    # looking again starts from the new weights: this digit's loss went down
    assert mp.inside(test_index=11)["loss"] < r["loss"]


def stroke():
    """A drawing pad's alpha channel (280x280) with a thick vertical stroke: a one."""
    ink = np.zeros((280, 280), dtype=np.uint8)
    ink[40:240, 130:150] = 255
    return ink


def test_a_drawn_digit_needs_its_label_and_is_seen_as_classify_sees_it(npz_bytes):  # noqa: F811
    mp = make(npz_bytes, SETUPS[0], warm_steps=0)
    with pytest.raises(ValueError, match="Which digit did you draw"):
        mp.inside(pixels=stroke().ravel(), width=280, height=280)
    r = mp.inside(pixels=stroke().ravel(), width=280, height=280, label=1)
    seen = mp.classify(stroke().ravel(), 280, 280)
    assert r["source"] == "drawing" and r["label"] == 1 and r["label_from"] == "chosen" and r["index"] is None
    assert np.allclose(r["input"], seen["input"], atol=1e-7)
    assert np.allclose(r["probabilities"], seen["probabilities"], rtol=1e-9)
    # the same from RGBA pixels, as a canvas gives them
    rgba = np.zeros((280, 280, 4), dtype=np.uint8)
    rgba[:, :, 3] = stroke()
    assert mp.inside(pixels=rgba.ravel(), width=280, height=280, label=1)["loss"] == r["loss"]
    # a test digit with a label that is not its own
    other = (int(mp.y_test[0]) + 1) % 10
    r = mp.inside(test_index=0, label=other)
    assert r["label"] == other and r["label_from"] == "chosen" and r["true_label"] == int(mp.y_test[0])


def test_the_page_default_float32_network_sends_sixteen_images(npz_bytes):  # noqa: F811
    mp = MnistPlayground()
    mp.load_data(data=np.frombuffer(npz_bytes, dtype=np.uint8))
    mp.configure({"n": 1000})   # 784-128-10, float32, momentum
    r = mp.inside(test_index=3)
    assert r["first"]["dW"].shape == (16, 28, 28) and r["first"]["dW"].dtype == np.float32
    assert r["layers"][0]["units"] == 128 and r["layers"][1]["W"].shape == (128, 10)
    assert r["first"]["state_before"]["velocity"] is None  # no step yet: momentum has no velocity
    assert r["first"]["state_after"]["velocity"].shape == (16, 28, 28)
    assert mp.inside(test_index=3, neurons=4)["first"]["W"].shape == (4, 28, 28)


@pytest.mark.parametrize("args, message", [
    ({}, "one digit"),
    ({"test_index": 0, "pixels": stroke().ravel(), "width": 280, "height": 280}, "one digit"),
    ({"test_index": 200}, "test_index must be an integer in 0..199"),
    ({"test_index": -1}, "test_index"),
    ({"test_index": True}, "test_index"),
    ({"test_index": 0, "label": 10}, "label must be a digit"),
    ({"test_index": 0, "label": "3"}, "label must be a digit"),
    ({"pixels": np.zeros(280 * 280, dtype=np.uint8), "width": 280, "height": 280, "label": 3}, "empty"),
    ({"pixels": np.zeros(10, dtype=np.uint8), "width": 280, "height": 280, "label": 3}, "pixels must hold"),
    ({"test_index": 0, "neurons": 0}, "neurons must be"),
])
def test_bad_requests_are_refused_and_change_nothing(npz_bytes, args, message):  # noqa: F811
    mp = make(npz_bytes, SETUPS[1], warm_steps=1)
    before, steps = weights(mp), mp.trainer.step_count
    with pytest.raises(ValueError, match=message):
        mp.inside(**args)
    if "neurons" not in args:
        with pytest.raises(ValueError, match=message):
            mp.inside_update(**args)
    assert np.array_equal(weights(mp), before) and mp.trainer.step_count == steps
