"""The MNIST page's model files: an export loads in CPython (and in `python -m nnpy predict`) and
predicts what the engine predicts; models saved in CPython (the seed-2 workflow, from_structure)
import and classify the same; anything else is refused by name and changes nothing."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import nnpy
from nnpy.mnist import load_mnist
from nnpy.browser.mnist_files import MAX_FILE_BYTES, NotAnMnistModel
from nnpy.browser.mnist import MnistPlayground
from nnpy.browser.playground import Playground
from nnpy.saved_models import ModelFileError
from nnpy.workflow import model as workflow_model

import hostile_files  # noqa: E402
from test_mnist_playground import MNIST, _require_mnist  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SMALL = {"n": 1000, "seed": 3, "optimizer": "adam", "lr": 0.003, "batch_size": 32}


@pytest.fixture(scope="module")
def npz_bytes():
    _require_mnist()
    return MNIST.read_bytes()


def engine(npz_bytes, state=None, epochs=0):
    mp = MnistPlayground()
    mp.load_data(data=npz_bytes)
    mp.configure(state or {"n": 1000})
    if epochs:
        mp.train(budget_ms=None, until_epoch=epochs)
    return mp


@pytest.fixture(scope="module")
def trained(npz_bytes):
    """784-64-10 trained 2 epochs on 800 digits (Adam): the page's model to export."""
    return engine(npz_bytes, {**SMALL, "layers": [{"units": 64, "activation": "relu"}]}, epochs=2)


@pytest.fixture(scope="module")
def exported(trained, tmp_path_factory):
    out = trained.export_model()
    path = tmp_path_factory.mktemp("export") / out["filename"]
    path.write_bytes(out["data"])
    return path


@pytest.fixture(scope="module")
def digits_csv(tmp_path_factory):
    """The CSVs `python -m nnpy mnist-csv` writes for a 1,000-digit subset (the page's seed-0 split)."""
    _require_mnist()
    folder = tmp_path_factory.mktemp("csv")
    done = subprocess.run([sys.executable, "-m", "nnpy", "mnist-csv", "--data", str(MNIST), "--out-dir",
                           str(folder), "--n", "1000"], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    return folder


@pytest.fixture(scope="module")
def workflow_file(digits_csv, tmp_path_factory):
    """The seed-2 workflow: [784, 32, 10] fit from the CSV (raw pixels: it divides by 255 itself)."""
    folder = tmp_path_factory.mktemp("workflow")
    nn = workflow_model(structure=[784, 32, 10], base_address=str(folder), seed=0, verbose=False)
    nn.fit(train_data=str(digits_csv / "train.csv"), test_data=str(digits_csv / "test.csv"),
           epoch=3, alpha=0.1, batch_size=32)
    assert nn.test_accuracy > 0.7
    return folder / "model.pkl"


def fingerprint(mp):
    """Everything an import must leave alone when it fails."""
    t = mp.trainer
    return {"state": json.dumps(mp.state, sort_keys=True), "epoch": t.epoch, "steps": t.step_count,
            "history": json.dumps(mp.history), "live": (t.lr, t.batch_size, t.optimizer.name),
            "objects": (id(mp.model), id(t), id(mp.X_train)), "from_file": mp._from_file,
            "weights": mp.model.flat_parameters[0].copy(), "X_test": mp.X_test.copy(),
            "start": None if mp._start_weights is None else mp._start_weights.copy()}


def assert_untouched(mp, before):
    after = fingerprint(mp)
    for key, value in before.items():
        if isinstance(value, np.ndarray):
            np.testing.assert_array_equal(after[key], value, err_msg=key)
        else:
            assert after[key] == value, key


# ------------------------------------------------------------------ export

def test_an_export_loads_in_cpython_and_predicts_what_the_engine_predicts(trained, exported):
    assert exported.name == "nnpy-mnist-784-64-10-epoch2.nnpy"
    model, meta = nnpy.load_model(str(exported), return_metadata=True)
    assert meta["input_divisor"] == 255 and meta["class_names"] == [str(d) for d in range(10)]
    assert meta["input_shape"] == [28, 28] and meta["epoch"] == 2
    assert meta["mnist"] == trained.state
    assert meta["test_accuracy"] == trained.evaluate()["test_accuracy"] > 0.8
    assert model.dtype == np.float32 and model.layers[0].activation.name == "relu"
    X = trained.X_test[:300]
    want = trained.model.predict(X)
    np.testing.assert_allclose(model.predict(X), want, rtol=0, atol=1e-6)
    # the Predictor takes raw pixels (0..255): it divides every input by the file's input_divisor
    p = nnpy.Predictor(str(exported))
    np.testing.assert_allclose(p.predict(np.rint(X * 255)), want, rtol=0, atol=1e-6)
    classes, confidence = p.classify(np.rint(X * 255))
    assert classes.tolist() == np.argmax(want, axis=1).tolist()


def test_a_float64_export_predicts_exactly_as_the_engine(npz_bytes):
    mp = engine(npz_bytes, {"n": 1000, "dtype": "float64", "layers": [{"units": 16, "activation": "tanh"}] * 2},
                epochs=1)
    out = mp.export_model()
    assert out["filename"] == "nnpy-mnist-784-16-16-10-epoch1.nnpy"
    model = nnpy.load_model_bytes(out["data"])
    assert model.dtype == np.float64
    np.testing.assert_allclose(model.predict(mp.X_test), mp.model.predict(mp.X_test), rtol=1e-12, atol=1e-15)


def test_the_cli_runs_an_export_on_the_mnist_csv(trained, exported, digits_csv, tmp_path):
    rows = (digits_csv / "test.csv").read_text().splitlines()[:21]  # the header and 20 digits
    csv = tmp_path / "twenty.csv"
    csv.write_text("\n".join(rows) + "\n")
    done = subprocess.run([sys.executable, "-m", "nnpy", "predict", str(exported), "--csv", str(csv)],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    found = [re.fullmatch(r"row (\d+): class (\d) with ([\d.]+)% confidence", line) for line in lines[:20]]
    assert all(found), lines
    assert re.fullmatch(r"accuracy: [\d.]+% \(\d+ of 20\)", lines[20]), lines
    # the same digits through the engine's model: the same answers and confidences
    table = np.loadtxt(csv, delimiter=",", skiprows=1)
    probs = trained.model.predict((table[:, 1:] / 255).astype(np.float32)).astype(np.float64)
    assert [int(m.group(2)) for m in found] == np.argmax(probs, axis=1).tolist()
    np.testing.assert_allclose([float(m.group(3)) for m in found], 100 * probs.max(axis=1), atol=0.051)
    # and the seed-2 one-liner prints the file's class name
    printed = []
    nnpy.inference.run(str(exported), table[0, 1:], print_fn=printed.append)
    assert printed == [f"prediction = {np.argmax(probs[0])} with {100 * probs[0].max():.1f}% confidence"]


# ------------------------------------------------------------------ import

def test_a_workflow_model_imports_and_classifies_as_in_cpython(npz_bytes, workflow_file):
    mp = engine(npz_bytes, {"n": 1000}, epochs=1)
    data = np.frombuffer(workflow_file.read_bytes(), dtype=np.uint8)  # as the page sends it
    result = mp.import_model(data, "digits.nnpy")
    assert result["changed"] == ["network"]  # 784-128-10 before: the data stays
    assert result["message"].startswith("Loaded digits.nnpy: 784 -> 32 -> 10 (relu). ")
    assert result["state"]["layers"] == [{"units": 32, "activation": "relu"}]
    assert result["network"]["epoch"] == 0 and result["network"]["history"] == []
    assert result["network"]["from_file"] == "digits.nnpy"
    assert mp.model.dtype == np.float32  # the page's dtype
    cpython = nnpy.Predictor(str(workflow_file))
    want = cpython.predict(np.rint(mp.X_test.astype(np.float64) * 255))  # raw pixels, float64, in CPython
    got = mp.model.predict(mp.X_test)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-5)
    ev = mp.evaluate()
    right = np.argmax(want, axis=1) == mp.y_test
    assert abs(ev["test_accuracy"] - right.mean()) <= 1 / len(right)
    assert f"{100 * ev['test_accuracy']:.2f} % of the test digits right" in result["message"]
    # the drawing pad's classify uses it: a test digit, drawn at 280x280, gets the file's answer
    image = np.kron(np.rint(mp.X_test[0].reshape(28, 28) * 255), np.ones((10, 10))).astype(np.uint8)
    out = mp.classify(image.reshape(-1), 280, 280)
    expect = cpython.model.predict(nnpy.preprocess_digit(image))   # already in 0..1: the model itself
    np.testing.assert_allclose(out["probabilities"], expect, rtol=0, atol=1e-5)


def test_a_from_structure_model_in_float64_imports_into_a_float64_engine_exactly(npz_bytes):
    model = nnpy.SequentialModel.from_structure([784, 32, 10], seed=1)
    mp = engine(npz_bytes, {"n": 1000, "dtype": "float64"})
    X, y = mp.X_train, mp.y_train
    nnpy.Trainer(model, "softmax_cross_entropy", lr=0.1, seed=0).train(X, y, epochs=2, batch_size=32)
    mp.import_model(nnpy.save_model_bytes(model), "plain.nnpy")
    np.testing.assert_array_equal(mp.model.predict(mp.X_test), model.predict(mp.X_test))


def test_a_page_export_brings_its_settings_and_the_same_split(trained, npz_bytes):
    mp = engine(npz_bytes, {})  # defaults: 10,000 digits, seed 0, momentum
    result = mp.import_model(trained.export_model()["data"], "mine.nnpy")
    assert result["changed"] == ["data", "network"] and result["data"]["train"] == 800
    assert mp.state == trained.state and result["state"] == trained.state
    assert "trained 2 epochs, with its data and training settings" in result["message"]
    np.testing.assert_array_equal(mp.X_test, trained.X_test)
    np.testing.assert_array_equal(mp.model.flat_parameters[0], trained.model.flat_parameters[0])
    assert mp.evaluate()["test_accuracy"] == trained.evaluate()["test_accuracy"]
    assert (mp.trainer.optimizer.name, mp.trainer.lr, mp.trainer.batch_size) == ("adam", 0.003, 32)


def test_the_same_network_again_is_built_afresh_and_reset_goes_back_to_the_file(trained, npz_bytes):
    mp = engine(npz_bytes, trained.state, epochs=1)
    old_model = mp.model
    result = mp.import_model(trained.export_model()["data"], "again.nnpy")
    assert result["changed"] == ["network"] and mp.model is not old_model
    assert mp.trainer.epoch == 0 and mp.trainer.step_count == 0 and mp.history == []
    file_weights = trained.model.flat_parameters[0].copy()
    np.testing.assert_array_equal(mp.model.flat_parameters[0], file_weights)
    mp.train(budget_ms=None, until_epoch=1)
    assert mp.network()["epoch"] == 1 and mp.export_model()["filename"].endswith("-epoch1.nnpy")
    out = mp.reset()
    assert out["network"]["epoch"] == 0 and out["network"]["from_file"] == "again.nnpy"
    np.testing.assert_array_equal(mp.model.flat_parameters[0], file_weights)
    # a new architecture is the seed's network again
    mp.configure({**mp.state, "layers": [{"units": 16, "activation": "relu"}]})
    assert mp.network()["from_file"] is None
    mp.configure({**mp.state, "layers": trained.state["layers"]})
    assert not np.array_equal(mp.model.flat_parameters[0], file_weights)


def test_a_file_with_settings_this_page_cannot_use_keeps_the_current_ones(npz_bytes):
    model = nnpy.SequentialModel.from_structure([784, 16, 10], seed=0)
    meta = {"mnist": {"n": 50_000, "layers": "many"}, "epoch": "three", "test_accuracy": 7}
    mp = engine(npz_bytes, {"n": 1000, "seed": 5})
    result = mp.import_model(nnpy.save_model_bytes(model, meta), "odd-meta.nnpy")
    assert mp.state["n"] == 1000 and mp.state["seed"] == 5
    assert result["message"].startswith("Loaded odd-meta.nnpy: 784 -> 16 -> 10 (relu). ")


def leaky(alpha=None):
    act = "leaky_relu" if alpha is None else {"name": "leaky_relu", "alpha": alpha}
    return nnpy.SequentialModel([nnpy.DenseLayer(784, 8, act), nnpy.DenseLayer(8, 10, "softmax")])


def test_leaky_relu_with_its_default_slope_and_models_without_hidden_layers_fit(npz_bytes):
    mp = engine(npz_bytes)
    mp.import_model(nnpy.save_model_bytes(leaky()), "leaky.nnpy")
    assert mp.state["layers"] == [{"units": 8, "activation": "leaky_relu"}]
    logistic = nnpy.SequentialModel([nnpy.DenseLayer(784, 10, "softmax")])
    result = mp.import_model(nnpy.save_model_bytes(logistic), "logistic.nnpy")
    assert mp.state["layers"] == [] and result["message"].startswith("Loaded logistic.nnpy: 784 -> 10. ")


def dense(*sizes, hidden="relu", out="softmax"):
    return nnpy.SequentialModel.from_structure(list(sizes), hidden_activation=hidden, output_activation=out)


def huge_weight():
    model = dense(784, 4, 10)
    model.layers[1].params["W"][0, 0] = 1e300
    return model


REFUSED = {
    "2 inputs": (lambda: dense(2, 8, 10), None, "it takes 2 inputs; the MNIST page's network takes 784"),
    "one input": (lambda: dense(1, 10), None, "it takes 1 input;"),
    "28x28 = 785?": (lambda: dense(785, 8, 10), None, "785 inputs"),
    "9 classes": (lambda: dense(784, 8, 9), None, "its output is 9 softmax units; the MNIST page's output is 10"),
    "sigmoid output": (lambda: dense(784, 8, 10, out="sigmoid"), None, "10 sigmoid units"),
    "one output": (lambda: dense(784, 8, 1, out="sigmoid"), None, "1 sigmoid unit;"),
    "5 hidden layers": (lambda: dense(784, 8, 8, 8, 8, 8, 10), None, "5 hidden layers; the page has at most 4"),
    "2048 units": (lambda: dense(784, 2048, 10), None, "hidden layer 1 has 2048 units; the page has at most 1024"),
    "softmax hidden": (lambda: dense(784, 8, 8, 10, hidden="softmax"), None, "hidden layer 1 uses softmax"),
    "another leaky slope": (lambda: leaky(0.2), None, "hidden layer 1 uses leaky_relu (alpha 0.2)"),
    "other pixel scale": (lambda: dense(784, 8, 10), {"input_divisor": 1}, "pixels divided by 1;"),
    "too large for float32": (huge_weight, None, "too large for float32"),
}


@pytest.fixture
def busy(npz_bytes):
    """An engine part-way through its third epoch, imported once already."""
    mp = engine(npz_bytes, {"n": 1000}, epochs=1)
    mp.import_model(nnpy.save_model_bytes(dense(784, 16, 10)), "first.nnpy")
    mp.train(budget_ms=None, until_epoch=2)
    mp.train(steps=5)
    return mp


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_networks_the_page_cannot_show_are_refused_and_nothing_changes(busy, case):
    make, meta, words = REFUSED[case]
    before = fingerprint(busy)
    with pytest.raises(NotAnMnistModel) as info:
        busy.import_model(nnpy.save_model_bytes(make(), meta), "odd.nnpy")
    assert str(info.value).startswith("odd.nnpy holds a network the MNIST page cannot show: ")
    assert words in str(info.value)
    assert_untouched(busy, before)
    busy.train(budget_ms=None, until_epoch=3)  # and it trains on as before
    assert busy.trainer.epoch == 3


def test_a_2d_playground_model_is_refused_by_name(busy):
    pg = Playground()
    pg.configure({"features": ["x1", "x2", "x1^2", "sin(x1)"]})
    pg.train(2)
    before = fingerprint(busy)
    with pytest.raises(NotAnMnistModel, match=r"^spiral\.nnpy holds a network the MNIST page cannot show: "
                       r"it takes 4 inputs \(x1, x2, x1\^2, sin\(x1\): a model of the 2-D playground\)"):
        busy.import_model(pg.export_model()["data"], "spiral.nnpy")
    assert_untouched(busy, before)


def test_every_hostile_file_is_refused_with_the_file_name_and_nothing_changes(busy, tmp_path):
    marker = hostile_files.marker_path(tmp_path)
    files = hostile_files.generate(tmp_path)
    before = fingerprint(busy)
    tried = 0
    for f in files:
        if not f.path.is_file():  # a directory or a dangling link: nothing a page could upload
            continue
        with pytest.raises(ModelFileError) as info:
            busy.import_model(np.frombuffer(f.path.read_bytes(), dtype=np.uint8), f.path.name)
        assert str(info.value).startswith(f.path.name + ": "), (f.kind, str(info.value))
        # the corpus's expected words, or the page's tighter cap on the weights caught it first
        assert re.search(f.expect, str(info.value), re.IGNORECASE) or \
            str(info.value).endswith("more than the 64.0 MB limit"), (f.kind, f.expect, str(info.value))
        tried += 1
    assert tried > 200
    assert not os.path.exists(marker)
    assert_untouched(busy, before)


def test_a_file_over_the_limit_is_refused_before_it_is_read(busy):
    before = fingerprint(busy)
    big = np.zeros(MAX_FILE_BYTES + 1, dtype=np.uint8)
    with pytest.raises(ModelFileError, match=r"^big\.nnpy: is 64\.0 MB; a model file for the MNIST page is at most 64 MB"):
        busy.import_model(big, "big.nnpy")
    with pytest.raises(TypeError, match="the file's bytes"):
        busy.import_model("not bytes", "x")
    assert_untouched(busy, before)


def test_a_failure_while_applying_an_import_restores_everything(busy, trained, monkeypatch):
    before = fingerprint(busy)
    files = (trained.export_model()["data"], nnpy.save_model_bytes(dense(784, 16, 10)))

    def broken(self):
        raise MemoryError("out of memory, say")
    for method in ("_test_metrics", "_build"):  # after the new network is in place / while building it
        monkeypatch.setattr(MnistPlayground, method, broken)
        for data in files:
            with pytest.raises(MemoryError):
                busy.import_model(data, "x.nnpy")
        monkeypatch.undo()
        assert_untouched(busy, before)
    busy.train(budget_ms=None, until_epoch=3)
    assert busy.trainer.epoch == 3 and busy.reset()["network"]["from_file"] == "first.nnpy"
