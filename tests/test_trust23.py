"""Trust: sign on NumPy scalars, zero-safe products, constants by their bits,
shared NumPy scalars under vmap, the types jit returns, and docs examples."""

from __future__ import annotations

import pathlib
import struct
import sys
from typing import Any

import numpy as np
import pytest

import tapegrad as tg
from tapegrad.primitive import zmul, zmul_both, zmul_sum
from tapegrad.staging.program import value_key

ROOT = pathlib.Path(__file__).resolve().parents[1]
FLOAT_SCALARS = [float, np.float64, np.float32, np.float16]


def bits(x: Any) -> tuple[Any, ...]:
    """A value as its type, dtype, shape and bytes: equal only if equal bit for bit."""
    a = np.asarray(x)
    return type(x), a.dtype, a.shape, a.tobytes()


def same(got: Any, want: Any) -> None:
    """Bit for bit, nan payloads and signs of zero included, and of the same type."""
    assert bits(got) == bits(want), (got, want)


def f64(q: int) -> float:
    """The float whose IEEE bits are ``q``."""
    return struct.unpack("<d", struct.pack("<Q", q))[0]


NAN_A, NAN_B = f64(0x7FF8000000000123), f64(0xFFF8000000000456)     # payloads, signs


# ------------------------------------------------ 1. sign on NumPy scalars
@pytest.mark.parametrize("t", FLOAT_SCALARS, ids=lambda t: t.__name__)
@pytest.mark.parametrize("x", [2.5, -2.5, 0.0, -0.0, np.inf, -np.inf, np.nan])
def test_sign_takes_every_float_scalar_eager_grad_jit_vmap(t: Any, x: float) -> None:
    v = t(x)
    want = float(np.sign(x)) if t in (float, np.float64) else np.sign(v)   # math branch
    got = tg.sign(v)
    same(got, want)                    # sign(-0.0) is +0.0, as NumPy's
    same(tg.jit(tg.sign)(v), got)
    same(tg.grad(tg.sign)(v), t(0.0) if t not in (float, np.float64) else 0.0)
    same(tg.jit(tg.grad(tg.sign))(v), tg.grad(tg.sign)(v))
    batch = np.array([v, v], dtype=np.asarray(v).dtype)
    same(tg.vmap(tg.sign)(batch), np.sign(batch))


# ------------------------------------------------ 2. zmul: one answer per element
ZEROS_AND_OTHERS = [0.0, -0.0, 2.0, -3.0, np.inf, -np.inf, np.nan]


@pytest.mark.parametrize("p", [zmul, zmul_both], ids=lambda p: p.name)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_zmul_float_branch_equals_array_branch_elementwise(p: Any, dtype: Any) -> None:
    g = np.array(ZEROS_AND_OTHERS, dtype)[:, None]          # every pair, as arrays
    d = np.array(ZEROS_AND_OTHERS, dtype)[None, :]
    with np.errstate(all="ignore"):
        whole = p.impl(g, d)
        for i in range(g.shape[0]):
            for j in range(d.shape[1]):
                a, b = g[i, 0], d[0, j]
                if dtype is np.float64:
                    a, b = float(a), float(b)                  # the float branch
                one = np.asarray(p.impl(a, b), dtype)
                same(whole[i, j], one[()])
    zero = g[:, 0] == 0
    assert not np.signbit(whole[zero]).any()                  # +0.0 where g is zero
    assert not np.isnan(whole[zero]).any()


def test_zmul_of_a_zero_float_and_an_array_is_what_the_batch_gives() -> None:
    d = np.array([2.0, -2.0, np.inf])
    for g in (0.0, -0.0):
        same(zmul.impl(g, d), zmul.impl(np.full(3, g), d))
        same(zmul.impl(g, d), np.zeros(3))


@pytest.mark.parametrize("g", [[-0.0, -0.0], [-0.0, 0.0], [1.0, -0.0], [-0.0, 1.0]])
@pytest.mark.parametrize("d", [[2.0, 3.0], [np.inf, 1.0], [-2.0, np.nan], [0.0, -0.0]])
def test_zmul_sum_is_the_sum_of_zmul(g: list[float], d: list[float]) -> None:
    g_, d_ = np.array(g), np.array(d)
    with np.errstate(all="ignore"):
        same(zmul_sum(g_, d_), zmul.impl(g_, d_).sum())      # np.float64, as .sum()


def test_vmap_of_grad_of_the_moons_loss_is_the_loop_bit_for_bit() -> None:
    sys.path.insert(0, str(ROOT / "examples"))
    try:
        import moons
    finally:
        sys.path.remove(str(ROOT / "examples"))
    X, y = moons.make_moons()
    params = tg.nn.mlp_init([2, 16, 16, 1], seed=0)
    vg = tg.value_and_grad(moons.example_loss, has_aux=True)
    (losses, _), grads = tg.vmap(vg, in_axes=(None, 0, 0, 0))(params, X[:, 0], X[:, 1], y)
    loop = [tg.tree.leaves(vg(params, X[i, 0], X[i, 1], y[i])[1]) for i in range(len(y))]
    leaves = tg.tree.leaves(grads)
    zeros = 0
    for k, g in enumerate(leaves):
        want = np.array([one[k] for one in loop])
        same(np.asarray(g), want)
        zeros += int((want == 0).sum())
    assert zeros > 0            # the hinge's flat side: zero gradients of both signs' origins


# ------------------------------------------------ 3. constants by their bits under jit
F32_NAN = np.frombuffer(struct.pack("<I", 0x7FC00123), np.float32)[0]
CONSTANTS = {
    "zeros": lambda x: (x * 0.0, x * -0.0, x + 0.0, x + -0.0, 0.0 * x, -0.0 * x),
    "nans": lambda x: (x + NAN_A, x + NAN_B, x * NAN_A, NAN_B - x),
    "nan_outputs": lambda x: (NAN_A, NAN_B, -0.0, 0.0, x),
    "nan_maximum": lambda x: (tg.maximum(x, NAN_A), tg.maximum(x, NAN_B)),
    "three_1.5": lambda x: (x * np.float32(1.5), x * 1.5, x * np.float64(1.5)),
    "float32_nan": lambda x: (x + F32_NAN, x + np.float32(np.nan), x - F32_NAN),
    "where_zeros": lambda x: (tg.where(x > 0, -0.0, 0.0), tg.where(x > 0, 0.0, -0.0)),
}
ARGUMENTS = [2.0, -2.0, np.float32(2.0), np.array([1.0, -1.0]), np.array([1.0], np.float32)]


@pytest.mark.parametrize("name", CONSTANTS)
@pytest.mark.parametrize("x", ARGUMENTS, ids=lambda x: f"{type(x).__name__}"
                         f"{getattr(x, 'dtype', '')}{np.ravel(x)[0]:+}")
def test_jit_keeps_constants_apart_by_their_bits(name: str, x: Any) -> None:
    f = CONSTANTS[name]
    with np.errstate(all="ignore"):
        want, got = f(x), tg.jit(f)(x)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        same(g, w)


def test_a_rolled_loop_keeps_its_nan_constants_apart() -> None:
    def f(x):
        for k in range(200):            # long enough to be compiled as one loop
            x = tg.maximum(x * 0.5, (NAN_A, NAN_B)[k % 2])
        return x
    for x in (1.5, -1.5):
        same(tg.jit(f)(x), f(x))


def test_value_key_tells_types_signs_and_payloads_apart() -> None:
    keys = [value_key(v) for v in (0.0, -0.0, NAN_A, NAN_B, float("nan"), 1.5,
                                   np.float32(1.5), np.float64(1.5), 1, True)]
    assert len(set(keys)) == len(keys)
    assert value_key(f64(0x7FF8000000000123)) == value_key(NAN_A)   # the same bits: one
    a = np.ones(2)
    assert value_key(a) != value_key(a.copy())      # an array is only itself


# ------------------------------------------------ 4. a shared np.float64 under vmap
SHARED = {
    "mul": lambda w, x: w * x,
    "exp": lambda w, x: tg.exp(w) * x,
    "sign": lambda w, x: tg.sign(w) + x,
    "float32": lambda w, x: w * np.float32(1.5) + x,
    "sum": lambda w, x: tg.sum(x * w),
    "grad": lambda w, x: tg.grad(lambda w: tg.sin(w * tg.sum(x)))(w),
    "grad_branch": lambda w, x: tg.grad(lambda w: tg.sin(w * tg.sum(x)))(w) * (
        1.0 if tg.sum(x) > 0 else -1.0),
    "w**2": lambda w, x: w ** 2 * x, "abs": lambda w, x: abs(w) * x + w ** 0.5,
    "2**w": lambda w, x: 2.0 ** w * x, "tg.power": lambda w, x: tg.power(w, 2) * x + tg.abs(w),
}


@pytest.mark.parametrize("name", SHARED)
@pytest.mark.parametrize("w", [np.float64(1.5), np.float64(-0.0), np.float64(np.nan), 1.5,
                               np.float32(1.5)], ids=repr)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_vmap_with_a_shared_numpy_scalar_equals_the_loop(name: str, w: Any, dtype: Any) -> None:
    f = SHARED[name]
    X = np.array([[1.0, -2.0], [0.0, 3.0], [-0.0, -1.0]], dtype)
    with np.errstate(all="ignore"):
        got = tg.vmap(f, in_axes=(None, 0))(w, X)
        want = np.stack([np.asarray(f(w, X[i])) for i in range(len(X))])
    same(got, want)


SCALAR_EXAMPLES = {
    "mul": lambda w, x: w * x, "exp": lambda w, x: tg.exp(w) * x - w,
    "sign": lambda w, x: tg.sign(w) + x, "float32": lambda w, x: w * np.float32(1.5) + x,
    "grad": lambda w, x: tg.grad(lambda w: tg.sin(w * x))(w),
    "w**2": lambda w, x: w ** 2 * x - abs(w), "tg.power": lambda w, x: tg.power(w, 2) * x,
}


@pytest.mark.parametrize("name", SCALAR_EXAMPLES)
@pytest.mark.parametrize("w", [np.float64(1.5), np.float64(-0.0), 1.5], ids=repr)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_vmap_of_scalar_examples_with_a_shared_numpy_scalar_equals_the_loop(
        name: str, w: Any, dtype: Any) -> None:
    """Scalar examples: a compiled batch program, and a quick call from the second on."""
    f = SCALAR_EXAMPLES[name]
    X = np.array([1.0, -2.0, 0.0, -0.0, 0.5], dtype)
    want = np.stack([np.asarray(f(w, X[i])) for i in range(len(X))])
    vf = tg.vmap(f, in_axes=(None, 0))
    for _ in range(3):
        same(vf(w, X), want)


NARROW_SHARED = {
    "w*sum": lambda w, x: w * tg.sum(x), "sum*w": lambda w, x: tg.sum(x) * w + x,
    "w*exp": lambda w, x: tg.exp(tg.sum(x)) * w, "w*x": lambda w, x: tg.sum(w * x),
    "sin": lambda w, x: tg.sin(w * tg.sum(x)), "abs": lambda w, x: w * tg.sum(x) / (1.0 + abs(x)),
    "max": lambda w, x: tg.maximum(w, tg.sum(x) * 0.5), "where": lambda w, x: tg.where(
        tg.sum(x) > 0, w, tg.sum(x)), "w**2": lambda w, x: w ** 2 * tg.sum(x),
}
NARROW_TRANSFORMS = {
    "f": lambda f: f,
    "grad_w": lambda f: lambda w, x: tg.grad(lambda w: tg.sum(f(w, x)))(w),
    "grad_x": lambda f: lambda w, x: tg.grad(lambda x: tg.sum(f(w, x)))(x),
    "value_and_grad": lambda f: lambda w, x: tg.value_and_grad(
        lambda w, x: tg.sum(f(w, x)), argnums=(0, 1))(w, x),
}


@pytest.mark.parametrize("name", NARROW_SHARED)
@pytest.mark.parametrize("how", NARROW_TRANSFORMS)
@pytest.mark.parametrize("w", [np.float32(1.5), np.float32(0.1), np.float16(0.1)], ids=repr)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", [(), (2,)], ids=["scalar", "vector"])
def test_vmap_with_a_shared_float32_or_float16_scalar_equals_the_loop(
        name: str, how: str, w: Any, dtype: Any, shape: tuple[int, ...]) -> None:
    """A float an example computes (``tg.sum`` of float64 data) meets ``w`` as Python's float.

    Where ``grad`` takes the example, the loop gives it a 0-d array, which
    grad keeps strong: an ``np.float64`` it takes as a float (the strict
    xfail of test_strong_float64), where vmap's example stays strong, and
    its gradient is float64 (widened back from a float32 cotangent) as the
    0-d array's is.
    """
    f = NARROW_TRANSFORMS[how](NARROW_SHARED[name])
    X = np.array([1.0, -2.0, 0.0, 1e-30, 0.5, 3.0]).reshape((-1, *shape)).astype(dtype)
    taken = np.asarray if how in ("grad_x", "value_and_grad") else (lambda x: x)
    with np.errstate(all="ignore"):
        loop = [f(w, taken(X[i])) for i in range(len(X))]
        vf = tg.vmap(f, in_axes=(None, 0))
        for _ in range(2):                        # a trace, then the call that finds it
            got = tg.tree.leaves(vf(w, X))
            want = [np.stack([np.asarray(one) for one in leaf])
                    for leaf in zip(*map(tg.tree.leaves, loop))]
            assert len(got) == len(want)
            for g, wl in zip(got, want):
                same(g, wl)


# ------------------------------------------------ 5. jit returns what eager returns
FUNCTIONS = {
    "x*2": lambda x: x * 2.0, "2*x": lambda x: 2.0 * x, "x+1": lambda x: x + 1.0,
    "x/2": lambda x: x / 2.0, "-x": lambda x: -x, "x*x": lambda x: x * x,
    "x": lambda x: x, "const": lambda x: 3.0, "exp": tg.exp, "relu": tg.relu,
    "abs": tg.abs, "sin+x": lambda x: tg.sin(x) + x, "sum": lambda x: tg.sum(x * x),
    "pair": lambda x: (x * 3.0, tg.tanh(x)),
    "x**2": lambda x: x ** 2, "abs(x)": lambda x: abs(x), "2**x": lambda x: 2.0 ** x,
    "x**0.5+1": lambda x: x ** 0.5 + 1.0, "x**x": lambda x: x ** x,
    "tg.power": lambda x: tg.power(x, 2), "tg.power+x**2": lambda x: tg.power(x, 2) + x ** 2,
    "np.abs": lambda x: np.abs(x) * 2.0,
}
TRANSFORMS = {"f": lambda f: f, "grad": tg.grad,
              "value_and_grad": lambda f: tg.value_and_grad(f)}


def _scalar(f: Any) -> Any:
    return (lambda x: f(x)[0] + f(x)[1]) if f is FUNCTIONS["pair"] else f


@pytest.mark.parametrize("name", FUNCTIONS)
@pytest.mark.parametrize("t", [float, np.float64, np.float32], ids=lambda t: t.__name__)
@pytest.mark.parametrize("how", TRANSFORMS)
def test_jit_returns_the_type_and_bits_eager_returns(name: str, t: Any, how: str) -> None:
    f = FUNCTIONS[name]
    g = TRANSFORMS[how](f if how == "f" else _scalar(f))
    jg = tg.jit(g)
    for x in (t(1.5), t(-0.0), t(2.5)):            # the second and third run compiled code
        want, got = g(x), jg(x)
        for w_leaf, g_leaf in zip(tg.tree.leaves(want), tg.tree.leaves(got), strict=True):
            same(g_leaf, w_leaf)
    assert jg.trace_count == 1


@pytest.mark.parametrize("x", [np.float64(0.1), 0.1, np.float32(0.1)], ids=repr)
def test_jit_computes_in_the_precision_eager_does_beside_float32(x: Any) -> None:
    """An np.float64 times a float32 is float64 in eager, a float times one float32."""
    def f(x):
        return x * np.float32(0.1), x + np.full(2, 0.7, np.float32), tg.exp(x) * np.float32(3)
    want = f(x)
    jf = tg.jit(f)
    for _ in range(2):
        for g, w in zip(jf(x), want, strict=True):
            same(g, w)
    assert jf.trace_count == 1


NUMPY_CALLS = {
    "np.exp": lambda x: np.exp(x), "np.exp*2": lambda x: np.exp(x) * 2.0,
    "np.sin+x": lambda x: np.sin(x) + x, "np.maximum": lambda x: np.maximum(x, 0.0),
    "np.sum": lambda x: np.sum(x * x), "np.mean": lambda x: np.mean(x),
    "np.dot": lambda x: np.dot(x, x), "np.sum+tg.sum": lambda x: np.sum(x) + tg.sum(x),
    "tg.exp(np.sum)": lambda x: tg.exp(np.sum(x)),
}


@pytest.mark.parametrize("name", NUMPY_CALLS)
@pytest.mark.parametrize("x", [1.5, np.float64(1.5), np.float32(1.5), np.array([1.0, -2.0]),
                               np.array([1.0, -2.0], np.float32)], ids=repr)
def test_jit_returns_what_numpy_functions_return_eagerly(name: str, x: Any) -> None:
    f = NUMPY_CALLS[name]
    want, jf = f(x), tg.jit(f)
    for _ in range(2):
        same(jf(x), want)


ARRAY_SCALARS = {
    "v[0]*2": lambda v: v[0] * 2.0, "v.sum()": lambda v: v.sum(), "v.max()": lambda v: v.max(),
    "v.dot(v)": lambda v: v.dot(v), "v@v": lambda v: v @ v, "tg.sum": lambda v: tg.sum(v),
    "tg.exp(v[1])": lambda v: tg.exp(v[1]), "v[0]+v[1]": lambda v: v[0] + v[1],
    "loop": lambda v: sum(v[i] * v[i] for i in range(3)), "v.mean()+1": lambda v: v.mean() + 1.0,
}


@pytest.mark.parametrize("name", ARRAY_SCALARS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("how", TRANSFORMS)
def test_jit_returns_the_scalars_eager_reads_from_arrays(name: str, dtype: Any, how: str) -> None:
    """``v[0]``, ``v.sum()`` of a float64 array are np.float64 in eager; ``tg.sum`` a float."""
    g = TRANSFORMS[how](ARRAY_SCALARS[name])
    jg = tg.jit(g)
    for v in (np.array([1.0, -2.0, 3.0], dtype), np.array([0.5, 0.0, -0.0], dtype)):
        want, got = g(v), jg(v)
        for w_leaf, g_leaf in zip(tg.tree.leaves(want), tg.tree.leaves(got), strict=True):
            same(g_leaf, w_leaf)


def _doubling(x):
    while x < 10.0:                     # a Python loop on a traced value: rolled by jit
        x = x * 2.0 + np.exp(0.0 * x)   # np.exp makes an np.float64 of a float
    return x


def _branch(x):
    return (x * 2.0 if x > 0 else x * 3.0) * np.float32(0.1)


@pytest.mark.parametrize("f", [_doubling, _branch], ids=lambda f: f.__name__)
@pytest.mark.parametrize("x", [1.5, np.float64(1.5), 0.25, np.float64(-1.5), np.float32(1.5)],
                         ids=repr)
def test_jit_returns_eagers_types_through_guards_and_loops(f: Any, x: Any) -> None:
    jf = tg.jit(f)
    with np.errstate(all="ignore"):
        for y in (x, x * 2):
            same(jf(y), f(y))


def test_jit_returns_numpy_scalars_in_a_tree_where_eager_does() -> None:
    def f(p):
        return {"a": p["w"] * 2.0, "b": tg.exp(p["w"]), "c": p["w"] + p["v"],
                "d": p["v"] * p["v"]}
    p = {"w": np.float64(1.5), "v": 2.0}
    want = f(p)
    assert [type(want[k]) for k in "abcd"] == [np.float64, float, np.float64, float]
    jf = tg.jit(f)
    for _ in range(2):
        got = jf(p)
        for k in "abcd":
            same(got[k], want[k])


# ------------------------------------------------ 6. docs read as a session does
def test_no_doc_example_needs_a_blankline_marker() -> None:
    files = [ROOT / "README.md", *(ROOT / "docs").rglob("*.md"),
             *(ROOT / "tapegrad").rglob("*.py")]
    marked = [str(p.relative_to(ROOT)) for p in files if "<BLANKLINE>" in p.read_text()]
    assert not marked
