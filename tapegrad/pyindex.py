"""Where things are in a parsed source file: the nodes of a line, the nodes around one.

The loop rollers ask of a guard's ``file:line`` which statement is there and
which loops and functions hold it, many times a trace. Asked by walking the
file, each question costs the whole file, and "the function around this
node" a walk of every function: on a file of a hundred functions, most of a
first call. Each tree (parsed once per text, never changed) is indexed once
here; the answers are those the walks gave, in ``ast.walk``'s order.
"""

from __future__ import annotations

import ast
import functools
from typing import Any, NamedTuple

__all__ = ["walked", "body_of", "arms_of", "on_line", "around", "first_on_line", "parent",
           "if_in_body"]


@functools.lru_cache(maxsize=8192)
def walked(node: ast.AST) -> tuple[ast.AST, ...]:
    """``ast.walk(node)``'s nodes, in its order, walked once per node.

    The trees are parsed once per text and never changed; the loop rollers
    ask the same questions of one function's tree many times a trace. A node
    is its own key (AST nodes compare by identity), held while cached.
    """
    return tuple(ast.walk(node))


@functools.lru_cache(maxsize=4096)
def body_of(node: ast.AST) -> ast.Module:
    """``node``'s body as a module of its own, the same one each time (``walked`` once)."""
    return ast.Module(body=node.body, type_ignores=[])           # type: ignore[attr-defined]


@functools.lru_cache(maxsize=4096)
def arms_of(node: ast.If) -> ast.Module:
    """Both arms of the ``if`` statement ``node`` as a module of their own (``body_of``)."""
    return ast.Module(body=node.body + node.orelse, type_ignores=[])


class _Index(NamedTuple):
    lines: dict[int, tuple[ast.AST, ...]]       # lineno -> its nodes, in ast.walk's order
    parents: dict[int, ast.AST]                 # id(node) -> the node holding it


@functools.lru_cache(maxsize=16)
def _index(tree: ast.AST) -> _Index:
    """``tree``'s index (the tree is the key: its nodes' ids stay valid while cached)."""
    lines: dict[int, list[ast.AST]] = {}
    parents: dict[int, ast.AST] = {}
    for node in walked(tree):
        for child in ast.iter_child_nodes(node):
            parents[id(child)] = node
        line = getattr(node, "lineno", None)
        if line is not None:
            lines.setdefault(line, []).append(node)
    return _Index({k: tuple(v) for k, v in lines.items()}, parents)


def on_line(tree: ast.AST, line: int) -> tuple[ast.AST, ...]:
    """The nodes of ``tree`` starting on ``line``, in ``ast.walk(tree)``'s order."""
    return _index(tree).lines.get(line, ())


def first_on_line(tree: ast.AST, line: int, kinds: type | tuple[type, ...]) -> Any:
    """The first node of ``kinds`` on ``line`` in ``ast.walk(tree)``'s order, or None."""
    return next((n for n in on_line(tree, line) if isinstance(n, kinds)), None)


def parent(tree: ast.AST, node: ast.AST) -> ast.AST | None:
    """The node of ``tree`` holding ``node`` (None for the root or a node not in it)."""
    return _index(tree).parents.get(id(node))


def around(tree: ast.AST, node: ast.AST, kinds: type | tuple[type, ...]) -> list[Any]:
    """``node`` and the nodes holding it that are of ``kinds``, outermost first.

    The nodes ``n`` of ``kinds`` with ``node in ast.walk(n)``, in
    ``ast.walk(tree)``'s order (which goes outside in): the last is the innermost.
    """
    parents = _index(tree).parents
    if id(node) not in parents and node is not tree:
        return []
    found: list[Any] = []
    up: ast.AST | None = node
    while up is not None:
        if isinstance(up, kinds):
            found.append(up)
        up = parents.get(id(up))
    return found[::-1]


def if_in_body(tree: ast.AST, line: int, kinds: type | tuple[type, ...]
               ) -> tuple[Any, ast.If] | None:
    """The node of ``kinds`` whose body holds the ``if`` statement of ``line``, and that ``if``.

    (A line starts at most one ``if`` statement; the ``if`` of an ``else`` is
    in no body.)
    """
    test = first_on_line(tree, line, ast.If)
    up: Any = None if test is None else parent(tree, test)
    if not isinstance(up, kinds) or all(s is not test for s in getattr(up, "body", ())):
        return None
    return up, test
