"""Spelling templates as ``lower`` reads them: a branch a constant decides, parentheses.

And what ``lower`` decides once per primitive and kinds of arguments (``plan``,
``choices``).
"""

from __future__ import annotations

import ast
import functools
import itertools
import re
from collections.abc import Mapping
from typing import Any

from ..primitive import zmul
from ..shapes import broadcast_like, sum_like
from ..tape import Const, Eqn
from .spellings import Spelling, spellings

PLAIN = {float, int, bool}
SPECIAL = frozenset((broadcast_like, zmul, sum_like))    # lower writes them by what is known

__all__ = ["ATOM", "PLAIN", "SPECIAL", "atomic", "choices", "decided", "needs", "plan",
           "precedence", "repeated", "whole"]


def decided(template: str | None, args: tuple[Any, ...]) -> str | None:
    """``(A if {k} else B)`` where argument ``k`` is a number constant: the branch taken.

    A division by a constant is ``x / 4.0``, not ``(x / 4.0 if 4.0 else ...)``
    (which writes ``x`` twice): the same numbers, half the code to compile.
    """
    found = _branches(template or "")
    if found is None or found[0] >= len(args):
        return template
    c = args[found[0]]
    if not isinstance(c, Const) or type(c.value) not in (float, int, bool):
        return template
    return found[1] if c.value else found[2]


@functools.cache
def _branches(template: str) -> tuple[int, str, str] | None:
    """``(k, "(A)", "(B)")`` of a template ``(A if {k} else B)``; None for any other."""
    head, found, rest = template.partition(" if {")
    k, found_else, other = rest.partition("} else ")
    if not (found and found_else and k.isdigit()) or \
            head[:1] != "(" or other[-1:] != ")" or " else " in head or \
            head.count("(") != head.count(")") + 1:
        return None
    return int(k), "(" + head[1:] + ")", "(" + other[:-1] + ")"


_CALLEE = re.compile(r"(\{impl\}|[A-Za-z_][\w.]*)\(")


@functools.cache
def atomic(template: str) -> bool:
    """Whether ``template``, filled in, needs no parentheses where it is inlined.

    So it is where it calls a named function (``{impl}({0})``,
    ``_np_exp({0})``) or is parenthesized whole (``({0} / {1} if ...)``):
    fewer parentheses make the source faster to parse, the same code.
    """
    text = re.sub(r"\{\d+\}", "x", template)
    m = _CALLEE.match(text)
    rest = text[m.end() - 1:] if m else text
    depth = 0
    for k, ch in enumerate(rest):
        depth += (ch == "(") - (ch == ")")
        if depth == 0:
            return k == len(rest) - 1 and k > 0
    return False


ATOM = 14            # a call, a name, a parenthesized whole: never parenthesized again
_BINARY = {ast.BitOr: 6, ast.BitXor: 7, ast.BitAnd: 8, ast.LShift: 9, ast.RShift: 9,
           ast.Add: 10, ast.Sub: 10, ast.Mult: 11, ast.MatMult: 11, ast.Div: 11,
           ast.FloorDiv: 11, ast.Mod: 11, ast.Pow: 13}
_ATOMS = (ast.Call, ast.Constant, ast.Attribute, ast.Subscript, ast.List, ast.Dict, ast.Set)


def _parse(template: str) -> ast.expr | None:
    """The template's expression, its ``k``-th field the name ``_f{k}`` (in order of reading)."""
    k = itertools.count()
    text = re.sub(r"\{(\d+|impl)\}", lambda m: "_impl" if m.group(1) == "impl"
                  else f"_f{next(k)}", template)
    try:
        return ast.parse(text, mode="eval").body
    except SyntaxError:
        return None


def _rank(node: ast.AST) -> int:
    """How tightly ``node``'s operator binds (Python's precedence, 0 to ``ATOM``)."""
    if isinstance(node, ast.BinOp):
        return _BINARY.get(type(node.op), 0)
    if isinstance(node, ast.UnaryOp):
        return 4 if isinstance(node.op, ast.Not) else 12
    if isinstance(node, ast.Compare):
        return 5
    if isinstance(node, ast.BoolOp):
        return 3 if isinstance(node.op, ast.And) else 2
    if isinstance(node, ast.IfExp):
        return 1
    return ATOM if isinstance(node, _ATOMS) or (
        isinstance(node, ast.Name) and not node.id.startswith("_f")) else 0


@functools.cache
def precedence(template: str) -> int:
    """How tightly ``template``, filled in, binds: ``ATOM`` where it is ``atomic``.

    An inlined expression goes without parentheses where it binds at least
    as tightly as its place needs (``needs``): the same syntax tree, so the
    same code, with less to parse.
    """
    if atomic(template):
        return ATOM
    node = _parse(template)
    return 0 if node is None else _rank(node)


@functools.cache
def needs(template: str) -> tuple[int, ...]:
    """For each field of ``template`` in order, how tightly what fills it must bind.

    The left operand of ``a - b`` binds at least as tightly as ``-``, the
    right one more (``a - (b - c)``); a unary operand as tightly as a unary
    operator, a call's argument anything; ``ATOM`` where in doubt.
    """
    node = _parse(template)
    if node is None:
        return ()
    found: dict[int, int] = {}
    for parent in ast.walk(node):
        for name, child in ast.iter_fields(parent):
            for k, c in enumerate(child if isinstance(child, list) else [child]):
                if isinstance(c, ast.Name) and c.id.startswith("_f"):
                    found[int(c.id[2:])] = _need(parent, name, k)
    return tuple(found.get(k, ATOM) for k in range(len(found)))


def _need(parent: ast.AST, name: str, k: int) -> int:
    """How tightly the expression in field ``name`` (item ``k``) of ``parent`` must bind."""
    if isinstance(parent, ast.BinOp):
        rank = _rank(parent)
        if isinstance(parent.op, ast.Pow):
            return ATOM if name == "left" else 12         # -a ** b is -(a ** b)
        return rank if name == "left" else rank + 1       # left-associative
    if isinstance(parent, ast.UnaryOp):
        return _rank(parent)
    if isinstance(parent, ast.Compare):
        return 6                                          # a < b < c is a chain
    if isinstance(parent, ast.BoolOp):
        return _rank(parent) + 1
    if isinstance(parent, ast.IfExp):
        return 2
    if isinstance(parent, ast.Call) and name == "args" or isinstance(parent, ast.keyword):
        return 1
    if isinstance(parent, ast.Subscript) and name == "slice" or \
            isinstance(parent, ast.Tuple | ast.List) and name == "elts":
        return 1
    return ATOM


@functools.cache
def whole(template: str) -> bool:
    """Whether ``template`` is parenthesized whole (``(A if {0} else B)``, not a call).

    As a statement of its own it is written without them: the same code.
    """
    depth = 0
    for k, ch in enumerate(template):
        depth += (ch == "(") - (ch == ")")
        if depth == 0:
            return k == len(template) - 1 and k > 0
    return False


_plans: dict[tuple[Any, ...], tuple[Any, ...]] = {}
"""``(prim, *kinds)`` of number arguments -> ``_plan``'s answer, with the spelling it read.

Only primitives with a spelling are kept (they live as long as ``spellings``
does): a primitive made per call (a vmapped function's) is planned each time,
so a dropped function's programs are freed."""


def plan(prim: Any, arg_kinds: list[Any]
         ) -> tuple[Spelling | None, str | None, bool, int, Mapping[str, Any], bool]:
    """How ``lower`` writes ``prim`` on numbers of these kinds, found once for them.

    ``(spelling, template, decide, precedence, names, impl)``: the template
    (None: a call of the impl), whether a constant argument may decide its
    branch (``source.decided``), how tightly it binds (``templates.precedence``),
    the globals it reads, and whether it calls the impl by name.
    """
    spelling = spellings.get(prim)
    key = (prim, *arg_kinds)
    found = _plans.get(key)
    if found is None or found[0] is not spelling:
        found = _plan(spelling, arg_kinds)
        if spelling is not None:
            _plans[key] = found
    return found


def _plan(spelling: Spelling | None, arg_kinds: list[Any]
          ) -> tuple[Spelling | None, str | None, bool, int, Mapping[str, Any], bool]:
    if spelling is None:
        return None, None, False, ATOM, {}, True
    if spelling.exact is not None:
        return spelling, spelling.exact, False, precedence(spelling.exact), spelling.names, False
    if spelling.float is None or not spelling.float_applies(arg_kinds):
        return spelling, None, False, ATOM, {}, True
    template = spelling.float
    return (spelling, template, " if {" in template, precedence(template), spelling.names,
            "{impl}" in template)


_choice: dict[tuple[Any, ...], tuple[Any, ...]] = {}
"""``(prim, *kinds)`` -> ``(spelling, floats, plan)``: what ``step`` decides per kinds."""


def choices(prim: Any, arg_kinds: list[Any]) -> tuple[bool, tuple[Any, ...] | None]:
    """``step``'s choices for ``prim`` on arguments of these kinds, found once for them.

    Whether a constant beside a float is written as a float, and
    ``source.plan``'s answer where every argument is a number and no special
    case applies (else None: ``expression`` decides).
    """
    spelling = spellings.get(prim)
    key = (prim, *arg_kinds)
    found = _choice.get(key)
    if found is None or found[0] is not spelling:
        floats = spelling is not None and spelling.exact is not None and float in arg_kinds
        planned = plan(prim, arg_kinds) if prim not in SPECIAL and \
            PLAIN.issuperset(arg_kinds) else None
        found = (spelling, floats, planned)
        if spelling is not None:                  # as _plans: no primitive made per call
            _choice[key] = found
    return found[1], found[2]


def repeated(e: Eqn, v: int) -> bool:
    """Whether ``e``'s spelling would evaluate ``v`` twice (so: no fusing it in)."""
    spelling = spellings.get(e.prim)
    return spelling is not None and bool(spelling.repeats) and any(
        k < len(e.args) and e.args[k] == v for k in spelling.repeats)
