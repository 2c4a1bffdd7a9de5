"""A ``while`` loop's Python counter, read from its source and, while tracing, its frame.

``while err > tol and k < maxiter: ...; k += 1`` (or ``k < maxiter and
err > tol``), and ``it = it + 1; if it > 100: raise ...`` in the body of
``while err > tol:``: a Python int the body steps by a constant, read only
by the loop's test and by such an ``if``. The tape holds no record of it;
jit rolls the loop only where it can write the counter itself: its value
at each test, recorded with the test's guard (``counter_values``), its
step and its comparisons, read from the source (``counted``).
"""

from __future__ import annotations

import ast
import functools
import operator
from types import CodeType, FrameType
from typing import Any, NamedTuple

from .pysource import _int, at_line, enclosing, file_tree, walked

__all__ = ["Counted", "Tally", "counted", "counter_nodes", "counter_values", "tallied",
           "tally_nodes", "tally_values", "traced_test", "COMPARE"]

COMPARE = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
           "==": operator.eq, "!=": operator.ne}
_SPELL = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!="}
# what a counted loop's body may not hold: a way out of an iteration other than its end
_EXITS = (ast.Break, ast.Continue, ast.Return, ast.Yield, ast.YieldFrom, ast.Await, ast.Try,
          ast.Global, ast.Nonlocal, ast.Delete, ast.With, ast.NamedExpr)


class Counted(NamedTuple):
    """A ``while`` loop's Python counter: ``name`` steps by ``step`` once an iteration.

    ``test``: the comparison its test makes (``"<"``, with the bound first
    in ``counter_values``), or "" where it has none; ``first``: that
    comparison comes first in the ``and``. ``raises``: per ``if <name> <op>
    <bound>: raise ...`` of the body, its comparison and whether the step
    runs before it (the ``if`` then reads the stepped value).
    """
    name: str
    step: int
    test: str
    first: bool
    raises: tuple[tuple[str, bool], ...]
    bounds: tuple[ast.expr, ...]


def counter_values(frame: FrameType) -> tuple[int, ...] | None:
    """At a guard on a counted ``while``'s line: the counter's value, then each bound's.

    None where the line is not such a loop's, or a value is not a Python int.
    """
    plan = _counted_at(frame.f_code, frame.f_lineno)
    if plan is None:
        return None
    names = frame.f_locals
    k = names.get(plan.name)
    values = [_int(b, names, frame.f_globals) for b in plan.bounds]
    if type(k) is not int or None in values:
        return None
    return (k, *values)                               # type: ignore[arg-type]


@functools.lru_cache(maxsize=256)
def _counted_at(code: CodeType, line: int) -> Counted | None:
    return counted(f"{code.co_filename}:{line}")


def while_at(tree: ast.AST, line: int) -> ast.While | None:
    """The ``while`` statement on ``line`` of ``tree``, or None."""
    return next((n for n in at_line(tree, line) if isinstance(n, ast.While)), None)


def loop_of_if(tree: ast.AST, line: int, loops: Any = ast.For) -> Any:
    """The loop (of the types ``loops``) whose body holds the ``if`` on ``line``, or None."""
    return next((n for s in at_line(tree, line) if isinstance(s, ast.If)
                 for n in enclosing(tree, s)[-1:] if isinstance(n, loops) and s in n.body), None)


def counted(where: str) -> Counted | None:
    """The counter of the ``while`` whose test is on ``file:line``, or None."""
    filename, _, line = where.rpartition(":")
    tree = file_tree(filename) if line.isdigit() else None
    if tree is None:
        return None
    loop = while_at(tree, int(line))
    fns = [] if loop is None else [
        n for n in enclosing(tree, loop) if isinstance(n, ast.FunctionDef)]
    if loop is None or not fns or loop.orelse or any(
            isinstance(n, _EXITS) for s in loop.body for n in walked(s)):
        return None
    tally = tallied(where)
    return _plan(fns[-1], loop, () if tally is None else tally.names)


def _plan(fn: ast.FunctionDef, loop: ast.While, returned: tuple[str, ...] = ()
          ) -> Counted | None:
    """``counted``'s answer for ``loop`` in the function ``fn``.

    ``returned``: counters the function's ``return`` may read (a ``Tally``'s).
    """
    test, traced, first = _test_counter(loop.test)
    raises = [(k, s) for k, s in enumerate(loop.body) if _raise_if(s) is not None]
    name = _raise_if(test) if test is not None else _raise_if(raises[0][1]) if raises else None
    if name is None or any(isinstance(n, ast.Name) and n.id == name for n in walked(traced)):
        return None
    steps = [(k, s) for k, s in enumerate(loop.body) if name in _stored(s)]
    if len(steps) != 1 or _step(steps[0][1], name) is None or any(
            _raise_if(s) != name for _, s in raises):
        return None
    at, stmt = steps[0]
    ends = [fn.body[-1]] if name in returned else []
    allowed = {id(n) for part in [stmt, *(s for _, s in raises), *ends] + ([test] if test else [])
               for n in walked(part)}
    inside = {id(n) for n in walked(loop)}
    for n in walked(fn):          # read nowhere else; set outside the loop alone
        if isinstance(n, ast.Name) and n.id == name and id(n) not in allowed and (
                not isinstance(n.ctx, ast.Store) or id(n) in inside):
            return None
    bounds = ([test.comparators[0]] if test else []) + [
        s.test.comparators[0] for _, s in raises]        # type: ignore[attr-defined]
    set_inside = set().union(*map(_stored, loop.body))
    if any(isinstance(x, ast.Name) and x.id in set_inside for b in bounds for x in walked(b)):
        return None               # a bound the body changes
    ops = [_SPELL[type(s.test.ops[0])] for _, s in raises]     # type: ignore[attr-defined]
    return Counted(name, _step(stmt, name), _SPELL[type(test.ops[0])] if test else "",  # type: ignore[arg-type]
                   first, tuple((op, k > at) for op, (k, _) in zip(ops, raises)), tuple(bounds))


def counter_nodes(loop: ast.While | None, plan: Counted | None) -> set[int]:
    """The ids of the nodes of ``loop``'s counter step and ``if ... raise`` statements."""
    if plan is None or loop is None:
        return set()
    return {id(n) for s in loop.body if plan.name in _stored(s) or _raise_if(s) == plan.name
            for n in walked(s)}


def traced_test(loop: ast.While | None, plan: Counted | None) -> ast.expr:
    """``loop``'s test, without the counter's comparison where ``plan`` has one."""
    if loop is None:
        return ast.Constant(True)
    test = loop.test
    if plan is not None and plan.test and isinstance(test, ast.BoolOp):
        return test.values[plan.first]
    return test


def _test_counter(test: ast.expr) -> tuple[ast.Compare | None, ast.expr, bool]:
    """The counter's comparison in ``<traced> and k < n`` (either order), the rest, first."""
    if not (isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And)
            and len(test.values) == 2):
        return None, test, False
    for k, (c, rest) in enumerate(((test.values[1], test.values[0]),
                                   (test.values[0], test.values[1]))):
        if _counter_compare(c, (ast.Lt, ast.LtE)) and not any(
                isinstance(n, ast.BoolOp | ast.IfExp | ast.NamedExpr) for n in walked(rest)):
            return c, rest, bool(k)                   # type: ignore[return-value]
    return None, test, False


def _counter_compare(c: ast.AST, ops: tuple[type, ...]) -> bool:
    """Whether ``c`` is ``<name> <op> <bound>``, one of ``ops``, the bound an int expression."""
    return isinstance(c, ast.Compare) and len(c.ops) == 1 and isinstance(c.ops[0], ops) \
        and isinstance(c.left, ast.Name) and _int_expr(c.comparators[0])


def _int_expr(node: ast.expr) -> bool:
    """Whether ``node`` is what ``pysource._int`` evaluates: constants, names, ``+ - * //``."""
    return all(isinstance(n, ast.Constant | ast.Name | ast.BinOp | ast.UnaryOp | ast.Load |
                          ast.Add | ast.Sub | ast.Mult | ast.FloorDiv | ast.USub)
               for n in walked(node))


def _raise_if(stmt: ast.AST) -> str | None:
    """The counter's name where ``stmt`` is ``if <name> <op> <bound>: raise ...``.

    Or, given the test's comparison, ``<name> < <bound>``.
    """
    if isinstance(stmt, ast.Compare) and isinstance(stmt.left, ast.Name):
        return stmt.left.id
    if isinstance(stmt, ast.If) and not stmt.orelse and len(stmt.body) == 1 and \
            isinstance(stmt.body[0], ast.Raise) and _counter_compare(stmt.test, tuple(_SPELL)):
        return _raise_if(stmt.test)
    return None


def _step(stmt: ast.stmt, name: str) -> int | None:
    """``c`` where ``stmt`` is ``name += c``, ``name = name + c`` or ``name = c + name``."""
    target: ast.expr
    c: ast.expr | None
    if isinstance(stmt, ast.AugAssign) and isinstance(stmt.op, ast.Add):
        target, c = stmt.target, stmt.value
    elif isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and \
            isinstance(stmt.value, ast.BinOp) and isinstance(stmt.value.op, ast.Add):
        target, (a, b) = stmt.targets[0], (stmt.value.left, stmt.value.right)
        c = b if isinstance(a, ast.Name) and a.id == name else a if \
            isinstance(b, ast.Name) and b.id == name else None
    else:
        return None
    if isinstance(target, ast.Name) and target.id == name and isinstance(c, ast.Constant) \
            and type(c.value) is int and c.value != 0:
        return c.value
    return None


def _stored(node: ast.AST) -> set[str]:
    return {t.id for t in walked(node) if isinstance(t, ast.Name) and isinstance(t.ctx, ast.Store)}


class Tally(NamedTuple):
    """Python counters a loop's body steps and only its function's ``return`` reads.

    ``x, k = x0, 0; while True: ...; k += 1; if done: break`` then ``return
    x, k``: each of ``names`` is stepped by ``steps`` once an iteration (a
    statement of the body itself, no ``continue`` skips it), set before the
    loop alone, and read by no statement but its step and the ``return``
    after the loop, which reads it ``reads`` times. The tape shows its final
    value as an output constant; a guard on the loop's exit line records its
    values while tracing (``tally_values``), and jit writes it itself.
    """
    names: tuple[str, ...]
    steps: tuple[int, ...]
    reads: tuple[int, ...]


def tally_values(frame: FrameType) -> tuple[int, ...] | None:
    """At a guard on the exit line of a loop with a ``Tally``: each counter's value.

    None where the line is no such loop's or a counter is not a Python int
    (a traced one is on the tape); ``()`` where the function was not called
    by ``jit``'s trace itself (its return is not what jit returns: a caller
    or another transform may compute on it, and jit does not roll the loop).
    """
    plan = _tallied_at(frame.f_code, frame.f_lineno)
    if plan is None:
        return None
    values = tuple(frame.f_locals.get(name) for name in plan.names)
    if not all(type(v) is int for v in values):
        return None
    return values if _called_by_jit(frame) else ()                   # type: ignore[return-value]


def _called_by_jit(frame: FrameType) -> bool:
    """Whether tapegrad's frames below ``frame`` reach ``jit``'s ``tracing.trace`` first."""
    f = frame.f_back
    while f is not None and f.f_globals.get("__name__", "").startswith("tapegrad."):
        if f.f_code.co_name == "trace" and f.f_globals["__name__"] == "tapegrad.tracing":
            return f.f_locals.get("origins") is True and f.f_locals.get("staging") is True
        f = f.f_back
    return False


@functools.lru_cache(maxsize=256)
def _tallied_at(code: CodeType, line: int) -> Tally | None:
    return tallied(f"{code.co_filename}:{line}")


def tallied(where: str) -> Tally | None:
    """The ``Tally`` of the loop whose exit test is on ``file:line``, or None.

    The line is a ``while``'s test or an ``if ...: break`` of its body (of a
    ``for``'s too); the loop is a statement of the function's own body,
    which holds no other function and one ``return``, its last statement.
    """
    filename, _, line = where.rpartition(":")
    tree = file_tree(filename) if line.isdigit() else None
    return None if tree is None else _tallied(tree, int(line))


@functools.lru_cache(maxsize=256)
def _tallied(tree: ast.Module, n: int) -> Tally | None:
    """``tallied`` in a file's tree (parsed once per text: a file changed is a new tree)."""
    fn = next((f for f in walked(tree) if isinstance(f, ast.FunctionDef) and any(
        _exits_at(s, n) for s in f.body)), None)
    if fn is None or not isinstance(fn.body[-1], ast.Return) or any(
            isinstance(x, ast.Return) for x in walked(fn) if x is not fn.body[-1]) or any(
            isinstance(x, ast.FunctionDef | ast.Lambda | ast.ClassDef | ast.AsyncFunctionDef)
            for x in walked(fn) if x is not fn):
        return None
    loop: Any = next(s for s in fn.body if _exits_at(s, n))
    if loop.orelse or any(isinstance(x, _EXITS) and not isinstance(x, ast.Break)
                           for x in walked(loop)):
        return None
    ret, before = fn.body[-1], fn.body[:fn.body.index(loop)]
    setting = {id(x) for s in before for x in walked(s)}
    names: list[str] = []
    steps, reads = [], []
    for stmt in loop.body:
        name = next(iter(_stored(stmt)), None)
        step = _step(stmt, name) if name is not None else None
        if name is None or step is None:
            continue
        mine = {id(x) for x in walked(stmt)} | {id(x) for x in walked(ret)} | _compared(loop, name)
        if any(isinstance(x, ast.Name) and x.id == name and id(x) not in mine and not (
                isinstance(x.ctx, ast.Store) and id(x) in setting) for x in walked(fn)):
            continue
        read = sum(isinstance(x, ast.Name) and x.id == name for x in walked(ret))
        if read:                  # one nothing reads changes nothing the tape shows
            names.append(name)
            steps.append(step)
            reads.append(read)
    return Tally(tuple(names), tuple(steps), tuple(reads)) if names else None


def _compared(loop: ast.While | ast.For, name: str) -> set[int]:
    """The nodes of ``name < bound`` in ``loop``'s test where it is a counted one's (``_plan``)."""
    test = _test_counter(loop.test)[0] if isinstance(loop, ast.While) else None
    if test is None or _raise_if(test) != name:
        return set()
    return {id(x) for x in walked(test)}


def tally_nodes(where: str) -> set[int]:
    """The ids of the nodes of the counters' steps of the ``Tally`` on ``file:line``."""
    filename, _, _ = where.rpartition(":")
    plan, tree = tallied(where), file_tree(filename)
    if plan is None or tree is None:
        return set()
    return {id(x) for s in walked(tree) if isinstance(s, ast.AugAssign | ast.Assign)
            and _stored(s) & set(plan.names) and _tallied_step(tree, s, where)
            for x in walked(s)}


def _tallied_step(tree: ast.Module, stmt: ast.stmt, where: str) -> bool:
    line = int(where.rpartition(":")[2])
    return any(isinstance(s, ast.While | ast.For) and _exits_at(s, line) and stmt in s.body
               for s in walked(tree))


def _exits_at(stmt: ast.stmt, line: int) -> bool:
    """Whether ``stmt`` is a loop whose test, or an ``if`` of whose body, is on ``line``."""
    return isinstance(stmt, ast.While) and stmt.lineno == line or isinstance(
        stmt, ast.While | ast.For) and any(
            isinstance(s, ast.If) and s.lineno == line for s in stmt.body)
