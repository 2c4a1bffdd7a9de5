"""Programs for ``test_real_programs8.py``: numerical code as people write it, one vector each.

Deep learning from scratch (im2col convolution, causal attention, batch norm,
Karpathy's min-char-rnn, word2vec with negative sampling, a mixture density
network, InfoNCE, a PPO objective), geometry and graphics (ray-sphere shading,
robot-arm kinematics, Rodrigues' rotation and a pinhole camera, quaternions, a
Bezier curve's length, bilinear lookups), physics and engineering (a bar by finite
elements, a 2-d wave by leapfrog, a soft Ising lattice by ``np.roll``, a projectile
to the ground, Kepler's equation, an epidemic and a drug in the blood), statistics
and finance (masked matrix factorization, a leave-one-out density, naive Bayes, a
Gaussian by ``inv`` and ``det``, an Asian option on fixed paths, Elo ratings, a
Box-Cox transform), and solvers (ISTA, soft value iteration, shooting, Procrustes).
"""

from __future__ import annotations

import functools
import operator

import numpy as np
from test_real_programs2 import Program, rng

import tapegrad.scipy.special as tss
import tapegrad.scipy.stats as tst

PROGRAMS: dict[str, object] = {}


def program(fn):
    PROGRAMS[fn.__name__] = fn
    return fn


# ------------------------------------------------------------ deep learning from scratch
@program
def conv_im2col_maxpool():
    img = rng(100).randn(6, 6)

    def im2col(x, k):
        n = x.shape[0] - k + 1
        return np.stack([x[i:i + k, j:j + k].ravel() for i in range(n) for j in range(n)])

    def f(w):
        out = (im2col(img, 3) @ w[:9] + w[9]).reshape(4, 4)
        out = np.maximum(out, 0.0)
        pooled = out.reshape(2, 2, 2, 2).max(axis=(1, 3))
        return np.sum(pooled ** 2)
    return Program(f, rng(101).randn(10))


@program
def causal_attention():
    x = rng(102).randn(5, 3)

    def f(w):
        Wq, Wk, Wv = w[:9].reshape(3, 3), w[9:18].reshape(3, 3), w[18:].reshape(3, 3)
        q, k, v = x @ Wq, x @ Wk, x @ Wv
        scores = q @ k.T / np.sqrt(3)
        mask = np.triu(np.ones((5, 5)), k=1).astype(bool)
        scores = np.where(mask, -np.inf, scores)
        scores = scores - scores.max(axis=-1, keepdims=True)
        att = np.exp(scores)
        att = att / att.sum(axis=-1, keepdims=True)
        return np.sum((att @ v) ** 2)
    return Program(f, 0.5 * rng(103).randn(27))


@program
def batch_norm_train():
    X = rng(104).randn(8, 3) * [1.0, 3.0, 0.2] + [0.0, 1.0, -2.0]

    def f(p):
        W, gamma, beta = p[:9].reshape(3, 3), p[9:12], p[12:]
        running_mean, running_var, momentum, eps = np.zeros(3), np.ones(3), 0.1, 1e-5
        h = X @ W
        mu, var = h.mean(axis=0), h.var(axis=0)
        xhat = (h - mu) / np.sqrt(var + eps)
        out = gamma * xhat + beta
        running_mean = momentum * mu + (1 - momentum) * running_mean
        running_var = momentum * var + (1 - momentum) * running_var
        return np.sum(np.tanh(out) ** 2) + 0.01 * np.sum(running_mean ** 2 + running_var)
    return Program(f, rng(105).randn(15))


@program
def min_char_rnn():
    data = "hello world"
    chars = sorted(set(data))
    ix = {ch: i for i, ch in enumerate(chars)}
    V, H = len(chars), 3
    inputs = [ix[ch] for ch in data[:-1]]
    targets = [ix[ch] for ch in data[1:]]
    sizes = [(H, V), (H, H), (V, H), (H, 1), (V, 1)]

    def f(p):
        Wxh, Whh, Why, bh, by, k = [], [], [], [], [], 0
        for (r, c), out in zip(sizes, (Wxh, Whh, Why, bh, by)):
            out.append(p[k:k + r * c].reshape(r, c))
            k += r * c
        Wxh, Whh, Why, bh, by = Wxh[0], Whh[0], Why[0], bh[0], by[0]
        xs, hs, ps = {}, {}, {}
        hs[-1] = np.zeros((H, 1))
        loss = 0
        for t in range(len(inputs)):               # Karpathy's lossFun
            xs[t] = np.zeros((V, 1))
            xs[t][inputs[t]] = 1
            hs[t] = np.tanh(np.dot(Wxh, xs[t]) + np.dot(Whh, hs[t - 1]) + bh)
            ys = np.dot(Why, hs[t]) + by
            ps[t] = np.exp(ys) / np.sum(np.exp(ys))
            loss += -np.log(ps[t][targets[t], 0])
        return loss
    n = sum(r * c for r, c in sizes)
    return Program(f, 0.3 * rng(106).randn(n))


@program
def word2vec_negative_sampling():
    rs = rng(107)
    V, d = 6, 3
    pairs = [(0, 1), (1, 2), (2, 0), (3, 4), (4, 5), (5, 3)]
    negatives = rs.randint(0, V, (6, 2))

    def sigmoid(z):
        return 1 / (1 + np.exp(-z))

    def f(p):
        W_in, W_out = p[:V * d].reshape(V, d), p[V * d:].reshape(V, d)
        loss = 0.0
        for (c, o), neg in zip(pairs, negatives):
            v = W_in[c]
            loss -= np.log(sigmoid(W_out[o] @ v))
            loss -= np.sum(np.log(sigmoid(-W_out[neg] @ v)))
        return loss / len(pairs)
    return Program(f, 0.5 * rs.randn(2 * V * d))


@program
def mixture_density_network():
    rs = rng(108)
    x = np.linspace(-1, 1, 9)
    y = np.sin(2 * x) + 0.1 * rs.randn(9)

    def f(p):
        W1, b1, W2, b2 = p[:4].reshape(1, 4), p[4:8], p[8:32].reshape(4, 6), p[32:38]
        h = np.tanh(x[:, None] @ W1 + b1)
        out = h @ W2 + b2
        logits, mu, log_sigma = out[:, :2], out[:, 2:4], out[:, 4:]
        log_pi = logits - tss.logsumexp(logits, axis=1, keepdims=True)
        log_n = -0.5 * ((y[:, None] - mu) / np.exp(log_sigma)) ** 2 - log_sigma \
            - 0.5 * np.log(2 * np.pi)
        return -np.mean(tss.logsumexp(log_pi + log_n, axis=1))
    return Program(f, 0.5 * rs.randn(38))


@program
def infonce_contrastive():
    rs = rng(109)
    a = rs.randn(5, 4)
    b = a + 0.3 * rs.randn(5, 4)

    def f(w):
        W = w.reshape(4, 3)
        z1, z2 = a @ W, b @ W
        z1 = z1 / np.linalg.norm(z1, axis=1, keepdims=True)
        z2 = z2 / np.linalg.norm(z2, axis=1, keepdims=True)
        logits = z1 @ z2.T / 0.5
        logits = logits - logits.max(axis=1, keepdims=True)
        logp = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
        return -np.mean(np.diag(logp))
    return Program(f, rs.randn(12))


@program
def ppo_clip_objective():
    rs = rng(110)
    S, actions = rs.randn(10, 3), rs.randint(0, 2, 10)
    adv, logp_old = rs.randn(10), np.log(rs.uniform(0.3, 0.7, 10))

    def f(w):
        logits = S @ w.reshape(3, 2)
        logp_all = logits - tss.logsumexp(logits, axis=1, keepdims=True)
        logp = logp_all[np.arange(10), actions]
        ratio = np.exp(logp - logp_old)
        clipped = np.clip(ratio, 1 - 0.2, 1 + 0.2)
        entropy = -np.sum(np.exp(logp_all) * logp_all, axis=1)
        return -np.mean(np.minimum(ratio * adv, clipped * adv)) - 0.01 * np.mean(entropy)
    return Program(f, 0.3 * rs.randn(6))


@program
def dropout_mlp_fixed_mask():
    rs = rng(111)
    X, y = rs.randn(6, 3), rs.randn(6)
    keep = 0.8
    mask = (rs.rand(6, 4) < keep) / keep

    def f(w):
        h = np.tanh(X @ w[:12].reshape(3, 4) + w[12:16]) * mask
        return np.mean((h @ w[16:20] + w[20] - y) ** 2)
    return Program(f, 0.5 * rs.randn(21))


@program
def focal_loss():
    rs = rng(112)
    X, y = rs.randn(12, 3), (rs.rand(12) < 0.3).astype(float)

    def f(w, alpha=0.25, gamma=2.0):
        p = 1 / (1 + np.exp(-(X @ w[:3] + w[3])))
        p_t = np.where(y == 1, p, 1 - p)
        alpha_t = np.where(y == 1, alpha, 1 - alpha)
        return np.mean(-alpha_t * (1 - p_t) ** gamma * np.log(p_t))
    return Program(f, rs.randn(4))


# ------------------------------------------------------------ geometry and graphics
@program
def ray_sphere_shading():
    ys, xs = np.mgrid[-1:1:6j, -1:1:6j]
    dirs = np.stack([xs, ys, np.full_like(xs, 1.5)], axis=-1).reshape(-1, 3)
    dirs = dirs / np.linalg.norm(dirs, axis=1, keepdims=True)
    light = np.array([1.0, 1.0, -1.0]) / np.sqrt(3)

    def f(p):
        center, radius = p[:3], p[3]
        oc = -center                              # rays start at the origin
        b = dirs @ oc
        c = oc @ oc - radius ** 2
        disc = b * b - c
        hit = disc > 0
        t = -b - np.sqrt(np.where(hit, disc, 1.0))
        pts = t[:, None] * dirs
        normal = (pts - center) / radius
        shade = np.maximum(normal @ light, 0.0)
        return np.sum(np.where(hit, shade, 0.0))
    return Program(f, np.array([0.1, -0.2, 4.0, 1.3]))


@program
def robot_arm_reach():
    lengths = np.array([1.0, 0.8, 0.5])
    target = np.array([1.2, 1.1])

    def f(q):
        angles = np.cumsum(q)
        joints = np.cumsum(np.stack([lengths * np.cos(angles), lengths * np.sin(angles)], 1), 0)
        return np.sum((joints[-1] - target) ** 2) + 0.01 * np.sum(q ** 2)
    return Program(f, np.array([0.3, 0.5, -0.2]))


@program
def rodrigues_pinhole_reprojection():
    rs = rng(113)
    P = rs.randn(6, 3) + [0.0, 0.0, 5.0]
    uv_obs = rs.randn(6, 2) * 0.1

    def rodrigues(r):
        theta = np.linalg.norm(r)
        k = r / theta
        Kx = np.stack([np.stack([0.0 * k[0], -k[2], k[1]]), np.stack([k[2], 0.0 * k[0], -k[0]]),
                       np.stack([-k[1], k[0], 0.0 * k[0]])])
        return np.eye(3) + np.sin(theta) * Kx + (1 - np.cos(theta)) * (Kx @ Kx)

    def f(p):
        R, t, focal = rodrigues(p[:3]), p[3:6], p[6]
        Xc = P @ R.T + t
        uv = focal * Xc[:, :2] / Xc[:, 2:]
        return np.sum((uv - uv_obs) ** 2)
    return Program(f, np.array([0.1, -0.05, 0.2, 0.0, 0.1, 0.3, 0.8]))


@program
def quaternion_rotation():
    v = rng(114).randn(4, 3)
    target = v[:, ::-1]

    def qmul(a, b):
        w1, x1, y1, z1 = a
        w2, x2, y2, z2 = b
        return np.stack([w1 * w2 - x1 * x2 - y1 * y2 - z1 * z2,
                         w1 * x2 + x1 * w2 + y1 * z2 - z1 * y2,
                         w1 * y2 - x1 * z2 + y1 * w2 + z1 * x2,
                         w1 * z2 + x1 * y2 - y1 * x2 + z1 * w2])

    def f(q):
        q = q / np.linalg.norm(q)
        conj = q * np.array([1.0, -1.0, -1.0, -1.0])
        total = 0.0
        for p, want in zip(v, target):
            rotated = qmul(qmul(q, np.concatenate([[0.0], p])), conj)[1:]
            total = total + np.sum((rotated - want) ** 2)
        return total
    return Program(f, np.array([0.9, 0.1, -0.3, 0.2]))


@program
def bezier_arc_length():
    t = np.linspace(0, 1, 25)

    def de_casteljau(P, t):
        pts = [P[i] for i in range(len(P))]
        while len(pts) > 1:
            pts = [(1 - t)[:, None] * a + t[:, None] * b for a, b in zip(pts[:-1], pts[1:])]
        return pts[0]

    def f(c):
        curve = de_casteljau(c.reshape(4, 2), t)
        return np.sum(np.linalg.norm(np.diff(curve, axis=0), axis=1))
    return Program(f, np.array([0.0, 0.0, 0.3, 1.0, 0.8, 1.2, 1.0, 0.1]))


@program
def bilinear_lookup():
    q = rng(115).uniform(0, 2.99, (7, 2))

    def f(g):
        grid = g.reshape(4, 4)
        i0 = np.floor(q).astype(int)
        fx, fy = q[:, 0] - i0[:, 0], q[:, 1] - i0[:, 1]
        a, b = grid[i0[:, 0], i0[:, 1]], grid[i0[:, 0] + 1, i0[:, 1]]
        c, d = grid[i0[:, 0], i0[:, 1] + 1], grid[i0[:, 0] + 1, i0[:, 1] + 1]
        val = a * (1 - fx) * (1 - fy) + b * fx * (1 - fy) + c * (1 - fx) * fy + d * fx * fy
        return np.sum(val ** 2)
    return Program(f, rng(116).randn(16))


@program
def euler_angle_pose():
    pts = rng(117).randn(5, 3)

    def rot(a, b, c):
        one, zero = a * 0 + 1, a * 0
        Rx = np.stack([np.stack([one, zero, zero]), np.stack([zero, np.cos(a), -np.sin(a)]),
                       np.stack([zero, np.sin(a), np.cos(a)])])
        Ry = np.stack([np.stack([np.cos(b), zero, np.sin(b)]), np.stack([zero, one, zero]),
                       np.stack([-np.sin(b), zero, np.cos(b)])])
        Rz = np.stack([np.stack([np.cos(c), -np.sin(c), zero]),
                       np.stack([np.sin(c), np.cos(c), zero]), np.stack([zero, zero, one])])
        return Rz @ Ry @ Rx
    target = pts @ rot(0.2, -0.4, 0.9).T + [0.1, 0.0, -0.2]

    def f(p):
        return np.sum((pts @ rot(p[0], p[1], p[2]).T + p[3:] - target) ** 2)
    return Program(f, np.array([0.1, -0.3, 0.7, 0.0, 0.1, 0.0]))


# ------------------------------------------------------------ physics and engineering
@program
def bar_finite_elements():
    n = 5                                          # elements; node 0 clamped, load at the end

    def f(log_ea):
        EA = np.exp(log_ea)
        K = np.zeros((n, n))
        for e in range(n):
            ke = EA[e] * np.array([[1.0, -1.0], [-1.0, 1.0]]) * n
            Pe = np.zeros((2, n + 1))
            Pe[0, e], Pe[1, e + 1] = 1.0, 1.0
            K = K + (Pe.T @ ke @ Pe)[1:, 1:]
        load = np.zeros(n)
        load[-1] = 1.0
        u = np.linalg.solve(K, load)
        return load @ u                           # compliance
    return Program(f, np.array([0.1, -0.2, 0.3, 0.0, 0.2]))


@program
def fem_poisson_diag():
    def f(log_k):
        k = np.exp(log_k)                          # 6 elements, 5 interior nodes
        K = np.diag(k[:-1] + k[1:]) - np.diag(k[1:-1], 1) - np.diag(k[1:-1], -1)
        u = np.linalg.solve(K * 36, np.ones(5) / 6)
        return np.sum(u) / 6
    return Program(f, np.array([0.1, -0.2, 0.3, 0.0, 0.2, -0.1]))


@program
def wave_leapfrog_2d():
    def laplacian(u):
        up = np.pad(u, 1)
        return up[2:, 1:-1] + up[:-2, 1:-1] + up[1:-1, 2:] + up[1:-1, :-2] - 4 * u

    def f(u0):
        u_prev = u0.reshape(5, 5)
        u = u_prev + 0.5 * 0.09 * laplacian(u_prev)
        for _ in range(12):
            u, u_prev = 2 * u - u_prev + 0.09 * laplacian(u), u
        return np.sum(u ** 2) + np.sum(u * np.arange(25.0).reshape(5, 5)) / 25
    return Program(f, rng(118).randn(25))


@program
def soft_ising_roll():
    def f(x):
        s = np.tanh(x.reshape(4, 4))
        J, h, T = 1.0, 0.1, 2.0
        energy = -J * np.sum(s * np.roll(s, 1, axis=0) + s * np.roll(s, 1, axis=1)) - h * np.sum(s)
        p = (1 + s) / 2
        entropy = -np.sum(p * np.log(p) + (1 - p) * np.log(1 - p))
        return energy - T * entropy
    return Program(f, 0.4 * rng(119).randn(16))


@program
def projectile_to_ground():
    def f(p):
        speed, angle, drag = p[0], p[1], p[2]
        x, y = 0.0, 0.0
        vx, vy = speed * np.cos(angle), speed * np.sin(angle)
        dt = 0.02
        while True:
            v = np.sqrt(vx * vx + vy * vy)
            ax, ay = -drag * v * vx, -9.81 - drag * v * vy
            x_new, y_new = x + dt * vx, y + dt * vy
            vx, vy = vx + dt * ax, vy + dt * ay
            if y_new < 0:
                return x + (x_new - x) * y / (y - y_new)   # interpolate the landing
            x, y = x_new, y_new
    return Program(f, np.array([10.0, 0.7, 0.05]))


@program
def kepler_orbit():
    M = np.linspace(0.1, 6.0, 7)

    def f(p):
        e, a = p[0], p[1]
        E = M.copy()
        while True:
            step = (E - e * np.sin(E) - M) / (1 - e * np.cos(E))
            E = E - step
            if np.max(np.abs(step)) < 1e-14:
                break
        x, y = a * (np.cos(E) - e), a * np.sqrt(1 - e ** 2) * np.sin(E)
        return np.sum(x * y) + np.sum(np.hypot(x, y))
    return Program(f, np.array([0.3, 1.5]))


@program
def sir_epidemic_rk4():
    days = 10

    def rhs(z, beta, gamma):
        s, i, _ = z
        return np.stack([-beta * s * i, beta * s * i - gamma * i, gamma * i])

    def f(p):
        beta, gamma = np.exp(p[0]), np.exp(p[1])
        z, h, infected = np.array([0.99, 0.01, 0.0]), 0.5, []
        for _ in range(2 * days):
            k1 = rhs(z, beta, gamma)
            k2 = rhs(z + h / 2 * k1, beta, gamma)
            k3 = rhs(z + h / 2 * k2, beta, gamma)
            k4 = rhs(z + h * k3, beta, gamma)
            z = z + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
            infected.append(z[1])
        return np.sum((np.array(0.05) - np.stack(infected)) ** 2) + z[2]
    return Program(f, np.array([np.log(0.5), np.log(0.1)]))


@program
def pharmacokinetics_fit():
    t = np.array([0.5, 1.0, 2.0, 4.0, 6.0, 8.0, 12.0])
    conc = np.array([3.1, 4.9, 6.0, 4.8, 3.4, 2.4, 1.1])

    def f(p):
        ka, ke, V = np.exp(p)
        dose = 100.0
        pred = dose * ka / (V * (ka - ke)) * (np.exp(-ke * t) - np.exp(-ka * t))
        return np.sum((np.log(pred) - np.log(conc)) ** 2)
    return Program(f, np.log(np.array([1.2, 0.2, 12.0])))


@program
def lotka_volterra_euler_lists():
    obs = [(1.0, 0.5), (1.1, 0.48), (1.2, 0.47), (1.28, 0.47), (1.35, 0.48)]

    def f(p):
        a, b, c, d = p
        x, y, loss = obs[0][0], obs[0][1], 0.0
        for k, (xo, yo) in enumerate(obs[1:], start=1):
            for _ in range(10):
                x, y = x + 0.01 * (a * x - b * x * y), y + 0.01 * (-c * y + d * x * y)
            loss = loss + (x - xo) ** 2 + (y - yo) ** 2 / k
        return loss
    return Program(f, np.array([1.1, 0.4, 0.4, 0.1]))


# ------------------------------------------------------------ statistics and finance
@program
def masked_matrix_factorization():
    rs = rng(120)
    R = rs.randn(5, 4)
    R[rs.rand(5, 4) < 0.3] = np.nan
    mask = ~np.isnan(R)
    R_filled = np.nan_to_num(R)

    def f(p):
        U, Vt = p[:10].reshape(5, 2), p[10:].reshape(2, 4)
        err = np.where(mask, R_filled - U @ Vt, 0.0)
        return np.sum(err ** 2) / mask.sum() + 0.1 * (np.sum(U ** 2) + np.sum(Vt ** 2))
    return Program(f, 0.5 * rs.randn(18))


@program
def kde_leave_one_out():
    x = rng(121).randn(9)

    def f(p):
        h = np.exp(p[0])
        D = (x[:, None] - x[None, :]) / h
        K = np.exp(-0.5 * D ** 2) / np.sqrt(2 * np.pi) / h
        K = K * (1 - np.eye(len(x)))
        return -np.mean(np.log(K.sum(axis=1) / (len(x) - 1))) + p[1] ** 2
    return Program(f, np.array([np.log(0.6), 0.2]))


@program
def gaussian_naive_bayes():
    rs = rng(122)
    X, y = rs.randn(12, 2), rs.randint(0, 3, 12)

    def f(p):
        mu, log_sd, log_prior = p[:6].reshape(3, 2), p[6:12].reshape(3, 2), p[12:]
        log_prior = log_prior - tss.logsumexp(log_prior)
        ll = tst.norm.logpdf(X[:, None, :], mu[None], np.exp(log_sd)[None]).sum(-1) + log_prior
        log_post = ll - tss.logsumexp(ll, axis=1, keepdims=True)
        return -np.sum(log_post[np.arange(12), y])
    return Program(f, 0.3 * rs.randn(15))


@program
def gaussian_inv_det():
    X = rng(123).randn(10, 2) @ np.array([[1.0, 0.3], [0.0, 0.7]])

    def f(p):
        mu = p[:2]
        L = np.stack([np.stack([np.exp(p[2]), 0.0 * p[2]]), np.stack([p[3], np.exp(p[4])])])
        Sigma = L @ L.T + 1e-6 * np.eye(2)
        diff = X - mu
        quad = np.sum(diff @ np.linalg.inv(Sigma) * diff, axis=1)
        return 0.5 * np.sum(quad) + 0.5 * len(X) * np.log(np.linalg.det(Sigma))
    return Program(f, np.array([0.1, -0.1, 0.0, 0.2, -0.3]))


@program
def asian_option_paths():
    Z = np.random.RandomState(124).randn(40, 12)

    def f(p):
        S0, sigma, r, K, T = p[0], p[1], p[2], 100.0, 1.0
        dt = T / Z.shape[1]
        log_paths = np.cumsum((r - 0.5 * sigma ** 2) * dt + sigma * np.sqrt(dt) * Z, axis=1)
        S = S0 * np.exp(log_paths)
        payoff = np.maximum(S.mean(axis=1) - K, 0.0)
        return np.exp(-r * T) * payoff.mean()
    return Program(f, np.array([105.0, 0.25, 0.03]))


@program
def elo_ratings():
    games = [(0, 1, 1.0), (1, 2, 0.5), (2, 0, 0.0), (0, 2, 1.0), (1, 0, 0.0), (2, 1, 1.0)]

    def f(p):
        ratings, k = list(1500.0 + 100.0 * p[:3]), 20.0 * np.exp(p[3])
        loss = 0.0
        for a, b, score in games:
            expected = 1 / (1 + 10 ** ((ratings[b] - ratings[a]) / 400))
            loss = loss - (score * np.log(expected) + (1 - score) * np.log(1 - expected))
            ratings[a] = ratings[a] + k * (score - expected)
            ratings[b] = ratings[b] - k * (score - expected)
        return loss + sum((r - 1500.0) ** 2 for r in ratings) / 1e4
    return Program(f, np.array([0.1, -0.2, 0.3, 0.0]))


@program
def box_cox_standardize():
    rs = rng(125)
    X, y = rs.gamma(2.0, 1.5, (15, 2)), rs.randn(15)

    def f(p):
        lam, w = p[:2], p[2:]
        Z = (X ** lam - 1) / lam
        Z = (Z - Z.mean(axis=0)) / Z.std(axis=0)
        return np.mean((Z @ w - y) ** 2)
    return Program(f, np.array([0.5, 0.3, 0.2, -0.4]))


@program
def squared_hinge_svm():
    rs = rng(126)
    X = rs.randn(14, 2)
    y = np.sign(X[:, 0] - 0.5 * X[:, 1] + 0.2 * rs.randn(14))

    def f(p):
        margins = y * (X @ p[:2] + p[2])
        return np.mean(np.maximum(0.0, 1.0 - margins) ** 2) + 0.05 * p[:2] @ p[:2]
    return Program(f, np.array([0.7, -0.2, 0.1]))


# ------------------------------------------------------------ solvers
@program
def ista_lasso():
    rs = rng(127)
    A = rs.randn(8, 4)

    def soft_threshold(z, t):
        return np.sign(z) * np.maximum(np.abs(z) - t, 0.0)

    def f(b):
        x, L, lam = np.zeros(4), np.linalg.norm(A, 2) ** 2, 0.3
        for _ in range(30):
            x = soft_threshold(x - A.T @ (A @ x - b) / L, lam / L)
        return 0.5 * np.sum((A @ x - b) ** 2) + lam * np.sum(np.abs(x))
    return Program(f, rs.randn(8))


@program
def soft_value_iteration():
    rs = rng(128)
    P = rs.rand(4, 2, 4)
    P = P / P.sum(-1, keepdims=True)

    def f(r):
        R, V, gamma, tau = r.reshape(4, 2), np.zeros(4), 0.8, 0.5
        while True:
            Q = R + gamma * P @ V
            V_new = tau * tss.logsumexp(Q / tau, axis=1)
            if np.max(np.abs(V_new - V)) < 1e-12:
                break
            V = V_new
        return V_new @ np.array([1.0, 0.5, 0.25, 0.125])
    return Program(f, rs.randn(8))


@program
def single_shooting_control():
    N, dt = 12, 0.1

    def f(u):
        pos, vel, cost = 0.0, 0.0, 0.0
        for k in range(N):
            cost = cost + 0.5 * dt * u[k] ** 2
            pos, vel = pos + dt * vel, vel + dt * (u[k] - 0.1 * vel * abs(vel))
        return cost + 10 * (pos - 1.0) ** 2 + 10 * vel ** 2
    return Program(f, np.linspace(1.0, -1.0, N))


@program
def procrustes_svd():
    rs = rng(129)
    B = rs.randn(6, 3)

    def f(a):
        A = a.reshape(6, 3)
        U, _, Vt = np.linalg.svd(A.T @ B)
        R = U @ Vt
        return np.sum((A @ R - B) ** 2)
    return Program(f, rs.randn(18))


@program
def logistic_map_lyapunov():
    def f(p):
        r, x, total = p[0], p[1], 0.0
        for _ in range(40):
            x = r * x * (1 - x)
            total = total + np.log(np.abs(r * (1 - 2 * x)))
        return total / 40
    return Program(f, np.array([3.3, 0.4]))


@program
def planar_flow():
    z = np.random.RandomState(130).randn(10, 2)

    def f(p):
        u, w, b = p[:2], p[2:4], p[4]
        a = z @ w + b
        fz = z + np.outer(np.tanh(a), u)
        psi = np.outer(1 - np.tanh(a) ** 2, w)
        logdet = np.log(np.abs(1 + psi @ u))
        logp = -0.5 * np.sum(((fz - [1.0, -0.5]) / [1.0, 0.5]) ** 2, axis=1)
        return -np.mean(logp + logdet)
    return Program(f, np.array([0.3, -0.2, 0.5, 0.4, 0.1]))


@program
def builtins_robust_loss():
    rs = rng(131)
    xs, ys = list(rs.randn(8)), list(2 * rs.randn(8))

    def f(p):
        a, b = p
        residuals = [abs(y - (a * x + b)) for x, y in zip(xs, ys)]
        worst = max(residuals)
        trimmed = sorted(residuals)[:-2]
        total = functools.reduce(operator.add, map(lambda r: r * r, trimmed))
        weighted = sum(r / (i + 1) for i, r in enumerate(residuals))
        return total / len(trimmed) + 0.1 * worst + 0.01 * weighted + min(a * a, b * b)
    return Program(f, np.array([0.8, -0.3]))


# ------------------------------------------------------------ what the fixes let run
@program
def max_drawdown():
    r = rng(132).randn(30, 3) * 0.02 + 0.001

    def f(w):
        weights = np.exp(w) / np.sum(np.exp(w))
        wealth = np.cumprod(1 + r @ weights)
        peak = np.maximum.accumulate(wealth)
        return np.max((peak - wealth) / peak) + 0.1 * np.std(r @ weights)
    return Program(f, np.array([0.2, -0.1, 0.4]))


@program
def polyfit_trend_residual():
    t = np.linspace(0, 1, 12)

    def f(p):
        y = np.sin(3 * t * p[0]) + p[1] * t
        coef = np.polyfit(t, y, 2)
        return np.sum((y - np.polyval(coef, t)) ** 2) + coef[0] ** 2
    return Program(f, np.array([1.1, 0.4]))


@program
def multihead_einsum_attention():
    x = rng(133).randn(2, 4, 6)                    # (batch, tokens, model)

    def f(w):
        Wq, Wk, Wv = (w[k * 36:(k + 1) * 36].reshape(6, 2, 3) for k in range(3))
        q, k, v = (np.einsum("btm,mhd->bhtd", x, W) for W in (Wq, Wk, Wv))
        s = np.einsum("bhqd,bhkd->bhqk", q, k) / np.sqrt(3.0)
        a = np.exp(s - s.max(-1, keepdims=True))
        a = a / a.sum(-1, keepdims=True)
        out = np.einsum("bhqk,bhkd->bqhd", a, v).reshape(2, 4, 6)
        return np.mean(out ** 2) + np.var(out, axis=-1).mean()
    return Program(f, 0.3 * rng(134).randn(108))
