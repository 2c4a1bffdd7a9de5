"""``tg.checkpoint`` (JAX's ``jax.checkpoint``, alias ``remat``): recompute, don't store.

``checkpoint(f)`` called under a transform records ONE record holding
``f``'s program; reverse mode recomputes ``f``'s inside from the record's
inputs when the cotangent arrives, instead of keeping every intermediate on
the tape. As in JAX, the loops read it from their body:
``tg.scan(tg.checkpoint(f), init, xs)`` (and ``tg.fori_loop`` with a
checkpointed body and Python int bounds) keep only every k-th carry, with
k about sqrt(n): the backward recomputes each segment of k steps from its
first carry, so memory grows as sqrt(n), for about one more forward pass.
The gradient is the same, bit for bit: the same operations run in the same
order, and each segment continues the sums of the one after it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from . import tree
from .indexing import getitem
from .loop_body import (
    F64,
    Body,
    Kind,
    compiled,
    normalize,
    pack,
    pack_np,
    renumbered,
    trace_body,
    unpack,
    unpack_np,
)
from .loop_prims import Loop, list_with_body, pack_inputs, scan_p, size, zip_p
from .loop_rules import (
    REMAT,
    _cat,
    _floaty,
    _sl,
    derived,
    fit,
    pullback,
    push,
    scan_cotangent,
    segment_length,
)
from .primitive import Primitive, defjvp, defvjp, primitive
from .shapes import reshape_p
from .tape import Const, active_tapes, listings
from .values import Traced

__all__ = ["checkpoint", "remat_cotangent"]


class _Remat:
    """The constant argument of a ``checkpoint`` record: the traced function."""

    __slots__ = ("body", "fn")

    def __init__(self, body: Body):
        self.body = body.slim()
        self.fn: Callable[[list[Any]], list[Any]] | None = None    # compiled when first run

    def __repr__(self) -> str:
        return f"checkpoint_body({len(self.body.prog.eqns)})"

    def listing(self, indent: str = "  ") -> str:
        """The function's program, indented, for ``print(tape)``."""
        return "\n".join(indent + line for line in str(renumbered(self.body.prog)).splitlines())


def _remat(r: _Remat, vec: np.ndarray) -> np.ndarray:
    b = r.body
    if r.fn is None:
        r.fn = compiled(b.prog)
    return pack_np(r.fn(unpack_np(np.asarray(vec, F64), b.const_kinds + b.in_kinds)))


def _inputs(b: Body, vec: Any) -> list[Any]:
    return unpack(vec, b.const_kinds + b.in_kinds)


remat_p: Primitive = primitive(_remat, "checkpoint", check_rules=False)
listings[remat_p] = list_with_body


def _remat_vjp(g: Any, ans: Any, r: _Remat, vec: Any) -> Any:
    b = r.body
    ins = b.const_kinds + b.in_kinds
    return pack(pullback(b.prog, _inputs(b, vec), unpack(g, b.out_kinds), ins, b.out_kinds))


def _remat_jvp(t: Any, ans: Any, r: _Remat, vec: Any) -> Any:
    b = r.body
    ins = b.const_kinds + b.in_kinds
    return pack(push(b.prog, _inputs(b, vec), unpack(t, ins), ins, b.out_kinds)[1])


defvjp(remat_p, None, _remat_vjp)
defjvp(remat_p, None, _remat_jvp)


def checkpoint(fun: Callable[..., Any], *, prevent_cse: bool = True, policy: Any = None,
               static_argnums: int | tuple[int, ...] = ()) -> Callable[..., Any]:
    """``fun`` whose inside the backward pass recomputes instead of storing (``jax.checkpoint``).

    Outside any transform ``fun`` just runs. Under one, the call is one
    record: reverse mode runs ``fun`` again on the record's inputs when its
    cotangent arrives. Given as the body of ``tg.scan`` (or of
    ``tg.fori_loop`` with int bounds), the loop stores only about sqrt(n)
    carries for its backward pass. Gradients are unchanged, bit for bit.

    Args:
      fun: A function of pytrees of numbers, returning one.
      prevent_cse: Accepted for JAX's signature (tapegrad never merges the recomputation).
      policy: Accepted for JAX's signature; only None (save nothing) is supported.
      static_argnums: Positional arguments passed as they are, not traced (a
        Python int that drives a branch, say). Arguments that are no numbers
        (a str, a function) are passed so anyway.

    Returns:
      The wrapped function (``.checkpointed`` is True).

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> step = tg.checkpoint(lambda c, x: (tg.sin(c) * x, None))
      >>> f = lambda x0: tg.scan(step, x0, np.ones(100))[0]
      >>> bool(tg.grad(f)(0.5) == tg.grad(lambda x0: tg.scan(step.__wrapped__, x0,
      ...                                                      np.ones(100))[0])(0.5))
      True
    """
    if policy is not None:
        raise NotImplementedError("tg.checkpoint: only policy=None (store nothing) is "
                                  "supported.")

    statics = (static_argnums,) if isinstance(static_argnums, int) else tuple(static_argnums)

    @functools.wraps(fun)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not active_tapes():
            return fun(*args, **kwargs)
        fixed = {k % len(args) for k in statics if -len(args) <= k < len(args)}
        traced = tuple(None if k in fixed else a for k, a in enumerate(args))
        every, td = tree.flatten((traced, kwargs))
        numbers = [k for k, x in enumerate(every) if not _static(x)]
        leaves = [normalize(every[k]) for k in numbers]

        def flat(xs: list[Any]) -> Any:
            full = list(every)            # other leaves (a str, a function) are constants
            for k, x in zip(numbers, xs):
                full[k] = x
            a, kw = tree.unflatten(td, full)
            return fun(*(args[k] if k in fixed else x for k, x in enumerate(a)), **kw)
        body = trace_body(flat, [leaves], "checkpoint")
        vec = pack_inputs(0, [*body.consts, *leaves])
        out = unpack(remat_p(_Remat(body), vec), body.out_kinds)
        out = [o.value if isinstance(o, Const) else reshape_p(x, ()) if k.scalar == "float"
               else x for o, x, k in zip(body.prog.outputs, out, body.out_kinds)]
        # (a constant output as it is; a float one a float, not its slot's np.float64)
        return tree.unflatten(tree.structure(body.out), out)
    wrapped.checkpointed = True    # type: ignore[attr-defined]
    return wrapped


def _static(x: Any) -> bool:
    """A leaf that is no number (a str, a function...): a constant of the trace, as it is."""
    return type(x) is not Traced and np.asarray(x).dtype.kind not in "biufc"


# ---------------------------------------------------- checkpointed scans
def _segments(loop: Loop, k: int) -> tuple[Loop, Loop]:
    """The loops over segments of ``k`` steps: one keeps each first carry, one goes back."""
    key = f"segments {k}"
    if key not in loop.derived:
        loop.derived[key] = _segment_loops(loop, k)    # type: ignore[assignment]
    return loop.derived[key]    # type: ignore[return-value]


def _segment_loops(loop: Loop, k: int) -> tuple[Loop, Loop]:
    plain = derived(loop, "plain")
    nc, nh = len(loop.consts), len(loop.carry)
    cs, hs = size(loop.consts), size(loop.carry)
    sx, sy = Kind(F64, (k * size(loop.xs),), ""), Kind(F64, (k * size(loop.ys),), "")
    head = np.array([float(k)])

    def keep(c: list[Any], h: list[Any], xx: list[Any]) -> tuple[list[Any], list[Any]]:
        out = scan_p(plain, _cat([head, pack(c), pack(h), xx[0]]))
        return [fit(x, q) for x, q in zip(unpack(out, loop.carry, 1), loop.carry)], list(h)

    def back(c: list[Any], carry: list[Any], xx: list[Any]) -> tuple[list[Any], list[Any]]:
        h, xseg, gyseg = xx[:nh], xx[nh], xx[nh + 1]
        cot = scan_cotangent(plain, _cat([head, pack(c), pack(h), xseg]),
                             _cat([np.zeros(1), pack(carry[nc:]), gyseg]), pack(carry[:nc]))
        gc = [fit(x, q) if _floaty(q) else a
              for x, q, a in zip(unpack(cot, loop.consts, 1), loop.consts, carry)]
        gh = [fit(x, q) for x, q in zip(unpack(cot, loop.carry, 1 + cs), loop.carry)]
        return gc + gh, [_sl(cot, 1 + cs + hs)]
    seen = [_plain(v) for v in loop.body.seen]
    c0, h0 = seen[:nc], seen[nc:nc + nh]
    zc, zh = [q.zero() for q in loop.consts], [q.zero() for q in loop.carry]
    kb = trace_body(keep, [c0, h0, [sx.zero()]], "scan")
    bb = trace_body(back, [c0, zc + zh, h0 + [sx.zero(), sy.zero()]], "scan")
    return (Loop(kb.prog, loop.consts, loop.carry, [sx], loop.carry),
            Loop(bb.prog, loop.consts, loop.consts + loop.carry, loop.carry + [sx, sy], [sx],
                 reverse=True))


def _plain(v: Any) -> Any:
    while type(v) is Traced:
        v = v._value
    return v


def remat_cotangent(loop: Loop, vec: Any, g: Any) -> Any:
    """A checkpointed scan's input cotangent: segments of about sqrt(n) steps.

    The carries at the start of each segment are kept (a scan over
    segments); going back, each segment recomputes its own carries from its
    first one and runs the backward scan over them. The steps past the
    last whole segment go first, as an ordinary scan.
    """
    n = int(_plain(getitem(vec, 0)) if type(vec) is Traced else vec[0])
    k = segment_length(n)
    m, plain = n // k, derived(loop, "plain")
    if m < 2:
        return scan_cotangent(plain, vec, g)
    cs, hs, xw, yw = size(loop.consts), size(loop.carry), size(loop.xs), size(loop.ys)
    a, mx, my = 1 + cs + hs, m * k * xw, m * k * yw
    keep, back = _segments(loop, k)
    kept = scan_p(keep, _cat([np.array([float(m)]), _sl(vec, 1, a), _sl(vec, a, a + mx)]))
    rest = scan_cotangent(plain, _cat([np.array([float(n - m * k)]), _sl(vec, 1, 1 + cs),
                                       _sl(kept, 1, 1 + hs), _sl(vec, a + mx)]),
                          _cat([np.zeros(1), _sl(g, 1, 1 + hs), _sl(g, 1 + hs + my)]))
    rows = zip_p((hs, k * xw, k * yw), _sl(kept, 1 + hs), _sl(vec, a, a + mx),
                 _sl(g, 1 + hs, 1 + hs + my))
    out = scan_p(back, _cat([np.array([float(m)]), _sl(vec, 1, 1 + cs), _sl(rest, 1, a),
                             rows]))
    return _cat([np.zeros(1), _sl(out, 1), _sl(rest, a)])



REMAT.append(remat_cotangent)
