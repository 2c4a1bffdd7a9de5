"""Arrays made from a traced array's shape: ``zeros_like`` and kin, copies, grids.

``np.zeros_like(x)`` of a traced ``x`` is a new traced array with no
derivative (its value never depends on ``x``'s), which a program may write
into (``d = np.zeros_like(y); d[0] = y[1]``, ``writes.py``); ``np.copy(x)`` of a traced array is a
``copy`` record (a new array, which ``y[i] = v`` may write into), ``np.real(x)``
is ``x`` itself (tapegrad's numbers are real), and so are
``real_if_close``, ``tg.require`` and ``tg.asarray_chkfinite`` (whose check
is a guard; NumPy's two convert with ``asarray`` and have no dispatch, so
only tapegrad's names take traced values); ``angle`` of a real number is
``arctan2(0, x)``, a step with no derivative. ``broadcast_arrays``
and ``meshgrid`` are ``broadcast_to`` of reshaped inputs, so the gradient sums
the copies. NumPy's names dispatch here on traced values.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .arrays import astype
from .complexes import complex_part, is_complex_traced
from .elementary import arctan2, isfinite
from .kinks import stop_gradient
from .numpy_dispatch import functions
from .predicates import all as tg_all
from .shapes import broadcast_to
from .shapes import reshape as reshape_to
from .values import Traced, primal_value, shape_of
from .writes import filled, traced_copy

__all__ = ["angle", "asarray_chkfinite", "broadcast_arrays", "copy", "empty_like",
           "full_like", "imag", "meshgrid", "ones_like", "real", "real_if_close", "require",
           "zeros_like"]

Number = Any
Shape = int | tuple[int, ...] | None


def _dtype_of(a: Any) -> np.dtype[Any]:
    v = primal_value(a)
    return v.dtype if isinstance(v, np.ndarray | np.generic) else np.asarray(v).dtype


def _like(a: Any, dtype: Any, shape: Shape) -> tuple[tuple[int, ...], np.dtype[Any]]:
    shape = shape_of(a) if shape is None else (shape,) if isinstance(shape, int) else shape
    return tuple(shape), np.dtype(_dtype_of(a) if dtype is None else dtype)


def _made_like(a: Any, fill: Any, dtype: Any, shape: Shape) -> Any:
    """``fill`` in ``a``'s shape and dtype: NumPy's array, or for a traced ``a`` a traced one.

    Traced (a record with no derivative), so that a program can write into it
    (``d = np.zeros_like(y); d[0] = y[1]``); under vmap batched as ``a`` is.
    """
    shape, dt = _like(a, dtype, shape)
    return filled(a, fill, dt, shape) if type(a) is Traced else np.full(shape, fill, dt)


def zeros_like(a: Number, dtype: Any = None, shape: Shape = None) -> Any:
    """NumPy's ``zeros_like``: zeros of ``a``'s shape and dtype.

    Args:
      a: A number or an array (traced or not); only its shape and dtype are read.
      dtype: The result's dtype (``a``'s by default).
      shape: The result's shape (``a``'s by default).

    Returns:
      A NumPy array of zeros; of a traced ``a``, a traced array of zeros with no
      derivative, to write into (``d[0] = y``).

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.zeros_like(np.ones(2, np.float32))
      array([0., 0.], dtype=float32)
    """
    return _made_like(a, 0, dtype, shape)


def ones_like(a: Number, dtype: Any = None, shape: Shape = None) -> Any:
    """NumPy's ``ones_like``: ones of ``a``'s shape and dtype.

    Args:
      a: A number or an array (traced or not); only its shape and dtype are read.
      dtype: The result's dtype (``a``'s by default).
      shape: The result's shape (``a``'s by default).

    Returns:
      A NumPy array of ones; of a traced ``a``, a traced array of ones with no
      derivative, to write into.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.ones_like(np.zeros(2))
      array([1., 1.])
    """
    return _made_like(a, 1, dtype, shape)


def empty_like(a: Number, dtype: Any = None, shape: Shape = None) -> Any:
    """NumPy's ``empty_like``: an array of ``a``'s shape and dtype (zeros here).

    Args:
      a: A number or an array (traced or not); only its shape and dtype are read.
      dtype: The result's dtype (``a``'s by default).
      shape: The result's shape (``a``'s by default).

    Returns:
      Zeros, as ``zeros_like`` gives them: NumPy leaves it uninitialized;
      zeros make every transform agree.

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
      np.float64(3.0)
    """
    shape, dt = _like(a, dtype, shape)
    if type(fill_value) is not Traced:
        return filled(a, fill_value, dt, shape) if type(a) is Traced else np.full(shape,
                                                                               fill_value, dt)
    if dt.kind != "f":
        raise TypeError(f"full_like: a traced fill_value in an array of {dt} would lose "
                        "its derivative; give a float dtype (dtype=float).")
    if _dtype_of(fill_value) != dt:
        fill_value = astype(fill_value, dt)
    return traced_copy(broadcast_to(fill_value, shape))     # a new array, not a view


def copy(a: Number, order: Any = "K") -> Number:
    """NumPy's ``copy``: a new array (``a.copy()``), which ``y[i] = v`` may write into.

    Args:
      a: A number or an array (traced or not).
      order: NumPy's: the copy's memory layout ("K", the default, keeps
        ``a``'s; "F" is column-major), which ``ravel(order="K")`` reads.

    Returns:
      A copy of ``a`` (a number: itself).

    Examples:
      >>> import tapegrad as tg
      >>> tg.grad(lambda x: tg.copy(x) * 3.0)(1.0)
      3.0
    """
    return traced_copy(a, order) if type(a) is Traced else np.copy(a, order=order)


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
    if type(val) is Traced:
        return complex_part("real", val) if is_complex_traced(val) else val
    return np.real(val)


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
    return complex_part("imag", val) if is_complex_traced(val) else zeros_like(val)


def angle(z: Number, deg: bool = False) -> Number:
    """NumPy's ``angle`` of a real number: ``arctan2(0, z)``, 0 or pi (and its sign of 0).

    Args:
      z: A number or an array (traced or not); tapegrad's numbers are real.
      deg: In degrees rather than radians.

    Returns:
      0 where ``z >= +0.0``, pi where ``z < 0`` or ``z`` is ``-0.0``; zero derivative.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.angle(np.array([2.0, -1.0]), deg=True)
      array([  0., 180.])
    """
    if is_complex_traced(z):
        return complex_part("angle_deg" if deg else "angle", z)
    # NumPy's imaginary part of real data is the Python int 0: int8 data gives float16
    zero = 0.0 if np.result_type(primal_value(z)).kind == "f" else 0
    a = stop_gradient(arctan2(zero, z))      # a step: no derivative, even at 0
    return a * (180 / np.pi) if deg else a


def real_if_close(a: Number, tol: float = 100) -> Number:
    """NumPy's ``real_if_close``: ``a`` itself (tapegrad's numbers are real).

    Args:
      a: A number or an array (traced or not).
      tol: Ignored: there is no imaginary part to compare with it.

    Returns:
      ``a``.

    Examples:
      >>> import tapegrad as tg
      >>> tg.grad(lambda x: tg.real_if_close(x) * 2.0)(1.0)
      2.0
    """
    return a if type(a) is Traced else np.real_if_close(a, tol)


def require(a: Number, dtype: Any = None, requirements: Any = None) -> Number:
    """NumPy's ``require``: ``a``, cast to ``dtype`` where given.

    Args:
      a: A number or an array (traced or not).
      dtype: The dtype to cast to, or None to keep ``a``'s.
      requirements: Memory layout flags (``"C"``, ``"W"``...): a traced value
        meets each already (immutable, C-ordered), so they are ignored.

    Returns:
      ``a``, or ``a.astype(dtype)``.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.require(np.ones(2), np.float32, "C").dtype
      dtype('float32')
    """
    if type(a) is not Traced:
        return np.require(a, dtype, requirements)
    return a if dtype is None or np.dtype(dtype) == _dtype_of(a) else astype(a, dtype)


def asarray_chkfinite(a: Number, dtype: Any = None, order: Any = None) -> Number:
    """NumPy's ``asarray_chkfinite``: ``a``, after checking that it holds no inf or nan.

    The check is a Python ``if`` on a traced boolean, so it is a guard: a
    replayed tape (``tg.jit``) checks it at every call rather than keeping
    the answer seen when it was recorded.

    Args:
      a: A number or an array (traced or not).
      dtype: The dtype to cast to, or None to keep ``a``'s.
      order: NumPy's: the copy's memory layout ("K", the default, keeps
        ``a``'s; "F" is column-major), which ``ravel(order="K")`` reads.

    Returns:
      ``a``, or ``a.astype(dtype)``.

    Raises:
      ValueError: NumPy's, where ``a`` holds an inf or a nan.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.grad(lambda x: tg.asarray_chkfinite(x) * 2.0)(1.0)
      2.0
    """
    if type(a) is not Traced:
        return np.asarray_chkfinite(a, dtype, order)
    if not tg_all(isfinite(a)):
        raise ValueError("array must not contain infs or NaNs")
    return require(a, dtype)


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
    np.copy: (lambda a, order="K", subok=False: copy(a, order), ("order", "subok")),
    np.real: (real, ()), np.imag: (imag, ()), np.angle: (angle, ("deg",)),
    np.real_if_close: (real_if_close, ("tol",)),
    np.broadcast_arrays: (lambda *args, subok=False: broadcast_arrays(*args), ("subok",)),
    np.meshgrid: (meshgrid, ("copy", "sparse", "indexing")),
})

Traced.real = property(real)                     # type: ignore[attr-defined]
Traced.imag = property(imag)                     # type: ignore[attr-defined]
