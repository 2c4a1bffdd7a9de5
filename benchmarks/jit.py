"""One training step of the moons demo, every way tapegrad runs it, beside the peers.

  .venv/bin/pip install -e ".[bench,examples]"
  .venv/bin/python benchmarks/jit.py [--quick]

The step: 100 two-moons points, MLP 2-16-16-1, mean hinge loss + 1e-4 * L2,
value and gradient and an SGD update. Contenders: tapegrad eager on floats
(the per-example loop) and on arrays; tg.jit of the loop's value_and_grad;
a jitted per-example value_and_grad called 100 times, gradients summed with
tg.tree.map; tg.vmap(grad) per example; tg.jit of the array loss;
the step written by hand in Python floats (eager.py (d)); micrograd and
HIPS autograd where installed. Prints medians and ratios to the
hand-written step, and the first call (trace, passes, compile) of each
compiled contender on its own.
"""

from __future__ import annotations

import argparse
import pathlib
import resource
import sys
import time
from typing import Any

import numpy as np
from _common import have, median_time, table

import tapegrad as tg

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "examples"))
import eager  # noqa: E402  (benchmarks/eager.py)
import moons  # noqa: E402  (examples/moons.py)

LR = 0.5


def sgd(params: Any, grads: Any) -> Any:
    return tg.tree.map(lambda p, g: p - LR * g, params, grads)


def first_call(fn: Any) -> tuple[float, float]:
    """Seconds of the first call, and the growth of the peak RSS in MB."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    fn()
    seconds = time.perf_counter() - t0
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    return seconds, grown


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="3 repeats instead of 7")
    args = ap.parse_args()
    reps = 3 if args.quick else 7
    X, y = moons.make_moons(100, 0.1, seed=0)
    params = tg.nn.mlp_init([2, 16, 16, 1], seed=0)

    loop_loss = lambda p: eager.tg_loss_loop(p, X, y)
    batch_loss = lambda p: eager.tg_loss_batch(p, X, y)
    jit_loop = tg.jit(tg.value_and_grad(loop_loss))
    jit_batch = tg.jit(tg.value_and_grad(batch_loss))

    def example(p: Any, x1: float, x2: float, t: float) -> Any:
        return tg.nn.hinge(tg.nn.mlp(p, [x1, x2])[0], t) / len(y)
    jit_example = tg.jit(tg.value_and_grad(example))
    per_example = tg.vmap(tg.grad(example), in_axes=(None, 0, 0, 0))

    def summed_step() -> Any:
        total = None
        for (a, b), t in zip(X, y):
            _, g = jit_example(params, float(a), float(b), float(t))
            total = g if total is None else tg.tree.map(lambda u, v: u + v, total, g)
        return sgd(params, total)

    def vmap_step() -> Any:
        g = per_example(params, X[:, 0], X[:, 1], y)
        return sgd(params, tg.tree.map(lambda v: float(np.sum(v)), g))

    compile_rows = [("compiled contender", "first call", "peak RSS growth")]
    for name, fn in [("jit(value_and_grad), loop loss", lambda: jit_loop(params)),
                     ("jit(value_and_grad), per example", lambda: jit_example(params, 0.1,
                                                                               0.2, 1.0)),
                     ("vmap(grad), per example", vmap_step),
                     ("jit(value_and_grad), array loss", lambda: jit_batch(params))]:
        seconds, mb = first_call(fn)
        compile_rows.append((name, f"{seconds:.2f} s", f"{mb:.0f} MB"))

    res: dict[str, float] = {}
    res["hand-written Python floats (eager.py (d))"] = median_time(
        lambda: eager.hand_step(params, X, y), reps)
    res["tapegrad eager, loop on floats"] = median_time(
        lambda: eager.tg_step(eager.tg_loss_loop, params, X, y), reps)
    res["tapegrad jit(value_and_grad), loop"] = median_time(
        lambda: sgd(params, jit_loop(params)[1]), reps)
    res["tapegrad jitted per example, x100, summed"] = median_time(summed_step, reps)
    res["tapegrad vmap(grad), per example"] = median_time(vmap_step, reps)
    res["tapegrad eager, arrays"] = median_time(
        lambda: eager.tg_step(eager.tg_loss_batch, params, X, y), reps)
    res["tapegrad jit(value_and_grad), arrays"] = median_time(
        lambda: sgd(params, jit_batch(params)[1]), reps)
    g = jit_example(params, 0.1, 0.2, 1.0)[1]
    res["tg.tree.map sum of 337 leaves"] = median_time(
        lambda: tg.tree.map(lambda u, v: u + v, g, g), reps * 20)
    if have("autograd"):
        import autograd
        res["HIPS autograd, arrays"] = median_time(
            lambda: autograd.grad(eager.autograd_loss_batch)(params, X, y), reps)
    if have("micrograd"):
        model = eager.micrograd_setup(params)
        res["micrograd"] = median_time(lambda: eager.micrograd_step(model, X, y), 1)

    hand = res["hand-written Python floats (eager.py (d))"]
    rows = [("contender", "median", "its time / hand-written")]
    for name, t in res.items():
        rows.append((name, f"{t * 1e3:.3f} ms", f"{t / hand:.2f}x"))
    print(table(rows))
    print()
    print(table(compile_rows))


if __name__ == "__main__":
    main()
