"""How fast Look inside answers on the largest 2-D network, in headless Chromium and in CPython.

    python3 build.py && python3 bench/inside_speed.py [--runs 15] [--write]

The page: the spiral with 6 classes, all 7 input features, 10 hidden layers of 32 ReLU neurons,
Adam (the largest network the page builds, every feature on). After a few epochs of training it
opens Look inside and picks points on the plot, one after another, timing in the page:

- **pick → drawn**: from `inside.pick(x1, x2)` (what a click on the plot calls) until the stage
  and the network diagram are drawn with the engine's numbers (target ≤ 100 ms);
- **engine call**: the `inside` call's round trip to the worker alone;
- the reference, side by side: a `snapshot` call's round trip (what the page asks for every frame
  it draws while training), interleaved with the picks;
- CPython: `Playground.inside` for the same network and point (no browser), for scale.

--reference DIR measures a second build's page after this one (e.g. a build of an older commit)
and adds its pick → drawn and the ratio. --write replaces the "Look inside" section of
bench/README.md (between its markers).
"""

import argparse
import os
import statistics
import sys
import time

from _runner import DIST, launch, serve, write_section
from playwright.sync_api import sync_playwright

LARGEST = ("#dataset=spiral&classes=6&networkShape=" + ",".join(["32"] * 10)
           + "&activations=" + ",".join(["relu"] * 10) + "&optimizer=adam&learningRate=0.001"
           + "&x=true&y=true&xSquared=true&ySquared=true&xTimesY=true&sinX=true&sinY=true&seed=1")

MEASURE = """async (runs) => {
  const { inside, loop, engine } = window.nnpy;
  const out = { pick: [], call: [], snapshot: [] };
  for (let r = 0; r < runs; r++) {
    const x1 = -5 + (r * 7.3) % 10, x2 = 5 - (r * 3.7) % 10;
    let t = performance.now();
    await inside.pick(x1, x2);
    await new Promise((done) => requestAnimationFrame(() => done()));
    out.pick.push(performance.now() - t);
    t = performance.now();
    await engine.call("inside", { point: [x1, x2], label: null });
    out.call.push(performance.now() - t);
    t = performance.now();
    await engine.call("snapshot", {});
    out.snapshot.push(performance.now() - t);
  }
  return out;
}"""


def median_range(values, fmt="{:.1f}"):
    return f"{fmt.format(statistics.median(values))} ({fmt.format(min(values))}–{fmt.format(max(values))})"


def cpython_times(runs):
    """``Playground.inside`` in this process, on the same setup, after the same kind of training."""
    from nnpy.browser.playground import Playground
    pg = Playground()
    pg.configure({"dataset": "spiral", "classes": 6, "seed": 1, "optimizer": "adam", "lr": 0.001,
                  "features": ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"],
                  "layers": [{"units": 32, "activation": "relu"}] * 10})
    pg.train(3)
    times = []
    for r in range(runs):
        t = time.perf_counter()
        pg.inside([-5 + (r * 7.3) % 10, 5 - (r * 3.7) % 10])
        times.append((time.perf_counter() - t) * 1000)
    return times


def page_times(p, site, runs):
    """The page's measures on the built SITE: ``(times, weights and biases, Chromium version)``."""
    with serve(site) as base:
        browser = launch(p)
        try:
            page = browser.new_page(viewport={"width": 1360, "height": 900})
            page.goto(base + "/" + LARGEST)
            page.wait_for_function("performance.getEntriesByName('nnpy:first-snapshot').length > 0", timeout=180_000)
            page.evaluate("() => window.nnpy.loop.step().then(() => window.nnpy.loop.step())")  # trained a little
            page.click("#inside-button")
            page.evaluate(MEASURE, 2)  # warm-up: the first call imports nnpy.browser.inside
            times = page.evaluate(MEASURE, runs)
            return times, page.evaluate("window.nnpy.loop.network.params"), browser.version
        finally:
            browser.close()


# What the time was, found with a Chromium CPU profile and trace of picks and valgrind's instruction
# counts of the engine (2026-11-30, main at 2fb38e1 against 56a282d); kept in the section on --write.
NOTE = """Where a pick's time went before 56a282d (profiles of picks at 1-min loads 2-5, per pick): the
page redrew the whole plot to move the ring and re-rendered every control through the URL's store
before it even sent the question to the engine; the diagram built 333 neurons (group, circle,
title, two listeners each) element by element, ~17 ms of script, then 5-10 ms of style and layout;
in the worker `Playground.inside` took 11.3 M CPython instructions (`np.prod` 110 times a call for
slice sizes; random weights drawn for a copy, then overwritten) and the bridge 10.2 M more
(`dtype.name` is Python code in NumPy) plus two calls across Pyodide's bridge per array (240
arrays: ~7 ms). Now: the question goes first, the ring moves over a kept copy of the plot, the
diagram is one SVG string updated in place for the same network, `Playground.inside` 7.4 M and the
bridge 4.6 M instructions, and the result's one `to_js` makes the typed arrays."""


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--reference", metavar="DIR",
                    help="also measure the page of another build (its dist/), after this one")
    ap.add_argument("--write", action="store_true", help="rewrite the section of bench/README.md")
    args = ap.parse_args(argv)
    loads = [os.getloadavg()[0]]
    with sync_playwright() as p:
        times, params, version = page_times(p, DIST, args.runs)
        loads.append(os.getloadavg()[0])
        if args.reference:
            ref, _, _ = page_times(p, args.reference, args.runs)
            loads.append(os.getloadavg()[0])
    cpython = cpython_times(args.runs)
    rows = [
        ("**pick → drawn** (target ≤ 100)", median_range(times["pick"])),
        ("engine `inside` call, round trip", median_range(times["call"])),
        ("reference: engine `snapshot` call, round trip", median_range(times["snapshot"])),
        ("`inside` call / `snapshot` call (medians)",
         f"{statistics.median(times['call']) / statistics.median(times['snapshot']):.2f}"),
        ("CPython: `Playground.inside`", median_range(cpython, "{:.2f}")),
    ]
    if args.reference:
        rows += [
            ("`--reference` build: pick → drawn", median_range(ref["pick"])),
            ("`--reference` build: engine `inside` call, round trip", median_range(ref["call"])),
            ("pick → drawn, this / reference (medians)",
             f"{statistics.median(times['pick']) / statistics.median(ref['pick']):.2f}"),
        ]
    table = "\n".join([
        "## Look inside (bench/inside_speed.py)",
        "",
        f"{time.strftime('%Y-%m-%d')}, headless Chromium {version}, 2 cores (shared; 1-min load average "
        f"{statistics.median(loads):.1f} ({min(loads):.1f}–{max(loads):.1f})). The largest page network: "
        f"spiral, 6 classes, all 7 features, 10 hidden layers of 32 ReLU, Adam ({params:,} weights and biases); "
        f"{args.runs} points picked one after another, each with a `snapshot` call beside it; median (min–max) in ms.",
        "",
        "| measure | ms |",
        "|---|---|",
        *[f"| {a} | {b} |" for a, b in rows],
        "",
        NOTE,
        "",
        f"Python {sys.version.split()[0]}; run: `.venv/bin/python bench/inside_speed.py --runs {args.runs} "
        + (f"--reference {args.reference} " if args.reference else "") + "--write`",
    ])
    print(table)
    if args.write:
        write_section("inside_speed.py", table)

if __name__ == "__main__":
    main()
