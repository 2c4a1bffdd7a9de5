"""The loop primitives: ``scan_p`` and ``while_p``, and the row shuffles their rules use.

Each takes a ``Loop`` (the traced body, constant on the tape) and one flat
vector, and returns one flat vector (layouts in ``loop_body.py``):

- ``scan_p``: in ``[n] + consts + carry + rows(xs)``, out
  ``[n] + carry + rows(ys)``; ``n`` steps of ``carry, y = body(consts, carry, x)``.
- ``while_p``: in ``[0] + cond consts + body consts + carry``, out
  ``[n] + carry``: the carry once ``cond`` is false, and the trip count.

``zip_p``/``unzip_p``/``embed_p`` join and split rows (blocks of ``n`` rows
of given widths) with ``n`` read from the data when they run, so a rule
that builds a loop's vector is right for any trip count (under ``jit`` too).
Their derivatives are each other (they are linear), so every order works.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .arrays import astype
from .batching.rules import STAND_IN, batch_rules
from .indexing import getitem
from .loop_body import (
    F64,
    Kind,
    as_f64,
    compiled,
    kind_of,
    pack_np,
    renumbered,
    slots,
    unpack,
    unpack_np,
)
from .primitive import Primitive, defjvp, defvjp, primitive
from .shapes import reshape, reshape_p
from .staging.program import Program
from .tape import Const, Eqn, _kind, listings, operand
from .values import Traced

__all__ = ["Loop", "embed_p", "pack_inputs", "pack_p", "scan_p", "unzip_p", "while_p", "zip_p"]


def size(kinds: Sequence[Kind]) -> int:
    """The number of float64 slots of leaves of ``kinds``."""
    return sum(k.size for k in kinds)


class Loop:
    """The constant argument of a loop record: its body and the kinds around it.

    Attributes:
      body: the program ``(consts, carry, x) -> (carry, y)``.
      cond: a while loop's ``(cond consts, carry) -> bool``, else None.
      consts, carry, xs, ys: the leaf kinds (``xs``/``ys`` of one step).
      cond_consts: the kinds of the condition's consts.
      reverse: a scan from the last step to the first.
      remat: store only every k-th carry for the backward (``tg.checkpoint``).
      derived: the loops its rules run, made once (``loop_rules.derived``).
    """

    __slots__ = ("body", "cond", "consts", "carry", "xs", "ys", "cond_consts", "reverse",
                 "remat", "derived", "_fns")

    def __init__(self, body: Program, consts: list[Kind], carry: list[Kind],
                 xs: list[Kind], ys: list[Kind], reverse: bool = False,
                 cond: Program | None = None, cond_consts: list[Kind] | None = None,
                 remat: bool = False):
        self.body, self.cond = body, cond
        self.consts, self.carry, self.xs, self.ys = consts, carry, xs, ys
        self.cond_consts = cond_consts or []
        self.reverse, self.remat = reverse, remat
        self.derived: dict[str, Loop] = {}
        self._fns: tuple[Any, Any] | None = None

    def fns(self) -> tuple[Any, Any]:
        """The body and the condition compiled (``loop_body.compiled``), made once."""
        if self._fns is None:
            self._fns = (compiled(self.body), self.cond and compiled(self.cond))
        return self._fns

    def __repr__(self) -> str:
        flags = "".join([",reverse"] * self.reverse + [",checkpoint"] * self.remat)
        return f"{'while' if self.cond else 'scan'}_body({len(self.body.eqns)}{flags})"

    def listing(self, indent: str = "  ") -> str:
        """The body (and condition) as an indented program, for ``print(tape)``."""
        parts = [] if self.cond is None else [
            "cond:", *str(renumbered(self.cond)).splitlines(), "body:"]
        parts += str(renumbered(self.body)).splitlines()
        return "\n".join(indent + line for line in parts)


def list_with_body(e: Eqn) -> str:
    """A loop's record as listed: its line, then its body's program indented."""
    kind = _kind(e.ans)
    line = f"v{e.out}{':' + kind if kind else ''} = {getattr(e.prim, 'name', '')} " + " ".join(
        operand(a) for a in e.args)
    bodies = [a.value.listing() for a in e.args
              if isinstance(a, Const) and hasattr(a.value, "listing")]
    return "\n".join([line, *bodies])


def at(x: np.ndarray, i: int, k: Kind) -> Any:
    """Step ``i`` of a stacked leaf, as the body's kind."""
    v = x[i]
    if k.scalar == "float":
        return float(v)
    return v if k.scalar == "np" else np.asarray(v)


def rows_np(tail: np.ndarray, n: int, kinds: Sequence[Kind]) -> list[np.ndarray]:
    """Stacked leaves (``(n, *shape)``) from ``n`` rows of their slots."""
    m = tail.reshape(n, size(kinds))
    out, a = [], 0
    for k in kinds:
        out.append(m[:, a:a + k.size].reshape((n,) + k.shape).astype(k.dtype, copy=False))
        a += k.size
    return out


def pack_rows_np(stacked: Sequence[np.ndarray], n: int) -> np.ndarray:
    """Stacked leaves as ``n`` rows of their slots, flat."""
    if not stacked:
        return np.zeros(0)
    return np.concatenate([slots(y).reshape(n, int(np.prod(y.shape[1:])))
                           for y in stacked], axis=1).ravel()


# --------------------------------------------------------------------- scan
def _scan(loop: Loop, vec: np.ndarray) -> np.ndarray:
    """``[n] + consts + carry + rows(xs)`` -> ``[n] + carry + rows(ys)``."""
    vec = np.asarray(vec, F64)
    n = int(vec[0])
    consts = unpack_np(vec[1:], loop.consts)
    a = 1 + size(loop.consts)
    carry = unpack_np(vec[a:], loop.carry)
    xs = rows_np(vec[a + size(loop.carry):], n, loop.xs)
    ys = [np.empty((n,) + k.shape, k.dtype) for k in loop.ys]
    nh, fn, xk = len(carry), loop.fns()[0], loop.xs
    for i in (range(n - 1, -1, -1) if loop.reverse else range(n)):
        outs = fn(consts + carry + [at(x, i, k) for x, k in zip(xs, xk)])
        carry = outs[:nh]
        for y, o in zip(ys, outs[nh:]):
            y[i] = o
    return np.concatenate([[float(n)], pack_np(carry), pack_rows_np(ys, n)])


scan_p: Primitive = primitive(_scan, "scan", check_rules=False)
listings[scan_p] = list_with_body


# -------------------------------------------------------------------- while
def _while(loop: Loop, vec: np.ndarray) -> np.ndarray:
    """``[0] + cond consts + consts + carry`` -> ``[n] + carry``."""
    assert loop.cond is not None
    vec = np.asarray(vec, F64)
    cconsts = unpack_np(vec[1:], loop.cond_consts)
    a = 1 + size(loop.cond_consts)
    consts = unpack_np(vec[a:], loop.consts)
    carry = unpack_np(vec[a + size(loop.consts):], loop.carry)
    n, (body, cond) = 0, loop.fns()
    while not STAND_IN.get() and bool(cond(cconsts + carry)[0]):
        carry = body(consts + carry)
        n += 1
    return np.concatenate([[float(n)], pack_np(carry)])


while_p: Primitive = primitive(_while, "while", check_rules=False)
listings[while_p] = list_with_body


# --------------------------------------------------------------------- pack
def _pack(n: int, nflat: int, *leaves: Any) -> np.ndarray:
    """The first ``nflat`` leaves' slots, then the others' as ``n`` rows."""
    parts = [slots(x) for x in leaves[:nflat]]
    parts.append(pack_rows_np([np.asarray(x) for x in leaves[nflat:]], n))
    return np.concatenate(parts)


# One record packs a loop's inputs: the values it reads from outside stay
# constants of the record (a reshape of each would be recorded on their tape).
pack_p: Primitive = primitive(_pack, "pack", check_rules=False)


def _pack_vjp(k: int) -> Any:
    def rule(g: Any, ans: Any, n: int, nflat: int, *leaves: Any) -> Any:
        kinds = [kind_of(x) for x in leaves]
        if kinds[k].dtype.kind != "f":
            return None
        if k < nflat:               # a float leaf's cotangent a float, not its slot's np.float64
            ct = unpack(g, [kinds[k]], size(kinds[:k]))[0]
            return reshape_p(ct, ()) if kinds[k].scalar == "float" else ct
        rows = kinds[nflat:]
        widths = tuple(q.size // max(q.shape[0], 1) if q.shape else 1 for q in rows)
        col = unzip_p(widths, k - nflat, getitem(g, slice(size(kinds[:nflat]), None)))
        col = reshape(col, kinds[k].shape)
        return astype(col, kinds[k].dtype) if kinds[k].dtype != F64 else col
    return rule


def _pack_jvp(k: int) -> Any:
    def rule(t: Any, ans: Any, n: int, nflat: int, *leaves: Any) -> Any:
        if kind_of(leaves[k]).dtype.kind != "f":
            return None
        return pack_p(n, nflat, *(t if j == k else kind_of(x).zero()
                                  for j, x in enumerate(leaves)))
    return rule


_MAX_LEAVES = 2048
defvjp(pack_p, None, None, *(_pack_vjp(k) for k in range(_MAX_LEAVES)))
defjvp(pack_p, None, None, *(_pack_jvp(k) for k in range(_MAX_LEAVES)))


def _pack_batched(e: Any, values: list[Any], batched: list[bool], b: int) -> Any:
    n, nflat, leaves = values[0], values[1], values[2:]
    full = [np.broadcast_to(as_f64(x), (b,) + np.shape(x)[1 if f else 0:])
            for x, f in zip(leaves, batched[2:])]
    parts = [x.reshape(b, int(np.prod(x.shape[1:]))) for x in full[:nflat]]
    rows = [x.reshape(b, n, int(np.prod(x.shape[2:]))) for x in full[nflat:]]
    if rows:
        parts.append(np.concatenate(rows, axis=2).reshape(b, n * sum(r.shape[2] for r in rows)))
    return np.concatenate(parts, axis=1) if parts else np.zeros((b, 0))


batch_rules[pack_p] = _pack_batched


def pack_inputs(n: int, flat: Sequence[Any], stacked: Sequence[Any] = ()) -> Any:
    """A loop's input vector: ``flat`` leaves, then ``stacked`` ones as ``n`` rows."""
    leaves = [*flat, *stacked]
    if any(type(x) is Traced for x in leaves):
        return pack_p(n, len(flat), *leaves)
    return _pack(n, len(flat), *leaves)


# --------------------------------------------------------------------- rows
def _rows(widths: tuple[int, ...], blocks: Sequence[Any]) -> int:
    """The number of rows of blocks of these widths (0 when every width is 0)."""
    for w, b in zip(widths, blocks):
        if w:
            return len(b) // w
    return 0


def _zip(widths: tuple[int, ...], *blocks: np.ndarray) -> np.ndarray:
    n = _rows(widths, blocks)
    parts = [np.asarray(b, F64).reshape(n, w) for w, b in zip(widths, blocks)]
    return np.concatenate(parts, axis=1).ravel() if parts else np.zeros(0)


def _unzip(widths: tuple[int, ...], k: int, flat: np.ndarray) -> np.ndarray:
    total = sum(widths)
    n = len(flat) // total if total else 0
    a = sum(widths[:k])
    return np.asarray(flat, F64).reshape(n, total)[:, a:a + widths[k]].ravel()


def _embed(widths: tuple[int, ...], k: int, block: np.ndarray) -> np.ndarray:
    n = len(block) // widths[k] if widths[k] else 0
    out = np.zeros((n, sum(widths)))
    a = sum(widths[:k])
    out[:, a:a + widths[k]] = np.asarray(block, F64).reshape(n, widths[k])
    return out.ravel()


zip_p: Primitive = primitive(_zip, "zip_rows", check_rules=False)
unzip_p: Primitive = primitive(_unzip, "unzip_rows", check_rules=False)
embed_p: Primitive = primitive(_embed, "embed_rows", check_rules=False)


def _zip_rule(k: int) -> Any:
    def rule(g: Any, ans: Any, widths: tuple[int, ...], *blocks: Any) -> Any:
        return unzip_p(widths, k, g) if widths[k] else None
    return rule


def _embed_rule(k: int) -> Any:
    def rule(t: Any, ans: Any, widths: tuple[int, ...], *blocks: Any) -> Any:
        return embed_p(widths, k, t) if widths[k] else None
    return rule


_MAX_BLOCKS = 8
defvjp(zip_p, None, *(_zip_rule(k) for k in range(_MAX_BLOCKS)))
defjvp(zip_p, None, *(_embed_rule(k) for k in range(_MAX_BLOCKS)))
defvjp(unzip_p, None, None, lambda g, ans, w, k, flat: embed_p(w, k, g))
defjvp(unzip_p, None, None, lambda t, ans, w, k, flat: unzip_p(w, k, t))
defvjp(embed_p, None, None, lambda g, ans, w, k, b: unzip_p(w, k, g))
defjvp(embed_p, None, None, lambda t, ans, w, k, b: embed_p(w, k, t))
