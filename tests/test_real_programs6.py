"""Plain NumPy/SciPy programs, part six: textbook solvers, samplers, physics, and JAX's examples.

Levenberg-Marquardt in a ``while True`` loop (accept or reject, damping by ten),
Gauss-Newton with its Jacobian by ``tg.jacfwd``, conjugate gradient to a
residual tolerance, Adam written out by hand, Metropolis-adjusted Langevin
with fixed draws and an accept ``if`` on traced values, a Rauch-Tung-Striebel
Kalman smoother on Python lists, the extended Rosenbrock function, Lotka-Volterra
by RK4 in a ``for`` loop, a double pendulum's energy, k-means' loss after an
``np.argmin`` assignment, a convolution by ``np.einsum`` over
``sliding_window_view``, and JAX's ``gaussian_process_regression.py`` and
``mnist_classifier_fromscratch.py`` (``jax.scipy`` read as ``tapegrad.scipy``).
Each runs under every check of ``test_real_programs4.py``; then closed forms
(SciPy's ``rosen_der``/``rosen_hess``, the implicit-function derivative of the
least-squares fit, a Lagrangian's equations of motion) and what running them found.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.optimize
import test_real_programs4 as part_four
from test_real_programs2 import Program, rng, same

import tapegrad as tg
import tapegrad.scipy.linalg as tsl
import tapegrad.scipy.special as tss

PROGRAMS: dict[str, object] = {}


def program(fn):
    PROGRAMS[fn.__name__] = fn
    return fn


@program
def levenberg_marquardt():
    t = np.linspace(0, 1, 8)
    def f(y):
        p, lam = np.array([1.0, -1.0]), 1e-2
        def res(p):
            return p[0] * np.exp(p[1] * t) - y
        r = res(p)
        while True:
            e = np.exp(p[1] * t)
            J = np.stack([e, p[0] * t * e], axis=1)
            A = J.T @ J
            step = np.linalg.solve(A + lam * np.diag(np.diag(A)), J.T @ r)
            p_new = p - step
            r_new = res(p_new)
            if np.sum(r_new ** 2) < np.sum(r ** 2):
                p, r, lam = p_new, r_new, lam / 10
            else:
                lam = lam * 10
            if np.linalg.norm(step) < 1e-10:
                return np.sum(p)
    return Program(f, 2.0 * np.exp(-1.3 * t) + 0.01 * rng(60).randn(8))

@program
def gauss_newton_jacfwd():
    t = np.linspace(0, 2, 7)
    def f(y):
        model = lambda p: p[0] * np.sin(p[1] * t) + p[2]
        r = lambda p: model(p) - y
        p = np.array([1.0, 1.0, 0.0])
        for _ in range(8):
            J = tg.jacfwd(r)(p)
            p = p - np.linalg.solve(J.T @ J, J.T @ r(p))
        return p[0] * p[1] + p[2]
    return Program(f, 1.5 * np.sin(0.9 * t) + 0.2 + 0.01 * rng(61).randn(7))

@program
def conjugate_gradient():
    rs = rng(62)
    M = rs.randn(4, 4)
    A0 = M @ M.T + 4 * np.eye(4)
    b = rs.randn(4)
    def f(d):
        A = A0 + np.diag(d)
        x = np.zeros(4)
        r = b - A @ x
        p = r
        rs_old = r @ r
        while np.sqrt(rs_old) > 1e-10:
            Ap = A @ p
            alpha = rs_old / (p @ Ap)
            x = x + alpha * p
            r = r - alpha * Ap
            rs_new = r @ r
            p = r + (rs_new / rs_old) * p
            rs_old = rs_new
        return b @ x
    return Program(f, np.array([0.1, 0.2, 0.3, 0.4]))

@program
def adam_by_hand():
    rs = rng(63)
    X, y = rs.randn(10, 3), rs.randn(10)
    def f(w0):
        w, m, v = w0, np.zeros(3), np.zeros(3)
        b1, b2, lr, eps = 0.9, 0.999, 0.05, 1e-8
        for t in range(1, 16):
            g = 2 * X.T @ (X @ w - y) / len(y)
            m = b1 * m + (1 - b1) * g
            v = b2 * v + (1 - b2) * g ** 2
            mhat = m / (1 - b1 ** t)
            vhat = v / (1 - b2 ** t)
            w = w - lr * mhat / (np.sqrt(vhat) + eps)
        return np.mean((X @ w - y) ** 2)
    return Program(f, rs.randn(3))

@program
def mala_fixed_seed():
    rs = np.random.RandomState(64)
    noise, logu = rs.randn(20, 2), np.log(rs.rand(20))
    def f(theta):
        logp = lambda x: -0.5 * np.sum((x - theta[:2]) ** 2 / np.exp(theta[2:]))
        glogp = tg.grad(logp)
        eps = 0.5
        x, total = np.zeros(2), 0.0
        for i in range(20):
            prop = x + 0.5 * eps ** 2 * glogp(x) + eps * noise[i]
            fwd = -np.sum((prop - x - 0.5 * eps ** 2 * glogp(x)) ** 2) / (2 * eps ** 2)
            bwd = -np.sum((x - prop - 0.5 * eps ** 2 * glogp(prop)) ** 2) / (2 * eps ** 2)
            if logu[i] < logp(prop) - logp(x) + bwd - fwd:
                x = prop
            total = total + np.sum(x)
        return total / 20
    return Program(f, np.array([0.3, -0.2, 0.1, -0.1]))

@program
def kalman_smoother():
    ys = np.cumsum(rng(65).randn(8)) * 0.5
    def f(th):
        a, q, r = th[0], np.exp(th[1]), np.exp(th[2])
        m, P = 0.0, 1.0
        ms, Ps, mps, Pps = [], [], [], []
        for y in ys:
            mp, Pp = a * m, a * a * P + q
            K = Pp / (Pp + r)
            m, P = mp + K * (y - mp), (1 - K) * Pp
            ms.append(m)
            Ps.append(P)
            mps.append(mp)
            Pps.append(Pp)
        sm, sP = ms[-1], Ps[-1]
        out = sm ** 2
        for k in range(len(ys) - 2, -1, -1):
            G = Ps[k] * a / Pps[k + 1]
            sm = ms[k] + G * (sm - mps[k + 1])
            sP = Ps[k] + G * G * (sP - Pps[k + 1])
            out = out + sm ** 2 + sP
        return out
    return Program(f, np.array([0.9, -1.0, -0.5]))

@program
def rosenbrock_extended():
    def f(x):
        return np.sum(100.0 * (x[1:] - x[:-1] ** 2.0) ** 2.0 + (1 - x[:-1]) ** 2.0)
    return Program(f, np.array([-1.2, 1.0, 0.8, 0.5, 1.1]))

@program
def lotka_volterra_rk4():
    def f(th):
        a, b, c, d = th
        def rhs(z):
            x, y = z
            return np.stack([a * x - b * x * y, -c * y + d * x * y])
        z, h = np.array([1.0, 0.5]), 0.05
        for _ in range(40):
            k1 = rhs(z)
            k2 = rhs(z + h / 2 * k1)
            k3 = rhs(z + h / 2 * k2)
            k4 = rhs(z + h * k3)
            z = z + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        return z[0] + 2 * z[1]
    return Program(f, np.array([1.1, 0.4, 0.4, 0.1]))

@program
def double_pendulum_energy():
    m1, m2, l1, l2, g = 1.0, 1.5, 1.0, 0.7, 9.81
    def f(s):
        t1, t2, w1, w2 = s
        T = 0.5 * (m1 + m2) * l1 ** 2 * w1 ** 2 + 0.5 * m2 * l2 ** 2 * w2 ** 2 \
            + m2 * l1 * l2 * w1 * w2 * np.cos(t1 - t2)
        V = -(m1 + m2) * g * l1 * np.cos(t1) - m2 * g * l2 * np.cos(t2)
        return T + V
    return Program(f, np.array([0.5, -0.3, 0.2, 0.7]))

@program
def kmeans_argmin():
    rs = rng(66)
    X = np.concatenate([rs.randn(6, 2) + 3, rs.randn(6, 2) - 3, rs.randn(6, 2)])
    def f(c):
        C = c.reshape(3, 2)
        d = np.sum((X[:, None, :] - C[None, :, :]) ** 2, axis=-1)
        assign = np.argmin(d, axis=1)
        return np.sum((X - C[assign]) ** 2) / len(X)
    return Program(f, np.array([2.5, 2.5, -2.5, -2.5, 0.3, 0.1]))

@program
def gp_regression_jax():
    rs = rng(67)
    x = np.linspace(-2, 2, 6)[:, None]
    yv = np.sin(x[:, 0]) + 0.1 * rs.randn(6)
    def cov_map(cov_func, xs, xs2=None):
        if xs2 is None:
            return tg.vmap(lambda x: tg.vmap(lambda y: cov_func(x, y))(xs))(xs)
        return tg.vmap(lambda x: tg.vmap(lambda y: cov_func(x, y))(xs))(xs2).T
    def softplus(x):
        return np.logaddexp(x, 0.0)
    def exp_quadratic(x1, x2):
        return np.exp(-np.sum((x1 - x2) ** 2))
    def f(params):
        amp, noise, ls = softplus(params[0]), softplus(params[1]) + 1e-6, softplus(params[2])
        xs = x / ls
        train_cov = amp * cov_map(exp_quadratic, xs) + np.eye(6) * (noise + 1e-6)
        chol = tsl.cholesky(train_cov, lower=True)
        kinvy = tsl.solve_triangular(chol.T, tsl.solve_triangular(chol, yv, lower=True))
        log2pi = np.log(2.0 * np.pi)
        ml = np.sum(-0.5 * np.dot(yv.T, kinvy) - np.sum(np.log(np.diag(chol))) - (6 / 2.0) * log2pi)
        ml -= np.sum(-0.5 * np.log(2 * np.pi) - np.log(amp) ** 2)
        return -ml
    return Program(f, np.array([0.1, -1.0, 0.2]))

@program
def mnist_fromscratch():
    rs = rng(68)
    X = rs.randn(6, 4)
    T = np.eye(3)[rs.randint(0, 3, 6)]
    sizes = [4, 5, 3]
    def unpack(v):
        params, i = [], 0
        for m, n in zip(sizes[:-1], sizes[1:]):
            params.append((v[i:i + m * n].reshape(m, n), v[i + m * n:i + m * n + n]))
            i += m * n + n
        return params
    def predict(params, inputs):
        activations = inputs
        for w, b in params[:-1]:
            outputs = np.dot(activations, w) + b
            activations = np.tanh(outputs)
        final_w, final_b = params[-1]
        logits = np.dot(activations, final_w) + final_b
        return logits - tss.logsumexp(logits, axis=1, keepdims=True)
    def f(v):
        preds = predict(unpack(v), X)
        return -np.mean(np.sum(preds * T, axis=1))
    return Program(f, 0.3 * rs.randn(4 * 5 + 5 + 5 * 3 + 3))

@program
def conv_einsum():
    rs = rng(69)
    img = rs.randn(2, 1, 6, 6)
    def f(w):
        K = w.reshape(3, 1, 3, 3)
        win = np.lib.stride_tricks.sliding_window_view(img, (3, 3), axis=(2, 3))
        out = np.einsum('bchwij,kcij->bkhw', win, K)
        return np.sum(np.tanh(out) ** 2)
    return Program(f, 0.3 * rs.randn(27))


# Levenberg-Marquardt stops on its step size, so y +- h may take another step: central
# differences of it are off by 1e-4; its derivative is checked against the closed form below.
CHECKS = [part_four.test_jit_value_is_numpys_value_and_type,
          part_four.test_grad_matches_central_differences_and_jit_either_side,
          part_four.test_vmap_of_value_and_grad_is_the_loop,
          part_four.test_second_order_matches_differences_of_the_gradient]
CASES = [(name, check) for name in sorted(PROGRAMS) for check in CHECKS
         if name != "levenberg_marquardt" or check in CHECKS[::2]]


@pytest.mark.parametrize(("name", "check"), CASES, ids=lambda c: getattr(c, "__name__", c)[:40])
def test_programs_under_the_checks_of_part_four(name: str, check, monkeypatch) -> None:
    monkeypatch.setitem(part_four.PROGRAMS, name, PROGRAMS[name])
    check(name)


def test_levenberg_marquardt_derivative_is_the_implicit_function_derivative() -> None:
    f, y = PROGRAMS["levenberg_marquardt"]()          # type: ignore[operator]
    t = np.linspace(0, 1, 8)
    p = scipy.optimize.least_squares(lambda p: p[0] * np.exp(p[1] * t) - y, [1.0, -1.0],
                                     xtol=1e-15, ftol=1e-15, gtol=1e-15).x
    e = np.exp(p[1] * t)
    J, r = np.stack([e, p[0] * t * e], axis=1), p[0] * e - y
    cross = np.sum(r * t * e)                       # J^T r = 0 at the fit, differentiated in p
    H = J.T @ J + np.array([[0.0, cross], [cross, np.sum(r * p[0] * t * t * e)]])
    g = tg.grad(f)(y)
    np.testing.assert_allclose(g, np.ones(2) @ np.linalg.solve(H, J.T), rtol=1e-7)
    assert same(tg.jit(tg.grad(f))(y), g)


def test_rosenbrock_derivatives_are_scipys_closed_forms() -> None:
    f, x = PROGRAMS["rosenbrock_extended"]()           # type: ignore[operator]
    v = x[::-1].copy()
    assert same(tg.jit(f)(x), scipy.optimize.rosen(x))
    np.testing.assert_allclose(tg.grad(f)(x), scipy.optimize.rosen_der(x), rtol=1e-13)
    np.testing.assert_allclose(tg.hessian(f)(x), scipy.optimize.rosen_hess(x), rtol=1e-13)
    np.testing.assert_allclose(tg.jvp(tg.grad(f), (x,), (v,))[1],
                               scipy.optimize.rosen_hess_prod(x, v), rtol=1e-13)


def test_scipy_rosen_on_a_traced_value_names_its_formula() -> None:
    with pytest.raises(TypeError, match=r"^scipy\.optimize\.rosen was applied.*"
                       r"Use np\.sum\(100\.0 \* \(x\[1:\] - x\[:-1\] \*\* 2\.0\)"):
        tg.grad(scipy.optimize.rosen)(np.ones(3))


M1, M2, L1, L2, G = 1.0, 1.5, 1.0, 0.7, 9.81


def lagrangian(q, qd):
    t1, t2 = q
    w1, w2 = qd
    T = 0.5 * (M1 + M2) * L1 ** 2 * w1 ** 2 + 0.5 * M2 * L2 ** 2 * w2 ** 2 \
        + M2 * L1 * L2 * w1 * w2 * np.cos(t1 - t2)
    return T + (M1 + M2) * G * L1 * np.cos(t1) + M2 * G * L2 * np.cos(t2)


def accelerations(q, qd):          # Euler-Lagrange: M qdd = dL/dq - (d/dq dL/dqd) qd
    M = tg.hessian(lagrangian, argnums=1)(q, qd)
    rhs = tg.grad(lagrangian, argnums=0)(q, qd) \
        - tg.jacfwd(tg.grad(lagrangian, argnums=1), argnums=0)(q, qd) @ qd
    return np.linalg.solve(M, rhs)


def test_double_pendulum_equations_of_motion_from_the_lagrangian() -> None:
    q, qd = np.array([0.5, -0.3]), np.array([0.2, 0.7])
    t1, t2 = q
    w1, w2 = qd
    d = t1 - t2                    # the textbook's mass matrix and right-hand side
    M = np.array([[(M1 + M2) * L1 ** 2, M2 * L1 * L2 * np.cos(d)],
                  [M2 * L1 * L2 * np.cos(d), M2 * L2 ** 2]])
    rhs = np.array([-M2 * L1 * L2 * w2 ** 2 * np.sin(d) - (M1 + M2) * G * L1 * np.sin(t1),
                    M2 * L1 * L2 * w1 ** 2 * np.sin(d) - M2 * G * L2 * np.sin(t2)])
    a = accelerations(q, qd)
    np.testing.assert_allclose(a, np.linalg.solve(M, rhs), rtol=1e-12)
    assert same(tg.jit(accelerations)(q, qd), a)
    qs, qds = np.stack([q, q + 0.1, q - 0.2]), np.stack([qd, 2 * qd, qd])
    np.testing.assert_allclose(tg.vmap(accelerations)(qs, qds),
                               [accelerations(a_, b_) for a_, b_ in zip(qs, qds)], rtol=1e-13)
