"""Arrays made from a traced array's shape: ``zeros_like`` and kin, copies, grids.

``np.zeros_like(x)`` of a traced ``x`` is a constant (its value never depends
on ``x``'s, so it has no derivative); ``np.copy(x)`` and ``np.real(x)`` are
``x`` itself (tapegrad's numbers are real and immutable). ``broadcast_arrays``
and ``meshgrid`` are ``broadcast_to`` of reshaped inputs, so the gradient sums
the copies. NumPy's names dispatch here on traced values.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .arrays import astype
from .kinks import where
from .numpy_dispatch import functions
from .reshaping import moveaxis
from .shapes import broadcast_to
from .shapes import reshape as reshape_to
from .values import Traced, primal_value, shape_of

__all__ = ["broadcast_arrays", "copy", "empty_like", "full_like", "imag", "linspace",
           "meshgrid", "ones_like", "real", "zeros_like"]

Number = Any
Shape = int | tuple[int, ...] | None


def _dtype_of(a: Any) -> np.dtype[Any]:
    v = primal_value(a)
    return v.dtype if isinstance(v, np.ndarray | np.generic) else np.asarray(v).dtype


def _like(a: Any, dtype: Any, shape: Shape) -> tuple[tuple[int, ...], np.dtype[Any]]:
    shape = shape_of(a) if shape is None else (shape,) if isinstance(shape, int) else shape
    return tuple(shape), np.dtype(_dtype_of(a) if dtype is None else dtype)


def zeros_like(a: Number, dtype: Any = None, shape: Shape = None) -> np.ndarray:
    """NumPy's ``zeros_like``: zeros of ``a``'s shape and dtype, a constant.

    Args:
      a: A number or an array (traced or not); only its shape and dtype are read.
      dtype: The result's dtype (``a``'s by default).
      shape: The result's shape (``a``'s by default).

    Returns:
      A NumPy array of zeros (no derivative flows through it).

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.zeros_like(np.ones(2, np.float32))
      array([0., 0.], dtype=float32)
    """
    return np.zeros(*_like(a, dtype, shape))


def ones_like(a: Number, dtype: Any = None, shape: Shape = None) -> np.ndarray:
    """NumPy's ``ones_like``: ones of ``a``'s shape and dtype, a constant.

    Args:
      a: A number or an array (traced or not); only its shape and dtype are read.
      dtype: The result's dtype (``a``'s by default).
      shape: The result's shape (``a``'s by default).

    Returns:
      A NumPy array of ones (no derivative flows through it).

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.ones_like(np.zeros(2))
      array([1., 1.])
    """
    return np.ones(*_like(a, dtype, shape))


def empty_like(a: Number, dtype: Any = None, shape: Shape = None) -> np.ndarray:
    """NumPy's ``empty_like``: an array of ``a``'s shape and dtype (zeros here).

    Args:
      a: A number or an array (traced or not); only its shape and dtype are read.
      dtype: The result's dtype (``a``'s by default).
      shape: The result's shape (``a``'s by default).

    Returns:
      A NumPy array of zeros: NumPy leaves it uninitialized; zeros make every
      transform agree.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.empty_like(np.ones((1, 2))).shape
      (1, 2)
    """
    return zeros_like(a, dtype, shape)


def full_like(a: Number, fill_value: Number, dtype: Any = None, shape: Shape = None) -> Any:
    """NumPy's ``full_like``: ``fill_value`` everywhere, in ``a``'s shape and dtype.

    Args:
      a: A number or an array (traced or not); only its shape and dtype are read.
      fill_value: The value (traced or not: then the result carries its derivative).
      dtype: The result's dtype (``a``'s by default).
      shape: The result's shape (``a``'s by default).

    Returns:
      The filled array.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.grad(lambda c: tg.sum(tg.full_like(np.ones(3), c)))(2.0)
      3.0
    """
    shape, dt = _like(a, dtype, shape)
    if type(fill_value) is not Traced:
        return np.full(shape, fill_value, dtype=dt)
    if dt.kind != "f":
        raise TypeError(f"full_like: a traced fill_value in an array of {dt} would lose "
                        "its derivative; give a float dtype (dtype=float).")
    if _dtype_of(fill_value) != dt:
        fill_value = astype(fill_value, dt)
    return broadcast_to(fill_value, shape)


def copy(a: Number, order: str = "K") -> Number:
    """NumPy's ``copy``: ``a`` itself (a traced value is immutable).

    Args:
      a: A number or an array (traced or not).
      order: Ignored (tapegrad's arrays are C-ordered).

    Returns:
      ``a`` (a copy of a NumPy array).

    Examples:
      >>> import tapegrad as tg
      >>> tg.grad(lambda x: tg.copy(x) * 3.0)(1.0)
      3.0
    """
    return a if type(a) is Traced else np.copy(a)


def real(val: Number) -> Number:
    """NumPy's ``real``: ``val`` itself (tapegrad's numbers are real).

    Args:
      val: A number or an array (traced or not).

    Returns:
      ``val``.

    Examples:
      >>> import tapegrad as tg
      >>> tg.real(2.0)
      2.0
    """
    return val if type(val) is Traced else np.real(val)


def imag(val: Number) -> Any:
    """NumPy's ``imag``: zeros of ``val``'s shape (tapegrad's numbers are real).

    Args:
      val: A number or an array (traced or not).

    Returns:
      Zeros of ``val``'s shape and dtype, a constant.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.imag(np.ones(2))
      array([0., 0.])
    """
    return zeros_like(val)


# ------------------------------------------------------------- broadcasting
def broadcast_arrays(*args: Number) -> tuple[Any, ...]:
    """NumPy's ``broadcast_arrays``: each argument broadcast to their common shape.

    Args:
      *args: Numbers or arrays (traced or not).

    Returns:
      A tuple of arrays of one shape; each gradient sums its copies.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> [a.shape for a in tg.broadcast_arrays(np.ones(2), np.ones((3, 1)))]
      [(3, 2), (3, 2)]
    """
    shape = np.broadcast_shapes(*(shape_of(a) for a in args))
    return tuple(a if shape_of(a) == shape else broadcast_to(a, shape) for a in args)


def meshgrid(*xi: Number, copy: bool = True, sparse: bool = False,
             indexing: str = "xy") -> tuple[Any, ...]:
    """NumPy's ``meshgrid``: coordinate arrays from coordinate vectors.

    Args:
      *xi: 1-D arrays (traced or not); others are flattened, as in NumPy.
      copy: Ignored (a traced value is immutable).
      sparse: Return the reshaped vectors without broadcasting them.
      indexing: ``"xy"`` (Cartesian: the first two axes swapped) or ``"ij"`` (matrix).

    Returns:
      A tuple of arrays, one per input.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> [g.shape for g in tg.meshgrid(np.ones(2), np.ones(3))]
      [(3, 2), (3, 2)]
    """
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: indexing must be 'xy' or 'ij', not {indexing!r}.")
    n = len(xi)
    sizes = [int(np.prod(shape_of(x))) for x in xi]
    out = []
    for k, x in enumerate(xi):
        shape = [1] * n
        shape[k] = sizes[k]
        if indexing == "xy" and n > 1 and k < 2:
            shape[0], shape[1] = shape[1], shape[0]
        out.append(reshape_to(x, tuple(shape)))
    if sparse:
        return tuple(out)
    full = list(sizes)
    if indexing == "xy" and n > 1:
        full[0], full[1] = full[1], full[0]
    return tuple(broadcast_to(g, tuple(full)) for g in out)


def linspace(start: Number, stop: Number, num: int = 50, endpoint: bool = True,
             retstep: bool = False, dtype: Any = None, axis: int = 0) -> Any:
    """NumPy's ``linspace``: ``num`` evenly spaced numbers from ``start`` to ``stop``.

    Computed as NumPy computes it (``start + i * step``, the last one
    ``stop`` itself), so the numbers are NumPy's; a traced ``start`` or
    ``stop`` (a learned time horizon, say) carries its derivative.

    Args:
      start: The first number (a number or an array, traced or not).
      stop: The last number, or the first past the end if not ``endpoint``.
      num: How many numbers.
      endpoint: Whether ``stop`` is the last one.
      retstep: Also return the step.
      dtype: A float dtype for the result (NumPy's by default).
      axis: Where the new axis goes when ``start`` or ``stop`` is an array.

    Returns:
      The numbers, or ``(numbers, step)`` with ``retstep``.

    Examples:
      >>> import tapegrad as tg
      >>> tg.grad(lambda T: tg.sum(tg.linspace(0.0, T, 5)))(2.0)
      2.5
    """
    num = int(num)
    if num < 0:
        raise ValueError(f"Number of samples, {num}, must be non-negative.")
    if dtype is not None and np.dtype(dtype).kind != "f":
        raise TypeError("linspace: tapegrad makes float numbers only; take np.floor(...)"
                        ".astype(int) of them for integers.")
    div = num - 1 if endpoint else num
    dt = np.result_type(primal_value(start), primal_value(stop), float(num))
    delta = stop - start
    y = np.arange(num, dtype=dt).reshape((-1,) + (1,) * len(shape_of(delta)))
    step = delta / div if div > 0 else np.nan
    y = (y * step if div > 0 else y * delta) + start
    if endpoint and num > 1:
        last = (np.arange(num) == num - 1).reshape(shape_of(y)[:1] + (1,) * (len(shape_of(y)) - 1))
        y = where(last, stop, y)
    if axis != 0:
        y = moveaxis(y, 0, axis)
    y = y if dtype is None else astype(y, dtype)
    return (y, step) if retstep else y


# ------------------------------------------- NumPy's names on traced values
_LIKE = ("dtype", "shape", "order", "subok")
functions.update({
    np.zeros_like: (lambda a, dtype=None, order="K", subok=True, shape=None:
                    zeros_like(a, dtype, shape), _LIKE),
    np.ones_like: (lambda a, dtype=None, order="K", subok=True, shape=None:
                   ones_like(a, dtype, shape), _LIKE),
    np.empty_like: (lambda a, dtype=None, order="K", subok=True, shape=None:
                    empty_like(a, dtype, shape), _LIKE),
    np.full_like: (lambda a, fill_value, dtype=None, order="K", subok=True, shape=None:
                   full_like(a, fill_value, dtype, shape), ("fill_value", *_LIKE)),
    np.copy: (lambda a, order="K", subok=False: copy(a), ("order", "subok")),
    np.real: (real, ()), np.imag: (imag, ()),
    np.broadcast_arrays: (lambda *args, subok=False: broadcast_arrays(*args), ("subok",)),
    np.meshgrid: (meshgrid, ("copy", "sparse", "indexing")),
    np.linspace: (linspace, ("num", "endpoint", "retstep", "dtype", "axis")),
})

Traced.real = property(lambda self: self)        # type: ignore[attr-defined]
Traced.imag = property(imag)                     # type: ignore[attr-defined]
