"""What the loop primitives hold: a body traced once, its leaf kinds, flat vectors.

A loop body is traced once, on a staging tape, at the kinds of its carry
(``tracing.trace``), into a ``Program``. Values of outer tapes the body
closes over become inputs of that program (its *consts*), so a loop record
takes them as arguments and derivatives reach them. ``run`` plays the
program on new values: on plain numbers it calls each impl, on traced ones
it records, so a body run inside a rule is differentiated again.

A loop primitive takes and returns ONE flat float64 vector (``[n] + fixed
leaves + rows``): every transform already knows how to slice, join,
batch and compile a vector, so a loop record needs no multi-output
machinery. ``n`` (the trip count) travels as data in slot 0; the per-step
leaves (``xs``, ``ys``) are the tail, one row per step, so a tail sliced
open-ended (``v[a:]``) is right for any trip count. Packing is exact: every
float32, int or bool value is a float64 on the way and cast back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple, cast

import numpy as np

from . import tracing, tree
from .arrays import astype, concatenate
from .errors import ESCAPED_MSG, EscapedTracerError
from .indexing import getitem
from .numerics import ieee
from .primitive import Primitive
from .shapes import reshape
from .staging.lower import lower
from .staging.passes import optimize
from .staging.program import Program, from_tape, is_guard, stays_int
from .tape import Const, Eqn, Tape, active_tapes
from .values import Traced, primal_value

__all__ = ["Kind", "Body", "as_f64", "int_ids", "kind_of", "normalize", "pack", "pack_np", "run",
           "slots", "trace_body", "unpack", "unpack_np"]

F64 = np.dtype(np.float64)


class Kind(NamedTuple):
    """A leaf's kind: dtype, shape, and whether it is a Python float or a NumPy scalar."""
    dtype: np.dtype
    shape: tuple[int, ...]
    scalar: str        # "float", "np" (a NumPy scalar) or "" (an array)

    @property
    def size(self) -> int:
        """How many float64 slots the leaf takes in a vector."""
        return int(np.prod(self.shape, dtype=int))

    def __str__(self) -> str:
        return f"{self.dtype.name}[{','.join(map(str, self.shape))}]"

    def zero(self) -> Any:
        """A zero of this kind."""
        if self.scalar == "float":
            return 0.0
        z = np.zeros(self.shape, self.dtype)
        return z[()] if self.scalar == "np" else z

    def from_flat(self, v: np.ndarray) -> Any:
        """The leaf from its float64 slots."""
        if self.scalar == "float":
            return float(v[0])
        if self.scalar == "np":
            return self.dtype.type(v[0])
        return v.reshape(self.shape).astype(self.dtype)


def normalize(x: Any) -> Any:
    """A leaf as the loops keep it: ints as ``np.int64``, float64 scalars as floats."""
    if type(x) is Traced or type(x) is float:
        return x
    if isinstance(x, bool | np.bool_):
        return np.bool_(x)
    if isinstance(x, int):
        return np.int64(x)
    if isinstance(x, np.float64):
        return float(x)
    if isinstance(x, np.floating):
        return np.asarray(x)
    if isinstance(x, np.generic | np.ndarray):
        return x
    if isinstance(x, complex | np.complexfloating):
        raise TypeError("loops: complex numbers are not supported; use real and imaginary parts.")
    return np.asarray(x)


def kind_of(x: Any) -> Kind:
    """The kind of a leaf (of any level)."""
    v = primal_value(x)
    if type(v) is float:
        return Kind(F64, (), "float")
    if isinstance(v, np.generic):
        return Kind(v.dtype, (), "np")
    a = np.asarray(v)
    return Kind(a.dtype, a.shape, "")


_EXACT = 2 ** 53    # every integer up to this magnitude is a float64 exactly


def slots(x: Any) -> np.ndarray:
    """One plain leaf as float64 slots; an integer a float64 cannot hold is refused."""
    return as_f64(x).reshape(-1)


def as_f64(x: Any) -> np.ndarray:
    """A plain leaf (or a batch of them) as float64; an integer beyond 2**53 is refused."""
    a = np.asarray(x)
    if a.dtype.kind in "iu" and a.size and (a.max() > _EXACT or a.min() < -_EXACT):
        big = a.max() if a.max() > _EXACT else a.min()
        raise OverflowError(
            f"loops: the integer {big} is too large for a loop: a loop carries its values "
            "as float64, which holds integers exactly only up to 2**53 in magnitude, so "
            "it would come back changed. Keep the loop's integers smaller (reduce them "
            "modulo 2**32 each step, say) or split them into two smaller ints.")
    return np.asarray(a, dtype=F64)


def pack_np(leaves: Sequence[Any]) -> np.ndarray:
    """Plain leaves as one float64 vector."""
    if not leaves:
        return np.zeros(0)
    return np.concatenate([slots(x) for x in leaves])


def unpack_np(v: np.ndarray, kinds: Sequence[Kind]) -> list[Any]:
    """The leaves of ``kinds`` from the start of a plain vector."""
    out, a = [], 0
    for k in kinds:
        out.append(k.from_flat(v[a:a + k.size]))
        a += k.size
    return out


def _flat(x: Any) -> Any:
    """One leaf as float64 slots (recorded when traced)."""
    if type(x) is not Traced:
        return np.asarray(x, dtype=F64).reshape(-1)
    if kind_of(x).dtype != F64:
        x = astype(x, F64)
    return reshape(x, (-1,))


def pack(leaves: Sequence[Any]) -> Any:
    """Leaves (traced or not) as one float64 vector; recorded when one is traced."""
    parts = [_flat(x) for x in leaves]
    parts = [p for p in parts if type(p) is Traced or p.size]
    if not parts:
        return np.zeros(0)
    return concatenate(parts) if any(type(p) is Traced for p in parts) else np.concatenate(parts)


def unpack(v: Any, kinds: Sequence[Kind], start: int = 0) -> list[Any]:
    """The leaves of ``kinds`` read from ``v`` at ``start`` (recorded when traced)."""
    out, a = [], start
    for k in kinds:
        if k.scalar == "float":
            x = getitem(v, a)
        else:
            x = reshape(getitem(v, slice(a, a + k.size)), k.shape)
            x = astype(x, k.dtype) if k.dtype != F64 or k.scalar == "np" else x
        out.append(x)
        a += k.size
    return out


# ------------------------------------------------------------------ bodies
class Body(NamedTuple):
    """A traced body: its program (inputs: consts, then the leaves it was given)."""
    prog: Program
    consts: list[Any]           # the outer values it closes over, in input order
    out: Any                    # the output pytree as recorded (its structure)
    in_kinds: list[Kind]        # of the given leaves (not the consts)
    out_kinds: list[Kind]
    const_kinds: list[Kind]     # of the consts

    def slim(self) -> Body:
        """The body without its outer values: what a record may keep (no cycle to a tape)."""
        return self._replace(consts=[], out=None)


# why a branch is refused, by caller: (whose function, why one trace must do)
_BRANCH_LOOP = ("the loop's function", "a loop body is traced once for every iteration")
_BRANCH_WHY = {"checkpoint": ("the checkpointed function", "it is traced once and the "
                              "backward pass recomputes it from that trace (a Python value "
                              "it may branch on goes in tg.checkpoint(f, static_argnums=...))")}


def trace_body(fun: Callable[..., Any], args: Sequence[Any], what: str) -> Body:
    """Trace ``fun(*args)`` once into a ``Body``; refuse a branch on a traced value.

    The body is traced at the plain values under ``args`` (an outer tape
    records nothing of the trace but what the body's outer values compute).
    """
    marks = [(t, len(t.records)) for t in active_tapes()]
    tr = tracing.trace(fun, [tree.map(_plain_leaf, a) for a in args], None, False, what,
                       staging=True)
    tape = tr.tape
    prog = from_tape(tape)
    _drop_shadows(marks, prog)
    for e in prog.eqns:
        if is_guard(e):
            who, why = _BRANCH_WHY.get(what, _BRANCH_LOOP)
            raise TypeError(
                f"{what}: {who} branches on a traced value at "
                f"{prog.sources.get(e.out, '<unknown>')}; {why}, so write the choice with "
                "tg.where (or tg.maximum, tg.clip...; tg.cond(pred, f, g, x) for whole "
                "branches) instead of a Python if.")
    prog, consts = _closures(prog, tape)
    prog = _plain_values(prog)
    in_kinds = [kind_of(x) for x in prog.seen[len(consts):]]
    outs = [o.value if isinstance(o, Const) else None for o in prog.outputs]
    by_id = {e.out: e.ans for e in prog.eqns} | dict(zip(prog.inputs, prog.seen))
    out_kinds = [kind_of(v if isinstance(o, Const) else by_id[o])
                 for v, o in zip(outs, prog.outputs)]
    return Body(prog, consts, tr.out, in_kinds, out_kinds, [kind_of(c) for c in consts])


def _plain_values(prog: Program) -> Program:
    """``prog`` with the values seen while tracing as plain numbers.

    A loop's record keeps its program; a traced value in it would hold the
    outer tape, which holds the record: a cycle the collector must find.
    """
    eqns = tuple(e._replace(ans=_plain(e.ans)) if type(e.ans) is Traced else e
                 for e in prog.eqns)
    return prog._replace(eqns=eqns, seen=tuple(_plain(v) for v in prog.seen))


def _drop_shadows(marks: list[tuple[Tape, int]], prog: Program) -> None:
    """Drop what the trace recorded on outer tapes, unless the body reads it.

    A body record that mixes an outer value with its own is also computed
    one level out (that is how nested tapes record); nothing reads those
    copies, so they go, and the outer tapes hold only the loop's record and
    what the body reads from them (``1e-9 * a`` computed in the body, say),
    renumbered, innermost tape first.
    """
    objs = {id(x): x for x in _read(prog)}
    for t, n in sorted(marks, key=lambda m: -m[0].level):
        if not t.active or len(t.records) == n:
            continue
        here = [x for x in objs.values() if x.tape is t]
        keep = _needed(t, n, [x.id for x in here if x.id >= n])
        new = {i: n + k for k, i in enumerate(keep)}
        kept = [t.records[i] for i in keep]
        del t.records[n:]
        for rec in kept:
            flat = list(rec)
            for k in range(2, len(flat), 2):
                flat[k] = new.get(flat[k], flat[k])
            t.records.append(tuple(flat))
        for i in [i for i in t.sources if i >= n]:
            src = t.sources.pop(i)
            if i in new:
                t.sources[new[i]] = src
        if t.floats:
            t.floats = {i if i < n else new[i] for i in t.floats if i < n or i in new}
        if t.derived:
            t.derived = {i if i < n else new[i] for i in t.derived if i < n or i in new}
        if t.numpy_scalars:
            t.numpy_scalars = {i if i < n else new[i] for i in t.numpy_scalars
                               if i < n or i in new}
        if t.python_floats:
            t.python_floats = {i if i < n else new[i] for i in t.python_floats
                               if i < n or i in new}
        for x in here:
            x.id = new.get(x.id, x.id)
        objs = {id(v): v for rec in kept for v in (rec[1], *rec[3::2]) if type(v) is Traced}
        objs |= {id(x): x for x in _read(prog) if x.tape is not t}


def _read(prog: Program) -> list[Traced]:
    """The outer values a traced body reads (its constants that are traced)."""
    found = [a.value for e in prog.eqns for a in e.args
             if isinstance(a, Const) and type(a.value) is Traced]
    return found + [o.value for o in prog.outputs
                    if isinstance(o, Const) and type(o.value) is Traced]


def _needed(t: Tape, n: int, ids: list[int]) -> list[int]:
    """The records from ``n`` on that ``ids`` depend on, ascending."""
    keep: set[int] = set()
    while ids:
        i = ids.pop()
        if i not in keep:
            keep.add(i)
            ids += [j for j in t.records[i][2::2] if j is not None and j >= n]
    return sorted(keep)


def _plain(x: Any) -> Any:
    while type(x) is Traced:
        x = x._value
    return x


def _plain_leaf(x: Any) -> Any:
    """The value a body is traced at; a traced bool as the loops keep it (``np.bool_``)."""
    v = _plain(x)
    return np.bool_(v) if type(v) is bool else v


def _closures(prog: Program, tape: Tape) -> tuple[Program, list[Any]]:
    """Outer traced values read as constants become the program's first inputs."""
    found: dict[tuple[int, int], int] = {}
    consts: list[Any] = []
    fresh = len(tape.records)

    def arg(a: Any) -> Any:
        if isinstance(a, Const) and type(a.value) is Traced:
            x = a.value
            if not x.tape.active:
                raise EscapedTracerError(ESCAPED_MSG)
            key = (id(x.tape), x.id)
            if key not in found:
                found[key] = fresh + len(consts)
                consts.append(x)
            return found[key]
        return a
    eqns = tuple(Eqn(e.prim, e.out, tuple(arg(a) for a in e.args), e.ans) for e in prog.eqns)
    outputs = tuple(arg(o) for o in prog.outputs)
    ids = tuple(found.values())
    return Program(ids + prog.inputs, eqns, outputs, prog.sources,
                   tuple(consts) + prog.seen), consts


def renumbered(prog: Program) -> Program:
    """``prog`` with its values numbered in order (inputs first), for listing it."""
    new = {old: k for k, old in enumerate(prog.inputs)}
    for e in prog.eqns:
        new[e.out] = len(new)

    def r(a: Any) -> Any:
        return new[a] if type(a) is int else a
    eqns = tuple(Eqn(e.prim, new[e.out], tuple(map(r, e.args)), e.ans) for e in prog.eqns)
    return Program(tuple(range(len(prog.inputs))), eqns, tuple(map(r, prog.outputs)), {},
                   prog.seen)


def run(prog: Program, inputs: Sequence[Any]) -> list[Any]:
    """Play ``prog`` on ``inputs``: impls on plain numbers, recorded on traced ones."""
    env = dict(zip(prog.inputs, inputs))
    with ieee():
        for e in prog.eqns:
            prim = cast(Primitive, e.prim)           # a program's equations all have one
            argv = [env[a] if type(a) is int else a.value for a in e.args]  # type: ignore[union-attr]
            for a in argv:
                if a.__class__ is Traced:
                    env[e.out] = prim(*argv)
                    break
            else:
                env[e.out] = prim.impl(*argv)
    return [env[o] if type(o) is int else o.value for o in prog.outputs]  # type: ignore[union-attr]


def compiled(prog: Program) -> Callable[[list[Any]], list[Any]]:
    """``prog`` lowered as ``jit`` lowers a program: ``fn(inputs) -> outputs``.

    The same impls on the same values (jit equals eager bit for bit), with
    no interpreting per record: what the eager loops run on plain numbers.
    """
    try:
        return lower(optimize(prog), "loop_body").fn
    except Exception:           # a program the lowering does not take: interpret it
        return lambda inputs: run(prog, inputs)


def leaves_of(x: Any) -> tuple[list[Any], Any]:
    """A pytree's leaves, normalized (``int`` as ``np.int64``), and its structure.

    An int ``jit`` traced as a float (``int_ids``) is an ``np.int64`` too, as in eager.
    """
    leaves, td = tree.flatten(x)
    ints = {v.tape: int_ids(v.tape) for v in leaves if type(v) is Traced and v.tape.ints}
    return [astype(v, np.int64) if type(v) is Traced and v.id in ints.get(v.tape, ())
            else normalize(v) for v in leaves], td


def int_ids(tape: Tape) -> set[int]:
    """The values of a staging tape that are Python ints in eager, traced as floats.

    ``jit``'s arguments given as ints (``Tape.ints``), and ``+``, ``-``,
    ``*`` of them and of int constants; not what an inner transform took
    (``Tape.floats``: it differentiates an int as a float).
    """
    floats = tape.floats or set()
    found = set(tape.ints or ()) - floats
    for e in tape if found else ():
        if e.out not in floats and stays_int(e, found):
            found.add(e.out)
    return found
