"""A packed program's two ends (issue 21), each bit for bit the program without it.

- the stack of every input, in order, reads the input list as it is
  (``_lanes_stack_list(L)``), not unpacked into one name per input first;
  an input read elsewhere too is taken out of the list on its own;
- lanes of a vector that are only returned are not unpacked one statement
  each: the returned list takes runs of them, in order or reversed, as
  starred slices of the vector's list;
- one lane of a vector read on its own is ``v.item(k)``, not the list of
  all its lanes (``single_lanes``);
- the generated builders of output trees (``jit``'s and ``tree.map``'s)
  take a list of leaves as one slice of the flat outputs.
"""

from __future__ import annotations

import math
import re
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_packing import CI, bits, build, eager_bits, networks, unpacked
from test_packstep import moons_examples, wide_loss
from test_pushed import SPECIAL, _params

import tapegrad as tg
from tapegrad.staging.program import Program
from tapegrad.staging.returned import spliced


def _without_ends():
    """jit as it lowered packed programs before: inputs unpacked, returned lanes one by one,
    one lane of a vector read through the list of all its lanes."""
    return mock.patch("tapegrad.staging.returned.stacks_inputs", lambda *a: -1), \
        mock.patch("tapegrad.staging.returned.returned_items", lambda *a: {}), \
        mock.patch("tapegrad.staging.packing.single_lanes", lambda prog: prog)


@pytest.mark.parametrize("reassociate", [False, True])
def test_the_moons_step_reads_its_inputs_as_a_list_and_returns_slices(reassociate):
    vg = tg.value_and_grad(wide_loss(tg.relu, moons_examples(30, 1)))
    traced_on = _params([2, 16, 16, 1], 0)
    packed = tg.jit(vg, reassociate=reassociate)
    source = packed.lower(traced_on).source
    a, b, c = _without_ends()
    with a, b, c:
        before = tg.jit(vg, reassociate=reassociate)
        old_source = before.lower(traced_on).source
    with unpacked():
        scalar = tg.jit(vg)
        scalar(traced_on)
    assert "_lanes_stack_list(L)" in source and "_lanes_stack_list" not in old_source
    assert ") = L" not in source and ") = L" in old_source          # no unpacking of L
    returned = source.rsplit("return ", 1)[1]
    assert returned.count("*r") >= 5                                # runs as slices
    items = re.compile(r"^ +r\d+ = r\d+\[\d+\]$", re.M)             # one lane a statement
    assert not items.findall(source) and len(items.findall(old_source)) > 300
    assert ".tolist()[" not in source and ".item(16)" in source     # one lane of 337
    assert ".tolist()[16]" in old_source
    for seed, special in enumerate(SPECIAL):
        p = _params([2, 16, 16, 1], seed + 1, special)
        got = packed(p)
        assert bits(got) == bits(before(p))
        if not reassociate:
            assert bits(got) == bits(scalar(p))
            if special is None or math.isfinite(sum(special.values())):
                assert eager_bits(got) == eager_bits(vg(p))


@settings(max_examples=20, deadline=None, derandomize=CI)
@given(networks)
def test_packed_ends_keep_the_bits_of_the_scalar_jit_and_eager(net):
    params, loss = build(net)
    vg = tg.value_and_grad(loss)
    packed = tg.jit(vg)
    a, b, c = _without_ends()
    with a, b, c:
        before = tg.jit(vg)
        want_before = bits(before(params))
    with unpacked():
        want = bits(tg.jit(vg)(params))
    got = packed(params)
    assert bits(got) == want == want_before
    assert eager_bits(got) == eager_bits(vg(params))


@settings(max_examples=60, deadline=None, derandomize=CI)
@given(st.lists(st.tuples(st.integers(0, 2), st.integers(0, 11)), min_size=1, max_size=40))
def test_spliced_returns_the_lanes_it_replaces_in_order(picks):
    """Any run of lanes (forward, backward, repeated, mixed lists) as the items would be."""
    lists = {100: [float(k) for k in range(12)], 101: [-float(k) for k in range(12)],
             102: [k + 0.5 for k in range(12)]}
    regs = {100: 7, 101: 8, 102: 9}
    items, outputs, texts = {}, [], []
    for n, (which, lane) in enumerate(picks):
        items[n] = (100 + which, lane)
        outputs.append(n)
        texts.append(f"r{regs[100 + which]}[{lane}]")
    outputs.append(200)                    # and an output that is not a lane
    texts.append("r3")
    prog = Program((), (), tuple(outputs), {}, ())
    source = spliced(prog, texts, items, regs)
    names = {f"r{regs[k]}": v for k, v in lists.items()}
    got = eval(source, {}, {**names, "r3": "other"})            # noqa: S307
    assert got == [lists[100 + w][k] for w, k in picks] + ["other"]
    assert source.count(",") <= len(picks)


def test_an_input_read_elsewhere_too_is_taken_out_of_the_list():
    """``b`` of the last layer starts the score's sum, besides the stack of all inputs."""
    vg = tg.value_and_grad(wide_loss(tg.relu, moons_examples(20, 2)))
    params = _params([2, 16, 16, 1], 3)
    source = tg.jit(vg).lower(params).source
    assert re.search(r"r\d+ = L\[\d+\]", source)
    with unpacked():
        want = bits(tg.jit(vg)(params))
    assert bits(tg.jit(vg)(params)) == want


def test_output_trees_take_rows_of_leaves_as_slices_and_each_is_a_list_of_its_own():
    def f(p):
        return [[x * 2.0 for x in row] for row in p], (p[0][0] + 1.0, p[1][1] - 1.0)
    p = [[0.5, -1.5, 2.0], [3.0, -0.0, 4.5]]
    jf = tg.jit(f)
    got = jf(p)
    assert got == f(p) and type(got[1]) is tuple
    assert bits(got) == bits(f(p))
    got[0][0].append(9.0)                          # the caller's to change
    again = jf(p)
    assert again == f(p) and again[0][0] is not again[0][1]
    big = [[k + 0.25 * j for j in range(10)] for k in range(4)]    # past _Known.MIN_LEAVES
    for _ in range(3):                             # tree.map keeps the structure as code
        mapped = tg.tree.map(lambda a, b: a - 0.5 * b, big, big)
    assert any(k.build is not None and k.leaves(big) is not None for k in tg.tree._KNOWN)
    assert mapped == [[a - 0.5 * a for a in row] for row in big]
    assert mapped[0] is not mapped[1] and all(type(row) is list for row in mapped)
