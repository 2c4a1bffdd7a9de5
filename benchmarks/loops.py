"""Loops that stay loops: a long ``tg.scan`` under ``grad``, with and without checkpointing.

  .venv/bin/python benchmarks/loops.py [--quick] [--steps N]

The scan: an RNN-like step ``h = tanh(W @ h * 0.5 + x * u)`` on a carry of 64
floats driven by one number ``x`` per step, ``y = sum(h)``, over 10^5 steps
(``--quick``: 10^3), the loss the final carry's sum plus the ys'. The carry
is 64 times the size of a step's input, so what a backward pass stores is
the carries (as in an RNN or an ODE solver), not the inputs. Contenders,
each the gradient with respect to ``W`` and the initial carry: ``tg.grad``
of ``tg.scan``; the same with ``tg.checkpoint`` on the step (about sqrt(n) carries stored); JAX's
``jax.jit(jax.grad(...))`` of ``lax.scan``, plain and with
``jax.checkpoint`` on the step, when JAX is installed. Reported per
contender: the median time of a call and the tracemalloc peak of one call
(JAX's device buffers are not Python allocations: its peak is not comparable
and is left out).

Targets (issue "Loops stay loops"): with checkpoint, peak memory at most 1/10
of without, and time at most 3x.
"""

from __future__ import annotations

import argparse
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
from _common import have, median_time, table

import tapegrad as tg

WIDTH = 64


def problem(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``W``, the initial carry and the ``xs`` of a scan of ``n`` steps."""
    rng = np.random.default_rng(0)
    return (rng.normal(size=(WIDTH, WIDTH)) / np.sqrt(WIDTH), rng.normal(size=WIDTH),
            rng.normal(size=n))


U = np.linspace(-1.0, 1.0, WIDTH)      # how a step's input enters the carry


# ------------------------------------------------------------------ tapegrad
def tg_loss(remat: bool) -> Callable[..., Any]:
    """The scan's loss in tapegrad; ``remat`` checkpoints the step."""
    def loss(W: Any, h0: Any, xs: np.ndarray) -> Any:
        def step(h: Any, x: Any) -> tuple[Any, Any]:
            h = tg.tanh(W @ h * 0.5 + x * U)
            return h, tg.sum(h)
        h, ys = tg.scan(tg.checkpoint(step) if remat else step, h0, xs)
        return tg.sum(h) + tg.sum(ys)
    return loss


def tg_grad(remat: bool, W: np.ndarray, h0: np.ndarray, xs: np.ndarray) -> Callable[[], Any]:
    g = tg.grad(tg_loss(remat), argnums=(0, 1))
    return lambda: g(W, h0, xs)


# ----------------------------------------------------------------------- JAX
def jax_grad(remat: bool, W: np.ndarray, h0: np.ndarray, xs: np.ndarray) -> Callable[[], Any]:
    import jax
    import jax.numpy as jnp
    jax.config.update("jax_enable_x64", True)

    def loss(W: Any, h0: Any, xs: Any) -> Any:
        def step(h: Any, x: Any) -> tuple[Any, Any]:
            h = jnp.tanh(W @ h * 0.5 + x * U)
            return h, jnp.sum(h)
        h, ys = jax.lax.scan(jax.checkpoint(step) if remat else step, h0, xs)
        return jnp.sum(h) + jnp.sum(ys)
    g = jax.jit(jax.grad(loss, argnums=(0, 1)))
    args = (jnp.asarray(W), jnp.asarray(h0), jnp.asarray(xs))
    return lambda: jax.block_until_ready(g(*args))


# -------------------------------------------------------------------- running
def peak(fn: Callable[[], Any]) -> int:
    """The tracemalloc peak of one call, in bytes."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def scan_checkpoint(steps: int, repeats: int) -> list[tuple[str, ...]]:
    """The rows of the scan-under-grad table: contender, time, peak, ratios."""
    W, h0, xs = problem(steps)
    jobs: dict[str, Callable[[], Any]] = {
        "tg.grad(scan)": tg_grad(False, W, h0, xs),
        "tg.grad(scan(checkpoint))": tg_grad(True, W, h0, xs),
    }
    if have("jax"):
        jobs["jax.jit(grad(lax.scan))"] = jax_grad(False, W, h0, xs)
        jobs["jax.jit(grad(lax.scan(checkpoint)))"] = jax_grad(True, W, h0, xs)
    times = {k: median_time(fn, repeats) for k, fn in jobs.items()}
    peaks = {k: peak(fn) for k, fn in jobs.items() if k.startswith("tg")}
    base_t, base_m = times["tg.grad(scan)"], peaks["tg.grad(scan)"]
    rows = [("contender", "median", "x time", "tracemalloc peak", "x peak")]
    for k, t in times.items():
        m = peaks.get(k)
        rows.append((k, f"{t * 1e3:.1f} ms", f"{t / base_t:.2f}",
                     "-" if m is None else f"{m / 1e6:.2f} MB",
                     "-" if m is None else f"{m / base_m:.3f}"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10^3 steps, one repeat")
    parser.add_argument("--steps", type=int, default=None, help="the scan's length")
    args = parser.parse_args()
    steps = args.steps or (1000 if args.quick else 100_000)
    repeats = 1 if args.quick else 3
    print(f"scan of {steps} steps (carry of {WIDTH} floats) under grad")
    print(table(scan_checkpoint(steps, repeats)))


if __name__ == "__main__":
    main()
