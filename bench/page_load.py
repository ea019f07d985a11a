"""Page-load benchmark: how long until the engine is ready, against bare Pyodide + numpy.

    .venv/bin/python bench/page_load.py [--runs 5] [--reference OTHER/dist] [--write]

Serves the built dist/ (python build.py first) with build.py's handler and loads it in headless
Chromium, each load in a fresh browser context (empty cache, as a first visit). Alternates:

  bare    a same-origin module worker that only does loadPyodide() + loadPackage("numpy") +
          import numpy, timed on the page from `new Worker` to the worker's answer;
  engine  js/core/engine.js's createEngine(), timed from its "nnpy:engine-start" mark to
          "nnpy:engine-ready" (which includes build-info.json, the nnpy wheel, import nnpy,
          Playground() and one info() call through the protocol), with the worker's own split;
  page    dist/index.html, if the build has one: first contentful paint, the page's
          "nnpy:controls-ready" mark if it sets one, and "nnpy:engine-ready", all from navigation.

With --reference OTHER/dist (a build of another commit: `git worktree add --detach`, then
`python build.py` there), that build's index.html is loaded too, in the same rotation, and the
table adds its marks and this / reference as the median of the within-run ratios.

Prints a Markdown table of medians (min-max); --write puts it in bench/README.md under its own
heading, replacing only the previous output of this script.
"""

import contextlib
import datetime
import platform
import statistics
import subprocess
import sys

from _runner import BLANK_HTML, DIST, arguments, fmt, launch, serve, write_section
from playwright.sync_api import sync_playwright

BLANK = "/__bench__/blank.html"

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


PAGES = {BLANK: ("text/html; charset=utf-8", BLANK_HTML), BARE_WORKER_PATH: ("text/javascript", BARE_WORKER)}


def run(runs, reference=None):
    """Cold loads, alternating; with REFERENCE (another build's dist/), its index.html beside ours."""
    has_page = (DIST / "index.html").is_file()
    kinds = ["bare", "engine"] + (["page"] if has_page else []) + (["page-ref"] if reference else [])
    results = {kind: [] for kind in kinds}
    with contextlib.ExitStack() as stack:
        base = stack.enter_context(serve(DIST, PAGES))
        ref_base = stack.enter_context(serve(reference)) if reference else None
        p = stack.enter_context(sync_playwright())
        browser = launch(p)
        version = browser.version
        for i in range(runs):
            for kind in kinds[i % len(kinds):] + kinds[:i % len(kinds)]:  # a rotating order
                context = browser.new_context()
                page = context.new_page()
                if kind.startswith("page"):
                    page.goto((ref_base if kind == "page-ref" else base) + "/index.html")
                    results[kind].append(page.evaluate(PAGE))
                else:
                    page.goto(base + BLANK)
                    results[kind].append(page.evaluate(BARE if kind == "bare" else ENGINE))
                context.close()
            print("run %d/%d: bare %.0f ms, engine %.0f ms" % (
                i + 1, runs, results["bare"][-1]["total"], results["engine"][-1]["total"]), file=sys.stderr)
        browser.close()
    return results, version, has_page


def table(results, version, has_page, runs, reference=None):
    col = lambda kind, key: [r[key] for r in results[kind] if r.get(key) is not None]  # noqa: E731
    bare, engine = col("bare", "total"), col("engine", "total")
    ratio = statistics.median(engine) / statistics.median(bare)
    cpu = subprocess.run(["nproc"], stdout=subprocess.PIPE, universal_newlines=True).stdout.strip()
    lines = [
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
    if reference:
        ratio = lambda key: statistics.median(  # noqa: E731  (within-run pairs share the machine's load)
            a[key] / b[key] for a, b in zip(results["page"], results["page-ref"]) if a[key] and b[key])
        lines += [
            "| reference build (`--reference %s`): first contentful paint | %s |" % (reference, fmt(col("page-ref", "fcp"))),
            "| reference build: `nnpy:controls-ready` mark | %s |" % fmt(col("page-ref", "controlsReady")),
            "| reference build: `nnpy:engine-ready` mark | %s |" % fmt(col("page-ref", "engineReady")),
            "| **this / reference** (median of within-run ratios): controls ready, engine ready | %.2f, %.2f |"
            % (ratio("controlsReady"), ratio("engineReady")),
        ]
    lines += ["", "Python %s on %s; run: `.venv/bin/python bench/page_load.py --runs %d%s --write`"
              % (platform.python_version(), platform.machine(), runs, " --reference DIST" if reference else "")]
    return "\n".join(lines)


def main():
    parser = arguments(__doc__)
    parser.add_argument("--reference", metavar="DIST",
                        help="another build's dist/ (e.g. an older commit's): its page is loaded beside this one")
    args = parser.parse_args()
    results, version, has_page = run(args.runs, args.reference)
    section = table(results, version, has_page, args.runs, args.reference)
    print(section)
    if args.write:
        write_section("page_load.py", section)


if __name__ == "__main__":
    main()
