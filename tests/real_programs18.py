"""Array programs, part eighteen: numerical methods as textbooks and notebooks write them.

Optimizers and solvers with their bookkeeping in Python (L-BFGS's two-loop
recursion over lists of pairs with ``pop(0)``, Levenberg-Marquardt's
accept/reject damping, a log-barrier interior point method with Newton
steps and a feasibility backtracking ``while``, coordinate descent for the
elastic net to a tolerance, a projected gradient on a box by ``np.clip``),
filters (an extended Kalman filter on a pendulum, an unscented transform by
Cholesky sigma points, Levinson-Durbin's recursion with its in-place slice
update and a ``ValueError`` naming the reflection coefficient), sequences
(an LSTM unrolled over a sequence with its weights in a dict, soft-DTW's
table written cell by cell), integrators (Adams-Bashforth 3 bootstrapped by
RK4 on a list of past slopes, a Hodgkin-Huxley neuron, shallow water with a
Rusanov flux and a CFL time step in a ``while`` to ``t_end``, adaptive
Simpson by recursion), graphs (Dijkstra by ``heapq`` on traced distances,
a two-layer GCN), statistics (pool-adjacent-violators isotonic regression
on a list of blocks, a Tobit model with ``stats.norm.logcdf``, quantile
regression by the pinball loss with ``np.where``, TrueSkill's v and w
functions), learning (a VAE's ELBO with fixed noise, annealed soft k-means),
finance (Black-Litterman's posterior), engineering (a natural cubic spline
by a tridiagonal solve evaluated by ``np.searchsorted``, a neo-Hookean strain
energy, Peng-Robinson's cubic by Newton, a single-diode PV cell by Newton
per voltage, a battery's equivalent circuit with ``np.interp`` of its OCV
table, computed-torque inverse dynamics of a two-link arm) and operations
(an (s, S) inventory policy simulated day by day).
"""

from __future__ import annotations

import heapq
import math

import numpy as np
from program_cases import Case, registrar

import tapegrad.scipy.linalg as sla
import tapegrad.scipy.special as special
import tapegrad.scipy.stats as stats

PROGRAMS: dict[str, Case] = {}
case = registrar(PROGRAMS)

RS = np.random.RandomState(18)
KINK = "piecewise: the Hessian's differences straddle a kink"
LOOP = "a loop to a tolerance: the Hessian's differences change its trip count"
ZMUL_FORWARD = ("a cell next to R's inf border: the tangent of -inf / gamma is inf, and the "
                "exp of -inf's partial is 0: forward mode's zero-safe product is zero where the "
                "tangent is, not where the partial is, so inf * 0 = nan; grad is finite")


# ------------------------------------------------------------ optimizers with Python bookkeeping
X_LR = RS.randn(30, 3)
Y_LR = (X_LR @ np.array([1.0, -2.0, 0.5]) + 0.3 * RS.randn(30) > 0).astype(float)


def _logistic_loss_and_grad(w, lam):
    z = X_LR @ w
    loss = np.mean(np.logaddexp(0.0, z) - Y_LR * z) + 0.5 * lam * w @ w
    grad = X_LR.T @ (special.expit(z) - Y_LR) / len(Y_LR) + lam * w
    return loss, grad


@case([0.1, 0.1, 0.1, 0.05], 1, scale=0.1, no_hessian=LOOP)
def lbfgs_two_loop_logistic(p):
    """L-BFGS on a ridge logistic regression: memory lists with pop(0), Armijo backtracking."""
    w, lam = p[:3], p[3]
    m = 3
    s_list, y_list = [], []
    loss, g = _logistic_loss_and_grad(w, lam)
    for _ in range(8):
        q = g.copy()
        alphas = []
        for s, y in zip(reversed(s_list), reversed(y_list)):
            rho = 1.0 / (y @ s)
            a = rho * (s @ q)
            q = q - a * y
            alphas.append((rho, a))
        if s_list:
            q = q * (s_list[-1] @ y_list[-1]) / (y_list[-1] @ y_list[-1])
        for (s, y), (rho, a) in zip(zip(s_list, y_list), reversed(alphas)):
            b = rho * (y @ q)
            q = q + s * (a - b)
        d = -q
        t = 1.0
        while True:
            new_loss, new_g = _logistic_loss_and_grad(w + t * d, lam)
            if new_loss <= loss + 1e-4 * t * (g @ d) or t < 1e-8:
                break
            t *= 0.5
        s_list.append(t * d)
        y_list.append(new_g - g)
        if len(s_list) > m:
            s_list.pop(0)
            y_list.pop(0)
        w, loss, g = w + t * d, new_loss, new_g
    return loss + np.sum(w ** 2) * 0.01


T_LM = np.linspace(0.0, 4.0, 15)
Y_LM = 2.5 * np.exp(-1.3 * T_LM) + 0.4 + 0.02 * RS.randn(15)


@case([1.0, 0.0, 1.0, 0.5], 2, scale=0.1, no_hessian=LOOP, traces=2)
def levenberg_marquardt_decay_fit(p):
    """LM for a * exp(b t) + c with damping mu *= 10 on a rejected step, /= 3 on an accepted one.

    The data are rescaled, shifted, time-stretched and tilted by p: the fit moves with them."""
    y = p[0] * Y_LM + p[1] + 0.1 * p[3] * T_LM
    t_obs = T_LM * p[2]
    theta = np.array([1.0, -1.0, 0.0])

    def residuals(th):
        return th[0] * np.exp(th[1] * t_obs) + th[2] - y
    mu = 1e-2
    r = residuals(theta)
    cost = 0.5 * r @ r
    for it in range(40):  # noqa: B007
        e = np.exp(theta[1] * t_obs)
        J = np.column_stack([e, theta[0] * t_obs * e, np.ones_like(T_LM)])
        A = J.T @ J
        step = np.linalg.solve(A + mu * np.diag(np.diag(A)), -J.T @ r)
        r_new = residuals(theta + step)
        cost_new = 0.5 * r_new @ r_new
        if cost_new < cost:
            theta, r = theta + step, r_new
            if cost - cost_new < 1e-14 * (1 + cost):
                break
            cost = cost_new
            mu = mu / 3
        else:
            mu = mu * 10
    return theta @ np.array([1.0, 0.5, 2.0])


A_LP = np.array([[1.0, 1.0], [1.0, -1.0], [-1.0, 0.0], [0.0, -1.0], [-1.0, 2.0]])
B_LP = np.array([4.0, 2.0, 0.0, 0.0, 3.0])


@case([-1.0, -2.0], 3, scale=0.1, rtol=1e-4, no_hessian=LOOP, fd_step=1e-5, traces=3)
def log_barrier_lp_newton(c):
    """A barrier method for min c.x s.t. Ax <= b: Newton with backtracking kept feasible."""
    x = np.array([0.5, 0.5])
    t, m = 1.0, len(B_LP)
    while m / t > 1e-4:
        for _ in range(50):
            slack = B_LP - A_LP @ x
            g = t * c + A_LP.T @ (1 / slack)
            H = A_LP.T @ np.diag(1 / slack ** 2) @ A_LP
            dx = -np.linalg.solve(H, g)
            decrement = -g @ dx
            if decrement / 2 < 1e-10:
                break
            step = 1.0
            while np.any(B_LP - A_LP @ (x + step * dx) <= 0):
                step *= 0.5

            def phi(z):
                return t * c @ z - np.sum(np.log(B_LP - A_LP @ z))
            while phi(x + step * dx) > phi(x) - 0.25 * step * decrement:
                step *= 0.5
            x = x + step * dx
        t *= 50
    return c @ x


X_EN = RS.randn(20, 4)
Y_EN = X_EN @ np.array([1.5, 0.0, -0.7, 0.2]) + 0.1 * RS.randn(20)


@case([0.05, 0.5], 4, scale=0.1, no_hessian=LOOP, rtol=1e-5)
def elastic_net_coordinate_descent(p):
    """glmnet-style coordinate descent with soft thresholding, sweeps until max change < tol."""
    lam, alpha = p
    n, k = X_EN.shape
    beta = np.zeros_like(p, shape=k)
    resid = Y_EN.copy()
    col_sq = np.sum(X_EN ** 2, axis=0) / n
    for sweep in range(200):  # noqa: B007
        max_change = 0.0
        for j in range(k):
            old = beta[j]
            rho = X_EN[:, j] @ resid / n + col_sq[j] * old
            new = np.sign(rho) * np.maximum(np.abs(rho) - lam * alpha, 0.0) / (
                col_sq[j] + lam * (1 - alpha))
            if new != old:
                resid = resid - X_EN[:, j] * (new - old)
                beta[j] = new
            max_change = max(max_change, abs(new - old))
        if max_change < 1e-10:
            break
    return np.sum(resid ** 2) / n + np.sum(np.abs(beta))


Q_BOX = np.array([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]])


@case([-3.0, 1.0, -0.5, 1.0], 5, scale=0.1, no_hessian=KINK)
def projected_gradient_box_qp(p):
    """Projected gradient for a QP on the box [0, upper]: x = np.clip(x - lr * g, 0, upper)."""
    b, upper = p[:3], p[3]
    x = np.zeros(3)
    lr = 1.0 / np.linalg.norm(Q_BOX, 2)
    for _ in range(60):
        g = Q_BOX @ x + b
        x = np.clip(x - lr * g, 0.0, upper)
    return 0.5 * x @ Q_BOX @ x + b @ x


# ------------------------------------------------------------ filters
Z_EKF = np.sin(0.8 * np.cos(np.linspace(0, 6, 25))) + 0.05 * RS.randn(25)


@case([0.01, 0.05, 0.6, 0.2], 6, scale=0.1)
def extended_kalman_pendulum(p):
    """EKF on a pendulum observed through sin(theta): the innovations' negative log-likelihood."""
    q, r, theta0, omega0 = p
    dt, g_l = 0.25, 9.81
    x = np.stack([theta0, omega0])
    P = np.eye(2) * 0.1
    Q = q * np.array([[dt ** 3 / 3, dt ** 2 / 2], [dt ** 2 / 2, dt]])
    nll = 0.0
    for z in Z_EKF:
        x = np.stack([x[0] + dt * x[1], x[1] - dt * g_l * np.sin(x[0])])
        F = np.stack([np.array([1.0, dt]), np.stack([-dt * g_l * np.cos(x[0]), 1.0])])
        P = F @ P @ F.T + Q
        H = np.stack([np.cos(x[0]), 0.0])[None, :]
        S = H @ P @ H.T + r
        K = P @ H.T / S
        innovation = z - np.sin(x[0])
        x = x + (K * innovation).ravel()
        P = (np.eye(2) - K @ H) @ P
        nll += 0.5 * (np.log(2 * math.pi * S[0, 0]) + innovation ** 2 / S[0, 0])
    return nll


@case([2.0, 0.7, 0.05, 0.02, 0.01], 7, scale=0.1)
def unscented_transform_polar(p):
    """The unscented transform of polar to Cartesian: sigma points from a Cholesky factor."""
    mean = p[:2]
    P = np.stack([np.stack([p[2], p[4]]), np.stack([p[4], p[3]])])
    n, alpha, beta, kappa = 2, 1e-1, 2.0, 1.0
    lam = alpha ** 2 * (n + kappa) - n
    L = sla.cholesky((n + lam) * P, lower=True)
    sigmas = [mean] + [mean + L[:, i] for i in range(n)] + [mean - L[:, i] for i in range(n)]
    wm = np.full(2 * n + 1, 0.5 / (n + lam))
    wc = wm.copy()
    wm[0] = lam / (n + lam)
    wc[0] = lam / (n + lam) + 1 - alpha ** 2 + beta
    Y = np.stack([np.stack([s[0] * np.cos(s[1]), s[0] * np.sin(s[1])]) for s in sigmas])
    y_mean = wm @ Y
    dev = Y - y_mean
    cov = (wc[:, None] * dev).T @ dev
    return y_mean @ np.array([1.0, 2.0]) + np.trace(cov) + np.linalg.det(cov) * 100


AUTOCORR_BASE = np.array([1.0, 0.6, 0.2, -0.1, -0.2])


@case([0.0, 0.6, 0.2, -0.1, -0.2], 8, scale=0.1)
def levinson_durbin_recursion(dr):
    """Levinson-Durbin from autocorrelations: AR coefficients updated in place by slices."""
    r = dr.copy()
    r[0] = r[0] + 1.0
    order = len(r) - 1
    a = np.zeros_like(r)
    a[0] = 1.0
    err = r[0]
    for k in range(1, order + 1):
        acc = r[k] + a[1:k] @ r[k - 1:0:-1]
        refl = -acc / err
        if abs(refl) >= 1:
            raise ValueError(f"reflection coefficient {refl} at order {k}: not positive definite")
        a[1:k] = a[1:k] + refl * a[k - 1:0:-1]
        a[k] = refl
        err = err * (1 - refl ** 2)
    return err + np.sum(a[1:] ** 2)


# ------------------------------------------------------------ sequences
SEQ_LSTM = RS.randn(7, 2)
N_H = 3
N_LSTM = 4 * N_H * (2 + N_H) + 4 * N_H + N_H + 1


def _lstm_params(theta):
    i = 0
    params = {}
    for name, shape in [("W", (4 * N_H, 2)), ("U", (4 * N_H, N_H)), ("b", (4 * N_H,)),
                        ("w_out", (N_H,)), ("b_out", ())]:
        size = int(np.prod(shape))
        params[name] = theta[i:i + size].reshape(shape)
        i += size
    return params


@case(0.3 * RS.randn(N_LSTM), 9, scale=0.1)
def lstm_sequence_classifier(theta):
    """An LSTM unrolled over a sequence, gates sliced from one matrix, logistic loss at the end."""
    prm = _lstm_params(theta)
    h, c = np.zeros(N_H), np.zeros(N_H)
    hs = []
    for x_t in SEQ_LSTM:
        z = prm["W"] @ x_t + prm["U"] @ h + prm["b"]
        i_g, f_g, o_g = (special.expit(z[k * N_H:(k + 1) * N_H]) for k in range(3))
        g_g = np.tanh(z[3 * N_H:])
        c = f_g * c + i_g * g_g
        h = o_g * np.tanh(c)
        hs.append(h)
    logit = prm["w_out"] @ np.mean(np.stack(hs), axis=0) + prm["b_out"]
    return np.logaddexp(0.0, -logit) + 0.01 * np.sum(theta ** 2)


SERIES_B = np.array([0.0, 1.0, 0.5, -0.3, 0.2, 0.9])


@case([0.1, 0.4, 1.1, 0.3, -0.2, 0.6, 1.0], 10, scale=0.1,
      xfail=(("jvp", ZMUL_FORWARD), ("hessian", ZMUL_FORWARD)))
def soft_dtw_table(p):
    """Soft-DTW (Cuturi and Blondel) filled cell by cell with a soft minimum by logsumexp."""
    x, gamma = p[:6], 0.1 + 0.0 * p[6] + 0.5 * p[6] ** 2
    n, m = len(x), len(SERIES_B)
    R = np.full_like(p, np.inf, shape=(n + 1, m + 1))
    R[0, 0] = 0.0
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            cost = (x[i - 1] - SERIES_B[j - 1]) ** 2
            prev = np.stack([R[i - 1, j - 1], R[i - 1, j], R[i, j - 1]])
            R[i, j] = cost - gamma * special.logsumexp(-prev / gamma)
    return R[n, m]


# ------------------------------------------------------------ integrators
def _vdp(state, mu):
    x, v = state
    return np.stack([v, mu * (1 - x ** 2) * v - x])


@case([1.5, 2.0, 0.0], 11, scale=0.1)
def adams_bashforth3_van_der_pol(p):
    """AB3 on Van der Pol, its first two steps by RK4; past slopes in a list, pop(0) each step."""
    mu, state, h = p[0], p[1:3], 0.02
    slopes = []
    for _ in range(2):
        slopes.append(_vdp(state, mu))
        k1 = slopes[-1]
        k2 = _vdp(state + h / 2 * k1, mu)
        k3 = _vdp(state + h / 2 * k2, mu)
        k4 = _vdp(state + h * k3, mu)
        state = state + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    for _ in range(100):
        slopes.append(_vdp(state, mu))
        state = state + h / 12 * (23 * slopes[-1] - 16 * slopes[-2] + 5 * slopes[-3])
        slopes.pop(0)
    return state[0] + 0.5 * state[1]


@case([120.0, 36.0, 0.3, 10.0], 12, scale=0.05, rtol=1e-5)
def hodgkin_huxley_euler(p):
    """Hodgkin-Huxley by forward Euler with the 1952 rate functions; mean squared voltage."""
    g_na, g_k, g_l, i_ext = p
    e_na, e_k, e_l = 50.0, -77.0, -54.387
    V, m, h, n = -65.0, 0.05, 0.6, 0.32
    dt, total = 0.05, 0.0
    for step in range(160):  # noqa: B007
        a_m = 0.1 * (V + 40) / (1 - np.exp(-(V + 40) / 10))
        b_m = 4 * np.exp(-(V + 65) / 18)
        a_h = 0.07 * np.exp(-(V + 65) / 20)
        b_h = 1 / (1 + np.exp(-(V + 35) / 10))
        a_n = 0.01 * (V + 55) / (1 - np.exp(-(V + 55) / 10))
        b_n = 0.125 * np.exp(-(V + 65) / 80)
        i_ion = (g_na * m ** 3 * h * (V - e_na) + g_k * n ** 4 * (V - e_k)
                 + g_l * (V - e_l))
        V = V + dt * (i_ext - i_ion)
        m = m + dt * (a_m * (1 - m) - b_m * m)
        h = h + dt * (a_h * (1 - h) - b_h * h)
        n = n + dt * (a_n * (1 - n) - b_n * n)
        total = total + V ** 2
    return total / 160 / 1000


@case([1.0, 0.5, 0.2, 0.8], 13, scale=0.05, rtol=1e-5, no_hessian=LOOP, traces=2)
def shallow_water_rusanov_cfl(p):
    """1-D shallow water, Rusanov flux, dt from the CFL condition in a while loop to t_end."""
    h_left, h_right, width, t_end = p
    nx, g = 24, 9.81
    xc = (np.arange(nx) + 0.5) / nx
    h = h_right + (h_left - h_right) * 0.5 * (1 - np.tanh((xc - 0.5) / (0.05 * width)))
    hu = np.zeros(nx)
    dx, t, steps = 1.0 / nx, 0.0, 0
    while t < t_end * 0.1:
        u = hu / h
        c = np.abs(u) + np.sqrt(g * h)
        dt = min(0.4 * dx / np.max(c), t_end * 0.1 - t)
        H = np.concatenate([h[:1], h, h[-1:]])
        HU = np.concatenate([-hu[:1], hu, -hu[-1:]])
        U = HU / H
        F1, F2 = HU, HU * U + 0.5 * g * H ** 2
        a = np.maximum(np.abs(U[:-1]) + np.sqrt(g * H[:-1]), np.abs(U[1:]) + np.sqrt(g * H[1:]))
        flux1 = 0.5 * (F1[:-1] + F1[1:]) - 0.5 * a * (H[1:] - H[:-1])
        flux2 = 0.5 * (F2[:-1] + F2[1:]) - 0.5 * a * (HU[1:] - HU[:-1])
        h = h - dt / dx * (flux1[1:] - flux1[:-1])
        hu = hu - dt / dx * (flux2[1:] - flux2[:-1])
        t += dt
        steps += 1
    return np.sum(h ** 2 + hu ** 2 / h) * dx


@case([1.0, 3.0, 0.5], 14, scale=0.05, no_hessian=LOOP, traces=2, rtol=1e-5)
def adaptive_simpson_recursive(p):
    """Adaptive Simpson by recursion on halves until |S2 - S| <= 15 eps, with a depth guard."""
    a_coef, freq, shift = p

    def f(x):
        return np.exp(-a_coef * (x - shift) ** 2) * np.cos(freq * x)

    def simpson(a, b, fa, fm, fb):
        return (b - a) / 6 * (fa + 4 * fm + fb)

    def recurse(a, b, fa, fm, fb, whole, eps, depth):
        if depth > 30:
            raise RecursionError(f"adaptive Simpson did not converge on [{a}, {b}]")
        m = (a + b) / 2
        lm, rm = (a + m) / 2, (m + b) / 2
        flm, frm = f(lm), f(rm)
        left, right = simpson(a, m, fa, flm, fm), simpson(m, b, fm, frm, fb)
        if abs(left + right - whole) <= 15 * eps:
            return left + right + (left + right - whole) / 15
        return (recurse(a, m, fa, flm, fm, left, eps / 2, depth + 1)
                + recurse(m, b, fm, frm, fb, right, eps / 2, depth + 1))
    a, b = -2.0, 3.0
    fa, fm, fb = f(a), f((a + b) / 2), f(b)
    return recurse(a, b, fa, fm, fb, simpson(a, b, fa, fm, fb), 1e-5, 0)


# ------------------------------------------------------------ graphs
EDGES_DJ = [("s", "a", 0), ("s", "b", 1), ("a", "b", 2), ("a", "c", 3), ("b", "c", 4),
            ("b", "d", 5), ("c", "t", 6), ("d", "t", 7), ("c", "d", 8)]


@case([2.0, 1.0, 0.5, 4.0, 3.5, 2.5, 1.0, 3.0, 0.7], 15, scale=0.05)
def dijkstra_heapq_edge_lengths(w):
    """Dijkstra by heapq over (distance, node) tuples; the path lengths to t and to d."""
    graph = {}
    for u, v, k in EDGES_DJ:
        graph.setdefault(u, []).append((v, w[k]))
        graph.setdefault(v, []).append((u, w[k]))
    dist = {"s": 0.0 * w[0]}
    done = set()
    heap = [(0.0, "s")]
    while heap:
        d, u = heapq.heappop(heap)
        if u in done:
            continue
        done.add(u)
        for v, length in graph[u]:
            nd = d + length
            if v not in dist or nd < dist[v]:
                dist[v] = nd
                heapq.heappush(heap, (nd, v))
    return dist["t"] + 0.5 * dist["d"]


ADJ_GCN = np.array([[0, 1, 1, 0, 0, 0], [1, 0, 1, 0, 0, 0], [1, 1, 0, 1, 0, 0],
                    [0, 0, 1, 0, 1, 1], [0, 0, 0, 1, 0, 1], [0, 0, 0, 1, 1, 0]], dtype=float)
FEAT_GCN = RS.randn(6, 3)
LABELS_GCN = np.array([0, 0, 0, 1, 1, 1])
TRAIN_GCN = np.array([True, False, True, True, False, True])


@case(0.5 * RS.randn(3 * 4 + 4 * 2), 16, scale=0.1, no_hessian=KINK)
def gcn_two_layer_masked_nll(theta):
    """Kipf and Welling's GCN: D^-1/2 (A + I) D^-1/2, ReLU, log-softmax, train-mask NLL."""
    W1, W2 = theta[:12].reshape(3, 4), theta[12:].reshape(4, 2)
    A = ADJ_GCN + np.eye(6)
    d_inv_sqrt = 1 / np.sqrt(A.sum(axis=1))
    A_hat = d_inv_sqrt[:, None] * A * d_inv_sqrt[None, :]
    H = np.maximum(A_hat @ FEAT_GCN @ W1, 0)
    logits = A_hat @ H @ W2
    logp = logits - special.logsumexp(logits, axis=1, keepdims=True)
    picked = logp[np.arange(6), LABELS_GCN]
    return -np.mean(picked[TRAIN_GCN]) + 5e-3 * np.sum(theta ** 2)


# ------------------------------------------------------------ statistics
@case([1.0, 2.5, 2.0, 3.1, 2.8, 4.0, 5.5, 5.1], 17, scale=0.02, no_hessian=KINK)
def isotonic_regression_pav(y):
    """Pool adjacent violators on a list of [mean, weight, count] blocks, merged while violated."""
    blocks = []
    for v in y:
        blocks.append([v, 1.0, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            m2, w2, n2 = blocks.pop()
            m1, w1, n1 = blocks.pop()
            blocks.append([(m1 * w1 + m2 * w2) / (w1 + w2), w1 + w2, n1 + n2])
    fit = []
    for mean, _, count in blocks:
        fit.extend([mean] * count)
    fit = np.stack(fit)
    return np.sum(fit * np.arange(1, len(y) + 1)) + np.sum((fit - y) ** 2)


X_TOBIT = np.linspace(-1, 2, 16)
Y_TOBIT = np.maximum(0.8 * X_TOBIT - 0.2 + 0.3 * RS.randn(16), 0.0)


@case([0.5, 0.0, -1.0], 18, scale=0.1)
def tobit_censored_nll(p):
    """A Tobit model (left-censored at 0): norm.logcdf below, norm.logpdf above, by a mask."""
    slope, intercept, log_sigma = p
    sigma = np.exp(log_sigma)
    mu = slope * X_TOBIT + intercept
    censored = Y_TOBIT <= 0
    ll = np.sum(stats.norm.logcdf(-mu[censored] / sigma))
    ll += np.sum(stats.norm.logpdf(Y_TOBIT[~censored], mu[~censored], sigma))
    return -ll


X_QR = np.linspace(0, 1, 25)
Y_QR = 1.0 + 2.0 * X_QR + (0.2 + 0.5 * X_QR) * RS.randn(25)


@case([1.0, 1.5, 0.8, 2.5], 19, scale=0.05, no_hessian=KINK)
def pinball_quantile_regression(p):
    """The pinball loss at the 10% and 90% quantiles by np.where, a non-crossing penalty."""
    total = 0.0
    for tau, (a, b) in zip([0.1, 0.9], [p[:2], p[2:]]):
        r = Y_QR - (a + b * X_QR)
        total += np.mean(np.where(r >= 0, tau * r, (tau - 1) * r))
    lo, hi = p[0] + p[1] * X_QR, p[2] + p[3] * X_QR
    return total + np.sum(np.clip(lo - hi, 0, None))


GAMES_TS = [1, 1, 0, 1, 0, 1]       # 1: player one won


@case([25.0, 8.333, 27.0, 6.0], 20, scale=0.05)
def trueskill_match_sequence(p):
    """TrueSkill updates without draws, v = pdf/cdf and w = v (v + t), over a list of games."""
    mu1, s1, mu2, s2 = p
    beta = 25 / 6
    for won in GAMES_TS:
        c = math.sqrt(2) * 0 + np.sqrt(2 * beta ** 2 + s1 ** 2 + s2 ** 2)
        t = (mu1 - mu2) / c if won else (mu2 - mu1) / c
        v = stats.norm.pdf(t) / stats.norm.cdf(t)
        w = v * (v + t)
        sign = 1 if won else -1
        mu1 = mu1 + sign * s1 ** 2 / c * v
        mu2 = mu2 - sign * s2 ** 2 / c * v
        s1 = np.sqrt(s1 ** 2 * (1 - s1 ** 2 / c ** 2 * w))
        s2 = np.sqrt(s2 ** 2 * (1 - s2 ** 2 / c ** 2 * w))
    return mu1 - mu2 + 3 * (s1 + s2)


# ------------------------------------------------------------ learning
X_VAE = (RS.rand(5, 4) > 0.5).astype(float)
EPS_VAE = RS.randn(5, 2)


@case(0.3 * RS.randn(4 * 4 + 4 + 2 * 4 + 4), 21, scale=0.1)
def vae_elbo_fixed_noise(theta):
    """A linear VAE on binary data: reparameterized z, Bernoulli decoder, KL in closed form."""
    params = {"enc": theta[:16].reshape(4, 4), "enc_b": theta[16:20],
              "dec": theta[20:28].reshape(2, 4), "dec_b": theta[28:]}
    hidden = X_VAE @ params["enc"] + params["enc_b"]
    mu, logvar = hidden[:, :2], hidden[:, 2:]
    z = mu + np.exp(0.5 * logvar) * EPS_VAE
    logits = z @ params["dec"] + params["dec_b"]
    log_lik = np.sum(X_VAE * logits - np.logaddexp(0.0, logits), axis=1)
    kl = -0.5 * np.sum(1 + logvar - mu ** 2 - np.exp(logvar), axis=1)
    return -np.mean(log_lik - kl)


PTS_KM = np.concatenate([RS.randn(8, 2) * 0.4 + [1, 1], RS.randn(8, 2) * 0.4 - [1, 0.5]])


@case([0.5, 0.5, -0.5, -0.2, 1.0], 22, scale=0.1)
def soft_kmeans_annealed(p):
    """Soft k-means with the inverse temperature doubled each pass (deterministic annealing)."""
    centers = p[:4].reshape(2, 2)
    beta = p[4]
    for _ in range(6):
        d2 = np.sum((PTS_KM[:, None, :] - centers[None, :, :]) ** 2, axis=-1)
        resp = special.softmax(-beta * d2, axis=1)
        centers = (resp.T @ PTS_KM) / resp.sum(axis=0)[:, None]
        beta = beta * 2
    d2 = np.sum((PTS_KM[:, None, :] - centers[None, :, :]) ** 2, axis=-1)
    return -special.logsumexp(-d2, axis=1).sum()


# ------------------------------------------------------------ finance
SIGMA_BL = np.array([[0.04, 0.006, 0.01], [0.006, 0.09, 0.012], [0.01, 0.012, 0.0625]])
W_MKT = np.array([0.5, 0.3, 0.2])
P_BL = np.array([[1.0, -1.0, 0.0], [0.0, 0.0, 1.0]])


@case([0.02, 0.08, 0.05, 2.5], 23, scale=0.1)
def black_litterman_posterior(p):
    """Black-Litterman: implied returns, two views with He-Litterman's Omega, posterior weights."""
    Q, tau, delta = p[:2], p[2], p[3]
    pi = delta * SIGMA_BL @ W_MKT
    omega = np.diag(np.diag(P_BL @ (tau * SIGMA_BL) @ P_BL.T))
    ts_inv = np.linalg.inv(tau * SIGMA_BL)
    post_prec = ts_inv + P_BL.T @ np.linalg.inv(omega) @ P_BL
    mu_bl = np.linalg.solve(post_prec, ts_inv @ pi + P_BL.T @ np.linalg.solve(omega, Q))
    w = np.linalg.solve(delta * SIGMA_BL, mu_bl)
    return w @ np.array([1.0, 2.0, 3.0]) + np.sum(mu_bl)


# ------------------------------------------------------------ engineering
KNOTS_SP = np.array([0.0, 0.7, 1.5, 2.0, 3.2, 4.0])
QUERY_SP = np.linspace(0.05, 3.95, 13)


@case([0.0, 0.8, 0.9, 0.3, -0.6, -0.2], 24, scale=0.1)
def natural_cubic_spline_searchsorted(y):
    """A natural cubic spline: second derivatives by a tridiagonal solve, pieces by searchsorted."""
    x = KNOTS_SP
    n = len(x)
    h = np.diff(x)
    A = np.zeros((n, n))
    rhs = np.zeros_like(y)
    A[0, 0] = A[-1, -1] = 1.0
    for i in range(1, n - 1):
        A[i, i - 1], A[i, i], A[i, i + 1] = h[i - 1], 2 * (h[i - 1] + h[i]), h[i]
        rhs[i] = 6 * ((y[i + 1] - y[i]) / h[i] - (y[i] - y[i - 1]) / h[i - 1])
    M = np.linalg.solve(A, rhs)
    k = np.clip(np.searchsorted(x, QUERY_SP) - 1, 0, n - 2)
    t0, t1 = x[k + 1] - QUERY_SP, QUERY_SP - x[k]
    s = (M[k] * t0 ** 3 + M[k + 1] * t1 ** 3) / (6 * h[k]) + (
        y[k] / h[k] - M[k] * h[k] / 6) * t0 + (y[k + 1] / h[k] - M[k + 1] * h[k] / 6) * t1
    return np.sum((s - np.sin(QUERY_SP)) ** 2) + 0.01 * np.sum(M ** 2)


@case([1.1, 0.1, 0.0, 0.05, 0.95, 0.1, 0.0, 0.02, 1.05], 25, scale=0.03)
def neo_hookean_strain_energy(f):
    """A compressible neo-Hookean energy of F plus the norm of its second Piola-Kirchhoff stress."""
    F = f.reshape(3, 3)
    mu, lam = 1.0, 5.0
    J = np.linalg.det(F)
    if J <= 0:
        raise ValueError(f"inverted element: det F = {J}")
    C = F.T @ F
    I1 = np.trace(C)
    W = mu / 2 * (I1 - 3) - mu * np.log(J) + lam / 2 * np.log(J) ** 2
    C_inv = np.linalg.inv(C)
    S = mu * (np.eye(3) - C_inv) + lam * np.log(J) * C_inv
    return W + 0.1 * np.sum(S * S)


@case([350.0, 50.0, 0.1], 26, scale=0.03, no_hessian=LOOP, rtol=1e-5)
def peng_robinson_vapor_fugacity(p):
    """Peng-Robinson: the vapour compressibility root by Newton from Z = 1, then ln(phi)."""
    T, P_bar, omega = p
    Tc, Pc, R = 369.8, 42.48, 8.314e-5
    kappa = 0.37464 + 1.54226 * omega - 0.26992 * omega ** 2
    alpha = (1 + kappa * (1 - np.sqrt(T / Tc))) ** 2
    a = 0.45724 * R ** 2 * Tc ** 2 / Pc * alpha
    b = 0.07780 * R * Tc / Pc
    A, B = a * P_bar / (R * T) ** 2, b * P_bar / (R * T)
    Z = 1.0
    while True:
        f = Z ** 3 - (1 - B) * Z ** 2 + (A - 3 * B ** 2 - 2 * B) * Z - (A * B - B ** 2 - B ** 3)
        df = 3 * Z ** 2 - 2 * (1 - B) * Z + (A - 3 * B ** 2 - 2 * B)
        dZ = f / df
        Z = Z - dZ
        if abs(dZ) < 1e-13:
            break
    s2 = math.sqrt(2)
    ln_phi = Z - 1 - np.log(Z - B) - A / (2 * s2 * B) * np.log(
        (Z + (1 + s2) * B) / (Z + (1 - s2) * B))
    return ln_phi + Z


V_PV = np.linspace(0.0, 0.6, 13)


@case([5.0, -9.0, 0.02, 50.0, 1.3], 27, scale=0.03, no_hessian=LOOP, rtol=1e-5, traces=2)
def single_diode_pv_newton(p):
    """A single-diode PV cell: current at each voltage by Newton to 1e-12, power summed."""
    i_ph, log10_i0, r_s, r_sh, n_id = p
    i_0 = 10 ** log10_i0
    vt = 0.025693
    powers = []
    I = i_ph  # noqa: E741
    for V in V_PV:
        for _ in range(100):
            e = np.exp((V + I * r_s) / (n_id * vt))
            g = i_ph - i_0 * (e - 1) - (V + I * r_s) / r_sh - I
            dg = -i_0 * e * r_s / (n_id * vt) - r_s / r_sh - 1
            step = g / dg
            I = I - step  # noqa: E741
            if abs(step) < 1e-12:
                break
        powers.append(V * I)
    return sum(powers) / len(powers)


SOC_TABLE = np.array([0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0])
OCV_TABLE = np.array([3.0, 3.45, 3.62, 3.71, 3.85, 4.05, 4.2])
CURRENT_BAT = np.concatenate([np.full(20, 2.0), np.zeros(10), np.full(20, -1.0)])
V_MEAS_BAT = 3.9 - 0.002 * np.arange(50) + 0.01 * RS.randn(50)


@case([0.05, 0.02, 2.0, 2.5, 0.8], 28, scale=0.05, no_hessian=KINK)
def battery_thevenin_coulomb_counting(p):
    """A Thevenin cell: Coulomb-counted SOC, OCV by np.interp, one RC pair, voltage error."""
    r0, r1, c1_kf, capacity_ah, soc0 = p
    c1 = 1000 * c1_kf
    dt = 10.0
    soc, v_rc = soc0, 0.0
    err = 0.0
    decay = np.exp(-dt / (r1 * c1))
    for k, (i, v_meas) in enumerate(zip(CURRENT_BAT, V_MEAS_BAT)):
        soc = soc - i * dt / (3600 * capacity_ah)
        v_rc = v_rc * decay + r1 * (1 - decay) * i
        v = np.interp(soc, SOC_TABLE, OCV_TABLE) - r0 * i - v_rc
        err += (v - v_meas) ** 2 * (1 + (k > 40))
    return err


@case([1.0, 0.8, 2.0, 1.5], 29, scale=0.05)
def two_link_computed_torque(p):
    """Inverse dynamics M(q) qdd + C(q, qd) qd + G(q) of a two-link arm along a trajectory."""
    m1, m2, l1, l2 = p
    g = 9.81
    energy = 0.0
    for t in np.linspace(0, 2, 21):
        q = np.array([0.5 * np.sin(t), 0.3 * np.cos(2 * t)])
        qd = np.array([0.5 * np.cos(t), -0.6 * np.sin(2 * t)])
        qdd = np.array([-0.5 * np.sin(t), -1.2 * np.cos(2 * t)])
        c2, s2 = np.cos(q[1]), np.sin(q[1])
        M = np.stack([np.stack([(m1 + m2) * l1 ** 2 + m2 * l2 ** 2 + 2 * m2 * l1 * l2 * c2,
                                m2 * l2 ** 2 + m2 * l1 * l2 * c2]),
                      np.stack([m2 * l2 ** 2 + m2 * l1 * l2 * c2, m2 * l2 ** 2])])
        h = m2 * l1 * l2 * s2
        C = np.stack([np.stack([-h * qd[1], -h * (qd[0] + qd[1])]), np.stack([h * qd[0], 0.0])])
        G = np.stack([(m1 + m2) * g * l1 * np.cos(q[0]) + m2 * g * l2 * np.cos(q[0] + q[1]),
                      m2 * g * l2 * np.cos(q[0] + q[1])])
        tau = M @ qdd + C @ qd + G
        energy = energy + tau @ tau * 0.1
    return energy


DEMAND_INV = [4, 7, 3, 9, 5, 6, 2, 8, 5, 4, 7, 6]


@case([6.5, 20.0, 1.0, 4.0], 30, scale=0.02, no_hessian=KINK, traces=2)
def inventory_s_big_s_policy(p):
    """An (s, S) policy day by day: order up to S when stock < s; holding, backorder, orders."""
    s, S, holding, backorder = p
    stock, cost = S, 0.0
    for day, demand in enumerate(DEMAND_INV):
        if stock < s:
            cost = cost + 10.0 + 0.5 * (S - stock)
            stock = S
        stock = stock - demand
        if stock >= 0:
            cost = cost + holding * stock
        else:
            cost = cost + backorder * -stock
        if day == len(DEMAND_INV) - 1:
            break
    return cost / len(DEMAND_INV)
