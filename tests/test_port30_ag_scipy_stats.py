"""HIPS autograd's ``tests/test_scipy.py`` distributions, at the points where the code branches.

autograd checks the derivatives of ``scipy.stats``'s ``cauchy``, ``laplace``,
``logistic`` (and others) at random points; here they are checked where
tapegrad's stable formulas switch from one branch to another, a point random
draws never hit: ``x = loc +- scale`` for the Cauchy density and CDF,
``x = loc`` for the Laplace CDF and the logistic density. The functions are
smooth there (the Laplace CDF once: its derivative is the density, continuous
at the peak), so first and second derivatives equal central differences and
the closed forms; values stay SciPy's, and ``jit`` equals eager bit for bit.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import tapegrad as tg
from tapegrad.scipy.stats import cauchy, laplace, logistic

LOC, SCALE = 0.3, 0.7


def diff(f, x, eps):
    return (f(x + eps) - f(x - eps)) / (2 * eps)


CASES = [(cauchy, name, x) for name in ("pdf", "logpdf", "cdf", "logcdf", "sf", "logsf")
         for x in (LOC + SCALE, LOC - SCALE, LOC)] + \
        [(laplace, name, LOC) for name in ("cdf", "logcdf", "sf", "logsf")] + \
        [(logistic, name, LOC) for name in ("pdf", "logpdf")]


@pytest.mark.parametrize("dist,name,x", CASES,
                         ids=[f"{d.__name__.rsplit('.', 1)[1]}.{n}@{x:.1f}" for d, n, x in CASES])
def test_derivatives_where_the_formula_switches_branch(dist, name, x):
    f = lambda v: getattr(dist, name)(v, LOC, SCALE)        # noqa: E731
    np.testing.assert_allclose(tg.grad(f)(x), diff(f, x, 1e-6), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(tg.jvp(f, (x,), (1.0,))[1], diff(f, x, 1e-6), rtol=1e-6)
    if dist is not laplace:         # the Laplace CDF's second derivative jumps at the peak
        np.testing.assert_allclose(tg.grad(tg.grad(f))(x), diff(tg.grad(f), x, 1e-5),
                                   rtol=1e-5, atol=1e-8)
    assert tg.jit(tg.grad(f))(x) == tg.grad(f)(x)


def test_closed_forms_at_the_switch_points():
    s = SCALE
    # Laplace: d/dx cdf = pdf = 1 / (2 s) at the peak; d/dx logcdf = pdf / cdf = 1 / s
    assert math.isclose(tg.grad(lambda v: laplace.cdf(v, LOC, s))(LOC), 0.5 / s, rel_tol=1e-15)
    assert math.isclose(tg.grad(lambda v: laplace.logcdf(v, LOC, s))(LOC), 1.0 / s,
                        rel_tol=1e-15)
    # Cauchy: d/dx logpdf = -2 z / (s (1 + z^2)) = -1/s at z = 1; cdf' = pdf = 1 / (2 pi s)
    assert math.isclose(tg.grad(lambda v: cauchy.logpdf(v, LOC, s))(LOC + s), -1.0 / s,
                        rel_tol=1e-15)
    assert math.isclose(tg.grad(lambda v: cauchy.cdf(v, LOC, s))(LOC - s), 0.5 / (math.pi * s),
                        rel_tol=1e-15)
    # logpdf'' at the centre: Cauchy -2 / s^2, logistic -1 / (2 s^2)
    assert math.isclose(tg.grad(tg.grad(lambda v: cauchy.logpdf(v, LOC, s)))(LOC), -2.0 / s**2,
                        rel_tol=1e-14)
    assert math.isclose(tg.grad(tg.grad(lambda v: logistic.logpdf(v, LOC, s)))(LOC),
                        -0.5 / s**2, rel_tol=1e-14)


def test_values_are_scipys_and_stay_finite_in_the_tails():
    stats = pytest.importorskip("scipy.stats")
    x = np.array([-1e200, -30.0, LOC - SCALE, LOC, LOC + SCALE, 30.0, 1e200])
    for dist in (cauchy, logistic):
        for name in ("logpdf", "cdf", "logcdf"):
            got, want = getattr(dist, name)(x, LOC, SCALE), \
                getattr(getattr(stats, dist.__name__.rsplit(".", 1)[1]), name)(x, LOC, SCALE)
            np.testing.assert_allclose(got, want, rtol=1e-14)
            assert tg.jit(lambda v: getattr(dist, name)(v, LOC, SCALE))(x).tobytes() == \
                got.tobytes()
    assert logistic.logpdf(-np.inf) == -np.inf and logistic.logpdf(np.inf) == -np.inf
    assert tg.grad(lambda v: logistic.logpdf(v, LOC, SCALE))(-np.inf) == 1.0 / SCALE


# ------------------------------------- dirichlet (autograd's scipy.stats.dirichlet)
ALPHA = np.array([1.5, 2.0, 3.5])
POINTS = np.array([[0.2, 0.1], [0.3, 0.6], [0.5, 0.3]])      # two points, components on axis 0


def test_dirichlet_is_scipys_for_every_layout_of_x():
    stats = pytest.importorskip("scipy.stats")
    from tapegrad.scipy.stats import dirichlet
    for x in (POINTS[:, 0], POINTS[:2, 0], POINTS, POINTS[:2]):       # K or K - 1 rows
        for name in ("logpdf", "pdf"):
            got = getattr(dirichlet, name)(x, ALPHA)
            np.testing.assert_allclose(got, getattr(stats.dirichlet, name)(x, ALPHA), rtol=1e-14)
            assert np.shape(got) == np.shape(getattr(stats.dirichlet, name)(x, ALPHA))
            assert np.asarray(tg.jit(getattr(dirichlet, name))(x, ALPHA)).tobytes() == \
                np.asarray(got).tobytes()
    same = tg.vmap(dirichlet.logpdf, in_axes=(1, None))(POINTS, ALPHA)
    np.testing.assert_array_equal(same, dirichlet.logpdf(POINTS, ALPHA))
    # off the simplex -inf (SciPy raises), a concentration not positive nan
    assert dirichlet.logpdf(np.array([0.5, 0.6, -0.1]), ALPHA) == -np.inf
    assert dirichlet.logpdf(np.array([0.5, 0.6, 0.1]), ALPHA) == -np.inf
    assert np.isnan(dirichlet.logpdf(POINTS[:, 0], np.array([1.0, -1.0, 2.0])))
    with pytest.raises(ValueError, match="one entry fewer"):
        dirichlet.logpdf(np.ones(5) / 5, ALPHA)


def test_dirichlet_derivatives_in_alpha_and_on_the_simplex():
    from tapegrad.scipy.stats import dirichlet
    sp = pytest.importorskip("scipy.special")
    # d/dalpha_i = log x_i - psi(alpha_i) + psi(sum alpha), summed over the points
    g = tg.grad(lambda a: tg.sum(dirichlet.logpdf(POINTS, a)))(ALPHA)
    want = np.sum(np.log(POINTS), axis=1) - 2 * (sp.psi(ALPHA) - sp.psi(ALPHA.sum()))
    np.testing.assert_allclose(g, want, rtol=1e-12)
    tg.check_grads(lambda a: dirichlet.logpdf(POINTS, a), (ALPHA,), order=2)
    # with K - 1 free components the last is 1 - sum: d/dx_i = (a_i - 1)/x_i - (a_K - 1)/x_K
    x = POINTS[:2, 0]
    last = 1.0 - x.sum()
    np.testing.assert_allclose(tg.grad(dirichlet.logpdf)(x, ALPHA),
                               (ALPHA[:2] - 1) / x - (ALPHA[2] - 1) / last, rtol=1e-13)
    tg.check_grads(dirichlet.logpdf, (x, ALPHA), order=2)
