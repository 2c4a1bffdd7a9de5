"""A ``while`` test that records more than one guard: ``while (a if flag else b) > tol:``.

Each run of such a test records a guard for the conditional expression's
test, then one for the comparison the ``while`` reads, all on the
``while``'s line. A line whose guards come more than once in an iteration
is otherwise an inner loop's test (run once per inner iteration). These
are one run of the test where the ``while`` at that line holds conditional
expressions or chained comparisons enough for them, nothing but its own
test's guards lies between them, and the last one held (the loop went
on): that last one is the test that may end the loop; the others stay
guards, as in the straight-line program.
"""

from __future__ import annotations

import ast
import functools
from typing import Any

from ..pyindex import around, body_of, first_on_line, if_in_body
from ..pysource import any_ends, break_guard, file_tree, walked
from .arms import python_names
from .program import Const, Program, is_guard

__all__ = ["also_exits", "and_like", "exit_candidates"]


def exit_candidates(prog: Program, loop: Any, offsets: list[int], lines: list[str]
                    ) -> list[int]:
    """The offsets, among the guards ``offsets`` of ``loop``'s iteration, of tests that may end it.

    ``lines``: each guard's ``file:line``. A guard alone on its line, or
    the last of one run of a compound ``while`` test.
    """
    out = []
    for o, line in zip(offsets, lines):
        same = [p for p, w in zip(offsets, lines) if w == line]
        whole = not and_like(line) or len(same) == _most_guards(line)   # each comparison's
        if whole and (len(same) == 1 or (o == same[-1] or and_like(line)) and _one_run(
                prog, loop, same, offsets, lines, line)):
            out.append(o)
    return out


def also_exits(prog: Program, loop: Any) -> list[int]:
    """The offsets of the guards of ``loop``'s exit test that end it too, besides ``loop.exit``.

    ``while lo < x < hi:`` records a guard per comparison; the test fails
    where either does. One that comes before the exit in an iteration ends
    the loop only where the code after it reads no value the iteration
    computes between the two (the traced exit ran them). All of them are one
    run of the test: what the iteration computes between its first and last
    guard only those guards and each other read (the loop rolled at another
    phase would run the body between them: its variables would not be the
    ones the exit leaves).
    """
    eqns, g = prog.eqns, loop.exit
    line = prog.sources.get(eqns[loop.start + g].out, "")
    if g < 0 or not and_like(line):
        return []
    same = [o for o in range(loop.period) if is_guard(eqns[loop.start + o])
            and prog.sources.get(eqns[loop.start + o].out) == line and o != g]
    lo, hi = loop.start + min(same + [g]), loop.start + max(same + [g])
    inside = {e.out for e in eqns[lo:hi + 1]}
    if any(a in inside for e in eqns[:lo] + eqns[hi + 1:] for a in e.args) or any(
            o in inside for o in prog.outputs):
        return []
    stop = loop.stop + g + 1
    read = {a for e in eqns[stop:] for a in e.args if a.__class__ is int}
    read.update(o for o in prog.outputs if isinstance(o, int))
    return [o for o in same if o > g or not read & {
        eqns[loop.stop + q].out for q in range(o + 1, g + 1)}]


def and_like(where: str) -> bool:
    """``_and_like`` of the file's tree as it is now (one parsed per text)."""
    return _and_like(where, file_tree(where.rpartition(":")[0]))


@functools.lru_cache(maxsize=256)
def _and_like(where: str, tree: Any) -> bool:
    """Whether the ``while`` at ``file:line`` ends where any guard of its test fails.

    Its test is a chained comparison (``lo < x < hi``) or an ``and`` of
    comparisons (``abs(dx) > tol and abs(fx) > tol``), each of names,
    constants, arithmetic, attributes and ``abs`` or a module's function:
    no conditional expression, ``or``, or builtin that compares (``min``,
    ``max``), and no Python number the loop changes (``k < maxiter``: the
    tape shows no guard of it).
    """
    loop = _while_at(where)
    if loop is None:
        return _break_like(where)
    if _python_reads(where, loop, loop.test):
        return False
    test = loop.test
    parts = test.values if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And) \
        else [test]
    if not all(isinstance(p, ast.Compare) for p in parts) or len(parts) == 1 and len(
            test.ops) == 1:                                      # type: ignore[attr-defined]
        return False
    return all(isinstance(n, _PLAIN) or _quiet_call(n) for p in parts for n in walked(p))


def _break_like(where: str) -> bool:
    """Whether ``file:line`` is ``if a < tol or b < tol: break`` in a ``while`` (``any_ends``)."""
    stmt, loop = _break_at(where)
    return stmt is not None and loop is not None and any_ends(stmt.test) and all(
        isinstance(n, _PLAIN + (ast.BoolOp, ast.boolop)) or _quiet_call(n)
        for n in walked(stmt.test)) and not _python_reads(where, loop, stmt.test)


def _break_at(where: str) -> tuple[Any, Any]:
    """The ``if ...: break`` on ``file:line`` and the ``while`` whose body holds it."""
    filename, _, line = where.rpartition(":")
    tree = file_tree(filename) if line.isdigit() else None
    held = None if tree is None else if_in_body(tree, int(line), ast.While)
    if held is not None and break_guard(held[1], held[0]):
        return held[1], held[0]
    return None, None


def _quiet_call(n: ast.AST) -> bool:
    """A call that compares nothing on the test's line: a module's function, or ``abs``."""
    return isinstance(n, ast.Call) and (isinstance(n.func, ast.Attribute) or isinstance(
        n.func, ast.Name) and n.func.id == "abs")


def _python_reads(where: str, loop: ast.While, test: ast.expr) -> bool:
    """Whether ``test`` reads a name that holds a Python number ``loop``'s body changes."""
    tree = file_tree(where.rpartition(":")[0])
    fns = [] if tree is None else around(tree, loop, ast.FunctionDef)
    fn = fns[0] if fns else None
    if fn is None:
        return True
    body = body_of(loop)
    changed = {t.id for t in walked(body) if isinstance(t, ast.Name) and
               isinstance(t.ctx, ast.Store)} & python_names(fn)
    return any(isinstance(n, ast.Name) and n.id in changed for n in walked(test))


_PLAIN = (ast.Compare, ast.Name, ast.Constant, ast.BinOp, ast.UnaryOp, ast.Attribute,
          ast.Subscript, ast.Load, ast.operator, ast.unaryop, ast.cmpop, ast.Slice, ast.Tuple)


def _one_run(prog: Program, loop: Any, same: list[int], offsets: list[int],
             lines: list[str], line: str) -> bool:
    """Whether the guards ``same`` of ``line`` are one run of a ``while`` test that held."""
    last = prog.eqns[loop.start + same[-1]].args[1]      # held: the loop went on
    if not (isinstance(last, Const) and (last.value is True or and_like(line))):
        return False
    between = [w for p, w in zip(offsets, lines) if same[0] <= p <= same[-1]]
    return all(w == line for w in between) and len(same) <= _most_guards(line)


def _while_at(where: str) -> ast.While | None:
    filename, _, line = where.rpartition(":")
    tree = file_tree(filename) if line.isdigit() else None
    return None if tree is None else first_on_line(tree, int(line), ast.While)


def _most_guards(where: str) -> int:
    return _most_guards_in(where, file_tree(where.rpartition(":")[0]))


@functools.lru_cache(maxsize=256)
def _most_guards_in(where: str, tree: Any) -> int:
    """How many guards one run of the test of the ``while`` at ``file:line`` may record."""
    loop, (stmt, _) = _while_at(where), _break_at(where)
    if (loop is not None and isinstance(loop.test, ast.BoolOp) or loop is None and
            stmt is not None) and and_like(where):
        test = loop.test if loop is not None else stmt.test
        return sum(len(n.ops) for n in walked(test) if isinstance(n, ast.Compare))
    if loop is None or any(isinstance(n, ast.BoolOp) for n in walked(loop.test)):
        return 1
    nodes = walked(loop.test)
    return 1 + sum(isinstance(n, ast.IfExp) for n in nodes) + \
        sum(len(n.ops) - 1 for n in nodes if isinstance(n, ast.Compare))
