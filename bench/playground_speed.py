"""Training speed of the playground page in headless Chromium, against TensorFlow Playground's.

    python3 build.py && python3 bench/playground_speed.py [--seconds 10] [--write]

For each setting it loads the built page (dist/), presses Train, and reads the epoch counter
the page shows, every 25 ms, with the drawing on as a person sees it:

- spiral, TF Playground's default network (x1, x2; 4 and 2 tanh neurons; lr 0.03; batch 10);
- spiral, 6 hidden layers of 8 tanh neurons, all 7 input features;
- the default network again for 5,500+ epochs: epochs/s over the first 500 epochs and over
  epochs 5,000 to 5,500 (does the page slow down as the history grows?).

Main-thread tasks longer than 50 ms are counted with a PerformanceObserver ('longtask') while
training. The machine's load average is printed beside the numbers: this machine has 2 cores
and other jobs share them, so compare runs made at similar load.

--write replaces the "Playground training speed" section of bench/README.md (between its
markers) with this run's table; other sections of that file are left alone.
"""

import argparse
import os
import statistics
import sys
import threading
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import build  # noqa: E402

FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--disable-quic", "--no-first-run"]
ALL_FEATURES = "&x=true&y=true&xSquared=true&ySquared=true&xTimesY=true&sinX=true&sinY=true"
CASES = [
    ("spiral, default network (2 features, 4-2 tanh)", "#dataset=spiral", 60, 57),
    ("spiral, 6x8 tanh, all 7 features",
     "#dataset=spiral&networkShape=8,8,8,8,8,8&activations=" + ",".join(["tanh"] * 6) + ALL_FEATURES, 40, 13.9),
]
START, END = "<!-- bench/playground_speed.py: start -->", "<!-- bench/playground_speed.py: end -->"

# Before any page script: count long main-thread tasks, and sample the visible epoch counter.
INIT = """
window.__longtasks = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) window.__longtasks.push([e.startTime, e.duration]);
}).observe({ type: "longtask", buffered: true });
window.__samples = [];
window.__chunks = [];  // the worker's own clock: [epoch after the chunk, epochs, train ms, snapshot ms]
let lastStep = -1;
setInterval(() => {
  const el = document.querySelector("#epoch");
  if (el) window.__samples.push([performance.now(), Number(el.textContent.replace(/,/g, ""))]);
  const snap = window.nnpy && window.nnpy.loop.snapshot;
  if (snap && snap.step !== lastStep) {
    lastStep = snap.step;
    window.__chunks.push([snap.epoch, snap.timing.epochs, snap.timing.train_ms, snap.timing.snapshot_ms]);
  }
}, 25);
"""


def serve(site=ROOT / "dist"):
    server = build.make_server(Path(site), "127.0.0.1", 0, quiet=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, "http://127.0.0.1:%d/" % server.server_port


def launch(playwright):
    return playwright.chromium.launch(executable_path=os.environ.get("NNPY_CHROMIUM", "/usr/bin/chromium"),
                                      args=FLAGS, headless=True)


def open_page(browser, url, hash_):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.add_init_script(INIT)
    page.goto(url + hash_)
    page.wait_for_function("performance.getEntriesByName('nnpy:first-snapshot').length > 0", timeout=300_000)
    return page


def run(page, until):
    """Press Train, wait for ``until(samples)``, press pause; returns (samples, long tasks, t0, t1)."""
    t0 = page.evaluate("performance.now()")
    page.click("#play-button")
    while True:
        samples = page.evaluate("window.__samples")
        if until([s for s in samples if s[0] >= t0]):
            break
        time.sleep(0.25)
    t1 = page.evaluate("performance.now()")
    page.click("#play-button")
    samples = [s for s in page.evaluate("window.__samples") if t0 <= s[0] <= t1]
    tasks = [d for start, d in page.evaluate("window.__longtasks") if t0 <= start <= t1]
    return samples, tasks


def rate_between(samples, first_epoch, last_epoch):
    """Epochs per second from the first sample at or past ``first_epoch`` to the first at or past ``last_epoch``."""
    a = next(s for s in samples if s[1] >= first_epoch)
    b = next(s for s in samples if s[1] >= last_epoch)
    return (b[1] - a[1]) * 1000.0 / (b[0] - a[0])


def worker_rate(chunks, first_epoch, last_epoch):
    """Epochs per second of the worker's own training time (train + snapshot ms) for the chunks
    that ended in [first_epoch, last_epoch + one chunk]: how fast the engine itself went there."""
    picked = [c for c in chunks if c[0] >= first_epoch and c[0] - c[1] <= last_epoch and c[1] > 0]
    return sum(c[1] for c in picked) * 1000.0 / sum(c[2] + c[3] for c in picked)


def rate_over(samples, warmup_s):
    start = samples[0][0] + warmup_s * 1000
    window = [s for s in samples if s[0] >= start]
    return (window[-1][1] - window[0][1]) * 1000.0 / (window[-1][0] - window[0][0])


def median_range(values, fmt="{:.0f}"):
    return (fmt.format(statistics.median(values)) + " (" + fmt.format(min(values)) + "–"
            + fmt.format(max(values)) + ")")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="measuring time per run (after 2 s warm-up)")
    parser.add_argument("--runs", type=int, default=3, help="runs per setting, alternating")
    parser.add_argument("--write", action="store_true", help="update bench/README.md")
    parser.add_argument("--reference", metavar="DIR",
                        help="another build (e.g. of an older commit): measure both side by side, "
                             "alternating, and print the ratio (nothing is written)")
    args = parser.parse_args(argv)
    if not (ROOT / "dist" / "build-info.json").is_file():
        sys.exit("dist/ is not built: run python3 build.py first")
    if args.reference:
        return compare(args)
    server, url = serve()
    results = {label: {"rate": [], "tasks": [], "longest": []} for label, *_ in CASES}
    long_run = {"early": [], "late": [], "tasks": [], "worker_early": [], "worker_late": []}
    loads = [os.getloadavg()[0]]
    with sync_playwright() as p:
        browser = launch(p)
        version = browser.version
        for run_index in range(args.runs):
            for label, hash_, target, tf in CASES:
                page = open_page(browser, url, hash_)
                total = 2.0 + args.seconds
                samples, tasks = run(page, lambda s: len(s) > 2 and s[-1][0] - s[0][0] >= total * 1000)
                r = results[label]
                r["rate"].append(rate_over(samples, 2.0))
                r["tasks"].append(len(tasks))
                r["longest"].append(max(tasks, default=0))
                print(f"run {run_index + 1}: {label}: {r['rate'][-1]:.1f} epochs/s; {len(tasks)} main-thread "
                      f"tasks > 50 ms (longest {r['longest'][-1]:.0f} ms)", flush=True)
                page.close()
                loads.append(os.getloadavg()[0])
            page = open_page(browser, url, CASES[0][1])
            samples, tasks = run(page, lambda s: bool(s) and s[-1][1] >= 5600)
            # from the first epoch the counter shows (the start-up latency of the first chunk is not speed)
            long_run["early"].append(rate_between(samples, 1, 501))
            long_run["late"].append(rate_between(samples, 5001, 5501))
            chunks = page.evaluate("window.__chunks")
            long_run["worker_early"].append(worker_rate(chunks, 1, 501))
            long_run["worker_late"].append(worker_rate(chunks, 5001, 5501))
            long_run["tasks"].append(len(tasks))
            print(f"run {run_index + 1}: default network: {long_run['early'][-1]:.1f} epochs/s over epochs 0-500, "
                  f"{long_run['late'][-1]:.1f} over 5000-5500; {len(tasks)} tasks > 50 ms", flush=True)
            page.close()
            loads.append(os.getloadavg()[0])
        browser.close()
    server.shutdown()
    table = format_table(results, long_run, loads, version, args)
    print(table)
    if args.write:
        write_readme(table)


def compare(args):
    """dist/ against ``--reference`` on the same cases, alternating within each run: epochs/s of each
    and their ratio (this / reference), so the machine's load falls on both alike."""
    here, here_url = serve()
    ref, ref_url = serve(args.reference)
    rates = {(label, site): [] for label, *_ in CASES for site in ("dist", "reference")}
    loads = [os.getloadavg()[0]]
    with sync_playwright() as p:
        browser = launch(p)
        version = browser.version
        for run_index in range(args.runs):
            for label, hash_, *_ in CASES:
                order = [("dist", here_url), ("reference", ref_url)]
                for site, url in order if run_index % 2 == 0 else order[::-1]:
                    page = open_page(browser, url, hash_)
                    total = 2.0 + args.seconds
                    samples, _ = run(page, lambda s: len(s) > 2 and s[-1][0] - s[0][0] >= total * 1000)
                    rates[(label, site)].append(rate_over(samples, 2.0))
                    print(f"run {run_index + 1}: {label}: {site}: {rates[(label, site)][-1]:.1f} epochs/s", flush=True)
                    page.close()
                    loads.append(os.getloadavg()[0])
        browser.close()
    here.shutdown()
    ref.shutdown()
    print(f"\n{time.strftime('%Y-%m-%d')}, headless Chromium {version}, 2 cores (shared; 1-min load average "
          f"{statistics.median(loads):.1f} ({min(loads):.1f}–{max(loads):.1f})), {args.runs} runs per setting, "
          f"dist/ and {args.reference} alternating, {args.seconds:.0f} s each after a 2 s warm-up; median (min–max).\n")
    print("| setting | dist/ epochs/s | reference epochs/s | dist / reference (per run) |")
    print("|---|---|---|---|")
    for label, *_ in CASES:
        a, b = rates[(label, "dist")], rates[(label, "reference")]
        ratios = [x / y for x, y in zip(a, b)]
        print(f"| {label} | {median_range(a)} | {median_range(b)} | {median_range(ratios, '{:.2f}')} |")


def format_table(results, long_run, loads, version, args):
    lines = [
        f"{time.strftime('%Y-%m-%d')}, headless Chromium {version} (`--disable-gpu`), 2 cores (shared; 1-min load "
        f"average during the runs {statistics.median(loads):.1f} ({min(loads):.1f}–{max(loads):.1f})), "
        f"{args.runs} runs per setting, alternating, {args.seconds:.0f} s each after a 2 s warm-up; median (min–max).",
        "",
        "| setting | nnpy epochs/s | target | TF Playground epochs/s | main-thread tasks > 50 ms per run | longest task, ms |",
        "|---|---|---|---|---|---|",
    ]
    for label, hash_, target, tf in CASES:
        r = results[label]
        lines.append(f"| {label} | **{median_range(r['rate'])}** | ≥ {target} | {tf} | "
                     f"{median_range(r['tasks'])} | {median_range(r['longest'])} |")
    ratios = [100 * (late - early) / early for early, late in zip(long_run["early"], long_run["late"])]
    share = lambda page, worker: [100 * p / w for p, w in zip(page, worker)]  # noqa: E731
    lines.append(f"| default network, the first 500 epochs | {median_range(long_run['early'])} | | 60 | | |")
    lines.append(f"| default network, epochs 5,000–5,500 | {median_range(long_run['late'])} "
                 f"(change {median_range(ratios, '{:+.0f}')} %) | within 10 % of 0–500 | 40 | "
                 f"{median_range(long_run['tasks'])} over the whole run | |")
    lines.append("")
    lines.append("Early and late in a run the page keeps the same share of the worker's own pace (the "
                 "worker's clock: each snapshot's train + snapshot ms), so the growing history costs it "
                 "nothing; where the rate changes between the two, the engine's own pace changed with it "
                 "(the arithmetic speeds up as the network trains, and nnpy in CPython does too, by a "
                 "similar share on the same run) or the machine's load did:")
    lines.append("")
    lines.append("| default network | page epochs/s | worker's own epochs/s | page / worker |")
    lines.append("|---|---|---|---|")
    lines.append(f"| the first 500 epochs | {median_range(long_run['early'])} | "
                 f"{median_range(long_run['worker_early'])} | "
                 f"{median_range(share(long_run['early'], long_run['worker_early']))} % |")
    lines.append(f"| epochs 5,000–5,500 | {median_range(long_run['late'])} | "
                 f"{median_range(long_run['worker_late'])} | "
                 f"{median_range(share(long_run['late'], long_run['worker_late']))} % |")
    lines.append("")
    lines.append(f"Python {sys.version.split()[0]}; run: `python3 bench/playground_speed.py --runs {args.runs} "
                 f"--seconds {args.seconds:.0f} --write`")
    return "\n".join(lines)


def write_readme(table):
    readme = ROOT / "bench" / "README.md"
    text = readme.read_text() if readme.exists() else "# Benchmarks\n"
    section = (f"{START}\n## Playground training speed (bench/playground_speed.py)\n\n"
               "The page as a person uses it: Train pressed, the epoch counter it shows read every 25 ms, "
               "drawing on (heatmap, network diagram, charts; the worker trains ahead, the page draws the "
               "newest snapshot, at most ~33 frames a second). TF Playground's numbers are DESIGN.md's, "
               "measured on this machine (it draws one epoch per frame).\n\n"
               f"{table}\n{END}")
    if START in text and END in text:
        text = text[:text.index(START)] + section + text[text.index(END) + len(END):]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    readme.write_text(text)
    print(f"wrote {readme}")


if __name__ == "__main__":
    main()
