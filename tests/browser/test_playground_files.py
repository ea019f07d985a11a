"""The playground's model files: what the page exports loads in CPython and predicts the same; what
CPython saves (or the page exported) shows in the playground; everything else is refused with one
message and changes nothing."""

import json
import os
import tracemalloc

import numpy as np
import pytest

import nnpy
from nnpy.datasets import FEATURES, feature_map, make_dataset
from nnpy.browser.playground import Playground
from nnpy.browser.playground_files import MAX_FILE_BYTES, MAX_WEIGHT_BYTES, NotAPlaygroundModel
from nnpy.saved_models import ModelFileError

import hostile_files  # noqa: E402
from test_codegen import assert_same, expected, run  # noqa: E402

SPIRAL = {"dataset": "spiral", "classes": 3, "noise": 0.1, "seed": 4, "optimizer": "adam", "lr": 0.01,
          "features": ["x1", "x2", "x1^2", "sin(x1)"],
          "layers": [{"units": 8, "activation": "relu"}, {"units": 6, "activation": "tanh"}]}
POINTS = np.random.default_rng(0).uniform(-6, 6, size=(300, 2))


def trained(state, epochs):
    pg = Playground()
    pg.configure(state)
    pg.train(epochs)
    return pg


def fingerprint(pg):
    """Everything an import must leave alone when it fails."""
    return (json.dumps(pg.state, sort_keys=True), pg.trainer.epoch, pg.trainer.step_count,
            pg.model.flat_parameters[0].copy(), pg._initial.copy(), pg.X_train.copy(), pg.source["name"],
            list(pg._history))


def assert_untouched(pg, before):
    after = fingerprint(pg)
    assert after[:3] == before[:3] and after[6:] == before[6:]
    for a, b in zip(after[3:6], before[3:6]):
        np.testing.assert_array_equal(a, b)


# ------------------------------------------------------------------ export

def test_an_export_loads_in_cpython_and_predicts_the_same(tmp_path):
    pg = trained(SPIRAL, 15)
    out = pg.export_model()
    assert out["filename"] == "nnpy-spiral-8x6-epoch15.nnpy"
    path = tmp_path / out["filename"]
    path.write_bytes(out["data"])
    model, meta = nnpy.load_model(str(path), return_metadata=True)
    assert meta["features"] == ["x1", "x2", "x1^2", "sin(x1)"]
    assert meta["epoch"] == 15 and meta["data"] == {"kind": "generated", "name": "spiral"}
    assert meta["playground"] == pg.state
    want = pg.predict(POINTS)["output"]
    np.testing.assert_allclose(model.predict(feature_map(POINTS, meta["features"])), want, rtol=0, atol=1e-12)
    assert want.shape == (300, 3) and np.allclose(want.sum(axis=1), 1)


def test_the_export_file_name_says_data_shape_activation_and_epoch():
    pg = trained({"layers": [{"units": 4, "activation": "leaky_relu"}] * 2}, 3)
    assert pg.export_model()["filename"] == "nnpy-circle-4x4-leakyrelu-epoch3.nnpy"
    pg = Playground()
    pg.configure({"layers": []})
    assert pg.export_model()["filename"] == "nnpy-circle-linear-epoch0.nnpy"
    pg.load_csv("x1,x2,label\n0,0,0\n1,1,1\n2,2,0\n3,3,1\n-1,-1,1\n")
    assert pg.export_model()["filename"].startswith("nnpy-data-")


# ------------------------------------------------------------------ import

def test_a_page_export_imports_with_its_data_and_weights_at_epoch_0():
    source = trained(SPIRAL, 12)
    pg = Playground()
    pg.configure({})  # the default circle: another dataset, another network
    result = pg.import_model(source.export_model()["data"], "spiral.nnpy")
    assert result["changed"] == ["data", "network"]
    assert result["state"] == source.state and pg.state == source.state
    assert "Loaded spiral.nnpy: 4 -> 8 -> 6 -> 3" in result["message"] and "trained 12 epochs" in result["message"]
    assert result["snapshot"]["epoch"] == 0
    np.testing.assert_array_equal(pg.model.flat_parameters[0], source.model.flat_parameters[0])
    assert result["snapshot"]["accuracy"] == source.snapshot()["accuracy"]
    # the data is the exporting page's: same points
    np.testing.assert_array_equal(pg.X_train, source.X_train)
    # Reset goes back to the imported weights, not to the seed's
    pg.train(3)
    pg.reset()
    np.testing.assert_array_equal(pg.model.flat_parameters[0], source.model.flat_parameters[0])


def test_settings_the_page_cannot_show_are_rounded_or_left_out():
    """A hand-made export with noise 0.123 shows the data of noise 0.12 (the page's whole percents);
    one with a seed over the page's 999999 keeps the current data, as a file without settings does."""
    source = trained(SPIRAL, 2)
    meta = {"features": SPIRAL["features"], "data": {"kind": "generated", "name": "spiral"}, "epoch": 2}
    pg = Playground()
    pg.configure({})
    odd = {**source.state, "noise": 0.123, "train_ratio": 0.555}
    result = pg.import_model(nnpy.save_model_bytes(source.model, {**meta, "playground": odd}), "odd.nnpy")
    assert (pg.state["noise"], pg.state["train_ratio"]) == (0.12, 0.56) and result["state"] == pg.state
    np.testing.assert_array_equal(pg.model.flat_parameters[0], source.model.flat_parameters[0])
    pg.configure({})
    big = {**source.state, "seed": 2_000_000}
    result = pg.import_model(nnpy.save_model_bytes(source.model, {**meta, "playground": big}), "big.nnpy")
    assert pg.state["dataset"] == "spiral" and pg.state["seed"] == 1  # not the file's seed
    assert pg.state["classes"] == 3 and "Shown on the spiral data (seed 1, 3 classes)" in result["message"]
    np.testing.assert_array_equal(pg.model.flat_parameters[0], source.model.flat_parameters[0])


def test_a_cpython_model_without_metadata_keeps_the_current_data_when_it_fits():
    X, y = make_dataset("xor", 400, 0.0, seed=3)
    model = nnpy.SequentialModel([nnpy.DenseLayer(2, 5, "tanh", seed=1), nnpy.DenseLayer(5, 1, "sigmoid", seed=2)])
    nnpy.Trainer(model, "binary_cross_entropy", lr=0.1, seed=0).train(X, y, epochs=5, batch_size=10)
    pg = Playground()
    pg.configure({"dataset": "gauss", "seed": 9})
    result = pg.import_model(nnpy.save_model_bytes(model), "xor.pkl")
    assert result["changed"] == ["network"] and "Shown on the current data" in result["message"]
    assert pg.state["dataset"] == "gauss" and pg.state["layers"] == [{"units": 5, "activation": "tanh"}]
    np.testing.assert_allclose(pg.predict(POINTS)["output"], model.predict(POINTS), rtol=0, atol=0)


@pytest.mark.parametrize("out, act, problem, dataset", [
    (4, "softmax", "classification", "spiral"),
    (1, "linear", "regression", "reg-plane"),
    (1, "sigmoid", "classification", "circle"),
])
def test_a_model_that_does_not_fit_the_data_switches_to_data_it_fits(out, act, problem, dataset):
    model = nnpy.SequentialModel([nnpy.DenseLayer(2, 3, "relu", seed=1), nnpy.DenseLayer(3, out, act, seed=2)])
    pg = Playground()
    pg.configure({"dataset": "blobs", "classes": 5} if out == 1 and act == "sigmoid" else {})
    result = pg.import_model(nnpy.save_model_bytes(model), "m.nnpy")
    assert pg.state["problem"] == problem and pg.state["dataset"] == dataset
    assert pg.num_classes == (out if out > 1 else (1 if problem == "regression" else 2))
    assert "Shown on the" in result["message"]
    np.testing.assert_allclose(pg.predict(POINTS)["output"], model.predict(POINTS), rtol=0, atol=0)


def test_features_in_another_order_have_the_first_layers_rows_reordered():
    names = ["sin(x2)", "x1*x2", "x1", "x2"]
    model = nnpy.SequentialModel([nnpy.DenseLayer(4, 6, "tanh", seed=1), nnpy.DenseLayer(6, 1, "sigmoid", seed=2)])
    pg = Playground()
    pg.configure({})
    pg.import_model(nnpy.save_model_bytes(model, {"features": names}), "m.nnpy")
    assert pg.state["features"] == [f for f in FEATURES if f in names]
    np.testing.assert_allclose(pg.predict(POINTS)["output"], model.predict(feature_map(POINTS, names)),
                               rtol=0, atol=1e-12)


def test_the_users_own_points_stay_when_the_model_fits_them():
    pg = Playground()
    pg.configure({})
    pg.load_csv("x1,x2,label\n0,0,0\n1,1,1\n2,2,0\n3,3,1\n-1,-1,1\n", name="mine.csv")
    X = pg.X_train.copy()
    source = trained(SPIRAL | {"classes": 2, "features": ["x1", "x2"]}, 3)
    result = pg.import_model(source.export_model()["data"], "s.nnpy")
    assert pg.source["kind"] == "custom" and "current data" in result["message"]
    np.testing.assert_array_equal(pg.X_train, X)


REFUSED = {
    "too many units": (lambda: nnpy.SequentialModel([nnpy.DenseLayer(2, 33, "relu"), nnpy.DenseLayer(33, 1, "sigmoid")]),
                       None, "33 units"),
    "too many layers": (lambda: nnpy.SequentialModel.from_structure([2] + [3] * 11 + [1], hidden_activation="tanh",
                                                                   output_activation="sigmoid"), None, "11 hidden layers"),
    "softmax hidden": (lambda: nnpy.SequentialModel([nnpy.DenseLayer(2, 3, "softmax"), nnpy.DenseLayer(3, 1, "sigmoid")]),
                       None, "hidden layer 1 uses softmax"),
    "another leaky slope": (lambda: nnpy.SequentialModel([nnpy.DenseLayer(2, 3, {"name": "leaky_relu", "alpha": 0.2}),
                                                          nnpy.DenseLayer(3, 1, "sigmoid")]), None, "alpha 0.2"),
    "10 classes": (lambda: nnpy.SequentialModel([nnpy.DenseLayer(2, 10, "softmax")]), None, "10 softmax units"),
    "2-unit softmax": (lambda: nnpy.SequentialModel([nnpy.DenseLayer(2, 2, "softmax")]), None, "2 softmax units"),
    "tanh output": (lambda: nnpy.SequentialModel([nnpy.DenseLayer(2, 1, "tanh")]), None, "1 tanh unit"),
    "3 inputs, unnamed": (lambda: nnpy.SequentialModel([nnpy.DenseLayer(3, 1, "sigmoid")]), None,
                          "takes 3 inputs and does not say which"),
    "unknown feature": (lambda: nnpy.SequentialModel([nnpy.DenseLayer(2, 1, "sigmoid")]), {"features": ["x1", "x3"]},
                        "'x3'"),
    "feature twice": (lambda: nnpy.SequentialModel([nnpy.DenseLayer(2, 1, "sigmoid")]), {"features": ["x1", "x1"]},
                      "twice"),
    "feature count": (lambda: nnpy.SequentialModel([nnpy.DenseLayer(2, 1, "sigmoid")]), {"features": ["x1"]},
                      "names 1 inputs"),
    "features not a list": (lambda: nnpy.SequentialModel([nnpy.DenseLayer(2, 1, "sigmoid")]), {"features": "x1,x2"},
                            "not a list"),
    "784 inputs": (lambda: nnpy.SequentialModel.from_structure([784, 16, 10]), None,
                   "takes 784 inputs; the playground's inputs are at most the 7 features"),
    "pixel features": (lambda: nnpy.SequentialModel.from_structure([784, 16, 10]),
                       {"features": [str(i) for i in range(784)]}, "input '0'"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_networks_the_playground_cannot_show_are_refused_and_nothing_changes(case):
    make, meta, words = REFUSED[case]
    pg = trained(SPIRAL, 4)
    before = fingerprint(pg)
    with pytest.raises(NotAPlaygroundModel) as info:
        pg.import_model(nnpy.save_model_bytes(make(), meta), "odd.nnpy")
    assert str(info.value).startswith("odd.nnpy holds a network the playground cannot show: ")
    assert words in str(info.value)
    assert_untouched(pg, before)
    pg.train(2)  # and it trains on as before
    assert pg.trainer.epoch == 6


def test_every_hostile_file_is_refused_with_the_file_name_and_nothing_changes(tmp_path):
    marker = hostile_files.marker_path(tmp_path)
    files = hostile_files.generate(tmp_path)
    pg = trained(SPIRAL, 2)
    before = fingerprint(pg)
    for f in files:
        if not f.path.is_file():  # a directory or a dangling link: nothing a page could upload
            continue
        with pytest.raises(ModelFileError) as info:
            pg.import_model(f.path.read_bytes(), f.path.name)
        assert str(info.value).startswith(f.path.name + ": "), (f.kind, str(info.value))
    assert not os.path.exists(marker)
    assert_untouched(pg, before)


def test_a_file_over_the_limit_is_refused_before_it_is_read():
    pg = trained(SPIRAL, 1)
    with pytest.raises(ModelFileError, match="is 2.0 MB; a playground model file is at most 2 MB"):
        pg.import_model(b"\0" * (MAX_FILE_BYTES + 1), "big.nnpy")


def test_a_network_larger_than_the_page_shows_is_refused_from_its_header():
    # Issue 16: a 300 KB file of 256 MiB of (zero) weights is a valid model file; the page shows
    # at most 10 x 32 units (78 KB of weights), so it refuses it from the architecture its JSON
    # declares, before building anything: the engine's memory stays where it was.
    huge = hostile_files.zero_weights_file([(4096, 8192, "relu"), (8192, 1, "sigmoid")])
    # the same architecture declared with the weights left out (a 1 KB file)
    header = json.loads(hostile_files.read_members(huge)[0].data)
    bare = hostile_files.build_zip([hostile_files.Member("nnpy.json", json.dumps(header).encode())])
    assert len(huge) < MAX_FILE_BYTES
    pg = trained(SPIRAL, 1)
    before = fingerprint(pg)
    for data, expect in [(huge, r"huge\.nnpy: zip entry '0\.W\.npy' declares 256\.0 MB uncompressed, "
                                r"more than the 1\.0 MB limit"),
                         (bare, r"huge\.nnpy: declares an architecture of 33,570,817 parameters "
                                r"\(256\.1 MB\), more than the 1\.0 MB limit")]:
        tracemalloc.start()
        try:
            with pytest.raises(ModelFileError, match=expect):
                pg.import_model(data, "huge.nnpy")
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < 4 * 2**20, peak
    assert_untouched(pg, before)
    # the largest network the page shows fits the limit with room to spare
    largest = nnpy.SequentialModel.from_structure([len(FEATURES)] + [32] * 10 + [6], seed=0)
    assert largest.count_params() * 8 < MAX_WEIGHT_BYTES / 10


def test_bytes_arrive_from_the_page_as_a_uint8_array():
    source = trained(SPIRAL, 2)
    pg = Playground()
    pg.configure({})
    data = np.frombuffer(source.export_model()["data"], dtype=np.uint8)
    pg.import_model(data, "as-array.nnpy")
    np.testing.assert_array_equal(pg.model.flat_parameters[0], source.model.flat_parameters[0])
    with pytest.raises(TypeError):
        pg.import_model("not bytes", "x")


def test_a_failure_while_applying_an_import_restores_everything(monkeypatch):
    pg = trained(SPIRAL, 3)
    before = fingerprint(pg)
    other = trained({"dataset": "xor", "layers": [{"units": 3, "activation": "relu"}]}, 1)

    def broken(self):
        raise RuntimeError("out of memory, say")
    monkeypatch.setattr(Playground, "_new_run", broken)
    with pytest.raises(RuntimeError):
        pg.import_model(other.export_model()["data"], "x.nnpy")
    monkeypatch.undo()
    assert_untouched(pg, before)
    pg.train(1)
    assert pg.trainer.epoch == 4


# ------------------------------------------------------------------ predict

def test_predict_checks_its_points():
    pg = trained(SPIRAL, 1)
    assert pg.predict([[0, 0], [1, 2]])["output"].shape == (2, 3)
    assert pg.predict(np.zeros(6))["output"].shape == (3, 3)  # a flat Float64Array of pairs
    for bad in ([[np.nan, 0]], [[1, 2, 3]], np.zeros(3), "x"):
        with pytest.raises(ValueError):
            pg.predict(bad)


# ------------------------------------------------------------------ the code, with the run's history

def test_code_replays_live_changes_recorded_by_the_playground(tmp_path):
    pg = Playground()
    pg.configure(SPIRAL)
    pg.train(4)
    pg.configure({**pg.state, "lr": 0.003, "batch_size": 25})
    pg.train(3)
    pg.configure({**pg.state, "optimizer": "momentum"})
    pg.train(2)
    assert [e for e, _ in pg._history] == [0, 4, 7]
    code = pg.code()
    path = tmp_path / code["files"]["python"]
    path.write_text(code["python"])
    assert_same(run(str(path)), expected(pg, pg.snapshot()), 1e-9)


def test_code_of_an_imported_model_starts_from_its_weights(tmp_path):
    source = trained(SPIRAL, 10)
    pg = Playground()
    pg.configure({})
    pg.import_model(source.export_model()["data"], "s.nnpy")
    pg.train(5)
    code = pg.code()
    path = tmp_path / code["files"]["python"]
    path.write_text(code["python"])
    assert_same(run(str(path)), expected(pg, pg.snapshot()), 1e-9)


def test_edits_during_the_run_are_named_in_the_code_and_reset_starts_a_clean_history():
    pg = Playground()
    pg.configure({})
    pg.set_parameter(0, "W", [0, 0], 0.5)  # before training: the run starts from it, nothing to note
    assert "does not replay" not in pg.code()["python"]
    pg.train(2)
    pg.add_point(1, 1, 0)
    pg.regenerate(5)
    text = pg.code()["python"]
    assert "points added or removed by hand after epoch 2" in " ".join(text.split())
    pg.reset()
    assert "does not replay" not in pg.code()["python"]
    assert pg.model.flat_parameters[0][0] == 0.5  # the run's start, with the hand-set weight


def test_echo_returns_plain_data():
    assert Playground().echo({"a": [1, 2.5, None]}) == {"value": {"a": [1, 2.5, None]}}
