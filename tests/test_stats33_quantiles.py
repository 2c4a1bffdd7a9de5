"""ppf, isf, mean, var, std, median and interval of t, gamma, chi2 and beta, and the
summaries every distribution with a ppf (median, interval) or a var (std) now has.

ppf and isf are SciPy's formulas on SciPy's own ufuncs' twins (stdtrit,
gammaincinv, gammainccinv, chdtri, betaincinv, betainccinv): equal to SciPy's
bit for bit, -inf/inf or the support's ends at q = 0 and 1, nan outside [0, 1]
and for invalid parameters; gradients in every argument against central
differences (a shape through gammainc's or betainc's shape derivative: once).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import fd

import tapegrad as tg
from tapegrad.scipy import stats as T

ss = pytest.importorskip("scipy.stats")

QS = np.array([-0.1, 0.0, 1e-300, 1e-10, 0.3, 0.5, 0.7, 1.0 - 1e-16, 1.0, 1.1, np.nan])
SHAPES = {"t": [(3.0,), (0.7,), (np.inf,), (-1.0,)], "gamma": [(2.5,), (0.3,), (-1.0,)],
          "chi2": [(3.0,), (40.0,), (0.0,)], "beta": [(2.0, 3.0), (0.5, 0.7), (-1.0, 2.0)]}
SUMMARIES = ("mean", "var", "std", "median")


def _scipy(name, fun, *args):
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return getattr(getattr(ss, name), fun)(*args)


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_ppf_isf_and_summaries_equal_scipys_bit_for_bit(name):
    m = getattr(T, name)
    for shapes in SHAPES[name]:
        for loc, scale in [(0.0, 1.0), (0.5, 2.0), (0.0, -1.0)]:
            for fun in ("ppf", "isf"):
                got = getattr(m, fun)(QS, *shapes, loc, scale)
                assert np.array_equal(got, _scipy(name, fun, QS, *shapes, loc, scale),
                                      equal_nan=True), (fun, shapes, loc, scale)
                assert got.dtype == np.float64
            for fun in SUMMARIES:
                got = getattr(m, fun)(*shapes, loc, scale)
                assert np.array_equal(got, _scipy(name, fun, *shapes, loc, scale),
                                      equal_nan=True), (fun, shapes, loc, scale)
            got, want = m.interval(0.9, *shapes, loc, scale), _scipy(name, "interval", 0.9,
                                                                    *shapes, loc, scale)
            assert np.array_equal(got, want, equal_nan=True), (shapes, loc, scale)


def test_t_mean_and_var_across_df_are_scipys():
    dfs = np.array([0.5, 1.0, 1.5, 2.0, 3.0, 30.0, np.inf, -1.0])
    assert np.array_equal(T.t.mean(dfs), ss.t.mean(dfs), equal_nan=True)
    assert np.array_equal(T.t.var(dfs), ss.t.var(dfs), equal_nan=True)


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_gradients_in_every_argument_equal_central_differences(name):
    m = getattr(T, name)
    shapes = SHAPES[name][0]
    for fun in ("ppf", "isf") + SUMMARIES:
        f = getattr(m, fun)
        args = ((0.3,) if fun in ("ppf", "isf") else ()) + shapes + (0.5, 2.0)
        for i in range(len(args)):
            g = tg.grad(f, argnums=i)
            want = fd(lambda v: float(f(*(v if k == i else a for k, a in enumerate(args)))),
                      args[i])
            assert g(*args) == pytest.approx(want, rel=1e-6, abs=1e-9), (fun, i)
        assert tg.jit(tg.grad(f))(*args) == tg.grad(f)(*args)
    lo, hi = m.interval(0.8, *shapes, 0.5, 2.0)
    for end, q in ((lo, (1.0 - 0.8) / 2), (hi, (1.0 + 0.8) / 2)):     # SciPy's q, its bits
        assert float(end) == m.ppf(q, *shapes, 0.5, 2.0)
    g = tg.grad(lambda c: m.interval(c, *shapes)[1] - m.interval(c, *shapes)[0])(0.8)
    want = 0.5 / m.pdf(m.ppf(0.9, *shapes), *shapes) + 0.5 / m.pdf(m.ppf(0.1, *shapes), *shapes)
    assert g == pytest.approx(float(want), rel=1e-10)


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_ppf_second_order_in_q_loc_scale_and_vmap_of_grad_is_the_loop(name):
    m = getattr(T, name)
    shapes = SHAPES[name][0]
    for fun in ("ppf", "isf"):
        f = getattr(m, fun)
        g = tg.grad(f)
        h = tg.grad(g)(0.3, *shapes, 0.5, 2.0)
        assert h == pytest.approx(fd(lambda v: float(g(v, *shapes, 0.5, 2.0)), 0.3, eps=1e-5),
                                  rel=1e-5)
        hs = tg.grad(tg.grad(f, argnums=len(shapes) + 2), argnums=0)(0.3, *shapes, 0.5, 2.0)
        assert hs == pytest.approx(float(g(0.3, *shapes, 0.5, 1.0)), rel=1e-12)   # d2/dq dscale
        q = np.array([0.1, 0.4, 0.8])
        loop = np.array([g(v, *shapes, 0.5, 2.0) for v in q])
        batched = tg.vmap(g, in_axes=(0,) + (None,) * (len(shapes) + 2))(q, *shapes, 0.5, 2.0)
        assert np.array_equal(batched, loop)
        eager = f(q, *shapes, 0.5, 2.0)
        assert np.array_equal(tg.jit(f)(q, *shapes, 0.5, 2.0), eager)
        assert np.array_equal(tg.vmap(f, in_axes=(0,) + (None,) * (len(shapes) + 2))(
            q, *shapes, 0.5, 2.0), eager)
        t = tg.jvp(lambda v: f(v, *shapes, 0.5, 2.0), (0.3,), (1.0,))[1]
        assert t == pytest.approx(float(g(0.3, *shapes, 0.5, 2.0)), rel=1e-14)


def test_a_second_shape_derivative_of_ppf_raises_as_the_cdfs_does():
    with pytest.raises(NotImplementedError, match="a second time"):
        tg.grad(tg.grad(T.gamma.ppf, argnums=1), argnums=1)(0.3, 2.5)


def test_float32_stays_float32():
    q = np.array([0.2, 0.7], np.float32)
    for name, shapes in SHAPES.items():
        s32 = tuple(np.float32(s) for s in shapes[0])
        m = getattr(T, name)
        for fun in ("ppf", "isf"):
            got = getattr(m, fun)(q, *s32)
            assert got.dtype == np.float32, (name, fun)
            np.testing.assert_allclose(got, _scipy(name, fun, q.astype(float), *shapes[0]),
                                       rtol=1e-5)
        assert np.asarray(m.median(*s32)).dtype == np.float32


def test_every_distribution_with_ppf_has_median_and_interval_and_with_var_std():
    for name in T.__all__:
        m = getattr(T, name)
        names = getattr(m, "__all__", ())
        if "ppf" in names:
            assert {"median", "interval"} <= set(names), name
        if "var" in names:
            assert "std" in names, name
    assert T.norm.median(1.0, 2.0) == ss.norm.median(1.0, 2.0)
    np.testing.assert_allclose(T.norm.interval(0.95, 1.0, 2.0), ss.norm.interval(0.95, 1.0, 2.0),
                               rtol=1e-15)     # tapegrad's own ndtri: a last bit apart
    assert T.expon(scale=2.0).interval(0.5) == ss.expon(scale=2.0).interval(0.5)
    assert T.norm(1.0, 2.0).entropy() == pytest.approx(ss.norm(1.0, 2.0).entropy(), rel=1e-15)


def test_the_noncentral_distributions_are_refused_naming_what_to_write():
    with pytest.raises(AttributeError, match=r"has no ncx2: .*special\.ive\(df / 2 - 1"):
        T.ncx2.logpdf(1.0, 3.0, 1.0)
    with pytest.raises(AttributeError, match=r"has no nct: .*nc = 0 is tapegrad\.scipy\.stats\.t"):
        T.nct.pdf(1.0, 3.0, 1.0)
    x, df, nc = 2.5, 3.0, 1.5        # the ncx2 density as the message spells it is SciPy's
    from tapegrad.scipy.special import ive
    log_pdf = (np.log(0.5) - (x + nc) / 2 + (df / 4 - 0.5) * np.log(x / nc)
               + np.log(ive(df / 2 - 1, np.sqrt(nc * x))) + np.sqrt(nc * x))
    assert log_pdf == pytest.approx(ss.ncx2.logpdf(x, df, nc), rel=1e-12)


@pytest.mark.parametrize("name", ["norm", "expon", "laplace", "logistic", "uniform", "cauchy",
                                  "gumbel_r", "gumbel_l"])
def test_location_scale_means_and_variances_are_scipys_and_differentiable(name):
    m = getattr(T, name)
    for loc, scale in [(0.0, 1.0), (0.5, 2.0), (0.0, -1.0)]:
        for fun in ("mean", "var", "std"):
            assert np.array_equal(getattr(m, fun)(loc, scale),
                                  _scipy(name, fun, loc, scale), equal_nan=True), fun
    if name != "cauchy":
        assert tg.grad(m.mean)(0.5, 2.0) == 1.0
        assert tg.grad(m.std, argnums=1)(0.5, 2.0) == pytest.approx(float(m.std(0.0, 1.0)),
                                                                     rel=1e-15)
        assert tg.grad(m.var, argnums=1)(0.5, 2.0) == pytest.approx(4 * float(m.var()),
                                                                     rel=1e-15)
