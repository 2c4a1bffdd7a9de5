"""The systematic families of HIPS autograd's test suite, on traced values.

autograd's ``tests/test_systematic.py`` checks each NumPy function over
every combination of argument shapes (scalars, 1-d, 2-d, broadcasting
pairs), of axes and ``keepdims`` for reductions, of ``axes`` for
``transpose``/``tensordot``, of subscripts for ``einsum``. Here each
combination gets: derivatives of order 1 and 2 in both modes against central
differences (``tg.check_grads``), ``tg.jit`` bit for bit against eager for
the value and the gradient, and ``tg.vmap`` against a Python loop.
"""

from __future__ import annotations

import itertools
import operator as op
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tapegrad as tg

R = np.random.default_rng(0)


@pytest.fixture(autouse=True)
def _seed() -> None:
    """The same samples for a test whichever tests run before it."""
    global R
    R = np.random.default_rng(0)


def rand(*shape: int, lims: tuple[float, float] = (-2.0, 2.0)) -> Any:
    """A sample in ``lims`` of ``shape``; a Python float for ``()``."""
    x = R.uniform(*lims, size=shape)
    return float(x) if shape == () else x


def bits(a: Any, b: Any) -> None:
    a, b = np.asarray(a), np.asarray(b)
    assert (a.dtype, a.shape) == (b.dtype, b.shape), (a, b)
    np.testing.assert_array_equal(a, b)


def scalar_out(f: Callable[..., Any]) -> Callable[..., Any]:
    """A scalar of ``f``'s output that weighs every entry differently."""
    def g(*xs: Any) -> Any:
        y = f(*xs)
        w = np.cos(np.arange(np.size(y)) + 1.0).reshape(np.shape(y))
        return np.sum(y * w)
    return g


def full_check(f: Callable[..., Any], *args: Any, order: int = 2,
               rtol: float = 1e-5, vmap: bool = True) -> None:
    """Derivatives against differences, jit against eager, vmap against a loop."""
    tg.check_grads(f, args, order=order, rtol=rtol, atol=1e-6)
    bits(tg.jit(f)(*args), f(*args))
    argnums = tuple(range(len(args)))
    eager = tg.grad(scalar_out(f), argnums=argnums)(*args)
    for got, want in zip(tg.jit(tg.grad(scalar_out(f), argnums=argnums))(*args), eager):
        bits(got, want)
    if vmap:
        batch = [tuple(np.asarray(a) * s for a in args) for s in (1.0, 0.95, 1.05)]
        stacked = [np.stack([b[i] for b in batch]) for i in range(len(args))]
        want = np.stack([np.asarray(f(*b)) for b in batch])
        np.testing.assert_allclose(tg.vmap(f)(*stacked), want, rtol=1e-13, atol=1e-13)


# ------------------------------------------ stat_check: reductions over axes
STATS = ["max", "min", "mean", "sum", "prod", "var", "std"]
STAT_SHAPES = [(), (5,), (3, 4), (2, 3, 4)]


def _axes(ndim: int) -> list[Any]:
    out: list[Any] = [None]
    out += [a for a in range(-ndim, ndim)]
    if ndim >= 2:
        out += [(0, ndim - 1)]
    return out


STAT_CASES = [(n, s, a, k) for n in STATS for s in STAT_SHAPES for a in _axes(len(s))
              for k in (False, True) if (n, s) != ("std", ())]  # sqrt's kink at 0


@pytest.mark.parametrize("name,shape,axis,keepdims", STAT_CASES)
def test_reductions_over_every_axis_and_keepdims(name, shape, axis, keepdims):
    x = rand(*shape, lims=(0.5, 1.5)) if shape else 0.8
    fn = getattr(np, name)
    f = lambda v: fn(v, axis=axis, keepdims=keepdims)  # noqa: E731
    full_check(f, x, vmap=bool(shape))


@pytest.mark.parametrize("name", ["var", "std"])
@pytest.mark.parametrize("ddof", [0, 1, 2])
@pytest.mark.parametrize("axis", [None, 0, 1])
def test_var_std_with_ddof(name, ddof, axis):
    x = rand(4, 5)
    f = lambda v: getattr(np, name)(v, axis=axis, ddof=ddof)  # noqa: E731
    full_check(f, x)


@pytest.mark.parametrize("name", ["all", "any"])
@pytest.mark.parametrize("shape,axis", [((5,), None), ((3, 4), 0), ((3, 4), -1),
                                        ((2, 3, 4), (0, 2))])
def test_all_any_of_traced_values_are_numpys(name, shape, axis):
    x = rand(*shape)
    x[..., 0] = 0.0
    f = lambda v: getattr(np, name)(v > 0.3, axis=axis)  # noqa: E731
    bits(tg.jit(f)(x), getattr(np, name)(x > 0.3, axis=axis))
    bits(f(tg.jvp(lambda v: v, (x,), (x,))[0]), getattr(np, name)(x > 0.3, axis=axis))


# ---------------------------------------- unary_ufunc_check: every shape
UNARY: dict[str, tuple[Callable[..., Any], tuple[float, float]]] = {
    "sin": (np.sin, (-2.0, 2.0)), "abs": (np.abs, (0.1, 4.0)),
    "absolute": (np.absolute, (0.1, 4.0)), "arccosh": (np.arccosh, (1.1, 4.0)),
    "arcsinh": (np.arcsinh, (-0.9, 0.9)), "arctanh": (np.arctanh, (-0.9, 0.9)),
    "cos": (np.cos, (-2.0, 2.0)), "cosh": (np.cosh, (-2.0, 2.0)),
    "deg2rad": (np.deg2rad, (-2.0, 2.0)), "degrees": (lambda x: np.degrees(x) / 50.0, (-2.0, 2.0)),
    "exp": (np.exp, (-2.0, 2.0)), "exp2": (np.exp2, (-2.0, 2.0)),
    "expm1": (np.expm1, (-2.0, 2.0)), "fabs": (np.fabs, (0.1, 4.0)),
    "log": (np.log, (0.2, 2.0)), "log10": (np.log10, (0.2, 2.0)),
    "log1p": (np.log1p, (0.2, 2.0)), "log2": (np.log2, (0.2, 2.0)),
    "rad2deg": (lambda x: np.rad2deg(x) / 50.0, (-2.0, 2.0)),
    "radians": (np.radians, (-2.0, 2.0)), "sinh": (np.sinh, (-2.0, 2.0)),
    "sqrt": (np.sqrt, (1.0, 3.0)), "square": (np.square, (-2.0, 2.0)),
    "tan": (np.tan, (-1.1, 1.1)), "tanh": (np.tanh, (-2.0, 2.0)),
    "real": (np.real, (-2.0, 2.0)), "real_if_close": (np.real_if_close, (-2.0, 2.0)),
    "imag": (lambda x: x + np.imag(x), (-2.0, 2.0)), "conj": (np.conj, (-2.0, 2.0)),
    "negative": (np.negative, (-2.0, 2.0)), "positive": (np.positive, (-2.0, 2.0)),
    "reciprocal": (np.reciprocal, (0.5, 2.0)), "cbrt": (np.cbrt, (0.5, 2.0)),
    "sinc": (np.sinc, (0.2, 0.9)), "arcsin": (np.arcsin, (-0.9, 0.9)),
    "arccos": (np.arccos, (-0.9, 0.9)), "arctan": (np.arctan, (-2.0, 2.0)),
}
FLAT = {"ceil": np.ceil, "floor": np.floor, "sign": np.sign, "rint": np.rint,
        "trunc": np.trunc, "fix": np.fix, "round": np.round}
UNARY_SHAPES = [(), (1,), (4,), (2, 3), (2, 1, 3)]


@pytest.mark.parametrize("shape", UNARY_SHAPES)
@pytest.mark.parametrize("name", UNARY)
def test_unary_functions_on_every_shape(name, shape):
    fn, lims = UNARY[name]
    full_check(fn, rand(*shape, lims=lims), vmap=bool(shape))


@pytest.mark.parametrize("shape", UNARY_SHAPES)
@pytest.mark.parametrize("name", FLAT)
def test_piecewise_constant_functions_have_zero_derivatives(name, shape):
    x = rand(*shape, lims=(-1.4, 1.4)) if shape else 0.3
    full_check(FLAT[name], x, vmap=bool(shape))
    assert not np.any(tg.grad(scalar_out(FLAT[name]))(x))


# -------------------------------- binary_ufunc_check: broadcasting pairs
BINARY: dict[str, tuple[Callable[..., Any], tuple[float, float], tuple[float, float]]] = {
    "add": (np.add, (-2.0, 2.0), (-2.0, 2.0)),
    "subtract": (np.subtract, (-2.0, 2.0), (-2.0, 2.0)),
    "multiply": (np.multiply, (-2.0, 2.0), (-2.0, 2.0)),
    "logaddexp": (np.logaddexp, (-2.0, 2.0), (-2.0, 2.0)),
    "logaddexp2": (np.logaddexp2, (-2.0, 2.0), (-2.0, 2.0)),
    "true_divide": (np.true_divide, (-2.0, 2.0), (0.3, 2.0)),
    "true_divide_neg": (np.true_divide, (-2.0, 2.0), (-2.0, -0.3)),
    "divide": (np.divide, (-2.0, 2.0), (0.3, 2.0)),
    "power": (np.power, (0.7, 2.0), (-2.0, 2.0)),
    "arctan2": (np.arctan2, (-2.0, 2.0), (0.3, 2.0)),
    "hypot": (np.hypot, (0.3, 2.0), (0.3, 2.0)),
    "op_mul": (op.mul, (-2.0, 2.0), (-2.0, 2.0)),
    "op_add": (op.add, (-2.0, 2.0), (-2.0, 2.0)),
    "op_sub": (op.sub, (-2.0, 2.0), (-2.0, 2.0)),
    "op_div": (op.truediv, (-2.0, 2.0), (0.5, 2.0)),
    "op_pow": (op.pow, (0.7, 2.0), (-2.0, 2.0)),
}
# Functions whose derivative is undefined where both arguments are one value.
NO_SAME = {
    "remainder": (np.remainder, (-0.9, 0.9), (0.7, 1.9)),
    "mod": (np.mod, (-2.0, 2.0), (0.8, 2.1)),
    "mod_neg": (np.mod, (-2.0, 2.0), (-2.0, -0.3)),
    "op_mod": (op.mod, (-2.0, 2.0), (0.3, 2.0)),
    "op_mod_neg": (op.mod, (-2.0, 2.0), (-2.0, -0.3)),
    "fmod": (np.fmod, (-2.0, 2.0), (0.3, 2.0)),
    "maximum": (np.maximum, (-2.0, 2.0), (-2.0, 2.0)),
    "minimum": (np.minimum, (-2.0, 2.0), (-2.0, 2.0)),
    "fmax": (np.fmax, (-2.0, 2.0), (-2.0, 2.0)),
    "fmin": (np.fmin, (-2.0, 2.0), (-2.0, 2.0)),
}
PAIR_SHAPES = [((), ()), ((), (4,)), ((4,), ()), ((1,), (4,)), ((4,), (1,)),
               ((3, 1), (4,)), ((4,), (3, 4)), ((3, 4), (1, 4)), ((3, 1), (1, 4)),
               ((2, 3, 4), (3, 1))]


def _away_from_kinks(fn: Callable[..., Any], a: Any, b: Any) -> bool:
    """No sample within 0.05 of a jump (mod) or of a tie (max, min)."""
    a, b = np.broadcast_arrays(a, b)
    if fn in (np.maximum, np.minimum, np.fmax, np.fmin):
        return bool(np.all(np.abs(a - b) > 0.05))
    q = a / b
    return bool(np.all(np.abs(q - np.round(q)) > 0.05))


@pytest.mark.parametrize("shapes", PAIR_SHAPES)
@pytest.mark.parametrize("name", BINARY)
def test_binary_functions_over_broadcasting_pairs(name, shapes):
    fn, la, lb = BINARY[name]
    a, b = rand(*shapes[0], lims=la), rand(*shapes[1], lims=lb)
    full_check(fn, a, b, vmap=bool(shapes[0]) and bool(shapes[1]))
    full_check(lambda v: fn(v, v), a, vmap=bool(shapes[0]))


@pytest.mark.parametrize("shapes", PAIR_SHAPES)
@pytest.mark.parametrize("name", NO_SAME)
def test_binary_functions_with_kinks_over_broadcasting_pairs(name, shapes):
    fn, la, lb = NO_SAME[name]
    for _ in range(50):
        a, b = rand(*shapes[0], lims=la), rand(*shapes[1], lims=lb)
        if _away_from_kinks(fn, a, b):
            break
    full_check(fn, a, b, vmap=bool(shapes[0]) and bool(shapes[1]))


# ------------------------------------------------------- combo_check: misc
def rn(*shape: int) -> Any:
    return rand(*shape) if shape else 1.5


TRANSPOSE_AXES = [None, (0, 1, 2), (0, 2, 1), (2, 0, 1), (2, 1, 0), (1, 0, 2), (1, 2, 0)]


@pytest.mark.parametrize("axes", TRANSPOSE_AXES)
def test_transpose_over_every_permutation(axes):
    full_check(lambda v: np.transpose(v, axes), rn(2, 3, 4))


@pytest.mark.parametrize("sa,sb", list(itertools.product([(), (3,), (2, 3)], [(), (3,), (3, 4)])))
def test_dot_over_every_pair_of_ranks(sa, sb):
    if sa and sb and sa[-1] != sb[0]:
        pytest.skip("shapes do not align")
    full_check(np.dot, rn(*sa), rn(*sb), vmap=bool(sa) and bool(sb))


TENSORDOT = [([(1, 3), (2, 3, 2)], [(3,), (3, 1), (3, 4, 2)], [(1,), (0,)]),
             ([(3,), (3, 1), (3, 4, 2)], [(1, 3), (2, 3, 2)], [(0,), (1,)]),
             ([(2, 3), (2, 3, 4)], [(1, 2, 3), (2, 2, 3, 4)], [(0, 1), (1, 2)]),
             ([(2, 3), (2, 3, 4)], [(1, 2, 3), (2, 2, 3, 4)], [(1, 0), (2, 1)]),
             ([(2, 2), (4, 2, 2)], [(2, 2), (2, 2, 4)], 1),
             ([(2, 2), (4, 2, 2)], [(2, 2), (2, 2, 4)], 2)]
TENSORDOT_CASES = [(a, b, ax) for sas, sbs, ax in TENSORDOT for a in sas for b in sbs]


@pytest.mark.parametrize("sa,sb,axes", TENSORDOT_CASES)
def test_tensordot_over_shapes_and_axes(sa, sb, axes):
    full_check(lambda a, b: np.tensordot(a, b, axes=axes), rn(*sa), rn(*sb))


@pytest.mark.parametrize("name", ["sort", "msort"])
@pytest.mark.parametrize("n", [1, 7])
def test_sort(name, n):
    fn = np.sort if name == "sort" else (lambda v: np.sort(v, axis=0))
    full_check(fn, rn(n))


@pytest.mark.parametrize("n,kth", [(7, 0), (7, 3), (7, 6), (14, 0), (14, 3), (14, 6)])
def test_partition(n, kth):
    x = rn(n)
    f = lambda v: np.partition(v, kth)  # noqa: E731
    full_check(f, x)


@pytest.mark.parametrize("kth,axis", [(1, 0), ((0, 2), -1), (2, None), ([1, 3], 1)])
def test_partition_is_numpys_along_any_axis(kth, axis):
    x = rn(4, 5)
    f = lambda v: np.partition(v, kth, axis=axis)  # noqa: E731
    bits(tg.jvp(f, (x,), (x,))[0], f(x))    # NumPy's own arrangement, bit for bit
    full_check(f, x)


ATLEAST_SHAPES = [(), (1,), (7,), (1, 4), (2, 4), (2, 4, 5), (2, 4, 3, 5)]


@pytest.mark.parametrize("shape", ATLEAST_SHAPES)
@pytest.mark.parametrize("name", ["atleast_1d", "atleast_2d", "atleast_3d"])
def test_atleast_nd_on_every_rank(name, shape):
    full_check(getattr(np, name), rn(*shape), vmap=bool(shape))


EINSUM = [("ij->ji", [(1, 1)]), ("ij->ji", [(4, 4)]), ("ij->ji", [(3, 4)]),
          ("ij,jk->ik", [(2, 3), (3, 4)]), ("ijk,lji->lki", [(3, 4, 4), (4, 4, 3)]),
          ("...jk,...lj->...lk", [(3, 4, 4), (3, 4, 4)]), ("...,...->...", [(3, 4, 4), (3, 4, 4)]),
          ("ijk,lji,lli->lki", [(3, 4, 4), (4, 4, 3), (4, 4, 3)])]


@pytest.mark.parametrize("spec,shapes", EINSUM)
def test_einsum_autograds_subscripts(spec, shapes):
    full_check(lambda *xs: np.einsum(spec, *xs), *[rn(*s) for s in shapes])


@pytest.mark.parametrize("shape", [(5, 5), (4, 5), (5, 4)])
@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_trace_with_offsets(shape, offset):
    full_check(lambda v: np.trace(v, offset=offset), rn(*shape))


# ------------------------------------------------- test_linalg: on stacks
def psd(*lead: int, d: int = 4) -> Any:
    m = R.standard_normal((*lead, d, d))
    return m @ np.swapaxes(m, -1, -2) + d * np.eye(d)


def sym(a: Any) -> Any:
    low = np.tril(a)
    return (low + np.swapaxes(low, -1, -2)) / 2.0


LINALG: dict[str, Callable[[Any], Any]] = {
    "inv": np.linalg.inv,
    "det": np.linalg.det,
    "slogdet": lambda a: np.linalg.slogdet(a)[1],
    "solve_vec": lambda a: np.linalg.solve(a, np.ones(a.shape[-1])),  # NumPy 2: b 1-d
    "solve_mat": lambda a: np.linalg.solve(a, np.ones((*a.shape[:-1], 2))),
    "cholesky": lambda a: np.linalg.cholesky(sym(a)),
    "eigh": lambda a: np.concatenate([(wv := np.linalg.eigh(sym(a)))[0][..., None, :], wv[1]], -2),
    "eigh_upper": lambda a: np.concatenate([(wv := np.linalg.eigh(sym(a), "U"))[0][..., None, :],
                                            wv[1]], -2),
    "svd_s": lambda a: np.linalg.svd(a, compute_uv=False),
    "pinv": np.linalg.pinv,
    "matrix_power": lambda a: np.linalg.matrix_power(a, 3),
}


@pytest.mark.parametrize("lead", [(), (3,), (2, 2)])
@pytest.mark.parametrize("name", LINALG)
def test_linalg_on_stacks_of_matrices(name, lead):
    a = psd(*lead) + 0.3 * R.standard_normal((*lead, 4, 4)) * (name not in ("cholesky",))
    full_check(LINALG[name], a, order=2 if lead != (2, 2) else 1, rtol=1e-4, vmap=bool(lead))


@pytest.mark.parametrize("lead", [(), (3,)])
@pytest.mark.parametrize("mn", [(3, 5), (4, 4), (5, 3)])
def test_svd_factors_wide_square_tall(lead, mn):
    def f(a):
        u, s, vt = np.linalg.svd(a, full_matrices=False)
        return np.abs(u * s[..., None, :]) @ np.abs(vt)   # signs of u, vt are arbitrary
    a = R.standard_normal((*lead, *mn))
    full_check(f, a, order=1, rtol=1e-4, vmap=bool(lead))


@pytest.mark.parametrize("kw", [{}, {"ord": 2}, {"ord": 3}, {"ord": 4}, {"axis": 0}, {"axis": 1},
                                {"axis": 2}, {"axis": (0, 1)}, {"ord": "nuc", "axis": (0, 1)},
                                {"ord": "fro", "axis": (1, 2)}])
def test_norm_orders_and_axes(kw):
    x = rn(6) if kw.get("ord") in (2, 3, 4) else rn(6, 5, 4)
    full_check(lambda v: np.linalg.norm(v, **kw), x, rtol=1e-4)


@pytest.mark.parametrize("shape,kw", [((6, 5, 4), {}), ((7, 9), {}), ((40,), {}),
                                      ((7, 9), {"ord": "fro"}), ((40,), {"ord": 2}),
                                      ((3, 4, 5), {"keepdims": True})])
def test_norm_of_all_elements_is_numpys_bit_for_bit(shape, kw):
    f = lambda v: np.linalg.norm(v, **kw)  # noqa: E731
    for _ in range(20):     # NumPy sums x.ravel().dot(x.ravel()): the same bits
        x = rand(*shape)
        bits(tg.jvp(f, (x,), (x,))[0], f(x))
        bits(tg.jit(f)(x), f(x))


# ---------------------------------------- test_numpy: one function, one input
C34 = np.cos(np.arange(12.0)).reshape(3, 4)
MASK = np.sin(np.arange(20.0)).reshape(4, 5) > 0
NUMPY_CASES: dict[str, tuple[Callable[..., Any], tuple[int, ...]]] = {
    "index_ints": (lambda x: x[3, 0, 1], (5, 6, 4)),
    "index_slice": (lambda x: x[::-1, 2:4, :], (5, 6, 4)),
    "index_lists": (lambda x: x[[0, 1, 2], :, :], (5, 6, 4)),
    "index_mixed": (lambda x: x[3, 2:, [1, 3]], (5, 6, 4)),
    "slice_fanout": (lambda x: x[::-1, 2:4, :] + x[::-1, 3:5, :], (5, 6, 4)),
    "multiple_slices": (lambda x: x[2:6][1:3], (7,)),
    "multi_index": (lambda x: np.sum(x[[0, 1, 0]]), (3,)),
    "index_dot_slices": (lambda x: np.dot(x[:2], x[2:]), (4,)),
    "reshape_method": (lambda x: x.reshape((20, 6)), (5, 6, 4)),
    "reshape_nolist": (lambda x: x.reshape(20, 6), (5, 6, 4)),
    "ravel_method": (lambda x: x.ravel(), (5, 6, 4)),
    "flatten_method": (lambda x: x.flatten(), (5, 6, 4)),
    "concatenate_1": (lambda x: np.concatenate((x, 2 * x, x), 1), (5, 6, 4)),
    "concat_const": (lambda x: np.concatenate((np.ones((1, 6, 4)), x)), (5, 6, 4)),
    "trace_extradims": (lambda x: np.trace(x, offset=2), (5, 6, 4, 3)),
    "trace_axes": (lambda x: np.trace(x, offset=-1, axis1=3, axis2=2), (5, 6, 4, 3)),
    "split": (lambda x: np.split(x, 2)[0], (10,)),
    "diag": (np.diag, (10, 10)), "transpose_T": (lambda x: x.T, (8, 8)),
    "roll": (lambda x: np.roll(x, 2, axis=1), (4, 5)),
    "roll_flat": (lambda x: np.roll(x, 2), (4, 5)),
    "triu": (lambda x: np.triu(x, k=2), (5, 5)), "tril": (lambda x: np.tril(x, k=2), (5, 5)),
    "clip": (lambda x: np.clip(x, a_min=0.1, a_max=1.1), (5, 5)),
    "cumsum_0": (lambda x: np.cumsum(x, axis=0), (10, 11)),
    "cumsum_none": (np.cumsum, (10, 11)), "squeeze": (np.squeeze, (5, 1, 4)),
    "squeeze_method": (lambda x: x.squeeze(), (5, 1, 4)),
    "repeat": (lambda x: np.repeat(x, 2, axis=1), (5, 3, 4)),
    "repeat_0_1": (lambda x: np.repeat(x, 1, axis=0), (5, 1)),
    "expand_dims": (lambda x: np.expand_dims(x, 2), (5, 1, 4)),
    "flipud": (np.flipud, (10, 11)), "fliplr": (np.fliplr, (10, 11)), "rot90": (np.rot90, (10, 11)),
    "non_numpy_sum": (lambda x: sum([x, 2 * x]), (10, 11)),
    "where": (lambda x: np.where(MASK, x, -2 * x), (4, 5)),
    "diagonal_3d": (lambda x: np.diagonal(x, axis1=-1, axis2=-2), (3, 4, 4)),
    "nan_to_num": (lambda x: np.sin(np.nan_to_num(x + np.array([0.0, np.nan, np.inf, -np.inf]))),
                   (4,)),
    "outer": (lambda x: np.outer(x, x[::-1]), (11,)),
    "prod_axis0": (lambda x: np.prod(x * x + 0.1, axis=0, keepdims=True), (2, 3)),
    "sum_axis_tuple": (lambda x: np.sum(x, axis=(1, 2)), (4, 5, 3)),
    "append": (lambda x: np.append(x, x[0] * 4.0), (3,)),
}


@pytest.mark.parametrize("name", NUMPY_CASES)
def test_autograds_numpy_cases(name):
    f, shape = NUMPY_CASES[name]
    full_check(f, rand(*shape))


@pytest.mark.parametrize("name", ["var", "std"])
@pytest.mark.parametrize("shape,axis,keepdims,ddof", [
    (s, None, k, d) for s in [(3,), (3, 4), (1, 3)] for k in (True, False) for d in (0, 1)] + [
    (s, a, k, 2) for s in [(3, 4), (1, 3)] for a in (None, 1) for k in (True, False)])
def test_var_std_ddof_keepdims_combos(name, shape, axis, keepdims, ddof):
    f = lambda v: getattr(np, name)(v, axis=axis, keepdims=keepdims, ddof=ddof)  # noqa: E731
    full_check(f, rand(*shape))


# autograd's spellings NumPy does not dispatch (np.array of a list, np.r_, np.c_, a
# cast by calling a scalar type): the error names tapegrad's spelling, which works.
REFUSED = [
    (lambda x: np.array([[2 * x, x + 1], [x, x]]), r"np\.stack runs tg\.stack",
     lambda x: tg.stack([tg.stack([2 * x, x + 1]), tg.stack([x, x])])),
    (lambda x: np.r_[x, C34[:3, :2], x], r"tg\.r_\[a, b\] for np\.r_\[a, b\]",
     lambda x: tg.r_[x, C34[:3, :2], x]),
    (lambda x: np.c_[x, C34[:3, :2], x], r"tg\.c_\[a, b\] for np\.c_\[a, b\]",
     lambda x: tg.c_[x, C34[:3, :2], x]),
    (lambda x: np.sum(x[np.int64(x[:, -1] * 0 + 1)]),
     r"write \(x\[:, -1\] \* 0 \+ 1\)\.astype\(np\.int64\)",
     lambda x: np.sum(x[(x[:, -1] * 0 + 1).astype(np.int64)])),
]


@pytest.mark.parametrize("k", range(len(REFUSED)))
def test_autograds_spellings_numpy_does_not_dispatch_name_ours(k):
    theirs, message, ours = REFUSED[k]
    x = rand(3, 2)
    with pytest.raises(TypeError, match=message):
        tg.grad(lambda v: np.sum(theirs(v)))(x)
    np.testing.assert_array_equal(ours(x), theirs(x))
    full_check(ours, x)


# ------------------------------------------------------------ test_wrappers
def _jac_fd(f: Callable[..., Any], x: Any, eps: float = 1e-6) -> Any:
    """The Jacobian by central differences: shape ``f(x).shape + x.shape``."""
    cols = []
    for idx in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[idx] = eps
        cols.append((np.asarray(f(x + e)) - np.asarray(f(x - e))) / (2 * eps))
    return np.moveaxis(np.array(cols), 0, -1).reshape(np.shape(f(x)) + x.shape)


@pytest.mark.parametrize("shape", [(5,), (5, 4), (5, 4, 3)])
def test_hessian_times_vectors_matrices_tensors(shape):
    from tapegrad.misc.operators import hessian_tensor_product
    fun = lambda a: np.sum(np.sin(a) * np.roll(a, 1))  # noqa: E731
    a, v = rand(*shape), rand(*shape)
    h = tg.hessian(fun)(a)
    np.testing.assert_allclose(h, _jac_fd(tg.grad(fun), a), rtol=1e-6, atol=1e-8)
    want = np.tensordot(h, v, axes=v.ndim)
    np.testing.assert_allclose(hessian_tensor_product(fun)(a, v), want, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(tg.hvp(fun, (a,), (v,)), want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("shape", [(5,), (5, 4), (5, 4, 3)])
def test_vectors_matrices_tensors_times_the_jacobian(shape):
    from tapegrad.misc.operators import vector_jacobian_product
    fun = lambda a: np.roll(np.sin(a), 1)  # noqa: E731
    a, v = rand(*shape), rand(*shape)
    j = _jac_fd(fun, a)
    want = np.tensordot(v, j, axes=v.ndim)
    np.testing.assert_allclose(vector_jacobian_product(fun)(a, v), want, rtol=1e-7, atol=1e-8)
    np.testing.assert_allclose(tg.jacobian(fun)(a), j, rtol=1e-7, atol=1e-8)


def test_elementwise_grad_of_the_second_argument():
    f = lambda a, b: a + np.sin(a) + np.cosh(b)  # noqa: E731
    b = rand(10)
    got = tg.elementwise_grad(f, argnum=1)(0.9, b)
    np.testing.assert_allclose(got, _jac_fd(lambda v: f(0.9, v), b).diagonal(), rtol=1e-7)


def test_value_and_grad_is_the_value_and_the_grad():
    fun = lambda x: 3.0 * x ** 3.2  # noqa: E731
    v, d = tg.value_and_grad(fun)(1.7)
    assert v == fun(1.7) and d == tg.grad(fun)(1.7)
    assert abs(d - (fun(1.7 + 1e-6) - fun(1.7 - 1e-6)) / 2e-6) < 1e-6


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_gradients_keep_the_argument_dtype(dtype):
    y = rand(10, 10).astype(dtype)
    for f in (tg.grad(lambda x: np.sum(x ** 2)), tg.jit(tg.grad(lambda x: np.sum(x ** 2)))):
        g = f(y)
        assert g.dtype == dtype
        np.testing.assert_allclose(g, 2 * y.astype(float), rtol=1e-2)


def test_checkpoint_changes_no_value_and_no_derivative():
    bar = lambda x, y: 2 * x + y * np.sin(x) + 5  # noqa: E731
    foo = lambda x: bar(x, x / 3.0) + bar(x, x ** 2)  # noqa: E731
    cbar = tg.checkpoint(bar)
    foo2 = lambda x: cbar(x, x / 3.0) + cbar(x, x ** 2)  # noqa: E731
    x = rand(4)
    bits(foo2(x), foo(x))     # the cotangents may add in another order: not bit for bit
    np.testing.assert_allclose(tg.grad(scalar_out(foo2))(x), tg.grad(scalar_out(foo))(x),
                               rtol=1e-14, atol=1e-14)
    full_check(foo2, x)


# --------------------------------------- test_tuple, test_dict, test_list
def _leaves_close(a: Any, b: Any) -> None:
    for x, y in zip(tg.tree.leaves(a), tg.tree.leaves(b), strict=True):
        np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-12)


CONTAINERS = {
    "tuple": (lambda p: np.sum(np.sin(p[0]) * p[1][0] + p[1][1] ** 2),
              lambda: (rand(3), (rand(3), rand(3)))),
    "list": (lambda p: np.sum(p[0] * np.cos(p[1])) + p[2] ** 3, lambda: [rand(4), rand(4), 0.7]),
    "dict": (lambda p: np.sum(np.tanh(p["w"] @ p["x"]) + p["b"]) * p["s"],
             lambda: {"w": rand(2, 3), "x": rand(3), "b": rand(2), "s": 1.3}),
    "dict_unused": (lambda p: np.sum(np.sin(p["a"])) + 2 * np.sum(p["b"]),   # p["x"]: zeros
                    lambda: {"a": rand(5, 6), "b": rand(4, 3), "x": rand(2, 4)}),
    "nested": (lambda p: np.sum(p["a"][0] * p["a"][1]["c"]) + np.sum(p["d"][0] ** 2),
               lambda: {"a": [rand(3), {"c": rand(3)}], "d": (rand(2),)}),
}


@pytest.mark.parametrize("name", CONTAINERS)
def test_gradients_through_containers(name):
    f, make = CONTAINERS[name]
    p = make()
    tg.check_grads(f, (p,), order=2)
    eager = tg.grad(f)(p)
    assert tg.tree.structure(eager) == tg.tree.structure(p)
    for got, want in zip(tg.tree.leaves(tg.jit(tg.grad(f))(p)), tg.tree.leaves(eager)):
        bits(got, want)
    ps = [tg.tree.map(lambda v, s=s: v * s, p) for s in (1.0, 0.9, 1.1)]
    batched = tg.vmap(tg.grad(f))(tg.tree.map(lambda *v: np.stack(v), *ps))
    loop = tg.tree.map(lambda *v: np.stack(v), *[tg.grad(f)(q) for q in ps])
    _leaves_close(batched, loop)


@pytest.mark.parametrize("kind", [tuple, list, dict])
def test_containers_as_outputs_of_jacobian_and_jvp(kind):
    def f(x):
        parts = (np.sin(x), x ** 2, np.sum(x))
        return dict(zip("abc", parts)) if kind is dict else kind(parts)
    x = rand(3)
    tg.check_grads(f, (x,), order=2)
    jac = tg.jacobian(f)(x)
    want = {k: _jac_fd(lambda v, k=k: f(v)[k], x)
            for k in (("a", "b", "c") if kind is dict else range(3))}
    for k, w in want.items():
        np.testing.assert_allclose(jac[k], w, rtol=1e-7, atol=1e-8)


# ------------------------------ test_scipy: stats over broadcasting parameters
scipy_stats = pytest.importorskip("scipy.stats")
SHAPES3 = [((), (), ()), ((4,), (), ()), ((4,), (4,), (4,)), ((3, 1), (4,), ()), ((), (3, 4), (4,))]
STATS_CASES = {   # name -> (positive-parameter flags, differentiated argnums)
    "norm.pdf": ((False, False, True), (0, 1, 2)), "norm.logpdf": ((False, False, True), (0, 1, 2)),
    "norm.cdf": ((False, False, True), (0, 1, 2)), "norm.logsf": ((False, False, True), (0, 1, 2)),
    "t.logpdf": ((False, True, False), (0, 1, 2)), "t.cdf": ((False, True, False), (0, 2)),
    "gamma.logpdf": ((True, True, False), (0, 1)), "gamma.cdf": ((True, True, False), (0,)),
    "beta.logpdf": ((True, True, True), (0, 1, 2)),
}


@pytest.mark.parametrize("shapes", SHAPES3)
@pytest.mark.parametrize("name", STATS_CASES)
def test_scipy_stats_over_broadcasting_parameters(name, shapes):
    from tapegrad.scipy import stats
    dist, fn = name.split(".")
    ours, theirs = getattr(getattr(stats, dist), fn), getattr(getattr(scipy_stats, dist), fn)
    positive, argnums = STATS_CASES[name]
    args = [rand(*s, lims=(0.6, 3.0) if pos else (-1.0, 1.0)) for s, pos in zip(shapes, positive)]
    if dist in ("gamma", "beta"):
        args[0] = rand(*shapes[0], lims=(0.1, 0.9))
    if dist == "gamma":
        args[2] = 0.0       # loc: below every x
    np.testing.assert_allclose(ours(*args), theirs(*args), rtol=1e-12, atol=1e-14)

    def f(*xs):
        return ours(*[xs[argnums.index(k)] if k in argnums else a for k, a in enumerate(args)])
    full_check(f, *[args[k] for k in argnums], vmap=all(shapes[k] for k in argnums))
