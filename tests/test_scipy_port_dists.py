"""expon, laplace, logistic, cauchy and uniform: added to tapegrad.scipy.stats.

JAX's ``scipy_stats_test.py`` family for each: SciPy's values over the line
(with ``loc`` and ``scale``, the tails, the ends of the support, invalid
scales), float32 kept, gradients in every argument against central
differences and closed forms, ``jit`` bit for bit, ``vmap`` against a loop.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import tapegrad as tg
from tapegrad.scipy import stats as T

ss = pytest.importorskip("scipy.stats")
NAMES = ["expon", "laplace", "logistic", "cauchy", "uniform"]
XS = np.array([-np.inf, -1e300, -40.0, -10.0, -1.0, -1e-300, 0.0, 1e-300, 1e-10, 0.3, 0.69,
               0.7, 1.0, 2.0, 10.0, 40.0, 1e300, np.inf, np.nan])
QS = np.array([-0.1, 0.0, 1e-300, 1e-10, 0.3, 0.5, 0.9, 1 - 1e-16, 1.0, 1.1, np.nan])
# Where SciPy underflows and ours does not: laplace's log-functions far out (-1e300, not -inf)
SCIPY_UNDERFLOWS = {("laplace", f) for f in ("logpdf", "logcdf", "logsf")}


def _funs(name):
    return [f for f in getattr(T, name).__all__       # entropy and the summaries take no x
            if f not in ("entropy", "mean", "var", "std", "median", "interval")]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("loc,scale", [(0.0, 1.0), (1.0, 2.0), (0.0, 0.0), (0.0, -1.0)])
def test_values_over_the_line_equal_scipys(name, loc, scale):
    for fun in _funs(name):
        x = QS if fun in ("ppf", "isf") else XS
        got = getattr(getattr(T, name), fun)(x, loc, scale)
        with np.errstate(all="ignore"):
            want = getattr(getattr(ss, name), fun)(x, loc, scale)
        if (name, fun) in SCIPY_UNDERFLOWS and scale > 0:
            far = np.abs(x) > 700
            np.testing.assert_allclose(got[far & (want == -np.inf)],
                                       -np.abs(x[far & (want == -np.inf)] - loc) / scale
                                       - (math.log(2 * scale) if fun == "logpdf" else
                                          math.log(2)), rtol=1e-15)
            got, want, x = got[~far], want[~far], x[~far]
        assert got.dtype == want.dtype
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=0, equal_nan=True)


def test_cauchy_tails_keep_their_digits():
    # 1/2 + atan(z)/pi cancels: SciPy's cdf(-1e10) is 6 digits off, ours 1 / (pi 1e10)
    assert T.cauchy.cdf(-1e10) == pytest.approx(math.atan(1e-10) / math.pi, rel=1e-15)
    assert T.cauchy.sf(1e10) == pytest.approx(math.atan(1e-10) / math.pi, rel=1e-15)
    assert T.cauchy.ppf(1e-300) == pytest.approx(-1 / (math.pi * 1e-300), rel=1e-14)
    assert T.cauchy.ppf(0.5) == 0.0


def _args(name, fun):
    x = 0.3 if fun in ("ppf", "isf") else (0.8 if name in ("expon", "uniform") else -0.7)
    return (x, 0.2 if name != "uniform" else -0.4, 1.7)


@pytest.mark.parametrize("name", NAMES)
def test_gradients_in_every_argument_equal_central_differences(name):
    for fun in _funs(name):
        f = getattr(getattr(T, name), fun)
        args = _args(name, fun)
        for i in range(3):
            g = tg.grad(f, argnums=i)

            def at(v, i=i):
                return float(f(*(v if k == i else a for k, a in enumerate(args))))
            want = (at(args[i] + 1e-6) - at(args[i] - 1e-6)) / 2e-6
            assert g(*args) == pytest.approx(want, rel=1e-6, abs=1e-9), (fun, i)
            assert tg.jit(g)(*args) == g(*args)
            assert tg.jvp(lambda v: f(*(v if k == i else a for k, a in enumerate(args))),
                          (args[i],), (1.0,))[1] == pytest.approx(g(*args), rel=1e-14)


@pytest.mark.parametrize("name,fun,dlogpdf", [
    ("expon", "logpdf", lambda x: -1.0), ("laplace", "logpdf", lambda x: -np.sign(x)),
    ("logistic", "logpdf", lambda x: -np.tanh(x / 2)),
    ("cauchy", "logpdf", lambda x: -2 * x / (1 + x * x)),
    ("logistic", "logcdf", lambda x: 1 / (1 + np.exp(x))),
])
def test_derivatives_equal_closed_forms_also_far_out(name, fun, dlogpdf):
    x = np.array([0.5, 3.0, 30.0, 300.0, -0.5, -3.0, -30.0, -300.0])
    if name == "expon":
        x = np.abs(x)
    g = tg.grad(lambda x: tg.sum(getattr(getattr(T, name), fun)(x)))
    np.testing.assert_allclose(g(x), dlogpdf(x), rtol=1e-14)
    assert tg.grad(getattr(getattr(T, name), fun))(0.0) == pytest.approx(float(dlogpdf(0.0)))


@pytest.mark.parametrize("name", NAMES)
def test_jit_equals_eager_and_vmap_a_loop_and_float32_stays(name):
    x = np.array([0.1, 0.4, 0.9]) * (1.0 if name in ("expon", "uniform") else -3.0)
    loc, scale = np.array([0.0, 0.05, -0.05]), np.array([1.0, 1.5, 2.0])
    for fun in _funs(name):
        f = getattr(getattr(T, name), fun)
        a = np.abs(x) / 3 if fun in ("ppf", "isf") else x
        assert np.array_equal(tg.jit(f)(a, loc, scale), f(a, loc, scale), equal_nan=True)
        np.testing.assert_allclose(tg.vmap(f)(a, loc, scale),    # a scalar loop: math.exp,
                                   [f(*p) for p in zip(a, loc, scale)], rtol=2e-16)  # not np
        g = tg.grad(lambda a, c, s, f=f: tg.sum(f(a, c, s)), argnums=(0, 1, 2))
        for got, want in zip(tg.vmap(g)(a, loc, scale),
                             zip(*[g(*p) for p in zip(a, loc, scale)])):
            np.testing.assert_allclose(got, want, rtol=1e-15)
        assert np.asarray(f(a.astype(np.float32))).dtype == np.float32


def test_scipys_stats_on_a_traced_value_names_ours():
    with pytest.raises(TypeError, match=r"Use tapegrad\.scipy\.stats\.laplace\.logpdf instead"):
        tg.grad(lambda x: ss.laplace.logpdf(x))(1.0)
