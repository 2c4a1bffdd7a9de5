"""Eager ``grad`` of a least-squares loss over a large data matrix, beside NumPy.

A constant array a traced operation reads is copied up to 1 MiB
(``freezing.KEEP_BYTES``) and read in place above it, with samples compared
when the function returns. This measures what that costs: the loss in NumPy
alone, and ``tg.grad`` of it (CPU time, BLAS on one thread, medians).

  .venv/bin/python benchmarks/big_data.py            # X of 100,000 x 100 (80 MB)
  .venv/bin/python benchmarks/big_data.py --rows 10000
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from _common import table  # noqa: E402

import tapegrad as tg  # noqa: E402


def cpu_median(fn: Callable[[], Any], repeats: int) -> float:
    """The median CPU time of ``fn()`` in seconds (one warm-up)."""
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000, help="rows of X (100 columns)")
    ap.add_argument("--repeats", type=int, default=15)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    X, y, w = rng.normal(size=(args.rows, 100)), rng.normal(size=args.rows), np.zeros(100)

    def loss(w: Any, X: Any, y: Any) -> Any:
        r = X @ w - y
        return np.mean(r * r) + 0.01 * np.sum(w * w)
    g = tg.grad(loss)
    numpy = cpu_median(lambda: loss(w, X, y), args.repeats)
    grad = cpu_median(lambda: g(w, X, y), args.repeats)
    print(f"X: {X.shape}, {X.nbytes / 2**20:.0f} MiB\n")
    print(table([("what", "median CPU", "x NumPy's loss"),
                 ("NumPy: the loss", f"{numpy * 1e3:.2f} ms", "1.00x"),
                 ("tg.grad of the loss", f"{grad * 1e3:.2f} ms", f"{grad / numpy:.2f}x")]))


if __name__ == "__main__":
    main()
