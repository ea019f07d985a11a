"""nnpy.browser.bridge in CPython: what crosses from the engines to the page and back.

The worker (web/js/core/worker.js) runs this same module in Pyodide with JS typed arrays; here
``new_typed`` copies into a NumPy array, so every conversion rule is checked without a browser
(tests/e2e/test_engine.py checks the real crossing).
"""

import numpy as np
import pytest

from nnpy.browser.bridge import Bridge, create_engine, from_page, to_page


def new_typed(name, data):
    assert data.ndim == 1 and data.flags.c_contiguous
    return np.array(data, dtype=name)  # a copy, as the JS typed array is


class Echo:
    def same(self, **kwargs):
        return kwargs

    def array(self, a):
        return {"array": a}

    def _secret(self):
        return "no"

    not_callable = 3


def call(method, kwargs=None, engine=None):
    return Bridge(engine or Echo(), new_typed).call(method, kwargs)


def test_plain_data_passes_unchanged_and_no_typed_arrays_are_made():
    value = {"a": 1, "b": [1.5, "x", None, True], "c": {"d": False}}
    result, typed = call("same", value)
    assert result == value and typed == []


def test_arrays_at_any_depth_become_markers_with_their_shape_and_exact_values():
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    result, typed = call("same", {"deep": [{"x": a}]})
    marker = result["deep"][0]["x"]
    assert marker["__ndarray__"] is True and marker["dtype"] == "float32" and marker["shape"] == [2, 3]
    np.testing.assert_array_equal(marker["data"], a.reshape(-1))
    assert len(typed) == 1 and typed[0] is marker["data"]


@pytest.mark.parametrize("values, dtype, sent", [
    (np.array([1, -2, 3], dtype=np.int64), "int32", [1, -2, 3]),
    (np.array([2**40, -1], dtype=np.int64), "float64", [2**40, -1]),
    (np.array([True, False]), "bool", [1, 0]),
    (np.array([0.5, 2.0], dtype=np.float16), "float32", [0.5, 2.0]),
    (np.array([], dtype=np.uint64), "int32", []),
])
def test_dtypes_without_a_typed_array_of_their_own(values, dtype, sent):
    result, _ = call("array", {"a": values})
    marker = result["array"]
    assert marker["dtype"] == dtype
    assert marker["data"].tolist() == sent


def test_integers_javascript_cannot_hold_exactly_are_refused_naming_where():
    with pytest.raises(TypeError, match=r"array\(\)\['array'\] is an int64 array with values beyond 2\*\*53"):
        call("array", {"a": np.array([2**60], dtype=np.int64)})


def test_bytes_cross_as_uint8_and_numpy_scalars_as_numbers():
    result, typed = call("same", {"file": b"\x00\x01\xff", "n": np.int64(7), "x": np.float32(0.5)})
    assert result["file"]["dtype"] == "uint8" and result["file"]["data"].tolist() == [0, 1, 255]
    assert result["n"] == 7 and type(result["n"]) is int and result["x"] == 0.5
    assert len(typed) == 1


def test_int_keys_become_strings_other_keys_and_objects_are_refused():
    assert call("same", {"d": {3: "x"}})[0] == {"d": {"3": "x"}}
    with pytest.raises(TypeError, match=r"same\(\)\['d'\] has a key \(1, 2\) of type tuple"):
        call("same", {"d": {(1, 2): 0}})
    with pytest.raises(TypeError, match=r"same\(\)\['o'\] is a object, which cannot cross"):
        call("same", {"o": object()})
    with pytest.raises(TypeError, match="dtype complex128"):
        call("array", {"a": np.zeros(2, dtype=complex)})


def test_arguments_typed_arrays_and_markers_arrive_as_numpy_arrays():
    data = memoryview(np.arange(4, dtype=np.float64).tobytes()).cast("d")
    out = from_page({"m": data, "k": [{"__ndarray__": True, "dtype": "float32", "shape": [2, 2],
                                       "data": memoryview(np.ones(4, np.float32).tobytes()).cast("f")}]})
    assert isinstance(out["m"], np.ndarray) and out["m"].tolist() == [0, 1, 2, 3]
    assert out["m"].flags.writeable  # a read-only view is copied, so the engine may write into it
    assert out["k"][0].shape == (2, 2) and out["k"][0].dtype == np.float32
    flags = from_page({"__ndarray__": True, "dtype": "bool", "shape": [2], "data": np.array([1, 0], np.uint8)})
    assert flags.dtype == np.bool_ and flags.tolist() == [True, False]
    with pytest.raises(TypeError, match="needs its data as a typed array"):
        from_page({"__ndarray__": True, "data": [1, 2]})


def test_private_unknown_and_badly_called_methods_are_refused_with_their_names():
    with pytest.raises(PermissionError, match="'_secret' is private"):
        call("_secret")
    with pytest.raises(AttributeError, match="Echo has no method 'nope'"):
        call("nope")
    with pytest.raises(AttributeError, match="no method 'not_callable'"):
        call("not_callable")
    with pytest.raises(TypeError, match="method must be a non-empty string"):
        call("")
    with pytest.raises(TypeError, match="args of same must be an object of keyword arguments, got list"):
        call("same", [1])
    assert call("same", None)[0] == {}


def test_the_real_engines_answer_through_the_bridge_as_the_page_sees_them():
    bridge = Bridge(create_engine("nnpy.browser.playground", "Playground"), new_typed)
    result, typed = bridge.call("configure", {"state": {"dataset": "xor", "seed": 3}})
    assert result["changed"] == ["data", "network"]
    snap = result["snapshot"]
    assert snap["output"]["shape"] == [100, 100] and snap["output"]["dtype"] == "float32"
    assert snap["confusion"]["dtype"] == "int32"
    assert all(isinstance(t, np.ndarray) for t in typed) and len(typed) >= 8
    with pytest.raises(ValueError, match="lr must be a number in 0..10"):
        bridge.call("configure", {"state": {"lr": -1}})
