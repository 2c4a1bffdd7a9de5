"""More of NumPy on traced values: creation, differences, pieces, padding, NaNs, predicates.

Each case is written once against a module ``m`` and run with ``m = np``
(NumPy's own function on plain arrays, and tapegrad's through NumPy's
dispatch on traced values), ``m = tg`` (``tg.<name>``) and ``m = jax.numpy``
where JAX is installed. For each: values equal NumPy's (bit for bit where
tapegrad runs NumPy's own arithmetic, else within 1e-14), the gradient of a
weighted sum against central differences, the Hessian-vector product against
differences of the gradient (smooth cases), ``jit(grad)`` bit for bit against
eager ``grad``, ``vmap`` against a Python loop, float32 kept, and JAX's values
and gradients. The cases follow HIPS autograd's tests/test_numpy.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from conftest import fd

import tapegrad as tg

RNG = np.random.default_rng(19)
X = RNG.normal(size=(3, 4))
XP, FP = np.array([-1.5, -0.2, 0.4, 1.1]), np.array([2.0, -1.0, 0.5, 3.0])
XQ = np.array([-2.0, -1.5, -0.7, 0.0, 0.4, 0.9, 1.1, 2.5])
Case = tuple[Callable[[Any], Callable[[Any], Any]], np.ndarray, bool, bool]


def case(f: Callable[[Any], Callable[[Any], Any]], x: np.ndarray = X, smooth: bool = True,
         exact: bool = True) -> Case:
    """``f(m)(x)`` with ``m`` the module; smooth: check order 2; exact: bit for bit."""
    return f, x, smooth, exact


CASES: dict[str, Case] = {
    "zeros_like": case(lambda m: lambda x: m.zeros_like(x) + x * m.ones_like(x)),
    "full_like": case(lambda m: lambda x: m.full_like(x, 2.5) * x + m.empty_like(x).size),
    "full_like_traced": case(lambda m: lambda x: m.full_like(x, x[0, 1]) * x),
    "copy": case(lambda m: lambda x: m.copy(x) * x),
    "real": case(lambda m: lambda x: m.real(x) * x + m.imag(x)),
    "diff": case(lambda m: lambda x: m.diff(x) ** 2),
    "diff_n2_axis0": case(lambda m: lambda x: m.diff(x, n=2, axis=0) * x[0]),
    "diff_prepend_append": case(lambda m: lambda x: m.diff(x, prepend=0.5, append=x[:, :1])),
    "diff_n0": case(lambda m: lambda x: m.diff(x, n=0) * x),
    "ediff1d": case(lambda m: lambda x: m.ediff1d(x, to_begin=np.array([1.0]), to_end=x[0])),
    "sum_where": case(lambda m: lambda x: m.sum(x ** 2, where=np.arange(4) % 2 == 0, axis=0),
                      exact=False),
    "sum_where_all": case(lambda m: lambda x: m.sum(x ** 3, where=X > 0), exact=False),
    "mean_where_float32": case(lambda m: lambda x: m.mean(x, where=X > 0) * x, exact=False),
    "mean_where": case(lambda m: lambda x: m.mean(x ** 2, axis=1, where=X > -0.5),
                       exact=False),
    "sum_where_traced_mask": case(lambda m: lambda x: m.sum(x ** 2, axis=1, where=x > 0.1),
                                  exact=False),
    "mean_where_keepdims": case(lambda m: lambda x: m.mean(x ** 3, axis=0, keepdims=True,
                                                           where=x < 0.5), exact=False),
    "concatenate_none": case(lambda m: lambda x: m.concatenate([x, x[:1] ** 2], axis=None)),
    "split": case(lambda m: lambda x: m.split(x, 2, axis=1)[1] * m.split(x, 2, axis=1)[0]),
    "split_indices": case(lambda m: lambda x: m.split(x, [1], axis=0)[1] ** 2),
    "array_split": case(lambda m: lambda x: m.array_split(x, 3, axis=1)[0] ** 2),
    "hsplit": case(lambda m: lambda x: m.hsplit(x, 4)[2] * x),
    "vsplit": case(lambda m: lambda x: m.vsplit(x, [2])[0] ** 2),
    "append": case(lambda m: lambda x: m.append(x, x[0] ** 2)),
    "append_axis": case(lambda m: lambda x: m.append(x, x[:1] ** 2, axis=0)),
    "insert": case(lambda m: lambda x: m.insert(x, np.array([1, 3]), (x[:, :1] ** 2), axis=1)),
    "insert_flat": case(lambda m: lambda x: m.insert(x, 2, 7.0) * m.insert(x, 5, x[0, 0])),
    "delete": case(lambda m: lambda x: m.delete(x, np.array([0, 2]), axis=1) ** 2),
    "delete_flat": case(lambda m: lambda x: m.delete(x, slice(1, None, 3)) ** 2),
    **{f"pad_{mode}": case((lambda mode: lambda m: lambda x: m.pad(
        x, ((1, 2), (2, 1)), mode=mode) ** 2)(mode))
       for mode in ("constant", "edge", "reflect", "symmetric", "wrap")},
    "pad_constant_values": case(lambda m: lambda x: m.pad(x, 1, constant_values=3.0) * 2),
    "broadcast_arrays": case(lambda m: lambda x: (lambda a, b: a * b)(
        *m.broadcast_arrays(x, x[0]))),
    "meshgrid_xy": case(lambda m: lambda x: (lambda a, b: a * b ** 2)(
        *m.meshgrid(x[0], x[1, :3]))),
    "meshgrid_ij": case(lambda m: lambda x: (lambda a, b: a * b ** 2)(
        *m.meshgrid(x[0], x[1, :3], indexing="ij"))),
    **{f"triu_{k}": case((lambda k: lambda m: lambda x: m.triu(x, k) ** 2)(k))
       for k in (-1, 0, 1)},
    **{f"tril_{k}": case((lambda k: lambda m: lambda x: m.tril(x, k) ** 2)(k))
       for k in (-1, 0, 2)},
    **{f"rot90_{k}": case((lambda k: lambda m: lambda x: m.rot90(x, k) ** 2)(k))
       for k in (1, 2, 3, -1)},
    "take_along_axis": case(lambda m: lambda x: m.take_along_axis(
        x, np.array([[2, 0, 0, 3]] * 3), axis=1) ** 2),
    "take_along_argsort": case(lambda m: lambda x: m.take_along_axis(
        x, m.argsort(x, axis=0), axis=0) * np.arange(12.0).reshape(3, 4), smooth=False),
    "vdot": case(lambda m: lambda x: m.vdot(x, x[::-1] ** 2)),
    "kron": case(lambda m: lambda x: m.kron(x[:2, :2], x[1:, 1:4])),
    "kron_vector": case(lambda m: lambda x: m.kron(x[0], x[1, :2] ** 2)),
    "cross": case(lambda m: lambda x: m.cross(x[:, :3], x[::-1, 1:])),
    "cross_axis0": case(lambda m: lambda x: m.cross(x, x[::-1] ** 2, axis=0)),
    "trapezoid": case(lambda m: lambda x: m.trapezoid(x ** 2)),
    "trapezoid_dx": case(lambda m: lambda x: m.trapezoid(x ** 2, dx=0.5, axis=0)),
    "trapezoid_x": case(lambda m: lambda x: m.trapezoid(x ** 2, x=np.array([0.0, 0.5, 1.5, 3.0]))),
    "ptp": case(lambda m: lambda x: m.ptp(x, axis=1), smooth=False),
    "ptp_all": case(lambda m: lambda x: m.ptp(x) * x, smooth=False),
    **{f"convolve_{mode}": case((lambda mode: lambda m: lambda x: m.convolve(
        x[0], x[1, :3], mode=mode))(mode), exact=False) for mode in ("full", "same", "valid")},
    **{f"convolve_{mode}_swapped": case((lambda mode: lambda m: lambda x: m.convolve(
        x[1, :2], x[0], mode=mode))(mode), exact=False) for mode in ("full", "same", "valid")},
    **{f"correlate_{mode}": case((lambda mode: lambda m: lambda x: m.correlate(
        x[0], x[1, :3], mode=mode))(mode), exact=False) for mode in ("full", "same", "valid")},
    **{f"correlate_{mode}_swapped": case((lambda mode: lambda m: lambda x: m.correlate(
        x[1, :2], x[0], mode=mode))(mode), exact=False) for mode in ("full", "same", "valid")},
    "polyval": case(lambda m: lambda x: m.polyval(x[0], x[1:])),
    "polyval_list": case(lambda m: lambda x: m.polyval([x[0, 0], 2.0, x[0, 1]], x)),
    "nan_to_num": case(lambda m: lambda x: m.nan_to_num(x ** 2)),
    **{f"{name}_{ax}": case((lambda name, ax: lambda m: lambda x: getattr(m, name)(
        x ** 2, axis=ax))(name, ax), smooth=name not in ("nanmax", "nanmin"))
       for name in ("nansum", "nanmean", "nanmax", "nanmin", "nanprod", "nanvar", "nanstd")
       for ax in (None, 0, 1)},
    "nanvar_ddof": case(lambda m: lambda x: m.nanvar(x, axis=1, ddof=1, keepdims=True)),
    "nancumsum": case(lambda m: lambda x: m.nancumsum(x ** 2, axis=1)),
    "nancumprod": case(lambda m: lambda x: m.nancumprod(x, axis=0)),
    **{f"quantile_{q}_{ax}": case((lambda q, ax: lambda m: lambda x: m.quantile(
        x, q, axis=ax))(q, ax), smooth=False)
       for q in (0.3, 0.5, 1.0, 0.0) for ax in (None, 0, 1)},
    "quantile_array_keepdims": case(lambda m: lambda x: m.quantile(
        x, np.array([0.1, 0.75]), axis=1, keepdims=True), smooth=False),
    "percentile": case(lambda m: lambda x: m.percentile(x, 30, axis=0), smooth=False),
    "percentile_array": case(lambda m: lambda x: m.percentile(x, np.array([10.0, 95.0])),
                             smooth=False),
    "cov": case(lambda m: lambda x: m.cov(x)),
    "cov_columns_bias": case(lambda m: lambda x: m.cov(x, rowvar=False, bias=True)),
    "cov_ddof_y": case(lambda m: lambda x: m.cov(x[0], x[1] ** 2, ddof=0)),
    "cov_one_variable": case(lambda m: lambda x: m.cov(x[0]) * m.cov(x[1])),
    "corrcoef": case(lambda m: lambda x: m.corrcoef(x)),
    "corrcoef_columns": case(lambda m: lambda x: m.corrcoef(x, rowvar=False)),
    "corrcoef_y": case(lambda m: lambda x: m.corrcoef(x[0], x[2])),
    "interp_x": case(lambda m: lambda x: m.interp(x, XP, FP), smooth=False),
    "interp_x_bounds": case(lambda m: lambda x: m.interp(x * 2.0, XP, FP, left=-1.0, right=5.0),
                            smooth=False),
    "interp_fp": case(lambda m: lambda x: m.interp(XQ, XP, x[0] ** 2)),
    "interp_both": case(lambda m: lambda x: m.interp(x[1:], XP, x[0]), smooth=False),
    "sinc": case(lambda m: lambda x: m.sinc(x)),
    "sinc_near_zero": case(lambda m: lambda x: m.sinc(x * 1e-4)),
}
JAX_REFUSES = {"polyval_list"}      # jnp.polyval takes no list of coefficients


def ours(f: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``f`` run by tapegrad on a traced value (its value, through a jvp)."""
    return lambda x: tg.jvp(f, (x,), (np.zeros_like(x),))[0]


def weights(shape: tuple[int, ...], dtype: Any = np.float64) -> np.ndarray:
    return np.random.default_rng(7).normal(size=shape).astype(dtype)


def loss(f: Callable[[Any], Any], w: np.ndarray, m: Any = tg) -> Callable[[Any], Any]:
    return lambda x: m.sum(f(x) * w)


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
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-14, atol=1e-14)


@pytest.mark.parametrize("name", CASES)
def test_values_are_numpys_through_dispatch_and_tg_names(name: str) -> None:
    make, x, _, exact = CASES[name]
    want = make(np)(x)
    close(ours(make(np))(x), want, exact)
    close(ours(make(tg))(x), want, exact)


@pytest.mark.parametrize("name", CASES)
def test_gradients_against_central_differences(name: str) -> None:
    make, x, _, _ = CASES[name]
    f = make(np)
    w = weights(np.shape(f(x)))
    g = tg.grad(loss(f, w))(x)
    num = numeric_grad(lambda v: float(np.sum(f(v) * w)), x)
    np.testing.assert_allclose(g, num, rtol=1e-6, atol=1e-7)
    _, t = tg.jvp(loss(f, w), (x,), (w.sum() * 0 + x[::-1, ::-1],))
    assert t == pytest.approx(float(np.sum(num * x[::-1, ::-1])), rel=1e-6, abs=1e-7)


@pytest.mark.parametrize("name", [n for n in CASES if CASES[n][2]])
def test_second_order_against_differences_of_the_gradient(name: str) -> None:
    make, x, _, _ = CASES[name]
    f = make(np)
    w = weights(np.shape(f(x)))
    v = weights(x.shape) * 0.5
    g = tg.grad(loss(f, w))
    hv = tg.grad(lambda y: tg.sum(g(y) * v))(x)
    num = numeric_grad(lambda y: float(np.sum(g(y) * v)), x, 1e-5)
    np.testing.assert_allclose(hv, num, rtol=1e-5, atol=1e-6)
    fwd = tg.jvp(g, (x,), (v,))[1]          # forward over reverse: the same H v
    np.testing.assert_allclose(fwd, hv, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", CASES)
def test_jit_grad_is_eager_grad_bit_for_bit(name: str) -> None:
    make, x, _, _ = CASES[name]
    f = make(np)
    w = weights(np.shape(f(x)))
    eager = tg.grad(loss(f, w))(x)
    jitted = tg.jit(tg.grad(loss(f, w)))
    same_bits(jitted(x), eager)
    y = x * 1.5 - 0.25                      # a second call replays the compiled program
    same_bits(jitted(y), tg.grad(loss(f, w))(y))
    same_bits(tg.jit(f)(y), ours(f)(y))


@pytest.mark.parametrize("name", CASES)
def test_vmap_is_a_python_loop(name: str) -> None:
    make, x, _, exact = CASES[name]
    f = make(np)
    batch = np.stack([x, x * 0.5 + 0.1, x[::-1, ::-1]])
    want = np.stack([np.asarray(f(b)) for b in batch])
    close(tg.vmap(f)(batch), want, exact)
    w = weights(np.shape(f(x)))
    grads = tg.vmap(tg.grad(loss(f, w)))(batch)
    close(grads, np.stack([tg.grad(loss(f, w))(b) for b in batch]), exact)


@pytest.mark.parametrize("name", CASES)
def test_float32_stays_float32(name: str) -> None:
    make, x, _, _ = CASES[name]
    f = make(np)
    x32 = x.astype(np.float32)
    want = f(x32)
    got = ours(f)(x32)
    assert np.asarray(got).dtype == np.asarray(want).dtype     # float32 unless NumPy promotes
    np.testing.assert_allclose(got, want, rtol=2e-6, atol=2e-6)
    w = weights(np.shape(want), np.float32)
    g = tg.grad(loss(f, w))(x32)
    if np.asarray(want).dtype == np.float32:
        assert g.dtype == np.float32
    np.testing.assert_allclose(g, tg.grad(loss(f, w.astype(float)))(x), rtol=2e-4, atol=2e-4)


@pytest.mark.parametrize("name", CASES)
def test_against_jax_values_and_gradients(name: str) -> None:
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    jnp = pytest.importorskip("jax.numpy")
    if name in JAX_REFUSES:
        pytest.skip("JAX refuses this spelling")
    make, x, _, _ = CASES[name]
    f = make(np)
    w = weights(np.shape(f(x)))
    np.testing.assert_allclose(np.asarray(make(jnp)(x)), ours(f)(x), rtol=1e-13, atol=1e-13)
    want = jax.grad(lambda v: jnp.sum(make(jnp)(v) * w))(x)
    np.testing.assert_allclose(tg.grad(loss(f, w))(x), np.asarray(want), rtol=1e-12,
                               atol=1e-12)


def test_sinc_has_every_derivative_at_zero():
    d = tg.sinc
    closed = [1.0, 0.0, -np.pi ** 2 / 3, 0.0, np.pi ** 4 / 5, 0.0, -np.pi ** 6 / 7]
    for k, want in enumerate(closed):
        assert d(0.0) == pytest.approx(want, rel=1e-13, abs=1e-13), k
        assert tg.jit(d)(0.0) == pytest.approx(want, rel=1e-13, abs=1e-13), k
        d = tg.grad(d)
    fwd = tg.jvp(lambda x: tg.jvp(tg.sinc, (x,), (1.0,))[1], (0.0,), (1.0,))[1]
    assert fwd == pytest.approx(-np.pi ** 2 / 3, rel=1e-14)
    x = np.array([0.0, 1e-5, -1e-3, 0.999e-3, 0.5, 2.0])
    g2 = tg.vmap(tg.grad(tg.grad(tg.sinc)))(x)
    near = -np.pi ** 2 / 3 + np.pi ** 4 / 10 * x ** 2       # the series, two terms
    np.testing.assert_allclose(g2[:4], near[:4], rtol=1e-9)
    h = 1e-4
    num = (np.sinc(x[4:] + h) - 2 * np.sinc(x[4:]) + np.sinc(x[4:] - h)) / h ** 2
    np.testing.assert_allclose(g2[4:], num, rtol=1e-6)
    d = tg.sinc                      # the series and the closed form agree where they meet
    for _ in range(4):
        d = tg.grad(d)
        for edge in (0.5, -0.5):
            assert d(edge - 1e-13) == pytest.approx(d(edge + 1e-13), rel=1e-11)


def test_interp_derivatives_are_the_slopes_and_the_weights():
    slopes = np.diff(FP) / np.diff(XP)
    x = np.array([-2.0, -1.5, -0.7, 0.4, 0.9, 1.1, 2.5])      # knots take the right slope
    want = [0.0, slopes[0], slopes[0], slopes[2], slopes[2], slopes[2], 0.0]
    np.testing.assert_allclose(tg.vmap(tg.grad(lambda v: np.interp(v, XP, FP)))(x), want)
    assert tg.grad(lambda v: np.interp(v, XP, FP))(0.9) == pytest.approx(slopes[2])
    wts = tg.jacobian(lambda fp: np.interp(x, XP, fp))(FP)
    np.testing.assert_allclose(wts @ FP, np.interp(x, XP, FP), rtol=1e-14)
    np.testing.assert_allclose(wts.sum(axis=1), 1.0)
    mixed = tg.jacobian(tg.grad(lambda v, fp: np.interp(v, XP, fp)), argnums=1)(0.0, FP)
    np.testing.assert_allclose(mixed, [0.0, -1 / 0.6, 1 / 0.6, 0.0])
    periodic = lambda v: np.interp(v, XP, FP, period=2.0)  # noqa: E731  (NumPy's wrapping)
    assert tg.jit(periodic)(0.7) == periodic(0.7)
    assert tg.grad(periodic)(0.7) == pytest.approx(fd(periodic, 0.7))


# ------------------------------------------- HIPS autograd's tests/test_numpy.py
def test_autograd_rot90_split_triu_tril():
    rng = np.random.default_rng(1)
    mat = rng.normal(size=(10, 11))
    tg.check_grads(lambda x: np.rot90(x), (mat,), order=2)
    tg.check_grads(lambda x: np.split(x, 2)[0], (rng.normal(size=10),), order=2)
    sq = rng.normal(size=(5, 5))
    tg.check_grads(lambda x: np.triu(x, k=2), (sq,), order=2)
    tg.check_grads(lambda x: np.tril(x, k=2), (sq,), order=2)


def test_autograd_simple_append_list_and_array():
    for a in ([1.0, 2.0, 3.0], np.array([1.0, 2.0, 3.0])):
        got = tg.jacobian(lambda a, b: np.append(a, b), argnums=(0, 1))(a, 4.0)
        da = np.stack(got[0], axis=1) if isinstance(got[0], list) else got[0]
        np.testing.assert_array_equal(da, np.eye(4, 3))
        np.testing.assert_array_equal(got[1], [0.0, 0.0, 0.0, 1.0])
        tg.check_grads(lambda a, b: np.append(a, b), (a, 4.0), order=2)


def test_autograd_nan_to_num():
    y = np.array([0.0, np.nan, np.inf, -np.inf])
    fun = lambda x: tg.sum(np.sin(np.nan_to_num(x + y)))      # noqa: E731
    x = np.random.default_rng(2).normal(size=4)
    g = tg.grad(fun)(x)
    np.testing.assert_allclose(g, [np.cos(x[0]), 0.0, 0.0, 0.0])
    tg.check_grads(fun, (x,), order=2)
