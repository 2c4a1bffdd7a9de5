"""Writing a packed program: groups as vector records, lanes gathered and unpacked.

``packing.pack`` decides which equations are packed together and in which
order they are written; a ``Packer`` writes them: each group as one record
of its lane primitive, its arguments gathered from the vectors their lanes
live in (``take``), from scalars (``stack``) or constants, a sum chain's
terms as a matrix, and a scalar equation's packed arguments unpacked once.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..ops import add
from .chains import chain_lanes, chain_lanes_reassociated, chain_p, chain_rows
from .columns import Columns
from .lanes import LANES, column, concat, item, rows, stack, stack_columns, take, tolist
from .program import Arg, Const, Eqn, Program, value_key

__all__ = ["Packer"]

SPLIT_LANES = 256         # a group's part reading other vectors than the rest, packed apart

class Packer:
    """The packed program as it is written: equations, where each lane lives."""

    def __init__(self, prog: Program, batched: set[int] | None, reassociate: bool,
                 cols: Columns | None = None):
        self.reassociate = reassociate
        self.source = prog.eqns                      # the equations packed, by index
        self.cols = cols if cols is not None else Columns(prog)     # ... as columns
        self.eqns: list[Eqn] = []
        self.values: dict[int, Any] = _Values(self.cols)       # a lane's: its record's
        self.values.update(zip(prog.inputs, prog.seen))
        self.check = batched is None and not reassociate   # sums rounded otherwise
        self.batched = set(batched or ())      # values (scalars or vectors) with a batch axis
        self.size: dict[int, int] = {}               # a group's vector -> its lanes
        self.vectors: set[int] = set()               # groups', stacks' and takes' vectors
        self.order: dict[int, int] = {}              # vector -> when it was written
        self.memo: dict[Any, int] = {}                # gathers, lists, columns written
        self.fresh = self.cols.size
        # where each packed value lives, by the program's value ids (the last entry
        # stands for a constant or a value written here: in no vector):
        self.none = self.fresh
        self.vec_of = np.full(self.fresh + 1, -1, dtype=np.intp)   # its vector, or -1
        self.lane_of = np.zeros(self.fresh + 1, dtype=np.intp)     # its lane there
        self.rank_of = np.zeros(self.fresh + 1, dtype=np.intp)     # when that was written
        floats = [i for i, v in zip(prog.inputs, prog.seen) if type(v) is float]
        self.floats = {} if batched is not None else {i: k for k, i in enumerate(floats)}
        self.float_at = np.full(self.fresh + 1, -1, dtype=np.intp)  # a float input's place
        self.float_at[list(self.floats)] = list(self.floats.values())

    def new(self, prim: Any, args: tuple[Arg, ...], batched: bool) -> int:
        """Write ``prim(args)`` as a new value; its id."""
        out, self.fresh = self.fresh, self.fresh + 1
        ans = prim.impl(*(self.value(a) for a in args))
        self.eqns.append(Eqn(prim, out, args, ans))
        self.values[out] = ans
        if batched:
            self.batched.add(out)
        return out

    def value(self, a: Arg) -> Any:
        """What ``a`` holds (as traced, or a stand-in of its kind under vmap)."""
        return self.values[a] if isinstance(a, int) else a.value

    def scalar(self, a: int) -> int:
        """``a`` as a scalar value (unpacked from its vector once)."""
        if a >= self.none or self.vec_of[a] < 0:
            return a
        v, lane = int(self.vec_of[a]), int(self.lane_of[a])
        self.vec_of[a] = -1                          # unpacked once
        if v in self.batched:
            self.eqns.append(Eqn(take, a, (v, Const(lane)), self.values[v][..., lane]))
            self.batched.add(a)
        else:
            key = ("list", v)
            if key not in self.memo:
                self.memo[key] = self.new(tolist, (v,), False)
            self.eqns.append(Eqn(item, a, (self.memo[key], Const(lane)), self.values[a]))
        return a

    def scalar_eqn(self, e: Eqn) -> None:
        """``e`` as it is, its arguments unpacked where packed."""
        if e.prim is chain_p:
            self.unfolded(e)
            return
        args = tuple(self.scalar(a) if isinstance(a, int) else a for a in e.args)
        self.eqns.append(e if args == e.args else Eqn(e.prim, e.out, args, e.ans))
        self.values[e.out] = e.ans
        if any(a in self.batched for a in args if isinstance(a, int)):
            self.batched.add(e.out)

    def group(self, ks: list[int]) -> None:
        """Write records ``ks`` (isomorphic, independent) as one vector record, or as scalars.

        A big group whose lanes read different vectors is written as one
        record per vectors read (at least ``SPLIT_LANES`` lanes a part, the
        rest together): each part then reads its vectors without joining them.
        """
        cols = self.cols
        where = np.array(ks, dtype=np.intp)
        n, m = len(where), int(cols.arity[where[0]])
        at = cols.starts[where][:, None] + np.arange(m)      # the arguments' places
        ids = cols.ids[at]
        unplaced = (self.vec_of[ids] < 0).view(np.int8)
        rank = np.where(unplaced, 0, self.rank_of[ids])
        # lanes ordered by where their arguments live (vector, then lane), so they line up
        keys = [k for j in reversed(range(m))
                for k in (np.where(unplaced[:, j], 0, self.lane_of[ids[:, j]]), rank[:, j],
                          unplaced[:, j])]
        order = np.lexsort(keys) if keys else np.arange(n)
        where, at = where[order], at[order]
        if cols.prims[where[0]] is chain_p:
            self.chains(where, at)
            return
        if self.batched or n < 2 * SPLIT_LANES:
            self.lanes(where, at)
            return
        part = _firsts(np.concatenate([unplaced, rank], axis=1)[order])  # vectors read
        sizes = np.bincount(part)
        big = sizes >= SPLIT_LANES
        by_part = np.argsort(part, kind="stable")
        for p in np.flatnonzero(big).tolist():
            mine = part == p
            self.lanes(where[mine], at[mine])
        rest = by_part[~big[part[by_part]]]
        if len(rest):
            self.lanes(where[rest], at[rest])

    def lanes(self, where: Any, at: Any) -> None:
        """Write records ``where`` (isomorphic, independent, in lane order) as one vector record.

        ``at``: their arguments' places in the columns, a row a record.
        """
        operands = tuple(self.placed(at[:, j]) for j in range(at.shape[1]))
        if not any(isinstance(o, int) and o in self.vectors for o in operands) and not any(
                isinstance(o, Const) and type(o.value) is np.ndarray for o in operands):
            for k in where.tolist():
                self.scalar_eqn(self.source[k])
            return
        prim = self.cols.prims[where[0]]
        self.packed(LANES.get(prim, prim), operands, where)

    def chains(self, where: Any, at: Any) -> None:
        """Sum chains: their terms as a ``(terms, lanes)`` matrix, summed by rows.

        Exact chains whose initial values differ take them as the matrix's first row.
        """
        inits = self.cols.ids[at[:, 0]]                     # ``none``: a constant
        first = not self.reassociate and bool((inits != self.none).all()) and bool(
            (inits != inits[0]).any())
        places = at[:, 1 - first:].T.ravel()              # term after term, lane after lane
        ids = self.cols.ids[places]
        vecs = self.vec_of[ids]
        v, n = int(vecs[0]), len(where)
        if v >= 0 and (vecs == v).all():                              # one take
            lanes = self.lane_of[ids]
            terms = self.gather(("terms", v, lanes.tobytes(), n), take,
                                (v, Const(lanes.reshape(-1, n))), v in self.batched)
        else:
            vec = self.placed(places)
            if not (isinstance(vec, int) and vec in self.vectors):
                for k in where.tolist():
                    self.unfolded(self.source[k])
                return
            terms = self.gather(("rows", vec, n), rows, (vec, Const(n)), vec in self.batched)
        if first:
            self.packed(chain_rows, (terms,), where)
            return
        init = self.placed(at[:, 0])
        prim = chain_lanes_reassociated if self.reassociate else chain_lanes
        self.packed(prim, (init, terms), where)

    def unfolded(self, e: Eqn) -> None:
        """A chain record as the additions it stands for."""
        acc = e.args[0]
        for k, x in enumerate(e.args[1:]):
            out = e.out if k == len(e.args) - 2 else self.fresh
            self.fresh += out != e.out
            self.scalar_eqn(Eqn(add, out, (acc, x), e.ans if out == e.out else
                                add.impl(self.value(acc), self.value(x))))
            acc = out

    def packed(self, prim: Any, operands: tuple[Arg, ...], where: Any) -> None:
        """``prim(operands)`` as the vector of records ``where``'s lanes (checked under jit)."""
        batched = any(isinstance(o, int) and o in self.batched for o in operands)
        v = self.new(prim, operands, batched)
        if self.check and not _same_lanes(self.values[v], list(map(self.cols.anss.__getitem__,
                                                                   where.tolist()))):
            for k in where.tolist():
                e = self.source[k]
                if e.prim is chain_p:
                    self.unfolded(e)
                else:
                    self.scalar_eqn(e)
            return
        self.size[v], self.order[v] = len(where), len(self.order)
        self.vectors.add(v)
        outs = self.cols.outs[where]
        self.vec_of[outs], self.lane_of[outs], self.rank_of[outs] = v, np.arange(len(where)), \
            self.order[v]

    def ids(self, args: list[Arg]) -> Any:
        """``args``' value ids as an array (a constant, or a value written here: ``none``)."""
        none = self.none
        try:
            ids = np.array(args, dtype=np.intp)      # all value ids: at C speed
        except (TypeError, ValueError, OverflowError):   # a constant among them (an
            ids = None                                   # infinite or huge one overflows)
        if ids is None or ids.ndim != 1:
            return np.array([a if a.__class__ is int and a < none else none for a in args],
                            dtype=np.intp)
        return np.minimum(ids, none, out=ids)

    def placed(self, at: Any) -> Arg:
        """``operand`` of the arguments at places ``at`` of the columns (read only if needed)."""
        ids = self.cols.ids[at]
        if not self.batched and ids[0] != self.none and (self.vec_of[ids] >= 0).all() and \
                not (ids == ids[0]).all():              # every lane in a vector: no list
            return self.spread(None, ids)
        return self.operand(self.cols.args(at), ids)

    def operand(self, args: list[Arg], ids: Any = None) -> Arg:
        """The vector of the lanes' arguments ``args`` (or one scalar all of them read).

        ``ids``: ``self.ids(args)``, where at hand.
        """
        first = args[0]
        if all(a.__class__ is Const for a in args):
            vals = [a.value for a in args]              # type: ignore[union-attr]
            if _one_value(vals):
                return first
            return Const(np.array(vals, dtype=bool if type(vals[0]) is bool else float))
        if all(a == first for a in args):
            return self.broadcast(first)                # type: ignore[arg-type]
        return self.spread(args, self.ids(args) if ids is None else ids)

    def spread(self, args: list[Arg] | None, ids: Any) -> Arg:
        """``operand`` of lanes from vectors and scalars (``args``: None if all from vectors)."""
        origins = self.vec_of[ids]                # a vector, batched scalars (-2), others (-1)
        if self.batched and args is not None:
            scalars = np.array([a.__class__ is int and a in self.batched for a in args])
            origins[scalars & (origins < 0)] = -2
        lanes = self.lane_of[ids]
        cut = [0, *(np.flatnonzero(origins[1:] != origins[:-1]) + 1).tolist(), len(ids)]
        if len(cut) <= 3:                        # at most two runs
            parts = [self.run(args[i:j] if args is not None else [], int(origins[i]), lanes[i:j],
                              ids[i:j]) for i, j in zip(cut, cut[1:])]
            return parts[0] if len(parts) == 1 else self.joined(parts)
        source = _firsts(origins[:, None])       # lanes from each vector, then scalars
        order = np.argsort(source, kind="stable")
        bounds = np.flatnonzero(np.diff(source[order])) + 1
        parts = [self.run([args[k] for k in ks.tolist()] if args is not None else [],
                          int(origins[ks[0]]), lanes[ks], ids[ks])
                 for ks in np.split(order, bounds)]
        joined = parts[0] if len(parts) == 1 else self.joined(parts)
        perm = np.argsort(order)
        return self.gather(("take", joined, perm.tobytes()), take,
                           (joined, Const(_index(perm))), joined in self.batched)

    def joined(self, parts: list[Arg]) -> int:
        """The lanes of ``parts`` one after the other."""
        batched = any(isinstance(p, int) and p in self.batched for p in parts)
        return self.gather(("concat",) + tuple(_memo_key(p) for p in parts), concat,
                           tuple(parts), batched)

    def run(self, args: list[Arg], v: int, lanes: Any, ids: Any) -> Arg:
        """Lanes of one vector (a ``take``), or scalars and constants (a ``stack``).

        ``v`` is the vector (-1 or -2: none), ``lanes`` its lanes read, ``ids``
        the arguments' (``ids``).
        """
        if v >= 0:
            if len(lanes) == self.size[v] and (lanes == np.arange(len(lanes))).all():
                return v
            return self.gather(("take", v, lanes.tobytes()), take,
                               (v, Const(_index(lanes))), v in self.batched)
        inputs = self.float_at[ids]
        if (inputs >= 0).all():                                 # one stack of inputs
            lanes = inputs.tolist()
            every = self.gather(("inputs",), stack, tuple(self.floats), False)
            if lanes == list(range(len(self.floats))):
                return every
            return self.gather(("take", every, tuple(lanes)), take, (every, Const(_index(lanes))),
                               False)
        keys = [_memo_key(a) for a in args]
        first: dict[Any, int] = {}
        index = [first.setdefault(key, len(first)) for key in keys]
        unique = [args[keys.index(key)] for key in first]
        scalars = tuple(self.scalar(a) if isinstance(a, int) else a for a in unique)
        batched = any(isinstance(a, int) and a in self.batched for a in scalars)
        stacked = self.gather(("stack",) + tuple(first), stack_columns if batched else stack,
                              scalars, batched)
        if len(unique) == len(args):
            return stacked
        return self.gather(("take", stacked, tuple(index)), take,
                           (stacked, Const(_index(index))), batched)

    def broadcast(self, a: int) -> int:
        """One scalar beside every lane: itself, or under vmap its column."""
        a = self.scalar(a)
        if a not in self.batched:
            return a
        return self.gather(("column", a), column, (a,), True)

    def gather(self, key: Any, prim: Any, args: tuple[Arg, ...], batched: bool) -> int:
        """The vector ``prim(args)``, written once (``key`` says which)."""
        if key not in self.memo:
            self.memo[key] = self.new(prim, args, batched)
            if prim is not column:
                self.vectors.add(self.memo[key])
        return self.memo[key]


class _Values(dict):  # type: ignore[type-arg]
    """Values by id: those written, and a lane's as its record computed it (``cols.anss``)."""

    def __init__(self, cols: Columns):
        super().__init__()
        self.anss = cols.anss
        self.record = np.full(cols.size + 1, -1, dtype=np.intp)
        self.record[cols.outs] = np.arange(len(cols.outs))

    def __missing__(self, key: int) -> Any:
        k = int(self.record[key]) if 0 <= key < len(self.record) else -1
        if k < 0:
            raise KeyError(key)
        return self.anss[k]


def _firsts(rows: Any) -> Any:
    """Each row's number among the distinct rows of ``rows``, in order of first appearance.

    The rows sorted by ``lexsort`` (stable: equal rows keep their order, the
    first of each run is its first appearance), not by ``np.unique(axis=0)``,
    which sorts them as structured records, several times slower.
    """
    n = len(rows)
    if n == 0:
        return np.zeros(0, dtype=np.intp)
    order = np.lexsort(rows.T[::-1])
    ordered = rows[order]
    starts = np.ones(n, dtype=bool)                  # where a run of equal rows starts
    starts[1:] = (ordered[1:] != ordered[:-1]).any(axis=1)
    run = np.cumsum(starts) - 1                      # each sorted row's run
    first = order[starts]                            # each run's first appearance
    rank = np.empty(len(first), dtype=np.intp)
    rank[np.argsort(first)] = np.arange(len(first))
    out = np.empty(n, dtype=np.intp)
    out[order] = rank[run]
    return out


def _one_value(vals: list[Any]) -> bool:
    """Whether the constants ``vals`` are one (``value_key``): floats by their bits at once."""
    if set(map(type, vals)) == {float}:
        bits = np.array(vals, dtype=float).view(np.int64)
        return bool((bits == bits[0]).all())
    return len({value_key(x) for x in vals}) == 1


def _memo_key(a: Arg) -> Any:
    """A value, or a constant by type and bits (``0.0`` and ``-0.0`` differ, nans by payload)."""
    return a if isinstance(a, int) else ("c", value_key(a.value))


def _index(lanes: Any) -> Any:
    """Lanes (a list or an array) as a slice where evenly spaced and increasing, else an array."""
    index = np.array(lanes, dtype=np.intp)
    step = int(index[1] - index[0]) if len(index) > 1 else 1
    if step > 0 and (len(index) < 3 or (np.diff(index) == step).all()):
        return slice(int(index[0]), int(index[-1]) + 1, step)
    return index


def _same_lanes(vector: Any, answers: list[Any]) -> bool:
    """Whether ``vector``'s lanes are ``answers`` bit for bit (floats, or bools).

    A nan is a nan whatever its sign and payload: which operand's nan an
    operation on two nans returns is the hardware's and the C compiler's
    choice (it commutes ``a + b``), in Python's floats as in NumPy's loops.
    """
    if type(vector) is not np.ndarray or vector.shape != (len(answers),):
        return False
    want = np.array(answers)
    if want.dtype != vector.dtype:
        return False
    if want.tobytes() == vector.tobytes():
        return True
    if want.dtype.kind != "f":
        return False
    nan = np.isnan(want)
    return bool(np.array_equal(nan, np.isnan(vector)) and
                want[~nan].tobytes() == vector[~nan].tobytes())
