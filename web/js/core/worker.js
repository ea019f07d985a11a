// The Python side of the engine: a module worker that runs Pyodide, numpy and nnpy.
//
// Only js/core/engine.js starts and talks to this worker. Messages it posts:
//   {type: "progress", stage, fraction}                 while starting (fraction in 0..1)
//   {type: "ready", info, pyodide, timings}             info = Playground().info(), timings in ms
//   {type: "failed", stage, error: {type, message, lastLine}}   start-up failed at `stage`
//   {id, ok: true, result} | {id, ok: false, error: {type, message, lastLine}}   replies
// Requests it accepts: {id, method, args} -> getattr(engine, method)(**args) in Python.
//
// The engine class comes from the worker URL's ?engine= (js/core/engine.js sets it from
// createEngine({engine})), looked up in the fixed ENGINES table below; default "playground".
//
// NumPy arrays in a result, at any depth, arrive as
//   {__ndarray__: true, dtype, shape, data}   data: a flat typed array (C order) whose buffer is
// transferred, not copied again. int64/uint64 arrive as int32 when every value fits, else float64;
// bool as uint8 data with dtype "bool"; float16 as float32. Typed arrays in the arguments, and
// {__ndarray__, dtype, shape, data} objects, arrive in Python as NumPy arrays.

const BUILD_INFO_URL = new URL("../../build-info.json", import.meta.url);

// The engines a page may ask for. `packages` are extra Pyodide packages, `py` files from
// web/py/ put on the path, and `setup` runs before the engine is created.
const ENGINES = {
  playground: { module: "nnpy.browser.playground", cls: "Playground" },
  // MNIST with SciPy's BLAS sgemm/dgemm behind nnpy.backend.matmul (scipy loads only here)
  mnist: { module: "nnpy.browser.mnist", cls: "MnistPlayground", packages: ["scipy"],
    py: ["nnpy_blas.py"], setup: "import nnpy_blas; nnpy_blas.install()" },
  // the same engine on plain NumPy (the reference run of bench/mnist_speed.py)
  "mnist-numpy": { module: "nnpy.browser.mnist", cls: "MnistPlayground" },
  // the workshop: checks a student's framework files (nnpy.browser.workshop)
  workshop: { module: "nnpy.browser.workshop", cls: "Workshop" },
};
const ENGINE_NAME = new URL(self.location.href).searchParams.get("engine") || "playground";

// Held for the worker's whole life: js/engine.js asks for the same lock and is granted it the
// moment this worker ends, however it ends (see engine.js).
const LIFE_LOCK = new URL(self.location.href).searchParams.get("lock");
if (LIFE_LOCK && self.navigator.locks) self.navigator.locks.request(LIFE_LOCK, () => new Promise(() => {}));

// Runs once in Pyodide after numpy and the nnpy wheel are installed; evaluates to `call`.
const BRIDGE_PY = String.raw`
import importlib
import numpy as np
from js import Object, Float32Array, Float64Array, Int8Array, Int16Array, Int32Array
from js import Uint8Array, Uint16Array, Uint32Array
from pyodide.ffi import to_js

_engine = getattr(importlib.import_module(ENGINE_MODULE), ENGINE_CLASS)()

_TYPED = {"float64": Float64Array, "float32": Float32Array, "int8": Int8Array, "int16": Int16Array,
          "int32": Int32Array, "uint8": Uint8Array, "uint16": Uint16Array, "uint32": Uint32Array}
_FROM_TYPED = {"Float64Array": "float64", "Float32Array": "float32", "Int8Array": "int8",
               "Int16Array": "int16", "Int32Array": "int32", "Uint8Array": "uint8",
               "Uint8ClampedArray": "uint8", "Uint16Array": "uint16", "Uint32Array": "uint32"}


def _array_out(a, path, typed):
    """One ndarray -> marker dict; its data is copied once, straight into a new JS typed array."""
    name = a.dtype.name
    if name == "bool":
        data = a.view(np.uint8)
    elif name == "float16":
        data, name = a.astype(np.float32), "float32"
    elif name in ("int64", "uint64"):
        if a.size == 0 or (a.min() >= -2**31 and a.max() < 2**31):
            data, name = a.astype(np.int32), "int32"
        elif np.abs(a).max() <= 2**53:
            data, name = a.astype(np.float64), "float64"
        else:
            raise TypeError(f"{path} is an {a.dtype} array with values beyond 2**53; "
                            "JavaScript numbers cannot hold them exactly")
    elif name in _TYPED:
        data = a
    else:
        raise TypeError(f"{path} is a NumPy array of dtype {a.dtype}, which cannot cross to the page")
    data = np.ascontiguousarray(data)
    out = _TYPED["uint8" if name == "bool" else name].new(data.size)
    if data.size:
        out.assign(data.reshape(-1))
    typed.append(out)
    return {"__ndarray__": True, "dtype": name, "shape": list(a.shape), "data": out}


def _out(value, path, typed):
    """Plain data for the page: dict/list/str/number/bool/None, NumPy arrays as markers."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.ndarray):
        return _array_out(value, path, typed)
    if isinstance(value, (bytes, bytearray)):  # a file's content: a uint8 array marker (a Uint8Array)
        return _array_out(np.frombuffer(bytes(value), dtype=np.uint8), path, typed)
    if isinstance(value, np.generic):
        return _out(value.item(), path, typed)
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if isinstance(k, (int, np.integer)) and not isinstance(k, bool):
                k = str(k)
            if not isinstance(k, str):
                raise TypeError(f"{path} has a key {k!r} of type {type(k).__name__}; keys must be strings")
            out[k] = _out(v, f"{path}[{k!r}]", typed)
        return out
    if isinstance(value, (list, tuple)):
        return [_out(v, f"{path}[{i}]", typed) for i, v in enumerate(value)]
    raise TypeError(f"{path} is a {type(value).__name__}, which cannot cross to the page: "
                    "return plain data and NumPy arrays")


def _in(value):
    """Arguments from the page (already converted by to_py): typed arrays become NumPy arrays."""
    if isinstance(value, memoryview):
        a = np.asarray(value)
        return a if a.flags.writeable else a.copy()
    if isinstance(value, dict):
        if value.get("__ndarray__") is True:
            data = _in(value.get("data"))
            if not isinstance(data, np.ndarray):
                raise TypeError("an __ndarray__ argument needs its data as a typed array")
            dtype = value.get("dtype") or data.dtype.name
            return data.astype(np.bool_ if dtype == "bool" else dtype, copy=False).reshape(value.get("shape", data.shape))
        return {k: _in(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_in(v) for v in value]
    return value


def call(method, args):
    """getattr(engine, method)(**args), converted for the page: returns [result, typed arrays]."""
    if not isinstance(method, str) or not method:
        raise TypeError(f"method must be a non-empty string, got {method!r}")
    if method.startswith("_"):
        raise PermissionError(f"method {method!r} is private: names starting with '_' cannot be called from the page")
    fn = getattr(_engine, method, None)
    if not callable(fn):
        raise AttributeError(f"{type(_engine).__name__} has no method {method!r}")
    kwargs = args.to_py() if hasattr(args, "to_py") else args
    if kwargs is None:
        kwargs = {}
    if not isinstance(kwargs, dict):
        raise TypeError(f"args of {method} must be an object of keyword arguments, got {type(kwargs).__name__}")
    result = fn(**_in(kwargs))
    typed = []
    result = _out(result, method + "()", typed)
    return to_js([result, typed], dict_converter=Object.fromEntries, depth=-1)


call
`;

let pyodide = null;
let bridge = null; // PyProxy of `call`, kept for the worker's lifetime
let stage = "start";

function progress(name, fraction) {
  stage = name;
  postMessage({ type: "progress", stage: name, fraction });
}

/** {type, message, lastLine} for any thrown value; Python errors keep their traceback. */
function describe(err) {
  const type = (err && (err.type || err.name)) || "Error";
  const message = String((err && err.message) || err);
  const lines = message.split("\n").map((l) => l.trim()).filter(Boolean);
  let lastLine = lines.length ? lines[lines.length - 1] : type;
  if (!err || !err.type) lastLine = `${type}: ${lastLine}`; // JS errors: name the type as Python does
  return { type, message, lastLine };
}

async function fetchOk(url, options) {
  let response;
  try {
    response = await fetch(url, options);
  } catch (err) {
    throw new Error(`cannot fetch ${url}: ${err.message}`);
  }
  if (!response.ok) throw new Error(`cannot fetch ${url}: HTTP ${response.status}`);
  return response;
}

async function start() {
  const t = { start: performance.now() };
  stage = "engine";
  const engine = Object.hasOwn(ENGINES, ENGINE_NAME) ? ENGINES[ENGINE_NAME] : null;
  if (!engine) {
    throw new Error(`unknown engine ${JSON.stringify(ENGINE_NAME)}; choose one of: ${Object.keys(ENGINES).join(", ")}`);
  }
  const warnings = [];
  const pyFiles = (engine.py || []).map((name) => {
    const url = new URL(`../../py/${name}`, import.meta.url).href;
    const text = fetchOk(url, { cache: "no-cache" }).then((r) => r.text());
    text.catch(() => {}); // awaited below
    return { name, text };
  });
  progress("build-info", 0.01);
  const build = await (await fetchOk(BUILD_INFO_URL, { cache: "no-cache" })).json();
  const indexURL = new URL(build.pyodide_index_url, BUILD_INFO_URL).href;
  // The wheel downloads while Pyodide boots; it is checked against the sha256 the build recorded.
  const wheelUrl = new URL(build.wheel, BUILD_INFO_URL).href;
  const wheel = fetchOk(wheelUrl, { cache: "no-cache", integrity: build.wheel_integrity })
    .then((r) => r.arrayBuffer());
  wheel.catch(() => {}); // awaited below; this only keeps an early failure from going unhandled

  progress("pyodide", 0.05);
  let loadPyodide;
  try {
    ({ loadPyodide } = await import(new URL("pyodide.mjs", indexURL).href));
  } catch (err) {
    throw new Error(`cannot load ${new URL("pyodide.mjs", indexURL).href}: ${err.message}`);
  }
  pyodide = await loadPyodide({
    indexURL,
    stdout: (line) => console.log(line),
    stderr: (line) => console.warn(line),
  });
  t.pyodide = performance.now();

  progress("numpy", 0.6);
  const loadErrors = [];
  await pyodide.loadPackage("numpy", {
    messageCallback: () => {},
    errorCallback: (msg) => loadErrors.push(msg),
  });
  if (loadErrors.length) throw new Error(`cannot load numpy: ${loadErrors.join("; ")}`);
  t.numpy = performance.now();
  pyodide.runPython("import numpy");
  t.numpyImport = performance.now();

  const extras = engine.packages || [];
  if (extras.length) { // optional speed-ups: without them the engine still runs, on plain NumPy
    progress(extras.join("+"), 0.7);
    const extraErrors = [];
    await pyodide.loadPackage(extras, { messageCallback: () => {}, errorCallback: (msg) => extraErrors.push(msg) });
    if (extraErrors.length) warnings.push(`cannot load ${extras.join(", ")}: ${extraErrors.join("; ")}`);
  }
  t.extras = performance.now();

  progress("nnpy", 0.8);
  const sitePackages = pyodide.runPython("import sysconfig; sysconfig.get_paths()['purelib']");
  pyodide.unpackArchive(await wheel, "wheel", { extractDir: sitePackages });
  t.wheel = performance.now();

  progress("import", 0.9);
  pyodide.runPython("import nnpy");
  t.importNnpy = performance.now();
  for (const { name, text } of pyFiles) pyodide.FS.writeFile(`${sitePackages}/${name}`, await text);
  if (engine.setup && !warnings.length) {
    try {
      pyodide.runPython(engine.setup);
    } catch (err) {
      warnings.push(`${engine.setup}: ${describe(err).lastLine}`);
    }
  }
  for (const w of warnings) console.warn(`nnpy engine ${ENGINE_NAME}: ${w}`);
  pyodide.globals.set("ENGINE_MODULE", engine.module);
  pyodide.globals.set("ENGINE_CLASS", engine.cls);
  bridge = pyodide.runPython(BRIDGE_PY);
  const [info] = bridge("info", {});
  t.ready = performance.now();

  postMessage({
    type: "ready",
    info,
    engine: ENGINE_NAME,
    warnings,
    pyodide: pyodide.version,
    cdn: Boolean(build.cdn),
    timings: {
      pyodideBoot: t.pyodide - t.start, // build-info + pyodide.mjs + core boot
      numpyLoad: t.numpy - t.pyodide, // loadPackage("numpy"): fetch + unpack
      numpyImport: t.numpyImport - t.numpy,
      extrasLoad: t.extras - t.numpyImport, // engine.packages (scipy for MNIST), else 0
      wheelInstall: t.wheel - t.extras, // the fetch itself ran during boot
      importNnpy: t.importNnpy - t.wheel,
      engineCreate: t.ready - t.importNnpy, // import nnpy.browser.playground + Playground() + info()
      total: t.ready - t.start,
    },
  });
}

self.onmessage = (event) => {
  const { id, method, args } = event.data || {};
  if (!bridge) {
    postMessage({ id, ok: false, error: { type: "EngineNotReady", message: "the engine is not ready",
      lastLine: "EngineNotReady: the engine is not ready" } });
    return;
  }
  let reply;
  try {
    const [result, typed] = bridge(method, args === undefined ? {} : args);
    reply = { id, ok: true, result };
    postMessage(reply, typed.map((a) => a.buffer));
  } catch (err) {
    postMessage({ id, ok: false, error: describe(err) });
  }
};

start().catch((err) => {
  if (bridge) { bridge.destroy(); bridge = null; }
  postMessage({ type: "failed", stage, error: describe(err) });
});
