"""Beyond NumPy in one process: tg.data_parallel on a local Dask cluster.

  .venv/bin/pip install -e ".[dask]"
  .venv/bin/python benchmarks/backends.py            # n = 10^6 and n = 100 in 15 chunks
  .venv/bin/python benchmarks/backends.py --quick    # n = 10^5, fewer rounds
  .venv/bin/python benchmarks/backends.py --smoke    # a tiny run: does it work at all
  .venv/bin/python benchmarks/backends.py --overhead # only n = 100 in 15 chunks vs Dask's floor

The step: the dense moons step of benchmarks/dense.py (MLP 2-16-16-1 as
array parameters, mean hinge loss + 1e-4 * L2), its value and gradient
compiled (tg.jit), run by tg.data_parallel with one task per chunk and the
gradients summed on the cluster. For a LocalCluster of 1 and of 2 worker
processes (one thread each; Dask's workers limit BLAS to one thread) it
measures, as medians:

- step: one call of the data-parallel value and gradient, end to end;
- per-chunk compute: the compiled step on one chunk, timed on a worker
  (the chunk is already there and the function already compiled);
- communication: the same call with a ``fun`` that computes nothing (it
  returns a stored output of the same shapes): building and sending the
  graph, shipping the parameters, the tasks, the reduction tree moving
  gradient-sized outputs, and the result back;
- one process: the compiled step on the whole batch in this process, no
  Dask (NumPy's BLAS free to use every core), the figure to beat.

From them it predicts the step at 8 and 64 workers for n = 10^6 with one
chunk per worker, assuming one core per worker: the per-chunk compute
scaled by the rows of a chunk (n / workers), plus the communication as a
line in the number of chunks fitted through the two measured ones (2 chunks
at n = 10^6 and 15 chunks at n = 100, both at 2 workers); Dask's scheduler
handles each task in turn, so that line grows with the chunks.

A second table puts the n = 100 step (15 chunks) beside Dask's own floor on
each scheduler: the same graph shape (15 tasks and a sum) of functions that
do nothing, so the difference is what ``data_parallel`` adds; on the
LocalCluster also the bare round trip of one no-op ``client.submit`` and of
15 no-ops by ``client.map`` plus a summing task, the least any graph of one
task per chunk can cost there. The step and its floors are timed in turn,
round by round, so the machine's load hits them alike.

A third table (``--array-api`` alone runs only it) puts the same step at
n = 100 on NumPy beside array-api-strict (the standard's reference
library, NumPy underneath: it must give NumPy's numbers bit for bit, and
its time is NumPy's plus the cost of going through the standard) and
beside PyTorch tensors on the CPU, compiled by tg.jit, against PyTorch's
own eager autograd on the same step (target: within 1.5x). PyTorch runs on
one thread there, as the NumPy step does in effect at this size: on this
shared 2-core machine its thread pool made a 100 x 16 matmul 30x slower.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

import numpy as np
from _common import have, table

import tapegrad as tg

ALPHA = 1e-4


def loss(params: Any, X: np.ndarray, y: np.ndarray) -> Any:
    scores = tg.nn.mlp(params, X)[:, 0]
    return tg.mean(tg.nn.hinge(scores, y)) + ALPHA * tg.nn.l2(params)


def moons(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    t = rng.uniform(0.0, np.pi, n)
    upper = rng.random(n) < 0.5
    X = np.where(upper[:, None], np.stack([np.cos(t), np.sin(t)], 1),
                 np.stack([1 - np.cos(t), 0.5 - np.sin(t)], 1))
    return X + rng.normal(scale=0.1, size=X.shape), np.where(upper, -1.0, 1.0)


class Stored:
    """A ``fun`` that computes nothing: it returns a stored output (for the communication)."""

    def __init__(self, out: Any):
        self.out = out

    def __call__(self, *args: Any) -> Any:
        return self.out


def median_seconds(fn: Any, repeats: int) -> float:
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def chunk_seconds(step: Any, params: Any, X: np.ndarray, y: np.ndarray, repeats: int) -> float:
    """Runs on a worker: the compiled step on the chunk it holds."""
    return median_seconds(lambda: step(params, X, y), repeats)


def measure(client: Any, n: int, chunks: int, repeats: int) -> dict[str, float]:
    """Step, per-chunk compute and communication (seconds) at ``n`` points in ``chunks``."""
    import dask
    import dask.array as da
    X, y = moons(n)
    params = tg.nn.dense_init([2, 16, 16, 1], seed=0)
    rows = -(-n // chunks)
    Xd, yd = dask.persist(da.from_array(X, chunks=(rows, 2)), da.from_array(y, chunks=rows))
    step = tg.jit(tg.value_and_grad(loss))
    parallel = tg.data_parallel(step, in_axes=(None, 0, 0))
    for _ in range(3):                      # each worker compiles its chunk shapes
        parallel(params, Xd, yd)
    out = {"step": median_seconds(lambda: parallel(params, Xd, yd), repeats)}
    timer = dask.delayed(chunk_seconds)(step, params, Xd.blocks[0], yd.blocks[0], repeats)
    out["chunk"] = client.compute(timer).result()
    stored = tg.data_parallel(Stored(step(params, X[:rows], y[:rows])), in_axes=(None, 0, 0))
    out["communication"] = median_seconds(lambda: stored(params, Xd, yd), repeats)
    out["rows"] = rows
    return out


def one_process(n: int, repeats: int) -> float:
    X, y = moons(n)
    params = tg.nn.dense_init([2, 16, 16, 1], seed=0)
    step = tg.jit(tg.value_and_grad(loss))
    return median_seconds(lambda: step(params, X, y), repeats)


def data_parallel_table(big: int | None, repeats: int) -> str:
    """The table of the data-parallel step: measured at 1 and 2 workers, predicted at 8, 64.

    ``big=None``: only the rows of n = 100 in 15 chunks (no prediction).
    """
    from distributed import Client, LocalCluster
    configs = [(100, 15)] if big is None else [(big, None), (100, 15)]   # None: chunk/worker
    rows = [("n", "chunks", "workers", "step (ms)", "per-chunk compute (ms)",
             "communication (ms)", "one process (ms)", "one process / step")]
    measured: dict[tuple[int, int], dict[str, float]] = {}
    alone = {n: one_process(n, repeats) for n, _ in configs}
    for workers in (1, 2):
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                          dashboard_address=None) as cluster, Client(cluster) as client:
            for n, chunks in configs:
                c = chunks or workers
                m = measured[(n, workers)] = measure(client, n, c, repeats)
                rows.append((f"{n:,}", str(c), str(workers), f"{1e3 * m['step']:.1f}",
                             f"{1e3 * m['chunk']:.2f}", f"{1e3 * m['communication']:.1f}",
                             f"{1e3 * alone[n]:.1f}", f"{alone[n] / m['step']:.2f}x"))
    if big is None:
        return table(rows)
    # the communication as a line in the number of chunks, through the 2-worker runs
    c_big, c_small = measured[(big, 2)]["communication"], measured[(100, 2)]["communication"]
    per_chunk = (c_small - c_big) / (15 - 2)
    for workers in (8, 64):
        compute = measured[(big, 2)]["chunk"] * 2 / workers
        communication = c_big + per_chunk * (workers - 2)
        total = compute + communication
        rows.append((f"{big:,}", str(workers), f"{workers} (predicted)", f"{1e3 * total:.1f}",
                     f"{1e3 * compute:.2f}", f"{1e3 * communication:.1f}",
                     f"{1e3 * alone[big]:.1f}", f"{alone[big] / total:.2f}x"))
    return table(rows)


def _noop(x: Any) -> Any:
    return x


def _first(x: Any) -> Any:
    return x[0, 0]


def _total(xs: list[Any]) -> Any:
    return sum(xs)


def overhead_table(repeats: int) -> str:
    """n = 100 in 15 chunks on each scheduler: the step, and Dask's floor for that graph.

    The floor is the same graph shape of no-op tasks made with ``dask.delayed``
    (new keys each call) and run by ``dask.compute``; on the LocalCluster also
    the bare round trips of ``distributed``'s own API: one no-op task
    (``client.submit(...).result()``), and 15 no-ops (``client.map``) plus a
    task summing them.
    """
    import dask
    import dask.array as da
    from distributed import Client, LocalCluster, futures_of
    X, y = moons(100)
    params = tg.nn.dense_init([2, 16, 16, 1], seed=0)
    Xd, yd = dask.persist(da.from_array(X, chunks=(7, 2)), da.from_array(y, chunks=7))
    parallel = tg.data_parallel(tg.jit(tg.value_and_grad(loss)), in_axes=(None, 0, 0))
    floor = lambda: dask.compute(dask.delayed(_total)([dask.delayed(_noop)(i)
                                                        for i in range(15)]))
    alone = one_process(100, repeats)
    rows = [("scheduler", "step (ms)", "Dask's floor: 15 empty tasks + a sum (ms)",
             "step - floor (ms)", "one process (ms)")]

    def row(name: str, extra: dict[str, Any] | None = None) -> None:
        fns = {"step": lambda: parallel(params, Xd, yd), "floor": floor, **(extra or {})}
        t = interleaved(fns, repeats)
        rows.append((name, f"{1e3 * t['step']:.2f}", f"{1e3 * t['floor']:.2f}",
                     f"{1e3 * (t['step'] - t['floor']):.2f}", f"{1e3 * alone:.3f}"))
        for k in (extra or {}):
            rows.append((f"{name}: {k}", "", f"{1e3 * t[k]:.2f}", "", ""))
    for scheduler in ("sync", "threads"):
        with dask.config.set(scheduler=scheduler):
            row(f"Dask {scheduler}")
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        Xd, yd = dask.persist(da.from_array(X, chunks=(7, 2)), da.from_array(y, chunks=7))
        row("LocalCluster, 2 workers", {
            "one no-op task, client.submit(...).result()":
                lambda: client.submit(_noop, 0, pure=False).result(),
            "15 no-ops by client.map + a sum by client.submit":
                lambda: client.submit(_total, client.map(_noop, range(15), pure=False),
                                      pure=False).result(),
            "the same on the 15 chunks of X where they are (their futures)":
                lambda: client.submit(_total, client.map(_first, futures_of(Xd), pure=False),
                                      pure=False).result()})
    return table(rows)


def interleaved(fns: dict[str, Any], repeats: int) -> dict[str, float]:
    """Median seconds of each function, run in turn round by round (noise hits all alike)."""
    for fn in fns.values():
        fn()
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(repeats):
        for k, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[k].append(time.perf_counter() - t0)
    return {k: statistics.median(v) for k, v in times.items()}


def torch_autograd_step(params: Any, X: Any, y: Any) -> Any:
    """The dense step in PyTorch's own terms: eager forward, ``torch.autograd.grad``."""
    import torch
    leaves = [p for layer in params for p in (layer["w"], layer["b"])]
    h = X
    for k, layer in enumerate(params):
        h = h @ layer["w"].T + layer["b"]
        h = torch.relu(h) if k < len(params) - 1 else h
    value = torch.relu(1.0 - h[:, 0] * y).mean() + ALPHA * sum((p * p).sum() for p in leaves)
    return value, torch.autograd.grad(value, leaves)


def _same(a: Any, b: Any) -> str:
    leaves = zip(tg.tree.leaves(a), tg.tree.leaves(b))
    if all(np.array_equal(np.asarray(x), np.asarray(y)) for x, y in leaves):
        return "yes, bit for bit"
    return "within rounding" if all(np.allclose(np.asarray(x), np.asarray(y), rtol=1e-12)
                                    for x, y in zip(tg.tree.leaves(a), tg.tree.leaves(b))) \
        else "NO"


def array_api_table(repeats: int) -> str:
    """The dense step (n = 100) on NumPy, array-api-strict and PyTorch (CPU), medians."""
    X, y = moons(100)
    params = tg.nn.dense_init([2, 16, 16, 1], seed=0)
    vg = tg.value_and_grad(loss)
    want = vg(params, X, y)
    rows = [("arrays", "eager grad (ms)", "jit (ms)", "jit / NumPy's jit", "equal to NumPy")]
    libs = [("NumPy", lambda a: a)]
    if have("array_api_strict"):
        import array_api_strict
        libs.append(("array-api-strict", array_api_strict.asarray))
    if have("torch"):
        import torch
        torch.set_num_threads(1)
        libs.append(("PyTorch (CPU)", torch.asarray))
    times = {}
    for name, to in libs:
        args = (tg.tree.map(to, params), to(X), to(y))
        step = tg.jit(vg)
        got = step(*args)
        times[name] = jit = median_seconds(lambda: step(*args), repeats)
        eager = median_seconds(lambda: vg(*args), max(repeats // 4, 3))
        base = times["NumPy"]
        rows.append((name, f"{1e3 * eager:.3f}", f"{1e3 * jit:.3f}", f"{jit / base:.2f}x",
                     _same(got, want)))
    if "PyTorch (CPU)" in times:
        import torch
        tparams = [{k: torch.asarray(v).requires_grad_(True) for k, v in layer.items()}
                   for layer in params]
        tX, ty = torch.asarray(X), torch.asarray(y)
        own = median_seconds(lambda: torch_autograd_step(tparams, tX, ty), repeats)
        rows.append(("PyTorch's own eager autograd", f"{1e3 * own:.3f}", "", "", ""))
        rows.append(("PyTorch: tg.jit / its own autograd", "",
                     f"{times['PyTorch (CPU)'] / own:.2f}x (target <= 1.5x)", "", ""))
    return table(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="n = 10^5 and 5 rounds")
    parser.add_argument("--smoke", action="store_true", help="n = 2000 and 2 rounds")
    parser.add_argument("--overhead", action="store_true",
                        help="only the n = 100 step in 15 chunks beside Dask's floors")
    parser.add_argument("--array-api", action="store_true",
                        help="only the table of array libraries (NumPy, array-api-strict, torch)")
    args = parser.parse_args()
    if not args.overhead:
        print("The dense step at n = 100 on each array library (medians):\n")
        print(array_api_table(5 if args.smoke else 200))
    if args.array_api:
        return
    if not (have("dask") and have("distributed")):
        print('tg.data_parallel: skipped (pip install -e ".[dask]")')
        return
    if args.overhead:
        print("tg.data_parallel of the dense moons step, n = 100 only (medians):\n")
        print(data_parallel_table(None, 15))
        print("\nn = 100 in 15 chunks, by scheduler (medians):\n")
        print(overhead_table(40))
        return
    big, repeats = (2000, 2) if args.smoke else (10**5, 5) if args.quick else (10**6, 9)
    print("tg.data_parallel of the dense moons step (jit of value_and_grad), medians:\n")
    print(data_parallel_table(big, repeats))
    print("\nn = 100 in 15 chunks, by scheduler (medians):\n")
    print(overhead_table(max(repeats, 15)))


if __name__ == "__main__":
    main()
