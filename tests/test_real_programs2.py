"""More plain NumPy/SciPy programs, written as their authors would, run under every transform.

Each program below is ordinary numerical code: ``import numpy as np``,
Python ``for`` and ``while`` loops (to a tolerance), ``np.where`` masks,
``np.roll``/``np.diff`` stencils, ``np.triu_indices`` pairs,
``np.searchsorted``/``np.interp`` lookups, ``np.linalg.solve`` Newton steps,
and SciPy's special functions, distributions and factorizations through
``tapegrad.scipy`` (SciPy's own names, as ``jax.scipy`` mirrors them):
Hamiltonian Monte Carlo's leapfrog, a Kalman filter, a GP with ``cho_solve``,
an adaptive-step ODE solver, Sinkhorn, power iteration, EM for a Gaussian
mixture, attention, a GRU, GLMs with ``gammaln``, Black-Scholes, Lennard-Jones,
the heat equation, an implicit Newton solve, Metropolis with fixed draws,
Huber and quantile regression, and a piecewise-linear spline.

For each program, with its parameters as one flat vector (float64, or float32
where the author would use float32):

* the eager value under ``tg.value_and_grad`` and ``tg.jit`` is NumPy's value,
  with NumPy's type and dtype, bit for bit;
* ``grad`` equals central differences (a float32 program: its float64 twin);
* ``jit(grad)`` equals eager ``grad`` bit for bit, at the traced point and another;
* ``vmap`` of the value and of ``grad`` over a batch of parameters equals the loop;
* Hessian-vector products equal central differences of the gradient.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import pytest

import tapegrad as tg
import tapegrad.scipy.linalg as sla
import tapegrad.scipy.special as sps
import tapegrad.scipy.stats as stats


class Program(NamedTuple):
    f: Callable[[np.ndarray], Any]
    x: np.ndarray


PROGRAMS: dict[str, Callable[[], Program]] = {}


def program(fn: Callable[[], Program]) -> Callable[[], Program]:
    PROGRAMS[fn.__name__] = fn
    return fn


def rng(seed: int) -> np.random.RandomState:
    return np.random.RandomState(seed)


# ------------------------------------------------------------ Hamiltonian Monte Carlo
def banana_logp(q):
    return -0.5 * (q[0] ** 2 / 4.0 + (q[1] - 0.5 * q[0] ** 2) ** 2)


def leapfrog(q, p, step, n_steps, grad_logp):
    p = p + 0.5 * step * grad_logp(q)
    for i in range(n_steps):
        q = q + step * p
        if i < n_steps - 1:
            p = p + step * grad_logp(q)
    p = p + 0.5 * step * grad_logp(q)
    return q, p


@program
def hmc_leapfrog() -> Program:
    def f(x):
        q, p = leapfrog(x[:2], x[2:4], x[4], 6, tg.grad(banana_logp))
        return -banana_logp(q) + 0.5 * np.dot(p, p)   # the Hamiltonian after the trajectory
    return Program(f, np.array([0.3, -0.2, 0.8, 0.1, 0.15]))


# ------------------------------------------------------------ Kalman filter
def kalman_loglik(params, ys, F, H):
    log_q, log_r = params[0], params[1]
    Q = np.exp(log_q) * np.eye(2)
    R = np.exp(log_r)
    m = np.zeros(2)
    P = np.eye(2)
    ll = 0.0
    for y in ys:
        m = F @ m
        P = F @ P @ F.T + Q
        S = H @ P @ H + R
        K = P @ H / S
        v = y - H @ m
        ll = ll - 0.5 * (np.log(2 * np.pi * S) + v ** 2 / S)
        m = m + K * v
        P = P - np.outer(K, K) * S
    return ll


@program
def kalman_filter() -> Program:
    ys = np.cumsum(rng(1).randn(8))
    F = np.array([[1.0, 1.0], [0.0, 1.0]])
    H = np.array([1.0, 0.0])
    return Program(lambda x: kalman_loglik(x, ys, F, H), np.array([-1.0, -0.5]))


# ------------------------------------------------------------ GP with Cholesky
def gp_neg_marglik(params, X, y):
    log_amp, log_noise = params[0], params[1]
    ells = np.exp(params[2:])
    d = (X[:, None, :] - X[None, :, :]) / ells
    K = np.exp(2 * log_amp) * np.exp(-0.5 * np.sum(d ** 2, axis=-1))
    K = K + (np.exp(2 * log_noise) + 1e-8) * np.eye(len(y))
    c, low = sla.cho_factor(K, lower=True)
    alpha = sla.cho_solve((c, low), y)
    return 0.5 * y @ alpha + np.sum(np.log(np.diag(c))) + 0.5 * len(y) * np.log(2 * np.pi)


@program
def gp_cholesky() -> Program:
    rs = rng(2)
    X = rs.randn(7, 2)
    y = np.sin(X[:, 0]) + 0.1 * rs.randn(7)
    return Program(lambda x: gp_neg_marglik(x, X, y), np.array([0.1, -1.0, 0.2, -0.3]))


# ------------------------------------------------------------ adaptive RK (Bogacki-Shampine)
def decay(t, y, k):
    return -k[0] * y + k[1] * np.sin(t)


def ode_adaptive(k, y0=1.0, t_end=2.0, tol=1e-4):
    t, y, h = 0.0, y0, 0.1
    while t < t_end:
        h = min(h, t_end - t)
        k1 = decay(t, y, k)
        k2 = decay(t + 0.5 * h, y + 0.5 * h * k1, k)
        k3 = decay(t + 0.75 * h, y + 0.75 * h * k2, k)
        y_new = y + h * (2 * k1 + 3 * k2 + 4 * k3) / 9
        k4 = decay(t + h, y_new, k)
        err = abs(h * (-5 * k1 / 72 + k2 / 12 + k3 / 9 - k4 / 8))
        if err < tol:
            t, y = t + h, y_new
        h = h * min(2.0, max(0.2, 0.9 * (tol / (err + 1e-12)) ** (1 / 3)))
    return y


@program
def adaptive_ode() -> Program:
    return Program(lambda x: ode_adaptive(x), np.array([1.3, 0.7]))


# ------------------------------------------------------------ Sinkhorn
def sinkhorn_cost(params, a, b, C, tol=1e-9):
    eps = np.exp(params[0])
    Cs = C * (1.0 + params[1:, None])
    K = np.exp(-Cs / eps)
    u = np.ones_like(a)
    v = np.ones_like(b)
    err = 1.0
    while err > tol:
        u_prev = u
        u = a / (K @ v)
        v = b / (K.T @ u)
        err = np.max(np.abs(u - u_prev))
    P = u[:, None] * K * v[None, :]
    return np.sum(P * Cs)


@program
def sinkhorn() -> Program:
    rs = rng(3)
    xa, xb = rs.randn(4, 2), rs.randn(5, 2) + 0.5
    C = np.sum((xa[:, None] - xb[None]) ** 2, axis=-1)
    a, b = np.full(4, 0.25), np.full(5, 0.2)
    return Program(lambda x: sinkhorn_cost(x, a, b, C), np.array([0.0, 0.1, -0.2, 0.05, 0.3]))


# ------------------------------------------------------------ power iteration
def top_eigenvalue(A, tol=1e-12, max_iter=500):
    v = np.ones(A.shape[0]) / np.sqrt(A.shape[0])
    lam, it = 0.0, 0
    while it < max_iter:
        w = A @ v
        v = w / np.linalg.norm(w)
        lam_new = v @ A @ v
        if abs(lam_new - lam) < tol:
            break
        lam, it = lam_new, it + 1
    return lam_new


@program
def power_iteration() -> Program:
    base = np.diag([3.0, 1.0, 0.5]) + 0.1

    def f(x):
        B = x.reshape(3, 3)
        return top_eigenvalue(base + B + B.T)
    return Program(f, 0.1 * rng(4).randn(9))


# ------------------------------------------------------------ EM for a Gaussian mixture
def em_loglik(params, X, n_iter=4):
    mu = params.reshape(3, 2)
    log_w = np.log(np.ones(3) / 3)
    var = 1.0
    for _ in range(n_iter):
        sq = np.sum((X[:, None, :] - mu[None]) ** 2, axis=-1)
        logp = log_w - 0.5 * sq / var - np.log(2 * np.pi * var)
        resp = np.exp(logp - sps.logsumexp(logp, axis=1, keepdims=True))
        nk = resp.sum(axis=0)
        mu = (resp.T @ X) / nk[:, None]
        log_w = np.log(nk / len(X))
        var = np.sum(resp * sq) / (2 * len(X))
    sq = np.sum((X[:, None, :] - mu[None]) ** 2, axis=-1)
    logp = log_w - 0.5 * sq / var - np.log(2 * np.pi * var)
    return np.mean(sps.logsumexp(logp, axis=1))


@program
def em_gmm() -> Program:
    rs = rng(5)
    X = np.concatenate([rs.randn(6, 2) - 2, rs.randn(6, 2) + 2, rs.randn(6, 2) * 0.5])
    return Program(lambda x: em_loglik(x, X), np.array([-1.5, -1.0, 1.0, 1.5, 0.2, -0.1]))


# ------------------------------------------------------------ attention (float32)
def attention(x, Wq, Wk, Wv):
    q, k, v = x @ Wq, x @ Wk, x @ Wv
    scores = q @ k.T / np.sqrt(q.shape[-1], dtype=x.dtype)
    mask = np.triu(np.ones((len(x), len(x)), dtype=bool), k=1)
    scores = np.where(mask, -1e9, scores)
    return sps.softmax(scores, axis=-1) @ v


@program
def attention_f32(dtype: type = np.float32) -> Program:
    rs = rng(6)
    tokens = rs.randn(4, 3).astype(dtype)
    target = rs.randn(4, 3).astype(dtype)

    def f(x):
        W = x.reshape(3, 3, 3)
        out = attention(tokens, W[0], W[1], W[2])
        return np.mean((out - target) ** 2)
    return Program(f, (0.5 * rs.randn(27)).astype(dtype))


# ------------------------------------------------------------ GRU over a sequence (float32)
def gru_step(h, x, W, U, b):
    z = sps.expit(x @ W[0] + h @ U[0] + b[0])
    r = sps.expit(x @ W[1] + h @ U[1] + b[1])
    n = np.tanh(x @ W[2] + (r * h) @ U[2] + b[2])
    return (1 - z) * n + z * h


@program
def gru_f32(dtype: type = np.float32) -> Program:
    rs = rng(7)
    xs = rs.randn(5, 2).astype(dtype)
    ys = rs.randn(5).astype(dtype)

    def f(x):
        W = x[:18].reshape(3, 2, 3)
        U = x[18:45].reshape(3, 3, 3)
        b = x[45:54].reshape(3, 3)
        h = np.zeros(3, dtype=dtype)
        loss = dtype(0.0)
        for t in range(len(xs)):
            h = gru_step(h, xs[t], W, U, b)
            loss = loss + (np.sum(h) - ys[t]) ** 2
        return loss / len(xs)
    return Program(f, (0.4 * rs.randn(54)).astype(dtype))


# ------------------------------------------------------------ negative binomial GLM
def negbin_nll(params, X, y):
    beta, log_alpha = params[:-1], params[-1]
    mu = np.exp(X @ beta)
    r = np.exp(-log_alpha)
    ll = (sps.gammaln(y + r) - sps.gammaln(r) - sps.gammaln(y + 1)
          + r * np.log(r / (r + mu)) + y * np.log(mu / (r + mu)))
    return -np.sum(ll)


def glm_data(seed):
    rs = rng(seed)
    X = np.column_stack([np.ones(20), rs.randn(20, 2)])
    y = rs.poisson(np.exp(X @ np.array([0.5, 0.3, -0.2]))).astype(float)
    return X, y


@program
def negbin_glm() -> Program:
    X, y = glm_data(8)
    return Program(lambda x: negbin_nll(x, X, y), np.array([0.4, 0.2, -0.1, -1.0]))


@program
def poisson_glm() -> Program:
    X, y = glm_data(9)

    def f(beta):
        eta = X @ beta
        return -np.sum(stats.poisson.logpmf(y, np.exp(eta))) + 0.5 * np.sum(beta[1:] ** 2)
    return Program(f, np.array([0.1, 0.0, 0.3]))


# ------------------------------------------------------------ Black-Scholes
def black_scholes_call(S, K, T, r, sigma):
    d1 = (np.log(S / K) + (r + 0.5 * sigma ** 2) * T) / (sigma * np.sqrt(T))
    d2 = d1 - sigma * np.sqrt(T)
    return S * stats.norm.cdf(d1) - K * np.exp(-r * T) * stats.norm.cdf(d2)


@program
def black_scholes() -> Program:
    strikes = np.array([80.0, 95.0, 100.0, 110.0, 130.0])

    def f(x):
        S, T, r, sigma = x
        return np.sum(black_scholes_call(S, strikes, T, r, sigma))
    return Program(f, np.array([100.0, 0.5, 0.03, 0.25]))


# ------------------------------------------------------------ Lennard-Jones
def lj_energy(pos, cutoff=2.5):
    n = len(pos)
    i, j = np.triu_indices(n, k=1)
    r2 = np.sum((pos[i] - pos[j]) ** 2, axis=1)
    inv6 = (1.0 / r2) ** 3
    e = 4.0 * (inv6 ** 2 - inv6)
    return np.sum(np.where(r2 < cutoff ** 2, e, 0.0))


@program
def lennard_jones() -> Program:
    grid = np.array([[a, b, c] for a in range(3) for b in range(2) for c in range(2)], float)
    pos = 1.12 * grid[:9] + 0.05 * rng(10).randn(9, 3)   # some pairs beyond the cutoff
    return Program(lambda x: lj_energy(x.reshape(-1, 3)), pos.ravel())


# ------------------------------------------------------------ heat equation
def heat_rod(kappa_profile, u0, dt=0.1, n_steps=25):
    u = u0
    for _ in range(n_steps):
        lap = np.roll(u, 1) - 2 * u + np.roll(u, -1)
        u = u + dt * kappa_profile * lap
    flux = np.diff(u)
    return np.sum(flux ** 2) + np.max(u)


@program
def heat_equation() -> Program:
    n = 12
    u0 = np.exp(-0.5 * ((np.arange(n) - 5.5) / 1.5) ** 2)
    return Program(lambda x: heat_rod(np.exp(x), u0), np.log(np.linspace(0.5, 1.5, n) / 3))


# ------------------------------------------------------------ implicit equation by Newton
def residual(z, theta):      # np.stack: np.array cannot hold traced values (a TypeError says so)
    return np.stack([z[0] ** 3 + theta[0] * z[0] - z[1] - theta[1],
                     np.sin(z[1]) + z[1] - theta[2] * z[0]])


def jacobian(z, theta):
    return np.stack([np.stack([3 * z[0] ** 2 + theta[0], -1.0]),
                     np.stack([-theta[2], np.cos(z[1]) + 1.0])])


def newton_solve(theta, tol=1e-12):
    z = np.zeros(2)
    r = residual(z, theta)
    while np.linalg.norm(r) > tol:
        z = z - np.linalg.solve(jacobian(z, theta), r)
        r = residual(z, theta)
    return z


@program
def implicit_newton() -> Program:
    return Program(lambda x: np.sum(newton_solve(x) ** 2), np.array([1.5, 0.7, 0.4]))


# ------------------------------------------------------------ Metropolis with fixed draws
def metropolis_mean(params, proposals, log_u, x0=0.0):
    mu, log_sigma, step = params[0], params[1], params[2]
    sigma = np.exp(log_sigma)
    def logp(x):
        return stats.norm.logpdf(x, mu, sigma)
    x, total = x0, 0.0
    for z, lu in zip(proposals, log_u):
        prop = x + step * z
        x = np.where(lu < logp(prop) - logp(x), prop, x)
        total = total + x
    return total / len(proposals)


@program
def metropolis() -> Program:
    rs = rng(11)
    proposals, log_u = rs.randn(30), np.log(rs.rand(30))
    return Program(lambda x: metropolis_mean(x, proposals, log_u), np.array([1.0, -0.3, 0.9]))


# ------------------------------------------------------------ robust regression
def huber(r, delta=1.0):
    a = np.abs(r)
    return np.where(a <= delta, 0.5 * r ** 2, delta * (a - 0.5 * delta))


def pinball(r, tau):
    return np.maximum(tau * r, (tau - 1) * r)


def regression_data(seed):
    rs = rng(seed)
    X = np.column_stack([np.ones(15), rs.randn(15)])
    y = X @ np.array([0.5, 2.0]) + rs.standard_t(2, 15)
    return X, y


@program
def huber_regression() -> Program:
    X, y = regression_data(12)
    return Program(lambda w: np.mean(huber(y - X @ w)), np.array([0.3, 1.7]))


@program
def quantile_regression() -> Program:
    X, y = regression_data(13)
    return Program(lambda w: np.mean(pinball(y - X @ w, 0.8)) + 0.01 * w @ w,
                   np.array([0.31, 1.73]))


# ------------------------------------------------------------ piecewise-linear spline
def spline_fit(params, knots, xq, yq):
    values = params[:-1]
    shift = params[-1]
    pred = np.interp(xq + shift, knots, values)
    idx = np.clip(np.searchsorted(knots, xq, side="right") - 1, 0, len(knots) - 2)
    slopes = np.diff(values) / np.diff(knots)
    roughness = np.sum(np.diff(slopes) ** 2)
    return np.sum((pred - yq) ** 2) + 0.1 * roughness + 0.01 * np.sum(slopes[idx] ** 2)


@program
def spline() -> Program:
    knots = np.linspace(0.0, 3.0, 7)
    xq = np.sort(rng(14).uniform(0.1, 2.7, 12))
    yq = np.sin(xq)
    return Program(lambda x: spline_fit(x, knots, xq, yq),
                   np.concatenate([np.sin(knots) + 0.1, [0.05]]))


# ------------------------------------------------------------ Student-t regression
@program
def student_t_regression() -> Program:
    X, y = regression_data(15)

    def f(x):
        w, log_scale, log_df = x[:2], x[2], x[3]
        return -np.sum(stats.t.logpdf(y, np.exp(log_df), X @ w, np.exp(log_scale)))
    return Program(f, np.array([0.4, 1.9, 0.1, 0.5]))


# ------------------------------------------------------------------ helpers
def central(f: Callable[[np.ndarray], Any], x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    out = np.empty_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        out[i] = (float(f(x + e)) - float(f(x - e))) / (2 * h)
    return out


def same(a: Any, b: Any) -> bool:
    """Equal bit for bit, with the same type and dtype."""
    return type(a) is type(b) and np.asarray(a).dtype == np.asarray(b).dtype \
        and np.array_equal(a, b)


def same_number(a: Any, b: Any) -> bool:
    """Equal bit for bit with the same dtype (a Python float counts as float64)."""
    return np.asarray(a).dtype == np.asarray(b).dtype and np.array_equal(a, b)


def float64_twin(name: str) -> Program:
    """The program in float64: itself, or a float32 program built with float64 data."""
    made = PROGRAMS[name]()
    return made if made.x.dtype == np.float64 else PROGRAMS[name](np.float64)  # type: ignore


def batch_of(x: np.ndarray) -> np.ndarray:
    return np.stack([x, 0.9 * x - 0.1, 1.2 * x + 0.05]).astype(x.dtype)


NAMES = sorted(PROGRAMS)


# ------------------------------------------------------------------ tests
@pytest.mark.parametrize("name", NAMES)
def test_eager_and_jit_values_are_numpys_value_and_dtype(name: str) -> None:
    f, x = PROGRAMS[name]()
    want = f(x)
    assert np.asarray(want).dtype == x.dtype
    assert same_number(tg.value_and_grad(f)(x)[0], want)
    assert same(tg.jit(f)(x), want)
    other = x * 1.05
    assert same(tg.jit(f)(other), f(other))


@pytest.mark.parametrize("name", NAMES)
def test_grad_matches_central_differences(name: str) -> None:
    f, x = PROGRAMS[name]()
    g = tg.grad(f)(x)
    assert type(g) is np.ndarray and g.shape == x.shape and g.dtype == x.dtype
    f64, x64 = float64_twin(name)
    want = central(f64, x64)
    np.testing.assert_allclose(tg.grad(f64)(x64), want, rtol=1e-6, atol=1e-7)
    if x.dtype == np.float32:
        np.testing.assert_allclose(g, want, rtol=2e-3, atol=2e-4)


@pytest.mark.parametrize("name", NAMES)
def test_jit_grad_is_eager_grad_bit_for_bit(name: str) -> None:
    f, x = PROGRAMS[name]()
    jitted = tg.jit(tg.value_and_grad(f))
    for point in (x, (1.1 * x + 0.05).astype(x.dtype)):
        value, grad = jitted(point)
        eager_value, eager_grad = tg.value_and_grad(f)(point)
        assert same_number(value, eager_value) and same(grad, eager_grad)


@pytest.mark.parametrize("name", NAMES)
def test_vmap_of_value_and_grad_is_the_loop(name: str) -> None:
    f, x = PROGRAMS[name]()
    batch = batch_of(x)
    values = tg.vmap(f)(batch)
    assert values.dtype == x.dtype
    np.testing.assert_allclose(values, np.stack([f(p) for p in batch]), rtol=1e-13, atol=0)
    grads = tg.vmap(tg.grad(f))(batch)
    loop = np.stack([tg.grad(f)(p) for p in batch])
    assert grads.dtype == x.dtype
    np.testing.assert_allclose(grads, loop, rtol=1e-12, atol=1e-14)
    assert same(tg.jit(tg.vmap(tg.grad(f)))(batch), grads)


@pytest.mark.parametrize("name", NAMES)
def test_hessian_vector_products_match_differences_of_the_gradient(name: str) -> None:
    f, x = float64_twin(name)
    v = np.random.RandomState(0).randn(x.size)
    grad_f = tg.grad(f)
    h = 1e-5
    want = (grad_f(x + h * v) - grad_f(x - h * v)) / (2 * h)
    np.testing.assert_allclose(tg.hvp(f, (x,), (v,)), want, rtol=1e-5, atol=1e-6)
    reverse_over_reverse = tg.grad(lambda y: np.dot(tg.grad(f)(y), v))(x)
    np.testing.assert_allclose(reverse_over_reverse, want, rtol=1e-5, atol=1e-6)
