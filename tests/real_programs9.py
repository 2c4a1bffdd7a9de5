"""Programs for ``test_real_programs9.py``: numerical code as people write it, one vector each.

Finance (GARCH(1,1), an American put on a binomial tree, Heston by Euler, Hagan's
SABR smile, a yield by Newton, Nelson-Siegel, CVaR by Rockafellar-Uryasev, risk
parity on a shrunk ``np.cov``, Black-Scholes by Crank-Nicolson), statistics
(ordinal logit, Cox's partial likelihood, a Hawkes process, Yule-Walker by a
Toeplitz solve, factor analysis, Bayesian evidence, a Matern GP by ``cho_solve``,
2PL item response, Plackett-Luce, a zero-inflated Poisson, stick breaking, a
Laplace approximation, temperature scaling, Holt's smoothing, IWAE), learning
(distillation with label smoothing, a triplet loss, an RBM's free energy, NMF,
a pre-norm GELU block, mixture of experts, an RBF network by ``lstsq``, nuclear
norm completion, Frank-Wolfe, exponentiated gradient, golden section search,
spectral clustering, PageRank, a Markov chain's stationary law) and physics,
engineering and geometry (LQR by Riccati, a Verlet orbit, Burgers, a beam, the
brachistochrone, a hanging chain, Fermat's principle, a quantum well, an RLC
Bode fit, enzyme kinetics, sphere tracing, the isoperimetric ratio, a mesh's
area, Catmull-Rom, a DFT, a variational hydrogen atom, a lookup table, a KDE
and coupled oscillators by RK4).

SciPy's non-ufunc functions come from ``tapegrad.scipy`` under SciPy's own
module names (``sla``, ``special``); ``test_real_programs9`` runs each such
program with SciPy's modules too and compares the numbers.
"""

from __future__ import annotations

import numpy as np
import scipy.special
from test_real_programs2 import Program, rng

import tapegrad.scipy.linalg as sla
import tapegrad.scipy.special as special

PROGRAMS: dict[str, object] = {}


def program(fn):
    PROGRAMS[fn.__name__] = fn
    return fn


# ------------------------------------------------------------ finance
@program
def garch11_loglik():
    r = 0.01 * rng(200).standard_t(5, 40)

    def f(p):
        omega, alpha, beta = np.exp(p[0]), scipy.special.expit(p[1]), scipy.special.expit(p[2])
        sigma2, ll = np.var(r), 0.0
        for t in range(len(r)):
            ll += -0.5 * (np.log(2 * np.pi) + np.log(sigma2) + r[t] ** 2 / sigma2)
            sigma2 = omega + alpha * r[t] ** 2 + beta * sigma2
        return -ll
    return Program(f, np.array([np.log(2e-5), -2.0, 1.5]))


@program
def binomial_tree_american_put():
    def f(p):
        sigma, S0, K, T, r, N = p[0], p[1], 100.0, 1.0, 0.03, 25
        dt = T / N
        u = np.exp(sigma * np.sqrt(dt))
        d = 1 / u
        q = (np.exp(r * dt) - d) / (u - d)
        j = np.arange(N + 1)
        V = np.maximum(K - S0 * u ** (N - j) * d ** j, 0.0)
        for i in range(N - 1, -1, -1):
            j = np.arange(i + 1)
            S = S0 * u ** (i - j) * d ** j
            V = np.maximum(np.exp(-r * dt) * (q * V[:-1] + (1 - q) * V[1:]), K - S)
        return V[0]
    return Program(f, np.array([0.25, 98.3]))


@program
def heston_euler_paths():
    rs = rng(201)
    Z1, Z2 = rs.randn(80, 12), rs.randn(80, 12)

    def f(p):
        kappa, theta, xi, rho = p[0], p[1], p[2], np.tanh(p[3])
        S, v, K, T, r, n = np.full(80, 100.0), np.full(80, 0.04), 100.0, 1.0, 0.01, 12
        dt = T / n
        for k in range(n):
            vp = np.maximum(v, 0.0)
            zv = rho * Z1[:, k] + np.sqrt(1 - rho ** 2) * Z2[:, k]
            S = S * np.exp((r - 0.5 * vp) * dt + np.sqrt(vp * dt) * Z1[:, k])
            v = v + kappa * (theta - vp) * dt + xi * np.sqrt(vp * dt) * zv
        return np.exp(-r * T) * np.mean(np.maximum(S - K, 0.0))
    return Program(f, np.array([2.0, 0.04, 0.2, -0.6]))


@program
def sabr_hagan_smile():
    F, T, beta = 0.03, 2.0, 0.5
    K = np.array([0.02, 0.025, 0.028, 0.032, 0.035, 0.04])
    market = np.array([0.33, 0.29, 0.275, 0.262, 0.258, 0.26])

    def sabr_vol(alpha, rho, nu):
        FK, logFK = F * K, np.log(F / K)
        z = nu / alpha * FK ** ((1 - beta) / 2) * logFK
        x = np.log((np.sqrt(1 - 2 * rho * z + z ** 2) + z - rho) / (1 - rho))
        A = alpha / (FK ** ((1 - beta) / 2) * (1 + (1 - beta) ** 2 / 24 * logFK ** 2 +
                                               (1 - beta) ** 4 / 1920 * logFK ** 4))
        B = 1 + ((1 - beta) ** 2 / 24 * alpha ** 2 / FK ** (1 - beta) +
                 rho * beta * nu * alpha / (4 * FK ** ((1 - beta) / 2)) +
                 (2 - 3 * rho ** 2) / 24 * nu ** 2) * T
        return A * z / x * B

    def f(p):
        return 1e4 * np.sum((sabr_vol(p[0], np.tanh(p[1]), np.exp(p[2])) - market) ** 2)
    return Program(f, np.array([0.05, -0.3, np.log(0.5)]))


@program
def yield_to_maturity_newton():
    times = np.arange(1.0, 6.0)

    def f(p):
        price, coupon = p[0], p[1]
        cfs = coupon * np.ones(5) + np.array([0, 0, 0, 0, 100.0])
        y = 0.05
        while True:
            disc = np.exp(-y * times)
            step = (np.sum(cfs * disc) - price) / -np.sum(times * cfs * disc)
            y = y - step
            if abs(step) < 1e-12:
                break
        duration = np.sum(times * cfs * np.exp(-y * times)) / price
        return y + 0.01 * duration
    return Program(f, np.array([97.0, 4.5]))


@program
def nelson_siegel_fit():
    tau = np.array([0.25, 0.5, 1, 2, 3, 5, 7, 10, 20, 30.0])
    yields = 0.04 - 0.02 * np.exp(-tau / 2) + 0.001 * rng(202).randn(10)

    def f(p):
        b0, b1, b2, lam = p[0], p[1], p[2], np.exp(p[3])
        x = tau / lam
        load1 = (1 - np.exp(-x)) / x
        load2 = load1 - np.exp(-x)
        return 1e4 * np.sum((b0 + b1 * load1 + b2 * load2 - yields) ** 2)
    return Program(f, np.array([0.04, -0.02, 0.01, 0.5]))


@program
def cvar_rockafellar_uryasev():
    R = 0.02 * rng(203).randn(40, 4) + np.array([0.01, 0.005, 0.002, 0.008])

    def f(p):
        w = np.exp(p[:4]) / np.sum(np.exp(p[:4]))
        alpha = p[4]
        losses = -R @ w
        return alpha + np.mean(np.maximum(losses - alpha, 0.0)) / (1 - 0.9) - 0.5 * np.mean(R @ w)
    return Program(f, np.array([0.1, -0.2, 0.3, 0.0, 0.0123]))


@program
def risk_parity_shrunk_cov():
    returns = rng(204).randn(60, 4) * np.array([0.01, 0.02, 0.015, 0.03])

    def f(z):
        w = np.exp(z[:4]) / np.sum(np.exp(z[:4]))
        delta = scipy.special.expit(z[4])
        S = (1 - delta) * np.cov(returns, rowvar=False) + delta * np.diag(np.var(returns, axis=0))
        sigma = np.sqrt(w @ S @ w)
        contributions = w * (S @ w) / sigma
        return 1e6 * np.sum((contributions - sigma / 4) ** 2)
    return Program(f, np.array([0.3, -0.1, 0.0, -0.5, 0.2]))


@program
def black_scholes_crank_nicolson():
    def f(p):
        sigma, r = p[0], p[1]
        M, N, Smax, K, T = 30, 20, 200.0, 100.0, 1.0
        S = np.linspace(0, Smax, M + 1)[1:-1]
        dt = T / N
        i = np.arange(1, M)
        a = 0.25 * dt * (sigma ** 2 * i ** 2 - r * i)
        b = -0.5 * dt * (sigma ** 2 * i ** 2 + r)
        c = 0.25 * dt * (sigma ** 2 * i ** 2 + r * i)
        A = np.diag(1 - b) - np.diag(a[1:], -1) - np.diag(c[:-1], 1)
        B = np.diag(1 + b) + np.diag(a[1:], -1) + np.diag(c[:-1], 1)
        V = np.maximum(S - K, 0.0)
        for n in range(N):
            edge = (Smax - K * np.exp(-r * n * dt)) + (Smax - K * np.exp(-r * (n + 1) * dt))
            bc = np.concatenate([np.zeros(M - 2), c[-1:] * edge])
            V = np.linalg.solve(A, B @ V + bc)
        return np.interp(K + 3.0, S, V)
    return Program(f, np.array([0.2, 0.03]))


# ------------------------------------------------------------ statistics
@program
def ordinal_logit_cutpoints():
    rs = rng(205)
    X = rs.randn(30, 3)
    y = np.digitize(X @ np.array([1.0, -0.5, 0.3]) + 0.5 * rs.randn(30), [-0.7, 0.0, 0.8])

    def f(p):
        beta = p[:3]
        cut = np.cumsum(np.concatenate([p[3:4], np.exp(p[4:6])]))
        cdf = scipy.special.expit(cut[None, :] - (X @ beta)[:, None])
        cdf = np.hstack([np.zeros((30, 1)), cdf, np.ones((30, 1))])
        probs = cdf[np.arange(30), y + 1] - cdf[np.arange(30), y]
        return -np.sum(np.log(probs))
    return Program(f, np.array([0.5, -0.2, 0.1, -0.6, -0.3, -0.2]))


@program
def cox_partial_likelihood():
    rs = rng(206)
    X = rs.randn(25, 3)
    time = rs.exponential(1.0, 25)
    event = rs.rand(25) < 0.7
    order = np.argsort(-time)

    def f(beta):
        eta = (X @ beta)[order]
        log_risk = np.log(np.cumsum(np.exp(eta)))     # risk sets, latest times first
        return -np.sum((eta - log_risk)[event[order]]) + 0.01 * np.sum(beta ** 2)
    return Program(f, np.array([0.3, -0.2, 0.5]))


@program
def hawkes_exponential_loglik():
    ts, T = np.sort(rng(207).rand(25) * 10), 10.0

    def f(p):
        mu, alpha, beta = np.exp(p)
        ll, A = 0.0, 0.0
        for i in range(len(ts)):                  # Ozaki's recursion
            if i > 0:
                A = np.exp(-beta * (ts[i] - ts[i - 1])) * (1 + A)
            ll += np.log(mu + alpha * A)
        ll -= mu * T + alpha / beta * np.sum(1 - np.exp(-beta * (T - ts)))
        return -ll
    return Program(f, np.log(np.array([1.5, 0.5, 1.2])))


@program
def yule_walker_toeplitz():
    e = rng(208).randn(60)

    def f(p):
        x = np.convolve(e, p, mode="valid")
        n = len(x)
        x = x - x.mean()
        r = np.correlate(x, x, mode="full")[n - 1:n + 2] / n
        R = sla.toeplitz(r[:2])
        phi = np.linalg.solve(R, r[1:3])
        return phi @ np.array([1.0, 0.5]) + np.log(r[0] - phi @ r[1:3])
    return Program(f, np.array([1.0, 0.6, -0.2]))


@program
def factor_analysis_slogdet():
    rs = rng(209)
    X = rs.randn(50, 2) @ rs.randn(2, 4) + 0.3 * rs.randn(50, 4)
    X = X - X.mean(axis=0)
    S = X.T @ X / 50

    def f(p):
        W, psi = p[:8].reshape(4, 2), np.exp(p[8:])
        C = W @ W.T + np.diag(psi)
        sign, logdet = np.linalg.slogdet(C)
        return 0.5 * 50 * (logdet + np.trace(np.linalg.solve(C, S)))
    return Program(f, np.concatenate([0.5 * rng(210).randn(8), np.log(0.2 * np.ones(4))]))


@program
def bayesian_linreg_evidence():
    rs = rng(211)
    x = np.linspace(-1, 1, 20)
    t = np.sin(2 * x) + 0.1 * rs.randn(20)
    Phi = np.vander(x, 4, increasing=True)

    def f(p):                                   # Bishop's (3.86), minus
        alpha, beta = np.exp(p)
        A = alpha * np.eye(4) + beta * Phi.T @ Phi
        m = beta * np.linalg.solve(A, Phi.T @ t)
        E = beta / 2 * np.sum((t - Phi @ m) ** 2) + alpha / 2 * m @ m
        return -(4 / 2 * np.log(alpha) + 20 / 2 * np.log(beta) - E -
                 0.5 * np.linalg.slogdet(A)[1] - 20 / 2 * np.log(2 * np.pi))
    return Program(f, np.array([0.0, 3.0]))


@program
def gp_matern52_cho_solve():
    x = np.sort(rng(212).rand(10)) * 4
    y = np.sin(x) + 0.1 * rng(213).randn(10)

    def f(p):
        ell, sf, sn = np.exp(p)
        r = np.abs(x[:, None] - x[None, :]) / ell
        K = sf ** 2 * (1 + np.sqrt(5) * r + 5 / 3 * r ** 2) * np.exp(-np.sqrt(5) * r)
        K = K + sn ** 2 * np.eye(10)
        c, low = sla.cho_factor(K, lower=True)
        alpha = sla.cho_solve((c, low), y)
        return 0.5 * y @ alpha + np.sum(np.log(np.diag(c))) + 5 * np.log(2 * np.pi)
    return Program(f, np.array([0.2, 0.0, -1.5]))


@program
def item_response_2pl():
    rs = rng(214)
    theta = rs.randn(30)
    Y = (rs.rand(30, 4) < scipy.special.expit(theta[:, None] - [-1.0, 0.0, 0.5, 1.0])) * 1.0

    def f(p):
        a, b = np.exp(p[:4]), p[4:]
        logits = a * (theta[:, None] - b)
        return -np.sum(Y * logits - np.logaddexp(0, logits)) + 0.5 * np.sum(p ** 2)
    return Program(f, np.array([0.1, -0.2, 0.0, 0.3, -0.8, 0.1, 0.4, 1.2]))


@program
def plackett_luce_rankings():
    rankings = [np.array(r) for r in ([0, 2, 1, 4, 3], [2, 0, 1, 3, 4], [0, 1, 2, 3, 4],
                                      [4, 2, 0, 3, 1], [1, 0, 2, 4, 3])]

    def f(s):
        ll = 0.0
        for order in rankings:
            z = s[order]
            ll += np.sum(z - np.log(np.cumsum(np.exp(z[::-1]))[::-1]))
        return -ll + 0.5 * np.sum(s ** 2)
    return Program(f, np.array([0.5, 0.2, 0.1, -0.3, -0.4]))


@program
def zero_inflated_poisson():
    rs = rng(215)
    x = rs.randn(40)
    y = np.where(rs.rand(40) < 0.3, 0, rs.poisson(np.exp(0.5 + 0.4 * x)))

    def f(p):
        lam, pi = np.exp(p[0] + p[1] * x), scipy.special.expit(p[2])
        ll_zero = np.log(pi + (1 - pi) * np.exp(-lam))
        ll_pos = np.log(1 - pi) - lam + y * np.log(lam) - scipy.special.gammaln(y + 1)
        return -np.sum(np.where(y == 0, ll_zero, ll_pos))
    return Program(f, np.array([0.4, 0.3, -0.8]))


@program
def stick_breaking_mixture():
    data = np.concatenate([rng(216).randn(15) - 2, rng(217).randn(15) + 2])

    def f(p):
        v = scipy.special.expit(p[:4])
        w = np.concatenate([v, [1.0]]) * np.concatenate([[1.0], np.cumprod(1 - v)])
        comp = -0.5 * (data[:, None] - p[4:9][None, :]) ** 2 - 0.5 * np.log(2 * np.pi)
        return -np.sum(special.logsumexp(comp + np.log(w), axis=1))
    return Program(f, np.array([0.2, 0.1, -0.3, 0.0, -2.0, -0.5, 0.3, 1.5, 2.5]))


@program
def laplace_logistic_evidence():
    rs = rng(218)
    X0 = rs.randn(30, 3)
    y = (rs.rand(30) < scipy.special.expit(X0 @ np.array([1.0, -1.0, 0.5]))) * 1.0

    def f(p):
        alpha, X = np.exp(p[0]), X0 * np.exp(p[1])
        w = np.zeros(3)
        for _ in range(10):                       # Newton to the posterior mode
            mu = scipy.special.expit(X @ w)
            H = X.T @ (X * (mu * (1 - mu))[:, None]) + alpha * np.eye(3)
            w = w + np.linalg.solve(H, X.T @ (y - mu) - alpha * w)
        z = X @ w
        log_joint = np.sum(y * z - np.logaddexp(0, z)) - 0.5 * alpha * w @ w + 1.5 * np.log(alpha)
        return -(log_joint - 0.5 * np.linalg.slogdet(H)[1])
    return Program(f, np.array([0.0, -0.1]))


@program
def platt_scaling_log_expit():
    rs = rng(252)
    labels = rs.rand(40) < 0.5
    scores = np.where(labels, 1.0, -1.0) + 1.5 * rs.randn(40)
    n_pos, n_neg = labels.sum(), (~labels).sum()
    t = np.where(labels, (n_pos + 1) / (n_pos + 2), 1 / (n_neg + 2))   # Platt's targets

    def f(p):
        z = p[0] * scores + p[1]
        return -np.sum(t * scipy.special.log_expit(z) + (1 - t) * scipy.special.log_expit(-z))
    return Program(f, np.array([1.2, -0.1]))


@program
def temperature_scaling():
    rs = rng(219)
    labels = rs.randint(0, 3, 50)
    logits = 3 * rs.randn(50, 3) + 2 * np.eye(3)[labels]

    def f(p):
        z = logits / np.exp(p[0]) + p[1:]
        return -np.mean(z[np.arange(50), labels] - special.logsumexp(z, axis=1))
    return Program(f, np.array([0.5, 0.1, -0.1, 0.0]))


@program
def holt_linear_smoothing():
    y = np.cumsum(0.5 + rng(220).randn(30))

    def f(p):
        alpha, beta = scipy.special.expit(p)
        level, trend, sse = y[0], y[1] - y[0], 0.0
        for t in range(1, len(y)):
            sse += (y[t] - (level + trend)) ** 2
            new_level = alpha * y[t] + (1 - alpha) * (level + trend)
            trend = beta * (new_level - level) + (1 - beta) * trend
            level = new_level
        return sse
    return Program(f, np.array([0.3, -1.0]))


@program
def importance_weighted_bound():
    x_obs = np.array([0.5, -1.0, 2.0])

    def f(p):
        eps = np.random.default_rng(0).standard_normal((10, 2))
        mu, log_s, W = p[:2], p[2:4], p[4:].reshape(3, 2)
        z = mu + np.exp(log_s) * eps                # the reparameterization trick
        log_pz = -0.5 * np.sum(z ** 2, axis=1) - np.log(2 * np.pi)
        log_px = -0.5 * np.sum((x_obs - z @ W.T) ** 2, axis=1) - 1.5 * np.log(2 * np.pi)
        log_q = -0.5 * np.sum(eps ** 2, axis=1) - np.sum(log_s) - np.log(2 * np.pi)
        return -(special.logsumexp(log_pz + log_px - log_q) - np.log(10))
    return Program(f, np.concatenate([[0.1, -0.2, -0.5, -0.7], 0.5 * rng(221).randn(6)]))


# ------------------------------------------------------------ learning
@program
def distillation_label_smoothing():
    rs = rng(222)
    X, teacher, labels = rs.randn(20, 4), 2 * rs.randn(20, 3), rs.randint(0, 3, 20)

    def f(w):
        s, T = X @ w.reshape(4, 3), 2.0
        pt = special.softmax(teacher / T, axis=1)
        kl = np.sum(pt * (np.log(pt) - special.log_softmax(s / T, axis=1))) / 20 * T ** 2
        targets = np.eye(3)[labels] * 0.9 + 0.1 / 3
        ce = -np.sum(targets * special.log_softmax(s, axis=1)) / 20
        return 0.5 * kl + 0.5 * ce
    return Program(f, 0.3 * rng(223).randn(12))


@program
def triplet_margin_loss():
    rs = rng(224)
    X = rs.randn(9, 4)
    anchor, positive, negative = np.array([0, 3, 6]), np.array([1, 4, 7]), np.array([5, 8, 2])

    def f(w):
        emb = X @ w.reshape(2, 4).T
        emb = emb / np.linalg.norm(emb, axis=1, keepdims=True)
        d_ap = np.sum((emb[anchor] - emb[positive]) ** 2, axis=1)
        d_an = np.sum((emb[anchor] - emb[negative]) ** 2, axis=1)
        return np.mean(np.maximum(d_ap - d_an + 1.0, 0.0))
    return Program(f, rng(225).randn(8))


@program
def rbm_free_energy():
    rs = rng(226)
    V, V_neg = (rs.rand(20, 6) < 0.5) * 1.0, (rs.rand(20, 6) < 0.3) * 1.0

    def f(p):
        W, b, c = p[:12].reshape(6, 2), p[12:18], p[18:]

        def free_energy(v):
            return -v @ b - np.sum(np.logaddexp(0, v @ W + c), axis=1)
        return np.mean(free_energy(V)) - np.mean(free_energy(V_neg)) + 0.05 * np.sum(p ** 2)
    return Program(f, 0.3 * rng(227).randn(20))


@program
def nmf_multiplicative_updates():
    V = rng(228).rand(6, 5) + 0.1

    def f(p):
        W, H = np.exp(p[:12]).reshape(6, 2), np.exp(p[12:]).reshape(2, 5)
        for _ in range(8):                         # Lee and Seung
            H = H * (W.T @ V) / (W.T @ W @ H + 1e-9)
            W = W * (V @ H.T) / (W @ H @ H.T + 1e-9)
        return np.sum((V - W @ H) ** 2)
    return Program(f, 0.3 * rng(229).randn(22))


@program
def prenorm_gelu_block():
    rs = rng(230)
    X = rs.randn(5, 4)

    def layer_norm(h, eps=1e-5):
        mu, var = h.mean(axis=-1, keepdims=True), h.var(axis=-1, keepdims=True)
        return (h - mu) / np.sqrt(var + eps)

    def gelu(h):
        return 0.5 * h * (1 + scipy.special.erf(h / np.sqrt(2)))

    def f(p):
        W1, W2 = p[:24].reshape(4, 6), p[24:].reshape(6, 4)
        h = X + gelu(layer_norm(X) @ W1) @ W2
        return np.sum(layer_norm(h)[:, 0] * np.arange(5.0))
    return Program(f, 0.4 * rng(231).randn(48))


@program
def mixture_of_experts():
    rs = rng(232)
    X = rs.randn(25, 2)
    y = np.where(X[:, 0] > 0, X @ [1.0, 2.0], X @ [-1.0, 0.5])

    def f(p):
        G, E = p[:6].reshape(2, 3), p[6:].reshape(3, 2)
        scores = X @ G
        gates = np.exp(scores - scores.max(axis=1, keepdims=True))
        gates = gates / gates.sum(axis=1, keepdims=True)
        return np.mean((np.sum(gates * (X @ E.T), axis=1) - y) ** 2)
    return Program(f, 0.5 * rng(233).randn(12))


@program
def rbf_network_lstsq():
    x = np.linspace(0, 3, 15)
    y = np.sin(2 * x)

    def f(p):
        centers, width = p[:4], np.exp(p[4])
        Phi = np.exp(-(x[:, None] - centers[None, :]) ** 2 / (2 * width ** 2))
        w = np.linalg.lstsq(Phi, y, rcond=None)[0]
        return np.sum((Phi @ w - y) ** 2) + 1e-3 * np.sum(w ** 2)
    return Program(f, np.array([0.2, 1.0, 1.9, 2.8, np.log(0.6)]))


@program
def nuclear_norm_completion():
    rs = rng(234)
    M = rs.randn(4, 2) @ rs.randn(2, 3)
    mask = rs.rand(4, 3) < 0.7

    def f(p):
        Z = p.reshape(4, 3)
        return 0.5 * np.sum(mask * (Z - M) ** 2) + 0.3 * np.linalg.norm(Z, "nuc")
    return Program(f, rng(235).randn(12))


@program
def frank_wolfe_simplex():
    B = rng(236).randn(4, 4)
    A = B @ B.T + np.eye(4)

    def f(p):
        x = np.ones(4) / 4
        for k in range(20):
            g = 2 * A @ x - p
            s = (np.arange(4) == np.argmin(g)) * 1.0      # np.eye(4)[np.argmin(g)]: see the test
            x = (1 - 2 / (k + 2)) * x + 2 / (k + 2) * s
        return x @ A @ x - p @ x
    return Program(f, np.array([1.0, 3.0, -0.5, 2.2]))


@program
def exponentiated_gradient():
    B = rng(237).randn(4, 4)
    Sigma = B @ B.T / 4 + 0.1 * np.eye(4)

    def f(p):
        w = np.ones(4) / 4
        for _ in range(15):
            w = w * np.exp(-0.5 * (2 * Sigma @ w - p))
            w = w / np.sum(w)
        return w @ Sigma @ w - p @ w
    return Program(f, np.array([0.2, 0.5, -0.1, 0.3]))


@program
def golden_section_search():
    def f(p):
        def phi(x):
            return (x - p[0]) ** 2 + p[1] * np.sin(3 * x)
        a, b, gr = -2.0, 2.0, (np.sqrt(5) - 1) / 2
        while b - a > 1e-3:
            c, d = b - gr * (b - a), a + gr * (b - a)
            if phi(c) < phi(d):
                b = d
            else:
                a = c
        return phi((a + b) / 2)
    return Program(f, np.array([0.4, 0.3]))


@program
def spectral_clustering_gap():
    pts = np.concatenate([rng(238).randn(4, 2) * 0.3, rng(239).randn(4, 2) * 0.3 + 2])

    def f(p):
        sigma, P = np.exp(p[0]), pts * np.stack([1.0, np.exp(p[1])])
        D2 = np.sum((P[:, None, :] - P[None, :, :]) ** 2, axis=-1)
        W = np.exp(-D2 / (2 * sigma ** 2)) * (1 - np.eye(8))
        d = W.sum(axis=1)
        L = np.eye(8) - W / np.sqrt(np.outer(d, d))
        ev = np.linalg.eigvalsh(L)
        return ev[1] - ev[2]
    return Program(f, np.array([0.0, 0.2]))


@program
def pagerank_power():
    edges = [(0, 1), (1, 2), (2, 0), (2, 3), (3, 4), (4, 0), (1, 4), (3, 1)]
    E = np.zeros((len(edges), 5, 5))
    for k, (i, j) in enumerate(edges):
        E[k, j, i] = 1.0

    def f(p):
        W = np.sum(np.exp(p)[:, None, None] * E, axis=0)
        P = W / W.sum(axis=0, keepdims=True)
        r = np.ones(5) / 5
        for _ in range(40):
            r = 0.85 * P @ r + 0.15 / 5
        return r @ np.arange(5.0)
    return Program(f, 0.3 * rng(240).randn(8))


@program
def markov_stationary_solve():
    rewards = np.array([1.0, -0.5, 2.0])

    def f(p):
        Z = np.exp(p.reshape(3, 3))
        P = Z / Z.sum(axis=1, keepdims=True)
        A = np.vstack([(P.T - np.eye(3))[:-1], np.ones(3)])
        pi = np.linalg.solve(A, np.array([0.0, 0.0, 1.0]))
        return pi @ rewards
    return Program(f, 0.5 * rng(241).randn(9))


# ------------------------------------------------------------ physics, engineering, geometry
@program
def lqr_riccati_recursion():
    dt = 0.1
    A, B, x0 = np.array([[1.0, dt], [0.0, 1.0]]), np.array([[0.0], [dt]]), np.array([1.0, 0.0])

    def f(p):
        Q, R = np.diag(np.exp(p[:2])), np.exp(p[2]) * np.eye(1)
        P = Q
        for _ in range(30):
            K = np.linalg.solve(R + B.T @ P @ B, B.T @ P @ A)
            P = Q + A.T @ P @ (A - B @ K)
        x, cost = x0, 0.0
        for _ in range(20):
            u = -K @ x
            cost += x @ x + u @ u
            x = A @ x + B @ u
        return cost
    return Program(f, np.array([0.0, -1.0, 0.5]))


@program
def velocity_verlet_orbit():
    target = np.array([-0.5, 0.7])

    def f(p):
        GM, x, v, dt = p[2], np.array([1.0, 0.0]), p[:2], 0.05

        def acc(x):
            return -GM * x / np.linalg.norm(x) ** 3
        a = acc(x)
        for _ in range(40):
            x = x + v * dt + 0.5 * a * dt ** 2
            a_new = acc(x)
            v = v + 0.5 * (a + a_new) * dt
            a = a_new
        return np.sum((x - target) ** 2) + 0.5 * v @ v - GM / np.linalg.norm(x)
    return Program(f, np.array([0.1, 1.1, 1.0]))


@program
def burgers_lax_friedrichs():
    def f(u0):
        u, dx, dt = u0, 1 / 16, 0.02
        for _ in range(10):
            F = 0.5 * u ** 2
            u = 0.5 * (np.roll(u, 1) + np.roll(u, -1)) - dt / (2 * dx) * (np.roll(F, -1) -
                                                                          np.roll(F, 1))
        return np.sum(u ** 3) + u @ np.arange(16.0)
    return Program(f, 0.5 * rng(242).randn(16))


@program
def beam_compliance():
    n = 8
    h = 1 / (n + 1)
    D2 = (np.diag(-2 * np.ones(n)) + np.diag(np.ones(n - 1), 1) +
          np.diag(np.ones(n - 1), -1)) / h ** 2
    q = np.linspace(1.0, 2.0, n)

    def f(p):                                     # (EI w'')'' = q, simply supported
        K = D2 @ np.diag(np.exp(p)) @ D2
        w = np.linalg.solve(K, q)
        return w @ q * 1e3
    return Program(f, 0.2 * rng(243).randn(8))


@program
def brachistochrone_time():
    x = np.linspace(0, 1, 12)

    def f(y):
        ys = np.concatenate([[0.0], y, [-0.6]])
        v = np.concatenate([[0.0], np.sqrt(-2 * 9.81 * y), [np.sqrt(2 * 9.81 * 0.6)]])
        ds = np.sqrt(np.diff(x) ** 2 + np.diff(ys) ** 2)
        return np.sum(2 * ds / (v[:-1] + v[1:]))
    return Program(f, -np.linspace(0.1, 0.6, 12)[:10] - 0.1 * np.sin(np.linspace(0, 3, 10)))


@program
def hanging_chain_energy():
    def f(p):
        P = np.vstack([[0.0, 0.0], p.reshape(8, 2), [1.0, 0.0]])
        L = np.linalg.norm(np.diff(P, axis=0), axis=1)
        return 100 * np.sum((L - 0.13) ** 2) + 9.81 * 0.1 * np.sum(P[:, 1])
    xs = np.linspace(0, 1, 10)[1:-1]
    return Program(f, np.stack([xs, -0.3 * np.sin(np.pi * xs)], axis=1).ravel())


@program
def fermat_refraction():
    Y = np.array([0.0, 1.0, 1.5, 2.3, 3.0])
    n_layer = np.array([1.0, 1.33, 1.5, 1.1])

    def f(p):
        X = np.concatenate([[0.0], p, [2.0]])
        return np.sum(n_layer * np.sqrt(np.diff(X) ** 2 + np.diff(Y) ** 2))
    return Program(f, np.array([0.7, 1.0, 1.5]))


@program
def quantum_well_eigvalsh():
    N = 30
    x = np.linspace(-3, 3, N)
    h = x[1] - x[0]
    T = -0.5 / h ** 2 * (np.diag(-2 * np.ones(N)) + np.diag(np.ones(N - 1), 1) +
                         np.diag(np.ones(N - 1), -1))

    def f(p):
        V = 0.5 * x ** 2 + sum(p[k] * np.exp(-(x - c) ** 2) for k, c in enumerate((-1, 0, 1)))
        E = np.linalg.eigvalsh(T + np.diag(V))
        return E[0] + 0.5 * E[1]
    return Program(f, np.array([0.3, 1.0, -0.2]))


@program
def rlc_bode_fit():
    w = np.logspace(-1, 1, 20)
    data = 20 * np.log10(1 / np.sqrt((1 - w ** 2 * 1.2 * 0.8) ** 2 + (w * 0.5 * 0.8) ** 2))

    def f(p):
        R, L, C = np.exp(p)
        mag = 1 / np.sqrt((1 - w ** 2 * L * C) ** 2 + (w * R * C) ** 2)
        return np.sum((20 * np.log10(mag) - data) ** 2)
    return Program(f, np.log(np.array([0.6, 1.0, 0.9])))


@program
def enzyme_kinetics_fit():
    T = np.array([290.0, 300.0, 310.0, 320.0])
    S = np.array([0.1, 0.5, 1.0, 5.0])
    Tg, Sg = np.meshgrid(T, S, indexing="ij")
    rate = 1e3 * np.exp(-40e3 / (8.314 * Tg)) * Sg / (0.8 + Sg)
    rate = rate * (1 + 0.02 * rng(244).randn(4, 4))

    def f(p):
        lnA, Ea, Km = p[0], p[1] * 1e3, np.exp(p[2])
        vmax = np.exp(lnA - Ea / (8.314 * Tg))           # Arrhenius
        return np.sum((np.log(vmax * Sg / (Km + Sg)) - np.log(rate)) ** 2)
    return Program(f, np.array([7.0, 41.0, -0.1]))


@program
def sphere_tracing_lambert():
    dirs = np.array([[0.0, 0.0, 1.0], [0.1, 0.05, 1.0], [-0.08, 0.1, 1.0], [0.05, -0.12, 1.0]])
    dirs = dirs / np.linalg.norm(dirs, axis=1, keepdims=True)
    light = np.array([0.3, 0.5, -1.0]) / np.linalg.norm([0.3, 0.5, -1.0])

    def f(p):
        center, radius, total = p[:3], p[3], 0.0
        for d in dirs:
            t = 0.0
            for _ in range(25):                      # march by the signed distance
                t = t + np.linalg.norm(t * d - center) - radius
            normal = (t * d - center) / np.linalg.norm(t * d - center)
            total += t + np.maximum(normal @ light, 0.0)
        return total
    return Program(f, np.array([0.05, -0.02, 4.0, 1.0]))


@program
def polygon_isoperimetric():
    def f(p):
        x, y = p[:8], p[8:]
        area = 0.5 * np.abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))
        perimeter = np.sum(np.sqrt((np.roll(x, -1) - x) ** 2 + (np.roll(y, -1) - y) ** 2))
        return perimeter ** 2 / (4 * np.pi * area)
    t = np.linspace(0, 2 * np.pi, 9)[:-1]
    r = 1 + 0.2 * rng(245).rand(8)
    return Program(f, np.concatenate([r * np.cos(t), r * np.sin(t)]))


@program
def mesh_area_volume_cross():
    faces = np.array([[0, 2, 4], [2, 1, 4], [1, 3, 4], [3, 0, 4],
                      [2, 0, 5], [1, 2, 5], [3, 1, 5], [0, 3, 5]])

    def f(v):
        V = v.reshape(6, 3)
        a, b, c = V[faces[:, 0]], V[faces[:, 1]], V[faces[:, 2]]
        area = 0.5 * np.linalg.norm(np.cross(b - a, c - a), axis=1)
        volume = np.sum(np.einsum("ij,ij->i", a, np.cross(b, c))) / 6
        return np.sum(area) + (volume - 1.0) ** 2
    octa = np.array([[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1.0]])
    return Program(f, (octa * 1.1 + 0.05 * rng(246).randn(6, 3)).ravel())


@program
def catmull_rom_length():
    t = np.linspace(0, 1, 11)[:, None]

    def f(p):
        P, length = p.reshape(6, 2), 0.0
        for i in range(1, 4):
            p0, p1, p2, p3 = P[i - 1], P[i], P[i + 1], P[i + 2]
            pts = 0.5 * (2 * p1 + (-p0 + p2) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t ** 2 +
                         (-p0 + 3 * p1 - 3 * p2 + p3) * t ** 3)
            length += np.sum(np.linalg.norm(np.diff(pts, axis=0), axis=1))
        return length
    return Program(f, np.array([0, 0, 1, 0.5, 2, 0.2, 3, 1.0, 4, 0.4, 5, 0.0]) +
                   0.05 * rng(247).randn(12))


@program
def dft_power_spectrum():
    n = 16
    k, m = np.arange(n // 2 + 1)[:, None], np.arange(n)[None, :]
    C, S = np.cos(2 * np.pi * k * m / n), np.sin(2 * np.pi * k * m / n)
    target = np.log(1 + np.exp(-np.arange(n // 2 + 1.0)))

    def f(x):
        power = (C @ x) ** 2 + (S @ x) ** 2
        return np.sum((np.log(power + 1e-3) - target) ** 2)
    return Program(f, rng(248).randn(16))


@program
def variational_hydrogen():
    r = np.linspace(1e-3, 20, 400)

    def f(p):
        a, b = p
        psi = np.exp(-a * r) * (1 + b * r)
        dpsi = np.gradient(psi, r)
        num = np.trapezoid((0.5 * dpsi ** 2 - psi ** 2 / r) * r ** 2, r)
        return num / np.trapezoid(psi ** 2 * r ** 2, r)
    return Program(f, np.array([0.8, 0.1]))


@program
def interp_lookup_table():
    table_x = np.linspace(0, 5, 11)
    data_x = np.sort(rng(249).rand(20)) * 4.5
    data_y = np.sin(data_x) + 0.05 * rng(250).randn(20)

    def f(p):
        table_y, stretch = p[:11], np.exp(p[11])
        pred = np.interp(data_x * stretch, table_x, table_y)
        return np.sum((pred - data_y) ** 2) + 0.1 * np.sum(np.diff(table_y, n=2) ** 2)
    return Program(f, np.concatenate([np.sin(np.linspace(0, 5, 11)), [0.013]]))


@program
def kde_silverman():
    test = np.linspace(-2, 2, 7)

    def f(x):
        h = 1.06 * np.std(x) * len(x) ** (-1 / 5)
        dens = np.mean(np.exp(-0.5 * ((test[:, None] - x[None, :]) / h) ** 2), axis=1)
        return -np.sum(np.log(dens / (h * np.sqrt(2 * np.pi))))
    return Program(f, rng(251).randn(12))


@program
def coupled_oscillators_rk4():
    m = np.array([1.0, 2.0])
    y0 = np.array([1.0, 0.0, 0.0, 0.0])

    def f(p):
        k, c = np.exp(p[:3]), np.exp(p[3])
        K = np.stack([np.stack([k[0] + k[1], -k[1]]), np.stack([-k[1], k[1] + k[2]])])
        A = np.block([[np.zeros((2, 2)), np.eye(2)], [-np.diag(1 / m) @ K, -c * np.eye(2)]])
        y, dt = y0, 0.05
        for _ in range(40):
            k1 = A @ y
            k2 = A @ (y + dt / 2 * k1)
            k3 = A @ (y + dt / 2 * k2)
            k4 = A @ (y + dt * k3)
            y = y + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        return y @ y
    return Program(f, np.array([0.0, 0.3, -0.2, -1.5]))


# ------------------------------------------------------------ more of the same kinds
@program
def von_mises_mixture():
    angles = np.concatenate([rng(253).vonmises(0.5, 4.0, 15), rng(254).vonmises(2.5, 2.0, 15)])

    def f(p):
        mu, kappa, w = p[:2], np.exp(p[2:4]), np.exp(p[4:]) / np.sum(np.exp(p[4:]))
        dens = np.exp(kappa * np.cos(angles[:, None] - mu)) / (2 * np.pi * np.i0(kappa))
        return -np.sum(np.log(dens @ w))
    return Program(f, np.array([0.4, 2.3, 1.2, 0.6, 0.1, -0.1]))


@program
def qr_least_squares():
    t = np.linspace(0, 1, 12)
    y = np.exp(-2 * t) + 0.01 * rng(255).randn(12)

    def f(p):
        A = np.stack([np.ones(12), np.exp(-p[0] * t), np.exp(-p[1] * t)], axis=1)
        Q, R = np.linalg.qr(A)
        coef = sla.solve_triangular(R, Q.T @ y)
        return np.sum((A @ coef - y) ** 2) * 1e4 + np.sum(coef ** 2)
    return Program(f, np.array([1.5, 3.0]))


@program
def gauss_hermite_expectation():
    nodes, weights = np.polynomial.hermite.hermgauss(20)
    X = rng(256).randn(10, 2)
    y = (rng(257).rand(10) < 0.5) * 1.0

    def f(p):                           # E[sigmoid(z)], z ~ N(m, s^2): a probit-free predictive
        m, s = X @ p[:2], np.exp(p[2])
        z = m[:, None] + np.sqrt(2) * s * nodes[None, :]
        prob = (1 / (1 + np.exp(-z))) @ weights / np.sqrt(np.pi)
        return -np.sum(y * np.log(prob) + (1 - y) * np.log(1 - prob))
    return Program(f, np.array([0.5, -0.3, -0.5]))


@program
def rigid_body_rk4_cross():
    def f(p):
        inertia = np.exp(p[:3])
        w, dt = p[3:], 0.05

        def rhs(w):                     # Euler's equations, torque-free
            return -np.cross(w, inertia * w) / inertia
        for _ in range(30):
            k1 = rhs(w)
            k2 = rhs(w + dt / 2 * k1)
            k3 = rhs(w + dt / 2 * k2)
            k4 = rhs(w + dt * k3)
            w = w + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        return w @ np.array([1.0, -2.0, 0.5]) + 0.5 * np.sum(inertia * w ** 2)
    return Program(f, np.array([0.0, 0.4, 0.9, 0.3, 1.0, 0.2]))


@program
def lorenz_rk4():
    def f(p):
        sigma, rho, beta = p
        state, dt = np.array([1.0, 1.0, 1.0]), 0.01

        def rhs(s):
            x, y, z = s[0], s[1], s[2]
            return np.stack([sigma * (y - x), x * (rho - z) - y, x * y - beta * z])
        for _ in range(50):
            k1 = rhs(state)
            k2 = rhs(state + dt / 2 * k1)
            k3 = rhs(state + dt / 2 * k2)
            k4 = rhs(state + dt * k3)
            state = state + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        return np.sum(state ** 2)
    return Program(f, np.array([10.0, 28.0, 8 / 3]))


@program
def langevin_euler_maruyama():
    noise = rng(258).randn(40, 25)

    def f(p):                           # a double well, 40 paths, fixed draws
        a, temperature = p[0], np.exp(p[1])
        x, dt = np.full(40, -1.0), 0.02
        for k in range(25):
            x = x - (4 * x ** 3 - 4 * a * x) * dt + np.sqrt(2 * temperature * dt) * noise[:, k]
        return np.mean(x ** 2) + np.mean(np.tanh(3 * x))
    return Program(f, np.array([1.0, -1.0]))


@program
def historical_var_quantile():
    R = 0.02 * rng(259).randn(50, 3)

    def f(z):
        w = np.exp(z) / np.sum(np.exp(z))
        losses = -R @ w
        var = np.quantile(losses, 0.9)
        return var + 0.1 * np.mean(losses) + np.sum(w ** 2)
    return Program(f, np.array([0.2, -0.3, 0.1]))


@program
def poisson_2d_kron():
    n = 5
    D = (np.diag(-2 * np.ones(n)) + np.diag(np.ones(n - 1), 1) + np.diag(np.ones(n - 1), -1))

    def f(p):                           # -laplace(u) + c u = source, a 5 x 5 grid
        K = -(np.kron(np.eye(n), D) + np.kron(D, np.eye(n))) + np.exp(p[0]) * np.eye(n * n)
        xs = np.linspace(0, 1, n)
        source = np.exp(-((xs[:, None] - p[1]) ** 2 + (xs[None, :] - p[2]) ** 2) / 0.1)
        u = np.linalg.solve(K, source.ravel())
        return np.max(u) + np.sum(u ** 2)
    return Program(f, np.array([-1.0, 0.4, 0.55]))


@program
def pinv_min_norm():
    B = rng(260).randn(3, 6)

    def f(p):                           # the minimum-norm solution of an underdetermined system
        A = B + 0.1 * p[:18].reshape(3, 6)
        x = np.linalg.pinv(A) @ np.array([1.0, -1.0, 0.5])
        return np.sum(x ** 2) + x @ np.arange(6.0)
    return Program(f, 0.3 * rng(261).randn(18))


@program
def weibull_moments_gamma():
    sample = 2.0 * rng(262).weibull(1.5, 50)
    m, v = sample.mean(), sample.var()

    def f(p):                           # match a Weibull's mean and variance by Gamma functions
        k, lam = np.exp(p)
        mean = lam * scipy.special.gamma(1 + 1 / k)
        var = lam ** 2 * (scipy.special.gamma(1 + 2 / k) - scipy.special.gamma(1 + 1 / k) ** 2)
        return (mean - m) ** 2 + (var - v) ** 2
    return Program(f, np.log(np.array([1.2, 1.8])))
