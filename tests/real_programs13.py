"""Array programs, part thirteen: NumPy and SciPy as scientists and engineers write them.

Chemistry and thermodynamics (an Arrhenius fit, a van der Waals isotherm's work by
``np.trapezoid``, a bubble point by Antoine and Raoult in a ``while`` loop, Gibbs
minimization on softmax mole fractions, a Langmuir isotherm), astronomy (a Planck
spectrum by ``np.expm1``, a limb-darkened transit, an NFW rotation curve, a distance
modulus by a cumulative trapezoid), audio (a Karplus-Strong pluck on a Python list,
an ADSR envelope by ``np.interp`` on stacked breakpoints, pre-emphasis by
``np.append`` and frame RMS in decibels), economics (Solow growth, a CES demand,
logit market shares and Bertrand profits, a Gini coefficient on a Lorenz curve,
Cournot by Newton steps), geodesy (haversine routes, WGS84 to ECEF), image
processing (Sobel magnitudes by slices, total variation, a separable Gaussian
blur by list comprehension, sRGB to CIELAB, the Harris response by
``np.gradient``), retrieval and language (TF-IDF cosines, add-k bigram
perplexity, BM25), operations research (Erlang C by ``math.factorial``, a
newsvendor by ``stats.norm``), actuarial science (a Gompertz-Makeham annuity, a
chain ladder), control (a PID loop, a receding-horizon rollout), optics (ray
transfer matrices, Fresnel reflectance), electromagnetism (Biot-Savart by
``np.cross``), fluids (Colebrook's friction factor to a tolerance), structures (a
truss by stiffness assembly), dynamics (FitzHugh-Nagumo, Kuramoto, Gray-Scott by
``np.roll``, a Boris pusher, a periodic box by the minimum image), quantum and
nuclear physics (a Heisenberg chain by ``np.kron`` and ``eigvalsh``, a Bateman
chain, Debye's heat capacity by Gauss-Legendre nodes), numerical methods (Romberg,
Thomas' tridiagonal algorithm on lists, the QR algorithm, barycentric Chebyshev
interpolation), statistics (a Gaussian copula by ``ndtri``, a jackknife, a
weighted median by ``np.interp``, Ljung-Box with ``chi2.sf``, an MA(1) by
conditional sums of squares, MMD, a sorted Wasserstein distance, a Bayesian A/B
test by ``betaln``, Durbin-Watson), learning (NCA, a factorization machine, a
soft decision tree, a RealNVP coupling, label propagation, BPR, a linear-chain
CRF) and finance (Merton's jump diffusion, Vasicek yields, Almgren-Chriss, the
Bachelier model, Sortino and Calmar ratios, Kelly growth), GP regression by SciPy's
``cho_factor``, ``cho_solve`` and ``solve_triangular``, float32 too.

Every program is a function of one float vector (float32 where the name says
so). A ``Case`` gives its inputs, the relative tolerance of its gradient
against central differences, and why a Hessian is not checked (``""``: it is).
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


RS = np.random.RandomState(13)
F32 = "float32: central differences cannot check a float32 Hessian"
KINK = "piecewise: the Hessian's differences straddle a kink"


# ------------------------------------------------------------ chemistry and thermodynamics
R_GAS = 8.314
T_ARR = np.array([300.0, 320.0, 340.0, 360.0, 380.0])
K_ARR = 1e7 * np.exp(-50e3 / (R_GAS * T_ARR)) * np.exp(0.05 * RS.randn(5))


@case([16.0, 50.0], 1, scale=0.01)
def arrhenius_log_fit(p):
    """k = A exp(-Ea / RT) fitted in log space: ln A and Ea in kJ/mol."""
    lnA, Ea = p
    k = np.exp(lnA) * np.exp(-Ea * 1e3 / (R_GAS * T_ARR))
    resid = np.log(k) - np.log(K_ARR)
    return np.sum(resid ** 2) / len(T_ARR)


@case([3.64, 0.04267, 300.0], 2, scale=0.02)
def van_der_waals_isotherm_work(p):
    """The work of a van der Waals gas expanding from 1 to 3 L, by np.trapezoid on the isotherm."""
    a, b, T = p
    V = np.linspace(1.0, 3.0, 41)
    P = 0.08314 * T / (V - b) - a / V ** 2
    W = np.trapezoid(P, V)
    Z = P * V / (0.08314 * T)
    return W + np.mean(Z)


ANTOINE = np.array([[4.0, 1200.0, -50.0], [4.1, 1350.0, -55.0]])


@case([0.4, 1.0], 3, scale=0.05)
def bubble_point_antoine_newton(p):
    """A binary bubble temperature by Raoult's law and Antoine's equation, Newton to 1e-10."""
    x1, P = p
    x = np.array([1.0, 0.0]) * x1 + np.array([0.0, 1.0]) * (1 - x1)
    A, B, C = ANTOINE.T
    T = 350.0
    while True:
        psat = 10 ** (A - B / (T + C))
        f = np.sum(x * psat) - P
        df = np.sum(x * psat * np.log(10) * B / (T + C) ** 2)
        step = f / df
        T = T - step
        if abs(step) < 1e-10:
            break
    y1 = x1 * 10 ** (A[0] - B[0] / (T + C[0])) / P
    return T / 100 + y1


MU0 = np.array([-1.0, 0.5, 0.2, -0.3])


@case([0.1, -0.2, 0.3, 0.0], 4, scale=0.3)
def gibbs_mixture_softmax(z):
    """The Gibbs energy of an ideal mixture over softmax mole fractions, n RT sum x ln x."""
    x = np.exp(z - np.max(z))
    x /= x.sum()
    RT = 2.479
    G = np.sum(x * (MU0 + RT * np.log(x)))
    return G + 0.1 * np.sum(z ** 2)


P_LANG = np.array([0.1, 0.3, 0.6, 1.0, 2.0, 4.0])
Q_LANG = 2.0 * 1.5 * P_LANG / (1 + 1.5 * P_LANG) + 0.02 * RS.randn(6)


@case([2.0, 1.5], 5, scale=0.1)
def langmuir_isotherm_fit(p):
    """q = q_max K P / (1 + K P), least squares, and the Henry constant q_max K."""
    qmax, K = p
    q = qmax * K * P_LANG / (1 + K * P_LANG)
    return np.sum((q - Q_LANG) ** 2) + 0.01 * (qmax * K) ** 2


# ------------------------------------------------------------ astronomy
LAM = np.linspace(0.3, 2.5, 30)      # microns
HC_K = 14387.77                      # micron kelvin


@case([5800.0, 1.0], 6, scale=0.02)
def planck_blackbody_fit(p):
    """A Planck spectrum B = 2hc^2 / lam^5 / expm1(hc / lam k T) fitted to a 5000 K star."""
    T, scale = p
    model = scale * LAM ** -5 / np.expm1(HC_K / (LAM * T))
    data = LAM ** -5 / np.expm1(HC_K / (LAM * 5000.0))
    return np.sum((model / data.max() - data / data.max()) ** 2)


T_TR = np.linspace(-0.05, 0.05, 11)


@case([0.1, 0.3, 0.4, 0.2, 0.001], 7, scale=0.05)
def transit_quadratic_limb_darkening(p):
    """A small planet's transit depth under quadratic limb darkening, I(mu)."""
    k, b, u1, u2, t0 = p
    z = np.sqrt(((T_TR - t0) / 0.08) ** 2 + b ** 2)
    mu = np.sqrt(1 - z ** 2)
    intensity = 1 - u1 * (1 - mu) - u2 * (1 - mu) ** 2
    flux = 1 - k ** 2 * intensity / (1 - u1 / 3 - u2 / 6)
    return np.sum((1 - flux) * 1e3) + np.min(flux)


R_KPC = np.linspace(1.0, 30.0, 15)


@case([1.0, 10.0], 8, scale=0.05)
def nfw_rotation_curve(p):
    """A circular velocity by the NFW enclosed mass ln(1 + x) - x / (1 + x), x = r / r_s."""
    m200, rs = p
    x = R_KPC / rs
    menc = m200 * (np.log1p(x) - x / (1 + x))
    v = np.sqrt(4.3e4 * menc / R_KPC)
    v_obs = 200.0 * np.ones_like(R_KPC)
    return np.mean((v - v_obs) ** 2) / 1e3


@case([0.3, -1.0, 70.0], 9, scale=0.03)
def distance_modulus_wcdm(p):
    """Distance moduli by a cumulative trapezoid of 1 / E(z) for a flat wCDM cosmology."""
    om, w, H0 = p
    z = np.linspace(0.0, 1.5, 31)
    E = np.sqrt(om * (1 + z) ** 3 + (1 - om) * (1 + z) ** (3 * (1 + w)))
    dc = np.concatenate([[0.0], np.cumsum(0.5 * (1 / E[1:] + 1 / E[:-1]) * np.diff(z))])
    dL = (1 + z[1:]) * 299792.458 / H0 * dc[1:]
    mu = 5 * np.log10(dL) + 25
    return np.sum((mu - 40.0) ** 2) / 100


# ------------------------------------------------------------ audio
@case([0.996, 0.5], 10, scale=0.002)
def karplus_strong_pluck(p):
    """A plucked string: a delay line of 8 samples averaged and damped, on a Python list."""
    decay, mix = p
    N = 8
    buf = list(np.sin(np.arange(N) * 1.7) * mix)
    out = []
    for _ in range(40):
        y = decay * 0.5 * (buf[-N] + buf[-N + 1])
        buf.append(y)
        out.append(y)
    out = np.stack(out)
    return np.sum(out ** 2) + np.abs(out).max()


FS = 100.0


@case([0.05, 0.1, 0.6, 0.2], 11, scale=0.05)
def adsr_envelope_rms_db(p):
    """An ADSR envelope by np.interp on stacked breakpoints, on a tone; its RMS in dB."""
    attack, decay, sustain, release = p
    t = (np.arange(60) + 0.5) / FS
    knots = np.cumsum(np.stack([0.0, attack, decay, 0.2, release]))
    env = np.interp(t, knots, np.stack([0.0, 1.0, sustain, sustain, 0.0]))
    y = env * np.sin(2 * np.pi * 8 * t)
    rms = np.sqrt(np.mean(y ** 2))
    return 20 * np.log10(rms)


SPEECH = np.sin(np.linspace(0, 12, 48)) + 0.3 * RS.randn(48)


@case([0.97, 1.0], 12, scale=0.01)
def preemphasis_frame_rms_db(p):
    """Pre-emphasis y = np.append(x[0], x[1:] - a x[:-1]), 6 frames, per-frame RMS in dB."""
    a, g = p
    x = g * SPEECH
    y = np.append(x[0], x[1:] - a * x[:-1])
    frames = y.reshape(6, 8) * np.hamming(8)
    db = 10 * np.log10(np.mean(frames ** 2, axis=1) + 1e-10)
    return np.mean(db) + np.std(db)


# ------------------------------------------------------------ economics
@case([0.25, 0.33, 0.05], 13, scale=0.05)
def solow_growth_discounted_utility(p):
    """Solow's k' = s k^alpha + (1 - delta) k for 30 years, discounted log consumption."""
    s, alpha, delta = p
    k = 1.0
    U = 0.0
    for t in range(30):
        y = k ** alpha
        c = (1 - s) * y
        U += 0.96 ** t * np.log(c)
        k = s * y + (1 - delta) * k
    return U + 0.1 * k


@case([0.5, 0.3, 2.0, 1.0, 10.0], 14, scale=0.05)
def ces_marshallian_demand(p):
    """CES demand x_i = m p_i^-sigma / sum p_j^(1-sigma) and its indirect utility."""
    a, rho, p1, p2, m = p
    sigma = 1 / (1 - rho)
    prices = np.stack([p1, p2])
    shares = np.stack([a, 1 - a])
    x = m * shares ** sigma * prices ** -sigma / np.sum(shares ** sigma * prices ** (1 - sigma))
    u = np.sum(shares * x ** rho) ** (1 / rho)
    return u + np.sum(prices * x) / m


X_CHAR = np.array([[1.0, 0.2], [0.8, 0.5], [1.2, 0.1], [0.9, 0.9]])
MC = np.array([0.5, 0.4, 0.6, 0.5])


@case([1.0, 1.1, 0.9, 1.2, 1.0, 0.5, 2.0], 15, scale=0.05)
def logit_shares_bertrand_profit(p):
    """Logit market shares with an outside good, own-price elasticities and profits."""
    prices, beta, alpha = p[:4], p[4:6], p[6]
    delta = X_CHAR @ beta - alpha * prices
    e = np.exp(delta)
    s = e / (1 + e.sum())
    elasticity = -alpha * prices * (1 - s)
    profit = (prices - MC) * s
    return np.sum(profit) - 0.01 * np.sum(elasticity ** 2)


@case(np.array([12.0, 30.0, 18.0, 45.0, 22.0, 80.0, 35.0, 15.0]), 16, scale=0.1,
      no_hessian=KINK)
def gini_lorenz_curve(income):
    """The Gini coefficient as 1 - 2 x the area under the Lorenz curve of np.sort(income)."""
    x = np.sort(income)
    lorenz = np.cumsum(x) / x.sum()
    lorenz = np.insert(lorenz, 0, 0)
    area = np.trapezoid(lorenz, dx=1 / len(x))
    return 1 - 2 * area


@case([10.0, 1.0, 1.5, 2.0], 17, scale=0.05)
def cournot_newton_equilibrium(p):
    """Three Cournot firms facing P = a - b Q: first-order conditions solved by Newton."""
    a, b = p[0], p[1]
    c = np.stack([p[2], p[3], 1.0])
    q = np.ones(3)
    for _ in range(6):
        Q = np.sum(q)
        foc = a - b * Q - b * q - c
        J = -b * (np.ones((3, 3)) + np.eye(3))
        q = q - np.linalg.solve(J, foc)
    price = a - b * np.sum(q)
    return np.sum((price - c) * q)


# ------------------------------------------------------------ geodesy
ROUTE = np.array([[51.5, -0.12], [48.86, 2.35], [52.52, 13.4], [41.9, 12.5]])


@case(ROUTE.ravel(), 18, scale=0.01)
def haversine_route_length(coords):
    """A route's length on a sphere by the haversine formula, in kilometres."""
    lat, lon = np.radians(coords.reshape(-1, 2)).T
    dlat, dlon = np.diff(lat), np.diff(lon)
    a = np.sin(dlat / 2) ** 2 + np.cos(lat[:-1]) * np.cos(lat[1:]) * np.sin(dlon / 2) ** 2
    d = 2 * 6371.0 * np.arcsin(np.sqrt(a))
    return d.sum() / 1000


@case([45.0, 7.0, 300.0], 19, scale=0.01)
def wgs84_geodetic_to_ecef(p):
    """Geodetic latitude, longitude and height to ECEF metres on the WGS84 ellipsoid."""
    lat, lon, h = np.deg2rad(p[0]), np.deg2rad(p[1]), p[2]
    a, f = 6378137.0, 1 / 298.257223563
    e2 = f * (2 - f)
    N = a / np.sqrt(1 - e2 * np.sin(lat) ** 2)
    x = (N + h) * np.cos(lat) * np.cos(lon)
    y = (N + h) * np.cos(lat) * np.sin(lon)
    z = (N * (1 - e2) + h) * np.sin(lat)
    return np.linalg.norm(np.array([4.3e6, 0.5e6, 4.5e6]) - np.stack([x, y, z])) / 1e3


# ------------------------------------------------------------ image processing
IMG = np.add.outer(np.linspace(0, 1, 6), np.linspace(0, 2, 6) ** 2) + 0.1 * RS.randn(6, 6)


@case([1.0, 0.5, 0.2], 20, scale=0.1)
def sobel_gradient_magnitude(p):
    """Sobel gradients by slicing an image made from parameters, their magnitude and angle."""
    img = p[0] * IMG + p[1] * IMG ** 2 + p[2]
    gx = (img[:-2, 2:] + 2 * img[1:-1, 2:] + img[2:, 2:]
          - img[:-2, :-2] - 2 * img[1:-1, :-2] - img[2:, :-2])
    gy = (img[2:, :-2] + 2 * img[2:, 1:-1] + img[2:, 2:]
          - img[:-2, :-2] - 2 * img[:-2, 1:-1] - img[:-2, 2:])
    mag = np.hypot(gx, gy)
    theta = np.arctan2(gy, gx)
    return mag.mean() + np.mean(np.cos(theta) ** 2)


NOISY = np.sign(np.linspace(-1, 1, 5))[:, None] * np.ones((5, 5)) + 0.2 * RS.randn(5, 5)


@case(NOISY.ravel(), 21, scale=0.05)
def total_variation_energy(u_flat):
    """Rudin-Osher-Fatemi: fidelity plus a smoothed isotropic TV by np.diff along both axes."""
    u = u_flat.reshape(5, 5)
    dx = np.diff(u, axis=1)[:-1, :]
    dy = np.diff(u, axis=0)[:, :-1]
    tv = np.sum(np.sqrt(dx ** 2 + dy ** 2 + 1e-3))
    return 0.5 * np.sum((u - NOISY) ** 2) + 0.2 * tv


@case([1.2, 1.0], 22, scale=0.05)
def gaussian_blur_separable_rows(p):
    """A separable Gaussian blur: a kernel of traced width, rows then columns by comprehensions."""
    sigma, gain = p
    k = np.exp(-np.arange(-2, 3) ** 2 / (2 * sigma ** 2))
    k = k / k.sum()
    img = gain * IMG
    rows = np.stack([np.convolve(r, k, mode="same") for r in img])
    blur = np.stack([np.convolve(c, k, mode="same") for c in rows.T]).T
    return np.sum((blur - IMG) ** 2)


def srgb_to_linear(c):
    return np.where(c > 0.04045, ((c + 0.055) / 1.055) ** 2.4, c / 12.92)


def lab_f(t):
    d = 6 / 29
    return np.where(t > d ** 3, np.cbrt(t), t / (3 * d ** 2) + 4 / 29)


M_XYZ = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
WHITE = np.array([0.95047, 1.0, 1.08883])


@case([0.8, 0.4, 0.2, 0.3, 0.6, 0.5], 23, scale=0.05)
def srgb_to_lab_delta_e(p):
    """Two sRGB colours to CIELAB through np.where-piecewise transfer functions; their Delta E."""
    rgb = p.reshape(2, 3)
    xyz = srgb_to_linear(rgb) @ M_XYZ.T / WHITE
    f = lab_f(xyz)
    L = 116 * f[:, 1] - 16
    a = 500 * (f[:, 0] - f[:, 1])
    b = 200 * (f[:, 1] - f[:, 2])
    lab = np.stack([L, a, b], axis=1)
    return np.linalg.norm(lab[0] - lab[1])


@case([1.0, 0.3, 0.04], 24, scale=0.05)
def harris_corner_response(p):
    """The Harris response det(M) - k trace(M)^2 from np.gradient and a 3x3 box window."""
    img = p[0] * IMG + p[1] * IMG[::-1]
    Iy, Ix = np.gradient(img)

    def box(a):
        return (a[:-2, :-2] + a[:-2, 1:-1] + a[:-2, 2:] + a[1:-1, :-2] + a[1:-1, 1:-1]
                + a[1:-1, 2:] + a[2:, :-2] + a[2:, 1:-1] + a[2:, 2:])
    Sxx, Syy, Sxy = box(Ix * Ix), box(Iy * Iy), box(Ix * Iy)
    R = Sxx * Syy - Sxy ** 2 - p[2] * (Sxx + Syy) ** 2
    return np.sum(R)


# ------------------------------------------------------------ retrieval and language
TF = np.array([[3, 0, 1, 0, 2], [0, 2, 0, 1, 1], [1, 1, 1, 0, 0], [0, 0, 4, 2, 0]])


@case([1.0, 0.5, 0.2, 0.8, 0.3], 25, scale=0.1)
def tfidf_cosine_ranking(q):
    """Sublinear TF-IDF documents against a weighted query; a softmax over cosine scores."""
    df = np.count_nonzero(TF, axis=0)
    idf = np.log((1 + len(TF)) / (1 + df)) + 1
    tf = np.where(TF > 0, 1 + np.log(np.maximum(TF, 1)), 0.0)
    D = tf * idf
    qv = q * idf
    cos = D @ qv / (np.linalg.norm(D, axis=1) * np.linalg.norm(qv))
    return -np.log(np.exp(cos[2]) / np.exp(cos).sum())


BIGRAMS = np.array([[5, 2, 0, 1], [1, 0, 3, 2], [2, 2, 1, 0], [0, 3, 1, 4]])
HELD_OUT = [(0, 1), (1, 2), (2, 0), (3, 3), (0, 2), (1, 3), (3, 1)]


@case([0.5, 0.7], 26, scale=0.1)
def bigram_perplexity_add_k(p):
    """Held-out perplexity of an add-k bigram model interpolated with unigrams."""
    k, lam = p
    V = BIGRAMS.shape[0]
    bigram = (BIGRAMS + k) / (BIGRAMS.sum(axis=1, keepdims=True) + k * V)
    unigram = BIGRAMS.sum(axis=0) / BIGRAMS.sum()
    logp = [np.log(lam * bigram[a, b] + (1 - lam) * unigram[b]) for a, b in HELD_OUT]
    return np.exp(-sum(logp) / len(logp))


DOC_LEN = TF.sum(axis=1)


@case([1.2, 0.75], 27, scale=0.1)
def bm25_scores(p):
    """Okapi BM25 of a two-term query over four documents, with k1 and b traced."""
    k1, b = p
    N = len(TF)
    df = np.count_nonzero(TF, axis=0)
    idf = np.log((N - df + 0.5) / (df + 0.5) + 1)
    tf = TF[:, [0, 2]]
    norm = k1 * (1 - b + b * DOC_LEN / DOC_LEN.mean())
    score = np.sum(idf[[0, 2]] * tf * (k1 + 1) / (tf + norm[:, None]), axis=1)
    return score @ np.array([1.0, -0.5, 0.3, 0.2])


# ------------------------------------------------------------ operations research
@case([8.0, 2.0], 28, scale=0.05)
def erlang_c_waiting(p):
    """Erlang C for a call centre of 5 agents: P(wait) and the mean wait, by math.factorial."""
    lam, mu = p
    c = 5
    a = lam / mu
    rho = a / c
    top = a ** c / math.factorial(c) / (1 - rho)
    bottom = sum(a ** k / math.factorial(k) for k in range(c)) + top
    pw = top / bottom
    wq = pw / (c * mu - lam)
    return pw + 10 * wq


@case([100.0, 20.0, 5.0, 2.0, 110.0], 29, scale=0.05)
def newsvendor_expected_profit(p):
    """A newsvendor's expected profit at three orders under normal demand, by the loss function."""
    mu, sigma, price, cost = p[:4]
    q = p[4] * np.array([0.9, 1.0, 1.1])
    z = (q - mu) / sigma
    loss = sigma * (stats.norm.pdf(z) - z * stats.norm.sf(z))
    sales = mu - loss
    profit = price * sales - cost * q
    fill_rate = stats.norm.cdf(z)
    return np.sum(-profit / 100 + fill_rate)


# ------------------------------------------------------------ actuarial science
@case([5.0, 7.0, 1.1, 4.0], 30, scale=0.02)
def gompertz_makeham_annuity(p):
    """A life annuity due at 60 from Gompertz-Makeham mu(x) = A + B c^x, survival by cumsum."""
    A, B, c, i = p[0] * 1e-4, p[1] * 1e-5, p[2], p[3] / 100
    ages = np.arange(60, 100)
    mu = A + B * c ** ages
    kpx = np.exp(-np.cumsum(np.concatenate([[0.0], mu[:-1]])))
    v = (1 + i) ** -np.arange(len(ages))
    annuity = np.sum(v * kpx)
    Ax = 1 - i / (1 + i) * annuity
    return annuity / 10 + Ax


TRIANGLE = np.array([[100.0, 150.0, 170.0, 175.0],
                     [110.0, 168.0, 190.0, np.nan],
                     [120.0, 175.0, np.nan, np.nan],
                     [130.0, np.nan, np.nan, np.nan]])


@case([1.0, 1.0, 1.0, 1.0], 31, scale=0.05)
def chain_ladder_reserve(w):
    """Chain-ladder development factors from a claims triangle scaled per year; the reserve."""
    tri = TRIANGLE * w[:, None]
    n = tri.shape[0]
    f = [np.sum(tri[:n - j - 1, j + 1]) / np.sum(tri[:n - j - 1, j]) for j in range(n - 1)]
    f = np.stack(f)
    cdf = np.cumprod(f[::-1])[::-1]
    latest = np.stack([tri[i, n - 1 - i] for i in range(n)])
    ultimate = latest * np.concatenate([[1.0], cdf[::-1]])
    return np.sum(ultimate - latest) / 10


# ------------------------------------------------------------ control
@case([2.0, 0.5, 0.1], 32, scale=0.05)
def pid_first_order_plant(gains):
    """A discrete PID on tau y' = -y + u tracking a unit step; the integral squared error."""
    Kp, Ki, Kd = gains
    dt, tau = 0.05, 0.5
    y, integral, prev_err = 0.0, 0.0, 1.0
    ise = 0.0
    for _ in range(60):
        err = 1.0 - y
        integral += err * dt
        deriv = (err - prev_err) / dt
        u = Kp * err + Ki * integral + Kd * deriv
        y += dt * (-y + u) / tau
        prev_err = err
        ise += err ** 2 * dt
    return ise


A_SYS = np.array([[1.0, 0.1], [0.0, 1.0]])
B_SYS = np.array([0.005, 0.1])


@case(np.zeros(8) + 0.1, 33, scale=0.5)
def receding_horizon_rollout(u):
    """A double integrator driven by a control sequence: quadratic stage and terminal costs."""
    x = np.array([1.0, 0.0])
    cost = 0.0
    for k in range(len(u)):
        cost += x @ x + 0.1 * u[k] ** 2
        x = A_SYS @ x + B_SYS * u[k]
    return cost + 10 * x @ x


# ------------------------------------------------------------ optics
@case([50.0, 100.0, -80.0, 30.0], 34, scale=0.05)
def ray_transfer_matrix_system(p):
    """Two thin lenses and a gap by ABCD matrices: the system's focal length and image distance."""
    f1, d, f2, obj = p

    def lens(f):
        return np.stack([np.stack([1.0, 0.0]), np.stack([-1 / f, 1.0])])

    def gap(d):
        return np.stack([np.stack([1.0, d]), np.stack([0.0, 1.0])])
    M = lens(f2) @ gap(d) @ lens(f1) @ gap(obj)
    A, B, C, D = M.ravel()
    efl = -1 / C
    image = -B / D
    return efl / 100 + image / 100


@case([1.0, 1.5, 0.6], 35, scale=0.05)
def fresnel_reflectance(p):
    """Fresnel's s and p reflectances at an interface, averaged over incidence angles."""
    n1, n2, scale = p
    theta_i = np.linspace(0.0, 0.7, 8) * scale
    sin_t = n1 / n2 * np.sin(theta_i)
    cos_t = np.sqrt(1 - sin_t ** 2)
    cos_i = np.cos(theta_i)
    rs = ((n1 * cos_i - n2 * cos_t) / (n1 * cos_i + n2 * cos_t)) ** 2
    rp = ((n1 * cos_t - n2 * cos_i) / (n1 * cos_t + n2 * cos_i)) ** 2
    brewster = np.arctan(n2 / n1)
    return np.mean((rs + rp) / 2) + brewster


# ------------------------------------------------------------ electromagnetism
FIELD_POINTS = np.array([[0.0, 0.0, 0.5], [0.2, 0.1, 0.3], [0.0, 0.3, 1.0]])


@case([1.0, 0.5], 36, scale=0.05)
def biot_savart_current_loop(p):
    """The field of a circular loop of 24 segments by Biot-Savart, dl x r / |r|^3 by np.cross."""
    current, radius = p
    phi = np.linspace(0, 2 * np.pi, 25)
    pts = radius * np.stack([np.cos(phi), np.sin(phi), np.zeros(25)], axis=1)
    dl = np.diff(pts, axis=0)
    mid = 0.5 * (pts[1:] + pts[:-1])
    B = np.zeros(3)
    for r0 in FIELD_POINTS:
        r = r0 - mid
        dist = np.linalg.norm(r, axis=1, keepdims=True)
        B = B + current * 1e-7 * np.sum(np.cross(dl, r) / dist ** 3, axis=0)
    return np.sum(B ** 2) * 1e12


# ------------------------------------------------------------ fluids
@case([0.1, 0.1, 20.0], 37, scale=0.05)
def colebrook_pipe_head_loss(p):
    """Darcy's friction factor by iterating Colebrook-White to 1e-12, then the head loss."""
    D, eps_mm, Q_ls = p
    eps, Q = eps_mm / 1000, Q_ls / 1000
    nu, L, g = 1e-6, 100.0, 9.81
    V = Q / (np.pi * D ** 2 / 4)
    Re = V * D / nu
    x = 8.0
    while True:
        x_new = -2 * np.log10(eps / (3.7 * D) + 2.51 * x / Re)
        if abs(x_new - x) < 1e-12:
            break
        x = x_new
    f = 1 / x_new ** 2
    return f * L / D * V ** 2 / (2 * g)


# ------------------------------------------------------------ structures
NODES = np.array([[0.0, 0.0], [4.0, 0.0], [8.0, 0.0], [2.0, 3.0], [6.0, 3.0]])
BARS = [(0, 1), (1, 2), (0, 3), (1, 3), (1, 4), (2, 4), (3, 4)]
FREE = np.array([2, 3, 4, 6, 7, 8, 9])          # pinned at node 0, roller at node 2


@case(np.ones(7), 38, scale=0.1)
def truss_stiffness_compliance(areas):
    """A plane truss: element stiffnesses assembled over its bars, the load's compliance."""
    E = 200.0
    K = np.zeros((10, 10))
    for e, (i, j) in enumerate(BARS):
        d = NODES[j] - NODES[i]
        L = np.hypot(*d)
        c, s = d / L
        g = np.zeros(10)
        g[[2 * i, 2 * i + 1, 2 * j, 2 * j + 1]] = [-c, -s, c, s]
        K = K + E * areas[e] / L * np.outer(g, g)
    F = np.zeros(10)
    F[3], F[8] = -1.0, 0.5
    u = np.linalg.solve(K[np.ix_(FREE, FREE)], F[FREE])
    return F[FREE] @ u + 0.1 * np.sum(areas * 4.0)


# ------------------------------------------------------------ dynamics
@case([0.7, 0.8, 12.5, 0.5], 39, scale=0.05)
def fitzhugh_nagumo_euler(p):
    """The FitzHugh-Nagumo neuron v' = v - v^3/3 - w + I, tau w' = v + a - b w, by Euler."""
    a, b, tau, current = p
    v, w = -1.0, 1.0
    dt = 0.1
    vs = []
    for _ in range(80):
        v, w = v + dt * (v - v ** 3 / 3 - w + current), w + dt * (v + a - b * w) / tau
        vs.append(v)
    vs = np.stack(vs)
    return np.mean(vs ** 2) + w


OMEGA = np.linspace(-0.5, 0.5, 6)
THETA0 = np.linspace(0, 5, 6)


@case([1.5, 1.0], 40, scale=0.05)
def kuramoto_order_parameter(p):
    """Kuramoto oscillators coupled by K/N sum sin(theta_j - theta_i); the order parameter r."""
    K, spread = p
    theta = THETA0.copy()
    dt = 0.1
    for _ in range(40):
        coupling = np.sin(theta[None, :] - theta[:, None]).mean(axis=1)
        theta = theta + dt * (spread * OMEGA + K * coupling)
    r = np.hypot(np.mean(np.cos(theta)), np.mean(np.sin(theta)))
    return r


@case([0.055, 0.062, 1.0], 41, scale=0.05)
def gray_scott_roll_laplacian(p):
    """Gray-Scott reaction-diffusion on a ring by np.roll Laplacians, explicit steps."""
    F, k, Du = p
    n = 16
    u = np.ones(n)
    v = np.where(np.abs(np.arange(n) - n / 2) < 3, 0.5, 0.0)
    u = u - v
    for _ in range(30):
        lap_u = np.roll(u, 1) + np.roll(u, -1) - 2 * u
        lap_v = np.roll(v, 1) + np.roll(v, -1) - 2 * v
        uvv = u * v * v
        u = u + 0.5 * (0.2 * Du * lap_u - uvv + F * (1 - u))
        v = v + 0.5 * (0.1 * lap_v + uvv - (F + k) * v)
    return np.sum(v ** 2) + np.var(u)


@case([1.0, 0.2, 0.05, 1.0], 42, scale=0.05)
def boris_pusher_gyration(p):
    """A charged particle in crossed fields by the Boris rotation; its drift and kinetic energy."""
    Bz, Ex, qm, v0 = p
    x = np.zeros(3)
    v = np.stack([v0, 0.0, 0.1])
    E = np.stack([Ex, 0.0, 0.0])
    B = np.stack([0.0, 0.0, Bz])
    dt = 0.1
    for _ in range(40):
        v_minus = v + qm * E * dt / 2
        t = qm * B * dt / 2
        s = 2 * t / (1 + t @ t)
        v_prime = v_minus + np.cross(v_minus, t)
        v_plus = v_minus + np.cross(v_prime, s)
        v = v_plus + qm * E * dt / 2
        x = x + v * dt
    return np.sum(x ** 2) / 10 + 0.5 * v @ v


BOX = 3.0


@case(np.array([0.2, 0.3, 1.4, 1.2, 2.6, 0.4, 1.0, 2.4]), 43, scale=0.02)
def periodic_box_minimum_image(flat):
    """A soft-sphere energy in a periodic box: pair vectors by the minimum image convention."""
    pos = flat.reshape(-1, 2)
    i, j = np.triu_indices(len(pos), 1)
    d = pos[i] - pos[j]
    d -= BOX * np.round(d / BOX)
    r2 = np.sum(d ** 2, axis=1)
    return np.sum(np.exp(-r2 / 0.5)) + np.sum(1 / r2) / 10


# ------------------------------------------------------------ quantum and nuclear physics
SX = np.array([[0.0, 1.0], [1.0, 0.0]]) / 2
SY_SY = np.kron(np.array([[0.0, -1.0], [1.0, 0.0]]), np.array([[0.0, -1.0], [1.0, 0.0]])) / -4
SZ = np.array([[1.0, 0.0], [0.0, -1.0]]) / 2
I2 = np.eye(2)


@case([1.0, 0.8, 0.3], 44, scale=0.05)
def heisenberg_chain_ground_energy(p):
    """Three spins: H = sum J_i S_i . S_i+1 + h sum S^z by np.kron; its lowest eigenvalue."""
    J1, J2, h = p
    bond = np.kron(SX, SX) + SY_SY + np.kron(SZ, SZ)
    H = J1 * np.kron(bond, I2) + J2 * np.kron(I2, bond)
    H = H + h * (np.kron(np.kron(SZ, I2), I2) + np.kron(np.kron(I2, SZ), I2)
                 + np.kron(I2, np.kron(I2, SZ)))
    E = np.linalg.eigvalsh(H)
    return E[0] + 0.1 * E[1]


@case([0.3, 0.1, 0.05], 45, scale=0.05)
def bateman_decay_chain(lams):
    """Bateman's solution for a three-member chain A -> B -> C: activities at several times."""
    t = np.linspace(0.5, 20, 12)
    N0 = 1000.0
    n = len(lams)
    total = 0.0
    for k in range(n):
        coeff = np.prod(lams[:k])
        terms = 0.0
        for i in range(k + 1):
            denom = math.prod(lams[j] - lams[i] for j in range(k + 1) if j != i)
            terms = terms + np.exp(-lams[i] * t) / denom
        Nk = N0 * coeff * terms
        total = total + np.sum(lams[k] * Nk)
    return total / 1000


XG, WG = np.polynomial.legendre.leggauss(24)
T_DEB = np.array([20.0, 50.0, 100.0, 200.0, 300.0])
C_DEB = np.array([0.37, 3.7, 12.3, 20.2, 22.5])


@case([300.0, 1.0], 46, scale=0.03)
def debye_heat_capacity_gauss_legendre(p):
    """Debye's C_V = 9 N k (T / T_D)^3 int x^4 e^x / (e^x - 1)^2 by Gauss-Legendre nodes."""
    TD, scale = p
    C = []
    for T in T_DEB:
        upper = TD / T
        x = 0.5 * upper * (XG + 1)
        integrand = x ** 4 * np.exp(x) / np.expm1(x) ** 2
        integral = 0.5 * upper * np.sum(WG * integrand)
        C.append(9 * 8.314 * (T / TD) ** 3 * integral)
    C = scale * np.stack(C)
    return np.sum((C - C_DEB) ** 2) / 100


# ------------------------------------------------------------ numerical methods
@case([1.0, 2.0], 47, scale=0.05)
def romberg_integration_table(p):
    """Romberg's method: trapezoid sums with halved steps, extrapolated in a table of lists."""
    a, b = p
    f = lambda x: np.exp(-a * x ** 2) * np.cos(b * x)            # noqa: E731
    lo, hi = 0.0, 2.0
    R = [[0.5 * (hi - lo) * (f(lo) + f(hi))]]
    for i in range(1, 6):
        h = (hi - lo) / 2 ** i
        new = f(lo + h * np.arange(1, 2 ** i, 2))
        row = [0.5 * R[i - 1][0] + h * np.sum(new)]
        for k in range(1, i + 1):
            row.append(row[k - 1] + (row[k - 1] - R[i - 1][k - 1]) / (4 ** k - 1))
        R.append(row)
    return R[-1][-1]


@case(np.linspace(1.0, 2.0, 6), 48, scale=0.1)
def thomas_tridiagonal_bvp(q):
    """-u'' + q u = 1 with u(0) = u(1) = 0 by the Thomas algorithm, written with Python lists."""
    n = len(q)
    h = 1.0 / (n + 1)
    a = [-1.0] * n
    b = [2.0 + h ** 2 * q[i] for i in range(n)]
    c = [-1.0] * n
    d = [h ** 2] * n
    cp, dp = [c[0] / b[0]], [d[0] / b[0]]
    for i in range(1, n):
        m = b[i] - a[i] * cp[i - 1]
        cp.append(c[i] / m)
        dp.append((d[i] - a[i] * dp[i - 1]) / m)
    u = [dp[-1]]
    for i in range(n - 2, -1, -1):
        u.insert(0, dp[i] - cp[i] * u[0])
    u = np.stack(u)
    return np.sum(u) * h * 100


@case(RS.randn(6), 49, scale=0.1)
def qr_algorithm_eigenvalues(a):
    """Unshifted QR iterations A <- R Q on a symmetric matrix; its diagonal against eigvalsh."""
    M = np.diag([4.0, 2.0, 1.0])
    M = M + np.stack([a[:3], a[3:], a[[1, 4, 0]]]) * 0.3
    A = M + M.T
    for _ in range(12):
        Q, R = np.linalg.qr(A)
        A = R @ Q
    d = np.diag(A)
    return d @ np.array([1.0, 0.5, 0.25]) + np.sum(np.tril(A, -1) ** 2)


N_CHEB = 9
X_CHEB = np.cos(np.pi * np.arange(N_CHEB) / (N_CHEB - 1))
W_CHEB = np.r_[0.5, np.ones(N_CHEB - 2), 0.5] * (-1.0) ** np.arange(N_CHEB)


@case(np.exp(X_CHEB) + 0.1 * np.sin(3 * X_CHEB), 50, scale=0.05)
def barycentric_chebyshev_interp(fvals):
    """Barycentric Lagrange interpolation on Chebyshev points of the second kind."""
    xq = np.linspace(-0.95, 0.95, 7)
    diff = xq[:, None] - X_CHEB[None, :]
    C = W_CHEB / diff
    p = (C @ fvals) / C.sum(axis=1)
    return np.sum(p ** 2) + np.sum(np.diff(p))


# ------------------------------------------------------------ statistics
U_COP = np.clip(RS.rand(12, 2), 0.05, 0.95)


@case([0.5], 51, scale=0.2)
def gaussian_copula_loglik(p):
    """A bivariate Gaussian copula's log-density at uniforms mapped by special.ndtri."""
    rho = np.tanh(p[0])
    z = special.ndtri(U_COP)
    R = np.array([[1.0, 0.0], [0.0, 1.0]]) + rho * np.array([[0.0, 1.0], [1.0, 0.0]])
    Rinv = np.linalg.inv(R)
    quad = np.einsum("ni,ij,nj->n", z, Rinv - np.eye(2), z)
    return -np.sum(-0.5 * np.log(np.linalg.det(R)) - 0.5 * quad)


@case(np.abs(RS.randn(10)) + 1.0, 52)
def jackknife_ratio_variance(x):
    """The jackknife bias and variance of a ratio of means, by leave-one-out sums."""
    y = np.linspace(1.0, 2.0, len(x))
    n = len(x)
    theta = x.mean() / y.mean()
    loo = ((x.sum() - x) / (n - 1)) / ((y.sum() - y) / (n - 1))
    bias = (n - 1) * (loo.mean() - theta)
    var = (n - 1) / n * np.sum((loo - loo.mean()) ** 2)
    return theta - bias + 10 * var


X_WQ = np.sort(RS.randn(9))


@case(np.linspace(0.5, 1.5, 9), 53, scale=0.1)
def weighted_quantile_interp(w):
    """A weighted median and IQR: cumulative weights at midpoints, looked up by np.interp."""
    cw = (np.cumsum(w) - 0.5 * w) / np.sum(w)
    q = np.interp([0.25, 0.5, 0.75], cw, X_WQ)
    return q[1] + (q[2] - q[0])


@case(np.sin(np.arange(20) * 0.9) + 0.5 * RS.randn(20), 54, scale=0.05)
def ljung_box_pvalue(x):
    """The Ljung-Box Q of 4 lags of autocorrelation and its p-value by stats.chi2.sf."""
    n = len(x)
    xc = x - x.mean()
    denom = np.sum(xc ** 2)
    r = np.stack([np.sum(xc[k:] * xc[:-k]) / denom for k in range(1, 5)])
    Q = n * (n + 2) * np.sum(r ** 2 / (n - np.arange(1, 5)))
    return stats.chi2.sf(Q, df=4) + Q / 100


Y_MA = np.convolve(RS.randn(25), [1.0, 0.6], mode="valid")


@case([0.1, 0.5, 1.0], 55, scale=0.1)
def ma1_conditional_sum_of_squares(p):
    """An MA(1)'s conditional log-likelihood: residuals e_t = y_t - mu - theta e_(t-1) in a loop."""
    mu, theta, log_sigma = p
    e_prev = 0.0
    css = 0.0
    for y in Y_MA:
        e = y - mu - theta * e_prev
        css = css + e ** 2
        e_prev = e
    sigma2 = np.exp(2 * log_sigma)
    n = len(Y_MA)
    return 0.5 * n * np.log(2 * np.pi * sigma2) + css / (2 * sigma2)


X_MMD = RS.randn(8, 2)
Y_MMD = RS.randn(7, 2) + np.array([0.5, 0.0])


@case([0.5, 0.0, 1.0], 56, scale=0.1)
def mmd_rbf_two_sample(p):
    """The squared MMD between shifted samples under an RBF kernel of traced bandwidth."""
    shift, rot, log_bw = p
    c, s = np.cos(rot), np.sin(rot)
    Y = Y_MMD @ np.stack([np.stack([c, -s]), np.stack([s, c])]) - shift

    def k(A, B):
        d2 = np.sum(A ** 2, 1)[:, None] + np.sum(B ** 2, 1)[None, :] - 2 * A @ B.T
        return np.exp(-d2 / (2 * np.exp(2 * log_bw)))
    m, n = len(X_MMD), len(Y)
    kxx = (k(X_MMD, X_MMD).sum() - m) / (m * (m - 1))
    kyy = (k(Y, Y).sum() - n) / (n * (n - 1))
    return kxx + kyy - 2 * k(X_MMD, Y).mean()


REF = np.sort(RS.gamma(2.0, 1.0, 10))


@case(RS.randn(10) + 2.0, 57, no_hessian=KINK)
def wasserstein_sorted_samples(x):
    """The 1-d W2 distance between two samples: the mean squared gap of their sorted values."""
    return np.mean((np.sort(x) - REF) ** 2) + np.abs(np.mean(x) - np.median(x))


@case([1.0, 1.0, 1.0], 58, scale=0.1)
def bayesian_ab_test_betaln(prior):
    """P(p_B > p_A) under Beta posteriors, by Evan Miller's closed-form sum of special.betaln."""
    a0, b0, b1 = prior
    aA, bA = 12 + a0, 88 + b0
    aB, bB = 18, 82 + b1
    total = 0.0
    for i in range(aB):
        total = total + np.exp(special.betaln(aA + i, bA + bB) - np.log(bB + i)
                               - special.betaln(1 + i, bB) - special.betaln(aA, bA))
    return total


T_DW = np.linspace(0, 1, 15)
X_DW = np.stack([np.ones(15), T_DW], axis=1)


@case(np.sin(6 * T_DW) + T_DW + 0.1 * RS.randn(15), 59, scale=0.05)
def durbin_watson_ols(y):
    """OLS residuals by np.linalg.lstsq, then the Durbin-Watson statistic by np.diff."""
    beta, *_ = np.linalg.lstsq(X_DW, y, rcond=None)
    e = y - X_DW @ beta
    dw = np.sum(np.diff(e) ** 2) / np.sum(e ** 2)
    r2 = 1 - np.sum(e ** 2) / np.sum((y - y.mean()) ** 2)
    return dw + r2


# ------------------------------------------------------------ learning
X_NCA = np.concatenate([RS.randn(5, 3), RS.randn(5, 3) + np.array([1.5, 0.0, 0.5])])
Y_NCA = np.repeat([0, 1], 5)


@case([1.0, 0.0, 0.0, 0.0, 1.0, 0.0], 60, scale=0.2)
def nca_soft_neighbours(a):
    """Neighbourhood components analysis: softmax neighbours in a projection, same-class mass."""
    A = a.reshape(2, 3)
    Z = X_NCA @ A.T
    d2 = np.sum((Z[:, None, :] - Z[None, :, :]) ** 2, axis=-1)
    logits = np.where(np.eye(len(Z), dtype=bool), -np.inf, -d2)
    P = np.exp(logits - logits.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    same = Y_NCA[:, None] == Y_NCA[None, :]
    return -np.sum(P * same)


X_FM = (RS.rand(12, 4) > 0.5).astype(float)
Y_FM = RS.randn(12)


@case(0.3 * RS.randn(13), 61, scale=0.1)
def factorization_machine(theta):
    """A degree-2 factorization machine by Rendle's O(kn) identity, squared loss."""
    w0, w, V = theta[0], theta[1:5], theta[5:].reshape(4, 2)
    linear = w0 + X_FM @ w
    inter = 0.5 * np.sum((X_FM @ V) ** 2 - (X_FM ** 2) @ (V ** 2), axis=1)
    return np.mean((linear + inter - Y_FM) ** 2) + 1e-2 * np.sum(V ** 2)


X_TREE = RS.randn(15, 2)
Y_TREE = np.where(X_TREE[:, 0] > 0, 1.0, -1.0) + 0.5 * X_TREE[:, 1]


@case([1.0, 0.0, 0.0, 0.5, -1.0, 1.0, 0.2, 0.8], 62, scale=0.1)
def soft_decision_tree(p):
    """A depth-1.5 soft tree: sigmoid routing at the root and one child, leaves as constants."""
    w_root, b_root, w_child, leaves = p[:2], p[2], p[3], p[4:]
    g_root = 1 / (1 + np.exp(-(X_TREE @ w_root + b_root)))
    g_child = 1 / (1 + np.exp(-w_child * X_TREE[:, 1]))
    pred = ((1 - g_root) * leaves[0]
            + g_root * (g_child * leaves[1] + (1 - g_child) * leaves[2]) + leaves[3] * 0.1)
    return np.mean((pred - Y_TREE) ** 2)


X_FLOW = RS.randn(10, 2)


@case(0.3 * RS.randn(8), 63, scale=0.1)
def realnvp_affine_coupling(theta):
    """A RealNVP coupling: s and t from tanh nets of x1, y2 = x2 exp(s) + t; the log-likelihood."""
    ws, bs, wt, bt = theta[0:2], theta[2:4], theta[4:6], theta[6:8]
    x1, x2 = X_FLOW[:, :1], X_FLOW[:, 1:]
    s = np.tanh(x1 * ws + bs) @ np.array([1.0, 0.5])
    t = np.tanh(x1 * wt + bt) @ np.array([1.0, -0.5])
    y2 = x2[:, 0] * np.exp(s) + t
    z = np.stack([x1[:, 0], y2], axis=1)
    log_pz = -0.5 * np.sum(z ** 2, axis=1) - np.log(2 * np.pi)
    return -np.mean(log_pz + s)


X_LP = np.concatenate([RS.randn(4, 2), RS.randn(4, 2) + 3.0])
Y_LP = np.zeros((8, 2))
Y_LP[0, 0] = Y_LP[4, 1] = 1.0


@case([0.0, -1.5], 64, scale=0.1)
def label_propagation_solve(p):
    """Zhou's label spreading F = (I - alpha S)^-1 Y on an RBF graph, by np.linalg.solve."""
    log_bw, logit_alpha = p
    alpha = 1 / (1 + np.exp(-logit_alpha))
    d2 = np.sum((X_LP[:, None] - X_LP[None]) ** 2, axis=-1)
    W = np.exp(-d2 / np.exp(log_bw)) * (1 - np.eye(8))
    Dm = 1 / np.sqrt(W.sum(axis=1))
    S = Dm[:, None] * W * Dm[None, :]
    F = np.linalg.solve(np.eye(8) - alpha * S, Y_LP)
    P = F / F.sum(axis=1, keepdims=True)
    return -np.sum(np.log(P[:4, 0])) - np.sum(np.log(P[4:, 1]))


TRIPLES = np.array([[0, 1, 2], [0, 3, 1], [1, 2, 0], [1, 3, 2], [2, 0, 3], [2, 1, 3]])


@case(0.5 * RS.randn(14), 65, scale=0.1)
def bpr_pairwise_ranking(theta):
    """Bayesian personalized ranking: -log sigmoid(x_ui - x_uj) by np.logaddexp, L2 on factors."""
    U, V = theta[:6].reshape(3, 2), theta[6:].reshape(4, 2)
    u, i, j = TRIPLES.T
    x_uij = np.sum(U[u] * (V[i] - V[j]), axis=1)
    return np.sum(np.logaddexp(0, -x_uij)) + 0.01 * (np.sum(U ** 2) + np.sum(V ** 2))


EMIT = RS.randn(6, 3)
TAGS = np.array([0, 1, 1, 2, 0, 2])


@case(0.3 * RS.randn(9), 66, scale=0.2)
def linear_chain_crf_nll(trans_flat):
    """A linear-chain CRF: the forward recursion by special.logsumexp minus the gold path score."""
    T = trans_flat.reshape(3, 3)
    alpha = EMIT[0]
    for t in range(1, len(EMIT)):
        alpha = special.logsumexp(alpha[:, None] + T, axis=0) + EMIT[t]
    log_z = special.logsumexp(alpha)
    gold = EMIT[np.arange(6), TAGS].sum() + T[TAGS[:-1], TAGS[1:]].sum()
    return log_z - gold


# ------------------------------------------------------------ finance
@case([100.0, 0.2, 1.0, -0.1, 0.15], 67, scale=0.03)
def merton_jump_diffusion_call(p):
    """Merton's jump-diffusion calls: Poisson-weighted Black-Scholes prices over 15 jump counts."""
    S, sigma, lam, mu_j, delta = p
    K, T, r = np.array([90.0, 100.0, 110.0]), 1.0, 0.02
    k = np.exp(mu_j + 0.5 * delta ** 2) - 1
    lam_p = lam * (1 + k)
    price = 0.0
    for n in range(15):
        sig_n = np.sqrt(sigma ** 2 + n * delta ** 2 / T)
        r_n = r - lam * k + n * np.log(1 + k) / T
        d1 = (np.log(S / K) + (r_n + 0.5 * sig_n ** 2) * T) / (sig_n * np.sqrt(T))
        d2 = d1 - sig_n * np.sqrt(T)
        bs = S * special.ndtr(d1) - K * np.exp(-r_n * T) * special.ndtr(d2)
        price = price + np.exp(-lam_p * T) * (lam_p * T) ** n / math.factorial(n) * bs
    return price @ np.array([0.2, 1.0, 0.5])


TAU = np.array([0.25, 0.5, 1.0, 2.0, 5.0, 10.0])
Y_MKT = np.array([0.030, 0.031, 0.033, 0.036, 0.040, 0.042])


@case([0.5, 0.045, 0.01, 0.03], 68, scale=0.05)
def vasicek_yield_curve_fit(p):
    """Vasicek zero yields -log P / tau with B = (1 - e^(-a tau)) / a, fitted to market yields."""
    a, b, sigma, r0 = p
    B = (1 - np.exp(-a * TAU)) / a
    lnA = (b - sigma ** 2 / (2 * a ** 2)) * (B - TAU) - sigma ** 2 * B ** 2 / (4 * a)
    y = -(lnA - B * r0) / TAU
    return 1e4 * np.sum((y - Y_MKT) ** 2)


@case([1.0, 0.5, 2.0], 69, scale=0.05)
def almgren_chriss_trajectory(p):
    """Almgren-Chriss: holdings sinh(kappa (T - t)) / sinh(kappa T) X; cost E + lambda Var."""
    kappa, eta, risk = p
    X, T, sigma = 1e3, 1.0, 0.3
    t = np.linspace(0, T, 11)
    x = X * np.sinh(kappa * (T - t)) / np.sinh(kappa * T)
    n = -np.diff(x)
    tau = T / 10
    E = eta * np.sum(n ** 2) / tau
    V = sigma ** 2 * tau * np.sum(x[1:] ** 2)
    return (E + risk * 1e-3 * V) / 1e4


@case([100.0, 101.0, 15.0, 0.5], 70, scale=0.03)
def bachelier_and_black76(p):
    """Calls under the Bachelier normal model and under Black-76 by stats.norm.cdf and pdf."""
    F, K0, sigma_n, T = p
    K = K0 + np.array([-5.0, 0.0, 5.0])
    d = (F - K) / (sigma_n * np.sqrt(T))
    normal = (F - K) * stats.norm.cdf(d) + sigma_n * np.sqrt(T) * stats.norm.pdf(d)
    sigma_b = sigma_n / F
    d1 = (np.log(F / K) + 0.5 * sigma_b ** 2 * T) / (sigma_b * np.sqrt(T))
    black = F * stats.norm.cdf(d1) - K * stats.norm.cdf(d1 - sigma_b * np.sqrt(T))
    return np.sum(normal + black + (normal - black) ** 2)


@case(100 * np.exp(np.cumsum(0.02 * RS.randn(15))), 71, scale=0.01, no_hessian=KINK)
def sortino_calmar_ratios(prices):
    """Log returns, Sortino's downside deviation, and Calmar's drawdown by np.maximum.accumulate."""
    r = np.diff(np.log(prices))
    downside = np.sqrt(np.mean(np.minimum(r, 0.0) ** 2))
    sortino = r.mean() / downside * np.sqrt(252)
    peak = np.maximum.accumulate(prices)
    max_dd = np.max((peak - prices) / peak)
    calmar = r.mean() * 252 / max_dd
    return sortino + calmar / 10


R_KELLY = np.array([[0.5, -0.2], [-0.3, 0.4], [0.1, 0.1], [-0.4, -0.1]])
P_KELLY = np.array([0.3, 0.3, 0.25, 0.15])


@case([0.2, 0.3], 72, scale=0.1)
def kelly_expected_log_growth(f):
    """Kelly: the expected log growth sum p log(1 + f . r) of two bets, penalized leverage."""
    g = P_KELLY @ np.log1p(R_KELLY @ f)
    return -g + 0.01 * np.sum(f) ** 2


# ------------------------------------------------------------ float32
@case(np.array([2.0, 0.5, 0.1], dtype=np.float32), 73, scale=0.05, rtol=3e-3, no_hessian=F32)
def pid_loop_float32(gains):
    """The PID loop on a first-order plant, in float32 gains and float32 state."""
    Kp, Ki, Kd = gains
    dt, tau = np.float32(0.05), np.float32(0.5)
    y = np.float32(0.0)
    integral, prev_err, ise = np.float32(0.0), np.float32(1.0), np.float32(0.0)
    for _ in range(30):
        err = 1 - y
        integral = integral + err * dt
        u = Kp * err + Ki * integral + Kd * (err - prev_err) / dt
        y = y + dt * (u - y) / tau
        prev_err = err
        ise = ise + err * err * dt
    return ise


IMG32 = IMG.astype(np.float32)


@case(np.array([1.0, 0.5, 0.2], dtype=np.float32), 74, scale=0.1, rtol=3e-3, no_hessian=F32)
def sobel_tv_float32(p):
    """Sobel-like differences and a smoothed total variation of a float32 image."""
    img = p[0] * IMG32 + p[1] * IMG32 ** 2 + p[2]
    gx = img[1:-1, 2:] - img[1:-1, :-2]
    gy = img[2:, 1:-1] - img[:-2, 1:-1]
    return np.mean(np.sqrt(gx ** 2 + gy ** 2 + np.float32(1e-3)))


@case(np.array([1.5, 1.0], dtype=np.float32), 75, scale=0.05, rtol=3e-3, no_hessian=F32)
def kuramoto_float32(p):
    """Kuramoto oscillators in float32 phases."""
    K, spread = p
    theta = THETA0.astype(np.float32)
    omega = OMEGA.astype(np.float32)
    for _ in range(20):
        coupling = np.sin(theta[None, :] - theta[:, None]).mean(axis=1)
        theta = theta + np.float32(0.1) * (spread * omega + K * coupling)
    return np.hypot(np.mean(np.cos(theta)), np.mean(np.sin(theta)))


@case(np.array([0.5, 0.045, 0.01, 0.03], dtype=np.float32), 76, scale=0.05, rtol=3e-3,
      no_hessian=F32)
def vasicek_float32(p):
    """Vasicek yields in float32 parameters."""
    a, b, sigma, r0 = p
    tau = TAU.astype(np.float32)
    B = (1 - np.exp(-a * tau)) / a
    lnA = (b - sigma ** 2 / (2 * a ** 2)) * (B - tau) - sigma ** 2 * B ** 2 / (4 * a)
    y = -(lnA - B * r0) / tau
    return np.sum((y - Y_MKT.astype(np.float32)) ** 2) * np.float32(1e4)


# ------------------------------------------------------------ SciPy's linear algebra
X_GPR = np.linspace(0, 1, 8)
Y_GPR = np.sin(6 * X_GPR) + 0.1 * RS.randn(8)


@case([-1.5, 0.0, -2.0], 77, scale=0.1)
def gp_regression_cho_solve_predict(p):
    """GP regression: cho_factor and cho_solve for alpha, solve_triangular for the variance."""
    log_ell, log_sf, log_sn = p
    d2 = (X_GPR[:, None] - X_GPR[None, :]) ** 2
    sf2, ell2 = np.exp(2 * log_sf), np.exp(2 * log_ell)
    K = sf2 * np.exp(-0.5 * d2 / ell2) + np.exp(2 * log_sn) * np.eye(8)
    c, low = sla.cho_factor(K, lower=True)
    alpha = sla.cho_solve((c, low), Y_GPR)
    xs = np.array([0.25, 0.55])
    Ks = sf2 * np.exp(-0.5 * (xs[:, None] - X_GPR[None, :]) ** 2 / ell2)
    L = sla.cholesky(K, lower=True)
    v = sla.solve_triangular(L, Ks.T, lower=True)
    mean = Ks @ alpha
    var = sf2 - np.sum(v ** 2, axis=0)
    nll = 0.5 * Y_GPR @ alpha + np.sum(np.log(np.diag(L)))
    return nll + np.sum(mean ** 2) + np.sum(np.log(var))
