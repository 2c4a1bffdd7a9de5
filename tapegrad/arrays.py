"""Array operations: indexing, products, shapes and joins.

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

from .batching.rules import batch_rules, example, per_example
from .ops import div, neg
from .primitive import Primitive, defjvp, defpartials, defvjp, primitive
from .reductions import reshape, sum_like
from .staging.spellings import Spelling, spellings
from .values import Traced, float_array, primal_value, shape_of

__all__ = [
    "astype", "broadcast_to", "concatenate", "dot", "floordiv", "gather", "getitem",
    "index_add", "matmul", "mod", "reshape_to", "rounding", "scatter_add", "stack", "take",
    "transpose",
]

Number = Any


def _scalar(r: Any) -> Any:
    """A 0-d result as a scalar: a Python float for float64, as tapegrad's floats are."""
    if isinstance(r, np.ndarray) and r.ndim == 0:
        r = r[()]
    return float(r) if type(r) is np.float64 else r


def _dtype(x: Any) -> Any:
    """The float dtype of a number, traced or not."""
    d = np.asarray(primal_value(x)).dtype
    return d if d.kind == "f" else np.dtype(float)


def _is_float_array(v: Any) -> bool:
    """A float array (the branch of an impl its array spelling writes)."""
    return type(v) is np.ndarray and v.dtype.kind == "f"


# ----------------------------------------------------------------- indexing
def _data(x: Any) -> np.ndarray:
    """An array to index: integer data stays integer, any other number is floats."""
    a = np.asarray(x)
    return a if a.dtype.kind in "iu" else float_array(a)


def _getitem(x: Any, idx: Any) -> Any:
    return _scalar(_data(x)[idx])


def _index_add(g: Any, x: Any, idx: Any) -> Any:
    """Zeros of ``x``'s shape with ``g`` added at ``idx`` (repeats add up)."""
    z = np.zeros(shape_of(x), dtype=np.result_type(float_array(x).dtype, np.asarray(g).dtype))
    if _basic(idx):
        z[idx] += g          # no element twice: the same sums as np.add.at, faster
    else:
        np.add.at(z, idx, g)
    return z


def _basic(idx: Any) -> bool:
    """An index of ints, slices, None and ``...`` only: it names no element twice."""
    parts = idx if type(idx) is tuple else (idx,)
    return all(type(p) is int or type(p) is slice or p is None or p is Ellipsis
               for p in parts)


getitem: Primitive = primitive(_getitem, "getitem", check_rules=False)
index_add: Primitive = primitive(_index_add, "index_add", check_rules=False)
defvjp(getitem, lambda g, ans, x, idx: index_add(g, x, idx), None)
defjvp(getitem, lambda t, ans, x, idx: getitem(t, idx), None)
defvjp(index_add, lambda c, ans, g, x, idx: getitem(c, idx), None, None)
defjvp(index_add, lambda t, ans, g, x, idx: index_add(t, x, idx), None, None)
spellings[getitem] = Spelling(array=lambda values, ans: "{0}[{1}]" if _is_float_array(values[0])
                              and type(ans) is np.ndarray else None)


def _batch_index(idx: Any) -> tuple[Any, ...] | None:
    """``idx`` behind a batch axis, or None where NumPy would move the advanced axes."""
    parts = idx if isinstance(idx, tuple) else (idx,)
    if not any(isinstance(p, np.ndarray) for p in parts):
        return (slice(None),) + parts            # basic: the batch axis stays first
    fancy = [k for k, p in enumerate(parts)      # with an array, an int is advanced too
             if isinstance(p, np.ndarray | np.integer | int) and not isinstance(p, bool)]
    if fancy != list(range(fancy[0], fancy[-1] + 1)):
        return None               # separated advanced indices: their axes go first
    return (slice(None),) + parts


def _batched_getitem(e: Any, values: list[Any], batched: list[bool], n: int) -> Any:
    idx = _batch_index(values[1])
    if idx is None or not batched[0]:
        return per_example(e, values, batched, n)
    return _data(values[0])[idx]


def _batched_index_add(e: Any, values: list[Any], batched: list[bool], n: int) -> Any:
    idx = _batch_index(values[2])
    if idx is None or not batched[0]:
        return per_example(e, values, batched, n)
    g = np.asarray(values[0])
    z = np.zeros((n,) + shape_of(e.ans), dtype=np.result_type(g.dtype, np.asarray(e.ans).dtype))
    np.add.at(z, idx, g)
    return z


batch_rules[getitem] = _batched_getitem
batch_rules[index_add] = _batched_index_add


# Indexing with traced integers (an int array argument under jit or vmap, or
# np.floor(x).astype(int)): a gather, as JAX's. The index's traced parts are
# arguments of the record, the rest of the index a constant template with a
# SLOT where each traced part goes; the derivative scatters (adds) into zeros.
class _Slot:
    """Where a traced part of an index goes in the template."""

    def __repr__(self) -> str:
        return "#"


SLOT = _Slot()
_MAX_PARTS = 64          # NumPy's most axes: more traced parts than that cannot index


def _fill(template: tuple[Any, ...], parts: tuple[Any, ...]) -> tuple[Any, ...]:
    it = iter(parts)
    return tuple(next(it) if p is SLOT else p for p in template)


def _gather(x: Any, template: tuple[Any, ...], *parts: Any) -> Any:
    return _getitem(x, _fill(template, parts))


def _scatter_add(g: Any, x: Any, template: tuple[Any, ...], *parts: Any) -> Any:
    return _index_add(g, x, _fill(template, parts))


gather: Primitive = primitive(_gather, "gather", check_rules=False)
scatter_add: Primitive = primitive(_scatter_add, "scatter_add", check_rules=False)
_NONE = (None,) * (_MAX_PARTS + 1)
defvjp(gather, lambda g, ans, x, tpl, *parts: scatter_add(g, x, tpl, *parts), *_NONE)
defjvp(gather, lambda t, ans, x, tpl, *parts: gather(t, tpl, *parts), *_NONE)
defvjp(scatter_add, lambda c, ans, g, x, tpl, *parts: gather(c, tpl, *parts), *_NONE, None)
defjvp(scatter_add, lambda t, ans, g, x, tpl, *parts: scatter_add(t, x, tpl, *parts),
       *_NONE, None)


def _gather_key(template: tuple[Any, ...], parts: list[Any], batched: list[bool], n: int,
                batch_axis: bool) -> tuple[Any, ...] | None:
    """A gather's index for the whole batch, or None where NumPy would place it otherwise.

    Where the advanced entries (integer arrays and ints) of one example's index
    come first and side by side, their result axes come first: a batched part
    gets the batch axis in front of its example axes, and ``batch_axis`` puts
    ``arange(n)`` (broadcast against them) before the index for a batched array.
    """
    it = iter(zip(parts, batched))
    entries: list[tuple[Any, bool]] = [next(it) if p is SLOT else (p, False) for p in template]
    advanced = [isinstance(p, np.ndarray | np.integer | int) and not isinstance(p, bool)
                for p, _ in entries]
    count = advanced.count(True)
    if not count or advanced[:count] != [True] * count or any(
            isinstance(p, np.ndarray) and p.dtype == bool for p, _ in entries):
        return None
    rank = max(np.ndim(p) - b for p, b in entries[:count])
    key = [np.reshape(p, (n,) + (1,) * (rank + 1 - np.ndim(p)) + np.shape(p)[1:]) if b else p
           for p, b in entries]
    if batch_axis:
        key.insert(0, np.arange(n).reshape((n,) + (1,) * rank))
    return tuple(key)


def _batched_gather(e: Any, values: list[Any], batched: list[bool], n: int) -> Any:
    key = _gather_key(values[1], values[2:], batched[2:], n, batched[0])
    if key is None:
        return per_example(e, values, batched, n)
    return _data(values[0])[key]


def _batched_scatter_add(e: Any, values: list[Any], batched: list[bool], n: int) -> Any:
    key = _gather_key(values[2], values[3:], batched[3:], n, True)
    if key is None:
        return per_example(e, values, batched, n)
    g = np.asarray(values[0])
    shape = shape_of(e.ans)
    if batched[0]:               # (n, *example): the batch axis in front of the gathered axes
        first = _fill(values[2], tuple(example(v, 0) if b else v for v, b in
                                       zip(values[3:], batched[3:])))
        rank = np.ndim(np.broadcast_to(0.0, shape)[first])
        g = g.reshape((n,) + (1,) * (rank + 1 - g.ndim) + g.shape[1:])
    z = np.zeros((n,) + shape, dtype=np.result_type(g.dtype, np.asarray(e.ans).dtype))
    np.add.at(z, key, g)
    return z


batch_rules[gather] = _batched_gather
batch_rules[scatter_add] = _batched_scatter_add


def _integer(v: Any) -> bool:
    """Whether a traced index part's value is integer data (an int array or scalar)."""
    return isinstance(v, np.integer) or (isinstance(v, np.ndarray) and v.dtype.kind in "iu")


def _index(key: Any) -> tuple[Any, list[Traced]]:
    """A user's index as a constant NumPy accepts, and its traced integer parts.

    Where a part is traced, the constant has ``SLOT`` in its place.
    """
    parts = key if isinstance(key, tuple) else (key,)
    out = []
    traced = []
    for k in parts:
        if type(k) is Traced:
            v = primal_value(k)
            if np.asarray(v).dtype == bool:
                raise TypeError(
                    "indexing with a traced boolean mask (x[x > 0]) would make the "
                    "result's shape depend on a value; use tg.where(mask, x, 0.0) to keep "
                    "the shape, or a constant mask.")
            if not _integer(v):
                raise TypeError(
                    "indexing with a traced float: an index must be a constant or "
                    "integer data (an int array, passed as such, or "
                    "np.floor(x).astype(int)). "
                    "A Python int argument of tg.jit or tg.grad is traced as a number: "
                    "pass it as a NumPy int array, or in static_argnums to index with "
                    "its value.")
            traced.append(k)
            out.append(SLOT)
            continue
        if isinstance(k, list):
            k = np.asarray(k)
            if k.dtype.kind not in "iub":
                raise TypeError(f"an index list must hold ints or bools, not {k.dtype}.")
        out.append(k)
    if traced:
        return tuple(out), traced
    return (tuple(out) if isinstance(key, tuple) else out[0]), traced


def _traced_getitem(self: Traced, key: Any) -> Any:
    idx, traced = _index(key)
    if traced:
        return gather(self, idx, *traced)
    return getitem(self, idx)


def take(a: Any, indices: Any, axis: int | None = None) -> Any:
    """NumPy's ``take``: ``a[indices]`` along ``axis`` (flattened when None).

    The way to index a constant NumPy array with traced integers, which
    ``a[i]`` cannot do (NumPy would need the index's value).

    Args:
      a: An array (traced or not).
      indices: Integer data (traced or not).
      axis: The axis to take along, or None to take from the flattened array.

    Returns:
      The elements of ``a`` at ``indices``; the derivative scatters back.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> E = np.array([[1.0, 2.0], [3.0, 4.0]])
      >>> tg.jit(lambda i: tg.take(E, i, axis=0))(np.array([1, 1]))
      array([[3., 4.],
             [3., 4.]])
    """
    if axis is None:
        a = reshape_to(a, -1)
        axis = 0
    nd = len(shape_of(a))
    ax = int(axis) % nd if -nd <= int(axis) < nd else _bad_axis("take", axis, nd)
    key = (slice(None),) * ax + (indices,)
    if type(indices) is not Traced:
        return getitem(a, _index(key)[0])
    idx, traced = _index(key)
    return gather(a, idx, *traced)


def _traced_len(self: Traced) -> int:
    shape = self.shape
    if not shape:
        raise TypeError("len() of a traced float: it has no length.")
    return shape[0]


def _traced_iter(self: Traced) -> Any:
    return (getitem(self, i) for i in range(_traced_len(self)))


# ----------------------------------------------------------------- products
def _matmul(a: Any, b: Any) -> Any:
    r = np.matmul(a, b)
    return r if r.ndim else _scalar(r)


matmul_p: Primitive = primitive(_matmul, "matmul", elementwise=True, check_rules=False)


def _mT(x: Any) -> Any:
    nd = len(shape_of(x))
    return transpose(x, tuple(range(nd - 2)) + (nd - 1, nd - 2))


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
    a2 = reshape(a, (1,) + sa) if len(sa) == 1 else a
    b2 = reshape(b, sb + (1,)) if len(sb) == 1 else b
    out = matmul_p(a2, b2)
    if len(sa) == 1 or len(sb) == 1:
        shape = shape_of(out)
        keep = shape[:-2] + (() if len(sa) == 1 else shape[-2:-1]) + (
            () if len(sb) == 1 else shape[-1:])
        out = reshape(out, keep)
    return out


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
    sa, sb = shape_of(a), shape_of(b)
    if not sa or not sb:
        return a * b
    if len(sb) <= 2:
        return matmul(a, b)
    # N-D with M-D (M >= 3): b's second-to-last axis goes first, the rest flat
    k = sb[-2]
    moved = transpose(b, (len(sb) - 2,) + tuple(range(len(sb) - 2)) + (len(sb) - 1,))
    rest = sb[:-2] + sb[-1:]
    flat = matmul(reshape(a, (-1, k) if len(sa) > 1 else (1, k)),
                  reshape(moved, (k, int(np.prod(rest)))))
    return reshape(flat, sa[:-1] + rest)


# ------------------------------------------------------------------- shapes
def reshape_to(x: Number, shape: int | Sequence[int]) -> Number:
    """NumPy's ``reshape``: the same elements in a new shape (one ``-1`` allowed).

    Args:
      x: A number or an array.
      shape: The new shape; ``-1`` stands for what the other axes leave.

    Returns:
      The reshaped array (a float for shape ``()``).

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.reshape(np.arange(6.0), (2, -1)).shape
      (2, 3)
    """
    shape = (int(shape),) if isinstance(shape, int | np.integer) else tuple(
        int(s) for s in shape)
    size = int(np.prod(shape_of(x)))
    known = int(np.prod([s for s in shape if s != -1]))
    if shape.count(-1) > 1 or (shape.count(-1) and (known == 0 or size % known)) or (
            not shape.count(-1) and known != size):
        raise ValueError(f"reshape: cannot reshape an array of shape {shape_of(x)} "
                         f"({size} elements) into {shape}.")
    shape = tuple(size // known if s == -1 else s for s in shape)
    return x if shape == shape_of(x) and type(x) is not float else reshape(x, shape)


def _transpose(x: Any, axes: tuple[int, ...]) -> Any:
    if type(x) is np.ndarray and x.dtype.kind == "f":
        return x.transpose(axes)
    return np.transpose(_data(x), axes)


transpose_p: Primitive = primitive(_transpose, "transpose", check_rules=False)
defvjp(transpose_p, lambda g, ans, x, axes: transpose_p(g, tuple(np.argsort(axes).tolist())),
       None)
defjvp(transpose_p, lambda t, ans, x, axes: transpose_p(t, axes), None)
spellings[transpose_p] = Spelling(array=lambda values, ans: None if not _is_float_array(values[0])
                                  else "{0}.T" if tuple(values[1]) == (1, 0)
                                  else f"{{0}}.transpose({tuple(values[1])!r})")


def _batched_transpose(e: Any, values: list[Any], batched: list[bool], n: int) -> Any:
    return np.transpose(_data(values[0]), (0,) + tuple(a + 1 for a in values[1]))


batch_rules[transpose_p] = _batched_transpose


def transpose(x: Number, axes: Sequence[int] | None = None) -> Number:
    """NumPy's ``transpose``: axes reversed, or permuted as ``axes`` says.

    Args:
      x: An array (a float is its own transpose).
      axes: A permutation of ``range(x.ndim)``, or None to reverse.

    Returns:
      The array with its axes permuted.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.transpose(np.array([[1.0, 2.0]])).shape
      (2, 1)
    """
    nd = len(shape_of(x))
    if nd == 0:
        return x
    perm = tuple(range(nd))[::-1] if axes is None else tuple(
        int(a) % nd if -nd <= int(a) < nd else _bad_axis("transpose", a, nd) for a in axes)
    if sorted(perm) != list(range(nd)):
        raise ValueError(f"transpose: axes {tuple(axes or ())} are not a permutation of "
                         f"the {nd} axes.")
    return transpose_p(x, perm)


def _bad_axis(what: str, axis: Any, nd: int) -> int:
    raise ValueError(f"{what}: axis {axis} is out of range for an array of {nd} axes.")


def _broadcast_to(x: Any, shape: tuple[int, ...]) -> Any:
    return np.broadcast_to(_data(x), shape).copy()


broadcast_to_p: Primitive = primitive(_broadcast_to, "broadcast_to", check_rules=False)
defvjp(broadcast_to_p, lambda g, ans, x, shape: sum_like(g, x), None)
defjvp(broadcast_to_p, lambda t, ans, x, shape: broadcast_to_p(t, shape), None)


def _batched_broadcast_to(e: Any, values: list[Any], batched: list[bool], n: int) -> Any:
    v, shape = _data(values[0]), values[1]
    v = v.reshape((n,) + (1,) * (len(shape) + 1 - v.ndim) + v.shape[1:])
    return np.broadcast_to(v, (n,) + shape).copy()


batch_rules[broadcast_to_p] = _batched_broadcast_to


def broadcast_to(x: Number, shape: Sequence[int]) -> Number:
    """NumPy's ``broadcast_to``: ``x`` repeated to ``shape``.

    Args:
      x: A number or an array.
      shape: The target shape, compatible with ``x``'s by NumPy's rules.

    Returns:
      An array of ``shape``; its gradient sums back to ``x``'s shape.

    Examples:
      >>> import tapegrad as tg
      >>> tg.grad(lambda x: tg.sum(tg.broadcast_to(x, (2, 3))))(1.0)
      6.0
    """
    shape = (int(shape),) if isinstance(shape, int) else tuple(int(s) for s in shape)
    np.broadcast_shapes(shape_of(x), shape)    # NumPy's error if they do not fit
    return broadcast_to_p(x, shape)


# -------------------------------------------------------------------- joins
_CONCATS: dict[int, Primitive] = {}


def _concat_prim(n: int) -> Primitive:
    """The concatenation of ``n`` arrays (and an axis): one primitive per arity."""
    prim = _CONCATS.get(n)
    if prim is not None:
        return prim

    def impl(*args: Any) -> Any:
        *xs, axis = args
        return np.concatenate([_data(x) for x in xs], axis=axis)
    impl.__name__ = "concatenate"
    prim = primitive(impl, "concatenate", check_rules=False)

    def piece(k: int) -> Any:
        def vjp(g: Any, ans: Any, *args: Any) -> Any:
            *xs, axis = args
            start = int(np.sum([shape_of(x)[axis] for x in xs[:k]], dtype=int))
            idx = (slice(None),) * axis + (slice(start, start + shape_of(xs[k])[axis]),)
            return getitem(g, idx)

        def jvp(t: Any, ans: Any, *args: Any) -> Any:
            *xs, axis = args
            parts = [t if j == k else np.zeros(shape_of(x), dtype=_dtype(ans))
                     for j, x in enumerate(xs)]
            return prim(*parts, axis)
        return vjp, jvp
    rules = [piece(k) for k in range(n)]
    defvjp(prim, *[r[0] for r in rules], None)
    defjvp(prim, *[r[1] for r in rules], None)
    batch_rules[prim] = _batched_concatenate
    _CONCATS[n] = prim
    return prim


def _batched_concatenate(e: Any, values: list[Any], batched: list[bool], n: int) -> Any:
    *xs, axis = values
    parts = [_data(v) if b else np.broadcast_to(_data(v), (n,) + np.shape(v))
             for v, b in zip(xs, batched)]
    return np.concatenate(parts, axis=axis + 1)


def concatenate(xs: Sequence[Number], axis: int = 0) -> Number:
    """NumPy's ``concatenate``: arrays joined along an existing axis.

    Args:
      xs: A non-empty sequence of arrays (traced or not) of one rank.
      axis: The axis to join along.

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
    return concatenate([reshape(x, new) for x in items], ax)


# ------------------------------------------------------------ integer data
# Rounding and casts to integers are piecewise constant: their derivative is
# zero (no rule: no cotangent or tangent flows through them), as in JAX. The
# integers they give are data, usable as an index in every transform.
def _rounding(np_fn: Any, name: str) -> Primitive:
    def impl(x: Any, *decimals: Any) -> Any:
        r = np_fn(x, *decimals)
        return float(r) if type(x) is float or type(x) is int else _scalar(r)
    impl.__name__ = name
    prim = primitive(impl, name, elementwise=True, check_rules=False)
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
    return _scalar(np.asarray(x).astype(dtype))


def _floats(x: Any) -> bool:
    return np.asarray(primal_value(x)).dtype.kind == "f"


astype_p: Primitive = primitive(_astype, "astype", elementwise=True, check_rules=False)
# A cast between float dtypes carries the derivative (cast back to the input's
# dtype); a cast to or from integers or bools has none.
defvjp(astype_p, lambda g, ans, x, dtype: astype_p(g, np.asarray(primal_value(x)).dtype)
       if _floats(x) and _floats(ans) else None, None)
defjvp(astype_p, lambda t, ans, x, dtype: astype_p(t, np.asarray(primal_value(ans)).dtype)
       if _floats(x) and _floats(ans) else None, None)


def astype(x: Number, dtype: Any) -> Number:
    """NumPy's ``x.astype(dtype)`` of a traced value.

    A cast to an integer dtype (``int``, ``np.int32``, ``np.uint8``...) gives
    integer data with no derivative, usable as an index in every transform;
    a cast between float dtypes keeps the derivative.

    Args:
      x: A number or an array (traced or not).
      dtype: Any dtype NumPy's ``astype`` takes.

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
    return astype_p(x, dtype)


def _plain(x: Any) -> bool:
    return type(x) is float or type(x) is int


def _mod(a: Any, b: Any) -> Any:
    if _plain(a) and _plain(b) and b:
        return a % b
    r = np.mod(a, b)
    return float(r) if _plain(a) and _plain(b) else r


def _floordiv(a: Any, b: Any) -> Any:
    if _plain(a) and _plain(b) and b:
        return a // b
    r = np.floor_divide(a, b)
    return float(r) if _plain(a) and _plain(b) else r


# ``%`` and ``//`` as NumPy has them (the sign of the divisor; integers stay
# integers): index arithmetic such as a wrap around the edge, np.mod(i, n).
mod: Primitive = primitive(_mod, "mod", elementwise=True, check_rules=False)
floordiv: Primitive = primitive(_floordiv, "floordiv", elementwise=True, check_rules=False)
defpartials(mod, 1.0, lambda ans, a, b: neg(floor(div(a, b))))   # a - b * floor(a / b)
defpartials(floordiv, None, None)                                # piecewise constant
