"""JAX's ``tests/scipy_signal_test.py`` families: ``tapegrad.scipy.signal`` against SciPy.

``convolve`` and ``correlate`` over JAX's 1-, 2- and 3-d shape pairs and
every mode, ``convolve2d`` and ``correlate2d`` (SciPy's boundaries too),
``fftconvolve`` with ``axes``: values against ``scipy.signal`` (the direct
sums bit for bit where SciPy sums directly, within ulps of its FFT),
``tg.jit`` bit for bit against eager, ``tg.vmap`` against a Python loop,
and derivatives in both inputs against central differences.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest

import tapegrad as tg
import tapegrad.scipy.signal as tsig
from tests.conftest import fd

ssig = pytest.importorskip("scipy.signal")

ONE = [(1,), (2,), (5,), (10,)]
TWO = [(1, 1), (2, 2), (2, 3), (3, 4), (4, 4)]
THREE = [(2, 2, 2), (3, 3, 2), (4, 4, 2), (5, 5, 2)]
PAIRS = [p for shapes in (ONE, TWO, THREE) for p in itertools.product(shapes, repeat=2)]


def sample(shape: tuple[int, ...], seed: int) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape)


def contains(s1: tuple[int, ...], s2: tuple[int, ...]) -> bool:
    return all(a >= b for a, b in zip(s1, s2)) or all(b >= a for a, b in zip(s1, s2))


def same(a: Any, b: Any) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)


def check(f: Any, g: Any, x: np.ndarray, y: np.ndarray, rtol: float = 1e-12) -> None:
    """``f`` (tapegrad's) against ``g`` (SciPy's), compiled, batched and differentiated."""
    want = g(x, y)
    got = f(x, y)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=1e-12)
    assert same(tg.jit(f)(x, y), got)
    xs = np.stack([x, 2.0 * x, -0.5 * x])
    assert same(tg.vmap(f, in_axes=(0, None))(xs, y), np.stack([f(v, y) for v in xs]))
    w = sample(np.shape(want), 99)                    # a fixed cotangent
    loss = lambda a, b: np.sum(w * f(a, b))           # noqa: E731
    gx, gy = tg.grad(loss, argnums=(0, 1))(x, y)
    np.testing.assert_allclose(gx, fd(lambda a: np.sum(w * g(a, y)), x), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(gy, fd(lambda b: np.sum(w * g(x, b)), y), rtol=1e-6, atol=1e-8)
    t = sample(np.shape(x), 98)
    np.testing.assert_allclose(tg.jvp(lambda a: loss(a, y), (x,), (t,))[1], np.sum(gx * t),
                               rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@pytest.mark.parametrize("s1, s2", PAIRS, ids=str)
@pytest.mark.parametrize("name", ["convolve", "correlate"])
def test_convolutions(name, s1, s2, mode):
    x, y = sample(s1, 1), sample(s2, 2)
    f = lambda a, b: getattr(tsig, name)(a, b, mode)             # noqa: E731
    g = lambda a, b: getattr(ssig, name)(a, b, mode, method="direct")   # noqa: E731
    if mode == "valid" and not contains(s1, s2):
        with pytest.raises(ValueError, match="at least as large"):
            f(x, y)
        with pytest.raises(ValueError, match="at least as large"):
            g(x, y)
        return
    check(f, g, x, y)


@pytest.mark.parametrize("boundary, fillvalue", [("fill", 0), ("fill", 0.5), ("wrap", 0),
                                                 ("symm", 0)])
@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@pytest.mark.parametrize("s1, s2", list(itertools.product(TWO, repeat=2)), ids=str)
@pytest.mark.parametrize("name", ["convolve2d", "correlate2d"])
def test_convolutions_2d(name, s1, s2, mode, boundary, fillvalue):
    x, y = sample(s1, 3), sample(s2, 4)
    kw = {"boundary": boundary, "fillvalue": fillvalue}
    f = lambda a, b: getattr(tsig, name)(a, b, mode, **kw)         # noqa: E731
    g = lambda a, b: getattr(ssig, name)(a, b, mode, **kw)         # noqa: E731
    if mode == "valid" and not contains(s1, s2):
        with pytest.raises(ValueError, match="at least as large"):
            f(x, y)
        return
    check(f, g, x, y)


@pytest.mark.parametrize("s1, s2, axes", [
    ((10,), (4,), None), ((5, 6), (3, 2), None), ((4, 7), (4, 3), 1), ((4, 7), (1, 3), -1),
    ((3, 6, 5), (3, 2, 5), (1,)), ((3, 6, 5), (1, 2, 2), (1, 2)), ((6, 3), (4, 3), 0),
], ids=str)
@pytest.mark.parametrize("mode", ["full", "same", "valid"])
def test_fftconvolve(s1, s2, axes, mode):
    x, y = sample(s1, 5), sample(s2, 6)
    f = lambda a, b: tsig.fftconvolve(a, b, mode, axes=axes)       # noqa: E731
    g = lambda a, b: ssig.fftconvolve(a, b, mode, axes=axes)       # noqa: E731
    check(f, g, x, y, rtol=1e-10)


def test_correlate2d_centres_an_even_kernel_as_scipy_not_as_correlate():
    # SciPy's correlate2d puts "same" at n2 // 2 of the full correlation, its correlate
    # (and convolve2d of the flipped kernel) at (n2 - 1) // 2: one place apart for n2 = 2
    x, k = np.arange(12.0).reshape(3, 4), np.array([[1.0, -1.0], [0.5, 2.0]])
    full = tsig.correlate(x, k, "full")
    assert same(tsig.correlate2d(x, k, "same"), full[1:4, 1:5])
    assert same(tsig.correlate(x, k, "same"), full[0:3, 0:4])
    np.testing.assert_array_equal(tsig.correlate2d(x, k, "same"), ssig.correlate2d(x, k, "same"))
    np.testing.assert_array_equal(tsig.correlate(x, k, "same"), ssig.correlate(x, k, "same"))


def test_scipy_signal_on_traced_values_names_tapegrad_scipy_signal():
    x = np.ones((3, 3))
    for name in ("correlate", "correlate2d", "convolve2d", "fftconvolve"):
        with pytest.raises(TypeError, match=rf"Use tapegrad\.scipy\.signal\.{name} instead"):
            tg.grad(lambda v, n=name: np.sum(getattr(ssig, n)(v, v)))(x)


def test_two_d_functions_refuse_other_ranks_and_boundaries_as_scipy():
    x = np.ones((3, 3))
    for name in ("convolve2d", "correlate2d"):
        with pytest.raises(ValueError, match="2-D"):
            getattr(tsig, name)(np.ones(3), np.ones(2))
        with pytest.raises(ValueError, match="boundary"):
            getattr(tsig, name)(x, x, boundary="reflect")
