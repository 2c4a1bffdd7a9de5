"""Derivatives of order 1 to 3 at 0 of functions that are smooth there, after autograd's tests.

autograd's ``test_scalar_ops.py`` and ``test_systematic.py`` differentiate
each function at random points; tapegrad's stable formulas branch on the
sign of the argument (``|x|``, a ``where`` on ``x < 0``), so 0 (and -0.0) is
where a formula could break a derivative of higher order while the first
stays right: ``np.i0`` gave ``i0''(0) = 0`` where it is ``1/2`` (NumPy's
algorithm runs on ``|x|``; the derivative now follows ``x`` on each side).
Each function here is smooth at 0, so its derivatives of order 1, 2 and 3
there equal central differences of the order below, in reverse mode.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tapegrad as tg
import tapegrad.scipy.special as sp
import tapegrad.scipy.stats as st


def diff(f: Callable[[float], Any], x: float, eps: float) -> float:
    return (f(x + eps) - f(x - eps)) / (2 * eps)


SMOOTH: dict[str, Callable[[Any], Any]] = {
    "np.i0": np.i0, "np.sinc": np.sinc, "tg.softplus": tg.softplus, "tg.sigmoid": tg.sigmoid,
    "np.tanh": np.tanh, "np.logaddexp": lambda x: np.logaddexp(x, 0.0),
    "np.logaddexp2": lambda x: np.logaddexp2(x, 0.0),
    "tg.logsumexp": lambda x: tg.logsumexp([x, 0.0]),
    "log_expit": sp.log_expit, "log_ndtr": sp.log_ndtr, "erf": sp.erf, "erfinv": sp.erfinv,
    "norm.logcdf": st.norm.logcdf, "t.logpdf": lambda x: st.t.logpdf(x, 3.0),
    "t.cdf": lambda x: st.t.cdf(x, 3.0), "logistic.logpdf": st.logistic.logpdf,
    "logistic.logcdf": st.logistic.logcdf, "cauchy.logpdf": st.cauchy.logpdf,
    "cauchy.cdf": st.cauchy.cdf, "np.arctan2": lambda x: np.arctan2(x, 1.0),
    "np.hypot": lambda x: np.hypot(x, 1.0), "np.var": lambda x: np.var(tg.stack([x, 1.0, 2.0])),
    "x**2.0": lambda x: x ** 2.0, "np.float_power": lambda x: np.float_power(x, 2.0),
}


@pytest.mark.parametrize("name", sorted(SMOOTH))
@pytest.mark.parametrize("x0", [0.0, -0.0])
def test_three_derivatives_at_zero_equal_differences(name, x0):
    f = SMOOTH[name]
    d1, d2 = tg.grad(f), tg.grad(tg.grad(f))
    d3 = tg.grad(d2)
    np.testing.assert_allclose(d1(x0), diff(f, x0, 1e-6), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(d2(x0), diff(d1, x0, 1e-5), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(d3(x0), diff(d2, x0, 1e-5), rtol=1e-5, atol=1e-6)


def test_i0_keeps_numpys_values_and_has_i1_s_derivatives_at_zero():
    x = np.array([0.0, -0.0, -3.5, 3.5, 8.0, -8.0, 9.5, -20.0, np.inf, -np.inf, np.nan])
    for v in (x, x.astype(np.float32)):
        want = np.i0(v)
        eager = tg.jvp(np.i0, (v,), (np.ones_like(v),))[0]
        for got in (eager, tg.jit(np.i0)(v), tg.vmap(np.i0)(v)):
            assert got.dtype == want.dtype and got.tobytes() == want.tobytes()
    # i0 = sum (x/2)^(2k) / k!^2: i0''(0) = 1/2, i0'(0) = i0'''(0) = 0
    assert abs(tg.grad(tg.grad(np.i0))(0.0) - 0.5) < 1e-13
    assert abs(tg.grad(np.i0)(0.0)) < 1e-15 and abs(tg.grad(tg.grad(tg.grad(np.i0)))(0.0)) < 1e-11
    assert tg.jit(tg.grad(tg.grad(np.i0)))(-0.0) == tg.grad(tg.grad(np.i0))(-0.0)
