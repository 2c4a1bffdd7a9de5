"""NumPy's tensor products on traced values, and the solves built on them.

``tensordot``, ``inner``, ``outer``, ``trace``, ``linalg.multi_dot``,
``linalg.tensorsolve`` and ``linalg.tensorinv``. Each is a composite of
``matmul`` (or ``solve``, ``inv``), ``transpose``, ``reshape`` and indexing,
so every transform of it comes from theirs.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .arrays import astype, matmul, stack
from .diagonals import diagonal
from .indexing import getitem
from .layouts import blas_operand
from .matrix import inv, solve
from .numpy_dispatch import functions
from .ops import mul
from .primitive import Primitive, defjvp, defvjp, primitive
from .reductions import sum as _sum
from .reshaping import _shape, ravel
from .shapes import reshape as reshape_to
from .shapes import transpose
from .values import Traced, numpy_made, primal_value, shape_of

__all__ = ["dot", "inner", "multi_dot", "outer", "tensordot", "tensorinv", "tensorsolve", "trace"]

Number = Any


def _as_axes(what: str, axes: Any, nd: int) -> list[int]:
    items = [axes] if isinstance(axes, int | np.integer) else list(axes)
    out = []
    for a in items:
        if not -nd <= int(a) < nd:
            raise np.exceptions.AxisError(f"{what}: axis {a} is out of range for an array "
                                          f"of {nd} axes.")
        out.append(int(a) % nd)
    return out


def _dot_operands(a: Number, b: Number) -> tuple[Number, Number]:
    """``a`` and ``b`` as ``np.dot`` hands them to BLAS: of one float dtype, no negative stride.

    ``np.matmul`` of a float32 and a float64 array casts in its own loop, and sums
    a reversed view there too: both round apart from ``np.dot``'s products.
    """
    da, db = (np.asarray(primal_value(x)).dtype for x in (a, b))
    if da != db and da.kind == "f" and db.kind == "f":
        wide = np.promote_types(da, db)
        a, b = (x if d == wide else astype(x, wide) for x, d in ((a, da), (b, db)))
    return blas_operand(a), blas_operand(b)


def _dot_nd(a: Any, b: Any) -> Any:
    return np.dot(a, b)


def _dot_vjp_a(g: Any, ans: Any, a: Any, b: Any) -> Any:
    nb = len(shape_of(b))
    b_axes = [i for i in range(nb) if i != max(nb - 2, 0)]     # all but the summed one
    start = len(shape_of(a)) - 1
    return tensordot(g, b, (list(range(start, start + len(b_axes))), b_axes))


def _dot_vjp_b(g: Any, ans: Any, a: Any, b: Any) -> Any:
    lead = list(range(len(shape_of(a)) - 1))
    gb = tensordot(a, g, (lead, lead))                     # (k, *b's other axes)
    nb = len(shape_of(b))
    if nb <= 2:
        return gb
    return transpose(gb, tuple(range(1, nb - 1)) + (0, nb - 1))   # k back before the last


dot_nd_p: Primitive = primitive(_dot_nd, "dot", check_rules=False)
"""``np.dot`` where an operand has more than two axes: NumPy takes one BLAS inner product
per element there, which rounds apart from ``matmul``'s matrix products."""
defvjp(dot_nd_p, _dot_vjp_a, _dot_vjp_b)
defjvp(dot_nd_p, lambda t, ans, a, b: dot_nd_p(t, b), lambda t, ans, a, b: dot_nd_p(a, t))


def _holds(x: Any) -> bool:
    return type(x) is Traced or type(x) in (list, tuple) and any(_holds(v) for v in x)


def _listed(x: Any) -> Any:
    """A list or tuple that holds traced values as NumPy's array of it: the values stacked."""
    if type(x) in (list, tuple) and _holds(x):
        return stack([_listed(v) for v in x])
    return x


def dot(a: Number, b: Number) -> Number:
    """NumPy's ``dot``: a product for scalars, an inner product for vectors.

    Matrix products for 2-D operands; for N-D, a sum over the last axis of
    ``a`` and the second-to-last of ``b``.

    Args:
      a: A number or an array (traced or not).
      b: Likewise.

    Returns:
      ``np.dot(a, b)``, differentiably.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.dot(np.array([1.0, 2.0]), np.array([3.0, 4.0]))
      11.0
      >>> tg.grad(lambda x: tg.dot(x, x))(np.array([1.0, 2.0]))
      array([2., 4.])
    """
    a, b = _listed(a), _listed(b)
    sa, sb = shape_of(a), shape_of(b)
    if not sa or not sb:        # a Python number is a 0-d array to np.dot: not a weak one
        return np.multiply(*(np.asarray(v) if type(v) in (int, float) else numpy_made(v)
                             for v in (a, b)))
    a, b = _dot_operands(a, b)
    if len(sa) > 2 or len(sb) > 2:
        return dot_nd_p(a, b)
    return matmul(a, b)


def tensordot(a: Number, b: Number, axes: Any = 2) -> Number:
    """NumPy's ``tensordot``: sums of products over the named axes of ``a`` and ``b``.

    Args:
      a: An array (traced or not).
      b: Likewise.
      axes: An int ``N`` (the last ``N`` axes of ``a`` with the first ``N`` of
        ``b``), or two sequences (or ints) of axes, pairwise.

    Returns:
      ``a``'s other axes, then ``b``'s; computed as one matrix product.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.tensordot(np.ones((2, 3)), np.ones((3, 4)), axes=1).shape
      (2, 4)
    """
    sa, sb = _shape(a), _shape(b)
    if isinstance(axes, int | np.integer):
        if axes < 0 or axes > min(len(sa), len(sb)):
            raise ValueError(f"tensordot: axes={axes} is more axes than the shapes {sa} and "
                             f"{sb} have, or negative.")
        ia, ib = list(range(len(sa) - int(axes), len(sa))), list(range(int(axes)))
    else:
        first, second = axes
        ia, ib = _as_axes("tensordot", first, len(sa)), _as_axes("tensordot", second, len(sb))
    if len(ia) != len(ib) or any(sa[i] != sb[j] for i, j in zip(ia, ib)):
        raise ValueError(f"tensordot: shape-mismatch for sum: axes {ia} of {sa} and {ib} of "
                         f"{sb} do not pair up.")
    fa = [i for i in range(len(sa)) if i not in ia]
    fb = [j for j in range(len(sb)) if j not in ib]
    k = int(np.prod([sa[i] for i in ia]))
    pa, pb = fa + ia, ib + fb
    a2 = reshape_to(transpose(a, pa) if pa != sorted(pa) else a,
                    (int(np.prod([sa[i] for i in fa])), k))
    b2 = reshape_to(transpose(b, pb) if pb != sorted(pb) else b,
                    (k, int(np.prod([sb[j] for j in fb]))))
    ab = matmul(*_dot_operands(a2, b2))         # np.dot's operands, as NumPy's
    return reshape_to(ab, tuple(sa[i] for i in fa) + tuple(sb[j] for j in fb))


def inner(a: Number, b: Number) -> Number:
    """NumPy's ``inner``: sums of products over the last axes of ``a`` and ``b``.

    Args:
      a: A number or an array (traced or not).
      b: Likewise; a number scales the other.

    Returns:
      ``a.shape[:-1] + b.shape[:-1]``; a float for two vectors.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.inner(np.array([1.0, 2.0]), np.array([3.0, 4.0]))
      11.0
    """
    sa, sb = _shape(a), _shape(b)
    if not sa or not sb:         # a product, by a strong 0-d array as np.dot's
        return dot(a, b)
    if len(sa) > 2 or len(sb) > 2:      # NumPy's: dot with b's last two axes swapped
        swapped = tuple(range(len(sb) - 2)) + (len(sb) - 1, len(sb) - 2) if len(sb) > 1 else (0,)
        return dot(a, transpose(b, swapped))
    return tensordot(a, b, ([len(sa) - 1], [len(sb) - 1]))


def outer(a: Number, b: Number) -> Number:
    """NumPy's ``outer``: every product of an element of ``a`` with one of ``b``.

    Args:
      a: A number or an array (traced or not), flattened.
      b: Likewise.

    Returns:
      A matrix of ``a.size`` rows and ``b.size`` columns.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.outer(np.array([1.0, 2.0]), np.array([1.0, 10.0]))
      array([[ 1., 10.],
             [ 2., 20.]])
    """
    return mul(reshape_to(ravel(a), (-1, 1)), reshape_to(ravel(b), (1, -1)))


def trace(a: Number, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Number:
    """NumPy's ``trace``: the sum of a diagonal.

    Args:
      a: An array of at least two axes (traced or not).
      offset: Which diagonal: above the main one when positive, below when negative.
      axis1: The rows' axis.
      axis2: The columns' axis.

    Returns:
      A float for a matrix; else the other axes' array of sums.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.grad(lambda A: tg.trace(A @ A))(np.array([[1.0, 2.0], [3.0, 4.0]]))
      array([[2., 6.],
             [4., 8.]])
    """
    return _sum(diagonal(a, offset, axis1, axis2), axis=-1)


def multi_dot(arrays: Any) -> Any:
    """NumPy's ``linalg.multi_dot``: a chain of matrix products, cheapest order first.

    The order is NumPy's (the matrix-chain costs of the shapes), so the
    numbers are NumPy's; a 1-D first (last) array is a row (column) vector.

    Args:
      arrays: A sequence of at least two arrays (traced or not), all 2-D but
        the first and the last, which may be 1-D.

    Returns:
      The product: an array, or a float when both ends are 1-D.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> A = np.arange(6.0).reshape(2, 3)
      >>> tg.grad(lambda x: tg.linalg.multi_dot([x, A, A.T, x]))(np.ones(2))   # 2 A A^T x
      array([ 38., 128.])
    """
    arrays = list(arrays)
    if len(arrays) < 2:
        raise ValueError("multi_dot: expecting at least two arrays.")
    if len(arrays) == 2:
        return matmul(arrays[0], arrays[1])
    first, last = len(shape_of(arrays[0])), len(shape_of(arrays[-1]))
    if first == 1:
        arrays[0] = reshape_to(arrays[0], (1, -1))
    if last == 1:
        arrays[-1] = reshape_to(arrays[-1], (-1, 1))
    if any(len(shape_of(a)) != 2 for a in arrays):
        raise ValueError("multi_dot: the arrays between the first and the last must be 2-D.")
    dims = [shape_of(a)[0] for a in arrays] + [shape_of(arrays[-1])[1]]
    out = _chain(arrays, _chain_order(dims), 0, len(arrays) - 1)
    if first == 1 and last == 1:
        return getitem(out, (0, 0))
    return reshape_to(out, (-1,)) if first == 1 or last == 1 else out


def _chain_order(p: list[int]) -> list[list[int]]:
    """Where to split each sub-chain ``i..j``: NumPy's matrix-chain order (same ties)."""
    n = len(p) - 1
    if n == 3:         # NumPy's _multi_dot_three: (AB)C only when strictly cheaper
        ab_c = p[0] * p[2] * (p[1] + p[3])
        a_bc = p[1] * p[3] * (p[0] + p[2])
        return [[0, 0, 0 if ab_c >= a_bc else 1], [0, 0, 1], [0, 0, 0]]
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = -1
            for k in range(i, j):
                q = cost[i][k] + cost[k + 1][j] + p[i] * p[k + 1] * p[j + 1]
                if cost[i][j] < 0 or q < cost[i][j]:
                    cost[i][j], split[i][j] = q, k
    return split


def _chain(arrays: list[Any], split: list[list[int]], i: int, j: int) -> Any:
    if i == j:
        return arrays[i]
    k = split[i][j]
    return matmul(_chain(arrays, split, i, k), _chain(arrays, split, k + 1, j))


def tensorsolve(a: Number, b: Number, axes: Any = None) -> Number:
    """NumPy's ``linalg.tensorsolve``: ``x`` with ``tensordot(a, x, x.ndim) == b``.

    Args:
      a: The coefficients; ``a.shape[:b.ndim]`` and the rest hold as many elements.
      b: The right-hand side.
      axes: Axes of ``a`` moved to the end first, as NumPy's.

    Returns:
      ``x`` of shape ``a.shape[b.ndim:]``, by NumPy's formula (``solve`` of the
      square reshape).

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.linalg.tensorsolve(2.0 * np.eye(4).reshape(2, 2, 2, 2), np.ones((2, 2)))
      array([[0.5, 0.5],
             [0.5, 0.5]])
    """
    shape = _shape(a)
    if axes is not None:
        order = [k for k in range(len(shape)) if k not in _as_axes("tensorsolve", axes,
                                                                   len(shape))]
        a = transpose(a, tuple(order + _as_axes("tensorsolve", axes, len(shape))))
        shape = _shape(a)
    old = shape[len(_shape(b)):]
    n = int(np.prod(old))
    if int(np.prod(shape)) != n * n:
        raise np.linalg.LinAlgError("linalg.tensorsolve: prod(a.shape[b.ndim:]) must equal "
                                    f"prod(a.shape[:b.ndim]); a has shape {shape}.")
    return reshape_to(solve(reshape_to(a, (n, n)), ravel(b)), old)


def tensorinv(a: Number, ind: int = 2) -> Number:
    """NumPy's ``linalg.tensorinv``: the inverse of ``a`` read as a map on its first ``ind`` axes.

    Args:
      a: An array with ``prod(a.shape[:ind]) == prod(a.shape[ind:])``.
      ind: How many leading axes are the map's input (a positive int).

    Returns:
      Shape ``a.shape[ind:] + a.shape[:ind]``, by NumPy's formula (``inv``).

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.linalg.tensorinv(2.0 * np.eye(4).reshape(4, 2, 2), ind=1).shape
      (2, 2, 4)
    """
    if not isinstance(ind, int | np.integer) or ind <= 0:
        raise ValueError("Invalid ind argument.")
    shape = _shape(a)
    n = int(np.prod(shape[ind:]))
    return reshape_to(inv(reshape_to(a, (n, -1))), shape[ind:] + shape[:ind])


functions.update({
    np.linalg.multi_dot: (multi_dot, ()),
    np.linalg.tensorsolve: (tensorsolve, ("axes",)),
    np.linalg.tensorinv: (tensorinv, ("ind",)),
    np.tensordot: (tensordot, ("axes",)), np.dot: (dot, ()),
    np.inner: (inner, ()), np.outer: (outer, ()),
    np.trace: (trace, ("offset", "axis1", "axis2")),
})


def _trace_method(self: Traced, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Number:
    return trace(self, offset, axis1, axis2)


Traced.trace = _trace_method                       # type: ignore[attr-defined]
Traced.dot = lambda self, b: numpy_made(dot(self, b))            # type: ignore
