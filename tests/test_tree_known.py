"""tree.map on a structure met before: generated code, the walk's results and errors."""

from __future__ import annotations

from collections import OrderedDict
from typing import NamedTuple

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tapegrad as tg
from tapegrad import tree as tree_mod


class Pair(NamedTuple):
    a: list
    b: float


def reference_map(f, t, *rest):
    """tree.map as the walk does it: flatten every tree, apply, unflatten."""
    xs, td = tg.tree.flatten(t)
    others = [tg.tree.flatten(r)[0] for r in rest]
    return tg.tree.unflatten(td, [f(*a) for a in zip(xs, *others)])


def same(a, b):
    """Equal values in equal containers: type for type, key order for key order."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b or (a != a and b != b)


def mlp_like(seed: int):
    return tg.nn.mlp_init([2, 8, 4, 1], seed=seed)


big_trees = st.recursive(
    st.floats(allow_nan=False, width=64) | st.integers(-5, 5) | st.none(),
    lambda ch: st.lists(ch, min_size=2, max_size=6) | st.tuples(ch, ch)
    | st.dictionaries(st.sampled_from("abcdef"), ch, min_size=1, max_size=4)
    | st.builds(Pair, st.lists(ch, max_size=3), st.floats(-1, 1)),
    max_leaves=80)


@settings(max_examples=60, deadline=None)
@given(big_trees)
def test_a_structure_met_again_maps_as_the_walk_does(t):
    f = lambda x, y: (x, y) if x is None else x * 2 + y
    want = reference_map(f, t, t)
    for _ in range(3):                  # the second walk keeps the structure as code
        got = tg.tree.map(f, t, t)
        assert same(got, want)


def test_the_third_call_on_a_big_tree_does_not_walk_it(monkeypatch):
    params, grads = mlp_like(0), mlp_like(1)
    tg.tree.map(lambda p, g: p - 0.1 * g, params, grads)
    tg.tree.map(lambda p, g: p - 0.1 * g, params, grads)
    walks = []
    real = tree_mod._flatten
    monkeypatch.setattr(tree_mod, "_flatten", lambda x, out: walks.append(1) or real(x, out))
    got = tg.tree.map(lambda p, g: p - 0.1 * g, params, grads)
    assert walks == []
    assert same(got, reference_map(lambda p, g: p - 0.1 * g, params, grads))


def test_results_are_new_containers_each_call():
    params = mlp_like(2)
    for _ in range(3):
        a = tg.tree.map(lambda x: x, params)
    b = tg.tree.map(lambda x: x, params)
    a[0]["w"][0][0] = 99.0
    assert b[0]["w"][0][0] == params[0]["w"][0][0] != 99.0
    assert a is not params and a[0] is not params[0]


@pytest.mark.parametrize("change, path", [
    (lambda t: t[0].update(w=t[0]["w"][:-1]), r"\[0\]\['w'\]"),
    (lambda t: t[1].pop("b"), r"\[1\]"),
    (lambda t: t.append(1.0), r"\(the root\)"),
    (lambda t: t[2].update(b=tuple(t[2]["b"])), r"\[2\]\['b'\]"),
])
def test_a_second_tree_of_another_structure_is_still_named_by_its_path(change, path):
    params = mlp_like(3)
    for _ in range(3):
        tg.tree.map(lambda p, q: p, params, params)
    other = mlp_like(3)
    change(other)
    with pytest.raises(ValueError, match=r"argument 2 differs from the first tree at " + path):
        tg.tree.map(lambda p, q: p, params, other)


def test_a_prefix_tree_still_hands_subtrees_after_the_structure_is_known():
    params = mlp_like(4)
    for _ in range(3):
        tg.tree.map(lambda p, q: p, params, params)
    deeper = tg.tree.map(lambda p: [p, -p], params)   # a list where params has a leaf
    got = tg.tree.map(lambda p, pair: p + pair[0] + pair[1], params, deeper)
    assert same(got, tg.tree.map(lambda p: p + p - p, params))


def test_leaves_of_other_types_and_containers_of_other_kinds_take_the_walk():
    params = mlp_like(5)
    for _ in range(3):
        tg.tree.map(lambda p: p, params)
    as32 = tg.tree.map(np.float32, params)            # same containers, other leaf type
    got = tg.tree.map(lambda p: p * 2, as32)
    assert same(got, reference_map(lambda p: p * 2, as32))
    assert type(got[0]["b"][0]) is np.float32
    ordered = [OrderedDict(sorted(layer.items(), reverse=True)) for layer in params]
    got = tg.tree.map(lambda p: p, ordered)
    assert type(got[0]) is OrderedDict and list(got[0]) == ["w", "b"]
    tupled = [(layer["b"], layer["w"]) for layer in params]
    assert same(tg.tree.map(lambda p: p, tupled), tupled)


def test_traced_leaves_map_inside_a_transform():
    params = mlp_like(6)
    for _ in range(3):
        tg.tree.map(lambda p: p, params)
    loss = lambda p: tg.tree.ravel(tg.tree.map(lambda x: x * x, p))[0].sum()
    g = tg.grad(loss)(params)
    assert same(tg.tree.structure(g), tg.tree.structure(params))
    assert np.allclose(tg.tree.ravel(g)[0], 2 * tg.tree.ravel(params)[0])
