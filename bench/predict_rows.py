"""What one-row-at-a-time prediction costs (issue 11): SequentialModel.predict against the blocked
forward pass it replaced, side by side in one process, interleaved and repeated.

predict runs its products row by row (nnpy.backend.rows_alone) so that each sample's output is
bit for bit the same alone or in a batch; a blocked product (BLAS gemm) rounds a row differently
depending on the batch. Training keeps the blocked products; only prediction pays this.

    .venv/bin/python bench/predict_rows.py [--runs 7] [--write]
"""

import argparse
import os
import platform
import statistics
import time

import numpy as np
from _runner import write_section  # puts the repository on sys.path

from nnpy import SequentialModel

CASES = [("784-128-10 (MNIST)", [784, 128, 10], 10_000), ("2-8-8-1 (playground)", [2, 8, 8, 1], 10_000),
         ("784-128-10, one sample", [784, 128, 10], 1)]


def timed(fn, repeat):
    t = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - t) / repeat * 1000


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--write", action="store_true", help="write the table into bench/README.md")
    args = parser.parse_args()
    rows = []
    for name, sizes, n in CASES:
        model = SequentialModel.from_structure(sizes, seed=0)
        X = np.random.default_rng(0).normal(size=(n, sizes[0]))
        repeat = 1 if n > 1 else 200
        blocked, rowwise = [], []
        for _ in range(args.runs):
            blocked.append(timed(lambda: model.forward(X), repeat))
            rowwise.append(timed(lambda: model.predict(X), repeat))
        b, r = statistics.median(blocked), statistics.median(rowwise)
        rows.append(f"| {name}, {n:,} row{'s' if n > 1 else ''} | {b:.3f} | {r:.3f} | {r / b:.2f} |")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    text = "\n".join([
        "## Prediction one row at a time (bench/predict_rows.py)",
        "",
        f"{time.strftime('%Y-%m-%d')}, CPython {platform.python_version()}, NumPy {np.__version__}, "
        f"{os.cpu_count()} cores (shared; 1-min load average {load:.1f}); {args.runs} interleaved runs, "
        "median ms. `predict` computes each row by itself, so a sample's output does not depend on "
        "the others in the call (bit for bit); `forward` is the blocked pass training uses.",
        "",
        "| model, rows | forward (blocked), ms | predict (row by row), ms | ratio |",
        "|---|---|---|---|",
        *rows,
        "",
        f"run: `.venv/bin/python bench/predict_rows.py --runs {args.runs} --write`",
    ])
    print(text)
    if args.write:
        write_section("predict_rows.py", text)

if __name__ == "__main__":
    main()
