"""Programs the fuzzers found wrong, reduced; each checked as a family.

Pack fuzzer seed 1605, reduced: a Python loop over 8 examples whose body
sums shared and per-example floats into ``a`` and ``b``, ends in
``a if a > b else b`` and also returns ``tg.log(tg.abs(w))`` of a value
computed from the shared numbers alone. ``jit`` traced at inputs where only
example 5 takes ``a`` gives, at inputs where only example 4 does, example
4's ``b`` (5.182 for eager's 6.127) and example 5's ``a`` (3.12 for 6.425),
in float64, with no retrace. The loop over examples was rolled with the
``if`` in its body, and the pick (``a`` or ``b``, no equation of its own) was
read after the loop as each iteration's traced slot: ``s[12][5]`` for example
5 whatever its branch. A branching loop whose iterations of either outcome
have different values read after it now keeps its guards.
"""

from __future__ import annotations

import pytest

import tapegrad as tg


def pick_larger(shared, examples):
    out = []
    for e in examples:
        s0, s1, s2, s3, s4, s5 = shared
        x, y, z = e
        w = s5 + s1 + s0 + tg.exp(s2) + s1
        b = s1 + s4 + s1 + x
        a = s2 + x + s3 + s0 + s3 + z
        out.append((a if a > b else b, tg.log(tg.abs(w))))
    return out


FIRST = ([-0.54, 2.376, 2.552, 1.394, 1.152, -1.213],      # only example 5 takes a
         [[-0.653, -1.405, -0.3], [1.801, 1.027, -2.351], [-1.012, 2.858, -1.84],
          [-0.071, 0.052, -2.33], [2.011, -1.626, -0.352], [-1.207, -1.216, 1.561],
          [2.618, -0.25, -0.816], [0.944, -2.203, -2.613]])
THEN = ([0.721, 2.229, 2.282, -0.642, -0.779, 2.212],       # only example 4 takes a
        [[1.709, -0.778, -1.399], [-0.806, -1.841, -1.29], [-0.923, -2.339, -0.811],
         [-0.137, 0.173, -0.647], [1.503, 2.079, 2.905], [2.746, 0.782, -1.345],
         [-2.33, 0.805, -2.962], [-0.146, 1.172, -1.101]])


def test_the_reproducer_takes_a_at_one_example_each():
    for (shared, examples), k in ((FIRST, 5), (THEN, 4)):
        sums = [(shared[2] + x + shared[3] + shared[0] + shared[3] + z,
                 shared[1] + shared[4] + shared[1] + x) for x, _, z in examples]
        assert [i for i, (a, b) in enumerate(sums) if a > b] == [k]


def total(shared, examples):
    return sum(a + w for a, w in pick_larger(shared, examples))


@pytest.mark.parametrize("order", [(FIRST, THEN), (THEN, FIRST)])
@pytest.mark.parametrize("how", ["jit", "jit(grad)", "grad(jit)"])
def test_jit_of_a_python_branch_in_a_loop_over_examples_is_eager(how, order):
    make = {"jit": lambda: (tg.jit(pick_larger), pick_larger),
            "jit(grad)": lambda: (tg.jit(tg.grad(total)), tg.grad(total)),
            "grad(jit)": lambda: (tg.grad(tg.jit(total)), tg.grad(total))}[how]
    got, want = make()
    for shared, examples in order:
        assert got(shared, examples) == want(shared, examples)
