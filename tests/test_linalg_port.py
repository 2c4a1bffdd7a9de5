"""np.linalg on traced values over dtypes, small shapes and transforms.

Ported from the peers' numpy.linalg families (JAX's tests/linalg_test.py,
HIPS autograd's tests/test_linalg.py, NumPy's linalg/tests/test_linalg.py),
written anew: every function tapegrad runs, in float64 and float32, on 1x1,
3x3, 2x3, 3x2 and stacked (2, 3, 3) matrices. Values and dtypes are NumPy's;
``jit`` equals eager bit for bit; ``vmap`` equals a Python loop; ``grad`` and
``jvp`` equal central differences, to order 2, also as ``jit(grad)`` and
``vmap(grad)``. Factors with a sign or basis choice (eigenvectors, singular
vectors, Q) enter only through losses that do not depend on that choice.
tests/test_linalg.py and test_numpy_linalg.py hold the larger shapes.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import tapegrad as tg

SHAPES = {"1x1": (1, 1), "3x3": (3, 3), "2x3": (2, 3), "3x2": (3, 2), "stack": (2, 3, 3)}


def _mT(x):
    return np.swapaxes(x, -1, -2) if isinstance(x, np.ndarray) else x.mT


def _sym(x):
    return (x + _mT(x)) / 2.0


def _spd(x):
    """A symmetric positive definite matrix made from any square ``x``."""
    return x @ _mT(x) + np.eye(x.shape[-1], dtype=x.dtype)


def _svd_gauge(v):
    u, s, vh = np.linalg.svd(v, full_matrices=False)
    return s, (u * s[..., None, :]) @ vh, u @ vh, np.abs(u), np.abs(vh)


def _eigh_gauge(v):
    w, q = np.linalg.eigh(_sym(v))
    return w, (q * w[..., None, :]) @ _mT(q), np.abs(q)


def _qr_gauge(v):
    q, r = np.linalg.qr(v)
    return q @ r, np.abs(q), np.abs(r), q @ _mT(q)


# name -> (function of one matrix, which shapes it takes: "any", "square", "tall", "2d")
FUNS = {
    "det": (np.linalg.det, "square"),
    "slogdet": (lambda v: tuple(np.linalg.slogdet(v)), "square"),
    "inv": (np.linalg.inv, "square"),
    "solve_vector": (lambda v: np.linalg.solve(v, np.linspace(1.0, 2.0, v.shape[-1])
                                               .astype(v.dtype)), "square"),
    "solve_matrix": (lambda v: np.linalg.solve(v, _mT(v) + 1.0), "square"),
    "cholesky": (lambda v: np.linalg.cholesky(_spd(v)), "square"),
    "cholesky_upper": (lambda v: np.linalg.cholesky(_spd(v), upper=True), "square"),
    "eigh": (_eigh_gauge, "square"),
    "eigvalsh": (lambda v: np.linalg.eigvalsh(_sym(v)), "square"),
    "eigvalsh_upper": (lambda v: np.linalg.eigvalsh(_sym(v), "U"), "square"),
    "svd": (_svd_gauge, "any"),
    "svd_square_full": (lambda v: np.linalg.svd(v)[1], "square"),
    "svdvals": (np.linalg.svdvals, "any"),
    "svd_no_uv": (lambda v: np.linalg.svd(v, compute_uv=False), "any"),
    "qr": (_qr_gauge, "tall"),
    "pinv": (np.linalg.pinv, "any"),
    "pinv_rtol": (lambda v: np.linalg.pinv(v, rtol=0.05), "any"),
    "lstsq": (lambda v: np.linalg.lstsq(v, v[..., 0] * 2.0 + 1.0)[0], "2d"),
    "matrix_power_3": (lambda v: np.linalg.matrix_power(v, 3), "square"),
    "matrix_power_-2": (lambda v: np.linalg.matrix_power(v, -2), "square"),
    "multi_dot": (lambda v: np.linalg.multi_dot([v, _mT(v), v]), "2d"),
    "trace": (np.linalg.trace, "any"),
    "diagonal": (np.linalg.diagonal, "any"),
    "outer": (lambda v: np.linalg.outer(v[0], v[-1]), "2d"),
    "cross": (lambda v: np.linalg.cross(v[..., :3], v[..., ::-1][..., :3]), "cross"),
    "kron": (lambda v: np.kron(v, v[::-1]), "2d"),
    "tensordot": (lambda v: np.linalg.tensordot(v, v, axes=1) if v.shape[-1] == v.shape[0]
                  else np.linalg.tensordot(v, v, axes=2), "2d"),
    "vecdot": (lambda v: np.linalg.vecdot(v, v[..., ::-1, :]), "any"),
    "matrix_norm": (np.linalg.matrix_norm, "any"),
    "vector_norm": (lambda v: np.linalg.vector_norm(v, axis=-1, ord=3), "any"),
}
for _o in (None, "fro", "nuc", 1, -1, 2, -2, math.inf, -math.inf):
    FUNS[f"norm_{_o}"] = (lambda v, o=_o: np.linalg.norm(v, o, axis=(-2, -1)), "any")
for _o in (None, 0, 1, 2, 3, 0.5, -1, math.inf, -math.inf):
    FUNS[f"vector_norm_{_o}"] = (lambda v, o=_o: np.linalg.norm(v, o, axis=-1), "any")


def _takes(kind, shape):
    m, n = shape[-2:]
    return {"any": True, "square": m == n, "tall": m >= n, "2d": len(shape) == 2,
            "cross": n == 3}[kind]


CASES = [(name, s) for name, (_, kind) in FUNS.items() for s in SHAPES
         if _takes(kind, SHAPES[s])]
SMOOTH = [c for c in CASES if c[0] != "vector_norm_0"]    # a count: no derivative


def sample(shape, dtype=np.float64, seed=0):
    """Well-conditioned, with distinct singular values (a multiple of I added)."""
    rng = np.random.default_rng(seed + 10 * len(shape) + shape[-1])
    a = rng.standard_normal(shape) + 2.0 * np.eye(*shape[-2:])
    return a.astype(dtype)


def outs(x):
    return list(x) if isinstance(x, tuple) else [x]


def weighted(f):
    """A scalar of every output of ``f``, each weighted by fixed numbers."""
    def loss(v):
        total = 0.0
        for k, o in enumerate(outs(f(v))):
            w = np.random.default_rng(k).standard_normal(np.shape(o))
            total = total + np.sum(o * w.astype(v.dtype))
        return total
    return loss


def central(f, x, h=1e-6):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (float(f(x + e)) - float(f(x - e))) / (2 * h)
    return g


def same_bits(a, b):
    a, b = np.asarray(a), np.asarray(b)
    assert a.dtype == b.dtype and a.shape == b.shape
    np.testing.assert_array_equal(a, b)


def eager(f, a):
    """``f`` run on a traced ``a`` (a zero tangent): tapegrad's primitives, not NumPy's."""
    return tg.jvp(f, (a,), (np.zeros_like(a),))[0]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name, shape", CASES)
def test_values_and_dtypes_are_numpys(name, shape, dtype):
    f = FUNS[name][0]
    a = sample(SHAPES[shape], dtype)
    want = outs(f(a))
    got = outs(eager(f, a))
    for w, g in zip(want, got, strict=True):
        w, g = np.asarray(w), np.asarray(g)
        assert g.dtype == w.dtype and g.shape == w.shape
        tol = 1e-13 if dtype == np.float64 else 2e-5
        np.testing.assert_allclose(g, w, rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name, shape", CASES)
def test_jit_equals_eager_bit_for_bit(name, shape, dtype):
    f = FUNS[name][0]
    a = sample(SHAPES[shape], dtype)
    jitted = tg.jit(f)
    for b in (a, (a * 1.25 + 0.5).astype(dtype)):
        for got, want in zip(outs(jitted(b)), outs(eager(f, b)), strict=True):
            same_bits(got, want)


@pytest.mark.parametrize("name, shape", CASES)
def test_vmap_equals_a_loop(name, shape):
    f = FUNS[name][0]
    a = sample(SHAPES[shape])
    batch = np.stack([a, a * 0.75 - 0.25, a + 0.5])
    got = outs(tg.vmap(f)(batch))
    for k, x in enumerate(batch):
        for g, w in zip(got, outs(eager(f, x)), strict=True):
            np.testing.assert_allclose(g[k], w, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("name, shape", SMOOTH)
def test_grad_and_jvp_equal_central_differences(name, shape):
    f = FUNS[name][0]
    a = sample(SHAPES[shape])
    loss = weighted(f)
    num = central(loss, a)
    np.testing.assert_allclose(tg.grad(loss)(a), num, rtol=1e-6, atol=1e-7)
    t = np.random.default_rng(3).standard_normal(a.shape)
    assert tg.jvp(loss, (a,), (t,))[1] == pytest.approx(float(np.sum(num * t)), rel=1e-6,
                                                       abs=1e-7)


@pytest.mark.parametrize("name, shape", SMOOTH)
def test_second_derivatives_equal_differences_of_the_gradient(name, shape):
    f = FUNS[name][0]
    a = sample(SHAPES[shape])
    g = tg.grad(weighted(f))
    v = np.random.default_rng(4).standard_normal(a.shape)
    hv = tg.grad(lambda x: tg.sum(g(x) * v))(a)
    np.testing.assert_allclose(hv, central(lambda x: np.sum(g(x) * v), a, 1e-5),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(tg.jvp(g, (a,), (v,))[1], hv, rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("name, shape", SMOOTH)
def test_jit_grad_is_eager_grad_and_vmap_grad_is_a_loop(name, shape):
    f = FUNS[name][0]
    a = sample(SHAPES[shape])
    grad = tg.grad(weighted(f))
    jitted = tg.jit(grad)
    batch = np.stack([a, a * 0.75 - 0.25])
    for x in batch:
        same_bits(jitted(x), grad(x))
    np.testing.assert_allclose(tg.vmap(grad)(batch), np.stack([grad(x) for x in batch]),
                               rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name, shape", SMOOTH)
def test_float32_gradients_stay_float32(name, shape):
    f = FUNS[name][0]
    a = sample(SHAPES[shape], np.float32)
    g = tg.grad(weighted(f))(a)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, tg.grad(weighted(f))(a.astype(np.float64)),
                               rtol=5e-3, atol=5e-3)
