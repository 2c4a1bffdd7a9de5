"""Long runs and hostile use: primitives are freed, gradients never alias,
optimizers survive infinite parameters, the collector stays the user's, deep
pytrees work, and every mistake gets a message naming it."""

from __future__ import annotations

import gc
import itertools
import math
import threading
import tracemalloc
import weakref

import numpy as np
import pytest

import tapegrad as tg


# ------------------------------------------------------ primitives freed
def short_lived_primitive(k):
    big = np.full(10_000, float(k))                  # 80 KB the closure keeps
    prim = tg.primitive(lambda x: x * big[0], name=f"scale{k}")
    tg.defvjp(prim, lambda g, ans, x: g * float(big[0]))
    return prim


def test_a_primitive_nobody_references_is_collected():
    gc.collect()
    tracemalloc.start()
    start = tracemalloc.get_traced_memory()[0]
    refs = []
    for k in range(1_000):
        prim = short_lived_primitive(k)
        assert tg.grad(prim)(2.0) == float(k)
        refs.append(weakref.ref(prim))
        del prim
    gc.collect()
    grown = tracemalloc.get_traced_memory()[0] - start
    tracemalloc.stop()
    assert all(r() is None for r in refs)
    assert grown < 5_000_000, grown                  # it was 82 MB


def plus_one(prim):
    return lambda x: prim(x) + 1.0


def test_a_tape_keeps_its_primitives_alive():
    prim = short_lived_primitive(3)
    ref = weakref.ref(prim)
    tape = tg.make_tape(plus_one(prim))(2.0)
    del prim
    gc.collect()
    assert ref() is not None and tape(5.0) == 16.0
    del tape
    gc.collect()
    assert ref() is None


def live_primitives():
    gc.collect()
    return sum(1 for o in gc.get_objects() if type(o) is tg.Primitive)


def test_four_thousand_calls_leak_neither_memory_nor_primitives():
    params = tg.nn.mlp_init([2, 4, 1], seed=0)
    x = [0.3, -0.2]
    step = tg.value_and_grad(lambda p: tg.nn.mlp(p, x)[0] ** 2)
    for _ in range(200):                              # warm up every cache
        step(params)
    live = live_primitives()
    tracemalloc.start()
    start = tracemalloc.get_traced_memory()[0]
    for k in range(4_000):                            # a leak of 50 bytes a call fails
        _, g = step(params)
        if k % 400 == 0:
            prim = short_lived_primitive(k)           # and some custom ones
            tg.grad(prim)(1.0)
            del prim
    gc.collect()
    grown = tracemalloc.get_traced_memory()[0] - start
    tracemalloc.stop()
    assert grown < 200_000, grown
    assert live_primitives() == live


# --------------------------------------------------------- never alias
def arrays_in(*trees):
    return [x for t in trees for x in tg.tree.leaves(t) if isinstance(x, np.ndarray)]


def assert_own(outputs, *callers):
    outs = arrays_in(outputs)
    for a, b in itertools.combinations(outs, 2):
        assert not np.shares_memory(a, b)
    for a in outs:
        for b in arrays_in(*callers):
            assert not np.shares_memory(a, b)


def test_gradients_never_alias_each_other_or_the_callers_arrays():
    a, b = np.ones(3), np.arange(3.0)
    assert_own(tg.grad(lambda a, b: tg.sum(a + b), (0, 1))(a, b), a, b)
    assert_own(tg.value_and_grad(lambda a, b: tg.sum(a - b), (0, 1))(a, b)[1], a, b)
    assert_own(tg.grad(lambda p: tg.sum(p["x"] + p["y"]))({"x": a, "y": b}), a, b)
    ct = np.full(3, 2.0)
    _, pullback = tg.vjp(lambda x, y: x + y, a, b)
    got = pullback(ct)
    assert_own(got, a, b, ct)
    _, identity = tg.vjp(lambda x: x, a)
    assert_own(identity(ct), ct)
    t = np.ones(3)
    assert_own(tg.jvp(lambda x: [x, x], (a,), (t,))[1], t)
    assert_own(tg.jacrev(lambda a, b: tg.sum(a + b), (0, 1))(a, b), a, b)
    assert_own(tg.jacfwd(lambda a, b: tg.sum(a + b), (0, 1))(a, b), a, b)
    assert_own(tg.hessian(lambda a: tg.sum(a * a))(a), a)
    assert_own(tg.grad(lambda a: tg.sum(a * 2.0), argnums=(0, 0))(a), a)
    g1, g2 = tg.grad(lambda a, b: tg.sum(a + b), (0, 1))(a, b)
    g1 *= 0.5                                          # the common in-place update
    assert np.array_equal(g2, np.ones(3))


# ------------------------------------------------ optimizers at infinity
@pytest.mark.parametrize("opt", [tg.optim.adam(0.1), tg.optim.sgd(0.1, momentum=0.9),
                                 tg.optim.sgd(0.1)])
def test_optimizers_keep_an_infinite_parameter_infinite(opt):
    params = {"b": math.inf, "w": np.array([-math.inf, 1.0], dtype=np.float32)}
    state = opt.init(params)
    for leaf in tg.tree.leaves(state):
        assert not np.any(np.isnan(leaf))
    updates, state = opt.update({"b": 0.0, "w": np.zeros(2, np.float32)}, state, params)
    new = tg.optim.apply_updates(params, updates)
    assert new["b"] == math.inf and new["w"][0] == -math.inf and new["w"].dtype == np.float32


# ----------------------------------------------------------- debug_nans
def test_debug_nans_checks_a_pullback_made_outside_and_run_inside():
    _, pullback = tg.vjp(lambda x: tg.sqrt(x * x), 0.0)
    assert math.isnan(pullback(1.0)[0])              # outside the block: nan, quietly
    with tg.debug_nans(), pytest.raises(FloatingPointError, match=r"cotangent of v0"):
        pullback(1.0)
    _, jvp_out = tg.jvp(lambda x: tg.sqrt(x), (0.0,), (1.0,))
    with tg.debug_nans(), pytest.raises(FloatingPointError, match=r"tangent"):
        tg.jvp(lambda x: tg.sqrt(x) * 0.0, (0.0,), (1.0,))


# --------------------------------------------------------------- errors
@pytest.mark.parametrize("leaf, dtype", [(np.array([1 + 2j]), "complex128"),
                                         (np.array(["a"]), "<U1"),
                                         (np.array([object()]), "object")])
def test_arrays_that_are_not_numbers_are_named_by_their_dtype(leaf, dtype):
    with pytest.raises(TypeError, match=rf"p\['w'\] is an array of dtype {dtype}"):
        tg.grad(lambda p: 0.0)({"w": leaf})


def test_complex_inputs_and_cotangents_are_refused_with_the_fix():
    with pytest.raises(TypeError,
                       match=r"x is a complex: .*real numbers only.*real and imaginary parts"):
        tg.grad(lambda x: x)(1j)
    _, pullback = tg.vjp(lambda x: x * 2.0, np.ones(2))
    with pytest.raises(TypeError, match=r"cotangent is complex"):
        pullback(np.ones(2, dtype=complex))
    with pytest.raises(TypeError, match=r"cotangent\['a'\] is a str"):
        tg.vjp(lambda x: {"a": x}, 1.0)[1]({"a": "no"})


def test_a_custom_rule_of_the_wrong_type_or_shape_is_named():
    p = tg.primitive(lambda x: x * 2.0, name="double")
    tg.defvjp(p, lambda g, ans, x: "oops")
    tg.defjvp(p, lambda t, ans, x: np.ones(5))
    with pytest.raises(TypeError, match=r"vjp rule of primitive 'double' for input 0 "
                                        r"returned a str.*\(\(3,\)\)"):
        tg.grad(lambda x: tg.sum(p(x)))(np.ones(3))
    with pytest.raises(ValueError, match=r"jvp rule of primitive 'double' for input 0 "
                                         r"returned shape \(5,\), but the output has shape"):
        tg.jvp(p, (np.ones(3),), (np.ones(3),))
    q = tg.primitive(lambda x: x * 2.0, name="q")
    tg.defvjp(q, lambda g, ans, x: np.ones(4))
    with pytest.raises(ValueError, match=r"'q' for input 0 returned shape \(4,\), but that "
                                         r"input has shape \(3,\)"):
        tg.grad(lambda x: tg.sum(q(x)))(np.ones(3))


@pytest.mark.parametrize("make", [lambda: tg.grad(3.0), lambda: tg.value_and_grad(None),
                                  lambda: tg.jacrev("f"), lambda: tg.jacfwd(1),
                                  lambda: tg.hessian([]), lambda: tg.make_tape(2.0),
                                  lambda: tg.primitive(3.0)])
def test_a_non_callable_is_refused_at_once(make):
    with pytest.raises(TypeError, match=r"(expected a function to transform|impl must be a "
                                        r"function)"):
        make()


def test_small_mistakes_get_messages_that_say_what_to_pass():
    with pytest.raises(ValueError, match=r"softmax: got an empty list"):
        tg.softmax([])
    with pytest.raises(TypeError, match=r"tree.unflatten: treedef must be a TreeDef"):
        tg.tree.unflatten(list, [1.0])
    assert len(tg.nn.mlp_init(np.array([2, 3, 1]))) == 2      # NumPy ints are ints
    with pytest.raises(ValueError, match=r"sizes\[1\] is True \(bool\).*positive int"):
        tg.nn.mlp_init([2, True])
    with pytest.raises(ValueError, match=r"sizes\[0\] is 2.5"):
        tg.nn.mlp_init([2.5, 1])
    with pytest.raises(ValueError, match=r"has 1 layer"):
        tg.nn.mlp_init([3])


def test_a_python_int_beyond_float_range_is_infinite_as_ieee_says():
    assert tg.value_and_grad(lambda x: x * 10**400)(1.0) == (math.inf, math.inf)
    assert tg.value_and_grad(lambda x: 10**400 * x)(1.0) == (math.inf, math.inf)
    assert tg.value_and_grad(lambda x: x / 10**400)(1.0) == (0.0, 0.0)
    assert tg.value_and_grad(lambda x: x - 10**400)(1.0) == (-math.inf, 1.0)
    assert tg.exp(10**400) == math.inf
    tape = tg.make_tape(lambda x: x * 10**400)(1.0)
    assert tape(-2.0) == -math.inf


# --------------------------------------------------- the user's collector
def test_the_collectors_switch_stays_the_users():
    assert gc.isenabled()
    threshold = gc.get_threshold()
    try:
        def off_inside(x):
            gc.disable()
            return x * x
        tg.grad(off_inside)(2.0)
        assert not gc.isenabled()                    # what the user set holds
        gc.enable()

        def set_inside(x):
            gc.set_threshold(900, 5, 5)
            return x
        tg.grad(set_inside)(1.0)
        assert gc.get_threshold() == (900, 5, 5)
        gc.set_threshold(*threshold)

        started, done = threading.Event(), threading.Event()

        def slow(x):
            started.set()
            done.wait(10)
            return x * 2.0
        worker = threading.Thread(target=lambda: tg.grad(slow)(1.0))
        worker.start()
        started.wait(10)
        gc.disable()                                  # another thread, meanwhile
        done.set()
        worker.join()
        assert not gc.isenabled()
        gc.enable()
        tg.grad(lambda x: x * x)(1.0)
        assert gc.isenabled() and gc.get_threshold() == threshold
    finally:
        gc.enable()
        gc.set_threshold(*threshold)


# ------------------------------------------------------------ deep trees
def test_deep_pytrees_have_no_recursion_limit():
    deep: object = 1.5
    for _ in range(3_000):
        deep = [deep]
    assert tg.tree.leaves(deep) == [1.5]
    structure = tg.tree.structure(deep)
    assert structure == tg.tree.structure(deep) and hash(structure) == hash(
        tg.tree.structure(deep))
    assert structure != tg.tree.structure([deep])
    assert len(tg.tree.flatten_with_path(deep)[0][0][0]) == 3_000
    g = tg.grad(lambda t: tg.tree.leaves(t)[0] ** 2)(deep)
    assert tg.tree.leaves(g) == [3.0] and tg.tree.structure(g) == structure
    assert tg.tree.leaves(tg.tree.map(lambda x: x + 1.0, deep)) == [2.5]
    assert repr(structure).startswith("TreeDef([[[") and repr(structure).count("*") == 1
    wide = {"a": deep, "b": [deep, (deep,)]}
    assert tg.tree.unflatten(tg.tree.structure(wide), [1.0, 2.0, 3.0])["b"][1][0] is not None
