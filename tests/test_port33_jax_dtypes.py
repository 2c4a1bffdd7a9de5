"""Cases after JAX's testVar, testStd, testNanMean (reducers) and ufuncs' dtype= (operators).

Under ``jit`` and ``vmap`` these followed NumPy's ``dtype`` only in part:
``np.var(x, dtype=np.int64)`` gave float64 8.5 where NumPy gives int64 8
(NumPy divides in place into the integer mean and result); an integer
``np.std`` is NumPy's truncated root of a scalar and NumPy's casting error
for an array; ``np.nanmean`` of floats into an integer dtype and
``np.add(floats, 1, dtype=np.int64)`` are NumPy's ``TypeError`` (``jit``
returned int64 for both).
"""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg

X = np.random.default_rng(17).normal(size=(3, 4)) * 3
VALUES = {"var": lambda x: np.var(x, dtype=np.int64),
          "var axis": lambda x: np.var(x, axis=1, dtype=np.int32),
          "var ddof where": lambda x: np.var(x, ddof=1, where=x > -2, dtype=np.int64),
          "var int data": lambda x: np.var(x.astype(np.int64), axis=0, dtype=np.int64),
          "std scalar": lambda x: np.std(x, dtype=np.int64),
          "std float32": lambda x: np.std(x, axis=0, dtype=np.float32),
          "nanmean ints": lambda x: np.nanmean(x.astype(np.int64), dtype=np.int64),
          "add float32": lambda x: np.add(x, 1, dtype=np.float32),
          "add ints": lambda x: np.add(x.astype(np.int32), np.int64(2), dtype=np.int16)}
ERRORS = {"std array": (lambda x: np.std(x, axis=0, dtype=np.int64), "ufunc 'sqrt' output"),
          "std keepdims": (lambda x: np.std(x, keepdims=True, dtype=np.int64), "sqrt. output"),
          "nanmean floats": (lambda x: np.nanmean(x, dtype=np.int64), "dtype must be inexact"),
          "add floats": (lambda x: np.add(x, 1, dtype=np.int64), "ufunc 'add' input 0")}


@pytest.mark.parametrize("name", list(VALUES))
def test_an_integer_or_narrow_dtype_under_jit_and_vmap_is_numpys(name):
    f = VALUES[name]
    want = f(X)
    got = tg.jit(f)(X)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)
    batch = np.stack([X, -X, X[::-1]])
    out = tg.vmap(f)(batch)
    assert out.dtype == want.dtype
    np.testing.assert_array_equal(out, np.stack([f(m) for m in batch]))


@pytest.mark.parametrize("name", list(ERRORS))
def test_what_numpy_refuses_is_refused_under_jit_and_vmap(name):
    f, words = ERRORS[name]
    for g in (f, tg.jit(f), lambda m: tg.vmap(f)(np.stack([m, m]))):
        with pytest.raises(TypeError, match=words):
            g(X)


def test_a_python_int_argument_is_weak_in_a_ufuncs_integer_loop():
    """jit traces a Python int argument as a float: it still casts into an integer loop."""
    f = lambda a, k: np.add(a, k, dtype=np.int64)     # noqa: E731
    x = np.array([1, 2, 3])
    want = f(x, 2)
    for got in (tg.jit(f)(x, 2), tg.vmap(f, in_axes=(0, None))(x, 2),
                tg.jit(tg.vmap(f, in_axes=(0, None)))(x, 2)):
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
