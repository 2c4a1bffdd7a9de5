"""JAX's ``closure_convert`` for ``odeint``: traced values a function closes over, as arguments."""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any

from .. import tree
from ..values import Traced

__all__ = ["closure_convert"]


def holds_traced(v: Any) -> bool:
    return any(type(leaf) is Traced for leaf in tree.flatten(v)[0])


def closure_convert(func: Callable[..., Any]) -> tuple[Callable[..., Any], tuple[Any, ...]]:
    """``func`` taking the values of its closure and defaults as a last argument, and them.

    As JAX's ``closure_convert``: a ``func`` that closes over traced values
    (``lambda y, t: -k * y`` inside ``grad`` of ``k``) gets them as arguments,
    so the adjoint differentiates with respect to them. Returns ``func`` and
    ``()`` when nothing it holds is traced.
    """
    if not isinstance(func, types.FunctionType):
        return func, ()
    cells = func.__closure__ or ()
    try:
        contents = tuple(c.cell_contents for c in cells)
    except ValueError:                      # an empty cell: a name not bound yet
        return func, ()
    defaults = func.__defaults__ or ()
    if not holds_traced((contents, defaults)):
        return func, ()

    def converted(*a: Any) -> Any:
        *rest, (values, given) = a
        new = types.FunctionType(func.__code__, func.__globals__, func.__name__, given,
                                 tuple(types.CellType(v) for v in values))
        new.__kwdefaults__ = func.__kwdefaults__
        return new(*rest)
    return converted, ((contents, defaults),)
