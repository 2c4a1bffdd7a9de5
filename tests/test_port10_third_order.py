"""Third derivatives, now that ``check_grads`` takes any order as JAX's does.

JAX's tests check some derivatives past the second (``check_grads(f, args,
3)``: loops, ``checkpoint``, linear algebra). Here every family with a
rule of its own (loops, checkpointing, factorizations and solves, the
stable reductions, sorting, interpolation, SciPy's special functions and
distributions) against central differences at order 3 in both modes, and
the third derivative of each scalar case under ``jit`` equal to eager bit
for bit.
"""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg
from tapegrad.scipy import special, stats

R = np.random.default_rng(3)
A = R.standard_normal((3, 3))
CASES = {
    "scan": (
        lambda x: tg.scan(lambda c, a: (c * tg.sin(a) + a, c**2), x[0], x)[0],
        (R.uniform(-1, 1, 4),),
    ),
    "fori": (lambda x: tg.fori_loop(0, 3, lambda i, c: tg.sin(c) * x, x), (0.7,)),
    "while": (
        lambda x: tg.while_loop(
            lambda c: c[0] < 3, lambda c: (c[0] + 1, tg.tanh(c[1]) * 1.5), (0, x)
        )[1],
        (0.4,),
    ),
    "checkpoint": (lambda x: tg.checkpoint(lambda y: tg.sin(y) * y**2)(x), (0.9,)),
    "det": (lambda x: np.linalg.det(A + x * np.eye(3)), (0.3,)),
    "inv": (lambda x: np.sum(np.linalg.inv(A + np.diag(x)) ** 2), (np.array([3.0, 2.0, 4.0]),)),
    "solve": (
        lambda x: np.sum(np.linalg.solve(A + 3 * np.eye(3), x) ** 3),
        (np.array([1.0, 0.5, -0.2]),),
    ),
    "eigh": (
        lambda x: np.sum(np.linalg.eigh(A + A.T + np.diag(x))[0] ** 3),
        (np.array([0.1, 1.5, 3.0]),),
    ),
    "cholesky": (
        lambda x: np.sum(np.linalg.cholesky(A @ A.T + np.diag(x))),
        (np.array([1.0, 2.0, 3.0]),),
    ),
    "logsumexp": (lambda x: tg.logsumexp(x), (np.array([0.1, -0.5, 2.0]),)),
    "softmax": (lambda x: np.sum(tg.softmax(x) ** 2), (np.array([0.1, -0.5, 2.0]),)),
    "norm": (lambda x: np.linalg.norm(x), (np.array([0.1, -0.5, 2.0]),)),
    "expm1 of log1p": (lambda x: np.expm1(np.log1p(x)) * np.tanh(x), (0.3,)),
    "power traced exp": (lambda x: x**x, (1.3,)),
    "arctan2": (lambda x: np.arctan2(x, x**2 + 1), (0.4,)),
    "hypot": (lambda x: np.hypot(x, 2 * x + 1), (0.4,)),
    "cumprod": (lambda x: np.sum(np.cumprod(x)), (np.array([0.5, 1.2, -0.7]),)),
    "sort": (lambda x: np.sum(np.sort(x) * np.arange(3)) ** 2, (np.array([0.5, 1.2, -0.7]),)),
    "interp": (
        lambda x: np.sum(np.interp(x, [0.0, 1.0, 2.0], [1.0, 3.0, 2.0]) ** 3),
        (np.array([0.3, 1.7]),),
    ),
    "erf": (lambda x: special.erf(x), (0.3,)),
    "gammaln": (lambda x: special.gammaln(x), (2.3,)),
    "norm.logpdf": (lambda x: stats.norm.logpdf(x, 0.5, 2.0), (0.3,)),
    "var": (lambda x: np.var(x) ** 2, (np.array([0.5, 1.2, -0.7]),)),
    "polyval": (lambda x: np.polyval(x, 0.7) ** 3, (np.array([0.5, 1.2, -0.7]),)),
    "einsum": (lambda x: np.einsum("i,i,i->", x, x, x), (np.array([0.5, 1.2, -0.7]),)),
}


@pytest.mark.parametrize("name", list(CASES))
def test_third_derivatives_in_both_modes_against_central_differences(name):
    f, args = CASES[name]
    tg.check_grads(f, args, order=3, eps=1e-4, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("name", [n for n, (_, a) in CASES.items() if isinstance(a[0], float)])
def test_third_derivative_under_jit_is_eagers_bit_for_bit(name):
    f, (x,) = CASES[name]
    d3 = tg.grad(tg.grad(tg.grad(f)))
    assert tg.jit(d3)(x) == d3(x)
    np.testing.assert_array_equal(tg.vmap(d3)(np.array([x, x])), [d3(x)] * 2)
