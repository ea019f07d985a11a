"""A look inside one training step (nnpy.browser.inside): every delta and weight gradient it
reports equals a central-difference derivative of the loss (float64, relative error < 1e-6), on
random networks with every activation, loss and optimizer, with and without weight penalties;
the weights after the step equal, bit for bit, those of one Trainer step on the same batch; the
trainer is not touched; the source lines shown are nnpy's own."""

import inspect

import numpy as np
import pytest

from nnpy import DenseLayer, SequentialModel, Trainer
from nnpy.browser.inside import clone_model, look_inside, source_lines
from nnpy import layers as layers_module, optim as optim_module

from gradcheck import assert_gradients_close, numerical_gradient

HIDDEN = ["relu", "leaky_relu", "sigmoid", "tanh", "linear"]
# (output activation, loss, outputs): the fused pairs, and outputs the loss does not fuse with
OUTPUTS = [("sigmoid", "binary_cross_entropy", 1), ("softmax", "softmax_cross_entropy", 3),
           ("linear", "mse", 2), ("sigmoid", "mse", 1), ("linear", "softmax_cross_entropy", 3),
           ("tanh", "mse", 2)]
OPTIMIZERS = ["sgd", "momentum", "adam"]
PENALTIES = [(None, 0.0), ("l2", 0.03), ("l1", 0.01)]


def make_case(hidden, output, optimizer, penalty, seed, n=5, warm_steps=2, fast=True):
    """A random 3-4-3-out network (both hidden layers ``hidden``), a batch of ``n`` and a trainer
    that has already taken ``warm_steps`` steps (so momentum and Adam have state)."""
    rng = np.random.default_rng(seed)
    out_act, loss, k = output
    model = SequentialModel([DenseLayer(3, 4, hidden), DenseLayer(4, 3, hidden),
                             DenseLayer(3, k, out_act)], seed=seed)
    trainer = Trainer(model, loss, lr=0.05, optimizer=optimizer, regularization=penalty[0],
                      reg_rate=penalty[1], seed=seed, fast=fast)  # fast: the page engines' path
    X = rng.normal(size=(n, 3))
    if loss == "mse":
        y = rng.normal(size=(n, k)) * 0.5
    elif k == 1:
        y = rng.integers(0, 2, size=n)
    else:
        y = rng.integers(0, k, size=n)
    for _ in range(warm_steps):
        trainer.train_step(*trainer.prepare(rng.normal(size=(n, 3)), y))
    return trainer, X, y


def reference_loss(model, trainer, X, Y, offsets=None):
    """The batch loss computed here, layer by layer (``z + offset`` per layer), for central
    differences: only nnpy's activations' and loss's forward functions are used."""
    a = X
    last = len(model.layers) - 1
    for i, layer in enumerate(model.layers):
        z = a @ layer.params["W"] + layer.params["b"]
        if offsets is not None:
            z = z + offsets[i]
        if i == last and trainer.logits:  # the loss's own value from the logits, as the trainer takes it
            return trainer.loss.loss_and_grad_from_logits(Y, z, need_grad=False)[0]
        if i == last and trainer.loss.name == "softmax_cross_entropy":
            return trainer.loss.forward(Y, z)  # this loss takes logits (of a linear output)
        a = layer.activation.forward(z)
    return trainer.loss.forward(Y, a)


CASES = ([(h, OUTPUTS[i % len(OUTPUTS)], OPTIMIZERS[i % 3], PENALTIES[i % 3]) for i, h in enumerate(HIDDEN)]
         + [(HIDDEN[i % len(HIDDEN)], out, OPTIMIZERS[(i + 1) % 3], PENALTIES[(i + 2) % 3])
            for i, out in enumerate(OUTPUTS)]
         + [("tanh", OUTPUTS[0], opt, pen) for opt in OPTIMIZERS for pen in PENALTIES])


def case_id(case):
    hidden, (out, loss, _), opt, (pen, _) = case
    return f"{hidden}-{out}-{loss}-{opt}-{pen or 'nopenalty'}"


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_deltas_and_weight_gradients_equal_central_differences(case):
    hidden, output, optimizer, penalty = case
    trainer, X, y = make_case(hidden, output, optimizer, penalty, seed=len(case_id(case)))
    Xp, Y = trainer.prepare(X, y)
    inside = look_inside(trainer, X, y)
    probe = clone_model(trainer.model)

    assert inside["loss"] == pytest.approx(reference_loss(probe, trainer, Xp, Y), rel=1e-9)
    offsets = [np.zeros((X.shape[0], layer.out_features)) for layer in probe.layers]
    for i, layer in enumerate(probe.layers):
        # delta = dL/dz, every sample and neuron
        numeric = numerical_gradient(lambda: reference_loss(probe, trainer, Xp, Y, offsets), offsets[i])
        assert_gradients_close(inside["layers"][i]["delta"], numeric)
        # dL/dW and dL/db of the loss, and of the loss plus the weight penalty (what the optimizer used)
        for key in ("W", "b"):
            numeric = numerical_gradient(lambda: reference_loss(probe, trainer, Xp, Y), layer.params[key])
            assert_gradients_close(inside["layers"][i]["d" + key], numeric)
        total = numerical_gradient(
            lambda: reference_loss(probe, trainer, Xp, Y)
            + trainer.regularizer.penalty([l.params["W"] for l in probe.layers]), layer.params["W"])
        assert_gradients_close(inside["layers"][i]["grad_W"], total)
    assert np.array_equal(probe.flat_parameters[0], trainer.model.flat_parameters[0])  # restored


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_update_equals_one_trainer_step_exactly(case):
    hidden, output, optimizer, penalty = case
    trainer, X, y = make_case(hidden, output, optimizer, penalty, seed=7)
    before = trainer.model.flat_parameters[0].copy()
    state_before = {k: (tuple(a.copy() for a in v) if isinstance(v, tuple) else v.copy())
                    for k, v in trainer.optimizer.state.items()}
    inside = look_inside(trainer, X, y)
    # the trainer is untouched
    assert np.array_equal(trainer.model.flat_parameters[0], before)
    assert trainer.optimizer.iterations == 2 and trainer.step_count == 2
    for k, v in state_before.items():
        now = trainer.optimizer.state[k]
        assert all(np.array_equal(a, b) for a, b in zip(np.atleast_1d(v) if not isinstance(v, tuple) else v,
                                                      np.atleast_1d(now) if not isinstance(now, tuple) else now))
    trainer.train_step(*trainer.prepare(X, y))
    for i, layer in enumerate(trainer.model.layers):
        assert np.array_equal(inside["layers"][i]["new_W"], layer.params["W"])
        assert np.array_equal(inside["layers"][i]["new_b"], layer.params["b"])
        assert np.array_equal(inside["layers"][i]["grad_W"], layer.grads["W"])
    assert inside["optimizer"]["t"] == trainer.optimizer.iterations == 3
    # the optimizer state after the step, per parameter
    state = trainer.optimizer.state.get("params")
    for i, layer in enumerate(trainer.model.layers):
        after = inside["layers"][i]["state_after"]
        if optimizer == "adam":
            offset = sum(l.params["W"].size + l.params["b"].size for l in trainer.model.layers[:i])
            m_w = state[0][offset:offset + layer.params["W"].size].reshape(layer.params["W"].shape)
            assert np.array_equal(after["m"]["W"], m_w)
        elif optimizer == "momentum":
            assert set(after) == {"velocity"}
        else:
            assert after == {}


def test_the_card_formulas_hold_for_every_neuron():
    """What the neuron card shows: z = sum(w a) + b, a = act(z), delta = (sum w_next delta_next) act'(z);
    the link card: dL/dw = sum over the batch of a_i delta_j; the update w - lr g for plain SGD."""
    trainer, X, y = make_case("tanh", OUTPUTS[0], "sgd", (None, 0.0), seed=3, n=1)
    inside = look_inside(trainer, X, y)
    layers = inside["layers"]
    for i, L in enumerate(layers):
        assert np.allclose(L["z"], L["x"] @ L["W"] + L["b"], rtol=1e-12, atol=1e-15)
        if i < len(layers) - 1:
            nxt = layers[i + 1]
            assert np.allclose(L["a"], np.tanh(L["z"]), rtol=1e-12)
            assert np.allclose(L["grad_a"], nxt["delta"] @ nxt["W"].T, rtol=1e-12, atol=1e-15)
            assert np.allclose(L["delta"], L["grad_a"] * L["act_deriv"], rtol=1e-12, atol=1e-15)
            assert np.allclose(L["act_deriv"], 1 - np.tanh(L["z"]) ** 2, rtol=1e-12)
        assert np.allclose(L["dW"], L["x"].T @ L["delta"], rtol=1e-12, atol=1e-15)
        assert np.allclose(L["new_W"], L["W"] - 0.05 * L["grad_W"], rtol=1e-12, atol=1e-15)
    out = layers[-1]
    assert out["grad_a"] is None and out["act_deriv"] is None and inside["logits"]
    p = 1 / (1 + np.exp(-out["z"]))
    assert np.allclose(out["a"], p) and np.allclose(out["delta"], p - inside["targets"])


def test_momentum_and_adam_report_the_state_they_used():
    trainer, X, y = make_case("relu", OUTPUTS[1], "momentum", (None, 0.0), seed=4)
    L = look_inside(trainer, X, y)["layers"][0]
    v0, v1 = L["state_before"]["velocity"]["W"], L["state_after"]["velocity"]["W"]
    assert np.allclose(v1, 0.9 * v0 + L["grad_W"], rtol=1e-12)
    assert np.allclose(L["new_W"], L["W"] - 0.05 * v1, rtol=1e-12)

    trainer, X, y = make_case("relu", OUTPUTS[1], "adam", (None, 0.0), seed=4)
    inside = look_inside(trainer, X, y)
    L, t = inside["layers"][0], inside["optimizer"]["t"]
    m0, v0 = L["state_before"]["m"]["W"], L["state_before"]["v"]["W"]
    m1, v1 = L["state_after"]["m"]["W"], L["state_after"]["v"]["W"]
    g = L["grad_W"]
    assert np.allclose(m1, 0.9 * m0 + 0.1 * g, rtol=1e-12) and np.allclose(v1, 0.999 * v0 + 0.001 * g * g, rtol=1e-12)
    m_hat, v_hat = m1 / (1 - 0.9 ** t), v1 / (1 - 0.999 ** t)
    assert np.allclose(L["new_W"], L["W"] - 0.05 * m_hat / (np.sqrt(v_hat) + 1e-8), rtol=1e-9, atol=1e-12)


def test_a_first_momentum_step_has_no_velocity_before():
    trainer, X, y = make_case("tanh", OUTPUTS[0], "momentum", (None, 0.0), seed=5, warm_steps=0)
    L = look_inside(trainer, X, y)["layers"][1]
    assert L["state_before"]["velocity"]["W"] is None
    assert np.array_equal(L["state_after"]["velocity"]["W"], L["grad_W"])


def test_a_diverging_step_is_reported_and_keeps_the_weights():
    trainer, X, y = make_case("linear", ("linear", "mse", 2), "sgd", (None, 0.0), seed=6)
    trainer.lr = 1e300
    inside = look_inside(trainer, X * 1e10, y)
    assert inside["diverged"] and "diverged" in inside["diverged"]
    for L in inside["layers"]:
        assert np.array_equal(L["new_W"], L["W"])


def test_bad_input_is_refused_with_the_shape():
    trainer, X, y = make_case("tanh", OUTPUTS[0], "sgd", (None, 0.0), seed=1)
    with pytest.raises(ValueError, match="shape"):
        look_inside(trainer, np.ones((2, 5)), [0, 1])


def test_source_lines_are_nnpys_own():
    trainer, X, y = make_case("relu", OUTPUTS[1], "adam", ("l2", 0.01), seed=1)
    trainer.set_data(X, y)
    src = source_lines(trainer)
    forward = src["forward"][0]
    assert forward["file"] == "nnpy/layers.py"
    lines, start = inspect.getsourcelines(layers_module.DenseLayer.forward)
    assert forward["start"] == start and forward["code"] == "".join(lines)
    assert "x" in forward["code"] and "W" in forward["code"]
    assert any("loss_and_grad_from_logits" in part["code"] for part in src["loss"])
    assert src["update"][0]["file"] == "nnpy/optim.py"
    # the engines' path (fast=True) runs Adam's in-place update, not the per-parameter one
    shown = [p["code"] for p in src["update"]]
    assert source_of(optim_module.Adam._update_inplace) in shown
    assert source_of(optim_module.Adam._update) not in shown


def source_of(fn):
    return "".join(inspect.getsourcelines(fn)[0])


def codes(parts):
    return [p["code"] for p in parts]


def test_source_lines_leave_out_an_output_activation_fused_into_the_loss():
    # sigmoid output trained on logits (binary cross-entropy from logits): the step never runs
    # Sigmoid.forward nor Sigmoid.backward, so neither is shown (Sigmoid.backward was)
    from nnpy.activations import Sigmoid, Softmax, Tanh, _sigmoid
    from nnpy.losses import BinaryCrossEntropy, SoftmaxCrossEntropy
    from nnpy.layers import DenseLayer as Dense
    trainer, X, y = make_case("tanh", OUTPUTS[0], "sgd", (None, 0.0), seed=2)
    assert trainer.logits
    trainer.set_data(X, y)
    src = source_lines(trainer)
    assert codes(src["forward"]) == [source_of(Dense.forward), source_of(Tanh.forward)]
    assert codes(src["loss"]) == [source_of(BinaryCrossEntropy.loss_and_grad_from_logits)]
    assert codes(src["backward"]) == [source_of(Dense.backward), source_of(Tanh.backward)]
    # with sigmoid hidden layers the same functions do run (for the hidden layers): shown
    trainer, X, y = make_case("sigmoid", OUTPUTS[0], "sgd", (None, 0.0), seed=2)
    trainer.set_data(X, y)
    src = source_lines(trainer)
    assert codes(src["forward"]) == [source_of(Dense.forward), source_of(Sigmoid.forward), source_of(_sigmoid)]
    assert codes(src["backward"]) == [source_of(Dense.backward), source_of(Sigmoid.backward)]
    # softmax with cross-entropy on logits: no Softmax method, the loss's one-hot helper
    trainer, X, y = make_case("relu", OUTPUTS[1], "sgd", (None, 0.0), seed=2)
    trainer.set_data(X, y)
    src = source_lines(trainer)
    shown = codes(src["forward"]) + codes(src["backward"])
    assert source_of(Softmax.forward) not in shown and source_of(Softmax.backward) not in shown
    assert codes(src["loss"]) == [source_of(SoftmaxCrossEntropy.loss_and_grad_from_logits),
                                  source_of(SoftmaxCrossEntropy._one_hot)]


def traced_functions(trainer, X, Y):
    """``{(file name, first line)}`` of every function of nnpy's maths files one ``train_step`` of
    a copy of ``trainer`` calls, property accessors and comprehensions aside: sys.settrace, a
    different hook from the one source_lines uses, on the trainer's own step (a deep copy)."""
    import copy
    import sys
    step = copy.deepcopy(trainer)
    files = ("layers.py", "activations.py", "losses.py", "optim.py", "backend.py")
    seen = set()

    def tracer(frame, event, arg):
        code = frame.f_code
        file = code.co_filename.replace("\\", "/").rsplit("/", 1)[-1]
        if event == "call" and "/nnpy/" in code.co_filename.replace("\\", "/") and file in files \
                and not code.co_name.startswith("<"):
            owner = frame.f_locals.get("self")
            attr = inspect.getattr_static(type(owner), code.co_name, None) if owner is not None else None
            if not (isinstance(attr, property) and attr.fget is not None and attr.fget.__code__ is code) \
                    and not (isinstance(attr, property) and attr.fset is not None and attr.fset.__code__ is code):
                seen.add((file, code.co_firstlineno))
        return None

    sys.settrace(tracer)
    try:
        step.train_step(X, Y)
    finally:
        sys.settrace(None)
    return seen


@pytest.mark.parametrize("case", range(len(OUTPUTS) * len(OPTIMIZERS)))
def test_source_lines_are_exactly_the_functions_the_step_runs(case):
    from nnpy.browser.inside import next_batch
    output, optimizer = OUTPUTS[case % len(OUTPUTS)], OPTIMIZERS[case // len(OUTPUTS)]
    hidden = HIDDEN[case % len(HIDDEN)]
    penalty = PENALTIES[case % len(PENALTIES)]
    fast = case % 2 == 0
    trainer, X, y = make_case(hidden, output, optimizer, penalty, seed=case, fast=fast)
    trainer.set_data(X, y)
    before = (trainer.model.flat_parameters[0].copy(), trainer.step_count,
              {k: np.copy(v) if isinstance(v, np.ndarray) else v for k, v in trainer.optimizer.state.items()})
    src = source_lines(trainer)
    shown = {(p["file"].rsplit("/", 1)[-1], p["start"]) for parts in src.values() for p in parts}
    assert shown == traced_functions(trainer, *next_batch(trainer))
    for parts in src.values():
        for p in parts:
            assert p["file"].startswith("nnpy/") and p["code"].lstrip().startswith(("def ", "@"))
    # the update shows the optimizer path this trainer runs, and the penalty's gradient when there is one
    shown_update = codes(src["update"])
    cls = type(trainer.optimizer)
    assert (source_of(cls._update_inplace) in shown_update) == fast
    assert (source_of(cls._update) in shown_update) == (not fast)
    assert (source_of(optim_module.Regularizer.add_gradient) in shown_update) == (penalty[0] is not None)
    # looking changed nothing
    assert np.array_equal(trainer.model.flat_parameters[0], before[0]) and trainer.step_count == before[1]
    assert trainer.optimizer.state.keys() == before[2].keys()


# ------------------------------------------------------------------ the playground engine's calls

from nnpy.browser.playground import Playground  # noqa: E402
from nnpy.datasets import feature_map  # noqa: E402


def playground(**state):
    pg = Playground()
    pg.configure({"dataset": "spiral", "noise": 0.1, "features": ["x1", "x2", "x1^2", "sin(x1)"],
                  "layers": [{"units": 5, "activation": "relu"}, {"units": 3, "activation": "tanh"}],
                  **state})
    pg.train(3)
    return pg


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_playground_update_takes_exactly_the_step_it_showed(optimizer):
    pg = playground(optimizer=optimizer, regularization="l2", reg_rate=0.01)
    before = pg.model.flat_parameters[0].copy()
    epoch, steps = pg.trainer.epoch, pg.trainer.step_count
    shown = pg.inside([1.5, -2.0], 1)
    assert np.array_equal(pg.model.flat_parameters[0], before)  # looking changes nothing
    assert shown["label"] == 1 and shown["label_from"] == "chosen" and shown["nearest"] is None
    assert shown["n"] == 1 and shown["layers"][0]["x"].shape == (1, 4)
    assert np.allclose(shown["layers"][0]["x"], feature_map(np.array([[1.5, -2.0]]), shown["features"]))
    # the same step in a trainer of its own, from the same weights and optimizer state
    reference = playground(optimizer=optimizer, regularization="l2", reg_rate=0.01)
    reference.trainer.train_step(*reference.trainer.prepare(shown["layers"][0]["x"], np.array([1])))
    snap = pg.inside_update([1.5, -2.0], 1)["snapshot"]
    assert np.array_equal(snap["params"], reference.model.flat_parameters[0])
    offset = 0
    for layer in shown["layers"]:
        for key in ("W", "b"):
            size = layer["new_" + key].size
            assert np.array_equal(snap["params"][offset:offset + size], layer["new_" + key].reshape(-1))
            offset += size
    assert pg.trainer.epoch == epoch and pg.trainer.step_count == steps + 1
    assert any("one step on the point (1.5, -2)" in note for note in pg._unreplayed)


def test_playground_label_from_the_nearest_training_point():
    pg = playground()
    i = 17
    x = pg.X_train[i] + 1e-3
    shown = pg.inside([float(x[0]), float(x[1])])
    assert shown["label_from"] == "nearest" and shown["nearest"]["index"] == i
    assert shown["label"] == int(pg.y_train[i])
    assert shown["loss"] == pytest.approx(
        pg.trainer.loss.forward(np.array([[shown["label"]]]), shown["layers"][-1]["a"]), rel=1e-9)


def test_playground_multiclass_and_regression():
    pg = playground(classes=3)
    shown = pg.inside([0.0, 1.0], 2)
    assert shown["layers"][-1]["a"].shape == (1, 3) and shown["targets"].tolist() == [[0, 0, 1]]
    assert shown["layers"][-1]["a"].sum() == pytest.approx(1.0)
    pg = playground(problem="regression", dataset="reg-plane")
    shown = pg.inside([0.5, 0.5], -0.25)
    assert shown["loss_name"] == "mse" and shown["label"] == -0.25
    assert shown["layers"][-1]["delta"].shape == (1, 1)


@pytest.mark.parametrize("point, label, match", [
    ([1.0], 0, "point"), ("ab", 0, "point"), ([1.0, float("nan")], 0, "point"), ([1e9, 0.0], 0, "point"),
    ([[1.0, 2.0]], 0, "point"), ([1.0, 2.0], 2, "class from 0 to 1"), ([1.0, 2.0], 0.5, "class"),
    ([1.0, 2.0], "1", "class"), ([1.0, 2.0], float("nan"), "class"), ([1.0, 2.0], True, "class"),
])
def test_playground_refuses_a_bad_point_or_label_and_changes_nothing(point, label, match):
    pg = playground()
    before, steps = pg.model.flat_parameters[0].copy(), pg.trainer.step_count
    with pytest.raises(ValueError, match=match):
        pg.inside(point, label)
    with pytest.raises(ValueError, match=match):
        pg.inside_update(point, label)
    assert np.array_equal(pg.model.flat_parameters[0], before) and pg.trainer.step_count == steps


def test_playground_source_lines():
    src = playground(optimizer="momentum").inside_source()
    assert {part["file"] for part in src["update"]} == {"nnpy/optim.py"}
    # the engine's trainer takes the fast path: SGD's in-place update with momentum
    assert source_of(optim_module.SGD._update_inplace) in codes(src["update"])
    assert any("momentum" in part["code"] for part in src["update"])


@pytest.mark.parametrize("optimizer", ["momentum", "adam"])
def test_the_readable_path_shows_the_same_step_as_the_engines_fast_path(optimizer):
    # CPython's default Trainer keeps the optimizer state per parameter ("0.W"); the engines'
    # fast path keeps it for the flat vector. look_inside shows the same step for both.
    shown = []
    for fast in (True, False):
        trainer, X, y = make_case("tanh", OUTPUTS[0], optimizer, (None, 0.0), seed=3, fast=fast)
        shown.append(look_inside(trainer, X, y))
    for a, b in zip(shown[0]["layers"], shown[1]["layers"]):
        for key in ("new_W", "new_b", "grad_W"):
            assert np.array_equal(a[key], b[key]), key
        for when in ("state_before", "state_after"):
            for name in a[when]:
                for p in ("W", "b"):
                    assert np.array_equal(a[when][name][p], b[when][name][p]), (when, name, p)


@pytest.mark.parametrize("cursor_steps", [0, 7, 24])
def test_the_matrix_view_shows_the_batch_the_next_step_takes(cursor_steps):
    """Mid-epoch and at the start of an epoch (whose shuffle is drawn from a copy of the generator):
    the next real training step gives the weights the matrix view showed, bit for bit."""
    pg = playground(optimizer="adam")
    pg.trainer.train_steps(cursor_steps)
    shown = pg.inside_batch()
    assert shown["n"] == 10 and shown["layers"][0]["x"].shape == (10, 4)
    pg.trainer.train_steps(1)
    for L, layer in zip(shown["layers"], pg.model.layers):
        assert np.array_equal(L["new_W"], layer.params["W"]) and np.array_equal(L["new_b"], layer.params["b"])
        assert np.array_equal(L["x"], layer._x)  # the very inputs the step used


# ------------------------------------------------------------------ gradient health over training

def test_health_samples_the_latest_gradients_and_dead_relu_units():
    pg = playground(problem="classification", dataset="circle",
                    layers=[{"units": 8, "activation": "relu"}, {"units": 6, "activation": "tanh"}])
    health = pg.health()
    assert len(health["epoch"]) == 1 and health["epoch"] == [3]  # the snapshot after train(3)
    assert health["layers"] == ["relu", "tanh", "sigmoid"]
    pg.train(1)
    health = pg.health()
    assert health["epoch"][-1] == 4
    for i, layer in enumerate(pg.model.layers):
        assert health["grad"][-1][i] == pytest.approx(np.mean(np.abs(layer.grads["W"])), rel=1e-12)
    a = np.maximum(pg._F_train @ pg.model.layers[0].params["W"] + pg.model.layers[0].params["b"], 0)
    assert health["dead"][-1][0] == pytest.approx(np.mean(a.max(axis=0) == 0))
    assert health["dead"][-1][1:] == [None, None]
    pg.snapshot()  # no new step: no new sample
    assert len(pg.health()["epoch"]) == 2
    pg.reset()
    assert pg.health()["epoch"] == []


def test_health_shows_a_deep_sigmoid_network_first_layers_learning_slowly():
    pg = playground(dataset="circle", layers=[{"units": 8, "activation": "sigmoid"}] * 6)
    grads = np.array(pg.health()["grad"][-1])
    assert grads[0] < 0.1 * grads[-1]


def test_health_shows_relus_dying_at_a_too_high_learning_rate():
    pg = playground(dataset="circle", lr=3.0, layers=[{"units": 8, "activation": "relu"}] * 3)
    pg.train(5)
    dead = pg.health()["dead"][-1]
    assert max(dead[:3]) >= 0.25
