"""One training step of the moons demo, every way tapegrad runs it, beside the peers.

  .venv/bin/pip install -e ".[bench,examples]"     # JAX and PyTorch if installed
  .venv/bin/python benchmarks/jit.py [--quick] [--no-jax-vmap]

The step: 100 two-moons points, MLP 2-16-16-1, mean hinge loss + 1e-4 * L2,
value and gradient and an SGD update. Contenders, timed in turns (medians
of rounds, ratios to the hand-written Python step): tapegrad eager on floats
(the per-example loop) and on arrays; tg.jit of the loop's value_and_grad;
value_and_grad of the jitted loop and array losses (a jitted function under
grad); a jitted per-example value_and_grad called 100 times, gradients summed with
tg.tree.map; tg.vmap(grad) per example; tg.jit of the array loss; the step
by hand in Python floats (eager.py (d)) and in NumPy; HIPS autograd on
arrays, JAX jit on arrays and JAX jit(vmap) of the scalar-written
per-example gradient where installed (that one compiles for a minute or
more: --no-jax-vmap skips it); micrograd, once.

Then, on their own: the first and second call of each compiled contender
(seconds, peak RSS growth; tapegrad's jit traces at the first call and
compiles at the second; for the loop's jit, its phases and tracemalloc's
peaks),
the overhead of a jitted per-example call, and a 100-step SGD run of the
loop's jit beside the hand-written step at every step.

Last, the first, second and third call of straight-line code (no loop to
roll: each step's operation and constant drawn from a seeded generator,
``straight_line``) of 10^3, 10^4 and 10^5 steps under ``jit`` and
``jit(value_and_grad)``: seconds and microseconds a record of its tape,
and by phase. ``--first`` runs only that.
"""

from __future__ import annotations

import argparse
import pathlib
import random
import resource
import statistics
import sys
import time
import tracemalloc
from typing import Any

import numpy as np
from _common import have, interleaved, median_time, table

import tapegrad as tg
from tapegrad import tree
from tapegrad.staging import lower as lower_mod
from tapegrad.staging import source as source_mod
from tapegrad.staging.passes import optimize
from tapegrad.staging.program import from_tape

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "examples"))
import eager  # noqa: E402  (benchmarks/eager.py)
import moons  # noqa: E402  (examples/moons.py)

LR = eager.LR
ALPHA = eager.ALPHA


def sgd(params: Any, grads: Any) -> Any:
    return tg.tree.map(lambda p, g: p - LR * g, params, grads)


# ------------------------------------------------ the step by hand in NumPy
def dense(params: Any) -> list[tuple[np.ndarray, np.ndarray]]:
    return [(np.array(lp["w"]), np.array(lp["b"])) for lp in params]


def numpy_step(layers: list[tuple[np.ndarray, np.ndarray]], X: np.ndarray,
               y: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Forward, backward and SGD on (100, 2) data, derived by hand."""
    (w1, b1), (w2, b2), (w3, b3) = layers
    h1 = X @ w1.T + b1
    a1 = np.maximum(h1, 0.0)
    h2 = a1 @ w2.T + b2
    a2 = np.maximum(h2, 0.0)
    s = a2 @ w3[0] + b3[0]
    ds = np.where(1.0 - y * s > 0, -y / len(y), 0.0)
    da2 = np.outer(ds, w3[0]) * (h2 > 0)
    da1 = (da2 @ w2) * (h1 > 0)
    grads = [(da1.T @ X, da1.sum(0)), (da2.T @ a1, da2.sum(0)),
             ((ds @ a2)[None, :], np.array([ds.sum()]))]
    return [(w - LR * (gw + 2 * ALPHA * w), b - LR * (gb + 2 * ALPHA * b))
            for (w, b), (gw, gb) in zip(layers, grads)]


# ----------------------------------------------------------------- JAX
def jax_contenders(params: Any, X: np.ndarray, y: np.ndarray,
                   with_vmap: bool) -> tuple[dict[str, Any], list[tuple[str, str, str]]]:
    import jax
    import jax.numpy as jnp
    jax.config.update("jax_enable_x64", True)
    layers = [(jnp.array(w), jnp.array(b)) for w, b in dense(params)]
    Xj, yj = jnp.array(X), jnp.array(y)

    def loss(layers: Any) -> Any:
        a = Xj
        for k, (w, b) in enumerate(layers):
            a = a @ w.T + b
            if k < len(layers) - 1:
                a = jnp.maximum(a, 0.0)
        reg = sum(jnp.sum(w * w) + jnp.sum(b * b) for w, b in layers)
        return jnp.mean(jnp.maximum(1.0 - yj * a[:, 0], 0.0)) + ALPHA * reg

    @jax.jit
    def step(layers: Any) -> Any:
        g = jax.grad(loss)(layers)
        return jax.tree_util.tree_map(lambda p, d: p - LR * d, layers, g)

    jobs = {"JAX jit, arrays": lambda: jax.block_until_ready(step(layers))}
    firsts = []
    t0 = time.perf_counter()
    jobs["JAX jit, arrays"]()
    firsts.append(("JAX jit, arrays", f"{time.perf_counter() - t0:.2f} s", ""))
    if with_vmap:
        def example(p: Any, x1: Any, x2: Any, t: Any) -> Any:
            relu = lambda v: jnp.maximum(v, 0.0)
            return relu(1.0 - t * eager.mlp(p, [x1, x2], relu)) / len(y)

        @jax.jit
        def vstep(p: Any) -> Any:
            g = jax.vmap(jax.grad(example), in_axes=(None, 0, 0, 0))(p, Xj[:, 0], Xj[:, 1], yj)
            g = jax.tree_util.tree_map(lambda v: jnp.sum(v), g)
            return jax.tree_util.tree_map(lambda a, d: a - LR * (d + 2 * ALPHA * a), p, g)

        jobs["JAX jit(vmap(grad)), scalar-written"] = lambda: jax.block_until_ready(
            vstep(params))
        t0 = time.perf_counter()
        jobs["JAX jit(vmap(grad)), scalar-written"]()
        firsts.append(("JAX jit(vmap(grad)), scalar-written",
                       f"{time.perf_counter() - t0:.2f} s", ""))
    return jobs, firsts


# ------------------------------------------------------------ first calls
def first_call(fn: Any) -> tuple[float, float]:
    """Seconds of the first call, and the growth of the peak RSS in MB."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    fn()
    seconds = time.perf_counter() - t0
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    return seconds, grown


def phases(fun: Any, params: Any) -> str:
    """The loop jit's first call, phase by phase, as jit runs them."""
    spent = {"compile()": 0.0}
    real_compile = compile

    def timed_compile(*a: Any, **k: Any) -> Any:
        t = time.perf_counter()
        try:
            return real_compile(*a, **k)
        finally:
            spent["compile()"] += time.perf_counter() - t
    t0 = time.perf_counter()
    tape = tg.make_tape(fun)(params)
    t1 = time.perf_counter()
    prog = from_tape(tape)
    records = len(tape)
    del tape
    t2 = time.perf_counter()
    prog = optimize(prog)
    t3 = time.perf_counter()
    source_mod.compile = timed_compile      # type: ignore[attr-defined]
    try:
        low = lower_mod.lower(prog)
    finally:
        del source_mod.compile              # type: ignore[attr-defined]
    t4 = time.perf_counter()
    statements = low.source.count("\n")
    return (f"{records} records, {len(prog.eqns)} equations after the passes, "
            f"{statements} lines of source: trace {t1 - t0:.2f} s, read as a program "
            f"{t2 - t1:.2f} s, passes {t3 - t2:.2f} s, lowering {t4 - t3 - spent['compile()']:.2f}"
            f" s, compile() {spent['compile()']:.2f} s")


def traced_peak(fun: Any, params: Any) -> tuple[float, float, float]:
    """tracemalloc (MB): a fresh jit's first call's peak, what it holds after, the second's peak."""
    tracemalloc.start()
    try:
        jf = tg.jit(fun)
        jf(params)
        held, first = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        jf(params)
        return first / 2**20, held / 2**20, tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


STEPS = (lambda x, c: x * c, lambda x, c: x + c, lambda x, c: tg.sin(x) * c,
         lambda x, c: c - x, lambda x, c: tg.tanh(x + c), lambda x, c: x / c)


def straight_line(n: int) -> Any:
    """A function of one float: ``n`` steps, each drawn with its constant (seed 0)."""
    def f(x: Any) -> Any:
        rnd = random.Random(0)
        for _ in range(n):
            x = rnd.choice(STEPS)(x, 0.5 + rnd.random())
        return x
    return f


def straight_line_rows(sizes: tuple[int, ...] = (1_000, 10_000, 100_000)) -> str:
    """The first calls of straight-line code under jit and jit(value_and_grad).

    The first call at a signature traces; the second compiles (where jit
    defers compiling to it) and runs the compiled code; the third runs it
    (its CPU time, the least of three).
    """
    rows = [("steps", "transform", "records", "1st call", "CPU a record", "2nd call",
             "CPU a record", "3rd call")]
    for n in sizes:
        for name, make in (("jit", lambda f: f), ("jit(value_and_grad)", tg.value_and_grad)):
            fun = make(straight_line(n))
            records = len(tg.make_tape(fun)(1.0))
            jf = tg.jit(fun)
            row = [f"{n:,}", name, f"{records:,}"]
            for _ in range(2):
                cpu = time.process_time()
                seconds, _ = first_call(lambda: jf(1.0))
                cpu = time.process_time() - cpu      # the machine's other load not counted
                row += [f"{seconds:.2f} s", f"{cpu / records * 1e6:.1f} us"]
            third = []
            for _ in range(3):
                cpu = time.process_time()
                jf(1.0)
                third.append(time.process_time() - cpu)
            rows.append(tuple(row) + (f"{min(third) * 1e3:.2f} ms CPU",))
    return table(rows)


PHASES = ("trace", "from_tape", "optimize", "lower_packed", "roll_grad", "lower", "skeleton")


def first_phases(fun: Any, *args: Any) -> dict[str, float]:
    """CPU seconds of a fresh jit's first two calls, by phase, as jit runs them.

    ``first`` and ``second`` are the calls' totals: the first traces, the
    second compiles where jit defers it (the phases add up both calls).
    Python's ``compile()`` is given on its own, taken out of the phase that
    called it (``lower``; ``lower_packed`` and ``roll_grad`` compile only where
    they pack or roll something).
    """
    jit_mod = sys.modules.get("tapegrad.jit_first") or sys.modules["tapegrad.jit"]
    spent = dict.fromkeys(PHASES + ("compile()",), 0.0)
    real = {name: getattr(jit_mod, name) for name in PHASES}
    running: list[str] = []

    def timed(name: str, fn: Any) -> Any:
        def run(*a: Any, **k: Any) -> Any:
            t = time.process_time()
            running.append(name)
            try:
                return fn(*a, **k)
            finally:
                running.pop()
                dt = time.process_time() - t
                spent[name] += dt
                if name == "compile()" and running:
                    spent[running[-1]] -= dt
        return run
    for name in PHASES:
        setattr(jit_mod, name, timed(name, real[name]))
    source_mod.compile = timed("compile()", compile)     # type: ignore[attr-defined]
    try:
        jf = tg.jit(fun)
        for call in ("first", "second"):
            t = time.process_time()
            jf(*args)
            spent[call] = time.process_time() - t
    finally:
        for name in PHASES:
            setattr(jit_mod, name, real[name])
        del source_mod.compile                          # type: ignore[attr-defined]
    spent["total"] = spent["first"] + spent["second"]
    return spent


def straight_line_phases(sizes: tuple[int, ...] = (1_000, 10_000)) -> str:
    """The first two calls of straight-line code by phase: CPU microseconds a record (best of 3)."""
    rows = [("steps", "transform", "1st call", "2nd call") + PHASES + ("compile()",)]
    for n in sizes:
        for name, make in (("jit", lambda f: f), ("jit(value_and_grad)", tg.value_and_grad)):
            fun = make(straight_line(n))
            records = len(tg.make_tape(fun)(1.0))
            best = min((first_phases(fun, 1.0) for _ in range(3)), key=lambda d: d["total"])
            rows.append((f"{n:,}", name) + tuple(
                f"{best[k] / records * 1e6:.1f}"
                for k in ("first", "second") + PHASES + ("compile()",)))
    return table(rows)


# ----------------------------------------------------------------- main
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="5 rounds instead of 11, 20 steps")
    ap.add_argument("--no-jax-vmap", action="store_true",
                    help="skip JAX's jit(vmap) of the scalar-written code (a long compile)")
    ap.add_argument("--first", action="store_true",
                    help="only the first calls of straight-line code")
    args = ap.parse_args()
    if args.first:
        print(straight_line_rows())
        print("\nby phase over the first two calls, CPU microseconds a record (compile() "
              "apart from lowering):")
        print(straight_line_phases())
        return
    rounds = 5 if args.quick else 11
    X, y = moons.make_moons(100, 0.1, seed=0)
    params = tg.nn.mlp_init([2, 16, 16, 1], seed=0)

    loop_loss = lambda p: eager.tg_loss_loop(p, X, y)
    batch_loss = lambda p: eager.tg_loss_batch(p, X, y)
    jit_loop = tg.jit(tg.value_and_grad(loop_loss))            # packed (benchmarks/packing.py)
    jit_loop_sums = tg.jit(tg.value_and_grad(loop_loss), reassociate=True)
    jit_batch = tg.jit(tg.value_and_grad(batch_loss))
    # `@tg.jit def loss` then tg.value_and_grad(loss): the gradient of a jitted
    # function, which should run at the speed of jit(value_and_grad)
    of_jit_loop = tg.value_and_grad(tg.jit(loop_loss))
    of_jit_batch = tg.value_and_grad(tg.jit(batch_loss))

    def example(p: Any, x1: float, x2: float, t: float) -> Any:
        return tg.nn.hinge(tg.nn.mlp(p, [x1, x2])[0], t) / len(y)
    jit_example = tg.jit(tg.value_and_grad(example))
    per_example = tg.vmap(tg.grad(example), in_axes=(None, 0, 0, 0))
    points = [(float(a), float(b), float(t)) for (a, b), t in zip(X, y)]

    def summed_step() -> Any:
        total = None
        for a, b, t in points:
            _, g = jit_example(params, a, b, t)
            total = g if total is None else tg.tree.map(lambda u, v: u + v, total, g)
        return sgd(params, total)

    def vmap_step() -> Any:
        g = per_example(params, X[:, 0], X[:, 1], y)
        return sgd(params, tg.tree.map(lambda v: float(np.sum(v)), g))

    first_rows = [("compiled contender", "first call", "peak RSS growth", "second call")]
    for name, fn in [("tapegrad jit(value_and_grad), loop loss", lambda: jit_loop(params)),
                     ("tapegrad jit(value_and_grad), per example",
                      lambda: jit_example(params, *points[0])),
                     ("tapegrad vmap(grad), per example", vmap_step),
                     ("tapegrad jit(value_and_grad), array loss", lambda: jit_batch(params)),
                     ("tapegrad value_and_grad(jit), loop loss", lambda: of_jit_loop(params)),
                     ("tapegrad value_and_grad(jit), array loss",
                      lambda: of_jit_batch(params))]:
        seconds, mb = first_call(fn)
        again, _ = first_call(fn)     # where jit compiles at the second call
        first_rows.append((name, f"{seconds:.2f} s", f"{mb:.0f} MB", f"{again:.2f} s"))

    layers = dense(params)
    jobs: dict[str, Any] = {
        "hand-written Python floats (eager.py (d))": lambda: eager.hand_step(params, X, y),
        "hand-written NumPy": lambda: numpy_step(layers, X, y),
        "tapegrad eager, loop on floats": lambda: eager.tg_step(eager.tg_loss_loop, params,
                                                                X, y),
        "tapegrad jit(value_and_grad), loop": lambda: sgd(params, jit_loop(params)[1]),
        "tapegrad jit(value_and_grad, reassociate=True), loop":
            lambda: sgd(params, jit_loop_sums(params)[1]),
        "tapegrad value_and_grad(jit), loop": lambda: sgd(params, of_jit_loop(params)[1]),
        "tapegrad jitted per example, x100, summed": summed_step,
        "tapegrad vmap(grad), per example": vmap_step,
        "tapegrad eager, arrays": lambda: eager.tg_step(eager.tg_loss_batch, params, X, y),
        "tapegrad jit(value_and_grad), arrays": lambda: sgd(params, jit_batch(params)[1]),
        "tapegrad value_and_grad(jit), arrays": lambda: sgd(params, of_jit_batch(params)[1]),
    }
    if have("autograd"):
        import autograd
        jobs["HIPS autograd, arrays"] = lambda: sgd(
            params, autograd.grad(eager.autograd_loss_batch)(params, X, y))
    if have("jax"):
        more, firsts = jax_contenders(params, X, y, not args.no_jax_vmap)
        jobs.update(more)
        first_rows += [(*r, *[""] * (4 - len(r))) for r in firsts]   # no second call
    res = interleaved(jobs, rounds, work=0.05)
    if have("micrograd"):
        model = eager.micrograd_setup(params)
        res["micrograd (one step)"] = median_time(lambda: eager.micrograd_step(model, X, y), 1)

    hand = res["hand-written Python floats (eager.py (d))"]
    rows = [("contender", "median", "its time / hand-written")]
    for name, t in res.items():
        rows.append((name, f"{t * 1e3:.3f} ms", f"{t / hand:.2f}x"))
    print(f"One step, medians of {rounds} rounds in turns:\n")
    print(table(rows))
    print("\nFirst calls (the trace) and second calls (passes, compile), on their own:\n")
    print(table(first_rows))
    print("\nThe loop's jit, phase by phase:", phases(tg.value_and_grad(loop_loss), params))
    first, held, second = traced_peak(tg.value_and_grad(loop_loss), params)
    print(f"tracemalloc peak of a fresh loop jit's first call: {first:.0f} MB, held after "
          f"it {held:.0f} MB, the second call's peak (it compiles) {second:.0f} MB")

    # ------------------------------------------------ a jitted call's overhead
    spec = jit_example.lower(params, *points[0])
    leaves = tree.leaves((( params, *points[0]), {}))
    call = interleaved({"call": lambda: jit_example(params, *points[0]),
                        "body": lambda: spec.fn(leaves)}, rounds)
    g = jit_example(params, *points[0])[1]
    summing = median_time(lambda: tg.tree.map(lambda u, v: u + v, g, g), 200)
    print(f"\nA jitted per-example call ({len(leaves)} leaves in, "
          f"{len(tree.leaves(g)) + 1} out): {call['call'] * 1e6:.1f} us, of which the "
          f"compiled body {call['body'] * 1e6:.1f} us: overhead "
          f"{(call['call'] - call['body']) * 1e6:.1f} us. tg.tree.map summing two "
          f"gradients of {len(tree.leaves(g))} leaves: {summing * 1e6:.0f} us.")

    # ------------------------------------------- 100 SGD steps, step by step
    steps = 20 if args.quick else 100
    run = tg.jit(tg.value_and_grad(loop_loss))
    p = params
    ratios = []
    for _ in range(steps):
        q = p
        timed = interleaved({"jit": lambda: sgd(q, run(q)[1]),
                             "hand": lambda: eager.hand_step(q, X, y)}, 3, work=0.01)
        ratios.append(timed["jit"] / timed["hand"])
        p = sgd(p, run(p)[1])
    worst = int(np.argmax(ratios))
    print(f"\n{steps} SGD steps of the loop's jit beside the hand-written step: "
          f"jit / hand-written {ratios[0]:.2f}x at step 0, {ratios[-1]:.2f}x at the last, "
          f"median {statistics.median(ratios):.2f}x, worst {ratios[worst]:.2f}x (step {worst});"
          f" traces: {run.trace_count}.")
    print("\nFirst calls of straight-line code, on their own:\n")
    print(straight_line_rows())


if __name__ == "__main__":
    main()
