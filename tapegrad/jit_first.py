"""jit's first call at a signature: the traced outputs now, the compiling deferred.

Tracing computes the outputs (a staging tape records with concrete values:
its values are eager's results at the call's arguments), so the first call
of a new specialization returns them, made what the compiled program would
return, and leaves the rest (the passes, packing and rolling with their
checks on the tracing inputs, lowering, Python's ``compile()``) to the first
call that runs the program: the next one at that signature, or one whose
arguments check its guards. As in tracing JITs, only code that runs again
is compiled; a function called once at a signature costs its trace.

``COMPILE_AT_FIRST_CALL`` set to True compiles at the first call instead,
which then runs the compiled program as every later call does; so does a
trace holding large arrays (``ARRAY_BYTES``), which would be kept until then.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any, NamedTuple

import numpy as np

from . import tree
from .backends import copy, foreign
from .jit_traced import _closes_over_traced, _ClosesOverTraced
from .loop_seed import seeded, unseeded_at
from .numerics import ieee
from .staging.cache import (
    Cache,
    as_numpy_floats,
    is_number_kind,
    leaf_kind,
    make_unflattener,
)
from .staging.lower import Lowered, lower
from .staging.packing import lower_packed
from .staging.passes import identities_after, merge_calls, optimize
from .staging.program import (
    Const,
    Program,
    bare_records,
    from_tape,
    int_outputs,
    int_valued,
    numpy_float_outputs,
)
from .staging.unshared import roll_grad
from .tape import Tape, active_tapes, skeleton
from .tracing import gc_paused, trace
from .writes import undo, undoable

__all__ = ["COMPILE_AT_FIRST_CALL", "Deferred", "Recording", "compiled", "first_outputs",
           "record"]

COMPILE_AT_FIRST_CALL = False
"""Compile a specialization at its first call (True), or when it runs again (False)."""

ARRAY_BYTES = 64
"""Arrays a trace computed, in bytes a record, past which it compiles at its first call.

Until it compiles, a specialization keeps its tape and the values on it;
compiled, it keeps code (about a hundred bytes a record) and no value. A
trace holding more than this in arrays is compiled at once and let go.
"""


class Recording(NamedTuple):
    """What a trace leaves for compiling, and what its first call returns.

    The tape is kept until it is read as a program (``read``), where the
    first call does not need the program: a program holds more memory than
    its tape.
    """
    tape: Tape | None         # the recording, until read as a program
    program: Program | None   # as recorded, before any pass
    out_def: Any              # TreeDef of the outputs
    values: tuple[Any, ...]   # the output leaves traced (dropped once returned)
    numpy_floats: tuple[int, ...] | None   # outputs eager returns as np.float64 (or np.bool_)
    ints: dict[int, int | None]       # outputs eager returns as ints (program.int_outputs)
    floats: frozenset[int]            # inputs given as ints or NumPy scalars, traced as floats
    inner: bool               # an inner transform took values as its inputs (tape.floats)
    seeds: bool               # loop_seed.seeded
    spans: tuple[Any, ...]    # tape.spans
    replayed: Tape            # the tape other transforms replay; its records written later
    at_once: bool = False     # compile now: its arrays would hold more than compiled code
    unseeded: int = -1        # loop_seed.unseeded_at


@gc_paused        # the program's hundreds of thousands of tuples hold no cycles
def record(fun: Any, dynamic: Any, float64: bool = False) -> Recording:
    """Trace ``fun`` at ``dynamic`` (its traced arguments): what its first call returns.

    The tape is read as a program at once only where the outputs' types
    need it: an argument given as an int or a NumPy scalar, a NumPy scalar
    made inside, an array returned (which may alias an input or constant).
    """
    with undoable() as writes:
        tape = trace(fun, dynamic, None, False, "jit", staging=True, float64=float64,
                     origins=True).tape
        if active_tapes() and _closes_over_traced(tape):
            undo(writes)            # fun runs again: its writes into outer arrays once
            raise _ClosesOverTraced
    records = tape.records
    values = tuple(records[o][1] if o.__class__ is int else o.value  # type: ignore[union-attr]
                   for o in tape.outputs)
    leaves = tree.leaves(dynamic)
    if not float64 and tape.floats and any(type(x) is np.float64 for x in leaves):
        return record(fun, dynamic, True)   # an inner grad takes an np.float64 strong, as eager
    given = {k: type(x) is int for k, x in enumerate(leaves)
             if is_number_kind(leaf_kind(x))}              # ints and NumPy scalars
    rec = Recording(tape, None, tape.out_def, values, (), {}, frozenset(), bool(tape.floats),
                    seeded(tape), tuple(tape.spans or ()), skeleton(tape, False),
                    _array_bytes(records, ARRAY_BYTES * len(records)), unseeded_at(tape))
    if not given and not tape.numpy_scalars and not any(
            type(v) is np.ndarray or foreign(v) is not None for v in values):
        return rec            # no int, no np.float64 out, nothing to copy: as traced
    program = from_tape(tape)
    numpy_floats = numpy_float_outputs(program, dynamic, tape)
    if numpy_floats is None and not float64:
        return record(fun, dynamic, True)       # as eager: np.float64 meets float32
    inner = (tape.floats or set()) | (tape.derived or set())
    ints = int_outputs(program, given, inner)
    program = program._replace(integral=frozenset(int_valued(
        program, frozenset(k for k, is_int in given.items() if is_int), inner)))
    floats = frozenset(k for k in given if type(program.seen[k]) is float)  # traced as floats
    return rec._replace(tape=None, program=program, numpy_floats=numpy_floats, ints=ints,
                        floats=floats)


def _array_bytes(records: list[Any], budget: int) -> bool:
    """Whether the values computed (not the inputs) hold more than ``budget`` bytes of arrays."""
    total = 0
    for rec in records:
        v = rec[1]
        if v.__class__ is not float and rec[0] is not None:
            total += getattr(v, "nbytes", 0)
            if total > budget:
                return True
    return False


@gc_paused
def read(rec: Recording) -> Recording:
    """``rec`` with its tape read as a program, and the tape let go."""
    if rec.program is not None:
        return rec
    assert rec.tape is not None
    return rec._replace(tape=None, program=from_tape(rec.tape))


@gc_paused
def compiled(rec: Recording, name: str, reassociate: bool) -> Lowered:
    """The program through the passes, packed or rolled where it can be, compiled."""
    raw, floats, ints = rec.program, rec.floats, rec.ints
    assert raw is not None
    program = merge_calls(optimize(raw, exact_identities=False))     # x * 1.0 packs
    lowered = lower_packed(program, name, floats, ints, reassociate)
    if lowered is None:
        program = identities_after(program)
        lowered = roll_grad(raw, program, name, floats, ints, rec.inner, rec.seeds,
                            rec.spans, rec.unseeded) or lower(program, name, floats, ints)
    lowered.fn = as_numpy_floats(lowered.fn, rec.numpy_floats)
    return lowered


@gc_paused        # a record a tuple: the collector's scans of the heap cost more than the writing
def write_records(rec: Recording) -> None:
    """The replayed tape's records, written from the program (other transforms replay it)."""
    assert rec.program is not None
    rec.replayed.records += bare_records(rec.program)


def first_outputs(rec: Recording, leaves: list[Any]) -> list[Any]:
    """What the compiled program returns at the arguments it was traced at.

    The values traced, as ``staging.returned`` and ``as_numpy_floats`` make
    the compiled program's: an int input returned untouched as given, an int
    computed from ints an ``int``; an array that may share memory with an
    input, a constant, an earlier output, or a view, copied; eager's
    ``np.float64`` and ``np.bool_`` outputs so. ``leaves`` are the arguments'.
    """
    prog, ints = rec.program, rec.ints
    if prog is None:          # nothing to convert or copy (``record``)
        return list(rec.values)
    held = {id(v) for v in prog.seen if type(v) is np.ndarray}     # the caller's
    if any(type(v) is np.ndarray for v in rec.values):
        held.update(id(a.value) for e in prog.eqns for a in e.args    # the program's
                    if a.__class__ is Const and type(a.value) is np.ndarray)
    inputs, out = set(prog.inputs), []
    for j, (o, v) in enumerate(zip(prog.outputs, rec.values)):
        if j in ints:
            k = ints[j]
            v = leaves[k] if k is not None else int(v) if type(v) is float else v
        elif type(v) is np.ndarray or foreign(v) is not None:
            alias = o.__class__ is not int or o in inputs or id(v) in held
            held.add(id(v))
            if type(v) is np.ndarray:
                v = v.copy() if alias or v.base is not None else v
            elif alias:
                v = copy(v)                  # another library's array, as NumPy's
        out.append(v)
    for j in rec.numpy_floats or ():
        kind = type(out[j])
        out[j] = np.float64(out[j]) if kind is float else np.bool_(out[j]) \
            if kind is bool else out[j]
    return out


class Deferred(Lowered):
    """A specialization's program, compiled when it first runs.

    ``fn`` compiles it (once: threads running it at once wait for the one
    compiling), then runs it; reading ``guards`` or ``source`` compiles it
    too. The cache then holds the compiled program in this one's place, so
    later calls run it as one compiled at once. An error while compiling
    reaches the caller, and the next call tries again.
    """

    def __init__(self, rec: Recording, name: str, reassociate: bool, cache: Cache,
                 signature: Any) -> None:
        self.fn = self._run
        self.plain = True        # _run switches NumPy's warnings off where the program must
        self.real: Lowered | None = None
        self._rec: Recording | None = rec
        self._name, self._reassociate = name, reassociate
        self._cache, self._signature = weakref.ref(cache), signature
        self._written = False
        self._lock = threading.RLock()

    @property
    def guards(self) -> list[str]:        # type: ignore[override]
        """Each guard's source line (compiled first)."""
        return self.force().guards

    @property
    def source(self) -> str:              # type: ignore[override]
        """The generated source (compiled first)."""
        return self.force().source

    def force(self) -> Lowered:
        """The compiled program: compiled now where it has not been."""
        real = self.real
        if real is not None:
            return real
        with self._lock:
            if self.real is None:
                assert self._rec is not None
                self._rec = read(self._rec)          # the tape freed
                self.real = compiled(self._rec, self._name, self._reassociate)
                self.recorded()
                self._rec = None                     # the program and its values freed
            real = self.real
        self._replace(real)
        return real

    def recorded(self) -> None:
        """Write the replayed tape's records (other transforms replay it), once."""
        with self._lock:
            if not self._written and self._rec is not None:
                self._rec = read(self._rec)
                write_records(self._rec)
                self._written = True

    def _run(self, leaves: list[Any]) -> list[Any]:
        real = self.force()
        if real.plain:
            return real.fn(leaves)
        with ieee():
            return real.fn(leaves)

    def _replace(self, real: Lowered) -> None:
        """The cache's specialization holding this program holds ``real`` now."""
        cache = self._cache()
        if cache is None:
            return
        with cache.lock:
            specs = cache.by_signature.get(self._signature, [])
            for k, spec in enumerate(specs):
                if spec.lowered is self:
                    specs[k] = spec._replace(lowered=real, unflatten=make_unflattener(
                        spec.out_def))
