"""jit's first call returns the traced outputs and compiles nothing; the next call compiles.

The first call at a signature (or guard pattern) returns what tracing
computed, made what the compiled program returns: each test here checks it
against eager bit for bit (types, dtypes, shapes, a zero's sign), then the
second call, which compiles and runs the compiled program, against eager
too, over the families of test_jit.py. Python's ``compile()`` is counted:
never at a first call, at the second. The rest of the suite compiles at the
first call (conftest.py); these tests switch that off.
"""

from __future__ import annotations

import ast
import builtins
import threading
import time
from collections import namedtuple

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_firstcall import INPUTS, straight, total
from test_while_programs import shrink_branchy as thirds  # a while with an if/else

import tapegrad as tg
from tapegrad import jit_first
from tapegrad.staging.lower import Lowered


@pytest.fixture(autouse=True)
def deferred(monkeypatch):
    monkeypatch.setattr(jit_first, "COMPILE_AT_FIRST_CALL", False)


@pytest.fixture
def compiles(monkeypatch):
    """How many times Python's ``compile()`` made code (a list of one count).

    ``ast.parse`` (a guard reading its line's source, when traced) is not counted.
    """
    count = [0]
    real = builtins.compile

    def counted(source, filename, mode, flags=0, *args, **kwargs):
        if not flags & ast.PyCF_ONLY_AST:
            count[0] += 1
        return real(source, filename, mode, flags, *args, **kwargs)
    monkeypatch.setattr(builtins, "compile", counted)
    return count


def bits(x):
    """A value's type and bits, all the way down a pytree."""
    if isinstance(x, float):
        return ("f", x.hex())
    if isinstance(x, np.ndarray):
        return ("a", x.dtype.str, x.shape, x.tobytes())
    if isinstance(x, np.generic):
        return ("s", type(x), x.tobytes())
    if isinstance(x, dict):
        return ("d", tuple((k, bits(v)) for k, v in sorted(x.items())))   # as jit orders keys
    if isinstance(x, list | tuple):
        return (type(x), tuple(bits(v) for v in x))
    return ("o", type(x), x)


def first_second_eager(f, *args, jitted=None, **kwargs):
    """``jit(f)``'s first and second call at ``args``, each against eager; the jitted f."""
    jf = jitted or tg.jit(f)
    with np.errstate(all="ignore"):
        want = bits(f(*args, **kwargs))
        assert bits(jf(*args, **kwargs)) == want          # traced, not compiled
        assert bits(jf(*args, **kwargs)) == want          # compiled
    return jf


Pair = namedtuple("Pair", "a b")
X = np.array([0.7, -2.0, 0.0, 3.5])

FAMILIES = {
    "floats": (lambda x, y: (x * y + tg.sin(x), -0.0 * x, x), (2.0, -3.0)),
    "float32 scalars": (lambda x: (x * 2.0, tg.tanh(x), x), (np.float32(-0.4),)),
    "float32 arrays": (lambda x: (x * 1.5, tg.sum(x), x), (X.astype(np.float32),)),
    "numpy float64": (lambda x, y: (x * 2.0, tg.exp(x), x + y, x > 0.5, y), (np.float64(0.7), 1.5)),
    "float64 meets float32": (lambda x, y: x * y + 1.0, (np.float64(0.7), np.float32(1.25))),
    "ints": (lambda x, n: (x * n + 1.5, n * 2 + 1, n, n * 1.0), (0.5, 3)),
    "numpy ints": (lambda x, n: (x * n, n), (0.5, np.int64(4))),
    "int arrays": (lambda a, x: (a * x, a + 1, a), (np.array([1, 2, -3]), 0.5)),
    "arrays": (lambda x: (x, x * 2.0, x[1:], x.T, tg.sum(x ** 2), np.ones(2)), (X,)),
    "0-d arrays": (lambda x: (x * 2.0, tg.where(x > 0, x, -x), x), (np.array(1.5),)),
    "pytrees": (lambda p, q: {"w": [p["a"] * q.a, (p["b"], None)], "n": Pair(q.b, 2.0)},
                ({"a": 1.5, "b": np.arange(3.0)}, Pair(-2.0, 0.25))),
    "constants": (lambda x: (1.0, 3, np.arange(2.0), x * 0.0), (2.0,)),
    "jit(grad)": (tg.grad(lambda x, y: tg.sum(tg.tanh(x * y)) * y, argnums=(0, 1)), (X, 0.3)),
    "jit(value_and_grad)": (tg.value_and_grad(lambda x: tg.sum(tg.sin(x) ** 2)), (X,)),
    "jit(vmap)": (tg.vmap(lambda x, y: tg.sin(x) * y, in_axes=(0, None)), (X, 1.25)),
}


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10**6), st.integers(1, 40), st.sampled_from(INPUTS))
def test_mixed_straight_line_code_is_eagers_at_the_first_and_second_call(seed, n, x):
    f = straight(seed, n)
    first_second_eager(f, x)
    if not isinstance(x, np.ndarray) or x.dtype.kind == "f":
        first_second_eager(tg.value_and_grad(total(f)), x)


@pytest.mark.parametrize("name", FAMILIES)
def test_the_first_call_is_eagers_and_compiles_nothing_the_second_compiles(name, compiles):
    f, args = FAMILIES[name]
    jf = tg.jit(f)
    with np.errstate(all="ignore"):
        want = bits(f(*args))
        compiles[0] = 0
        assert bits(jf(*args)) == want
        assert compiles[0] == 0 and jf.trace_count == 1
        assert bits(jf(*args)) == want
        assert compiles[0] > 0 and jf.trace_count == 1
        assert bits(jf(*args)) == want
    specs = next(iter(jf.cache.by_signature.values()))
    assert [type(s.lowered) for s in specs] == [Lowered]       # the compiled one now


def test_the_first_calls_arrays_are_the_callers_own():
    x = np.array([1.0, 2.0, 3.0])
    f = tg.jit(lambda x: (x, x[1:], x * 2.0, np.ones(2)))
    outs = f(x)
    for out in outs:
        out[0] = 99.0         # writing into an output changes no input, constant or output
    assert x.tolist() == [1.0, 2.0, 3.0]
    assert bits(f(x)) == bits((x, x[1:], x * 2.0, np.ones(2)))
    assert bits(f(x)) == bits((x, x[1:], x * 2.0, np.ones(2)))


def test_a_new_float_compiles_at_the_second_call_and_checks_the_guards(compiles):
    f = lambda x: x * 2.0 + 1.0 if x > 0 else -x
    jf = tg.jit(f)
    assert bits(jf(1.0)) == bits(f(1.0)) and compiles[0] == 0
    assert bits(jf(2.5)) == bits(f(2.5)) and compiles[0] > 0 and jf.trace_count == 1
    n = compiles[0]
    assert bits(jf(-2.0)) == bits(f(-2.0)) and jf.trace_count == 2      # a guard fails
    assert compiles[0] == n                    # the new branch traced, not compiled
    for x in (3.0, -4.0, 0.5, -0.0, 7.0):
        assert bits(jf(x)) == bits(f(x))
    assert jf.trace_count == 2


def test_a_guard_failing_at_the_second_call_retraces():
    f = lambda x: tg.sin(x) if x > 0 else tg.cos(x) * 3.0
    jf = tg.jit(f)
    for x in (1.0, -1.0, -2.0, 2.0, -3.0):
        assert bits(jf(x)) == bits(f(x))
    assert jf.trace_count == 2


def summed(x):
    s = x
    for k in range(40):
        s = tg.sin(s) * 0.9 + x * 0.1 + k * 0.01
    return s


def test_a_rolled_for_loop_is_eagers_at_both_calls():
    for x in (0.3, np.array([0.5, -1.0])):
        jf = first_second_eager(summed, x)
        assert bits(jf(x * 2.0)) == bits(summed(x * 2.0))
        assert "for " in jf.lower(x).source and jf.trace_count == 1


@pytest.mark.parametrize("dtype", [float, np.float32])
def test_a_rolled_while_runs_unseen_trip_counts_after_its_first_call(dtype):
    jf = first_second_eager(thirds, dtype(200.0))
    for x in map(dtype, np.geomspace(0.5, 1e5, 30)):
        assert bits(jf(x)) == bits(thirds(x))
    assert jf.trace_count == 1


def test_jit_of_grad_of_a_loop_is_eagers_at_both_calls():
    g = tg.grad(summed)
    jg = first_second_eager(g, 0.4)
    assert bits(jg(-1.5)) == bits(g(-1.5))


def test_static_arguments_each_trace_once_and_compile_at_their_second_call(compiles):
    f = lambda x, n: sum(x * k for k in range(n))
    jf = tg.jit(f, static_argnums=1)
    for n in (3, 5):
        first_second_eager(f, 1.5, n, jitted=jf)
    assert jf.trace_count == 2
    assert bits(jf(2.5, 3)) == bits(f(2.5, 3)) and bits(jf(2.5, 5)) == bits(f(2.5, 5))


def test_an_exception_at_the_first_call_leaves_the_cache_usable(compiles):
    def f(x, fail):
        if fail:
            raise ValueError("inside")
        return x * 2.0
    jf = tg.jit(f, static_argnums=1)
    with pytest.raises(ValueError, match="inside"):
        jf(1.0, True)
    assert jf(1.5, False) == 3.0 and compiles[0] == 0
    assert jf(2.5, False) == 5.0 and jf.trace_count == 1 and compiles[0] > 0


def test_an_error_while_compiling_reaches_the_caller_and_the_next_call_compiles(monkeypatch):
    real, failing = jit_first.compiled, [True]

    def once(*args):
        if failing[0]:
            failing[0] = False
            raise RuntimeError("lowering failed")
        return real(*args)
    monkeypatch.setattr(jit_first, "compiled", once)
    f = lambda x: tg.tanh(x) * 3.0
    jf = tg.jit(f)
    assert bits(jf(0.5)) == bits(f(0.5))
    with pytest.raises(RuntimeError, match="lowering failed"):
        jf(0.5)
    assert bits(jf(0.25)) == bits(f(0.25)) and bits(jf(0.5)) == bits(f(0.5))
    assert jf.trace_count == 1


def test_threads_calling_the_second_time_at_once_compile_once(monkeypatch):
    real, runs = jit_first.compiled, []

    def slow(*args):
        runs.append(1)
        time.sleep(0.05)           # the other threads arrive meanwhile
        return real(*args)
    monkeypatch.setattr(jit_first, "compiled", slow)
    f = lambda x: tg.sin(x) * x + 1.0
    jf = tg.jit(f)
    assert bits(jf(0.5)) == bits(f(0.5)) and runs == []
    barrier, out = threading.Barrier(4), {}

    def work(k):
        barrier.wait()
        out[k] = [jf(0.1 * k + 0.01 * i) for i in range(10)]
    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert runs == [1] and jf.trace_count == 1
    for k in range(4):
        assert bits(out[k]) == bits([f(0.1 * k + 0.01 * i) for i in range(10)])


def test_grad_of_a_jitted_function_at_its_first_call_replays_its_tape():
    f = lambda x: tg.sin(x) * x if x > 0 else x ** 3
    jf = tg.jit(f)
    for x in (0.7, -1.2, 0.7, 2.0, -0.5):
        assert bits(tg.value_and_grad(jf)(x)) == bits(tg.value_and_grad(f)(x))
        assert bits(tg.grad(lambda x: jf(x) * jf(x + 1.0))(x)) == bits(
            tg.grad(lambda x: f(x) * f(x + 1.0))(x))


def test_lower_compiles_at_once_and_a_deferred_programs_source_compiles_it():
    jf = tg.jit(lambda x: x * 3.0 + 1.0)
    assert "def _entry" in jf.lower(2.0).source and jf.trace_count == 0
    jf(2.0)
    spec = next(iter(jf.cache.by_signature.values()))[0]
    assert type(spec.lowered) is jit_first.Deferred
    assert "def _entry" in spec.lowered.source and spec.lowered.guards == []
    assert type(next(iter(jf.cache.by_signature.values()))[0].lowered) is Lowered
    assert jf(4.0) == 13.0 and jf.trace_count == 1


def test_a_trace_holding_large_arrays_compiles_at_its_first_call(compiles):
    # kept until the second call, its intermediate arrays would outweigh compiled code
    f = lambda x: tg.sum(tg.tanh(x) * 2.0 + 1.0)
    for x, at_once in ((np.linspace(-1.0, 1.0, 4), False), (np.linspace(-1.0, 1.0, 5000), True)):
        compiles[0] = 0
        jf = tg.jit(f)
        assert bits(jf(x)) == bits(f(x)) and (compiles[0] > 0) == at_once
        assert bits(jf(x)) == bits(f(x)) and compiles[0] > 0 and jf.trace_count == 1


def test_the_specialization_bound_counts_the_deferred_ones():
    def f(x):
        k = 0
        while x > k:                      # a new guard pattern for every integer part
            k += 1
        return x * k
    jf = tg.jit(f)
    for v in range(8):
        assert bits(jf(v + 0.5)) == bits(f(v + 0.5)) and jf.trace_count == v + 1
    for v in range(8):                    # each compiled now, the guards checked
        assert bits(jf(v + 0.25)) == bits(f(v + 0.25))
    with pytest.raises(TypeError, match=r"more than 8 specializations.*tg\.where"):
        jf(8.5)
    assert jf.trace_count == 8
