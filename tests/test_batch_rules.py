"""vmap's rules, primitive by primitive: each equals a Python loop bit for bit.

Every built-in flagged ``elementwise=True`` (found by scanning tapegrad's
modules for Primitive objects) runs once on the whole batch and equals a loop
over the examples; every entry of ``batch_rules`` equals running the
primitive once per example; and a user primitive named like a built-in with
a rule batches by its own impl, once per example.
"""

from __future__ import annotations

import ast
import inspect
import operator
import sys
import zlib
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

import tapegrad as tg
import tapegrad.scipy._lu as tsl_lu
import tapegrad.scipy.linalg as tsl
from tapegrad import arrays, augmented, eigen, floatbits, indexing, logic, ops, writes
from tapegrad.batching.rules import batch_rules, per_example
from tapegrad.numpy_scalars import numpy_twin
from tapegrad.scipy._lfilter import lfilter_p
from tapegrad.uniques import kept_p

FLOATS = [np.float64, np.float32]
N = 5                                  # examples in a batch


def builtins() -> list[tg.Primitive]:
    """Every Primitive object in tapegrad's modules (and in their dicts), once each."""
    found: dict[int, tg.Primitive] = {}
    for name, module in sorted(sys.modules.items()):
        if name != "tapegrad" and not name.startswith("tapegrad."):
            continue
        for value in list(vars(module).values()):
            values = list(value.values()) if isinstance(value, dict) else [value]
            for p in values:
                if isinstance(p, tg.Primitive):
                    found.setdefault(id(p), p)
    return sorted(found.values(), key=lambda p: p.name)


def same(got, want):
    """Bit for bit: shape, dtype, values, the sign of zeros (any nan equals any nan)."""
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape, (got.shape, want.shape)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    assert np.array_equal(got, want, equal_nan=want.dtype.kind in "fc"), (got, want)
    if want.dtype.kind == "f":
        assert np.array_equal(np.signbit(got), np.signbit(want)), (got, want)


# ------------------------------------------------------------- elementwise
ELEMENTWISE = [p for p in builtins() if p.elementwise and p is not logic.guard]
CASTS = {arrays.astype_p, augmented.written_p}     # p(x, dtype): one number and a dtype
# ``guard`` is a Python branch on a traced value: vmap splits the batch at it
# (tests/test_vmap.py); it computes no value to batch.


def arity(p: tg.Primitive) -> int:
    """How many numbers ``p`` takes (its required positional parameters)."""
    params = inspect.signature(p.impl).parameters.values()
    required = [q for q in params if q.default is q.empty and q.kind in
                (q.POSITIONAL_ONLY, q.POSITIONAL_OR_KEYWORD)]
    if required or not any(q.kind is q.VAR_POSITIONAL for q in params):
        return len(required)
    try:                                # a factory's ``*args``: unary or binary
        p.impl(0.5)
        return 1
    except TypeError:
        return 2


def data(rng, shape, dtype):
    """Random numbers with exact zeros of both signs, negatives and ones among them."""
    x = rng.normal(size=shape) * 2.0
    x.flat[:: 4] = rng.choice([0.0, -0.0, 1.0, -1.0, 0.5], size=x.flat[:: 4].shape)
    return x.astype(dtype)


SHAPES = {          # per-example shapes that broadcast together
    1: [((),), ((3,),), ((2, 3),)],
    2: [((), ()), ((3,), ()), ((), (3,)), ((2, 1), (3,)), ((3,), (2, 3))],
    3: [((3,), (), (3,)), ((2, 1), (3,), ()), ((), (), ())],
    4: [((3,), (3,), (), (3,)), ((2, 3), (2, 1), (3,), ()), ((), (), (), ())],
}


MATMUL_SHAPES = [((2, 3), (3, 4)), ((1, 2, 3), (4, 3, 2)), ((4, 2, 3), (3, 1))]
# matmul_p: 2-D or more (tg.matmul makes a vector a matrix); its leading axes broadcast


SHIFTS = {logic.left_shift, logic.right_shift}
BITWISE = {logic.bitwise_and, logic.bitwise_or, logic.bitwise_xor, logic.invert} | SHIFTS
# the operators & | ^ ~ << >>: on the bits of integers (floats are a TypeError)
INTEGERS = {floatbits.gcd_p, floatbits.lcm_p, floatbits.bitwise_count_p}   # integers only


def arguments(p, shapes, in_axes, dtype, rng):
    """Batched (or shared) arguments of ``p``: a condition is boolean, a dtype a dtype."""
    args = []
    for k, (shape, axis) in enumerate(zip(shapes, in_axes)):
        full = shape if axis is None else (N,) + shape
        x = data(rng, full, dtype)
        if p is tg.where and k == 0:
            x = x > 0
        if p in BITWISE or p in INTEGERS:     # integers: small shifts, bits of both signs
            x = (np.abs(x) * 2).astype(np.int64) if p in SHIFTS else (x * 9).astype(np.int64)
        if p is floatbits.ldexp_p and k == 1:         # x * 2**i: an integer exponent
            x = (x * 4).astype(np.int64)
        args.append(x)
    return args


def loop(f, args, in_axes):
    """``f`` on each example, stacked: the reference."""
    with np.errstate(all="ignore"):
        outs = [f(*(a if ax is None else a[i] for a, ax in zip(args, in_axes)))
                for i in range(N)]
    return np.stack([np.asarray(o) for o in outs])


MATH_BRANCH = {p for p in ELEMENTWISE if getattr(p.impl, "__code__", None) is
               ops.exp.impl.__code__} - {ops.sqrt}     # ops._ieee_op: math.f or np.f


def elementwise_cases():
    for p in ELEMENTWISE:
        n = 1 if p in CASTS else arity(p)
        for shapes in MATMUL_SHAPES if p is arrays.matmul_p else SHAPES[n]:
            axes_choices = [(0,) * n] + [tuple(None if j == k else 0 for j in range(n))
                                         for k in range(n) if n > 1]
            for in_axes in axes_choices:
                for dtype in FLOATS:
                    yield pytest.param(p, shapes, in_axes, dtype,
                                       id=f"{p.name}-{shapes}-{in_axes}-{dtype.__name__}")


def call(p):
    """``p`` as a function of its numbers (a cast to float32: a constant dtype)."""
    if p in CASTS:
        return lambda x: p(x, np.dtype(np.float32))
    return p


@pytest.mark.parametrize("p, shapes, in_axes, dtype", list(elementwise_cases()))
def test_every_elementwise_builtin_under_vmap_equals_a_loop_bit_for_bit(p, shapes, in_axes,
                                                                         dtype):
    rng = np.random.default_rng(zlib.crc32(f"{p.name}{shapes}{in_axes}".encode()))
    args = arguments(p, shapes, in_axes, dtype, rng)
    f = call(p)
    got = tg.vmap(f, in_axes=in_axes)(*args)
    want = loop(f, args, in_axes)
    if p in MATH_BRANCH and dtype is np.float64 and all(s == () for s in shapes):
        # on Python floats the impl calls math.f, on arrays np.f: they differ in the
        # last bit at some inputs, and a float64 scalar program runs the array branch
        ok = np.isfinite(want)
        np.testing.assert_array_max_ulp(got[ok], want[ok], maxulp=1)
        want = np.where(ok, got, want)
    same(got, want)


@pytest.mark.parametrize("p", ELEMENTWISE, ids=lambda p: p.name)
def test_every_elementwise_builtin_runs_once_on_the_whole_batch(p, monkeypatch):
    n = 1 if p in CASTS else arity(p)
    rng = np.random.default_rng(0)
    shape = (3, 3) if p is arrays.matmul_p else (3,)
    args = arguments(p, (shape,) * n, (0,) * n, np.float64, rng)
    calls = []
    impl = p.impl

    def counted(*xs):
        calls.append(np.shape(xs[0]))
        return impl(*xs)
    f = call(p)
    want = loop(f, args, (0,) * n)
    monkeypatch.setattr(p, "impl", counted)
    got = tg.vmap(f)(*args)
    same(got, want)
    assert (N,) + shape in calls and len(calls) <= 2, calls      # the trace, then the batch


def test_the_elementwise_scan_finds_the_builtins():
    names = {p.name for p in ELEMENTWISE}
    assert {"add", "mul", "div", "exp", "relu", "where", "maximum", "lt", "and",
            "matmul", "zmul", "floor", "astype", "mod"} <= names
    assert not {"sum", "getitem", "transpose", "reshape"} & names


# -------------------------------------------------------------- the table
def s(x):
    """Integer arrays as index parts."""
    return np.asarray(x, dtype=np.int64)


SLOT = indexing.SLOT


def table_cases(rng):
    """Per built-in with a rule: (prim, values, batched) for a batch of ``N``."""
    def f(*shape, dtype=np.float64):
        return data(rng, shape, dtype)
    ints = rng.integers(-5, 5, size=(N, 4, 3))
    idx = rng.integers(0, 4, size=(N, 3))
    cases = {
        tg.reductions.sum_p: [([f(N, 3, 2)], [True]), ([f(N)], [True]),
                              ([f(N, 4, dtype=np.float32)], [True]), ([ints], [True])],
        tg.reductions.mean_p: [([f(N, 3, 2)], [True]), ([f(N, 7, dtype=np.float32)], [True])],
        tg.shapes.broadcast_like: [
            ([f(N), f(3, 2)], [True, False]), ([f(N, 2), f(N, 3, 2)], [True, True]),
            ([1.5, f(N, 3)], [False, True]), ([f(N, dtype=np.float32), f(4)], [True, False])],
        tg.shapes.sum_like: [
            ([f(N, 3, 2), f(2)], [True, False]), ([f(N, 3, 2), f(1, 2)], [True, False]),
            ([f(N, 3, 2), 0.5], [True, False]), ([f(3, 2), f(N, 2)], [False, True]),
            ([f(N, 4, 3, dtype=np.float32), f(3)], [True, False])],
        tg.shapes.reshape_p: [
            ([f(N, 6), (2, 3)], [True, False]), ([f(N, 2, 3), (6,)], [True, False]),
            ([f(N, 1), ()], [True, False]), ([ints, (12,)], [True, False])],
        tg.zero_dim.zero_d_p: [([f(N, 1)], [True]), ([f(N)], [True]), ([ints[:, :1, 0]], [True]),
                               ([f(N, 1, 1, dtype=np.float32)], [True])],
        tg.shapes.transpose_p: [([f(N, 2, 3, 4), (2, 0, 1)], [True, False]),
                             ([ints, (1, 0)], [True, False])],
        tg.shapes.broadcast_to_p: [([f(N, 3), (2, 3)], [True, False]),
                                ([f(N), (2, 3)], [True, False]),
                                ([f(N, 1, 3, dtype=np.float32), (4, 2, 3)], [True, False])],
        indexing.getitem: [([f(N, 5, 4), k], [True, False]) for k in (
            2, slice(1, 3), (slice(None), 1), s([0, 2, 2]), (s([0, 1]), s([1, 3])),
            (slice(None), s([0, 3])), (Ellipsis, 0), (None, 1))] + [
            ([ints, (s([0, 1]), 2)], [True, False]),
            ([f(N, 3, 4, 5), (s([0, 1]), slice(None), s([1, 0]))], [True, False]),
            ([f(N, 3, 4, 5), (s([0, 1, 1]), slice(None), 0)], [True, False]),
            ([f(N, 3, 4, 5), (s([0, 1, 1]), 2, slice(None))], [True, False])],
        indexing.index_add: [
            ([f(N, 3, 4), f(5, 4), s([0, 0, 2])], [True, False, False]),
            ([f(N, 2, 4), f(N, 5, 4), slice(1, 3)], [True, True, False]),
            ([f(N, 3), f(5, 4), (s([0, 1, 1]), s([2, 3, 3]))], [True, False, False]),
            ([f(N, 5), f(5, 4), (slice(None), 1)], [True, False, False]),
            ([f(N, 3, 4), f(5, 4, 2), (s([0, 1, 1]), slice(None), 0)], [True, False, False]),
            ([f(N, 3, 2), f(5, 4, 2), (s([0, 1, 1]), 0)], [True, False, False])],
        indexing.gather: [
            ([f(N, 5), (SLOT,), idx], [True, False, True]),
            ([f(5, 4), (SLOT, slice(None)), idx], [False, False, True]),
            ([f(N, 5, 4), (SLOT, slice(None)), s([0, 4, 4])], [True, False, False]),
            ([f(N, 5, 4), (SLOT, SLOT), idx, idx[:, :1]], [True, False, True, True]),
            ([f(5, 4), (slice(None), SLOT), idx], [False, False, True]),
            ([f(N, 5, 4), (SLOT, 2), idx], [True, False, True])],
        indexing.scatter_add: [
            ([f(N, 3), f(5), (SLOT,), idx], [True, False, False, True]),
            ([f(N, 3, 4), f(5, 4), (SLOT, slice(None)), idx], [True, False, False, True]),
            ([f(3, 4), f(5, 4), (SLOT, slice(None)), idx], [False, False, False, True]),
            ([f(N, 3), f(N, 5), (SLOT,), s([1, 1, 4])], [True, True, False, False]),
            ([f(N, 5, 3), f(5, 4), (slice(None), SLOT), idx], [True, False, False, True])],
    }
    for name in ("sum_axes", "max_axes", "min_axes"):
        p = getattr(tg.reductions, name)
        cases[p] = [([f(N, 3, 4), axes, keep], [True, False, False])
                    for axes in ((0,), (1,), (0, 1)) for keep in (False, True)]
        cases[p].append(([f(N, 3, 4, dtype=np.float32), (1,), False], [True, False, False]))
    for k in (1, 2, 3):
        p = arrays._concat_prim(k)
        cases[p] = [([f(N, 2, 3)] + [f(2, 3) for _ in range(k - 1)] + [axis],
                     [True] + [False] * (k - 1) + [False]) for axis in (0, 1)]
        cases[p].append(([f(2, 3) for _ in range(k - 1)] + [f(N, 2, 3), 1],
                         [False] * (k - 1) + [True, False]))
    cases.update(einsum_cases(f, ints))
    cases.update(statistics_cases(f, ints))
    cases.update(matrix_cases(f, rng))
    cases.update(numpy_more_cases(f, ints))
    # Python's ** on NumPy scalars: their scalar math (float64 examples; an array
    # example takes the array's path)
    # pow of numbers (a traced float's **, **'s derivative): math.pow on each, as a loop
    cases[ops.pow] = [([np.abs(f(N)) + 0.1, -0.25], [True, False]), ([1.7, f(N)], [False, True]),
                      ([np.abs(f(N)) + 0.1, f(N)], [True, True]),
                      ([np.abs(f(N, 3)), f(N, 3)], [True, True])]
    for p in (ops.sinh, ops.cosh):      # of numbers: math on each, as a loop; arrays: NumPy's
        cases[p] = [([f(N) * 3.0], [True]), ([f(N, 3)], [True]),
                    ([f(N, 2, dtype=np.float32)], [True])]
    twin = numpy_twin(ops.pow, np.power, operator.pow)
    cases[twin] = [([f(N) * 2.0, 3.0], [True, False]), ([2.0, f(N)], [False, True]),
                   ([np.abs(f(N)), f(N)], [True, True]), ([np.abs(f(N, 3)), f(N, 3)], [True, True])]
    cases[writes.filled] = [   # np.zeros_like(a) and kin of a traced a
        ([f(N, 3), 0, np.dtype(np.float64), (3,)], [True, False, False, False]),
        ([f(N, 2), 1, np.dtype(np.float32), (2, 3)], [True, False, False, False])]
    return cases


def numpy_more_cases(f, ints):
    """``any``, ``all``, ``count_nonzero`` (``(x, axes, keepdims)``) and ``qr`` (tall, wide),
    ``svd``."""
    import tapegrad.linalg_decomp as decomp
    import tapegrad.predicates as pred
    from tapegrad.linalg_qr import wide_q_p, wide_r_p
    from tapegrad.pseudoinverse import pinv_p
    mask = ints > 0
    reducing = [([x, axes, keep], [True, False, False]) for x in (mask, f(N, 4, 3), ints)
                for axes in ((), (0,), (1,), (0, 1)) for keep in (False, True)]
    tall = f(N, 4, 3) + 3.0 * np.eye(4, 3)
    wide = np.swapaxes(tall, -1, -2)
    return {pred.any_p: reducing, pred.all_p: reducing, pred.count_nonzero_p: reducing,
            decomp.qr_p: [([tall], [True]), ([f(N, 2, 3, 3) + 3.0 * np.eye(3)], [True]),
                          ([tall.astype(np.float32)], [True])],
            wide_q_p: [([wide], [True]), ([wide.astype(np.float32)], [True])],
            wide_r_p: [([wide], [True]), ([f(N, 2, 2, 4) + 3.0 * np.eye(2, 4)], [True])],
            decomp.svd_p: [([tall], [True]), ([np.swapaxes(tall, -1, -2)], [True]),
                           ([f(N, 2, 3, 3)], [True]), ([tall.astype(np.float32)], [True])],
            pinv_p: [([a, cut], [True, False]) for a, cut in (
                (tall, 1e-15), (np.swapaxes(tall, -1, -2), 0.3), (f(N, 2, 3, 3), 1e-15),
                (tall.astype(np.float32), 1e-15), (np.zeros((N, 3, 3)), 1e-15))]}


def einsum_cases(f, ints):
    """``einsum_p((spec, optimize), *operands)``: the spec written in full, as ``tg.einsum``'s."""
    g = np.asarray(ints[0], dtype=np.int64)             # one example's integers
    def e(spec, *ops, optimize=False):
        return ([(spec, optimize)] + [o for o, _ in ops], [False] + [b for _, b in ops])
    return {tg.contractions.einsum_p: [
        e("ij,jk->ik", (f(N, 2, 3), True), (f(3, 4), False)),
        e("ij,jk->ik", (f(2, 3), False), (f(N, 3, 4), True)),
        e("ij,jk->ik", (f(N, 2, 3), True), (f(N, 3, 4), True)),
        e("ij,jk->ik", (f(N, 2, 3), True), (f(N, 3, 4), True), optimize=True),
        e("ij,jk->ik", (f(N, 2, 3, dtype=np.float32), True), (f(3, 4, dtype=np.float32), False)),
        e("ij,jk->ik", (ints, True), (g.T, False)),
        e("i,i->", (f(N, 7), True), (f(7), False)),
        e("i,i->", (f(N, 7, dtype=np.float32), True), (f(N, 7, dtype=np.float32), True)),
        e("i,j->ij", (f(N, 3), True), (f(4), False)),
        e("ii->i", (f(N, 3, 3), True)), e("ii->", (f(N, 3, 3), True)),
        e("ij->ji", (f(N, 2, 3), True)), e("ij->", (f(N, 4, 3), True)),
        e("ij->j", (ints, True)), e("ij->ji", (f(2, 3), False)),
        e("abc,acd->abd", (f(N, 2, 3, 4), True), (f(2, 4, 5), False)),
        e("ij,jk,kl->il", (f(N, 2, 3), True), (f(3, 4), False), (f(N, 4, 2), True)),
        e("ij,jk,kl->il", (f(N, 2, 3), True), (f(3, 4), False), (f(N, 4, 2), True),
          optimize=True),
        e("ij,jk,kl->il", (f(2, 3), False), (f(N, 3, 4), True), (f(4, 2), False),
          optimize="greedy"),
        e("ij,ij->i", (f(N, 4, 3, dtype=np.float32), True), (f(4, 3, dtype=np.float32), False))]}


def with_nans(f, *shape, dtype=np.float64):
    """Data with ties, nans, infinities and zeros of both signs."""
    x = np.round(f(*shape, dtype=np.float64))
    x.flat[1::5] = np.nan
    x.flat[2::7] = np.inf
    x.flat[3::11] = -np.inf
    return x.astype(dtype)


def statistics_cases(f, ints):
    """prod, cumsum, cumprod, sort, argsort (of each kind), argmax, argmin."""
    u8 = (np.abs(ints) % 4).astype(np.uint8)
    cases = {tg.scans.prod_p: [([f(N, 3, 4), axes, keep], [True, False, False])
                         for axes in ((0,), (1,), (0, 1)) for keep in (False, True)] + [
        ([f(N, 9), (0,), False], [True, False, False]),
        ([f(N, 2, 3, 4), (0, 2), True], [True, False, False]),
        ([f(N, 3, 4, dtype=np.float32), (1,), False], [True, False, False]),
        ([f(N, 3, 4, dtype=np.float32), (0, 1), False], [True, False, False]),
        ([ints, (0,), False], [True, False, False]), ([ints, (0, 1), True], [True, False, False]),
        ([u8, (1,), False], [True, False, False]),
        ([f(3, 4), (1,), False], [False, False, False])]}
    for p in (tg.scans.cumsum_p, tg.scans.cumprod_p):
        cases[p] = [([f(N, 3, 4), axis], [True, False]) for axis in (0, 1)] + [
            ([f(N, 9), 0], [True, False]), ([f(N, 2, 3, 4), 1], [True, False]),
            ([f(N, 3, 4, dtype=np.float32), 1], [True, False]),
            ([with_nans(f, N, 3, 4), 0], [True, False]),
            ([ints, 0], [True, False]), ([ints, 1], [True, False]), ([u8, 1], [True, False]),
            ([f(3, 4), 1], [False, False])]
    for p in (tg.orderings.sort_p, tg.orderings.argsort_p):
        cases[p] = [([f(N, 3, 4), axis], [True, False]) for axis in (0, 1)] + [
            ([with_nans(f, N, 3, 4), axis], [True, False]) for axis in (0, 1)] + [
            ([f(N, 9), 0], [True, False]), ([f(N, 2, 3, 4), 2], [True, False]),
            ([with_nans(f, N, 3, 4, dtype=np.float32), 1], [True, False]),
            ([ints, 0], [True, False]), ([ints, 1], [True, False]), ([u8, 1], [True, False]),
            ([f(3, 4), 1], [False, False])]
    cases[tg.orderings.argsort_kind_p] = [
        ([x, axis, kind], [True, False, False]) for x in (ints, with_nans(f, N, 3, 4))
        for axis in (0, 1) for kind in (None, "quicksort", "heapsort")] + [
        ([np.round(f(N, 40)), 0, None], [True, False, False]),     # ties past insertion sort
        ([u8, 1, None], [True, False, False]), ([f(3, 4), 1, None], [False, False, False])]
    for p in (tg.orderings.partition_p, tg.orderings.partition_index_p):
        cases[p] = [([f(N, 3, 4), axis, 1], [True, False, False]) for axis in (0, 1)] + [
            ([f(N, 9), 0, (2, 5)], [True, False, False]), ([ints, 1, 2], [True, False, False]),
            ([with_nans(f, N, 3, 4), 1, 0], [True, False, False]),
            ([f(3, 4), 1, 2], [False, False, False])]
    for p in (tg.orderings.argmax_p, tg.orderings.argmin_p):
        cases[p] = [([x, axis, keep], [True, False, False])
                    for x in (f(N, 3, 4), with_nans(f, N, 3, 4))
                    for axis in (None, 0, 1) for keep in (False, True)] + [
            ([f(N, 9), None, False], [True, False, False]),
            ([f(N, 9), 0, True], [True, False, False]),
            ([f(N, 2, 3, 4), 2, False], [True, False, False]),
            ([with_nans(f, N, 3, 4, dtype=np.float32), 1, False], [True, False, False]),
            ([ints, None, False], [True, False, False]), ([ints, 1, True], [True, False, False]),
            ([u8, 0, False], [True, False, False]),
            ([f(3, 4), 1, False], [False, False, False])]
    return cases


def matrix_cases(f, rng):
    """``tg.linalg``'s primitives: stacks of square (or, for ``svdvals``, any) matrices."""
    m = tg.matrix
    def sq(*lead, n=3, dtype=np.float64):
        """Invertible matrices: random ones with a heavy diagonal."""
        return (f(*lead, n, n) + 4.0 * np.eye(n)).astype(dtype)
    def spd(*lead, n=3, dtype=np.float64):
        a = f(*lead, n, n)
        return (a @ np.swapaxes(a, -1, -2) + n * np.eye(n)).astype(dtype)
    def singular(*lead, n=3, dtype=np.float64):
        """Invertible matrices but one of them (and in stacks one per stack) singular."""
        a = sq(*lead, n=n, dtype=np.float64)
        at = a[1, 0] if lead[1:] else a[1]
        at[:] = np.round(at)
        at[2] = at[0]                        # two equal rows: LAPACK's LU meets a zero pivot
        return a.astype(dtype)
    ints = rng.integers(-4, 5, size=(N, 3, 3)) + 9 * np.eye(3, dtype=np.int64)
    one_arg = [([sq(N)], [True]), ([sq(N, 2)], [True]), ([sq(N, n=1)], [True]),
               ([sq(N, dtype=np.float32)], [True]), ([sq(N, 2, dtype=np.float32)], [True]),
               ([ints], [True])]
    with_singular = [([singular(N)], [True]), ([singular(N, dtype=np.float32)], [True]),
                     ([singular(N, 2)], [True])]
    cases = {p: one_arg + with_singular for p in (
        m.det_p, m.logabsdet_p, m.sign_of_det_p, m.adjugate_p, m.inverse_p)}
    cases[m.inv_p] = list(one_arg)
    from tapegrad.conditioning import inv_or_nan_p  # nan where singular, as NumPy's loop
    cases[inv_or_nan_p] = one_arg + with_singular
    cases[m.solve_p] = [
        ([sq(N), f(3, 2)], [True, False]), ([sq(), f(N, 3, 2)], [False, True]),
        ([sq(N), f(N, 3, 1)], [True, True]), ([sq(N, 2), f(3, 4)], [True, False]),
        ([sq(N), f(2, 3, 2)], [True, False]), ([sq(N), f(N, 2, 3, 2)], [True, True]),
        ([sq(2), f(N, 3, 2)], [False, True]),
        ([sq(N, dtype=np.float32), f(3, 2, dtype=np.float32)], [True, False]),
        ([sq(N, dtype=np.float32), f(N, 3, 2, dtype=np.float32)], [True, True]),
        ([ints, ints[0] * 1], [True, False])]
    cases[m.cholesky_p] = [([a, upper], [True, False]) for upper in (False, True) for a in (
        spd(N), spd(N, 2), spd(N, n=1), spd(N, dtype=np.float32),
        spd(N) + (np.tril(f(N, 3, 3), -1) if upper else np.triu(f(N, 3, 3), 1)))]  # unread
    la = tg.linalg
    cases[la.eigh_p] = [([a, lower], [True, False]) for lower in (True, False) for a in (
        spd(N), f(N, 3, 3), f(N, 2, 4, 4), spd(N, dtype=np.float32), f(N, 1, 1))]
    cases[la.eigvalsh_p] = cases[la.eigh_p]
    sym = [spd(N), spd(N, 2), f(N, 1, 1), spd(N, dtype=np.float32)]   # real eigenvalues
    cases[eigen.eig_p] = [([a], [True]) for a in sym]
    cases[eigen.eigvals_p] = [([a], [True]) for a in sym]
    cases[tsl.expm_p] = [([a], [True]) for a in (      # 30 * f: each its own squarings
        f(N, 3, 3), 30 * f(N, 3, 3), f(N, 2, 4, 4), f(N, 3, 3, dtype=np.float32), f(N, 1, 1))]
    squares = (f(N, 3, 3), f(N, 2, 4, 4), f(N, 3, 3, dtype=np.float32), f(N, 1, 1))
    own = np.random.default_rng(33)                      # rectangular factors too (own draws)
    squares += (data(own, (N, 4, 3), np.float64), data(own, (N, 3, 5), np.float64))
    cases[tsl_lu.lu_p] = [([a], [True]) for a in squares]
    cases[tsl_lu.pivots_p] = [([a], [True]) for a in squares]
    swaps = [(tsl_lu._pivots(a), a.shape[-2]) for a in squares]
    cases[tsl_lu.permutation_p] = [([p, d, m], [True, False, False]) for p, m in swaps
                                   for d in ("float64", "float32")]
    cases[tsl_lu.indices_p] = [([p, m], [True, False]) for p, m in swaps]
    cases[la.svdvals_p] = [([a], [True]) for a in (
        f(N, 3, 3), f(N, 4, 2), f(N, 2, 4), f(N, 2, 3, 2), f(N, 3, 3, dtype=np.float32),
        f(N, 2, 5, dtype=np.float32), ints.astype(np.float64), singular(N))]
    own = np.random.default_rng(11)             # (the draws above stay those of rng)
    g = lambda *shape, dtype=np.float64: data(own, shape, dtype)        # noqa: E731
    b, a = np.array([0.5, 0.25]), np.array([1.0, -0.3, 0.1])     # a batch of signals, or of filters
    cases[lfilter_p] = [([b, a, g(N, 6)], [False, False, True]),
                        ([b, a, g(N, 2, 5, dtype=np.float32)], [False, False, True]),
                        ([g(N, 2), a, g(6)], [True, False, False]),
                        ([b, 2.0 + own.random((N, 3)), g(N, 4)], [False, True, True])]
    firsts = own.random((N, 7)) < 0.5                              # where each run starts
    cases[kept_p] = [([firsts, 4], [True, False]), ([firsts, 9], [True, False]),
                     ([np.zeros((N, 3), bool), 2], [True, False])]
    return cases


def loop_cases():
    """The loop primitives' records, each example's arguments read off its own tape."""
    def f(a, b):
        s = tg.while_loop(lambda s: s[0] < 10.0 * b,                 # trips differ per example
                          lambda s: (s[0] * a + s[2], s[1] + 1, s[2] * 0.5), (1.0, 0, b))
        xs = np.stack([np.linspace(-1.0, 1.0, 4) * a, np.arange(4.0)], axis=1)
        c, ys = tg.scan(lambda c, x: (tg.sin(c * b) + x[0], (c * x[1], c > 0.5)), s[0], xs)
        return c + tg.sum(ys[0])
    examples = [(1.5 + 0.3 * k, 1.0 + 0.2 * k) for k in range(N)]
    tapes = [tg.make_tape(tg.grad(f, argnums=(0, 1)))(*ab) for ab in examples]
    cases = {}
    for p in (tg.loop_prims.pack_p, tg.loop_prims.scan_p, tg.loop_prims.while_p,
              tg.loop_rules.while_vjp_p):
        per = [[rec[3::2] for rec in t.records if rec[0] is p] for t in tapes]
        cases[p] = []
        for j in range(len(per[0])):
            args = [ex[j] for ex in per]
            static = 2 if p is tg.loop_prims.pack_p else 1    # pack: n, nflat; loops: Loop
            values = list(args[0][:static]) + [np.stack([np.asarray(a[k]) for a in args])
                                               for k in range(static, len(args[0]))]
            cases[p].append((values, [False] * static + [True] * (len(values) - static)))
    return cases


TABLE = table_cases(np.random.default_rng(1)) | loop_cases()


def test_every_builtin_batch_rule_has_test_inputs():
    ruled = [p for p in builtins() + list(TABLE) if p in batch_rules]
    # concatenation is one primitive per arity, made when first used (by any earlier
    # test), all with one batch rule: the table's arities 1-3 test it for the others
    concat_rules = {batch_rules[p] for p in TABLE if p in arrays._CONCATS.values()}
    missing = {p.name for p in ruled if p not in TABLE and not (
        p in arrays._CONCATS.values() and batch_rules[p] in concat_rules)}
    assert not missing, f"no test inputs for the batch rules of {missing}"
    assert all(p in batch_rules for p in TABLE)


@pytest.mark.parametrize("p, values, batched", [
    pytest.param(p, values, batched, id=f"{p.name}-{k}")
    for p, cases in TABLE.items() for k, (values, batched) in enumerate(cases)])
def test_every_batch_rule_of_a_builtin_equals_running_it_per_example_bit_for_bit(p, values,
                                                                                 batched):
    first = [v[0] if b else v for v, b in zip(values, batched)]
    e = SimpleNamespace(prim=p, ans=p.impl(*first))
    want = per_example(e, values, batched, N)
    same(batch_rules[p](e, values, batched, N), want)


def singular_among(dtype):
    """A batch of invertible matrices and, as example 1, a singular one."""
    a = data(np.random.default_rng(3), (N, 3, 3), np.float64) + 4.0 * np.eye(3)
    a[1] = np.round(a[1])
    a[1, 2] = a[1, 0]
    return a.astype(dtype)


@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: d.__name__)
@pytest.mark.parametrize("f", [tg.grad(tg.linalg.det),
                               tg.grad(lambda a: tg.linalg.slogdet(a)[1]),
                               lambda a: tg.jvp(tg.linalg.det, (a,), (a * 0.5,))[1]],
                         ids=["grad-det", "grad-logabsdet", "jvp-det"])
def test_vmap_over_a_singular_matrix_leaves_the_others_on_their_own_path(f, dtype):
    # the cofactors (adjugate) and A^-1 take a slower path for a stack with a
    # singular matrix in it; under vmap each example takes the path it takes alone
    a = singular_among(dtype)
    same(tg.vmap(f)(a), loop(f, [a], (0,)))


# ----------------------------------------------------- named like a built-in
def user_primitives():
    """A user's primitive with a built-in's name; its impl is not the built-in's."""
    def concatenate(a, b, axis):
        return np.concatenate([b, a], axis=axis)         # b first
    def sum_(x):
        return float(np.max(x))
    def transpose(x, axes):
        return np.transpose(x, axes) * 2.0
    def getitem(x, idx):
        return np.asarray(x)[idx] + 1.0
    rng = np.random.default_rng(2)
    xs = rng.normal(size=(N, 2, 3))
    return [
        (tg.primitive(concatenate, "concatenate"), lambda p: lambda x: p(x, x * 3.0, 1), xs),
        (tg.primitive(sum_, "sum"), lambda p: lambda x: p(x), xs),
        (tg.primitive(transpose, "transpose"), lambda p: lambda x: p(x, (1, 0)), xs),
        (tg.primitive(getitem, "getitem"), lambda p: lambda x: p(x, (slice(None), 1)), xs),
    ]


@pytest.mark.parametrize("p, make, xs", user_primitives(), ids=lambda v: getattr(v, "name", ""))
def test_a_user_primitive_named_like_a_builtin_with_a_rule_runs_its_impl_per_example(p, make,
                                                                                    xs):
    assert p not in batch_rules and not p.elementwise
    calls = []
    impl = p.impl

    def counted(*args):
        calls.append(1)
        return impl(*args)
    p.impl = counted
    f = make(p)
    want = loop(f, [xs], (0,))
    calls.clear()
    got = tg.vmap(f)(xs)
    same(got, want)
    assert N <= len(calls) <= N + 1     # (the trace at one example), then each example
    same(tg.jit(tg.vmap(f))(xs), want)
    same(tg.vmap(tg.jit(f))(xs), want)


# ------------------------------------------------------------- structure
VMAP_MODULES = ["vmap", "jit_traced", "batching", "batching.rules", "batching.interpret",
                "batching.nested"]


def imports(name: str) -> set[str]:
    """The tapegrad modules ``name`` imports, at module level or inside functions."""
    path = Path(tg.__file__).parent.joinpath(*name.split("."))
    path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[:len(package) - node.level + 1] + (
                node.module.split(".") if node.module else [])
            for alias in node.names:
                found.add(".".join(base + [alias.name]) if ".".join(
                    base + [alias.name]) in VMAP_MODULES else ".".join(base))
    return found


def test_vmaps_modules_import_each_other_one_way():
    graph = {m: imports(m) & set(VMAP_MODULES) - {m} for m in VMAP_MODULES}
    order: list[str] = []
    while len(order) < len(graph):       # take a module whose imports are all taken
        ready = [m for m in graph if m not in order and graph[m] <= set(order)]
        assert ready, f"an import cycle among {sorted(set(graph) - set(order))}: {graph}"
        order.extend(ready)


@pytest.mark.parametrize("name", ["vmap", "batching.rules", "batching.interpret",
                                  "batching.nested"])
def test_vmaps_modules_and_functions_are_small(name):
    path = Path(tg.__file__).parent.joinpath(*name.split(".")).with_suffix(".py")
    tree = ast.parse(path.read_text())
    assert len(path.read_text().splitlines()) <= 410
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            doc = ast.get_docstring(node)
            lines = node.end_lineno - node.lineno + 1 - (len(doc.splitlines()) + 1 if doc else 0)
            assert lines <= 40, f"{name}.{node.name}: {lines} lines besides its docstring"
