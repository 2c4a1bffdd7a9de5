"""Spelling templates as ``lower`` reads them: a branch a constant decides, parentheses."""

from __future__ import annotations

import functools
import re
from typing import Any

from ..tape import Const

__all__ = ["atomic", "decided"]


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
