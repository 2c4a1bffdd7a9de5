"""jit's cache: static arguments, signatures, threads, user primitives, memory.

Each test states a behaviour of API.md ("Added in turn 3", jit), or JAX's
where API.md is silent, and checks it against eager evaluation or a closed
form.
"""

import functools
import gc
import linecache
import math
import sys
import threading
import time
import tracemalloc
import weakref

import numpy as np
import pytest

import tapegrad as tg


def power(x, n):
    out = 1.0
    for _ in range(n):            # a traced n could not drive range: n must be static
        out = out * x
    return out


# ------------------------------------------------ item 6: static arguments
@pytest.mark.parametrize("how", ["argnums", "argnames", "negative"])
def test_a_static_argument_may_be_passed_by_position_or_by_keyword(how):
    kw = {"argnums": {"static_argnums": 1}, "argnames": {"static_argnames": "n"},
          "negative": {"static_argnums": -1}}[how]
    jp = tg.jit(power, **kw)
    for x, n in [(2.0, 3), (1.5, 4), (-3.0, 2)]:
        assert jp(x, n) == power(x, n)
        if how != "negative":        # -1 counts the positional arguments given, as JAX's
            assert jp(x, n=n) == power(x, n)
    assert jp(0.5, 3) == 0.125


def test_static_arguments_resolve_in_every_kind_of_parameter():
    def f(x, /, k, *, mode="double", scale=1.0):
        return sum(x * scale for _ in range(k)) if mode == "double" else x
    by_num = tg.jit(f, static_argnums=(1,), static_argnames="mode")
    by_name = tg.jit(f, static_argnames=("k", "mode"))
    for g in (by_num, by_name):
        assert g(2.0, 3) == f(2.0, 3) == 6.0
        assert g(2.0, k=3, mode="same") == f(2.0, k=3, mode="same") == 2.0
        assert g(2.0, 2, scale=4.0) == f(2.0, 2, scale=4.0) == 16.0   # scale traced
        calls = g.trace_count
        assert g(2.0, 2, scale=5.0) == 20.0 and g.trace_count == calls


def test_a_default_static_argument_left_out_is_fine():
    def f(x, n=2):
        return power(x, n)
    jf = tg.jit(f, static_argnums=1)
    assert jf(3.0) == 9.0 and jf(3.0, 3) == 27.0 and jf(3.0, n=1) == 3.0


def test_static_arguments_with_transforms_resolve_through_the_wrapped_signature():
    jg = tg.jit(tg.grad(power), static_argnums=1)
    assert jg(2.0, 3) == 12.0 and jg(2.0, n=3) == 12.0
    jv = tg.jit(tg.value_and_grad(power), static_argnames="n")
    assert jv(2.0, 3) == (8.0, 12.0) and jv(2.0, n=4) == (16.0, 32.0)


def test_static_names_that_the_function_does_not_have_are_errors():
    with pytest.raises(ValueError, match=r"static_argnums has 2, but power takes 2 "
                                         r"positional argument"):
        tg.jit(power, static_argnums=2)
    with pytest.raises(ValueError, match=r"static_argnums has -3"):
        tg.jit(power, static_argnums=-3)
    with pytest.raises(ValueError, match=r"static_argnames has 'm', but power has no "
                                         r"parameter of that name"):
        tg.jit(power, static_argnames="m")
    with pytest.raises(ValueError, match=r"positional-only.*static_argnums"):
        tg.jit(lambda x, n, /: x, static_argnames="n")
    # *args and **kwargs take any position or name
    assert tg.jit(lambda *a: a[0] * a[1], static_argnums=5)(2.0, 3.0) == 6.0
    assert tg.jit(lambda x, **kw: x * kw["n"], static_argnames="n")(2.0, n=3) == 6.0


EQUAL_STATICS = [1, True, 1.0, np.int64(1), np.float64(1.0), np.bool_(True), (1,), (1.0,),
                 (True,), ((1,),), ((1.0,),)]


def typed(x, s):
    """A function that tells equal statics of other types apart, as Python may."""
    return x * (len(type(s).__name__) + (len(type(s[0]).__name__) if type(s) is tuple else 0))


def test_equal_statics_of_other_types_do_not_share_a_trace():
    jf = tg.jit(typed, static_argnums=1)
    for s in EQUAL_STATICS:
        assert jf(2.0, s) == typed(2.0, s), s
    assert jf.trace_count == len(EQUAL_STATICS)
    for s in EQUAL_STATICS + EQUAL_STATICS[::-1]:     # the fast path meets them too
        assert jf(3.0, s) == typed(3.0, s), s
        assert jf(3.0, s) == typed(3.0, s), s
    assert jf.trace_count == len(EQUAL_STATICS)
    jk = tg.jit(lambda x, *, s: typed(x, s), static_argnames="s")
    for s in EQUAL_STATICS:
        assert jk(2.0, s=s) == typed(2.0, s)
        assert jk(2.0, s=s) == typed(2.0, s)
    assert jk.trace_count == len(EQUAL_STATICS)


class PytreeModel:
    def __init__(self, w, b):
        self.w, self.b = w, b

    @tg.jit
    def predict(self, x):
        return tg.tanh(x @ self.w + self.b)

    @tg.jit
    def loss(self, x, y):
        return tg.mean((self.predict(x) - y) ** 2)


tg.tree.register(PytreeModel, lambda m: ((m.w, m.b), None),
                 lambda aux, ch: PytreeModel(*ch))


def eager_loss(w, b, x, y):
    return tg.mean((tg.tanh(x @ w + b) - y) ** 2)


def test_jit_on_a_method_of_a_pytree_class_traces_self():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(5, 3)), rng.normal(size=5)
    for dtype in (np.float64, np.float32):
        w, b = rng.normal(size=3).astype(dtype), dtype(0.5)
        m = PytreeModel(w, b)
        assert m.predict(x.astype(dtype)).dtype == tg.tanh(x.astype(dtype) @ w + b).dtype
        np.testing.assert_array_equal(m.predict(x), tg.tanh(x @ w + b))
        assert m.loss(x, y) == eager_loss(w, b, x, y)
        assert PytreeModel.loss(m, x, y) == eager_loss(w, b, x, y)
    before = PytreeModel.loss.trace_count
    m2 = PytreeModel(rng.normal(size=3), np.float64(0.25))   # same signature: no trace
    assert m2.loss(x, y) == eager_loss(m2.w, m2.b, x, y)
    assert PytreeModel.loss.trace_count == before
    grads = tg.grad(lambda m: m.loss(x, y))(m2)       # the method under grad
    want = tg.grad(eager_loss, argnums=(0, 1))(m2.w, m2.b, x, y)
    np.testing.assert_allclose(grads.w, want[0], rtol=1e-12)
    np.testing.assert_allclose(grads.b, want[1], rtol=1e-12)


class StaticModel:
    def __init__(self, scale, n):
        self.scale, self.n = scale, n

    @functools.partial(tg.jit, static_argnums=0)
    def apply(self, x):
        return power(x, self.n) * self.scale


def test_jit_on_a_method_with_self_static():
    a, b = StaticModel(2.0, 3), StaticModel(0.5, 2)
    for x in (1.5, -2.0, 3.0):
        assert a.apply(x) == power(x, 3) * 2.0
        assert b.apply(x) == power(x, 2) * 0.5
        assert a.apply(x=x) == power(x, 3) * 2.0
    assert StaticModel.apply.trace_count == 3      # a, b, and a with x by keyword
    assert tg.grad(a.apply)(2.0) == 3 * 4.0 * 2.0
    assert tg.vmap(a.apply)(np.array([1.0, 2.0])).tolist() == [2.0, 16.0]


def test_functools_partial_of_jit_as_a_decorator():
    @functools.partial(tg.jit, static_argnums=0)
    def f(n, x):
        return power(x, n)

    @functools.partial(tg.jit, static_argnames="n")
    def g(x, n):
        return power(x, n)
    assert f(3, 2.0) == 8.0 and f(n=2, x=3.0) == 9.0
    assert g(2.0, 3) == 8.0 and g(2.0, n=2) == 4.0


class Plain:
    def __init__(self, w):
        self.w = w

    @tg.jit
    def f(self, x):
        return x * self.w


def test_jit_on_a_method_of_a_plain_class_names_both_fixes():
    with pytest.raises(TypeError, match=r"Plain\.f.*self.*static_argnums=0.*"
                                        r"tg\.tree\.register\(Plain"):
        Plain(2.0).f(3.0)


# ------------------------------------------------ item 8: no crash, no race
DICTS = [
    ({"a": 1.0, "b": 2.0}, {"a": 1.0, "c": 2.0}),
    ({"a": 1.0, "b": 2.0}, {"x": 1.0, "y": 2.0}),
    ({1: 1.0, 2: 2.0}, {1: 1.0, 3: 2.0}),
    ([{"a": 1.0}, {"b": 2.0}], [{"a": 1.0}, {"c": 2.0}]),
    ({"p": {"a": np.ones(2), "b": 1.0}}, {"p": {"a": np.ones(2), "z": 1.0}}),
    ({"p": {"a": 1.0, "b": 1.0}, "q": 3}, {"p": {"a": 1.0, "b": 1.0}, "r": 3}),
]


def weighted(t):
    """Reads the keys: a dict of other keys is another function of the values."""
    out = 0.0
    for path, leaf in tg.tree.flatten_with_path(t)[0]:
        out = out + tg.sum(leaf * float(len(tg.tree.keystr(path)) + 1))
    return out


@pytest.mark.parametrize("first, other", DICTS)
def test_a_dict_of_other_keys_retraces(first, other):
    jf = tg.jit(weighted)
    for t in (first, first, other, other, first, other):    # the fast path on each
        assert jf(t) == weighted(t)
    assert jf.trace_count == 2


def test_a_dict_of_the_same_keys_in_another_order_shares_the_trace():
    jf = tg.jit(weighted)
    assert jf({"a": 1.0, "b": 2.0}) == jf({"b": 2.0, "a": 1.0}) == weighted({"a": 1.0, "b": 2.0})
    assert jf({"b": 5.0, "a": 1.0}) == weighted({"a": 1.0, "b": 5.0})
    assert jf.trace_count == 1


def first_calls_at_once(jf, args_of, n=12):
    """Call ``jf`` from ``n`` threads released together; their results."""
    barrier = threading.Barrier(n)
    out: dict = {}
    errors: list = []

    def work(k):
        try:
            barrier.wait()
            out[k] = jf(*args_of(k))
        except BaseException as e:          # reported below, not lost in the thread
            errors.append(e)
    threads = [threading.Thread(target=work, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    return out


def test_twelve_threads_making_their_first_call_at_once_trace_once():
    traces = []

    def f(x):
        traces.append(1)
        time.sleep(0.02)              # a slow trace: the other threads arrive meanwhile
        return tg.sin(x) * x
    jf = tg.jit(f)
    out = first_calls_at_once(jf, lambda k: (0.5 + k,))
    assert all(out[k] == math.sin(0.5 + k) * (0.5 + k) for k in range(12))
    assert len(traces) == 1 and jf.trace_count == 1


def test_threads_with_guards_and_signatures_trace_each_once():
    traces = []

    def f(x):
        traces.append(1)
        time.sleep(0.02)
        return x * 2.0 if tg.sum(x) > 0 else -x
    jf = tg.jit(f)
    shapes = [(), (2,), (3,)]

    def args(k):
        sign = 1.0 if k % 2 else -1.0
        shape = shapes[k % 3]
        return (sign * (np.ones(shape) if shape else 1.0),)
    out = first_calls_at_once(jf, args)
    for k in range(12):
        np.testing.assert_array_equal(out[k], f(*args(k)))
    assert len(traces) == 12 + 6 and jf.trace_count == 6   # 12 eager calls above


BUILTIN_NAMES = ["add", "sub", "mul", "div", "neg", "zmul", "relu", "guard", "where", "sum",
                 "mean", "sum_like", "broadcast_like", "getitem", "matmul", "transpose",
                 "tanh", "square", "exp", "log", "sin", "cos", "sqrt", "log1p", "expm1", "tan",
                 "arctan", "sinh", "cosh", "lt", "gt", "eq", "ne", "not", "pow", "abs",
                 "reshape", "maximum"]


def user_primitive(name):
    """Like no built-in: 3 * first argument + the others (booleans count as 1)."""
    def impl(*args):
        out = 3.0 * args[0]
        for a in args[1:]:
            out = out + (np.asarray(a, dtype=float) if isinstance(a, np.ndarray) else float(a))
        return out
    prim = tg.primitive(impl, name=name)
    tg.defpartials(prim, 3.0, *([1.0] * 3))
    return prim


CALLS = {                 # argument patterns that each name's spelling looks for
    "unary": lambda p, x: p(x),
    "one": lambda p, x: p(x, 1.0) + p(1.0, x),
    "zero": lambda p, x: p(x, 0.0) + p(0.0, x),
    "true": lambda p, x: p(x, True) + p(x, False),
    "two": lambda p, x: p(x, x * 2.0),
    "three": lambda p, x: p(x, x, 2.0) + p(x > 0, x, x * 2.0),
}


@pytest.mark.parametrize("name", BUILTIN_NAMES)
def test_a_user_primitive_named_like_a_builtin_computes_its_own_impl(name):
    prim = user_primitive(name)
    for call in CALLS.values():
        f = functools.partial(call, prim)
        for x in (2.0, -1.5, 0.0, np.array([1.0, -2.0, 0.0]), np.float32(1.5),
                  np.array([0.5, 2.0], dtype=np.float32)):
            np.testing.assert_array_equal(tg.jit(f)(x), f(x))
            if np.ndim(x) == 0:
                assert tg.jit(tg.grad(f))(x) == tg.grad(f)(x)
        xs = np.array([1.0, -2.0, 0.0])
        np.testing.assert_array_equal(tg.vmap(f)(xs), [f(v) for v in xs])


@pytest.mark.parametrize("name", ["square", "relu", "tanh", "zmul", "sum", "where", "exp"])
def test_a_user_primitive_with_a_tapegrad_impl_is_spelled_by_its_impl(name):
    prim = tg.primitive(tg.sin.impl, name=name)      # sin, whatever its name says
    for x in (2.0, -0.5, np.array([1.0, -2.0])):
        np.testing.assert_array_equal(tg.jit(prim)(x), np.sin(x))


def where_reciprocal(x):
    return tg.where(x > 0, 1 / x, 0.0)


def where_sqrt(x):
    return tg.where(x >= 0, x, tg.sqrt(-x))


def nth(f, k):
    for _ in range(k):
        f = tg.grad(f)
    return f


RECIPROCAL = {0.0: [0.0] * 6, -1.0: [0.0] * 6,     # f, f', ... f^(5) at x
              2.0: [(-1) ** k * math.factorial(k) / 2.0 ** (k + 1) for k in range(6)]}
SQRT = {1.0: [1.0, 1.0, 0.0, 0.0, 0.0, 0.0], 0.0: [0.0, 1.0, 0.0, 0.0, 0.0, 0.0]}


@pytest.mark.parametrize("f, table", [(where_reciprocal, RECIPROCAL), (where_sqrt, SQRT)])
@pytest.mark.parametrize("order", [1, 2, 3, 4])
def test_a_zero_cotangent_contributes_zero_at_every_order(f, table, order):
    """TRAPS row 15 at any order: the branch not taken adds exactly zero."""
    for x, derivatives in table.items():
        want = derivatives[order]
        d = nth(f, order)
        assert d(x) == want, (x, "eager")
        assert tg.jit(d)(x) == want, (x, "jit")
        assert tg.jvp(nth(f, order - 1), (x,), (1.0,))[1] == want, (x, "jvp")
        assert tg.jvp(d, (x,), (1.0,))[1] == derivatives[order + 1], (x, "jvp of grad")
        assert tg.make_tape(d)(x)(x) == want, (x, "replay")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_zero_cotangent_contributes_zero_at_every_order_on_arrays(dtype):
    x = np.array([0.0, -1.0, 2.0], dtype=dtype)
    d = where_reciprocal
    for order in range(1, 5):
        d = (lambda g: lambda v: tg.grad(lambda u: tg.sum(g(u)))(v))(d)   # elementwise
        want = np.array([0.0, 0.0, RECIPROCAL[2.0][order]], dtype=dtype)
        for got in (d(x), tg.jit(d)(x)):
            np.testing.assert_array_equal(got, want)
            assert got.dtype == dtype
        np.testing.assert_array_equal(tg.vmap(d)(x), want)   # float32: item 4's


# ------------------------------------------------ item 9: bounded memory
def test_a_jitted_function_keeps_the_64_most_recently_used_signatures():
    traces = []
    jf = tg.jit(lambda x: (traces.append(x.shape), tg.sum(x * 2.0))[1])
    shape = lambda k: (k + 1,)
    for k in range(64):
        assert jf(np.ones(shape(k))) == 2.0 * (k + 1)
    assert len(traces) == 64
    jf(np.ones(shape(0)))                  # kept: the oldest, now the most recent
    assert len(traces) == 64
    jf(np.ones(shape(64)))                 # a 65th: the least recent (shape 1) goes
    assert len(traces) == 65
    jf(np.ones(shape(0)))
    assert len(traces) == 65
    assert jf(np.ones(shape(1))) == 4.0    # dropped: traced again
    assert len(traces) == 66 and traces[-1] == shape(1) and jf.trace_count == 66


def compiled_code_files():
    """The file names of compiled programs alive (a function object holds the code)."""
    return {f.__code__.co_filename for f in gc.get_objects()
            if type(f).__name__ == "function" and f.__code__.co_filename.startswith(
                "<tapegrad.jit ") and "#" in f.__code__.co_filename}


def test_a_dropped_jitted_function_frees_its_code_and_linecache_entries():
    gc.collect()
    files_before, lines_before = compiled_code_files(), set(linecache.cache)

    def program(x):
        return tg.tanh(x) * 2.0 if tg.sum(x) > 0 else x - 1.0
    jf = tg.jit(program)
    for x in (1.0, -1.0, np.ones(3), -np.ones(3), np.ones((2, 2), dtype=np.float32)):
        jf(x)
    jg = tg.jit(tg.grad(lambda x: program(x) * 3.0))
    jg(1.0)
    ours = compiled_code_files() - files_before
    assert ours and ours <= set(linecache.cache) - lines_before     # tracebacks show them
    alive = weakref.ref(jf)
    del jf, jg
    gc.collect()
    assert alive() is None
    assert not compiled_code_files() & ours
    assert not set(linecache.cache) & ours


def test_dropped_signatures_free_their_linecache_entries():
    gc.collect()
    files_before, lines_before = compiled_code_files(), set(linecache.cache)
    jf = tg.jit(lambda x: x * 2.0)
    for k in range(200):
        jf(np.ones(k + 1))
    gc.collect()
    assert 0 < len(set(linecache.cache) - lines_before) <= 64
    assert 0 < len(compiled_code_files() - files_before) <= 64


@pytest.mark.slow
def test_memory_is_flat_over_eighteen_hundred_shapes():
    """1,800 calls, each with a new shape (so each traces): memory stays flat."""
    jf = tg.jit(lambda x: tg.sum(tg.tanh(x) * 2.0 + 1.0))
    shapes = [(1 + k % 100, 1 + k // 100) for k in range(1800)]

    def run(part):
        for s in part:
            jf(np.full(s, 0.5))
    run(shapes[:600])               # the cache is full: 64 signatures
    gc.collect()
    blocks = sys.getallocatedblocks()
    run(shapes[600:1300])
    gc.collect()
    assert sys.getallocatedblocks() - blocks < 20_000     # 700 programs would be ~6x10^4
    tracemalloc.start()
    try:
        run(shapes[1300:1500])      # the 64 kept signatures are now all traced here
        gc.collect()
        start = tracemalloc.get_traced_memory()[0]
        run(shapes[1500:])
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - start
    finally:
        tracemalloc.stop()
    assert grown < 256 * 1024, grown       # 300 kept programs would be megabytes
    assert jf.trace_count == 1800


def test_an_argument_jit_cannot_trace_is_named_by_its_parameter():
    def f(x, p):
        return x
    with pytest.raises(TypeError, match=r"at p\['w'\] is a str.*static_argnums"):
        tg.jit(f)(1.0, {"w": "a"})
    for bad in (1 + 2j, np.complex64(1), np.ones(2, complex)):
        with pytest.raises(TypeError, match=r"at p\['w'\] is complex.*real and imaginary"):
            tg.jit(f)(1.0, {"w": bad})


def test_a_nan_static_argument_is_one_trace_whatever_object_holds_it():
    """A static nan never equals itself; its bits decide, so each call finds its trace."""
    f = tg.jit(lambda x, c: x * 2.0 if c != c else x + c, static_argnums=1)
    for _ in range(4):
        assert f(1.0, float("nan")) == 2.0
        assert f(1.0, (0.0, float("nan"))[1]) == 2.0
    assert f.trace_count == 1
    assert f(1.0, 0.5) == 1.5 and f(1.0, np.float64("nan")) == 2.0 and f.trace_count == 3
    g = tg.jit(lambda x, t: x * len(t), static_argnums=1)
    assert g(2.0, (1.0, float("nan"))) == g(2.0, (1.0, float("nan"))) == 4.0
    assert g.trace_count == 1
