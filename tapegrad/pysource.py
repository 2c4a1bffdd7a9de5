"""Reading the user's Python source: what the tape cannot show of a loop.

A guard records where it was decided (``file:line``). Each source file is
parsed once per text (every guard asks of its file). While ``jit`` traces,
a guard ``if ...: break`` directly in the body of ``for _ in range(...)``
also records how many iterations that loop has left: the bound of the loop
``jit`` rolls, which the tape does not show.
"""

from __future__ import annotations

import ast
import contextlib
import dis
import functools
import inspect
import linecache
import operator
from types import CodeType, FrameType
from typing import Any

import numpy as np

from .pyindex import arms_of, around, body_of, first_on_line, if_in_body, on_line, walked

__all__ = ["parsed", "file_tree", "walked", "for_left", "loop_test", "library_call",
           "method_call", "operand", "running", "running_op", "user_running", "note_numbers",
           "number_params", "traced_params", "break_guard", "any_ends"]

# ``file:line`` of a guard -> the parameters of its function that held a Python number
# there, in any trace: a loop in a helper steps such a one unseen (``t = t * 0.5 + 1.0``)
_NUMBERS: dict[str, set[str]] = {}
_TRACED: dict[str, set[str]] = {}     # ... those that held a traced value
_UNTRACED: dict[str, set[str]] = {}   # ... and those that held anything else


@functools.lru_cache(maxsize=16)
def parsed(text: str) -> ast.Module | None:
    """A source file's syntax tree, parsed once per text (None: not Python)."""
    with contextlib.suppress(SyntaxError, ValueError):
        return ast.parse(text)
    return None


def file_tree(filename: str) -> ast.Module | None:
    """The syntax tree of the file ``filename`` as ``linecache`` has it."""
    return parsed("".join(linecache.getlines(filename)))


def note_numbers(frame: FrameType, traced: type | None = None) -> None:
    """Note which parameters of ``frame`` hold a Python number at a guard on its line.

    A parameter is traced, or a caller's untraced number (``g(s, 0.5, w)``);
    the source alone cannot tell, the frame can. ``traced``: the type of a
    traced value; which parameters hold one is noted too (``traced_params``).
    """
    code, names = frame.f_code, frame.f_locals
    params = code.co_varnames[:code.co_argcount + code.co_kwonlyargcount]
    seen = {p for p in params if isinstance(names.get(p), int | float | complex | np.number)}
    where = f"{code.co_filename}:{frame.f_lineno}"
    if seen:
        _NUMBERS.setdefault(where, set()).update(seen)
    if traced is not None:
        held = {p for p in params if isinstance(names.get(p), traced)}
        _TRACED.setdefault(where, set()).update(held)
        _UNTRACED.setdefault(where, set()).update(set(params) - held)


def number_params(where: str) -> set[str]:
    """The parameters a guard at ``file:line`` saw hold a Python number (``note_numbers``)."""
    return _NUMBERS.get(where, set())


def traced_params(where: str) -> set[str]:
    """The parameters every guard at ``file:line`` saw hold a traced value (``note_numbers``)."""
    return _TRACED.get(where, set()) - _UNTRACED.get(where, set())


def loop_test(where: str) -> bool:
    """Whether ``file:line`` is a loop's test: a ``while``, or an ``if`` that breaks."""
    filename, _, line = where.rpartition(":")
    tree = file_tree(filename) if line.isdigit() else None
    if tree is None:
        return False
    return any(isinstance(n, ast.While) or isinstance(n, ast.If) and
               any(isinstance(s, ast.Break) for s in n.body) for n in on_line(tree, int(line)))


_LEAVE = (ast.Break, ast.Return, ast.Raise)
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def leaves_a_loop(where: str) -> bool:
    """Whether ``file:line`` is an ``if`` an arm of which leaves a loop around it.

    A ``break``, or a ``return`` or ``raise`` with a ``for`` or ``while`` of
    the same function around the ``if``: Newton's ``if converged: return x``
    inside ``for i in range(maxiter)``. Python then counts the iterations by
    the outcomes, not the loop: the rollers must not take them for a ``for``
    loop's fixed count.
    """
    filename, _, line = where.rpartition(":")
    tree = file_tree(filename) if line.isdigit() else None
    test = None if tree is None else first_on_line(tree, int(line), ast.If)
    if tree is None or test is None:
        return False
    kinds = {type(n) for n in walked(arms_of(test)) if isinstance(n, _LEAVE)}
    if ast.Break in kinds:
        return True
    held = around(tree, test, _SCOPES + (ast.For, ast.While))
    return bool(kinds) and bool(held) and isinstance(held[-1], ast.For | ast.While)


def for_left(frame: FrameType) -> int | None:
    """The iterations left after this one of the ``for`` loop a break guard ends.

    ``frame`` is at the test of ``if <test>: break``, a statement directly in
    the body of ``for <name> in range(<args>)`` with no ``else``, whose body
    never reads ``<name>`` and whose ``range`` arguments are ints: constants,
    names, ``len`` of a list or tuple, and ``+ - * //`` of those (a traced
    value is none). None where the line is not such a test.
    """
    how = _break_of(frame.f_code, frame.f_lineno)
    if how is None:
        return None
    target, args = how
    names = frame.f_locals
    cur = names.get(target)
    values = [_int(a, names, frame.f_globals) for a in args]
    if type(cur) is not int or None in values:
        return None
    r = range(*values)                                          # type: ignore[arg-type]
    if cur not in r:
        return None
    return len(r) - r.index(cur) - 1


_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
        ast.FloorDiv: operator.floordiv}


def _int(node: ast.expr, names: Any, spare: dict[str, Any]) -> int | None:
    """The int an expression of int constants, names, ``+ - * //`` and ``len`` gives."""
    if isinstance(node, ast.Constant):
        v = node.value
    elif isinstance(node, ast.Name):
        v = names[node.id] if node.id in names else spare.get(node.id)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        x = _int(node.operand, names, spare)
        v = None if x is None else -x
    elif isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        a, b = _int(node.left, names, spare), _int(node.right, names, spare)
        v = None if a is None or b is None or (b == 0 and isinstance(node.op, ast.FloorDiv)) \
            else _OPS[type(node.op)](a, b)
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
            node.func.id == "len" and len(node.args) == 1 and not node.keywords and \
            isinstance(node.args[0], ast.Name) and "len" not in names and "len" not in spare:
        seq = names.get(node.args[0].id, spare.get(node.args[0].id))
        v = len(seq) if isinstance(seq, list | tuple) else None
    else:
        return None
    return v if type(v) is int else None


@functools.lru_cache(maxsize=256)
def _break_of(code: CodeType, line: int) -> tuple[str, tuple[ast.expr, ...]] | None:
    """For a break guard's line: the ``for``'s target and ``range`` arguments."""
    tree = file_tree(code.co_filename)
    if tree is None:
        return None
    held = if_in_body(tree, line, ast.For)
    if held is None or held[0].orelse:
        return None
    how = _bounded(held[0], held[1])
    return None if how is None or _read_outside(tree, held[0], how[0]) else how


def _read_outside(tree: ast.Module, loop: ast.For, name: str) -> bool:
    """Whether the function around ``loop`` reads its target ``name`` outside it.

    After the loop ``name`` holds the index the break left it at: the tape
    shows the traced run's, a constant. A read in the body of another
    ``for name in ...`` (or a comprehension over ``name``) reads that loop's own.
    """
    fns = around(tree, loop, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
    scope: ast.AST = fns[-1] if fns else tree           # ast.walk: the innermost last
    own = {id(n) for n in ast.walk(loop)}
    for f in ast.walk(scope):
        if isinstance(f, ast.For) and f is not loop and isinstance(f.target, ast.Name) and \
                f.target.id == name:
            own |= {id(n) for part in [f.target, *f.body] for n in ast.walk(part)}
        elif isinstance(f, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp) and \
                any(isinstance(g.target, ast.Name) and g.target.id == name for g in f.generators):
            own |= {id(n) for n in ast.walk(f)}
    return any(isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load)
               and id(n) not in own for n in ast.walk(scope))


def _bounded(loop: ast.For, test: ast.If) -> tuple[str, tuple[ast.expr, ...]] | None:
    """``loop``'s target and range arguments where ``test`` is a plain break guard."""
    call, target = loop.iter, loop.target
    if not (break_guard(test, loop) and isinstance(target, ast.Name) and isinstance(call, ast.Call)
            and isinstance(call.func, ast.Name) and call.func.id == "range"
            and not call.keywords and 1 <= len(call.args) <= 3):
        return None
    body = body_of(loop)
    if any(isinstance(n, ast.Name) and n.id == target.id for n in ast.walk(body)):
        return None          # the body reads (or sets) the counter: the tape shows a constant
    return target.id, tuple(call.args)


def break_guard(stmt: ast.stmt, loop: ast.For | ast.While) -> bool:
    """Whether ``stmt`` of ``loop``'s body is ``if <one condition>: break``, copies before it.

    ``if err < tol: P = P_next; break``: a copy records nothing, and the code
    after the loop reads, where the break left it, the value the tape shows
    (``P_next`` of the last iteration, as the copy made it). Each copy is of
    a name a statement of the body before the ``if`` assigns (not in an arm
    or an inner loop: a value of this iteration); ``P = 0.0``,
    ``P = P_next * 2`` or a copy of a value from an earlier iteration is none.
    """
    if not (isinstance(stmt, ast.If) and stmt.body and isinstance(stmt.body[-1], ast.Break)
            and not stmt.orelse) or any(isinstance(n, ast.BoolOp | ast.IfExp | ast.NamedExpr)
                                        for n in walked(stmt.test)) and not (
            isinstance(loop, ast.While) and any_ends(stmt.test)):
        return False
    if len(stmt.body) == 1:
        return True
    before = loop.body[:next((i for i, s in enumerate(loop.body) if s is stmt), 0)]
    made = {t.id for s in before if isinstance(s, ast.Assign | ast.AugAssign | ast.AnnAssign)
            for t in walked(s) if isinstance(t, ast.Name) and isinstance(t.ctx, ast.Store)}
    return all(_copy(s, made) for s in stmt.body[:-1])


def any_ends(test: ast.expr) -> bool:
    """Whether ``test`` breaks where any of its comparisons goes the other way.

    ``a < tol or b < tol`` (an ``or`` of comparisons) and ``not lo < x < hi``
    (a chained one, negated): each comparison it runs records a guard.
    """
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return isinstance(test.operand, ast.Compare) and len(test.operand.ops) > 1
    return isinstance(test, ast.BoolOp) and isinstance(test.op, ast.Or) and all(
        isinstance(v, ast.Compare) and not any(isinstance(n, ast.BoolOp | ast.IfExp |
                                                          ast.NamedExpr) for n in walked(v))
        for v in test.values)


def _copy(stmt: ast.stmt, made: set[str]) -> bool:
    """Whether ``stmt`` is ``a = b`` or ``a, c = b, d``: names copied from ``made``."""
    if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1):
        return False
    t, v = stmt.targets[0], stmt.value
    if isinstance(t, ast.Tuple) and isinstance(v, ast.Tuple) and len(t.elts) == len(v.elts):
        pairs = list(zip(t.elts, v.elts))
    else:
        pairs = [(t, v)]
    return all(isinstance(a, ast.Name) and isinstance(b, ast.Name) and b.id in made
               for a, b in pairs)


def running_op(frame: FrameType) -> str:
    """The name of the instruction ``frame`` is running, read cheaply (no source)."""
    code = frame.f_code.co_code
    return dis.opname[code[frame.f_lasti]] if 0 <= frame.f_lasti < len(code) else ""


def running(frame: FrameType) -> tuple[str, str] | None:
    """What ``frame`` is running: its instruction's name and the source it spans.

    ``("CALL", "mu.dot(w)")``, ``("STORE_SUBSCR", "a[1:]")`` (a store spans
    its target), or None where the source is not to be had.
    """
    at = None           # a frame calling Python code stops within its call's inline caches
    for i in dis.get_instructions(frame.f_code):
        if i.offset > frame.f_lasti:
            break
        at = i
    where = getattr(at, "positions", None)
    if at is None or where is None or where.lineno is None or where.end_lineno is None:
        return None
    lines = [linecache.getline(frame.f_code.co_filename, n)
             for n in range(where.lineno, where.end_lineno + 1)]
    lines[-1] = lines[-1][:where.end_col_offset]
    lines[0] = lines[0][where.col_offset:]
    text = " ".join(line.strip() for line in lines)
    op = "CALL" if at.opname == "PRECALL" else at.opname    # 3.11 calls a warm builtin in PRECALL
    return (op, text) if text else None


def user_running(frame: FrameType, skip: tuple[str, ...]) -> tuple[str, str] | None:
    """``running`` of the first frame from ``frame`` out whose package is not in ``skip``."""
    while frame.f_back is not None and frame.f_globals.get("__name__", "").split(".")[0] in skip:
        frame = frame.f_back
    return running(frame)


def names_a_sequence(frame: FrameType, skip: tuple[str, ...], source: str) -> bool:
    """Whether ``source``, read in the first frame out of ``skip``, is a name holding a list."""
    while frame.f_back is not None and frame.f_globals.get("__name__", "").split(".")[0] in skip:
        frame = frame.f_back
    if not source.isidentifier():
        return False
    value = frame.f_locals.get(source, frame.f_globals.get(source))
    return isinstance(value, list | tuple)


def method_call(text: str) -> tuple[str, str, list[str], list[str]] | None:
    """``owner.method(args)`` in the source ``text`` of a call: its parts, or None.

    ``np.exp(W).dot(x + 1.0)`` is ``("np.exp(W)", "dot", ["x + 1.0"], ["np.exp(W)",
    "(x + 1.0)"])``: the owner, the method, the arguments, and the owner and
    positional arguments as operands, in parentheses where they are not one
    atom, to read the same beside an operator (``np.exp(W) @ (x + 1.0)``).
    """
    try:
        call = ast.parse(text, mode="eval").body
    except SyntaxError:
        return None
    if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Attribute):
        return None
    atoms = ast.Name | ast.Attribute | ast.Call | ast.Subscript | ast.Constant
    operands = [ast.unparse(n) if isinstance(n, atoms) else f"({ast.unparse(n)})"
                for n in (call.func.value, *call.args)]
    return (ast.unparse(call.func.value), call.func.attr,
            [ast.unparse(a) for a in (*call.args, *call.keywords)], operands)


def library_call(frame: FrameType) -> tuple[str, str, str, list[str]] | None:
    """The call ``frame`` is running, where its callee is a library's: who and with what.

    ``math.exp(x + 1.0)`` is ``("math.exp(x + 1.0)", "math", "exp", ["x + 1.0"])``;
    ``exp(x)`` after ``from math import exp`` and ``m.exp(x)`` after
    ``import math as m`` are found too (the callee is read by name, never called).
    None where the callee is not found or has no ``__module__``.
    """
    op, text = running(frame) or ("", "")
    if not op.startswith("CALL"):
        return None
    try:
        call = ast.parse(text, mode="eval").body
    except SyntaxError:
        return None
    if not isinstance(call, ast.Call):
        return None
    fun: Any = _named(call.func, frame)
    module, name = getattr(fun, "__module__", None), getattr(fun, "__name__", None)
    if not isinstance(module, str) or not isinstance(name, str):
        return None
    return text, module, name, [ast.unparse(a) for a in call.args]


def _named(node: ast.expr, frame: FrameType) -> Any:
    """What a dotted name refers to in ``frame`` (attributes read, nothing called)."""
    if isinstance(node, ast.Attribute):
        owner = _named(node.value, frame)
        try:                                    # read statically: no property runs
            return None if owner is None else inspect.getattr_static(owner, node.attr)
        except AttributeError:
            return None
    if isinstance(node, ast.Name):
        for names in (frame.f_locals, frame.f_globals, frame.f_builtins):
            if node.id in names:
                return names[node.id]
    return None


def operand(source: str) -> str:
    """``source`` as the operand of a method call: parenthesized unless it is one already."""
    try:
        node = ast.parse(source, mode="eval").body
    except SyntaxError:
        return f"({source})"
    atomic = isinstance(node, ast.Name | ast.Attribute | ast.Subscript | ast.Call)
    return source if atomic else f"({source})"
