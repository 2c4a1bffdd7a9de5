"""Loops that stay loops: a long ``tg.scan`` under ``grad``, with and without checkpointing.

  .venv/bin/python benchmarks/loops.py [--quick] [--steps N] [--while-only]

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

Then Newton's square root and a bisection (for the cube root), each written
two ways: with ``tg.while_loop`` and as a plain Python ``while`` on a traced
value (which ``jit`` rolls). For 1,000 inputs whose trip counts span 1 to
about 60: ``tg.jit(tg.grad(f))`` called once per input (its trace count
is reported: the target is one), ``tg.vmap(tg.grad(f))`` on all of them at
once (checked equal to the loop of eager gradients, bit for bit), and the
loop of eager ``tg.grad`` calls for scale. Two more plain Python loops
whose guard patterns differ per input: a ``for`` of at most 60 steps left
by ``break``, and a ``while`` with an ``if``/``else`` inside.
``--while-only``: these rows alone, at 1,000 inputs (``--quick`` runs
them at 100).
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


# --------------------------------------------------- while loops on the data
def newton_loop(a: Any) -> Any:
    """sqrt(a) by Newton's method, as a ``tg.while_loop``."""
    x = tg.while_loop(lambda x: tg.abs(x * x - a) > 1e-12 * a,
                      lambda x: 0.5 * (x + a / x), a + 1.0)
    return x


def newton_python(a: Any) -> Any:
    """sqrt(a) by Newton's method, a plain Python ``while``."""
    x = a + 1.0
    while tg.abs(x * x - a) > 1e-12 * a:
        x = 0.5 * (x + a / x)
    return x


def bisect_loop(a: Any) -> Any:
    """cbrt(a) by bisection on [0, a + 1], as a ``tg.while_loop``."""
    def body(s: Any) -> Any:
        lo, hi = s
        mid = 0.5 * (lo + hi)
        low = mid * mid * mid < a
        return tg.where(low, mid, lo), tg.where(low, hi, mid)
    lo, hi = tg.while_loop(lambda s: s[1] - s[0] > 1e-9 * (1.0 + a), body, (0.0 * a, a + 1.0))
    return 0.5 * (lo + hi)


def bisect_python(a: Any) -> Any:
    """cbrt(a) by bisection on [0, a + 1], a plain Python ``while``."""
    lo, hi = 0.0 * a, a + 1.0
    while hi - lo > 1e-9 * (1.0 + a):
        mid = 0.5 * (lo + hi)
        low = mid * mid * mid < a
        lo, hi = tg.where(low, mid, lo), tg.where(low, hi, mid)
    return 0.5 * (lo + hi)


def newton_for(a: Any) -> Any:
    """sqrt(a) by Newton's method: at most 60 steps of a ``for``, left by ``break``."""
    x = a + 1.0
    for _ in range(60):
        dx = (x * x - a) / (2.0 * x)
        x = x - dx
        if tg.abs(dx) <= 1e-12 * x:
            break
    return x


def decay_break(a: Any) -> Any:
    """A ``for`` loop of at most 60 steps, left by ``break`` (1 to 60 steps here)."""
    y = a
    for _ in range(60):
        y = 0.9 * y + 0.01
        if y < 0.5:
            break
    return y


def shrink_branchy(a: Any) -> Any:
    """A ``while`` whose body branches: divide while large, then subtract."""
    y = a
    while y > 1.0:
        if y > 10.0:
            y = y / 3.0
        else:
            y = y - 0.7
    return y


def while_rows(n: int) -> list[tuple[str, ...]]:
    """One row per program and contender: time for ``n`` inputs, traces, agreement."""
    import time
    inputs = np.exp(np.linspace(-4.0, 30.0, n))      # Newton: 1 to ~50 steps
    rows = [("program", "jit(grad) loop", "traces", "vmap(grad)", "eager grad loop",
             "vmap == loop")]
    for name, f in [("newton, while_loop", newton_loop), ("newton, Python while", newton_python),
                    ("bisection, while_loop", bisect_loop),
                    ("bisection, Python while", bisect_python),
                    ("newton, Python for with break", newton_for),
                    ("break in a Python for (linear)", decay_break),
                    ("if/else in a Python while", shrink_branchy)]:
        jg, g, vg = tg.jit(tg.grad(f)), tg.grad(f), tg.vmap(tg.grad(f))
        t0 = time.perf_counter()
        try:
            [jg(float(a)) for a in inputs]
            jit_t, traces = f"{(time.perf_counter() - t0) * 1e3:.0f} ms", str(jg.trace_count)
        except Exception as e:                       # a limit met: say which
            jit_t, traces = f"fails: {type(e).__name__}", str(jg.trace_count)
        t0 = time.perf_counter()
        loop = np.array([g(float(a)) for a in inputs])
        eager_t = time.perf_counter() - t0
        t0 = time.perf_counter()
        try:
            batched = vg(inputs)
            vm_t, same = f"{(time.perf_counter() - t0) * 1e3:.0f} ms", \
                str(bool(np.array_equal(batched, loop)))
        except Exception as e:
            vm_t, same = f"fails: {type(e).__name__}", "-"
        rows.append((name, jit_t, traces, vm_t, f"{eager_t * 1e3:.0f} ms", same))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10^3 steps, one repeat")
    parser.add_argument("--steps", type=int, default=None, help="the scan's length")
    parser.add_argument("--while-only", action="store_true",
                        help="only the while loops' table, at 1,000 inputs")
    args = parser.parse_args()
    if args.while_only:
        print("while loops on the data, 1000 inputs")
        print(table(while_rows(1000)))
        return
    steps = args.steps or (1000 if args.quick else 100_000)
    repeats = 1 if args.quick else 3
    print(f"scan of {steps} steps (carry of {WIDTH} floats) under grad")
    print(table(scan_checkpoint(steps, repeats)))
    n = 100 if args.quick else 1000
    print(f"\nwhile loops on the data, {n} inputs")
    print(table(while_rows(n)))


if __name__ == "__main__":
    main()
