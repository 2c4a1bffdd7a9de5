"""tapegrad.scipy.stats: values against SciPy, derivatives of order 2, transforms."""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg
from tapegrad.scipy import stats as T

ss = pytest.importorskip("scipy.stats")
rng = np.random.default_rng(1)
R = rng.standard_normal


def U(lo, hi, shape):
    return rng.uniform(lo, hi, shape)


def _close(got, want, rtol=1e-12, atol=0.0):
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, equal_nan=True)


# (name, ours, SciPy's, the arguments as autograd's tests draw them, broadcast shapes)
CASES = [
    ("norm.logpdf", T.norm.logpdf, ss.norm.logpdf, lambda s, t, u: (R(s), R(t), R(u) ** 2 + 1.1)),
    ("norm.pdf", T.norm.pdf, ss.norm.pdf, lambda s, t, u: (R(s), R(t), R(u) ** 2 + 1.1)),
    ("norm.cdf", T.norm.cdf, ss.norm.cdf, lambda s, t, u: (R(s), R(t), R(u) ** 2 + 1.1)),
    ("norm.logcdf", T.norm.logcdf, ss.norm.logcdf,
     lambda s, t, u: (R(s), R(t), R(u) ** 2 + 1.1)),
    ("norm.sf", T.norm.sf, ss.norm.sf, lambda s, t, u: (R(s), R(t), R(u) ** 2 + 1.1)),
    ("norm.logsf", T.norm.logsf, ss.norm.logsf, lambda s, t, u: (R(s), R(t), R(u) ** 2 + 1.1)),
    ("norm.ppf", T.norm.ppf, ss.norm.ppf,
     lambda s, t, u: (U(0.05, 0.95, s), R(t), R(u) ** 2 + 1.1)),
    ("norm.isf", T.norm.isf, ss.norm.isf,
     lambda s, t, u: (U(0.05, 0.95, s), R(t), R(u) ** 2 + 1.1)),
    ("t.logpdf", T.t.logpdf, ss.t.logpdf,
     lambda s, t, u: (R(s), R(t) ** 2 + 2.1, R(s), R(u) ** 2 + 2.1)),
    ("t.pdf", T.t.pdf, ss.t.pdf, lambda s, t, u: (R(s), R(t) ** 2 + 2.1, R(s), R(u) ** 2 + 2.1)),
    ("gamma.logpdf", T.gamma.logpdf, ss.gamma.logpdf,
     lambda s, t, u: (R(s) ** 2 + 1.1, R(t) ** 2 + 1.1, 0.1 * R(u), R(u) ** 2 + 1.1)),
    ("gamma.pdf", T.gamma.pdf, ss.gamma.pdf,
     lambda s, t, u: (R(s) ** 2 + 1.1, R(t) ** 2 + 1.1)),
    ("beta.logpdf", T.beta.logpdf, ss.beta.logpdf,
     lambda s, t, u: (U(0.0, 1.0, s), R(t) ** 2 + 1.1, R(u) ** 2 + 1.1)),
    ("beta.pdf", T.beta.pdf, ss.beta.pdf,
     lambda s, t, u: (U(0.1, 2.0, s), R(t) ** 2 + 1.1, R(u) ** 2 + 1.1, 0.1, 2.0)),
]
SHAPES = [((4,), (4,), (4,)), ((4, 3), (1, 3), (4, 1)), ((), (), ())]


@pytest.mark.parametrize("shapes", SHAPES, ids=["flat", "broadcast", "scalar"])
@pytest.mark.parametrize("name,ours,theirs,draw", CASES, ids=[c[0] for c in CASES])
def test_values_equal_scipys(name, ours, theirs, draw, shapes):
    args = draw(*shapes)
    got = ours(*args)
    _close(got, theirs(*args), rtol=1e-12, atol=1e-300)
    assert np.shape(got) == np.broadcast_shapes(*(np.shape(a) for a in args))


@pytest.mark.parametrize("shapes", SHAPES[:2], ids=["flat", "broadcast"])
@pytest.mark.parametrize("name,ours,theirs,draw", CASES, ids=[c[0] for c in CASES])
def test_derivatives_in_every_float_argument_of_order_two(name, ours, theirs, draw, shapes):
    args = draw(*shapes)
    tg.check_grads(ours, args, order=2, rtol=1e-5, atol=1e-7)


EDGES = [   # outside the support, at its ends, invalid parameters: SciPy's values
    ("norm.logpdf", T.norm.logpdf, ss.norm.logpdf,
     (np.array([1.0, 2.0]), 0.0, np.array([-1.0, 0.0]))),
    ("norm.logcdf", T.norm.logcdf, ss.norm.logcdf, (np.array([-40.0, -1e5, 40.0, np.inf]),)),
    ("norm.logsf", T.norm.logsf, ss.norm.logsf, (np.array([40.0, 1e5, -40.0, -np.inf]),)),
    ("norm.ppf", T.norm.ppf, ss.norm.ppf, (np.array([0.0, 1.0, 1e-300, 0.5, 1.5]),)),
    ("t.logpdf", T.t.logpdf, ss.t.logpdf,
     (np.array([0.0, 1e3, -1e3]), np.array([1.0, 30.0, 0.5]))),
    ("t.logpdf", T.t.logpdf, ss.t.logpdf, (1.0, np.array([-1.0, 0.0, 2.0]))),
    ("gamma.logpdf", T.gamma.logpdf, ss.gamma.logpdf,
     (np.array([-1.0, 0.0, 0.0, 0.0, 1e-300, 1e3]), np.array([2.0, 0.5, 1.0, 2.0, 0.5, 3.0]))),
    ("gamma.logpdf", T.gamma.logpdf, ss.gamma.logpdf, (1.0, np.array([-1.0, 0.0]))),
    ("beta.logpdf", T.beta.logpdf, ss.beta.logpdf,
     (np.array([-0.1, 0.0, 0.0, 1.0, 1.0, 1.1, 0.5]),
      np.array([2.0, 0.5, 1.0, 2.0, 1.0, 2.0, 0.5]),
      np.array([2.0, 2.0, 3.0, 0.5, 1.0, 2.0, 0.5]))),
    ("poisson.logpmf", T.poisson.logpmf, ss.poisson.logpmf,
     (np.array([-1.0, 0.0, 0.0, 1.5, 3.0, 100.0]), np.array([2.5, 0.0, 2.0, 2.0, 0.0, 30.0]))),
    ("poisson.logpmf", T.poisson.logpmf, ss.poisson.logpmf,
     (np.array([3, 4, 5]), 2.5, np.array([1, 5, 0]))),
    ("poisson.pmf", T.poisson.pmf, ss.poisson.pmf, (np.arange(6), 1.5)),
    ("poisson.cdf", T.poisson.cdf, ss.poisson.cdf,
     (np.array([-1.0, 0.0, 1.5, 3.0, 20.0]), np.array([2.5, 0.5, 2.0, 7.0, 4.0]))),
]


@pytest.mark.parametrize("name,ours,theirs,args", EDGES, ids=[e[0] for e in EDGES])
def test_edges_equal_scipys(name, ours, theirs, args):
    with np.errstate(all="ignore"):
        _close(ours(*args), theirs(*args), rtol=1e-12)


@pytest.mark.parametrize("fun,theirs", [(T.poisson.logpmf, ss.poisson.logpmf),
                                        (T.poisson.pmf, ss.poisson.pmf),
                                        (T.poisson.cdf, ss.poisson.cdf)])
@pytest.mark.parametrize("shapes", [((4,), (4,)), ((4, 3), (4, 1))])
def test_poisson_is_differentiable_in_mu(fun, theirs, shapes):     # autograd's cases
    k, mu = np.round(R(shapes[0]) ** 2), R(shapes[1]) ** 2 + 1.1
    _close(fun(k, mu), theirs(k, mu), rtol=1e-12)
    tg.check_grads(lambda mu: fun(k, mu), (mu,), order=2)
    if fun is T.poisson.logpmf:       # d/dmu = k / mu - 1
        _close(tg.grad(lambda m: tg.sum(fun(k, m)))(mu), np.sum(
            np.broadcast_to(k / mu - 1.0, np.broadcast_shapes(k.shape, mu.shape)),
            axis=tuple(i for i, n in enumerate(mu.shape) if n == 1), keepdims=True)
            .reshape(mu.shape))


def test_poisson_cdf_refuses_a_traced_count():
    with pytest.raises(TypeError, match=r"poisson\.cdf: k and loc must be plain counts.*"
                                        r"static_argnums"):
        tg.grad(lambda k: T.poisson.cdf(k, 2.0))(3.0)


CLOSED = [   # derivatives by closed forms
    (lambda x: T.norm.logpdf(x, 0.5, 2.0), 1.5, -(1.5 - 0.5) / 4.0),
    (lambda s: T.norm.logpdf(1.5, 0.5, s), 2.0, -0.5 + 1.0 / 8.0),      # -1/s + (x-m)^2/s^3
    (lambda x: T.norm.cdf(x), 0.3, float(ss.norm.pdf(0.3))),
    (lambda x: T.norm.logcdf(x), -10.0, float(ss.norm.pdf(-10.0) / ss.norm.cdf(-10.0))),
    (lambda q: T.norm.ppf(q), 0.2, float(1.0 / ss.norm.pdf(ss.norm.ppf(0.2)))),
    (lambda x: T.gamma.logpdf(x, 3.0), 2.0, (3.0 - 1.0) / 2.0 - 1.0),
    (lambda x: T.t.logpdf(x, 4.0), 1.0, -(5.0 / 2.0) * 2.0 * 1.0 / (4.0 + 1.0)),
    (lambda x: T.beta.logpdf(x, 2.0, 3.0), 0.25, 1.0 / 0.25 - 2.0 / 0.75),
]


@pytest.mark.parametrize("fun,x,want", CLOSED, ids=[str(i) for i in range(len(CLOSED))])
def test_derivatives_equal_closed_forms(fun, x, want):
    _close(tg.grad(fun)(x), want, rtol=1e-11)
    _close(tg.jvp(fun, (x,), (1.0,))[1], want, rtol=1e-11)


# ------------------------------------------------------------ transforms
FUNS = [("norm", lambda x: T.norm.logpdf(x, x[0], 1.5 + x[1] ** 2)),
        ("norm.cdf", lambda x: T.norm.logcdf(x, 0.2, 1.3) + T.norm.sf(x)),
        ("t", lambda x: T.t.logpdf(x, 3.0 + x[0] ** 2, 0.1, 2.0)),
        ("gamma", lambda x: T.gamma.logpdf(x * x + 0.1, 2.0 + x[0] ** 2)),
        ("beta", lambda x: T.beta.logpdf(T.norm.cdf(x), 2.0 + x[0] ** 2, 1.5)),
        ("poisson", lambda x: T.poisson.logpmf(np.arange(5.0).astype(x.dtype), 1.0 + x * x))]


@pytest.mark.parametrize("name,fun", FUNS, ids=[f[0] for f in FUNS])
def test_jit_equals_eager_bit_for_bit(name, fun):
    x = R(5)
    f = lambda x: tg.sum(fun(x))
    assert np.array_equal(tg.jit(fun)(x), fun(x))
    assert np.array_equal(tg.jit(tg.grad(f))(x), tg.grad(f)(x))


@pytest.mark.parametrize("name,fun", FUNS, ids=[f[0] for f in FUNS])
def test_vmap_equals_a_loop(name, fun):
    xs = R((3, 5))
    f = lambda x: tg.sum(fun(x))
    np.testing.assert_allclose(tg.vmap(fun)(xs), np.stack([fun(x) for x in xs]), rtol=1e-15)
    np.testing.assert_allclose(tg.vmap(tg.grad(f))(xs), np.stack([tg.grad(f)(x) for x in xs]),
                               rtol=1e-14)


@pytest.mark.parametrize("name,fun", FUNS, ids=[f[0] for f in FUNS])
def test_float32_stays_float32(name, fun):
    x = R(5).astype(np.float32)
    assert fun(x).dtype == np.float32
    assert tg.grad(lambda x: tg.sum(fun(x)))(x).dtype == np.float32
    _close(fun(x), fun(x.astype(np.float64)), rtol=1e-5, atol=1e-5)


def test_scipys_stats_on_a_traced_value_names_ours():
    for call, name in [(lambda x: ss.norm.logpdf(x, 0.0, 1.0), "norm.logpdf"),
                       (lambda x: ss.norm(0.0, 1.0).cdf(x), "norm.cdf"),
                       (lambda x: ss.gamma.logpdf(x, 2.0), "gamma.logpdf"),
                       (lambda x: ss.poisson.logpmf(3, x), "poisson.logpmf")]:
        with pytest.raises(TypeError, match=rf"^scipy\.stats\.{name} was applied to a traced "
                                            rf"value.*Use tapegrad\.scipy\.stats\.{name} instead"):
            tg.grad(lambda x: tg.sum(call(x)))(np.array([0.5, 1.5]))
    with pytest.raises(TypeError, match=r"^scipy\.stats\.t\.cdf was applied.*"
                                        r"Use tapegrad\.scipy\.stats\.t\.cdf instead"):
        tg.grad(lambda x: tg.sum(ss.t.cdf(x, 3.0)))(np.array([0.5]))
    with pytest.raises(TypeError, match=r"^scipy\.stats\.t\.moment was applied.*tapegrad\."
                                        r"scipy\.stats\.t has only cdf, entropy, interval, isf, "
                                        r"logcdf, logpdf, logsf, mean, median, pdf, ppf, sf, std, "
                                        r"var"):
        tg.grad(lambda x: tg.sum(ss.t.moment(2, x)))(np.array([5.5]))
    with pytest.raises(TypeError, match=r"^scipy\.stats\.chi2\.logpdf was applied.*"
                                        r"Use tapegrad\.scipy\.stats\.chi2\.logpdf instead"):
        tg.jit(lambda x: ss.chi2.logpdf(x, 3.0))(np.array([0.5]))
    with pytest.raises(TypeError, match=r"^scipy\.stats\.rice\.logpdf was applied.*"
                                        r"tapegrad\.scipy has no scipy\.stats\.rice"):
        tg.jit(lambda x: ss.rice.logpdf(x, 1.0))(np.array([0.5]))


# ---------------------------------------------------------------- JAX
@pytest.fixture(scope="module")
def jst():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    import jax.scipy.stats
    return jax, jax.scipy.stats


@pytest.mark.parametrize("name,ours,theirs,draw", CASES[:6] + CASES[8:],
                         ids=[c[0] for c in CASES[:6] + CASES[8:]])
def test_values_and_gradients_equal_jaxs(jst, name, ours, theirs, draw):
    jax, js = jst
    dist, fn = name.split(".")
    jf = getattr(getattr(js, dist), fn)
    args = draw((4,), (4,), (4,))
    _close(ours(*args), np.asarray(jf(*args)), rtol=1e-11)
    argnums = tuple(range(len(args)))
    got = tg.grad(lambda *a: tg.sum(ours(*a)), argnums=argnums)(*args)
    want = jax.grad(lambda *a: jf(*a).sum(), argnums=argnums)(*args)
    for g, w in zip(got, want):
        _close(g, np.asarray(w), rtol=1e-9, atol=1e-14)


def test_make_tape_replays_the_densities():
    f = lambda x: tg.sum(T.norm.logpdf(x, 0.3, 1.2) + T.gamma.logpdf(x * x + 0.5, 2.0)
                         + T.poisson.logpmf(np.arange(3.0), x * x + 1.0))
    x = R(3)
    tape = tg.make_tape(f)(x)
    y = R(3)
    assert tape(y) == f(y)


@pytest.mark.parametrize("dist, args", [("norm", (1.0,)), ("t", (1.0, 3.0)),
                                        ("gamma", (1.0, 2.0)), ("beta", (0.5, 2.0, 3.0))])
def test_a_zero_scale_gives_scipys_nan_not_an_exception(dist, args):
    for fn in ("logpdf", "pdf", "cdf"):
        got = getattr(getattr(T, dist), fn)(*args, scale=0.0)
        with np.errstate(all="ignore"):
            want = getattr(getattr(ss, dist), fn)(*args, scale=0.0)
        assert np.isnan(got) and np.isnan(want)
