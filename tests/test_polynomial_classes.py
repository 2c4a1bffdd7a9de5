"""tapegrad.polynomial's series classes: NumPy's fit and values of traced data, every transform."""

from __future__ import annotations

import numpy as np
import pytest
from family_checks import every_transform
from program_battery import same

import tapegrad as tg
import tapegrad.polynomial as tpoly

KINDS = ["Polynomial", "Chebyshev", "Legendre", "Hermite", "HermiteE", "Laguerre"]
X = np.array([0.1, 0.4, 0.9, 1.3, 1.8, 2.2, 2.9, 3.0])
Y = np.array([0.5, -0.2, 0.3, 1.1, 0.8, -0.4, 0.2, 0.9])
W = np.linspace(0.5, 1.5, 8)
OPTIONS = {"default": {}, "weights": {"w": W}, "class domain": {"domain": []},
           "domain and window": {"domain": [-1.0, 4.0], "window": [0.0, 2.0]}}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("option", sorted(OPTIONS))
@pytest.mark.parametrize("deg", [0, 1, 3])
def test_fit_and_evaluation_are_numpys(kind: str, option: str, deg: int) -> None:
    ours, theirs = getattr(tpoly, kind), getattr(np.polynomial, kind)
    a, b = ours.fit(X, Y, deg, **OPTIONS[option]), theirs.fit(X, Y, deg, **OPTIONS[option])
    np.testing.assert_allclose(a.coef, b.coef, rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(a.domain, b.domain, rtol=1e-15)
    np.testing.assert_allclose(a.window, b.window, rtol=1e-15)
    at = np.array([0.3, 1.7, 3.5])
    np.testing.assert_allclose(a(at), b(at), rtol=1e-11, atol=1e-12)
    c = np.array([0.5, -1.0, 2.0])
    assert same(ours(c)(at), theirs(c)(at))
    assert same(ours(c, [0.0, 3.0], [-1.0, 1.0])(at), theirs(c, [0.0, 3.0], [-1.0, 1.0])(at))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("wrt", ["y", "x and y", "w", "coef"])
def test_every_transform(kind: str, wrt: str) -> None:
    cls = getattr(tpoly, kind)
    at = np.array([0.3, 1.7, 2.5])
    f, v = {"y": (lambda v: np.sum(cls.fit(X, v, 2).coef ** 2), Y),
            "x and y": (lambda v: np.sum(cls.fit(v[:8], v[8:], 2)(at) ** 2),
                        np.concatenate([X, Y])),
            "w": (lambda v: np.sum(cls.fit(X, Y, 2, w=v)(at) ** 2), W),
            "coef": (lambda v: np.sum(cls(v, [0.0, 3.0])(at) ** 3), Y[:4])}[wrt]
    every_transform(f, v, rtol=1e-5)


def test_numpys_fit_of_traced_data_names_tapegrads() -> None:
    with pytest.raises(TypeError, match=r"^np\.polynomial\.ABCPolyBase\.fit was applied to a "
                       r"traced value.*Use tapegrad\.polynomial\.Polynomial\.fit\(x, y, deg\)"):
        tg.grad(lambda y: np.sum(np.polynomial.Polynomial.fit(X, y, 2).coef))(Y)
    with pytest.raises(ValueError, match="one axis"):
        tpoly.Polynomial.fit(X, np.stack([Y, Y], 1), 2)
    with pytest.raises(TypeError, match="full=False"):
        tpoly.Polynomial.fit(X, Y, 2, full=True)


@pytest.mark.parametrize("kind", KINDS)
def test_float32_data_give_numpys_dtypes(kind: str) -> None:
    ours, theirs = getattr(tpoly, kind), getattr(np.polynomial, kind)
    for x, y in [(X, Y.astype(np.float32)), (X.astype(np.float32), Y.astype(np.float32))]:
        a, b = ours.fit(x, y, 2), theirs.fit(x, y, 2)
        assert a.coef.dtype == b.coef.dtype and a.domain.dtype == b.domain.dtype
        np.testing.assert_allclose(a.coef, b.coef, rtol=1e-6, atol=1e-7)
        assert a(np.float32(0.5)).dtype == b(np.float32(0.5)).dtype
