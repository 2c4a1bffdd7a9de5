"""Array programs, part twenty-two: root finders, ODE steppers, estimators and finance, as written.

Root finders and fixed points with ``while`` loops (Muller's parabola through
three iterates, Steffensen's Aitken step), ODE codes (Seccamonte's backward
Euler, theta method and adaptive AB2/AM2 predictor-corrector with its
``while True`` step control, Rosetta's RK4, a Roessler attractor by Euler),
signal and time-series code (Lew's Burg AR estimator, a GJR-GARCH likelihood,
OHLC volatility estimators), statistics and learning code (SciPy's
Yeo-Johnson log-likelihood, an Anderson-Darling statistic with ``norm.cdf``,
Pegasos, orthogonal matching pursuit by ``argmax`` and ``lstsq``, classical
MDS by ``eig`` and ``sorted``, an ensemble Kalman analysis), and Leibniz's
determinant, the permanent and Cramer's rule on lists of lists.

Where tapegrad's documented limits ask, the copies differ from their sources:
a buffer that receives traced values is ``np.zeros_like(p, shape=...)``;
``A.dot(traced)`` of a constant ``A`` is ``np.dot(A, traced)``; ``np.array``
of traced pieces is ``np.stack``; ``math`` functions of traced values are
NumPy's (``math.fsum`` is ``sum``, ``math.sqrt`` is ``np.sqrt``);
``float()`` of a traced value is the value; an in-place write into a NumPy
array (``a.resize``, ``a += traced``) builds a new array; random draws are
drawn once outside. Python 2 (``xrange``) is Python 3, semicolons and prints
of traced values are dropped, and a driver the source leaves to a package
(a ring buffer, plotting) is a few lines of plain Python.
"""

from __future__ import annotations

import operator
from functools import reduce
from itertools import permutations

import numpy as np
from program_cases import Case, registrar

import tapegrad.scipy.linalg as sla
import tapegrad.scipy.special as special
import tapegrad.scipy.stats as stats

PROGRAMS: dict[str, Case] = {}
case = registrar(PROGRAMS)

RS = np.random.RandomState(22)
KINK = "piecewise: the Hessian's differences straddle a kink"
LOOP = "a loop to a tolerance: the Hessian's differences change its trip count"


# ------------------------------------------------------------ root finders and fixed points
# https://github.com/jianzhi-1/math-ucb/blob/main/fa23-128a/muller.py
def _muller(f, p0, p1, p2, tol=1e-6, maxit=40):
    """Muller's method: the parabola through three iterates, the root nearer p2."""
    ### initialisation
    h1 = p1 - p0
    h2 = p2 - p1
    delta1 = (f(p1) - f(p0))/h1
    delta2 = (f(p2) - f(p1))/h2
    d = (delta2 - delta1)/(h1 + h2)
    i = 3

    while i <= maxit:

        b = delta2 + h2*d
        D = (b*b - 4*f(p2)*d)**0.5
        E = None
        if abs(b - D) < abs(b + D):
            E = b + D
        else:
            E = b - D
        h = -2.*f(p2)/E
        p = p2 + h

        if abs(h) < tol:
            return p

        ### prepare for next iteration
        p0 = p1
        p1 = p2
        p2 = p
        h1 = p1 - p0
        h2 = p2 - p1
        delta1 = (f(p1) - f(p0))/h1
        delta2 = (f(p2) - f(p1))/h2
        d = (delta2 - delta1)/(h1 + h2)
        i = i + 1


@case([1.0, 2.0, 0.5], 1, scale=0.05, no_hessian=LOOP)
def muller_parabola_while(p):
    """The real root of x^3 + a x - c from 0.4, 0.9, 1.6 (tol 1e-10), then of exp(-x) - s x."""
    a, c, s = p
    r1 = _muller(lambda x: x * x * x + a * x - c, 0.4, 0.9, 1.6, tol=1e-10)
    r2 = _muller(lambda x: np.exp(-x) - s * x, 0.0, 0.5, 1.0, tol=1e-10)
    return r1 * r2 + r1


# https://github.com/fernandojose21/PY3-SteffensenMethod/blob/master/ms1.py
n0 = 10000


def _steffensen(f, p0, tol):
    """Steffensen's method on g(x) = x + f(x): Aitken's delta-squared of two fixed-point steps."""
    for i in range(1, n0):                                  # noqa: B007
        p1 = p0 + f(p0)
        p2 = p1 + f(p1)
        p = p2 - (pow((p2 - p1), 2)/(p2 - (2*p1) + p0))
        if abs(p-p0) < tol:
            return p
        p0 = p
    return p


@case([0.8, 0.3], 2, scale=0.05, no_hessian=LOOP)
def steffensen_aitken_fixed_point(p):
    """The fixed point of a cos(x) (f(x) = a cos(x) - x) from x0, tol 1e-9, times a."""
    a, x0 = p
    return a * _steffensen(lambda x: a * np.cos(x) - x, x0, 1e-9)


# ------------------------------------------------------------ ODE steppers
# https://github.com/francescoseccamonte/odesolvers/blob/master/odesolvers/_backwardeuler.py
def _backward_euler_step(f, df, xi, ti, h, TOL, MAXITER):
    """Seccamonte's backward Euler step: Newton on x - xi - h f(t, x) = 0, to ||delta|| <= TOL."""
    # xinu represents the \nu step of the Newton iteration algorithm
    # xinu's first guess initialized as previous solution
    xinu = np.copy(xi)

    # Newton iteration # TODO CHECK
    for i in range(MAXITER):                                # noqa: B007
        A = (np.identity(xi.size) - h*df(ti,xinu))
        b = -(xinu - xi - h*f(ti,xinu))

        # delta = xinu+1 - xinu
        # Solving the linear system of equations A delta = b, that is,
        # (I - h*df)*delta = -(xinu - xi - h*f(ti,xinu))
        delta = np.linalg.solve(A, b)

        xinu += delta

        # check for convergence
        if np.linalg.norm(delta) <= TOL:
            return xinu

    raise ArithmeticError('Newton iteration has not converged')


@case([3.0, 2.0, 0.0], 3, scale=0.05, no_hessian=LOOP)
def backward_euler_newton_van_der_pol(p):
    """Van der Pol (mu traced) from (x0, v0) by 2 backward Euler steps of 0.1, TOL 1e-10."""
    mu, x0, v0 = p

    def f(t, x):
        return np.stack([x[1], mu * (1 - x[0] ** 2) * x[1] - x[0]])

    def df(t, x):
        return np.stack([np.stack([0.0 * mu, 1.0 + 0.0 * mu]),
                         np.stack([-2 * mu * x[0] * x[1] - 1, mu * (1 - x[0] ** 2)])])
    x, t = np.stack([x0, v0]), 0.0
    for _ in range(2):
        x = _backward_euler_step(f, df, x, t, 0.1, 1e-10, 20)
        t = t + 0.1
    return x[0] + 0.5 * x[1]


# https://github.com/francescoseccamonte/odesolvers/blob/master/odesolvers/_thetamethod.py
def _theta_step(f, df, xi, ti, h, theta, TOL, MAXITER):
    """Seccamonte's theta method (theta = 1/2: Crank-Nicolson), Newton to ||delta|| <= TOL."""
    # xinu represents the \nu step of the Newton iteration algorithm
    # xinu's first guess initialized as previous solution
    xinu = np.copy(xi)

    # Newton iteration
    for i in range(MAXITER):                                # noqa: B007
        A = (np.identity(xi.size) - (1-theta)*h*df(ti+h,xinu))
        b = -(xinu - xi -theta*h*f(ti,xi) -(1-theta)*h*f(ti+h,xinu))

        # delta = xinu+1 - xinu
        # Solving the linear system of equations A delta = b, that is,
        # (I - (1-theta)*h*df)*delta = -(xinu - xi -theta*h*f(ti,xi) -(1-theta)*h*f(ti+h,xinu))
        delta = np.linalg.solve(A, b)

        xinu += delta

        # check for convergence
        if np.linalg.norm(delta) <= TOL:
            return xinu

    raise ArithmeticError('Newton iteration has not converged')


@case([1.0, 3.0], 4, scale=0.05, no_hessian=LOOP)
def theta_method_brusselator(p):
    """The Brusselator (A, B traced) from (1, 1) by 2 Crank-Nicolson steps of 0.1."""
    A_, B_ = p

    def f(t, x):
        return np.stack([A_ + x[0] ** 2 * x[1] - (B_ + 1) * x[0], B_ * x[0] - x[0] ** 2 * x[1]])

    def df(t, x):
        return np.stack([np.stack([2 * x[0] * x[1] - (B_ + 1), x[0] ** 2]),
                         np.stack([B_ - 2 * x[0] * x[1], -x[0] ** 2])])
    x = np.ones_like(p)
    for k in range(2):
        x = _theta_step(f, df, x, 0.1 * k, 0.1, 0.5, 1e-11, 30)
    return x[0] * x[1]


# https://github.com/francescoseccamonte/odesolvers/blob/master/odesolvers/_predictorcorrector.py
def _pece_step(f, xi, ti, h, fpast, hpast, hpred, ETOL):
    """Seccamonte's AB2 predictor, AM2 corrector; adaptive: retry until h * lte <= ETOL."""
    if xi.size > 1:
        fpast0 = fpast[0,:]
        fpast1 = fpast[1,:]
    else:
        fpast0 = fpast[0]
        fpast1 = fpast[1]

    if h is not None:       # fixed stepsize: no error checking
        # Predictor: AB2
        yp = xi + h*fpast1 + ((fpast1 - fpast0)/hpast[0])*h*h*0.5
        # Corrector: AM2
        yc = xi + h*0.5*(f((ti+h), yp) + fpast1)

        return yc, h, h
    else:                   # adaptive stepsize
        hstep = hpred
        lte : np.float = 0.0    # initializing estimate of local truncation error  # noqa: F841
        while True:             # do-while loop
            # Predictor: AB2
            yp = xi + hstep*fpast1 + ((fpast1 - fpast0)/hpast[0])*hstep*hstep*0.5
            # Corrector: AM2
            yc = xi + hstep*0.5*(f((ti+hstep), yp) + fpast1)
            lte = (5/6*np.linalg.norm(yc - yp))
            if hstep*lte <= ETOL:
                break           # step accepted, exiting loop
            else:
                hstep *= np.power(0.9*ETOL/(hstep*lte), 1.0/3.0)

        if lte <= 0.01*ETOL:
            hfuture = 2*hstep       # doubling stepsize for following iteration
        else:
            hfuture = hstep         # same stepsize for following iteration

        return yc, hstep, hfuture


def _ab_am_pece2(f, iv, t0, tn, ETOL=1.0e-5):
    """The source's driver AB_AM_PECE2 with lists for its ring buffers: an explicit Euler start
    with h = 0.01, then PECE steps while t < tn; the last state and time."""
    h1 = 0.01
    x1 = iv + h1 * f(t0, iv)                    # _ExplicitEuler_step
    fprev = [f(t0, iv), f(t0 + h1, x1)]
    hprev = [h1]
    tcount, x, hfuture = t0 + h1, x1, h1
    while tcount < tn:
        x, hi, hfuture = _pece_step(f, x, tcount, None, np.stack(fprev[-2:]), hprev[-1:],
                                    hfuture, ETOL)
        tcount += hi
        fprev.append(f(tcount, x))
        hprev.append(hi)
    return x, tcount


@case([0.4, 2.0], 5, scale=0.03, no_hessian=LOOP)
def pece_ab2_am2_adaptive_oscillator(p):
    """A damped oscillator x'' + c x' + k x = 0 from (1, 0) to t = 0.5 with ETOL 1e-3."""
    c, k = p
    x, t = _ab_am_pece2(lambda t, y: np.stack([y[1], -c * y[1] - k * y[0]]),
                        np.stack([1.0 + 0.0 * c, 0.0 * c]), 0.0, 0.5, ETOL=1e-3)
    return x[0] + x[1] * 0.3


# https://rosettacode.org/wiki/Runge-Kutta_method#Python (Python/runge-kutta-method-2.py)
def _rk4(f, x0, y0, x1, n):
    vx = [0] * (n + 1)
    vy = [0] * (n + 1)
    h = (x1 - x0) / float(n)
    vx[0] = x = x0
    vy[0] = y = y0
    for i in range(1, n + 1):
        k1 = h * f(x, y)
        k2 = h * f(x + 0.5 * h, y + 0.5 * k1)
        k3 = h * f(x + 0.5 * h, y + 0.5 * k2)
        k4 = h * f(x + h, y + k3)
        vx[i] = x = x0 + i * h
        vy[i] = y = y + (k1 + k2 + k2 + k3 + k3 + k4) / 6
    return vx, vy


def _rosetta_f(x, y):
    return x * np.sqrt(y)


@case([1.0, 4.0], 6, scale=0.05)
def rosetta_rk4_lists(p):
    """y' = x sqrt(y) from (0, y0) to x1 in 20 steps: the error against (x^2 + 4)^2 / 16 too."""
    y0, x1 = p
    vx, vy = _rk4(_rosetta_f, 0, y0, x1, 20)
    err = [y - (4 + x * x) ** 2 / 16 for x, y in list(zip(vx, vy))[::5]]
    return vy[-1] + 1e3 * sum(err)


# https://github.com/shiyujiucsb/wikipediaPlots/blob/master/rosslerAttractor.py
@case([0.2, 0.2, 5.7], 7, scale=0.05)
def roessler_euler_initial_conditions(p):
    """The source's Euler loop for two initial conditions to t = 1.5, the end points summed
    (instead of drawn as Line2D segments)."""
    t0 = 0.0
    dt = 0.02
    t_final = 1.5
    T = np.arange(t0, t_final, dt)
    a, b, c = p
    total = 0.0
    # We consider many initial conditions.
    for y in np.arange(-8, -6, 1.0):
        x, z = 0.0, 1.0
        for t in T:                                         # noqa: B007
            new_x = x + (-y - z) * dt
            new_y = y + (x + a*y) * dt
            new_z = z + (b + z*(x-c)) * dt
            x, y, z = new_x, new_y, new_z
        total = total + x + y + z
    return total


# ------------------------------------------------------------ signals and time series
# https://github.com/rogerlew/undaqTools (Roger Lew's arburg, 2013; the copy in its steering
# entropy module)
def _arburg(x, order):
    """Burg's AR estimate: reflection coefficients from forward and backward errors; ``a`` grows
    by one coefficient per order (the source's ``a.resize``, here a concatenation)."""
    N = len(x)
    rho = np.sum(np.abs(x)**2.) / N
    den = rho * 2. * N                                  # noqa: F841

    ef = x  # forward errors
    eb = x  # backward errors

    # AR coeffs
    a = np.ones(1)

    # reflection coeffs
    ref = np.zeros_like(x, shape=order)

    E = np.zeros_like(x, shape=order+1)
    E[0] = rho

    for m in range(order):
        # reflection coefficient
        efp = ef[1:]
        ebp = eb[0:-1]
        num = -2. * np.dot(ebp.T, efp)
        den = np.dot(efp.T, efp)
        den += np.dot(ebp, ebp.T)
        ref[m] = num / den

        # forward and backward prediction errors
        ef = efp + ref[m] * ebp
        eb = ebp + ref[m].T * efp

        # AR coefficients
        a = np.concatenate([a, [0.0]])
        a = a + ref[m] * a[::-1]

        # prediction error
        E[m+1] = (1. - ref[m].T*ref[m]) * E[m]

    return a, E


NOISE_AR = RS.randn(60)


@case([1.2, -0.5], 8, scale=0.05)
def arburg_reflection_coefficients(p):
    """An AR(2) series with coefficients (phi1, phi2) and fixed noise, fitted by Burg to order 3:
    a weighted sum of the coefficients and the last prediction error."""
    phi1, phi2 = p
    x = [0.0, 0.0]
    for e in NOISE_AR:
        x.append(phi1 * x[-1] + phi2 * x[-2] + e)
    a, E = _arburg(np.stack(x[2:]), 3)
    return np.sum(a * np.array([1.0, 0.7, -0.4, 0.2])) + E[-1]


# https://github.com/burakbayramli/books/blob/master/python_for_finance_yuxing/GARCH/GJR_GARCH.py
def _gjr_garch_likelihood(parameters, data, sigma2, out=None):
    """The GJR-GARCH(1,1,1) negative log-likelihood: a leverage term gamma eps^2 (eps < 0)."""
    mu = parameters[0]
    omega = parameters[1]
    alpha = parameters[2]
    gamma = parameters[3]
    beta = parameters[4]
    T = np.size(data,0)
    eps = data-mu
    for t in range(1,T):
        sigma2[t]=(omega+alpha*eps[t-1]**2+gamma*eps[t-1]**2*(eps[t-1]<0)+beta*sigma2[t-1])
    logliks = 0.5*(np.log(2*np.pi) + np.log(sigma2) + eps**2/sigma2)
    loglik = np.sum(logliks)
    if out is None:
        return loglik
    else:
        return loglik, logliks, np.copy(sigma2)


RETURNS_GJR = RS.standard_t(6, 40) * 0.9


@case([0.02, 0.05, 0.05, 0.12, 0.85], 9, scale=0.05)
def gjr_garch_leverage_likelihood(p):
    """The likelihood of 40 returns with sigma2 started at their variance (the book's
    ``np.ones(T) * FTSEreturn.var()``, a buffer of the parameters' kind here)."""
    sigma2 = np.ones_like(p, shape=np.size(RETURNS_GJR, 0)) * RETURNS_GJR.var()
    return _gjr_garch_likelihood(p, RETURNS_GJR, sigma2)


# https://github.com/fco-jle/MachineTrading/blob/master/TSA/volatility.py
def _garman_klass(df):
    open_ = df['Open']
    high_ = df['High']
    low_ = df['Low']
    close_ = df['Close']

    f1 = np.mean(0.5*np.log(high_/low_)**2)
    f2 = np.mean((2*np.log(2)-1)*np.log(close_/open_)**2)
    gk = np.sqrt(f1-f2)
    return gk


def _standard_dev(df):
    close_ = df['Close']
    return np.std(close_)


def _close_to_close(df):
    close_ = df['Close']
    returns = close_[1:] / close_[:-1]
    log_returns = np.log(returns)
    ctc = np.sqrt(np.mean(log_returns**2))
    return ctc


def _parkinson(df):
    high_ = df['High']
    low_ = df['Low']
    pk = np.sqrt(1 / (4*np.log(2)) * np.mean(np.log(high_/low_)**2))
    return pk


def _garman_klass_yang_zhang(df):
    open_ = df['Open'][1:]
    high_ = df['High'][1:]
    low_ = df['Low'][1:]
    close_ = df['Close'][1:]
    prev_close = df['Close'][:-1]                   # df['Close'].shift().values[1:]

    f1 = np.mean(np.log(open_/prev_close)**2)
    f2 = np.mean(0.5*np.log(high_/low_)**2)
    f3 = np.mean((2*np.log(2)-1)*(np.log(close_/open_)**2))
    vola = np.sqrt(f1+f2-f3)
    return vola


Z_OHLC = RS.randn(4, 25)
U_OHLC = RS.rand(2, 25)


@case([0.001, 0.02, 0.01], 10, scale=0.05)
def ohlc_volatility_estimators(p):
    """Garman-Klass, Parkinson, close-to-close, Yang-Zhang's and the close's standard deviation
    of 25 bars made from a drift, a volatility and an intraday range (a dict of arrays for the
    source's DataFrame)."""
    drift, vol, rng = p
    close = 100.0 * np.exp(np.cumsum(drift + vol * Z_OHLC[0]))
    open_ = np.concatenate([[100.0], close[:-1]]) * np.exp(0.3 * vol * Z_OHLC[1])
    high = np.maximum(open_, close) * np.exp(rng * (0.2 + U_OHLC[0]))
    low = np.minimum(open_, close) * np.exp(-rng * (0.2 + U_OHLC[1]))
    df = {'Open': open_, 'High': high, 'Low': low, 'Close': close}
    return (_garman_klass(df) + _parkinson(df) + _close_to_close(df)
            + _garman_klass_yang_zhang(df) + 0.01 * _standard_dev(df))


# ------------------------------------------------------------ statistics
# https://github.com/scipy/scipy/blob/v1.9.0/scipy/stats/_morestats.py
def _yeojohnson_transform(x, lmbda):
    """Returns `x` transformed by the Yeo-Johnson power transform with given
    parameter `lmbda`.
    """
    out = np.zeros_like(lmbda, shape=x.shape)
    pos = x >= 0  # binary mask

    # when x >= 0
    if abs(lmbda) < np.spacing(1.):
        out[pos] = np.log1p(x[pos])
    else:  # lmbda != 0
        # more stable version of: ((x + 1) ** lmbda - 1) / lmbda
        out[pos] = np.expm1(lmbda * np.log1p(x[pos])) / lmbda

    # when x < 0
    if abs(lmbda - 2) > np.spacing(1.):
        out[~pos] = -np.expm1((2 - lmbda) * np.log1p(-x[~pos])) / (2 - lmbda)
    else:  # lmbda == 2
        out[~pos] = -np.log1p(-x[~pos])

    return out


def _yeojohnson_llf(lmb, data):
    data = np.asarray(data)
    n_samples = data.shape[0]

    if n_samples == 0:
        return np.nan

    trans = _yeojohnson_transform(data, lmb)

    loglike = -n_samples / 2 * np.log(trans.var(axis=0))
    loglike += (lmb - 1) * (np.sign(data) * np.log(np.abs(data) + 1)).sum(axis=0)

    return loglike


DATA_YJ = [RS.gamma(2.0, 1.0, 30) - 1.0, RS.standard_t(4, 30)]


@case([0.7, 1.3], 11, scale=0.05)
def yeojohnson_llf_two_samples(p):
    """The Yeo-Johnson log-likelihood of a shifted gamma and a t sample at their own lambdas."""
    return sum(_yeojohnson_llf(lmb, d) for lmb, d in zip(p, DATA_YJ))


# https://github.com/ComputationalAstrologer/Optics/blob/master/AndersonDarlingTest.py
#x - is an array of samples from a univariate process
def _ADtest(x):
    """The Anderson-Darling A2 of a sample against the normal with its own mean and variance,
    ``norm.cdf`` of each standardized order statistic in a loop (the source's ``2k - 1``)."""
    assert x.ndim == 1
    u = np.sort(x)
    n = len(u)
    mu = np.mean(u)
    var = np.var(u, ddof=1)
    y = (u - mu)/np.sqrt(var)
    s = 0.
    for k in range(n):
        cdfk = stats.norm.cdf(y[k])
        s +=  (2*k - 1)*np.log(cdfk) + (2*(n-k) + 1)*np.log(1 - cdfk)
    s /= (-1*n)
    A2 = s - n
    return(A2)


Z_AD, W_AD = RS.randn(20), RS.randn(20)


@case([0.3, 0.5], 12, scale=0.05)
def anderson_darling_norm_cdf_loop(p):
    """A2 of 20 draws z + skew z^2 + mix w: sorting makes the order statistics traced."""
    skew, mix = p
    return _ADtest(Z_AD + skew * Z_AD ** 2 + mix * W_AD)


# ------------------------------------------------------------ learning
# https://github.com/vzhadeyev/IntroML/blob/master/Labs/Lab3/lab3.py
def _pegasos(feature_matrix, labels, T=5, eta=0.1, lam=0.1):
    """Runs the pegasos algorithm on a given set of data (the source's version with a fixed
    eta): a hinge step where y theta.x <= 1, else only the shrinkage."""
    X =np.hstack((feature_matrix, np.ones((feature_matrix.shape[0], 1))))
    theta = np.zeros_like(eta, shape=X.shape[1])
    for t in range(T):                                      # noqa: B007
        for x, y in zip(X, labels):
            if y*(np.dot(x, theta)) <= 1:
                theta -= eta*(-y*x + lam*theta)
            else:
                theta -= eta*lam*theta
    return theta[:-1], theta[-1]


X_PEG = np.vstack([RS.randn(6, 2) + [1.5, 1.0], RS.randn(6, 2) - [1.5, 1.0]])
Y_PEG = np.array([1.0] * 6 + [-1.0] * 6)


@case([0.1, 0.1], 13, scale=0.02)
def pegasos_hinge_branches(p):
    """Pegasos for 3 epochs over 12 points; the regularized hinge loss of its theta."""
    eta, lam = p
    theta, theta_0 = _pegasos(X_PEG, Y_PEG, T=3, eta=eta, lam=lam)
    margins = Y_PEG * (np.dot(X_PEG, theta) + theta_0)
    return np.mean(np.maximum(0.0, 1.0 - margins)) + 0.5 * lam * np.dot(theta, theta)


# https://github.com/mtasuku/tmiura/blob/master/lasso_ista_fista/omp.py
n = 10


def _OMP(b, A, k, delta):
    """Orthogonal matching pursuit: the argmax atom joins T, lstsq on A[:, T], to k + 1 atoms."""
#    x = np.zeros((n, 1))
    x = np.zeros_like(b, shape=n)
#    T = set()
    T = np.array([], dtype = int)
    r = b

    while np.size(T) <= k and np.linalg.norm(r)/np.linalg.norm(b) > delta:
        c = np.dot(np.transpose(A), r)
        s = np.argmax(np.abs(c))
#        T = np.r_[T, s]
        T = np.append(T, s)
        x[T] = np.linalg.lstsq(A[:,T],b)[0]
        r = b - np.dot(A, x)

    return x


A_OMP = RS.randn(8, n)
E_OMP = 0.05 * RS.randn(8)


@case([1.5, -2.0, 1.0, 1.2], 14, scale=0.05)
def omp_argmax_lstsq_support(p):
    """b = 1.5 a_1 - 2 a_4 + a_7 plus noise, the dictionary scaled by a traced gain (so that
    ``A[:, T]`` with a traced T indexes a traced array); OMP with k = 2 finds three atoms."""
    A = p[3] * A_OMP
    b = np.dot(A[:, [1, 4, 7]], p[:3]) + E_OMP
    x = _OMP(b, A, 2, 1e-7)
    return np.sum(x * np.arange(1.0, n + 1.0))


# https://github.com/lab-robotics-unipv/mds_experiments/blob/master/classical_mds.py
M = 2 # number of dimensions of output


def _classical_mds(prox_arr):
    """Torgerson's MDS: double centring, ``np.linalg.eig``, the M largest eigenpairs by
    ``sorted(zip(...), key=itemgetter(0), reverse=True)``, coordinates V sqrt(Lambda)."""
    # Set up the squared proximity matrix
    sqrd_prox_arr = prox_arr**2

    # Apply double centering
    sz = prox_arr.shape[0]
    cent_arr = np.eye(sz) - np.ones(sz)/sz
    B = -np.dot(cent_arr, sqrd_prox_arr).dot(cent_arr)/2

    # Determine the m largest eigenvalues and corresponding eigenvectors
    e_vals, e_vecs = np.linalg.eig(B)
    e_vals, e_vecs = map(np.stack, zip(*sorted(zip(e_vals, e_vecs.T), key=operator.itemgetter(0),
                                               reverse=True)[:M]))

    # configuration X of n points/coordinates that optimise the cost function
    coords = e_vecs.T.dot((np.eye(M)*e_vals)**0.5)
    return coords


SQRT_AT_ZERO = ("(np.eye(M) * e_vals) ** 0.5 takes x**0.5 at the exact zeros off the diagonal: "
                "reverse mode multiplies its infinite partial by eye's 0, nan (forward mode "
                "meets the zero tangent first: finite), as docs/higher.md's 0 * inf says")


@case([0.0, 0.0, 0.3, 3.0, 0.0, -0.2, 1.0, 2.0, 0.5, 0.5, -1.0, 1.2], 15, scale=0.05,
      no_hessian=SQRT_AT_ZERO, xfail=(("grad", SQRT_AT_ZERO), ("vmap", SQRT_AT_ZERO),
                                      ("jvp", SQRT_AT_ZERO)))
def classical_mds_eig_sorted_stress(p):
    """Four points in 3-D (traced), their distances, MDS into 2-D: the stress of the squared
    distances of the embedding (sqrt-free, as the source's check compares distances)."""
    X = p.reshape(4, 3)
    prox = np.sqrt(np.sum((X[:, None, :] - X[None, :, :]) ** 2, axis=-1) + np.eye(4)) - np.eye(4)
    coords = _classical_mds(prox)
    d2 = np.sum((coords[:, None, :] - coords[None, :, :]) ** 2, axis=-1)
    return np.sum((d2 - prox ** 2) ** 2)


# https://github.com/samhatfield/lorenz96-ensrf/blob/master/python/analysis.py
RHO = 1.4


def _assimilate(ensemble, obs_vec, Ro, sigma_o, noise):
    """The perturbed-observation EnKF analysis with inflation RHO (the draws ``randn(num_x)``
    made once, as ``noise``)."""
    ens_mean = np.mean(ensemble, axis=1)
    num_x, num_ens = ensemble.shape

    # Table of perturbed observations. Each column contains the
    # observation vector for this timestep with a bit of Gaussian-drawn
    # noise (different noise for each member)
    obs_table = np.empty_like(obs_vec, shape=(num_x, num_ens))
    for i in range(num_ens):
        obs_table[:,i] = obs_vec + sigma_o * noise[:, i]

    # 'Anomaly table'. Each column is that member's difference from the mean
    Ensfp = ensemble - ens_mean[:,np.newaxis]

    HEnsfp = Ensfp

    covfHt = (RHO/(num_ens-1)) * np.dot(Ensfp, np.transpose(HEnsfp))

    HcovfHt = (RHO/(num_ens-1)) * np.dot(HEnsfp, np.transpose(HEnsfp)) + Ro

    Gain = np.dot(covfHt, np.linalg.inv(HcovfHt))

    return ensemble + np.dot(Gain, obs_table - ensemble)


ENS0 = 8.0 + RS.randn(5, 6)
OBS_NOISE = RS.randn(5, 6)
OBS = 8.0 + RS.randn(5)


@case([8.0, 0.5, 0.2], 16, scale=0.05)
def enkf_lorenz96_perturbed_obs(p):
    """Six members of a 5-variable Lorenz-96 (forcing F traced) forecast by 4 Euler steps, then
    one analysis of observations (shifted by a traced bias) with error sigma_o: the analysis
    mean's squared norm."""
    F, sigma_o, bias = p
    ens = ENS0 + 0.0 * F
    for _ in range(4):
        d = (np.roll(ens, -1, axis=0) - np.roll(ens, 2, axis=0)) * np.roll(ens, 1, axis=0) - ens + F
        ens = ens + 0.01 * d
    Ro = sigma_o ** 2 * np.eye(5)
    analysis = _assimilate(ens, OBS + bias, Ro, sigma_o, OBS_NOISE)
    return np.sum(np.mean(analysis, axis=1) ** 2)


# ------------------------------------------------------------ determinants on lists of lists
# https://rosettacode.org/wiki/Permutations_by_swapping#Python
DEBUG = False # like the built-in __debug__


def _spermutations(n):
    """permutations by swapping. Yields: perm, sign"""
    sign = 1
    p = [[i, 0 if i == 0 else -1] # [num, direction]
         for i in range(n)]

    if DEBUG: print(' #', p)                                # noqa: E701
    yield tuple(pp[0] for pp in p), sign

    while any(pp[1] for pp in p): # moving
        i1, (n1, d1) = max(((i, pp) for i, pp in enumerate(p) if pp[1]),
                           key=operator.itemgetter(1))
        sign *= -1
        if d1 == -1:
            # Swap down
            i2 = i1 - 1
            p[i1], p[i2] = p[i2], p[i1]
            # If this causes the chosen element to reach the First or last
            # position within the permutation, or if the next element in the
            # same direction is larger than the chosen element:
            if i2 == 0 or p[i2 - 1][0] > n1:
                # The direction of the chosen element is set to zero
                p[i2][1] = 0
        elif d1 == 1:
            # Swap up
            i2 = i1 + 1
            p[i1], p[i2] = p[i2], p[i1]
            # If this causes the chosen element to reach the first or Last
            # position within the permutation, or if the next element in the
            # same direction is larger than the chosen element:
            if i2 == n - 1 or p[i2 + 1][0] > n1:
                # The direction of the chosen element is set to zero
                p[i2][1] = 0
        if DEBUG: print(' #', p)                            # noqa: E701
        yield tuple(pp[0] for pp in p), sign

        for i3, pp in enumerate(p):
            n3, d3 = pp
            if n3 > n1:
                pp[1] = 1 if i3 < i2 else -1
                if DEBUG: print(' # Set Moving')            # noqa: E701


# https://rosettacode.org/wiki/Determinant_and_permanent#Python
def _prod(lst):
    return reduce(operator.mul, lst, 1)


def _perm(a):
    n = len(a)
    r = range(n)
    s = permutations(r)
    return sum(_prod(a[i][sigma[i]] for i in r) for sigma in s)


def _det(a):
    n = len(a)
    r = range(n)
    s = _spermutations(n)
    return sum(sign * _prod(a[i][sigma[i]] for i in r)
               for sigma, sign in s)


@case([2.0, 9.0, 4.0, 1.0, 7.0, 5.0, 3.0, 6.0, 8.0, 2.5, 0.5, 4.0, 1.5, 3.5, 2.0, 6.0], 17,
      scale=0.05)
def leibniz_determinant_and_permanent(p):
    """det and perm of a 4 x 4 list of lists of traced numbers (``math.fsum`` there, ``sum``
    here), by Steinhaus-Johnson-Trotter signs and ``itertools.permutations``."""
    a = [[p[4 * i + j] for j in range(4)] for i in range(4)]
    return _det(a) + 0.01 * _perm(a)


# Sachin Joglekar's "Simultaneous Linear Equation Solver" (ActiveState Code recipe, 2012, MIT)
def _detj(l):                                               # noqa: E741
    n = len(l)
    if n > 2:
        i = 1
        sum = 0
        for t in range(n):
            d = {}
            for t1 in range(1, n):
                d[t1] = []
                for m in range(n):
                    if m != t:
                        d[t1].append(l[t1][m])
            l1 = [d[x] for x in d]
            sum += i * l[0][t] * _detj(l1)
            i *= -1
        return sum
    else:
        return l[0][0] * l[1][1] - l[0][1] * l[1][0]


def _simul(leq, lcoeff):
    D = _detj(leq)          # float(det(leq))
    if D == 0:
        return -1
    else:
        n = len(leq)
        result = []
        for t in range(n):
            lt = [x[:] for x in leq]
            for m in range(n):
                lt[m][t] = lcoeff[m]
            result.append(_detj(lt) / D)
        return result


@case([4.0, 1.0, 0.5, 1.0, 5.0, 1.0, 0.5, 1.0, 6.0, 1.0, 2.0, 3.0], 18, scale=0.05)
def cramer_rule_dict_minors(p):
    """A 3 x 3 system (matrix and right side traced) by Cramer's rule with cofactor expansion
    through a dict of rows: a weighted sum of the solution."""
    leq = [[p[3 * i + j] for j in range(3)] for i in range(3)]
    x = _simul(leq, list(p[9:]))
    return sum(xi * (k + 1.0) for k, xi in enumerate(x))


# ------------------------------------------------------------ kinematics
# https://github.com/CPShub/LectureMultiscaleMethods/blob/main/code/02_kinematics/F_eval.py
@case([1.2, 0.9, 0.3, 0.1], 19, scale=0.05)
def polar_decomposition_deviatoric_split(p):
    """F from the lecture's four widget values, R U by ``scipy.linalg.polar(F, side='right')``,
    the deviatoric and volumetric parts by det(U)^(1/3): their entries, weighted."""
    F_inp = list(p)
    F = np.eye(3) + 0.0 * p[0]
    F[0,0]=F_inp[0]
    F[1,1]=F_inp[1]
    F[1,0]=F_inp[2]
    F[0,1]=F_inp[3]

    #	Polar Decomposition
    R,U=sla.polar(F, side='right')

    #	Deviatoric / Volumetric Decomposition
    F_dv=np.matmul(U,np.eye(3))
    F_d=np.matmul(U,np.eye(3))/np.linalg.det(U)**(1/3)
    F_dr=np.matmul(R,F_d)
    F_drv=F_dr*np.linalg.det(U)**(1/3)
    w = np.arange(1.0, 10.0).reshape(3, 3)
    return np.sum(w * (F_dv + 2 * F_d + F_dr + F_drv)) + np.sum(R * w.T)


# ------------------------------------------------------------ special functions
# https://github.com/profxj/mhw_analysis/blob/main/papers/MHWS/Analysis/py/fitting.py
def _fit_discrete_powerlaw(xval:np.ndarray, xmin:int,
                           alph_mnx:tuple, npts=1000):
    """Perform a power-law fit to a distribution of
    discrete (integer) values: the log-likelihood -n log zeta(-alpha, xmin) + alpha sum log x
    on a grid of alpha, its argmax, the normalization there.
    """
    alpha = np.linspace(alph_mnx[0], alph_mnx[1], npts)

    # Zeta
    zeta = special.zeta(-1*alpha, xmin)


    # Natural log
    logL = -xval.size * np.log(zeta) + alpha*np.sum(np.log(xval))

    # Best
    imax = np.argmax(logL)
    best_alpha = alpha[imax]

    # Constant
    C = 1./special.zeta(-1*best_alpha, xmin)

    # Return
    return C, best_alpha, alpha, logL


X_ZIPF = RS.zipf(2.3, 60)


@case([-3.1, -1.7], 20, scale=0.02)
def discrete_powerlaw_zeta_grid(p):
    """The fit on 60 Zipf(2.3) draws over a 40-point grid of alpha between traced ends: the
    normalization, the best alpha and the largest log-likelihood per draw (zeta's derivative
    in its exponent)."""
    C, best_alpha, alpha, logL = _fit_discrete_powerlaw(X_ZIPF, 1, (p[0], p[1]), npts=40)
    return 10.0 * C + best_alpha + np.max(logL) / X_ZIPF.size


# ------------------------------------------------------------ more learning and signals
# https://github.com/sum-coderepo/Optimization-Python/blob/master/Classification/PSET14-01SVM.py
def _svm_sgd(X, Y, epochs=100000):
    """Hinge-loss SGD with the regularizer's weight 1/epoch decaying, eta = 1."""
    w = np.zeros_like(X, shape=len(X[0]))
    eta = 1

    for epoch in range(1,epochs):
        for i, x in enumerate(X):                           # noqa: B007
            if (Y[i]*np.dot(X[i], w)) < 1:
                w = w + eta * ( (X[i] * Y[i]) + (-2  *(1/epoch)* w) )
            else:
                w = w + eta * (-2  *(1/epoch)* w)

    return w


X_SVM = np.array([[7], [9], [5], [3], [-2], [0], [-8], [1],], dtype=float)
Y_SVM = np.array([1,1,1,1,-1,-1,-1,-1])


@case([0.3, 0.1], 21, scale=0.05)
def svm_sgd_decaying_regularizer(p):
    """The source's 1-D data scaled by s and shifted by b (traced), 2 epochs: w and the
    fraction-free hinge of w on the data."""
    s, b = p
    X = np.hstack([s * X_SVM, b + 0.0 * X_SVM])
    w = _svm_sgd(X, Y_SVM, epochs=3)
    return np.sum(w * np.array([1.0, 0.5])) + np.mean(np.maximum(0.0, 1 - Y_SVM * np.dot(X, w)))


# https://github.com/LCAV/dsp-labs/blob/master/scripts/lpc/utils.py
def _bac(x, p):
    # compute the biased autocorrelation for x up to lag p
    L = len(x)
    r = np.zeros_like(x, shape=p+1)
    for m in range(0, p+1):
        for n in range(0, L-m):
            r[m] += x[n] * x[n+m]
        r[m] /= float(L)
    return r


def _ld(r, p):
    # solve the toeplitz system using the Levinson-Durbin algorithm
    g = r[1] / r[0]
    a = np.stack([g])
    v = (1. - g * g) * r[0]
    for i in range(1, p):
        g = (r[i+1] - np.dot(a, r[1:i+1])) / v
        a = np.concatenate([np.stack([g]), a - g * a[i-1::-1]])  # np.r_[g, a - g * a[i-1::-1]]
        v *= 1. - g*g
    # return the coefficients of the A(z) filter
    return np.concatenate([[1.], -a[::-1]])                 # np.r_[1, -a[::-1]]


def _lpc(x, p):
    # compute p LPC coefficients for a speech segment
    return _ld(_bac(x, p), p)


T_LPC = np.arange(24) / 8000.0
NOISE_LPC = 0.05 * RS.randn(24)


@case([440.0, 0.3, 0.5], 22, scale=0.02)
def lpc_autocorrelation_levinson(p):
    """LPC of order 3 of a 24-sample frame: two tones (f, f * 2.5) with amplitudes traced and
    fixed noise: a weighted sum of the A(z) coefficients."""
    f, a2, a3 = p
    x = np.sin(2 * np.pi * f * T_LPC) + a2 * np.sin(5 * np.pi * f * T_LPC) + a3 * NOISE_LPC
    return np.sum(_lpc(x, 3) * np.array([0.0, 1.0, -0.5, 0.25]))


# https://github.com/ddsuhaimi/numerical_methods/blob/master/steffensen_method.py
def _steffensen_quotient(f, x, e, N):
    """Steffensen's root finder: Newton with f'(x) ~ (f(x + h) - f(x)) / h, h = f(x)."""
    def fprime(x, h):
        return (f(x + h) - f(x)) / h

    for i in range(N):                                      # noqa: B007
        # convergence check
        if abs(f(x)) < e:
            return x

        # update new value to check
        h = f(x)
        x = x - f(x) / fprime(x, h)

    # if we still cant satisfy convergence check,
    # the it must not converge
    if abs(f(x)) > e:
        return None


@case([2.0, 3.0, 5.0], 23, scale=0.03, no_hessian=LOOP, traces=2)
def steffensen_difference_quotient_root(p):
    """The root of (x - a)(x - b) from x0 = 5 (the source's test), e = 1e-13: its larger root,
    then a second solve from x0 / 2."""
    a, b, x0 = p
    f = lambda x: (x - a) * (x - b)                         # noqa: E731
    r1 = _steffensen_quotient(f, x0, 1e-13, 1000)
    r2 = _steffensen_quotient(f, 0.5 * x0, 1e-13, 1000)
    return r1 + 0.5 * r2


# https://github.com/Andrea21R/Econometrics-Course/blob/main/maxlik/likelihood/likelihood.py
def _ar1_loglike(parameters, data):
    """The exact AR(1) log-likelihood terms: the stationary first term (its precedence as
    written), then the conditional ones."""
    c = parameters[0]
    phi = parameters[1]
    sigma_2 = parameters[2]
    lik = np.zeros_like(parameters, shape=len(data))
    lik[0] = -0.5 * np.log(2 * np.pi) - 0.5 * np.log(sigma_2 / (1 - phi ** 2)) - (
        (1 - phi ** 2) / 2 * sigma_2) * (data[0] - c / (1 - phi)) ** 2
    for i in range(1, len(data)):
        lik[i] = -0.5 * np.log(2 * np.pi) - 0.5 * np.log(sigma_2) - 0.5 * (
                    data[i] - c - phi * data[i - 1]) ** 2 / sigma_2
    return lik


AR1_DATA = np.cumsum(RS.randn(30)) * 0.3 + 1.0


@case([0.2, 0.7, 0.5], 24, scale=0.05)
def ar1_exact_loglik_terms(p):
    """The summed AR(1) log-likelihood of 30 points at (c, phi, sigma^2)."""
    return np.sum(_ar1_loglike(p, AR1_DATA))


# ------------------------------------------------------------ finance
# Davis Edwards' generalized Black-Scholes (GBS.py, in https://github.com/dbrojas/optlib):
# ``_gbs``'s call branch, ``kirks_76``; ``math`` is NumPy's, the input checks are left out
def _gbs(option_type, fs, x, t, r, b, v):
    # -----------
    # Create preliminary calculations
    t__sqrt = np.sqrt(t)
    d1 = (np.log(fs / x) + (b + (v * v) / 2) * t) / (v * t__sqrt)
    d2 = d1 - v * t__sqrt

    if option_type == "c":
        # it's a call
        value = fs * np.exp((b - r) * t) * stats.norm.cdf(d1) - x * np.exp(-r * t) * \
            stats.norm.cdf(d2)
        delta = np.exp((b - r) * t) * stats.norm.cdf(d1)
        gamma = np.exp((b - r) * t) * stats.norm.pdf(d1) / (fs * v * t__sqrt)
        theta = -(fs * v * np.exp((b - r) * t) * stats.norm.pdf(d1)) / (2 * t__sqrt) - (
            b - r) * fs * np.exp((b - r) * t) * stats.norm.cdf(d1) - r * x * np.exp(
            -r * t) * stats.norm.cdf(d2)
        vega = np.exp((b - r) * t) * fs * t__sqrt * stats.norm.pdf(d1)
        rho = x * t * np.exp(-r * t) * stats.norm.cdf(d2)
    else:
        raise NotImplementedError("the put branch is not copied here")

    return value, delta, gamma, theta, vega, rho


def _kirks_76(option_type, f1, f2, x, t, r, v1, v2, corr):
    # create the modifications to the GBS formula to handle spread options
    b = 0
    fs = f1 / (f2 + x)
    f_temp = f2 / (f2 + x)
    v = np.sqrt((v1 ** 2) + ((v2 * f_temp) ** 2) - (2 * corr * v1 * v2 * f_temp))
    my_values = _gbs(option_type, fs, 1.0, t, r, b, v)

    # Have the GBS function return a value
    return my_values[0] * (f2 + x), 0, 0, 0, 0, 0


@case([122.0, 120.0, 3.0, 0.2, 0.25, 0.5], 25, scale=0.03)
def kirk_spread_call_gbs(p):
    """A crack-spread call by Kirk's approximation (f1, f2, strike, two vols, correlation
    traced; t = 0.5, r = 2%), plus the GBS Greeks of a call at the same inputs."""
    f1, f2, x, v1, v2, corr = p
    value = _kirks_76("c", f1, f2, x, 0.5, 0.02, v1, v2, corr)[0]
    greeks = _gbs("c", f1, f2 + x, 0.5, 0.02, 0.0, v1)
    return value + sum(g * w for g, w in zip(greeks[1:], (1.0, 10.0, 0.01, 0.1, 0.05)))


# ------------------------------------------------------------ a metric with scipy.linalg
# https://github.com/mseitzer/pytorch-fid/blob/master/src/pytorch_fid/fid_score.py
def _calculate_frechet_distance(mu1, sigma1, mu2, sigma2, eps=1e-6):
    """Numpy implementation of the Frechet Distance.
    The Frechet distance between two multivariate Gaussians X_1 ~ N(mu_1, C_1)
    and X_2 ~ N(mu_2, C_2) is
            d^2 = ||mu_1 - mu_2||^2 + Tr(C_1 + C_2 - 2*sqrt(C_1*C_2)).
    """

    mu1 = np.atleast_1d(mu1)
    mu2 = np.atleast_1d(mu2)

    sigma1 = np.atleast_2d(sigma1)
    sigma2 = np.atleast_2d(sigma2)

    assert mu1.shape == mu2.shape, \
        'Training and test mean vectors have different lengths'
    assert sigma1.shape == sigma2.shape, \
        'Training and test covariances have different dimensions'

    diff = mu1 - mu2

    # Product might be almost singular
    covmean, _ = sla.sqrtm(sigma1.dot(sigma2), disp=False)
    if not np.isfinite(covmean).all():
        msg = ('fid calculation produces singular product; '                   # noqa: UP031
               'adding %s to diagonal of cov estimates') % eps
        print(msg)
        offset = np.eye(sigma1.shape[0]) * eps
        covmean = sla.sqrtm((sigma1 + offset).dot(sigma2 + offset))

    # Numerical error might give slight imaginary component
    if np.iscomplexobj(covmean):
        if not np.allclose(np.diagonal(covmean).imag, 0, atol=1e-3):
            m = np.max(np.abs(covmean.imag))
            raise ValueError('Imaginary component {}'.format(m))   # noqa: UP032
        covmean = covmean.real

    tr_covmean = np.trace(covmean)

    return (diff.dot(diff) + np.trace(sigma1)
            + np.trace(sigma2) - 2 * tr_covmean)


FEATS_FID = RS.randn(2, 40, 3) @ np.array([[1.0, 0.3, 0.0], [0.0, 0.8, 0.2], [0.1, 0.0, 0.6]])


@case([0.2, 1.3, 0.9], 26, scale=0.05)
def frechet_distance_sqrtm(p):
    """The Frechet distance of two sets of 40 three-dimensional features, the second shifted
    by a and scaled by b, the first scaled by c: means, ``np.cov``, ``sqrtm(disp=False)``."""
    a, b, c = p
    f1, f2 = c * FEATS_FID[0], b * FEATS_FID[1] + a
    return _calculate_frechet_distance(np.mean(f1, axis=0), np.cov(f1, rowvar=False),
                                       np.mean(f2, axis=0), np.cov(f2, rowvar=False))
