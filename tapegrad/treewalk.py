"""Pytree walks beside ``tree.flatten``'s fast one: JAX's ``is_leaf``, and prefixes.

``flatten_leaf_first(tree, is_leaf)`` flattens as ``tree.flatten`` does,
except that a subtree for which ``is_leaf`` is true is one leaf (asked
before its container type, the root included, as JAX asks).
``flatten_up_to(treedef, other)`` gives the subtrees of ``other`` where
``treedef`` has its leaves (``tree.map``'s prefix rule, and ``vmap``'s
``in_axes``). Both walk an explicit stack: no recursion.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .treedef import _LEAF, TreeDef, _node_type, _show, keystr

__all__ = ["flatten_leaf_first", "flatten_up_to"]


def _node(x: Any, is_leaf: Callable[[Any], Any] | None) -> tuple[Any, Any, list[Any]] | None:
    """``(class, aux, children)`` of a container, or None for a leaf."""
    if is_leaf is not None and is_leaf(x):
        return None
    cls, entry = _node_type(x)
    if entry is None:
        return None
    kids, aux = entry.flatten(x)
    return cls, aux, list(kids)


def flatten_leaf_first(tree: Any, is_leaf: Callable[[Any], Any] | None
                       ) -> tuple[list[Any], TreeDef]:
    """``tree.flatten(tree)``, where ``is_leaf(subtree)`` true makes a subtree one leaf."""
    out: list[Any] = []
    first = _node(tree, is_leaf)
    if first is None:
        return [tree], _LEAF
    stack: list[Any] = [(first[0], first[1], iter(first[2]), [])]
    while True:
        cls, aux, it, defs = stack[-1]
        for c in it:
            node = _node(c, is_leaf)
            if node is None:
                out.append(c)
                defs.append(_LEAF)
                continue
            stack.append((node[0], node[1], iter(node[2]), []))
            break
        else:
            stack.pop()
            td = TreeDef(cls, aux, tuple(defs))
            if not stack:
                return out, td
            stack[-1][3].append(td)


def flatten_up_to(treedef: TreeDef, other: Any, what: str,
                  mismatch: Callable[[tuple[Any, ...], str, str], Exception] | None = None,
                  ) -> list[Any]:
    """The subtrees of ``other`` where ``treedef`` has its leaves.

    ``treedef`` must be a prefix of ``other``'s structure (JAX's rule for
    ``tree.map``); else a ``ValueError`` names the first path where they
    differ, or ``mismatch(path, prefix_shown, other_shown)`` is raised.
    A loop over an explicit stack, left to right: no recursion.
    """
    out: list[Any] = []
    todo: list[tuple[TreeDef, Any, tuple[Any, ...]]] = [(treedef, other, ())]
    while todo:
        td, x, path = todo.pop()
        if td.node is None:
            out.append(x)
            continue
        cls, entry = _node_type(x)
        children: list[Any] = []
        aux = None
        if entry is not None:
            kids, aux = entry.flatten(x)
            children = list(kids)
        if entry is None or cls is not td.node or aux != td.aux or \
                len(children) != len(td.children):
            if mismatch is not None:
                raise mismatch(path, _show(td), _describe(x))
            where = keystr(path) or " (the root)"
            raise ValueError(
                f"{what} differs from the first tree at{' ' if path else ''}{where}: "
                f"the first has {_show(td)} there, this one {_describe(x)}. Pass trees "
                "of the first one's structure, or with it as a prefix.")
        keys = entry.keys(aux, len(children))
        todo.extend((c, ch, path + (k,))
                    for k, c, ch in reversed(list(zip(keys, td.children, children))))
    return out


def _describe(x: Any) -> str:
    """A short account of what ``x`` is, for a structure mismatch."""
    if _node_type(x)[1] is None:
        return f"a leaf ({type(x).__name__})"
    shown = _show(flatten_leaf_first(x, None)[1])
    return shown if len(shown) < 120 else f"a {type(x).__name__} of another structure"
