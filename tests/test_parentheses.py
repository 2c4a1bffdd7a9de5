"""jit writes an inlined expression without parentheses only where Python reads it alike.

``templates.needs`` says how tightly what fills each field of a spelling
must bind, ``templates.precedence`` how tightly a filled spelling binds.
Python's own parser is the judge: a spelling filled with an expression of
every precedence, bare where the rule allows it, must parse to the syntax
tree of the same spelling filled with that expression in parentheses. And
jit of a program mixing the operators returns eager's numbers, bit for bit.
"""

from __future__ import annotations

import ast
import math
import re

import pytest

import tapegrad as tg
from tapegrad.staging import source as src
from tapegrad.staging.spellings import spellings
from tapegrad.staging.templates import ATOM, needs, precedence

# an expression of each precedence (Python's operator table), lowest first
SAMPLES = ["lambda: a", "a if b else c", "a or b", "a and b", "not a", "a < b", "a | b",
           "a ^ b", "a & b", "a << b", "a + b", "a - b", "a * b", "a / b", "a % b", "-a",
           "a ** b", "f(a)", "a[0]", "a.b"]


def _rank(expr: str) -> int:
    """The expression's own precedence, as the template rules compute it."""
    return precedence(expr.replace("a", "{0}", 1)) if not re.match(r"^[a-z]\w*\(", expr) \
        else ATOM


TEMPLATES = sorted({t for sp in spellings.values() for t in (sp.exact, sp.float, sp.array)
                    if isinstance(t, str)} | {"{0} ** {1}", "{0} < {1}", "not {0}",
                                              "({0}, {1})", "{0} and {1}"})


def _parse(text: str) -> str:
    return ast.dump(ast.parse(text, mode="eval"))


@pytest.mark.parametrize("template", TEMPLATES)
def test_a_bare_filling_parses_as_the_parenthesized_one(template):
    fields = len(re.findall(r"\{\d+\}", template))
    arity = max([int(k) for k in re.findall(r"\{(\d+)\}", template)] + [-1]) + 1
    if not arity:
        return
    assert len(needs(template)) in (0, fields)
    for k in range(arity):
        for expr in SAMPLES:
            prec = min(_rank(expr), ATOM)
            args = [("x",)] * arity
            args[k] = (src.OPENS[prec], expr, src.CLOSE)
            got = "".join(src.fill(template, args, "impl"))
            want = template.replace("{impl}", "impl")
            want = re.sub(r"\{(\d+)\}", lambda m: f"({expr})" if int(m.group(1)) == k else "x",
                          want)
            assert _parse(got) == _parse(want), (template, expr, got)


def test_ranks_follow_pythons_table():
    ranks = [_rank(e) for e in SAMPLES[1:]]
    assert ranks == sorted(ranks)
    assert precedence("{0} * {1}") > precedence("{0} + {1}") > precedence("{0} < {1}")
    assert precedence("({0} / {1} if {1} else 0.0)") == ATOM      # parenthesized whole


@pytest.mark.parametrize("n", [50, 400])
def test_mixed_operators_compile_to_eagers_numbers(n):
    ops = [lambda x, c: x * c + c, lambda x, c: tg.sin(x) * c - x / c, lambda x, c: c - x * x,
           lambda x, c: tg.tanh(x + c) / (x - c), lambda x, c: -(x * c)]

    def f(x):
        for k in range(n):
            x = ops[k % len(ops)](x, 0.5 + k / n)
        return x
    for fun in (f, tg.value_and_grad(f)):
        jitted = tg.jit(fun)
        got, want = jitted(0.3), fun(0.3)
        assert repr(got) == repr(want)
        assert not math.isnan(tg.tree.leaves(got)[0])
