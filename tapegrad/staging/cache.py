"""Signatures and specializations: what jit compiled, and for which calls.

A call's *signature* is what a compiled program depends on: the tree
structure of the traced arguments, each leaf's kind (float, int, or an
array's dtype and shape) and the static arguments' values, never a float's
or an array's value. Under one signature the cache keeps one
*specialization* per pattern of guard outcomes (at most ``MAX_SPECIALIZATIONS``):
a call runs them in turn until one's guards all hold. At most
``MAX_SIGNATURES`` signatures are kept, the least recently used dropped.
"""

from __future__ import annotations

import contextlib
import inspect
import itertools
import struct
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import numpy as np

from .. import tree, treecode
from ..backends import array_kind, namespace
from ..numerics import ieee
from .lower import Lowered

MAX_SPECIALIZATIONS = 8
MAX_SIGNATURES = 64
_PLAIN = {float, int}         # leaves whose type alone is their kind


class Specialization(NamedTuple):
    """One compiled program and how to read its outputs back."""
    lowered: Lowered
    out_def: Any          # TreeDef of the outputs
    unflatten: Any        # generated for out_def, or None: tree.unflatten serves
    tape: Any = None      # the trace it was compiled from: other transforms replay it


def leaf_kind(x: Any) -> Any:
    """A leaf's part of the signature; None for a leaf jit cannot trace."""
    t = type(x)
    if t is float:
        return float
    if t is int:
        return int
    if t is np.ndarray:
        return (x.dtype.str, x.shape) if x.dtype.kind != "c" else None
    if isinstance(x, np.floating | np.integer) and not isinstance(x, np.bool_):
        return t             # a NumPy scalar: a float64 traced as a float, float32 as itself
    if namespace(x) is not None:   # another library's array: its library and device too
        return array_kind(x)
    return None


def is_number_kind(kind: Any) -> bool:
    """Whether leaves of ``kind`` are traced as the floats they convert to."""
    return kind is int or (isinstance(kind, type) and issubclass(kind, np.number))


def static_key(value: Any) -> Any:
    """A static value as the cache compares it: equal and of the same type.

    ``1``, ``1.0`` and ``True`` are equal in Python, but a function may
    branch on the type (``isinstance``), so they do not share a trace. A
    float or NumPy scalar is compared by its bytes too: ``0.0`` and
    ``-0.0`` are equal, yet ``math.copysign`` tells them apart.
    """
    if type(value) is tuple:
        return (tuple, tuple(static_key(v) for v in value))
    if type(value) is float:
        return (float, struct.pack("<d", value))
    if isinstance(value, np.generic):
        return (type(value), value.tobytes())
    return (type(value), value)


class Held:
    """A static value beside its key, which alone decides equality (a nan never equals itself)."""

    __slots__ = ("value",)

    def __init__(self, value: Any):
        self.value = value

    def __eq__(self, other: object) -> bool:
        return other.__class__ is Held

    def __hash__(self) -> int:
        return 0


def outputs(spec: Specialization, leaves: list[Any]) -> Any:
    """Run ``spec`` on the input leaves; its outputs as the function's tree."""
    outs = flat_outputs(spec, leaves)
    unflat = spec.unflatten          # unflattened, written out: the fast path's last step
    return unflat(outs) if unflat is not None else tree.unflatten(spec.out_def, outs)


def unflattened(spec: Specialization, outs: list[Any]) -> Any:
    """Output leaves as the function's tree (by the generated unflattener where there is one)."""
    unflat = spec.unflatten
    return unflat(outs) if unflat is not None else tree.unflatten(spec.out_def, outs)


def flat_outputs(spec: Specialization, leaves: list[Any]) -> list[Any]:
    """Run ``spec`` on the input leaves; its output leaves.

    NumPy's warnings are switched off only where the program holds NumPy
    values: Python floats never warn, and switching costs microseconds.
    """
    if spec.lowered.plain:
        return spec.lowered.fn(leaves)       # type: ignore[no-any-return]
    with ieee():
        return spec.lowered.fn(leaves)       # type: ignore[no-any-return]


class Cache:
    """Specializations by signature, shared by the threads calling one function.

    The ``MAX_SIGNATURES`` most recently used signatures are kept: a
    function called with ever new shapes holds a bounded amount of compiled
    code.
    """

    def __init__(self) -> None:
        self.by_signature: OrderedDict[Any, list[Specialization]] = OrderedDict()
        self.traces = 0
        self.lock = threading.Lock()
        self._tracing: dict[Any, list[Any]] = {}   # signature -> [lock, threads using it]
        # the last signature's (statics, generated flattener, live list of specializations)
        self.fast: tuple[Any, Any, list[Specialization]] | None = None
        self._flatteners: dict[Any, Any] = {}     # by signature (None: none can be made)

    def lookup(self, dynamic: Any, statics: Any) -> tuple[list[Any], Any, Any]:
        """A call's leaves, tree structure and signature.

        The signature is None where a leaf is not a number jit traces (a
        value an outer transform traces, or no number at all). A signature
        compiled before becomes the fast path.
        """
        leaves, treedef = tree.flatten(dynamic)
        types = tuple(map(type, leaves))           # C speed; arrays add dtype and shape
        kinds: tuple[Any, ...] = types
        if not _PLAIN.issuperset(types):
            kinds = tuple(leaf_kind(x) for x in leaves)
        if None in kinds:
            return leaves, treedef, None
        signature = (treedef, kinds, statics)
        specs = self.specializations(signature)
        if specs:
            self._make_fast(signature, specs)
        return leaves, treedef, signature

    def _make_fast(self, signature: Any, specs: list[Specialization]) -> None:
        """Calls of ``signature`` take the fast path (its flattener is made once)."""
        flat = self._flatteners.get(signature, _MISSING)
        if flat is _MISSING:
            flat = self._flatteners[signature] = make_flattener(*signature[:2])
        self.fast = (signature[2], flat, specs) if flat is not None else None

    def specializations(self, signature: Any) -> list[Specialization]:
        """Those compiled for ``signature``, oldest first; it is now the most recent."""
        specs = self.by_signature.get(signature)
        if specs is None:
            return []
        with self.lock:
            if signature in self.by_signature:
                self.by_signature.move_to_end(signature)
        return specs

    def add(self, signature: Any, spec: Specialization, fast: bool = True) -> None:
        """Keep ``spec`` for ``signature`` (one more trace); drop the least recent.

        ``signature`` is the fast path afterwards (without ``fast``: from its next lookup).
        """
        with self.lock:
            specs = self.by_signature.get(signature)
            if specs is None:
                self.by_signature[signature] = specs = []
                while len(self.by_signature) > MAX_SIGNATURES:
                    self._flatteners.pop(self.by_signature.popitem(last=False)[0], None)
            else:
                self.by_signature.move_to_end(signature)
            specs.append(spec)
            self.traces += 1
        if fast:
            self._make_fast(signature, specs)

    @contextlib.contextmanager
    def tracing(self, signature: Any) -> Iterator[None]:
        """Held while a thread traces ``signature``: the others wait, then reuse it.

        One lock per signature being traced (so other signatures trace at
        the same time), re-entrant for a function that calls itself, and
        forgotten when no thread holds or waits for it.
        """
        with self.lock:
            entry = self._tracing.get(signature)
            if entry is None:
                entry = self._tracing[signature] = [threading.RLock(), 0]
            entry[1] += 1
        try:
            with entry[0]:
                yield
        finally:
            with self.lock:
                entry[1] -= 1
                if entry[1] == 0:
                    del self._tracing[signature]


_MISSING = object()


class Miss(Exception):
    """A call whose arguments do not have the structure a flattener was made for."""


def _miss() -> None:
    raise Miss


def make_flattener(treedef: Any, kinds: tuple[Any, ...]) -> Any:
    """Generated code that flattens one tree structure and checks each leaf's kind.

    ``flat(tree) -> leaves``, raising ``Miss`` for a tree of
    another structure, kind or dict keys: a few microseconds for hundreds of leaves,
    where the generic flatten and a signature lookup cost tens. None where a
    node is a NamedTuple or a registered class (the generic path serves).
    """
    lines = ["def flat(t0):", "  try:"]
    leaves: list[str] = []         # their names, in flattening order
    ns: dict[str, Any] = {"Miss": Miss, "_miss": _miss, "ndarray": np.ndarray}
    todo, names = [(treedef, "t0")], itertools.count(1)
    while todo:
        td, var = todo.pop()
        if td.node is None:
            lines.append(_leaf_check(var, kinds, len(leaves), ns))
            leaves.append(var)
        elif td.node not in (tuple, list, dict):
            return None
        elif _floats_only(td, kinds, len(leaves)):     # one unpack
            leaves.extend(_unpack_floats(td, var, names, lines))
        else:
            todo.extend(reversed(_children(td, var, names, lines)))
    # the leaves were met depth first, left to right: flattening order
    lines.append("    return [" + ", ".join(leaves) + "]")
    lines.append("  except KeyError:     # a dict of as many keys, other ones")
    lines.append("    _miss()")
    source = "\n".join(lines) + "\n"
    try:
        exec(compile(source, "<tapegrad.jit flattener>", "exec"), ns)
    except (KeyError, SyntaxError, RecursionError):
        return None
    return ns["flat"]


def _leaf_check(var: str, kinds: tuple[Any, ...], count: int, ns: dict[str, Any]) -> str:
    """The line checking leaf number ``count`` (named ``var``) against its kind."""
    k = kinds[count]
    if k is float:
        return f"    if {var}.__class__ is not float: _miss()"
    ns[f"k{count}"] = k
    if is_number_kind(k):      # the compiled code converts it
        return f"    if {var}.__class__ is not k{count}: _miss()"
    if type(k) is tuple and len(k) == 4:      # backends.array_kind
        ns["array_kind"] = array_kind
        return (f"    if {var}.__class__ is not k{count}[0] or array_kind({var}) != k{count}: "
                "_miss()")
    return (f"    if {var}.__class__ is not ndarray or "
            f"({var}.dtype.str, {var}.shape) != k{count}: _miss()")


def _floats_only(td: Any, kinds: tuple[Any, ...], count: int) -> bool:
    """Whether ``td`` is a tuple or list of two or more floats."""
    return td.node is not dict and len(td.children) > 1 and all(
        c.node is None and kinds[count + i] is float for i, c in enumerate(td.children))


def _unpack_floats(td: Any, var: str, names: Iterator[int], lines: list[str]) -> list[str]:
    """Lines unpacking a tuple or list of floats in one step; the leaves' names."""
    n = len(td.children)
    unpacked = [f"t{next(names)}" for _ in range(n)]
    lines.append(f"    if {var}.__class__ is not {td.node.__name__} or len({var}) != "
                 f"{n}: _miss()")
    lines.append(f"    ({', '.join(unpacked)},) = {var}")
    lines.append("    if " + " or ".join(f"{k}.__class__ is not float" for k in unpacked)
                 + ": _miss()")
    return unpacked


def _children(td: Any, var: str, names: Iterator[int], lines: list[str]
              ) -> list[tuple[Any, str]]:
    """Lines checking a tuple, list or dict node and naming its children."""
    n = len(td.children)
    lines.append(f"    if {var}.__class__ is not {td.node.__name__} or len({var}) != {n}: "
                 "_miss()")
    keys = [repr(k) for k in td.aux] if td.node is dict else [str(i) for i in range(n)]
    kids = []
    for key, child in zip(keys, td.children):
        name = f"t{next(names)}"
        lines.append(f"    {name} = {var}[{key}]")
        kids.append((child, name))
    return kids


def make_unflattener(out_def: Any) -> Any:
    """Generated code building the output tree from its leaves.

    None where a node is a NamedTuple or a registered class.
    """
    it = itertools.count()

    def build(td: Any) -> str | None:
        if (text := treecode.leaf_or_row(td, it)) is not None:
            return text
        parts = [build(c) for c in td.children]
        if any(p is None for p in parts) or td.node not in (tuple, list, dict, type(None)):
            return None
        if td.node is type(None):
            return "None"
        if td.node is dict:
            return "{" + ", ".join(f"{k!r}: {p}" for k, p in zip(td.aux, parts)) + "}"
        if td.node is list:
            return "[" + ", ".join(parts) + "]"      # type: ignore[arg-type]
        return "(" + "".join(f"{p}, " for p in parts) + ")"
    try:
        expr = build(out_def)
    except RecursionError:
        return None
    if expr is None:
        return None
    ns: dict[str, Any] = {}
    try:
        exec(compile(f"def unflat(o):\n    return {expr}\n", "<tapegrad.jit unflattener>",
                     "exec"), ns)
    except (RecursionError, MemoryError, SyntaxError):
        return None
    return ns["unflat"]


_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


def resolve_statics(fun: Callable[..., Any], nums: tuple[int, ...],
                     names: tuple[str, ...]) -> tuple[tuple[int, ...], tuple[str, ...]]:
    """``static_argnums`` and ``static_argnames`` completed through ``fun``'s signature.

    As JAX's ``_infer_argnums_and_argnames``: a parameter that can be passed
    either way and is named in one is added to the other. Each is checked
    against the signature (where ``fun`` has one) as JAX's validation does.
    """
    if not nums and not names:
        return nums, names
    try:
        params = list(inspect.signature(fun).parameters.values())
    except (TypeError, ValueError):            # a builtin without a signature
        return nums, names
    what = getattr(fun, "__name__", "the function")
    positional = [p for p in params if p.kind in _POSITIONAL]
    n = len(positional)
    if not any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in params):
        for i in nums:
            if not -n <= i < n:
                raise ValueError(f"jit: static_argnums has {i}, but {what} takes "
                                 f"{n} positional argument(s).")
    by_name = {p.name: p for p in params}
    for k in names:
        p = by_name.get(k)
        if p is None and not any(q.kind is inspect.Parameter.VAR_KEYWORD for q in params):
            raise ValueError(f"jit: static_argnames has {k!r}, but {what} has no "
                             "parameter of that name.")
        if p is not None and p.kind is inspect.Parameter.POSITIONAL_ONLY:
            raise ValueError(f"jit: static_argnames has {k!r}, a positional-only "
                             f"parameter of {what}; give its position in static_argnums.")
    both = [(i, p.name) for i, p in enumerate(positional)
            if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD]
    nums += tuple(i for i, k in both if k in names and i not in nums)
    names += tuple(k for i, k in both if i in nums and k not in names)
    return nums, names


def as_numpy_floats(fn: Callable[[list[Any]], list[Any]], positions: tuple[int, ...] | None
                    ) -> Callable[[list[Any]], list[Any]]:
    """``fn`` returning the outputs at ``positions`` as eager's ``np.float64`` or ``np.bool_``."""
    if not positions:
        return fn

    def returned(leaves: list[Any]) -> list[Any]:
        outs = fn(leaves)
        for j in positions:
            kind = type(outs[j])
            outs[j] = np.float64(outs[j]) if kind is float else np.bool_(outs[j]) \
                if kind is bool else outs[j]
        return outs
    return returned
