"""What the MNIST page pays to keep its weights for a restart: an epoch with and without, side by side.

    .venv/bin/python bench/mnist_kept.py [--runs 5] [--write]

The MNIST page keeps the weights after each epoch (web/js/mnist/kept.js), so that when its
Python stops a restarted one goes on from them: each training chunk in which an epoch ended
copies the flat weights once into a buffer and hands them to the page (one more copy into a
typed array, transferred, not copied again). This measures that price in the page's own engine
(the "mnist" engine on SciPy's BLAS, float32), for the page's default network 784-128-10
(101,770 weights, 0.4 MB) on 8,000 training digits and for the largest the page allows,
784-1024-1024-1024-1024-10 (3,962,890 weights, 15.9 MB) on 1,600 (a shorter epoch makes the
price look larger, never smaller). Each run trains one epoch from the same starting weights as
the page does (chunks of train(budget_ms=200, until_epoch=1)), once with keep=True (what the
page does) and once with keep=False, alternating in a rotating order; reported: the page's wall
time per epoch, median (min-max), and the median of the within-run ratios. Also: the round trip
of load_weights with those weights (what Restart adds once). --write puts the table in
bench/README.md under its own heading.
"""

import datetime
import os
import platform
import statistics
import subprocess
import sys

from _runner import arguments, fmt, write_section
from mnist_speed import blank_page

NETWORKS = [
    ("784-128-10", {"n": 10000, "layers": [{"units": 128, "activation": "relu"}]}),
    ("784-1024×4-10", {"n": 2000, "layers": [{"units": 1024, "activation": "relu"}] * 4}),
]

START_ENGINE = """async () => {
    const { createEngine } = await import("/js/core/engine.js");
    const bytes = new Uint8Array(await (await fetch("/data/mnist.npz")).arrayBuffer());
    const engine = createEngine({ engine: "mnist" });
    const ready = await engine.ready;
    await engine.call("load_data", { data: bytes });
    window.engine = engine;
    return ready.info.matmul;
}"""

EPOCH = """async ([state, keep]) => {
    const engine = window.engine;
    await engine.call("configure", { state });
    await engine.call("reset");  // the same starting weights every run
    const start = performance.now();
    let chunk;
    do { chunk = await engine.call("train", { budget_ms: 200, until_epoch: 1, keep }); } while (!chunk.done);
    const wall = performance.now() - start;
    const kept = chunk.kept;
    if (keep !== Boolean(kept && kept.params)) throw new Error("keep=" + keep + " but kept=" + JSON.stringify(kept));
    let restore = null;
    if (keep) {
        const t = performance.now();
        await engine.call("load_weights", { params: kept.params.data, epoch: 1, history: [chunk.epochs[0]] });
        restore = performance.now() - t;
    }
    return { wall, restore, params: keep ? kept.params.data.length : null };
}"""


def run(runs):
    results = {(name, keep): [] for name, _ in NETWORKS for keep in (True, False)}
    loads = []
    with blank_page() as (page, version):
        if page.evaluate(START_ENGINE) != "blas":
            sys.exit("the mnist engine is not on SciPy's BLAS")
        for i in range(runs):
            for name, state in NETWORKS:
                for keep in ((True, False) if i % 2 == 0 else (False, True)):
                    results[(name, keep)].append(page.evaluate(EPOCH, [dict(state, dtype="float32"), keep]))
                print("run %d/%d %s: kept %.0f ms, not kept %.0f ms" % (
                    i + 1, runs, name, results[(name, True)][-1]["wall"], results[(name, False)][-1]["wall"]),
                    file=sys.stderr)
            loads.append(os.getloadavg()[0])
    return results, version, loads


def table(results, version, loads, runs):
    cpu = subprocess.run(["nproc"], stdout=subprocess.PIPE, universal_newlines=True).stdout.strip()
    lines = [
        "## Keeping the MNIST weights for a restart (bench/mnist_kept.py)",
        "",
        "%s, headless Chromium %s, %s cores (1-min load average during the runs %s), Pyodide 0.27.7, "
        "SciPy BLAS, float32. One epoch from the same starting weights with the weights handed to the page "
        "at its end (keep=True, what the page does) and without, alternating, %d runs each; median (min–max)."
        % (datetime.date.today().isoformat(), version, cpu or "?", fmt(loads, 1), runs),
        "",
        "| network (training digits) | weights | page wall time, ms/epoch, kept | not kept | kept / not kept "
        "(median of the runs' ratios) | Restart's load_weights, ms |",
        "|---|---|---|---|---|---|",
    ]
    for name, state in NETWORKS:
        kept, plain = results[(name, True)], results[(name, False)]
        ratio = statistics.median(a["wall"] / b["wall"] for a, b in zip(kept, plain))
        lines.append("| %s (%s) | %s (%.1f MB) | %s | %s | %.3f | %s |" % (
            name, "{:,}".format(round(state["n"] * 0.8)), "{:,}".format(kept[0]["params"]), kept[0]["params"] * 4 / 1e6,
            fmt([r["wall"] for r in kept]), fmt([r["wall"] for r in plain]), ratio,
            fmt([r["restore"] for r in kept])))
    lines += ["", "Python %s on %s; run: `.venv/bin/python bench/mnist_kept.py --runs %d --write`"
              % (platform.python_version(), platform.machine(), runs)]
    return "\n".join(lines)


def main():
    parser = arguments(__doc__)
    args = parser.parse_args()
    results, version, loads = run(args.runs)
    section = table(results, version, loads, args.runs)
    print(section)
    if args.write:
        write_section("mnist_kept.py", section)


if __name__ == "__main__":
    main()
