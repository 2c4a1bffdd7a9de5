"""Trust: signs of zero gradients, float32 gradients, NumPy return types,
keyword aliases, per-thread checks, and what random programs found."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tapegrad as tg

try:
    import jax
    import jax.numpy as jnp
    jax.config.update("jax_enable_x64", True)
except ImportError:       # pragma: no cover - JAX is optional
    jax = jnp = None

# ------------------------------------------------- 1. the sign of a zero gradient
UNARY = ("neg", "sin", "cos", "tanh", "exp")
BINARY = ("add", "sub", "mul")


def _expr(depth: int) -> st.SearchStrategy[Any]:
    leaf = st.sampled_from(["x", 0.0, -0.0, 1.0, -2.0])
    if depth == 0:
        return leaf
    sub = _expr(depth - 1)
    return st.one_of(leaf, st.tuples(st.sampled_from(UNARY), sub),
                     st.tuples(st.sampled_from(BINARY), sub, sub))


def _run(e: Any, x: Any, m: Any) -> Any:
    """Evaluate expression ``e`` at ``x`` with module ``m`` (tapegrad or jax.numpy)."""
    if e == "x":
        return x
    if not isinstance(e, tuple):
        return e
    if e[0] == "neg":
        return -_run(e[1], x, m)
    if len(e) == 2:
        return getattr(m, e[0])(_run(e[1], x, m))
    a, b = _run(e[1], x, m), _run(e[2], x, m)
    return a + b if e[0] == "add" else a - b if e[0] == "sub" else a * b


def _f(e: Any) -> Any:
    return lambda x: _run(("add", e, ("mul", 0.0, "x")), x, tg)   # depends on x


@settings(max_examples=150, deadline=None)
@given(_expr(4), st.sampled_from([0.0, -0.0, 0.5, -1.5]))
def test_zero_gradient_sign_is_the_same_eager_jit_vmap(e: Any, x0: float) -> None:
    """Eager and jit agree bit for bit, sign of zero included; vmap as numbers."""
    f = _f(e)
    eager = tg.grad(f)(x0)
    jitted = tg.jit(tg.grad(f))(x0)
    batched = tg.vmap(tg.grad(f))(np.array([x0, x0]))
    replayed = tg.make_tape(tg.grad(f))(x0)(x0)
    for other in (jitted, replayed):
        assert eager == other or (eager != eager and other != other)
        assert np.signbit(eager) == np.signbit(other)
    # an ulp apart (of tanh near 1 before 1 - tanh**2 cancels: atol)
    assert np.allclose(batched, eager, rtol=1e-12, atol=1e-15, equal_nan=True)
    if jax is not None:   # JAX's numbers (a zero times a partial is +0.0 here, signed in JAX)
        want = float(jax.grad(lambda x: _run(("add", e, ("mul", 0.0, "x")), x, jnp))(x0))
        assert np.allclose(eager, want, rtol=1e-8, atol=1e-15, equal_nan=True)   # libm vs XLA


@pytest.mark.parametrize("x0", [0.0, -0.0])
@pytest.mark.parametrize("name,f", [
    ("cos(x+x)", lambda m: lambda x: m.cos(x + x)),
    ("cos(x+x) + x*x", lambda m: lambda x: m.cos(x + x) + x * x),
    ("-(x*x)", lambda m: lambda x: -(x * x)),
    ("cos(-(x+x))", lambda m: lambda x: m.cos(-(x + x))),
    ("cos(x-x)", lambda m: lambda x: m.cos(x - x) + m.cos(x + x)),
])
def test_zero_gradient_sign_through_constant_partials_as_jax(name: str, f: Any,
                                                             x0: float) -> None:
    """A ``-0.0`` cotangent passed on by ``add``/``neg`` keeps its sign, as in JAX."""
    got = [tg.grad(f(tg))(x0), tg.jit(tg.grad(f(tg)))(x0),
           float(tg.vmap(tg.grad(f(tg)))(np.array([x0]))[0])]
    if jax is not None:
        want = float(jax.grad(f(jnp))(x0))
    else:         # no JAX: jit's recorded backward pass
        want = got[1]
    for g in got:
        assert g == want and np.signbit(g) == np.signbit(want), (name, got, want)


def test_cos_of_double_gives_minus_zero() -> None:
    f = lambda x: tg.cos(x + x)  # noqa: E731
    assert math.copysign(1.0, tg.grad(f)(0.0)) == -1.0
    assert math.copysign(1.0, tg.jit(tg.grad(f))(0.0)) == -1.0



ZERO_SAFE = {
    "0*(1/x)": lambda x: 0.0 * (1.0 / x), "0*log(x)": lambda x: 0.0 * tg.log(x),
    "0*sqrt(x)": lambda x: 0.0 * tg.sqrt(x), "0*x**0.5": lambda x: 0.0 * x ** 0.5,
    "0*(x/x)": lambda x: 0.0 * (x / x),
    "0*stack[x, 1/x][0]": lambda x: tg.sum(tg.stack([x, 1.0 / x])[0:1]) * 0.0,
    "where(x>0, 1/x, 0)": lambda x: tg.where(x > 0, 1.0 / x, 0.0) * (x - x),
}


@pytest.mark.parametrize("x0", [0.0, -0.0, 1.0])
@pytest.mark.parametrize("name", list(ZERO_SAFE))
def test_a_zero_cotangent_still_contributes_exactly_zero(name: str, x0: float) -> None:
    """Passing zeros on (for their sign) never turns an infinite partial into nan."""
    f = ZERO_SAFE[name]
    eager, jitted = tg.grad(f)(x0), tg.jit(tg.grad(f))(x0)
    assert eager == 0.0 and jitted == 0.0
    assert np.signbit(eager) == np.signbit(jitted)


@pytest.mark.parametrize("x0", [0.0, -0.0])
def test_zero_gradient_sign_with_several_inputs_and_arrays(x0: float) -> None:
    """One input's zero gradient keeps jit's sign while another's is nonzero."""
    f = lambda x, y, a: tg.cos(x + x) + y * y * 3.0 + tg.sum(a * a)  # noqa: E731
    a = np.array([x0, 1.0])
    eager = tg.grad(f, argnums=(0, 1, 2))(x0, 2.0, a)
    jitted = tg.jit(tg.grad(f, argnums=(0, 1, 2)))(x0, 2.0, a)
    for e, j in zip(eager, jitted):
        assert np.array_equal(e, j) and np.array_equal(np.signbit(e), np.signbit(j))
    assert eager[1] == 12.0


# ---------------------------------------------- 2. float32 gradients stay float32
_C64 = np.array([1.0, 2.0, 3.0])
F32_FUNS = {
    "times a float64 array": lambda x: tg.sum(x * _C64),
    "times a Python float": lambda x: tg.sum(x * 2.5),
    "float64 array times exp": lambda x: tg.sum(_C64 * tg.exp(x)) * 1.5,
    "constant output": lambda x: 3.0,
    "float64 constant sum": lambda x: tg.sum(_C64),
    "sin": lambda x: tg.sum(tg.sin(x)),
}
F32_INPUTS = {"array": np.array([0.5, -1.0, 2.0], np.float32), "scalar": np.float32(0.5)}


def _slope(name: str, x: Any) -> Any:
    """The closed-form gradient of ``F32_FUNS[name]`` at ``x``, in float64."""
    x = np.asarray(x, np.float64)
    return {"times a float64 array": np.broadcast_to(_C64.sum() if x.ndim == 0 else _C64,
                                                     x.shape),
            "times a Python float": np.full(x.shape, 2.5),
            "float64 array times exp": 1.5 * np.exp(x) * (_C64.sum() if x.ndim == 0 else _C64),
            "constant output": np.zeros(x.shape), "float64 constant sum": np.zeros(x.shape),
            "sin": np.cos(x)}[name]


@pytest.mark.parametrize("kind", list(F32_INPUTS))
@pytest.mark.parametrize("name", list(F32_FUNS))
def test_float32_gradient_is_float32_in_every_transform(name: str, kind: str) -> None:
    f, x = F32_FUNS[name], F32_INPUTS[kind]
    want = _slope(name, x)
    results = {"grad": tg.grad(f)(x), "jit(grad)": tg.jit(tg.grad(f))(x),
               "vjp": tg.vjp(f, x)[1](1.0)[0],
               "grad(jit)": tg.grad(tg.jit(f))(x)}
    for how, g in results.items():
        assert np.asarray(g).dtype == np.float32, (how, g)
        assert isinstance(g, np.ndarray if kind == "array" else np.float32), (how, type(g))
        np.testing.assert_allclose(np.asarray(g, np.float64), want, rtol=1e-6, atol=1e-6)
    xs = np.stack([x, x])
    batched = tg.vmap(tg.grad(f))(xs)
    assert batched.dtype == np.float32, batched.dtype
    np.testing.assert_allclose(batched, np.stack([want, want]), rtol=1e-6, atol=1e-6)
    h = tg.hessian(f)(x)
    assert np.asarray(h).dtype == np.float32, np.asarray(h).dtype


@pytest.mark.parametrize("kind", list(F32_INPUTS))
def test_float32_jvp_tangent_of_a_float32_output_is_float32(kind: str) -> None:
    x = F32_INPUTS[kind]
    out, t = tg.jvp(lambda x: tg.sin(x) * 2.5, (x,), (np.ones_like(x),))
    assert np.asarray(t).dtype == np.float32
    np.testing.assert_allclose(t, 2.5 * np.cos(np.float64(x)), rtol=1e-6)


def test_float32_gradient_matches_jax_dtype() -> None:
    if jax is None:
        pytest.skip("JAX is not installed")
    x = F32_INPUTS["array"]
    g = tg.grad(lambda x: tg.sum(x * _C64))(x)
    jg = jax.grad(lambda x: jnp.sum(x * jnp.asarray(_C64)))(jnp.asarray(x))
    assert np.asarray(g).dtype == np.asarray(jg).dtype == np.float32



_INT_TRANSFORMS = {"grad": lambda f: tg.grad(f), "jit(grad)": lambda f: tg.jit(tg.grad(f)),
                   "vjp": lambda f: lambda x: tg.vjp(f, x)[1](1.0)[0]}


@pytest.mark.parametrize("how", list(_INT_TRANSFORMS))
@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8])
def test_integer_arrays_are_refused_and_integer_scalars_agree(how: str, dtype: Any) -> None:
    f = lambda x: tg.sum(x * 2.0)  # noqa: E731
    with pytest.raises(TypeError, match="integer arrays are data"):
        _INT_TRANSFORMS[how](f)(np.arange(3, dtype=dtype))
    g = _INT_TRANSFORMS[how](f)(dtype(3))
    assert g == 2.0 and not isinstance(g, np.ndarray)


# ------------------------------------------- 4. argnums and its alias argnum together
ALIASED = {"grad": tg.grad, "value_and_grad": tg.value_and_grad, "jacrev": tg.jacrev,
           "jacfwd": tg.jacfwd, "hessian": tg.hessian, "elementwise_grad": tg.elementwise_grad}


@pytest.mark.parametrize("argnums,argnum", [(0, 1), (0, 0), (1, 0), ((0, 1), 1)])
@pytest.mark.parametrize("name", list(ALIASED))
def test_argnums_and_argnum_together_raise(name: str, argnums: Any, argnum: Any) -> None:
    with pytest.raises(TypeError, match=r"both argnums=.* and argnum=.*give only one"):
        ALIASED[name](lambda x, y: x * y, argnums=argnums, argnum=argnum)


@pytest.mark.parametrize("name", list(ALIASED))
def test_argnum_alone_and_argnums_alone_still_work(name: str) -> None:
    f = lambda x, y: x * x * y  # noqa: E731
    t = ALIASED[name]
    pick = (lambda r: r[1]) if name == "value_and_grad" else (lambda r: r)  # noqa: E731
    assert pick(t(f, argnum=1)(2.0, 3.0)) == pick(t(f, argnums=1)(2.0, 3.0))
    assert pick(t(f)(2.0, 3.0)) == pick(t(f, argnums=0)(2.0, 3.0)) == \
        pick(t(f, argnum=0)(2.0, 3.0))
    assert pick(t(f, argnums=1)(2.0, 3.0)) != pick(t(f)(2.0, 3.0))   # the choice is used


# ------------------------------------------ 3. NumPy's return types on untraced input
_V = np.array([0.3, 1.7, -0.4, 2.2])
_M = np.array([[2.0, 0.5, 0.1], [0.5, 3.0, 0.2], [0.1, 0.2, 1.5]])
# NumPy returns a 0-d array here where tapegrad's full reduction is a float (API.md)
ZERO_D_IN_NUMPY = {"cov", "tensordot"}
UNINITIALIZED = {"empty", "empty_like"}     # values are whatever the memory held


def _tables() -> list[tuple[Any, Any]]:
    from tapegrad.numpy_dispatch import functions, ufuncs
    return [(f, e[0] if isinstance(e, tuple) else e)
            for f, e in list(functions.items()) + list(ufuncs.items())]


def test_every_numpy_function_returns_numpys_kind_of_result() -> None:
    """Each NumPy function tapegrad implements, on a float64 array: scalar where NumPy's is."""
    checked = 0
    for npf, ours in _tables():
        name = getattr(npf, "__name__", str(npf))
        for args in ((_V,), (_M,), (_V, _V), (_M, _M), (_M, _V[:3])):
            try:
                with np.errstate(all="ignore"):
                    want = npf(*args)
            except Exception:
                continue           # not a call NumPy takes: try the next arguments
            try:
                with np.errstate(all="ignore"):
                    got = ours(*args)
            except (TypeError, ValueError):
                break              # refused with an error that says why: not a wrong number
            checked += 1
            if name not in ZERO_D_IN_NUMPY:
                assert isinstance(got, np.ndarray) == isinstance(want, np.ndarray), \
                    (name, type(got), type(want))
            if isinstance(want, np.ndarray | float | np.floating) and \
                    np.asarray(want).dtype.kind == "f" and name not in UNINITIALIZED:
                np.testing.assert_allclose(np.asarray(got, float), want, rtol=1e-12,
                                           atol=1e-12, err_msg=name)
            break
    assert checked > 100


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("with_nan", [False, True])
@pytest.mark.parametrize("name,extra", [("nanmax", ()), ("nanmin", ()), ("percentile", (30,)),
                                        ("quantile", (0.3,)), ("median", ()),
                                        ("nanmean", ())])
def test_nan_and_quantile_reductions_are_numpy_scalars(name: str, extra: tuple[Any, ...],
                                                       with_nan: bool, dtype: Any) -> None:
    x = np.array([1.0, np.nan if with_nan else 4.0, 3.0, 2.0], dtype)
    got, want = getattr(tg, name)(x, *extra), getattr(np, name)(x, *extra)
    assert not isinstance(got, np.ndarray), (name, type(got))
    assert np.asarray(got).dtype == np.asarray(want).dtype
    np.testing.assert_allclose(got, want, rtol=1e-6)
    x2 = np.stack([x, x[::-1]])
    got2, want2 = getattr(tg, name)(x2, *extra, axis=1), getattr(np, name)(x2, *extra, axis=1)
    assert isinstance(got2, np.ndarray) and got2.shape == want2.shape
    assert got2.dtype == want2.dtype
    np.testing.assert_allclose(got2, want2, rtol=1e-6)
