"""NumPy's statistics and orderings on traced values: var, std, prod, cumsum,
cumprod, sort, argsort, argmax/argmin, average, median, logsumexp, softmax.

Each against NumPy's (or SciPy's) values, its derivatives against central
differences to order 2 in both modes, jit against eager bit for bit, vmap
against a Python loop, float32 kept, and against jax.numpy where installed.
Several cases are ported from HIPS autograd's tests/test_numpy.py and
tests/test_systematic.py (combo_check over axis, keepdims and ddof)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import tapegrad as tg

R = np.random.default_rng(7)
M = R.normal(size=(3, 4))
T3 = R.normal(size=(2, 3, 4))
V = R.normal(size=5)


def same(a, b):
    """Equal bit for bit (nan equal to nan), shapes and dtypes too."""
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True)


# --------------------------------------------------- the functions and cases
# name -> (NumPy's function, tapegrad's, the keyword cases to try)
AXES = [None, 0, 1, -1, (0, 1)]
CASES = {
    "var": (np.var, tg.var, [dict(axis=a, keepdims=k, ddof=d) for a, k, d in
                             itertools.product(AXES, (False, True), (0, 1))]),
    "std": (np.std, tg.std, [dict(axis=a, keepdims=k, ddof=d) for a, k, d in
                             itertools.product(AXES, (False, True), (0, 2))]),
    "prod": (np.prod, tg.prod, [dict(axis=a, keepdims=k) for a, k in
                                itertools.product(AXES, (False, True))]),
    "cumsum": (np.cumsum, tg.cumsum, [dict(axis=a) for a in (None, 0, 1, -1)]),
    "cumprod": (np.cumprod, tg.cumprod, [dict(axis=a) for a in (None, 0, 1, -1)]),
    "sort": (np.sort, tg.sort, [dict(axis=a) for a in (None, 0, 1, -1)]),
    "median": (np.median, tg.median, [dict(axis=a, keepdims=k) for a, k in
                                      itertools.product((None, 0, 1, -1), (False, True))]),
    "average": (np.average, tg.average, [dict(axis=a) for a in (None, 0, -1)]),
    "max_ties": (np.max, tg.max, [dict(axis=1)]),
}
FLAT = [(name, kw) for name, (_, _, kws) in CASES.items() for kw in kws]
IDS = [f"{n}-{kw}" for n, kw in FLAT]


@pytest.mark.parametrize("name, kw", FLAT, ids=IDS)
@pytest.mark.parametrize("shape", [(3, 4), (2, 5)])
def test_values_equal_numpys_directly_and_on_traced_values(name, kw, shape):
    np_f, tg_f, _ = CASES[name]
    x = R.normal(size=shape)
    want = np_f(x, **kw)
    np.testing.assert_allclose(tg_f(x, **kw), want, rtol=1e-13, atol=1e-15)
    assert np.shape(tg_f(x, **kw)) == np.shape(want)
    # np.foo on a traced value dispatches here: the same numbers under jit
    np.testing.assert_allclose(tg.jit(lambda v: np_f(v, **kw))(x), want, rtol=1e-13,
                               atol=1e-15)


def test_sorts_cumsums_and_products_are_numpys_own_numbers():
    x = R.normal(size=(4, 6))
    for np_f, tg_f, kw in [(np.sort, tg.sort, {"axis": 0}), (np.cumsum, tg.cumsum, {}),
                           (np.cumprod, tg.cumprod, {"axis": 1}), (np.prod, tg.prod, {}),
                           (np.prod, tg.prod, {"axis": (0, 1), "keepdims": True}),
                           (np.argsort, tg.argsort, {"axis": -1}),
                           (np.argmax, tg.argmax, {"axis": 0})]:
        assert same(tg_f(x, **kw), np_f(x, **kw))
        assert same(tg.jit(lambda v, f=np_f, kw=kw: f(v, **kw))(x), np_f(x, **kw))


@pytest.mark.parametrize("name, kw", FLAT, ids=IDS)
def test_derivatives_to_order_two_in_both_modes(name, kw):
    _, tg_f, _ = CASES[name]
    x = M.copy()
    if name == "max_ties":
        x[:, 1] = x[:, 2]          # a tie: the gradient is split (a kink: order 1 only)
        x[:, 0] = x[:, 1] + 1.0
        tg.check_grads(lambda v: tg.max(v * 1.0, **kw), (x + 0.5,), order=2)
        return
    if name == "std":
        x = x + np.arange(12.0).reshape(3, 4)    # no zero deviation anywhere
    tg.check_grads(lambda v: tg_f(v, **kw), (x,), order=2, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name, kw", FLAT, ids=IDS)
def test_jit_is_eager_bit_for_bit_values_and_gradients(name, kw):
    np_f, _, _ = CASES[name]
    f = lambda v: tg.sum(np_f(v, **kw) * np.cos(np.arange(np.size(np_f(M, **kw))).reshape(
        np.shape(np_f(M, **kw)))))
    x = M * 1.5
    assert same(tg.jit(f)(x), f(x))
    assert same(tg.jit(tg.grad(f))(x), tg.grad(f)(x))
    fj = tg.jit(lambda v: np_f(v, **kw))
    assert same(tg.jit(lambda v: tg.jvp(fj, (v,), (np.ones(x.shape),))[1])(x),
                tg.jvp(lambda v: np_f(v, **kw), (x,), (np.ones_like(x),))[1])
    tape = tg.make_tape(lambda v: np_f(v, **kw))(x)
    assert same(tape(x * 2.0), np_f(x * 2.0, **kw))


@pytest.mark.parametrize("name, kw", FLAT, ids=IDS)
def test_vmap_equals_a_python_loop(name, kw):
    np_f, tg_f, _ = CASES[name]
    xs = R.normal(size=(4, 3, 5))
    loop = np.stack([np.asarray(np_f(x, **kw)) for x in xs])
    np.testing.assert_allclose(tg.vmap(lambda v: tg_f(v, **kw))(xs), loop, rtol=1e-14,
                               atol=1e-15)
    g = tg.vmap(tg.grad(lambda v: tg.sum(tg_f(v, **kw) ** 2)))(xs)
    g_loop = np.stack([tg.grad(lambda v: tg.sum(tg_f(v, **kw) ** 2))(x) for x in xs])
    np.testing.assert_allclose(g, g_loop, rtol=1e-13, atol=1e-14)
    assert same(tg.jit(tg.vmap(lambda v: tg_f(v, **kw)))(xs), tg.vmap(lambda v: tg_f(v, **kw))(xs))


@pytest.mark.parametrize("name, kw", FLAT, ids=IDS)
def test_float32_stays_float32(name, kw):
    np_f, tg_f, _ = CASES[name]
    x = M.astype(np.float32) + 2.0
    r = tg_f(x, **kw)
    assert np.asarray(r).dtype == np.float32
    assert np.asarray(tg.jit(lambda v: np_f(v, **kw))(x)).dtype == np.float32
    g = tg.grad(lambda v: tg.sum(tg_f(v, **kw)))(x)
    assert g.dtype == np.float32
    np.testing.assert_allclose(r, np_f(x.astype(float), **kw), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8])
@pytest.mark.parametrize("np_f", [np.var, np.std, np.prod, np.cumsum, np.cumprod, np.sort,
                                  np.argsort, np.argmax, np.argmin, np.median, np.average])
def test_integer_data_gives_numpys_values_and_dtypes_in_every_transform(np_f, dtype):
    a = np.array([[3, 1, 2], [5, 4, 9]], dtype=dtype)
    want = np_f(a)
    for got in (getattr(tg, np_f.__name__)(a), tg.jit(np_f)(a),
                tg.vmap(np_f)(a[None])[0]):
        assert np.asarray(got).dtype == np.asarray(want).dtype
        np.testing.assert_allclose(got, want, rtol=1e-15)


def test_numpy_scalars_and_python_floats():
    for x in (np.float64(2.5), np.float32(2.5), 2.5):
        assert tg.prod(x) == 2.5 and tg.var(x) == 0.0 and tg.median(x) == 2.5
        assert np.asarray(tg.prod(x)).dtype == np.asarray(x).dtype
    assert tg.grad(lambda v: tg.prod([v, 3.0, v]))(2.0) == 12.0     # a list is stacked
    assert np.array_equal(tg.cumsum(2.0), np.cumsum(2.0))
    assert np.array_equal(tg.sort(2.0, axis=None), np.sort(2.0, axis=None))
    with pytest.raises(ValueError, match=r"a 0-d value\) has no axis -1; pass axis=None"):
        tg.sort(2.0)


def test_empty_arrays_as_numpy():
    e = np.zeros((0, 3))
    assert tg.prod(e) == 1.0 and same(tg.prod(e, axis=0), np.prod(e, axis=0))
    assert same(tg.cumsum(e, axis=0), np.cumsum(e, axis=0))
    assert same(tg.cumprod(e), np.cumprod(e)) and same(tg.sort(e, axis=0), np.sort(e, axis=0))
    assert same(tg.var(e, axis=1), np.var(e, axis=1))
    assert same(tg.jit(lambda v: np.sort(v, axis=0))(e), np.sort(e, axis=0))
    with np.errstate(all="ignore"), pytest.warns(RuntimeWarning):
        want = np.var(e, axis=0)
    assert same(tg.var(e, axis=0), want)               # 0 / 0: nan, as NumPy
    assert np.array_equal(tg.grad(lambda v: tg.sum(tg.cumsum(v, axis=0)))(e), e)
    with pytest.raises(ValueError, match="empty"):
        tg.argmax(e)
    with pytest.raises(ValueError):
        np.argmax(e)


def test_var_with_ddof_past_the_count_is_numpys_inf_or_nan():
    with np.errstate(all="ignore"), pytest.warns(RuntimeWarning):
        want = np.var(V, ddof=5), np.var(V, ddof=6)
    np.testing.assert_array_equal([tg.var(V, ddof=5), tg.var(V, ddof=6)], want)


# ---------------------------------------------------------------- prod
@pytest.mark.parametrize("x", [np.array([2.0, 0.0, 3.0, 5.0]), np.array([0.0, 1.5, 0.0, 2.0]),
                               np.array([0.0]), np.array([[1.0, 0.0], [3.0, 4.0]])])
def test_prod_gradient_is_the_product_of_the_others_zeros_included(x):
    flat = x.ravel()
    others = np.array([np.prod(np.delete(flat, i)) for i in range(flat.size)]).reshape(x.shape)
    assert np.array_equal(tg.grad(tg.prod)(x), others)
    assert np.array_equal(tg.jit(tg.grad(lambda v: np.prod(v)))(x), others)
    assert np.array_equal(tg.jvp(tg.prod, (x,), (np.ones_like(x),))[1], others.sum())
    assert np.array_equal(tg.grad(lambda v: v.prod())(x), others)
    tg.check_grads(tg.prod, (x,), order=2)
    tg.check_grads(lambda v: tg.prod(v, axis=0), (x,), order=2)


def test_prod_hessian_with_zeros_is_exact():
    x = np.array([0.0, 2.0, 0.0, 3.0])
    h = tg.hessian(tg.prod)(x)
    want = np.array([[0 if i == j else np.prod(np.delete(x, [i, j])) for j in range(4)]
                     for i in range(4)])
    assert np.array_equal(h, want)


def test_cumprod_gradient_with_zeros():
    x = np.array([2.0, 0.0, 3.0, 0.0, 5.0])
    for i in range(5):
        want = np.array([np.prod(np.delete(x[:i + 1], j)) if j <= i else 0.0
                         for j in range(5)])
        assert np.array_equal(tg.grad(lambda v: tg.cumprod(v)[i])(x), want)
    tg.check_grads(tg.cumprod, (x,), order=2)
    tg.check_grads(lambda v: tg.cumprod(v, axis=0), (M,), order=2)


# ---------------------------------------------------------------- sort
def test_sort_gradient_follows_the_permutation():
    x = np.array([3.0, -1.0, 2.0, 0.5])
    w = np.array([1.0, 10.0, 100.0, 1000.0])
    g = tg.grad(lambda v: tg.sum(tg.sort(v) * w))(x)
    assert np.array_equal(g, w[np.argsort(np.argsort(x))])
    assert np.array_equal(tg.jit(tg.grad(lambda v: tg.sum(np.sort(v) * w)))(x), g)
    assert np.array_equal(tg.jvp(tg.sort, (x,), (w,))[1], w[np.argsort(x)])


def test_sort_ties_are_stable_and_the_gradient_is_a_permutation():
    x = np.array([1.0, 1.0, 0.0, 1.0])
    w = np.array([1.0, 2.0, 3.0, 4.0])
    g = tg.grad(lambda v: tg.sum(tg.sort(v) * w))(x)
    assert np.array_equal(g, [2.0, 3.0, 1.0, 4.0])      # stable: the 1.0s keep their order


def test_sort_nan_goes_last_as_in_numpy():
    x = np.array([2.0, np.nan, -1.0])
    assert same(tg.sort(x), np.sort(x))
    assert np.array_equal(tg.grad(lambda v: tg.sort(v)[0])(x), [0.0, 0.0, 1.0])


# -------------------------------------------------------- integer results
def test_argmax_argmin_are_integer_data_usable_as_indices():
    x = np.array([[0.5, 3.0, -1.0], [2.0, -4.0, 1.0]])
    for tg_f, np_f in ((tg.argmax, np.argmax), (tg.argmin, np.argmin)):
        for axis, keep in itertools.product((None, 0, 1, -1), (False, True)):
            assert same(tg_f(x, axis=axis, keepdims=keep), np_f(x, axis=axis, keepdims=keep))
            assert same(tg.jit(lambda v: np_f(v, axis=axis, keepdims=keep))(x),
                        np_f(x, axis=axis, keepdims=keep))
            loop = np.stack([np_f(r, axis=None if axis is None else 0, keepdims=keep)
                             for r in x])
            assert same(tg.vmap(lambda v: np_f(v, axis=None if axis is None else 0,
                                               keepdims=keep))(x), loop)
    # x[argmax(x)] is the max: its gradient one-hot, under every transform
    pick = lambda v: v[np.argmax(v)] * 2.0
    want = np.array([0.0, 2.0, 0.0, 0.0])
    y = np.array([0.5, 3.0, -1.0, 2.0])
    assert np.array_equal(tg.grad(pick)(y), want)
    assert np.array_equal(tg.jit(tg.grad(pick))(y), want)
    assert np.array_equal(tg.jit(tg.grad(pick))(y[::-1]), want[::-1])   # not baked in
    assert np.array_equal(tg.vmap(tg.grad(pick))(np.stack([y, y[::-1]])),
                          np.stack([want, want[::-1]]))
    rows = lambda v: tg.sum(v[np.arange(2), v.argmin(axis=1)])
    assert np.array_equal(tg.grad(rows)(x), [[0, 0, 1], [0, 1, 0]])


def test_index_functions_have_zero_derivative():
    f = lambda v: tg.sum(tg.argsort(v).astype(float) * v) + tg.argmax(v) * 1.0
    assert np.array_equal(tg.grad(f)(V), np.argsort(V).astype(float))
    assert tg.jvp(lambda v: tg.argmax(v) * 1.0, (V,), (np.ones(5),))[1] == 0.0


# ------------------------------------------------ rounding and signs (zero derivative)
@pytest.mark.parametrize("np_f", [np.floor, np.ceil, np.round, np.rint, np.trunc, np.sign])
def test_rounding_and_sign_have_zero_derivative_in_every_transform(np_f):
    x = np.array([-1.7, -0.2, 0.4, 2.5, 3.6])
    f = lambda v: tg.sum(np_f(v) * v)
    assert np.array_equal(tg.grad(f)(x), np_f(x))
    assert np.array_equal(tg.jit(tg.grad(f))(x), np_f(x))
    assert np.array_equal(tg.vmap(tg.grad(f))(x[None])[0], np_f(x))
    assert tg.jvp(lambda v: tg.sum(np_f(v)), (x,), (np.ones(5),))[1] == 0.0


def test_floor_ceil_round_are_exported_and_give_indices():
    x = np.array([0.4, 1.6, 2.5])
    assert same(tg.floor(x), np.floor(x)) and same(tg.ceil(x), np.ceil(x))
    assert same(tg.round(x), np.round(x)) and same(tg.round(x * 3.33, 1), np.round(x * 3.33, 1))
    tbl = np.array([10.0, 20.0, 30.0])
    f = lambda v: tg.sum(v[tg.floor(v).astype(int)] * tg.take(tbl, tg.round(v).astype(int)))
    assert np.array_equal(tg.jit(tg.grad(f))(x), tg.grad(f)(x))


def test_abs_derivative_is_the_sign_zero_at_zero():
    x = np.array([-2.0, 0.0, 3.0])
    assert np.array_equal(tg.grad(lambda v: tg.sum(np.abs(v)))(x), [-1.0, 0.0, 1.0])
    assert np.array_equal(tg.jit(tg.grad(lambda v: tg.sum(abs(v))))(x), [-1.0, 0.0, 1.0])


# --------------------------------------------------- np.where, np.clip, average
def test_np_where_with_one_argument_is_refused_naming_the_fix():
    for transform in (tg.grad, tg.jit, tg.vmap):
        with pytest.raises(TypeError, match=r"np\.where\(cond\).*np\.nonzero.*tg\.where"):
            transform(lambda v: tg.sum(np.where(v > 0)[0] * v))(V)
    assert np.array_equal(tg.grad(lambda v: tg.sum(np.where(v > 0, v, 0.0)))(V), V > 0)


@pytest.mark.parametrize("call", [
    lambda v: np.clip(v, -0.5, 0.5), lambda v: np.clip(v, a_min=-0.5, a_max=0.5),
    lambda v: np.clip(v, min=-0.5, max=0.5), lambda v: np.clip(v, -0.5, None),
    lambda v: np.clip(v, None, 0.5), lambda v: np.clip(v, a_max=0.5, a_min=None),
    lambda v: v.clip(-0.5, 0.5), lambda v: v.clip(min=-0.5), lambda v: v.clip(max=0.5),
])
def test_np_clip_takes_numpys_keywords(call):
    x = np.array([-1.0, -0.2, 0.3, 0.9])
    assert same(tg.jit(call)(x), call(x))
    lo, hi = ((call(np.array([-1.0])) > -1.0)[0], (call(np.array([0.9])) < 0.9)[0])
    want = np.array([0.0 if lo else 1.0, 1.0, 1.0, 0.0 if hi else 1.0])
    assert np.array_equal(tg.grad(lambda v: tg.sum(call(v)))(x), want)


def test_np_clip_without_bounds_is_the_identity_as_numpy_2_4s():
    for call in (lambda v: np.clip(v, None, None), lambda v: np.clip(v), lambda v: v.clip()):
        assert np.array_equal(tg.jvp(call, (V,), (V,))[0], np.clip(V, None, None))
        assert np.array_equal(tg.grad(lambda v: tg.sum(call(v)))(V), np.ones_like(V))


def test_average_with_weights_traced_or_not():
    w = np.array([1.0, 2.0, 3.0, 4.0])
    want = np.average(M, axis=1, weights=w)
    np.testing.assert_allclose(tg.average(M, axis=1, weights=w), want, rtol=1e-15)
    np.testing.assert_allclose(tg.jit(lambda v: np.average(v, axis=-1, weights=w))(M), want,
                               rtol=1e-15)
    avg, scl = tg.average(M, axis=0, weights=M * 0 + 2.0, returned=True)
    want_avg, want_scl = np.average(M, axis=0, weights=M * 0 + 2.0, returned=True)
    np.testing.assert_allclose(avg, want_avg, rtol=1e-15)
    np.testing.assert_array_equal(scl, want_scl)
    tg.check_grads(lambda v, w: tg.average(v, axis=1, weights=w), (M, w), order=2)
    with pytest.raises(TypeError, match="Axis must be specified"):     # NumPy's error
        tg.average(M, weights=w)


# --------------------------------------------------------- ndarray methods
@pytest.mark.parametrize("method, np_f, kw", [
    ("var", np.var, {}), ("var", np.var, {"axis": 0, "ddof": 1}),
    ("std", np.std, {"axis": -1, "keepdims": True}), ("prod", np.prod, {"axis": 1}),
    ("cumsum", np.cumsum, {}), ("cumsum", np.cumsum, {"axis": 0}),
    ("cumprod", np.cumprod, {"axis": 1}), ("argmax", np.argmax, {}),
    ("argmin", np.argmin, {"axis": 0}), ("argsort", np.argsort, {"axis": 0}),
    ("mean", np.mean, {"axis": 1}),
])
def test_ndarray_methods_match_numpys(method, np_f, kw):
    m = lambda v: getattr(v, method)(**kw)
    assert same(tg.jit(m)(M), np.asarray(np_f(M, **kw))) or np.allclose(
        tg.jit(m)(M), np_f(M, **kw), rtol=1e-14)
    assert same(tg.grad(lambda v: tg.sum(m(v) * 1.0))(M),
                tg.grad(lambda v: tg.sum(np_f(v, **kw) * 1.0))(M))
    assert same(tg.vmap(m)(M[None])[0], np.asarray(np_f(M, **kw))) or np.allclose(
        tg.vmap(m)(M[None])[0], np_f(M, **kw), rtol=1e-14)


def test_astype_float_keeps_the_derivative():
    f = lambda v: tg.sum(v.astype(np.float32).astype(float) * v)
    assert np.allclose(tg.grad(f)(V), 2 * V, rtol=1e-6)
    assert tg.jit(lambda v: v.astype(np.float32))(V).dtype == np.float32


def test_sort_method_is_refused_as_in_place():
    for transform in (tg.grad, tg.jit):
        with pytest.raises(AttributeError, match=r"x\.sort\(\) sorts an array in place.*"
                                                 r"np\.sort\(x\).*tg\.sort"):
            transform(lambda v: v.sort())(V)


# ----------------------------------------------------------------- median
def test_median_gradient_goes_to_the_middle():
    x = np.array([3.0, 1.0, 4.0, 2.0])
    assert np.array_equal(tg.grad(tg.median)(x), [0.5, 0.0, 0.0, 0.5])
    assert np.array_equal(tg.grad(tg.median)(x[:3]), [1.0, 0.0, 0.0])
    y = np.array([[1.0, np.nan, 0.0], [2.0, 1.0, 3.0]])
    for axis in (None, 0, 1):
        assert same(tg.median(y, axis=axis), np.median(y, axis=axis))
        assert same(tg.jit(lambda v: np.median(v, axis=axis))(y), np.median(y, axis=axis))
    with np.errstate(invalid="ignore"), pytest.warns(RuntimeWarning):    # NumPy's nan
        want = np.median(np.zeros((2, 0)), axis=1)
    assert same(tg.median(np.zeros((2, 0)), axis=1), want)


# ---------------------------------------------------- logsumexp and softmax


def _scipy():
    return pytest.importorskip("scipy.special")


@pytest.mark.parametrize("axis, keepdims", list(itertools.product(
    [None, 0, 1, -1, (0, 1)], [False, True])))
def test_logsumexp_has_scipys_semantics_for_arrays(axis, keepdims):
    sp = _scipy()
    want = sp.logsumexp(M, axis=axis, keepdims=keepdims)
    got = tg.logsumexp(M, axis=axis, keepdims=keepdims)
    np.testing.assert_allclose(got, want, rtol=1e-14)
    assert np.shape(got) == np.shape(want)
    tg.check_grads(lambda v: tg.logsumexp(v, axis=axis, keepdims=keepdims), (M,), order=2)
    f = lambda v: tg.logsumexp(v, axis=axis, keepdims=keepdims)
    assert same(tg.jit(f)(M), f(M))
    assert same(tg.jit(tg.grad(lambda v: tg.sum(f(v))))(M), tg.grad(lambda v: tg.sum(f(v)))(M))


def test_logsumexp_of_a_2d_array_is_a_scalar():
    got = tg.logsumexp(M)
    assert type(got) is np.float64            # NumPy's scalar, as a float64 array's sum
    np.testing.assert_allclose(got, np.log(np.sum(np.exp(M))), rtol=1e-14)
    assert np.asarray(tg.logsumexp(M.astype(np.float32))).dtype == np.float32


def test_logsumexp_of_a_list_reduces_over_the_list():
    a, b = R.normal(size=3), R.normal(size=3)
    np.testing.assert_allclose(tg.logsumexp([a, b]), np.logaddexp(a, b), rtol=1e-15)
    np.testing.assert_allclose(tg.logsumexp([a, b], keepdims=True),
                               np.logaddexp(a, b)[None], rtol=1e-15)
    np.testing.assert_allclose(tg.logsumexp([a, 0.5]), np.logaddexp(a, 0.5), rtol=1e-15)
    np.testing.assert_allclose(tg.logsumexp([a, b], axis=1), [np.log(np.exp(a).sum()),
                                                              np.log(np.exp(b).sum())])
    assert tg.grad(lambda u, v: tg.logsumexp([u, v]), argnums=(0, 1))(0.3, 0.3) == (0.5, 0.5)


def test_logsumexp_is_stable_for_infinities():
    ninf = -np.inf
    assert tg.logsumexp(np.array([ninf, ninf])) == ninf
    assert same(tg.logsumexp(np.full((2, 3), ninf), axis=1), np.full(2, ninf))
    assert same(tg.jit(lambda v: tg.logsumexp(v, axis=0))(np.full((2, 3), ninf)),
                np.full(3, ninf))
    assert tg.logsumexp(np.array([ninf, 1.0])) == 1.0
    assert np.array_equal(tg.grad(tg.logsumexp)(np.array([ninf, 1.0])), [0.0, 1.0])
    assert tg.logsumexp(np.array([1000.0, 1000.0])) == pytest.approx(1000 + np.log(2))
    assert same(tg.logsumexp(np.zeros((0, 2)), axis=0), np.full(2, ninf))
    assert tg.logsumexp(np.array([np.inf, 1.0])) == np.inf


def test_logsumexp_vmap_equals_a_loop():
    xs = R.normal(size=(4, 3, 5))
    for axis in (None, 0, -1):
        loop = np.stack([np.asarray(tg.logsumexp(x, axis=axis)) for x in xs])
        np.testing.assert_allclose(tg.vmap(lambda v: tg.logsumexp(v, axis=axis))(xs), loop,
                                   rtol=1e-14)


@pytest.mark.parametrize("axis", [None, 0, 1, -1])
def test_softmax_has_scipys_semantics_for_arrays(axis):
    sp = _scipy()
    np.testing.assert_allclose(tg.softmax(M, axis=axis), sp.softmax(M, axis=axis), rtol=1e-14)
    tg.check_grads(lambda v: tg.softmax(v, axis=axis), (M,), order=2)
    assert same(tg.jit(lambda v: tg.softmax(v, axis=axis))(M), tg.softmax(M, axis=axis))
    loop = np.stack([tg.softmax(x, axis=axis) for x in T3])
    np.testing.assert_allclose(tg.vmap(lambda v: tg.softmax(v, axis=axis))(T3), loop,
                               rtol=1e-14)
    assert tg.softmax(M.astype(np.float32), axis=axis).dtype == np.float32


def test_softmax_of_a_list_is_a_list():
    out = tg.softmax([1000.0, 1000.0])
    assert out == [0.5, 0.5]
    a, b = R.normal(size=3), R.normal(size=3)
    sa, sb = tg.softmax([a, b])
    np.testing.assert_allclose(sa + sb, 1.0, rtol=1e-15)
    np.testing.assert_allclose(tg.softmax([a, b], axis=0), np.stack([sa, sb]), rtol=1e-15)


# ------------------------------------------------------------ against JAX
def _jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    return jax


JAX_CASES = [
    ("var", lambda m, v: m.var(v, axis=0, ddof=1), {}),
    ("std", lambda m, v: m.std(v, axis=-1, keepdims=True), {}),
    ("prod", lambda m, v: m.prod(v * 1.0, axis=1), {"zeros": True}),
    ("prod_all", lambda m, v: m.prod(v), {"zeros": True}),
    ("cumsum", lambda m, v: m.cumsum(v, axis=0), {}),
    ("cumprod", lambda m, v: m.cumprod(v, axis=1), {"zeros": True}),
    ("sort", lambda m, v: m.sort(v, axis=0), {}),
    ("median", lambda m, v: m.median(v, axis=1), {}),
    ("average", lambda m, v: m.average(v, axis=1, weights=m.arange(1.0, 5.0)), {}),
    ("clip", lambda m, v: m.clip(v, min=-0.3, max=0.4), {}),
]


@pytest.mark.parametrize("name, f, opts", JAX_CASES, ids=[c[0] for c in JAX_CASES])
def test_values_and_gradients_equal_jax_numpys(name, f, opts):
    jax = _jax()
    jnp = jax.numpy
    x = M.copy()
    if opts.get("zeros"):
        x[0, 1] = x[2, 2] = x[2, 3] = 0.0
    w = np.cos(np.arange(np.size(f(np, x)))).reshape(np.shape(f(np, x)))
    np.testing.assert_allclose(f(np, x), np.asarray(f(jnp, jnp.asarray(x))), rtol=1e-12)
    g = tg.grad(lambda v: tg.sum(f(np, v) * w))(x)
    gj = jax.grad(lambda v: jnp.sum(f(jnp, v) * w))(jnp.asarray(x))
    np.testing.assert_allclose(g, np.asarray(gj), rtol=1e-12, atol=1e-14)
    h = tg.jvp(tg.grad(lambda v: tg.sum(f(np, v) * w)), (x,), (w.sum() * np.ones_like(x),))[1]
    hj = jax.jvp(jax.grad(lambda v: jnp.sum(f(jnp, v) * w)), (jnp.asarray(x),),
                 (w.sum() * jnp.ones_like(x),))[1]
    np.testing.assert_allclose(h, np.asarray(hj), rtol=1e-11, atol=1e-12)


def test_logsumexp_and_softmax_equal_jaxs():
    jax = _jax()
    jsp = jax.scipy.special
    for axis in (None, 0, -1):
        f = lambda v: tg.sum(tg.softmax(v, axis=axis) * M) + tg.sum(tg.logsumexp(v, axis=axis))
        fj = lambda v: (jax.numpy.sum(jax.nn.softmax(v, axis=axis) * M)
                        + jax.numpy.sum(jsp.logsumexp(v, axis=axis)))
        np.testing.assert_allclose(tg.grad(f)(M), np.asarray(jax.grad(fj)(M)), rtol=1e-12)


# --------------------------------------- ported from autograd's test_systematic
@pytest.mark.parametrize("fun", [np.var, np.std])
def test_autograd_combo_var_std_ddof(fun):
    # autograd's test_var_ddof / test_std_ddof: combo over axis, keepdims, ddof
    B, C, D = R.normal(size=3), R.normal(size=(3, 4)), R.normal(size=(1, 3))
    cases = [(x, dict(axis=None, keepdims=k, ddof=d)) for x in (B, C, D)
             for k in (True, False) for d in (0, 1)]
    cases += [(x, dict(axis=a, keepdims=k, ddof=2)) for x in (C, D) for a in (None, 1)
              for k in (True, False) if not (x is D and a == 1)]
    for x, kw in cases:
        np.testing.assert_allclose(tg.jit(lambda v: fun(v, **kw))(x), fun(x, **kw), rtol=1e-13)
        tg.check_grads(lambda v: fun(v, **kw), (x,), order=2)


@pytest.mark.parametrize("fun, x", [
    (lambda v: np.prod(v), R.normal(size=(2, 3)) ** 2 / 10.0 + 0.1),      # test_prod_1
    (lambda v: np.prod(v, axis=0), R.normal(size=(2, 3)) ** 2 + 0.1),     # test_prod_2
    (lambda v: np.prod(v, axis=0, keepdims=True), R.normal(size=(2, 3))),  # test_prod_3
    (lambda v: np.prod(v), R.normal(size=7) ** 2 + 0.1),                  # test_prod_4
    (lambda v: np.cumsum(v, axis=0), R.normal(size=(10, 11))),            # test_cumsum_axis0
    (lambda v: np.cumsum(v, axis=1), R.normal(size=(10, 11))),            # test_cumsum_axis1
    (lambda v: np.cumsum(v), R.normal(size=10)),                          # test_cumsum_1d
    (lambda v: np.cumsum(v), R.normal(size=(10, 11))),                    # test_cumsum_no_axis
    (lambda v: np.clip(v, a_min=0.1, a_max=1.1), R.normal(size=(5, 5))),  # test_clip
    (lambda v: np.sort(v), R.normal(size=(3, 4))),                        # systematic sort
    (lambda v: np.sort(v, axis=0), R.normal(size=(3, 4))),
    (lambda v: np.cumprod(v, axis=1), R.normal(size=(3, 4))),
    (lambda v: np.abs(v), R.normal(size=(3, 4))),                         # unary_ufunc_check
    (lambda v: np.mean(v, axis=1), R.normal(size=(3, 4, 5))),
])
def test_autograd_numpy_cases(fun, x):
    tg.check_grads(fun, (x,), order=2)
    assert same(tg.jit(fun)(x), fun(x)) or np.allclose(tg.jit(fun)(x), fun(x), rtol=1e-14)


def _stat_cases():
    """autograd's stat_check: scalars, then B, C, D over axis and keepdims (real only)."""
    B, C, D = R.normal(size=3), R.normal(size=(2, 3)), R.normal(size=(1, 3))
    yield 3.5, {}
    yield float(R.normal()), {}
    for x in (B, C, D):
        for axis, keep in itertools.product((None, 0), (True, False)):
            yield x, dict(axis=axis, keepdims=keep)
    for x in (C, D):
        for axis, keep in itertools.product((None, 0, 1), (True, False)):
            yield x, dict(axis=axis, keepdims=keep)


@pytest.mark.parametrize("fun", [np.prod, np.var, np.std, np.sum, np.mean, np.max, np.min])
def test_autograd_stat_check(fun):
    for x, kw in _stat_cases():
        want = fun(x, **kw)
        got = tg.jit(lambda v: fun(v, **kw))(x)
        np.testing.assert_allclose(got, want, rtol=1e-14, atol=1e-15)
        assert np.shape(got) == np.shape(want)
        if fun is np.std and np.any(np.asarray(want) == 0.0):
            continue       # a square root at 0: the derivative is nan (JAX's too)
        tg.check_grads(lambda v: fun(v, **kw), (x,), order=2)


@pytest.mark.parametrize("x", [R.normal(size=1), R.normal(size=7)])
def test_autograd_sort_combo(x):
    tg.check_grads(np.sort, (x,), order=2)
    assert same(tg.jit(np.sort)(x), np.sort(x))
