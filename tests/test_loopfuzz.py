"""Random Python loops under every composition of transforms equal eager Python.

Programs are generated as source text (registered with ``linecache`` so
that the guards' source lines read as they would from a file): ``for``
over a list argument, ``for _ in range(N)``, ``enumerate``, ``while`` on a
traced value with a data-dependent trip count, ``break``, ``continue``,
``if``/``elif``/``else`` in the body, nested loops, a loop inside an
``if``, Python counters and floats mutated in the body (augmented
assignment too), a carried tuple, ``tg.sin``, ``tg.exp``,
``tg.maximum``, ``tg.where`` and operators, on float64, float32 and int
inputs. Each program runs on many inputs, most with trip counts and
branch patterns the first trace never saw, under ``jit``,
``jit(grad)``, ``grad(jit)`` (against eager and eager ``grad``, bit for
bit), ``make_tape`` replayed (bit for bit where no guard flips),
``vmap`` and ``vmap(grad)`` (against a Python loop, bit for bit), and
``grad`` against central differences where the program is smooth there.
The one failure allowed is the documented ``TypeError`` "needed more
than 8 specializations"; the hits are counted per transform.

*Wide* programs (``random_program(seed, wide=True)``; the hunt's last
argument ``wide``) are a seed's program with statements added from a
second stream of choices: a carried array of shape (3,) under
``np.where``, ``np.maximum``, indexing and ``np.sum``, ``tg.fori_loop``,
``tg.while_loop`` and ``tg.scan`` (a Python loop in a body too), and a loop
in a function called twice. They also run under ``jit(jvp)`` (against eager
``jvp`` bit for bit, and ``grad`` closely), ``jit(hessian)`` and
``jacfwd(grad)``, ``vmap(jit)`` and ``vmap(jit(grad))``.

*List* programs (``random_program(seed, lists=True)``; the hunt's last
argument ``lists``) add, from a third stream, a Python list ``zs`` appended
to in loop bodies and reduced after (``tg.stack``, ``sum``, ``max``), a
loop over a list of arrays ``vs`` (or over ``zs``) with ``np.dot`` against a
carried vector ``q``, and Python's ``max``/``min``/``abs`` with ``np.clip``
and ``np.where`` in loop bodies.

*Idiom* programs (``random_program(seed, idioms=True)``; the hunt's last
argument ``idioms``) add, from a fourth stream, an array ``r`` in a ``while``
on its ``np.linalg.norm`` and in conditions, ``enumerate`` and ``zip`` over
it, augmented assignment into the items of a list ``ws`` (``ws[k % 3] +=``),
a helper with an ``if`` returning a tuple called in loop bodies and
conditions, and nested tuple unpacking (``s, (u, t) = ...``).

*Write* programs (``random_program(seed, writes=True)``; the hunt's last
argument ``writes``) add, from a fifth stream, an array ``m`` written in place
in loop bodies (``m[k % 3] = ...``, ``m[0] += ...``, ``m *= ...``, a mask, a
traced index ``m[np.argmax(m)]``, a slice, a swap of two items), a dict ``d``
updated in bodies and by a helper that mutates its dict argument, a list
comprehension with a traced condition, ``any`` over the array, and ``while``
loops run to a tolerance (a Newton iteration among them).
"""

from __future__ import annotations

import linecache
import math
import os
import random
import warnings
from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tapegrad as tg

# ---------------------------------------------------------------- programs

STATEMENTS = [
    "s = s * 0.9 + x", "s = s - 0.3 * x", "s = tg.sin(s) + x", "u = u + s * x",
    "s = s / (1.0 + x * x)", "t = t * 0.5 + 1.0", "t += 0.25", "k += 1", "s += k * x",
    "s = tg.maximum(s, u * 0.5)", "u = tg.where(s > u, s - u, u * 0.5)",
    "s, u = u * 0.5, s + 0.1", "u = tg.exp(-s * s) + u * 0.5", "s = s + t * 0.1",
    "u -= 0.25 * s", "u = u * x if k % 2 else u + x", "p = (p[1] + s, p[0] * 0.5)",
    "s *= 0.5", "t = t + x", "u = tg.sin(u) * 2.0 - x", "s = -s",
]
CONDITIONS = [
    "x > 0.0", "s > u", "s * x > 0.5", "t < 1.0", "k % 2 == 0", "tg.sin(s) > 0.0",
    "s > u and x < 0.5", "u < 0.0 or t > 2.0", "p[0] > s", "s > 1.0",
]
X_IN_RANGE = ["x = 0.37", "x = x0 * 0.25", "x = i * 0.1 - 0.3", "x = u * 0.1",
              "x = xs[i % len(xs)] if xs else 0.2"]
X_IN_WHILE = ["x = 0.37", "x = x0 * 0.25", "x = u * 0.1", "x = s * 0.2 - 0.1"]

# The wide programs' own kinds (``Writer(ch, more)``): a carried NumPy array ``a`` of
# shape (3,), JAX-style loop primitives, a loop in a function called twice.
ARRAY_STATEMENTS = [
    "a = a * 0.9 + x", "a = np.where(a > s, a * 0.5, a + x)", "a = np.maximum(a, s * 0.3)",
    "s = s + a[1] * 0.1", "a = a[::-1] * 0.5 + u", "u = u + np.sum(a) * 0.1",
    "a = np.where(np.arange(3) == k % 3, s, a)", "s = tg.maximum(s, a[k % 3])",
    "a = np.minimum(a, u) + np.array([0.1, 0.2, 0.3])", "a = np.abs(a - x) * 0.5",
    "s = s + np.max(a) * 0.1", "a = tg.sin(a) + a[0] * 0.1",
]
ARRAY_CONDITIONS = ["a[0] > s", "np.sum(a) > 1.0", "a[2] < u", "np.max(a) > x"]
LAX_STATEMENTS = [
    "s = tg.fori_loop(0, 3, lambda i, c: c * 0.9 + x * 0.1 + i * 0.01, s * 1.0)",
    "s, u = tg.fori_loop(1, 4, lambda i, c: (tg.sin(c[1]) + x, c[0] * 0.5), (s * 1.0, u * 1.0))",
    "s, _ = tg.while_loop(lambda c: c[1] < 1.0, lambda c: (c[0] * 0.5 + x, "
    "c[1] + 0.3 + 0.1 * tg.sin(c[0])), (s * 1.0, tg.maximum(u * 0.1, -2.0)))",
    "s, ys = tg.scan(lambda c, y: (c * 0.9 + y * x, c * y), s * 1.0, np.arange(3) * 0.1)\n"
    "u = u + tg.sum(ys) * 0.1",
    "s = tg.fori_loop(0, 2, lambda i, c: inner(c, x), s * 1.0)",
    "s = inner(s, x)",
]
ARRAY_LAX = [
    "s, ys = tg.scan(lambda c, y: (c * 0.9 + y * x, c * y), s * 1.0, a)\nu = u + ys[2] * 0.1",
    "a = tg.fori_loop(0, 3, lambda i, c: np.where(c > x, c * 0.5, c + 0.25), a)",
]
# The list programs' kinds (``Writer(ch, lists=...)``): a Python list ``zs`` appended to in
# loops and reduced after, a loop over a list of arrays ``vs`` with ``np.dot`` against a
# carried vector ``q``, Python's ``max``/``min``/``abs``/``sum`` and ``np.clip``/``np.where``.
LIST_STATEMENTS = [
    "zs.append(s * x)", "zs.append(u + 0.1)", "s = max(s, u * 0.5)", "u = min(u, s + 0.3)",
    "s = abs(s - x) * 0.9", "u = np.clip(u + x, -1.5, 1.5)", "s = np.where(s > x, s * 0.5, s + x)",
    "q = q * 0.9 + x", "s = s + np.dot(q, q) * 0.01", "u = u + sum(zs) * 0.05",
    "s = s + (zs[-1] * 0.1 if zs else 0.0)", "s = s + len(zs) * 0.01",
    "q = np.clip(q, -1.0, s)", "u = u + max(q[0], q[2]) * 0.1", "zs.append(np.dot(q, q))",
]
LIST_CONDITIONS = ["len(zs) > 2", "zs and zs[-1] > s", "np.dot(q, q) > 1.0", "abs(s) > 1.0",
                   "max(s, u) > 0.5"]
LIST_LOOPS = [["for v in vs:", "    x = np.dot(v, q) * 0.5"],
              ["for j, v in enumerate(vs):", "    q = q + v * (0.1 * j)", "    x = v[1]"],
              ["for v in vs[::-1]:", "    q = np.where(v > q, v, q * 0.5)",
               "    x = np.sum(v) * 0.2"],
              ["for z in zs[:4]:", "    x = z * 0.5"]]
LIST_ENDS = ["s = s + tg.sum(tg.stack(zs)) * 0.1 if zs else s", "u = u + sum(zs, 0.0) * 0.1",
             "s = s + max(zs, default=0.0) * 0.5", "u = u + np.sum(q * np.dot(q, q)) * 0.01"]

# The idiom programs' kinds (``Writer(ch, idioms=...)``): an array ``r`` in a ``while`` on its
# ``np.linalg.norm``, ``enumerate``/``zip`` over it, augmented assignment into the items of a
# list ``ws``, a helper with an ``if`` called in loop bodies, nested tuple unpacking.
IDIOM_STATEMENTS = [
    "r = r * 0.9 + x", "ws[k % 3] += s * 0.1", "ws[1] = ws[1] * 0.5 + u", "s, u = step(s, u, x)",
    "r = r / (1.0 + np.linalg.norm(r))", "u = u + np.linalg.norm(r) * 0.1",
    "s = s + sum(a_ * b_ for a_, b_ in zip(ws, r)) * 0.1", "s, (u, t) = u * 0.5, (s + 0.1, t)",
    "ws[-1] -= r[k % 3] * 0.2", "r = np.where(r > s, r * 0.5, r + 0.1)", "x, s = s * 0.5, x",
]
IDIOM_CONDITIONS = ["np.linalg.norm(r) > 1.0", "ws[0] > s", "r[k % 3] > u", "step(s, u, x)[0] > t"]
IDIOM_LOOPS = [["while np.linalg.norm(r) > 0.5 and k < 30:", "    k += 1", "    r = r * 0.8"],
               ["for v_, z_ in zip(r, xs):", "    x = v_ * z_"],
               ["for j, v in enumerate(r):", "    x = v * 0.5 + j * 0.1"],
               ["for x in r[::-1]:"], ["for i, w_ in enumerate(ws):", "    ws[i] = w_ * 0.5 + s"]]
IDIOM_ENDS = ["s = s + np.linalg.norm(r) * 0.1", "u = u + sum(ws) * 0.1",
              "s, u = step(s, u, ws[0])"]
# The write programs' kinds (``Writer(ch, writes=...)``): an array ``m`` written in place
# (``m[k % 3] = ...``, ``m += ...``, a mask, a traced index, a slice), a dict ``d`` updated in
# loop bodies and by a helper that mutates its dict argument, comprehensions with traced
# conditions, ``any`` over an array, and ``while`` loops run to a tolerance.
WRITE_STATEMENTS = [
    "m[k % 3] = s * 0.5", "m[0] += x", "m[1] -= u * 0.1", "m *= 0.9", "m += x * 0.1",
    "m -= m[::-1] * 0.1", "m[m > 1.0] = 1.0", "m[np.argmax(m)] = u", "m[1:] = m[:2] * 0.5 + x",
    "s = s + m[k % 3] * 0.1", "u = u + np.sum(m * m) * 0.05", "m = np.clip(m, -2.0, 2.0)",
    "m = np.maximum(m, u * 0.1)", "d['s'] = d['s'] * 0.5 + x", "d['u'] += s * 0.1",
    "s = s + d['s'] * 0.1", "s, u = upd(d, s, u, x)",
    "s = s + sum([v * 0.5 for v in m if v > u]) * 0.1",
    "m = tg.stack([v * 0.5 + x for v in m])", "m[k % 3], m[(k + 1) % 3] = m[(k + 1) % 3], m[k % 3]",
]
WRITE_CONDITIONS = ["m[k % 3] > s", "np.sum(m) > 1.0", "d['s'] > u", "any(v > s for v in m)",
                    "d['n'] % 2 == 0"]
WRITE_LOOPS = [["e = s * 0.5 + 1.0", "while abs(e) > 1e-3 and k < 40:", "    k += 1",
                "    e = e * 0.5 - x * 0.01"],
               ["y = 1.5 + w * w", "while abs(y * y - (2.0 + w * w)) > 1e-6 and k < 50:",
                "    k += 1", "    y = y - (y * y - (2.0 + w * w)) / (2.0 * y)", "    x = y * 0.1"],
               ["for i in range(3):", "    m[i] = m[i] * 0.5 + s"],
               ["for j, v in enumerate(m):", "    if v > s:", "        m[j] = s",
                "    x = v * 0.5"],
               ["for key in ('s', 'u'):", "    d[key] = d[key] * 0.9 + x"],
               ["while np.max(np.abs(m)) > 0.1 and k < 30:", "    k += 1", "    m *= 0.7"]]
WRITE_ENDS = ["s = s + np.sum(m) * 0.1", "u = u + d['s'] * 0.1 + d['u'] * 0.1",
              "s = s + max(m) * 0.1", "s, u = upd(d, s, u, m[2])"]
UPD = ["def upd(d, s, u, x):", "    d['n'] += 1", "    if s > d['s']:",
       "        d['s'] = s * 0.5", "        return s - x * 0.1, u", "    d['u'] = d['u'] * 0.9 + x",
       "    return s, u + 0.1", ""]

STEP = ["def step(s, u, x):", "    if s > u:", "        return u * 0.5 + x, s",
        "    return s + 0.1 * x, u * 0.9", ""]

INNER = ["def inner(c, x):", "    for j in range(2):",
         "        c = tg.where(c > x, c * 0.5, c + 0.25) + j * 0.1", "    return c", ""]


class Chooser:
    """Random choices from ``random.Random`` or from hypothesis' ``data``."""

    def __init__(self, rnd: random.Random | None = None, data: Any = None) -> None:
        self.rnd, self.data = rnd, data

    def pick(self, options: list[Any]) -> Any:
        if self.data is not None:
            return self.data.draw(st.sampled_from(options))
        assert self.rnd is not None
        return self.rnd.choice(options)

    def int(self, lo: int, hi: int) -> int:
        if self.data is not None:
            return self.data.draw(st.integers(lo, hi))
        assert self.rnd is not None
        return self.rnd.randint(lo, hi)


class Writer:
    """Writes one random function ``f(x0, xs)`` as lines of source.

    ``more``: a second stream of choices that inserts the wide programs'
    kinds; the first stream's choices are unchanged, so a wide program is its
    seed's original program with statements added (``None``: the original).
    """

    def __init__(self, ch: Chooser, more: Chooser | None = None,
                 lists: Chooser | None = None, idioms: Chooser | None = None,
                 writes: Chooser | None = None) -> None:
        self.ch, self.lines, self.loops = ch, [], 0
        self.width, self.ifs = 3, 2
        self.more, self.lists, self.idioms, self.writes = more, lists, idioms, writes
        self.arrays = more is not None and more.int(0, 1) == 1
        self.helper: list[str] = []

    def extra(self, depth: int) -> None:
        """Maybe one of the wide, list, idiom or write programs' statements (from their
        streams)."""
        if self.writes is not None and self.writes.int(0, 2) == 0:
            self.emit(depth, self.writes.pick(WRITE_STATEMENTS))
            if self.writes.int(0, 3) == 0:
                self.emit(depth, f"if {self.writes.pick(WRITE_CONDITIONS)}:")
                self.emit(depth + 1, self.writes.pick(WRITE_STATEMENTS + STATEMENTS))
        if self.idioms is not None and self.idioms.int(0, 2) == 0:
            self.emit(depth, self.idioms.pick(IDIOM_STATEMENTS))
            if self.idioms.int(0, 3) == 0:
                self.emit(depth, f"if {self.idioms.pick(IDIOM_CONDITIONS)}:")
                self.emit(depth + 1, self.idioms.pick(IDIOM_STATEMENTS + STATEMENTS))
        if self.lists is not None and self.lists.int(0, 2) == 0:
            self.emit(depth, self.lists.pick(LIST_STATEMENTS))
            if self.lists.int(0, 3) == 0:
                self.emit(depth, f"if {self.lists.pick(LIST_CONDITIONS)}:")
                self.emit(depth + 1, self.lists.pick(LIST_STATEMENTS + STATEMENTS))
        if self.more is None or self.more.int(0, 2):
            return
        pool = LAX_STATEMENTS + (ARRAY_STATEMENTS * 2 + ARRAY_LAX if self.arrays else [])
        for line in self.more.pick(pool).split("\n"):
            self.emit(depth, line)
        if self.arrays and self.more.int(0, 3) == 0:
            self.emit(depth, f"if {self.more.pick(ARRAY_CONDITIONS)}:")
            self.emit(depth + 1, self.more.pick(ARRAY_STATEMENTS + STATEMENTS))

    def emit(self, depth: int, text: str) -> None:
        self.lines.append("    " * depth + text)

    def body(self, depth: int, in_loop: bool, nest: int, level: int = 0) -> None:
        for _ in range(self.ch.int(1, self.width)):
            self.extra(depth)
            kind = self.ch.pick(["stmt", "stmt", "if", "if", "exit", "loop"])
            if kind == "exit" and in_loop:
                self.emit(depth, f"if {self.ch.pick(CONDITIONS)}:")
                self.emit(depth + 1, self.ch.pick(["break", "continue"]))
            elif kind == "if" and level < self.ifs:
                self.branches(depth, in_loop, nest, level + 1)
            elif kind == "loop" and nest < 2 and self.loops < 3:
                self.loop(depth, nest + 1)
            else:
                self.emit(depth, self.ch.pick(STATEMENTS))

    def branches(self, depth: int, in_loop: bool, nest: int, level: int) -> None:
        self.emit(depth, f"if {self.ch.pick(CONDITIONS)}:")
        self.body(depth + 1, in_loop, nest, level)
        for _ in range(self.ch.int(0, 1)):
            self.emit(depth, f"elif {self.ch.pick(CONDITIONS)}:")
            self.body(depth + 1, in_loop, nest, level)
        if self.ch.int(0, 1):
            self.emit(depth, "else:")
            self.body(depth + 1, in_loop, nest, level)

    def loop(self, depth: int, nest: int) -> None:
        self.loops += 1
        kind = self.ch.pick(["for", "range", "enumerate", "while_k", "while_w", "range_break"])
        if kind == "for":
            self.emit(depth, "for x in xs:")
        elif kind == "enumerate":
            self.emit(depth, "for i, x in enumerate(xs):")
            self.emit(depth + 1, "s = s + i * 0.01 * x")
        elif kind in ("range", "range_break"):
            self.emit(depth, f"for i in range({self.ch.pick([0, 1, 2, 3, 5, 7, 20, 40])}):")
            self.emit(depth + 1, self.ch.pick(X_IN_RANGE))
        elif kind == "while_k":
            self.emit(depth, f"while ({self.ch.pick(CONDITIONS)}) and k < {self.ch.int(1, 25)}:")
            self.emit(depth + 1, "k += 1")
            self.emit(depth + 1, self.ch.pick(X_IN_WHILE))
        else:   # a trip count that depends on the data: w rises by 0.2 to 0.4 each time
            self.emit(depth, f"while w < {self.ch.pick(['2.0', '3.0', 'x0 + 1.5'])}:")
            self.emit(depth + 1, "w = w + 0.3 + 0.1 * tg.sin(s)")
            self.emit(depth + 1, self.ch.pick(X_IN_WHILE))
        self.body(depth + 1, True, nest)
        if kind == "range_break":       # the loop left by break that rolls with its bound
            self.emit(depth + 1, f"if {self.ch.pick(CONDITIONS)}:")
            self.emit(depth + 2, "break")

    def program(self) -> str:
        self.lines = ["def f(x0, xs):", "    s = x0", "    u = x0 * 0.5 - 0.25", "    t = 0.5",
                      "    k = 0", "    p = (x0, 0.5)", "    w = x0", "    x = 0.3"]
        self.width, self.ifs = self.ch.int(1, 3), self.ch.int(0, 2)    # small ones roll
        if self.lists is not None:
            self.lines += ["    zs = []",
                           "    vs = [tg.stack([x, x * 0.5 - 0.1, 0.3]) for x in xs]",
                           "    q = tg.stack([x0 * 0.5, 0.25, -x0 * 1.0])"]
        if self.idioms is not None:
            self.lines += ["    ws = [0.1, x0 * 0.5, 0.3]",
                           "    r = tg.stack([x0 * 0.5, 0.25, -x0 * 1.0])"]
        if self.writes is not None:
            # of x0's float dtype, as the wide programs' a (a float64 m beside a float32 x0
            # meets the strict xfails of tests/test_fuzz_found4.py and test_fuzz_found5.py)
            self.lines += ["    m = tg.stack([x0 * 0.5, x0 * 0.0 + 0.25, -x0 * 1.0])",
                           "    d = {'s': x0 * 1.0, 'u': 0.5, 'n': 0}"]
        for _ in range(self.ch.int(1, 2)):
            if self.ch.int(0, 3) == 0:          # a loop inside an if
                self.emit(1, f"if {self.ch.pick(['x0 > 0.0', 'len(xs) > 2', 's > 0.5'])}:")
                self.loop(2, 1)
                self.emit(1, "else:")
                self.emit(2, self.ch.pick(STATEMENTS))
            else:
                self.loop(1, 1)
        if self.more is not None:
            self.widen()
        if self.lists is not None:
            self.listed()
        if self.idioms is not None:
            self.idiomed()
        if self.writes is not None:
            self.ended(self.writes, WRITE_LOOPS, WRITE_ENDS)
        self.emit(1, "return s + u + t + k * 0.01 + p[0] + p[1] * 0.5 + w * 0.1"
                  + (" + np.sum(a) * 0.1" if self.arrays else "")
                  + (" + np.sum(q) * 0.1 + len(zs) * 0.01" if self.lists is not None else "")
                  + (" + np.sum(r) * 0.1 + sum(ws) * 0.1" if self.idioms is not None else "")
                  + (" + np.sum(m) * 0.1 + d['s'] + d['u'] * 0.5" if self.writes is not None
                     else ""))
        head = INNER + self.helper if self.more is not None else []
        head += STEP if self.idioms is not None else []
        head += UPD if self.writes is not None else []
        return "\n".join(head + self.lines) + "\n"

    def idiomed(self) -> None:
        """The idiom programs' end: a loop over ``r`` or ``ws`` or on ``r``'s norm, then ends."""
        assert self.idioms is not None
        self.ended(self.idioms, IDIOM_LOOPS, IDIOM_ENDS)

    def listed(self) -> None:
        """The list programs' end: a loop over ``vs`` or ``zs``, then ``zs`` and ``q`` reduced."""
        assert self.lists is not None
        self.ended(self.lists, LIST_LOOPS, LIST_ENDS)

    def ended(self, stream: Any, loops: Any, ends: Any) -> None:
        """Up to two loops of ``loops`` drawn from ``stream`` (bodies from it too), then ends."""
        main = self.ch
        self.ch = stream                    # the loop's own choices
        for _ in range(self.ch.int(0, 2)):
            head = self.ch.pick(loops)
            self.emit(1, head[0])
            for line in head[1:]:
                self.emit(1, line)
            self.loops += 1
            self.body(2, True, 1)
        self.ch = main
        for _ in range(stream.int(1, 2)):
            self.emit(1, stream.pick(ends))

    def widen(self) -> None:
        """The wide programs' start: the array ``a``, maybe a loop in a function called twice."""
        assert self.more is not None
        if self.arrays:
            # of x0's float dtype: a float64 array's np.float64 scalars beside float32 values
            # are tests/test_fuzz_found.py's (grad(jit) may round them apart in the last bit)
            self.lines.insert(8, "    a = tg.stack([x0 * 1.0, x0 * 0.5, x0 * -0.5]) + 0.25")
        if self.more.int(0, 1):
            return
        state = "s, u, t, k, p, w, x" + (", a" if self.arrays else "")
        main, ch = self.lines, self.ch
        self.lines, self.ch = [f"def g(x0, xs, {state}):"], self.more     # its own choices
        self.loop(1, 1)
        self.emit(1, f"return {state}")
        self.helper, self.lines, self.ch = self.lines + [""], main, ch
        for _ in range(2):
            self.emit(1, f"{state} = g(x0, xs, {state})")


class Rational:
    """``tg`` with ``sin`` and ``exp`` swapped for rational functions.

    NumPy's batched ``sin``/``exp`` may differ in the last bit from the
    scalar ones eager uses (the contract allows it), and a loop's branch
    can turn that bit into any difference: this stand-in keeps the
    program's structure with operations that round the same either way.
    """

    maximum, where = staticmethod(tg.maximum), staticmethod(tg.where)
    fori_loop, while_loop = staticmethod(tg.fori_loop), staticmethod(tg.while_loop)
    scan, sum, stack = staticmethod(tg.scan), staticmethod(tg.sum), staticmethod(tg.stack)

    @staticmethod
    def sin(v: Any) -> Any:
        return v / (1.0 + v * v)

    @staticmethod
    def exp(v: Any) -> Any:
        return 1.0 / (1.0 + v * v)


_COUNT = [0]


def along_x0(f: Callable[..., Any]) -> Callable[..., Any]:
    """``jvp`` of ``f(x0, xs)`` along ``x0``."""
    def fj(x0: Any, xs: list[Any]) -> Any:
        return tg.jvp(lambda x: f(x, xs), (x0,), (x0 * 0 + 1,))
    return fj


def build(src: str, lib: Any = tg) -> Callable[..., Any]:
    """The function ``f`` of ``src``, its source readable through ``linecache``."""
    _COUNT[0] += 1
    name = f"<loopfuzz{_COUNT[0]}>"
    linecache.cache[name] = (len(src), None, src.splitlines(keepends=True), name)
    ns: dict[str, Any] = {"tg": lib, "np": np}
    exec(compile(src, name, "exec"), ns)
    return ns["f"]


# ---------------------------------------------------------------- inputs


def leaves(tree: Any) -> list[Any]:
    """The leaves of nested tuples and lists, in order."""
    if isinstance(tree, (tuple, list)):
        return [leaf for item in tree for leaf in leaves(item)]
    return [tree]


def same(got: Any, want: Any, rtol: float = 0.0) -> bool:
    """Equal bit for bit (or within ``rtol``) as numbers, a nan equal to a nan,
    of one dtype and shape."""
    a, b = leaves(got), leaves(want)
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        x, y = np.asarray(x), np.asarray(y)
        if x.dtype != y.dtype or x.shape != y.shape:
            return False
        if not (np.array_equal(x, y, equal_nan=True) if rtol == 0.0 else
                np.allclose(x, y, rtol=rtol, atol=rtol, equal_nan=True)):
            return False
    return True


def scalar(v: Any, dtype: str) -> Any:
    """One argument value of the program's dtype."""
    return {"py": float, "f32": np.float32, "int": int}[dtype](v)


def inputs(rng: np.random.Generator, dtype: str, n: int) -> list[tuple[Any, list[Any]]]:
    """Arguments ``(x0, xs)``: mostly one list length (one signature), some others."""
    main = int(rng.integers(0, 6))
    out = []
    for i in range(n):
        length = main if i < n * 2 // 3 else int(rng.integers(0, 6))
        if dtype == "int":
            x0, xs = rng.integers(-3, 5), rng.integers(-2, 3, size=length)
        else:
            x0, xs = rng.normal() * 1.5, rng.normal(size=length)
        out.append((scalar(x0, dtype), [scalar(v, dtype) for v in xs]))
    return out


# ---------------------------------------------------------------- checks

SPECIALIZATIONS = "needed more than 8 specializations"


class Fuzz:
    """Runs programs under the transforms; counts calls, bound hits and failures."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.bound: Counter[str] = Counter()
        self.programs = 0
        self.rolled = 0
        self.batch = 7           # examples per vmap call
        self.wide = False        # also jvp, hessian, jacfwd(grad), vmap(jit), vmap(jvp)
        self.failures: list[str] = []

    def check(self, kind: str, src: str, args: Any, run: Callable[[], Any], want: Any,
              rtol: float = 0.0) -> None:
        self.calls[kind] += 1
        try:
            got = run()
        except TypeError as e:
            if SPECIALIZATIONS in str(e):
                self.bound[kind] += 1
                return
            got = e
        except tg.GuardError as e:
            if kind.startswith("replay"):
                return
            got = e
        except Exception as e:   # noqa: BLE001 - any other error is a failure to report
            got = e
        if isinstance(got, Exception) or not same(got, want, rtol):
            self.failures.append(f"{kind} at {args!r}: got {got!r}, want {want!r}\n{src}")

    def program(self, src: str, dtype: str, seed: int, n: int = 10) -> None:
        self.programs += 1
        f = build(src)
        rng = np.random.default_rng(seed)
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            self.eager_compositions(src, f, inputs(rng, dtype, n))
            self.batched(src, build(src, Rational), rng, dtype)
            if "tg.sin" in src or "tg.exp" in src:     # the last bit may differ, then more
                # first order only: the second-order compositions of the same loops ran on
                # the rational stand-in bit for bit, and sin's and exp's own second
                # derivatives are every derivative test's
                self.batched(src, f, rng, dtype, 1e-4 if dtype == "f32" else 1e-9, deep=False)

    def eager_compositions(self, src: str, f: Callable[..., Any], args: list[Any]) -> None:
        g = tg.grad(f, argnums=(0, 1))
        fj = along_x0(f)
        jfj = tg.jit(fj)
        jf, jg, gj = tg.jit(f), tg.jit(g), tg.grad(tg.jit(f), argnums=(0, 1))
        tape = tapeg = None
        for x0, xs in args:
            try:
                want, dwant = f(x0, xs), g(x0, xs)
            except Exception:    # noqa: BLE001 - a program Python itself rejects here
                continue
            a = (x0, xs)
            if tape is None:
                source = jf.lower(x0, xs).source
                self.rolled += "while True" in source or "for i0 in" in source
            self.check("jit", src, a, lambda: jf(x0, xs), want)
            self.check("jit(grad)", src, a, lambda: jg(x0, xs), dwant)
            self.check("grad(jit)", src, a, lambda: gj(x0, xs), dwant)
            if tape is None:
                tape, tapeg, length = tg.make_tape(f)(x0, xs), tg.make_tape(g)(x0, xs), len(xs)
            if len(xs) == length:
                self.check("replay", src, a, lambda: tape(x0, xs), want)
                self.check("replay(grad)", src, a, lambda: tapeg(x0, xs), dwant)
            if isinstance(x0, float):
                self.central(src, f, x0, xs, dwant[0])
            if self.wide and not isinstance(x0, int):
                self.forward(src, fj, jfj, x0, xs, dwant[0])

    def forward(self, src: str, fj: Callable[..., Any], jfj: Callable[..., Any], x0: Any,
                xs: list[Any], dx0: Any) -> None:
        """``jit(jvp)`` against eager ``jvp`` bit for bit, ``jvp`` against ``grad`` closely.

        The tangent has the output's dtype and the gradient the input's (a float32
        ``x0`` beside float64 arrays gives a float64 output), so the two are
        compared in the gradient's dtype and the tangent's dtype against the output's."""
        try:
            want = fj(x0, xs)
        except Exception as e:   # noqa: BLE001 - eager jvp must run where grad did
            self.failures.append(f"jvp at {(x0, xs)!r}: {e!r}\n{src}")
            return
        a = (x0, xs)
        self.check("jit(jvp)", src, a, lambda: jfj(x0, xs), want)
        primal, tangent = np.asarray(want[0]), np.asarray(want[1])
        if tangent.dtype != primal.dtype:
            self.failures.append(f"jvp at {a!r}: tangent {want[1]!r} of output {want[0]!r}\n{src}")
        self.check("jvp~grad", src, a, lambda: tangent.astype(np.asarray(dx0).dtype), dx0,
                   1e-4 if isinstance(x0, np.float32) else 1e-7)

    def central(self, src: str, f: Callable[..., Any], x0: float, xs: list[Any],
                dx0: Any) -> None:
        """``grad`` against central differences where two step sizes agree (smooth there)."""
        fd = [(f(x0 + h, xs) - f(x0 - h, xs)) / (2 * h) for h in (1e-6, 1e-5)]
        scale = max(1.0, abs(fd[1]))
        if not all(math.isfinite(v) for v in fd) or abs(fd[0] - fd[1]) > 1e-6 * scale:
            return
        if scale > 1e6:
            return
        self.calls["fd"] += 1
        if not abs(float(dx0) - fd[0]) <= 1e-5 * scale:
            self.failures.append(f"fd at {(x0, xs)!r}: grad {dx0!r}, differences {fd!r}\n{src}")

    def batched(self, src: str, f: Callable[..., Any], rng: np.random.Generator,
                dtype: str, rtol: float = 0.0, deep: bool = True) -> None:
        """``vmap`` and ``vmap(grad)`` against a Python loop over the examples (and, ``deep``,
        the second order)."""
        g = tg.grad(f, argnums=(0, 1))
        for length in sorted({int(rng.integers(0, 5)) for _ in range(2)}):
            rows = inputs(rng, dtype, self.batch)
            x0s = np.array([r[0] for r in rows], dtype={"py": np.float64, "f32": np.float32,
                                                         "int": np.int64}[dtype])
            xs = [x0s * 0 + np.array(rng.integers(-2, 3, size=self.batch) if dtype == "int"
                                     else rng.normal(size=self.batch)).astype(x0s.dtype)
                  for _ in range(length)]
            examples = [(x0s[b], [col[b] for col in xs]) for b in range(len(x0s))]
            try:
                want = np.stack([np.asarray(f(*e)) for e in examples])
                dwant = [np.stack([np.asarray(leaf) for leaf in col])
                         for col in zip(*(leaves(g(*e)) for e in examples))]
            except Exception:    # noqa: BLE001 - a program Python itself rejects here
                continue
            a = (x0s, xs)
            self.check("vmap", src, a, lambda: tg.vmap(f)(x0s, xs), want, rtol)
            self.check("vmap(grad)", src, a, lambda: leaves(tg.vmap(g)(x0s, xs)), dwant, rtol)
            self.check("jit(vmap)", src, a, lambda: tg.jit(tg.vmap(f))(x0s, xs), want, rtol)
            if self.wide:
                self.check("vmap(jit)", src, a, lambda: tg.vmap(tg.jit(f))(x0s, xs), want, rtol)
                self.check("vmap(jit(grad))", src, a, lambda: leaves(tg.vmap(tg.jit(g))(x0s, xs)),
                           dwant, rtol)
            self.shared(src, f, x0s, [col[0] for col in xs], rtol)
            if deep:
                self.second(src, f, x0s, xs, rtol)

    def second(self, src: str, f: Callable[..., Any], x0s: np.ndarray, xs: list[Any],
               rtol: float) -> None:
        """``vmap(grad(grad))`` against a Python loop, and ``jit(grad(grad))`` against eager."""
        h = tg.grad(tg.grad(f))
        try:
            want = np.stack([np.asarray(h(x0s[b], [c[b] for c in xs])) for b in range(len(x0s))])
        except Exception:    # noqa: BLE001 - a program Python itself rejects here
            return
        a = (x0s, xs)
        self.check("vmap(grad(grad))", src, a, lambda: tg.vmap(h)(x0s, xs), want, rtol)
        jh = tg.jit(h)
        for b in range(len(x0s)):
            x0, row = x0s[b], [c[b] for c in xs]
            self.check("jit(grad(grad))", src, (x0, row), lambda: jh(x0, row), want[b], rtol)
        if self.wide and x0s.dtype.kind == "f":
            self.hessians(src, f, x0s, xs, want, rtol)

    def hessians(self, src: str, f: Callable[..., Any], x0s: np.ndarray, xs: list[Any],
                 want: np.ndarray, rtol: float) -> None:
        """``jit(hessian)`` against eager ``hessian``, both and ``jacfwd(grad)`` against
        ``grad(grad)`` closely."""
        hs, fg = tg.hessian(f), tg.jacfwd(tg.grad(f))
        jhs = tg.jit(hs)
        close = max(rtol, 1e-4 if x0s.dtype == np.float32 else 1e-7)
        for b in range(min(3, len(x0s))):      # the examples' first few: hessians cost
            x0, row = x0s[b], [c[b] for c in xs]
            try:
                eager = hs(x0, row)
            except Exception as e:   # noqa: BLE001 - hessian must run where grad(grad) did
                self.failures.append(f"hessian at {(x0, row)!r}: {e!r}\n{src}")
                continue
            a = (x0, row)
            self.check("jit(hessian)", src, a, lambda: jhs(x0, row), eager)
            self.check("hessian~grad(grad)", src, a, lambda: eager, want[b], close)
            self.check("jacfwd(grad)", src, a, lambda: fg(x0, row), want[b], close)

    def shared(self, src: str, f: Callable[..., Any], x0s: np.ndarray, xs: list[Any],
               rtol: float) -> None:
        """``vmap`` with the list unbatched (``in_axes=(0, None)``) against a Python loop."""
        try:
            want = np.stack([np.asarray(f(x0, xs)) for x0 in x0s])
        except Exception:    # noqa: BLE001 - a program Python itself rejects here
            return
        self.check("vmap(in_axes=(0, None))", src, (x0s, xs),
                   lambda: tg.vmap(f, in_axes=(0, None))(x0s, xs), want, rtol)


def random_program(seed: int, wide: bool = False, lists: bool = False,
                   idioms: bool = False, writes: bool = False) -> tuple[str, str]:
    """A program and a dtype from a seed; ``wide``, ``lists``, ``idioms`` and ``writes``: with
    the wide, list, idiom or write programs' kinds added (from streams of their own, so the
    seed's original statements stay)."""
    rnd = random.Random(seed)
    more = Chooser(random.Random(f"wide{seed}")) if wide else None
    listed = Chooser(random.Random(f"lists{seed}")) if lists else None
    idiom = Chooser(random.Random(f"idioms{seed}")) if idioms else None
    written = Chooser(random.Random(f"writes{seed}")) if writes else None
    return (Writer(Chooser(rnd), more, listed, idiom, written).program(),
            rnd.choice(["py", "py", "f32", "int"]))


def report(fuzz: Fuzz) -> str:
    """The counts of a run."""
    return (f"programs {fuzz.programs}, calls {sum(fuzz.calls.values())} {dict(fuzz.calls)}, "
            f"bound hits {dict(fuzz.bound)}, rolled {fuzz.rolled}, failures {len(fuzz.failures)}")


# ---------------------------------------------------------------- tests


def run_seeds(seeds: range, **kind: bool) -> None:
    """The programs of ``seeds`` (of the ``kind`` of ``random_program``), under every check."""
    fuzz = Fuzz()
    if kind.get("wide"):
        fuzz.wide, fuzz.batch = True, 5
    for seed in seeds:
        src, dtype = random_program(seed, **kind)
        fuzz.program(src, dtype, seed, 6 if kind.get("wide") else 10)
    assert not fuzz.failures, report(fuzz) + "\n" + fuzz.failures[0]


def block_seeds(block: int, n: int) -> range:
    """A block's seeds: ``n`` of them, or ``TG_LOOPFUZZ_SEEDS`` of them (8 covers the
    earlier defaults, 7, 6, 8, 8 and 6 a block, lowered to keep CI under its limit)."""
    n = int(os.environ.get("TG_LOOPFUZZ_SEEDS", n))
    return range(block * n, block * n + n)


@pytest.mark.parametrize("block", range(3))
def test_seeded_random_programs_equal_eager_under_every_transform(block):
    run_seeds(block_seeds(block, 4))


@pytest.mark.parametrize("block", range(2))
def test_seeded_wide_programs_equal_eager_under_every_transform(block):
    # arrays, loop primitives, a loop in a function called twice; jvp, hessian, vmap(jit)
    run_seeds(block_seeds(block, 3), wide=True)


@pytest.mark.parametrize("block", range(2))
def test_seeded_list_programs_equal_eager_under_every_transform(block):
    # a Python list appended to and reduced, a loop over a list of arrays with np.dot,
    # Python's max/min/abs/sum and np.clip/np.where in loop bodies
    run_seeds(block_seeds(block, 4), lists=True)


@pytest.mark.parametrize("block", range(2))
def test_seeded_idiom_programs_equal_eager_under_every_transform(block):
    # a while on an array's norm, enumerate/zip over it, ws[i] += ..., a helper with an if
    run_seeds(block_seeds(block, 4), idioms=True)


@pytest.mark.parametrize("block", range(2))
def test_seeded_write_programs_equal_eager_under_every_transform(block):
    # m[i] = ..., m += ..., a mask and a traced index written, a dict mutated by a helper,
    # a comprehension with a traced condition, while loops to a tolerance
    run_seeds(block_seeds(block, 3), writes=True)


@settings(max_examples=20, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@given(st.data(), st.sampled_from(["py", "f32", "int"]), st.integers(0, 2**31))
def test_hypothesis_programs_equal_eager_under_every_transform(data, dtype, seed):
    src = Writer(Chooser(data=data)).program()
    fuzz = Fuzz()
    fuzz.program(src, dtype, seed)
    assert not fuzz.failures, report(fuzz) + "\n" + fuzz.failures[0]


# hunting: python tests/test_loopfuzz.py FIRST COUNT [N BATCH] [wide|lists|idioms|writes]
if __name__ == "__main__":
    import sys
    wide, lists, idioms, writes = (sys.argv[-1] == kind
                                   for kind in ("wide", "lists", "idioms", "writes"))
    argv = sys.argv[:-1] if wide or lists or idioms or writes else sys.argv
    first, count = int(argv[1]), int(argv[2])
    fuzz = Fuzz()
    fuzz.wide = wide
    fuzz.batch = int(argv[4]) if len(argv) > 4 else 5 if wide else 7
    for seed in range(first, first + count):
        src, dtype = random_program(seed, wide, lists, idioms, writes)
        before = len(fuzz.failures)
        print("seed", seed, file=sys.stderr, flush=True)
        fuzz.program(src, dtype, seed, int(argv[3]) if len(argv) > 3 else 6 if wide else 10)
        for failure in fuzz.failures[before:]:
            print(f"--- seed {seed} dtype {dtype}: {failure[:300]!r}", flush=True)
    print(report(fuzz))


# ---------------------------------------------------------------- regressions


def rising_while(x0, xs):
    s = x0
    w = x0
    while w < 2.0:
        w = w + 0.3 + 0.1 * tg.sin(s)
        s = s * 0.5 + 0.25
    return s + w


def trips(x0: float) -> int:
    """How many times ``rising_while``'s loop runs at ``x0``."""
    n, s, w = 0, x0, x0
    while w < 2.0:
        w, s, n = w + 0.3 + 0.1 * math.sin(s), s * 0.5 + 0.25, n + 1
    return n


@pytest.mark.parametrize("make", [tg.grad, tg.value_and_grad,
                                  lambda f: tg.grad(tg.grad(f))],
                         ids=["grad", "value_and_grad", "grad_grad"])
@pytest.mark.parametrize("dtype", ["py", "f32", "int"])
def test_the_gradient_of_a_jitted_while_loop_at_trip_counts_never_traced(make, dtype):
    # the compiled while loop runs any trip count; the tape it recorded, one
    d, eager = make(tg.jit(rising_while)), make(rising_while)
    x0s = [0.0, -1.0, 1.5, -3.0, 2.5, -7.0]
    assert len({trips(x) for x in x0s}) == len(x0s)
    for x0 in x0s:
        x = scalar(x0, dtype)
        assert same(d(x, []), eager(x, []))


def halving_while(x0, xs):
    s = x0
    w = x0
    t = 0.5
    while w < 2.0:
        w = w + 0.3 + 0.1 * tg.sin(s)
        t = t * 0.5 + 1.0           # Python arithmetic: the tape shows t as a constant
    return w + t


def doubling_while(x0, xs):
    w = x0
    m = 1
    while w < 2.0:
        w = w * 0.5 + 1.1
        m = m * 2                   # a Python int, not stepped by a constant
    return w + m


@pytest.mark.parametrize("f", [halving_while, doubling_while])
@pytest.mark.parametrize("dtype", ["py", "f32", "int"])
def test_a_while_loop_changing_a_python_value_each_iteration_equals_eager(f, dtype):
    x0s = [scalar(x, dtype) for x in (0.0, -1.0, 1.5, -3.0, 2.5, -7.0, -2.0, 1.0)]
    for make in (tg.jit, lambda f: tg.jit(tg.grad(f)), lambda f: tg.grad(tg.jit(f))):
        fun, eager = make(f), (f if make is tg.jit else tg.grad(f))
        for x in x0s:
            assert same(fun(x, []), eager(x, []))
    v = np.array(x0s)
    assert same(tg.vmap(f, in_axes=(0, None))(v, []), np.stack([f(x, []) for x in v]))


def parity_in_an_arm(x0, xs):
    s = x0
    u = x0 * 0.5 - 0.25
    k = 0
    while k < 20:
        k += 1
        if u < 0.0:
            if tg.sin(s) > 0.0:
                pass
            elif k % 2 == 0:        # a Python choice inside the arm: no guard records it
                s = s * 0.9 + 0.37
                u = tg.sin(u) * 2.0 - 0.37
            s = -s
        else:
            u -= 0.25 * s
            s, u = u * 0.5, s + 0.1
    return s + u


@pytest.mark.parametrize("dtype", ["py", "f32", "int"])
def test_an_arm_choosing_by_a_python_counter_equals_eager(dtype):
    x0s = [scalar(x, dtype) for x in (4.0, -2.0, 0.0, -1.0, 3.0, -5.0, 1.0)]
    for make in (tg.jit, lambda f: tg.jit(tg.grad(f)), lambda f: tg.grad(tg.jit(f))):
        fun, eager = make(parity_in_an_arm), (parity_in_an_arm if make is tg.jit
                                              else tg.grad(parity_in_an_arm))
        for x in x0s:
            try:
                got = fun(x, [])
            except TypeError as e:
                assert SPECIALIZATIONS in str(e)
                continue
            assert same(got, eager(x, []))
    v = np.array(x0s)
    assert same(tg.vmap(parity_in_an_arm, in_axes=(0, None))(v, []),
                np.stack([parity_in_an_arm(x, []) for x in v]))


def alternating(x0):
    s = x0
    w = x0
    while w < 3.0:
        w = w + 0.3 + 0.1 * tg.sin(s)
        s = -s                      # d s / d x0 = (-1) ** trip count
    return s + x0 + w * 0.1


def alternating_trips(x0: float) -> int:
    """How many times ``alternating``'s loop runs at ``x0``."""
    s, w, n = x0, x0, 0
    while w < 3.0:
        w, s, n = w + 0.3 + 0.1 * math.sin(s), -s, n + 1
    return n


def at_trips(n: int) -> float:
    """An ``x0`` where ``alternating`` runs ``n`` times."""
    return next(float(x) for x in np.linspace(3.0, -10.0, 20000) if alternating_trips(x) == n)


@pytest.mark.parametrize("calls", [[[3, 4, 5]], [[3], [5], [4]], [[3, 5, 7], [4, 6]],
                                   [[2, 3, 4]], [list(range(0, 25))]],
                         ids=["one", "three", "two", "even", "many"])
def test_vmap_grad_of_a_while_loop_at_trip_counts_of_the_other_parity(calls):
    # traced at 3 iterations the backward pass is straight code for 3 iterations;
    # a probe at 5 agrees (cos(-s) = cos(s)), but 4 gives the derivative's other sign
    vg, g = tg.vmap(tg.grad(alternating)), tg.grad(alternating)
    for trips_ in calls:
        xs = np.array([at_trips(n) for n in trips_])
        assert same(vg(xs), np.stack([g(x) for x in xs]))
        assert same(tg.vmap(alternating)(xs), np.stack([alternating(x) for x in xs]))


def continue_skips_the_rest(x0, xs):
    s = x0
    for x in xs:
        s = s + 0.01 * x
        if s * x > 0.5:
            continue                # s after the loop: this line's value, or the next's
        s = s * 0.9 + x
    return s


@pytest.mark.parametrize("dtype", ["py", "f32", "int"])
def test_a_variable_read_after_a_loop_whose_last_iteration_continued(dtype):
    # traced where the last iteration continues; then where it does not
    f = continue_skips_the_rest
    calls = [(4.0, [1.0, -1.0, -2.0, 2.0]), (0.0, [2.0, 2.0, 0.0, -1.0]),
             (-1.0, [0.0, -1.0, 1.0, 1.0]), (3.0, [-1.0, 2.0, 2.0, 1.0])]
    calls = [(scalar(x0, dtype), [scalar(x, dtype) for x in xs]) for x0, xs in calls]
    for make in (tg.jit, lambda f: tg.jit(tg.grad(f)), lambda f: tg.grad(tg.jit(f))):
        fun, eager = make(f), (f if make is tg.jit else tg.grad(f))
        for x0, xs in calls:
            try:
                got = fun(x0, xs)
            except TypeError as e:
                assert SPECIALIZATIONS in str(e)
                continue
            assert same(got, eager(x0, xs))


def while_continue(x0, xs):
    s = x0
    w = x0
    while w < 3.0:
        w = w + 0.3
        s = s + 0.01 * w
        if tg.sin(s * 5.0) > 0.0:
            continue
        s = s * 0.9 + 0.1
    return s


@pytest.mark.parametrize("dtype", ["py", "f32"])
def test_a_while_loop_whose_last_iteration_continued_at_any_trip_count(dtype):
    jf, jg = tg.jit(while_continue), tg.jit(tg.grad(while_continue))
    for x in np.linspace(-3.0, 2.5, 60):
        x0 = scalar(x, dtype)
        assert same(jf(x0, []), while_continue(x0, []))
        try:
            got = jg(x0, [])
        except TypeError as e:
            assert SPECIALIZATIONS in str(e)
            continue
        assert same(got, tg.grad(while_continue)(x0, []))


@pytest.mark.parametrize("calls", [[[4, 5, 6]], [[5, 6, 7]], [[3, 4, 5, 6, 9, 12, 15]],
                                   [[4, 6], [5]]], ids=["456", "567", "seven", "later"])
def test_vmap_of_a_second_derivative_at_trip_counts_of_the_other_parity(calls):
    # the backward loop runs as many times, but numbers Python computed around it
    # hold for the traced parity only: a probe at another parity tells
    h = tg.grad(tg.grad(alternating))
    vh = tg.vmap(h)
    for trips_ in calls:
        xs = np.array([at_trips(n) for n in trips_])
        assert same(vh(xs), np.stack([h(x) for x in xs]))


def flat_rise(x0):
    w = x0
    while w < x0 + 1.5:
        w = w + 0.3 + 0.1 * (x0 / (1.0 + x0 * x0))
    return w * 0.1


def test_vmap_of_a_second_derivative_where_the_probe_cannot_tell():
    h = tg.grad(tg.grad(flat_rise))
    xs = np.array([-2.0, -1.0, 0.0, 4.0, 2.0, -1.0, -2.0, 4.0, -3.0, -3.0, 1.0, -2.0])
    assert same(tg.vmap(h)(xs), np.stack([h(x) for x in xs]))


def while_then_if(x0, xs):
    s = x0
    u = x0 * 0.5 - 0.25
    w = x0
    while w < 3.0:
        w = w + 0.3 + 0.1 * tg.sin(s)
        u = tg.sin(u) * 2.0 - x0 * 0.25
    if s > u:
        s = s - 0.3
    return s + u + w * 0.1


def test_jit_of_a_second_derivative_of_a_while_loop_then_an_if_in_float64():
    h = tg.grad(tg.grad(while_then_if))
    jh = tg.jit(h)
    for x in (1.0579336, 0.3418349, -0.5, 2.0, -2.5):
        try:
            got = jh(x, [])
        except TypeError as e:
            assert SPECIALIZATIONS in str(e)
            continue
        assert same(got, h(x, []))


def test_jit_of_a_second_derivative_of_a_while_loop_then_an_if_in_float32():
    h = tg.grad(tg.grad(while_then_if))
    jh = tg.jit(h)
    for x in (np.float32(1.0579336), np.float32(0.3418349)):
        assert same(jh(x, []), h(x, []))
