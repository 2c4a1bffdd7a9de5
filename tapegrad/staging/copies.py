"""Arms that copy: ``if mid * mid > c: hi = mid else: lo = mid``.

Such arms record nothing: the tape shows only which earlier value each
later equation reads. In iteration ``k`` the reads of ``hi`` find ``mid``
of the last earlier iteration whose guard held (or ``hi``'s value before
the loop), those of ``lo`` the last one whose guard failed. So a read can
be a variable that a slot before the branch writes *in iterations of one
outcome only*: a copy at the end of that arm, a *virtual slot* named
``tv{slot}`` (``fv{slot}`` for the other arm). The loop's analysis
(``branches``) treats virtual slots as an arm's equations, its soundness
checks included; the writer adds ``hi = x0_3`` to the arm.

The tape cannot tell ``hi`` after the loop from ``mid`` where the last
iteration copied ``mid`` into ``hi``; the source can: ``copy_arms``
accepts an ``if`` only where the code outside its loop reads no name the
loop assigns but the arms' targets, and the loop calls nothing for its
effect (``hist.append(mid)``). A copy only the code after the loop reads
is its arm's last (``with_late``); where that arm never ran, a guard fails.
"""

from __future__ import annotations

import ast
from typing import Any

from ..pysource import at_line, enclosing, file_tree, walked

Slot = int | str


def virtual(taken: bool, slot: int) -> str:
    """The virtual slot copying ``slot`` at the end of arm ``taken``."""
    return f"{'t' if taken else 'f'}v{slot}"


def source(slot: Slot) -> Slot:
    """The slot a virtual slot copies (``"tv3"``: 3); any other slot itself."""
    if isinstance(slot, str) and slot[1:2] == "v":
        return int(slot[2:])
    return slot


def copied(copies: tuple[str, ...], taken: bool) -> list[str]:
    """The virtual slots of arm ``taken``."""
    return [v for v in copies if v[0] == ("t" if taken else "f")]


def as_copies(taken: tuple[bool, ...], pre: int, seen: dict[Any, list[tuple[int, Any]]]
              ) -> tuple[dict[Any, list[tuple[int, Any]]], tuple[str, ...]]:
    """The observations ``seen`` with the values of slots before the branch read as copies.

    A read after the arms (in a later iteration, or after the branch of its
    own) of a value slot ``j < pre`` computed in iteration ``k`` reads the
    copy arm ``taken[k]`` made of it. Returns the new observations and the
    virtual slots they name.
    """
    out: dict[Any, list[tuple[int, Any]]] = {}
    names: set[str] = set()
    for (slot, a), obs in seen.items():
        later = isinstance(slot, int) and slot > pre
        row = []
        for k, x in obs:
            if type(x) is tuple and isinstance(x[1], int) and x[1] < pre and (
                    x[0] < k or later):
                x = (x[0], virtual(taken[x[0]], x[1]))
                names.add(x[1])
            row.append((k, x))
        out[(slot, a)] = row
    return out, tuple(sorted(names))


def with_late(prog: Any, loop: Any, finals: dict[Any, tuple[int, Slot]]) -> Any:
    """``loop`` (a ``branches.Branchy``) with the copies only the code after it reads, or None.

    Such a copy is read right only where its name is assigned in its arm
    alone (``one_arm_names``).
    """
    where = prog.sources.get(prog.eqns[loop.at[0] + loop.pre].out, "")
    if direct_reads(where):
        return loop._replace(direct=True)
    if read_from_both_arms(where):
        return None
    late = late_copies(prog, loop, finals)
    if late is None or late and not one_arm_names(where):
        return None
    return loop._replace(copies=tuple(sorted({*loop.copies, *late})), late=late)


def late_copies(prog: Any, loop: Any, finals: dict[Any, tuple[int, Slot]]
                ) -> tuple[str, ...] | None:
    """The copies that only the code after ``loop`` reads (``fb`` of ``b, fb = m, fm``).

    A value of slot ``j`` (before the branch) of iteration ``k`` read after
    the loop, and held by no variable, is arm ``taken[k]``'s copy where
    ``k`` is the last iteration of that outcome; None where it is not.
    """
    ends = {b: max(k for k, t in enumerate(loop.taken) if t == b) for b in (False, True)}
    held = {(k, source(s)) for k, s in finals.values()}
    owner = {prog.eqns[j].out: (k, s) for k, s, j in loop.members()
             if isinstance(s, int) and s < loop.pre}
    late: set[str] = set()
    mine, origins = {prog.eqns[j].out for _, _, j in loop.members()}, prog.origins
    for e in prog.eqns[loop.stop:]:
        if origins.get(e.out) in mine:      # the loop's backward records: a loop of their own
            continue
        for x in e.args:
            ks = owner.get(x) if x.__class__ is int else None
            if ks is None or ks in held:
                continue
            if ks[0] != ends[loop.taken[ks[0]]]:
                return None
            late.add(virtual(loop.taken[ks[0]], ks[1]))
    return tuple(sorted(late))


def read_from_both_arms(where: str) -> bool:
    """Whether the code after the loop reads a name both arms of the ``if`` at ``file:line`` set.

    ``last = fm`` in one arm, ``last = m`` in the other (not ``lo = lo``):
    after the loop it holds a value another name may hold too (``b``, where
    ``b, last = m, m`` ran last), and the tape cannot tell which name it is.
    """
    filename, _, line = where.rpartition(":")
    tree = file_tree(filename) if line.isdigit() else None
    chain = _chain(tree, int(line)) if tree is not None else None
    if chain is None:
        return True
    fn, loop, node = chain
    names = [{t.id for s in arm for n in walked(s) if isinstance(n, ast.Assign)
              for t, v in _pairs(n) if not (isinstance(v, ast.Name) and v.id == t.id)}
             for arm in (node.body, node.orelse)]
    mine = {id(n) for n in walked(loop)}     # read outside: after it, or in a loop around it
    return any(isinstance(t, ast.Name) and isinstance(t.ctx, ast.Load) and id(t) not in mine
               and t.id in names[0] & names[1] for t in walked(fn))


def _pairs(s: ast.Assign) -> list[tuple[ast.Name, ast.AST | None]]:
    """The names ``s`` assigns, each with its value where ``s`` shows it (``a, b = b, a``)."""
    out: list[tuple[ast.Name, ast.AST | None]] = []
    for target in s.targets:
        if isinstance(target, ast.Name):
            out.append((target, s.value))
        elif isinstance(target, ast.Tuple) and isinstance(s.value, ast.Tuple) and \
                len(target.elts) == len(s.value.elts):
            out += [(t, v) for t, v in zip(target.elts, s.value.elts) if isinstance(t, ast.Name)]
        else:
            out += [(t, None) for t in walked(target) if isinstance(t, ast.Name)]
    return out


def one_arm_names(where: str) -> bool:
    """Whether no name is assigned in both arms of the ``if`` at ``file:line``.

    Then a name copied in one arm holds, after the loop, that arm's last copy.
    """
    filename, _, line = where.rpartition(":")
    tree = file_tree(filename) if line.isdigit() else None
    chain = _chain(tree, int(line)) if tree is not None else None
    if chain is None:
        return False
    node = chain[2]
    names = [{t.id for s in arm for t in walked(s)
              if isinstance(t, ast.Name) and isinstance(t.ctx, ast.Store)}
             for arm in (node.body, node.orelse)]
    return not names[0] & names[1]


def copy_arms(where: str) -> bool:
    """Whether the ``if`` at ``file:line`` is one whose arms' copies the tape can show.

    Its loop calls nothing for an effect and stores into no object, and the
    code outside the loop (after it, or before it in an outer loop) reads,
    of the names the loop assigns, only those its arms assign, or none of
    those (``direct_reads``).
    """
    filename, _, line = where.rpartition(":")
    tree = file_tree(filename) if line.isdigit() else None
    if tree is None:
        return False
    chain = _chain(tree, int(line))
    if chain is None:
        return False
    fn, loop, node = chain
    targets = {t.id for s in node.body + node.orelse for t in walked(s)
               if isinstance(t, ast.Name) and isinstance(t.ctx, ast.Store)}
    inside = {t.id for t in walked(loop) if isinstance(t, ast.Name) and
              isinstance(t.ctx, ast.Store)}
    mine = {id(n) for n in walked(loop)}
    outside = {t.id for t in walked(fn) if isinstance(t, ast.Name) and
               isinstance(t.ctx, ast.Load) and id(t) not in mine}
    return not (outside & (inside - targets) and not direct_reads(where)) and \
        not any(_effect(n) for n in walked(loop))


def direct_reads(where: str) -> bool:
    """Whether the code outside the loop of the ``if`` at ``file:line`` reads none of its targets.

    Then a value of the loop read after it is its own name's (``return x``
    after ``if fx > 0: b = x``), never an arm's copy of it. Only for an
    ``if`` of the loop's own body whose arms assign names and leave nothing
    (``break``), in a loop inside no other.
    """
    filename, _, line = where.rpartition(":")
    tree = file_tree(filename) if line.isdigit() else None
    chain = _chain(tree, int(line)) if tree is not None else None
    if chain is None:
        return False
    fn, loop, node = chain
    targets = {t.id for s in node.body + node.orelse for t in walked(s)
               if isinstance(t, ast.Name) and isinstance(t.ctx, ast.Store)}
    mine = {id(n) for n in walked(loop)}
    end = getattr(loop, "end_lineno", None) or 0
    if not targets or node not in loop.body or any(
            isinstance(n, ast.Break | ast.Continue | ast.Return)
            for s in node.body + node.orelse for n in walked(s)) or any(
            isinstance(p, ast.For | ast.While) and p is not loop and id(loop) in
            {id(c) for c in walked(p)} for p in walked(fn)):
        return False        # an if of the loop's own body, in no other loop, leaving none
    return not any(isinstance(t, ast.Name) and isinstance(t.ctx, ast.Load) and
                   id(t) not in mine and t.id in targets and t.lineno > end
                   for t in walked(fn)) and _reads_inside(loop, node, targets)


def _reads_inside(loop: ast.For | ast.While, node: ast.If, targets: set[str]) -> bool:
    """Whether ``loop`` reads the arms' ``targets`` only where each iteration runs the read.

    In its test, the ``if``'s test and arms, an ``if ...: break`` before the
    ``if``, or a statement before it assigning only names the ``if`` reads
    (``mid = 0.5 * (lo + hi)``). A read after the ``if`` (``d = hi - lo``, a
    break's test there), or one whose value only the code after the loop
    reads (``e = lo * 2.0``), is written after the rolled loop, where ``lo``
    is the copy of the last iteration of its outcome, whose index depends on
    the pattern: the tape shows the traced pattern's alone.
    """
    used = {n.id for n in walked(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    at = next(i for i, s in enumerate(loop.body) if s is node)
    for s in loop.body:
        reads = {n.id for n in walked(s) if isinstance(n, ast.Name) and
                 isinstance(n.ctx, ast.Load)} & targets
        if s is node or not reads:
            continue
        if loop.body.index(s) > at:
            return False
        stores = {t.id for t in walked(s) if isinstance(t, ast.Name) and
                  isinstance(t.ctx, ast.Store)}
        exit_test = isinstance(s, ast.If) and not s.orelse and s.body and \
            isinstance(s.body[-1], ast.Break)
        if not (exit_test or isinstance(s, ast.Assign) and stores and stores <= used):
            return False
    return True


def loop_if(where: str) -> bool:
    """Whether ``file:line`` is an ``if`` statement inside a loop of a function."""
    filename, _, line = where.rpartition(":")
    tree = file_tree(filename) if line.isdigit() else None
    return tree is not None and _chain(tree, int(line)) is not None


def _chain(tree: ast.AST, line: int) -> tuple[ast.AST, ast.For | ast.While, ast.If] | None:
    """The function, the innermost loop and the ``if`` statement at ``line``, or None."""
    node = next((n for n in at_line(tree, line) if isinstance(n, ast.If)), None)
    if node is None:
        return None
    loop: ast.For | ast.While | None = None
    for up in enclosing(tree, node)[::-1]:          # inside out
        if loop is None and isinstance(up, ast.For | ast.While):
            loop = up
        if isinstance(up, ast.FunctionDef):
            return (up, loop, node) if loop is not None else None
    return None


def _effect(n: ast.AST) -> bool:
    """A call for its effect, a store into an object, or a name of another scope."""
    if isinstance(n, ast.Global | ast.Nonlocal):
        return True
    if isinstance(n, ast.Expr):
        return isinstance(n.value, ast.Call)
    return isinstance(n, ast.Subscript | ast.Attribute) and isinstance(n.ctx, ast.Store)
