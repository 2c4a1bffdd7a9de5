"""Registered pytree classes under every transform (JAX's tree_util_test custom
nodes, api_test's custom-node in_axes), with their aux data.

A class registered with ``tg.tree.register`` (aux data beside its children)
and a dataclass with ``register_dataclass``: ``jit`` retraces for new aux
data only; ``grad``, ``jvp``, ``vjp``, ``jacobian`` and ``vmap`` keep the
class; ``in_axes`` as an instance of the class with ``None`` for an
unmapped child (as JAX reads ``None`` in axes: a leaf, in every kind of
container); structures print their aux data as JAX does, so two that differ
only in it read differently in errors; aux data that cannot be hashed is
named with its node.
"""

from __future__ import annotations

import collections
import dataclasses

import numpy as np
import pytest

import tapegrad as tg


class Obj:
    def __init__(self, x, y, z):
        self.x, self.y, self.z = x, y, z

    def __repr__(self):
        return f"Obj({self.x!r}, {self.y!r}, {self.z!r})"


tg.tree.register(Obj, lambda o: ((o.x, o.y), o.z), lambda z, xy: Obj(xy[0], xy[1], z))


@dataclasses.dataclass
class Params:
    w: object
    b: object


tg.tree.register_dataclass(Params)
Pair = collections.namedtuple("Pair", "a b")


def test_jit_retraces_for_new_aux_data_only():
    side = []

    def f(o):
        side.append(o.z)
        return o.x * o.y * (2.0 if o.z == "a" else 3.0)
    j = tg.jit(f)
    assert (j(Obj(1., 2., "a")), j(Obj(1., 3., "a")), j(Obj(1., 2., "b"))) == (4., 6., 6.)
    assert side == ["a", "b"]


def test_derivatives_keep_the_class_and_its_aux():
    f = lambda o: o.x * o.y  # noqa: E731
    g = tg.grad(f)(Obj(1., 2., "a"))
    assert type(g) is Obj and (g.x, g.y, g.z) == (2., 1., "a")
    assert tg.jvp(f, (Obj(1., 2., "q"),), (Obj(1., 0., "q"),)) == (2., 2.)
    (ct,) = tg.vjp(lambda o: Obj(o.x * 2, o.y, o.z), Obj(1., 2., "q"))[1](Obj(1., 1., "q"))
    assert (ct.x, ct.y, ct.z) == (2., 1., "q")
    j = tg.jacobian(lambda o: tg.stack([o.x, o.y]))(Obj(1., 2., "q"))
    np.testing.assert_array_equal(j.x, [1., 0.])
    np.testing.assert_array_equal(j.y, [0., 1.])
    out = tg.jacobian(lambda x: Obj(x, x * 2, "q"))(1.5)
    assert (out.x, out.y, out.z) == (1., 2., "q")


def test_vmap_maps_the_children_and_keeps_the_aux():
    got = tg.vmap(lambda o: Obj(o.x * 2, o.y, o.z))(Obj(np.arange(3.), np.ones(3), "k"))
    assert got.z == "k"
    np.testing.assert_array_equal(got.x, [0., 2., 4.])
    np.testing.assert_array_equal(got.y, np.ones(3))


@pytest.mark.parametrize("make", [lambda x, y: Obj(x, y, "k"), Params, Pair,
                                  lambda x, y: collections.defaultdict(list, {"a": x, "b": y}),
                                  lambda x, y: collections.OrderedDict([("a", x), ("b", y)])])
def test_none_in_in_axes_is_an_unmapped_child_in_every_kind_of_container(make):
    xs = np.arange(3.)
    leaves = lambda t: tg.tree.leaves(t)  # noqa: E731
    f = lambda t: leaves(t)[0] * leaves(t)[1]  # noqa: E731
    got = tg.vmap(f, in_axes=(make(0, None),))(make(xs, 2.0))
    np.testing.assert_array_equal(got, np.array([f(make(x, 2.0)) for x in xs]))


def test_in_axes_with_other_aux_data_is_named_with_both():
    with pytest.raises(ValueError, match=r"Obj\['other'\]\(\*, \*\).*Obj\['k'\]\(\*, \*\)"):
        tg.vmap(lambda o: o.x * o.y, in_axes=(Obj(0, None, "other"),))(Obj(np.arange(3.), 2.0,
                                                                           "k"))


def test_structures_that_differ_only_in_aux_data_read_differently():
    assert repr(tg.tree.structure(Obj(1., 2., "q"))) == "TreeDef(Obj['q'](*, *))"
    assert tg.tree.structure(Obj(1., 2., "q")) != tg.tree.structure(Obj(1., 2., "r"))
    with pytest.raises(ValueError, match=r"tangent for o.*Obj\['r'\].*Obj\['q'\]"):
        tg.jvp(lambda o: o.x * o.y, (Obj(1., 2., "q"),), (Obj(1., 0., "r"),))
    with pytest.raises(ValueError, match=r"first has Obj\['q'\]\(\*, \*\).*Obj\['r'\]"):
        tg.tree.map(lambda a, b: a + b, Obj(1., 2., "q"), Obj(3., 4., "r"))
    od = collections.OrderedDict([("b", 1.), ("a", 2.)])
    assert repr(tg.tree.structure(od)) == "TreeDef(OrderedDict({'b': *, 'a': *}))"
    assert repr(tg.tree.structure(Pair(1., 2.))) == "TreeDef(Pair(*, *))"
    assert repr(tg.tree.structure(Params(1., 2.))) == "TreeDef(Params(*, *))"


@pytest.mark.parametrize("aux, kind", [([1, 2], "list"), (np.ones(2), "ndarray")])
def test_aux_data_that_cannot_be_hashed_is_named_with_its_node(aux, kind):
    t = [Obj(1., 2., aux)]
    assert tg.tree.unflatten(*reversed(tg.tree.flatten(t)))[0].z is aux   # round trip works
    match = f"aux data .* \\({kind}\\) of a Obj node is not hashable"
    with pytest.raises(TypeError, match=match):
        tg.jit(lambda t: t[0].x)(t)
    with pytest.raises(TypeError, match=match):
        hash(tg.tree.structure(t))
    if kind == "ndarray":
        with pytest.raises(TypeError, match=match):
            tg.tree.structure(t) == tg.tree.structure([Obj(1., 2., np.ones(2))])  # noqa: B015


def test_a_dataclass_field_that_is_no_number_is_named_by_its_attribute():
    with pytest.raises(TypeError, match=r"p\.b is a str"):
        tg.grad(lambda p: tg.sum(p.w))(Params(np.ones(2), "s"))
    with pytest.raises(TypeError, match=r"o\[1\] is a str"):
        tg.grad(lambda o: o.x)(Obj(1., "s", "q"))
    g = tg.grad(lambda p: tg.sum(p.w) * p.b)(Params(np.ones(2), 3.))
    np.testing.assert_array_equal(g.w, [3., 3.])
    assert g.b == 2.
