"""Reassociated packing: sums of products over a lane axis as matrix products.

After packing, a layer of neurons ``b + sum(w * x ...)`` over all examples is
a vector of products (one lane per example, neuron and input) and a summed
chain whose ``(terms, lanes)`` matrix gathers them; its backward likewise
(a weight's gradient summed over examples, an input's over neurons). With
``reassociate=True`` the order of a sum is free, so ``contract`` writes such
a sum as one matrix product: each lane's row of factors is looked up where
it came from (through ``take``, ``concat`` and ``rows``); when the lanes are
the pairs ``(p, q)`` of a row of one factor and a row of the other, the sum
is ``(A.T @ B)[p, q]``, with ``A`` and ``B`` gathered once from the vectors
the factors live in. A zero-safe product (``zmul``) becomes a plain one
there and elsewhere: ``0 * inf`` is then ``nan`` and ``0 * -x`` is ``-0.0``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import ops
from ..primitive import Primitive, zmul
from .chains import chain_lanes_reassociated, chain_p
from .columns import Columns
from .lanes import LANES, concat, rows, take, view
from .program import Arg, Const, Eqn, Program
from .spellings import Spelling, spellings

__all__ = ["chain_terms", "contract", "dot", "dot_lanes"]

_MUL, _ZMUL, _ADD = LANES[ops.mul], LANES[zmul], LANES[ops.add]
Where = tuple[np.ndarray, np.ndarray]     # per lane: the vector it lives in, its lane there


def _dot(a: Any, b: Any, k: Any) -> Any:
    return (a.T @ b).reshape(-1)[k]


dot = Primitive(_dot, "lanes_dot", check_rules=False)
spellings[dot] = Spelling(array="({0}.T @ {1}).reshape(-1)[{2}]")
"""``dot(a, b, k)``: lanes ``k`` of ``a.T @ b`` (``a`` is ``(terms, p)``, ``b`` ``(terms, q)``)."""


def _dot_lanes(a: Any, b: Any) -> Any:
    return np.einsum("tj,tj->j", a, b)


dot_lanes = Primitive(_dot_lanes, "lanes_dot_lanes", check_rules=False)
spellings[dot_lanes] = Spelling(array="_np_einsum('tj,tj->j', {0}, {1})",
                                names={"_np_einsum": np.einsum})
"""``dot_lanes(a, b)``: ``(a * b).sum(0)`` of two ``(terms, lanes)`` matrices."""


class _Origins:
    """Where the lanes of a program's vectors come from, looked up through moves."""

    def __init__(self, prog: Program):
        self.defs = {e.out: e for e in prog.eqns}
        self.memo: dict[int, Where | None] = {}
        self.consts: dict[int, Const] = {}      # a constant vector's (negative) id -> it
        self.const_ids: dict[int, int] = {}

    def __call__(self, v: Any) -> Where | None:
        if not isinstance(v, int):
            return self._constant(v)
        if v not in self.memo:
            self.memo[v] = self._find(v)
        return self.memo[v]

    def _constant(self, c: Const) -> Where | None:
        """A constant vector's lanes: where it lives, under an id of its own."""
        x = c.value
        if type(x) is not np.ndarray or x.ndim != 1 or x.dtype.kind != "f":
            return None
        v = self.const_ids.setdefault(id(x), -1 - len(self.const_ids))
        bits, lanes = np.unique(x.astype(np.float64).view(np.int64), return_inverse=True)
        self.consts[v] = Const(bits.view(np.float64).astype(x.dtype))   # each value once
        return np.full(x.shape, v), lanes.reshape(-1)

    def size(self, v: int) -> int:
        """How many lanes vector ``v`` has."""
        return (self.consts[v].value if v < 0 else self.defs[v].ans).shape[0]

    def _find(self, v: int) -> Where | None:
        e = self.defs.get(v)
        if e is None or type(e.ans) is not np.ndarray or e.ans.dtype.kind != "f":
            return None
        if e.prim is take and isinstance(e.args[1], Const):
            w = self(e.args[0])
            k = e.args[1].value
            return None if w is None else (w[0][..., k], w[1][..., k])
        if e.prim is rows and isinstance(e.args[1], Const):
            w = self(e.args[0])
            n = e.args[1].value
            return None if w is None else (w[0].reshape(-1, n), w[1].reshape(-1, n))
        if e.prim is concat:
            parts = [self(p) for p in e.args]
            if any(p is None or p[0].ndim != 1 for p in parts):
                return None
            return (np.concatenate([p[0] for p in parts]),   # type: ignore[index]
                    np.concatenate([p[1] for p in parts]))   # type: ignore[index]
        if e.ans.ndim != 1:
            return None
        return np.full(e.ans.shape, v), np.arange(e.ans.shape[0])


def _factors(src: np.ndarray, lane: np.ndarray, origins: _Origins
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """Where both factors of the products at ``(src, lane)`` live: vectors and lanes."""
    sa, la = np.empty_like(src), np.empty_like(lane)
    sb, lb = np.empty_like(src), np.empty_like(lane)
    for pid in np.unique(src).tolist():
        e = origins.defs[pid]
        wa, wb = origins(e.args[0]), origins(e.args[1])
        if wa is None or wb is None or wa[0].shape != e.ans.shape or wb[0].shape != e.ans.shape:
            return None
        at = src == pid
        sa[at], la[at] = wa[0][lane[at]], wa[1][lane[at]]
        sb[at], lb[at] = wb[0][lane[at]], wb[1][lane[at]]
    return sa, la, sb, lb


def _joined(src: np.ndarray, lane: np.ndarray, origins: _Origins
            ) -> tuple[tuple[int, ...], np.ndarray]:
    """The vectors ``src`` names (to be joined in this order), and lanes in the joined one."""
    vectors = np.unique(src)
    sizes = [origins.size(v) for v in vectors.tolist()]
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(lane.dtype)
    return tuple(vectors.tolist()), offsets[np.searchsorted(vectors, src)] + lane


def _classes(index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lanes (columns of ``index``) with the same column: one class; each class's first lane."""
    _, first, cls = np.unique(index.T, axis=0, return_index=True, return_inverse=True)
    return cls.reshape(-1), first


def _plan(e: Eqn, origins: _Origins, products: set[int]) -> tuple[Any, ...] | None:
    """How to write the summed chain ``e`` with a matrix product, or None."""
    w = origins(e.args[1])
    if w is None or w[0].ndim != 2 or w[0].shape[0] < 2:
        return None
    src, lane = w
    whole = np.isin(src, list(products)).all(axis=1)
    if whole.sum() < 2:
        return None
    found = _factors(src[whole], lane[whole], origins)
    if found is None:
        return None
    a, ia = _joined(found[0], found[1], origins)
    b, ib = _joined(found[2], found[3], origins)
    p, pf = _classes(ia)
    q, qf = _classes(ib)
    n = src.shape[1]
    k = p * len(qf) + q
    rest = _joined(src[~whole], lane[~whole], origins) if not whole.all() else None
    if len(pf) * len(qf) > 2 * n or len(np.unique(k)) != n:     # lane by lane
        return a, ia, b, ib, None, rest
    ia, ib = ia[:, pf], ib[:, qf]
    order = _in_order(k, len(pf), len(qf))
    if order is None:
        return a, ia, b, ib, (slice(None) if (k == np.arange(n)).all() else k), rest
    rp, rq, swap = order          # the lanes in a product's order: its operands' columns permuted
    if swap:
        return b, ib[:, rq], a, ia[:, rp], slice(None), rest
    return a, ia[:, rp], b, ib[:, rq], slice(None), rest


def _in_order(k: np.ndarray, np_: int, nq: int) -> tuple[np.ndarray, np.ndarray, bool] | None:
    """Whether lanes ``k`` of a ``(P, Q)`` product are all its ``(p, q)`` in a product's order.

    Lane ``i`` takes ``p = rp[i // Q], q = rq[i % Q]`` (``swap`` False: the
    product of the permuted columns, flattened) or ``q = rq[i // P], p =
    rp[i % P]`` (``swap``: the product of the operands swapped); None otherwise.
    """
    if k.size != np_ * nq:
        return None
    p, q = np.divmod(k, nq)
    for swap, (outer, inner) in ((False, (p, q)), (True, (q, p))):
        n_in = nq if not swap else np_
        o, i = outer.reshape(-1, n_in), inner.reshape(-1, n_in)
        if (o == o[:, :1]).all() and (i == i[:1]).all():
            ro, ri = o[:, 0], i[0]
            if len(np.unique(ro)) == len(ro) and len(np.unique(ri)) == len(ri):
                return (ro, ri, False) if not swap else (ri, ro, True)
    return None


class _Writer:
    """The rewritten program's equations, each value computed as written."""

    def __init__(self, prog: Program, origins: _Origins):
        self.origins = origins
        self.values: dict[int, Any] = dict(zip(prog.inputs, prog.seen))
        self.fresh = max([*prog.inputs, *(e.out for e in prog.eqns), 0]) + 1
        self.eqns: list[Eqn] = []

    def keep(self, e: Eqn) -> None:
        """``e`` as it is."""
        self.eqns.append(e)
        self.values[e.out] = e.ans

    def new(self, prim: Primitive, args: tuple[Any, ...], out: int | None = None) -> int:
        """``prim(args)`` written as ``out`` (a new value by default); its id."""
        if out is None:
            out, self.fresh = self.fresh, self.fresh + 1
        vals = [self.values[x] if isinstance(x, int) else x.value for x in args]
        self.values[out] = prim.impl(*vals)
        self.eqns.append(Eqn(prim, out, args, self.values[out]))
        return out

    def gather(self, vectors: tuple[int, ...], index: np.ndarray) -> Arg:
        """Lanes ``index`` of the vectors joined (a constant where all are constants)."""
        parts = tuple(self.origins.consts.get(v, v) for v in vectors)
        if all(isinstance(x, Const) for x in parts):
            joined = np.concatenate([x.value for x in parts])   # type: ignore[union-attr]
            return Const(joined[index])
        return self.new(take, (parts[0] if len(parts) == 1 else self.new(concat, parts),
                               Const(index)))

    def read(self, vectors: tuple[int, ...], index: np.ndarray) -> Arg | None:
        """Lanes ``index`` of a vector as a strided view BLAS reads in place, or None."""
        v = self.values.get(vectors[0]) if len(vectors) == 1 and vectors[0] >= 0 else None
        grid = _grid(index)
        if type(v) is not np.ndarray or v.ndim != 1 or not v.flags.c_contiguous or \
                grid is None or not _blasable(index.shape, grid[1:]):
            return None
        n = v.itemsize
        return self.new(view, (vectors[0], Const(index.shape), Const(v.dtype),
                               Const(grid[0] * n), Const((grid[1] * n, grid[2] * n))))

    def factor(self, vectors: tuple[int, ...], index: np.ndarray) -> Arg:
        """Lanes ``index`` of the vectors: read in place where they can be, else gathered."""
        got = self.read(vectors, index)
        return self.gather(vectors, index) if got is None else got

    def summed(self, e: Eqn, plan: tuple[Any, ...]) -> None:
        """The summed chain ``e`` as its ``plan`` says: a matrix product, and other terms.

        The order of its terms is free: they run backwards where that lets
        more factors be read in place (``_turned``).
        """
        a, ia, b, ib, k, rest = plan
        if k is None:
            d = self.new(dot_lanes, (self.factor(a, ia), self.factor(b, ib)))
        else:
            ia, ib, k = _turned(a, ia, b, ib, k)
            d = self.new(dot, (self.factor(a, ia), self.factor(b, ib), Const(k)))
        if rest is None:
            self.new(_ADD, (e.args[0], d), e.out)
            return
        terms = self.gather(*rest)
        self.new(chain_lanes_reassociated, (self.new(_ADD, (e.args[0], d)), terms), e.out)


def _turned(a: tuple[int, ...], ia: np.ndarray, b: tuple[int, ...], ib: np.ndarray,
            k: Any) -> tuple[np.ndarray, np.ndarray, Any]:
    """The factors' indices and the product's lanes, turned so that more factors read in place.

    The terms (rows of both) may run backwards: the same sum in another
    order. A factor's columns may too where they then read in place and
    the product's lanes are fewer than the factor's (gathering those
    costs less): ``k`` then reads the product's rows or columns backwards.
    """
    n_p, n_q = ia.shape[1], ib.shape[1]
    lanes = np.arange(n_p * n_q) if isinstance(k, slice) else k

    def score(x: tuple[int, ...], ix: np.ndarray) -> int:
        return _in_place(x, ix) or (ix.size > lanes.size and _in_place(x, ix[:, ::-1]))

    if score(a, ia) + score(b, ib) < score(a, ia[::-1]) + score(b, ib[::-1]):
        ia, ib = ia[::-1], ib[::-1]
    p, q = np.divmod(lanes, n_q)
    if not _in_place(a, ia) and ia.size > lanes.size and _in_place(a, ia[:, ::-1]):
        ia, p = ia[:, ::-1], n_p - 1 - p
    if not _in_place(b, ib) and ib.size > lanes.size and _in_place(b, ib[:, ::-1]):
        ib, q = ib[:, ::-1], n_q - 1 - q
    lanes = p * n_q + q
    return ia, ib, (slice(None) if np.array_equal(lanes, np.arange(n_p * n_q)) else lanes)


def _grid(index: np.ndarray) -> tuple[int, int, int] | None:
    """A ``(terms, lanes)`` index as ``base + t * st + p * sp``: ``(base, st, sp)``, or None."""
    if index.ndim != 2 or index.size == 0:
        return None
    nt, np_ = index.shape
    base = int(index[0, 0])
    st = int(index[1, 0]) - base if nt > 1 else np_
    sp = int(index[0, 1]) - base if np_ > 1 else 1
    t, p = np.arange(nt)[:, None], np.arange(np_)
    return (base, st, sp) if np.array_equal(index, base + t * st + p * sp) else None


def _blasable(shape: tuple[int, ...], strides: tuple[int, int]) -> bool:
    """Whether BLAS reads a matrix of ``shape`` and element ``strides`` in place (or transposed)."""
    (nt, np_), (st, sp) = shape, strides
    return (sp == 1 and st >= np_) or (st == 1 and sp >= nt)


def _in_place(vectors: tuple[int, ...], index: np.ndarray) -> bool:
    grid = _grid(index) if len(vectors) == 1 and vectors[0] >= 0 else None
    return grid is not None and _blasable(index.shape, grid[1:])


def contract(prog: Program) -> Program:
    """``prog`` (packed, reassociated) with its sums of products as matrix products."""
    origins = _Origins(prog)
    products = {e.out for e in prog.eqns if e.prim in (_MUL, _ZMUL)
                and all(origins(x) is not None for x in e.args)}
    out = _Writer(prog, origins)
    for e in prog.eqns:
        plan = _plan(e, origins, products) if e.prim is chain_lanes_reassociated else None
        if plan is not None:
            out.summed(e, plan)
        elif e.prim is _ZMUL:
            out.new(_MUL, e.args, e.out)
        else:
            out.keep(e)
    return prog._replace(eqns=tuple(out.eqns))


def chain_terms(prog: Program, cols: Columns | None = None) -> frozenset[int]:
    """The products only sum chains read (as a term): packed apart, they become matrix products.

    Packed with other products of their level (a cotangent times a mask),
    they would be computed for those others' sake. ``cols``: ``prog``'s columns.
    """
    cols = cols if cols is not None else Columns(prog)
    product = np.zeros(cols.size + 1, dtype=bool)
    for prim in (ops.mul, zmul):
        product[cols.outs[cols.where(prim)]] = True
    product[cols.size] = False                        # a constant
    chains = np.zeros(len(cols.outs), dtype=bool)
    chains[cols.where(chain_p)] = True
    owner = np.repeat(np.arange(len(cols.outs)), cols.arity)
    term = chains[owner] & (np.arange(len(owner)) > cols.starts[:-1][owner])   # not the first
    ids = cols.ids[term]
    read = np.bincount(ids[product[ids]], minlength=cols.size + 1)
    return frozenset(np.flatnonzero((read > 0) & (read == cols.uses(prog.outputs))).tolist())
