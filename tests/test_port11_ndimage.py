"""JAX's ``tests/scipy_ndimage_test.py``: ``tapegrad.scipy.ndimage.map_coordinates`` against SciPy.

JAX checks ``map_coordinates`` of order 0 and 1 over shapes, coordinate
shapes, dtypes, every boundary mode and ``cval`` against
``scipy.ndimage``, and the rounding of half-integer coordinates. Here the
same grid (SciPy's ``grid-*`` modes too, coordinates inside, outside and
on half-integers): values against SciPy, ``tg.jit`` bit for bit against
eager, ``tg.vmap`` against a Python loop, and the derivatives in the input
and (order 1) the coordinates against central differences.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tapegrad as tg
from tapegrad.scipy.ndimage import map_coordinates
from tests.conftest import fd

nd = pytest.importorskip("scipy.ndimage")

MODES = ["constant", "nearest", "wrap", "mirror", "reflect", "grid-constant", "grid-wrap",
         "grid-mirror"]
SHAPES = [(5,), (3, 4), (3, 4, 5), (1, 4)]


def coordinates(shape: tuple[int, ...], cshape: tuple[int, ...], dtype: Any,
                seed: int) -> np.ndarray:
    """Coordinates inside and beyond the array, kept 0.1 from the kinks (integers, halves)."""
    r = np.random.default_rng(seed)
    c = np.stack([r.uniform(-2.0 * n, 3.0 * n, cshape) for n in shape])
    frac = c * 2 - np.floor(c * 2)
    c = np.where(np.abs(frac - 0.5) > 0.4, np.floor(c * 2) / 2 + 0.25, c)
    return c.astype(dtype)


def same(a: Any, b: Any) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)


@pytest.mark.parametrize("cval", [0.0, -1.0])
@pytest.mark.parametrize("order", [0, 1])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("cshape", [(7,), (2, 3)], ids=str)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
def test_map_coordinates(dtype, shape, cshape, mode, order, cval):
    image = np.random.default_rng(1).standard_normal(shape).astype(dtype)
    coords = coordinates(shape, cshape, dtype, 2)
    f = lambda x, c: map_coordinates(x, c, order=order, mode=mode, cval=cval)   # noqa: E731
    want = nd.map_coordinates(image, coords, order=order, mode=mode, cval=cval)
    got = f(image, coords)
    assert np.asarray(got).dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=1e-5 if dtype is np.float32 else 1e-13,
                               atol=1e-6 if dtype is np.float32 else 1e-14)
    assert same(tg.jit(f)(image, coords), got)
    images = np.stack([image, 2 * image, image - 1])
    assert same(tg.vmap(f, in_axes=(0, None))(images, coords),
                np.stack([f(x, coords) for x in images]))
    if dtype is np.float32:
        return
    w = np.random.default_rng(3).standard_normal(np.shape(want))
    gx, gc = tg.grad(lambda x, c: np.sum(w * f(x, c)), argnums=(0, 1))(image, coords)
    np.testing.assert_allclose(gx, fd(lambda x: np.sum(w * f(x, coords)), image), atol=1e-8)
    np.testing.assert_allclose(gc, fd(lambda c: np.sum(w * nd.map_coordinates(
        image, c, order=order, mode=mode, cval=cval)), coords), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("mode", MODES)
def test_map_coordinates_rounds_halves_as_scipy(mode):
    x = np.arange(-3.0, 3.0) ** 2 + 0.5
    c = np.arange(-12.5, 13.0, 0.5)[None]
    for order in (0, 1):
        want = nd.map_coordinates(x, c, order=order, mode=mode, cval=-7.0)
        got = tg.jit(lambda v: map_coordinates(v, c, order=order, mode=mode, cval=-7.0))(x)
        np.testing.assert_allclose(got, want, rtol=1e-15)


def test_map_coordinates_gradient_is_the_slope_between_elements():
    # JAX's testContinuousGradients: order 1 is piecewise linear in the coordinate
    x = np.array([0.0, 1.0, 4.0, 9.0])
    f = lambda c: map_coordinates(x, [c], order=1)[0]    # noqa: E731
    for c, slope in [(0.25, 1.0), (1.5, 3.0), (2.75, 5.0)]:
        assert tg.grad(f)(np.array([c])) == slope
        assert tg.jit(tg.grad(f))(np.array([c])) == slope


def test_map_coordinates_refuses_splines_and_unknown_modes():
    x = np.ones((3, 3))
    with pytest.raises(NotImplementedError, match="order 0 or 1"):
        map_coordinates(x, [[1.0], [1.0]], order=3)
    with pytest.raises(RuntimeError, match="boundary mode"):
        map_coordinates(x, [[1.0], [1.0]], order=1, mode="edge")
    with pytest.raises(RuntimeError, match="invalid shape"):
        map_coordinates(x, [[1.0]], order=1)
