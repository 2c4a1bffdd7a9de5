"""``scipy.special`` for tapegrad: SciPy's names and signatures, differentiable.

Mirrors ``jax.scipy.special``. The elementwise functions are primitives
(``elementwise=True``) computed with NumPy and ``math`` (no SciPy needed),
their partials written with tapegrad functions, so every order of derivative
works; the rest (``logsumexp``, ``softmax``, ``logit``, ...) are
composites. When SciPy is installed, its own ufuncs run on traced values
too: ``scipy.special.expit(x)`` under ``tg.grad`` or ``tg.jit`` computes
SciPy's value, bit for bit, with the derivative of ``expit``.

Examples:
  >>> import tapegrad as tg
  >>> from tapegrad.scipy.special import gammaln, logsumexp
  >>> round(tg.grad(gammaln)(1.0), 12)       # digamma(1) = -euler_gamma
  -0.577215664902
  >>> import numpy as np
  >>> logsumexp(np.array([0.0, 0.0]), b=np.array([1.0, -1.0]), return_sign=True)
  (-inf, 0.0)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import kinks, logic, ops
from ..arrays import astype
from ..joins import as_array
from ..primitive import Primitive, defpartials, primitive
from . import _betainc as _b
from . import _betainc_grad as _bg
from . import _gammainc as _g
from . import _numerics as _n
from . import _numpy_ops
from ._gamma_family import _elementwise as _elementwise
from ._gamma_family import _no_derivative as _no_derivative
from ._gamma_family import betaln as betaln
from ._gamma_family import digamma as digamma
from ._gamma_family import factorial as factorial
from ._gamma_family import gamma as gamma
from ._gamma_family import gammaln as gammaln
from ._gamma_family import loggamma as loggamma
from ._gamma_family import multigammaln as multigammaln
from ._gamma_family import polygamma as polygamma
from ._information import entr as entr
from ._information import kl_div as kl_div
from ._information import rel_entr as rel_entr
from ._softmax import log_softmax as log_softmax
from ._softmax import logsumexp as logsumexp
from ._softmax import softmax as softmax
from ._special_more import *  # noqa: F403  (beta, expn, i0, spherical_jn, ...: their __all__)
from ._special_more import __all__ as _more
from ._special_scipy import *  # noqa: F403  (kv, erfcinv, owens_t, ...: SciPy's ufuncs by name)
from ._special_scipy import __all__ as _by_name
from ._special_series import *  # noqa: F403  (zeta, bernoulli, bessel_jn, lpmn, lpmn_values)
from ._special_series import __all__ as _series

__all__ = ["betainc", "betaln", "digamma", "entr", "erf", "erfc", "erfinv", "expit", "factorial",
           "gamma", "gammainc", "gammaincc", "gammaln", "kl_div", "log_expit", "log_ndtr",
           "log_softmax", "loggamma", "logit", "logsumexp", "multigammaln", "ndtr", "ndtri",
           "polygamma", "rel_entr", "softmax", "stdtr", "xlog1py", "xlogy"]
__all__ = sorted(__all__ + _more + _series + _by_name + ["round"])


def __getattr__(name: str) -> Any:
    """``round``, SciPy's ufunc by name: kept out of this module's namespace (the builtin's)."""
    if name == "round":
        from ._special_scipy import round_
        return round_
    raise AttributeError(f"module 'tapegrad.scipy.special' has no attribute {name!r}")

Number = Any
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_SQRT_2PI = math.sqrt(2.0 * math.pi)



# ------------------------------------------------------------- error function
erf = _elementwise(_n.erf, "erf", "The error function ``2/sqrt(pi) int_0^x exp(-t^2) dt``.")
defpartials(erf, lambda ans, x: _TWO_OVER_SQRT_PI * _numpy_ops.exp(-(x * x)))
erfc = _elementwise(_n.erfc, "erfc", "The complementary error function ``1 - erf(x)``.")
defpartials(erfc, lambda ans, x: -_TWO_OVER_SQRT_PI * _numpy_ops.exp(-(x * x)))
erfinv = _elementwise(_n.erfinv, "erfinv", "The inverse of ``erf`` on ``[-1, 1]``.")
defpartials(erfinv, lambda ans, x: (0.5 * math.sqrt(math.pi)) * _numpy_ops.exp(ans * ans))

# ------------------------------------------------------------ normal CDF
def _density_impl(x: Any) -> Any:
    """The standard normal density, with NumPy's exp on a number too (a batch's bits)."""
    if type(x) is float or type(x) is int or type(x) is np.float64:
        return float(_INV_SQRT_2PI * np.exp(-0.5 * (x * x)))
    if type(x).__module__ == "numpy":             # an ndarray or a NumPy scalar
        return _INV_SQRT_2PI * np.exp(-0.5 * (x * x))
    return _INV_SQRT_2PI * ops.exp(-0.5 * (x * x))     # another library's arrays


_density = primitive(_density_impl, "normal_density", elementwise=True, check_rules=False)
defpartials(_density, lambda ans, x: -x * ans)
ndtr = _elementwise(_n.ndtr, "ndtr", "The standard normal CDF.")
defpartials(ndtr, lambda ans, x: _density(x))
log_ndtr = _elementwise(_n.log_ndtr, "log_ndtr",
                        "``log(ndtr(x))``, accurate in both tails (finite at -1e10).")
# log_ndtr' = pdf / cdf =: h, about -x far to the left; h' = -h (x + h), where x + h
# cancels to nothing far to the left: a primitive of its own, computed without the cancellation
_ndtr_ratio = _elementwise(_n.ndtr_ratio, "ndtr_ratio", "``pdf(x) / ndtr(x)``.")
_ndtr_shift = _elementwise(_n.ndtr_ratio_shift, "ndtr_ratio_shift", "``x + pdf(x) / ndtr(x)``.")
defpartials(_ndtr_ratio, lambda ans, x: -(ans * _ndtr_shift(x)))
defpartials(_ndtr_shift, lambda ans, x: 1.0 - _ndtr_ratio(x) * ans)
defpartials(log_ndtr, lambda ans, x: _ndtr_ratio(x))
ndtri = _elementwise(_n.ndtri, "ndtri", "The inverse of ``ndtr`` on ``[0, 1]``.")
defpartials(ndtri, lambda ans, p: _SQRT_2PI * _numpy_ops.exp(0.5 * (ans * ans)))


# ------------------------------------------------ incomplete gamma and beta

def _gamma_density(a: Any, x: Any) -> Any:
    """``x^(a-1) e^-x / Gamma(a)``, the derivative of ``gammainc`` in ``x`` (0 at ``x = inf``)."""
    density = _numpy_ops.exp(xlogy(a - 1.0, x) - x - gammaln(a))
    return kinks.where(logic.eq(x, math.inf), 0.0, density)


gammainc = _elementwise(_g.gammainc, "gammainc",
                        "``gammainc(a, x)``: the regularized lower incomplete gamma function "
                        "``P(a, x)``.")
gammaincc = _elementwise(_g.gammaincc, "gammaincc",
                         "``gammaincc(a, x)``: the regularized upper incomplete gamma function "
                         "``Q(a, x) = 1 - P(a, x)``.")
_gammainc_da = _elementwise(_g.gammainc_da, "gammainc_da",
                            "``dP(a, x)/da``, computed with the series or continued fraction "
                            "(JAX's ``igamma_grad_a``).")
defpartials(_gammainc_da, _no_derivative("special.gammainc", "a", "a second time; as in JAX"),
            lambda ans, a, x: _gamma_density(a, x) * (_numpy_ops.log(x) - digamma(a)))
defpartials(gammainc, lambda ans, a, x: _gammainc_da(a, x),
            lambda ans, a, x: _gamma_density(a, x))
defpartials(gammaincc, lambda ans, a, x: -_gammainc_da(a, x),
            lambda ans, a, x: -_gamma_density(a, x))


def _betaln(a: Any, b: Any) -> Any:
    return gammaln(a) + gammaln(b) - gammaln(a + b)


def _beta_density(a: Any, b: Any, x: Any) -> Any:
    """``x^(a-1) (1-x)^(b-1) / B(a, b)``, the derivative of ``betainc`` in ``x``."""
    return _numpy_ops.exp(xlogy(a - 1.0, x) + xlog1py(b - 1.0, -x) - _betaln(a, b))


def _of_three(f: Any, name: str, doc: str) -> Primitive:
    """A primitive computing ``f(a, b, x)`` (of ``_betainc``) on any plain numbers."""
    def impl(a: Any, b: Any, x: Any) -> Any:
        return _n.run(f, a, b, x)
    impl.__name__ = name
    prim = primitive(impl, name, elementwise=True, check_rules=False)
    prim.__doc__ = doc
    return prim


_betainc_da = _of_three(_bg.betainc_da, "betainc_da", "``dI_x(a, b)/da``.")
_betainc_db = _of_three(_bg.betainc_db, "betainc_db", "``dI_x(a, b)/db``.")
_twice = _no_derivative("special.betainc", "a or b", "a second time")
defpartials(_betainc_da, _twice, _twice, lambda ans, a, b, x: _beta_density(a, b, x) * (
    _numpy_ops.log(x) - digamma(a) + digamma(a + b)))
defpartials(_betainc_db, _twice, _twice, lambda ans, a, b, x: _beta_density(a, b, x) * (
    _numpy_ops.log1p(-x) - digamma(b) + digamma(a + b)))
_betainc = _of_three(_b.betainc, "betainc",
                     "``I_x(a, b)``: the regularized incomplete beta function.")
defpartials(_betainc, lambda ans, a, b, x: _betainc_da(a, b, x),
            lambda ans, a, b, x: _betainc_db(a, b, x),
            lambda ans, a, b, x: _beta_density(a, b, x))


def betainc(a: Number, b: Number, x: Number) -> Number:
    """The regularized incomplete beta function ``I_x(a, b)`` (SciPy's argument order).

    Differentiable in ``x`` to any order, and once in ``a`` and ``b`` (the
    series or continued fraction carried in forward mode, Boik and
    Robison-Cox's way); a second derivative in a shape raises
    ``NotImplementedError``.

    Args:
      a: The first shape (positive).
      b: The second shape (positive).
      x: Where to evaluate, in ``[0, 1]`` (``nan`` outside).

    Returns:
      ``I_x(a, b)``, broadcast over the arguments.

    Examples:
      >>> round(float(betainc(2.0, 3.0, 0.5)), 12)
      0.6875
    """
    return _betainc(a, b, x)


def _t_density(df: Any, t: Any) -> Any:
    """Student's t density, the derivative of ``stdtr`` in ``t``."""
    half = 0.5 * (df + 1.0)
    return _numpy_ops.exp(gammaln(half) - gammaln(0.5 * df) - 0.5 * _numpy_ops.log(df * math.pi)
                          - half * _numpy_ops.log1p(t * t / df))


def _t_density_ddf_log(df: Any, t: Any) -> Any:
    """``d log(density) / d df`` of Student's t."""
    u = t * t / df
    return 0.5 * (digamma(0.5 * (df + 1.0)) - digamma(0.5 * df) - 1.0 / df - _numpy_ops.log1p(u)
                  + (df + 1.0) * u / (df * (1.0 + u)))


stdtr = _elementwise(_b.stdtr, "stdtr",
                     "``stdtr(df, t)``: Student's t CDF with ``df`` degrees of freedom.")
_stdtr_ddf = _elementwise(_bg.stdtr_ddf, "stdtr_ddf", "``d stdtr(df, t) / d df``.")
defpartials(_stdtr_ddf, _no_derivative("special.stdtr", "df", "a second time"),
            lambda ans, df, t: _t_density(df, t) * _t_density_ddf_log(df, t))
defpartials(stdtr, lambda ans, df, t: _stdtr_ddf(df, t), lambda ans, df, t: _t_density(df, t))

# ------------------------------------------------------------ x log y
def _xlogy(x: Any, y: Any) -> Any:
    return _zero_at(_n.run(lambda a, b: a * np.log(b), x, y), x, y)


def _xlog1py(x: Any, y: Any) -> Any:
    return _zero_at(_n.run(lambda a, b: a * np.log1p(b), x, y), x, y)


def _zero_at(r: Any, x: Any, y: Any) -> Any:
    """``r`` with zeros where ``x`` is zero and ``y`` is not nan (SciPy's rule)."""
    if type(r) is float:
        return 0.0 if x == 0 and y == y else r
    out = np.where(np.equal(x, 0) & np.equal(y, y), np.zeros((), r.dtype), r)
    return out if np.ndim(r) else out[()]


def _ratio_at(x: Any, y: Any, zero: float) -> Any:
    """``x / y``, the partial in ``y``, and 0 where ``x = y = 0``.

    ``xlogy(0, y) = 0`` for every ``y``, so its partial there is 0, not JAX's
    ``0 / 0``: ``gamma.logpdf(0, 1)`` (the exponential's) has its derivative -1.
    """
    return kinks.where(logic.logical_and(logic.eq(x, 0.0), logic.eq(y, zero)), 0.0, ops.div(x, y))


xlogy = primitive(_xlogy, "xlogy", elementwise=True, check_rules=False)
xlogy.__doc__ = "``x * log(y)``, zero where ``x`` is zero (even at ``y = 0``; not at a nan ``y``)."
defpartials(xlogy, lambda ans, x, y: _numpy_ops.log(y), lambda ans, x, y: _ratio_at(x, y, 0.0))
xlog1py = primitive(_xlog1py, "xlog1py", elementwise=True, check_rules=False)
xlog1py.__doc__ = "``x * log1p(y)``, zero where ``x`` is zero (even at ``y = -1``)."
defpartials(xlog1py, lambda ans, x, y: _numpy_ops.log1p(y),
            lambda ans, x, y: _ratio_at(x, 1.0 + y, 0.0))

# ---------------------------------------------------------- composites
def expit(x: Number) -> Number:
    """``1 / (1 + exp(-x))``, computed stably (``tg.sigmoid``; integer data as float64).

    Args:
      x: The log-odds.

    Returns:
      The probabilities, shaped like ``x``.
    """
    return _numpy_ops.sigmoid(_float64_if_integer(x))  # -abs(x) of unsigned data wraps around


def log_expit(x: Number) -> Number:
    """``log(expit(x)) = -softplus(-x)``, computed stably (finite at -1000).

    Args:
      x: The log-odds.

    Returns:
      The log-probabilities, shaped like ``x``; the derivative is ``expit(-x)``.
    """
    return -_numpy_ops.softplus(-_float64_if_integer(x))


def _float64_if_integer(x: Number) -> Number:
    """Integer or bool data as float64, as SciPy's ufuncs compute it; a list as an array."""
    x = as_array(x)         # [a, b] of traced numbers: stacked, as NumPy reads a list
    dtype = getattr(x, "dtype", None)
    if dtype is not None and np.dtype(dtype).kind in "iub":
        return astype(x, np.float64)
    return x


def logit(p: Number) -> Number:
    """``log(p / (1 - p))``, the inverse of ``expit``.

    Args:
      p: Probabilities (``-inf`` at 0, ``inf`` at 1, ``nan`` outside).

    Returns:
      The log-odds, shaped like ``p``.
    """
    return _logit(_float64_if_integer(p))  # -p of uint8 wraps around; log of int16 is float32


def _logit_impl(p: Any) -> Any:
    """NumPy's ``log(p) - log1p(-p)`` on a number too, so a batch's bits are each example's."""
    if type(p) is float or type(p) is int or type(p) is np.float64:
        with np.errstate(all="ignore"):
            return float(np.log(p) - np.log1p(-p))
    if type(p).__module__ == "numpy":             # an ndarray or a NumPy scalar
        return np.log(p) - np.log1p(-p)
    return ops.log(p) - ops.log1p(-p)      # another library's arrays: ops' own route


_logit = primitive(_logit_impl, "logit", elementwise=True, check_rules=False)
defpartials(_logit, lambda ans, p: 1.0 / p + 1.0 / (1.0 - p))
