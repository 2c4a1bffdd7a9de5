"""Loop-centred NumPy programs, part ten: each written as its author would write it.

Every program is a function of one float or one float64 vector. A ``Case``
gives its inputs (whose trip counts differ, the first the one traced), the
traces ``jit`` and ``jit(grad)`` may take for all of them, and the relative
tolerance its gradient meets against central differences (an iteration
stopped at a tolerance is differentiable only to about that tolerance).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

import tapegrad as tg
from tapegrad.scipy.special import logsumexp


class Case(NamedTuple):
    f: Callable[[Any], Any]
    xs: list[Any]
    jit_traces: int = 1         # traces jit may take for all of xs
    grad_traces: int = 1        # likewise jit(grad)
    rtol: float = 1e-6          # grad against central differences
    varies: bool = True         # the inputs run different trip counts
    rolls: str = ""             # why a loop on a traced test does not roll ("": it does)
    exact_vmap: str = ""        # why vmap may round apart from the loop ("": it may not)


PROGRAMS: dict[str, Case] = {}


def case(xs: list[Any], **kw: Any) -> Callable[[Callable[[Any], Any]], Callable[[Any], Any]]:
    def register(f: Callable[[Any], Any]) -> Callable[[Any], Any]:
        PROGRAMS[f.__name__] = Case(f, xs, **kw)
        return f
    return register


def vecs(*rows: list[float]) -> list[np.ndarray]:
    return [np.array(r, dtype=np.float64) for r in rows]


RS = np.random.RandomState(10)


# ------------------------------------------------------------ ODE integrators
@case(vecs([0.5, 1.0], [3.0, 0.5], [8.0, -1.0], [1.5, 2.0], [20.0, 0.3], [0.1, 1.0]),
      # t = 0.0 stays a Python float until a step is accepted: a trace per run of rejected
      # steps before that (none, one, two), and again where the one traced for that run
      # saw no step rejected after it (no else arm to roll)
      jit_traces=5, grad_traces=5, rtol=1e-4,
      exact_vmap="(tol / err) ** 0.2 of an np.float64 is C's pow, of the batch NumPy's")
def rkf45(p):
    """Runge-Kutta-Fehlberg 4(5) for y' = -k y + sin(t) to t = 2, steps accepted or rejected."""
    k, y = p[0], p[1]

    def rhs(t, y):
        return -k * y + np.sin(t)
    t, h, tol = 0.0, 0.1, 1e-7
    while t < 2.0:
        h = np.minimum(h, 2.0 - t)
        k1 = rhs(t, y)
        k2 = rhs(t + h / 4, y + h * k1 / 4)
        k3 = rhs(t + 3 * h / 8, y + h * (3 * k1 + 9 * k2) / 32)
        k4 = rhs(t + 12 * h / 13, y + h * (1932 * k1 - 7200 * k2 + 7296 * k3) / 2197)
        k5 = rhs(t + h, y + h * (439 / 216 * k1 - 8 * k2 + 3680 / 513 * k3 - 845 / 4104 * k4))
        k6 = rhs(t + h / 2, y + h * (-8 / 27 * k1 + 2 * k2 - 3544 / 2565 * k3
                                     + 1859 / 4104 * k4 - 11 / 40 * k5))
        y4 = y + h * (25 / 216 * k1 + 1408 / 2565 * k3 + 2197 / 4104 * k4 - k5 / 5)
        y5 = y + h * (16 / 135 * k1 + 6656 / 12825 * k3 + 28561 / 56430 * k4
                      - 9 / 50 * k5 + 2 / 55 * k6)
        err = np.abs(y5 - y4) + 1e-16
        if err < tol:
            t = t + h
            y = y5
        h = h * np.clip(0.9 * (tol / err) ** 0.2, 0.2, 5.0)
    return y


@case(vecs([3.0, 1.0], [8.0, -1.0], [20.0, 0.5], [1.5, 2.0], [0.5, 1.0], [12.0, 0.2]),
      rtol=1e-5, exact_vmap="the batched (1e-4 / err) ** 0.5 is NumPy's, the loop's C's pow")
def heun_clamped(p):
    """Adaptive Heun for y' = -k y, its last step clamped to land on t = 2 exactly.

    h = np.minimum(h, 2.0 - t) reads only names that start as Python floats;
    jit took it for a Python step and traced every trip count.
    """
    k, y = p[0], p[1]
    t, h = 0.0, 0.1
    while t < 2.0:
        h = np.minimum(h, 2.0 - t)
        k1 = -k * y
        k2 = -k * (y + h * k1)
        err = np.abs(0.5 * h * (k2 - k1)) + 1e-16
        y = y + 0.5 * h * (k1 + k2)
        t = t + h
        h = h * np.clip(0.9 * (1e-4 / err) ** 0.5, 0.3, 2.0)
    return y


@case(vecs([1.0, 0.0], [1.2, 0.1], [0.9, -0.2], [1.1, 0.3]), varies=False, rtol=1e-6)
def verlet_orbit(v):
    """Velocity Verlet for a Kepler orbit, 60 fixed steps: the energy at the end."""
    q = np.array([1.0, 0.0])
    dt = 0.05

    def acc(q):
        return -q / np.sum(q * q) ** 1.5
    a = acc(q)
    for _ in range(60):
        q = q + dt * v + 0.5 * dt * dt * a
        a_new = acc(q)
        v = v + 0.5 * dt * (a + a_new)
        a = a_new
    return 0.5 * np.sum(v * v) - 1.0 / np.sqrt(np.sum(q * q))


@case(vecs([0.8, 0.0, 0.9], [0.5, 1.0, 0.7], [0.95, -0.5, 0.8], [0.3, 2.0, 0.6]),
      varies=False, jit_traces=3, grad_traces=3, rtol=1e-6)
def bouncing_ball(p):
    """A ball dropped in a box: 80 Euler steps, reflected with restitution at the floor."""
    x, v, e = p[0], p[1], p[2]
    dt, g = 0.02, 9.81
    for _ in range(80):
        v = v - g * dt
        x = x + v * dt
        if x < 0.0:
            x = -x * e
            v = -v * e
    return x + 0.1 * v


# ------------------------------------------------------------ root finding
@case(vecs([0.5, 0.05], [1.0, 0.3], [2.5, 0.6], [0.2, 0.9], [3.0, 0.97], [1.7, 0.0]),
      grad_traces=3)     # jit(grad): the shortest trip counts seen first trace apart
def kepler_newton(p):
    """Kepler's equation E - e sin E = M by Newton's method."""
    M, e = p[0], p[1]
    E = M + 0.0 * e
    dE = E + 1.0
    while np.abs(dE) > 1e-13:
        dE = (E - e * np.sin(E) - M) / (1.0 - e * np.cos(E))
        E = E - dE
    return E


@case(vecs([0.5, 0.05], [1.0, 0.3], [2.5, 0.6], [0.2, 0.5], [3.0, 0.7], [1.7, 0.01]),
      rtol=1e-5)
def kepler_fixed_point(p):
    """The same equation by the fixed-point iteration E = M + e sin E."""
    M, e = p[0], p[1]
    E = M
    E_new = M + e * np.sin(E)
    while np.abs(E_new - E) > 1e-14:
        E = E_new
        E_new = M + e * np.sin(E)
    return E_new


@case([0.1, 1.0, 5.0, 30.0, 1e3, 1e6], grad_traces=3)
def lambert_w_halley(c):
    """Lambert's W(c), w e^w = c, by Halley's method from log1p(c)."""
    w = np.log1p(c)
    step = w + 1.0
    while np.abs(step) > 1e-14 * (1.0 + np.abs(w)):
        ew = np.exp(w)
        fw = w * ew - c
        step = fw / (ew * (w + 1.0) - (w + 2.0) * fw / (2.0 * w + 2.0))
        w = w - step
    return w


@case(vecs([0.1, 0.0], [0.5, 1.0], [0.9, -2.0], [0.99, 3.0], [0.3, 0.5]), rtol=1e-5,
      varies=False, jit_traces=5, grad_traces=5,
      rolls="lo, hi = -30.0, 30.0 stay Python floats until a branch assigns each: "
            "every input's run of first branches is a trace")
def bisection_quantile(p):
    """The q-quantile of a two-component logistic mixture: bisection, then one Newton polish."""
    q, m = p[0], p[1]

    def cdf(x):
        return 0.7 / (1.0 + np.exp(-x)) + 0.3 / (1.0 + np.exp(-(x - m) / 0.5))
    lo, hi = -30.0, 30.0
    while hi - lo > 1e-9:
        mid = 0.5 * (lo + hi)
        if cdf(mid) < q:
            lo = mid
        else:
            hi = mid
    x = 0.5 * (lo + hi)
    s1 = 1.0 / (1.0 + np.exp(-x))
    s2 = 1.0 / (1.0 + np.exp(-(x - m) / 0.5))
    pdf = 0.7 * s1 * (1 - s1) + 0.3 * s2 * (1 - s2) / 0.5
    return x - (cdf(x) - q) / pdf


@case([0.5, 2.0, 5.0, 9.0, 20.0, 60.0], rtol=1e-6, jit_traces=2, grad_traces=2,
      exact_vmap="x ** 3 of a float is C's pow, of the batch NumPy's")
def illinois(c):
    """The root of x^3 + x - c by the Illinois variant of regula falsi."""
    a, b = 0.0 * c, c + 1.0
    fa, fb = a ** 3 + a - c, b ** 3 + b - c
    x = b
    while b - a > 1e-12 * (1.0 + c):
        x = (a * fb - b * fa) / (fb - fa)
        fx = x ** 3 + x - c
        if np.abs(fx) < 1e-14 * c:
            break
        if fx > 0.0:
            b, fb = x, fx
            fa = fa * 0.5
        else:
            a, fa = x, fx
            fb = fb * 0.5
    return x


def secant_while(c):
    """The secant method for cos(x) = c x, with tg.while_loop (the carry holds two iterates)."""
    def cond(s):
        return np.abs(s[1] - s[0]) > 1e-13

    def body(s):
        x0, x1 = s
        f0, f1 = np.cos(x0) - c * x0, np.cos(x1) - c * x1
        return x1, x1 - f1 * (x1 - x0) / (f1 - f0)
    return tg.while_loop(cond, body, (0.0 * c, 0.0 * c + 1.0))[1]


PROGRAMS["secant_while"] = Case(secant_while, [0.5, 1.0, 2.0, 4.0, 8.0, 0.2], varies=False)


# ------------------------------------------------------------ eigenvalues, linear solvers
def sym3(d):
    return np.array([[0.0, 1.0, 0.5], [1.0, 0.0, 0.3], [0.5, 0.3, 0.0]]) + np.diag(d)


@case(vecs([4.0, 2.0, 1.0], [5.0, 4.5, 1.0], [3.0, 1.0, 0.5], [2.0, 2.2, 6.0], [4.0, 3.9, 3.8]),
      rtol=1e-5)
def power_rayleigh(d):
    """Power iteration on a symmetric matrix until the Rayleigh quotient settles."""
    A = sym3(d)
    x = np.ones(3) / np.sqrt(3.0)
    lam, change = x @ A @ x, 1.0
    while change > 1e-13 * np.abs(lam):
        y = A @ x
        x = y / np.linalg.norm(y)
        lam_new = x @ A @ x
        change = np.abs(lam_new - lam)
        lam = lam_new
    return lam


@case(vecs([4.0, 2.0, 1.0], [5.0, 4.5, 1.0], [3.0, 1.0, 0.5], [2.0, 2.5, 6.0], [1.0, 2.0, 3.0]),
      rtol=1e-6, jit_traces=5, grad_traces=5)      # 2 to 5 trips: too few to show the loop
def rayleigh_iteration(d):
    """Rayleigh quotient iteration from a fixed vector, until the residual is tiny."""
    A = sym3(d)
    x = np.array([1.0, 0.2, 0.1])
    x = x / np.linalg.norm(x)
    mu = x @ A @ x
    while np.linalg.norm(A @ x - mu * x) > 1e-10:
        y = np.linalg.solve(A - mu * np.eye(3), x)
        x = y / np.linalg.norm(y)
        mu = x @ A @ x
    return mu


@case(vecs([1.0, 2.0, 3.0], [0.1, -1.0, 2.0], [5.0, 0.0, -3.0], [0.01, 0.02, 0.03]),
      rtol=1e-6, grad_traces=4)
def jacobi_solver(b):
    """Jacobi's iteration for A x = b with A diagonally dominant, to a step tolerance."""
    A = np.array([[4.0, 1.0, 0.5], [1.0, 5.0, 1.0], [0.5, 1.0, 3.0]])
    D = np.diag(A)
    R = A - np.diag(D)
    x = np.zeros(3)
    x_new = b / D
    while np.max(np.abs(x_new - x)) > 1e-12:
        x = x_new
        x_new = (b - R @ x) / D
    return x_new @ np.array([1.0, -2.0, 0.5])


@case(vecs([4.0, 5.0, 3.0], [2.5, 3.0, 2.0], [8.0, 9.0, 7.0], [2.1, 2.2, 2.3]),
      rtol=1e-6)
def gauss_seidel_lists(d):
    """Gauss-Seidel on lists of floats, the diagonal given, sweeping until the residual is small."""
    A = [[d[0], 1.0, 0.5], [1.0, d[1], 1.0], [0.5, 1.0, d[2]]]
    b = [1.0, 2.0, 3.0]
    x = [0.0, 0.0, 0.0]
    res = 1.0
    while res > 1e-12:
        for i in range(3):
            s = b[i]
            for j in range(3):
                if j != i:
                    s = s - A[i][j] * x[j]
            x[i] = s / A[i][i]
        res = 0.0
        for i in range(3):
            r = b[i] - sum(A[i][j] * x[j] for j in range(3))
            res = res + r * r
    return x[0] - 2.0 * x[1] + x[2]


@case(vecs([1.0, 2.0, 3.0, 4.0], [0.1, -1.0, 2.0, 0.0], [5.0, 0.0, -3.0, 1.0],
           [1e-3, 2e-3, 0.0, 1e-3]), rtol=1e-6, varies=False)      # n = 4 steps, always
def conjugate_gradient(b):
    """Conjugate gradients for an SPD system until the residual norm is under 1e-10."""
    A = np.array([[4.0, 1.0, 0.0, 0.2], [1.0, 3.0, 0.5, 0.0], [0.0, 0.5, 2.0, 0.3],
                  [0.2, 0.0, 0.3, 1.5]])
    x = np.zeros(4)
    r = b - A @ x
    p = r
    rs = r @ r
    while np.sqrt(rs) > 1e-10:
        Ap = A @ p
        alpha = rs / (p @ Ap)
        x = x + alpha * p
        r = r - alpha * Ap
        rs_new = r @ r
        p = r + (rs_new / rs) * p
        rs = rs_new
    return np.sum(x * x)


@case(vecs([2.0, 1.0, 0.5], [1.0, 1.0, 1.0], [3.0, 0.2, 1.0], [0.5, 2.0, 2.0]),
      varies=False, rtol=1e-6)
def cholesky_loops(d):
    """Cholesky of a 3x3 SPD matrix with nested loops over lists: log det."""
    n = 3
    A = [[d[0] + 2.0, 0.5, 0.2], [0.5, d[1] + 2.0, 0.3], [0.2, 0.3, d[2] + 2.0]]
    L = [[0.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(i + 1):
            s = A[i][j]
            for k in range(j):
                s = s - L[i][k] * L[j][k]
            L[i][j] = np.sqrt(s) if i == j else s / L[j][j]
    return 2.0 * sum(np.log(L[i][i]) for i in range(n))


# ------------------------------------------------------------ series and continued fractions
@case([0.5, -1.0, 3.0, -7.5, 12.0, 0.01])
def exp_series(x):
    """exp(x) summed until a term no longer changes the sum."""
    s = term = 1.0 + 0.0 * x
    n = 0.0 * x
    while np.abs(term) > 1e-17 * np.abs(s):
        n += 1.0
        term = term * x / n
        s = s + term
    return s


@case([1.5, 0.3, 3.0, 10.0, 0.9, 100.0], jit_traces=2, grad_traces=2)
def log_series(x):
    """log(x) as 2 atanh((x - 1) / (x + 1)), its odd series summed to a tolerance."""
    y = (x - 1.0) / (x + 1.0)
    y2 = y * y
    term, s, k = y, 0.0 * y, 1.0 + 0.0 * y
    while np.abs(term) > 1e-17 * k:
        s = s + term / k
        term = term * y2
        k += 2.0
    return 2.0 * s


@case([0.3, 1.0, 2.0, 0.05, 2.5, -1.2])
def erf_series(x):
    """erf(x) by its Maclaurin series until the term is small."""
    term = x
    s = x
    n = 0.0 * x
    while np.abs(term) > 1e-16 * np.abs(s) / (2.0 * n + 3.0):
        n += 1.0
        term = -term * x * x / n
        s = s + term / (2.0 * n + 1.0)
    return 2.0 / np.sqrt(np.pi) * s


@case([0.3, 1.0, 1.4, 0.05, -0.8, 1.55])
def tan_lentz(x):
    """tan(x) by the continued fraction x / (1 - x^2 / (3 - x^2 / (5 - ...))) and Lentz."""
    tiny = 1e-30
    f = x                       # the first convergent x / 1, then a = -x^2, b = 3, 5, ...
    C, D = np.inf, 1.0 + 0.0 * x
    b = 1.0 + 0.0 * x
    a = -x * x
    delta = 0.0
    while np.abs(delta - 1.0) > 1e-15:
        b += 2.0
        D = b + a * D
        if np.abs(D) < tiny:
            D = tiny
        C = b + a / C
        if np.abs(C) < tiny:
            C = tiny
        D = 1.0 / D
        delta = C * D
        f = f * delta
    return f


@case(vecs([1.0, -2.0, 0.5, 3.0], [0.0, 1.0, 0.0, -1.0], [2.0, 2.0, 2.0, 2.0]), varies=False)
def horner(coeffs):
    """A polynomial by Horner's rule over its coefficients at fixed points, summed."""
    xs = np.array([-1.0, 0.3, 0.7, 2.0])
    y = np.zeros(4)
    for c in coeffs:
        y = y * xs + c
    return np.sum(y * y)


# ------------------------------------------------------------ finance, integer loops
@case(vecs([0.05, 100.0], [0.03, 250.0], [0.12, 60.0], [0.0, 300.0], [0.08, 45.0]),
      rtol=1e-6)
def amortisation(p):
    """Pay a 1000 loan monthly until it is repaid: the total paid."""
    rate, payment = p[0], p[1]
    balance = 1000.0 + 0.0 * rate
    total = 0.0
    while balance > 0.0:
        balance = balance * (1.0 + rate / 12.0) - payment
        total = total + payment
    return total + balance


def collatz_payload(x, n=27):
    """The Collatz walk of n (a Python int) drives a float through two maps."""
    while n != 1:
        if n % 2:
            n = 3 * n + 1
            x = np.sin(x) + 0.5 * x
        else:
            n //= 2
            x = 0.9 * x + 0.01
    return x


PROGRAMS["collatz_payload"] = Case(collatz_payload, [0.5, -1.0, 2.0, 7.0], varies=False)


@case(vecs([0.05, 0.2], [0.1, 0.3], [0.0, 0.25], [-0.05, 0.4]), varies=False, rtol=1e-5)
def monte_carlo_lookback(p):
    """A lookback payoff by Monte Carlo with a seeded generator: 200 paths of 30 steps."""
    mu, sigma = p[0], p[1]
    z = np.random.default_rng(0).standard_normal((30, 200))
    dt = 1.0 / 30
    S = np.ones(200)
    peak = S
    for i in range(30):
        S = S * np.exp((mu - 0.5 * sigma ** 2) * dt + sigma * np.sqrt(dt) * z[i])
        peak = np.maximum(peak, S)
    return np.mean(peak - S)


@case(vecs([0.01, 0.02, -0.03, 0.01, -0.05, 0.04], [0.02, -0.01, 0.01, 0.03, -0.02, -0.01],
           [-0.1, 0.05, 0.05, 0.0, 0.02, -0.01]), varies=False, jit_traces=1, rtol=1e-6)
def max_drawdown(r):
    """The maximum drawdown of the price path of a list of returns."""
    price = 1.0
    peak = 1.0
    worst = 0.0
    for ri in r:
        price = price * (1.0 + ri)
        peak = np.maximum(peak, price)
        worst = np.maximum(worst, (peak - price) / peak)
    return worst + 0.01 * price


# ------------------------------------------------------------ learning
X5 = np.array([[1.0, 0.5], [0.3, -1.0], [-0.7, 0.2], [1.5, 1.0], [-1.2, -0.4]])
Y5 = np.array([1.0, 0.0, 0.0, 1.0, 0.0])


def logistic_loss(w, lam):
    z = X5 @ w
    return np.mean(np.logaddexp(0.0, z) - Y5 * z) + 0.5 * lam * (w @ w)


@case([0.5, 0.2, 1.0, 0.1, 2.0], rtol=1e-4)
def gd_to_tolerance(lam):
    """Gradient descent on a ridge logistic loss until the gradient's norm is under 1e-8."""
    w = np.zeros(2) + 0.0 * lam
    g = tg.grad(logistic_loss)(w, lam)
    while np.linalg.norm(g) > 1e-8:
        w = w - 0.5 * g
        g = tg.grad(logistic_loss)(w, lam)
    return w[0] + 2.0 * w[1]


PTS = np.array([[0.0, 0.0], [0.3, 0.1], [0.1, 0.4], [3.0, 3.0], [3.2, 2.7], [2.6, 3.3]])


@case(vecs([0.0, 0.0, 0.0, 0.0], [0.1, -0.1, 0.2, 0.0], [-0.2, 0.1, 0.0, 0.3],
           [0.05, 0.05, -0.1, -0.1]), varies=False, rtol=1e-6)
def kmeans_lloyd(shift):
    """Lloyd's k-means on six points, two of them moved by ``shift``: the final inertia."""
    X = PTS + np.concatenate([shift, np.zeros(8)]).reshape(6, 2)
    C = X[np.array([0, 4])]
    for _ in range(5):
        d = np.sum((X[:, None, :] - C[None, :, :]) ** 2, axis=2)
        onehot = (np.argmin(d, axis=1)[:, None] == np.arange(2)) * 1.0
        C = (onehot.T @ X) / np.sum(onehot, axis=0)[:, None]
    d = np.sum((X[:, None, :] - C[None, :, :]) ** 2, axis=2)
    return np.sum(np.min(d, axis=1))


@case([1.0, 0.5, 0.2, 2.0, 0.1], rtol=1e-5,
      exact_vmap="the batched K.T @ u of grad sums in another order")
def sinkhorn(eps):
    """Entropic optimal transport by Sinkhorn's iterations until the marginals agree."""
    a = np.array([0.2, 0.5, 0.3])
    b = np.array([0.4, 0.4, 0.2])
    C = np.array([[0.0, 1.0, 2.0], [1.0, 0.0, 1.0], [2.0, 1.0, 0.0]])
    K = np.exp(-C / eps)
    u = np.ones(3)
    v = b / (K.T @ u)
    u = a / (K @ v)
    while np.sum(np.abs(v * (K.T @ u) - b)) > 1e-12:
        v = b / (K.T @ u)
        u = a / (K @ v)
    return np.sum(u[:, None] * K * v[None, :] * C)


LAYERS_IN = [RS.randn(3, 2), RS.randn(3, 3), RS.randn(1, 3)]


@case(vecs([0.5, -0.3], [1.0, 1.0], [-2.0, 0.1]), varies=False, rtol=1e-6)
def mlp_over_a_list(x):
    """An MLP over a list of (W, b) arrays, its hidden activation picked per layer."""
    h = x
    biases = [np.array([0.1, -0.2, 0.0]), np.zeros(3), np.array([0.3])]
    for i, (W, b) in enumerate(zip(LAYERS_IN, biases)):
        h = W @ h + b
        if i < len(LAYERS_IN) - 1:
            h = np.tanh(h)
    return h[0]


# ------------------------------------------------------------ sequences
YS = np.array([0.3, 0.5, 0.1, -0.2, 0.4, 0.9, 1.1, 0.8, 0.6, 0.7])


def kalman_step(theta, state, y):
    q, r = np.exp(theta[0]), np.exp(theta[1])
    m, P, nll = state
    P = P + q
    S = P + r
    K = P / S
    nll = nll + 0.5 * (np.log(2 * np.pi * S) + (y - m) ** 2 / S)
    m = m + K * (y - m)
    P = (1 - K) * P
    return (m, P, nll)


@case(vecs([-1.0, -2.0], [0.0, 0.0], [-3.0, -0.5], [1.0, -1.0]), varies=False, rtol=1e-6)
def kalman_for(theta):
    """A local-level Kalman filter over ten observations: the negative log-likelihood."""
    state = (0.0, 1.0, 0.0)
    for y in YS:
        state = kalman_step(theta, state, y)
    return state[2]


@case(vecs([-1.0, -2.0], [0.0, 0.0], [-3.0, -0.5], [1.0, -1.0]), varies=False, rtol=1e-6)
def kalman_scan(theta):
    """The same filter with tg.scan."""
    def step(state, y):
        return kalman_step(theta, state, y), None
    init = (0.0 * theta[0], 1.0 + 0.0 * theta[0], 0.0 * theta[0])
    return tg.scan(step, init, YS)[0][2]


OBS = [0, 1, 1, 0, 2, 2, 1, 0]
EMIT = np.log(np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]]))


def transition(t):
    logits = np.stack([np.stack([t[0], 0.0]), np.stack([0.0, t[1]])])
    return logits - logsumexp(logits, axis=1, keepdims=True)


@case(vecs([1.0, 2.0], [0.0, 0.0], [3.0, -1.0], [-0.5, 1.5]), varies=False, rtol=1e-6)
def hmm_forward(t):
    """The HMM forward algorithm in log space over a Python list of observations."""
    logA = transition(t)
    alpha = np.log(np.array([0.5, 0.5])) + EMIT[:, OBS[0]]
    for o in OBS[1:]:
        alpha = logsumexp(alpha[:, None] + logA, axis=0) + EMIT[:, o]
    return logsumexp(alpha)


@case(vecs([1.0, 2.0], [0.0, 0.0], [3.0, -1.0], [-0.5, 1.5]), varies=False, rtol=1e-6)
def hmm_forward_scan(t):
    """The forward algorithm with tg.scan over the emissions' columns."""
    logA = transition(t)

    def step(alpha, e):
        return logsumexp(alpha[:, None] + logA, axis=0) + e, None
    alpha0 = np.log(np.array([0.5, 0.5])) + EMIT[:, OBS[0]]
    return logsumexp(tg.scan(step, alpha0, EMIT[:, OBS[1:]].T)[0])


@case(vecs([1.0, 2.0], [0.0, 0.5], [3.0, -1.0], [-0.5, 1.5]), varies=False, rtol=1e-6)
def viterbi(t):
    """Viterbi's best path score with np.max, and the path traced back with np.argmax."""
    logA = transition(t)
    delta = np.log(np.array([0.5, 0.5])) + EMIT[:, OBS[0]]
    back = []
    for o in OBS[1:]:
        scores = delta[:, None] + logA
        back.append(np.argmax(scores, axis=0))
        delta = np.max(scores, axis=0) + EMIT[:, o]
    state = np.argmax(delta)
    path_emission = tg.take(EMIT[:, OBS[-1]], state)      # EMIT[state, ...]: a NumPy constant
    for bp in reversed(back):
        state = bp[state]
    return np.max(delta) + path_emission + 0.1 * logA[state, state]


REF = np.array([0.0, 0.5, 1.0, 0.7, 0.2, 0.0])


@case(vecs([0.0, 0.4, 0.9, 0.4, 0.1], [0.1, 0.1, 0.6, 1.0, 0.3], [1.0, 0.8, 0.2, 0.0, 0.5]),
      varies=False, rtol=1e-6)
def dtw(x):
    """Dynamic time warping between x and a reference: nested loops, np.minimum of three."""
    n, m = len(x), len(REF)
    D = [[np.inf] * (m + 1) for _ in range(n + 1)]
    D[0][0] = 0.0
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            cost = (x[i - 1] - REF[j - 1]) ** 2
            D[i][j] = cost + np.minimum(np.minimum(D[i - 1][j], D[i][j - 1]), D[i - 1][j - 1])
    return D[n][m]


SEQ = RS.randn(8, 2)


def rnn_cell(w, h, x):
    W = w[:9].reshape(3, 3)
    U = w[9:15].reshape(3, 2)
    return np.tanh(W @ h + U @ x + w[15:18])


W18 = [0.3 * RS.randn(18), 0.5 * RS.randn(18), 0.1 * RS.randn(18)]


@case(W18, varies=False, rtol=1e-6)
def rnn_for(w):
    """An Elman RNN over a sequence with a Python for: the last state's sum of squares."""
    h = np.zeros(3)
    for x in SEQ:
        h = rnn_cell(w, h, x)
    return np.sum(h * h)


@case(W18, varies=False, rtol=1e-6)
def rnn_scan(w):
    """The same RNN with tg.scan, the states' mean collected."""
    def step(h, x):
        h = rnn_cell(w, h, x)
        return h, np.mean(h)
    h, means = tg.scan(step, np.zeros(3), SEQ)
    return np.sum(h * h) + 0.1 * np.sum(means)


@case(W18, varies=False, rtol=1e-6)
def rnn_scan_checkpoint(w):
    """The RNN with tg.scan(tg.checkpoint(step))."""
    def step(h, x):
        h = rnn_cell(w, h, x)
        return h, np.mean(h)
    h, means = tg.scan(tg.checkpoint(step), np.zeros(3), SEQ)
    return np.sum(h * h) + 0.1 * np.sum(means)


def gru_cell(w, h, x):
    Wz, Wr, Wh = w[:6].reshape(2, 3), w[6:12].reshape(2, 3), w[12:18].reshape(2, 3)
    hx = np.concatenate([h, x[:1]])
    z = 1.0 / (1.0 + np.exp(-(Wz @ hx)))
    r = 1.0 / (1.0 + np.exp(-(Wr @ hx)))
    cand = np.tanh(Wh @ np.concatenate([r * h, x[:1]]))
    return (1.0 - z) * h + z * cand


@case(W18, varies=False, rtol=1e-6)
def gru_for(w):
    """A GRU over the sequence with a Python for."""
    h = np.array([0.1, -0.1])
    for x in SEQ:
        h = gru_cell(w, h, x)
    return h[0] - h[1]


@case(W18, varies=False, rtol=1e-6)
def gru_fori_checkpoint(w):
    """The GRU with tg.fori_loop over indices into the sequence, its body checkpointed."""
    def body(i, h):
        return gru_cell(w, h, tg.take(SEQ, i, axis=0))
    h = tg.fori_loop(0, len(SEQ), tg.checkpoint(body), np.array([0.1, -0.1]))
    return h[0] - h[1]


# ------------------------------------------------------------ loop primitives
def rk4_rhs(p, y):
    return np.stack([p[0] * y[0] - p[1] * y[0] * y[1], -y[1] + 0.5 * y[0] * y[1]])


def rk4_step(p, y, dt):
    k1 = rk4_rhs(p, y)
    k2 = rk4_rhs(p, y + 0.5 * dt * k1)
    k3 = rk4_rhs(p, y + 0.5 * dt * k2)
    k4 = rk4_rhs(p, y + dt * k3)
    return y + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)


@case(vecs([1.0, 0.5], [0.8, 0.3], [1.2, 0.7]), varies=False, rtol=1e-6)
def lotka_volterra_fori(p):
    """Lotka-Volterra by 40 RK4 steps in tg.fori_loop."""
    y = tg.fori_loop(0, 40, lambda i, y: rk4_step(p, y, 0.05), np.array([1.0, 0.5]))
    return y[0] + y[1]


@case(vecs([1.0, 0.5], [0.8, 0.3], [1.2, 0.7]), varies=False, rtol=1e-6)
def lotka_volterra_for(p):
    """The same with a Python for (equal to the fori_loop bit for bit)."""
    y = np.array([1.0, 0.5])
    for _ in range(40):
        y = rk4_step(p, y, 0.05)
    return y[0] + y[1]


@case(vecs([1.0, 0.5], [0.8, 0.3], [1.2, 0.7]), varies=False, rtol=1e-6)
def lotka_volterra_checkpoint(p):
    """The fori_loop with its body checkpointed."""
    y = tg.fori_loop(0, 40, tg.checkpoint(lambda i, y: rk4_step(p, y, 0.05)),
                     np.array([1.0, 0.5]))
    return y[0] + y[1]


@case(vecs([0.5, 0.05], [1.0, 0.3], [2.5, 0.6], [0.2, 0.9], [3.0, 0.97]), varies=False)
def kepler_while_loop(p):
    """Kepler's equation by Newton's method in tg.while_loop."""
    M, e = p[0], p[1]

    def body(s):
        E, _ = s
        dE = (E - e * np.sin(E) - M) / (1.0 - e * np.cos(E))
        return E - dE, dE
    return tg.while_loop(lambda s: np.abs(s[1]) > 1e-13, body, (M, M + 1.0))[0]


@case([0.5, -1.0, 3.0, -7.5, 12.0], varies=False)
def exp_series_while_loop(x):
    """exp(x) by its series in tg.while_loop, the counter a float in the carry."""
    def body(s):
        n, term, total = s
        term = term * x / (n + 1.0)
        return n + 1.0, term, total + term
    init = (0.0 * x, 1.0 + 0.0 * x, 1.0 + 0.0 * x)
    return tg.while_loop(lambda s: np.abs(s[1]) > 1e-17 * np.abs(s[2]), body, init)[2]


@case(vecs([1.0, -2.0, 0.5, 3.0], [0.0, 1.0, 0.0, -1.0], [2.0, 2.0, 2.0, 2.0]), varies=False)
def horner_scan(coeffs):
    """Horner's rule with tg.scan over the coefficients."""
    xs = np.array([-1.0, 0.3, 0.7, 2.0])
    y = tg.scan(lambda y, c: (y * xs + c, None), np.zeros(4), coeffs)[0]
    return np.sum(y * y)


# ------------------------------------------------------------ branches, break, continue
@case([2.0, 0.5, -1.0, 9.0, -3.0, 30.0], jit_traces=2, grad_traces=2, rtol=1e-6)
def loop_in_a_branch(x):
    """Positive x: Newton's square root (a while); else exp by a for of twenty terms."""
    if x > 0.0:
        r = x + 1.0
        step = r
        while np.abs(step) > 1e-14 * r:
            step = (r * r - x) / (2.0 * r)
            r = r - step
        return r
    s = term = 1.0
    for n in range(1, 20):
        term = term * x / n
        s = s + term
    return s


@case([0.5, 1.0, 2.0, 0.1, 3.0, 0.01], jit_traces=6, grad_traces=6, rtol=1e-6,
      rolls="term * x / k reads the for's counter k, a constant per iteration")
def break_and_continue(x):
    """Sum the terms x^k / k! of a series whose every third is skipped; stop when tiny."""
    s = 0.0
    term = 1.0
    for k in range(1, 60):
        term = term * x / k
        if k % 3 == 0:
            continue
        if term < 1e-16:
            break
        s = s + term
    return s


@case(vecs([1.0, -2.0, 0.5, 3.0, -0.1], [-1.0, 2.0, -0.5, 0.3, 0.2], [0.4, 0.4, 0.4, 0.4, 0.4],
           [-1.0, -2.0, -3.0, 4.0, 5.0]), varies=False, jit_traces=4, grad_traces=4, rtol=1e-6)
# five iterations are too few to roll: one trace per pattern of signs
def skip_negatives(v):
    """A for over an array's entries with a continue on a traced test."""
    s = 0.0
    for vi in v:
        if vi < 0.0:
            continue
        s = s + np.sqrt(vi + 1.0)
    return s

