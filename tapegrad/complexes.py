"""Complex values under jit and vmap: their real and imaginary parts, conjugate and angle.

tapegrad differentiates real numbers only: a complex constant meeting a
value that is being differentiated is a ``TypeError`` (``recording.py``).
``jit`` and ``vmap`` compute values only, so there ``x * 1j`` is NumPy's
complex array, and these primitives take it apart as NumPy does
(``(x * 1j).real`` is zeros, not ``x``). On real values ``tg.real`` and the
others stay what they were: the value itself, zeros, ``x``, 0 or pi.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .elementary import conjugate as real_conjugate
from .numpy_tables import ufuncs
from .primitive import Primitive, primitive
from .values import Traced, is_complex, primal_value

__all__ = ["complex_part", "conjugate", "is_complex_traced"]


def _prim(f: Any, name: str) -> Primitive:
    return primitive(f, name, elementwise=True, check_rules=False)


_PARTS: dict[str, Primitive] = {
    "real": _prim(np.real, "real"),
    "imag": _prim(np.imag, "imag"),
    "conjugate": _prim(np.conjugate, "conjugate"),
    "angle": _prim(np.angle, "angle"),
    "angle_deg": _prim(lambda z: np.angle(z, deg=True), "angle_deg"),
}


def is_complex_traced(x: Any) -> bool:
    """A traced value whose number is complex (under ``jit`` or ``vmap`` only)."""
    return is_complex(primal_value(x))


def complex_part(name: str, z: Any) -> Any:
    """NumPy's ``real``, ``imag``, ``conjugate``, ``angle`` of a traced complex ``z``."""
    return _PARTS[name](z)


def conjugate(x: Any) -> Any:
    """NumPy's ``conjugate``: of a real number ``x`` itself (bools as int8, NumPy's loop)."""
    if type(x) is Traced and is_complex_traced(x):
        return complex_part("conjugate", x)
    return real_conjugate(x)


ufuncs[np.conjugate] = conjugate
Traced.conj = Traced.conjugate = conjugate          # type: ignore
