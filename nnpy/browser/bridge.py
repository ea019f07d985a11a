"""The worker's Python side: calls from the page reach an engine's methods, results go back as plain data.

How a page uses it (``web/js/core/worker.js`` does this once Pyodide, NumPy and
the wheel are in)::

    from nnpy.browser.bridge import start
    call = start("nnpy.browser.playground", "Playground")   # the engine, created once
    call("configure", {"state": {...}})    # -> a JS array [result, typed arrays to transfer]

A new kind of page needs no code here: write an engine class whose public
methods take keyword arguments of plain data (and NumPy arrays) and return
plain data (and NumPy arrays), add one line to ``ENGINES`` in
``web/js/core/worker.js``, and call it from JS with
``createEngine({engine: name}).call(method, args)``.

Conversion rules (the same in both directions, so a round trip is exact):

- dicts, lists, tuples, strings, numbers, bools and None pass as they are;
  NumPy scalars become Python numbers; dict keys must be strings (ints are
  turned into strings).
- A NumPy array, at any depth, becomes ``{"__ndarray__": True, "dtype",
  "shape", "data"}`` with ``data`` a flat typed array (C order), made by
  ``new_typed(dtype_name, flat_array)`` (in the worker: the flat array itself,
  which the one ``to_js`` of the result copies into a typed array); those typed
  arrays are also listed apart so the worker can *transfer* their buffers
  instead of copying them.
  int64/uint64 arrive as int32 when every value fits, else as float64 (up to
  2**53); bool as uint8 data with dtype "bool"; float16 as float32.
- ``bytes`` (a file's content) become a uint8 array.
- From the page: typed arrays (memoryviews after ``to_py``) and
  ``{"__ndarray__", "dtype", "shape", "data"}`` objects become NumPy arrays.

Methods whose names start with ``_`` cannot be called. Nothing here imports
``js`` or ``pyodide`` except :func:`start`, so the rules are unit-tested in
CPython (``tests/test_bridge.py``).
"""

import importlib

import numpy as np

# NumPy dtype -> the JS typed array that holds it
TO_TYPED = {"float64": "Float64Array", "float32": "Float32Array", "int8": "Int8Array",
            "int16": "Int16Array", "int32": "Int32Array", "uint8": "Uint8Array",
            "uint16": "Uint16Array", "uint32": "Uint32Array"}
# dtype -> its name, looked up by the dtype itself: ``dtype.name`` is Python code in NumPy, and a
# result of Look inside holds some 240 arrays
_DTYPE_NAMES = {np.dtype(name): name for name in [*TO_TYPED, "bool", "float16", "int64", "uint64"]}


def array_out(a, path, new_typed, typed):
    """One ndarray -> its marker dict; ``typed`` collects the typed array made for it.

    Raises ``TypeError`` naming ``path`` for a dtype JS cannot hold.
    """
    name = _DTYPE_NAMES.get(a.dtype)
    if name is None:  # another dtype, or a byte order not the machine's
        if not a.dtype.isnative:
            a = a.astype(a.dtype.newbyteorder("="))
        name = a.dtype.name
    if name == "bool":
        data = a.view(np.uint8)
    elif name == "float16":
        data, name = a.astype(np.float32), "float32"
    elif name in ("int64", "uint64"):
        if a.size == 0 or (a.min() >= -2**31 and a.max() < 2**31):
            data, name = a.astype(np.int32), "int32"
        elif a.min() >= -2**53 and a.max() <= 2**53:
            data, name = a.astype(np.float64), "float64"
        else:
            raise TypeError(f"{path} is an {a.dtype} array with values beyond 2**53; "
                            "JavaScript numbers cannot hold them exactly")
    elif name in TO_TYPED:
        data = a
    else:
        raise TypeError(f"{path} is a NumPy array of dtype {a.dtype}, which cannot cross to the page")
    data = np.ascontiguousarray(data).reshape(-1)
    out = new_typed("uint8" if name == "bool" else name, data)
    typed.append(out)
    return {"__ndarray__": True, "dtype": name, "shape": list(a.shape), "data": out}


def to_page(value, path, new_typed, typed):
    """Plain data for the page: dict/list/str/number/bool/None, NumPy arrays as markers.

    ``path`` names the value in error messages (``"train()['output']"``).
    Raises ``TypeError`` for anything else.
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.ndarray):
        return array_out(value, path, new_typed, typed)
    if isinstance(value, (bytes, bytearray)):  # a file's content: a uint8 array marker (a Uint8Array)
        return array_out(np.frombuffer(bytes(value), dtype=np.uint8), path, new_typed, typed)
    if isinstance(value, np.generic):
        return to_page(value.item(), path, new_typed, typed)
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if isinstance(k, (int, np.integer)) and not isinstance(k, bool):
                k = str(k)
            if not isinstance(k, str):
                raise TypeError(f"{path} has a key {k!r} of type {type(k).__name__}; keys must be strings")
            out[k] = to_page(v, f"{path}[{k!r}]", new_typed, typed)
        return out
    if isinstance(value, (list, tuple)):
        return [to_page(v, f"{path}[{i}]", new_typed, typed) for i, v in enumerate(value)]
    raise TypeError(f"{path} is a {type(value).__name__}, which cannot cross to the page: "
                    "return plain data and NumPy arrays")


def from_page(value):
    """Arguments from the page (already converted by ``to_py``): typed arrays become NumPy arrays."""
    if isinstance(value, memoryview):
        a = np.asarray(value)
        return a if a.flags.writeable else a.copy()
    if isinstance(value, np.ndarray):
        return value
    if isinstance(value, dict):
        if value.get("__ndarray__") is True:
            data = from_page(value.get("data"))
            if not isinstance(data, np.ndarray):
                raise TypeError("an __ndarray__ argument needs its data as a typed array")
            dtype = value.get("dtype") or data.dtype.name
            return data.astype(np.bool_ if dtype == "bool" else dtype, copy=False).reshape(
                value.get("shape", data.shape))
        return {k: from_page(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_page(v) for v in value]
    return value


class Bridge:
    """One engine object and the calls the page makes on it.

    Args:
        engine: the engine instance (``Playground()``, ``MnistPlayground()``, ...).
        new_typed: ``(dtype_name, flat C-order ndarray) -> typed array``; in the
            worker the array itself (``to_js`` makes the typed array), in CPython a copy.
    """

    def __init__(self, engine, new_typed):
        self.engine = engine
        self.new_typed = new_typed

    def call(self, method, kwargs):
        """``getattr(engine, method)(**kwargs)`` converted for the page: ``(result, typed arrays)``.

        Raises ``TypeError`` (bad arguments, a result that cannot cross),
        ``PermissionError`` (a private name), ``AttributeError`` (no such
        method), or whatever the method raises.
        """
        if not isinstance(method, str) or not method:
            raise TypeError(f"method must be a non-empty string, got {method!r}")
        if method.startswith("_"):
            raise PermissionError(f"method {method!r} is private: names starting with '_' "
                                  "cannot be called from the page")
        fn = getattr(self.engine, method, None)
        if not callable(fn):
            raise AttributeError(f"{type(self.engine).__name__} has no method {method!r}")
        if kwargs is None:
            kwargs = {}
        if not isinstance(kwargs, dict):
            raise TypeError(f"args of {method} must be an object of keyword arguments, "
                            f"got {type(kwargs).__name__}")
        result = fn(**from_page(kwargs))
        typed = []
        return to_page(result, method + "()", self.new_typed, typed), typed


def create_engine(module, cls):
    """An instance of ``cls`` from ``module`` (e.g. ``"nnpy.browser.playground", "Playground"``)."""
    return getattr(importlib.import_module(module), cls)()


def start(module, cls):
    """In Pyodide: create the engine and return ``call(method, args)`` for worker.js.

    ``call`` returns a JS array ``[result, typed arrays]`` (the second for the
    transfer list). Only this function touches ``js`` and ``pyodide``.
    """
    import js
    from pyodide.code import run_js
    from pyodide.ffi import to_js

    # The arrays stay NumPy arrays (flat, C order) until the one to_js below, which copies each
    # into a typed array of its dtype in one step; the marker dicts' converter lists those typed
    # arrays for the transfer. (Making each typed array from Python, `Float64Array.new(n)` then
    # `.assign(data)`, cost three times as much: two calls across the bridge per array.)
    converter = run_js("""(typed) => (entries) => {
      const out = Object.fromEntries(entries);
      if (out.__ndarray__ === true && ArrayBuffer.isView(out.data)) typed.push(out.data);
      return out;
    }""")

    bridge = Bridge(create_engine(module, cls), lambda name, data: data)

    def call(method, args):
        kwargs = args.to_py() if hasattr(args, "to_py") else args
        result, _ = bridge.call(method, kwargs)
        typed = js.Array.new()
        return to_js([result, typed], dict_converter=converter(typed), depth=-1)

    return call
