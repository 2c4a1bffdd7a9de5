"""Cases after JAX's tree_util_test.py: ``is_leaf`` on the functions of ``tg.tree``.

A subtree for which ``is_leaf`` is true is one leaf, asked before its
container type (the root too, and ``None``); ``map`` reads the other
trees up to those leaves. Structures and paths come out as JAX's do.
"""

from __future__ import annotations

import collections

import numpy as np
import pytest

import tapegrad as tg

Pair = collections.namedtuple("Pair", "w b")
is_tuple = lambda x: isinstance(x, tuple)      # noqa: E731


def test_is_leaf_makes_a_subtree_one_leaf_in_flatten_leaves_and_structure():
    t = {"a": (1.0, 2.0), "b": [np.ones(2), None], "c": None}
    leaves, td = tg.tree.flatten(t, is_leaf=is_tuple)
    assert leaves[0] == (1.0, 2.0) and len(leaves) == 2
    np.testing.assert_array_equal(leaves[1], np.ones(2))
    assert tg.tree.unflatten(td, leaves) == {"a": (1.0, 2.0), "b": [leaves[1], None], "c": None}
    assert td.num_leaves == 2 and tg.tree.structure(t, is_leaf=is_tuple) == td
    assert tg.tree.leaves(t, is_leaf=lambda x: x is None)[3:] == [None, None]
    assert tg.tree.leaves([None, 1.0], is_leaf=lambda x: x is None) == [None, 1.0]
    assert tg.tree.leaves(t, is_leaf=lambda x: True) == [t]          # the root is asked
    assert tg.tree.structure(t, is_leaf=lambda x: False) == tg.tree.structure(t)
    assert tg.tree.leaves(Pair(1.0, (2.0, 3.0)), is_leaf=lambda x: type(x) is tuple) == \
        [1.0, (2.0, 3.0)]


def test_is_leaf_paths_print_where_the_leaf_sits():
    pairs, _ = tg.tree.flatten_with_path({"p": [(1.0, 2.0), 3.0], "q": 4.0},
                                         is_leaf=is_tuple)
    assert [(str(k), v) for k, v in pairs] == [("['p'][0]", (1.0, 2.0)),
                                               ("['p'][1]", 3.0), ("['q']", 4.0)]


def test_map_with_is_leaf_passes_the_subtree_and_reads_the_others_up_to_it():
    out = tg.tree.map(lambda p: p[0] * p[1], {"x": (2.0, 3.0), "y": [(1.0, 4.0)]},
                      is_leaf=is_tuple)
    assert out == {"x": 6.0, "y": [4.0]}
    out = tg.tree.map(lambda p, q: (p, q), {"x": (1.0, 2.0)}, {"x": [5.0]}, is_leaf=is_tuple)
    assert out == {"x": ((1.0, 2.0), [5.0])}
    out = tg.tree.map(lambda x: 0.0 if x is None else 2 * x, [1.0, None, {"k": None}],
                      is_leaf=lambda x: x is None)
    assert out == [2.0, 0.0, {"k": 0.0}]
    with pytest.raises(ValueError, match="argument 2 differs"):
        tg.tree.map(lambda p, q: p, {"x": (1.0, 2.0)}, {"y": 1.0}, is_leaf=is_tuple)


def test_an_sgd_step_over_param_grad_pairs_is_the_closed_form_under_jit():
    params = {"layer": Pair(np.array([0.5, -1.0]), 0.25), "scale": 2.0}

    def loss(p):
        return p["scale"] * np.sum(p["layer"].w ** 2) + p["layer"].b ** 2

    def step(p):
        g = tg.grad(loss)(p)
        zipped = tg.tree.map(lambda a, b: (a, b), p, g)
        return tg.tree.map(lambda ab: ab[0] - 0.1 * ab[1], zipped,
                           is_leaf=lambda x: type(x) is tuple)
    new = step(params)
    w = params["layer"].w
    np.testing.assert_allclose(new["layer"].w, w - 0.1 * 2.0 * 2 * w, rtol=1e-15)
    assert new["layer"].b == pytest.approx(0.25 - 0.1 * 0.5, rel=1e-15)
    assert new["scale"] == pytest.approx(2.0 - 0.1 * np.sum(w ** 2), rel=1e-15)
    assert type(new["layer"]) is Pair
    jitted = tg.jit(step)(params)
    for a, b in zip(tg.tree.leaves(jitted), tg.tree.leaves(new)):
        np.testing.assert_array_equal(a, b)


def test_a_treedef_unflattens_and_flattens_up_to_itself_as_jaxs_does():
    t = {"a": [1.0, Pair(2.0, None)], "b": ()}
    td = tg.tree.structure(t)
    assert td.unflatten([10.0, 20.0]) == {"a": [10.0, Pair(20.0, None)], "b": ()}
    assert td.unflatten(tg.tree.leaves(t)) == t
    inner = {"x": np.ones(2)}
    parts = td.flatten_up_to({"a": [inner, Pair((3.0, 4.0), None)], "b": ()})
    assert parts[0] is inner and parts[1] == (3.0, 4.0)
    with pytest.raises(ValueError, match=r"\['a'\]"):
        td.flatten_up_to({"a": 1.0, "b": ()})
    with pytest.raises(ValueError, match="2 leaves but 1"):
        td.unflatten([1.0])
    grads = tg.grad(lambda p: p["a"][0] * p["a"][1].w)(t)
    assert td.flatten_up_to(grads) == [2.0, 1.0]
