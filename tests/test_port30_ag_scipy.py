"""HIPS autograd's ``tests/test_scipy.py`` special functions: SciPy's ufuncs on traced values.

autograd differentiates ``scipy.special``'s Bessel functions (``j0 j1 y0 y1
i0 i1 jn yn iv ive``), ``gammasgn``, ``beta`` and others; here SciPy's ufunc
itself is called on the traced value (after ``import tapegrad.scipy``). For
each: SciPy's value bit for bit (dtype included, float32 too) inside
``tg.jvp``, under ``tg.jit`` and under ``tg.vmap`` against a Python loop;
first and second derivatives against central differences; and the second
derivatives of the Bessel functions against Bessel's equation,
``x^2 y'' + x y' + (x^2 - v^2) y = 0`` (``- (x^2 + v^2)`` for the modified
ones), a closed form independent of the recurrences the rules use. The
derivative in a Bessel function's order is refused, not a silent zero.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from conftest import fd

import tapegrad as tg

sp = pytest.importorskip("scipy.special")
import tapegrad.scipy  # noqa: E402,F401  (SciPy's ufuncs run on traced values)

X = np.array([0.3, 1.7, 2.5, 4.2])
SX = np.array([-1.3, -0.2, 0.4, 2.1])


def same(got: Any, want: Any) -> None:
    g, w = np.asarray(got), np.asarray(want)
    assert (g.dtype, g.shape) == (w.dtype, w.shape), (g.dtype, g.shape, w.dtype, w.shape)
    assert g.tobytes() == w.tobytes(), (g, w)


def scipys(f: Callable[[Any], Any], x: np.ndarray) -> None:
    """SciPy's value of ``f`` on a traced ``x``: eager, jit twice, vmap against a loop."""
    want = f(x)
    same(tg.jvp(f, (x,), (np.ones_like(x),))[0], want)
    jf = tg.jit(f)
    same(jf(x), want)
    same(jf(x), want)
    same(tg.vmap(f)(np.stack([x, x[::-1]])), np.stack([f(x), f(x[::-1])]))
    same(tg.vmap(f)(x), np.stack([f(v) for v in x]))       # on numbers


def first_and_second(f: Callable[[Any], Any], x: np.ndarray) -> None:
    d1 = tg.vmap(tg.grad(f))(x)
    np.testing.assert_allclose(d1, [fd(f, v) for v in x], rtol=1e-6, atol=1e-8)
    d2 = tg.vmap(tg.grad(tg.grad(f)))(x)
    np.testing.assert_allclose(d2, [fd(tg.grad(f), v) for v in x], rtol=1e-6, atol=1e-8)
    _, fwd = tg.jvp(tg.elementwise_grad(f), (x,), (np.ones_like(x),))
    np.testing.assert_allclose(fwd, d2, rtol=1e-12, atol=1e-14)
    same(tg.jit(tg.vmap(tg.grad(f)))(x), d1)


UNARY = {"j0": SX, "j1": SX, "y0": X, "y1": X, "i0": SX, "i1": SX, "i0e": SX, "i1e": SX,
         "k0": X, "k1": X, "k0e": X, "k1e": X, "gammasgn": SX, "exp1": X, "expi": X,
         "dawsn": SX, "spence": X, "wrightomega": SX, "sindg": SX * 50.0, "cosdg": SX * 50.0}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_scipys_unary_ufuncs_give_scipys_values_and_derivatives(name):
    f, x = getattr(sp, name), UNARY[name]
    scipys(f, x)
    scipys(f, x.astype(np.float32))
    first_and_second(f, x)


ORDERED = [("jv", 1.5, X), ("jn", 2, SX), ("yv", 0.5, X), ("yn", 3, X), ("iv", 2.5, SX),
           ("ive", 1.0, SX), ("kv", 0.3, X), ("kve", 1.2, X)]


@pytest.mark.parametrize("name,v,x", ORDERED)
def test_bessel_functions_of_an_order_differentiate_in_x(name, v, x):
    f = lambda t: getattr(sp, name)(v, t)       # noqa: E731
    scipys(f, x)
    first_and_second(f, x)
    orders = np.array([0, 1, 2, 3]) if name in ("jn", "yn") else np.array([0.0, 0.5, 1.0, 2.5])
    g = lambda t: getattr(sp, name)(orders, t)  # noqa: E731
    np.testing.assert_allclose(tg.jacobian(g)(x), np.diag([fd(lambda s: g(s)[i], x[i])
                                                            for i in range(4)]), atol=1e-7)


@pytest.mark.parametrize("name,kind", [("jv", 1), ("yv", 1), ("iv", -1), ("kv", -1)])
def test_second_derivatives_solve_bessels_equation(name, kind):
    v, x = 1.25, np.array([0.7, 1.9, 3.3])
    f = lambda t: getattr(sp, name)(v, t)       # noqa: E731
    y, dy, ddy = f(x), tg.vmap(tg.grad(f))(x), tg.vmap(tg.grad(tg.grad(f)))(x)
    residual = x * x * ddy + x * dy + (kind * x * x - v * v) * y
    np.testing.assert_allclose(residual, 0.0, atol=1e-12 * np.max(np.abs(x * x * ddy)) + 1e-13)
    for n, z in (("j0", 1.0), ("y0", 1.0), ("i0", -1.0), ("k0", -1.0)):     # order 0
        g = getattr(sp, n)
        r = x * x * tg.vmap(tg.grad(tg.grad(g)))(x) + x * tg.vmap(tg.grad(g))(x) + z * x * x * g(x)
        np.testing.assert_allclose(r, 0.0, atol=1e-12)


def test_the_derivatives_at_zero_and_their_closed_forms():
    assert tg.grad(sp.j1)(0.0) == 0.5 and tg.grad(tg.grad(sp.j0))(0.0) == -0.5
    assert tg.grad(sp.i0e)(0.0) == 0.0 and tg.grad(sp.spence)(1.0) == -1.0
    assert tg.grad(sp.exp1)(0.0) == -np.inf            # IEEE, never a ZeroDivisionError
    np.testing.assert_allclose(tg.elementwise_grad(sp.j0)(X), -sp.j1(X), rtol=1e-15)
    np.testing.assert_allclose(tg.elementwise_grad(sp.i0)(X), sp.i1(X), rtol=1e-15)
    np.testing.assert_allclose(tg.grad(sp.dawsn)(0.5), 1.0 - 2.0 * 0.5 * sp.dawsn(0.5))
    assert tg.grad(sp.gammasgn)(-1.5) == 0.0


@pytest.mark.parametrize("name", ["beta", "poch"])
def test_beta_and_poch_in_both_arguments(name):
    f = getattr(sp, name)
    a, b = np.array([0.6, 1.7, 2.5]), np.array([1.3, 0.8, 2.2])
    scipys(lambda t: f(t, b), a)
    first_and_second(lambda t: f(t, 1.3), a)
    first_and_second(lambda t: f(0.6, t), b)
    if name == "beta":              # d/da B(a, b) = B(a, b) (psi(a) - psi(a + b))
        np.testing.assert_allclose(tg.grad(lambda t: tg.sum(f(t, b)))(a),
                                   f(a, b) * (sp.psi(a) - sp.psi(a + b)), rtol=1e-13)


@pytest.mark.parametrize("name", ["jv", "yv", "iv", "ive", "kv", "kve"])
def test_the_derivative_in_the_order_is_refused_not_zero(name):
    f = getattr(sp, name)
    with pytest.raises(NotImplementedError, match="with respect to v"):
        tg.grad(lambda v: f(v, 2.0))(1.0)
    with pytest.raises(NotImplementedError, match="with respect to v"):
        tg.jvp(lambda v: f(v, 2.0), (1.0,), (1.0,))
