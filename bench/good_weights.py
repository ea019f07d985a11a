"""The cost of keeping the last good weights (nnpy.trainer.GoodWeights) when training by epochs.

    mkdir /tmp/before && git archive 6ea1497 nnpy | tar -x -C /tmp/before   # the trainer without it
    python bench/good_weights.py --before /tmp/before [--rounds 21] [--write]

Whole epochs (``Trainer.train_epochs(1)``, what both pages run) of the current trainer against
the one before the guard, from the same weights, interleaved in rounds of about 50 ms each;
the median ms per epoch and the median of the per-round ratios. Cases: the playground's default
network on the spiral (2-4-2-1 tanh, 250 points, batch 10: many tiny steps, where per-step
Python overhead shows most), and an MNIST-sized one (784-128-10 ReLU, 2,000 random inputs,
batch 64: where the per-epoch copy of the weights is largest). --write puts the table into
bench/README.md between its markers.
"""

import os
import sys

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import datetime  # noqa: E402
import statistics  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
import nnpy  # noqa: E402
from _runner import write_section  # noqa: E402
from train_step import load_package, time_interleaved  # noqa: E402


def cases():
    X, y = nnpy.make_dataset("spiral", 250, 0.0, seed=1)
    rng = np.random.default_rng(0)
    Xm = rng.random((2000, 784)).astype(np.float32)
    ym = rng.integers(0, 10, 2000)
    return [
        ("playground default: 2-4-2-1 tanh, 250 points, batch 10", [2, 4, 2, 1], "tanh", "sigmoid",
         "binary_cross_entropy", X, y, 10, np.float64),
        ("MNIST-sized: 784-128-10 ReLU, 2,000 inputs, batch 64", [784, 128, 10], "relu", "softmax",
         "softmax_cross_entropy", Xm, ym, 64, np.float32),
    ]


def trainer_of(package, sizes, hidden, out, loss, X, y, batch, dtype):
    model = package.SequentialModel.from_structure(sizes, hidden_activation=hidden, output_activation=out,
                                                   seed=0, dtype=dtype)
    trainer = package.Trainer(model, loss, lr=0.01, batch_size=batch, seed=0)
    trainer.set_data(X, y)
    return model, trainer


def run(before, rounds):
    rows = []
    for name, *case in cases():
        new_model, new = trainer_of(nnpy, *case)
        old_model, old = trainer_of(before, *case)
        new.train_epochs(1)
        old.train_epochs(1)  # the same maths: the same weights after an epoch
        assert np.array_equal(new_model.flat_parameters[0], old_model.flat_parameters[0]), name
        times = time_interleaved({"nnpy": lambda: new.train_epochs(1), "before": lambda: old.train_epochs(1)},
                                 rounds, 0.05)
        ratios = [a / b for a, b in zip(times["nnpy"], times["before"])]
        rows.append((name, statistics.median(times["before"]) * 1e3, statistics.median(times["nnpy"]) * 1e3,
                     statistics.median(ratios), min(ratios), max(ratios)))
    return rows


def table(rows, rounds):
    load = os.getloadavg()[0]
    lines = ["## Keeping the last good weights (bench/good_weights.py)", "",
             "Whole epochs (`Trainer.train_epochs(1)`) with the divergence guard's per-epoch copy of the "
             "weights against the trainer before it (commit 6ea1497), from the same weights, interleaved "
             f"in {rounds} rounds of about 50 ms; median ms per epoch and the median (min–max) of the "
             "per-round ratios. Target: within noise of 1.00.", "",
             f"{datetime.date.today()}, CPython {sys.version.split()[0]}, NumPy {np.__version__}, BLAS on one "
             f"thread; the machine was shared (load average {load:.1f} at the end of the run).", "",
             "| case | before ms/epoch | nnpy ms/epoch | nnpy / before |", "|---|---:|---:|---|"]
    for name, old, new, ratio, low, high in rows:
        lines.append(f"| {name} | {old:.3f} | {new:.3f} | **{ratio:.3f}** ({low:.2f}–{high:.2f}) |")
    lines += ["", "Run: `python bench/good_weights.py --before DIR --write` (with "
              "`git archive 6ea1497 nnpy | tar -x -C DIR`)."]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", required=True, help="a directory holding the nnpy package to compare with")
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--write", action="store_true", help="put the table into bench/README.md")
    args = parser.parse_args()
    before = load_package(args.before, "nnpy_before")
    text = table(run(before, args.rounds), args.rounds)
    print(text)
    if args.write:
        write_section("good_weights.py", text)

if __name__ == "__main__":
    main()
