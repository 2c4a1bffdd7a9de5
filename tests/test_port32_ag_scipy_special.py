"""SciPy's cosm1, exprel, inv_boxcox(1p), ellipk, ellipe, owens_t, expn, zeta on traced values.

HIPS autograd's ``tests/test_scipy.py`` differentiates ``scipy.special``'s
functions called on its boxes; after ``import tapegrad.scipy`` SciPy's own
ufunc runs on a traced value. These were refused ("tapegrad.scipy.special
has no ..."); now each computes SciPy's value (bit for bit, float32 too,
under jit and vmap) with derivatives from closed forms: ``cosm1' = -sin``,
``exprel' = (e^x - exprel) / x`` (its series near 0), Box-Cox's inverse in
``y`` and in ``lambda`` (``-value y^2 / 2`` at ``lambda = 0``), Legendre's
``K' = (E - (1 - m) K) / (2 m (1 - m))`` and ``E' = (E - K) / (2 m)`` (their
series near 0), Owen's T in ``h`` and ``a``, ``E_n' = -E_(n-1)``, Hurwitz's
``d/dq zeta(x, q) = -x zeta(x + 1, q)`` (``scipy.special.zeta`` is a Python
function calling the private ufunc ``_zeta``) and its derivative in ``x``,
``tapegrad.scipy.special``'s. First and second derivatives equal central
differences; the derivative in ``expn``'s order is refused by name.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import fd

import tapegrad as tg

sp = pytest.importorskip("scipy.special")
import tapegrad.scipy  # noqa: E402,F401  (SciPy's ufuncs run on traced values)

X = np.array([0.3, 1.7, 2.5, 0.05])
S = np.array([-1.3, -0.2, 0.4, 2e-4])
M = np.array([0.1, 0.5, 0.9, 4e-4])
LAM = np.array([-0.1, 0.4, 1.3, 5e-4])

CASES = {
    "cosm1": (sp.cosm1, S),
    "exprel": (sp.exprel, S),
    "inv_boxcox_y": (lambda t: sp.inv_boxcox(t, 0.5), X),
    "inv_boxcox_lmbda": (lambda t: sp.inv_boxcox(X, t), LAM),
    "inv_boxcox1p_y": (lambda t: sp.inv_boxcox1p(t, -0.1), X),
    "inv_boxcox1p_lmbda": (lambda t: sp.inv_boxcox1p(X, t), LAM),
    "ellipk": (sp.ellipk, M),
    "ellipk_negative_m": (sp.ellipk, -M),
    "ellipe": (sp.ellipe, M),
    "owens_t_h": (lambda t: sp.owens_t(t, 0.7), S),
    "owens_t_a": (lambda t: sp.owens_t(0.4, t), S),
    "expn": (lambda t: sp.expn(np.array([0, 1, 2, 5]), t), X),
    "zeta_q": (lambda t: sp.zeta(3.0, t), X + 0.5),
}
WEIGHTS = np.array([1.0, -2.0, 0.5, 3.0])


def same(got, want) -> None:
    got, want = np.asarray(got), np.asarray(want)
    assert (got.dtype, got.shape) == (want.dtype, want.shape)
    assert np.array_equal(got, want, equal_nan=True), (got, want)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(CASES))
def test_scipys_value_under_jit_and_vmap(name, dtype):
    f, x = CASES[name]
    x = x.astype(dtype)
    want = f(x)
    same(tg.jit(f)(x), want)
    batch = np.stack([x, x * dtype(0.5)])
    same(tg.vmap(f)(batch), np.stack([f(b) for b in batch]))
    same(tg.jvp(f, (x,), (np.ones_like(x),))[0], want)


@pytest.mark.parametrize("name", sorted(CASES))
def test_first_and_second_derivatives_are_central_differences(name):
    f, x = CASES[name]

    def loss(t):
        return np.sum(f(t) * WEIGHTS)
    g = tg.grad(loss)(x)
    np.testing.assert_allclose(g, fd(loss, x), rtol=1e-6, atol=1e-9)
    same(tg.jit(tg.grad(loss))(x), g)
    _, t = tg.jvp(loss, (x,), (np.ones_like(x),))
    np.testing.assert_allclose(t, np.sum(g), rtol=1e-12)
    h = tg.hessian(loss)(x)
    want = np.stack([fd(lambda y, i=i: tg.grad(loss)(y)[i], x) for i in range(x.size)])
    np.testing.assert_allclose(h, want, rtol=1e-5, atol=1e-6)


def test_the_closed_forms_at_their_special_points():
    # K'(0) = pi/8, E'(0) = -pi/8; exprel'(0) = 1/2; d/dlmbda inv_boxcox(y, 0) = -e^y y^2 / 2
    assert tg.grad(sp.ellipk)(0.0) == pytest.approx(np.pi / 8, rel=1e-15)
    assert tg.grad(sp.ellipe)(0.0) == pytest.approx(-np.pi / 8, rel=1e-15)
    assert tg.grad(sp.exprel)(0.0) == pytest.approx(0.5, rel=1e-15)
    assert tg.grad(lambda lm: sp.inv_boxcox(1.5, lm))(0.0) == \
        pytest.approx(-np.exp(1.5) * 1.5 ** 2 / 2, rel=1e-15)


def test_the_derivative_in_expns_order_is_refused_by_name_zetas_exponent_is_differentiated():
    with pytest.raises(NotImplementedError, match=r"special\.expn.*respect to n"):
        tg.grad(lambda n: sp.expn(n, 2.0))(2.0)
    f = lambda s: sp.zeta(s, 2.0)                                         # noqa: E731
    assert tg.grad(f)(3.0) == pytest.approx(fd(f, 3.0), rel=1e-8)     # -sum log(k+2) (k+2)^-3
    assert tg.jit(lambda s: sp.zeta(s, 2.0))(3.0) == sp.zeta(3.0, 2.0)     # values are fine
