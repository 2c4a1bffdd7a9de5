"""The gamma family of ``tapegrad.scipy.special``: primitives computed with NumPy and ``math``.

``gammaln``, ``digamma``, ``polygamma``, ``gamma``, ``loggamma``, ``betaln``
(and ``factorial``, ``multigammaln``), with ``_elementwise`` (a primitive
from a ``_numerics`` function) and ``_no_derivative`` (a refusing partial),
which the other modules of ``tapegrad.scipy.special`` build on.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import kinks, logic
from ..primitive import Primitive, defpartials, primitive
from ..values import Traced
from . import _betainc as _b
from . import _numerics as _n

__all__ = ["betaln", "digamma", "factorial", "gamma", "gammaln", "loggamma", "multigammaln",
           "polygamma"]

Number = Any

def _elementwise(f: Any, name: str, doc: str) -> Primitive:
    """A primitive computing ``f`` (of ``_numerics``) on any plain number."""
    def impl(*args: Any) -> Any:
        return _n.run(f, *args)
    impl.__name__ = name
    prim = primitive(impl, name, elementwise=True, check_rules=False)
    prim.__doc__ = doc
    return prim


def _no_derivative(function: str, name: str, what: str, other: str = "x") -> Any:
    """A partial that refuses: the derivative of ``function`` in its argument ``name``."""
    def refuse(*_: Any) -> Any:
        raise NotImplementedError(
            f"tapegrad.scipy.{function}: the derivative with respect to {name} ({what}) is not "
            f"implemented; differentiate with respect to {other} only, holding {name} constant "
            f"(pass it as a plain number, or tg.stop_gradient({name})).")
    return refuse


# ------------------------------------------------------------ gamma family
gammaln = _elementwise(_n.gammaln, "gammaln",
                       "``log(abs(gamma(x)))``; ``inf`` at the poles 0, -1, -2, ...")
digamma = _elementwise(_n.digamma, "digamma",
                       "The digamma function ``psi(x) = d/dx log(gamma(x))``.")
polygamma = _elementwise(_n.polygamma, "polygamma",
                         "``polygamma(n, x)``: the ``n``-th derivative of ``digamma``.")
gamma = _elementwise(_n.gamma, "gamma", "The gamma function; ``inf`` at 0, ``nan`` at -1, -2, ...")
defpartials(gamma, lambda ans, x: ans * digamma(x))
defpartials(gammaln, lambda ans, x: digamma(x))
loggamma = _elementwise(_n.loggamma, "loggamma", "SciPy's ``loggamma`` of reals: ``gammaln``, "
                        "``nan`` below 0.")
defpartials(loggamma, lambda ans, x: digamma(x))
defpartials(digamma, lambda ans, x: polygamma(1, x))
defpartials(polygamma, None, lambda ans, n, x: polygamma(n + 1, x))


def factorial(n: Number, exact: bool = False) -> Number:
    """SciPy's ``factorial(n)``: ``gamma(n + 1)``, 0 where ``n < 0`` (``exact=False`` only).

    Example:
      >>> import tapegrad as tg
      >>> from tapegrad.scipy.special import factorial
      >>> factorial(np.array([0, 3, -1])), round(tg.grad(factorial)(2.0), 12)
      (array([1., 6., 0.]), 1.845568670197)
    """
    if exact:
        raise NotImplementedError("tapegrad's factorial is exact=False: gamma(n + 1) in floats")
    return kinks.where(logic.lt(n, 0), 0.0, gamma(n + 1.0))


betaln = _elementwise(_b.betaln, "betaln",
                      "``log(abs(B(a, b)))``; Stirling's series where ``a`` or ``b`` is large.")
defpartials(betaln, lambda ans, a, b: digamma(a) - digamma(a + b),
            lambda ans, a, b: digamma(b) - digamma(a + b))


def multigammaln(a: Number, d: int) -> Number:
    """The log of the multivariate gamma function of dimension ``d`` (SciPy's ``multigammaln``).

    ``d (d - 1) / 4 log(pi) + sum_j gammaln(a - j / 2)`` for ``j = 0 .. d-1``.

    Args:
      a: Where to evaluate; SciPy's domain is ``a > (d - 1) / 2``.
      d: The dimension, a positive int (not traced).

    Returns:
      The value, shaped like ``a``.

    Raises:
      ValueError: for a ``d`` that is not a positive integer, or a plain ``a``
        outside the domain (as SciPy).

    Examples:
      >>> round(float(multigammaln(2.0, 3)), 12)
      1.596312591139
    """
    if not isinstance(d, int | np.integer) or isinstance(d, bool) or d < 1:
        raise ValueError(f"multigammaln: d must be a positive integer, got {d!r}.")
    if not isinstance(a, Traced) and np.any(np.asarray(a) <= 0.5 * (d - 1)):
        raise ValueError(f"multigammaln: condition a ({a}) > 0.5 * (d-1) ({0.5 * (d - 1)}) "
                         "not met.")
    total = 0.25 * d * (d - 1) * math.log(math.pi)
    for j in range(d):
        total = total + gammaln(a - 0.5 * j)
    return total
