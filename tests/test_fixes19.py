"""Regression tests: zero tangents through indexing, odeint closures, refusals, entropy."""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg

SQ = np.array([[0.0, 1.0], [1.0, 0.0]])


# ----------------------------------------------- 1. a zero tangent through x[i]
def _f(p):
    return np.sum(SQ * p[0] * p[1]) + np.sum(SQ * p[0])


def _hessian_closed(p):
    """f = 2 p0 p1 + 2 p0: its Hessian is [[0, 2], [2, 0]]."""
    return np.array([[0.0, 2.0], [2.0, 0.0]])


def _jvp_of(f):
    return lambda p, v: tg.jvp(f, (p,), (v,))[1]


@pytest.mark.parametrize("v", [np.array([0.0, 1.0]), np.array([1.0, 0.0]),
                               np.array([0.0, 0.0]), np.array([0.5, 2.0])])
def test_vjp_of_jvp_with_zero_tangent_component(v):
    p = np.array([0.3, 1.0])
    _, pull = tg.vjp(_jvp_of(_f), p, v)
    gp, gv = pull(1.0)
    H = _hessian_closed(p)
    np.testing.assert_allclose(gp, H @ v, atol=1e-12)
    np.testing.assert_allclose(gv, np.array([2 * p[1] + 2, 2 * p[0]]), atol=1e-12)


def test_issue_example_scalar_product():
    p, v = np.array([0.3, 1.0]), np.array([0.0, 1.0])
    f = lambda p, v: tg.jvp(lambda p: np.sum(SQ * p[0]), (p,), (v,))[1]  # noqa: E731
    gp, gv = tg.vjp(f, p, v)[1](1.0)
    np.testing.assert_array_equal(gp, [0.0, 0.0])
    np.testing.assert_array_equal(gv, [2.0, 0.0])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_hessian_and_check_grads_order2_at_zero(dtype):
    p = np.array([0.0, 1.0], dtype=dtype)
    np.testing.assert_allclose(tg.hessian(_f)(p), _hessian_closed(p), atol=1e-6)
    tg.check_grads(_f, (np.array([0.0, 1.0]),), order=2)
    tg.check_grads(lambda p: np.sum(SQ * p[1:] ** 2 * p[0]), (np.array([0.0, 0.0, 2.0]),),
                   order=2)


def test_forward_over_forward_with_zero_tangent():
    p = np.array([0.3, 1.0])
    v = np.array([0.0, 1.0])
    u = np.array([1.0, 0.0])
    got = tg.jvp(lambda p: _jvp_of(_f)(p, v), (p,), (u,))[1]
    assert got == pytest.approx(u @ _hessian_closed(p) @ v)


def test_zero_tangent_under_jit_matches_eager():
    p = np.array([0.3, 1.0])
    g = lambda p, v: tg.vjp(_jvp_of(_f), p, v)[1](1.0)  # noqa: E731
    for v in (np.array([0.0, 1.0]), np.array([0.5, 2.0])):
        eager = g(p, v)
        jitted = tg.jit(g)(p, v)
        for a, b in zip(eager, jitted):
            np.testing.assert_array_equal(a, b)


def test_zero_tangent_under_vmap_matches_loop():
    p = np.array([0.3, 1.0])
    vs = np.array([[0.0, 1.0], [1.0, 0.0], [0.0, 0.0], [0.5, 2.0]])
    g = lambda v: tg.vjp(_jvp_of(_f), p, v)[1](1.0)[0]  # noqa: E731
    np.testing.assert_allclose(tg.vmap(g)(vs), np.stack([g(v) for v in vs]), atol=1e-12)


def test_zero_times_array_keeps_shape_in_jvp_tape():
    """The tangent of a scalar zero times an array has the array's shape."""
    p = np.array([0.3, 1.0])
    t = tg.jvp(lambda p: SQ * p[0], (p,), (np.array([0.0, 1.0]),))[1]
    assert np.shape(t) == (2, 2)
    np.testing.assert_array_equal(t, np.zeros((2, 2)))


def test_index_add_and_fancy_index_with_zero_tangents():
    idx = np.array([0, 0, 1])
    f = lambda x: np.sum(SQ[0][:, None] * x[idx][:2] * x[1])  # noqa: E731
    x = np.array([0.0, 0.0, 3.0])
    tg.check_grads(f, (x,), order=2)
    tg.check_grads(lambda x: np.sum(np.ones(3) * x[2] * x[0]), (x,), order=2)


# ------------------------------------- 3. a refusal names the nearest spelling
import math  # noqa: E402
import re  # noqa: E402

from tapegrad.numpy_dispatch import alternatives, scipy_alternatives  # noqa: E402

X = np.array([0.3, -0.5, 0.8, 0.1])
XNAN = np.array([0.3, np.nan, 0.8, 0.1])
Y = np.array([0.7, 0.2, -0.4, 0.9])
XP, FP = np.array([-1.0, 0.0, 0.5, 1.0]), np.array([2.0, 1.0, 3.0, 0.0])
EDGES = np.array([-1.0, 0.0, 0.5, 1.0])
M = np.array([[0.3, -0.5, 0.8, 0.1], [0.7, 0.2, -0.4, 0.9], [0.1, 0.4, 0.2, -0.3]])

# name -> (the NumPy call of x (traced), x's value, the other names the spelling uses)
NUMPY_ROWS = {
    "nansum": (np.nansum, XNAN, {}), "nanmean": (np.nanmean, XNAN, {}),
    "nanmax": (np.nanmax, XNAN, {}), "nanmin": (np.nanmin, XNAN, {}),
    "nanprod": (np.nanprod, XNAN, {}), "nancumsum": (np.nancumsum, XNAN, {}),
    "isnan": (np.isnan, XNAN, {}), "isfinite": (np.isfinite, XNAN, {}),
    "ptp": (np.ptp, X, {}),
    "log2": (np.log2, X + 1, {}), "log10": (np.log10, X + 1, {}), "exp2": (np.exp2, X, {}),
    "arcsin": (np.arcsin, X, {}), "arccos": (np.arccos, X, {}),
    "arctan2": (lambda x: np.arctan2(Y, x), X, {"y": Y}),
    "arcsinh": (np.arcsinh, X, {}), "arccosh": (np.arccosh, X + 2, {}),
    "arctanh": (np.arctanh, X, {}),
    "hypot": (lambda x: np.hypot(x, Y), X, {"y": Y}), "cbrt": (np.cbrt, X, {}),
    "reciprocal": (np.reciprocal, X, {}), "fabs": (np.fabs, X, {}),
    "copysign": (lambda x: np.copysign(x, Y), X, {"y": Y}),
    "deg2rad": (np.deg2rad, X, {}), "rad2deg": (np.rad2deg, X, {}),
    "radians": (np.radians, X, {}), "degrees": (np.degrees, X, {}),
    "float_power": (lambda x: np.float_power(x, Y), X + 1, {"y": Y}),
    "logaddexp2": (lambda x: np.logaddexp2(x, Y), X, {"y": Y}),
    "sinc": (np.sinc, np.array([0.0, 0.5, -1.5]), {}),
    "heaviside": (lambda x: np.heaviside(x, 0.5), np.array([0.0, 0.5, -1.5]), {}),
    "diff": (np.diff, X, {}), "ediff1d": (np.ediff1d, X, {}),
    "gradient": (np.gradient, X, {}),
    "convolve": (lambda x: np.convolve(x, Y[:3]), X, {"y": Y[:3]}),
    "correlate": (lambda x: np.correlate(x, Y[:3]), X, {"y": Y[:3]}),
    "interp": (lambda x: np.interp(x, XP, FP), np.array([-2.0, -0.5, 0.3, 0.9, 1.5]),
               {"xp": XP, "fp": FP}),
    "polyval": (lambda x: np.polyval(Y, x), X, {"p": Y}),
    "kron": (lambda x: np.kron(x, Y), X, {"y": Y}),
    "cross": (lambda x: np.cross(x, Y[:3]), X[:3], {"y": Y[:3]}),
    "cov": (np.cov, M, {}),
    "percentile": (lambda x: np.percentile(x, 30.0), X, {"q": 30.0}),
    "quantile": (lambda x: np.quantile(x, 0.3), X, {"q": 0.3}),
    "unique": (lambda x: tg.unique(x, size=4), np.array([0.3, -0.5, 0.8, 0.1]), {}),
    "searchsorted": (lambda a: np.searchsorted(a, 0.5), np.sort(X), {"a": np.sort(X), "v": 0.5}),
    "histogram": (lambda x: np.histogram(x, EDGES)[0], X, {"edges": EDGES}),
    "count_nonzero": (np.count_nonzero, np.array([0.0, 1.0, 0.0, 2.0]), {}),
    "zeros_like": (np.zeros_like, X, {}), "ones_like": (np.ones_like, X, {}),
    "full_like": (lambda x: np.full_like(x, 2.5), X, {"value": 2.5}),
    "append": (lambda x: np.append(x, Y), X, {"y": Y}),
    "linalg.cond": (np.linalg.cond, M @ M.T, {}),
}
# where the spelling keeps the shape instead of NumPy's value-dependent one
SHAPE_KEEPING = {"nonzero": np.array([0.0, 1.5, 0.0, 2.0]), "flatnonzero":
                 np.array([0.0, 1.5, 0.0, 2.0]), "argwhere": np.array([0.0, 1.5, 0.0, 2.0])}


def _spelling(alt):
    """The longest leading part of an alternative that is a Python expression."""
    cuts = [m.start() for m in re.finditer(r" \(| with | or ", alt)]
    for end in [len(alt), *reversed(cuts)]:
        try:
            compile(alt[:end], "<spelling>", "eval")
            return alt[:end]
        except SyntaxError:
            continue
    raise AssertionError(f"no expression in {alt!r}")


def _run(spelling, x, env):
    from tapegrad.scipy.special import gammaln
    return eval(spelling, {"np": np, "tg": tg, "math": math, "gammaln": gammaln,
                           "x": x, **env})


def _refusal(call, x):
    with pytest.raises(TypeError) as info:
        tg.jit(lambda x: call(x))(x)
    return str(info.value)


@pytest.mark.parametrize("name", sorted(NUMPY_ROWS))
def test_unsupported_numpy_function_names_a_spelling_that_runs(name):
    call, x, env = NUMPY_ROWS[name]
    if name not in alternatives:     # supported since: NumPy's own call runs traced
        with np.errstate(all="ignore"):
            want = np.asarray(call(x), dtype=float)
            got = np.asarray(tg.jit(call)(x), dtype=float)
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-15)
        return
    msg = _refusal(call, x)
    spelling = _spelling(alternatives[name])
    assert msg.startswith(f"np.{name} was applied to a traced value")
    assert f"Use {spelling}" in msg
    want = np.asarray(call(x), dtype=float)
    plain = _run(spelling, x, env)
    np.testing.assert_allclose(np.asarray(plain, dtype=float), want, atol=1e-12)
    jitted = tg.jit(lambda x: _run(spelling, x, env))(x)     # traced
    np.testing.assert_allclose(np.asarray(jitted, dtype=float), want, atol=1e-12)
    if np.asarray(want).dtype.kind == "f" and not np.isnan(x).any() and name not in (
            "sinc", "heaviside", "zeros_like", "ones_like", "full_like", "histogram",
            "count_nonzero", "searchsorted", "unique", "interp", "percentile", "quantile"):
        tg.check_grads(lambda x: _run(spelling, x, env), (x,), order=1)


@pytest.mark.parametrize("name", sorted(SHAPE_KEEPING))
def test_value_dependent_shapes_name_a_shape_keeping_spelling(name):
    x = SHAPE_KEEPING[name]
    msg = _refusal(getattr(np, name), x)
    spelling = _spelling(alternatives[name])
    assert msg.startswith(f"np.{name} was applied") and f"Use {spelling}" in msg
    assert "call it on a constant" in msg
    got = tg.jit(lambda x: _run(spelling, x, {}))(x)
    np.testing.assert_array_equal(got, x)


def test_partition_runs_on_traced_values():
    got = tg.jit(lambda x: np.partition(x, 1)[1])(X)
    assert got == np.partition(X, 1)[1]


@pytest.mark.parametrize("call,name,bad,takes", [
    (lambda x: np.cumsum(x, out=np.empty(3)), "cumsum", "out", "the keywords axis, dtype"),
    (lambda x: np.sum(x, out=np.empty(())), "sum", "out",
     "the keywords axis, keepdims, where, dtype, initial"),
    (lambda x: np.var(x, out=np.empty(())), "var", "out",
     "the keywords axis, ddof, keepdims, where, correction, mean, dtype"),
    (lambda x: np.nanmean(x, out=np.empty(())), "nanmean", "out",
     "the keywords axis, keepdims, where, dtype"),
    (lambda x: np.cumprod(x, out=np.empty(3)), "cumprod", "out", "the keywords axis, dtype"),
    (lambda x: np.exp(x, where=x > 0), "exp", "where", "no keywords"),
    (lambda x: np.add(x, 1.0, out=np.empty(3)), "add", "out", "no keywords"),
])
def test_a_keyword_we_do_not_take_is_named_with_what_we_do(call, name, bad, takes):
    for transform in (tg.jit, tg.grad, tg.vmap):
        f = (lambda x: tg.sum(call(x))) if transform is tg.grad else call
        with pytest.raises(TypeError, match=rf"^np\.{name}\(\.\.\., {bad}=\.\.\.\) was applied "
                                            rf"to a traced value: tapegrad's np\.{name} takes "
                                            rf"only {takes}|takes {takes}") as info:
            transform(f)(X)
        msg = str(info.value)
        assert f"not {bad}" in msg and f"without {bad}" in msg and f"for {bad}:" in msg
        assert "tg.exp, tg.log, tg.where" not in msg


def test_the_dtype_advice_runs():
    f = lambda x: tg.sum(np.cumsum(x.astype(np.float32)))  # noqa: E731
    np.testing.assert_allclose(tg.grad(f)(X), [4.0, 3.0, 2.0, 1.0])


@pytest.mark.parametrize("call,advice", [
    (lambda x: np.histogramdd(x[:, None]), r"Use np\.histogram2d \(the nearest function tapegrad "
                                           r"has\)"),
    (lambda x: np.fft.ihfft(x), r"Use np\.fft\.irfft or np\.fft\.hfft of real coefficients"),
    (lambda x: np.unique(x), r"^np\.unique\(x\) of a traced value under jit.*Call "
                             r"tg\.unique\(x, size=n\)"),
])
def test_other_numpy_functions_are_named_never_a_generic_list(call, advice):
    msg = _refusal(call, X)
    assert re.search(advice, msg), msg
    assert "tg.exp, tg.log, tg.where, tg.sum, ...) on traced values" not in msg


SCIPY_ROWS = {"factorial": X + 1}     # i0, i0e, i1 and beta now run SciPy's ufuncs


@pytest.mark.parametrize("name", sorted(SCIPY_ROWS))
def test_unsupported_scipy_special_names_a_spelling_that_runs(name):
    sp = pytest.importorskip("scipy.special")
    x = SCIPY_ROWS[name]
    fun = getattr(sp, name)
    call = (lambda x: fun(x, Y + 1)) if name == "beta" else fun
    env = {"a": x, "b": Y + 1} if name == "beta" else {}
    msg = _refusal(call, x)
    alt = scipy_alternatives[f"scipy.special.{name}"]
    spelling = _spelling(alt.replace("tapegrad.scipy.special.", ""))
    assert msg.startswith(f"scipy.special.{name} was applied") and f"Use {alt}" in msg
    assert "has only" not in msg
    want = call(x)
    got = tg.jit(lambda x: _run(spelling, x, {**env, "a": x} if env else env))(x)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


# ------------------------------------------ 2. odeint with func closing over k
def _decay_end(k, t1=1.0):
    from tapegrad.scipy.integrate import odeint
    return odeint(lambda y, t: -k * y, np.array([1.0, 2.0]), np.array([0.0, t1]),
                  rtol=1e-10, atol=1e-10)[1]


def test_odeint_grad_through_a_closed_over_scalar():
    for k in (2.0, np.float64(0.5), np.float32(1.5)):
        got = tg.grad(lambda k: tg.sum(_decay_end(k)))(k)
        assert got == pytest.approx(-3.0 * np.exp(-float(k)), rel=1e-6)


def test_odeint_closed_over_array_matches_args_and_closed_form():
    from tapegrad.scipy.integrate import odeint
    t = np.linspace(0.0, 1.0, 4)
    y0 = np.array([1.0, -0.5])

    def by_closure(k):
        return tg.sum(odeint(lambda y, t: -k * y + np.sin(t), y0, t, rtol=1e-10, atol=1e-10))

    def by_args(k):
        return tg.sum(odeint(lambda y, t, k: -k * y + np.sin(t), y0, t, (k,),
                             rtol=1e-10, atol=1e-10))

    k = np.array([0.7, 1.3])
    np.testing.assert_allclose(tg.grad(by_closure)(k), tg.grad(by_args)(k), rtol=1e-12)
    tg.check_grads(by_closure, (k,), order=1, modes=("rev", "fwd"), rtol=1e-5)
    np.testing.assert_array_equal(tg.jit(tg.grad(by_closure))(k), tg.grad(by_closure)(k))
    ks = np.array([[0.7, 1.3], [0.2, 2.0]])
    np.testing.assert_allclose(tg.vmap(tg.grad(by_closure))(ks),
                               np.stack([tg.grad(by_closure)(v) for v in ks]), rtol=1e-12)


def test_odeint_closed_over_value_with_args_and_defaults():
    from tapegrad.scipy.integrate import odeint
    t = np.array([0.0, 0.5])

    def f(a, b):
        return odeint(lambda y, t, c, b=b: -a * b * c * y, np.array([1.0]), t, (2.0,),
                      rtol=1e-10, atol=1e-10)[1, 0]

    ga, gb = tg.grad(f, argnums=(0, 1))(0.5, 3.0)
    # y(0.5) = exp(-a b c / 2) with c = 2: d/da = -b exp(-a b), d/db = -a exp(-a b)
    assert ga == pytest.approx(-3.0 * np.exp(-1.5), rel=1e-6)
    assert gb == pytest.approx(-0.5 * np.exp(-1.5), rel=1e-6)


def test_odeint_traced_value_out_of_reach_is_named_with_the_fix():
    from tapegrad.scipy.integrate import odeint

    def f(k):
        def helper(y):
            return -k * y
        return odeint(lambda y, t: helper(y), np.array([1.0]), np.array([0.0, 1.0]))[1, 0]

    with pytest.raises(TypeError, match=r"func uses a traced value that is not in args.*"
                                        r"Pass that value through args"):
        tg.grad(f)(2.0)


# ------------------------------------ 4. multivariate_normal.entropy, branch-free
def _covs():
    rng = np.random.default_rng(19)
    out = []
    for _ in range(4):
        a = rng.standard_normal((3, 3))
        out.append(a @ a.T + 0.5 * np.eye(3))
    return np.stack(out)


def _entropy_closed(c):
    return 0.5 * (3 * (1.0 + np.log(2 * np.pi)) + np.linalg.slogdet(c)[1])


def test_mvn_entropy_records_no_guard():
    from tapegrad.scipy.stats import multivariate_normal as mvn
    c = _covs()[0]
    for f in (lambda c: mvn.entropy(None, c),
              lambda c: mvn.logpdf(np.ones(3), None, c, allow_singular=True)):
        assert "guard" not in str(tg.make_tape(f)(c))


def test_mvn_entropy_vmap_jit_against_loop_and_closed_form():
    from tapegrad.scipy.stats import multivariate_normal as mvn
    covs = _covs()
    f = lambda c: mvn.entropy(None, c)  # noqa: E731
    want = np.array([_entropy_closed(c) for c in covs])
    np.testing.assert_allclose(tg.vmap(f)(covs), want, rtol=1e-12)
    np.testing.assert_allclose(tg.vmap(f)(covs), [f(c) for c in covs], rtol=1e-13)
    g = tg.grad(f)
    np.testing.assert_allclose(tg.vmap(g)(covs), np.stack([g(c) for c in covs]), rtol=1e-12)
    jf = tg.jit(f)
    for c in covs:
        assert jf(c) == f(c)
    assert jf.trace_count == 1
    for c in covs:
        np.testing.assert_allclose(g(c), np.tril(np.linalg.inv(c)) * (2 - np.eye(3)) / 2,
                                   rtol=1e-10)


def test_mvn_entropy_negative_cov_raises_when_constant_and_is_nan_when_traced():
    from tapegrad.scipy.stats import multivariate_normal as mvn
    with pytest.raises(ValueError, match="positive semidefinite"):
        mvn.entropy(None, -np.eye(2))
    assert np.isnan(tg.jit(lambda c: mvn.entropy(None, c))(-np.eye(2)))
    got = tg.vmap(lambda c: mvn.entropy(None, c))(np.stack([np.eye(2), -np.eye(2)]))
    assert got[0] == pytest.approx(1.0 + np.log(2 * np.pi)) and np.isnan(got[1])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_zero_safe_product_of_a_zero_float_and_an_array_is_an_array(dtype):
    from tapegrad.primitive import zmul
    d = np.array([1.0, np.inf, 2.0], dtype=dtype)
    for g in (0.0, np.float64(0.0), 0):
        for f in (zmul, tg.jit(zmul)):
            got = f(g, d)
            assert np.shape(got) == (3,) and np.all(got == 0.0)
            assert np.asarray(got).dtype == np.asarray(f(type(g)(1), d)).dtype  # a nonzero's
        np.testing.assert_array_equal(tg.jit(zmul)(2.0, d), 2.0 * d)
