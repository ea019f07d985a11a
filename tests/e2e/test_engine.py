"""The engine transport in a real Chromium: Pyodide + numpy + the nnpy wheel in a worker,
driven through js/core/engine.js exactly as the page drives it."""

import json
import math
import threading
import urllib.request

import pytest

import build  # the e2e conftest puts the repository root on sys.path
import nnpy

pytestmark = pytest.mark.e2e

START_ENGINE = """async () => {
    const mod = await import("/js/core/engine.js");
    window.EngineError = mod.EngineError;
    window.progress = [];
    window.engine = mod.createEngine({ onProgress: (p) => window.progress.push(p) });
    const ready = await window.engine.ready;
    const marks = performance.getEntriesByType("mark").map((m) => m.name);
    return { ready, progress: window.progress, marks };
}"""

# Calls engine.call and returns something Playwright can carry back: typed arrays are described
# (constructor, values, whether they own their buffer), errors are returned instead of thrown.
CALL = """async ([method, args]) => {
    const describe = (v) => {
        if (ArrayBuffer.isView(v)) return { typed: v.constructor.name, values: Array.from(v),
            ownsBuffer: v.byteOffset === 0 && v.buffer.byteLength === v.byteLength };
        if (Array.isArray(v)) return v.map(describe);
        if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, describe(x)]));
        return v;
    };
    const revive = (v) => {  // {"$typed": "Float64Array", "values": [...]} -> a typed array
        if (Array.isArray(v)) return v.map(revive);
        if (v && typeof v === "object") {
            if (v.$typed) return new globalThis[v.$typed](v.values);
            return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, revive(x)]));
        }
        return v;
    };
    try {
        return { ok: true, value: describe(await window.engine.call(method, revive(args))) };
    } catch (e) {
        return { ok: false, name: e.name, type: e.type, message: e.message, lastLine: e.lastLine,
                 traceback: e.traceback, isEngineError: e instanceof window.EngineError };
    }
}"""


@pytest.fixture(scope="module")
def engine_page(module_page, blank_url):
    module_page.goto(blank_url)
    started = module_page.evaluate(START_ENGINE)
    module_page.started = started
    yield module_page
    module_page.assert_no_errors()


def call(page, method, args=None):
    return page.evaluate(CALL, [method, args or {}])


def test_engine_becomes_ready_with_the_nnpy_of_this_checkout(engine_page):
    started = engine_page.started
    assert started["ready"]["info"]["nnpy"] == nnpy.__version__
    assert started["ready"]["pyodide"] == "0.27.7"
    assert started["ready"]["info"]["numpy"].startswith("2.0.")
    stages = [p["stage"] for p in started["progress"]]
    assert stages == ["build-info", "pyodide", "numpy", "nnpy", "import", "ready"]
    fractions = [p["fraction"] for p in started["progress"]]
    assert fractions == sorted(fractions) and fractions[-1] == 1
    timings = started["ready"]["timings"]
    for key in ("pyodideBoot", "numpyLoad", "numpyImport", "wheelInstall", "importNnpy", "total"):
        assert isinstance(timings[key], (int, float)) and math.isfinite(timings[key]) and timings[key] >= 0
    assert {"nnpy:engine-start", "nnpy:engine-ready"} <= set(started["marks"])
    # the same call through the generic protocol
    reply = call(engine_page, "info")
    assert reply == {"ok": True, "value": started["ready"]["info"]}
    engine_page.assert_no_errors()


@pytest.mark.parametrize("dtype, typed, sent_dtype", [
    ("float64", "Float64Array", "float64"),
    ("float32", "Float32Array", "float32"),
    ("int32", "Int32Array", "int32"),
    ("uint8", "Uint8Array", "uint8"),
    ("int64", "Int32Array", "int32"),  # NumPy's default integer crosses as int32 when it fits
])
def test_numpy_array_arrives_as_a_flat_typed_array_with_its_shape(engine_page, dtype, typed, sent_dtype):
    reply = call(engine_page, "echo_array", {"shape": [2, 3], "dtype": dtype})
    assert reply["ok"], reply
    array = reply["value"]["array"]
    assert array["__ndarray__"] is True
    assert array["dtype"] == sent_dtype
    assert array["shape"] == [2, 3]
    assert array["data"]["typed"] == typed
    assert array["data"]["values"] == [0, 1, 2, 3, 4, 5]
    assert array["data"]["ownsBuffer"], "the data should own its (transferred) buffer"


@pytest.mark.parametrize("shape", [[7], [2, 0], [], [2, 2, 3]])
def test_array_shapes_survive_the_crossing(engine_page, shape):
    reply = call(engine_page, "echo_array", {"shape": shape, "dtype": "float32"})
    assert reply["ok"], reply
    array = reply["value"]["array"]
    assert array["shape"] == shape
    assert array["data"]["values"] == list(range(math.prod(shape)))


def test_typed_array_arguments_arrive_as_numpy_arrays(engine_page):
    # fail(message) raises ValueError(message): NumPy's str() of the argument shows what arrived.
    reply = call(engine_page, "fail", {"message": {"$typed": "Float64Array", "values": [1, 2.5, 3]}})
    assert reply["lastLine"] == "ValueError: [1.  2.5 3. ]"
    # an {__ndarray__} argument becomes an array of its dtype and shape
    shape_arg = {"__ndarray__": True, "dtype": "int32", "shape": [2],
                 "data": {"$typed": "Int32Array", "values": [3, 2]}}
    reply = call(engine_page, "echo_array", {"shape": shape_arg, "dtype": "uint8"})
    assert reply["ok"], reply
    assert reply["value"]["array"]["shape"] == [3, 2]


def test_python_exception_becomes_an_engine_error_with_the_last_line(engine_page):
    reply = call(engine_page, "fail", {"message": "the model diverged"})
    assert reply["ok"] is False
    assert reply["isEngineError"] and reply["name"] == "EngineError"
    assert reply["type"] == "ValueError"
    assert reply["lastLine"] == "ValueError: the model diverged"
    assert reply["traceback"].startswith("Traceback") and "nnpy/browser/playground.py" in reply["traceback"]
    # the engine survives its errors
    assert call(engine_page, "info")["ok"]


@pytest.mark.parametrize("method", ["_private", "__init__", "__class__", "_Playground__state"])
def test_private_methods_are_refused(engine_page, method):
    reply = call(engine_page, method)
    assert reply["ok"] is False and reply["isEngineError"]
    assert reply["type"] == "PermissionError"
    assert "private" in reply["lastLine"] and method in reply["lastLine"]


def test_unknown_method_and_bad_arguments_are_clear_errors(engine_page):
    reply = call(engine_page, "no_such_method")
    assert reply["lastLine"] == "AttributeError: Playground has no method 'no_such_method'"
    reply = call(engine_page, "echo_array", {"no_such_argument": 1})
    assert reply["type"] == "TypeError" and "no_such_argument" in reply["lastLine"]


def test_failed_start_rejects_ready_readably_and_restart_retries(page, blank_url, fail_next_request):
    page.goto(blank_url)
    fail_next_request("/build-info.json")
    outcome = page.evaluate("""async () => {
        const { createEngine, EngineError } = await import("/js/core/engine.js");
        const engine = createEngine();
        const out = {};
        try { await engine.ready; out.first = "resolved"; }
        catch (e) { out.first = { message: e.message, isEngineError: e instanceof EngineError, stage: e.stage }; }
        try { await engine.call("info"); out.callWhileFailed = "resolved"; }
        catch (e) { out.callWhileFailed = e.message; }
        const ready = await engine.restart();
        out.retry = ready.info;
        out.info = await engine.call("info");
        engine.terminate();
        return out;
    }""")
    first = outcome["first"]
    assert first["isEngineError"] and first["stage"] == "build-info"
    assert "build-info.json" in first["message"] and "503" in first["message"]
    assert outcome["callWhileFailed"] == first["message"]
    assert outcome["retry"]["nnpy"] == nnpy.__version__ == outcome["info"]["nnpy"]
    # a handled failure leaves nothing unhandled behind (the 503 was the worker's, not the page's)
    page.assert_no_errors()


def test_missing_worker_script_rejects_ready_readably(page, blank_url):
    page.goto(blank_url)
    message = page.evaluate("""async () => {
        const { createEngine } = await import("/js/core/engine.js");
        const engine = createEngine({ workerUrl: "/js/no-such-worker.js" });
        try { await engine.ready; return "resolved"; } catch (e) { return e.message; }
    }""")
    assert message.startswith("The engine could not start")
    assert "no-such-worker.js" in message
    assert [e for e in page.errors if "404" not in e] == []


@pytest.mark.parametrize("path, mime", [
    ("/pyodide/pyodide.asm.wasm", "application/wasm"),
    ("/pyodide/pyodide.mjs", "text/javascript"),
    ("/js/core/worker.js", "text/javascript"),
    ("/build-info.json", "application/json"),
])
def test_served_with_the_mime_types_pyodide_needs(site_url, path, mime):
    with urllib.request.urlopen(site_url + path) as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == mime


def test_build_info_points_at_the_wheel_the_server_has(site_url):
    with urllib.request.urlopen(site_url + "/build-info.json") as response:
        info = json.load(response)
    assert info["nnpy_version"] == nnpy.__version__
    with urllib.request.urlopen(site_url + "/" + info["wheel"]) as response:
        assert response.status == 200 and response.headers["Content-Type"] == "application/octet-stream"


def test_cdn_build_loads_pyodide_from_the_cdn_or_says_it_could_not(browser, tmp_path):
    site = tmp_path / "site"
    info = build.build(site, cdn=True, mnist=False)
    assert info["pyodide_index_url"] == build.PYODIDE_CDN and not (site / "pyodide").exists()
    server = build.make_server(site, port=0, quiet=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto("http://127.0.0.1:%d/build-info.json" % server.server_port)
        outcome = page.evaluate("""async () => {
            const { createEngine } = await import("/js/core/engine.js");
            const engine = createEngine();
            const guard = new Promise((r) => setTimeout(() => r({ hung: true }), 60000));
            return Promise.race([guard, engine.ready.then(
                (ready) => ({ ok: true, pyodide: ready.pyodide, cdn: ready.cdn }),
                (e) => ({ ok: false, message: e.message, stage: e.stage }))]);
        }""")
    finally:
        context.close()
        server.shutdown()
        server.server_close()
    assert not outcome.get("hung"), "the CDN neither loaded nor failed within 60 s"
    if outcome["ok"]:  # a machine with internet
        assert outcome["pyodide"] == build.PYODIDE_VERSION and outcome["cdn"] is True
    else:  # offline: the failure names what it tried to load
        assert outcome["stage"] == "pyodide"
        assert build.PYODIDE_CDN + "pyodide.mjs" in outcome["message"], outcome["message"]
