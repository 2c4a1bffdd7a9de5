"""vmap's axes: ``in_axes`` and ``out_axes`` as prefixes of the arguments and outputs.

Each leaf gets its batch axis (an int, or None for a leaf every example
shares); the batch size is read from the batched leaves, and a
disagreement is an error naming the arguments' paths.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import tree
from ..tracing import arg_path_name
from ..treedef import _node_type

__all__ = ["BATCHED", "example_call"]

BATCHED = object()   # in ``shared``: an output that differs between examples


def _leaf_axes(fun: Callable[..., Any], axes_tree: Any, args: Any) -> list[int | None]:
    """The batch axis of every leaf: ``in_axes`` as a prefix of the arguments."""
    if len(axes_tree[0]) != len(args[0]):
        raise ValueError(
            f"vmap: in_axes has {len(axes_tree[0])} entries, but {_name(fun)} was called "
            f"with {len(args[0])} positional argument(s); give in_axes one entry per "
            "positional argument (None for one every example shares), or one int for all.")

    def mismatch(path: tuple[Any, ...], axes: str, arg: str) -> Exception:
        return ValueError(
            f"vmap: in_axes at {arg_path_name(fun, path)} has the structure {axes}, but that "
            f"argument is {arg}; in_axes must be a prefix of the arguments: give an int or None "
            "there, or a container of the argument's structure (a tuple is not a list).")
    out: list[int | None] = []
    for (path, _), axis in zip(tree.flatten_with_path(args)[0],
                               _broadcast_prefix(axes_tree, args, mismatch)):
        if axis is not None and (not isinstance(axis, int) or isinstance(axis, bool)):
            raise TypeError(f"vmap: in_axes at {arg_path_name(fun, path)} is {axis!r}; give an "
                            "int or None.")
        out.append(axis)
    return out


class _NoAxis:
    """``None`` in ``in_axes``/``out_axes``: a leaf there (a pytree's None is empty)."""


def _axes_leaves(prefix: Any) -> Any:
    """``prefix`` with each None a leaf, in containers of every kind (registered ones too)."""
    if prefix is None:
        return _NoAxis()
    entry = _node_type(prefix)[1]
    if entry is None:
        return prefix
    children, aux = entry.flatten(prefix)
    return entry.unflatten(aux, [_axes_leaves(c) for c in children])


def _name(fun: Callable[..., Any]) -> str:
    return getattr(fun, "__name__", "the function")


def _broadcast_prefix(prefix: Any, full: Any,
                      mismatch: Callable[[tuple[Any, ...], str, str], Exception]) -> list[Any]:
    """One entry of ``prefix`` per leaf of ``full`` (``prefix`` a prefix of it)."""
    marked = _axes_leaves(prefix)
    leaves, td = tree.flatten(marked)
    subtrees = tree._flatten_up_to(td, full, "vmap", mismatch)
    return [None if isinstance(a, _NoAxis) else a
            for a, sub in zip(leaves, subtrees) for _ in tree.leaves(sub)]


def _batch_size(fun: Callable[..., Any], leaves: list[Any], axes: list[int | None],
                treedef: Any) -> int:
    found = {_size(x, a) for x, a in zip(leaves, axes) if a is not None}
    if len(found) == 1 and -1 not in found:     # the fast pass: no paths unless they disagree
        return found.pop()
    sizes = {}
    for x, a, p in zip(leaves, axes, treedef.key_paths()):
        if a is not None:
            shape = np.shape(x)
            if _size(x, a) < 0:
                raise _no_axis_error(fun, x, a, p, list(zip(treedef.key_paths(), leaves)))
            sizes[arg_path_name(fun, p)] = shape[a]
    if not sizes:
        raise ValueError("vmap: no argument is batched; give in_axes an int somewhere.")
    if len(set(sizes.values())) > 1:
        listed = ", ".join(f"{p} has {s}" for p, s in sizes.items())
        raise ValueError(f"vmap: the batched arguments disagree on the batch size: {listed} "
                         "(along their in_axes). Give them the same size, or in_axes=None "
                         "to an argument every example shares.")
    return next(iter(sizes.values()))


def _no_axis_error(fun: Callable[..., Any], x: Any, axis: int, path: Any,
                   every: list[tuple[Any, Any]]) -> Exception:
    """The error for a leaf that ``in_axes`` maps over an axis it does not have.

    ``every``: each leaf of the arguments with its path.
    """
    where, positional = arg_path_name(fun, path), getattr(path[0], "idx", 0) == 0
    fix = ("give in_axes=None there if every example shares it" if positional else
           "keyword arguments are mapped over axis 0, as in JAX: pass it positionally "
           "with in_axes=None, or bind it with functools.partial, if every example shares it")
    if not _is_numeric(x):
        inside = (" (in_axes may mirror the argument's structure with None at this leaf, "
                  "in_axes=({'w': 0, 'name': None},) for a dict argument, or pass the leaf "
                  "as an argument of its own)" if positional and len(path) > 2 else "")
        return ValueError(f"vmap: {where} is a {type(x).__name__}, not a number or an array, "
                          f"so it has no axis {axis} to map over; {fix}{inside}.")
    fix += _items_hint(fun, path, every)
    return ValueError(f"vmap: in_axes says axis {axis} at {where}, but that argument has "
                      f"shape {np.shape(x)}; {fix}.")


def _items_hint(fun: Callable[..., Any], path: Any, every: list[tuple[Any, Any]]) -> str:
    """Where the leaf is an item of a list of numbers (or of like dicts): how to batch them."""
    k = next((k for k in range(2, len(path)) if isinstance(path[k], tree.SequenceKey)), None)
    if k is None:
        return ""
    items = [(p, x) for p, x in every if tuple(p[:k]) == tuple(path[:k])]
    if any(np.ndim(x) or not _is_numeric(x) for _, x in items):
        return ""                            # a tuple of an array and a float: no batch
    seq = arg_path_name(fun, path[:k])
    stack = (f"np.array({seq})" if all(len(p) == k + 1 for p, _ in items) else
             f"tg.tree.map(lambda *xs: np.stack(xs), *{seq})")
    return (f"; {seq} is a list or tuple, whose items are leaves of their own: vmap maps "
            "over an axis of each leaf, never over a list's items. To map over them, "
            f"stack them into arrays: {stack}")


def _is_numeric(x: Any) -> bool:
    """Whether ``x`` is a number or an array of numbers (a str, a function are not)."""
    if isinstance(x, str | bytes) or callable(x):
        return False
    try:
        return np.asarray(x).dtype.kind in "biufc"
    except Exception:                   # an array of another library: numbers
        return True


def _size(x: Any, axis: int) -> int:
    """The length of ``x`` along ``axis``, or -1 where it has no such axis."""
    shape = np.shape(x)
    return shape[axis] if -len(shape) <= axis < len(shape) else -1


_BATCHED = object()   # in ``shared``: an output that differs between examples


def _out_leaf_axes(out_axes: Any, out_def: Any, outs: list[Any], shared: list[Any],
                   fun: Callable[..., Any]) -> list[int | None]:
    """The batch axis of every output leaf: ``out_axes`` as a prefix of the output."""
    axes: list[int | None]
    if isinstance(out_axes, int) and not isinstance(out_axes, bool):
        axes = [out_axes] * len(outs)
    else:
        def mismatch(path: tuple[Any, ...], axes: str, out: str) -> Exception:
            where = tree.keystr(path) or "the output"
            return ValueError(
                f"vmap: out_axes at {where} has the structure {axes}, but {_name(fun)} "
                f"returns {out} there; out_axes must be a prefix of the output: give an int "
                "or None there, or a container of the output's structure.")
        axes = _broadcast_prefix(out_axes, tree.unflatten(out_def, outs), mismatch)
    for k, (a, o) in enumerate(zip(axes, outs)):
        if a is None:
            if shared[k] is BATCHED:
                where = tree.keystr(out_def.key_paths()[k]) or "the output"
                raise ValueError(
                    f"vmap: out_axes at {where} is None, but that output of "
                    f"{getattr(fun, '__name__', 'the function')} depends on the batch (it "
                    "differs between examples); give the axis to put the batch at (an int).")
            continue
        if not isinstance(a, int) or isinstance(a, bool):
            where = tree.keystr(out_def.key_paths()[k]) or "the output"
            raise TypeError(f"vmap: out_axes at {where} is {a!r}; give an int or None.")
        if not -o.ndim <= a < o.ndim:
            where = tree.keystr(out_def.key_paths()[k]) or "the output"
            raise ValueError(f"vmap: out_axes at {where} is {a!r}, but that output "
                             f"has shape {o.shape[1:]} per example; give an int from "
                             f"{-o.ndim} to {o.ndim - 1}, or None for an output every "
                             "example shares.")
    return axes


def example_call(fun: Callable[..., Any], args: Any, kwargs: Any) -> Any:
    """``fun`` on vmap's example; a shape error in it notes the example's shapes."""
    try:
        return fun(*args, **kwargs)
    except ValueError as e:
        _note_example_shapes(e, fun, (args, kwargs))
        raise


def _note_example_shapes(e: ValueError, fun: Callable[..., Any], example: Any) -> None:
    """A shape error inside a vmapped function: note the shapes of the example it ran on."""
    add_note = getattr(e, "add_note", None)              # Python 3.11 and later
    if add_note is None or not re.search(r"broadcast|shape|mismatch|aligned", str(e)):
        return
    leaves = tree.flatten_with_path(example)[0]
    shown = ", ".join(f"{arg_path_name(fun, p)} {np.shape(x)}" for p, x in leaves[:8])
    add_note(f"vmap ran {getattr(fun, '__name__', 'the function')} on one example, each "
             f"argument without its batch axis: {shown}{', ...' if len(leaves) > 8 else ''}.")
