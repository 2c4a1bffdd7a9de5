"""A known tree structure as generated code: its leaves taken out, its tree built.

``tree.flatten`` and ``tree.unflatten`` walk any structure node by node; a
quick vmap call (``batching/quick.py``) and ``tree.map`` in a training loop
meet the same structure call after call, so they have the walk written out
once as Python source: ``extractor(td)`` takes
the leaves out of a tree of structure ``td`` in one function (each container
checked for its exact type and length or keys, a row of leaves unpacked at
C speed), ``unflattener(td)`` builds the tree from its leaves in one
expression, with the containers ``tree.unflatten`` makes.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from .treedef import _REGISTRY, TreeDef, _entry

__all__ = ["extractor", "leaf_or_row", "unflattener"]

MAX_LEAVES, MAX_DEPTH = 20_000, 40
"""Past these, no generated code: ``tree.unflatten`` builds, ``tree.flatten`` takes out."""


# ------------------------------------------------------------ taking leaves out
def extractor(td: TreeDef) -> Callable[[Any], list[Any] | None] | None:
    """A function of a tree: its leaves where its containers are ``td``'s, else None.

    The containers are checked (lists, tuples and NamedTuples by exact type
    and length, dicts by exact type and keys, None by identity); the leaves
    are not: the caller compares their types with the ones ``tree.flatten``
    left as leaves. None where ``td`` has another kind of node (a registered
    class), dict keys other than str and int, or is too large.
    """
    if td.num_leaves > MAX_LEAVES or _depth(td) > MAX_DEPTH:
        return None
    lines: list[str] = []
    parts: list[str] = []
    names: dict[str, Any] = {}
    if not _take(td, "t", lines, parts, names):
        return None
    body = "".join(f"    {line}\n" for line in lines)
    source = f"def extract(t):\n{body}    return [{', '.join(parts)}]\n"
    exec(compile(source, "<tapegrad argument tree>", "exec"), names)  # noqa: S102
    return names["extract"]  # type: ignore[no-any-return]


def _take(td: TreeDef, at: str, lines: list[str], parts: list[str],
          names: dict[str, Any]) -> bool:
    """Append the checks of the node at the expression ``at`` and its leaves' parts."""
    if td.node is None:
        parts.append(at)
        return True
    if td.node is type(None):
        lines.append(f"if {at} is not None: return None")
        return True
    v = f"v{len(lines)}"
    lines.append(f"{v} = {at}")
    if td.node is dict:
        if any(type(k) not in (str, int) for k in td.aux):
            return False
        names[f"k{v}"] = set(td.aux)
        lines.append(f"if type({v}) is not dict or {v}.keys() != k{v}: return None")
        return all(_take(c, f"{v}[{k!r}]", lines, parts, names)
                   for k, c in zip(td.aux, td.children))
    if td.node not in (list, tuple) and (_REGISTRY.get(td.node) is not None
                                         or _entry(td.node) is None):
        return False                          # a registered class: its own flatten
    names[f"c{v}"] = td.node                  # list, tuple or a NamedTuple
    lines.append(f"if type({v}) is not c{v} or len({v}) != {len(td.children)}: return None")
    if all(c.node is None for c in td.children):
        parts.append(f"*{v}")                 # a row of leaves: unpacked at C speed
        return True
    return all(_take(c, f"{v}[{i}]", lines, parts, names) for i, c in enumerate(td.children))


def _depth(td: TreeDef) -> int:
    todo, deepest = [(td, 0)], 0
    while todo:
        t, d = todo.pop()
        deepest = max(deepest, d)
        todo.extend((c, d + 1) for c in t.children)
    return deepest


# ------------------------------------------------------------ the output tree
def unflattener(td: TreeDef) -> Callable[[list[Any]], Any] | None:
    """``tree.unflatten(td, ·)`` as one generated expression (the same containers).

    None where ``td`` is too large or deep for one expression.
    """
    if td.num_leaves > MAX_LEAVES or _depth(td) > MAX_DEPTH:
        return None
    names: dict[str, Any] = {}
    source = _expression(td, itertools.count(), names)
    return eval(compile(f"lambda o: {source}", "<tapegrad output tree>", "eval"),  # noqa: S307
                names)


def leaf_or_row(td: TreeDef, leaf: Any) -> str | None:
    """A leaf as ``o[i]``, a list of two or more leaves as one slice ``o[i:j]`` (at C speed).

    ``leaf`` counts the leaves of the flat list ``o``; None for another node.
    """
    if td.node is None:
        return f"o[{next(leaf)}]"
    if td.node is not list or len(td.children) < 2 or any(c.node is not None
                                                            for c in td.children):
        return None
    at = [next(leaf) for _ in td.children]
    return f"o[{at[0]}:{at[-1] + 1}]"


def _expression(td: TreeDef, leaf: Any, names: dict[str, Any]) -> str:
    """The source building ``td`` from the list ``o``: containers as ``tree._build`` makes."""
    if (text := leaf_or_row(td, leaf)) is not None:
        return text
    kids = [_expression(c, leaf, names) for c in td.children]
    if td.node is list:
        return "[" + ", ".join(kids) + "]"
    if td.node is tuple:
        return "(" + "".join(k + ", " for k in kids) + ")"
    j = len(names)
    if td.node is dict:                     # ``dict(zip(keys, children))``, in that order
        names.update({f"k{j}_{i}": key for i, key in enumerate(td.aux)})
        return "{" + ", ".join(f"k{j}_{i}: {k}" for i, k in enumerate(kids)) + "}"
    entry = _REGISTRY.get(td.node)
    if entry is None:                       # a NamedTuple: its class of the children
        names[f"c{j}"] = td.node
        return f"c{j}(" + "".join(k + ", " for k in kids) + ")"
    names[f"u{j}"], names[f"a{j}"] = entry.unflatten, td.aux
    return f"u{j}(a{j}, [" + ", ".join(kids) + "])"
