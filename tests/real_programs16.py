"""Array programs, part sixteen: NumPy and SciPy code as people write it, in new domains.

Each program is the kind of snippet found in tutorials, course notebooks and
small public repositories, made a function of one float vector with the fewest
changes: parameters in dicts of lists, loops over sorted keys, ``enumerate``
and ``zip``, comprehension-built lists, ``while`` to a tolerance with
``break``, early returns, ``try``/``except``, and branches on traced values.
Option pricing (Black-Scholes Greeks in a dict, a fixed-seed Monte Carlo
basket, a barrier by Brownian bridge, a trinomial tree), portfolios (mean
variance by a softmax of scores, maximum diversification), ODE solvers (RK4 on
tuples, leapfrog energy drift, symplectic Euler in a double well, Heun with a
``while`` on time), partial differential equations (FTCS heat by ``np.roll``,
a fixed-end wave by ``np.diff``, advection upwind), images (``np.pad`` box
blur by loops, unsharp masking, a separable Gaussian by ``np.convolve``, a
median of sorted windows, a bilateral filter), signals (moving average by
``np.convolve(mode="same")``, an exponential-decay deconvolution), learning
(IRLS logistic regression by ``np.linalg.solve``, softmax regression on a dict
of parameters, a k-means step, a GMM EM step in two dimensions, a GP
marginal likelihood by ``cholesky`` and ``solve_triangular``, an HMM forward
pass on named states), rankings (Bradley-Terry by minorization-maximization,
Elo with a margin factor), physics (gravitational energy over pairs, spring
network relaxation, leapfrog over a dict of bodies), robotics (a three-link
planar arm and its Jacobian transpose inverse kinematics), inverse problems
(Tikhonov deblurring), optimal control (a shooting method by the secant rule),
economics (CES utility, Cobb-Douglas profit) and geometry (polygon centroids,
mesh bending energy).
"""

from __future__ import annotations

import math

import numpy as np
from program_cases import Case, registrar

import tapegrad.scipy.linalg as sla
import tapegrad.scipy.special as special
import tapegrad.scipy.stats as stats

PROGRAMS: dict[str, Case] = {}
case = registrar(PROGRAMS)

RS = np.random.RandomState(16)
KINK = "piecewise: the Hessian's differences straddle a kink"
LOOP = "a loop to a tolerance: the Hessian's differences change its trip count"
F32 = "float32: central differences cannot check a float32 Hessian"
MASKED_ROWS = ("X[labels == k] with labels = np.argmin of traced distances: a traced boolean mask "
               "gives a shape that depends on a value, which jit and vmap refuse by contract "
               "(the error names np.where(mask, E, 0.0)); eager grad runs it")
BREAK_OR_EXHAUST = ("jit(grad) traces a `for _ in range(30):` ending in `if abs(f1) < 1e-10: "
                    "break` again when the input's trip count differs (2 traces over 3 inputs): "
                    "its body holds an inner loop (shoot's 200 steps), whose backward pass does "
                    "not roll with it")


# ------------------------------------------------------------ option pricing
@case([100.0, 105.0, 0.25, 0.03, 0.5], 1, scale=0.05)
def black_scholes_greeks_dict(p):
    """Greeks of a European call collected in a dict, reported in sorted key order."""
    S, K, sigma, r, T = p
    d1 = (np.log(S / K) + (r + 0.5 * sigma ** 2) * T) / (sigma * np.sqrt(T))
    d2 = d1 - sigma * np.sqrt(T)
    greeks = {}
    greeks["price"] = S * stats.norm.cdf(d1) - K * np.exp(-r * T) * stats.norm.cdf(d2)
    greeks["delta"] = stats.norm.cdf(d1)
    greeks["gamma"] = stats.norm.pdf(d1) / (S * sigma * np.sqrt(T))
    greeks["vega"] = S * stats.norm.pdf(d1) * np.sqrt(T)
    greeks["theta"] = (-S * stats.norm.pdf(d1) * sigma / (2 * np.sqrt(T))
                       - r * K * np.exp(-r * T) * stats.norm.cdf(d2))
    greeks["rho"] = K * T * np.exp(-r * T) * stats.norm.cdf(d2)
    weights = {"delta": 1.0, "gamma": 10.0, "price": 0.1, "rho": 0.01, "theta": 0.02,
               "vega": 0.05}
    total = 0.0
    for name in sorted(greeks, key=lambda k: len(k)):
        total = total + weights[name] * greeks[name]
    return total


Z_BASKET = np.random.RandomState(0).standard_normal((200, 3))
CORR_BASKET = np.array([[1.0, 0.5, 0.3], [0.5, 1.0, 0.4], [0.3, 0.4, 1.0]])


@case([0.2, 0.25, 0.3, 0.02], 2, scale=0.1, no_hessian=KINK)
def monte_carlo_basket_fixed_seed(p):
    """A basket call by Monte Carlo with np.random.seed(0) draws and a Cholesky correlation."""
    vols, r = p[:3], p[3]
    S0 = np.array([100.0, 90.0, 110.0])
    w = np.array([0.4, 0.3, 0.3])
    T, K = 1.0, 100.0
    L = np.linalg.cholesky(CORR_BASKET)
    Z = Z_BASKET @ L.T
    ST = S0 * np.exp((r - 0.5 * vols ** 2) * T + vols * np.sqrt(T) * Z)
    basket = ST @ w
    payoff = np.maximum(basket - K, 0.0)
    return np.exp(-r * T) * payoff.mean()


@case([100.0, 0.2, 0.05, 130.0], 3, scale=0.03, rtol=1e-5, no_hessian=KINK)
def barrier_brownian_bridge(p):
    """An up-and-out call on fixed paths, knocked out by the Brownian-bridge crossing chance."""
    S0, sigma, r, B = p
    n_paths, n_steps, T, K = 64, 12, 1.0, 100.0
    dt = T / n_steps
    Z = np.random.RandomState(42).standard_normal((n_paths, n_steps))
    logS = np.log(S0) + np.cumsum((r - 0.5 * sigma ** 2) * dt + sigma * np.sqrt(dt) * Z, axis=1)
    S = np.exp(logS)
    prev = np.concatenate([np.log(S0) * np.ones((n_paths, 1)), logS[:, :-1]],   # was np.full
                          axis=1)
    lb = np.log(B)
    survive = np.ones(n_paths)
    for j in range(n_steps):
        a, b = lb - prev[:, j], lb - logS[:, j]
        p_cross = np.exp(-2.0 * np.maximum(a, 0.0) * np.maximum(b, 0.0) / (sigma ** 2 * dt))
        alive = (a > 0) & (b > 0)
        survive = survive * np.where(alive, 1.0 - p_cross, 0.0)
    return np.exp(-r * T) * np.mean(survive * np.maximum(S[:, -1] - K, 0.0))


@case([100.0, 100.0, 0.2, 0.05], 4, scale=0.05, no_hessian=KINK)
def trinomial_tree_american_call_dividend(p):
    """A Boyle trinomial tree, early exercise by np.maximum at each node, list of levels."""
    S0, K, sigma, r = p
    T, n, q = 0.5, 20, 0.03
    dt = T / n
    u = np.exp(sigma * np.sqrt(2 * dt))
    a = np.exp((r - q) * dt / 2)
    b1, b2 = np.exp(sigma * np.sqrt(dt / 2)), np.exp(-sigma * np.sqrt(dt / 2))
    pu = ((a - b2) / (b1 - b2)) ** 2
    pd = ((b1 - a) / (b1 - b2)) ** 2
    pm = 1 - pu - pd
    disc = np.exp(-r * dt)
    levels = [S0 * u ** np.arange(-n, n + 1)]
    V = np.maximum(levels[0] - K, 0.0)
    for i in range(n - 1, -1, -1):
        S = S0 * u ** np.arange(-i, i + 1)
        cont = disc * (pu * V[2:] + pm * V[1:-1] + pd * V[:-2])
        V = np.maximum(cont, S - K)
    return V[0]


# ------------------------------------------------------------ portfolios
MU_PF = np.array([0.08, 0.12, 0.10, 0.05])
SIGMA_PF = np.array([[0.040, 0.006, 0.010, 0.002], [0.006, 0.090, 0.012, 0.003],
                     [0.010, 0.012, 0.060, 0.004], [0.002, 0.003, 0.004, 0.010]])


@case(RS.randn(4) * 0.3, 5, scale=0.3)
def mean_variance_softmax_scores(s):
    """Markowitz utility over long-only weights parametrized by a softmax of scores."""
    w = np.exp(s - s.max())
    w /= w.sum()
    risk_aversion = 3.0
    ret = w @ MU_PF
    var = w @ SIGMA_PF @ w
    return -(ret - 0.5 * risk_aversion * var)


@case(RS.rand(4) + 0.5, 6, scale=0.2)
def max_diversification_ratio(w):
    """Choueifaty's diversification ratio: weighted vols over portfolio vol, negated to minimize."""
    vols = np.sqrt(np.diag(SIGMA_PF))
    w = np.abs(w) / np.sum(np.abs(w))
    return -(w @ vols) / np.sqrt(w @ SIGMA_PF @ w)


# ------------------------------------------------------------ ODE solvers
@case([1.2, 0.0, 0.3, 0.4], 7, scale=0.1)
def rk4_damped_pendulum_tuples(p):
    """RK4 on a state tuple (theta, omega), derivative returned as a tuple."""
    theta0, omega0, damping, drive = p

    def deriv(state, t):
        th, om = state
        return om, -damping * om - 9.81 * np.sin(th) + drive * np.cos(0.7 * t)
    state, t, h = (theta0, omega0), 0.0, 0.05
    for _ in range(40):
        k1 = deriv(state, t)
        k2 = deriv(tuple(s + 0.5 * h * k for s, k in zip(state, k1)), t + 0.5 * h)
        k3 = deriv(tuple(s + 0.5 * h * k for s, k in zip(state, k2)), t + 0.5 * h)
        k4 = deriv(tuple(s + h * k for s, k in zip(state, k3)), t + h)
        state = tuple(s + h / 6 * (a + 2 * b + 2 * c + d)
                      for s, a, b, c, d in zip(state, k1, k2, k3, k4))
        t += h
    return state[0] ** 2 + 0.1 * state[1] ** 2


@case([1.0, 0.0, 0.0, 1.0], 8, scale=0.1, traces=3)
def leapfrog_energy_drift(p):
    """Kick-drift-kick leapfrog for an anharmonic oscillator, energy recorded in a list."""
    q, v = p[:2].copy(), p[2:].copy()

    def force(q):
        return -q - 0.1 * q ** 3

    def energy(q, v):
        return 0.5 * np.sum(v ** 2) + 0.5 * np.sum(q ** 2) + 0.025 * np.sum(q ** 4)
    dt, energies = 0.1, [energy(q, v)]
    a = force(q)
    for _ in range(30):
        v += 0.5 * dt * a
        q += dt * v
        a = force(q)
        v += 0.5 * dt * a
        energies.append(energy(q, v))
    drift = max(energies) - min(energies)
    return energies[-1] + 100.0 * drift ** 2


@case([0.8, 0.3], 9, scale=0.1, no_hessian=KINK)
def symplectic_euler_double_well(p):
    """Symplectic Euler in a double well; counts well crossings by the sign of x."""
    x, v = p[0], p[1]
    dt, crossings, side = 0.05, 0, x > 0
    path = []
    for _ in range(60):
        v = v - dt * (4 * x ** 3 - 4 * x)
        x = x + dt * v
        path.append(x)
        if (x > 0) != side:
            crossings += 1
            side = x > 0
    return np.mean(np.stack(path) ** 2) + 0.01 * crossings     # was np.array(path)


@case([1.0, 0.5, 2.0], 10, scale=0.1)
def heun_while_time(p):
    """Heun's method for logistic growth with harvesting, a while loop on time."""
    y, r, K = p
    t, t_end, h = 0.0, 3.0, 0.1

    def f(y):
        return r * y * (1 - y / K) - 0.1 * y
    while t < t_end - 1e-12:
        y_pred = y + h * f(y)
        y = y + 0.5 * h * (f(y) + f(y_pred))
        t += h
    return y


# ------------------------------------------------------------ partial differential equations
X_HEAT = np.linspace(0, 1, 32, endpoint=False)


@case([1.0, 0.3, 0.5], 11, scale=0.1)
def heat_ftcs_roll_periodic(p):
    """FTCS heat equation on a ring by np.roll, initial bump and diffusivity as parameters."""
    amp, width, alpha = p
    u = amp * np.exp(-((X_HEAT - 0.5) / (0.1 * width)) ** 2)
    dx = X_HEAT[1] - X_HEAT[0]
    dt = 0.2 * dx ** 2
    for _ in range(50):
        u = u + alpha * dt / dx ** 2 * (np.roll(u, 1) - 2 * u + np.roll(u, -1))
    return np.sum(u ** 2) * dx


@case([1.0, 0.8, 0.2], 12, scale=0.1)
def wave_fixed_ends_diff(p):
    """A plucked string, u_tt = c^2 u_xx, second differences by np.diff(u, 2), fixed ends."""
    amp, c, pos = p
    x = np.linspace(0, 1, 41)
    dx = x[1] - x[0]
    u = amp * np.exp(-200 * (x - pos - 0.3) ** 2)
    u[0] = u[-1] = 0.0
    u_prev = u.copy()
    dt = 0.5 * dx
    for _ in range(40):
        lap = np.zeros_like(u)
        lap[1:-1] = np.diff(u, 2) / dx ** 2
        u_next = 2 * u - u_prev + (c * dt) ** 2 * lap
        u_prev, u = u, u_next
    return np.sum(u ** 2) + np.sum((u - u_prev) ** 2) / dt ** 2 * 1e-3


@case([1.0, 0.6], 13, scale=0.1, no_hessian=KINK)
def advection_upwind_sign(p):
    """First-order upwind advection: the difference direction picked by the velocity's sign."""
    a, velocity = p
    x = np.linspace(0, 1, 50, endpoint=False)
    u = a * np.where((x > 0.2) & (x < 0.4), 1.0, 0.0) + 0.1 * a * np.sin(2 * np.pi * x)
    dx = x[1] - x[0]
    dt = 0.5 * dx / abs(velocity)
    for _ in range(20):
        if velocity > 0:
            u = u - velocity * dt / dx * (u - np.roll(u, 1))
        else:
            u = u - velocity * dt / dx * (np.roll(u, -1) - u)
    return np.sum(u ** 2 * x)


# ------------------------------------------------------------ images
IMG = np.random.RandomState(3).rand(8, 8)


@case(RS.rand(9) + 0.1, 14, scale=0.2)
def box_blur_pad_edge_loops(k):
    """A 3x3 convolution by loops over an np.pad(mode="edge") image, kernel normalized."""
    kernel = (k / k.sum()).reshape(3, 3)
    padded = np.pad(IMG, 1, mode="edge")
    out = np.zeros_like(IMG * kernel[0, 0])
    H, W = IMG.shape
    for i in range(H):
        for j in range(W):
            out[i, j] = np.sum(padded[i:i + 3, j:j + 3] * kernel)
    return np.sum((out - IMG) ** 2)


@case([1.5, 0.8], 15, scale=0.1)
def unsharp_mask_reflect(p):
    """Unsharp masking: a 3x3 Gaussian by np.pad(mode="reflect") and shifted slices, clipped."""
    amount, sigma = p
    g = np.exp(-np.array([1.0, 0.0, 1.0]) / (2 * sigma ** 2))
    g = g / g.sum()
    pad = np.pad(IMG, 1, mode="reflect")
    rows = g[0] * pad[:-2, :] + g[1] * pad[1:-1, :] + g[2] * pad[2:, :]
    blur = g[0] * rows[:, :-2] + g[1] * rows[:, 1:-1] + g[2] * rows[:, 2:]
    sharp = IMG + amount * (IMG - blur)
    sharp = np.clip(sharp, 0.0, 1.0)
    return np.mean(sharp ** 2)


@case([1.2], 16, scale=0.2)
def separable_gaussian_convolve_rows(s):
    """A separable Gaussian blur: np.convolve(mode="same") on every row, then every column."""
    sigma = s[0]
    t = np.arange(-3, 4)
    g = np.exp(-t ** 2 / (2 * sigma ** 2))
    g = g / g.sum()
    rows = np.stack([np.convolve(r, g, mode="same") for r in IMG])     # was np.array
    cols = np.stack([np.convolve(c, g, mode="same") for c in rows.T]).T
    return np.sum(cols * IMG)


# ------------------------------------------------------------ signals
T_SIG = np.linspace(0, 1, 40)
SIG = np.sin(2 * np.pi * 3 * T_SIG) + 0.3 * np.random.RandomState(5).randn(40)


@case([1.0, 1.0, 1.0, 1.0, 1.0], 17, scale=0.2)
def moving_average_convolve_same(w):
    """A weighted moving average by np.convolve(mode="same"), fit error to the clean sine."""
    kernel = w / np.sum(w)
    smooth = np.convolve(SIG, kernel, mode="same")
    clean = np.sin(2 * np.pi * 3 * T_SIG)
    return np.mean((smooth - clean) ** 2)


@case([0.6, 0.9], 18, scale=0.1)
def exponential_decay_deconvolution(p):
    """A response y = h * x with h_k = a^k, inverted by a recursion, compared by np.convolve."""
    a, gain = p
    h = gain * a ** np.arange(10)
    y = np.convolve(SIG[:20], h)[:20]
    x_hat = np.zeros_like(y)
    for n in range(len(y)):
        x_hat[n] = y[n] / gain - (a * y[n - 1] / gain if n > 0 else 0.0)
    return np.sum((x_hat - SIG[:20]) ** 2) + np.sum(y ** 2) * 1e-3


# ------------------------------------------------------------ learning
X_LR = np.random.RandomState(7).randn(30, 3)
Y_LR = (X_LR @ np.array([1.0, -2.0, 0.5]) + 0.5 * np.random.RandomState(8).randn(30) > 0) * 1.0


@case([0.5, 1.0], 19, scale=0.2)
def logistic_irls_newton(p):
    """Logistic regression by IRLS: np.linalg.solve of X'WX, ridge and offset as parameters."""
    lam, offset = p
    X = X_LR
    beta = np.zeros(3) * lam
    for _ in range(6):
        eta = X @ beta + offset
        mu = 1 / (1 + np.exp(-eta))
        W = mu * (1 - mu)
        H = X.T @ (W[:, None] * X) + lam * np.eye(3)
        g = X.T @ (Y_LR - mu) - lam * beta
        beta = beta + np.linalg.solve(H, g)
    eta = X @ beta + offset
    return -np.sum(Y_LR * eta - np.logaddexp(0, eta)) + 0.5 * lam * beta @ beta


X_SR = np.random.RandomState(9).randn(12, 2)
Y_SR = np.array([0, 1, 2, 1, 0, 2, 2, 1, 0, 0, 1, 2])


@case(RS.randn(9) * 0.3, 20, scale=0.3)
def softmax_regression_param_dict(w):
    """Softmax regression whose parameters live in a dict {"W": ..., "b": ...} of arrays."""
    params = {"W": w[:6].reshape(2, 3), "b": w[6:]}

    def forward(params, X):
        logits = X @ params["W"] + params["b"]
        logits = logits - logits.max(axis=1, keepdims=True)
        return logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    logp = forward(params, X_SR)
    nll = -np.mean(logp[np.arange(len(Y_SR)), Y_SR])
    reg = sum(0.01 * np.sum(v ** 2) for k, v in params.items() if k.startswith("W"))
    return nll + reg


X_KM = np.concatenate([np.random.RandomState(10).randn(10, 2) + [2, 2],
                       np.random.RandomState(11).randn(10, 2) - [2, 2]])


@case([1.5, 1.5, -1.5, -1.0, 0.5, -0.5], 21, scale=0.1,
      xfail=(("jit", MASKED_ROWS), ("jit_grad", MASKED_ROWS), ("vmap", MASKED_ROWS)))
def kmeans_hard_step_inertia(c):
    """One Lloyd step: argmin assignment, boolean-mask means (kept if empty), then inertia."""
    centers = c.reshape(3, 2)
    d = ((X_KM[:, None, :] - centers[None, :, :]) ** 2).sum(-1)
    labels = np.argmin(d, axis=1)
    new = []
    for k in range(3):
        members = X_KM[labels == k]
        if len(members) == 0:
            new.append(centers[k])
        else:
            new.append(0.5 * centers[k] + 0.5 * members.mean(axis=0))
    new = np.stack(new)     # was np.array(new)
    d2 = ((X_KM[:, None, :] - new[None, :, :]) ** 2).sum(-1)
    return d2.min(axis=1).sum()


X_GM = np.concatenate([np.random.RandomState(12).randn(8, 2) * 0.5 + [1, 0],
                       np.random.RandomState(13).randn(8, 2) * 0.7 - [1, 0.5]])


@case([0.8, 0.1, -0.9, -0.4, 0.0], 22, scale=0.1)
def gmm_em_step_2d(p):
    """One EM step of a two-component 2-D Gaussian mixture, covariances by weighted outer sums."""
    mus = [p[0:2], p[2:4]]
    pis = [1 / (1 + np.exp(-p[4])), 1 - 1 / (1 + np.exp(-p[4]))]
    covs = [np.eye(2), np.eye(2)]

    def logpdf(X, mu, cov):
        diff = X - mu
        inv = np.linalg.inv(cov)
        return (-0.5 * np.sum(diff @ inv * diff, axis=1)
                - 0.5 * np.log(np.linalg.det(cov)) - np.log(2 * np.pi))
    for _ in range(2):
        logr = np.stack([np.log(pi) + logpdf(X_GM, mu, cov)
                         for pi, mu, cov in zip(pis, mus, covs)], axis=1)
        r = np.exp(logr - special.logsumexp(logr, axis=1, keepdims=True))
        Nk = r.sum(axis=0)
        mus = [r[:, k] @ X_GM / Nk[k] for k in range(2)]
        covs = [((X_GM - mus[k]).T * r[:, k]) @ (X_GM - mus[k]) / Nk[k] + 1e-3 * np.eye(2)
                for k in range(2)]
        pis = [n / len(X_GM) for n in Nk]
    return -np.sum(special.logsumexp(logr, axis=1))


X_GP = np.linspace(0, 5, 10)
Y_GP = np.sin(X_GP) + 0.1 * np.random.RandomState(14).randn(10)


@case([0.0, 0.0, -2.0], 23, scale=0.5)
def gp_log_marginal_solve_triangular(log_params):
    """GP evidence: L = cholesky(K), alpha by two solve_triangular, log det by diag(L)."""
    ell, sf, sn = np.exp(log_params)
    d = X_GP[:, None] - X_GP[None, :]
    K = sf ** 2 * np.exp(-0.5 * d ** 2 / ell ** 2) + sn ** 2 * np.eye(len(X_GP))
    L = np.linalg.cholesky(K)
    z = sla.solve_triangular(L, Y_GP, lower=True)
    alpha = sla.solve_triangular(L.T, z, lower=False)
    return 0.5 * Y_GP @ alpha + np.sum(np.log(np.diag(L))) + 0.5 * len(X_GP) * np.log(2 * np.pi)


OBS_HMM = ["walk", "shop", "clean", "clean", "walk", "shop", "walk"]


@case([0.7, 0.4, 0.6, 0.1, 0.4, 0.5, 0.3], 24, scale=0.1)
def hmm_forward_named_states(p):
    """Wikipedia's Rainy/Sunny HMM with dicts of dicts, forward pass in log space."""
    states = ("Rainy", "Sunny")
    start = {"Rainy": p[0], "Sunny": 1 - p[0]}
    trans = {"Rainy": {"Rainy": p[1] + 0.3, "Sunny": 0.7 - p[1]},
             "Sunny": {"Rainy": p[2] - 0.2, "Sunny": 1.2 - p[2]}}
    emit = {"Rainy": {"walk": p[3], "shop": p[4], "clean": 1 - p[3] - p[4]},
            "Sunny": {"walk": p[5] + 0.1, "shop": p[6], "clean": 0.9 - p[5] - p[6]}}
    fwd = {s: np.log(start[s]) + np.log(emit[s][OBS_HMM[0]]) for s in states}
    for obs in OBS_HMM[1:]:
        fwd = {s: special.logsumexp([fwd[r] + np.log(trans[r][s]) for r in states])  # np.array
               + np.log(emit[s][obs]) for s in states}
    return -special.logsumexp([fwd[s] for s in states])


# ------------------------------------------------------------ rankings
WINS_BT = np.array([[0, 3, 2, 4], [1, 0, 3, 2], [2, 1, 0, 3], [0, 2, 1, 0]], dtype=float)


@case([1.0, 1.0, 1.0, 1.0], 25, scale=0.2, rtol=1e-5, no_hessian=LOOP)
def bradley_terry_mm_tolerance(prior):
    """Hunter's MM iteration for Bradley-Terry strengths until the change is below 1e-8."""
    W = WINS_BT + np.diag(np.zeros(4))
    n = W + W.T
    p = np.abs(prior) / np.sum(np.abs(prior))
    for it in range(200):  # noqa: B007
        denom = np.stack([sum(n[i, j] / (p[i] + p[j]) for j in range(4) if j != i)
                          for i in range(4)])     # was np.array
        new = (W.sum(axis=1) + prior * 0.1) / denom
        new = new / new.sum()
        if np.max(np.abs(new - p)) < 1e-8:
            p = new
            break
        p = new
    return np.sum(np.log(p) * np.arange(1, 5))


GAMES_ELO = [("ana", "bo", 3), ("bo", "cy", -1), ("cy", "ana", 2), ("ana", "cy", 0),
             ("bo", "ana", -2), ("cy", "bo", 1)]


@case([1500.0, 1500.0, 1500.0, 20.0], 26, scale=0.01, no_hessian=KINK)
def elo_margin_of_victory(p):
    """Elo with FiveThirtyEight's margin-of-victory multiplier; ties give half a point."""
    ratings = dict(zip(["ana", "bo", "cy"], p[:3]))
    k = p[3]
    loss = 0.0
    for home, away, margin in GAMES_ELO:
        exp_home = 1 / (1 + 10 ** ((ratings[away] - ratings[home]) / 400))
        result = 1.0 if margin > 0 else 0.0 if margin < 0 else 0.5
        loss = loss + (result - exp_home) ** 2
        diff = abs(ratings[home] - ratings[away])
        mult = math.log(abs(margin) + 1) * 2.2 / (diff * 0.001 + 2.2)
        ratings[home] = ratings[home] + k * mult * (result - exp_home)
        ratings[away] = ratings[away] - k * mult * (result - exp_home)
    return loss + sum((r - 1500) ** 2 for r in ratings.values()) * 1e-6


# ------------------------------------------------------------ physics
@case(RS.randn(12), 27, scale=0.05)
def gravitational_energy_pairs(x):
    """Potential plus kinetic energy of three bodies by a double loop over pairs (i < j)."""
    pos, vel = x[:6].reshape(3, 2), x[6:].reshape(3, 2)
    masses = [1.0, 2.0, 0.5]
    G, soft = 1.0, 0.1
    U = 0.0
    for i in range(len(masses)):
        for j in range(i + 1, len(masses)):
            r = np.sqrt(np.sum((pos[i] - pos[j]) ** 2) + soft ** 2)
            U -= G * masses[i] * masses[j] / r
    K = sum(0.5 * m * np.dot(v, v) for m, v in zip(masses, vel))
    return K + U


EDGES_SPRING = [(0, 1), (1, 2), (2, 3), (3, 0), (0, 2)]
REST_SPRING = {e: 1.0 + 0.1 * i for i, e in enumerate(EDGES_SPRING)}


@case([0.0, 0.0, 1.1, 0.1, 1.0, 1.2, -0.1, 0.9], 28, scale=0.05)
def spring_network_gradient_relaxation(x):
    """Relax a spring network by hand-written gradient steps, springs in a dict keyed by edges."""
    pos = x.reshape(4, 2).copy()
    k = 5.0

    def energy_and_force(pos):
        E, F = 0.0, np.zeros_like(pos)
        for (i, j), rest in REST_SPRING.items():
            d = pos[j] - pos[i]
            L = np.sqrt(d @ d)
            E = E + 0.5 * k * (L - rest) ** 2
            f = k * (L - rest) * d / L
            F[i] += f
            F[j] -= f
        return E, F
    for _ in range(10):
        E, F = energy_and_force(pos)
        pos[1:] += 0.02 * F[1:]
    return energy_and_force(pos)[0]


# ------------------------------------------------------------ robotics
@case([0.3, 0.4, -0.2], 29, scale=0.1)
def three_link_arm_fk_workspace(q):
    """Forward kinematics of a planar three-link arm by cumulative angles; tip and elbow costs."""
    lengths = [1.0, 0.8, 0.5]
    x = y = 0.0
    angle = 0.0
    joints = []
    for L, qi in zip(lengths, q):
        angle = angle + qi
        x = x + L * np.cos(angle)
        y = y + L * np.sin(angle)
        joints.append((x, y))
    target = (1.2, 1.1)
    tip_err = (joints[-1][0] - target[0]) ** 2 + (joints[-1][1] - target[1]) ** 2
    elbow_height = min(j[1] for j in joints)
    return tip_err + 0.1 * elbow_height ** 2


@case([1.2, 1.0], 30, scale=0.1, rtol=1e-5, no_hessian=LOOP)
def jacobian_transpose_ik_while(target):
    """Two-link inverse kinematics by Jacobian transpose steps, while the error exceeds 1e-6."""
    l1, l2 = 1.0, 1.0
    q = np.array([0.3, 0.6]) + 0.0 * target
    err_norm, it = 1.0, 0
    while err_norm > 1e-6 and it < 500:
        c1, s1 = np.cos(q[0]), np.sin(q[0])
        c12, s12 = np.cos(q[0] + q[1]), np.sin(q[0] + q[1])
        tip = np.stack([l1 * c1 + l2 * c12, l1 * s1 + l2 * s12])     # was np.array
        J = np.stack([np.stack([-l1 * s1 - l2 * s12, -l2 * s12]),
                      np.stack([l1 * c1 + l2 * c12, l2 * c12])])
        err = target - tip
        err_norm = np.sqrt(err @ err)
        q = q + 0.5 * J.T @ err
        it += 1
    return np.sum(np.sin(q)) + q[1] ** 2


# ------------------------------------------------------------ inverse problems, control
N_DB = 16
A_DB = np.array([[math.exp(-0.5 * (i - j) ** 2) for j in range(N_DB)] for i in range(N_DB)])
TRUE_DB = np.where(np.abs(np.arange(N_DB) - 8) < 3, 1.0, 0.0)
B_DB = A_DB @ TRUE_DB + 0.01 * np.random.RandomState(17).randn(N_DB)


@case([-2.0], 31, scale=0.3)
def tikhonov_deblur_regularization(log_lam):
    """Tikhonov deblurring, x = solve(A'A + lam I, A'b), scored against the true signal."""
    lam = np.exp(log_lam[0])
    x = np.linalg.solve(A_DB.T @ A_DB + lam * np.eye(N_DB), A_DB.T @ B_DB)
    residual = np.linalg.norm(A_DB @ x - B_DB)
    return np.sum((x - TRUE_DB) ** 2) + residual


@case([20.0, 10.0], 32, scale=0.05, rtol=1e-5, no_hessian=LOOP,
      xfail=(("jit_grad", BREAK_OR_EXHAUST),))
def shooting_secant_launch_speed(p):
    """The shooting method: a projectile with drag hits x = target by secant updates on angle."""
    v0, target = p

    def shoot(angle):
        x, y = 0.0, 0.0
        vx, vy = v0 * np.cos(angle), v0 * np.sin(angle)
        dt = 0.02
        for _ in range(200):
            speed = np.sqrt(vx * vx + vy * vy)
            vx, vy = vx - 0.01 * speed * vx * dt, vy - (9.81 + 0.01 * speed * vy) * dt
            x, y = x + vx * dt, y + vy * dt
        return x - target
    a0, a1 = 0.2, 0.4
    f0, f1 = shoot(a0), shoot(a1)
    for _ in range(30):
        a2 = a1 - f1 * (a1 - a0) / (f1 - f0)
        a0, f0, a1 = a1, f1, a2
        f1 = shoot(a1)
        if abs(f1) < 1e-10:
            break
    return a1


# ------------------------------------------------------------ economics, geometry
@case([0.5, 1.0, 2.0, 0.4], 33, scale=0.1)
def ces_utility_optimal_bundle(p):
    """CES utility of the Marshallian bundle at prices p1, p2 and income m, elasticity from rho."""
    rho, p1, p2, alpha = p
    m = 10.0
    r = rho / (rho - 1)
    x1 = m * (alpha ** (1 / (1 - rho)) * p1 ** (1 / (rho - 1))) / (
        alpha ** (1 / (1 - rho)) * p1 ** r + (1 - alpha) ** (1 / (1 - rho)) * p2 ** r)
    x2 = (m - p1 * x1) / p2
    return (alpha * x1 ** rho + (1 - alpha) * x2 ** rho) ** (1 / rho)


@case([0.3, 0.5, 2.0, 1.0], 34, scale=0.1, no_hessian=KINK)
def cobb_douglas_profit_corner(p):
    """Cobb-Douglas profit at the optimal demands, zero if returns are not decreasing."""
    a, b, price, wage = p
    rent = 0.5
    if a + b >= 1:
        return 0.0 * a
    scale = 1 - a - b
    K = (price * (a / rent) ** (1 - b) * (b / wage) ** b) ** (1 / scale)
    L = (price * (a / rent) ** a * (b / wage) ** (1 - a)) ** (1 / scale)
    return price * K ** a * L ** b - rent * K - wage * L


@case([0.0, 0.0, 2.0, 0.1, 2.2, 1.5, 0.9, 2.1, -0.3, 1.2], 35, scale=0.05)
def polygon_centroid_shoelace_loop(v):
    """A polygon's area and centroid by the shoelace loop over zip(pts, pts[1:] + pts[:1])."""
    pts = [(v[2 * i], v[2 * i + 1]) for i in range(len(v) // 2)]
    A = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(pts, pts[1:] + pts[:1]):
        cross = x0 * y1 - x1 * y0
        A += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    A *= 0.5
    cx /= 6 * A
    cy /= 6 * A
    return A + cx ** 2 + cy ** 2


FACES_MESH = [(0, 1, 2), (0, 2, 3), (0, 3, 4), (0, 4, 1)]


@case(np.array([0, 0, 0.3, 1, 0, 0, 0, 1, 0, -1, 0, 0, 0, -1, 0.]), 36, scale=0.05)
def mesh_bending_dihedral_energy(x):
    """Bending energy of a triangle fan: normals by np.cross, dihedral angles over shared edges."""
    V = x.reshape(5, 3)
    normals = {}
    for f in FACES_MESH:
        n = np.cross(V[f[1]] - V[f[0]], V[f[2]] - V[f[0]])
        normals[f] = n / np.linalg.norm(n)
    E = 0.0
    for fa, fb in zip(FACES_MESH, FACES_MESH[1:] + FACES_MESH[:1]):
        cosang = np.clip(np.dot(normals[fa], normals[fb]), -1.0, 1.0)
        E = E + (1 - cosang)
    area = sum(0.5 * np.linalg.norm(np.cross(V[b] - V[a], V[c] - V[a])) for a, b, c in FACES_MESH)
    return E + (area - 2.0) ** 2


# ------------------------------------------------------------ more filters, more bodies
@case(RS.rand(12), 37, scale=0.1, no_hessian=KINK)
def median_filter_sorted_windows(s):
    """A 3-point median filter by np.sort of np.pad(mode="edge") windows, then a roughness cost."""
    padded = np.pad(s, 1, mode="edge")
    windows = np.stack([padded[i:i + 3] for i in range(len(s))])
    med = np.sort(windows, axis=1)[:, 1]
    return np.sum(np.diff(med) ** 2) + np.sum((med - s) ** 2)


@case([0.8, 0.2], 38, scale=0.1)
def bilateral_filter_1d_loops(p):
    """A 1-D bilateral filter by loops: spatial and range Gaussians, normalized per sample."""
    sigma_s, sigma_r = p
    sig = SIG[:16]
    out = []
    for i, center in enumerate(sig):
        num = den = 0.0
        for j in range(max(0, i - 3), min(len(sig), i + 4)):
            w = np.exp(-(i - j) ** 2 / (2 * sigma_s ** 2) - (sig[j] - center) ** 2
                       / (2 * sigma_r ** 2))
            num = num + w * sig[j]
            den = den + w
        out.append(num / den)
    return np.sum((np.stack(out) - np.sin(2 * np.pi * 3 * T_SIG[:16])) ** 2)


BODIES_NB = {"sun": {"m": 1.0, "x": [0.0, 0.0], "v": [0.0, 0.0]},
             "earth": {"m": 3e-6, "x": [1.0, 0.0], "v": [0.0, 1.0]},
             "mars": {"m": 3e-7, "x": [0.0, 1.5], "v": [-0.8, 0.0]}}


@case([1.0, 1.0, 0.01], 39, scale=0.02)
def nbody_leapfrog_body_dicts(p):
    """Kick-drift-kick over bodies kept in a dict of dicts, pairwise forces by nested key loops."""
    vscale, mscale, dt = p
    names = sorted(BODIES_NB)
    x = {n: np.array(BODIES_NB[n]["x"]) * 1.0 for n in names}
    v = {n: np.array(BODIES_NB[n]["v"]) * vscale for n in names}
    m = {n: BODIES_NB[n]["m"] * (mscale if n == "sun" else 1.0) for n in names}

    def accel(x):
        a = {n: np.zeros(2) for n in names}
        for i, ni in enumerate(names):
            for nj in names[i + 1:]:
                d = x[nj] - x[ni]
                r3 = np.sum(d * d) ** 1.5
                a[ni] = a[ni] + m[nj] * d / r3
                a[nj] = a[nj] - m[ni] * d / r3
        return a
    a = accel(x)
    for _ in range(40):
        v = {n: v[n] + 0.5 * dt * a[n] for n in names}
        x = {n: x[n] + dt * v[n] for n in names}
        a = accel(x)
        v = {n: v[n] + 0.5 * dt * a[n] for n in names}
    return np.sum(x["earth"] ** 2) + np.sum(x["mars"] * v["mars"])
