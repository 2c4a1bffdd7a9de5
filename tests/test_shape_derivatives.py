"""The derivatives of betainc in a and b, and of stdtr in df, and of the stats built on them.

Against mpmath's derivatives (40 digits) over the series and continued
fraction regions, both sides of the mean, small and large shapes; against
central differences of SciPy's own functions; in every transform (grad of
all arguments at once, jvp, jit bit for bit, vmap and vmap(grad) as the
loop, jit(grad)); float32 in, float32 gradients out; the mixed second
derivative in x and a shape against differences of the first.
"""

from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest
import scipy.special
import scipy.stats
from conftest import fd

import tapegrad as tg
from tapegrad.scipy import special as S
from tapegrad.scipy.stats import beta, t

CASES = np.array([(2.0, 3.0, 0.2), (2.0, 3.0, 0.6), (0.5, 0.5, 0.3), (0.5, 0.5, 0.97),
                  (5.0, 1.0, 0.5), (1.0, 3.0, 0.5), (0.1, 10.0, 0.01), (20.0, 30.0, 0.45),
                  (100.0, 3.0, 0.98), (1.5, 0.5, 0.8), (30.0, 0.5, 0.99), (3.0, 4.0, 0.999),
                  (200.0, 200.0, 0.48)])


def _mp_betainc_grad(a: float, b: float, x: float) -> tuple[float, float]:
    with mp.workdps(40):
        f = lambda u, v: mp.betainc(u, v, 0, mp.mpf(x), regularized=True)    # noqa: E731
        return (float(mp.diff(lambda u: f(u, mp.mpf(b)), mp.mpf(a))),
                float(mp.diff(lambda v: f(mp.mpf(a), v), mp.mpf(b))))


def test_betainc_shape_derivatives_are_mpmaths() -> None:
    a, b, x = CASES.T
    da = tg.vmap(tg.grad(S.betainc, argnums=0))(a, b, x)
    db = tg.vmap(tg.grad(S.betainc, argnums=1))(a, b, x)
    want = np.array([_mp_betainc_grad(*c) for c in CASES])
    np.testing.assert_allclose(da, want[:, 0], rtol=1e-12)
    np.testing.assert_allclose(db, want[:, 1], rtol=1e-12)


def test_stdtr_df_derivative_is_mpmaths() -> None:
    cases = [(2.0, 0.5), (2.0, -1.0), (5.0, 3.0), (0.7, -0.2), (30.0, 1e-3), (4.0, -40.0),
             (2.0, 1e-8)]

    def cdf(df: float, x: float) -> float:
        tail = mp.betainc(df / 2, mp.mpf(1) / 2, 0, df / (df + x * x), regularized=True) / 2
        return tail if x < 0 else 1 - tail
    with mp.workdps(40):
        want = [float(mp.diff(lambda d: cdf(d, mp.mpf(x)), mp.mpf(df))) for df, x in cases]
    got = [tg.grad(S.stdtr)(df, x) for df, x in cases]
    np.testing.assert_allclose(got, want, rtol=1e-12)
    assert tg.grad(S.stdtr)(3.0, 0.0) == 0.0 and tg.grad(S.stdtr)(np.inf, 1.0) == 0.0


def losses() -> dict[str, tuple[object, np.ndarray]]:
    x = np.array([0.15, 0.5, 0.93])
    return {
        "betainc": (lambda p: np.sum(S.betainc(p[0], p[1], x * p[2]) * np.arange(1.0, 4.0)),
                    np.array([2.5, 0.7, 1.0])),
        "stdtr": (lambda p: np.sum(S.stdtr(p[0] * np.array([1.0, 2.0, 8.0]), x * p[1] - 0.4)),
                  np.array([1.5, 3.0])),
        "beta.logcdf": (lambda p: np.sum(beta.logcdf(x, p[0], p[1], 0.0, p[2])),
                        np.array([1.7, 2.2, 1.1])),
        "beta.sf": (lambda p: np.sum(beta.sf(x, p[0], p[1])), np.array([0.6, 4.0])),
        "t.logsf": (lambda p: np.sum(t.logsf(x * 4 - 2, p[0], p[1])), np.array([3.5, 1.0])),
        "scipy.stdtr": (lambda p: np.sum(scipy.special.stdtr(p[0], x - p[1])),
                        np.array([6.0, 0.3])),
        "scipy.betainc": (lambda p: np.sum(scipy.special.betainc(p[0], p[1], x)),
                          np.array([0.9, 12.0])),
    }


LOSSES = losses()


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_every_transform_agrees(name: str) -> None:
    f, p = LOSSES[name]
    g = tg.grad(f)(p)
    np.testing.assert_allclose(g, fd(f, p), rtol=1e-7, atol=1e-10)
    value, slope = tg.jvp(f, (p,), (np.linspace(1.0, -0.5, p.size),))
    np.testing.assert_allclose(slope, g @ np.linspace(1.0, -0.5, p.size), rtol=1e-12)
    assert value == f(p)
    jg = tg.jit(tg.grad(f))
    batch = np.stack([p, p * 1.05, p * 0.9])
    for q in batch:
        assert tg.jit(f)(q) == f(q)
        np.testing.assert_array_equal(jg(q), tg.grad(f)(q))
    np.testing.assert_array_equal(tg.vmap(tg.grad(f))(batch),
                                  np.stack([tg.grad(f)(q) for q in batch]))
    np.testing.assert_array_equal(tg.vmap(f)(batch), np.stack([f(q) for q in batch]))


def test_scipys_own_functions_agree_with_their_differences() -> None:
    for a, b, x in CASES[:8]:
        g = tg.grad(lambda u, v: scipy.special.betainc(u, v, x), argnums=(0, 1))(a, b)
        h = 1e-6
        want = [(scipy.special.betainc(a + h, b, x) - scipy.special.betainc(a - h, b, x)) / 2 / h,
                (scipy.special.betainc(a, b + h, x) - scipy.special.betainc(a, b - h, x)) / 2 / h]
        np.testing.assert_allclose(g, want, rtol=1e-6, atol=1e-12)
    f = lambda df: scipy.stats.t.cdf(0.8, df)          # noqa: E731
    np.testing.assert_allclose(tg.grad(lambda df: t.cdf(0.8, df))(4.0), fd(f, 4.0), rtol=1e-7)


def test_float32_shapes_give_float32_gradients() -> None:
    a = np.array([2.0, 0.5], np.float32)
    g = tg.grad(lambda a: np.sum(S.betainc(a, a[::-1], np.float32(0.4))))(a)
    assert g.dtype == np.float32
    f64 = lambda a: np.sum(S.betainc(a, a[::-1], 0.4))      # noqa: E731
    np.testing.assert_allclose(g, fd(f64, a.astype(np.float64)), rtol=1e-5)
    assert tg.grad(lambda d: S.stdtr(d, np.float32(0.5)))(np.float32(3.0)).dtype == np.float32


def test_the_mixed_second_derivative_in_x_and_a_shape() -> None:
    for k in (0, 1):
        d_shape = lambda x, k=k: tg.grad(S.betainc, argnums=k)(1.7, 2.6, x)     # noqa: E731
        for x in (0.1, 0.45, 0.9):
            np.testing.assert_allclose(tg.grad(d_shape)(x), fd(d_shape, x), rtol=1e-7)
    d_df = lambda x: tg.grad(S.stdtr)(3.0, x)               # noqa: E731
    for x in (-1.5, 0.4):
        np.testing.assert_allclose(tg.grad(d_df)(x), fd(d_df, x), rtol=1e-7)
