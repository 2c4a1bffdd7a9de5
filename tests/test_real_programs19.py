"""Array programs, part nineteen: the programs of ``real_programs19.py`` under every transform.

Numerical recipes and field code, under the checks of ``program_battery.py`` (its
docstring says them), SciPy's numbers with SciPy's modules included. Then what
running them found.
"""

from __future__ import annotations

import numpy as np
import pytest
import real_programs19
import scipy.linalg
import scipy.special
from conftest import fd
from program_battery import battery, same, there_are_new_programs

import tapegrad as tg
import tapegrad.scipy.linalg as sla
import tapegrad.scipy.special as special

test_there_are_new_programs = there_are_new_programs(19, at_least=30)


globals().update(battery(real_programs19, scipy_rtol=1e-12, scipy_programs=5))


# ------------------------------------------------------------ what running them found
def test_a_write_into_np_vander_of_a_traced_vector_is_a_write_into_a_new_array() -> None:
    # givens_least_squares_hypot: R = np.vander(t, 3), then rows rotated in place; tapegrad's
    # vander reversed its columns by a view, so the write was refused as a write into a view
    # of another array, where NumPy's vander is a new array
    def f(x):
        R = np.vander(x, 3)
        R[0], R[1] = R[0] + R[1], R[0] - R[1]
        return np.sum(R * np.arange(9.0).reshape(3, 3))
    x = np.array([0.5, 1.5, -2.0])
    assert same(tg.jit(f)(x), f(x))
    np.testing.assert_allclose(tg.grad(f)(x), fd(f, x), rtol=1e-7)
    for increasing in (False, True):
        for n in (None, 1, 2, 4):
            assert same(tg.jit(lambda x: np.vander(x, n, increasing))(x),
                        np.vander(x, n, increasing))


def buffers(p):
    # heat_explicit_out_buffers: the ufuncs' out= into traced buffers of np.empty_like
    u = p * np.linspace(0.5, 1.5, 5)
    u_new, lap = np.empty_like(u), np.empty_like(u)
    for _ in range(3):
        np.subtract(np.roll(u, 1) + np.roll(u, -1), 2 * u, out=lap)
        np.multiply(lap, 0.2 * u, out=lap)
        written = np.add(u, lap, out=u_new)
        assert written is u_new
        u, u_new = u_new, u
    np.clip(u, 0.6, None, out=u)
    return np.sum(u ** 2)


def test_out_into_a_traced_array_is_a_write_into_it_under_every_transform() -> None:
    x = np.array([1.1])
    for h in (buffers, tg.grad(buffers)):
        assert same(tg.jit(h)(x), h(x))
    np.testing.assert_allclose(tg.grad(buffers)(x), fd(buffers, x), rtol=1e-7)
    xs = np.array([[0.9], [1.1], [1.3]])
    assert same(tg.vmap(buffers)(xs), np.stack([buffers(v) for v in xs]))
    np.testing.assert_allclose(tg.jvp(buffers, (x,), (np.ones(1),))[1], tg.grad(buffers)(x)[0],
                               rtol=1e-12)


def safe_divide(x):
    # crude_rates_safe_divide: NumPy's guard against dividing by zero
    return np.divide(x ** 2, x - 0.7, out=np.zeros_like(x), where=x != 0.7)


def test_a_ufuncs_where_keeps_outs_numbers_and_their_derivative() -> None:
    x = np.array([0.3, 0.7, 1.2])
    with np.errstate(all="raise"):         # NumPy divides only where the mask holds
        want = safe_divide(x)
        assert same(tg.jit(safe_divide)(x), want)
        J = tg.jacobian(safe_divide)(x)
    d = lambda v: (2 * v * (v - 0.7) - v ** 2) / (v - 0.7) ** 2   # noqa: E731
    np.testing.assert_allclose(J, np.diag([d(0.3), 0.0, d(1.2)]), rtol=1e-12)
    xs = np.stack([x, x + 0.1])
    assert same(tg.vmap(safe_divide)(xs), np.stack([safe_divide(v) for v in xs]))

    def root_where(x):
        u = x.copy()
        np.sqrt(x - 0.5, out=u, where=x > 0.5)      # u keeps x where x <= 0.5
        return u
    np.testing.assert_allclose(tg.jacobian(root_where)(x),
                               np.diag([1.0, 0.5 / np.sqrt(0.2), 0.5 / np.sqrt(0.7)]))


@pytest.mark.parametrize("call, message", [
    (lambda x: np.add(x, 1.0, out=x), "argument of the transformed function"),
    (lambda x: np.add(x, 1.0, out=np.empty(3)), "takes no keywords, not out"),
    (lambda x: np.add(x, 1.0, out=(x * 0).astype(int)), "cannot cast the result from float64"),
    (lambda x: (lambda y: np.add(x, 1.0, out=y[1:]))(x.copy()), "view of another array"),
])
def test_out_is_refused_where_numpy_would_write_elsewhere(call, message) -> None:
    with pytest.raises(TypeError, match=message):
        tg.grad(lambda x: np.sum(call(x)))(np.ones(3))


@pytest.mark.parametrize("l_and_u", [(1, 1), (2, 1), (0, 2), (1, 0)])
def test_solve_banded_is_scipys_and_reads_only_the_band(l_and_u) -> None:
    # crank_nicolson_solve_banded: tapegrad.scipy.linalg had no solve_banded, and SciPy's
    # refused the traced diagonals
    lower, upper = l_and_u
    rs = np.random.RandomState(lower + 3 * upper)
    ab = rs.randn(lower + upper + 1, 6)
    ab[upper] += 5.0
    b = rs.randn(6)
    np.testing.assert_allclose(sla.solve_banded(l_and_u, ab, b),
                               scipy.linalg.solve_banded(l_and_u, ab, b), rtol=1e-12)
    f = lambda ab: np.sum(sla.solve_banded(l_and_u, ab, b) ** 2)     # noqa: E731
    g = tg.grad(f)(ab)
    unread = np.zeros_like(ab, dtype=bool)
    for k in range(1, upper + 1):
        unread[upper - k, :k] = True            # SciPy's corners above the first column
    for k in range(1, lower + 1):
        unread[upper + k, -k:] = True
    assert np.all(g[unread] == 0.0)
    np.testing.assert_allclose(g[~unread], fd(f, ab)[~unread], rtol=1e-6, atol=1e-9)
    assert same(tg.jit(f)(ab), f(ab))


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_polygamma_far_below_zero_is_scipys_and_ends(n) -> None:
    # found writing a negative binomial shape fit by Newton on the profile score: a step
    # that overshot to r = -1e7 ran polygamma's upward recurrence one unit at a time (ten
    # million steps; forever where x + 1 == x); below -50 it now reflects,
    # psi^(n)(x) = (-1)^n psi^(n)(1 - x) - pi d^n/dx^n cot(pi x)
    x = -50.0 - np.random.RandomState(n).rand(200) * 1000
    ours, theirs = special.polygamma(n, x), scipy.special.polygamma(n, x)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-14 * np.max(np.abs(theirs)))
    far = np.array([-1e15 - 0.5, -1e7 - 0.25])
    # psi1(x) + psi1(1 - x) = pi^2 / sin(pi x)^2
    cot_n = {1: np.pi ** 2 / np.sin(np.pi * (far - np.round(far))) ** 2}.get(n)
    got = special.polygamma(n, far)
    assert np.all(np.isfinite(got))
    if cot_n is not None:
        np.testing.assert_allclose(got + scipy.special.polygamma(1, 1 - far), cot_n,
                                   rtol=1e-12)
