"""NumPy's dtype rules for integer, boolean and float16 data under jit and vmap (NumPy's tests).

NumPy's ``test_function_base.py`` (``TestLinspace.test_round_negative``),
``test_linalg.py`` (``TestMatrixPower.test_power_is_zero``),
``test_arraypad.py`` and ``test_histograms.py`` run these functions on
integer and boolean arrays; under ``jit`` and ``vmap`` the data is traced and
tapegrad's own implementation runs, which must give NumPy's numbers and
dtype bit for bit:

- ``linspace(..., dtype=<integer>)`` floors before the cast (it was refused);
  ``dtype=bool`` casts without the floor;
- ``linalg.matrix_power(a, 0)`` is the identity in ``a``'s dtype (an int64
  matrix gave a float64 identity);
- ``pad`` of booleans: ``mode="mean"`` casts the mean (0.5 is True, it was
  rounded to False), ``reflect_type="odd"`` stays boolean (it was int64:
  ``2 * edge - chunk`` was never cast back), ``linear_ramp`` casts without
  the floor;
- ``histogram`` of booleans counts them as uint8, its edges float64 (they
  were booleans);
- ``prod(x16, axis, where=mask)`` of float16 rounds each product to float16
  as NumPy's masked loop does (0.9673 for NumPy's 0.967).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tapegrad as tg
from tests.conftest import fd


def same(got, want) -> bool:
    got, want = np.asarray(got), np.asarray(want)
    return got.dtype == want.dtype and got.shape == want.shape and \
        np.array_equal(got, want, equal_nan=want.dtype.kind == "f")


def every_way(f, *xs) -> None:
    """``f(*xs)`` under jit, vmap (mapped and shared) and jit of vmap: eager's bits."""
    want = f(*xs)
    assert same(tg.jit(f)(*xs), want)
    batch = [np.stack([x, x[::-1]]) for x in xs]
    loop = np.stack([f(*[b[i] for b in batch]) for i in range(2)])
    assert same(tg.vmap(f)(*batch), loop)
    assert same(tg.jit(tg.vmap(f))(*batch), loop)
    assert same(tg.vmap(f, in_axes=None, axis_size=2)(*xs)[1], want)


def test_linspace_with_an_integer_dtype_rounds_toward_minus_infinity_as_numpys():
    want = np.array([-1, -1, 0, 0, 1, 1, 2, 3])          # NumPy's test_round_negative
    got = tg.jit(lambda e: np.linspace(e[0], e[1], num=8, dtype=int))(np.array([-1.0, 3.0]))
    assert same(got, want)


@pytest.mark.parametrize("dtype", [np.int32, np.uint8, np.int64, bool])
@pytest.mark.parametrize("ends", [(1.2, 3.4), (-2.0, 5.0), (250.0, 0.0)])
@pytest.mark.parametrize("endpoint", [True, False])
def test_linspace_into_integers_and_booleans(dtype, ends, endpoint):
    for kind in (np.float64, np.float32, np.int64):
        e = np.array(ends).astype(kind)
        every_way(lambda t: np.linspace(t[0], t[1], 7, endpoint=endpoint, dtype=dtype), e)


def test_linspace_of_float_ends_into_an_integer_dtype_beside_a_float_one_keeps_the_derivative():
    def f(t):
        return np.sum(np.linspace(t[0], t[1], 5) * np.linspace(t[0], t[1], 5, dtype=np.int64))
    e = np.array([0.31, 7.93])      # no number on an integer: the floor is flat there
    g = tg.grad(f)(e)
    np.testing.assert_allclose(g, fd(f, e), rtol=1e-7)
    assert same(tg.jit(tg.grad(f))(e), g)


@pytest.mark.parametrize("dtype", [np.int64, np.int8, np.uint8, bool, np.float32, np.float64])
@pytest.mark.parametrize("n", [0, 1, 2, 3, 5])
def test_matrix_power_keeps_the_dtype_of_the_matrix(dtype, n):
    a = (np.array([[1, 2], [3, 0]]) % (2 if dtype is bool else 9)).astype(dtype)
    if n == 0:
        assert same(np.linalg.matrix_power(a, 0), np.eye(2, dtype=dtype))    # NumPy's rule
    every_way(lambda m: np.linalg.matrix_power(m, n), a)


def test_matrix_power_zero_under_grad_is_a_constant():
    a = np.array([[1.0, 2.0], [3.0, 0.5]])
    g = tg.grad(lambda m: np.sum(np.linalg.matrix_power(m, 0) * m))(a)
    assert same(g, np.eye(2))


BOOLS = np.array([[True, False, True, True], [True, True, False, True],
                  [False, True, False, False]])
PADS = {
    "mean": {"mode": "mean"}, "mean_stat": {"mode": "mean", "stat_length": 2},
    "median": {"mode": "median"}, "minimum": {"mode": "minimum", "stat_length": 1},
    "ramp": {"mode": "linear_ramp", "end_values": (1, -1)},
    "ramp_zero": {"mode": "linear_ramp"},
    "reflect_odd": {"mode": "reflect", "reflect_type": "odd"},
    "symmetric_odd": {"mode": "symmetric", "reflect_type": "odd"},
}


@pytest.mark.parametrize("width", [1, ((2, 5), (3, 1)), 7], ids=["1", "uneven", "7"])
@pytest.mark.parametrize("name", sorted(PADS))
@pytest.mark.parametrize("dtype", [bool, np.int8, np.uint8])
def test_pad_of_booleans_and_small_integers_casts_as_numpys_assignment(name, width, dtype):
    x = BOOLS if dtype is bool else (np.arange(12).reshape(3, 4) * 37 - 100).astype(dtype)
    every_way(lambda t: np.pad(t, width, **PADS[name]), x)


def test_pad_mean_of_booleans_is_true_where_the_mean_is_not_zero():
    got = tg.jit(lambda t: np.pad(t, 1, mode="mean", stat_length=2))(BOOLS)
    assert got.dtype == bool and got[0, 0] and got[1, 0]     # means 1.0 and 0.5


@pytest.mark.parametrize("f", [
    lambda t: np.histogram(t, bins=3)[0], lambda t: np.histogram(t, bins=3)[1],
    lambda t: np.histogram(t, bins=3, density=True)[0],
    lambda t: np.histogram_bin_edges(t, bins=4),
    lambda t: np.histogram(t, bins=2, range=(0, 1))[1],
], ids=["counts", "edges", "density", "bin_edges", "range"])
def test_histogram_of_booleans_counts_them_as_uint8(f):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")          # NumPy's bool-to-uint8 warning
        every_way(f, BOOLS[0])
        every_way(f, np.array([True, True, True]))


RNG = np.random.default_rng(0)
HALF = (RNG.standard_normal((3, 30)) / 3 + 1).astype(np.float16)
MASK = RNG.random((3, 30)) > 0.3


@pytest.mark.parametrize("f", [
    lambda t: np.prod(t, axis=1, where=MASK),
    lambda t: np.prod(t, 1, where=MASK, keepdims=True),
    lambda t: np.prod(t, axis=0, where=MASK),
    lambda t: np.prod(t, where=MASK),
    lambda t: np.nanprod(t, axis=1, where=MASK),
], ids=["axis1", "positional_keepdims", "axis0", "all", "nanprod"])
def test_prod_of_float16_with_where_rounds_each_step_as_numpys_masked_loop(f):
    x = HALF.copy()
    x[0, 3] = np.nan
    every_way(f, HALF)
    every_way(f, x)


def test_prod_of_float16_with_where_differs_from_the_unmasked_product_as_in_numpy():
    want = np.prod(HALF, axis=1, where=MASK)
    assert not np.array_equal(want, np.prod(np.where(MASK, HALF, 1), axis=1))   # the case
    assert same(tg.jit(lambda t: np.prod(t, axis=1, where=MASK))(HALF), want)


def test_prod_of_float16_with_where_keeps_its_derivative():
    def loss(t):
        return np.sum(np.prod(t, axis=1, where=MASK[:, :6])).astype(np.float32)
    x = HALF[:, :6]
    g = tg.grad(loss)(x)
    assert g.dtype == np.float16
    assert same(tg.jit(tg.grad(loss))(x), g)
    g64 = tg.grad(lambda t: np.sum(np.prod(t, axis=1, where=MASK[:, :6])))(x.astype(float))
    np.testing.assert_allclose(g.astype(float), g64, rtol=3e-3)
    np.testing.assert_allclose(g64, fd(lambda t: np.sum(np.prod(t, axis=1, where=MASK[:, :6])),
                                       x.astype(float)), rtol=1e-7)
