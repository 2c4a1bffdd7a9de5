"""np.polynomial's ``polyval``, ``chebval``, ``legval``, ``hermval``, ``hermeval``, ``lagval``.

NumPy's own functions take a traced ``x`` but convert the coefficients
with ``np.array``, which a traced value cannot pass; these take a traced
value in either argument. Each is NumPy's recurrence (Horner's, or
Clenshaw's for the orthogonal bases) written with tapegrad's operations in
NumPy's order, so values equal NumPy's bit for bit and every transform
comes for free. ``tapegrad.polynomial`` gives them NumPy's module names.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .joins import as_array
from .shapes import reshape as reshape_to
from .values import Traced, primal_value, shape_of

__all__ = ["chebval", "hermeval", "hermval", "lagval", "legval", "polyval"]

Number = Any
Step = Callable[[Any, Any, Any, Any, int], tuple[Any, Any]]


def _coefficients(x: Any, c: Any, tensor: bool) -> tuple[Any, Any]:
    """``c`` as NumPy reads it (floats, one axis at least, ``x``'s axes added) and ``x``."""
    c = as_array(c)
    if type(c) is not Traced:
        c = np.array(c, ndmin=1)
    if np.asarray(primal_value(c)).dtype.char in "?bBhHiIlLqQpP":
        c = c + 0.0
    if not shape_of(c):
        c = reshape_to(c, (1,))
    if isinstance(x, list | tuple):
        x = as_array(x)
    if (type(x) is np.ndarray or type(x) is Traced and x.ndim > 0) and tensor:
        c = reshape_to(c, shape_of(c) + (1,) * len(shape_of(x)))
    return x, c


def _clenshaw(x: Any, c: Any, tensor: bool, step: Step, last: Callable[[Any, Any, Any], Any],
              x2: Callable[[Any], Any] = lambda x: x) -> Any:
    """NumPy's recurrence of the orthogonal bases: ``last(c0, c1, x)`` after the steps."""
    x, c = _coefficients(x, c, tensor)
    n = shape_of(c)[0]
    if n == 1:
        c0, c1 = c[0], 0
    elif n == 2:
        c0, c1 = c[0], c[1]
    else:
        nd, c0, c1, y = n, c[-2], c[-1], x2(x)
        for i in range(3, n + 1):
            nd = nd - 1
            c0, c1 = step(c[-i], c0, c1, y, nd)
    return last(c0, c1, x)


def polyval(x: Number, c: Number, tensor: bool = True) -> Number:
    """``np.polynomial.polynomial.polyval``: ``sum(c[i] * x**i)`` (lowest power first).

    Args:
      x: The points (a number or an array, traced or not).
      c: The coefficients, lowest degree first; further axes are further
        polynomials (each evaluated at every point where ``tensor``).
      tensor: NumPy's ``tensor``.

    Returns:
      The values, of shape ``c.shape[1:] + x.shape`` (``tensor``) as NumPy's.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.grad(lambda c: polyval(2.0, c))(np.array([1.0, 1.0, 1.0]))
      array([1., 2., 4.])
    """
    x, c = _coefficients(x, c, tensor)
    c0 = c[-1] + x * 0
    for i in range(2, shape_of(c)[0] + 1):
        c0 = c[-i] + c0 * x
    return c0


def chebval(x: Number, c: Number, tensor: bool = True) -> Number:
    """``np.polynomial.chebyshev.chebval``: ``sum(c[i] * T_i(x))``.

    As [polyval][tapegrad.series.polyval], in another basis.

    Args:
      x: The points (traced or not).
      c: The coefficients (traced or not), lowest degree first.
      tensor: NumPy's ``tensor``.

    Returns:
      The values, shaped as NumPy's.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.grad(lambda c: chebval(0.5, c))(np.array([1.0, 2.0, 3.0]))
      array([ 1. ,  0.5, -0.5])
    """
    return _clenshaw(x, c, tensor, lambda ci, c0, c1, x2, nd: (ci - c1, c0 + c1 * x2),
                     lambda c0, c1, x: c0 + c1 * x, lambda x: 2 * x)


def legval(x: Number, c: Number, tensor: bool = True) -> Number:
    """``np.polynomial.legendre.legval``: ``sum(c[i] * P_i(x))``.

    As [polyval][tapegrad.series.polyval], in another basis.

    Args:
      x: The points (traced or not).
      c: The coefficients (traced or not), lowest degree first.
      tensor: NumPy's ``tensor``.

    Returns:
      The values, shaped as NumPy's.
    """
    return _clenshaw(x, c, tensor, lambda ci, c0, c1, x, nd: (
        ci - c1 * ((nd - 1) / nd), c0 + c1 * x * ((2 * nd - 1) / nd)),
        lambda c0, c1, x: c0 + c1 * x)


def hermval(x: Number, c: Number, tensor: bool = True) -> Number:
    """``np.polynomial.hermite.hermval``: physicists' Hermite series.

    As [polyval][tapegrad.series.polyval], in another basis.

    Args:
      x: The points (traced or not).
      c: The coefficients (traced or not), lowest degree first.
      tensor: NumPy's ``tensor``.

    Returns:
      The values, shaped as NumPy's.
    """
    return _clenshaw(x, c, tensor, lambda ci, c0, c1, x2, nd: (
        ci - c1 * (2 * (nd - 1)), c0 + c1 * x2), lambda c0, c1, x: c0 + c1 * (x * 2),
        lambda x: x * 2)


def hermeval(x: Number, c: Number, tensor: bool = True) -> Number:
    """``np.polynomial.hermite_e.hermeval``: probabilists' Hermite series.

    As [polyval][tapegrad.series.polyval], in another basis.

    Args:
      x: The points (traced or not).
      c: The coefficients (traced or not), lowest degree first.
      tensor: NumPy's ``tensor``.

    Returns:
      The values, shaped as NumPy's.
    """
    return _clenshaw(x, c, tensor, lambda ci, c0, c1, x, nd: (
        ci - c1 * (nd - 1), c0 + c1 * x), lambda c0, c1, x: c0 + c1 * x)


def lagval(x: Number, c: Number, tensor: bool = True) -> Number:
    """``np.polynomial.laguerre.lagval``: a Laguerre series.

    As [polyval][tapegrad.series.polyval], in another basis.

    Args:
      x: The points (traced or not).
      c: The coefficients (traced or not), lowest degree first.
      tensor: NumPy's ``tensor``.

    Returns:
      The values, shaped as NumPy's.
    """
    return _clenshaw(x, c, tensor, lambda ci, c0, c1, x, nd: (
        ci - (c1 * (nd - 1)) / nd, c0 + (c1 * ((2 * nd - 1) - x)) / nd),
        lambda c0, c1, x: c0 + c1 * (1 - x))
