"""The playground's engine seam: the same Playground trains on a student's own framework (the
workshop's files) and on nnpy's; a student's failing function is named with its step and line."""

import numpy as np
import pytest

from nnpy.browser.playground import Playground
from nnpy.browser.workshop_solutions import SOLUTIONS

SPIRAL = {"dataset": "spiral", "noise": 0.0, "seed": 1, "train_ratio": 0.5, "batch_size": 10,
          "features": ["x1", "x2", "x1*x2", "sin(x1)", "sin(x2)"], "lr": 0.1, "optimizer": "sgd",
          "layers": [{"units": 8, "activation": "tanh"}, {"units": 8, "activation": "tanh"}]}


def _train(p, epochs):
    snap = None
    while p.trainer.epoch < epochs:
        snap = p.train(epochs - p.trainer.epoch)
        assert snap["report"] is None and snap["stop"] is False, snap["report"]
    return snap


def test_a_students_framework_learns_the_spiral():
    p = Playground()
    p.configure(SPIRAL)
    out = p.use_framework(dict(SOLUTIONS))
    assert out["ok"] and out["framework"] == "yours", out
    assert out["snapshot"]["epoch"] == 0
    assert type(p.model).__name__ == "_ModelView"
    snap = _train(p, 500)
    assert snap["accuracy"]["test"] >= 0.9, snap["accuracy"]
    assert snap["output"].shape == (100, 100) and snap["thumbs"].shape[0] == 5 + 8 + 8 + 1
    assert snap["params"].size == p.model.count_params() == 5 * 8 + 8 + 8 * 8 + 8 + 8 + 1


def test_the_students_framework_follows_nnpys_numbers_at_epoch_zero():
    """The same seed, the same data: the page's metrics come from the student's code path."""
    p = Playground()
    p.configure({**SPIRAL, "features": ["x1", "x2"], "layers": [{"units": 4, "activation": "tanh"}]})
    p.use_framework(dict(SOLUTIONS))
    snap = p.snapshot()
    # the student's model with the snapshot's own weights, computed here by hand
    w = snap["params"]
    W1, b1, W2, b2 = w[:8].reshape(2, 4), w[8:12], w[12:16].reshape(4, 1), w[16:17]
    X = p._F_test
    prob = 1 / (1 + np.exp(-(np.tanh(X @ W1 + b1) @ W2 + b2)))
    y = p.y_test.reshape(-1, 1)
    loss = -np.mean(y * np.log(prob) + (1 - y) * np.log(1 - prob))
    assert abs(snap["loss"]["test"] - loss) < 1e-9
    assert abs(snap["accuracy"]["test"] - np.mean((prob[:, 0] > 0.5) == y[:, 0])) < 1e-12


def test_three_classes_train_with_the_students_softmax_cross_entropy():
    p = Playground()
    p.configure({**SPIRAL, "classes": 3, "dataset": "blobs", "layers": [{"units": 8, "activation": "relu"}]})
    assert p.use_framework(dict(SOLUTIONS))["ok"]
    snap = _train(p, 30)
    assert snap["output"].shape == (100, 100, 3)
    assert np.allclose(snap["output"].sum(axis=2), 1, atol=1e-5)   # the student's softmax, on the grid
    assert snap["accuracy"]["test"] > 0.8


def test_back_to_nnpy():
    p = Playground()
    p.configure(SPIRAL)
    p.use_framework(dict(SOLUTIONS))
    out = p.use_framework(None)
    assert out["ok"] and out["framework"] == "nnpy" and type(p.model).__name__ == "SequentialModel"
    p.export_model()


def test_nnpy_only_features_say_so():
    p = Playground()
    p.configure(SPIRAL)
    p.use_framework(dict(SOLUTIONS))
    with pytest.raises(ValueError, match="Export works with nnpy's own framework"):
        p.export_model()


def test_a_function_that_fails_mid_training_is_named_and_leads_to_its_step():
    p = Playground()
    p.configure(SPIRAL)
    p.use_framework(dict(SOLUTIONS))
    # the student's backward breaks after the first epoch: simulate by editing the loaded class
    layer_cls = type(p.model.layers[0].layer)
    original = layer_cls.backward
    calls = {"n": 0}

    def backward(self, grad_out):
        calls["n"] += 1
        if calls["n"] > 100:
            return np.ones((3, 3)) @ np.ones((4, 4))
        return original(self, grad_out)
    backward.__code__ = backward.__code__.replace(co_filename="layers.py", co_name="backward",
                                                  co_qualname="DenseLayer.backward")
    layer_cls.backward = backward
    snap = p.train(50)
    err = snap["framework_error"]
    assert err["function"] == "DenseLayer.backward" and err["step"] == "layers" and err["file"] == "layers.py"
    assert "ValueError" in err["error"]["text"] and "matmul" in err["error"]["text"]
    assert snap["report"]["message"].startswith("Training stopped. Your DenseLayer.backward (layers.py, line")
    assert snap["report"]["workshop"] == err and snap["report"]["actions"] == ["reset"]
    assert snap["stop"] is True  # the page pauses and the worker's training stream ends


def test_code_that_cannot_build_is_refused_and_nnpy_stays():
    p = Playground()
    p.configure(SPIRAL)
    broken = dict(SOLUTIONS, **{"layers.py": SOLUTIONS["layers.py"].replace(
        'self.params = {', 'self.params = undefined_name or {')})
    out = p.use_framework(broken)
    assert not out["ok"]
    assert out["error"]["function"] == "DenseLayer.__init__" and out["error"]["step"] == "layers"
    assert "NameError" in out["error"]["error"]["text"]
    assert p.framework is None and type(p.model).__name__ == "SequentialModel"


def test_a_skeleton_is_refused_with_its_todo():
    from nnpy.browser.workshop_skeletons import SKELETONS
    p = Playground()
    p.configure(SPIRAL)
    out = p.use_framework(dict(SOLUTIONS, **{"trainer.py": SKELETONS["trainer"]}))
    assert not out["ok"] and out["error"]["function"] == "Trainer.train"
    assert "TODO" in out["error"]["error"]["text"]


def test_an_activation_the_course_has_not_is_refused():
    p = Playground()
    p.configure({**SPIRAL, "layers": [{"units": 4, "activation": "leaky_relu"}]})
    out = p.use_framework(dict(SOLUTIONS))
    assert not out["ok"] and "no leaky_relu" in out["message"]


def test_after_python_restarts_the_students_framework_takes_back_the_weights_the_page_held():
    state = {"dataset": "xor", "layers": [{"units": 5, "activation": "tanh"}, {"units": 3, "activation": "tanh"}]}
    old = Playground()
    old.use_framework(dict(SOLUTIONS))
    old.configure(state)
    held = old.train(20)                           # the last snapshot the page showed
    new = Playground()                             # the restart: the student's modules, the settings, the weights
    assert new.use_framework(dict(SOLUTIONS))["ok"]
    new.configure(state)
    snap = new.load_weights(held["params"], held["epoch"])["snapshot"]
    assert snap["epoch"] == held["epoch"] and np.array_equal(snap["params"], held["params"])
    assert snap["loss"] == held["loss"] and new.train(5)["epoch"] == held["epoch"] + 5
    with pytest.raises(ValueError, match="finite numbers for this network"):
        new.load_weights(held["params"][:-1], 3)


# ------------------------------------------------------------------ NaN weights: whose fault?

NO_CLIP = ("    p = np.clip(y_pred, 1e-12, 1 - 1e-12)\n    return (p - y_true)", "    p = y_pred\n    return (p - y_true)")


def _until_report(p, chunks=60, epochs=20):
    for _ in range(chunks):
        snap = p.train(epochs)
        if snap["report"]:
            return snap
    raise AssertionError("no report")


def test_nan_weights_from_a_bug_lead_to_the_workshop_check_that_catches_it_not_to_a_learning_rate():
    """binary_cross_entropy_deriv without a clip is 0/0 once a sigmoid output reaches exactly 1: the
    weights become NaN after hundreds of epochs. The report names the check (losses step) that fails
    on that code, offers no learning rate, and its way back (reset) works."""
    p = Playground()
    p.configure({**SPIRAL, "features": ["x1", "x2"], "layers": [{"units": 8, "activation": "relu"}] * 2})
    assert p.use_framework(dict(SOLUTIONS, **{"losses.py": SOLUTIONS["losses.py"].replace(*NO_CLIP)}))["ok"]
    snap = _until_report(p)
    report = snap["report"]
    assert report["actions"] == ["reset"] and snap["stop"] is True
    assert report["workshop"]["step"] == "losses" and report["workshop"]["check"] == "binary_cross_entropy_deriv: dL/dp"
    assert "binary_cross_entropy_deriv gives NaN or inf when p is exactly 0 or 1." in report["message"]
    assert "learning rate would not fix" in report["message"]
    p.reset()
    assert np.all(np.isfinite(p.model.flat_parameters[0].copy())) and p.trainer.epoch == 0
    assert p.train(5)["report"] is None


def test_a_framework_that_returns_nan_at_once_is_taken_and_its_report_names_the_step():
    p = Playground()
    p.configure(SPIRAL)
    nan_tanh = SOLUTIONS["activations.py"].replace("def tanh(z):\n", "def tanh(z):\n    return z * np.nan\n")
    assert p.use_framework(dict(SOLUTIONS, **{"activations.py": nan_tanh}))["ok"]
    assert np.all(np.isfinite(p.model.flat_parameters[0].copy()))   # the trial epoch's weights are put back
    report = p.train(5)["report"]
    assert report["workshop"]["step"] == "activations" and report["workshop"]["check"] == "tanh(z)"


def test_nan_weights_from_a_correct_framework_are_a_learning_rate_problem_and_fresh_weights_fix_it():
    """A correct framework at a learning rate too high for a regression: every check passes, so the
    report says so and offers fresh weights at a lower rate, which train without a report."""
    state = {"dataset": "reg-plane", "problem": "regression", "seed": 1, "lr": 0.1, "optimizer": "sgd",
             "features": ["x1", "x2"], "layers": [{"units": 8, "activation": "relu"}]}
    p = Playground()
    p.configure(state)
    assert p.use_framework(dict(SOLUTIONS))["ok"]
    report = _until_report(p, epochs=5)["report"]
    assert report["actions"] == ["fresh", "reset"] and "workshop" not in report
    assert report["lower"] == 0.01 and "passes every workshop check" in report["message"]
    p.configure({**state, "lr": report["lower"]})   # what "Start again at learning rate 0.01" does
    p.reset()
    for _ in range(10):
        assert p.train(10)["report"] is None
