"""vmap's later calls at a signature give what its first call and a Python loop give.

A vmapped function keeps, per signature (tree structure, leaf types, the
dtype and example shape of arrays, the value of constants), a quick call
where the first call ran one compiled program (scalar code without
guards): the leaves go to the program as they are and the output tree is
built in one step. Each test compares later calls with the first call of a
fresh ``vmap`` and with a Python loop over the examples, bit for bit (the
same leaves, types, dtypes and bytes; the functions use arithmetic, ``abs``
and ``relu``, where a loop's scalar libm and NumPy's vector loops agree to
the bit), over the kinds of leaves, in_axes,
out_axes, batch sizes and compositions, and checks that results never share
memory with an input or with each other, that a changed signature is traced
again, and that errors stay the same.
"""

from __future__ import annotations

import gc
import sys
from typing import Any, NamedTuple

import numpy as np
import pytest

import tapegrad as tg


def same(a: Any, b: Any) -> None:
    """Bit for bit: the same structure, leaf types, dtypes, shapes and bytes."""
    la, da = tg.tree.flatten(a)
    lb, db = tg.tree.flatten(b)
    assert da == db, (da, db)
    for x, y in zip(la, lb):
        assert type(x) is type(y), (type(x), type(y))
        assert np.shape(x) == np.shape(y)
        assert np.asarray(x).dtype == np.asarray(y).dtype, (np.asarray(x).dtype,
                                                            np.asarray(y).dtype)
        assert np.asarray(x).tobytes() == np.asarray(y).tobytes(), (x, y)


def equal(a: Any, b: Any) -> None:
    """As a loop gives: the same structure, leaf types, dtypes, shapes and values.

    Values compare as numbers (``-0.0 == 0.0``): a batched program may give a
    zero gradient's sign otherwise than eager does, on the first call as on
    later ones (``same`` compares those bit for bit).
    """
    la, da = tg.tree.flatten(a)
    lb, db = tg.tree.flatten(b)
    assert da == db, (da, db)
    for x, y in zip(la, lb):
        assert type(x) is type(y) and np.shape(x) == np.shape(y)
        assert np.asarray(x).dtype == np.asarray(y).dtype
        np.testing.assert_array_equal(x, y)


def loop(f: Any, args: tuple[Any, ...], in_axes: tuple[Any, ...], n: int) -> Any:
    """``f`` on each example (axis 0 of the batched arguments), the leaves stacked."""
    outs = []
    for i in range(n):
        ex = [tg.tree.map(lambda x: np.moveaxis(x, ax, 0)[i], a) if ax is not None else a
              for a, ax in zip(args, in_axes)]
        outs.append(f(*ex))
    return tg.tree.map(lambda *xs: np.stack([np.asarray(x) for x in xs]), *outs)


def check_calls(f: Any, in_axes: tuple[Any, ...], *batches: tuple[Any, ...]) -> None:
    """One vmapped ``f`` called on each batch (twice): a fresh vmap's first call and a loop."""
    v = tg.vmap(f, in_axes=in_axes)
    for args in batches:
        n = next(np.shape(tg.tree.leaves(a)[0])[ax] for a, ax in zip(args, in_axes)
                 if ax is not None)
        first = tg.vmap(f, in_axes=in_axes)(*args)
        got, again = v(*args), v(*args)
        same(got, first)
        same(again, first)
        if n:
            equal(got, loop(f, args, in_axes, n))


def mlp_loss(p: Any, x1: Any, x2: Any, t: Any) -> Any:
    return tg.nn.hinge(tg.nn.mlp(p, [x1, x2])[0], t) / 4.0


def data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r = np.random.RandomState(seed)
    return r.randn(n), r.randn(n), np.where(r.randn(n) > 0, 1.0, -1.0)


# ------------------------------------------------------ parameters of every kind
PARAMS = {
    "nested dict/list/tuple": {"a": [0.5, -1.25], "b": (2.0, {"c": -0.75, "d": [0.25]})},
    "int leaves (constants)": {"a": [0.5, -1.25], "k": 3, "b": (2.0, {"c": -0.75, "d": [2]})},
    "float32 scalar": {"a": [0.5, np.float32(-1.25)], "b": (2.0, {"c": -0.75, "d": [0.25]})},
    "NumPy float64 scalar": {"a": [np.float64(0.5), -1.25], "b": (2.0, {"c": -0.75,
                                                                     "d": [0.25]})},
    "0-d array": {"a": [0.5, np.array(-1.25)], "b": (2.0, {"c": -0.75, "d": [0.25]})},
    "NumPy int scalar": {"a": [0.5, -1.25], "b": (np.int64(2), {"c": -0.75, "d": [0.25]})},
}


def scalar_loss(p: Any, x: Any) -> Any:
    a0, a1 = p["a"]
    b0, rest = p["b"]
    h = (a0 * x + a1) / (1.0 + abs(x)) * b0 + rest["c"] * x * x
    for d in rest["d"]:
        h = h * d + tg.relu(h - d)
    return h * h


@pytest.mark.parametrize("name", list(PARAMS))
@pytest.mark.parametrize("transform", ["grad", "value_and_grad", "none"])
def test_leaves_of_every_kind_with_in_axes_none(name: str, transform: str) -> None:
    f = {"grad": tg.grad(scalar_loss), "value_and_grad": tg.value_and_grad(scalar_loss),
         "none": scalar_loss}[transform]
    p = PARAMS[name]
    xs = np.linspace(-1.5, 2.0, 7)
    check_calls(f, (None, 0), (p, xs), (p, xs[:3] * 2.0), (p, xs[:1]))


def test_the_moons_per_example_gradient_bit_for_bit() -> None:
    p = tg.nn.mlp_init([2, 16, 16, 1], seed=0)
    check_calls(tg.grad(mlp_loss), (None, 0, 0, 0), (p, *data(9)), (p, *data(4, 1)),
                (p, *data(1, 2)))
    check_calls(tg.value_and_grad(mlp_loss), (None, 0, 0, 0), (p, *data(6)))


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64, np.int32, np.uint8])
def test_batched_leaves_of_every_dtype(dtype: Any) -> None:
    f = lambda w, x: w * x * x - x / (1.0 + w)
    xs = np.arange(1, 6).astype(dtype)
    check_calls(f, (None, 0), (0.5, xs), (0.5, xs[:2]), (np.float32(0.5), xs))


def test_float_leaves_batched_along_axis_0_and_minus_1() -> None:
    f = lambda w, x, y: w * x - y
    xs, ys = np.linspace(0, 1, 5), np.linspace(-2, 2, 5)
    for axes in [(None, 0, -1), (None, -1, 0)]:
        check_calls(f, axes, (1.5, xs, ys), (2.5, xs[:2], ys[:2]))


# ------------------------------------------------------------- batch sizes
def test_batch_sizes_change_between_calls_including_0_and_1() -> None:
    p = tg.nn.mlp_init([2, 4, 1], seed=1)
    v = tg.vmap(tg.grad(mlp_loss), in_axes=(None, 0, 0, 0))
    for n in [5, 0, 1, 7, 0, 2]:
        args = (p, *data(n, n))
        got = v(*args)
        same(got, tg.vmap(tg.grad(mlp_loss), in_axes=(None, 0, 0, 0))(*args))
        for leaf in tg.tree.leaves(got):
            assert leaf.shape == (n,) and leaf.dtype == np.float64
        if n:
            equal(got, loop(tg.grad(mlp_loss), args, (None, 0, 0, 0), n))


# --------------------------------------------------------------- out_axes
def pair(w: Any, x: Any) -> Any:
    return {"y": w * x + 1.0, "w2": w * 2.0}


@pytest.mark.parametrize("out_axes", [0, -1, {"y": 0, "w2": None}, {"y": -1, "w2": 0}])
def test_out_axes_variants(out_axes: Any) -> None:
    xs = np.linspace(-1, 1, 4)
    v = tg.vmap(pair, in_axes=(None, 0), out_axes=out_axes)
    for w, x in [(0.5, xs), (1.5, xs[:2]), (2.5, xs[:0]), (0.5, xs)]:
        first = tg.vmap(pair, in_axes=(None, 0), out_axes=out_axes)(w, x)
        same(v(w, x), first)
        same(v(w, x), first)
        if isinstance(out_axes, dict) and out_axes["w2"] is None:
            same(first["w2"], np.array(w * 2.0))     # returned once, unbatched
        else:
            same(first["w2"], np.full(len(x), w * 2.0))
        same(first["y"], np.asarray(w * x + 1.0))


def test_out_axes_errors_stay_the_same_on_every_call() -> None:
    xs = np.linspace(-1, 1, 4)
    bad = tg.vmap(pair, in_axes=(None, 0), out_axes={"y": None, "w2": 0})
    wrong = tg.vmap(pair, in_axes=(None, 0), out_axes=1)
    for _ in range(3):
        with pytest.raises(ValueError, match=r"out_axes at \['y'\] is None, but that output"):
            bad(0.5, xs)
        with pytest.raises(ValueError, match=r"out_axes at \['w2'\] is 1"):
            wrong(0.5, xs)


def test_errors_stay_the_same_after_quick_calls() -> None:
    f = tg.vmap(lambda w, x, y: w * x + y, in_axes=(None, 0, 0))
    xs = np.linspace(0, 1, 4)
    same(f(2.0, xs, xs), 2.0 * xs + xs)
    for _ in range(2):
        with pytest.raises(ValueError, match="disagree on the batch size"):
            f(2.0, xs, xs[:3])
        with pytest.raises(TypeError, match="complex"):
            f(2.0, xs, xs + 1j)
        with pytest.raises(ValueError, match="no argument is batched"):
            tg.vmap(lambda w, x: w * x, in_axes=(None, None))(2.0, 3.0)
    same(f(2.0, xs, xs), 2.0 * xs + xs)


def test_many_gradients_are_rows_of_one_array_that_alias_nothing_else() -> None:
    """A 2-16-16-1 MLP's 337 per-example gradients: lanes of packed vectors, written as the
    rows of one new array (no column copied on its own); each row the loop's, bit for bit."""
    p = tg.nn.mlp_init([2, 16, 16, 1], seed=3)
    v = tg.vmap(tg.grad(mlp_loss), in_axes=(None, 0, 0, 0))
    args = (p, *data(7, seed=4))
    want = loop(tg.grad(mlp_loss), args, (None, 0, 0, 0), 7)
    first, second = v(*args), v(*args)
    same(first, want)
    same(second, want)
    leaves = tg.tree.leaves(second)
    bases = {id(a.base) for a in leaves if a.base is not None}
    assert len(bases) == 1 and len(leaves) - sum(a.base is None for a in leaves) >= 300
    for k, a in enumerate(leaves):
        assert a.flags.writeable and a.shape == (7,)
        assert not any(np.shares_memory(a, b) for b in leaves[k + 1:] + list(args[1:]))
    for leaf in leaves:
        leaf[...] = np.nan           # a caller writing into its rows changes no later call
    same(v(*args), want)
    same(first, want)


def test_rows_are_not_checked_one_by_one_and_a_gradient_returned_twice_is_copied() -> None:
    """The outputs that are rows of the program's one new array are known fresh when it
    compiles (``packing.row_outputs``), so a call checks only the others; a gradient tree
    returned twice comes back as arrays of their own each time."""
    from tapegrad.batching.quick import Quick
    p = tg.nn.mlp_init([2, 16, 16, 1], seed=3)
    g = tg.grad(mlp_loss)
    args = (p, *data(7, seed=4))
    v = tg.vmap(g, in_axes=(None, 0, 0, 0))
    v(*args)
    quicks = [q for q in gc.get_objects() if type(q) is Quick and len(q.batched) == 337]
    assert any(len(q.lowered.rows_at) >= 300 and len(q.check) < 40 for q in quicks)
    twice = tg.vmap(lambda *a: (g(*a), g(*a)), in_axes=(None, 0, 0, 0))
    want = loop(g, args, (None, 0, 0, 0), 7)
    for _ in range(2):
        out = twice(*args)
        same(out, (want, want))
        leaves = tg.tree.leaves(out)
        for k, a in enumerate(leaves):
            assert not any(np.shares_memory(a, b) for b in leaves[k + 1:] + list(args[1:]))


# ---------------------------------------------------------------- aliasing
def test_results_never_alias_an_input_or_each_other() -> None:
    f = lambda w, x: (x, x, w * x, w * x, w, 0.0)
    v = tg.vmap(f, in_axes=(None, 0))
    xs = np.linspace(1, 2, 5)
    keep = xs.copy()
    for _ in range(3):
        outs = v(1.5, xs)
        for k, o in enumerate(outs):
            assert type(o) is np.ndarray and o.shape == (5,) and o.flags.writeable
            assert not np.shares_memory(o, xs)
            assert not any(np.shares_memory(o, other) for other in outs[k + 1:])
        same(outs, (keep, keep, 1.5 * keep, 1.5 * keep, np.full(5, 1.5), np.zeros(5)))
        for o in outs:
            o[...] = -7.0           # mutating a result changes no input nor later result
        same(xs, keep)


def test_gradients_never_alias_each_other_and_are_the_callers_own() -> None:
    p = tg.nn.mlp_init([2, 3, 1], seed=2)
    v = tg.vmap(tg.grad(mlp_loss), in_axes=(None, 0, 0, 0))
    args = (p, *data(6))
    first = v(*args)
    second = v(*args)
    leaves = tg.tree.leaves(first) + tg.tree.leaves(second) + list(args[1:])
    for k, a in enumerate(leaves):
        assert a.flags.writeable
        assert not any(np.shares_memory(a, b) for b in leaves[k + 1:])
    want = tg.tree.map(np.copy, second)
    for leaf in tg.tree.leaves(first):
        leaf[...] = np.nan
    same(v(*args), want)
    same(second, want)


# ---------------------------------------------------------- cache keyed right
def test_a_changed_signature_is_traced_again() -> None:
    f = lambda p, x: p["w"] * x ** p["k"] + p["b"]
    v = tg.vmap(f, in_axes=(None, 0))
    xs = np.linspace(0.5, 1.5, 4)
    calls = [({"w": 2.0, "k": 2, "b": 1.0}, xs),
             ({"w": 2.0, "k": 3, "b": 1.0}, xs),               # a constant's value
             ({"w": np.float32(2.0), "k": 2, "b": 1.0}, xs),   # a leaf's type
             ({"w": 2.0, "k": 2, "b": 1.0}, xs.astype(np.float32)),   # an array's dtype
             ({"w": 2.0, "k": 2, "b": 1.0}, np.arange(4)),
             ({"w": 2.0, "k": 2, "b": 1.0}, np.ones((4, 3))),  # an example's shape
             ({"w": 2.0, "k": 2.0, "b": 1.0}, xs),             # 2 and 2.0 differ
             ({"w": 2.0, "k": 2, "b": 1.0}, xs[:2]),
             ({"w": 2.0, "k": 3, "b": -1.0}, xs)]
    for p, x in calls + calls:
        same(v(p, x), tg.vmap(f, in_axes=(None, 0))(p, x))
        equal(v(p, x), loop(f, (p, x), (None, 0), len(x)))


def test_many_constants_at_one_structure() -> None:
    f = lambda p, x: p["w"] * x ** p["k"]
    v = tg.vmap(f, in_axes=(None, 0))
    xs = np.linspace(0.5, 1.5, 3)
    for k in list(range(12)) * 2 + [3, 11, 0]:
        p = {"w": 0.5, "k": k}
        same(v(p, xs), tg.vmap(f, in_axes=(None, 0))(p, xs))
        equal(v(p, xs), loop(f, (p, xs), (None, 0), 3))


def test_a_constant_that_drives_range_and_keyword_arguments() -> None:
    def f(w: Any, n: Any, x: Any, scale: Any = 1.0) -> Any:
        for _ in range(n):
            x = tg.relu(w * x - 0.1) * scale + x / (2.0 + x * x)
        return x
    v = tg.vmap(f, in_axes=(None, None, 0))
    xs = np.linspace(-1, 1, 5)
    for n in [1, 3, 1, 0, 3]:
        equal(v(0.7, n, xs), loop(f, (0.7, n, xs), (None, None, 0), 5))
        for s in [np.linspace(1, 2, 5), np.linspace(2, 3, 5)]:
            got = v(0.7, n, xs, scale=s)
            same(got, tg.vmap(f, in_axes=(None, None, 0))(0.7, n, xs, scale=s))
            same(got, np.stack([np.asarray(f(0.7, n, x, s_)) for x, s_ in zip(xs, s)]))


def test_argument_structures_that_change_between_calls() -> None:
    def f(p: Any, x: Any) -> Any:
        return sum(w * x for w in tg.tree.leaves(p)) + x * x
    v = tg.vmap(f, in_axes=(None, 0))
    xs = np.linspace(-1, 1, 4)
    p = {"a": [0.5, 1.5], "b": (2.0, None)}
    structures = [p, {"a": [0.5, 1.5, 2.5], "b": (2.0, None)}, {"a": [0.5, 1.5], "c": (2.0, None)},
                  {"a": (0.5, 1.5), "b": (2.0, None)}, {"a": [0.5, 1.5], "b": (2.0, 3.0)},
                  {"a": [0.5, 1.5], "b": Point(2.0, None)}, {"a": [0.5, 1.5], "b": [2.0, None]},
                  {"a": [0.5, [1.5]], "b": (2.0, None)}, [0.5, 1.5, 2.0],
                  {"a": [], "b": (2.0, None)}, p]
    for q in structures + structures[::-1]:
        got = v(q, xs)
        same(got, tg.vmap(f, in_axes=(None, 0))(q, xs))
        equal(got, loop(f, (q, xs), (None, 0), 4))
    grows = [0.5, 1.5]
    for _ in range(3):                  # the same list, longer at each call
        same(v(grows, xs), tg.vmap(f, in_axes=(None, 0))(list(grows), xs))
        grows.append(1.0)
    kw = tg.vmap(lambda x, y=1.0, z=2.0: x * y + z)
    for kwargs in [{}, {"y": xs}, {"y": xs, "z": xs}, {"z": xs}, {}, {"y": xs}]:
        same(kw(xs, **kwargs), tg.vmap(lambda x, y=1.0, z=2.0: x * y + z)(xs, **kwargs))


class Later:
    """A class registered as a pytree node after a vmapped function met it as a leaf."""

    def __init__(self, v: Any) -> None:
        self.v = v


def test_a_class_registered_later_is_a_node_at_the_next_call() -> None:
    f = lambda c, x: c.v * x if isinstance(c.v, tg.Traced) else c.v * x + 1.0
    v = tg.vmap(f, in_axes=(None, 0))
    xs, c = np.linspace(-1, 1, 3), Later(2.0)
    same(v(c, xs), 2.0 * xs + 1.0)          # a constant of the trace: c.v a float
    same(v(c, xs), 2.0 * xs + 1.0)
    tg.tree.register(Later, lambda c: ((c.v,), None), lambda aux, ch: Later(ch[0]))
    same(v(c, xs), 2.0 * xs)                # a node now: c.v traced
    same(v(c, xs), tg.vmap(f, in_axes=(None, 0))(c, xs))


class Point(NamedTuple):
    x: Any
    y: Any


class Box:
    def __init__(self, items: Any) -> None:
        self.items = items


tg.tree.register(Box, lambda b: (b.items, None), lambda aux, ch: Box(list(ch)))


def test_output_trees_of_every_container() -> None:
    f = lambda w, x: {2: Point(w * x, (x,)), 1: [None, Box([x * x, w])], 3: {"e": [], "t": ()}}
    v = tg.vmap(f, in_axes=(None, 0))
    xs = np.linspace(0, 1, 3)
    for x in [xs, xs[:1], xs]:
        got = v(0.5, x)
        want = tg.vmap(f, in_axes=(None, 0))(0.5, x)
        assert list(got) == list(want) == [1, 2, 3]
        assert type(got[2]) is Point and type(got[1][1]) is Box and got[1][0] is None
        same(got[2], want[2])
        same(got[1][1].items, want[1][1].items)
        same(got[1][1].items, [x * x, np.full(len(x), 0.5)])
        assert got[3] == {"e": [], "t": ()}


# ------------------------------------------------------------ compositions
def test_jit_of_vmap_and_vmap_inside_grad() -> None:
    p = tg.nn.mlp_init([2, 3, 1], seed=3)
    v = tg.vmap(tg.grad(mlp_loss), in_axes=(None, 0, 0, 0))
    args = (p, *data(5))
    eager = v(*args)
    same(v(*args), eager)
    same(tg.jit(v)(*args), eager)
    same(tg.jit(v)(*args), eager)
    total = lambda p: tg.sum(tg.vmap(mlp_loss, in_axes=(None, 0, 0, 0))(p, *args[1:]))
    want = tg.grad(lambda p: sum(mlp_loss(p, a, b, c) for a, b, c in zip(*args[1:])))(p)
    got = tg.grad(total)(p)
    for g, w in zip(tg.tree.leaves(got), tg.tree.leaves(want)):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-15)
    equal(tg.vmap(mlp_loss, in_axes=(None, 0, 0, 0))(*args),
         loop(mlp_loss, args, (None, 0, 0, 0), 5))


def test_vmap_of_vmap_and_vmap_of_jit() -> None:
    f = lambda w, x: abs(w * x - 0.25) * w
    xs = np.linspace(-1, 1, 6).reshape(2, 3)
    vv = tg.vmap(tg.vmap(f, in_axes=(None, 0)), in_axes=(None, 0))
    vj = tg.vmap(tg.jit(f), in_axes=(None, 0))
    for _ in range(2):
        same(vv(0.5, xs), np.stack([np.stack([np.asarray(f(0.5, x)) for x in row])
                                    for row in xs]))
        same(vj(0.5, xs[0]), np.stack([np.asarray(f(0.5, x)) for x in xs[0]]))


def test_a_transcendental_program_equals_its_first_call_bit_for_bit() -> None:
    f = tg.grad(lambda w, x: tg.tanh(w[0] * x) * tg.exp(w[1] * x) + tg.sin(x * w[2]))
    w, xs = [0.5, -0.25, 2.0], np.linspace(-2, 2, 9)
    v = tg.vmap(f, in_axes=(None, 0))
    for x in [xs, xs[:4], xs]:
        got = v(w, x)
        same(got, tg.vmap(f, in_axes=(None, 0))(w, x))
        for g, want in zip(got, tg.tree.leaves(loop(f, (w, x), (None, 0), len(x)))):
            np.testing.assert_allclose(g, want, rtol=1e-15, atol=1e-300)


# ------------------------------------------------------- no work per leaf
def python_calls(fn: Any) -> int:
    """How many Python frames ``fn()`` runs (a generator's resumptions included)."""
    count = 0

    def counter(frame: Any, event: str, arg: Any) -> None:
        nonlocal count
        if event == "call":
            count += 1
    sys.setprofile(counter)
    try:
        fn()
    finally:
        sys.setprofile(None)
    return count


def test_a_later_call_runs_no_python_per_leaf() -> None:
    loss = lambda p, x: sum(w * x for w in p) * x
    counts = []
    for size in [10, 400]:
        p = [0.01 * k for k in range(size)]
        v = tg.vmap(tg.grad(loss), in_axes=(None, 0))
        xs = np.linspace(-1, 1, 8)
        v(p, xs)
        counts.append(python_calls(lambda: v(p, xs)))
        equal(v(p, xs), loop(tg.grad(loss), (p, xs), (None, 0), 8))
    assert counts[1] - counts[0] < 40, counts
