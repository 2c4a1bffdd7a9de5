"""Scalar code at matrix speed: the moons step written with scalar loops, packed.

  .venv/bin/python benchmarks/packing.py [--quick] [--jax-vmap]

The step of benchmarks/jit.py (100 two-moons points, MLP 2-16-16-1 on
floats, mean hinge loss + 1e-4 * L2, value and gradient and an SGD update),
written micrograd's way, compiled by tg.jit: packed exact (the default),
packed with reassociate=True, and as before packing (the scalar program,
rolled); the whole step with its update jitted (as JAX's contenders are);
vmap(grad) of the per-example loss, packed and not; beside the
hand-written NumPy step, tapegrad's dense jit and, with --jax-vmap, JAX's
jit(vmap(grad)) of the same scalar code (its compile takes a minute).
Timed in turns (medians of rounds). Then the first calls, and the packing
pass alone on the loop's program.
"""

from __future__ import annotations

import argparse
import contextlib
import time
from typing import Any
from unittest import mock

import eager
import moons
import numpy as np
from _common import have, interleaved, table
from jit import LR, dense, jax_contenders, numpy_step, sgd

import tapegrad as tg
from tapegrad.staging.packing import pack
from tapegrad.staging.passes import optimize
from tapegrad.staging.program import from_tape


@contextlib.contextmanager
def unpacked() -> Any:
    """jit and vmap as before packing (jit rolls the loop, vmap runs one op per record)."""
    with mock.patch("tapegrad.jit_first.lower_packed", lambda *a, **k: None), \
            mock.patch("tapegrad.batching.interpret.pack", lambda prog, batched: prog):
        yield


def timed_first(fn: Any) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="5 rounds instead of 11")
    ap.add_argument("--jax-vmap", action="store_true", help="time JAX's jit(vmap(grad))")
    args = ap.parse_args()
    rounds = 5 if args.quick else 11
    X, y = moons.make_moons(100, 0.1, seed=0)
    params = tg.nn.mlp_init([2, 16, 16, 1], seed=0)
    loop_loss = lambda p: eager.tg_loss_loop(p, X, y)
    batch_loss = lambda p: eager.tg_loss_batch(p, X, y)

    def example(p: Any, x1: float, x2: float, t: float) -> Any:
        return tg.nn.hinge(tg.nn.mlp(p, [x1, x2])[0], t) / len(y)

    exact = tg.jit(tg.value_and_grad(loop_loss))
    reassociated = tg.jit(tg.value_and_grad(loop_loss), reassociate=True)

    arrays = tg.jit(tg.value_and_grad(batch_loss))
    per_example = tg.vmap(tg.grad(example), in_axes=(None, 0, 0, 0))
    firsts = [("first call", "seconds")]
    seconds = timed_first(lambda: exact(params))
    firsts.append(("jit(value_and_grad), loop, packed", f"{seconds:.2f}"))
    firsts.append(("  its second call (jit compiles there)",
                   f"{timed_first(lambda: exact(params)):.2f}"))
    firsts.append(("jit(value_and_grad), loop, reassociate=True",
                   f"{timed_first(lambda: reassociated(params)):.2f}"))
    seconds = timed_first(lambda: per_example(params, X[:, 0], X[:, 1], y))
    firsts.append(("vmap(grad), per example, packed", f"{seconds:.3f}"))
    with unpacked():
        scalar = tg.jit(tg.value_and_grad(loop_loss))
        firsts.append(("jit(value_and_grad), loop, unpacked (rolled)",
                       f"{timed_first(lambda: scalar(params)):.2f}"))
        firsts.append(("  its second call (compiled unpacked: rolled)",     # unpacked there too
                       f"{timed_first(lambda: scalar(params)):.2f}"))
        per_example_unpacked = tg.vmap(tg.grad(example), in_axes=(None, 0, 0, 0))
        seconds = timed_first(lambda: per_example_unpacked(params, X[:, 0], X[:, 1], y))
        firsts.append(("vmap(grad), per example, unpacked", f"{seconds:.3f}"))
        per_example_unpacked(params, X[:, 0], X[:, 1], y)
    # as jit packs it: before the exact identities go (x * 1.0 lines up with x * -1.0)
    prog = optimize(from_tape(tg.make_tape(tg.value_and_grad(loop_loss))(params)),
                    exact_identities=False)
    one = optimize(from_tape(tg.make_tape(tg.value_and_grad(example))(params, 0.5, 0.25, 1.0)))
    firsts.append((f"the packing pass alone, loop program ({len(prog.eqns)} records)",
                   f"{timed_first(lambda: pack(prog)):.2f}"))
    firsts.append((f"the packing pass alone, per-example program ({len(one.eqns)} records)",
                   f"{timed_first(lambda: pack(one)):.3f}"))

    def vmap_step(fn: Any) -> Any:
        g = fn(params, X[:, 0], X[:, 1], y)
        return sgd(params, tg.tree.map(lambda v: float(np.sum(v)), g))

    structure = tg.tree.structure(params)

    def stacked_step() -> Any:
        """vmap_step's numbers, the sums and the update on one (337, 100) array each."""
        g = tg.tree.leaves(per_example(params, X[:, 0], X[:, 1], y))
        sums = np.concatenate(g).reshape(len(g), -1).sum(axis=1)
        flat = np.fromiter(tg.tree.leaves(params), float, len(g))
        return tg.tree.unflatten(structure, (flat - LR * sums).tolist())
    assert tg.tree.leaves(stacked_step()) == tg.tree.leaves(vmap_step(per_example))

    def step(p: Any) -> Any:
        """The whole step, value and gradient and update, jitted: as JAX's contender is."""
        loss, grads = tg.value_and_grad(loop_loss)(p)
        return loss, sgd(p, grads)

    exact_step, reassociated_step = tg.jit(step), tg.jit(step, reassociate=True)
    for jitted in (exact_step, reassociated_step):
        jitted(params)
        jitted(params)
    # the update inside the compiled step: the same numbers as sgd on jit's gradient
    assert tg.tree.leaves(exact_step(params)) == tg.tree.leaves(
        (exact(params)[0], sgd(params, exact(params)[1])))

    layers = dense(params)
    jobs: dict[str, Any] = {
        "hand-written NumPy": lambda: numpy_step(layers, X, y),
        "tapegrad jit(value_and_grad), arrays": lambda: sgd(params, arrays(params)[1]),
        "tapegrad jit(value_and_grad), loop, unpacked": lambda: sgd(params, scalar(params)[1]),
        "tapegrad jit(value_and_grad), loop, packed": lambda: sgd(params, exact(params)[1]),
        "tapegrad jit(value_and_grad), loop, reassociate=True":
            lambda: sgd(params, reassociated(params)[1]),
        "tapegrad jit(step), the update inside, loop, packed": lambda: exact_step(params),
        "tapegrad jit(step), the update inside, loop, reassociate=True":
            lambda: reassociated_step(params),
        "tapegrad vmap(grad), per example, unpacked": lambda: vmap_step(per_example_unpacked),
        "tapegrad vmap(grad), per example, packed": lambda: vmap_step(per_example),
        "tapegrad vmap(grad), per example, packed, update on the stacked gradients":
            stacked_step,
        "tapegrad vmap(grad), per example, packed, the call alone":
            lambda: per_example(params, X[:, 0], X[:, 1], y),
    }
    if args.jax_vmap and have("jax"):
        more, jax_firsts = jax_contenders(params, X, y, True)
        jobs.update(more)
        firsts += [(name, seconds) for name, seconds, _ in jax_firsts]
    res = interleaved(jobs, rounds, work=0.05)
    hand = res["hand-written NumPy"]
    rows = [("contender", "median", "its time / hand-written NumPy")]
    rows += [(name, f"{t * 1e3:.3f} ms", f"{t / hand:.2f}x") for name, t in res.items()]
    print(f"One step, medians of {rounds} rounds in turns:\n")
    print(table(rows))
    print("\nFirst calls, on their own:\n")
    print(table(firsts))


if __name__ == "__main__":
    main()
