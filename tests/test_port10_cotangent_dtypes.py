"""The dtype of what ``vjp`` and ``jvp`` hand back, after JAX's ``api_test.py``.

JAX hands back a gradient in its primal's dtype, whatever dtype the
cotangent had (its ``vjp`` refuses a mismatched one outright); tapegrad takes
the cotangent and casts: a float32 input's gradient is float32, a float64
input's float64, in both modes and under every transform, the same numbers
as a cotangent of the output's own dtype.
"""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg

X64 = np.array([0.3, -1.2, 2.0])
X32 = X64.astype(np.float32)

FUNS = {
    "scale": lambda x: x * 2,
    "sin": np.sin,
    "reverse": lambda x: x[::-1] * x,
    "float32 constant": lambda x: x * np.float32(1.5),
    "sum": lambda x: np.sum(x * x),
}


def _cotangent(f, x, dtype):
    out = f(x)
    return np.ones(np.shape(out), dtype) if np.ndim(out) else dtype(1.0)


@pytest.mark.parametrize("name", list(FUNS))
@pytest.mark.parametrize("ct_dtype", [np.float32, np.float16])
def test_a_narrow_cotangent_gives_a_float64_input_a_float64_gradient(name, ct_dtype):
    f = FUNS[name]
    (g,) = tg.vjp(f, X64)[1](_cotangent(f, X64, ct_dtype))
    (want,) = tg.vjp(f, X64)[1](_cotangent(f, X64, np.float64))
    assert g.dtype == np.float64
    np.testing.assert_array_equal(g, want)     # 1.0 is exact in every float dtype

    def pulled(x, ct):
        return tg.vjp(f, x)[1](ct)[0]
    ct = _cotangent(f, X64, ct_dtype)
    jitted = tg.jit(pulled)(X64, ct)
    assert jitted.dtype == np.float64
    np.testing.assert_array_equal(jitted, g)


@pytest.mark.parametrize("name", list(FUNS))
def test_a_float64_cotangent_gives_a_float32_input_a_float32_gradient(name):
    f = FUNS[name]
    (g,) = tg.vjp(f, X32)[1](_cotangent(f, X32, np.float64))
    (want,) = tg.vjp(f, X32)[1](_cotangent(f, X32, np.float32))
    assert g.dtype == want.dtype == np.float32
    np.testing.assert_array_equal(g, want)


def test_a_batch_of_narrow_cotangents_under_vmap_is_the_loop():
    f = FUNS["scale"]
    cts = np.arange(6.0, dtype=np.float32).reshape(2, 3)

    def pulled(ct):
        return tg.vjp(f, X64)[1](ct)[0]
    got = tg.vmap(pulled)(cts)
    loop = np.stack([pulled(c) for c in cts])
    assert got.dtype == loop.dtype == np.float64
    np.testing.assert_array_equal(got, loop)


def test_a_narrow_tangent_gives_a_float64_output_a_float64_tangent():
    for name, f in FUNS.items():
        _, t = tg.jvp(f, (X64,), (X32,))
        _, want = tg.jvp(f, (X64,), (X32.astype(np.float64),))
        assert np.asarray(t).dtype == np.float64, name
        np.testing.assert_allclose(t, want, rtol=1e-6, err_msg=name)
        _, f_jvp = tg.linearize(f, X64)
        assert np.asarray(f_jvp(X32)).dtype == np.float64, name


def test_pytree_outputs_with_mixed_cotangent_dtypes_give_each_input_its_dtype():
    def f(a, b):
        return {"p": a * 2 + b[0], "q": [np.tanh(b)]}
    a, b = X64.copy(), X32.copy()
    _, pull = tg.vjp(f, a, b)
    ga, gb = pull({"p": np.ones(3, np.float32), "q": [np.ones(3, np.float64)]})
    assert (ga.dtype, gb.dtype) == (np.float64, np.float32)
    wa, wb = pull({"p": np.ones(3), "q": [np.ones(3)]})
    np.testing.assert_array_equal(ga, wa)
    np.testing.assert_allclose(gb, wb.astype(np.float32), rtol=1e-6)
