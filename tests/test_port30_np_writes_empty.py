"""NumPy's ``putmask``/``place`` and reductions of empty arrays, on traced values.

After NumPy's ``_core/tests/test_multiarray.py`` (``TestPutmask``: the values
repeat over the flat positions, a mask of another size is refused, an array of
values must cast safely, scalars and lists cast as assignment does),
``lib/tests/test_function_base.py`` (``TestPlace``: the ``k``-th place that
holds takes ``vals[k]``, repeated; no values with a place that holds is an
error) and ``lib/tests/test_nanfunctions.py`` (an empty array's ``nanmedian``
and ``nanquantile`` are NumPy's ``nanmean`` of it: nan, whatever ``q``).

Each value equals NumPy's bit for bit (dtype and shape too) eagerly inside
``tg.jvp``, under ``tg.jit`` and under ``tg.vmap`` against a Python loop; the
derivatives of the writes against central differences, second order too.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from conftest import fd

import tapegrad as tg

R = np.random.default_rng(30)
X = R.normal(size=(3, 4))
M = X > 0.2


def same(got: Any, want: Any) -> None:
    """NumPy's dtype, shape and bits (a NaN equal to a NaN)."""
    g, w = np.asarray(got), np.asarray(want)
    assert (g.dtype, g.shape) == (w.dtype, w.shape), (g.dtype, g.shape, w.dtype, w.shape)
    assert np.array_equal(np.isnan(g), np.isnan(w)) if w.dtype.kind == "f" else True
    assert np.where(np.isnan(w), 0, g).tobytes() == np.where(np.isnan(w), 0, w).tobytes() \
        if w.dtype.kind == "f" else g.tobytes() == w.tobytes()


def numpys(f: Callable[[Any], Any], x: np.ndarray, batch: bool = True) -> None:
    """``f`` on a traced ``x``: NumPy's value eagerly, under jit (twice) and under vmap."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        want = f(x)
        same(tg.jvp(f, (x,), (np.ones_like(x),))[0], want)
        jf = tg.jit(f)
        same(jf(x), want)
        same(jf(x), want)
        if batch:
            xs = np.stack([x, -0.5 * x])
            same(tg.vmap(f)(xs), np.stack([f(v) for v in xs]))


def derivatives(f: Callable[[Any], Any], x: np.ndarray) -> None:
    """grad and jvp against differences; second order (hvp) against differences of grad."""
    w = np.cos(np.arange(X.size) + 1.0).reshape(X.shape)
    loss = lambda v: np.sum(f(v) * w)      # noqa: E731
    np.testing.assert_allclose(tg.grad(loss)(x), fd(loss, x), rtol=1e-6, atol=1e-8)
    t = np.sin(np.arange(x.size) + 0.5).reshape(x.shape)
    _, dy = tg.jvp(loss, (x,), (t,))
    np.testing.assert_allclose(dy, (loss(x + 1e-6 * t) - loss(x - 1e-6 * t)) / 2e-6, rtol=1e-6)
    same(tg.jit(tg.grad(loss))(x), tg.grad(loss)(x))
    g = tg.grad(lambda v: np.sum(tg.grad(loss)(v) * t))(x)
    num = (tg.grad(loss)(x + 1e-5 * t) - tg.grad(loss)(x - 1e-5 * t)) / 2e-5
    np.testing.assert_allclose(g, num, rtol=1e-5, atol=1e-7)


def _putmask(mask: Any, values: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def f(x: Any) -> Any:
        y = x * 1.0
        np.putmask(y, mask(x) if callable(mask) else mask, values(x))
        return y
    return f


def _place(mask: Any, vals: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def f(x: Any) -> Any:
        y = x * 1.0
        np.place(y, mask(x) if callable(mask) else mask, vals(x))
        return y
    return f


WRITES = {
    # the values repeat over the flat positions of the array, not over the places
    "putmask_repeated": _putmask(M, lambda x: x[0, :3] * 2.0),
    "putmask_traced_mask": _putmask(lambda x: x > 0.2,
                                    lambda x: np.array([1.0, -2.0, 3.0]).astype(x.dtype)),
    "putmask_self": _putmask(lambda x: x < 0, lambda x: -x),
    "putmask_int_mask": _putmask(M.astype(int), lambda x: 0.5),
    "putmask_mask_of_another_shape": _putmask(M.ravel(), lambda x: x[1]),
    "putmask_no_values": _putmask(M, lambda x: []),
    # the k-th place that holds takes vals[k]
    "place_constant_mask": _place(M, lambda x: x[1, :3]),
    "place_traced_mask": _place(lambda x: x > 0.2, lambda x: x[2] * 3.0),
    "place_list_of_traced": _place(lambda x: x > 0.2, lambda x: [x[0, 0], 5.0]),
    "place_nowhere_no_values": _place(lambda x: x > 100.0, lambda x: []),
}


@pytest.mark.parametrize("name", sorted(WRITES))
def test_putmask_and_place_write_as_numpy_does(name):
    numpys(WRITES[name], X)
    numpys(WRITES[name], X.astype(np.float32), batch=False)
    derivatives(WRITES[name], X)


def test_putmask_and_place_refuse_what_numpy_refuses():
    size = _putmask(np.array([True, False]), lambda x: 1.0)
    cast = _putmask(M, lambda x: x.astype(np.float64) * (1 / 3))     # float64 into float32
    empty = _place(lambda x: x > 0.2, lambda x: [])
    for f, err in ((size, ValueError), (cast, TypeError), (empty, ValueError)):
        x = X.astype(np.float32)
        with pytest.raises(err):
            f(x)
        with pytest.raises(err):
            tg.jit(f)(x)
    # a Python number and a list cast as an assignment does: float64 rounds into float32
    y32 = X.astype(np.float32)
    numpys(_putmask(M, lambda x: 1 / 3), y32, batch=False)
    numpys(_place(M, lambda x: [1 / 3, 2 / 3]), y32, batch=False)


def test_place_follows_a_traced_mask_at_every_call():
    f = tg.jit(_place(lambda x: x > 0.0, lambda x: np.array([10.0, 20.0])))
    for x in (X, -X, np.abs(X)):
        same(f(x), _place(x > 0.0, lambda v: np.array([10.0, 20.0]))(x))


E = np.zeros((0, 3))


@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_median_of_nothing_is_numpys_nan(axis, keepdims):
    for e in (E, E.astype(np.float32)):
        numpys(lambda v: np.median(v, axis=axis, keepdims=keepdims), e, batch=False)
    g = tg.grad(lambda v: np.sum(np.median(v, axis=axis)))(E)
    assert g.shape == E.shape


@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1)])
@pytest.mark.parametrize("q", [0.5, np.array([0.2, 0.9]), np.array(0.5)])
def test_nanquantile_of_an_empty_array_is_numpys_nanmean(axis, q):
    # NumPy returns nanmean(a, axis) for an empty a, whatever q's shape
    for e in (E, E.astype(np.float32)):
        for keepdims in (False, True):
            numpys(lambda v: np.nanquantile(v, q, axis=axis, keepdims=keepdims), e, batch=False)
            numpys(lambda v: np.nanpercentile(v, q * 100, axis=axis, keepdims=keepdims,
                                              method="nearest"), e, batch=False)
