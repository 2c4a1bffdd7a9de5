"""Array programs, part twelve: NumPy and SciPy as their users write them, one vector each.

Signal processing (windows by ``np.hanning``, ``np.hamming``, ``np.blackman``,
``np.bartlett`` and ``np.kaiser``, a windowed-sinc FIR by ``np.sinc``, a DFT by
``np.outer`` of cosines, ``np.convolve`` modes, smoothing on ``np.pad``'s
``reflect``, ``wrap``, ``symmetric``, ``edge``, ``linear_ramp`` and ``mean``
modes, ``np.unwrap`` of a phase, rolling windows by ``sliding_window_view``),
polynomials (``np.polyval``/``np.polyder``/``np.polyint``, ``np.polymul``,
``np.polyfit`` with weights, NumPy's ``polynomial`` and ``chebyshev`` modules
on a traced grid), interpolation (``np.interp`` with ``period``, ``left`` and
``right``), statistics (``np.histogram`` with weights and ``density``,
``np.average`` with ``keepdims``, ``np.cov`` with ``fweights``/``aweights``,
``np.corrcoef`` of two vectors, ``np.median`` and ``np.ptp`` over an axis, the
logcdf, logsf, cdf and ppf of ``stats``'s distributions (``chi2`` too), a probit, a Poisson
GLM, a multivariate normal, ``logsumexp`` with ``b=``), linear algebra (``pinv``,
``lstsq``, nuclear and induced norms, ``matrix_power``, ``qr(mode="r")``,
``slogdet`` of a stack, ``eigh`` with ``UPLO``, Yule-Walker on ``toeplitz``,
``cho_factor(lower=True)``, ``solve_triangular(trans="T")``, ``multi_dot``,
SciPy's ``qr``, ``svd``, ``eigh``, ``lstsq`` and ``pinv``),
special functions (``gammaln``, ``betaln``, ``erfinv``, ``ndtri``,
``log_ndtr``, ``xlogy``/``xlog1py``, ``expit``/``logit``, ``softmax`` over an
axis, SciPy's ``boxcox``, ``boxcox1p``, ``huber``, ``pseudo_huber``,
``rgamma`` and ``erfcinv``), array manipulation (``np.roll``/``np.diff``/``np.cumsum`` over axes,
``np.cumulative_sum(include_initial=True)``, ``np.meshgrid(indexing="ij")``,
``np.kron``, ``np.tril``/``np.triu`` with ``k``, top-k by ``np.argsort`` and
``np.take_along_axis``, ``np.partition``, ``np.searchsorted``, groups by a
constant ``np.unique(return_inverse=True)``, ``np.ix_``, ``np.rot90``), and
keyword forms (``where=`` of ``np.sum``/``np.mean``/``np.max`` with
``initial=``, ``keepdims=``, ``ddof=``, ``dtype=``), float32 and integer data.

Every program is a function of one float vector (float32 where the name says
so). A ``Case`` gives its inputs, the relative tolerance of its gradient
against central differences, and why a Hessian is not checked (``""``: it is).
"""

from __future__ import annotations

import numpy as np
import scipy.special
from program_cases import Case, registrar

import tapegrad.scipy.linalg as sla
import tapegrad.scipy.special as special
import tapegrad.scipy.stats as stats

PROGRAMS: dict[str, Case] = {}
case = registrar(PROGRAMS)


RS = np.random.RandomState(12)
F32 = "float32: central differences cannot check a float32 Hessian"


# ------------------------------------------------------------ signal processing
T_SIG = np.arange(16)
TONE = np.sin(2 * np.pi * 3 * T_SIG / 16) + 0.3 * RS.randn(16)


@case([1.0, 0.0, 0.5], 1, scale=0.1)
def hann_window_dft_power(p):
    """The power spectrum of an np.hanning-windowed tone, by a DFT from np.outer of cosines."""
    x = p[0] * TONE + p[1] + p[2] * np.cos(2 * np.pi * T_SIG / 16)
    w = np.hanning(16) * x
    k = np.outer(np.arange(9), T_SIG) * (2 * np.pi / 16)
    re, im = np.cos(k) @ w, -np.sin(k) @ w
    power = (re ** 2 + im ** 2) / np.sum(np.hanning(16) ** 2)
    return np.sum(power[1:] * np.arange(1.0, 9.0)) / np.sum(power)


@case([0.25, 1.0], 2, scale=0.05)
def windowed_sinc_lowpass(p):
    """A lowpass FIR by np.sinc times np.hamming, applied by np.convolve(mode="valid")."""
    fc, gain = p
    n = np.arange(9) - 4
    h = 2 * fc * np.sinc(2 * fc * n) * np.hamming(9)
    h = gain * h / np.sum(h)
    y = np.convolve(TONE, h, mode="valid")
    return np.sum(y ** 2) + np.sum(np.abs(h[:4] - h[:4:-1]))


@case([0.5, 0.5, 0.5, 0.5], 3, scale=0.1)
def window_blend_blackman_bartlett_kaiser(p):
    """A taper blended from np.blackman, np.bartlett and np.kaiser, its leakage by np.correlate."""
    taper = p[0] * np.blackman(16) + p[1] * np.bartlett(16) + p[2] * np.kaiser(16, 4.0)
    y = taper * TONE
    ac = np.correlate(y, y, mode="full")
    return ac[15] / np.sum(taper ** 2) + p[3] * np.sum(ac[:15] ** 2) / ac[15] ** 2


@case(np.sin(np.linspace(0, 3, 12)) + 1.0, 4, scale=0.1)
def smoothing_pad_modes(x):
    """A three-tap smoother on np.pad's reflect, symmetric, wrap and edge modes."""
    k = np.array([0.25, 0.5, 0.25])
    out = 0.0
    for i, mode in enumerate(("reflect", "symmetric", "wrap", "edge")):
        y = np.convolve(np.pad(x, 1, mode=mode), k, mode="valid")
        out = out + (i + 1) * np.sum((y - x) ** 2)
    return out


@case([1.0, 2.0, 0.5, 1.5, 0.7, 1.1, 0.9], 5, scale=0.1)
def pad_linear_ramp_mean(x):
    """np.pad with mode="linear_ramp" (end values), "mean" (stat_length) and "constant"."""
    a = np.pad(x, (2, 3), mode="linear_ramp", end_values=(0.0, 1.0))
    b = np.pad(x, 2, mode="mean", stat_length=3)
    c = np.pad(x, (1, 1), constant_values=(x[0], -1.0))
    return np.sum(a ** 2) + np.sum(b * np.arange(11.0)) + np.sum(c[:-1] * c[1:])


PHASE = np.cumsum(np.full(12, 1.1))


@case(np.linspace(0.9, 1.3, 12), 6, scale=0.02)
def unwrap_phase_frequency(r):
    """An instantaneous frequency: a wrapped phase by np.arctan2, np.unwrap, then np.diff."""
    z_re, z_im = r * np.cos(PHASE), r * np.sin(PHASE)
    phi = np.unwrap(np.arctan2(z_im, z_re))
    return np.sum(np.diff(phi) * r[1:]) + np.sum(np.log(r))


@case(np.cos(np.linspace(0, 5, 14)) + 2.0, 7, scale=0.1)
def rolling_window_stats(x):
    """Rolling mean, std and max by np.lib.stride_tricks.sliding_window_view."""
    win = np.lib.stride_tricks.sliding_window_view(x, 4)
    return np.sum(win.mean(axis=-1) ** 2) + np.sum(win.std(axis=-1)) + np.sum(win.max(axis=1))


@case(np.linspace(0.2, 1.0, 10), 8, scale=0.1)
def derivative_filters_gradient(x):
    """Second-order np.gradient (edge_order=2) against np.ediff1d with to_begin and to_end."""
    g2 = np.gradient(x, 0.1, edge_order=2)
    d = np.ediff1d(x, to_begin=x[0], to_end=[0.0, -x[-1]])
    return np.sum(g2 ** 2) + np.sum(d * np.arange(12.0))


# ------------------------------------------------------------ polynomials
@case([0.5, -1.0, 2.0, 0.3], 9, scale=0.1)
def polyval_der_int(c):
    """A cubic by np.polyval at traced points, its slope by np.polyder, its area by np.polyint."""
    xs = np.linspace(-1, 1, 7) * c[3] + 0.1
    y = np.polyval(c[:3], xs)
    slope = np.polyval(np.polyder(c[:3]), xs)
    area = np.diff(np.polyval(np.polyint(c[:3]), np.array([-1.0, 1.0])))[0]
    return np.sum(y ** 2) + np.sum(slope) + area


@case([1.0, -0.5, 0.25, 2.0, 1.0], 10, scale=0.1)
def polymul_polyadd_compose(c):
    """Products and sums of traced polynomials: np.polymul, np.polyadd and np.polysub."""
    p, q = c[:3], c[3:]
    prod = np.polymul(p, q)
    s = np.polyadd(prod, np.polysub(p, q))
    return np.sum(np.polyval(s, np.array([-0.5, 0.2, 1.3])) ** 2) + np.sum(prod ** 2)


T_W = np.linspace(0, 2, 10)
Y_W = 1.0 + 0.5 * T_W - 0.3 * T_W ** 2 + 0.05 * RS.randn(10)


@case(np.linspace(1.0, 2.0, 10), 11, scale=0.1)
def polyfit_weighted_residuals(w):
    """A quadratic fit by np.polyfit(w=traced weights), its fitted values by np.polyval."""
    coef = np.polyfit(T_W, Y_W, 2, w=w)
    fitted = np.polyval(coef, T_W)
    return np.sum((w * (Y_W - fitted)) ** 2) + coef @ np.array([1.0, 2.0, 3.0])


@case(np.linspace(-0.9, 0.9, 8), 12, scale=0.05)
def numpy_polynomial_modules(x):
    """NumPy's polynomial.polynomial.polyval, chebyshev.chebval and legendre.legval at traced x."""
    p = np.polynomial.polynomial.polyval(x, [1.0, -0.5, 0.25])
    t = np.polynomial.chebyshev.chebval(x, [0.0, 1.0, 0.5, 0.2])
    leg = np.polynomial.legendre.legval(x, [0.3, 0.0, 1.0])
    return np.sum(p * t) + np.sum(leg ** 2)


# ------------------------------------------------------------ interpolation
X_KNOTS = np.linspace(0.0, 6.0, 7)


@case(np.sin(X_KNOTS) + 2.0, 13, scale=0.05)
def interp_periodic_and_bounds(fp):
    """np.interp with period= on a closed curve, and with left=/right= traced beyond the ends."""
    q = np.array([0.3, 2.7, 6.5, 8.2, -1.0])
    periodic = np.interp(q, X_KNOTS, fp, period=7.0)
    bounded = np.interp(q, X_KNOTS, fp, left=fp[0] * 0.5, right=2 * fp[-1])
    return np.sum(periodic ** 2) + np.sum(bounded * np.arange(1.0, 6.0))


# ------------------------------------------------------------ statistics
DATA_H = RS.rand(30) * 3.0
EDGES = np.array([0.0, 0.5, 1.2, 2.0, 3.0])


@case(np.exp(0.2 * RS.randn(30)), 14, scale=0.1)
def histogram_weighted_density(w):
    """A weighted, density-normalized np.histogram on constant edges, and its entropy."""
    dens, edges = np.histogram(DATA_H, bins=EDGES, weights=w, density=True)
    mass = dens * np.diff(edges)
    counts, _ = np.histogram(DATA_H, bins=4, range=(0.0, 3.0), weights=w ** 2)
    return -np.sum(mass * np.log(mass)) + 0.01 * np.sum(counts)


PANEL = RS.randn(5, 6)


@case(np.linspace(0.5, 1.5, 6), 15, scale=0.2)
def average_weights_keepdims(w):
    """Row means by np.average(axis=1, weights=, keepdims=True), then centred row spreads."""
    mu = np.average(PANEL, axis=1, weights=w, keepdims=True)
    spread = np.average((PANEL - mu) ** 2, axis=-1, weights=w)
    return np.sum(np.sqrt(spread)) + np.sum(mu ** 2)


FREQ = np.array([1, 2, 1, 3, 1, 2, 2, 1])
OBS2 = RS.randn(3, 8)


@case(np.linspace(0.8, 1.2, 8), 16, scale=0.2)
def cov_fweights_aweights(a):
    """np.cov with integer fweights and traced aweights, and bias=True, ddof=0."""
    C = np.cov(OBS2, fweights=FREQ, aweights=a)
    B = np.cov(OBS2 * a, bias=True)
    D = np.cov(OBS2[0] * a, OBS2[1], ddof=0)
    return np.sum(C ** 2) + np.trace(B) + D[0, 1]


@case(RS.randn(12), 17)
def corrcoef_two_vectors(x):
    """np.corrcoef(x, y) of two vectors and of a stacked pair (rowvar=False)."""
    y = np.cos(np.arange(12.0))
    r = np.corrcoef(x, y)[0, 1]
    R = np.corrcoef(np.stack([x, x ** 2, y], axis=1), rowvar=False)
    return r + np.sum(np.triu(R, 1) ** 2)


@case(RS.randn(15) + 1.0, 18)
def median_ptp_axis(x):
    """np.median and np.ptp over axis 1 with keepdims, np.median of the flat array."""
    X = x.reshape(3, 5)
    med = np.median(X, axis=1, keepdims=True)
    mad = np.median(np.abs(X - med), axis=1)
    return np.sum(mad) + np.sum(np.ptp(X, axis=1, keepdims=True) ** 2) + np.median(x)


X_PROBIT = RS.randn(20, 3)
Y_PROBIT = (X_PROBIT @ np.array([1.0, -0.5, 0.3]) + 0.5 * RS.randn(20) > 0).astype(float)


@case([0.8, -0.4, 0.2, 0.1], 19, scale=0.2)
def probit_logcdf_logsf(w):
    """A probit regression's log-likelihood by stats.norm.logcdf and stats.norm.logsf."""
    eta = X_PROBIT @ w[:3] + w[3]
    ll = Y_PROBIT * stats.norm.logcdf(eta) + (1 - Y_PROBIT) * stats.norm.logsf(eta)
    return -np.sum(ll) + 0.5 * np.sum(w ** 2)


Y_ROBUST = 2.0 + RS.standard_cauchy(15) * 0.3


@case([2.0, 0.0, 0.0, 0.0], 20, scale=0.1)
def robust_location_families(p):
    """Location fits by stats.cauchy.logpdf, stats.laplace.logpdf and stats.logistic.logpdf."""
    mu, ls1, ls2, ls3 = p
    return -(np.sum(stats.cauchy.logpdf(Y_ROBUST, mu, np.exp(ls1) * 0.3))
             + np.sum(stats.laplace.logpdf(Y_ROBUST, loc=mu, scale=np.exp(ls2)))
             + np.sum(stats.logistic.logpdf(Y_ROBUST, mu, np.exp(ls3))))


TIMES = RS.exponential(2.0, size=12)
CENSORED = RS.rand(12) < 0.3


@case([0.7, 0.1], 21, scale=0.1)
def censored_exponential_survival(p):
    """Right-censored survival times: stats.expon.logpdf for events, logsf for the censored."""
    scale = np.exp(p[0])
    t = TIMES - 0.01 * p[1]
    ll = np.where(CENSORED, stats.expon.logsf(t, scale=scale), stats.expon.logpdf(t, scale=scale))
    return -np.sum(ll) + stats.expon.cdf(1.0, scale=scale)


X_GLM = RS.randn(15, 2)
COUNTS = RS.poisson(np.exp(0.5 + X_GLM @ np.array([0.3, -0.2])))


@case([0.5, 0.3, -0.2], 22, scale=0.1)
def poisson_glm_logpmf(w):
    """A Poisson GLM's log-likelihood by stats.poisson.logpmf with log link, and a pmf."""
    rate = np.exp(X_GLM @ w[1:] + w[0])
    return -np.sum(stats.poisson.logpmf(COUNTS, rate)) + np.sum(stats.poisson.pmf(0, rate))


@case([2.0, 3.0, 1.5], 23, scale=0.05)
def beta_gamma_cdf_ppf(p):
    """Beta and gamma tail probabilities by stats.beta.cdf, stats.gamma.sf, and normal ppf."""
    s, loc, scale = p
    grid = np.array([0.1, 0.35, 0.6, 0.9]) ** (s / 2)
    prob = stats.beta.cdf(grid, 2.0, 3.0, loc=0.1 * (loc - 3.0))
    tail = stats.gamma.sf(np.array([1.0, 2.5, 4.0]), 2.5, scale=scale)
    z = stats.norm.ppf(prob, loc=0.0, scale=1.0)
    return np.sum(prob) + np.sum(np.log(tail)) + np.sum(z ** 2)


GROUPS_CHI = RS.randn(4, 9) * np.array([[1.0], [1.3], [0.8], [1.1]])


@case([0.0, 0.2, -0.1], 61, scale=0.2)
def chi2_variance_test(p):
    """A variance test per group: stats.chi2.logsf of (n - 1) s^2 / sigma^2, and its logpdf."""
    sigma2 = np.exp(p[0])
    X = GROUPS_CHI + p[1] * np.arange(9.0) / 9 + p[2]
    stat = (X.shape[1] - 1) * np.var(X, axis=1, ddof=1) / sigma2
    return -np.sum(stats.chi2.logsf(stat, 8.0)) - np.sum(stats.chi2.logpdf(stat, 8.0))


SAMPLE_T = RS.standard_t(5, size=10)


@case([0.0, 1.0, 0.5], 24, scale=0.05)
def t_cdf_two_sided_pvalue(p):
    """Two-sided p-values of standardized data by stats.t.sf and the t cdf by SciPy's stdtr."""
    loc, scale, shift = p
    df = 5.0
    z = (SAMPLE_T - loc) / scale + 0.1 * shift
    pv = 2 * stats.t.sf(np.abs(z), df)
    return np.sum(np.log(pv)) + np.sum(scipy.special.stdtr(df, z))


Y_MVN = RS.randn(8, 3)


@case([0.1, -0.2, 0.0, 1.0, 0.3, 1.2, 0.1, -0.2, 0.9], 25, scale=0.1)
def multivariate_normal_logpdf(p):
    """stats.multivariate_normal.logpdf with a traced mean and a covariance from a factor."""
    L = np.tril(np.outer(p[3:6], p[6:9])) + np.eye(3)
    cov = L @ L.T
    return -np.sum(stats.multivariate_normal.logpdf(Y_MVN, mean=p[:3], cov=cov))


@case(RS.randn(8), 26)
def logsumexp_b_weights(x):
    """special.logsumexp with b= weights (a log of a weighted sum) over an axis, and keepdims."""
    X = x.reshape(2, 4)
    b = np.array([1.0, 2.0, 0.5, 1.0])
    lse = special.logsumexp(X, axis=1, b=b)
    keep = special.logsumexp(X, axis=0, keepdims=True)
    return np.sum(lse) + np.sum(keep ** 2) + special.logsumexp(x)


# ------------------------------------------------------------ linear algebra
A_PINV = RS.randn(6, 3)


@case(RS.randn(6), 27)
def pinv_least_norm(y):
    """The least-squares solution by np.linalg.pinv against np.linalg.lstsq's, and its residual."""
    x1 = np.linalg.pinv(A_PINV) @ y
    x2, res, rank, sv = np.linalg.lstsq(A_PINV, y, rcond=None)
    return np.sum((x1 - x2) ** 2) * 1e6 + res[0] + np.sum(x1 * np.arange(1.0, 4.0))


@case(RS.randn(12), 28, scale=0.1)
def matrix_norms_nuc_inf(a):
    """A matrix's nuclear, Frobenius, 1- and inf-norms by np.linalg.norm, svd values too."""
    A = a.reshape(4, 3)
    s = np.linalg.svd(A, compute_uv=False)
    return (np.linalg.norm(A, "nuc") + np.linalg.norm(A, "fro") + np.linalg.norm(A, 1)
            + np.linalg.norm(A, np.inf) + s[0] / s[-1])


@case([0.6, 0.3, 0.1, 0.2, 0.5, 0.3, 0.1, 0.2, 0.7], 29, scale=0.1)
def markov_matrix_power(p):
    """A Markov chain's three- and eight-step distributions by np.linalg.matrix_power."""
    P = np.abs(p.reshape(3, 3))
    P = P / P.sum(axis=1, keepdims=True)
    pi0 = np.array([1.0, 0.0, 0.0])
    return np.sum((pi0 @ np.linalg.matrix_power(P, 3)) ** 2) + \
        np.linalg.matrix_power(P, 8)[2, 0]


@case(RS.randn(15), 30, scale=0.1)
def qr_r_mode_gram(a):
    """np.linalg.qr(mode="r"): R's diagonal gives the volume; Q from the reduced mode."""
    A = a.reshape(5, 3)
    R = np.linalg.qr(A, mode="r")
    Q, _ = np.linalg.qr(A)
    return np.sum(np.log(np.abs(np.diag(R)))) + np.sum(Q[:, 0] * np.arange(5.0))


@case([0.5, 0.1, -0.2, 0.3, 0.0, 0.2], 31, scale=0.2)
def slogdet_stack(p):
    """np.linalg.slogdet of a (3, 2, 2) stack; the signs and log-determinants both used."""
    k = np.arange(1.0, 4.0)[:, None, None]
    A = np.eye(2) * (1.0 + k) + k * np.outer(p[:2], p[2:4]) + p[4:] @ np.ones(2)
    sign, logdet = np.linalg.slogdet(A)
    return np.sum(sign * logdet) + np.sum(np.linalg.det(A) ** 2) * 0.01


@case(RS.randn(9), 32, scale=0.1)
def eigh_upper_rayleigh(a):
    """np.linalg.eigh(UPLO="U") on an upper triangle only; the smallest Rayleigh quotient."""
    M = np.triu(a.reshape(3, 3)) + 3.0 * np.eye(3)
    w, V = np.linalg.eigh(M, UPLO="U")
    v = V[:, 0] * np.sign(V[0, 0])
    S = np.triu(M) + np.triu(M, 1).T
    return w[0] + v @ S @ v + np.sum(np.linalg.eigvalsh(S, UPLO="L") ** 2)


Y_AR = np.cumsum(RS.randn(40)) * 0.1


@case([1.0, 0.0], 33, scale=0.1)
def yule_walker_ar3_autocovariance(p):
    """AR(3) by Yule-Walker: autocovariances by slices, sla.toeplitz, np.linalg.solve."""
    y = p[0] * (Y_AR - np.mean(Y_AR)) + p[1] * np.linspace(-1, 1, 40)
    acov = np.stack([np.mean(y[: 40 - k] * y[k:]) for k in range(4)])
    phi = np.linalg.solve(sla.toeplitz(acov[:3]), acov[1:])
    sigma2 = acov[0] - phi @ acov[1:]
    return np.sum(phi ** 2) + np.log(sigma2)


X_GP = np.linspace(0, 3, 8)
Y_GP = np.sin(2 * X_GP) + 0.1 * RS.randn(8)


@case([0.0, -0.5, -2.0], 34, scale=0.1)
def gp_cho_factor_lower(p):
    """A GP's negative log marginal likelihood by sla.cho_factor(lower=True) and cho_solve."""
    amp, ls, noise = np.exp(p)
    K = amp * np.exp(-0.5 * np.subtract.outer(X_GP, X_GP) ** 2 / ls ** 2) + noise * np.eye(8)
    c, lower = sla.cho_factor(K, lower=True)
    alpha = sla.cho_solve((c, lower), Y_GP)
    return 0.5 * Y_GP @ alpha + np.sum(np.log(np.diag(c)))


@case([2.0, 0.5, -0.3, 1.5, 0.2, 1.8], 35, scale=0.1)
def solve_triangular_trans(p):
    """Substitution by sla.solve_triangular(trans="T"), and with unit_diagonal."""
    U = np.zeros((3, 3))
    U = U + np.diag(p[[0, 3, 5]]) + np.diag(p[[1, 4]], 1) + np.diag(p[2:3], 2)
    b = np.array([1.0, -1.0, 2.0])
    x = sla.solve_triangular(U, b, trans="T")
    y = sla.solve_triangular(U.T, b, lower=True, unit_diagonal=True)
    return np.sum(x ** 2) + np.sum(y * np.arange(1.0, 4.0))


@case(RS.randn(12), 36, scale=0.1)
def multi_dot_vecdot_chain(a):
    """A chain of products by np.linalg.multi_dot, row inner products by np.vecdot."""
    A, B, C = a[:6].reshape(2, 3), a[6:].reshape(3, 2), np.array([[1.0, 0.5], [0.0, 2.0]])
    M = np.linalg.multi_dot([A, B, C])
    return np.sum(M ** 2) + np.sum(np.vecdot(A, B.T)) + np.trace(np.linalg.multi_dot([B, A]))


# ------------------------------------------------------------ special functions
NB_COUNTS = RS.negative_binomial(3, 0.4, size=12)


@case([1.0, -0.4], 37, scale=0.1)
def negative_binomial_gammaln(p):
    """A negative binomial's log-likelihood by SciPy's gammaln and xlogy, log-parametrized."""
    r, mu = np.exp(p[0]), np.exp(p[1] + 1.0)
    ll = (scipy.special.gammaln(NB_COUNTS + r) - scipy.special.gammaln(r)
          - scipy.special.gammaln(NB_COUNTS + 1.0) + scipy.special.xlogy(r, r / (r + mu))
          + scipy.special.xlogy(NB_COUNTS, mu / (r + mu)))
    return -np.sum(ll)


@case([0.2, 0.45, 0.7, 0.9], 38, scale=0.05)
def probit_transforms_erfinv_ndtri(u):
    """Gaussian copula scores: ndtri and sqrt(2) erfinv(2u - 1) agree; log_ndtr of them."""
    z1 = scipy.special.ndtri(u)
    z2 = np.sqrt(2.0) * special.erfinv(2 * u - 1)
    return np.sum(z1 * z2) + np.sum(special.log_ndtr(z1)) + np.sum(scipy.special.erf(z2) ** 2)


Y_BIN = (RS.rand(14) < 0.4).astype(float)
X_BIN = RS.randn(14, 2)


@case([0.2, -0.3, 0.1], 39, scale=0.2)
def binary_cross_entropy_xlogy(w):
    """Binary cross-entropy by expit, xlogy and xlog1py; the logit of the mean prediction."""
    prob = scipy.special.expit(X_BIN @ w[:2] + w[2])
    ll = scipy.special.xlogy(Y_BIN, prob) + scipy.special.xlog1py(1 - Y_BIN, -prob)
    return -np.mean(ll) + scipy.special.logit(np.mean(prob)) ** 2 + np.sum(special.logit(prob))


@case(0.5 * RS.randn(12), 40)
def softmax_axis0_temperature(z):
    """special.softmax over axis 0 with a temperature, and log_softmax's entropy over axis 1."""
    Z = z.reshape(3, 4)
    P = special.softmax(Z / 0.7, axis=0)
    L = special.log_softmax(Z, axis=1)
    return np.sum(P[0] * np.arange(4.0)) - np.sum(np.exp(L) * L)


@case([1.5, 2.5, 0.8], 41, scale=0.05)
def betaln_digamma_dirichlet(a):
    """A Dirichlet's entropy by betaln-style gammaln sums and digamma; SciPy's betaln too."""
    a0 = np.sum(a)
    logB = np.sum(scipy.special.gammaln(a)) - scipy.special.gammaln(a0)
    H = logB + (a0 - 3) * scipy.special.digamma(a0) - np.sum((a - 1) * scipy.special.digamma(a))
    return H + scipy.special.betaln(a[0], a[1]) + special.multigammaln(a[2] + 2.0, 2)


SKEWED = RS.lognormal(0.5, 0.4, size=14)


@case([0.3, 0.1], 62, scale=0.2)
def boxcox_profile_likelihood(p):
    """The Box-Cox profile log-likelihood in lmbda by SciPy's boxcox and boxcox1p ufuncs."""
    lmbda, shift = p
    y = scipy.special.boxcox(SKEWED, lmbda)
    z = scipy.special.boxcox1p(SKEWED * 0.5, lmbda + shift)
    n = SKEWED.size
    return -(-0.5 * n * np.log(np.var(y)) + (lmbda - 1) * np.sum(np.log(SKEWED))) \
        + 0.1 * np.var(z)


X_HUB = RS.randn(16, 2)
Y_HUB = X_HUB @ np.array([1.0, -0.5]) + RS.standard_t(2, size=16) * 0.3


@case([0.8, -0.3, 1.0], 63, scale=0.1)
def robust_regression_scipy_huber(p):
    """A robust regression by SciPy's huber and pseudo_huber, delta a parameter too."""
    r = Y_HUB - X_HUB @ p[:2]
    return np.mean(scipy.special.pseudo_huber(p[2], r)) + np.mean(scipy.special.huber(0.5, r)) \
        + 0.01 * np.sum(scipy.special.rgamma(p[2] + 1.0)) \
        + np.sum(scipy.special.erfcinv(np.array([0.2, 0.9]) * p[2] / 1.1))


# ------------------------------------------------------------ array manipulation
@case(RS.randn(12), 42)
def roll_diff_cumsum_axes(x):
    """np.roll, np.diff and np.cumsum along each axis of a (3, 4) array, and both at once."""
    X = x.reshape(3, 4)
    a = np.roll(X, 1, axis=1) - X
    b = np.diff(X, axis=0)
    c = np.cumsum(X, axis=1) * np.cumsum(X, axis=0)
    d = np.roll(X, (1, -1), axis=(0, 1))
    return np.sum(a ** 2) + np.sum(b * b[::-1]) + np.sum(c) + np.sum(d * X)


@case(np.linspace(0.1, 0.6, 6), 43, scale=0.1)
def cumulative_sum_initial(r):
    """Growth paths by np.cumulative_sum(include_initial=True) and np.cumprod over an axis."""
    logs = np.cumulative_sum(np.log1p(r), include_initial=True)
    paths = np.cumprod(1.0 + np.outer(np.array([0.5, 1.0, 1.5]), r), axis=1)
    return np.sum(np.exp(logs)) + np.sum(paths[:, -1])


@case([0.3, -0.2, 0.9, 0.5, 1.1], 44, scale=0.1)
def meshgrid_ij_field(p):
    """np.meshgrid(indexing="ij") of traced axes, a field on it, and np.trapezoid twice."""
    xs = np.linspace(-1, 1, 6) * p[2]
    ys = np.linspace(-1, 1, 5) * p[3]
    X, Y = np.meshgrid(xs, ys, indexing="ij")
    F = np.exp(-((X - p[0]) ** 2 + (Y - p[1]) ** 2)) * p[4]
    return np.trapezoid(np.trapezoid(F, ys, axis=1), xs) + np.sum(F[:, 0] * F[:, -1])


@case([1.0, 0.5, 0.25, 2.0, -1.0], 45, scale=0.1)
def kron_separable_kernel(p):
    """A separable covariance by np.kron of two small kernels; its quadratic form and log det."""
    K1 = (np.eye(2) + p[1] * np.array([[0.0, 1.0], [1.0, 0.0]])) * p[0]
    K2 = np.exp(-np.subtract.outer(np.arange(3.0), np.arange(3.0)) ** 2 * p[2]) + np.eye(3)
    K = np.kron(K1, K2)
    v = np.kron(np.stack([1.0, p[3]]), np.stack([1.0, 0.0, p[4]]))
    return v @ np.linalg.solve(K, v) + np.linalg.slogdet(K)[1]


@case(RS.randn(16), 46)
def tril_triu_offsets(a):
    """np.tril(k=-1) and np.triu(k=1) parts, np.tri as a constant, an upper band by two triu's."""
    A = a.reshape(4, 4)
    lower, upper = np.tril(A, -1), np.triu(A, 1)
    band = np.triu(A, -1) - np.triu(A, 2)
    return np.sum(lower @ upper) + np.sum(band ** 2) + np.sum(np.tri(4, k=1) * A)


@case(RS.randn(15), 47)
def topk_take_along_axis(x):
    """The top three per row: np.argsort descending, np.take_along_axis, their softmax."""
    S = x.reshape(3, 5)
    idx = np.argsort(-S, axis=1)[:, :3]
    top = np.take_along_axis(S, idx, axis=1)
    return np.sum(special.softmax(top, axis=1) * top) + np.sum(np.max(S, axis=1))


@case(RS.randn(11), 48)
def partition_order_statistics(x):
    """Order statistics by np.partition (kth a list), np.argpartition and np.sort."""
    part = np.partition(x, [2, 8])
    lo, hi = part[2], part[8]
    idx = np.argpartition(x, 3)[:3]
    return hi - lo + np.sum(x[idx] ** 2) + np.sort(x)[5]


EDGES_S = np.array([0.0, 0.4, 0.9, 1.5, 2.2])
POINTS = np.array([0.1, 0.5, 0.55, 1.0, 1.6, 2.0, 0.3])


@case([1.0, 2.0, 1.5, 0.5], 49, scale=0.1)
def searchsorted_step_lookup(level):
    """A step function's levels read by np.searchsorted on constant edges, and np.digitize."""
    i = np.searchsorted(EDGES_S, POINTS, side="right") - 1
    j = np.digitize(POINTS, EDGES_S[1:-1])
    return np.sum(level[i] ** 2) + np.sum(level[j] * POINTS)


LABEL_NAMES = np.array(["b", "a", "c", "a", "b", "b", "c", "a"])
_, GROUP = np.unique(LABEL_NAMES, return_inverse=True)


@case(RS.randn(8), 50)
def unique_inverse_group_stats(x):
    """Group means by a constant np.unique(return_inverse=True) and np.bincount with weights."""
    sums = np.bincount(GROUP, weights=x)
    n = np.bincount(GROUP)
    means = sums / n
    return np.sum((x - means[GROUP]) ** 2) + np.sum(means ** 2)


@case(RS.randn(12), 51)
def ix_rot90_flip(x):
    """Sub-blocks by np.ix_, np.rot90 with k and axes, np.flip, and a block's determinant."""
    X = x.reshape(3, 4)
    blk = X[np.ix_([0, 2], [1, 3])]
    R = np.rot90(X, k=3)
    return np.linalg.det(blk) + np.sum(R[0] * np.flip(X, axis=0)[:, 0]) + np.sum(np.rot90(X) ** 2)


# ------------------------------------------------------------ keyword forms
MASK_W = RS.rand(12) > 0.3


@case(RS.randn(12), 52)
def reductions_where_initial(x):
    """where= of np.sum, np.mean and np.max (with initial=), keepdims=, and np.var with ddof."""
    X, M = x.reshape(3, 4), MASK_W.reshape(3, 4)
    s = np.sum(X ** 2, where=M)
    m = np.mean(X, axis=1, where=M, keepdims=True)
    mx = np.max(X, axis=0, initial=-5.0, where=M)
    v = np.var(X, axis=0, ddof=1, keepdims=True)
    return s + np.sum(m ** 2) + np.sum(mx) + np.sum(v)


@case(np.linspace(0.5, 2.0, 8), 53)
def int_data_dtype_keywords(x):
    """Integer data and floats: int weights, np.sum(dtype=), np.cumsum(dtype=), np.prod(where=)."""
    counts = np.array([3, 1, 4, 1, 5, 9, 2, 6])
    s = np.sum(counts * x, dtype=np.float64)
    c = np.cumsum(x * counts, dtype=np.float64)
    pr = np.prod(x, where=counts > 2)
    return s + np.sum(np.sqrt(c)) + pr + np.mean(counts // 2 * x)


# ------------------------------------------------------------ float32
@case(np.sin(np.linspace(0, 3, 12)).astype(np.float32) + np.float32(1.5), 54, scale=0.1,
      rtol=3e-3, no_hessian=F32)
def fir_pad_reflect_float32(x):
    """A float32 FIR on np.pad(mode="reflect") by np.convolve, scored by np.linalg.norm."""
    k = np.hanning(5).astype(np.float32)
    y = np.convolve(np.pad(x, 2, mode="reflect"), k / k.sum(), mode="valid")
    return np.linalg.norm(y - x) + np.float32(0.1) * np.sum(np.diff(y) ** 2)


@case(np.array([0.5, -1.0, 2.0, 0.3], dtype=np.float32), 55, scale=0.1, rtol=3e-3,
      no_hessian=F32)
def polyval_interp_float32(c):
    """np.polyval with float32 coefficients on a float32 grid, resampled by np.interp."""
    t = np.linspace(-1, 1, 9, dtype=np.float32)
    y = np.polyval(c, t)
    fine = np.interp(np.linspace(-1, 1, 5, dtype=np.float32), t, y)
    return np.sum(fine ** 2) + np.mean(y)


@case((0.5 * RS.randn(8)).astype(np.float32), 56, rtol=3e-3, no_hessian=F32)
def logsumexp_softmax_float32(z):
    """A float32 log-partition by special.logsumexp and the expected index under softmax."""
    Z = z.reshape(2, 4)
    lse = special.logsumexp(Z, axis=1)
    P = special.softmax(Z, axis=1)
    return np.sum(lse) + np.sum(P * np.arange(4, dtype=np.float32))


@case(RS.randn(9).astype(np.float32), 57, rtol=3e-3, no_hessian=F32)
def cholesky_slogdet_float32(a):
    """float32 linear algebra: np.linalg.cholesky, slogdet and solve on A A^T + I."""
    A = a.reshape(3, 3)
    S = A @ A.T + np.eye(3, dtype=np.float32)
    L = np.linalg.cholesky(S)
    x = np.linalg.solve(S, np.ones(3, dtype=np.float32))
    return np.sum(np.log(np.diag(L))) + np.linalg.slogdet(S)[1] + x @ x


# ------------------------------------------------------------ SciPy's decompositions
@case(RS.randn(12), 58, scale=0.1)
def scipy_qr_economic_projection(a):
    """A projection residual by sla.qr(mode="economic") and R's diagonal by sla.qr(mode="r")."""
    A = a.reshape(4, 3)
    Q, R = sla.qr(A, mode="economic")
    (Rr,) = sla.qr(A, mode="r")
    b = np.array([1.0, -0.5, 2.0, 0.3])
    r = b - Q @ (Q.T @ b)
    return r @ r + np.sum(np.log(np.abs(np.diag(Rr))))


@case(RS.randn(9), 59, scale=0.1)
def scipy_eigh_lower_svd(a):
    """sla.eigh(lower=False) and eigvals_only, sla.svd's singular values and its factors."""
    M = np.triu(a.reshape(3, 3)) + 4.0 * np.eye(3)
    w, V = sla.eigh(M, lower=False)
    vals = sla.eigh(M.T, eigvals_only=True)
    s = sla.svd(M, compute_uv=False)
    U, s2, Vh = sla.svd(M)
    return w[-1] + np.sum(vals ** 2) + s[0] / s[-1] + np.abs(U[0, 0] * Vh[0, 0]) + np.abs(V[0, 2])


X_LS = np.vander(np.linspace(-1, 1, 7), 3)


@case(np.cos(np.linspace(-1, 1, 7)), 60)
def scipy_lstsq_pinv(y):
    """A quadratic fit by sla.lstsq (its residue a number) and by sla.pinv, which agree."""
    coef, res, rank, sv = sla.lstsq(X_LS, y)
    c2 = sla.pinv(X_LS) @ y
    return np.sum(coef * np.arange(1.0, 4.0)) + res + 1e6 * np.sum((coef - c2) ** 2)
