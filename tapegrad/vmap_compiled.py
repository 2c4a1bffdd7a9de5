"""``vmap`` of a scalar program, compiled: the example's program run on arrays.

When every value of one example's program is a float (scalar-written code,
such as a per-example gradient of an MLP on floats) and no guard is on it,
the batched program is that program with each batched float replaced by
the array of its values across the batch: every elementwise primitive's
implementation computes exactly that on arrays, and the reductions and
broadcasts of a float are the identity. So the program is lowered once,
as ``jit`` lowers one (straight-line Python, each batched value an array),
instead of being interpreted equation by equation. The numbers are those
of the interpreter in ``vmap.py``: the same implementations on the same
arrays. Programs with guards, arrays or other primitives are interpreted.
"""

from __future__ import annotations

import linecache
import re
import weakref
from typing import Any

import numpy as np

from . import reductions
from .staging.lower import Lowered, lower
from .staging.passes import optimize
from .staging.program import Const, Eqn, Program, is_guard

__all__ = ["compiled"]

IDENTITY = {reductions.sum_p, reductions.mean_p, reductions.sum_like,
            reductions.broadcast_like}   # on a float example: their first argument
_FLOATS, _BOOLS = np.zeros(2), np.zeros(2, dtype=bool)   # stand-ins for batched values


def compiled(prog: Program,
             batched_inputs: tuple[bool, ...]) -> tuple[Lowered, list[bool]] | None:
    """The lowered batched program and which outputs are batched, or None.

    The caller keeps it (``vmap`` with the program it traced); when it is
    dropped, so are its source lines in ``linecache``.
    """
    result = _build(prog, batched_inputs)
    if result is not None:
        weakref.finalize(result[0], _forget_lines, result[0].fn.__code__.co_filename)
    return result


def _forget_lines(filename: str) -> None:
    """Drop a lowered program's source (each of its chunks) from ``linecache``."""
    base = re.sub(r"( part \d+)?>$", "", filename)
    for name in [k for k in list(linecache.cache) if k == base + ">"
                 or k.startswith(base + " part ")]:
        linecache.cache.pop(name, None)


def _build(prog: Program, batched_inputs: tuple[bool, ...]) -> tuple[Lowered, list[bool]] | None:
    if any(type(v) is not float for v in prog.seen):
        return None
    batched = {i for i, b in zip(prog.inputs, batched_inputs) if b}
    names: dict[int, Any] = {}
    eqns = []
    for e in prog.eqns:
        if is_guard(e) or type(e.ans) not in (float, bool):
            return None
        args = tuple(names.get(a, a) if a.__class__ is int else a for a in e.args)
        if any(a.__class__ is Const and type(a.value) not in (float, int, bool) for a in args):
            return None
        if e.prim in IDENTITY:
            names[e.out] = args[0]
            continue
        if not e.prim.elementwise:
            return None
        b = any(a in batched for a in args if a.__class__ is int)
        if b:
            batched.add(e.out)
        ans = (_BOOLS if type(e.ans) is bool else _FLOATS) if b else e.ans
        eqns.append(Eqn(e.prim, e.out, args, ans))
    outputs = tuple(names.get(o, o) if isinstance(o, int) else o for o in prog.outputs)
    seen = tuple(_FLOATS if b else v for v, b in zip(prog.seen, batched_inputs))
    program = optimize(Program(prog.inputs, tuple(eqns), outputs, prog.sources, seen))
    out_batched = [isinstance(o, int) and o in batched for o in program.outputs]
    return lower(program, "vmap"), out_batched
