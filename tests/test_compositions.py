"""Compositions are what they say: any stack of transforms equals the same stack
without ``jit`` (and ``vmap`` equals a Python loop), at any depth.

API.md, "Added in turn 3": a jitted function met by another transform is traced
once per signature; TRAPS row 38 (``jit`` of a wrapper of a jitted function,
``functools.update_wrapper`` copying ``__dict__``), row 1b (the same variable at
two levels) through ``grad(jit)`` and ``jit(grad(jit))``.
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import Phase, assume, given, settings
from hypothesis import strategies as st

import tapegrad as tg

NOJIT: Callable[..., Any] = lambda fun, **kw: fun   # noqa: E731  (a stack with its jits removed)


def same_bits(a: Any, b: Any) -> None:
    """``a`` and ``b`` are the same numbers: structure, shape, dtype and bits."""
    la, da = tg.tree.flatten(a)
    lb, db = tg.tree.flatten(b)
    assert da == db, (a, b)
    for x, y in zip(la, lb):
        x, y = np.asarray(x), np.asarray(y)
        assert x.shape == y.shape and x.dtype == y.dtype, (a, b)
        np.testing.assert_array_equal(x, y)
        assert np.array_equal(np.signbit(x), np.signbit(y)), (a, b)


def close(a: Any, b: Any, rtol: float = 1e-12, atol: float = 1e-12) -> None:
    """``a`` and ``b`` agree to ``rtol`` leaf by leaf (same structure and shapes)."""
    la, da = tg.tree.flatten(a)
    lb, db = tg.tree.flatten(b)
    assert da == db, (a, b)
    for x, y in zip(la, lb):
        assert np.shape(x) == np.shape(y), (a, b)
        np.testing.assert_allclose(np.asarray(x, float), np.asarray(y, float),
                                   rtol=rtol, atol=atol)


# --------------------------------------------------------------- named cases
# Two test functions with closed forms: a smooth one, and one with a Python
# branch on the traced value (a vmap over points on both sides splits the batch).
def smooth(x: Any) -> Any:
    return tg.sin(x) * x


def smooth_d1(x: Any) -> Any:
    return np.sin(x) + x * np.cos(x)


def smooth_d2(x: Any) -> Any:
    return 2 * np.cos(x) - x * np.sin(x)


def branchy(x: Any) -> Any:
    if x > 0.0:
        return tg.exp(x) * 0.5
    return x * x * x


def branchy_d0(x: float) -> float:
    return math.exp(x) * 0.5 if x > 0 else x ** 3


def branchy_d1(x: float) -> float:
    return math.exp(x) * 0.5 if x > 0 else 3 * x * x


def branchy_d2(x: float) -> float:
    return math.exp(x) * 0.5 if x > 0 else 6 * x


FUNCTIONS = {
    "smooth": (smooth, lambda x: math.sin(x) * x, smooth_d1, smooth_d2),
    "branchy": (branchy, branchy_d0, branchy_d1, branchy_d2),
}
POINTS = (1.3, -0.7)
BATCH = np.array([1.3, -0.7, 0.4, -2.1])


def scaled(factor: float) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A user decorator: multiplies the result, keeps the name (functools.wraps)."""
    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapper(*args: Any) -> Any:
            return factor * fn(*args)
        return wrapper
    return decorate


class Model:
    """A callable object whose attributes are named like jit's own state."""

    def __init__(self, f: Callable[..., Any]):
        self.f = f
        self.scale = 3.0
        self.fun = lambda x: -x           # a user's own attribute named `fun`
        self.cache: dict[Any, Any] = {}
        self._fast = ("not", "jit's")
        self.static_argnums = (0,)

    def __call__(self, x: Any) -> Any:
        return self.scale * self.f(x)


def _jvp_pair(J: Callable[..., Any], f: Callable[..., Any]) -> Callable[..., Any]:
    return lambda x: tg.jvp(J(f), (x,), (0.75,))


# name -> (build(J, f), closed form(f0, f1, f2) -> function of a point, batched?)
NAMED: dict[str, tuple[Callable[..., Any], Callable[..., Any], bool]] = {
    "jit(grad(jit(f)))": (lambda J, f: J(tg.grad(J(f))), lambda d0, d1, d2: d1, False),
    "jit(value_and_grad(jit(f)))": (lambda J, f: J(tg.value_and_grad(J(f))),
                                    lambda d0, d1, d2: lambda x: (d0(x), d1(x)), False),
    "jit(vmap(grad(jit(f))))": (lambda J, f: J(tg.vmap(tg.grad(J(f)))),
                                lambda d0, d1, d2: d1, True),
    "grad(jit(f))": (lambda J, f: tg.grad(J(f)), lambda d0, d1, d2: d1, False),
    "vmap(jit(f))": (lambda J, f: tg.vmap(J(f)), lambda d0, d1, d2: d0, True),
    "jvp(jit(f))": (_jvp_pair, lambda d0, d1, d2: lambda x: (d0(x), 0.75 * d1(x)), False),
    "hessian(jit(f))": (lambda J, f: tg.hessian(J(f)), lambda d0, d1, d2: d2, False),
    "grad(grad(jit(f)))": (lambda J, f: tg.grad(tg.grad(J(f))), lambda d0, d1, d2: d2,
                           False),
    "jit(decorator(jit(f)))": (lambda J, f: J(scaled(2.0)(J(f))),
                               lambda d0, d1, d2: lambda x: 2.0 * d0(x), False),
    "jit(grad(decorator(jit(f))))": (lambda J, f: J(tg.grad(scaled(2.0)(J(f)))),
                                     lambda d0, d1, d2: lambda x: 2.0 * d1(x), False),
    "jit(callable object)": (lambda J, f: J(Model(f)),
                             lambda d0, d1, d2: lambda x: 3.0 * d0(x), False),
    "grad(jit(callable object))": (lambda J, f: tg.grad(J(Model(f))),
                                   lambda d0, d1, d2: lambda x: 3.0 * d1(x), False),
    "jit(grad(jit(callable object)))": (lambda J, f: J(tg.grad(J(Model(f)))),
                                        lambda d0, d1, d2: lambda x: 3.0 * d1(x), False),
}


def _loop(d: Callable[[float], Any]) -> Callable[[np.ndarray], np.ndarray]:
    return lambda xs: np.array([d(float(x)) for x in xs])


@pytest.mark.parametrize("fname", sorted(FUNCTIONS))
@pytest.mark.parametrize("case", list(NAMED))
def test_named_composition_equals_stack_without_jit_and_closed_form(case, fname):
    build, closed, batched = NAMED[case]
    f, *derivs = FUNCTIONS[fname]
    expect = closed(*derivs)
    fun = build(tg.jit, f)
    for x in (BATCH,) if batched else POINTS + POINTS:   # traced, then compiled
        got = fun(x)
        same_bits(got, build(NOJIT, f)(x))       # the same arithmetic, bit for bit
        close(got, _loop(expect)(x) if batched else expect(x))


@pytest.mark.parametrize("case", ["jit(callable object)", "grad(jit(callable object))",
                                  "jit(grad(jit(callable object)))"])
def test_jit_leaves_a_callable_objects_attributes_alone(case):
    model = Model(smooth)
    attrs = dict(vars(model))
    fun = tg.jit(model)
    if case != "jit(callable object)":
        fun = tg.jit(tg.grad(fun)) if case.startswith("jit(grad") else tg.grad(fun)
    fun(1.3)
    fun(0.2)
    assert vars(model) == attrs


def test_decorated_jitted_function_keeps_its_name_and_the_outer_jit_its_own_cache():
    inner = tg.jit(smooth)
    outer = tg.jit(scaled(2.0)(inner))
    assert outer.__name__ == "smooth"
    assert outer(1.3) == 2.0 * inner(1.3)
    assert outer(0.5) == 2.0 * inner(0.5)
    assert outer.trace_count == 1


# Arrays: a scalar loss and a vector function of a vector, every transform over jit.
def vec_loss(x: Any) -> Any:
    return tg.sum(tg.tanh(x) * x)


def vec_fun(x: Any) -> Any:
    return tg.tanh(x) * x


def vec_loss_grad(x: np.ndarray) -> np.ndarray:
    return np.tanh(x) + x * (1 - np.tanh(x) ** 2)


VX = np.array([0.3, -1.2, 2.0])
VB = np.array([[0.3, -1.2, 2.0], [1.5, 0.0, -0.4]])
ARRAY_CASES: dict[str, tuple[Callable[..., Any], Any, Callable[[Any], Any]]] = {
    "grad(jit(f))": (lambda J: tg.grad(J(vec_loss)), VX, vec_loss_grad),
    "jit(grad(jit(f)))": (lambda J: J(tg.grad(J(vec_loss))), VX, vec_loss_grad),
    "jacfwd(jit(g))": (lambda J: tg.jacfwd(J(vec_fun)), VX,
                       lambda x: np.diag(vec_loss_grad(x))),
    "jacrev(jit(g))": (lambda J: tg.jacrev(J(vec_fun)), VX,
                       lambda x: np.diag(vec_loss_grad(x))),
    "jit(jacrev(jit(g)))": (lambda J: J(tg.jacrev(J(vec_fun))), VX,
                            lambda x: np.diag(vec_loss_grad(x))),
    "hessian(jit(f))": (lambda J: tg.hessian(J(vec_loss)), VX, lambda x: np.diag(
        2 * (1 - np.tanh(x) ** 2) * (1 - x * np.tanh(x)))),
    "vmap(grad(jit(f)))": (lambda J: tg.vmap(tg.grad(J(vec_loss))), VB, vec_loss_grad),
    "jit(vmap(jit(g)))": (lambda J: J(tg.vmap(J(vec_fun))), VB, lambda x: np.tanh(x) * x),
    "make_tape(jit(f)) replayed": (lambda J: lambda x: tg.make_tape(J(vec_loss))(x)(x + 0.5),
                                   VX, lambda x: np.sum(np.tanh(x + 0.5) * (x + 0.5))),
    "grad(make_tape(jit(f)) replayed)": (
        lambda J: tg.grad(lambda x: tg.make_tape(J(vec_loss))(x)(x)), VX, vec_loss_grad),
}


@pytest.mark.parametrize("case", list(ARRAY_CASES))
def test_array_composition_equals_stack_without_jit_and_closed_form(case):
    build, x, closed = ARRAY_CASES[case]
    fun = build(tg.jit)
    got = fun(x)
    same_bits(got, build(NOJIT)(x))
    same_bits(fun(x), got)                              # a second call, compiled
    close(got, closed(x))


# A Jacobian computed inside another transform is the same block of numbers:
# every entry its own (no nan beside an inf, no lost sign of a zero).
JAC_POINTS = {"recip": (lambda x: 1.0 / x, np.array([0.0, -1.0, 2.0])),
              "square": (lambda x: x * x, np.array([0.3, -1.2, 0.0])),
              "float32": (lambda x: tg.tanh(x) * x, np.array([0.3, -1.2, 0.0], np.float32))}
JAC_INSIDE: dict[str, Callable[[Callable[..., Any], Any], Any]] = {
    "jit": lambda jf, x: tg.jit(jf)(x),
    "vjp (the value)": lambda jf, x: tg.vjp(jf, x)[0],
    "jvp (the value)": lambda jf, x: tg.jvp(jf, (x,), (np.ones_like(x),))[0],
    "make_tape replayed": lambda jf, x: tg.make_tape(jf)(x)(x),
    "vmap of one example": lambda jf, x: tg.vmap(jf)(x[None])[0],
}


@pytest.mark.parametrize("inside", list(JAC_INSIDE))
@pytest.mark.parametrize("jac", ["jacrev", "jacfwd"])
@pytest.mark.parametrize("fname", list(JAC_POINTS))
def test_jacobian_inside_a_transform_is_the_eager_jacobian(fname, jac, inside):
    f, x = JAC_POINTS[fname]
    jf = getattr(tg, jac)(f)
    with np.errstate(divide="ignore"):
        same_bits(JAC_INSIDE[inside](jf, x), jf(x))


# ------------------------------------------------- traced once per signature
def _counted() -> tuple[list[float], Callable[..., Any]]:
    calls: list[float] = []

    def f(x: Any) -> Any:
        calls.append(1.0)                  # a side effect: happens when traced
        return tg.sin(x) * x
    return calls, tg.jit(f)


SIDE_EFFECT_USES: dict[str, Callable[[Callable[..., Any], float], Any]] = {
    "grad": lambda jf, x: tg.grad(jf)(x),
    "value_and_grad": lambda jf, x: tg.value_and_grad(jf)(x)[1],
    "vjp": lambda jf, x: tg.vjp(jf, x)[1](1.0)[0],
    "jvp": lambda jf, x: tg.jvp(jf, (x,), (1.0,))[1],
    "jit(grad)": lambda jf, x: tg.jit(tg.grad(jf))(x),
    "grad(grad)": lambda jf, x: tg.grad(tg.grad(jf))(x) - smooth_d2(x) + smooth_d1(x),
}


@pytest.mark.parametrize("use", list(SIDE_EFFECT_USES))
def test_transform_of_jit_traces_once_per_signature(use):
    """JAX's test_grad_of_jit: the side effect in f happens once, not per call."""
    calls, jf = _counted()
    for x in (1.0, 2.0, -0.5, 1.0):
        assert math.isclose(SIDE_EFFECT_USES[use](jf, x), smooth_d1(x), rel_tol=1e-12)
    assert len(calls) == 1, f"{use} of a jitted function traced it {len(calls)} times"


def test_vmap_of_jit_traces_once_per_signature():
    calls, jf = _counted()
    vf = tg.vmap(jf)
    for xs in (np.array([1.0, 2.0, 3.0]), np.array([0.5, -1.0, 2.5]),
               np.array([0.1, 0.2, 0.3, 0.4, 0.5])):
        np.testing.assert_array_equal(vf(xs), tg.vmap(smooth)(xs))
        np.testing.assert_array_equal(tg.vmap(jf)(xs), vf(xs))
    assert len(calls) == 1, f"vmap of a jitted function traced it {len(calls)} times"


def test_jitted_function_is_traced_once_for_a_signature_whatever_transform_meets_it():
    """One float signature: the direct call and grad, vjp, jvp share one trace."""
    calls, jf = _counted()
    assert jf(1.0) == smooth(1.0)
    for x in (2.0, 3.0):
        assert tg.grad(jf)(x) == tg.grad(smooth)(x)
        assert tg.jvp(jf, (x,), (1.0,)) == tg.jvp(smooth, (x,), (1.0,))
        assert tg.vjp(jf, x)[1](1.0) == tg.vjp(smooth, x)[1](1.0)
    assert len(calls) == 1


# --------------------------------------------------------------- TRAPS row 1b
def _yxy(x: Any, y: Any) -> Any:
    return y * (x - y)


ROW_1B: dict[str, Callable[[Any], Any]] = {
    "eager": lambda x: tg.grad(_yxy, argnums=1)(x, x),
    "grad(jit)": lambda x: tg.grad(tg.jit(_yxy), argnums=1)(x, x),
    "jit(grad(jit))": lambda x: tg.jit(tg.grad(tg.jit(_yxy), argnums=1))(x, x),
    "grad(jit) closing over x": lambda x: tg.grad(tg.jit(lambda y: y * (x - y)))(x),
    "jit(grad(jit)) closing over x":
        lambda x: tg.jit(tg.grad(tg.jit(lambda y: y * (x - y))))(x),
}


@pytest.mark.parametrize("outer", ["grad", "jit(grad)"])
@pytest.mark.parametrize("inner", list(ROW_1B))
def test_same_variable_at_two_levels_through_jit(inner, outer):
    """d/dx (d/dy [y*(x-y)] at y=x) at 1 is -1 (TRAPS row 1b)."""
    g = tg.grad(ROW_1B[inner])
    if outer == "jit(grad)":
        g = tg.jit(g)
    assert g(1.0) == -1.0
    assert g(2.5) == -1.0


# A jitted function closing over a value another transform traces: the closed-over
# value is differentiated (and batched) like an argument, as in JAX.
CLOSURES: dict[str, tuple[Callable[..., Any], Callable[[float], Any]]] = {
    "grad, closed over and passed": (
        lambda J: tg.grad(lambda x: J(lambda y: x * y)(x)), lambda x: 2 * x),
    "grad, closed over only": (
        lambda J: tg.grad(lambda x: J(lambda y: x * y)(2.0)), lambda x: 2.0),
    "grad(grad(jit))": (
        lambda J: tg.grad(lambda x: tg.grad(J(lambda y: x * y))(x)), lambda x: 1.0),
    "grad(grad(jit)) of x*y*y": (
        lambda J: tg.grad(lambda x: tg.grad(J(lambda y: x * y * y))(x)), lambda x: 4 * x),
    "jvp": (lambda J: lambda x: tg.jvp(lambda v: J(lambda y: v * tg.sin(y))(v),
                                       (x,), (1.0,))[1], smooth_d1),
    "vmap": (lambda J: lambda x: tg.vmap(lambda v: J(lambda y: v * y)(v))(np.array([x, 2 * x])),
             lambda x: np.array([x * x, 4 * x * x])),
    "hessian": (lambda J: tg.hessian(lambda x: J(lambda y: x * tg.sin(y))(x)), smooth_d2),
    "jit(grad(jit))": (lambda J: J(tg.grad(lambda x: J(lambda y: x * tg.sin(y))(x))),
                       smooth_d1),
}


@pytest.mark.parametrize("case", list(CLOSURES))
def test_jit_closing_over_a_value_another_transform_traces(case):
    build, closed = CLOSURES[case]
    for x in (3.0, -0.5):
        got = build(tg.jit)(x)
        same_bits(got, build(NOJIT)(x))
        close(got, closed(x))


# ------------------------------------------- dtypes through grad of jit
def cube_sin(x: Any) -> Any:
    return tg.sum(x * x * x) + tg.sum(tg.sin(x))


DTYPE_INPUTS: dict[str, Any] = {
    "int": 2, "float": 2.5, "np.float64": np.float64(2.5), "np.float32": np.float32(2.5),
    "np.int64": np.int64(2), "np.int32": np.int32(-3),
    "float64 array": np.array([0.5, -1.25, 2.0]),
    "float32 array": np.array([0.5, -1.25, 2.0], dtype=np.float32),
    "int64 array": np.array([1, -2, 3]), "int32 array": np.array([1, -2, 3], dtype=np.int32),
    "uint8 array": np.array([5, 200], dtype=np.uint8),
}
DTYPE_STACKS: dict[str, Callable[[Callable[..., Any]], Callable[..., Any]]] = {
    "jit(grad(jit(f)))": lambda f: tg.jit(tg.grad(tg.jit(f))),
    "grad(jit(f))": lambda f: tg.grad(tg.jit(f)),
    "jit(grad(f))": lambda f: tg.jit(tg.grad(f)),
}


@pytest.mark.parametrize("stack", list(DTYPE_STACKS))
@pytest.mark.parametrize("kind", list(DTYPE_INPUTS))
def test_grad_through_jit_keeps_eagers_dtype_and_value(kind, stack):
    x = DTYPE_INPUTS[kind]
    fun = DTYPE_STACKS[stack](cube_sin)
    if isinstance(x, np.ndarray) and x.dtype.kind in "iu":
        # integer arrays are data, never differentiated: refused by every stack alike
        for g in (tg.grad(cube_sin), fun):
            with pytest.raises(TypeError, match="integer arrays are data"):
                g(x)
        return
    want = tg.grad(cube_sin)(x)
    for _ in range(2):                           # the compiled call as well as the trace
        same_bits(fun(x), want)                  # dtype, shape and bits
    xf = np.asarray(x, dtype=float)
    closed = 3 * xf * xf + np.cos(xf)
    rtol = 1e-6 if np.asarray(want).dtype == np.float32 else 1e-13
    np.testing.assert_allclose(np.asarray(want, float), closed, rtol=rtol)


# ------------------------------------------ random programs, random stacks
# A random scalar program of x and y: smooth tg expressions, a Python `if` on a
# traced value and a bounded `while` on one. The comparisons' margins are
# recorded when it runs on plain floats, so the test can stay away from the
# boundaries where a derivative does not exist.
UNARY: dict[str, Callable[[Any], Any]] = {
    "sin": tg.sin, "cos": tg.cos, "tanh": tg.tanh, "sigmoid": tg.sigmoid,
    "exp": lambda a: tg.exp(tg.tanh(a)), "log": lambda a: tg.log(1.5 + tg.sin(a)),
    "sqrt": lambda a: tg.sqrt(2.0 + tg.cos(a)), "neg": lambda a: -a,
    "inv": lambda a: 1.0 / (2.0 + tg.sin(a)), "sq": lambda a: tg.tanh(a) ** 2,
    "softplus": lambda a: tg.softplus(tg.tanh(a)),
}
BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (2.5 + tg.tanh(b)),
    "pow": lambda a, b: (1.5 + tg.sigmoid(a)) ** tg.tanh(b),
}


def expr(depth: int, leaves: tuple[str, ...]) -> st.SearchStrategy[Any]:
    leaf = st.sampled_from(leaves)
    if depth == 0:
        return leaf
    sub = expr(depth - 1, leaves)
    return st.one_of(leaf, st.tuples(st.sampled_from(sorted(UNARY)), sub),
                     st.tuples(st.sampled_from(sorted(BINARY)), sub, sub))


def evaluate(node: Any, env: dict[str, Any]) -> Any:
    if isinstance(node, str):
        return env[node]
    if len(node) == 2:
        return UNARY[node[0]](evaluate(node[1], env))
    return BINARY[node[0]](evaluate(node[1], env), evaluate(node[2], env))


@st.composite
def programs(draw: Any) -> dict[str, Any]:
    xy = ("x", "y", "c")
    return {
        "cond": draw(expr(2, xy)), "c0": draw(st.floats(-1, 1)),
        "then": draw(expr(3, xy)), "else": draw(expr(3, xy)),
        "c1": draw(st.floats(-1, 2)), "trips": draw(st.integers(1, 5)),
        "step": draw(expr(2, ("x", "y", "b", "c"))), "rise": draw(st.floats(0.1, 0.6)),
        "two_inputs": draw(st.booleans()),
    }


def make_program(p: dict[str, Any], margins: list[float] | None = None
                 ) -> Callable[..., Any]:
    """The drawn program as a Python function of x (and y)."""
    def prog(x: Any, y: Any = 0.3) -> Any:
        env = {"x": x, "y": y, "c": 0.7}
        a = evaluate(p["cond"], env)
        if margins is not None:
            margins.append(a - p["c0"])
        if a > p["c0"]:
            b = evaluate(p["then"], env)
        else:
            b = evaluate(p["else"], env)
        n = 0
        while b < p["c1"] and n < p["trips"]:
            if margins is not None:
                margins.append(b - p["c1"])
            b = b + p["rise"] + 0.1 * tg.tanh(evaluate(p["step"], {**env, "b": b}))
            n += 1
        if margins is not None:       # the check that ends the loop reads b < c1 too
            margins.append(b - p["c1"])
        return b * 1.0
    if p["two_inputs"]:
        return prog
    return lambda x: prog(x)


OFFSETS = (0.0, 0.0125, -0.02)     # a vmap inside a stack maps x + OFFSETS, then sums
SHIFT = 0.003                      # a tape recorded at x + SHIFT, replayed at x


def vmapped_sum(V: Callable[..., Any], f: Callable[..., Any]) -> Callable[..., Any]:
    """x -> sum over the offsets of f(x + offset), through vmap (or a loop)."""
    def fun(x: Any, *rest: Any) -> Any:
        if V is LOOP:
            return tg.sum(tg.stack([f(x + o, *rest) for o in OFFSETS]))
        xs = x + np.array(OFFSETS)
        return tg.sum(tg.vmap(f, in_axes=(0,) + (None,) * len(rest))(xs, *rest))
    return fun


def LOOP(fun: Callable[..., Any], in_axes: Any = 0) -> Callable[..., Any]:  # noqa: N802
    """vmap as a Python loop over axis 0 of the first argument."""
    def looped(xs: Any, *rest: Any) -> Any:
        return tg.tree.map(lambda *leaves: np.stack([np.asarray(v) for v in leaves]),
                           *[fun(float(x), *rest) for x in xs])
    return looped


# transform name -> (J, V) -> (f -> f); every one keeps f a scalar function of
# (x, *rest) differentiated in x.
INNER: dict[str, Callable[..., Callable[[Callable[..., Any]], Callable[..., Any]]]] = {
    "jit": lambda J, V: lambda f: J(f),
    "jit closing over x": lambda J, V: lambda f: (     # x traced by the transforms around,
        lambda x, *r: J(lambda v, *s: f(0.5 * (x + v), *s))(x, *r)),   # closed over and passed
    "grad": lambda J, V: lambda f: tg.grad(f),
    "jacfwd": lambda J, V: lambda f: tg.jacfwd(f),
    "jacrev": lambda J, V: lambda f: tg.jacrev(f),
    "hessian": lambda J, V: lambda f: tg.hessian(f),
    "jvp-derivative": lambda J, V: lambda f: (
        lambda x, *r: tg.jvp(lambda v: f(v, *r), (x,), (1.0,))[1]),
    "make_tape-then-call": lambda J, V: lambda f: (
        lambda *a: tg.make_tape(f)(*a)(*a)),
    "make_tape-replay-elsewhere": lambda J, V: lambda f: (
        lambda x, *r: tg.make_tape(f)(x + SHIFT, *r)(x, *r)),
    "vmap": lambda J, V: lambda f: vmapped_sum(V, f),
}
ORDER = {"grad": 1, "jacfwd": 1, "jacrev": 1, "jvp-derivative": 1, "hessian": 2}
# the outermost transforms: (names, whether the result is over a batch of points)
TOPS = [(), ("value_and_grad",), ("value_and_grad", "jit"), ("vmap",), ("vmap", "jit"),
        ("jit",)]


def build_stack(names: list[str], top: tuple[str, ...], f: Callable[..., Any],
                J: Callable[..., Any], V: Callable[..., Any], n_args: int
                ) -> Callable[..., Any]:
    for name in names:
        f = INNER[name](J, V)(f)
    for name in top:
        if name == "jit":
            f = J(f)
        elif name == "value_and_grad":
            f = tg.value_and_grad(f)
        else:
            f = V(f, in_axes=(0,) + (None,) * (n_args - 1))
    return f


def points(names: list[str], top: tuple[str, ...], x: float) -> list[float]:
    """Every point the program is run at (the offsets and shifts of the stack)."""
    pts = {x + d for d in (0.0, 0.25, -0.4)} if "vmap" in top else {x}
    for name in reversed(names):
        if name == "vmap":
            pts = {p + o for p in pts for o in OFFSETS}
        elif name == "make_tape-replay-elsewhere":
            pts = pts | {p + SHIFT for p in pts}
    return sorted(pts)


def branch_pattern(p: dict[str, Any], x: float, y: float) -> tuple[bool, ...]:
    margins: list[float] = []
    make_program(p, margins)(x, y) if p["two_inputs"] else make_program(p, margins)(x)
    return tuple(m > 0 for m in margins)


def min_margin(p: dict[str, Any], x: float, y: float) -> float:
    margins: list[float] = []
    make_program(p, margins)(x, y) if p["two_inputs"] else make_program(p, margins)(x)
    return min(abs(m) for m in margins)


# no "explain" phase: on a failing stack it reruns the example for minutes
PHASES = (Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink)


@st.composite
def stacks(draw: Any) -> tuple[list[str], tuple[str, ...]]:
    top = draw(st.sampled_from(TOPS))
    names = draw(st.lists(st.sampled_from(sorted(INNER)), max_size=4 - len(top)))
    assume(sum(ORDER.get(n, 0) for n in names) + ("value_and_grad" in top) <= 4)
    assume(names.count("vmap") + ("vmap" in top) <= 2)
    return names, top


@settings(max_examples=int(os.environ.get("TG_COMPOSE_EXAMPLES", 150)), deadline=None,
          derandomize=bool(os.environ.get("CI")), phases=PHASES)
@given(programs(), stacks(), st.floats(-1.5, 1.5), st.floats(-1, 1), st.booleans())
def test_random_stack_equals_the_same_stack_without_jit_and_vmap_a_loop(p, stack, x, y,
                                                                        numpy_scalars):
    names, top = stack
    if numpy_scalars:                  # a NumPy float64 scalar is a float in every transform
        x, y = np.float64(x), np.float64(y)
    rest = (y,) if p["two_inputs"] else ()
    pts = points(names, top, x)
    # away from every branch boundary, and a replayed tape takes its recorded branches
    assume(all(min_margin(p, q, y) > 1e-4 for q in pts))
    if "make_tape-replay-elsewhere" in names:
        assume(all(branch_pattern(p, q, y) == branch_pattern(p, q + SHIFT, y) for q in pts))
    f = make_program(p)
    arg: Any = np.array([x, x + 0.25, x - 0.4]) if "vmap" in top else x

    without_jit = build_stack(names, top, f, NOJIT, tg.vmap, 1 + len(rest))(arg, *rest)
    looped = build_stack(names, top, f, NOJIT, LOOP, 1 + len(rest))(arg, *rest)
    close(without_jit, looped, rtol=1e-11, atol=1e-11)       # vmap is a Python loop
    full = build_stack(names, top, f, tg.jit, tg.vmap, 1 + len(rest))
    for _ in range(2):                            # the trace, then the compiled call
        got = full(arg, *rest)
        if "vmap" in names or "vmap" in top:
            close(got, without_jit)
        else:
            same_bits(got, without_jit)           # jit is eager's arithmetic exactly


@settings(max_examples=100, deadline=None, derandomize=bool(os.environ.get("CI")),
          phases=PHASES)
@given(programs(), st.floats(-1.5, 1.5), st.floats(-1, 1))
def test_random_program_gradient_is_its_central_difference(p, x, y):
    """The drawn programs are differentiable where the property test runs them."""
    assume(min_margin(p, x, y) > 1e-3)
    f = make_program(p)
    rest = (y,) if p["two_inputs"] else ()
    eps = 1e-6
    assume(branch_pattern(p, x - eps, y) == branch_pattern(p, x + eps, y)
           == branch_pattern(p, x, y))
    fd = (f(x + eps, *rest) - f(x - eps, *rest)) / (2 * eps)
    for g in (tg.grad(f), tg.grad(tg.jit(f)), tg.jit(tg.grad(tg.jit(f)))):
        assert math.isclose(g(x, *rest), fd, rel_tol=1e-5, abs_tol=1e-6)
