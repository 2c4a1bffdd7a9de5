"""JAX's ``tests/lax_numpy_reducers_test.py`` families, ported to NumPy calls on traced values.

``testReducerInitial`` and ``testReducerWhere`` (``JAX_REDUCER_INITIAL_RECORDS``:
sum, prod, max, min and the NaN-skipping nansum, nanprod, nanmax, nanmin
with ``initial=`` and a ``where=`` mask of every shape that broadcasts),
``testReducerWhereNoInitial`` (all, any, mean, var, std, nanmean, nanvar,
nanstd), ``testReducerWithMean`` (var and std about a given ``mean=``),
``testStdOrVar`` and ``testNanVar`` (``dtype=``, ``ddof``, ``correction``),
``testNanStdGrad`` and ``testCov`` (``rowvar``, ``bias``, ``ddof``, the
weights, NumPy 2.2's transposing of ``rowvar=False``, empty inputs). Each
case is NumPy's value, dtype and type under ``jit`` and ``vmap`` (against
a loop), and float inputs are differentiated: ``grad`` and ``jvp`` against
central differences, ``jit(grad)`` and ``vmap(grad)`` against eager
(``port8_check.check``).
"""

from __future__ import annotations

import itertools
import warnings
import zlib

import numpy as np
import pytest
from conftest import fd
from port8_check import check, same

import tapegrad as tg

SHAPES = [(), (4,), (3, 4), (3, 1), (2, 1, 4), (0,), (0, 4), (3, 0)]


def sample(name: str, shape: tuple[int, ...], dtype: type, nans: bool = False) -> np.ndarray:
    """JAX's samplers: small positive numbers for products, some NaN for the nan functions."""
    rng = np.random.default_rng(zlib.crc32(repr((name, shape, dtype)).encode()))
    x = rng.uniform(0.6, 1.4, shape) if "prod" in name else rng.uniform(-2.0, 2.0, shape)
    if dtype is np.bool_:
        return np.asarray(x > 0.3)
    if np.dtype(dtype).kind == "i":
        return np.asarray(np.round(x * 3)).astype(dtype)
    if nans and x.size > 1:     # a 0-d NaN: NumPy's nanmax of a scalar and a 0-d array differ
        x.flat[::3] = np.nan
    return np.asarray(x).astype(dtype)


def every(f, x, grad: bool = True, rtol: float = 1e-6) -> None:
    """NumPy's ``f(x)`` (computed here on the plain array), under every transform."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        want = f(x)
        # a slice masked out whole is NaN (0/0): no difference quotient there
        grad = grad and np.asarray(x).dtype.kind == "f" and bool(np.all(np.isfinite(want)))
        check(f, x, expected=want, grad=grad, rtol=rtol)
        if grad:
            t = np.cos(np.arange(x.size) + 0.5).reshape(x.shape).astype(x.dtype)
            y, dy = tg.jvp(f, (x,), (t,))
            assert same(y, want)
            x64 = x.astype(np.float64)              # the difference quotient in float64
            num = (f(x64 + 1e-6 * t) - f(x64 - 1e-6 * t)) / 2e-6
            tol = rtol if x.dtype == np.float64 else max(rtol, 1e-5)
            np.testing.assert_allclose(dy, num, rtol=tol, atol=tol)


def axes(shape: tuple[int, ...]) -> list[int | None]:
    return [None, *range(-len(shape), len(shape))]


def where_shapes(shape: tuple[int, ...]) -> list[tuple[int, ...]]:
    """JAX's ``_compatible_shapes``: every trailing part of the shape."""
    return [shape[n:] for n in range(len(shape) + 1)]


def mask(shape: tuple[int, ...], salt: int) -> np.ndarray:
    return np.random.default_rng(salt).uniform(size=shape) > 0.4


INITIAL = [("sum", [np.float64, np.float32, np.int32, np.bool_]),
           ("prod", [np.float64, np.float32, np.int32, np.bool_]),
           ("max", [np.float64, np.float32, np.int32, np.bool_]),
           ("min", [np.float64, np.float32, np.int32, np.bool_]),
           ("nansum", [np.float64, np.float32]), ("nanprod", [np.float64, np.float32]),
           ("nanmax", [np.float64, np.float32]), ("nanmin", [np.float64, np.float32])]
INITIAL_CASES = [(n, d) for n, ds in INITIAL for d in ds]


def _initial_cases(name: str):
    """(shape, axis, keepdims, initial) of JAX's test, the keepdims and initial alternating."""
    for k, (shape, axis) in enumerate((s, a) for s in SHAPES for a in axes(s)):
        yield shape, axis, k % 2 == 1, (0, 1)[(k // 2) % 2]


@pytest.mark.parametrize("name, dtype", INITIAL_CASES,
                         ids=[f"{n}-{d.__name__}" for n, d in INITIAL_CASES])
def test_reducer_initial(name, dtype):
    fn = getattr(np, name)
    for shape, axis, keepdims, initial in _initial_cases(name):
        x = sample(name, shape, dtype, nans=name.startswith("nan"))
        every(lambda v: fn(v, axis, keepdims=keepdims, initial=initial), x)


@pytest.mark.parametrize("name, dtype", INITIAL_CASES,
                         ids=[f"{n}-{d.__name__}" for n, d in INITIAL_CASES])
def test_reducer_where(name, dtype):
    fn = getattr(np, name)
    for k, (shape, axis, keepdims, initial) in enumerate(_initial_cases(name)):
        x = sample(name, shape, dtype, nans=name.startswith("nan"))
        w = mask(where_shapes(shape)[k % (len(shape) + 1)], k)
        every(lambda v: fn(v, axis, keepdims=keepdims, initial=initial, where=w), x)


NO_INITIAL = ["all", "any", "mean", "var", "std", "nanmean", "nanvar", "nanstd"]


@pytest.mark.parametrize("name", NO_INITIAL)
def test_reducer_where_no_initial(name):
    fn = getattr(np, name)
    dtypes = [np.bool_] if name in ("all", "any") else [np.float64, np.float32]
    shapes = [s for s in SHAPES if 0 not in s]        # JAX's nonempty shapes
    for dtype, shape in itertools.product(dtypes, shapes):
        for k, (axis, keepdims) in enumerate(itertools.product(axes(shape), (False, True))):
            x = sample(name, shape, dtype, nans=name.startswith("nan"))
            for ws in where_shapes(shape):
                w = mask(ws, k)
                f = lambda v, w=w: fn(v, axis, keepdims=keepdims, where=w)  # noqa: E731
                with np.errstate(all="ignore"):     # sqrt's kink where one element is left
                    every(f, x, grad="std" not in name or bool(np.all(f(x) > 0)))


@pytest.mark.parametrize("name", ["nanmax", "nanmin"])
def test_nan_extremes_take_a_mask_only_with_initial(name):
    x = sample(name, (3, 4), np.float64, nans=True)
    with pytest.raises(ValueError, match="initial"):
        getattr(np, name)(x, where=mask((3, 4), 1))
    with pytest.raises(ValueError, match="initial"):
        tg.jit(lambda v: getattr(np, name)(v, where=mask((3, 4), 1)))(x)


@pytest.mark.parametrize("name", ["nanmax", "nanmin", "nansum", "nanprod"])
def test_an_all_nan_or_masked_slice_is_the_initial_value(name):
    x = np.array([[np.nan, np.nan, np.nan], [1.5, np.nan, 0.5]])
    w = np.array([[True, True, True], [False, False, False]])
    fn = getattr(np, name)
    for f in (lambda v: fn(v, axis=1, initial=0.25), lambda v: fn(v, axis=1, initial=0.25, where=w),
              lambda v: fn(v, axis=1, initial=0.25, where=~w)):
        every(f, x)
    assert float(tg.jit(lambda v: fn(v, axis=1, initial=0.25, where=~w))(x)[0]) == 0.25


MEAN_CASES = [((5,), None), ((5,), 0), ((5,), -1), ((10, 5), None), ((10, 5), 0), ((10, 5), 1),
              ((10, 5), -1), ((10, 5), (0, 1)), ((5, 4, 3), (0, 2)), ((5, 4, 3), (1, -1))]


@pytest.mark.parametrize("name", ["var", "std", "nanvar", "nanstd"])
@pytest.mark.parametrize("shape, axis", MEAN_CASES, ids=str)
def test_reducer_with_mean(name, shape, axis):
    fn = getattr(np, name)
    x = sample(name, shape, np.float64, nans=name.startswith("nan"))
    mean_shape = np.mean(np.zeros(shape), axis=axis, keepdims=True).shape
    m = np.random.default_rng(3).uniform(-0.5, 0.5, mean_shape)
    for ddof, keepdims in itertools.product((0, 1), (False, True)):
        every(lambda v: fn(v, axis=axis, ddof=ddof, keepdims=keepdims, mean=m), x)
        if not name.startswith("nan"):      # NumPy hands nanvar to tapegrad only for ``a``
            every(lambda mu: fn(x, axis=axis, ddof=ddof, keepdims=keepdims, mean=mu), m)
    xi = np.round(x * 3).astype(np.int32) if not name.startswith("nan") else None
    if xi is not None:
        every(lambda v: fn(v, axis=axis, ddof=1, mean=m), xi)


DDOF_CORRECTION = [(0, None), (1, None), (1, 0), (0, 0), (0, 1), (0, 2)]


@pytest.mark.parametrize("name", ["var", "std", "nanvar", "nanstd"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int32], ids=lambda d: d.__name__)
def test_std_or_var_with_dtype_ddof_and_correction(name, dtype):
    fn = getattr(np, name)
    for shape, axis, out_dtype in itertools.product(
            [(5,), (10, 5)], [None, 0, -1], [None, np.float32, np.float64]):
        x = sample(name, shape, dtype, nans=name.startswith("nan") and dtype != np.int32)
        for i, (ddof, correction) in enumerate(DDOF_CORRECTION):
            keepdims = i % 2 == 1       # both at every shape, axis and dtype: shape apart from ddof
            kw = {"ddof": ddof} if correction is None else {"ddof": ddof, "correction": correction}
            f = lambda v, kw=kw: fn(v, axis=axis, dtype=out_dtype, keepdims=keepdims, **kw)  # noqa: E731
            if correction is not None and ddof != 0:
                with pytest.raises(ValueError, match="ddof and correction"):
                    f(x)
                with pytest.raises(ValueError, match="ddof and correction"):
                    tg.jit(f)(x)
                continue
            every(f, x, grad=out_dtype != np.float32, rtol=1e-6 if dtype == np.float64 else 1e-5)


@pytest.mark.parametrize("name", ["nanvar", "nanstd"])
def test_nanvar_with_no_degree_of_freedom_left_is_nan(name):
    x = np.array([[1.0, np.nan, 3.0], [np.nan, 2.0, np.nan], [np.nan] * 3])
    for ddof in (0, 1, 2, 3):
        every(lambda v: getattr(np, name)(v, axis=1, ddof=ddof), x, grad=False)
        every(lambda v: getattr(np, name)(v, ddof=ddof + 3), x, grad=False)
    assert np.isnan(tg.jit(lambda v: np.nanvar(v, ddof=2))(np.array([1.0, 2.0, np.nan])))
    g = tg.grad(lambda v: np.sum(np.nanvar(v, axis=1, ddof=1)))(x)
    np.testing.assert_array_equal(g[1:], 0.0)           # the NaN rows contribute nothing
    np.testing.assert_allclose(g[0], [-2.0, 0.0, 2.0])  # d/dx of (x0 - x2)^2 / 2


def test_nanvar_and_nanstd_gradients_skip_the_nan():
    x = np.arange(5.0)
    x[0] = np.nan
    np.testing.assert_allclose(tg.grad(np.nanvar)(x), [0.0, -0.75, -0.25, 0.25, 0.75])
    assert not np.isnan(tg.grad(np.nanstd)(x)).any()
    assert same(tg.jit(tg.grad(np.nanstd))(x), tg.grad(np.nanstd)(x))
    g = tg.grad(np.nanstd)(x)
    np.testing.assert_allclose(g[1:], fd(lambda v: np.nanstd(np.concatenate([[np.nan], v])),
                                         x[1:]), rtol=1e-7)


def _cov_cases():
    rng = np.random.default_rng(5)
    for shape, rowvar, bias, ddof in itertools.product(
            [(5,), (3, 5), (5, 3)], (True, False), (True, False), (None, 2, 3)):
        wshape = shape[-1:] if rowvar or len(shape) == 1 else shape[:1]
        fw, aw = rng.integers(1, 4, wshape), rng.uniform(0.5, 2.0, wshape)
        yield shape, dict(rowvar=rowvar, bias=bias, ddof=ddof), fw, aw


@pytest.mark.parametrize("shape, kw, fw, aw", list(_cov_cases()),
                         ids=lambda v: str(v) if not isinstance(v, np.ndarray) else "w")
def test_cov(shape, kw, fw, aw):
    x = sample("cov", shape, np.float64)
    n = shape[-1] if kw["rowvar"] or len(shape) == 1 else shape[0]
    spread = n - (kw["ddof"] if kw["ddof"] is not None else 1 - kw["bias"])
    every(lambda v: np.cov(v, **kw), x, grad=spread > 0)
    every(lambda v: np.cov(v, fweights=fw, aweights=aw, **kw), x)
    every(lambda a: np.cov(x, fweights=fw, aweights=a, **kw), aw)
    every(lambda v: np.cov(v, v[::-1] * 0.5 + 1.0, **kw), x, grad=spread > 0)


@pytest.mark.parametrize("shape", [(1, 3), (3, 1)])
@pytest.mark.parametrize("rowvar", [True, False])
def test_cov_transposes_as_numpy_2_2(shape, rowvar):
    x = sample("covT", shape, np.float64)
    every(lambda v: np.cov(v, rowvar=rowvar, ddof=0), x)
    every(lambda v: np.corrcoef(v, rowvar=rowvar) if (shape[0] == 1) == rowvar
          else np.cov(v, rowvar=rowvar, ddof=0), x)


@pytest.mark.parametrize("shape", [(0,), (3, 0), (0, 5)])
@pytest.mark.parametrize("rowvar", [True, False])
def test_empty_cov(shape, rowvar):
    every(lambda v: np.cov(v, rowvar=rowvar), np.zeros(shape), grad=False)


def test_cov_of_one_variable_is_a_0d_array():
    x = sample("cov1", (6,), np.float64)
    for f in (np.cov, lambda v: np.cov(v, aweights=np.arange(1.0, 7.0)),
              lambda v: np.cov(v[None, :]), lambda v: np.cov(v[:, None], rowvar=False)):
        assert type(tg.jit(f)(x)) is np.ndarray and tg.jit(f)(x).shape == ()
        every(f, x)
    assert type(tg.cov(x)) is np.ndarray and float(tg.cov(x)) == float(np.cov(x))


ALL_DTYPES = [np.float64, np.float32, np.int32, np.int64, np.uint8, np.bool_]


@pytest.mark.parametrize("name", ["mean", "prod", "sum", "nanmean", "nanprod", "nansum"])
@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=lambda d: d.__name__)
def test_reducer_out_dtype(name, dtype):
    """JAX's ``testReducer``: ``dtype=`` of every kind, NaNs replaced before an integer cast."""
    fn = getattr(np, name)
    outs = [None, np.float64, np.float32] if "mean" in name else [None, *ALL_DTYPES]
    for out, (shape, axis) in itertools.product(outs, [((3, 4), 0), ((3, 4), None), ((), None),
                                                       ((0, 3), 1)]):
        x = sample(name, shape, dtype, nans=name.startswith("nan") and dtype in (np.float64,
                                                                                   np.float32))
        every(lambda v: fn(v, axis, dtype=out, keepdims=shape == (3, 4)), x, grad=False)


@pytest.mark.parametrize("name", ["all", "any", "max", "min", "var", "std", "nanmax", "nanmin",
                                  "nanvar", "nanstd", "ptp"])
@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=lambda d: d.__name__)
def test_reducer_no_dtype(name, dtype):
    """JAX's ``testReducerNoDtype``: every dtype (NumPy refuses ptp of booleans)."""
    if name == "ptp" and dtype is np.bool_:
        return
    fn = getattr(np, name)
    for shape, axis in [((3, 4), 0), ((3, 4), None), ((), None), ((3, 4), -1), ((2, 1, 4), 1)]:
        x = sample(name, shape, dtype, nans=name.startswith("nan") and dtype in (np.float64,
                                                                                   np.float32))
        every(lambda v: fn(v, axis, keepdims=len(shape) == 2), x, grad=False)


TRACED_MASKS = {
    "nanmax": lambda v: np.nanmax(v, axis=1, initial=-1.0, where=v < 1.0),
    "nanmin": lambda v: np.nanmin(v, initial=0.0, where=v > 0),
    "nanprod": lambda v: np.nanprod(v, axis=0, where=v > -1.0),
    "nansum": lambda v: np.nansum(v, axis=1, initial=0.5, where=np.abs(v) < 1.5),
    "nanvar": lambda v: np.nanvar(v, axis=1, where=v > -1.5, ddof=1),
    "var": lambda v: np.var(v, 1, where=np.abs(v) < 1.5, dtype=np.float64),
}


@pytest.mark.parametrize("name", list(TRACED_MASKS))
def test_a_mask_computed_from_the_traced_values(name):
    x = np.array([[0.5, np.nan, -1.2, 2.0], [np.nan, 0.3, 0.9, -0.4], [1.1, -2.0, np.nan, 0.7]])
    every(TRACED_MASKS[name], x if name != "var" else np.nan_to_num(x, nan=0.25))
