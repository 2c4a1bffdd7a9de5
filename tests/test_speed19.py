"""The fast paths of eager gradients give what the general paths give, bit for bit.

Eager ``tg.grad`` takes shortcuts where its tape is never replayed and its
values are plain arrays: ``stop_gradient`` of an array is the array itself,
``slogdet`` factorizes once for its sign and log-determinant, ``solve``'s
two cotangents share one solve, and the reverse loop calls ``zmul``'s and
``sum_like``'s impls directly. ``jit`` (a staged tape), higher orders (traced
cotangents) and one-argument gradients take the general paths, so each test
compares a shortcut with a general path bit for bit, over float64 and float32,
broadcasting, 0-d and empty arrays, and checks closed forms.
"""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg
from tapegrad.scipy.special import logsumexp

DTYPES = [np.float64, np.float32]


def same(a, b):
    """Bit for bit: the same leaves, types, dtypes and bytes."""
    la, lb = tg.tree.leaves(a), tg.tree.leaves(b)
    assert len(la) == len(lb)
    for x, y in zip(la, lb):
        assert type(x) is type(y), (type(x), type(y))
        assert np.asarray(x).dtype == np.asarray(y).dtype
        assert np.asarray(x).tobytes() == np.asarray(y).tobytes(), (x, y)


def rand(shape, dtype, seed=0):
    return np.asarray(np.random.RandomState(seed).randn(*shape), dtype=dtype)


# --------------------------------------------------------------- stop_gradient
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(), (4,), (3, 4), (0, 3)])
def test_stop_gradient_of_an_array_is_a_constant_in_eager_grad(dtype, shape):
    x = rand(shape, dtype)
    f = lambda x: tg.sum(tg.stop_gradient(x) * x ** 2)     # d/dx = 2 s x, s = x
    g = tg.grad(f)(x)
    np.testing.assert_allclose(g, 2 * x * x, rtol=1e-6)
    assert np.asarray(g).dtype == dtype
    same(g, tg.jit(tg.grad(f))(x))
    # second order: grad of sum(2 s x) is 2 s (the stopped factor stays stopped)
    gg = tg.grad(lambda x: tg.sum(tg.grad(f)(x)))(x)
    np.testing.assert_allclose(gg, 2 * x, rtol=1e-6)
    same(gg, tg.jit(tg.grad(lambda x: tg.sum(tg.grad(f)(x))))(x))


def test_stop_gradient_is_replayed_with_new_arguments():
    """A staged tape keeps the record: jit and a replayed tape see each call's value."""
    f = lambda x: tg.sum(tg.stop_gradient(x) * x)
    x1, x2 = np.array([1.0, 2.0]), np.array([3.0, -1.0])
    jf = tg.jit(f)
    assert jf(x1) == 5.0 and jf(x2) == 10.0
    tape = tg.make_tape(f)(x1)
    assert tape(x2) == 10.0
    assert np.array_equal(tg.jit(tg.grad(f))(x2), x2)


def test_stop_gradient_in_forward_mode_and_vmap():
    x, t = np.array([0.5, -2.0, 3.0]), np.array([1.0, 1.0, 1.0])
    f = lambda x: tg.sum(tg.stop_gradient(x) * tg.sin(x))
    out, tan = tg.jvp(f, (x,), (t,))
    np.testing.assert_allclose(tan, np.sum(x * np.cos(x)))
    batch = np.stack([x, 2 * x])
    per = tg.vmap(tg.grad(f))(batch)
    for k in range(2):
        same(per[k], tg.grad(f)(batch[k]))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("axis, keepdims", [(None, False), (0, False), (1, True), (-1, False)])
def test_logsumexp_gradient_eager_equals_jit(dtype, axis, keepdims):
    x = rand((3, 4), dtype)
    x[0, 0] = x[0, 1]                                  # a tie in the shift
    f = lambda x: tg.sum(logsumexp(x, axis=axis, keepdims=keepdims) ** 2)
    g = tg.grad(f)(x)
    same(g, tg.jit(tg.grad(f))(x))
    h = tg.hessian(lambda x: tg.sum(logsumexp(x, axis=axis, keepdims=keepdims)))(x)
    same(h, tg.jit(tg.hessian(lambda x: tg.sum(logsumexp(x, axis=axis, keepdims=keepdims))))(x))
    # the softmax, in closed form
    lse = lambda x: logsumexp(x, axis=axis, keepdims=True)
    soft = np.exp(x - np.asarray(lse(x.astype(np.float64))))
    expect = 2 * np.asarray(lse(x.astype(np.float64))) * soft
    np.testing.assert_allclose(g, expect, rtol=1e-4 if dtype == np.float32 else 1e-12)


def test_logsumexp_of_an_empty_axis():
    x = np.zeros((0, 3))
    g = tg.grad(lambda x: tg.sum(logsumexp(x, axis=0)))(x)
    assert g.shape == (0, 3)
    same(g, tg.jit(tg.grad(lambda x: tg.sum(logsumexp(x, axis=0))))(x))


# -------------------------------------------------------------------- slogdet
def _spd(n, dtype, batch=(), seed=0):
    a = rand(batch + (n, n), dtype, seed)
    return (a + 2 * n * np.diag(np.where(np.arange(n) % 2, -1.0, 1.0))).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("batch", [(), (2,)])
def test_slogdet_sign_and_gradient(dtype, batch):
    a = _spd(3, dtype, batch)
    f = lambda a: tg.sum(np.linalg.slogdet(a)[1])
    g = tg.grad(f)(a)
    np.testing.assert_allclose(g, np.linalg.inv(a).swapaxes(-1, -2), rtol=1e-4)
    assert g.dtype == dtype
    same(g, tg.jit(tg.grad(f))(a))
    signs = []
    tg.grad(lambda a: signs.append(np.linalg.slogdet(a)[0]) or f(a))(a)
    assert np.array_equal(np.asarray(signs[0]), np.linalg.slogdet(a)[0])
    same(tg.hessian(f)(a), tg.jit(tg.hessian(f))(a))


def test_slogdet_sign_times_logdet_and_det():
    a = _spd(3, np.float64)
    f = lambda a: np.linalg.slogdet(a)[0] * tg.exp(np.linalg.slogdet(a)[1])  # det(a)
    np.testing.assert_allclose(tg.grad(f)(a), tg.grad(np.linalg.det)(a), rtol=1e-12)
    same(tg.grad(f)(a), tg.jit(tg.grad(f))(a))


# ---------------------------------------------------------------------- solve
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("ashape, bshape", [((3, 3), (3,)), ((3, 3), (3, 2)),
                                            ((2, 3, 3), (3, 2)), ((3, 3), (2, 3, 1)),
                                            ((0, 0), (0, 2))])
def test_solve_both_cotangents_equal_one_at_a_time(dtype, ashape, bshape):
    n = ashape[-1]
    a = rand(ashape, dtype) + 3 * np.eye(n, dtype=dtype)
    b = rand(bshape, dtype, seed=1)
    f = lambda a, b: tg.sum(tg.sin(np.linalg.solve(a, b)))
    ga, gb = tg.grad(f, argnums=(0, 1))(a, b)            # both at once (shared solve)
    same(ga, tg.grad(f, argnums=0)(a, b))                # each on its own
    same(gb, tg.grad(f, argnums=1)(a, b))
    same((ga, gb), tg.jit(tg.grad(f, argnums=(0, 1)))(a, b))
    assert ga.shape == a.shape and gb.shape == b.shape and ga.dtype == dtype
    x = np.linalg.solve(a, b if len(bshape) > 1 else b[:, None])
    gx = np.cos(x)
    expect_b = np.linalg.solve(np.swapaxes(a, -1, -2), gx)
    np.testing.assert_allclose(np.sum(gb), np.sum(expect_b), rtol=1e-4, atol=1e-6)


def test_solve_second_order_unchanged():
    a, b = rand((3, 3), np.float64) + 3 * np.eye(3), rand((3,), np.float64, 1)
    f = lambda a, b: tg.sum(np.linalg.solve(a, b) ** 2)
    h = tg.hessian(f, argnums=(0, 1))(a, b)
    same(h, tg.jit(tg.hessian(f, argnums=(0, 1)))(a, b))


def test_matrix_gradients_are_the_callers_own_arrays():
    """The masks the rules share are never handed out: a gradient can be changed in place."""
    a = _spd(3, np.float64)
    f = lambda a: tg.sum(np.linalg.cholesky(a @ a.T) * 2.0)
    g1 = tg.grad(f)(a)
    g1 *= 0.0                                             # the caller's own
    g2 = tg.grad(f)(a)
    assert np.any(g2 != 0.0)
    same(g2, tg.jit(tg.grad(f))(a))


# ------------------------------------------------ the reverse loop's shortcuts
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("xshape, wshape", [((3, 4), (4,)), ((3, 4), (3, 1)), ((3, 4), ()),
                                            ((), ()), ((0, 4), (4,)), ((2, 1, 4), (3, 1))])
def test_broadcast_products_eager_equals_general_paths(dtype, xshape, wshape):
    x, w = rand(xshape, dtype), rand(wshape, dtype, 1)
    w = w if wshape else w[()]                           # a NumPy scalar for ()
    f = lambda x, w: tg.sum(tg.log1p((x * w + w) ** 2) * tg.tanh(x - w))
    g = tg.grad(f, argnums=(0, 1))(x, w)
    same(g, tg.jit(tg.grad(f, argnums=(0, 1)))(x, w))
    assert np.shape(g[0]) == xshape and np.shape(g[1]) == np.shape(w)
    eps = 1e-6
    if dtype == np.float64 and x.size:
        e = np.zeros(xshape)
        e.flat[0] = eps
        fd = (f(x + e, w) - f(x - e, w)) / (2 * eps)
        np.testing.assert_allclose(np.asarray(g[0]).flat[0], fd, rtol=1e-5, atol=1e-8)


def test_zero_cotangent_stays_zero_against_an_infinite_partial():
    x = np.array([0.0, -1.0, 2.0])
    f = lambda x: tg.sum(np.where(x > 0, x, 0.0) * np.log(np.abs(x)))
    g = tg.grad(f)(x)
    assert np.array_equal(g, np.array([0.0, 0.0, 1.0 + np.log(2.0)]))
    same(g, tg.jit(tg.grad(f))(x))


# ------------------------------------------- transposes, reductions, dispatch
def test_transpose_and_reductions_keep_their_checks():
    x = np.arange(6.0).reshape(2, 3)
    with pytest.raises(ValueError, match="not a permutation"):
        tg.grad(lambda x: tg.sum(tg.transpose(x, (0, 0))))(x)
    with pytest.raises(ValueError, match="out of range"):
        tg.grad(lambda x: tg.sum(np.sum(x, axis=2)))(x)
    with pytest.raises(ValueError, match="out of range"):
        tg.grad(lambda x: tg.sum(np.sum(x, axis=True)))(x)
    with pytest.raises(ValueError, match="cannot reshape"):
        tg.grad(lambda x: tg.sum(x.reshape(4, -1)))(x)
    g = tg.grad(lambda x: tg.sum(np.sum(x.T * x.T, axis=-1) * np.arange(3.0)))(x)
    np.testing.assert_array_equal(g, 2 * x * np.arange(3.0))
    y = np.arange(24.0).reshape(2, 3, 4)          # sum(y[..., 0] * y[..., 1])
    g3 = tg.grad(lambda y: tg.sum(y.T[0] * np.transpose(y)[1]))(y)
    expect = np.zeros_like(y)
    expect[..., 0], expect[..., 1] = y[..., 1], y[..., 0]
    np.testing.assert_array_equal(g3, expect)


def test_numpy_ufuncs_on_traced_values_and_their_refusals():
    x = np.array([0.5, 1.5])
    assert np.array_equal(tg.grad(lambda x: tg.sum(np.add(x, np.exp(x))))(x), 1 + np.exp(x))
    assert np.array_equal(tg.grad(lambda x: tg.sum(np.negative(x)))(x), -np.ones(2))
    with pytest.raises(TypeError, match="out"):
        tg.grad(lambda x: tg.sum(np.exp(x, out=np.empty(2))))(x)
    assert np.array_equal(tg.grad(lambda x: np.add.reduce(x))(x), np.ones(2))
    assert np.array_equal(tg.grad(lambda x: np.add.reduceat(x, [0, 1])[0])(x), [1.0, 0.0])


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("shape, axis", [((1, 3), 0), ((2, 3), 0), ((2, 1), (1,))])
def test_reduction_cotangents_are_new_arrays(shape, axis, keepdims):
    """A sum's pullback spreads the cotangent into a new array, never the caller's."""
    x = np.ones(shape)
    out, pull = tg.vjp(lambda x: np.sum(x, axis=axis, keepdims=keepdims), x)
    ct = np.arange(1.0, np.size(out) + 1).reshape(np.shape(out))
    (g,) = pull(ct)
    assert not np.shares_memory(g, ct)
    axes = axis if isinstance(axis, tuple) else (axis,)
    np.testing.assert_array_equal(g, np.broadcast_to(ct if keepdims else np.expand_dims(ct, axes),
                                                     shape))
