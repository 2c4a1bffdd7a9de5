"""jit on arrays of other libraries: each equation calls the Array API's functions.

An equation whose arguments are another library's arrays (PyTorch, CuPy,
array-api-strict...) is written as a call of its primitive's Array-API rule
with ``_xp``, the namespace bound once per specialization; an operator
(``+``, ``*``, ``@``) stays an operator.
"""

from __future__ import annotations

from typing import Any

from ..backends import array_api_impls
from .program import Eqn
from .source import Pieces, fill, joined
from .spellings import spellings


def standard(w: Any, e: Eqn, args: list[Pieces], xp: Any) -> Pieces:
    """``e``'s Array-API rule called with ``_xp``, bound once in ``w.ns`` (operators stay)."""
    spelling = spellings.get(e.prim)
    if spelling is not None and spelling.exact is not None:
        w.ns.update(spelling.names)
        return fill(spelling.exact, args)
    rule = array_api_impls.get(e.prim)
    if rule is None:
        return (f"{w.impl_name(e.prim)}(",) + joined(args) + (")",)
    w.ns["_xp"] = xp
    name = f"xp_{w.impl_name(e.prim)}"
    w.ns[name] = rule
    return (f"{name}(_xp, ",) + joined(args) + (")",)
