"""vmap's quick call: at a signature whose program is compiled, no Python work per leaf.

The first call at a signature goes the whole way (``vmap._run``): the axes
and kind of every leaf, the trace, the compiled program, each output
checked, copied where it must be, placed and put in its tree. Where that
call ran every example through one compiled program (scalar code without
guards: ``interpret.compiled``), a later call at the same signature needs
none of it but the program. ``learn`` keeps a ``Quick`` call for it, found
again by the tree structure and the types of the leaves (and, for the few
leaves that are not floats, their dtype and example shape, or their value
where they are constants of the trace). ``Quick.__call__`` hands the leaves
to the program as they are, checks at C speed that the outputs are fresh
arrays of the batch's length, and builds the output tree with one generated
expression. Any other output (a number to broadcast, a view to copy, an
axis to move) goes through the steps of the first call, so the results are
the same, bit for bit, and never alias an input or each other.
"""

from __future__ import annotations

import operator
from functools import partial
from typing import Any

import numpy as np

from .. import tree
from ..numerics import ieee
from ..treecode import extractor, unflattener
from ..treedef import _REGISTRY, TreeDef
from ..values import primal_value
from .axes import BATCHED

__all__ = ["MISS", "Calls", "Quick", "again", "call", "learn"]

MISS = object()
"""``call``'s answer where no quick call fits: the caller goes the whole way."""

MAX_KINDS = 8
"""Per structure and leaf types: the kinds of the other leaves kept (all dropped past it)."""

_ONE, _NONE_ID = {1}, id(None)
_ndim, _base = operator.attrgetter("ndim"), operator.attrgetter("base")


class Calls:
    """A vmapped function's quick calls: ``Family``s by structure and leaf types.

    ``last`` is the family that answered last: its argument tree is tried
    first, without flattening (``again``).
    """

    def __init__(self, families: Any) -> None:
        self.families = families           # vmap's ``_LRU``: at most 64, least recent out
        self.last: Family | None = None


class Family:
    """The quick calls of one tree structure and leaf types, by the kinds of the rest."""

    __slots__ = ("axes", "extract", "members", "positions", "registered", "types")

    def __init__(self, treedef: TreeDef, types: tuple[type, ...],
                 axes: list[int | None]) -> None:
        self.types, self.axes = types, axes
        self.positions = [k for k, t in enumerate(types) if t is not float]
        self.members: dict[tuple[Any, ...], Quick | None] = {}
        self.extract: Any = False          # made with its first quick call
        self.registered = len(_REGISTRY)   # a class registered later may be a node

    def kinds(self, leaves: list[Any]) -> tuple[Any, ...]:
        """What the signature holds of the leaves that are not floats."""
        return tuple(_kind(leaves[k], self.axes[k]) for k in self.positions)


def _kind(x: Any, axis: int | None) -> Any:
    """An array's dtype and example shape; a constant of the trace itself."""
    if axis is None and passed_through(x):
        return Static(x)
    if type(x) is np.ndarray:
        shape = x.shape
        if axis is None:
            return x.dtype, shape
        if not -len(shape) <= axis < len(shape):
            return None                       # the whole way: it says what is wrong
        axis %= len(shape)
        return x.dtype, shape[:axis] + shape[axis + 1:]
    return type(x)


def again(calls: Calls, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """The last family's quick call, where the arguments have its structure; or ``MISS``."""
    family = calls.last
    if family is None or not family.extract:
        return MISS
    leaves = family.extract((args, kwargs))
    if leaves is None or tuple(map(type, leaves)) != family.types or \
            len(_REGISTRY) != family.registered:
        return MISS
    quick = family.members.get(family.kinds(leaves))
    return MISS if quick is None else quick(leaves)


def call(calls: Calls, key: tuple[TreeDef, tuple[type, ...]], leaves: list[Any]) -> Any:
    """The result of the quick call kept for these leaves, or ``MISS``."""
    family = calls.families.get(key)
    if family is None:
        return MISS
    quick = family.members.get(family.kinds(leaves))
    if quick is None:
        return MISS
    calls.last = family
    return quick(leaves)


def learn(calls: Calls, key: tuple[TreeDef, tuple[type, ...]], leaves: list[Any],
          axes: list[int | None], specs: list[Any], static: list[bool], out_def: Any,
          oaxes: list[int | None]) -> None:
    """After a call that went the whole way: keep a quick call where one fits.

    ``specs`` are the signature's traced programs, ``static`` the leaves that
    are constants of the trace, ``oaxes`` where each output's batch axis went.
    """
    family = calls.families.get(key)
    if family is None:
        family = calls.families.put(key, Family(*key, axes))
    kinds = family.kinds(leaves)
    if kinds in family.members:
        return
    quick = None
    if _fits(leaves, axes, static) and len(specs) == 1 and not specs[0].probes:
        fast = specs[0].fast(tuple(a is not None for a, s in zip(axes, static) if not s))
        if fast is not None:
            quick = Quick(fast, axes, static, out_def, oaxes)
            if family.extract is False:
                family.extract = extractor(key[0])
            calls.last = family
    if len(family.members) >= MAX_KINDS:    # rare: start again (no iteration that
        family.members.clear()              # another thread's learning could upset)
    family.members[kinds] = quick


def _fits(leaves: list[Any], axes: list[int | None], static: list[bool]) -> bool:
    """Whether every leaf the program takes is a shared float or a batch of floats."""
    return all(s or (type(x) is float and a is None) or
               (type(x) is np.ndarray and x.dtype == np.float64 and x.ndim == 1
                and a is not None)
               for x, a, s in zip(leaves, axes, static))


class Quick:
    """One signature's call on a compiled program: its leaves in, its output tree out."""

    def __init__(self, fast: tuple[Any, list[bool]], axes: list[int | None],
                 static: list[bool], out_def: TreeDef, oaxes: list[int | None]) -> None:
        self.lowered, self.batched = fast[0], list(fast[1])   # its source kept while it runs
        self.oaxes = oaxes
        self.plain = all(self.batched) and all(a == 0 for a in oaxes)
        self.mapped = [(k, a) for k, (a, s) in enumerate(zip(axes, static))
                       if a is not None and not s]
        dynamic = [k for k, s in enumerate(static) if not s]
        self.dynamic = None if len(dynamic) == len(static) else dynamic
        self.build = unflattener(out_def) or partial(tree.unflatten, out_def)
        rows = set(self.lowered.rows_at)      # fresh by construction: not checked
        self.check = [j for j in range(len(self.batched)) if j not in rows] if rows else None

    def __call__(self, leaves: list[Any]) -> Any:
        """``fun`` over the batch of ``leaves``, or ``MISS`` where their sizes disagree."""
        sizes = {len(leaves[k]) for k, _ in self.mapped}
        if len(sizes) != 1:
            return MISS                       # the whole way: its error names them
        n = sizes.pop()
        args = list(leaves)
        for k, _ in self.mapped:              # a view, as the whole way hands in (its
            args[k] = args[k].view()          # moveaxis of a vector, along 0 or -1)
        if self.dynamic is not None:
            args = [args[k] for k in self.dynamic]
        with ieee():
            outs = self.lowered.fn(args)
        check = self.check
        if not (self.plain and (_fresh(outs, n) if check is None else
                                not check or _fresh([outs[j] for j in check], n))):
            outs = self.placed(outs, n, args)
        return self.build(outs)

    def placed(self, outs: list[Any], n: int, args: list[Any]) -> list[Any]:
        """The outputs as the whole way gives them: broadcast, owned, batch axis placed."""
        values = [(o if type(o) is np.ndarray and o.shape == (n,) else
                   np.broadcast_to(np.asarray(o, dtype=float), (n,))) if b else o
                  for o, b in zip(outs, self.batched)]
        shared = [BATCHED if b else v for v, b in zip(values, self.batched)]
        values = owned([v if b else np.broadcast_to(v, (n,) + np.shape(v))
                        for v, b in zip(values, self.batched)], args)
        return [np.array(shared[k]) if a is None else o if a == 0 else np.moveaxis(o, 0, a)
                for k, (o, a) in enumerate(zip(values, self.oaxes))]


def _fresh(outs: list[Any], n: int) -> bool:
    """Whether every output is an array of shape ``(n,)`` and of its own memory.

    Never an input nor another output: the compiled program copies any output
    that may be one (as ``jit`` returns it), and a view has a base, unless it
    is a row of the one new ``(rows, n)`` array the program writes the lanes
    of its vectors to (``packing._as_rows``: its rows share memory with
    nothing else). A few passes at C speed (a number has no ``ndim``).
    """
    try:
        if set(map(_ndim, outs)) != _ONE or set(map(len, outs)) != {n}:
            return False
    except (AttributeError, TypeError):
        return False
    bases = set(map(id, map(_base, outs)))
    bases.discard(_NONE_ID)
    if not bases:
        return True
    if len(bases) > 1:
        return False
    b = next(b for b in map(_base, outs) if b is not None)
    return b.base is None and b.ndim == 2 and b.shape[1] == n and b.shape[0] <= len(outs)


def owned(values: list[Any], leaves: list[Any]) -> list[Any]:
    """The outputs as arrays of their own: no view of an input, nor one array twice.

    Where every output is fresh (``_fresh``: the rows of one new array, say),
    none is an input and none comes twice, they are that already.
    """
    given = {id(x) for x in leaves}
    ids = set(map(id, values))
    if values and len(ids) == len(values) and given.isdisjoint(ids) and \
            type(values[0]) is np.ndarray and values[0].ndim and _fresh(values, len(values[0])):
        return values
    out = []
    for v in values:
        if not (v.flags.owndata and v.flags.writeable) or id(v) in given:
            v = np.array(v)
        given.add(id(v))
        out.append(v)
    return out


# ------------------------------------------------------------ the signature
class Static:
    """An ``in_axes=None`` argument that is not a float or an array, in a signature.

    Equal when of the same type and equal (``1``, ``True`` and ``1.0`` differ),
    or the same object where it cannot be hashed.
    """

    def __init__(self, x: Any) -> None:
        self.x = x
        try:
            self.hash = hash((type(x), x))
        except TypeError:
            self.hash = id(x)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Static) or type(other.x) is not type(self.x):
            return False
        if other.x is self.x:
            return True
        try:
            return bool(other.x == self.x) and self.hash == other.hash
        except Exception:
            return False

    def __hash__(self) -> int:
        return self.hash


def passed_through(x: Any) -> bool:
    """An unbatched leaf that ``fun`` gets untouched: not a float or a float array.

    Ints (they may drive ``range``), strings, callables and other objects are
    constants of the trace, part of the signature by value.
    """
    if type(x) is float:
        return False
    x = primal_value(x)
    if type(x) is float or isinstance(x, np.floating):
        return False
    return not (isinstance(x, np.ndarray) and x.dtype.kind in "fiub")
