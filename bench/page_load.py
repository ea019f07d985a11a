"""Page-load benchmark: how long until the engine is ready, against bare Pyodide + numpy.

    .venv/bin/python bench/page_load.py [--runs 5] [--write]

Serves the built dist/ (python build.py first) with build.py's handler and loads it in headless
Chromium, each load in a fresh browser context (empty cache, as a first visit). Alternates:

  bare    a same-origin module worker that only does loadPyodide() + loadPackage("numpy") +
          import numpy, timed on the page from `new Worker` to the worker's answer;
  engine  js/core/engine.js's createEngine(), timed from its "nnpy:engine-start" mark to
          "nnpy:engine-ready" (which includes build-info.json, the nnpy wheel, import nnpy,
          Playground() and one info() call through the protocol), with the worker's own split;
  page    dist/index.html, if the build has one: first contentful paint, the page's
          "nnpy:controls-ready" mark if it sets one, and "nnpy:engine-ready", all from navigation.

Prints a Markdown table of medians (min-max); --write puts it in bench/README.md under its own
heading, replacing only the previous output of this script.
"""

import argparse
import datetime
import os
import platform
import statistics
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "dist"
README = Path(__file__).resolve().parent / "README.md"
sys.path.insert(0, str(ROOT))
import build  # noqa: E402

from playwright.sync_api import sync_playwright  # noqa: E402

FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--disable-quic", "--no-first-run"]
BLANK = "/__bench__/blank.html"
START, END = "<!-- bench/page_load.py: start -->", "<!-- bench/page_load.py: end -->"

BARE_WORKER_PATH = "/__bench__/bare-worker.js"
BARE_WORKER = b"""// loadPyodide + numpy and nothing else, loaded like js/core/worker.js (a same-origin module worker)
const t0 = performance.now();
const { loadPyodide } = await import("/pyodide/pyodide.mjs");
const pyodide = await loadPyodide();
const t1 = performance.now();
await pyodide.loadPackage("numpy", { messageCallback: () => {} });
const t2 = performance.now();
pyodide.runPython("import numpy");
const t3 = performance.now();
postMessage({ pyodideBoot: t1 - t0, numpyLoad: t2 - t1, numpyImport: t3 - t2 });
"""

BARE = """async () => {
    const start = performance.now();
    const w = new Worker("%s", { type: "module" });
    const split = await new Promise((resolve, reject) => {
        w.onmessage = (e) => resolve(e.data);
        w.onerror = (e) => reject(new Error(e.message || "bare worker failed"));
    });
    const total = performance.now() - start;
    w.terminate();
    return { total, ...split };
}""" % BARE_WORKER_PATH

ENGINE = """async () => {
    const { createEngine } = await import("/js/core/engine.js");
    const engine = createEngine();
    const { timings } = await engine.ready;
    const [m] = performance.getEntriesByName("nnpy:engine-startup", "measure");
    engine.terminate();
    return { total: m.duration, ...timings };
}"""

PAGE = """async () => {
    const when = (name) => new Promise((resolve) => {
        const find = () => performance.getEntriesByName(name, "mark")[0];
        const poll = () => (find() ? resolve(find().startTime) : setTimeout(poll, 20));
        poll();
    });
    const engineReady = await when("nnpy:engine-ready");
    const controls = performance.getEntriesByName("nnpy:controls-ready", "mark")[0];
    const fcp = performance.getEntriesByName("first-contentful-paint")[0];
    return { engineReady, controlsReady: controls ? controls.startTime : null, fcp: fcp ? fcp.startTime : null };
}"""


class BenchHandler(build.SiteHandler):
    """build.py's handler plus an empty page and the bare worker, both on the site's origin."""

    pages = {
        BLANK: ("text/html; charset=utf-8",
                b"<!doctype html><meta charset=utf-8><title>bench</title><link rel=icon href=data:,>"),
        BARE_WORKER_PATH: ("text/javascript", BARE_WORKER),
    }

    def do_GET(self):
        extra = self.pages.get(self.path.split("?")[0])
        if extra is None:
            return super().do_GET()
        self.send_response(200)
        self.send_header("Content-Type", extra[0])
        self.send_header("Content-Length", str(len(extra[1])))
        self.end_headers()
        self.wfile.write(extra[1])


def chromium(p):
    if os.environ.get("NNPY_CHROMIUM"):
        return os.environ["NNPY_CHROMIUM"]
    own = p.chromium.executable_path
    return own if own and Path(own).is_file() else "/usr/bin/chromium"


def fmt(values):
    if not values:
        return "–"
    return "%.0f (%.0f–%.0f)" % (statistics.median(values), min(values), max(values))


def run(runs):
    if not (DIST / "build-info.json").is_file():
        sys.exit("dist/ is not built: run python build.py first")
    server = build.make_server(DIST, port=0, quiet=True, handler=BenchHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = "http://127.0.0.1:%d" % server.server_port
    has_page = (DIST / "index.html").is_file()
    results = {"bare": [], "engine": [], "page": []}
    with sync_playwright() as p:
        exe = chromium(p)
        browser = p.chromium.launch(executable_path=exe, args=FLAGS, headless=True)
        version = browser.version
        for i in range(runs):
            for kind in ("bare", "engine", "page") if i % 2 == 0 else ("engine", "bare", "page"):
                if kind == "page" and not has_page:
                    continue
                context = browser.new_context()
                page = context.new_page()
                if kind == "page":
                    page.goto(base + "/index.html")
                    results[kind].append(page.evaluate(PAGE))
                else:
                    page.goto(base + BLANK)
                    results[kind].append(page.evaluate(BARE if kind == "bare" else ENGINE))
                context.close()
            print("run %d/%d: bare %.0f ms, engine %.0f ms" % (
                i + 1, runs, results["bare"][-1]["total"], results["engine"][-1]["total"]), file=sys.stderr)
        browser.close()
    server.shutdown()
    return results, version, has_page


def table(results, version, has_page, runs):
    col = lambda kind, key: [r[key] for r in results[kind] if r.get(key) is not None]  # noqa: E731
    bare, engine = col("bare", "total"), col("engine", "total")
    ratio = statistics.median(engine) / statistics.median(bare)
    cpu = subprocess.run(["nproc"], stdout=subprocess.PIPE, universal_newlines=True).stdout.strip()
    lines = [
        START,
        "## Page load (bench/page_load.py)",
        "",
        "%s, headless Chromium %s, %s cores, %d cold loads each (fresh context), alternating; "
        "median (min–max) in ms." % (datetime.date.today().isoformat(), version, cpu or "?", runs),
        "",
        "| measure | ms |",
        "|---|---|",
        "| **bare Pyodide + numpy** (`new Worker` → numpy imported) | %s |" % fmt(bare),
        "|   Pyodide core boot | %s |" % fmt(col("bare", "pyodideBoot")),
        "|   `loadPackage(\"numpy\")` | %s |" % fmt(col("bare", "numpyLoad")),
        "|   `import numpy` | %s |" % fmt(col("bare", "numpyImport")),
        "| **engine ready** (`createEngine()` → `ready`) | %s |" % fmt(engine),
        "|   build-info + Pyodide core boot | %s |" % fmt(col("engine", "pyodideBoot")),
        "|   `loadPackage(\"numpy\")` | %s |" % fmt(col("engine", "numpyLoad")),
        "|   `import numpy` | %s |" % fmt(col("engine", "numpyImport")),
        "|   nnpy wheel install (fetched during boot) | %s |" % fmt(col("engine", "wheelInstall")),
        "|   `import nnpy` | %s |" % fmt(col("engine", "importNnpy")),
        "|   `Playground()` + first `info()` call | %s |" % fmt(col("engine", "engineCreate")),
        "| **engine ready / bare** (target ≤ 1.2) | %.2f |" % ratio,
    ]
    if has_page:
        lines += [
            "| page: first contentful paint (from navigation) | %s |" % fmt(col("page", "fcp")),
            "| page: `nnpy:controls-ready` mark (target ≤ 500) | %s |" % fmt(col("page", "controlsReady")),
            "| page: `nnpy:engine-ready` mark | %s |" % fmt(col("page", "engineReady")),
        ]
    else:
        lines += ["", "dist/index.html did not exist in this build: page marks not measured."]
    lines += ["", "Python %s on %s; run: `.venv/bin/python bench/page_load.py --runs %d --write`"
              % (platform.python_version(), platform.machine(), runs), END]
    return "\n".join(lines)


def write(section):
    text = README.read_text() if README.is_file() else "# Benchmarks\n"
    if START in text and END in text:
        head, rest = text.split(START, 1)
        text = head + section + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    README.write_text(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--write", action="store_true", help="update bench/README.md")
    args = parser.parse_args()
    results, version, has_page = run(args.runs)
    section = table(results, version, has_page, args.runs)
    print(section)
    if args.write:
        write(section)
        print("updated %s" % README, file=sys.stderr)


if __name__ == "__main__":
    main()
