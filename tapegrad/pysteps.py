"""A ``while`` loop's Python float step, read from its source and, while tracing, its frame.

A backtracking line search keeps its step a Python float: ``a = 1.0``
before the loop, ``a = a * 0.5`` (``a *= 0.5``, ``a /= 2``, ``a = beta *
a``) in its body. The tape never holds ``a``: each iteration multiplies a
traced value by a constant made from it (``a * g`` records ``a``, ``0.5 *
a * g`` records ``0.5 * a``), one number per iteration. jit rolls such a
loop only where it can compute those numbers itself: the step, read from
the source; ``a``'s value at each test, recorded with the test's guard
(``step_values``); and every read of ``a`` an arithmetic of ``a`` with
numbers (``reads``) whose result meets a traced value in ``+ - * /``, so
that each constant the tape shows is one of those expressions of ``a``.
"""

from __future__ import annotations

import ast
import functools
from types import CodeType, FrameType
from typing import NamedTuple

from .pyindex import first_on_line, parent
from .pysource import file_tree, walked

__all__ = ["Stepped", "STEP_KEY", "stepped", "step_values"]

STEP_KEY = 1 << 48      # ``Tape.counts[STEP_KEY + guard id]``: the step's values at that test
_ARITH = (ast.Add, ast.Sub, ast.Mult, ast.Div)
# what the loop's body may not hold: a way out of an iteration other than its end
_EXITS = (ast.Break, ast.Continue, ast.Return, ast.Yield, ast.YieldFrom, ast.Await, ast.Try,
          ast.Global, ast.Nonlocal, ast.Delete, ast.With, ast.NamedExpr)


class Stepped(NamedTuple):
    """The Python float ``name`` a ``while``'s body steps once an iteration.

    ``step``: its new value, an expression of ``name`` and ``factors``
    (names the function never assigns: a closure's or a module's number);
    ``reads``: each expression of ``name`` the function computes a constant
    of the tape from, and the operand it meets (``others``: to be traced,
    ``staging.stepped`` checks); ``nodes``: the ids of the step statement's
    nodes; ``fn``: the function.
    """
    name: str
    step: ast.expr
    factors: tuple[str, ...]
    reads: tuple[ast.expr, ...]
    others: tuple[ast.expr, ...]
    nodes: frozenset[int]
    fn: ast.FunctionDef


def step_values(frame: FrameType) -> tuple[float, ...] | None:
    """At a guard on a stepped ``while``'s line: the name's value, then each factor's.

    None where the line is no such loop's or a value is not a Python number
    (the name a Python float).
    """
    plan = _stepped_at(frame.f_code, frame.f_lineno)
    if plan is None:
        return None
    names = frame.f_locals
    values = [names.get(n, frame.f_globals.get(n)) for n in (plan.name, *plan.factors)]
    if type(values[0]) is not float or any(type(v) not in (int, float) for v in values):
        return None
    return tuple(values)                                        # type: ignore[arg-type]


@functools.lru_cache(maxsize=256)
def _stepped_at(code: CodeType, line: int) -> Stepped | None:
    return stepped(f"{code.co_filename}:{line}")


def stepped(where: str) -> Stepped | None:
    """The Python float step of the ``while`` whose test is on ``file:line``, or None.

    The loop is a statement of its function's own body, with no ``else``
    and no way out but its test; the name is set before it from constants
    alone (the same value whatever the input), stepped by one statement of
    the loop's body, and read nowhere but in ``reads``.
    """
    filename, _, line = where.rpartition(":")
    tree = file_tree(filename) if line.isdigit() else None
    return None if tree is None else _stepped(tree, int(line))


@functools.lru_cache(maxsize=256)
def _stepped(tree: ast.Module, line: int) -> Stepped | None:
    loop = first_on_line(tree, line, ast.While)       # a line starts one statement at most
    fn = None if loop is None else parent(tree, loop)
    if not isinstance(fn, ast.FunctionDef) or all(s is not loop for s in fn.body):
        return None
    if loop.orelse or any(isinstance(n, _EXITS) for s in loop.body for n in walked(s)):
        return None
    params = {a.arg for a in walked(fn.args) if isinstance(a, ast.arg)}
    assigned = {t.id for t in walked(fn) if isinstance(t, ast.Name) and isinstance(
        t.ctx, ast.Store)} | params
    steps = [(s, st) for s in loop.body if (st := _step(s, assigned)) is not None]
    if len(steps) != 1:
        return None
    stmt, (name, rhs) = steps[0]
    mine = {id(n) for n in walked(stmt)}
    allowed = {id(t) for s in fn.body[:fn.body.index(loop)] for t, v in _pairs(s)
               if _is(t, name) and not any(isinstance(x, ast.Name) for x in walked(v))}
    if any(isinstance(n, ast.Name) and n.id == name and not isinstance(n.ctx, ast.Load) and
           id(n) not in mine | allowed for n in walked(fn)) or not allowed:
        return None             # set before the loop from constants alone, stepped in it once
    if name in params:
        return None
    found = _reads(fn, name, assigned, mine)
    if found is None:
        return None
    reads = tuple(r for r, _ in found)
    factors = sorted({x.id for e in (rhs, *reads) for x in walked(e)
                      if isinstance(x, ast.Name) and x.id != name})
    return Stepped(name, rhs, tuple(factors), reads, tuple(o for _, o in found),
                   frozenset(mine), fn)


def _pairs(stmt: ast.stmt) -> list[tuple[ast.expr, ast.expr]]:
    """``(target, value)`` of each name ``stmt`` assigns (``a = 1.0``, ``a, k = 1.0, 0``)."""
    if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1):
        return []
    t, v = stmt.targets[0], stmt.value
    if isinstance(t, ast.Tuple) and isinstance(v, ast.Tuple) and len(t.elts) == len(v.elts):
        return list(zip(t.elts, v.elts))
    return [(t, v)]


def _step(stmt: ast.stmt, assigned: set[str]) -> tuple[str, ast.expr] | None:
    """``(name, new value)`` where ``stmt`` is ``name = name * c`` (``*=``, ``/=``, ``c * name``).

    ``c`` a number or a name the function never assigns.
    """
    if isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name) and \
            isinstance(stmt.op, ast.Mult | ast.Div):
        name, value = stmt.target.id, ast.BinOp(ast.Name(stmt.target.id, ast.Load()),
                                                 stmt.op, stmt.value)
    elif isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and \
            isinstance(stmt.targets[0], ast.Name) and isinstance(stmt.value, ast.BinOp) and \
            isinstance(stmt.value.op, ast.Mult | ast.Div):
        name, value = stmt.targets[0].id, stmt.value
    else:
        return None
    ends = (value.left, value.right)
    if isinstance(value.op, ast.Div):
        ends = ends if _is(ends[0], name) else (ends[1], ends[0])
    other = ends[1] if _is(ends[0], name) else ends[0] if _is(ends[1], name) else None
    if other is None or isinstance(value.op, ast.Div) and not _is(value.left, name):
        return None
    number = isinstance(other, ast.Constant) and type(other.value) in (int, float) and \
        other.value != 0
    if not (number or isinstance(other, ast.Name) and other.id not in assigned):
        return None
    return name, ast.fix_missing_locations(ast.Expression(value)).body


def _is(node: ast.expr, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


def _reads(fn: ast.FunctionDef, name: str, assigned: set[str], skip: set[int]
           ) -> list[tuple[ast.expr, ast.expr]] | None:
    """The expressions of ``name`` that meet a traced value, one per read; None if one does not.

    From each read, the largest arithmetic of ``name``, numbers and names
    ``fn`` never assigns around it: its parent must be ``+ - * /`` with an
    operand of another kind, returned with it (which must be traced: a Python
    number there would fold the read into a constant no read gives).
    """
    parents = {id(c): p for p in walked(fn) for c in ast.iter_child_nodes(p)}
    out: list[tuple[ast.expr, ast.expr]] = []
    for n in walked(fn):
        if not (isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load)) or \
                id(n) in skip:
            continue
        node: ast.AST = n
        while isinstance(parent := parents.get(id(node)), ast.BinOp | ast.UnaryOp) and \
                _pythonic(parent, name, assigned):
            node = parent
        if not (isinstance(parent, ast.BinOp) and isinstance(parent.op, _ARITH)):
            return None
        other = parent.right if parent.left is node else parent.left
        out.append((node, other))                              # type: ignore[arg-type]
    return out


def _pythonic(node: ast.AST, name: str, assigned: set[str]) -> bool:
    """Whether ``node`` is an arithmetic of ``name``, numbers and unassigned names alone."""
    if isinstance(node, ast.UnaryOp):
        return isinstance(node.op, ast.USub | ast.UAdd) and _leaf(node.operand, name, assigned)
    if isinstance(node, ast.BinOp):
        return isinstance(node.op, _ARITH) and all(
            _leaf(x, name, assigned) for x in (node.left, node.right))
    return _leaf(node, name, assigned)


def _leaf(node: ast.AST, name: str, assigned: set[str]) -> bool:
    if isinstance(node, ast.Constant):
        return type(node.value) in (int, float)
    if isinstance(node, ast.Name):
        return node.id == name or node.id not in assigned
    return isinstance(node, ast.BinOp | ast.UnaryOp) and _pythonic(node, name, assigned)
