"""JAX's ``lax_numpy_reducers_test.py`` order statistics and averages, ported.

``testQuantile`` (quantile, percentile, nanquantile, nanpercentile: five
methods, several axes at once, ``q`` a scalar or 1-D, float32 ``q`` beside
float64 data), ``testWeightedQuantile`` (``weights=`` with
``inverted_cdf``, NaNs weighing nothing in the nan versions),
``testMedian``, ``testPercentilePrecision``, ``testAverage`` and
``testAverageNDWeights`` (``returned=``, ``keepdims=``, weights of the
axis or of the whole array) and ``testCumulativeSum``/``Prod``
(``include_initial``). Each case under every transform
(``test_port9_reducers.every``).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from test_port9_reducers import every

import tapegrad as tg

R = np.random.default_rng(11)

QUANTILE_AXES = [((7,), None), ((6, 7), None), ((9, 7), 0), ((9, 7), ()), ((4, 11), 1),
                 ((4, 9, 7), (1, 2)), ((4, 9, 7), (0, 2)), ((4, 9, 7), (1, 0, 2))]
OPS = [("quantile", 1.0), ("percentile", 100.0), ("nanquantile", 1.0), ("nanpercentile", 100.0)]


def data(shape: tuple[int, ...], nans: bool) -> np.ndarray:
    x = R.normal(size=shape)
    if nans:
        x.flat[::5] = np.nan
    return x


@pytest.mark.parametrize("op, top", OPS, ids=[o for o, _ in OPS])
@pytest.mark.parametrize("shape, axis", QUANTILE_AXES, ids=str)
def test_quantile(op, top, shape, axis):
    fn = getattr(np, op)
    for k, (q_shape, method) in enumerate(itertools.product(
            [(), (1,), (4,)], ["linear", "lower", "higher", "nearest", "midpoint"])):
        x = data(shape, op.startswith("nan"))
        q = R.uniform(0.0, top, q_shape).astype(np.float32)      # JAX's q dtype
        keepdims = k % 2 == 1
        every(lambda v: fn(v, q, axis=axis, keepdims=keepdims, method=method), x,
              grad=method in ("linear", "midpoint"))
    every(lambda v: fn(v, top * 0.3, axis=axis), data(shape, op.startswith("nan")))


@pytest.mark.parametrize("op, top", OPS, ids=[o for o, _ in OPS])
def test_weighted_quantile(op, top):
    fn = getattr(np, op)
    for shape, axis, keepdims in itertools.product([(10,), (4, 3, 5), (2, 3, 4, 5)],
                                                   [0, -1, None], [False, True]):
        x = data(shape, op.startswith("nan"))
        w = R.uniform(0.5, 2.0, shape)
        q = np.array([0.25, 0.5, 0.75]) * top
        every(lambda v: fn(v, q, axis=axis, weights=w, method="inverted_cdf",
                           keepdims=keepdims), x, grad=False)
        if axis is not None and not op.startswith("nan"):    # weights along the axis only
            # (NumPy's nanquantile indexes such weights as if they had a's shape)
            w1 = R.uniform(0.5, 2.0, shape[axis])
            every(lambda v: fn(v, q, axis=axis, weights=w1, method="inverted_cdf"), x, grad=False)


@pytest.mark.parametrize("op", ["nanquantile", "nanpercentile"])
def test_weighted_nan_quantile_of_an_all_nan_slice_is_nan(op):
    x = np.array([[np.nan, np.nan, np.nan], [0.5, np.nan, -1.0]])
    w = np.array([[1.0, 2.0, 1.0], [1.0, 5.0, 3.0]])
    f = lambda v: getattr(np, op)(v, 0.5 if op == "nanquantile" else 50.0, axis=1,  # noqa: E731
                                  weights=w, method="inverted_cdf")
    every(f, x, grad=False)
    got = tg.jit(f)(x)
    assert np.isnan(got[0]) and got[1] == -1.0


@pytest.mark.parametrize("op", ["median", "nanmedian"])
@pytest.mark.parametrize("shape, axis", [((7,), None), ((6, 7), None), ((47, 7), 0),
                                         ((4, 101), 1)], ids=str)
def test_median(op, shape, axis):
    for keepdims in (False, True):
        every(lambda v: getattr(np, op)(v, axis=axis, keepdims=keepdims),
              data(shape, op == "nanmedian"))


def test_percentile_precision():
    x = np.array([1.0, 2.0, 3.0, 4.0, 7.0, 10.0])
    assert tg.jit(lambda v: np.percentile(v, 50))(x) == 3.5
    assert tg.grad(lambda v: np.percentile(v, 50))(x).tolist() == [0, 0, 0.5, 0.5, 0, 0]


def _average_cases():
    for shape in [(), (4,), (3, 4), (3, 1), (2, 1, 4)]:
        axes = [None, *range(-len(shape), len(shape)), tuple(range(len(shape)))]
        for axis in axes:
            whole = axis is None or len(shape) == 1 or isinstance(axis, tuple)
            for wshape in [None, shape] if whole else [None, (shape[axis],), shape]:
                yield shape, axis, wshape


@pytest.mark.parametrize("shape, axis, wshape", list(_average_cases()), ids=str)
def test_average(shape, axis, wshape):
    x = R.uniform(-2.0, 2.0, shape)
    w = None if wshape is None else R.uniform(0.5, 2.0, wshape)
    for returned, keepdims in itertools.product((False, True), (False, True)):
        def f(v, w=w, returned=returned, keepdims=keepdims):
            out = np.average(v, axis, w, returned=returned, keepdims=keepdims)
            return np.stack(np.broadcast_arrays(*out)) if returned else out
        every(f, x)
        if w is not None:
            every(lambda ww, f=f: f(x, ww), w)


@pytest.mark.parametrize("shape, axis", [((2, 3, 4), (1, 2)), ((2, 3, 4), (2, 0)),
                                         ((2, 3, 4), (0, 1, 2)), ((2, 3, 4), (2, 1, 0)),
                                         ((2, 3, 4, 5), (3, 0)), ((2, 3, 4, 5), (3, 0, 2, 1))],
                         ids=str)
def test_average_nd_weights(shape, axis):
    x = R.uniform(-2.0, 2.0, shape)
    w = R.uniform(0.5, 2.0, tuple(shape[a] for a in axis))
    every(lambda v: np.average(v, axis, w), x)
    every(lambda ww: np.average(x, axis, ww), w)


@pytest.mark.parametrize("name", ["cumulative_sum", "cumulative_prod"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int32, np.bool_],
                         ids=lambda d: d.__name__)
def test_cumulative_sum_and_prod_with_include_initial(name, dtype):
    fn = getattr(np, name)
    for shape in [(4,), (3, 4), (2, 3, 4)]:
        axes = [*range(-len(shape), len(shape))] + ([None] if len(shape) == 1 else [])
        for axis, include, out in itertools.product(axes, (False, True), (None, np.float64)):
            x = R.uniform(0.5, 1.5, shape) if dtype != np.bool_ else R.uniform(size=shape) > 0.3
            x = x.astype(dtype)
            every(lambda v: fn(v, axis=axis, dtype=out, include_initial=include), x)


@pytest.mark.parametrize("op", ["quantile", "nanquantile"])
def test_a_traced_q(op):
    """JAX's testQuantile passes q to jit: a traced q (tests/test_quantile_traced_q.py)."""
    x = data((9, 7), op == "nanquantile")
    q = np.array([0.25, 0.5])
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(
            tg.jit(lambda v, q: getattr(np, op)(v, q, axis=0))(x, q),
            getattr(np, op)(x, q, axis=0))


@pytest.mark.xfail(strict=True, raises=TypeError,
                   reason="NumPy hands np.nanvar to __array_function__ for its data only, so "
                          "a traced mean= with untraced data reaches NumPy's own code, which "
                          "writes into an array with out=")
def test_nanvar_about_a_traced_mean_of_constant_data():
    x = data((4, 5), True)
    tg.grad(lambda m: np.sum(np.nanvar(x, axis=0, keepdims=True, mean=m)))(np.zeros((1, 5)))
