"""vmap on arrays of another library runs the program once on the batch, equal to a loop.

On array-api-strict (NumPy underneath) every result is the loop's bit for bit:
each primitive family (elementwise, matmul, where, reductions, indexing,
reshape/transpose/broadcast_to), vmap against a Python loop over the
examples stacked with the library's ``stack``, jit(vmap), vmap(grad),
grad of a vmap; and ``fun`` is called once for the whole batch (traced at one
example), not once per example, unless a Python ``if`` on an array splits it.
"""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg

xp = pytest.importorskip("array_api_strict")
pytest.importorskip("array_api_compat")

N = 5
RNG = np.random.default_rng(22)


def arr(*shape, dtype=np.float64, positive=False):
    a = RNG.normal(size=shape)
    a = np.abs(a) + 0.5 if positive else a
    return xp.asarray(a.astype(dtype))


def host(a):
    return np.asarray(a)


def loop(f, args, in_axes):
    """The examples one by one, results stacked along axis 0 (tuples of outputs kept)."""
    n = next(a.shape[ax] for a, ax in zip(args, in_axes) if ax is not None)
    outs = []
    for i in range(n):
        ex = [a if ax is None else xp.take(a, xp.asarray([i]), axis=ax)[
            (slice(None),) * ax + (0, ...)] for a, ax in zip(args, in_axes)]
        outs.append(f(*ex))
    return tg.tree.map(lambda *vs: xp.stack([xp.asarray(v) for v in vs]), *outs)


def same(got, want):
    """The same structure, library, dtype, shape and bits."""
    gl, gd = tg.tree.flatten(got)
    wl, wd = tg.tree.flatten(want)
    assert gd == wd
    for g, w in zip(gl, wl):
        assert type(g).__module__.split(".")[0] == "array_api_strict", type(g)
        assert g.dtype == w.dtype and g.shape == w.shape, (g.dtype, w.dtype, g.shape, w.shape)
        assert np.array_equal(host(g), host(w), equal_nan=True), (host(g), host(w))


def calls_once(f):
    """``f`` and a list that counts its calls."""
    count = []

    def counted(*args):
        count.append(1)
        return f(*args)
    return counted, count


def check(f, args, in_axes=0, once=True):
    """vmap, jit(vmap) against the loop; vmap calls ``f`` once for the batch."""
    axes = in_axes if isinstance(in_axes, tuple) else (in_axes,) * len(args)
    want = loop(f, args, axes)
    counted, count = calls_once(f)
    same(tg.vmap(counted, in_axes=in_axes)(*args), want)
    if once:
        assert len(count) == 1, f"fun called {len(count)} times for a batch of {N}"
    same(tg.jit(tg.vmap(f, in_axes=in_axes))(*args), want)


# ------------------------------------------------------------------ elementwise

UNARY = [tg.exp, tg.tanh, tg.sin, tg.cos, tg.sigmoid, tg.softplus, tg.relu, tg.abs,
         tg.square, lambda x: -x, lambda x: tg.log(tg.abs(x) + 1.0),
         lambda x: tg.sqrt(x * x + 1.0), lambda x: tg.expm1(x) * 2.0 - x / 3.0,
         lambda x: 1.0 / (x * x + 1.0), lambda x: x ** 3]


@pytest.mark.parametrize("k", range(len(UNARY)))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_elementwise_unary(k, dtype):
    check(UNARY[k], (arr(N, 3, dtype=dtype),))
    check(lambda x: UNARY[k](x), (arr(N, dtype=dtype),))        # examples are 0-d


BINARY = [lambda a, b: a + b, lambda a, b: a * b - b, lambda a, b: a / (b * b + 1.0),
          tg.maximum, tg.minimum, lambda a, b: tg.where(a > b, a, b * 2.0),
          lambda a, b: tg.clip(a, -0.5, 0.5) + b, tg.logaddexp, tg.hypot]


@pytest.mark.parametrize("k", range(len(BINARY)))
def test_elementwise_binary_broadcasting(k):
    f = BINARY[k]
    check(f, (arr(N, 3), arr(N, 3)))
    check(f, (arr(N, 3), arr(3)), in_axes=(0, None))       # one operand shared
    check(f, (arr(N, 2, 3), arr(N, 3)))                     # example ranks differ
    check(f, (arr(N), arr(4, 3)), in_axes=(0, None))       # a 0-d example against (4, 3)


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8])
def test_integer_data(dtype):
    x = xp.asarray((np.arange(N * 3 * 2) % 7).astype(dtype).reshape(N, 3, 2))
    for f in (lambda x: x * 2 + 1, tg.sum, tg.max, lambda x: tg.sum(x, axis=0),
              lambda x: tg.reshape(x, (-1,))[1:], lambda x: tg.transpose(x)[0, ...],
              lambda x: tg.maximum(x, x[0, ...])):
        check(f, (x,))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_per_example_gradients_keep_the_dtype(dtype):
    w, x = arr(3, 4, dtype=dtype), arr(N, 3, dtype=dtype)
    check(tg.grad(mlp_loss), (w, x), in_axes=(None, 0))


# ------------------------------------------------------------------ matmul

@pytest.mark.parametrize("shapes", [((3,), (3, 4)), ((2, 3), (3,)), ((2, 3), (3, 4)),
                                    ((3,), (3,)), ((2, 2, 3), (3, 4))])
@pytest.mark.parametrize("mapped", [(0, 0), (0, None), (None, 0)])
def test_matmul(shapes, mapped):
    a = arr(*(((N,) if mapped[0] == 0 else ()) + shapes[0]))
    b = arr(*(((N,) if mapped[1] == 0 else ()) + shapes[1]))
    check(tg.matmul, (a, b), in_axes=mapped)
    check(lambda a, b: tg.tanh(tg.matmul(a, b)), (a, b), in_axes=mapped)


def test_matmul_against_a_shared_stack_of_matrices():
    check(tg.matmul, (arr(N, 2, 3), arr(4, 3, 2)), in_axes=(0, None))


# ------------------------------------------------------------------ reductions

@pytest.mark.parametrize("f", [tg.sum, tg.mean, tg.max, tg.min,
                               lambda x: tg.sum(x, axis=0), lambda x: tg.mean(x, axis=1),
                               lambda x: tg.max(x, axis=-1), lambda x: tg.min(x, axis=0),
                               lambda x: tg.sum(x, axis=1, keepdims=True),
                               lambda x: tg.sum(x * x) / tg.mean(x ** 2)],
                         ids=range(10))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_reductions(f, dtype):
    check(f, (arr(N, 4, 3, dtype=dtype),))


# ------------------------------------------------------------------ indexing and shapes

@pytest.mark.parametrize("f", [lambda x: x[0, ...], lambda x: x[1:, ::2], lambda x: x[..., -1],
                               lambda x: x[None, 1, ...],
                               lambda x: x[:2, 0] * tg.transpose(x[-2:, :2])[0, ...],
                               lambda x: tg.reshape(x, (-1,)), lambda x: tg.reshape(x, (2, 6)),
                               lambda x: tg.transpose(x), lambda x: x.T @ x,
                               lambda x: tg.broadcast_to(x[0, ...], (2, 3)),
                               lambda x: tg.stack([x[0, ...], x[1, ...]]),
                               lambda x: tg.concatenate([x, x], axis=1)],
                         ids=range(12))
def test_indexing_and_shapes(f):
    check(f, (arr(N, 4, 3),))


def test_an_index_array_runs_per_equation_and_is_right():
    idx = np.array([2, 0, 2])
    check(lambda x: tg.sum(tg.take(x, idx) * 2.0), (arr(N, 4),))
    check(lambda x: tg.take(x, idx), (arr(N, 4),))


# ------------------------------------------------------------------ axes

def test_in_axes_and_out_axes():
    x, w = arr(3, N), arr(3)
    f = lambda x, w: tg.tanh(x * w)
    want = loop(f, (x, w), (1, None))
    same(tg.vmap(f, in_axes=(1, None))(x, w), want)
    same(tg.vmap(f, in_axes=(1, None), out_axes=1)(x, w), xp.permute_dims(want, (1, 0)))
    g = lambda x, w: (tg.sum(x * w), w * 2.0)            # the second output is unbatched
    value, shared = tg.vmap(g, in_axes=(1, None))(x, w)
    same(value, loop(lambda x, w: tg.sum(x * w), (x, w), (1, None)))
    same(shared, xp.stack([w * 2.0] * N))


def test_out_axes_as_a_prefix_of_the_outputs_as_on_numpy():
    x, w = arr(N, 3), arr(3)
    g = lambda x, w: {"row": x * w, "shared": w * 2.0}
    out = tg.vmap(g, in_axes=(0, None), out_axes={"row": 1, "shared": None})(x, w)
    same(out["row"], xp.permute_dims(loop(lambda x, w: x * w, (x, w), (0, None)), (1, 0)))
    same(out["shared"], w * 2.0)                          # returned once, unbatched
    numpy = tg.vmap(g, in_axes=(0, None), out_axes={"row": 1, "shared": None})(
        np.asarray(x), np.asarray(w))
    assert np.array_equal(numpy["row"], host(out["row"]))
    with pytest.raises(ValueError, match=r"out_axes at \['row'\] is None, but that output"):
        tg.vmap(g, in_axes=(0, None), out_axes={"row": None, "shared": None})(x, w)
    with pytest.raises(ValueError, match=r"out_axes at \['row'\] is 2, but that output"):
        tg.vmap(g, in_axes=(0, None), out_axes={"row": 2, "shared": 0})(x, w)


# ------------------------------------------------------------------ with grad and jit

def mlp_loss(w, x):
    return tg.sum(tg.tanh(tg.matmul(x, w)) ** 2) + tg.mean(w * w)


def test_vmap_of_grad_per_example_gradients():
    w, x = arr(3, 4), arr(N, 3)
    g = tg.grad(mlp_loss)
    check(g, (w, x), in_axes=(None, 0))
    check(tg.grad(mlp_loss, argnums=1), (w, x), in_axes=(None, 0))
    check(tg.value_and_grad(mlp_loss), (w, x), in_axes=(None, 0))


def test_grad_of_vmap_equals_grad_of_the_loop():
    w, x = arr(3, 4), arr(N, 3)
    through_vmap = tg.grad(lambda w: tg.sum(tg.vmap(mlp_loss, in_axes=(None, 0))(w, x)))(w)
    through_loop = tg.grad(lambda w: tg.sum(tg.stack([mlp_loss(w, x[i, ...])
                                                      for i in range(N)])))(w)
    np.testing.assert_allclose(host(through_vmap), host(through_loop), rtol=1e-13)
    assert type(through_vmap).__module__.split(".")[0] == "array_api_strict"


def test_jit_of_vmap_of_grad():
    w, x = arr(3, 4), arr(N, 3)
    f = tg.jit(tg.vmap(tg.grad(mlp_loss), in_axes=(None, 0)))
    same(f(w, x), loop(tg.grad(mlp_loss), (w, x), (None, 0)))
    same(f(w, x), loop(tg.grad(mlp_loss), (w, x), (None, 0)))      # the compiled call


def test_a_python_if_on_an_array_splits_per_example():
    f = lambda x: tg.sum(x) * 2.0 if tg.sum(x) > 0 else -tg.sum(x)
    x = arr(N, 3)
    same(tg.vmap(f)(x), loop(f, (x,), (0,)))
    check(f, (x,), once=False)


def test_jit_of_a_python_if_on_an_array_comparison():
    """The comparison gives the library's bool array: the guard takes it as it is."""
    f = lambda x: tg.sum(x) * 2.0 if tg.sum(x) > 0 else -tg.sum(x)
    g = tg.jit(f)
    for x in (arr(3), -xp.abs(arr(3)), xp.abs(arr(3))):
        same(g(x), f(x))


def test_vmap_of_vmap():
    x = arr(4, 3, 2)
    f = lambda x: tg.sum(tg.tanh(x * 2.0))
    want = xp.stack([xp.stack([f(x[i, j, ...]) for j in range(3)]) for i in range(4)])
    same(tg.vmap(tg.vmap(f))(x), want)


def test_grad_through_a_closure_over_the_differentiated_value():
    """The vmapped function closes over w, which grad differentiates."""
    x, w = arr(N, 3), arr(3)
    through_vmap = tg.grad(lambda w: tg.sum(tg.vmap(lambda x: tg.sum(tg.tanh(x * w)))(x)))(w)
    through_loop = tg.grad(lambda w: tg.sum(tg.stack([tg.sum(tg.tanh(w * x[i, ...]))
                                                      for i in range(N)])))(w)
    np.testing.assert_allclose(host(through_vmap), host(through_loop), rtol=1e-13)


def test_no_value_is_read_back_from_an_array(monkeypatch):
    """Per-example gradients without a host sync: no float(), bool(), int() of an array."""
    w, x = arr(3, 4), arr(N, 3)
    want = loop(tg.grad(mlp_loss), (w, x), (None, 0))
    f = tg.vmap(tg.grad(mlp_loss), in_axes=(None, 0))
    jf = tg.jit(f)

    def refuse(self, *a):
        raise AssertionError("a value was read back from an array inside vmap")
    for name in ("__float__", "__bool__", "__int__", "__index__", "item", "__array__"):
        monkeypatch.setattr(type(x), name, refuse, raising=False)
    got, compiled = f(w, x), jf(w, x)
    monkeypatch.undo()
    same(got, want)
    same(compiled, want)


@pytest.mark.parametrize("f", [tg.cumsum, tg.sort, lambda x: tg.prod(x * 0.5),
                               lambda x: tg.linalg.solve(x[:2, :2] * x[:2, :2] + 3.0, x[0, :2])],
                         ids=["cumsum", "sort", "prod", "solve"])
def test_other_primitives_run_per_example_inside_the_batched_program(f):
    check(lambda x: tg.tanh(f(x)) * 2.0, (arr(N, 3, 3),))


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.float64])
def test_if_on_an_array_element_of_any_dtype(dtype):
    """``if x[0]:`` is ``x[0] != 0``, compared in the array's own dtype."""
    f = lambda x: tg.sum(x) * 2 if x[0] else x[1]
    g = tg.jit(f)
    for v in ([3, 0], [0, 5]):
        x = xp.asarray(np.array(v, dtype=dtype))
        same(g(x), f(x))
    x = xp.asarray(np.array([[3, 0], [0, 5], [1, 1]], dtype=dtype))
    same(tg.vmap(f)(x), loop(f, (x,), (0,)))
