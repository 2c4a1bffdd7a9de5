"""How a tree structure reads in messages: ``{'a': [*, *]}``, ``Point['aux'](*, *)``.

A ``TreeDef`` prints as its containers with ``*`` for each leaf, dict keys
shown, and a registered class's aux data in brackets as JAX prints it; an
aux that cannot be hashed is named here with the node it belongs to.
"""

from __future__ import annotations

import collections
from typing import Any

__all__ = ["refuse_unhashable", "show"]


def show(td: Any) -> str:
    """The structure as text, ``{'a': [*, *]}``; a loop, not a recursion."""
    parts: list[str] = []
    todo: list[Any] = [td]
    while todo:
        t = todo.pop()
        if isinstance(t, str):       # a closing bracket or separator, queued
            parts.append(t)
            continue
        if t.node is None:
            parts.append("*")
            continue
        if t.node is type(None):
            parts.append("None")
            continue
        keys = _shown_keys(t)
        opening, closing = {dict: ("{", "}"), list: ("[", "]"), tuple: ("(", ")"),
                            collections.OrderedDict: ("OrderedDict({", "})"),
                            collections.defaultdict: ("defaultdict({", "})")}.get(
            t.node, (f"{t.node.__name__}{_shown_aux(t)}(", ")"))
        if t.node is tuple and len(t.children) == 1:
            closing = ",)"
        parts.append(opening)
        todo.append(closing)
        for i in range(len(t.children) - 1, -1, -1):
            todo.append(t.children[i])
            todo.append(keys[i])
            if i:
                todo.append(", ")
    return "".join(parts)


def _shown_keys(t: Any) -> list[str]:
    """The ``'key': `` before each child of a dict-like node, else empty strings."""
    if t.node is dict or t.node is collections.OrderedDict:
        return [f"{k!r}: " for k in t.aux]
    if t.node is collections.defaultdict:
        return [f"{k!r}: " for k in t.aux[1]]
    return [""] * len(t.children)


def _shown_aux(t: Any) -> str:
    """A registered class's aux data, ``[aux]`` as JAX prints it; nothing for the others."""
    if t.node in (list, tuple, dict, collections.OrderedDict, collections.defaultdict) or \
            t.aux is None or (type(t.aux) is tuple and not t.aux) or \
            hasattr(t.node, "__dataclass_fields__"):
        return ""
    return f"[{t.aux!r:.60}]"


def refuse_unhashable(td: Any) -> None:
    """Name the first node whose aux data is not hashable (a list, an array)."""
    todo = [td]
    while todo:
        t = todo.pop()
        try:
            hash(t.aux)
        except TypeError:
            raise TypeError(
                f"tree: the aux data {t.aux!r:.60} ({type(t.aux).__name__}) of a "
                f"{t.node.__name__} node is not hashable, and structures are cached by it "
                "(jit's signature). Return hashable aux from its flatten (a tuple, not a "
                "list; an array belongs in the children).") from None
        todo.extend(t.children)
