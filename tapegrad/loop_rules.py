"""The loop primitives' derivatives, written as loops (so every order works).

Reverse mode of a scan of ``n`` steps is two more loops: one that runs the
body again keeping each step's carry (the residuals), and a scan backwards
over them whose body is the body's vjp. A ``while_loop`` is a scan once it
ran: its record returns its trip count, and its rules are the rules of the
scan of that many steps. Forward mode is one scan whose body is the body's
jvp. Each derived body is traced once per loop (``derived``), from the
body's program played on traced values, so a derivative of a derivative
traces the derived body again: grad of grad, jvp of grad, hessians.

``tg.checkpoint`` on a scan's body (``Loop.remat``) keeps only every k-th
carry (k about sqrt(n)): the backward recomputes each segment's carries
from its first one, so memory grows as sqrt(n), for one more forward pass.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, cast

import numpy as np

from .arrays import astype, concatenate
from .indexing import getitem
from .loop_body import F64, Kind, kind_of, run, trace_body
from .loop_prims import Loop, list_with_body, scan_p, size, unzip_p, while_p, zip_p
from .primitive import Primitive, defjvp, defvjp, primitive
from .shapes import broadcast_to
from .staging.program import Program
from .tape import listings
from .transforms import jvp, vjp
from .values import Traced, primal_value

__all__ = ["derived", "scan_cotangent", "scan_tangent"]


def _sl(v: Any, a: int, b: int | None = None) -> Any:
    return getitem(v, slice(a, b))


def _cat(parts: Sequence[Any]) -> Any:
    parts = [p for p in parts if type(p) is Traced or np.size(p)]
    if not parts:
        return np.zeros(0)
    return concatenate(parts) if len(parts) > 1 else parts[0]


def _floaty(k: Kind) -> bool:
    return bool(k.dtype.kind == "f")


def fit(x: Any, k: Kind) -> Any:
    """``x`` (a cotangent or tangent) as a value of kind ``k``."""
    if x is None:
        return k.zero()
    got = kind_of(x)
    if got.dtype == k.dtype and got.shape == k.shape:
        return x
    if type(x) is not Traced:
        return k.from_flat(np.broadcast_to(np.asarray(x, F64), k.shape).reshape(-1))
    if got.shape != k.shape:
        x = broadcast_to(x, k.shape)
    return astype(x, k.dtype) if got.dtype != k.dtype else x


def pullback(prog: Program, inputs: list[Any], cts: list[Any], ins: list[Kind],
             outs: list[Kind]) -> list[Any]:
    """The cotangent of each input of ``prog`` at ``inputs`` (zero for integer ones)."""
    fl = [i for i, k in enumerate(ins) if _floaty(k)]
    fo = [j for j, k in enumerate(outs) if _floaty(k)]
    res = [k.zero() for k in ins]
    if not fl or not fo:
        return res

    def f(*xs: Any) -> list[Any]:
        full = list(inputs)
        for i, x in zip(fl, xs):
            full[i] = x
        got = run(prog, full)
        return [got[j] for j in fo]
    pull = vjp(f, *[inputs[i] for i in fl])[1]
    for i, c in zip(fl, pull([cts[j] for j in fo])):
        res[i] = fit(c, ins[i])
    return res


def push(prog: Program, inputs: list[Any], tans: list[Any], ins: list[Kind],
         outs: list[Kind]) -> tuple[list[Any], list[Any]]:
    """``prog``'s outputs at ``inputs`` and their tangents (zero for integer ones)."""
    fl = [i for i, k in enumerate(ins) if _floaty(k)]
    if not fl:
        return run(prog, inputs), [k.zero() for k in outs]

    def f(*xs: Any) -> list[Any]:
        full = list(inputs)
        for i, x in zip(fl, xs):
            full[i] = x
        return run(prog, full)
    got, touts = jvp(f, [inputs[i] for i in fl], [tans[i] for i in fl])
    return list(got), [fit(t, k) if _floaty(k) else k.zero() for t, k in zip(touts, outs)]


# ------------------------------------------------------------ derived loops
def _samples(loop: Loop) -> tuple[list[Any], list[Any], list[Any]]:
    seen = [primal_value(v) for v in loop.body.seen]
    nc, nh = len(loop.consts), len(loop.carry)
    return seen[:nc], seen[nc:nc + nh], seen[nc + nh:]


def _zeros(kinds: Sequence[Kind]) -> list[Any]:
    return [k.zero() for k in kinds]


def _residuals(loop: Loop) -> Loop:
    """The same scan, its ys extended by each step's carry in."""
    p, nc, nh = loop.body, len(loop.consts), len(loop.carry)
    prog = Program(p.inputs, p.eqns, p.outputs + p.inputs[nc:nc + nh], p.sources, p.seen)
    return Loop(prog, loop.consts, loop.carry, loop.xs, loop.ys + loop.carry, loop.reverse)


def _backward(loop: Loop) -> Loop:
    """The scan backwards: carry (gc, gh), x (h, x, gy), y gx."""
    nc, nh, nx = len(loop.consts), len(loop.carry), len(loop.xs)
    ins, outs = loop.consts + loop.carry + loop.xs, loop.carry + loop.ys

    def bwd(c: list[Any], carry: list[Any], xx: list[Any]) -> tuple[list[Any], list[Any]]:
        gc_acc, gh = carry[:nc], carry[nc:]
        h, x, gy = xx[:nh], xx[nh:nh + nx], xx[nh + nx:]
        cts = pullback(loop.body, c + h + x, gh + gy, ins, outs)
        gc = [a + b if _floaty(k) else a for a, b, k in zip(gc_acc, cts[:nc], loop.consts)]
        return gc + cts[nc:nc + nh], cts[nc + nh:]
    c0, h0, x0 = _samples(loop)
    body = trace_body(bwd, [c0, _zeros(loop.consts + loop.carry), h0 + x0 + _zeros(loop.ys)],
                      "scan")
    return Loop(body.prog, loop.consts, loop.consts + loop.carry,
                loop.carry + loop.xs + loop.ys, loop.xs, not loop.reverse)


def _tangent(loop: Loop) -> Loop:
    """The scan with tangents: consts (c, tc), carry (h, th), x (x, tx), y (y, ty)."""
    nc, nh, nx = len(loop.consts), len(loop.carry), len(loop.xs)
    ins, outs = loop.consts + loop.carry + loop.xs, loop.carry + loop.ys

    def tan(cc: list[Any], hh: list[Any], xx: list[Any]) -> tuple[list[Any], list[Any]]:
        got, touts = push(loop.body, cc[:nc] + hh[:nh] + xx[:nx],
                          cc[nc:] + hh[nh:] + xx[nx:], ins, outs)
        return got[:nh] + touts[:nh], got[nh:] + touts[nh:]
    c0, h0, x0 = _samples(loop)
    body = trace_body(tan, [c0 + _zeros(loop.consts), h0 + _zeros(loop.carry),
                            x0 + _zeros(loop.xs)], "scan")
    return Loop(body.prog, loop.consts * 2, loop.carry * 2, loop.xs * 2, loop.ys * 2,
                loop.reverse)


_MAKERS: dict[str, Callable[[Loop], Loop]] = {
    "residuals": _residuals, "backward": _backward, "tangent": _tangent,
    "scan": lambda w: Loop(w.body, w.consts, w.carry, [], []),
    "plain": lambda w: Loop(w.body, w.consts, w.carry, w.xs, w.ys, w.reverse),
}


def derived(loop: Loop, what: str) -> Loop:
    """A loop ``loop``'s rules run, traced once and kept on ``loop``."""
    d = loop.derived.get(what)
    if d is None:
        d = loop.derived[what] = _MAKERS[what](loop)
    return d


# ---------------------------------------------------------------- the rules
REMAT: list[Callable[[Loop, Any, Any], Any]] = []
"""The checkpointed scan's cotangent, set by ``checkpoint.py`` (it builds on this module)."""


def scan_cotangent(loop: Loop, vec: Any, g: Any, gc0: Any = None) -> Any:
    """The cotangent of a scan's input vector, given its output's ``g``.

    ``gc0`` is what the consts' cotangent starts from (zero by default): a
    checkpointed scan hands each segment the sum so far, so the sums are
    the unchecked scan's, bit for bit.
    """
    if loop.remat and not loop.reverse and REMAT:
        return REMAT[0](loop, vec, g)       # checkpoint.py's segments
    cs, hs = size(loop.consts), size(loop.carry)
    xw, yw = size(loop.xs), size(loop.ys)
    res = scan_p(derived(loop, "residuals"), vec)
    hrows = unzip_p((yw, hs), 1, _sl(res, 1 + hs))
    rows = zip_p((hs, xw, yw), hrows, _sl(vec, 1 + cs + hs), _sl(g, 1 + hs))
    bvec = _cat([_sl(vec, 0, 1 + cs), np.zeros(cs) if gc0 is None else gc0, _sl(g, 1, 1 + hs),
                 rows])
    out = scan_p(derived(loop, "backward"), bvec)
    return _cat([np.zeros(1), _sl(out, 1)])


def scan_tangent(loop: Loop, vec: Any, t: Any) -> Any:
    """The tangent of a scan's output vector, given its input's ``t``."""
    cs, hs = size(loop.consts), size(loop.carry)
    xw, yw = size(loop.xs), size(loop.ys)
    a = 1 + cs + hs
    rows = zip_p((xw, xw), _sl(vec, a), _sl(t, a))
    jvec = _cat([_sl(vec, 0, 1 + cs), _sl(t, 1, 1 + cs), _sl(vec, 1 + cs, a), _sl(t, 1 + cs, a),
                 rows])
    out = scan_p(derived(loop, "tangent"), jvec)
    return _cat([np.zeros(1), _sl(out, 1 + hs, 1 + 2 * hs),
                 unzip_p((yw, yw), 1, _sl(out, 1 + 2 * hs))])


def _while_scan(loop: Loop, ans: Any, v: Any) -> Any:
    """The scan a while loop ran: ``[n] + consts + carry`` (the cond's consts dropped)."""
    cc = size(loop.cond_consts)
    return _cat([_sl(ans, 0, 1), _sl(v, 1 + cc, 1 + cc + size(loop.consts) + size(loop.carry))])


def _while_cotangent(loop: Loop, vec: Any, ans: Any, g: Any) -> Any:
    """A while loop's input cotangent: the scan of its trip count's, backwards."""
    hs, cc = size(loop.carry), size(loop.cond_consts)
    cot = scan_cotangent(derived(loop, "scan"), _while_scan(loop, ans, vec),
                         _cat([np.zeros(1), _sl(g, 1, 1 + hs)]))
    return _cat([np.zeros(1 + cc), _sl(cot, 1)])


# One record for the whole backward of a while loop: the loops inside it have
# as many steps as it ran, which only its impl knows, so what ``vmap`` and
# ``jit`` see keeps one shape for every trip count (each example its own).
while_vjp_p: Primitive = primitive(_while_cotangent, "while_vjp", check_rules=False)
listings[while_vjp_p] = list_with_body


class Fused:
    """A function of numbers run as ONE record (``fused_p``), whatever it runs inside.

    Its derivatives are records of the same kind (the vjp or jvp of ``fn``
    in argument ``k``), so no order of derivative shows its inside to
    ``vmap`` or ``jit``: a while loop's backward pass, whose loops have as
    many steps as it ran, keeps one shape per record at every order.
    """

    __slots__ = ("fn", "name", "diff", "rules")

    def __init__(self, fn: Callable[..., Any], name: str, diff: tuple[int, ...]):
        self.fn, self.name, self.diff = fn, name, diff   # diff: the differentiable arguments
        self.rules: dict[tuple[str, int], Fused] = {}

    def __repr__(self) -> str:
        return self.name

    def derivative(self, mode: str, k: int) -> Fused:
        """``(c, *args) -> `` the vjp (``mode="vjp"``) or jvp of ``fn`` in argument ``k``."""
        key = (mode, k)
        if key not in self.rules:
            def fn(c: Any, *args: Any) -> Any:
                def f(x: Any) -> Any:
                    return self.fn(*args[:k], x, *args[k + 1:])
                if mode == "vjp":
                    return vjp(f, args[k])[1](c)[0]
                return jvp(f, (args[k],), (c,))[1]
            diff = (0,) + tuple(d + 1 for d in self.diff)     # its arguments: c, then these
            self.rules[key] = Fused(fn, f"{self.name}_{mode}{k}", diff)
        return self.rules[key]


def _fused(spec: Fused, *args: Any) -> Any:
    return spec.fn(*args)


fused_p: Primitive = primitive(_fused, "fused", check_rules=False)


def _fused_rule(mode: str, k: int) -> Callable[..., Any]:
    def rule(c: Any, ans: Any, spec: Fused, *args: Any) -> Any:
        if k not in spec.diff:
            return None
        return fused_p(spec.derivative(mode, k), c, *args)
    return rule


defvjp(fused_p, None, *(_fused_rule("vjp", k) for k in range(8)))
defjvp(fused_p, None, *(_fused_rule("jvp", k) for k in range(8)))


def _while_vjp_spec(loop: Loop) -> Fused:
    """``(vec, ans, g) -> `` a while loop's input cotangent, as a ``Fused``; made once."""
    if "vjp fused" not in loop.derived:
        loop.derived["vjp fused"] = Fused(     # type: ignore[assignment]
            lambda vec, ans, g: _while_cotangent(loop, vec, ans, g), "while_vjp", (0, 2))
    return cast(Fused, loop.derived["vjp fused"])


def _while_vjp_rule(mode: str, k: int) -> Callable[..., Any]:
    def rule(c: Any, cot: Any, loop: Loop, vec: Any, ans: Any, g: Any) -> Any:
        return fused_p(_while_vjp_spec(loop).derivative(mode, k), c, vec, ans, g)
    return rule


defvjp(while_vjp_p, None, _while_vjp_rule("vjp", 0), None, _while_vjp_rule("vjp", 2))
defjvp(while_vjp_p, None, _while_vjp_rule("jvp", 0), None, _while_vjp_rule("jvp", 2))


def _while_jvp(t: Any, ans: Any, loop: Loop, vec: Any) -> Any:
    return scan_tangent(derived(loop, "scan"), _while_scan(loop, ans, vec),
                        _cat([np.zeros(1), _sl(_while_scan(loop, ans, t), 1)]))


defvjp(scan_p, None, lambda g, ans, loop, vec: scan_cotangent(loop, vec, g))
defjvp(scan_p, None, lambda t, ans, loop, vec: scan_tangent(loop, vec, t))
defvjp(while_p, None, lambda g, ans, loop, vec: while_vjp_p(loop, vec, ans, g))
defjvp(while_p, None, _while_jvp)


def segment_length(n: int) -> int:
    """The steps between two stored carries of a checkpointed scan: about sqrt(n)."""
    return max(1, math.isqrt(max(n - 1, 0)) + 1)

