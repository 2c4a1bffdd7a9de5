"""Passes over a program: each a function from ``Program`` to ``Program``.

Every pass is exact in IEEE arithmetic: the program computes the same bits
before and after, a zero's sign and a nan's payload included. So ``x * 1.0``
and ``x / 1.0`` and ``x - 0.0`` become ``x`` (each returns ``x`` itself for
every float, -0.0 and nan too), but ``x + 0.0`` (-0.0 + 0.0 is 0.0) and
``x * 0.0`` (inf * 0.0 is nan) stay. Guards are never removed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .program import Arg, Const, Eqn, Program, is_guard, kind


def _renamed(a: Arg, names: dict[int, Arg]) -> Arg:
    return names.get(a, a) if isinstance(a, int) else a


def _rewrite(prog: Program, eqns: list[Eqn], names: dict[int, Arg]) -> Program:
    outputs = tuple(_renamed(o, names) for o in prog.outputs)
    return prog._replace(eqns=tuple(eqns), outputs=outputs)


def dce(prog: Program) -> Program:
    """Drop equations neither an output nor a guard depends on."""
    live = {o for o in prog.outputs if isinstance(o, int)}
    kept = []
    for e in reversed(prog.eqns):
        if e.out in live or is_guard(e):
            kept.append(e)
            live.update(a for a in e.args if isinstance(a, int))
    return prog._replace(eqns=tuple(reversed(kept)))


def _const_key(c: Const) -> Any:
    v = c.value
    if isinstance(v, float | int | bool):
        return (type(v), repr(v))          # 0.0 and -0.0 are different constants
    return ("id", id(v))


def cse(prog: Program) -> Program:
    """One equation for each distinct ``prim(args)``: later copies reuse it."""
    names: dict[int, Arg] = {}
    seen: dict[Any, int] = {}
    eqns = []
    for e in prog.eqns:
        args = tuple(_renamed(a, names) for a in e.args)
        e = e._replace(args=args)
        if not is_guard(e):
            key = (e.prim, tuple(a if isinstance(a, int) else _const_key(a) for a in args))
            if key in seen:
                names[e.out] = seen[key]
                continue
            seen[key] = e.out
        eqns.append(e)
    return _rewrite(prog, eqns, names)


def identities(prog: Program, values: dict[int, Any]) -> Program:
    """``x * 1.0``, ``1.0 * x``, ``x / 1.0``, ``x - 0.0`` become ``x``.

    Only where ``x`` is of the result's kind, so that no float becomes an int
    or a bool array.
    """
    names: dict[int, Arg] = {}
    eqns = []
    for e in prog.eqns:
        args = tuple(_renamed(a, names) for a in e.args)
        e = e._replace(args=args)
        x = _identity_operand(e)
        if x is not None and kind(values.get(x)) == kind(e.ans):
            names[e.out] = x
            continue
        eqns.append(e)
    return _rewrite(prog, eqns, names)


def _identity_operand(e: Eqn) -> int | None:
    name = e.prim.name
    if len(e.args) != 2:
        return None
    a, b = e.args
    one = lambda c: isinstance(c, Const) and type(c.value) is float and c.value == 1.0
    zero = lambda c: isinstance(c, Const) and type(c.value) is float and c.value == 0.0 \
        and repr(c.value) == "0.0"
    if name == "mul" and isinstance(a, int) and one(b):
        return a
    if name == "mul" and isinstance(b, int) and one(a):
        return b
    if name == "div" and isinstance(a, int) and one(b):
        return a
    if name == "sub" and isinstance(a, int) and zero(b):
        return a
    return None


def fold(prog: Program) -> Program:
    """Compute equations whose arguments are all constants, once, now."""
    names: dict[int, Arg] = {}
    eqns = []
    with np.errstate(all="ignore"):
        for e in prog.eqns:
            args = tuple(_renamed(a, names) for a in e.args)
            e = e._replace(args=args)
            consts = [a for a in args if isinstance(a, Const)]
            if not is_guard(e) and len(consts) == len(args):
                names[e.out] = Const(e.prim.impl(*(c.value for c in consts)))
                continue
            eqns.append(e)
    return _rewrite(prog, eqns, names)


def optimize(prog: Program) -> Program:
    """``fold``, ``identities``, ``cse``, then ``dce``.

    The first three in one sweep (each equation renamed once), for speed on
    programs of 10^5 equations: the same rewrites as the passes one by one.
    """
    kinds = {i: kind(v) for i, v in zip(prog.inputs, prog.seen)}
    names: dict[int, Arg] = {}
    seen: dict[Any, int] = {}
    eqns = []
    with np.errstate(all="ignore"):
        for e in prog.eqns:
            args = e.args
            if names:
                args = tuple(names.get(a, a) if a.__class__ is int else a for a in args)
                if args != e.args:
                    e = Eqn(e.prim, e.out, args, e.ans)
            if is_guard(e):
                eqns.append(e)
                continue
            consts = [a for a in args if a.__class__ is Const]
            if len(consts) == len(args):                      # fold
                names[e.out] = Const(e.prim.impl(*(c.value for c in consts)))
                continue
            out_kind = kinds[e.out] = kind(e.ans)
            x = _identity_operand(e)                          # identities
            if x is not None and kinds.get(x) == out_kind:
                names[e.out] = x
                continue
            key = (e.prim, tuple(a if isinstance(a, int) else _const_key(a) for a in args))
            if key in seen:                                   # cse
                names[e.out] = seen[key]
                continue
            seen[key] = e.out
            eqns.append(e)
    return dce(_rewrite(prog, eqns, names))
