"""tapegrad.scipy.linalg and multivariate_normal: SciPy's values, derivatives, transforms.

The multivariate normal cases port the linalg part of HIPS autograd's
tests/test_scipy.py (test_mvn_pdf, test_mvn_logpdf, test_mvn_sing_cov,
test_mvn_*_broadcast), here in both modes and to order 2.
"""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest

import tapegrad as tg
from tapegrad.scipy import linalg as tsl
from tapegrad.scipy._multivariate_normal import multivariate_normal as mvn

sl = pytest.importorskip("scipy.linalg")
ss = pytest.importorskip("scipy.stats")


def _spd(rng, n, *lead):
    b = rng.standard_normal(lead + (n, n))
    return b @ np.swapaxes(b, -1, -2) + n * np.eye(n)


def _mT(x):
    nd = x.ndim
    return tg.transpose(x, tuple(range(nd - 2)) + (nd - 1, nd - 2))


def _symmetrize(x):
    """autograd's symmetrize_matrix_arg: ``(X + X.T) / 2``."""
    return 0.5 * (x + _mT(x))


def _same(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b, equal_nan=True)


TRIANGULAR = [(trans, lower, unit) for trans in (0, 1, 2, "N", "T", "C")
              for lower in (True, False) for unit in (False, True)]


def _triangular_case(seed=0, dtype=np.float64, vector=False):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((4, 4)) + 4.0 * np.eye(4)     # both triangles hold numbers
    b = rng.standard_normal(4 if vector else (4, 3))
    return a.astype(dtype), b.astype(dtype)


@pytest.mark.parametrize("trans, lower, unit", TRIANGULAR)
@pytest.mark.parametrize("vector", [False, True])
def test_solve_triangular_equals_scipy_and_reads_one_triangle(trans, lower, unit, vector):
    a, b = _triangular_case(vector=vector)
    kw = dict(trans=trans, lower=lower, unit_diagonal=unit)
    got = tsl.solve_triangular(a, b, **kw)
    np.testing.assert_allclose(got, sl.solve_triangular(a, b, **kw), rtol=1e-12, atol=1e-13)
    assert got.shape == b.shape
    # the other triangle (and, with unit_diagonal, the diagonal) is never read
    grad_a = tg.grad(lambda m: tg.sum(tsl.solve_triangular(m, b, **kw) ** 2))(a)
    unread = np.triu(np.ones((4, 4)), 1 if not unit else 0) if lower else np.tril(
        np.ones((4, 4)), -1 if not unit else 0)
    np.testing.assert_array_equal(grad_a * unread, 0.0)


@pytest.mark.parametrize("trans, lower, unit", TRIANGULAR[::3])
def test_solve_triangular_derivatives_to_order_2_in_both_modes(trans, lower, unit):
    a, b = _triangular_case()
    tg.check_grads(lambda m, v: tsl.solve_triangular(m, v, trans=trans, lower=lower,
                                                     unit_diagonal=unit), (a, b), order=2)


def test_solve_triangular_under_jit_vmap_and_float32():
    a, b = _triangular_case()
    f = lambda m, v: tsl.solve_triangular(m, v, trans=1, lower=True)   # noqa: E731
    assert _same(tg.jit(f)(a, b), f(a, b))
    g = tg.grad(lambda m, v: tg.sum(f(m, v) ** 2), argnums=(0, 1))
    assert all(_same(x, y) for x, y in zip(tg.jit(g)(a, b), g(a, b)))
    As = np.stack([a, a + 1.0, 2.0 * a])
    np.testing.assert_allclose(tg.vmap(f, in_axes=(0, None))(As, b),
                               np.stack([f(m, b) for m in As]), rtol=1e-13)
    a32, b32 = _triangular_case(dtype=np.float32)
    out = f(a32, b32)
    assert out.dtype == np.float32
    assert all(x.dtype == np.float32 for x in g(a32, b32))
    np.testing.assert_allclose(out, sl.solve_triangular(a32, b32, trans=1, lower=True),
                               rtol=1e-4)


def test_solve_triangular_of_stacks():
    rng = np.random.default_rng(1)
    a = rng.standard_normal((3, 4, 4)) + 4.0 * np.eye(4)
    b = rng.standard_normal((3, 4, 2))
    got = tsl.solve_triangular(a, b, lower=True)
    np.testing.assert_allclose(got, np.stack([sl.solve_triangular(m, v, lower=True)
                                              for m, v in zip(a, b)]), rtol=1e-12)


def test_solve_triangular_refuses_an_unknown_trans():
    with pytest.raises(ValueError, match="trans must be 0, 1, 2, 'N', 'T' or 'C'"):
        tsl.solve_triangular(np.eye(2), np.ones(2), trans="X")


@pytest.mark.parametrize("lower", [False, True])
def test_cholesky_cho_factor_cho_solve_equal_scipy(lower):
    rng = np.random.default_rng(2)
    a, b = _spd(rng, 4), rng.standard_normal((4, 2))
    np.testing.assert_allclose(tsl.cholesky(a, lower=lower), sl.cholesky(a, lower=lower),
                               rtol=1e-12)
    c, low = tsl.cho_factor(a, lower=lower)
    assert low is lower
    np.testing.assert_allclose(c, sl.cholesky(a, lower=lower), rtol=1e-12)
    want = sl.cho_solve(sl.cho_factor(a, lower=lower), b)
    np.testing.assert_allclose(tsl.cho_solve((c, low), b), want, rtol=1e-12)
    # SciPy's own factor, arbitrary numbers in the other triangle, works too
    np.testing.assert_allclose(tsl.cho_solve(sl.cho_factor(a, lower=lower), b), want,
                               rtol=1e-12)
    np.testing.assert_allclose(tsl.cho_solve((c, low), b[:, 0]), want[:, 0], rtol=1e-12)


@pytest.mark.parametrize("lower", [False, True])
def test_cho_solve_of_cho_factor_derivatives_to_order_2(lower):
    rng = np.random.default_rng(3)
    a, b = _spd(rng, 4), rng.standard_normal((4, 2))

    def f(m, v):
        return tsl.cho_solve(tsl.cho_factor(_symmetrize(m), lower=lower), v)
    tg.check_grads(f, (a, b), order=2)
    tg.check_grads(lambda m: tsl.cholesky(m, lower=lower), (a,), order=2)   # one triangle
    assert _same(tg.jit(f)(a, b), f(a, b))
    np.testing.assert_allclose(tg.vmap(f, in_axes=(None, 1))(a, b),
                               np.stack([f(a, b[:, k]) for k in range(2)]), rtol=1e-13)


@pytest.mark.parametrize("assume_a", [None, "gen", "sym", "her", "pos", "diagonal",
                                      "lower triangular", "upper triangular"])
@pytest.mark.parametrize("lower", [False, True])
def test_solve_equals_scipy_for_each_assume_a(assume_a, lower):
    rng = np.random.default_rng(4)
    junk = rng.standard_normal((4, 4))       # in the triangle a symmetric solve never reads
    a = _spd(rng, 4) + (np.triu(junk, 1) if lower else np.tril(junk, -1))
    b = rng.standard_normal((4, 3))
    got = tsl.solve(a, b, lower=lower, assume_a=assume_a)
    np.testing.assert_allclose(got, sl.solve(a, b, lower=lower, assume_a=assume_a),
                               rtol=1e-11, atol=1e-12)
    tg.check_grads(lambda m, v: tsl.solve(m, v, lower=lower, assume_a=assume_a), (a, b),
                   order=1)


def test_solve_transposed_inv_det_equal_scipy():
    rng = np.random.default_rng(5)
    a, b = rng.standard_normal((4, 4)) + 4 * np.eye(4), rng.standard_normal(4)
    np.testing.assert_allclose(tsl.solve(a, b, transposed=True),
                               sl.solve(a, b, transposed=True), rtol=1e-12)
    np.testing.assert_allclose(tsl.inv(a), sl.inv(a), rtol=1e-12)
    assert tsl.det(a) == pytest.approx(sl.det(a), rel=1e-12)
    tg.check_grads(lambda m: tsl.det(m) + tg.sum(tsl.inv(m)), (a,), order=2)
    with pytest.raises(ValueError, match="assume_a='band' is not one tapegrad knows"):
        tsl.solve(a, b, assume_a="band")


# ----------------------------------------------------- multivariate normal
def _mvn_args(shape_x, mean, cov, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    d = 3
    x = rng.standard_normal(shape_x)
    m = {"none": None, "vector": rng.standard_normal(d), "scalar": 0.3}[mean]
    c = {"scalar": 2.0, "vector": rng.uniform(0.5, 2.0, d), "matrix": _spd(rng, d),
         "default": 1}[cov]
    cast = lambda v: v if v is None or isinstance(v, int) else np.asarray(v, dtype)  # noqa: E731
    return cast(x), cast(m), cast(c)


MVN = [((3,), "vector", "matrix"), ((5, 3), "vector", "matrix"), ((2, 4, 3), "vector", "vector"),
       ((5, 3), "vector", "scalar"), ((1, 3), "vector", "matrix"), ((3,), "none", "matrix"),
       ((), "scalar", "scalar"), ((5,), "scalar", "scalar"), ((5,), "none", "default"),
       ((4, 1), "none", "scalar")]


@pytest.mark.parametrize("shape_x, mean, cov", MVN)
@pytest.mark.parametrize("allow_singular", [False, True])
def test_mvn_logpdf_and_pdf_equal_scipy(shape_x, mean, cov, allow_singular):
    x, m, c = _mvn_args(shape_x, mean, cov)
    got = mvn.logpdf(x, m, c, allow_singular=allow_singular)
    want = ss.multivariate_normal.logpdf(x, m, c, allow_singular=allow_singular)
    assert np.shape(got) == np.shape(want)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    np.testing.assert_allclose(mvn.pdf(x, m, c, allow_singular), ss.multivariate_normal.pdf(
        x, m, c, allow_singular=allow_singular), rtol=1e-12)
    frozen = mvn(m, c, allow_singular)
    assert _same(frozen.logpdf(x), got) and _same(frozen.pdf(x), mvn.pdf(x, m, c, allow_singular))


@pytest.mark.parametrize("shape_x", [(4,), (5, 4)])
@pytest.mark.parametrize("which", ["pdf", "logpdf"])
@pytest.mark.parametrize("allow_singular", [False, True])
def test_mvn_derivatives_wrt_x_mean_and_cov_to_order_2(shape_x, which, allow_singular):
    rng = np.random.default_rng(6)      # autograd's test_mvn_pdf/logpdf(_broadcast)
    x, m, c = rng.standard_normal(shape_x), rng.standard_normal(4), _spd(rng, 4)
    fun = getattr(mvn, which)

    def f(x, m, c):
        return fun(x, m, _symmetrize(c), allow_singular=allow_singular)
    tg.check_grads(f, (x, m, c), order=2)
    if not allow_singular:              # lower triangle read, as SciPy's _PSD
        tg.check_grads(lambda c: fun(x, m, c), (c,), order=2)


def test_mvn_sing_cov():
    cov = np.zeros((4, 4))            # autograd's test: variance only on the first two axes
    cov[0, 0] = cov[1, 1] = 1.0
    rng = np.random.default_rng(7)
    x0 = np.concatenate((rng.standard_normal(2), np.zeros(2)))
    m0 = np.concatenate((rng.standard_normal(2), np.zeros(2)))
    for which in ("pdf", "logpdf"):
        def f(x, mean, which=which):
            x = tg.concatenate([x[:2], mean[2:]])
            return getattr(mvn, which)(x, mean, cov, allow_singular=True)
        np.testing.assert_allclose(f(x0, m0), getattr(ss.multivariate_normal, which)(
            x0, m0, cov, allow_singular=True), rtol=1e-12)
        tg.check_grads(f, (x0, m0), order=2)
    off = np.array([[0.1, 0.2, 0.0, 0.0], [0.1, 0.2, 0.5, 0.0]])     # outside the support
    got = mvn.logpdf(off, None, cov, allow_singular=True)
    np.testing.assert_array_equal(got, ss.multivariate_normal.logpdf(off, None, cov,
                                                                     allow_singular=True))
    assert got[1] == -math.inf


def test_mvn_under_jit_vmap_replay_and_float32():
    x, m, c = _mvn_args((5, 3), "vector", "matrix")
    f = lambda x, m, c: tg.sum(mvn.logpdf(x, m, _symmetrize(c)))   # noqa: E731
    g = tg.value_and_grad(f, argnums=(0, 1, 2))
    want = g(x, m, c)
    got = tg.jit(g)(x, m, c)
    assert _same(got[0], want[0]) and all(_same(a, b) for a, b in zip(got[1], want[1]))
    tape = tg.make_tape(g)(x, m, c)
    x1, m1, c1 = _mvn_args((5, 3), "vector", "matrix", seed=1)
    again = tape(x1, m1, c1)
    assert all(_same(a, b) for a, b in zip(again[1], g(x1, m1, c1)[1]))
    means = np.stack([m, m + 1.0, -m])
    np.testing.assert_allclose(tg.vmap(lambda m: mvn.logpdf(x, m, c))(means),
                               np.stack([mvn.logpdf(x, mu, c) for mu in means]), rtol=1e-13)
    covs = np.stack([c, 2.0 * c])
    np.testing.assert_allclose(tg.vmap(tg.grad(lambda c: f(x, m, c)))(covs),
                               np.stack([tg.grad(lambda c: f(x, m, c))(s) for s in covs]),
                               rtol=1e-12)
    x32, m32, c32 = _mvn_args((5, 3), "vector", "matrix", dtype=np.float32)
    assert mvn.logpdf(x32, m32, c32).dtype == np.float32
    assert all(v.dtype == np.float32 for v in g(x32, m32, c32)[1])


def test_mvn_errors_say_what_to_do():
    with pytest.raises(np.linalg.LinAlgError, match="allow_singular=True"):
        mvn.logpdf(np.zeros(2), np.zeros(2), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="positive semidefinite"):
        mvn.logpdf(np.zeros(2), np.zeros(2), -np.eye(2), allow_singular=True)
    with pytest.raises(ValueError, match=r"cov has shape \(3, 3\)"):
        mvn.logpdf(np.zeros(2), np.zeros(2), np.eye(3))


def test_importable_and_working_without_scipy():
    code = (
        "import sys; sys.modules['scipy'] = None\n"
        "import numpy as np, tapegrad as tg\n"
        "from tapegrad.scipy.linalg import solve_triangular, cho_factor, cho_solve\n"
        "from tapegrad.scipy._multivariate_normal import multivariate_normal as mvn\n"
        "a = np.array([[4.0, 2.0], [2.0, 3.0]])\n"
        "print(cho_solve(cho_factor(a), np.ones(2)).tolist(),"
        " tg.grad(lambda x: mvn.logpdf(x, np.zeros(2), a))(np.ones(2)).tolist())\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split("]")
    a = np.array([[4.0, 2.0], [2.0, 3.0]])
    np.testing.assert_allclose(eval(out[0] + "]"), np.linalg.solve(a, np.ones(2)))   # noqa: S307
    np.testing.assert_allclose(eval(out[1] + "]"), -np.linalg.solve(a, np.ones(2)))  # noqa: S307


# --------------------------------------------------------------- with JAX
def _jax():
    try:
        import jax
        import jax.numpy as jnp
        import jax.scipy.linalg as jsl
        import jax.scipy.stats as jss
    except Exception:              # noqa: BLE001  (any failure: JAX is not usable here)
        pytest.skip("jax is not installed")
    jax.config.update("jax_enable_x64", True)
    return jax, jnp, jsl, jss


def test_values_and_gradients_equal_jax_scipy():
    jax, jnp, jsl, jss = _jax()
    rng = np.random.default_rng(8)
    a, b = _spd(rng, 4), rng.standard_normal((4, 2))
    x, m = rng.standard_normal((5, 4)), rng.standard_normal(4)
    pairs = [
        (lambda a, b: tsl.solve_triangular(a, b, lower=True, trans=1),
         lambda a, b: jsl.solve_triangular(a, b, lower=True, trans=1)),
        (lambda a, b: tsl.cho_solve(tsl.cho_factor(_symmetrize(a)), b),
         lambda a, b: jsl.cho_solve(jsl.cho_factor((a + a.T) / 2), b)),
        (lambda a, b: tsl.solve(a, b), lambda a, b: jsl.solve(a, b)),
        (lambda a, b: mvn.logpdf(x, m, _symmetrize(a)) * tg.sum(b),
         lambda a, b: jss.multivariate_normal.logpdf(x, m, (a + a.T) / 2) * jnp.sum(b)),
    ]
    w = rng.standard_normal((5,))
    for f, jf in pairs:
        np.testing.assert_allclose(f(a, b), np.asarray(jf(a, b)), rtol=1e-10)
        loss = lambda a, b, f=f: tg.sum(f(a, b) * (w if np.shape(f(a, b)) == (5,) else 1.0))  # noqa: E731
        jloss = lambda a, b, jf=jf: jnp.sum(jf(a, b) * (w if jf(a, b).shape == (5,) else 1.0))  # noqa: E731
        for got, want in zip(tg.grad(loss, argnums=(0, 1))(a, b),
                             jax.grad(jloss, argnums=(0, 1))(a, b)):
            np.testing.assert_allclose(got, np.asarray(want), rtol=1e-9, atol=1e-11)


def test_a_gaussian_process_marginal_likelihood_differentiates_and_jits_unchanged():
    rng = np.random.default_rng(9)        # autograd's examples/gaussian_process.py, in short
    X = rng.uniform(-2.0, 2.0, (12, 1))
    y = np.sin(3.0 * X[:, 0]) + 0.1 * rng.standard_normal(12)

    def log_marginal_likelihood(params):
        mean, log_noise, log_amp, log_scale = params
        d = (X[:, None, :] - X[None, :, :]) / np.exp(log_scale)
        cov = np.exp(log_amp) * np.exp(-0.5 * np.sum(d ** 2, axis=2))
        cov = cov + (np.exp(log_noise) + 1e-6) * np.eye(12)
        return mvn.logpdf(y, mean * np.ones(12), cov)

    params = np.array([0.1, -2.0, 0.3, -0.5])
    want = ss.multivariate_normal.logpdf(
        y, 0.1 * np.ones(12), np.exp(0.3) * np.exp(-0.5 * ((X - X.T) / np.exp(-0.5)) ** 2)
        + (np.exp(-2.0) + 1e-6) * np.eye(12))
    assert log_marginal_likelihood(params) == pytest.approx(want, rel=1e-12)
    tg.check_grads(log_marginal_likelihood, (params,), order=2)
    g = tg.grad(log_marginal_likelihood)
    assert _same(tg.jit(g)(params), g(params))


@pytest.mark.parametrize("mean, cov", [("none", "matrix"), ("vector", "matrix"),
                                       ("none", "scalar"), ("vector", "vector")])
def test_mvn_entropy_equals_scipy(mean, cov):
    _, m, c = _mvn_args((3,), mean, cov)
    assert mvn.entropy(m, c) == pytest.approx(ss.multivariate_normal.entropy(m, c), rel=1e-13)
    assert mvn(m, c).entropy() == mvn.entropy(m, c)
    singular = np.diag([1.0, 2.0, 0.0])
    assert mvn.entropy(None, singular) == pytest.approx(
        ss.multivariate_normal.entropy(None, singular), rel=1e-13)


def test_mvn_entropy():
    rng = np.random.default_rng(10)     # autograd's test, in both modes and to order 2
    mean, cov = 10 * rng.standard_normal(4), _spd(rng, 4)
    tg.check_grads(lambda m, c: mvn.entropy(m, _symmetrize(c)), (mean, cov), order=2)
    g = tg.grad(lambda c: mvn.entropy(None, c))(cov)
    np.testing.assert_allclose(g, np.tril(np.linalg.inv(cov)) * (2 - np.eye(4)) / 2,
                               rtol=1e-10)     # d/dC log det C / 2, on the lower triangle
    assert _same(tg.jit(tg.grad(lambda c: mvn.entropy(None, c)))(cov), g)
