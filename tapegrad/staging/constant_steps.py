"""Carries whose derivative Python computes from constants, for one trip count.

Under ``grad`` (or ``jvp``) inside ``jit``, a carry that a while loop steps
by a map with constant coefficients (``t = t + x``, ``y = y * 0.5``) and
that the body reads in no other way has a cotangent made of constants: the
derivative rules multiply and add Python floats, and the tape holds their
result (``0.25 * n`` for ``x = x0 * 0.25`` added ``n`` times) as one
number, right for the traced trip count only. ``constant_steps`` finds such
a loop, so that it runs its traced trip count only.

Each value of one iteration is read as an affine map of the carries (a
coefficient per carry, ``lin``), plus the carries it depends on otherwise
(``other``: a product of two traced values, ``sin``), plus whether it adds
a traced value from before the loop (``invariant``).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from .. import ops
from ..primitive import zmul, zmul_both
from .program import Const, Program, is_guard
from .rolling import Loop, arg_key


class _Affine(NamedTuple):
    lin: dict[int, float]        # carry (its offset) -> coefficient
    other: frozenset[int]        # carries read through a non-constant derivative
    invariant: bool              # adds a traced value the loop does not change
    const: float | None = None   # a number, known while tracing


_PRODUCTS = (ops.mul, zmul, zmul_both)     # a product (zmul: one where a factor is 0)
_NOTHING = _Affine({}, frozenset(), False)


def constant_steps(prog: Program, loop: Loop) -> bool:
    """Whether ``loop`` steps a carry by constants: its derivative counts the trips.

    True where the carries whose derivatives are all constants do not keep
    their values (a coefficient other than 1, or one carry feeding another)
    or add to themselves a traced value from before the loop (``t = x``, set
    afresh each trip, holds for any count).
    """
    vals: list[_Affine] = []
    for o in range(loop.period):
        e = prog.eqns[loop.start + o]
        args = [_arg(vals, role, x) for role, x in zip(loop.roles[o], e.args)]
        vals.append(_step(e, args))
    carries = {r.at for roles in loop.roles for r in roles if r.how in ("carry", "back")}
    varying = set().union(*(v.other for v in vals))    # cotangents that are traced values
    changed = True
    while changed:              # a carry feeding a traced cotangent's carry: traced too
        changed = False
        for i in varying & carries:
            new = {j for j, c in vals[i].lin.items() if c != 0.0} - varying
            varying |= new
            changed |= bool(new)
    for i in carries - varying:
        v = vals[i]
        if v.invariant and v.lin.get(i, 0.0) != 0.0 or any(
                c != (1.0 if j == i else 0.0) for j, c in v.lin.items() if j not in varying):
            return True
    return False


def one_count(prog: Program, loops: list[tuple[Loop, int]]) -> bool:
    """Under ``grad``: whether a while loop's derivative holds for its traced trip count only.

    ``loops``: each loop, with the while loop it runs as many times as (-1:
    it is a while loop). A while loop no later loop runs as many times as
    (its backward pass too short to roll; ``jit``: ``check_ties``), or one
    stepping a carry by constants.
    """
    tied = {t for _, t in loops}
    return any(t < 0 and (m not in tied or constant_steps(prog, loop))
               for m, (loop, t) in enumerate(loops))


def _arg(vals: list[_Affine], role: Any, x: Any) -> _Affine:
    """What argument ``x`` of the first iteration reads, in every iteration."""
    if role.how == "local":
        return vals[role.at]
    if role.how in ("carry", "back"):     # an earlier value of the offset: one variable
        return _Affine({role.at: 1.0}, frozenset(), False)
    invariant = len({arg_key(a) for a in role.args}) == 1
    if isinstance(x, Const):
        v = x.value
        number = invariant and (type(v) in (float, int) or isinstance(v, np.floating))
        return _Affine({}, frozenset(), False, float(v) if number else None)
    return _Affine({}, frozenset(), invariant)


def _step(e: Any, args: list[_Affine]) -> _Affine:
    """The value ``e`` computes, as an affine map of the carries."""
    if is_guard(e) or isinstance(e.ans, bool | np.bool_) or \
            isinstance(e.ans, np.ndarray) and e.ans.dtype == bool:
        return _NOTHING                       # a test: no derivative
    if e.prim in (ops.add, ops.sub) and len(args) == 2:
        a, b = args
        sign = 1.0 if e.prim is ops.add else -1.0
        lin = dict(a.lin)
        for j, c in b.lin.items():
            lin[j] = lin.get(j, 0.0) + sign * c
        return _Affine(lin, a.other | b.other, a.invariant or b.invariant)
    if e.prim is ops.neg and len(args) == 1:
        return _scaled(args[0], -1.0)
    if e.prim in _PRODUCTS and len(args) == 2:
        a, b = args
        if b.const is not None:
            return _scaled(a, b.const)
        if a.const is not None:
            return _scaled(b, a.const)
    if e.prim is ops.div and len(args) == 2 and args[1].const not in (None, 0.0):
        return _scaled(args[0], 1.0 / args[1].const)     # type: ignore[operator]
    reads = frozenset().union(*(set(a.lin) | a.other for a in args))
    return _Affine({}, reads, False)


def _scaled(a: _Affine, k: float) -> _Affine:
    if a.const is not None:
        return _Affine({}, a.other, False, a.const * k)
    return _Affine({j: c * k for j, c in a.lin.items()}, a.other, a.invariant and k != 0.0)
