"""From CPython to PyTorch: save_safetensors / load_safetensors, `python -m nnpy export`, and the
PyTorch script it writes (compiled always; where torch is installed, run and compared with nnpy to
1e-9 in float64, and the file loaded strictly into its nn.Sequential)."""

import io
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from nnpy import (DenseLayer, LeakyReLU, ModelFileError, SequentialModel, load_safetensors, save_model,
                  save_safetensors)
from nnpy.cli import main
from nnpy.interop import to_safetensors
from nnpy.torch_code import predict_script

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def model_of(*layers, seed=0, dtype=np.float64):
    return SequentialModel(list(layers), seed=seed, dtype=dtype)


def classifier():
    return model_of(DenseLayer(4, 6, "tanh"), DenseLayer(6, 5, LeakyReLU(0.2)), DenseLayer(5, 3, "softmax"))


def has_torch():
    try:
        import safetensors.torch  # noqa: F401
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def test_save_and_load_give_back_the_model_exactly(tmp_path):
    for dtype in (np.float64, np.float32):
        model = model_of(DenseLayer(3, 4, "relu"), DenseLayer(4, 1, "sigmoid"), dtype=dtype)
        path = save_safetensors(model, tmp_path / "m.safetensors", metadata={"features": ["x1", "x2", "x1^2"]})
        again, meta = load_safetensors(path, return_metadata=True)
        assert again.get_config() == model.get_config() and meta == {"features": ["x1", "x2", "x1^2"]}
        for name, value in model.state_dict().items():
            np.testing.assert_array_equal(again.state_dict()[name], value)


def test_the_safetensors_package_reads_the_file_with_pytorch_names(tmp_path):
    numpy_reader = pytest.importorskip("safetensors.numpy")
    model = classifier()
    save_safetensors(model, tmp_path / "m.safetensors")
    tensors = numpy_reader.load_file(str(tmp_path / "m.safetensors"))
    assert sorted(tensors) == ["0.bias", "0.weight", "2.bias", "2.weight", "4.bias", "4.weight"]
    for i, layer in enumerate(model.layers):
        np.testing.assert_array_equal(tensors[f"{2 * i}.weight"], layer.W.T)
        np.testing.assert_array_equal(tensors[f"{2 * i}.bias"], layer.b)


def test_a_file_without_nnpy_metadata_loads_into_a_given_model(tmp_path):
    numpy_writer = pytest.importorskip("safetensors.numpy")
    model = classifier()
    tensors = {k: np.ascontiguousarray(v) for k, v in
               __import__("nnpy.interop", fromlist=["torch_state_dict"]).torch_state_dict(model).items()}
    numpy_writer.save_file(tensors, str(tmp_path / "torch.safetensors"))   # as PyTorch would save it
    with pytest.raises(ModelFileError, match="no nnpy architecture.*model="):
        load_safetensors(tmp_path / "torch.safetensors")
    target = classifier()
    target.reset_parameters(5)
    load_safetensors(tmp_path / "torch.safetensors", model=target)
    np.testing.assert_array_equal(target.predict(np.ones((2, 4))), model.predict(np.ones((2, 4))))
    with pytest.raises(ModelFileError, match="shape"):
        load_safetensors(tmp_path / "torch.safetensors", model=model_of(DenseLayer(4, 3, "softmax")))


@pytest.mark.parametrize("damage,message", [
    (lambda d: d[:-8], "truncated"),
    (lambda d: b"\x80\x04pickle" + d, "header"),
])
def test_bad_files_are_refused_with_the_files_name(tmp_path, damage, message):
    data = to_safetensors(classifier())
    path = tmp_path / "bad.safetensors"
    path.write_bytes(damage(data))
    with pytest.raises(ModelFileError, match=message) as info:
        load_safetensors(path)
    assert "'bad.safetensors'" in str(info.value)


def test_an_architecture_that_does_not_fit_the_tensors_is_refused_before_it_is_built(tmp_path):
    model = classifier()
    config = model.get_config()
    config["layers"][2]["out_features"] = 10**9      # would allocate 40 GB if built first
    path = tmp_path / "lying.safetensors"
    path.write_bytes(to_safetensors(model, {"nnpy.model": json.dumps(config)}))
    with pytest.raises(ModelFileError, match=r"metadata has layers .*\(5, 1000000000\)"):
        load_safetensors(path)


def test_non_finite_weights_are_refused(tmp_path):
    model = classifier()
    model.layers[1].W[0, 0] = np.nan
    save_safetensors(model, tmp_path / "nan.safetensors")
    with pytest.raises(ModelFileError, match="NaN"):
        load_safetensors(tmp_path / "nan.safetensors")


# ------------------------------------------------------------------ the command line

def cli(*argv):
    out, err = io.StringIO(), io.StringIO()
    old, sys.stderr = sys.stderr, err
    try:
        status = main(list(argv), out=out)
    finally:
        sys.stderr = old
    return status, out.getvalue(), err.getvalue()


@pytest.fixture
def saved(tmp_path):
    model = classifier()
    path = tmp_path / "model.nnpy"
    save_model(model, path, metadata={"input_divisor": 255.0, "class_names": ["cat", "dog", "owl"]})
    return model, path


def test_export_writes_the_weights_and_the_pytorch_script(saved, tmp_path):
    model, path = saved
    status, out, err = cli("export", str(path), "--safetensors", str(tmp_path / "w.safetensors"),
                           "--pytorch", str(tmp_path / "run_torch.py"))
    assert status == 0, err
    assert "0.weight, 0.bias, 2.weight, 2.bias, ..." in out
    again, meta = load_safetensors(tmp_path / "w.safetensors", return_metadata=True)
    assert meta == {"input_divisor": 255.0, "class_names": ["cat", "dog", "owl"]}
    np.testing.assert_array_equal(again.predict(np.eye(4)), model.predict(np.eye(4)))
    script = (tmp_path / "run_torch.py").read_text()
    compile(script, "run_torch.py", "exec")
    assert 'WEIGHTS_FILE = "w.safetensors"' in script and "nn.LeakyReLU(0.2)" in script
    assert "nn.Linear(5, 3),  # 3 logits" in script


def test_pytorch_alone_writes_the_weights_beside_the_script(saved, tmp_path):
    _, path = saved
    (tmp_path / "out").mkdir()
    status, out, err = cli("export", str(path), "--pytorch", str(tmp_path / "out" / "net.py"))
    assert status == 0, err
    assert (tmp_path / "out" / "net.safetensors").exists()
    assert 'WEIGHTS_FILE = "net.safetensors"' in (tmp_path / "out" / "net.py").read_text()


@pytest.mark.parametrize("argv,message", [
    (["export", "{model}"], "needs --safetensors OUT, --pytorch SCRIPT or both"),
    (["export", "{missing}", "--safetensors", "{tmp}/x.safetensors"], "No such file"),
    (["export", "{model}", "--safetensors", "{tmp}/no/such/dir/x.safetensors"], "No such file"),
])
def test_export_errors_are_one_line(saved, tmp_path, argv, message):
    _, path = saved
    argv = [a.format(model=path, missing=tmp_path / "none.nnpy", tmp=tmp_path) for a in argv]
    status, out, err = cli(*argv)
    assert status == 2 and err.startswith("nnpy: error: ") and message in err and err.count("\n") == 1


@pytest.mark.skipif(not has_torch(), reason="torch is not installed (NNPY_WITH_TORCH=1 bash test.sh)")
@pytest.mark.parametrize("kind", ["softmax", "sigmoid", "linear", "features"])
def test_pytorch_predicts_what_nnpy_predicts(tmp_path, kind):
    import torch
    from safetensors.torch import load_file
    out = {"softmax": DenseLayer(5, 3, "softmax"), "sigmoid": DenseLayer(5, 1, "sigmoid"),
           "linear": DenseLayer(5, 2, "linear"), "features": DenseLayer(5, 3, "softmax")}[kind]
    inputs = 3 if kind == "features" else 4
    model = model_of(DenseLayer(inputs, 6, "tanh"), DenseLayer(6, 5, LeakyReLU(0.2)), out)
    meta = {"features": ["x1", "x2", "sin(x1)"]} if kind == "features" else {"input_divisor": 255.0}
    save_model(model, tmp_path / "m.nnpy", metadata=meta)
    assert cli("export", str(tmp_path / "m.nnpy"), "--pytorch", str(tmp_path / "m_torch.py"))[0] == 0
    rng = np.random.default_rng(0)
    X = rng.uniform(-2, 2, (16, 2)) if kind == "features" else rng.integers(0, 256, (16, 4)).astype(float)
    np.savetxt(tmp_path / "inputs.csv", X, delimiter=",", header="a,b" if kind == "features" else "a,b,c,d",
               comments="")
    from nnpy import Predictor
    want = Predictor(str(tmp_path / "m.nnpy")).predict(X)
    sys.path.insert(0, str(tmp_path))
    try:
        import m_torch
        net = m_torch.load_model()
        assert isinstance(net, torch.nn.Sequential)
        net.load_state_dict(load_file(str(tmp_path / "m.safetensors")), strict=True)
        np.testing.assert_allclose(m_torch.predict(net, X), want, rtol=0, atol=1e-9)
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("m_torch", None)
    proc = subprocess.run([sys.executable, str(tmp_path / "m_torch.py"), str(tmp_path / "inputs.csv")],
                          capture_output=True, text=True, cwd=str(tmp_path / ".."))
    assert proc.returncode == 0, proc.stderr
    nnpy_lines = cli("predict", str(tmp_path / "m.nnpy"), "--csv", str(tmp_path / "inputs.csv"))[1]
    assert proc.stdout == nnpy_lines


def test_the_script_is_the_same_network_the_page_writes():
    """The playground's PyTorch script and the export's build their nn.Sequential with one writer."""
    from nnpy.browser.codegen import pytorch_script
    page = pytorch_script({"layers": [{"units": 4, "activation": "leaky_relu"}, {"units": 3, "activation": "tanh"}],
                           "dataset": "blobs", "classes": 3}, 1)
    model = model_of(DenseLayer(2, 4, LeakyReLU(0.01)), DenseLayer(4, 3, "tanh"), DenseLayer(3, 3, "softmax"))
    script = predict_script(model, "w.safetensors")
    for line in ("nn.Linear(2, 4), nn.LeakyReLU(0.01),", "nn.Linear(4, 3), nn.Tanh(),", "nn.Linear(3, 3),  # "):
        assert line in page and line in script


def test_cli_train_plot_writes_a_png_of_the_curves(tmp_path):
    pytest.importorskip("matplotlib")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 2))
    y = (X[:, 0] > 0).astype(int)
    for name, part in (("train.csv", slice(0, 60)), ("test.csv", slice(60, 80))):
        np.savetxt(tmp_path / name, np.column_stack([y[part], X[part]]), delimiter=",", fmt="%.6f")
    status, out, err = cli("train", "--train", str(tmp_path / "train.csv"), "--test", str(tmp_path / "test.csv"),
                           "--structure", "2,8,2", "--epochs", "4", "--lr", "0.1", "--seed", "0",
                           "--out", str(tmp_path / "m.nnpy"), "--plot", str(tmp_path / "curves.png"), "--verbose", "2")
    assert status == 0, err
    assert f"training curves saved to {tmp_path / 'curves.png'}" in out
    data = (tmp_path / "curves.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1000, 380) and len(data) > 10_000   # two panels at 100 dpi, with lines
    # a plot that cannot be written is refused before training, and nothing is saved
    status, out, err = cli("train", "--train", str(tmp_path / "train.csv"), "--structure", "2,2",
                           "--out", str(tmp_path / "never.nnpy"), "--plot", str(tmp_path / "c.docx"))
    assert status == 2 and "extension" in err and not (tmp_path / "never.nnpy").exists()
