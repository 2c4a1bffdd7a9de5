"""tapegrad as the derivative provider of SciPy's drivers, as their users call them.

``scipy.optimize.minimize`` with ``jac=tg.grad(f)`` and ``hess=tg.hessian(f)``
(Newton-CG, trust-exact) or ``hessp=`` from ``tg.hvp`` (trust-krylov),
``least_squares`` and ``curve_fit`` with a Jacobian by ``tg.jacfwd``,
``root`` and ``fsolve`` with ``tg.jacfwd``, and ``solve_ivp`` with
``jac=tg.jacobian`` for a stiff problem (BDF, Radau, LSODA). SciPy accepts
what tapegrad returns, and each run reaches what the same run reaches with
derivatives by differences (or the closed form), in fewer evaluations.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.integrate
import scipy.optimize
from conftest import fd

import tapegrad as tg

RS = np.random.RandomState(7)
X_LR = np.concatenate([np.ones((40, 1)), RS.randn(40, 2)], axis=1)
Y_LR = (X_LR @ np.array([0.3, 1.5, -2.0]) + RS.logistic(size=40) > 0).astype(float)


def logistic_nll(w):
    z = X_LR @ w
    return np.sum(np.logaddexp(0, z) - Y_LR * z) + 0.5 * w @ w


@pytest.mark.parametrize("method", ["Newton-CG", "trust-exact", "trust-krylov", "dogleg"])
def test_minimize_with_tapegrads_gradient_and_hessian(method: str) -> None:
    hess = {"hess": tg.jit(tg.hessian(logistic_nll))}
    if method == "trust-krylov":
        hess = {"hessp": lambda w, v: tg.hvp(logistic_nll, (w,), (v,))}
    res = scipy.optimize.minimize(logistic_nll, np.zeros(3), jac=tg.jit(tg.grad(logistic_nll)),
                                  method=method, options={"gtol": 1e-10} if method !=
                                  "Newton-CG" else {"xtol": 1e-12}, **hess)
    ref = scipy.optimize.minimize(logistic_nll, np.zeros(3), method="BFGS",
                                  options={"gtol": 1e-8})      # gradient by differences
    assert res.success, res.message
    np.testing.assert_allclose(res.x, ref.x, rtol=1e-5, atol=1e-6)
    assert np.max(np.abs(tg.grad(logistic_nll)(res.x))) < 1e-7
    assert res.nit < ref.nit


def test_the_hessian_scipy_gets_is_the_closed_form() -> None:
    w = np.array([0.2, 1.0, -1.0])
    p = 1 / (1 + np.exp(-X_LR @ w))
    closed = X_LR.T @ (X_LR * (p * (1 - p))[:, None]) + np.eye(3)
    np.testing.assert_allclose(tg.hessian(logistic_nll)(w), closed, rtol=1e-12)
    v = np.array([1.0, -2.0, 0.5])
    np.testing.assert_allclose(tg.hvp(logistic_nll, (w,), (v,)), closed @ v, rtol=1e-12)


T_DECAY = np.linspace(0, 4, 25)
Y_DECAY = 2.5 * np.exp(-1.3 * T_DECAY) + 0.4 + 0.02 * RS.randn(25)


def decay_residuals(p):
    a, k, c = p
    return a * np.exp(-k * T_DECAY) + c - Y_DECAY


@pytest.mark.parametrize("method", ["trf", "lm", "dogbox"])
def test_least_squares_with_a_jacobian_by_jacfwd(method: str) -> None:
    jac = tg.jacfwd(decay_residuals)
    p0 = np.array([1.0, 1.0, 0.0])
    np.testing.assert_allclose(jac(p0), np.stack([fd(lambda p, i=i: decay_residuals(p)[i], p0)
                                                  for i in range(25)]), rtol=1e-7, atol=1e-9)
    res = scipy.optimize.least_squares(decay_residuals, p0, jac=jac, method=method)
    ref = scipy.optimize.least_squares(decay_residuals, p0, method=method, xtol=1e-12)
    assert res.success
    np.testing.assert_allclose(res.x, ref.x, rtol=1e-6)
    assert res.njev is None or res.njev >= 1


def test_curve_fit_with_a_jacobian_by_jacfwd() -> None:
    def model(t, a, k, c):
        return a * np.exp(-k * t) + c

    def jac(t, *p):
        return tg.jacfwd(lambda q: model(t, *q))(np.array(p))
    popt, pcov = scipy.optimize.curve_fit(model, T_DECAY, Y_DECAY, p0=[1.0, 1.0, 0.0], jac=jac)
    ref, ref_cov = scipy.optimize.curve_fit(model, T_DECAY, Y_DECAY, p0=[1.0, 1.0, 0.0])
    np.testing.assert_allclose(popt, ref, rtol=1e-6)
    np.testing.assert_allclose(pcov, ref_cov, rtol=1e-4)


def equilibrium(q):       # Cournot: three firms' first-order conditions, P = 10 - Q
    return 10.0 - np.sum(q) - q - np.array([1.0, 1.5, 2.0]) - 0.1 * q ** 3


@pytest.mark.parametrize("solver", ["root_hybr", "root_lm", "fsolve"])
def test_root_and_fsolve_with_a_jacobian_by_jacfwd(solver: str) -> None:
    jac = tg.jit(tg.jacfwd(equilibrium))
    if solver == "fsolve":
        q = scipy.optimize.fsolve(equilibrium, np.ones(3), fprime=jac, xtol=1e-12)
    else:
        q = scipy.optimize.root(equilibrium, np.ones(3), jac=jac, method=solver[5:],
                                tol=1e-12).x
    assert np.max(np.abs(equilibrium(q))) < 1e-10
    q_fd = scipy.optimize.fsolve(equilibrium, np.ones(3), xtol=1e-12)
    np.testing.assert_allclose(q, q_fd, rtol=1e-9)


def robertson(t, y, k1=0.04, k2=3e7, k3=1e4):
    """Robertson's stiff chemical kinetics, written with np.array of its rates."""
    a, b, c = y
    return np.stack([-k1 * a + k3 * b * c, k1 * a - k3 * b * c - k2 * b ** 2, k2 * b ** 2])


@pytest.mark.parametrize("method", ["BDF", "Radau", "LSODA"])
def test_solve_ivp_of_a_stiff_system_with_jac_by_tg_jacobian(method: str) -> None:
    jac = tg.jacobian(robertson, argnums=1)
    y = np.array([0.9, 1e-5, 0.1])
    a, b, c = y
    closed = np.array([[-0.04, 1e4 * c, 1e4 * b], [0.04, -1e4 * c - 6e7 * b, -1e4 * b],
                       [0.0, 6e7 * b, 0.0]])
    np.testing.assert_allclose(jac(0.0, y), closed, rtol=1e-12)
    kw = dict(t_span=(0.0, 40.0), y0=[1.0, 0.0, 0.0], method=method, rtol=1e-6, atol=1e-10)
    sol = scipy.integrate.solve_ivp(robertson, jac=jac, **kw)
    ref = scipy.integrate.solve_ivp(robertson, **kw)          # Jacobian by differences
    assert sol.success and sol.njev >= 1
    np.testing.assert_allclose(sol.y[:, -1], ref.y[:, -1], rtol=1e-4, atol=1e-9)
    np.testing.assert_allclose(np.sum(sol.y[:, -1]), 1.0, rtol=1e-8)   # mass is conserved
