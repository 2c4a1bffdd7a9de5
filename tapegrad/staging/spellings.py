"""jit's table: how each primitive is written in generated Python.

A primitive's block fills ``spellings[prim] = Spelling(...)`` beside its
rules (as JAX's ``mlir.register_lowering(mul_p, ...)`` sits beside
``mul_p``). A primitive with no entry is a call of its ``impl``, which is
always right. Every spelling computes the impl's own numbers, bit for bit:
``tests/test_spellings.py`` checks each on random floats and arrays.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Spelling", "spellings"]


@dataclass(frozen=True)
class Spelling:
    """How jit writes one primitive; ``{0}``, ``{1}``... are its arguments.

    Attributes:
      exact: an expression valid for every kind of argument (a Python
        operator whose meaning is the impl: ``"{0} * {1}"``).
      float: the expression of the impl's branch when the arguments in
        ``floats`` are Python floats (``{impl}`` names the impl itself).
      array: the expression of the impl's branch for float arrays; names
        it uses from NumPy are written ``_np.name``.
      floats: which arguments must be floats for ``float`` (default: all).
      repeats: the arguments the spelling evaluates twice (so they are not
        fused into it).
      units: per argument, the constant that makes the result the *other*
        argument, bit for bit (mul ``(1.0, 1.0)``, sub ``(None, 0.0)``).
    """

    exact: str | None = None
    float: str | None = None
    array: str | None = None
    floats: tuple[int, ...] | None = None
    repeats: tuple[int, ...] = ()
    units: tuple[Any, ...] = ()


spellings: dict[Any, Spelling] = {}
"""``spellings[prim]``: filled by each primitive's block, read by ``lower``."""
