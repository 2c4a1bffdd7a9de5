"""Cases after JAX's linalg_test.py (ScipyLinalgTest): ``block_diag``, ``hilbert``,
``expm_frechet``, ``eigh_tridiagonal`` and ``polar`` in ``tapegrad.scipy.linalg``.

JAX's ``testBlockDiag`` (numbers, vectors and matrices of mixed dtypes),
``testHilbert``, ``testExpmFrechet`` (with and without ``compute_expm``),
``testEighTridiagonal`` (``eigvals_only``, ``select="i"``) and ``testPolar``
(both sides, tall, wide and square). Each: SciPy's value (to rounding) and
dtype, ``jit`` equal to eager bit for bit, ``vmap`` equal to the loop, the
derivative against central differences, ``jvp`` against ``grad``, second
order where JAX checks it; SciPy's function on a traced value names
tapegrad's.
"""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg
import tapegrad.scipy.linalg as tl
from tests.conftest import fd

sl = pytest.importorskip("scipy.linalg")
RNG = np.random.default_rng(32)
A = RNG.normal(size=(3, 3)) * 0.5
E = RNG.normal(size=(3, 3))
D, OFF = RNG.normal(size=5), RNG.normal(size=4)
TALL, WIDE = RNG.normal(size=(4, 2)), RNG.normal(size=(2, 4))


def same(a, b):
    for x, y in zip(tg.tree.leaves(a), tg.tree.leaves(b)):
        assert np.asarray(x).dtype == np.asarray(y).dtype
        np.testing.assert_array_equal(x, y)


def jacobian_fd(f, x, eps=1e-6):
    """Central differences of an array function: shape ``out.shape + x.shape``."""
    cols = []
    for idx in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[idx] = eps
        cols.append((f(x + e) - f(x - e)) / (2 * eps))
    return np.moveaxis(np.array(cols), 0, -1).reshape(np.shape(cols[0]) + x.shape)


def family(f, x, want, rtol=1e-12, order2=False):
    """SciPy's value; jit, vmap; grad, jvp (and the Hessian) against central differences."""
    got = f(x)
    for g, w in zip(tg.tree.leaves(got), tg.tree.leaves(want)):
        assert np.asarray(g).dtype == np.asarray(w).dtype and np.shape(g) == np.shape(w)
        np.testing.assert_allclose(g, w, rtol=rtol, atol=rtol)
    same(tg.jit(f)(x), got)
    xs = np.stack([x, x * 0.75, x[::-1] - 0.2])
    same(tg.vmap(f)(xs), tg.tree.map(lambda *r: np.stack(r), *[f(v) for v in xs]))
    if np.asarray(x).dtype != np.float64:
        return
    weigh = lambda v: np.sum(np.sin(np.ravel(v)) * np.linspace(0.5, 1.5, np.size(v)))  # noqa
    loss = lambda v: sum(weigh(leaf) for leaf in tg.tree.leaves(f(v)))                  # noqa
    g = tg.grad(loss)(x)
    np.testing.assert_allclose(g, fd(loss, x), rtol=1e-6, atol=1e-8)
    same(tg.jit(tg.grad(loss))(x), g)
    t = np.cos(np.arange(np.size(x))).reshape(np.shape(x))
    _, jt = tg.jvp(loss, (x,), (t,))
    assert jt == pytest.approx(np.sum(g * t), rel=1e-10, abs=1e-12)
    if order2:
        h = tg.hessian(loss)(x)
        np.testing.assert_allclose(h, jacobian_fd(tg.grad(loss), x), rtol=1e-5, atol=1e-6)


BLOCKS = {
    "matrices": (lambda a: tl.block_diag(a, a[:2, :1] * 2, a[0]),
                 lambda a: sl.block_diag(a, a[:2, :1] * 2, a[0])),
    "numbers": (lambda a: tl.block_diag(a[0, 0], 2.5, a[1:, 1:]),
                lambda a: sl.block_diag(a[0, 0], 2.5, a[1:, 1:])),
    "int_block": (lambda a: tl.block_diag(np.arange(4).reshape(2, 2), a),
                  lambda a: sl.block_diag(np.arange(4).reshape(2, 2), a)),
    "one": (lambda a: tl.block_diag(a), lambda a: sl.block_diag(a)),
}


@pytest.mark.parametrize("name", BLOCKS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_block_diag(name, dtype):
    f, ref = BLOCKS[name]
    x = A.astype(dtype)
    family(f, x, ref(x), order2=name == "matrices")


def test_block_diag_of_nothing_and_of_a_3d_array():
    assert tl.block_diag().shape == sl.block_diag().shape == (1, 0)
    with pytest.raises(ValueError, match="2 or fewer dimensions"):
        tg.jit(lambda a: tl.block_diag(a))(np.zeros((2, 2, 2)))


@pytest.mark.parametrize("n", [0, 1, 4])
def test_hilbert_is_scipys(n):
    same(tl.hilbert(n), sl.hilbert(n))


@pytest.mark.parametrize("compute_expm", [True, False])
@pytest.mark.parametrize("wrt", ["A", "E"])
def test_expm_frechet(compute_expm, wrt):
    if wrt == "A":
        f = lambda a: tl.expm_frechet(a, E, compute_expm=compute_expm)     # noqa: E731
        want = sl.expm_frechet(A, E, compute_expm=compute_expm)
        family(f, A, want, rtol=1e-12, order2=not compute_expm)
    else:
        f = lambda e: tl.expm_frechet(A, e, compute_expm=compute_expm)     # noqa: E731
        family(f, E, sl.expm_frechet(A, E, compute_expm=compute_expm), rtol=1e-12)


def test_expm_frechet_is_the_derivative_of_expm_and_keeps_float32():
    _, t = tg.jvp(tl.expm, (A,), (E,))
    np.testing.assert_array_equal(tl.expm_frechet(A, E, compute_expm=False), t)
    a32, e32 = A.astype(np.float32), E.astype(np.float32)
    exp32, l32 = tg.jit(tl.expm_frechet)(a32, e32)
    assert exp32.dtype == l32.dtype == np.float32
    np.testing.assert_allclose(l32, sl.expm_frechet(A, E)[1], rtol=1e-5, atol=1e-5)
    assert tg.grad(lambda a: np.sum(tl.expm(a)))(a32).dtype == np.float32
    with pytest.raises(ValueError, match="same shape"):
        tl.expm_frechet(A, E[:2, :2])


@pytest.mark.parametrize("select,select_range", [("a", None), ("i", (1, 3))])
def test_eigh_tridiagonal(select, select_range):
    want = sl.eigh_tridiagonal(D, OFF, eigvals_only=True, select=select,
                               select_range=select_range)
    f = lambda d: tl.eigh_tridiagonal(d, OFF, eigvals_only=True, select=select,  # noqa: E731
                                      select_range=select_range)
    family(f, D, want, rtol=1e-12, order2=True)
    g = lambda e: tl.eigh_tridiagonal(D, e, eigvals_only=True)                 # noqa: E731
    family(g, OFF, sl.eigh_tridiagonal(D, OFF, eigvals_only=True), rtol=1e-12)
    d32, off32 = D.astype(np.float32), OFF.astype(np.float32)
    want32 = sl.eigh_tridiagonal(d32, off32, eigvals_only=True, select=select,
                                 select_range=select_range)
    assert want32.dtype == np.float32
    f32 = lambda d: tl.eigh_tridiagonal(d, off32, eigvals_only=True, select=select,  # noqa: E731
                                        select_range=select_range)
    family(f32, d32, want32, rtol=1e-5)


def test_eigh_tridiagonal_refuses_what_it_does_not_compute():
    with pytest.raises(NotImplementedError, match="eigvals_only=True"):
        tl.eigh_tridiagonal(D, OFF)
    with pytest.raises(ValueError, match="must have shape"):
        tl.eigh_tridiagonal(D, OFF[:2], eigvals_only=True)


@pytest.mark.parametrize("side", ["right", "left"])
@pytest.mark.parametrize("shape", ["square", "tall", "wide"])
def test_polar(side, shape):
    a = {"square": A, "tall": TALL, "wide": WIDE}[shape]
    f = lambda m: tl.polar(m, side)                 # noqa: E731
    family(f, a, sl.polar(a, side), rtol=1e-12)
    u, p = f(a)
    np.testing.assert_allclose(u @ p if side == "right" else p @ u, a, rtol=1e-12, atol=1e-14)
    u32, p32 = tg.jit(f)(a.astype(np.float32))
    assert u32.dtype == p32.dtype == np.float32


def test_scipys_functions_on_traced_values_name_tapegrads():
    for name, call in [("block_diag", lambda a: sl.block_diag(a, a)),
                       ("polar", lambda a: sl.polar(a)[0]),
                       ("expm_frechet", lambda a: sl.expm_frechet(a, a)[0]),
                       ("eigh_tridiagonal", lambda a: sl.eigh_tridiagonal(
                           np.diag(a), np.diag(a, 1), eigvals_only=True))]:
        with pytest.raises(TypeError, match=rf"tapegrad\.scipy\.linalg\.{name}"):
            tg.jit(call)(A)


SYM = A @ A.T + np.diag([1.0, 2.0, 3.0])


@pytest.mark.parametrize("subset", [(0, 1), (1, 2), (2, 2)])
@pytest.mark.parametrize("lower", [True, False])
def test_eigh_subset_by_index(subset, lower):
    want = sl.eigh(SYM, lower=lower, eigvals_only=True, subset_by_index=subset)
    f = lambda m: tl.eigh(m, lower=lower, eigvals_only=True, subset_by_index=subset)  # noqa
    family(f, SYM, want, rtol=1e-12, order2=subset == (1, 2))
    w, v = tl.eigh(SYM, lower=lower, subset_by_index=subset)
    _, vs = sl.eigh(SYM, lower=lower, subset_by_index=subset)
    np.testing.assert_allclose(np.abs(v), np.abs(vs), rtol=1e-10, atol=1e-12)
    # the eigenvectors' derivative through a sign-free quantity, v v^T
    proj = lambda m: tl.eigh(m, subset_by_index=subset)[1] @ tl.eigh(   # noqa: E731
        m, subset_by_index=subset)[1].T
    loss = lambda m: np.sum(proj(m) * np.arange(9.0).reshape(3, 3))     # noqa: E731
    np.testing.assert_allclose(tg.grad(loss)(SYM), fd(loss, SYM), rtol=1e-6, atol=1e-8)
    np.testing.assert_array_equal(tl.eigvalsh(SYM, lower=lower, subset_by_index=subset),
                                  f(SYM))


def test_eigh_subset_by_index_out_of_range_is_refused():
    with pytest.raises(ValueError, match=r"0 <= lo <= hi <= 2, got \(2, 1\)"):
        tl.eigh(SYM, subset_by_index=(2, 1))
