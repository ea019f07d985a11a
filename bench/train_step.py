"""One training step of nnpy against a hand-written NumPy MLP doing the same maths.

A step is: forward a mini-batch through ReLU hidden layers and a softmax
output, the softmax cross-entropy loss from the logits, backpropagation with
the fused gradient ``(p - y) / n``, and a plain SGD update of every weight.
The hand-written MLP is what a careful person writes in NumPy for exactly
that (``x @ W``, ``+= b``, ``np.maximum``, ...): the floor for any framework
built on NumPy. PyTorch CPU is another column when ``import torch`` works.

Method: all contenders live in one process and start from the same weights;
the script first checks that one step gives the same weights and loss in each
(so the maths really is the same), then times them interleaved: in every round
each contender runs a block of steps (the order rotates), and the table gives
the median time per step over the rounds and the median of the per-round ratios.

    python bench/train_step.py                  # the table (CPython)
    python bench/train_step.py --count          # NumPy calls per step, 2-8-8-2 network
    python bench/train_step.py --pyodide        # the same table in Pyodide (node + dist/pyodide)
    python bench/train_step.py --before DIR     # add a column for the nnpy package in DIR/nnpy
    python bench/train_step.py --write --before DIR   # both tables into bench/README.md

``--before`` compares with another version of the core, e.g. the first one:
``mkdir /tmp/before && git archive 41fc9e9 nnpy | tar -x -C /tmp/before``.
``--pyodide`` needs ``node`` and a built ``dist/pyodide`` (``python build.py``).

BLAS runs one thread unless ``--threads N``: on a shared two-core machine a
second BLAS thread that waits for a busy core costs milliseconds. Benchmark
against a current NumPy with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset (see
the env notes); the machine line says which BLAS kernel ran.
"""

import os
import sys

THREADS = "1"  # read before NumPy is imported
for _i, _arg in enumerate(sys.argv):
    if _arg.startswith("--threads"):
        THREADS = _arg.split("=", 1)[1] if "=" in _arg else sys.argv[_i + 1]
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = THREADS

import argparse  # noqa: E402
import collections  # noqa: E402
import datetime  # noqa: E402
import importlib.util  # noqa: E402
import platform  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import nnpy  # noqa: E402

CONFIGS = [([2, 8, 8, 2], 10), ([784, 128, 10], 64), ([784, 256, 128, 10], 128)]
DTYPES = [np.float32, np.float64]
LR = 0.01
TARGET = 1.15
IN_PYODIDE = sys.platform == "emscripten"


# ---------------------------------------------------------------------------
# The hand-written MLP: the same maths, written out plainly.

class HandMLP:
    def __init__(self, weights, biases, lr):
        self.W = [w.copy() for w in weights]
        self.b = [b.copy() for b in biases]
        self.lr = lr

    def step(self, X, Y):
        W, b = self.W, self.b
        # forward: ReLU hidden layers, logits at the top
        acts = [X]
        h = X
        for i in range(len(W) - 1):
            z = h @ W[i]
            z += b[i]
            h = np.maximum(z, 0)
            acts.append(h)
        z = h @ W[-1]
        z += b[-1]
        # softmax cross-entropy from the logits, and its gradient (p - y) / n
        n = X.shape[0]
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        s = e.sum(axis=1, keepdims=True)
        loss = float(np.sum(Y * (np.log(s) - z))) / n
        dz = e / s
        dz -= Y
        dz *= 1.0 / n
        # backward, and SGD on each weight as soon as its gradient is known
        for i in range(len(W) - 1, -1, -1):
            dW = acts[i].T @ dz
            db = dz.sum(axis=0)
            if i > 0:
                dz = dz @ W[i].T
                dz *= acts[i] > 0
            W[i] -= self.lr * dW
            b[i] -= self.lr * db
        return loss


# ---------------------------------------------------------------------------

def load_package(directory, name):
    """Import the ``nnpy`` package found in ``directory/nnpy`` under the module name ``name``."""
    init = Path(directory) / "nnpy" / "__init__.py"
    if not init.is_file():
        raise SystemExit(f"no nnpy package in {directory} (expected {init})")
    spec = importlib.util.spec_from_file_location(name, init,
                                                  submodule_search_locations=[str(init.parent)])
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def nnpy_step(package, sizes, batch, dtype, X, labels, **options):
    model = package.SequentialModel.from_structure(sizes, seed=0, dtype=dtype)
    trainer = package.Trainer(model, "softmax_cross_entropy", lr=LR, seed=0, **options)
    _, Y = trainer.prepare(X, labels)
    return model, trainer, Y


def make_contenders(sizes, batch, dtype, with_torch=False, before=None):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((batch, sizes[0])).astype(dtype)
    labels = rng.integers(0, sizes[-1], batch)

    model, trainer, Y = nnpy_step(nnpy, sizes, batch, dtype, X, labels)
    hand = HandMLP([l.W for l in model.layers], [l.b for l in model.layers], LR)
    contenders = {"numpy": lambda: hand.step(X, Y), "nnpy": lambda: trainer.train_step(X, Y)}
    weights = {"numpy": lambda: hand.W, "nnpy": lambda: [l.W for l in model.layers]}

    # the engines' path: Trainer(fast=True) (flat vector, in-place optimizer) and backend.fast
    # (DenseLayer's products into preallocated gradients); the default above is the readable path
    fast_model, fast_trainer, _ = nnpy_step(nnpy, sizes, batch, dtype, X, labels, fast=True)

    def fast_step():
        previous = nnpy.backend.use_fast(True)
        try:
            return fast_trainer.train_step(X, Y)
        finally:
            nnpy.backend.use_fast(previous)

    contenders["fast"] = fast_step
    weights["fast"] = lambda: [l.W for l in fast_model.layers]

    if before is not None:
        old_model, old_trainer, _ = nnpy_step(before, sizes, batch, dtype, X, labels)
        old_model.load_state_dict(model.state_dict())
        contenders["before"] = lambda: old_trainer.train_step(X, Y)
        weights["before"] = lambda: [l.W for l in old_model.layers]

    if with_torch:
        import torch
        tdtype = torch.float32 if dtype == np.float32 else torch.float64
        mods = []
        for i, layer in enumerate(model.layers):
            lin = torch.nn.Linear(layer.in_features, layer.out_features).to(tdtype)
            with torch.no_grad():
                lin.weight.copy_(torch.from_numpy(layer.W.T.copy()))
                lin.bias.copy_(torch.from_numpy(layer.b.copy()))
            mods.append(lin)
            if i < len(model.layers) - 1:
                mods.append(torch.nn.ReLU())
        net = torch.nn.Sequential(*mods)
        opt = torch.optim.SGD(net.parameters(), lr=LR)
        tx, ty = torch.from_numpy(X), torch.from_numpy(labels)

        def torch_step():
            opt.zero_grad(set_to_none=True)
            loss = torch.nn.functional.cross_entropy(net(tx), ty)
            loss.backward()
            opt.step()
            return loss.item()

        contenders["torch"] = torch_step
        weights["torch"] = lambda: [m.weight.detach().numpy().T for m in mods
                                    if isinstance(m, torch.nn.Linear)]
    return contenders, weights


def check_same_maths(contenders, weights, dtype):
    """One step each from the same weights must give the same weights and loss."""
    losses = {name: step() for name, step in contenders.items()}
    tol = 1e-4 if dtype == np.float32 else 1e-10
    ref = weights["numpy"]()
    for name in contenders:
        for a, b in zip(weights[name](), ref):
            np.testing.assert_allclose(a, b, rtol=tol, atol=tol, err_msg=f"{name} differs")
        assert abs(losses[name] - losses["numpy"]) <= tol * max(1.0, abs(losses["numpy"])), losses


def time_interleaved(contenders, rounds, block_seconds):
    names = list(contenders)
    per_step = {}
    for name in names:  # calibrate: steps per block for the slowest contender
        t0 = time.perf_counter()
        k = 0
        while time.perf_counter() - t0 < 0.05:
            contenders[name]()
            k += 1
        per_step[name] = (time.perf_counter() - t0) / k
    inner = max(1, int(block_seconds / max(per_step.values())))
    times = {name: [] for name in names}
    for r in range(rounds):
        order = names[r % len(names):] + names[:r % len(names)]
        for name in order:
            step = contenders[name]
            t0 = time.perf_counter()
            for _ in range(inner):
                step()
            times[name].append((time.perf_counter() - t0) / inner)
    return times


COLUMNS = {"nnpy": "nnpy", "fast": "nnpy engines' path", "before": "nnpy before", "torch": "PyTorch"}


def run_table(rounds, block_seconds, with_torch, before, configs=CONFIGS):
    if IN_PYODIDE:  # let the engine compile the hot WebAssembly first (tier-up)
        contenders, _ = make_contenders(*configs[0], np.float32, False, before)
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < 3.0:
            for step in contenders.values():
                step()
    rows = []
    for sizes, batch in configs:
        for dtype in DTYPES:
            contenders, weights = make_contenders(sizes, batch, dtype, with_torch, before)
            check_same_maths(contenders, weights, dtype)
            times = time_interleaved(contenders, rounds, block_seconds)
            row = {"net": "-".join(map(str, sizes)), "batch": batch, "dtype": np.dtype(dtype).name,
                   "us": {k: statistics.median(v) * 1e6 for k, v in times.items()},
                   "ratio": {k: statistics.median(a / b for a, b in zip(v, times["numpy"]))
                             for k, v in times.items() if k != "numpy"}}
            rows.append(row)
            if len(rows) == 1:
                print(format_header(row))
            print(format_row(row), flush=True)
    return rows


def format_header(row):
    head = "| network | batch | dtype | NumPy by hand µs |"
    rule = "|---|---:|---|---:|"
    for key in row["ratio"]:
        head += f" {COLUMNS[key]} µs | {COLUMNS[key]} / NumPy |"
        rule += "---:|---:|"
    return head + "\n" + rule


def format_row(row):
    s = f"| {row['net']} | {row['batch']} | {row['dtype']} | {row['us']['numpy']:,.1f} |"
    for key, ratio in row["ratio"].items():
        bold = "**" if key == "nnpy" else ""
        s += f" {row['us'][key]:,.1f} | {bold}{ratio:.3f}{bold} |"
    return s


def verdict(rows):
    worst = max(r["ratio"]["nnpy"] for r in rows)
    if worst <= TARGET:
        return f"nnpy within the {TARGET}x target everywhere (worst {worst:.3f})."
    return f"nnpy misses the {TARGET}x target (worst {worst:.3f})."


# ---------------------------------------------------------------------------
# Counting NumPy calls: every array of the step is an instance of this
# subclass, which counts each top-level ufunc call (operators included) and
# each NumPy function call; calls NumPy makes inside those are not counted,
# nor are slicing, attribute access (.T) and methods that call no ufunc.

class Counted(np.ndarray):
    depth = 0
    calls = collections.Counter()

    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        if Counted.depth == 0:
            Counted.calls[ufunc.__name__ + ("" if method == "__call__" else "." + method)] += 1
        Counted.depth += 1
        try:
            args = [x.view(np.ndarray) if isinstance(x, Counted) else x for x in inputs]
            if out is not None:
                kwargs["out"] = tuple(o.view(np.ndarray) if isinstance(o, Counted) else o
                                      for o in out)
            result = getattr(ufunc, method)(*args, **kwargs)
        finally:
            Counted.depth -= 1
        if out is not None:
            return out[0] if len(out) == 1 else out
        return result.view(Counted) if isinstance(result, np.ndarray) else result

    def __array_function__(self, func, types, args, kwargs):
        if Counted.depth == 0:
            Counted.calls[func.__name__] += 1
        Counted.depth += 1
        try:
            return super().__array_function__(func, types, args, kwargs)
        finally:
            Counted.depth -= 1


def _count(step, steps=5):
    step()  # warm-up: first-step allocations
    Counted.calls = collections.Counter()
    for _ in range(steps):
        step()
    return {k: v / steps for k, v in Counted.calls.items()}


def _counted_model(model):
    """Make a model's flat parameter and gradient vectors (and every view of them) counted."""
    flat_p = model._flat_params.view(Counted)
    flat_g = model._flat_grads.view(Counted)
    offset = 0
    for layer in model.layers:
        for key, p in layer.params.items():
            layer.params[key] = flat_p[offset:offset + p.size].reshape(p.shape)
            layer.grads[key] = flat_g[offset:offset + p.size].reshape(p.shape)
            offset += p.size
    model._flat_params, model._flat_grads = flat_p, flat_g


def count_calls(before=None):
    """NumPy calls per training step, for each contender: the benchmark's 2-8-8-2 network,
    and the playground's default (2-4-2-1: tanh hidden layers, sigmoid output with BCE)."""
    sizes, batch = CONFIGS[0]
    rng = np.random.default_rng(0)
    X = rng.standard_normal((batch, sizes[0])).view(Counted)
    labels = rng.integers(0, sizes[-1], batch)
    result = {}
    packages = [("nnpy", nnpy)] + ([("before", before)] if before is not None else [])
    for name, package in packages:
        model, trainer, Y = nnpy_step(package, sizes, batch, np.float64, X.view(np.ndarray), labels)
        _counted_model(model)
        Yc = Y.view(Counted)
        result[name] = _count(lambda: trainer.train_step(X, Yc))
        if name == "nnpy":
            hand = HandMLP([l.W for l in model.layers], [l.b for l in model.layers], LR)
            hand.W = [w.view(Counted) for w in hand.W]
            hand.b = [b.view(Counted) for b in hand.b]
            result["numpy"] = _count(lambda: hand.step(X, Yc))
        # the playground's default network
        model = package.SequentialModel([package.DenseLayer(2, 4, "tanh"),
                                         package.DenseLayer(4, 2, "tanh"),
                                         package.DenseLayer(2, 1, "sigmoid")], seed=0)
        trainer = package.Trainer(model, "binary_cross_entropy", lr=0.03, seed=0)
        _, Yb = trainer.prepare(X.view(np.ndarray), labels)
        _counted_model(model)
        Yb = Yb.view(Counted)
        result[name + " playground"] = _count(lambda: trainer.train_step(X, Yb))
    return result


def format_counts(counts):
    lines = []
    for name in ("numpy", "nnpy", "before", "nnpy playground", "before playground"):
        if name in counts:
            calls = counts[name]
            detail = ", ".join(f"{k} {v:g}" for k, v in sorted(calls.items(), key=lambda kv: -kv[1]))
            base = name.split()[0]
            label = "NumPy by hand" if base == "numpy" else COLUMNS[base]
            if name.endswith("playground"):
                label += ", playground default 2-4-2-1 (tanh, sigmoid + BCE)"
            else:
                label += ", 2-8-8-2"
            lines.append(f"- {label}: {sum(calls.values()):g} ({detail})")
    return "\n".join(lines)


# ---------------------------------------------------------------------------
# Pyodide: the same script, run by node in Pyodide from dist/pyodide.

NODE_SCRIPT = """
import { loadPyodide } from %(pyodide_mjs)s;
%(copy_tree)s
const py = await loadPyodide({ indexURL: %(index_url)s, stdout: (s) => console.log(s) });
await py.loadPackage("numpy", { messageCallback: () => {} });
for (const [src, dst] of %(trees)s) copyTree(py, src, dst);
py.globals.set("ARGV", %(argv)s);
py.runPython(`
import sys
sys.argv = list(ARGV)
sys.path.insert(0, "/work/bench")
import train_step
train_step.main()
`);
"""


def run_in_pyodide(argv):
    """Run this script's table in Pyodide under node; returns its output."""
    import json
    dist = ROOT / "dist" / "pyodide"
    node = shutil.which("node")
    if node is None or not (dist / "pyodide.mjs").is_file():
        raise SystemExit("--pyodide needs node and dist/pyodide (run: python build.py)")
    trees = [[str(ROOT / "nnpy"), "/work/nnpy"], [str(ROOT / "bench"), "/work/bench"]]
    if "--before" in argv:
        i = argv.index("--before")
        trees.append([str(Path(argv[i + 1]).resolve() / "nnpy"), "/before/nnpy"])
        argv = argv[:i + 1] + ["/before"] + argv[i + 2:]
    from _runner import COPY_TREE_JS, run_node   # CPython only: this module also runs inside Pyodide
    script = NODE_SCRIPT % {
        "pyodide_mjs": json.dumps(str(dist / "pyodide.mjs")), "copy_tree": COPY_TREE_JS,
        "index_url": json.dumps(str(dist) + "/"), "trees": json.dumps(trees),
        "argv": json.dumps(["train_step.py"] + argv)}
    return run_node(script)


# ---------------------------------------------------------------------------

def machine_line(with_torch):
    if IN_PYODIDE:
        import pyodide
        return (f"Pyodide {pyodide.__version__}, Python {platform.python_version()}, "
                f"NumPy {np.__version__} (no BLAS), in node")
    cpu = platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    blas = "BLAS details unknown (pip install threadpoolctl)"
    try:
        from threadpoolctl import threadpool_info
        info = [p for p in threadpool_info() if p.get("user_api") == "blas"]
        if info:
            p = info[0]
            blas = (f"{p.get('internal_api')} {p.get('version')}, kernel {p.get('architecture')}, "
                    f"{p.get('num_threads')} thread(s)")
    except ImportError:
        pass
    parts = [f"Python {platform.python_version()}", f"NumPy {np.__version__} ({blas})",
             f"{cpu}, {os.cpu_count()} cores"]
    if with_torch:
        import torch
        parts.append(f"PyTorch {torch.__version__} ({torch.get_num_threads()} thread(s))")
    env = [k for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if k in os.environ]
    if env:
        parts.append("with " + ", ".join(f"{k}={os.environ[k]}" for k in env))
    return "; ".join(parts)


def write_readme(text):
    from _runner import write_section  # imports build.py: not in Pyodide, where this never runs
    write_section("train_step.py", text)


SECTION = """## Training step (bench/train_step.py)

One step (forward, softmax cross-entropy from the logits, backward, SGD update;
ReLU hidden layers, softmax output) of `Trainer.train_step` against a
hand-written NumPy MLP doing the same maths (the floor for a NumPy framework),
plus PyTorch CPU where installed, and the core as it was before the speed work
(`nnpy before`: commit 41fc9e9). All start from the same weights in one process;
one step of each is first checked to give the same weights and loss. Interleaved,
{rounds} rounds of about {block:g} ms per contender; median µs per step, and the
median of the per-round ratios. Target: nnpy / NumPy ≤ 1.15.

{date}, CPython: {machine}. BLAS on one thread; the machine was shared with
other jobs (load average {load}).

{table}

{verdict}

The same in Pyodide, {pyodide_rounds} rounds of about 100 ms: {pyodide_machine}. A tiny
NumPy call costs 1–2 µs there in node (about 9 µs in Chromium's worker, see the
design notes), so the small network's time is mostly its NumPy calls. The
MNIST-sized rows there time one or two steps of 10–80 ms a round on a shared
machine: their ratios carry several per cent of noise.

{pyodide_table}

NumPy calls per training step (ufunc and NumPy function calls, operators
included; `python bench/train_step.py --count --before DIR`):

{counts}

Run: `python bench/train_step.py --write --before DIR --rounds {rounds}` (with
`git archive 41fc9e9 nnpy | tar -x -C DIR`); `--pyodide` alone prints the Pyodide table.
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=None,
                        help="interleaved rounds (default 41; 9 in Pyodide)")
    parser.add_argument("--block", type=float, default=0.02,
                        help="seconds per contender per round (default 0.02)")
    parser.add_argument("--threads", default="1",
                        help="BLAS (and PyTorch) threads (default 1; read before NumPy loads)")
    parser.add_argument("--no-torch", action="store_true", help="leave PyTorch out")
    parser.add_argument("--before", metavar="DIR",
                        help="also time the nnpy package in DIR/nnpy (an older core)")
    parser.add_argument("--count", action="store_true", help="count NumPy calls per step only")
    parser.add_argument("--pyodide", action="store_true", help="run the table in Pyodide (node)")
    parser.add_argument("--write", action="store_true",
                        help="run both tables and write them into bench/README.md")
    args = parser.parse_args()
    before = load_package(args.before, "nnpy_before") if args.before else None

    if args.count:
        print(format_counts(count_calls(before)))
        return
    if args.pyodide and not IN_PYODIDE:
        print(run_in_pyodide([a for a in sys.argv[1:] if a != "--pyodide"]), end="")
        return

    with_torch = False
    if not args.no_torch and not IN_PYODIDE:
        try:
            import torch
            torch.set_num_threads(int(THREADS))
            with_torch = True
        except ImportError:
            print("(PyTorch not installed: no PyTorch column)")
    rounds = args.rounds or (9 if IN_PYODIDE else 41)
    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    print(machine_line(with_torch))
    print(f"{rounds} rounds, about {args.block * 1000:g} ms per contender per round\n")
    rows = run_table(rounds, args.block, with_torch, before)
    print("\n" + verdict(rows))
    if args.write:
        forwarded = [a for a in sys.argv[1:] if a not in ("--write",)]
        if "--rounds" in forwarded:
            i = forwarded.index("--rounds")
            del forwarded[i:i + 2]
        pyodide_rounds = 9
        out = run_in_pyodide(forwarded + ["--rounds", str(pyodide_rounds), "--block", "0.1"])
        print(out, end="")
        lines = out.splitlines()
        pyodide_table = "\n".join(l for l in lines if l.startswith("|"))
        pyodide_verdict = next((l for l in lines if l.startswith("nnpy ")), "")
        write_readme(SECTION.format(
            date=datetime.date.today().isoformat(), machine=machine_line(with_torch),
            rounds=rounds, block=args.block * 1000,
            table="\n".join([format_header(rows[0])] + [format_row(r) for r in rows]),
            verdict=verdict(rows), pyodide_machine=lines[0], pyodide_rounds=pyodide_rounds,
            load=f"{load_before:.1f} at the start of the run, {os.getloadavg()[0]:.1f} at the end",
            pyodide_table=pyodide_table + "\n\n" + pyodide_verdict,
            counts=format_counts(count_calls(before))))


if __name__ == "__main__":
    main()
