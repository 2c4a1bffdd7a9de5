"""NumPy on traced values: ufunc methods, binning, polynomial fits, functions of functions.

Each float case is written once against a module ``m`` and run with
``m = np`` (NumPy's own function on plain arrays, and tapegrad's through
NumPy's dispatch on traced values) and, where tapegrad has the name,
``m = tg``. For each: values equal NumPy's bit for bit (within 1e-13 where
tapegrad's ``lstsq`` stands in for LAPACK's), the gradient of a weighted sum
against central differences, a jvp against a directional difference, second
order against differences of the gradient, ``jit`` bit for bit against
eager (values and gradients), ``vmap`` against a Python loop, and float32
kept where NumPy keeps it. Integer and boolean results (where a sample
falls, counts, membership) have the same checks of their values and a
zero derivative.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tapegrad as tg

RNG = np.random.default_rng(26)
X = RNG.normal(size=(3, 4))
V = np.array([0.3, 1.2, -0.5, 2.0, 0.7, -1.1])
VOFF = V * 0.9 + 0.05               # away from powers of two and integer multiples of 1/3
KNOTS = np.array([-1.0, -0.2, 0.4, 0.9, 1.6])
XS = np.linspace(0.0, 1.0, 6)
C = np.array([1.0, -2.0, 0.5])
XNAN = np.where(np.arange(12).reshape(3, 4) % 5 == 1, np.nan, X)       # NaNs at 1, 6, 11
Case = tuple[Callable[[Any], Callable[[Any], Any]], np.ndarray, bool]


def case(f: Callable[[Any], Callable[[Any], Any]], x: np.ndarray = X,
         exact: bool = True) -> Case:
    """``f(m)(x)`` with ``m`` the module; exact: bit for bit against NumPy."""
    return f, x, exact


def np_only(f: Callable[[Any], Any], x: np.ndarray = X, exact: bool = True) -> Case:
    """A case spelled with NumPy alone (a ufunc's method has no ``tg.`` name)."""
    return (lambda m: f), x, exact


CASES: dict[str, Case] = {
    # ufunc.outer
    "subtract_outer": np_only(lambda x: np.subtract.outer(x, x[::-1] ** 2), V),
    "add_outer_constant": np_only(lambda x: np.add.outer(KNOTS, x), V),
    "multiply_outer_2d": np_only(lambda x: np.multiply.outer(x[0], x[1:, :2])),
    "hypot_outer": np_only(lambda x: np.hypot.outer(x, x + 1.0), V),
    "maximum_outer": np_only(lambda x: np.maximum.outer(x * 0.9, KNOTS), V),
    # ufunc.reduce
    "add_reduce": np_only(lambda x: np.add.reduce(x ** 2, axis=1)),
    "add_reduce_default_axis": np_only(lambda x: np.add.reduce(x) * x[0]),
    "add_reduce_none_keepdims": np_only(lambda x: np.add.reduce(x, axis=None, keepdims=True)),
    "add_reduce_dtype": np_only(lambda x: np.add.reduce(x, 1, np.float64)),
    "multiply_reduce": np_only(lambda x: np.multiply.reduce(x, axis=-1)),
    "maximum_reduce": np_only(lambda x: np.maximum.reduce(x, axis=1)),
    "minimum_reduce_initial": np_only(lambda x: np.minimum.reduce(x, axis=0, initial=-0.5)),
    "logaddexp_reduce": np_only(lambda x: np.logaddexp.reduce(x, axis=0)),
    "logaddexp_reduce_keepdims": np_only(lambda x: np.logaddexp.reduce(
        x, axis=1, keepdims=True) * x),
    "hypot_reduce_1d": np_only(lambda x: np.hypot.reduce(x), V),
    "subtract_reduce_initial": np_only(lambda x: np.subtract.reduce(x, axis=1, initial=1.5)),
    # ufunc.accumulate
    "add_accumulate": np_only(lambda x: np.add.accumulate(x, axis=1)),
    "multiply_accumulate": np_only(lambda x: np.multiply.accumulate(x)),
    "maximum_accumulate": np_only(lambda x: np.maximum.accumulate(x), V),
    "maximum_accumulate_axis1": np_only(lambda x: np.maximum.accumulate(x, axis=1) * x),
    "minimum_accumulate": np_only(lambda x: np.minimum.accumulate(x ** 2, axis=0)),
    "fmax_accumulate": np_only(lambda x: np.fmax.accumulate(x, axis=-1)),
    "logaddexp_accumulate": np_only(lambda x: np.logaddexp.accumulate(x, axis=1)),
    "subtract_accumulate": np_only(lambda x: np.subtract.accumulate(x, axis=0)),
    # weights binned, edges from the data
    "bincount_weights": case(lambda m: lambda x: m.bincount(
        np.array([0, 2, 2, 1, 0, 4]), weights=x ** 2), V),
    "bincount_minlength": case(lambda m: lambda x: m.bincount(
        np.array([3, 1, 1, 0, 3, 3]), x, minlength=7), V),
    "histogram_weights": case(lambda m: lambda x: m.histogram(
        KNOTS[1:] + 0.05, bins=KNOTS, weights=x[:4])[0] * 1.0, V),
    "histogram_weights_count": case(lambda m: lambda x: m.histogram(
        V, bins=3, weights=x)[0], V),
    "histogram_edges": case(lambda m: lambda x: m.histogram(x, bins=4)[1], V),
    "histogram_edges_range": case(lambda m: lambda x: m.histogram(
        x, bins=3, range=(-1.0, 1.5))[1] * x[0], V),
    "histogram_density": case(lambda m: lambda x: m.histogram(x, bins=4, density=True)[0], V),
    "histogram_density_edges_traced": case(lambda m: lambda x: m.histogram(
        V, bins=m.cumsum(x[:4] ** 2) - 2.0, density=True)[0], V),
    "histogram_density_weights": case(lambda m: lambda x: m.histogram(
        x, bins=KNOTS, density=True, weights=x ** 2)[0], V),
    "histogram_bin_edges": case(lambda m: lambda x: m.histogram_bin_edges(x, bins=5), V),
    # polynomials
    "polyfit": case(lambda m: lambda x: m.polyfit(XS, x, 2), V, exact=False),
    "polyfit_traced_x": case(lambda m: lambda x: m.polyfit(x, XS ** 2, 1), V, exact=False),
    "polyfit_weights": case(lambda m: lambda x: m.polyfit(XS, x, 2, w=XS + 1.0), V,
                            exact=False),
    "polyfit_traced_weights": case(lambda m: lambda x: m.polyfit(
        XS, np.sin(XS), 1, w=x ** 2 + 0.5), V, exact=False),
    "polyfit_2d": case(lambda m: lambda x: m.polyfit(XS, m.stack([x, x ** 2], 1), 2), V,
                       exact=False),
    "polyadd": case(lambda m: lambda x: m.polyadd(x[:3], C[1:]), V),
    "polyadd_longer_second": case(lambda m: lambda x: m.polyadd(C[:2], x), V),
    "polysub": case(lambda m: lambda x: m.polysub(C, x[:2] ** 2), V),
    "polymul": case(lambda m: lambda x: m.polymul(x[:3], C), V),
    # evenly spaced on a log scale, spectra
    "logspace": case(lambda m: lambda x: m.logspace(x[0], x[1], 5), V),
    "logspace_base_axis": case(lambda m: lambda x: m.logspace(
        x[:2], x[2:4], 4, base=2.0, axis=1), V),
    "logspace_traced_base": case(lambda m: lambda x: m.logspace(
        x[0], x[1], 4, base=x[4] + 2.0, endpoint=False), V),
    "geomspace": case(lambda m: lambda x: m.geomspace(x[0], x[1], 5), V),
    "geomspace_negative_arrays_axis": case(lambda m: lambda x: m.geomspace(
        -x[:2] ** 2 - 0.5, -x[3:5] ** 2 - 1.0, 3, axis=1), V),
    "geomspace_no_endpoint": case(lambda m: lambda x: m.geomspace(
        1.0, x[3] + 2.0, 4, endpoint=False), V),
    "fftshift": case(lambda m: lambda x: np.fft.fftshift(x) * x[0], V),
    "fftshift_axes": case(lambda m: lambda x: np.fft.fftshift(x, axes=1)),
    "ifftshift_odd": case(lambda m: lambda x: np.fft.ifftshift(x[:5]) ** 2, V),
    "ifftshift_tg": case(lambda m: lambda x: tg.ifftshift(x, axes=(0,))),
    # functions of functions
    "apply_along_axis": case(lambda m: lambda x: m.apply_along_axis(
        lambda r: r ** 2 + r[0], 1, x)),
    "apply_along_axis_axis0_scalar": case(lambda m: lambda x: m.apply_along_axis(
        np.sum, 0, x ** 2)),
    "apply_along_axis_matrix": case(lambda m: lambda x: m.apply_along_axis(
        lambda r: np.outer(r, r[:2]), 1, x)),
    "apply_along_axis_3d": case(lambda m: lambda x: m.apply_along_axis(
        lambda r: r[::-1] * r[0], 1, x.reshape(3, 2, 2))),
    "apply_over_axes": case(lambda m: lambda x: m.apply_over_axes(np.sum, x ** 2, [0, 1])),
    "piecewise": case(lambda m: lambda x: m.piecewise(
        x, [x < 0, x >= 0], [lambda t: -t, lambda t: t ** 2])),
    "piecewise_default": case(lambda m: lambda x: m.piecewise(x, [x < 0], [np.sin, 1.5])),
    "piecewise_one_condition": case(lambda m: lambda x: m.piecewise(
        x, x < 0.5, [np.cos, np.exp]), V),
    "piecewise_constant_conditions": case(lambda m: lambda x: m.piecewise(
        x, [X < 0, X > 1], [np.exp, np.cos, 0.5])),
    "piecewise_args": case(lambda m: lambda x: m.piecewise(
        x, [x > 0.5], [lambda t, a: t * a, lambda t, a: -t], 3.0), V),
    # conditioning
    "linalg_cond": np_only(lambda x: np.linalg.cond(x[:, :3] + 3.0 * np.eye(3))),
    "linalg_cond_inverse": np_only(lambda x: np.linalg.cond(x[:, 1:] + 3.0 * np.eye(3), -2)),
    "linalg_cond_fro": np_only(lambda x: np.linalg.cond(x[:, :3] + 3.0 * np.eye(3), "fro")),
    "linalg_cond_1": np_only(lambda x: np.linalg.cond(x[:, :3] + 3.0 * np.eye(3), 1)),
    "linalg_cond_stacked": np_only(lambda x: np.linalg.cond(np.stack(
        [x[:2, :2] + 2.0 * np.eye(2), x[1:, 2:] ** 2 + np.eye(2)]))),
    # choosing elements
    "compress": case(lambda m: lambda x: m.compress([True, False, True], x, axis=0)),
    "compress_flat_short": case(lambda m: lambda x: m.compress([False, True, True], x)),
    "extract": case(lambda m: lambda x: m.extract(X > 0, x ** 2)),
    "choose": case(lambda m: lambda x: m.choose(np.array([0, 1, 0, 1]), [x[0], x[1] ** 2])),
    "choose_traced_index": case(lambda m: lambda x: m.choose(
        (x[0] > 0).astype(np.int64), [x[1], x[2] * 2.0])),
    "choose_wrap": case(lambda m: lambda x: m.choose(
        np.array([0, 3, 5, 1]), [x[0], x[1], x[2]], mode="wrap")),
    "choose_clip_constant": case(lambda m: lambda x: m.choose(
        np.array([0, 3, -1, 1]), [x[0], x[1], 0.5], mode="clip")),
    "resize": case(lambda m: lambda x: m.resize(x, (4, 4)), V),
    "resize_smaller": case(lambda m: lambda x: m.resize(x, 5)),
    "top_two_by_argpartition": case(lambda m: lambda x: m.take_along_axis(
        x, m.argpartition(x, -2, axis=1)[:, -2:], axis=1)),
    # NaN-skipping quantiles
    "nanquantile": case(lambda m: lambda x: m.nanquantile(x, 0.3), XNAN),
    "nanquantile_axis_qs": case(lambda m: lambda x: m.nanquantile(
        x, [0.0, 0.2, 0.7, 1.0], axis=1), XNAN),
    "nanquantile_axis0_keepdims": case(lambda m: lambda x: m.nanquantile(
        x, 0.5, axis=0, keepdims=True), XNAN),
    "nanpercentile": case(lambda m: lambda x: m.nanpercentile(x, 35, axis=-1), XNAN),
    "nanpercentile_no_nan": case(lambda m: lambda x: m.nanpercentile(x, [10, 90]), V),
    # a float's parts
    "ldexp": case(lambda m: lambda x: m.ldexp(x, np.array([1, 2, 3, -1, 0, 2])), VOFF),
    "ldexp_traced_exponent": case(lambda m: lambda x: m.ldexp(x, (x * 3.0).astype(np.int64)),
                                  VOFF),
    "frexp_mantissa": case(lambda m: lambda x: m.frexp(x * 3.0)[0], VOFF),
    "modf_fraction": case(lambda m: lambda x: m.modf(x * 3.0)[0] * x, VOFF),
    "modf_integral": case(lambda m: lambda x: m.modf(x * 3.0)[1] + x, VOFF),
    "nextafter": case(lambda m: lambda x: m.nextafter(x ** 2, 0.0), VOFF),
    "qr_r": np_only(lambda x: np.linalg.qr(x.T + 2.0 * np.eye(4, 3), mode="r")),
    # dtype questions used to pick a result's dtype
    "result_type": case(lambda m: lambda x: x * np.ones(2, np.result_type(x, 1.0))[0]),
    "einsum_path": case(lambda m: lambda x: np.einsum(
        "ij,jk,kl->il", x, x.T, x, optimize=np.einsum_path("ij,jk,kl->il", x, x.T, x)[0])),
    "common_type": case(lambda m: lambda x: x * np.ones((), np.common_type(x))),
}

INTEGER_CASES: dict[str, Case] = {
    "searchsorted": case(lambda m: lambda x: m.searchsorted(KNOTS, x), V),
    "searchsorted_right_scalar": case(lambda m: lambda x: m.searchsorted(
        m.sort(x), 0.7, side="right"), V),
    "searchsorted_sorter": case(lambda m: lambda x: m.searchsorted(
        x, KNOTS, sorter=m.argsort(x)), V),
    "digitize": case(lambda m: lambda x: m.digitize(x, KNOTS), V),
    "digitize_right_decreasing": case(lambda m: lambda x: m.digitize(
        x, KNOTS[::-1], right=True), V),
    "digitize_traced_bins": case(lambda m: lambda x: m.digitize(KNOTS, m.sort(x)), V),
    "isin": case(lambda m: lambda x: m.isin(m.round(x), [0.0, 1.0, 2.0])),
    "isin_invert_traced_test": case(lambda m: lambda x: m.isin(
        np.array([0.0, 1.0, 2.0]), m.round(x), invert=True), V),
    "bincount_traced": case(lambda m: lambda x: m.bincount(
        (m.abs(x) * 2.0).astype(np.int64), minlength=6), V),
    "histogram_counts": case(lambda m: lambda x: m.histogram(x, bins=4)[0], V),
    "histogram_counts_edges": case(lambda m: lambda x: m.histogram(x, bins=KNOTS)[0], V),
    "isposinf": case(lambda m: lambda x: m.isposinf(x / 0.0), V),
    "isneginf": case(lambda m: lambda x: m.isneginf(x / 0.0), V),
    "isreal": np_only(lambda x: np.isreal(x)),
    "iscomplex": np_only(lambda x: np.iscomplex(x)),
    "equal_outer": np_only(lambda x: np.equal.outer(np.round(x), [0.0, 1.0]), V),
    "argpartition": case(lambda m: lambda x: m.argpartition(x, 2), V),
    "argpartition_axis0_kths": case(lambda m: lambda x: m.argpartition(x, [0, 2], axis=0)),
    "argpartition_flat": case(lambda m: lambda x: m.argpartition(x, 3, axis=None)),
    "lexsort": case(lambda m: lambda x: m.lexsort((x, m.round(x))), V),
    "lexsort_2d_int_key": case(lambda m: lambda x: m.lexsort(
        (x[0], np.array([1, 0, 1, 0]))) * 1),
    "frexp_exponent": case(lambda m: lambda x: m.frexp(x * 3.0)[1], VOFF),
    "gcd": np_only(lambda x: np.gcd((x * 10.0).astype(np.int64), 6), VOFF),
    "lcm": np_only(lambda x: np.lcm((x * 10.0).astype(np.int64), np.arange(1, 7)), VOFF),
    "bitwise_count": np_only(lambda x: np.bitwise_count(np.abs(x * 10.0).astype(np.int64)),
                             VOFF),
    "matrix_rank": np_only(lambda x: np.linalg.matrix_rank(x[:, :3] @ x[:2, :3].T @ x[:2])),
    "matrix_rank_hermitian_tol": np_only(lambda x: np.linalg.matrix_rank(
        x[:, :3] + x[:, :3].T, tol=1.0, hermitian=True)),
    "logical_or_reduce": np_only(lambda x: np.logical_or.reduce(x > 0.5, axis=0)),
}


def tg_has(make: Callable[[Any], Any], x: np.ndarray) -> bool:
    """Whether a case runs with ``m = tg`` (every name it uses is tapegrad's too)."""
    try:
        make(tg)(x)
    except AttributeError:
        return False
    return True


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
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-14)


def same_type(got: Any, want: Any) -> None:
    """``jit``'s result is of NumPy's type: ``np.int64``, ``np.bool_`` or an array."""
    assert type(got) is type(want), (type(got), type(want))


@pytest.mark.parametrize("name", [*CASES, *INTEGER_CASES])
def test_values_are_numpys_through_dispatch_and_tg_names(name: str) -> None:
    make, x, exact = {**CASES, **INTEGER_CASES}[name]
    want = make(np)(x)
    close(ours(make(np))(x), want, exact)
    if tg_has(make, x):
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


@pytest.mark.parametrize("name", CASES)
def test_jit_is_eager_bit_for_bit(name: str) -> None:
    make, x, _ = CASES[name]
    f = make(np)
    w = weights(np.shape(f(x)))
    jitted, jitted_grad = tg.jit(f), tg.jit(tg.grad(loss(f, w)))
    for y in (x, x * 1.5 - 0.25):            # the second call replays the compiled program
        same_bits(jitted(y), ours(f)(y))
        same_type(jitted(y), f(y))           # np.float64 where NumPy's is, as plain NumPy
        same_bits(jitted_grad(y), tg.grad(loss(f, w))(y))


@pytest.mark.parametrize("name", INTEGER_CASES)
def test_integer_results_under_jit_and_their_zero_derivative(name: str) -> None:
    make, x, _ = INTEGER_CASES[name]
    f = make(np)
    jitted = tg.jit(f)
    for y in (x, x * 1.5 - 0.25, x[::-1] * 0.7):     # a new sample: the answer is computed again
        got, want = jitted(y), f(y)
        same_bits(got, want)
        same_type(got, want)
    # d/dv (f(v) * sum(v)) = f(v): the integers or booleans themselves have no derivative
    g = tg.grad(lambda v: tg.sum(f(v).astype(np.float64) * tg.sum(v)))(x)
    same_bits(g, np.full(x.shape, float(np.sum(f(x)))))
    assert np.all(np.asarray(tg.jvp(f, (x,), (np.ones_like(x),))[1]) == 0)


@pytest.mark.parametrize("name", [*CASES, *INTEGER_CASES])
def test_vmap_is_a_python_loop(name: str) -> None:
    make, x, exact = {**CASES, **INTEGER_CASES}[name]
    f = make(np)
    batch = np.stack([x, x * 0.5 + 0.1, x[::-1] * 1.3])
    close(tg.vmap(f)(batch), np.stack([np.asarray(f(b)) for b in batch]), exact)
    if name in CASES:
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
    np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-5)
    w = weights(np.shape(want), np.asarray(want).dtype)
    g = tg.grad(loss(f, w))(x32)
    assert g.dtype == np.float32


# ------------------------------------------------------------ single facts
def test_running_maximum_sends_the_gradient_to_its_source():
    x = np.array([1.0, 3.0, 2.0, 3.0, 5.0, np.nan, 4.0])
    same_bits(tg.jit(np.maximum.accumulate)(x), np.maximum.accumulate(x))
    jac = tg.jacobian(lambda v: np.maximum.accumulate(v))(x[:5])
    src = [0, 1, 1, 1, 4]           # a tie keeps the first place the maximum came from
    same_bits(jac, np.eye(5)[src])
    same_bits(tg.grad(lambda v: np.fmin.accumulate(v)[-1])(x), np.eye(7)[0])


def test_bincount_of_traced_integers_follows_their_maximum_under_jit():
    jitted = tg.jit(lambda i, w: np.bincount(i, weights=w))
    w = np.array([0.5, 1.5, 2.5])
    for i in (np.array([0, 2, 2]), np.array([0, 4, 1]), np.array([1, 1, 0])):
        same_bits(jitted(i, w), np.bincount(i, weights=w))     # lengths 3, 5, 2
    same_bits(tg.grad(lambda w: np.bincount(np.array([0, 2, 2]), w)[2])(w), np.array([0., 1, 1]))
    with pytest.raises(ValueError, match="bincount"):
        tg.vmap(lambda i: np.bincount(i))(np.array([[0, 1], [0, 3]]))
    with pytest.raises(TypeError, match="non-negative integers"):
        tg.grad(lambda v: tg.sum(np.bincount(v)))(np.array([0.5, 1.0]))


def test_histogram_edges_are_linear_in_the_data_extremes():
    x = np.array([0.3, 1.2, -0.5, 2.0, 0.7])
    jac = tg.jacobian(lambda v: np.histogram(v, bins=4)[1])(x)
    t = np.linspace(0.0, 1.0, 5)        # edge k = min + t_k (max - min)
    want = np.zeros((5, 5))
    want[:, 2], want[:, 3] = 1.0 - t, t
    np.testing.assert_allclose(jac, want, rtol=1e-15, atol=1e-16)
    same = np.full(3, 0.25)                         # max == min: NumPy widens by 1/2
    same_bits(tg.jit(lambda v: np.histogram(v, bins=2)[1])(same), np.histogram(same, 2)[1])
    jitted = tg.jit(lambda v: np.histogram(v, bins=3)[1])
    for v in (x, same, x * 2.0):                    # the guard on max == min replays
        same_bits(jitted(v), np.histogram(v, bins=3)[1])


def test_histogram_refuses_what_it_cannot_trace_with_a_spelling_that_works():
    x = np.array([0.3, 1.2, -0.5])
    with pytest.raises(ValueError, match="histogram_bin_edges"):
        tg.grad(lambda v: tg.sum(np.histogram(v, bins="auto")[1]))(x)
    with pytest.raises(TypeError, match="bins=np.linspace"):
        tg.grad(lambda v: tg.sum(np.histogram(x, bins=2, range=(v[0], 2.0), weights=v)[0]))(x)


def test_generic_reduce_folds_from_the_left_and_refuses_two_axes():
    x = np.array([[3.0, 4.0, 12.0], [1.0, 2.0, 2.0]])
    same_bits(tg.jit(lambda v: np.hypot.reduce(v, axis=1))(x), np.hypot.reduce(x, axis=1))
    np.testing.assert_allclose(tg.grad(lambda v: np.hypot.reduce(v[0]))(x)[0], x[0] / 13.0,
                               rtol=1e-15)
    with pytest.raises(ValueError, match="one axis"):
        tg.grad(lambda v: tg.sum(np.hypot.reduce(v, axis=(0, 1))))(x)
    with pytest.raises(TypeError, match=r"np\.add\.at"):
        tg.grad(lambda v: np.add.at(np.zeros(2), [0, 1], v[0, :2]))(x)


def test_polyfit_recovers_a_polynomial_and_its_derivative_in_the_data():
    xs = np.linspace(-1.0, 2.0, 7)
    c = np.array([0.5, -1.0, 2.0])
    y = np.polyval(c, xs)
    np.testing.assert_allclose(tg.jit(lambda v: np.polyfit(xs, v, 2))(y), c, rtol=1e-13)
    jac = tg.jacobian(lambda v: np.polyfit(xs, v, 2))(y)     # linear in y: the pseudo-inverse
    np.testing.assert_allclose(jac, np.linalg.pinv(np.vander(xs, 3)), rtol=1e-12, atol=1e-13)
    with pytest.raises(TypeError, match="cov"):
        tg.grad(lambda v: tg.sum(np.polyfit(xs, v, 1, cov=True)[0]))(y)


def test_dtype_questions_read_the_dtype_in_every_transform():
    x32 = np.ones(3, np.float32)
    f = lambda v: v * np.ones((), np.result_type(v, 2.0))  # noqa: E731
    assert tg.jit(f)(x32).dtype == np.float32
    assert tg.vmap(f)(np.stack([x32, x32])).dtype == np.float32
    assert tg.grad(lambda v: tg.sum(f(v)))(x32).dtype == np.float32
    assert tg.jit(lambda v: v * np.can_cast(v, np.float16))(x32).tolist() == [0.0] * 3
    assert tg.jit(lambda v: v + np.isrealobj(v) - np.iscomplexobj(v))(x32).tolist() == [2.0] * 3


def test_piecewise_zero_where_no_condition_holds_and_no_derivative_from_unselected():
    x = np.array([-1.0, 0.5, 2.0])
    f = lambda v: np.piecewise(v, [v < 0, v > 1], [np.exp, lambda t: t * t])  # noqa: E731
    same_bits(tg.jit(f)(x), f(x))
    same_bits(tg.grad(lambda v: tg.sum(f(v)))(x), np.array([np.exp(-1.0), 0.0, 4.0]))


def test_a_draw_with_traced_parameters_names_its_reparameterization():
    rng = np.random.default_rng(0)
    mu = np.array([0.3, -1.0])
    with pytest.raises(TypeError, match=r"rng\.normal\(v, 2\.0\) draws.*loc \+ scale \* rng\."
                                        r"standard_normal\(size\)"):
        tg.grad(lambda v: tg.sum(rng.normal(v, 2.0)))(mu)
    with pytest.raises(TypeError, match=r"low \+ \(high - low\) \* rng\.random\(size\)"):
        tg.jit(lambda v: rng.uniform(v[0], v[1], size=3))(mu)
    noise = rng.standard_normal(2)          # the spelling it names: differentiable in mu
    same_bits(tg.grad(lambda v: tg.sum(v + 2.0 * noise))(mu), np.ones(2))


def test_cond_of_a_diagonal_matrix_is_the_ratio_of_its_extremes():
    d = np.array([4.0, 2.0, 0.5])
    assert tg.jit(lambda v: np.linalg.cond(np.diag(v)))(d) == 8.0
    same_bits(tg.grad(lambda v: np.linalg.cond(np.diag(v)))(d),
              np.array([1 / 0.5, 0.0, -4.0 / 0.5 ** 2]))          # d0 / d2


def test_compress_with_a_traced_condition_names_np_where():
    x = np.array([1.0, -2.0, 3.0])
    for f in (lambda v: np.compress(v > 0, v), lambda v: np.extract(v > 0, v)):
        with pytest.raises(TypeError, match=r"np\.where\(condition, a, 0\.0\)"):
            tg.grad(lambda v: tg.sum(f(v)))(x)
    same_bits(tg.grad(lambda v: tg.sum(np.compress([True, False, True], v) ** 2))(x),
              np.array([2.0, 0.0, 6.0]))


def test_nanquantile_follows_the_nans_under_jit():
    jitted = tg.jit(lambda v: np.nanquantile(v, [0.25, 0.9]))
    for v in (np.array([3.0, np.nan, 1.0, 4.0, 2.0]), np.array([np.nan, 5.0, np.nan, 1.0, 2.0]),
              np.array([1.0, 2.0, 3.0, 4.0, 5.0])):
        same_bits(jitted(v), np.nanquantile(v, [0.25, 0.9]))
    g = tg.grad(lambda v: np.nanquantile(v, 0.25))(np.array([3.0, np.nan, 1.0, 4.0, 2.0]))
    same_bits(g, np.array([0.0, 0.0, 0.25, 0.0, 0.75]))      # 1.25: between 1 and 2


INDEX_TRICKS: dict[str, Case] = {      # NumPy's np.r_/np.c_ on arrays, tg.r_/tg.c_ traced
    "r_pieces": case(lambda m: lambda x: m.r_[x, x[:2] ** 2], V),
    "r_numbers_and_slice": case(lambda m: lambda x: m.r_[0.0, x, 1, 2:5, 0.5:1.5:3j], V),
    "r_directive": case(lambda m: lambda x: m.r_["0,2,0", x[:3], x[3:] ** 2], V),
    "r_last_axis": case(lambda m: lambda x: m.r_["-1", x, x[:, :1] ** 2]),
    "c_columns": case(lambda m: lambda x: m.c_[x, x ** 2, np.arange(6)], V),
    "c_matrices": case(lambda m: lambda x: m.c_[x, x[:, :1]]),
}


@pytest.mark.parametrize("name", INDEX_TRICKS)
def test_tg_index_tricks_are_numpys(name: str) -> None:
    make, x, _ = INDEX_TRICKS[name]
    want, f = make(np), make(tg)
    same_bits(ours(f)(x), want(x))
    same_bits(tg.jit(f)(x), want(x))
    same_bits(ours(f)(x.astype(np.float32)), want(x.astype(np.float32)))
    w = weights(np.shape(want(x)))
    num = numeric_grad(lambda v: float(np.sum(want(v) * w)), x)
    np.testing.assert_allclose(tg.grad(loss(f, w))(x), num, rtol=1e-6, atol=1e-6)
    batch = np.stack([x, x * 0.5 + 0.1])
    same_bits(tg.vmap(f)(batch), np.stack([want(b) for b in batch]))


def test_np_r_and_np_polynomial_on_traced_values_name_what_runs():
    x = np.array([1.0, -2.0, 3.0])
    with pytest.raises(TypeError, match=r"Use tg\.r_\[a, b\] for np\.r_\[a, b\]"):
        tg.grad(lambda v: tg.sum(np.r_[0.0, v]))(x)
    with pytest.raises(TypeError, match=r"Use tapegrad\.polynomial\.polynomial\.polyval.*"
                       r"np\.polyval\(c\[::-1\], x\)"):
        tg.grad(lambda c: np.polynomial.polynomial.polyval(0.5, c))(x)
    same_bits(tg.jit(lambda c: np.polyval(c[::-1], 0.5))(x),
              np.polynomial.polynomial.polyval(0.5, x))


COMPOSED: dict[str, Callable[[Any], Any]] = {     # scalar losses through the new functions
    "histogram_density_weights": lambda v: np.sum(np.histogram(
        v, bins=3, density=True, weights=v ** 2)[0] * np.arange(3.0)),
    "maximum_accumulate": lambda v: np.sum(np.maximum.accumulate(v) * v),
    "subtract_outer": lambda v: np.sum(np.subtract.outer(v, v) ** 2),
    "polyfit": lambda v: np.sum(np.polyfit(XS, v, 2) ** 2),
    "nanquantile": lambda v: np.nanquantile(np.where(v > 1.5, np.nan, v), 0.4),
    "apply_along_axis": lambda v: np.sum(np.apply_along_axis(
        lambda r: r * r[0], 1, v.reshape(2, 3))),
    "bincount": lambda v: np.sum(np.bincount(np.array([0, 1, 1, 2, 0, 2]), v) ** 2),
    "cond": lambda v: np.linalg.cond(v.reshape(2, 3) @ v.reshape(2, 3).T + np.eye(2)),
    "r_": lambda v: np.sum(tg.r_[0.0, v, v[:2]] ** 2),
}


@pytest.mark.parametrize("name", COMPOSED)
def test_transforms_compose_on_the_new_functions(name: str) -> None:
    f = COMPOSED[name]
    batch = np.stack([V, V * 0.5 + 0.1, V[::-1] * 1.3])
    g = tg.grad(f)
    loop = np.stack([g(b) for b in batch])
    same_bits(tg.jit(tg.vmap(g))(batch), loop)
    same_bits(tg.vmap(tg.jit(g))(batch), loop)
    hessian = tg.hessian(f)(V)
    same_bits(tg.jit(tg.hessian(f))(V), hessian)
    np.testing.assert_allclose(tg.jacfwd(g)(V), hessian, rtol=1e-10, atol=1e-10)
