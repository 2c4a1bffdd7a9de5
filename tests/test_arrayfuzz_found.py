"""What the array fuzzer (tests/test_arrayfuzz.py) found, each reduced to its smallest program.

Each test states NumPy's (or a Python loop's) answer and checks tapegrad's
against it bit for bit: eagerly, under ``jit`` and under ``vmap``.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_jnp_port import assert_same

import tapegrad as tg

R = np.random.default_rng(0)


# np.dot of a view with a negative stride: NumPy hands BLAS a copy, np.matmul sums the
# view in its own loop, which rounds otherwise (seed 378: np.tensordot(np.flip(x), ...)).
DOTS = {
    "dot": lambda a, x: np.dot(a, x[::-1]),
    "dot-vectors": lambda a, x: np.dot(x[::-1], x),
    "tensordot": lambda a, x: np.tensordot(x[::-1], a.T, axes=1),
    "tensordot-flipped": lambda a, x: np.tensordot(np.flip(x), np.flip(x), axes=1),
    "inner": lambda a, x: np.inner(x[::-1], a),
    "method": lambda a, x: a[::-1, ::-1].dot(x[::-1]),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=lambda d: d.__name__)
@pytest.mark.parametrize("name", sorted(DOTS))
def test_dot_of_a_reversed_view_is_numpys_dot_bit_for_bit(name, dtype):
    f = DOTS[name]
    jf = tg.jit(f)
    for _ in range(40):
        a, x = R.normal(size=(4, 6)).astype(dtype), R.normal(size=6).astype(dtype)
        want = f(a, x)
        assert_same(tg.jvp(f, (a, x), (a, x))[0], want, "eager")
        assert_same(jf(a, x), want, "jit")
    xs = R.normal(size=(5, 6)).astype(dtype)
    assert_same(tg.vmap(f, in_axes=(None, 0))(a, xs), np.stack([f(a, v) for v in xs]), "vmap")


def test_the_gradient_through_a_dot_of_a_reversed_view_is_exact():
    x = R.normal(size=6)
    g = tg.grad(lambda x: np.dot(x[::-1], x[::-1]) * 1.5)(x)
    np.testing.assert_array_equal(g, 3.0 * x)


# vmap of a whole-array sum or mean reshaped each (transposed) example, which sums it in
# another order than NumPy's sum of the view (seed 277: np.mean(np.swapaxes(x, 0, -1))).
WHOLE = {
    "sum-swapaxes": lambda x: np.sum(np.swapaxes(x, 0, -1)),
    "mean-swapaxes": lambda x: np.mean(np.swapaxes(x, 0, -1)),
    "sum-transposed-slice": lambda x: np.sum(x.T[::2]),
    "mean-of-a-product": lambda x: np.mean(x.T * x[:, 0]),
}


@pytest.mark.parametrize("shape", [(2, 3), (3, 7), (20, 9)], ids=str)
@pytest.mark.parametrize("name", sorted(WHOLE))
def test_vmap_of_a_whole_sum_of_a_transposed_example_is_the_loop_bit_for_bit(name, shape):
    f = WHOLE[name]
    xs = R.normal(size=(40, *shape))
    loop = np.stack([f(x) for x in xs])
    assert_same(tg.vmap(f)(xs), loop, "vmap")
    assert_same(tg.jit(tg.vmap(f))(xs), loop, "jit(vmap)")


# vmap of Python's ** on a NumPy scalar (np.float64(s) ** 3, NumPy's scalar math) ran
# np.power on the batch, which rounds apart for about one value in forty (seed 1613:
# (x @ x) ** 3; seed 1286: 2 ** np.tanh(x.T) of a 0-d x).
POWERS = {
    "cube-of-a-dot": lambda x: (x @ x) ** 3,
    "two-to-a-scalar": lambda x: 2 ** np.tanh(x[0]),
    "cube-of-a-sum-scaling": lambda x: np.sum(x) ** 3 * x,
    "abs-to-a-power": lambda x: abs(np.sum(x)) ** -1.5,
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=lambda d: d.__name__)
@pytest.mark.parametrize("name", sorted(POWERS))
def test_vmap_of_a_power_of_a_numpy_scalar_is_its_scalar_math(name, dtype):
    f = POWERS[name]
    xs = R.normal(size=(200, 3)).astype(dtype)
    loop = np.stack([f(x) for x in xs])
    assert_same(tg.vmap(f)(xs), loop, "vmap")
    assert_same(tg.jit(tg.vmap(f))(xs), loop, "jit(vmap)")
    assert_same(tg.vmap(tg.jit(f))(xs), loop, "vmap(jit)")


# np.take along a later axis was x[:, [2, 0, 0]], which NumPy lays out in another
# order than np.take's C-ordered result, so a sum of it rounded apart (seed 1574).
@pytest.mark.parametrize("axis", [0, 1, -1, None])
def test_a_sum_of_np_take_is_numpys_bit_for_bit(axis):
    def f(z):
        return np.sum(np.take(z * 1.5, [2, 0, 1, 0], axis=axis)), np.var(np.take(z, [1, 0], axis))
    jf = tg.jit(f)
    for _ in range(60):
        z = R.normal(size=(3, 3))
        assert_same(tg.jvp(f, (z,), (z,))[0], f(z), "eager")
        assert_same(jf(z), f(z), "jit")
    zs = R.normal(size=(30, 3, 3))
    assert_same(tg.vmap(f)(zs), tuple(np.stack(c) for c in zip(*[f(z) for z in zs])), "vmap")


# vmap of indexing with an integer array: NumPy lays out xs[:, [2, 0]] index axis
# first, which put the batch axis inside each example, so its sum rounded apart
# from the loop's (found reducing seed 1574).
FANCY = {
    "rows": lambda z: np.sum(z[[2, 0, 1, 0]]),
    "columns": lambda z: np.sum(z[:, [2, 0, 1, 0]]),
    "pairs": lambda z: np.sum(z[[1, 2], [0, 2]] * z[0, 1:]),
    "reversed-then-columns": lambda z: np.mean(z[::-1, [2, 0, 1]].T),
}


@pytest.mark.parametrize("name", sorted(FANCY))
def test_vmap_of_a_sum_of_an_integer_array_index_is_the_loop_bit_for_bit(name):
    f = FANCY[name]
    zs = R.normal(size=(40, 3, 3))
    loop = np.stack([f(z) for z in zs])
    assert_same(tg.vmap(f)(zs), loop, "vmap")
    assert_same(tg.jit(tg.vmap(f))(zs), loop, "jit(vmap)")


# vmap of a 1-D example indexed by an integer array: xs[:, [2, 0, 0]] is laid out index
# axis first (each example strided by the batch), and a float32 matmul of it took
# NumPy's own loop where each example's contiguous vector took BLAS, rounding apart for
# about two batches in three (seed 7167: np.tensordot(np.take(x, [2, 0, 0]), x, ...)).
VECTOR_INDEX = {
    "dot": lambda x: np.dot(x[[2, 0, 0]], x),
    "matmul": lambda x: x[[2, 0, 1]] @ x,
    "take-tensordot": lambda x: np.tensordot(np.take(x, [2, 0, 0], axis=-1), x,
                                             axes=([0], [0])),
    "row-of-a-matrix": lambda z: z[1][[2, 0, 0]] @ z[0],
}


@pytest.mark.parametrize("name", sorted(VECTOR_INDEX))
def test_vmap_of_a_product_of_an_indexed_vector_is_the_loop_bit_for_bit(name):
    f = VECTOR_INDEX[name]
    xs = R.normal(size=(60, 4, 2, 3) if name == "row-of-a-matrix" else (60, 4, 3))
    for x in xs.astype(np.float32):             # batches of four, as a loop of four
        loop = np.stack([f(v) for v in x])
        assert_same(tg.vmap(f)(x), loop, "vmap")
        assert_same(tg.jit(tg.vmap(f))(x), loop, "jit(vmap)")
        assert_same(tg.vmap(tg.jit(f))(x), loop, "vmap(jit)")


# np.broadcast_to was a copy on the tape; NumPy's is a view with zero strides, and
# np.einsum picks another kernel for it, rounding apart from the copy about one time
# in two (seed 1213: np.einsum('ij,j->i', np.broadcast_to(det, (2, 3)), y)).
def test_einsum_of_a_broadcast_view_is_numpys_bit_for_bit():
    def f(s, y):
        return np.einsum("ij,j->i", np.broadcast_to(s, (2, 3)), y)
    jf = tg.jit(f)
    for _ in range(60):
        s, y = np.float64(R.normal()), R.normal(size=3)
        assert_same(tg.jvp(f, (s, y), (s, y))[0], f(s, y), "eager")
        assert_same(jf(s, y), f(s, y), "jit")
    ss, ys = R.normal(size=40), R.normal(size=(40, 3))
    assert_same(tg.vmap(f)(ss, ys), np.stack([f(s, y) for s, y in zip(ss, ys)]), "vmap")
    g = tg.grad(lambda s, y: np.sum(f(s, y) * np.array([1.0, -2.0])), (0, 1))(s, y)
    np.testing.assert_allclose(g[0], -np.sum(y), rtol=1e-14)
    np.testing.assert_allclose(g[1], -s * np.ones(3), rtol=1e-14)


# vmap(grad) traced a float64 example as a Python float, weak beside float32 data (NEP 50),
# where the loop's 0-d float64 array is strong (seeds 187, 337, 484, 1106, 1444, 1923)
def test_vmap_of_grad_of_a_float64_example_beside_float32_data_is_the_loop():
    x = np.array([0.3, -1.2, 0.7], np.float32)
    xs, ys = np.stack([x, x * 0.5, x * 2]), np.array([0.1234567891, -0.5, 0.77])
    g = tg.grad(lambda x, y: np.sum(y * x), 1)
    assert_same(tg.vmap(g)(xs, ys), np.stack([g(a, np.asarray(b)) for a, b in zip(xs, ys)]),
                "vmap(grad)")


# ------------------------------------------------------------- not fixed yet
def test_vmap_of_grad_of_a_power_of_a_numpy_scalar_is_the_loop_bit_for_bit():
    # the derivative of np.float64(s) ** 0.5 runs Python's math in a loop's grad; vmap
    # computes math.pow on each example too (numpy_scalars.per_number; seed 777)
    ys = np.abs(R.normal(size=(300, 3)))
    g = tg.grad(lambda y: np.sum(y) ** 0.5)
    assert_same(tg.vmap(g)(ys), np.stack([g(y) for y in ys]), "vmap(grad)")


# np.inner and np.tensordot of float32 and float64 arrays: NumPy's dot casts the
# float32 operand first, np.matmul casts in its own loop and rounds apart for about
# two inputs in five (seed 4032: np.inner(y64, x32)).
MIXED = {
    "inner": lambda x, y: np.inner(y, x),
    "tensordot": lambda x, y: np.tensordot(y, x, axes=([0], [1])),
    "dot": lambda x, y: np.dot(x, y),
    "method-reversed": lambda x, y: x.dot(y[::-1]),
}


@pytest.mark.parametrize("name", sorted(MIXED))
def test_products_of_float32_and_float64_are_numpys_dot_bit_for_bit(name):
    f = MIXED[name]
    jf = tg.jit(f)
    for _ in range(60):
        x, y = R.normal(size=(2, 3)).astype(np.float32), R.normal(size=3)
        assert_same(tg.jvp(f, (x, y), (x, y))[0], f(x, y), "eager")
        assert_same(jf(x, y), f(x, y), "jit")
    xs, ys = R.normal(size=(20, 2, 3)).astype(np.float32), R.normal(size=(20, 3))
    assert_same(tg.vmap(f)(xs, ys), np.stack([f(x, y) for x, y in zip(xs, ys)]), "vmap")
    gx, gy = tg.grad(lambda x, y: np.sum(f(x, y)), (0, 1))(x, y)
    assert gx.dtype == np.float32 and gy.dtype == np.float64


# eager grad at an np.float64 and at a 0-d array record the same np.max (seeds 2729, 4147,
# 7514 reduce to this): x's cotangents sum in one order, (1 + x) + x at both
def test_grad_at_a_0d_float64_array_is_grad_at_its_np_float64_bit_for_bit():
    def f(x):
        return np.max(x) + x * np.max(x)
    g = tg.grad(f)
    xs = R.normal(size=200)
    at_arrays = np.stack([g(np.asarray(x)) for x in xs])
    assert_same(np.stack([g(x) for x in xs]), at_arrays, "grad at np.float64")
    assert_same(tg.vmap(g)(xs), at_arrays, "vmap(grad)")


def _seeded_batch(seed):
    """The fuzzer's program ``seed``, its gradient, and its three examples stacked."""
    from test_arrayfuzz import build, random_program, weighted
    src, args = random_program(seed)
    rng = np.random.default_rng(seed + 1)
    other = [np.asarray(a + rng.normal(size=a.shape) * 0.3, a.dtype) for a in args]
    rows = [args, other, [np.asarray(a * 0.5 - 0.25, a.dtype) for a in args]]
    g = tg.grad(weighted(build(src)), tuple(range(len(args))))
    return g, rows, [np.stack(col) for col in zip(*rows)]


@pytest.mark.parametrize("seed", [2531, 2729, 4147, 7514])
def test_vmap_of_grad_of_seeded_float64_programs_is_the_loop_bit_for_bit(seed):
    # the loop passes 0-d arrays, vmap each example's float: np.max of a 0-d array (or of
    # 1.5 - z, an np.float64 there) was the value itself, of a float NumPy's np.float64 (a
    # cast on the tape), so their cotangents were summed in another order
    g, rows, batch = _seeded_batch(seed)
    got = tg.vmap(g)(*batch)
    for want in ([g(*row) for row in rows], [g(*[b[i] for b in batch]) for i in range(3)]):
        for k, v in enumerate(got):
            assert_same(v, np.stack([np.asarray(w[k]) for w in want]), "vmap(grad)")


@pytest.mark.parametrize("reduce", [np.max, np.amin, np.prod], ids=lambda f: f.__name__)
def test_a_reduction_of_a_0d_array_is_numpys_scalar_and_its_gradient_the_floats(reduce):
    # np.max of a 0-d array is NumPy's np.float64, as of a float; the gradient at a 0-d
    # array (or an np.float64) summed 1 + 3 v**2 in another order than at the float it holds
    # (seeds 2531, 2729, 4147)
    def f(x):
        v = reduce(x)
        return v + v * v * v + x
    for x in (0.99, 0.09, 2.46, -0.77, np.nan):
        assert_same(tg.jvp(reduce, (np.asarray(x),), (np.asarray(1.0),))[0], reduce(np.asarray(x)),
                    "eager")
        assert type(tg.jit(reduce)(np.asarray(x))) is np.float64
        got = tg.grad(f)(np.asarray(x))
        assert_same(got, np.asarray(tg.grad(f)(x)), "grad at a 0-d array")
        shifted = tg.grad(lambda z: f(z - 0.0))      # an np.float64 reduced, at a 0-d z
        assert_same(shifted(np.asarray(x)), np.asarray(shifted(x)), "grad at an np.float64")
        if x == x:
            want = 2.0 + 3.0 * x * x
            assert abs(got - want) <= 1e-14 * want
        else:
            assert np.isnan(got)


# NumPy hands a 1-d operand's negative stride to its loop, which takes float32 np.arctan
# off its SIMD kernel, rounding otherwise; vmap ran the (n, m) batch, which NumPy iterates
# in memory order, SIMD (seed 5328: np.arctan(x[1, ::-1]); seed 9462: np.arctan(x[..., ::-2])).
REVERSED = {
    "row-reversed": lambda x: np.arctan(x[1, ::-1]),
    "every-other-reversed": lambda x: np.arctan(x[1, ::-2]),
    "sin-of-a-reversed-row": lambda x: np.sin(x[0, ::-1]) * 2.0,
    "arctan2-of-reversed-rows": lambda x: np.arctan2(x[0, ::-1], x[1, ::-1]),
    "exp-of-a-reversed-row-and-a-scalar": lambda x: np.power(np.exp(x[1, ::-1]), 1.5),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=lambda d: d.__name__)
@pytest.mark.parametrize("name", sorted(REVERSED))
def test_vmap_of_a_ufunc_of_a_reversed_row_is_the_loop_bit_for_bit(name, dtype):
    f = REVERSED[name]
    xs = R.normal(size=(200, 2, 3)).astype(dtype)
    loop = np.stack([f(x) for x in xs])
    assert_same(tg.vmap(f)(xs), loop, "vmap")
    assert_same(tg.jit(tg.vmap(f))(xs), loop, "jit(vmap)")
    assert_same(tg.vmap(tg.jit(f))(xs), loop, "vmap(jit)")


def test_vmap_of_seed_9462_is_the_loop_bit_for_bit():
    def f(x):
        v0 = x[..., ::-2]
        return v0, np.cumsum(x, axis=None), np.arctan(v0)
    xs = R.normal(size=(300, 3)).astype(np.float32)
    loop = tuple(np.stack(c) for c in zip(*[f(x) for x in xs]))
    assert_same(tg.vmap(f)(xs), loop, "vmap")
    assert_same(tg.jit(tg.vmap(f))(xs), loop, "jit(vmap)")


def test_vmap_of_a_cube_of_a_float64_examples_product_is_the_loop_bit_for_bit():
    """Seed 8506: vmap traces a float64 example as a Python float, so ``(y * y) ** 3``
    records a float's power; the batch computes it per number (``math.pow``, the loop's
    bits), not as ``np.power`` of the array, which was an ulp apart for about one value
    in twenty (vmap(jit) and jit(vmap) of ``v1 ** 3`` with ``v1 = y * y`` of a 0-d y)."""
    def f(y):
        return (y * y) ** 3
    ys = R.normal(size=500)
    loop = np.stack([f(y) for y in ys])
    assert_same(tg.vmap(f)(ys), loop, "vmap")
    assert_same(tg.jit(tg.vmap(f))(ys), loop, "jit(vmap)")
