"""np.linalg's derivatives against closed forms, and the edge cases of the port.

Closed forms (JAX's and autograd's linalg tests check the same facts):
``d det = det A^-T``, ``d log|det| = A^-T``, ``d inv[T] = -A^-1 T A^-1``,
``d w_i = v_i^T dA v_i`` for ``eigh``, ``d^2 log det [S, T] = -tr(A^-1 S A^-1 T)``,
``d pinv`` of an invertible matrix is ``d inv``'s, ``d sum(s) = U V^T``. Also
nearly singular and tied matrices, and empty ones where NumPy takes them.
"""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg

RNG = np.random.default_rng(11)


def _orthogonal(n, seed=0):
    return np.linalg.qr(np.random.default_rng(seed).standard_normal((n, n)))[0]


def _spd_with(values, seed=0):
    q = _orthogonal(len(values), seed)
    return (q * np.asarray(values)) @ q.T


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


@pytest.mark.parametrize("cond", [1.0, 1e3, 1e6])
def test_det_logdet_inv_gradients_are_their_closed_forms(cond):
    a = _spd_with([cond, 2.0, 1.0]) + 0.3 * RNG.standard_normal((3, 3))
    a_inv = np.linalg.inv(a)
    np.testing.assert_allclose(tg.grad(np.linalg.det)(a), np.linalg.det(a) * a_inv.T,
                               rtol=1e-8, atol=1e-8 * abs(np.linalg.det(a)))
    np.testing.assert_allclose(tg.grad(lambda v: np.linalg.slogdet(v)[1])(a), a_inv.T,
                               rtol=1e-8, atol=1e-12)
    t = RNG.standard_normal((3, 3))
    np.testing.assert_allclose(tg.jvp(np.linalg.inv, (a,), (t,))[1], -a_inv @ t @ a_inv,
                               rtol=1e-8, atol=1e-12)
    s = RNG.standard_normal((3, 3))
    grad_logdet = tg.grad(lambda v: np.linalg.slogdet(v)[1])
    second = tg.jvp(grad_logdet, (a,), (s,))[1]            # the Hessian along s
    assert float(np.sum(second * t)) == pytest.approx(
        -np.trace(a_inv @ s @ a_inv @ t), rel=1e-8, abs=1e-14)


@pytest.mark.parametrize("values", [[3.0, 2.0, 1.0], [1.0, 1.0 + 1e-6, 5.0]])
def test_eigh_eigenvalue_derivative_is_v_dA_v(values):
    a = _spd_with(values, seed=2)
    w, v = np.linalg.eigh(a)
    t = RNG.standard_normal((3, 3))
    t = t + t.T
    for f in (lambda x: np.linalg.eigh(x)[0], np.linalg.eigvalsh):
        np.testing.assert_allclose(tg.jvp(f, (a,), (t,))[1], np.einsum("ji,jk,ki->i", v, t, v),
                                   rtol=1e-7, atol=1e-9)
    for i in range(3):   # the gradient of one eigenvalue: its projector, on the lower triangle
        g = tg.grad(lambda x, i=i: np.linalg.eigvalsh(x)[i])(a)
        p = np.outer(v[:, i], v[:, i])
        np.testing.assert_allclose(g, np.tril(2 * p) - np.diag(np.diag(p)), atol=1e-8)


def test_tied_eigenvalues_give_the_derivative_of_their_sum():
    a = _spd_with([2.0, 2.0, 1.0], seed=3)
    for f in (lambda x: np.sum(np.linalg.eigvalsh(x)), lambda x: np.sum(np.linalg.eigh(x)[0])):
        g = tg.grad(f)(np.eye(3))
        np.testing.assert_allclose(g, np.eye(3), atol=1e-12)    # d trace = I
        assert np.isfinite(tg.grad(f)(a)).all()


@pytest.mark.parametrize("a", [np.eye(3), _orthogonal(3), 2.0 * _orthogonal(4, 1)])
def test_singular_values_at_ties_differentiate_to_u_v_transposed(a):
    """``d sum(s) = U V^T``: at tied values (an orthogonal matrix) too, not nan."""
    u, _, vh = np.linalg.svd(a)
    want = u @ vh
    for f in (lambda x: np.sum(np.linalg.svd(x, full_matrices=False)[1]),
              lambda x: np.sum(np.linalg.svd(x)[1]), lambda x: np.linalg.norm(x, "nuc")):
        np.testing.assert_allclose(tg.grad(f)(a), want, atol=1e-12)
        t = RNG.standard_normal(a.shape)
        assert tg.jvp(f, (a,), (t,))[1] == pytest.approx(np.sum(want * t), abs=1e-12)


@pytest.mark.parametrize("a", [np.eye(3), _orthogonal(3), 2.0 * _orthogonal(4, 1),
                               _spd_with([2.0, 2.0, 1.0])])
def test_pinv_derivative_at_tied_singular_values_is_invs(a):
    """``pinv`` of an invertible matrix is ``inv``: so are its derivatives, at ties too."""
    p = np.linalg.inv(a)
    w = RNG.standard_normal(a.shape)
    loss = lambda v: np.sum(np.linalg.pinv(v) * w)              # noqa: E731
    np.testing.assert_allclose(tg.grad(loss)(a), -p.T @ w @ p.T, atol=1e-10)
    np.testing.assert_allclose(tg.grad(loss)(a), central(loss, a), atol=1e-7)
    t = RNG.standard_normal(a.shape)
    np.testing.assert_allclose(tg.jvp(np.linalg.pinv, (a,), (t,))[1], -p @ t @ p, atol=1e-10)
    hv = tg.grad(lambda v: np.sum(tg.grad(loss)(v) * t))(a)
    np.testing.assert_allclose(hv, central(lambda v: np.sum(tg.grad(loss)(v) * t), a, 1e-5),
                               atol=1e-6)
    same_bits(tg.jit(tg.grad(loss))(a), tg.grad(loss)(a))


def test_lstsq_derivative_at_tied_singular_values():
    a, b = _orthogonal(3), np.array([1.0, -2.0, 0.5])
    loss = lambda v: np.sum(np.linalg.lstsq(v, b)[0] * np.array([1.0, 2.0, 3.0]))  # noqa: E731
    np.testing.assert_allclose(tg.grad(loss)(a), central(loss, a), atol=1e-7)


def test_pinv_rank_deficient_derivative_equals_central_differences():
    """At a fixed rank (a tall matrix of rank 2, far from the cutoff), Golub-Pereyra's rule."""
    b, c, e, f = (RNG.standard_normal(s) for s in ((4, 2), (2, 3), (4, 2), (2, 3)))
    at = lambda h: (b + h * e) @ (c + h * f)                     # noqa: E731  (rank 2)
    w = RNG.standard_normal((3, 4))
    loss = lambda v: np.sum(np.linalg.pinv(v, rtol=1e-8) * w)    # noqa: E731
    num = (loss(at(1e-6)) - loss(at(-1e-6))) / 2e-6
    direction = e @ c + b @ f
    assert float(np.sum(tg.grad(loss)(at(0.0)) * direction)) == pytest.approx(num, rel=1e-6)
    assert tg.jvp(loss, (at(0.0),), (direction,))[1] == pytest.approx(num, rel=1e-6)


def test_pinv_cutoff_is_numpys_default():
    """NumPy's ``pinv`` cuts at ``1e-15 * max(s)`` unless ``rtol`` is given (then ``None``
    means ``max(m, n) * eps``): the values, not only the well-conditioned ones, are NumPy's."""
    q = _orthogonal(3)
    b = (q * [1.0, 0.5, 8e-16]) @ q.T        # 6.7e-16 = 3 eps < s_min / s_max < 1e-15
    c = np.diag([1.0, 1e-9]).astype(np.float32)
    for a in (b, c):
        for kw in ({}, {"rtol": None}, {"rtol": 1e-3}, {"rcond": 1e-3}):
            f = lambda v, kw=kw: np.linalg.pinv(v, **kw)              # noqa: E731
            same_bits(tg.jvp(f, (a,), (np.zeros_like(a),))[0], f(a))
            same_bits(tg.jit(f)(a), f(a))
    with pytest.raises(ValueError, match="can't be both set"):
        tg.linalg.pinv(b, rcond=0.1, rtol=0.1)


def test_cholesky_upper_is_numpys_bit_for_bit():
    """NumPy's upper factor is LAPACK's from the upper triangle, not ``L(A^T)^T`` rounded."""
    f = lambda v: np.linalg.cholesky(v, upper=True)             # noqa: E731
    for seed in range(12):
        x = np.random.default_rng(seed).standard_normal((2, 4, 4))
        a = x @ np.swapaxes(x, -1, -2) + 4.0 * np.eye(4)
        same_bits(tg.jvp(f, (a,), (np.zeros_like(a),))[0], f(a))
        same_bits(tg.jit(f)(a), f(a))
        same_bits(tg.vmap(f)(a), f(a))


@pytest.mark.parametrize("shape", [(0, 0), (3, 0), (0, 3), (2, 0, 0)])
@pytest.mark.parametrize("name", ["pinv", "norm_1", "norm_2", "norm_inf", "norm_nuc",
                                  "norm_fro", "lstsq"])
def test_empty_matrices_as_numpy_takes_them(name, shape):
    f = {"pinv": np.linalg.pinv, "lstsq": lambda v: np.linalg.lstsq(v, np.ones(v.shape[0]))[0],
         **{f"norm_{o}": (lambda v, o=o: np.linalg.norm(v, o, axis=(-2, -1)))
            for o in (1, 2, np.inf, "nuc", "fro")}}[name]
    a = np.zeros(shape)
    if name == "lstsq" and len(shape) != 2:
        with pytest.raises(np.linalg.LinAlgError):
            f(a)
        with pytest.raises(np.linalg.LinAlgError, match="one matrix"):
            tg.jit(f)(a)
        return
    same_bits(tg.jvp(f, (a,), (a,))[0], f(a))
    same_bits(tg.jit(f)(a), f(a))
    g = tg.grad(lambda v: np.sum(f(v)))(a)
    assert g.shape == a.shape and g.dtype == a.dtype


def test_lstsq_of_a_stack_says_to_use_vmap():
    a = RNG.standard_normal((2, 3, 2))
    with pytest.raises(np.linalg.LinAlgError, match="vmap"):
        tg.grad(lambda v: np.sum(np.linalg.lstsq(v, np.ones(3))[0]))(a)
    got = tg.vmap(lambda v: np.linalg.lstsq(v, np.ones(3))[0])(a)
    np.testing.assert_allclose(got, [np.linalg.lstsq(x, np.ones(3))[0] for x in a], rtol=1e-13)


TENSOR = {
    "tensorsolve": (lambda a, b: np.linalg.tensorsolve(a, b),
                    lambda r: (r.standard_normal((2, 3, 6)) + 3.0 * np.eye(6).reshape(2, 3, 6),
                               r.standard_normal((2, 3)))),
    "tensorsolve_axes": (lambda a, b: np.linalg.tensorsolve(a, b, axes=(0, 1)),
                         lambda r: (r.standard_normal((2, 3, 6)) + 3.0 * np.eye(6).reshape(
                             2, 3, 6), r.standard_normal(6))),
    "tensorinv": (lambda a, b: np.linalg.tensorinv(a, ind=2) * b,
                  lambda r: (r.standard_normal((2, 3, 6)) + 3.0 * np.eye(6).reshape(2, 3, 6),
                             r.standard_normal((6, 2, 3)))),
    "tensorinv_1": (lambda a, b: np.linalg.tensorinv(a, ind=1) * b,
                    lambda r: (r.standard_normal((4, 2, 2)) + 3.0 * np.eye(4).reshape(4, 2, 2),
                               r.standard_normal((2, 2, 4)))),
}


@pytest.mark.parametrize("name", TENSOR)
def test_tensorsolve_and_tensorinv_are_numpys_in_every_transform(name):
    f, make = TENSOR[name]
    a, b = make(np.random.default_rng(4))
    want = f(a, b)
    same_bits(tg.jvp(f, (a, b), (np.zeros_like(a), np.zeros_like(b)))[0], want)
    same_bits(tg.jit(f)(a, b), want)
    batch = np.stack([a, a * 0.5 + 0.1])
    np.testing.assert_allclose(tg.vmap(f, (0, None))(batch, b), [f(x, b) for x in batch],
                               rtol=1e-12, atol=1e-13)
    w = np.random.default_rng(5).standard_normal(want.shape)
    for k, x in enumerate((a, b)):
        loss = lambda v, k=k: np.sum(f(*((v, b) if k == 0 else (a, v))) * w)   # noqa: E731
        np.testing.assert_allclose(tg.grad(loss)(x), central(loss, x), rtol=1e-6, atol=1e-7)
        same_bits(tg.jit(tg.grad(loss))(x), tg.grad(loss)(x))
    assert tg.grad(lambda v: np.sum(f(v, b.astype(np.float32)) * w))(
        a.astype(np.float32)).dtype == np.float32


def test_tensorsolve_and_tensorinv_refuse_as_numpy():
    with pytest.raises(np.linalg.LinAlgError, match="prod"):
        tg.linalg.tensorsolve(np.ones((2, 3, 6)), np.ones(6))
    with pytest.raises(ValueError, match="Invalid ind"):
        tg.linalg.tensorinv(np.ones((2, 2)), ind=0)


def test_matrix_rank_of_a_traced_value_is_counted_at_every_call():
    # was refused (an integer of the value); counted from traced singular values now
    assert tg.grad(lambda v: np.linalg.matrix_rank(v) * tg.sum(v))(np.eye(2)).tolist() == \
        [[2.0, 2.0], [2.0, 2.0]]
    jitted = tg.jit(lambda v: np.linalg.matrix_rank(v))
    for a in (np.eye(3), np.ones((3, 3)), np.diag([1.0, 1.0, 0.0]), np.eye(3)):
        assert jitted(a) == np.linalg.matrix_rank(a)
    batch = np.stack([np.eye(3), np.ones((3, 3))])
    assert tg.vmap(lambda v: np.linalg.matrix_rank(v))(batch).tolist() == [3, 1]


def test_lstsq_rank_and_residuals_follow_the_value_under_jit_and_vmap():
    """The rank is an integer of the value: a new matrix of another rank gets its own."""
    b = np.array([1.0, 2.0, 3.0])
    full = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    low = np.array([[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]])       # rank 1: no residuals
    f = lambda a: np.linalg.lstsq(a, b)                          # noqa: E731
    jitted = tg.jit(f)
    for a in (full, low, full, low):
        want = np.linalg.lstsq(a, b)
        for k, (got, w) in enumerate(zip(jitted(a), want, strict=True)):
            assert np.shape(got) == np.shape(w)
            np.testing.assert_allclose(got, w, rtol=1e-12, atol=1e-12, err_msg=str(k))
    ranks = tg.vmap(lambda a: f(a)[2])(np.stack([full, low]))
    np.testing.assert_array_equal(ranks, [2, 1])
    assert int(tg.jvp(lambda a: f(a)[2], (low,), (low,))[0]) == 1
