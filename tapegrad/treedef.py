"""Tree structures: the node registry, key paths and ``TreeDef``.

What [tapegrad.tree][tapegrad.tree] flattens by: which classes are containers
(the registry), how a leaf's place is named (``DictKey``, ``SequenceKey``,
``GetAttrKey``, ``KeyPath``), and the structure left when the leaves are
taken out (``TreeDef``). Comparing, hashing and printing a structure work on
structures thousands of levels deep.
"""

from __future__ import annotations

import builtins
import collections
import dataclasses
import functools
from collections.abc import Callable, Hashable, Iterable
from typing import Any, NamedTuple, cast

import numpy as np

from .treeshow import refuse_unhashable
from .treeshow import show as _show

__all__ = [
    "LEAF_TYPES", "DictKey", "GetAttrKey", "KeyPath", "PyTree", "SequenceKey", "TreeDef",
    "first_difference", "keystr", "register", "register_dataclass",
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
    _REGISTRY[cls] = _NodeType(_checked_flatten(cls, flatten), unflatten,
                               lambda aux, n: [SequenceKey(i) for i in range(n)])


def _checked_flatten(cls: type, flatten: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``flatten``, refusing at once a result that is not ``(children, aux)``."""
    def checked(obj: Any) -> Any:
        out = flatten(obj)
        if (not isinstance(out, tuple) or len(out) != 2 or isinstance(out[0], str | bytes)
                or not isinstance(out[0], Iterable)):
            raise TypeError(
                f"tree: the flatten registered for {cls.__name__} returned {out!r:.60}; "
                "it must return a pair (children, aux): a list or tuple of the children "
                "and hashable data that is no leaf, e.g. lambda p: ((p.x, p.y), None).")
        return out
    return checked


def register_dataclass(cls: type, meta_fields: Iterable[str] = ()) -> type:
    """Make a dataclass a container of its fields, as JAX's ``register_dataclass``.

    Every field is a child, in the order the class declares them, except the
    ``meta_fields``: hashable data kept with the structure (a name, a size).
    A node is rebuilt without calling ``__init__`` (a frozen dataclass works
    too). Returns ``cls``, so it can decorate the class.

    Raises:
      TypeError: if ``cls`` is not a dataclass.
      ValueError: if ``cls`` is already registered.

    Examples:
      >>> import dataclasses
      >>> import tapegrad as tg
      >>> @tg.tree.register_dataclass
      ... @dataclasses.dataclass
      ... class Spring:
      ...     k: float
      ...     rest: float
      >>> tg.grad(lambda s: s.k * s.rest ** 2)(Spring(2.0, 0.5))
      Spring(k=0.25, rest=2.0)
    """
    if not (isinstance(cls, type) and dataclasses.is_dataclass(cls)):
        raise TypeError(f"tree.register_dataclass: {cls!r} is not a dataclass; "
                        "use tg.tree.register(cls, flatten, unflatten).")
    meta = tuple(meta_fields)
    names = tuple(f.name for f in dataclasses.fields(cls) if f.name not in meta)

    def unflatten(aux: Any, children: Iterable[Any]) -> Any:
        obj = object.__new__(cls)
        for name, value in (*zip(names, children), *zip(meta, aux)):
            object.__setattr__(obj, name, value)
        return obj
    register(cls, lambda obj: (tuple(getattr(obj, n) for n in names),
                               tuple(getattr(obj, n) for n in meta)), unflatten)
    _REGISTRY[cls] = _REGISTRY[cls]._replace(keys=lambda aux, n: [GetAttrKey(f) for f in names])
    return cls


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
_REGISTRY[collections.OrderedDict] = _NodeType(        # keys in their order, as JAX
    lambda d: (list(d.values()), tuple(d)),
    lambda keys, ch: collections.OrderedDict(zip(keys, ch)),
    lambda keys, n: [DictKey(k) for k in keys])
_REGISTRY[collections.defaultdict] = _NodeType(        # sorted keys; the factory is aux
    lambda d: ([d[k] for k in _sorted_keys(d)], (d.default_factory, _sorted_keys(d))),
    lambda aux, ch: collections.defaultdict(aux[0], zip(aux[1], ch)),
    lambda aux, n: [DictKey(k) for k in aux[1]])
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
            return bool(self._key() == other._key())
        except RecursionError:      # very deep: compare node by node
            return _equal(self, other)
        except (TypeError, ValueError):     # an aux that == cannot answer (an array)
            refuse_unhashable(self)
            refuse_unhashable(other)
            raise

    def __hash__(self) -> int:
        if self._hash is None:      # one formula, whichever way it is computed
            try:
                self._hash = hash((self.node, self.aux, tuple(builtins.map(hash, self.children))))
            except RecursionError:  # very deep: children first, each cached
                self._hash = _hash_deep(self)
            except TypeError:
                refuse_unhashable(self)
                raise
        return self._hash

    def __repr__(self) -> str:
        return f"TreeDef({_show(self)})"

    def unflatten(self, leaves: Any) -> Any:
        """``tg.tree.unflatten(self, leaves)``, as JAX's ``treedef.unflatten``."""
        return WALKS["unflatten"](self, leaves)

    def flatten_up_to(self, tree: Any) -> list[Any]:
        """The subtrees of ``tree`` where this structure has its leaves (JAX's method)."""
        walk = WALKS["flatten_up_to"]
        return cast(list[Any], walk(self, tree, "treedef.flatten_up_to: the tree"))

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


_LEAF = TreeDef(None, None, ())
WALKS: dict[str, Callable[..., Any]] = {}
"""``TreeDef``'s methods that walk a tree: set by ``tree.py``, which imports this module."""


@functools.lru_cache(maxsize=256)
def _leaf_list(n: int) -> TreeDef:
    """The structure of a list of ``n`` leaves (shared: structures are immutable)."""
    return TreeDef(list, n, (_LEAF,) * n)


LEAF_TYPES: set[type] = {float, int, bool, complex, str, bytes, np.ndarray, np.float64}
"""Types known to be leaves without a registry lookup (``tape.py`` adds
``Traced``); a type given to [register][tapegrad.tree.register] leaves this set."""


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
