"""Array programs, part thirteen: the programs of ``real_programs13.py`` under every transform.

For each program, at three inputs: ``jit`` equals NumPy bit for bit (value,
dtype and type) in one trace; ``grad`` agrees with central differences (in
float64, for the float32 programs too, whose gradients stay float32);
``jit(grad)`` equals ``grad`` bit for bit; ``vmap`` of the value and of
``grad`` equals a Python loop over the inputs bit for bit; ``jvp`` returns
NumPy's value and ``grad @ v``; the Hessian agrees with central differences
of ``grad`` and is symmetric. The programs written with ``tapegrad.scipy``
give SciPy's numbers with SciPy's modules. Then what running them found,
each as its own test.
"""

from __future__ import annotations

import numpy as np
import pytest
import real_programs8
import real_programs9
import real_programs10
import real_programs11
import real_programs12
import real_programs13
import scipy.special
import scipy.stats
import test_real_programs4 as part_four
import test_real_programs6 as part_six
from conftest import fd
from program_battery import battery, same
from real_programs13 import PROGRAMS

import tapegrad as tg
import tapegrad.scipy.special as tss


def test_there_are_fifty_new_programs() -> None:
    earlier = {*part_four.PROGRAMS, *part_six.PROGRAMS, *real_programs8.PROGRAMS,
               *real_programs9.PROGRAMS, *real_programs10.PROGRAMS, *real_programs11.PROGRAMS,
               *real_programs12.PROGRAMS}
    assert len(PROGRAMS) >= 50 and not set(PROGRAMS) & earlier
    assert sum(c.xs[0].dtype == np.float32 for c in PROGRAMS.values()) >= 3


globals().update(battery(real_programs13, scipy_rtol=1e-12, scipy_programs=8))


# ------------------------------------------------------------ what running them found
Q = np.array([-0.3, 0.05, 0.2, 0.41, 0.77, 0.9, 1.4])
KNOTS = {   # f(p): np.interp with sample points made from p
    "breakpoints": lambda p: np.interp(Q, np.cumsum(p[:4]), np.array([0.0, 1.0, 0.5, 0.2])),
    "x_and_xp_traced": lambda p: np.interp(p[0] * Q, np.cumsum(p), np.sin(p)),
    "scalar_x": lambda p: np.interp(0.37, np.cumsum(p), p[::-1]),
    "left_right_traced": lambda p: np.interp(Q, np.cumsum(p), p ** 2, left=p[1], right=-p[2]),
    "constant_left": lambda p: np.interp(Q, np.cumsum(p), p, left=-1.0, right=2.0),
    "weighted_median": lambda p: np.interp(0.5, (np.cumsum(p) - 0.5 * p) / np.sum(p),
                                           np.array([1.0, 2.0, 4.0, 8.0])),
}
P_KNOTS = np.array([0.1, 0.25, 0.3, 0.2])


def _loss(f):
    return lambda p: np.sum(np.cos(np.atleast_1d(f(p))) * np.arange(1.0, np.size(f(p)) + 1))


@pytest.mark.parametrize("name", sorted(KNOTS))
def test_interp_differentiates_in_traced_sample_points_under_every_transform(name: str) -> None:
    # np.interp(t, np.cumsum(p), ...) (an envelope's breakpoints, a weighted quantile's
    # cumulative weights) said "interp: xp must be a constant"; the knots of x's interval now
    # carry -slope times their weight, NumPy's value unchanged
    f = KNOTS[name]
    p = P_KNOTS
    assert same(tg.jit(f)(p), f(p)) and same(tg.vjp(f, p)[0], f(p))
    loss = _loss(f)
    g = tg.grad(loss)(p)
    np.testing.assert_allclose(g, fd(loss, p), rtol=1e-7, atol=1e-9)
    assert same(tg.jit(tg.grad(loss))(p), g)
    H = tg.hessian(loss)(p)
    want = np.stack([fd(lambda y, i=i: tg.grad(loss)(y)[i], p, 1e-6) for i in range(4)])
    np.testing.assert_allclose(H, want, rtol=1e-5, atol=1e-6)
    batch = np.stack([p, p * 1.1, p[::-1]])
    for h in (f, tg.grad(loss)):
        assert same(tg.vmap(h)(batch), np.stack([np.asarray(h(b)) for b in batch]))


def test_interp_knot_derivatives_are_minus_the_slope_times_the_weights() -> None:
    xp, fp, x = np.array([0.0, 1.0, 3.0, 4.0]), np.array([1.0, 3.0, 2.0, 5.0]), 1.5
    t, slope = (x - 1.0) / 2.0, (2.0 - 3.0) / 2.0
    want = np.array([0.0, -slope * (1 - t), -slope * t, 0.0])
    np.testing.assert_allclose(tg.grad(lambda xp: np.interp(x, xp, fp))(xp), want, rtol=1e-15)
    outside = tg.grad(lambda xp: np.interp(np.array([-1.0, 9.0, np.inf]), xp, fp).sum())(xp)
    assert same(outside, np.zeros(4))


ANTOINE_A = np.array([4.0, 4.1])


def _newton_with_a_numpy_scalar(p):
    t = 350.0
    while True:
        psat = 10 ** (ANTOINE_A - 1200.0 / (t - 50.0))
        f = np.sum(p * psat) - 1.0
        step = f / np.sum(p * psat * np.log(10) * 1200.0 / (t - 50.0) ** 2)
        t = t - step
        if abs(step) < 1e-10:
            break
    return t


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_numpy_scalar_made_in_a_loops_body_rolls_under_jit(dtype) -> None:
    # np.log(10) in a Newton loop's body (a new np.float64 each iteration) kept the while from
    # rolling: each trip count was a new trace. In float32 every constant is a NumPy scalar;
    # rolled, the backward loop needs a recorded seed, np.float32(1.0), as float64's 1.0
    xs = [np.array(x, dtype) for x in ([0.4, 0.6], [0.9, 0.1], [0.05, 0.3])]
    jf, jg = tg.jit(_newton_with_a_numpy_scalar), tg.jit(tg.grad(_newton_with_a_numpy_scalar))
    for x in xs:
        assert same(jf(x), _newton_with_a_numpy_scalar(x))
        assert same(jg(x), tg.grad(_newton_with_a_numpy_scalar)(x))
    assert jf.trace_count == 1 and jg.trace_count == 1


def _bubble_point_reading_x_after_the_loop(p):
    x = np.array([1.0, 0.0]) * p[0] + np.array([0.0, 1.0]) * (1 - p[0])
    A, B, C = real_programs13.ANTOINE.T
    T = 350.0
    while True:
        psat = 10 ** (A - B / (T + C))
        step = (np.sum(x * psat) - p[1]) / np.sum(x * psat * np.log(10) * B / (T + C) ** 2)
        T = T - step
        if abs(step) < 1e-10:
            break
    y = x * 10 ** (A - B / (T + C)) / p[1]
    return T / 100 + y[0]


@pytest.mark.xfail(strict=True, reason="jit(grad) of a while loop whose loop-invariant array "
                   "(x, made from the input) is read again after the loop traces once per "
                   "trip count: the backward loop does not roll (reading x1 instead rolls)")
def test_jit_grad_rolls_a_newton_loop_whose_invariant_is_read_after_it() -> None:
    xs = PROGRAMS["bubble_point_antoine_newton"].xs
    g = tg.grad(_bubble_point_reading_x_after_the_loop)
    jg = tg.jit(g)
    for x in xs:
        assert same(jg(x), g(x))
    assert jg.trace_count == 1


def test_a_rule_at_a_numpy_scalar_is_the_loops_under_vmap() -> None:
    # ndtr's derivative, the normal density, was written with tapegrad's exp: math.exp on a
    # NumPy scalar, np.exp on a batch (an ulp apart under vmap); it computes with NumPy's
    f = lambda p: tss.ndtr((p[1] - p[0]) / p[2])                          # noqa: E731
    g = tg.grad(f)
    batch = np.random.RandomState(0).rand(50, 3) + 0.5
    assert same(tg.vmap(g)(batch), np.stack([g(b) for b in batch]))
    assert same(tg.jit(g)(batch[0]), g(batch[0]))
    np.testing.assert_allclose(g(batch[0]), fd(f, batch[0]), rtol=1e-8)
    h = tg.hessian(f)(batch[0])
    np.testing.assert_allclose(h, np.stack([fd(lambda p, k=k: g(p)[k], batch[0])
                                            for k in range(3)]), rtol=1e-6, atol=1e-9)
    for x in (0.3, np.float64(-1.2), np.array([0.5, 2.0], np.float32)):
        np.testing.assert_allclose(tg.grad(lambda x: np.sum(tss.ndtr(x)))(x),
                                   scipy.stats.norm.pdf(x), rtol=1e-15 if np.ndim(x) == 0 else
                                   1e-6)
    assert tg.grad(lambda x: np.sum(tss.ndtr(x)))(np.float32(0.5)).dtype == np.float32


def test_an_optimized_einsum_of_three_operands_is_the_loop_under_vmap() -> None:
    # a Gaussian copula's quadratic form einsum("ni,ij,nj->n", z, Rinv, z): under vmap(grad)
    # the batch's einsum chose its own contraction path, an ulp off the loop
    z = tss.ndtri(real_programs13.U_COP)
    flip = np.array([[0.0, 1.0], [1.0, 0.0]])

    def quad(p):
        return np.sum(np.einsum("ni,ij,nj->n", z, np.linalg.inv(np.eye(2) + p[0] * flip), z))
    batch = np.array([[0.46], [0.43], [0.51], [0.3]])
    for h in (quad, tg.grad(quad)):
        assert same(tg.vmap(h)(batch), np.stack([np.asarray(h(m)) for m in batch]))
    S, r = z.T @ z, 0.46
    Rinv = np.linalg.inv(np.eye(2) + r * flip)
    np.testing.assert_allclose(tg.grad(quad)(batch[0]), [-np.sum(Rinv @ flip @ Rinv * S)],
                               rtol=1e-13)


def test_scipys_binom_runs_with_its_derivatives_in_n_and_k() -> None:
    # scipy.special.binom(n, k) of traced n and k was refused ("tapegrad.scipy.special has no
    # binom"); SciPy's ufunc now gives the value, the derivatives are Gamma's (digammas)
    f = lambda p: scipy.special.binom(p[0] * np.array([5.0, 7.5, 9.0]), p[1:] ** 2)  # noqa
    p = np.array([1.1, 1.3, 0.8, 2.0])
    assert same(tg.jit(f)(p), f(p)) and same(tg.vjp(f, p)[0], f(p))
    loss = lambda p: np.sum(np.log(f(p)) * np.array([1.0, -0.5, 2.0]))   # noqa: E731
    np.testing.assert_allclose(tg.grad(loss)(p), fd(loss, p), rtol=1e-7, atol=1e-10)
    H = tg.hessian(loss)(p)
    want = np.stack([fd(lambda y, i=i: tg.grad(loss)(y)[i], p, 1e-6) for i in range(4)])
    np.testing.assert_allclose(H, want, rtol=1e-5, atol=1e-7)
    batch = np.stack([p, p * 1.05, p * 0.95])
    for h in (f, tg.grad(loss)):
        assert same(tg.vmap(h)(batch), np.stack([h(b) for b in batch]))
