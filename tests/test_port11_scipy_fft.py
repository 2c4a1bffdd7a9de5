"""JAX's ``tests/scipy_fft_test.py``: ``tapegrad.scipy.fft``'s DCTs against ``scipy.fft``.

JAX checks ``dct``, ``idct``, ``dctn`` and ``idctn`` over shapes, axes, ``n``
(``s``) and ``norm``. Here the same grid, SciPy's four types too: values
against SciPy (within ulps: SciPy transforms with an FFT, tapegrad with the
cosine matrix), ``tg.jit`` bit for bit against eager, ``tg.vmap`` against a
Python loop, the derivative against central differences, and ``idct``
undoing ``dct``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tapegrad as tg
from tapegrad.scipy import fft as tfft
from tests.conftest import fd

sfft = pytest.importorskip("scipy.fft")

NORMS = [None, "backward", "ortho", "forward"]


def same(a: Any, b: Any) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)


def check(f: Any, g: Any, x: np.ndarray) -> None:
    want = g(x)
    got = f(x)
    assert np.asarray(got).dtype == want.dtype and np.shape(got) == want.shape
    tol = 1e-5 if x.dtype == np.float32 else 1e-12
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol * np.abs(want).max())
    assert same(tg.jit(f)(x), got)
    xs = np.stack([x, 2 * x, x - 1])
    assert same(tg.vmap(f)(xs), np.stack([f(v) for v in xs]))
    if x.dtype == np.float64:
        w = np.random.default_rng(7).standard_normal(want.shape)
        want_g = fd(lambda v: np.sum(w * g(v)), x)
        np.testing.assert_allclose(tg.grad(lambda v: np.sum(w * f(v)))(x), want_g,
                                   rtol=1e-6, atol=1e-7 * np.abs(want_g).max())


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("n", [None, 3, 9])
@pytest.mark.parametrize("shape, axis", [((10,), -1), ((4, 5), 0), ((4, 5), 1), ((2, 3, 6), 1)],
                         ids=str)
@pytest.mark.parametrize("kind", [1, 2, 3, 4])
@pytest.mark.parametrize("name", ["dct", "idct"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
def test_dct(name, kind, shape, axis, n, norm, dtype):
    x = np.random.default_rng(1).standard_normal(shape).astype(dtype)
    kw = {"type": kind, "n": n, "axis": axis, "norm": norm}
    check(lambda v: getattr(tfft, name)(v, **kw), lambda v: getattr(sfft, name)(v, **kw), x)


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("s, axes", [(None, None), (None, (0, 2)), ((3, 7), (1, 2)),
                                     ((4,), None), (None, -1)], ids=str)
@pytest.mark.parametrize("kind", [1, 2, 3, 4])
@pytest.mark.parametrize("name", ["dctn", "idctn"])
def test_dctn(name, kind, s, axes, norm):
    x = np.random.default_rng(2).standard_normal((3, 4, 5))
    kw = {"type": kind, "s": s, "axes": axes, "norm": norm}
    check(lambda v: getattr(tfft, name)(v, **kw), lambda v: getattr(sfft, name)(v, **kw), x)


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("kind", [1, 2, 3, 4])
def test_idct_undoes_dct(kind, norm):
    x = np.random.default_rng(3).standard_normal((3, 6))
    back = tg.jit(lambda v: tfft.idct(tfft.dct(v, kind, norm=norm), kind, norm=norm))(x)
    np.testing.assert_allclose(back, x, rtol=1e-13, atol=1e-14)
    jac = tg.jacobian(lambda v: tfft.idctn(tfft.dctn(v, kind, norm=norm), kind, norm=norm))(x)
    np.testing.assert_allclose(jac.reshape(18, 18), np.eye(18), atol=1e-13)


def test_orthonormal_dct_ii_is_orthogonal_so_its_gradient_is_its_transpose():
    x = np.random.default_rng(4).standard_normal(6)
    jac = tg.jacobian(lambda v: tfft.dct(v, norm="ortho"))(x)
    np.testing.assert_allclose(jac @ jac.T, np.eye(6), atol=1e-14)
    np.testing.assert_allclose(jac, sfft.dct(np.eye(6), norm="ortho", axis=0), atol=1e-14)


def test_bad_arguments_are_refused_as_scipy():
    with pytest.raises(ValueError, match="type"):
        tfft.dct(np.ones(3), type=5)
    with pytest.raises(ValueError, match="norm"):
        tfft.dct(np.ones(3), norm="unitary")
    with pytest.raises(ValueError, match="DCT-I"):
        tfft.dct(np.ones(1), type=1)
    with pytest.raises(TypeError, match=r"Use tapegrad\.scipy\.fft\.dct instead"):
        tg.grad(lambda v: np.sum(sfft.dct(v)))(np.ones(3))
