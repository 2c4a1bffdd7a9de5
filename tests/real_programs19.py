"""Array programs, part nineteen: numerical recipes and field code, as their authors write them.

Root finding and linear algebra written out by hand (Brent's ``zbrent`` from
Numerical Recipes, Householder QR by in-place reflections, Givens rotations
by ``np.hypot``, the cyclic Jacobi eigenvalue method over
``itertools.combinations``, Lanczos with full reorthogonalization and
``np.linalg.eigvalsh`` of its tridiagonal, GMRES on an Arnoldi basis with
``np.linalg.lstsq``, BiCGSTAB in a ``while`` on the residual, a recursive
multigrid V-cycle prolonged by ``np.interp``, a dogleg trust region), special functions
(Clenshaw's recurrence on a Chebyshev fit, the incomplete gamma function by
its series or Lentz's continued fraction with Lanczos' ``gammln``),
filters (Kalman filtering and Rauch-Tung-Striebel smoothing, a bootstrap
particle filter resampled by ``np.searchsorted`` of the cumulative weights,
Baum-Welch with scaling), curves and quadrature (de Boor's algorithm with
traced knots, adaptive Gauss-Kronrod on a ``heapq`` of intervals), finance
(Longstaff-Schwartz by ``np.polyfit`` on the in-the-money paths, a CDS
priced from a piecewise-constant hazard with its spreads in a dict),
geometry and graphics (Moller-Trumbore ray-triangle hits, Vincenty's
geodesic in a ``for ... else``), engineering (Manning's normal depth,
Hardy Cross on a pipe network in dicts, the explicit heat equation written
with ``out=`` buffers swapped each step), particles (SPH densities with a
cubic spline kernel, boids), learning (rotary position embeddings in
float32, a diagonal state space model on integer tokens, a convolution by
``sliding_window_view`` and max pooling, a Savitzky-Golay filter by
``np.linalg.pinv``), robotics (Denavit-Hartenberg links in a dataclass,
multiplied by ``functools.reduce``), Markov chains (absorption through the
fundamental matrix, states named by strings), economics (a life-cycle
consumption problem by the endogenous grid method), genetics (a
selection-mutation equilibrium), and the weather (day length by the sunrise
equation, the NWS heat index with its adjustments).
"""

from __future__ import annotations

import functools
import heapq
import itertools
import math
from dataclasses import dataclass

import numpy as np
from program_cases import Case, registrar

import tapegrad.scipy.linalg as sla
import tapegrad.scipy.special as special
import tapegrad.scipy.stats as stats

PROGRAMS: dict[str, Case] = {}
case = registrar(PROGRAMS)

RS = np.random.RandomState(19)
KINK = "piecewise: the Hessian's differences straddle a kink"
LOOP = "a loop to a tolerance: the Hessian's differences change its trip count"
EPS = np.finfo(float).eps
F32 = "float32 arithmetic: differences of the gradient at a step of 1e-5 are rounding"


# ------------------------------------------------------------ roots and linear algebra by hand
def _zbrent(func, a, b, tol=1e-14, itmax=100):
    """Numerical Recipes' zbrent: inverse quadratic interpolation, bisection as a fallback."""
    fa, fb = func(a), func(b)
    if (fa > 0 and fb > 0) or (fa < 0 and fb < 0):
        raise ValueError("root must be bracketed in zbrent")
    c, fc = b, fb
    for _ in range(itmax):
        if (fb > 0 and fc > 0) or (fb < 0 and fc < 0):
            c, fc = a, fa
            e = d = b - a
        if abs(fc) < abs(fb):
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        tol1 = 2.0 * EPS * abs(b) + 0.5 * tol
        xm = 0.5 * (c - b)
        if abs(xm) <= tol1 or fb == 0.0:
            return b
        if abs(e) >= tol1 and abs(fa) > abs(fb):
            s = fb / fa
            if a == c:
                p = 2.0 * xm * s
                q = 1.0 - s
            else:
                q = fa / fc
                r = fb / fc
                p = s * (2.0 * xm * q * (q - r) - (b - a) * (r - 1.0))
                q = (q - 1.0) * (r - 1.0) * (s - 1.0)
            if p > 0.0:
                q = -q
            p = abs(p)
            min1 = 3.0 * xm * q - abs(tol1 * q)
            min2 = abs(e * q)
            if 2.0 * p < (min1 if min1 < min2 else min2):
                e = d
                d = p / q
            else:
                d = xm
                e = d
        else:
            d = xm
            e = d
        a, fa = b, fb
        if abs(d) > tol1:
            b += d
        else:
            b += np.copysign(tol1, xm)
        fb = func(b)
    raise RuntimeError("maximum number of iterations exceeded in zbrent")


@case([2.0, 0.5, 1.0], 1, scale=0.05, no_hessian=LOOP, traces=3)
def brent_zbrent_transcendental(p):
    """The root of x^3 + a x - b cos(c x) - 1 by zbrent on [0, 3], and the slope there."""
    a, b, c = p
    root = _zbrent(lambda x: x ** 3 + a * x - b * np.cos(c * x) - 1.0, 0.0, 3.0)
    return root + 0.1 * (3 * root ** 2 + a + b * c * np.sin(c * root))


B_HH = np.array([1.0, 2.0, 0.5, -1.0, 3.0])


@case(np.concatenate([RS.randn(15), B_HH]), 2, scale=0.05)
def householder_qr_in_place(p):
    """Least squares by Householder reflections written into R and b in place, then back
    substitution by scipy.linalg.solve_triangular."""
    R = p[:15].reshape(5, 3).copy()
    qb = p[15:].copy()
    m, n = R.shape
    for k in range(n):
        x = R[k:, k]
        v = x.copy()
        v[0] += np.copysign(np.linalg.norm(x), x[0])
        v /= np.linalg.norm(v)
        R[k:, :] -= 2.0 * np.outer(v, v @ R[k:, :])
        qb[k:] -= 2.0 * v * (v @ qb[k:])
    coef = sla.solve_triangular(R[:n, :n], qb[:n])
    return coef @ np.array([1.0, -0.5, 0.25]) + np.sum(qb[n:] ** 2)


T_GV = np.linspace(-1.0, 1.0, 7)
Y_GV = 0.3 + 0.8 * T_GV - 0.5 * T_GV ** 2 + 0.05 * RS.randn(7)


@case([1.0, 0.0, 1.0], 3, scale=0.1)
def givens_least_squares_hypot(p):
    """A quadratic fit by Givens rotations (r = np.hypot(a, b)) on rows copied out and back."""
    stretch, shift, weight = p
    R = np.vander(stretch * T_GV + shift, 3)
    b = weight * Y_GV
    m, n = R.shape
    for j in range(n):
        for i in range(m - 1, j, -1):
            r = np.hypot(R[i - 1, j], R[i, j])
            c, s = R[i - 1, j] / r, R[i, j] / r
            upper, lower = R[i - 1].copy(), R[i].copy()
            R[i - 1], R[i] = c * upper + s * lower, -s * upper + c * lower
            bu, bl = b[i - 1], b[i]
            b[i - 1], b[i] = c * bu + s * bl, -s * bu + c * bl
    coef = np.zeros_like(b, shape=n)
    for i in range(n - 1, -1, -1):
        coef[i] = (b[i] - R[i, i + 1:] @ coef[i + 1:]) / R[i, i]
    return coef @ np.array([1.0, 2.0, 3.0]) + np.sum(b[n:] ** 2)


@case([4.0, 1.0, 0.5, 0.2, 3.0, 0.3, 0.1, 2.0, 0.4, 1.0], 4, scale=0.1, no_hessian=LOOP,
      traces=3)
def jacobi_eigenvalue_cyclic_sweeps(p):
    """The cyclic Jacobi method: rotations over itertools.combinations until the off-diagonal
    norm is below 1e-12; the eigenvalues sorted and weighted."""
    n = 4
    A = np.zeros_like(p, shape=(n, n))
    A[np.triu_indices(n)] = p
    A = A + np.triu(A, 1).T
    for sweep in range(30):  # noqa: B007
        off = np.sqrt(np.sum(np.triu(A, 1) ** 2))
        if off < 1e-12:
            break
        for i, j in itertools.combinations(range(n), 2):
            if A[i, j] == 0.0:
                continue
            theta = (A[j, j] - A[i, i]) / (2 * A[i, j])
            t = (1.0 if theta >= 0 else -1.0) / (abs(theta) + np.sqrt(theta ** 2 + 1))
            c = 1 / np.sqrt(t ** 2 + 1)
            s = t * c
            ai, aj = A[:, i].copy(), A[:, j].copy()
            A[:, i], A[:, j] = c * ai - s * aj, s * ai + c * aj
            ai, aj = A[i, :].copy(), A[j, :].copy()
            A[i, :], A[j, :] = c * ai - s * aj, s * ai + c * aj
    return np.sort(np.diag(A)) @ np.array([1.0, 0.5, -0.25, 2.0])


M_LZ = RS.randn(8, 8)
M_LZ = (M_LZ + M_LZ.T) / 2


@case(np.linspace(0.0, 3.0, 8), 5, scale=0.1)
def lanczos_reorthogonalized_eigvalsh(d):
    """Five Lanczos steps with full reorthogonalization; Ritz values by eigvalsh of T."""
    A = M_LZ + np.diag(d)
    n, k = len(d), 5
    Qs = [np.ones(n) / np.sqrt(n)]
    alphas, betas = [], []
    beta, q_prev = 0.0, np.zeros(n)
    for j in range(k):
        w = A @ Qs[-1] - beta * q_prev
        alpha = w @ Qs[-1]
        w = w - alpha * Qs[-1]
        Qm = np.stack(Qs, axis=1)
        w = w - Qm @ (Qm.T @ w)
        alphas.append(alpha)
        if j < k - 1:
            beta = np.linalg.norm(w)
            betas.append(beta)
            q_prev = Qs[-1]
            Qs.append(w / beta)
    T = np.diag(np.stack(alphas)) + np.diag(np.stack(betas), 1) + np.diag(np.stack(betas), -1)
    ritz = np.linalg.eigvalsh(T)
    return ritz[-1] + 0.5 * ritz[0]


A_GM = np.eye(6) * 3 + RS.randn(6, 6) * 0.4
B_GM = RS.randn(6)


@case([0.5, 1.0, 0.2], 6, scale=0.1)
def gmres_arnoldi_lstsq(p):
    """Four GMRES steps: an Arnoldi basis by modified Gram-Schmidt into H, y by lstsq."""
    A = A_GM + p[0] * np.eye(6) + p[2] * np.outer(B_GM, B_GM) / 6
    b = p[1] * B_GM
    m = 4
    beta = np.linalg.norm(b)
    V = [b / beta]
    H = np.zeros_like(p, shape=(m + 1, m))
    for j in range(m):
        w = A @ V[j]
        for i in range(j + 1):
            H[i, j] = w @ V[i]
            w = w - H[i, j] * V[i]
        H[j + 1, j] = np.linalg.norm(w)
        V.append(w / H[j + 1, j])
    e1 = np.zeros(m + 1)
    e1[0] = 1.0
    y = np.linalg.lstsq(H, beta * e1, rcond=None)[0]
    x = np.stack(V[:m], axis=1) @ y
    return x @ np.arange(1.0, 7.0) + np.linalg.norm(b - A @ x)


A_BC = np.array([[4.0, 1.0, 0.0, 0.5, 0.0], [-1.0, 5.0, 1.0, 0.0, 0.3], [0.2, 0.0, 3.0, 1.0, 0.0],
                 [0.0, 0.7, -1.0, 4.0, 1.0], [0.5, 0.0, 0.0, -0.4, 2.5]])
B_BC = np.array([1.0, -2.0, 0.5, 3.0, 1.0])


@case([0.0, 0.1, 0.2, -0.1, 0.3], 7, scale=0.1, no_hessian=LOOP)
def bicgstab_while_residual(d):
    """BiCGSTAB (van der Vorst) in a while loop until |r| <= 1e-12 |b|, with an iteration cap."""
    A = A_BC + np.diag(d)
    x = np.zeros(5)
    r = B_BC - A @ x
    r_hat = r.copy()
    rho = alpha = omega = 1.0
    v = pvec = np.zeros(5)
    it = 0
    while np.linalg.norm(r) > 1e-12 * np.linalg.norm(B_BC):
        rho_new = r_hat @ r
        beta = (rho_new / rho) * (alpha / omega)
        pvec = r + beta * (pvec - omega * v)
        v = A @ pvec
        alpha = rho_new / (r_hat @ v)
        s = r - alpha * v
        t = A @ s
        omega = (t @ s) / (t @ t)
        x = x + alpha * pvec + omega * s
        r = s - omega * t
        rho = rho_new
        it += 1
        if it > 50:
            raise RuntimeError("BiCGSTAB did not converge")
    return x @ np.array([1.0, 2.0, -1.0, 0.5, 1.5])


def _v_cycle(u, f, h, nu=2, w=2 / 3):
    """One multigrid V-cycle for -u'' = f with zero ends: damped Jacobi, full weighting."""
    n = len(u)
    if n <= 3:
        u[1:-1] = f[1:-1] * h ** 2 / 2
        return u
    for _ in range(nu):
        u[1:-1] = (1 - w) * u[1:-1] + w * 0.5 * (u[:-2] + u[2:] + h ** 2 * f[1:-1])
    r = np.zeros_like(u)
    r[1:-1] = f[1:-1] - (2 * u[1:-1] - u[:-2] - u[2:]) / h ** 2
    rc = r[::2].copy()
    rc[1:-1] = 0.25 * r[1:-2:2] + 0.5 * r[2:-1:2] + 0.25 * r[3::2]
    ec = _v_cycle(np.zeros_like(rc), rc, 2 * h, nu, w)
    u = u + np.interp(np.arange(n), np.arange(0, n, 2), ec)
    for _ in range(nu):
        u[1:-1] = (1 - w) * u[1:-1] + w * 0.5 * (u[:-2] + u[2:] + h ** 2 * f[1:-1])
    return u


X_MG = np.linspace(0.0, 1.0, 17)


@case([1.0, 2.0, 0.5], 8, scale=0.1)
def multigrid_v_cycle_recursive(p):
    """Three recursive V-cycles on 17 points for a source a sin(pi x) + b x^2 + c."""
    f = p[0] * np.sin(np.pi * X_MG) + p[1] * X_MG ** 2 + p[2]
    u = np.zeros_like(f)
    for _ in range(3):
        u = _v_cycle(u, f, X_MG[1] - X_MG[0])
    return np.sum(u * np.cos(X_MG)) * (X_MG[1] - X_MG[0])


@case([1.0, 10.0], 10, scale=0.05, no_hessian=LOOP, rtol=1e-5)
def trust_region_dogleg(p):
    """Nocedal and Wright's dogleg on (a - x)^2 + b (y - x^2)^2, radius by the ratio rho."""
    a, b = p

    def f(z):
        return (a - z[0]) ** 2 + b * (z[1] - z[0] ** 2) ** 2

    def grad(z):
        return np.stack([-2 * (a - z[0]) - 4 * b * z[0] * (z[1] - z[0] ** 2),
                         2 * b * (z[1] - z[0] ** 2)])

    def hess(z):
        return np.stack([np.stack([2 - 4 * b * (z[1] - 3 * z[0] ** 2), -4 * b * z[0]]),
                         np.stack([-4 * b * z[0], 2 * b])])
    x, delta = np.array([-1.2, 1.0]), 1.0
    for _ in range(200):
        g, H = grad(x), hess(x)
        if np.linalg.norm(g) < 1e-11:
            break
        p_b = -np.linalg.solve(H, g)
        if np.linalg.norm(p_b) <= delta:
            step = p_b
        else:
            p_u = -(g @ g) / (g @ H @ g) * g
            if np.linalg.norm(p_u) >= delta:
                step = delta * p_u / np.linalg.norm(p_u)
            else:
                d = p_b - p_u
                qa, qb, qc = d @ d, 2 * p_u @ d, p_u @ p_u - delta ** 2
                tau = (-qb + np.sqrt(qb ** 2 - 4 * qa * qc)) / (2 * qa)
                step = p_u + tau * d
        rho = (f(x) - f(x + step)) / -(g @ step + 0.5 * step @ H @ step)
        if rho < 0.25:
            delta = 0.25 * delta
        elif rho > 0.75 and abs(np.linalg.norm(step) - delta) < 1e-12:
            delta = min(2 * delta, 100.0)
        if rho > 0.1:
            x = x + step
    return x @ np.array([1.0, 2.0]) + f(x)


# ------------------------------------------------------------ special functions
@case([1.0, 2.0, 0.3], 11, scale=0.1)
def clenshaw_chebyshev_series(p):
    """Numerical Recipes' chebft and chebev: coefficients at the Chebyshev nodes, Clenshaw's
    recurrence over reversed(c[1:]), a generator summed by sum()."""
    n, lo, hi = 12, -1.0, 2.0
    k = np.arange(n)
    nodes = np.cos(np.pi * (k + 0.5) / n) * 0.5 * (hi - lo) + 0.5 * (hi + lo)
    fx = np.exp(p[2] * nodes) * np.sin(p[0] * nodes + p[1])
    c = [2.0 / n * np.sum(fx * np.cos(np.pi * j * (k + 0.5) / n)) for j in range(n)]

    def chebev(x):
        y = (2.0 * x - lo - hi) / (hi - lo)
        y2 = 2.0 * y
        d = dd = 0.0
        for cj in reversed(c[1:]):
            d, dd = y2 * d - dd + cj, d
        return y * d - dd + 0.5 * c[0]
    return sum(chebev(x) ** 2 for x in np.linspace(-0.9, 1.9, 7))


GAMMLN_COF = [76.18009172947146, -86.50532032941677, 24.01409824083091, -1.231739572450155,
              0.1208650973866179e-2, -0.5395239384953e-5]


def _gammln(xx):
    x = y = xx
    tmp = x + 5.5
    tmp -= (x + 0.5) * np.log(tmp)
    ser = 1.000000000190015
    for cof in GAMMLN_COF:
        y += 1
        ser += cof / y
    return -tmp + np.log(2.5066282746310005 * ser / x)


def _gser(a, x):
    ap = a
    total = delta = 1.0 / a
    for _ in range(300):
        ap += 1
        delta *= x / ap
        total += delta
        if abs(delta) < abs(total) * 3e-16:
            return total * np.exp(-x + a * np.log(x) - _gammln(a))
    raise RuntimeError("a too large, too few iterations in gser")


def _gcf(a, x):
    fpmin = 1e-300
    b = x + 1 - a
    c = 1 / fpmin
    d = 1 / b
    h = d
    for i in range(1, 300):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        if abs(d) < fpmin:
            d = fpmin
        c = b + an / c
        if abs(c) < fpmin:
            c = fpmin
        d = 1 / d
        delta = d * c
        h *= delta
        if abs(delta - 1) < 3e-16:
            return np.exp(-x + a * np.log(x) - _gammln(a)) * h
    raise RuntimeError("a too large, too few iterations in gcf")


def _gammp(a, x):
    if x < 0.0 or a <= 0.0:
        raise ValueError("invalid arguments in gammp")
    return _gser(a, x) if x < a + 1.0 else 1.0 - _gcf(a, x)


@case([2.5, 0.8, 3.0, 6.0], 12, scale=0.05, no_hessian=LOOP, rtol=1e-5, traces=2)
def incomplete_gamma_numerical_recipes(p):
    """gammp by its series below a + 1 and by the continued fraction above, gammln by Lanczos."""
    a = p[0]
    return sum(_gammp(a, x) * w for x, w in zip(p[1:], [1.0, 2.0, 3.0]))


# ------------------------------------------------------------ filters
Y_RTS = np.cumsum(0.2 + 0.3 * RS.randn(20)) + RS.randn(20) * 0.5


@case([-2.0, -4.0, -1.0], 13, scale=0.05)
def rts_smoother_local_linear_trend(p):
    """A local linear trend: Kalman filter forward, Rauch-Tung-Striebel backward, lists of
    the filtered and predicted moments, C from sla.solve of the predicted covariance."""
    q_level, q_slope, r = np.exp(p)
    F = np.array([[1.0, 1.0], [0.0, 1.0]])
    H = np.array([1.0, 0.0])
    Q = np.diag(np.stack([q_level, q_slope]))
    x, P = np.zeros(2), np.eye(2) * 10.0
    xs_f, Ps_f, xs_p, Ps_p = [], [], [], []
    for y in Y_RTS:
        xp, Pp = F @ x, F @ P @ F.T + Q
        S = H @ Pp @ H + r
        K = Pp @ H / S
        x = xp + K * (y - H @ xp)
        P = Pp - np.outer(K, H @ Pp)
        xs_p.append(xp)
        Ps_p.append(Pp)
        xs_f.append(x)
        Ps_f.append(P)
    xs, Ps = xs_f[-1], Ps_f[-1]
    smooth = [xs]
    for k in range(len(Y_RTS) - 2, -1, -1):
        C = sla.solve(Ps_p[k + 1], F @ Ps_f[k], assume_a="pos").T
        xs = xs_f[k] + C @ (xs - xs_p[k + 1])
        Ps = Ps_f[k] + C @ (Ps - Ps_p[k + 1]) @ C.T
        smooth.append(xs)
    level = np.stack(smooth[::-1])[:, 0]
    return np.sum((level - Y_RTS) ** 2) + np.trace(Ps)


T_PF, N_PF = 10, 24
NOISE_PF = RS.randn(T_PF, N_PF)
INIT_PF = RS.randn(N_PF)
U_PF = RS.rand(T_PF)
Y_PF = np.cumsum(RS.randn(T_PF) * 0.5)


@case([0.9, -1.0, -1.5], 14, scale=0.05, no_hessian=KINK)
def particle_filter_systematic_resampling(p):
    """A bootstrap particle filter for an AR(1) in noise with fixed draws: log-weights by
    stats.norm.logpdf, systematic resampling by np.searchsorted of np.cumsum of the weights."""
    phi, log_q, log_r = p
    q_sd, r_sd = np.exp(0.5 * log_q), np.exp(0.5 * log_r)
    particles = INIT_PF * q_sd
    loglik = 0.0
    for t in range(T_PF):
        particles = phi * particles + q_sd * NOISE_PF[t]
        logw = stats.norm.logpdf(Y_PF[t], particles, r_sd)
        m = np.max(logw)
        w = np.exp(logw - m)
        loglik += m + np.log(np.mean(w))
        w /= w.sum()
        positions = (U_PF[t] + np.arange(N_PF)) / N_PF
        idx = np.minimum(np.searchsorted(np.cumsum(w), positions), N_PF - 1)
        particles = particles[idx]
    return loglik


OBS_BW = np.array([0, 1, 1, 2, 0, 2, 2, 1, 0, 0, 1, 2, 2, 2, 0])


@case([0.5, -0.5, -0.3, 0.4, 0.6, 0.1, -0.4, -0.2, 0.1, 0.7], 15, scale=0.1)
def baum_welch_scaled_em_step(p):
    """Two Baum-Welch iterations with scaled forward and backward passes, rows divided in
    place (alpha[t] /= c[t]); the log-likelihood of the last E-step."""
    A = special.softmax(p[:4].reshape(2, 2), axis=1)
    B = special.softmax(p[4:10].reshape(2, 3), axis=1)
    pi = np.array([0.6, 0.4])
    T = len(OBS_BW)
    for _ in range(2):
        alpha = np.zeros_like(p, shape=(T, 2))
        c = np.zeros_like(p, shape=T)
        alpha[0] = pi * B[:, OBS_BW[0]]
        c[0] = alpha[0].sum()
        alpha[0] /= c[0]
        for t in range(1, T):
            alpha[t] = (alpha[t - 1] @ A) * B[:, OBS_BW[t]]
            c[t] = alpha[t].sum()
            alpha[t] /= c[t]
        beta = np.ones_like(alpha)
        for t in range(T - 2, -1, -1):
            beta[t] = A @ (B[:, OBS_BW[t + 1]] * beta[t + 1]) / c[t + 1]
        gamma = alpha * beta
        xi = sum(alpha[t][:, None] * A * (B[:, OBS_BW[t + 1]] * beta[t + 1])[None, :] / c[t + 1]
                 for t in range(T - 1))
        A = xi / xi.sum(axis=1, keepdims=True)
        B = np.stack([gamma[OBS_BW == k].sum(axis=0) for k in range(3)], axis=1)
        B = B / gamma.sum(axis=0)[:, None]
        pi = gamma[0]
    return np.sum(np.log(c))


# ------------------------------------------------------------ curves and quadrature
@case(np.concatenate([[0.0, 0.0, 1.0, 2.0, 2.0, 3.0, 4.0, 1.0, 5.0, 0.0, 6.0, 1.0, 7.0, 3.0],
                      [0.25, 0.5, 0.8]]), 16, scale=0.02)
def de_boor_bspline_traced_knots(p):
    """A cubic B-spline's length by de Boor's algorithm: its interior knots np.sort-ed
    from the parameters, each span found by np.searchsorted."""
    P = p[:14].reshape(7, 2)
    deg = 3
    t = np.concatenate([np.zeros(4), np.sort(p[14:]), np.ones(4)])
    total, prev = 0.0, None
    for x in np.linspace(0.02, 0.98, 13):
        k = np.searchsorted(t, x, side="right") - 1
        d = [P[j + k - deg] for j in range(deg + 1)]
        for r in range(1, deg + 1):
            for j in range(deg, r - 1, -1):
                alpha = (x - t[j + k - deg]) / (t[j + 1 + k - r] - t[j + k - deg])
                d[j] = (1.0 - alpha) * d[j - 1] + alpha * d[j]
        if prev is not None:
            total += np.linalg.norm(d[deg] - prev)
        prev = d[deg]
    return total


XGK = np.array([0.991455371120812639206854697526329, 0.949107912342758524526189684047851,
                0.864864423359769072789712788640926, 0.741531185599394439863864773280788,
                0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
                0.207784955007898467600689403773245, 0.0])
WGK = np.array([0.022935322010529224963732008058970, 0.063092092629978553290700663189204,
                0.104790010322250183839876322541518, 0.140653259715525918745189590510238,
                0.169004726639267902826583426598550, 0.190350578064785409913256402421014,
                0.204432940075298892414161999234649, 0.209482141084727828012999174891714])
WG = np.array([0.129484966168869693270611432679082, 0.279705391489276667901467771423780,
               0.381830050505118944950369775488975, 0.417959183673469387755102040816327])


def _gk15(f, a, b):
    centre, half = 0.5 * (a + b), 0.5 * (b - a)
    x = np.concatenate([centre - half * XGK[:-1], [centre], centre + half * XGK[:-1][::-1]])
    fx = f(x)
    wk = np.concatenate([WGK[:-1], WGK[-1:], WGK[:-1][::-1]])
    wg = np.concatenate([WG[:-1], WG[-1:], WG[:-1][::-1]])
    kronrod = half * (wk @ fx)
    gauss = half * (wg @ fx[1::2])
    return kronrod, abs(kronrod - gauss)


@case([1.3, 0.2, 0.5], 17, scale=0.05, no_hessian=LOOP, traces=3)
def gauss_kronrod_adaptive_heap(p):
    """Adaptive G7-K15 quadrature: the interval with the largest error popped off a heapq of
    (-error, a, b, value) tuples and halved until the summed error is below 1e-10."""
    def f(x):
        return 1.0 / ((x - p[0]) ** 2 + p[1] ** 2) + p[2] * np.sin(3 * x)
    value, err = _gk15(f, 0.0, 4.0)
    heap = [(-err, 0.0, 4.0, value)]
    total_err = err
    while total_err > 1e-10 and len(heap) < 60:
        neg_err, a, b, v = heapq.heappop(heap)
        m = 0.5 * (a + b)
        v1, e1 = _gk15(f, a, m)
        v2, e2 = _gk15(f, m, b)
        total_err += e1 + e2 + neg_err
        heapq.heappush(heap, (-e1, a, m, v1))
        heapq.heappush(heap, (-e2, m, b, v2))
    return sum(item[3] for item in sorted(heap, key=lambda item: item[1]))


# ------------------------------------------------------------ finance
MASK_SHAPE = ("S[t][itm] with itm = K - S[t] > 0 of traced S: a traced boolean mask makes a "
              "shape depend on a value, refused by contract in every transform (the error "
              "names tg.where), where NumPy's E[itm] of a constant E runs under grad")
Z_LS = np.random.RandomState(7).randn(8, 60)
Z_LS = np.concatenate([Z_LS, -Z_LS], axis=1)


@case([1.0, 0.25, 0.05], 18, scale=0.02, no_hessian=KINK, rtol=1e-5,
      xfail=tuple((test, MASK_SHAPE) for test in ("jit", "grad", "jit_grad", "vmap", "jvp")))
def longstaff_schwartz_american_put(p):
    """An American put by Longstaff-Schwartz on antithetic paths: np.polyfit of the discounted
    cash flows on the in-the-money paths (a boolean mask), exercise where it pays more."""
    s0, sigma, r = p
    strike, n = 1.0, Z_LS.shape[0]
    dt = 1.0 / n
    S = s0 * np.exp(np.cumsum((r - 0.5 * sigma ** 2) * dt + sigma * np.sqrt(dt) * Z_LS, axis=0))
    cash = np.maximum(strike - S[-1], 0.0)
    for t in range(n - 2, -1, -1):
        cash = cash * np.exp(-r * dt)
        itm = strike - S[t] > 0
        if itm.sum() < 3:
            continue
        X, Y = S[t][itm], cash[itm]
        continuation = np.polyval(np.polyfit(X, Y, 2), X)
        exercise = strike - X
        cash[itm] = np.where(exercise > continuation, exercise, Y)
    return np.exp(-r * dt) * np.mean(cash)


CDS_TENORS = np.array([1.0, 3.0, 5.0, 7.0])


@case([0.01, 0.015, 0.02, 0.025], 19, scale=0.1)
def cds_par_spread_piecewise_hazard(h):
    """CDS par spreads from a piecewise-constant hazard: survival by np.cumsum over the
    segments found by np.searchsorted, spreads in a dict keyed '3y', '5y', '7y'."""
    recovery, rate = np.float64(0.4), np.float64(0.03)
    times = np.arange(0.25, 7.01, 0.25)
    edges = np.concatenate([[0.0], CDS_TENORS])
    seg = np.searchsorted(CDS_TENORS, times, side="left")
    cum = np.concatenate([[0.0], np.cumsum(h * np.diff(edges))])
    surv = np.exp(-(cum[seg] + h[seg] * (times - edges[seg])))
    disc = np.exp(-rate * times)
    prev = np.concatenate([[1.0], surv[:-1]])
    accrual = np.diff(np.concatenate([[0.0], times])) * disc * 0.5 * (surv + prev)
    protection = (1 - recovery) * disc * (prev - surv)
    spreads = {}
    for tenor in (3.0, 5.0, 7.0):
        upto = times <= tenor + 1e-9
        spreads[f"{int(tenor)}y"] = np.sum(protection[upto]) / np.sum(accrual[upto])
    return 1e4 * (spreads["5y"] + 0.5 * spreads["3y"] - 0.2 * spreads["7y"])


# ------------------------------------------------------------ geometry and graphics
TRI_MT = np.stack([np.stack([np.array([x0, y0, 3.0 + 0.3 * y0]),
                             np.array([x0 + 1.2, y0 + 0.1, 3.2]),
                             np.array([x0 + 0.2, y0 + 1.1, 2.9 + 0.2 * x0])])
                   for x0 in (-1.0, 0.0) for y0 in (-1.0, 0.0)])
DIRS_MT = np.array([[dx, dy, 1.0] for dx in (-0.25, -0.05, 0.1, 0.3) for dy in (-0.2, 0.15)])


@case([2.0, 3.0, -1.0, 0.05, -0.05, 0.1], 20, scale=0.05, no_hessian=KINK)
def moller_trumbore_ray_triangles(p):
    """Moller-Trumbore ray-triangle intersection, the nearest hit by np.argmin of np.where(hit,
    t, inf), Lambert shading from a light; a miss appends 0.0."""
    light, shift = p[:3], p[3:]
    v0, v1, v2 = TRI_MT[:, 0] + shift, TRI_MT[:, 1] + shift, TRI_MT[:, 2] + shift
    e1, e2 = v1 - v0, v2 - v0
    origin = np.zeros(3)
    image = []
    for d in DIRS_MT:
        h = np.cross(d, e2)
        a = np.einsum("ij,ij->i", e1, h)
        f = 1.0 / a
        s = origin - v0
        u = f * np.einsum("ij,ij->i", s, h)
        q = np.cross(s, e1)
        v = f * (q @ d)
        t = f * np.einsum("ij,ij->i", e2, q)
        hit = (np.abs(a) > 1e-9) & (u >= 0) & (v >= 0) & (u + v <= 1) & (t > 1e-6)
        t_hit = np.where(hit, t, np.inf)
        k = np.argmin(t_hit)
        if np.isinf(t_hit[k]):
            image.append(0.0)
            continue
        normal = np.cross(e1[k], e2[k])
        normal = normal / np.linalg.norm(normal)
        to_light = light - (origin + t_hit[k] * d)
        image.append(abs(normal @ to_light) / np.linalg.norm(to_light) / (1 + t_hit[k]))
    return sum(image)


@case([51.5, -0.12, 40.7, -74.0], 21, scale=0.02, no_hessian=LOOP, rtol=1e-5, traces=2)
def vincenty_inverse_geodesic(p):
    """Vincenty's inverse formula on WGS-84: lambda iterated to 1e-12 in a for ... else that
    raises when it does not converge; an early return for coincident points."""
    lat1, lon1, lat2, lon2 = np.radians(p)
    a, f = 6378137.0, 1 / 298.257223563
    b = (1 - f) * a
    U1, U2 = np.arctan((1 - f) * np.tan(lat1)), np.arctan((1 - f) * np.tan(lat2))
    L = lon2 - lon1
    lam = L
    for _ in range(200):
        sin_lam, cos_lam = np.sin(lam), np.cos(lam)
        sin_sigma = np.sqrt((np.cos(U2) * sin_lam) ** 2 + (
            np.cos(U1) * np.sin(U2) - np.sin(U1) * np.cos(U2) * cos_lam) ** 2)
        if sin_sigma == 0:
            return 0.0
        cos_sigma = np.sin(U1) * np.sin(U2) + np.cos(U1) * np.cos(U2) * cos_lam
        sigma = np.arctan2(sin_sigma, cos_sigma)
        sin_alpha = np.cos(U1) * np.cos(U2) * sin_lam / sin_sigma
        cos2_alpha = 1 - sin_alpha ** 2
        cos_2sm = cos_sigma - 2 * np.sin(U1) * np.sin(U2) / cos2_alpha if cos2_alpha != 0 else 0.0
        C = f / 16 * cos2_alpha * (4 + f * (4 - 3 * cos2_alpha))
        lam_prev = lam
        lam = L + (1 - C) * f * sin_alpha * (sigma + C * sin_sigma * (
            cos_2sm + C * cos_sigma * (-1 + 2 * cos_2sm ** 2)))
        if abs(lam - lam_prev) < 1e-12:
            break
    else:
        raise ValueError("Vincenty's formula failed to converge")
    u2 = cos2_alpha * (a ** 2 - b ** 2) / b ** 2
    A = 1 + u2 / 16384 * (4096 + u2 * (-768 + u2 * (320 - 175 * u2)))
    B = u2 / 1024 * (256 + u2 * (-128 + u2 * (74 - 47 * u2)))
    delta_sigma = B * sin_sigma * (cos_2sm + B / 4 * (cos_sigma * (-1 + 2 * cos_2sm ** 2)
                                                      - B / 6 * cos_2sm * (-3 + 4 * sin_sigma ** 2)
                                                      * (-3 + 4 * cos_2sm ** 2)))
    return b * A * (sigma - delta_sigma) / 1000.0


# ------------------------------------------------------------ engineering
@case([10.0, 0.015, 1.0, 3.0, 1.5], 22, scale=0.05, no_hessian=LOOP, rtol=1e-5)
def manning_trapezoidal_normal_depth(p):
    """The normal depth of a trapezoidal channel by Newton on Manning's equation (y -= step),
    then the Froude number there; the bed slope given per mille."""
    Q, n_man, slope_permille, width, side = p
    slope = slope_permille / 1000
    y = 1.0
    for _ in range(50):
        A = (width + side * y) * y
        P = width + 2 * y * np.sqrt(1 + side ** 2)
        F = A ** (5 / 3) / P ** (2 / 3) * np.sqrt(slope) / n_man - Q
        dA, dP = width + 2 * side * y, 2 * np.sqrt(1 + side ** 2)
        dF = np.sqrt(slope) / n_man * (5 / 3 * A ** (2 / 3) * dA / P ** (2 / 3)
                                       - 2 / 3 * A ** (5 / 3) * dP / P ** (5 / 3))
        step = F / dF
        y -= step
        if abs(step) < 1e-13 * y:
            break
    A = (width + side * y) * y
    froude = Q / A / np.sqrt(9.81 * A / (width + 2 * side * y))
    return y + froude


PIPES_HC = {"AB": (300.0, 0), "BC": (250.0, 0.3), "CD": (300.0, 0.25), "AD": (250.0, 0.3),
            "BD": (350.0, 1)}
LOOPS_HC = {"I": [("AB", 1), ("BD", 1), ("AD", -1)], "II": [("BC", 1), ("CD", 1), ("BD", -1)]}


@case([0.12, 0.3, 0.2, 120.0], 23, scale=0.05, no_hessian=LOOP, rtol=1e-5, traces=2)
def hardy_cross_pipe_network_dict(p):
    """Hardy Cross on two loops: Hazen-Williams resistances and flows in dicts keyed by pipe,
    loop corrections until the largest is below 1e-12."""
    q_in, d_ab, d_bd, c_hw = p
    diameters = {"AB": d_ab, "BD": d_bd}
    K = {name: 10.67 * length / (c_hw ** 1.852 * diameters.get(name, d) ** 4.87)
         for name, (length, d) in PIPES_HC.items()}
    Q = {"AB": 0.5 * q_in, "AD": 0.5 * q_in, "BD": 0.1 * q_in, "BC": 0.4 * q_in,
         "CD": 0.1 * q_in}
    for _ in range(100):
        largest = 0.0
        for members in LOOPS_HC.values():
            num = sum(sign * K[nm] * Q[nm] * abs(Q[nm]) ** 0.852 for nm, sign in members)
            den = sum(1.852 * K[nm] * abs(Q[nm]) ** 0.852 for nm, sign in members)
            dq = -num / den
            for nm, sign in members:
                Q[nm] = Q[nm] + sign * dq
            largest = max(largest, abs(dq))
        if largest < 1e-12:
            break
    return sum(K[nm] * abs(Q[nm]) ** 1.852 for nm in Q) + 10 * Q["BC"]


@case([1.0, 1.0], 24, scale=0.05)
def heat_explicit_out_buffers(p):
    """The explicit heat equation as NumPy's manuals write it: np.multiply, np.add and
    np.subtract into out= buffers made by np.empty_like, the two buffers swapped each step."""
    kappa, amp = p
    nx = 21
    dx = 1.0 / (nx - 1)
    dt = 0.4 * dx ** 2
    u = amp * np.sin(np.pi * np.linspace(0.0, 1.0, nx)) ** 2
    u_new, lap = np.empty_like(u), np.empty_like(u)
    for _ in range(30):
        np.subtract(np.roll(u, 1) + np.roll(u, -1), 2 * u, out=lap)
        np.multiply(lap, kappa * dt / dx ** 2, out=lap)
        np.add(u, lap, out=u_new)
        u_new[0] = u_new[-1] = 0.0
        u, u_new = u_new, u
    return np.sum(u ** 2) * dx


# ------------------------------------------------------------ particles
@case(np.array([0.0, 0.0, 0.5, 0.1, 1.0, -0.1, 0.2, 0.6, 0.7, 0.5, 1.2, 0.6, 0.4, 1.1, 0.9,
                1.0]), 25, scale=0.05, rtol=1e-5)
def sph_cubic_spline_density(p):
    """SPH: densities by the cubic spline kernel of all pairwise distances (zero on the
    diagonal, sqrt of zero), pressures by Tait's equation, the pressure energy."""
    pos = p.reshape(8, 2)
    h, mass = 0.6, 1.0
    d = pos[:, None, :] - pos[None, :, :]
    r = np.sqrt(np.sum(d ** 2, axis=-1))
    q = r / h
    sigma = 10 / (7 * np.pi * h ** 2)
    W = sigma * np.where(q < 1, 1 - 1.5 * q ** 2 + 0.75 * q ** 3,
                         np.where(q < 2, 0.25 * (2 - q) ** 3, 0.0))
    rho = mass * W.sum(axis=1)
    pressure = (rho / 1.5) ** 7 - 1
    return np.sum(pressure / rho) + np.sum(rho ** 2)


POS_BD = RS.rand(10, 2) * 3
VEL_BD = RS.randn(10, 2) * 0.5
EYE_BD = np.eye(10, dtype=bool)


@case([0.05, 0.1, 0.3], 26, scale=0.05, no_hessian=KINK)
def boids_flocking_rules(p):
    """Reynolds' boids: cohesion and alignment over a boolean neighbour matrix (near @ pos),
    separation by np.where, speeds capped at 2."""
    w_coh, w_ali, w_sep = p
    pos, vel = POS_BD, VEL_BD
    for _ in range(12):
        d = pos[:, None, :] - pos[None, :, :]
        dist = np.sqrt((d ** 2).sum(-1)) + EYE_BD
        near = (dist < 1.5) & ~EYE_BD
        count = np.maximum(near.sum(1, keepdims=True), 1)
        centre = (near @ pos) / count
        avg_vel = (near @ vel) / count
        close = (dist < 0.6) & ~EYE_BD
        sep = np.sum(np.where(close[..., None], d / dist[..., None] ** 2, 0.0), axis=1)
        vel = vel + w_coh * (centre - pos) + w_ali * (avg_vel - vel) + w_sep * sep
        speed = np.linalg.norm(vel, axis=1, keepdims=True)
        vel = np.where(speed > 2.0, vel / speed * 2.0, vel)
        pos = pos + 0.1 * vel
    return np.sum(np.var(pos, axis=0)) + np.mean(np.linalg.norm(vel, axis=1))


# ------------------------------------------------------------ learning
X_ROPE = RS.randn(6, 4)


@case(0.4 * RS.randn(48), 27, scale=0.1, rtol=2e-3, fd_step=1e-2, no_hessian=F32)
def rope_rotary_attention_float32(theta):
    """Causal attention in float32 with rotary position embeddings written into np.empty_like
    by strided slices, masked by np.where(mask, -np.inf, scores)."""
    x = X_ROPE.astype(np.float32)
    Wq, Wk, Wv = (w.reshape(4, 4).astype(np.float32) for w in np.split(theta, 3))
    inv_freq = 1.0 / (10000 ** (np.arange(0, 4, 2) / 4))
    ang = np.outer(np.arange(6), inv_freq).astype(np.float32)
    cos, sin = np.cos(ang), np.sin(ang)

    def rotate(v):
        v1, v2 = v[:, 0::2], v[:, 1::2]
        out = np.empty_like(v)
        out[:, 0::2] = v1 * cos - v2 * sin
        out[:, 1::2] = v1 * sin + v2 * cos
        return out
    q, k = rotate(x @ Wq), rotate(x @ Wk)
    scores = q @ k.T / np.sqrt(np.float32(4))
    scores = np.where(np.triu(np.ones((6, 6), dtype=bool), 1), -np.inf, scores)
    scores -= scores.max(axis=-1, keepdims=True)
    att = np.exp(scores)
    att /= att.sum(axis=-1, keepdims=True)
    return np.sum((att @ (x @ Wv)) ** 2)


TOKENS_SSM = RS.randint(0, 5, size=12)


@case(0.5 * RS.randn(27), 28, scale=0.1)
def diagonal_ssm_token_embeddings(theta):
    """A diagonal state space model (S4D-real, zero-order hold) over integer tokens looked up
    in an embedding table, targets and weights from np.bincount of the tokens."""
    E = theta[:10].reshape(5, 2)
    A = -np.exp(theta[10:14])
    dt = np.exp(theta[14])
    Bm, Cm = theta[15:23].reshape(4, 2), theta[23:27]
    a_bar = np.exp(dt * A)
    b_bar = ((a_bar - 1) / A)[:, None] * Bm
    h = np.zeros(4)
    ys = []
    for tok in TOKENS_SSM:
        h = a_bar * h + b_bar @ E[tok]
        ys.append(Cm @ h)
    target = TOKENS_SSM % 2
    weight = 1.0 / np.bincount(TOKENS_SSM, minlength=5)[TOKENS_SSM]
    return np.sum(weight * (np.stack(ys) - target) ** 2) / weight.sum()


IMG_CV = RS.rand(8, 8)


@case(np.concatenate([0.5 * RS.randn(9), [0.1, 1.0]]), 29, scale=0.1, no_hessian=KINK)
def conv2d_sliding_window_maxpool(theta):
    """A 3x3 convolution by np.lib.stride_tricks.sliding_window_view and einsum, ReLU, 2x2 max
    pooling by reshape and max over two axes."""
    kernel, bias, gain = theta[:9].reshape(3, 3), theta[9], theta[10]
    windows = np.lib.stride_tricks.sliding_window_view(gain * IMG_CV, (3, 3))
    fmap = np.maximum(np.einsum("ijkl,kl->ij", windows, kernel) + bias, 0.0)
    pooled = fmap.reshape(3, 2, 3, 2).max(axis=(1, 3))
    return np.sum(pooled ** 2) / 9


NOISE_SG = RS.randn(40) * 0.1


@case([1.0, 1.5, 1.0], 30, scale=0.05, no_hessian=KINK)
def savitzky_golay_pinv_convolve(p):
    """The SciPy cookbook's savitzky_golay: coefficients from np.linalg.pinv of a Vandermonde
    matrix, ends mirrored with np.abs, np.convolve(..., mode='valid')."""
    amp, freq, noise = p
    t = np.linspace(0.0, 1.0, 40)
    clean = amp * np.sin(2 * np.pi * freq * t)
    y = clean + noise * NOISE_SG
    window, order = 7, 2
    half = window // 2
    b = np.array([[k ** i for i in range(order + 1)] for k in range(-half, half + 1)])
    m = np.linalg.pinv(b)[0]
    firstvals = y[0] - np.abs(y[1:half + 1][::-1] - y[0])
    lastvals = y[-1] + np.abs(y[-half - 1:-1][::-1] - y[-1])
    smooth = np.convolve(m[::-1], np.concatenate((firstvals, y, lastvals)), mode="valid")
    return np.sum((smooth - clean) ** 2)


# ------------------------------------------------------------ robotics, Markov chains
@dataclass(frozen=True)
class DHLink:
    a: float
    alpha: float
    d: float
    offset: float = 0.0


LINKS_DH = [DHLink(0.0, math.pi / 2, 0.3), DHLink(0.4, 0.0, 0.0), DHLink(0.35, 0.0, 0.0),
            DHLink(0.0, math.pi / 2, 0.1, offset=math.pi / 2)]
TARGET_DH = np.array([0.3, 0.2, 0.6])


def _dh_transform(link, q):
    ct, st = np.cos(q + link.offset), np.sin(q + link.offset)
    ca, sa = math.cos(link.alpha), math.sin(link.alpha)
    return np.stack([np.stack([ct, -st * ca, st * sa, link.a * ct]),
                     np.stack([st, ct * ca, -ct * sa, link.a * st]),
                     np.array([0.0, sa, ca, link.d]), np.array([0.0, 0.0, 0.0, 1.0])])


@case([0.3, 0.5, -0.4, 0.2], 31, scale=0.05)
def dh_forward_kinematics_reduce(q):
    """Denavit-Hartenberg links in a frozen dataclass, the chain by functools.reduce(np.matmul);
    of three elbow variants the one nearest the target, by sorted(key=...)."""
    poses = []
    for elbow in (1.0, -1.0, 0.5):
        angles = q * np.array([1.0, elbow, elbow, 1.0])
        T = functools.reduce(np.matmul, (_dh_transform(link, a)
                                         for link, a in zip(LINKS_DH, angles)), np.eye(4))
        poses.append(T)
    best = sorted(poses, key=lambda T: np.linalg.norm(T[:3, 3] - TARGET_DH))[0]
    return np.sum((best[:3, 3] - TARGET_DH) ** 2) + 0.1 * np.trace(best[:3, :3])


STATES_MC = ["start", "middle", "near", "won", "lost"]


@case([0.2, 0.5, 1.0, -1.5], 32, scale=0.1)
def absorbing_markov_chain_fundamental(p):
    """An absorbing chain with states named by strings: transitions in a dict of dicts (with
    .get(state, 0.0)), N = inv(I - Q), expected steps and the probability of winning."""
    up = special.expit(p[:3])
    stay = 0.5 * special.expit(p[3])
    P = {s: {} for s in STATES_MC}
    P["start"].update(middle=up[0] * (1 - stay), lost=(1 - up[0]) * (1 - stay), start=stay)
    P["middle"].update(near=up[1] * (1 - stay), start=(1 - up[1]) * (1 - stay), middle=stay)
    P["near"].update(won=up[2] * (1 - stay), middle=(1 - up[2]) * (1 - stay), near=stay)
    transient = [s for s in STATES_MC if s not in ("won", "lost")]
    absorbing = [s for s in STATES_MC if s in ("won", "lost")]
    Q = np.stack([np.stack([P[a].get(b, 0.0) for b in transient]) for a in transient])
    R = np.stack([np.stack([P[a].get(b, 0.0) for b in absorbing]) for a in transient])
    N = np.linalg.inv(np.eye(len(transient)) - Q)
    steps = N @ np.ones(len(transient))
    won = (N @ R)[:, absorbing.index("won")]
    return steps[transient.index("start")] + 10 * won[0]


# ------------------------------------------------------------ economics, demography, weather
Y_EGM = np.array([0.6, 1.4])
PI_EGM = np.array([[0.8, 0.2], [0.3, 0.7]])
S_EGM = np.linspace(0.0, 6.0, 16)


@case([0.95, 2.0, 0.03], 33, scale=0.02, no_hessian=KINK)
def lifecycle_endogenous_grid(p):
    """A 20-period consumption-savings problem by Carroll's endogenous grid method: the next
    policy by np.interp on the traced cash-on-hand grid, (0, 0) prepended for the constraint."""
    beta, gamma, r = p
    gross = 1.0 + r
    m_grid = [np.concatenate([[0.0], S_EGM + 1.0]) for _ in Y_EGM]
    c_grid = [m.copy() for m in m_grid]
    for _ in range(20):
        new_m, new_c = [], []
        for i in range(len(Y_EGM)):
            emu = 0.0
            for j, y_next in enumerate(Y_EGM):
                c_next = np.interp(gross * S_EGM + y_next, m_grid[j], c_grid[j])
                emu = emu + PI_EGM[i, j] * c_next ** -gamma
            c_now = (beta * gross * emu) ** (-1.0 / gamma)
            new_m.append(np.concatenate([[0.0], S_EGM + c_now]))
            new_c.append(np.concatenate([[0.0], c_now]))
        m_grid, c_grid = new_m, new_c
    return sum(np.interp(2.0, m, c) for m, c in zip(m_grid, c_grid))


@case([0.3, 0.5, 0.02, 0.01], 35, scale=0.05, no_hessian=LOOP, traces=3)
def selection_mutation_equilibrium(p):
    """One locus, two alleles: selection (s, h) then mutation (mu, nu) each generation in a
    while True until the frequency moves less than 1e-14; the equilibrium and its load."""
    s, h, mu, nu = p
    q, gens = 0.5, 0
    while True:
        p_a = 1 - q
        wbar = p_a ** 2 + 2 * p_a * q * (1 - h * s) + q ** 2 * (1 - s)
        q_sel = (p_a * q * (1 - h * s) + q ** 2 * (1 - s)) / wbar
        q_new = (1 - nu) * q_sel + mu * (1 - q_sel)
        gens += 1
        if abs(q_new - q) < 1e-14 or gens > 5000:
            q = q_new
            break
        q = q_new
    return q + 10 * (1 - wbar)


DAYS_SR = np.arange(1, 366, 14)


@case([52.0, 23.44, -0.833], 36, scale=0.02, no_hessian=KINK)
def sunrise_day_length_degrees(p):
    """Day length by the sunrise equation in degrees (np.radians, np.degrees) over integer days
    of the year, cos(h) clipped for polar days, the mean and np.ptp of the year."""
    lat, tilt, altitude = p
    decl = np.degrees(np.arcsin(np.sin(np.radians(tilt))
                                * np.sin(np.radians(360 / 365.24 * (DAYS_SR - 81)))))
    cos_h = (np.sin(np.radians(altitude)) - np.sin(np.radians(lat)) * np.sin(np.radians(decl))) / (
        np.cos(np.radians(lat)) * np.cos(np.radians(decl)))
    day_length = 2 * np.degrees(np.arccos(np.clip(cos_h, -1.0, 1.0))) / 15
    return np.mean(day_length) + 0.1 * np.ptp(day_length)


TEMPS_HI = np.array([70.0, 78.0, 84.0, 88.0, 95.0, 102.0, 86.0, 90.0, 100.0])
RH_HI = np.array([40.0, 60.0, 88.0, 50.0, 10.0, 8.0, 90.0, 70.0, 12.0])


@case([0.5, 1.0], 37, scale=0.05, no_hessian=KINK)
def heat_index_rothfusz_adjustments(p):
    """The NWS heat index: Steadman's simple formula below 80 F, Rothfusz' regression above,
    its dry and humid adjustments, each selected by np.where on combined masks."""
    offset, rh_scale = p
    T = TEMPS_HI + offset
    R = np.clip(RH_HI * rh_scale, 0.0, 100.0)
    simple = 0.5 * (T + 61.0 + (T - 68.0) * 1.2 + R * 0.094)
    hi = (-42.379 + 2.04901523 * T + 10.14333127 * R - 0.22475541 * T * R - 0.00683783 * T * T
          - 0.05481717 * R * R + 0.00122874 * T * T * R + 0.00085282 * T * R * R
          - 0.00000199 * T * T * R * R)
    dry = (13 - R) / 4 * np.sqrt(np.maximum(17 - np.abs(T - 95.0), 0.0) / 17)
    humid = (R - 85) / 10 * ((87 - T) / 5)
    hi = np.where((R < 13) & (T >= 80) & (T <= 112), hi - dry, hi)
    hi = np.where((R > 85) & (T >= 80) & (T <= 87), hi + humid, hi)
    return np.sum(np.where((simple + T) / 2 < 80, simple, hi))


EVENTS_RT = np.array([[3.0, 0.0, 5.0], [1.0, 2.0, 0.0], [4.0, 6.0, 2.0]])
ZERO_EXPOSURE = np.array([[False, True, False], [False, False, True], [False, False, False]])


@case([1.0, 2.0, 1.5, 0.2], 38, scale=0.05, rtol=1e-5)
def crude_rates_safe_divide(p):
    """Crude event rates per cell with the usual guard, np.divide(events, exposure,
    out=np.zeros_like(exposure), where=exposure > 0), cells of no exposure left at zero,
    then a standardized rate by direct standardization."""
    scale, age_slope, region, drop = p
    exposure = scale * np.outer(np.exp(age_slope * np.array([0.0, 0.5, 1.0])),
                                np.stack([1.0, region, 2.0]))
    exposure = np.where(ZERO_EXPOSURE, 0.0, exposure - drop)
    rates = np.divide(EVENTS_RT, exposure, out=np.zeros_like(exposure), where=exposure > 0)
    standard = np.array([0.5, 0.3, 0.2])
    return standard @ rates @ np.array([1.0, 1.0, 1.0]) + np.max(rates)


@case([0.8, 1.0, 0.3], 39, scale=0.05)
def crank_nicolson_solve_banded(p):
    """The heat equation by Crank-Nicolson, the implicit half by scipy.linalg.solve_banded of
    the tridiagonal held as three rows (ab[0, 0] and ab[2, -1] left at zero, never read)."""
    kappa, amp, width = p
    n, dx, dt = 30, 1.0 / 31, 0.002
    x = np.arange(1, n + 1) * dx
    u = amp * np.exp(-((x - 0.5) / width) ** 2)
    r = kappa * dt / dx ** 2
    ab = np.zeros_like(p, shape=(3, n))
    ab[0, 1:] = -r / 2
    ab[1, :] = 1 + r
    ab[2, :-1] = -r / 2
    for _ in range(15):
        rhs = (1 - r) * u
        rhs[1:] += r / 2 * u[:-1]
        rhs[:-1] += r / 2 * u[1:]
        u = sla.solve_banded((1, 1), ab, rhs)
    return np.sum(u ** 2) * dx + u[n // 3]


@case([2.0, 0.5, 1.0], 40, scale=0.05)
def smoothing_spline_solveh_banded(p):
    """A Whittaker smoother: (I + lam D'D) z = y with D the second differences, the symmetric
    pentadiagonal held by its upper diagonals for scipy.linalg.solveh_banded."""
    log_lam, amp, freq = p
    n = 25
    t = np.linspace(0.0, 1.0, n)
    y = amp * np.sin(2 * np.pi * freq * t) + 0.1 * np.cos(17 * t)
    lam = np.exp(log_lam)
    D = np.diff(np.eye(n), 2, axis=0)
    P = D.T @ D
    ab = np.stack([np.concatenate([np.zeros(2), np.diagonal(P, 2)]),
                   np.concatenate([np.zeros(1), np.diagonal(P, 1)]), np.diagonal(P)])
    ab = lam * ab + np.array([[0.0], [0.0], [1.0]])
    z = sla.solveh_banded(ab, y)
    return np.sum((z - y) ** 2) + np.sum(np.diff(z, 2) ** 2)


# ------------------------------------------------------------ more of Python's own modules
@case([0.1, 0.25, 0.45, 0.7, 1.0, 30.0, 12.0], 43, scale=0.03, no_hessian=KINK)
def bisect_rate_schedule(p):
    """A marginal schedule looked up by bisect.bisect_right on a list of traced thresholds,
    the tax summed band by band over incomes; the thresholds stretched by the last two."""
    import bisect
    rates = list(p[:5])
    thresholds = [0.0, p[5], p[5] + p[6], 2 * p[5] + p[6], 3 * p[5] + 2 * p[6]]
    total = 0.0
    for income in (8.0, 25.0, 44.0, 61.0, 90.0, 130.0):
        band = bisect.bisect_right(thresholds, income) - 1
        tax = sum(rates[i] * (thresholds[i + 1] - thresholds[i]) for i in range(band))
        total = total + tax + rates[band] * (income - thresholds[band])
    return total


@case([0.3, 0.5, 0.8], 44, scale=0.05, no_hessian=KINK, traces=2)
def deque_rolling_window_signal(p):
    """A rolling mean and max over a collections.deque(maxlen=5) fed sample by sample, a
    crossing detector on them; itertools.accumulate of the running maximum."""
    import collections
    a, b, c = p
    t = np.linspace(0.0, 4.0, 30)
    signal = a * np.sin(3 * t) + b * np.cos(7 * t + c) + 0.2 * t
    window = collections.deque(maxlen=5)
    means, peaks = [], []
    for v in signal:
        window.append(v)
        means.append(sum(window) / len(window))
        peaks.append(max(window))
    running = list(itertools.accumulate(signal, max))
    crossings = sum(1 for m, s in zip(means, signal) if s > m)
    return sum(means) / len(means) + np.mean(np.stack(peaks)) + running[-1] + 0.01 * crossings


@case([100.0, 0.3, 0.04, 0.1], 45, scale=0.03, no_hessian=KINK)
def american_put_binomial_lru_cache(p):
    """An American put on a CRR tree by recursion memoized with functools.lru_cache over the
    node's integer coordinates, the parameters closed over."""
    s0, sigma, r, strike_rel = p
    n, T = 12, 1.0
    dt = T / n
    u = np.exp(sigma * np.sqrt(dt))
    d = 1 / u
    q = (np.exp(r * dt) - d) / (u - d)
    disc = np.exp(-r * dt)
    strike = s0 * (1 + strike_rel)

    @functools.lru_cache(maxsize=None)  # noqa: UP033  (as the program was written)
    def value(i, j):
        spot = s0 * u ** j * d ** (i - j)
        exercise = np.maximum(strike - spot, 0.0)
        if i == n:
            return exercise
        hold = disc * (q * value(i + 1, j + 1) + (1 - q) * value(i + 1, j))
        return np.maximum(exercise, hold)
    return value(0, 0)


@case([1.0, 0.5, 2.0, 0.3], 47, scale=0.05, traces=2)
def itertools_pipeline_moments(p):
    """A pipeline of Python iterators: map over pairs, itertools.islice of an infinite
    itertools.count-driven generator, starmap, zip(*) to transpose, and pairwise differences."""
    a, b, c, d = p

    def samples():
        for k in itertools.count():
            t = 0.1 * k
            yield t, a * np.exp(-b * t) + c * np.sin(t) + d * t ** 2

    points = list(itertools.islice(samples(), 25))
    ts, ys = zip(*points)
    slopes = list(itertools.starmap(lambda p0, p1: (p1[1] - p0[1]) / (p1[0] - p0[0]),
                                    itertools.pairwise(points)))
    energy = sum(map(lambda s: s * s, slopes)) / len(slopes)
    return energy + sum(ys) / len(ys) + max(ys) * ts[-1]
