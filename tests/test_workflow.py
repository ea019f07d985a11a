"""workflow: the seed-2 snippet on real CSV files, scaling, saving, progress output."""

import io
import os

import numpy as np
import pytest

from nnpy.data import DataError, save_csv, train_test_split
from nnpy.datasets import make_dataset
from nnpy.inference import Predictor
from nnpy.saved_models import load_model
from nnpy.workflow import EpochProgress, Network, model


def pixel_digits(n, seed, classes=10, side=8):
    """A digits-like problem: noisy 8x8 images of 10 fixed patterns, pixels 0..255 (uint8)."""
    protos = np.random.default_rng(12345).random((classes, side * side)) < 0.35
    rng = np.random.default_rng(seed)
    y = rng.integers(0, classes, n)
    X = protos[y] * 200.0 + 20.0
    X = np.where(rng.random(X.shape) < 0.08, 255 - X, X) + rng.normal(0, 25, X.shape)
    return np.clip(np.rint(X), 0, 255).astype(np.uint8), y


@pytest.fixture(scope="module")
def pixel_csvs(tmp_path_factory):
    d = tmp_path_factory.mktemp("pixels")
    X, y = pixel_digits(4000, seed=1)
    Xt, yt = pixel_digits(500, seed=2)
    save_csv(d / "train.csv", X, y, header=["label"] + [f"pixel{i + 1}" for i in range(64)])
    save_csv(d / "test.csv", Xt, yt)              # header optional: this one has none
    return d, Xt, yt


def test_the_seed_2_snippet_runs_and_learns(pixel_csvs, tmp_path, capsys, monkeypatch):
    d, Xt, yt = pixel_csvs
    # The snippet gives no seed, so its weights come from the OS's entropy: a rare start ends under
    # the 90 % target (85.4 % once in a full run; seeds 0-29 give 96.4-100 %). The seed it does not
    # give is fixed here, leaving the snippet as the seed wrote it.
    default_rng = np.random.default_rng
    monkeypatch.setattr(np.random, "default_rng", lambda seed=None: default_rng(7 if seed is None else seed))
    base = os.fspath(tmp_path / "save") + "/"
    train_csv, test_csv = os.fspath(d / "train.csv"), os.fspath(d / "test.csv")
    # --- the seed's snippet; only paths and sizes (64 pixels, 10 classes) differ ---
    nn = model(
        structure=[64, 32, 16, 10],
        base_address=base  # include trailing slash
    )
    nn.fit(
        train_data=train_csv,
        test_data=test_csv,
        epoch=10,
        alpha=0.01,
        batch_size=64
    )
    image = Xt[0].reshape(8, 8)
    x = image.flatten().astype(float) / 255.0
    x = x.reshape(1, 64)
    with pytest.warns(UserWarning, match=r"as if already divided by 255; this model divides every input"):
        nn.run(base + "model.pkl", x)
    # --- end of the snippet ---
    # The CSV held raw pixels, so fit chose (and said) "divide by 255", saved with the model, which
    # divides every input by 255: the seed's own x / 255.0 gets a warning; raw pixels are right.
    raw = image.flatten().astype(float).reshape(1, 64)
    result = nn.run(base + "model.pkl", raw)
    printed = capsys.readouterr().out
    assert nn.test_accuracy >= 0.9, printed          # stated target; ~0.99 observed
    assert f"test accuracy: {100 * nn.test_accuracy:.2f}%" in printed, printed
    assert printed.count("epoch ") == 10 and "\r" not in printed, printed   # plain lines
    assert "the inputs look like pixels (whole numbers 0..255), so they are divided by 255" in printed, printed
    saved, metadata = load_model(tmp_path / "save" / "model.pkl", return_metadata=True)
    assert metadata["input_divisor"] == 255 and metadata["structure"] == [64, 32, 16, 10]
    assert metadata["input_scaling"] == "pixels"
    probs = saved.predict(x)[0]
    assert result.label == int(np.argmax(probs))
    assert printed.rstrip().endswith(
        f"prediction = {result.label} with {100 * probs.max():.1f}% confidence"), printed
    assert np.array_equal(nn.predict(raw), saved.predict(raw / 255))
    # The test accuracy printed is the model's own, computed again here independently.
    assert np.mean(saved.predict(Xt / 255.0).argmax(axis=1) == yt) == nn.test_accuracy


def test_same_seed_gives_the_same_file_byte_for_byte(pixel_csvs, tmp_path):
    d, _, _ = pixel_csvs
    files = []
    for run in range(2):
        nn = Network([64, 16, 10], base_address=tmp_path / f"r{run}", seed=7, verbose=False)
        nn.fit(d / "train.csv", d / "test.csv", epoch=2, alpha=0.05, batch_size=32)
        files.append((tmp_path / f"r{run}" / "model.pkl").read_bytes())
    assert files[0] == files[1]


def test_three_class_spirals_from_csv_reach_97_percent(tmp_path):
    X, y = make_dataset("spirals", 1000, noise=0.05, seed=0, num_classes=3)
    X_train, y_train, X_test, y_test = train_test_split(X, y, 0.2, seed=0)
    save_csv(tmp_path / "train.csv", X_train, y_train, header=True)
    save_csv(tmp_path / "test.csv", X_test, y_test, header=True)
    nn = Network([2, 32, 32, 3], base_address=tmp_path, optimizer="adam", seed=0, verbose=False)
    history = nn.fit(tmp_path / "train.csv", tmp_path / "test.csv", epoch=80, alpha=0.01,
                     batch_size=32)
    assert nn.test_accuracy >= 0.97
    assert len(history["loss"]) == 80 and history["loss"][-1] < history["loss"][0]
    assert history["val_accuracy"][-1] == nn.test_accuracy
    _, metadata = load_model(tmp_path / "model.pkl", return_metadata=True)
    assert "input_divisor" not in metadata and metadata["input_scaling"] == "none"  # floats, not pixels


def test_one_sigmoid_output_for_two_classes_and_linear_for_regression(tmp_path):
    X, y = make_dataset("circle", 400, seed=1)
    nn = Network([2, 16, 1], seed=0, optimizer="adam", verbose=False)
    assert nn.model.layers[-1].activation.name == "sigmoid"
    nn.fit((X[:300], y[:300]), (X[300:], y[300:]), epoch=60, alpha=0.02, batch_size=16,
           save=False)
    assert nn.test_accuracy >= 0.9
    assert nn.saved_to is None and not os.path.exists(nn.model_path)

    X, t = make_dataset("reg-plane", 400, seed=2)
    reg = Network([2, 8, 1], output_activation="linear", seed=0, optimizer="adam",
                  verbose=False)
    reg.fit((X[:300], t[:300]), (X[300:], t[300:]), epoch=60, alpha=0.01, batch_size=16,
            save_to=tmp_path / "reg.nnpy")
    baseline = np.mean((t[300:] - t[300:].mean()) ** 2)
    assert reg.test_loss < 0.05 * baseline and reg.test_accuracy is None
    assert str(reg.run(tmp_path / "reg.nnpy", X[300], print_fn=None)).startswith("prediction = ")


def test_scale_none_keeps_raw_values_and_a_number_divides(pixel_csvs, tmp_path):
    d, Xt, _ = pixel_csvs
    raw = Network([64, 10], seed=0, verbose=False)
    raw.fit(d / "test.csv", epoch=1, alpha=1e-5, scale=None, save_to=tmp_path / "raw.nnpy")
    assert "input_divisor" not in raw.metadata
    half = Network([64, 10], seed=0, verbose=False)
    half.fit(d / "test.csv", epoch=1, scale=2, save=False)
    assert half.metadata["input_divisor"] == 2.0
    with pytest.raises(ValueError, match="scale must be"):
        half.fit(d / "test.csv", scale="yes")


def test_bad_data_and_structures_are_refused_with_clear_messages(tmp_path):
    (tmp_path / "t.csv").write_text("label,a,b\n0,1,2\n5,3,4\n")
    nn = Network([2, 4, 3], base_address=tmp_path, verbose=False)
    with pytest.raises(DataError, match=r"row 3 .*column 1 \(the label\): '5' is out of range"):
        nn.fit(tmp_path / "t.csv")
    wide = Network([3, 4, 3], verbose=False)
    (tmp_path / "u.csv").write_text("0,1,2\n1,3,4\n")
    with pytest.raises(ValueError, match=r"has 3 columns, but the structure's 3 inputs and the label need 4: "
                                         r"is the label column missing\?"):
        wide.fit(tmp_path / "u.csv")
    with pytest.raises(ValueError, match="has 2 feature columns, but the structure's input size is 4"):
        Network([4, 4, 3], verbose=False).fit(tmp_path / "u.csv")
    for bad in ([784], [784, 0, 10], "784,10", [2.5, 3], None):
        with pytest.raises(ValueError, match="structure must be a list"):
            Network(bad)
    assert not os.path.exists(tmp_path / "model.pkl")
    with pytest.raises(ValueError, match="needs an input"):
        nn.run(tmp_path / "model.pkl")


def test_network_load_continues_from_a_saved_file(tmp_path):
    X, y = make_dataset("xor", 200, seed=0)
    nn = Network([2, 8, 2], base_address=tmp_path, seed=0, verbose=False)
    nn.fit((X, y), epoch=3, alpha=0.1)
    again = Network.load(tmp_path / "model.pkl", verbose=False)
    assert again.structure == [2, 8, 2]
    assert np.array_equal(again.predict(X), nn.predict(X))
    assert again.metadata["training"]["epochs"] == 3
    assert isinstance(again.predictor(), Predictor)


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_is_a_bar_on_a_terminal_and_lines_elsewhere():
    logs = {"loss": 0.5, "accuracy": 0.75, "val_loss": 0.6, "val_accuracy": 0.7}
    tty = _Terminal()
    bar = EpochProgress(2, 40, tty)
    for epoch in (1, 2):
        for done in range(1, 41):
            bar.step(epoch, done)
        bar.end_epoch(epoch, logs)
    text = tty.getvalue()
    assert "\repoch 1/2 [###############...............] 20/40" in text
    assert "\repoch 2/2 [##############################] 40/40" in text
    assert "\r\x1b[Kepoch 2/2  loss 0.5000  accuracy 75.00%  test accuracy 70.00%\n" in text
    assert text.count("\repoch 1/2 [") == 31    # 0..30 marks: redrawn as the bar grows, not each step
    plain = io.StringIO()
    lines = EpochProgress(2, 40, plain)
    for epoch in (1, 2):
        for done in range(1, 41):
            lines.step(epoch, done)
        lines.end_epoch(epoch, logs)
    assert plain.getvalue() == ("epoch 1/2  loss 0.5000  accuracy 75.00%  test accuracy 70.00%\n"
                                "epoch 2/2  loss 0.5000  accuracy 75.00%  test accuracy 70.00%\n")
