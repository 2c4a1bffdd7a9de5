"""The loop primitives under ``jit``: a Python ``while``/``for`` in the generated code.

A ``while_p``, ``scan_p`` or ``while_vjp_p`` record is lowered to a call of
a function written for its loop: the body's program lowered as any program
(``lower._Writer``: its own straight-line statements, on registers of its
own), inside a Python ``while True`` (the condition's statements, then
``break`` where it is false) or ``for i in range(n)``, the carry in local
registers. The backward pass ``grad`` records for a while loop
(``while_vjp_p``) is two loops: the body again, keeping each carry, then the
body's vjp over them in reverse. Each function takes and returns the
record's flat vectors and does what the primitive's impl does, step for
step (``loop_prims._while``, ``_scan``, ``loop_rules._while_cotangent``),
so the numbers are eager's, bit for bit.
"""

from __future__ import annotations

import itertools
import linecache
import weakref
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..batching.rules import STAND_IN
from ..loop_body import F64, Kind
from ..loop_prims import Loop, pack_np, pack_rows_np, rows_np, scan_p, size, while_p
from ..loop_rules import derived, while_vjp_p
from .lower import _Writer, generated
from .passes import optimize
from .program import Const, Eqn, Program
from .source import CHUNK, Block, Pieces, Stmt, render

__all__: list[str] = []

_numbers = itertools.count()
_HELPERS = {"_asarray": np.asarray, "_array": np.array, "_F64": F64, "_concat": np.concatenate,
            "_zeros": np.zeros, "_empty": np.empty, "_pack_np": pack_np,
            "_pack_rows_np": pack_rows_np, "_rows_np": rows_np, "_stand_in": STAND_IN.get}


class _Code:
    """One generated loop function: its lines, and registers not yet used."""

    def __init__(self, w: _Writer):
        self.w = w
        self.lines: list[str] = []
        self.next_reg = 0

    def name(self, obj: Any) -> str:
        """A name the code reads ``obj`` by (a constant of the namespace)."""
        return self.w.const(Const(obj))

    def add(self, depth: int, lines: Sequence[str]) -> None:
        self.lines += ["    " * depth + s for s in lines]

    def program(self, prog: Program) -> tuple[list[str], list[str], list[str]]:
        """``prog``'s input registers, statements and output expressions.

        Its inputs stay live to the end (a loop reads them again), and its
        registers follow those of the programs lowered before it here.
        """
        prog = optimize(prog)
        w = _Writer(prog._replace(outputs=prog.outputs + prog.inputs))
        w.ns, w.consts, w.impls, w.extra = self.w.ns, self.w.consts, self.w.impls, self.w.extra
        w.n_regs, w.packed_io = itertools.count(self.next_reg), False
        body = w.body(frozenset(), {})
        self.next_reg = body.n_regs
        if w.guards or len(body.stmts) > CHUNK:
            raise _Refused
        outs = [f"r{w.regs[o]}" if isinstance(o, int) else w.const(o) for o in prog.outputs]
        lines = [s.strip() for st in body.stmts for s in _text(st).split("\n")]
        return [f"r{r}" for r in body.inputs], lines, outs

    def unpack(self, regs: Sequence[str], kinds: Sequence[Kind], vec: str, at: int) -> None:
        """``regs`` from the slots of ``vec`` from ``at`` (``Kind.from_flat``)."""
        for r, k in zip(regs, kinds):
            if k.scalar == "float":
                self.add(1, [f"{r} = float({vec}[{at}])"])
            elif k.scalar == "np":
                self.add(1, [f"{r} = {self.name(k.dtype.type)}({vec}[{at}])"])
            else:
                self.add(1, [f"{r} = {vec}[{at}:{at + k.size}].reshape({k.shape!r})"
                             f".astype({self.name(k.dtype)})"])
            at += k.size

    def step(self, x: str, k: Kind) -> str:
        """A stored step as the body reads it (``loop_prims.at``)."""
        if k.scalar == "float":
            return f"float({x})"
        if k.scalar == "np":
            return f"{self.name(k.dtype.type)}({x})"
        return f"_asarray({x}, {self.name(k.dtype)})"


class _Refused(Exception):
    """A loop this lowering does not write: the generated code calls the impl."""


def _text(st: Stmt | Block) -> str:
    if isinstance(st, Block):
        fast = "; ".join(f"r{s.target} = {render(s.expr, 'fast')}" for s in st.stmts)
        zero = "; ".join(f"r{s.target} = {render(s.expr, 'zero')}" for s in st.stmts)
        return f"if r{st.g}: {fast}\nelse: {zero}"
    text = render(st.expr)
    return text if st.target is None else f"r{st.target} = {text}"


def _assign(targets: Sequence[str], values: Sequence[str]) -> list[str]:
    """``a, b, = x, y,`` (nothing when there is nothing to assign)."""
    if not targets:
        return []
    return [f"{', '.join(targets)}, = {', '.join(values)},"]


def _packed(head: list[str], regs: Sequence[str], kinds: Sequence[Kind]) -> str:
    """The vector ``head + pack_np(regs)``: one ``np.array`` where every leaf is a scalar."""
    if all(k.shape == () and k.dtype.kind not in "iu" for k in kinds):   # ints: checked
        return f"_array([{', '.join(list(head) + list(regs))}], _F64)"
    return f"_concat([_array([{', '.join(head)}], _F64), _pack_np([{', '.join(regs)}])])"


# ------------------------------------------------------------------- while
def _while(c: _Code, loop: Loop) -> str:
    """``(vec) -> vec``: ``while_p``'s impl with the condition and body written in."""
    assert loop.cond is not None
    cin, cond, cout = c.program(loop.cond)
    bin_, body, bout = c.program(loop.body)
    ncc, nc = len(loop.cond_consts), len(loop.consts)
    c.add(1, ["v = _asarray(v, _F64)"])
    c.unpack(cin[:ncc], loop.cond_consts, "v", 1)
    a = 1 + size(loop.cond_consts)
    c.unpack(bin_[:nc], loop.consts, "v", a)
    c.unpack(bin_[nc:], loop.carry, "v", a + size(loop.consts))
    carry = bin_[nc:]
    c.add(1, ["n, stand_in = 0, _stand_in()     # vmap's stand-in example: no step",
              "while True:"])
    c.add(2, _assign(cin[ncc:], carry) + cond + [f"if stand_in or not bool({cout[0]}): break"])
    c.add(2, body + _assign(carry, bout) + ["n += 1"])
    c.add(1, [f"return {_packed(['float(n)'], carry, loop.carry)}"])
    return "v"


# -------------------------------------------------------------------- scan
def _scan(c: _Code, loop: Loop) -> str:
    """``(vec) -> vec``: ``scan_p``'s impl with the body written in."""
    bin_, body, bout = c.program(loop.body)
    nc, nh = len(loop.consts), len(loop.carry)
    c.add(1, ["v = _asarray(v, _F64)", "n = int(v[0])"])
    c.unpack(bin_[:nc], loop.consts, "v", 1)
    a = 1 + size(loop.consts)
    c.unpack(bin_[nc:nc + nh], loop.carry, "v", a)
    xs = [f"x{j}" for j in range(len(loop.xs))]
    ys = [f"y{j}" for j in range(len(loop.ys))]
    if xs:
        c.add(1, [f"{', '.join(xs)}, = _rows_np(v[{a + size(loop.carry)}:], n, "
                  f"{c.name(loop.xs)})"])
    for y, k in zip(ys, loop.ys):
        c.add(1, [f"{y} = _empty((n,) + {k.shape!r}, {c.name(k.dtype)})"])
    c.add(1, ["for i in range(n - 1, -1, -1):" if loop.reverse else "for i in range(n):"])
    steps = [f"{r} = {c.step(f'{x}[i]', k)}" for r, x, k in zip(bin_[nc + nh:], xs, loop.xs)]
    c.add(2, steps + body + _assign(bin_[nc:nc + nh] + [f"{y}[i]" for y in ys], bout)
          or ["pass"])
    c.add(1, [f"return _concat([[float(n)], _pack_np([{', '.join(bin_[nc:nc + nh])}]), "
              f"_pack_rows_np([{', '.join(ys)}], n)])"])
    return "v"


# ----------------------------------------------------- a while loop's vjp
def _while_vjp(c: _Code, loop: Loop) -> str:
    """``(vec, ans, g) -> cotangent``: the body again keeping each carry, then its vjp back.

    As ``loop_rules._while_cotangent``: the scan of the trip count's
    residuals, then the backward scan over them, from the last step.
    """
    back = derived(derived(loop, "scan"), "backward")
    fin, fwd, fout = c.program(loop.body)
    bin_, bwd, bout = c.program(back.body)
    nc, nh = len(loop.consts), len(loop.carry)
    a = 1 + size(loop.cond_consts)
    carry = fin[nc:]
    c.add(1, ["v = _asarray(v, _F64)", "n = int(ans[0])"])
    c.unpack(fin[:nc], loop.consts, "v", a)
    c.unpack(carry, loop.carry, "v", a + size(loop.consts))
    c.add(1, ["hs = []", "for i in range(n):"])
    c.add(2, [f"hs.append(({''.join(r + ', ' for r in carry)}))"] + fwd + _assign(carry, fout))
    c.unpack(bin_[:nc], loop.consts, "v", a)
    c.add(1, [f"z = _zeros({size(loop.consts)})"])
    c.unpack(bin_[nc:2 * nc], loop.consts, "z", 0)
    c.unpack(bin_[2 * nc:2 * nc + nh], loop.carry, "g", 1)
    hs = [f"h{j}" for j in range(nh)]
    c.add(1, ["for i in range(n):"])
    steps = [f"{r} = {c.step(h, k)}" for r, h, k in zip(bin_[2 * nc + nh:], hs, loop.carry)]
    c.add(2, [f"{''.join(h + ', ' for h in hs) or '_ '}= hs.pop()"] + steps + bwd
          + _assign(bin_[nc:2 * nc + nh], bout[:nc + nh]))
    c.add(1, [f"return {_packed(['0.0'] * a, bin_[nc:2 * nc + nh], loop.consts + loop.carry)}"])
    return "v, ans, g"


_WRITERS: dict[Any, Callable[[_Code, Loop], str]] = {
    while_p: _while, scan_p: _scan, while_vjp_p: _while_vjp}


def _lowered(w: _Writer, e: Eqn, args: list[Pieces]) -> Pieces | None:
    """The call of ``e``'s loop function (written once per program), or None."""
    loop = e.args[0].value if isinstance(e.args[0], Const) else None
    if not isinstance(loop, Loop):
        return None
    names = w.ns.setdefault("_loop_functions", {})
    key = (id(e.prim), id(loop))
    if key not in names:
        names[key] = f"_loop{len(names)}"       # taken before a loop inside it names its own
        try:
            _define(w, e.prim, loop, names[key])
        except Exception:      # noqa: BLE001  (_Refused, or a body lowering does not take)
            names[key] = None
    name = names[key]
    if name is None:
        return None
    out: list[Any] = [f"{name}("]
    for k, a in enumerate(args[1:]):
        out += [", "] * bool(k) + list(a)
    return tuple(out) + (")",)


def _define(w: _Writer, prim: Any, loop: Loop, name: str) -> None:
    """Write, compile and register loop ``loop``'s function ``name``."""
    c = _Code(w)
    params = _WRITERS[prim](c, loop)
    number = next(_numbers)
    text = f"def {name}({params}):\n" + "".join(s + "\n" for s in c.lines)
    filename = f"<tapegrad.jit loop #{number}>"
    w.ns.update(_HELPERS)
    exec(compile(text, filename, "exec"), w.ns)
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    weakref.finalize(w.ns[name], linecache.cache.pop, filename, None).atexit = False
    w.extra.append(text)


generated[while_p] = _lowered
generated[scan_p] = _lowered
generated[while_vjp_p] = _lowered
