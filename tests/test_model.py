"""SequentialModel: whole-model gradients for every activation x loss pairing the trainer
supports (fused paths included) against central differences of a hand-written loss;
state dicts, configs, summary, dtype, seeding and error messages."""

import math

import numpy as np
import pytest

from gradcheck import check_gradient
from nnpy import (
    DenseLayer, SequentialModel, Trainer, relu, relu_deriv, sigmoid, sigmoid_deriv,
)
from nnpy.activations import ACTIVATIONS

HIDDEN = ["linear", "relu", "leaky_relu", "sigmoid", "tanh"]
OUTPUTS = sorted(ACTIVATIONS)


def softmax_rows(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def reference_loss(loss_name, output_activation, out, y):
    """The loss written out by hand from the model's output ``out`` (no clipping, no fusing)."""
    if loss_name == "mse":
        return np.mean((out - y) ** 2)
    if loss_name == "binary_cross_entropy":  # out are probabilities
        return -np.mean(y * np.log(out) + (1 - y) * np.log(1 - out))
    # softmax cross-entropy: a softmax layer's output are the probabilities;
    # any other output layer's values are the logits
    p = out if output_activation == "softmax" else softmax_rows(out)
    return -np.mean(np.sum(y * np.log(p), axis=1))


def combos():
    for loss in ("mse", "softmax_cross_entropy"):
        for hidden in HIDDEN:
            for out in OUTPUTS:
                yield hidden, out, loss
    for hidden in HIDDEN:
        yield hidden, "sigmoid", "binary_cross_entropy"   # fused, one output
        yield hidden, "sigmoid3", "binary_cross_entropy"  # fused, three yes/no outputs
        yield hidden, "softmax", "binary_cross_entropy"   # probabilities, not fused
    yield "softmax", "softmax", "softmax_cross_entropy"   # even a softmax hidden layer


def build(hidden, output, loss_name, seed=0):
    n_out = 1 if (loss_name == "binary_cross_entropy" and output == "sigmoid") else 3
    output = output.rstrip("3")
    model = SequentialModel([
        DenseLayer(3, 5, hidden), DenseLayer(5, 4, hidden), DenseLayer(4, n_out, output),
    ], seed=seed)
    rng = np.random.default_rng(seed + 100)
    for layer in model.layers:  # non-zero biases so that their gradients are tested
        layer.b = rng.uniform(-0.3, 0.3, layer.out_features)
    x = rng.standard_normal((6, 3))
    if loss_name == "mse":
        y = rng.standard_normal((6, n_out))
    elif loss_name == "binary_cross_entropy":
        y = rng.integers(0, 2, (6, n_out)).astype(float)
    else:
        y = rng.integers(0, n_out, 6)  # integer labels, as a user passes them
    return model, x, y


@pytest.mark.parametrize("hidden,output,loss_name", list(combos()))
def test_model_gradient_with_the_trainers_gradient(hidden, output, loss_name):
    model, x, y = build(hidden, output, loss_name)
    output = output.rstrip("3")
    trainer = Trainer(model, loss_name)
    Y = trainer.loss.prepare_targets(y, model.output_size)
    logits = trainer.logits
    assert logits == ((loss_name, output) in {("binary_cross_entropy", "sigmoid"),
                                             ("softmax_cross_entropy", "softmax")})
    # the trainer's gradient: from the logits when fused, from the output otherwise
    out = model.forward(x)
    if logits:
        _, grad = trainer.loss.loss_and_grad_from_logits(Y, model.layers[-1].last_preactivation)
    else:
        grad = trainer.loss.backward(Y, out)
    model.backward(grad, logits=logits)
    params, grads = model.flat_parameters
    for layer in model.layers[:-1]:
        if layer.activation.name in ("relu", "leaky_relu"):
            assert np.min(np.abs(layer.last_preactivation)) > 1e-3  # no kink within eps
    check_gradient(lambda: reference_loss(loss_name, output, model.forward(x), Y), params, grads,
                   what=f"{hidden}/{output}/{loss_name}")


@pytest.mark.parametrize("kind", ["l1", "l2"])
@pytest.mark.parametrize("hidden,output,loss_name", [
    ("tanh", "softmax", "softmax_cross_entropy"), ("relu", "sigmoid", "binary_cross_entropy"),
    ("sigmoid", "linear", "mse"),
])
def test_training_step_follows_loss_plus_penalty_gradient(kind, hidden, output, loss_name):
    """SGD with lr=1 moves the parameters by exactly -d(loss + penalty)/d(params)."""
    model, x, y = build(hidden, output, loss_name, seed=3)
    rate = 0.05
    trainer = Trainer(model, loss_name, lr=1.0, regularization=kind, reg_rate=rate)
    Y = trainer.loss.prepare_targets(y, model.output_size)
    params = model.flat_parameters[0]
    weight_views = [layer.params["W"] for layer in model.layers]

    def penalty():  # written out: weights only, never biases
        if kind == "l2":
            return 0.5 * rate * sum(np.sum(w ** 2) for w in weight_views)
        return rate * sum(np.sum(np.abs(w)) for w in weight_views)
    assert trainer.regularizer.penalty(weight_views) == pytest.approx(penalty(), rel=1e-14)

    def total():
        return reference_loss(loss_name, output, model.forward(x), Y) + penalty()
    before = params.copy()
    loss = trainer.train_step(x, Y)
    step = before - params
    params[...] = before  # evaluate the numerical gradient where the step was taken
    assert loss == pytest.approx(reference_loss(loss_name, output, model.forward(x), Y), rel=1e-12)
    assert np.min(np.abs(before)) > 1e-3 or kind == "l2"  # L1 has a kink at 0
    check_gradient(total, params, step, tol=1e-5, what=f"{kind} step")


def test_regularizer_gradient_matches_central_differences():
    from nnpy.optim import Regularizer
    rng = np.random.default_rng(1)
    W = [rng.uniform(0.1, 1, (3, 4)) * rng.choice([-1, 1], (3, 4)), rng.standard_normal((4, 2))]
    W[1][np.abs(W[1]) < 0.1] = 0.5
    for kind in ("l1", "l2"):
        reg = Regularizer(kind, 0.3)
        for i, w in enumerate(W):
            grads = [np.zeros_like(v) for v in W]
            reg.add_gradient(W, grads)
            check_gradient(lambda: reg.penalty(W), w, grads[i], what=f"{kind} weight {i}")
    assert Regularizer(None, 1.0).penalty(W) == 0.0
    assert Regularizer("l2", 0.0).active is False


# -- state dict, config, summary -----------------------------------------------------------

def seed_network(**kwargs):
    return SequentialModel([
        DenseLayer(2, 6, relu, relu_deriv),
        DenseLayer(6, 3, relu, relu_deriv),
        DenseLayer(3, 1, sigmoid, sigmoid_deriv),
    ], **kwargs)


def test_state_dict_has_dotted_names_and_copies():
    model = seed_network(seed=0)
    state = model.state_dict()
    assert list(state) == ["0.W", "0.b", "1.W", "1.b", "2.W", "2.b"]
    assert [v.shape for v in state.values()] == [(2, 6), (6,), (6, 3), (3,), (3, 1), (1,)]
    np.testing.assert_array_equal(state["1.W"], model.layers[1].W)
    state["1.W"][...] = 7.0  # a copy: the model is unchanged
    assert not np.any(model.layers[1].W == 7.0)
    assert [name for name, _, _ in model.parameters()] == list(state)


def test_load_state_dict_round_trip_and_predictions():
    a, b = seed_network(seed=1), seed_network(seed=2)
    x = np.random.default_rng(0).standard_normal((5, 2))
    assert not np.array_equal(a.predict(x), b.predict(x))
    b.load_state_dict(a.state_dict())
    np.testing.assert_array_equal(a.predict(x), b.predict(x))


def test_strict_load_names_every_problem_and_changes_nothing():
    model = seed_network(seed=3)
    before = model.state_dict()
    bad = model.state_dict()
    del bad["2.b"]
    bad["3.W"] = np.zeros((1, 1))
    bad["1.W"] = np.zeros((3, 6))
    bad["0.b"] = np.full(6, 9.0)  # a good key, which must not be loaded either
    with pytest.raises(ValueError) as info:
        model.load_state_dict(bad)
    message = str(info.value)
    assert "missing keys: 2.b" in message
    assert "unexpected keys: 3.W" in message
    assert "1.W has shape (3, 6), the model needs (6, 3)" in message
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[name])
    with pytest.raises(ValueError, match="0.W has dtype <U1"):
        model.load_state_dict(dict(before, **{"0.W": np.full((2, 6), "a")}))


def test_non_strict_load_allows_missing_and_unexpected_but_not_shapes():
    model = seed_network(seed=4)
    model.load_state_dict({"0.b": np.ones(6), "extra": np.zeros(2)}, strict=False)
    np.testing.assert_array_equal(model.layers[0].b, np.ones(6))
    with pytest.raises(ValueError, match="0.b has shape"):
        model.load_state_dict({"0.b": np.ones(5)}, strict=False)


def test_config_round_trip_rebuilds_the_architecture():
    model = SequentialModel([DenseLayer(4, 3, {"name": "leaky_relu", "alpha": 0.2}),
                             DenseLayer(3, 2, "softmax", init="glorot_normal")], dtype=np.float32)
    config = model.get_config()
    assert config == {
        "class": "SequentialModel", "dtype": "float32",
        "layers": [
            {"class": "Dense", "in_features": 4, "out_features": 3,
             "activation": {"name": "leaky_relu", "alpha": 0.2}, "init": "he_normal"},
            {"class": "Dense", "in_features": 3, "out_features": 2,
             "activation": {"name": "softmax"}, "init": "glorot_normal"},
        ]}
    again = SequentialModel.from_config(config)
    assert again.get_config() == config and again.dtype == np.float32
    again.load_state_dict(model.state_dict())
    x = np.random.default_rng(1).standard_normal((3, 4))
    np.testing.assert_array_equal(again.predict(x), model.predict(x))
    import json
    assert SequentialModel.from_config(json.loads(json.dumps(config))).get_config() == config


@pytest.mark.parametrize("config,match", [
    ([], "is a dict"),
    ({"class": "Graph", "layers": []}, "'Graph'"),
    ({"layers": []}, "non-empty list"),
    ({"layers": [{"class": "Conv"}]}, "Layer 0: unknown layer class 'Conv'"),
    ({"layers": [{"in_features": 2, "out_features": 2, "activation": "swish"}]},
     "Layer 0: Unknown activation 'swish'"),
    ({"dtype": "float16", "layers": [{"in_features": 2, "out_features": 2}]}, "'float16'"),
    ({"layers": [{"in_features": 2, "out_features": 3}, {"in_features": 4, "out_features": 1}]},
     "Layer 1 expects 4 inputs but layer 0 gives 3 outputs"),
])
def test_bad_configs_are_rejected_by_name(config, match):
    with pytest.raises(ValueError, match=match):
        SequentialModel.from_config(config)


def test_layer_size_mismatch_names_the_layers():
    with pytest.raises(ValueError, match="Layer 2 expects 4 inputs but layer 1 gives 3 outputs"):
        SequentialModel([DenseLayer(2, 6), DenseLayer(6, 3), DenseLayer(4, 1)])
    with pytest.raises(ValueError, match="at least one layer"):
        SequentialModel([])
    with pytest.raises(TypeError, match="Layer 1 is 'relu'"):
        SequentialModel([DenseLayer(2, 2), "relu"])


def test_summary_table_and_count_params():
    model = seed_network(seed=0)
    assert model.count_params() == (2 * 6 + 6) + (6 * 3 + 3) + (3 * 1 + 1) == 43
    lines = []
    model.summary(print_fn=lines.append)
    text = lines[0]
    assert text == model.format_summary()
    rows = text.splitlines()
    assert "input: 2 features, float64" in rows[0]
    header = next(r for r in rows if r.startswith("Layer"))
    assert "Output shape" in header and "Params" in header
    body = [r.split() for r in rows if r[:1].isdigit()]
    assert body == [["0:", "Dense", "(relu)", "(None,", "6)", "18"],
                    ["1:", "Dense", "(relu)", "(None,", "3)", "21"],
                    ["2:", "Dense", "(sigmoid)", "(None,", "1)", "4"]]
    assert "Total params: 43" in rows
    big = SequentialModel.from_structure([784, 128, 10], seed=0)
    assert "Total params: 101,770" in big.format_summary().splitlines()
    assert big.count_params() == 784 * 128 + 128 + 128 * 10 + 10


def test_from_structure_is_the_seed_2_network():
    model = SequentialModel.from_structure([784, 128, 64, 10], seed=0)
    assert [(l.in_features, l.out_features, l.activation.name, l.init) for l in model.layers] == [
        (784, 128, "relu", "he_normal"), (128, 64, "relu", "he_normal"),
        (64, 10, "softmax", "glorot_uniform")]
    p = model.predict(np.random.default_rng(0).uniform(0, 1, (3, 784)))
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-12)
    assert model.layers[0].W.std() == pytest.approx(math.sqrt(2 / 784), rel=0.02)
    with pytest.raises(ValueError, match=r"\[5\]"):
        SequentialModel.from_structure([5])


# -- dtype and seeds -------------------------------------------------------------------

def test_float32_everywhere_and_it_trains():
    from nnpy.datasets import make_dataset
    X, y = make_dataset("xor", n=200, noise=0.0, seed=0)
    model = SequentialModel.from_structure([2, 8, 2], hidden_activation="tanh", seed=0,
                                           dtype=np.float32)
    params, grads = model.flat_parameters
    assert params.dtype == grads.dtype == np.float32
    for layer in model.layers:
        assert layer.W.dtype == layer.b.dtype == layer.grads["W"].dtype == np.float32
    assert model.predict(X).dtype == np.float32
    assert model.state_dict()["0.W"].dtype == np.float32
    trainer = Trainer(model, "softmax_cross_entropy", lr=0.05, optimizer="adam", seed=0)
    Xp, Yp = trainer.prepare(X, y)
    assert Xp.dtype == Yp.dtype == np.float32
    loss0, _ = trainer.evaluate(X, y)
    trainer.train(X, y, epochs=30, batch_size=20)
    loss1, acc = trainer.evaluate(X, y)
    assert loss1 < 0.5 * loss0 and acc >= 0.9
    assert params.dtype == np.float32 and model.layers[0].W.dtype == np.float32
    for layer in model.layers:  # caches too: nothing slipped into float64
        assert layer._z.dtype == layer._a.dtype == np.float32
    SequentialModel([DenseLayer(2, 2, "leaky_relu"), DenseLayer(2, 1, "sigmoid")], dtype="float32")


def test_model_dtype_converts_float64_layers():
    layers = [DenseLayer(2, 3, seed=0), DenseLayer(3, 1, seed=1)]
    W0 = layers[0].W.copy()
    model = SequentialModel(layers, dtype=np.float32)
    assert model.layers[0].W.dtype == np.float32
    np.testing.assert_array_equal(model.layers[0].W, W0.astype(np.float32))


def test_same_seed_same_weights_different_seed_different():
    a, b, c = seed_network(seed=5), seed_network(seed=5), seed_network(seed=6)
    for name, value in a.state_dict().items():
        np.testing.assert_array_equal(value, b.state_dict()[name])
    assert not np.array_equal(a.state_dict()["0.W"], c.state_dict()["0.W"])
    s1 = SequentialModel.from_structure([3, 4, 2], seed=9).state_dict()
    s2 = SequentialModel.from_structure([3, 4, 2], seed=9).state_dict()
    assert all(np.array_equal(s1[k], s2[k]) for k in s1)


def test_same_seeds_give_the_same_training_run_bit_for_bit():
    from nnpy.datasets import make_dataset
    X, y = make_dataset("spiral", n=120, noise=0.1, seed=3)

    def run(model_seed, trainer_seed):
        model = SequentialModel.from_structure([2, 8, 8, 2], seed=model_seed)
        trainer = Trainer(model, "softmax_cross_entropy", lr=0.01, optimizer="adam",
                          seed=trainer_seed)
        history = trainer.train(X, y, epochs=5, batch_size=16)
        return model.state_dict(), history

    (s1, h1), (s2, h2) = run(1, 2), run(1, 2)
    assert h1 == h2  # exact float equality, epoch by epoch
    for name in s1:
        assert s1[name].tobytes() == s2[name].tobytes()
    s3, h3 = run(1, 3)  # another shuffle order
    assert h3 != h1 and not np.array_equal(s3["0.W"], s1["0.W"])
    s4, h4 = run(4, 2)  # other initial weights
    assert h4 != h1 and not np.array_equal(s4["0.W"], s1["0.W"])


# -- running ------------------------------------------------------------------------

def test_predict_shapes_chunks_and_errors():
    model = SequentialModel.from_structure([2, 5, 3], seed=0)
    x = np.random.default_rng(0).standard_normal((10, 2))
    full = model.predict(x)
    assert full.shape == (10, 3)
    np.testing.assert_allclose(model.predict(x, batch_size=3), full, rtol=1e-15)
    single = model.predict([0.5, -1.0])
    assert single.shape == (3,)
    np.testing.assert_allclose(single, model.predict(np.array([[0.5, -1.0]]))[0], rtol=1e-15)
    np.testing.assert_array_equal(model.predict_classes(x), np.argmax(full, axis=1))
    np.testing.assert_array_equal(model(x), full)
    with pytest.raises(ValueError, match=r"shape \(n, 2\). Received shape \(4, 3\)"):
        model.predict(np.zeros((4, 3)))
    binary = seed_network(seed=0)
    p = binary.predict(x)
    np.testing.assert_array_equal(binary.predict_classes(x), (p[:, 0] >= 0.5).astype(int))


def test_model_container_protocol_and_repr():
    model = seed_network(seed=0)
    assert len(model) == 3 and model[1] is model.layers[1] and list(model) == model.layers
    assert "DenseLayer(6, 3, activation='relu')" in repr(model)
    model.zero_grad()
    assert not np.any(model.flat_parameters[1])
