"""Reading a ``while`` loop's Python source: does the tape show all of it?

A guard records where it was decided (``file:line``). Rolling a ``while`` from its
iterations on the tape is sound only where the loop's test is the one condition the guard
shows and no Python counter steps in its body unseen (a value eager Python computes from
the trip count is a constant on the tape); so of a ``for`` left by ``if ...: break``.
"""

from __future__ import annotations

import ast
from collections import Counter
from typing import Any

from ..pycounters import counter_nodes, loop_of_if, tally_nodes, traced_test, while_at
from ..pysource import break_guard, file_tree, loop_test, number_params, traced_params, walked
from .arms import _assigned, python_names
from .compound import and_like
from .items import same_items, same_value

__all__ = ["while_line", "break_line", "loop_hint"]

LOOP_HINT = (" That line is a loop's test: a loop whose trip count a traced value "
              "decides compiles as one loop where jit can roll it (under jit(grad), its "
              "backward pass too, a loop over the outcomes of an if in its body; under "
              "jit(jvp) not a linear recurrence, whose tangent is a number Python "
              "computes per trip count, nor a loop whose body has an if); tg.while_loop "
              "and tg.fori_loop always compile as one loop.")


def loop_hint(where: str) -> str:
    """What jit's error past the bound adds where ``file:line`` is a loop's test.

    Where the loop's body steps a Python counter (``n += 1``), it names it:
    eager Python computes its value from the trip count, the tape holds it
    as a constant per iteration, and no trip count but the traced one runs.
    """
    if not loop_test(where):
        return ""
    filename, _, line = where.rpartition(":")
    tree = file_tree(filename)
    loop = next((n for n in walked(tree) if isinstance(n, ast.While | ast.For)
                 and n.lineno == int(line)), None) if tree is not None else None
    if loop is None:
        return LOOP_HINT
    traced = _always_traced(tree, loop)       # type: ignore[arg-type]
    steps = [n for n in walked(ast.Module(body=loop.body, type_ignores=[]))
             if _counts(n) and not _stored(n) <= traced]
    if not steps:
        return LOOP_HINT
    step = steps[0]
    assert isinstance(step, ast.stmt)          # an Assign or an AugAssign
    return LOOP_HINT + (
        f" This loop's body steps a Python counter ({ast.unparse(step)} at "
        f"{filename}:{step.lineno}): the tape holds each of its values as a constant, "
        "so no iteration is like the next. Start it as a traced value (0.0 * x for "
        "a traced x, then += 1.0) and jit rolls the loop.")


def while_line(where: str, shown: frozenset[str] = frozenset(), plan: Any = None,
               skip: frozenset[int] = frozenset()) -> bool:
    """Whether the source line ``file:line`` starts a ``while`` the tape shows whole.

    Its test is one condition (``and``/``or`` may hold a part the tape does
    not show: ``while x > tol and k < 100``), its body keeps no Python
    counter (``k += 1``, ``t = t + 0.5``): a value eager Python computes from
    the trip count is a constant on the tape, and every ``break`` that leaves
    it is an ``if <one condition>: break`` of its body whose guard the tape
    shows (its ``file:line`` in ``shown``, the guards of one iteration): a ``break``
    the tape does not show (on a Python value, or none) ends a run of the loop
    between two tests the tape shows as one run's. ``plan``, ``skip``: a counter
    and a float step jit writes itself (``pycounters.Counted``, ``pysteps.Stepped``).
    """
    filename, _, line = where.rpartition(":")
    tree = file_tree(filename) if line.isdigit() else None
    if tree is None:
        return False
    loop = while_at(tree, int(line))
    test = traced_test(loop, plan)
    if loop is None or any(isinstance(n, ast.BoolOp) for n in walked(test)) and not (
            test is loop.test and and_like(where)) or not _breaks_shown(
                filename, tree, loop, shown):
        return False
    skipped = _resets(filename, loop, shown) | counter_nodes(loop, plan) | tally_nodes(where)
    return _no_counters(tree, loop, test, skipped | skip, where)


def break_line(where: str, loops: Any = ast.For, shown: frozenset[str] = frozenset()) -> bool:
    """Whether ``file:line`` is an ``if ...: break`` in a ``for`` the tape shows whole.

    The ``for`` loop's body keeps no Python counter, as ``while_line`` asks
    (the ``for``'s own counter, which its body never reads, aside: what
    ``pysource.for_left`` checks while tracing). With ``loops=ast.While``:
    an ``if <one condition>: break`` in the body of ``while True:``, or of a
    ``while`` that ``while_line`` takes, each of its breaks one the tape shows
    (as ``while_line`` asks; another, on a Python value, may leave a run the
    tape does not show).
    """
    filename, _, line = where.rpartition(":")
    tree = file_tree(filename) if line.isdigit() else None
    if tree is None:
        return False
    loop = loop_of_if(tree, int(line), loops)
    if loop is None or loop.orelse or isinstance(loop, ast.While) and not (
            isinstance(loop.test, ast.Constant) and loop.test.value is True
            and _breaks_shown(filename, tree, loop, shown | {where})
            or while_line(f"{filename}:{loop.lineno}", shown | {where})):
        return False
    test = next(s for s in loop.body if isinstance(s, ast.If) and s.lineno == int(line))
    if not _if_break(test, loop):
        return False
    return _no_counters(tree, loop, test.test, tally_nodes(where), where=where)


def _if_break(stmt: ast.stmt, loop: ast.For | ast.While) -> bool:
    """Whether ``stmt`` is ``if <one condition>: break`` (no ``else``; ``pysource.break_guard``)."""
    return break_guard(stmt, loop)


def _breaks_shown(filename: str, tree: ast.Module, loop: ast.While, shown: frozenset[str]
                  ) -> bool:
    """Whether every ``break`` leaving ``loop`` is an ``if ...: break`` of its body, shown.

    Shown: its guard is on the tape (``file:line`` in ``shown``), and its
    condition steps no Python counter (``_no_counters``).
    """
    direct = [s for s in loop.body if isinstance(s, ast.If) and _if_break(s, loop)]
    return _breaks(loop.body) == len(direct) and all(
        f"{filename}:{s.lineno}" in shown and _no_counters(
            tree, loop, s.test, tally_nodes(f"{filename}:{s.lineno}"),
            where=f"{filename}:{s.lineno}") for s in direct)


def _breaks(body: list[ast.stmt]) -> int:
    """How many ``break`` statements of ``body`` leave its loop (not a loop inside it)."""
    n = 0
    for stmt in body:
        if isinstance(stmt, ast.Break):
            n += 1
        elif isinstance(stmt, ast.For | ast.AsyncFor | ast.While):
            n += _breaks(stmt.orelse)         # its else: leaves the outer loop
        elif not isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            n += sum(_breaks(b) for b in _blocks(stmt))
    return n


def _blocks(stmt: ast.stmt) -> list[list[ast.stmt]]:
    """The statement lists directly inside ``stmt`` (an ``if``'s arms, a ``with``'s body...)."""
    blocks = [getattr(stmt, f, None) for f in ("body", "orelse", "finalbody")]
    blocks += [h.body for h in getattr(stmt, "handlers", [])]
    blocks += [c.body for c in getattr(stmt, "cases", [])]
    return [b for b in blocks if isinstance(b, list) and b and isinstance(b[0], ast.stmt)]


def _resets(filename: str, loop: ast.While | ast.For, shown: frozenset[str]) -> set[int]:
    """The assignments of constants in the arms of an ``if`` of ``loop`` whose guard is shown.

    ``if np.abs(D) < tiny: D = tiny``: the ``if``, a guard in every iteration
    rolled (its arm assigns a constant: ``arms.quiet_arms``), goes the same
    way in each, so the arm runs in all of them or in none: ``D`` is reset to
    the constant each time, never stepped from one iteration to the next.
    """
    body = ast.Module(body=loop.body, type_ignores=[])
    inside = _stored(body)
    return {id(a) for n in walked(body) if isinstance(n, ast.If) and
            f"{filename}:{n.lineno}" in shown for arm in n.body + n.orelse
            for a in walked(arm) if isinstance(a, ast.Assign) and not {
                x.id for x in walked(a.value) if isinstance(x, ast.Name)} & inside}


def _no_counters(tree: ast.Module, loop: ast.While | ast.For, test: ast.expr,
                 resets: set[int] | None = None, where: str = "") -> bool:
    """Whether ``loop``'s body steps no Python counter that anything reads.

    ``where``: the ``file:line`` of the guard testing ``test`` (``pysource``'s notes).
    """
    tested = {n.id for n in walked(test) if isinstance(n, ast.Name)}
    # a name the test reads alone is traced (the tape holds the test): not a counter;
    # nor is one never a Python number (``n = 0.0 * x`` then ``n = n + 1.0``)
    traced = _always_traced(tree, loop, where)
    counters = [n for n in walked(ast.Module(body=loop.body, type_ignores=[]))
                if _counts(n) and id(n) not in (resets or ()) and not (
                    len(tested) == 1 and _stored(n) <= tested)
                and not _stored(n) <= traced]
    counters += _python_steps(tree, loop, tested, resets or set(), where) + _effects(loop)
    return (not counters or _unread(tree, loop, counters)) and not _set_inside(tree, loop)


def _always_traced(tree: ast.Module, loop: ast.While | ast.For, where: str = "") -> set[str]:
    """The names of the function around ``loop`` that every assignment makes a traced value.

    Each is assigned from an expression reading a parameter or another such name, never
    from constants alone (``python_names``); a parameter where each guard at ``where`` saw
    it traced.
    """
    fn = _innermost(tree, loop)      # its parameters are the traced ones
    if fn is tree:
        return set()
    params = {a.arg for a in walked(fn.args) if isinstance(a, ast.arg)}
    assigned = {t.id for n in walked(fn) for t, _ in _assigned(n)}
    return (assigned - params | params & traced_params(where)) - python_names(fn)


def _set_inside(tree: ast.Module, loop: ast.While | ast.For) -> bool:
    """Whether ``loop``'s body sets a name to a constant (``x = 0.37``) read outside the loop.

    After the loop the name holds the constant where the body ran at least
    once, its value from before where it never ran: the tape shows one.
    """
    body = ast.Module(body=loop.body, type_ignores=[])
    names = {t.id for n in walked(body) for t, v in _assigned(n)
             if not any(isinstance(x, ast.Name) for x in walked(v))}
    fn = _innermost(tree, loop)
    inside = {id(n) for n in walked(loop)}
    return any(isinstance(n, ast.Name) and n.id in names and isinstance(n.ctx, ast.Load)
               and id(n) not in inside for n in walked(fn))


def _effects(loop: ast.While | ast.For) -> list[ast.AST]:
    """The statements of ``loop``'s body changing or growing a Python object.

    ``hist.append(w)``, ``push(hist, w)``, ``hist[k] = w``, ``hist = hist + [w]``,
    ``hist = (*hist, w)``; not a store into the same items each iteration
    (``items.same_items``: ``x[i] = v`` in ``for i in range(3)``).

    An object grown once per iteration (``len(hist)``, a list summed after
    the loop) holds as many values as the loop ran: the tape shows them
    for the traced trip count only.
    """
    body = ast.Module(body=loop.body, type_ignores=[])
    return [n for n in walked(body) if _grows(n) or isinstance(n, ast.Expr) and isinstance(
        n.value, ast.Call) or isinstance(
        n, ast.Assign | ast.AugAssign | ast.AnnAssign | ast.Delete) and any(
        isinstance(t, ast.Attribute | ast.Subscript)
        for t in (n.targets if isinstance(n, ast.Assign | ast.Delete) else [n.target]))
        and not same_items(n, loop)]


def _python_steps(tree: ast.AST, loop: ast.While | ast.For, tested: set[str],
                  resets: set[int], where: str = "") -> list[ast.AST]:
    """The statements of ``loop``'s body computing a Python value from Python state.

    ``t = t * 0.5 + 1.0`` where ``t`` started as a constant: a value that
    depends on the trip count, which the tape shows as a constant. A name
    alone in the loop's test is traced wherever the tape holds the test
    (``t = t + h`` under ``while t < 2.0``, ``h`` a Python number at first).
    A parameter that nothing else in the loop reads, its test neither, may be a caller's
    Python number (``g(s, 0.5, w)``) stepped unseen (not where the guard at ``where`` saw
    it traced each time); one it saw hold a Python number is one, whatever else reads it
    (``if u < 0.0 or t > 2.0``: Python's own comparison, not on the tape).
    """
    fn = _innermost(tree, loop)      # its parameters are the traced ones
    if fn is tree:
        return []
    params = {a.arg for a in walked(fn.args) if isinstance(a, ast.arg)}
    python = python_names(fn) | number_params(where) & params
    traced = (params | {t.id for n in walked(fn) for t, _ in _assigned(n)}) - python
    settled = _settled(loop, python, traced, resets)
    python, traced = python - settled, traced | settled
    unknown = params - python - tested - traced_params(where)  # or a caller's Python number
    alone = tested if len(tested) == 1 else set()
    body = ast.Module(body=loop.body, type_ignores=[])
    loads = Counter(x.id for x in walked(body) if isinstance(x, ast.Name)
                    and isinstance(x.ctx, ast.Load))
    return [n for n in walked(body) if id(n) not in resets and not same_value(n, loop) and
            any(t.id not in alone and _from_python(t.id, v, python, traced) or
                t.id in unknown and loads[t.id] == _loads(n, t.id) and   # its steps alone read it
                _from_python(t.id, v, python | {t.id}, traced - {t.id})
                for t, v in _assigned(n))]


def _settled(loop: ast.While | ast.For, python: set[str], traced: set[str],
             resets: set[int]) -> set[str]:
    """The ``python`` names that ``loop``'s body makes traced values for good.

    Each is assigned in the body from a traced value (``h = h * np.clip(0.9 /
    err, 0.2, 5.0)``), and every assignment of it there reads a traced value
    or itself (``h = np.minimum(h, 2.0 - t)``): once traced it stays so. It
    is a Python number in the first runs of the body only, as many of them
    as Python decides from Python values alone, the same for any input; the
    iterations jit rolls come after them, and the tape shows the name's values.
    """
    body = ast.Module(body=loop.body, type_ignores=[])
    pairs = [(t.id, {x.id for x in walked(v) if isinstance(x, ast.Name)})
             for n in walked(body) if id(n) not in resets for t, v in _assigned(n)]
    names = {t for t, _ in pairs} & python
    got: set[str] = set()
    changed = True
    while changed:             # a fixed point, from the names traced throughout
        changed = False
        for name in sorted(names - got):
            reads, known = [r for t, r in pairs if t == name], traced | got
            if any(r & known for r in reads) and all(r & (known | {name}) for r in reads):
                got.add(name)
                changed = True
    return got


def _loads(node: ast.AST, name: str) -> int:
    return sum(isinstance(x, ast.Name) and x.id == name and isinstance(x.ctx, ast.Load)
               for x in walked(node))


def _from_python(name: str, v: ast.AST, python: set[str], traced: set[str]) -> bool:
    """Whether ``name = v`` is a Python name computed from Python names only."""
    reads = {x.id for x in walked(v) if isinstance(x, ast.Name)}
    return name in python and bool(reads & python) and not reads & traced


def _stored(node: ast.AST) -> set[str]:
    return {t.id for t in walked(node) if isinstance(t, ast.Name)
            and isinstance(t.ctx, ast.Store)}


def _unread(tree: ast.AST, loop: ast.While | ast.For, counters: list[ast.AST]) -> bool:
    """Whether the ``counters`` of ``loop`` are read nowhere but in their own steps.

    ``n += 1`` counting iterations nobody looks at changes nothing the tape shows.
    """
    fn = _innermost(tree, loop)
    names = set().union(*map(_stored, counters), *map(_changed, counters))
    inside = {id(n) for c in counters for n in walked(c)}
    return not any(isinstance(n, ast.Name) and n.id in names and isinstance(n.ctx, ast.Load)
                   and id(n) not in inside for n in walked(fn))


_DISPLAYS = (ast.List, ast.Tuple, ast.Set, ast.ListComp, ast.GeneratorExp)


def _grows(node: ast.AST) -> bool:
    """Whether ``node`` makes a name a longer container: ``h += [w]``, ``h = h + (w,)``."""
    if isinstance(node, ast.AugAssign):
        return isinstance(node.value, _DISPLAYS)
    if not isinstance(node, ast.Assign):
        return False
    names = {t.id for t in node.targets if isinstance(t, ast.Name)}
    v = node.value
    if isinstance(v, ast.BinOp) and isinstance(v.op, ast.Add):
        pair = (v.left, v.right)
        return any(isinstance(a, ast.Name) and a.id in names and isinstance(b, _DISPLAYS)
                   for a, b in (pair, pair[::-1]))
    return any(isinstance(x, ast.Starred) and isinstance(x.value, ast.Name)
               and x.value.id in names for x in walked(v))


def _changed(node: ast.AST) -> set[str]:
    """The names of the objects ``node`` may change: ``hist`` in ``hist.append(w)``, ``a[i] = v``.

    A call for its effect may change what it is given: ``push(hist, w)``.
    """
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        call = node.value      # a method's object, and what a function is given
        heads = [call.func, *call.args, *(k.value for k in call.keywords)]
    else:
        heads = [t for t in walked(node) if isinstance(t, ast.Attribute | ast.Subscript)
                 and isinstance(t.ctx, ast.Store | ast.Del)]
    names = set()
    for h in heads:
        while isinstance(h, ast.Attribute | ast.Subscript):
            h = h.value
        if isinstance(h, ast.Name):
            names.add(h.id)
    return names


def _counts(node: ast.AST) -> bool:
    """Whether ``node`` steps a name by a number: ``k += 1``, ``t = t + 0.5``.

    Perhaps a Python counter, whose value the tape does not show.
    """
    if isinstance(node, ast.AugAssign):
        return isinstance(node.op, ast.Add | ast.Sub) and _number(node.value)
    if not isinstance(node, ast.Assign):
        return False
    pairs = [(t, node.value) for t in node.targets]
    for t, v in list(pairs):
        if isinstance(t, ast.Tuple) and isinstance(v, ast.Tuple) and len(t.elts) == len(v.elts):
            pairs += list(zip(t.elts, v.elts))
    return any(isinstance(t, ast.Name) and isinstance(v, ast.BinOp)
               and isinstance(v.op, ast.Add | ast.Sub) and _steps(t.id, v.left, v.right)
               for t, v in pairs)


def _steps(name: str, a: ast.AST, b: ast.AST) -> bool:
    """Whether ``a``, ``b`` are ``name`` and a number, in either order."""
    return any(isinstance(x, ast.Name) and x.id == name and _number(y)
               for x, y in ((a, b), (b, a)))


def _number(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) in (int, float)


def _innermost(tree: ast.AST, node: ast.AST) -> Any:
    """The innermost function around ``node`` (``ast.walk`` goes outside in), or ``tree``."""
    fns = [n for n in walked(tree) if isinstance(n, ast.FunctionDef | ast.Lambda)
           and node in walked(n)]
    return fns[-1] if fns else tree
