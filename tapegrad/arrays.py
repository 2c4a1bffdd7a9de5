"""Array operations: products, joins and integer data (indexing: ``indexing.py``).

Each is a primitive (or a composition of them) with NumPy's semantics, a
reverse and a forward rule written with tapegrad primitives (so they
differentiate again), a batching rule beside it where it has one and, like every
primitive, a lowering as a call of its implementation. Indices, shapes and
axes are constants of the record: a shape never depends on a traced value.

The derivative of an index scatters: ``index_add`` adds the cotangent into
zeros of the input's shape, so repeated indices (``x[[0, 0, 1]]``) add up.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from . import indexing
from .backend_rules import np_dtype as _np_dtype
from .backend_rules import xp_round as _xp_round
from .backends import array_api_impls, by_name, call, foreign
from .batching.rules import batch_rules
from .indexing import getitem
from .numpy_tables import functions, ufuncs
from .ops import div, neg
from .primitive import Primitive, defjvp, defpartials, defvjp, primitive
from .shapes import (
    _bad_axis,
    _data,
    _dtype,
    _is_float_array,
    _scalar,
    last_two_swapped,
    reshape_p,
    sum_like,
    transpose_p,
)
from .staging.spellings import Spelling, spellings
from .values import Traced, as_numpy_float, numpy_made, primal_value, shape_of

__all__ = ["astype", "concatenate", "floordiv", "matmul", "mod", "rounding", "stack"]

Number = Any


# ----------------------------------------------------------------- products
def _matmul(a: Any, b: Any) -> Any:
    if (type(a) is not np.ndarray or type(b) is not np.ndarray) and foreign(a, b) is not None:
        return call(matmul_p, a, b)
    r = np.matmul(a, b)
    return r if r.ndim else _scalar(r)


matmul_p: Primitive = primitive(_matmul, "matmul", elementwise=True, check_rules=False)
array_api_impls[matmul_p] = lambda xp, a, b: xp.matmul(a, b)


def _mT(x: Any) -> Any:
    return transpose_p(x, last_two_swapped(len(shape_of(x))))   # a permutation: no checks


def _unbroadcast(c: Any, x: Any) -> Any:
    """``c`` summed to ``x``'s shape: no record where the shapes already agree."""
    return c if shape_of(c) == shape_of(x) else sum_like(c, x)


defvjp(matmul_p, lambda g, ans, a, b: _unbroadcast(matmul_p(g, _mT(b)), a),
       lambda g, ans, a, b: _unbroadcast(matmul_p(_mT(a), g), b))
defjvp(matmul_p, lambda t, ans, a, b: matmul_p(t, b), lambda t, ans, a, b: matmul_p(a, t))
spellings[matmul_p] = Spelling(array=lambda values, ans: "({0} @ {1})" if _is_float_array(values[0])
                               and _is_float_array(values[1]) and type(ans) is np.ndarray else None)


def matmul(a: Number, b: Number) -> Number:
    """NumPy's ``matmul`` (the ``@`` operator): matrix products, batched.

    A 1-D operand is a row (left) or a column (right) vector, its axis then
    removed, as in NumPy; leading axes broadcast.

    Args:
      a: An array of at least one axis (traced or not).
      b: Likewise.

    Returns:
      The product; a float for two vectors.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> W, v = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([1.0, -1.0])
      >>> tg.matmul(W, v)
      array([-1., -1.])
      >>> tg.grad(lambda v: tg.sum(W @ tg.tanh(v)))(np.zeros(2))
      array([4., 6.])
    """
    sa, sb = shape_of(a), shape_of(b)
    if not sa or not sb:
        raise ValueError(f"matmul: an operand is a scalar (shapes {sa} and {sb}); use * "
                         "for a scalar product, or tg.dot.")
    if sa[-1] != sb[-2 if len(sb) > 1 else 0]:
        raise ValueError(f"matmul: shapes {sa} and {sb} do not line up: the last axis of "
                         "the first must match the second-to-last (or only) axis of the "
                         "second.")
    a2 = reshape_p(a, (1,) + sa) if len(sa) == 1 else a
    b2 = reshape_p(b, sb + (1,)) if len(sb) == 1 else b
    out = matmul_p(a2, b2)
    if len(sa) == 1 or len(sb) == 1:
        shape = shape_of(out)
        keep = shape[:-2] + (() if len(sa) == 1 else shape[-2:-1]) + (
            () if len(sb) == 1 else shape[-1:])
        out = reshape_p(out, keep)
    return out


# -------------------------------------------------------------------- joins
_CONCATS: dict[int, Primitive] = {}


def _concat_prim(n: int) -> Primitive:
    """The concatenation of ``n`` arrays (and an axis): one primitive per arity."""
    prim = _CONCATS.get(n)
    if prim is not None:
        return prim

    def impl(*args: Any) -> Any:
        *xs, axis = args
        if foreign(*xs) is not None:
            return call(prim, *args)
        return np.concatenate([_data(x) for x in xs], axis=axis)
    impl.__name__ = "concatenate"
    prim = primitive(impl, "concatenate", check_rules=False)
    array_api_impls[prim] = lambda xp, *args: xp.concat(list(args[:-1]), axis=args[-1])

    defvjp(prim, *[_concat_vjp(k) for k in range(n)], None)
    defjvp(prim, *[_concat_jvp(k, n) for k in range(n)], None)
    batch_rules[prim] = _batched_concatenate
    _CONCATS[n] = prim
    return prim


def _concat_vjp(k: int) -> Any:
    """The cotangent of piece ``k``: its slice of ``g``."""
    def vjp(g: Any, ans: Any, *args: Any) -> Any:
        *xs, axis = args
        start = sum([shape_of(x)[axis] for x in xs[:k]])
        idx = (slice(None),) * axis + (slice(start, start + shape_of(xs[k])[axis]),)
        return getitem(g, idx)
    return vjp


def _concat_jvp(k: int, n: int) -> Any:
    """The tangent of piece ``k`` of ``n``: ``t`` between zeros.

    Past three pieces the zeros before it and after it are one block each: a tangent
    is a concatenation of three pieces, not of ``n`` (the same numbers: a block of
    zeros is the zeros of its pieces).
    """
    def jvp(t: Any, ans: Any, *args: Any) -> Any:
        *xs, axis = args
        dtype = _dtype(ans)
        if n <= 3:
            parts = [t if j == k else np.zeros(shape_of(x), dtype=dtype)
                     for j, x in enumerate(xs)]
            return _concat_prim(n)(*parts, axis)
        shape = shape_of(ans)
        before = sum([shape_of(x)[axis] for x in xs[:k]])
        after = shape[axis] - before - shape_of(xs[k])[axis]
        zeros = [np.zeros(shape[:axis] + (m,) + shape[axis + 1:], dtype=dtype)
                 for m in (before, after)]
        return _concat_prim(3)(zeros[0], t, zeros[1], axis)
    return jvp


def _batched_concatenate(e: Any, values: list[Any], batched: list[bool], n: int) -> Any:
    *xs, axis = values
    parts = [_data(v) if b else np.broadcast_to(_data(v), (n,) + np.shape(v))
             for v, b in zip(xs, batched)]
    return np.concatenate(parts, axis=axis + 1)


def concatenate(xs: Sequence[Number], axis: int | None = 0) -> Number:
    """NumPy's ``concatenate``: arrays joined along an existing axis.

    Args:
      xs: A non-empty sequence of arrays (traced or not) of one rank.
      axis: The axis to join along, or None to flatten each first.

    Returns:
      The joined array; each input's gradient is its slice of the cotangent.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.concatenate([np.ones(2), np.zeros(1)])
      array([1., 1., 0.])
    """
    items = list(xs)
    if not items:
        raise ValueError("concatenate: got no arrays; pass at least one.")
    if axis is None:              # NumPy's: each flattened, then joined
        items, axis = [reshape_p(x, (-1,)) for x in items], 0
    shapes = [shape_of(x) for x in items]
    if any(not s for s in shapes):
        raise ValueError("concatenate: a float has no axis to join along; use tg.stack "
                         "for numbers.")
    nd = len(shapes[0])
    if any(len(s) != nd for s in shapes):
        raise ValueError(f"concatenate: the arrays have different ranks {shapes}.")
    ax = axis % nd if -nd <= axis < nd else _bad_axis("concatenate", axis, nd)
    if any(s[:ax] + s[ax + 1:] != shapes[0][:ax] + shapes[0][ax + 1:] for s in shapes):
        raise ValueError(f"concatenate: shapes {shapes} differ off axis {axis}.")
    if len(items) == 1:
        return items[0]
    return _concat_prim(len(items))(*items, ax)


def stack(xs: Sequence[Number], axis: int = 0) -> Number:
    """NumPy's ``stack``: numbers of one shape joined along a new axis.

    Of traced floats too: the way to build an array from scalars.

    Args:
      xs: A non-empty sequence of numbers of one shape.
      axis: Where the new axis goes in the result.

    Returns:
      An array with one more axis than the items.

    Examples:
      >>> import tapegrad as tg
      >>> tg.grad(lambda a, b: tg.sum(tg.stack([a, b * b])))(1.0, 3.0)
      1.0
    """
    items = list(xs)
    if not items:
        raise ValueError("stack: got no numbers; pass at least one.")
    shapes = {shape_of(x) for x in items}
    if len(shapes) > 1:
        raise ValueError(f"stack: the numbers have different shapes {sorted(shapes)}.")
    shape = shapes.pop()
    nd = len(shape) + 1
    ax = axis % nd if -nd <= axis < nd else _bad_axis("stack", axis, nd)
    new = shape[:ax] + (1,) + shape[ax:]
    return concatenate([reshape_p(x, new) for x in items], ax)


# ------------------------------------------------------------ integer data
# Rounding and casts to integers are piecewise constant: their derivative is
# zero (no rule: no cotangent or tangent flows through them), as in JAX. The
# integers they give are data, usable as an index in every transform.
def _rounding(np_fn: Any, name: str) -> Primitive:
    def impl(x: Any, *decimals: Any) -> Any:
        if type(x) is not np.ndarray and foreign(x) is not None:
            return call(prim, x, *decimals)
        r = np_fn(x, *decimals)
        return float(r) if type(x) is float or type(x) is int else _scalar(r)
    impl.__name__ = name
    prim = primitive(impl, name, elementwise=True, check_rules=False)
    xp_name = {"rint": "round", "_np_round": "round"}.get(np_fn.__name__, np_fn.__name__)
    array_api_impls[prim] = lambda xp, x, decimals=0: _xp_round(xp, xp_name, x, decimals)
    defvjp(prim, None, None)
    defjvp(prim, None, None)
    return prim


def _np_round(x: Any, decimals: int = 0) -> Any:
    return np.round(x, decimals)


floor: Primitive = _rounding(np.floor, "floor")
ceil: Primitive = _rounding(np.ceil, "ceil")
trunc: Primitive = _rounding(np.trunc, "trunc")
rint: Primitive = _rounding(np.rint, "rint")
round_p: Primitive = _rounding(_np_round, "round")
rounding = {np.floor: floor, np.ceil: ceil, np.trunc: trunc, np.rint: rint, np.fix: trunc}


def _astype(x: Any, dtype: Any) -> Any:
    if type(x) is not np.ndarray and foreign(x) is not None:
        return call(astype_p, x, dtype)
    if type(x) is np.ndarray:
        return x.astype(dtype)                  # a 0-d array stays one, as NumPy's astype
    return _scalar(np.asarray(x).astype(dtype))


def _floats(x: Any) -> bool:
    return _np_dtype(x).kind == "f"


astype_p: Primitive = primitive(_astype, "astype", elementwise=True, check_rules=False)
# A cast between floats carries the derivative (cast back); to or from ints or bools, none.
defvjp(astype_p, lambda g, ans, x, dtype: astype_p(g, _np_dtype(x))
       if _floats(x) and _floats(ans) else None, None)
defjvp(astype_p, lambda t, ans, x, dtype: astype_p(t, _np_dtype(ans))
       if _floats(x) and _floats(ans) else None, None)
array_api_impls[astype_p] = lambda xp, x, dtype: xp.astype(x, getattr(xp, np.dtype(dtype).name))
_F64 = np.dtype(np.float64)
as_numpy_float[0] = lambda x: astype_p(x, _F64)     # what NumPy makes: np.float64, not float
indexing.as_int_index[0] = lambda x: astype_p(x, np.dtype(np.int64))   # a jit int argument


def astype(x: Number, dtype: Any, copy: bool = True) -> Number:
    """NumPy's ``x.astype(dtype)`` of a traced value.

    A cast to an integer dtype (``int``, ``np.int32``, ``np.uint8``...) gives
    integer data with no derivative, usable as an index in every transform;
    a cast between float dtypes keeps the derivative.

    Args:
      x: A number or an array (traced or not).
      dtype: Any dtype NumPy's ``astype`` takes.
      copy: False: an array of that dtype already is ``x`` itself, as NumPy's.

    Returns:
      ``x`` as ``dtype`` (a NumPy scalar for a float's cast to an integer).

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> f = lambda x: tg.sum(x * x[np.floor(x).astype(int)])   # x[[1, 0]]
      >>> tg.grad(f)(np.array([1.5, 0.2]))
      array([0.4, 3. ])
    """
    dtype = np.dtype(dtype)
    if dtype.kind not in "fiub":
        raise TypeError(f"astype: tapegrad differentiates real numbers only; {dtype} is "
                        "not one. Cast to a float, int or bool dtype.")
    value = primal_value(x)
    if not copy and type(value) is np.ndarray and value.dtype == dtype:
        return x                        # NumPy's: the array itself, which a write changes
    return astype_p(x, dtype)


def _plain(x: Any) -> bool:
    return type(x) is float or type(x) is int


def _mod(a: Any, b: Any) -> Any:
    if _plain(a) and _plain(b) and b:
        return a % b
    if (type(a) is not np.ndarray or type(b) is not np.ndarray) and foreign(a, b) is not None:
        return call(mod, a, b)
    r = np.mod(a, b)
    return float(r) if _plain(a) and _plain(b) else r


def _floordiv(a: Any, b: Any) -> Any:
    if _plain(a) and _plain(b) and b:
        return a // b
    if (type(a) is not np.ndarray or type(b) is not np.ndarray) and foreign(a, b) is not None:
        return call(floordiv, a, b)
    r = np.floor_divide(a, b)
    return float(r) if _plain(a) and _plain(b) else r


# ``%`` and ``//`` as NumPy has them (the sign of the divisor; integers stay
# integers): index arithmetic such as a wrap around the edge, np.mod(i, n).
mod: Primitive = primitive(_mod, "mod", elementwise=True, check_rules=False)
floordiv: Primitive = primitive(_floordiv, "floordiv", elementwise=True, check_rules=False)
array_api_impls[mod] = by_name("remainder")
array_api_impls[floordiv] = by_name("floor_divide")
defpartials(mod, 1.0, lambda ans, a, b: neg(floor(div(a, b))))   # a - b * floor(a / b)
defpartials(floordiv, None, None)                                # piecewise constant

# ------------------------------------------- the NumPy methods on Traced
Traced.__matmul__ = lambda self, b: numpy_made(matmul(self, b))  # type: ignore
Traced.__rmatmul__ = lambda self, a: numpy_made(matmul(a, self))  # type: ignore
_astype_method: Any = lambda self, dtype, order="K", casting="unsafe", subok=True, copy=True: \
    astype(self, dtype, copy)
Traced.astype = _astype_method  # type: ignore
Traced.round = lambda self, decimals=0: round_p(self, decimals)  # type: ignore
Traced.__mod__, Traced.__rmod__ = mod.apply2, mod.rapply2                    # type: ignore
Traced.__floordiv__, Traced.__rfloordiv__ = floordiv.apply2, floordiv.rapply2  # type: ignore

# ------------------------------------------------- NumPy's names for them
ufuncs.update({
    np.matmul: matmul, np.floor: floor, np.ceil: ceil, np.trunc: trunc,
    np.rint: rint,   # integer-valued, zero derivative: .astype(int) makes an index
    np.remainder: mod, np.floor_divide: floordiv,
})
functions.update({
    np.matmul: (matmul, ()),
    np.stack: (stack, ("axis",)),   # np.concatenate: joins.py (lists inside)
    np.round: (lambda a, decimals=0: round_p(a, int(decimals)), ("decimals",)),
    np.around: (lambda a, decimals=0: round_p(a, int(decimals)), ("decimals",)),
    np.fix: (trunc, ()), np.astype: (astype, ("copy",)),
})
