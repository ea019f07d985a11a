"""Optimizers against hand-written reference updates, several steps each; learning-rate
changes between steps; argument validation that echoes the bad value."""

import math

import numpy as np
import pytest

from nnpy import SGD, Adam, Momentum, Regularizer, SequentialModel, Trainer, get_optimizer


def grad_sequence(rng, shape, steps=6):
    return [rng.standard_normal(shape) for _ in range(steps)]


def run(optimizer, p0, grads, lrs=None):
    """Apply ``optimizer`` to a copy of ``p0`` with the given gradients; returns every iterate."""
    p = p0.copy()
    out = []
    for t, g in enumerate(grads):
        if lrs is not None:
            optimizer.lr = lrs[t]
        optimizer.step([("w", p, g)])
        out.append(p.copy())
    return out


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    return rng.standard_normal((3, 4)), grad_sequence(rng, (3, 4))


LRS = [0.1, 0.1, 0.02, 0.3, 0.0, 0.05]  # changed between steps, including a pause at 0


def test_sgd(data):
    p0, grads = data
    got = run(SGD(lr=0.1), p0, grads, LRS)
    p = p0.copy()
    for t, g in enumerate(grads):
        p = p - LRS[t] * g
        np.testing.assert_allclose(got[t], p, rtol=1e-14, atol=1e-15)
    assert np.array_equal(got[4], got[3])  # lr = 0 leaves the weights alone


@pytest.mark.parametrize("nesterov", [False, True])
def test_momentum(data, nesterov):
    p0, grads = data
    mu = 0.8
    got = run(SGD(lr=0.1, momentum=mu, nesterov=nesterov), p0, grads, LRS)
    p, v = p0.copy(), np.zeros_like(p0)
    for t, g in enumerate(grads):
        v = mu * v + g
        p = p - LRS[t] * ((g + mu * v) if nesterov else v)
        np.testing.assert_allclose(got[t], p, rtol=1e-13, atol=1e-14)


def test_momentum_class_defaults_to_0_9(data):
    p0, grads = data
    opt = Momentum(lr=0.05)
    assert opt.momentum == 0.9 and opt.name == "momentum"
    np.testing.assert_array_equal(run(opt, p0, grads)[-1],
                                  run(SGD(lr=0.05, momentum=0.9), p0, grads)[-1])


@pytest.mark.parametrize("eps", [1e-8, 0.1])  # a large eps makes its bias correction visible
def test_adam_with_bias_correction(data, eps):
    p0, grads = data
    b1, b2 = 0.9, 0.99
    got = run(Adam(lr=0.01, beta1=b1, beta2=b2, eps=eps), p0, grads, LRS)
    p, m, v = p0.copy(), np.zeros_like(p0), np.zeros_like(p0)
    for t, g in enumerate(grads, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat = m / (1 - b1 ** t)
        v_hat = v / (1 - b2 ** t)
        p = p - LRS[t - 1] * m_hat / (np.sqrt(v_hat) + eps)
        np.testing.assert_allclose(got[t - 1], p, rtol=1e-12, atol=1e-14)


def test_adam_first_step_moves_each_weight_by_about_lr():
    p = np.zeros(3)
    Adam(lr=0.01).step([("w", p, np.array([5.0, -0.001, 1e3]))])
    np.testing.assert_allclose(p, [-0.01, 0.01, -0.01], rtol=1e-4)


@pytest.mark.parametrize("make", [lambda: SGD(lr=0.1), lambda: SGD(lr=0.1, momentum=0.5),
                                  lambda: Adam(lr=0.1)])
def test_check_sees_the_update_and_can_refuse_it(make, data):
    p0, grads = data
    seen = []

    def record(updates):
        seen.extend((param.copy(), delta.copy()) for param, delta in updates)

    p = p0.copy()
    opt = make()
    opt.step([("w", p, grads[0])], check=record)
    np.testing.assert_array_equal(seen[0][0], p0)                 # before the update
    np.testing.assert_allclose(p, p0 - seen[0][1], rtol=0, atol=0)  # p -= delta exactly

    def refuse(updates):
        raise FloatingPointError("no")

    before = p.copy()
    with pytest.raises(FloatingPointError):
        opt.step([("w", p, grads[1])], check=refuse)
    np.testing.assert_array_equal(p, before)  # refused: the weights did not move


def test_state_is_kept_per_name_and_reset_forgets_it():
    opt = SGD(lr=1.0, momentum=0.5)
    a, b = np.zeros(2), np.zeros(2)
    g = np.ones(2)
    opt.step([("a", a, g)])
    opt.step([("a", a, g), ("b", b, g)])
    np.testing.assert_array_equal(a, [-2.5, -2.5])  # v: 1, then 1.5
    np.testing.assert_array_equal(b, [-1.0, -1.0])  # a fresh velocity for "b"
    assert set(opt.state) == {"a", "b"} and opt.iterations == 2
    opt.reset()
    assert opt.state == {} and opt.iterations == 0


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_flat_vector_update_equals_per_parameter_update(optimizer):
    """The trainer updates one flat vector; that is the same as updating each weight."""
    rng = np.random.default_rng(1)
    a = SequentialModel.from_structure([3, 4, 2], seed=0)
    b = SequentialModel.from_structure([3, 4, 2], seed=0)
    opt_flat, opt_each = get_optimizer(optimizer, lr=0.1), get_optimizer(optimizer, lr=0.1)
    for _ in range(4):
        g = rng.standard_normal(a.count_params())
        a.flat_parameters[1][...] = g
        b.flat_parameters[1][...] = g
        opt_flat.step([("params",) + a.flat_parameters])
        opt_each.step(b.parameters())
    np.testing.assert_array_equal(a.flat_parameters[0], b.flat_parameters[0])


def test_trainer_lr_change_takes_effect_on_the_next_step():
    x = np.array([[1.0, 2.0]])
    y = np.array([[1.0]])
    model = SequentialModel.from_structure([2, 1], output_activation="linear", seed=0)
    trainer = Trainer(model, "mse", lr=0.1)
    for lr in (0.1, 0.0, 0.25):
        trainer.lr = lr
        assert trainer.optimizer.lr == lr
        before = model.flat_parameters[0].copy()
        out = model.predict(x)[0, 0]
        trainer.train_step(x, y)
        g = 2 * (out - 1.0) * np.array([1.0, 2.0, 1.0])  # d/d(W1, W2, b) of (out - 1)^2
        np.testing.assert_allclose(model.flat_parameters[0], before - lr * g, rtol=1e-13)


@pytest.mark.parametrize("make,match", [
    (lambda: SGD(lr=-0.1), "Invalid learning rate: -0.1"),
    (lambda: SGD(lr=float("nan")), "Invalid learning rate: nan"),
    (lambda: SGD(lr=float("inf")), "Invalid learning rate: inf"),
    (lambda: SGD(lr="0.1"), "Invalid learning rate: '0.1'"),
    (lambda: SGD(lr=True), "Invalid learning rate: True"),
    (lambda: SGD(lr=0.1, momentum=1.0), "Invalid momentum: 1.0"),
    (lambda: SGD(lr=0.1, momentum=-0.5), "Invalid momentum: -0.5"),
    (lambda: SGD(lr=0.1, nesterov=True), "Nesterov momentum needs momentum > 0"),
    (lambda: Adam(lr=-1), "Invalid learning rate: -1"),
    (lambda: Adam(beta1=1.0), "Invalid beta1: 1.0"),
    (lambda: Adam(beta2=-0.1), "Invalid beta2: -0.1"),
    (lambda: Adam(eps=0), "Invalid eps: 0"),
    (lambda: get_optimizer("rmsprop"), "Unknown optimizer 'rmsprop'"),
    (lambda: Regularizer("l3", 0.1), "Unknown regularization 'l3'"),
    (lambda: Regularizer("l2", -1), "Invalid regularization rate: -1.0"),
    (lambda: Regularizer("l1", float("nan")), "Invalid regularization rate: nan"),
])
def test_invalid_arguments_are_rejected_with_the_value(make, match):
    with pytest.raises(ValueError) as info:
        make()
    assert match in str(info.value)


def test_invalid_lr_assignment_keeps_the_old_lr():
    opt = Adam(lr=0.01)
    with pytest.raises(ValueError, match="Invalid learning rate: -2"):
        opt.lr = -2
    assert opt.lr == 0.01
    trainer = Trainer(SequentialModel.from_structure([2, 2], seed=0), "mse", lr=0.3)
    with pytest.raises(ValueError, match="Invalid learning rate: nan"):
        trainer.lr = math.nan
    assert trainer.lr == 0.3
    opt.lr = np.float32(0.5)  # NumPy numbers are fine (the playground's sliders send them)
    assert opt.lr == 0.5 and type(opt.lr) is float


def test_get_optimizer_and_config():
    assert isinstance(get_optimizer("SGD"), SGD)
    assert get_optimizer("adam", lr=0.5).lr == 0.5
    opt = Momentum(lr=0.2)
    assert get_optimizer(opt, lr=0.3) is opt and opt.lr == 0.3
    assert get_optimizer("sgd", momentum=0.5).momentum == 0.5
    assert Adam(lr=0.1).get_config() == {"name": "adam", "lr": 0.1, "beta1": 0.9, "beta2": 0.999,
                                         "eps": 1e-8}
    assert repr(SGD(lr=0.1)) == "SGD(lr=0.1, momentum=0.0, nesterov=False)"


# ------------------------------------------------- the readable path and the fast path

OPTIMIZER_CASES = [("sgd", {}), ("momentum", {}), ("sgd", {"momentum": 0.7, "nesterov": True}),
                   ("adam", {}), ("adam", {"beta1": 0.5, "eps": 1e-3})]


@pytest.mark.parametrize("name, options", OPTIMIZER_CASES)
@pytest.mark.parametrize("penalty", [None, "l1", "l2"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_readable_and_fast_paths_train_the_same_weights_bit_for_bit(name, options, penalty, dtype):
    # The fast path (Trainer(fast=True): one flat vector, work arrays) runs the same floating-point
    # operations in the same order as the readable per-parameter formulas, element by element,
    # so the weights must agree exactly (no tolerance), on random models and data.
    rng = np.random.default_rng(abs(hash((name, penalty, str(dtype)))) % 2**32)
    sizes = [int(rng.integers(1, 6)) for _ in range(int(rng.integers(2, 5)))] + [3]
    X = rng.standard_normal((40, sizes[0]))
    y = rng.integers(0, 3, 40)
    runs = []
    for fast in (False, True):
        model = SequentialModel.from_structure(sizes, hidden_activation="tanh", seed=7, dtype=dtype)
        trainer = Trainer(model, "softmax_cross_entropy", lr=0.05, optimizer=name,
                          optimizer_options=options, regularization=penalty, reg_rate=0.01,
                          batch_size=8, seed=3, fast=fast)
        trainer.train(X, y, epochs=3)
        trainer.lr = 0.02                              # a live change reaches both paths
        trainer.train(X, y, epochs=2)
        runs.append((model.flat_parameters[0].copy(), trainer.history["loss"]))
    assert runs[0][0].dtype == dtype
    np.testing.assert_array_equal(runs[0][0], runs[1][0])
    assert runs[0][1] == runs[1][1]


@pytest.mark.parametrize("make", [lambda: SGD(lr=0.1), lambda: SGD(lr=0.1, momentum=0.5),
                                  lambda: SGD(lr=0.1, momentum=0.5, nesterov=True),
                                  lambda: Adam(lr=0.1)])
def test_inplace_update_equals_the_formula_and_keeps_state_by_name(make, data):
    p0, grads = data
    readable, fast = make(), make()
    p, q = p0.copy(), p0.copy()
    for g in grads:
        readable.step([("w", p, g)])
        fast.step([("w", q, g)], inplace=True)
    np.testing.assert_array_equal(p, q)
    assert set(readable.state) == set(fast.state)
