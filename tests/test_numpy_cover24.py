"""NumPy 2.x functions on traced values: gradient, unwrap, polynomials, scans, joins...

Each case is written once against a module ``m`` and run with ``m = np``
(NumPy's own function on plain arrays, and tapegrad's through NumPy's
dispatch on traced values) and ``m = tg``. For each: values equal NumPy's
(bit for bit where tapegrad follows NumPy's order of operations, else within
1e-13), the gradient of a weighted sum against central differences, a jvp
against a directional difference, ``jit`` bit for bit against eager (values
and gradients), ``vmap`` against a Python loop, and float32 kept where NumPy
keeps it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tapegrad as tg

RNG = np.random.default_rng(24)
X = RNG.normal(size=(3, 4))
V = np.array([0.3, 1.2, -0.5, 2.0, 0.7, -1.1])
XNAN = np.where(np.arange(12).reshape(3, 4) % 5 == 1, np.nan, X)       # NaNs at 1, 6, 11
EVEN, SAMPLES = np.linspace(-1.0, 1.5, 6), np.array([1.0, 3.0, 2.0, 5.0, 4.5, -1.0])
ROWS, COLUMNS = np.array([0.0, 0.5, 1.5]), np.array([-0.2, 0.3, 0.4, 1.2])   # X's coordinates
Case = tuple[Callable[[Any], Callable[[Any], Any]], np.ndarray, bool]


def case(f: Callable[[Any], Callable[[Any], Any]], x: np.ndarray = X,
         exact: bool = True) -> Case:
    """``f(m)(x)`` with ``m`` the module; exact: bit for bit against NumPy."""
    return f, x, exact


CASES: dict[str, Case] = {
    # gradient: spacings, coordinates, edge orders, axes
    "gradient_1d": case(lambda m: lambda x: m.gradient(x ** 2), V),
    "gradient_1d_edge2": case(lambda m: lambda x: m.gradient(x ** 3, edge_order=2), V),
    "gradient_2d": case(lambda m: lambda x: (lambda g: g[0] * 2.0 + g[1] ** 2)(
        m.gradient(x))),
    "gradient_scalar_axis": case(lambda m: lambda x: m.gradient(x ** 2, 0.5, axis=1)),
    "gradient_spacing_per_axis_edge2": case(lambda m: lambda x: (lambda g: g[0] - g[1])(
        m.gradient(x ** 2, 0.5, 2.0, edge_order=2))),
    "gradient_coordinates": case(lambda m: lambda x: (lambda g: g[0] * g[1])(
        m.gradient(x, ROWS, COLUMNS))),
    "gradient_coordinates_edge2": case(lambda m: lambda x: (lambda g: g[0] + g[1] ** 2)(
        m.gradient(x, ROWS, COLUMNS, edge_order=2))),
    "gradient_even_coordinates_np_float": case(lambda m: lambda x: (lambda g: g[0] - g[1])(
        m.gradient(x ** 2, np.array([0.0, 0.5, 1.0]), np.float64(0.25)))),
    "gradient_int_coordinates": case(lambda m: lambda x: m.gradient(
        x, np.array([0, 1, 3]), axis=0)),
    "gradient_axis_tuple_edge2": case(lambda m: lambda x: (lambda g: g[0] * g[1])(
        m.gradient(x, 0.3, axis=(-1, 0), edge_order=2))),
    "gradient_coordinates_axis_short": case(lambda m: lambda x: m.gradient(
        x[:2] ** 2, ROWS[:2], axis=0)),
    "gradient_traced_coordinates": case(lambda m: lambda x: m.gradient(
        x[1:] ** 2, m.cumsum(x[0] ** 2 + 0.5), axis=1)),
    "gradient_traced_coordinates_edge2": case(lambda m: lambda x: m.gradient(
        x[1:] ** 2, m.cumsum(x[0] ** 2 + 0.5), axis=-1, edge_order=2)),
    "gradient_mixed_spacings": case(lambda m: lambda x: (lambda g: g[0] * g[1])(
        m.gradient(x ** 2, ROWS, 0.5, edge_order=2))),
    # even traced coordinates: NumPy's value (the even formula), the general derivative
    "gradient_even_traced_coordinates": case(lambda m: lambda x: m.gradient(
        SAMPLES, x), EVEN),
    "gradient_even_traced_coordinates_edge2": case(lambda m: lambda x: m.gradient(
        SAMPLES * x, x, edge_order=2), EVEN),
    "gradient_traced_spacing": case(lambda m: lambda x: m.gradient(
        x ** 2, x[0, 0] ** 2 + 0.5, edge_order=2)[1]),
    # unwrap
    "unwrap": case(lambda m: lambda x: m.unwrap(x * 4.0)),
    "unwrap_1d": case(lambda m: lambda x: m.unwrap(x * 5.0) * x, V),
    "unwrap_axis0_discont": case(lambda m: lambda x: m.unwrap(x * 4.0, discont=4.0, axis=0)),
    "unwrap_period": case(lambda m: lambda x: m.unwrap(x * 3.0, period=3.0) ** 2),
    "unwrap_int_period": case(lambda m: lambda x: m.unwrap(x * 5.0, period=4, axis=-1)),
    # scans (NumPy 2.1 names)
    "cumulative_sum_1d": case(lambda m: lambda x: m.cumulative_sum(x ** 2), V),
    "cumulative_sum_axis_initial": case(lambda m: lambda x: m.cumulative_sum(
        x, axis=1, include_initial=True) * x[0, 0]),
    "cumulative_sum_axis0": case(lambda m: lambda x: m.cumulative_sum(x, axis=0) ** 2),
    "cumulative_prod_1d_initial": case(lambda m: lambda x: m.cumulative_prod(
        x, include_initial=True), V),
    "cumulative_prod_axis": case(lambda m: lambda x: m.cumulative_prod(x, axis=-1)),
    "cumulative_prod_scalar": case(lambda m: lambda x: m.cumulative_prod(
        x[1] * 2.0, include_initial=True), V),
    # shapes and joins
    "matrix_transpose": case(lambda m: lambda x: m.matrix_transpose(x) ** 2),
    "matrix_transpose_3d": case(lambda m: lambda x: m.matrix_transpose(
        x.reshape(3, 2, 2)) * x[0, 0]),
    "diagflat": case(lambda m: lambda x: m.diagflat(x[:2] ** 2)),
    **{f"diagflat_k{k}": case((lambda k: lambda m: lambda x: m.diagflat(x, k=k))(k), V)
       for k in (-2, 1)},
    "block_2x2": case(lambda m: lambda x: m.block([[x, x[:, :1] ** 2], [x[:1], x[:1, :1]]])),
    "block_1d": case(lambda m: lambda x: m.block([x[0], np.array([1.5]), x[1] ** 2])),
    "block_promoted": case(lambda m: lambda x: m.block([[x[0]], [x[1] * 2.0]])),
    "block_3d": case(lambda m: lambda x: m.block([[[x]], [[x ** 2]]])),
    # conversions and steps
    "clip_no_bounds": case(lambda m: lambda x: m.clip(x) * x),
    "angle": case(lambda m: lambda x: m.angle(x) + x),
    "angle_deg": case(lambda m: lambda x: m.angle(x, deg=True) * x),
    "real_if_close": case(lambda m: lambda x: m.real_if_close(x ** 2)),
    "real_if_close_tol": case(lambda m: lambda x: m.real_if_close(x, tol=1000) * x),
    "spacing": case(lambda m: lambda x: m.spacing(x * 1e3) + x),
    # special functions, NaN-skipping median
    "i0": case(lambda m: lambda x: m.i0(x * 3.0)),
    "i0_both_branches": case(lambda m: lambda x: m.i0(x * 7.0 + 2.0) * 1e-3),
    "nanmedian": case(lambda m: lambda x: m.nanmedian(x ** 2), XNAN),
    "nanmedian_axis0": case(lambda m: lambda x: m.nanmedian(x, axis=0) * x[1, 0], XNAN),
    "nanmedian_axis1_keepdims": case(lambda m: lambda x: m.nanmedian(
        x, axis=1, keepdims=True) * m.nan_to_num(x), XNAN),
    "nanmedian_keepdims": case(lambda m: lambda x: m.nanmedian(x, keepdims=True), XNAN),
    "nanmedian_axes_keepdims": case(lambda m: lambda x: m.nanmedian(
        x.reshape(3, 2, 2), axis=(2, 0), keepdims=True) * 2.0, XNAN),
    "nanmedian_overwrite_input": case(lambda m: lambda x: m.nanmedian(
        x ** 2, axis=(-1,), overwrite_input=True), XNAN),
    "nanmedian_no_nan_odd": case(lambda m: lambda x: m.nanmedian(x[:, :3], axis=-1), X),
    # polynomials
    "vander": case(lambda m: lambda x: m.vander(x), V),
    "vander_N_increasing": case(lambda m: lambda x: m.vander(x, 3, increasing=True), V),
    "vander_N1": case(lambda m: lambda x: m.vander(x, N=1) * x[:, None], V),
    "polyder": case(lambda m: lambda x: m.polyder(x), V),
    "polyder_m3": case(lambda m: lambda x: m.polyder(x ** 2, m=3), V),
    "polyder_m0": case(lambda m: lambda x: m.polyder(x, 0) * x, V),
    "polyint": case(lambda m: lambda x: m.polyint(x), V),
    "polyint_m2_k": case(lambda m: lambda x: m.polyint(x, 2, k=[1.5, -2.0]), V),
    "polyint_m3_traced_k": case(lambda m: lambda x: m.polyint(x[1:], 3, k=x[0]), V),
    "poly": case(lambda m: lambda x: m.poly(x), V),
    "poly_one_root": case(lambda m: lambda x: m.poly(x[:1] ** 2), V),
}


def ours(f: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``f`` run by tapegrad on a traced value (its value, through a jvp)."""
    return lambda x: tg.jvp(f, (x,), (np.zeros_like(x),))[0]


def weights(shape: tuple[int, ...], dtype: Any = np.float64) -> np.ndarray:
    return np.random.default_rng(7).normal(size=shape).astype(dtype)


def loss(f: Callable[[Any], Any], w: np.ndarray) -> Callable[[Any], Any]:
    return lambda x: tg.sum(f(x) * w)


def numeric_grad(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g


def same_bits(a: Any, b: Any) -> None:
    a, b = np.asarray(a), np.asarray(b)
    assert a.dtype == b.dtype and a.shape == b.shape, (a.dtype, b.dtype, a.shape, b.shape)
    np.testing.assert_array_equal(a, b)


def close(a: Any, b: Any, exact: bool) -> None:
    if exact:
        same_bits(a, b)
    else:
        a, b = np.asarray(a), np.asarray(b)
        assert a.dtype == b.dtype and a.shape == b.shape, (a.dtype, b.dtype, a.shape, b.shape)
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("name", CASES)
def test_values_are_numpys_through_dispatch_and_tg_names(name: str) -> None:
    make, x, exact = CASES[name]
    want = make(np)(x)
    close(ours(make(np))(x), want, exact)
    close(ours(make(tg))(x), want, exact)


@pytest.mark.parametrize("name", CASES)
def test_gradient_and_jvp_against_central_differences(name: str) -> None:
    make, x, _ = CASES[name]
    f = make(np)
    w = weights(np.shape(f(x)))
    num = numeric_grad(lambda v: float(np.sum(f(v) * w)), x)
    np.testing.assert_allclose(tg.grad(loss(f, w))(x), num, rtol=1e-6, atol=1e-6)
    d = weights(x.shape) * 0.5
    _, t = tg.jvp(f, (x,), (d,))
    h = 1e-6
    fd = (np.asarray(f(x + h * d)) - np.asarray(f(x - h * d))) / (2 * h)
    np.testing.assert_allclose(t, fd, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", CASES)
def test_second_order_against_differences_of_the_gradient(name: str) -> None:
    make, x, _ = CASES[name]
    f = make(np)
    w = weights(np.shape(f(x)))
    v = weights(x.shape) * 0.5
    g = tg.grad(loss(f, w))
    hv = tg.grad(lambda y: tg.sum(g(y) * v))(x)
    num = numeric_grad(lambda y: float(np.sum(g(y) * v)), x, 1e-5)
    np.testing.assert_allclose(hv, num, rtol=1e-5, atol=1e-5)
    fwd = tg.jvp(g, (x,), (v,))[1]          # forward over reverse: the same H v
    np.testing.assert_allclose(fwd, hv, rtol=1e-12, atol=1e-12)
    if x.size <= 6:
        np.testing.assert_allclose(tg.hessian(loss(f, w))(x) @ v, hv, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", CASES)
def test_jit_is_eager_bit_for_bit(name: str) -> None:
    make, x, _ = CASES[name]
    f = make(np)
    w = weights(np.shape(f(x)))
    jitted, jitted_grad = tg.jit(f), tg.jit(tg.grad(loss(f, w)))
    for y in (x, x * 1.5 - 0.25):            # the second call replays the compiled program
        same_bits(jitted(y), ours(f)(y))
        same_bits(jitted_grad(y), tg.grad(loss(f, w))(y))


@pytest.mark.parametrize("name", CASES)
def test_vmap_is_a_python_loop(name: str) -> None:
    make, x, exact = CASES[name]
    f = make(np)
    batch = np.stack([x, x * 0.5 + 0.1, x[::-1] * 1.3])
    close(tg.vmap(f)(batch), np.stack([np.asarray(f(b)) for b in batch]), exact)
    w = weights(np.shape(f(x)))
    grads = tg.vmap(tg.grad(loss(f, w)))(batch)
    same_bits(grads, np.stack([tg.grad(loss(f, w))(b) for b in batch]))


@pytest.mark.parametrize("name", CASES)
def test_float32_stays_float32_where_numpy_keeps_it(name: str) -> None:
    make, x, exact = CASES[name]
    f = make(np)
    x32 = x.astype(np.float32)
    want = f(x32)
    got = ours(f)(x32)
    assert np.asarray(got).dtype == np.asarray(want).dtype
    if exact:
        same_bits(got, want)
    np.testing.assert_allclose(got, want, rtol=2e-6, atol=2e-6)
    w = weights(np.shape(want), np.float32)
    g = tg.grad(loss(f, w))(x32)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, tg.grad(loss(f, w.astype(float)))(x), rtol=2e-4, atol=2e-4)


# ------------------------------------------------------------ single facts
def test_steps_have_zero_derivatives():
    x = np.array([1.5, -2.0, 0.0, -0.0, 3.0])
    for f in (np.angle, np.spacing, lambda v: np.angle(v, deg=True)):
        np.testing.assert_array_equal(tg.grad(lambda v: tg.sum(f(v)))(x), np.zeros(5))
        np.testing.assert_array_equal(tg.jvp(f, (x,), (np.ones(5),))[1], np.zeros(5))
    same_bits(ours(np.angle)(x), np.angle(x))           # -0.0 gives pi, as NumPy's
    assert tg.grad(tg.spacing)(1.0) == 0.0 and tg.spacing(1.0) == 2.0 ** -52


def test_gradient_of_traced_coordinates_checks_even_spacing_at_every_call():
    f = np.array([1.0, 3.0, 2.0, 5.0])
    jitted = tg.jit(lambda x: np.gradient(f, x, edge_order=2))
    for x in (np.array([0.0, 1.0, 2.0, 3.0]), np.array([0.0, 1.0, 2.5, 3.0]),
              np.array([1.0, 1.5, 2.0, 2.5])):      # even, uneven, even: NumPy's two formulas
        same_bits(jitted(x), np.gradient(f, x, edge_order=2))
    with pytest.raises(TypeError, match="invalid number"):
        np.gradient(tg.jvp(lambda v: v, (X,), (X,))[0], 1.0, 2.0, 3.0)


def test_gradient_is_linear_in_the_samples_and_unwrap_has_the_identity_jacobian():
    jac = tg.jacobian(lambda v: np.gradient(v, COLUMNS, edge_order=2))(X[0])
    np.testing.assert_allclose(jac @ X[1], np.gradient(X[1], COLUMNS, edge_order=2),
                               rtol=1e-13)
    phase = np.array([0.0, 3.0, 6.5, -0.5, 2.0])
    same_bits(tg.jacobian(np.unwrap)(phase), np.eye(5))
    same_bits(tg.jit(np.unwrap)(phase), np.unwrap(phase))


def test_i0_derivative_is_i1():
    x = np.array([0.0, 0.4, -2.5, 7.9, 8.0, 8.1, -15.0, 40.0])
    i1 = x / 2 * sum((x / 2) ** (2 * k) / (np.prod(np.arange(1, k + 1.0)) *
                                           np.prod(np.arange(1, k + 2.0))) for k in range(80))
    # the series' own derivative: i1(0) = 0 to within its accuracy (i0 is smooth at 0)
    np.testing.assert_allclose(tg.vmap(tg.grad(tg.i0))(x), i1, rtol=1e-13, atol=1e-15)
    with pytest.raises(TypeError, match="complex"):
        tg.i0(np.array([1j]))


def test_nanmedian_sends_the_gradient_to_the_middle_and_replays_for_new_nans():
    x = np.array([3.0, np.nan, 1.0, 4.0, 2.0])
    same_bits(tg.grad(np.nanmedian)(x), np.array([0.5, 0.0, 0.0, 0.0, 0.5]))
    jitted = tg.jit(np.nanmedian)
    for v in (x, np.array([3.0, 5.0, np.nan, np.nan, 2.0]), np.full(5, np.nan),
              np.array([1.0, 2.0, 3.0, 4.0, 5.0])):
        with np.errstate(all="ignore"), pytest.warns(RuntimeWarning) if np.isnan(v).all() \
                else _nothing():
            want = np.nanmedian(v)
        same_bits(jitted(v), want)


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: Any) -> None:
        return None


def test_cumulative_sum_wants_an_axis_for_two_axes():
    with pytest.raises(ValueError, match="axis"):
        tg.grad(lambda x: tg.sum(np.cumulative_sum(x)))(X)
    with pytest.raises(ValueError, match="axis"):
        np.cumulative_sum(X)                     # NumPy's own rule, for reference


def test_block_checks_its_nesting():
    with pytest.raises(ValueError, match="depths"):
        tg.grad(lambda x: tg.sum(np.block([[x], x])))(X)
    with pytest.raises(TypeError, match="tuple"):
        tg.grad(lambda x: tg.sum(np.block((x, x))))(X)


def test_polynomial_closed_forms():
    p = np.array([2.0, -1.0, 3.0, 0.5])
    jac = tg.jacobian(lambda v: np.polyder(v))(p)      # d/dp of (3 p0, 2 p1, p2)
    np.testing.assert_array_equal(jac, [[3, 0, 0, 0], [0, 2, 0, 0], [0, 0, 1, 0]])
    roots = np.array([1.0, -2.0, 0.5])
    np.testing.assert_allclose(np.polyval(tg.poly(roots), roots), 0.0, atol=1e-15)
    # d coefficients / d root r_i = -(coefficients of the other roots' product), shifted
    jac = tg.jacobian(tg.poly)(roots)
    for i in range(3):
        others = np.poly(np.delete(roots, i))
        np.testing.assert_allclose(jac[:, i], np.concatenate([[0.0], -others]), rtol=1e-15)
    with pytest.raises(ValueError, match="1-D"):
        tg.poly(np.eye(2))
    assert tg.poly(np.zeros(0)) == 1.0


def test_vander_grad_is_the_derivative_of_the_powers():
    x = np.array([0.5, -1.5, 2.0])
    jac = tg.jacobian(lambda v: tg.vander(v, 4))(x)          # (row, power, input)
    g = np.stack([jac[i, :, i] for i in range(3)])
    np.testing.assert_array_equal(jac.sum(axis=2), g)         # row i depends on x[i] alone
    np.testing.assert_allclose(g, np.stack([3 * x ** 2, 2 * x, np.ones(3), np.zeros(3)], 1),
                               rtol=1e-15)


def test_require_and_asarray_chkfinite_return_the_traced_value():
    x = np.array([1.0, -2.0, 3.0])
    for f in (tg.require, tg.asarray_chkfinite):
        np.testing.assert_array_equal(tg.grad(lambda v: tg.sum(f(v) * v))(x), 2 * x)
        assert tg.jvp(lambda v: f(v, np.float32), (x,), (x,))[0].dtype == np.float32
        same_bits(tg.vmap(f)(np.stack([x, 2 * x])), np.stack([x, 2 * x]))
    for f, spelled in ((np.require, "tg.require"), (np.asarray_chkfinite,
                                                    "tg.asarray_chkfinite")):
        with pytest.raises(TypeError, match=spelled.replace(".", r"\.")):
            tg.grad(lambda v: tg.sum(f(v)))(x)


def test_asarray_chkfinite_raises_at_every_call_under_jit():
    bad = np.array([1.0, np.inf, 2.0])
    with pytest.raises(ValueError, match="infs or NaNs"):
        tg.grad(lambda v: tg.sum(tg.asarray_chkfinite(v)))(bad)
    jitted = tg.jit(lambda v: tg.asarray_chkfinite(v) * 2.0)
    same_bits(jitted(np.ones(3)), np.full(3, 2.0))
    for v in (bad, np.array([np.nan, 0.0, 1.0])):       # not the first call's answer
        with pytest.raises(ValueError, match="infs or NaNs"):
            jitted(v)
    same_bits(jitted(np.arange(3.0)), np.arange(3.0) * 2.0)
    with pytest.raises(ValueError, match="infs or NaNs"):
        tg.vmap(tg.asarray_chkfinite)(np.stack([np.ones(3), bad]))


def test_clip_without_bounds_is_the_identity():
    x = np.array([1.0, -2.0])
    same_bits(tg.jit(lambda v: np.clip(v))(x), np.clip(x))
    np.testing.assert_array_equal(tg.grad(lambda v: tg.sum(v.clip() * v))(x), 2 * x)
