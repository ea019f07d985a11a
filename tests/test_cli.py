"""The command line, run as a user runs it: ``python -m nnpy ...`` in a subprocess."""

import os
import re
import subprocess
import sys

import numpy as np
import pytest

from nnpy.data import load_csv, save_csv, train_test_split
from nnpy.datasets import make_dataset
from nnpy.mnist import save_mnist
from nnpy.inference import Predictor
from nnpy.model import SequentialModel
from nnpy.saved_models import load_model, save_model

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def nnpy(*args, cwd=None):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-m", "nnpy", *map(os.fspath, args)], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def spirals(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    X, y = make_dataset("spirals", 1000, noise=0.05, seed=0, num_classes=3)
    X_train, y_train, X_test, y_test = train_test_split(X, y, 0.2, seed=0)
    save_csv(d / "train.csv", X_train, y_train, header=True)
    save_csv(d / "test.csv", X_test, y_test)
    result = nnpy("train", "--train", d / "train.csv", "--test", d / "test.csv",
                  "--structure", "2,32,32,3", "--epochs", "80", "--lr", "0.01",
                  "--batch-size", "32", "--optimizer", "adam", "--seed", "0",
                  "--out", d / "model.nnpy")
    return d, result, X_test, y_test


def test_train_prints_epochs_and_test_accuracy_and_saves(spirals):
    d, result, X_test, y_test = spirals
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert len(re.findall(r"^epoch \d+/80  loss ", out, re.M)) == 80
    assert "\r" not in out                           # not a terminal: plain lines
    printed = float(re.search(r"test accuracy: ([\d.]+)% \((\d+) of 200\)", out).group(1))
    model = load_model(d / "model.nnpy")
    own = 100 * np.mean(model.predict(X_test).argmax(axis=1) == y_test)
    assert printed == pytest.approx(own, abs=0.005)   # the printed number is the model's
    assert own >= 95.0
    assert f"weights saved to {d / 'model.nnpy'}" in out


def test_predict_one_input_prints_class_and_confidence(spirals):
    d, _, X_test, _ = spirals
    result = nnpy("predict", d / "model.nnpy", "--input", f"{X_test[0][0]},{X_test[0][1]}")
    assert result.returncode == 0, result.stderr
    k, p = Predictor(d / "model.nnpy").classify(X_test[0])
    assert result.stdout == f"class {k} with {100 * p:.1f}% confidence\n"
    two = nnpy("predict", d / "model.nnpy", "--input", "0.5,1", "--input", "-2,3")
    assert two.stdout.splitlines()[1].startswith("row 2: class ")


def test_predict_csv_with_labels_prints_each_row_and_the_accuracy(spirals, tmp_path):
    d, _, X_test, y_test = spirals
    result = nnpy("predict", d / "model.nnpy", "--csv", d / "test.csv")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 201 and lines[0].startswith("row 1: class ")
    classes, _ = Predictor(d / "model.nnpy").classify(X_test)
    right = int(np.sum(classes == y_test))
    assert lines[-1] == f"accuracy: {100 * right / 200:.2f}% ({right} of 200)"
    features_only = tmp_path / "x.csv"
    features_only.write_text("\n".join(f"{a!r},{b!r}" for a, b in X_test[:3].tolist()) + "\n")
    result = nnpy("predict", d / "model.nnpy", "--csv", features_only)
    assert result.stdout.splitlines() == lines[:3]


def test_predict_a_regression_model_prints_the_value(tmp_path):
    model = SequentialModel.from_structure([2, 4, 1], output_activation="linear", seed=0)
    save_model(model, tmp_path / "reg.nnpy")
    result = nnpy("predict", tmp_path / "reg.nnpy", "--input", "1.5,-2")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{model.predict([1.5, -2.0])[0]:.6g}\n"


def test_summary_shows_layers_and_metadata(spirals):
    d, _, _, _ = spirals
    result = nnpy("summary", d / "model.nnpy")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert re.search(r"0: Dense \(relu\)\s+\(None, 32\)\s+96", out)
    assert re.search(r"2: Dense \(softmax\)\s+\(None, 3\)\s+99", out)
    assert "Total params: 1,251" in out and "Output: softmax (classifier)" in out
    assert 'optimizer": "adam"' in out and "structure: [2, 32, 32, 3]" in out


@pytest.mark.parametrize("command", ["train", "predict", "summary", "mnist-csv"])
def test_help_on_each_command(command):
    result = nnpy(command, "--help")
    assert result.returncode == 0 and result.stdout.startswith(f"usage: nnpy {command}")
    assert result.stderr == ""


def test_top_level_help_and_no_command():
    assert "train" in nnpy("--help").stdout
    result = nnpy()
    assert result.returncode == 2 and "usage: nnpy" in result.stderr


def test_user_errors_exit_2_with_one_line_and_no_traceback(spirals, tmp_path):
    d, _, _, _ = spirals
    (tmp_path / "model.pkl").write_bytes(b"\x80\x04\x95\x00.")
    (tmp_path / "short.nnpy").write_bytes((d / "model.nnpy").read_bytes()[:500])
    (tmp_path / "ragged.csv").write_text("label,a,b\n0,1,2\n1,3\n")
    cases = [
        (("predict", tmp_path / "missing.nnpy", "--input", "1,2"), r"cannot be read: No such file"),
        (("predict", tmp_path / "model.pkl", "--input", "1,2"), r"pickle"),
        (("predict", tmp_path / "short.nnpy", "--input", "1,2"), r"truncated"),
        (("predict", d / "test.csv", "--input", "1,2"), r"is a text file"),
        (("predict", d / "model.nnpy", "--input", "1,2,3"), r"--input has 3 numbers, but one sample of this model has 2"),
        (("predict", d / "model.nnpy", "--input", "1,x"), r"expected numbers"),
        (("predict", d / "model.nnpy", "--csv", tmp_path / "ragged.csv"),
         r"row 3 .* has 2 columns, expected 3"),
        (("predict", d / "model.nnpy"), r"one of the arguments --input --csv is required"),
        (("summary", tmp_path), r"is a directory"),
        (("train", "--train", tmp_path / "ragged.csv", "--structure", "2,3", "--out",
          tmp_path / "o.nnpy"), r"row 3 .* has 2 columns"),
        (("train", "--train", d / "train.csv", "--structure", "3,4,3", "--out",
          tmp_path / "o.nnpy"), r"has 3 columns, but the structure's 3 inputs and the label need 4: is the label "
                                r"column missing\?"),
        (("train", "--train", d / "train.csv", "--structure", "5,4,3", "--out",
          tmp_path / "o.nnpy"), r"2 feature columns, but the structure's input size is 5"),
        (("train", "--train", d / "train.csv", "--structure", "2,a", "--out", "o.nnpy"),
         r"expected layer sizes"),
        (("train", "--train", d / "train.csv", "--structure", "2,3", "--lr", "-1", "--out",
          "o.nnpy"), r"expected a positive number"),
        (("train", "--train", tmp_path / "none.csv", "--structure", "2,3", "--out", "o.nnpy"),
         r"cannot read CSV file"),
        (("mnist-csv", "--data", d / "test.csv", "--out-dir", tmp_path / "m"),
         r"not an \.npz archive"),
    ]
    for args, message in cases:
        result = nnpy(*args)
        assert result.returncode == 2, (args, result.stderr)
        assert "Traceback" not in result.stderr, result.stderr
        assert re.search(message, result.stderr), (args, result.stderr)
        assert result.stderr.count("\n") <= 1 or result.stderr.startswith("usage:"), result.stderr
    assert not (tmp_path / "o.nnpy").exists()


def test_divergence_exits_1_and_saves_nothing(spirals, tmp_path):
    d, _, _, _ = spirals
    result = nnpy("train", "--train", d / "train.csv", "--structure", "2,32,3", "--lr", "1e30",
                  "--seed", "0", "--out", tmp_path / "m.nnpy")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("nnpy: training diverged:")
    assert not (tmp_path / "m.nnpy").exists()


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_progress_bar_on_a_terminal(spirals, tmp_path):
    import pty
    d, _, _, _ = spirals
    leader, follower = pty.openpty()
    env = dict(os.environ, PYTHONPATH=ROOT)
    proc = subprocess.Popen([sys.executable, "-m", "nnpy", "train", "--train",
                             os.fspath(d / "train.csv"), "--structure", "2,8,3", "--epochs", "2",
                             "--batch-size", "8", "--out", os.fspath(tmp_path / "m.nnpy")],
                            stdout=follower, stderr=follower, env=env)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:          # the terminal closed: the process is done
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert proc.wait(timeout=120) == 0
    out = b"".join(chunks).decode()
    assert re.search(r"\repoch 1/2 \[#{30}\] 100/100", out), out      # 800 samples / 8
    assert "\r\x1b[Kepoch 2/2  loss " in out


def test_mnist_csv_writes_the_seed_2_format_and_trains(tmp_path):
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(10), 20)
    images = np.zeros((200, 28, 28), dtype=np.uint8)
    for i, digit in enumerate(labels):   # a bright bar whose row says the digit, plus noise
        images[i, 2 + 2 * digit:4 + 2 * digit, 4:24] = 255
        images[i] |= (rng.random((28, 28)) < 0.05).astype(np.uint8) * 90
    save_mnist(tmp_path / "mnist.npz", images, labels)
    result = nnpy("mnist-csv", "--data", tmp_path / "mnist.npz", "--out-dir", tmp_path / "csv",
                  "--test-size", "0.25")
    assert result.returncode == 0, result.stderr
    assert "train.csv: 150 digits" in result.stdout and "test.csv: 50 digits" in result.stdout
    lines = (tmp_path / "csv" / "train.csv").read_text().splitlines()
    assert lines[0] == "label," + ",".join(f"pixel{i}" for i in range(1, 785))
    assert len(lines) == 151 and all(len(line.split(",")) == 785 for line in lines)
    assert re.fullmatch(r"[0-9](,(0|[1-9][0-9]{0,2}))+", lines[1])   # integers 0..255
    X, y = load_csv(tmp_path / "csv" / "train.csv")
    assert X.max() == 255 and sorted(np.bincount(y.astype(np.intp))) == [15] * 10
    trained = nnpy("train", "--train", tmp_path / "csv" / "train.csv", "--test",
                   tmp_path / "csv" / "test.csv", "--structure", "784,32,10", "--epochs", "30",
                   "--lr", "0.1", "--batch-size", "16", "--seed", "0",
                   "--out", tmp_path / "digits.nnpy")
    assert trained.returncode == 0, trained.stderr
    assert "so they are divided by 255" in trained.stdout
    accuracy = float(re.search(r"test accuracy: ([\d.]+)%", trained.stdout).group(1))
    assert accuracy >= 90.0, trained.stdout


def test_an_output_that_would_overwrite_an_input_is_refused_before_any_work(spirals, tmp_path):
    """A slip of the tab key (--out train.csv, --safetensors model.nnpy) used to write over the
    student's data or model after training; now it is refused first, naming both options."""
    d, _, _, _ = spirals
    train, test, model = d / "train.csv", d / "test.csv", d / "model.nnpy"
    before = {p: p.read_bytes() for p in (train, test, model)}
    base = ("train", "--train", train, "--test", test, "--structure", "2,3", "--epochs", "1")
    cases = [
        ((*base, "--out", train), r"--out .*train\.csv is the file given as --train"),
        ((*base, "--out", test), r"--out .*test\.csv is the file given as --test"),
        ((*base, "--out", tmp_path / "m.nnpy", "--plot", train), r"--plot .* is the file given as --train"),
        ((*base, "--out", tmp_path), r"--out .* is a directory"),
        (("export", model, "--safetensors", model), r"--safetensors .* is the file given as the MODEL"),
        (("export", model, "--pytorch", model), r"--pytorch .* is the file given as the MODEL"),
        (("export", model, "--safetensors", tmp_path / "x", "--pytorch", tmp_path / "x"),
         r"--pytorch .* is the file given as --safetensors"),
        (("mnist-csv", "--data", train, "--out-dir", d), r"--out-dir's train\.csv .* is the file given as --data"),
    ]
    for args, message in cases:
        result = nnpy(*args)
        assert result.returncode == 2, (args, result.stderr)
        assert re.search(message, result.stderr), (args, result.stderr)
        assert "Traceback" not in result.stderr and "epoch" not in result.stdout, (args, result)
    assert {p: p.read_bytes() for p in before} == before
    assert not (tmp_path / "x").exists() and not (tmp_path / "m.nnpy").exists()


def test_an_output_that_cannot_be_written_is_refused_before_training(spirals, tmp_path):
    """--out in a place nothing can be written (/proc) used to fail after the whole training, naming
    a temporary file; a file where a folder should be likewise."""
    d, _, _, _ = spirals
    (tmp_path / "afile").write_text("")
    base = ("train", "--train", d / "train.csv", "--structure", "2,3", "--epochs", "1")
    cases = [((*base, "--out", tmp_path / "afile" / "m.nnpy"), r"--out .*afile is a file, not a folder"),
             ((*base, "--out", tmp_path / "m.nnpy", "--plot", tmp_path / "afile" / "c.png"), r"--plot .*afile is a file")]
    if os.path.isdir("/proc/self"):
        cases.append(((*base, "--out", "/proc/m.nnpy"), r"--out /proc/m\.nnpy: nothing can be written in /proc"))
    for args, message in cases:
        result = nnpy(*args)
        assert result.returncode == 2, (args, result.stderr)
        assert re.search(message, result.stderr), (args, result.stderr)
        assert "Traceback" not in result.stderr and "epoch" not in result.stdout, (args, result)
    assert not (tmp_path / "m.nnpy").exists()
    # a folder that does not exist yet is still made when saving
    result = nnpy(*base, "--out", tmp_path / "new" / "m.nnpy")
    assert result.returncode == 0 and (tmp_path / "new" / "m.nnpy").is_file(), result.stderr
