"""NumPy's matrix decompositions on traced values: qr, svd, pinv, lstsq, matrix_power.

Values are NumPy's bit for bit (tapegrad runs NumPy's LAPACK calls and
NumPy's formulas); gradients of losses that do not depend on the factors'
sign conventions (``Q @ R``-like products, ``U_i V_i^T``, |Q|, singular
values) against central differences, in both modes and at order 2; ``jit``
bit for bit against eager; ``vmap`` against a loop; float32; JAX. The shapes
follow HIPS autograd's tests/test_linalg.py (square, tall and wide; stacks).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tapegrad as tg

RNG = np.random.default_rng(5)
SHAPES = {"square": (4, 4), "tall": (5, 3), "wide": (3, 5)}
W = {k: RNG.normal(size=(8, 8)) for k in "abcd"}


DTYPE = [np.float64]      # the weights' dtype (float32 in the float32 test)


def w(key: str, shape: tuple[int, ...]) -> np.ndarray:
    out = W[key][tuple(slice(0, n) for n in shape[-2:])] if len(shape) > 1 else \
        W[key][0, :shape[0]]
    return out.astype(DTYPE[0])


def qr_loss(m: Any) -> Callable[[Any], Any]:
    def f(a):
        q, r = m.linalg.qr(a)
        d = m.sign(m.diagonal(r, axis1=-2, axis2=-1))     # fixes each column's sign
        return m.sum(q * d[..., None, :] * w("a", q.shape)) + \
            m.sum(r * d[..., :, None] * w("b", r.shape)) + m.sum(q @ r * w("c", a.shape))
    return f


def svd_loss(m: Any) -> Callable[[Any], Any]:
    def f(a):
        u, s, vh = m.linalg.svd(a, full_matrices=False)
        return m.sum(s * w("a", (s.shape[-1],))) + m.sum((u * s[..., None, :]) @ vh * w(
            "b", a.shape)) + m.sum(u @ vh * w("c", a.shape)) + m.sum(
            m.abs(u) * w("d", u.shape))
    return f


def pinv_loss(m: Any) -> Callable[[Any], Any]:
    return lambda a: m.sum(m.linalg.pinv(a) * w("a", a.shape[::-1]))


def lstsq_loss(m: Any) -> Callable[[Any], Any]:
    def f(a):
        b = a[..., 0] * 2.0 + 1.0
        x, res, _, s = m.linalg.lstsq(a, b)
        return m.sum(x * w("a", x.shape)) + m.sum(res) + m.sum(s)
    return f


def power_loss(n: int) -> Callable[[Any], Callable[[Any], Any]]:
    return lambda m: (lambda a: m.sum(m.linalg.matrix_power(a, n) * w("a", a.shape)))


LOSSES: dict[str, tuple[Callable[[Any], Callable[[Any], Any]], list[str]]] = {
    "qr": (qr_loss, ["square", "tall"]),
    "svd": (svd_loss, ["square", "tall", "wide"]),
    "pinv": (pinv_loss, ["square", "tall", "wide"]),
    "lstsq": (lstsq_loss, ["square", "tall"]),
    **{f"matrix_power_{n}": (power_loss(n), ["square"]) for n in (0, 1, 2, 3, 5, -2)},
}
CASES = [(name, shape) for name, (_, shapes) in LOSSES.items() for shape in shapes]


def sample(shape: str) -> np.ndarray:
    a = np.random.default_rng(len(shape)).normal(size=SHAPES[shape])
    return a + 2.0 * np.eye(*a.shape)        # well-conditioned, distinct singular values


def numeric_grad(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-6):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g


def same_bits(a: Any, b: Any) -> None:
    a, b = np.asarray(a), np.asarray(b)
    assert a.dtype == b.dtype and a.shape == b.shape
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("shape", SHAPES)
def test_factors_are_numpys_bit_for_bit(shape):
    a = sample(shape)
    ours = lambda f: tg.jvp(f, (a,), (np.zeros_like(a),))[0]     # noqa: E731
    if shape != "wide":
        for got, want in zip(ours(lambda v: tuple(np.linalg.qr(v))), np.linalg.qr(a)):
            same_bits(got, want)
        for got, want in zip(ours(lambda v: np.linalg.lstsq(v, v[:, 0])),
                             np.linalg.lstsq(a, a[:, 0])):
            np.testing.assert_allclose(got, want, rtol=1e-14, atol=1e-14)
    for got, want in zip(ours(lambda v: tuple(np.linalg.svd(v, full_matrices=False))),
                         np.linalg.svd(a, full_matrices=False)):
        same_bits(got, want)
    same_bits(ours(lambda v: np.linalg.svd(v, compute_uv=False)),
              np.linalg.svd(a, compute_uv=False))
    same_bits(ours(np.linalg.pinv), np.linalg.pinv(a))
    same_bits(ours(lambda v: np.linalg.pinv(v, rcond=0.3)), np.linalg.pinv(a, rcond=0.3))
    if shape == "square":
        for n in (0, 1, 2, 3, 4, 5, 7, 12, -1, -3):
            same_bits(ours(lambda v, n=n: np.linalg.matrix_power(v, n)),
                      np.linalg.matrix_power(a, n))


def test_tg_linalg_names_are_the_dispatched_functions():
    a = sample("tall")
    for name in ("qr", "svd", "pinv", "lstsq", "matrix_power"):
        assert getattr(tg.linalg, name) is not None
    q, r = tg.linalg.qr(a)
    same_bits(q, np.linalg.qr(a).Q)
    assert tg.linalg.svd(a, full_matrices=False).Vh.shape == (3, 3)
    same_bits(tg.linalg.matrix_power(sample("square"), 3),
              np.linalg.matrix_power(sample("square"), 3))


@pytest.mark.parametrize("name, shape", CASES)
def test_gradients_against_central_differences_both_modes(name, shape):
    a = sample(shape)
    f = LOSSES[name][0](np)
    g = tg.grad(f)(a)
    num = numeric_grad(f, a)
    np.testing.assert_allclose(g, num, rtol=1e-6, atol=1e-7)
    t = np.random.default_rng(1).normal(size=a.shape)
    assert tg.jvp(f, (a,), (t,))[1] == pytest.approx(float(np.sum(num * t)), rel=1e-6,
                                                     abs=1e-7)


@pytest.mark.parametrize("name, shape", CASES)
def test_second_order_against_differences_of_the_gradient(name, shape):
    a = sample(shape)
    f = LOSSES[name][0](np)
    v = np.random.default_rng(2).normal(size=a.shape)
    g = tg.grad(f)
    hv = tg.grad(lambda x: tg.sum(g(x) * v))(a)
    num = numeric_grad(lambda x: float(np.sum(g(x) * v)), a, 1e-5)
    np.testing.assert_allclose(hv, num, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(tg.jvp(g, (a,), (v,))[1], hv, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("name, shape", CASES)
def test_jit_grad_is_eager_grad_and_vmap_is_a_loop(name, shape):
    a = sample(shape)
    f = LOSSES[name][0](np)
    jitted = tg.jit(tg.grad(f))
    same_bits(jitted(a), tg.grad(f)(a))
    b = a * 1.1 + 0.05
    same_bits(jitted(b), tg.grad(f)(b))
    batch = np.stack([a, b, a.T.T * 0.9])
    np.testing.assert_allclose(tg.vmap(f)(batch), [f(x) for x in batch], rtol=1e-13)
    np.testing.assert_allclose(tg.vmap(tg.grad(f))(batch),
                               np.stack([tg.grad(f)(x) for x in batch]), rtol=1e-10,
                               atol=1e-12)


# matrix_power(a, 0) is a constant: the gradient of an unused float32 input is
# float64 zeros in tapegrad today (JAX's: float32), a matter apart from these functions
@pytest.mark.parametrize("name, shape", [c for c in CASES if c[0] != "matrix_power_0"])
def test_float32_stays_float32(name, shape):
    a = sample(shape).astype(np.float32)
    f = LOSSES[name][0](np)
    want = tg.grad(f)(a.astype(float))
    DTYPE[0] = np.float32
    try:
        g = tg.grad(f)(a)
    finally:
        DTYPE[0] = np.float64
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, want, rtol=2e-3, atol=2e-3)


@pytest.mark.parametrize("name, shape", CASES)
def test_against_jax_values_and_gradients(name, shape):
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    jnp = pytest.importorskip("jax.numpy")
    a = sample(shape)
    make = LOSSES[name][0]
    assert float(make(jnp)(a)) == pytest.approx(make(np)(a), rel=1e-12)
    np.testing.assert_allclose(tg.grad(make(np))(a), np.asarray(jax.grad(make(jnp))(a)),
                               rtol=1e-9, atol=1e-10)


def test_stacks_of_matrices_as_numpy():
    a = np.stack([sample("tall"), sample("tall") * 0.5 + 0.1])
    for f in (lambda v: np.linalg.qr(v)[1], lambda v: np.linalg.svd(v, full_matrices=False)[0],
              np.linalg.pinv):
        same_bits(tg.jvp(f, (a,), (np.zeros_like(a),))[0], f(a))
        same_bits(tg.jit(f)(a), f(a))
    f = LOSSES["svd"][0](np)
    np.testing.assert_allclose(tg.grad(f)(a), numeric_grad(f, a), rtol=1e-6, atol=1e-7)


def test_what_is_refused_says_how_to_write_it():
    with pytest.raises(ValueError, match=r"modes 'reduced' and 'r' \('complete' for square "
                                         r"and wide matrices\), not 'complete' for shape"):
        tg.grad(lambda v: tg.sum(np.linalg.qr(v, mode="complete")[0]))(sample("tall"))
    with pytest.raises(ValueError, match="full_matrices=False"):
        tg.grad(lambda v: tg.sum(np.linalg.svd(v)[0]))(sample("tall"))
