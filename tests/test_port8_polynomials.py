"""NumPy's ``numpy/lib/tests/test_polynomial.py`` and ``numpy/polynomial/tests`` facts, ported.

``np.polyval``, ``polyder``, ``polyint``, ``polyadd``/``polysub``/``polymul``,
``polydiv``, ``poly``, ``polyfit``, ``roots`` and ``np.poly1d`` evaluation,
``np.polynomial``'s ``polyval``/``chebval``/``legval`` of a traced ``x``,
each under every transform (``port8_check.check``); the identities NumPy's
tests assert (``polyder(polyint(p)) == p``, ``roots(poly(r)) == r``,
``polydiv(polymul(a, b), b) == (a, 0)``, T2 and P2 in closed form); the
implicit-function derivative of a root; and the refusals, each naming the
spelling that works.
"""

from __future__ import annotations

import numpy as np
import numpy.polynomial.chebyshev as cheb
import numpy.polynomial.legendre as leg
import numpy.polynomial.polynomial as poly
import pytest
from port8_check import check, same

import tapegrad as tg

C = np.array([1.5, -2.0, 0.5, 3.0])
XS = np.linspace(-1.0, 1.0, 5)
R = np.array([1.0, -3.0, 2.0])          # (x - 1)(x - 2)
XX = np.linspace(0.0, 1.0, 7)

OF_COEFFICIENTS = {   # name: (function of traced coefficients, NumPy's value at C)
    "polyval": (lambda c: np.polyval(c, XS), np.polyval(C, XS)),
    "polyval at a float": (lambda c: np.polyval(c, 0.7), np.polyval(C, 0.7)),
    "polyder": (np.polyder, np.polyder(C)),
    "polyder m=2": (lambda c: np.polyder(c, 2), np.polyder(C, 2)),
    "polyint": (np.polyint, np.polyint(C)),
    "polyint m=2 k": (lambda c: np.polyint(c, 2, [1.0, 2.0]), np.polyint(C, 2, [1.0, 2.0])),
    "polyint of a traced k": (lambda c: np.polyint(c, 1, c[0]), np.polyint(C, 1, C[0])),
    "polyadd": (lambda c: np.polyadd(c, c[:2]), np.polyadd(C, C[:2])),
    "polysub": (lambda c: np.polysub(c[:2], c), np.polysub(C[:2], C)),
    "polymul": (lambda c: np.polymul(c, c[1:3]), np.polymul(C, C[1:3])),
    "polydiv quotient": (lambda c: np.polydiv(c, np.array([1.0, 2.0]))[0],
                         np.polydiv(C, np.array([1.0, 2.0]))[0]),
    "polydiv remainder": (lambda c: np.polydiv(c, c[1:3])[1], np.polydiv(C, C[1:3])[1]),
    "poly": (np.poly, np.poly(C)),
    "roots": (lambda c: np.roots(c[:3] * np.array([1.0, -1.0, 0.1])),
              np.roots(C[:3] * np.array([1.0, -1.0, 0.1]))),
}

OF_X = {   # name: (function of a traced x, NumPy's value at XS)
    "polyval": (lambda x: np.polyval(C, x), np.polyval(C, XS)),
    "polyval of a list": (lambda x: np.polyval([1.0, 2.0, 3.0], x),
                          np.polyval([1.0, 2.0, 3.0], XS)),
    "polyval of ints": (lambda x: np.polyval(np.array([1, 2, 3]), x),
                        np.polyval(np.array([1, 2, 3]), XS)),
    "poly1d": (lambda x: np.poly1d(C)(x), np.poly1d(C)(XS)),
    "poly1d's derivative": (lambda x: np.poly1d(C).deriv()(x), np.poly1d(C).deriv()(XS)),
    "polynomial.polyval": (lambda x: poly.polyval(x, C), poly.polyval(XS, C)),
    "chebval": (lambda x: cheb.chebval(x, C), cheb.chebval(XS, C)),
    "legval": (lambda x: leg.legval(x, C), leg.legval(XS, C)),
    "vander": (lambda x: np.vander(x, 3), np.vander(XS, 3)),
}


@pytest.mark.parametrize("name", OF_COEFFICIENTS)
def test_of_traced_coefficients_under_every_transform(name):
    f, expected = OF_COEFFICIENTS[name]
    check(f, C, expected=expected)


@pytest.mark.parametrize("name", OF_X)
def test_of_a_traced_x_under_every_transform(name):
    f, expected = OF_X[name]
    check(f, XS, expected=expected)


@pytest.mark.parametrize("deg", [0, 1, 2, 3])
def test_polyfit_under_every_transform(deg):
    y = np.cos(3 * XX)
    check(lambda v: np.polyfit(XX, v, deg), y, rtol=1e-5)
    check(lambda v: np.polyfit(v, y, deg), XX, rtol=1e-5)
    np.testing.assert_allclose(tg.jit(lambda v: np.polyfit(XX, v, deg))(y),
                               np.polyfit(XX, y, deg), rtol=1e-12, atol=1e-12)


def test_polyfit_recovers_exact_coefficients_and_its_derivative_is_the_pseudoinverse():
    # NumPy's test_polyfit: a cubic's samples fit at degree 3 give its coefficients back
    y = np.polyval(C, XX)
    np.testing.assert_allclose(tg.jit(lambda v: np.polyfit(XX, v, 3))(y), C, rtol=1e-10)
    jac = tg.jacobian(lambda v: np.polyfit(XX, v, 3))(y)      # linear in y: pinv of vander
    np.testing.assert_allclose(jac, np.linalg.pinv(np.vander(XX, 4)), atol=1e-10)


def test_numpys_identities_hold_under_jit_and_grad():
    integrated = tg.jit(lambda c: np.polyder(np.polyint(c)))(C)
    np.testing.assert_allclose(integrated, C, rtol=1e-15)
    r = np.array([-1.5, 0.5, 2.0])
    np.testing.assert_allclose(np.sort(tg.jit(lambda z: np.roots(np.poly(z)))(r)), r, rtol=1e-12)
    g = tg.grad(lambda z: np.sum(np.roots(np.poly(z)) ** 2))(r)        # the identity: 2 r
    np.testing.assert_allclose(g, 2 * r, rtol=1e-9)
    b = np.array([1.0, -0.5])
    q, rem = tg.jit(lambda a: np.polydiv(np.polymul(a, b), b))(C)
    np.testing.assert_allclose(q, C, rtol=1e-14)
    assert same(rem, np.polydiv(np.polymul(C, b), b)[1])


def test_chebyshev_and_legendre_second_basis_functions_in_closed_form():
    t2 = tg.grad(lambda x: cheb.chebval(x, [0.0, 0.0, 1.0]))    # T2 = 2x^2 - 1
    p2 = tg.grad(lambda x: leg.legval(x, [0.0, 0.0, 1.0]))      # P2 = (3x^2 - 1) / 2
    for x in (-0.7, 0.3, 0.9):
        assert cheb.chebval(x, [0, 0, 1]) == pytest.approx(2 * x * x - 1, rel=1e-15)
        assert t2(x) == pytest.approx(4 * x, rel=1e-15)
        assert p2(x) == pytest.approx(3 * x, rel=1e-15)
    assert same(tg.vmap(t2)(XS), np.stack([t2(x) for x in XS]))


def test_a_roots_derivative_is_the_implicit_functions():
    # c = [1, -(a + b), a b] has roots a, b; d a / d c_k = -a**(2 - k) / q'(a), q'(a) = a - b
    a, b = 2.5, -0.5
    c = np.array([1.0, -(a + b), a * b])
    jac = tg.jacobian(lambda v: np.sort(np.roots(v)))(c)
    for row, (r, other) in enumerate([(b, a), (a, b)]):
        want = -(r ** np.array([2.0, 1.0, 0.0])) / (r - other)
        np.testing.assert_allclose(jac[row], want, rtol=1e-12)
    jvp = tg.jvp(lambda v: np.sort(np.roots(v)), (c,), (np.array([0.0, 1.0, 0.0]),))[1]
    np.testing.assert_allclose(jvp, jac[:, 1], rtol=1e-14)


@pytest.mark.parametrize("p", [[0.0, 0.0, 2.0, -4.0, 0.0, 0.0], [0.0, 3.0], [2.0, 0.0],
                               [0.0, 0.0, 0.0], [5.0], [1.0, -3.0, 2.0, 0.0]])
def test_roots_strip_leading_and_trailing_zeros_as_numpy_does(p):
    p = np.array(p)
    assert same(tg.jit(np.roots)(p), np.roots(p))
    assert same(tg.value_and_grad(lambda v: np.sum(np.roots(v)) + 0.0)(p)[0],
                np.sum(np.roots(p)) + 0.0)


def test_jit_of_roots_guards_the_zero_coefficients():
    f = tg.jit(lambda v: np.roots(v) * 2.0)
    for p in ([1.0, -3.0, 2.0], [0.0, 1.0, -3.0], [1.0, -1.0, 0.0], [2.0, -5.0, 2.0]):
        assert same(f(np.array(p)), np.roots(np.array(p)) * 2.0), p
    ps = np.array([[1.0, -3.0, 2.0], [2.0, -5.0, 2.0], [1.0, 0.0, -4.0]])
    assert same(tg.vmap(f)(ps), np.stack([np.roots(p) * 2.0 for p in ps]))


def test_complex_roots_are_refused_with_what_to_do():
    with pytest.raises(TypeError, match="has complex roots.*outside the transform"):
        tg.grad(lambda v: np.sum(np.roots(v)))(np.array([1.0, 0.0, 1.0]))
    with pytest.raises(TypeError, match="has complex roots"):
        tg.jit(np.roots)(np.array([1.0, 0.5, 1.0]))
