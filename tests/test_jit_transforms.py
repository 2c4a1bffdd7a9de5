"""A jitted function under other transforms: one call, compiled rules, one trace.

grad/vjp/jvp/vmap of ``jit(f)`` record one primitive per output leaf whose
rules are compiled programs replaying the tape ``jit`` recorded, so ``f`` is
traced once per signature and guard pattern (JAX's test_grad_of_jit), and
every stack equals the same stack without ``jit``.
"""

import functools
import threading

import numpy as np
import pytest

import tapegrad as tg


def counted(f):
    """``f`` with a list that grows by one each time ``f`` runs (is traced)."""
    calls = []

    def g(*args, **kwargs):
        calls.append(None)
        return f(*args, **kwargs)
    g.__name__ = f.__name__
    return g, calls


def branchy(x):
    return tg.sin(x) * x if x > 0 else x ** 3


# --------------------------------------------- once per signature (API.md)
TRANSFORMS = {
    "grad": lambda f, x: tg.grad(f)(x),
    "value_and_grad": lambda f, x: tg.value_and_grad(f)(x),
    "vjp": lambda f, x: tg.vjp(f, x)[1](1.0),
    "jvp": lambda f, x: tg.jvp(f, (x,), (1.0,)),
    "jacfwd": lambda f, x: tg.jacfwd(f)(x),
    "jacrev": lambda f, x: tg.jacrev(f)(x),
    "hessian": lambda f, x: tg.hessian(f)(x),
    "grad(grad)": lambda f, x: tg.grad(tg.grad(f))(x),
    "vmap": lambda f, x: tg.vmap(f)(np.array([x, 2 * x])),
    "vmap(grad)": lambda f, x: tg.vmap(tg.grad(f))(np.array([x, 2 * x])),
    "jit(grad)": lambda f, x: tg.jit(tg.grad(f))(x),
    "make_tape": lambda f, x: tg.make_tape(f)(x)(x),
}


@pytest.mark.parametrize("name", TRANSFORMS)
def test_a_jitted_function_is_traced_once_per_signature(name):
    f, calls = counted(branchy)
    jf = tg.jit(f)
    run = TRANSFORMS[name]
    first = run(jf, 0.7)
    assert len(calls) == 1
    for x in (0.9, 1.3, 0.7):               # the same guard pattern: no new trace
        run(jf, x)
    assert len(calls) == 1 and jf.trace_count == 1
    jf(0.5)                                  # a plain call shares the trace
    assert len(calls) == 1
    run(jf, -0.5)                            # the other branch: one more
    assert len(calls) == 2
    again = run(jf, 0.7)
    expect = run(branchy, 0.7)
    for a, b, c in zip(tg.tree.leaves(first), tg.tree.leaves(again), tg.tree.leaves(expect)):
        np.testing.assert_allclose(a, c, rtol=1e-13)
        np.testing.assert_array_equal(a, b)


def test_plain_call_first_then_transforms_trace_nothing_more():
    base = lambda x, y: tg.exp(x) * y
    f, calls = counted(base)
    jf = tg.jit(f)
    jf(1.0, 2.0)
    assert tg.grad(jf, argnums=(0, 1))(1.0, 2.0) == tg.grad(base, argnums=(0, 1))(1.0, 2.0)
    tg.jvp(jf, (1.0, 2.0), (1.0, 0.5))
    tg.hessian(jf)(1.0, 2.0)
    assert len(calls) == 1


# ------------------------------------------- the named compositions (item 2)
@pytest.mark.parametrize("x", [0.7, -0.4, 2.5])
def test_named_stacks_equal_the_stack_without_jit(x):
    f = branchy
    jf = tg.jit(f)
    assert tg.jit(tg.grad(tg.jit(f)))(x) == tg.grad(f)(x)
    assert tg.jit(tg.value_and_grad(tg.jit(f)))(x) == tg.value_and_grad(f)(x)
    assert tg.grad(jf)(x) == tg.grad(f)(x)
    assert tg.grad(tg.grad(jf))(x) == tg.grad(tg.grad(f))(x)
    # past first order the rules' products associate differently: equal to rounding
    np.testing.assert_allclose(tg.grad(tg.grad(tg.grad(jf)))(x),
                               tg.grad(tg.grad(tg.grad(f)))(x), rtol=1e-13)
    assert tg.jvp(jf, (x,), (1.5,)) == tg.jvp(f, (x,), (1.5,))
    np.testing.assert_allclose(tg.hessian(jf)(x), tg.hessian(f)(x), rtol=1e-14)
    xs = np.array([x, -x, 2 * x])
    np.testing.assert_array_equal(tg.jit(tg.vmap(tg.grad(tg.jit(f))))(xs),
                                  [tg.grad(f)(float(v)) for v in xs])
    np.testing.assert_array_equal(tg.vmap(jf)(xs), [f(float(v)) for v in xs])


def test_closed_forms_through_jit():
    jf = tg.jit(lambda x: x ** 3)
    assert tg.grad(jf)(2.0) == 12.0
    assert tg.grad(tg.grad(jf))(2.0) == 12.0
    assert tg.grad(tg.grad(tg.grad(jf)))(2.0) == 6.0
    assert tg.jit(tg.grad(tg.jit(tg.grad(jf))))(2.0) == 12.0


def test_jit_of_a_decorator_around_a_jitted_function():
    inner = tg.jit(lambda x: x * x + 1.0)

    @functools.wraps(inner)
    def wrapper(x):
        return inner(x) * 2.0

    outer = tg.jit(wrapper)
    assert outer(3.0) == 20.0
    assert tg.jit(tg.grad(wrapper))(3.0) == 12.0
    assert tg.grad(outer)(3.0) == 12.0


def test_jit_of_a_callable_object_with_attributes_named_like_jits():
    class Model:
        fun = "not a function"
        cache = None
        _fast = 3
        static_argnums = "x"

        def __call__(self, x):
            return x * 3.0

    m = Model()
    jm = tg.jit(m)
    assert jm(2.0) == 6.0 and tg.grad(jm)(2.0) == 3.0
    assert m.fun == "not a function" and m.cache is None


def test_traps_1b_1c_through_grad_of_jit():
    g = lambda x, y: y * (x - y)
    assert tg.grad(lambda x: tg.grad(tg.jit(g), argnums=1)(x, x))(1.0) == -1.0
    assert tg.jit(tg.grad(lambda x: tg.grad(tg.jit(g), argnums=1)(x, x)))(1.0) == -1.0
    assert tg.grad(lambda x: tg.grad(tg.jit(lambda y: x * y))(2.0))(3.0) == 1.0
    # an inner jitted call fed by two tapes is not first order: no kept gradient
    h = tg.jit(lambda x, y: x * y * y)
    assert tg.grad(lambda x: tg.grad(h, argnums=1)(x, 3.0))(2.0) == 6.0


# ------------------------------------------------------- values and kinds
def test_output_structure_that_depends_on_the_branch():
    jf = tg.jit(lambda x: x * x if x > 0 else (x, 2.0 * x))
    assert tg.grad(jf)(1.5) == 3.0
    assert tg.vjp(jf, -1.0)[1]((1.0, 1.0)) == (3.0,)
    assert tg.grad(jf)(2.5) == 5.0


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_arrays_keywords_statics_and_dtypes(dtype):
    def h(w, x, n, scale=1.0):
        return tg.sum(tg.tanh(w * x) ** n) * scale
    jh = tg.jit(h, static_argnums=2)
    w = np.array([0.5, -1.0, 2.0], dtype=dtype)
    x = np.array([1.0, 2.0, 3.0], dtype=dtype)
    for n in (1, 3):
        a = tg.grad(jh, argnums=(0, 1))(w, x, n, scale=2.0)
        b = tg.grad(h, argnums=(0, 1))(w, x, n, scale=2.0)
        for u, v in zip(a, b):
            assert u.dtype == v.dtype == dtype
            np.testing.assert_array_equal(u, v)
    np.testing.assert_array_equal(tg.jacfwd(jh)(w, x, 1), tg.jacfwd(h)(w, x, 1))
    hx = lambda w, x: h(w, x, 2)
    ws = np.stack([w, 2 * w])
    np.testing.assert_array_equal(tg.vmap(tg.grad(tg.jit(hx)), in_axes=(0, None))(ws, x),
                                  tg.vmap(tg.grad(hx), in_axes=(0, None))(ws, x))
    # an unbatched int reaches the jitted function as itself: a static value
    np.testing.assert_array_equal(tg.vmap(tg.grad(jh), in_axes=(0, None, None))(ws, x, 2),
                                  tg.vmap(tg.grad(hx), in_axes=(0, None))(ws, x))
    with pytest.raises(TypeError, match="static argument 2 .* traced value"):
        tg.grad(lambda n: jh(w, x, n))(2.0)


def test_vector_output_vjp_and_jacobians():
    f = lambda v: tg.tanh(v) * tg.sum(v)
    jf = tg.jit(f)
    v = np.array([0.3, -1.2, 2.0])
    g = np.array([1.0, -2.0, 0.5])
    np.testing.assert_array_equal(tg.vjp(jf, v)[1](g)[0], tg.vjp(f, v)[1](g)[0])
    np.testing.assert_array_equal(tg.jacrev(jf)(v), tg.jacrev(f)(v))
    np.testing.assert_array_equal(tg.jacfwd(jf)(v), tg.jacfwd(f)(v))


def test_int_leaves_and_pytrees():
    f = lambda p: p["a"] * p["n"] + p["b"][0] ** 2
    p = {"a": 2.0, "n": 3, "b": [1.5]}
    assert tg.grad(tg.jit(f))(p) == tg.grad(f)(p)


@pytest.mark.parametrize("g", [1.0, 2.5, -0.0, 0.0])
def test_kept_gradient_is_scaled_by_the_cotangent(g):
    f = lambda x: tg.exp(x) / x
    out, pull = tg.vjp(tg.jit(f), 0.5)
    assert pull(g) == tg.vjp(f, 0.5)[1](g)


def test_zero_cotangent_through_a_jitted_call_stays_zero():
    inv = tg.jit(lambda x: 1.0 / x)
    f = lambda x: tg.where(x > 0, inv(x), 0.0)
    assert tg.grad(f)(0.0) == 0.0
    assert tg.jit(tg.grad(f))(0.0) == 0.0


def test_the_tape_shows_one_record_per_output_leaf():
    jf = tg.jit(lambda x, y: (x * y, x + y))
    tape = tg.make_tape(jf)(2.0, 3.0)
    names = [r.prim.name for r in tape if r.prim is not None]
    assert names == ["jit_<lambda>_0", "jit_<lambda>_1"]
    assert tape(4.0, 5.0) == (20.0, 9.0)


def test_threads_share_the_trace():
    base = lambda x: tg.sin(x) * x
    f, calls = counted(base)
    jf = tg.jit(f)
    jf(0.5)
    results = {}
    barrier = threading.Barrier(4)

    def work(i):
        barrier.wait()
        results[i] = [tg.grad(jf)(0.1 * i + 0.1 * k) for k in range(20)]
    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i in range(4):
        assert results[i] == [tg.grad(base)(0.1 * i + 0.1 * k) for k in range(20)]
    assert len(calls) == 1


def test_a_jitted_closure_over_an_outer_traced_value_is_not_baked():
    """jit(lambda y: x * y) with x traced outside: the derivative in x flows."""
    def outer(x):
        jf = tg.jit(lambda y: x * y * y)
        return jf(2.0) + tg.grad(jf)(2.0)        # a plain call and a traced one
    assert tg.grad(outer)(3.0) == 8.0
    assert tg.jit(tg.grad(outer))(3.0) == 8.0
    assert tg.grad(tg.jit(outer))(5.0) == 8.0
    np.testing.assert_allclose(tg.jvp(outer, (1.5,), (2.0,)), (12.0, 16.0))


def test_one_compiled_run_per_call_whatever_the_leaves():
    """The K output primitives of a call share one run, int constants and all."""
    runs = []
    inner = tg.primitive(lambda x: runs.append(1) or x, name="count_runs")
    tg.defvjp(inner, lambda g, ans, x: g)
    jf = tg.jit(lambda x, n, y: (inner(x) * n, x * y, inner(y)))
    jf(1.0, 2, 3.0)                                  # traced and run: 2 + 2
    tape = tg.make_tape(lambda x: jf(x, 2, 3.0))(1.5)
    assert len(runs) == 6                            # one run for three records
    assert tape(2.5) == (5.0, 7.5, 3.0)
    assert len(runs) == 8


def test_value_and_grad_of_a_jitted_function_is_one_compiled_program():
    def f(p, x, scale=1.0):
        return tg.sum(tg.tanh(p["w"] * x + p["b"]) ** 2) * scale, {"x2": x * 2.0}
    base, calls = counted(f)
    jf = tg.jit(base, static_argnames="scale")
    p = {"w": np.array([0.5, -1.0]), "b": 0.25}
    x = np.array([1.5, 2.0])
    for argnums in (0, 1, (0, 1)):
        got = tg.value_and_grad(jf, argnums=argnums, has_aux=True)(p, x, scale=3.0)
        want = tg.jit(tg.value_and_grad(f, argnums=argnums, has_aux=True),
                      static_argnames="scale")(p, x, scale=3.0)
        for a, b in zip(tg.tree.leaves(got), tg.tree.leaves(want)):
            np.testing.assert_array_equal(a, b)
    assert len(calls) == 1                           # one trace for every argnums
    # the gradient program is itself jitted: it composes like any jitted function
    g = tg.grad(lambda p: tg.grad(jf, has_aux=True)(p, x)[0]["b"])(p)
    h = tg.grad(lambda p: tg.grad(f, has_aux=True)(p, x)[0]["b"])(p)
    for a, b in zip(tg.tree.leaves(g), tg.tree.leaves(h)):
        np.testing.assert_allclose(a, b, rtol=1e-13)
    np.testing.assert_array_equal(
        tg.vmap(tg.grad(lambda w: jf({"w": w, "b": 0.25}, x)[0]))(np.ones((3, 2))),
        tg.vmap(tg.grad(lambda w: f({"w": w, "b": 0.25}, x)[0]))(np.ones((3, 2))))


def test_grad_of_a_jitted_method_binds_self():
    class Model:
        def __init__(self, k):
            self.k = k

        def __hash__(self):
            return hash(self.k)

        def __eq__(self, other):
            return isinstance(other, Model) and other.k == self.k

        @functools.partial(tg.jit, static_argnums=0)
        def loss(self, x):
            return x ** self.k

    m = Model(3)
    assert tg.grad(m.loss)(2.0) == 12.0
    assert tg.value_and_grad(m.loss)(2.0) == (8.0, 12.0)


def test_jit_of_a_vmap_runs_the_batch_once_for_all_its_output_leaves():
    """jit(vmap(grad)) of an MLP's per-example loss, its 33 gradient leaves summed: the
    compiled code calls the vmapped function once (not once per leaf), with eager's bits."""
    params = tg.nn.mlp_init([2, 8, 1], seed=1)
    r = np.random.RandomState(5)
    x1, x2, t = r.randn(9), r.randn(9), np.sign(r.randn(9))

    def example(p, a, b, target):
        return tg.nn.hinge(tg.nn.mlp(p, [a, b])[0], target) / 9.0
    per_example = tg.vmap(tg.grad(example), in_axes=(None, 0, 0, 0))

    def step(p):
        g = tg.tree.map(tg.sum, per_example(p, x1, x2, t))
        return tg.tree.map(lambda a, d: a - 0.1 * d, p, g)
    jitted = tg.jit(step)
    for _ in range(2):
        got, want = tg.tree.leaves(jitted(params)), tg.tree.leaves(step(params))
        assert len(got) == 33
        assert [np.asarray(a).tobytes() for a in got] == [np.asarray(b).tobytes() for b in want]
    calls = [line for line in jitted.lower(params).source.splitlines() if "vmap_" in line]
    assert len(calls) == 1 and "_all" in calls[0]
