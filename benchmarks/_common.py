"""Shared pieces of the benchmarks: timing, the two-moons data, MLP init."""

from __future__ import annotations

import gc
import importlib.util
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np


def have(module: str) -> bool:
    """True if ``module`` can be imported (peers are optional)."""
    return importlib.util.find_spec(module) is not None


def median_time(fn: Callable[[], Any], repeats: int = 5, gc_paused: bool = False) -> float:
    """Median wall time of ``fn()`` in seconds over ``repeats`` runs (one warm-up)."""
    fn()
    times = []
    for _ in range(repeats):
        if gc_paused:
            gc.collect()
            gc.disable()
        try:
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        finally:
            if gc_paused:
                gc.enable()
    return statistics.median(times)


def make_moons(n: int = 100, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles, labels in {-1, +1} (as sklearn's make_moons)."""
    rng = np.random.default_rng(seed)
    n_out = n // 2
    n_in = n - n_out
    t_out = np.linspace(0, np.pi, n_out)
    t_in = np.linspace(0, np.pi, n_in)
    X = np.concatenate([np.stack([np.cos(t_out), np.sin(t_out)], 1),
                        np.stack([1 - np.cos(t_in), 1 - np.sin(t_in) - 0.5], 1)])
    X += rng.normal(scale=noise, size=X.shape)
    y = np.concatenate([-np.ones(n_out), np.ones(n_in)])
    return X, y


def mlp_params(sizes: list[int], seed: int = 0) -> list[dict[str, Any]]:
    """micrograd's recipe: weights uniform(-1, 1), biases 0, as plain floats."""
    rng = np.random.default_rng(seed)
    return [{"w": rng.uniform(-1, 1, (n_out, n_in)).tolist(), "b": [0.0] * n_out}
            for n_in, n_out in zip(sizes[:-1], sizes[1:])]


def table(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows)


def deep_stack(fn: Callable[[], None]) -> None:
    """Run ``fn`` in a thread with a big stack, for recursive peers on long chains."""
    import threading
    sys.setrecursionlimit(10**6)
    threading.stack_size(1024 * 1024 * 1024)
    err: list[BaseException] = []

    def run() -> None:
        try:
            fn()
        except BaseException as e:  # report in the main thread
            err.append(e)
    t = threading.Thread(target=run)
    t.start()
    t.join()
    if err:
        raise err[0]
