"""vmap's edges as JAX has them, each against a Python loop over the examples.

A batch of size 0, constant outputs, a guard on a one-element slice,
``in_axes=None`` arguments that are not numbers, ``in_axes`` as a list,
``out_axes=None``; the programs a vmapped function keeps (bounded, its own,
freed with it); and error messages that name the arguments.
"""

from __future__ import annotations

import gc
import tracemalloc
import weakref

import numpy as np
import pytest

import tapegrad as tg
import tapegrad.batching.interpret
import tapegrad.staging.packing

FLOATS = [np.float64, np.float32]


def examples(x, axis):
    """The examples of a batched argument, in order."""
    return [x] if axis is None else list(np.moveaxis(np.asarray(x), axis, 0))


def loop(f, args, in_axes=0, out_axes=0):
    """The reference: ``f`` on each example, stacked along ``out_axes``."""
    in_axes = in_axes if isinstance(in_axes, tuple | list) else (in_axes,) * len(args)
    n = next(len(examples(a, ax)) for a, ax in zip(args, in_axes) if ax is not None)
    outs = [f(*(a if ax is None else examples(a, ax)[i] for a, ax in zip(args, in_axes)))
            for i in range(n)]
    return tg.tree.map(lambda *ys: np.stack([np.asarray(y) for y in ys], axis=out_axes),
                       *outs)


def same(got, want, dtype=None):
    """Equal leaves, shapes and dtypes (float32 within its rounding)."""
    got_leaves, want_leaves = tg.tree.leaves(got), tg.tree.leaves(want)
    assert tg.tree.structure(got) == tg.tree.structure(want)
    for g, w in zip(got_leaves, want_leaves):
        g, w = np.asarray(g), np.asarray(w)
        assert g.shape == w.shape, (g.shape, w.shape)
        assert g.dtype == (w.dtype if dtype is None else dtype), (g.dtype, w.dtype)
        tol = 1e-6 if g.dtype == np.float32 else 1e-13
        assert np.allclose(g, w, rtol=tol, atol=tol, equal_nan=True), (g, w)


def scalar_fn(x):
    return tg.sin(x) * 2.0 + x * x


def vector_fn(x):                        # (3,) -> (2,)
    return tg.stack([tg.sum(x * x), tg.sum(tg.tanh(x))])


def guarded_fn(x):                       # (2,) -> (): a branch on the example
    if x[0] > 0:
        return tg.sum(x * 2.0)
    return -tg.sum(x * x)


# ----------------------------------------------------------------- size 0
@pytest.mark.parametrize("dtype", FLOATS + [np.int64, np.int32])
@pytest.mark.parametrize("f, example_shape", [(scalar_fn, ()), (vector_fn, (3,)),
                                              (guarded_fn, (2,)),
                                              (lambda x: x * np.ones((2, 2)), ())])
def test_a_batch_of_size_zero_has_the_trailing_shape_and_dtype(f, example_shape, dtype):
    full = np.linspace(-3.0, 3.0, 4 * int(np.prod(example_shape))).astype(dtype)
    full = full.reshape((4,) + example_shape)
    want = loop(f, (full,))                    # the trailing shape and dtype of the loop
    empty = full[:0]
    for got in (tg.vmap(f)(empty), tg.jit(tg.vmap(f))(empty)):
        assert got.shape == (0,) + want.shape[1:] and got.dtype == want.dtype
    moved = tg.vmap(f, in_axes=-1 if example_shape else 0, out_axes=-1)(
        np.moveaxis(empty, 0, -1))
    assert moved.shape == want.shape[1:] + (0,) and moved.dtype == want.dtype
    same(tg.vmap(f)(full), want)               # and the full batch is the loop


@pytest.mark.parametrize("dtype", FLOATS)
def test_a_batch_of_size_zero_under_grad_and_with_unbatched_arguments(dtype):
    w = np.array([1.0, -2.0, 0.5], dtype=dtype)
    f = lambda x, w: tg.sum(tg.tanh(x * w))       # noqa: E731
    full = np.linspace(-1.0, 1.0, 12).reshape(4, 3).astype(dtype)
    want = loop(tg.grad(f), (full, w), (0, None))
    got = tg.vmap(tg.grad(f), in_axes=(0, None))(full[:0], w)
    assert got.shape == (0, 3) and got.dtype == want.dtype
    got = tg.jit(tg.vmap(tg.grad(f), in_axes=[0, None]))(full[:0], w)
    assert got.shape == (0, 3) and got.dtype == want.dtype
    both = tg.vmap(lambda x, w: (f(x, w), w * 2.0), in_axes=(0, None))(full[:0], w)
    assert both[0].shape == (0,) and both[1].shape == (0, 3)


# ----------------------------------------------------------------- constants
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("const", [lambda d: np.ones(3, dtype=d), lambda d: 2.5,
                                   lambda d: np.arange(6.0, dtype=d).reshape(2, 3),
                                   lambda d: d(4.0)])
def test_a_constant_output_is_broadcast_over_the_batch(const, dtype):
    xs = np.array([1.0, -2.0, 3.0, 0.5], dtype=dtype)
    c = const(dtype)
    f = lambda x: c                                           # noqa: E731
    same(tg.vmap(f)(xs), loop(f, (xs,)))
    same(tg.jit(tg.vmap(f))(xs), loop(f, (xs,)))
    g = lambda x: (x * 2.0, c)                                # noqa: E731
    same(tg.vmap(g)(xs), loop(g, (xs,)))
    if np.ndim(c):
        same(tg.vmap(f, out_axes=-1)(xs), loop(f, (xs,), out_axes=-1))
    got = tg.vmap(tg.grad(lambda x: 3.0 * x))(xs)             # a constant derivative
    assert np.array_equal(got, [3.0] * 4)


# ----------------------------------------------------------------- guards
def slice_guard(x):
    if x[0:1] > 0:                              # a one-element slice decides
        return tg.sum(tg.sin(x)) * 2.0
    return -tg.sum(x * x)


def index_guard(x):
    if x[-1] * 2.0 < x[0]:
        return tg.sum(x[1:] * x[0])
    return tg.sum(tg.exp(x))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("f", [slice_guard, index_guard, guarded_fn])
def test_a_guard_on_a_one_element_slice_splits_the_batch(f, dtype):
    xs = np.array([[1.0, 2.0], [-1.0, 3.0], [2.0, -2.0], [-0.5, -4.0], [3.0, 0.25]],
                  dtype=dtype)
    same(tg.vmap(f)(xs), loop(f, (xs,)))
    same(tg.jit(tg.vmap(f))(xs), loop(f, (xs,)))
    same(tg.vmap(f, in_axes=1)(xs.T), loop(f, (xs,)))
    same(tg.vmap(tg.grad(f))(xs), loop(tg.grad(f), (xs,)))
    same(tg.vmap(tg.grad(f), out_axes=1)(xs), loop(tg.grad(f), (xs,), out_axes=1))
    same(tg.jit(tg.vmap(tg.grad(f)))(xs), loop(tg.grad(f), (xs,)))


# ----------------------------------------------------------------- in_axes=None
def scaled(x, how, n, options, act):
    """Non-numbers drive Python: a string, an int for range, a dict, a callable."""
    for _ in range(n):
        x = act(x) * options["scale"]
    return x * 2.0 if how == options["mode"] else -x


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("how, n, act", [("double", 3, tg.tanh), ("other", 0, tg.sin),
                                         ("double", 1, lambda v: v * v)])
def test_unbatched_arguments_that_are_not_numbers_pass_through(how, n, act, dtype):
    xs = np.array([[0.5, -1.0], [2.0, 0.25], [-3.0, 1.5]], dtype=dtype)
    options = {"mode": "double", "scale": 1.5, "name": "run"}
    axes = (0, None, None, None, None)
    args = (xs, how, n, options, act)
    want = loop(scaled, args, axes)
    same(tg.vmap(scaled, in_axes=axes)(*args), want)
    same(tg.vmap(scaled, in_axes=list(axes))(*args), want)
    same(tg.vmap(scaled, in_axes=(1, None, None, None, None), out_axes=1)(xs.T, *args[1:]),
         loop(scaled, args, axes, out_axes=1))
    v = tg.vmap(scaled, in_axes=axes)
    jitted = tg.jit(lambda x, how, n, act: v(x, how, n, options, act), static_argnums=(1, 2, 3))
    same(jitted(xs, how, n, act), want)
    total = lambda x, *rest: tg.sum(scaled(x, *rest))        # noqa: E731
    same(tg.vmap(tg.grad(total), in_axes=axes)(*args), loop(tg.grad(total), args, axes))


def test_an_unbatched_object_is_the_very_object():
    marker, seen = object(), []
    xs = np.array([1.0, -2.0, 3.0])
    got = tg.vmap(lambda x, m: seen.append(m) or x * 2.0, in_axes=(0, None))(xs, marker)
    assert np.array_equal(got, xs * 2.0) and seen and all(m is marker for m in seen)


def test_unbatched_non_numbers_are_part_of_the_signature():
    traces = []

    def f(x, n, how):
        traces.append((n, how))
        for _ in range(n):
            x = x * 2.0
        return x if how == "up" else -x

    v = tg.vmap(f, in_axes=(0, None, None))
    xs = np.array([1.0, -2.0])
    for n, how in [(1, "up"), (2, "up"), (2, "down"), (True, "up"), (np.int64(1), "up")]:
        same(v(xs, n, how), loop(f, (xs, n, how), (0, None, None)))
    assert v(xs, 2, "up").tolist() == [4.0, -8.0]            # kept, not retraced
    assert traces.count((2, "up")) == 1 + len(xs)             # one trace, then the loop's
    assert len(traces) == 5 * (1 + len(xs))                   # True, 1 and int64(1) differ


@pytest.mark.parametrize("dtype", FLOATS)
def test_in_axes_given_as_a_list_is_a_tuple(dtype):
    xs = np.arange(6.0, dtype=dtype).reshape(2, 3)
    w = np.array([1.0, -1.0], dtype=dtype)
    f = lambda x, w: x * w                                     # noqa: E731
    for axes in ([1, None], [1, 0], [-1, None]):
        ww = np.array([1.0, -1.0, 2.0], dtype=dtype)[:, None] * w if axes[1] == 0 else w
        same(tg.vmap(f, in_axes=axes)(xs, ww), tg.vmap(f, in_axes=tuple(axes))(xs, ww))
        same(tg.vmap(f, in_axes=axes)(xs, ww), loop(f, (xs, ww), tuple(axes)))
    pair = lambda p, x: p[0] * x + p[1]                        # noqa: E731
    p = [np.array([1.0, 2.0, 3.0]), 0.5]                       # a list argument stays a list
    same(tg.vmap(pair, in_axes=[[0, None], None])(p, 2.0),
         loop(lambda a, b: pair([a, 0.5], b), (p[0], 2.0), (0, None)))


# ----------------------------------------------------------------- out_axes=None
@pytest.mark.parametrize("dtype", FLOATS)
def test_out_axes_none_returns_an_output_the_batch_does_not_change(dtype):
    xs = np.array([1.0, -2.0, 3.0], dtype=dtype)
    w = np.array([0.5, 2.0], dtype=dtype)
    f = lambda x, w: (x * w, tg.sum(w * w), np.ones(2))        # noqa: E731
    for v in (tg.vmap(f, in_axes=(0, None), out_axes=(0, None, None)),
              tg.jit(tg.vmap(f, in_axes=[0, None], out_axes=(0, None, None)))):
        got = v(xs, w)
        want = loop(f, (xs, w), (0, None))
        same(got[0], want[0])
        same(got[1], f(xs[0], w)[1])
        same(got[2], np.ones(2))
    g = tg.grad(lambda x, w: x + tg.sum(w * w), argnums=1)     # the same for every x
    same(tg.vmap(g, in_axes=(0, None), out_axes=None)(xs, w), g(xs[0], w))
    assert tg.vmap(lambda x: 2.0, out_axes=None)(xs) == 2.0
    both_ways = lambda x, w: (x * w, w * 2.0) if x > 0 else (-x * w, w * 2.0)  # noqa: E731
    got = tg.vmap(both_ways, in_axes=(0, None), out_axes=(0, None))(xs, w)
    same(got[0], loop(both_ways, (xs, w), (0, None))[0])
    same(got[1], w * 2.0)
    loss = lambda w: tg.sum(tg.vmap(f, in_axes=(0, None), out_axes=(0, None, None))(xs, w)[1])
    assert np.allclose(tg.grad(loss)(w), 2 * w)


def test_out_axes_none_on_an_output_that_depends_on_the_batch_is_an_error():
    xs = np.array([1.0, -2.0, 3.0])
    with pytest.raises(ValueError, match=r"out_axes at \[0\] is None, but that output .* "
                                         r"depends on the batch.*give the axis"):
        tg.vmap(lambda x: (x * 2.0, 1.0), out_axes=None)(xs)
    split = lambda x: 1.0 if x > 0 else 2.0                   # noqa: E731
    with pytest.raises(ValueError, match=r"out_axes at the output is None.*depends on"):
        tg.vmap(split, out_axes=None)(xs)
    with pytest.raises(ValueError, match="depends on the batch"):
        tg.jit(tg.vmap(lambda x: x * 2.0, out_axes=None))(xs)


# ----------------------------------------------------------------- bounded memory
def family(k):
    """The ``k``th of a family of functions; each call traces once (counted)."""
    traces = []

    def scalar(x, y):
        traces.append(k)
        return tg.tanh(x * (k + 1.0)) + y * y

    def guarded(x, y):
        traces.append(k)
        if tg.sum(x) > k:
            return tg.sum(x * y)
        return -tg.sum(x) * y

    return (scalar if k % 2 else guarded), traces


@pytest.mark.slow
def test_cycling_vmapped_functions_never_retraces_nor_recompiles(monkeypatch):
    lowered = []
    real = tapegrad.staging.packing.lower                 # vmap's compiler: lower_batch
    monkeypatch.setattr(tapegrad.staging.packing, "lower",
                        lambda *a, **kw: lowered.append(1) or real(*a, **kw))
    made = [family(k) for k in range(100)]
    fs = [tg.vmap(f) for f, _ in made]
    rng = np.random.default_rng(0)
    data = {k % 2: (rng.normal(size=(8,) + (() if k % 2 else (3,))), rng.normal(size=8))
            for k in range(2)}
    data[0] = (data[0][0] * 40.0, data[0][1])                # the guard splits the batch

    def one_round():
        for k, v in enumerate(fs):
            got = v(*data[k % 2])
        return got

    for _ in range(2):
        one_round()
    traces = sum(len(t) for _, t in made)
    compiles = len(lowered)
    assert compiles >= 50                                      # the scalar ones compiled
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(28):                                    # 3,000 calls in all
            one_round()
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert sum(len(t) for _, t in made) == traces              # no trace after the first
    assert len(lowered) == compiles                            # no compile either
    assert after - before < 100_000
    same(fs[1](*data[1]), loop(made[1][0], data[1]))
    same(fs[2](*data[0]), loop(made[2][0], data[0]))


def test_a_vmapped_function_keeps_a_bounded_number_of_signatures():
    traces = []

    def f(x):
        traces.append(x.shape)
        return x * 2.0

    v = tg.vmap(f)
    for n in range(1, 101):                                   # 100 signatures
        v(np.ones((3, n)))
    recent = len(traces)
    for n in range(37, 101):                                  # the 64 most recent: kept
        v(np.ones((3, n)))
    assert len(traces) == recent
    v(np.ones((3, 1)))                                        # long gone: traced again
    assert len(traces) == recent + 1


def used_and_dropped(use):
    """A weak reference to a constant of a vmapped function's traces, used as ``use`` says."""
    w = np.linspace(1.0, 2.0, 3)
    f = (lambda x: tg.sum(x * w)) if use != "split" else \
        (lambda x: tg.sum(x * w) if x[0] > 0 else tg.sum(x - w))
    v = tg.vmap(f)
    xs = np.array([[1.0, 2.0, 3.0], [-1.0, 0.0, 1.0]])
    if use == "grad":
        tg.grad(lambda xs: tg.sum(v(xs)))(xs)
    elif use == "jit":
        tg.jit(v)(xs)
    else:
        v(xs)
    return weakref.ref(w), v


@pytest.mark.parametrize("use", ["call", "grad", "jit", "split"])
def test_a_dropped_vmapped_function_frees_its_programs(use):
    dead, v = used_and_dropped(use)
    gc.collect()
    assert dead() is not None                   # its programs keep it while v lives
    del v
    gc.collect()
    assert dead() is None


def test_a_dropped_vmapped_function_frees_its_source_lines():
    import linecache
    before = set(linecache.cache)
    v = tg.vmap(lambda x, y: tg.tanh(x) * y + 1.0)
    v(np.ones(3), np.ones(3))
    assert set(linecache.cache) - before                  # its program's lines, shown in
    del v                                                  # tracebacks while it lives
    gc.collect()
    assert not {k for k in set(linecache.cache) - before if "tapegrad" in k}


# ----------------------------------------------------------------- errors
def test_batch_sizes_that_disagree_name_the_parameters():
    with pytest.raises(ValueError, match=r"a has 10, b has 2"):
        tg.vmap(lambda a, b: a * b)(np.ones(10), np.ones(2))
    with pytest.raises(ValueError, match=r"a has 10, b\['w'\] has 2"):
        tg.vmap(lambda a, b: a * tg.sum(b["w"]))(np.ones(10), {"w": np.ones((2, 3))})
    with pytest.raises(ValueError, match=r"x has 3, scale has 4"):
        tg.vmap(lambda x, *, scale: x * scale)(np.ones(3), scale=np.ones(4))
    with pytest.raises(ValueError, match=r"args\[0\] has 2, args\[1\]\[1\] has 3"):
        tg.vmap(lambda *xs: xs[0] * xs[1][1], in_axes=(0, (None, 0)))(
            np.ones(2), (1.0, np.ones(3)))

    def model(params, x):
        return tg.sum(params["w"] * x)
    with pytest.raises(ValueError, match=r"params\['w'\] has 5, x has 4"):
        tg.vmap(model, in_axes=({"w": 1}, 0))({"w": np.ones((3, 5))}, np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"a has 2, b has 3 \(along their in_axes\)"):
        tg.jit(tg.vmap(lambda a, b: a * b, in_axes=[0, 1]))(np.ones(2), np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"in_axes says axis 1 at b, but that argument "
                                         r"has shape \(3,\)"):
        tg.vmap(lambda a, b: a * b, in_axes=(0, 1))(np.ones(3), np.ones(3))


@pytest.mark.parametrize("bad, where, kind", [
    (lambda x: (x, "label"), r"\[1\]", "str"),
    (lambda x: {"y": x, "obj": object()}, r"\['obj'\]", "object"),
    (lambda x: [x, [x, print]], r"\[1\]\[1\]", "builtin_function_or_method"),
    (lambda x: np.array(["a", "b"]), "the output", "ndarray"),
])
def test_a_non_numeric_output_is_a_type_error_naming_its_path(bad, where, kind):
    xs = np.array([1.0, 2.0])
    for v in (tg.vmap(bad), tg.jit(tg.vmap(bad))):
        with pytest.raises(TypeError, match=rf"vmap: <lambda> returned a {kind} at {where}, "
                                            "not a number"):
            v(xs)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("w", [2.5, np.float64(2.5), np.float32(2.5), 3, np.int64(3),
                               np.int32(3), True])
def test_unbatched_numbers_of_every_kind_equal_the_loop(w, dtype):
    xs = np.array([[0.5, -1.0], [2.0, 0.25], [-3.0, 1.5]], dtype=dtype)
    f = lambda x, w: tg.tanh(x) * w + w                        # noqa: E731
    same(tg.vmap(f, in_axes=(0, None))(xs, w), loop(f, (xs, w), (0, None)))
    same(tg.vmap(f, in_axes=[1, None], out_axes=1)(xs.T, w), loop(f, (xs, w), (0, None), 1))
    g = tg.grad(lambda x, w: tg.sum(f(x, w)))
    same(tg.vmap(g, in_axes=(0, None))(xs, w), loop(g, (xs, w), (0, None)))


@pytest.mark.parametrize("reduce", [tg.sum, tg.mean])
@pytest.mark.parametrize("looped", [False, True])
def test_the_sum_of_a_float_example_keeps_its_signed_zero(reduce, looped):
    """``tg.sum``/``tg.mean`` of a float is the float: ``-0.0`` stays ``-0.0``
    (NumPy's reduction over no axis starts at ``+0.0``), so ``sqrt``'s derivative
    there is ``-inf`` in the batch as in the loop, a value-bounded while or not."""
    def f(x):
        v, k = tg.sqrt(reduce(x)), 0
        while looped and bool(v < 2.0) and k < 3:
            v, k = v * 1.5 + 0.25, k + 1
        return v
    xs = np.array([-0.0, 0.0, 4.0])
    for fn in (f, tg.grad(f)):
        got, want = tg.vmap(fn)(xs), np.array([fn(float(x)) for x in xs])
        np.testing.assert_array_equal(got, want)
        assert np.array_equal(np.signbit(got), np.signbit(want))
