"""``tg.elementwise_grad`` and ``tg.hvp``; the transforms' front end split by concern.

elementwise_grad is autograd's (the vjp with a cotangent of ones), hvp is
JAX's ``jvp(grad(f), primals, tangents)[1]``. Both are checked against
closed forms and central differences, in float64 and float32, on pytrees,
and under jit, vmap, grad and make_tape replay. The module tests check that
the front end's imports point one way and that jit's second call takes the
fast path its first call set.
"""

from __future__ import annotations

import ast
import pathlib

import numpy as np
import pytest

import tapegrad as tg

RNG = np.random.default_rng(18)

# (function, its elementwise derivative) in closed form
ELEMENTWISE = [
    (tg.tanh, lambda x: 1.0 - np.tanh(x) ** 2),
    (tg.sin, np.cos),
    (tg.exp, np.exp),
    (lambda x: x ** 3, lambda x: 3.0 * x ** 2),
    (tg.sigmoid, lambda x: np.exp(-x) / (1.0 + np.exp(-x)) ** 2),
    (lambda x: tg.log1p(x * x), lambda x: 2.0 * x / (1.0 + x * x)),
]
IDS = ["tanh", "sin", "exp", "cube", "sigmoid", "log1p_sq"]


def _central(f, x, h=1e-6):
    return (f(x + h) - f(x - h)) / (2 * h)


# ------------------------------------------------------------ elementwise_grad
@pytest.mark.parametrize(("f", "df"), ELEMENTWISE, ids=IDS)
@pytest.mark.parametrize("shape", [(5,), (2, 3), (0,), ()])
def test_elementwise_grad_is_each_elements_derivative(f, df, shape):
    x = np.asarray(RNG.normal(size=shape))
    g = tg.elementwise_grad(f)(x)
    assert np.shape(g) == x.shape and np.asarray(g).dtype == np.float64
    np.testing.assert_allclose(g, df(x), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(g, _central(lambda v: np.asarray(f(v)), x),
                               rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize(("f", "df"), ELEMENTWISE, ids=IDS)
def test_elementwise_grad_keeps_float32(f, df):
    x = RNG.normal(size=(4,)).astype(np.float32)
    g = tg.elementwise_grad(f)(x)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, df(x.astype(float)), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("x", [2.0, 2, np.float64(2.0), np.float32(2.0), np.int64(2),
                               np.int32(2), np.uint8(2)],
                         ids=["float", "int", "f64", "f32", "i64", "i32", "u8"])
def test_elementwise_grad_of_a_scalar_is_grad(x):
    rel = 1e-6 if isinstance(x, np.float32) else 1e-12      # float32 stays float32
    for f, df in ELEMENTWISE:
        assert tg.elementwise_grad(f)(x) == tg.grad(f)(x)
        assert tg.elementwise_grad(f)(x) == pytest.approx(df(2.0), rel=rel)


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8])
def test_elementwise_grad_refuses_integer_arrays_as_grad_does(dtype):
    with pytest.raises(TypeError, match=r"elementwise_grad: x is an array of dtype .*"
                                        r"integer arrays are data"):
        tg.elementwise_grad(lambda x: x * x)(np.arange(3, dtype=dtype))


def test_elementwise_grad_refuses_what_is_not_a_function():
    with pytest.raises(TypeError, match=r"elementwise_grad: expected a function"):
        tg.elementwise_grad(3.0)


def test_elementwise_grad_of_a_pytree_in_and_out():
    p = {"a": RNG.normal(size=3), "b": 1.5}

    def f(p):
        return {"s": tg.sin(p["a"]), "q": p["b"] ** 2, "t": tg.tanh(p["a"])}
    g = tg.elementwise_grad(f)(p)
    assert set(g) == {"a", "b"}
    np.testing.assert_allclose(g["a"], np.cos(p["a"]) + 1 - np.tanh(p["a"]) ** 2, rtol=1e-12)
    assert g["b"] == 3.0


def test_elementwise_grad_of_other_functions_is_the_gradient_of_the_sum():
    A = RNG.normal(size=(3, 4))
    x = RNG.normal(size=3)
    f = lambda x: tg.tanh(x @ A)                     # noqa: E731
    np.testing.assert_allclose(tg.elementwise_grad(f)(x),
                               tg.grad(lambda x: tg.sum(f(x)))(x), rtol=1e-13)
    np.testing.assert_allclose(tg.elementwise_grad(f)(x), tg.jacrev(f)(x).sum(axis=0),
                               rtol=1e-13)


def test_elementwise_grad_argnums_and_aux():
    x, y = RNG.normal(size=3), RNG.normal(size=3)
    gx, gy = tg.elementwise_grad(lambda x, y: x * tg.sin(y), argnums=(0, 1))(x, y)
    np.testing.assert_allclose(gx, np.sin(y), rtol=1e-14)
    np.testing.assert_allclose(gy, x * np.cos(y), rtol=1e-14)
    g, aux = tg.elementwise_grad(lambda x: (x * x, "note"), has_aux=True)(x)
    np.testing.assert_allclose(g, 2 * x, rtol=1e-15)
    assert aux == "note"


@pytest.mark.parametrize(("f", "df"), ELEMENTWISE, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_elementwise_grad_under_jit_vmap_and_replay(f, df, dtype):
    X = RNG.normal(size=(4, 3)).astype(dtype)
    eg = tg.elementwise_grad(f)
    eager = eg(X)
    jitted = tg.jit(eg)
    assert jitted(X).dtype == dtype
    np.testing.assert_array_equal(jitted(X), eager)                 # bit for bit
    np.testing.assert_array_equal(jitted(X + 1), eg(X + 1))         # no new trace needed
    loop = np.stack([eg(row) for row in X])
    np.testing.assert_allclose(tg.vmap(eg)(X), loop, rtol=1e-6 if dtype == np.float32 else 1e-15)
    np.testing.assert_array_equal(tg.make_tape(eg)(X)(X - 1), eg(X - 1))


def test_elementwise_grad_differentiates_again():
    x = RNG.normal(size=4)
    second = tg.elementwise_grad(tg.elementwise_grad(tg.sin))(x)
    np.testing.assert_allclose(second, -np.sin(x), rtol=1e-14)
    np.testing.assert_allclose(tg.grad(lambda x: tg.sum(tg.elementwise_grad(tg.tanh)(x)))(x),
                               -2 * np.tanh(x) * (1 - np.tanh(x) ** 2), rtol=1e-12)


# ------------------------------------------------------------------------ hvp
def _fd_hvp(f, x, v, h=1e-5):
    g = tg.grad(f)
    return (g(x + h * v) - g(x - h * v)) / (2 * h)


SCALAR_FUNS = [
    (lambda x: tg.sum(x ** 3), lambda x, v: 6 * x * v),
    (lambda x: tg.sum(tg.sin(x)) * tg.sum(x), None),
    (lambda x: tg.logsumexp(x), None),
    (lambda x: tg.sum(tg.tanh(x) ** 2), None),
]


@pytest.mark.parametrize(("f", "closed"), SCALAR_FUNS, ids=["cube", "sin_sum", "lse", "tanh2"])
@pytest.mark.parametrize("n", [1, 4])
def test_hvp_is_the_hessian_times_v(f, closed, n):
    x, v = RNG.normal(size=n), RNG.normal(size=n)
    hv = tg.hvp(f, (x,), (v,))
    assert hv.shape == x.shape and hv.dtype == np.float64
    np.testing.assert_allclose(hv, tg.hessian(f)(x) @ v, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(hv, _fd_hvp(f, x, v), rtol=1e-6, atol=1e-8)
    if closed is not None:
        np.testing.assert_allclose(hv, closed(x, v), rtol=1e-13)


def test_hvp_of_a_quadratic_form():
    A = RNG.normal(size=(4, 4))
    x, v = RNG.normal(size=4), RNG.normal(size=4)
    hv = tg.hvp(lambda x: 0.5 * (x @ (A @ x)), (x,), (v,))
    np.testing.assert_allclose(hv, 0.5 * (A + A.T) @ v, rtol=1e-13)


@pytest.mark.parametrize("x", [2.0, 2, np.float64(2.0), np.float32(2.0), np.int64(2),
                               np.int32(2), np.uint8(2)],
                         ids=["float", "int", "f64", "f32", "i64", "i32", "u8"])
def test_hvp_of_a_scalar(x):
    rel = 1e-6 if isinstance(x, np.float32) else 1e-15      # float32 stays float32
    assert tg.hvp(lambda x: x ** 4, (x,), (1.0,)) == 48.0          # 12 x^2 at 2
    assert tg.hvp(lambda x: tg.sin(x), (x,), (0.5,)) == pytest.approx(-0.5 * np.sin(2.0),
                                                                       rel=rel)


def test_hvp_keeps_float32():
    x, v = RNG.normal(size=3).astype(np.float32), RNG.normal(size=3).astype(np.float32)
    hv = tg.hvp(lambda x: tg.sum(tg.tanh(x) ** 2), (x,), (v,))
    assert hv.dtype == np.float32
    np.testing.assert_allclose(hv, tg.hvp(lambda x: tg.sum(tg.tanh(x) ** 2),
                                          (x.astype(float),), (v.astype(float),)),
                               rtol=1e-5, atol=1e-6)


def test_hvp_with_several_primals_is_jvp_of_grad_in_the_first():
    # JAX: jvp(grad(f), (x, y), (tx, ty))[1] = d/dx d/dx f . tx + d/dy d/dx f . ty
    x, y = RNG.normal(size=3), RNG.normal(size=3)
    tx, ty = RNG.normal(size=3), RNG.normal(size=3)
    hv = tg.hvp(lambda x, y: tg.sum(x * x * y), (x, y), (tx, ty))
    np.testing.assert_allclose(hv, 2 * y * tx + 2 * x * ty, rtol=1e-14)


def test_hvp_of_a_pytree():
    p = {"w": RNG.normal(size=3), "b": 0.7}
    t = {"w": RNG.normal(size=3), "b": -1.3}

    def f(p):
        return tg.sum(tg.tanh(p["w"] * p["b"]))
    hv = tg.hvp(f, (p,), (t,))
    H = tg.hessian(f)(p)
    assert set(hv) == {"w", "b"}
    np.testing.assert_allclose(hv["w"], H["w"]["w"] @ t["w"] + H["w"]["b"] * t["b"],
                               rtol=1e-12)
    assert hv["b"] == pytest.approx(H["b"]["w"] @ t["w"] + H["b"]["b"] * t["b"], rel=1e-12)


def test_hvp_under_jit_and_vmap():
    f = lambda x: tg.sum(tg.sin(x) ** 2) * tg.sum(x)      # noqa: E731
    x = RNG.normal(size=3)
    V = RNG.normal(size=(5, 3))
    hvp_at = lambda x, v: tg.hvp(f, (x,), (v,))            # noqa: E731
    jitted = tg.jit(hvp_at)
    for v in V:
        np.testing.assert_array_equal(jitted(x, v), hvp_at(x, v))   # bit for bit
    assert jitted.trace_count == 1
    batched = tg.vmap(hvp_at, in_axes=(None, 0))(x, V)
    np.testing.assert_allclose(batched, np.stack([hvp_at(x, v) for v in V]), rtol=1e-14)
    np.testing.assert_allclose(tg.vmap(hvp_at, in_axes=(None, 0))(x, np.eye(3)),
                               tg.hessian(f)(x), rtol=1e-12, atol=1e-14)


def test_hvp_errors_say_hvp_and_the_fix():
    with pytest.raises(TypeError, match=r"hvp: tangents must be a tuple or list"):
        tg.hvp(lambda x: x * x, (1.0,), 1.0)
    with pytest.raises(ValueError, match=r"hvp: .*has shape \(2,\).*shape \(3,\)"):
        tg.hvp(lambda x: tg.sum(x), (np.ones(3),), (np.ones(2),))
    with pytest.raises(TypeError, match=r"must return a scalar"):
        tg.hvp(lambda x: x * 2.0, (np.ones(3),), (np.ones(3),))
    with pytest.raises(TypeError, match=r"hvp: expected a function"):
        tg.hvp(None, (1.0,), (1.0,))


def test_both_are_public_and_documented():
    for name in ("elementwise_grad", "hvp"):
        assert name in tg.__all__
        fn = getattr(tg, name)
        assert "Examples:" in fn.__doc__ and "Returns:" in fn.__doc__


# --------------------------------------------------------------- the modules
PKG = pathlib.Path(tg.__file__).parent
FRONT = ["tracing", "seeds", "transforms", "jacobians", "jit_traced", "jit"]   # lowest first


def _imports(path: pathlib.Path, name: str) -> set[str]:
    """Every tapegrad module ``name`` imports, at the top or inside functions."""
    pkg = name.rsplit(".", 1)[0] if "." in name else ""
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = pkg.split(".")[: len(pkg.split(".")) - node.level + 1] if pkg else []
            base = [b for b in base if b]
            mod = ".".join(base + ([node.module] if node.module else []))
            if node.module is None:
                out |= {".".join(base + [a.name]) for a in node.names}
            else:
                out.add(mod)
    return out


def _graph() -> dict[str, set[str]]:
    graph = {}
    for path in PKG.rglob("*.py"):
        name = ".".join(path.relative_to(PKG).with_suffix("").parts)
        graph[name] = _imports(path, name)
    return graph


def test_the_front_end_imports_point_one_way():
    graph = _graph()
    assert "arguments" not in graph and "tracing" in graph and "jacobians" in graph
    for i, low in enumerate(FRONT):
        above = set(FRONT[i + 1:])
        assert not graph[low] & above, f"{low} imports {graph[low] & above}"
    for name, deps in graph.items():
        if name.startswith("staging."):
            assert not deps & set(FRONT), f"{name} imports {deps & set(FRONT)}"


def test_no_cycle_among_the_front_end_and_staging():
    graph = _graph()
    mine = {n for n in graph if n in FRONT or n.startswith("staging")}
    state: dict[str, int] = {}

    def visit(n: str, path: list[str]) -> None:
        state[n] = 1
        for d in sorted(graph[n] & mine):
            assert state.get(d) != 1, "import cycle: " + " -> ".join(path + [d])
            if d not in state:
                visit(d, path + [d])
        state[n] = 2
    for n in sorted(mine):
        if n not in state:
            visit(n, [n])


def test_the_second_call_of_a_new_signature_takes_the_fast_path(monkeypatch):
    f = tg.jit(lambda p, x: tg.sum(p["w"] * x) + p["b"])
    p, x = {"w": RNG.normal(size=3), "b": 0.5}, RNG.normal(size=3)
    first = f(p, x)

    def no_generic_flatten(*args, **kwargs):
        raise AssertionError("the generic flatten ran: the call missed the fast path")
    monkeypatch.setattr(tg.tree, "flatten", no_generic_flatten)
    assert f(p, x) == first
    assert f({"w": p["w"] + 1, "b": 1.5}, x) == pytest.approx(
        float(np.sum((p["w"] + 1) * x) + 1.5), rel=1e-15)
    assert f.trace_count == 1


@pytest.mark.parametrize("name", ["jacrev", "jacfwd", "hessian"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_jacobians_keep_float32_as_float32(name, dtype):
    # as JAX's: the Jacobian of a float32 function is float32 (and equal to the
    # float64 Jacobian rounded, on this polynomial)
    x = np.array([[1.0, -2.0, 0.5], [3.0, 0.25, -1.0]], dtype)
    f = (lambda x: tg.sum(x ** 3)) if name == "hessian" else (lambda x: x.sum(0) * x[0] ** 2)
    got = getattr(tg, name)(f)(x)
    want = getattr(tg, name)(f)(x.astype(np.float64))
    assert got.dtype == dtype and got.shape == want.shape
    assert np.allclose(got, want, rtol=1e-6)
    scalar = getattr(tg, name)(lambda v: tg.sum(v ** 3))(x)
    assert scalar.dtype == dtype
