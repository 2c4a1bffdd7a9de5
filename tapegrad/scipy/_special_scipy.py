"""SciPy's special functions by name: ``tapegrad.scipy.special.kv``, ``erfcinv``, ``owens_t``, ...

Each calls SciPy's ufunc of its name, whose twin (``_scipy_twins``,
``_twins_more``, ``_twins_distributions``, ``_twins_poly``) gives the
derivative: on a traced value the value is SciPy's, bit for bit, under
``grad``, ``jit`` and ``vmap``. They take SciPy's arguments (positional, as
its ufuncs) and need SciPy, which they say when it is missing. An order or a
count (``kv``'s ``v``, ``bdtr``'s ``k``) is not differentiated: differentiating
it raises, naming the argument.

Examples:
  >>> import tapegrad as tg
  >>> from tapegrad.scipy.special import erfcinv, kv
  >>> float(erfcinv(0.5)), f"{tg.grad(kv, argnums=1)(0.0, 1.0):.12f}"     # -K_1(1)
  (0.4769362762044699, '-0.601907230197')
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from .. import kinks, logic
from ..joins import as_array
from ._gamma_family import digamma
from ._special_more import _scipy

__all__ = ["agm", "airy", "airye", "bdtr", "bdtrc", "bdtri", "bei", "beip", "ber", "berp",
           "betaincc", "betainccinv", "betaincinv", "binom", "boxcox", "boxcox1p", "btdtria",
           "btdtrib", "cbrt", "chdtr", "chdtrc", "chdtri", "comb", "cosdg", "cosm1", "cotdg",
           "dawsn", "ellipe", "ellipeinc", "ellipj", "ellipk", "ellipkinc", "ellipkm1", "elliprc",
           "elliprd", "elliprf", "elliprg", "elliprj", "erfcinv", "erfcx", "erfi", "eval_chebyc",
           "eval_chebys", "eval_chebyt", "eval_chebyu", "eval_gegenbauer", "eval_genlaguerre",
           "eval_hermite", "eval_hermitenorm", "eval_jacobi", "eval_laguerre", "eval_legendre",
           "eval_sh_chebyt", "eval_sh_chebyu", "eval_sh_jacobi", "eval_sh_legendre", "exp10",
           "exp2", "expm1", "exprel", "fdtr", "fdtrc", "fdtri", "gammainccinv", "gammaincinv",
           "gdtr", "gdtrc", "gdtrix", "huber", "hyp0f1", "hyperu", "inv_boxcox", "inv_boxcox1p",
           "it2i0k0", "it2j0y0", "it2struve0", "itairy", "iti0k0", "itj0y0", "itmodstruve0",
           "itstruve0", "iv", "ive", "j0", "j1", "jn", "jv", "jve", "k0", "k0e", "k1", "k1e",
           "kei", "keip", "ker", "kerp", "kn", "kolmogi", "kolmogorov", "kv", "kve", "log1p",
           "lpmv", "modstruve", "nbdtr", "nbdtrc", "nbdtri", "ndtri_exp", "owens_t", "pdtr",
           "pdtrc", "pdtri", "perm", "powm1", "pseudo_huber", "psi", "radian", "shichi",
           "sici", "sindg", "smirnov", "smirnovi", "stdtrit", "struve", "tandg", "tklmbda",
           "voigt_profile", "wright_bessel", "wrightomega", "y0", "y1", "yn", "yv", "yve",
           "zetac"]

Number = Any


def _by_scipy(name: str, args: str, summary: str) -> Callable[..., Any]:
    """``tapegrad.scipy.special.name``: SciPy's ufunc ``name`` of the arguments ``args``."""
    params = args.split()

    def fun(*values: Any) -> Any:
        if len(values) != len(params):
            raise TypeError(f"tapegrad.scipy.special.{name}({', '.join(params)}) takes "
                            f"{len(params)} argument{'s' if len(params) > 1 else ''}, "
                            f"not {len(values)}.")
        return _scipy(name)(*values)
    fun.__name__ = fun.__qualname__ = name
    fun.__module__ = "tapegrad.scipy.special"
    fun.__doc__ = (f"{summary}: SciPy's ``{name}({', '.join(params)})``.\n\n"
                   f"SciPy computes the value; its twin gives the derivative, so "
                   f"``grad``, ``jit`` and ``vmap`` run it (needs SciPy).")
    fun.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(p, inspect.Parameter.POSITIONAL_ONLY) for p in params])
    return fun


psi = digamma


def comb(N: Number, k: Number, *, exact: bool = False, repetition: bool = False) -> Number:
    """The number of combinations of ``N`` things taken ``k`` at a time, SciPy's.

    ``binom(N, k)`` where ``0 <= k <= N``, 0 elsewhere (``repetition``:
    ``binom(N + k - 1, k)``, 1 at ``k = 0``); differentiable in ``N`` and ``k`` (``binom``'s
    twin). ``exact=True`` is SciPy's integer count, for plain numbers only.
    """
    if exact:
        return _scipy("comb")(N, k, exact=True, repetition=repetition)
    N, k = as_array(N), as_array(k)
    if repetition:          # SciPy's: binom(N + k - 1, k), 1 at k = 0 for N >= 0
        one = logic.logical_and(logic.eq(k, 0.0), logic.ge(N, 0.0))
        return kinks.where(one, 1.0, _scipy("binom")(N + k - 1, k))
    ok = logic.logical_and(logic.logical_and(logic.le(k, N), logic.ge(N, 0.0)), logic.ge(k, 0.0))
    return kinks.where(ok, _scipy("binom")(N, k), 0.0)


def perm(N: Number, k: Number, *, exact: bool = False) -> Number:
    """The number of permutations of ``N`` things taken ``k`` at a time, SciPy's.

    ``poch(N - k + 1, k)`` where ``0 <= k <= N``, 0 elsewhere; differentiable
    in ``N`` and ``k``. ``exact=True`` is SciPy's integer count, for plain
    numbers only.
    """
    if exact:
        return _scipy("perm")(N, k, exact=True)
    N, k = as_array(N), as_array(k)
    ok = logic.logical_and(logic.logical_and(logic.le(k, N), logic.ge(N, 0.0)), logic.ge(k, 0.0))
    return kinks.where(ok, _scipy("poch")(N - k + 1, k), 0.0)


agm = _by_scipy("agm", "a b", "Compute the arithmetic-geometric mean of ``a`` and ``b``")
airy = _by_scipy("airy", "z", "Airy functions and their derivatives")
airye = _by_scipy("airye", "z", "Exponentially scaled Airy functions and their derivatives")
bdtr = _by_scipy("bdtr", "k n p", "Binomial distribution cumulative distribution function")
bdtrc = _by_scipy("bdtrc", "k n p", "Binomial distribution survival function")
bdtri = _by_scipy("bdtri", "k n y", "Inverse function to ``bdtr`` with respect to ``p``")
bei = _by_scipy("bei", "x", "Kelvin function bei")
beip = _by_scipy("beip", "x", "Derivative of the Kelvin function bei")
ber = _by_scipy("ber", "x", "Kelvin function ber")
berp = _by_scipy("berp", "x", "Derivative of the Kelvin function ber")
betaincc = _by_scipy("betaincc", "a b x", "Complement of the regularized incomplete beta function")
betainccinv = _by_scipy("betainccinv", "a b y",
                         "Inverse of the complemented regularized incomplete beta function")
betaincinv = _by_scipy("betaincinv", "a b y",
                        "Inverse of the regularized incomplete beta function")
binom = _by_scipy("binom", "x y",
                   "Binomial coefficient considered as a function of two real variables")
boxcox = _by_scipy("boxcox", "x lmbda", "Compute the Box-Cox transformation")
boxcox1p = _by_scipy("boxcox1p", "x lmbda", "Compute the Box-Cox transformation of 1 + ``x``")
btdtria = _by_scipy("btdtria", "p b x", "Inverse of ``betainc`` with respect to ``a``")
btdtrib = _by_scipy("btdtrib", "a p x", "Inverse of ``betainc`` with respect to ``b``")
cbrt = _by_scipy("cbrt", "x", "Element-wise cube root of ``x``")
chdtr = _by_scipy("chdtr", "v x", "Chi square cumulative distribution function")
chdtrc = _by_scipy("chdtrc", "v x", "Chi square survival function")
chdtri = _by_scipy("chdtri", "v p", "Inverse to ``chdtrc`` with respect to ``x``")
cosdg = _by_scipy("cosdg", "x", "Cosine of the angle ``x`` given in degrees")
cosm1 = _by_scipy("cosm1", "x", "cos(x) - 1 for use when ``x`` is near zero")
cotdg = _by_scipy("cotdg", "x", "Cotangent of the angle ``x`` given in degrees")
dawsn = _by_scipy("dawsn", "x", "Dawson's integral")
ellipe = _by_scipy("ellipe", "m", "Complete elliptic integral of the second kind")
ellipeinc = _by_scipy("ellipeinc", "phi m", "Incomplete elliptic integral of the second kind")
ellipj = _by_scipy("ellipj", "u m", "Jacobi elliptic functions")
ellipk = _by_scipy("ellipk", "m", "Complete elliptic integral of the first kind")
ellipkinc = _by_scipy("ellipkinc", "phi m", "Incomplete elliptic integral of the first kind")
ellipkm1 = _by_scipy("ellipkm1", "p",
                      "Complete elliptic integral of the first kind around ``m`` = 1")
elliprc = _by_scipy("elliprc", "x y", "Degenerate symmetric elliptic integral")
elliprd = _by_scipy("elliprd", "x y z", "Symmetric elliptic integral of the second kind")
elliprf = _by_scipy("elliprf", "x y z", "Completely-symmetric elliptic integral of the first kind")
elliprg = _by_scipy("elliprg", "x y z",
                     "Completely-symmetric elliptic integral of the second kind")
elliprj = _by_scipy("elliprj", "x y z p", "Symmetric elliptic integral of the third kind")
erfcinv = _by_scipy("erfcinv", "y", "Inverse of the complementary error function")
erfcx = _by_scipy("erfcx", "x", "Scaled complementary error function, ``exp(x**2) * erfc(x)``")
erfi = _by_scipy("erfi", "z", "Imaginary error function, ``-i erf(i z)``")
eval_chebyc = _by_scipy("eval_chebyc", "n x", "Chebyshev polynomial of the first kind on [-2, 2]")
eval_chebys = _by_scipy("eval_chebys", "n x", "Chebyshev polynomial of the second kind on [-2, 2]")
eval_chebyt = _by_scipy("eval_chebyt", "n x",
                         "Evaluate Chebyshev polynomial of the first kind at a point")
eval_chebyu = _by_scipy("eval_chebyu", "n x",
                         "Evaluate Chebyshev polynomial of the second kind at a point")
eval_gegenbauer = _by_scipy("eval_gegenbauer", "n alpha x",
                             "Evaluate Gegenbauer polynomial at a point")
eval_genlaguerre = _by_scipy("eval_genlaguerre", "n alpha x",
                              "Evaluate generalized Laguerre polynomial at a point")
eval_hermite = _by_scipy("eval_hermite", "n x",
                          "Evaluate physicist's Hermite polynomial at a point")
eval_hermitenorm = _by_scipy("eval_hermitenorm", "n x", "Probabilist's Hermite polynomial")
eval_jacobi = _by_scipy("eval_jacobi", "n alpha beta x", "Evaluate Jacobi polynomial at a point")
eval_laguerre = _by_scipy("eval_laguerre", "n x", "Evaluate Laguerre polynomial at a point")
eval_legendre = _by_scipy("eval_legendre", "n x", "Evaluate Legendre polynomial at a point")
eval_sh_chebyt = _by_scipy("eval_sh_chebyt", "n x",
                            "Shifted Chebyshev polynomial of the first kind")
eval_sh_chebyu = _by_scipy("eval_sh_chebyu", "n x",
                            "Shifted Chebyshev polynomial of the second kind")
eval_sh_jacobi = _by_scipy("eval_sh_jacobi", "n p q x",
                            "Evaluate shifted Jacobi polynomial at a point")
eval_sh_legendre = _by_scipy("eval_sh_legendre", "n x",
                              "Evaluate shifted Legendre polynomial at a point")
exp10 = _by_scipy("exp10", "x", "Compute ``10**x`` element-wise")
exp2 = _by_scipy("exp2", "x", "Compute ``2**x`` element-wise")
expm1 = _by_scipy("expm1", "x", "Compute ``exp(x) - 1``")
exprel = _by_scipy("exprel", "x", "Relative error exponential, ``(exp(x) - 1)/x``")
fdtr = _by_scipy("fdtr", "dfn dfd x", "F cumulative distribution function")
fdtrc = _by_scipy("fdtrc", "dfn dfd x", "F survival function")
fdtri = _by_scipy("fdtri", "dfn dfd p", "The ``p``-th quantile of the F-distribution")
gammainccinv = _by_scipy("gammainccinv", "a y",
                          "Inverse of the regularized upper incomplete gamma function")
gammaincinv = _by_scipy("gammaincinv", "a y",
                         "Inverse to the regularized lower incomplete gamma function")
gdtr = _by_scipy("gdtr", "a b x", "Gamma distribution cumulative distribution function")
gdtrc = _by_scipy("gdtrc", "a b x", "Gamma distribution survival function")
gdtrix = _by_scipy("gdtrix", "a b p", "Inverse of ``gdtr`` vs x")
huber = _by_scipy("huber", "delta r", "Huber loss function")
hyp0f1 = _by_scipy("hyp0f1", "v z", "Confluent hypergeometric limit function 0F1")
hyperu = _by_scipy("hyperu", "a b x", "Confluent hypergeometric function U")
inv_boxcox = _by_scipy("inv_boxcox", "y lmbda",
                        "Compute the inverse of the Box-Cox transformation")
inv_boxcox1p = _by_scipy("inv_boxcox1p", "y lmbda", "The inverse of ``boxcox1p``")
it2i0k0 = _by_scipy("it2i0k0", "x", "Integrals related to modified Bessel functions of order 0")
it2j0y0 = _by_scipy("it2j0y0", "x",
                     "Integrals related to Bessel functions of the first kind of order 0")
it2struve0 = _by_scipy("it2struve0", "x", "Integral related to the Struve function of order 0")
itairy = _by_scipy("itairy", "x", "Integrals of Airy functions")
iti0k0 = _by_scipy("iti0k0", "x", "Integrals of modified Bessel functions of order 0")
itj0y0 = _by_scipy("itj0y0", "x", "Integrals of Bessel functions of the first kind of order 0")
itmodstruve0 = _by_scipy("itmodstruve0", "x",
                          "Integral of the modified Struve function of order 0")
itstruve0 = _by_scipy("itstruve0", "x", "Integral of the Struve function of order 0")
iv = _by_scipy("iv", "v z", "Modified Bessel function of the first kind of real order")
ive = _by_scipy("ive", "v z", "Exponentially scaled modified Bessel function of the first kind")
j0 = _by_scipy("j0", "x", "Bessel function of the first kind of order 0")
j1 = _by_scipy("j1", "x", "Bessel function of the first kind of order 1")
jn = _by_scipy("jn", "n x", "Bessel function of the first kind of integer order")
jv = _by_scipy("jv", "v z", "Bessel function of the first kind of real order and complex argument")
jve = _by_scipy("jve", "v z",
                 "Exponentially scaled Bessel function of the first kind of order ``v``")
k0 = _by_scipy("k0", "x", "Modified Bessel function of the second kind of order 0")
k0e = _by_scipy("k0e", "x", "Exponentially scaled modified Bessel function K of order 0")
k1 = _by_scipy("k1", "x", "Modified Bessel function of the second kind of order 1")
k1e = _by_scipy("k1e", "x", "Exponentially scaled modified Bessel function K of order 1")
kei = _by_scipy("kei", "x", "Kelvin function kei")
keip = _by_scipy("keip", "x", "Derivative of the Kelvin function kei")
ker = _by_scipy("ker", "x", "Kelvin function ker")
kerp = _by_scipy("kerp", "x", "Derivative of the Kelvin function ker")
kn = _by_scipy("kn", "n x", "Modified Bessel function of the second kind of integer order ``n``")
kolmogi = _by_scipy("kolmogi", "p", "Inverse Survival Function of Kolmogorov distribution")
kolmogorov = _by_scipy("kolmogorov", "y", "The Kolmogorov distribution's survival function")
kv = _by_scipy("kv", "v z", "Modified Bessel function of the second kind of real order ``v``")
kve = _by_scipy("kve", "v z", "Exponentially scaled modified Bessel function of the second kind")
log1p = _by_scipy("log1p", "x", "Calculates log(1 + x) for use when ``x`` is near zero")
lpmv = _by_scipy("lpmv", "m v x", "Associated Legendre function of integer order and real degree")
modstruve = _by_scipy("modstruve", "v x", "Modified Struve function")
nbdtr = _by_scipy("nbdtr", "k n p", "Negative binomial cumulative distribution function")
nbdtrc = _by_scipy("nbdtrc", "k n p", "Negative binomial survival function")
nbdtri = _by_scipy("nbdtri", "k n y", "The inverse of ``nbdtr`` in ``p``")
ndtri_exp = _by_scipy("ndtri_exp", "y", "The inverse of ``log_ndtr``")
owens_t = _by_scipy("owens_t", "h a", "Owen's T Function")
pdtr = _by_scipy("pdtr", "k m", "Poisson cumulative distribution function")
pdtrc = _by_scipy("pdtrc", "k m", "Poisson survival function")
pdtri = _by_scipy("pdtri", "k y", "Inverse to ``pdtr`` vs m")
powm1 = _by_scipy("powm1", "x y", "Computes ``x**y - 1``")
pseudo_huber = _by_scipy("pseudo_huber", "delta r", "Pseudo-Huber loss function")
radian = _by_scipy("radian", "d m s", "Convert from degrees to radians")
round_ = _by_scipy("round", "x", "Round to the nearest integer")
shichi = _by_scipy("shichi", "x", "Hyperbolic sine and cosine integrals")
sici = _by_scipy("sici", "x", "Sine and cosine integrals")
sindg = _by_scipy("sindg", "x", "Sine of the angle ``x`` given in degrees")
smirnov = _by_scipy("smirnov", "n d",
                     "Kolmogorov-Smirnov complementary cumulative distribution function")
smirnovi = _by_scipy("smirnovi", "n p", "Inverse to ``smirnov``")
stdtrit = _by_scipy("stdtrit", "df p", "The ``p``-th quantile of the student t distribution")
struve = _by_scipy("struve", "v x", "Struve function")
tandg = _by_scipy("tandg", "x", "Tangent of angle ``x`` given in degrees")
tklmbda = _by_scipy("tklmbda", "x lmbda",
                     "Cumulative distribution function of the Tukey lambda distribution")
voigt_profile = _by_scipy("voigt_profile", "x sigma gamma", "Voigt profile")
wright_bessel = _by_scipy("wright_bessel", "a b x", "Wright's generalized Bessel function")
wrightomega = _by_scipy("wrightomega", "z", "Wright Omega function")
y0 = _by_scipy("y0", "x", "Bessel function of the second kind of order 0")
y1 = _by_scipy("y1", "x", "Bessel function of the second kind of order 1")
yn = _by_scipy("yn", "n x",
                "Bessel function of the second kind of integer order and real argument")
yv = _by_scipy("yv", "v z",
                "Bessel function of the second kind of real order and complex argument")
yve = _by_scipy("yve", "v z",
                 "Exponentially scaled Bessel function of the second kind of real order")
zetac = _by_scipy("zetac", "x", "Riemann zeta function minus 1")
