"""Arrays of other libraries (PyTorch, CuPy, JAX, array-api-strict...) via the Array API.

NumPy arrays and Python numbers take each primitive's own impl, unchanged.
An impl that meets an array of another library (``foreign(x)`` is its
namespace) hands it to ``call``, which runs the primitive's entry of
``array_api_impls``: a function ``rule(xp, *args)`` written with the
standard's functions (``xp.exp``, ``xp.where``...), filled beside each
primitive in its block. ``namespace`` finds a library's namespace once per
array type (array-api-compat's lookup costs microseconds). Nothing here
moves data between libraries or devices, or reads an array's values: a
result stays in its inputs' library and on their device, and mixing two is
a ``TypeError`` naming both.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .pyfloat import last_refusal, refusal_beneath
from .values import primal_value

__all__ = ["STANDARD_ELEMENTWISE", "array_api_impls", "array_kind", "by_name", "call",
           "check_tape", "copy", "device", "foreign", "like", "library", "namespace", "native",
           "number_array", "run_checked", "uncovered", "where_in"]

STANDARD_ELEMENTWISE = frozenset(
    "abs acos acosh add asin asinh atan atan2 atanh ceil copysign cos cosh divide exp expm1 "
    "floor floor_divide hypot log log1p log2 log10 logaddexp maximum minimum multiply "
    "negative pow remainder round sign sin sinh sqrt square subtract tan tanh trunc".split())
"""The standard's elementwise functions on floats (2023.12) that tapegrad's primitives map to."""

array_api_impls: dict[Any, Callable[..., Any]] = {}
"""``array_api_impls[prim] = rule(xp, *args)``: the primitive on a non-NumPy array."""

_MISSING = object()
_NATIVE = (np.ndarray, np.generic, float, int, bool, complex, str, bytes, tuple, list, slice,
           type(None), type(Ellipsis))
_NAMESPACES: dict[type, Any] = {t: None for t in (np.ndarray, float, int, bool, tuple,
                                                  slice, type(None))}
"""The namespace of each array type met so far; None for NumPy's and Python's own."""


def _lookup(x: Any) -> Any:
    """The Array-API namespace of ``x``'s library, or None for NumPy and plain values."""
    if isinstance(x, _NATIVE):
        return None
    try:
        import array_api_compat
    except ImportError:            # a library that implements the standard itself
        get = getattr(x, "__array_namespace__", None)
        return get() if get is not None else None
    if not array_api_compat.is_array_api_obj(x) or array_api_compat.is_numpy_array(x):
        return None
    return array_api_compat.array_namespace(x)


def namespace(x: Any) -> Any:
    """The namespace of ``x``'s array library (None for NumPy), found once per type.

    Args:
      x: Any value.

    Returns:
      The Array-API namespace (``array_api_compat.torch``, ``array_api_strict``...),
      or None for NumPy arrays, NumPy scalars and Python values.

    Examples:
      >>> import numpy as np
      >>> from tapegrad.backends import namespace
      >>> namespace(np.ones(2)) is None, namespace(1.0) is None
      (True, True)
    """
    t = type(x)
    ns = _NAMESPACES.get(t, _MISSING)
    if ns is _MISSING:
        ns = _NAMESPACES[t] = _lookup(x)
    return ns


def foreign(*args: Any) -> Any:
    """The namespace of the first non-NumPy array among ``args``, or None."""
    for a in args:
        ns = _NAMESPACES.get(type(a), _MISSING)
        if ns is _MISSING:
            ns = namespace(a)
        if ns is not None:
            return ns
    return None


def array_kind(x: Any) -> tuple[Any, ...]:
    """A non-NumPy array's part of jit's signature: library, dtype, shape and device."""
    return (type(x), str(x.dtype), tuple(x.shape), str(x.device))


def copy(x: Any) -> Any:
    """A copy of another library's array, in its library and on its device."""
    return namespace(x).asarray(x, copy=True)


def library(x: Any) -> str:
    """The name of ``x``'s array library, for messages (``torch``, ``numpy``...)."""
    if isinstance(x, np.ndarray | np.generic):
        return "numpy"
    return type(x).__module__.split(".")[0]


def device(x: Any) -> Any:
    """The device ``x`` lives on (None for NumPy and plain values)."""
    if namespace(x) is None:
        return None
    try:
        import array_api_compat
    except ImportError:
        return x.device
    return array_api_compat.device(x)


def _arrays(args: tuple[Any, ...]) -> list[Any]:
    """The arrays among ``args``, looking into tuples (an index)."""
    out = []
    for a in args:
        if type(a) is tuple:
            out.extend(_arrays(a))
        elif isinstance(a, np.ndarray) and a.dtype.kind not in "iub" or \
                namespace(a) is not None:      # NumPy integers: indices, turned on device
            out.append(a)
    return out


def check_same(what: str, args: tuple[Any, ...]) -> Any:
    """The one namespace of ``args``' arrays; a ``TypeError`` naming both where two mix.

    A NumPy array mixed with another library's, or arrays on two devices, is
    refused: tapegrad never copies data between libraries or devices.
    """
    arrays = _arrays(args)
    first = next(a for a in arrays if namespace(a) is not None)
    xp, dev = namespace(first), None
    for a in arrays:
        if namespace(a) is not xp:
            raise TypeError(
                f"{what}: mixes a {library(first)} array with a {library(a)} array. "
                "tapegrad never moves data between libraries silently: convert one "
                f"first (xp.asarray(a, device=...) with the namespace of {library(first)}).")
        if len(arrays) > 1:
            d = device(a)
            if dev is None:
                dev = d
            elif d != dev:
                raise TypeError(
                    f"{what}: mixes arrays on two devices, {dev} and {d}. tapegrad never "
                    "moves data between devices silently: move one first "
                    "(x.to_device(...), or x.to(...) in PyTorch).")
    return xp


def call(prim: Any, *args: Any) -> Any:
    """``prim`` on arrays of a library other than NumPy: its ``array_api_impls`` entry.

    Raises:
      TypeError: where the arrays mix libraries or devices, or ``prim`` has
        no Array-API rule yet.
    """
    xp = check_same(f"tg.{prim.name}", args)
    rule = array_api_impls.get(prim)
    if rule is None:
        lib = next(library(a) for a in _arrays(args) if namespace(a) is not None)
        raise TypeError(_not_supported(prim, lib))
    args = tuple(a.item() if isinstance(a, np.generic) else a for a in args)
    return rule(xp, *args)


def like(xp: Any, value: Any, x: Any) -> Any:
    """``value`` as an array of ``xp`` on ``x``'s device, of ``x``'s float dtype.

    A Python number next to a float32 array is float32, as NumPy 2 does;
    next to an integer array (or alone) it is float64. With no ``xp`` (NumPy's
    arrays), ``value`` is returned as it is: NumPy mixes numbers in itself.
    """
    if xp is None:
        return value
    if isinstance(value, np.generic):
        value = value.item()
    if type(value) not in (float, int, bool):     # an array (of any level): as it is
        return value
    if type(value) is bool:
        return xp.asarray(value, device=device(x))
    dtype = x.dtype if namespace(x) is not None and xp.isdtype(x.dtype, "real floating") \
        else xp.float64
    return xp.asarray(value, dtype=dtype, device=device(x))


def native(f: Callable[..., Any]) -> Callable[..., Any]:
    """The rule of a primitive whose impl is a Python operator: any library's arrays have it."""
    def rule(xp: Any, *args: Any) -> Any:
        return f(*args)
    rule.__name__ = f"xp_{getattr(f, '__name__', 'op')}"
    return rule


def uncovered(prim: Any, args: Any) -> None:
    """Refuse a built-in primitive with no Array-API rule that meets another library's array.

    Built-ins are the primitives with ``check_rules=False``; a user's own
    primitive runs its impl on whatever it is given.
    """
    if prim.check_rules or prim in array_api_impls:
        return
    for a in args:
        if namespace(a) is not None:
            raise TypeError(_not_supported(prim, library(a)))


def _not_supported(prim: Any, lib: str) -> str:
    return (f"tg.{prim.name} does not support {lib} arrays yet (it has no Array-API rule): "
            "compute it on NumPy arrays (np.asarray) and convert back, or write it with "
            "the functions that do support them.")


def check_tape(records: Any, inputs: list[tuple[list[Any], Any]]) -> None:
    """``uncovered`` for every record of a tape whose inputs hold another library's arrays."""
    if not any(foreign(*map(primal_value, xs)) is not None for xs, _ in inputs):
        return
    for rec in records:
        if rec[0] is not None:
            uncovered(rec[0], rec[3::2])


def run_checked(fun: Callable[..., Any], args: Any, kwargs: Any, tape: Any,
                inputs: list[tuple[list[Any], Any]]) -> Any:
    """``fun(*args, **kwargs)`` on ``tape``, then ``check_tape``: also where ``fun`` raised.

    A NumPy impl that met a torch array may have raised NumPy's error (or
    left a NumPy array that a later op refused): the clearer one is this.
    """
    before = last_refusal()
    try:
        return fun(*args, **(kwargs or {}))
    except Exception as err:          # brentq(f, ...) with f returning a traced value
        refused = refusal_beneath(err, before)
        if refused is None:
            raise
        raise refused from None
    finally:
        check_tape(tape.records, inputs)


def number_array(x: Any, data: bool) -> bool:
    """A float array of another library (or, as ``data``, an integer or boolean one)."""
    xp = namespace(x)
    return xp is not None and (xp.isdtype(x.dtype, "real floating") or (
        data and xp.isdtype(x.dtype, ("integral", "bool"))))


_WHERE: dict[Any, Callable[..., Any]] = {}


def where_in(xp: Any) -> Callable[..., Any]:
    """``xp.where``, or the library's own where array-api-compat only wraps it.

    array-api-compat's PyTorch ``where`` re-promotes its arguments with a
    ``.to()`` each, a third of the compiled dense step's time
    (benchmarks/backends.py); ``torch.where`` promotes by itself.
    """
    fn = _WHERE.get(xp)
    if fn is None:
        fn = xp.where
        if getattr(xp, "__name__", "") == "array_api_compat.torch":
            import torch
            fn = torch.where
        _WHERE[xp] = fn
    return fn


def by_name(name: str) -> Callable[..., Any]:
    """The rule of an elementwise primitive that is the standard's ``xp.<name>``."""
    def rule(xp: Any, *args: Any) -> Any:
        x = next(a for a in args if namespace(a) is not None)
        return getattr(xp, name)(*(like(xp, a, x) for a in args))
    rule.__name__ = f"xp_{name}"
    return rule
