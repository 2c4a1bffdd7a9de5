"""Pytrees: nested containers of numbers, flattened to a list of leaves.

Containers are ``dict`` (keys in sorted order), ``list``, ``tuple``,
``NamedTuple``, ``None`` (no children) and classes added with
[register][tapegrad.tree.register]. Everything else is a leaf. A leaf's *key path* says where it
sits and prints the way you would index it: ``['layers'][0]['w'][1]``.

Examples:
  >>> import tapegrad as tg
  >>> leaves, treedef = tg.tree.flatten({"b": [1.0, 2.0], "a": 3.0})
  >>> leaves
  [3.0, 1.0, 2.0]
  >>> tg.tree.unflatten(treedef, [x * 10 for x in leaves])
  {'a': 30.0, 'b': [10.0, 20.0]}
"""

from __future__ import annotations

import builtins
import functools
from collections.abc import Callable, Hashable, Iterable
from typing import Any, NamedTuple, cast

import numpy as np

__all__ = [
    "DictKey", "GetAttrKey", "KeyPath", "PyTree", "SequenceKey", "TreeDef",
    "flatten", "flatten_with_path", "keystr", "leaves", "map", "register",
    "structure", "unflatten",
]

PyTree = Any
"""Any nested structure of containers and leaves."""


# ----------------------------------------------------------------- key paths
class DictKey(NamedTuple):
    """A dict entry; prints as ``['key']``."""
    key: Hashable

    def __str__(self) -> str:
        return f"[{self.key!r}]"


class SequenceKey(NamedTuple):
    """A list or tuple position; prints as ``[0]``."""
    idx: int

    def __str__(self) -> str:
        return f"[{self.idx}]"


class GetAttrKey(NamedTuple):
    """A NamedTuple field; prints as ``.name``."""
    name: str

    def __str__(self) -> str:
        return f".{self.name}"


class KeyPath(tuple):  # type: ignore[type-arg]
    """The keys from the root to a leaf; ``str(path)`` is ``['w'][0]``."""

    def __str__(self) -> str:
        return "".join(str(k) for k in self)

    def __repr__(self) -> str:
        return f"KeyPath({str(self)!r})"


def keystr(path: Iterable[Any]) -> str:
    """Format a key path the way you would index the tree: ``['w'][1]``.

    Args:
      path: A key path, from [flatten_with_path][tapegrad.tree.flatten_with_path].

    Returns:
      The path as text.

    Examples:
      >>> import tapegrad as tg
      >>> path, leaf = tg.tree.flatten_with_path({"w": [0.0, 5.0]})[0][1]
      >>> tg.tree.keystr(path), leaf
      ("['w'][1]", 5.0)
    """
    return "".join(str(k) for k in path)


# ------------------------------------------------------------------ registry
class _NodeType(NamedTuple):
    flatten: Callable[[Any], tuple[Iterable[Any], Any]]
    unflatten: Callable[[Any, Iterable[Any]], Any]
    keys: Callable[[Any, int], list[Any]]  # (aux, n) -> one key per child


_REGISTRY: dict[type, _NodeType] = {}


def register(cls: type, flatten: Callable[[Any], tuple[Iterable[Any], Any]],
             unflatten: Callable[[Any, Iterable[Any]], Any]) -> None:
    """Make ``cls`` a container, as JAX's ``register_pytree_node``.

    Args:
      cls: The class to register.
      flatten: ``flatten(obj) -> (children, aux)``; ``aux`` is hashable data
        that is not a leaf (it is compared to tell structures apart).
      unflatten: ``unflatten(aux, children) -> obj``.

    Raises:
      ValueError: if ``cls`` is already registered.

    Examples:
      >>> import tapegrad as tg
      >>> class Point:
      ...     def __init__(self, x, y): self.x, self.y = x, y
      >>> tg.tree.register(Point, lambda p: ((p.x, p.y), None),
      ...                  lambda aux, ch: Point(*ch))
      >>> tg.tree.leaves(Point(1.0, 2.0))
      [1.0, 2.0]
    """
    if cls in _REGISTRY:
        raise ValueError(f"tree.register: {cls.__name__} is already registered.")
    LEAF_TYPES.discard(cls)
    _REGISTRY[cls] = _NodeType(flatten, unflatten,
                               lambda aux, n: [SequenceKey(i) for i in range(n)])


def _sorted_keys(d: dict[Any, Any]) -> tuple[Any, ...]:
    try:
        return tuple(sorted(d))
    except TypeError:
        raise TypeError(
            "tree: dict keys must be mutually sortable (tapegrad orders dict "
            f"leaves by key); got keys {list(d)!r}. Use keys of one type, e.g. "
            "all str.") from None


_REGISTRY[dict] = _NodeType(
    lambda d: ([d[k] for k in _sorted_keys(d)], _sorted_keys(d)),
    lambda keys, ch: dict(zip(keys, ch)),
    lambda keys, n: [DictKey(k) for k in keys])
_REGISTRY[list] = _NodeType(
    lambda xs: (xs, len(xs)), lambda n, ch: list(ch),
    lambda aux, n: [SequenceKey(i) for i in range(n)])
_REGISTRY[tuple] = _NodeType(
    lambda xs: (xs, len(xs)), lambda n, ch: tuple(ch),
    lambda aux, n: [SequenceKey(i) for i in range(n)])
_REGISTRY[type(None)] = _NodeType(
    lambda _: ((), None), lambda aux, ch: None, lambda aux, n: [])


def _node_type(x: Any) -> tuple[Any, _NodeType | None]:
    """The registry key and entry for ``x``, or ``(None, None)`` for a leaf."""
    cls = type(x)
    entry = _REGISTRY.get(cls) or _entry(cls)
    return (cls, entry) if entry is not None else (None, None)


def _entry(cls: type) -> _NodeType | None:
    """The entry of a registered class or a NamedTuple, else None (a leaf)."""
    entry = _REGISTRY.get(cls)
    if entry is None and issubclass(cls, tuple) and hasattr(cls, "_fields"):
        fields = cls._fields
        entry = _NodeType(
            lambda t: (tuple(t), None), lambda aux, ch: cls(*ch),
            lambda aux, n: [GetAttrKey(f) for f in fields])
    return entry


# ------------------------------------------------------------------ treedefs
class TreeDef:
    """The structure of a pytree with its leaves taken out.

    Two trees have equal ``TreeDef`` when they have the same containers with
    the same keys; ``num_leaves`` says how many leaves fill it. Comparing and
    hashing compare the nested tuples of children at C speed, and a structure
    too deep for that (thousands of levels) is walked node by node instead.
    """

    __slots__ = ("node", "aux", "children", "num_leaves", "_hash")

    def __init__(self, node: Any, aux: Any, children: tuple[TreeDef, ...]):
        self.node = node            # the container class, or None for a leaf
        self.aux = aux
        self.children = children
        self.num_leaves: int = 1 if node is None else sum(c.num_leaves for c in children)
        self._hash: int | None = None

    def _key(self) -> tuple[Any, ...]:
        return (self.node, self.aux, self.children)

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if not isinstance(other, TreeDef):
            return False
        try:
            return self._key() == other._key()
        except RecursionError:      # very deep: compare node by node
            return _equal(self, other)

    def __hash__(self) -> int:
        if self._hash is None:      # one formula, whichever way it is computed
            try:
                self._hash = hash((self.node, self.aux, tuple(builtins.map(hash, self.children))))
            except RecursionError:  # very deep: children first, each cached
                self._hash = _hash_deep(self)
        return self._hash

    def __repr__(self) -> str:
        return f"TreeDef({_show(self)})"

    def key_paths(self) -> list[KeyPath]:
        """The path of every leaf, in flattening order, from the structure alone.

        Examples:
          >>> import tapegrad as tg
          >>> [str(p) for p in tg.tree.structure({"w": [0.0, 0.0]}).key_paths()]
          ["['w'][0]", "['w'][1]"]
        """
        out: list[KeyPath] = []
        todo: list[tuple[TreeDef, tuple[Any, ...]]] = [(self, ())]
        while todo:                  # depth first, left to right, no recursion
            td, path = todo.pop()
            if td.node is None:
                out.append(KeyPath(path))
                continue
            entry = _entry(td.node)
            assert entry is not None
            keys = entry.keys(td.aux, len(td.children))
            todo.extend((c, path + (k,)) for k, c in reversed(list(zip(keys, td.children))))
        return out


def _equal(a: TreeDef, b: TreeDef) -> bool:
    """``a == b`` by a loop over pairs of nodes, for structures too deep to recurse."""
    todo = [(a, b)]
    while todo:
        x, y = todo.pop()
        if x is y:
            continue
        if x.node is not y.node or len(x.children) != len(y.children) or x.aux != y.aux:
            return False
        todo.extend(zip(x.children, y.children))
    return True


def _hash_deep(td: TreeDef) -> int:
    """``hash(td)`` computed children first by a loop, each node's hash cached."""
    todo = [td]
    while todo:
        t = todo[-1]
        pending = [c for c in t.children if c._hash is None and c.node is not None]
        if pending:
            todo.extend(pending)
            continue
        todo.pop()
        t._hash = hash((t.node, t.aux, tuple(builtins.map(hash, t.children))))
    return cast(int, td._hash)


def _show(td: TreeDef) -> str:
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
        keys = [f"{k!r}: " for k in t.aux] if t.node is dict else [""] * len(t.children)
        opening, closing = {dict: ("{", "}"), list: ("[", "]"), tuple: ("(", ")")}.get(
            t.node, (f"{t.node.__name__}(", ")"))
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


def _flatten(x: Any, path: tuple[Any, ...], out: list[tuple[KeyPath, Any]]) -> TreeDef:
    """Flatten with key paths: a loop over an explicit stack, never a recursion."""
    cls, entry = _node_type(x)
    if entry is None:
        out.append((KeyPath(path), x))
        return _LEAF
    kids, aux = entry.flatten(x)
    kids = list(kids)
    # a frame: (class, aux, the children and their keys left, path, defs so far)
    stack: list[Any] = [(cls, aux, iter(zip(entry.keys(aux, len(kids)), kids)), path, [])]
    while True:
        cls, aux, it, path, defs = stack[-1]
        for k, c in it:
            ccls, centry = _node_type(c)
            if centry is None:
                out.append((KeyPath(path + (k,)), c))
                defs.append(_LEAF)
                continue
            ckids, caux = centry.flatten(c)
            ckids = list(ckids)
            stack.append((ccls, caux, iter(zip(centry.keys(caux, len(ckids)), ckids)),
                          path + (k,), []))
            break
        else:
            stack.pop()
            td = TreeDef(cls, aux, tuple(defs))
            if not stack:
                return td
            stack[-1][4].append(td)


def flatten_with_path(tree: PyTree) -> tuple[list[tuple[KeyPath, Any]], TreeDef]:
    """Flatten ``tree`` into ``(path, leaf)`` pairs and its structure.

    Args:
      tree: A pytree.

    Returns:
      ``(pairs, treedef)``: each leaf with its key path (``str(path)`` prints
      ``['w'][0]``), and the structure.

    Examples:
      >>> import tapegrad as tg
      >>> pairs, _ = tg.tree.flatten_with_path({"w": [1.0, 2.0]})
      >>> [(str(p), x) for p, x in pairs]
      [("['w'][0]", 1.0), ("['w'][1]", 2.0)]
    """
    out: list[tuple[KeyPath, Any]] = []
    treedef = _flatten(tree, (), out)
    return out, treedef


def _flatten_leaves(x: Any, out: list[Any]) -> TreeDef:
    """``_flatten`` without key paths: the common, faster case."""
    cls, entry = _node_type(x)
    if entry is None:
        out.append(x)
        return _LEAF
    children, aux = entry.flatten(x)
    if type(children) is not list and type(children) is not tuple:
        children = list(children)      # a registered flatten may give an iterator
    for c in children:                 # a node of leaves only (args of a transform,
        if type(c) not in LEAF_TYPES:  # a row): no frames at all
            break
    else:
        out.extend(children)
        return TreeDef(cls, aux, (_LEAF,) * len(children))
    stack: list[Any] = [(cls, aux, iter(children), [])]     # frames, as in _flatten
    while True:
        cls, aux, it, defs = stack[-1]
        for c in it:
            if type(c) in LEAF_TYPES:      # a list of 1,000 floats: no call per leaf
                out.append(c)
                defs.append(_LEAF)
                continue
            if type(c) is list:            # a row of leaves (a weight matrix's):
                for e in c:                # no frame of its own
                    if type(e) not in LEAF_TYPES:
                        break
                else:
                    out.extend(c)
                    defs.append(_leaf_list(len(c)))
                    continue
            ccls, centry = _node_type(c)
            if centry is None:
                out.append(c)
                defs.append(_LEAF)
                continue
            kids, caux = centry.flatten(c)
            stack.append((ccls, caux, iter(kids), []))
            break
        else:
            stack.pop()
            td = TreeDef(cls, aux, tuple(defs))
            if not stack:
                return td
            stack[-1][3].append(td)


_LEAF = TreeDef(None, None, ())


@functools.lru_cache(maxsize=256)
def _leaf_list(n: int) -> TreeDef:
    """The structure of a list of ``n`` leaves (shared: structures are immutable)."""
    return TreeDef(list, n, (_LEAF,) * n)
LEAF_TYPES: set[type] = {float, int, bool, complex, str, bytes, np.ndarray, np.float64}
"""Types known to be leaves without a registry lookup (``tape.py`` adds
``Traced``); a type given to [register][tapegrad.tree.register] leaves this set."""


def flatten(tree: PyTree) -> tuple[list[Any], TreeDef]:
    """Flatten ``tree`` into its leaves (dict entries by sorted key) and structure.

    Args:
      tree: A pytree: dicts, lists, tuples, NamedTuples, None and registered
        classes, with anything else as leaves.

    Returns:
      ``(leaves, treedef)``: the leaves in order, and the structure, which
      [unflatten][tapegrad.tree.unflatten] fills again.

    Examples:
      >>> import tapegrad as tg
      >>> tg.tree.flatten([1.0, (2.0, None)])[0]
      [1.0, 2.0]
    """
    out: list[Any] = []
    treedef = _flatten_leaves(tree, out)
    return out, treedef


def leaves(tree: PyTree) -> list[Any]:
    """The leaves of ``tree`` in flattening order.

    Args:
      tree: A pytree.

    Returns:
      The list of its leaves.

    Examples:
      >>> import tapegrad as tg
      >>> tg.tree.leaves({"b": 2.0, "a": [1.0]})
      [1.0, 2.0]
    """
    return flatten(tree)[0]


def structure(tree: PyTree) -> TreeDef:
    """The ``TreeDef`` of ``tree``.

    Args:
      tree: A pytree.

    Returns:
      Its structure, a hashable ``TreeDef``.

    Examples:
      >>> import tapegrad as tg
      >>> tg.tree.structure({"a": [1.0, 2.0]})
      TreeDef({'a': [*, *]})
    """
    return flatten(tree)[1]


def unflatten(treedef: TreeDef, leaves: Iterable[Any]) -> PyTree:
    """Build a tree of structure ``treedef`` from ``leaves``.

    Args:
      treedef: A structure, from [flatten][tapegrad.tree.flatten] or
        [structure][tapegrad.tree.structure].
      leaves: As many leaves as the structure holds, in flattening order.

    Returns:
      The pytree.

    Raises:
      ValueError: if the number of leaves does not match.

    Examples:
      >>> import tapegrad as tg
      >>> _, td = tg.tree.flatten({"a": 0.0, "b": (0.0, 0.0)})
      >>> tg.tree.unflatten(td, [1.0, 2.0, 3.0])
      {'a': 1.0, 'b': (2.0, 3.0)}
    """
    if not isinstance(treedef, TreeDef):
        raise TypeError(
            f"tree.unflatten: treedef must be a TreeDef, from tg.tree.flatten(tree)[1] or "
            f"tg.tree.structure(tree); got {treedef!r:.60} ({type(treedef).__name__}).")
    items = list(leaves)
    if len(items) != treedef.num_leaves:
        raise ValueError(
            f"tree.unflatten: {treedef} has {treedef.num_leaves} leaves but "
            f"{len(items)} were given.")
    it = iter(items)
    return _build(treedef, it)


def _build(td: TreeDef, it: Any) -> Any:
    """The tree of structure ``td`` filled from the iterator ``it``; no recursion."""
    if td.node is None:
        return next(it)
    if all(c.node is None for c in td.children):   # a node of leaves only: no frames
        built = [next(it) for _ in td.children]
        entry = _REGISTRY.get(td.node)
        return td.node(*built) if entry is None else entry.unflatten(td.aux, built)
    stack: list[Any] = [(td, iter(td.children), [])]
    while True:
        node, kids, built = stack[-1]
        for c in kids:
            if c.node is None:
                built.append(next(it))
                continue
            stack.append((c, iter(c.children), []))
            break
        else:
            stack.pop()
            entry = _REGISTRY.get(node.node)
            obj = node.node(*built) if entry is None else entry.unflatten(node.aux, built)
            if not stack:                  # (a NamedTuple has no registry entry)
                return obj
            stack[-1][2].append(obj)


def map(f: Callable[..., Any], tree: PyTree, *rest: PyTree) -> PyTree:
    """Apply ``f`` to every leaf (and the matching leaves of ``rest``).

    Args:
      f: A function of as many leaves as there are trees.
      tree: A pytree.
      *rest: Pytrees with the structure of ``tree`` (or with ``tree`` as
        their prefix: then ``f`` receives their matching subtrees).

    Returns:
      A pytree like ``tree`` holding ``f``'s results.

    Raises:
      ValueError: if a tree in ``rest`` has another structure.

    Examples:
      >>> import tapegrad as tg
      >>> tg.tree.map(lambda p, g: p - 0.1 * g, {"w": 1.0}, {"w": 2.0})
      {'w': 0.8}
    """
    xs, treedef = flatten(tree)
    others = []
    for i, r in enumerate(rest):
        ys, td = flatten(r)
        if td != treedef:            # tree may still be a prefix of r
            ys = _flatten_up_to(treedef, r, f"tree.map: argument {i + 2}")
        others.append(ys)
    return unflatten(treedef, [f(*args) for args in zip(xs, *others)])


def _flatten_up_to(treedef: TreeDef, other: Any, what: str) -> list[Any]:
    """The subtrees of ``other`` where ``treedef`` has its leaves.

    ``treedef`` must be a prefix of ``other``'s structure (JAX's rule for
    ``tree.map``); else a ``ValueError`` names the first path where they
    differ. A loop over an explicit stack, left to right: no recursion.
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
    shown = _show(structure(x))
    return shown if len(shown) < 120 else f"a {type(x).__name__} of another structure"


def first_difference(a: TreeDef, b: TreeDef) -> str:
    """The key path (``['w'][1]``) of the first place where two structures differ.

    Empty when they differ at the root or not at all.
    """
    todo: list[tuple[TreeDef, TreeDef, tuple[Any, ...]]] = [(a, b, ())]
    while todo:
        x, y, path = todo.pop()
        if x.node is not y.node or x.aux != y.aux or len(x.children) != len(y.children):
            return keystr(path)
        if x.node is None:
            continue
        entry = _entry(x.node)
        assert entry is not None
        keys = entry.keys(x.aux, len(x.children))
        todo.extend((c, d, path + (k,))
                    for k, c, d in reversed(list(zip(keys, x.children, y.children))))
    return ""
