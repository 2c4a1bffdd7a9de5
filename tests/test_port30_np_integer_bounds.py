"""NumPy's rules for Python integers beside integer arrays (NEP 50), on traced values.

After NumPy's ``_core/tests/test_numeric.py`` (``TestClip``: a Python int
bound beyond the range of the array's integer dtype is no bound, NumPy 2's
``_clip``; one inside the range clips; a float bound promotes) and
``lib/tests/test_function_base.py`` (``TestInsert``: the values are converted
with ``np.array(values, dtype=arr.dtype)``, so an out-of-range Python int into
an int8 array raises ``OverflowError`` rather than wrapping, and a float is
truncated). Integer arrays are traced under ``tg.jit`` and ``tg.vmap``: each
result equals NumPy's in dtype, shape and bits, or NumPy's exception is raised.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tapegrad as tg

I8 = np.array([-128, -1, 0, 1, 127], np.int8)
U8 = np.array([0, 1, 2, 200, 255], np.uint8)


def same(got: Any, want: Any) -> None:
    g, w = np.asarray(got), np.asarray(want)
    assert (g.dtype, g.shape, g.tobytes()) == (w.dtype, w.shape, w.tobytes()), (g, w)


def numpys(f: Callable[[Any], Any], x: np.ndarray) -> None:
    """NumPy's value or exception, under jit (tracing and compiled) and vmap over a batch."""
    try:
        want: Any = f(x)
    except Exception as e:  # noqa: BLE001  (NumPy's exception, whichever it is)
        with pytest.raises(type(e)):
            tg.jit(f)(x)
        return
    jf = tg.jit(f)
    same(jf(x), want)
    same(jf(x), want)
    batch = np.stack([x, x[::-1]])
    same(tg.vmap(f)(batch), np.stack([f(v) for v in batch]))


BOUNDS = [(-500, 500), (-500, 5), (3, 500), (-1, 1), (None, 300), (-300, None),
          (-128, 127), (3, -500), (np.int64(-500), 5), (-500.0, 5), (2**70, None)]


@pytest.mark.parametrize("lo,hi", BOUNDS)
@pytest.mark.parametrize("x", [I8, U8], ids=["int8", "uint8"])
def test_clip_of_integers_drops_a_python_int_bound_out_of_range(x, lo, hi):
    numpys(lambda v: np.clip(v, lo, hi), x)
    numpys(lambda v: v.clip(lo, hi), x)
    numpys(lambda v: np.clip(v, min=lo, max=hi), x)


def test_clip_keeps_the_float_derivative_where_a_bound_is_dropped():
    x = np.array([-1.5, 0.5, 3.0])
    g = tg.grad(lambda v: np.sum(np.clip(v, -1.0, 2**70) ** 2))(x)   # float data: a bound
    np.testing.assert_array_equal(g, [0.0, 1.0, 6.0])


VALUES = [500, 5, -129, 1.7, np.array([1.9, 300.0]), np.float64(2.5), True, [1, 2],
          np.int64(400), [[1], [2]]]


@pytest.mark.parametrize("values", VALUES, ids=repr)
def test_insert_converts_values_as_numpys_array_of_arr_dtype(values):
    numpys(lambda v: np.insert(v, 1, values), I8)
    numpys(lambda v: np.insert(v, [1], values), U8)


def test_insert_stacks_a_list_holding_traced_numbers():
    x = np.array([1.5, -2.0, 0.0])
    f = lambda v: np.insert(v, 1, [v[0] * 2.0, 2.0])        # noqa: E731
    want = np.array([1.5, 3.0, 2.0, -2.0, 0.0])
    same(f(x), want)
    same(tg.jit(f)(x), want)
    np.testing.assert_array_equal(tg.jacobian(f)(x)[1], [2.0, 0.0, 0.0])
