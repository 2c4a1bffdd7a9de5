"""NumPy's ``ufunc.reduce`` over several axes, and Python ints beside integer arrays under jit.

After NumPy's ``_core/tests/test_ufunc.py`` (``test_reduce_reorder``: a
reorderable ufunc reduces ``axis=None`` and a tuple of axes; ``fmax`` and
``fmin`` skip NaNs, keep ``initial`` and ``keepdims``, and refuse an empty
reduction without ``initial``) and ``test_umath.py``'s NEP 50 cases (a Python
int beside an int32 array keeps int32). Values equal NumPy's bit for bit
eagerly, under ``jit`` and under ``vmap``; the derivative goes to the
element each result is.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tapegrad as tg

R = np.random.default_rng(30)
X = R.normal(size=(2, 3, 4))
X[0, 1, 2] = np.nan
X[1, :, 0] = np.nan


def same(got: Any, want: Any) -> None:
    g, w = np.asarray(got), np.asarray(want)
    assert (g.dtype, g.shape) == (w.dtype, w.shape), (g.dtype, g.shape, w.dtype, w.shape)
    assert np.array_equal(g, w, equal_nan=True) and np.array_equal(np.signbit(g), np.signbit(w))


@pytest.mark.parametrize("ufunc", [np.fmax, np.fmin])
@pytest.mark.parametrize("axis", [None, (0, 1), (2, 0), (0, 1, 2), (-1, 1), (1,), ()])
@pytest.mark.parametrize("keepdims", [False, True])
def test_fmax_fmin_reduce_over_several_axes(ufunc, axis, keepdims):
    for x in (X, X.astype(np.float32)):
        f = lambda v: ufunc.reduce(v, axis=axis, keepdims=keepdims)     # noqa: E731
        want = f(x)
        same(tg.jvp(f, (x,), (np.ones_like(x),))[0], want)
        same(tg.jit(f)(x), want)
        same(tg.vmap(f)(np.stack([x, -x])), np.stack([f(x), f(-x)]))
        g = lambda v: ufunc.reduce(v, axis=axis, keepdims=keepdims, initial=0.5)  # noqa: E731
        same(tg.jit(g)(x), g(x))


def test_fmax_reduce_derivative_goes_to_the_extreme_element():
    x = R.normal(size=(2, 3, 4))
    g = tg.grad(lambda v: np.sum(np.fmax.reduce(v, axis=(0, 2))))(x)
    want = np.zeros_like(x)
    for j in range(3):
        i, k = np.unravel_index(np.argmax(x[:, j, :]), (2, 4))
        want[i, j, k] = 1.0
    np.testing.assert_array_equal(g, want)
    tg.check_grads(lambda v: np.fmin.reduce(v, axis=None), (x,), order=2)


def test_refusals_are_numpys():
    for f in (lambda v: np.fmax.reduce(v[:0], axis=None), lambda v: np.fmin.reduce(v, axis=(0, 0))):
        with pytest.raises(ValueError):
            f(X)
        with pytest.raises(ValueError):
            tg.jit(f)(X)


@pytest.mark.xfail(strict=True, reason="jit traces a Python int argument as a float (documented "
                   "in docs/compiling.md), so beside an int32 array it promotes to float64 "
                   "where eager NumPy keeps int32 (NEP 50)")
def test_jit_keeps_a_python_int_argument_weak_beside_an_int_array():
    x = np.array([1, 2, 3], np.int32)
    same(tg.jit(lambda s, v: s * v)(3, x), 3 * x)
