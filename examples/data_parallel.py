"""The dense moons step, data parallel: tg.data_parallel on a local Dask cluster.

  python examples/data_parallel.py                     # 10^6 points, 2 workers, 5 steps
  python examples/data_parallel.py --n 100000 --steps 20 --chunks 8
  python examples/data_parallel.py --workers 1         # one worker process: compare
  python examples/data_parallel.py --workers 0         # no cluster: Dask's threads

Needs Dask: pip install -e ".[dask,examples]" in a checkout, elsewhere
pip install "dask[array]>=2024.1" "distributed>=2024.1" (an older
distributed does not import with a newer dask). The model is moons.py's
dense one (MLP 2-16-16-1 as array parameters; mean hinge loss plus 1e-4
times the L2 norm; SGD), the data are --n two-moons points with noise 0.1.
Each worker makes its chunks of the data itself and keeps them (they never
travel); a step sends the parameters, runs the compiled value-and-gradient
(tg.jit) once per chunk on the workers, sums the chunks' gradients on the
cluster (a tree sum, each chunk weighted by its rows) and brings back only
the loss, the accuracy and the gradient, in one Dask compute. The update
itself is a few small arrays, done here.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np
from _progress import Progress

import tapegrad as tg

ALPHA, LR = 1e-4, 0.5
DASK_HINT = ('pip install -e ".[dask,examples]" in a checkout '
             '(elsewhere pip install "dask[array]>=2024.1" "distributed>=2024.1")')


def moons_chunk(n: int, seed: int) -> np.ndarray:
    """``n`` two-moons points with noise 0.1 as rows ``(x1, x2, label)``, labels -1 and +1."""
    rng = np.random.default_rng(seed)
    t = rng.uniform(0.0, np.pi, n)
    upper = rng.random(n) < 0.5
    X = np.where(upper[:, None], np.stack([np.cos(t), np.sin(t)], 1),
                 np.stack([1 - np.cos(t), 0.5 - np.sin(t)], 1))
    X += rng.normal(scale=0.1, size=X.shape)
    return np.column_stack([X, np.where(upper, -1.0, 1.0)])


def make_data(n: int, chunks: int) -> tuple[Any, Any]:
    """The points as Dask arrays ``X`` (n, 2) and ``y`` (n,), each chunk made where it runs."""
    import dask
    import dask.array as da
    sizes = [n // chunks + (k < n % chunks) for k in range(chunks)]
    blocks = [da.from_delayed(dask.delayed(moons_chunk)(size, seed), (size, 3), float)
              for seed, size in enumerate(sizes) if size]
    data = da.concatenate(blocks)
    return data[:, :2], data[:, 2]


def loss(params: Any, X: np.ndarray, y: np.ndarray) -> tuple[Any, Any]:
    """Mean hinge loss + ALPHA * L2 over a chunk, and the chunk's accuracy (the aux)."""
    scores = tg.nn.mlp(params, X)[:, 0]
    accuracy = tg.mean(tg.stop_gradient(scores) * y > 0)
    return tg.mean(tg.nn.hinge(scores, y)) + ALPHA * tg.nn.l2(params), accuracy


def train(n: int, workers: int, chunks: int, steps: int, progress: bool) -> dict[str, float]:
    """``steps`` SGD steps from ``dense_init([2, 16, 16, 1])``; the last loss and the timings."""
    import dask
    X, y = make_data(n, chunks)
    X, y = dask.persist(X, y)              # made once on the workers, kept there
    step = tg.data_parallel(tg.jit(tg.value_and_grad(loss, has_aux=True)), in_axes=(None, 0, 0))
    params = tg.nn.dense_init([2, 16, 16, 1], seed=0)
    bar = Progress(steps, f"{n} points, {chunks} chunks", progress)
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        (value, accuracy), grads = step(params, X, y)
        params = tg.tree.map(lambda p, g: p - LR * g, params, grads)
        times.append(time.perf_counter() - t0)
        bar.update(loss=f"{value:.4f}", accuracy=f"{accuracy:.1%}")
    bar.close()
    return {"loss": float(value), "accuracy": float(accuracy), "first": times[0],
            "per_step": float(np.median(times[1:] if steps > 1 else times))}


def _import_problem(module: str) -> str | None:
    """None if ``module`` imports, "" if it is not installed, else why it does not import."""
    try:
        __import__(module)
    except ImportError as e:
        if isinstance(e, ModuleNotFoundError) and e.name == module:
            return ""
        return f"{module} does not import ({type(e).__name__}: {e})"
    return None


def main() -> None:
    parser = argparse.ArgumentParser(
        description="The dense moons step on Dask: tg.data_parallel of "
                    "tg.jit(tg.value_and_grad(loss)), one task per chunk, the gradients "
                    f"summed on the cluster. Needs Dask: {DASK_HINT}.")
    parser.add_argument("--n", type=int, default=10**6, help="number of points (default 10^6)")
    parser.add_argument("--workers", type=int, default=2,
                        help="worker processes of the local Dask cluster, one thread each "
                             "(default 2); 0 runs on Dask's threads in this process")
    parser.add_argument("--chunks", type=int, default=None,
                        help="chunks the points are split in (default: one per worker)")
    parser.add_argument("--steps", type=int, default=5, help="SGD steps (default 5)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    args = parser.parse_args()
    if min(args.n, args.steps, 1 if args.chunks is None else args.chunks) < 1 or args.workers < 0:
        parser.error("--n, --steps and --chunks must be positive, --workers at least 0")
    chunks = args.chunks or max(args.workers, 1)
    needed = ("dask", "distributed") if args.workers else ("dask",)   # a cluster or threads
    found = {m: _import_problem(m) for m in needed}
    missing = [m for m, p in found.items() if p == ""]
    problems = [p for p in found.values() if p] + (
        [f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not installed"]
        if missing else [])
    if problems:
        parser.exit(2, f"{parser.prog}: {'; '.join(problems)}; {DASK_HINT} brings Dask.\n")
    start = time.perf_counter()
    if args.workers:
        from distributed import Client, LocalCluster
        with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                          dashboard_address=None) as cluster, Client(cluster):
            print(f"local Dask cluster: {args.workers} worker processes "
                  f"({time.perf_counter() - start:.1f} s to start)")
            result = train(args.n, args.workers, chunks, args.steps, not args.no_progress)
    else:
        print("Dask's threads in this process")
        result = train(args.n, args.workers, chunks, args.steps, not args.no_progress)
    print(f"after {args.steps} steps: loss {result['loss']:.4f}, "
          f"accuracy {result['accuracy']:.1%}")
    print(f"first step (waits for the data, compiles on each worker): {result['first']:.2f} s; "
          f"time per step after it: {1000 * result['per_step']:.0f} ms")


if __name__ == "__main__":
    main()
