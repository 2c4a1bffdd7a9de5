"""What NumPy does and tapegrad refuses, from the ported suites: each names a fix that works.

A traced boolean mask or float index, NumPy's polynomial classes and
``np.poly1d`` of traced coefficients, ``chebval`` and the rest of
``np.polynomial`` of traced coefficients, a traced value in an argument
NumPy does not dispatch on: each raises a ``TypeError`` naming what to
write, and what it names gives NumPy's value (and the derivative) under the
transforms.
"""

from __future__ import annotations

import numpy as np
import numpy.polynomial.chebyshev as cheb
import numpy.polynomial.polynomial as poly
import pytest
from port8_check import check

import tapegrad as tg
import tapegrad.polynomial as tpoly

X = np.linspace(-1.3, 2.1, 12).reshape(3, 4)
C = np.array([1.5, -2.0, 0.5, 3.0])
XS = np.linspace(-1.0, 1.0, 5)
def test_a_traced_mask_or_float_index_is_refused_naming_the_fix():
    with pytest.raises(TypeError, match=r"traced boolean mask.*tg\.where\(mask, x, 0\.0\)"):
        tg.grad(lambda v: np.sum(v[v > 0]))(X)
    check(lambda v: np.where(v > 0, v, 0.0), X, expected=np.where(X > 0, X, 0.0))
    with pytest.raises(TypeError, match=r"traced float.*np\.floor\(x\)\.astype\(int\)"):
        tg.grad(lambda v: v[0][v[1, 0] * 0.0])(X)


SERIES = {   # name: (NumPy's program of traced coefficients or x, the named fix, NumPy's value)
    "Polynomial(c)(x)": (lambda v: poly.Polynomial(C)(v), r"polyval\(x, coef\)",
                         lambda v: poly.polyval(v, C), XS),
    "Chebyshev(c)(x)": (lambda v: cheb.Chebyshev(C)(v), r"\(and Chebyshev, Legendre\.\.\.",
                        lambda v: tpoly.Chebyshev(C)(v), XS),
    "Chebyshev(traced c)(x)": (lambda v: cheb.Chebyshev(v)(XS), r"tapegrad\.polynomial\."
                               r"Polynomial\(coef, domain, window\)\(x\)",
                               lambda v: tpoly.Chebyshev(v)(XS), C),
    "np.poly1d(c)(x)": (lambda v: np.poly1d(v)(0.3), r"np\.polyval\(c, x\)",
                        lambda v: np.polyval(v, 0.3), C),
    "polyval of traced c": (lambda v: poly.polyval(XS, v), r"np\.polyval\(c\[::-1\], x\)",
                            lambda v: np.polyval(v[::-1], XS), C),
    "chebval of traced c": (lambda v: cheb.chebval(XS, v),
                            r"tapegrad\.polynomial\.chebyshev\.chebval\(x, c\)",
                            lambda v: tpoly.chebyshev.chebval(XS, v), C),
    "polyval of traced c, tapegrad's": (lambda v: poly.polyval(XS, v),
                                        r"tapegrad\.polynomial\.polynomial\.polyval\(x, c\)",
                                        lambda v: tpoly.polynomial.polyval(XS, v), C),
    "polyint of a traced k": (lambda v: np.polyint(C, 1, v[0]), r"call tg\.polyint",
                              lambda v: tg.polyint(C, 1, v[0]), C),
}


@pytest.mark.parametrize("name", SERIES)
def test_numpys_polynomial_objects_of_traced_values_name_what_to_write(name):
    program, fix, spelled, x = SERIES[name]
    with pytest.raises(TypeError, match=fix):
        tg.grad(lambda v: np.sum(program(v)))(x)
    expected = program(x)
    np.testing.assert_allclose(spelled(x), expected, rtol=1e-13)
    check(spelled, x)


PU = np.polynomial
PU_REFUSED = {   # np.polynomial's functions of traced values: a message naming what works
    "legroots": (lambda v: PU.legendre.legroots(v), r"np\.roots \(coefficients highest"),
    "chebder": (lambda v: PU.chebyshev.chebder(v), r"chebval, legval"),
    "hermfit": (lambda v: PU.hermite.hermfit(XS[:4], v, 1),
                r"Use tapegrad\.polynomial's polyval, chebval"),
    "polyval2d": (lambda v: PU.polynomial.polyval2d(v, v, np.eye(2)), r"np\.polyval, np\.polyder"),
    "polyroots": (lambda v: PU.polynomial.polyroots(v), r"np\.roots\(c\[::-1\]\)"),
    "polyfromroots": (lambda v: PU.polynomial.polyfromroots(v), r"np\.poly\(roots\)\[::-1\]"),
    "chebvander": (lambda v: PU.chebyshev.chebvander(v, 2), r"np\.eye\(deg \+ 1\)\[k\]"),
}


@pytest.mark.parametrize("name", PU_REFUSED)
def test_np_polynomials_refusals_name_what_takes_traced_values(name):
    program, fix = PU_REFUSED[name]
    with pytest.raises(TypeError, match=fix):
        tg.grad(lambda v: np.sum(program(v)))(C * 0.1 + np.array([0.0, 0.0, 0.0, 1.0]))


def test_the_named_spellings_of_polyroots_and_chebvander_are_numpys():
    c = np.array([2.0, -3.0, 1.0])      # 2 - 3x + x^2: roots 1, 2
    check(lambda v: np.sort(np.roots(v[::-1])), c, expected=np.sort(PU.polynomial.polyroots(c)))
    check(lambda v: np.poly(v)[::-1], c, expected=PU.polynomial.polyfromroots(c))
    spelled = tg.jit(lambda x: np.stack([PU.chebyshev.chebval(x, np.eye(3)[k])
                                         for k in range(3)], axis=-1))(XS)
    np.testing.assert_allclose(spelled, PU.chebyshev.chebvander(XS, 2), rtol=1e-15)


@pytest.mark.parametrize("name", ["polynomial.polyval", "chebyshev.chebval",
                                  "legendre.legval", "hermite.hermval",
                                  "hermite_e.hermeval", "laguerre.lagval"])
@pytest.mark.parametrize("shape", [(), (2,), (2, 3)])
def test_polyval_of_a_traced_x_with_coefficients_of_two_axes(name, shape):
    # NumPy adds x.ndim axes to c only where isinstance(x, np.ndarray): tapegrad adds them
    module, fn = name.split(".")
    val = getattr(getattr(PU, module), fn)
    c = np.arange(1.0, 9.0).reshape(4, 2) / 4.0
    x = np.linspace(-0.7, 0.6, int(np.prod(shape))).reshape(shape)
    check(lambda v: val(v, c), x, expected=val(x, c))
    check(lambda v: val(v, c, tensor=False), x[..., None] if shape else x,
          expected=val(x[..., None] if shape else x, c, tensor=False))


@pytest.mark.parametrize("shape", [(), (2,), (2, 3)])
def test_np_polyval_with_coefficients_of_two_axes_is_numpys(shape):
    c = np.arange(1.0, 9.0).reshape(4, 2) / 4.0         # np.polyval: shape broadcast(x, c[0])
    x = np.linspace(-0.7, 0.6, int(np.prod(shape))).reshape(shape)
    if shape == (2, 3):
        x = x.T
    check(lambda v: np.polyval(c, v), x, expected=np.polyval(c, x))


def test_coefficients_of_two_axes_with_the_axis_added_by_hand_are_numpys():
    c = np.arange(1.0, 7.0).reshape(3, 2)
    for val in (PU.polynomial.polyval, PU.chebyshev.chebval, PU.legendre.legval):
        check(lambda v, val=val: val(v, c[..., None], tensor=False), XS, expected=val(XS, c))
