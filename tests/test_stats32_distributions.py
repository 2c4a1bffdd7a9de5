"""The distributions added to tapegrad.scipy.stats after jax.scipy.stats's list.

gumbel_r, gumbel_l, pareto, gennorm, truncnorm, vonmises and wrapcauchy
(continuous: ``loc`` and ``scale`` too), bernoulli, binom, geom, nbinom,
betabinom and multinomial (counts): SciPy's values over the line and at the
ends of the support (invalid parameters nan, as SciPy's), float32 kept,
gradients in every continuous argument against central differences, second
derivatives, jvp, jit bit for bit and vmap against the loop.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import fd

import tapegrad as tg
from tapegrad.scipy import stats as T

ss = pytest.importorskip("scipy.stats")

XS = np.array([-np.inf, -30.0, -5.0, -1.0, -0.3, 0.0, 0.2, 0.5, 1.0, 1.5, 2.0, 3.0, 7.0, 30.0,
               np.inf, np.nan])
QS = np.array([-0.1, 0.0, 1e-10, 0.2, 0.5, 0.9, 1.0, 1.1, np.nan])
KS = np.array([-np.inf, -2.0, -1.0, 0.0, 0.5, 1.0, 2.0, 3.0, 4.0, 5.0, 7.0, 60.0, np.inf, np.nan])
# name: shape parameter sets (an invalid one last), differentiable shapes' values for grads
CONTINUOUS = {
    "gumbel_r": [()], "gumbel_l": [()],
    "pareto": [(0.5,), (2.0,), (-1.0,)],
    "gennorm": [(0.5,), (1.0,), (2.5,), (-1.0,)],
    "truncnorm": [(-1.0, 1.5), (0.5, 3.0), (-3.0, -0.5), (-np.inf, 0.3), (25.0, 30.0), (1.0, -1.0)],
    "vonmises": [(0.0,), (2.0,), (20.0,), (-1.0,)],
    "wrapcauchy": [(0.5,), (0.01,), (1.0,)],
}
DISCRETE = {
    "bernoulli": [(0.3,), (0.0,), (1.0,), (1.2,)],
    "binom": [(5, 0.3), (5, 0.0), (5, 1.0), (0, 0.4), (4.5, 0.3), (5, 1.1)],
    "geom": [(0.3,), (1.0,), (1e-3,), (0.0,)],
    "nbinom": [(2.5, 0.3), (1.0, 1.0), (3.0, 1e-3), (0.0, 0.3)],
    "betabinom": [(5, 2.0, 3.0), (0, 1.0, 2.0), (5.5, 1.0, 1.0), (5, 0.0, 1.0)],
}


def _scipy(name, fun, *args):
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return getattr(getattr(ss, name), fun)(*args)


def _pointwise(name):
    """The distribution's functions of a point (and entropy): not its summaries."""
    return [f for f in getattr(T, name).__all__
            if f not in ("mean", "var", "std", "median", "interval")]


def _funs(name):
    return [f for f in _pointwise(name) if f != "entropy"]


@pytest.mark.parametrize("name", sorted(CONTINUOUS))
def test_continuous_values_equal_scipys_with_loc_scale_and_invalid_parameters(name):
    for shapes in CONTINUOUS[name]:
        for loc, scale in [(0.0, 1.0), (0.5, 2.0), (0.0, -1.0)]:
            for fun in _pointwise(name):
                args = shapes + (loc, scale)
                if fun != "entropy":
                    args = ((QS if fun in ("ppf", "isf") else XS),) + args
                got = getattr(getattr(T, name), fun)(*args)
                want = _scipy(name, fun, *args)
                np.testing.assert_allclose(got, want, rtol=1e-12, atol=0, equal_nan=True,
                                           err_msg=f"{name}.{fun}{shapes} loc={loc} s={scale}")
                assert np.asarray(got).dtype == np.float64


@pytest.mark.parametrize("name", sorted(DISCRETE))
def test_discrete_values_equal_scipys_off_the_integers_and_for_invalid_parameters(name):
    for shapes in DISCRETE[name]:
        for loc in (0.0, 1.0):
            for fun in _funs(name):
                k = QS if fun == "ppf" else KS
                got = getattr(getattr(T, name), fun)(k, *shapes, loc)
                want = _scipy(name, fun, k, *shapes, loc)
                np.testing.assert_allclose(got, want, rtol=1e-12, atol=0, equal_nan=True,
                                           err_msg=f"{name}.{fun}{shapes} loc={loc}")


def test_multinomial_equals_scipys_and_is_minus_inf_off_the_counts_summing_to_n():
    p = np.array([0.2, 0.3, 0.5])
    x = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 6.0], [1.0, 2.0, 2.0], [1.5, 1.5, 3.0],
                  [-1.0, 4.0, 3.0]])
    np.testing.assert_allclose(T.multinomial.logpmf(x, 6, p), _scipy("multinomial", "logpmf",
                                                                     x, 6, p), rtol=1e-13)
    np.testing.assert_allclose(T.multinomial.pmf(x, 6, p), _scipy("multinomial", "pmf", x, 6, p),
                               rtol=1e-13)
    assert np.isnan(T.multinomial.logpmf(x[0], 6, np.array([0.2, -0.3, 1.1])))
    g = tg.grad(T.multinomial.logpmf, argnums=2)(x[0], 6.0, p)
    np.testing.assert_allclose(g, x[0] / p, rtol=1e-14)           # d/dp_i of sum x log p


@pytest.mark.parametrize("name", sorted(CONTINUOUS))
def test_float32_stays_float32_and_is_scipys_to_float32_precision(name):
    shapes = tuple(np.float32(s) for s in CONTINUOUS[name][1 if name != "gumbel_r" and
                                                           name != "gumbel_l" else 0])
    x = np.array([0.3, 0.9, 1.7, 2.5], np.float32)
    for fun in _funs(name):
        arg = np.array([0.2, 0.7], np.float32) if fun in ("ppf", "isf") else x
        got = getattr(getattr(T, name), fun)(arg, *shapes)
        assert got.dtype == np.float32, (name, fun)
        want = _scipy(name, fun, arg.astype(float), *map(float, shapes))
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=1e-6, err_msg=f"{name}.{fun}")


# one interior point per function: (x or q, shapes), loc 0.2 and scale 1.3 after them
POINT = {"gumbel_r": (0.7, ()), "gumbel_l": (0.7, ()), "pareto": (2.7, (1.7,)),
         "gennorm": (0.9, (1.6,)), "truncnorm": (0.4, (-0.5, 1.6)), "vonmises": (0.9, (2.2,)),
         "wrapcauchy": (1.9, (0.4,))}


def _args(name, fun):
    x, shapes = POINT[name]
    args = shapes + (0.2, 1.3)
    return args if fun == "entropy" else ((0.3 if fun in ("ppf", "isf") else x),) + args


def _partial(f, args, i):
    return lambda v: f(*(v if k == i else a for k, a in enumerate(args)))


@pytest.mark.parametrize("name", sorted(CONTINUOUS))
def test_gradients_in_every_argument_equal_central_differences_jit_and_jvp(name):
    for fun in _pointwise(name):
        f, args = getattr(getattr(T, name), fun), _args(name, fun)
        for i in range(len(args)):
            g = tg.grad(f, argnums=i)
            want = fd(lambda v: float(_partial(f, args, i)(v)), args[i])
            assert g(*args) == pytest.approx(want, rel=1e-6, abs=1e-9), (fun, i)
            assert tg.jit(g)(*args) == g(*args)
            tangent = tg.jvp(_partial(f, args, i), (args[i],), (1.0,))[1]
            assert tangent == pytest.approx(g(*args), rel=1e-13, abs=1e-15), (fun, i)


@pytest.mark.parametrize("name", sorted(CONTINUOUS))
def test_second_derivatives_equal_differences_of_the_first(name):
    fun = "logpdf"
    f, args = getattr(getattr(T, name), fun), _args(name, fun)
    for i in range(len(args)):
        g = tg.grad(f, argnums=i)
        h = tg.grad(g, argnums=i)(*args)
        want = fd(lambda v: float(_partial(g, args, i)(v)), args[i], eps=1e-5)
        assert h == pytest.approx(want, rel=1e-5, abs=1e-7), (fun, i)


@pytest.mark.parametrize("name", sorted(CONTINUOUS))
def test_jit_is_eager_bit_for_bit_and_vmap_of_grad_is_the_loop(name):
    xs = np.array([0.35, 0.9, 1.4, 2.6])
    for fun in _funs(name):
        f = getattr(getattr(T, name), fun)
        args = _args(name, fun)[1:]
        x = np.array([0.1, 0.3, 0.6, 0.8]) if fun in ("ppf", "isf") else xs
        assert np.array_equal(tg.jit(f)(x, *args), f(x, *args), equal_nan=True), fun
        g = tg.grad(f)
        loop = np.array([g(v, *args) for v in x])
        assert np.array_equal(tg.vmap(g, in_axes=(0,) + (None,) * len(args))(x, *args), loop), fun


OUTSIDE = {"pareto": (0.5, (2.0,)), "truncnorm": (2.0, (-1.0, 1.5)),
           "wrapcauchy": (-0.5, (0.5,))}


@pytest.mark.parametrize("name", sorted(OUTSIDE))
def test_outside_the_support_log_density_is_minus_inf_with_finite_gradients(name):
    x, shapes = OUTSIDE[name]
    m = getattr(T, name)
    assert m.logpdf(x, *shapes) == -np.inf and m.pdf(x, *shapes) == 0.0
    for i in range(1 + len(shapes) + 2):
        args = (x,) + shapes + (0.0, 1.0)
        for fun in ("logpdf", "pdf") + (("cdf", "sf") if "cdf" in m.__all__ else ()):
            g = tg.grad(getattr(m, fun), argnums=i)(*args)
            assert g == 0.0, (fun, i, g)


def test_cdfs_are_zero_and_one_at_the_ends_with_zero_gradients():
    for name, x, lo, shapes in [("pareto", 0.5, True, (2.0,)),
                                ("truncnorm", -2.0, True, (-1.0, 1.5)),
                                ("truncnorm", 2.0, False, (-1.0, 1.5))]:
        m = getattr(T, name)
        assert m.cdf(x, *shapes) == (0.0 if lo else 1.0)
        assert m.sf(x, *shapes) == (1.0 if lo else 0.0)
        assert tg.grad(m.cdf)(x, *shapes) == 0.0


DPOINT = {"bernoulli": (1.0, (0.3,), (1,)), "binom": (2.0, (5.0, 0.3), (2,)),
          "geom": (3.0, (0.3,), (1,)), "nbinom": (2.0, (2.5, 0.3), (1, 2)),
          "betabinom": (2.0, (5.0, 1.5, 2.5), (2, 3))}


@pytest.mark.parametrize("name", sorted(DPOINT))
def test_discrete_gradients_in_the_parameters_equal_central_differences(name):
    k, shapes, diff = DPOINT[name]
    for fun in _funs(name):
        if fun == "ppf":
            continue
        f, args = getattr(getattr(T, name), fun), (k,) + shapes
        for i in diff:
            g = tg.grad(f, argnums=i)
            want = fd(lambda v: float(_partial(f, args, i)(v)), args[i])
            assert g(*args) == pytest.approx(want, rel=1e-6, abs=1e-9), (fun, i)
            assert tg.jit(g)(*args) == g(*args)
            if fun in ("logpmf", "pmf", "cdf") and i == diff[-1] and name != "nbinom":
                h = tg.grad(g, argnums=i)(*args)
                assert h == pytest.approx(fd(lambda v: float(_partial(g, args, i)(v)), args[i],
                                             eps=1e-5), rel=1e-5, abs=1e-8), (fun, i)
        ks = np.array([0.0, 1.0, 2.0, 3.0])
        assert np.array_equal(tg.jit(f)(ks, *shapes), f(ks, *shapes), equal_nan=True)
        gp = tg.grad(f, argnums=diff[-1])
        loop = np.array([gp(v, *shapes) for v in ks])
        batched = tg.vmap(gp, in_axes=(0,) + (None,) * len(shapes))(ks, *shapes)
        assert np.array_equal(batched, loop), fun


def test_new_distributions_are_frozen_as_scipys():
    assert T.gumbel_r(loc=1.0, scale=2.0).logpdf(0.5) == T.gumbel_r.logpdf(0.5, 1.0, 2.0)
    assert T.binom(5, 0.3).pmf(2) == T.binom.pmf(2, 5, 0.3)
    assert T.truncnorm(-1.0, 2.0, loc=1.0).cdf(1.2) == T.truncnorm.cdf(1.2, -1.0, 2.0, loc=1.0)


def test_discrete_float32_stays_float32_and_is_scipys_to_float32_precision():
    k = np.array([0.0, 1.0, 2.0, 3.0], np.float32)
    f32 = np.float32
    for name, shapes in [("bernoulli", (f32(0.3),)), ("binom", (5, f32(0.3))),
                         ("geom", (f32(0.3),)), ("nbinom", (f32(2.5), f32(0.3))),
                         ("betabinom", (5, f32(2.0), f32(3.0)))]:
        for fun in _funs(name):
            arg = np.array([0.2, 0.7], np.float32) if fun == "ppf" else k
            got = getattr(getattr(T, name), fun)(arg, *shapes)
            assert got.dtype == np.float32, (name, fun)
            want = _scipy(name, fun, arg.astype(float), *map(float, shapes))
            np.testing.assert_allclose(got, want, rtol=2e-5, atol=1e-6, err_msg=f"{name}.{fun}")


def test_off_the_counts_the_log_mass_is_minus_inf_with_zero_gradients_in_p():
    for name, k, shapes, i in [("bernoulli", 2.0, (0.3,), 1), ("binom", 7.0, (5.0, 0.3), 2),
                               ("binom", 1.5, (5.0, 0.3), 2), ("geom", 0.0, (0.3,), 1),
                               ("nbinom", -1.0, (2.5, 0.3), 2),
                               ("betabinom", 6.0, (5.0, 1.5, 2.5), 3)]:
        m = getattr(T, name)
        assert m.logpmf(k, *shapes) == -np.inf and m.pmf(k, *shapes) == 0.0
        for fun in ("logpmf", "pmf"):
            assert tg.grad(getattr(m, fun), argnums=i)(k, *shapes) == 0.0, (name, fun)
