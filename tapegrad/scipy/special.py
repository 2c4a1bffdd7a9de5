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
import sys
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import kinks, logic, ops, reductions
from ..arrays import astype
from ..elementary import isfinite
from ..numpy_dispatch import ufunc_finders
from ..primitive import Primitive, defpartials, primitive
from ..shapes import reshape as reshape_to
from . import _betainc as _b
from . import _gammainc as _g
from . import _numerics as _n

__all__ = ["betainc", "digamma", "erf", "erfc", "erfinv", "expit", "gammainc", "gammaincc",
           "gammaln", "log_ndtr", "log_softmax", "logit", "logsumexp", "ndtr", "ndtri",
           "polygamma", "softmax", "stdtr", "xlog1py", "xlogy"]

Number = Any
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_SQRT_2PI = math.sqrt(2.0 * math.pi)


def _elementwise(f: Any, name: str, doc: str) -> Primitive:
    """A primitive computing ``f`` (of ``_numerics``) on any plain number."""
    def impl(*args: Any) -> Any:
        return _n.run(f, *args)
    impl.__name__ = name
    prim = primitive(impl, name, elementwise=True, check_rules=False)
    prim.__doc__ = doc
    return prim


# ------------------------------------------------------------- error function
erf = _elementwise(_n.erf, "erf", "The error function ``2/sqrt(pi) int_0^x exp(-t^2) dt``.")
defpartials(erf, lambda ans, x: _TWO_OVER_SQRT_PI * ops.exp(-(x * x)))
erfc = _elementwise(_n.erfc, "erfc", "The complementary error function ``1 - erf(x)``.")
defpartials(erfc, lambda ans, x: -_TWO_OVER_SQRT_PI * ops.exp(-(x * x)))
erfinv = _elementwise(_n.erfinv, "erfinv", "The inverse of ``erf`` on ``[-1, 1]``.")
defpartials(erfinv, lambda ans, x: (0.5 * math.sqrt(math.pi)) * ops.exp(ans * ans))

# ------------------------------------------------------------ normal CDF
ndtr = _elementwise(_n.ndtr, "ndtr", "The standard normal CDF.")
defpartials(ndtr, lambda ans, x: _INV_SQRT_2PI * ops.exp(-0.5 * (x * x)))
log_ndtr = _elementwise(_n.log_ndtr, "log_ndtr",
                        "``log(ndtr(x))``, accurate in both tails (finite at -1e10).")
# log_ndtr' = pdf / cdf =: h, about -x far to the left; h' = -h (x + h)
_ndtr_ratio = _elementwise(_n.ndtr_ratio, "ndtr_ratio", "``pdf(x) / ndtr(x)``.")
defpartials(_ndtr_ratio, lambda ans, x: -(ans * (x + ans)))
defpartials(log_ndtr, lambda ans, x: _ndtr_ratio(x))
ndtri = _elementwise(_n.ndtri, "ndtri", "The inverse of ``ndtr`` on ``[0, 1]``.")
defpartials(ndtri, lambda ans, p: _SQRT_2PI * ops.exp(0.5 * (ans * ans)))

# ------------------------------------------------------------ gamma family
gammaln = _elementwise(_n.gammaln, "gammaln",
                       "``log(abs(gamma(x)))``; ``inf`` at the poles 0, -1, -2, ...")
digamma = _elementwise(_n.digamma, "digamma",
                       "The digamma function ``psi(x) = d/dx log(gamma(x))``.")
polygamma = _elementwise(_n.polygamma, "polygamma",
                         "``polygamma(n, x)``: the ``n``-th derivative of ``digamma``.")
defpartials(gammaln, lambda ans, x: digamma(x))
defpartials(digamma, lambda ans, x: polygamma(1, x))
defpartials(polygamma, None, lambda ans, n, x: polygamma(n + 1, x))


# ------------------------------------------------ incomplete gamma and beta
def _no_derivative(function: str, name: str, what: str) -> Any:
    """A partial that refuses: the derivative of ``function`` in its argument ``name``."""
    def refuse(*_: Any) -> Any:
        raise NotImplementedError(
            f"tapegrad.scipy.{function}: the derivative with respect to {name} ({what}) is not "
            f"implemented; differentiate with respect to x only, holding {name} constant "
            f"(pass it as a plain number, or tg.stop_gradient({name})).")
    return refuse


def _gamma_density(a: Any, x: Any) -> Any:
    """``x^(a-1) e^-x / Gamma(a)``, the derivative of ``gammainc`` in ``x``."""
    return ops.exp(xlogy(a - 1.0, x) - x - gammaln(a))


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
            lambda ans, a, x: _gamma_density(a, x) * (ops.log(x) - digamma(a)))
defpartials(gammainc, lambda ans, a, x: _gammainc_da(a, x),
            lambda ans, a, x: _gamma_density(a, x))
defpartials(gammaincc, lambda ans, a, x: -_gammainc_da(a, x),
            lambda ans, a, x: -_gamma_density(a, x))


def _betaln(a: Any, b: Any) -> Any:
    return gammaln(a) + gammaln(b) - gammaln(a + b)


def _beta_density(a: Any, b: Any, x: Any) -> Any:
    """``x^(a-1) (1-x)^(b-1) / B(a, b)``, the derivative of ``betainc`` in ``x``."""
    return ops.exp(xlogy(a - 1.0, x) + xlog1py(b - 1.0, -x) - _betaln(a, b))


def _betainc_of(function: str, a_name: str, b_name: str) -> Primitive:
    """``I_x(a, b)`` as a primitive whose refusals in ``a`` and ``b`` name ``function``'s."""
    def impl(a: Any, b: Any, x: Any) -> Any:
        return _n.run(_b.betainc, a, b, x)
    impl.__name__ = "betainc"
    prim = primitive(impl, "betainc", elementwise=True, check_rules=False)
    prim.__doc__ = "``I_x(a, b)``: the regularized incomplete beta function."
    defpartials(prim, _no_derivative(function, a_name, "a shape"),
                _no_derivative(function, b_name, "a shape"),
                lambda ans, a, b, x: _beta_density(a, b, x))
    return prim


_betainc = _betainc_of("special.betainc", "a", "b")


def betainc(a: Number, b: Number, x: Number) -> Number:
    """The regularized incomplete beta function ``I_x(a, b)`` (SciPy's argument order).

    Differentiable in ``x`` (to any order); the derivative in ``a`` or ``b``
    raises ``NotImplementedError``, as JAX's does.

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
    return ops.exp(gammaln(half) - gammaln(0.5 * df) - 0.5 * ops.log(df * math.pi)
                   - half * ops.log1p(t * t / df))


stdtr = _elementwise(_b.stdtr, "stdtr",
                     "``stdtr(df, t)``: Student's t CDF with ``df`` degrees of freedom.")
defpartials(stdtr, _no_derivative("special.stdtr", "df", "the degrees of freedom"),
            lambda ans, df, t: _t_density(df, t))

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


xlogy = primitive(_xlogy, "xlogy", elementwise=True, check_rules=False)
xlogy.__doc__ = "``x * log(y)``, zero where ``x`` is zero (even at ``y = 0``; not at a nan ``y``)."
defpartials(xlogy, lambda ans, x, y: ops.log(y), lambda ans, x, y: ops.div(x, y))
xlog1py = primitive(_xlog1py, "xlog1py", elementwise=True, check_rules=False)
xlog1py.__doc__ = "``x * log1p(y)``, zero where ``x`` is zero (even at ``y = -1``)."
defpartials(xlog1py, lambda ans, x, y: ops.log1p(y), lambda ans, x, y: ops.div(x, 1.0 + y))

# ---------------------------------------------------------- composites
def expit(x: Number) -> Number:
    """``1 / (1 + exp(-x))``, computed stably (``tg.sigmoid``; integer data as float64).

    Args:
      x: The log-odds.

    Returns:
      The probabilities, shaped like ``x``.
    """
    dtype = getattr(x, "dtype", None)
    if dtype is not None and np.dtype(dtype).kind in "iub":
        x = astype(x, np.float64)       # tg.sigmoid's -abs(x) of unsigned data wraps around
    return ops.sigmoid(x)


def logit(p: Number) -> Number:
    """``log(p / (1 - p))``, the inverse of ``expit``.

    Args:
      p: Probabilities (``-inf`` at 0, ``inf`` at 1, ``nan`` outside).

    Returns:
      The log-odds, shaped like ``p``.
    """
    return ops.log(p) - ops.log1p(-p)


def logsumexp(a: Number, axis: Any = None, b: Number | None = None, keepdims: bool = False,
              return_sign: bool = False) -> Any:
    """``log(sum(b * exp(a), axis))``, computed stably, with SciPy's semantics.

    Entries where ``b`` is zero are left out (even an infinite ``a``); a
    negative sum gives ``nan``, or with ``return_sign`` its log-magnitude
    and sign. The largest entry is a constant shift (the derivative does not
    flow through it), so ties and ``-inf`` entries are exact.

    Args:
      a: The exponents.
      axis: None (every axis), an int or a tuple of ints.
      b: Weights broadcast against ``a``; may be negative.
      keepdims: Keep the reduced axes with size 1.
      return_sign: Return ``(log(abs(s)), sign(s))`` instead of ``log(s)``.

    Returns:
      ``log(s)``, or the pair ``(log(abs(s)), sign(s))``.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> x = np.array([[0.0, 1000.0], [1.0, 1.0]])
      >>> float(logsumexp(x)) - 1000.0
      0.0
      >>> tg.grad(lambda x: logsumexp(x, axis=1)[1])(x)
      array([[0. , 0. ],
             [0.5, 0.5]])
    """
    if b is not None:
        a = kinks.where(logic.eq(b, 0), -math.inf, a + 0.0 * b)    # broadcast as SciPy does
    shape = _shape(a)
    reduced = range(len(shape)) if axis is None else _axes(axis, len(shape))
    if any(shape[i] == 0 for i in reduced):         # a sum of nothing: no shift, -inf
        m: Any = np.zeros(tuple(1 if i in reduced else n for i, n in enumerate(shape)))
    else:
        m = kinks.stop_gradient(reductions.max(a, axis=axis, keepdims=True))
    m = kinks.where(isfinite(m), m, 0.0)        # -inf/inf/nan shift by 0, with no warning
    e = ops.exp(a - m)
    s = reductions.sum(e if b is None else b * e, axis=axis, keepdims=keepdims)
    m = m if keepdims else reshape_to(m, _shape(s))
    if return_sign:
        return ops.log(kinks.abs(s)) + m, kinks.sign(s)
    return ops.log(s) + m


def _axes(axis: Any, nd: int) -> tuple[int, ...]:
    return tuple(int(a) % nd for a in (axis if isinstance(axis, tuple | list) else (axis,)))


def _shape(x: Any) -> tuple[int, ...]:
    shape = getattr(x, "shape", None)
    return tuple(shape) if shape is not None else np.shape(x)


def softmax(x: Number, axis: Any = None) -> Number:
    """``exp(x) / sum(exp(x), axis)``, computed stably (SciPy: ``axis=None`` is every axis).

    Args:
      x: The logits.
      axis: None (every axis), an int or a tuple of ints.

    Returns:
      An array shaped like ``x``, adding up to 1 along ``axis``.
    """
    return ops.exp(log_softmax(x, axis))


def log_softmax(x: Number, axis: Any = None) -> Number:
    """``x - logsumexp(x, axis, keepdims=True)``.

    Args:
      x: The logits.
      axis: None (every axis), an int or a tuple of ints.

    Returns:
      An array shaped like ``x``.
    """
    return x - logsumexp(x, axis=axis, keepdims=True)


# --------------------------------------------------- SciPy's own ufuncs
_SCIPY_UFUNCS: dict[str, Callable[..., Any]] = {
    "expit": expit, "erf": erf, "erfc": erfc, "erfinv": erfinv, "ndtr": ndtr,
    "log_ndtr": log_ndtr, "ndtri": ndtri, "gammaln": gammaln, "digamma": digamma,
    "psi": digamma, "polygamma": polygamma, "xlogy": xlogy, "xlog1py": xlog1py, "logit": logit,
    "gammainc": gammainc, "gammaincc": gammaincc, "betainc": betainc, "stdtr": stdtr}


_twins: dict[Any, Primitive] = {}


def _scipy_ufunc(ufunc: Any) -> Callable[..., Any] | None:
    """Ours for SciPy's ufunc of the same name (``scipy.special.expit`` -> ``expit``).

    Consulted by ``numpy_dispatch`` when a ufunc it does not know meets a
    traced value; SciPy is loaded then (its ufunc was called), so this never
    imports it, and ``tapegrad.scipy`` imports without SciPy. What it gives
    is the *SciPy twin* of ours: SciPy's ufunc computes the values (so
    ``jit(f)(x) == f(x)`` bit for bit for code calling SciPy), ours the
    derivatives.
    """
    name = getattr(ufunc, "__name__", "")
    special = sys.modules.get("scipy.special")
    if name not in _SCIPY_UFUNCS or special is None or getattr(special, name, None) is not ufunc:
        return None
    twin = _twins.get(ufunc)
    if twin is None:
        twin = _twins[ufunc] = _scipy_twin(name, ufunc)
    return twin


def _scipy_twin(name: str, ufunc: Any) -> Primitive:
    """A primitive whose impl is SciPy's ``ufunc`` and whose rules are our ``name``'s."""
    def impl(*args: Any) -> Any:
        return ufunc(*args)
    impl.__name__ = name
    twin = primitive(impl, f"scipy.special.{name}", elementwise=True, check_rules=False)
    if name == "logit":         # ours is a composite: its one partial here
        defpartials(twin, lambda ans, p: 1.0 / (p * (1.0 - p)))
        return twin
    ours = {"expit": ops.sigmoid, "betainc": _betainc}.get(name) or _SCIPY_UFUNCS[name]
    for rule in ("vjps", "jvps", "vjp_partials", "jvp_partials", "vjp_joint"):
        setattr(twin, rule, getattr(ours, rule))
    return twin


ufunc_finders.append(_scipy_ufunc)
