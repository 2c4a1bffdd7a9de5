"""JAX's ``lax.cond`` and ``lax.switch``, for code written with them.

With a plain condition the chosen branch alone runs. With a traced one
(recorded by a transform) both branches run and ``tg.where`` selects their
results leaf by leaf, as JAX's ``cond`` does under ``vmap``: no guard is
recorded, so ``jit`` needs one specialization for both outcomes, ``vmap``
keeps the batch whole, and ``cond`` works inside a loop body (which may not
branch in Python). The branch not taken gets a zero cotangent, which
contributes exactly zero (a ``nan`` there does not reach the gradient).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import tree
from .kinks import where
from .values import Traced, primal_value, shape_of

__all__ = ["cond", "switch"]


def _scalar(x: Any, what: str, name: str) -> None:
    if shape_of(x) != ():
        raise TypeError(f"{what}: {name} must be a scalar (a bool or a number), got shape "
                        f"{shape_of(x)}; for an elementwise choice use tg.where.")


def _strong_dtype(x: Any) -> np.dtype[Any] | None:
    """A NumPy value's dtype; None for a Python number (weak: it takes the other's)."""
    value = primal_value(x)
    return None if type(value) in (bool, int, float) else np.asarray(value).dtype


def _select(what: str, pred: Any, a: Any, b: Any) -> Any:
    """``a`` where ``pred`` holds, else ``b``, leaf by leaf (same structure and shapes)."""
    (a_leaves, a_def), (b_leaves, b_def) = tree.flatten(a), tree.flatten(b)
    if a_def != b_def:
        raise TypeError(f"{what}: the branches return different structures, {a_def} and "
                        f"{b_def}; return the same structure from each branch.")
    for x, y in zip(a_leaves, b_leaves):
        if shape_of(x) != shape_of(y):
            raise TypeError(f"{what}: the branches return shapes {shape_of(x)} and "
                            f"{shape_of(y)} at the same place; return the same shapes.")
        dx, dy = _strong_dtype(x), _strong_dtype(y)
        if dx is not None and dy is not None and dx != dy:
            raise TypeError(f"{what}: the branches return dtypes {dx} and {dy} at the same "
                            "place; with a traced condition both run and one result must "
                            "serve either outcome, as jax.lax's requires: cast one (.astype).")
    return tree.unflatten(a_def, [where(pred, x, y) for x, y in zip(a_leaves, b_leaves)])


def cond(pred: Any, true_fun: Callable[..., Any], false_fun: Callable[..., Any],
         *operands: Any) -> Any:
    """``true_fun(*operands)`` if ``pred`` else ``false_fun(*operands)``, as ``jax.lax.cond``.

    Args:
      pred: A scalar: a bool, or a number (nonzero is true); traced or not.
      true_fun: The branch taken where ``pred`` holds.
      false_fun: The other branch.
      *operands: The branches' arguments.

    Returns:
      The chosen branch's result (with a traced ``pred``: both branches run
      and ``tg.where`` selects, leaf by leaf).

    Raises:
      TypeError: if ``pred`` is not a scalar (an array of conditions is an
        elementwise choice: ``tg.where``), or, with a traced ``pred``, the
        branches return different structures, shapes or dtypes.

    Examples:
      >>> import tapegrad as tg
      >>> f = lambda x: tg.cond(x > 0, lambda y: y ** 2, lambda y: -y, x)
      >>> f(3.0), f(-2.0), tg.grad(f)(3.0), tg.grad(f)(-2.0)
      (9.0, 2.0, 6.0, -1.0)
    """
    _scalar(pred, "cond", "pred")
    if type(pred) is not Traced:
        return true_fun(*operands) if pred != 0 else false_fun(*operands)
    return _select("cond", pred != 0, true_fun(*operands), false_fun(*operands))


def switch(index: Any, branches: Sequence[Callable[..., Any]], *operands: Any) -> Any:
    """``branches[index](*operands)``, ``index`` clamped into range, as ``jax.lax.switch``.

    Args:
      index: A scalar integer (a float is truncated toward zero, as JAX's
        conversion does); traced or not.
      branches: The functions to choose from (at least one).
      *operands: Their arguments.

    Returns:
      The chosen branch's result (with a traced ``index``: every branch runs
      and ``tg.where`` selects, leaf by leaf).

    Raises:
      ValueError: if ``branches`` is empty.
      TypeError: if ``index`` is not a scalar, or, with a traced ``index``,
        the branches return different structures, shapes or dtypes.

    Examples:
      >>> import tapegrad as tg
      >>> fs = [lambda x: x + 1.0, lambda x: x * 10.0, lambda x: -x]
      >>> [tg.switch(i, fs, 2.0) for i in (-5, 0, 1, 2, 9)]
      [3.0, 3.0, 20.0, -2.0, -2.0]
    """
    if len(branches) == 0:
        raise ValueError("switch: branches must hold at least one function.")
    _scalar(index, "switch", "index")
    if not isinstance(index, Traced):
        k: int = int(index)
        return branches[min(max(k, 0), len(branches) - 1)](*operands)
    traced: Any = index                 # compared by logic.py's operators on Traced
    out = branches[-1](*operands)
    for k in range(len(branches) - 2, -1, -1):          # index < k + 1: branch k or before
        out = _select("switch", traced < k + 1, branches[k](*operands), out)
    return out
