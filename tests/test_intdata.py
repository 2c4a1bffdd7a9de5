"""Integer data under every transform (API.md "Added in turn 3", TRAPS rows 39 and 44).

Integer arrays are data: they index traced arrays (a gather) in eager grad,
jit, vmap and replay, keep NumPy's integer arithmetic exactly as eager, and
are never differentiated. Rounding and casts to integers of a traced value
give such data, with a zero derivative.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import fd

import tapegrad as tg

INT_DTYPES = [np.int64, np.int32, np.int8, np.uint8]
rng0 = np.random.default_rng(17)
E = rng0.normal(size=(5, 3))
Es = np.stack([E + 0.5 * k for k in range(4)])          # a batch of tables


def embed(E, i):
    """An embedding lookup and a mixed index: E[i], E[i, 0], E[i, 1]."""
    rows = E[i]
    return tg.sum(tg.tanh(rows) * rows) + tg.sum(E[i, 0] * E[i, 1])


def embed_np(E, i):
    rows = E[i]
    return np.sum(np.tanh(rows) * rows) + np.sum(E[i, 0] * E[i, 1])


def indices(dtype, shape, seed=0):
    return np.random.default_rng(seed).integers(0, 5, size=shape).astype(dtype)


SHAPES = [(4,), (4, 2)]          # per example: a scalar index, or a row of them


@pytest.mark.parametrize("dtype", INT_DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_gather_by_int_argument_in_every_mode(dtype, shape):
    idx = indices(dtype, shape)
    want = embed_np(E, idx)
    g_fd = fd(lambda e: embed_np(e, idx), E)
    assert tg.jit(embed)(E, idx) == want                     # never a traced-index error
    assert tg.make_tape(embed)(E, indices(dtype, shape, 1))(E, idx) == want
    g = tg.grad(embed)(E, idx)
    np.testing.assert_allclose(g, g_fd, rtol=1e-6, atol=1e-8)
    for compiled in (tg.jit(tg.grad(embed)), tg.make_tape(tg.grad(embed))(E, idx)):
        np.testing.assert_array_equal(compiled(E, idx), g)   # jit equals eager bit for bit
    np.testing.assert_array_equal(tg.grad(tg.jit(embed))(E, idx), g)


@pytest.mark.parametrize("dtype", INT_DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_gather_under_vmap_over_indices_table_and_both(dtype, shape):
    idx = indices(dtype, shape)             # axis 0 is the batch: 4 examples
    cases = [((None, 0), [(E, i) for i in idx], (E, idx)),
             ((0, None), [(e, idx) for e in Es], (Es, idx)),
             ((0, 0), list(zip(Es, idx)), (Es, idx))]
    for in_axes, examples, args in cases:
        loop = np.stack([embed(*ex) for ex in examples])
        np.testing.assert_array_equal(tg.vmap(embed, in_axes=in_axes)(*args), loop)
        np.testing.assert_array_equal(tg.jit(tg.vmap(embed, in_axes=in_axes))(*args), loop)
        grads = np.stack([tg.grad(embed)(*ex) for ex in examples])
        np.testing.assert_allclose(tg.vmap(tg.grad(embed), in_axes=in_axes)(*args), grads,
                                   rtol=1e-13, atol=1e-15)
        for ex, g in zip(examples[:2], grads):
            np.testing.assert_allclose(g, fd(lambda e, ex=ex: embed_np(e, ex[1]), ex[0]),
                                       rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("key", [
    lambda x, i: x[:, i],                    # a slice before the traced index
    lambda x, i: x[i, :][:, ::-1],
    lambda x, i: x[i[..., None], np.arange(3)],
    lambda x, i: x[None][0, i],
])
def test_gather_with_mixed_indices_every_mode(key):
    idx = np.array([[1, 0], [2, 2], [0, 1]])
    x = np.arange(15.0).reshape(5, 3) / 7.0
    f = lambda x, i: tg.sum(tg.sin(key(x, i)))
    f_np = lambda x, i: np.sum(np.sin(key(x, i)))
    for i in idx:
        assert tg.jit(f)(x, i) == f_np(x, i)
        np.testing.assert_allclose(tg.grad(f)(x, i), fd(lambda y: f_np(y, i), x), atol=1e-8)
        np.testing.assert_array_equal(tg.jit(tg.grad(f))(x, i), tg.grad(f)(x, i))
    np.testing.assert_allclose(tg.vmap(f, in_axes=(None, 0))(x, idx),   # sin batched:
                               [f(x, i) for i in idx], rtol=1e-15)     # the last bit
    np.testing.assert_allclose(tg.vmap(tg.grad(f), in_axes=(None, 0))(x, idx),
                               [tg.grad(f)(x, i) for i in idx], rtol=1e-14)


def test_forward_mode_and_higher_order_through_a_gather():
    idx = np.array([3, 0, 3])
    f = lambda E, i: tg.sum(E[i] ** 3)
    t = np.ones_like(E)
    _, tan = tg.jvp(lambda e: f(e, idx), (E,), (t,))
    assert tan == pytest.approx(np.sum(tg.grad(f)(E, idx) * t), rel=1e-12)
    h = tg.hessian(lambda e: f(e, idx))(E)            # 6 * E[r, c] * count(r) on the diagonal
    counts = np.bincount(idx, minlength=5)[:, None]
    np.testing.assert_allclose(np.einsum("ijij->ij", h), 6 * E * counts, rtol=1e-12)
    np.testing.assert_allclose(tg.jit(tg.hessian(lambda e, i: f(e, i)))(E, idx), h, rtol=1e-15)


def test_take_indexes_a_numpy_array_with_traced_integers():
    f = lambda x: tg.sum(tg.take(E, np.floor(x).astype(np.int32), axis=0) * x[:, None])
    x = np.array([0.5, 3.2, 4.9])
    want = np.sum(E[[0, 3, 4]] * x[:, None])
    assert f(x) == pytest.approx(want) and tg.jit(f)(x) == pytest.approx(want)
    np.testing.assert_allclose(tg.grad(f)(x), E[[0, 3, 4]].sum(axis=1), rtol=1e-12)
    np.testing.assert_allclose(tg.jit(tg.grad(f))(x), E[[0, 3, 4]].sum(axis=1), rtol=1e-12)
    with pytest.raises(TypeError, match=r"tg\.take\(E, i, axis=0\)"):
        tg.jit(lambda i: E[i])(np.array([1, 2]))          # NumPy's own indexing cannot trace


# --------------------------------------------------- rounding and casts
ROUNDINGS = [("floor", np.floor), ("ceil", np.ceil), ("round", np.round), ("trunc", np.trunc),
             ("rint", np.rint), ("method round", lambda x: x.round())]
CASTS = [int, np.int64, np.int32, np.int8, np.uint8, "int16"]


def interp(x, rounding, cast):
    """Linear interpolation in a table, as autograd's fluid simulation advects."""
    table = tg.sin(np.arange(8.0) + 0.1 * tg.sum(x))       # a traced table of 8 values
    left = rounding(x).astype(cast)
    w = x - left
    return tg.sum((1.0 - w) * table[left] + w * table[left + 1] * x)


def interp_np(x, rounding, cast):
    table = np.sin(np.arange(8.0) + 0.1 * np.sum(x))
    left = rounding(x).astype(cast)
    w = x - left
    return np.sum((1.0 - w) * table[left] + w * table[left + 1] * x)


@pytest.mark.parametrize("name,rounding", ROUNDINGS)
@pytest.mark.parametrize("cast", CASTS)
def test_rounded_index_in_eager_grad_jit_vmap_and_replay(name, rounding, cast):
    x0 = np.array([0.3, 2.2, 4.6])
    x1 = np.array([5.4, 1.1, 3.2])                # other cells: jit must not keep x0's
    f = lambda x: interp(x, rounding, cast)
    f_np = lambda x: interp_np(x, rounding, cast)
    jf, jg = tg.jit(f), tg.jit(tg.grad(f))
    tape = tg.make_tape(f)(x0)
    for x in (x0, x1):
        assert f(x) == f_np(x) and jf(x) == f_np(x) and tape(x) == f_np(x)
        g = tg.grad(f)(x)
        np.testing.assert_allclose(g, fd(f_np, x), rtol=1e-6)   # away from the cell edges
        np.testing.assert_array_equal(jg(x), g)
    assert jf.trace_count == 1                     # a new cell is a new value, not a retrace
    xs = np.stack([x0, x1, x0[::-1]])
    np.testing.assert_array_equal(tg.vmap(f)(xs), [f(x) for x in xs])
    np.testing.assert_allclose(tg.vmap(tg.grad(f))(xs), [tg.grad(f)(x) for x in xs],
                               rtol=1e-14)


@pytest.mark.parametrize("name,rounding", ROUNDINGS)
def test_rounding_has_zero_derivative_in_both_modes(name, rounding):
    x = np.array([0.3, -2.7, 1.5001])
    f = lambda x: tg.sum(rounding(x) * 3.0)
    assert tg.grad(f)(x).tolist() == [0.0, 0.0, 0.0]
    assert tg.jvp(f, (x,), (np.ones(3),))[1] == 0.0
    np.testing.assert_array_equal(tg.jit(lambda x: rounding(x))(x), rounding(x))
    assert tg.grad(lambda s: rounding(s) * s)(2.6) == rounding(np.float64(2.6))  # a float


@pytest.mark.parametrize("cast", CASTS)
def test_astype_int_is_integer_data(cast):
    x = np.array([0.5, 2.9, 1.0])
    seen = []
    tg.grad(lambda x: seen.append(x.astype(cast).dtype) or tg.sum(x))(x)
    assert seen == [np.dtype(cast)]
    out = tg.jit(lambda x: x.astype(cast) * 1)(x)
    assert out.dtype == np.dtype(cast) and out.tolist() == x.astype(cast).tolist()
    assert tg.grad(lambda x: tg.sum(x.astype(cast) * x))(x).tolist() == [0.0, 2.0, 1.0]


@pytest.mark.parametrize("to", [float, np.float64, np.float32])
def test_astype_float_keeps_the_derivative(to):
    x = np.array([0.5, -1.5, 2.0])
    f = lambda x: tg.sum(tg.sin(x.astype(to)) * 2.0)
    g = tg.grad(f)(x)
    assert g.dtype == np.float64
    rtol = 1e-6 if to is np.float32 else 1e-12
    np.testing.assert_allclose(g, 2.0 * np.cos(x), rtol=rtol)
    np.testing.assert_array_equal(tg.jit(tg.grad(f))(x), g)
    assert tg.jvp(f, (x,), (np.ones(3),))[1] == pytest.approx(g.sum(), rel=rtol)
    i = np.array([1, 2])                     # integer data cast to floats: no derivative
    assert tg.grad(lambda x, i: tg.sum(i.astype(to) * x[i]))(x, i).tolist() == [0.0, 1.0, 2.0]
    assert tg.jit(lambda x, i: tg.sum(i.astype(to) * x[i]))(x, i) == 1.0 * -1.5 + 2.0 * 2.0


# ------------------------------------------------- integer arithmetic
WRAPS = {np.int64: [2**62, -3], np.int32: [2**30, 7], np.int8: [100, -100],
         np.uint8: [5, 200]}


@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_integer_arithmetic_is_eager_numpy_in_every_mode(dtype):
    u = np.array(WRAPS[dtype], dtype=dtype)
    ops = [lambda u: u + u, lambda u: u * u - u, lambda u: (u + u)[::-1], lambda u: u * 0.5,
           lambda u: -u]
    for op in ops:
        with np.errstate(all="ignore"):
            want = op(u)
        for got in (tg.jit(op)(u), tg.make_tape(op)(u)(u),
                    tg.vmap(op, in_axes=0)(u[None])[0]):
            assert got.dtype == want.dtype
            np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_integer_data_beside_a_differentiated_float(dtype):
    u = np.array(WRAPS[dtype], dtype=dtype)
    f = lambda x, u: tg.sum(x * (u + u))
    with np.errstate(all="ignore"):
        twice = u + u                        # eager NumPy: wraps for the small dtypes
    want_v, want_g = float(np.sum(1.5 * twice)), float(np.sum(twice.astype(float)))
    assert f(1.5, u) == want_v
    for vg in (tg.value_and_grad(f), tg.jit(tg.value_and_grad(f)),
               tg.make_tape(tg.value_and_grad(f))(1.5, u)):
        assert vg(1.5, u) == (want_v, want_g)
    np.testing.assert_array_equal(tg.vmap(tg.grad(f), in_axes=(0, None))(np.ones(3), u),
                                  [want_g] * 3)
    np.testing.assert_array_equal(tg.vmap(tg.grad(f), in_axes=(None, 0))(1.5, np.stack([u, u])),
                                  [want_g] * 2)


def test_jit_traces_once_per_integer_dtype_not_per_value():
    f = tg.jit(embed)
    for seed in range(3):
        f(E, indices(np.int64, (4,), seed))
    assert f.trace_count == 1
    f(E, indices(np.int32, (4,)))
    assert f.trace_count == 2


def test_replaying_integer_data_as_floats_is_refused():
    tape = tg.make_tape(embed)(E, np.array([1, 2]))
    with pytest.raises(TypeError, match=r"i was recorded as integer data"):
        tape(E, np.array([1.0, 2.0]))


# ------------------------------------------- never differentiated
@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_integer_array_in_a_differentiated_argument_is_refused(dtype):
    params = {"w": np.ones(3), "idx": np.array([0, 2], dtype=dtype)}
    loss = lambda p: tg.sum(p["w"][p["idx"]])
    match = r"p\['idx'\] is an array of dtype .*integer arrays are data.*not in argnums"
    for transform in (tg.grad, lambda f: tg.jit(tg.grad(f)), tg.jacobian, tg.jacfwd):
        with pytest.raises(TypeError, match=match):
            transform(loss)(params)
    with pytest.raises(TypeError, match=r"integer arrays are data"):
        tg.jvp(lambda i: tg.sum(i * 1.0), (np.arange(3, dtype=dtype),), (np.ones(3),))
    # the fix the message names: the integers in an argument that is not differentiated
    g = tg.grad(lambda w, idx: tg.sum(w[idx]))(params["w"], params["idx"])
    assert g.tolist() == [1.0, 0.0, 1.0]


def test_integer_scalars_from_a_batch_are_differentiated_as_floats():
    f = lambda x: x * x * x
    xs = np.array([1, 2, 2**40], dtype=np.int64)
    loop = [tg.grad(f)(x) for x in xs]                   # each a NumPy int: a float there
    np.testing.assert_array_equal(tg.vmap(tg.grad(f))(xs), loop)
    assert tg.jit(tg.value_and_grad(f))(np.int64(2**40)) == tg.value_and_grad(f)(np.int64(2**40))
    assert tg.jit(tg.value_and_grad(f))(np.int64(2**40)) == (2.0**120, 3.0 * 2**80)


# ------------------------------------- autograd's fluid simulation, advect
def advect(f, vx, vy, np_=np, tg_=tg):
    """autograd's examples/fluidsim advect, written once for NumPy and for tapegrad."""
    rows, cols = f.shape
    cell_ys, cell_xs = np.meshgrid(np.arange(rows), np.arange(cols))
    center_xs = (cell_xs - vx).ravel()
    center_ys = (cell_ys - vy).ravel()
    left_ix = np.floor(center_xs).astype(int)
    top_ix = np.floor(center_ys).astype(int)
    rw = center_xs - left_ix
    bw = center_ys - top_ix
    left_ix = np.mod(left_ix, rows)
    right_ix = np.mod(left_ix + 1, rows)
    top_ix = np.mod(top_ix, cols)
    bot_ix = top_ix % cols + 1 - (top_ix + 1) // cols * cols      # np.mod(top_ix + 1, cols)
    flat_f = (1 - rw) * ((1 - bw) * f[left_ix, top_ix] + bw * f[left_ix, bot_ix]) \
        + rw * ((1 - bw) * f[right_ix, top_ix] + bw * f[right_ix, bot_ix])
    return np.reshape(flat_f, (rows, cols))


def fluid_loss(f, v):
    for _ in range(2):
        f = advect(f, v * f, v * f.T)
    return tg.sum(f * f)


def fluid_loss_np(f, v):
    for _ in range(2):
        f = advect(f, v * f, v * f.T)
    return np.sum(f * f)


def test_autograd_fluid_advection_in_every_mode():
    f0 = np.random.default_rng(3).uniform(0.0, 1.0, size=(6, 6))
    both = tg.grad(fluid_loss, argnums=(0, 1))     # the field traced too: f[i, j] is a gather
    jl, jg = tg.jit(fluid_loss), tg.jit(both)
    for v in (0.7, 2.3, -1.9):               # each moves the field by other cells
        want = fluid_loss_np(f0, v)
        assert fluid_loss(f0, v) == want and jl(f0, v) == want
        gf, gv = both(f0, v)
        assert gv == pytest.approx(fd(lambda w: fluid_loss_np(f0, w), v), rel=1e-5)
        np.testing.assert_allclose(gf, fd(lambda h: fluid_loss_np(h, v), f0), rtol=1e-5,
                                   atol=1e-7)
        jf, jv = jg(f0, v)
        assert jv == gv
        np.testing.assert_array_equal(jf, gf)
    assert jl.trace_count == 1 and jg.trace_count == 1
    vs = np.array([0.7, 2.3, -1.9])
    np.testing.assert_allclose(tg.vmap(fluid_loss, in_axes=(None, 0))(f0, vs),
                               [fluid_loss_np(f0, v) for v in vs], rtol=1e-14)
    per = tg.vmap(tg.grad(fluid_loss, argnums=1), in_axes=(None, 0))(f0, vs)
    np.testing.assert_allclose(per, [both(f0, v)[1] for v in vs], rtol=1e-12)
    tape = tg.make_tape(fluid_loss)(f0, 0.7)
    assert tape(f0 * 0.5, -1.9) == fluid_loss_np(f0 * 0.5, -1.9)


@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_mod_and_floordiv_as_numpy_in_every_mode(dtype):
    i = np.array([3, 7, 0, 9], dtype=dtype)
    x = np.array([-0.7, 3.2, 5.9, 2.4])
    f = lambda x, i: tg.sum(x % 2.5 * x + (x // 1.5) * x + np.mod(i + 1, 4) * x
                            + x[(i * 3) // 2 % 4])
    f_np = lambda x, i: np.sum(x % 2.5 * x + (x // 1.5) * x + np.mod(i + 1, 4) * x
                               + x[(i * 3) // 2 % 4])
    assert f(x, i) == f_np(x, i) and tg.jit(f)(x, i) == f_np(x, i)
    assert tg.make_tape(f)(x, i)(x[::-1], i[::-1]) == f_np(x[::-1], i[::-1])
    g = tg.grad(f)(x, i)
    np.testing.assert_allclose(g, fd(lambda y: f_np(y, i), x), rtol=1e-6)
    np.testing.assert_array_equal(tg.jit(tg.grad(f))(x, i), g)
    xs, iss = np.stack([x, -x]), np.stack([i, i[::-1]])
    np.testing.assert_array_equal(tg.vmap(f)(xs, iss), [f_np(a, b) for a, b in zip(xs, iss)])
    np.testing.assert_allclose(tg.vmap(tg.grad(f))(xs, iss),
                               [tg.grad(f)(a, b) for a, b in zip(xs, iss)], rtol=1e-15)
    assert tg.grad(lambda b: 7.0 % b)(2.5) == -2.0          # d/db (a - b floor(a/b))


INT_REDUCTIONS = [
    ("np.sum", lambda x: np.sum(x)), ("np.max", lambda x: np.max(x)),
    ("min method", lambda x: x.min()), ("np.prod", lambda x: np.prod(x)),
    ("sum of a mask", lambda x: np.sum(x > 1)), ("sum axis 0", lambda x: np.sum(x, axis=0)),
    ("max axis 1", lambda x: np.max(x, axis=1)),
    ("sum keepdims", lambda x: x.sum(1, keepdims=True)),
]


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, np.bool_])
@pytest.mark.parametrize("name, f", INT_REDUCTIONS, ids=[n for n, _ in INT_REDUCTIONS])
def test_reductions_of_integer_data_keep_numpys_type_under_every_transform(name, f, dtype):
    x = np.array([[1, 2, 3], [4, 0, 2]]).astype(dtype)
    want = f(x)
    for got in (tg.jit(f)(x), tg.make_tape(f)(x)(x)):
        assert type(got) is type(want) and np.array_equal(got, want)
        assert np.asarray(got).dtype == np.asarray(want).dtype
    batch = np.stack([x, x[::-1]])
    got = tg.vmap(f)(batch)
    loop = np.stack([f(b) for b in batch])
    assert got.dtype == loop.dtype and np.array_equal(got, loop)
