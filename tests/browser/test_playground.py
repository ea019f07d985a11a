"""nnpy.browser.playground in CPython: what the page is sent, checked against independent computations."""

import numpy as np
import pytest

from nnpy import FEATURES, DataError, feature_map, make_dataset, train_test_split
from nnpy.browser.playground import GRID, MAX_LAYERS, MAX_UNITS, THUMB, Playground, check_state

ALL = list(FEATURES)
SPIRAL3 = {"dataset": "spiral", "classes": 3, "optimizer": "adam", "lr": 0.01,
           "layers": [{"units": 16, "activation": "relu"}] * 3}


def configured(**state):
    p = Playground()
    result = p.configure(state)
    return p, result


def test_configure_defaults_builds_tf_playgrounds_network_and_first_snapshot():
    p, r = configured()
    assert r["changed"] == ["data", "network"]
    net = r["network"]
    assert net["features"] == ["x1", "x2"]
    assert [(l["units"], l["activation"]) for l in net["layers"]] == [(4, "tanh"), (2, "tanh"), (1, "sigmoid")]
    assert net["loss"] == "binary_cross_entropy" and net["classes"] == 2
    assert net["params"] == 2 * 4 + 4 + 4 * 2 + 2 + 2 * 1 + 1
    pts = r["points"]
    assert pts["train_x"].shape == (250, 2) and pts["test_x"].shape == (250, 2)
    assert pts["train_x"].dtype == np.float32 and pts["train_y"].dtype == np.int32
    snap = r["snapshot"]
    assert snap["epoch"] == 0 and snap["diverged"] is None
    assert snap["output"].shape == (GRID, GRID) and snap["output"].dtype == np.float32
    assert snap["thumbs"].shape == (2 + 4 + 2 + 1, THUMB, THUMB)
    assert snap["params"].shape == (net["params"],)
    assert snap["confusion"].sum() == 250


def test_same_seed_same_data_and_weights_other_seed_differs():
    a, ra = configured(dataset="xor", seed=5)
    b, rb = configured(dataset="xor", seed=5)
    c, rc = configured(dataset="xor", seed=6)
    np.testing.assert_array_equal(ra["points"]["train_x"], rb["points"]["train_x"])
    np.testing.assert_array_equal(ra["snapshot"]["params"], rb["snapshot"]["params"])
    assert not np.array_equal(ra["snapshot"]["params"], rc["snapshot"]["params"])
    assert not np.array_equal(ra["points"]["train_x"], rc["points"]["train_x"])


def test_data_is_make_dataset_split_by_the_ratio():
    p, r = configured(dataset="gauss", noise=0.2, seed=3, train_ratio=0.7)
    X, y = make_dataset("gauss", 500, 0.2, seed=3)
    Xtr, ytr, Xte, yte = train_test_split(X, y, test_fraction=0.3, seed=3)
    np.testing.assert_array_equal(r["points"]["train_x"], Xtr.astype(np.float32))
    np.testing.assert_array_equal(r["points"]["test_y"], yte)
    assert len(Xtr) == 350


def test_boundary_grid_is_the_models_prediction_at_pixel_centres():
    p, r = configured(dataset="circle", features=["x1", "x2", "x1^2", "sin(x2)"],
                      layers=[{"units": 5, "activation": "relu"}, {"units": 3, "activation": "sigmoid"}])
    p.train(5)
    snap = p.snapshot()
    # independent reference: float64 predict at the centre of pixel (row, col); row 0 is the top
    rows, cols = np.array([0, 0, 99, 37, 50]), np.array([0, 99, 0, 61, 50])
    x1 = -6 + (cols + 0.5) * 0.12
    x2 = 6 - (rows + 0.5) * 0.12
    expected = p.model.predict(feature_map(np.stack([x1, x2], 1), ["x1", "x2", "x1^2", "sin(x2)"]))[:, 0]
    np.testing.assert_allclose(snap["output"][rows, cols], expected, rtol=1e-4, atol=1e-5)


def test_neuron_thumbnails_average_blocks_and_focus_gives_full_resolution():
    p, _ = configured(dataset="xor", layers=[{"units": 3, "activation": "tanh"}])
    p.train(3)
    snap = p.snapshot(focus=[1, 2])  # hidden layer 1, third neuron
    F = feature_map(np.array([[-6 + (c + 0.5) * 0.12, 6 - (r + 0.5) * 0.12]
                              for r in range(GRID) for c in range(GRID)]), ["x1", "x2"])
    hidden = np.tanh(F @ p.model.layers[0].W + p.model.layers[0].b)[:, 2].reshape(GRID, GRID)
    np.testing.assert_allclose(snap["focus"]["map"], hidden, atol=1e-5)
    k = GRID // THUMB
    blocks = hidden.reshape(THUMB, k, THUMB, k).mean(axis=(1, 3))  # every k x k block, in float64
    assert hidden[k * 3:k * 4, k * 7:k * 8].mean() == pytest.approx(blocks[3, 7])  # cell (3, 7) is that block
    # thumbs: 2 inputs, then the 3 hidden neurons, then the output
    assert snap["thumbs"].dtype == np.float32 and snap["thumbs"].flags.c_contiguous
    np.testing.assert_allclose(snap["thumbs"][2 + 2], blocks, atol=1e-5)
    x1_thumb = snap["thumbs"][0]
    assert x1_thumb[0, 0] < 0 < x1_thumb[0, -1] and np.allclose(x1_thumb[:, 4], x1_thumb[0, 4])
    with pytest.raises(ValueError, match="names no neuron"):
        p.snapshot(focus=[1, 3])


def test_xor_trains_to_full_test_accuracy():
    p, _ = configured(dataset="xor", seed=2)
    snap = p.train(300)
    assert snap["epoch"] == 300
    assert snap["accuracy"]["test"] == 1.0 and snap["accuracy"]["train"] == 1.0
    assert snap["loss"]["test"] < 0.1
    assert np.trace(snap["confusion"]) == 250


def test_chunks_do_not_change_the_run():
    a, _ = configured(dataset="spiral", seed=4)
    b, _ = configured(dataset="spiral", seed=4)
    for k in (3, 1, 7, 2):
        a.train(k)
    b.train(13)
    np.testing.assert_array_equal(a.snapshot()["params"], b.snapshot()["params"])
    assert a.trainer.epoch == b.trainer.epoch == 13


def test_budget_bounds_a_chunk_but_trains_at_least_one_epoch():
    p, _ = configured(dataset="spiral")
    snap = p.train(100000, budget_ms=0)
    assert snap["epoch"] == 1 and snap["timing"]["epochs"] == 1 and snap["stop"] is False


def test_an_auto_budget_is_four_snapshots_long_within_30_to_250_ms(monkeypatch):
    """train(budget_ms="auto"), the page's training stream: read on a clock that moves 1 ms a
    reading, so the epochs a chunk trains tell the budget it used, whatever the machine's speed."""
    import nnpy.browser.playground as playground
    p, _ = configured(dataset="spiral")
    clock = iter(range(10**9))
    monkeypatch.setattr(playground.time, "perf_counter", lambda: next(clock) / 1000.0)
    for snapshot_ms, budget in ((10.0, 40), (0.5, 30), (1000.0, 250)):
        p._snapshot_ms = snapshot_ms
        assert p.train(100000, budget_ms="auto")["timing"]["epochs"] == budget
    # the budget follows the snapshots this engine really took (one clock reading apart: 1 ms)
    p.snapshot()
    assert p._snapshot_ms == pytest.approx(1.0) and p.train(100000, budget_ms="auto")["timing"]["epochs"] == 30


def test_reset_restores_epoch_zero_weights_and_loss():
    p, r = configured(dataset="spiral", optimizer="momentum", seed=9)
    first = r["snapshot"]
    p.train(20)
    assert p.trainer.epoch == 20
    snap = p.reset()["snapshot"]
    assert snap["epoch"] == 0
    np.testing.assert_array_equal(snap["params"], first["params"])
    assert snap["loss"] == first["loss"]
    # and the run after a reset is the run from the start
    again = p.train(5)["params"]
    q, _ = configured(dataset="spiral", optimizer="momentum", seed=9)
    np.testing.assert_array_equal(again, q.train(5)["params"])


def test_learning_rate_and_other_live_settings_apply_without_reset():
    p, _ = configured(dataset="circle")
    p.train(10)
    before = p.snapshot()["params"]
    r = p.configure({"dataset": "circle", "lr": 0.3, "batch_size": 25, "regularization": "l2",
                     "reg_rate": 0.01, "optimizer": "adam"})
    assert r["changed"] == ["live"] and "network" not in r and "points" not in r
    assert r["snapshot"]["epoch"] == 10
    np.testing.assert_array_equal(r["snapshot"]["params"], before)
    t = p.trainer
    assert (t.lr, t.batch_size, t.regularizer.kind, t.regularizer.rate, t.optimizer.name) == \
        (0.3, 25, "l2", 0.01, "adam")
    assert p.set_lr(0.001) == {"lr": 0.001} and p.trainer.epoch == 10
    assert p.configure(p.state)["changed"] == []


def test_network_and_data_changes_rebuild():
    p, _ = configured(dataset="circle")
    p.train(5)
    r = p.configure({"dataset": "circle", "features": ["x1", "x2", "x1*x2"],
                     "layers": [{"units": 6, "activation": "relu"}]})
    assert r["changed"] == ["network"] and "points" not in r and r["snapshot"]["epoch"] == 0
    assert [l["units"] for l in r["network"]["layers"]] == [6, 1]
    p.train(5)
    r = p.configure({"dataset": "xor", "features": ["x1", "x2", "x1*x2"],
                     "layers": [{"units": 6, "activation": "relu"}]})
    assert r["changed"] == ["data", "network"] and r["snapshot"]["epoch"] == 0


def test_features_change_the_boundary():
    p, r1 = configured(dataset="circle", seed=1)
    r2 = p.configure({"dataset": "circle", "seed": 1, "features": ["x1", "x2", "x1^2", "x2^2"]})
    assert np.abs(r1["snapshot"]["output"] - r2["snapshot"]["output"]).max() > 0.01


def test_regenerate_gives_new_data_and_keeps_the_network():
    p, r = configured(dataset="spiral", noise=0.1, seed=1)
    p.train(7)
    params = p.snapshot()["params"]
    g = p.regenerate(seed=77)
    assert not np.array_equal(g["points"]["train_x"], r["points"]["train_x"])
    assert g["snapshot"]["epoch"] == 7
    np.testing.assert_array_equal(g["snapshot"]["params"], params)
    assert p.state["seed"] == 77
    X, y = make_dataset("spiral", 500, 0.1, seed=77)
    Xtr = train_test_split(X, y, test_fraction=0.5, seed=77)[0]
    np.testing.assert_array_equal(g["points"]["train_x"], Xtr.astype(np.float32))
    np.testing.assert_array_equal(p._F_train, feature_map(Xtr, ["x1", "x2"]))  # what it trains on next


def test_three_class_spiral_softmax_cross_entropy_reaches_90_percent():
    p, r = configured(**SPIRAL3)
    net = r["network"]
    assert net["classes"] == 3 and net["loss"] == "softmax_cross_entropy"
    assert net["layers"][-1] == {"units": 3, "activation": "softmax", "kind": "probability"}
    snap = r["snapshot"]
    assert snap["output"].shape == (GRID, GRID, 3)
    np.testing.assert_allclose(snap["output"].sum(axis=2), 1.0, atol=1e-5)
    snap = p.train(150)
    assert snap["accuracy"]["test"] >= 0.9
    assert snap["confusion"].shape == (3, 3) and snap["confusion"].sum() == 250
    assert np.trace(snap["confusion"]) / 250 == pytest.approx(snap["accuracy"]["test"])


def test_regression_uses_a_linear_output_and_mse():
    p, r = configured(problem="regression", dataset="reg-plane")
    assert r["network"]["loss"] == "mse" and r["network"]["layers"][-1]["activation"] == "linear"
    assert r["points"]["train_y"].dtype == np.float32 and len(r["points"]["train_x"]) == 600
    assert r["snapshot"]["accuracy"] is None and r["snapshot"]["confusion"] is None
    start = r["snapshot"]["loss"]["test"]
    assert p.train(50)["loss"]["test"] < start / 5


def test_divergence_is_reported_and_the_weights_kept():
    p, _ = configured(problem="regression", dataset="reg-gauss", lr=10.0,
                      layers=[{"units": 8, "activation": "relu"}] * 3)
    snap = p.train(200)
    assert snap["diverged"] and "learning rate" in snap["diverged"] and snap["report"]["kind"] == "diverged"
    assert snap["epoch"] < 200
    assert np.isfinite(snap["params"]).all() and snap["finite"]  # the last good weights (tests/test_ways_back.py)
    assert snap["stop"] is True  # the page pauses and the worker's training stream ends
    assert p.train(1)["stop"] is True  # and again from the kept weights at this rate
    # a way back: a smaller learning rate and reset, or go on from the kept weights
    p.set_lr(0.001)
    assert p.reset()["snapshot"]["diverged"] is None


def test_bad_states_are_refused_with_the_key_and_nothing_changes():
    p, r = configured(dataset="circle")
    cases = [
        ({"dataset": "nope"}, "dataset must be one of"),
        ({"layers": [{"units": 4}] * (MAX_LAYERS + 1)}, "at most 10"),
        ({"layers": [{"units": MAX_UNITS + 1, "activation": "tanh"}]}, "units must be an integer in 1..32"),
        ({"layers": [{"units": 3, "activation": "swish"}]}, "activation must be one of"),
        ({"features": []}, "features must be a non-empty list"),
        ({"features": ["x3"]}, "unknown feature 'x3'"),
        ({"lr": -1}, r"lr must be a number in 0..10"),
        ({"lr": float("nan")}, r"lr must be"),
        ({"noise": 0.9}, "noise must be"),
        ({"classes": 7, "dataset": "spiral"}, "classes must be"),
        ({"dataset": "reg-plane"}, "not a classification dataset"),
        ({"bogus": 1}, "unknown state keys: bogus"),
        ({"batch_size": True}, "batch_size must be an integer"),
    ]
    for state, message in cases:
        with pytest.raises(ValueError, match=message):
            p.configure({"dataset": "circle", **state})
    assert p.state == check_state({"dataset": "circle"})
    np.testing.assert_array_equal(p.snapshot()["params"], r["snapshot"]["params"])


def test_csv_upload_download_round_trip():
    p, _ = configured(dataset="circle")
    text = "x1,x2,label\n" + "\n".join(f"{x},{y},{c}" for x, y, c in
                                       [(1, 1, 0), (-1, 2, 1), (2.5, -3, 2), (0, 0, 0), (4, 4, 1), (-5, -5, 2)])
    r = p.load_csv(text, name="mine.csv")
    assert r["points"]["classes"] == 3 and r["points"]["source"] == "custom"
    assert r["network"]["classes"] == 3 and r["network"]["layers"][-1]["units"] == 3
    assert len(r["points"]["train_x"]) + len(r["points"]["test_x"]) == 6
    down = p.csv()
    assert down["text"].startswith("x1,x2,label\n") and down["filename"].endswith(".csv")
    q, _ = configured(dataset="circle")
    back = q.load_csv(down["text"])
    got = np.concatenate([back["points"]["train_x"], back["points"]["test_x"]])
    sent = np.concatenate([r["points"]["train_x"], r["points"]["test_x"]])
    assert sorted(map(tuple, got.tolist())) == sorted(map(tuple, sent.tolist()))
    # label-first files with a header naming the label column work too
    r = q.load_csv("label,x1,x2\n0,1,1\n1,2,2\n0,-1,-1\n1,-2,-2\n")
    assert r["points"]["classes"] == 2 and r["network"]["layers"][-1]["units"] == 1  # back to two
    r = q.load_csv("label,x1,x2\n1,1,1\n0,2,2\n0,-1,-1\n1,-2,-2\n")
    assert "network" not in r  # the same classes: the network stays


@pytest.mark.parametrize("text, message", [
    ("x1,x2,label\n1,2,0\n3,abc,1\n1,1,0\n2,2,1\n", r"row 3.*'abc' is not a number"),
    ("x1,x2,label\n1,2,0\n3,1\n", "row 3 .*has 2 columns, expected 3"),
    ("x1,x2,label\n1,2,0\n1,1,0.5\n2,2,1\n0,0,1\n", r"row 3.*not an integer class label"),
    ("x1,x2,label\n1,2,0\n1,1,9\n2,2,1\n0,0,1\n", r"row 3.*out of range"),
    ("1,2,0\n1,1,1\n2,2,1\n30,0,1\n", r"row 4: the point \(30, 0\) lies outside"),
    ("x1,x2,label\n1,2,0\n", "the playground takes 4"),
    ("x1,x2,x3,label\n1,2,3,0\n1,1,1,1\n2,2,2,1\n0,0,0,1\n", "has 4 columns; the playground needs three"),
    ("x1,x2,label\n1,2,0\n1,1,0\n2,2,0\n0,0,0\n", "at least two classes"),
    ("", "empty"),
])
def test_bad_csv_names_the_problem_and_keeps_the_old_data(text, message):
    p, r = configured(dataset="xor")
    p.train(3)
    before = p.points()
    params = p.snapshot()["params"]
    with pytest.raises(DataError, match=message):
        p.load_csv(text)
    after = p.points()
    np.testing.assert_array_equal(after["train_x"], before["train_x"])
    np.testing.assert_array_equal(after["test_y"], before["test_y"])
    np.testing.assert_array_equal(p.snapshot()["params"], params)
    assert p.trainer.epoch == 3


def test_custom_data_keeps_its_points_when_the_split_changes():
    p, _ = configured(dataset="circle")
    p.load_csv("x1,x2,label\n" + "\n".join(f"{i % 5},{i % 3},{i % 2}" for i in range(20)))
    r = p.configure({"dataset": "circle", "train_ratio": 0.8})
    assert r["points"]["source"] == "custom" and len(r["points"]["train_x"]) == 16


def test_click_to_add_and_remove_points():
    p, r = configured(dataset="blobs", classes=4)
    n = len(r["points"]["train_x"])
    p.train(2)
    out = p.add_point(1.5, -2.25, 3)
    assert len(out["points"]["train_x"]) == n + 1
    assert out["points"]["train_x"][-1].tolist() == [1.5, -2.25] and out["points"]["train_y"][-1] == 3
    assert out["points"]["name"] == "blobs (edited)" and out["snapshot"]["epoch"] == 2
    assert p.train(1)["epoch"] == 3  # the network keeps training, on the new data
    with pytest.raises(ValueError, match="class 0..3"):
        p.add_point(0, 0, 4)
    with pytest.raises(ValueError, match="outside"):
        p.add_point(7, 0, 1)
    gone = p.remove_point(1.52, -2.2, radius=0.2)
    assert gone["removed"] and len(gone["points"]["train_x"]) == n
    assert p.remove_point(5.9, 5.9, radius=1e-9) == {"removed": False}


def test_edit_a_weight_and_a_bias():
    p, _ = configured(dataset="xor")
    p.set_parameter(0, "W", [1, 2], 1.25)
    snap = p.set_parameter(2, "b", [0], -0.5)["snapshot"]
    assert p.model.layers[0].W[1, 2] == 1.25 and p.model.layers[2].b[0] == -0.5
    # flat params: layer 0's W (2x4) then b (4), ...
    assert snap["params"][1 * 4 + 2] == 1.25 and snap["params"][-1] == -0.5
    for args, message in [((3, "W", [0, 0], 1), "layer must be"), ((0, "W", [2, 0], 1), "outside"),
                          ((0, "b", [0], float("inf")), "finite"), ((0, "x", [0], 1), "name must be")]:
        with pytest.raises(ValueError, match=message):
            p.set_parameter(*args)


def test_methods_before_configure_say_so():
    with pytest.raises(RuntimeError, match="configure"):
        Playground().train(1)


def test_snapshot_is_plain_data_and_arrays():
    _, r = configured(**SPIRAL3)

    def check(value, path="result"):
        if isinstance(value, dict):
            for k, v in value.items():
                assert isinstance(k, str), path
                check(v, f"{path}.{k}")
        elif isinstance(value, list):
            for i, v in enumerate(value):
                check(v, f"{path}[{i}]")
        else:
            assert value is None or isinstance(value, (bool, int, float, str, np.ndarray)), (path, type(value))
            if isinstance(value, np.ndarray):
                assert value.dtype.name in ("float32", "float64", "int32"), (path, value.dtype)
    check(r)


def test_regenerate_brings_the_dataset_back_after_the_users_points_of_other_classes():
    """The dataset's chip clicked after a CSV upload: its data again, and a network that fits it."""
    pg = Playground()
    pg.configure({"dataset": "circle", "seed": 5})
    pg.load_csv("x1,x2,label\n0,1,0\n1,0,1\n2,2,2\n-1,-1,0\n", name="three.csv")
    assert pg.num_classes == 3 and pg.model.layers[-1].params["W"].shape[1] == 3
    result = pg.regenerate(5)
    assert result["points"]["source"] == "generated" and result["points"]["name"] == "circle"
    assert "network" in result and pg.model.layers[-1].params["W"].shape[1] == 1
    assert pg.train(2)["epoch"] == 2
