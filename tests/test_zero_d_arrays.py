"""A 0-d array NumPy makes stays a 0-d array under every transform.

``v[:1].reshape(())``, ``np.squeeze(v[:1])``, ``np.where`` of two scalars,
``np.copy(v[0])``, ``np.select`` and ``np.tensordot`` over every axis give
NumPy's 0-d array, not a NumPy scalar nor a Python float. A Python float is
weak under NumPy 2's promotion (NEP 50) and a 0-d float64 array is strong:
float32 data meeting it computes in float64. Checked against NumPy (type,
dtype, bits) under jit, jvp, vjp, vmap and their compositions, derivatives
against central differences, for float64, float32 and integer data.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import fd

import tapegrad as tg

ZERO_D = {
    "x.reshape(())": lambda v: v[1:2].reshape(()),
    "np.reshape": lambda v: np.reshape(v[:1], ()),
    "np.squeeze": lambda v: np.squeeze(v[:1]),
    "x.squeeze()": lambda v: v[2:3].reshape(1, 1).squeeze(),
    "np.where": lambda v: np.where(v[0] > 0, v[0], v[1]),
    "np.copy": lambda v: np.copy(v[2]),
    "np.select": lambda v: np.select([v[0] > 0], [v[0] * v[1]]),
    "np.tensordot": lambda v: np.tensordot(v[:2], v[1:], axes=1),
}
V = np.array([0.7, -0.2, 1.3])


def exactly(got, want, what=""):
    """One type, dtype, shape and bits, leaf by leaf."""
    got, want = tg.tree.leaves(got), tg.tree.leaves(want)
    assert len(got) == len(want), what
    for g, w in zip(got, want):
        assert type(g) is type(w), (what, g, w)
        g, w = np.asarray(g), np.asarray(w)
        assert (g.dtype, g.shape) == (w.dtype, w.shape), (what, g, w)
        assert g.tobytes() == w.tobytes(), (what, g, w)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", list(ZERO_D))
def test_the_value_is_numpys_0d_array_under_jit_jvp_vjp(name, dtype):
    f, v = ZERO_D[name], V.astype(dtype)
    want = f(v)
    assert type(want) is np.ndarray and want.shape == () and want.dtype == dtype   # NumPy's
    exactly(tg.jit(f)(v), want, "jit")
    exactly(tg.jit(f)(v), want, "jit (compiled)")
    out, tangent = tg.jvp(f, (v,), (np.ones_like(v),))
    exactly(out, want, "jvp")
    assert type(tangent) is np.ndarray and tangent.shape == () and tangent.dtype == dtype
    exactly(tg.vjp(f, v)[0], want, "vjp")
    exactly(tg.jit(lambda v: tg.jvp(f, (v,), (np.ones_like(v),)))(v), (out, tangent),
            "jit(jvp)")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", list(ZERO_D))
def test_the_gradient_is_the_central_difference_and_jit_gives_its_bits(name, dtype):
    f, v = ZERO_D[name], V.astype(dtype)
    g = tg.grad(f)(v)
    assert type(g) is np.ndarray and g.dtype == dtype and g.shape == v.shape
    np.testing.assert_allclose(g, fd(f, V), rtol=1e-6, atol=1e-9)
    exactly(tg.jit(tg.grad(f))(v), g, "jit(grad)")
    exactly(tg.grad(tg.jit(f))(v), g, "grad(jit)")
    exactly(tg.vjp(f, v)[1](np.ones((), dtype))[0], g, "vjp")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", list(ZERO_D))
def test_vmap_is_the_loop_over_the_batch(name, dtype):
    f = ZERO_D[name]
    batch = np.stack([V, -V[::-1], 2 * V]).astype(dtype)
    loop = np.stack([f(b) for b in batch])
    exactly(tg.vmap(f)(batch), loop, "vmap")
    exactly(tg.vmap(tg.jit(f))(batch), loop, "vmap(jit)")
    exactly(tg.jit(tg.vmap(f))(batch), loop, "jit(vmap)")
    g = tg.grad(f)
    exactly(tg.vmap(g)(batch), np.stack([g(b) for b in batch]), "vmap(grad)")


@pytest.mark.parametrize("name", list(ZERO_D))
def test_a_float64_0d_array_meeting_float32_data_computes_in_float64(name):
    x32 = np.array([0.3, -1.7, 2.1], np.float32)

    def h(v, x):
        return np.sum(x * ZERO_D[name](v))
    want = h(V, x32)
    assert type(want) is np.float64                      # NumPy's: the 0-d array is strong
    exactly(tg.jit(h)(V, x32), want, "jit")
    exactly(tg.jvp(h, (V, x32), (V, x32))[0], want, "jvp")
    gv, gx = tg.grad(h, (0, 1))(V, x32)
    assert gv.dtype == np.float64 and gx.dtype == np.float32
    np.testing.assert_allclose(gv, fd(lambda v: h(v, x32), V), rtol=1e-6, atol=1e-9)
    exactly(tg.jit(tg.grad(h, (0, 1)))(V, x32), (gv, gx), "jit(grad)")
    vs = np.stack([V, V * 0.5])
    exactly(tg.vmap(h, (0, None))(vs, x32), np.stack([h(v, x32) for v in vs]), "vmap")


def test_integer_data_reshaped_to_a_0d_array_stays_integer_data():
    n = np.array([3, 4], np.int64)

    def f(v, n):
        return v * np.reshape(n[:1], ()), np.squeeze(n[1:])
    want = f(V, n)
    assert type(want[1]) is np.ndarray and want[1].dtype == np.int64
    exactly(tg.jit(f)(V, n), want, "jit")
    exactly(tg.vmap(f, (None, 0))(V, np.stack([n, n + 1])),
            tuple(np.stack(c) for c in zip(f(V, n), f(V, n + 1))), "vmap")
    g = tg.grad(lambda v: np.sum(f(v, n)[0]))(V)
    np.testing.assert_array_equal(g, np.full(3, 3.0))


@pytest.mark.parametrize("given", [2.5, np.float32(2.5)], ids=["float", "np.float32"])
def test_a_numbers_gradient_through_a_0d_array_is_a_number_of_its_kind(given):
    def f(x):
        return np.copy(x) * np.broadcast_to(x, ()) * 3.0
    g = tg.grad(f)(given)                   # a number (np.float64 where NumPy's functions met it)
    assert np.ndim(g) == 0 and not isinstance(g, np.ndarray) and g == 6.0 * given
    assert np.asarray(g).dtype == np.asarray(given).dtype
    exactly(tg.jit(tg.grad(f))(given), g, "jit(grad)")
    out = tg.jit(f)(given)
    assert type(out) is type(f(given))                  # NumPy's: a 0-d array times 3.0
    assert np.asarray(out).dtype == np.asarray(f(given)).dtype


# NumPy's reshape, squeeze and transpose call the scalar's own method: a NumPy
# scalar stays one (np.float64(0.5).reshape(()) is np.float64), as under jit.
SCALARS_STAY = {
    "w[0].reshape(())": lambda w: w[0].reshape(()),
    "np.reshape(w[0], ())": lambda w: np.reshape(w[0], ()),
    "np.squeeze(w[0])": lambda w: np.squeeze(w[0]),
    "w[0].squeeze()": lambda w: w[0].squeeze(),
    "np.transpose(w[0])": lambda w: np.transpose(w[0]),
    "np.where(w > 0, w, 0)[0]": lambda w: np.where(w > 0, w, 0.0)[0],
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", list(SCALARS_STAY))
def test_a_numpy_scalar_reshaped_to_nothing_stays_numpys_scalar(name, dtype):
    f, w = SCALARS_STAY[name], V.astype(dtype)
    want = f(w)
    assert isinstance(want, np.generic)                    # NumPy's premise
    exactly(tg.jit(f)(w), want, "jit")
    exactly(tg.jvp(f, (w,), (w,))[0], want, "jvp")
    exactly(tg.vmap(f)(np.stack([w, 2 * w])), np.stack([f(w), f(2 * w)]), "vmap")


def test_a_ravelled_float_leaf_stays_a_float_under_grad():
    params = {"w": np.array([1.0, -2.0]), "b": 0.5}

    def loss(p):
        vec, unravel = tg.tree.ravel(p)
        q = unravel(vec * 2.0)
        assert type(q["b"]) is tg.Traced and q["b"].shape == ()
        return np.sum(q["w"] ** 2) + q["b"] ** 2
    g = tg.grad(loss)(params)
    assert type(g["b"]) is float and g["b"] == 4.0
    np.testing.assert_array_equal(g["w"], [8.0, -16.0])
    exactly(tg.jit(tg.grad(loss))(params), g, "jit(grad)")
