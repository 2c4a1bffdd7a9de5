"""JAX's lax_numpy families (reducers, operators, elementwise) on traced NumPy values.

JAX's ``tests/lax_numpy_test.py``, ``lax_numpy_reducers_test.py`` and
``lax_numpy_operators_test.py`` run each ``jnp`` function over dtypes,
shapes (0-d, empty, size 1, broadcasting pairs), axes and ``keepdims``, and
check it against NumPy and under ``jit``. Here each NumPy function runs on
traced values and must give NumPy's value, dtype and shape: eagerly (inside
``tg.jvp``), under ``tg.jit`` (the tracing call and the compiled one) and
under ``tg.vmap`` (against a Python loop). Where NumPy raises, tapegrad
raises too; where tapegrad refuses what NumPy computes, the refusal is
listed and its message checked. Float inputs are differentiated: ``grad``
and ``jvp`` against central differences, ``jit(grad)``, ``grad(jit)``,
``jit(jvp)`` and ``vmap(grad)`` against eager ``grad`` and the loop.
"""

from __future__ import annotations

import operator as op
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tapegrad as tg

DTYPES = [np.float64, np.float32, np.int64, np.int32, np.bool_]
SHAPES = [(), (0,), (1,), (3,), (2, 3), (2, 1, 3)]
R = np.random.default_rng(0)


@pytest.fixture(autouse=True)
def _seed() -> None:
    global R
    R = np.random.default_rng(0)


def sample(shape: tuple[int, ...], dtype: Any, lo: float = -2.0, hi: float = 2.0) -> Any:
    x = R.uniform(lo, hi, size=shape)
    if dtype == np.bool_:
        return np.asarray(x > (lo + hi) / 2)
    if np.dtype(dtype).kind == "i":
        return np.asarray(np.round(x * 2)).astype(dtype)
    return np.asarray(x).astype(dtype)


def outcome(f: Callable[..., Any], *args: Any) -> tuple[Any, BaseException | None]:
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            return f(*args), None
        except Exception as e:  # noqa: BLE001  (NumPy's and tapegrad's errors alike)
            return None, e


def assert_same(got: Any, want: Any, where: str) -> None:
    """NumPy's value, dtype and shape (nan equal to nan); tuples and lists item by item."""
    if isinstance(want, tuple | list):
        assert isinstance(got, tuple | list) and len(got) == len(want), where
        for g, w in zip(got, want):
            assert_same(g, w, where)
        return
    g, w = np.asarray(got), np.asarray(want)
    assert (g.dtype, g.shape) == (w.dtype, w.shape), \
        f"{where}: {g.dtype}{g.shape}, NumPy's is {w.dtype}{w.shape}"
    np.testing.assert_array_equal(g, w, err_msg=where)


def _stack(outs: list[Any]) -> Any:
    if isinstance(outs[0], tuple | list):
        return type(outs[0])(_stack([o[i] for o in outs]) for i in range(len(outs[0])))
    return np.stack(outs)


def numpy_semantics(f: Callable[..., Any], *args: Any, refused: Any = None) -> None:
    """``f`` on traced ``args`` is NumPy's ``f``: eager, jit (twice) and vmap against a loop.

    ``refused``: ``(error type, pattern)`` where tapegrad refuses what NumPy computes.
    """
    want, err = outcome(f, *args)
    jf = tg.jit(f)
    runs = [("jit (tracing)", lambda: jf(*args)), ("jit (compiled)", lambda: jf(*args))]
    if all(np.asarray(a).dtype.kind == "f" for a in args):
        ones = tuple(np.ones_like(a) for a in args)
        runs.insert(0, ("eager", lambda: tg.jvp(f, args, ones)[0]))
    batch = [np.stack([a, np.flip(a)]) for a in args]
    runs.append(("vmap", lambda: tg.vmap(f)(*batch)))
    for name, run in runs:
        got, gerr = outcome(run)
        if refused is not None:
            assert isinstance(gerr, refused[0]), f"{name}: expected a refusal, got {got!r}"
            assert gerr is not None and refused[1] in str(gerr), f"{name}: {gerr}"
        elif err is not None:
            assert gerr is not None, f"{name}: NumPy raises {err!r}, tapegrad gives {got!r}"
        else:
            assert gerr is None, f"{name}: tapegrad raises {gerr!r}, NumPy gives {want!r}"
            if name == "vmap":           # the loop over the batch (0-d examples: NumPy scalars)
                want = _stack([outcome(f, *(b[i] for b in batch))[0] for i in range(2)])
            assert_same(got, want, name)


def _weighted(f: Callable[..., Any]) -> Callable[..., Any]:
    def scalar(*xs: Any) -> Any:
        ys = f(*xs)
        total = 0.0
        for k, y in enumerate(ys if isinstance(ys, tuple | list) else (ys,)):
            total = total + np.sum(y * np.cos(np.arange(np.size(y)) + 1.0 + k).reshape(np.shape(y)))
        return total
    return scalar


def derivatives(f: Callable[..., Any], *args: Any, tol: float = 1e-6,
                vmap_bits: bool = True) -> None:
    """grad and jvp against central differences; jit(grad), grad(jit), jit(jvp), vmap(grad).

    ``vmap_bits=False``: vmap(grad) equals the loop within an ulp (VMAP_ULPS below).
    """
    args = tuple(np.asarray(a, np.float64) for a in args)
    s, argnums, eps = _weighted(f), tuple(range(len(args))), 1e-6
    g = tg.grad(s, argnums)(*args)
    for i, a in enumerate(args):
        num = np.zeros_like(a)
        for idx in np.ndindex(a.shape):
            e = np.zeros_like(a)
            e[idx] = eps
            hi, lo = list(args), list(args)
            hi[i], lo[i] = a + e, a - e
            num[idx] = (s(*hi) - s(*lo)) / (2 * eps)
        np.testing.assert_allclose(g[i], num, rtol=tol, atol=tol, err_msg=f"grad[{i}]")
    ts = tuple(np.sin(np.arange(a.size) + 0.5 + i).reshape(a.shape) for i, a in enumerate(args))
    y, dy = tg.jvp(f, args, ts)
    num = _num_jvp(f, args, ts, eps)
    for d, n in zip(dy if isinstance(dy, tuple | list) else (dy,), num):
        np.testing.assert_allclose(d, n, rtol=tol, atol=tol, err_msg="jvp")
    assert_same(tg.jit(tg.grad(s, argnums))(*args), g, "jit(grad)")
    assert_same(tg.grad(tg.jit(s), argnums)(*args), g, "grad(jit)")
    assert_same(tg.jit(lambda *a: tg.jvp(f, a, ts))(*args), (y, dy), "jit(jvp)")
    flipped = tuple(np.array(np.flip(a)) * 0.9 + 0.05 for a in args)
    batch = tuple(np.stack([a, b]) for a, b in zip(args, flipped))
    loop = _stack([tg.grad(s, argnums)(*args), tg.grad(s, argnums)(*flipped)])
    got = tg.vmap(tg.grad(s, argnums))(*batch)
    if vmap_bits:
        assert_same(got, loop, "vmap(grad)")
    else:
        for g_, w_ in zip(got, loop):
            np.testing.assert_allclose(g_, w_, rtol=1e-15, atol=1e-15, err_msg="vmap(grad)")


def _num_jvp(f: Callable[..., Any], args: Any, ts: Any, eps: float) -> list[Any]:
    with np.errstate(all="ignore"):
        hi = f(*(a + eps * t for a, t in zip(args, ts)))
        lo = f(*(a - eps * t for a, t in zip(args, ts)))
    pairs = zip(hi, lo) if isinstance(hi, tuple | list) else [(hi, lo)]
    return [(np.asarray(h) - np.asarray(lw)) / (2 * eps) for h, lw in pairs]


def _axes(ndim: int, tuples: bool = True) -> list[Any]:
    """None, the first and last axis (negative too), and both as a tuple."""
    axes: list[Any] = [None, *sorted({0, ndim - 1, -1})] if ndim else [None]
    return axes + [(0, ndim - 1)] if tuples and ndim >= 2 else axes


# -------------------------------------------------- reducers (lax_numpy_reducers_test)
REDUCERS = ["sum", "prod", "mean", "max", "min", "var", "std", "all", "any", "argmax",
            "argmin", "ptp", "count_nonzero", "nansum", "nanprod", "nanmean", "nanmax",
            "nanmin", "nanvar", "nanstd", "median", "nanmedian"]
NO_TUPLE = {"argmax", "argmin"}


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("name", REDUCERS)
def test_reducers_over_every_axis_and_keepdims_are_numpys(name, dtype):
    fn = getattr(np, name)
    for shape in [(), (0,), (1,), (2, 1, 3), (2, 0)]:
        x = sample(shape, dtype, 0.5, 1.5) if "prod" in name else sample(shape, dtype)
        for axis in _axes(len(shape), name not in NO_TUPLE):
            for keepdims in (False, True):
                f = lambda v, a=axis, k=keepdims: fn(v, axis=a, keepdims=k)  # noqa: E731
                numpy_semantics(f, x)       # a median of nothing too: NumPy's nan


@pytest.mark.parametrize("name", ["sum", "prod", "mean", "max", "min", "var", "std", "ptp",
                                  "nansum", "nanprod", "nanmean", "nanmax", "nanvar",
                                  "median", "nanmedian", "cumsum", "cumprod", "sort"])
@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (2, 1, 3)], ids=str)
def test_reducer_derivatives_in_every_transform(name, shape):
    fn = getattr(np, name)
    x = sample(shape, np.float64, 0.5, 1.5)
    scans = name in ("cumsum", "cumprod", "sort")
    for axis in _axes(len(shape), not scans):
        spread = x.size if axis is None else min(shape[a] for a in np.atleast_1d(axis))
        if (scans and axis is None and name == "sort") or ("std" in name and spread < 2):
            continue            # sort flattens only by name; sqrt's kink at a zero spread
        for keepdims in [False] if scans else [False, True]:
            kw = {} if scans else {"keepdims": keepdims}
            derivatives(lambda v, a=axis, k=kw: fn(v, axis=a, **k), x)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("name", ["cumsum", "cumprod", "nancumsum", "nancumprod", "sort",
                                  "argsort", "cumulative_sum", "cumulative_prod"])
def test_scans_and_sorts_along_every_axis_are_numpys(name, dtype):
    fn = getattr(np, name)
    for shape in [(), (0,), (3,), (2, 1, 3)]:
        x = sample(shape, dtype)
        for axis in _axes(len(shape), tuples=False):
            if axis is None and name.startswith("cumulative") and len(shape) != 1:
                continue        # NumPy wants an axis for more than one
            numpy_semantics(lambda v, a=axis: fn(v, axis=a), x)


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int32, np.bool_],
                         ids=lambda d: d.__name__)
@pytest.mark.parametrize("name", ["sum", "prod"])
def test_a_reduction_over_no_axis_widens_small_integers_as_numpy(name, dtype):
    for x in (sample((), dtype), sample((3,), dtype)):
        numpy_semantics(lambda v: getattr(np, name)(v, axis=()), x)
        numpy_semantics(lambda v: getattr(np, name)(v), x)


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.bool_], ids=lambda d: d.__name__)
@pytest.mark.parametrize("name", ["median", "nanmedian"])
def test_median_of_a_0d_integer_is_numpys_float(name, dtype):
    numpy_semantics(getattr(np, name), sample((), dtype))
    numpy_semantics(lambda v: getattr(np, name)(v, axis=0), sample((), dtype))   # AxisError


def test_nanmedian_over_a_zero_length_axis_keeps_the_empty_result():
    numpy_semantics(lambda v: np.nanmedian(v, axis=0), np.zeros((2, 0)))


@pytest.mark.parametrize("name", ["nansum", "nanprod", "nanmax", "nanmin", "nancumsum",
                                  "nancumprod", "nan_to_num"])
def test_nan_functions_of_a_0d_bool_under_vmap_stay_numpys_integers(name):
    numpy_semantics(getattr(np, name), np.array(True))


# ------------------------------------------------ elementwise (lax_numpy_test's ufuncs)
UNARY = {n: (-2.0, 2.0) for n in [
    "absolute", "arctan", "arcsinh", "cbrt", "ceil", "cos", "cosh", "deg2rad", "degrees",
    "exp", "exp2", "expm1", "fabs", "fix", "floor", "invert", "isfinite", "isinf", "isnan",
    "logical_not", "negative", "positive", "rad2deg", "radians", "real", "imag", "rint",
    "round", "sign", "signbit", "sin", "sinc", "sinh", "spacing", "square", "tan", "tanh",
    "trunc", "nan_to_num", "conjugate", "i0", "angle", "real_if_close"]}
UNARY.update({n: (0.2, 3.0) for n in ["log", "log10", "log1p", "log2", "sqrt", "reciprocal"]})
UNARY.update({"arccos": (-0.9, 0.9), "arcsin": (-0.9, 0.9), "arctanh": (-0.9, 0.9),
              "arccosh": (1.1, 3.0)})
STEPS = {"ceil", "fix", "floor", "rint", "round", "sign", "trunc", "spacing", "isfinite", "isinf",
         "isnan", "signbit", "logical_not", "invert", "imag", "angle"}


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_functions_on_every_shape_and_dtype_are_numpys(name, dtype):
    for shape in [(), (0,), (3,), (2, 1, 3)]:
        numpy_semantics(getattr(np, name), sample(shape, dtype, *UNARY[name]))


# vmap(grad) against the loop within an ulp, not bit for bit: the derivative of a
# float example runs Python's math, the batch NumPy's
VMAP_ULPS = {"i0"}
# vmap against a loop of NumPy's own function within an ulp: tapegrad's convolve is a
# product of the sliding windows, NumPy's a dot per window (a loop of tapegrad's own
# convolve, and of its gradient, is equal bit for bit)
NUMPY_ULPS = {"convolve", "correlate"}


@pytest.mark.parametrize("name", sorted(set(UNARY) - STEPS - {"absolute", "fabs"}))
def test_unary_derivatives_in_every_transform(name):
    for shape in [(), (3,), (2, 1, 3)]:
        derivatives(getattr(np, name), sample(shape, np.float64, *UNARY[name]),
                    vmap_bits=name not in VMAP_ULPS)


def test_vmap_of_grad_of_cosh_over_floats_is_the_loop_bit_for_bit():
    # vmap(grad(np.cosh)) of floats ran NumPy's sinh on the batch, the loop's grad
    # math.sinh, an ulp apart: sinh and cosh are batched per number, as pow
    xs = np.linspace(0.3, 1.9, 9)
    for f in (np.cosh, np.sinh, lambda x: tg.cosh(x) * tg.sinh(2.0 * x)):
        for h in (f, tg.grad(f), tg.grad(tg.grad(f))):
            loop = np.array([h(float(x)) for x in xs])
            assert_same(tg.vmap(h)(xs), loop, "vmap")
    arrays = np.linspace(0.3, 1.9, 12).reshape(4, 3)      # examples that are arrays: NumPy's
    assert_same(tg.vmap(tg.cosh)(arrays), np.cosh(arrays), "vmap of arrays")


BINARY = ["add", "subtract", "multiply", "divide", "power", "maximum", "minimum", "fmax",
          "fmin", "arctan2", "hypot", "copysign", "fmod", "remainder", "floor_divide",
          "logaddexp", "logaddexp2", "heaviside", "float_power", "equal", "not_equal", "less",
          "less_equal", "greater", "greater_equal", "logical_and", "logical_or",
          "logical_xor", "bitwise_and", "bitwise_or", "bitwise_xor", "left_shift",
          "right_shift", "divmod"]
PAIRS = [((), ()), ((3,), ()), ((), (2, 3)), ((2, 1, 3), (2, 3)), ((0,), (1,))]
DTYPE_PAIRS = [(d, d) for d in DTYPES] + [
    (np.float32, np.float64), (np.int32, np.float32), (np.bool_, np.int32)]
POSITIVE = {"power", "float_power", "fmod", "remainder", "floor_divide", "divmod"}


@pytest.mark.parametrize("dtypes", DTYPE_PAIRS, ids=lambda p: f"{p[0].__name__}-{p[1].__name__}")
@pytest.mark.parametrize("name", BINARY)
def test_binary_functions_over_broadcasting_pairs_follow_numpys_promotion(name, dtypes):
    lo = 0.3 if name in POSITIVE else -2.0
    for s1, s2 in PAIRS:
        a, b = sample(s1, dtypes[0], lo), sample(s2, dtypes[1], lo)
        if "shift" in name:
            b = np.asarray(np.abs(b))           # (np.abs of a 0-d array is a scalar)
        numpy_semantics(getattr(np, name), a, b)


SMOOTH2 = ["add", "subtract", "multiply", "divide", "power", "arctan2", "hypot", "logaddexp",
           "logaddexp2", "float_power", "dot", "matmul", "outer", "inner", "kron", "vdot",
           "cross", "convolve", "correlate", "vecdot"]


@pytest.mark.parametrize("name", SMOOTH2)
def test_binary_derivatives_and_vmap_of_one_unbatched_argument(name):
    fn = getattr(np, name)
    for s1, s2 in [*PAIRS, ((3,), (3,)), ((2, 3), (3, 2)), ((3, 3), (3,)), ((3,), (3, 3))]:
        a, b = sample(s1, np.float64, 0.3), sample(s2, np.float64, 0.3)
        if outcome(fn, a, b)[1] is not None or 0 in a.shape + b.shape or (
                name in ("convolve", "correlate") and not (a.shape and b.shape)):
            continue            # tapegrad's convolve wants 1-d arrays: the refusal below
        derivatives(fn, a, b, vmap_bits=name not in VMAP_ULPS)
        for in_axes in [(0, None), (None, 0), (-1, None)]:
            if in_axes[0] == -1 and not a.shape:
                continue
            batch = [np.stack([a, a * 1.1], axis=in_axes[0]) if in_axes[0] is not None else a,
                     np.stack([b, b * 0.9], axis=in_axes[1]) if in_axes[1] is not None else b]
            loop = [fn(*(x if ax is None else np.take(x, i, axis=ax)
                         for x, ax in zip(batch, in_axes))) for i in range(2)]
            got = tg.vmap(fn, in_axes=in_axes)(*batch)
            if name in VMAP_ULPS | NUMPY_ULPS:
                np.testing.assert_allclose(got, np.stack(loop), rtol=1e-15, atol=1e-15)
            else:
                assert_same(got, np.stack(loop), f"{in_axes}")


# ------------------------------------- operators (lax_numpy_operators_test), NEP 50
OPERATORS = {k: getattr(op, k) for k in [
    "add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "lt", "le", "gt", "ge", "eq",
    "ne", "and_", "or_", "xor", "lshift", "rshift"]}
SCALARS = [2, 2.5, True, 0, np.float32(1.5), np.int32(3), np.float64(0.5), np.bool_(True),
           [1.0, 0.5, 2.0], (2, 0, 1)]


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("name", OPERATORS)
def test_python_operators_with_python_and_numpy_scalars_follow_nep50(name, dtype):
    o = OPERATORS[name]
    for shape in [(), (2, 3)]:
        x = sample(shape, dtype, 0.3, 2.0)
        for s in SCALARS if shape else SCALARS[:-2]:    # a NumPy scalar * a list repeats it
            numpy_semantics(lambda v, s=s: o(v, s), x)
            numpy_semantics(lambda v, s=s: o(s, v), x)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_unary_operators_are_numpys(dtype):
    for shape in [(), (3,), (2, 3)]:
        x = sample(shape, dtype)
        for f in (op.neg, op.pos, abs, op.invert, lambda v: v ** 2, lambda v: v ** 0.5):
            numpy_semantics(f, x)


@pytest.mark.parametrize("other", [[1.0, 2.0, 0.0], (1.0, 2.0, 0.0), np.True_, 1 + 0j,
                                   np.array(2.0)], ids=repr)
@pytest.mark.parametrize("compare", [op.eq, op.ne, op.lt, op.ge], ids=lambda o: o.__name__)
def test_comparing_with_a_list_a_numpy_bool_or_a_complex_is_elementwise(compare, other):
    if isinstance(other, complex) and compare in (op.lt, op.ge):
        other = 2.0                # NumPy orders complex numbers; tapegrad's are real
    x = np.array([1.0, 2.0, 3.0])
    numpy_semantics(lambda v: compare(v, other), x)       # was a plain False for ==
    numpy_semantics(lambda v: tg.where(v == other, v, -v), x)
    grad = tg.grad(lambda v: np.sum(tg.where(compare(v, other), v * v, -v)))(x)
    assert_same(grad, np.where(compare(x, other), 2.0 * x, -1.0), "grad")
