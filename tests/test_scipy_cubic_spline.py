"""tapegrad.scipy.interpolate.CubicSpline: SciPy's values; traced y and points, every transform."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.interpolate
from family_checks import every_transform
from program_battery import same

import tapegrad as tg
from tapegrad.scipy.interpolate import CubicSpline

RS = np.random.RandomState(11)
X = np.array([0.0, 0.7, 1.5, 2.1, 3.4, 4.0])
T = np.array([[-0.5, 0.3], [2.0, 2.1], [4.6, 4.0]])
BCS = ["not-a-knot", "natural", "clamped", "periodic", ((1, 0.5), (2, -1.0))]


@pytest.mark.parametrize("bc", BCS, ids=str)
@pytest.mark.parametrize("shape, axis", [((6,), 0), ((6, 2), 0), ((3, 6), 1), ((2, 6, 2), -2)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_values_are_scipys(bc: object, shape: tuple[int, ...], axis: int, dtype: type) -> None:
    if not isinstance(bc, str) and len(shape) > 1:
        pytest.skip("derivative values of a 1-d y")
    y = RS.randn(*shape).astype(dtype)
    if bc == "periodic":
        y = np.moveaxis(y, axis, 0)
        y[-1] = y[0]
        y = np.moveaxis(y, 0, axis)
    theirs = scipy.interpolate.CubicSpline(X, y, axis, bc)
    ours = CubicSpline(X, y, axis, bc)
    np.testing.assert_allclose(ours.c, theirs.c, rtol=1e-12, atol=1e-12)
    for nu in range(4):
        for ext in (None, False, True):
            for t in (T, 1.3, np.float64(3.9)):
                want, got = theirs(t, nu, ext), ours(t, nu, ext)
                assert type(got) is type(want) and got.shape == want.shape
                assert got.dtype == want.dtype
                np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("bc", BCS, ids=str)
@pytest.mark.parametrize("nu", [0, 1, 2])
def test_every_transform_in_y(bc: object, nu: int) -> None:
    w = np.linspace(-1.0, 1.0, T.size).reshape(T.shape)
    y = RS.randn(6)
    f = lambda v: np.sum(w * CubicSpline(X, v, bc_type=bc)(T, nu) ** 2)   # noqa: E731
    if bc == "periodic":
        f = lambda v: np.sum(w * CubicSpline(X, np.concatenate([v, v[:1]]), bc_type=bc)(  # noqa
            T, nu) ** 2)
        y = y[:5]
    every_transform(f, y)


@pytest.mark.parametrize("ext", [True, False, "periodic"])
def test_every_transform_in_the_points_and_y(ext: object) -> None:
    # the points cross knots between the examples of vmap's batch: the intervals are recorded
    y = RS.randn(6)
    y[-1] = y[0]
    t = np.array([0.4, 1.4, 2.2, 3.3, 3.9])
    f = lambda v: np.sum(np.sin(CubicSpline(X, v[5:], extrapolate=ext)(v[:5])))   # noqa: E731
    every_transform(f, np.concatenate([t, y]))
    g = tg.jit(lambda t: CubicSpline(X, y)(t))
    far = np.array([-1.0, 0.69, 0.71, 5.0, 4.0])
    assert same(g(far), CubicSpline(X, y)(far))
    np.testing.assert_allclose(g(far), scipy.interpolate.CubicSpline(X, y)(far), rtol=1e-12)


def test_scipys_cubic_spline_names_tapegrads_and_knots_must_be_constant() -> None:
    with pytest.raises(TypeError, match=r"^scipy\.interpolate\.CubicSpline\.__init__ was "
                       r"applied to a traced value.*Use tapegrad\.scipy\.interpolate"
                       r"\.CubicSpline"):
        tg.grad(lambda y: np.sum(scipy.interpolate.CubicSpline(X, y)(T)))(RS.randn(6))
    with pytest.raises(TypeError, match="knots x must be constant"):
        tg.grad(lambda x: np.sum(CubicSpline(x, np.arange(6.0))(T)))(X)
    with pytest.raises(ValueError, match="6 knots"):
        CubicSpline(X, np.ones(5))
