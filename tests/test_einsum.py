"""Contractions on traced values: einsum (any subscripts NumPy takes), tensordot,
inner, outer, trace.

Each case is written once against a module ``xp`` and run with ``xp=numpy``
on plain arrays (NumPy's values), on traced arrays (tapegrad, through
``np.einsum``'s dispatch) and with ``xp=jax.numpy`` where JAX is installed.
Checked: values against NumPy; derivatives against central differences at
order 2 in both modes; jit bit for bit against eager; vmap against a Python
loop (batched operands, unbatched ones, nested vmap); make_tape replay;
float32 kept; integer data kept integer. The cases carry HIPS autograd's
einsum, tensordot, inner, trace cases (test_systematic.py, test_numpy.py).
"""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg

R = np.random.default_rng(1).normal


def _c(id, fn, *shapes):
    return pytest.param(fn, shapes, id=id)


def _e(spec, *shapes, **kw):
    return _c(f"einsum-{spec}-{shapes}", lambda xp, *xs: xp.einsum(spec, *xs, **kw), *shapes)


CASES = [
    # autograd's einsum cases
    _e("ij->ji", (1, 1)), _e("ij->ji", (4, 4)), _e("ij->ji", (3, 4)),
    _e("ij,jk->ik", (2, 3), (3, 4)),
    _e("...ij,...jk->...ik", (2, 3), (3, 4)), _e("...ij,...jk->...ik", (2, 2, 3), (2, 3, 4)),
    _e("...ij,...jk->...ik", (2, 3), (2, 3, 4)), _e("...ij,...jk->...ik", (2, 2, 3), (3, 4)),
    _e("ijk,lji->lki", (3, 4, 4), (4, 4, 3)),
    _e("...jk,...lj->...lk", (4, 4), (4, 4)), _e("...jk,...lj->...lk", (3, 4, 4), (3, 4, 4)),
    _e("...jk,...lj->...lk", (4, 4), (3, 4, 4)), _e("...,...->...", (3, 4, 4), (4, 4)),
    _e("...,...->...", (4, 4), (4, 4)),
    _e("jk...,lj...->lk...", (3, 2), (2, 3)), _e("jk...,lj...->lk...", (3, 2, 4), (2, 3, 4)),
    _e("j...k,lj...->lk...", (2, 2), (2, 2)), _e("j...k,lj...->lk...", (2, 2, 2), (2, 2, 2)),
    _e("ijk,lji,lli->lki", (3, 4, 4), (4, 4, 3), (4, 4, 3)),
    # diagonals, traces, sums, implicit outputs
    _e("ii->i", (3, 3)), _e("ii", (3, 3)), _e("iij->ij", (2, 2, 3)), _e("iji->j", (2, 3, 2)),
    _e("bii->b", (4, 3, 3)), _e("iii->", (2, 2, 2)), _e("ij->", (2, 3)), _e("ij->j", (2, 3)),
    _e("ij", (2, 3)), _e("ji", (2, 3)), _e("Ba", (2, 3)), _e("i,i", (3,), (3,)),
    _e("ij,jk", (2, 3), (3, 4)), _e("i...->...", (2, 3)), _e("...", (2, 3)),
    _e("ij...", (2, 3, 4)), _e("...ii->...i", (2, 3, 3)), _e("...i->i", (3,)), _e("i...->", (3,)),
    _e("i,j->ij", (2,), (3,)), _e("i,j", (2,), (3,)), _e(",ij->ij", (), (2, 3)),
    _e("i,->", (3,), ()), _e(" i j , j k -> i k ", (2, 3), (3, 4)),
    _e("ij,jk", (2, 1), (3, 4)), _e("ij,ij->ij", (1, 3), (2, 3)), _e("i,i->i", (1,), (4,)),
    _e("ij,jk,kl->il", (2, 3), (3, 4), (4, 2)),
    _e("ij,jk,kl->il", (2, 3), (3, 4), (4, 2), optimize=True),
    _e("ij,jk->ik", (2, 3), (3, 4), optimize="greedy"),
    _e("ij,ij->", (0, 3), (0, 3)), _e("ij,jk->ik", (2, 0), (0, 3)), _e("i->", (0,)),
    # NumPy's interleaved form (autograd's einsum2 cases)
    _c("einsum2-transpose", lambda xp, x: xp.einsum(x, [0, 1], [1, 0]), (3, 4)),
    _c("einsum2-matmult", lambda xp, x, y: xp.einsum(x, [0, 1], y, [1, 2], [0, 2]),
       (2, 3), (3, 4)),
    _c("einsum2-matmult-broadcast", lambda xp, x, y: xp.einsum(
        x, [Ellipsis, 0, 1], y, [Ellipsis, 1, 2], [Ellipsis, 0, 2]), (2, 2, 3), (3, 4)),
    _c("einsum2-covsum", lambda xp, x, y: xp.einsum(x, [0, 1, 2], y, [3, 1, 0], [3, 2, 0]),
       (3, 4, 4), (4, 4, 3)),
    _c("einsum2-three-args", lambda xp, x, y, z: xp.einsum(
        x, [0, 1, 2], y, [3, 1, 0], z, [3, 3, 0], [3, 2, 0]), (3, 4, 4), (4, 4, 3), (4, 4, 3)),
    _c("einsum2-implicit", lambda xp, x, y: xp.einsum(x, [0, 1], y, [1, 2]), (2, 3), (3, 4)),
    # tensordot (autograd's cases)
    *[_c(f"tensordot-1-{a}-{b}", lambda xp, x, y: xp.tensordot(x, y, axes=[(1,), (0,)]), a, b)
      for a in [(1, 3), (2, 3, 2)] for b in [(3,), (3, 1), (3, 4, 2)]],
    *[_c(f"tensordot-2-{a}-{b}", lambda xp, x, y: xp.tensordot(x, y, axes=[(0,), (1,)]), a, b)
      for a in [(3,), (3, 1), (3, 4, 2)] for b in [(1, 3), (2, 3, 2)]],
    *[_c(f"tensordot-3-{a}-{b}-{ax}", (lambda ax: lambda xp, x, y: xp.tensordot(
        x, y, axes=ax))(ax), a, b)
      for a, b in [((2, 3), (1, 2, 3)), ((2, 3, 4), (2, 2, 3, 4))]
      for ax in [[(0, 1), (1, 2)], [(1, 0), (2, 1)]]],
    *[_c(f"tensordot-4-{a}-{b}-{n}", (lambda n: lambda xp, x, y: xp.tensordot(
        x, y, axes=n))(n), a, b)
      for a in [(2, 2), (4, 2, 2)] for b in [(2, 2), (2, 2, 4)] for n in (1, 2)],
    _c("tensordot-5", lambda xp, x, y: xp.tensordot(x, y, axes=0), (4,), ()),
    _c("tensordot-6", lambda xp, x, y: xp.tensordot(x, y, axes=[[-1], [0]]), (2, 6), (6, 3)),
    _c("tensordot-default", lambda xp, x, y: xp.tensordot(x, y), (2, 3, 4), (3, 4, 5)),
    _c("tensordot-ints", lambda xp, x, y: xp.tensordot(x, y, axes=(1, 0)), (2, 3), (3, 4)),
    _c("tensordot-empty", lambda xp, x, y: xp.tensordot(x, y, axes=1), (2, 0), (0, 3)),
    # inner (autograd's combos), outer
    *[_c(f"inner-{a}-{b}", lambda xp, x, y: xp.inner(x, y), a, b)
      for a in [(), (3,), (2, 3)] for b in [(), (3,), (4, 3)]
      if not (a and b and a[-1] != b[-1])],
    _c("outer-vectors", lambda xp, x, y: xp.outer(x, y), (11,), (11,)),
    _c("outer-matrices", lambda xp, x, y: xp.outer(x, y), (2, 3), (4,)),
    _c("outer-scalar", lambda xp, x, y: xp.outer(x, y), (), (3,)),
    _c("outer-empty", lambda xp, x, y: xp.outer(x, y), (0,), (3,)),
    # trace (autograd's combos)
    *[_c(f"trace-{s}-{k}", (lambda k: lambda xp, x: xp.trace(x, offset=k))(k), s)
      for s in [(5, 5), (4, 5), (5, 4), (3, 4, 5)] for k in (-1, 0, 1)],
    _c("trace-far-offset", lambda xp, x: xp.trace(x, offset=9), (10, 11)),
    _c("trace-far-negative-offset", lambda xp, x: xp.trace(x, offset=-9), (11, 10)),
    _c("trace-extradims", lambda xp, x: xp.trace(x, offset=2), (5, 6, 4, 3)),
    _c("trace-axes", lambda xp, x: xp.trace(x, 1, axis1=3, axis2=2), (5, 6, 4, 3)),
    _c("trace-method", lambda xp, x: x.trace(), (3, 3)),
    _c("trace-method-kw", lambda xp, x: x.trace(offset=-1, axis1=1, axis2=0), (3, 4)),
]


def _args(shapes, dtype=np.float64):
    """Random arguments of ``shapes``: a float for ``()`` (a 0-d array for float32)."""
    return tuple(np.asarray(R(size=s), dtype=dtype) if s or dtype != np.float64 else R()
                 for s in shapes)


def _loss(fn, xp=np):
    """A scalar in which every output element counts with its own weight."""
    def loss(*xs):
        o = fn(xp, *xs)
        w = np.random.default_rng(7).normal(size=np.shape(o))
        w = np.asarray(w, dtype=getattr(o, "dtype", np.float64))     # float32 stays
        return xp.sum(xp.sin(o) * w)
    return loss


def _traced_value(fn, args):
    return tg.vjp(lambda *xs: fn(np, *xs), *args)[0]


def same(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b)


def close(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and np.allclose(a, b, rtol=1e-12,
                                                                     atol=1e-13)


@pytest.mark.parametrize("fn, shapes", CASES)
def test_values_equal_numpy(fn, shapes):
    args = _args(shapes)
    assert close(_traced_value(fn, args), fn(np, *args))


@pytest.mark.parametrize("fn, shapes", CASES)
def test_derivatives_order_two_both_modes(fn, shapes):
    tg.check_grads(lambda *xs: fn(np, *xs), _args(shapes), order=2)


@pytest.mark.parametrize("fn, shapes", CASES)
def test_jit_is_eager_bit_for_bit(fn, shapes):
    args = _args(shapes)
    assert same(tg.jit(lambda *xs: fn(np, *xs))(*args), _traced_value(fn, args))
    g = tg.grad(_loss(fn), argnums=tuple(range(len(args))))
    assert all(same(a, b) for a, b in zip(tg.jit(g)(*args), g(*args)))


@pytest.mark.parametrize("fn, shapes", CASES)
def test_vmap_is_a_loop(fn, shapes):
    batch = [_args(shapes) for _ in range(3)]
    stacked = [np.stack([b[k] for b in batch]) for k in range(len(shapes))]
    want = np.stack([np.asarray(fn(np, *b)) for b in batch])
    assert close(tg.vmap(lambda *xs: fn(np, *xs))(*stacked), want)
    argnums = tuple(range(len(shapes)))
    g = tg.grad(_loss(fn), argnums=argnums)
    got = tg.jit(tg.vmap(g))(*stacked)
    for k in argnums:
        assert close(got[k], np.stack([np.asarray(g(*b)[k]) for b in batch]))


@pytest.mark.parametrize("fn, shapes", CASES)
def test_vmap_with_one_operand_unbatched(fn, shapes):
    if len(shapes) < 2:
        pytest.skip("one operand")
    rest = _args(shapes[1:])
    batch = [_args(shapes[:1])[0] for _ in range(2)]
    got = tg.vmap(lambda x, *ys: fn(np, x, *ys), in_axes=(0,) + (None,) * len(rest))(
        np.stack(batch), *rest)
    assert close(got, np.stack([np.asarray(fn(np, b, *rest)) for b in batch]))


@pytest.mark.parametrize("fn, shapes", CASES)
def test_replay_of_the_gradient_tape(fn, shapes):
    g = tg.grad(_loss(fn), argnums=tuple(range(len(shapes))))
    tape = tg.make_tape(g)(*_args(shapes))
    fresh = _args(shapes)
    assert all(same(a, b) for a, b in zip(tape(*fresh), g(*fresh)))


@pytest.mark.parametrize("fn, shapes", CASES)
def test_float32_stays_float32(fn, shapes):
    args = _args(shapes, np.float32)
    assert np.asarray(_traced_value(fn, args)).dtype == np.float32
    grads = tg.grad(_loss(fn), argnums=tuple(range(len(args))))(*args)
    assert all(np.asarray(g).dtype == np.float32 for g in grads)
    assert same(tg.jit(lambda *xs: fn(np, *xs))(*args), _traced_value(fn, args))


@pytest.mark.parametrize("dtype", [np.int64, np.int32])
def test_integer_einsum_stays_integer_under_jit_and_vmap(dtype):
    a = np.arange(6, dtype=dtype).reshape(2, 3)
    b = np.arange(12, dtype=dtype).reshape(3, 4)
    f = lambda a, b: np.einsum("ij,jk->ik", a, b)     # noqa: E731
    assert same(tg.jit(f)(a, b), f(a, b))
    assert same(tg.vmap(f, in_axes=(0, None))(np.stack([a, a]), b)[1], f(a, b))


@pytest.mark.parametrize("fn, shapes", CASES)
def test_against_jax(fn, shapes):
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    jnp = jax.numpy
    args = _args(shapes)
    try:
        want = fn(jnp, *[jnp.asarray(a) for a in args])
    except (AttributeError, TypeError, ValueError) as e:
        pytest.skip(f"jax.numpy: {e}")
    assert np.allclose(np.asarray(want), _traced_value(fn, args), rtol=1e-12, atol=1e-13)
    argnums = tuple(range(len(args)))
    jg = jax.grad(_loss(fn, jnp), argnums=argnums)(*args)
    tgg = tg.grad(_loss(fn), argnums=argnums)(*args)
    assert all(np.allclose(np.asarray(a), b, rtol=1e-12, atol=1e-13) for a, b in zip(jg, tgg))


# -------------------------------------------------------------- closed forms
def test_gradient_of_a_trace_is_the_identity_and_of_a_diagonal_sum_too():
    A = R(size=(3, 3))
    assert same(tg.grad(lambda A: np.einsum("ii", A))(A), np.eye(3))
    assert same(tg.grad(lambda A: tg.sum(np.einsum("ii->i", A)))(A), np.eye(3))
    assert same(tg.grad(lambda A: np.trace(A))(A), np.eye(3))


def test_gradient_of_a_bilinear_form_and_its_hessian():
    A = R(size=(3, 3))
    x = R(size=3)
    f = lambda x: np.einsum("i,ij,j->", x, A, x)       # noqa: E731
    assert np.allclose(tg.grad(f)(x), (A + A.T) @ x)
    assert np.allclose(tg.hessian(f)(x), A + A.T)


def test_gradient_of_tensordot_and_outer():
    a, b = R(size=(2, 3)), R(size=(3, 4))
    w = R(size=(2, 4))
    assert np.allclose(tg.grad(lambda a: tg.sum(np.tensordot(a, b, 1) * w))(a), w @ b.T)
    u, v = R(size=3), R(size=4)
    W = R(size=(3, 4))
    assert np.allclose(tg.grad(lambda u: tg.sum(np.outer(u, v) * W))(u), W @ v)


def test_nested_vmap_of_einsum_is_a_double_loop():
    x = R(size=(2, 3, 4, 5))
    y = R(size=(3, 5))
    f = lambda x, y: np.einsum("ij,j->i", x, y)         # noqa: E731
    got = tg.vmap(tg.vmap(f, in_axes=(0, 0)), in_axes=(0, None))(x, y)
    want = np.stack([np.stack([x[i, j] @ y[j] for j in range(3)]) for i in range(2)])
    assert np.allclose(got, want)


def test_result_never_aliases_an_operand():
    A = R(size=(3, 3))
    for spec in ("ii->i", "ij->ji", "ij->ij"):
        out = tg.jit(lambda A, s=spec: np.einsum(s, A))(A)
        assert not np.shares_memory(out, A)
        out = tg.einsum(spec, A)
        assert not np.shares_memory(out, A)


def test_tg_contractions_are_numpys_on_plain_arrays():
    a, b = R(size=(2, 3)), R(size=(3, 4))
    assert np.allclose(tg.einsum("ij,jk", a, b), np.einsum("ij,jk", a, b))
    assert np.allclose(tg.tensordot(a, b, 1), np.tensordot(a, b, 1))
    assert np.allclose(tg.inner(a, b.T), np.inner(a, b.T))
    assert np.allclose(tg.outer(a, b), np.outer(a, b))
    assert tg.trace(a) == np.trace(a)


# ------------------------------------------------------------------- errors
def test_einsum_names_the_operand_count_that_does_not_fit():
    with pytest.raises(ValueError, match="name 2 operands, but 1 were given"):
        tg.grad(lambda x: np.einsum("i,i", x))(np.ones(2))


def test_einsum_names_subscripts_that_do_not_fit_a_shape():
    with pytest.raises(ValueError, match="subscripts 'ij' do not fit an operand of shape"):
        tg.grad(lambda x: np.einsum("ij->", x))(np.ones(2))


def test_einsum_refuses_characters_that_are_not_subscripts():
    with pytest.raises(ValueError, match="may hold letters, ',', '->' and '...' only"):
        tg.grad(lambda x: np.einsum("i1->", x))(np.ones(2))


def test_einsum_refuses_ellipsis_axes_the_output_drops_as_numpy_does():
    with pytest.raises(ValueError, match="the output has no '...': add it to the output"):
        tg.grad(lambda x: tg.sum(np.einsum("ii...->i", x)))(np.ones((3, 3, 2)))


def test_tensordot_names_axes_that_do_not_pair_up():
    with pytest.raises(ValueError, match="tensordot: shape-mismatch for sum"):
        tg.grad(lambda x: tg.sum(np.tensordot(x, np.ones((3, 2)), 1)))(np.ones((2, 2)))


def test_einsum_keywords_numpy_has_and_tapegrad_does_not_are_named():
    with pytest.raises(TypeError, match=r"np.einsum\(\.\.\., dtype=\.\.\.\)"):
        tg.grad(lambda x: np.einsum("i->", x, dtype=float))(np.ones(2))
