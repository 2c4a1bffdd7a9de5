"""Array programs, part eleven: NumPy and SciPy as their users write them, one vector each.

Estimators (ridge with generalized cross-validation, logistic regression by
``np.logaddexp``, a GMM's E-step by ``logsumexp``, PCA by ``eigh`` and by
``svd``, kernel ridge on an RBF kernel of pairwise distances, Fisher's
discriminant, weighted least squares by ``lstsq``), finance (Black-Scholes by
``ndtr`` and by ``norm.cdf``, implied volatilities by vectorized Newton, a
minimum-variance portfolio by ``inv``, a bond's duration and convexity), physics
(n-body forces by broadcasting and ``norm(axis=-1)`` over ``triu_indices``,
pendulums by symplectic Euler, heat by ``np.pad`` and slices, a spring chain's
modes by ``eigvalsh``, a linear ODE by ``expm``), statistics (``logpdf`` of the
normal, gamma, beta and t, a Dirichlet-multinomial by ``gammaln``/``betaln``, a
gamma shape by ``digamma``, softmax cross-entropy gathered by integer labels,
``np.cov``/``np.corrcoef``, ``np.average``, ``np.quantile``/``np.percentile``,
a bootstrap by integer indices), signal (``np.convolve``/``np.correlate``,
``np.cumsum``/``np.diff``/``np.trapezoid``, ``np.interp``, moving averages),
geometry (``np.cross`` over meshes, rotations by ``np.einsum``, a shoelace
area on ``np.roll`` of a ``(n, 2)`` array), piecewise functions (``np.piecewise``,
``np.select``, ``np.where``, ``np.clip``), sorting (``np.sort``, ``np.argsort``
with ``np.take_along_axis``), linear algebra (``cholesky``, ``slogdet``,
``inv``, ``lstsq``, ``qr``), reductions with ``axis``/``keepdims``, float32
inputs, integer index arrays and constant boolean masks; then more idioms
(``np.subtract.outer``, ``np.hypot``, ``np.arctan2``, ``np.bincount``,
``np.meshgrid``, nested ``np.trapezoid``, ``np.gradient``, a batched
``np.linalg.solve``, ``np.cumprod`` read by ``np.searchsorted``, ``erfc`` on a
grid from ``np.kron``, a float32 book by ``.mean()``, ``.std()``,
``np.quantile`` and a p-norm, a float32 entropic transport plan by SciPy's
``entr``/``rel_entr``/``kl_div``, and a log-normal claims model).

Every program is a function of one float vector (float32 where the name says
so). A ``Case`` gives its inputs (the same shape and dtype, so they stack into a
batch), the relative tolerance of its gradient against central differences,
and why a Hessian is not checked (``""``: it is). ``vmap`` equals the Python loop
bit for bit for every one of them.

SciPy's non-ufunc functions come from ``tapegrad.scipy`` under SciPy's own
module names (``special``, ``stats``, ``sla``); SciPy's ufuncs
(``scipy.special.ndtr``, ``gammaln``...) are called as SciPy's.
``test_real_programs11`` runs the programs with SciPy's modules too and
compares the numbers.
"""

from __future__ import annotations

import numpy as np
import scipy.special
from program_cases import Case, registrar

import tapegrad.scipy.linalg as sla
import tapegrad.scipy.special as special
import tapegrad.scipy.stats as stats

PROGRAMS: dict[str, Case] = {}
case = registrar(PROGRAMS)


RS = np.random.RandomState(11)
F32 = "float32: central differences cannot check a float32 Hessian"


# ------------------------------------------------------------ estimators
X_REG = RS.randn(20, 4)
Y_REG = X_REG @ np.array([1.0, -2.0, 0.5, 0.0]) + 0.3 * RS.randn(20)


@case([0.2, 0.0, 0.1, -0.1, 0.3], 1)
def ridge_gcv_score(p):
    """Ridge by np.linalg.solve, scored by generalized cross-validation (the hat's trace)."""
    lam, y = np.exp(p[0]), Y_REG + np.sum(p[1:]) * X_REG[:, 0]
    n, d = X_REG.shape
    H = X_REG @ np.linalg.solve(X_REG.T @ X_REG + lam * np.eye(d), X_REG.T)
    resid = y - H @ y
    return n * (resid @ resid) / (n - np.trace(H)) ** 2


LABELS = np.sign(X_REG @ np.array([1.0, -1.0, 0.5, 0.2]) + 0.5 * RS.randn(20))


@case([0.5, -0.3, 0.2, 0.1, 0.05], 2)
def logistic_logaddexp(w):
    """Logistic regression's loss as np.logaddexp(0, -y * margin), with an L2 penalty."""
    margin = X_REG @ w[:4] + w[4]
    return np.mean(np.logaddexp(0.0, -LABELS * margin)) + 0.01 * np.sum(w[:4] ** 2)


X_GMM = np.concatenate([RS.randn(15, 2) + [2.0, 0.0], RS.randn(15, 2) - [1.0, 1.0]])


@case([2.0, 0.0, -1.0, -1.0, 0.0, 1.0, 0.1, -0.1, 0.0], 3)
def gmm_estep_logsumexp(p):
    """A GMM's log-likelihood and E-step: logsumexp over components, axis and keepdims."""
    mu, logw, logs = p[:6].reshape(3, 2), p[6:9], np.array([0.0, 0.1, -0.2])
    d2 = np.sum((X_GMM[:, None, :] - mu[None, :, :]) ** 2, axis=-1)
    logp = logw - special.logsumexp(logw) - d2 / (2 * np.exp(2 * logs)) - 2 * logs \
        - np.log(2 * np.pi)
    norm_ = special.logsumexp(logp, axis=1, keepdims=True)
    resp = np.exp(logp - norm_)
    return np.sum(norm_) + 0.1 * np.sum(resp * d2)


X_PCA = RS.randn(25, 4) @ np.diag([3.0, 2.0, 1.0, 0.5])


@case([1.0, 1.0, 1.0, 1.0], 4, scale=0.1)
def pca_eigh_explained(s):
    """PCA by np.linalg.eigh of np.cov: the variance share of the top two components."""
    Xs = (X_PCA - X_PCA.mean(axis=0)) * s
    evals, evecs = np.linalg.eigh(np.cov(Xs, rowvar=False))
    top = evals[::-1][:2]
    return np.sum(top) / np.sum(evals) + 0.1 * np.abs(evecs[:, -1]) @ np.arange(1.0, 5.0)


@case(X_PCA[:6].ravel() / 3, 5, scale=0.02)
def pca_svd_rank1(x):
    """The rank-one reconstruction error of a centred matrix by np.linalg.svd."""
    X = x.reshape(6, 4)
    Xc = X - X.mean(axis=0, keepdims=True)
    U, s, Vt = np.linalg.svd(Xc, full_matrices=False)
    approx = s[0] * np.outer(U[:, 0], Vt[0])
    return np.sum((Xc - approx) ** 2) + s[1] / s[0]


X_KR, Y_KR = np.linspace(-2, 2, 12)[:, None], np.sin(np.linspace(-2, 2, 12))
X_TEST = np.array([[-1.5], [0.1], [1.3]])


@case([0.0, -2.0, 0.0], 6)
def kernel_ridge_rbf(p):
    """Kernel ridge regression on an RBF kernel of broadcast pairwise squared distances."""
    gamma, lam, shift = np.exp(p[0]), np.exp(p[1]), p[2]

    def rbf(A, B):
        return np.exp(-gamma * np.sum((A[:, None, :] - B[None, :, :]) ** 2, axis=-1))
    alpha = np.linalg.solve(rbf(X_KR, X_KR) + lam * np.eye(len(X_KR)), Y_KR + shift)
    return np.sum((rbf(X_TEST, X_KR) @ alpha - np.sin(X_TEST[:, 0])) ** 2)


CLASS0, CLASS1 = RS.randn(12, 3), RS.randn(10, 3) + 1.0


@case([0.0, 0.0, 0.0, 1.0, 1.0, 1.0], 7, scale=0.2)
def fisher_discriminant(p):
    """Fisher's LDA direction np.linalg.solve(Sw, mu1 - mu0) and its separation."""
    A, B = CLASS0 + p[:3], CLASS1 * p[3:]
    Sw = np.cov(A, rowvar=False) + np.cov(B, rowvar=False)
    w = np.linalg.solve(Sw, B.mean(axis=0) - A.mean(axis=0))
    return (w @ (B.mean(0) - A.mean(0))) ** 2 / (w @ Sw @ w)


@case([0.0, 0.1, -0.2, 0.3, 0.0, 0.1], 8, scale=0.3)
def weighted_lstsq(p):
    """Weighted least squares: np.linalg.lstsq on rows scaled by sqrt of softplus weights."""
    t = np.linspace(0, 1, 6)
    A = np.vander(t, 3)
    sw = np.sqrt(np.logaddexp(0.0, p))
    coef = np.linalg.lstsq(A * sw[:, None], np.cos(3 * t) * sw, rcond=None)[0]
    return coef @ np.array([1.0, 2.0, 3.0])


# ------------------------------------------------------------ finance
STRIKES = np.array([80.0, 90.0, 100.0, 110.0, 120.0])


@case([100.0, 0.2, 0.03, 1.0], 9)
def black_scholes_ndtr(p):
    """Black-Scholes calls over a strike grid with SciPy's ndtr, and the put by parity."""
    S, sigma, r, T = p
    d1 = (np.log(S / STRIKES) + (r + 0.5 * sigma ** 2) * T) / (sigma * np.sqrt(T))
    d2 = d1 - sigma * np.sqrt(T)
    call = S * scipy.special.ndtr(d1) - STRIKES * np.exp(-r * T) * scipy.special.ndtr(d2)
    put = call - S + STRIKES * np.exp(-r * T)
    return np.sum(call) + 0.5 * np.sum(put)


@case([100.0, 0.25, 0.01, 0.5, 0.02], 10)
def black_scholes_norm_cdf_greeks(p):
    """Merton's dividend-adjusted call by stats.norm.cdf, its delta, and vega by norm.pdf."""
    S, sigma, r, T, q = p
    d1 = (np.log(S / STRIKES) + (r - q + 0.5 * sigma ** 2) * T) / (sigma * np.sqrt(T))
    d2 = d1 - sigma * np.sqrt(T)
    call = S * np.exp(-q * T) * stats.norm.cdf(d1) - STRIKES * np.exp(-r * T) * stats.norm.cdf(d2)
    delta = np.exp(-q * T) * stats.norm.cdf(d1)
    vega = S * np.exp(-q * T) * stats.norm.pdf(d1) * np.sqrt(T)
    return np.sum(call) + 10 * np.sum(delta) + 0.1 * np.sum(vega)


@case([22.0, 14.0, 7.5, 3.5, 1.4], 11, scale=0.01)
def implied_vol_newton(prices):
    """Implied volatilities by eight vectorized Newton steps on a strike grid."""
    S, r, T = 100.0, 0.02, 1.0
    sigma = np.full(5, 0.3)
    for _ in range(8):
        d1 = (np.log(S / STRIKES) + (r + 0.5 * sigma ** 2) * T) / (sigma * np.sqrt(T))
        d2 = d1 - sigma * np.sqrt(T)
        price = S * scipy.special.ndtr(d1) - STRIKES * np.exp(-r * T) * scipy.special.ndtr(d2)
        vega = S * np.exp(-0.5 * d1 ** 2) / np.sqrt(2 * np.pi) * np.sqrt(T)
        sigma = sigma - (price - prices) / vega
    return np.sum(sigma * np.arange(1.0, 6.0))


RETURNS = RS.randn(40, 4) * np.array([0.01, 0.02, 0.015, 0.025]) + 0.005


@case([0.0, 0.0, 0.0, 0.0, -3.0], 12, scale=0.3)
def min_variance_inv(p):
    """The minimum-variance portfolio inv(S) 1 / (1' inv(S) 1) on a shrunk np.cov."""
    S = np.cov(RETURNS * np.exp(p[:4]), rowvar=False)
    S = S + np.exp(p[4]) * np.mean(np.diag(S)) * np.eye(4)
    Si = np.linalg.inv(S)
    w = Si @ np.ones(4) / np.sum(Si)
    return 1e4 * (w @ S @ w) + np.sum(w ** 2)


@case([0.04, 0.045, 0.05, 0.052, 0.055, 0.056], 13)
def bond_duration_convexity(z):
    """Price, Macaulay duration and convexity of a coupon bond off a zero curve by np.cumsum."""
    t = np.arange(1.0, 7.0)
    cf = np.full(6, 5.0)
    cf[-1] += 100.0
    zero = np.cumsum(z) / t                     # one-year forward rates averaged: zero rates
    disc = np.exp(-zero * t)
    pv = cf * disc
    price = np.sum(pv)
    return price + np.sum(t * pv) / price + 0.1 * np.sum(t ** 2 * pv) / price


# ------------------------------------------------------------ physics
MASSES = np.array([1.0, 2.0, 0.5, 1.5])
PAIRS = np.triu_indices(4, 1)


@case(RS.randn(12), 14)
def nbody_broadcast_forces(q):
    """Gravitational forces by broadcasting, np.linalg.norm(axis=-1) on the pairs' differences."""
    pos = q.reshape(4, 3)
    i, j = PAIRS
    rij = pos[i] - pos[j]
    dist = np.linalg.norm(rij, axis=-1)
    potential = -np.sum(MASSES[i] * MASSES[j] / dist)
    diff = pos[:, None, :] - pos[None, :, :]
    r3 = (np.sum(diff ** 2, axis=-1) + np.eye(4)) ** 1.5
    force = -np.sum((MASSES[:, None] * MASSES[None, :] / r3)[..., None] * diff, axis=1)
    return potential + 0.1 * np.sum(force ** 2)


@case(np.concatenate([np.linspace(0.2, 1.2, 5), np.zeros(5)]), 15, scale=0.1)
def pendulums_symplectic(s):
    """Five pendulums by symplectic Euler, array-valued; the energy drift after 40 steps."""
    theta, omega, dt = s[:5], s[5:], 0.05
    energy0 = 0.5 * omega ** 2 + 9.81 * (1 - np.cos(theta))
    for _ in range(40):
        omega = omega - dt * 9.81 * np.sin(theta)
        theta = theta + dt * omega
    energy = 0.5 * omega ** 2 + 9.81 * (1 - np.cos(theta))
    return np.sum((energy - energy0) ** 2) + np.sum(theta)


@case(np.exp(-np.linspace(-2, 2, 36) ** 2), 16, scale=0.1)
def heat_pad_slices(u0):
    """The 2-d heat equation on a 6x6 grid: np.pad(mode="edge") and a five-point stencil."""
    u = u0.reshape(6, 6)
    for _ in range(6):
        p = np.pad(u, 1, mode="edge")
        u = u + 0.2 * (p[:-2, 1:-1] + p[2:, 1:-1] + p[1:-1, :-2] + p[1:-1, 2:] - 4 * u)
    return np.sum(u ** 2 * np.arange(36.0).reshape(6, 6))


@case(np.exp(-np.linspace(-2, 2, 36) ** 2).astype(np.float32), 16, scale=0.1, rtol=2e-3,
      no_hessian=F32)
def heat_pad_slices_float32(u0):
    """The same stencil in float32: every value stays float32."""
    u = u0.reshape(6, 6)
    for _ in range(6):
        p = np.pad(u, 1, mode="edge")
        u = u + np.float32(0.2) * (p[:-2, 1:-1] + p[2:, 1:-1] + p[1:-1, :-2] + p[1:-1, 2:] - 4 * u)
    return np.sum(u ** 2 * np.arange(36, dtype=np.float32).reshape(6, 6))


@case([1.0, 1.2, 0.9, 1.1, 1.0, 0.8], 17, scale=0.1)
def spring_chain_modes(k):
    """A spring chain's stiffness matrix by np.diag; its squared frequencies by eigvalsh."""
    main = k + np.append(k[1:], 0.0)
    K = np.diag(main) - np.diag(k[1:], 1) - np.diag(k[1:], -1)
    M = np.array([1.0, 2.0, 1.0, 1.5, 1.0, 0.5])
    Minv = 1 / np.sqrt(M)
    w2 = np.linalg.eigvalsh(Minv[:, None] * K * Minv[None, :])
    return np.sum(np.sqrt(w2)) + w2[0]


SHIFT = np.array([[0.0, 1.0], [0.0, 0.0]])
E21, E22 = np.array([[0.0, 0.0], [1.0, 0.0]]), np.array([[0.0, 0.0], [0.0, 1.0]])


@case([-0.5, 1.0, -1.0, -0.3, 1.0], 18, scale=0.1)
def linear_ode_expm(p):
    """x(t) = expm(A t) x0 for a damped oscillator, sampled at three times by scipy.linalg.expm."""
    A = SHIFT + p[2] * E21 + p[3] * E22 + 0.1 * p[0] * np.eye(2)   # [[d, 1], [-k, -c + d]]
    x0 = np.array([1.0, 0.0]) * p[4] + np.array([0.0, 1.0]) * p[1]
    out = [sla.expm(A * t) @ x0 for t in (0.5, 1.0, 2.0)]
    return np.sum(np.stack(out) ** 2)


# ------------------------------------------------------------ statistics
DATA_POS = RS.gamma(2.0, 1.5, size=15)
DATA_UNIT = RS.beta(2.0, 5.0, size=15)


@case([0.5, 0.3, 0.4, 0.6, 0.7, 1.0, 1.2], 19, scale=0.1)
def log_posterior_four_families(p):
    """A log posterior from stats.norm, stats.gamma, stats.beta and stats.t logpdfs."""
    mu, log_sd, log_a, log_b, log_c, log_df, scale = p
    ll = np.sum(stats.norm.logpdf(np.log(DATA_POS), loc=mu, scale=np.exp(log_sd)))
    ll += np.sum(stats.gamma.logpdf(DATA_POS, np.exp(log_a), scale=scale))
    ll += np.sum(stats.beta.logpdf(DATA_UNIT, np.exp(log_b), np.exp(log_c)))
    ll += np.sum(stats.t.logpdf(DATA_POS - 3.0, np.exp(log_df), loc=mu, scale=scale))
    prior = stats.norm.logpdf(p, 0.0, 2.0)
    return -(ll + np.sum(prior))


COUNTS = RS.multinomial(20, [0.2, 0.3, 0.5], size=6).astype(float)


@case([0.5, 0.8, 1.2], 20, scale=0.1)
def dirichlet_multinomial_gammaln(log_alpha):
    """The Dirichlet-multinomial log-likelihood by SciPy's gammaln and betaln ufuncs."""
    a = np.exp(log_alpha)
    A = np.sum(a)
    n = np.sum(COUNTS, axis=1)
    ll = scipy.special.gammaln(A) - scipy.special.gammaln(n + A) \
        + np.sum(scipy.special.gammaln(COUNTS + a) - scipy.special.gammaln(a), axis=1)
    return -np.sum(ll) + scipy.special.betaln(a[0], a[1])


@case([0.7], 21, scale=0.1)
def gamma_shape_digamma(log_k):
    """The gamma shape's likelihood equation log k - digamma(k) = log mean - mean log, squared."""
    k = np.exp(log_k[0])
    s = np.log(np.mean(DATA_POS)) - np.mean(np.log(DATA_POS))
    return (np.log(k) - scipy.special.digamma(k) - s) ** 2 + special.polygamma(1, k)


X_CLS, Y_CLS = RS.randn(16, 3), RS.randint(0, 4, size=16)


@case(0.3 * RS.randn(12), 22)
def softmax_cross_entropy_labels(w):
    """Softmax cross-entropy: special.softmax(axis=1), gathered by integer labels."""
    logits = X_CLS @ w.reshape(3, 4)
    P = special.softmax(logits, axis=1)
    return -np.mean(np.log(P[np.arange(16), Y_CLS])) + 0.01 * np.sum(w * w)


@case((0.3 * RS.randn(12)).astype(np.float32), 22, rtol=2e-3, no_hessian=F32)
def log_softmax_take_along_float32(w):
    """The same loss in float32 by log_softmax and np.take_along_axis."""
    logits = X_CLS.astype(np.float32) @ w.reshape(3, 4)
    logp = special.log_softmax(logits, axis=-1)
    return -np.mean(np.take_along_axis(logp, Y_CLS[:, None], axis=1))


Z_CORR = RS.randn(30, 4)


@case([0.5, 0.2, -0.3, 0.1, 0.4, -0.2], 23, scale=0.2)
def corrcoef_factor_fit(p):
    """The distance of np.corrcoef of a one-factor model's data from a target correlation."""
    loadings = np.concatenate([[0.0], p[:3]])
    X = Z_CORR + np.outer(Z_CORR[:, 0], loadings) + p[3:5].sum() * Z_CORR[:, ::-1]
    C = np.corrcoef(X, rowvar=False)
    target = 0.3 * np.ones((4, 4)) + 0.7 * np.eye(4)
    return np.sum((C - target) ** 2) + p[5] * np.trace(np.cov(X.T))


SCORES = RS.randn(8, 3)


@case([0.1, -0.2, 0.3, 0.0, 0.5, -0.1, 0.2, 0.1], 24, scale=0.3)
def weighted_average_variance(p):
    """np.average with weights over axis 0, returned=True, and a weighted variance."""
    w = np.exp(p)
    mean, total = np.average(SCORES, axis=0, weights=w, returned=True)
    var = np.average((SCORES - mean) ** 2, axis=0, weights=w)
    return np.sum(mean) + np.sum(np.sqrt(var)) + 0.01 * np.sum(total)


RESID = RS.standard_t(3, size=25)


@case([0.4, 1.0], 25, scale=0.05, rtol=1e-5)
def quantile_robust_scale(p):
    """A robust z-score: np.median, np.percentile's interquartile range, np.quantile."""
    r = RESID * p[1] + p[0]
    iqr = np.subtract(*np.percentile(r, [75, 25]))
    z = (r - np.median(r)) / (iqr / 1.349)
    return np.sum(np.quantile(z, [0.1, 0.5, 0.9])) + np.mean(np.abs(z) ** 2)


BOOT = RS.randint(0, 10, size=(8, 10))


@case(RS.randn(10), 26)
def bootstrap_integer_indices(x):
    """Bootstrap means and standard error by an integer index array of resamples."""
    means = x[BOOT].mean(axis=1)
    se = np.std(means, ddof=1)
    return se + np.mean(means) ** 2


# ------------------------------------------------------------ signal
SIG = np.sin(np.linspace(0, 6, 24)) + 0.2 * RS.randn(24)


@case([0.25, 0.5, 0.25, 0.1], 27, scale=0.2)
def fir_filter_matched(h):
    """An FIR filter by np.convolve(mode="same") and a matched filter by np.correlate."""
    y = np.convolve(SIG, h, mode="same")
    match = np.correlate(y, h[::-1], mode="valid")
    return np.sum((y - SIG) ** 2) + 0.1 * np.max(match) + 0.01 * np.sum(match ** 2)


@case(np.sin(np.linspace(0, 3, 20)), 28, scale=0.1)
def cumsum_diff_trapezoid(acc):
    """Velocity by np.cumsum, jerk by np.diff, work by np.trapezoid, from sampled acceleration."""
    dt = 0.1
    vel = np.cumsum(acc) * dt
    jerk = np.diff(acc, n=1) / dt
    work = np.trapezoid(acc * vel, dx=dt)
    return work + 0.01 * np.sum(jerk ** 2) + np.diff(vel, n=2, prepend=0.0) @ np.ones(19)


GRID = np.linspace(0.0, 1.0, 8)


@case(np.concatenate([np.cos(3 * GRID), [0.13, 0.41, 0.77]]), 29, scale=0.05)
def interp_resample(p):
    """Resampling with np.interp, the values and the query points both parameters."""
    fp, q = p[:8], p[8:]
    fine = np.interp(np.linspace(0.0, 1.0, 15), GRID, fp)
    return np.sum(fine ** 2) + np.sum(np.interp(q, GRID, fp) * q)


@case(np.cos(np.linspace(0, 4, 16)) + 1.5, 30, scale=0.05)
def moving_average_cumsum(x):
    """A moving average by the cumsum trick, an EWMA by a loop, and its crossing penalty."""
    k = 4
    c = np.cumsum(np.insert(x, 0, 0.0))
    ma = (c[k:] - c[:-k]) / k
    ew, acc = [], x[0]
    for v in x:
        acc = 0.7 * acc + 0.3 * v
        ew.append(acc)
    ew = np.stack(ew)
    return np.sum((ew[k - 1:] - ma) ** 2) + np.mean(np.log(x))


# ------------------------------------------------------------ geometry
TRIS = np.array([[0, 1, 2], [0, 2, 3], [0, 3, 4], [0, 4, 1], [1, 2, 5], [2, 3, 5]])


@case(RS.randn(18) + np.tile([0.0, 0.0, 1.0], 6), 31)
def mesh_normals_cross(v):
    """A triangle mesh's areas and normals: np.cross on the (n, 3, 3) corner array."""
    V = v.reshape(6, 3)
    T = V[TRIS]
    n = np.cross(T[:, 1] - T[:, 0], T[:, 2] - T[:, 0])
    area = 0.5 * np.linalg.norm(n, axis=1)
    unit = n / np.linalg.norm(n, axis=1, keepdims=True)
    return np.sum(area) + np.sum(unit[:, 2]) + np.sum(np.cross(V[0], V[5]) ** 2)


POINTS = RS.randn(7, 3)


@case([0.3, -0.2, 0.5, 0.1, 0.0, -0.1], 32, scale=0.2)
def rotations_einsum(p):
    """Euler rotations built by np.stack, composed by np.einsum and applied to a point cloud."""
    def rot(axis, a):
        c, s = np.cos(a), np.sin(a)
        i, j = [(1, 2), (0, 2), (0, 1)][axis]
        R = np.eye(3) + (c - 1) * (np.eye(3)[i][:, None] * np.eye(3)[i] + np.eye(3)[j][:, None]
                                   * np.eye(3)[j])
        return R + s * (np.outer(np.eye(3)[j], np.eye(3)[i]) - np.outer(np.eye(3)[i], np.eye(3)[j]))
    Rs = np.stack([rot(0, p[0]), rot(1, p[1]), rot(2, p[2])])
    R = np.einsum("ij,jk,kl->il", Rs[2], Rs[1], Rs[0])
    moved = np.einsum("ij,nj->ni", R, POINTS) + p[3:]
    return np.sum((moved - POINTS[::-1]) ** 2) + np.einsum("ii", R)


@case(np.stack([np.cos(np.linspace(0, 2 * np.pi, 10)[:-1]),
                np.sin(np.linspace(0, 2 * np.pi, 10)[:-1])], axis=1).ravel() * 2, 33, scale=0.1)
def shoelace_area_axis_roll(v):
    """The shoelace area and centroid of an (n, 2) polygon by np.roll along axis 0."""
    P = v.reshape(9, 2)
    Q = np.roll(P, -1, axis=0)
    cross = P[:, 0] * Q[:, 1] - Q[:, 0] * P[:, 1]
    area = 0.5 * np.sum(cross)
    centroid = np.sum((P + Q) * cross[:, None], axis=0) / (6 * area)
    edges = np.linalg.norm(Q - P, axis=1)
    return area + np.sum(centroid ** 2) + np.var(edges)


# ------------------------------------------------------------ piecewise
INCOMES = np.array([8e3, 25e3, 48e3, 90e3, 200e3])


@case([10e3, 40e3, 100e3, 0.1, 0.25, 0.4], 34, scale=0.02, rtol=1e-5)
def tax_brackets_piecewise(p):
    """Progressive tax by np.piecewise on the income grid, brackets and rates as parameters."""
    b1, b2, b3, r1, r2, r3 = p

    def tax(y):
        return np.piecewise(y, [y < b1, (y >= b1) & (y < b2), (y >= b2) & (y < b3), y >= b3],
                            [0.0, lambda y: r1 * (y - b1),
                             lambda y: r1 * (b2 - b1) + r2 * (y - b2),
                             lambda y: r1 * (b2 - b1) + r2 * (b3 - b2) + r3 * (y - b3)])
    return np.sum(tax(INCOMES)) / 1e3


@case(np.linspace(-1.3, 2.3, 9), 35, scale=0.03)
def smoothstep_select(x):
    """A C1 smoothstep by np.select on three conditions, np.clip inside, and np.where outside."""
    t = np.clip(x, 0.0, 1.0)
    s = np.select([x < 0.0, x > 1.0], [np.zeros_like(x), np.ones_like(x)], t * t * (3 - 2 * t))
    return np.sum(s * np.arange(9.0)) + np.sum(np.where(x > 2.0, 2.0 * x - 3.5, x ** 2 / 8))


Y_HUBER = RS.standard_t(2, size=20)


@case(np.array([0.1, 1.0, 1.0], dtype=np.float32), 36, scale=0.05, rtol=3e-3, no_hessian=F32)
def huber_clip_float32(p):
    """A Huber loss by np.where and gradient clipping by np.clip, in float32."""
    r = Y_HUBER.astype(np.float32) - p[0] * p[1]
    delta = p[2]
    loss = np.where(np.abs(r) <= delta, 0.5 * r ** 2, delta * (np.abs(r) - 0.5 * delta))
    return np.mean(loss) + np.sum(np.clip(r, -delta, delta)) * np.float32(0.01)


# ------------------------------------------------------------ sorting
@case(RS.randn(12), 37)
def trimmed_mean_sort(x):
    """The 25% trimmed mean and a winsorized variance by np.sort and np.clip on order stats."""
    s = np.sort(x)
    trimmed = np.mean(s[3:-3])
    lo, hi = s[2], s[-3]
    wins = np.clip(x, lo, hi)
    return trimmed + np.var(wins)


PANEL = RS.randn(4, 6)


@case(np.linspace(1.0, 0.2, 6), 38, scale=0.1)
def owa_take_along_axis(w):
    """An ordered weighted average per row: np.argsort and np.take_along_axis on axis 1."""
    order = np.argsort(-PANEL * w, axis=1)
    ranked = np.take_along_axis(PANEL * w, order, axis=1)
    weights = special.softmax(-np.arange(6.0) * w[0])
    return np.sum(ranked @ weights) + np.sum(np.sort(PANEL * w, axis=0)[-1])


# ------------------------------------------------------------ linear algebra
Y_MVN = RS.randn(10, 3)
STRICT_LOWER = np.zeros((3, 3, 3))
STRICT_LOWER[(0, 1, 2), (1, 2, 2), (0, 0, 1)] = 1.0     # a basis of the strict lower triangle


@case([0.2, -0.1, 0.3, 0.5, 0.1, -0.2, 0.0, 0.1, 0.2], 39, scale=0.2)
def mvn_cholesky_slogdet(p):
    """A multivariate normal's log-likelihood by np.linalg.cholesky, solve_triangular, slogdet."""
    Lp = np.diag(np.exp(p[:3])) + np.einsum("k,kij->ij", p[3:6], STRICT_LOWER)
    S = Lp @ Lp.T + 0.1 * np.eye(3)
    C = np.linalg.cholesky(S)
    Z = sla.solve_triangular(C, (Y_MVN - p[6:]).T, lower=True)
    sign, logdet = np.linalg.slogdet(S)
    return 0.5 * np.sum(Z ** 2) + 5 * logdet + sign + 2 * np.sum(np.log(np.diag(C)))


T_FIT = np.linspace(-1, 1, 9)


@case(np.exp(T_FIT) + 0.1 * RS.randn(9), 40)
def polyfit_lstsq_vander(y):
    """A cubic fit by np.linalg.lstsq on np.vander, and its residual sum of squares."""
    A = np.vander(T_FIT, 4, increasing=True)
    coef, res, rank, sv = np.linalg.lstsq(A, y, rcond=None)
    return np.sum(coef * np.arange(1.0, 5.0)) + res[0]


@case(RS.randn(12), 41, scale=0.1)
def qr_projection_residual(a):
    """The residual of a projection on a basis by np.linalg.qr (reduced), and |det R|."""
    A = a.reshape(4, 3)
    Q, R = np.linalg.qr(A)
    b = np.array([1.0, 2.0, 0.5, -1.0])
    r = b - Q @ (Q.T @ b)
    return r @ r + np.log(np.abs(np.prod(np.diag(R))))


@case([1.0, 0.3, 0.2, 1.5, 0.1, 0.8], 42, scale=0.1)
def mahalanobis_inv_keepdims(p):
    """Mahalanobis distances with np.linalg.inv and reductions over axes with keepdims."""
    S = np.stack([np.stack([p[0], p[1], p[2]]), np.stack([p[1], p[3], p[4]]),
                  np.stack([p[2], p[4], p[5]])]) + np.eye(3)
    X = Y_MVN - Y_MVN.mean(axis=0, keepdims=True)
    d2 = np.sum((X @ np.linalg.inv(S)) * X, axis=1, keepdims=True)
    return np.sum(np.sqrt(d2)) / X.shape[0] + np.max(d2, axis=0)[0] \
        + np.linalg.det(S) + np.sum(np.min(S, axis=1, keepdims=True) ** 2)


# ------------------------------------------------------------ masks
MASK = RS.rand(5, 6) > 0.4
OBS = RS.randn(5, 6)


@case(0.5 * RS.randn(16), 43)
def masked_matrix_completion(p):
    """Low-rank completion scored only on observed entries: a constant boolean mask, both ways."""
    U, V = p[:10].reshape(5, 2), p[10:].reshape(2, 3)
    pred = U @ np.concatenate([V, V[:, ::-1]], axis=1)
    err = (pred - OBS)[MASK]
    return np.mean(err ** 2) + 0.1 * np.sum(np.where(MASK, 0.0, pred) ** 2)


PLACED = np.zeros((8, 3))
PLACED[[0, 3, 5], [0, 1, 2]] = 1.0


@case(RS.rand(8) + 0.5, 44, scale=0.1)
def masked_scatter_functional(x):
    """Updates through a boolean mask and integer positions, written without item assignment."""
    y = np.where(x > 1.0, 1.0 + np.log(x), x)       # y[x > 1] = 1 + log(x[x > 1])
    z = PLACED @ x[[1, 2, 7]] ** 2                   # z[[0, 3, 5]] = x[[1, 2, 7]] ** 2
    z = z + np.pad(x[:2], (1, 5))                    # z[1:3] += x[:2]
    return np.sum(y * z) + np.sum(x[np.array([True, False] * 4)])


# ------------------------------------------------------------ more NumPy idioms
ANCHORS = np.array([[0.0, 0.0], [3.0, 0.5], [1.0, 2.5], [-1.0, 1.5]])
RANGES = np.array([2.1, 2.0, 1.6, 1.5])


@case([0.8, 0.9], 45, scale=0.1)
def trilateration_hypot_arctan2(p):
    """A position from ranges: np.subtract.outer, np.hypot and bearings by np.arctan2."""
    dx, dy = np.subtract.outer(p[:1], ANCHORS[:, 0])[0], np.subtract.outer(p[1:], ANCHORS[:, 1])[0]
    r = np.hypot(dx, dy)
    bearing = np.arctan2(dy, dx)
    return np.sum((r - RANGES) ** 2) + 0.1 * np.sum(np.sin(bearing))


GROUPS = np.array([0, 1, 1, 2, 0, 2, 2, 1, 0, 3])
Y_GROUPS = RS.randn(10) + GROUPS


@case(np.concatenate([[0.1, 0.2, 0.3, 0.4], [0.5]]), 46, scale=0.3)
def group_means_bincount(p):
    """Random-effects shrinkage: group sums by np.bincount(weights=), counts by np.bincount."""
    tau2 = np.exp(p[4])
    fitted = Y_GROUPS - p[GROUPS]
    sums = np.bincount(GROUPS, weights=fitted, minlength=4)
    counts = np.bincount(GROUPS, minlength=4)
    shrunk = sums / (counts + 1.0 / tau2)
    return np.sum((fitted - shrunk[GROUPS]) ** 2) + np.sum(p[:4] ** 2) / tau2 + np.log(tau2)


GX, GY = np.meshgrid(np.linspace(-2, 2, 9), np.linspace(-1.5, 1.5, 7))


@case([0.3, -0.2, 0.8, 0.5], 47, scale=0.1)
def meshgrid_field_integral(p):
    """A Gaussian bump on an np.meshgrid grid, integrated by nested np.trapezoid, np.gradient."""
    field = p[3] * np.exp(-((GX - p[0]) ** 2 + (GY - p[1]) ** 2) / (2 * p[2] ** 2))
    total = np.trapezoid(np.trapezoid(field, GX[0], axis=1), GY[:, 0])
    fy, fx = np.gradient(field, GY[:, 0], GX[0])
    return total + 0.1 * np.sum(fx ** 2 + fy ** 2)


@case([0.5, -0.3, 0.2, 1.0, 0.4, -0.1], 48, scale=0.1)
def batched_solve_stack(p):
    """np.linalg.solve and np.linalg.det on a (4, 3, 3) stack built by broadcasting."""
    k = np.arange(1.0, 5.0)[:, None, None]
    A = np.eye(3) * (2.0 + k) + np.outer(p[:3], p[3:])[None] * np.sqrt(k)
    b = np.stack([np.ones(3), p[:3], p[3:], np.arange(3.0)])[..., None]
    x = np.linalg.solve(A, b)[..., 0]
    return np.sum(x ** 2) + np.sum(np.log(np.linalg.det(A))) + np.sum(np.matmul(A, A)[:, 0, 1])


T_EVENTS = np.array([1.0, 2.0, 2.5, 4.0, 5.5, 7.0])
AT_RISK = np.array([12, 10, 9, 7, 5, 3])


@case([-2.0, 0.1, -1.5], 49, scale=0.1)
def survival_cumprod_searchsorted(p):
    """A discrete survival curve by np.cumprod of 1 - hazard, read off by np.searchsorted."""
    hazard = scipy.special.expit(p[0] + p[1] * T_EVENTS)
    surv = np.cumprod(1.0 - hazard)
    idx = np.searchsorted(T_EVENTS, np.array([1.5, 3.0, 6.0]))
    median_gap = np.sum((surv[idx] - 0.5) ** 2)
    return median_gap - np.sum(AT_RISK * np.log1p(-hazard)) * 0.01 + np.exp(p[2]) * surv[-1]


@case([0.3, 1.2], 50, scale=0.1)
def erfc_diffusion_kron(p):
    """A diffusion front by SciPy's erfc on a separable grid built with np.kron and np.outer."""
    x, t = np.linspace(0.0, 2.0, 6), np.array([0.5, 1.0, 2.0])
    D, c0 = np.exp(p[0]), p[1]
    profile = c0 * scipy.special.erfc(np.outer(1.0 / np.sqrt(4 * D * t), x))
    weights = np.kron(np.array([1.0, 0.5, 0.25]), np.linspace(1.0, 0.0, 6)).reshape(3, 6)
    return np.sum(profile * weights) + np.sum(np.tril(np.outer(profile[0], profile[-1])))


PNL = (0.01 * RS.standard_t(4, size=30)).astype(np.float32)


@case(np.array([0.4, 0.3, 0.3], dtype=np.float32), 51, scale=0.1, rtol=5e-3, no_hessian=F32)
def sharpe_var_float32(w):
    """A float32 book: a Sharpe ratio by the .mean() and .std() methods, VaR by np.quantile."""
    pnl = np.outer(PNL, w) * np.array([1.0, 0.8, 1.3], dtype=np.float32)
    book = pnl.sum(axis=1)
    sharpe = book.mean() / book.std()
    var95 = -np.quantile(book, 0.05)
    return sharpe + 100 * var95 + np.float32(10.0) * np.linalg.norm(w, 3)


COST = RS.rand(4, 4).astype(np.float32)
PRIOR = np.full(4, 0.25, dtype=np.float32)


@case(np.linspace(-0.5, 0.5, 8).astype(np.float32), 52, scale=0.2, rtol=5e-3, no_hessian=F32)
def entropic_transport_float32(z):
    """An entropy-regularized transport plan in float32: SciPy's entr and rel_entr ufuncs."""
    a, b = special.softmax(z[:4]), special.softmax(z[4:])
    plan = np.outer(a, b)
    transport = np.sum(plan * COST)
    return transport - np.float32(0.1) * np.sum(scipy.special.entr(plan)) \
        + np.sum(scipy.special.rel_entr(a, PRIOR)) + np.sum(scipy.special.kl_div(b, PRIOR))


CLAIMS = RS.lognormal(1.0, 0.6, size=20)


@case([0.5, 1.0, 0.2], 53, scale=0.1)
def lognormal_claims_fit(p):
    """A claim-size model: stats.lognorm's logpdf, its 99% quantile by ppf and a tail by sf."""
    s, scale, loc = np.exp(p[0]) * 0.5, np.exp(p[1]), p[2]
    nll = -np.sum(stats.lognorm.logpdf(CLAIMS, s, loc=loc, scale=scale))
    var99 = stats.lognorm.ppf(0.99, s, loc=loc, scale=scale)
    return nll + 0.01 * var99 + 10 * stats.lognorm.sf(20.0, s, loc=loc, scale=scale)
