"""``tapegrad.ops`` computing NumPy's bits on numbers, for the SciPy functions written with it.

``tg.exp`` of a number runs ``math.exp``: within an ulp of ``np.exp``, not
always the same bits (about one number in twenty). SciPy computes its
distributions and ``expit`` or ``entr`` by the same code on a number as on
an array; so do these primitives, so that ``stats.norm.pdf(t)`` of an
``np.float64`` is the same number as ``stats.norm.pdf`` of the batch holding
it, and ``vmap`` of a program calling it is the Python loop over the batch,
bit for bit. Each
primitive is ``ops``' own (its name, derivative rules, batching, arrays)
but for its impl on numbers, which returns a float as ``ops``' does. The
names not made here are ``ops``' own.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import ops as _ops
from ..backends import array_api_impls
from ..batching.rules import batch_rules
from ..primitive import Primitive, defpartials, primitive
from ..staging.spellings import Spelling, spellings

_NUMBERS = (float, int, np.float64)


def _on_numbers(prim: Primitive, ufunc: Any) -> Primitive:
    """``prim`` computing ``float(ufunc(*args))`` where every argument is a number."""
    array_impl = prim.impl

    def impl(*args: Any) -> Any:
        for a in args:
            if type(a) not in _NUMBERS:
                return array_impl(*args)
        with np.errstate(all="ignore"):        # NumPy's inf and nan, as ops' fallback gives
            return float(ufunc(*(np.asarray(a, dtype=np.float64) for a in args)))
    impl.__name__ = prim.impl.__name__
    out = primitive(impl, prim.name, elementwise=prim.elementwise, check_rules=False)
    for rule in ("vjps", "jvps", "vjp_partials", "jvp_partials", "vjp_joint"):
        setattr(out, rule, getattr(prim, rule))
    if prim in array_api_impls:
        array_api_impls[out] = array_api_impls[prim]
    if prim in batch_rules:
        batch_rules[out] = batch_rules[prim]
    old = spellings.get(prim)
    if old is not None:          # on numbers: the impl; on arrays: the same NumPy call
        spellings[out] = Spelling(array=old.array, names=old.names)
    return out


exp = _on_numbers(_ops.exp, np.exp)
log = _on_numbers(_ops.log, np.log)
log1p = _on_numbers(_ops.log1p, np.log1p)
expm1 = _on_numbers(_ops.expm1, np.expm1)
sqrt = _on_numbers(_ops.sqrt, np.sqrt)
sin = _on_numbers(_ops.sin, np.sin)
cos = _on_numbers(_ops.cos, np.cos)
tanh = _on_numbers(_ops.tanh, np.tanh)
arctan = _on_numbers(_ops.arctan, np.arctan)
tan = _on_numbers(_ops.tan, np.tan)
softplus = _on_numbers(_ops.softplus, lambda x: np.logaddexp(0.0, x))
sigmoid = _on_numbers(_ops.sigmoid, _ops.sigmoid.impl)     # its array branch on a 0-d array
# the rules that call a transcendental function call these, so a derivative at a number is
# the bits of the batch's derivative too (ops' rules would run math.cos, math.exp, ...)
defpartials(sin, lambda ans, x: cos(x))
defpartials(cos, lambda ans, x: _ops.neg(sin(x)))
defpartials(softplus, lambda ans, x: sigmoid(x))


def __getattr__(name: str) -> Any:
    return getattr(_ops, name)
