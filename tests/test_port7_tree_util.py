"""JAX's ``tests/tree_util_test.py``, ported to ``tg.tree``.

Round trips of JAX's TREES (None, empty containers, NamedTuples and their
subclasses, registered classes with aux data, dataclasses, OrderedDict,
defaultdict) and of plain leaves; the flatten order; ``tree.map`` over
several trees with the first as a prefix; the structure mismatches of
``flatten_up_to`` as ``tree.map`` errors naming the first path that differs;
key paths; ``unflatten`` with the wrong number of leaves; and the trees as
arguments and results of ``grad``.
"""

from __future__ import annotations

import collections
import dataclasses

import numpy as np
import pytest

import tapegrad as tg

ATuple = collections.namedtuple("ATuple", ("foo", "bar"))


class ANamedTupleSubclass(ATuple):
    pass


class AnObject:
    def __init__(self, x, y, z):
        self.x, self.y, self.z = x, y, z

    def __eq__(self, other):
        return type(other) is type(self) and (self.x, self.y, self.z) == (other.x, other.y, other.z)

    def __repr__(self):
        return f"AnObject({self.x},{self.y},{self.z})"


tg.tree.register(AnObject, lambda o: ((o.x, o.y), o.z), lambda z, xy: AnObject(xy[0], xy[1], z))


@dataclasses.dataclass
class ADataclass:
    x: tuple
    y: int


tg.tree.register_dataclass(ADataclass)

TREES = [
    (None, [], "None"),
    ((None,), [], "(None,)"),
    ((), [], "()"),
    ([()], [], "[()]"),
    ((1, 2), [1, 2], "(*, *)"),
    (((1, "foo"), ["bar", (3, None, 7)]), [1, "foo", "bar", 3, 7], "((*, *), [*, (*, None, *)])"),
    ([3], [3], "[*]"),
    ([3, ATuple(foo=(3, ATuple(foo=3, bar=None)), bar={"baz": 34})], [3, 3, 3, 34], None),
    ([AnObject(3, None, [4, "foo"])], [3], None),
    ({"a": 1, "b": 2}, [1, 2], "{'a': *, 'b': *}"),
    (ADataclass(x=(1, 2), y=3), [1, 2, 3], None),
    (collections.OrderedDict([("foo", 34), ("baz", 101), ("something", -42)]),
     [34, 101, -42], None),
    (collections.defaultdict(dict, [("foo", 34), ("baz", 101), ("something", -42)]),
     [101, 34, -42], None),
    (ANamedTupleSubclass(foo="hello", bar=3.5), ["hello", 3.5], None),
    ("foo", ["foo"], "*"),
    (0.1, [0.1], "*"),
    (1, [1], "*"),
    (object, [object], "*"),
]


@pytest.mark.parametrize("tree, leaves, shown", TREES)
def test_flatten_gives_the_leaves_in_order_and_unflatten_rebuilds_the_tree(tree, leaves, shown):
    xs, td = tg.tree.flatten(tree)
    assert xs == leaves
    back = tg.tree.unflatten(td, xs)
    assert back == tree and type(back) is type(tree)
    if isinstance(tree, collections.defaultdict):
        assert back.default_factory is dict
    if shown is not None:
        assert repr(td) == f"TreeDef({shown})"
    assert tg.tree.structure(tree) == td
    assert tg.tree.leaves(tree) == leaves


def test_the_flatten_order_is_depth_first_left_to_right():
    for t in ([0, ((1, 2), 3, (4, (5, 6, 7))), 8, 9], [0, ((1, (2, 3)), (4, (5, 6, 7))), 8, 9]):
        assert tg.tree.leaves(t) == list(range(10))


def test_map_over_several_trees_hands_subtrees_where_the_first_has_a_leaf():
    x = ((1, 2), (3, 4, 5))
    y = (([3], None), ({"foo": "bar"}, 7, [5, 6]))
    got = tg.tree.map(lambda *xs: tuple(xs), x, y)
    assert got == (((1, [3]), (2, None)), ((3, {"foo": "bar"}), (4, 7), (5, [5, 6])))


@pytest.mark.parametrize("tree, other, handed", [
    ([(1, 2), None, ATuple(foo=3, bar=7)],
     [({"foo": 7}, (3, 4)), None, ATuple(foo=(11, 9), bar=None)],
     [{"foo": 7}, (3, 4), (11, 9), None]),
    ([1], [{"a": 7}], [{"a": 7}]),
    ([1], [[7]], [[7]]),
    ([1], [(7,)], [(7,)]),
    ((1, 2), ({"a": 7}, {"a": 8}), [{"a": 7}, {"a": 8}]),
    ((1,), ([7],), [[7]]),
    ((1,), ((7,),), [(7,)]),
    ({"a": 1, "b": (2, 3)}, {"a": [7], "b": ([8], (9,))}, [[7], [8], (9,)]),
    ({"a": 1}, {"a": (7,)}, [(7,)]),
    ({"a": 1}, {"a": {"a": 7}}, [{"a": 7}]),
    (None, None, []),
])
def test_map_hands_the_subtrees_of_a_tree_the_first_is_a_prefix_of(tree, other, handed):
    got: list = []
    tg.tree.map(lambda a, b: got.append(b), tree, other)
    assert got == handed


@pytest.mark.parametrize("tree, other, path, theirs", [
    ([1, 2], [7], r"\(the root\)", r"\[\*\]"),
    ((1,), (7, 8), r"\(the root\)", r"\(\*, \*\)"),
    ({"a": 1}, {"a": 7, "b": 8}, r"\(the root\)", r"\{'a': \*, 'b': \*\}"),
    ({"a": 1}, {"b": 7}, r"\(the root\)", r"\{'b': \*\}"),
    ([1], {"a": 7}, r"\(the root\)", r"\{'a': \*\}"),
    ([1], (7,), r"\(the root\)", r"\(\*,\)"),
    ((1,), [7], r"\(the root\)", r"\[\*\]"),
    ([[1]], [7], r"\[0\]", "a leaf"),
    ([(1,)], [[7]], r"\[0\]", r"\[\*\]"),
    ([{"a": 1}], [{"b": 7}], r"\[0\]", r"\{'b': \*\}"),
    (({"a": 1},), ((7,),), r"\[0\]", r"\(\*,\)"),
    ({"a": [1]}, {"a": (7,)}, r"\['a'\]", r"\(\*,\)"),
    ({"a": {"a": 1}}, {"a": {"b": 7}}, r"\['a'\]", r"\{'b': \*\}"),
    ([ATuple(foo=1, bar=2)], [(1, 2)], r"\[0\]", r"\(\*, \*\)"),
    ([AnObject([1], (2,), {"a": [1]})], [([1], (2,), {"a": [1]})], r"\[0\]", r"\(\[\*\]"),
    (None, [2], r"\(the root\)", r"\[\*\]"),
])
def test_a_tree_that_does_not_have_the_first_as_a_prefix_is_named_where(tree, other, path,
                                                                         theirs):
    with pytest.raises(ValueError, match=f"differs from the first tree at {path}.*this one "
                                         f"{theirs}"):
        tg.tree.map(lambda a, b: a, tree, other)


def test_key_paths_print_as_indexing_for_every_kind_of_node():
    tree = [3, ATuple(foo=(3, ATuple(foo=3, bar=None)), bar={"baz": 34})]
    paths = [tg.tree.keystr(p) for p, _ in tg.tree.flatten_with_path(tree)[0]]
    assert paths == ["[0]", "[1].foo[0]", "[1].foo[1].foo", "[1].bar['baz']"]
    paths = [tg.tree.keystr(p) for p, _ in tg.tree.flatten_with_path(ADataclass((1, 2), 3))[0]]
    assert paths == [".x[0]", ".x[1]", ".y"]
    od = collections.OrderedDict([("foo", 34), ("baz", 101)])
    assert [tg.tree.keystr(p) for p, _ in tg.tree.flatten_with_path(od)[0]] == [
        "['foo']", "['baz']"]


@pytest.mark.parametrize("leaves", [[1], [1, 2, 3]])
def test_unflatten_with_another_number_of_leaves_says_both_counts(leaves):
    with pytest.raises(ValueError, match=f"2 leaves but {len(leaves)} were given"):
        tg.tree.unflatten(tg.tree.structure((1, 2)), leaves)


def test_structures_compare_by_container_kind_and_keys():
    s = tg.tree.structure
    assert s((1, 2)) == s((3, 4)) and s((1, 2)) != s([3, 4])
    assert s({"a": 1}) != s({"b": 1}) and s(ATuple(1, 2)) != s((1, 2))
    assert s(None) == s(None) and s(None) != s(())


def test_none_is_an_empty_subtree_that_map_keeps():
    assert tg.tree.map(lambda x: x * 2, {"a": None, "b": 1.0}) == {"a": None, "b": 2.0}
    assert tg.tree.map(lambda a, b: (a, b), (None, 1), (None, 2)) == (None, (1, 2))


def test_gradients_come_back_in_every_kind_of_container():
    trees = [
        ATuple(foo=1.5, bar=[2.0, -1.0]),
        ANamedTupleSubclass(foo=1.5, bar=2.0),
        [AnObject(1.5, 2.0, "aux")],
        ADataclass(x=(1.5, 2.0), y=-1.0),
        collections.OrderedDict([("z", 1.5), ("a", 2.0)]),
        collections.defaultdict(list, [("z", 1.5), ("a", 2.0)]),
    ]
    for t in trees:
        f = lambda t: sum(x ** 3 for x in tg.tree.leaves(t))  # noqa: E731
        g = tg.grad(f)(t)
        assert tg.tree.structure(g) == tg.tree.structure(t)
        assert tg.tree.leaves(g) == [3 * x ** 2 for x in tg.tree.leaves(t)]


@pytest.mark.parametrize("out", ["hello", (2, 3, 4), (7, 7)])
def test_a_registered_flatten_that_returns_no_pair_of_children_and_aux_is_named(out):
    bad = type("Bad", (), {})
    tg.tree.register(bad, lambda o: out, lambda aux, children: bad())
    for use in (tg.tree.flatten, tg.tree.flatten_with_path, lambda t: tg.grad(lambda t: 1.)(t)):
        with pytest.raises(TypeError, match=r"flatten registered for Bad returned .*"
                                            r"\(children, aux\)"):
            use([bad()])


def test_ravel_of_jaxs_trees_of_floats_round_trips():
    tree = [3., ATuple(foo=(np.ones(2), ATuple(foo=4., bar=None)), bar={"baz": np.eye(2)})]
    vec, unravel = tg.tree.ravel(tree)
    assert vec.shape == (1 + 2 + 1 + 4,)
    back = unravel(vec)
    assert tg.tree.structure(back) == tg.tree.structure(tree)
    for a, b in zip(tg.tree.leaves(back), tg.tree.leaves(tree)):
        np.testing.assert_array_equal(a, b)
