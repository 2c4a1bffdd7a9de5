"""NumPy's arguments as tapegrad's functions take them.

A NumPy function on a traced value arrives at ``__array_function__`` with
its arguments as the caller wrote them: ``np.mean(x, 0, np.float64)`` gives
the dtype third, where tapegrad's ``mean`` has ``keepdims``. So arguments
are matched by NumPy's parameter names: those the tapegrad function takes
at the same place stay positional, the others become keywords, and a
keyword at NumPy's own default (``out=None``, ``dtype=None``,
``where=True``) is dropped, as it asks for nothing.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from .arrays import astype, stack
from .backends import foreign
from .elementary import isnan
from .kinks import maximum, minimum, where
from .kinks import where as _where
from .ops import add, mul
from .primitive import Primitive, defjvp, defvjp, primitive
from .reductions import mean_in
from .shapes import broadcast_to
from .values import Traced, primal_value, shape_of

# Functions whose lists are shapes, axes or counts (a traced number there stays
# refused), whose list nesting has a meaning (np.block, np.piecewise's condlist),
# or whose list of values takes the target's dtype (np.place, np.putmask): their
# lists are left as they come; and keywords that are shapes, axes or counts
LISTS_KEPT = {np.reshape, np.broadcast_to, np.tile, np.resize, np.transpose, np.pad,
              np.moveaxis, np.expand_dims, np.squeeze, np.full, np.zeros, np.ones, np.empty,
              np.block, np.piecewise, np.select, np.place, np.putmask, np.put, np.copyto}
_SHAPES = {"axis", "axes", "shape", "newshape", "reps", "repeats", "pad_width", "source",
           "destination", "stat_length", "range"}

_names: dict[Any, tuple[str, ...]] = {}


def _numbers(x: Any) -> bool:
    """Whether ``x`` is a list or tuple of numbers, a traced one among them."""
    if type(x) not in (list, tuple) or not any(type(v) is Traced for v in x):
        return False
    return all(type(v) in (bool, int, float) or isinstance(v, np.generic) or
               type(v) is Traced and not v.shape for v in x)


def _stacked(a: Any) -> Any:
    """A list of numbers as an array; in a list of arrays (``np.stack([x, [s, 1.0]])``), each."""
    if _numbers(a):
        return stack(list(a))
    if type(a) in (list, tuple) and any(_numbers(v) for v in a):
        return type(a)(stack(list(v)) if _numbers(v) else v for v in a)
    return a


def stacked_lists(args: tuple[Any, ...]) -> tuple[Any, ...]:
    """``args`` with each list of numbers holding a traced one as NumPy's array of it.

    NumPy reads ``[s, 1.0]`` as ``np.asarray([s, 1.0])``; beside a traced
    argument the call comes here, and ``s`` is kept by stacking instead.
    """
    if not any(type(a) in (list, tuple) for a in args):
        return args
    return tuple(_stacked(a) for a in args)


def stacked_keywords(kwargs: dict[str, Any]) -> dict[str, Any]:
    """``kwargs`` as ``stacked_lists`` makes them, but for shapes and axes."""
    return {k: _stacked(v) if k not in _SHAPES else v for k, v in kwargs.items()}


def _positional(f: Callable[..., Any]) -> tuple[str, ...]:
    """The names ``f`` takes positionally, up to any ``*args``."""
    names = _names.get(f)
    if names is None:
        try:
            params = inspect.signature(f).parameters.values()
        except (TypeError, ValueError):      # no signature: take the arguments as they come
            params = []                      # type: ignore[assignment]
        found = []
        for p in params:
            if p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
                break
            found.append(p.name)
        _names[f] = names = tuple(found)
    return names


# NumPy's defaults: a keyword given one of these asks for nothing
_DEFAULTS: dict[str, tuple[Any, ...]] = {
    "out": (None,), "dtype": (None,), "where": (True, np._NoValue),
    "initial": (np._NoValue,), "keepdims": (np._NoValue,), "casting": ("same_kind",),
    "order": ("K", "C", None), "subok": (True,),
    "overwrite_input": (False, True),   # leave NumPy free to scramble x: tapegrad never does
}


def at_default(name: str, value: Any) -> bool:
    """Whether keyword ``name`` given ``value`` is at NumPy's default."""
    return any(value is d or (type(d) is str and value == d) for d in _DEFAULTS.get(name, ()))


def numpy_order(func: Any, handler: tuple[Callable[..., Any], tuple[str, ...]],
                args: tuple[Any, ...], kwargs: dict[str, Any]
                ) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """``args, kwargs`` of NumPy's ``func`` as ``handler``, its tapegrad function, takes them.

    A positional argument NumPy names as an option (``dtype``, ``axis``...)
    that the tapegrad function has elsewhere or not at all becomes a keyword,
    with those after it; data arguments (``np.dot``'s ``b``) stay as given.
    A keyword at NumPy's default that the function does not take is dropped.
    """
    np_names, tg_names = _positional(func), _positional(handler[0])
    for k in range(1, min(len(args), len(np_names))):
        name = np_names[k]
        if (k >= len(tg_names) or tg_names[k] != name) and \
                (name in _DEFAULTS or name in handler[1]):
            kwargs = {**dict(zip(np_names[k:], args[k:])), **kwargs}
            args = args[:k]
            break
    at = np_names.index("axis") if "axis" in np_names[:len(args)] else None
    if type(kwargs.get("axis", None if at is None else args[at])) is list and func in _TUPLE_AXIS:
        raise TypeError("'list' object cannot be interpreted as an integer")   # NumPy's words
    takes = handler[1]                      # a keyword the function takes, it gets
    return args, {n: v for n, v in kwargs.items() if n in takes or not at_default(n, v)}


# NumPy's C reductions take a tuple of axes, not a list (np.median takes either)
_TUPLE_AXIS = {np.sum, np.prod, np.max, np.min, np.amax, np.amin, np.mean, np.std, np.var,
               np.any, np.all, np.ptp, np.count_nonzero, np.nansum, np.nanprod, np.nanmean,
               np.nanmax, np.nanmin, np.nanstd, np.nanvar}


# ------------------------------------------ dtype= and initial=, around the function
_CAST_FIRST = {np.sum, np.prod, np.mean, np.cumsum, np.cumprod, np.nansum, np.nanprod,
               np.nanmean, np.nancumsum, np.nancumprod, np.trace, np.cumulative_sum,
               np.cumulative_prod, np.linalg.trace}
_JOINS = {np.stack, np.concatenate, np.vstack, np.hstack}
_START = {np.sum: add, np.prod: mul, np.max: maximum, np.min: minimum, np.amax: maximum,
          np.amin: minimum}
extra_keywords: dict[Any, tuple[str, ...]] = {f: ("dtype",) for f in _CAST_FIRST}
extra_keywords.update({f: ("dtype", "casting") for f in _JOINS})
"""The keywords NumPy's functions take here beyond their tapegrad function's."""
for _f in _START:
    extra_keywords[_f] = extra_keywords.get(_f, ()) + ("initial",)
for _f in (np.max, np.min, np.amax, np.amin):
    extra_keywords[_f] += ("where",)
_FILL = {np.prod: 1, np.any: False, np.all: True}     # what a masked place counts as
for _f in (*_FILL, np.std, np.var):
    extra_keywords[_f] = extra_keywords.get(_f, ()) + ("where",)
for _f in (np.std, np.var):
    extra_keywords[_f] += ("correction", "mean", "dtype")


def _with_initial(total: Any, x: Any, func: Any, axis: Any, keepdims: bool, initial: Any,
                  mask: Any) -> Any:
    """NumPy's ``func(x, axis, keepdims=, initial=, where=)``, its bits.

    NumPy adds (multiplies) in an order of its own; ``total``, the same from
    tapegrad's pieces, carries the derivative.
    """
    out = func(x, axis=axis, keepdims=keepdims, initial=initial, where=mask)
    return float(out) if type(out) is np.float64 else out


with_initial_p: Primitive = primitive(_with_initial, "with_initial", check_rules=False)
defvjp(with_initial_p, lambda g, ans, total, *rest: g, *[None] * 6)
defjvp(with_initial_p, lambda t, ans, total, *rest: t, *[None] * 6)


def _cast(initial: Any, dtype: Any) -> Any:
    """``initial`` in the result's dtype: a traced one (a function's argument) stays traced."""
    if type(initial) is Traced:
        return astype(initial, dtype) if _dtype(initial) != dtype else initial
    return np.asarray(initial).astype(dtype)[()]


def around(func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """NumPy's ``func(*args, **kwargs)`` with ``dtype=`` or ``initial=``; None without them.

    ``dtype`` casts the data first (NumPy computes in that dtype) and the
    result after (``np.sum(int8s, dtype=np.int8)`` wraps as NumPy's);
    ``initial`` is cast to the result's dtype and combined with it, and
    also fills the places ``where=`` masks (``np.max``, ``np.min``).
    """
    if kwargs.get("dtype") is not None and func in _CAST_FIRST:
        return _cast_first(func, args, kwargs)
    if {"dtype", "casting"} & set(kwargs) and func in _JOINS:
        return _join_cast(func, args, kwargs)
    if "where" in kwargs and "initial" not in kwargs and func in _START and _START[func] in (
            maximum, minimum):
        raise ValueError(f"np.{func.__name__}(..., where=...) needs initial= as in NumPy: the "
                         "masked places have no value to start from.")
    if "initial" in kwargs and func in _START:
        kw = dict(kwargs)
        initial, x = kw.pop("initial"), args[0]
        if "where" in kw and func not in (np.sum, np.prod):    # sum and prod take where
            x = where(kw.pop("where"), x, _cast(initial, _dtype(x)))
        if 0 in shape_of(x):        # nothing to reduce: NumPy's constant
            empty = func(np.zeros(shape_of(x), _dtype(x)), *args[1:], initial=0, **kw)
            return broadcast_to(_cast(initial, empty.dtype), empty.shape) \
                if type(initial) is Traced else \
                func(np.zeros(shape_of(x), _dtype(x)), *args[1:], initial=initial, **kw)
        out = func(x, *args[1:], **kw)
        out = _START[func](out, _cast(initial, _dtype(out)))
        if func in (np.sum, np.prod) and len(args) <= 2 and foreign(primal_value(x)) is None:
            axis = args[1] if len(args) == 2 else kw.get("axis")
            out = with_initial_p(out, x, func, axis, bool(kw.get("keepdims", False)), initial,
                                 kw.get("where", True))      # NumPy's bits: its order
        return out
    if func in (np.std, np.var) and {"where", "correction", "mean", "dtype"} & set(kwargs):
        return _spread(func, *args, **kwargs)
    if "where" in kwargs and func in _FILL:
        return _masked(func, args, kwargs)
    return None


def _masked(func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """NumPy's ``prod``/``any``/``all`` with ``where=``: a masked place counts as ``_FILL``'s.

    NumPy's masked product rounds each step to float16 where its unmasked
    one multiplies in float32: a float16 product keeps NumPy's bits from its
    own loop, the derivative from tapegrad's pieces.
    """
    kw = dict(kwargs)
    mask = kw.pop("where")
    out = func(where(mask, args[0], _FILL[func]), *args[1:], **kw)
    if func is np.prod and _dtype(args[0]) == np.float16 and len(args) <= 2 and \
            foreign(primal_value(args[0])) is None:
        axis = args[1] if len(args) == 2 else kw.get("axis")
        out = with_initial_p(out, args[0], func, axis, bool(kw.get("keepdims", False)),
                             np._NoValue, mask)
    return out


_NAN_FILL = {np.nansum: 0, np.nancumsum: 0, np.nanprod: 1, np.nancumprod: 1}


def _cast_first(func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """NumPy's ``func(*args, dtype=...)``: the data cast to ``dtype`` first, the result after.

    The NaN-skipping sums and products replace the NaNs before an integer
    cast, as NumPy's do (a NaN cast to an integer is no number).
    """
    kw = dict(kwargs)
    dtype = np.dtype(kw.pop("dtype"))
    first = args[0]
    if func is np.nanmean and dtype.kind not in "fc" and _dtype(first).kind in "fc":
        raise TypeError("If a is inexact, then dtype must be inexact")     # NumPy's check
    if func in _NAN_FILL and dtype.kind not in "fc" and _dtype(first).kind == "f":
        first = where(isnan(first), np.asarray(_NAN_FILL[func], _dtype(first)), first)
    first = [astype(a, dtype) for a in first] if isinstance(first, list | tuple) \
        else astype(first, dtype)
    out = mean_in(first, *args[1:], acc=dtype, **kw) if func is np.mean and \
        dtype.kind in "fiu" else func(first, *args[1:], **kw)   # summed in the dtype given
    return out if _dtype(out) == dtype else astype(out, dtype)


def _join_cast(func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """NumPy's join with ``dtype=``/``casting=``: each array cast to the result's dtype.

    Without ``dtype`` the result's dtype is the arrays' promoted one; an array
    that the rule ``casting`` does not allow into it is NumPy's TypeError (float data
    joined with ``dtype=np.int64`` needs ``casting="unsafe"``).
    """
    kw = dict(kwargs)
    dtype, casting = kw.pop("dtype", None), kw.pop("casting", "same_kind")
    items = [a if type(a) is Traced or not isinstance(a, list | tuple) or not any(
        type(v) is Traced for v in a) else stack(list(a)) for a in args[0]]
    kinds = [_dtype(a) for a in items]
    target = np.dtype(dtype) if dtype is not None else np.result_type(*kinds)
    for kind in kinds:
        if not np.can_cast(kind, target, casting):
            raise TypeError(f"Cannot cast array data from {kind!r} to {target!r} according "
                            f"to the rule {casting!r}")
    items = [a if kind == target else astype(a, target) for a, kind in zip(items, kinds)]
    return func(items, *args[1:], **kw)


def _spread(func: Any, x: Any, axis: Any = None, ddof: int = 0, keepdims: bool = False,
            where: Any = True, correction: int | None = None, mean: Any = None,
            dtype: Any = None) -> Any:
    """NumPy's ``var``/``std`` over the places ``where`` holds, about ``mean`` if given.

    As NumPy's ``_var``, step for step: the mean summed in ``dtype`` (float64
    for integers), the deviations in the type NumPy promotes them to, their
    squares summed in ``dtype``. ``correction`` is ``ddof``; ``mean`` (NumPy
    2's keyword) has the ``keepdims=True`` shape and is taken as it is.
    """
    if correction is not None and ddof != 0:
        raise ValueError("ddof and correction can't be provided simultaneously.")
    ddof = ddof if correction is None else correction
    if where is True and mean is None and dtype is None:
        return func(x, axis=axis, ddof=ddof, keepdims=keepdims)
    shape = shape_of(x)
    dtype = np.dtype(float) if dtype is None and _dtype(x).kind in "iub" else dtype
    dt = np.dtype(dtype) if dtype is not None else _dtype(x)
    mask = np.ones(shape, bool) if where is True else np.broadcast_to(where, shape)
    kw: dict[str, Any] = {} if where is True else {"where": mask}   # unmasked: pairwise
    mu = mean if mean is not None else np.sum(x, axis=axis, dtype=dtype, keepdims=True, **kw) / \
        np.sum(mask, axis=axis, keepdims=True).astype(dt)
    integer = dt.kind in "iu"               # NumPy divides in place, casting='unsafe'
    mu = astype(mu, dt) if integer and mean is None else mu
    d = x - mu
    if where is not True:
        d = _where(mask, d, np.zeros((), _dtype(d)))
    count = np.sum(mask, axis=axis, keepdims=keepdims).astype(dt)
    v = np.sum(d * d, axis=axis, dtype=dtype, keepdims=keepdims, **kw) / \
        np.maximum(count - ddof, 0)
    v = astype(v, dt) if integer else v
    if func is np.std and integer:          # NumPy: sqrt into the integer array, or of a scalar
        if shape_of(v):
            raise TypeError(f"Cannot cast ufunc 'sqrt' output from dtype('float64') to {dt!r} "
                            "with casting rule 'same_kind'")
        return astype(np.sqrt(v), dt)
    return np.sqrt(v) if func is np.std else v


def cast_all(inputs: tuple[Any, ...], dtype: Any, name: str = "ufunc") -> list[Any]:
    """A ufunc's operands cast to its ``dtype=`` loop, as NumPy casts them (``same_kind``)."""
    dt = np.dtype(dtype)
    for k, v in enumerate(inputs):      # a Python number is weak (jit traces an int as one)
        if type(_python(v)) not in (int, float, bool) and \
                not np.can_cast(_dtype(v), dt, "same_kind"):
            raise TypeError(f"Cannot cast ufunc {name!r} input {k} from {_dtype(v)!r} to "
                            f"{dt!r} with casting rule 'same_kind'")
    return [v if _dtype(v) == dt else astype(v, dt) for v in inputs]


def _python(x: Any) -> Any:
    while type(x) is Traced:
        x = x._value
    return x


def _dtype(x: Any) -> np.dtype[Any]:
    return np.asarray(primal_value(x)).dtype
