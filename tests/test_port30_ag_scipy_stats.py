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
