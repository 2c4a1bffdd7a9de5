"""jit's table: how each primitive is written in generated Python.

A primitive's block fills ``spellings[prim] = Spelling(...)`` beside its
rules (as JAX's ``mlir.register_lowering(mul_p, ...)`` sits beside
``mul_p``). A primitive with no entry is a call of its ``impl``, which is
always right. Every spelling computes the impl's own numbers, bit for bit:
``tests/test_spellings.py`` checks each on random floats and arrays.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Spelling", "spellings"]


@dataclass(frozen=True)
class Spelling:
    """How jit writes one primitive; ``{0}``, ``{1}``... are its arguments.

    Attributes:
      exact: an expression valid for every kind of argument (a Python
        operator whose meaning is the impl: ``"{0} * {1}"``).
      float: the expression of the impl's branch when the arguments are of
        the ``kinds`` (``{impl}`` names the impl itself).
      kinds: the type each argument must have for ``float`` (None: any);
        default: every argument a Python float.
      array: the expression of the impl's branch when an argument is an
        array; or a function of the arguments' values and the result
        (as seen while tracing) giving that expression, or None where the
        impl takes another branch.
      names: the globals the expressions use (``{"_np_exp": np.exp}``).
      repeats: the arguments the spelling evaluates twice (so they are not
        fused into it).
      units: per argument, the constant that makes the result the *other*
        argument, bit for bit (mul ``(1.0, 1.0)``, sub ``(None, 0.0)``).
    """

    exact: str | None = None
    float: str | None = None
    kinds: tuple[type | None, ...] | None = None
    array: str | Callable[[list[Any], Any], str | None] | None = None
    names: Mapping[str, Any] = field(default_factory=dict)
    repeats: tuple[int, ...] = ()
    units: tuple[Any, ...] = ()

    def float_applies(self, kinds: list[Any]) -> bool:
        """Whether ``float`` spells the impl on arguments of these types."""
        want = self.kinds if self.kinds is not None else (float,) * len(kinds)
        return self.float is not None and len(want) == len(kinds) and all(
            w is None or w is k for w, k in zip(want, kinds))

    def array_for(self, values: list[Any], ans: Any) -> str | None:
        """The array expression for these values (an array among them), or None."""
        if self.array is None or isinstance(self.array, str):
            return self.array
        return self.array(values, ans)


spellings: dict[Any, Spelling] = {}
"""``spellings[prim]``: filled by each primitive's block, read by ``lower``."""
