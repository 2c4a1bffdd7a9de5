"""np.polynomial's series classes of traced coefficients: ``Polynomial.fit`` and evaluation.

``Polynomial(coef)``, ``Chebyshev(coef)``... keep ``coef``, ``domain`` and
``window`` as NumPy's do and evaluate at ``x`` as NumPy's ``__call__``:
``x`` mapped from the domain to the window, then the series' ``*val``.
``fit(x, y, deg)`` is NumPy's least-squares fit (its column scaling, its
``rcond``, its weights) written with NumPy's functions, which run on traced
values: ``y``, ``x`` and ``w`` may be traced, and the derivative of the
coefficients is that of ``np.linalg.lstsq``. Only what a fit needs is here
(no arithmetic between series).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np

from .. import series
from ..arrays import stack
from ..joins import as_array
from ..kinks import where
from ..reductions import max as tg_max
from ..reductions import min as tg_min
from ..values import Traced, shape_of

__all__ = ["Chebyshev", "Hermite", "HermiteE", "Laguerre", "Legendre", "Polynomial"]

Number = Any


def _mapparms(old: Any, new: Any) -> tuple[Any, Any]:
    """NumPy's ``mapparms``: ``off, scl`` with ``new = off + scl * old``."""
    oldlen, newlen = old[1] - old[0], new[1] - new[0]
    return (old[1] * new[0] - old[0] * new[1]) / oldlen, newlen / oldlen


class _Series:
    """A series of one of np.polynomial's bases (see the module)."""

    val: ClassVar[Callable[..., Any]]
    default: ClassVar[tuple[float, float]] = (-1.0, 1.0)

    def __init__(self, coef: Number, domain: Any = None, window: Any = None,
                 symbol: str = "x") -> None:
        coef = as_array(coef)
        self.coef = coef if type(coef) is Traced else np.array(coef, ndmin=1) * 1.0
        self.domain = np.array(self.default) if domain is None else as_array(domain)
        self.window = np.array(self.default) if window is None else as_array(window)
        self.symbol = symbol

    def __call__(self, x: Number) -> Number:
        """The series at ``x`` (NumPy's: ``x`` mapped from ``domain`` to ``window``)."""
        off, scl = _mapparms(self.domain, self.window)
        return type(self).val(off + scl * as_array(x), self.coef)

    @classmethod
    def fit(cls, x: Number, y: Number, deg: int, domain: Any = None, rcond: float | None = None,
            full: bool = False, w: Number = None, window: Any = None,
            symbol: str = "x") -> _Series:
        """NumPy's ``fit``: the least-squares series of degree ``deg`` through ``(x, y)``.

        Args:
          x: The sample points (traced or not).
          y: The values (traced or not), one axis.
          deg: The degree (an int).
          domain: None (``[min(x), max(x)]``), ``[]`` (the class's) or a pair.
          rcond: NumPy's cutoff of small singular values (``len(x) * eps``).
          full: False only.
          w: Weights of the points (traced or not), or None.
          window: The window (the class's by default).
          symbol: NumPy's name of the variable.

        Returns:
          The fitted series, its ``coef`` traced where the data are.

        Examples:
          >>> import numpy as np
          >>> import tapegrad as tg
          >>> f = lambda y: Polynomial.fit(np.arange(4.0), y, 1).coef[1]
          >>> tg.grad(f)(np.array([0.0, 1.0, 2.0, 3.0]))
          array([-0.45, -0.15,  0.15,  0.45])
        """
        if full or not isinstance(deg, int | np.integer):
            raise TypeError("fit: full=False and an int deg only, for traced data.")
        x, y = as_array(x), as_array(y)
        if len(shape_of(y)) != 1:
            raise ValueError("fit: y must have one axis (NumPy's series have 1-d coefficients).")
        window = np.array(cls.default) if window is None else as_array(window)
        if domain is None:
            domain = stack([tg_min(x), tg_max(x)]) if type(x) is Traced else \
                np.array([np.min(x), np.max(x)]) * 1.0
        elif len(domain) == 0:
            domain = np.array(cls.default)
        off, scl = _mapparms(domain, window)
        coef = _lstsq(cls, off + scl * x, y, int(deg), rcond, w)
        return cls(coef, domain, window, symbol)


def _lstsq(cls: type[_Series], x: Any, y: Any, deg: int, rcond: float | None, w: Any) -> Any:
    """NumPy's ``polyutils._fit``: columns scaled to unit norm, then ``np.linalg.lstsq``."""
    # the basis at x (NumPy's vander, by rows), the same bits for a traced x and a constant
    lhs = stack([cls.val(x + 0.0, np.eye(deg + 1)[k]) for k in range(deg + 1)])
    rhs = y
    if w is not None:
        w = as_array(w) + 0.0
        lhs, rhs = lhs * w, rhs * w
    if rcond is None:
        rcond = shape_of(x)[0] * float(np.finfo(np.float64).eps)
    scl = np.sqrt(np.sum(lhs * lhs, axis=1))
    scl = where(scl == 0, 1.0, scl) if type(scl) is Traced else np.where(scl == 0, 1.0, scl)
    return np.linalg.lstsq(lhs.T / scl, rhs, rcond)[0] / scl


def _kind(name: str, val: Callable[..., Any],
          default: tuple[float, float] = (-1.0, 1.0)) -> type[_Series]:
    """A class of one basis, named as NumPy's."""
    doc = (f"NumPy's ``np.polynomial.{name}`` of traced coefficients: ``coef``, ``domain``, "
           f"``window``, evaluation and ``fit`` (see the module).")
    return type(name, (_Series,), {"val": staticmethod(val), "default": default,
                                   "__doc__": doc, "__module__": __name__})


Polynomial = _kind("Polynomial", series.polyval)
Chebyshev = _kind("Chebyshev", series.chebval)
Legendre = _kind("Legendre", series.legval)
Hermite = _kind("Hermite", series.hermval)
HermiteE = _kind("HermiteE", series.hermeval)
Laguerre = _kind("Laguerre", series.lagval, (0.0, 1.0))
