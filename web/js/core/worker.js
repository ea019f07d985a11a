// The Python side of the engine: a module worker that runs Pyodide, numpy and nnpy.
//
// Only js/core/engine.js starts and talks to this worker. Messages it posts:
//   {type: "progress", stage, fraction}                 while starting (fraction in 0..1)
//   {type: "ready", info, pyodide, timings}             info = Playground().info(), timings in ms
//   {type: "failed", stage, error: {type, message, lastLine}}   start-up failed at `stage`
//   {id, ok: true, result} | {id, ok: false, error: {type, message, lastLine}}   replies
// Requests it accepts: {id, method, args} -> getattr(engine, method)(**args) in Python, through
// nnpy/browser/bridge.py (its docstring has the conversion rules; tests/test_bridge.py tests them).
//
// A stream, {id, method, args, stream: true}: the worker calls the method again and again (training
// chunks), posting each result as {id, ok: true, more: true, result, started, ended} (the call's
// start and end, in ms since 1970: performance.timeOrigin + now), until the page sends
// {cancel: id}, a result says `stop: true`, or the call raises; then {id, ok: true, done: true}
// (or the error). Between two calls the worker runs what reached it meanwhile: calls (a live
// setting reaches the next chunk) and the cancel, so a cancel sent during a call ends the stream
// right after that call. The worker never waits for the page between chunks.
//
// A new page's engine: a Python class whose public methods take and return plain data and NumPy
// arrays, plus one line in ENGINES below; the page then calls createEngine({engine: name}).
//
// The engine class comes from the worker URL's ?engine= (js/core/engine.js sets it from
// createEngine({engine})), looked up in the fixed ENGINES table below; default "playground".
//
// NumPy arrays in a result, at any depth, arrive as
//   {__ndarray__: true, dtype, shape, data}   data: a flat typed array (C order) whose buffer is
// transferred, not copied again. Typed arrays in the arguments arrive in Python as NumPy arrays.

const BUILD_INFO_URL = new URL("../../build-info.json", import.meta.url);

// The engines a page may ask for. `packages` are extra Pyodide packages, `py` files from
// web/py/ put on the path, and `setup` runs before the engine is created.
const ENGINES = {
  // DenseLayer's in-place path (nnpy/backend.py: the same bits as `x @ W + b`, without temporaries)
  playground: { module: "nnpy.browser.playground", cls: "Playground",
    setup: "import nnpy.backend; nnpy.backend.use_fast(True)" },
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

let pyodide = null;
let bridge = null; // PyProxy of nnpy.browser.bridge.start()'s `call`, kept for the worker's lifetime
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
  const bridgeModule = pyodide.pyimport("nnpy.browser.bridge");
  try {
    bridge = bridgeModule.start(engine.module, engine.cls);
  } finally {
    bridgeModule.destroy();
  }
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

const streams = new Map(); // stream id -> {cancelled}

// A turn of the event loop without a timer's clamping (4 ms once timers nest): a message to
// ourselves, queued behind whatever the page sent while the last chunk ran.
const turn = new MessageChannel();
const turnWaiting = [];
turn.port1.onmessage = () => turnWaiting.shift()();
function nextTurn() {
  return new Promise((resolve) => {
    turnWaiting.push(resolve);
    turn.port2.postMessage(null);
  });
}

async function runStream(id, method, args) {
  const stream = { cancelled: false };
  streams.set(id, stream);
  try {
    while (!stream.cancelled) {
      const started = performance.timeOrigin + performance.now();
      const [result, typed] = bridge(method, args);
      const ended = performance.timeOrigin + performance.now();
      postMessage({ id, ok: true, more: true, result, started, ended }, typed.map((a) => a.buffer));
      if (result && result.stop) break;
      await nextTurn();
    }
    postMessage({ id, ok: true, done: true });
  } catch (err) {
    postMessage({ id, ok: false, error: describe(err) });
  } finally {
    streams.delete(id);
  }
}

self.onmessage = (event) => {
  const { id, method, args, stream, cancel } = event.data || {};
  if (cancel !== undefined) {
    if (streams.has(cancel)) streams.get(cancel).cancelled = true;
    return;
  }
  if (!bridge) {
    postMessage({ id, ok: false, error: { type: "EngineNotReady", message: "the engine is not ready",
      lastLine: "EngineNotReady: the engine is not ready" } });
    return;
  }
  if (stream) {
    runStream(id, method, args === undefined ? {} : args);
    return;
  }
  try {
    const [result, typed] = bridge(method, args === undefined ? {} : args);
    postMessage({ id, ok: true, result }, typed.map((a) => a.buffer));
  } catch (err) {
    postMessage({ id, ok: false, error: describe(err) });
  }
};

start().catch((err) => {
  if (bridge) { bridge.destroy(); bridge = null; }
  postMessage({ type: "failed", stage, error: describe(err) });
});
