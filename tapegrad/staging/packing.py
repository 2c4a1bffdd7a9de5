"""Packing: isomorphic scalar records become one NumPy operation on vectors.

A network written micrograd's way (a loop over neurons, ``sum(w * x ...)``)
records one float operation per weight; its program is thousands of
scalar statements, each a few dozen nanoseconds of arithmetic behind a
microsecond of interpreter. Superword-level parallelism (Larsen and
Amarasinghe, PLDI 2000) packs isomorphic independent statements into
vector operations; here:

1. each equation gets a *level*, one more than its deepest argument's
   (equations after a guard are not lifted above it), so equations of one
   level never depend on each other;
2. the equations of one level with the same primitive (one with a lane
   primitive, ``lanes.LANES``), the same kinds of arguments (values,
   constants by type) and result form a group, its equations the *lanes*
   of a vector, when there are at least ``MIN_LANES`` of them;
3. groups are written level by level as one record each: an argument is
   the vector of an earlier group where its lanes line up, a ``take`` of
   its lanes where they do not, a constant vector, one scalar read by every
   lane, or a ``stack`` of scalars; a lane some scalar equation (a guard,
   an output, an unpacked primitive) reads is unpacked once.

Each lane computes the scalar primitive's own IEEE operation on the same
operands, so the packed program's numbers are the scalar program's, bit for
bit; a chain ``((a + b) + c) + d`` stays a chain of vector additions. Under
jit each group's result is also checked against what tracing computed, lane
by lane, and the whole program on the tracing inputs (a group that does not
match stays scalar; a program that does not, unpacked).
"""

from __future__ import annotations

import contextlib
import gc
import math
from collections.abc import Iterator

import numpy as np

from .. import ops
from ..numerics import ieee
from ..primitive import zmul
from .chains import fold_columns
from .columns import Columns
from .dots import chain_terms, contract
from .grouping import MIN_LANES, groups
from .joined import in_place_rows, joined
from .lanes import LANES, item, mul_into, rows_out, take, zmul_into
from .lower import Lowered, lower
from .nonneg import by_relu, by_relu_into, nonneg
from .outer import outer_chains, outer_write
from .packer import Packer
from .passes import dce
from .program import Arg, Const, Eqn, Program, use_counts
from .pushed import pushed
from .returned import single_lanes
from .strided import strided
from .verify import checks as _checks
from .view_grid import view_chains

__all__ = ["MIN_LANES", "lower_packed", "pack", "lower_batch", "packed_batch", "row_outputs"]

MIN_ROWS = 8         # fewer outputs that are lanes of vectors: each a column copied


def pack(prog: Program, batched: set[int] | None = None, reassociate: bool = False
         ) -> Program | None:
    """``prog`` with its groups packed, or None where no group is big enough.

    Args:
      prog: A program (after ``passes.optimize``).
      batched: Under ``vmap``: the values that are arrays of one float per
        example (the batch axis first; a vector's lanes are then its last
        axis). None under ``jit``: every value packed is a float or a bool,
        and each group is checked against the values tracing computed.
      reassociate: Sum chains with ``np.sum`` (pairwise) rather than in order.
    """
    with _uncollected():
        return _pack(prog, batched, reassociate)


@contextlib.contextmanager
def _uncollected() -> Iterator[None]:
    """The cyclic garbage collector paused while packing (and as it was after).

    Packing makes no reference cycles, but its columns are Python lists as
    long as the program (a hundred thousand records and more): each young
    collection its allocations set off walks them, element by element
    (about a sixth of the pass on the moons step's program).
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _pack(prog: Program, batched: set[int] | None, reassociate: bool) -> Program | None:
    """``pack``, the collector paused."""
    prog, cols = fold_columns(prog, Columns(prog), batched is not None)
    apart = chain_terms(prog, cols) if reassociate and batched is None else frozenset()
    lvls, found = groups(prog, batched is not None, apart, cols)
    packed = sum(map(len, found))
    if not found or (batched is None and not _cheap(2 * len(found), len(prog.eqns) - packed,
                                                    len(prog.eqns))):
        return None
    packer = Packer(prog, batched, reassociate, cols)
    grouped = np.zeros(len(prog.eqns), dtype=bool)
    grouped[np.concatenate([np.array(ks, dtype=np.intp) for ks in found])] = True
    # by level, then index: a group at its first equation's place (all of one level)
    order = sorted([(lvls[ks[0]], ks[0], g) for g, ks in enumerate(found)] +
                   [(lvls[k], k, -1) for k in np.flatnonzero(~grouped).tolist()])
    eqns = prog.eqns
    with ieee():
        for _, k, g in order:
            if g < 0:
                packer.scalar_eqn(eqns[k])
            else:
                packer.group(found[g])
        outputs = tuple(packer.scalar(o) if isinstance(o, int) else o for o in prog.outputs)
    out = Program(prog.inputs, tuple(packer.eqns), outputs, prog.sources, prog.seen)
    return dce(contract(out) if reassociate and batched is None else out)


def lower_packed(prog: Program, name: str = "f", numbers: frozenset[int] = frozenset(),
                 ints: dict[int, int | None] | None = None, reassociate: bool = False
                 ) -> Lowered | None:
    """``prog`` packed and lowered, or None where nothing packs or in doubt.

    The packed code is used only where it returns, on the tracing inputs,
    what tracing computed, bit for bit.
    """
    packed = pack(prog, None, reassociate)
    if packed is None or not _worth(prog, packed):
        return None
    headroom(packed)
    lowered = lower(dce(single_lanes(view_chains(dce(nonneg(in_place_rows(joined(strided(pushed(
        packed))))))))),
                    name,
                    numbers, ints)
    if reassociate:         # rounded otherwise: compared within a tolerance
        return lowered if _close(lowered, prog) else None
    return lowered if _checks(lowered, prog, ints or {}) else None


def _close(lowered: Lowered, prog: Program) -> bool:
    """Whether the reassociated code returns, on the tracing inputs, about what tracing did."""
    values = dict(zip(prog.inputs, prog.seen))
    values.update((e.out, e.ans) for e in prog.eqns)
    try:
        with ieee():
            got = lowered.fn(list(prog.seen))
    except Exception:                     # noqa: BLE001  (any failure: do not use it)
        return False
    for g, o in zip(got, prog.outputs):
        want = o.value if not isinstance(o, int) else values[o]
        if type(g) is not type(want) or (type(g) is float and not math.isclose(
                g, want, rel_tol=1e-9, abs_tol=1e-12) and not (g != g and want != want)):
            return False
    return True


def packed_batch(prog: Program, batched: set[int]) -> Program:
    """Under ``vmap``: ``prog`` (every value a float or an array of them) packed, or as it is.

    ``batched`` are the inputs with a batch axis. Every statement of such a
    program is already one NumPy operation on the batch; packing makes a
    group of them one operation on ``(batch, lanes)``, so it is used where
    it leaves fewer statements.
    """
    packed = pack(prog, batched)
    if packed is None or len(packed.eqns) >= len(prog.eqns):
        return prog
    headroom(packed)
    return dce(_as_rows(outer_chains(nonneg(in_place_rows(dce(joined(packed)))))))


_WRITES = {LANES[ops.mul]: mul_into, LANES[zmul]: zmul_into, by_relu: by_relu_into}
"""Products ``rows_out`` computes into its rows (where nothing else reads them)."""


def _as_rows(prog: Program) -> Program:
    """``prog`` with the outputs that are lanes of vectors written as the rows of one array.

    Such an output is a column of an ``(n, k)`` vector: taken and copied on its
    own, a strided read and a copy each (a network's weights' gradients: a few
    hundred). Instead one ``rows_out`` writes all of them, a vector's lanes
    at a time, into the rows of a new ``(outputs, n)`` array, and each output
    is its row: the same numbers, no output sharing memory with an input or
    with another. Lanes read by anything else stay as they are. A product
    read by nothing else (the weights' gradients) is computed into its rows
    (``_WRITES``), not made and then copied across.
    """
    uses, where = use_counts(prog), {e.out: k for k, e in enumerate(prog.eqns)}
    defs = {e.out: e for e in prog.eqns}
    blocks: dict[int, list[tuple[int, int]]] = {}     # vector -> (lane, output id)
    for o in dict.fromkeys(o for o in prog.outputs if isinstance(o, int)):
        e = prog.eqns[where[o]] if o in where and uses[o] == 2 else None
        if e is not None and e.prim is take and type(e.args[1]) is Const and \
                type(e.args[1].value) is int and isinstance(e.args[0], int):
            v = prog.eqns[where[e.args[0]]].ans if e.args[0] in where else None
            if type(v) is np.ndarray and v.ndim == 2 and v.dtype == np.float64:
                blocks.setdefault(e.args[0], []).append((e.args[1].value, o))
    gathered = {o for lanes in blocks.values() for _, o in lanes}
    if len(gathered) < MIN_ROWS:
        return prog
    eqns = [e for e in prog.eqns if e.out not in gathered]
    fresh = max([*prog.inputs, *(e.out for e in prog.eqns)]) + 1
    parts: list[Arg] = []
    outs: list[int] = []
    for v, lanes in blocks.items():
        made = prog.eqns[where[v]]
        index = np.array([lane for lane, _ in lanes], dtype=np.intp)
        block = Const(slice(len(outs), len(outs) + len(lanes)))     # a block of rows
        outs += [o for _, o in lanes]
        if made.prim in _WRITES and uses[v] == len(lanes) and \
                np.array_equal(index, np.arange(made.ans.shape[1])):
            grid = outer_write(defs, made)
            parts += [*(grid or (Const((_WRITES[made.prim], len(made.args))), *made.args)), block]
            eqns.remove(made)                  # computed into its rows: read by nothing else
            continue
        if not np.array_equal(index, np.arange(made.ans.shape[1])):
            eqns.append(Eqn(take, fresh, (v, Const(index)), made.ans.take(index, -1)))
            v, fresh = fresh, fresh + 1
        parts += [v, block]
    eqns.append(Eqn(rows_out, fresh, (Const(len(outs)), *parts), list(np.zeros((len(outs), 2)))))
    # a row shares memory with no input and no other output: its stand-in owns its memory
    eqns += [Eqn(item, o, (fresh, Const(k)), np.zeros(2)) for k, o in enumerate(outs)]
    return prog._replace(eqns=tuple(eqns))


def lower_batch(prog: Program) -> Lowered:
    """``prog`` (``packed_batch``'s) lowered, with the outputs known fresh (``row_outputs``)."""
    lowered = lower(prog, "vmap")
    lowered.rows_at = row_outputs(prog)
    return lowered


def row_outputs(prog: Program) -> tuple[int, ...]:
    """The positions of ``prog``'s outputs that are rows of its ``rows_out`` array (``_as_rows``).

    Each is a row of the one ``(outputs, n)`` array the program makes at each
    call, its memory shared with no input and no other output: a call need
    not check that of them. An output returned twice counts once (the
    lowering copies it the second time).
    """
    made = {e.out for e in prog.eqns if e.prim is rows_out}
    rows = {e.out for e in prog.eqns if e.prim is item and e.args[0] in made}
    at: list[int] = []
    for j, o in enumerate(prog.outputs):
        if isinstance(o, int) and o in rows:
            rows.discard(o)
            at.append(j)
    return tuple(at)

_ROOM = [0]         # the most bytes made room for so far in this process
_MIN_ROOM, _MAX_ROOM = 4 << 20, 32 << 20      # under vmap, tracing saw a small batch


def headroom(prog: Program) -> None:
    """Let the C allocator keep the memory of ``prog``'s temporaries from call to call.

    A packed program makes and frees arrays of 100-300 kB at each call.
    glibc serves a block above its threshold (128 kB at first) with a fresh
    ``mmap`` and gives it back when freed, and trims the top of its heap
    beyond twice the threshold: each call then pays page faults for its
    temporaries (10-20% of a ``vmap(grad)`` call of the moons step, by the
    order the temporaries happen to be freed in). Freeing a block raises the
    threshold to its size, so one block as large as all the temporaries
    together, made and freed once, keeps them on the heap (4 MiB at least,
    as ``vmap`` traces on a small batch; at most 32 MiB, glibc's own
    ceiling; other allocators ignore it).
    """
    need = min(_MAX_ROOM, max(_MIN_ROOM, sum(e.ans.nbytes for e in prog.eqns
                                             if type(e.ans) is np.ndarray)))
    if need > _ROOM[0]:
        _ROOM[0] = need
        np.empty(need, dtype=np.uint8)                    # made and freed at once


VECTOR_COST = 8     # a NumPy statement costs about as much as this many scalar ones


def _worth(prog: Program, packed: Program) -> bool:
    """Whether the packed program runs at most half as long as ``prog``, by statements."""
    vectors = sum(type(e.ans) is np.ndarray for e in packed.eqns)
    items = sum(e.prim is item for e in packed.eqns)      # a list's lane: a quarter
    return _cheap(vectors, len(packed.eqns) - vectors - items + items // 4, len(prog.eqns))


def _cheap(vectors: int, scalars: int, before: int) -> bool:
    """Whether so many vector and scalar statements cost at most half of ``before`` scalar ones.

    A program that packs only that well (a loop whose iterations depend on
    each other, a few short groups) is better as it is, or rolled.
    """
    return 2 * (vectors * VECTOR_COST + scalars) <= before
