"""Writes into traced arrays, new arrays from traced ones, copies and in-place operators.

Each feature is a function of one 1-D array that NumPy runs as it is; each is
run under every transform and their compositions, for the dtypes where that
means something, against NumPy (values), Python loops (vmap) and central
differences (derivatives). Then the in-place operators' aliasing, jit's
deferred compile after an exception, two threads at once, and the draw check
under threads.
"""

from __future__ import annotations

import threading
import warnings

import numpy as np
import pytest
from conftest import fd

import tapegrad as tg
from tapegrad import jit_first


def _set_int(x):
    y = x.copy()
    y[1] = 2 * x[0]
    return y


def _set_slice(x):
    y = x * 1
    y[1:3] = x[:2] * x[2:]
    return y


def _set_mask(x):
    y = x.copy()
    y[y.real < 0.25] = 3
    return y * x


def _set_fancy(x):
    y = x.copy()
    y[[0, 2, 0]] = x[1:4] * 2          # index 0 twice: the last write stays
    return y


def _add_at_repeated(x):
    y = x.copy()
    y[[0, 0, 2]] += x[1]               # NumPy's buffered: once
    return y


def _put(x):
    y = x.copy()
    np.put(y, [0, 3], x[1:3] * x[0])
    return y


def _copyto(x):
    y = np.zeros_like(x)
    np.copyto(y, x * x, where=np.array([True, False, True, True]))
    return y + x


def _fill_diagonal(x):
    y = np.outer(x, x[::-1])
    np.fill_diagonal(y, x[2])
    return y


def _zeros_like(x):
    y = np.zeros_like(x)
    y[0] = x[1]
    return y + np.ones_like(x) * x + np.full_like(x, 2) * x


def _positive(x):
    y = +x
    y[0] = 0
    z = np.positive(x)
    z[1] = 1
    return y * z + x                   # x itself unchanged


def _flatten(x):
    y = x.reshape(2, 2).flatten()
    y[0] = 5
    return y * x


def _roll0(x):
    y = np.roll(x, 0)
    y[1] = 0
    return y + x


def _in_place_alias(x):
    u = x * 2
    w = u
    u += x                             # w is u: it sees the write
    u *= x
    return w + x


def _in_place_write_back(x):
    d = x.copy()
    d[1:] += x[:-1]
    d[:2] *= 2
    return d


def _where_zero_d(x):
    u = np.where(x[0] > 0, x[1], x[2])     # a new 0-d array, not a view of x
    w = u
    u *= x[3]
    return w + x


def _nan_to_num_in_place(x):
    d = x * 1
    y = np.nan_to_num(d, copy=False)      # d itself, written (no NaN here: the identity)
    y[0] = 3
    return d * x


def _astype_without_copy(x):
    d = x * 1
    y = d.astype(d.dtype, copy=False)     # d itself
    y[0] = 2
    z = d.astype(d.dtype)                 # a copy
    z[1] = 5
    return d + z


def _in_place_loop(x):
    acc = np.zeros_like(x)
    total = acc
    for k in range(3):
        acc += x * (k + 1)
        acc[k] -= x[3]
    return total * x


FEATURES = {f.__name__[1:]: f for f in [
    _set_int, _set_slice, _set_mask, _set_fancy, _add_at_repeated, _put, _copyto,
    _fill_diagonal, _zeros_like, _positive, _flatten, _roll0, _in_place_alias,
    _in_place_write_back, _where_zero_d, _nan_to_num_in_place, _astype_without_copy,
    _in_place_loop]}

X = np.array([0.3, -0.7, 1.1, 0.5])
DTYPES = {"float64": np.float64, "float32": np.float32, "int64": np.int64}
# complex data is refused where it meets a traced value (tapegrad computes on reals)


def data(dtype, k=0):
    x = X * (1.0 + 0.25 * k) - 0.1 * k
    if dtype is np.int64:
        return np.round(x * 4).astype(np.int64)
    return x.astype(dtype)


def batch(dtype):
    return np.stack([data(dtype, k) for k in range(3)])


def same(a, b):
    """Equal bits, dtype, shape and type."""
    if type(a) is not type(b):
        return False
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def loss(f):
    def scalar(x):
        y = f(x)
        return np.sum(np.sin(y) * np.linspace(0.5, 1.7, y.size).reshape(y.shape))
    return scalar


@pytest.fixture
def deferred():
    """jit as users run it: the first call traces, the second compiles."""
    jit_first.COMPILE_AT_FIRST_CALL = False
    yield
    jit_first.COMPILE_AT_FIRST_CALL = True


def _value_transforms(f, dtype):
    x, x2, xs = data(dtype), data(dtype, 2), batch(dtype)
    loop = np.stack([f(xi) for xi in xs])
    jf = tg.jit(f)
    assert same(jf(x), f(x))
    assert same(jf(x2), f(x2))           # compiled now (deferred) or replayed
    assert same(jf(x), f(x))
    assert same(tg.vmap(f)(xs), loop)
    assert same(tg.jit(tg.vmap(f))(xs), loop)
    assert same(tg.vmap(tg.jit(f))(xs), loop)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", FEATURES)
def test_values_under_jit_and_vmap_are_numpys(name, dtype, deferred):
    _value_transforms(FEATURES[name], DTYPES[dtype])


@pytest.mark.parametrize("name", FEATURES)
def test_values_when_jit_compiles_at_the_first_call(name):
    _value_transforms(FEATURES[name], np.float64)


GRADS = ["grad", "grad_grad", "jvp", "jit_grad", "vmap_grad", "grad_jit", "jit_vmap_grad"]


@pytest.mark.parametrize("transform", GRADS)
@pytest.mark.parametrize("name", FEATURES)
def test_derivatives_are_central_differences(name, transform, deferred):
    f = FEATURES[name]
    L = loss(f)
    x, xs = data(np.float64), batch(np.float64)
    g = tg.grad(L)(x)
    if transform == "grad":
        np.testing.assert_allclose(g, fd(L, x), rtol=1e-6, atol=1e-8)
    elif transform == "grad_grad":
        v = np.array([0.4, -0.3, 0.2, 0.9])
        hv = tg.grad(lambda y: np.sum(tg.grad(L)(y) * v))(x)
        np.testing.assert_allclose(hv, fd(lambda y: np.sum(tg.grad(L)(y) * v), x),
                                   rtol=1e-5, atol=1e-7)
    elif transform == "jvp":
        t = np.array([0.4, -0.3, 0.2, 0.9])
        out, tan = tg.jvp(f, (x,), (t,))
        assert same(out, f(x))
        np.testing.assert_allclose(tan, (f(x + 1e-6 * t) - f(x - 1e-6 * t)) / 2e-6,
                                   rtol=1e-6, atol=1e-8)
    elif transform == "jit_grad":
        jg = tg.jit(tg.grad(L))
        assert same(jg(x), g) and same(jg(x), g)
    elif transform == "vmap_grad":
        assert same(tg.vmap(tg.grad(L))(xs), np.stack([tg.grad(L)(xi) for xi in xs]))
    elif transform == "grad_jit":
        np.testing.assert_allclose(tg.grad(tg.jit(L))(x), g, rtol=1e-14, atol=1e-15)
    else:
        loop = np.stack([tg.grad(L)(xi) for xi in xs])
        assert same(tg.jit(tg.vmap(tg.grad(L)))(xs), loop)


@pytest.mark.parametrize("name", FEATURES)
def test_float32_stays_float32_and_its_derivative_is_the_float64_ones(name):
    L = loss(FEATURES[name])
    g32 = tg.grad(L)(data(np.float32))
    assert g32.dtype == np.float32
    np.testing.assert_allclose(g32, tg.grad(L)(data(np.float64)), rtol=2e-5, atol=2e-6)
    assert same(tg.jit(tg.grad(L))(data(np.float32)), g32)


# ---------------------------------------------------------------- in-place operators: aliases

def _alias_of_an_argument(x):
    w = x
    x += 1.0
    return w * 1.0


def _view_updated_alone(x):
    d = x.copy()
    u = d[1:]
    u += 1.0
    return d


def _other_view_of_the_base(x):
    d = x.copy()
    r = d[:2]
    u = d[1:]
    u -= x[1:]
    return r * 1.0


def _alias_in_a_list(x):
    w = [x]
    x *= 2.0
    return w[0] + x


REFUSED = {f.__name__[1:]: f for f in [_alias_of_an_argument, _view_updated_alone,
                                        _other_view_of_the_base, _alias_in_a_list]}
TRANSFORMS = {
    "jit": lambda f: tg.jit(f),
    "grad": lambda f: tg.grad(lambda x: np.sum(f(x))),
    "jvp": lambda f: lambda x: tg.jvp(f, (x,), (x,)),
    "vmap": lambda f: lambda x: tg.vmap(f)(np.stack([x, x])),
    "jit_grad": lambda f: tg.jit(tg.grad(lambda x: np.sum(f(x)))),
    "vmap_grad": lambda f: lambda x: tg.vmap(tg.grad(lambda x: np.sum(f(x))))(np.stack([x, x])),
}


@pytest.mark.parametrize("transform", TRANSFORMS)
@pytest.mark.parametrize("name", REFUSED)
def test_a_name_left_behind_by_u_op_v_is_refused_where_numpy_shows_the_change(name, transform):
    with pytest.raises(TypeError, match=r"u op= v on a (traced array u that may not be "
                                        r"written|view u of a traced array d)"):
        TRANSFORMS[transform](REFUSED[name])(X.copy())


def test_the_names_u_op_v_leaves_are_numpys_where_they_are_not_read(deferred):
    def f(x):
        x += 1.0                     # an argument: rebound, the old array never read
        d = x * 1.0
        u = d[1:]
        u *= x[:-1]                  # a view: d never read after
        return u + x[1:]
    x, xs = X.copy(), batch(np.float64)
    jf = tg.jit(f)
    assert same(jf(x.copy()), f(x.copy())) and same(jf(xs[1].copy()), f(xs[1].copy()))
    assert same(tg.vmap(f)(xs.copy()), np.stack([f(xi.copy()) for xi in xs]))
    L = loss(f)
    np.testing.assert_allclose(tg.grad(L)(x.copy()), fd(lambda v: L(v.copy()), x),
                               rtol=1e-6, atol=1e-8)


def test_nan_to_num_without_copy_writes_into_its_array():
    def f(x):
        d = x * 1.0
        np.nan_to_num(d, copy=False, nan=-1.0)
        return d * x
    x = np.array([np.nan, 0.5, np.inf, 2.0])
    assert same(tg.jit(f)(x), f(x))
    big = np.finfo(np.float64).max              # inf replaced: d * x has derivative d there
    assert same(tg.grad(lambda v: np.nansum(f(v)))(x), np.array([0.0, 1.0, big, 4.0]))
    with pytest.raises(TypeError, match="an argument of the transform"):
        tg.jit(lambda v: (np.nan_to_num(v, copy=False), v)[1])(x)


def test_the_alias_sees_the_write_under_every_transform():
    def f(x):
        u = x * 1.0
        w = u
        u += x * x
        return w
    x = X.copy()
    assert same(tg.jit(f)(x), x + x * x)
    np.testing.assert_allclose(tg.jacobian(f)(x), np.diag(1.0 + 2 * x), rtol=1e-15)
    assert same(tg.vmap(f)(np.stack([x, 2 * x])), np.stack([f(x), f(2 * x)]))


def test_bitwise_and_matmul_in_place_keep_the_array():
    def f(x):
        m = x > 0.0
        alias = m
        m &= x < 1.0
        a = np.outer(x, x) + np.eye(4)
        b = a
        a @= np.eye(4) * 2.0
        return np.where(alias, x, 0.0) + np.sum(b, axis=0)
    x = X.copy()
    assert same(tg.jit(f)(x), f(x))
    np.testing.assert_allclose(tg.grad(lambda v: np.sum(f(v)))(x),
                               fd(lambda v: np.sum(f(v)), x), rtol=1e-6)


# ---------------------------------------------------------------- after an exception, threads

def test_jit_after_an_exception_inside_the_traced_function(deferred):
    calls = []

    def f(x, fail):
        y = x.copy()
        y[0] = x[1] * 2.0
        u = y
        u += 1.0
        calls.append(fail)
        if fail:
            raise KeyError("inside")
        return y

    jf = tg.jit(f, static_argnums=1)
    with pytest.raises(KeyError):
        jf(X, True)
    for k in range(3):           # traces, compiles, runs compiled
        x = data(np.float64, k)
        assert same(jf(x, False), f(x, False))
    with pytest.raises(KeyError):
        tg.grad(lambda v: np.sum(f(v, True)))(X)
    g = tg.grad(lambda v: np.sum(f(v, False)))(X)
    np.testing.assert_allclose(g, fd(lambda v: np.sum(f(v, False)), X), rtol=1e-6)


def test_two_threads_at_once_compute_what_one_does(deferred):
    names = list(FEATURES)
    expected = {n: (FEATURES[n](X), tg.grad(loss(FEATURES[n]))(X)) for n in names}
    wrong: list[str] = []
    barrier = threading.Barrier(2)

    def work(order):
        barrier.wait()
        for n in order:
            jf, jg = tg.jit(FEATURES[n]), tg.jit(tg.grad(loss(FEATURES[n])))
            for _ in range(2):
                if not (same(jf(X), expected[n][0]) and same(jg(X), expected[n][1])
                        and same(tg.grad(loss(FEATURES[n]))(X), expected[n][1])):
                    wrong.append(n)
    threads = [threading.Thread(target=work, args=(o,)) for o in (names, names[::-1])]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wrong == []


def test_two_threads_calling_one_jitted_function_compute_what_one_does(deferred):
    shared = {n: (tg.jit(f), tg.jit(tg.grad(loss(f))), tg.vmap(f)) for n, f in FEATURES.items()}
    wrong: list[tuple[str, str]] = []
    barrier = threading.Barrier(2)

    def work(k):
        barrier.wait()
        for n, f in FEATURES.items():
            jf, jg, vf = shared[n]
            for j in range(3):      # traces, compiles, runs compiled: in both threads
                x = data(np.float64, (k + j) % 3)
                if not same(jf(x), f(x)):
                    wrong.append(("jit", n))
                if not same(jg(x), tg.jit(tg.grad(loss(f)))(x)):
                    wrong.append(("jit_grad", n))
                if not same(vf(np.stack([x, 2 * x])), np.stack([f(x), f(2 * x)])):
                    wrong.append(("vmap", n))
    threads = [threading.Thread(target=work, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wrong == []


def _drawing_beside(fun):
    """jit(fun) while another thread draws from NumPy's global generator mid-recording."""
    started, drawn, done = threading.Event(), threading.Event(), threading.Event()

    def other():
        started.wait(10)
        np.random.random()
        drawn.set()
        done.wait(10)            # alive until the recording's check has run

    def recorded(x):
        started.set()
        drawn.wait(10)
        return fun(x)
    t = threading.Thread(target=other)
    t.start()
    try:
        return tg.jit(recorded)(1.5)
    finally:
        done.set()
        t.join()


def test_a_draw_in_another_thread_is_no_warning_for_a_function_that_draws_nothing():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _drawing_beside(lambda x: x * 2.0) == 3.0


def test_a_function_that_draws_while_another_thread_runs_is_warned_about():
    with pytest.warns(RuntimeWarning, match="drew from NumPy's global random generator"):
        _drawing_beside(lambda x: x * np.random.random())


# ---------------------------------------------------------------- arrays written after a read

def _numpy_array_written(x):
    u = np.ones(3)
    s = u * x                       # NumPy read u as it was: d/dx of sum(s * s) = 6 x
    u += 9.0
    u[0] = 4.0
    return np.sum(s * s) + np.sum(np.zeros(3) * u)


def _numpy_array_written_reflected(x):
    u = np.array([1.0, 2.5, 3.5])
    s = x - u                       # reflected and general records keep u as read too
    t = np.maximum(u, x)
    u *= 5.0
    return np.sum(s * t)


@pytest.mark.parametrize("f", [_numpy_array_written, _numpy_array_written_reflected])
@pytest.mark.parametrize("transform", ["grad", "jvp", "jit", "vmap", "jit_grad", "grad_grad"])
def test_a_numpy_array_written_after_a_traced_operation_read_it(transform, f, deferred):
    x = 2.0
    if transform == "grad":
        np.testing.assert_allclose(tg.grad(f)(x), fd(f, x), rtol=1e-7)
    elif transform == "jvp":
        np.testing.assert_allclose(tg.jvp(f, (x,), (1.0,))[1], fd(f, x), rtol=1e-7)
    elif transform == "jit":
        jf = tg.jit(f)
        assert [jf(x), jf(3.0), jf(3.0)] == [f(x), f(3.0), f(3.0)]
    elif transform == "vmap":
        assert same(tg.vmap(f)(np.array([2.0, 3.0])), np.array([f(2.0), f(3.0)]))
    elif transform == "jit_grad":
        jg = tg.jit(tg.grad(f))
        assert [jg(x), jg(3.0)] == [tg.grad(f)(x), tg.grad(f)(3.0)]
    else:
        np.testing.assert_allclose(tg.grad(tg.grad(f))(x), fd(tg.grad(f), x), rtol=1e-6)


@pytest.mark.parametrize("how", ["setitem", "iadd"])
@pytest.mark.parametrize("inner", ["grad", "jit_grad"])
def test_an_outer_array_written_inside_an_inner_transform_after_it_was_read(how, inner):
    # u is traced by the outer transform; the inner record of u * y keeps u as it was
    def outer(x):
        box = [np.ones(3) * x]

        def f(y):
            u = box[0]
            s = np.sum(u * y)           # d/dy = sum(u) = 3 x, u before the write
            if how == "setitem":
                u[0] = 10.0 * x
            else:
                u += 10.0 * x
            return s
        return (tg.grad(f) if inner == "grad" else tg.jit(tg.grad(f)))(0.5)
    assert tg.jit(outer)(1.5) == 4.5
    assert tg.grad(outer)(1.5) == 3.0
