"""Plain NumPy/SciPy programs, part four: textbook methods, physics, finance, small ML.

Each program is written as its textbook, Rosetta Code or tutorial source
writes it: t-SNE's cost on student-t affinities, soft k-means, ridge
regression by ``np.linalg.solve``, a pendulum integrated by RK4 in a
``while t < T`` loop, an n-body energy with a pair loop, a spring network,
the heat equation by ``np.roll``, a softmax-weighted portfolio, a
``np.convolve`` filter, Simpson's rule, the arithmetic-geometric mean to
a tolerance, Lanczos' log-gamma, a GP marginal likelihood through
``np.linalg.cholesky``, logistic regression, a probit model and a
beta-binomial with SciPy's own ufuncs (``scipy.special.expit``, ``xlogy``,
``xlog1py``, ``log_ndtr``, ``gammaln``), gradient descent with a
``break`` on convergence, an Armijo backtracking line search (``while``),
power iteration to convergence, and an MLP of Python lists.

For each, with its parameters as one flat float64 vector:

* ``jit(f)(x)`` is ``f(x)``: the same bits, type and dtype, at two points;
* ``grad`` equals central differences; ``jit(grad)`` and ``grad(jit)`` equal it bit for bit;
* ``vmap`` of the value and of ``grad`` equals the loop, ``jit(vmap(grad))`` too;
* Hessian-vector products (``jvp`` of ``grad``, reverse over reverse, under
  ``jit`` too) equal differences of the gradient, and ``jacfwd(jacrev)`` is ``hessian``.

Three of JAX's examples under these checks, and what running the programs
found, are in ``test_real_programs5.py``.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special
from test_real_programs2 import Program, central, rng, same

import tapegrad as tg
import tapegrad.scipy  # noqa: F401  (SciPy's ufuncs on traced values run tapegrad's rules)

PROGRAMS: dict[str, object] = {}


def program(fn):
    PROGRAMS[fn.__name__] = fn
    return fn


@program
def tsne_cost() -> Program:
    rs = rng(40)
    P = rs.rand(6, 6)
    P = P + P.T
    np.fill_diagonal(P, 0.0)
    P /= P.sum()

    def f(y):                   # van der Maaten's tsne.py, the KL cost of the embedding
        Y = y.reshape(6, 2)
        sum_Y = np.sum(np.square(Y), 1)
        num = 1.0 / (1.0 + np.add(np.add(-2.0 * np.dot(Y, Y.T), sum_Y).T, sum_Y))
        num = num * (1 - np.eye(6))
        Q = np.maximum(num / np.sum(num), 1e-12)
        return np.sum(P * np.log(np.maximum(P, 1e-12) / Q))
    return Program(f, rs.randn(12))


@program
def soft_kmeans() -> Program:
    rs = rng(41)
    X = rs.randn(20, 2)

    def f(c):
        d = ((X[:, None, :] - c.reshape(3, 2)[None, :, :]) ** 2).sum(-1)
        r = np.exp(-d) / np.exp(-d).sum(1, keepdims=True)
        return np.sum(r * d)
    return Program(f, rs.randn(6))


@program
def ridge_solve() -> Program:
    rs = rng(42)
    A, b = rs.randn(10, 3), rs.randn(10)

    def f(p):
        w = np.linalg.solve(A.T @ A + np.exp(p[0]) * np.eye(3), A.T @ b)
        return np.sum((A @ w - b) ** 2) + p[1] * np.sum(w ** 2)
    return Program(f, np.array([0.1, 0.3]))


@program
def pendulum_rk4() -> Program:
    def f(p):
        g_over_l, damping = p[0], p[1]
        theta, omega, t, dt = 1.0, 0.0, 0.0, 0.05

        def rhs(theta, omega):
            return omega, -g_over_l * np.sin(theta) - damping * omega
        while t < 1.0:
            k1 = rhs(theta, omega)
            k2 = rhs(theta + dt / 2 * k1[0], omega + dt / 2 * k1[1])
            k3 = rhs(theta + dt / 2 * k2[0], omega + dt / 2 * k2[1])
            k4 = rhs(theta + dt * k3[0], omega + dt * k3[1])
            theta = theta + dt / 6 * (k1[0] + 2 * k2[0] + 2 * k3[0] + k4[0])
            omega = omega + dt / 6 * (k1[1] + 2 * k2[1] + 2 * k3[1] + k4[1])
            t += dt
        return theta ** 2 + omega ** 2
    return Program(f, np.array([9.8, 0.1]))


@program
def nbody_energy() -> Program:
    m = np.array([1.0, 2.0, 0.5])

    def f(q):
        pos, vel = q[:9].reshape(3, 3), q[9:].reshape(3, 3)
        energy = 0.5 * np.sum(m[:, None] * vel ** 2)
        for i in range(3):
            for j in range(i + 1, 3):
                energy = energy - m[i] * m[j] / np.linalg.norm(pos[i] - pos[j])
        return energy
    return Program(f, rng(43).randn(18))


@program
def spring_network() -> Program:
    edges = [(0, 1), (1, 2), (2, 3), (3, 0), (0, 2)]

    def f(x):
        X, energy = x.reshape(4, 2), 0.0
        for i, j in edges:
            energy += 0.5 * (np.sqrt(np.sum((X[i] - X[j]) ** 2)) - 1.0) ** 2
        return energy
    return Program(f, rng(44).randn(8))


@program
def heat_roll() -> Program:
    def f(u0):
        u = u0.copy()
        for _ in range(10):
            u = u + 0.2 * (np.roll(u, 1) - 2 * u + np.roll(u, -1))
        return np.sum(u ** 3)
    return Program(f, rng(45).randn(8))


@program
def portfolio() -> Program:
    rs = rng(46)
    cov, mu = np.cov(rs.randn(4, 30)), rs.rand(4)

    def f(z):
        w = np.exp(z) / np.sum(np.exp(z))
        return w @ cov @ w - 0.5 * np.dot(mu, w)
    return Program(f, rs.randn(4))


@program
def convolve_filter() -> Program:
    signal = rng(47).randn(12)

    def f(k):
        return np.sum(np.convolve(signal, k, mode="same") ** 2) + \
            np.sum(np.convolve(k, signal, mode="valid"))
    return Program(f, rng(48).randn(3))


@program
def simpson() -> Program:
    def f(p):
        g = lambda t: np.exp(-p[0] * t * t) * np.cos(p[1] * t)
        a, b, n = 0.0, 2.0, 20
        h = (b - a) / n
        s = g(a) + g(b)
        for i in range(1, n):
            s += (4 if i % 2 else 2) * g(a + i * h)
        return s * h / 3
    return Program(f, np.array([0.7, 1.3]))


@program
def agm() -> Program:
    def f(p):
        a, g = p[0], p[1]
        while abs(a - g) > 1e-15 * abs(a):
            a, g = (a + g) / 2, np.sqrt(a * g)
        return a
    return Program(f, np.array([1.0, 0.5]))


@program
def lanczos_lgamma() -> Program:
    coef = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
            -176.61502916214059, 12.507343278686905, -0.13857109526572012,
            9.9843695780195716e-6, 1.5056327351493116e-7]

    def f(p):
        z = p[0] - 1
        x = coef[0]
        for i in range(1, 9):
            x += coef[i] / (z + i)
        t = z + 7.5
        return 0.5 * np.log(2 * np.pi) + (z + 0.5) * np.log(t) - t + np.log(x)
    return Program(f, np.array([3.7]))


@program
def gp_marginal_likelihood() -> Program:
    x = np.linspace(0.0, 1.0, 8)
    y = np.sin(6 * x)

    def f(p):
        ell, sf, sn = np.exp(p)
        K = sf ** 2 * np.exp(-0.5 * (x[:, None] - x[None, :]) ** 2 / ell ** 2) + \
            (sn ** 2 + 1e-6) * np.eye(8)
        L = np.linalg.cholesky(K)
        alpha = np.linalg.solve(L.T, np.linalg.solve(L, y))
        return 0.5 * y @ alpha + np.sum(np.log(np.diag(L))) + 4 * np.log(2 * np.pi)
    return Program(f, np.array([-1.0, 0.0, -2.0]))


@program
def logistic_scipy_ufuncs() -> Program:
    rs = rng(49)
    X, y = rs.randn(15, 3), (rs.rand(15) > 0.5).astype(float)

    def f(w):                  # SciPy's own ufuncs, as the scikit-learn tutorials write it
        p = scipy.special.expit(X @ w)
        return -np.sum(scipy.special.xlogy(y, p) + scipy.special.xlog1py(1 - y, -p))
    return Program(f, rs.randn(3))


@program
def probit_scipy_ufuncs() -> Program:
    rs = rng(55)
    X, y = rs.randn(20, 2), (rs.rand(20) > 0.5).astype(float)

    def f(w):
        z = X @ w
        return -np.sum(y * scipy.special.log_ndtr(z) + (1 - y) * scipy.special.log_ndtr(-z))
    return Program(f, np.array([0.3, -0.4]))


@program
def beta_binomial_scipy_gammaln() -> Program:
    n, k = 10.0, np.array([2.0, 5.0, 7.0, 3.0])

    def betaln(a, b):
        return scipy.special.gammaln(a) + scipy.special.gammaln(b) - scipy.special.gammaln(a + b)

    def f(p):
        a, b = np.exp(p)
        return -np.sum(betaln(k + a, n - k + b) - betaln(a, b))
    return Program(f, np.array([0.3, 0.5]))


@program
def gradient_descent_break() -> Program:
    def f(p):
        a, b = p[0], p[1]
        x, y = -1.0, 1.0
        for _ in range(50):
            gx, gy = -2 * (a - x) - 4 * b * x * (y - x ** 2), 2 * b * (y - x ** 2)
            x, y = x - 0.001 * gx, y - 0.001 * gy
            if np.hypot(gx, gy) < 1e-3:
                break
        return x ** 2 + y ** 2
    return Program(f, np.array([1.0, 5.0]))


@program
def backtracking_line_search() -> Program:
    def f(p):
        fun = lambda x: np.sum(p * (x - 1.0) ** 2) + 0.1 * np.sum(x ** 4)
        x = np.zeros(3)
        for _ in range(5):
            d = -(2 * p * (x - 1.0) + 0.4 * x ** 3)
            t = 1.0
            while fun(x + t * d) > fun(x) - 0.5 * t * np.dot(d, d):
                t *= 0.5
            x = x + t * d
        return fun(x)
    return Program(f, np.array([1.0, 2.0, 3.0]))


@program
def power_iteration_to_tolerance() -> Program:
    C0 = np.cov(rng(50).randn(3, 20))

    def f(s):
        C = C0 + np.diag(s)
        v, lam_old = np.ones(3) / np.sqrt(3), 0.0
        while True:
            w = C @ v
            lam = np.linalg.norm(w)
            v = w / lam
            if abs(lam - lam_old) < 1e-12:
                return lam
            lam_old = lam
    return Program(f, np.array([0.1, 0.2, 0.3]))


@program
def mlp_of_lists() -> Program:
    rs = rng(51)
    X, y = rs.randn(5, 2), rs.randn(5)

    def f(w):
        W1, W2, loss = w[:6].reshape(2, 3), w[6:9], 0.0
        for x, t in zip(X, y):
            h = [np.tanh(sum(x[i] * W1[i, j] for i in range(2))) for j in range(3)]
            loss += (sum(h[j] * W2[j] for j in range(3)) - t) ** 2
        return loss / 5
    return Program(f, rs.randn(9))


NAMES = sorted(PROGRAMS)


def made(name: str) -> Program:
    return PROGRAMS[name]()      # type: ignore[operator]


@pytest.mark.parametrize("name", NAMES)
def test_jit_value_is_numpys_value_and_type(name: str) -> None:
    f, x = made(name)
    for point in (x, 1.05 * x + 0.01):
        assert same(tg.jit(f)(point), f(point))


@pytest.mark.parametrize("name", NAMES)
def test_grad_matches_central_differences_and_jit_either_side(name: str) -> None:
    f, x = made(name)
    g = tg.grad(f)(x)
    np.testing.assert_allclose(g, central(f, x), rtol=1e-6, atol=1e-7)
    assert same(tg.jit(tg.grad(f))(x), g)
    assert same(tg.grad(tg.jit(f))(x), g)


@pytest.mark.parametrize("name", NAMES)
def test_vmap_of_value_and_grad_is_the_loop(name: str) -> None:
    f, x = made(name)
    batch = np.stack([x, 0.97 * x, 1.03 * x + 0.01])
    np.testing.assert_allclose(tg.vmap(f)(batch), [f(p) for p in batch], rtol=1e-13, atol=0)
    loop = np.stack([tg.grad(f)(p) for p in batch])
    np.testing.assert_allclose(tg.vmap(tg.grad(f))(batch), loop, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(tg.jit(tg.vmap(tg.grad(f)))(batch), loop, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", NAMES)
def test_second_order_matches_differences_of_the_gradient(name: str) -> None:
    f, x = made(name)
    v = np.linspace(-1.0, 1.0, x.size)
    h = 1e-5
    want = (tg.grad(f)(x + h * v) - tg.grad(f)(x - h * v)) / (2 * h)
    hvp = tg.jvp(tg.grad(f), (x,), (v,))[1]
    np.testing.assert_allclose(hvp, want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(tg.grad(lambda y: np.dot(tg.grad(f)(y), v))(x), hvp,
                               rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(tg.jit(lambda y: tg.jvp(tg.grad(f), (y,), (v,))[1])(x), hvp,
                               rtol=1e-10, atol=1e-12)
    H = tg.hessian(f)(x)
    np.testing.assert_allclose(H @ v, hvp, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(tg.jacfwd(tg.jacrev(f))(x), H, rtol=1e-10, atol=1e-12)
