"""What a lowered program returns: its outputs, copied where the caller could alias them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..backends import foreign
from .program import Arg, Const, Program
from .source import Pieces

__all__ = ["returned"]


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
