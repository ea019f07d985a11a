"""saved_models: exact round trips, and a corpus of hostile files that must all be refused."""

import collections
import io
import json
import os
import pickle
import re
import stat
import subprocess
import sys
import threading
import tracemalloc
import zlib

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(__file__))
import hostile_files  # noqa: E402

from nnpy.activations import relu, relu_deriv  # noqa: E402
from nnpy.layers import DenseLayer  # noqa: E402
from nnpy.model import SequentialModel  # noqa: E402
from nnpy.saved_models import (  # noqa: E402
    ModelFileError, load_model, load_model_bytes, save_model, save_model_bytes,
)


def trained_model(dtype=np.float64, structure=(2, 8, 8, 3), seed=1):
    return hostile_files.base_model(seed) if dtype == np.float64 and structure == (2, 8, 8, 3) \
        else SequentialModel.from_structure(list(structure), seed=seed, dtype=dtype)


def inputs(n=200, d=2, seed=5):
    return np.random.default_rng(seed).normal(scale=3.0, size=(n, d))


# ---------------------------------------------------------------- round trips

@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_save_load_gives_identical_predictions_bit_for_bit(tmp_path, dtype):
    model = SequentialModel([
        DenseLayer(2, 6, relu, relu_deriv, seed=1, dtype=dtype),
        DenseLayer(6, 5, "tanh", seed=2, dtype=dtype),
        DenseLayer(5, 4, {"name": "leaky_relu", "alpha": 0.2}, seed=3, dtype=dtype),
        DenseLayer(4, 3, "softmax", seed=4, dtype=dtype),
    ])
    model.layers[1].b = np.linspace(-1, 1, 5)   # non-zero biases must survive too
    path = tmp_path / "model.pkl"               # the seed's file name; the format is ours
    assert save_model(model, path) == os.fspath(path)
    loaded = load_model(path)
    assert loaded.dtype == np.dtype(dtype)
    assert loaded.get_config() == model.get_config()
    x = inputs().astype(dtype)
    expected = model.predict(x)
    got = loaded.predict(x)
    assert got.dtype == expected.dtype
    assert got.tobytes() == expected.tobytes()
    for name, value in model.state_dict().items():
        assert loaded.state_dict()[name].tobytes() == value.tobytes()


def test_every_kind_of_source_loads_the_same_model(tmp_path):
    model = trained_model()
    path = tmp_path / "m.nnpy"
    save_model(model, os.fspath(path))
    data = path.read_bytes()
    x = inputs()
    sources = [path, os.fspath(path), data, bytearray(data), memoryview(data), io.BytesIO(data),
               open(path, "rb")]
    try:
        for source in sources:
            assert np.array_equal(load_model(source).predict(x), model.predict(x))
    finally:
        sources[-1].close()
    assert np.array_equal(load_model_bytes(data).predict(x), model.predict(x))
    buffer = io.BytesIO()
    assert save_model(model, buffer) is None
    assert buffer.getvalue() == data == save_model_bytes(model)  # deterministic bytes


def test_metadata_round_trip(tmp_path):
    metadata = {
        "features": ["x1", "x2", "x1^2", "sin(x1)"],
        "dataset": {"name": "spirals", "noise": 0.25, "seed": np.int64(7), "classes": 3},
        "note": "Grüße, 数字 ✓",
        "flags": [True, False, None],
        "points": np.array([[0.5, -1.0], [2.0, 3.0]]),
        "scale": np.float32(0.5),
    }
    model = SequentialModel.from_structure([4, 3, 3], seed=0)
    save_model(model, tmp_path / "m.nnpy", metadata=metadata)
    loaded, got = load_model(tmp_path / "m.nnpy", return_metadata=True)
    assert got == {
        "features": ["x1", "x2", "x1^2", "sin(x1)"],
        "dataset": {"name": "spirals", "noise": 0.25, "seed": 7, "classes": 3},
        "note": "Grüße, 数字 ✓",
        "flags": [True, False, None],
        "points": [[0.5, -1.0], [2.0, 3.0]],
        "scale": 0.5,
    }
    assert load_model(save_model_bytes(model), return_metadata=True)[1] == {}
    # Brackets inside strings are text, not nesting; real nesting up to 64 levels is fine.
    deep = {"s": "[[{{" * 5000 + '"\\'}
    for _ in range(31):
        deep = {"d": [deep]}                  # 63 levels below the metadata dict
    assert load_model(save_model_bytes(model, deep), return_metadata=True)[1] == deep
    with pytest.raises(ValueError, match="nested more than 64 levels"):
        save_model_bytes(model, {"d": [deep]})


def test_file_is_an_npz_that_numpy_reads_without_pickle(tmp_path):
    model = trained_model()
    save_model(model, tmp_path / "m.nnpy", metadata={"features": ["x1", "x2"]})
    with np.load(tmp_path / "m.nnpy", allow_pickle=False) as archive:
        header = json.loads(archive["nnpy.json"])
        assert header["format"] == "nnpy-model" and header["format_version"] == 1
        assert header["model"] == model.get_config()
        assert header["metadata"] == {"features": ["x1", "x2"]}
        state = model.state_dict()
        assert sorted(archive.files) == sorted(["nnpy.json"] + list(state))
        for name, value in state.items():
            assert archive[name].dtype == np.dtype("<f8")
            assert np.array_equal(archive[name], value)


def test_large_deflated_file_is_read_through_the_bounded_inflater(tmp_path):
    # Several MiB per entry: the inflater and the reader loop over many chunks.
    model = SequentialModel.from_structure([784, 512, 10], seed=3)
    members = hostile_files.read_members(save_model_bytes(model))
    deflated = hostile_files.build_zip([m.copy(method=8) for m in members])
    loaded = load_model(deflated)
    x = inputs(50, 784)
    assert loaded.predict(x).tobytes() == model.predict(x).tobytes()


def test_loading_memory_stays_near_the_model_size():
    model = SequentialModel.from_structure([784, 512, 10], seed=3)   # 3.2 MB of weights
    data = save_model_bytes(model)
    tracemalloc.start()
    try:
        load_model(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    weights = model.count_params() * 8
    assert peak < 3 * weights + 4 * 2**20, (peak, weights)


def test_max_bytes_caps_the_weights_before_anything_is_allocated():
    model = SequentialModel.from_structure([784, 128, 10], seed=0)   # 813 KB of weights
    data = save_model_bytes(model)
    with pytest.raises(ModelFileError, match=r"'0\.W\.npy' declares 784\.1 KB .* limit"):
        load_model(data, max_bytes=500_000)
    with pytest.raises(ModelFileError, match=r"architecture of 101,770 parameters .* limit"):
        load_model(data, max_bytes=810_000)   # each entry fits, the whole does not
    assert load_model(data, max_bytes=1_000_000).count_params() == 101_770


RSS_PROBE = """
import resource, sys, time
import numpy as np
from nnpy.saved_models import ModelFileError, load_model
load_model(sys.argv[1])                      # warm: every module and code path imported once
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
for path in sys.argv[2:]:
    start = time.perf_counter()
    try:
        load_model(path)
        print("LOADED", path)
    except ModelFileError as exc:
        print("REFUSED", round(time.perf_counter() - start, 3), path, exc)
print("GROWTH_KB", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base)
"""


def test_files_claiming_far_more_than_they_hold_leave_the_process_small(tmp_path):
    # Issue 12: a few KB declaring ~500 MB of weights, or 60 layers of 1,000 units, made
    # load_model allocate 0.9-1.5 GB. Measured here as the process's peak resident memory
    # (ru_maxrss, which counts what zlib and NumPy allocate in C too) in a fresh Python.
    files = [f for f in hostile_files.generate(tmp_path / "corpus") if f.kind == "claims_more"]
    assert len(files) >= 5 and all(f.path.stat().st_size < 2**20 for f in files)
    good = tmp_path / "good.nnpy"
    good.write_bytes(hostile_files.base_bytes())
    proc = subprocess.run([sys.executable, "-c", RSS_PROBE, str(good)] + [str(f.path) for f in files],
                          capture_output=True, text=True, timeout=600,
                          env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert not [line for line in lines if line.startswith("LOADED")], proc.stdout
    assert sum(line.startswith("REFUSED") for line in lines) == len(files), proc.stdout
    growth_kb = int(lines[-1].split()[1])
    assert growth_kb < 100 * 1024, proc.stdout


def test_a_small_file_of_many_zero_weights_loads_holding_about_its_weights_once():
    # 64 MiB of zero weights deflated into ~64 KB: a legal file (every byte it declares is
    # there once inflated), loaded with memory that follows what was read and checked
    data = hostile_files.zero_weights_file([(1024, 8192, "relu"), (8192, 1, "sigmoid")])
    assert len(data) < 2**20
    tracemalloc.start()
    try:
        model = load_model(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    weights = model.count_params() * 8
    assert weights > 64 * 2**20
    assert not model.flat_parameters[0].any()
    assert peak < 2.2 * weights, (peak / weights)


# ---------------------------------------------------------------- refused at save time

def test_custom_activation_is_refused_at_save_time_and_nothing_is_written(tmp_path):
    def cube(z):
        return z ** 3

    def cube_deriv(z):
        return 3 * z ** 2

    model = SequentialModel([DenseLayer(2, 3, cube, cube_deriv), DenseLayer(3, 1, "sigmoid")])
    existing = tmp_path / "model.pkl"
    save_model(trained_model(), existing)
    before = existing.read_bytes()
    with pytest.raises(ValueError, match=r"Cannot save this model: .*'cube' is a custom Python "
                                         r"function.*never code"):
        save_model(model, existing)
    assert existing.read_bytes() == before                # the old file is intact
    with pytest.raises(ValueError, match="custom Python function"):
        save_model(model, tmp_path / "new.pkl")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.pkl"]   # no temp files left


def test_nan_weights_and_bad_metadata_are_refused_at_save_time(tmp_path):
    model = trained_model()
    bad = SequentialModel.from_structure([2, 3, 2], seed=0)
    bad.layers[0].W[0, 0] = np.nan
    with pytest.raises(ValueError, match=r"weights 0\.W hold NaN or infinite values"):
        save_model(bad, tmp_path / "a.nnpy")
    for metadata, message in (({"x": {1, 2}}, r"metadata\['x'\] is a set"),
                              ({1: "a"}, r"key 1; JSON keys must be strings"),
                              ({"x": [float("nan")]}, r"metadata\['x'\]\[0\] is nan"),
                              ({"f": print}, r"builtin_function_or_method"),
                              (["x1"], r"metadata must be a dict")):
        with pytest.raises(ValueError, match=message):
            save_model(model, tmp_path / "a.nnpy", metadata=metadata)
    with pytest.raises(TypeError, match="needs a SequentialModel"):
        save_model({"0.W": np.zeros((2, 2))}, tmp_path / "a.nnpy")
    assert list(tmp_path.iterdir()) == []


def test_new_file_gets_normal_permissions_and_an_old_file_keeps_its_own(tmp_path):
    umask = os.umask(0)
    os.umask(umask)
    save_model(trained_model(), tmp_path / "new.nnpy")
    assert stat.S_IMODE(os.stat(tmp_path / "new.nnpy").st_mode) == (0o666 & ~umask) | 0o600
    old = tmp_path / "old.nnpy"
    old.write_bytes(b"x")
    os.chmod(old, 0o640)
    save_model(trained_model(), old)
    assert stat.S_IMODE(os.stat(old).st_mode) == 0o640


# ---------------------------------------------------------------- bad sources

def test_bad_sources_raise_model_file_error(tmp_path):
    with pytest.raises(ModelFileError, match="cannot be read: No such file") as info:
        load_model(tmp_path / "missing.nnpy")
    assert info.value.origin == f"model file {os.fspath(tmp_path / 'missing.nnpy')!r}"
    assert info.value.problem == "cannot be read: No such file or directory"
    with pytest.raises(ModelFileError) as info:
        load_model_bytes(b"")
    assert (info.value.origin, info.value.problem) == ("the model data", "is empty (0 bytes)")
    with pytest.raises(ModelFileError, match="path, bytes or a binary file object"):
        load_model(12345)
    text = tmp_path / "t.nnpy"
    save_model(trained_model(), text)
    with open(text, "r", encoding="latin-1") as f:
        with pytest.raises(ModelFileError, match="text mode"):
            load_model(f)
    closed = open(text, "rb")
    closed.close()
    with pytest.raises(ModelFileError, match="cannot be read: .*closed file"):
        load_model(closed)
    with pytest.raises(ModelFileError, match="needs bytes"):
        load_model_bytes(os.fspath(text))
    with pytest.raises(ModelFileError, match="max_bytes must be a positive int"):
        load_model(text, max_bytes=0)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "model.nnpy"
    os.mkfifo(fifo)
    outcome = []

    def load():
        try:
            load_model(fifo)
        except ModelFileError as exc:
            outcome.append(str(exc))

    thread = threading.Thread(target=load, daemon=True)
    thread.start()
    thread.join(10)
    if thread.is_alive():  # unblock the reader before failing
        with open(fifo, "wb"):
            pass
        thread.join(10)
        pytest.fail("load_model blocked on a FIFO")
    assert outcome and "is not a regular file" in outcome[0]


# ---------------------------------------------------------------- the hostile corpus

@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    directory = tmp_path_factory.mktemp("hostile")
    return directory, hostile_files.generate(directory)


def test_corpus_is_large_and_covers_every_kind(corpus):
    _, files = corpus
    assert len(files) >= 200
    kinds = collections.Counter(kind for _, kind, _ in files)
    assert kinds["truncated"] >= 50 and kinds["corrupt"] >= 50
    for kind in ("zip_bomb", "pickle", "shape", "dtype", "nan", "npy_header", "huge_size",
                 "json", "json_type", "unknown", "entries", "zip", "foreign", "claims_more"):
        assert kinds[kind] >= 4, kind
    assert len({os.fspath(path) for path, _, _ in files}) == len(files)


def test_every_hostile_file_is_refused_with_a_message_naming_the_problem(corpus, monkeypatch):
    directory, files = corpus

    def no_unpickling(*args, **kwargs):
        raise AssertionError("something tried to unpickle")

    for name in ("load", "loads", "Unpickler"):
        monkeypatch.setattr(pickle, name, no_unpickling)
    failures = []
    peak = (0, None)
    for path, kind, expect in files:
        tracemalloc.start()
        try:
            load_model(path)
            failures.append(f"{path.name} ({kind}) loaded")
        except ModelFileError as exc:
            if not re.search(expect, str(exc), re.IGNORECASE):
                failures.append(f"{path.name} ({kind}): {exc} does not match {expect!r}")
        except Exception as exc:  # noqa: BLE001 - any other type is the failure we look for
            failures.append(f"{path.name} ({kind}) raised {type(exc).__name__}: {exc}")
        finally:
            used = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        if used > peak[0]:
            peak = (used, path.name)
        if not path.is_dir():   # the same file given as bytes is refused the same way
            try:
                load_model_bytes(path.read_bytes())
                failures.append(f"{path.name} ({kind}) loaded from bytes")
            except ModelFileError:
                pass
    assert not failures, "\n".join(failures)
    # The bombs expand to 1 GiB and the headers claim terabytes; loading stays small.
    assert peak[0] < 8 * 2**20, peak
    assert not hostile_files.marker_path(directory).exists()


def test_the_corpus_pickles_are_armed(tmp_path):
    # Proof that the corpus tests something: unpickled (in another process), the corpus's
    # pickle does write the marker that the loader test asserts never appears.
    marker = hostile_files.marker_path(tmp_path)
    path = tmp_path / "model.pkl"
    path.write_bytes(hostile_files.armed_pickle(marker))
    with pytest.raises(ModelFileError, match="pickle"):
        load_model(path)
    assert not marker.exists()
    hostile_files.unpickle_in_subprocess(path)
    assert marker.exists()


def test_the_hostile_zip_writer_makes_loadable_files_when_it_does_not_lie():
    # The control: without a defect, files from the corpus's own writer load, stored or
    # deflated, so each hostile file is refused for its defect and not for the writer.
    model = hostile_files.base_model(0)
    members = hostile_files.read_members(save_model_bytes(model, {"a": 1}))
    x = inputs()
    for method in (0, 8):
        data = hostile_files.build_zip([m.copy(method=method) for m in members])
        loaded, metadata = load_model(data, return_metadata=True)
        assert loaded.predict(x).tobytes() == model.predict(x).tobytes()
        assert metadata == {"a": 1}


def test_the_bomb_streams_really_expand():
    stream, crc = hostile_files.deflate_with_zeros(b"head", 64)
    inflater = zlib.decompressobj(-15)
    total, check, data = 0, 0, stream
    while data:
        out = inflater.decompress(data, 1 << 22)
        total += len(out)
        check = zlib.crc32(out, check)
        data = inflater.unconsumed_tail
    assert inflater.eof and total == 64 * 2**20 + 4 and check == crc
    assert len(stream) < 80_000   # a ratio over 800:1
