"""SciPy's distribution functions (bdtr, chdtri, owens_t, kolmogorov, ...) on traced values.

Importing tapegrad.scipy makes each a twin: SciPy computes the value (bit for
bit, eager, jit and vmap, float32 kept where SciPy keeps it) and tapegrad
supplies the partials, written with its own differentiable functions:
checked against central differences in every continuous argument, at second
order too (where the partial does not go through a shape derivative of
gammainc or betainc, which works once), with jvp and vmap of grad against
the loop. Counts (bdtr's k and n, smirnov's n) raise when differentiated.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import fd

import tapegrad as tg
import tapegrad.scipy  # noqa: F401  (SciPy's ufuncs run on traced values)

sc = pytest.importorskip("scipy.special")

# name: (a point, the continuous arguments, those whose second derivative works here)
CASES = {
    "bdtr": ((2.0, 5.0, 0.3), [2], [2]), "bdtrc": ((2.0, 5.0, 0.3), [2], [2]),
    "bdtri": ((2.0, 5.0, 0.6), [2], [2]),
    "nbdtr": ((2.0, 3.0, 0.4), [2], [2]), "nbdtrc": ((2.0, 3.0, 0.4), [2], [2]),
    "nbdtri": ((2.0, 3.0, 0.4), [2], [2]),
    "pdtr": ((2.0, 1.3), [1], [1]), "pdtrc": ((2.0, 1.3), [1], [1]),
    "pdtri": ((2.0, 0.4), [1], [1]),
    "chdtr": ((3.0, 2.2), [0, 1], [1]), "chdtrc": ((3.0, 2.2), [0, 1], [1]),
    "chdtri": ((3.0, 0.3), [0, 1], [1]),
    "gdtr": ((1.5, 2.5, 1.2), [0, 1, 2], [0, 2]), "gdtrc": ((1.5, 2.5, 1.2), [0, 1, 2], [0, 2]),
    "gdtrix": ((1.5, 2.5, 0.4), [0, 1, 2], [0, 2]),
    "fdtr": ((3.0, 5.0, 1.2), [0, 1, 2], [2]), "fdtrc": ((3.0, 5.0, 1.2), [0, 1, 2], [2]),
    "fdtri": ((3.0, 5.0, 0.6), [0, 1, 2], [2]),
    "stdtrit": ((4.0, 0.7), [0, 1], [1]), "owens_t": ((0.5, 2.0), [0, 1], [0, 1]),
    "kolmogorov": ((0.7,), [0], [0]), "kolmogi": ((0.4,), [0], [0]),
    "smirnov": ((5, 0.3), [1], [1]), "smirnovi": ((5, 0.4), [1], [1]),
    "tklmbda": ((0.5, 0.3), [0, 1], [0, 1]),
    "gammaincinv": ((2.5, 0.4), [0, 1], [1]), "gammainccinv": ((2.5, 0.4), [0, 1], [1]),
    "betaincinv": ((2.0, 3.0, 0.4), [0, 1, 2], [2]),
    "betainccinv": ((2.0, 3.0, 0.4), [0, 1, 2], [2]),
    "betaincc": ((2.0, 3.0, 0.4), [0, 1, 2], [2]),
    "btdtria": ((0.4, 2.0, 0.3), [0, 1, 2], []), "btdtrib": ((2.0, 0.4, 0.3), [0, 1, 2], []),
}
COUNTS = {"bdtr": (0, 1), "bdtrc": (0, 1), "bdtri": (0, 1), "nbdtr": (0, 1), "nbdtrc": (0, 1),
          "nbdtri": (0, 1), "pdtr": (0,), "pdtrc": (0,), "pdtri": (0,), "smirnov": (0,),
          "smirnovi": (0,)}


def _f(name):
    ufunc = getattr(sc, name)
    return lambda *args: ufunc(*args)


def _at(f, args, i):
    return lambda v: f(*(v if k == i else a for k, a in enumerate(args)))


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradients_equal_central_differences_with_jit_and_jvp(name):
    args, continuous, _ = CASES[name]
    f = _f(name)
    for i in continuous:
        g = tg.grad(f, argnums=i)
        value, slope = tg.value_and_grad(f, argnums=i)(*args)
        assert value == getattr(sc, name)(*args)                 # SciPy's value, bit for bit
        assert slope == pytest.approx(fd(lambda v: float(_at(f, args, i)(v)), args[i]),
                                      rel=1e-6, abs=1e-9), i
        assert tg.jit(g)(*args) == slope
        assert tg.jvp(_at(f, args, i), (args[i],), (1.0,))[1] == pytest.approx(slope, rel=1e-13)


@pytest.mark.parametrize("name", sorted(CASES))
def test_second_derivatives_equal_differences_of_the_first(name):
    args, continuous, twice = CASES[name]
    f = _f(name)
    for i in twice:
        g = tg.grad(f, argnums=i)
        h = tg.grad(g, argnums=i)(*args)
        want = fd(lambda v: float(_at(g, args, i)(v)), args[i], eps=1e-5)
        assert h == pytest.approx(want, rel=1e-5, abs=1e-7), i
    for i in sorted(set(continuous) - set(twice)):     # through a shape derivative: once
        with pytest.raises(NotImplementedError, match="second time"):
            tg.grad(tg.grad(f, argnums=i), argnums=i)(*args)


@pytest.mark.parametrize("name", sorted(CASES))
def test_jit_and_vmap_values_are_scipys_bit_for_bit_and_vmap_of_grad_is_the_loop(name):
    args, continuous, _ = CASES[name]
    i = continuous[-1]
    spread = np.array([0.9, 1.0, 1.1]) * args[i]
    batch = [tuple(v if k == i else a for k, a in enumerate(args)) for v in spread]
    want = np.array([getattr(sc, name)(*b) for b in batch])
    in_axes = tuple(0 if k == i else None for k in range(len(args)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        stacked = tuple(spread if k == i else a for k, a in enumerate(args))
        assert np.array_equal(tg.vmap(_f(name), in_axes=in_axes)(*stacked), want)
        assert np.array_equal(tg.jit(_f(name))(*stacked), getattr(sc, name)(*stacked))
        g = tg.grad(_f(name), argnums=i)
        loop = np.array([g(*b) for b in batch])
        assert np.array_equal(tg.vmap(g, in_axes=in_axes)(*stacked), loop)


@pytest.mark.parametrize("name", ["bdtr", "chdtr", "gdtrix", "owens_t", "betaincinv", "tklmbda"])
def test_float32_arguments_give_scipys_float32_values_and_float32_gradients(name):
    args, continuous, _ = CASES[name]
    args32 = tuple(np.float32(a) for a in args)
    out = tg.jit(_f(name))(*args32)
    want = getattr(sc, name)(*args32)
    assert out.dtype == want.dtype and out == want
    g = tg.grad(_f(name), argnums=continuous[-1])(*args32)
    assert np.asarray(g).dtype == np.float32
    assert g == pytest.approx(tg.grad(_f(name), argnums=continuous[-1])(*args), rel=1e-4)


@pytest.mark.parametrize("name", sorted(COUNTS))
def test_differentiating_a_count_raises_naming_it(name):
    args = CASES[name][0]
    for i in COUNTS[name]:
        with pytest.raises(TypeError, match="is a count"):
            tg.grad(_f(name), argnums=i)(*args)


def test_smirnov_derivative_under_jit_follows_a_traced_n_that_changes():
    f = tg.jit(tg.grad(lambda d, n: sc.smirnov(n, d)))
    for n in (5, 3, 9, 5.5):          # a larger n than traced with: jit retraces (its guard)
        eager = tg.grad(lambda d: sc.smirnov(n, d))(0.3)
        assert f(0.3, n) == eager
        assert eager == pytest.approx(fd(lambda v: float(sc.smirnov(n, v)), 0.3), rel=1e-6)


def test_at_the_ends_the_values_are_scipys_and_the_gradients_zero():
    assert tg.value_and_grad(lambda p: sc.bdtr(5.0, 5.0, p))(0.3) == (1.0, 0.0)
    assert tg.value_and_grad(lambda p: sc.bdtrc(5.0, 5.0, p))(0.3) == (0.0, 0.0)
    assert tg.value_and_grad(sc.kolmogorov)(0.0) == (1.0, 0.0)
    assert tg.value_and_grad(lambda d: sc.smirnov(5, d))(1.0) == (0.0, 0.0)
    for x in (-3.0, 3.0):                  # outside Tukey's support for lmbda = 0.5
        v, g = tg.value_and_grad(sc.tklmbda, argnums=(0, 1))(x, 0.5)
        assert v == sc.tklmbda(x, 0.5) and g == (0.0, 0.0)
    assert tg.grad(lambda x: sc.chdtr(3.0, x))(0.0) == 0.0


def test_kolmogorov_derivative_is_continuous_across_its_two_series():
    g = tg.grad(sc.kolmogorov)
    below, above = g(1.0 - 1e-12), g(1.0)
    assert below == pytest.approx(above, rel=1e-11)
    for x in (0.1, 0.4, 0.99, 1.5, 3.0):
        assert g(x) == pytest.approx(fd(lambda v: float(sc.kolmogorov(v)), x), rel=1e-6)


def test_tklmbda_at_lmbda_zero_is_the_logistic_and_its_lmbda_slope_the_limit():
    x = 0.7
    v, (dx, dl) = tg.value_and_grad(sc.tklmbda, argnums=(0, 1))(x, 0.0)
    s = 1.0 / (1.0 + np.exp(-x))
    assert dx == pytest.approx(s * (1.0 - s), rel=1e-14)
    near = tg.grad(sc.tklmbda, argnums=1)(x, 1e-4)
    assert dl == pytest.approx(near, rel=1e-3)


def test_every_twin_here_is_tested_and_named_in_the_advice_to_import_tapegrad_scipy():
    from tapegrad.scipy._twins_distributions import PARTIALS
    from tapegrad.scipy_refusals import _DISTRIBUTION_TWINS
    assert set(PARTIALS) == set(CASES)
    assert set(PARTIALS) == set(_DISTRIBUTION_TWINS)


def test_vmap_of_the_densities_under_betainc_gammainc_stdtr_is_the_loop_bit_for_bit():
    # tg.grad(betainc, argnums=2)(1.3, 2.0, 0.3875) was 1.3780303841205164 and its vmap
    # ...161: the density took math.exp on a number, np.exp on the batch
    from tapegrad.scipy.special import betainc, gammainc, stdtr
    x = np.linspace(0.05, 0.95, 41)
    for f, args in ((betainc, (1.3, 2.0)), (gammainc, (1.3,)), (stdtr, (3.3,))):
        g = tg.grad(f, argnums=len(args))
        loop = np.array([g(*args, v) for v in x])
        assert np.array_equal(tg.vmap(g, in_axes=(None,) * len(args) + (0,))(*args, x), loop)
