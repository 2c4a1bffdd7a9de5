"""tapegrad.scipy.stats.zscore and zmap: SciPy's values, every transform, the refusal."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats
from family_checks import every_transform

import tapegrad as tg
from tapegrad.scipy import stats as tst

X = np.random.RandomState(3).rand(5, 4) * 3.0 - 1.0


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("axis", [0, 1, -1, None])
@pytest.mark.parametrize("ddof", [0, 1])
def test_zscore_and_zmap_are_scipys(dtype: type, axis: int | None, ddof: int) -> None:
    a = X.astype(dtype)
    rtol = 1e-12 if dtype is np.float64 else 2e-5
    for got, want in [(tst.zscore(a, axis, ddof), scipy.stats.zscore(a, axis, ddof)),
                      (tst.zmap(2 * a - 1, a, axis, ddof),
                       scipy.stats.zmap(2 * a - 1, a, axis, ddof)),
                      (tst.zscore(a[0]), scipy.stats.zscore(a[0]))]:
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol)


def test_zscore_of_a_constant_slice_is_nan_and_omit_leaves_nans_out() -> None:
    a = X.copy()
    a[:, 1] = 0.7
    np.testing.assert_array_equal(np.isnan(tst.zscore(a)), np.isnan(scipy.stats.zscore(a)))
    assert np.isnan(tst.zscore(a)[:, 1]).all() and not np.isnan(tst.zscore(a)[:, 0]).any()
    np.testing.assert_array_equal(tg.grad(lambda v: np.sum(tst.zscore(v)[:, 0]))(a)[:, 1], 0.0)
    a[2, 0] = np.nan
    np.testing.assert_allclose(tst.zscore(a, nan_policy="omit"),
                               scipy.stats.zscore(a, nan_policy="omit"), rtol=1e-12)
    with pytest.raises(ValueError, match="nan_policy"):
        tst.zscore(a, nan_policy="raise")


@pytest.mark.parametrize("name", ["zscore axis 0", "zscore axis None ddof 1", "zscore 1-d",
                                  "zmap", "zscore omit"])
def test_zscore_differentiates_under_every_transform(name: str) -> None:
    w = np.linspace(-1.0, 2.0, X.size).reshape(X.shape)
    f = {"zscore axis 0": lambda a: np.sum(w * tst.zscore(a) ** 3),
         "zscore axis None ddof 1": lambda a: np.sum(w * tst.zscore(a, None, 1) ** 3),
         "zscore 1-d": lambda a: np.sum(w[0] * tst.zscore(a[0]) ** 3),
         "zmap": lambda a: np.sum(w * tst.zmap(a[::-1] * 2.0, a, axis=1) ** 2),
         "zscore omit": lambda a: np.sum(w * tst.zscore(a, nan_policy="omit") ** 3),
         }[name]
    every_transform(f, X)


def test_scipys_zscore_names_tapegrads() -> None:
    for transform in (tg.grad, tg.jit):
        with pytest.raises(TypeError, match=r"^scipy\.stats\.zscore was applied to a traced "
                           r"value.*Use tapegrad\.scipy\.stats\.zscore instead\.$"):
            transform(lambda a: np.sum(scipy.stats.zscore(a)))(X[0])
