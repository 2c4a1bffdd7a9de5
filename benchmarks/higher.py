"""Second derivatives: the cost of a Hessian-vector product and of a Hessian,
relative to one gradient, beside HIPS autograd and JAX (eager), in one run.

  pip install -e ".[bench]"     # autograd; JAX if installed (pip install jax)
  python benchmarks/higher.py [--quick]

The function is f(x) = sum(tanh(x)**2) for n = 10, 100, 1000 parameters,
written two ways for tapegrad: as one NumPy array (a few records, one NumPy
call each) and as a list of n floats (a few records per parameter). For each:
one ``grad``, a Hessian-vector product ``jvp(grad(f), (x,), (v,))``, and the
full ``hessian``. Medians of repeated runs; ratios are to the same library's
``grad``, and "vs autograd" is autograd's time over tapegrad's.
"""

from __future__ import annotations

import argparse
import functools
from collections.abc import Callable
from typing import Any

import numpy as np
from _common import have, interleaved, table

import tapegrad as tg


def f_array(x: Any) -> Any:
    return tg.sum(tg.tanh(x) ** 2)


def f_floats(xs: list[Any]) -> Any:
    return sum(tg.tanh(x) ** 2 for x in xs)


Ops = dict[str, Callable[[Any, Any], Any]]


def tapegrad_ops(f: Callable[[Any], Any]) -> Ops:
    grad = tg.grad(f)
    return {"grad": lambda x, v: grad(x),
            "hvp": lambda x, v: tg.jvp(grad, (x,), (v,))[1],
            "hessian": lambda x, v: tg.hessian(f)(x)}


def autograd_ops(floats: bool) -> Ops:
    import autograd
    import autograd.numpy as anp
    from autograd.differential_operators import make_hvp

    def f(x: Any) -> Any:
        if floats:
            return sum(anp.tanh(xi) ** 2 for xi in x)
        return anp.sum(anp.tanh(x) ** 2)
    grad = autograd.grad(f)
    ops: Ops = {"grad": lambda x, v: grad(x),
                "hvp": lambda x, v: make_hvp(f)(x)[0](v)}
    if not floats:    # autograd.hessian needs an array argument
        ops["hessian"] = lambda x, v: autograd.hessian(f)(x)
    return ops


def jax_ops() -> Ops:
    import jax
    import jax.numpy as jnp
    jax.config.update("jax_enable_x64", True)

    def f(x: Any) -> Any:
        return jnp.sum(jnp.tanh(x) ** 2)
    grad = jax.grad(f)

    def block(y: Any) -> Any:
        return jax.block_until_ready(y)
    return {"grad": lambda x, v: block(grad(x)),
            "hvp": lambda x, v: block(jax.jvp(grad, (x,), (v,))[1]),
            "hessian": lambda x, v: block(jax.hessian(f)(x))}


def check(n: int) -> None:
    """All contenders agree with the closed form before anything is timed."""
    rng = np.random.default_rng(n)
    x, v = rng.normal(size=n), rng.normal(size=n)
    t = np.tanh(x)
    d2 = 2 * (1 - t * t) * (1 - 3 * t * t)          # (tanh**2)'' elementwise
    for ops, arg in ((tapegrad_ops(f_array), x), (tapegrad_ops(f_floats), list(x))):
        assert np.allclose(ops["hvp"](arg, v if arg is x else list(v)), d2 * v)
    if n <= 100:
        assert np.allclose(tg.hessian(f_array)(x), np.diag(d2))
        assert np.allclose(tg.hessian(f_floats)(list(x)), np.diag(d2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, n up to 100")
    args = parser.parse_args()
    sizes = [10, 100] if args.quick else [10, 100, 1000]
    repeats = 5 if args.quick else 15

    # (name, ops, takes a list of floats)
    contenders: list[tuple[str, Ops, bool]] = [
        ("tapegrad, array", tapegrad_ops(f_array), False),
        ("tapegrad, floats", tapegrad_ops(f_floats), True),
    ]
    if have("autograd"):
        contenders += [("autograd, array", autograd_ops(False), False),
                       ("autograd, floats", autograd_ops(True), True)]
    else:
        print("autograd not installed: skipped")
    if have("jax"):
        contenders.append(("JAX eager, array", jax_ops(), False))
    else:
        print("JAX not installed: skipped")

    times: dict[tuple[str, int], dict[str, float]] = {}
    for n in sizes:
        check(n)
        rng = np.random.default_rng(n)
        x, v = rng.normal(size=n), rng.normal(size=n)
        jobs = {}
        for name, ops, as_list in contenders:
            xa, va = (x.tolist(), v.tolist()) if as_list else (x, v)
            for op, fn in ops.items():
                jobs[name, op] = functools.partial(fn, xa, va)
        medians = interleaved(jobs, repeats)
        for name, ops, _ in contenders:
            times[name, n] = {op: medians[name, op] for op in ops}

    rows = [("n", "library", "grad", "hvp", "hvp/grad", "hessian", "hessian/grad",
             "hvp: autograd/tapegrad")]
    for n in sizes:
        for name, _, _ in contenders:
            t = times[name, n]
            g, h, H = t["grad"], t["hvp"], t.get("hessian")
            vs = ""
            if name.startswith("tapegrad"):
                peer = times.get((name.replace("tapegrad", "autograd"), n))
                vs = f"{peer['hvp'] / h:.1f}x" if peer else ""
            rows.append((str(n), name, f"{g * 1e3:.3f} ms", f"{h * 1e3:.3f} ms",
                         f"{h / g:.2f}", f"{H * 1e3:.2f} ms" if H else "n/a",
                         f"{H / g:.0f}" if H else "", vs))
    print(table(rows))


if __name__ == "__main__":
    main()
