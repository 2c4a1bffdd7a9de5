"""What the players are handed and hand back around a trace.

Cotangent seeds (``scalar_seed`` for a gradient, ``one_hots`` for a
Jacobian), zeros shaped like values, the checks of ``vjp``'s cotangents and
``jvp``'s tangents, and ``own_arrays``: every array handed back is the
caller's own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from . import tree
from .arrays import astype
from .backends import device, foreign, namespace
from .errors import COMPLEX_MSG
from .tracing import ArgName, as_number
from .values import Traced, is_complex, made_float, primal_value, shape_of


def zeros_like(x: Any) -> Any:
    """A zero shaped like ``x``: ``0.0`` for a float, else a zero array."""
    xp = namespace(primal_value(x))
    if xp is not None:                 # in x's library and on its device
        v = primal_value(x)
        return xp.zeros(tuple(v.shape), dtype=v.dtype, device=device(v))
    shape = shape_of(x)
    dtype = getattr(primal_value(x), "dtype", None)
    if dtype is not None and dtype.kind == "f" and dtype.itemsize != 8:   # float32 stays
        z = np.zeros(shape, dtype)
        return z if isinstance(primal_value(x), np.ndarray) else z[()]
    return 0.0 if shape == () and not isinstance(x, np.ndarray) else np.zeros(shape)


def one_hots(x: Any) -> Iterator[Any]:
    """Unit seeds, one per element of ``x``'s value.

    ``1.0`` for a float, else arrays of its shape and float dtype with a single 1
    (float32 stays float32).
    """
    shape = shape_of(x)
    v = primal_value(x)
    xp = namespace(v)
    if xp is not None:              # another library's: each seed made on x's device
        dtype = v.dtype if xp.isdtype(v.dtype, "real floating") else xp.float64
        for e in one_hots(np.zeros(tuple(shape))):
            yield xp.asarray(e, dtype=dtype, device=device(v))
        return
    if shape == () and not isinstance(v, np.ndarray):
        yield v.dtype.type(1.0) if isinstance(v, np.floating) else 1.0
        return
    dtype = v.dtype if isinstance(v, np.ndarray) and v.dtype.kind == "f" else np.float64
    for idx in np.ndindex(shape):
        e = np.zeros(shape, dtype)
        e[idx] = 1.0
        yield e


def scalar_seed(out: Any, what: str) -> Any:
    """The cotangent 1 for a scalar output, or a TypeError pointing elsewhere."""
    if type(out) is float or type(out) is np.float64:    # the usual outputs (NumPy's sums)
        return 1.0
    if type(out) is Traced and (type(out._value) is float or type(out._value) is np.float64):
        return 1.0                # the same inside another transform (a Hessian's)
    v = primal_value(out)
    if is_complex(v):
        raise TypeError(f"{what}: fun returned {_complex_kind(out)}, and {COMPLEX_MSG_OUT}")
    xp = namespace(v)
    if xp is not None and xp.isdtype(v.dtype, "real floating") and \
            int(np.prod(tuple(v.shape))) == 1:
        return xp.ones_like(v)         # in out's library, on its device
    number = isinstance(out, float | int | np.number | np.ndarray | Traced)
    shape = shape_of(out) if number and not isinstance(out, bool) else None
    if shape == () and not isinstance(out, np.ndarray):
        dtype = getattr(primal_value(out), "dtype", None)   # float32 stays float32
        return 1.0 if dtype is None or dtype.kind != "f" or dtype == np.float64 else \
            dtype.type(1.0)
    if shape is not None and int(np.prod(shape)) == 1:
        dtype = np.asarray(primal_value(out)).dtype
        return np.ones(shape, dtype=dtype if dtype.kind == "f" else float)
    got = f"shape {shape}" if shape is not None else f"a {type(out).__name__}"
    if isinstance(out, tuple | list) and len(out) == 2:
        raise TypeError(
            f"{what}: fun must return a scalar, got a {type(out).__name__} of two "
            f"items. If fun returns (value, aux), pass has_aux=True: "
            f"tg.{what}(fun, has_aux=True).")
    raise TypeError(
        f"{what}: fun must return a scalar (a float or a size-1 array), got {got}. "
        "Reduce it with tg.sum or tg.mean, or use tg.vjp or tg.jacobian for "
        "non-scalar outputs.")


def array_root(a: Any) -> Any:
    """The array that owns ``a``'s memory (``a`` itself, or the base of a view)."""
    while isinstance(getattr(a, "base", None), np.ndarray):
        a = a.base
    return a


def own_arrays(leaves: list[Any], taken: set[int]) -> list[Any]:
    """``leaves`` with every array its own.

    A copy of any array already handed out, or of a view of one (``taken``
    holds the ids of their memory's owners: earlier leaves, the caller's
    cotangents). Two gradients may be one array inside the players (``a +
    b`` passes one cotangent to both), and an identity or reshape pullback
    would return the caller's own array or a view of it; an in-place update
    of one (``g *= 0.5``) must not change another.
    """
    out = []
    for g in leaves:
        if isinstance(g, np.ndarray):
            root = array_root(g)
            if id(g) in taken or id(root) in taken:
                g = root = g.copy()
            taken.add(id(g))
            taken.add(id(root))
        elif type(g) is Traced:      # a derivative is a float, as in eager
            made_float(g, derivative=True)
        out.append(g)
    return out


def check_cotangent(ct: Any, path: Any, what: str) -> None:
    """A cotangent must be a real number (or a traced one); say where it is not."""
    if type(ct) is float or type(ct) is Traced or namespace(ct) is not None:
        return
    if is_complex(ct):
        raise TypeError(f"{what}: cotangent{tree.keystr(path)} is complex; {COMPLEX_MSG}")
    if isinstance(ct, bool) or not isinstance(
            ct, int | float | np.integer | np.floating | np.ndarray) or (
            isinstance(ct, np.ndarray) and ct.dtype.kind not in "fiu"):
        kind = f"an array of dtype {ct.dtype}" if isinstance(ct, np.ndarray) else \
            f"a {type(ct).__name__}"
        raise TypeError(f"{what}: cotangent{tree.keystr(path)} is {kind}, not a number; "
                        "a cotangent is floats shaped like the output (zeros where the "
                        "output is boolean: it has no derivative).")


def check_tangents(fun: Callable[..., Any], primals: Any, tangents: Any,
                   what: str) -> list[list[Any]]:
    """Check ``jvp``'s tangents against its primals.

    Returns them per argument, as checked leaves (ints become floats).
    """
    for which, x in (("primals", primals), ("tangents", tangents)):
        if not isinstance(x, tuple | list):
            raise TypeError(
                f"{what}: {which} must be a tuple or list with one entry per "
                f"argument of fun, got {type(x).__name__}; for one argument "
                f"write {what}(fun, (x,), (t,)).")
    if len(primals) != len(tangents):
        raise ValueError(
            f"{what}: {len(primals)} primal(s) but {len(tangents)} tangent(s); "
            "pass one tangent per primal, shaped like it.")
    return [_tangent_leaves(ArgName(fun, n), p, t, what)
            for n, (p, t) in enumerate(zip(primals, tangents))]


def _tangent_leaves(name: ArgName, primal: Any, tangent: Any, what: str) -> list[Any]:
    """One argument's tangent, checked against its primal, as leaves."""
    p_leaves, p_def = tree.flatten(primal)
    t_leaves, t_def = tree.flatten(tangent)
    if p_def != t_def:
        raise ValueError(
            f"{what}: the tangent for {name} has structure {t_def} but the "
            f"primal has {p_def}; pass a tangent with the primal's structure.")
    leaves = []
    for k, (x, tx) in enumerate(zip(p_leaves, t_leaves)):
        if type(tx) is float and type(x) is float:
            leaves.append(tx)
            continue
        if isinstance(tx, np.ndarray) and tx.dtype.kind in "iu":
            tx = tx.astype(float)           # a direction, not data
        tx = as_number(tx, name, (t_def, k), f"{what} (tangent)")
        if shape_of(tx) != shape_of(x):
            raise ValueError(
                f"{what}: the tangent at {name}{tree.keystr(t_def.key_paths()[k])} "
                f"has shape {shape_of(tx)} but the primal there has shape "
                f"{shape_of(x)}; pass tangents shaped like the primals.")
        leaves.append(_dtype_of_primal(tx, x))
    return leaves


def _dtype_of_primal(t: Any, x: Any) -> Any:
    """A NumPy tangent in its float primal's dtype: a float32 primal keeps a float32 tangent."""
    if type(t) is float:
        return t                     # a Python float tangent takes the primal's dtype anyway
    want, have = getattr(primal_value(x), "dtype", None), getattr(primal_value(t), "dtype", None)
    if not isinstance(want, np.dtype) or not isinstance(have, np.dtype) or want.kind != "f" \
            or have == want:
        return t                     # another library's dtypes stay its own
    if type(t) is Traced:
        return astype(t, want)
    return np.asarray(t, dtype=want)[()] if np.ndim(t) == 0 else t.astype(want)


def refuse_non_numbers(out_leaves: list[Any], out_def: tree.TreeDef, what: str) -> None:
    """An output leaf that is no number (a str, an object) has no derivative: a TypeError."""
    for k, o in enumerate(out_leaves):
        v = primal_value(o)
        if is_complex(v):
            where = tree.keystr(out_def.key_paths()[k]) or "the output"
            raise TypeError(f"{what}: fun's output at {where} is {_complex_kind(v)}, and "
                            f"{COMPLEX_MSG_OUT}")
        if not isinstance(v, int | float | np.number | np.bool_ | np.ndarray) and \
                foreign(v) is None:
            where = tree.keystr(out_def.key_paths()[k]) or "the output"
            raise TypeError(
                f"{what}: fun's output at {where} is of type {type(v).__name__}, not a "
                "number; return numbers and arrays only, and other data as aux (has_aux=True).")


COMPLEX_MSG_OUT = ("tapegrad computes on real numbers only: return real numbers (the real "
                   "part and the imaginary part, tg.real(z) and tg.imag(z), or tg.abs(z)).")


def _complex_kind(v: Any) -> str:
    v = primal_value(v)
    return f"an array of dtype {v.dtype}" if isinstance(v, np.ndarray) else "a complex number"
