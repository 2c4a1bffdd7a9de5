"""Loop programs ported from JAX's tests/lax_control_flow_test.py, run through
every composition of transforms.

Each program is a pair: one written with tg.scan / tg.while_loop /
tg.fori_loop / tg.checkpoint, and the same computation as a plain Python
loop on floats. Facts checked: eager equals the Python loop, jit equals
eager bit for bit, vmap equals a loop over examples, and every derivative
equals central differences of the Python loop (or the first derivative
taken in the other mode).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import tapegrad as tg

XS = np.array([0.3, -0.5, 1.1])


def central(f, x, h=1e-5):
    return (f(x + h) - f(x - h)) / (2 * h)


# ----------------------------------------------------------------- programs

def scan_dict_xs(a):              # dict xs, pytree ys (JAX testScanVmapTuples' shapes)
    xs = {"u": XS, "v": np.array([1.0, 2.0, 3.0])}
    c, ys = tg.scan(lambda c, x: (tg.sin(c) * a + x["u"] * x["v"],
                                  {"p": c * a, "q": (x["u"], c)}), 0.2, xs)
    return c + tg.sum(ys["p"]) + tg.sum(ys["q"][1])


def scan_dict_xs_ref(a):
    c, total = 0.2, 0.0
    for u, v in zip(XS, [1.0, 2.0, 3.0]):
        total += c * a + c
        c = math.sin(c) * a + u * v
    return c + total


def scan_tuple_xs_reverse(a):
    c, ys = tg.scan(lambda c, x: (c * x[0] + a * x[1], c * c), 1.0,
                    (XS, np.array([2.0, 0.0, 1.0])), reverse=True)
    return c + tg.sum(ys)


def scan_tuple_xs_reverse_ref(a):
    c, total = 1.0, 0.0
    for u, v in reversed(list(zip(XS, [2.0, 0.0, 1.0]))):
        total += c * c
        c = c * u + a * v
    return c + total


def scan_length_only(a):           # xs=None with length=, an int counter in the carry
    (k, c), ys = tg.scan(lambda s, _: ((s[0] + 1, s[1] * a + s[0]), s[1]), (0, 0.5),
                         None, length=4)
    return c + tg.sum(ys) + k


def scan_length_only_ref(a):
    k, c, total = 0, 0.5, 0.0
    for _ in range(4):
        total += c
        k, c = k + 1, c * a + k
    return c + total + k


def scan_in_while(a):              # JAX: scan inside a while_loop body
    def body(s):
        i, v = s
        v, _ = tg.scan(lambda c, x: (c * a + x, None), v, XS)
        return i + 1, v
    return tg.while_loop(lambda s: s[0] < 2, body, (0, 0.4))[1]


def scan_in_while_ref(a):
    v = 0.4
    for _ in range(2):
        for x in XS:
            v = v * a + x
    return v


def while_in_scan(a):              # a data-dependent trip count per step
    def step(c, n):
        k, v = tg.while_loop(lambda s: s[0] < n, lambda s: (s[0] + 1, tg.sin(s[1]) * a),
                             (0.0, c))
        return v, k
    c, ks = tg.scan(step, 0.7, np.array([1.0, 3.0, 2.0]))
    return c + 0.0 * tg.sum(ks)


def while_in_scan_ref(a):
    c = 0.7
    for n in (1, 3, 2):
        for _ in range(n):
            c = math.sin(c) * a
    return c


def fori_nested_closure(a):        # fori in fori, the inner closing over the outer's carry
    def outer(i, c):
        return tg.fori_loop(0, i + 1, lambda j, d: d * a + c * 0.1, c)
    return tg.fori_loop(0, 3, outer, 0.9)


def fori_nested_closure_ref(a):
    c = 0.9
    for i in range(3):
        d = c
        for _ in range(i + 1):
            d = d * a + c * 0.1
        c = d
    return c


def checkpoint_in_scan(a):         # JAX: remat of a scan body
    body = tg.checkpoint(lambda c, x: (tg.sin(c * a + x), c * x))
    c, ys = tg.scan(body, 0.3, XS)
    return c + tg.sum(ys)


def checkpoint_in_scan_ref(a):
    c, total = 0.3, 0.0
    for x in XS:
        total += c * x
        c = math.sin(c * a + x)
    return c + total


def nested_checkpoint_in_fori(a):
    inner = tg.checkpoint(lambda y: tg.sin(y) * a)
    outer = tg.checkpoint(lambda y: inner(inner(y)) + y * 0.5)
    return tg.fori_loop(0, 3, lambda i, c: outer(c), 0.8)


def nested_checkpoint_in_fori_ref(a):
    c = 0.8
    for _ in range(3):
        c = math.sin(math.sin(c) * a) * a + c * 0.5
    return c


def dict_state_empty_tuple(a):     # JAX testForiLoopDictState / EmptyTupleInState
    s = tg.fori_loop(0, 3, lambda i, s: {"n": s["n"] + i, "x": (s["x"][0] * a + 1.0, ()),
                                         "none": None}, {"n": 0, "x": (0.5, ()), "none": None})
    return s["x"][0] + s["n"]


def dict_state_empty_tuple_ref(a):
    n, x = 0, 0.5
    for i in range(3):
        n, x = n + i, x * a + 1.0
    return x + n


PROGRAMS = {f.__name__: (f, r) for f, r in [
    (scan_dict_xs, scan_dict_xs_ref), (scan_tuple_xs_reverse, scan_tuple_xs_reverse_ref),
    (scan_length_only, scan_length_only_ref), (scan_in_while, scan_in_while_ref),
    (while_in_scan, while_in_scan_ref), (fori_nested_closure, fori_nested_closure_ref),
    (checkpoint_in_scan, checkpoint_in_scan_ref),
    (nested_checkpoint_in_fori, nested_checkpoint_in_fori_ref),
    (dict_state_empty_tuple, dict_state_empty_tuple_ref)]}
CASES = pytest.mark.parametrize("f, ref", PROGRAMS.values(), ids=PROGRAMS.keys())
A = np.array([0.7, -0.4, 1.3])


@CASES
def test_eager_equals_python_and_jit_equals_eager_bit_for_bit(f, ref):
    for a in A:
        assert f(a) == pytest.approx(ref(a), rel=1e-13)
        assert tg.jit(f)(a) == f(a)


@CASES
def test_grad_and_jvp_equal_central_differences(f, ref):
    for a in A:
        g = tg.grad(f)(a)
        assert g == pytest.approx(central(ref, a), rel=1e-6, abs=1e-8)
        assert tg.jvp(f, (a,), (1.0,))[1] == pytest.approx(g, rel=1e-12, abs=1e-14)
        assert tg.jacfwd(f)(a) == pytest.approx(g, rel=1e-12, abs=1e-14)


@CASES
def test_second_derivatives_in_every_mode(f, ref):
    a = A[0]
    g = tg.grad(f)
    want = central(g, a)
    assert tg.grad(g)(a) == pytest.approx(want, rel=1e-6, abs=1e-8)
    assert tg.hessian(f)(a) == pytest.approx(want, rel=1e-6, abs=1e-8)
    assert tg.jacfwd(g)(a) == pytest.approx(tg.grad(g)(a), rel=1e-11, abs=1e-13)
    assert tg.jit(tg.grad(g))(a) == tg.grad(g)(a)


@CASES
def test_vmap_and_its_compositions_equal_a_python_loop(f, ref):
    g = tg.grad(f)
    np.testing.assert_allclose(tg.vmap(f)(A), [f(a) for a in A], rtol=1e-14)
    np.testing.assert_allclose(tg.vmap(g)(A), [g(a) for a in A], rtol=1e-13)
    np.testing.assert_array_equal(tg.jit(tg.vmap(g))(A), tg.vmap(g)(A))
    np.testing.assert_allclose(tg.vmap(tg.jit(f))(A), [f(a) for a in A], rtol=1e-14)
    np.testing.assert_allclose(tg.vmap(tg.jit(g))(A), [g(a) for a in A], rtol=1e-13)
    gg = tg.grad(g)
    np.testing.assert_allclose(tg.vmap(gg)(A), [gg(a) for a in A], rtol=1e-12)


@CASES
def test_grad_through_jit_equals_jit_through_grad(f, ref):
    for a in A:
        assert tg.grad(tg.jit(f))(a) == tg.jit(tg.grad(f))(a) == tg.grad(f)(a)


def test_loops_over_an_outer_traced_array_under_vmap_with_any_axes():
    W = np.array([[0.5, -0.2], [0.1, 0.3]])

    def f(W, x):
        return tg.sum(tg.fori_loop(0, 3, lambda i, h: tg.tanh(W @ h + x), x))
    xs = np.array([[1.0, 0.0], [0.2, -0.7], [0.0, 1.0]])
    np.testing.assert_allclose(tg.vmap(f, in_axes=(None, 0))(W, xs), [f(W, x) for x in xs],
                               rtol=1e-15)
    Ws = np.stack([W, W.T, 2 * W])
    np.testing.assert_allclose(tg.vmap(f, in_axes=(0, None))(Ws, xs[1]),
                               [f(w, xs[1]) for w in Ws], rtol=1e-15)
    gW = tg.grad(lambda W: tg.sum(tg.vmap(f, in_axes=(None, 0))(W, xs)))
    want = sum(tg.grad(f)(W, x) for x in xs)
    np.testing.assert_allclose(gW(W), want, rtol=1e-13)
    np.testing.assert_array_equal(tg.jit(gW)(W), gW(W))


def test_loop_bodies_closing_over_values_of_two_transform_levels():
    """The body reads x (the inner transform's) and a (the outer one's)."""
    ys = np.array([1.0, 2.0, 3.0])

    def f(x, a):
        return tg.scan(lambda c, y: (c * tg.sin(x * y) + a, c), 0.5, ys)[0]

    def ref(x, a):
        c = 0.5
        for y in ys:
            c = c * math.sin(x * y) + a
        return c
    dxda = central(lambda a: central(lambda x: ref(x, a), 0.7), 1.3)
    assert tg.grad(lambda a: tg.grad(f)(0.7, a))(1.3) == pytest.approx(dxda, rel=1e-5)
    assert tg.jvp(lambda a: tg.grad(f)(0.7, a), (1.3,), (1.0,))[1] == \
        pytest.approx(tg.grad(lambda a: tg.grad(f)(0.7, a))(1.3), rel=1e-12)
    A2 = np.array([1.3, 0.2])
    np.testing.assert_allclose(tg.vmap(lambda a: tg.grad(f)(0.7, a))(A2),
                               [tg.grad(f)(0.7, a) for a in A2], rtol=1e-14)
    g = tg.grad(lambda x: tg.sum(tg.vmap(lambda a: f(x, a))(A2)))
    assert g(0.7) == pytest.approx(sum(tg.grad(f)(0.7, a) for a in A2), rel=1e-13)
    assert tg.jit(g)(0.7) == g(0.7)

    def w(x, lim):      # the cond closes over a batched limit, the body over x
        return tg.while_loop(lambda c: c[1] < lim,
                             lambda c: (c[0] * tg.cos(x) + x, c[1] + 1.0), (x, 0.0))[0]
    lims = np.array([1.0, 3.0, 5.0])
    jac = tg.jacfwd(lambda x: tg.vmap(lambda lim: w(x, lim))(lims))(0.4)
    np.testing.assert_allclose(jac, [tg.grad(w)(0.4, lim) for lim in lims], rtol=1e-13)
    np.testing.assert_array_equal(tg.jit(tg.vmap(tg.grad(w), in_axes=(None, 0)))(0.4, lims),
                                  tg.vmap(tg.grad(w), in_axes=(None, 0))(0.4, lims))
    vv = tg.vmap(tg.vmap(tg.grad(w), in_axes=(None, 0)), in_axes=(0, None))
    xs = np.array([0.4, 0.1])
    np.testing.assert_allclose(vv(xs, lims), [[tg.grad(w)(x, lim) for lim in lims] for x in xs],
                               rtol=1e-13)


def test_float32_stays_float32_through_jvp_of_scan_and_vmap_of_it():
    ys = np.arange(1.0, 4.0, dtype=np.float32)
    f = lambda x: tg.scan(lambda c, y: (c * y + tg.sin(c), c), x, ys)[0]
    out, tan = tg.jvp(f, (np.float32(0.5),), (np.float32(1.0),))
    assert out.dtype == tan.dtype == np.float32
    assert tan == pytest.approx(tg.grad(f)(np.float32(0.5)), rel=1e-6)   # float32 rounding
    xb = np.array([0.5, -1.0], dtype=np.float32)
    vt = tg.vmap(lambda x: tg.jvp(f, (x,), (np.float32(1.0),))[1])(xb)
    assert vt.dtype == np.float32
    np.testing.assert_allclose(vt, [tg.grad(f)(x) for x in xb], rtol=1e-6)


# ------------------------------------------------------------------- errors

def _scan(body, init):
    return lambda: tg.scan(lambda c, x: (body(c), None), init, XS)


def _while(body, init):
    return lambda: tg.while_loop(lambda c: False, body, init)


def _fori(body, init):
    return lambda: tg.fori_loop(0, 2, lambda i, c: body(c), init)


LOOPS = {"tg.scan": (_scan, "f"), "tg.while_loop": (_while, "body_fun"),
         "tg.fori_loop": (_fori, "body_fun")}
MISTAKES = {
    "structure": (lambda c: {"a": c["a"], "b": (c["b"], 1.0)},
                  r"{name} must return a carry of the same structure.*first difference at "
                  r"{name}\['b'\]"),
    "dtype": (lambda c: {"a": c["a"], "b": c["b"].astype(np.float32)},
              r"{name} carry input and carry output must have equal types.*"
              r"carry\['b'\] has type float64\[2\].*float32\[2\], so the dtypes do not "
              r"match\. Cast it \(e\.g\. \.astype\)"),
    "shape": (lambda c: {"a": c["a"], "b": c["b"][None]},
              r"{name} carry input and carry output must have equal types.*"
              r"carry\['b'\] has type float64\[2\].*float64\[1,2\], so the shapes do not "
              r"match\. Reshape or broadcast it"),
}


@pytest.mark.parametrize("loop", LOOPS, ids=LOOPS.keys())
@pytest.mark.parametrize("mistake", MISTAKES, ids=MISTAKES.keys())
def test_a_carry_that_changes_is_named_with_its_path_and_fix(loop, mistake):
    make, name = LOOPS[loop]
    body, pattern = MISTAKES[mistake]
    init = {"a": 0.5, "b": np.zeros(2)}
    for transform in (lambda g: g(), lambda g: tg.jit(lambda: g())()):
        with pytest.raises(TypeError, match=re_escape(loop) + ": " + pattern.format(name=name)):
            transform(make(body, init))
    assert tg.grad(lambda a: tg.fori_loop(0, 2, lambda i, c: c * a, 1.0))(3.0) == 6.0


def re_escape(s):
    return s.replace(".", r"\.")


def test_xs_and_length_mistakes_say_what_to_pass():
    with pytest.raises(ValueError, match=r"leading axes of xs \(and length\) must agree, "
                                         r"got \[3, 4\]"):
        tg.scan(lambda c, x: (c, None), 0.0, (XS, np.zeros(4)))
    with pytest.raises(ValueError, match=r"with xs=None, give length=n"):
        tg.scan(lambda c, x: (c, None), 0.0, None)
    f = lambda n, a: tg.scan(lambda c, _: (c * a, c), 1.0, None, length=n)[0]
    with pytest.raises(TypeError, match=r"tg.scan: length must be an int known when tracing.*"
                                        r"static_argnums"):
        tg.jit(f)(3, 2.0)           # was: "int() of a traced value would drop its derivative"
    assert tg.jit(f, static_argnums=0)(3, 2.0) == f(3, 2.0) == 8.0
    with pytest.raises(TypeError, match=r"f must return a pair \(carry, y\)"):
        tg.scan(lambda c, x: c, 0.0, XS)
    with pytest.raises(TypeError, match=r"cond_fun must return one boolean scalar"):
        tg.while_loop(lambda c: c, lambda c: c, np.zeros(2))
