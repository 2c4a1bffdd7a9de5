"""tapegrad.scipy.linalg's LU factors: lu_factor, lu_solve and lu.

SciPy's values (packed factor, row swaps, P, L, U, the p_indices form) in
float32 and float64, for one matrix and a stack; the packed factor's and the
solve's derivatives against central differences in every mode, to second
order; jit bit for bit with eager in one trace over matrices that pivot
differently (the pivots are recomputed, not traced constants); vmap as the
Python loop.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
from conftest import fd

import tapegrad as tg
from tapegrad.scipy.linalg import lu, lu_factor, lu_solve

RNG = np.random.RandomState(7)
A = RNG.randn(4, 4)
W = RNG.randn(4, 4)
B = RNG.randn(4)
MATRICES = np.stack([A, A.T, A + 0.5 * W, np.eye(4) + 0.1 * W])   # four pivot orders


def same(a: object, b: object) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def close(got: object, want: np.ndarray, dtype: type) -> None:
    got = np.asarray(got)
    assert got.dtype == want.dtype and got.shape == want.shape
    tol = 1e-13 if dtype == np.float64 else 2e-6
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_factors_are_scipys(dtype: type) -> None:
    for a in [*MATRICES.astype(dtype), MATRICES.astype(dtype)]:     # each, and the stack
        (lu_, piv), (want_lu, want_piv) = lu_factor(a), scipy.linalg.lu_factor(a)
        close(lu_, want_lu, dtype)
        assert same(piv, want_piv)
        for kw in ({}, {"p_indices": True}, {"permute_l": True}):
            got, want = lu(a, **kw), scipy.linalg.lu(a, **kw)
            assert len(got) == len(want)
            for g, w in zip(got, want, strict=True):
                close(g, w, dtype)
    assert lu_factor(np.array([[1, 2], [3, 4]]))[0].dtype == np.float64


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("trans", [0, 1])
def test_lu_solve_is_scipys_with_either_factor(dtype: type, trans: int) -> None:
    for a in MATRICES.astype(dtype):
        b = B.astype(dtype)
        want = scipy.linalg.lu_solve(scipy.linalg.lu_factor(a), b, trans=trans)
        close(lu_solve(lu_factor(a), b, trans=trans), want, dtype)
        close(lu_solve(scipy.linalg.lu_factor(a), b, trans=trans), want, dtype)
        bs = np.stack([b, 2 * b], axis=1)
        close(lu_solve(lu_factor(a), bs, trans=trans),
              scipy.linalg.lu_solve(scipy.linalg.lu_factor(a), bs, trans=trans), dtype)


def packed(a: np.ndarray) -> object:
    return np.sum(W * lu_factor(a)[0])


def solved(a: np.ndarray) -> object:
    return np.sum(lu_solve(lu_factor(a), B, trans=1) * np.arange(1.0, 5.0))


def factors(a: np.ndarray) -> object:
    p, low, up = lu(a)
    return np.sum(W * low) + np.sum(np.tanh(up)) + np.sum(p * a)


LOSSES = {"packed": packed, "solved": solved, "factors": factors}


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_grad_and_jvp_agree_with_differences(name: str) -> None:
    f = LOSSES[name]
    for a in MATRICES:
        g = tg.grad(f)(a)
        np.testing.assert_allclose(g, fd(f, a), rtol=1e-6, atol=1e-8)
        value, slope = tg.jvp(f, (a,), (W,))
        assert same(value, f(a))
        np.testing.assert_allclose(slope, np.sum(g * W), rtol=1e-12)
    f32 = tg.grad(f)(A.astype(np.float32))
    assert f32.dtype == np.float32
    np.testing.assert_allclose(f32, fd(f, A), rtol=2e-3, atol=2e-4)


def test_the_gradient_of_lu_solve_is_that_of_solve() -> None:
    for trans in (0, 1):
        f = lambda a: np.sum(lu_solve(lu_factor(a), B, trans=trans) ** 2)    # noqa: E731
        g = lambda a: np.sum(np.linalg.solve(a.T if trans else a, B) ** 2)   # noqa: E731
        for a in MATRICES:
            np.testing.assert_allclose(tg.grad(f)(a), tg.grad(g)(a), rtol=1e-11, atol=1e-12)
    grad_b = tg.grad(lambda b: np.sum(lu_solve(lu_factor(A), b) ** 2))(B)
    np.testing.assert_allclose(grad_b, tg.grad(lambda b: np.sum(np.linalg.solve(A, b) ** 2))(B),
                               rtol=1e-11)


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_jit_and_vmap_are_eager_and_the_loop(name: str) -> None:
    f = LOSSES[name]
    jf, jg = tg.jit(f), tg.jit(tg.grad(f))
    for a in MATRICES:
        assert same(jf(a), f(a)) and same(jg(a), tg.grad(f)(a))
    assert jf.trace_count == 1 and jg.trace_count == 1      # pivots differ, one trace
    assert same(tg.vmap(f)(MATRICES), np.stack([f(a) for a in MATRICES]))
    assert same(tg.vmap(tg.grad(f))(MATRICES), np.stack([tg.grad(f)(a) for a in MATRICES]))


def test_the_pivots_are_integer_data_under_every_transform() -> None:
    want = np.stack([scipy.linalg.lu_factor(a)[1] for a in MATRICES])
    pivots = tg.jit(lambda a: lu_factor(a)[1])
    assert all(same(pivots(a), w) for a, w in zip(MATRICES, want, strict=True))
    assert same(tg.vmap(lambda a: lu_factor(a)[1])(MATRICES), want)
    p = tg.jit(lambda a: lu(a, p_indices=True)[0])
    for a in MATRICES:
        assert same(p(a), scipy.linalg.lu(a, p_indices=True)[0])
    assert np.all(tg.grad(lambda a: np.sum(lu(a)[0] * a))(A) == lu(A)[0])   # P is constant


@pytest.mark.parametrize("name", ["packed", "solved"])
def test_the_hessian_agrees_with_differences_of_the_gradient(name: str) -> None:
    f, eps = LOSSES[name], 1e-5
    h = tg.hessian(f)(A)
    np.testing.assert_allclose(h, np.transpose(h, (2, 3, 0, 1)), rtol=1e-9, atol=1e-10)
    fd_hw = (tg.grad(f)(A + eps * W) - tg.grad(f)(A - eps * W)) / (2 * eps)
    np.testing.assert_allclose(np.tensordot(h, W, 2), fd_hw, rtol=1e-6, atol=1e-7)


def test_scipys_own_lu_factor_on_a_traced_value_names_ours() -> None:
    with pytest.raises(TypeError, match=r"^scipy\.linalg\.lu_factor was applied to a traced "
                       r"value.*Use tapegrad\.scipy\.linalg\.lu_factor instead\.$"):
        tg.grad(lambda a: np.sum(scipy.linalg.lu_factor(a)[0]))(A)


def test_lu_solve_of_a_non_square_factor_and_lu_of_a_vector_are_refused() -> None:
    with pytest.raises(np.linalg.LinAlgError, match="square"):
        lu_solve(lu_factor(np.ones((3, 2))), np.ones(3))
    with pytest.raises(ValueError, match=r"shape \(3,\); it must be a matrix"):
        lu_factor(np.ones(3))
