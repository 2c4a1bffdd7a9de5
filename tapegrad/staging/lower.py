"""Lowering: a program to straight-line Python source, compiled.

Each equation becomes one statement. Python's own operators spell the
primitives whose implementation is exactly that operator (``+ - *``, unary
``-``, the comparisons); every other primitive is a call of its ``impl``,
which the generated code finds by name, or, where the kinds the signature
fixes decide the branch its impl takes, the expression of that branch
(``FLOAT_SPELLINGS`` for floats, ``spell_arrays`` for arrays). A single-use
value is written into the statement that reads it. A run of statements on
one cotangent ``g`` shares one test of it (``_blocks``). A guard becomes a
check that raises ``GuardFailed`` with the guard's index. Every spelling
computes the impl's own numbers, bit for bit.

Names are registers: a value's name is reused once the value is dead, so a
program of 100,000 records needs a few thousand names (fast locals, and
memory for live values only). Programs longer than ``CHUNK`` statements are
compiled as a sequence of functions passing their live registers through a
list, so that compiling needs memory for one chunk at a time. The source is
registered with ``linecache``: tracebacks and ``inspect`` show its lines,
for as long as the ``Lowered`` lives (its entries go with it).
"""

from __future__ import annotations

import itertools
import linecache
import math
import operator
import re
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

from . import spell_arrays
from .program import Arg, Const, Eqn, Program, builtin, is_guard

CHUNK = 10000
_EXACT = 2 ** 53     # ints up to this convert to floats exactly
ZMUL, ZX, ZEND = "\x00", "\x01", "\x02"   # marks zmul(g, x) until _blocks spells it
BLOCK = 3          # runs of at least this many statements on one g get a block
_PLAIN = {float, int, bool}

SPELLINGS = {   # a primitive's impl -> the Python spelling of exactly that impl
    operator.add: "{} + {}", operator.sub: "{} - {}", operator.mul: "{} * {}",
    operator.neg: "-{}", operator.lt: "{} < {}", operator.le: "{} <= {}",
    operator.gt: "{} > {}", operator.ge: "{} >= {}", operator.eq: "{} == {}",
    operator.ne: "{} != {}",
}
# On Python floats (the kinds seen while tracing, fixed by the signature) the
# impl takes one branch; these spell that branch, expression for expression.
FLOAT_SPELLINGS = {
    "zmul": ZMUL + "{0}" + ZX + "{1}" + ZEND,        # _zmul, g a float: see _blocks
    "relu": "({0} if {0} > 0.0 or {0} != {0} else 0.0)",
    "where": "({1} if {0} else {2})",                 # a bool mask, float branches
    "div": "({0} / {1} if {1} else {impl}({0}, {1}))",   # 1/0: the IEEE fallback
    "sum": "{0}", "mean": "{0}",                      # the identity on a float
    "broadcast_like": "{0}", "sum_like": "{0}",       # shapes already equal
    "tanh": "_tanh({0})",                             # math.tanh never raises
    "square": "{0} * {0}",                            # _square: x * x
}
FLOAT_ARGS = {"zmul": (0,), "relu": (0,), "where": (1, 2), "div": (0, 1), "sum": (0,),
              "mean": (0,), "broadcast_like": (0, 1), "sum_like": (0, 1), "tanh": (0,),
              "square": (0,)}
_counter = itertools.count()
_free_numbers: list[int] = []   # of programs freed: their file names are used again


class GuardFailed(Exception):
    """Raised by compiled code where a guard goes the other way (its index)."""


def _guard_failed(k: int) -> None:
    raise GuardFailed(k)


class Lowered:
    """A program as Python source and the function compiled from it.

    Attributes:
      source: the generated source (every chunk, then the entry function).
      fn: ``fn(leaves) -> list of outputs``.
      guards: the source line of each guard, by the index ``GuardFailed`` carries.
      plain: no value of the program is a NumPy one (so nothing can warn).
    """

    def __init__(self, source: str, fn: Callable[[list[Any]], list[Any]], guards: list[str],
                 plain: bool = False):
        self.source = source
        self.fn = fn
        self.guards = guards
        self.plain = plain


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
    last = _last_uses(prog)
    ns: dict[str, Any] = {"inf": math.inf, "nan": math.nan, "_guard_failed": _guard_failed,
                          "_tanh": math.tanh}
    kinds: dict[int, Any] = dict(zip(prog.inputs, map(type, prog.seen)))
    seen: dict[int, Any] = dict(zip(prog.inputs, prog.seen))   # values while tracing
    nonzero: set[int] = set()     # values with no zero element, whatever the inputs
    zmuls: dict[int, tuple[str, str]] = {}   # zmul of a float64 array: its arguments
    consts: dict[int, str] = {}
    impls: dict[int, str] = {}
    regs: dict[int, int] = {}            # value id -> register number
    free: list[int] = []
    n_regs = itertools.count()
    guards: list[str] = []

    def const(c: Const, floats: bool = False) -> str:
        v = c.value
        if floats and type(v) is int and -_EXACT <= v <= _EXACT:
            v = float(v)      # the same result beside a float, and a faster compare
        if type(v) is float:
            return repr(v) if math.isfinite(v) else ("inf" if v > 0 else "-inf" if v < 0
                                                     else "nan")
        if type(v) is int or type(v) is bool:
            return repr(v)
        key = id(v)
        if key not in consts:
            consts[key] = f"k{len(consts)}"
            ns[consts[key]] = v
        return consts[key]

    pending: list[Any] = []          # [value id, expression, depth]: not yet written

    def arg(a: Arg, floats: bool) -> str:
        if isinstance(a, int):
            if pending and pending[0] == a:   # used once, right here: inline it
                return f"({pending[1]})"
            return f"r{regs[a]}"
        return const(a, floats)

    def assign(out: int) -> str:
        r = free.pop() if free else next(n_regs)
        regs[out] = r
        return f"r{r}"

    body: list[str] = []
    for v in prog.inputs:
        assign(v)
    body.append(f"({', '.join(f'r{regs[v]}' for v in prog.inputs)},) = L"
                if prog.inputs else "pass")
    for k in sorted(numbers):
        body.append(f"r{regs[prog.inputs[k]]} = float(r{regs[prog.inputs[k]]})")
    uses = _use_counts(prog)
    eqns = prog.eqns
    for k, e in enumerate(eqns):
        if pending and pending[0] not in e.args:
            body.append(f"{assign(pending[0])} = {pending[1]}")
            pending.clear()
        depth = pending[2] + 1 if pending else 0
        arg_kinds = [kinds.get(a) if isinstance(a, int) else type(a.value) for a in e.args]
        floats = float in arg_kinds and _spelled(e.prim)
        inlined = pending[0] if pending else None
        args = [arg(a, floats) for a in e.args]
        pending.clear()
        for a in set(a for a in e.args if isinstance(a, int)):
            if last[a] == k and a in regs:   # dead after this statement: reuse its name
                free.append(regs[a])
        if is_guard(e):
            guards.append(prog.sources.get(e.out, "<unknown>"))
            want = e.args[1].value if isinstance(e.args[1], Const) else None
            test = (f"not {args[0]}" if want is True else args[0]) \
                if arg_kinds[0] is bool and type(want) is bool else \
                f"bool({args[0]}) is not {args[1]}"
            body.append(f"if {test}: _guard_failed({len(guards) - 1})")
            continue
        kinds[e.out] = type(e.ans)
        seen[e.out] = e.ans
        expr = None
        if _builtin(e.prim) and e.prim.name in ("broadcast_like", "zmul"):
            expr = _known(e, args, nonzero)
        if e.prim.name == "sum_like" and e.args[0] == inlined and inlined in zmuls and \
                type(seen.get(e.args[1]) if isinstance(e.args[1], int) else e.args[1].value) \
                is float and _builtin(e.prim):     # the sum of a zmul: one reduction
            ns["_zmul_sum"] = spell_arrays.zmul_sum
            expr = f"_zmul_sum({zmuls[inlined][0]}, {zmuls[inlined][1]})"
        if expr is None and np.ndarray in arg_kinds and _builtin(e.prim):
            expr = spell_arrays.spell(e, args, [seen.get(a) if isinstance(a, int) else a.value
                                                for a in e.args], ns)
        if expr is None:
            expr = _spell(e, args, arg_kinds, ns, impls)
            if e.prim.name == "zmul" and _builtin(e.prim) and _float64(seen.get(e.args[0])
                                                                      if isinstance(e.args[0],
                                                                                    int) else None):
                zmuls[e.out] = (args[0], args[1])
        if uses.get(e.out) == 1 and depth < 4 and k + 1 < len(eqns) and \
                e.out in eqns[k + 1].args and not _repeated(eqns[k + 1], e.out):
            # one statement fewer: fused into the next
            pending[:] = [e.out, expr, depth]
        else:
            body.append(f"{assign(e.out)} = {expr}")
    if pending:
        body.append(f"{assign(pending[0])} = {pending[1]}")
    body.append("return [" + ", ".join(_returned(prog, arg, seen, ints or {})) + "]")
    try:
        number = _free_numbers.pop()
    except IndexError:
        number = next(_counter)
    source, fn, filenames = _compile(_blocks(body), next(n_regs), ns, f"{name} #{number}")
    plain = not consts and _PLAIN.issuperset(kinds.values())
    lowered = Lowered(source, fn, guards, plain)
    # the source lines are shown while the code can run: freed with it
    weakref.finalize(lowered, _forget, filenames, number).atexit = False
    return lowered


def _forget(filenames: list[str], number: int) -> None:
    """Remove freed code's source from ``linecache``; its number may serve again.

    Reused numbers keep the set of file names bounded (``tracemalloc``, for
    one, keeps every file name it has seen in a traceback).
    """
    for where in filenames:
        linecache.cache.pop(where, None)
    _free_numbers.append(number)


def _returned(prog: Program, arg: Callable[[Arg, bool], str], seen: dict[int, Any],
              ints: dict[int, int | None]) -> list[str]:
    """The returned expressions: no array aliases an input, a constant or another output.

    The caller may write into what it gets. An output that may share memory
    with what it should not (an input, a constant of the program, an earlier
    output, or a view, as tracing showed) is returned as a copy; an int
    input returned untouched is returned as given, an int computed from ints
    as an ``int``.
    """
    held = {id(v) for v in prog.seen if type(v) is np.ndarray}     # the caller's
    held.update(id(a.value) for e in prog.eqns for a in e.args
                if isinstance(a, Const) and type(a.value) is np.ndarray)
    out = []
    for j, o in enumerate(prog.outputs):
        text = arg(o, False)
        v = o.value if isinstance(o, Const) else seen.get(o)
        if j in ints and ints[j] is not None:
            text = f"L[{ints[j]}]"
        elif j in ints and type(v) is float:
            text = f"int({text})"
        elif type(v) is np.ndarray:
            if isinstance(o, Const) or o in prog.inputs or id(v) in held or \
                    v.base is not None:
                text += ".copy()"
            held.add(id(v))
        out.append(text)
    return out


def _float64(v: Any) -> bool:
    return type(v) is np.ndarray and v.dtype == np.float64


def _known(e: Eqn, args: list[str], nonzero: set[int]) -> str | None:
    """Spellings that follow from what is known of an argument whatever the inputs.

    ``zmul(g, d)`` is ``g * d`` where no element of ``g`` is zero (the
    array impl masks zeros of ``g`` only, and only when a product is nan).
    """
    g = e.args[0]
    never_zero = g in nonzero if isinstance(g, int) else _no_zero(g.value)
    if e.prim.name == "broadcast_like":
        if never_zero:
            nonzero.add(e.out)
        return None
    return f"{args[0]} * {args[1]}" if never_zero else None


def _no_zero(v: Any) -> bool:
    """A constant with no zero element (a float, or a float array: a folded one)."""
    if type(v) is float:
        return v != 0
    return type(v) is np.ndarray and v.dtype.kind == "f" and bool(np.all(v != 0))


def _spelled(prim: Any) -> bool:
    """Whether ``prim``'s impl is a Python operator (so: spelled by it)."""
    try:
        return prim.impl in SPELLINGS
    except TypeError:               # an unhashable callable
        return False


def _spell(e: Eqn, args: list[str], arg_kinds: list[Any], ns: dict[str, Any],
           impls: dict[int, str]) -> str:
    name = e.prim.name
    pattern = SPELLINGS.get(e.prim.impl) if _spelled(e.prim) else None
    if pattern is not None and len(args) == pattern.count("{}"):
        return pattern.format(*args)
    key = id(e.prim)
    if key not in impls:
        impls[key] = f"{_safe(name)}_{len(impls)}"
        ns[impls[key]] = e.prim.impl
    floats = FLOAT_ARGS.get(name)
    if floats is not None and _builtin(e.prim) and all(
            k < len(arg_kinds) and arg_kinds[k] is float for k in floats) and (
            name != "where" or arg_kinds[0] is bool):
        return FLOAT_SPELLINGS[name].format(*args, impl=impls[key])
    return f"{impls[key]}({', '.join(args)})"


# spelled with an argument twice:
REPEATED = {"zmul": (0,), "relu": (0,), "div": (1,), "square": (0,)}


def _repeated(e: Eqn, v: int) -> bool:
    """Whether ``e``'s spelling would evaluate ``v`` twice (so: no fusing it in)."""
    return _builtin(e.prim) and any(k < len(e.args) and e.args[k] == v
                                    for k in REPEATED.get(e.prim.name, ()))


def _builtin(prim: Any) -> bool:
    """A primitive of tapegrad's own (a user's may share a built-in's name)."""
    return builtin(prim)


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in name) or "p"


def _use_counts(prog: Program) -> dict[int, int]:
    """How many times each value is read (as an argument or an output)."""
    uses: dict[int, int] = {}
    for e in prog.eqns:
        for a in e.args:
            if isinstance(a, int):
                uses[a] = uses.get(a, 0) + 1
    for o in prog.outputs:
        if isinstance(o, int):
            uses[o] = uses.get(o, 0) + 2      # never inlined: it is returned
    return uses


def _last_uses(prog: Program) -> dict[int, int]:
    """The index of the last equation reading each value (outputs: past the end)."""
    last: dict[int, int] = {}
    for k, e in enumerate(prog.eqns):
        for a in e.args:
            if isinstance(a, int):
                last[a] = k
    for o in prog.outputs:
        if isinstance(o, int):
            last[o] = len(prog.eqns)
    return last


_ZMUL_RE = re.compile("\x00([^\x00\x01\x02]*)\x01([^\x00\x01\x02]*)\x02")
_ONE_G = re.compile("^[^\x00]*\x00(r\\d+)\x01[^\x00]*$")
_TARGET = re.compile(r"^(r\d+) = ")


def _plain_zmul(text: str) -> str:
    """``zmul(g, x)`` on a float ``g``, as _zmul computes it: 0.0 exactly when ``g`` is 0."""
    while ZMUL in text:
        text = _ZMUL_RE.sub(lambda m: f"({m[1]} * {m[2]} if {m[1]} else 0.0)", text)
    return text


def _blocks(body: list[str]) -> list[str]:
    """Spell the zmuls; consecutive statements of one zero-able ``g`` share a test.

    In the backward pass a cotangent ``g`` multiplies many values in a row,
    and is often exactly zero (an inactive relu, a satisfied hinge). A run of
    statements each holding one ``zmul(g, x)`` of the same register ``g``
    becomes ``if g: <each with g * x>`` / ``else: <each with 0.0>``: the same
    numbers as testing ``g`` in each statement, bit for bit, one test instead
    of many, and in the else branch no product at all.
    """
    out: list[str] = []
    run: list[str] = []
    g = ""

    def flush() -> None:
        if len(run) >= BLOCK:
            fast = "; ".join(_ZMUL_RE.sub(lambda m: f"{m[1]} * {m[2]}", st) for st in run)
            zero = "; ".join(_ZMUL_RE.sub("0.0", st) for st in run)
            out.append(f"if {g}: {fast}\n    else: {zero}")
        else:
            out.extend(_plain_zmul(st) for st in run)
        run.clear()

    for st in body:
        m = _ONE_G.match(st) if ZMUL in st else None
        target = _TARGET.match(st)
        if m is None or target is None:
            flush()
            out.append(_plain_zmul(st))
            continue
        if m[1] != g:
            flush()
            g = m[1]
        run.append(st)
        if target[1] == g:     # g's register now holds another value
            flush()
            g = ""
    flush()
    return out


def _compile(body: list[str], n_regs: int, ns: dict[str, Any],
             name: str) -> tuple[str, Callable[[list[Any]], list[Any]], list[str]]:
    """Compile ``body`` (statements on registers ``r0..``), its file named by ``name``.

    One function of the input list ``L``, or chunks that pass registers
    through a list ``R``. Returns the source, the function and the file
    names its parts are registered under in ``linecache``.
    """
    filename = f"<tapegrad.jit {name}>"
    if sum(map(_statements, body)) <= CHUNK:
        parts = ["def _entry(L):\n" + "".join(f"    {s}\n" for s in body)]
    else:
        parts = _chunked(body, n_regs)
    filenames = []
    for k, part in enumerate(parts):   # one compile per chunk: memory for one at a time
        where = filename if len(parts) == 1 else f"{filename[:-1]} part {k}>"
        exec(compile(part, where, "exec"), ns)
        linecache.cache[where] = (len(part), None, part.splitlines(True), where)
        filenames.append(where)
    return "".join(parts), ns["_entry"], filenames


def _chunked(body: list[str], n_regs: int) -> list[str]:
    """Chunks of ``CHUNK`` statements passing registers through ``R``.

    Each chunk loads from ``R`` the registers it reads before writing them
    (its live-in) and stores back those it writes that a later chunk or the
    outputs read (its live-out).
    """
    head, middle, tail = body[0], body[1:-1], body[-1]
    chunks: list[list[str]] = [[]]
    size = 0
    for st in middle:                 # CHUNK statements each, a block's all counted
        n = _statements(st)
        if size + n > CHUNK and chunks[-1]:
            chunks.append([])
            size = 0
        chunks[-1].append(st)
        size += n
    live_in, written = [], []
    for stmts in chunks:
        reads: set[int] = set()
        writes: set[int] = set()
        for s in stmts:
            if s.startswith("if "):     # a guard, or a block: every register it names
                reads.update(r for r in _regs(s) if r not in writes)
                writes.update(int(t) for t in _WRITES.findall(s))
                continue
            target, _, expr = s.partition(" = ")
            reads.update(r for r in _regs(expr) if r not in writes)
            writes.add(int(target[1:]))
        live_in.append(reads)
        written.append(writes)
    needed = set(_regs(tail))
    live_out: list[set[int]] = [set() for _ in chunks]
    for c in range(len(chunks) - 1, -1, -1):
        live_out[c] = written[c] & needed
        needed = (needed - written[c]) | live_in[c] | live_out[c]
    parts, names = [], []
    for c, stmts in enumerate(chunks):
        names.append(f"_chunk{c}")
        ins = sorted(live_in[c])
        load = (f"    {', '.join(f'r{r}' for r in ins)}, = [R[i] for i in {tuple(ins)!r}]\n"
                if ins else "")
        parts.append(f"def {names[-1]}(R):\n" + load + "".join(f"    {s}\n" for s in stmts)
                     + "".join(f"    R[{r}] = r{r}\n" for r in sorted(live_out[c])))
    entry = (f"def _entry(L):\n    {head}\n    R = [None] * {n_regs}\n"
             + "".join(f"    R[{r}] = r{r}\n" for r in _input_regs(head))
             + "".join(f"    {n}(R)\n" for n in names)
             + "    " + _load_outputs(tail) + "\n")
    return parts + [entry]


def _statements(st: str) -> int:
    """How many statements ``st`` holds (a block holds both of its branches)."""
    return st.count(";") + st.count("\n") + 1


def _regs(text: str) -> list[int]:
    return [int(d) for d in _REGISTER.findall(text)]


_REGISTER = re.compile(r"\br(\d+)\b")
_WRITES = re.compile(r"\br(\d+) = ")


def _registers(stmt: str) -> list[str]:
    """The register names (``r12``) a statement mentions."""
    return ["r" + d for d in _REGISTER.findall(stmt)]


def _input_regs(head: str) -> list[int]:
    return [int(t[1:]) for t in _registers(head.split("=")[0])]


def _load_outputs(tail: str) -> str:
    regs = sorted({int(t[1:]) for t in _registers(tail)})
    loads = "".join(f"r{r} = R[{r}]; " for r in regs)
    return loads + tail
