"""A polynomial's roots (``np.roots``) and its division (``np.polydiv``) on traced coefficients.

``np.roots`` strips the leading zeros of the coefficients (fewer roots) and
the trailing ones (each a root at 0), as NumPy does; whether a coefficient
is zero is a comparison Python branches on, so ``jit`` guards it and
``vmap`` splits the batch on it. The roots of what is left are NumPy's own
(the eigenvalues of the companion matrix), one ``roots`` record, whose
derivative is the implicit function theorem's: a simple root ``r`` of
``q(x; c)`` moves by ``-polyval(dc, r) / q'(r)``. tapegrad differentiates
real numbers: complex roots raise a ``TypeError``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .along import _stacked
from .arrays import concatenate, stack
from .differences import polyval
from .indexing import getitem
from .numpy_tables import functions
from .polynomials import polyder, vander
from .predicates import allclose
from .primitive import Primitive, defjvp, defvjp, primitive
from .reshaping import atleast_1d
from .values import primal_value, shape_of

__all__ = ["polydiv", "roots"]

Number = Any


def _roots(c: Any) -> Any:
    """NumPy's roots of coefficients whose first and last are not zero; real ones only."""
    r = np.roots(c)
    if r.dtype.kind == "c":
        raise TypeError(
            f"np.roots: the polynomial with coefficients {np.asarray(c)!r} has complex "
            "roots, and tapegrad differentiates real numbers only: take np.roots of the "
            "coefficients outside the transform (a constant), or differentiate the real "
            "roots of a polynomial that has only real roots.")
    return r


def _slope(ans: Any, c: Any) -> Any:
    """``q'(r)`` at each root: the derivative's denominator."""
    return polyval(polyder(c), ans)


roots_p: Primitive = primitive(_roots, "roots", check_rules=False)
defjvp(roots_p, lambda t, ans, c: -polyval(t, ans) / _slope(ans, c))
defvjp(roots_p, lambda g, ans, c: -((g / _slope(ans, c)) @ vander(ans, shape_of(c)[0])))


def roots(p: Number) -> Number:
    """NumPy's ``roots``: the roots of the polynomial with coefficients ``p`` (highest first).

    Args:
      p: A 1-D array of coefficients (traced or not), or a list of them.

    Returns:
      The roots, NumPy's (float64, in NumPy's order); leading zeros of ``p``
      are dropped, each trailing zero adds a root at 0.

    Raises:
      TypeError: where the roots are complex (tapegrad differentiates reals).

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.grad(lambda c: tg.roots(c).max())(np.array([1.0, -3.0, 2.0]))
      array([-4., -2., -1.])
    """
    p = atleast_1d(_stacked(p))
    if len(shape_of(p)) != 1:
        raise ValueError("Input must be a rank-1 array.")
    n = shape_of(p)[0]
    lead = 0
    while lead < n and not bool(getitem(p, lead) != 0):     # guards under jit
        lead += 1
    trail = n
    while trail > lead and not bool(getitem(p, trail - 1) != 0):
        trail -= 1
    if lead == n:
        return np.array([])
    r = roots_p(getitem(p, slice(lead, trail)))
    return r if trail == n else concatenate([r, np.zeros(n - trail, r.dtype)], 0)


def polydiv(u: Number, v: Number) -> tuple[Number, Number]:
    """NumPy's ``polydiv``: quotient and remainder of ``u / v`` (coefficients highest first).

    NumPy's long division, step for step; the remainder's leading entries
    that are about zero (``np.allclose(r[0], 0, rtol=1e-14)``) are dropped,
    a comparison that ``jit`` guards.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.polydiv(np.array([1.0, -3.0, 2.0]), np.array([1.0, -1.0]))
      (array([ 1., -2.]), array([0.]))
    """
    u, v = atleast_1d(_stacked(u)) + 0.0, atleast_1d(_stacked(v)) + 0.0
    dtype = np.result_type(primal_value(getitem(u, 0)), primal_value(getitem(v, 0)))
    m, n = shape_of(u)[0] - 1, shape_of(v)[0] - 1
    scale = 1.0 / getitem(v, 0)
    q: list[Any] = []
    r = u if np.asarray(primal_value(u)).dtype == dtype else u.astype(dtype)
    for k in range(m - n + 1):
        d = scale * getitem(r, k)
        q.append(d)
        r = concatenate([getitem(r, slice(None, k)),
                         getitem(r, slice(k, k + n + 1)) - d * v,
                         getitem(r, slice(k + n + 1, None))], 0)
    while shape_of(r)[0] > 1 and bool(allclose(getitem(r, 0), 0, rtol=1e-14)):
        r = getitem(r, slice(1, None))
    return (stack(q).astype(dtype) if q else np.zeros(1, dtype)), r


functions.update({np.roots: (roots, ()), np.polydiv: (polydiv, ())})
