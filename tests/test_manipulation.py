"""NumPy's array manipulation on traced values (expand_dims, squeeze, ravel,
atleast_*d, the stacks, repeat, tile, roll, flip, swapaxes, moveaxis,
diagonal, diag and their ndarray methods).

Each case is written once against a module ``xp`` and run with ``xp=numpy``
on plain arrays (NumPy's own values), on traced arrays (tapegrad, through
``np.foo``'s dispatch), and with ``xp=jax.numpy`` where JAX is installed.
Checked: values and dtypes equal NumPy's exactly; derivatives against
central differences at order 2 in both modes; jit bit for bit against
eager; vmap against a Python loop; make_tape replay; float32 kept; integer
data kept integer. The systematic cases carry those of HIPS autograd's
test_systematic.py and test_numpy.py for these functions.
"""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg

R = np.random.default_rng(0).normal


def _c(id, fn, *shapes):
    return pytest.param(fn, shapes, id=id)


CASES = [
    # expand_dims
    _c("expand_dims-0", lambda xp, x: xp.expand_dims(x, 0), (3,)),
    _c("expand_dims--1", lambda xp, x: xp.expand_dims(x, -1), (2, 3)),
    _c("expand_dims-tuple", lambda xp, x: xp.expand_dims(x, (0, 2)), (2, 3)),
    _c("expand_dims-neg-tuple", lambda xp, x: xp.expand_dims(x, (-1, 1)), (2, 3)),
    _c("expand_dims-scalar", lambda xp, x: xp.expand_dims(x, 0), ()),
    _c("expand_dims-empty", lambda xp, x: xp.expand_dims(x, axis=1), (0, 3)),
    # squeeze
    _c("squeeze-all", lambda xp, x: xp.squeeze(x), (1, 3, 1)),
    _c("squeeze-0", lambda xp, x: xp.squeeze(x, 0), (1, 3, 1)),
    _c("squeeze--1", lambda xp, x: xp.squeeze(x, axis=-1), (1, 3, 1)),
    _c("squeeze-tuple", lambda xp, x: xp.squeeze(x, (0, 2)), (1, 3, 1)),
    _c("squeeze-to-scalar", lambda xp, x: xp.squeeze(x), (1, 1)),
    _c("squeeze-empty", lambda xp, x: xp.squeeze(x, 0), (1, 0, 2)),
    _c("squeeze-method", lambda xp, x: x.squeeze(), (2, 1, 3)),
    _c("squeeze-method-axis", lambda xp, x: x.squeeze(axis=1), (2, 1, 3)),
    # ravel / flatten
    _c("ravel", lambda xp, x: xp.ravel(x), (2, 3, 4)),
    _c("ravel-F", lambda xp, x: xp.ravel(x, order="F"), (2, 3, 4)),
    _c("ravel-scalar", lambda xp, x: xp.ravel(x), ()),
    _c("ravel-empty", lambda xp, x: xp.ravel(x), (0, 2)),
    _c("ravel-method", lambda xp, x: x.ravel(), (5, 6, 4)),
    _c("flatten-method", lambda xp, x: x.flatten(), (5, 6, 4)),
    _c("flatten-method-F", lambda xp, x: x.flatten("F"), (2, 3)),
    # atleast_*d (autograd's shapes)
    *[_c(f"atleast_{d}d-{s}", (lambda d: lambda xp, x: getattr(xp, f"atleast_{d}d")(x))(d), s)
      for d in (1, 2, 3) for s in [(), (1,), (7,), (1, 4), (2, 4), (2, 4, 5), (2, 4, 3, 5)]],
    _c("atleast_2d-two", lambda xp, x, y: xp.atleast_2d(x, y), (), (3,)),
    _c("atleast_3d-two", lambda xp, x, y: xp.atleast_3d(x, y), (2, 3), (3,)),
    # stacks (autograd's shapes)
    _c("vstack-1d", lambda xp, x, y: xp.vstack((x, y)), (2,), (2,)),
    _c("vstack-2d", lambda xp, x, y: xp.vstack([x, y]), (2, 4), (1, 4)),
    _c("vstack-3d", lambda xp, x, y: xp.vstack((x, y)), (2, 3, 4), (5, 3, 4)),
    _c("vstack-one-array", lambda xp, x: xp.vstack(x), (2, 3)),
    _c("vstack-scalars", lambda xp, x, y: xp.vstack([x, y]), (), ()),
    _c("hstack-1d", lambda xp, x, y: xp.hstack((x, y)), (2,), (2,)),
    _c("hstack-2d", lambda xp, x, y: xp.hstack((x, y)), (3, 4), (3, 5)),
    _c("hstack-3d", lambda xp, x, y: xp.hstack((x, y)), (2, 1, 4), (2, 5, 4)),
    _c("hstack-scalars", lambda xp, x, y: xp.hstack([x, y]), (), (3,)),
    _c("hstack-empty", lambda xp, x, y: xp.hstack([x, y]), (0,), (3,)),
    _c("dstack-1d", lambda xp, x, y: xp.dstack((x, y)), (2,), (2,)),
    _c("dstack-2d", lambda xp, x, y: xp.dstack((x, y)), (2, 3), (2, 3)),
    _c("dstack-3d", lambda xp, x, y: xp.dstack((x, y)), (2, 3, 1), (2, 3, 2)),
    _c("column_stack-1d", lambda xp, x, y: xp.column_stack((x, y)), (2,), (2,)),
    _c("column_stack-2d", lambda xp, x, y: xp.column_stack((x, y)), (2, 2), (2, 3)),
    _c("column_stack-mixed", lambda xp, x, y: xp.column_stack((x, y)), (3, 2), (3,)),
    # repeat (autograd's combos)
    *[_c(f"repeat-{s}-{r}-{a}", (lambda r, a: lambda xp, x: xp.repeat(x, r, axis=a))(r, a), s)
      for s in [(2, 3, 4), (3, 1)] for r in (0, 1, 2) for a in (None, 0, 1)],
    _c("repeat--1", lambda xp, x: xp.repeat(x, 3, axis=-1), (2, 3)),
    _c("repeat-counts", lambda xp, x: xp.repeat(x, [1, 0, 2], axis=0), (3, 2)),
    _c("repeat-counts-flat", lambda xp, x: xp.repeat(x, [2, 1, 1, 3]), (2, 2)),
    _c("repeat-scalar", lambda xp, x: xp.repeat(x, 3), ()),
    _c("repeat-empty", lambda xp, x: xp.repeat(x, 2, axis=1), (2, 0)),
    _c("repeat-method", lambda xp, x: x.repeat(2, axis=0), (2, 3)),
    _c("repeat-method-flat", lambda xp, x: x.repeat(2), (2, 3)),
    # tile (autograd's combos)
    _c("tile-4d", lambda xp, x: xp.tile(x, (1, 4, 1, 2)), (2, 1, 3, 1)),
    *[_c(f"tile-{r}", (lambda r: lambda xp, x: xp.tile(x, r))(r), (1, 2))
      for r in [(1, 2), (2, 3), (3, 2, 1)]],
    _c("tile-int", lambda xp, x: xp.tile(x, 2), (1,)),
    _c("tile-tuple1", lambda xp, x: xp.tile(x, (2,)), (3,)),
    _c("tile-fewer-reps", lambda xp, x: xp.tile(x, 2), (2, 3)),
    _c("tile-scalar", lambda xp, x: xp.tile(x, 3), ()),
    _c("tile-zero", lambda xp, x: xp.tile(x, (0, 2)), (2, 3)),
    # roll
    _c("roll-axis1", lambda xp, x: xp.roll(x, 2, axis=1), (4, 5)),
    _c("roll-flat", lambda xp, x: xp.roll(x, 2), (4, 5)),
    _c("roll-negative", lambda xp, x: xp.roll(x, -7, axis=0), (4, 5)),
    _c("roll-negative-axis", lambda xp, x: xp.roll(x, 1, axis=-1), (4, 5)),
    _c("roll-two-axes", lambda xp, x: xp.roll(x, (1, 2), axis=(0, 1)), (4, 5)),
    _c("roll-same-axis-twice", lambda xp, x: xp.roll(x, (1, 1), axis=(0, 0)), (4, 5)),
    _c("roll-zero", lambda xp, x: xp.roll(x, 5, axis=1), (4, 5)),
    _c("roll-empty", lambda xp, x: xp.roll(x, 1, axis=0), (0, 3)),
    _c("roll-scalar", lambda xp, x: xp.roll(x, 1), ()),
    # flip
    _c("flip-all", lambda xp, x: xp.flip(x), (2, 3, 4)),
    _c("flip-0", lambda xp, x: xp.flip(x, 0), (2, 3, 4)),
    _c("flip--1", lambda xp, x: xp.flip(x, axis=-1), (2, 3, 4)),
    _c("flip-tuple", lambda xp, x: xp.flip(x, (0, 2)), (2, 3, 4)),
    _c("flip-empty", lambda xp, x: xp.flip(x, 1), (2, 0)),
    _c("fliplr", lambda xp, x: xp.fliplr(x), (10, 11)),
    _c("flipud", lambda xp, x: xp.flipud(x), (10, 11)),
    _c("flipud-1d", lambda xp, x: xp.flipud(x), (4,)),
    # swapaxes, moveaxis (autograd's combos)
    *[_c(f"swapaxes-{i}-{j}", (lambda i, j: lambda xp, x: xp.swapaxes(x, i, j))(i, j), (3, 4, 5))
      for i in (0, 1, 2) for j in (0, 1, -1)],
    _c("swapaxes-method", lambda xp, x: x.swapaxes(0, -1), (3, 4, 5)),
    _c("moveaxis-0-last", lambda xp, x: xp.moveaxis(x, 0, -1), (2, 3, 4)),
    _c("moveaxis-last-0", lambda xp, x: xp.moveaxis(x, -1, 0), (2, 3, 4)),
    _c("moveaxis-two", lambda xp, x: xp.moveaxis(x, (0, 1), (2, 0)), (2, 3, 4)),
    _c("moveaxis-same", lambda xp, x: xp.moveaxis(x, 1, 1), (2, 3, 4)),
    # diagonal, diag (autograd's combos)
    *[_c(f"diagonal-{s}-{k}", (lambda k: lambda xp, x: xp.diagonal(x, k))(k), s)
      for s in [(5, 5), (4, 5), (5, 4)] for k in (-1, 0, 1)],
    _c("diagonal-out-of-range", lambda xp, x: xp.diagonal(x, 6), (4, 5)),
    _c("diagonal-3d", lambda xp, x: xp.diagonal(x), (3, 4, 5)),
    _c("diagonal-axes", lambda xp, x: xp.diagonal(x, 1, axis1=1, axis2=2), (3, 4, 5)),
    _c("diagonal-neg-axes", lambda xp, x: xp.diagonal(x, -1, axis1=-1, axis2=0), (3, 4, 5)),
    _c("diagonal-method", lambda xp, x: x.diagonal(), (3, 3)),
    _c("diagonal-method-kw", lambda xp, x: x.diagonal(offset=1, axis1=1, axis2=0), (3, 4)),
    *[_c(f"diag-2d-{k}", (lambda k: lambda xp, x: xp.diag(x, k))(k), (5, 5)) for k in (-1, 0, 1)],
    *[_c(f"diag-1d-{k}", (lambda k: lambda xp, x: xp.diag(x, k=k))(k), (5,)) for k in (-2, 0, 1)],
    _c("diag-2d-wide", lambda xp, x: xp.diag(x, 2), (4, 6)),
    _c("diag-empty", lambda xp, x: xp.diag(x), (0,)),
    _c("diag-10", lambda xp, x: xp.diag(x), (10, 10)),
    # copy
    _c("copy-method", lambda xp, x: x.copy() * 2.0, (2, 3)),
]


def _args(shapes, dtype=np.float64):
    """Random arguments of ``shapes``: a float for ``()`` (a 0-d array for float32)."""
    return tuple(np.asarray(R(size=s), dtype=dtype) if s or dtype != np.float64 else R()
                 for s in shapes)


def _leaves(out):
    return list(out) if isinstance(out, tuple | list) else [out]


def _loss(fn):
    """A scalar in which every output element counts with its own weight."""
    def loss(*xs):
        outs = _leaves(fn(np, *xs))
        total = 0.0
        for k, o in enumerate(outs):
            w = np.random.default_rng(k).normal(size=np.shape(o))
            w = np.asarray(w, dtype=getattr(o, "dtype", np.float64))   # float32 stays
            total = total + tg.sum(tg.sin(o) * w)
        return total
    return loss


def _traced_value(fn, args):
    """``fn`` on traced arguments (eager), through NumPy's dispatch."""
    return tg.vjp(lambda *xs: fn(np, *xs), *args)[0]


def same(a, b):
    """Equal, of one dtype and shape (tuples elementwise)."""
    if isinstance(a, tuple | list):
        return isinstance(b, tuple | list) and len(a) == len(b) and all(
            same(x, y) for x, y in zip(a, b))
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b)


@pytest.mark.parametrize("fn, shapes", CASES)
def test_values_equal_numpy(fn, shapes):
    args = _args(shapes)
    want = fn(np, *args)
    got = _traced_value(fn, args)
    assert same(got, want), (got, want)


@pytest.mark.parametrize("fn, shapes", CASES)
def test_derivatives_order_two_both_modes(fn, shapes):
    tg.check_grads(lambda *xs: fn(np, *xs), _args(shapes), order=2)


@pytest.mark.parametrize("fn, shapes", CASES)
def test_jit_is_eager_bit_for_bit(fn, shapes):
    args = _args(shapes)
    assert same(tg.jit(lambda *xs: fn(np, *xs))(*args), _traced_value(fn, args))
    argnums = tuple(range(len(args)))
    g = tg.grad(_loss(fn), argnums=argnums)
    assert same(tg.jit(g)(*args), g(*args))


@pytest.mark.parametrize("fn, shapes", CASES)
def test_vmap_is_a_loop(fn, shapes):
    batch = [_args(shapes) for _ in range(3)]
    stacked = [np.stack([b[k] for b in batch]) for k in range(len(shapes))]
    got = tg.vmap(lambda *xs: fn(np, *xs))(*stacked)
    outs = [_leaves(fn(np, *b)) for b in batch]
    want = [np.stack([o[k] for o in outs]) for k in range(len(outs[0]))]
    assert same(_leaves(got), want)
    argnums = tuple(range(len(shapes)))
    g = tg.grad(_loss(fn), argnums=argnums)
    got_g = tg.vmap(g)(*stacked)
    loop = [np.stack([np.asarray(g(*b)[k]) for b in batch]) for k in argnums]
    assert all(np.allclose(a, b, rtol=1e-13, atol=1e-15) for a, b in zip(got_g, loop))


@pytest.mark.parametrize("fn, shapes", CASES)
def test_replay_of_the_gradient_tape(fn, shapes):
    argnums = tuple(range(len(shapes)))
    g = tg.grad(_loss(fn), argnums=argnums)
    tape = tg.make_tape(g)(*_args(shapes))
    fresh = _args(shapes)
    assert same(tape(*fresh), g(*fresh))


@pytest.mark.parametrize("fn, shapes", CASES)
def test_float32_stays_float32(fn, shapes):
    args = _args(shapes, np.float32)
    for out in _leaves(_traced_value(fn, args)):
        assert np.asarray(out).dtype == np.float32
    grads = tg.grad(_loss(fn), argnums=tuple(range(len(args))))(*args)
    assert all(np.asarray(g).dtype == np.float32 for g in grads)
    assert same(tg.jit(lambda *xs: fn(np, *xs))(*args), fn(np, *args))


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8])
@pytest.mark.parametrize("fn, shapes", CASES)
def test_integer_data_stays_integer_under_jit_and_vmap(fn, shapes, dtype):
    args = tuple(np.arange(int(np.prod(s)), dtype=dtype).reshape(s) for s in shapes)
    f = lambda *xs: fn(np, *xs)      # noqa: E731
    want = f(*args)
    assert same(tg.jit(f)(*args), want)
    got = tg.vmap(f)(*[np.stack([a, a]) for a in args])
    assert same(_leaves(got)[0][1], _leaves(want)[0])


@pytest.mark.parametrize("fn, shapes", CASES)
def test_against_jax(fn, shapes):
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    jnp = jax.numpy
    args = _args(shapes)
    try:
        want = fn(jnp, *[jnp.asarray(a) for a in args])
    except (AttributeError, TypeError, ValueError) as e:      # a method jax has not
        pytest.skip(f"jax.numpy: {e}")
    got = _traced_value(fn, args)
    assert all(np.allclose(np.asarray(w), g) for w, g in zip(_leaves(want), _leaves(got)))

    def loss(xp, sum_, *xs):
        outs = _leaves(fn(xp, *xs))
        return sum_([xp.sum(xp.sin(o) * np.random.default_rng(k).normal(size=np.shape(o)))
                     for k, o in enumerate(outs)])
    argnums = tuple(range(len(args)))
    jg = jax.grad(lambda *xs: loss(jnp, sum, *xs), argnums=argnums)(*args)
    tgg = tg.grad(lambda *xs: loss(np, sum, *xs), argnums=argnums)(*args)
    assert all(np.allclose(np.asarray(a), b, rtol=1e-12, atol=1e-14) for a, b in zip(jg, tgg))


# ------------------------------------------------------------ tg.foo names
@pytest.mark.parametrize("name, args, kwargs", [
    ("expand_dims", ((2, 3), 1), {}), ("squeeze", ((1, 3),), {}), ("ravel", ((2, 3),), {}),
    ("atleast_1d", ((),), {}), ("atleast_2d", ((3,),), {}), ("atleast_3d", ((2, 3),), {}),
    ("repeat", ((2, 3), 2), {"axis": 1}), ("tile", ((2, 3), (2, 1)), {}),
    ("roll", ((2, 3), 1), {"axis": 1}), ("flip", ((2, 3),), {}), ("fliplr", ((2, 3),), {}),
    ("flipud", ((2, 3),), {}), ("swapaxes", ((2, 3), 0, 1), {}),
    ("moveaxis", ((2, 3, 4), 0, 2), {}), ("diagonal", ((3, 3),), {"offset": 1}),
    ("diag", ((3,),), {"k": -1}),
])
def test_tg_functions_are_numpys_on_plain_arrays(name, args, kwargs):
    x = R(size=args[0])
    assert same(getattr(tg, name)(x, *args[1:], **kwargs),
                getattr(np, name)(x, *args[1:], **kwargs))


@pytest.mark.parametrize("name", ["vstack", "hstack", "dstack", "column_stack"])
def test_tg_stacks_are_numpys(name):
    xs = [R(size=3), R(size=3)]
    assert same(getattr(tg, name)(xs), getattr(np, name)(xs))
    assert same(tg.grad(lambda a: tg.sum(getattr(tg, name)([a, xs[1]]) ** 2))(xs[0]),
                2 * xs[0])


# -------------------------------------------------------------- closed forms
def test_repeat_gradient_sums_the_copies():
    x = R(size=(2, 3))
    g = tg.grad(lambda x: tg.sum(np.repeat(x, [1, 3], axis=0) ** 2))(x)
    assert np.allclose(g, 2 * x * np.array([[1.0], [3.0]]))


def test_tile_gradient_counts_the_copies():
    x = R(size=(2, 3))
    assert np.allclose(tg.grad(lambda x: tg.sum(np.tile(x, (3, 2))))(x), np.full((2, 3), 6.0))


def test_diag_of_a_vector_gradient_is_the_diagonal():
    w = R(size=(4, 4))
    v = R(size=3)
    g = tg.grad(lambda v: tg.sum(np.diag(v, 1) * w))(v)
    assert same(g, np.diagonal(w, 1).copy())


def test_roll_then_back_is_the_identity_and_its_gradient_too():
    x = R(size=(3, 4))
    f = lambda x: np.roll(np.roll(x, (1, 3), axis=(0, 1)), (-1, -3), axis=(0, 1))   # noqa
    assert same(_traced_value(lambda xp, x: f(x), (x,)), x)
    assert same(tg.grad(lambda x: tg.sum(f(x) * x))(x), 2 * x)


def test_copy_method_is_the_same_value_and_the_result_never_aliases_the_input():
    x = R(size=(3, 3))
    out = tg.jit(lambda x: x.diagonal())(x)
    out[0] = 99.0
    assert x[0, 0] != 99.0
    assert tg.grad(lambda x: tg.sum(x.copy() ** 2))(x).tolist() == (2 * x).tolist()


@pytest.mark.parametrize("f", [
    lambda x: x.copy(), lambda x: np.squeeze(x), lambda x: np.ravel(x[0]),
    lambda x: np.roll(x, 3, axis=1), lambda x: np.moveaxis(x, 0, 0), lambda x: np.tile(x, 1),
    lambda x: np.vstack([x]), lambda x: np.flip(x, ()), lambda x: np.swapaxes(x, 1, 1),
    lambda x: np.expand_dims(x, 0)[0],
])
def test_results_that_equal_the_input_never_alias_it(f):
    a = R(size=(2, 3))
    assert not np.shares_memory(tg.jit(f)(a), a)
    b = R(size=(4, 2, 3))
    assert not np.shares_memory(tg.vmap(f)(b), b)


# ------------------------------------------------------------------- errors
def test_squeeze_refuses_an_axis_longer_than_one():
    with pytest.raises(ValueError, match="squeeze: axis 1 of shape .* does not have length one"):
        tg.grad(lambda x: tg.sum(np.squeeze(x, 1)))(np.ones((1, 2)))


@pytest.mark.parametrize("call", [
    lambda x: np.expand_dims(x, 3), lambda x: np.squeeze(x, -3), lambda x: np.flip(x, 2),
    lambda x: np.swapaxes(x, 0, 2), lambda x: np.moveaxis(x, 0, 5),
    lambda x: np.roll(x, 1, axis=2), lambda x: np.repeat(x, 2, axis=-3),
])
def test_axes_out_of_range_are_numpys_axis_error(call):
    with pytest.raises(np.exceptions.AxisError, match=r"out of range for an array of \d axes"):
        tg.grad(lambda x: tg.sum(call(x)))(np.ones((1, 2)))


def test_diag_refuses_three_axes_and_diagonal_one():
    with pytest.raises(ValueError, match="diag: the array must have one or two axes"):
        tg.grad(lambda x: tg.sum(np.diag(x)))(np.ones((2, 2, 2)))
    with pytest.raises(ValueError, match="diagonal: the array must have at least two axes"):
        tg.grad(lambda x: tg.sum(np.diagonal(x)))(np.ones(2))
    with pytest.raises(ValueError, match="axis1 and axis2 must be different"):
        tg.grad(lambda x: tg.sum(np.diagonal(x, 0, 1, -1)))(np.ones((2, 2)))


def test_repeat_and_tile_refuse_negative_counts():
    with pytest.raises(ValueError, match="repeat: repeats may not be negative"):
        tg.grad(lambda x: tg.sum(np.repeat(x, -1)))(np.ones(2))
    with pytest.raises(ValueError, match="tile: reps may not be negative"):
        tg.grad(lambda x: tg.sum(np.tile(x, -1)))(np.ones(2))


def test_ravel_refuses_an_unknown_order():
    with pytest.raises(ValueError, match="order must be 'C', 'F', 'A' or 'K'"):
        tg.grad(lambda x: tg.sum(x.ravel("Z")))(np.ones(2))


def test_keywords_numpy_has_and_tapegrad_does_not_are_named():
    with pytest.raises(TypeError, match=r"np.einsum\(\.\.\., dtype=\.\.\.\)"):
        tg.grad(lambda x: tg.sum(np.einsum("i,i", x, x, dtype=float)))(np.ones(2))
