"""Shared pieces of the benchmarks: timing, tables, peers, deep stacks."""

from __future__ import annotations

import gc
import importlib.util
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any


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


def interleaved(jobs: dict[Any, Callable[[], Any]], repeats: int,
                work: float = 0.02) -> dict[Any, float]:
    """Median seconds per call of each job, timed in turns.

    Every job runs once per round, round after round, so that a slow spell
    of this shared machine hits all of them alike; each timing repeats a job
    for about ``work`` seconds.
    """
    number = {}
    for key, fn in jobs.items():
        number[key] = max(1, int(work / max(median_time(fn, 1), 1e-9)))
    samples: dict[Any, list[float]] = {key: [] for key in jobs}
    for _ in range(repeats):
        for key, fn in jobs.items():
            k = number[key]
            t0 = time.perf_counter()
            for _ in range(k):
                fn()
            samples[key].append((time.perf_counter() - t0) / k)
    return {key: statistics.median(ts) for key, ts in samples.items()}


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
