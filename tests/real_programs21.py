"""Array programs, part twenty-one: numerical recipes, estimators and simulations, as written.

Numerical Recipes' routines in Python (Ridders' extrapolated derivative in a
dict tableau, presto's safeguarded Newton-Raphson, J0's rational and
asymptotic fits, Carlson's RF and RD by duplication in ``while True``, the
chapter-14 tests avevar, ttest, tutest, ftest, pearsn and chsone with
``betainc`` and ``gammaincc``), ODE and spectral codes (Dormand-Prince with
its step control, Chebyshev collocation with Clenshaw-Curtis weights,
Numerov's shooting with a bisection on the node count, Rosetta's Euler
method to a traced step), signal processing (VanderPlas' Lomb-Scargle, the
Hampel filter, matplotlib's RSI, the SciPy cookbook's smoothing by ``np.r_``
reflection and its Gaussian blur, DFA by ``as_strided``), estimators and
learning code (Bujan's lasso by ADMM with Boyd's stopping test, Fisher's von
Mises kappa, SciPy 1.5's Jarque-Bera, Raschka's perceptron, Nedrich's mean
shift, the two-coin EM, Krasser's GP expected improvement, iamtrask's
two-layer net, Siraj's gradient descent, Britz's policy evaluation),
neuroscience (Neuromatch's Wilson-Cowan and leaky integrate-and-fire), Rosetta's
running standard deviation in a closure and Curtis' orbital elements from a
state vector.

Where tapegrad's documented limits ask, the copies differ from their sources:
``np.array``/``np.asarray`` of a traced value is the value (``V.copy()``);
a buffer that receives traced values is ``np.zeros_like(p, shape=...)``;
``X.dot(traced)`` of a constant ``X`` is ``np.dot(X, traced)``; ``np.r_`` of
traced pieces is ``tg.r_``; a traced boolean mask (``seed[seed >= 0].sum()``)
is ``np.where``; ``math`` functions of traced values are NumPy's; ``%``
formatting of traced values is not printed. Python 2 (``xrange``, ``print``
statements) is Python 3, and SciPy's sparse solvers are dense ones. Where a
program would write into its caller's array (iamtrask's ``syn0 +=`` on
slices of ``p``) it copies first, as its source draws fresh weights.
"""

from __future__ import annotations

import numpy as np
from program_cases import Case, registrar

import tapegrad as tg
import tapegrad.scipy.linalg as sla
import tapegrad.scipy.signal as signal
import tapegrad.scipy.special as special
import tapegrad.scipy.stats as stats

PROGRAMS: dict[str, Case] = {}
case = registrar(PROGRAMS)

RS = np.random.RandomState(21)
KINK = "piecewise: the Hessian's differences straddle a kink"
LOOP = "a loop to a tolerance: the Hessian's differences change its trip count"


# ------------------------------------------------------------ Numerical Recipes
# https://github.com/alexei-matveev/pts/blob/master/ridders.py (NR's dfridr, translated)
def _dfridr(func, x, h=0.001):
    """Ridders' extrapolated central differences in a dict tableau, quitting when worse."""
    CON = 1.4
    CON2 = CON * CON
    BIG = 1.0e30
    NTAB = 10
    SAFE = 2.0
    a = dict()
    if h == 0.0: raise Exception('h must be nonzero in dfridr')   # noqa: E701
    hh = h
    a[0, 0] = (func(x + hh) - func(x - hh)) / (2.0 * hh)
    err = BIG
    result = None
    for i in range(1, NTAB):
        hh = hh / CON
        a[0, i] = (func(x + hh) - func(x - hh)) / (2.0 * hh)
        fac = CON2
        for j in range(1, i + 1):
            a[j, i] = (a[j - 1, i] * fac - a[j - 1, i - 1]) / (fac - 1.)
            fac = CON2 * fac
            errt = max(abs(a[j, i] - a[j - 1, i]), abs(a[j, i] - a[j - 1, i - 1]))
            if errt <= err:
                err = errt
                result = a[j, i]
        if abs(a[i, i] - a[i - 1, i - 1]) >= SAFE * err:
            return result, err
    return result, err


@case([0.7, 1.3, 0.4], 1, scale=0.05, no_hessian=KINK, traces=3)
def ridders_dfridr_extrapolated_derivative(p):
    """d/dx exp(a x) sin(b x) at x0 by dfridr, h = 0.4: the estimate as a function of a, b, x0."""
    a, b, x0 = p
    fprime, _err = _dfridr(lambda x: np.exp(a * x) * np.sin(b * x), x0, h=0.4)
    return fprime


# https://github.com/scottransom/presto/blob/master/python/presto/simple_roots.py
def _newton_raphson(func, dfunc, lox, hix, TOL=1.0e-14):
    """Ransom's 'safe' Newton-Raphson (NR in C's rtsafe): Newton inside the bracket, else bisect."""
    maxit = 500
    fl, fh = func(lox), func(hix)
    if ((fl > 0.0 and fh > 0.0) or (fl < 0.0 and fh < 0.0)):
        print("Root must be bracketed in newtonRaphson()")
        return 0.0
    if (fl == 0.0): return lox                              # noqa: E701
    if (fh == 0.0): return hix                              # noqa: E701
    if (fl < 0.0):
        xl = lox
        xh = hix
    else:
        xh = lox
        xl = hix
    rts = 0.5 * (lox + hix)
    dxold = abs(hix - lox)
    dx = dxold
    f, df = func(rts), dfunc(rts)
    for _j in range(maxit):
        if ((((rts - xh) * df - f) * ((rts - xl) * df - f) > 0.0)
                or (abs(2.0 * f) > abs(dxold * df))):
            dxold = dx
            dx = 0.5 * (xh - xl)
            rts = xl + dx
            if (xl == rts): return rts                      # noqa: E701
        else:
            dxold = dx
            dx = f / df
            temp = rts
            rts = rts - dx
            if (temp == rts): return rts                    # noqa: E701
        if (abs(dx) < TOL): return rts                      # noqa: E701
        f, df = func(rts), dfunc(rts)
        if (f < 0.0):
            xl = rts
        else:
            xh = rts
    print("Maximum number of iterations exceeded in newton_raphson()")
    return 0.0


@case([1.0, np.pi / 4.0], 2, scale=0.05, no_hessian=LOOP)
def rtsafe_presto_safe_newton(p):
    """The root of a sin(x) - x + c on (0, 3) (presto's test: x - sin(x) = pi/4), times c."""
    a, c = p
    root = _newton_raphson(lambda x: a * np.sin(x) - x + c, lambda x: a * np.cos(x) - 1, 0.0, 3.0)
    return root * c


# https://github.com/tivole/Numerary/blob/master/Ordinary_Differential_Equations/DORPI/odedopry.py
def _odedopri(fxy, x0, y0, x1, tol, hmax, hmin, maxiter):
    """Dormand-Prince 5(4) with the 0.84 (tol/error)^(1/5) step control, hmax and hmin."""
    a21 = (1.0 / 5.0)
    a31 = (3.0 / 40.0)
    a32 = (9.0 / 40.0)
    a41 = (44.0 / 45.0)
    a42 = (-56.0 / 15.0)
    a43 = (32.0 / 9.0)
    a51 = (19372.0 / 6561.0)
    a52 = (-25360.0 / 2187.0)
    a53 = (64448.0 / 6561.0)
    a54 = (-212.0 / 729.0)
    a61 = (9017.0 / 3168.0)
    a62 = (-355.0 / 33.0)
    a63 = (46732.0 / 5247.0)
    a64 = (49.0 / 176.0)
    a65 = (-5103.0 / 18656.0)
    a71 = (35.0 / 384.0)
    a72 = (0.0)
    a73 = (500.0 / 1113.0)
    a74 = (125.0 / 192.0)
    a75 = (-2187.0 / 6784.0)
    a76 = (11.0 / 84.0)
    c2 = (1.0 / 5.0)
    c3 = (3.0 / 10.0)
    c4 = (4.0 / 5.0)
    c5 = (8.0 / 9.0)
    b1 = (35.0 / 384.0)
    b3 = (500.0 / 1113.0)
    b4 = (125.0 / 192.0)
    b5 = (-2187.0 / 6784.0)
    b6 = (11.0 / 84.0)
    b7 = (0.0)
    b1p = (5179.0 / 57600.0)
    b3p = (7571.0 / 16695.0)
    b4p = (393.0 / 640.0)
    b5p = (-92097.0 / 339200.0)
    b6p = (187.0 / 2100.0)
    b7p = (1.0 / 40.0)
    x = x0
    y = y0
    h = hmax
    for i in range(maxiter):                                # noqa: B007
        K1 = fxy(x, y)
        K2 = fxy(x + c2 * h, y + h * (a21 * K1))
        K3 = fxy(x + c3 * h, y + h * (a31 * K1 + a32 * K2))
        K4 = fxy(x + c4 * h, y + h * (a41 * K1 + a42 * K2 + a43 * K3))
        K5 = fxy(x + c5 * h, y + h * (a51 * K1 + a52 * K2 + a53 * K3 + a54 * K4))
        K6 = fxy(x + h, y + h * (a61 * K1 + a62 * K2 + a63 * K3 + a64 * K4 + a65 * K5))
        K7 = fxy(x + h, y + h * (a71 * K1 + a72 * K2 + a73 * K3 + a74 * K4 + a75 * K5 + a76 * K6))
        error = abs((b1 - b1p) * K1 + (b3 - b3p) * K3 + (b4 - b4p) * K4 + (b5 - b5p) * K5
                    + (b6 - b6p) * K6 + (b7 - b7p) * K7)
        delta = 0.84 * pow(tol / error, (1.0 / 5.0))
        if (error < tol):
            x = x + h
            y = y + h * (b1 * K1 + b3 * K3 + b4 * K4 + b5 * K5 + b6 * K6)
        if (delta <= 0.1):
            h = h * 0.1
        elif (delta >= 4.0):
            h = h * 4.0
        else:
            h = delta * h
        if (h > hmax):
            h = hmax
        if (x >= x1):
            flag = 0
            break
        elif (x + h > x1):
            h = x1 - x
        elif (h < hmin):
            flag = 1
            break
    maxiter = maxiter - i
    if (i <= 0):
        flag = 2
    return (y, flag, maxiter)


@case([3.0, 1.0, 3.0], 3, scale=0.05, no_hessian=LOOP, traces=2)
def dormand_prince_odedopri_steps(p):
    """The source's test y' = a y / x + x^3 + b x from (1, y0) to x = 2, tol 1e-3, hmax 1."""
    a, b, y0 = p
    y, _flag, _left = _odedopri(lambda x, y: a * y / x + x * x * x + b * x, 1.0, y0, 2.0,
                                1.0e-3, 1.0, 0.01, 1000)
    return y


# https://github.com/jakevdp/lombscargle/blob/master/lombscargle/implementations/slow_impl.py
def _lombscargle_slow(t, y, dy, frequency, normalization='normalized',
                      fit_bias=True, center_data=True):
    """VanderPlas' pure-Python Lomb-Scargle: the floating mean, tau from arctan of S2 / C2."""
    if dy is None:
        dy = 1
    t, y, dy = np.broadcast_arrays(t, y, dy)
    frequency = np.asarray(frequency)
    assert t.ndim == 1
    assert frequency.ndim == 1
    w = dy ** -2.0
    w /= w.sum()
    if fit_bias or center_data:
        y = y - np.dot(w, y)
    omega = 2 * np.pi * frequency
    omega = omega.ravel()[np.newaxis, :]
    t, y, dy, w = map(lambda x: x[:, np.newaxis], (t, y, dy, w))
    sin_omega_t = np.sin(omega * t)
    cos_omega_t = np.cos(omega * t)
    S2 = 2 * np.dot(w.T, sin_omega_t * cos_omega_t)
    C2 = 2 * np.dot(w.T, 0.5 - sin_omega_t ** 2)
    if fit_bias:
        S = np.dot(w.T, sin_omega_t)
        C = np.dot(w.T, cos_omega_t)
        S2 -= (2 * S * C)
        C2 -= (C * C - S * S)
    tan_2omega_tau = S2 / C2
    omega_t_tau = omega * t - 0.5 * np.arctan(tan_2omega_tau)
    sin_omega_t_tau = np.sin(omega_t_tau)
    cos_omega_t_tau = np.cos(omega_t_tau)
    Y = np.dot(w.T, y)
    wy = w * y
    YCtau = np.dot(wy.T, cos_omega_t_tau)
    YStau = np.dot(wy.T, sin_omega_t_tau)
    CCtau = np.dot(w.T, cos_omega_t_tau * cos_omega_t_tau)
    SStau = np.dot(w.T, sin_omega_t_tau * sin_omega_t_tau)
    if fit_bias:
        Ctau = np.dot(w.T, cos_omega_t_tau)
        Stau = np.dot(w.T, sin_omega_t_tau)
        YCtau -= Y * Ctau
        YStau -= Y * Stau
        CCtau -= Ctau * Ctau
        SStau -= Stau * Stau
    p = (YCtau * YCtau / CCtau + YStau * YStau / SStau)
    if normalization == 'normalized':
        p /= np.dot(w.T, y * y)
    elif normalization == 'unnormalized':
        p *= 0.5 * t.size
    else:
        raise ValueError("normalization='{0}' "                     # noqa: UP030, UP032
                         "not recognized".format(normalization))
    return p.ravel()


T_LS = np.sort(RS.rand(30)) * 10.0
DY_LS = 0.2 + 0.1 * RS.rand(30)
NOISE_LS = RS.randn(30) * 0.2
FREQ_LS = np.linspace(0.2, 1.5, 14)


@case([1.0, 0.3, 0.8], 4, scale=0.05)
def lomb_scargle_floating_mean(p):
    """Normalized power of a sinusoid a sin(2 pi f t + phi) plus noise, at 14 frequencies."""
    a, phi, f = p
    y = a * np.sin(2 * np.pi * f * T_LS + phi) + NOISE_LS
    power = _lombscargle_slow(T_LS, y, DY_LS, FREQ_LS)
    return np.sum(power * FREQ_LS)


# https://github.com/afbujan/admm_lasso/blob/master/lasso_admm.py (after Boyd's lasso.m)
def _lasso_admm(X, y, alpha, rho=1., rel_par=1., QUIET=True, MAX_ITER=50, ABSTOL=1e-3,
                RELTOL=1e-2):
    """Bujan's lasso by ADMM: the cached Cholesky factor, over-relaxation, Boyd's stopping test."""
    m, n = X.shape
    Xty = np.dot(X.T, y)
    x = np.zeros_like(y, shape=(n, 1))
    z = np.zeros_like(y, shape=(n, 1))
    u = np.zeros_like(y, shape=(n, 1))
    L, U = _factor(X, rho)
    h = {}
    h['objval'] = np.zeros_like(y, shape=MAX_ITER)
    h['r_norm'] = np.zeros_like(y, shape=MAX_ITER)
    h['s_norm'] = np.zeros_like(y, shape=MAX_ITER)
    h['eps_pri'] = np.zeros_like(y, shape=MAX_ITER)
    h['eps_dual'] = np.zeros_like(y, shape=MAX_ITER)
    for k in range(MAX_ITER):
        q = Xty + rho * (z - u)
        if m >= n:
            x = sla.solve_triangular(U, sla.solve_triangular(L, q, lower=True))
        else:
            ULXq = sla.solve_triangular(U, sla.solve_triangular(L, np.dot(X, q), lower=True))
            x = (q * 1. / rho) - ((np.dot(X.T, ULXq)) * 1. / (rho ** 2))
        zold = np.copy(z)
        x_hat = rel_par * x + (1. - rel_par) * zold
        z = _shrinkage(x_hat + u, alpha * 1. / rho)
        u += (x_hat - z)
        h['objval'][k] = _objective(X, y, alpha, x, z)
        h['r_norm'][k] = np.linalg.norm(x - z)
        h['s_norm'][k] = np.linalg.norm(-rho * (z - zold))
        h['eps_pri'][k] = np.sqrt(n) * ABSTOL + RELTOL * np.maximum(np.linalg.norm(x),
                                                                     np.linalg.norm(-z))
        h['eps_dual'][k] = np.sqrt(n) * ABSTOL + RELTOL * np.linalg.norm(rho * u)
        if (h['r_norm'][k] < h['eps_pri'][k]) and (h['s_norm'][k] < h['eps_dual'][k]):
            break
    return z.ravel(), h


def _objective(X, y, alpha, x, z):
    return .5 * np.square(np.dot(X, x) - y).sum() + alpha * np.linalg.norm(z, 1)


def _shrinkage(x, kappa):
    return np.maximum(0., x - kappa) - np.maximum(0., -x - kappa)


def _factor(X, rho):
    m, n = X.shape
    if m >= n:
        L = np.linalg.cholesky(X.T.dot(X) + rho * np.eye(n))
    else:
        L = np.linalg.cholesky(np.eye(m) + 1. / rho * (X.dot(X.T)))
    U = L.T
    return L, U


X_ADMM = RS.randn(20, 6)
Y_ADMM = X_ADMM @ np.array([1.5, 0.0, -2.0, 0.0, 0.0, 0.7]) + 0.1 * RS.randn(20)


@case(np.concatenate([[2.0], Y_ADMM]), 5, scale=0.02, no_hessian=KINK, traces=3)
def lasso_admm_boyd_stopping(p):
    """Lasso by ADMM on 20 x 6 data: the last objective and the shrunk z, alpha and y traced."""
    alpha, y = p[0], p[1:, np.newaxis]
    z, h = _lasso_admm(X_ADMM, y, alpha)
    return np.sum(z ** 2) + h['objval'][np.argmax(h['objval'] == 0) - 1]


# ------------------------------------------------------------ special functions and quadrature
# https://www.atnf.csiro.au/computing/software/gipsy/sub/bessel.c (Numerical Recipes' bessj0)
def _bessj0(x):
    """J0 by NR's rational fit for |x| < 8, else the asymptotic form (6.5.9)."""
    ax = abs(x)
    if ax < 8.0:
        y = x * x
        ans1 = 57568490574.0 + y * (-13362590354.0 + y * (651619640.7
            + y * (-11214424.18 + y * (77392.33017 + y * (-184.9052456)))))
        ans2 = 57568490411.0 + y * (1029532985.0 + y * (9494680.718
            + y * (59272.64853 + y * (267.8532712 + y * 1.0))))
        ans = ans1 / ans2
    else:
        z = 8.0 / ax
        y = z * z
        xx = ax - 0.785398164
        ans1 = 1.0 + y * (-0.1098628627e-2 + y * (0.2734510407e-4
            + y * (-0.2073370639e-5 + y * 0.2093887211e-6)))
        ans2 = -0.1562499995e-1 + y * (0.1430488765e-3
            + y * (-0.6911147651e-5 + y * (0.7621095161e-6
            - y * 0.934935215e-7)))
        ans = np.sqrt(0.636619772 / ax) * (np.cos(xx) * ans1 - z * np.sin(xx) * ans2)
    return ans


@case([2.0, 6.5, 9.0, -3.0], 6, scale=0.05)
def bessj0_rational_and_asymptotic(p):
    """A Fourier-Bessel sum of J0 at four points, either side of |x| = 8: sum J0(x_i)^2 x_i."""
    return sum(_bessj0(x) ** 2 * x for x in p)


# https://github.com/wildthinkslaboratory/hop/blob/main/hop/chebyshev.py
def _chebyshev_points(N):
    return -np.cos(np.pi * np.arange(N + 1) / N)


def _chebyshev_D(N):
    assert (N > 0)
    nodes = _chebyshev_points(N)
    c = np.ones(N + 1)
    c[0] = 2.0
    c[-1] = 2.0
    c = c * ((-1) ** np.arange(N + 1))
    x = np.tile(nodes, (N + 1, 1))
    dX = x - x.T
    D = (np.outer(c, 1 / c)) / (dX + np.eye(N + 1))
    return np.diag(np.sum(D, axis=1)) - D


def _cc_weights(N):
    j = np.arange(N + 1)
    theta = np.pi * j / N
    w = np.zeros(N + 1)
    v = np.ones(N - 1)
    if (N % 2) == 0:
        w[0] = 1 / (N ** 2 - 1)
        w[N] = w[0]
        for k in range(1, int(N / 2)):
            v = v - 2 * np.cos(2 * k * theta[1:N]) / (4 * k ** 2 - 1)
        v = v - np.cos(N * theta[1:N]) / (N ** 2 - 1)
    else:
        w[0] = 1 / (N ** 2)
        w[N] = w[0]
        for k in range(1, int(((N - 1) / 2) + 1)):
            v = v - 2 * np.cos(2 * k * theta[1:N]) / (4 * k ** 2 - 1)
    w[1:N] = 2 * v / N
    return w


@case([4.0, 1.0], 7, scale=0.05)
def chebyshev_collocation_clenshaw_curtis(p):
    """Trefethen's program 13 with hop's D and weights: u'' - k u = exp(a x), u(+-1) = 0,
    then the Clenshaw-Curtis integral of u^2."""
    a, k = p
    N = 16
    x = _chebyshev_points(N)
    D = _chebyshev_D(N)
    D2 = (D @ D)[1:N, 1:N]
    f = np.exp(a * x[1:N])
    u = np.linalg.solve(D2 - k * np.eye(N - 1), f)
    u = np.concatenate([[0.0], u, [0.0]])
    return _cc_weights(N) @ u ** 2


# ------------------------------------------------------------ statistics and estimators
# https://github.com/circstat/pycircstat/blob/master/pycircstat/descriptive.py (kappa, after
# Berens' CircStat circ_kappa.m and Fisher, Statistical analysis of circular data, p. 88)
def _circ_kappa(alpha):
    """Fisher's approximation to von Mises' kappa from R, with the small-sample correction."""
    N = len(alpha)
    R = np.sqrt(np.sum(np.cos(alpha)) ** 2 + np.sum(np.sin(alpha)) ** 2) / N
    if R < 0.53:
        kappa = 2 * R + R ** 3 + 5 * R ** 5 / 6
    elif R < 0.85:
        kappa = -.4 + 1.39 * R + 0.43 / (1 - R)
    else:
        kappa = 1 / (R ** 3 - 4 * R ** 2 + 3 * R)
    if N < 15 and N > 1:
        if kappa < 2:
            kappa = max(kappa - 2 * (N * kappa) ** -1, 0)
        else:
            kappa = (N - 1) ** 3 * kappa / (N ** 3 + N)
    return kappa


Z_KAPPA = RS.randn(12)


@case([0.9, 0.3], 8, scale=0.1, no_hessian=KINK, traces=2)
def von_mises_kappa_fisher_small_sample(p):
    """kappa of 12 angles spread s Z + m, the branch of R and of kappa < 2 per input."""
    s, m = p
    return _circ_kappa(s * Z_KAPPA + m) * (1.0 + m)


# https://github.com/erykml/medium_articles (Lewinson, "Outlier detection with Hampel filter")
def _hampel_filter_forloop(input_series, window_size, n_sigmas=3):
    """Replace a point by its window's median where it is n_sigmas scaled MADs away."""
    n = len(input_series)
    new_series = input_series.copy()
    k = 1.4826
    indices = []
    for i in range((window_size), (n - window_size)):
        x0 = np.median(input_series[(i - window_size):(i + window_size)])
        S0 = k * np.median(np.abs(input_series[(i - window_size):(i + window_size)] - x0))
        if (np.abs(input_series[i] - x0) > n_sigmas * S0):
            new_series[i] = x0
            indices.append(i)
    return new_series, indices


T_HAMPEL = np.linspace(0, 4 * np.pi, 40)
SPIKES_HAMPEL = np.zeros(40)
SPIKES_HAMPEL[[7, 19, 31]] = [3.0, -2.5, 4.0]


@case([1.0, 0.5, 1.0], 9, scale=0.05, no_hessian=KINK)
def hampel_filter_median_mad(p):
    """A noisy a sin(w t) + c with three spikes, Hampel-filtered (window 5): sum of squares."""
    a, w, c = p
    series = a * np.sin(w * T_HAMPEL) + c + 0.1 * np.cos(7 * T_HAMPEL) + SPIKES_HAMPEL
    filtered, _indices = _hampel_filter_forloop(series, 5)
    return np.sum(filtered ** 2)


# https://github.com/rasbt/python-machine-learning-book/blob/master/code/ch02/ch02.ipynb
class _Perceptron(object):                                   # noqa: UP004
    """Raschka's perceptron classifier: an update of eta (target - prediction) per sample."""

    def __init__(self, eta=0.01, n_iter=10):
        self.eta = eta
        self.n_iter = n_iter

    def fit(self, X, y):
        self.w_ = np.zeros_like(X, shape=1 + X.shape[1])
        self.errors_ = []
        for _ in range(self.n_iter):
            errors = 0
            for xi, target in zip(X, y):
                update = self.eta * (target - self.predict(xi))
                self.w_[1:] += update * xi
                self.w_[0] += update
                errors += int(update != 0.0)
            self.errors_.append(errors)
        return self

    def net_input(self, X):
        return np.dot(X, self.w_[1:]) + self.w_[0]

    def predict(self, X):
        return np.where(self.net_input(X) >= 0.0, 1, -1)


X_PERC = np.concatenate([RS.randn(5, 2) + [2.0, 2.0], RS.randn(5, 2) - [2.0, 2.0]])
Y_PERC = np.array([1] * 5 + [-1] * 5)


@case(X_PERC.ravel() * 0.5, 10, scale=0.05, no_hessian=KINK)
def perceptron_raschka_errors(p):
    """The perceptron fit on 10 points (traced), then the margins of its weights on them."""
    X = p.reshape(10, 2)
    ppn = _Perceptron(eta=0.1, n_iter=6).fit(X, Y_PERC)
    return np.sum(ppn.net_input(X) * Y_PERC) + sum(ppn.errors_)


# https://github.com/mattnedrich/MeanShift_py (mean_shift.py and mean_shift_utils.py)
MIN_DISTANCE = 0.000001


def _gaussian_kernel(distances, bandwidth):
    euclidean_distance = np.sqrt(((distances) ** 2).sum(axis=1))
    val = (1 / (bandwidth * np.sqrt(2 * np.pi))) * np.exp(
        -0.5 * ((euclidean_distance / bandwidth)) ** 2)                # noqa: UP034
    return val


def _mean_shift_cluster(points, kernel_bandwidth):
    """Nedrich's mean shift: shift every point still moving until all move less than 1e-6."""
    shift_points = points.copy()
    max_min_dist = 1
    iteration_number = 0
    still_shifting = [True] * points.shape[0]
    while max_min_dist > MIN_DISTANCE:
        max_min_dist = 0
        iteration_number += 1
        for i in range(0, len(shift_points)):
            if not still_shifting[i]:
                continue
            p_new = shift_points[i]
            p_new_start = p_new
            p_new = _shift_point(p_new, points, kernel_bandwidth)
            dist = np.linalg.norm(p_new - p_new_start)
            if dist > max_min_dist:
                max_min_dist = dist
            if dist < MIN_DISTANCE:
                still_shifting[i] = False
            shift_points[i] = p_new
    return shift_points


def _shift_point(point, points, kernel_bandwidth):
    point_weights = _gaussian_kernel(point - points, kernel_bandwidth)
    tiled_weights = np.tile(point_weights, [len(point), 1])
    denominator = sum(point_weights)
    shifted_point = np.multiply(tiled_weights.transpose(), points).sum(axis=0) / denominator
    return shifted_point


X_MS = np.concatenate([RS.randn(2, 2) * 0.3 + [1.0, 1.0], RS.randn(2, 2) * 0.3 - [1.0, 0.5]])


@case(X_MS.ravel(), 11, scale=0.05, no_hessian=LOOP, traces=3)
def mean_shift_nedrich_still_shifting(p):
    """Mean shift of 4 points (traced) with bandwidth 0.6: the modes' spread."""
    modes = _mean_shift_cluster(p.reshape(4, 2), 0.6)
    return np.sum((modes - np.mean(modes, axis=0)) ** 2)


# https://github.com/tnakaicode/jburkardt-python/blob/master/toms577/toms577.py (Carlson's
# duplication algorithms, TOMS 577: rf and rd)
def _rf(x, y, z, errtol):
    """RF(x, y, z) by the duplication theorem until the arguments agree to errtol."""
    xn = x
    yn = y
    zn = z
    while (True):
        mu = (xn + yn + zn) / 3.0
        xndev = 2.0 - (mu + xn) / mu
        yndev = 2.0 - (mu + yn) / mu
        zndev = 2.0 - (mu + zn) / mu
        epslon = max(abs(xndev), max(abs(yndev), abs(zndev)))
        if (epslon < errtol):
            c1 = 1.0 / 24.0
            c2 = 3.0 / 44.0
            c3 = 1.0 / 14.0
            e2 = xndev * yndev - zndev * zndev
            e3 = xndev * yndev * zndev
            s = 1.0 + (c1 * e2 - 0.1 - c2 * e3) * e2 + c3 * e3
            value = s / np.sqrt(mu)
            return value
        xnroot = np.sqrt(xn)
        ynroot = np.sqrt(yn)
        znroot = np.sqrt(zn)
        lamda = xnroot * (ynroot + znroot) + ynroot * znroot
        xn = (xn + lamda) * 0.25
        yn = (yn + lamda) * 0.25
        zn = (zn + lamda) * 0.25


def _rd(x, y, z, errtol):
    """RD(x, y, z), the duplication with its running sigma and power4."""
    xn = x
    yn = y
    zn = z
    sigma = 0.0
    power4 = 1.0
    while (True):
        mu = (xn + yn + 3.0 * zn) * 0.2
        xndev = (mu - xn) / mu
        yndev = (mu - yn) / mu
        zndev = (mu - zn) / mu
        epslon = max(abs(xndev), max(abs(yndev), abs(zndev)))
        if (epslon < errtol):
            c1 = 3.0 / 14.0
            c2 = 1.0 / 6.0
            c3 = 9.0 / 22.0
            c4 = 3.0 / 26.0
            ea = xndev * yndev
            eb = zndev * zndev
            ec = ea - eb
            ed = ea - 6.0 * eb
            ef = ed + ec + ec
            s1 = ed * (- c1 + 0.25 * c3 * ed - 1.5 * c4 * zndev * ef)
            s2 = zndev * (c2 * ef + zndev * (- c3 * ec + zndev * c4 * ea))
            value = 3.0 * sigma + power4 * (1.0 + s1 + s2) / (mu * np.sqrt(mu))
            return value
        xnroot = np.sqrt(xn)
        ynroot = np.sqrt(yn)
        znroot = np.sqrt(zn)
        lamda = xnroot * (ynroot + znroot) + ynroot * znroot
        sigma = sigma + power4 / (znroot * (zn + lamda))
        power4 = power4 * 0.25
        xn = (xn + lamda) * 0.25
        yn = (yn + lamda) * 0.25
        zn = (zn + lamda) * 0.25


@case([3.0, 2.0], 12, scale=0.05, no_hessian=LOOP)
def carlson_rf_rd_ellipse_perimeter(p):
    """An ellipse's perimeter 4 a E(m), E = RF(0, 1-m, 1) - m/3 RD(0, 1-m, 1), m = 1 - b^2/a^2,
    with the pendulum's K = RF as well."""
    a, b = p
    m = 1.0 - b * b / (a * a)
    K = _rf(0.0, 1.0 - m, 1.0, 1.0e-3)
    E = K - m / 3.0 * _rd(0.0, 1.0 - m, 1.0, 1.0e-3)
    return 4.0 * a * E + K


# https://github.com/scipy/scipy/blob/v1.5.0/scipy/stats/stats.py (jarque_bera)
def _jarque_bera(x):
    """SciPy 1.5's Jarque-Bera: moment skewness and kurtosis, p = 1 - chi2.cdf(jb, 2)."""
    n = x.size
    if n == 0:
        raise ValueError('At least one observation is required.')
    mu = x.mean()
    diffx = x - mu
    skewness = (1 / n * np.sum(diffx ** 3)) / (1 / n * np.sum(diffx ** 2)) ** (3 / 2.)
    kurtosis = (1 / n * np.sum(diffx ** 4)) / (1 / n * np.sum(diffx ** 2)) ** 2
    jb_value = n / 6 * (skewness ** 2 + (kurtosis - 3) ** 2 / 4)
    p = 1 - stats.chi2.cdf(jb_value, 2)
    return jb_value, p


Z_JB = RS.randn(40)


@case([1.0, 0.3, 0.1], 13, scale=0.05)
def jarque_bera_scipy15_moments(p):
    """Jarque-Bera of s Z + g (Z^2 - 1) + k Z^3 (40 residuals): the statistic and p-value."""
    s, g, k = p
    jb, pv = _jarque_bera(s * Z_JB + g * (Z_JB ** 2 - 1) + k * Z_JB ** 3)
    return jb * 0.01 + pv


# https://huggingface.co/datasets/nvidia/Nemotron-CC-Math-v1 ("Schrodinger Solver": numerov_step,
# numerov and solve_schrodinger, the radial equation's ground state by bisection on E)
def _numerov_step(k0, k1, k2, psi0, psi1, dx):
    dx_sqr = dx ** 2
    c0 = (1 + 1 / 12. * dx_sqr * k0)
    c1 = 2 * (1 - 5 / 12. * dx_sqr * k1)
    c2 = (1 + 1 / 12. * dx_sqr * k2)
    return (c1 * psi1 - c0 * psi0) / c2


def _numerov(ks, psi0, psi1, dx):
    psi = np.zeros_like(ks)
    psi[0] = psi0
    psi[1] = psi1
    for i in range(2, len(ks)):
        psi[i] = _numerov_step(ks[i - 2], ks[i - 1], ks[i], psi[i - 2], psi[i - 1], dx)
    return psi


def _solve_schrodinger(Vs, rs, dr, E_min=-10, E_max=0, maxiter=100, stoptol=0.0001):
    """Bisect E by the node count of u integrated inward from r exp(-r) at r_max."""
    for _i in range(maxiter):
        E = (E_min + E_max) / 2.
        ks = 2 * (E - Vs)
        psi_last = rs[-1] * np.exp(-rs[-1])
        psi_2nd_last = rs[-2] * np.exp(-rs[-2])
        u = _numerov(ks[::-1], psi_last, psi_2nd_last, dr)
        u = u[::-1]
        num_nodes = np.sum(u[1:] * u[:-1] < 0)
        if num_nodes == 0 and np.absolute(u[0]) <= stoptol:
            break
        if num_nodes > 0 or u[0] < 0:
            E_max = E
        else:
            E_min = E
    return E, u


@case([1.0, 0.3], 14, scale=0.05, no_hessian=LOOP)
def numerov_radial_bisection_nodes(p):
    """A screened Coulomb well -Z exp(-s r) / r on (0, 8] (40 steps, 6 bisections): u(r_min)
    and the norm of u at the bisected E (E itself is piecewise constant in Z and s)."""
    Z, s = p
    rs, dr = np.linspace(0, 8, 41, retstep=True)
    rs = rs[1:]
    Vs = -Z * np.exp(-s * rs) / rs
    _E, u = _solve_schrodinger(Vs, rs, dr, maxiter=6)
    return u[0] + np.sum(u ** 2) * dr


# https://github.com/matplotlib/matplotlib/blob/v1.3.1/examples/pylab_examples/finance_work2.py
def _relative_strength(prices, n=14):
    """matplotlib's RSI example: Wilder's smoothing of the ups and downs after a seed window."""
    deltas = np.diff(prices)
    seed = deltas[:n + 1]
    up = np.where(seed >= 0, seed, 0).sum() / n
    down = -np.where(seed < 0, seed, 0).sum() / n
    rs = up / down
    rsi = np.zeros_like(prices)
    rsi[:n] = 100. - 100. / (1. + rs)
    for i in range(n, len(prices)):
        delta = deltas[i - 1]
        if delta > 0:
            upval = delta
            downval = 0.
        else:
            upval = 0.
            downval = -delta
        up = (up * (n - 1) + upval) / n
        down = (down * (n - 1) + downval) / n
        rs = up / down
        rsi[i] = 100. - 100. / (1. + rs)
    return rsi


R_RSI = RS.randn(30) * 0.02


@case([100.0, 0.5, 0.01], 15, scale=0.02, no_hessian=KINK, fd_step=1e-8)
def rsi_wilder_matplotlib_finance(p):
    """RSI(14) of a price path p0 exp(cumsum(r + d sin t) ) with a trend mu: its mean."""
    p0, d, mu = p
    prices = p0 * np.exp(np.cumsum(R_RSI + mu + 0.01 * d * np.sin(np.arange(30.0))))
    return np.mean(_relative_strength(prices))



# ------------------------------------------------------------ learning, lecture notebooks
# http://karlrosaen.com/ml/notebooks/em-coin-flips/ (Do and Batzoglou's two coins)
def _coin_em(rolls, theta_A=None, theta_B=None, maxiter=10):
    theta_A = theta_A or 0.5
    theta_B = theta_B or 0.5
    thetas = [(theta_A, theta_B)]
    for _i in range(maxiter):
        heads_A, tails_A, heads_B, tails_B = _e_step(rolls, theta_A, theta_B)
        theta_A, theta_B = _m_step(heads_A, tails_A, heads_B, tails_B)
    thetas.append((theta_A, theta_B))
    return thetas, (theta_A, theta_B)


def _e_step(rolls, theta_A, theta_B):
    heads_A, tails_A = 0, 0
    heads_B, tails_B = 0, 0
    for trial in rolls:
        likelihood_A = _coin_likelihood(trial, theta_A)
        likelihood_B = _coin_likelihood(trial, theta_B)
        p_A = likelihood_A / (likelihood_A + likelihood_B)
        p_B = likelihood_B / (likelihood_A + likelihood_B)
        heads_A += p_A * trial.count("H")
        tails_A += p_A * trial.count("T")
        heads_B += p_B * trial.count("H")
        tails_B += p_B * trial.count("T")
    return heads_A, tails_A, heads_B, tails_B


def _m_step(heads_A, tails_A, heads_B, tails_B):
    theta_A = heads_A / (heads_A + tails_A)
    theta_B = heads_B / (heads_B + tails_B)
    return theta_A, theta_B


def _coin_likelihood(roll, bias):
    numHeads = roll.count("H")
    flips = len(roll)
    return pow(bias, numHeads) * pow(1 - bias, flips - numHeads)


ROLLS = ["HTTTHHTHTH", "HHHHTHHHHH", "HTHHHHHTHH", "HTHTTTHHTT", "THHHTHHHTH"]


@case([0.6, 0.5], 16, scale=0.05)
def coin_flip_em_do_batzoglou(p):
    """Ten EM steps for two biased coins from initial biases (traced): theta_A - theta_B."""
    _thetas, (theta_A, theta_B) = _coin_em(ROLLS, p[0], p[1], maxiter=10)
    return theta_A - theta_B


# https://github.com/krasserm/bayesian-machine-learning (gaussian_processes_util.py and
# bayesian_optimization_util.py: kernel, posterior, expected_improvement)
def _kernel(X1, X2, l=1.0, sigma_f=1.0):                    # noqa: E741
    sqdist = np.sum(X1 ** 2, 1).reshape(-1, 1) + np.sum(X2 ** 2, 1) - 2 * np.dot(X1, X2.T)
    return sigma_f ** 2 * np.exp(-0.5 / l ** 2 * sqdist)


def _posterior(X_s, X_train, Y_train, l=1.0, sigma_f=1.0, sigma_y=1e-8):   # noqa: E741
    K = _kernel(X_train, X_train, l, sigma_f) + sigma_y ** 2 * np.eye(len(X_train))
    K_s = _kernel(X_train, X_s, l, sigma_f)
    K_ss = _kernel(X_s, X_s, l, sigma_f) + 1e-8 * np.eye(len(X_s))
    K_inv = np.linalg.inv(K)
    mu_s = K_s.T.dot(K_inv).dot(Y_train)
    cov_s = K_ss - K_s.T.dot(K_inv).dot(K_s)
    return mu_s, cov_s


def _expected_improvement(X, X_sample, Y_sample, l, sigma_f, xi=0.01):    # noqa: E741
    mu, cov = _posterior(X, X_sample, Y_sample, l, sigma_f, 0.1)
    sigma = np.sqrt(np.diag(cov))
    mu_sample, _ = _posterior(X_sample, X_sample, Y_sample, l, sigma_f, 0.1)
    sigma = sigma.reshape(-1, 1)
    mu_sample_opt = np.max(mu_sample)
    with np.errstate(divide='warn'):
        imp = mu - mu_sample_opt - xi
        Z = imp / sigma
        ei = imp * stats.norm.cdf(Z) + sigma * stats.norm.pdf(Z)
        ei[sigma == 0.0] = 0.0
    return ei


X_EI = np.array([[-0.9], [1.1]])
XS_EI = np.linspace(-1.0, 2.0, 7).reshape(-1, 1)


@case([1.0, 1.0, -0.4, 0.3], 17, scale=0.05)
def expected_improvement_krasser_gp(p):
    """EI over 7 points from a GP through two samples (length, sigma_f and Y traced)."""
    length, sigma_f = p[0], p[1]
    Y = p[2:].reshape(-1, 1)
    return np.sum(_expected_improvement(XS_EI, X_EI, Y, length, sigma_f))


# https://github.com/dokato/dfa/blob/master/dfa.py
def _calc_rms(x, scale):
    shape = (x.shape[0] // scale, scale)
    X = np.lib.stride_tricks.as_strided(x, shape=shape)
    scale_ax = np.arange(scale)
    rms = np.zeros_like(x, shape=X.shape[0])
    for e, xcut in enumerate(X):
        coeff = np.polyfit(scale_ax, xcut, 1)
        xfit = np.polyval(coeff, scale_ax)
        rms[e] = np.sqrt(np.mean((xcut - xfit) ** 2))
    return rms


def _dfa(x, scale_lim=[5, 9], scale_dens=0.25):             # noqa: B006
    y = np.cumsum(x - np.mean(x))
    scales = (2 ** np.arange(scale_lim[0], scale_lim[1], scale_dens)).astype(int)
    fluct = np.zeros_like(x, shape=len(scales))
    for e, sc in enumerate(scales):
        fluct[e] = np.sqrt(np.mean(_calc_rms(y, sc) ** 2))
    coeff = np.polyfit(np.log2(scales), np.log2(fluct), 1)
    return scales, fluct, coeff[0]


E_DFA = RS.randn(64)


AS_STRIDED = ("np.lib.stride_tricks.as_strided does not dispatch on its argument (it has no "
              "__array_function__): NumPy converts the traced value, a clear TypeError")


@case([0.5, 1.0], 18, scale=0.05, xfail=tuple((t, AS_STRIDED) for t in (
    "jit", "grad", "jit_grad", "vmap", "jvp", "hessian")))
def detrended_fluctuation_dokato(p):
    """DFA's Hurst-like exponent of an AR(1)-ish series phi-smoothed noise, scales 4 to 16."""
    phi, s = p
    x = s * E_DFA + phi * np.concatenate([[0.0], E_DFA[:-1]])
    _scales, _fluct, alpha = _dfa(x, scale_lim=[2, 5], scale_dens=0.5)
    return alpha


# https://rosettacode.org/wiki/Euler_method#Python
def _euler(f, y0, a, b, h):
    t, y = a, y0
    ts, ys = [], []
    while t <= b:
        ts.append(t)
        ys.append(y)
        t += h
        y += h * f(t, y)
    return ts, ys


@case([0.07, 9.0, 100.0], 20, scale=0.05, no_hessian=LOOP, fd_step=1e-8)
def euler_newton_cooling_rosetta(p):
    """Newton's cooling -k (T - 20) from 100 degrees by Euler steps of h (traced) to t = 100."""
    k, h, T0 = p
    ts, ys = _euler(lambda time, temp: -k * (temp - 20), T0, 0, 100, h)
    return ys[-1] + 0.01 * sum(ys) * h


# https://iamtrask.github.io/2015/07/12/basic-python-network/ (a neural network in 11 lines)
X_TRASK = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]])
Y_TRASK = np.array([[0, 1, 1, 0]]).T


@case(RS.rand(16) * 2 - 1, 21, scale=0.05)
def trask_two_layer_xor_backprop(p):
    """iamtrask's 2-layer sigmoid net on XOR, 15 backprop steps from weights p: the last error."""
    X, y = X_TRASK, Y_TRASK
    syn0 = p[:12].reshape(3, 4).copy()
    syn1 = p[12:].reshape(4, 1).copy()
    for _j in range(15):
        l1 = 1 / (1 + np.exp(-(np.dot(X, syn0))))
        l2 = 1 / (1 + np.exp(-(np.dot(l1, syn1))))
        l2_delta = (y - l2) * (l2 * (1 - l2))
        l1_delta = l2_delta.dot(syn1.T) * (l1 * (1 - l1))
        syn1 += l1.T.dot(l2_delta)
        syn0 += np.dot(X.T, l1_delta)
    return np.sum((y - l2) ** 2)


# https://github.com/llSourcell/linear_regression_live/blob/master/demo.py
def _compute_error_for_line_given_points(b, m, points):
    totalError = 0
    for i in range(0, len(points)):
        x = points[i, 0]
        y = points[i, 1]
        totalError += (y - (m * x + b)) ** 2
    return totalError / float(len(points))


def _step_gradient(b_current, m_current, points, learningRate):
    b_gradient = 0
    m_gradient = 0
    N = float(len(points))
    for i in range(0, len(points)):
        x = points[i, 0]
        y = points[i, 1]
        b_gradient += -(2 / N) * (y - ((m_current * x) + b_current))
        m_gradient += -(2 / N) * x * (y - ((m_current * x) + b_current))
    new_b = b_current - (learningRate * b_gradient)
    new_m = m_current - (learningRate * m_gradient)
    return [new_b, new_m]


def _gradient_descent_runner(points, starting_b, starting_m, learning_rate, num_iterations):
    b = starting_b
    m = starting_m
    for _i in range(num_iterations):
        b, m = _step_gradient(b, m, np.array(points), learning_rate)
    return [b, m]


POINTS_GD = np.column_stack([np.linspace(0, 10, 12), 1.5 * np.linspace(0, 10, 12) + 2.0
                             + RS.randn(12)])


@case([0.01, 0.0, 0.0], 22, scale=0.05)
def linear_regression_live_gradient_descent(p):
    """Siraj's demo: 20 loop-written gradient steps of rate lr from (b0, m0), then the error."""
    lr, b0, m0 = p
    b, m = _gradient_descent_runner(POINTS_GD, b0, m0, lr, 20)
    return _compute_error_for_line_given_points(b, m, POINTS_GD)


# https://github.com/dennybritz/reinforcement-learning/blob/master/DP/Policy%20Evaluation%20Solution.ipynb
def _policy_eval(policy, P, nS, discount_factor=1.0, theta=0.00001):
    V = np.zeros_like(discount_factor, shape=nS)
    while True:
        delta = 0
        for s in range(nS):
            v = 0
            for a, action_prob in enumerate(policy[s]):
                for prob, next_state, reward, _done in P[s][a]:
                    v += action_prob * prob * (reward + discount_factor * V[next_state])
            delta = max(delta, np.abs(v - V[s]))
            V[s] = v
        if delta < theta:
            break
    return V.copy()


def _gridworld(shape, step_reward):
    """The 4 x 4 GridworldEnv's transitions: corners terminal, moves UP RIGHT DOWN LEFT."""
    nS = shape[0] * shape[1]
    P = {}
    for s in range(nS):
        y, x = divmod(s, shape[1])
        done = s == 0 or s == nS - 1
        moves = [max(y - 1, 0) * shape[1] + x, y * shape[1] + min(x + 1, shape[1] - 1),
                 min(y + 1, shape[0] - 1) * shape[1] + x, y * shape[1] + max(x - 1, 0)]
        P[s] = {a: [(1.0, s, 0.0, True)] if done else
                [(1.0, moves[a], step_reward, moves[a] in (0, nS - 1))] for a in range(4)}
    return P, nS


@case([0.7, -1.0], 23, scale=0.02, no_hessian=LOOP, traces=2)
def policy_evaluation_gridworld_dennybritz(p):
    """Iterative policy evaluation of the random policy on a 2 x 3 grid world, discount and
    step reward traced: the values' sum."""
    gamma, r = p
    P, nS = _gridworld((2, 3), r)
    policy = np.ones([nS, 4]) / 4
    return np.sum(_policy_eval(policy, P, nS, gamma, theta=1e-3))


# https://github.com/NeuromatchAcademy/course-content (W2D4 Dynamic Networks: F, simulate_wc)
def _F(x, a, theta):
    f = (1 + np.exp(-a * (x - theta))) ** -1 - (1 + np.exp(a * theta)) ** -1
    return f


def _simulate_wc(tau_E, a_E, theta_E, tau_I, a_I, theta_I, wEE, wEI, wIE, wII, I_ext_E,
                 I_ext_I, rE_init, rI_init, dt, range_t, **other_pars):
    Lt = range_t.size
    rE = np.append(rE_init, np.zeros(Lt - 1))
    rI = np.append(rI_init, np.zeros(Lt - 1))
    I_ext_E = I_ext_E * np.ones(Lt)
    I_ext_I = I_ext_I * np.ones(Lt)
    for k in range(Lt - 1):
        drE = dt / tau_E * (-rE[k] + _F(wEE * rE[k] - wEI * rI[k] + I_ext_E[k], a_E, theta_E))
        drI = dt / tau_I * (-rI[k] + _F(wIE * rE[k] - wII * rI[k] + I_ext_I[k], a_I, theta_I))
        rE[k + 1] = rE[k] + drE
        rI[k + 1] = rI[k] + drI
    return rE, rI


@case([9.0, 0.32, 0.5, 0.2], 24, scale=0.05)
def wilson_cowan_neuromatch(p):
    """The Wilson-Cowan E-I model over 40 Euler steps of 0.1 ms, wEE, rE(0) traced."""
    wEE, rE0, I_E, rI0 = p
    rE, rI = _simulate_wc(1., 1.2, 2.8, 2., 1.0, 4.0, wEE, 4., 13., 11., I_E, 0.,
                          rE0, rI0, 0.1, np.arange(0, 4.0, 0.1))
    return np.sum(rE ** 2) + rI[-1]


# https://github.com/NeuromatchAcademy/course-content (W2D3 Biological Neuron Models: run_LIF)
def _run_LIF(pars, Iinj):
    V_th, V_reset = pars['V_th'], pars['V_reset']
    tau_m, g_L = pars['tau_m'], pars['g_L']
    V_init, E_L = pars['V_init'], pars['E_L']
    dt, range_t = pars['dt'], pars['range_t']
    Lt = range_t.size
    tref = pars['tref']
    v = np.zeros_like(Iinj, shape=Lt)
    v[0] = V_init
    Iinj = Iinj * np.ones(Lt)
    rec_spikes = []
    tr = 0.
    for it in range(Lt - 1):
        if tr > 0:
            v[it] = V_reset
            tr = tr - 1
        elif v[it] >= V_th:
            rec_spikes.append(it)
            v[it] = V_reset
            tr = tref / dt
        dv = (-(v[it] - E_L) + Iinj[it] / g_L) * (dt / tau_m)
        v[it + 1] = v[it] + dv
    rec_spikes = np.array(rec_spikes) * dt
    return v, rec_spikes


@case([500.0, -65.0], 25, scale=0.02, no_hessian=KINK, traces=3)
def leaky_integrate_and_fire_refractory(p):
    """The LIF neuron with a 2 ms refractory period under a constant current: the mean voltage."""
    current, V_init = p
    pars = dict(V_th=-55., V_reset=-75., tau_m=10., g_L=10., V_init=V_init, E_L=-75.,
                dt=.1, range_t=np.arange(0, 10, .1), tref=2.)
    v, spikes = _run_LIF(pars, current)
    return np.mean(v) + 0.1 * len(spikes)


# ------------------------------------------------------------ the SciPy cookbook
# https://scipy-cookbook.readthedocs.io/items/SignalSmooth.html
def _smooth(x, window_len=11, window='hanning'):
    """The cookbook's smooth: the signal reflected at both ends by np.r_, a window convolved."""
    if x.ndim != 1:
        raise ValueError("smooth only accepts 1 dimension arrays.")
    if x.size < window_len:
        raise ValueError("Input vector needs to be bigger than window size.")
    if window_len < 3:
        return x
    if window not in ['flat', 'hanning', 'hamming', 'bartlett', 'blackman']:
        raise ValueError("Window is on of 'flat', 'hanning', 'hamming', 'bartlett', 'blackman'")
    s = tg.r_[x[window_len - 1:0:-1], x, x[-2:-window_len - 1:-1]]
    if window == 'flat':
        w = np.ones(window_len, 'd')
    else:
        w = eval('np.' + window + '(window_len)')
    y = np.convolve(w / w.sum(), s, mode='valid')
    return y


T_SMOOTH = np.linspace(-4, 4, 40)


@case([1.0, 0.3, 2.0], 28, scale=0.05)
def signal_smooth_hanning_r_(p):
    """sin(t) + a noise-like cos(c t^2), smoothed by an 11-point Hanning window: its energy."""
    a, b, c = p
    x = np.sin(a * T_SMOOTH) + b * np.cos(c * T_SMOOTH ** 2)
    return np.sum(_smooth(x) ** 2) + np.sum(_smooth(x, 7, 'flat'))


# https://scipy-cookbook.readthedocs.io/items/SignalSmooth.html (gauss_kern and blur_image)
def _gauss_kern(size, sizey=None):
    size = int(size)
    if not sizey:
        sizey = size
    else:
        sizey = int(sizey)
    x, y = np.mgrid[-size:size + 1, -sizey:sizey + 1]
    g = np.exp(-(x ** 2 / float(size) + y ** 2 / float(sizey)))
    return g / g.sum()


def _blur_image(im, n, ny=None):
    g = _gauss_kern(n, sizey=ny)
    improc = signal.convolve(im, g, mode='valid')
    return (improc)


X_BLUR, Y_BLUR = np.mgrid[-1:1:12j, -1:1:12j]


@case([1.0, 0.4, -0.3], 29, scale=0.05)
def blur_image_gauss_kern_convolve(p):
    """A Gaussian bump at (x0, y0) of width w on 12 x 12, blurred by the cookbook's 5 x 5 kernel."""
    w, x0, y0 = p
    im = np.exp(-((X_BLUR - x0) ** 2 + (Y_BLUR - y0) ** 2) / w)
    return np.sum(_blur_image(im, 2) ** 2)


# ------------------------------------------------------------ Rosetta Code and orbits
# https://rosettacode.org/wiki/Cumulative_standard_deviation#Python (the closure version)
def _sdcreator():
    sum = sum2 = n = 0

    def sd(x):
        nonlocal sum, sum2, n
        sum += x
        sum2 += x * x
        n += 1.0
        return (sum2 / n - sum * sum / n / n) ** .5
    return sd


@case([2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0], 30, scale=0.05)
def cumulative_standard_deviation_closure(p):
    """Rosetta's running standard deviation over the task's eight values: the last and the sum."""
    sd = _sdcreator()
    out = [sd(x) for x in p]
    return out[-1] + 0.1 * sum(out[1:])


# Curtis, Orbital Mechanics for Engineering Students, Algorithm 4.2 (coe_from_sv.m), in Python
def _coe_from_sv(R, V, mu):
    eps = 1.e-10
    r = np.linalg.norm(R)
    v = np.linalg.norm(V)
    vr = np.dot(R, V) / r
    H = np.cross(R, V)
    h = np.linalg.norm(H)
    incl = np.arccos(H[2] / h)
    N = np.cross([0, 0, 1], H)
    n = np.linalg.norm(N)
    if n != 0:
        RA = np.arccos(N[0] / n)
        if N[1] < 0:
            RA = 2 * np.pi - RA
    else:
        RA = 0
    E = 1 / mu * ((v ** 2 - mu / r) * R - r * vr * V)
    e = np.linalg.norm(E)
    if n != 0:
        if e > eps:
            w = np.arccos(np.dot(N, E) / n / e)
            if E[2] < 0:
                w = 2 * np.pi - w
        else:
            w = 0
    else:
        w = 0
    if e > eps:
        TA = np.arccos(np.dot(E, R) / e / r)
        if vr < 0:
            TA = 2 * np.pi - TA
    else:
        cp = np.cross(N, R)
        if cp[2] >= 0:
            TA = np.arccos(np.dot(N, R) / n / r)
        else:
            TA = 2 * np.pi - np.arccos(np.dot(N, R) / n / r)
    a = h ** 2 / mu / (1 - e ** 2)
    coe = [h, e, RA, incl, w, TA, a]
    return coe


@case([-6045.0, -3490.0, 2500.0, -3.457, 6.618, 2.533], 31, scale=0.02, fd_step=1e-9)
def orbital_elements_from_state_vector(p):
    """Curtis' Example 4.3 state (km, km/s): h, e, the angles and a, weighted into one number."""
    h, e, RA, incl, w, TA, a = _coe_from_sv(p[:3], p[3:], 398600.0)
    return h * 1e-4 + e + RA + incl + w + TA + a * 1e-4


# ------------------------------------------------------------ Numerical Recipes' chapter 14
# A Python notebook of Numerical Recipes' "Statistical Description of Data" (avevar, ttest,
# tutest, ftest, pearsn, chsone), its Beta().betai and Gamma().gammq as SciPy's betainc and
# gammaincc, math.sqrt and math.log as np.sqrt and np.log
def _avevar(data):
    """Given array data[0..n-1], returns its mean as ave and its variance as var in an array."""
    s = ep = 0.0
    n = len(data)
    ave = 0.0
    var = 0.0
    for j in range(0, n): ave += data[j]                    # noqa: E701
    ave /= n
    for j in range(0, n):
        s = data[j] - ave
        ep += s
        var += s * s
    var = (var - ep * ep / n) / (n - 1)
    return [ave, var]


def _ttest(data1, data2):
    t = 0.0
    prob = 0.0
    n1 = len(data1)
    n2 = len(data2)
    [ave1, var1] = _avevar(data1)
    [ave2, var2] = _avevar(data2)
    df = n1 + n2 - 2
    svar = ((n1 - 1) * var1 + (n2 - 1) * var2) / df
    t = (ave1 - ave2) / np.sqrt(svar * (1.0 / n1 + 1.0 / n2))
    prob = special.betainc(0.5 * df, 0.5, df / (df + t * t))
    return [t, prob]


def _tutest(data1, data2):
    n1 = len(data1)
    n2 = len(data2)
    [ave1, var1] = _avevar(data1)
    [ave2, var2] = _avevar(data2)
    t = (ave1 - ave2) / np.sqrt(var1 / n1 + var2 / n2)
    df = ((var1 / n1 + var2 / n2) ** 2) / (((var1 / n1) ** 2) / (n1 - 1)
                                            + ((var2 / n2) ** 2) / (n2 - 1))
    prob = special.betainc(0.5 * df, 0.5, df / (df + (t ** 2)))
    return [t, prob]


def _ftest(data1, data2):
    f = df1 = df2 = 0.0
    n1 = len(data1)
    n2 = len(data2)
    [ave1, var1] = _avevar(data1)
    [ave1, var2] = _avevar(data2)
    if (var1 > var2):
        f = var1 / var2
        df1 = n1 - 1
        df2 = n2 - 1
    else:
        f = var2 / var1
        df1 = n2 - 1
        df2 = n1 - 1
    prob = 2.0 * special.betainc(0.5 * df2, 0.5 * df1, df2 / (df2 + df1 * f))
    if (prob > 1.0): prob = 2.0 - prob                      # noqa: E701
    return [f, prob]


def _pearsn(x, y):
    TINY = 1.0e-20
    n = len(x)
    yt = xt = t = df = syy = sxy = sxx = ay = ax = 0.0
    for j in range(0, n):
        ax += x[j]
        ay += y[j]
    ax /= n
    ay /= n
    for j in range(0, n):
        xt = x[j] - ax
        yt = y[j] - ay
        sxx += xt * xt
        syy += yt * yt
        sxy += xt * yt
    r = sxy / (np.sqrt(sxx * syy) + TINY)
    z = 0.5 * np.log((1.0 + r + TINY) / (1.0 - r + TINY))
    df = n - 2
    t = r * np.sqrt(df / ((1.0 - r + TINY) * (1.0 + r + TINY)))
    prob = special.betainc(0.5 * df, 0.5, df / (df + t * t))
    return [r, prob, z]


def _chsone(bins, ebins, knstrn=1):
    nbins = len(bins)
    df = nbins - knstrn
    chsq = prob = 0.0
    for j in range(0, nbins):
        if (ebins[j] < 0.0 or (ebins[j] == 0.0 and bins[j] > 0.0)):
            raise Exception("bad expected number in chsone")
        if (ebins[j] == 0.0 and bins[j] == 0.0):
            df -= 1
        else:
            temp = bins[j] - ebins[j]
            chsq += temp * temp / ebins[j]
    prob = special.gammaincc(0.5 * df, 0.5 * chsq)
    return [df, chsq, prob]


A_NR = RS.randn(9)
B_NR = RS.randn(12)


@case([1.0, 0.4, 1.3], 32, scale=0.05, traces=1)
def nr_ttest_ftest_betai(p):
    """Student's t and the F test of s1 A + m against s2 B (9 and 12 samples): the p-values,
    F's branch on which variance is larger."""
    s1, m, s2 = p
    t, pt = _ttest(s1 * A_NR + m, s2 * B_NR)
    f, pf = _ftest(s1 * A_NR + m, s2 * B_NR)
    return pt + pf + 0.01 * t


BETAINC_AB = ("special.betainc's second derivative in a or b is not implemented (a clear "
              "NotImplementedError): Welch's fractional df in betainc's a has no Hessian")


@case([0.5, 1.0, 0.8], 33, scale=0.05, xfail=(("hessian", BETAINC_AB),))
def nr_tutest_pearsn_fisher_z(p):
    """Welch's t with its fractional df in betainc's a, and Pearson's r, p and Fisher's z."""
    c, s, m = p
    x = A_NR
    y = c * A_NR + s * B_NR[:9] + m
    t, pu = _tutest(x, y)
    r, pr, z = _pearsn(x, y)
    return pu + pr + z + 0.01 * t


COUNTS_NR = np.array([6.0, 14.0, 22.0, 18.0, 11.0, 5.0, 0.0])


@case([2.6, 76.0], 34, scale=0.05)
def nr_chsone_poisson_gammq(p):
    """chsone of 76 counts against Poisson(lam) expectations in 6 bins and an empty last one:
    the chi-square's p-value by gammq."""
    lam, total = p
    k = np.arange(6.0)
    ebins = total * np.exp(-lam) * lam ** k / np.cumprod(np.concatenate([[1.0], k[1:]]))
    ebins = np.concatenate([ebins, np.zeros(1)])
    df, chsq, prob = _chsone(COUNTS_NR, ebins)
    return prob + 0.01 * chsq


# ------------------------------------------------------------ more textbook modules
# https://github.com/burakbayramli/books/tree/master/Numerical_Eng_Python (newtonPoly.py)
def _evalPoly(a, xData, x):
    """Newton's form by nested multiplication."""
    n = len(xData) - 1
    p = a[n]
    for k in range(1, n + 1):
        p = a[n - k] + (x - xData[n - k]) * p
    return p


def _coeffts(xData, yData):
    """The divided differences, overwriting a slice of a copy at each order."""
    m = len(xData)
    a = yData.copy()
    for k in range(1, m):
        a[k:m] = (a[k:m] - a[k - 1]) / (xData[k:m] - xData[k - 1])
    return a


@case(np.concatenate([[0.15, 2.1, 3.2, 4.4, 5.0], [-1.2, -0.8, 0.7, 1.1, 0.4]]), 35, scale=0.05)
def newton_divided_differences_kiusalaas(p):
    """The interpolant through five traced points, evaluated at 1.0, 2.5 and 4.0."""
    xData, yData = p[:5], p[5:]
    a = _coeffts(xData, yData)
    return sum(_evalPoly(a, xData, x) for x in (1.0, 2.5, 4.0))


# https://github.com/burakbayramli/books/tree/master/Numerical_Eng_Python (ridder.py)
def _ridder(f, a, b, tol=1.0e-9):
    """Ridders' method: the exponential-fit false position, re-bracketed each step."""
    fa = f(a)
    if fa == 0.0: return a                                  # noqa: E701
    fb = f(b)
    if fb == 0.0: return b                                  # noqa: E701
    if fa * fb > 0.0: raise ValueError('Root is not bracketed')     # noqa: E701
    for i in range(30):
        c = 0.5 * (a + b); fc = f(c)                        # noqa: E702
        s = np.sqrt(fc ** 2 - fa * fb)
        if s == 0.0: return None                            # noqa: E701
        dx = (c - a) * fc / s
        if (fa - fb) < 0.0: dx = -dx                        # noqa: E701
        x = c + dx; fx = f(x)                               # noqa: E702
        if i > 0:
            if abs(x - xOld) < tol * max(abs(x), 1.0): return x     # noqa: E701, F821
        xOld = x                                            # noqa: F841
        if fc * fx > 0.0:
            if fa * fx < 0.0: b = x; fb = fx                # noqa: E701, E702
            else: a = x; fa = fx                            # noqa: E701, E702
        else:
            a = c; b = x; fa = fc; fb = fx                  # noqa: E702
    return None


@case([1.0, 2.0], 36, scale=0.05, no_hessian=LOOP)
def ridders_root_kiusalaas(p):
    """The root of a (x^3 - 10 x^2 + 5) + 0.1 c x on (0.6, 0.8) (Kiusalaas' example with a
    scale and a slope), squared."""
    a, c = p
    root = _ridder(lambda x: a * (x ** 3 - 10.0 * x ** 2 + 5.0) + 0.1 * c * x, 0.6, 0.8)
    return root ** 2


# https://github.com/networkx/networkx/blob/main/networkx/algorithms/shortest_paths/dense.py
def _floyd_warshall_numpy(A):
    """networkx's floyd_warshall_numpy after to_numpy_array: inf where there is no edge."""
    n, m = A.shape
    np.fill_diagonal(A, 0)
    for i in range(n):
        A = np.minimum(A, A[i, :][np.newaxis, :] + A[:, i][:, np.newaxis])
    return A


EDGES_FW = [(0, 1), (1, 2), (2, 3), (3, 4), (0, 2), (1, 3), (2, 4), (4, 0)]


@case(np.array([1.0, 2.3, 1.7, 0.9, 3.1, 2.9, 3.4, 2.2]), 37, scale=0.05, no_hessian=KINK)
def floyd_warshall_networkx_numpy(p):
    """All-pairs shortest paths of a directed 5-node graph with traced weights: their sum."""
    A = np.full_like(p, np.inf, shape=(5, 5))
    for w, (u, v) in zip(p, EDGES_FW):
        A[u, v] = w
    D = _floyd_warshall_numpy(A)
    return np.sum(D)


# https://github.com/charnley/rmsd/blob/master/rmsd/calculate_rmsd.py (kabsch, kabsch_rmsd)
def _kabsch(P, Q):
    C = np.dot(np.transpose(P), Q)
    V, S, W = np.linalg.svd(C)
    d = (np.linalg.det(V) * np.linalg.det(W)) < 0.0
    if d:
        S[-1] = -S[-1]
        V[:, -1] = -V[:, -1]
    U = np.dot(V, W)
    return U


def _centroid(X):
    C = X.mean(axis=0)
    return C


def _rmsd(V, W):
    diff = V - W
    N = len(V)
    return np.sqrt((diff * diff).sum() / N)


def _kabsch_rmsd(P, Q, translate=False):
    if translate:
        Q = Q - _centroid(Q)
        P = P - _centroid(P)
    P = np.dot(P, _kabsch(P, Q))
    return _rmsd(P, Q)


Q_KABSCH = RS.randn(6, 3)


@case((Q_KABSCH @ np.array([[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, -1.0]])
       + 0.2 * RS.randn(6, 3)).ravel(), 38, scale=0.05)
def kabsch_rmsd_charnley(p):
    """The RMSD of 6 traced points to a reference after Kabsch's optimal rotation (translated),
    the points a mirror image: the sign correction writes into svd's S and V."""
    return _kabsch_rmsd(p.reshape(6, 3), Q_KABSCH, translate=True)
