"""Cases after JAX's linalg_test.py ``testLstsq``: NumPy's ``lstsq`` under ``jit`` and ``vmap``.

NumPy solves in float64 whatever the data's dtype, so its default cutoff
is float64's ``eps * max(m, n)`` and the rank is counted on float64
singular values, for float32 data too. A float32 matrix whose third row is
the sum of the other two rounds to full rank there (rank 3, a solution of
size 5e7); with float32's cutoff it was rank 2 and the minimum-norm
solution under ``jit`` and ``vmap``. An empty residual array has the
result's dtype (float64 for float32 data with a float64 ``b``), not ``a``'s.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import tapegrad as tg
from tests.conftest import fd

R = np.random.default_rng(11).normal(size=(4, 3)) * 3
DEFICIENT = R[:3].copy()
DEFICIENT[2] = DEFICIENT[0] + DEFICIENT[1]
MATRICES = {"tall": R, "wide": R.T.copy(), "deficient": DEFICIENT}
DTYPES = [np.float64, np.float32, np.int64]


def _same(got, want):
    for g, w in zip(got, want):
        assert np.asarray(g).dtype == np.asarray(w).dtype
        assert np.shape(g) == np.shape(w)
        np.testing.assert_array_equal(g, w)


@pytest.mark.parametrize(("kind", "a_dtype", "b_dtype"),
                         list(itertools.product(MATRICES, DTYPES[:2], DTYPES)))
def test_lstsq_under_jit_and_vmap_is_numpys(kind, a_dtype, b_dtype):
    a = MATRICES[kind].astype(a_dtype)
    b = (np.arange(2 * a.shape[0]).reshape(a.shape[0], 2) + 1).astype(b_dtype)
    for rhs in (b, b[:, 0]):
        f = lambda m, rhs=rhs: np.linalg.lstsq(m, rhs)      # noqa: E731
        want = f(a)
        _same(tg.jit(f)(a), want)
        batch = np.stack([a, a])
        got = tg.vmap(f)(batch)
        _same([g[1] for g in got], want)


def test_float32_rank_is_counted_in_float64():
    a = DEFICIENT.astype(np.float32)
    f = lambda m: np.linalg.lstsq(m, np.ones(3, np.float32))     # noqa: E731
    x, _, rank, _ = tg.jit(f)(a)
    assert rank == np.linalg.lstsq(a, np.ones(3, np.float32))[2] == 3
    assert np.max(np.abs(x)) > 1e6


def test_lstsq_derivatives_are_differences():
    a = MATRICES["tall"]
    b = np.arange(4.0)
    loss = lambda m, v: np.sum(np.sin(np.linalg.lstsq(m, v)[0])) + np.linalg.lstsq(m, v)[1][0]  # noqa: E731
    ga, gb = tg.grad(loss, argnums=(0, 1))(a, b)
    np.testing.assert_allclose(ga, fd(lambda m: loss(m, b), a), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(gb, fd(lambda v: loss(a, v), b), rtol=1e-6, atol=1e-8)
    _, t = tg.jvp(lambda m: loss(m, b), (a,), (np.ones_like(a),))
    assert t == pytest.approx(np.sum(ga), rel=1e-9)


SMALL32 = np.diag([1.0, 1e-6, 1e-8]).astype(np.float32)


@pytest.mark.parametrize(("a", "b_dtype"), [(DEFICIENT.astype(np.float32), np.float32),
                                            (DEFICIENT.astype(np.float32), np.float64),
                                            (SMALL32, np.float32),
                                            (np.diag([1.0, 1e-10, 1e-17]), np.float64)])
def test_scipy_lstsq_counts_the_rank_in_the_dtype_scipy_solves_in(a, b_dtype):
    """SciPy solves float32 data in float32, its cutoff that dtype's eps: not NumPy's float64."""
    scipy_linalg = pytest.importorskip("scipy.linalg")
    from tapegrad.scipy.linalg import lstsq
    b = np.ones(3, b_dtype)
    want = scipy_linalg.lstsq(a, b)
    got = tg.jit(lambda m: lstsq(m, b))(a)
    assert got[2] == want[2]
    for g, w in zip(got[:2], want[:2]):
        assert np.asarray(g).dtype == np.asarray(w).dtype
    np.testing.assert_allclose(got[0], want[0], rtol=1e-4)
    for g, e in zip(got, lstsq(a, b)):
        np.testing.assert_array_equal(g, e)
