"""Generated scripts run as a user runs them (a subprocess of this Python) and print the numbers the
playground's engine reports; the PyTorch script compiles always and, where torch is installed, runs
and agrees with nnpy."""

import os
import re
import subprocess
import sys

import numpy as np
import pytest

from nnpy.browser.code_panel import playground_code
from nnpy.browser.codegen import initial_model, python_script, pytorch_script
from nnpy.interop import from_safetensors, state_dict_from_torch
from nnpy.browser.playground import Playground

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LINE = re.compile(r"^(train|test)\s+loss (\S+)(?:\s+accuracy (\S+)\s+\((\d+)/(\d+)\))?(?:\s+page: .*)?$")

CASES = {
    "default circle, tanh, SGD": ({}, 12),
    "3-class spiral, relu, Adam, L2": ({"dataset": "spiral", "classes": 3, "optimizer": "adam", "lr": 0.01,
                                        "regularization": "l2", "reg_rate": 0.003,
                                        "layers": [{"units": 8, "activation": "relu"}] * 2}, 10),
    "regression, all features, momentum, L1, odd batch": (
        {"problem": "regression", "dataset": "reg-gauss", "noise": 0.1, "seed": 7, "train_ratio": 0.3,
         "batch_size": 7, "features": ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"],
         "layers": [{"units": 5, "activation": "leaky_relu"}, {"units": 4, "activation": "sigmoid"},
                    {"units": 3, "activation": "linear"}],
         "optimizer": "momentum", "lr": 0.01, "regularization": "l1", "reg_rate": 0.001}, 6),
    "4 blobs, no hidden layer": ({"dataset": "blobs", "classes": 4, "noise": 0.3, "seed": 11, "layers": [],
                                  "train_ratio": 0.8, "batch_size": 30}, 8),
    "2 blobs, sigmoid output": ({"dataset": "blobs", "classes": 2, "seed": 2, "optimizer": "adam",
                                 "lr": 0.02}, 5),
}


def run(path, python=sys.executable, cwd=None, with_nnpy=True):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    if not with_nnpy:  # the PyTorch script needs torch, numpy and safetensors only
        env.pop("PYTHONPATH")
    proc = subprocess.run([python, path], cwd=cwd or os.path.dirname(path), env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return parse(proc.stdout)


def parse(out):
    result = {}
    for line in out.splitlines():
        if line.startswith("epoch "):
            result["epoch"] = int(line.split()[1])
        if line.startswith(("The same as the page", "Not the same as the page")):
            result["verdict"] = "same" if line.startswith("The same") else "differs"
        m = LINE.match(line.strip())
        if m:
            result[m.group(1)] = {"loss": float(m.group(2)),
                                  "correct": None if m.group(4) is None else int(m.group(4))}
    assert {"epoch", "train", "test"} <= set(result), out
    return result


def trained(state, epochs):
    pg = Playground()
    pg.configure(state)
    snap = pg.train(epochs)
    assert snap["epoch"] == epochs and snap["diverged"] is None
    return pg, snap


def expected(pg, snap):
    out = {"epoch": snap["epoch"]}
    for part, y in (("train", pg.y_train), ("test", pg.y_test)):
        acc = None if snap["accuracy"] is None else round(snap["accuracy"][part] * len(y))
        out[part] = {"loss": snap["loss"][part], "correct": acc}
    return out


def assert_same(printed, want, loss_tol):
    assert printed["epoch"] == want["epoch"]
    for part in ("train", "test"):
        assert printed[part]["correct"] == want[part]["correct"], (part, printed, want)
        assert abs(printed[part]["loss"] - want[part]["loss"]) <= loss_tol * max(1.0, abs(want[part]["loss"])), \
            (part, printed, want)


def write(tmp_path, code):
    paths = {}
    for key, name in code["files"].items():
        paths[key] = tmp_path / name
        mode = "wb" if key in ("weights", "trained") else "w"
        with open(paths[key], mode) as f:
            f.write(code[key])
    return paths


def torch_python():
    """This Python if it has torch and safetensors, else None (the PyTorch runs are skipped)."""
    try:
        import safetensors.torch  # noqa: F401
        import torch  # noqa: F401
    except ImportError:
        return None
    return sys.executable


# ------------------------------------------------------------------ the nnpy script

@pytest.mark.parametrize("case", sorted(CASES))
def test_nnpy_script_prints_the_playgrounds_numbers(tmp_path, case):
    state, epochs = CASES[case]
    pg, snap = trained(state, epochs)
    code = playground_code(pg)
    paths = write(tmp_path, code)
    printed = run(str(paths["python"]))
    assert_same(printed, expected(pg, snap), 1e-9)
    assert printed["verdict"] == "same"  # the page's numbers (here: this CPython's engine) are printed beside
    compile(code["pytorch"], code["files"]["pytorch"], "exec")


def test_the_script_prints_the_pages_numbers_beside_its_own_and_says_when_they_differ(tmp_path):
    """The promise: the first epochs agree to 1e-9, later ones may drift; the script says which it is."""
    state, epochs = CASES["default circle, tanh, SGD"]
    pg, snap = trained(state, epochs)
    page = {"train": {"loss": snap["loss"]["train"] + 1e-6, "accuracy": snap["accuracy"]["train"]},
            "test": {"loss": snap["loss"]["test"], "accuracy": snap["accuracy"]["test"]}}
    path = tmp_path / "drifted.py"
    path.write_text(python_script(pg.state, epochs, page=page))
    proc = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, PYTHONPATH=ROOT))
    assert proc.returncode == 0, proc.stderr
    train_line = next(line for line in proc.stdout.splitlines() if line.startswith("train "))
    assert train_line.endswith(f"page: loss {page['train']['loss']:.10f}  accuracy {page['train']['accuracy']:.4f}")
    assert parse(proc.stdout)["verdict"] == "differs"
    head = " ".join(python_script(pg.state, epochs, page=page).split('"""')[1].split())
    assert "The first epochs agree with the page to about 1e-9; later ones may drift apart." in head
    assert "beside the page's" in head
    with pytest.raises(ValueError, match="page must give"):
        python_script(pg.state, epochs, page={"train": 1})


def test_header_says_what_is_reproduced():
    state, epochs = CASES["3-class spiral, relu, Adam, L2"]
    text = python_script(state, epochs)
    head = text.split('"""')[1]
    for words in ('"spiral" dataset (500 points, 3 classes', "2 -> 8 relu -> 8 relu -> 3 softmax",
                  "Adam at learning rate 0.01", "L2 rate 0.003", "10 epochs"):
        assert words in " ".join(head.split()), words
    torch_head = pytorch_script(state, epochs).split('"""')[1]
    assert "the same formula rearranged" in torch_head  # the Adam note
    assert "weights' parameter group only" in torch_head  # the L2 note


def test_the_users_own_points_are_embedded_exactly(tmp_path):
    pg = Playground()
    pg.configure({"layers": [{"units": 6, "activation": "tanh"}], "lr": 0.1, "batch_size": 4, "seed": 4})
    rng = np.random.default_rng(9)
    X = rng.uniform(-5, 5, (60, 2))
    labels = (X[:, 0] * X[:, 1] > 0).astype(int)
    csv = "x1,x2,label\n" + "\n".join(f"{a!r},{b!r},{c}" for (a, b), c in zip(X.tolist(), labels))
    pg.load_csv(csv, name='my "odd" name\\')
    pg.add_point(0.5, -0.25, 1, to="test")  # a clicked point: the data is the user's, split as is
    snap = pg.train(9)
    code = playground_code(pg)
    assert "make_dataset" not in code["python"]
    paths = write(tmp_path, code)
    assert_same(run(str(paths["python"])), expected(pg, snap), 1e-9)


def test_live_changes_are_replayed_from_the_history(tmp_path):
    pg = Playground()
    state = {"dataset": "xor", "seed": 3, "layers": [{"units": 5, "activation": "tanh"}], "lr": 0.03}
    pg.configure(state)
    history = [(0, state)]
    pg.train(4)
    for change in ({"lr": 0.1}, {"optimizer": "adam", "lr": 0.01, "batch_size": 25},
                   {"regularization": "l2", "reg_rate": 0.01}, {"lr": 0.003, "optimizer": "momentum"}):
        state = {**state, **change}
        assert pg.configure(state)["changed"] == ["live"]
        history.append((pg.trainer.epoch, state))
        snap = pg.train(3)
    code = playground_code(pg, history=history)
    assert code["python"].count("trainer.train(") == 5
    paths = write(tmp_path, code)
    assert_same(run(str(paths["python"])), expected(pg, snap), 1e-9)
    # without the history the script trains with the final settings throughout: other numbers
    plain = tmp_path / "plain.py"
    plain.write_text(python_script(pg.state, pg.trainer.epoch))
    assert run(str(plain))["train"]["loss"] != pytest.approx(snap["loss"]["train"], abs=1e-6)


def test_initial_weights_from_an_older_seed_are_embedded(tmp_path):
    pg = Playground()
    pg.configure({"dataset": "moons", "seed": 5})
    pg.regenerate(8)   # new data from seed 8; the network keeps seed 5's weights
    pg.reset()         # epoch 0: those initial weights, a trainer shuffling with seed 8
    snap = pg.train(6)
    code = playground_code(pg)
    assert "flat_parameters[0][...] = unpack(" in code["python"]
    paths = write(tmp_path, code)
    assert_same(run(str(paths["python"])), expected(pg, snap), 1e-9)


def test_initial_weights_file_holds_the_playgrounds_initial_weights():
    pg, _ = trained(CASES["3-class spiral, relu, Adam, L2"][0], 3)
    code = playground_code(pg)
    tensors, meta = from_safetensors(code["weights"], return_metadata=True)
    model = initial_model(pg.state)
    model.load_state_dict(state_dict_from_torch(tensors))
    np.testing.assert_array_equal(model.flat_parameters[0], pg._initial)
    assert not np.array_equal(pg.model.flat_parameters[0], pg._initial)  # trained since
    assert meta["weights"] == "initial" and '"spiral"' in meta["state"]
    after, meta = from_safetensors(code["trained"], return_metadata=True)
    model.load_state_dict(state_dict_from_torch(after))
    np.testing.assert_array_equal(model.flat_parameters[0], pg.model.flat_parameters[0])
    assert meta["weights"] == "after 3 epochs" and code["files"]["trained"].endswith("-epoch3.safetensors")
    assert code["files"]["weights"] in code["pytorch"]


def test_bad_arguments_are_refused_with_the_reason():
    state = {"dataset": "xor"}
    with pytest.raises(ValueError, match="epochs must be"):
        python_script(state, -1)
    with pytest.raises(ValueError, match="start at epoch 0"):
        python_script(state, 5, history=[(2, state)])
    with pytest.raises(ValueError, match="must not decrease"):
        python_script(state, 5, history=[(0, state), (3, state), (2, state)])
    with pytest.raises(ValueError, match="another dataset"):
        python_script(state, 5, history=[(0, {"dataset": "circle"})])
    with pytest.raises(ValueError, match="epoch must be"):
        python_script(state, 5, history=[(0, state), (9, state)])
    with pytest.raises(ValueError, match="lacks 'y_test'"):
        pytorch_script(state, 5, data={"X_train": np.zeros((3, 2)), "y_train": [0, 1, 0],
                                       "X_test": np.zeros((1, 2)), "classes": 2})
    with pytest.raises(ValueError, match="class indices 0..1"):
        python_script(state, 5, data={"X_train": np.zeros((3, 2)), "y_train": [0, 1, 2],
                                      "X_test": np.zeros((1, 2)), "y_test": [0], "classes": 2})
    with pytest.raises(ValueError, match="unknown state keys"):
        python_script({"colour": "red"}, 5)
    with pytest.raises(ValueError, match="weights_file"):
        pytorch_script(state, 5, weights_file="")


# ------------------------------------------------------------------ the PyTorch script

@pytest.mark.parametrize("case", sorted(CASES))
def test_pytorch_script_compiles_and_with_torch_matches_nnpy(tmp_path, case):
    state, epochs = CASES[case]
    pg, snap = trained(state, epochs)
    code = playground_code(pg)
    compile(code["pytorch"], code["files"]["pytorch"], "exec")
    assert not re.search(r"^\s*(import|from) nnpy", code["pytorch"], re.M)
    python = torch_python()
    if python is None:
        pytest.skip("torch and safetensors are not installed: the script was compiled, not run")
    paths = write(tmp_path, code)
    assert_same(run(str(paths["pytorch"]), python, with_nnpy=False), expected(pg, snap), 1e-7)


def test_pytorch_script_replays_the_history_and_custom_points(tmp_path):
    python = torch_python()
    pg = Playground()
    state = {"dataset": "circle", "seed": 6, "layers": [{"units": 4, "activation": "relu"}]}
    pg.configure(state)
    pg.load_csv("x1,x2,label\n" + "\n".join(f"{(i % 9) - 4.0},{(i * 7 % 11) - 5.0},{i % 3}" for i in range(90)))
    history = [(0, state)]
    pg.train(3)
    for change in ({"regularization": "l1", "reg_rate": 0.01, "batch_size": 16},
                   {"optimizer": "adam", "lr": 0.01}, {"regularization": "l2"}):
        state = {**state, **change}
        pg.configure(state)
        history.append((pg.trainer.epoch, state))
        snap = pg.train(3)
    code = playground_code(pg, history=history)
    compile(code["pytorch"], code["files"]["pytorch"], "exec")
    if python is None:
        pytest.skip("torch and safetensors are not installed: the script was compiled, not run")
    paths = write(tmp_path, code)
    assert_same(run(str(paths["pytorch"]), python, with_nnpy=False), expected(pg, snap), 1e-7)


def test_a_diverged_run_is_said_so_in_both_headers():
    pg = Playground()
    pg.configure({"problem": "regression", "dataset": "reg-plane", "lr": 10.0,
                  "layers": [{"units": 8, "activation": "relu"}] * 3, "features": ["x1", "x2", "x1^2", "x2^2"]})
    snap = pg.train(5)
    assert snap["diverged"] is not None
    code = playground_code(pg)
    for key in ("python", "pytorch"):
        head = " ".join(code[key].split('"""')[1].split())
        assert f"blew up in epoch {snap['report']['failed_epoch']}" in head
        assert f"went back to its weights after epoch {snap['epoch']}, the last good ones" in head


def test_the_words_count_epochs_as_english_does():
    state = {"dataset": "xor"}
    one = " ".join(python_script(state, 1).split())  # the docstring is wrapped
    assert "1 epoch in all." in one and "accuracy after 1 epoch. The first" in one and "1 epochs" not in one
    faster = dict(state, lr=0.1)
    script = python_script(state, 4, history=[(0, state), (2, faster), (3, state)])
    assert "epochs=2)  # epochs 1-2" in script and "epochs=1)  # epoch 3" in script
    assert "epochs=1)  # epoch 4" in script and "epochs 3-3" not in script


def test_the_pytorch_docstring_is_set_apart_from_the_imports():
    lines = pytorch_script({"dataset": "xor"}, 3).splitlines()
    end = lines.index('"""', 1)
    assert lines[end + 1] == "" and lines[end + 2] == "import base64"


def test_the_readme_promises_what_the_script_promises():
    """The README's words about the Code panel are the script's own promise, and claim no more."""
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        readme = " ".join(f.read().split())
    promise = "first epochs agree with the page to about 1e-9; later ones may drift apart."
    assert promise in readme
    head = " ".join(python_script({"dataset": "xor"}, 3, page={"train": {"loss": 0.5, "accuracy": 0.5},
                                                                "test": {"loss": 0.5, "accuracy": 0.5}}
                                  ).split('"""')[1].split())
    assert promise in head.replace("The first", "first")
    assert "prints its loss and accuracy beside the page's" in readme
    assert "the numbers the page showed" not in readme and "prints the loss and accuracy the page showed" not in head
