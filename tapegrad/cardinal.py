"""``np.sinc``, the cardinal sine: ``sin(pi x) / (pi x)``, with every derivative right at 0.

Away from 0 the derivative is ``(cos(pi x) - sinc(x)) / x``; at 0 that is
0/0, so the primitive's derivative is a second primitive, ``derivative(k)``
(the ``k``-th derivative), computed from the Maclaurin series where
``|x| < 0.5`` (JAX's ``_sinc_maclaurin``; no cancellation there). Each
derivative primitive's own derivative is the next one, so every order is
exact at 0 and differentiates again.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .numpy_dispatch import functions
from .primitive import Primitive, defjvp, defvjp, primitive
from .staging.spellings import Spelling, spellings

__all__ = ["sinc"]

Number = Any
_NEAR = 0.5       # below it, the series (20 terms: no cancellation, error far below an ulp)


def _series(k: int, x: Any) -> Any:
    """The ``k``-th derivative of sinc near 0: sum over even powers of ``(pi x)``."""
    total = np.zeros_like(np.asarray(x, dtype=float) if not isinstance(x, np.ndarray) else x)
    px = np.pi * np.asarray(x)
    for m in range(k // 2 + (k % 2), k // 2 + (k % 2) + 20):
        n = 2 * m                                       # (-1)^m (pi x)^(2m) / (2m+1)!
        if n < k:
            continue
        term = (-1) ** m / math.factorial(n + 1) * math.perm(n, k) * np.pi ** k
        total = total + term * px ** (n - k) / np.pi ** 0
    return total


def _direct(k: int, x: Any) -> Any:
    """The ``k``-th derivative away from 0, by Leibniz on ``sin(pi x) * x**-1 / pi``."""
    total = 0.0
    for j in range(k + 1):
        dsin = np.pi ** j * np.sin(np.pi * x + j * np.pi / 2)
        dinv = (-1) ** (k - j) * math.factorial(k - j) * x ** (-(k - j) - 1)
        total = total + math.comb(k, j) * dsin * dinv
    return total / np.pi


def _sinc_d(x: Any, k: int) -> Any:
    x = np.asarray(x) if not isinstance(x, float | int) else x
    near = np.abs(x) < _NEAR
    safe = np.where(near, 1.0, x)
    out = np.where(near, _series(k, x), _direct(k, safe))
    out = out.astype(x.dtype) if isinstance(x, np.ndarray) and x.dtype.kind == "f" else out
    return float(out) if np.ndim(out) == 0 and not isinstance(x, np.ndarray) else out


_DERIVATIVES: dict[int, Primitive] = {}


def derivative(k: int) -> Primitive:
    """The ``k``-th derivative of sinc: an elementwise primitive, its own derivative the next."""
    prim = _DERIVATIVES.get(k)
    if prim is None:
        prim = primitive(lambda x: _sinc_d(x, k), f"sinc_d{k}", elementwise=True,
                         check_rules=False)
        defvjp(prim, lambda g, ans, x: g * derivative(k + 1)(x))
        defjvp(prim, lambda t, ans, x: t * derivative(k + 1)(x))
        _DERIVATIVES[k] = prim
    return prim


def _sinc(x: Any) -> Any:
    out = np.sinc(x)
    return float(out) if isinstance(x, float | int) else out


sinc_p: Primitive = primitive(_sinc, "sinc", elementwise=True, check_rules=False)
defvjp(sinc_p, lambda g, ans, x: g * derivative(1)(x))
defjvp(sinc_p, lambda t, ans, x: t * derivative(1)(x))
spellings[sinc_p] = Spelling(array="_np_sinc({0})", names={"_np_sinc": np.sinc})


def sinc(x: Number) -> Number:
    """NumPy's ``sinc``: ``sin(pi x) / (pi x)``, 1 at 0; derivatives of every order at 0.

    Args:
      x: A number or an array (traced or not).

    Returns:
      NumPy's values.

    Examples:
      >>> import tapegrad as tg
      >>> tg.sinc(0.0), tg.grad(tg.sinc)(0.0), round(tg.grad(tg.grad(tg.sinc))(0.0), 12)
      (1.0, 0.0, -3.289868133696)
    """
    return sinc_p(x)


functions[np.sinc] = (sinc, ())
