"""A ``while`` loop whose Python float step jit computes itself (``pysteps``).

``a = 1.0; while f(x - a * g) > f(x) - 0.5 * a * g * g: a = a * 0.5``:
the tape holds, per iteration, the constants ``a`` and ``0.5 * a`` made
from the Python float ``a``. Where the source shows the step and every
read of ``a`` (``pysteps.stepped``) and each test's guard recorded ``a``'s
value (``Tape.counts``), the values follow the step bit for bit, and each
argument that differs between iterations is one read of ``a`` evaluated at
the iteration's value (or at the next one: after the step), the rolled
loop keeps ``a`` as a Python float (``p{m}``), stepping it as the source
does, and computes those arguments from it: any trip count runs under one
trace. Where a constant after the loop could be such a read of the last
value, or an argument fits no read, the loop is not written so.
"""

from __future__ import annotations

import ast
import functools
import struct
from typing import Any, Literal, NamedTuple

from ..pysource import traced_params, walked
from ..pysteps import STEP_KEY, Stepped, stepped
from .arms import python_names
from .program import Const, Program

__all__ = ["Steps", "bits", "folded", "last_step", "stepped_exit", "step_column", "step_lines",
           "step_value"]


class Steps(NamedTuple):
    """A rolled ``while``'s Python float step: its plan, value at the first test rolled.

    ``columns``: per (offset, argument) differing between iterations, the
    read of ``pysteps.Stepped.reads`` it is and whether it is read after the
    step (1) or before (0).
    """
    plan: Stepped
    start: float
    last: float           # its value at the test that ended the loop
    factors: tuple[Any, ...]
    columns: dict[tuple[int, int], tuple[int, int]]


def stepped_exit(prog: Program, loop: Any, g: int, where: str
                 ) -> Steps | Literal[False] | None:
    """The step of ``loop``, ended by its guard at offset ``g``: None where it has none.

    False where it has one jit cannot write: the values recorded do not
    follow the step, an argument differing between iterations is no read of
    it, or a constant after the loop may be one.
    """
    plan = stepped(where)
    if plan is not None and not all(_traced(o, _always_traced(plan, where)) for o in plan.others):
        return False
    eqns = prog.eqns
    ids = [eqns[loop.start + k * loop.period + g].out for k in range(loop.trips + 1)]
    values = [prog.counts.get(STEP_KEY + i) for i in ids]
    if plan is None or all(v is None for v in values):
        return None
    if any(v is None or v[1:] != values[0][1:] for v in values):       # type: ignore[index]
        return False
    env = dict(zip(plan.factors, values[0][1:]))                       # type: ignore[index]
    a = [v[0] for v in values]                                         # type: ignore[index]
    if any(not _same(_eval(plan.step, plan.name, x, env), y) for x, y in zip(a, a[1:])):
        return False
    steps = Steps(plan, a[0], a[-1], tuple(env.values()), {})
    for o, roles in enumerate(loop.roles):
        for j, role in enumerate(roles):
            if role.how == "data" and len({bits(x) for x in role.args}) > 1:
                fit = _fit(plan, env, a, role.args)
                if fit is None:
                    return False
                steps.columns[o, j] = fit
    last = {_key(_eval(r, plan.name, a[-1], env)) for r in plan.reads}
    code = None if prog.raw is None else _after_raw(
        prog.raw, (eqns[loop.start].out, ids[-1]), plan, env, a)
    if code is False or any(isinstance(x, Const) and (bits(x) in last if code is None else (
            x.value is not a[-1] and type(x.value) is float and bits(x) not in code))
            for e in eqns[loop.stop + g + 1:] for x in e.args):
        return False
    return steps if steps.columns else None        # none made: as without it


def _after_raw(raw: Program, ends: tuple[int, int], plan: Stepped, env: dict[str, Any],
               a: list[Any]) -> set[Any] | Literal[False]:
    """The code's float constants after the loop, in ``raw``: ``ends``, its first record and exit.

    False where one may be a read of the step's last value but is not that
    value itself (the float object the guard saw: a bare read of the step,
    ``a * g``, or a derivative rule passing it on), or where a backward
    record (``Program.origins``) comes from a record holding a constant a
    read gives: it must hold that constant itself, and not come from the
    iterations rolled (a backward pass through them is not written so).
    """
    index = {e.out: k for k, e in enumerate(raw.eqns)}
    first, start = index.get(ends[0]), index.get(ends[1])
    if first is None or start is None:
        return False
    xs = a + [_eval(plan.step, plan.name, x, env) for x in a]
    every = {_key(_eval(r, plan.name, x, env)) for x in xs for r in plan.reads}
    last = {_key(_eval(r, plan.name, a[-1], env)) for r in plan.reads}
    code: set[Any] = set()
    for e in raw.eqns[start + 1:]:
        floats = [x.value for x in e.args if isinstance(x, Const) and type(x.value) is float]
        if any(v is not a[-1] and _key(v) in last for v in floats):
            return False
        f = index.get(raw.origins.get(e.out, -1))
        made = [] if f is None else [x.value for x in raw.eqns[f].args if isinstance(
            x, Const) and type(x.value) is float and _key(x.value) in every]
        if f is not None and made and (first <= f < start or any(
                all(v is not m for m in made) for v in floats)):
            return False
        code.update(_key(v) for v in floats if v is not a[-1])
    return code


def folded(prog: Program, loop: Any, spans: Any, seeded: bool = False) -> bool:
    """Whether a transform traced inside ``jit`` may fold ``loop``'s float step into a number.

    A derivative rule computes on the constants a read of the step makes
    (``1.0 - 2.0 * a`` of ``x - a * g``): a number no read gives. Only a
    transform whose records all come before the loop's (``staging.spans``)
    cannot; ``spans`` None: not known. Nor can a ``grad`` each of whose
    backward records names its forward one (``seeded``, ``Program.origins``)
    where the program as recorded is known (``Program.raw``): ``stepped_exit``
    checked each of its constants after the loop.
    """
    if not isinstance(getattr(loop, "steps", None), Steps):     # (``Branchy.steps``: a method)
        return False
    if seeded and prog.origins and prog.raw is not None:
        return False
    first = prog.eqns[loop.start].out
    return spans is None or any(b > first for _, b in spans)


def _always_traced(plan: Stepped, where: str) -> set[str]:
    """The names of ``plan``'s function that hold a traced value wherever they are read.

    Assigned from traced values alone (``arms.python_names``), or a
    parameter each guard at ``where`` saw hold one (``pysource.traced_params``).
    """
    fn = plan.fn
    params = {a.arg for a in walked(fn.args) if isinstance(a, ast.arg)}
    assigned = {t.id for t in walked(fn) if isinstance(t, ast.Name) and isinstance(
        t.ctx, ast.Store)}
    return (assigned - params | params & traced_params(where)) - python_names(fn)


def _traced(node: ast.AST, names: set[str]) -> bool:
    """Whether ``node`` computes a traced value: arithmetic on, or items of, ``names``."""
    if isinstance(node, ast.Name):
        return node.id in names
    if isinstance(node, ast.BinOp):
        return _traced(node.left, names) or _traced(node.right, names)
    if isinstance(node, ast.UnaryOp | ast.Subscript):
        return _traced(node.operand if isinstance(node, ast.UnaryOp) else node.value, names)
    return False


def step_value(steps: Any, o: int, j: int) -> Any:
    """Column ``(o, j)``'s value at the test that ended the loop (its bits: ``bits``)."""
    read, after = steps.columns[o, j]
    env = dict(zip(steps.plan.factors, steps.factors))
    a = steps.last
    x = _eval(steps.plan.step, steps.plan.name, a, env) if after else a
    return _key(_eval(steps.plan.reads[read], steps.plan.name, x, env))


def _fit(plan: Stepped, env: dict[str, Any], a: list[float], args: Any
         ) -> tuple[int, int] | None:
    """The read (and phase) that gives each iteration's constant in ``args``, or None."""
    if not all(isinstance(x, Const) and type(x.value) is float for x in args):
        return None
    got = [bits(x) for x in args]
    for after in (0, 1):
        xs = [_eval(plan.step, plan.name, x, env) for x in a] if after else a
        for r, read in enumerate(plan.reads):
            if all(_key(_eval(read, plan.name, x, env)) == b for x, b in zip(xs, got)):
                return r, after
    return None


def last_step(loops: list[Any], whiles: list[bool], a: Any) -> str | None:
    """``p{m}`` where ``a`` is a constant holding the float while loop ``m``'s step held last.

    That very float object, at the test that ended the loop: a bare read of
    the step after it (``a * g``), or a derivative rule passing one on
    (``stepped_exit`` checked that no other constant after the loop may be).
    """
    if a.__class__ is int:
        return None
    return next((f"p{m}" for m, loop in enumerate(loops) if whiles[m] and isinstance(
        steps := getattr(loop, "steps", None), Steps) and a.value is steps.last), None)


def step_lines(m: int, steps: Steps | None, text: Any) -> Any:
    """Loop ``m``'s step, written into ``text``: its value before the loop, its step.

    Returns ``step_column`` for loop ``m`` (every column None where ``steps`` is).
    """
    if steps is not None:
        text.before.append(f"p{m} = {steps.start!r}")
        text.after_body.append(f"p{m} = {_text(steps, steps.plan.step, f'p{m}')}")
    return functools.partial(step_column, steps, m)


def step_column(steps: Any, m: int, o: int, j: int) -> str | None:
    """The text of column ``(o, j)`` of loop ``m`` (None where it is not one)."""
    if steps is None or (o, j) not in steps.columns:
        return None
    read, after = steps.columns[o, j]
    x = f"({_text(steps, steps.plan.step, f'p{m}')})" if after else f"p{m}"
    return f"({_text(steps, steps.plan.reads[read], x)})"


def _text(steps: Steps, expr: ast.expr, var: str) -> str:
    """``expr`` with the step's name read as ``var`` and each factor as its value."""
    names = dict(zip(steps.plan.factors, (f"({v!r})" for v in steps.factors)))
    names[steps.plan.name] = var

    class _Put(ast.NodeTransformer):
        def visit_Name(self, node: ast.Name) -> ast.AST:
            return ast.Name(names[node.id], ast.Load()) if node.id in names else node

    return ast.unparse(_Put().visit(_copy(expr)))


def _copy(expr: ast.expr) -> ast.expr:
    return ast.parse(ast.unparse(expr), mode="eval").body


@functools.lru_cache(maxsize=256)
def _code(expr: ast.expr) -> Any:
    return compile(ast.Expression(_copy(expr)), "<step>", "eval")


def _eval(expr: ast.expr, name: str, x: Any, env: dict[str, Any]) -> Any:
    """``expr`` evaluated as Python does, ``name`` being ``x``."""
    try:
        return eval(_code(expr), {"__builtins__": {}}, {**env, name: x})    # noqa: S307
    except ArithmeticError:
        return None


def _same(x: Any, y: Any) -> bool:
    return type(x) is float and type(y) is float and _key(x) == _key(y)


def bits(x: Any) -> Any:
    """An argument: a constant by ``_key``, a value by its id."""
    return _key(x.value) if isinstance(x, Const) else ("v", x)


def _key(v: Any) -> Any:
    """A number by its type and bits (``0.0`` and ``-0.0`` differ)."""
    return ("f", struct.pack("<d", v)) if type(v) is float else ("c", type(v).__name__, repr(v))

