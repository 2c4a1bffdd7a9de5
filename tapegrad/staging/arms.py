"""What a branch's arms may do for jit to write the branch as an ``if`` in a loop.

A rolled loop's ``if`` runs the arm the data choose, at every call; the
tape shows what each arm computes, not what it changes in Python. So an
``if`` whose arm changes Python state that what follows may read keeps its
guard (and its loop stays unrolled).
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Set

from ..pyindex import arms_of, around, on_line, parent
from ..pysource import file_tree, walked


def quiet_arms(where: str) -> bool:
    """Whether the ``if`` at ``file:line`` changes nothing the tape does not show.

    A Python counter (``n += 1``), a constant assigned (``sign = -1.0``), a
    call for its effect (``kept.append(v)``) or a store into an object in an
    arm leaves no record, yet what follows may depend on it: such an ``if``
    keeps its guard. A line that is no ``if`` statement (``max(0.0, v)``,
    ``a if c else b``) holds expressions only. A line whose test may run
    more or fewer times per iteration (``while``, ``and``) keeps its guards.
    """
    filename, _, line = where.rpartition(":")
    tree = file_tree(filename) if line.isdigit() else None
    if tree is None:
        return False
    here = list(on_line(tree, int(line)))
    node = next((n for n in here if isinstance(n, ast.If)), None)
    tests = here if node is None else list(walked(node.test))
    if any(isinstance(n, _VARYING) for n in tests) or \
            sum(isinstance(n, ast.IfExp) for n in tests) > 1:
        return False
    if node is None:
        return bool(here)
    arms = arms_of(node)
    arms.body += _skipped_by_continue(tree, node)
    return not any(_loud(n) for n in walked(arms)) and not _untraced_stores(tree, node, arms) \
        and not _breaks_an_inner_loop(tree, node)


def _skipped_by_continue(tree: ast.AST, node: ast.If) -> list[ast.stmt]:
    """The statements of the loop's body after ``node``, where an arm of ``node`` may ``continue``.

    ``if c: continue`` followed by ``t = t * 0.5 + 1.0`` runs the assignment
    in the iterations of one outcome only: it is as much that outcome's arm
    as the ``if``'s own, and is asked what the arms are asked. (A ``continue``
    of a loop inside an arm continues that loop.)
    """
    def continues(stmts: list[ast.stmt]) -> bool:
        return any(isinstance(s, ast.Continue) or not isinstance(
            s, ast.For | ast.While | ast.AsyncFor | ast.FunctionDef | ast.AsyncFunctionDef |
            ast.ClassDef) and continues([c for c in ast.iter_child_nodes(s)
                                         if isinstance(c, ast.stmt)]) for s in stmts)
    after: list[ast.stmt] = []
    if not continues(node.body + node.orelse):
        return after
    here: ast.AST = node
    up = parent(tree, here)
    while up is not None and not isinstance(up, ast.FunctionDef | ast.Lambda | ast.Module):
        for block in (getattr(up, f, None) for f in ("body", "orelse", "finalbody")):
            if isinstance(block, list) and here in block:
                after += block[block.index(here) + 1:]
        if isinstance(up, ast.For | ast.While | ast.AsyncFor):
            break
        here, up = up, parent(tree, up)
    return after


def _breaks_an_inner_loop(tree: ast.AST, node: ast.If) -> bool:
    """Whether an arm of ``node`` breaks out of a loop that runs inside another loop.

    The outer loop's next iteration then comes sooner: how many times the
    ``if`` runs depends on its outcomes, so its guards cannot be rolled into
    a loop of the trip count tracing saw (``for i ..: for j ..: if s > 1:
    break``). A break of a loop in no other ends the loop, which its guards
    see.
    """
    def breaks(stmts: list[ast.stmt]) -> bool:      # not a break of a loop within the arm
        for s in stmts:
            if isinstance(s, ast.Break):
                return True
            if not isinstance(s, ast.For | ast.While | ast.AsyncFor | ast.FunctionDef |
                              ast.AsyncFunctionDef | ast.ClassDef) and breaks(
                    [c for c in ast.iter_child_nodes(s) if isinstance(c, ast.stmt)]):
                return True
        return False
    if not breaks(node.body + node.orelse):
        return False
    loops = around(tree, node, (ast.For, ast.While, ast.AsyncFor))
    return len(loops) > 1


def _untraced_stores(tree: ast.AST, node: ast.If, arms: ast.Module) -> bool:
    """Whether an arm assigns a name whose value cannot come from the arguments.

    ``t = t * 0.5 + 1.0`` where ``t`` started as ``0.5`` is Python arithmetic
    on constants: the tape shows nothing of it, yet ``t`` differs by the arms
    taken. A name may be traced where its value reads, through any chain of
    assignments in the function, a parameter or a name the function does not
    assign (a closure's or a global's; not a called function's name).
    """
    fns = [f for f in around(tree, node, (ast.FunctionDef, ast.Lambda)) if f is not node]
    if not fns:
        return False
    fn = fns[-1]           # the innermost (ast.walk goes outside in): a def in a def
    traced, _ = traced_names(fn)
    if any(t.id not in traced for n in walked(arms) for t, _ in _assigned(n)):
        return True
    python = python_names(fn)          # once, not once a node of the arms
    return any(_python_test(n, python) for n in walked(arms))


def _python_test(n: ast.AST, python: Set[str]) -> bool:
    """Whether ``n`` chooses by Python state: ``elif k % 2 == 0`` on a counter ``k``.

    No guard records that choice, so an arm holding it may do other things
    at other iterations than the tape shows.
    """
    test = n.test if isinstance(n, ast.If | ast.While | ast.IfExp) else \
        n.iter if isinstance(n, ast.For) else None
    return test is not None and any(isinstance(x, ast.Name) and x.id in python
                                    for x in walked(test))


@functools.lru_cache(maxsize=1024)
def traced_names(fn: ast.FunctionDef | ast.Lambda) -> tuple[frozenset[str], frozenset[str]]:
    """The names of ``fn`` that may hold traced values, and all names it assigns.

    A name may be traced where its value reads, through any chain of
    assignments in the function, a parameter or a name the function does not
    assign (a closure's or a global's; not a called function's name).
    """
    params = {a.arg for a in walked(fn.args) if isinstance(a, ast.arg)}
    stores = [(t, v) for n in walked(fn) for t, v in _assigned(n)]
    local = {t.id for t, _ in stores}
    traced = set(params)
    changed = True
    while changed:             # a fixed point over the function's assignments
        changed = False
        for t, v in stores:
            if t.id not in traced and _reads(v, traced, local):
                traced.add(t.id)
                changed = True
    return frozenset(traced), frozenset(local)


@functools.lru_cache(maxsize=1024)
def python_names(fn: ast.FunctionDef | ast.Lambda) -> frozenset[str]:
    """The names of ``fn`` that may hold a Python number (not traced) at some point.

    A name assigned at least once from an expression reading no parameter
    and no name outside this set (constants, closures' and globals' names,
    Python counters): ``x = 0.37`` makes ``x`` one, even where ``for x in
    xs`` assigns it a traced value elsewhere, and ``t = t + x`` keeps ``t``
    a Python number in the iterations where ``x`` is one. A call of a
    function defined inside ``fn`` that reads a traced name of it (``f1 =
    shoot(a1)``, ``shoot`` reading a parameter) reads that name.
    """
    params = {a.arg for a in walked(fn.args) if isinstance(a, ast.arg)}
    stores = [(t, v) for n in walked(fn) for t, v in _assigned(n)]
    names = params | {t.id for t, _ in stores}
    inner = [(d.name, {x.id for x in walked(d) if isinstance(x, ast.Name)})
             for d in walked(fn) if isinstance(d, ast.FunctionDef) and d is not fn]
    python: set[str] = set()
    changed = True
    while changed:             # a fixed point over the function's assignments
        changed = False
        closures = {name for name, reads in inner if reads & (names - python)}
        for t, v in stores:
            if t.id not in python and not _reads(v, names - python, names, closures):
                python.add(t.id)
                changed = True
    return frozenset(python)


@functools.lru_cache(maxsize=65536)
def _assigned(n: ast.AST) -> tuple[tuple[ast.Name, ast.AST], ...]:
    """The names a statement assigns, each with the expression it is given.

    Asked of every node of a function many times a trace: one answer per node
    (an augmented assignment's value, ``x + v`` for ``x += v``, is one node).
    """
    if isinstance(n, ast.Assign | ast.AugAssign | ast.AnnAssign | ast.NamedExpr) and \
            n.value is not None:
        targets = n.targets if isinstance(n, ast.Assign) else [n.target]
        value: ast.AST = n.value if not isinstance(n, ast.AugAssign) else ast.BinOp(
            n.target, n.op, n.value)
        return tuple(pair for x in targets for pair in _paired(x, value))
    if isinstance(n, ast.For | ast.comprehension):
        return tuple((t, n.iter) for t in walked(n.target) if isinstance(t, ast.Name))
    return ()


def _paired(target: ast.AST, value: ast.AST) -> list[tuple[ast.Name, ast.AST]]:
    """Each name of ``target`` with its part of ``value``: ``s, t = x0, 0.5`` pairs them."""
    if isinstance(target, ast.Tuple | ast.List) and isinstance(value, ast.Tuple | ast.List) \
            and len(target.elts) == len(value.elts) and not any(
                isinstance(e, ast.Starred) for e in (*target.elts, *value.elts)):
        return [p for t, v in zip(target.elts, value.elts) for p in _paired(t, v)]
    return [(t, value) for t in walked(target) if isinstance(t, ast.Name)]


def _reads(v: ast.AST, traced: set[str], local: set[str],
           closures: frozenset[str] | set[str] = frozenset()) -> bool:
    """Whether expression ``v`` reads a traced name, or one from outside the function.

    A called function's name is no read, unless it is one of ``closures``.
    """
    called = {id(c.func) for c in walked(v) if isinstance(c, ast.Call)}
    return any(isinstance(x, ast.Name) and (id(x) not in called or x.id in closures) and
               (x.id in traced or x.id not in local or x.id in closures) for x in walked(v))


# On one line, these evaluate a test a number of times that depends on the
# data (a while loop, a comprehension, ``a > 0 and b > 0``): each iteration of
# the loop around would not hold one guard of the line.
_VARYING = (ast.While, ast.For, ast.AsyncFor, ast.ListComp, ast.SetComp, ast.DictComp,
            ast.GeneratorExp, ast.BoolOp)


def _loud(node: ast.AST) -> bool:
    """Whether statement ``node`` may change Python state the tape does not record."""
    if isinstance(node, ast.Expr):
        return isinstance(node.value, ast.Call)
    if isinstance(node, ast.Global | ast.Nonlocal | ast.Delete) or _int_step(node):
        return True
    if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        if any(isinstance(n, ast.Subscript | ast.Attribute) for t in targets
               for n in walked(t)):
            return True
        return node.value is None or not any(isinstance(n, ast.Name | ast.Call)
                                             for n in walked(node.value))
    return False


def _int_step(node: ast.AST) -> bool:
    """``n += 1`` or ``n = n - 2``: a Python counter, stepped by an int.

    (A float step, ``s = s + 1.0``, is taken for traced arithmetic.)
    """
    if isinstance(node, ast.AugAssign):
        return _int(node.value)
    if not isinstance(node, ast.Assign) or not isinstance(node.value, ast.BinOp):
        return False
    v = node.value
    return isinstance(v.op, ast.Add | ast.Sub) and (_int(v.left) or _int(v.right)) and any(
        isinstance(t, ast.Name) and isinstance(x, ast.Name) and x.id == t.id
        for t in node.targets for x in (v.left, v.right))


def _int(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) is int
