"""``vmap`` over arrays of another library (PyTorch, CuPy, array-api-strict...).

The NumPy machinery of ``interpret`` (a program played on a whole batch,
batches split at guards) is NumPy's own; for another library's arrays vmap
runs ``fun`` once per example, with tapegrad's indexing and ``stack``, so
that it is right under any outer transform too, and every example stays in
its library and on its device. Each guard of a user's ``if`` is then one
check per example, as in eager Python.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import tree
from ..arrays import stack
from ..backends import foreign, like
from ..values import primal_value, shape_of

__all__ = ["is_foreign", "run"]


def is_foreign(leaves: list[Any]) -> bool:
    """Whether a leaf is an array of a library other than NumPy (traced or not)."""
    return foreign(*map(primal_value, leaves)) is not None


def _example(x: Any, i: int, axis: int) -> Any:
    return x[(slice(None),) * axis + (i, Ellipsis)]


def run(fun: Callable[..., Any], leaves: list[Any], axes: list[Any], treedef: Any,
        out_axes: Any) -> Any:
    """``fun`` mapped over the batch of ``leaves`` (axes per leaf): one call per example."""
    sizes = {shape_of(x)[a] for x, a in zip(leaves, axes) if a is not None}
    if len(sizes) != 1:
        raise ValueError(f"vmap: the mapped axes have sizes {sorted(sizes)}; they must "
                         "have one size (the batch).")
    n = sizes.pop()
    if n == 0:
        raise ValueError("vmap: a batch of size 0 of non-NumPy arrays; give at least one "
                         "example.")
    results = []
    for i in range(n):
        ex = [_example(x, i, a) if a is not None else x for x, a in zip(leaves, axes)]
        args, kwargs = tree.unflatten(treedef, ex)
        results.append(tree.flatten(fun(*args, **kwargs)))
    out_def = results[0][1]
    if not isinstance(out_axes, int | None):
        raise TypeError("vmap: on non-NumPy arrays out_axes must be one int or None for "
                        f"every output, got {out_axes!r}.")
    ref = next(primal_value(x) for x in leaves if foreign(primal_value(x)) is not None)
    xp = foreign(ref)
    outs = []
    for k in range(len(results[0][0])):
        column = [r[0][k] for r in results]
        if out_axes is None:
            outs.append(column[0])
            continue
        column = [o if foreign(primal_value(o)) is not None else like(xp, o, ref)
                  for o in column]
        outs.append(stack(column, axis=out_axes))
    return tree.unflatten(out_def, outs)
