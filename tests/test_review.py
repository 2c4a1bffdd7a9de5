"""Regressions: a jitted function under another transform, against eager and memory."""

import gc
import tracemalloc

import numpy as np

import tapegrad as tg


def pick(x, y):
    """The larger of two floats: returns one of its inputs, the very object."""
    return x if x > y else y


def test_grad_of_jit_returning_an_input_object_twice_in_one_pass():
    # Both calls return the object 3.0 with opposite gradients; each record
    # must get its own call's gradient.
    jf = tg.jit(pick)

    def loss(f):
        return lambda a, b: f(a, b) + f(b, a) * 2.0

    for a, b in ((3.0, 1.0), (1.0, 3.0), (2.0, -5.0)):
        want = tg.grad(loss(pick), argnums=(0, 1))(a, b)
        assert tg.grad(loss(jf), argnums=(0, 1))(a, b) == want
        assert tg.value_and_grad(loss(jf), argnums=(0, 1))(a, b) == \
            tg.value_and_grad(loss(pick), argnums=(0, 1))(a, b)


def test_vjp_of_jit_returning_an_input_object_after_other_calls():
    jf = tg.jit(pick)
    a, b = 3.0, 1.0
    _, pull = tg.vjp(jf, a, b)
    tg.grad(jf, argnums=(0, 1))(b, a)        # the same object, the other gradient
    assert pull(1.0) == (1.0, 0.0)
    assert pull(2.0) == (2.0, 0.0)


def test_grad_of_jit_keeps_no_gradient_after_it_returns():
    jl = tg.jit(lambda w: tg.sum(tg.tanh(w) ** 2))
    w = np.linspace(-1.0, 1.0, 20_000)          # 160 kB a gradient

    def retained(n):
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            for i in range(n):
                g = tg.grad(jl)(w + i)
            del g
            gc.collect()
            return tracemalloc.get_traced_memory()[0] - before
        finally:
            tracemalloc.stop()

    retained(2)                                   # trace and compile first
    assert retained(40) < 1_000_000               # not 40 gradients (6.4 MB)


def test_vjp_of_jit_gradient_kept_while_the_pullback_lives():
    f = lambda w: tg.sum(tg.tanh(w) ** 2)
    jl = tg.jit(f)
    w = np.array([0.5, -1.0, 2.0])
    _, pull = tg.vjp(jl, w)
    for i in range(3):
        tg.grad(jl)(w + i)
    np.testing.assert_array_equal(pull(1.0)[0], tg.grad(f)(w))
    np.testing.assert_array_equal(pull(3.0)[0], tg.vjp(f, w)[1](3.0)[0])   # as eager pushes it


def loop(f, *batches):
    return np.stack([f(*example) for example in zip(*batches)])


def test_vmap_branches_of_other_dtypes_give_the_loops_dtype():
    # A float32 branch and a float64 branch: the loop stacks to float64.
    f = lambda x: x if x > 0 else x * np.float64(0.1)
    for xs in (np.array([1.0, -1.0], np.float32), np.array([-1.0, 1.0], np.float32)):
        want = loop(f, xs)
        got = tg.vmap(f)(xs)
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)


def test_vmap_int_data_branch_and_float_branch():
    f = lambda x, i: i if x > 0 else x * 1.5
    xs, ii = np.array([1.0, -1.0, 2.0]), np.array([3, 4, 5])
    want = loop(f, xs, ii)
    got = tg.vmap(f)(xs, ii)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)


def _same_number(a, b):
    return type(a) is type(b) and a == b


def test_numpy_integer_scalar_indexes_under_jit_as_in_eager_replay_and_vmap():
    x = np.array([1.0, 2.0, 3.0, 4.0])
    f = lambda x, i: x[i] * 2.0 + x[i + 1]
    for i in (np.int64(1), np.int32(2), np.uint8(0)):
        want = f(x, i)
        jf = tg.jit(f)
        assert jf(x, i) == want and jf(x, i) == want          # traced, then compiled
        assert tg.make_tape(f)(x, np.int64(0))(x, i) == want
        np.testing.assert_array_equal(tg.grad(jf)(x, i), tg.grad(f)(x, i))
    np.testing.assert_array_equal(tg.vmap(tg.jit(f), in_axes=(None, 0))(x, np.array([0, 2])),
                                  [f(x, np.int64(0)), f(x, np.int64(2))])


def test_numpy_integer_scalar_arithmetic_under_jit_is_eagers():
    with np.errstate(over="ignore"):
        for f, v in ((lambda n: n // np.int64(3), np.int64(7)),
                     (lambda n: n * n * n, np.int64(2**40)),      # int64 wraps in eager
                     (lambda n: n + n, np.uint8(200))):
            want = f(v)
            jf = tg.jit(f)
            assert _same_number(jf(v), want) and _same_number(jf(v), want)
            assert _same_number(tg.make_tape(f)(v)(v), want)


def two_shapes(x):
    """A dict whose keys depend on a branch: "b" is leaf 1 one way, leaf 0 the other."""
    return {"a": x, "b": 2.0 * x} if x > 0 else {"b": 3.0 * x, "c": x + 10.0}


def test_outer_transforms_of_a_jitted_call_whose_structure_follows_a_branch():
    jf = tg.jit(two_shapes)
    g = lambda x: two_shapes(x)["b"]
    jg = lambda x: jf(x)["b"]
    xs = np.array([1.0, -1.0, 2.0, -3.0])
    want = loop(g, xs)
    outer = tg.jit(jg)
    assert [outer(x) for x in xs] == list(want)
    for batched in (tg.vmap(jg), tg.jit(tg.vmap(jg)), tg.vmap(tg.jit(jg))):
        np.testing.assert_array_equal(batched(xs), want)
    np.testing.assert_array_equal(tg.vmap(tg.grad(jg))(xs), loop(tg.grad(g), xs))


def test_replaying_a_tape_across_a_jitted_calls_structure_is_a_guard_error():
    jf = tg.jit(two_shapes)
    tape = tg.make_tape(lambda x: jf(x)["b"])(1.0)
    assert tape(5.0) == 10.0
    try:
        tape(-1.0)
    except tg.GuardError:
        pass
    else:
        raise AssertionError("the replay returned another key's value")


def test_vmap_of_a_gradient_through_a_broadcast_keeps_float32():
    f = lambda x: tg.sum(x * x[0])          # x[0] broadcast against x: a sum_like back
    xs = np.array([[1.0, 2.0], [-1.0, 3.0], [0.5, -4.0]], np.float32)
    want = loop(tg.grad(f), xs)
    got = tg.vmap(tg.grad(f))(xs)
    assert want.dtype == np.float32 and got.dtype == np.float32
    np.testing.assert_array_equal(got, want)


def test_grad_of_a_vmap_whose_structure_follows_the_batch_on_each_call():
    vf = tg.vmap(two_shapes)
    loss = lambda xs: tg.sum(vf(xs)["b"])
    eager = lambda xs: sum(two_shapes(x)["b"] for x in xs)
    for xs in (np.array([1.0, 2.0]), np.array([-1.0, -2.0]), np.array([3.0, 0.5])):
        want = np.array([tg.grad(lambda x: two_shapes(x)["b"])(x) for x in xs])
        np.testing.assert_array_equal(tg.grad(loss)(xs), want)
        assert tg.value_and_grad(loss)(xs)[0] == eager(xs)


def test_vjp_of_jit_pullback_results_are_the_callers_to_write_into():
    f = lambda w: tg.sum(tg.tanh(w) ** 2)
    w = np.array([0.5, -1.0])
    want = tg.grad(f)(w)
    _, pull = tg.vjp(tg.jit(f), w)
    first = pull(1.0)[0]
    first *= 0.0                                  # the caller's array
    np.testing.assert_array_equal(pull(1.0)[0], want)
    np.testing.assert_array_equal(pull(1.0)[0], want)
