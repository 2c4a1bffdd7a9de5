"""Numbers keep their meaning under jit, vmap and replay (issue 17, item 4).

Every transform that records a function to run it again (``jit``, ``vmap``,
``make_tape`` and a call of the tape) computes what eager computes, keeps
the caller's types, never hands out an alias, and refuses what a recording
would silently freeze (a hash, a read of the number, a global random draw).
"""

from __future__ import annotations

import copy
import random

import numpy as np
import pytest

import tapegrad as tg


def replayed(f):
    """``f`` recorded by make_tape at its first call, replayed at every call."""
    tapes = {}

    def run(*args):
        if "tape" not in tapes:
            tapes["tape"] = tg.make_tape(f)(*args)
        return tapes["tape"](*args)
    return run


RECORDERS = {"jit": tg.jit, "vmap": tg.vmap, "replay": replayed}


# ------------------------------------------------------- hash of a traced value
@pytest.mark.parametrize("how", ["set", "dict", "hash", "dict.get"])
@pytest.mark.parametrize("where", ["jit", "vmap", "make_tape", "jit(grad)", "vmap(grad)"])
def test_row41_hashing_a_traced_value_while_recording_names_the_line_and_the_fix(how, where):
    def f(x):
        if how == "set":
            hit = x in {2.0}
        elif how == "dict":
            hit = {x: 1.0}[2.0] == 1.0
        elif how == "dict.get":
            hit = {2.0: 1.0}.get(x) is not None
        else:
            hit = hash(x) == hash(2.0)
        return x * 3.0 if hit else x
    make = {"jit": tg.jit, "vmap": tg.vmap, "make_tape": tg.make_tape,
            "jit(grad)": lambda f: tg.jit(tg.grad(f)),
            "vmap(grad)": lambda f: tg.vmap(tg.grad(f))}[where]
    arg = np.array([2.0, 1.0]) if "vmap" in where else 2.0
    with pytest.raises(TypeError, match=r"hash\(\) of a traced value .*test_values\.py:\d+"
                       r".*list and compare them with ==.*tg\.where"):
        make(f)(arg)


def test_hash_under_eager_grad_and_jvp_stays_consistent_with_eq():
    def f(x):
        assert hash(x) == hash(2.0) and {x, 2.0} == {2.0} and {x: 1.0}.get(2.0) == 1.0
        return x * x
    assert tg.grad(f)(2.0) == 4.0
    assert tg.jvp(f, (2.0,), (1.0,)) == (4.0, 4.0)


def test_a_list_and_eq_is_the_recorded_lookup_under_jit():
    f = tg.jit(lambda x: x * 3.0 if any(x == k for k in [2.0, 5.0]) else x)
    assert [f(2.0), f(1.0), f(5.0)] == [6.0, 1.0, 15.0]


# ---------------------------------------------------------- primal() escapes
@pytest.mark.parametrize("name", RECORDERS)
def test_primal_while_recording_raises_instead_of_baking_the_number(name):
    f = RECORDERS[name](lambda x: x * x.primal())
    with pytest.raises(TypeError, match=r"primal\(\) reads the number.*test_values\.py:\d+"):
        f(np.array([3.0, 4.0]) if name == "vmap" else 3.0)


def test_primal_under_jit_of_grad_raises_and_eager_grad_keeps_it():
    f = lambda x: x * x.primal()
    assert tg.grad(f)(3.0) == 3.0
    assert tg.grad(tg.grad(lambda x: x * x * x.primal()))(3.0) == 6.0
    with pytest.raises(TypeError, match="primal"):
        tg.jit(tg.grad(f))(3.0)


@pytest.mark.parametrize("name", list(RECORDERS))
def test_value_while_recording_raises_instead_of_baking_the_number(name):
    f = RECORDERS[name](lambda x: x * x.value)
    with pytest.raises(TypeError, match=r"x\.value reads the number.*test_values\.py:\d+"):
        f(np.array([3.0, 4.0]) if name == "vmap" else 3.0)


def test_value_under_eager_grad_is_the_number_one_level_down():
    seen = []
    assert tg.grad(lambda x: seen.append(x.value) or x * x)(3.0) == 6.0
    assert seen == [3.0]
    with pytest.raises(TypeError, match="value"):
        tg.jit(tg.grad(lambda x: x * x.value))(3.0)


# ----------------------------------------------------------------- copies
def _deep(p):
    q = copy.deepcopy(p)
    return q["w"] * p["w"] + tg.sum(q["v"] * q["v"]) + copy.copy(q["w"]) * 2.0


def _plain(p):
    return p["w"] * p["w"] + tg.sum(p["v"] * p["v"]) + p["w"] * 2.0


@pytest.mark.parametrize("transform", ["grad", "jit(grad)", "make_tape(grad)", "hessian"])
def test_copy_and_deepcopy_keep_the_derivative(transform):
    p = {"w": 1.5, "v": np.array([1.0, -2.0])}
    make = {"grad": tg.grad, "jit(grad)": lambda f: tg.jit(tg.grad(f)),
            "make_tape(grad)": lambda f: tg.make_tape(tg.grad(f))(p),
            "hessian": tg.hessian}[transform]
    got, want = make(_deep)(p), make(_plain)(p)
    assert tg.tree.structure(got) == tg.tree.structure(want)
    for a, b in zip(tg.tree.leaves(got), tg.tree.leaves(want)):
        np.testing.assert_array_equal(a, b)
    assert tg.grad(_plain)(p)["w"] == 2 * 1.5 + 2.0       # the closed form


def test_a_copy_of_a_traced_value_is_that_value():
    def f(x):
        assert copy.copy(x) is x and copy.deepcopy([x])[0] is x
        return x
    tg.grad(f)(1.0)
    tg.jit(f)(1.0)
    assert tg.vmap(tg.grad(lambda x: copy.deepcopy(x) ** 3.0))(np.array([1.0, 2.0])).tolist() \
        == [3.0, 12.0]


# --------------------------------------------------------- global generators
def _np_draw(x):
    return x + np.random.normal()


def _py_draw(x):
    return x * random.random()


def _legacy_seeded(x):
    np.random.seed(0)
    return x + np.random.rand()


@pytest.mark.parametrize("fun", [_np_draw, _py_draw, _legacy_seeded])
@pytest.mark.parametrize("name", ["jit", "vmap", "replay", "jit(grad)"])
def test_row40_a_global_random_draw_while_recording_is_an_error_naming_the_function(fun, name):
    make = dict(RECORDERS, **{"jit(grad)": lambda f: tg.jit(tg.grad(f))})[name]
    arg = np.array([1.0, 2.0]) if name == "vmap" else 1.0
    which = "random" if fun is _py_draw else r"np\.random"
    with pytest.raises(RuntimeError, match=rf"{fun.__name__} drew from .*{which}.*"
                       "Draw the numbers outside the function and pass them in"):
        make(fun)(arg)


def test_drawing_outside_and_passing_in_works_and_eager_may_draw():
    f = tg.jit(lambda x, noise: x + noise)
    draws = np.random.default_rng(0).normal(size=2)
    assert [f(1.0, draws[0]), f(1.0, draws[1])] == [1.0 + draws[0], 1.0 + draws[1]]
    assert tg.grad(_np_draw)(1.0) == 1.0         # eager draws anew each call: fine
    gen = np.random.default_rng(1)               # a generator of one's own, not global
    g = tg.jit(lambda x: x * 2.0)
    assert g(gen.normal()) != g(gen.normal())


# ------------------------------------------------- captured arrays (row 37)
@pytest.mark.parametrize("name", ["jit", "vmap", "replay", "jit(grad)", "vmap(grad)"])
def test_row37_a_captured_array_mutated_after_tracing_is_stale_everywhere(name):
    W = np.array([1.0, 2.0])
    f = lambda x: tg.sum(x * W) + tg.sum(W * W) + tg.sum(W)
    make = dict(RECORDERS, **{"jit(grad)": lambda f: tg.jit(tg.grad(f)),
                              "vmap(grad)": lambda f: tg.vmap(tg.grad(f))})[name]
    g = make(f)
    x = np.array([[1.0, 1.0], [2.0, 0.0]]) if "vmap" in name else np.array([1.0, 1.0])
    first = np.array(g(x))
    W[:] = 10.0                                # mutated after tracing: no effect
    np.testing.assert_array_equal(g(x), first)
    W[:] = [1.0, 2.0]
    np.testing.assert_array_equal(first, make(f)(x))   # and it was W's value then


def test_row37_a_returned_captured_array_is_stale_too():
    W = np.array([1.0, 2.0])
    f = tg.jit(lambda x: (x * 2.0, W))
    f(1.0)
    W[0] = 7.0
    np.testing.assert_array_equal(f(1.0)[1], [1.0, 2.0])


# ------------------------------------------- NumPy scalars and ints (row 39)
def _bits(v):
    return np.float64(v).view(np.int64)


CUBE = lambda x: x * x * x


@pytest.mark.parametrize("value", [np.int64(2**40), np.int32(7), np.int16(-3), np.uint8(200),
                                   np.uint64(2**63), np.float32(1.5), np.float64(0.3),
                                   np.float16(2.5), 7, 2**60 + 1])
def test_row39_numpy_scalars_and_ints_give_eagers_arithmetic_under_jit(value):
    # ints are differentiated as float64 floats, but a NumPy float scalar stays one
    # (float32, float16, and float64: strong, as NumPy and JAX keep it)
    small = isinstance(value, np.float32 | np.float16)
    kind = type(value) if isinstance(value, np.floating) else float
    eager = tg.value_and_grad(CUBE)(value)
    assert all(type(v) is kind for v in eager)
    want = (value ** 3, 3 * value ** 2) if small else (float(value) ** 3, 3 * float(value) ** 2)
    assert eager == pytest.approx(want, rel=1e-15)
    f = tg.jit(tg.value_and_grad(CUBE))
    for _ in range(2):                                   # traced, then compiled
        got = f(value)
        assert got == eager and all(type(v) is kind for v in got)
    assert f.trace_count == 1
    with np.errstate(over="ignore"):     # a NumPy integer scalar is integer data, as in eager
        plain = CUBE(value) if isinstance(value, np.integer) else eager[0]
    assert tg.jit(CUBE)(value) == plain
    assert tg.make_tape(tg.value_and_grad(CUBE))(1.0)(value) == eager


def test_row39_a_numpy_scalar_and_a_0d_array_are_different_signatures():
    f = tg.jit(lambda x: tg.tanh(x) * 2.0)
    a, s = np.array(0.5), np.float64(0.5)
    ra, rs = f(a), f(s)
    assert type(rs) is float and f.trace_count == 2
    assert _bits(ra) == _bits(tg.tanh(a) * 2.0) and _bits(rs) == _bits(tg.tanh(s) * 2.0)
    assert type(f(np.array(0.25))) is type(tg.tanh(a) * 2.0) and f.trace_count == 2


@pytest.mark.parametrize("name", ["jit", "replay"])
def test_an_int_leaf_returned_untouched_stays_an_int(name):
    f = RECORDERS[name](lambda p: p)
    for n in (3, 4):
        p = {"n": n, "big": 2**60 + 1, "i": np.int64(5), "x": 2.0}
        out = f(p)
        assert out == p and {k: type(v) for k, v in out.items()} == \
            {k: type(v) for k, v in p.items()}
    g = RECORDERS[name](lambda n, x: (n + 1, n * n - 2, -n, x * n, n / 2))
    assert g(3, 1.0) == (4, 7, -3, 3.0, 1.5)
    out = g(5, 2.0)
    assert out == (6, 23, -5, 10.0, 2.5) and [type(v) for v in out] == [int] * 3 + [float] * 2


def test_a_jitted_adam_step_keeps_its_step_an_int_and_does_not_retrace():
    opt = tg.optim.adam(0.1)
    loss = lambda p: tg.sum(p["w"] * p["w"]) + p["b"] ** 2

    def step(p, s):
        u, s = opt.update(tg.grad(loss)(p), s, p)
        return tg.optim.apply_updates(p, u), s
    jstep = tg.jit(step)
    p = pe = {"w": np.array([1.0, -2.0]), "b": 0.5}
    s = se = opt.init(p)
    for k in range(1, 5):
        p, s = jstep(p, s)
        pe, se = step(pe, se)
        assert s.step == k and type(s.step) is int and jstep.trace_count == 1
        np.testing.assert_array_equal(p["w"], pe["w"])
        assert p["b"] == pe["b"]


# ----------------------------------------- eager's bits under jit, randomly
UNARY = {"tanh": tg.tanh, "exp": tg.exp, "sigmoid": tg.sigmoid, "log": tg.log,
         "sin": tg.sin, "cos": tg.cos, "sqrt": tg.sqrt}


@pytest.mark.parametrize("name", UNARY)
def test_a_float64_scalar_read_from_an_array_gives_eagers_bits_under_jit(name):
    op = UNARY[name]
    f = lambda x, d: op(x + d[1] * 0.5)
    jf, jg = tg.jit(f), tg.jit(tg.grad(f))
    jg01 = tg.jit(tg.grad(f, argnums=(0, 1)))
    rng = np.random.default_rng(17)
    for _ in range(1500):
        x, d = float(rng.uniform(0.05, 3.0)), rng.uniform(0.05, 3.0, size=3)
        assert _bits(jf(x, d)) == _bits(f(x, d))
        assert _bits(jg(x, d)) == _bits(tg.grad(f)(x, d))
        gx, gd = jg01(x, d)
        ex, ed = tg.grad(f, argnums=(0, 1))(x, d)
        assert _bits(gx) == _bits(ex) and np.array_equal(gd, ed)
    assert jf.trace_count == 1


@pytest.mark.parametrize("name", UNARY)
def test_a_captured_float64_scalar_gives_eagers_bits_under_jit(name):
    op = UNARY[name]
    rng = np.random.default_rng(3)
    for _ in range(15):
        d = rng.uniform(0.05, 3.0, size=3)
        f = lambda x: op(x * d[0] + d[1] * 0.5)
        jf, jg = tg.jit(f), tg.jit(tg.grad(f))
        for x in rng.uniform(0.05, 3.0, size=100):
            x = float(x)
            assert _bits(jf(x)) == _bits(f(x)) and _bits(jg(x)) == _bits(tg.grad(f)(x))
            assert _bits(jf(np.float64(x))) == _bits(f(np.float64(x)))


def test_arithmetic_operators_on_numpy_scalars_give_eagers_bits_under_jit():
    f = lambda x, d: (x * d[1] + d[2] / x - d[0] ** 2.0) * (x - d[1]) + x ** d[2] - (-x)
    jf, jg = tg.jit(f), tg.jit(tg.grad(f, argnums=(0, 1)))
    rng = np.random.default_rng(5)
    for _ in range(2000):
        x, d = float(rng.uniform(0.1, 4.0)), rng.uniform(-3.0, 3.0, size=3)
        assert _bits(jf(x, d)) == _bits(f(x, d))
        (gx, gd), (ex, ed) = jg(x, d), tg.grad(f, argnums=(0, 1))(x, d)
        assert _bits(gx) == _bits(ex) and np.array_equal(gd, ed)


def test_one_scalar_arithmetic_for_floats_and_numpy_float64():
    rng = np.random.default_rng(11)
    for x in rng.uniform(-3.0, 3.0, size=500):
        for op in (tg.tanh, tg.exp, tg.sigmoid, tg.sin, tg.softplus):
            a, b = op(np.float64(x)), op(float(x))
            assert type(a) is float and _bits(a) == _bits(b)


# ------------------------------------------------------------- no aliasing
ALIASING = {
    "x * 1.0": lambda x: x * 1.0,
    "x / 1.0": lambda x: x / 1.0,
    "x": lambda x: x,
    "(x * 2, x * 2)": lambda x: (x * 2.0, x * 2.0),
    "(y, y)": lambda x: (lambda y: (y, y, {"y": y}))(tg.tanh(x)),
    "(x, x - 0.0)": lambda x: (x, x - 0.0),
    "captured": lambda x: (x * 2.0, CAPTURED, CAPTURED * 1.0),
}
CAPTURED = np.array([5.0, 6.0, 7.0])


def _arrays(out):
    return [v for v in tg.tree.leaves(out) if isinstance(v, np.ndarray)]


@pytest.mark.parametrize("fun", ALIASING)
@pytest.mark.parametrize("name", ["jit", "vmap", "replay"])
def test_results_never_alias_an_input_a_constant_or_each_other(fun, name):
    f = RECORDERS[name](ALIASING[fun])
    a = np.array([1.0, 2.0, 3.0])
    keep = a.copy()
    g = ALIASING[fun]
    want = g(keep) if name != "vmap" else tg.tree.map(      # vmap: against a loop
        lambda *xs: np.stack([np.asarray(v) for v in xs]), *[g(float(v)) for v in keep])
    for _ in range(3):
        out = f(a)
        arrays = _arrays(out)
        assert arrays
        for i, u in enumerate(arrays):
            assert u is not a and not np.shares_memory(u, a) and u.flags.writeable
            assert not np.shares_memory(u, CAPTURED)
            assert not any(np.shares_memory(u, v) for v in arrays[i + 1:])
        for u in arrays:
            u[...] = -99.0                   # the caller writes into every result
        np.testing.assert_array_equal(a, keep)
        np.testing.assert_array_equal(CAPTURED, [5.0, 6.0, 7.0])
        again = f(a)                         # and the next call does not see it
        assert tg.tree.structure(again) == tg.tree.structure(want)
        for u, v in zip(tg.tree.leaves(again), tg.tree.leaves(want)):
            if name == "vmap" and fun == "captured" and np.shape(u) != np.shape(v):
                u = np.broadcast_to(u, np.shape(v))     # a constant output's batch: item 7
            np.testing.assert_array_equal(u, v)


@pytest.mark.parametrize("fun", [lambda x: x.T, lambda x: x[1:], lambda x: tg.reshape(x, (4,)),
                                 lambda x: (x.T, x[0], x)])
@pytest.mark.parametrize("name", ["jit", "replay"])
def test_views_of_an_input_are_copies(fun, name):
    a = np.arange(4.0).reshape(2, 2)
    out = RECORDERS[name](fun)(a)
    for u in _arrays(out):
        assert not np.shares_memory(u, a)
    for u, v in zip(_arrays(out), _arrays(fun(a))):
        np.testing.assert_array_equal(u, v)


def test_jit_of_grad_returns_fresh_cotangents():
    a = np.array([1.0, 2.0])
    g = tg.jit(tg.grad(lambda p: tg.sum(p["a"] * 3.0) + tg.sum(p["b"]), argnums=0))
    out = g({"a": a, "b": a})
    assert not np.shares_memory(out["a"], out["b"]) and not np.shares_memory(out["a"], a)


# --------------------------------------------------------------- complex input
@pytest.mark.parametrize("value", [np.array([1.0 + 2.0j, 3.0]), {"z": np.ones(2, complex)},
                                   np.ones(2, np.complex64)])
def test_vmap_refuses_complex_input_with_a_type_error(value):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")           # never cast with a ComplexWarning
        with pytest.raises(TypeError, match=r"vmap: .* is complex .*real numbers only.*"
                           "real and imaginary parts"):
            tg.vmap(lambda x: tg.tree.map(lambda v: v * 2.0, x))(value)
        with pytest.raises(TypeError, match="complex"):
            tg.vmap(tg.grad(lambda x: tg.sum(tg.tree.leaves(x)[0])))(value)


@pytest.mark.parametrize("value", [1.0 + 2.0j, np.complex128(1j), np.array([1j, 2.0])])
def test_a_tape_call_refuses_complex_input_with_a_type_error(value):
    import warnings
    recorded = np.ones(2) if isinstance(value, np.ndarray) else 1.0
    tape = tg.make_tape(lambda x: x * 2.0)(recorded)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(TypeError, match=r"tape: x is .*real numbers only.*"
                           "real and imaginary parts"):
            tape(value)
    with pytest.raises(TypeError, match="complex"):     # as grad and jit already do
        tg.grad(lambda x: tg.sum(x * 2.0))(value)
    with pytest.raises(TypeError, match="complex"):
        tg.jit(lambda x: x * 2.0)(value)


# ------------------------------------------------------------ float32 stays
KINKS = {
    "abs": tg.abs, "relu": tg.relu, "maximum": lambda x: tg.maximum(x, 0.5),
    "maximum(0.5, x)": lambda x: tg.maximum(0.5, x), "minimum": lambda x: tg.minimum(x, 0.5),
    "clip": lambda x: tg.clip(x, -1.0, 2.0), "hinge": lambda x: tg.nn.hinge(x, 1.0),
    "np.abs": np.abs, "np.maximum": lambda x: np.maximum(x, 0.0),
    "np.minimum": lambda x: np.minimum(0.0, x), "2.0**x": lambda x: 2.0 ** x,
    "x**2.0": lambda x: x ** 2.0, "where": lambda x: tg.where(x > 0, x * x, -x),
    "sqrt(abs)": lambda x: tg.sqrt(tg.abs(x) + 1.0),
}
POINTS = np.array([-1.5, -1.0, 0.0, 0.5, 2.0, 3.0], dtype=np.float32)   # kinks and ties


def _transforms(k):
    total = lambda x: tg.sum(k(x))
    return {
        "eager": (k, total), "jit": (tg.jit(k), tg.jit(total)),
        "replay": (replayed(k), replayed(total)),
        "vmap": (tg.vmap(k), None), "jit(vmap)": (tg.jit(tg.vmap(k)), None),
    }, {
        "grad": tg.grad(total), "jit(grad)": tg.jit(tg.grad(total)),
        "replay(grad)": replayed(tg.grad(total)), "vmap(grad)": tg.vmap(tg.grad(k)),
        "jit(vmap(grad))": tg.jit(tg.vmap(tg.grad(k))),
        "vmap(jit(grad))": tg.vmap(tg.jit(tg.grad(k))),
    }


@pytest.mark.parametrize("kink", KINKS)
def test_float32_stays_float32_through_every_kink_and_its_gradient(kink):
    k = KINKS[kink]
    x32, x64 = POINTS, POINTS.astype(np.float64)
    values, grads = _transforms(k)
    values64, grads64 = _transforms(k)
    for name, (f, _) in values.items():
        got = f(x32)
        assert np.asarray(got).dtype == np.float32, name
        np.testing.assert_allclose(got, values64[name][0](x64), rtol=1e-6, err_msg=name)
    for name, g in grads.items():
        got = g(x32)
        assert got.dtype == np.float32 and got.shape == x32.shape, name
        np.testing.assert_allclose(got, grads64[name](x64), rtol=1e-6, err_msg=name)
    loop = np.stack([tg.grad(k)(np.asarray(v)) for v in x32])     # vmap against a loop
    assert loop.dtype == np.float32
    np.testing.assert_array_equal(grads["vmap(grad)"](x32), loop)
    np.testing.assert_array_equal(grads["jit(grad)"](x32), grads["grad"](x32))


def test_float32_kink_gradients_follow_the_conventions():
    g = lambda f: tg.grad(lambda x: tg.sum(f(x)))(POINTS)
    np.testing.assert_array_equal(g(tg.relu), (POINTS > 0).astype(np.float32))
    np.testing.assert_array_equal(g(tg.abs), np.sign(POINTS))
    np.testing.assert_array_equal(g(lambda x: tg.maximum(x, 0.5)),
                                  np.where(POINTS > 0.5, 1, np.where(POINTS == 0.5, 0.5, 0)))
    np.testing.assert_array_equal(g(lambda x: 2.0 ** x), np.log(np.float32(2)) * 2.0 ** POINTS)
    assert g(tg.relu).dtype == np.float32


def test_a_float32_scalar_output_seeds_a_float32_gradient():
    x = np.asarray(np.float32(1.5))
    for f in (lambda x: x * 2.0, lambda x: tg.where(x > 0, x * x, -x), tg.relu):
        assert np.asarray(tg.grad(f)(x)).dtype == np.float32
        assert np.asarray(tg.jit(tg.grad(f))(x)).dtype == np.float32


@pytest.mark.parametrize("name", UNARY)
def test_eagers_bits_under_jit_out_of_domain_and_at_overflow(name):
    op = UNARY[name]
    f = lambda x, d: op(x * d[0] + d[1])
    jf, jg = tg.jit(f), tg.jit(tg.grad(f))
    rng = np.random.default_rng(23)
    xs = np.concatenate([rng.uniform(-800.0, 800.0, 300), rng.normal(0.0, 1e-3, 100),
                         [0.0, -0.0, np.inf, -np.inf, np.nan, 1e308, -1e-320]])
    with np.errstate(all="ignore"):
        for x in xs:
            d = np.array([rng.choice([1.0, -1.0, 0.5]), rng.normal(), 0.0])
            for arg in (float(x), np.float64(x)):        # a float, or NumPy's scalar
                assert _bits(jf(arg, d)) == _bits(f(arg, d))
                assert _bits(jg(arg, d)) == _bits(tg.grad(f)(arg, d))
    assert jf.trace_count == 2          # a float and a NumPy float64 are two signatures


@pytest.mark.parametrize("name", ["jit", "replay"])
def test_what_an_inner_transform_makes_a_float_stays_a_float(name):
    cases = [
        (tg.value_and_grad(lambda x, n: x * n), (2.0, 3)),
        (tg.value_and_grad(lambda x: x), (3,)),
        (tg.value_and_grad(lambda x, n: x * n * n, argnums=(0, 1)), (2.0, 3)),
        (lambda n: tg.jvp(lambda x: x * 2, (n,), (1,)), (3,)),
        (lambda n: tg.grad(lambda x: x * n)(1.0), (3,)),
        (lambda n: tg.grad(lambda m: m * m)(n + 1), (3,)),
    ]
    for f, args in cases:
        want = f(*args)
        got = RECORDERS[name](f)(*args)
        assert got == want
        assert [type(v) for v in tg.tree.leaves(got)] == [type(v) for v in tg.tree.leaves(want)]


def test_another_threads_draws_never_fail_a_trace():
    """A thread drawing from np.random while jit traces is no error of the function."""
    import threading
    import warnings
    stop = threading.Event()

    def draw():
        while not stop.is_set():
            np.random.rand()
    t = threading.Thread(target=draw)
    t.start()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            for k in range(20):
                f = tg.jit(lambda x: tg.sin(x) * x + float(k))
                assert f(0.5) == tg.sin(0.5) * 0.5 + float(k)
    finally:
        stop.set()
        t.join()


F32_PROGRAMS = {"mul": lambda a: a * 2, "sin": lambda a: tg.sin(a) * a,
                "numpy": lambda a: np.exp(a) + 1.0, "branch": lambda a: a * 3 if a > 1 else a,
                "pow": lambda a: a ** 2 - a / 3.0}


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
@pytest.mark.parametrize("name", list(F32_PROGRAMS))
def test_a_float32_scalar_stays_float32_under_every_transform(name, dtype):
    f, s = F32_PROGRAMS[name], dtype(2.5)
    want = f(s)
    assert type(want) is dtype
    g = tg.grad(f)(s)
    results = [tg.jit(f)(s), tg.make_tape(f)(s)(s), tg.vmap(f)(np.array([s, s]))[0],
               tg.value_and_grad(f)(s)[0]]
    assert all(type(v) is dtype and v == want for v in results)
    tangents = [tg.jit(tg.grad(f))(s), tg.jvp(f, (s,), (dtype(1.0),))[1], g]
    assert all(type(v) is dtype and v == g for v in tangents)
    assert g == pytest.approx(float(tg.grad(f)(float(s))), rel=1e-2)
