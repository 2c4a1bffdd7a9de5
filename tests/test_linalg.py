"""tg.linalg: NumPy's values, derivatives to order 2 in both modes, jit, vmap, replay.

The cases port HIPS autograd's tests/test_linalg.py (names kept where they
are autograd's; NumPy 2 reads a 2-D ``b`` of ``solve`` as matrices, so its
stacked-vector case is written ``b[..., None]``).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import tapegrad as tg

la = tg.linalg


def _mat(rng, *shape):
    """Well-conditioned square matrices (a stack when ``shape`` has more axes)."""
    n = shape[-1]
    return rng.standard_normal(shape) + n * np.eye(n)


def _spd(rng, *shape):
    b = rng.standard_normal(shape)
    return b @ np.swapaxes(b, -1, -2) + shape[-1] * np.eye(shape[-1])


def _mT(x):
    nd = np.ndim(x) if not isinstance(x, tg.Traced) else x.ndim
    return tg.transpose(x, tuple(range(nd - 2)) + (nd - 1, nd - 2))


def _symmetrize(a):
    """autograd's check_symmetric_matrix_grads wrapper: ``(L + L.T) / 2`` of the lower triangle."""
    low = a * np.tri(a.shape[-1])
    return (low + _mT(low)) / 2.0


def _eigh(a, uplo="L"):
    return tuple(la.eigh(a, uplo))


# name -> (tapegrad function, NumPy function, arguments from an rng)
CASES = {
    "inv": (la.inv, np.linalg.inv, lambda r: (_mat(r, 5, 5),)),
    "inv_3d": (la.inv, np.linalg.inv, lambda r: (_mat(r, 4, 4, 4),)),
    "inv_4d": (la.inv, np.linalg.inv, lambda r: (_mat(r, 2, 3, 4, 4),)),
    "solve_arg1": (lambda a, b: la.solve(a, b), np.linalg.solve,
                   lambda r: (_mat(r, 6, 6), r.standard_normal((6, 5)))),
    "solve_arg1_1d": (lambda a, b: la.solve(a, b), np.linalg.solve,
                      lambda r: (_mat(r, 6, 6), r.standard_normal(6))),
    "solve_arg1_3d": (lambda a, b: la.solve(a, b), np.linalg.solve,
                      lambda r: (_mat(r, 5, 4, 4), r.standard_normal((5, 4, 1)))),
    "solve_arg1_3d_3d": (lambda a, b: la.solve(a, b), np.linalg.solve,
                         lambda r: (_mat(r, 5, 4, 4), r.standard_normal((5, 4, 6)))),
    "solve_broadcast": (lambda a, b: la.solve(a, b), np.linalg.solve,
                        lambda r: (_mat(r, 2, 1, 3, 3), r.standard_normal((4, 3, 2)))),
    "solve_stack_vector": (lambda a, b: la.solve(a, b), np.linalg.solve,
                           lambda r: (_mat(r, 3, 4, 4), r.standard_normal(4))),
    "det": (la.det, np.linalg.det, lambda r: (r.standard_normal((5, 5)),)),
    "det_3d": (la.det, np.linalg.det, lambda r: (r.standard_normal((3, 3, 3)),)),
    "slogdet": (lambda a: la.slogdet(a)[1], lambda a: np.linalg.slogdet(a)[1],
                lambda r: (r.standard_normal((5, 5)),)),
    "slogdet_negative": (lambda a: la.slogdet(a)[1], lambda a: np.linalg.slogdet(a)[1],
                         lambda r: (-_mat(r, 5, 5),)),
    "slogdet_3d": (lambda a: tg.sum(la.slogdet(a)[1]),
                   lambda a: np.sum(np.linalg.slogdet(a)[1]), lambda r: (_spd(r, 3, 5, 5),)),
    "cholesky": (la.cholesky, np.linalg.cholesky, lambda r: (_spd(r, 5, 5),)),
    "cholesky_broadcast": (la.cholesky, np.linalg.cholesky, lambda r: (_spd(r, 3, 4, 4),)),
    "cholesky_upper": (lambda a: la.cholesky(a, upper=True),
                       lambda a: np.linalg.cholesky(a, upper=True), lambda r: (_spd(r, 4, 4),)),
    "eigvalh_lower": (_eigh, lambda a: tuple(np.linalg.eigh(a)), lambda r: (_spd(r, 5, 5),)),
    "eigvalh_upper": (lambda a: _eigh(a, "U"), lambda a: tuple(np.linalg.eigh(a, "U")),
                      lambda r: (_spd(r, 5, 5),)),
    "eigvalh_lower_broadcasting": (_eigh, lambda a: tuple(np.linalg.eigh(a)),
                                   lambda r: (_spd(r, 2, 3, 4, 4),)),
    "svdvals_tall": (la.svdvals, np.linalg.svdvals, lambda r: (r.standard_normal((5, 3)),)),
    "svdvals_wide_3d": (la.svdvals, np.linalg.svdvals,
                        lambda r: (r.standard_normal((4, 3, 5)),)),
    "vector_2norm": (la.norm, np.linalg.norm, lambda r: (r.standard_normal(6),)),
    "frobenius_norm": (la.norm, np.linalg.norm, lambda r: (r.standard_normal((6, 5)),)),
    "frobenius_norm_axis": (lambda x: la.norm(x, axis=(0, 1)),
                            lambda x: np.linalg.norm(x, axis=(0, 1)),
                            lambda r: (r.standard_normal((6, 5, 4)),)),
    "norm_nuclear": (lambda x: la.norm(x, "nuc"), lambda x: np.linalg.norm(x, "nuc"),
                     lambda r: (r.standard_normal((6, 5)),)),
    "norm_nuclear_axis": (lambda x: la.norm(x, "nuc", axis=(0, 1)),
                          lambda x: np.linalg.norm(x, "nuc", axis=(0, 1)),
                          lambda r: (r.standard_normal((6, 5, 4)),)),
    "vector_norm_axes_2_0": (lambda x: la.vector_norm(x, axis=(2, 0), keepdims=True, ord=3),
                             lambda x: np.linalg.vector_norm(x, axis=(2, 0), keepdims=True,
                                                             ord=3),
                             lambda r: (r.standard_normal((4, 2, 3)),)),
    "vector_norm_all": (la.vector_norm, np.linalg.vector_norm,
                        lambda r: (r.standard_normal((4, 3)),)),
    "matrix_norm_nuc_stack": (lambda x: la.matrix_norm(x, ord="nuc"),
                              lambda x: np.linalg.matrix_norm(x, ord="nuc"),
                              lambda r: (r.standard_normal((2, 4, 3)),)),
    "eigvalsh_upper": (lambda a: la.eigvalsh(a, "U"), lambda a: np.linalg.eigvalsh(a, "U"),
                       lambda r: (_spd(r, 2, 4, 4),)),
}
for _ord in (1, 2, 3, 4, 2.5, -1.5, math.inf, -math.inf):
    CASES[f"vector_norm_ord_{_ord}"] = (
        lambda x, o=_ord: la.norm(x, o), lambda x, o=_ord: np.linalg.norm(x, o),
        lambda r: (r.standard_normal(6),))
for _axis in (0, 1, 2, -1):
    CASES[f"norm_axis_{_axis}"] = (
        lambda x, a=_axis: la.norm(x, axis=a, keepdims=True),
        lambda x, a=_axis: np.linalg.norm(x, axis=a, keepdims=True),
        lambda r: (r.standard_normal((6, 5, 4)),))
for _ord in (None, "fro", "nuc", 1, -1, 2, -2, math.inf, -math.inf):
    CASES[f"matrix_norm_{_ord}"] = (
        lambda x, o=_ord: la.norm(x, o), lambda x, o=_ord: np.linalg.norm(x, o),
        lambda r: (r.standard_normal((4, 3)),))
    CASES[f"matrix_norm_{_ord}_axes_2_0"] = (
        lambda x, o=_ord: la.norm(x, o, axis=(2, 0), keepdims=True),
        lambda x, o=_ord: np.linalg.norm(x, o, axis=(2, 0), keepdims=True),
        lambda r: (r.standard_normal((4, 2, 3)),))

# read one triangle: checked raw, and through autograd's symmetric parametrisation
TRIANGLE = {"cholesky", "cholesky_broadcast", "cholesky_upper", "eigvalh_lower",
            "eigvalh_upper", "eigvalh_lower_broadcasting", "eigvalsh_upper"}


def _args(name, seed=0, dtype=np.float64):
    return tuple(np.asarray(a, dtype=dtype) for a in CASES[name][2](np.random.default_rng(seed)))


def _leaves(out):
    return list(out) if isinstance(out, tuple) else [out]


def _loss(name, args):
    """A scalar of every output, each weighted by fixed random numbers."""
    f = CASES[name][0]
    outs = _leaves(f(*args))
    rng = np.random.default_rng(7)
    weights = [rng.standard_normal(np.shape(o)).astype(np.asarray(o).dtype) for o in outs]

    def loss(*xs):
        return tg.sum([tg.sum(o * w) for o, w in zip(_leaves(f(*xs)), weights)])
    return loss


def _same(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b, equal_nan=True)


@pytest.mark.parametrize("name", sorted(CASES))
def test_values_equal_numpy(name):
    f, np_f, _ = CASES[name]
    args = _args(name)
    got, want = _leaves(f(*args)), _leaves(np_f(*args))
    for g, w in zip(got, want):
        assert np.shape(g) == np.shape(w)
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", sorted(CASES))
def test_derivatives_equal_central_differences_to_order_2_in_both_modes(name):
    f = CASES[name][0]
    args = _args(name)
    if name in TRIANGLE:     # as autograd tests them: through a symmetric input
        tg.check_grads(lambda a: f(_symmetrize(a)), args, order=2)
    tg.check_grads(f, args, order=2)


@pytest.mark.parametrize("name", sorted(CASES))
def test_jit_equals_eager_bit_for_bit(name):
    f = CASES[name][0]
    args = _args(name)
    for want, got in zip(_leaves(f(*args)), _leaves(tg.jit(f)(*args))):
        assert _same(got, want)
    loss = _loss(name, args)
    argnums = tuple(range(len(args)))
    want = tg.value_and_grad(loss, argnums=argnums)(*args)
    got = tg.jit(tg.value_and_grad(loss, argnums=argnums))(*args)
    assert _same(got[0], want[0]) and all(_same(g, w) for g, w in zip(got[1], want[1]))


@pytest.mark.parametrize("name", sorted(CASES))
def test_vmap_equals_a_loop_over_examples(name):
    f = CASES[name][0]
    stacks = [_args(name, seed) for seed in range(3)]
    batch = tuple(np.stack(parts) for parts in zip(*stacks))
    for k, got in enumerate(_leaves(tg.vmap(f)(*batch))):
        want = np.stack([np.asarray(_leaves(f(*a))[k]) for a in stacks])
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-13)
    loss = _loss(name, stacks[0])
    got = tg.vmap(tg.grad(loss))(*batch)
    want = np.stack([tg.grad(loss)(*a) for a in stacks])
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", ["solve_arg1", "solve_arg1_1d", "solve_broadcast"])
def test_vmap_of_one_argument_with_the_other_shared(name):
    f = CASES[name][0]
    a, b = _args(name)
    bs = np.stack([b, 2.0 * b, -b])
    np.testing.assert_allclose(tg.vmap(f, in_axes=(None, 0))(a, bs),
                               np.stack([f(a, x) for x in bs]), rtol=1e-13)
    As = np.stack([a, a + 0.5, a * 2.0])
    np.testing.assert_allclose(tg.vmap(f, in_axes=(0, None))(As, b),
                               np.stack([f(x, b) for x in As]), rtol=1e-13)


@pytest.mark.parametrize("name", sorted(CASES))
def test_float32_stays_float32(name):
    f = CASES[name][0]
    args = _args(name, dtype=np.float32)
    for out in _leaves(f(*args)):
        assert np.asarray(out).dtype == np.float32, out
    grads = tg.grad(_loss(name, args), argnums=tuple(range(len(args))))(*args)
    assert all(np.asarray(g).dtype == np.float32 for g in grads)
    for out, want in zip(_leaves(f(*args)), _leaves(CASES[name][1](*args))):
        np.testing.assert_allclose(out, want, rtol=2e-4, atol=2e-4)


@pytest.mark.parametrize("name", ["inv_3d", "solve_broadcast", "slogdet_3d", "cholesky",
                                  "eigvalh_lower", "norm_nuclear", "matrix_norm_2"])
def test_replayed_gradient_tape_equals_eager(name):
    loss = _loss(name, _args(name))
    argnums = tuple(range(len(_args(name))))
    tape = tg.make_tape(tg.grad(loss, argnums=argnums))(*_args(name))
    for got, want in zip(tape(*_args(name, 1)), tg.grad(loss, argnums=argnums)(*_args(name, 1))):
        assert _same(got, want)


# ------------------------------------------------------------- closed forms
def test_closed_forms_of_the_gradients():
    rng = np.random.default_rng(3)
    a = _mat(rng, 4, 4)
    inv_t = np.linalg.inv(a).T
    np.testing.assert_allclose(tg.grad(la.det)(a), np.linalg.det(a) * inv_t, rtol=1e-12)
    np.testing.assert_allclose(tg.grad(lambda m: la.slogdet(m)[1])(a), inv_t, rtol=1e-12)
    e = np.zeros((4, 4))
    e[1, 2] = 1.0
    _, dinv = tg.jvp(la.inv, (a,), (e,))
    np.testing.assert_allclose(dinv, -np.linalg.inv(a) @ e @ np.linalg.inv(a), rtol=1e-12)
    x = rng.standard_normal(5)
    np.testing.assert_allclose(tg.grad(la.norm)(x), x / np.linalg.norm(x), rtol=1e-12)
    np.testing.assert_allclose(tg.grad(lambda v: la.norm(v, 1))(x), np.sign(x))
    d = np.diag([4.0, 9.0, 1.0])
    np.testing.assert_allclose(la.cholesky(d), np.diag([2.0, 3.0, 1.0]))
    np.testing.assert_allclose(tg.grad(lambda m: tg.sum(la.cholesky(m)))(d),
                               [[0.25, 0.0, 0.0], [0.5, 1.0 / 6.0, 0.0], [0.5, 1.0 / 3.0, 0.5]],
                               rtol=1e-12)     # L_ij = A_ij / L_jj below the diagonal


def test_eigenvalue_gradient_is_the_projector_on_its_eigenvector():
    rng = np.random.default_rng(4)
    s = _spd(rng, 4, 4)
    w, v = np.linalg.eigh(s)
    # symmetric directions: the derivative of w_k along D is v_k^T D v_k
    d = rng.standard_normal((4, 4))
    d = d + d.T
    for k in range(4):
        _, dw = tg.jvp(lambda m, k=k: la.eigh(m)[0][k], (s,), (d,))
        np.testing.assert_allclose(dw, v[:, k] @ d @ v[:, k], rtol=1e-10)
        g = tg.grad(lambda m, k=k: la.eigh(m)[0][k])(s)
        np.testing.assert_allclose(np.sum(g * d), v[:, k] @ d @ v[:, k], rtol=1e-10)


def test_eigh_only_reads_one_triangle_and_so_does_its_gradient():
    rng = np.random.default_rng(5)
    s = _spd(rng, 4, 4)
    junk = s + np.triu(rng.standard_normal((4, 4)), 1)       # other triangle: anything
    for uplo, other in (("L", np.triu), ("U", np.tril)):
        src = junk if uplo == "L" else junk.T
        np.testing.assert_array_equal(la.eigh(src, uplo)[0], np.linalg.eigh(s, uplo)[0])
        g = tg.grad(lambda m, u=uplo: tg.sum(la.eigh(m, u)[0] ** 2))(src)
        np.testing.assert_array_equal(other(g, 1 if uplo == "L" else -1), 0.0)


def test_ties_in_eigenvalues_give_finite_gradients_of_the_eigenvalues():
    eye = np.eye(3)        # w = (1, 1, 1): the eigenvectors' derivative is undefined
    g = tg.grad(lambda m: tg.sum(la.eigh(m)[0]))(eye)
    np.testing.assert_allclose(g, eye, atol=1e-15)
    g2 = tg.grad(lambda m: la.eigh(m)[0][2] ** 2)(np.diag([1.0, 1.0, 2.0]))
    assert np.all(np.isfinite(g2))


def test_norm_gradient_at_zero_is_jaxs_and_autograds():
    z = np.zeros(3)
    assert np.all(np.isnan(tg.grad(la.norm)(z)))               # sqrt'(0) * 0, as JAX
    np.testing.assert_array_equal(tg.grad(lambda v: la.norm(v, 1))(z), 0.0)
    np.testing.assert_array_equal(tg.grad(lambda v: la.norm(v, 0))(np.array([0.0, 2.0])), 0.0)
    assert la.norm(np.array([0.0, 2.0, -1.0]), 0) == 2.0


def test_integer_and_empty_inputs_as_numpy_takes_them():
    a = np.array([[2, 1], [1, 3]])
    assert la.det(a) == pytest.approx(np.linalg.det(a), rel=1e-15)
    np.testing.assert_array_equal(la.inv(a), np.linalg.inv(a))
    assert tg.jit(la.det)(a) == la.det(a)          # integer data in, floats out
    assert la.norm(np.array([3, 4])) == 5.0
    empty = np.zeros((0, 3, 3))
    assert la.det(empty).shape == (0,) and la.inv(empty).shape == (0, 3, 3)
    assert tg.vmap(la.det)(empty).shape == (0,)
    assert la.det(np.zeros((0, 0))) == 1.0


def test_numpy_linalg_on_traced_values_runs_tapegrad():
    rng = np.random.default_rng(6)
    a, b, s = _mat(rng, 3, 3), rng.standard_normal(3), _spd(rng, 3, 3)

    def f(a, s):
        x = np.linalg.solve(a, b) + np.linalg.inv(a) @ b + np.linalg.eigvalsh(s)
        x = x + np.linalg.vector_norm(a, axis=0, ord=3) + np.linalg.matrix_norm(s, ord=2)
        w, v = np.linalg.eigh(s, UPLO="U")
        return (np.linalg.det(a) + np.linalg.slogdet(s)[1] + tg.sum(x) + tg.sum(w)
                + np.linalg.norm(x, ord=1, axis=0, keepdims=False)
                + tg.sum(np.linalg.cholesky(s, upper=True)) + tg.sum(np.linalg.svdvals(a)))

    def g(a, s):
        x = la.solve(a, b) + la.inv(a) @ b + la.eigvalsh(s)
        x = x + la.vector_norm(a, axis=0, ord=3) + la.matrix_norm(s, ord=2)
        return (la.det(a) + la.slogdet(s)[1] + tg.sum(x) + tg.sum(la.eigh(s, "U")[0])
                + la.norm(x, 1) + tg.sum(la.cholesky(s, upper=True)) + tg.sum(la.svdvals(a)))
    got, want = tg.grad(f, argnums=(0, 1))(a, s), tg.grad(g, argnums=(0, 1))(a, s)
    assert all(_same(x, y) for x, y in zip(got, want))
    assert _same(tg.jit(f)(a, s), g(a, s))


def test_results_are_numpys_named_tuples():
    s = _spd(np.random.default_rng(8), 3, 3)
    w, v = la.eigh(s)
    assert la.eigh(s).eigenvalues is not None and la.eigh(s)._fields == (
        "eigenvalues", "eigenvectors")
    np.testing.assert_allclose(s @ v, v * w, atol=1e-12)
    assert la.slogdet(s)._fields == ("sign", "logabsdet") == np.linalg.slogdet(s)._fields
    sign, logdet = tg.jit(lambda m: tuple(la.slogdet(-m)))(s)
    assert sign == -1.0 and logdet == pytest.approx(np.linalg.slogdet(s)[1])


def test_errors_name_the_problem():
    with pytest.raises(np.linalg.LinAlgError, match=r"linalg.inv: .*\(2, 3\).*square"):
        la.inv(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"linalg.solve: b has shape \(3,\)"):
        la.solve(np.eye(2), np.ones(3))
    with pytest.raises(ValueError, match="UPLO must be 'L' or 'U'"):
        la.eigh(np.eye(2), "X")
    with pytest.raises(ValueError, match="Invalid norm order 'fro' for vectors"):
        la.norm(np.ones(3), "fro")
    with pytest.raises(ValueError, match="Invalid norm order for matrices"):
        la.norm(np.ones((2, 2)), 3)
    with pytest.raises(ValueError, match="Improper number of dimensions"):
        la.norm(np.ones((2, 2, 2)), 1)
    with pytest.raises(ValueError, match="Duplicate axes"):
        la.norm(np.ones((2, 2)), axis=(0, 0))
    with pytest.raises(ValueError, match=r"np\.linalg\.eig of a traced matrix with complex "
                                         r"eigenvalues.*np\.linalg\.eigh"):
        tg.grad(lambda a: tg.sum(np.linalg.eig(a)[0]))(np.array([[0.0, -1.0], [1.0, 0.0]]))
    with pytest.raises(ValueError, match=r"reduced factors.*full_matrices=False"):
        tg.jit(lambda a: np.linalg.svd(a)[1])(np.ones((3, 2)))


def test_cholesky_reparameterization_trick():
    z0 = np.random.default_rng(0).standard_normal(6)

    def fun(a):
        return la.norm(la.cholesky(a) @ z0)
    tg.check_grads(lambda a: fun(_symmetrize(a)), (_spd(np.random.default_rng(1), 6, 6),),
                   order=2)


# --------------------------------------------------------------- with JAX
def _jax():
    try:
        import jax
        import jax.numpy as jnp
    except Exception:              # noqa: BLE001  (any failure: JAX is not usable here)
        pytest.skip("jax is not installed")
    jax.config.update("jax_enable_x64", True)
    return jax, jnp


JAX_CASES = {
    "solve": (lambda a, b: la.solve(a, b), lambda jnp: lambda a, b: jnp.linalg.solve(a, b),
              lambda r: (_mat(r, 4, 4), r.standard_normal((4, 2)))),
    "inv": (la.inv, lambda jnp: jnp.linalg.inv, lambda r: (_mat(r, 3, 4, 4),)),
    "det": (la.det, lambda jnp: jnp.linalg.det, lambda r: (_mat(r, 4, 4),)),
    "slogdet": (lambda a: la.slogdet(a)[1], lambda jnp: lambda a: jnp.linalg.slogdet(a)[1],
                lambda r: (-_mat(r, 4, 4),)),
    "cholesky": (la.cholesky, lambda jnp: jnp.linalg.cholesky, lambda r: (_spd(r, 4, 4),)),
    "eigvals": (lambda a: la.eigh(a)[0], lambda jnp: lambda a: jnp.linalg.eigh(a)[0],
                lambda r: (_spd(r, 4, 4),)),
    "eigvecs_squared": (lambda a: la.eigh(a)[1] ** 2,
                        lambda jnp: lambda a: jnp.linalg.eigh(a)[1] ** 2,
                        lambda r: (_spd(r, 4, 4),)),
    "svdvals": (la.svdvals, lambda jnp: lambda a: jnp.linalg.svd(a, compute_uv=False),
                lambda r: (r.standard_normal((5, 3)),)),
}
for _ord in (None, 1, 3, math.inf, -math.inf):
    JAX_CASES[f"vector_norm_{_ord}"] = (
        lambda x, o=_ord: la.norm(x, o), lambda jnp, o=_ord: lambda x: jnp.linalg.norm(x, o),
        lambda r: (r.standard_normal(5),))
for _ord in ("fro", "nuc", 1, -1, 2, -2, math.inf):
    JAX_CASES[f"matrix_norm_{_ord}"] = (
        lambda x, o=_ord: la.norm(x, o, axis=(0, 2)),
        lambda jnp, o=_ord: lambda x: jnp.linalg.norm(x, o, axis=(0, 2)),
        lambda r: (r.standard_normal((4, 2, 3)),))


@pytest.mark.parametrize("name", sorted(JAX_CASES))
def test_values_and_gradients_equal_jax(name):
    jax, jnp = _jax()
    f, jf, make = JAX_CASES[name]
    jf = jf(jnp)
    args = make(np.random.default_rng(2))
    symmetric = name in ("cholesky", "eigvals", "eigvecs_squared")   # JAX symmetrizes
    tf = (lambda a: f(_symmetrize(a))) if symmetric else f
    jfs = (lambda a: jf((jnp.tril(a) + jnp.tril(a).T) / 2)) if symmetric else jf
    np.testing.assert_allclose(tf(*args), np.asarray(jfs(*args)), rtol=1e-10, atol=1e-12)
    w = np.random.default_rng(9).standard_normal(np.shape(tf(*args)))
    argnums = tuple(range(len(args)))
    got = tg.grad(lambda *a: tg.sum(tf(*a) * w), argnums=argnums)(*args)
    want = jax.grad(lambda *a: jnp.sum(jfs(*a) * w), argnums=argnums)(*args)
    for g, h in zip(got, want):
        np.testing.assert_allclose(g, np.asarray(h), rtol=1e-9, atol=1e-11)


# --------------------------------------------- compositions and dtypes
@pytest.mark.parametrize("name", ["solve_broadcast", "inv_3d", "slogdet", "cholesky",
                                  "eigvalh_lower", "svdvals_tall", "matrix_norm_nuc",
                                  "norm_axis_1"])
def test_compositions_of_transforms_equal_the_stack_without_jit(name):
    stacks = [_args(name, seed) for seed in range(3)]
    batch = tuple(np.stack(parts) for parts in zip(*stacks))
    loss = _loss(name, stacks[0])
    g = tg.grad(loss)
    loop = np.stack([g(*a) for a in stacks])
    np.testing.assert_allclose(tg.jit(tg.vmap(g))(*batch), loop, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(tg.vmap(tg.jit(g))(*batch), loop, rtol=1e-12, atol=1e-13)
    assert _same(tg.grad(tg.jit(loss))(*stacks[0]), g(*stacks[0]))
    # nested vmap: a batch of batches
    nested = tuple(np.stack([b, b]) for b in batch)
    np.testing.assert_allclose(tg.vmap(tg.vmap(g))(*nested), np.stack([loop, loop]),
                               rtol=1e-12, atol=1e-13)
    # forward over reverse: a Hessian-vector product against central differences of grad
    x = stacks[0]
    v = tuple(np.random.default_rng(11).standard_normal(np.shape(a)) for a in x)
    _, hv = tg.jvp(g, x, v)
    eps = 1e-6
    fd = (g(*(a + eps * d for a, d in zip(x, v))) - g(*(a - eps * d for a, d in zip(x, v))))
    np.testing.assert_allclose(hv, fd / (2 * eps), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8])
def test_integer_dtypes_give_numpys_float64_values_in_every_transform(dtype):
    a = np.array([[5, 1, 2], [1, 6, 0], [2, 0, 7]], dtype=dtype)
    b = np.array([1, 2, 3], dtype=dtype)
    for f, np_f in [(la.det, np.linalg.det), (la.inv, np.linalg.inv),
                    (lambda m: la.solve(m, b), lambda m: np.linalg.solve(m, b)),
                    (lambda m: la.slogdet(m)[1], lambda m: np.linalg.slogdet(m)[1]),
                    (la.cholesky, np.linalg.cholesky),
                    (lambda m: la.eigh(m)[0], lambda m: np.linalg.eigh(m)[0]),
                    (la.norm, np.linalg.norm),
                    (lambda m: la.norm(m, 1), lambda m: np.linalg.norm(m, 1)),
                    (lambda m: la.norm(m, 2), lambda m: np.linalg.norm(m, 2))]:
        want = np_f(a)
        for got in (f(a), tg.jit(f)(a), tg.vmap(f)(a[None])[0]):
            assert np.asarray(got).dtype == np.float64
            np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-14)


def test_numpy_scalars_and_python_floats_as_numpy_takes_them():
    assert la.norm([3.0, 4.0]) == 5.0
    np.testing.assert_allclose(la.norm([[1.0, 2.0], [3.0, 4.0]], "nuc"),
                               np.linalg.norm([[1.0, 2.0], [3.0, 4.0]], "nuc"), rtol=1e-14)
    assert tg.grad(lambda a, b: la.norm([a, b]), argnums=(0, 1))(3.0, 4.0) == pytest.approx(
        (0.6, 0.8), rel=1e-15)
    assert la.norm(np.float64(-3.0)) == 3.0 == np.linalg.norm(np.float64(-3.0))
    assert tg.grad(la.norm)(-3.0) == -1.0
    x32 = np.array([3.0, 4.0], dtype=np.float32)
    assert la.norm(x32).dtype == np.float32 and la.norm(x32) == 5.0
    assert tg.grad(lambda v: la.norm(v, 3))(x32).dtype == np.float32


def test_ties_in_eigenvalues_in_forward_mode():
    _, dw = tg.jvp(lambda m: la.eigh(m)[0], (np.eye(3),), (np.diag([1.0, 2.0, 3.0]),))
    np.testing.assert_allclose(dw, [1.0, 2.0, 3.0])


def test_det_gradient_at_singular_matrices_is_the_cofactor_matrix_as_jaxs():
    a = np.array([[1.0, 2.0], [2.0, 4.0]])              # rank 1: cofactors [[4, -2], [-2, 1]]
    np.testing.assert_allclose(tg.grad(la.det)(a), [[4.0, -2.0], [-2.0, 1.0]], atol=1e-14)
    b = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])
    cof = np.array([[4.0, 4.0, -4.0], [-2.0, -2.0, 2.0], [0.0, 0.0, 0.0]])
    np.testing.assert_allclose(tg.grad(la.det)(b), cof, atol=1e-13)
    np.testing.assert_allclose(tg.jvp(la.det, (b,), (np.eye(3),))[1], np.trace(cof), atol=1e-13)
    tg.check_grads(la.det, (b,), order=1)
    np.testing.assert_allclose(tg.grad(la.det)(np.ones((3, 3))), 0.0, atol=1e-14)   # rank 1
    stack = np.stack([a, a + np.eye(2)])                  # one singular in the batch
    np.testing.assert_allclose(tg.vmap(tg.grad(la.det))(stack),
                               [[[4.0, -2.0], [-2.0, 1.0]], [[5.0, -2.0], [-2.0, 2.0]]],
                               atol=1e-13)
    assert _same(tg.jit(tg.grad(la.det))(b), tg.grad(la.det)(b))


def test_slogdet_derivatives_at_singular_matrices_are_infinite_as_jaxs_never_an_error():
    a = np.array([[1.0, 2.0], [2.0, 4.0]])
    logdet = lambda m: la.slogdet(m)[1]      # noqa: E731
    assert logdet(a) == -math.inf
    np.testing.assert_array_equal(tg.grad(logdet)(a), [[math.inf, -math.inf],
                                                        [-math.inf, math.inf]])
    assert tg.jvp(logdet, (a,), (np.eye(2),))[1] == math.inf
    with pytest.raises(np.linalg.LinAlgError):      # the value itself: NumPy's error
        la.inv(a)
