"""What to write instead of a SciPy function that has no tapegrad counterpart.

``numpy_dispatch`` refuses a SciPy function met on a traced value with a
sentence from here: the ``tapegrad.scipy`` function of the same name, the
spelling in ``scipy_alternatives``, or what ``tapegrad.scipy`` does have.
"""

from __future__ import annotations

import difflib
import sys

__all__ = ["scipy_advice", "scipy_alternatives", "tapegrad_scipy"]


scipy_alternatives = {    # SciPy functions without a same-named tapegrad.scipy counterpart
    "scipy.special.logsumexp": "tapegrad.scipy.special.logsumexp",
    "scipy.special.psi": "tapegrad.scipy.special.digamma",
    "scipy.linalg.norm": "tg.sqrt(tg.sum(x * x))",
    "scipy.linalg.circulant": "tapegrad.scipy.linalg.toeplitz(c, np.roll(c[::-1], 1)) (the "
    "circulant matrix of c)",
    "scipy.integrate.trapezoid": "np.trapezoid(y, x) (NumPy's, which tapegrad runs)",
    "scipy.integrate.cumulative_trapezoid": "np.cumsum((y[1:] + y[:-1]) / 2 * np.diff(x)) "
    "(NumPy's functions, which tapegrad runs)",
    "scipy.special.factorial": "tg.exp(tapegrad.scipy.special.gammaln(x + 1.0))",
    "scipy.special.softplus": "tg.softplus",
    "scipy.optimize.rosen": "np.sum(100.0 * (x[1:] - x[:-1] ** 2.0) ** 2.0 + (1 - x[:-1]) ** "
    "2.0, axis=0) (SciPy's own formula, which tapegrad runs)",
    "scipy.interpolate.interp1d.__init__": "np.interp(x_new, x, y) (linear; NumPy's, which "
    "tapegrad runs, differentiable in x_new, x and y)",
    "scipy.interpolate.CubicSpline.__init__": "tapegrad.scipy.interpolate.CubicSpline(x, y, "
    "axis, bc_type, extrapolate) (SciPy's, with constant knots x; y and the points it is "
    "called at may be traced)",
    "scipy.interpolate._PPolyBase.__call__": "tapegrad.scipy.interpolate.CubicSpline(x, y)(t) "
    "for a cubic spline (constant knots x; y and t may be traced)",
    "scipy.spatial.distance.cdist": "np.sqrt(np.sum((XA[:, None, :] - XB[None, :, :]) ** 2, "
    "axis=-1)) (euclidean)",
    "scipy.spatial.distance.pdist": "np.sqrt(np.sum((X[i] - X[j]) ** 2, axis=-1)) with i, j = "
    "np.triu_indices(len(X), 1) (euclidean)",
    "scipy.fft.rfft": "its real and imaginary parts (tapegrad computes on real numbers), as "
    "products with constant matrices: n = len(x); k = np.outer(np.arange(n // 2 + 1), "
    "np.arange(n)) * (2 * np.pi / n); re, im = np.cos(k) @ x, -np.sin(k) @ x",
    "scipy.fft.fft": "its real and imaginary parts (tapegrad computes on real numbers), as "
    "products with constant matrices: n = len(x); k = np.outer(np.arange(n), np.arange(n)) * "
    "(2 * np.pi / n); re, im = np.cos(k) @ x, -np.sin(k) @ x",
    "scipy.integrate.quad": "a fixed Gauss-Legendre rule: t, w = np.polynomial.legendre."
    "leggauss(30); 0.5 * (b - a) * np.sum(w * f(0.5 * (b - a) * t + 0.5 * (a + b)))",
}
for _root in ("brentq", "brenth", "bisect", "ridder", "toms748", "newton", "fsolve", "root_scalar",
              "root"):
    scipy_alternatives[f"scipy.optimize.{_root}"] = (
        "tg.fixed_point(lambda c, x: x - f(c, x) / df(c, x), c, x0) (a Newton step; "
        "its derivative is the implicit function's) or a Newton loop written with "
        "tapegrad's functions (while abs(step) > tol: ...)")
for _min in ("minimize", "minimize_scalar", "least_squares", "fmin", "fmin_bfgs"):
    scipy_alternatives[f"scipy.optimize.{_min}"] = (
        "SciPy's optimizer outside the transform, on plain numbers, with jac=tg.grad(f) (and "
        "hessp from tg.jvp of it); to differentiate the minimizer x*(c), tg.fixed_point("
        "lambda c, x: x - tg.grad(f)(x, c) / tg.hessian(f)(x, c), c, x0) for a scalar x (a "
        "Newton step on the gradient; its derivative is the implicit function's)")
tapegrad_scipy = {    # what tapegrad.scipy has, by SciPy module (its tests check this list)
    "special": ("betainc", "betaln", "digamma", "entr", "erf", "erfc", "erfinv", "expit",
                "factorial", "gamma", "gammainc", "gammaincc", "gammaln", "kl_div", "log_expit",
                "log_ndtr", "log_softmax", "loggamma", "logit", "logsumexp", "multigammaln", "ndtr",
                "ndtri",
                "polygamma", "rel_entr", "softmax", "stdtr", "xlog1py", "xlogy",
                "bernoulli", "bessel_jn", "beta", "exp1", "expi", "expn", "fresnel", "gammasgn",
                "hyp1f1", "hyp2f1", "i0", "i0e", "i1", "i1e", "lpmn", "lpmn_values", "poch",
                "rgamma", "spence", "spherical_in", "spherical_jn", "spherical_kn", "spherical_yn",
                "zeta", "comb", "perm", "jn"),
    "integrate": ("odeint",),
    "interpolate": ("CubicSpline",),
    "signal": ("convolve", "convolve2d", "correlate", "correlate2d", "fftconvolve", "lfilter",
               "savgol_filter"),
    "ndimage": ("map_coordinates",),
    "fft": ("dct", "dctn", "idct", "idctn"),
    "linalg": ("block_diag", "cho_factor", "cho_solve", "cholesky", "det", "eigh",
               "eigh_tridiagonal", "eigvalsh", "expm", "expm_frechet", "hilbert", "inv",
               "lstsq", "lu", "lu_factor", "lu_solve", "pinv", "polar", "qr", "solve",
               "solve_banded", "solve_triangular", "solveh_banded", "sqrtm", "svd", "toeplitz"),
    "stats.bernoulli": ("cdf", "entropy", "interval", "logpmf", "median", "pmf", "ppf", "sf"),
    "stats.beta": ("cdf", "entropy", "interval", "isf", "logcdf", "logpdf", "logsf", "mean",
                   "median", "pdf", "ppf", "sf", "std", "var"),
    "stats.betabinom": ("logpmf", "pmf"),
    "stats.binom": ("cdf", "entropy", "logpmf", "pmf", "sf"),
    "stats.cauchy": ("cdf", "entropy", "interval", "isf", "logcdf", "logpdf", "logsf", "mean",
                     "median", "pdf", "ppf", "sf", "std", "var"),
    "stats.chi2": ("cdf", "entropy", "interval", "isf", "logcdf", "logpdf", "logsf", "mean",
                   "median", "pdf", "ppf", "sf", "std", "var"),
    "stats.dirichlet": ("entropy", "logpdf", "pdf"),
    "stats.expon": ("cdf", "entropy", "interval", "isf", "logcdf", "logpdf", "logsf", "mean",
                    "median", "pdf", "ppf", "sf", "std", "var"),
    "stats.f": ("cdf", "entropy", "interval", "isf", "logcdf", "logpdf", "logsf", "mean",
                "median", "pdf", "ppf", "sf", "std", "var"),
    "stats.fisk": ("cdf", "entropy", "interval", "isf", "logcdf", "logpdf", "logsf", "mean",
                   "median", "pdf", "ppf", "sf", "std", "var"),
    "stats.gamma": ("cdf", "entropy", "interval", "isf", "logcdf", "logpdf", "logsf", "mean",
                    "median", "pdf", "ppf", "sf", "std", "var"),
    "stats.genextreme": ("cdf", "interval", "isf", "logcdf", "logpdf", "logsf", "mean", "median",
                         "pdf", "ppf", "sf", "std", "var"),
    "stats.gennorm": ("cdf", "entropy", "logpdf", "pdf", "sf"),
    "stats.geom": ("cdf", "entropy", "logpmf", "logsf", "pmf", "sf"),
    "stats.gompertz": ("cdf", "interval", "isf", "logcdf", "logpdf", "logsf", "median", "pdf",
                       "ppf", "sf"),
    "stats.gumbel_l": ("cdf", "entropy", "interval", "isf", "logcdf", "logpdf", "logsf", "mean",
                       "median", "pdf", "ppf", "sf", "std", "var"),
    "stats.gumbel_r": ("cdf", "entropy", "interval", "isf", "logcdf", "logpdf", "logsf", "mean",
                       "median", "pdf", "ppf", "sf", "std", "var"),
    "stats.halfcauchy": ("cdf", "entropy", "interval", "isf", "logcdf", "logpdf", "logsf", "mean",
                         "median", "pdf", "ppf", "sf", "std", "var"),
    "stats.halfnorm": ("cdf", "entropy", "interval", "isf", "logcdf", "logpdf", "logsf", "mean",
                       "median", "pdf", "ppf", "sf", "std", "var"),
    "stats.invgamma": ("cdf", "entropy", "interval", "isf", "logcdf", "logpdf", "logsf", "mean",
                       "median", "pdf", "ppf", "sf", "std", "var"),
    "stats.laplace": ("cdf", "entropy", "interval", "isf", "logcdf", "logpdf", "logsf", "mean",
                      "median", "pdf", "ppf", "sf", "std", "var"),
    "stats.levy": ("cdf", "interval", "isf", "logcdf", "logpdf", "logsf", "mean", "median", "pdf",
                   "ppf", "sf", "std", "var"),
    "stats.logistic": ("cdf", "entropy", "interval", "isf", "logcdf", "logpdf", "logsf", "mean",
                       "median", "pdf", "ppf", "sf", "std", "var"),
    "stats.lognorm": ("cdf", "entropy", "interval", "isf", "logcdf", "logpdf", "logsf", "median",
                      "pdf", "ppf", "sf"),
    "stats.maxwell": ("cdf", "entropy", "interval", "isf", "logcdf", "logpdf", "logsf", "mean",
                      "median", "pdf", "ppf", "sf", "std", "var"),
    "stats.multinomial": ("logpmf", "pmf"),
    "stats.multivariate_normal": ("entropy", "logpdf", "pdf"),
    "stats.nbinom": ("cdf", "logpmf", "pmf", "sf"),
    "stats.norm": ("cdf", "entropy", "interval", "isf", "logcdf", "logpdf", "logsf", "mean",
                   "median", "pdf", "ppf", "sf", "std", "var"),
    "stats.pareto": ("cdf", "entropy", "interval", "isf", "logcdf", "logpdf", "logsf", "median",
                     "pdf", "ppf", "sf"),
    "stats.poisson": ("cdf", "entropy", "logcdf", "logpmf", "logsf", "pmf", "sf"),
    "stats.rayleigh": ("cdf", "entropy", "interval", "isf", "logcdf", "logpdf", "logsf", "mean",
                       "median", "pdf", "ppf", "sf", "std", "var"),
    "stats.skewnorm": ("cdf", "interval", "isf", "logcdf", "logpdf", "logsf", "mean", "median",
                       "pdf", "ppf", "sf", "std", "var"),
    "stats.t": ("cdf", "entropy", "interval", "isf", "logcdf", "logpdf", "logsf", "mean",
                "median", "pdf", "ppf", "sf", "std", "var"),
    "stats.triang": ("cdf", "entropy", "interval", "isf", "logcdf", "logpdf", "logsf", "mean",
                     "median", "pdf", "ppf", "sf", "std", "var"),
    "stats.truncnorm": ("cdf", "logcdf", "logpdf", "logsf", "pdf", "sf"),
    "stats.uniform": ("cdf", "entropy", "interval", "isf", "logcdf", "logpdf", "logsf", "mean",
                      "median", "pdf", "ppf", "sf", "std", "var"),
    "stats.vonmises": ("logpdf", "pdf"),
    "stats.weibull_max": ("cdf", "entropy", "interval", "isf", "logcdf", "logpdf", "logsf",
                          "mean", "median", "pdf", "ppf", "sf", "std", "var"),
    "stats.weibull_min": ("cdf", "entropy", "interval", "isf", "logcdf", "logpdf", "logsf",
                          "mean", "median", "pdf", "ppf", "sf", "std", "var"),
    "stats.wrapcauchy": ("logpdf", "pdf"),
    "stats": ("gaussian_kde", "mode", "rankdata", "sem", "zmap", "zscore"),
}


_NOT_UFUNCS = ("logsumexp", "softmax", "log_softmax", "multigammaln", "bernoulli", "bessel_jn",
               "lpmn", "lpmn_values", "spherical_in", "spherical_jn", "spherical_kn",
               "spherical_yn", "zeta")   # plain functions
_TWINS_ONLY = ("agm", "airy", "airye", "bei", "beip", "ber", "berp", "binom", "boxcox", "boxcox1p",
               "cbrt", "cosdg", "cosm1", "cotdg", "dawsn", "ellipe", "ellipeinc", "ellipj",
               "ellipk", "ellipkinc", "ellipkm1", "elliprc", "elliprd", "elliprf", "elliprg",
               "elliprj", "erfcinv", "erfcx", "erfi", "eval_chebyc", "eval_chebys", "eval_chebyt",
               "eval_chebyu", "eval_gegenbauer", "eval_genlaguerre", "eval_hermite",
               "eval_hermitenorm", "eval_jacobi", "eval_laguerre", "eval_legendre",
               "eval_sh_chebyt", "eval_sh_chebyu", "eval_sh_jacobi", "eval_sh_legendre", "exp10",
               "exp2", "expm1", "exprel", "gamma", "huber", "hyp0f1", "hyperu", "inv_boxcox",
               "inv_boxcox1p", "it2i0k0", "it2j0y0", "it2struve0", "itairy", "iti0k0", "itj0y0",
               "itmodstruve0", "itstruve0", "iv", "ive", "j0", "j1", "jv", "jve", "k0", "k0e", "k1",
               "k1e", "kei", "keip", "ker", "kerp", "kn", "kv", "kve", "log1p", "lpmv", "modstruve",
               "ndtri_exp", "powm1", "pseudo_huber", "psi", "radian", "rgamma", "round", "shichi",
               "sici", "sindg", "struve", "tandg", "voigt_profile", "wright_bessel", "wrightomega",
               "y0", "y1", "yn", "yv", "yve", "zetac")
"""SciPy's ufuncs that run on traced values once tapegrad.scipy is imported, with no
tapegrad.scipy.special function of their name."""
_DISTRIBUTION_TWINS = (   # the same: the distribution functions (scipy._twins_distributions)
    "bdtr", "bdtrc", "bdtri", "betaincc", "betainccinv", "betaincinv", "btdtria", "btdtrib",
    "chdtr", "chdtrc", "chdtri", "fdtr", "fdtrc", "fdtri", "gammainccinv", "gammaincinv", "gdtr",
    "gdtrc", "gdtrix", "kolmogi", "kolmogorov", "nbdtr", "nbdtrc", "nbdtri", "owens_t", "pdtr",
    "pdtrc", "pdtri", "smirnov", "smirnovi", "stdtrit", "tklmbda")
tapegrad_scipy["special"] += tuple(  # tapegrad.scipy.special has these by name too
    n for n in _TWINS_ONLY + _DISTRIBUTION_TWINS if n not in tapegrad_scipy["special"])


def scipy_advice(name: str) -> str:
    """What to write instead of SciPy's ``name`` (``scipy.special.erfcx``): a sentence."""
    if name in scipy_alternatives:
        return f" Use {scipy_alternatives[name]} instead."
    if name.removeprefix("scipy.special.") in _TWINS_ONLY + _DISTRIBUTION_TWINS:
        return " Import tapegrad.scipy first: SciPy's own ufunc then runs on traced values."
    module, _, fn = name[len("scipy."):].rpartition(".")
    names = tapegrad_scipy.get(module, ())
    if module == "stats" and fn not in names:   # name the distributions it has too
        names += tuple(k[len("stats."):] for k in tapegrad_scipy if k.startswith("stats."))
    if fn in names:
        late = (" (or import tapegrad.scipy first: SciPy's own ufunc then runs it)"
                if module == "special" and fn not in _NOT_UFUNCS
                and "tapegrad.scipy.special" not in sys.modules else "")
        return f" Use tapegrad.scipy.{module}.{fn}{late} instead."
    close = difflib.get_close_matches(fn, names, 1, 0.8) if module == "special" else []
    if close:
        return f" Use tapegrad.scipy.{module}.{close[0]} (the nearest it has) instead."
    if module == "special":
        return (f" tapegrad.scipy.special has no {fn}: write it with tapegrad functions "
                f"(tg.exp, tg.where, tapegrad.scipy.special.gammaln, ...), or as a "
                f"tg.primitive with its derivative (tg.defvjp).")
    has = (f"tapegrad.scipy.{module} has only {', '.join(names)}" if names else
           f"tapegrad.scipy has no scipy.{module}" if "." not in module or
           module.split(".")[0] not in tapegrad_scipy else f"tapegrad.scipy has no {name}")
    return (f" {has}: write it with tapegrad functions, or as a tg.primitive with its "
            f"derivative (tg.defvjp).")
