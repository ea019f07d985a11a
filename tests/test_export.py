"""safetensors export: the bytes against the format's spec, round trips, the safetensors package and
PyTorch when they are installed, and a strict reader that refuses broken or hostile files."""

import json
import struct

import numpy as np
import pytest

from nnpy import DenseLayer, ModelFileError, SequentialModel
from nnpy.interop import (MAX_HEADER_BYTES, from_safetensors, state_dict_from_torch, to_safetensors,
                         torch_state_dict)


def small_model(dtype=np.float64, seed=3):
    return SequentialModel([DenseLayer(3, 5, "tanh", seed=seed, dtype=dtype),
                            DenseLayer(5, 4, "relu", seed=seed + 1, dtype=dtype),
                            DenseLayer(4, 2, "softmax", seed=seed + 2, dtype=dtype)])


def parse_by_the_spec(data):
    """An independent reading of the format: u64 length, JSON header, raw little-endian data."""
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    body = data[8 + n:]
    types = {"F64": "<f8", "F32": "<f4"}
    arrays = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        arrays[name] = np.frombuffer(body[begin:end], dtype=types[info["dtype"]]).reshape(info["shape"])
    return n, header, body, arrays


def test_bytes_follow_the_spec_with_pytorch_names_and_transposed_weights():
    model = small_model()
    data = to_safetensors(model, {"features": ["x1", "x2", "x1^2"], "note": "hello"})
    n, header, body, arrays = parse_by_the_spec(data)
    assert (8 + n) % 8 == 0 and data[8:9] == b"{"
    assert data[8:8 + n].rstrip(b" ").endswith(b"}")
    assert [k for k in header if k != "__metadata__"] == ["0.weight", "0.bias", "2.weight", "2.bias",
                                                           "4.weight", "4.bias"]
    offsets = [header[k]["data_offsets"] for k in arrays]
    assert offsets[0][0] == 0 and all(a[1] == b[0] for a, b in zip(offsets, offsets[1:]))
    assert offsets[-1][1] == len(body)
    for i, layer in enumerate(model.layers):
        assert header[f"{2 * i}.weight"]["dtype"] == "F64"
        assert header[f"{2 * i}.weight"]["shape"] == [layer.out_features, layer.in_features]
        np.testing.assert_array_equal(arrays[f"{2 * i}.weight"], layer.W.T)
        np.testing.assert_array_equal(arrays[f"{2 * i}.bias"], layer.b)
    meta = header["__metadata__"]
    assert meta["format"] == "pt" and meta["note"] == "hello"
    assert json.loads(meta["features"]) == ["x1", "x2", "x1^2"]
    assert json.loads(meta["nnpy.model"]) == json.loads(json.dumps(model.get_config()))


def test_round_trip_is_exact_and_deterministic_in_float64_and_float32():
    for dtype, code in ((np.float64, "F64"), (np.float32, "F32")):
        model = small_model(dtype)
        data = to_safetensors(model)
        assert data == to_safetensors(model)
        tensors, meta = from_safetensors(data, return_metadata=True)
        assert {t.dtype for t in tensors.values()} == {np.dtype(dtype)}
        assert f'"dtype":"{code}"' in data[8:200].decode()
        state = state_dict_from_torch(tensors)
        for name, value in model.state_dict().items():
            np.testing.assert_array_equal(state[name], value)
        other = small_model(dtype, seed=40)
        other.load_state_dict(state)
        x = np.random.default_rng(0).normal(size=(7, 3))
        np.testing.assert_array_equal(other.predict(x), model.predict(x))
        assert meta["format"] == "pt"


def test_state_dict_input_and_dtype_conversion():
    model = small_model()
    a = to_safetensors(model.state_dict(), dtype="float32")
    tensors = from_safetensors(a)
    assert tensors["0.weight"].dtype == np.float32
    np.testing.assert_array_equal(tensors["2.weight"], model.layers[1].W.T.astype(np.float32))
    assert set(torch_state_dict(model)) == set(tensors)


def test_bad_arguments_are_refused_with_the_reason():
    with pytest.raises(TypeError, match="SequentialModel or a dict"):
        to_safetensors([1, 2])
    with pytest.raises(ValueError, match="keys 0.W, 0.b"):
        to_safetensors({"0.W": np.zeros((2, 2))})
    with pytest.raises(ValueError, match="does not store"):
        to_safetensors({"a": np.array(["text"])})
    with pytest.raises(ValueError, match="metadata keys"):
        to_safetensors(small_model(), {1: "x"})
    with pytest.raises(ValueError, match="indices 0, 2, 4"):
        state_dict_from_torch({"0.weight": np.zeros((2, 2)), "0.bias": np.zeros(2),
                               "1.weight": np.zeros((2, 2)), "1.bias": np.zeros(2)})
    with pytest.raises(ValueError, match="lacks bias"):
        state_dict_from_torch({"0.weight": np.zeros((2, 2))})
    with pytest.raises(ValueError, match="unexpected tensor"):
        state_dict_from_torch({"0.weight": np.zeros((2, 2)), "0.bias": np.zeros(2), "extra": np.zeros(1)})
    with pytest.raises(ValueError, match="bias"):
        state_dict_from_torch({"0.weight": np.zeros((2, 3)), "0.bias": np.zeros(3)})


# ------------------------------------------------------------------ the strict reader

def build(header, body=b"", pad=True, length=None):
    text = json.dumps(header).encode()
    if pad:
        text += b" " * (-(8 + len(text)) % 8)
    return struct.pack("<Q", len(text) if length is None else length) + text + body


def raw(text):
    """A file whose header is ``text`` exactly (no data)."""
    return struct.pack("<Q", len(text)) + text


def one(dtype="F64", shape=(2,), offsets=(0, 16), body=16):
    return build({"w": {"dtype": dtype, "shape": list(shape), "data_offsets": list(offsets)}}, b"\0" * body)


HOSTILE = {
    "empty": (b"", "8-byte header length"),
    "short": (b"\x10\x00\x00", "8-byte header length"),
    "huge header claim": (struct.pack("<Q", 2**62) + b"{}", "the limit is"),
    "header past the end": (struct.pack("<Q", 100) + b"{}", "only 2"),
    "not json": (raw(b"{notjson"), "not valid JSON"),
    "not an object": (build([1, 2]), "must start with"),
    "a pickle": (b"\x80\x04\x95" + b"\0" * 40, "limit is|only"),
    "zip file": (b"PK\x03\x04" + b"\0" * 60, "limit is|only"),
    "NaN constant": (raw(b'{"a": NaN}'), "not valid JSON"),
    "duplicate keys": (raw(b'{"a": 1, "a": 2}'), "duplicate"),
    "deep nesting": (raw(b'{"a":' + b"[" * 5000 + b"]" * 5000 + b"}"), "nested deeper"),
    "deep nesting behind a quote": (raw(b'{"a\\\\":' + b"[" * 5000 + b"]" * 5000 + b"}"), "nested deeper"),
    "unknown dtype": (one(dtype="BF16"), "dtype 'BF16'"),
    "object dtype": (one(dtype="O"), "dtype 'O'"),
    "extra field": (build({"w": {"dtype": "F64", "shape": [1], "data_offsets": [0, 8], "x": 1}}, b"\0" * 8),
                    "exactly dtype"),
    "shape not a list": (build({"w": {"dtype": "F64", "shape": 2, "data_offsets": [0, 16]}}, b"\0" * 16),
                         "shape"),
    "negative dim": (one(shape=(-2,)), "non-negative"),
    "float dim": (build({"w": {"dtype": "F64", "shape": [2.0], "data_offsets": [0, 16]}}, b"\0" * 16),
                  "non-negative integers"),
    "bool dim": (build({"w": {"dtype": "F64", "shape": [True], "data_offsets": [0, 8]}}, b"\0" * 8),
                 "non-negative integers"),
    "too many dims": (one(shape=(1,) * 9, offsets=(0, 8), body=8), "at most 8"),
    "huge shape": (one(shape=(2**40, 2**20), offsets=(0, 16)), "needs"),
    "size mismatch": (one(shape=(3,)), "needs 24 bytes"),
    "reversed offsets": (one(offsets=(16, 0)), "begin <= end"),
    "offsets past the end": (one(shape=(2,), offsets=(0, 16), body=8), "truncated"),
    "trailing bytes": (one(body=24), "trailing"),
    "gap": (one(shape=(2,), offsets=(8, 24), body=24), "gap"),
    "overlap": (build({"a": {"dtype": "F64", "shape": [2], "data_offsets": [0, 16]},
                       "b": {"dtype": "F64", "shape": [2], "data_offsets": [8, 24]}}, b"\0" * 24), "overlaps"),
    "metadata not strings": (build({"__metadata__": {"a": 1}}), "strings"),
    "entry not an object": (build({"w": [1, 2]}), "exactly dtype"),
    "not utf-8": (raw(b'{"\xff":1}'), "UTF-8"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_reader_refuses_broken_and_hostile_files_saying_why(name):
    data, message = HOSTILE[name]
    with pytest.raises(ModelFileError, match=message):
        from_safetensors(data)


def test_reader_refuses_every_truncation_and_survives_byte_flips():
    data = to_safetensors(small_model())
    for cut in range(len(data)):
        with pytest.raises(ModelFileError):
            from_safetensors(data[:cut])
    rng = np.random.default_rng(0)
    expected = {k: v.shape for k, v in from_safetensors(data).items()}
    for _ in range(300):
        flipped = bytearray(data)
        i = int(rng.integers(len(data)))
        flipped[i] ^= 1 << int(rng.integers(8))
        try:
            tensors = from_safetensors(bytes(flipped))
        except ModelFileError:
            continue
        # a flip that still parses is consistent with its own header
        assert all(isinstance(v, np.ndarray) for v in tensors.values())
        if i >= 8 + struct.unpack("<Q", data[:8])[0]:
            assert {k: v.shape for k, v in tensors.items()} == expected


def test_reader_takes_a_header_at_its_cap_and_refuses_one_past_it():
    model = small_model()
    tensors = torch_state_dict(model)
    base = len(to_safetensors(tensors, {"pad": ""})) - sum(t.nbytes for t in tensors.values()) - 8
    fill = MAX_HEADER_BYTES - base
    data = to_safetensors(tensors, {"pad": "x" * fill})
    assert struct.unpack("<Q", data[:8])[0] <= MAX_HEADER_BYTES
    assert len(from_safetensors(data, return_metadata=True)[1]["pad"]) == fill
    big = to_safetensors(tensors, {"pad": "x" * (fill + 8)})
    with pytest.raises(ModelFileError, match="the limit is"):
        from_safetensors(big)


def test_brackets_and_escaped_quotes_inside_strings_do_not_count_as_nesting():
    meta = {"a": "[[[[[[[[[[{{{{{{{{", "b": 'quote \\" and [[[[[[[[ and \\\\'}
    data = to_safetensors(small_model(), meta)
    back = from_safetensors(data, return_metadata=True)[1]
    assert back["a"] == meta["a"] and back["b"] == meta["b"]


# ------------------------------------------------------------------ other readers

def test_the_safetensors_package_reads_ours_and_we_read_its():
    import safetensors.numpy as st  # a test requirement (pyproject's [test] extra)

    model = small_model()
    data = to_safetensors(model, {"features": ["x1", "x2"]})
    theirs = st.load(data)
    ours = from_safetensors(data)
    assert set(theirs) == set(ours)
    for name in ours:
        assert theirs[name].dtype == ours[name].dtype
        np.testing.assert_array_equal(theirs[name], ours[name])
    written = st.save({"1.x": np.arange(6, dtype=np.float32).reshape(2, 3), "0.y": np.ones(3, np.int64)},
                      metadata={"k": "v"})
    back, meta = from_safetensors(written, return_metadata=True)
    np.testing.assert_array_equal(back["1.x"], np.arange(6, dtype=np.float32).reshape(2, 3))
    assert back["0.y"].dtype == np.int64 and meta == {"k": "v"}


def test_pytorch_sequential_loads_the_file_and_predicts_what_nnpy_predicts():
    torch = pytest.importorskip("torch")
    st = pytest.importorskip("safetensors.torch")
    model = small_model()
    net = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 4), torch.nn.ReLU(),
                              torch.nn.Linear(4, 2)).double()
    net.load_state_dict(st.load(to_safetensors(model)))  # strict: every name and shape must match
    x = np.random.default_rng(1).normal(size=(9, 3))
    with torch.no_grad():
        out = torch.softmax(net(torch.from_numpy(x)), dim=1).numpy()
    np.testing.assert_allclose(out, model.predict(x), rtol=0, atol=1e-12)
    back = state_dict_from_torch(from_safetensors(st.save(net.state_dict())))
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(back[name], value)
