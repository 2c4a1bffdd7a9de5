"""``np.i0``, the modified Bessel function of the first kind and order 0.

NumPy's own algorithm written with tapegrad's operations: Chebyshev series
(Cephes' coefficients) of ``exp(-x) i0(x)`` in ``x / 2 - 2`` for ``|x| <= 8``
and of ``sqrt(x) exp(-x) i0(x)`` in ``32 / x - 2`` above, summed by
Clenshaw's recurrence in NumPy's order, so values match NumPy's bit for
bit. Each branch runs on values safe for it (``tg.where`` before and after),
so the derivative (that of the series: ``i1`` to within its accuracy) has
no NaN from the branch not taken. NumPy's name dispatches here.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .arrays import astype
from .kinks import where
from .numpy_dispatch import functions
from .ops import exp, sqrt
from .values import primal_value

__all__ = ["i0"]

Number = Any

# the Chebyshev coefficients NumPy uses (numpy/lib/_function_base_impl.py, from Cephes)
_I0_SMALL = (
    -4.4153416464793395e-18, 3.3307945188222384e-17, -2.431279846547955e-16,
    1.715391285555133e-15, -1.1685332877993451e-14, 7.676185498604936e-14,
    -4.856446783111929e-13, 2.95505266312964e-12, -1.726826291441556e-11,
    9.675809035373237e-11, -5.189795601635263e-10, 2.6598237246823866e-09,
    -1.300025009986248e-08, 6.046995022541919e-08, -2.670793853940612e-07,
    1.1173875391201037e-06, -4.4167383584587505e-06, 1.6448448070728896e-05,
    -5.754195010082104e-05, 0.00018850288509584165, -0.0005763755745385824,
    0.0016394756169413357, -0.004324309995050576, 0.010546460394594998,
    -0.02373741480589947, 0.04930528423967071, -0.09490109704804764, 0.17162090152220877,
    -0.3046826723431984, 0.6767952744094761,
)
_I0_LARGE = (
    -7.233180487874754e-18, -4.830504485944182e-18, 4.46562142029676e-17,
    3.461222867697461e-17, -2.8276239805165836e-16, -3.425485619677219e-16,
    1.7725601330565263e-15, 3.8116806693526224e-15, -9.554846698828307e-15,
    -4.150569347287222e-14, 1.54008621752141e-14, 3.8527783827421426e-13,
    7.180124451383666e-13, -1.7941785315068062e-12, -1.3215811840447713e-11,
    -3.1499165279632416e-11, 1.1889147107846439e-11, 4.94060238822497e-10,
    3.3962320257083865e-09, 2.266668990498178e-08, 2.0489185894690638e-07,
    2.8913705208347567e-06, 6.889758346916825e-05, 0.0033691164782556943,
    0.8044904110141088,
)


def _chbevl(x: Any, vals: tuple[float, ...]) -> Any:
    """The Chebyshev series ``vals`` at ``x`` by Clenshaw's recurrence, as NumPy sums it."""
    b0: Any = vals[0]
    b1: Any = 0.0
    b2: Any = 0.0
    for v in vals[1:]:
        b2 = b1
        b1 = b0
        b0 = x * b1 - b2 + v
    return 0.5 * (b0 - b2)


def i0(x: Number) -> Number:
    """NumPy's ``i0``: the modified Bessel function of the first kind, order 0.

    Args:
      x: A number or an array (traced or not); integers are taken as floats.

    Returns:
      ``i0(x)``, NumPy's values (float32 stays float32); its derivative is
      ``i1(x)`` (0 at 0), smooth there to any order.

    Raises:
      TypeError: for complex values, as NumPy's.

    Examples:
      >>> import tapegrad as tg
      >>> round(float(tg.i0(1.0)), 12), round(float(tg.grad(tg.i0)(1.0)), 12)
      (1.266065877752, 0.565159103992)
    """
    kind = np.asarray(primal_value(x)).dtype.kind
    if kind == "c":
        raise TypeError("i0 not supported for complex values")
    if kind != "f":
        x = astype(x, float)
    x = where(x < 0.0, -x, x)     # |x| (i0 is even), smooth at 0: i0''(0) = 1/2, not 0
    small = x <= 8.0
    near = where(small, x, 0.0)          # each branch sees only values it is meant for
    far = where(small, 8.0, x)
    inner = exp(near) * _chbevl(near / 2.0 - 2, _I0_SMALL)
    outer = exp(far) * _chbevl(32.0 / far - 2.0, _I0_LARGE) / sqrt(far)
    return where(small, inner, outer)


functions[np.i0] = (i0, ())
