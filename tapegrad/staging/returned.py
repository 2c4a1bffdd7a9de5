"""What a lowered program returns: its outputs, copied where the caller could alias them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..backends import foreign
from .lanes import item, lane, stack, stack_list, tolist
from .program import Arg, Const, Eqn, Program, use_counts
from .source import CHUNK, Pieces

__all__ = ["packed_ends", "returned", "returned_items", "returned_list", "single_lanes",
           "spliced", "stacks_inputs"]


def returned(prog: Program, arg: Callable[[Arg, bool], tuple[Pieces, Any]],
              seen: dict[int, Any], ints: dict[int, int | None]) -> list[str]:
    """The returned expressions: no array aliases an input, a constant or another output.

    The caller may write into what it gets. An output that may share memory
    with what it should not (an input, a constant of the program, an earlier
    output, or a view, as tracing showed) is returned as a copy; an int
    input returned untouched is returned as given, an int computed from ints
    as an ``int``.
    """
    held = {id(v) for v in prog.seen if type(v) is np.ndarray}     # the caller's
    if any(type(seen.get(o)) is np.ndarray for o in prog.outputs if isinstance(o, int)):
        held.update(id(a.value) for e in prog.eqns for a in e.args    # the program's
                    if isinstance(a, Const) and type(a.value) is np.ndarray)
    out = []
    for j, o in enumerate(prog.outputs):
        text = "".join(arg(o, False)[0])
        v = o.value if isinstance(o, Const) else seen.get(o)
        if j in ints and ints[j] is not None:
            text = f"L[{ints[j]}]"
        elif j in ints and type(v) is float:
            text = f"int({text})"
        elif type(v) is np.ndarray:
            if isinstance(o, Const) or o in prog.inputs or id(v) in held or \
                    v.base is not None:
                text += ".copy()"
            held.add(id(v))
        elif foreign(v) is not None and (isinstance(o, Const) or o in prog.inputs or
                                         id(v) in held):
            text = f"_copy_array({text})"       # another library's array, as NumPy's
        if foreign(v) is not None:
            held.add(id(v))
        out.append(text)
    return out


def returned_items(prog: Program, uses: dict[int, int], ints: dict[int, int | None]
                   ) -> dict[int, tuple[int, int]]:
    """Lanes of a packed vector's list read only to be returned: ``{value: (list, lane)}``.

    The lowering writes no statement of their own for them: the returned list
    takes runs of them as slices of the list (``spliced``).
    """
    returned: dict[int, int] = {}
    for j, o in enumerate(prog.outputs):
        if isinstance(o, int):
            returned[o] = returned.get(o, 0) + (2 if j not in ints else 3)
    found: dict[int, tuple[int, int]] = {}
    for e in prog.eqns:
        if e.prim is item and uses.get(e.out) == returned.get(e.out) and \
                isinstance(e.args[0], int) and isinstance(e.args[1], Const) and \
                type(e.args[1].value) is int:
            found[e.out] = (e.args[0], e.args[1].value)
    return found


def spliced(prog: Program, texts: list[str], items: dict[int, tuple[int, int]],
            regs: dict[int, int]) -> str:
    """The returned list: runs of one list's lanes, in order or reversed, as starred slices."""
    outs, parts, j = prog.outputs, [], 0
    at = [items.get(o) if isinstance(o, int) else None for o in outs]
    while j < len(outs):
        here = at[j]
        if here is None:
            parts.append(texts[j])
            j += 1
            continue
        xs, lane = here
        m, step = j + 1, 1
        if m < len(outs) and at[m] is not None and at[m] == (xs, lane - 1):
            step = -1
        while m < len(outs) and at[m] == (xs, lane + step * (m - j)):
            m += 1
        stop = lane + step * (m - j)
        name = f"r{regs[xs]}"
        parts.append(f"{name}[{lane}]" if m == j + 1 else
                     f"*{name}[{lane}:{stop}]" if step == 1 else
                     f"*{name}[{lane}:{stop if stop >= 0 else ''}:-1]")
        j = m
    return "[" + ", ".join(parts) + "]"


def stacks_inputs(prog: Program, uses: dict[int, int], numbers: frozenset[int]) -> int:
    """The index of an equation stacking every input in order, or -1.

    It is lowered as one call on the input list, which is not unpacked: the
    few inputs read elsewhere too are taken out of it one by one.
    """
    ins = tuple(prog.inputs)
    if numbers or not ins or len(prog.eqns) >= CHUNK // 2 or \
            sum(uses.get(v) != 1 for v in ins) > len(ins) // 4:
        return -1
    return next((k for k, e in enumerate(prog.eqns) if e.prim is stack and e.args == ins), -1)


def packed_ends(w: Any, numbers: frozenset[int], ints: dict[int, int | None]
                ) -> tuple[int, dict[int, tuple[int, int]]]:
    """Registers for the inputs of the lowering ``w``; the stack of them all and returned lanes.

    The index of the equation stacking every input (-1: none; then each
    input has its register, unpacked from ``L``, else only those read
    elsewhere, each taken out of ``L``), and the lanes returned as slices
    (``returned_items``), whose lists are kept to the end. Neither where
    ``w.packed_io`` is false (a loop's body: its caller reads its registers).
    """
    prog = w.prog
    stacked = stacks_inputs(prog, w.uses, numbers) if w.packed_io else -1
    items = returned_items(prog, w.uses, ints) if w.packed_io else {}
    for xs, _ in items.values():
        w.last[xs], w.uses[xs] = len(prog.eqns), max(w.uses.get(xs, 0), 2)
    for j, v in enumerate(prog.inputs):
        if stacked < 0:
            w.assign(v)
        elif w.uses.get(v, 0) > 1:
            w.write(v, (f"L[{j}]",), ())
    if stacked >= 0:
        w.ns["_lanes_stack_list"] = stack_list
    return stacked, items


def returned_list(w: Any, items: dict[int, tuple[int, int]], ints: dict[int, int | None]
                  ) -> tuple[str, tuple[int, ...]]:
    """The returned list's source and the registers it reads (``returned``, ``spliced``)."""
    regs = w.regs

    def arg(a: Arg, floats: bool) -> tuple[Pieces, Any]:
        if isinstance(a, int) and a in items:
            return (f"r{regs[items[a][0]]}[{items[a][1]}]",), ()
        return w.arg(a, floats)  # type: ignore[no-any-return]
    texts = returned(w.prog, arg, w.seen, ints)
    reads = tuple(regs[items[o][0] if o in items else o]
                  for o in w.prog.outputs if isinstance(o, int))
    return spliced(w.prog, texts, items, regs), reads


def single_lanes(prog: Program) -> Program:
    """``prog`` with each list of a vector's lanes read for one lane only read as that lane.

    ``tolist(v)[k]`` of a vector of 337 lanes makes 337 floats for one:
    ``v.item(k)`` is the same Python number. The unused list is left for
    ``dce``.
    """
    uses = use_counts(prog)
    lists = {e.out: e.args[0] for e in prog.eqns if e.prim is tolist and uses.get(e.out) == 1
             and type(e.args[0]) is int and type(e.ans) is list and e.ans
             and type(e.ans[0]) in (float, bool, int)}        # lanes of a 1-d vector
    if not lists:
        return prog
    eqns = [Eqn(lane, e.out, (lists[e.args[0]], e.args[1]), e.ans)
            if e.prim is item and e.args[0] in lists else e for e in prog.eqns]
    return prog._replace(eqns=tuple(eqns))
