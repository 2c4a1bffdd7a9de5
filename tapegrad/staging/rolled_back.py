"""Writing the backward loop of a branching loop (``branchy_back.BackLoop``).

The forward loop keeps, per iteration, its outcome (``o{m}``) and the
values its slots' derivative rules read (``b{m}_{slot}``, their arguments;
``e{m}_{slot}``, their result). The backward loop pops them, last first,
and runs each slot backwards: the cotangent of the variable the slot
wrote (``q{n}_{k}``; ``None``: none yet) goes through the slot's rules,
each input's share added to the variable or data it read. A rule tracing
never saw run fails a guard, and jit traces again.
"""

from __future__ import annotations

from typing import Any

from .back_sweep import partials
from .branchy_back import BackLoop, Var
from .copies import source
from .program import Const, Eqn

Slot = int | str


def frames(back: BackLoop) -> dict[Slot, tuple[bool, bool]]:
    """The slots whose rules read their arguments, or their result, in the backward loop."""
    out: dict[Slot, tuple[bool, bool]] = {}
    for (slot, _), rule in back.rules.items():
        roles = {x[0] for _, args in rule if not isinstance(args, int) for x in args}
        has = out.get(slot, (False, False))
        out[slot] = (has[0] or "arg" in roles, has[1] or "ans" in roles)
    return {slot: f for slot, f in out.items() if any(f)}


def forward_lines(back: BackLoop | None, m: int, slot: Slot, args: list[str]
                  ) -> tuple[list[str], list[str]]:
    """The lines storing ``slot``'s values in forward loop ``m``: before and after it."""
    f = frames(back).get(slot) if back is not None else None
    if f is None:
        return [], []
    before = [f"b{m}_{slot}.append(({''.join(a + ', ' for a in args)}))"] if f[0] else []
    return before, [f"e{m}_{slot}.append(x{m}_{slot})"] if f[1] else []


def forward_before(back: BackLoop | None, m: int) -> list[str]:
    """The lists the forward loop fills: outcomes and the rules' values."""
    if back is None:
        return []
    lists = [f"{p}{m}_{slot}" for slot, f in frames(back).items()
             for p, want in zip("be", f) if want]
    return [f"o{m} = []"] + [f"{name} = []" for name in lists]


def names(back: BackLoop, mb: int) -> dict[Var, str]:
    """The name of each variable's cotangent (of those a cotangent may reach)."""
    vs = dict.fromkeys([*back.entry, *back.var_of.values(), *back.targets.values()])
    return {v: f"q{mb}_{n}" for n, v in enumerate(x for x in vs if x in back.reached)}


def examples(prog: Any, back: BackLoop) -> dict[Slot, Eqn]:
    """Each slot's equation in the first traced iteration running it."""
    loop = back.loop
    out: dict[Slot, Eqn] = {}
    for b in (False, True):
        at = loop.at[loop.taken.index(b)]
        out.update((slot, prog.eqns[at + j]) for j, slot in enumerate(loop.slots(b)))
    return out


def back_lines(w: Any, mb: int, back: BackLoop, text: Any) -> None:
    """Fill ``text`` (a ``rolled._Text``) with backward loop ``mb``: its start and body."""
    loop = back.loop
    m = next(k for k, x in enumerate(w.loops) if x is loop)
    qs = names(back, mb)
    where = w.prog.sources.get(w.prog.eqns[loop.at[0] + loop.pre].out, "<unknown>")
    text.before.extend(f"{q} = {w.ref(back.entry[v], False) if v in back.entry else None}"
                       for v, q in qs.items())
    if w.whiles[m]:       # the run of the test that ended the loop stored values too
        text.before.extend(f"{p}{m}_{slot}.pop()" for slot, f in frames(back).items()
                           for p, want in zip("be", f) if want and isinstance(slot, int)
                           and slot < loop.exit)
    state = _State(w, mb, back, qs, examples(w.prog, back), where)
    seq = {b: loop.order(b) for b in (False, True)}
    end = {b: loop.pre + 1 + loop.arms[b] + len([c for c in loop.copies if c[0] == "tf"[not b]])
           for b in (False, True)}
    body = [s for slot in reversed(seq[True][end[True]:]) for s in state.slot(m, slot)]
    body.append(f"if o{m}.pop():")
    for b in (True, False):
        arm = [s for slot in reversed(seq[b][loop.pre + 1:end[b]]) for s in state.slot(m, slot)]
        body += ["    " + s for s in arm] or ["    pass"]
        body += ["else:"] if b else []
    body += [s for slot in reversed(seq[True][:loop.pre + 1]) for s in state.slot(m, slot)]
    text.body.extend(body)
    for v in dict.fromkeys(back.finals.values()):
        w.guards.append(where)
        text.after_body.append(f"if {qs[v]} is None: _guard_failed({len(w.guards) - 1})")
    for v in back.nones:      # the traced program has no derivative rules for a share
        w.guards.append(where)
        text.after_body.append(f"if {qs[v]} is not None: _guard_failed({len(w.guards) - 1})")


def back_ref(mb: int, back: BackLoop, v: int) -> str | None:
    """The text reading record ``v`` of the backward loop after it (a final cotangent), or None."""
    return names(back, mb)[back.finals[v]] if v in back.finals else None


class _State:
    """What writing each slot backwards needs."""

    def __init__(self, w: Any, mb: int, back: BackLoop, qs: dict[Var, str],
                 example: dict[Slot, Eqn], where: str):
        self.w, self.mb, self.back, self.qs = w, mb, back, qs
        self.example, self.where = example, where
        self.frames = frames(back)
        self.temps = 0

    def fail(self) -> str:
        self.w.guards.append(self.where)
        return f"_guard_failed({len(self.w.guards) - 1})"

    def slot(self, m: int, slot: Slot) -> list[str]:
        """The lines running ``slot`` backwards."""
        mb, back, qs = self.mb, self.back, self.qs
        f = self.frames.get(slot, (False, False))
        lines = [f"f{mb}_{slot} = b{m}_{slot}.pop()"] if f[0] else []
        lines += [f"a{mb}_{slot} = e{m}_{slot}.pop()"] if f[1] else []
        q = qs.get(back.var_of[slot])
        if q is None:
            return lines
        lines += [f"g{mb}, {q} = {q}, None", f"if g{mb} is not None:"]
        if source(slot) != slot:
            return lines + [f"    {qs[back.var_of[source(slot)]]} = g{mb}"]
        e = self.example[slot]
        ps = partials(e)
        if ps is None or not isinstance(e.ans, float):
            return lines + [f"    {self.fail()}"]
        inner: list[str] = []
        shares: dict[int, str] = {}
        for a, x in enumerate(e.args):
            p = ps[a] if a < len(ps) else None
            if isinstance(x, Const) or p is None:
                continue
            t = back.targets.get((slot, a))
            rule, recs = back.rules.get((slot, a)), back.examples.get((slot, a))
            if isinstance(t, tuple) and t[0] == "table":
                continue           # a list's item: a constant of the derivative
            if t is None or rule is None and not (isinstance(p, float) and p == 1.0):
                inner.append(self.fail())
                continue
            c, base = f"g{mb}", self.temps
            if rule and rule[0][0] == "twin":     # the passes merged it with an earlier share
                c = shares[rule[0][1]]
                rule = ()
            for (_, roles), r in zip(rule or (), recs or ()):
                c, line = self.record(slot, roles, r, base)
                inner.append(line)
            shares[a] = c
            inner.append(f"{qs[t]} = {c} if {qs[t]} is None else {qs[t]} + {c}")
        return lines + ["    " + s for s in inner or ["pass"]]

    def record(self, slot: Slot, roles: tuple[Any, ...], r: Eqn, base: int) -> tuple[str, str]:
        """A rule record's line, its arguments read by role; and its target's name.

        ``base``: the number of the rule's first record (``("rec", i)`` reads ``base + i``).
        """
        w, mb = self.w, self.mb
        arg_kinds, floats = w.kinds_of(r)
        texts, fakes = [], []
        for role, x in zip(roles, r.args):
            if role[0] == "const":
                texts.append((w.ref(x, floats),))
                fakes.append(x)
                continue
            texts.append((f"g{mb}" if role[0] == "g" else f"p{mb}_{base + role[1]}"
                          if role[0] == "rec" else f"a{mb}_{slot}" if role[0] == "ans"
                          else f"f{mb}_{slot}[{role[1]}]",))
            fakes.append(w.fake(w.value(x)))
        target = f"p{mb}_{self.temps}"
        self.temps += 1
        line = w.statement(Eqn(r.prim, r.out, tuple(fakes), r.ans), texts, arg_kinds, target)
        return target, line
