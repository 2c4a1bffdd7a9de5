"""Pytrees: nested containers of numbers, flattened to a list of leaves.

Containers are ``dict`` and ``defaultdict`` (keys in sorted order),
``OrderedDict`` (keys in their order), ``list``, ``tuple``,
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
from collections.abc import Callable, Iterable
from typing import Any

from . import renamed, treecode
from .flat import ravel_leaves
from .treedef import _LEAF, _REGISTRY, WALKS, KeyPath, PyTree, TreeDef, _leaf_list, _node_type
from .treedef import LEAF_TYPES as LEAF_TYPES
from .treedef import DictKey as DictKey
from .treedef import GetAttrKey as GetAttrKey
from .treedef import SequenceKey as SequenceKey
from .treedef import first_difference as first_difference
from .treedef import keystr as keystr
from .treedef import register as register
from .treedef import register_dataclass as register_dataclass
from .treewalk import flatten_leaf_first
from .treewalk import flatten_up_to as _flatten_up_to

IsLeaf = Callable[[Any], Any] | None

__all__ = [
    "DictKey", "GetAttrKey", "KeyPath", "PyTree", "SequenceKey", "TreeDef",
    "flatten", "flatten_with_path", "keystr", "leaves", "map", "ravel", "register",
    "register_dataclass", "structure", "unflatten",
]


def __getattr__(name: str) -> object:
    """JAX's spellings of what this module names otherwise: an AttributeError saying which."""
    raise renamed.missing(__name__, name)


# ------------------------------------------------------------------ flatten
def _flatten(x: Any, out: list[Any]) -> TreeDef:
    """Append the leaves of ``x`` to ``out``; its structure. The one flatten loop.

    A loop over an explicit stack, never a recursion. Leaves of the types in
    ``LEAF_TYPES`` and lists of them cost no registry lookup and no frame.
    Key paths are not made here: ``TreeDef.key_paths`` gives them from the
    structure, when asked.
    """
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
    stack: list[Any] = [(cls, aux, iter(children), [])]  # (class, aux, kids left, defs)
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


def flatten(tree: PyTree, is_leaf: IsLeaf = None) -> tuple[list[Any], TreeDef]:
    """Flatten ``tree`` into its leaves (dict entries by sorted key) and structure.

    Args:
      tree: A pytree: dicts, lists, tuples, NamedTuples, None and registered
        classes, with anything else as leaves.
      is_leaf: As in JAX: a subtree for which ``is_leaf(subtree)`` is true is
        one leaf (asked before its type; here and in ``flatten_with_path``,
        ``leaves``, ``structure`` and ``map``).

    Returns:
      ``(leaves, treedef)``: the leaves in order, and the structure, which
      [unflatten][tapegrad.tree.unflatten] fills again.

    Examples:
      >>> import tapegrad as tg
      >>> tg.tree.flatten([1.0, (2.0, None)])[0]
      [1.0, 2.0]
    """
    if is_leaf is not None:
        return flatten_leaf_first(tree, is_leaf)
    out: list[Any] = []
    treedef = _flatten(tree, out)
    return out, treedef


def flatten_with_path(tree: PyTree, is_leaf: IsLeaf = None
                      ) -> tuple[list[tuple[KeyPath, Any]], TreeDef]:
    """Flatten ``tree`` into ``(path, leaf)`` pairs and its structure.

    Args:
      tree: A pytree.
      is_leaf: Which subtrees are leaves, as in ``flatten``.

    Returns:
      ``(pairs, treedef)``: each leaf with its key path (``str(path)`` prints
      ``['w'][0]``), and the structure.

    Examples:
      >>> import tapegrad as tg
      >>> pairs, _ = tg.tree.flatten_with_path({"w": [1.0, 2.0]})
      >>> [(str(p), x) for p, x in pairs]
      [("['w'][0]", 1.0), ("['w'][1]", 2.0)]
    """
    out, treedef = flatten(tree, is_leaf)
    return list(zip(treedef.key_paths(), out)), treedef


def leaves(tree: PyTree, is_leaf: IsLeaf = None) -> list[Any]:
    """The leaves of ``tree`` in flattening order.

    Args:
      tree: A pytree.
      is_leaf: Which subtrees are leaves, as in ``flatten``.

    Returns:
      The list of its leaves.

    Examples:
      >>> import tapegrad as tg
      >>> tg.tree.leaves({"b": 2.0, "a": [1.0]})
      [1.0, 2.0]
    """
    return flatten(tree, is_leaf)[0]


def structure(tree: PyTree, is_leaf: IsLeaf = None) -> TreeDef:
    """The ``TreeDef`` of ``tree``.

    Args:
      tree: A pytree.
      is_leaf: Which subtrees are leaves, as in ``flatten``.

    Returns:
      Its structure, a hashable ``TreeDef``.

    Examples:
      >>> import tapegrad as tg
      >>> tg.tree.structure({"a": [1.0, 2.0]})
      TreeDef({'a': [*, *]})
    """
    return flatten(tree, is_leaf)[1]


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


WALKS["unflatten"], WALKS["flatten_up_to"] = unflatten, _flatten_up_to


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


def map(f: Callable[..., Any], tree: PyTree, *rest: PyTree, is_leaf: IsLeaf = None) -> PyTree:
    """Apply ``f`` to every leaf (and the matching leaves of ``rest``).

    Args:
      f: A function of as many leaves as there are trees.
      tree: A pytree.
      *rest: Pytrees with the structure of ``tree`` (or with ``tree`` as
        their prefix: then ``f`` receives their matching subtrees).
      is_leaf: As in ``flatten``: which subtrees of ``tree`` are leaves
        (``f`` receives them whole; ``rest`` is read up to them).

    Returns:
      A pytree like ``tree`` holding ``f``'s results.

    Raises:
      ValueError: if a tree in ``rest`` has another structure.

    Examples:
      >>> import tapegrad as tg
      >>> tg.tree.map(lambda p, g: p - 0.1 * g, {"w": 1.0}, {"w": 2.0})
      {'w': 0.8}
    """
    for known in _KNOWN if is_leaf is None else ():   # a structure met before: no walk
        xs = known.leaves(tree)
        if xs is not None:
            others = [known.leaves(r) for r in rest]
            if None not in others:
                return known.build(list(builtins.map(f, xs, *others)))
            break
    xs, treedef = flatten(tree, is_leaf)
    others = []
    for i, r in enumerate(rest):
        ys, td = flatten(r)
        if td != treedef:            # tree may still be a prefix of r
            ys = _flatten_up_to(treedef, r, f"tree.map: argument {i + 2}")
        others.append(ys)
    out = unflatten(treedef, [f(*args) for args in zip(xs, *others)])
    if treedef.num_leaves >= _Known.MIN_LEAVES and is_leaf is None:
        _Known.met(treedef)
    return out


class _Known:
    """A structure ``tree.map`` met twice, its walk as generated code (``treecode``).

    ``leaves(t)`` is ``flatten(t)[0]`` where ``t`` has this structure and
    leaves of the types ``flatten`` takes without a lookup, else None (the
    caller then walks as before, errors included); ``build`` is
    ``unflatten``. Small trees are walked as before: the walk costs little.
    """

    MIN_LEAVES, KEEP = 32, 4
    seen: dict[TreeDef, int] = {}

    def __init__(self, extract: Callable[[Any], list[Any] | None],
                 build: Callable[[list[Any]], Any]) -> None:
        self.extract, self.build = extract, build

    def leaves(self, t: Any) -> list[Any] | None:
        xs = self.extract(t)
        if xs is None or not LEAF_TYPES.issuperset(builtins.map(type, xs)):
            return None
        return xs

    @classmethod
    def met(cls, td: TreeDef) -> None:
        """Count a walk of ``td``; at the second, keep it as code (the latest ``KEEP``)."""
        if cls.seen.get(td, 0) == 0:
            if len(cls.seen) > 256:
                cls.seen.clear()
            cls.seen[td] = 1
            return
        extract, build = treecode.extractor(td), treecode.unflattener(td)
        cls.seen.pop(td, None)
        if extract is not None and build is not None:
            _KNOWN.insert(0, cls(extract, build))
            del _KNOWN[cls.KEEP:]


_KNOWN: list[_Known] = []


# -------------------------------------------------------------------- ravel
def ravel(tree: PyTree) -> tuple[Any, Callable[[Any], PyTree]]:
    """Concatenate every leaf of ``tree`` into one 1-D float vector.

    JAX's ``jax.flatten_util.ravel_pytree``, autograd's ``flatten``: leaves
    (numbers, NumPy arrays of any shape, traced values) in flattening order,
    each raveled. The vector's dtype is the result type of the leaves (all
    ``float32`` stays ``float32``; Python numbers do not widen it; integer
    and bool leaves alone give ``float64``). It works inside ``grad``,
    ``jit`` and ``vmap``, on traced leaves and on a traced vector.

    Args:
      tree: A pytree whose leaves are real numbers or arrays.

    Returns:
      ``(vector, unravel)``: ``unravel(v)`` rebuilds a tree of ``tree``'s
      structure from a vector ``v`` of the same length, each leaf with its
      shape and dtype again (a Python float stays a Python float), so that
      ``tg.grad(lambda v: loss(unravel(v)))(vector)`` works.

    Raises:
      TypeError: if a leaf is not a real number or array.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> vec, unravel = tg.tree.ravel({"w": np.ones((2, 2)), "b": 0.5})
      >>> vec
      array([0.5, 1. , 1. , 1. , 1. ])
      >>> unravel(vec * 2)
      {'b': 1.0, 'w': array([[2., 2.],
             [2., 2.]])}
    """
    xs, treedef = flatten(tree)
    vector, unravel_leaves = ravel_leaves(xs, treedef)

    def unravel(v: Any) -> PyTree:
        """Rebuild the tree from a vector of the raveled length."""
        return unflatten(treedef, unravel_leaves(v))
    return vector, unravel
