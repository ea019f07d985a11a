"""The 2-D page's engine alone, in Pyodide under node: this checkout against another, side by side.

    python3 build.py && python3 bench/engine_speed.py --reference DIR [--rounds 60]
    python3 build.py && python3 bench/engine_speed.py --without-inside [--rounds 60]

DIR is a checkout of another commit (it needs ``DIR/nnpy`` and its worker,
``DIR/web/js/core/worker.js`` or the older ``DIR/web/js/worker.js``), e.g.
``git worktree add /tmp/ref 6ea1497``. No browser: one node process boots
two Pyodides from this checkout's ``dist/pyodide``, one per nnpy, and each runs
the setup its own worker runs for the 2-D page (read from that worker's
``ENGINES`` table, so the comparison follows what each page really does).

``--without-inside`` compares this checkout with itself minus what Look inside
(issue 13) adds to training: the reference side is a copy of this ``nnpy``
whose layers keep no reference to their delta and whose snapshots take no
gradient-health sample (the only work Look inside asks of a step or a
snapshot while it is closed). That isolates its cost from the rest of what
changed since another commit.

Both configure the same setting (the page's defaults, which give the same
data and weights in both), train 20 epochs, then take turns: in each round
each side runs

- **epochs**: ``trainer.train_epochs(5)``, training alone;
- **chunk**: ``Playground.train(epochs=5)``, five epochs and the snapshot and
  checks the page gets with them (the page's chunks hold more epochs, so the
  snapshot's share is larger here than in the page).

Both sides run the same epochs (the same numbers, bit for bit), so a round
compares like with like. The table gives, per side, the minimum and the 25th
percentile of the microseconds per epoch over the rounds (the machine's noise
only ever adds time), and the ratio reference / this (> 1: this is faster).
Page-level rates are bench/playground_speed.py's.
"""

import argparse
import json
import re
import shutil
import sys
import tempfile
from pathlib import Path

from _runner import COPY_TREE_JS, run_node

ROOT = Path(__file__).resolve().parents[1]

SETTINGS = {
    "spiral, default network (2 features, 4-2 tanh)": {"dataset": "spiral"},
    "spiral, 6x8 tanh, all 7 features": {
        "dataset": "spiral",
        "features": ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"],
        "layers": [{"units": 8, "activation": "tanh"}] * 6},
}

NODE = r"""
import { loadPyodide } from %(pyodide_mjs)s;
%(copy_tree)s
const SIDES = %(sides)s, SETTING = %(setting)s, ROUNDS = %(rounds)d;
const pys = [];
for (const side of SIDES) {
  const py = await loadPyodide({ indexURL: %(index_url)s });
  await py.loadPackage("numpy", { messageCallback: () => {} });
  copyTree(py, side.nnpy, "/bench/nnpy");
  py.globals.set("SETUP", side.setup);
  py.globals.set("SETTING", JSON.stringify(SETTING));
  py.runPython(`
import json, sys, time
sys.path.insert(0, "/bench")
exec(SETUP)
from nnpy.browser.playground import Playground
p = Playground()
p.configure(json.loads(SETTING))
p.train(epochs=20)
def timed(what, n=5):
    t0 = time.perf_counter()
    p.trainer.train_epochs(n) if what == "epochs" else p.train(epochs=n)
    return (time.perf_counter() - t0) / n * 1e6
`);
  pys.push(py);
}
const out = { epochs: SIDES.map(() => []), chunk: SIDES.map(() => []) };
for (let r = 0; r < ROUNDS; r++) {
  for (const what of ["epochs", "chunk"]) {
    const order = r %% 2 ? [1, 0] : [0, 1];
    for (const j of order) out[what][j].push(pys[j].runPython(`timed("${what}")`));
  }
}
console.log(JSON.stringify(out));
"""


# What Look inside adds to training while it is closed, and the text that replaces it in the copy.
WITHOUT_INSIDE = {
    "layers.py": ("        self._grad_out, self._dz = (None if logits else grad_out), dz  # see last_delta\n", ""),
    "browser/playground.py": ("                self._sample_health()\n", ""),
}


def without_inside(dest):
    """A copy of this checkout's nnpy in ``dest`` without Look inside's work during training."""
    shutil.copytree(ROOT / "nnpy", dest / "nnpy", ignore=shutil.ignore_patterns("__pycache__"))
    for rel, (old, new) in WITHOUT_INSIDE.items():
        path = dest / "nnpy" / rel
        text = path.read_text()
        if text.count(old) != 1:
            raise SystemExit(f"nnpy/{rel}: the line to take out is not there once: {old.strip()!r}")
        path.write_text(text.replace(old, new))
    return dest / "nnpy"


def worker_setup(checkout):
    """The setup code the checkout's worker runs before the 2-D engine ("" if none)."""
    for rel in ("web/js/core/worker.js", "web/js/worker.js"):
        path = Path(checkout) / rel
        if path.is_file():
            text = path.read_text()
            m = re.search(r"\n\s*playground:\s*\{(.*?)\},", text, re.S)
            if m is None:
                raise SystemExit(f"{path}: no playground entry in ENGINES")
            setup = re.search(r'setup:\s*"([^"]*)"', m.group(1))
            return setup.group(1).replace("; ", "\n") if setup else ""
    raise SystemExit(f"{checkout}: no web/js/core/worker.js or web/js/worker.js")


def quantile(values, q):
    s = sorted(values)
    return s[int(q * (len(s) - 1))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--reference", help="checkout of another commit")
    which.add_argument("--without-inside", action="store_true",
                       help="against this checkout without Look inside's work during training")
    parser.add_argument("--rounds", type=int, default=60)
    args = parser.parse_args()
    node = shutil.which("node")
    dist = ROOT / "dist" / "pyodide"
    if node is None or not (dist / "pyodide.mjs").is_file():
        raise SystemExit("needs node and dist/pyodide (run: python3 build.py)")
    with tempfile.TemporaryDirectory(prefix="nnpy-without-inside-") as tmp:
        if args.without_inside:
            reference = {"name": "without Look inside", "nnpy": str(without_inside(Path(tmp))),
                         "setup": worker_setup(ROOT)}
        else:
            reference = {"name": "reference", "nnpy": str(Path(args.reference).resolve() / "nnpy"),
                         "setup": worker_setup(args.reference)}
        compare([{"name": "this", "nnpy": str(ROOT / "nnpy"), "setup": worker_setup(ROOT)}, reference],
                dist, args.rounds)


def compare(sides, dist, rounds):
    for side in sides:
        print(f"{side['name']}: {side['nnpy']}, worker setup: {side['setup'] or '(none)'!r}")
    print(f"\n{rounds} rounds of 5 epochs each, alternating; us per epoch, min / 25th percentile\n")
    print(f"| setting | part | this | {sides[1]['name']} | {sides[1]['name']} / this (min, p25) |")
    print("|---|---|---|---|---|")
    for label, setting in SETTINGS.items():
        script = NODE % {"pyodide_mjs": json.dumps(str(dist / "pyodide.mjs")),
                         "index_url": json.dumps(str(dist) + "/"), "sides": json.dumps(sides),
                         "setting": json.dumps(setting), "rounds": rounds, "copy_tree": COPY_TREE_JS}
        out = json.loads(run_node(script).strip().splitlines()[-1])
        for part in ("epochs", "chunk"):
            this, ref = out[part]
            cells = [f"{min(v):.0f} / {quantile(v, 0.25):.0f}" for v in (this, ref)]
            ratio = f"{min(ref) / min(this):.3f}, {quantile(ref, 0.25) / quantile(this, 0.25):.3f}"
            print(f"| {label} | {part} | {cells[0]} | {cells[1]} | {ratio} |", flush=True)

if __name__ == "__main__":
    sys.exit(main())
