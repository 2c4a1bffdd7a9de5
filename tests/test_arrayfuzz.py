"""Random straight-line NumPy array programs under every composition of transforms.

``random_program(seed)`` writes a function ``f`` of one to three arrays of
random shapes (0-d, (1,), (3,), (2, 3) and broadcasting pairs) and dtypes
(float64, float32 or both), a few lines each from: ufuncs on safe domains,
``np.maximum``/``minimum``/``where``/``clip``, ``abs``, ``**``, Python
scalars and int64 constants, reductions with ``axis``/``keepdims``,
cumulative sums and products, a logsumexp, ``matmul``/``dot``/``einsum``/
``outer``/``tensordot``, reshapes, transposes, joins, ``broadcast_to``,
``take``, indexing (ints, slices, negative steps, integer arrays),
``np.sort`` and ``np.linalg`` on well-conditioned matrices. Each line is
tried on sample inputs while writing; one NumPy rejects, warns on or
blows up is drawn again. ``f`` returns every value it computed; the
differentiated function is their weighted sum.

Checks: eager (inside ``tg.jvp``) and ``tg.jit`` (first and second call)
give NumPy's values, dtypes and shapes bit for bit; ``grad`` and ``jvp``
against central differences; ``jit(grad)``, ``grad(jit)``, ``jit(jvp)``
against eager bit for bit; ``vmap(grad)``, ``vmap(jit(f))`` and
``jit(vmap(f))`` against a Python loop bit for bit; the Hessian-vector
product ``jvp(grad)`` against central differences of ``grad``, and
``grad(grad)`` of a 0-d argument. Hunting: ``python tests/test_arrayfuzz.py
FIRST COUNT`` prints each failure with its program.

*Write* programs (``random_program(seed, writes=True)``; the hunt's last
argument ``writes``) add, from a second stream of choices (the seed's other
lines stay), lines that write into a new array in place: an item, a mask, a
reversed slice, a traced index, a repeated index (NumPy's buffered ``+=``),
``np.put``, ``np.copyto``, ``+=``/``*=``/``-=`` with broadcasting and a cast,
and a shifted slice added to itself.
"""

from __future__ import annotations

import random
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tapegrad as tg

SHAPES = [(), (1,), (3,), (2, 3), (2, 1), (1, 3), (3,), (2, 3)]
DTYPES = {"f64": [np.float64], "f32": [np.float32], "mixed": [np.float32, np.float64]}
UNARY = ["np.exp(np.tanh({a}))", "np.log1p({a} ** 2)", "np.sin({a})", "np.arctan({a})",
         "np.sqrt(1 + {a} ** 2)", "np.abs({a})", "np.clip({a}, -0.5, 0.7)", "{a} * 2",
         "1.5 - {a}", "{a} ** 2", "{a} ** 3", "np.tanh({a}) * 0.5", "-{a}", "np.cos({a})",
         "{a} / (1.0 + {a} ** 2)", "{a} + np.int64(2)", "{a} * np.array(3)",
         "(1.0 + {a} ** 2) ** 0.5", "{a} * np.arange(1, {n} + 1)", "np.square({a}) - {a}",
         "{a} - np.arange({n}) * 0.5", "2 ** np.tanh({a})", "np.maximum({a}, 0.1)"]
BINARY = ["{a} + {b}", "{a} * {b}", "{a} - {b}", "np.maximum({a}, {b})",
          "np.minimum({a}, {b})", "np.where({a} > {b}, {a}, {b} * 0.5)",
          "{a} / (1.0 + {b} ** 2)", "np.where({a} < 0.3, {b}, 1.0)", "{a} * 0.5 + {b} * 2"]
REDUCE = ["np.sum", "np.mean", "np.prod", "np.max", "np.min", "np.std", "np.var", "np.amax"]
CONTRACT = ["{a} @ {b}", "{a} @ {b}.T", "{a}.T @ {b}", "np.dot({a}, {b})",
            "np.einsum('ij,j->i', {a}, {b})", "np.einsum('ij,kj->ik', {a}, {b})",
            "np.einsum('i,i->', {a}, {b})", "np.einsum('ij->j', {a})", "np.outer({a}, {b})",
            "np.tensordot({a}, {b}, axes=1)", "np.tensordot({a}, {b}, axes=0)",
            "np.tensordot({a}, {b}, axes=([0], [0]))", "np.einsum('ij,ij->j', {a}, {b})",
            "np.inner({a}, {b})", "np.matmul({a}, {b})"]
SHAPING = ["{a}.reshape(-1)", "{a}.reshape(3, 2)", "{a}.T", "np.transpose({a})",
           "np.swapaxes({a}, 0, -1)", "np.concatenate([{a}, {b}], axis={ax})",
           "np.stack([{a}, {b}], axis={ax})", "np.broadcast_to({a}, (2, 3))",
           "np.broadcast_to({a}, (2,) + np.shape({a}))", "np.take({a}, [2, 0, 0], axis={ax})",
           "{a}[1]", "{a}[::-1]", "{a}[..., ::-2]", "{a}[np.array([0, 2, 2])]", "{a}[-1]",
           "{a}[:, 1:]", "{a}[None]", "{a}[1, ::-1]", "{a}[:, np.array([2, 0])]",
           "np.sort({a}, axis={ax})", "np.sort({a})", "{a}[0, 1]", "np.expand_dims({a}, 0)",
           "np.concatenate([{a}, {b}])", "{a}[np.array([1, 0]), np.array([2, 2])]",
           "np.flip({a}, axis={ax})", "{a}.ravel()[np.array([1, 0])]"]
LINALG = ["np.linalg.norm({a})", "np.linalg.norm({a}, axis={ax})",
          "np.linalg.inv({m})", "np.linalg.solve({m}, {b})", "np.linalg.det({m})",
          "np.linalg.solve({m}, np.ones({n}))", "np.linalg.inv({m}) @ {b}"]
# each written array is traced where its value is (a NumPy array cannot hold a traced value):
# "+ 0.0 * np.sum({b})" where only {b} may be traced
WRITES = ["{v} = {a} + 0.0 * np.sum({b}); {v}[0] = np.sum({b})",
          "{v} = {a} + 0.0 * np.sum({b}); {v} += {b}",
          "{v} = {a} + 0.0 * np.sum({b}); {v} *= np.tanh({b})",
          "{v} = {a}.copy(); {v}[{v} > 0.2] = 0.2",
          "{v} = {a} + 0.0 * np.sum({b}); {v}[..., ::-1] = {b}",
          "{v} = np.zeros_like({a}); {v}[..., 0] = {a}[..., 0] * 2.0",
          "{v} = {a}.copy(); {v}[np.argmax({a}, axis=0)] -= 1.0",
          "{v} = {a} + 0.0 * np.sum({b}); {v}[[0, 0]] += {b}",
          "{v} = np.ones_like({a}) + 0.0 * np.sum({b}); np.copyto({v}, {b})",
          "{v} = {a} + 0.0 * np.sum({b}); np.put({v}, [0, -1], np.sum({b}))",
          "{v} = {a}.copy(); {v} -= {v}.mean()", "{v} = {a}.copy(); {v}[1:] += {v}[:-1]",
          "{v} = {a} + 0.0 * np.sum({b}); {v}[..., 1:] *= {b}[..., :1]",
          "{v} = np.zeros_like({a}) + 0.0 * np.sum({b}); {v}[{a} > 0] = np.max({b})"]
MATRICES = ["(np.eye({n}) * 3 + 0.3 * np.tanh({a}.T @ {a}))",
            "(np.eye({n}) * 3 + 0.3 * np.tanh(np.outer({a}, {a})))",
            "(np.eye({n}) * 3 + 0.3 * np.tanh({a}))"]


class Writer:
    """Writes one program line by line, trying each line on sample inputs."""

    def __init__(self, seed: int, writes: bool = False) -> None:
        self.rnd = random.Random(seed)
        self.wr = random.Random(f"writes{seed}") if writes else None
        nargs = self.rnd.choice([1, 2, 2, 3])
        kinds = DTYPES[self.rnd.choice(["f64", "f64", "f32", "mixed"])]
        self.names = ["x", "y", "z"][:nargs]
        rng = np.random.default_rng(seed)
        self.args = [np.asarray(rng.normal(size=self.rnd.choice(SHAPES)),
                                kinds[i % len(kinds)]) for i in range(nargs)]
        self.env: dict[str, Any] = {"np": np, **dict(zip(self.names, self.args))}
        self.vars = list(self.names)
        self.lines: list[str] = []

    def operand(self) -> str:
        recent = self.vars[-3:]
        return self.rnd.choice(recent + self.vars)

    def expression(self) -> str:
        a, b = self.operand(), self.operand()
        va = np.asarray(self.env[a])
        n = va.shape[-1] if va.ndim else 3
        group = self.rnd.choice([UNARY, UNARY, BINARY, BINARY, "reduce", CONTRACT, SHAPING,
                                 SHAPING, LINALG, "scan"])
        ax = self.rnd.choice([0, -1, 1]) if va.ndim else 0
        if group == "reduce":
            return self.reduction(a, va)
        if group == "scan":
            fn = self.rnd.choice(["np.cumsum", "np.cumprod"])   # a 0-d array's axis: refused
            return f"{fn}({a}, axis={self.rnd.choice([None, 0, -1]) if va.ndim else None})"
        text = self.rnd.choice(group)
        m = self.rnd.choice(MATRICES)       # np.outer's is va.size square: eye(n) of its size
        m = m.format(a=a, n=va.size if "outer" in m else n)
        return text.format(a=a, b=b, n=n, ax=ax, m=m)

    def write(self, name: str) -> str:
        """A line writing into ``name``, a new array, in place (the write stream's choices)."""
        assert self.wr is not None
        recent = self.vars[-3:]
        # not into a 0-d array: vmap's reference loop takes its examples as NumPy scalars
        arrays = [v for v in recent + self.vars if np.ndim(self.env[v]) > 0]
        if not arrays:
            return f"{name} = {self.expression()}"
        a, b = self.wr.choice(arrays), self.wr.choice(recent + self.vars)
        return self.wr.choice(WRITES).format(v=name, a=a, b=b)

    def reduction(self, a: str, va: np.ndarray) -> str:
        axes: list[Any] = [None] + list(range(-va.ndim, va.ndim)) + ([(0, 1)] if va.ndim == 2
                                                                     else [])
        axis, keep = self.rnd.choice(axes), self.rnd.choice([False, True])
        if self.rnd.random() < 0.15:     # logsumexp, NumPy's way
            k = axis if not isinstance(axis, tuple) else None
            return (f"np.log(np.sum(np.exp({a} - np.max({a}, axis={k}, keepdims=True)), "
                    f"axis={k})) + np.max({a}, axis={k})")
        return f"{self.rnd.choice(REDUCE)}({a}, axis={axis}, keepdims={keep})"

    def tried(self, line: str) -> Any:
        """The line's value on the samples; None where NumPy rejects, warns or blows up."""
        env = dict(self.env)
        try:
            with warnings.catch_warnings(), np.errstate(all="raise"):
                warnings.simplefilter("error")
                exec(line, env)
        except Exception:      # noqa: BLE001 - any NumPy refusal: draw another line
            return None
        v = env[line.split(" = ")[0]]
        if not isinstance(v, np.ndarray | np.generic) or v.dtype.kind != "f" or v.size == 0:
            return None
        if not np.all(np.isfinite(v)) or np.max(np.abs(v)) > 1e4 or v.size > 36:
            return None
        if ("np.std" in line or "norm" in line) and np.min(np.abs(v)) < 1e-3:
            return None        # sqrt's kink at a zero spread, a norm's at zero
        return v

    def program(self) -> str:
        for k in range(self.rnd.randint(2, 7)):
            name = f"v{k}"
            for _ in range(60):
                line = (self.write(name) if self.wr is not None and self.wr.random() < 0.4
                        else f"{name} = {self.expression()}")
                v = self.tried(line)
                if v is not None:
                    self.env[name] = v
                    self.vars.append(name)
                    self.lines.append(line)
                    break
        body = "".join(f"    {line}\n" for line in self.lines)
        outs = ", ".join(self.vars[len(self.names):])
        return f"def f({', '.join(self.names)}):\n{body}    return ({outs},)\n"


def random_program(seed: int, writes: bool = False) -> tuple[str, list[np.ndarray]]:
    """A program's source and its sample arguments; ``writes``: with the write lines."""
    w = Writer(seed, writes)
    return w.program(), w.args


def build(src: str) -> Callable[..., Any]:
    ns: dict[str, Any] = {"np": np}
    exec(compile(src, "<arrayfuzz>", "exec"), ns)
    return ns["f"]


def weighted(f: Callable[..., Any]) -> Callable[..., Any]:
    """The sum of every output, each weighted elementwise by fixed cosines."""
    def total(*xs: Any) -> Any:
        s = 0.0
        for k, y in enumerate(f(*xs)):
            s = s + np.sum(y * np.cos(np.arange(np.size(y)) + 1.0 + k).reshape(np.shape(y)))
        return s
    return total


# ---------------------------------------------------------------- checks


def same(got: Any, want: Any) -> str | None:
    """None when equal bit for bit in value, dtype and shape, item by item; else why not."""
    if isinstance(want, tuple | list):
        if not isinstance(got, tuple | list) or len(got) != len(want):
            return f"structure {type(got).__name__} of {len(got)}"
        for i, (g, w) in enumerate(zip(got, want)):
            why = same(g, w)
            if why:
                return f"[{i}] {why}"
        return None
    g, w = np.asarray(got), np.asarray(want)
    if (g.dtype, g.shape) != (w.dtype, w.shape):
        return f"{g.dtype}{g.shape}, want {w.dtype}{w.shape}"
    if not np.array_equal(g, w, equal_nan=True):
        return f"{g!r}, want {w!r}"
    return None


def close(got: Any, num: Any, tol: float) -> str | None:
    for i, (g, n) in enumerate(zip(got, num)):
        g, n = np.asarray(g, np.float64), np.asarray(n, np.float64)
        if g.shape != n.shape or not np.allclose(g, n, rtol=tol, atol=tol, equal_nan=False):
            return f"[{i}] {g!r}, differences {n!r}"
    return None


def central(fun: Callable[..., Any], args: list[Any], ts: list[Any], eps: float) -> Any:
    """Central difference of ``fun`` along ``ts``, at two steps; None where they disagree."""
    def at(h: float) -> Any:
        hi = fun(*(a + h * t for a, t in zip(args, ts)))
        lo = fun(*(a - h * t for a, t in zip(args, ts)))
        return [(np.asarray(u, np.float64) - np.asarray(v, np.float64)) / (2 * h)
                for u, v in zip(hi if isinstance(hi, tuple) else (hi,),
                                lo if isinstance(lo, tuple) else (lo,))]
    one, two = at(eps), at(eps * 10)
    smooth = all(np.allclose(p, q, rtol=1e-4, atol=1e-6) for p, q in zip(one, two))
    return one if smooth else None


class Fuzz:
    """Runs programs under the transforms and keeps what disagrees."""

    def __init__(self) -> None:
        self.failures: list[str] = []
        self.calls = 0
        self.src = ""

    def check(self, kind: str, run: Callable[[], Any], want: Callable[[], Any] | Any,
              compare: Callable[[Any, Any], str | None] = same) -> None:
        self.calls += 1
        try:
            got = run()
            why = compare(got, want() if callable(want) else want)
        except Exception as e:  # noqa: BLE001 - a crash is a failure to report
            why = f"raises {type(e).__name__}: {e}"
        if why:
            self.failures.append(f"{kind}: {why[:600]}\n{self.src}")

    def program(self, seed: int, writes: bool = False) -> None:
        self.src, args = random_program(seed, writes)
        f = build(self.src)
        rng = np.random.default_rng(seed + 1)
        other = [np.asarray(a + rng.normal(size=a.shape) * 0.3, a.dtype) for a in args]
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            for part in (lambda: self.values(f, args, other),
                         lambda: self.derivatives(f, args, rng),
                         lambda: self.batched(f, args, other)):
                self.check("run", part, None, lambda u, v: None)

    def values(self, f: Callable[..., Any], args: list[Any], other: list[Any]) -> None:
        ones = [np.ones_like(a) for a in args]
        self.check("eager", lambda: tg.jvp(f, args, ones)[0], lambda: f(*args))
        jf = tg.jit(f)
        self.check("jit", lambda: jf(*args), lambda: f(*args))
        self.check("jit (second call)", lambda: jf(*other), lambda: f(*other))

    def derivatives(self, f: Callable[..., Any], args: list[Any], rng: Any) -> None:
        s, nums = weighted(f), tuple(range(len(args)))
        wide = all(a.dtype == np.float64 for a in args)
        tol = 1e-6 if wide else 2e-3
        x64 = [a.astype(np.float64) for a in args]
        g = tg.grad(s, nums)
        grads = g(*args)
        for i, a in enumerate(args):
            for idx in np.ndindex(a.shape):
                e = [np.zeros_like(b) for b in x64]
                e[i][idx] = 1.0
                num = central(s, x64, e, 1e-6)
                if num is not None:
                    self.check(f"grad[{i}]{idx}", lambda: (np.asarray(grads[i])[idx],), num,
                               lambda u, v: close(u, v, tol))
        ts = [np.asarray(rng.normal(size=a.shape), a.dtype) for a in args]
        num = central(f, x64, ts, 1e-6)
        if num is not None:
            self.check("jvp", lambda: tg.jvp(f, args, ts)[1], num, lambda u, v: close(u, v, tol))
        self.check("jit(grad)", lambda: tg.jit(g)(*args), grads)
        self.check("grad(jit)", lambda: tg.grad(tg.jit(s), nums)(*args), grads)
        self.check("jit(jvp)", lambda: tg.jit(lambda *a: tg.jvp(f, a, ts))(*args),
                   lambda: tg.jvp(f, args, ts))
        if wide:
            num = central(g, x64, ts, 1e-4)
            if num is not None:
                self.check("jvp(grad)", lambda: tg.jvp(g, args, ts)[1], num,
                           lambda u, v: close(u, v, 1e-5))
        for i, a in enumerate(args):
            if a.ndim == 0 and wide:
                gi = tg.grad(s, i)
                num = central(gi, x64, [np.ones_like(b) * (j == i) for j, b in enumerate(x64)],
                              1e-4)
                if num is not None:
                    self.check(f"grad(grad)[{i}]", lambda: (tg.grad(gi, i)(*args),), num,
                               lambda u, v: close(u, v, 1e-5))

    def batched(self, f: Callable[..., Any], args: list[Any], other: list[Any]) -> None:
        third = [np.asarray(a * 0.5 - 0.25, a.dtype) for a in args]
        rows = [args, other, third]
        batch = [np.stack(col) for col in zip(*rows)]
        # the loop takes each example as vmap does, batch[i]: a 0-d argument's is a NumPy
        # scalar, whose ``z ** 3`` is NumPy's scalar math (a 0-d array's is np.power)
        rows = [[b[i] for b in batch] for i in range(len(rows))]
        s, nums = weighted(f), tuple(range(len(args)))
        g = tg.grad(s, nums)

        def loop(fun: Callable[..., Any]) -> Any:
            outs = [fun(*row) for row in rows]
            return tuple(np.stack(col) for col in zip(*outs))
        self.check("vmap(grad)", lambda: tg.vmap(g)(*batch), lambda: loop(g))
        self.check("vmap(jit)", lambda: tg.vmap(tg.jit(f))(*batch), lambda: loop(f))
        self.check("jit(vmap)", lambda: tg.jit(tg.vmap(f))(*batch), lambda: loop(f))


# ---------------------------------------------------------------- tests


@pytest.mark.parametrize("block", range(4))
def test_seeded_array_programs_agree_under_every_transform(block):
    fuzz = Fuzz()
    for seed in range(block * 6, block * 6 + 6):
        fuzz.program(seed)
    assert not fuzz.failures, fuzz.failures[0]


@pytest.mark.parametrize("block", range(2))
def test_seeded_array_programs_writing_in_place_agree_under_every_transform(block):
    fuzz = Fuzz()
    for seed in range(block * 6, block * 6 + 6):
        fuzz.program(seed, writes=True)
    assert not fuzz.failures, fuzz.failures[0]


if __name__ == "__main__":     # hunting: python tests/test_arrayfuzz.py FIRST COUNT [writes]
    import sys
    first, count = int(sys.argv[1]), int(sys.argv[2])
    writes = sys.argv[-1] == "writes"
    fuzz = Fuzz()
    for seed in range(first, first + count):
        before = len(fuzz.failures)
        print("seed", seed, file=sys.stderr, flush=True)
        fuzz.program(seed, writes)
        for failure in fuzz.failures[before:]:
            print(f"--- seed {seed}: {failure.splitlines()[0][:300]}", flush=True)
        if len(fuzz.failures) > before:
            print(fuzz.src, flush=True)
    print(f"programs {count}, calls {fuzz.calls}, failures {len(fuzz.failures)}")
