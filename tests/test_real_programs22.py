"""Array programs, part twenty-two: the programs of ``real_programs22.py`` under every transform.

Root finders, ODE steppers, estimators and finance code, under the checks of
``program_battery.py`` (its docstring says them), SciPy's numbers with SciPy's
modules included. Then what running them found.
"""

from __future__ import annotations

import numpy as np
import pytest
import real_programs22
import scipy.linalg
from conftest import fd
from program_battery import battery, same, there_are_new_programs

import tapegrad as tg
import tapegrad.scipy.linalg as sla
import tapegrad.scipy.special as special

test_there_are_new_programs = there_are_new_programs(22, at_least=25)


globals().update(battery(real_programs22, scipy_rtol=1e-12, scipy_programs=3,
                         follow_helpers=True))


# ------------------------------------------------------------ what running them found
def _newton_step(f, df, xi, h, tol):
    """A Crank-Nicolson step by Newton: ``if converged: return`` ends the step (the loop)."""
    xinu = np.copy(xi)
    for _ in range(30):
        delta = np.linalg.solve(np.identity(xi.size) - 0.5 * h * df(xinu),
                                -(xinu - xi - 0.5 * h * f(xi) - 0.5 * h * f(xinu)))
        xinu = xinu + delta
        if np.linalg.norm(delta) <= tol:
            return xinu
    raise ArithmeticError("Newton iteration has not converged")


def brusselator(p, steps=8):
    a, b = p
    f = lambda x: np.stack([a + x[0] ** 2 * x[1] - (b + 1) * x[0],           # noqa: E731
                            b * x[0] - x[0] ** 2 * x[1]])
    df = lambda x: np.stack([np.stack([2 * x[0] * x[1] - (b + 1), x[0] ** 2]),  # noqa: E731
                             np.stack([b - 2 * x[0] * x[1], -x[0] ** 2])])
    x = np.ones_like(p)
    for _ in range(steps):
        x = _newton_step(f, df, x, 0.1, 1e-11)
    return x


BRUSSELATOR_AT = [np.array([1.0, 3.0]), np.array([0.9, 3.3])]


def test_newton_iterations_that_end_time_steps_are_not_a_fixed_count_under_jit():
    # theta_method_brusselator (15 steps): the Newton iterations of all steps rolled into one
    # loop of a fixed count with an if (a converged step starts the next); where the steps
    # converge in fewer iterations the loop ran on into a step too many. 8 steps traced at
    # (1, 3), called at (0.9, 3.3): jit gave x = (0.27584, 2.09599), eager (0.29122, 2.01896),
    # in one trace. The if leaves a loop (return inside a for), so the rolled loop now counts
    # its outcomes: another tally fails a guard and jit traces again
    jf = tg.jit(brusselator)
    for x in BRUSSELATOR_AT + BRUSSELATOR_AT[:1]:
        assert same(jf(x), brusselator(x))
    assert jf.trace_count == 2


ZETA_AT = [(2.5, 2.0), (1.3, 0.5), (4.0, 1.0), (7.0, 3.3), (1.05, 1.0)]


@pytest.mark.parametrize("x, q", ZETA_AT)
def test_zetas_derivatives_in_its_exponent_equal_central_differences(x, q):
    # discrete_powerlaw_zeta_grid: d/dx zeta(x, q) was refused ("no closed form"); it is the
    # same Euler-Maclaurin sum of -log(q + k) (q + k)^-x, any order, mixed with q's rule
    dx = tg.grad(special.zeta)
    assert dx(x, q) == pytest.approx(fd(lambda s: special.zeta(s, q), x, 1e-6 * x), rel=1e-7)
    assert tg.grad(dx)(x, q) == pytest.approx(fd(lambda s: dx(s, q), x, 1e-6 * x), rel=1e-6)
    dxq = tg.grad(dx, argnums=1)(x, q)
    assert dxq == pytest.approx(tg.grad(tg.grad(special.zeta, argnums=1))(x, q), rel=1e-13)
    assert dxq == pytest.approx(fd(lambda r: dx(x, r), q, 1e-6 * q), rel=1e-6)


def test_zetas_exponent_derivative_under_jit_vmap_jvp_and_float32():
    xs, q = np.array([1.5, 2.5, 4.0, 9.0]), 1.5
    g = tg.grad(lambda s: special.zeta(s, q))
    loop = np.stack([g(s) for s in xs])
    assert same(tg.vmap(g)(xs), loop)
    assert same(tg.jit(tg.vmap(g))(xs), loop)
    assert all(same(tg.jit(g)(s), g(s)) for s in xs)
    _, t = tg.jvp(lambda s: special.zeta(s, q), (xs,), (np.ones(4),))
    np.testing.assert_allclose(t, loop, rtol=1e-15)
    g32 = tg.grad(special.zeta)(np.float32(2.5), np.float32(2.0))
    assert g32.dtype == np.float32
    assert g32 == pytest.approx(tg.grad(special.zeta)(2.5, 2.0), rel=1e-6)


def _covariance_product(k: int) -> np.ndarray:
    rs = np.random.RandomState(k)
    a, b = rs.randn(4, 4), rs.randn(4, 4)
    return (a @ a.T + np.eye(4)) @ (b @ b.T + np.eye(4))


@pytest.mark.parametrize("k", range(3))
def test_sqrtm_of_a_product_of_covariances_is_scipys_and_differentiates(k):
    # frechet_distance_sqrtm: scipy.linalg.sqrtm was missing from tapegrad.scipy.linalg. A
    # product of two covariances has real positive eigenvalues: V diag(sqrt(w)) V^-1, with
    # the eigendecomposition's derivative
    a = _covariance_product(k)
    x = sla.sqrtm(a)
    np.testing.assert_allclose(x, scipy.linalg.sqrtm(a), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(x @ x, a, rtol=1e-12, atol=1e-12)
    w = np.arange(16.0).reshape(4, 4) / 10.0
    f = lambda m: np.sum(sla.sqrtm(m) * w)                                    # noqa: E731
    np.testing.assert_allclose(tg.grad(f)(a), fd(f, a, 1e-6), rtol=1e-5, atol=1e-7)
    assert same(tg.jit(f)(a), f(a))
    x2, err = sla.sqrtm(a, disp=False)
    assert same(x2, x) and 0 <= err < 1e-14


def test_sqrtm_under_vmap_and_its_refusals():
    batch = np.stack([_covariance_product(k) for k in range(3)])
    g = tg.grad(lambda m: np.trace(sla.sqrtm(m)))
    assert same(tg.vmap(sla.sqrtm)(batch), np.stack([sla.sqrtm(m) for m in batch]))
    assert same(tg.vmap(g)(batch), np.stack([g(m) for m in batch]))
    with pytest.raises(ValueError, match="square matrix"):
        sla.sqrtm(np.ones((2, 3)))
    assert np.isnan(sla.sqrtm(np.diag([4.0, -1.0]))).any()     # SciPy: a complex root
