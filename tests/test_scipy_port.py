"""tapegrad.scipy.special against SciPy, in the families of JAX's and autograd's SciPy tests.

JAX's ``lax_scipy_test.py`` (every function over shapes and dtypes, values,
``jit`` and gradients), its ``logsumexp`` cases (``b=`` weights, ``return_sign``,
``keepdims``, every axis, broadcasting) and the edges of each domain: each
case here asks something the older SciPy test files do not (edges of
``betainc``, the far tail of ``log_ndtr``'s derivatives, ``vmap`` and
``jit`` of gradients on broadcast arguments).
"""

from __future__ import annotations

import itertools
import math
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import tapegrad as tg
from tapegrad.scipy import special as S

sp = pytest.importorskip("scipy.special")
rng = np.random.default_rng(7)


def _same(got, want, rtol, atol=0.0):
    """SciPy's shape and dtype, and its values to ``rtol`` (nan where SciPy has nan)."""
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape and got.dtype == want.dtype, (got, want)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, equal_nan=True)


def _central(f, x, eps=1e-6):
    """The gradient of a scalar function of an array by central differences."""
    x = np.array(x, dtype=float)
    out = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        d = np.zeros_like(x)
        d[i] = eps
        out[i] = (float(f(x + d)) - float(f(x - d))) / (2 * eps)
    return out


# ------------------------------------------------------- the edges of betainc
@pytest.mark.parametrize("a,b,x", [(0.0, 1.0, 0.0), (0.0, 0.5, 0.0), (0.0, np.inf, 0.0),
                                   (1.0, 0.0, 1.0), (0.5, 0.0, 1.0), (np.inf, 0.0, 1.0),
                                   (0.0, 2.0, 0.5), (2.0, 0.0, 0.5), (0.0, 0.0, 0.5),
                                   (2.0, 3.0, 0.0), (2.0, 3.0, 1.0)])
def test_betainc_at_the_ends_of_its_interval_is_scipys(a, b, x):
    # I_0(a, b) = 0 and I_1(a, b) = 1 even for a shape of 0 (SciPy and JAX agree)
    _same(S.betainc(a, b, x), sp.betainc(a, b, x), 0.0)
    _same(S.betainc(np.array([a]), b, np.array([x])), sp.betainc(np.array([a]), b, [x]), 0.0)


@pytest.mark.parametrize("df", [0.5, 1.0, 3.0, 30.0, 1e6, np.inf])
def test_stdtr_where_t_squared_overflows(df):
    # t = 1e300 gave nan (t^2 / (df + t^2) = inf / inf); the Cauchy tail is 1 / (pi |t|)
    t = np.array([1e300, -1e300, 1.7e308, -1.7e308, 1e160])
    _same(S.stdtr(df, t), sp.stdtr(df, t), 1e-15)
    if df == 1.0:
        assert S.stdtr(1.0, -1e160) == pytest.approx(1 / (math.pi * 1e160), rel=1e-14)


# ------------------------------------------- log_ndtr's derivatives far to the left
def _log_ndtr_second(x):
    """``-h (x + h)`` with ``h = pdf / cdf``, from the asymptotic series (x < -20)."""
    s = sum((-1.0) ** k * math.prod(range(1, 2 * k, 2)) * (1.0 / x) ** (2 * k)
            for k in range(1, 12))
    return -(-x / (1.0 + s)) * (x * s / (1.0 + s))


@pytest.mark.parametrize("x", [-25.0, -40.0, -1e3, -1e5, -1e8, -1e10, -1e100])
def test_log_ndtr_second_derivative_far_in_the_left_tail(x):
    # was -0.0 at -1e10 and 49% off at -1e8 (x + pdf/cdf cancelled); the limit is -1
    want = _log_ndtr_second(x)
    assert tg.grad(tg.grad(S.log_ndtr))(x) == pytest.approx(want, rel=1e-14)
    assert tg.jvp(tg.grad(S.log_ndtr), (x,), (1.0,))[1] == pytest.approx(want, rel=1e-14)
    np.testing.assert_allclose(tg.vmap(tg.grad(tg.grad(S.log_ndtr)))(np.array([x, x])),
                               [want, want], rtol=1e-14)


def test_log_ndtr_third_derivative_equals_central_differences():
    d2 = tg.grad(tg.grad(S.log_ndtr))
    for x in [-30.0, -21.0, -3.0, 0.0, 3.0]:
        assert tg.grad(d2)(x) == pytest.approx(_central(d2, x, 1e-4), rel=1e-6)


# ------------------------------------------ values at the boundaries of each domain
EDGES = [0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 1e-300, 1e-10, 1e10, 1e300, -1e10, math.inf,
         -math.inf, math.nan, 30.0, -30.0, 200.0]
UNARY = ["erf", "erfc", "ndtr", "log_ndtr", "digamma", "expit"]
UNIT = [0.0, 1e-300, 1e-20, 0.1, 0.5, 0.9, 1 - 1e-16, 1.0, 1.5, -0.1, math.nan]


@pytest.mark.parametrize("name", UNARY)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_unary_functions_at_the_edges_equal_scipys(name, dtype):
    with np.errstate(over="ignore"):                # 1e300 as float32 is inf
        x = np.array(EDGES, dtype=dtype)
    rtol = 1e-13 if dtype == np.float64 else 1e-6
    _same(getattr(S, name)(x), getattr(sp, name)(x), rtol)
    for v in x[:6]:                                 # NumPy scalars keep their kind
        _same(getattr(S, name)(v), getattr(sp, name)(v), rtol)


@pytest.mark.parametrize("name", ["erfinv", "ndtri", "logit"])
def test_inverse_functions_at_the_ends_equal_scipys(name):
    x = np.array(UNIT + [-1.0, -1 + 1e-16, 2.0])
    _same(getattr(S, name)(x), getattr(sp, name)(x), 1e-13)


@pytest.mark.parametrize("name", UNARY + ["gammaln", "logit"])
@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.int16, np.uint8, np.bool_])
def test_integer_input_gives_scipys_float64(name, dtype):
    # logit of uint8 was float16, and -p wrapped around: logit(2) was -4.85, not nan
    x = np.array([0, 1, 2], dtype=dtype)
    _same(getattr(S, name)(x), getattr(sp, name)(x), 1e-15)


def test_gammaln_at_the_poles_and_far_out():
    x = np.array([0.0, -0.0, -1.0, -2.0, -1e10, -2.5, 1e300, math.inf, math.nan])
    _same(S.gammaln(x), sp.gammaln(x), 1e-15, atol=1e-15)    # -2.5: next to a zero
    for p in [1.0, 2.0]:    # d/dx gammaln = digamma, also next to a pole
        for eps in [1e-3, 1e-8]:
            assert tg.grad(S.gammaln)(-p + eps) == pytest.approx(sp.digamma(-p + eps), 1e-8)


@pytest.mark.parametrize("x,y", [(0.0, 0.0), (0.0, math.nan), (math.nan, 0.0), (1.0, 0.0),
                                 (0.0, -1.0), (1.0, -1.0), (2.0, math.inf), (0.0, math.inf),
                                 (-1.0, 0.0), (1e-300, 1e-300), (math.inf, 0.0)])
def test_xlogy_and_xlog1py_at_the_edges(x, y):
    _same(S.xlogy(x, y), sp.xlogy(x, y), 1e-15)
    _same(S.xlog1py(x, y - 1.0), sp.xlog1py(x, y - 1.0), 1e-15)


# ------------------------------------------------------ logsumexp, JAX's family
SHAPE_PAIRS = [((), ()), ((4,), (3, 4)), ((3, 1), (1, 4)), ((2, 3, 4), (2, 1, 4))]


def _lse_cases():
    for (sa, sb), dtype in itertools.product(SHAPE_PAIRS, [np.float64, np.float32, np.int64]):
        nd = max(len(sa), len(sb))
        for axis in [None, *range(-nd, nd)]:
            yield pytest.param(sa, sb, dtype, axis, nd, id=f"{sa}-{sb}-{dtype.__name__}-{axis}")


@pytest.mark.parametrize("sa,sb,dtype,axis,nd", list(_lse_cases()))
def test_logsumexp_with_weights_signs_and_broadcasting_equals_scipys(sa, sb, dtype, axis, nd):
    draw = (lambda s: rng.normal(size=s)) if dtype != np.int64 else (
        lambda s: rng.integers(-3, 4, size=s))
    a, b = np.asarray(draw(sa)).astype(dtype), np.asarray(draw(sb)).astype(dtype)
    rtol, atol = (1e-6, 1e-6) if dtype == np.float32 else (1e-14, 1e-15)   # JAX's tolerances
    for keepdims, sign in itertools.product([False, True], [False, True]):
        if keepdims and not sa and not sb:
            continue            # SciPy 1.17 gives shape (1,) for a 0-d input; JAX and we ()
        got = S.logsumexp(a, axis, b=b, keepdims=keepdims, return_sign=sign)
        want = sp.logsumexp(a, axis, b=b, keepdims=keepdims, return_sign=sign)
        for g, w in zip(got if sign else (got,), want if sign else (want,)):
            _same(g, w, rtol, atol)
        if len(sa) == nd:
            _same(S.logsumexp(a, axis, keepdims=keepdims),
                  sp.logsumexp(a, axis, keepdims=keepdims), rtol, atol)


@pytest.mark.parametrize("a,b", [([-1000.0, -2.0], [1.0, 0.0]), ([0.0, -np.inf], None),
                                 ([-np.inf, -np.inf], None), ([np.inf, 1.0], None),
                                 ([1.0, 1.0], [1.0, -1.0]), ([0.0, 1.0], [-1.0, -1.0])])
def test_logsumexp_of_infinite_and_cancelling_entries(a, b):
    a, b = np.array(a), None if b is None else np.array(b)
    _same(S.logsumexp(a, b=b), sp.logsumexp(a, b=b), 1e-15)
    for g, w in zip(S.logsumexp(a, b=b, return_sign=True), sp.logsumexp(a, b=b, return_sign=True)):
        _same(g, w, 1e-15)


def test_logsumexp_gradients_are_the_weighted_softmax_in_both_arguments():
    a, b = rng.normal(size=(2, 3)), rng.uniform(0.5, 2.0, size=(3,))
    w = b * np.exp(a - sp.logsumexp(a, axis=1, b=b, keepdims=True))
    np.testing.assert_allclose(tg.grad(lambda a: tg.sum(S.logsumexp(a, 1, b=b)))(a), w,
                               rtol=1e-14)
    db = tg.grad(lambda b: tg.sum(S.logsumexp(a, 1, b=b)))(b)
    np.testing.assert_allclose(db, np.sum(w / b, axis=0), rtol=1e-14)
    f = lambda b: tg.sum(S.logsumexp(a, 1, b=b, return_sign=True)[0])
    np.testing.assert_allclose(tg.grad(f)(-b), _central(f, -b), rtol=1e-7)


# ---------------------------- transforms on broadcast arguments, JAX's _CompileAndCheck
BINARY = [("xlogy", (-2, 2), (0.1, 3), (0, 1)), ("xlog1py", (-2, 2), (-0.9, 3), (0, 1)),
          ("gammainc", (0.5, 5), (0.1, 5), (0, 1)), ("gammaincc", (0.5, 5), (0.1, 5), (1,)),
          ("stdtr", (1, 10), (-3, 3), (1,))]
PAIRS = [((3,), ()), ((), (3,)), ((2, 3), (3,)), ((2, 1), (1, 3))]


@pytest.mark.parametrize("name,dom_a,dom_b,argnums", BINARY, ids=[b[0] for b in BINARY])
@pytest.mark.parametrize("sa,sb", PAIRS)
def test_binary_functions_under_jit_vmap_and_grad(name, dom_a, dom_b, argnums, sa, sb):
    f = getattr(S, name)
    a, b = rng.uniform(*dom_a, size=sa), rng.uniform(*dom_b, size=sb)
    _same(f(a, b), getattr(sp, name)(a, b), 1e-12)
    assert np.array_equal(tg.jit(f)(a, b), f(a, b))
    shape = np.broadcast_shapes(sa, sb)
    A, B = np.broadcast_to(a, shape).copy(), np.broadcast_to(b, shape).copy()
    np.testing.assert_array_equal(tg.vmap(f)(A, B), np.stack([f(*p) for p in zip(A, B)]))
    for i in argnums:
        def total(*args, i=i):
            return tg.sum(f(*args))
        g = tg.grad(total, argnums=i)
        want = _central(lambda v: total(*(v if k == i else x for k, x in enumerate((a, b)))),
                        (a, b)[i])
        np.testing.assert_allclose(g(a, b), want, rtol=1e-6, atol=1e-8)
        assert np.array_equal(tg.jit(g)(a, b), g(a, b))
        np.testing.assert_allclose(tg.vmap(g)(A, B), np.stack([g(*p) for p in zip(A, B)]),
                                   rtol=1e-15)


# ------------------------------------- SciPy's ufuncs before tapegrad.scipy is imported
def test_scipys_ufunc_refused_before_tapegrad_scipy_is_imported_says_how_to_run_it():
    code = textwrap.dedent("""
        import numpy as np, scipy.special, tapegrad as tg
        for f in (scipy.special.expit, scipy.special.logsumexp):
            try:
                tg.grad(lambda x: f(x))(np.array(0.0))
            except TypeError as e:
                print(str(e))
        import tapegrad.scipy
        print(float(tg.grad(lambda x: scipy.special.expit(x))(0.0)))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    expit, lse, grad = out.stdout.strip().split("\n")
    assert expit.endswith("Use tapegrad.scipy.special.expit (or import tapegrad.scipy first: "
                          "SciPy's own ufunc then runs it) instead.")
    assert lse.endswith("Use tapegrad.scipy.special.logsumexp instead.")    # no ufunc
    assert float(grad) == 0.25


def test_incomplete_gamma_derivative_in_x_at_infinity_is_zero():
    # the density x^(a-1) e^-x / Gamma(a) was inf - inf = nan there for a > 1 (JAX: nan too)
    for a in [0.5, 1.0, 2.0, 30.0]:
        assert tg.grad(S.gammainc, argnums=1)(a, math.inf) == 0.0
        assert tg.grad(S.gammaincc, argnums=1)(a, math.inf) == 0.0
        assert tg.grad(tg.grad(S.gammainc, argnums=1), argnums=1)(a, math.inf) == 0.0
    x = np.array([1.0, 50.0, math.inf])
    np.testing.assert_allclose(tg.grad(lambda x: tg.sum(S.gammainc(2.0, x)))(x),
                               [math.exp(-1.0), 50.0 * math.exp(-50.0), 0.0], rtol=1e-14)
