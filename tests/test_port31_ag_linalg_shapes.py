"""autograd's ``test_linalg.py`` shapes: wide and batched matrices, one triangle read.

autograd checks ``svd`` on wide and stacked (3-D) matrices, ``inv``, ``det``,
``slogdet`` and ``solve`` on stacks, ``eigh`` reading one triangle
(``UPLO``), the norms over axis pairs and the Cholesky reparameterization
trick, with ``check_grads`` to second order. Here each case is also run
through the rest of the family: the value under ``jit`` and ``vmap`` equals
NumPy's bit for bit in float64 and float32, the gradient equals central
differences, ``jvp`` equals the gradient's dot product, the second
derivative (a Hessian-vector product) equals differences of the gradient,
and ``vmap(grad)`` equals the loop of ``grad``.
"""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg
from tests.conftest import fd

L = np.linalg
RNG = np.random.default_rng(0)
WIDE, WIDE3, TALL3 = (RNG.standard_normal(s) for s in ((3, 5), (2, 3, 5), (2, 5, 3)))
SQ3 = RNG.standard_normal((2, 3, 3)) + 2 * np.eye(3)
_M = RNG.standard_normal((3, 3))
SPD = _M @ _M.T + np.eye(3)


def _rebuild(x):
    u, s, vh = L.svd(x, full_matrices=False)
    return (u * s[..., None, :]) @ vh


def _sym(x):
    return (x + np.swapaxes(x, -1, -2)) / 2


CASES = {
    "svd_wide_rebuild": (_rebuild, WIDE),
    "svd_wide_3d_rebuild": (_rebuild, WIDE3),
    "svd_tall_3d_rebuild": (_rebuild, TALL3),
    "svd_wide_only_s": (lambda x: L.svd(x, compute_uv=False), WIDE),
    "svd_wide_abs_u": (lambda x: np.abs(L.svd(x, full_matrices=False)[0]), WIDE),
    "svdvals_3d": (L.svdvals, WIDE3),
    "eigh_lower_triangle": (lambda x: L.eigh(x)[0], np.tril(SPD)),
    "eigh_upper_triangle": (lambda x: L.eigh(x, UPLO="U")[0], np.triu(SPD)),
    "eigh_rebuild": (lambda x: (lambda w, v: (v * w) @ v.T)(*L.eigh(_sym(x))), SPD),
    "eigvalsh_3d": (lambda x: L.eigvalsh(_sym(x)), SQ3),
    "inv_3d": (L.inv, SQ3),
    "det_3d": (L.det, SQ3),
    "slogdet_3d": (lambda x: L.slogdet(x)[1], SQ3),
    "solve_3d": (lambda x: L.solve(x, np.ones((2, 3, 2))), SQ3),
    "solve_rhs_traced": (lambda x: L.solve(SPD, x), SQ3[0]),
    "cholesky_reparameterization": (lambda x: L.cholesky(x @ x.T + np.eye(3)) @ np.ones(3), _M),
    "pinv_wide_3d": (L.pinv, WIDE3),
    "lstsq_wide": (lambda x: L.lstsq(x, np.ones(3), rcond=None)[0], WIDE),
    "norm_ord_3.5": (lambda x: L.norm(x, 3.5), WIDE[0]),
    "norm_fro_axes": (lambda x: L.norm(x, "fro", axis=(0, 1)), WIDE),
    "norm_nuc_axes_3d": (lambda x: L.norm(x, "nuc", axis=(1, 2)), WIDE3),
    "norm_2_reversed_axes": (lambda x: L.norm(x, 2, axis=(2, 1)), WIDE3),
    "norm_inf_axis_keepdims": (lambda x: L.norm(x, -np.inf, axis=1, keepdims=True), WIDE),
    "matrix_power_3d": (lambda x: L.matrix_power(x, 3), SQ3),
    "cond_3d": (L.cond, SQ3),
}


def same(got, want) -> bool:
    got, want = np.asarray(got), np.asarray(want)
    return got.dtype == want.dtype and got.shape == want.shape and np.array_equal(got, want)


@pytest.mark.parametrize("name", sorted(CASES))
def test_values_under_jit_and_vmap_are_numpys(name):
    f, x = CASES[name]
    for v in (x, x.astype(np.float32)):
        want = f(v)
        assert same(tg.jit(f)(v), want)
        assert same(tg.jvp(f, (v,), (np.ones_like(v),))[0], want)
        batch = np.stack([v, v * 1.5])
        assert same(tg.vmap(f)(batch), np.stack([f(batch[0]), f(batch[1])]))


@pytest.mark.parametrize("name", sorted(CASES))
def test_derivatives_to_second_order_equal_differences(name):
    f, x = CASES[name]
    weights = np.random.default_rng(1).standard_normal(np.shape(f(x)))

    def loss(v):
        return np.sum(f(v) * weights)
    g = tg.grad(loss)(x)
    np.testing.assert_allclose(g, fd(loss, x), rtol=1e-5, atol=1e-6)
    assert same(tg.jit(tg.grad(loss))(x), g)
    t = np.random.default_rng(2).standard_normal(x.shape)
    np.testing.assert_allclose(tg.jvp(loss, (x,), (t,))[1], np.sum(g * t), rtol=1e-8, atol=1e-9)

    def along(v):
        return np.sum(tg.grad(loss)(v) * t)
    np.testing.assert_allclose(tg.grad(along)(x), fd(along, x, 1e-5), rtol=1e-4, atol=1e-5)
    assert tg.grad(loss)(x.astype(np.float32)).dtype == np.float32
    batch = np.stack([x, x * 0.9])
    assert same(tg.vmap(tg.grad(loss))(batch), np.stack([tg.grad(loss)(b) for b in batch]))
