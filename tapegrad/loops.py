"""Loops that stay loops: ``tg.scan``, ``tg.fori_loop``, ``tg.while_loop`` (JAX's names).

Each traces its body once, at the carry's kinds, and records ONE record
holding the body's program (``loop_prims.py``), whatever the trip count.
Eager runs the body's program in a Python loop; ``grad`` runs a loop
backwards over the stored carries (a ``while_loop`` too: once it ran, its
trip count is known); ``jvp`` one loop with tangents; ``vmap`` runs each
example's loop (its own trip count), equal to a Python loop over the
examples; ``jit`` traces once for any trip count and writes the loop as a
Python ``while``/``for`` in its generated code (``staging/loop_lowering.py``).
``make_tape`` prints the body indented under its record.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import loop_batching as _batching  # noqa: F401  (the loops under vmap)
from . import loop_rules as _rules  # noqa: F401  (the loops' derivatives)
from . import tree
from .arrays import astype
from .checkpoint import checkpoint
from .indexing import getitem
from .loop_body import F64, Body, Kind, int_ids, kind_of, leaves_of, trace_body, unpack
from .loop_prims import Loop, at, pack_inputs, scan_p, size, unzip_p, while_p
from .shapes import reshape
from .staging import loop_lowering as _lowering  # noqa: F401  (the loops under jit)
from .staging.program import int_valued
from .tape import active_tapes
from .tracing import check_callable
from .values import Traced

__all__ = ["fori_loop", "scan", "while_loop"]


def _check_carry(what: str, name: str, given: Any, body_out: Any, kinds: list[Kind],
                 index: np.dtype | None = None) -> None:
    """The carry a body returns must have its input's structure and kinds (as JAX)."""
    td_in, td_out = tree.structure(given), tree.structure(body_out)
    if td_in != td_out:
        raise TypeError(
            f"{what}: {name} must return a carry of the same structure as its input; the "
            f"input carry is {td_in} but the output carry is {td_out} "
            f"(first difference at {name}{tree.first_difference(td_in, td_out)}).")
    paths = td_in.key_paths()
    for k, (a, x) in enumerate(zip(kinds, tree.leaves(body_out))):
        b = kind_of(x)
        if (a.dtype, a.shape) != (b.dtype, b.shape):
            what_differs = "dtypes" if a.shape == b.shape else "shapes"
            raise TypeError(
                f"{what}: {name} carry input and carry output must have equal types "
                f"(shapes and dtypes of arrays), but they differ: the input carry component "
                f"carry{tree.keystr(paths[k])} has type {a} but the corresponding output "
                f"carry component has type {b}, so the {what_differs} do not match. "
                + ("Cast it (e.g. .astype) so the body keeps the carry's dtype."
                   if a.shape == b.shape else "Reshape or broadcast it (tg.reshape, "
                   "tg.broadcast_to) so the body keeps the carry's shape.")
                + _index_hint(index, a, b) + _jit_int_hint(a, b))


def _jit_int_hint(a: Kind, b: Kind) -> str:
    """An int carry turned float under ``jit``: a Python int argument is traced as a float."""
    if a.dtype.kind not in "iu" or b.dtype.kind != "f" or not any(
            t.staging for t in active_tapes()):
        return ""
    return (" Under tg.jit a Python int argument is traced as a float, so an int carry "
            "meeting it becomes one: pass that argument as a NumPy int (np.int64(n)) or "
            "name it in static_argnums.")


def _jit_ints(body: Body, kinds: list[Kind]) -> list[int]:
    """The outputs (carries, ys) a body made floats with a Python int argument of ``jit``.

    ``jit`` traces such an argument as a float (``Tape.ints``); a body adding
    it to an int carry (``count + inc``) gives a float here, an ``np.int64``
    in eager. Only ``+``, ``-``, ``*`` of such ints and int carries are cast back.
    """
    consts, n = body.consts, len(body.consts)
    ints = {c.tape: int_ids(c.tape) for c in consts if type(c) is Traced and c.tape.ints}
    given = {k for k, c in enumerate(consts) if type(c) is Traced and c.id in ints.get(c.tape, ())}
    if not given:
        return []
    given |= {n + k for k, kd in enumerate(body.in_kinds) if kd.dtype.kind in "iu"}
    found = int_valued(body.prog, frozenset(given), set())
    return [k for k, (b, o) in enumerate(zip(body.out_kinds, body.prog.outputs))
            if b.dtype == F64 and o in found]


def _as_ints(out: Any, ints: list[int], start: int = 0) -> Any:
    """``out``'s leaves at ``ints`` (counted from ``start``) cast to ``np.int64``."""
    if not ints:
        return out
    leaves, td = tree.flatten(out)
    return tree.unflatten(td, [astype(x, np.int64) if start + k in ints else x
                               for k, x in enumerate(leaves)])


def _index_hint(index: np.dtype | None, a: Kind, b: Kind) -> str:
    """Why a ``fori_loop`` carry changed dtype, where its index did it (NumPy's promotion)."""
    if index is None or a.dtype == b.dtype or np.result_type(a.dtype, index) != b.dtype:
        return ""
    return (f" The index i is a NumPy {index.name} scalar, and NumPy promotes {a.dtype.name} "
            f"with it to {b.dtype.name}: cast the index, e.g. i.astype(np.{a.dtype.name}), "
            "or give the bounds as NumPy integers of a narrower dtype.")


def _weak(out: Any, htd: Any, kinds: list[Kind]) -> Any:
    """A Python number a body returns for a NumPy scalar carry takes the carry's dtype.

    As NumPy's and JAX's weak types: ``np.float32(x) + 1.0`` is a float32, so
    a body returning ``0.0`` for a float32 carry keeps the carry's kind.
    """
    leaves, td = tree.flatten(out)
    if td != htd:
        return out                      # _check_carry says where they differ
    return tree.unflatten(td, [_weak_leaf(x, k) for x, k in zip(leaves, kinds)])


def _weak_leaf(x: Any, k: Kind) -> Any:
    v = _value(x)
    weak = (type(v) is float and k.dtype.kind == "f") or (type(v) is int and k.dtype.kind in "iu")
    if not weak or k.shape != () or (type(v) is float and k.dtype == F64):
        return x
    return astype(x, k.dtype) if type(x) is Traced else k.dtype.type(x)


def _traced(leaves: list[Any]) -> bool:
    return any(type(x) is Traced for x in leaves)


def _unrows(tail: Any, n: int, kinds: list[Kind]) -> list[Any]:
    """Stacked leaves of ``kinds`` from ``n`` rows (the ys of a scan)."""
    widths = tuple(k.size for k in kinds)
    out = []
    for j, k in enumerate(kinds):
        col = unzip_p(widths, j, tail) if len(kinds) > 1 else tail
        x = reshape(col, (n,) + k.shape)
        out.append(astype(x, k.dtype) if k.dtype != F64 else x)
    return out


def _length(xs: list[Any], length: int | None) -> int:
    sizes = {int(np.shape(_value(x))[0]) for x in xs if np.ndim(_value(x)) > 0}
    if any(np.ndim(_value(x)) == 0 for x in xs):
        raise ValueError("tg.scan: every leaf of xs must be an array with a leading axis "
                         "(the steps); got a scalar.")
    if length is not None:
        if type(length) is Traced:
            raise TypeError("tg.scan: length must be an int known when tracing, got a traced "
                            "value; under tg.jit name that argument in static_argnums (or "
                            "static_argnames), or use tg.fori_loop, whose bounds may be traced.")
        sizes.add(int(length))
    if len(sizes) != 1:
        raise ValueError(f"tg.scan: the leading axes of xs (and length) must agree, got "
                         f"{sorted(sizes)}; pass xs=None with length=n to scan without xs."
                         if sizes else "tg.scan: with xs=None, give length=n.")
    return sizes.pop()


def _value(x: Any) -> Any:
    while type(x) is Traced:
        x = x._value
    return x


def scan(f: Callable[[Any, Any], tuple[Any, Any]], init: Any, xs: Any = None,
         length: int | None = None, reverse: bool = False,
         unroll: int | bool = 1) -> tuple[Any, Any]:
    """JAX's ``lax.scan``: ``carry, y = f(carry, x)`` over the leading axis of ``xs``.

    Recorded as one record holding ``f``'s program (traced once); every
    transform runs it as a loop. Wrap ``f`` in [checkpoint][tapegrad.checkpoint.checkpoint]
    (``tg.scan(tg.checkpoint(f), ...)``) to keep only about sqrt(n) carries
    for the backward pass. A loop's integers must stay within 2**53 in
    magnitude (it carries them as float64): beyond, an ``OverflowError``.

    Args:
      f: ``f(carry, x) -> (carry, y)``; the carry keeps its structure, shapes
        and dtypes; ``y`` is any pytree of numbers (or None).
      init: The initial carry (a pytree of numbers).
      xs: A pytree of arrays sharing a leading axis (the steps), or None.
      length: The number of steps when ``xs`` is None.
      reverse: Run from the last step to the first (``ys`` stays in order).
      unroll: JAX's hint of how many steps to unroll (a positive int or a
        bool); checked, and without effect on the results, as in JAX.

    Returns:
      ``(carry, ys)``: the final carry and the ``y``'s stacked along a new first axis.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> tg.scan(lambda c, x: (c + x, c * x), 0.0, np.arange(1.0, 4.0))
      (np.float64(6.0), array([0., 2., 9.]))
    """
    check_callable(f, "scan")
    _check_unroll("tg.scan", unroll, allow_none=False)
    return _scan(f, init, xs, length, reverse)


def _check_unroll(what: str, unroll: Any, allow_none: bool) -> None:
    """JAX's check of ``unroll``: a bool or a positive int (``fori_loop``: or None)."""
    if unroll is None and allow_none or isinstance(unroll, bool | np.bool_):
        return
    if not isinstance(unroll, int | np.integer) or unroll < 1:
        raise ValueError(f"{what}: unroll must be a bool or a positive int, got {unroll!r}.")


def _scan(f: Callable[[Any, Any], tuple[Any, Any]], init: Any, xs: Any, length: int | None,
          reverse: bool, what: str = "tg.scan", name: str = "f") -> tuple[Any, Any]:
    """``scan``, its errors naming ``what`` and its function ``name`` (``fori_loop``'s too)."""
    carry, htd = leaves_of(init)
    xl, xtd = leaves_of(xs)
    n = _length(xl, length)
    x_kinds = [Kind(kind_of(x).dtype, kind_of(x).shape[1:], "") for x in xl]
    x_kinds = [k if k.shape else Kind(k.dtype, (), _scalar_tag(k.dtype)) for k in x_kinds]
    x0 = [at(_value(x), 0, k) if n else k.zero() for x, k in zip(xl, x_kinds)]
    remat = getattr(f, "checkpointed", False)
    step = getattr(f, "__wrapped__", f) if remat else f   # the scan checkpoints by segments
    kinds = [kind_of(x) for x in carry]

    def traced(c: list[Any], x: list[Any], ints: list[int]) -> tuple[Any, Any]:
        new, y = _pair(step(tree.unflatten(htd, c), tree.unflatten(xtd, x)))
        return _as_ints(_weak(new, htd, kinds), ints), _as_ints(y, ints, len(kinds))
    body = trace_body(lambda c, x: traced(c, x, []), [carry, x0], "scan")
    if (promoted := _promoted(init, carry, body.out_kinds)) is not None:   # as JAX: again
        carry, kinds = promoted, [kind_of(x) for x in promoted]
        body = trace_body(lambda c, x: traced(c, x, []), [carry, x0], "scan")
    ints = _jit_ints(body, kinds)
    if ints:                # traced again, those leaves cast: np.int64, as eager computes them
        body = trace_body(lambda c, x: traced(c, x, ints), [carry, x0], "scan")
    index = x_kinds[0].dtype if what == "tg.fori_loop" else None
    _check_carry(what, name, tree.unflatten(htd, carry), body.out[0],
                 [kind_of(x) for x in carry], index)
    nh = len(carry)
    loop = Loop(body.prog, body.const_kinds, [kind_of(x) for x in carry], x_kinds,
                body.out_kinds[nh:], bool(reverse), remat=remat)
    vec = pack_inputs(n, [np.array([float(n)]), *body.consts, *carry], xl)
    out = scan_p(loop, vec)
    new = unpack(out, loop.carry, 1)
    ys = _unrows(getitem(out, slice(1 + size(loop.carry), None)), n, loop.ys) if loop.ys else []
    return (tree.unflatten(htd, new),
            tree.unflatten(tree.structure(body.out[1]), ys))


def _promoted(init: Any, carry: list[Any], out_kinds: list[Kind]) -> list[Any] | None:
    """The carry, each Python float the body made a narrower NumPy float cast to it; or None.

    JAX promotes a weakly typed initial carry to the body's output type and
    traces again; so a Python loop does (``c = 0.0; c = c + np.float32(x)``).
    Only a Python float given in ``init`` is weak (an ``np.float64`` is not).
    While ``jit`` or ``vmap`` traces, only an untraced one (a literal of the
    function, ``scan(f, 0.5, xs)``): they trace an ``np.float64`` argument
    (an example of a float64 batch) as a Python float, so a traced carry
    stays refused there rather than become a float32 eager would not give.
    """
    staging = any(t.staging for t in active_tapes())
    given = [type(x) is float or not staging and type(_value(x)) is float
             for x in tree.leaves(init)]
    weak = [g and kind_of(x).scalar == "float" and b.shape == () and b.dtype.kind == "f"
            and b.dtype != F64 for g, x, b in zip(given, carry, out_kinds)]
    if not any(weak):
        return None
    return [(astype(x, b.dtype) if type(x) is Traced else b.dtype.type(x)) if w else x
            for x, b, w in zip(carry, out_kinds, weak)]


def _scalar_tag(dtype: np.dtype) -> str:
    """How one step of a 1-D ``xs`` leaf reaches the body: a float, an int, or a 0-d float32."""
    return "float" if dtype == F64 else "np" if dtype.kind in "iub" else ""


def _pair(out: Any) -> tuple[Any, Any]:
    if not (isinstance(out, tuple | list) and len(out) == 2):
        raise TypeError(f"tg.scan: f must return a pair (carry, y), got "
                        f"{type(out).__name__}.")
    return out[0], out[1]


def while_loop(cond_fun: Callable[[Any], Any], body_fun: Callable[[Any], Any],
               init_val: Any) -> Any:
    """JAX's ``lax.while_loop``: ``while cond_fun(val): val = body_fun(val)``.

    Differentiable in both modes, reverse mode too: once the loop ran, its
    trip count is known, and the backward pass is a loop of that many steps
    over the stored carries. Under ``vmap`` each example runs its own trip count.

    Args:
      cond_fun: ``cond_fun(val) -> bool`` (traced values allowed).
      body_fun: ``body_fun(val) -> val``, keeping structure, shapes and dtypes.
      init_val: The initial value (a pytree of numbers).

    Returns:
      The value once ``cond_fun`` is false.

    Examples:
      >>> import tapegrad as tg
      >>> tg.while_loop(lambda x: x < 10.0, lambda x: 2.0 * x, 1.0)
      np.float64(16.0)
    """
    check_callable(cond_fun, "while_loop")
    check_callable(body_fun, "while_loop")
    carry, htd = leaves_of(init_val)
    kinds = [kind_of(x) for x in carry]
    body = trace_body(lambda c: _weak(body_fun(tree.unflatten(htd, c)), htd, kinds), [carry],
                      "while_loop")
    if (promoted := _promoted(init_val, carry, body.out_kinds)) is not None:   # as JAX
        carry, kinds = promoted, [kind_of(x) for x in promoted]
        body = trace_body(lambda c: _weak(body_fun(tree.unflatten(htd, c)), htd, kinds),
                          [carry], "while_loop")
    cond = _trace_cond(cond_fun, htd, carry)
    ints = _jit_ints(body, kinds)
    if ints:                # traced again, those leaves cast: np.int64, as eager computes them
        body = trace_body(lambda c: _as_ints(_weak(body_fun(tree.unflatten(htd, c)), htd, kinds),
                                             ints), [carry], "while_loop")
    _check_carry("tg.while_loop", "body_fun", tree.unflatten(htd, carry), body.out, kinds)
    loop = Loop(body.prog, body.const_kinds, kinds, [], [], cond=cond.prog,
                cond_consts=cond.const_kinds)
    vec = pack_inputs(0, [np.zeros(1), *cond.consts, *body.consts, *carry])
    return tree.unflatten(htd, unpack(while_p(loop, vec), kinds, 1))


def _trace_cond(cond_fun: Callable[[Any], Any], htd: Any, carry: list[Any]) -> Body:
    cond = trace_body(lambda c: cond_fun(tree.unflatten(htd, c)), [carry], "while_loop")
    k = cond.out_kinds
    if len(k) != 1 or k[0].shape != () or k[0].dtype.kind not in "biuf":
        raise TypeError("tg.while_loop: cond_fun must return one boolean scalar, got "
                        f"{cond.out!r:.60}.")
    return cond


def fori_loop(lower: Any, upper: Any, body_fun: Callable[[Any, Any], Any],
              init_val: Any, *, unroll: int | bool | None = None) -> Any:
    """JAX's ``lax.fori_loop``: ``for i in range(lower, upper): val = body_fun(i, val)``.

    With Python int bounds it is a [scan][tapegrad.scan] of ``upper - lower``
    steps (``tg.checkpoint`` on ``body_fun`` applies); with traced bounds a
    [while_loop][tapegrad.while_loop]. Both are differentiable in both modes.

    Args:
      lower: The first index (an int, or traced).
      upper: One past the last index.
      body_fun: ``body_fun(i, val) -> val``; ``i`` is an ``np.int64`` scalar (of the
        bounds' dtype when they are NumPy integers, as in JAX).
      init_val: The initial value (a pytree of numbers).
      unroll: JAX's unrolling hint (None, a bool or a positive int); checked,
        and without effect on the results.

    Returns:
      The value after the last step.

    Examples:
      >>> import tapegrad as tg
      >>> tg.fori_loop(0, 4, lambda i, x: x * 2.0 + i, 1.0)
      np.float64(27.0)
    """
    check_callable(body_fun, "fori_loop")
    _check_unroll("tg.fori_loop", unroll, allow_none=True)
    if isinstance(lower, int | np.integer) and isinstance(upper, int | np.integer):
        def step(val: Any, i: Any) -> tuple[Any, None]:
            return body_fun(i, val), None
        if getattr(body_fun, "checkpointed", False):
            step = checkpoint(step)
        lo, hi = int(lower), max(int(upper), int(lower))
        idx = np.arange(lo, hi, dtype=_index_dtype(lower, upper, lo, hi))
        return _scan(step, init_val, idx, len(idx), False, "tg.fori_loop", "body_fun")[0]
    out = while_loop(lambda s: s[0] < upper, lambda s: (s[0] + 1, body_fun(s[0], s[1])),
                     (_int(lower), init_val))
    return out[1]


def _index_dtype(lower: Any, upper: Any, lo: int, hi: int) -> np.dtype:
    """The index's dtype: NumPy integer bounds give theirs (as in JAX), where it holds them."""
    if not (isinstance(lower, np.integer) or isinstance(upper, np.integer)):
        return np.dtype(np.int64)
    dtype = np.result_type(np.asarray(lower).dtype, np.asarray(upper).dtype)
    info = np.iinfo(dtype)
    return dtype if info.min <= lo and hi - 1 <= info.max else np.dtype(np.int64)


def _int(x: Any) -> Any:
    """A lower bound as an integer index (``jit`` traces an int argument as a float)."""
    if type(x) is Traced:
        return astype(x, np.int64)
    return np.int64(x)
