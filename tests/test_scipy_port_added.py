"""betaln, multigammaln, entr, rel_entr and kl_div: added to tapegrad.scipy.special.

SciPy's values over their domains and edges, SciPy's dtypes, derivatives
against closed forms in both modes and to order two, ``jit`` bit for bit,
``vmap`` against a loop, and SciPy's own ufuncs running them on traced values.
"""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg
from tapegrad.scipy import special as S

sp = pytest.importorskip("scipy.special")
rng = np.random.default_rng(23)

X = np.array([0.0, 0.0, 1.0, 1.0, -1.0, np.inf, 1.0, np.nan, 0.5, 2.0, 1e-300, 0.0, -0.0])
Y = np.array([0.0, 1.0, 0.0, -1.0, 1.0, 1.0, np.inf, 1.0, 0.25, 3.0, 1e-300, -1.0, 2.0])


def _same(got, want, rtol, atol=0.0):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape and got.dtype == want.dtype, (got, want)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, equal_nan=True)


@pytest.mark.parametrize("name", ["rel_entr", "kl_div"])
def test_relative_entropies_equal_scipys_on_and_off_the_domain(name):
    _same(getattr(S, name)(X, Y), getattr(sp, name)(X, Y), 1e-15)
    for x, y in zip(X, Y):
        _same(getattr(S, name)(float(x), float(y)), getattr(sp, name)(x, y), 1e-15)
    x32, y32 = X.astype(np.float32), Y.astype(np.float32)
    _same(getattr(S, name)(x32, y32), getattr(sp, name)(x32, y32), 1e-6)
    _same(getattr(S, name)(np.array([0, 1, 2]), np.array([1, 1, 1])),
          getattr(sp, name)(np.array([0, 1, 2]), np.array([1, 1, 1])), 1e-15)


def test_entr_equals_scipys():
    x = np.array([-1.0, 0.0, -0.0, 0.5, np.inf, np.nan, 1e-300, 3.0])
    _same(S.entr(x), sp.entr(x), 1e-15)
    _same(S.entr(x.astype(np.float32)), sp.entr(x.astype(np.float32)), 1e-6)
    _same(S.entr(np.array([0, 1, 2])), sp.entr(np.array([0, 1, 2])), 1e-15)


def test_betaln_equals_mpmaths_where_scipys_loses_digits():
    mp = pytest.importorskip("mpmath")
    mp.mp.dps = 40
    for a, b in [(1e5, 2.0), (1e10, 1e10), (30.0, 0.1), (3.0, 4.0), (0.5, 0.5), (1e6, 0.5)]:
        want = float(mp.log(mp.beta(a, b)))
        assert S.betaln(a, b) == pytest.approx(want, rel=1e-15)   # SciPy: 1e-12 at (1e5, 2)


def test_betaln_at_the_edges_equals_scipys():
    a = np.array([0.0, -0.5, 1e300, np.inf, 0.5, 3.0, -2.5, 30.0, np.nan, 2.0, -1.0])
    b = np.array([1.0, 1.0, 1.0, 1.0, 0.5, 4.0, 1.0, 0.1, 1.0, np.inf, 2.5])
    _same(S.betaln(a, b), sp.betaln(a, b), 1e-14)
    with np.errstate(over="ignore"):            # 1e300 as float32 is inf
        a32, b32 = a.astype(np.float32), b.astype(np.float32)
    _same(S.betaln(a32, b32), sp.betaln(a32, b32), 1e-6)


def test_multigammaln_equals_scipys_and_refuses_its_domain_as_scipy():
    a = rng.uniform(1.6, 9.0, size=(2, 3))
    for d in [1, 2, 5]:
        _same(S.multigammaln(a + (d - 1) / 2, d), sp.multigammaln(a + (d - 1) / 2, d), 1e-14)
    assert S.multigammaln(2.0, 3) == pytest.approx(sp.multigammaln(2.0, 3), rel=1e-15)
    with pytest.raises(ValueError, match="condition a"):
        S.multigammaln(0.5, 3)
    with pytest.raises(ValueError, match="positive integer"):
        S.multigammaln(2.0, 0)


# (function, arguments, closed-form gradient per argument)
CLOSED = [
    ("entr", lambda x: S.entr(x), (rng.uniform(0.1, 3, 4),), [lambda x: -np.log(x) - 1.0]),
    ("rel_entr", S.rel_entr, (rng.uniform(0.1, 3, 4), rng.uniform(0.1, 3, 4)),
     [lambda x, y: np.log(x / y) + 1.0, lambda x, y: -x / y]),
    ("kl_div", S.kl_div, (rng.uniform(0.1, 3, 4), rng.uniform(0.1, 3, 4)),
     [lambda x, y: np.log(x / y), lambda x, y: 1.0 - x / y]),
    ("betaln", S.betaln, (rng.uniform(0.2, 30, 4), rng.uniform(0.2, 30, 4)),
     [lambda a, b: sp.digamma(a) - sp.digamma(a + b),
      lambda a, b: sp.digamma(b) - sp.digamma(a + b)]),
    ("multigammaln", lambda a: S.multigammaln(a, 3), (rng.uniform(1.5, 9, 4),),
     [lambda a: sp.digamma(a) + sp.digamma(a - 0.5) + sp.digamma(a - 1.0)]),
]


@pytest.mark.parametrize("name,f,args,grads", CLOSED, ids=[c[0] for c in CLOSED])
def test_gradients_equal_closed_forms_in_both_modes_and_order_two(name, f, args, grads):
    for i, want in enumerate(grads):
        g = tg.grad(lambda *a: tg.sum(f(*a)), argnums=i)
        np.testing.assert_allclose(g(*args), want(*args), rtol=1e-13)
        t = np.ones_like(args[i])
        _, jt = tg.jvp(lambda v: f(*(v if k == i else a for k, a in enumerate(args))),
                       (args[i],), (t,))
        np.testing.assert_allclose(jt, want(*args), rtol=1e-13)
        eps = 1e-5                      # the second derivative: central differences of want
        up = [a + eps if k == i else a for k, a in enumerate(args)]
        down = [a - eps if k == i else a for k, a in enumerate(args)]
        second = tg.grad(lambda v: tg.sum(g(*(v if k == i else a for k, a in enumerate(args)))))
        np.testing.assert_allclose(second(args[i]), (want(*up) - want(*down)) / (2 * eps),
                                   rtol=1e-6)


@pytest.mark.parametrize("name,f,args,grads", CLOSED, ids=[c[0] for c in CLOSED])
def test_jit_equals_eager_and_vmap_a_loop(name, f, args, grads):
    assert np.array_equal(tg.jit(f)(*args), f(*args))
    np.testing.assert_array_equal(tg.vmap(f)(*args), np.array([f(*a) for a in zip(*args)]))
    g = tg.grad(lambda *a: tg.sum(f(*a)))
    assert np.array_equal(tg.jit(g)(*args), g(*args))
    np.testing.assert_allclose(tg.vmap(g)(*args), np.array([g(*a) for a in zip(*args)]),
                               rtol=1e-15)


@pytest.mark.parametrize("name", ["betaln", "entr", "rel_entr", "kl_div"])
def test_scipys_own_ufuncs_run_ours_on_traced_values(name):
    ufunc, ours = getattr(sp, name), getattr(S, name)
    x = np.array([0.2, 0.45, 0.7])
    args = (x,) if name == "entr" else (x, x[::-1] + 0.1)
    f = lambda x: tg.sum(ufunc(x, *args[1:]) * x)
    g = lambda x: tg.sum(ours(x, *args[1:]) * x)
    # SciPy's values (entr, rel_entr, kl_div: float32 computed in float64, as SciPy does),
    # ours' derivatives: the composite's partials, summed in their own order (to rounding)
    assert np.array_equal(tg.jit(f)(x), f(x))
    np.testing.assert_allclose(tg.grad(f)(x), tg.grad(g)(x), rtol=1e-15)
    assert np.array_equal(tg.jit(tg.grad(f))(x), tg.grad(f)(x))


# ------------------------------------------------ odeint: SciPy's check of the times
def test_odeint_refuses_times_that_go_up_and_down_as_scipy_under_every_transform():
    # was a silent extrapolation: y(0.5) = 0.36618645 for exp(-0.5 * 2) = 0.36787944
    from tapegrad.scipy.integrate import odeint
    si = pytest.importorskip("scipy.integrate")
    f = lambda y, t, k: -k * y
    t = np.array([0.0, 1.0, 0.5])
    with pytest.raises(ValueError, match="monotonically"):
        si.odeint(f, np.array([1.0]), t, (2.0,))
    run = lambda t: odeint(f, np.array([1.0]), t, (2.0,))
    for call, times in [(run, t), (tg.jit(run), t), (tg.vmap(run), np.stack([t, t]))]:
        with pytest.raises(ValueError, match="monotonically increasing or decreasing"):
            call(times)
    for ok in [np.array([0.0, 1.0, 1.0]), np.array([1.0, 0.0]), np.array([0.0])]:
        np.testing.assert_allclose(run(ok), si.odeint(f, np.array([1.0]), ok, (2.0,)),
                                   rtol=1e-6)
