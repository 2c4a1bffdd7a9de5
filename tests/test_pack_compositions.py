"""Transform compositions around packed programs, each the same stack without ``jit``.

Scalar-written programs (an MLP's neurons as ``sum(w * x for ...)``, a loop
over examples, relu, tanh, hinge, Python branches on data, ``max``, ``min``,
``abs``, divisions, the constants ``0.0`` and ``-0.0``, ints mixed in) under
``jit(f)``, ``jit(grad)``, ``grad(jit)``, ``jit(value_and_grad)``,
``jit(vmap(grad))``, ``vmap(jit(grad))``, ``jit(jvp)``, ``jvp(jit)``,
``jit(hessian)``, ``hessian(jit)`` and ``jit(grad(grad))``: the packed program
(every program with a group packed, worth it or not: ``forced``) returns the
bits of the program compiled unpacked, and eager's numbers (a zero's sign
aside, as ``test_packing.eager_bits`` says); past first order through a
jitted call (``hessian(jit)``) eager's to rounding, as docs/compiling.md
says; ``reassociate=True`` within its stated tolerance. Gradients against
central differences. Then what surrounds a jitted function: static
arguments, retracing at other shapes and dtypes, two threads, an exception
inside ``f``, ``.lower(...).source`` run as it is, the group size edge
(``MIN_LANES``), and programs with nothing to pack.
"""

from __future__ import annotations

import contextlib
import math
import threading
from collections.abc import Callable, Iterator
from typing import Any
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_packing import CI, bits, eager_bits, unpacked

import tapegrad as tg
from tapegrad.staging import packing
from tapegrad.staging.program import from_tape

DATA = [(0.5, -0.25, 1.0), (-1.0, 0.75, -1.0), (0.25, 0.5, 1.0), (1.5, -0.5, -1.0),
        (-0.3, -0.9, 1.0)]


@contextlib.contextmanager
def forced() -> Iterator[None]:
    """Every program with a group of ``MIN_LANES`` is packed, however small."""
    with mock.patch("tapegrad.staging.packing._cheap", lambda *a: True):
        yield


def layers(w: list[Any], h: int) -> tuple[Any, Any, Any, Any]:
    """``w`` (``4 h + 1`` numbers) as a 2-h-1 network's weights, biases, weights, bias."""
    return [w[2 * j:2 * j + 2] for j in range(h)], w[2 * h:3 * h], w[3 * h:4 * h], w[4 * h]


def mlp(act: Callable[[Any], Any], h: int, conv: Callable[[Any], Any] = float) -> Any:
    """The mean hinge loss ``relu(1 - t s)`` of a scalar-written MLP over ``DATA``."""
    def loss(w):
        w1, b1, w2, b2 = layers(w, h)
        total = 0.0
        for x1, x2, t in DATA:
            xs = [conv(x1), conv(x2)]
            hidden = [act(b + sum(wi * xi for wi, xi in zip(row, xs))) for row, b in zip(w1, b1)]
            s = b2 + sum(v * u for v, u in zip(w2, hidden))
            total = total + tg.relu(1.0 - t * s)
        return total / len(DATA)
    return loss


def branchy(h: int) -> Any:
    """Python branches on data: a leaky unit by ``if``, the hinge by ``if``."""
    def loss(w):
        w1, b1, w2, b2 = layers(w, h)
        total = 0.0
        for x1, x2, t in DATA:
            hidden = []
            for row, b in zip(w1, b1):
                a = b + sum(wi * xi for wi, xi in zip(row, (x1, x2)))
                hidden.append(a if a > 0 else 0.01 * a)
            s = b2 + sum(v * u for v, u in zip(w2, hidden))
            total = total + (1.0 - t * s if t * s < 1.0 else 0.0)
        return total
    return loss


def builtins(h: int) -> Any:
    """Python's ``max``, ``min`` and ``abs`` on traced values, a sum started at ``-0.0``."""
    def loss(w):
        w1, b1, w2, b2 = layers(w, h)
        total = -0.0
        for x1, x2, t in DATA:
            hidden = [max(b + row[0] * x1 + row[1] * x2, 0.0) for row, b in zip(w1, b1)]
            hidden = [abs(min(v, 2.0) - 0.5) for v in hidden]
            s = b2 + sum(v * u for v, u in zip(w2, hidden))
            total = total + s * s / (1.0 + abs(t))
        return total
    return loss


def divisions(h: int) -> Any:
    """Divisions by traced values, ``+ (-0.0)`` and ``- 0.0``, a division guarded by ``!=``."""
    def loss(w):
        w1, b1, w2, b2 = layers(w, h)
        out = 0.0
        for x1, x2, t in DATA:
            hidden = [(row[0] * x1 - row[1] * x2) / (1.0 + b * b) for row, b in zip(w1, b1)]
            q = [v / (u * u + 2.0) + (-0.0) for v, u in zip(hidden, w2)]
            out = out + sum(q) * t - 0.0
        return out / b2 if b2 != 0 else out
    return loss


def ints(h: int) -> Any:
    """Int coefficients and an int start: ``2 * w``, ``(k - 2) * w``, ``sum`` from ``0``."""
    def loss(w):
        w1, b1, w2, b2 = layers(w, h)
        out = 0
        for k, (x1, _, _) in enumerate(DATA):
            hidden = [tg.relu(2 * row[0] * x1 + row[1] * (k - 2) + 3 * b)
                      for row, b in zip(w1, b1)]
            out = out + sum(k * v * u for v, u in zip(w2, hidden))
        return out * b2
    return loss


PROGRAMS: dict[str, Callable[[int], Any]] = {
    "relu": lambda h: mlp(tg.relu, h),
    "tanh": lambda h: mlp(tg.tanh, h),
    "hinge": lambda h: mlp(lambda v: tg.nn.hinge(v, 1.0), h),
    "branchy": branchy,
    "builtins": builtins,
    "divisions": divisions,
    "ints": ints,
}


def params(seed: int, h: int, conv: Callable[[Any], Any] = float) -> list[Any]:
    return [conv(v) for v in np.random.RandomState(seed).uniform(-1.5, 1.5, 4 * h + 1).round(3)]


def per_example_grads(f: Any, batch: list[np.ndarray]) -> list[np.ndarray]:
    """``grad(f)`` of each example of ``batch`` (one array per parameter), a Python loop."""
    n = len(batch[0])
    rows = [tg.grad(f)([float(c[i]) for c in batch]) for i in range(n)]
    return [np.array(col) for col in zip(*rows)]


def jvp_of(f: Any) -> Any:
    return lambda w, t: tg.jvp(f, (w,), (t,))


# name: (the stack, the stack without jit, what it takes: "w", "wt" or "batch")
STACKS: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any], str]] = {
    "jit": (tg.jit, lambda f: f, "w"),
    "jit(grad)": (lambda f: tg.jit(tg.grad(f)), tg.grad, "w"),
    "grad(jit)": (lambda f: tg.grad(tg.jit(f)), tg.grad, "w"),
    "jit(value_and_grad)": (lambda f: tg.jit(tg.value_and_grad(f)), tg.value_and_grad, "w"),
    "jit(vmap(grad))": (lambda f: tg.jit(tg.vmap(tg.grad(f))),
                        lambda f: lambda b: per_example_grads(f, b), "batch"),
    "vmap(jit(grad))": (lambda f: tg.vmap(tg.jit(tg.grad(f))),
                        lambda f: lambda b: per_example_grads(f, b), "batch"),
    "jit(jvp)": (lambda f: tg.jit(jvp_of(f)), jvp_of, "wt"),
    "jvp(jit)": (lambda f: jvp_of(tg.jit(f)), jvp_of, "wt"),
    "jit(hessian)": (lambda f: tg.jit(tg.hessian(f)), tg.hessian, "w"),
    "hessian(jit)": (lambda f: tg.hessian(tg.jit(f)), tg.hessian, "w"),
}
ROUNDED = {"hessian(jit)"}       # past first order through a jitted call: to rounding


def arguments(takes: str, seed: int, h: int, conv: Callable[[Any], Any]) -> tuple[Any, ...]:
    w = params(seed, h, conv)
    if takes == "w":
        return (w,)
    if takes == "wt":
        return (w, params(seed + 100, h, conv))
    others = [params(seed + k, h) for k in (1, 2)]
    return ([np.array([a, b, c]) for a, b, c in zip(params(seed, h), *others)],)


def close(got: Any, want: Any, rtol: float = 1e-12, atol: float = 1e-13) -> None:
    assert tg.tree.structure(got) == tg.tree.structure(want)
    for a, b in zip(tg.tree.leaves(got), tg.tree.leaves(want)):
        assert type(a) is type(b), (a, b)
        np.testing.assert_allclose(np.asarray(a, float), np.asarray(b, float), rtol=rtol,
                                   atol=atol)


def check_stack(stack: str, program: str, conv: Callable[[Any], Any] = float,
                h: int = 4, seeds: tuple[int, ...] = (0, 1, 2)) -> None:
    """The packed stack at ``seeds`` (traced at the first) against unpacked and eager."""
    make, plain, takes = STACKS[stack]
    f = PROGRAMS[program](h)
    sets = [arguments(takes, s, h, conv) for s in seeds]
    with forced():
        fn = make(f)
        got = [fn(*a) for a in sets]
    with unpacked():
        scalar = make(f)
        want = [scalar(*a) for a in sets]
    eager = [plain(f)(*a) for a in sets]
    for g, w, e in zip(got, want, eager):
        assert bits(g) == bits(w)
        if stack in ROUNDED or (program == "tanh" and "vmap" in stack):
            close(g, e)           # (vmap runs NumPy's tanh on the batch: an ulp from math's)
        else:
            assert eager_bits(g) == eager_bits(e)


# -------------------------------------------------- each stack, exact
_ROTATION = list(PROGRAMS)


@pytest.mark.parametrize("k,stack", list(enumerate(STACKS)))
def test_each_stack_of_a_packed_program_is_the_unpacked_one_and_eagers(k, stack):
    program = _ROTATION[k % len(_ROTATION)]
    h = 2 if "hessian" in stack else 4
    check_stack(stack, program, h=h)


def test_the_stacks_pack_their_programs():
    f, w = PROGRAMS["relu"](4), params(0, 4)
    small = PROGRAMS["relu"](2)
    with forced():
        for fun, args in ((f, (w,)), (tg.grad(f), (w,)), (tg.value_and_grad(f), (w,)),
                          (jvp_of(f), (w, w)), (tg.hessian(small), (params(0, 2),))):
            assert "lanes_" in tg.jit(fun).lower(*args).source


@settings(max_examples=6, deadline=None, derandomize=CI)
@given(st.sampled_from(sorted(set(STACKS) - {"hessian(jit)", "jit(hessian)"})),
       st.sampled_from(_ROTATION), st.sampled_from([float, np.float64, np.float32]),
       st.integers(0, 50))
def test_random_stacks_programs_and_scalar_types(stack, program, conv, seed):
    """NumPy float64 and float32 scalars as parameters, as eager computes them."""
    if STACKS[stack][2] == "batch":
        conv = float
    check_stack(stack, program, conv, seeds=(seed, seed + 1, seed + 2))


@pytest.mark.parametrize("conv", [np.float64, np.float32])
@pytest.mark.parametrize("stack,program", [("jit(value_and_grad)", "hinge"),
                                           ("grad(jit)", "ints"), ("jvp(jit)", "builtins"),
                                           ("jit(hessian)", "relu")])
def test_numpy_scalar_parameters_through_each_kind_of_stack(stack, program, conv):
    """NumPy float scalars: float32 computed in float32 and float64 kept ``np.float64``,
    eager's types and numbers."""
    check_stack(stack, program, conv, h=2 if "hessian" in stack else 4)


# ------------------------------------------ zeros, infinities and nans
SPECIAL = [0.0, -0.0, math.inf, -math.inf, math.nan, 1e308, -5e-324, 1e-310]


@settings(max_examples=8, deadline=None, derandomize=CI)
@given(st.sampled_from(_ROTATION),
       st.lists(st.tuples(st.integers(0, 16), st.sampled_from(SPECIAL)), min_size=1,
                max_size=4),
       st.sampled_from(["jit", "jit(value_and_grad)", "grad(jit)", "jit(jvp)"]))
def test_special_parameters_keep_the_unpacked_bits(program, specials, stack):
    """Zeros of both signs, infinities, nans, huge and subnormal numbers among the weights,
    at the tracing inputs and after: packed and unpacked alike (an exception too)."""
    make, plain, takes = STACKS[stack]
    f = PROGRAMS[program](4)
    sets = [arguments(takes, s, 4, float) for s in range(3)]
    for a in sets[1:]:
        for k, v in specials:
            a[0][k] = v
    sets.insert(1, sets[2])                       # special values at the tracing inputs too
    outcomes = []
    for ctx in (forced, unpacked):
        with ctx(), np.errstate(all="ignore"):
            fn = make(f)
            outcomes.append([_outcome(fn, a) for a in sets])
    assert [(k, bits(v)) for k, v in outcomes[0]] == [(k, bits(v)) for k, v in outcomes[1]]
    for (kind, got), a in zip(outcomes[0], sets):
        with np.errstate(all="ignore"):
            eager = _outcome(plain(f), a)
        # eager on plain floats raises at 1.0 / 0.0 where traced floats give inf
        if kind == eager[0] == "ok":
            assert eager_bits(got) == eager_bits(eager[1])


def _outcome(fn: Any, args: tuple[Any, ...]) -> Any:
    try:
        return ("ok", fn(*args))
    except (ZeroDivisionError, OverflowError, ValueError) as e:
        return ("raised", type(e).__name__)


# ------------------------------------------------------ reassociation
def _reassociated(f: Any) -> Any:
    return tg.jit(f, reassociate=True)


REASSOCIATED: dict[str, Callable[[Any], Any]] = {
    "jit": _reassociated,
    "jit(grad)": lambda f: _reassociated(tg.grad(f)),
    "jit(value_and_grad)": lambda f: _reassociated(tg.value_and_grad(f)),
    "jit(jvp)": lambda f: _reassociated(jvp_of(f)),
    "jit(hessian)": lambda f: _reassociated(tg.hessian(f)),
    "jit(vmap(grad))": lambda f: _reassociated(tg.vmap(tg.grad(f))),
    "grad(jit)": lambda f: tg.grad(_reassociated(f)),
    "jvp(jit)": lambda f: jvp_of(_reassociated(f)),
    "hessian(jit)": lambda f: tg.hessian(_reassociated(f)),
    "vmap(jit(grad))": lambda f: tg.vmap(_reassociated(tg.grad(f))),
}


@pytest.mark.parametrize("k,stack", list(enumerate(REASSOCIATED)))
def test_each_stack_reassociated_is_within_its_tolerance(k, stack):
    """``reassociate=True``: each result within a relative 1e-12 of eager's (finite data)."""
    _, plain, takes = STACKS[stack]
    h = 2 if "hessian" in stack else 4
    f = PROGRAMS[("relu", "divisions", "hinge")[k % 3]](h)
    with forced():
        fn = REASSOCIATED[stack](f)
        for s in (0, 1, 2):
            a = arguments(takes, s, h, float)
            close(fn(*a), plain(f)(*a), rtol=1e-12, atol=1e-12)


# ---------------------------------------------------- second order
def scalar_loop(x: Any) -> Any:
    """A scalar function of one float with a packable loop inside."""
    out = 0.0
    for k in range(6):
        a = x * (k + 0.5)
        out = out + tg.relu(a - 1.0) * a + tg.tanh(a) * (k - 2)
    return out / (1.0 + x * x)


@pytest.mark.parametrize("x", [0.3, -1.2, 2.5, np.float64(0.7)])
def test_jit_of_grad_of_grad_is_eagers_and_its_central_difference(x):
    gg = tg.grad(tg.grad(scalar_loop))
    with forced():
        got = tg.jit(gg)(x)
        summed = tg.jit(gg, reassociate=True)(x)
        # an np.float64 makes NumPy scalars, which stay scalar
        assert ("lanes_" in tg.jit(gg).lower(x).source) == (type(x) is float)
    with unpacked():
        assert bits(got) == bits(tg.jit(gg)(x))
    assert eager_bits(got) == eager_bits(gg(x))
    close(summed, gg(x))
    g = tg.grad(scalar_loop)
    h = 1e-5
    assert math.isclose(got, (g(x + h) - g(x - h)) / (2 * h), rel_tol=1e-6, abs_tol=1e-6)


def test_packed_derivatives_match_central_differences():
    """First and second derivatives of the smooth (tanh) network through every jit."""
    h = 2
    f = PROGRAMS["tanh"](h)
    w, t = params(3, h), params(4, h)
    with forced():
        g1, g2 = tg.jit(tg.grad(f))(w), tg.grad(tg.jit(f))(w)
        tangent = tg.jit(jvp_of(f))(w, t)[1], jvp_of(tg.jit(f))(w, t)[1]
        hess = tg.jit(tg.hessian(f))(w)
    eps = 1e-6

    def moved(v: list[float], d: list[float], s: float) -> list[float]:
        return [a + s * b for a, b in zip(v, d)]
    for k in range(len(w)):
        e = [float(j == k) for j in range(len(w))]
        fd = (f(moved(w, e, eps)) - f(moved(w, e, -eps))) / (2 * eps)
        assert math.isclose(g1[k], fd, rel_tol=1e-6, abs_tol=1e-8) and g1[k] == g2[k]
        gd = [(a - b) / (2 * eps) for a, b in zip(tg.grad(f)(moved(w, e, eps)),
                                                   tg.grad(f)(moved(w, e, -eps)))]
        np.testing.assert_allclose(hess[k], gd, rtol=1e-5, atol=1e-7)
    fd = (f(moved(w, t, eps)) - f(moved(w, t, -eps))) / (2 * eps)
    assert math.isclose(tangent[0], fd, rel_tol=1e-6) and tangent[0] == tangent[1]


# ------------------------------------------------ around the jitted function
def configurable(w: list[Any], n: int, scale: float = 1.0, *, act: str = "relu") -> Any:
    f = mlp({"relu": tg.relu, "tanh": tg.tanh}[act], 4)
    return f(w) * scale + float(n) * w[0]


def test_static_arguments_and_keywords_select_their_own_packed_programs():
    vg = tg.value_and_grad(configurable)
    with forced():
        jf = tg.jit(vg, static_argnums=1, static_argnames=("act",))
    with unpacked():
        scalar = tg.jit(vg, static_argnums=1, static_argnames=("act",))
    for n in (3, 5):
        for act in ("relu", "tanh"):
            for s in (0, 1):
                w = params(s, 4)
                with forced():
                    got = jf(w, n, 2.0, act=act)
                with unpacked():
                    assert bits(got) == bits(scalar(w, n, 2.0, act=act))
                assert eager_bits(got) == eager_bits(vg(w, n, 2.0, act=act))
    assert jf.trace_count == 4


def pairs(w: list[Any], xs: list[Any]) -> Any:
    return sum(tg.relu(a * x + 0.5) * x for a, x in zip(w, xs)) + sum(a * a for a in w)


def test_called_again_at_other_lengths_and_scalar_types_it_traces_again():
    g = tg.grad(pairs)
    with forced():
        jg = tg.jit(g)
    with unpacked():
        scalar = tg.jit(g)
    calls = [(6, float), (9, float), (6, np.float64), (6, np.float32), (6, float),
             (9, np.float32), (4, "array"), (6, "array"), (4, "array")]
    for n, kind in calls:
        conv = float if kind == "array" else kind
        w = [conv(v) for v in params(n, 2)[:n]]           # (9 numbers)
        if kind == "array":
            w = np.array(w)
        xs = [conv(v) for v in params(n + 1, 2)[:n]]
        with forced():
            got = jg(w, xs)
        with unpacked():
            assert bits(got) == bits(scalar(w, xs))
        assert eager_bits(got) == eager_bits(g(w, xs))
    assert jg.trace_count == 7                 # one per signature, the repeats none
    with forced():
        assert "lanes_" in tg.jit(g).lower([0.5] * 9, [0.25] * 9).source


def test_two_threads_calling_a_packed_program_at_once_get_eagers_numbers():
    f = PROGRAMS["relu"](4)
    vg = tg.value_and_grad(f)
    with forced():
        jf = tg.jit(vg)
        ws = [params(s, 4) for s in range(8)]
        want = [eager_bits(vg(w)) for w in ws]
        got: dict[tuple[int, int], Any] = {}
        start = threading.Barrier(2)

        def work(first: int) -> None:
            start.wait()
            for r in range(3):
                for i in range(first, 8, 2):
                    got[(i, r)] = jf(ws[i])
        threads = [threading.Thread(target=work, args=(k,)) for k in (0, 1)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert len(got) == 24 and jf.trace_count == 1
    for (i, _), v in got.items():
        assert eager_bits(v) == want[i]


class Refused(Exception):
    pass


def test_an_exception_inside_f_leaves_the_packed_function_working():
    f = PROGRAMS["branchy"](4)

    def maybe(w: list[Any], fail: bool) -> Any:
        if fail:
            raise Refused
        return f(w)

    def checked(w: list[Any]) -> Any:
        if w[0] > 1.0:                     # a guard, then an exception while tracing
            raise Refused
        return f(w)
    with forced():
        jg, jc = tg.jit(tg.grad(maybe), static_argnums=1), tg.jit(tg.value_and_grad(checked))
        for s in range(4):
            w = params(s, 4)
            with pytest.raises(Refused):
                jg(w, True)
            assert eager_bits(jg(w, False)) == eager_bits(tg.grad(f)(w))
            w[0] = 1.5
            with pytest.raises(Refused):
                jc(w)
            w[0] = -0.5
            assert eager_bits(jc(w)) == eager_bits(tg.value_and_grad(f)(w))


@pytest.mark.parametrize("reassociate", [False, True])
def test_the_lowered_source_runs_as_it_is(reassociate):
    """``lower(...).source`` compiled anew in its own globals returns what the function does."""
    f = PROGRAMS["hinge"](4)
    for fun in (f, tg.grad(f), tg.value_and_grad(f)):
        with forced():
            lowered = tg.jit(fun, reassociate=reassociate).lower(params(0, 4))
        assert "lanes_" in lowered.source
        namespace = dict(lowered.fn.__globals__)
        exec(compile(lowered.source, "<lowered>", "exec"), namespace)     # noqa: S102
        for s in (1, 2):
            w = params(s, 4)
            got = namespace["_entry"](tg.tree.leaves(w))
            want = tg.tree.leaves(fun(w))
            if reassociate:
                close([float(v) for v in got], [float(v) for v in want])
            else:
                assert eager_bits([float(v) for v in got]) == eager_bits(want)


# ------------------------------------------------------- the group size edge
def lanes_of(n: int, m: int) -> Any:
    """``n`` independent products and ``m`` independent sums: groups of ``n`` and ``m``."""
    def f(xs):
        prods = [xs[k] * xs[k + 1] for k in range(n)]
        sums = [xs[k] - xs[k + 2] for k in range(m)]
        return prods + sums
    return f


@pytest.mark.parametrize("n,m", [(packing.MIN_LANES, packing.MIN_LANES - 1),
                                 (packing.MIN_LANES - 1, packing.MIN_LANES),
                                 (packing.MIN_LANES - 1, packing.MIN_LANES - 1),
                                 (packing.MIN_LANES, packing.MIN_LANES)])
def test_groups_at_the_minimum_pack_and_just_below_stay_scalar(n, m):
    f = lanes_of(n, m)
    xs = [0.5, -0.0, 3.0, math.inf, -2.0, 0.0, 7.5, math.nan]
    prog = from_tape(tg.make_tape(f)(xs))
    found = sorted((prog.eqns[ks[0]].prim.name, len(ks)) for ks in packing.groups(prog, False)[1])
    assert found == sorted([("mul", n)] * (n >= packing.MIN_LANES) +
                           [("sub", m)] * (m >= packing.MIN_LANES))
    for fun, args in ((f, (xs,)), (tg.jit(f), (xs,))):
        with forced():
            source = tg.jit(fun).lower(*args).source
            got = tg.jit(fun)(*args)
        if fun is f:               # (jit of a jitted f records one call a leaf, packed inside)
            assert ("lanes_" in source) == (max(n, m) >= packing.MIN_LANES)
        with unpacked():
            assert bits(got) == bits(tg.jit(fun)(*args))
        assert bits(got) == bits(tg.jit(f)(xs))
    vg = tg.jit(tg.value_and_grad(lambda v: sum(f(v)[:-2])))
    with forced():
        got = vg(xs[:6] + [1.0, 2.0])
    assert eager_bits(got) == eager_bits(tg.value_and_grad(lambda v: sum(f(v)[:-2]))(
        xs[:6] + [1.0, 2.0]))


def test_no_isomorphic_records_under_higher_order_stacks_is_left_as_it_is():
    def f(x, y):
        a = tg.sin(x) * y + tg.exp(-x)
        return tg.tanh(a * a - y) / (1.0 + x * x)
    for fun, args in ((lambda x, y: tg.jvp(f, (x, y), (1.0, 0.5)), (0.3, 0.7)),
                      (tg.hessian(f, argnums=(0, 1)), (0.3, 0.7)),
                      (tg.grad(tg.grad(f)), (0.3, 0.7))):
        for reassociate in (False, True):
            source = tg.jit(fun, reassociate=reassociate).lower(*args).source
            with unpacked():
                assert source == tg.jit(fun).lower(*args).source
            assert "lanes_" not in source


# ----------------------------------------------------------- found here
def test_jvp_of_a_jitted_function_of_several_inputs_sums_tangents_as_eager_does():
    """The tangent of ``x * y + x`` is ``(tx * y + x * ty) + tx`` eagerly; a rule per input
    leaf added ``(tx * y + tx) + x * ty``, 1.9499999999999997 where eager gives 1.95."""
    def f(x, y):
        return x * y + x
    got = tg.jvp(tg.jit(f), (1.5, 2.0), (0.3, 0.7))
    assert bits(got) == bits(tg.jvp(f, (1.5, 2.0), (0.3, 0.7))) == bits((4.5, 1.95))
    net = PROGRAMS["relu"](4)
    w, t = params(0, 4), params(1, 4)
    assert bits(jvp_of(tg.jit(net))(w, t)) == bits(jvp_of(net)(w, t))
    # a tangent on one input only, and on none
    assert bits(tg.jvp(tg.jit(f), (1.5, 2.0), (0.0, 0.7))) == bits(
        tg.jvp(f, (1.5, 2.0), (0.0, 0.7)))
    assert tg.jvp(tg.jit(f), (1.5, 2.0), (0.0, 0.0)) == tg.jvp(f, (1.5, 2.0), (0.0, 0.0))


def test_hessian_of_a_jitted_function_pushes_each_direction_once_for_all_its_leaves():
    """The gradient's 9 leaves take their tangents from one jitted jvp per direction."""
    f = PROGRAMS["tanh"](2)
    jf = tg.jit(f)
    w = params(0, 2)
    close(tg.hessian(jf)(w), tg.hessian(f)(w))
    from tapegrad.jit_traced import JitCall
    made = []
    real = JitCall.jvp

    def spy(self: Any, along: tuple[int, ...]) -> Any:
        fn = real(self, along)
        made.append(along)
        return fn
    with mock.patch.object(JitCall, "jvp", spy):
        tg.hessian(tg.jit(f))(w)
    assert sorted(set(made)) == [(j,) for j in range(len(w))] and len(made) == len(w)


def test_np_float64_parameters_come_back_as_eager_returns_them_at_other_values():
    """Traced where a hinge is satisfied, a weight's gradient is a sum of ``zmul``'s float
    zeros; elsewhere eager's is an ``np.float64``. Packed, it came back a float."""
    g = tg.grad(PROGRAMS["relu"](4))
    with forced():
        jg = tg.jit(g)
        for s in range(3):
            w = params(s, 4, np.float64)
            got = jg(w)
            assert [type(v) for v in got] == [type(v) for v in g(w)]
            assert eager_bits(got) == eager_bits(g(w))


def _permuted_twice() -> Any:
    """``(2 a)[rev] * b`` read reversed: both products' gathers permute their lanes."""
    from tapegrad import ops
    from tapegrad.staging.lanes import LANES, take
    from tapegrad.staging.program import Const, Eqn, Program
    v = np.arange(8.0) * 1.5 - 3.0
    ev, rev = np.arange(8), np.arange(8)[::-1].copy()
    mul = LANES[ops.mul]
    eqns = [Eqn(take, 1, (0, Const(ev)), v[ev]),
            Eqn(mul, 2, (1, Const(2.0)), v * 2.0),
            Eqn(take, 3, (2, Const(rev)), (v * 2.0)[rev]),
            Eqn(take, 4, (0, Const(ev)), v[ev]),
            Eqn(mul, 5, (3, 4), (v * 2.0)[rev] * v),
            Eqn(take, 6, (5, Const(rev)), ((v * 2.0)[rev] * v)[rev])]
    return Program((0,), tuple(eqns), (6,), {}, (v,))


def test_a_gather_pushed_away_is_not_pushed_through_again():
    """``pushed`` computed ``2 a`` in its gather's order (the gather gone), then pushed the
    second product's order into its operand, that gather, reading ``2 a``'s old id:
    undefined (a KeyError while compiling jit(jvp) of ``divisions``, reassociated)."""
    from tapegrad.staging.pushed import pushed
    prog = _permuted_twice()
    out = pushed(prog)
    values = dict(zip(out.inputs, out.seen))
    for e in out.eqns:
        values[e.out] = e.prim.impl(*[values[a] if isinstance(a, int) else a.value
                                      for a in e.args])
    assert values[6].tobytes() == prog.eqns[-1].ans.tobytes()
    f = PROGRAMS["divisions"](4)
    with forced():
        fn = tg.jit(jvp_of(f), reassociate=True)
        for s in (0, 1):
            close(fn(params(s, 4), params(5, 4)), jvp_of(f)(params(s, 4), params(5, 4)))


@pytest.mark.parametrize("in_axes", [(0, 0), (0, None), (None, 0)])
def test_jvp_of_a_vmapped_function_sums_tangents_as_a_loop_of_eager_jvps(in_axes):
    """The same per-input rule under ``vmap``: ``jvp(vmap(f))`` of two inputs with tangents
    was 1.9499999999999997 where the loop of eager ``jvp`` gives 1.95."""
    def f(x, y):
        return x * y + x
    xs, ys = np.array([1.5, 2.5, -0.0]), np.array([2.0, 3.0, 0.5])
    txs, tys = np.array([0.3, 0.3, 1.0]), np.array([0.7, 0.7, -0.0])
    pick = [lambda a, i, ax=ax: a[i] if ax == 0 else a[0] for ax in in_axes]
    args = [a if ax == 0 else a[0] for a, ax in zip((xs, ys), in_axes)]
    ts = [a if ax == 0 else a[0] for a, ax in zip((txs, tys), in_axes)]
    value, tangent = tg.jvp(tg.vmap(f, in_axes=in_axes), tuple(args), tuple(ts))
    for i in range(3):
        one = tg.jvp(f, (float(pick[0](xs, i)), float(pick[1](ys, i))),
                     (float(pick[0](txs, i)), float(pick[1](tys, i))))
        assert bits((float(value[i]), float(tangent[i]))) == bits(one)
