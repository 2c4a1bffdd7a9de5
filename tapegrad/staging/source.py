"""Statements to source: render, chunk, compile, and register with ``linecache``.

``lower`` gives a list of statements as data (``Stmt``: the register
written, the expression, the registers read) and runs of them on one
cotangent (``Block``); this module writes them out. A program longer than
``CHUNK`` statements is compiled as a sequence of functions passing their
live registers through a list ``R``, so that compiling needs memory for one
chunk at a time; which registers are live follows from each statement's
reads and writes. The source is registered with ``linecache``: tracebacks
and ``inspect`` show its lines, for as long as the code lives.
"""

from __future__ import annotations

import functools
import itertools
import linecache
import string
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from ..primitive import zmul
from .spellings import spellings
from .templates import ATOM, atomic, decided, needs, plan, precedence, whole

__all__ = ["ATOM", "BLOCK", "CHUNK", "CLOSE", "OPEN", "OPENS", "Block", "Body", "Stmt", "Zmul",
           "atomic", "bare", "blocks", "compile_body", "compile_parts", "decided", "fill",
           "fill_parts", "forget", "joined", "outer", "plan", "precedence", "render", "shape",
           "too_long", "whole"]

CHUNK = 10000
BLOCK = 3          # runs of at least this many statements on one g get a block
_ZMUL = spellings[zmul].float or ""   # (g * x if g else 0.0): _zmul's branch for a float g
_ZMUL_WHOLE = whole(_ZMUL)
_counter = itertools.count()
_free_numbers: list[int] = []   # of programs freed: their file names are used again


class Zmul(NamedTuple):
    """``zmul(g, x)`` on a float ``g``: ``(g * x if g else 0.0)``.

    In a block: ``g * x`` where ``g`` is nonzero, ``0.0`` where it is zero.
    """
    g: str
    x: tuple[Any, ...]
    reg: int | None          # g's register, if g is one


Pieces = tuple[Any, ...]     # an expression: strings and ``Zmul``s, in order


class Stmt(NamedTuple):
    """``r{target} = expr``, or for a guard (``target`` None) the line ``expr``."""
    target: int | None
    expr: Pieces
    reads: tuple[int, ...]


class Block(NamedTuple):
    """Statements each holding one ``zmul`` of register ``g``: one test of ``g``."""
    g: int
    stmts: tuple[Stmt, ...]


class Body(NamedTuple):
    """A program's code: inputs' registers, statements, returned expressions."""
    inputs: tuple[int, ...]
    stmts: list[Stmt | Block]
    returned: str
    returned_reads: tuple[int, ...]
    n_regs: int


class _Paren(str):
    """A parenthesis put around an inlined expression, told from the spellings' own.

    An opening one holds how tightly the expression inside binds (``prec``).
    """
    prec = 0


def _open(prec: int) -> _Paren:
    paren = _Paren("(")
    paren.prec = prec
    return paren


OPENS = tuple(_open(prec) for prec in range(ATOM + 1))   # by the precedence inside
OPEN, CLOSE = OPENS[0], _Paren(")")


def bare(a: Pieces) -> Pieces:
    """``a`` without the parentheses put around it, where it is a call's argument."""
    return a[1:-1] if len(a) > 2 and a[0].__class__ is _Paren and a[-1] is CLOSE else a


@functools.cache
def _parsed(template: str) -> tuple[tuple[str, int | None, int], ...]:
    """A spelling's text and fields, in order, and how tightly each field's filling must bind.

    A field is an argument's index (``{0}``), -1 for ``{impl}``, or None
    after the last text. An inlined expression binding less tightly than
    its field needs (``templates.needs``) keeps its parentheses. A free
    field needs nothing (0): an argument of a call or an item of a tuple,
    between ``(`` or ``, `` and ``)`` or ``, ``, where any expression reads alike.
    """
    parts = [(text, field) for text, field, _, _ in string.Formatter().parse(template)]
    after = [t for t, _ in parts[1:]] + [""]
    tight, out, k = needs(template), [], 0
    for (text, field), nxt in zip(parts, after):
        need = ATOM
        if field is not None and field.isdigit():
            need = 0 if text.endswith(("(", ", ")) and nxt.startswith((")", ", ")) else \
                tight[k] if k < len(tight) else ATOM
            k += 1
        out.append((text, None if field is None else int(field) if field.isdigit() else -1,
                    need))
    return tuple(out)


@functools.cache
def shape(template: str) -> tuple[tuple[tuple[str, int | None, int], ...], int, bool]:
    """``template`` as ``lower`` writes it, found once.

    Its parsed fields (``_parsed``), how tightly it binds, and whether it is
    parenthesized whole (then written without, binding as tightly as what is
    inside).
    """
    if whole(template):
        return _parsed(template), precedence(template[1:-1]), True
    return _parsed(template), precedence(template), False


def fill(template: str, args: list[Pieces], impl: str = "") -> Pieces:
    """The expression ``template`` spells, its fields replaced by ``args``."""
    return fill_parts(_parsed(template), args, impl)


def fill_parts(parts: tuple[tuple[str, int | None, int], ...], args: list[Pieces],
               impl: str = "") -> Pieces:
    """``fill`` of a template's ``_parsed`` parts."""
    out: list[Any] = []
    append, extend = out.append, out.extend
    for text, field, need in parts:
        if text:
            append(text)
        if field is not None:
            if field >= 0:
                a = args[field]
                extend(a[1:-1] if len(a) > 2 and a[0].__class__ is _Paren and
                       a[0].prec >= need and a[-1] is CLOSE else a)
            else:
                append(impl)
    return tuple(out)


def joined(args: list[Pieces]) -> Pieces:
    """The arguments of a call: ``a, b``."""
    out: list[Any] = []
    for k, a in enumerate(args):
        if k:
            out.append(", ")
        out.extend(bare(a))
    return tuple(out)


def render(expr: Pieces, mode: str = "plain") -> str:
    """The text of ``expr``; a ``Zmul`` as ``mode`` says ("plain", "fast", "zero")."""
    try:
        return "".join(expr)          # strings only: most expressions
    except TypeError:
        pass
    out = []
    for p in expr:
        if p.__class__ is not Zmul:
            out.append(p)
        elif mode == "zero":
            out.append("0.0")
        else:
            x = render(p.x)
            out.append(f"{p.g} * {x}" if mode == "fast" else _ZMUL.format(p.g, x))
    return "".join(out)


def _line(st: Stmt | Block) -> str:
    if isinstance(st, Block):
        fast = "; ".join(f"r{s.target} = {render(s.expr, 'fast')}" for s in st.stmts)
        zero = "; ".join(f"r{s.target} = {render(s.expr, 'zero')}" for s in st.stmts)
        return f"if r{st.g}: {fast}\n    else: {zero}"
    text = render(st.expr)
    if st.target is None:
        return text
    if _ZMUL_WHOLE and len(st.expr) == 1 and st.expr[0].__class__ is Zmul:
        text = text[1:-1]          # (g * x if g else 0.0) as a statement of its own
    return f"r{st.target} = {text}"


def outer(expr: Pieces) -> Pieces:
    """``expr``, filled in from a template parenthesized whole, without those parentheses."""
    if len(expr) == 1:
        return (expr[0][1:-1],)
    return (expr[0][1:],) + expr[1:-1] + (expr[-1][:-1],)


def _size(st: Stmt | Block) -> int:
    """How many statements ``st`` writes (a block both of its branches)."""
    return 2 * len(st.stmts) if isinstance(st, Block) else 1


def _reads_writes(stmts: Iterable[Stmt | Block]) -> tuple[set[int], set[int]]:
    """The registers read before being written, and the registers written."""
    reads: set[int] = set()
    writes: set[int] = set()
    for st in stmts:
        if isinstance(st, Block):
            if st.g not in writes:
                reads.add(st.g)
            inner = st.stmts
        else:
            inner = (st,)
        for s in inner:
            reads.update(r for r in s.reads if r not in writes)
            if s.target is not None:
                writes.add(s.target)
    return reads, writes


def _head(body: Body) -> str:
    regs = body.inputs
    return f"({', '.join(f'r{r}' for r in regs)},) = L" if regs else "pass"


def _whole(body: Body) -> list[str]:
    """One function of the input list ``L``."""
    lines = [_head(body)] + [_line(st) for st in body.stmts] + [f"return {body.returned}"]
    return ["def _entry(L):\n" + "".join(f"    {s}\n" for s in lines)]


def _split(stmts: list[Stmt | Block]) -> list[list[Stmt | Block]]:
    """Runs of at most ``CHUNK`` statements (a block's all counted, never cut)."""
    chunks: list[list[Stmt | Block]] = [[]]
    size = 0
    for st in stmts:
        n = _size(st)
        if size + n > CHUNK and chunks[-1]:
            chunks.append([])
            size = 0
        chunks[-1].append(st)
        size += n
    return chunks


def _chunked(body: Body) -> list[str]:
    """Chunks of ``CHUNK`` statements passing registers through ``R``.

    Each chunk loads from ``R`` the registers it reads before writing them
    (its live-in) and stores back those it writes that a later chunk or the
    outputs read (its live-out).
    """
    chunks = _split(body.stmts)
    live = [_reads_writes(c) for c in chunks]
    needed = set(body.returned_reads)
    live_out: list[set[int]] = [set() for _ in chunks]
    for c in range(len(chunks) - 1, -1, -1):
        live_in, written = live[c]
        live_out[c] = written & needed
        needed = (needed - written) | live_in | live_out[c]
    parts = []
    for c, stmts in enumerate(chunks):
        ins = sorted(live[c][0])
        load = (f"    {', '.join(f'r{r}' for r in ins)}, = [R[i] for i in {tuple(ins)!r}]\n"
                if ins else "")
        parts.append(f"def _chunk{c}(R):\n" + load + "".join(f"    {_line(s)}\n" for s in stmts)
                     + "".join(f"    R[{r}] = r{r}\n" for r in sorted(live_out[c])))
    loads = "".join(f"r{r} = R[{r}]; " for r in sorted(set(body.returned_reads)))
    entry = (f"def _entry(L):\n    {_head(body)}\n    R = [None] * {body.n_regs}\n"
             + "".join(f"    R[{r}] = r{r}\n" for r in body.inputs)
             + "".join(f"    _chunk{c}(R)\n" for c in range(len(chunks)))
             + f"    {loads}return {body.returned}\n")
    return parts + [entry]


def compile_body(body: Body, ns: dict[str, Any], name: str
                 ) -> tuple[str, Callable[[list[Any]], list[Any]], list[str], int]:
    """Compile ``body`` in ``ns``, its file named by ``name``.

    Returns the source, the function ``fn(leaves) -> outputs``, the file
    names its parts are registered under in ``linecache`` and the number in
    those names (give both to ``forget`` when the code is freed).
    """
    small = sum(map(_size, body.stmts)) + 2 <= CHUNK
    return compile_parts(_whole(body) if small else _chunked(body), ns, name)


def compile_parts(parts: list[str], ns: dict[str, Any], name: str
                  ) -> tuple[str, Callable[[list[Any]], list[Any]], list[str], int]:
    """Compile the source ``parts`` (the last defines ``_entry``) as ``compile_body`` does."""
    try:
        number = _free_numbers.pop()
    except IndexError:
        number = next(_counter)
    filename = f"<tapegrad.jit {name} #{number}>"
    filenames = []
    for k, part in enumerate(parts):   # one compile per chunk: memory for one at a time
        where = filename if len(parts) == 1 else f"{filename[:-1]} part {k}>"
        exec(compile(part, where, "exec"), ns)
        linecache.cache[where] = (len(part), None, part.splitlines(True), where)
        filenames.append(where)
    return "".join(parts), ns["_entry"], filenames, number


def too_long(n_eqns: int, loops: list[Any]) -> bool:
    """Whether a program rolling ``loops`` is surely longer than one function holds.

    Each of the ``n_eqns`` equations outside the loops (and past the exit
    guard of a ``while``) is a line of its own, and the entry function has
    two more; more than ``CHUNK`` lines are not compiled as one function,
    so the rolled program would be written out for nothing.
    """
    held = sum(loop.stop - loop.start + loop.exit + 1 for loop in loops)
    return n_eqns - held + 2 > CHUNK


def forget(filenames: list[str], number: int) -> None:
    """Remove freed code's source from ``linecache``; its number may serve again.

    Reused numbers keep the set of file names bounded (``tracemalloc``, for
    one, keeps every file name it has seen in a traceback).
    """
    for where in filenames:
        linecache.cache.pop(where, None)
    _free_numbers.append(number)


def _one_g(st: Stmt) -> int | None:
    """The register ``g`` of the one ``zmul`` in ``st``, if it holds exactly one."""
    found = [p for p in st.expr if p.__class__ is Zmul]
    if st.target is None or len(found) != 1 or found[0].reg is None or any(
            p.__class__ is Zmul for p in found[0].x):
        return None
    return found[0].reg


def blocks(stmts: list[Stmt]) -> list[Stmt | Block]:
    """Consecutive statements of one zero-able ``g`` share a test.

    In the backward pass a cotangent ``g`` multiplies many values in a row,
    and is often exactly zero (an inactive relu, a satisfied hinge). A run of
    statements each holding one ``zmul(g, x)`` of the same register ``g``
    becomes ``if g: <each with g * x>`` / ``else: <each with 0.0>``: the same
    numbers as testing ``g`` in each statement, bit for bit, one test instead
    of many, and in the else branch no product at all.
    """
    out: list[Stmt | Block] = []
    run: list[Stmt] = []
    g: int | None = None

    def flush() -> None:
        if len(run) >= BLOCK and g is not None:
            out.append(Block(g, tuple(run)))
        else:
            out.extend(run)
        run.clear()

    for st in stmts:
        one = _one_g(st)
        if one is None:
            flush()
            out.append(st)
            continue
        if one != g:
            flush()
            g = one
        run.append(st)
        if st.target == g:     # g's register now holds another value
            flush()
            g = None
    flush()
    return out
