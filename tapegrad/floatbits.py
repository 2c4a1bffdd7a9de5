"""A float's parts and integer arithmetic: ``ldexp``, ``frexp``, ``modf``, ``nextafter``, ``gcd``...

Elementwise primitives whose impl is NumPy's ufunc (its bits), declared by
their partial derivatives: ``ldexp(x, i) = x * 2**i`` has ``2**i`` in ``x``;
``frexp``'s mantissa ``x / 2**e`` has ``2**-e``; ``modf``'s fractional part
has 1 and its integral part 0; ``nextafter(x, y)`` moves ``x`` by one step,
so it follows ``x``. Exponents, ``gcd``, ``lcm`` and ``bitwise_count`` are
integers, with no derivative. NumPy's ufuncs dispatch here on traced values.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .numpy_tables import ufuncs
from .primitive import Primitive, defpartials, primitive
from .values import primal_value, shape_of

__all__ = ["frexp", "ldexp", "modf", "nextafter"]

Number = Any


def _on_numbers(f: Any, out: int | None = None) -> Any:
    """NumPy's ufunc ``f`` (its output ``out`` of several); Python numbers give Python's."""
    def impl(*args: Any) -> Any:
        with np.errstate(all="ignore"):
            r = f(*args) if out is None else f(*args)[out]
        plain = all(type(a) is float or type(a) is int for a in args)
        return r.item() if plain and isinstance(r, np.generic) else r
    if f.nin == 1:            # the ufunc's own arity, which a signature shows
        fixed: Any = lambda x: impl(x)                            # noqa: E731
    else:
        fixed = lambda x, y: impl(x, y)                           # noqa: E731
    fixed.__name__ = f.__name__ if out is None else f"{f.__name__}_{out}"
    return fixed


def _elementwise(f: Any, name: str, out: int | None = None) -> Primitive:
    return primitive(_on_numbers(f, out), name, elementwise=True, check_rules=False)


def _ones(x: Any) -> Any:
    return np.ones(shape_of(x), np.asarray(primal_value(x)).dtype)


ldexp_p = _elementwise(np.ldexp, "ldexp")
defpartials(ldexp_p, lambda ans, x, i: ldexp_p(_ones(x), i), None)     # 2 ** i
mantissa_p = _elementwise(np.frexp, "frexp_mantissa", 0)
exponent_p = _elementwise(np.frexp, "frexp_exponent", 1)
defpartials(mantissa_p, lambda ans, x: ldexp_p(_ones(x), -exponent_p(x)))   # 2 ** -e
defpartials(exponent_p, None)
fraction_p = _elementwise(np.modf, "modf_fraction", 0)
integral_p = _elementwise(np.modf, "modf_integral", 1)
defpartials(fraction_p, 1.0)
defpartials(integral_p, 0.0)
nextafter_p = _elementwise(np.nextafter, "nextafter")
defpartials(nextafter_p, 1.0, 0.0)
gcd_p, lcm_p = _elementwise(np.gcd, "gcd"), _elementwise(np.lcm, "lcm")
bitwise_count_p = _elementwise(np.bitwise_count, "bitwise_count")
for _p in (gcd_p, lcm_p):
    defpartials(_p, None, None)     # integers: no derivative
defpartials(bitwise_count_p, None)


def ldexp(x: Number, i: Any) -> Number:
    """NumPy's ``ldexp``: ``x * 2**i`` for integers ``i``; its derivative in ``x`` is ``2**i``.

    Examples:
      >>> import tapegrad as tg
      >>> tg.ldexp(1.5, 3), tg.grad(tg.ldexp)(1.5, 3)
      (12.0, np.float64(8.0))
    """
    return ldexp_p(x, i)


def frexp(x: Number) -> tuple[Number, Number]:
    """NumPy's ``frexp``: ``(m, e)`` with ``x = m * 2**e``; ``dm/dx = 2**-e``, ``e`` integer."""
    return mantissa_p(x), exponent_p(x)


def modf(x: Number) -> tuple[Number, Number]:
    """NumPy's ``modf``: the fractional and integral parts (derivatives 1 and 0)."""
    return fraction_p(x), integral_p(x)


def nextafter(x: Number, y: Number) -> Number:
    """NumPy's ``nextafter``: the next float after ``x`` towards ``y`` (it follows ``x``)."""
    return nextafter_p(x, y)


ufuncs.update({np.ldexp: ldexp_p, np.frexp: frexp, np.modf: modf, np.nextafter: nextafter_p,
               np.gcd: gcd_p, np.lcm: lcm_p, np.bitwise_count: bitwise_count_p})
