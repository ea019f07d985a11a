"""Issue 11, kinds 1, 4 and 5: one sample, one answer; bad numbers named before training; one
rule for shapes. Each at every entry point that takes arrays: Trainer.train / evaluate,
SequentialModel.predict, Predictor, the seed-2 workflow, and the CLI (tests/test_cli.py runs it as
a user does; here through main() for speed)."""

import io
import warnings

import numpy as np
import pytest

import nnpy
from nnpy import cli
from nnpy.inference import Predictor
from nnpy.model import SequentialModel
from nnpy.saved_models import load_model, save_model
from nnpy.scaling import InputScaling
from nnpy.trainer import Trainer
from nnpy.workflow import Network


def xor_trainer(lr=0.1):
    model = SequentialModel.from_structure([2, 4, 1], seed=0)
    return model, Trainer(model, "binary_cross_entropy", lr=lr, seed=0)


# ---------------------------------------------------------------- kind 4: NaN and inf named

NAN_X = np.array([[0, 0], [0, 1], [1, np.nan], [1, 1]])
XOR_Y = np.array([0, 1, 1, 0])


@pytest.mark.parametrize("lr", [0.1, 1e-9])
def test_a_nan_input_is_named_before_training_whatever_the_learning_rate(lr):
    model, trainer = xor_trainer(lr)
    before = model.state_dict()
    with pytest.raises(ValueError, match=r"^X\[2, 1\] is NaN: inputs and targets must be finite"):
        trainer.train(NAN_X, XOR_Y, epochs=5, batch_size=4)
    assert trainer.step_count == 0
    assert all(np.array_equal(v, model.state_dict()[k]) for k, v in before.items())


def test_every_array_entry_point_names_the_bad_cell():
    model, trainer = xor_trainer()
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    inf_X = X.copy()
    inf_X[3, 0] = -np.inf
    cases = [
        (lambda: trainer.evaluate(NAN_X, XOR_Y), r"X\[2, 1\] is NaN"),
        (lambda: trainer.train(inf_X, XOR_Y), r"X\[3, 0\] is -inf"),
        (lambda: trainer.train(X, np.array([0, 1, np.nan, 0])), r"y\[2\] is NaN"),
        (lambda: trainer.train_steps(1, X, np.array([0, 1, np.inf, 0])), r"y\[2\] is inf"),
        (lambda: model.predict(NAN_X), r"x\[2, 1\] is NaN"),
        (lambda: model.predict([np.nan, 1.0]), r"x\[0\] is NaN"),
        (lambda: Predictor(model).predict(NAN_X), r"x\[2, 1\] is NaN"),
        (lambda: Predictor(model).classify([1.0, np.inf]), r"x\[1\] is inf"),
        (lambda: Network([2, 4, 2], verbose=False).fit((NAN_X, XOR_Y), epoch=1, save=False),
         r"X\[2, 1\] is NaN"),
    ]
    for call, message in cases:
        with pytest.raises(ValueError, match=message):
            call()
    # several bad cells: the first is named, the count given
    many = np.full((3, 2), np.nan)
    with pytest.raises(ValueError, match=r"x\[0, 0\] is NaN \(6 cells are NaN or infinite\)"):
        model.predict(many)


def test_the_regression_workflow_names_a_nan_target():
    X = np.arange(8.0).reshape(4, 2)
    t = np.array([[1.0], [np.nan], [0.0], [2.0]])
    with pytest.raises(ValueError, match=r"y\[1, 0\] is NaN"):
        Network([2, 3, 1], output_activation="linear", verbose=False).fit((X, t), epoch=1, save=False)


# ---------------------------------------------------------------- kind 5: one rule for (n,)

def test_a_flat_array_is_n_samples_for_a_one_input_model_everywhere():
    model = SequentialModel.from_structure([1, 8, 1], output_activation="linear", seed=0)
    trainer = Trainer(model, "mse", lr=0.01, seed=0)
    x = np.linspace(-3, 3, 64)
    y = np.sin(x)
    trainer.train(x, y, epochs=2, batch_size=16)
    loss, _ = trainer.evaluate(x, y)
    out = model.predict(x)
    assert out.shape == (64, 1)
    assert np.array_equal(out, model.predict(x.reshape(-1, 1)))
    assert loss == pytest.approx(np.mean((out[:, 0] - y) ** 2), rel=1e-12)
    assert np.array_equal(Predictor(model).predict(x), out)
    assert np.array_equal(nnpy.inference.predict(x, model=model), out)


def test_shape_errors_name_the_shape_passed_and_the_fix():
    one = SequentialModel.from_structure([1, 1], seed=0)
    with pytest.raises(ValueError, match=r"Received shape \(1, 64\)\. Is it one row of 64 samples\? "
                                         r"Then x\.reshape\(-1, 1\) gives one column"):
        one.predict(np.zeros((1, 64)))
    two = SequentialModel.from_structure([2, 1], seed=0)
    for call in (two.predict, Predictor(two).predict):
        with pytest.raises(ValueError, match=r"Received shape \(6,\): x has 6 values, and one sample of this "
                                             r"model has 2\. For several samples in one flat array: "
                                             r"x\.reshape\(-1, 2\)"):
            call(np.zeros(6))
    with pytest.raises(ValueError, match=r"Received shape \(4, 3\)\. The model takes 2 values per sample"):
        Trainer(two, "mse").train(np.zeros((4, 3)), np.zeros(4))
    with pytest.raises(ValueError, match=r"Received shape \(2, 2, 2\): x must be 2-D"):
        two.predict(np.zeros((2, 2, 2)))
    assert two.predict([1.0, 2.0]).shape == (1,)          # one sample of a 2-input model


def test_the_cli_reads_one_sample_per_input_and_names_the_bad_one(tmp_path, capsys):
    one = SequentialModel.from_structure([1, 3, 1], output_activation="linear", seed=0)
    save_model(one, tmp_path / "one.nnpy")
    x = np.linspace(-3, 3, 5)
    out = io.StringIO()
    assert cli.main(["predict", str(tmp_path / "one.nnpy"), *sum((["--input", repr(v)] for v in x.tolist()), [])],
                    out=out) == 0
    printed = [float(line.split(": ")[1]) for line in out.getvalue().splitlines()]
    assert printed == [float(f"{v:g}") for v in one.predict(x)[:, 0]]   # the (n,) rule: 5 samples
    assert cli.main(["predict", str(tmp_path / "one.nnpy"), "--input", "1,2,3"], out=io.StringIO()) == 2
    assert capsys.readouterr().err == ("nnpy: error: --input has 3 numbers, but one sample of this model has 1; "
                                       "for several samples, repeat --input (one sample each)\n")
    with pytest.raises(SystemExit) as exit:
        cli.main(["predict", str(tmp_path / "one.nnpy"), "--input", "1", "--input", "nan"], out=io.StringIO())
    assert exit.value.code == 2
    assert capsys.readouterr().err.endswith("argument --input: value 1 of 'nan' is not a finite number: inputs "
                                            "must be finite numbers\n")


# ---------------------------------------------------------------- kind 1: one sample, one answer

def count_rows(n, rng):
    X = rng.integers(0, 7, size=(n, 4)).astype(float)
    return X, (X[:, 0] + X[:, 1] - X[:, 2] - X[:, 3]).reshape(-1, 1)


def test_the_issue_case_a_prediction_does_not_depend_on_the_other_rows(tmp_path):
    rng = np.random.default_rng(0)
    X, t = count_rows(600, rng)
    train = tmp_path / "train.csv"
    nnpy.save_csv(train, X, t[:, 0])
    out = io.StringIO()
    status = cli.main(["train", "--train", str(train), "--structure", "4,16,1", "--output-activation", "linear",
                       "--epochs", "60", "--lr", "0.01", "--optimizer", "adam", "--seed", "0",
                       "--out", str(tmp_path / "r.nnpy")], out=out)
    assert status == 0
    assert "the inputs look like pixels (whole numbers 0..255), so they are divided by 255" in out.getvalue()

    def predict(*inputs):
        out = io.StringIO()
        assert cli.main(["predict", str(tmp_path / "r.nnpy"), *sum((["--input", i] for i in inputs), [])],
                        out=out) == 0
        return out.getvalue().splitlines()

    alone = predict("1,0,0,0")[0]
    together = predict("1,0,0,0", "6,6,6,6")
    assert together[0] == "row 1: " + alone
    assert abs(float(alone) - 1.0) < 0.2   # right: 1 (the old per-call guess printed 132.4)
    # turned off: no scaling, announced, saved
    out = io.StringIO()
    assert cli.main(["train", "--train", str(train), "--structure", "4,1", "--output-activation", "linear",
                     "--epochs", "1", "--scale", "none", "--out", str(tmp_path / "n.nnpy")], out=out) == 0
    assert "scaling: inputs used as they are (no scaling)" in out.getvalue()
    assert load_model(tmp_path / "n.nnpy", return_metadata=True)[1]["input_scaling"] == "none"


def saved_variants(tmp_path):
    """Every kind of model file nnpy writes: (name, path, width of one input sample)."""
    rng = np.random.default_rng(1)
    files = []
    pixels = rng.integers(0, 256, size=(200, 16)).astype(float)
    labels = rng.integers(0, 3, size=200)
    csv = tmp_path / "pixels.csv"
    nnpy.save_csv(csv, pixels, labels)
    for scale in ("auto", "none", "pixels", "standardize", "7.5"):
        path = tmp_path / f"cli-{scale}.nnpy"
        assert cli.main(["train", "--train", str(csv), "--structure", "16,8,3", "--epochs", "2", "--scale", scale,
                         "--seed", "0", "--quiet", "--out", str(path)], out=io.StringIO()) == 0
        files.append((f"cli --scale {scale}", path, 16))
    binary = tmp_path / "binary.csv"                 # one sigmoid output
    nnpy.save_csv(binary, pixels, labels % 2)
    assert cli.main(["train", "--train", str(binary), "--structure", "16,4,1", "--epochs", "2", "--seed", "0",
                     "--quiet", "--out", str(tmp_path / "cli-binary.nnpy")], out=io.StringIO()) == 0
    files.append(("cli binary --scale auto", tmp_path / "cli-binary.nnpy", 16))
    for scale in ("auto", "standardize"):
        nn = Network([16, 8, 1], output_activation="linear", seed=0, verbose=False)
        nn.fit((pixels, labels.astype(float)), epoch=2, scale=scale, save_to=tmp_path / f"wf-{scale}.nnpy")
        files.append((f"workflow scale={scale}", tmp_path / f"wf-{scale}.nnpy", 16))
    from nnpy.browser.mnist_files import save_mnist_model
    digits = SequentialModel.from_structure([784, 16, 10], seed=0, dtype=np.float32)
    data, name = save_mnist_model(digits, {"n": 1000}, 1)
    (tmp_path / name).write_bytes(data)
    files.append(("the MNIST page's export", tmp_path / name, 784))
    from nnpy.browser.playground import Playground
    pg = Playground()
    pg.configure({"dataset": "spiral", "features": ["x1", "x2", "x1*x2", "sin(x1)"],
                  "layers": [{"units": 6, "activation": "tanh"}]})
    pg.train(3)
    exported = pg.export_model()
    (tmp_path / exported["filename"]).write_bytes(bytes(exported["data"]))
    files.append(("the playground's export", tmp_path / exported["filename"], 2))
    pg.configure({"problem": "regression", "dataset": "reg-gauss", "features": ["x1", "x2", "x2^2"],
                  "layers": [{"units": 5, "activation": "relu"}]})
    pg.train(3)
    exported = pg.export_model()
    (tmp_path / ("reg-" + exported["filename"])).write_bytes(bytes(exported["data"]))
    files.append(("the playground's regression export", tmp_path / ("reg-" + exported["filename"]), 2))
    old = tmp_path / "old-divisor.nnpy"     # a file from before the rule: input_divisor alone
    save_model(SequentialModel.from_structure([16, 3], seed=2), old, metadata={"input_divisor": 255})
    files.append(("an older file with input_divisor", old, 16))
    return files


def test_property_a_batch_predicts_each_row_as_it_predicts_it_alone_bit_for_bit(tmp_path):
    rng = np.random.default_rng(5)
    for name, path, width in saved_variants(tmp_path):
        p = Predictor(path)
        for trial in range(3):
            n = int(rng.integers(2, 40))
            if width == 784 or name.startswith("cli --scale pixels") or "auto" in name or "old" in name:
                X = rng.integers(0, 256, size=(n, width)).astype(float)   # what these models read: pixels
            else:
                X = rng.normal(0, 3, size=(n, width))
            X[rng.integers(0, n)] *= 1000                                # one wild row among them
            batch = p.predict(X)
            rows = np.stack([p.predict(row) for row in X])
            assert np.array_equal(batch, rows), name
            shuffled = rng.permutation(n)
            assert np.array_equal(p.predict(X[shuffled]), batch[shuffled]), name
            if p.is_classifier:
                classes, confidence = p.classify(X)
                assert [p.classify(row) for row in X] == list(zip(classes.tolist(), confidence.tolist())), name


def test_the_saved_scaling_is_applied_to_every_input_and_older_files_load():
    model = SequentialModel.from_structure([4, 3], seed=0)
    pixels = np.array([[0, 51, 255, 128], [0, 0.2, 0.4, 1.0]])
    p = Predictor(model, metadata={"input_divisor": 255})       # an older file: input_divisor alone
    assert p.scaling.kind == "pixels"
    with pytest.warns(UserWarning, match=r"sample\(s\) 1 hold fractions within 0\.\.1, as if already divided"):
        out = p.predict(pixels)
    assert np.array_equal(out, model.predict(pixels / 255))       # every row divided, the small one too
    mean, std = [1.0, 2.0, 3.0, 4.0], [2.0, 2.0, 1.0, 0.5]
    s = Predictor(model, metadata={"input_scaling": "standardize", "input_mean": mean, "input_std": std})
    assert np.array_equal(s.predict(pixels), model.predict((pixels - np.array(mean)) / np.array(std)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Predictor(model, metadata={"input_scaling": "none"}).predict(pixels)
    for bad in ({"input_divisor": -1}, {"input_divisor": "255"}, {"input_scaling": "standardize"},
                {"input_mean": [0, 0, 0, 0], "input_std": [1, 0, 1, 1]}):
        with pytest.raises(ValueError, match="metadata cannot be used"):
            Predictor(model, metadata=bad)


def test_choose_announces_a_guess_and_takes_every_choice():
    pixels = np.array([[0.0, 255.0], [3.0, 4.0]])
    assert InputScaling.choose("auto", pixels)[0].kind == "pixels" and InputScaling.choose("auto", pixels)[1]
    assert InputScaling.choose("auto", pixels / 255)[0].kind == "none"
    assert InputScaling.choose(None, pixels)[0].kind == "none"
    s, guessed = InputScaling.choose("standardize", pixels)
    assert not guessed and s.std.tolist() == [1.5, 125.5] and s.apply(pixels).mean(axis=0).tolist() == [0.0, 0.0]
    assert InputScaling.choose(2, pixels)[0].metadata() == {"input_scaling": "divide", "input_divisor": 2.0}
    for bad in ("yes", -1, float("nan")):
        with pytest.raises(ValueError, match="scale must be"):
            InputScaling.choose(bad, pixels)


def test_the_engines_refuse_nan_points_and_pixels_by_name():
    from nnpy.browser.playground import Playground
    p = Playground()
    p.configure({"dataset": "xor"})
    with pytest.raises(ValueError, match=r"the point \(nan, 1\) is not two finite numbers"):
        p.add_point(float("nan"), 1.0, 0)
    with pytest.raises(ValueError, match=r"^points\[1, 1\] is inf: inputs and targets must be finite"):
        p.predict([[0.0, 1.0], [0.0, float("inf")]])
    image = np.zeros((28, 28))
    image[3, 4] = np.nan
    with pytest.raises(ValueError, match=r"^image\[3, 4\] is NaN"):
        nnpy.preprocess_digit(image)   # what the MNIST engine's classify and Look inside run first


def test_the_mnist_engine_names_a_nan_pixel_of_a_drawing_and_keeps_the_network():
    from nnpy.browser.mnist import MnistPlayground
    rng = np.random.default_rng(3)
    digits = io.BytesIO()   # 200 random "digits", 20 of each class: the engine's checks, not learning
    np.savez(digits, images=rng.integers(0, 256, (200, 784), dtype=np.uint8),
             labels=np.repeat(np.arange(10, dtype=np.uint8), 20))
    mp = MnistPlayground()
    mp.load_data(data=digits.getvalue())
    mp.configure({"n": 200, "layers": [{"units": 8}]})
    before = mp.model.state_dict()
    canvas = np.zeros((280, 280))
    canvas[100:180, 120:140] = 255
    canvas[150, 130] = np.nan                      # row 150, column 130 of the canvas
    for call in (lambda: mp.classify(canvas.reshape(-1), 280, 280),
                 lambda: mp.inside(pixels=canvas.reshape(-1), width=280, height=280, label=1)):
        with pytest.raises(ValueError, match=r"image\[150, 130\] is NaN"):
            call()
    assert all(np.array_equal(v, mp.model.state_dict()[k]) for k, v in before.items())


def test_the_playground_engine_reads_flat_pairs_and_names_the_bad_cell():
    from nnpy.browser.playground import Playground
    p = Playground()
    p.configure({"dataset": "xor"})
    one = p.predict([0.5, -1.0])["output"]               # (2,): one point, as for model.predict
    assert one.shape == (1, 1)
    assert np.array_equal(one, p.predict([[0.5, -1.0]])["output"])
    pairs = np.array([0.5, -1.0, 2.0, 3.0, np.inf, 0.0])  # the page's flat Float64Array of pairs
    with pytest.raises(ValueError, match=r"^points\[2, 0\] is inf"):
        p.predict(pairs)
    with pytest.raises(ValueError, match=r"Received shape \(3,\): points has 3 values, and one sample of this "
                                         r"model has 2"):
        p.predict(np.arange(3.0))
