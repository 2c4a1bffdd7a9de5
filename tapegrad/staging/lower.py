"""Lowering: a program to statements as data, compiled by ``source``.

Each equation becomes one statement (``source.Stmt``: the register it
writes, its expression, the registers it reads). A primitive with an entry
in ``spellings`` is written as its spelling for the kinds the signature
fixes (a Python operator for every kind, the impl's float branch, its array
branch); every other primitive is a call of its ``impl``, which the
generated code finds by name. A single-use value is written into the
statement that reads it. A run of statements on one cotangent ``g`` shares
one test of it (a ``source.Block``). A guard becomes a check that raises
``GuardFailed`` with the guard's index. Every spelling computes the impl's
own numbers, bit for bit.

Names are registers: a value's name is reused once the value is dead, so a
program of 100,000 records needs a few thousand names (fast locals, and
memory for live values only).
"""

from __future__ import annotations

import itertools
import math
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

from ..backends import copy, foreign
from ..logic import guard
from ..primitive import zmul, zmul_sum
from ..shapes import broadcast_like, sum_like
from . import source as _src
from .program import Arg, Const, Eqn, Program, is_guard, value_key
from .program import reads as read_counts
from .returned import packed_ends, returned_list
from .source import ATOM, Body, Pieces, Stmt, Zmul, compile_body, forget, joined
from .spellings import Spelling, spellings
from .standard import standard
from .templates import PLAIN as _PLAIN
from .templates import choices as _choices
from .templates import repeated as _repeated

_EXACT = 2 ** 53     # ints up to this convert to floats exactly
_new = tuple.__new__   # a Stmt without its Python-level __new__
_NO_READS: tuple[int, ...] = ()


class GuardFailed(Exception):
    """Raised by compiled code where a guard goes the other way (its index)."""


def _guard_failed(k: int) -> None:
    raise GuardFailed(k)


generated: dict[Any, Callable[[Any, Eqn, list[Pieces]], Pieces | None]] = {}
"""Primitives lowered to generated code of their own (the loops: ``loop_lowering``).

``generated[prim](writer, eqn, args)`` defines a function in ``writer.ns``
(its source appended to ``writer.extra``) and returns the call's
expression, or None to call the impl.
"""


class Lowered:
    """A program as Python source and the function compiled from it.

    Attributes:
      source: the generated source (every chunk, then the entry function).
      fn: ``fn(leaves) -> list of outputs``.
      guards: the source line of each guard, by the index ``GuardFailed`` carries.
      plain: no value of the program is a NumPy one (so nothing can warn).
      rows_at: under ``vmap``, the outputs that are rows of the one new array the
        program writes its vectors' lanes to (``packing.row_outputs``).
    """

    rows_at: tuple[int, ...] = ()

    def __init__(self, source: str, fn: Callable[[list[Any]], list[Any]], guards: list[str],
                 plain: bool = False):
        self.source = source
        self.fn = fn
        self.guards = guards
        self.plain = plain

    def recorded(self) -> None:
        """Nothing to do: the tape replayed in its place has its records (``jit_first``)."""


def lower(prog: Program, name: str = "f", numbers: frozenset[int] = frozenset(),
          ints: dict[int, int | None] | None = None) -> Lowered:
    """Generate, compile and register the source of ``prog``.

    Args:
      prog: The program.
      name: The function's name, for the source's file name.
      numbers: Positions of inputs that are given as ints or NumPy scalars
        and were traced as the floats they convert to (as eager's transforms
        do): the code converts them.
      ints: The outputs eager returns as ints, by output position (see
        ``program.int_outputs``): an input's position to return it as
        given, or None to return the float as an ``int``.
    """
    w = _Writer(prog)
    body = w.body(numbers, ints or {})
    source, fn, filenames, number = compile_body(body, w.ns, name)
    plain = not w.consts and _PLAIN.issuperset(w.kinds.values())
    lowered = Lowered("".join(w.extra) + source, fn, w.guards, plain)
    # the source lines are shown while the code can run: freed with it
    weakref.finalize(lowered, forget, filenames, number).atexit = False
    return lowered


class _Writer:
    """The state of lowering one program: registers, kinds, names, statements."""

    def __init__(self, prog: Program):
        self.prog = prog
        self.ns: dict[str, Any] = {"inf": math.inf, "nan": math.nan,
                                   "_guard_failed": _guard_failed, "_copy_array": copy}
        self.kinds: dict[int, Any] = dict(zip(prog.inputs, map(type, prog.seen)))
        self.seen: dict[int, Any] = dict(zip(prog.inputs, prog.seen))   # values while tracing
        self.nonzero: set[int] = set()   # values with no zero element, whatever the inputs
        self.zmuls: dict[int, tuple[Pieces, Pieces]] = {}   # zmul of a float64 array: its args
        self.consts: dict[Any, str] = {}
        self.impls: dict[int, str] = {}
        self.regs: dict[int, int] = {}            # value id -> register number
        self.free: list[int] = []
        self.n_regs = itertools.count()
        self.guards: list[str] = []
        self.extra: list[str] = []                # the source of generated functions
        self.stmts: list[Stmt] = []
        # [value id, expression, depth, reads, precedence]: not yet written, to be fused
        # into the next; precedence: how tightly it binds (source.ATOM: a call, or
        # parenthesized whole, never parenthesized again)
        self.pending: list[Any] = []
        self.prec = 0     # how tightly the last expression written binds (ATOM: atomic)
        self.zmul_made = False  # a statement holds a Zmul (else no block to find)
        self.last: dict[int, int] = {}
        self.uses: dict[int, int] = {}
        self.packed_io = True   # the input list and returned lanes as packed code has them

    def const(self, c: Const, floats: bool = False) -> str:
        v = c.value
        if floats and type(v) is int and -_EXACT <= v <= _EXACT:
            v = float(v)      # the same result beside a float, and a faster compare
        if type(v) is float and v == v:
            return repr(v) if math.isfinite(v) else ("inf" if v > 0 else "-inf")
        if type(v) is int or type(v) is bool:
            return repr(v)
        key = value_key(v)             # a nan by its sign and payload: a name of its own
        if key not in self.consts:
            self.consts[key] = f"k{len(self.consts)}"
            self.ns[self.consts[key]] = v
        return self.consts[key]

    def arg(self, a: Arg, floats: bool) -> tuple[Pieces, tuple[int, ...]]:
        """An argument's expression and the registers it reads."""
        if isinstance(a, int):
            pending = self.pending
            if pending and pending[0] == a:   # used once, right here: inline it
                expr = pending[1] if pending[4] == ATOM else \
                    (_src.OPENS[pending[4]],) + pending[1] + (_src.CLOSE,)
                return expr, pending[3]
            r = self.regs[a]
            return (f"r{r}",), (r,)
        return (self.const(a, floats),), _NO_READS

    def assign(self, out: int) -> int:
        r = self.free.pop() if self.free else next(self.n_regs)
        self.regs[out] = r
        return r

    def write(self, out: int, expr: Pieces, reads: tuple[int, ...]) -> None:
        self.stmts.append(Stmt(self.assign(out), expr, reads))

    def value(self, a: Arg) -> Any:
        return self.seen.get(a) if isinstance(a, int) else a.value

    def body(self, numbers: frozenset[int], ints: dict[int, int | None]) -> Body:
        """Every statement of the program, then what it returns.

        A packed program's stack of all its inputs reads the input list as
        it is, and the lanes it returns are slices of their lists (``returned``).
        """
        prog = self.prog
        self.uses, self.last = read_counts(prog)
        stacked, items = packed_ends(self, numbers, ints)
        for k in sorted(numbers):
            r = self.regs[prog.inputs[k]]
            self.stmts.append(Stmt(r, (f"float(r{r})",), (r,)))
        for k, e in enumerate(prog.eqns):
            if k == stacked:
                self.kinds[e.out], self.seen[e.out] = type(e.ans), e.ans
                self.write(e.out, ("_lanes_stack_list(L)",), _NO_READS)
            elif e.out not in items:
                self.step(k, e)
        if self.pending:
            self.write(self.pending[0], self.pending[1], self.pending[3])
            self.pending.clear()
        text, reads = returned_list(self, items, ints)
        stmts: list[Any] = _src.blocks(self.stmts) if self.zmul_made else self.stmts
        return Body(tuple(self.regs[v] for v in prog.inputs) if stacked < 0 else (), stmts,
                    text, reads, next(self.n_regs))

    def step(self, k: int, e: Eqn) -> None:
        """Lower equation ``k``: a statement, or an expression fused into the next."""
        pending, e_args, kinds, prim = self.pending, e.args, self.kinds, e.prim
        inlined, depth = None, 0
        if pending:
            if pending[0] in e_args:
                inlined, depth = pending[0], pending[2] + 1
            else:
                self.write(pending[0], pending[1], pending[3])
                pending.clear()
        arg_kinds = [kinds.get(a) if a.__class__ is int else type(a.value)  # type: ignore
                     for a in e_args]
        floats, plan = _choices(prim, arg_kinds)
        args, reads = self.read_args(k, e_args, inlined, floats)
        pending.clear()
        if len(e_args) > 2:
            self.release(k, e_args)
        reads_t = tuple(set(reads)) if len(reads) > 1 else tuple(reads)
        if prim is guard and is_guard(e):
            self.guard(e, args, reads_t, arg_kinds)
            return
        out = e.out
        kinds[out] = type(e.ans)
        self.seen[out] = e.ans
        if plan is not None and prim not in generated:
            expr = self.planned(e, args, plan)          # the common case, straight there
        else:
            expr = self.expression(e, args, arg_kinds, inlined)
        eqns = self.prog.eqns
        if depth < 4 and self.uses.get(out) == 1 and k + 1 < len(eqns) and \
                out in eqns[k + 1].args and not _repeated(eqns[k + 1], out):
            pending[:] = [out, expr, depth, reads_t, self.prec]   # fused into the next
        else:
            free = self.free
            r = self.regs[out] = free.pop() if free else next(self.n_regs)
            self.stmts.append(_new(Stmt, (r, expr, reads_t)))

    def read_args(self, k: int, e_args: tuple[Arg, ...], inlined: int | None, floats: bool
                  ) -> tuple[list[Pieces], list[int]]:
        """The arguments' expressions (the pending one inlined) and the registers read.

        Of one or two arguments, the registers of those equation ``k`` reads
        for the last time are freed here (of more, by ``release``).
        """
        args: list[Pieces] = []
        reads: list[int] = []
        regs_of, last, freed = self.regs, self.last, None
        mine = len(e_args) < 3
        for a in e_args:
            if a.__class__ is not int:
                args.append((self.const(a, floats),))      # type: ignore[arg-type]
            elif a == inlined:          # used once, right here: inline it
                pending = self.pending
                args.append(pending[1] if pending[4] == ATOM else
                            (_src.OPENS[pending[4]],) + pending[1] + (_src.CLOSE,))
                reads.extend(pending[3])
            else:
                r = regs_of[a]
                args.append((f"r{r}",))
                reads.append(r)
                if mine and last[a] == k and a != freed:
                    self.free.append(r)     # dead: its name is reused
                    freed = a               # (once: ``x * x`` reads x twice)
        return args, reads

    def release(self, k: int, e_args: tuple[Arg, ...]) -> None:
        """Free the registers of the values equation ``k`` reads for the last time."""
        last, regs_of, freed = self.last, self.regs, None
        for a in (e_args if len(e_args) < 3 else {a for a in e_args if a.__class__ is int}):
            if a.__class__ is int and a != freed and last[a] == k and a in regs_of:
                self.free.append(regs_of[a])    # dead: its name is reused
                freed = a

    def guard(self, e: Eqn, args: list[Pieces], reads: tuple[int, ...],
              arg_kinds: list[Any]) -> None:
        """``if <the other way>: _guard_failed(k)``."""
        self.guards.append(self.prog.sources.get(e.out, "<unknown>"))
        want = e.args[1].value if isinstance(e.args[1], Const) else None
        if arg_kinds[0] is bool and type(want) is bool:
            test = ("not ",) + args[0] if want is True else args[0]
        else:
            test = ("bool(",) + args[0] + (") is not ",) + args[1]
        line = ("if ",) + test + (f": _guard_failed({len(self.guards) - 1})",)
        self.stmts.append(Stmt(None, line, reads))

    def expression(self, e: Eqn, args: list[Pieces], arg_kinds: list[Any],
                   inlined: int | None) -> Pieces:
        """The expression of ``e``: known, spelled, or a call of its impl."""
        self.prec = 0
        xp = None if _PLAIN.issuperset(arg_kinds) else foreign(*map(self.value, e.args))
        if xp is not None:            # another library's arrays: its own functions
            return standard(self, e, args, xp)
        if e.prim is broadcast_like or e.prim is zmul:
            expr = self.known(e, args)
            if expr is not None:
                return expr
        if e.prim is sum_like and e.args[0] == inlined and inlined in self.zmuls and \
                type(self.value(e.args[1])) is float:     # the sum of a zmul: one reduction
            self.ns["_zmul_sum"] = zmul_sum
            g, x = self.zmuls[inlined]
            self.prec = ATOM
            return ("_zmul_sum(",) + _src.bare(g) + (", ",) + _src.bare(x) + (")",)
        make = generated.get(e.prim)
        expr = make(self, e, args) if make is not None else None
        if expr is not None:
            return expr
        spelling = spellings.get(e.prim)
        if spelling is not None:
            expr = self.spelled(e, spelling, args, arg_kinds)
            if expr is not None:
                return expr
        if e.prim is zmul and _float64(self.value(e.args[0])):
            self.zmuls[e.out] = (args[0], args[1])
        self.prec = ATOM
        return (f"{self.impl_name(e.prim)}(",) + joined(args) + (")",)

    def planned(self, e: Eqn, args: list[Pieces], plan: tuple[Any, ...]) -> Pieces:
        """``e`` on numbers only, as ``spelled`` writes it: its plan found once per kinds."""
        _, template, decide, self.prec, names, impl = plan
        if template is None:
            return (f"{self.impl_name(e.prim)}(",) + joined(args) + (")",)
        if decide:
            template = _src.decided(template, e.args) or template
        if names:
            self.ns.update(names)
        return self.filled(template, args, self.impl_name(e.prim) if impl else "")

    def filled(self, template: str, args: list[Pieces], impl: str = "") -> Pieces:
        """``fill``; a template parenthesized whole without its parentheses.

        They are put back where the expression is inlined and needs them
        (``read_args``), and a statement of its own goes without.
        """
        parts, self.prec, whole = _src.shape(template)
        expr = _src.fill_parts(parts, args, impl)
        return _src.outer(expr) if whole else expr

    def spelled(self, e: Eqn, spelling: Spelling, args: list[Pieces],
                arg_kinds: list[Any]) -> Pieces | None:
        """``e`` as its spelling says for these kinds, or None to call the impl."""
        if spelling.exact is not None:
            self.ns.update(spelling.names)
            return self.filled(spelling.exact, args)
        template = None
        if np.ndarray in arg_kinds:
            template = spelling.array_for([self.value(a) for a in e.args], e.ans)
        if template is None and spelling.float_applies(arg_kinds):
            if e.prim is zmul:       # zero-safe: a Zmul, so that blocks can share its test
                g, self.zmul_made = args[0][0], True
                self.prec = 11      # g * x where a block tests g: a product
                return (Zmul(g, args[1], self.regs[e.args[0]] if isinstance(e.args[0], int)
                             else None),)
            template = _src.decided(spelling.float, e.args)
        if template is None:
            return None
        self.ns.update(spelling.names)
        return self.filled(template, args, self.impl_name(e.prim))

    def impl_name(self, prim: Any) -> str:
        """The name the generated code calls ``prim.impl`` by."""
        key = id(prim)
        if key not in self.impls:
            self.impls[key] = f"{_safe(prim.name)}_{len(self.impls)}"
            self.ns[self.impls[key]] = prim.impl
        return self.impls[key]

    def known(self, e: Eqn, args: list[Pieces]) -> Pieces | None:
        """Spellings that follow from what is known of an argument whatever the inputs.

        ``zmul(g, d)`` is ``g * d`` where no element of ``g`` is zero (the
        array impl makes the zeros of ``g`` exact zeros).
        """
        g = e.args[0]
        never_zero = g in self.nonzero if isinstance(g, int) else _no_zero(g.value)
        if e.prim is broadcast_like:
            if never_zero:
                self.nonzero.add(e.out)
            return None
        return args[0] + (" * ",) + args[1] if never_zero else None


def _float64(v: Any) -> bool:
    return type(v) is np.ndarray and v.dtype == np.float64


def _no_zero(v: Any) -> bool:
    """A constant with no zero element (a float, or a float array: a folded one)."""
    if type(v) is float:
        return v != 0
    return type(v) is np.ndarray and v.dtype.kind == "f" and bool(np.all(v != 0))


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in name) or "p"
