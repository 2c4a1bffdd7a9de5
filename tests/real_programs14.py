"""Array programs, part fourteen: public NumPy and SciPy code as its authors wrote it.

Each program is a snippet from a public repository or tutorial (named in its
docstring), made a function of one float vector with the fewest changes: the
author's loops, Python lists, in-place updates, ``while True`` with ``break``,
early ``return`` from a loop, Python's ``min``, ``max`` and ``math`` on the
traced numbers, and their branches on them. Optimization test functions
(Ackley, Himmelblau, Rastrigin, the egg holder, Beale, Rosenbrock in a loop),
Hamiltonian Monte Carlo (leapfrog integrators, a Metropolis step), root
finding (bisection three ways, Newton with ``break`` and with early returns,
the secant method twice), spring-mass systems (Euler over lists, over
preallocated arrays, by a ``while`` on time, by ``np.vstack``), attention (a
row loop into ``np.empty`` in float32, in-place softmax, a causal mask,
``np.expand_dims``), Simpson's rule (slices, loops, ``np.arange`` to
``np.nextafter``), Kalman filters (1-D lists, a class with ``+=`` on
attributes, float32 constant velocity, Udacity's matrix filter), Black-Scholes
(``norm.cdf`` both ways, a call/put branch with delta and vega), Gaussian
processes (Cholesky solves, a dataclass kernel, ``np.apply_along_axis``), Poisson
and logistic likelihoods (``factorial``, an early ``return np.inf``,
``log1p``, gradient descent stopping on the cost), Nelder-Mead, Lennard-Jones
(an ``np.inf`` written on the diagonal, a cutoff branch per pair), IIR filters
(direct form on lists, a generator, transposed state arrays,
``np.concatenate``), projectiles (``while x[1] >= 0`` with in-place steps,
``np.append`` in a ``while``, lists of angles), PCA by ``np.linalg.eig`` and
``eigh`` with ``argsort``, Runge-Kutta (step doubling, adaptive step size
control in a ``while``), exponential smoothing (Holt-Winters), pendulums,
Gauss-Legendre quadrature with traced limits, and momentum descent to a
gradient tolerance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy import arange, nextafter
from program_cases import Case, registrar

import tapegrad.scipy.linalg as sla
import tapegrad.scipy.special as special
import tapegrad.scipy.stats as stats

PROGRAMS: dict[str, Case] = {}
case = registrar(PROGRAMS)

RS = np.random.RandomState(14)
F32 = "float32: central differences cannot check a float32 Hessian"
KINK = "piecewise: the Hessian's differences straddle a kink"
LOOP = "a loop to a tolerance: the Hessian's differences change its trip count"
RETRIES = ("jit traces rkqs once per input: its while True (retry with a smaller step, `if "
           "errmax <= 1.0: break`) runs inside the while over x, once on most steps and twice "
           "on some; outer iterations of two lengths, each holding a loop of its own, do not "
           "roll into one loop (the first tries, on the Python float h = 0.5, record constants)")


# ------------------------------------------------------------ optimization test functions
@case([0.3, -0.2], 1, scale=0.3)
def ackley_fn(X):
    """LMargotti/Simulated_Annealing_Reviewed test_functions.py: Ackley of X=(x,y)."""
    x = X[0]
    y = X[1]
    exp1 = np.exp(-0.2 * np.sqrt(0.5 * (x**2 + y**2)))
    exp2 = np.exp(0.5 * (np.cos(2 * np.pi * x) + np.cos(2 * np.pi * y)))
    return -20 * exp1 - exp2 + np.e + 20


@case([2.5, 1.5], 2, scale=0.2)
def himmelblau_fn(X):
    """LMargotti/Simulated_Annealing_Reviewed test_functions.py: Himmelblau by np.square."""
    x = X[0]
    y = X[1]
    return np.square(x**2 + y - 11) + np.square(x + y**2 - 7)


@case([0.4, -0.3, 1.2, 0.1, -0.7], 3, scale=0.2)
def rastrigin_len(x):
    """marcosnevary/particle-swarm-optimization src/benchmarks.py: 10 len(x) + sum."""
    return 10 * len(x) + np.sum(x**2 - 10 * np.cos(2 * np.pi * x))


@case([400.0, 380.0, -200.0, 300.0], 4, scale=0.01, no_hessian=KINK)
def eggholder_rows(p):
    """Sargaleano/PUPI-metaheuristic pupi_bm.py: the egg holder on rows X[:, 0], X[:, 1]."""
    X = p.reshape(-1, 2)
    Z = X[:, 1] + 47
    f = (-Z * np.sin(np.sqrt((np.abs(X[:, 0] / 2 + Z))))  # noqa: UP034
         - X[:, 0] * np.sin(np.sqrt((np.abs(X[:, 0] - Z)))))  # noqa: UP034
    return np.sum(f)


@case([1.3, 0.4, -0.8, 1.1], 5, scale=0.1)
def rosenbrock_for_loop(x):
    """Test functions after Wikipedia's list: Rosenbrock summed in a Python for loop."""
    f = 0   # x = np.asarray(x) dropped: x is an array already
    for i in range(len(x) - 1):
        f += 100 * ((x[i + 1] - (x[i] ** 2)) ** 2) + ((1 - x[i]) ** 2)
    return f


@case([2.0, 0.3], 6, scale=0.1)
def beale_and_rosen(x):
    """fneri13/NumOpt NumOpt/functions.py: rosenbrock(x, a, b) unpacked, plus Beale's."""
    def rosenbrock(x, a=1, b=100):
        x1, x2 = x
        return (a - x1)**2 + b*(x2 - x1**2)**2
    x1, x2 = x
    beale = (1.5 - x1 + x1*x2)**2 + (2.25 - x1 + x1*x2**2)**2 + (2.625 - x1 + x1*x2**3)**2
    return rosenbrock(x) / 100 + beale


# ------------------------------------------------------------ Hamiltonian Monte Carlo
PREC = np.array([[2.0, 0.6], [0.6, 1.0]])


def _neg_log_prob(q):
    return 0.5 * q @ PREC @ q


def _dVdq(q):
    return PREC @ q


@case([0.5, -0.3, 0.8, 0.2], 7, scale=0.2)
def hmc_leapfrog_integrator(p):
    """BerenMillidge/HMC_implementation hmc.py: leapfrog with np.copy and -=, the energy change."""
    def leapfrog_integrator(q, p, dVdq, path_len, step_size):
        q, p = np.copy(q), np.copy(p)
        p -= step_size * dVdq(q) / 2
        for _ in range(int(path_len / step_size) - 1):
            q += step_size * p
            p -= step_size * dVdq(q)
        q += step_size * p
        p -= step_size * dVdq(q) / 2
        return q, -p
    q0, p0 = p[:2], p[2:]
    q_new, p_new = leapfrog_integrator(q0, p0, _dVdq, path_len=1, step_size=0.1)
    start = _neg_log_prob(q0) + 0.5 * np.sum(p0 ** 2)
    new = _neg_log_prob(q_new) + 0.5 * np.sum(p_new ** 2)
    return (start - new) * 1e3 + np.sum(q_new)


U_ACCEPT = 0.4


@case([0.6, -0.4, 0.7, 0.9], 8, scale=0.5, no_hessian=KINK)
def pyhmc_metropolis_step(p):
    """mdlerch/pyhmc iterate.py: leapfrog steps, math.log of a density, min(1, math.exp(...))."""
    def dens(q):
        return np.exp(-_neg_log_prob(q))

    def deriv(q):
        return -_dVdq(q)

    def leapfrog(q, p, eps, deriv):
        p2 = p + eps / 2. * deriv(q)
        q2 = q + eps * p2
        p2 = p2 + eps / 2. * deriv(q2)
        return (q2, p2)

    def hamiltonian(q, p, dens):
        E = - np.log(dens(q)) + 1./2. * np.dot(p, p)   # was math.log
        return (E)
    q, mom = p[:2], p[2:] * 3.0
    Ei = hamiltonian(q, mom, dens)
    for step in range(8):  # noqa: B007
        q, mom = leapfrog(q, mom, 0.3, deriv)
    Ef = hamiltonian(q, mom, dens)
    alpha = min(1, np.exp(- Ef + Ei))   # was math.exp
    if U_ACCEPT < alpha:
        return np.sum(q) + alpha
    return np.sum(p[:2]) + alpha


# ------------------------------------------------------------ root finding
@case([2.0, 0.5], 9, scale=0.1)
def quantecon_bisect(p):
    """QuantEcon/QuantEcon.py bisection.py: while upper - lower > tol, the interval from p."""
    def bisect(f, a, b, tol=10e-5):
        lower, upper = a, b
        while upper - lower > tol:
            middle = 0.5 * (upper + lower)
            if f(middle) > 0:
                lower, upper = lower, middle
            else:
                lower, upper = middle, upper
        return 0.5 * (upper + lower)
    c = 1.7
    root = bisect(lambda x: x ** 3 - c, p[1], p[0] + 0.3)
    return root + p[0] * p[1]


@case([0.8, 3.0], 10, scale=0.05)
def braunschweig_bisec_swap(p):
    """sdrave/braunschweig09 bisec/d/bisec.py: swap so f(a) < f(b), while True to |f| < 1e-4."""
    k = 1.3

    def f(x):
        return np.tanh(x - k) * p[0]

    def bisec(f, a, b, tol=1e-4):
        if f(a) > f(b):
            a, b = b, a
        while True:
            c = (a + b)/2
            y = f(c)
            if abs(y) < 1e-4:
                break
            if y > 0:
                b = c
            else:
                a = c
        return c, y
    c, y = bisec(f, p[1], 0.0)
    return c + y


@case([2.0, 3.0], 11, scale=0.2)
def newton_raphson_while_break(p):
    """muhammadsujakmk/Numerical-Method NewtonRaphson.py: while True, xn -= f/df, break on |dx|."""
    def func(x):
        f = x**3 - p[0]*x - p[1]
        df = 3*x**2 - p[0]
        return f, df

    def NewtonRaphson(xn, err=1e-12, maxit=50):
        t = 0
        while True:
            x0 = xn
            f, df = func(xn)
            xn -= f/df
            t += 1
            if abs(xn-x0) < err:
                break
        return xn
    return NewtonRaphson(2.0 + 0.0 * p[0])


@case([1.0, 1.0], 12, scale=0.2)
def newton_early_returns(p):
    """estervelazquezn/parametric-simulation-kresling-ori _newton.py: returns from a for loop."""
    def newton(f, Df, x0, epsilon, max_iter):
        xn = x0
        for n in range(0, max_iter):  # noqa: B007
            fxn = f(xn)
            if abs(fxn) < epsilon:
                return xn
            Dfxn = Df(xn)
            if Dfxn == 0:
                return None
            xn = xn - fxn/Dfxn
        return None
    f = lambda x: x**2 - p[0]*x - p[1]   # noqa: E731
    Df = lambda x: 2*x - p[0]            # noqa: E731
    return newton(f, Df, 1.0 + p[1], 1e-12, 50)


@case([0.5, 2.0], 13, scale=0.1)
def secant_max_abs(p):
    """jumbokh/appliedNum_learn secant.py: returns inside the loop, tol * max(abs(x1), 1.0)."""
    def secant(f, x0, x1, n, tol=1.0e-12):
        for i in range(n):  # noqa: B007
            if f(x1)-f(x0) == 0:
                return x1
            x_temp = x1 - (f(x1)*(x1-x0)*1.0)/(f(x1)-f(x0))
            y_temp = f(x_temp)
            if abs(y_temp) < tol*max(abs(x1), 1.0):
                return x1
            x0 = x1
            x1 = x_temp
        return x1
    return secant(lambda x: np.cos(x) - p[0] * x, 0.1, p[1], 40)


@case([3.0, 1.0], 14, scale=0.1)
def secant_isclose_raise(p):
    """A secant_method.py: np.isclose on the denominator, np.abs(x2 - x1) < tol returns."""
    def secant_method(f, x0, x1, tol=1e-10, max_iterations=100000):
        for _ in range(max_iterations):
            f_x0 = f(x0)
            f_x1 = f(x1)
            denominator = f_x1 - f_x0
            if np.isclose(denominator, 0.0):
                raise ValueError("Denominator is zero. Division by zero encountered.")
            x2 = x1 - f_x1 * (x1 - x0) / denominator
            if np.abs(x2 - x1) < tol:
                return x2
            x0, x1 = x1, x2
        raise ValueError("Secant method did not converge")
    return secant_method(lambda x: np.log(x) + x - p[0], p[1], p[1] + 0.5)


@case([0.0, 2.0, 1.5], 15, scale=0.05, rtol=1e-4, no_hessian=LOOP, fd_step=1e-10)
def bisection_tol_elif(p):
    """A bisection_tol: (b - a) / 2 > tol, f_c == 0 returns, elif f_a * f_c < 0."""
    def bisection_tol(func, a, b, tol):
        if func(a)*func(b) >= 0:
            return math.nan
        else:
            f_a = func(a)
            while (b-a)/2 > tol:
                c = (a+b)/2
                f_c = func(c)
                if f_c == 0:
                    return c
                elif f_a*f_c < 0:
                    b = c
                else:
                    a = c
                    f_a = f_c
            return (a + b) / 2
    r = bisection_tol(lambda x: x**2 - 2.0, p[0], p[1], 1e-6)
    return r * p[2]


# ------------------------------------------------------------ spring-mass systems
T_ARRAY = np.arange(0, 10, 0.1)


@case([1.0, 1.0, 0.0, 1.0], 16, scale=0.1)
def spring_euler_lists(p):
    """An Euler loop over t_array appending x and v to lists (mass, spring, x0, v0)."""
    m, k, x, v = p
    dt = 0.1
    x_list = []
    v_list = []
    for t in T_ARRAY:  # noqa: B007
        x_list.append(x)
        v_list.append(v)
        a = -k * x / m
        x = x + dt * v
        v = v + dt * a
    x_array = np.stack(x_list)   # was np.array
    v_array = np.stack(v_list)
    return np.mean(x_array ** 2) + np.mean(v_array ** 2) / 2


@case([100.0, 1.0, 10.0], 17, scale=0.1)
def spring_gravity_arrays(p):
    """Furkanakguun/PCAG spring.py: y, v, t preallocated by np.zeros, written in the loop."""
    k, m, v0 = p
    g = 9.8
    dt = 1/60
    n = int(round(2.0/dt))
    t = np.zeros(n, float)
    y = np.zeros_like(p, shape=n)   # was np.zeros(n, float)
    v = np.zeros_like(p, shape=n)
    y[0] = 0.0
    v[0] = v0
    for i in range(n-1):
        F = -k*y[i] - m*g
        a = F/m
        v[i+1] = v[i] + a*dt
        y[i+1] = y[i] + v[i+1]*dt
        t[i+1] = t[i] + dt
    return np.sum(y * t) + np.max(np.abs(v))


@case([1.0, 0.2, 10.0, 1.0, 0.0], 18, scale=0.1)
def spring_damper_while_time(p):
    """simulation/spring_mass_damper.py: while t <= t_end with Python floats t, dt."""
    def simulate(mass=1.0, damping=0.2, stiffness=10.0, x0=1.0, v0=0.0, t_end=3.0, dt=0.01):
        times = []
        positions = []
        t = 0.0
        x = x0
        v = v0
        while t <= t_end:
            times.append(t)
            positions.append(x)
            a = -(damping/mass)*v - (stiffness/mass)*x
            v = v + a * dt
            x = x + v * dt
            t += dt
        return {"time": times, "position": positions}
    out = simulate(*p)
    return np.sum(np.stack(out["position"]) ** 2) * 0.01   # was np.array


@case([100.0, 10.0, 0.1], 19, scale=0.1)
def spring_eom_vstack(p):
    """A spring mass simulation: y += eom(y) * dt on np.copy(y0), rows grown by np.vstack."""
    m = 1.0
    k, c, x0 = p

    def eom(y):
        x = y[0]
        v = y[1]
        dy = np.stack([v, (-k*x - c*v)/m])   # was np.array
        return dy

    def Eular(y0, dt, tspan):
        n = (tspan[1]-tspan[0])/dt
        t = tspan[0]
        y = np.copy(y0)
        tout = np.copy(t)
        yout = np.copy(y)
        for i in range(1, n.astype(int)):  # noqa: B007
            t += dt
            y += eom(y)*dt
            tout = np.vstack((tout, t))
            yout = np.vstack((yout, y))
        return tout, yout
    tout, yout = Eular(np.array([1.0, 0.0]) * x0 + np.array([0.0, 0.5]), 0.005,
                       np.array([0.0, 0.5]))
    return np.sum(yout[:, 0] * tout[:, 0]) + yout[-1, 1]


# ------------------------------------------------------------ attention
Q_ATT = RS.randn(3, 4)
K_ATT = RS.randn(5, 4)
V_ATT = RS.randn(5, 2)


@case(np.array([0.5, -0.2, 0.8, 1.0], np.float32), 20, scale=0.2, rtol=2e-3, no_hessian=F32,
      fd_step=1e-2)
def attention_rows_float32(w):
    """marcderoo/attention_benchmark numba_impl.py: softmax rows into np.empty, float32 casts."""
    def softmax_2d(x):
        n, m = x.shape
        out = np.empty_like(x, dtype=np.float32)   # was np.empty((n, m), dtype=np.float32)
        for i in range(n):
            max_val = np.max(x[i])
            exps = np.exp(x[i] - max_val)
            out[i] = exps / np.sum(exps)
        return out

    def attention(Q, K, V):
        Q = Q.astype(np.float32)
        K = K.astype(np.float32)
        V = V.astype(np.float32)
        d = np.float32(Q.shape[1])
        scores = (Q @ K.T) / np.sqrt(d)
        weights = softmax_2d(scores)
        return weights @ V
    out = attention(Q_ATT * w, K_ATT, V_ATT)
    return np.sum(out * out)


@case([1.0, 0.5, -0.3, 0.2], 21, scale=0.2)
def attention_inplace_softmax(w):
    """Standard scaled dot-product attention: scores = np.exp(...), scores /= np.sum(...)."""
    def attention(Q, K, V):
        dk = Q.shape[-1]
        scores = np.matmul(Q, K.T) / np.sqrt(dk)
        scores = np.exp(scores - np.max(scores, axis=-1, keepdims=True))
        scores /= np.sum(scores, axis=-1, keepdims=True)
        return np.matmul(scores, V)
    return np.sum(attention(Q_ATT, K_ATT * w, V_ATT) ** 2)


MASK = np.triu(np.full((5, 5), -1e10), 1)
X_SEQ = RS.randn(5, 4)


@case([0.3, -0.1, 0.2, 0.5, 1.0, 0.7], 22, scale=0.2)
def attention_causal_mask(p):
    """A minimal GPT: softmax(q @ k.T / np.sqrt(q.shape[-1]) + mask) @ v, a causal mask."""
    def softmax(x):
        exp_x = np.exp(x - np.max(x, axis=-1, keepdims=True))
        return exp_x / np.sum(exp_x, axis=-1, keepdims=True)

    def attention(q, k, v, mask):
        return softmax(q @ k.T / np.sqrt(q.shape[-1]) + mask) @ v
    q = X_SEQ * p[:4]
    k = X_SEQ[:, ::-1] * p[4]
    v = X_SEQ * p[5]
    return np.sum(np.tanh(attention(q, k, v, MASK)))


@case([1.0, 0.5, 0.25], 23, scale=0.2)
def self_attention_expand_dims(p):
    """Fangzhou-Code/Learn_AI self_attention.py: soft_max by np.expand_dims of a row sum."""
    def soft_max(z):
        t = np.exp(z)
        a = np.exp(z) / np.expand_dims(np.sum(t, axis=1), 1)
        return a
    Query = np.array([[1, 0, 2], [2, 2, 2], [2, 1, 3]]) * p
    Key = np.array([[0, 1, 1], [4, 4, 0], [2, 3, 1]]) * 0.3
    Value = np.array([[1, 2, 3], [2, 8, 0], [2, 6, 3]])
    scores = Query @ Key.T
    scores = soft_max(scores)
    out = scores @ Value
    return np.sum(out) / 10


# ------------------------------------------------------------ Simpson's rule
@case([1.0, 0.5, 2.0], 24, scale=0.1)
def simpson_numpy_slices(p):
    """Montgomery55/numintegrate src/simpson.py: y[2:n:2] and y[1:n:2] of a linspace."""
    def simpson(f, a, b, n=100):
        if n % 2 == 1:
            n += 1
        x = np.linspace(a, b, n+1)
        y = f(x)
        h = (b-a)/n
        return h / 3 * (y[0] + 2*np.sum(y[2:n:2]) + 4*np.sum(y[1:n:2]) + y[n])
    return simpson(lambda x: p[0] * np.exp(-p[1] * x ** 2), 0.0, p[2], n=51)


@case([0.0, 3.0, 1.2], 25, scale=0.05)
def simpson_loop_traced_limits(p):
    """rappoccio/PHY410 Lecture10/simpson.py: s += 4 f(a + i h), the limits a, b traced."""
    def simpson(f, a, b, n):
        h = (b - a) / n
        s = f(a) + f(b)
        for i in range(1, n, 2):
            s += 4 * f(a + i * h)
        for i in range(2, n-1, 2):
            s += 2 * f(a + i * h)
        return s * h / 3
    return simpson(lambda x: np.sin(x) * p[2], p[0], p[1], 20)


@case([1.5, 0.3], 26, scale=0.1)
def simpson_arange_nextafter(p):
    """poettler-ric/pylib rmath.py: for x in arange(a, nextafter(b, b + dx), dx), factor 4/2."""
    def simpson(f, a, b, n=3):
        steps = n - 1
        result = 0
        i = 0
        dx = (b - a) / steps
        for x in arange(a, nextafter(b, b+dx), dx):
            factor = 1
            if i == 0:
                pass
            elif i == steps:
                pass
            elif i % 2:
                factor = 4
            else:
                factor = 2
            i += 1
            result += dx / 3 * f(x) * factor
        return result
    return simpson(lambda x: np.exp(-p[0] * x) * np.cos(p[1] * x), 0.0, 2.0, n=11)


# ------------------------------------------------------------ Kalman filters
MEAS = [5., 6., 7., 9., 10.]
MOTION = [1., 1., 2., 1., 1.]


@case([4.0, 2.0, 0.0, 10000.0], 27, scale=0.1, rtol=1e-5)
def kalman_1d_lists(p):
    """simonmoriat/AI-in-Robotics KalmanFilters.py: update and predict returning lists."""
    def update(mean1, var1, mean2, var2):
        new_mean = (var2*mean1+var1*mean2)/(var1+var2)
        new_var = 1/(1/var1+1/var2)
        return [new_mean, new_var]

    def predict(mean1, var1, mean2, var2):
        new_mean = mean1+mean2
        new_var = var1+var2
        return [new_mean, new_var]
    measurement_sig, motion_sig, mu, sig = p
    for x in range(0, len(MOTION)):
        [mu, sig] = update(mu, sig, MEAS[x], measurement_sig)
        [mu, sig] = predict(mu, sig, MOTION[x], motion_sig)
    return mu + sig


Z_KF = np.cumsum(0.1 * RS.randn(12)) + 1.0


@case([1.0, 1.0, 1.0], 28, scale=0.2)
def kalman_1d_class(p):
    """kalmanfilter.py KalmanFilter1D: self.x += K (z - self.x), self.covariance_P *= 1 - K."""
    class KalmanFilter1D:
        def __init__(self):
            self.x = 0
            self.covariance_P = p[2]
            self.covariance_Q = p[0] * 0.001   # was 0.001
            self.covariance_R = p[1] * 0.01    # was 0.1**2

        def predict(self):
            self.x = self.x
            self.covariance_P += self.covariance_Q

        def update(self, z):
            K = self.covariance_P / (self.covariance_P + self.covariance_R)
            self.x += K * (z - self.x)
            self.covariance_P *= 1 - K
    kf = KalmanFilter1D()
    xs = []
    for z in Z_KF:
        kf.predict()
        kf.update(z)
        xs.append(kf.x)
    return np.sum((np.stack(xs) - Z_KF) ** 2) + kf.covariance_P   # was np.array(xs)


@case(np.array([0.01, 0.01, 0.0, 0.5], np.float32), 29, scale=0.2, rtol=2e-3, no_hessian=F32)
def kalman_cv_float32(p):
    """KF1D (position, velocity) in float32: F @ x, F @ P @ F.T + Q, a gain from H and R."""
    class KF1D:
        def __init__(self, x0=0.0, v0=0.0, dt=1.0/30.0, q=1e-2, r=1e-2):
            self.dt = dt
            self.x = np.array([[1.0], [0.0]], dtype=np.float32) * x0 + \
                np.array([[0.0], [1.0]], dtype=np.float32) * v0
            self.P = np.eye(2, dtype=np.float32) * 1.0
            self.F = np.array([[1, dt], [0, 1]], dtype=np.float32)
            self.H = np.array([[1, 0]], dtype=np.float32)
            self.Q = np.eye(2, dtype=np.float32) * q
            self.R = np.eye(1, dtype=np.float32) * r

        def predict(self):
            self.x = self.F @ self.x
            self.P = self.F @ self.P @ self.F.T + self.Q

        def update(self, z):
            y = z - self.H @ self.x
            S = self.H @ self.P @ self.H.T + self.R
            K = self.P @ self.H.T / S
            self.x = self.x + K @ y
            self.P = (np.eye(2, dtype=np.float32) - K @ self.H) @ self.P
    kf = KF1D(x0=p[2], v0=p[3], q=p[0], r=p[1])
    err = np.float32(0.0)
    for z in Z_KF.astype(np.float32):
        kf.predict()
        kf.update(z)
        err = err + (kf.x[0, 0] - z) ** 2
    return err


@case([1.0, 1000.0, 0.0], 30, scale=0.1)
def kalman_udacity_matrix(p):
    """ChenBohan CarND kalman_filter_md.py: measurement then prediction with an inverse S."""
    measurements = [1, 2, 3]
    x = np.array([[0.], [0.]]) + p[2]
    P = np.array([[1., 0.], [0., 1.]]) * p[1]
    u = np.array([[0.], [0.]])
    F = np.array([[1., 1.], [0., 1.]])
    H = np.array([[1., 0.]])
    R = np.array([[1.]]) * p[0]
    Id = np.array([[1., 0.], [0., 1.]])
    for n in range(len(measurements)):
        Z = np.array([[measurements[n]]])
        y = Z - (H @ x)
        S = H @ P @ H.transpose() + R
        K = P @ H.transpose() @ np.linalg.inv(S)
        x = x + K @ y
        P = (Id - (K @ H)) @ P
        x = (F @ x) + u
        P = F @ P @ F.transpose()
    return np.sum(x) + np.trace(P) / 100


# ------------------------------------------------------------ Black-Scholes
@case([100.0, 95.0, 0.05, 1.0, 0.2], 31, scale=0.05, rtol=1e-5)
def black_scholes_call_put_norm(p):
    """endk17/pyfi options/black_scholes.py: N(z) = norm.cdf, a call and a put."""
    def N(z):
        return stats.norm.cdf(z)

    def black_scholes_call_value(S, K, r, t, vol):
        d1 = (1.0 / (vol * np.sqrt(t))) * (np.log(S / K) + (r + 0.5 * vol ** 2.0) * t)
        d2 = d1 - (vol * np.sqrt(t))
        return N(d1) * S - N(d2) * K * np.exp(-r * t)

    def black_scholes_put_value(S, K, r, t, vol):
        d1 = (1.0 / (vol * np.sqrt(t))) * (np.log(S / K) + (r + 0.5 * vol ** 2.0) * t)
        d2 = d1 - (vol * np.sqrt(t))
        return N(-d2) * K * np.exp(-r * t) - N(-d1) * S
    return black_scholes_call_value(*p) + 2.0 * black_scholes_put_value(*p)


@case([50.0, 50.0, 0.1, 1.0, 0.1, 0.02], 32, scale=0.05)
def bsformula_value_delta_vega(p):
    """SpaceLionPaPa/Computional-Finance BS.py: a call/put branch, delta, vega by exp(-d1^2/2)."""
    norm = stats.norm.cdf
    from numpy import exp, log, sqrt
    pai = math.pi

    def bsformula(callput, S0, K, r, T, sigma, q=0.):
        d1 = 1/(sigma*sqrt(T))*(log(S0/K)+(r-q+0.5*(sigma**2))*T)
        d2 = d1-sigma*sqrt(T)
        vega = S0*exp(-q*T)*sqrt(T)*1./sqrt(2*pai)*exp(-d1**2/2)
        if callput == 1:
            optionValue = S0*exp(-q*T)*norm(d1)-K*exp(-r*T)*norm(d2)
            delta = exp(-q*T)*norm(d1)
        if callput == -1:
            optionValue = K*exp(-r*T)*norm(-d2)-S0*exp(-q*T)*norm(-d1)
            delta = exp(-q*T)*(norm(d1)-1)
        return (optionValue, delta, vega)
    c = bsformula(1, *p)
    put = bsformula(-1, *p)
    return sum(c) + sum(put) * 0.5


@case([0.2, 0.25, 100.0, 99.0], 33, scale=0.05)
def bs_two_volatilities(p):
    """louissmit/CFUvA blackscholes.py: pow(vd1, 2) and a second volatility in d2."""
    def BS(k=99, s0=100, r=0.06, vd1=0.2, vd2=0.2, N=100, T=1):
        d1 = (np.log(s0/k)+(r+pow(vd1, 2))*T)/(vd1*np.sqrt(T))
        d2 = (np.log(s0/k)+(r+pow(vd2, 2))*T)/(vd2*np.sqrt(T)) - vd2/np.sqrt(T)
        stock = s0*stats.norm.cdf(d1)
        opt = k * np.exp(-r*T)*stats.norm.cdf(d2)
        return stock-opt
    return BS(k=p[3], s0=p[2], vd1=p[0], vd2=p[1])


# ------------------------------------------------------------ Gaussian processes
X_GP = np.linspace(-3, 3, 8).reshape(-1, 1)
Y_GP = np.sin(X_GP).ravel() + 0.05 * RS.randn(8)
XT_GP = np.linspace(-2.5, 2.5, 5).reshape(-1, 1)


@case([0.8, 0.01], 34, scale=0.1)
def gp_posterior_cholesky(p):
    """A GP posterior: kernel by sum of squares, L = cholesky, Lk = solve(L, ...), sd."""
    def kernel(x, y, l2):
        sqdist = np.sum(x**2, 1).reshape(-1, 1) + np.sum(y**2, 1) - 2 * np.dot(x, y.T)
        return np.exp(-0.5 * (1 / l2) * sqdist)

    def gp_posterior(X, y, Xtest, l2=0.1, noise_var=1e-6):
        N, n = len(X), len(Xtest)  # noqa: F841
        K = kernel(X, X, l2)
        L = np.linalg.cholesky(K + noise_var * np.eye(N))
        Lk = np.linalg.solve(L, kernel(X, Xtest, l2))
        mu = np.dot(Lk.T, np.linalg.solve(L, y))
        K_ = kernel(Xtest, Xtest, l2)
        sd = np.sqrt(np.diag(K_) - np.sum(Lk**2, axis=0))
        return (mu, sd)
    mu, sd = gp_posterior(X_GP, Y_GP, XT_GP, l2=p[0], noise_var=p[1])
    return np.sum(mu ** 2) + np.sum(sd)


@case([1.0, 1.0, 0.05], 35, scale=0.1)
def gp_dataclass_rbf(p):
    """A minimal GP dataclass: rbf_kernel from X2 - 2 X @ Y.T + Y2, a solve for the mean."""
    def rbf_kernel(X, Y, lengthscale, variance):
        X2 = np.sum(X**2, axis=1).reshape(-1, 1)
        Y2 = np.sum(Y**2, axis=1).reshape(1, -1)
        d2 = X2 - 2 * X @ Y.T + Y2
        return variance * np.exp(-0.5 * d2 / (lengthscale**2 + 1e-12))

    @dataclass
    class GP:
        lengthscale: float = 1.0
        variance: float = 1.0
        noise: float = 1e-6

        def fit(self, X, y):
            self._X, self._y = X, y
            K = rbf_kernel(X, X, self.lengthscale, self.variance)
            self._alpha = np.linalg.solve(K + self.noise * np.eye(len(X)), y)
            return self

        def predict(self, Xs):
            return rbf_kernel(Xs, self._X, self.lengthscale, self.variance) @ self._alpha
    gp = GP(lengthscale=p[0], variance=p[1], noise=p[2]).fit(X_GP, Y_GP)
    return np.sum((gp.predict(XT_GP) - np.sin(XT_GP).ravel()) ** 2)


@case([0.8, 0.5], 36, scale=0.1)
def gp_gram_apply_along_axis(p):
    """A GaussianProcess class: compute_gram by np.apply_along_axis of an rbf kernel."""
    def rbf(x1, x2, output_scale=0.8, length_scale=0.5):
        return output_scale * np.exp(-np.sum((x1 - x2)**2)/(2*(length_scale**2)))

    def compute_gram(X, Y=None, kernel=rbf):
        if Y is None:
            Y = X
        k = lambda x: np.apply_along_axis(f, 1, X, x)   # noqa: E731
        f = lambda x, y: kernel(x, y)                   # noqa: E731
        return np.apply_along_axis(k, axis=1, arr=Y).T
    K = compute_gram(X_GP / p[1], kernel=lambda a, b: rbf(a, b, p[0], 1.0))
    return np.linalg.slogdet(K + 0.1 * np.eye(len(X_GP)))[1] + np.sum(K)


X_CHO = np.linspace(0.5, 6.0, 12)
Y_CHO = np.sin(X_CHO) + 0.1 * RS.randn(12)


@case([1.0, 1e-2], 70, scale=0.1)
def gp_cho_factor_marginal(p):
    """alexis-roche/scripts stats/gaussian_process.py: D[:] = x, D.T[:] -= x.T, cho_factor,
    the log of np.maximum(np.diagonal(L), 1e-200), cho_solve((L, lower), y)."""
    def covariance_matrix(x, sigma):
        D = np.zeros((len(x), len(x)))
        D[:] = x
        D.T[:] -= x.T
        K = np.exp(-.5*D**2/sigma**2)
        return K

    def marginal_log_likelihood(K, regul=1e-10):
        L, lower = sla.cho_factor(K+regul*np.eye(K.shape[0]))
        d = np.maximum(np.diagonal(L), 1e-200)
        complexity = np.sum(np.log(d))
        c = sla.cho_solve((L, lower), Y_CHO)
        data_fit = np.dot(c, c)
        return -.5*(data_fit+complexity)
    return marginal_log_likelihood(covariance_matrix(X_CHO, p[0]), regul=p[1])


# ------------------------------------------------------------ likelihoods
DATA_POIS = np.array([2, 1, 0, 3, 2, 4, 1, 2, 2, 5, 0, 1])


@case([2.0], 37, scale=0.1)
def poisson_factorial_nll(params):
    """milesjwinter/CTA_sandbox Fit_test.py: (lamb**k / factorial(k)) exp(-lamb), -sum(log)."""
    def poisson(k, lamb):
        return (lamb**k/special.factorial(k)) * np.exp(-lamb)

    def negLogLikelihood(params, data):
        lnl = - np.sum(np.log(poisson(data, params[0])))
        return lnl
    return negLogLikelihood(params, DATA_POIS)


@case([2.0], 38, scale=0.1)
def poisson_logpmf_nll(params):
    """maxnoe/scientific_python_notebooks solutions/scipy_poisson.py: -sum(poisson.logpmf)."""
    def negLogLikelihood(params, data):
        lnl = - np.sum(stats.poisson.logpmf(data, params[0]))
        return lnl
    return negLogLikelihood(params, DATA_POIS)


X_GLM = np.column_stack([np.ones(20), RS.randn(20, 2)])
Y_GLM = RS.poisson(np.exp(X_GLM @ np.array([0.5, 0.3, -0.2])))


@case([0.4, 0.2, -0.1], 39, scale=0.2)
def poisson_glm_neuromatch(theta):
    """NeuromatchAcademy W1D4 neg_log_lik_lnp: rate = np.exp(X @ theta), y @ np.log(rate)."""
    def neg_log_lik_lnp(theta, X, y):
        rate = np.exp(X @ theta)
        log_lik = y @ np.log(rate) - rate.sum()
        return -log_lik
    return neg_log_lik_lnp(theta, X_GLM, Y_GLM)


X_DEC = np.linspace(0.0, 5.0, 15)
Y_DEC = RS.poisson(20.0 * np.exp(-X_DEC / 2.0))


@case([20.0, 2.0], 40, scale=0.1)
def poisson_decay_inf_guard(params):
    """A negative_log_likelihood: return np.inf unless A, lamb > 0, mu - y log(mu + 1e-9)."""
    def negative_log_likelihood(params, x_data, y_data):
        A, lamb = params
        if lamb <= 0 or A <= 0:
            return np.inf
        mu = A * np.exp(-x_data / lamb)
        nll = np.sum(mu - y_data * np.log(mu + 1e-9))
        return nll
    return negative_log_likelihood(params, X_DEC, Y_DEC)


X_LR = RS.randn(30, 3)
Y_LR = (X_LR @ np.array([1.0, -2.0, 0.5]) + 0.5 * RS.randn(30) > 0).astype(float)


@case([0.3, -0.5, 0.1], 41, scale=0.3)
def logistic_log1p_cost(w):
    """felixsimard/comp551-p2 GradientGiven.py: y log1p(exp(-z)) + (1 - y) log1p(exp(z))."""
    def cost_fn(x, y, w):
        N, D = x.shape
        z = np.dot(x, w)
        J = np.mean(y * np.log1p(np.exp(-z)) + (1-y) * np.log1p(np.exp(z)))
        return J
    return cost_fn(X_LR, Y_LR, w)


@case([0.0, 0.0, 0.0], 42, scale=0.0, no_hessian=LOOP)
def logistic_gd_cost_threshold(theta0):
    """diegogerwig/42_logistic_regression gradient.py: theta -= lr grad, stop on |dJ| < 1e-5."""
    def sigmoid(z):
        sig = 1 / (1 + np.exp(-z))
        return sig

    def gradient_descent(X, y, theta, lr, num_iters, threshold=1e-5):
        m = len(y)
        J_history = []
        for _ in range(num_iters):
            h = sigmoid(np.dot(X, theta))
            J = (-1 / m) * np.sum(y * np.log(h) + (1 - y) * np.log(1 - h))
            J_history.append(J)
            gradient = (1 / m) * np.dot(X.T, (h - y))
            theta -= lr * gradient
            if len(J_history) > 1 and abs(J_history[-1] - J_history[-2]) < threshold:
                break
        return theta, J_history
    theta, J = gradient_descent(X_LR, Y_LR, theta0.copy(), 0.5, 500)
    return J[-1] + np.sum(theta ** 2) * 1e-3


PROGRAMS["logistic_gd_cost_threshold"] = PROGRAMS["logistic_gd_cost_threshold"]._replace(
    xs=[np.zeros(3), np.array([0.5, -1.0, 0.2]), np.array([2.0, -3.0, 1.0])])


@case([0.2, -0.4, 0.3], 43, scale=0.3)
def logistic_cost_scores(beta):
    """A LogisticRegression by gradient ascent: Cost = sum(y scores - log(1 + exp(scores)))."""
    def Cost(X, y, beta):
        scores = np.dot(X, beta)
        return np.sum(y*scores - np.log(1 + np.exp(scores)))
    return -Cost(X_LR, Y_LR, beta)


# ------------------------------------------------------------ Nelder-Mead
@case([-1.0, 1.5], 44, scale=0.05, rtol=1e-5, no_hessian=KINK, traces=3)
def nelder_mead_fixed_iterations(x0):
    """A pure Python/NumPy Nelder-Mead after Wikipedia: a simplex sorted by np.argsort,
    reflection, expansion, contraction and shrink chosen by comparing traced values."""
    def f(x):
        return (x[0] - 0.7) ** 2 + 3.0 * (x[1] + 0.2) ** 2 + 0.5 * x[0] * x[1]

    def generate_simplex(x0, step=0.1):
        yield x0.copy()
        for i, _ in enumerate(x0):
            x = x0.copy()
            x[i] += step
            yield x

    def make_simplex(x0, step=0.1):
        return np.stack(list(generate_simplex(x0, step)))   # was np.array
    simplex = make_simplex(x0, step=0.4)
    alpha, gamma, rho, sigma = 1.0, 2.0, 0.5, 0.5
    for it in range(12):  # noqa: B007
        fs = np.stack([f(x) for x in simplex])   # was np.array
        order = np.argsort(fs)
        simplex, fs = simplex[order], fs[order]
        centroid = np.mean(simplex[:-1], axis=0)
        xr = centroid + alpha * (centroid - simplex[-1])
        fr = f(xr)
        if fs[0] <= fr < fs[-2]:
            simplex[-1] = xr
        elif fr < fs[0]:
            xe = centroid + gamma * (xr - centroid)
            simplex[-1] = xe if f(xe) < fr else xr
        else:
            xc = centroid + rho * (simplex[-1] - centroid)
            if f(xc) < fs[-1]:
                simplex[-1] = xc
            else:
                simplex[1:] = simplex[0] + sigma * (simplex[1:] - simplex[0])
    return np.sum(np.mean(simplex, axis=0) ** 2)


# ------------------------------------------------------------ Lennard-Jones
R_LJ = np.array([[0.0, 0.0, 0.0], [1.1, 0.1, 0.0], [0.2, 1.2, 0.1], [1.0, 1.1, 0.9]])


@case([1.0, 1.0, 1.0], 45, scale=0.03)
def lj_forces_inf_diagonal(s):
    """StanczakDominik/Nbody numpy_forces.py: pair vectors by reshape, np.inf on the diagonal."""
    def lenard_jones_force(r, well_depth=1, diameter=1):
        return - 12 * well_depth * ((diameter / r) ** 11 - (diameter / r) ** 5)

    def calculate_LJ_forces(r):
        N = r.shape[0]
        rij = r.reshape(N, 1, 3) - r.reshape(1, N, 3)
        distances_ij = np.sqrt(np.sum(rij ** 2, axis=2, keepdims=True))
        distances_ij[np.arange(N), np.arange(N), :] = np.inf
        directions_ij = rij / distances_ij
        forces = lenard_jones_force(distances_ij) * directions_ij
        return forces.sum(axis=1)
    F = calculate_LJ_forces(R_LJ * s)
    return np.sum(F ** 2) / 1e3


@case([1.0, 1.0], 46, scale=0.05)
def lj_potential_cutoff_pairs(p):
    """A lennard_jones_potential with `if r12 <= r_cut`, summed over pairs in a double loop."""
    def lennard_jones_potential(r1, r2, r_cut=1.5, epsilon=1, sigma=1):
        r12 = np.linalg.norm(r1 - r2)
        potential = 0
        if r12 <= r_cut:
            rs = sigma / r12
            potential = 4 * epsilon * (rs**12 - rs**6)
        return potential
    pos = R_LJ * p[0]
    U = 0.0
    for i in range(len(pos)):
        for j in range(i + 1, len(pos)):
            U = U + lennard_jones_potential(pos[i], pos[j], sigma=p[1])
    return U


@case([1.0, 0.2, 0.1], 47, scale=0.05)
def lj_ljlib_norm(p):
    """cameron-stewart/simphys1 ljlib.py: la.norm(r_ij), 4 (d^-12 - d^-6), 48 (d^-13 - d^-7)."""
    import numpy.linalg as la

    def compute_lj_potential(r_ij):
        d = la.norm(r_ij)
        return 4*(d**-12 - d**-6)

    def compute_lj_force(r_ij):
        d = la.norm(r_ij)
        f = 48*(d**-13 - d**-7)
        return f*r_ij/d
    r = p * np.array([1.1, 1.0, 1.0])
    return compute_lj_potential(r) + np.sum(compute_lj_force(r) ** 2) * 0.01


# ------------------------------------------------------------ IIR filters
X_SIG = np.sin(np.arange(24) * 0.4) + 0.3 * np.cos(np.arange(24) * 1.3)


@case([0.2, 0.4, 0.2, -0.5, 0.2], 48, scale=0.1)
def iir_direct_form_lists(p):
    """S1ngularD2ality glyph_858.py: y = [0.0] * len(x), acc over k with `if n - k >= 0`."""
    def glyph_858(x, b, a):
        y = [0.0]*len(x)
        for n in range(len(x)):
            acc = 0.0
            for k in range(len(b)):
                if n-k >= 0:
                    acc += b[k]*x[n-k]
            for k in range(1, len(a)):
                if n-k >= 0:
                    acc -= a[k]*y[n-k]
            y[n] = acc
        return y
    y = glyph_858(list(X_SIG), list(p[:3]), [1.0, p[3], p[4]])
    return sum(v * v for v in y)


@case([0.2, 0.4, 0.2, -0.5, 0.2], 49, scale=0.1)
def iir_generator_dot(p):
    """An IIR class whose __call__ yields y from np.dot of state lists; lfilter = list(f(x))."""
    class IIR:
        def __init__(self, b, a):
            self.b = b / a[0]             # was np.array(b) / a[0]
            self.a = a[1:] / a[0]         # was np.array(a[1:]) / a[0]
            self.x_state = [0] * len(self.b)
            self.y_state = [0] * (len(self.a) + 1)

        def __call__(self, x):
            x_, y_ = self.x_state, self.y_state
            for v in x:
                x_ = [v] + x_[:-1]
                y_ = y_[:-1]
                num = np.dot(x_, self.b)
                den = np.dot(y_, self.a)
                y = num - den
                y_ = [y] + y_
                yield y
            self.x_state, self.y_state = x_, y_

    def lfilter(b, a, x):
        f = IIR(b=b, a=a)
        y = list(f(x))
        return np.stack(y)   # was np.array(y)
    y = lfilter(p[:3], np.concatenate([[1.0], p[3:]]), X_SIG)
    return np.sum(y ** 2)


@case([0.2, 0.4, 0.2, -0.5, 0.2], 50, scale=0.1)
def iir_transposed_state(p):
    """mmasenlle/welding_transfer_functions filter1.py: state self.x written per step."""
    class Filter1:
        def __init__(self, b, a):
            self.a = a                                    # was np.array(a)
            self.b = np.zeros_like(a, shape=self.a.size)  # was np.zeros(self.a.size)
            self.b[self.b.size - len(b):] = b
            self.x = np.zeros_like(a, shape=self.b.size - 1)

        def step(self, u):
            y = (self.b[0] * u) + self.x[0]
            for i in range(1, self.x.size):
                self.x[i-1] = (self.b[i] * u) + self.x[i] - (self.a[i] * y)
            self.x[-1] = (self.b[-1] * u) - (self.a[-1] * y)
            return y
    filt = Filter1(p[:3], np.concatenate([[1.0], p[3:]]))
    out = [filt.step(u) for u in X_SIG]
    return np.sum(np.stack(out) ** 2)   # was np.array(out)


@case([0.2, 0.4, 0.2, 1.0, -0.5, 0.2], 51, scale=0.1)
def iir_concatenate_state(p):
    """IirFilt.filter: self.x = np.concatenate((np.array([sample]), self.x[0:-1])), np.dot."""
    class IirFilt(object):  # noqa: UP004
        def __init__(self, b, a):
            self.b = b
            self.a = a
            self.n = len(b)
            self.x = np.array([0]*self.n)
            self.y = np.array([0]*self.n)

        def filter(self, sample):
            self.x = np.concatenate((np.array([sample]), self.x[0:-1]))
            out = (np.dot(self.x, self.b) - np.dot(self.y[1:], self.a[1:]))/self.a[0]
            self.y = np.concatenate((np.stack([out]), self.y[0:-1]))   # was np.array([out])
            return out
    f = IirFilt(p[:3], p[3:])
    return sum(f.filter(s) ** 2 for s in X_SIG)


# ------------------------------------------------------------ projectiles
@case([20.0, 25.0], 52, scale=0.1, traces=3)
def projectile_while_inplace_euler(v0):
    """Sekuraz/SimPhys ex_2_1.py: while x[1] >= 0, step_euler's x += v dt on arrays."""
    def force(mass, gravity):
        return np.array([0.0, -mass * gravity])

    def step_euler(x, v, dt, mass, gravity, f):
        x += v * dt
        v += f / mass * dt
        return x, v
    gravity = 9.81
    mass = 2.0
    x = np.zeros_like(v0)   # was np.zeros(2)
    v = v0.copy()
    dt = 0.1
    f = force(mass, gravity)
    pos_x = []
    pos_y = []
    while x[1] >= 0:
        pos_x.append(x[0])
        pos_y.append(x[1])
        step_euler(x, v, dt, mass, gravity, f)
    return pos_x[-1] + max(pos_y) + x[1]


@case([1.0, 0.5, 0.003], 53, scale=0.1, traces=3)
def drag_fall_while_append(p):
    """fdrgrn/SF2 eulermethod.py: while y > 0, arr = np.append(arr, y), a quadratic drag."""
    def eulers_method(y, v, c, p, A, mass, arr, acceleration, t):
        v += acceleration * t
        y += v * t
        acceleration = -9.8 + (c * p * A * v**2) / (2 * mass)
        arr = np.append(arr, y)
        return v, y, acceleration, arr
    t = 0.02
    y, c, mass = p
    v = 0
    acceleration = -9.8
    rho = 1.22
    A = 150 / 10000
    arr = np.array([])
    while y > 0:
        v, y, acceleration, arr = eulers_method(y, v, c, rho, A, mass, arr, acceleration, t)
    return np.sum(arr) * t + v


@case([30.0, 0.3], 54, scale=0.1, traces=3)
def ballistics_lists_while(p):
    """anvitha305/sdp2024team16 ballistics.py: while curY >= 0 on lists of speed and angle."""
    initV, initA = p
    dt = 0.02
    gravity = 9.81
    dragCoeff = 0.00235
    velList = [initV]
    angleList = [initA]
    xList = [0]
    yList = [0]
    curY = 0
    index = 1
    while curY >= 0:
        dv = -gravity*np.sin(angleList[index-1]) - dragCoeff*velList[index-1]*velList[index-1]
        da = -gravity*np.cos(angleList[index-1]) / velList[index-1]
        dx = velList[index-1] * np.cos(angleList[index-1])
        dy = velList[index-1] * np.sin(angleList[index-1])
        velList.append(velList[index-1] + dv*dt)
        angleList.append(angleList[index-1] + da*dt)
        xList.append(xList[index-1] + dx*dt)
        yList.append(yList[index-1] + dy*dt)
        curY = yList[index]
        index += 1
    return xList[-1] + max(yList)


# ------------------------------------------------------------ PCA
A_PCA = RS.randn(12, 3) @ np.array([[2.0, 0.3, 0.1], [0.0, 1.0, 0.4], [0.0, 0.0, 0.5]])


@case([1.0, 1.0, 1.0], 55, scale=0.1)
def pca_eig_cov_projection(s):
    """enuguru/aiandml pca/01_pca.py: mean(A.T, axis=1), cov(C.T), eig, vectors.T.dot(C.T)."""
    from numpy import cov, mean
    from numpy.linalg import eig
    A = A_PCA * s
    M = mean(A.T, axis=1)
    C = A - M
    V = cov(C.T)
    values, vectors = eig(V)
    P = vectors.T.dot(C.T)
    return np.sum(P.T ** 4) / 100 + np.max(values)


@case([1.0, -0.5, 0.3], 56, scale=0.1)
def pca_eig_argsort_rows(s):
    """anirudhasundaresan/ML-in-Python PCA.py: standardize, eig(X.T X), argsort [::-1], V[indx]."""
    X = A_PCA + np.outer(np.linspace(-1.0, 1.0, 12), s) + np.array([1.0, -2.0, 0.5])
    X = X - X.mean(0)
    X = X / X.std(0)
    E, V = np.linalg.eig(np.dot(X.T, X))
    indx = np.argsort(E)[::-1]
    V = V[indx][:, :2]
    E = E[indx]
    new_X = np.dot(X, V)
    return np.sum(new_X ** 2) + E[0]


@case([1.0, 1.0, 1.0], 57, scale=0.1)
def pca_eigh_argsort_neg(s):
    """A `from numpy import *` pca: linalg.eigh(cov(data)), perm = argsort(-values)."""
    def pca(data):
        values, vecs = np.linalg.eigh(np.cov(data))
        perm = np.argsort(-values)
        return values[perm], vecs[:, perm]
    values, vecs = pca((A_PCA * s).T)
    return values[0] / np.sum(values) + np.sum(vecs[:, 0] ** 4)


# ------------------------------------------------------------ Runge-Kutta
@case([1.0, 1.0], 58, scale=0.1)
def rk4_step_doubling_richardson(p):
    """nacer-eb/phys512_neb Problem1.py: rk4_stepd extrapolates a step and two half steps."""
    def rk4_step(func, x, y, h):
        k1 = h * func(x, y)
        k2 = h * func(x + h/2.0, y + k1/2.0)
        k3 = h * func(x + h/2.0, y + k2/2.0)
        k4 = h * func(x + h, y + k3)
        return y + (k1 + 2.0*k2 + 2.0*k3 + k4)/6.0

    def rk4_stepd(func, x, y, h):
        y_h = rk4_step(func, x, y, h)
        y_h_half_stp_1 = rk4_step(func, x, y, h/2.0)
        y_h_half_stp_2 = rk4_step(func, x+h/2.0, y_h_half_stp_1, h/2.0)
        return (np.power(0.5, 5.0)*y_h - y_h_half_stp_2)/(np.power(0.5, 5.0) - 1.0)

    def func(x, y):
        return p[1]*y/(1.0+x*x)
    h = 0.5
    x = np.arange(-5, 5, h)
    y = np.zeros(len(x)) + p[0]
    for i in range(0, len(x)-1):
        y[i+1] = rk4_stepd(func, x[i], y[i], h)
    return y[-1] + np.mean(y)


@case([1.0, 0.0, 1.0], 59, scale=0.3, rtol=1e-5, no_hessian=LOOP,
      xfail=(('jit', RETRIES), ('jit_grad', RETRIES)))
def rkqs_adaptive_step_control(p):
    """Numerical Recipes' rkqs (spxuw/RFIM rkqs.c) in Python: retry with SAFETY h errmax^PSHRNK,
    grow by errmax^PGROW, a while over x to x_end with the last step cut to land on it."""
    SAFETY, PGROW, PSHRNK, ERRCON = 0.9, -0.2, -0.25, 1.89e-4
    omega = p[2]

    def derivs(x, y):
        return np.stack([y[1], -omega ** 2 * y[0] - 0.1 * y[1]])

    def rk_step(y, x, h):
        k1 = derivs(x, y)
        k2 = derivs(x + h / 2, y + h / 2 * k1)
        k3 = derivs(x + h / 2, y + h / 2 * k2)
        k4 = derivs(x + h, y + h * k3)
        return y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)

    def rkqs(y, x, htry, eps, yscal):
        h = htry
        while True:
            big = rk_step(y, x, h)
            half = rk_step(rk_step(y, x, h / 2), x + h / 2, h / 2)
            yerr = half - big
            errmax = np.max(np.abs(yerr / yscal)) / eps
            if errmax <= 1.0:
                break
            htemp = SAFETY * h * errmax ** PSHRNK
            h = max(htemp, 0.1 * h)
        hnext = SAFETY * h * errmax ** PGROW if errmax > ERRCON else 5.0 * h
        return half, x + h, hnext
    y = p[:2].copy()
    x, h, x_end = 0.0, 0.5, 4.0
    while x < x_end:
        if x + h > x_end:
            h = x_end - x
        y, x, h = rkqs(y, x, h, 1e-6, np.abs(y) + 1e-3)
    return y[0] + 0.5 * y[1]


# ------------------------------------------------------------ exponential smoothing
SERIES = 10 + np.sin(np.arange(24) * 2 * np.pi / 4) * 2 + np.arange(24) * 0.3 + 0.2 * RS.randn(24)


@case([0.5, 0.1, 0.2], 60, scale=0.2)
def holt_winters_additive(p):
    """TADSTech/30-days-of-tsa day11: additive level, trend and season updates, SSE of forecasts."""
    alpha, beta, gamma = p
    m = 4
    level = np.mean(SERIES[:m])
    trend = (np.mean(SERIES[m:2 * m]) - np.mean(SERIES[:m])) / m
    season = list(SERIES[:m] - level)
    sse = 0.0
    for t in range(m, len(SERIES)):
        y = SERIES[t]
        forecast = level + trend + season[t - m]
        sse += (y - forecast) ** 2
        last_level = level
        level = alpha * (y - season[t - m]) + (1 - alpha) * (level + trend)
        trend = beta * (level - last_level) + (1 - beta) * trend
        season.append(gamma * (y - level) + (1 - gamma) * season[t - m])
    return sse


@case([0.3], 61, scale=0.3)
def simple_exponential_smoothing(p):
    """jl33-ai procedural-wikipedia SES: Level = alpha Observation + (1 - alpha) Level."""
    alpha = p[0]
    level = SERIES[0]
    errors = []
    for obs in SERIES[1:]:
        forecast = level
        errors.append(obs - forecast)
        level = alpha*obs + (1-alpha)*level
    return np.mean(np.square(np.stack(errors)))   # was np.square(errors)


# ------------------------------------------------------------ pendulums
@case([0.2, 1.0], 62, scale=0.2)
def pendulum_euler_cromer_arrays(p):
    """rickyfernandez/hartnel-summer-course pendulum.py: omega[i+1], theta[i+1] in np.zeros, E."""
    g = 9.8
    theta0, l = p  # noqa: E741
    m = 1.0
    N = 500
    tmax = 10.
    dt = tmax/N
    theta = np.zeros_like(p, shape=N)   # was np.zeros(N)
    omega = np.zeros_like(p, shape=N)
    t = np.zeros(N)
    theta[0] = theta0
    for i in range(N-1):
        omega[i+1] = omega[i]-g/l*theta[i]*dt
        theta[i+1] = theta[i]+omega[i+1]*dt
        t[i+1] = t[i]+dt
    E = 0.5*(l*omega)**2 + m*g*l*(1.-np.cos(theta))
    return np.mean(E) + theta[-1]


@case([3.0, 0.1], 63, scale=0.02)
def pendulum_while_time_array(p):
    """MingiQC/Thermodynamics pendulum_2ndorderode.py: while t <= t_f, r += h f(r, t)."""
    g = 9.81
    theta_i, l = p  # noqa: E741

    def f(r, t):
        theta = r[0]
        omega = r[1]
        f_theta = omega
        f_omega = -(g/l)*np.sin(theta)
        return np.stack([f_theta, f_omega])   # was np.array([...], float)
    t_f = 0.5
    h = 0.001
    r = np.stack([theta_i, 0.0])   # was np.array([theta_i, omega_i])
    t = 0.0
    ptheta = [r[0]]
    while t <= t_f:
        r += h*f(r, t)
        t += h
        ptheta.append(r[0])
    return r[0] + np.mean(np.stack(ptheta))   # was np.mean(ptheta)


@case([-93.0, 0.19], 64, scale=0.05, rtol=1e-5)
def pendulum_rk2_arange(p):
    """veoj/computational_class assignment6_b.py: k1, k3 steps over np.arange, r += 0.5 k1 + k3."""
    g = 9.81
    l = p[1]  # noqa: E741

    def f(r, t):
        theta = r[0]
        omega = r[1]
        ftheta = omega
        fomega = -(g/l)*np.sin(theta)
        return np.stack([ftheta, fomega])   # was np.array([...], float)
    a = 0.0
    b = 1.0
    N = 200
    h = (b-a)/N
    tpoints = np.arange(a, b, h)
    xpoints = []
    r = np.stack([p[0]/180.*np.pi, 0.])   # was np.array([...], float)
    for t in tpoints:
        xpoints.append(r[0])
        k1 = h*f(r, t)
        k2 = h*f(r+0.5*k1, t+0.5*h)   # noqa: F841
        k3 = h*f(r+k2, t+h)
        r += 0.5*k1+k3
    return np.sum(np.stack(xpoints) ** 2) * h   # was np.array(xpoints)


# ------------------------------------------------------------ Gauss-Legendre quadrature
@case([0.0, 1.0, 1.0], 65, scale=0.1)
def gauss_legendre_loop_limits(p):
    """jeddiot/Numersis 4.7_gaussian_quadrature.py: result += w[i] f(half x[i] + mid)."""
    def gauss(f, a, b, n):
        half = (b-a)/2.
        mid = (a+b)/2.
        [x, w] = np.polynomial.legendre.leggauss(n)
        result = 0.
        for i in range(n):
            result += w[i] * f(half*x[i] + mid)
        result *= half
        return result
    return gauss(lambda x: np.exp(p[2] * x**2), p[0], p[1], 6)


@case([1.0, 3.0], 66, scale=0.1)
def gauss_legendre_scaled_nodes(p):
    """oisao/Gaussian_Cuadrature docs/tutorials.md: gaussxwab scales nodes and weights to [a, b]."""
    def gaussxw(N):
        x, w = np.polynomial.legendre.leggauss(N)
        return x, w

    def gaussxwab(a, b, x, w):
        return 0.5*(b - a)*x + 0.5*(b + a), 0.5*(b - a)*w

    def fInt(x):
        return (x**6) - (x**2 * np.sin(2*x))
    x4, w4 = gaussxw(4)
    x4Esc, w4Esc = gaussxwab(p[0], p[1], x4, w4)
    return np.sum(w4Esc * fInt(x4Esc))


# ------------------------------------------------------------ momentum descent
@case([0.6, 0.3], 67, scale=0.1, rtol=1e-5, no_hessian=LOOP)
def momentum_to_gradient_tolerance(p):
    """TakumaIkeda/adam_fullscratch momentum.py: while True, break on math.sqrt(|grad|^2) < tol."""
    def rosenbrock_grad(x, y):
        dldx = 2 * (x - 1) - 40 * x * (y - x ** 2)
        dldy = 20 * (y - x ** 2)
        return dldx, dldy

    def momentum(lr=0.01, beta=0.9, x=0, y=0):
        nu_x_prev = 0
        nu_y_prev = 0
        i = 0
        while True:
            dldx, dldy = rosenbrock_grad(x, y)
            nu_x = beta * nu_x_prev + (1 - beta) * dldx
            nu_y = beta * nu_y_prev + (1 - beta) * dldy
            x -= lr * nu_x
            y -= lr * nu_y
            nu_x_prev = nu_x
            nu_y_prev = nu_y
            if np.sqrt(dldx ** 2 + dldy ** 2) < 1e-3:   # was math.sqrt
                break
            i += 1
        return x, y
    x, y = momentum(lr=0.03, beta=0.9, x=p[0], y=p[1])
    return x + 2 * y


@case([-1.5, 2.0], 68, scale=0.05)
def rosenbrock_grad_array_descent(theta):
    """A descent test's rosenbrock(theta): grad = np.zeros(2), grad[0] = ..., 200 steps."""
    def rosenbrock(theta):
        x = theta[0]
        y = theta[1]
        obj = (1-x)**2 + 100*(y-x**2)**2
        grad = np.zeros_like(theta)   # was np.zeros(2)
        grad[0] = 2*x - 400*(x*y - x**3) - 2
        grad[1] = 200*(y-x**2)
        return obj, grad
    for _ in range(200):
        obj, grad = rosenbrock(theta)
        theta = theta - 1e-4 * grad
    return obj


@case([-2.0, 2.0], 69, scale=0.05)
def rosenbrock_fp_list_array(param):
    """A gradient_descent with momentum: compute_fp builds np.array([...]) of traced scalars."""
    def compute_fp(param):
        a = param[0]
        b = param[1]
        fp = np.stack([-400*a*b + 400*a**3 + 2*a - 2, 200*b - 200*a**2])   # was np.array
        return fp
    learning_rate = 0.0005
    gamma = 0.5
    velocity = np.zeros(2)
    for _ in range(60):
        velocity = gamma * velocity + learning_rate * compute_fp(param)
        param = param - velocity
    return 100*(param[1] - param[0]**2)**2 + (1 - param[0])**2
