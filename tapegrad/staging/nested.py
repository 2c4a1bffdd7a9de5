"""A loop inside a rolled loop: the inner loop rolled too, inside the outer body.

Where every iteration of a rolled loop runs an inner loop as often (a
matrix-vector product written with two ``for`` loops over lists of
floats), the outer iteration's equations hold a tandem repeat of their own
(``rolling.periods`` on the shapes of one outer iteration). Each argument
of an inner offset ``q`` is read, in inner iteration ``j``, as the outer
role of offset ``at + j * period + q`` says; together those roles make an
inner role:

- ``local``: offset ``q'`` of the same inner iteration;
- ``carry``: offset ``q'`` of the previous inner iteration, the first
  reading what the outer role of ``j = 0`` reads (``d{m}_{n}``);
- ``outer``: the same value in every inner iteration (computed before the
  inner loop, carried by the outer loop, or loop-invariant data);
- ``row``: data that advances with ``j`` only (``x[j]``): a list;
- ``grid``: data that advances with both (``A[i][j]``): a list of lists.

Anything else keeps the inner loop unrolled. An inner value is named by
its first inner iteration's offset; after the inner loop, the last
iteration's values are those names, the others' a list (``Inner.name``).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from .program import Eqn
from .rolling import Loop, Role, arg_key, periods, repeats

INNER_SAVED = 4     # an inner loop rolls where it saves this many equations a loop iteration


class Inner(NamedTuple):
    """``trips`` inner iterations of ``period`` offsets from outer offset ``at``."""
    at: int
    period: int
    trips: int
    roles: dict[tuple[int, int], tuple[str, Any]]     # (q, a) -> (how, what)

    def name(self, m: int, o: int) -> tuple[str, int | None]:
        """Outer offset ``o``'s value read after the inner loop, and the inner offset stored.

        The last inner iteration's value is its name; another's is read from
        the list ``z{m}_{q}`` the inner loop appends offset ``q``'s values to.
        """
        j, q = divmod(o - self.at, self.period)
        if o < self.at or j >= self.trips:
            return f"x{m}_{o}", None
        if j == self.trips - 1:
            return f"x{m}_{self.at + q}", None
        return f"z{m}_{q}[{j}]", q


def stored(body: list[str], span: tuple[int, int], m: int, inner: Inner | None,
           qs: set[int] | None) -> list[str]:
    """``body`` with the inner loop at ``span`` keeping each offset of ``qs`` in a list."""
    if not qs or inner is None:
        return body
    lo, hi = span
    return body[:lo] + [f"z{m}_{q} = []" for q in sorted(qs)] + body[lo:hi] + \
        [f"    z{m}_{q}.append(x{m}_{inner.at + q})" for q in sorted(qs)] + body[hi:]


def find_inner(s: np.ndarray, loop: Loop) -> Inner | None:
    """The largest inner loop of ``loop``'s iterations whose roles all fit, or None."""
    seg = s[loop.start:loop.start + loop.period]
    found = sorted(((trips - 1) * p, start, p, trips) for p in periods(seg)
                   for start, trips in repeats(seg, p) if (trips - 1) * p >= INNER_SAVED)
    for _, start, p, trips in reversed(found[-8:]):
        roles = _inner_roles(loop, start, p, trips)
        if roles is not None:
            return Inner(start, p, trips, roles)
    return None


def _inner_roles(loop: Loop, at: int, p: int, trips: int
                 ) -> dict[tuple[int, int], tuple[str, Any]] | None:
    roles: dict[tuple[int, int], tuple[str, Any]] = {}
    for q in range(p):
        for a in range(len(loop.roles[at + q])):
            rs = [loop.roles[at + j * p + q][a] if a < len(loop.roles[at + j * p + q])
                  else None for j in range(trips)]
            if any(r is None for r in rs):
                return None
            role = _inner_role(rs, at, p)      # type: ignore[arg-type]
            if role is None:
                return None
            roles[(q, a)] = role
    return roles


def _inner_role(rs: list[Role], at: int, p: int) -> tuple[str, Any] | None:
    """What the outer roles ``rs`` of one inner argument, per inner iteration, make."""
    rel = [r.at - at - j * p if r.how == "local" else None for j, r in enumerate(rs)]
    if all(x is not None and 0 <= x < p for x in rel):
        return ("local", rel[0])
    back = rel[1:]
    if all(x is not None and -p <= x < 0 for x in back) and len(set(back)) == 1:
        return ("carry", (back[0] + p, rs[0]))     # type: ignore[operator]
    first = rs[0]
    if all(r.how == first.how and r.at == first.at for r in rs) and (
            (first.how == "local" and first.at < at) or first.how == "carry"):
        if first.how == "local" or all(arg_key(r.args[0]) == arg_key(first.args[0]) for r in rs):
            return ("outer", first)
        return None
    if not all(r.how == "data" for r in rs):
        return None
    keys = [[arg_key(x) for x in r.args] for r in rs]
    if all(k == keys[0] for k in keys):
        return ("outer", first)
    if all(len(set(k)) == 1 for k in keys):
        return ("row", [r.args[0] for r in rs])
    return ("grid", [[r.args[i] for r in rs] for i in range(len(first.args))])


def inner_lines(w: Any, m: int, loop: Loop, inner: Inner, text: Any,
                carries: dict[Any, str]) -> tuple[list[str], list[str]]:
    """The inner loop's lines in loop ``m``'s body: its carries' first values; the loop."""
    eqns = w.prog.eqns
    before: list[str] = []
    body: list[str] = []
    after: list[str] = []
    for q in range(inner.period):
        e = eqns[loop.start + inner.at + q]
        arg_kinds, floats = w.kinds_of(e)
        args, fakes = [], []
        for a in range(len(e.args)):
            how, what = inner.roles[(q, a)]
            piece, stand_in = _piece(w, m, inner, how, what, e.args[a], floats, text, carries,
                                     before, after)
            args.append((piece,))
            fakes.append(stand_in)
        e = Eqn(e.prim, e.out, tuple(fakes), e.ans)
        body.append(w.statement(e, args, arg_kinds, f"x{m}_{inner.at + q}"))
    return before, [f"for j{m} in range({inner.trips}):"] + [f"    {s}" for s in body + after]


def _piece(w: Any, m: int, inner: Inner, how: str, what: Any, first: Any, floats: bool,
           text: Any, carries: dict[Any, str], before: list[str], after: list[str]
           ) -> tuple[str, Any]:
    """An inner argument's text, and what stands for it in its equation."""
    if how == "local":
        return f"x{m}_{inner.at + what}", first
    if how == "outer":
        return w.role_arg(m, what, first, floats, text, carries)   # type: ignore[no-any-return]
    stand_in = w.fake(w.value(first))
    if how == "carry":
        q, role = what
        init, _ = w.role_arg(m, role, first, floats, text, carries)
        var = f"d{m}_{next(w.names)}"
        before.append(f"{var} = {init}")
        after.append(f"{var} = x{m}_{inner.at + q}")
        return var, stand_in
    name = f"u{m}_{next(w.names)}"
    if how == "row":
        text.before.append(f"{name} = [{', '.join(w.ref(x, floats) for x in what)}]")
        return f"{name}[j{m}]", stand_in
    rows = ", ".join("[" + ", ".join(w.ref(x, floats) for x in row) + "]" for row in what)
    text.before.append(f"{name} = [{rows}]")
    return f"{name}[i{m}][j{m}]", stand_in
