"""Stores into a list's items that every iteration of a loop makes alike.

``x[i] = s / A[i][i]`` in a sweep of Gauss-Seidel, inside ``for i in
range(3)`` in the body of a ``while``, writes the same items each
iteration: after the loop each holds what the last iteration wrote there,
as a name holds its last value, and the tape shows each read of them. Such
a store is no effect whose size the trip count decides (``hist.append(w)``,
``hist[k] = w`` with ``k`` a counter): the items it writes do not depend on
the iteration.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Set

from ..pyindex import body_of, walked

_PLAIN = (ast.Name, ast.Constant, ast.BinOp, ast.UnaryOp, ast.Tuple, ast.Slice,
          ast.operator, ast.unaryop, ast.expr_context)


def same_items(node: ast.AST, loop: ast.While | ast.For) -> bool:
    """Whether ``node`` stores into items that every iteration of ``loop`` stores into.

    Each target is an item (``x[i]``, ``A[i][j]``, ``x[i] += v``) of a name,
    indexed by numbers and names the body never assigns, or assigns only as
    the variable of a ``for`` over a ``range`` of such: the same items,
    in the same order, whatever the iteration.
    """
    if not isinstance(node, ast.Assign | ast.AugAssign):
        return False
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    moving = _moving(loop)
    return all(isinstance(t, ast.Subscript) and _item(t, moving) for t in targets)


def same_value(node: ast.AST, loop: ast.While | ast.For) -> bool:
    """Whether ``node`` assigns a name the same value in every iteration of ``loop``.

    ``s = b[i]``, ``b`` a list of numbers the body neither assigns nor
    changes, ``i`` a ``for`` variable over a fixed ``range``: a Python
    number, but none that the trip count decides.
    """
    if not isinstance(node, ast.Assign) or \
            not all(isinstance(t, ast.Name) for t in node.targets):
        return False
    value = node.value
    return not any(isinstance(n, ast.Call) for n in walked(value)) and \
        _plain_reads(value, _moving(loop) | _changed(loop))


@functools.lru_cache(maxsize=1024)
def _changed(loop: ast.While | ast.For) -> frozenset[str]:
    """The names whose items or attributes the body of ``loop`` stores into or deletes."""
    return frozenset(h.id for t in walked(body_of(loop)) if isinstance(
        t, ast.Subscript | ast.Attribute) and isinstance(t.ctx, ast.Store | ast.Del)
        for h in [_head(t)] if isinstance(h, ast.Name))


@functools.lru_cache(maxsize=1024)
def _moving(loop: ast.While | ast.For) -> frozenset[str]:
    """The names the body of ``loop`` assigns (a ``for``'s own too), less steady ``for`` variables.

    A ``for`` variable over a ``range`` of numbers and names the body never
    assigns, and assigned nowhere else in the body, takes the same values
    in every iteration.
    """
    body = body_of(loop)
    stores = [t for t in walked(body) if isinstance(t, ast.Name)
              and isinstance(t.ctx, ast.Store)]
    own = {t.id for t in walked(loop.target) if isinstance(t, ast.Name)} \
        if isinstance(loop, ast.For) else set()        # a for's own variable: it moves
    stored = {t.id for t in stores} | own
    fors = [f for f in walked(body) if isinstance(f, ast.For)]
    as_for = {id(f.target) for f in fors if isinstance(f.target, ast.Name)
              and _fixed_range(f.iter, stored)}
    steady = {t.id for t in stores if id(t) in as_for} - {
        t.id for t in stores if id(t) not in as_for}
    return frozenset(stored - steady)


def _fixed_range(it: ast.expr, stored: set[str]) -> bool:
    """Whether ``it`` is ``range(...)`` of numbers and names the body never assigns."""
    return isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and \
        it.func.id == "range" and not it.keywords and \
        all(_plain(a, stored) for a in it.args)


def _head(t: ast.expr) -> ast.expr:
    while isinstance(t, ast.Subscript | ast.Attribute):
        t = t.value
    return t


def _item(t: ast.expr, stored: Set[str]) -> bool:
    while isinstance(t, ast.Subscript):
        if not _plain(t.slice, stored):
            return False
        t = t.value
    return isinstance(t, ast.Name)


def _plain(e: ast.AST, stored: Set[str]) -> bool:
    return all(isinstance(n, _PLAIN) and not (isinstance(n, ast.Name) and n.id in stored)
               for n in walked(e))


def _plain_reads(e: ast.AST, stored: Set[str]) -> bool:
    return all(isinstance(n, _PLAIN + (ast.Subscript,)) and not (
        isinstance(n, ast.Name) and n.id in stored) for n in walked(e))
