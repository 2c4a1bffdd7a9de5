"""Code written for HIPS autograd runs under tapegrad with its imports renamed.

``autograd.numpy`` -> ``numpy``, ``autograd.scipy`` -> ``tapegrad.scipy``,
``autograd`` -> ``tapegrad``: the modules that rename needs (tapegrad.misc,
tapegrad.test_util, tapegrad.extend, tapegrad.builtins,
tapegrad.scipy.signal), ``grad(argnum=...)``, ``hessian_vector_product``,
and integer indices computed from values. Each is checked against central
differences or closed forms, and against autograd itself where installed.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from conftest import fd

import tapegrad as tg
from tapegrad.builtins import tuple as tg_tuple
from tapegrad.extend import defjvp, defvjp, defvjp_argnum, notrace_primitive, primitive
from tapegrad.misc import flatten
from tapegrad.misc.fixed_points import fixed_point
from tapegrad.misc.flatten import flatten_func
from tapegrad.misc.operators import hessian_vector_product, vector_jacobian_product
from tapegrad.misc.optimizers import adam, rmsprop, sgd
from tapegrad.scipy.signal import convolve
from tapegrad.test_util import check_grads
from tapegrad.tracer import Node, trace


@pytest.fixture(scope="module")
def ag():
    return pytest.importorskip("autograd")


# ------------------------------------------------------------------ argnum
def loss3(a, b, c):
    return a * b ** 2 + tg.sin(c) * b


def test_grad_takes_autograd_argnum_spelling():
    for k in (0, 1, 2, (0, 2), (1,)):
        assert tg.grad(loss3, argnum=k)(1.5, -2.0, 0.3) == tg.grad(loss3, argnums=k)(
            1.5, -2.0, 0.3)
        assert tg.value_and_grad(loss3, argnum=k)(1.5, -2.0, 0.3) == \
            tg.value_and_grad(loss3, argnums=k)(1.5, -2.0, 0.3)
    assert tg.grad(loss3, argnum=1)(1.5, -2.0, 0.3) == pytest.approx(
        fd(lambda b: loss3(1.5, b, 0.3), -2.0), rel=1e-8)


def test_argnum_under_jit_and_vmap_and_against_autograd(ag):
    f = lambda a, b: np.sum(a * np.tanh(b))
    a, b = np.array([1.0, -2.0]), np.array([0.3, 0.7])
    want = ag.grad(f, argnum=1)(a, b)
    assert np.allclose(tg.grad(f, argnum=1)(a, b), want, rtol=1e-14)
    assert np.array_equal(tg.jit(tg.grad(f, argnum=1))(a, b), tg.grad(f, argnum=1)(a, b))
    batch = np.stack([b, 2 * b])
    assert np.allclose(tg.vmap(tg.grad(f, argnum=1), in_axes=(None, 0))(a, batch),
                       [ag.grad(f, argnum=1)(a, x) for x in batch], rtol=1e-14)
    ga, gb = tg.grad(f, argnum=(0, 1))(a, b)
    wa, wb = ag.grad(f, argnum=(0, 1))(a, b)
    assert np.allclose(ga, wa, rtol=1e-14) and np.allclose(gb, wb, rtol=1e-14)


def test_argnum_and_argnums_together_are_refused():
    with pytest.raises(TypeError, match=r"both argnums=1 and argnum=0.*give only one"):
        tg.grad(loss3, argnums=1, argnum=0)
    with pytest.raises(TypeError, match=r"value_and_grad: got both"):
        tg.value_and_grad(loss3, argnums=(0, 1), argnum=2)


# ------------------------------------------------------------------ flatten
def params_tree():
    return [(np.arange(6.0).reshape(2, 3), np.array([0.5, -1.0])),
            {"w": np.ones((1, 2)), "a": 2.5}]


def test_flatten_matches_autograd_order_and_round_trips(ag):
    from autograd.misc import flatten as ag_flatten
    tree = params_tree()
    vec, unflatten = flatten(tree)
    assert np.array_equal(vec, ag_flatten(tree)[0])
    back = unflatten(vec)
    assert tg.tree.structure(back) == tg.tree.structure(tree)
    for x, y in zip(tg.tree.leaves(back), tg.tree.leaves(tree)):
        assert np.array_equal(x, y) and np.shape(x) == np.shape(y)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_flatten_inside_a_gradient_like_an_l2_penalty(dtype):
    def l2(params):
        v, _ = flatten(params)
        return np.dot(v, v)
    tree = tg.tree.map(lambda x: np.asarray(x, dtype), params_tree())
    g = tg.grad(l2)(tree)
    for got, x in zip(tg.tree.leaves(g), tg.tree.leaves(tree)):
        assert np.array_equal(got, 2 * x) and np.asarray(got).dtype == dtype
    jitted = tg.jit(tg.grad(l2))(tree)
    assert all(np.array_equal(a, b) for a, b in zip(tg.tree.leaves(jitted), tg.tree.leaves(g)))
    xs = np.arange(12.0, dtype=dtype).reshape(3, 4)
    assert np.array_equal(tg.vmap(tg.grad(lambda x: l2([x, x[:2]])))(xs),
                          np.stack([tg.grad(lambda x: l2([x, x[:2]]))(x) for x in xs]))


def test_flatten_func_matches_autograd(ag):
    from autograd.misc.flatten import flatten_func as ag_flatten_func
    f = lambda p, s: s * (np.sum(p["w"] ** 2) + p["b"] ** 3)
    example = {"w": np.array([1.0, 2.0]), "b": 0.5}
    flat_f, unflatten, v = flatten_func(f, example)
    ag_f, _, ag_v = ag_flatten_func(f, example)
    assert np.array_equal(v, ag_v)
    assert np.array_equal(flat_f(v, 2.0), ag_f(ag_v, 2.0)) and flat_f(v, 2.0).shape == (1,)
    assert np.allclose(tg.grad(flat_f)(v, 2.0), ag.grad(ag_f)(ag_v, 2.0), rtol=1e-14)
    assert unflatten(v)["b"] == 0.5


# ------------------------------------------------------------------ optimizers
def quad_grad(params, i):
    w, (b, c) = params
    return [2 * (w - 3.0) + 0.1 * i, (np.cos(b), 4 * c ** 3)]


def start():
    return [np.array([0.0, 1.0, -1.0]), (0.5, np.array([[1.0, -0.5]]))]


@pytest.mark.parametrize("name,kw", [("sgd", {}), ("rmsprop", {}), ("adam", {}),
                                     ("sgd", {"step_size": 0.05, "mass": 0.5}),
                                     ("adam", {"step_size": 0.1, "b1": 0.8, "eps": 1e-6})])
def test_optimizers_take_autograd_steps(ag, name, kw):
    from autograd.misc import optimizers as ag_opt
    ours = {"sgd": sgd, "rmsprop": rmsprop, "adam": adam}[name]
    seen, ag_seen = [], []
    got = ours(quad_grad, start(), lambda x, i, g: seen.append((i, flatten(g)[0])),
               num_iters=7, **kw)
    want = getattr(ag_opt, name)(quad_grad, start(), lambda x, i, g: ag_seen.append(
        (i, flatten(g)[0])), num_iters=7, **kw)
    assert tg.tree.structure(got) == tg.tree.structure(start())
    for a, b in zip(tg.tree.leaves(got), tg.tree.leaves(want)):
        assert np.allclose(a, b, rtol=1e-15, atol=0)
    assert [i for i, _ in seen] == list(range(7))
    assert all(np.allclose(g, h, rtol=1e-15) for (_, g), (_, h) in zip(seen, ag_seen))


def test_optimizer_defaults_are_autograds():
    import inspect
    defaults = {n: {k: p.default for k, p in inspect.signature(f).parameters.items()
                    if p.default is not inspect.Parameter.empty}
                for n, f in (("sgd", sgd), ("rmsprop", rmsprop), ("adam", adam))}
    assert defaults["sgd"] == {"callback": None, "num_iters": 200, "step_size": 0.1,
                               "mass": 0.9}
    assert defaults["rmsprop"] == {"callback": None, "num_iters": 100, "step_size": 0.1,
                                   "gamma": 0.9, "eps": 1e-8}
    assert defaults["adam"] == {"callback": None, "num_iters": 100, "step_size": 0.001,
                                "b1": 0.9, "b2": 0.999, "eps": 1e-8}


def test_optimizers_converge_and_differentiate_through():
    g = lambda x, i: 2 * (x - 3.0)
    assert np.allclose(adam(g, np.zeros(2), step_size=0.1, num_iters=1000), 3.0, atol=1e-3)

    def final_loss(step):   # meta-gradient: d loss(after 5 sgd steps) / d step_size
        x = sgd(g, np.zeros(2), num_iters=5, step_size=step)
        return np.sum((x - 3.0) ** 2)
    assert tg.grad(final_loss)(0.3) == pytest.approx(fd(final_loss, 0.3), rel=1e-7)


# ------------------------------------------------------------------ fixed point
def grad_descent_sqrt_iter(a):
    return lambda x: x - 0.05 * (x ** 2 - a)


def distance(x, y):
    return np.abs(x - y)


def sqrt(a, tol=1e-10):
    return fixed_point(grad_descent_sqrt_iter, a, 10.0, distance, tol)


def test_fixed_point_value_and_derivatives_match_closed_forms():
    assert sqrt(2.0) == pytest.approx(np.sqrt(2.0), rel=1e-8)
    assert tg.grad(sqrt)(2.0) == pytest.approx(0.5 / np.sqrt(2.0), rel=1e-7)
    assert tg.grad(tg.grad(sqrt))(2.0) == pytest.approx(-0.25 * 2.0 ** -1.5, rel=1e-6)
    assert tg.jvp(sqrt, (2.0,), (1.0,))[1] == pytest.approx(0.5 / np.sqrt(2.0), rel=1e-7)
    assert tg.grad(lambda a: tg.jvp(sqrt, (a,), (1.0,))[1])(2.0) == pytest.approx(
        -0.25 * 2.0 ** -1.5, rel=1e-6)


def test_fixed_point_is_autograds_exactly(ag):
    import autograd.numpy as anp
    from autograd.misc.fixed_points import fixed_point as ag_fixed_point
    ag_sqrt = lambda a: ag_fixed_point(grad_descent_sqrt_iter, a, 10.0,
                                       lambda x, y: anp.abs(x - y), 1e-4)
    ours = lambda a: sqrt(a, 1e-4)
    assert ours(2.0) == ag_sqrt(2.0)          # same stopping rule: same iterate
    assert tg.grad(ours)(2.0) == pytest.approx(ag.grad(ag_sqrt)(2.0), rel=1e-14)
    assert tg.grad(tg.grad(ours))(2.0) == pytest.approx(ag.grad(ag.grad(ag_sqrt))(2.0),
                                                         rel=1e-12)


def test_fixed_point_over_a_pytree_of_params_under_jit_and_vmap():
    step = lambda p: lambda x: 0.5 * (x + p["a"] * p["s"] / x)    # sqrt(a * s)
    root = lambda a, s: fixed_point(step, {"a": a, "s": s}, np.ones(2), distance_max, 1e-13)
    a = np.array([2.0, 5.0])
    g = tg.grad(lambda a, s: np.sum(root(a, s)), argnum=(0, 1))(a, 3.0)
    assert np.allclose(g[0], 0.5 * np.sqrt(3.0 / a), rtol=1e-9)
    assert g[1] == pytest.approx(np.sum(0.5 * np.sqrt(a / 3.0)), rel=1e-9)
    f = tg.grad(lambda a: np.sum(root(a, 3.0)))
    assert np.array_equal(tg.jit(f)(a), f(a))
    batch = np.array([[2.0, 5.0], [1.0, 7.0]])
    assert np.allclose(tg.vmap(f)(batch), np.stack([f(x) for x in batch]), rtol=1e-13)


def distance_max(x, y):
    return np.max(np.abs(x - y))


# ------------------------------------------------------------------ check_grads
def test_check_grads_autograd_convention_passes_and_fails():
    check_grads(lambda x: np.sum(np.sin(x) * x), modes=["rev"])(np.array([0.3, -1.2]))
    check_grads(lambda x, y: x * np.exp(y), argnum=1)(2.0, 0.5)
    check_grads(lambda x, y: x * np.exp(y), argnum=(0, 1), order=1)(2.0, 0.5)
    bad = tg.primitive(lambda x: x * x, name="square")
    tg.defvjp(bad, lambda g, ans, x: g * x)           # should be 2 * x
    tg.defjvp(bad, lambda t, ans, x: 2 * t * x)
    with pytest.raises(AssertionError, match=r"VJP \(reverse mode\)"):
        check_grads(lambda x: bad(x) + 1.0)(3.0)
    check_grads(lambda x: bad(x), modes=["fwd"], order=1)(3.0)   # forward mode is right
    with pytest.raises(AssertionError, match="VJP"):
        check_grads(lambda x, y: y * bad(x), argnum=0, modes=["rev"])(3.0, 2.0)
    check_grads(lambda x, y: y * bad(x), argnum=1, modes=["rev"])(3.0, 2.0)


def test_check_grads_leaves_numpy_global_random_state_alone():
    np.random.seed(3)
    check_grads(lambda x: np.sum(x ** 3))(np.ones(3))
    after = np.random.rand()
    np.random.seed(3)
    assert after == np.random.rand()


# ------------------------------------------------------------------ extend
@primitive
def logsumexp(x):
    max_x = np.max(x)
    return max_x + np.log(np.sum(np.exp(x - max_x)))


defvjp(logsumexp, lambda ans, x: lambda g: np.ones(x.shape) * g * np.exp(x - ans))


def test_extend_primitive_like_autograds_define_gradient(ag):
    import autograd.numpy as anp
    from autograd.extend import defvjp as ag_defvjp
    from autograd.extend import primitive as ag_primitive
    ag_lse = ag_primitive(lambda x: anp.log(anp.sum(anp.exp(x))))
    ag_defvjp(ag_lse, lambda ans, x: lambda g: anp.full(x.shape, g) * anp.exp(x - ans))
    x = np.array([0.3, -1.0, 2.0])
    f = lambda y: logsumexp(y ** 2) * 3.0
    fa = lambda y: ag_lse(y ** 2) * 3.0
    assert np.allclose(tg.grad(f)(x), ag.grad(fa)(x), rtol=1e-14)
    assert np.allclose(tg.jacrev(tg.jacrev(f))(x), ag.hessian(fa)(x), rtol=1e-12)
    check_grads(f, modes=["rev"])(x)             # order 2: the maker differentiates again
    assert np.array_equal(tg.jit(tg.grad(f))(x), tg.grad(f)(x))
    xs = np.stack([x, -x, 2 * x])
    assert np.allclose(tg.vmap(tg.grad(f))(xs), np.stack([tg.grad(f)(v) for v in xs]),
                       rtol=1e-15)


def test_extend_keyword_arguments_and_several_inputs():
    @primitive
    def scaled_power(x, c, power=2):
        return c * x ** power
    defvjp(scaled_power, lambda ans, x, c, power=2: lambda g: g * c * power * x ** (power - 1),
           lambda ans, x, c, power=2: lambda g: g * x ** power)
    defjvp(scaled_power, lambda t, ans, x, c, power=2: t * c * power * x ** (power - 1),
           lambda t, ans, x, c, power=2: t * x ** power)
    f = lambda x, c: scaled_power(x, c, power=3)
    assert f(2.0, 0.5) == 4.0
    assert tg.grad(f, argnum=(0, 1))(2.0, 0.5) == (6.0, 8.0)
    assert tg.jvp(f, (2.0, 0.5), (1.0, 0.0))[1] == 6.0
    assert tg.grad(tg.grad(f))(2.0, 0.5) == pytest.approx(fd(lambda x: tg.grad(f)(x, 0.5), 2.0),
                                                          rel=1e-7)
    check_grads(f, argnum=(0, 1))(2.0, 0.5)


def test_extend_missing_rules_and_argnum_makers():
    @primitive
    def mul(a, b):
        return a * b
    defvjp(mul, None, lambda ans, a, b: lambda g: g * a)      # a: no derivative (zero)
    assert tg.grad(mul, argnum=(0, 1))(3.0, 4.0) == (0.0, 3.0)
    with pytest.raises(NotImplementedError, match=r"JVP of mul wrt argnum 0 not defined"):
        tg.jvp(mul, (3.0, 4.0), (1.0, 0.0))

    @primitive
    def mul2(a, b):
        return a * b
    defvjp_argnum(mul2, lambda k, ans, args, kw: lambda g: g * args[1 - k])
    assert tg.grad(mul2, argnum=(0, 1))(3.0, 4.0) == (4.0, 3.0)
    with pytest.raises(TypeError, match=r"wrapped by tapegrad.extend.primitive.*tg.defvjp"):
        defvjp(tg.exp, lambda ans, x: lambda g: g)
    defvjp(mul2, lambda ans, a, b: lambda g: 2 * g * b, argnums=[0])     # replaces argnum 0
    assert tg.grad(mul2, argnum=(0, 1))(3.0, 4.0) == (8.0, 3.0)


def test_notrace_primitive_gives_a_constant():
    count = notrace_primitive(lambda x: float(np.sum(x > 0)))
    assert tg.grad(lambda x: count(x) * np.sum(x))(np.array([1.0, -2.0, 3.0])).tolist() == \
        [2.0, 2.0, 2.0]


def test_builtins_tuple_is_a_pytree_container():
    args = tg_tuple((1.0, {"w": 2.0}))
    assert type(args) is tuple
    assert tg.grad(lambda a: a[0] * a[1]["w"])(args) == (2.0, {"w": 1.0})


# ------------------------------------------------------------------ hvp
def test_hessian_vector_product_is_hessian_times_vector(ag):
    f = lambda x: np.sum(np.sin(x) * x[::-1]) + np.prod(x)
    x, v = np.array([0.3, -1.0, 2.0]), np.array([1.0, 0.5, -2.0])
    want = tg.hessian(f)(x) @ v
    assert np.allclose(hessian_vector_product(f)(x, v), want, rtol=1e-13)
    assert tg.hessian_vector_product is hessian_vector_product
    assert np.allclose(hessian_vector_product(f)(x, v), ag.hessian_vector_product(f)(x, v),
                       rtol=1e-13)
    g = lambda a, x: a * np.sum(x ** 3)
    assert np.allclose(hessian_vector_product(g, 1)(2.0, x, v), 2.0 * 6 * x * v, rtol=1e-14)
    assert np.allclose(vector_jacobian_product(lambda x: x ** 2)(x, v), 2 * x * v)


# ------------------------------------------------------------------ convolve
SHAPES = [((5,), (3,)), ((3,), (5,)), ((4,), (4,)), ((1,), (3,)),
          ((4, 5), (2, 3)), ((2, 3), (4, 5)), ((3, 4, 2), (2, 2, 2)), ((), ())]


@pytest.mark.parametrize("mode", ["full", "valid", "same"])
@pytest.mark.parametrize("s1,s2", SHAPES)
def test_convolve_values_are_scipys(mode, s1, s2, rng):
    signal = pytest.importorskip("scipy.signal")
    a, b = rng.standard_normal(s1), rng.standard_normal(s2)
    if mode == "valid" and s1 and not (all(m >= n for m, n in zip(s1, s2)) or
                                       all(n >= m for m, n in zip(s1, s2))):
        return
    want = signal.convolve(a, b, mode=mode, method="direct")
    got = convolve(a, b, mode=mode)
    assert np.shape(got) == np.shape(want)
    assert np.allclose(got, want, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("mode", ["full", "valid", "same"])
@pytest.mark.parametrize("s1,s2", [((5,), (3,)), ((3,), (5,)), ((4, 3), (2, 2))])
def test_convolve_derivatives_both_modes_order_two(mode, s1, s2, rng):
    a, b = rng.standard_normal(s1), rng.standard_normal(s2)
    tg.check_grads(lambda a, b: convolve(a, b, mode), (a, b), order=2)
    w = rng.standard_normal(np.shape(convolve(a, b, mode)))
    loss = lambda a: np.sum(w * np.tanh(convolve(a, b, mode)))
    assert np.allclose(tg.grad(loss)(a), fd(loss, a), rtol=1e-7, atol=1e-9)


def test_convolve_gradients_match_autograd(ag, rng):
    import autograd.numpy as anp
    from autograd.scipy.signal import convolve as ag_convolve
    a, b = rng.standard_normal((6, 5)), rng.standard_normal((3, 2))
    for mode in ("full", "valid", "same"):
        f = lambda a, b: np.sum(np.sin(convolve(a, b, mode)))
        fa = lambda a, b: anp.sum(anp.sin(ag_convolve(a, b, mode=mode)))
        for k in (0, 1):
            assert np.allclose(tg.grad(f, argnum=k)(a, b), ag.grad(fa, k)(a, b), rtol=1e-12)


def test_convolve_float32_jit_vmap(rng):
    a = rng.standard_normal((4, 6)).astype(np.float32)
    b = rng.standard_normal(3).astype(np.float32)
    assert convolve(a[0], b).dtype == np.float32
    f = lambda a: np.sum(convolve(a, b, "same") ** 2)
    g = tg.grad(f)(a[0])
    assert g.dtype == np.float32
    assert np.array_equal(tg.jit(tg.grad(f))(a[0]), g)
    assert np.array_equal(tg.jit(lambda a: convolve(a, b, "valid"))(a[0]),
                          convolve(a[0], b, "valid"))
    assert np.allclose(tg.vmap(tg.grad(f))(a), np.stack([tg.grad(f)(x) for x in a]),
                       rtol=1e-6)
    assert np.allclose(tg.vmap(lambda x: convolve(x, b))(a),
                       np.stack([convolve(x, b) for x in a]), rtol=1e-6)


def test_convolve_refusals():
    x = np.ones(3)
    with pytest.raises(ValueError, match=r"mode must be 'full', 'valid' or 'same'"):
        convolve(x, x, mode="circular")
    with pytest.raises(ValueError, match=r"same dimensionality.*\(3,\) and \(1, 3\)"):
        convolve(x, x[None])
    with pytest.raises(ValueError, match=r"'valid' mode, one must be at least as large"):
        convolve(np.ones((2, 4)), np.ones((3, 3)), "valid")
    with pytest.raises(ValueError, match=r"empty input"):
        convolve(np.ones(0), x)
    with pytest.raises(ValueError, match=r"method must be"):
        convolve(x, x, method="fast")


def test_scipys_own_convolve_on_a_traced_value_names_ours():
    signal = pytest.importorskip("scipy.signal")
    with pytest.raises(TypeError, match=r"scipy.signal.convolve.*tapegrad.scipy.signal.convolve"):
        tg.grad(lambda x: np.sum(signal.convolve(x, np.ones(2))))(np.ones(3))


# ------------------------------------------------------------------ integer indices
def interpolate(x, table):
    """Linear interpolation of a constant table at traced points (fluidsim's advect)."""
    left = np.floor(x).astype(int)
    w = x - left
    return (1 - w) * table[np.mod(left, len(table))] + w * table[np.mod(left + 1, len(table))]


TABLE = np.array([0.0, 1.0, 4.0, 9.0, 16.0])


def test_value_computed_integer_indices_gather_from_a_numpy_constant(ag):
    x = np.array([0.25, 1.5, 3.75, 2.0 + 1e-3])
    f = lambda x: np.sum(interpolate(x, TABLE) ** 2)
    assert np.allclose(tg.grad(f)(x), fd(f, x), rtol=1e-7)
    import autograd.numpy as anp
    fa = lambda x: anp.sum(interpolate_ag(x, anp) ** 2)
    assert np.allclose(tg.grad(f)(x), ag.grad(fa)(x), rtol=1e-14)
    assert tg.grad(lambda s: interpolate(s, TABLE))(1.5) == 3.0        # a Python float
    assert tg.jvp(lambda x: interpolate(x, TABLE), (x,), (np.ones(4),))[1].tolist() == \
        [1.0, 3.0, 7.0, 5.0]


def interpolate_ag(x, anp):
    left = anp.floor(x).astype(int)
    w = x - left
    return (1 - w) * TABLE[anp.mod(left, len(TABLE))] + w * TABLE[anp.mod(left + 1, len(TABLE))]


def test_value_computed_integer_indices_under_jit_point_to_take():
    f = lambda x: np.sum(interpolate(x, TABLE))
    with pytest.raises(TypeError, match=r"traced integer array reached NumPy.*tg.take"):
        tg.jit(tg.grad(f))(np.array([0.25, 1.5]))
    with pytest.raises(TypeError, match=r"traced integer array reached NumPy"):
        tg.vmap(lambda x: interpolate(x, TABLE))(np.array([0.25, 1.5]))

    def with_take(x):
        left = np.floor(x).astype(int)
        return np.sum((1 - (x - left)) * tg.take(TABLE, left, axis=0))
    x = np.array([0.25, 1.5])
    assert np.array_equal(tg.jit(tg.grad(with_take))(x), tg.grad(with_take)(x))


def test_value_computed_integer_indices_into_a_traced_array():
    def f(v, x):
        i = np.floor(x).astype(int)
        return np.sum(v[i] * x)
    v, x = np.array([1.0, 2.0, 3.0]), np.array([0.5, 2.5, 2.2])
    gv, gx = tg.grad(f, argnum=(0, 1))(v, x)
    assert gv.tolist() == [0.5, 0.0, 4.7] and gx.tolist() == [1.0, 3.0, 3.0]
    assert all(np.array_equal(a, b) for a, b in zip(tg.jit(tg.grad(f, argnum=(0, 1)))(v, x),
                                                     (gv, gx)))


# ------------------------------------------------------------------ packaging
def test_a_fresh_interpreter_imports_the_autograd_modules():
    code = ("import tapegrad.misc.optimizers, tapegrad.misc.fixed_points, tapegrad.extend, "
            "tapegrad.test_util, tapegrad.builtins, tapegrad.scipy.signal\n"
            "from tapegrad.misc.flatten import flatten, flatten_func\n"
            "from tapegrad.misc import flatten as f2\n"
            "from tapegrad import grad, hessian_vector_product\n"
            "assert flatten is f2; print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr


def test_the_wheel_lists_the_new_packages():
    setuptools = pytest.importorskip("setuptools")
    found = set(setuptools.find_packages(include=["tapegrad", "tapegrad.*"],
                                         where=str(__import__("pathlib").Path(
                                             tg.__file__).parents[1])))
    assert {"tapegrad.misc", "tapegrad.scipy"} <= found


@pytest.mark.parametrize("mode", ["valid", "full", "same"])
def test_convolve_with_autograds_axes_and_dot_axes(ag, mode, rng):
    import autograd.numpy as anp
    from autograd.scipy.signal import convolve as ag_convolve
    images, filters = rng.standard_normal((2, 3, 6, 5)), rng.standard_normal((3, 4, 3, 2))
    kw = {"axes": ([2, 3], [2, 3]), "dot_axes": ([1], [0]), "mode": mode}
    got = convolve(images, filters, **kw)
    want = ag_convolve(images, filters, **kw)
    assert got.shape == want.shape and np.allclose(got, want, rtol=1e-13, atol=1e-13)
    w = rng.standard_normal(got.shape)
    f = lambda x, y: np.sum(w * np.tanh(convolve(x, y, **kw)))
    fa = lambda x, y: anp.sum(w * anp.tanh(ag_convolve(x, y, **kw)))
    for k in (0, 1):
        assert np.allclose(tg.grad(f, argnum=k)(images, filters), ag.grad(fa, k)(images, filters),
                           rtol=1e-12, atol=1e-14)
    small = images[:1, :2, :4, :3], filters[:2, :2, :2, :2]
    tg.check_grads(lambda x, y: convolve(x, y, **kw), small, order=2)
    g = tg.grad(f, argnum=(0, 1))
    assert all(np.array_equal(p, q) for p, q in zip(tg.jit(g)(images, filters),
                                                     g(images, filters)))
    batch = np.stack([filters, 2 * filters])
    assert np.allclose(tg.vmap(lambda y: convolve(images, y, **kw))(batch),
                       np.stack([convolve(images, y, **kw) for y in batch]), rtol=1e-14)


def test_convolve_axes_without_dot_axes_and_a_larger_second_input(ag, rng):
    from autograd.scipy.signal import convolve as ag_convolve
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((5, 4, 7))
    kw = {"axes": ([1], [2]), "mode": "valid"}
    got = convolve(a, b, **kw)
    assert np.allclose(got, ag_convolve(a, b, **kw), rtol=1e-13)
    tg.check_grads(lambda a, b: convolve(a, b, **kw), (a, b), order=1)
    with pytest.raises(ValueError, match=r"must pair up"):
        convolve(a, b, axes=([1], [1, 2]))
    with pytest.raises(ValueError, match=r"must have the same length"):
        convolve(a, b, axes=([1], [2]), dot_axes=([0], [1]))
    with pytest.raises(ValueError, match=r"out of range"):
        convolve(a, b, axes=([3], [2]))


def test_np_full_of_a_traced_value_names_the_spelling_that_works():
    with pytest.raises(TypeError, match=r"np\.full was applied.*value \* np\.ones\(shape\)"):
        tg.grad(lambda v: np.sum(np.full((2,), v)))(1.0)
    assert tg.grad(lambda v: np.sum(v * np.ones((2,))))(1.0) == 2.0


# ------------------------------------------------------------------ tracer
class Printed(Node):
    lines: list[str] = []

    def __init__(self, value, fun, args, kwargs, parent_argnums, parents):
        self.name = f"v{len(Printed.lines)}"
        shown = list(map(repr, args))
        for k, p in zip(parent_argnums, parents):
            shown[k] = p.name
        Printed.lines.append(f"{self.name} = {fun.__name__}({', '.join(shown)}) = {value!r}")

    def initialize_root(self, x):
        self.name = "x"
        Printed.lines[:] = []


def test_tracer_nodes_follow_the_evaluation_like_autograds_print_trace():
    root = Printed.new_root(1.5)
    value, end = trace(root, lambda x: (np.sin(x) + np.exp(x) - 0.5) * np.sin(x), 1.5)
    assert value == (np.sin(1.5) + np.exp(1.5) - 0.5) * np.sin(1.5)
    names = [line.split(" = ")[1].split("(")[0] for line in Printed.lines]
    assert names == ["sin", "exp", "add", "sub", "sin", "mul"]
    assert Printed.lines[3].startswith("v3 = sub(v2, 0.5)")
    assert end.name == "v5"
    assert trace(Printed.new_root(2.0), lambda x: np.ones(2) * 3.0, 2.0)[1] is None


def test_tracer_through_a_gradient_ends_at_the_derivative():
    value, end = trace(Printed.new_root(1.0), tg.grad(lambda x: np.sin(x + x)), 1.0)
    assert value == pytest.approx(2 * np.cos(2.0), rel=1e-15)
    assert "cos" in "".join(Printed.lines) and end is not None
    assert Printed.lines[-1].endswith(repr(value))


def test_extend_primitive_with_keywords_under_jit_vmap_and_replay():
    @primitive
    def sp(x, c, power=2):
        return c * x ** power
    defvjp(sp, lambda ans, x, c, power=2: lambda g: g * c * power * x ** (power - 1))
    defjvp(sp, lambda t, ans, x, c, power=2: t * c * power * x ** (power - 1))
    f = lambda x: np.sum(sp(x, 2.0, power=3))
    x = np.array([1.0, -2.0])
    g = tg.grad(f)(x)
    assert g.tolist() == [6.0, 24.0]
    assert np.array_equal(tg.jit(tg.grad(f))(x), g)
    assert np.array_equal(tg.jvp(tg.jit(f), (x,), (np.ones(2),))[1], np.sum(g))
    xs = np.array([[1.0, -2.0], [0.5, 3.0]])
    assert np.array_equal(tg.vmap(tg.grad(f))(xs), np.stack([tg.grad(f)(v) for v in xs]))
    tape = tg.make_tape(f)(x)
    assert tape(xs[1]) == f(xs[1]) and "power=3" in str(tape)


@pytest.mark.parametrize("dtype", [int, np.int64, np.int32, np.uint8, np.intp])
def test_value_computed_indices_of_every_integer_dtype(dtype):
    f = lambda x: np.sum(interpolate_dtype(x, dtype) ** 2)
    x = np.array([0.25, 1.5, 3.75])
    assert np.allclose(tg.grad(f)(x), fd(f, x), rtol=1e-7)


def interpolate_dtype(x, dtype):
    left = np.floor(x).astype(dtype)
    w = x - left
    return (1 - w) * TABLE[left] + w * TABLE[left + 1]


@pytest.mark.parametrize("name", ["jacobian", "jacrev", "jacfwd", "hessian", "elementwise_grad"])
def test_every_derivative_maker_takes_autograds_argnum(name):
    make = getattr(tg, name)
    f = (lambda x, y: x * y ** 3) if name != "hessian" else (lambda x, y: tg.sum(x * y ** 3))
    x, y = np.array([1.0, 2.0]), np.array([0.5, -1.5])
    assert np.array_equal(make(f, argnum=1)(x, y), make(f, argnums=1)(x, y))
    assert not np.array_equal(make(f, argnum=1)(x, y), make(f)(x, y))
    with pytest.raises(TypeError, match="argnum is autograd's spelling"):
        make(f, argnums=1, argnum=0)
