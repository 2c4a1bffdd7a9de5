"""Cases after JAX's lax_numpy_test.py ``testCov`` and ``testCorrCoef``: NumPy's ``dtype`` keyword.

``np.cov(m, dtype=...)`` and ``np.corrcoef(x, dtype=...)`` on traced data
(refused as an unknown keyword) cast the data to ``dtype`` first, as
NumPy does: float32 computes in float32 (NumPy's in-place ``c *= 1/fact``
rounds the float64 product back), with weights the result stays float64
(NumPy's weights are float64), and the default is float64 for any data.
``jit``, ``vmap`` and a replayed tape equal eager NumPy bit for bit.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import tapegrad as tg
from tests.conftest import fd

RNG = np.random.default_rng(16)
X = RNG.normal(size=(3, 5)) * 3
FW = np.array([1, 2, 1, 3, 1])
AW = np.abs(RNG.normal(size=5))
KWARGS = [{}, {"rowvar": False}, {"bias": True}, {"aweights": AW},
          {"fweights": FW, "aweights": AW, "ddof": 2}, {"y": True}]


@pytest.mark.parametrize(("src", "dtype", "kw"),
                         list(itertools.product([np.float64, np.float32, np.int64],
                                                [None, np.float32], KWARGS)))
def test_cov_and_corrcoef_with_a_dtype_are_numpys(src, dtype, kw):
    x = X.astype(src)
    for name in ("cov", "corrcoef"):
        k = dict(kw)
        if name == "corrcoef" and set(k) - {"rowvar", "y"}:
            continue
        if k.get("y"):
            k["y"] = x[::-1] * 2
        f = lambda m, name=name, k=k: getattr(np, name)(m, dtype=dtype, **k)   # noqa: E731
        want = f(x)
        got = [tg.jit(f)(x), tg.vmap(f)(np.stack([x, x]))[1]]
        if src != np.int64:
            got.append(tg.make_tape(f)(x)(x))
        for g in got:
            assert g.dtype == want.dtype
            np.testing.assert_array_equal(g, want)


@pytest.mark.parametrize("kw", [{}, {"aweights": AW}])
def test_cov_with_a_dtype_differentiates_as_without(kw):
    loss = lambda m: np.sum(np.sin(np.cov(m, dtype=np.float64, **kw)))    # noqa: E731
    g = tg.grad(loss)(X)
    np.testing.assert_allclose(g, fd(loss, X), rtol=1e-6, atol=1e-8)
    plain = lambda m: np.sum(np.sin(np.cov(m, **kw)))      # noqa: E731
    np.testing.assert_array_equal(g, tg.grad(plain)(X))
    g32 = tg.grad(lambda m: np.sum(np.cov(m, dtype=np.float32)))(X.astype(np.float32))
    assert g32.dtype == np.float32
