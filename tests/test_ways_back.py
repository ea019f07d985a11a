"""The ways back after training goes wrong (issue 12), in CPython: a blow-up goes back to weights
that really are good, and training on at a lower rate works from them; a dead network is noticed;
the words the pages show are plain."""

import re
import warnings

import numpy as np
import pytest

from nnpy import DenseLayer, SequentialModel, Trainer, TrainingDiverged, make_dataset, train_test_split
from nnpy.browser.health import dead_layer, divergence_report, lower_rate
from nnpy.browser.playground import LEARNING_RATES, Playground
from nnpy.trainer import EXPLODING

# TF Playground's issue 3 link (regression, plane, learning rate 1, batch size 1, noise 50), and
# regression with ReLU at learning rate 10: both blow up with the page's default 4-2 network.
BLOW_UPS = {
    "issue 3: plane, lr 1, batch 1, noise 50": dict(dataset="reg-plane", noise=0.5, lr=1.0, batch_size=1,
                                                   activation="tanh"),
    "plane, ReLU, lr 10": dict(dataset="reg-plane", noise=0.0, lr=10.0, batch_size=10, activation="relu"),
}


def _blow_up(dataset, noise, lr, batch_size, activation):
    X, y = make_dataset(dataset, 1200, noise, seed=1)
    X_train, y_train, X_test, y_test = train_test_split(X, y, test_fraction=0.5, seed=1)
    rng = np.random.default_rng(1)
    model = SequentialModel([DenseLayer(2, 4, activation, seed=rng), DenseLayer(4, 2, activation, seed=rng),
                             DenseLayer(2, 1, "linear", seed=rng)])
    trainer = Trainer(model, "mse", lr=lr, batch_size=batch_size, seed=1)
    return model, trainer, (X_train, y_train, X_test, y_test)


@pytest.mark.parametrize("case", list(BLOW_UPS))
def test_after_training_diverged_the_kept_weights_are_good_and_a_lower_rate_trains_on(case):
    model, trainer, (X, y, X_test, y_test) = _blow_up(**BLOW_UPS[case])
    start_loss = trainer.evaluate(X, y)[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(TrainingDiverged) as caught:
            trainer.train(X, y, epochs=50)
    exc = caught.value
    assert exc.usable and exc.restored_epoch == trainer.epoch
    weights = model.flat_parameters[0]
    assert np.isfinite(weights).all() and np.abs(weights).max() < 100  # not the ~1e153 of the step before
    loss = trainer.evaluate(X, y)[0]
    assert np.isfinite(loss) and loss <= EXPLODING * start_loss
    for _ in range(2):                            # what the page's "Go on at a lower rate" does
        trainer.lr = trainer.lr / 10
        before = trainer.epoch
        history = trainer.train(X, y, epochs=20)  # no TrainingDiverged
        assert trainer.epoch == before + 20 and np.isfinite(history["loss"][-20:]).all()
        if trainer.evaluate(X_test, y_test)[0] < start_loss:
            break
    assert trainer.evaluate(X_test, y_test)[0] < start_loss  # it learns again, ten or a hundred times slower


def test_the_kept_weights_of_a_healthy_run_follow_it_one_epoch_behind():
    model, trainer, (X, y, _, _) = _blow_up(dataset="reg-plane", noise=0.0, lr=0.03, batch_size=10,
                                            activation="tanh")
    trainer.train(X, y, epochs=5)
    assert trainer.good.kept_epoch == 4 and trainer.good.usable
    trainer.train_epochs(1)
    assert trainer.good.kept_epoch == 5


def test_weights_that_are_bad_from_the_start_are_not_called_usable():
    model = SequentialModel([DenseLayer(1, 1, "linear")])
    model.layers[0].W = [[1e200]]
    trainer = Trainer(model, "mse", lr=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(TrainingDiverged) as caught:
            trainer.train(np.array([[1e200]]), np.array([[0.0]]), epochs=1)
    assert not caught.value.usable and "start from new weights" in str(caught.value)
    assert divergence_report(caught.value, 0.1, LEARNING_RATES)["actions"] == ["reset"]


@pytest.mark.parametrize("state", [
    dict(problem="regression", dataset="reg-plane", noise=0.5, lr=1, batch_size=1),
    dict(problem="regression", dataset="reg-plane", lr=10, layers=[{"units": 4, "activation": "relu"},
                                                                    {"units": 2, "activation": "relu"}]),
    dict(problem="regression", dataset="reg-gauss", lr=10, layers=[{"units": 8, "activation": "relu"}] * 3),
], ids=["issue 3", "relu lr 10 (the picture overflows first)", "relu 8x3 lr 10"])
def test_the_playground_goes_back_and_every_button_of_its_message_works(state):
    p = Playground()
    start = p.configure(state)["snapshot"]
    snap = None
    for _ in range(100):
        snap = p.train(1)
        if snap["report"]:
            break
    report = snap["report"]
    assert report["kind"] == "diverged" and snap["diverged"] == report["message"]
    assert report["actions"] == ["lower", "reset"] and report["lower"] == lower_rate(state["lr"], LEARNING_RATES)
    assert snap["epoch"] == report["epoch"] and f"in epoch {report['failed_epoch']}" in report["message"]
    assert snap["finite"] and np.isfinite(snap["loss"]["train"]) and snap["loss"]["train"] <= 10 * start["loss"]["train"]
    assert np.abs(snap["params"]).max() < 100
    # "Go on at a lower rate": lower until it trains (each click goes back to good weights again)
    for _ in range(3):  # each click goes back to good weights again; a rate ten times lower each time
        p.set_lr(report["lower"])
        before = report["epoch"]
        after = p.train(20)
        report = after["report"]
        if report is None:
            break
        assert report["actions"] == ["lower", "reset"] and after["finite"]
    assert report is None and after["epoch"] == before + 20 and after["finite"]
    assert np.isfinite(after["loss"]["test"])
    # "Reset"
    assert p.reset()["snapshot"]["epoch"] == 0


def test_a_dead_network_is_noticed_and_both_ways_back_train():
    spiral = {"dataset": "spiral", "lr": 10, "layers": [{"units": 4, "activation": "relu"},
                                                        {"units": 2, "activation": "relu"}]}
    p = Playground()
    p.configure(spiral)
    reports = [p.train(1)["report"] for _ in range(30)]
    dead = next(r for r in reports if r)
    assert dead["kind"] == "dead" and dead["actions"] == ["fresh", "leaky", "reset"]
    assert "ReLU in hidden layer 2 has died" in dead["message"] and dead["lower"] == 0.1
    assert dead_layer(p.model, p._F_train) == (2, "relu")
    for change in ({"lr": dead["lower"]},
                   {"lr": dead["lower"], "layers": [dict(l, activation="leaky_relu") for l in spiral["layers"]]}):
        q = Playground()
        q.configure(spiral)
        q.configure({**spiral, **change})
        q.reset()                                   # fresh weights, as the page's buttons do
        snaps = [q.train(1) for _ in range(200)]
        assert all(s["report"] is None for s in snaps), change
        assert snaps[-1]["accuracy"]["train"] > 0.6, change


def test_the_dead_check_reads_the_snapshots_forward_pass_instead_of_running_its_own(monkeypatch):
    # the watch runs after every chunk of training: it takes the hidden layers' outputs over the
    # training points from the snapshot's forward pass (the same numbers), so a chunk makes one
    # forward pass over them, not two
    spiral = {"dataset": "spiral", "lr": 10, "layers": [{"units": 4, "activation": "relu"},
                                                        {"units": 2, "activation": "relu"}]}
    p = Playground()
    p.configure(spiral)
    calls = []
    forward = DenseLayer.forward

    def counted(self, x, logits=False):
        calls.append(x is p._F_train)
        return forward(self, x, logits)

    monkeypatch.setattr(DenseLayer, "forward", counted)
    reports = []
    for _ in range(30):
        calls.clear()
        reports.append(p.train(1)["report"])
        assert calls.count(True) == 1   # the snapshot's pass over the training points, and no other
    dead = next(r for r in reports if r)
    assert dead["kind"] == "dead" and "hidden layer 2" in dead["message"]
    # the same answer as a forward pass of its own, for dead and living networks alike
    p.snapshot()
    assert dead_layer(p.model, p._F_train, p._train_hidden) == dead_layer(p.model, p._F_train) == (2, "relu")
    q = Playground()
    q.configure({"dataset": "spiral"})
    q.train(3)
    assert q._train_hidden is None   # taken by the check
    q.snapshot()
    assert dead_layer(q.model, q._F_train, q._train_hidden) is None is dead_layer(q.model, q._F_train)


def test_a_network_that_learns_is_never_called_dead():
    p = Playground()
    p.configure({"dataset": "xor", "layers": [{"units": 8, "activation": "relu"}] * 2, "lr": 0.03})
    assert all(p.train(1)["report"] is None for _ in range(100))


JARGON = re.compile(r"\bstep\b|overflow|\binf\b|\bnan\b|not finite|\d+\.\d*e[+-]?\d+|e\+\d", re.I)


def _nested(text):
    depth = 0
    for c in text:
        depth += c == "("
        if depth > 1:
            return True
        depth -= c == ")"
    return False


def test_the_pages_words_are_plain():
    p = Playground()
    messages = []
    for state in (dict(problem="regression", dataset="reg-plane", noise=0.5, lr=1, batch_size=1),
                  dict(problem="regression", dataset="reg-plane", lr=10,
                       layers=[{"units": 4, "activation": "relu"}, {"units": 2, "activation": "relu"}]),
                  dict(dataset="spiral", lr=10, layers=[{"units": 4, "activation": "relu"}] * 2)):
        p.configure(state)
        for _ in range(30):
            report = p.train(1)["report"]
            if report:
                messages.append(report["message"])
                break
    assert len(messages) == 3
    for text in messages:
        assert not JARGON.search(text), text
        assert not _nested(text), text


def test_lower_rate_goes_down_tenfold_on_the_pages_choices():
    assert lower_rate(10, LEARNING_RATES) == 1 and lower_rate(1, LEARNING_RATES) == 0.1
    assert lower_rate(3, LEARNING_RATES) == 0.3 and lower_rate(0.003, LEARNING_RATES) == 0.0001
    assert lower_rate(0.00001, LEARNING_RATES) == 0.00001 and lower_rate(2, ()) == 0.2


def test_load_weights_puts_back_what_the_page_held_after_python_restarted():
    state = {"dataset": "xor", "layers": [{"units": 5, "activation": "tanh"}, {"units": 3, "activation": "tanh"}]}
    old = Playground()
    old.configure(state)
    held = old.train(30)                           # the last snapshot the page showed
    new = Playground()                             # the restarted engine, given the page's settings
    new.configure(state)
    snap = new.load_weights(held["params"], held["epoch"])["snapshot"]
    assert snap["epoch"] == held["epoch"] and np.array_equal(snap["params"], held["params"])
    assert snap["loss"] == held["loss"] and new.train(5)["epoch"] == held["epoch"] + 5
    for bad in (held["params"][:-1], np.full_like(held["params"], np.nan)):
        with pytest.raises(ValueError, match="finite numbers for this network"):
            new.load_weights(bad, 3)
    assert new.trainer.epoch == held["epoch"] + 5  # a refused call changes nothing


def test_a_report_is_dropped_once_a_setting_changes():
    p = Playground()
    p.configure({"problem": "regression", "dataset": "reg-plane", "noise": 0.5, "lr": 1, "batch_size": 1})
    assert p.train(5)["report"] is not None
    assert p.set_lr(0.1) and p.snapshot()["report"] is None and p.snapshot()["diverged"] is None
