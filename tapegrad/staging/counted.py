"""A ``while`` loop with a Python counter, written as a loop that keeps the counter.

``while err > tol and k < maxiter: ...; k += 1`` and ``it = it + 1;
if it > 100: raise ...`` step a Python int that the tape does not show:
eager Python decides the counter's part of the test, and the ``if``, from
the trip count. Where the counter is one ``pycounters.counted`` reads from
the source (stepped by a constant once an iteration, read by the test and
such ``if`` statements alone) and each test's guard recorded its value and
bounds (``Tape.counts``: the values of an arithmetic progression with that
step, the bounds the same), the rolled loop keeps the counter as an int
(``j{m}``), starting at its value at the first test rolled: the test
compares it as Python does, and an ``if`` that would raise fails a guard
(jit traces again at those arguments, and the trace raises as eager does).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from ..pycounters import COMPARE, Counted, Tally, counted, tallied
from .program import Const, Program, is_guard
from .while_source import while_line

__all__ = ["Count", "Tallied", "break_bound", "counted_exit", "counted_line", "counter_lines",
           "loop_tally", "tally_outputs"]


class Count(NamedTuple):
    """A rolled ``while``'s counter: its plan, value at the first test rolled, bounds."""
    plan: Counted
    start: int
    bounds: tuple[int, ...]
    where: str


def counted_exit(prog: Program, loop: Any, g: int, where: str, shown: frozenset[str],
                 skip: frozenset[int] = frozenset()) -> tuple[Count, bool] | None:
    """The counter where guard ``g`` ends ``loop``, a counted ``while``'s test; else None.

    The second item: whether the last test's guard went the way the others
    did (the traced part held, the counter's did not: ``x > tol and k < n``).
    ``skip``: the nodes of a Python float step jit computes (``while_line``).
    """
    plan = counted(where)
    if plan is None or not counted_line(where, shown, skip):
        return None
    eqns = prog.eqns
    ids = [eqns[loop.start + k * loop.period + g].out for k in range(loop.trips + 1)]
    values = [prog.counts.get(i) for i in ids]
    if any(v is None or prog.sources.get(i) != where or not is_guard(eqns[j]) for i, v, j in
           zip(ids, values, [loop.start + k * loop.period + g for k in range(loop.trips + 1)])):
        return None
    k0, *bounds = values[0]                                     # type: ignore[misc]
    if any(v != (k0 + plan.step * k, *bounds) for k, v in enumerate(values)):
        return None
    held = [not plan.test or COMPARE[plan.test](v[0], v[1]) for v in values]   # type: ignore[index]
    same = eqns[loop.start + g].args[1] == eqns[loop.stop + g].args[1]
    if not all(held[:-1]) or same and (held[-1] or plan.first):
        return None
    return Count(plan, k0, tuple(bounds), where), same


def counted_line(where: str, shown: frozenset[str] = frozenset(),
                 skip: frozenset[int] = frozenset()) -> bool:
    """Whether ``file:line`` is the test of a ``while`` with a counter jit writes itself."""
    plan = counted(where)
    return plan is not None and while_line(where, shown, plan, skip)


def counter_lines(guards: list[str], m: int, count: Count, text: Any) -> None:
    """Loop ``m``'s counter, written into ``text`` (``rolled._Text``).

    The line before the loop, those after its exit test, its step at the end
    of an iteration. ``guards`` gets the source line of a guard that an
    ``if ... raise`` fails.
    """
    plan, j = count.plan, f"j{m}"
    bounds = list(count.bounds)
    after = [f"if not {j} {plan.test} {bounds.pop(0)}: break"] if plan.test else []
    for (op, stepped), bound in zip(plan.raises, bounds):
        guards.append(count.where)
        read = f"{j} + {plan.step}" if stepped else j
        after.append(f"if {read} {op} {bound}: _guard_failed({len(guards) - 1})")
    text.before.append(f"{j} = {count.start}")
    text.body.extend(after)
    text.after_body.append(f"{j} += {plan.step}")


class Tallied(NamedTuple):
    """A rolled loop's returned counters (``pycounters.Tally``).

    ``start``: each counter's value at the first exit test rolled;
    ``outputs``: per output holding a counter's final value, its position
    and the counter's.
    """
    plan: Tally
    start: tuple[int, ...]
    outputs: tuple[tuple[int, int], ...]


def loop_tally(prog: Program, loop: Any, g: int, where: str) -> Tallied | bool | None:
    """The returned counters of ``loop``, ended by its guard at offset ``g``.

    None where the loop has none (or they are traced values); False where
    they are not what jit can write: the tests' guards did not record an
    arithmetic progression of each counter's values (or recorded that the
    function's return is not jit's), or the outputs equal to a final value
    are not as many as the ``return`` reads the counter (it computed with
    it, or returned an equal constant besides).
    """
    plan = tallied(where)
    if plan is None:
        return None
    eqns = prog.eqns
    ids = [eqns[loop.start + k * loop.period + g].out for k in range(loop.trips + 1)]
    values = [prog.counts.get(~i) for i in ids]
    if all(v is None for v in values):
        return None
    if any(not v for v in values):
        return False
    k0: tuple[int, ...] = values[0]                                 # type: ignore[assignment]
    if any(v != tuple(a + s * k for a, s in zip(k0, plan.steps)) for k, v in enumerate(values)):
        return False
    final: tuple[int, ...] = values[-1]                             # type: ignore[assignment]
    outputs = [(j, final.index(o.value)) for j, o in enumerate(prog.outputs)
               if isinstance(o, Const) and type(o.value) is int and o.value in final]
    if len(set(final)) < len(final) or any(
            sum(c == n for _, c in outputs) != r for n, r in enumerate(plan.reads)):
        return False
    return Tallied(plan, k0, tuple(outputs))


def tally_outputs(returned: list[str], m: int, tally: Tallied) -> None:
    """Loop ``m``'s counters' final values (``n{m}`` iterations run) into ``returned``."""
    for j, c in tally.outputs:
        start, step = tally.start[c], tally.plan.steps[c]
        returned[j] = f"({start} + {step} * n{m})"


def break_bound(prog: Program, loop: Any, g: int) -> int | None:
    """How many iterations the ``for`` left by guard ``g`` may run from ``loop``'s first.

    Each iteration's break guard (the last one's broke) had one iteration
    fewer left in its ``for`` than the one before: the guards are of one run
    of that loop (``Program.left``, recorded while tracing).
    """
    eqns = prog.eqns
    ids = [eqns[loop.start + k * loop.period + g].out for k in range(loop.trips + 1)]
    left = [prog.left.get(i) for i in ids]
    if left[0] is None or left != list(range(left[0], left[0] - loop.trips - 1, -1)):
        return None
    return left[0] + 1
