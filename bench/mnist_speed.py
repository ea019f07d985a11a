"""MNIST training speed in the page: SciPy's BLAS against plain NumPy, side by side.

    .venv/bin/python bench/mnist_speed.py [--runs 5] [--write]

Serves the built dist/ (python build.py first) and opens one blank page in headless Chromium
with two engines from js/core/engine.js, both alive in that page:

  mnist        nnpy.browser.mnist with web/py/nnpy_blas.py installed: DenseLayer's matmuls
               are scipy.linalg.blas.sgemm/dgemm on the arrays as they lie (the fastest path);
  mnist-numpy  the same engine on Pyodide's plain NumPy (no BLAS).

Each run trains one epoch of 784-128-10 (ReLU, softmax, momentum lr 0.1, batch 64) on the
8,000 training digits of dist/data/mnist.npz, from the same initial weights, exactly as the
MNIST page does: chunks of train(budget_ms=250, until_epoch=1). The configurations alternate,
one at a time (never two at once), in a rotating order. Reported: the training time of the
epoch measured in Python (the sum of the chunks' train_ms: steps only), and the page's wall
time for the epoch (all chunks and messages, plus the end-of-epoch evaluation on 2,000 test
digits and 2,000 training digits). Prints a Markdown table of medians (min-max) and the best
run (other jobs on a shared machine only ever add time), and the speed-up as the median of the
ratios within each run (neighbouring measurements share the machine's load); --write puts it in
bench/README.md under its own heading, replacing only this script's previous output.
"""

import contextlib
import datetime
import os
import platform
import statistics
import subprocess
import sys

from _runner import BLANK_HTML, DIST, arguments, fmt, launch, serve, write_section
from playwright.sync_api import sync_playwright

BLANK = "/__bench__/mnist-blank.html"
# (label, engine, dtype); the first is the fastest path, the others its references
CONFIGS = [
    ("SciPy BLAS sgemm, float32", "mnist", "float32"),
    ("SciPy BLAS dgemm, float64", "mnist", "float64"),
    ("plain NumPy, float32", "mnist-numpy", "float32"),
    ("plain NumPy, float64", "mnist-numpy", "float64"),
]
STATE = {"n": 10000, "test_fraction": 0.2, "seed": 0, "layers": [{"units": 128, "activation": "relu"}],
         "optimizer": "momentum", "lr": 0.1, "batch_size": 64}

START_ENGINES = """async (names) => {
    const { createEngine } = await import("/js/core/engine.js");
    const bytes = new Uint8Array(await (await fetch("/data/mnist.npz")).arrayBuffer());
    window.engines = {};
    const out = {};
    for (const name of names) {  // one after the other: start-up is not what is measured here
        const engine = createEngine({ engine: name });
        const ready = await engine.ready;
        await engine.call("load_data", { data: bytes });
        window.engines[name] = engine;
        out[name] = { matmul: ready.info.matmul_function, warnings: ready.warnings, timings: ready.timings };
    }
    return out;
}"""

EPOCH = """async ([name, state]) => {
    const engine = window.engines[name];
    await engine.call("configure", { state });
    await engine.call("reset");  // the same initial weights every run
    const start = performance.now();
    let chunk, trainMs = 0, steps = 0, chunks = 0;
    do {
        chunk = await engine.call("train", { budget_ms: 250, until_epoch: 1 });
        trainMs += chunk.train_ms; steps += chunk.steps; chunks += 1;
    } while (!chunk.done);
    const wall = performance.now() - start;
    return { trainMs, wall, steps, chunks, accuracy: chunk.epochs[0].test_accuracy,
             matmul: (await engine.call("info")).matmul };
}"""


@contextlib.contextmanager
def blank_page():
    """A blank page of the built site (with the MNIST data) in headless Chromium: yields
    (page, Chromium's version); exits with the page's errors, if it had any, when done."""
    for need in ("build-info.json", "data/mnist.npz", "py/nnpy_blas.py"):
        if not (DIST / need).is_file():
            sys.exit("dist/%s is missing: run python build.py first" % need)
    with serve(DIST, {BLANK: ("text/html; charset=utf-8", BLANK_HTML)}) as base, sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(base + BLANK)
        yield page, browser.version
        if errors:
            sys.exit("errors in the page: %s" % errors)
        browser.close()


def run(runs):
    results = {label: [] for label, _, _ in CONFIGS}
    loads = []
    with blank_page() as (page, version):
        engines = page.evaluate(START_ENGINES, sorted({engine for _, engine, _ in CONFIGS}))
        if engines["mnist"]["warnings"] or not engines["mnist"]["matmul"].endswith("blas_matmul"):
            sys.exit("the mnist engine is not on SciPy's BLAS: %r" % engines["mnist"])
        for i in range(runs):
            order = CONFIGS[i % len(CONFIGS):] + CONFIGS[:i % len(CONFIGS)]
            for label, engine, dtype in order:
                r = page.evaluate(EPOCH, [engine, dict(STATE, dtype=dtype)])
                assert r["matmul"] == ("blas" if engine == "mnist" else "numpy"), r
                results[label].append(r)
            loads.append(os.getloadavg()[0])
            print("run %d/%d: " % (i + 1, runs) + ", ".join(
                "%s %.0f ms" % (label, results[label][-1]["trainMs"]) for label, _, _ in CONFIGS),
                file=sys.stderr)
    return results, engines, version, loads


def paired(results, reference, label):
    """The median over runs of reference time / label time, each pair from the same run."""
    return statistics.median(a["trainMs"] / b["trainMs"] for a, b in zip(results[reference], results[label]))


def table(results, engines, version, loads, runs):
    med = {label: statistics.median(r["trainMs"] for r in rs) for label, rs in results.items()}
    best = {label: min(r["trainMs"] for r in rs) for label, rs in results.items()}
    fast = CONFIGS[0][0]
    np64, np32 = "plain NumPy, float64", "plain NumPy, float32"
    cpu = subprocess.run(["nproc"], stdout=subprocess.PIPE, universal_newlines=True).stdout.strip()
    lines = [
        "## MNIST training speed (bench/mnist_speed.py)",
        "",
        "%s, headless Chromium %s, %s cores (shared; 1-min load average during the runs %s), "
        "Pyodide 0.27.7. One epoch of 784-128-10 (ReLU, softmax, momentum lr 0.1, batch 64, "
        "125 steps) on 8,000 real digits, %d runs per configuration, alternating in one page; "
        "median (min–max)." % (datetime.date.today().isoformat(), version, cpu or "?",
                               fmt(loads, 1), runs),
        "",
        "| configuration | training, ms/epoch | best run, ms/epoch | ms/step (median) | page wall time, ms/epoch | "
        "test accuracy after 1 epoch | speed-up over plain NumPy float64 | over plain NumPy float32 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for label, _, _ in CONFIGS:
        rs = results[label]
        lines.append("| %s%s%s | %s | %.0f | %.1f | %s | %s | %.2f | %.2f |" % (
            "**" if label == fast else "", label, "**" if label == fast else "",
            fmt([r["trainMs"] for r in rs]), best[label], med[label] / rs[0]["steps"],
            fmt([r["wall"] for r in rs]), "%.4f" % statistics.median(r["accuracy"] for r in rs),
            paired(results, np64, label), paired(results, np32, label)))
    t = engines["mnist"]["timings"]
    lines += [
        "",
        "Targets: the fastest path ≥ 2× faster than plain NumPy and ≤ 1.5 s per epoch. "
        "Here: %.2f× against plain NumPy float64 (nnpy's default dtype) and %.2f× against plain NumPy "
        "float32 (medians of the within-run ratios; best runs: %.2f× and %.2f×), %.2f s per epoch "
        "(median; best run %.2f s)." % (paired(results, np64, fast), paired(results, np32, fast),
                                         best[np64] / best[fast], best[np32] / best[fast],
                                         med[fast] / 1000, best[fast] / 1000),
        "The price of the fast path is paid once, when the MNIST page starts its engine: "
        "`loadPackage(\"scipy\")` (with openblas) took %.0f ms and `MnistPlayground()` + installing the "
        "BLAS matmul (importing scipy.linalg) %.0f ms in this run." % (t["extrasLoad"], t["engineCreate"]),
        "",
        "Python %s on %s; run: `.venv/bin/python bench/mnist_speed.py --runs %d --write`"
        % (platform.python_version(), platform.machine(), runs),
    ]
    return "\n".join(lines)


def main():
    parser = arguments(__doc__)
    args = parser.parse_args()
    results, engines, version, loads = run(args.runs)
    section = table(results, engines, version, loads, args.runs)
    print(section)
    if args.write:
        write_section("mnist_speed.py", section)


if __name__ == "__main__":
    main()
