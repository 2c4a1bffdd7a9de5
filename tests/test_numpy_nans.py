"""NaNs, booleans and constants on traced values: the cases the generic table cannot check.

The NaN-skipping reductions give NumPy's values with NaNs present and a zero
gradient at each NaN; ``any``/``all``/``count_nonzero``/``isclose``/``allclose``
give booleans (no derivative) that ``tg.where`` reads and that a Python ``if``
turns into a guard; ``zeros_like`` and kin are traced constants (no derivative) of the
array's shape and dtype; the ndarray methods behave as NumPy's.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tapegrad as tg

X = np.array([[1.5, np.nan, -2.0, 0.5], [np.nan, np.nan, np.nan, np.nan],
              [0.25, 3.0, np.nan, -1.0]])
NAN_FUNCTIONS = ["nansum", "nanmean", "nanmax", "nanmin", "nanprod", "nanvar", "nanstd"]
TRANSFORMS = {
    "eager": lambda f: f,
    "jit": tg.jit,
    "make_tape": lambda f: (lambda *a: tg.make_tape(f)(*a)(*a)),
}


def quiet(f, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return f(*args, **kwargs)


@pytest.mark.parametrize("name", NAN_FUNCTIONS)
@pytest.mark.parametrize("axis", [None, 0, 1])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_nan_reductions_give_numpys_values_with_nans(name, axis, dtype):
    x = X.astype(dtype)
    want = quiet(getattr(np, name), x, axis=axis)
    for how in ("dispatch", "tg"):
        f = (lambda v: getattr(np, name)(v, axis=axis)) if how == "dispatch" else \
            (lambda v: getattr(tg, name)(v, axis=axis))
        got = quiet(lambda: tg.jvp(f, (x,), (np.zeros_like(x),))[0])
        assert np.asarray(got).dtype == np.asarray(want).dtype
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(quiet(tg.jit(f), x), want)


@pytest.mark.parametrize("name", NAN_FUNCTIONS + ["nancumsum", "nancumprod"])
def test_a_nan_gets_a_zero_gradient_and_the_others_numpys(name):
    x = X[[0, 2]]
    f = lambda v: tg.sum(getattr(np, name)(v, axis=1) ** 2)   # noqa: E731
    g = quiet(tg.grad(f), x)
    assert np.all(g[np.isnan(x)] == 0.0)
    keep = ~np.isnan(x)
    h = 1e-6
    for i in zip(*np.nonzero(keep)):
        e = np.zeros_like(x)
        e[i] = h
        num = (quiet(lambda: float(np.sum(getattr(np, name)(x + e, axis=1) ** 2))) -
               quiet(lambda: float(np.sum(getattr(np, name)(x - e, axis=1) ** 2)))) / (2 * h)
        assert g[i] == pytest.approx(num, rel=1e-6, abs=1e-7)
    same = quiet(tg.jit(tg.grad(f)), x)
    np.testing.assert_array_equal(same, g)


def test_jit_replays_the_nan_count_for_new_nans():
    f = tg.jit(lambda v: np.nanmean(v))
    assert f(np.array([1.0, np.nan, 3.0])) == 2.0
    assert f(np.array([np.nan, np.nan, 6.0])) == 6.0
    assert tg.vmap(np.nanmean)(np.array([[1.0, np.nan], [np.nan, 4.0]])).tolist() == [1.0, 4.0]


def test_nan_to_num_defaults_keywords_and_gradient():
    x = np.array([np.nan, np.inf, -np.inf, 2.0, -0.5])
    for dtype in (np.float64, np.float32):
        v = x.astype(dtype)
        for kw in ({}, {"nan": 1.0, "posinf": 9.0, "neginf": -9.0}):
            want = np.nan_to_num(v, **kw)
            got = tg.jvp(lambda a: np.nan_to_num(a, **kw), (v,), (np.zeros_like(v),))[0]
            assert got.dtype == dtype
            np.testing.assert_array_equal(got, want)
    g = tg.grad(lambda a: tg.sum(np.nan_to_num(a) * np.arange(5.0)))(x)
    np.testing.assert_array_equal(g, [0.0, 0.0, 0.0, 3.0, 4.0])


# ----------------------------------------------------------------- booleans
PREDICATES = {
    "any": lambda m, x: m.any(x > 0.5),
    "any_axis": lambda m, x: m.any(x > 0.5, axis=1),
    "all_axis_keepdims": lambda m, x: m.all(x > -1.0, axis=0, keepdims=True),
    "all_of_floats": lambda m, x: m.all(x),
    "count_nonzero": lambda m, x: m.count_nonzero(x > 0.0),
    "count_nonzero_axis": lambda m, x: m.count_nonzero(x > 0.0, axis=1),
    "isclose": lambda m, x: m.isclose(x, x.T[:3] * 0 + 0.5, atol=0.3),
    "isclose_nan": lambda m, x: m.isclose(x / x, 1.0, equal_nan=True),
    "allclose": lambda m, x: m.allclose(x, 0.5, rtol=0.0, atol=2.0),
}
B = np.array([[0.2, 0.9, -0.3], [1.2, 0.0, 0.6], [0.7, 0.4, -0.8]])


@pytest.mark.parametrize("name", PREDICATES)
@pytest.mark.parametrize("transform", list(TRANSFORMS))
def test_predicates_are_numpys_booleans_in_every_transform(name, transform):
    want = quiet(PREDICATES[name], np, B)
    for m in (np, tg):
        got = quiet(TRANSFORMS[transform](lambda x: PREDICATES[name](m, x)), B)
        assert np.asarray(got).dtype == np.asarray(want).dtype
        np.testing.assert_array_equal(got, want)
    batch = np.stack([B, -B, B * 2])
    looped = np.stack([np.asarray(quiet(PREDICATES[name], np, b)) for b in batch])
    np.testing.assert_array_equal(quiet(tg.vmap(lambda x: PREDICATES[name](np, x)), batch),
                                  looped)


def test_predicates_choose_values_with_where_and_have_no_derivative():
    f = lambda x: tg.sum(np.where(np.isclose(x, 1.0), 0.0, x * x)) + x.any() * 0.0  # noqa: E731
    x = np.array([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(tg.grad(f)(x), [0.0, 4.0, 6.0])
    np.testing.assert_array_equal(tg.jit(tg.grad(f))(x), [0.0, 4.0, 6.0])
    assert tg.grad(lambda x: tg.sum(x * np.count_nonzero(x)))(x).tolist() == [3.0] * 3


def test_allclose_in_an_if_is_a_guard_that_jit_checks():
    def f(x):
        if np.allclose(x, 1.0):
            return x * 2.0
        return x * 3.0
    jf = tg.jit(f)
    np.testing.assert_array_equal(jf(np.ones(2)), [2.0, 2.0])
    np.testing.assert_array_equal(jf(np.zeros(2) + 2.0), [6.0, 6.0])     # retraced, not stale
    assert tg.grad(lambda x: tg.sum(f(x)))(np.ones(2)).tolist() == [2.0, 2.0]
    with pytest.raises(tg.GuardError):
        tg.make_tape(f)(np.ones(2))(np.zeros(2))


def test_any_all_methods_and_keywords_match_numpy():
    x = B > 0.1
    for call in (lambda v: v.any(), lambda v: v.all(axis=1), lambda v: v.any(0, keepdims=True)):
        np.testing.assert_array_equal(tg.jit(call)(x), call(x))
    assert tg.jit(lambda v: (v > 0.0).all())(B) is False or not tg.jit(
        lambda v: (v > 0.0).all())(B)


# ----------------------------------------------------------------- constants
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64, np.int32, np.uint8])
def test_likes_have_the_traced_arrays_shape_and_dtype_and_no_derivative(dtype):
    # traced (a program writes into them: d = np.zeros_like(y); d[0] = y[1]), constant
    x = np.arange(6.0).reshape(2, 3)
    for name, kw in (("zeros_like", {}), ("ones_like", {}), ("empty_like", {}),
                     ("full_like", {"fill_value": 7})):
        def f(v, name=name, kw=kw):
            out = getattr(np, name)(v, dtype=dtype, **kw)
            assert out.dtype == dtype and out.shape == (2, 3)
            return tg.sum(v) + tg.sum(out * 1.0)
        assert tg.grad(f)(x).tolist() == [[1.0] * 3] * 2
        assert tg.jit(f)(x) == f(x)
        np.testing.assert_array_equal(tg.vmap(f)(np.stack([x, x])), [f(x), f(x)])
    got = tg.jit(lambda v: np.full_like(v, 2.5, dtype=dtype) + 0)(x)
    np.testing.assert_array_equal(got, np.full_like(x, 2.5, dtype=dtype))


def test_likes_keep_the_traced_dtype_and_shape_keyword():
    x32 = np.ones((2, 2), np.float32)
    assert tg.jit(lambda v: np.zeros_like(v) + v)(x32).dtype == np.float32
    out = tg.jit(lambda v: v[0] * np.ones_like(v, shape=(3, 2)))(x32)
    np.testing.assert_array_equal(out, np.ones((3, 2), np.float32))
    assert tg.jit(lambda v: np.empty_like(v, shape=(0, 2)).shape)(x32) == (0, 2)


def test_full_like_with_a_traced_fill_carries_its_derivative():
    x = np.ones((2, 3))
    assert tg.grad(lambda c: tg.sum(tg.full_like(x, c)))(2.0) == 6.0
    assert tg.jit(tg.grad(lambda c: tg.sum(tg.full_like(x, c) ** 2)))(2.0) == 24.0
    both = tg.grad(lambda v, c: tg.sum(np.full_like(v, c) * v), argnums=(0, 1))(x, 2.0)
    assert both[0].tolist() == [[2.0] * 3] * 2 and both[1] == 6.0
    with pytest.raises(TypeError, match="float dtype"):
        tg.grad(lambda c: tg.sum(tg.full_like(np.ones(2, np.int64), c)))(2.0)


def test_copy_real_imag_as_functions_and_methods():
    x = np.array([1.0, -2.0])
    for f in (np.copy, lambda v: v.copy(), np.real, lambda v: v.real, tg.copy, tg.real):
        np.testing.assert_array_equal(tg.grad(lambda v, f=f: tg.sum(f(v) ** 2))(x), 2 * x)
        np.testing.assert_array_equal(tg.jit(f)(x), x)
    assert tg.grad(lambda v: tg.sum(v + v.imag + np.imag(v)))(x).tolist() == [1.0, 1.0]
    assert tg.jit(lambda v: v.imag)(x).tolist() == [0.0, 0.0]


def test_empty_arrays_as_numpy():
    e = np.zeros((0, 3))
    for f in (lambda v: np.diff(v, axis=1), lambda v: np.zeros_like(v) + v, np.nansum,
              lambda v: np.pad(v, 1), lambda v: np.split(v, 3, axis=1)[0],
              lambda v: np.sum(v, where=np.ones((0, 3), bool), axis=0),
              lambda v: np.concatenate([v, v], axis=None), lambda v: np.triu(v),
              lambda v: np.append(v, v), lambda v: np.delete(v, 1, axis=1),
              lambda v: np.nancumsum(v, axis=0), np.count_nonzero, np.any):
        want = quiet(f, e)
        got = quiet(tg.jit(f), e)
        assert np.shape(got) == np.shape(want)
        np.testing.assert_array_equal(got, want)


def test_pad_refuses_unknown_modes_and_takes_traced_pairs_of_fills():
    x = np.ones(3)
    with pytest.raises(ValueError, match="mode 'ramp' is not supported"):     # NumPy's words
        tg.grad(lambda v: tg.sum(np.pad(v, 1, mode="ramp")))(x)
    # a pair of fills, one traced: the one cell before takes c, the one after 1.0
    assert tg.grad(lambda c: tg.sum(tg.pad(x, 1, constant_values=(c, 1.0)) ** 2))(3.0) == 6.0
    np.testing.assert_array_equal(tg.pad(x, (2, 1), constant_values=(3.0, 1.0)),
                                  np.pad(x, (2, 1), constant_values=(3.0, 1.0)))


def test_pad_with_a_traced_fill_value_differentiates_in_it():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    f = lambda v, c: tg.sum(np.pad(v, ((1, 0), (0, 2)), constant_values=c) ** 2)  # noqa: E731
    gv, gc = tg.grad(f, argnums=(0, 1))(x, 3.0)
    np.testing.assert_array_equal(gv, 2 * x)
    assert gc == 2 * 3.0 * (12 - 4)          # 8 padded cells
    assert tg.jit(tg.grad(f, argnums=1))(x, 3.0) == gc
    np.testing.assert_array_equal(tg.jit(f)(x, 3.0), f(x, 3.0))


def test_cross_refuses_2_vectors_with_the_formula():
    with pytest.raises(ValueError, match=r"a\[0\] \* b\[1\] - a\[1\] \* b\[0\]"):
        tg.grad(lambda v: tg.sum(np.cross(v, v)))(np.ones(2))


@pytest.mark.parametrize("name", NAN_FUNCTIONS + ["nancumsum", "nancumprod"])
def test_nan_functions_against_jax_with_nans_present(name):
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    jnp = pytest.importorskip("jax.numpy")
    x = X[[0, 2]]
    w = np.arange(1.0, 1.0 + np.size(getattr(np, name)(x, axis=1))).reshape(
        np.shape(getattr(np, name)(x, axis=1)))
    ours = tg.grad(lambda v: tg.sum(getattr(np, name)(v, axis=1) * w))(x)
    theirs = jax.grad(lambda v: jnp.sum(getattr(jnp, name)(v, axis=1) * w))(x)
    np.testing.assert_allclose(ours, np.asarray(theirs), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(getattr(np, name)(x, axis=1),
                               np.asarray(getattr(jnp, name)(x, axis=1)), rtol=1e-13)
