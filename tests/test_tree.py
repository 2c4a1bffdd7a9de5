"""Pytrees: flatten/unflatten round trips, key paths, registration, errors."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tapegrad as tg


class State(NamedTuple):
    mu: float
    nu: list


def test_dicts_sorted_lists_tuples_none_namedtuples():
    t = {"b": [1.0, (2.0, None)], "a": State(3.0, [4.0])}
    leaves, td = tg.tree.flatten(t)
    assert leaves == [3.0, 4.0, 1.0, 2.0]
    back = tg.tree.unflatten(td, leaves)
    assert back == t and type(back["a"]) is State
    assert tg.tree.leaves(None) == [] and tg.tree.leaves(5.0) == [5.0]


def test_paths_print_as_indexing():
    t = {"layers": [{"w": [0.0, 1.0]}], "s": State(0.0, [])}
    pairs, _ = tg.tree.flatten_with_path(t)
    assert [str(p) for p, _ in pairs] == [
        "['layers'][0]['w'][0]", "['layers'][0]['w'][1]", "['s'].mu"]
    assert tg.tree.keystr(pairs[1][0]) == "['layers'][0]['w'][1]"


def test_map_and_structure():
    a = {"x": [1.0, 2.0], "y": 3.0}
    assert tg.tree.map(lambda u, v: u + v, a, a) == {"x": [2.0, 4.0], "y": 6.0}
    assert tg.tree.structure(a) == tg.tree.structure({"x": [0, 0], "y": 0})
    assert tg.tree.structure(a) != tg.tree.structure({"x": [0], "y": 0})
    with pytest.raises(ValueError, match=r"argument 2 differs from the first tree at \['x'\]"):
        tg.tree.map(lambda u, v: u, a, {"x": [1.0], "y": 2.0})
    with pytest.raises(ValueError, match="leaves"):
        tg.tree.unflatten(tg.tree.structure(a), [1.0])


def test_register_custom_class_and_grad_through_it():
    class Affine:
        def __init__(self, w, b):
            self.w, self.b = w, b

    tg.tree.register(Affine, lambda a: ((a.w, a.b), None), lambda aux, ch: Affine(*ch))
    g = tg.grad(lambda m: m.w * 3.0 + m.b)(Affine(2.0, 1.0))
    assert isinstance(g, Affine) and (g.w, g.b) == (3.0, 1.0)
    with pytest.raises(ValueError, match="already registered"):
        tg.tree.register(Affine, lambda a: ((), None), lambda aux, ch: Affine(0, 0))


def test_unsortable_keys_are_a_clear_error():
    with pytest.raises(TypeError, match="sortable"):
        tg.tree.flatten({1: 1.0, "a": 2.0})


def test_leaf_errors_name_the_path():
    params = {"layers": [{"w": [1.0, "oops"]}]}
    with pytest.raises(TypeError, match=r"params\['layers'\]\[0\]\['w'\]\[1\] is a str"):
        tg.grad(lambda params: 0.0)(params)
    with pytest.raises(TypeError, match=r"x\['m'\] is an array of dtype bool"):
        tg.grad(lambda x: 0.0)({"m": np.array([True])})


trees = st.recursive(
    st.floats(allow_nan=False) | st.none(),
    lambda ch: st.lists(ch, max_size=3) | st.tuples(ch, ch)
    | st.dictionaries(st.text(max_size=3), ch, max_size=3),
    max_leaves=12)


@given(trees)
def test_round_trip(t):
    leaves, td = tg.tree.flatten(t)
    assert tg.tree.unflatten(td, leaves) == t
    assert tg.tree.structure(tg.tree.map(lambda x: x, t)) == td
    assert len(tg.tree.flatten_with_path(t)[0]) == td.num_leaves == len(leaves)


def test_map_takes_the_first_tree_as_a_prefix_of_the_others():
    # JAX's rule: where the first tree has a leaf, f gets the others' subtree there
    params = {"w": [1.0, 2.0], "b": 0.5}
    per_leaf = {"w": [[1.0, 10.0], [2.0, 20.0]], "b": {"lo": 0.0, "hi": 1.0}}
    got = tg.tree.map(lambda p, sub: (p, sub), params, per_leaf)
    assert got == {"w": [(1.0, [1.0, 10.0]), (2.0, [2.0, 20.0])],
                   "b": (0.5, {"hi": 1.0, "lo": 0.0})}
    assert tg.tree.map(lambda x, t: x * len(t), [1.0, 2.0], [(1, 2, 3), ()]) == [3.0, 0.0]
    assert tg.tree.map(lambda x, n: x is None and n, [None], [None]) == [None]


@pytest.mark.parametrize("other, path", [
    ({"w": [1.0], "b": 0.5}, r"\['w'\]"),              # a list of another length
    ({"w": [1.0, 2.0], "c": 0.5}, r"\(the root\)"),    # other keys
    ({"w": (1.0, 2.0), "b": 0.5}, r"\['w'\]"),          # a tuple for a list
    ({"w": [1.0, 2.0]}, r"\(the root\)"),
    ({"w": [1.0, 3.0], "b": 0.5, "extra": 1.0}, r"\(the root\)"),
    ([{"w": [1.0, 2.0], "b": 0.5}], r"\(the root\)"),
])
def test_map_names_the_first_path_where_the_trees_differ(other, path):
    params = {"w": [1.0, 2.0], "b": 0.5}
    with pytest.raises(ValueError, match=r"argument 2 differs from the first tree at " + path):
        tg.tree.map(lambda p, q: p, params, other)


def test_map_a_leaf_where_the_first_tree_has_a_container_is_an_error():
    with pytest.raises(ValueError, match=r"at \[1\]: the first has \[\*\] there, this one a leaf"):
        tg.tree.map(lambda p, q: p, [1.0, [2.0]], [1.0, 2.0])
