"""JAX's lax control-flow cases for ``tg.fori_loop``, ``tg.while_loop``, ``tg.scan``.

Each case is a function of one float array ``w`` built on a loop primitive,
with the same program written as a plain Python loop beside it. Every case
is checked the same way: the eager value against the Python loop, ``jit``
against eager bit for bit (type and dtype too), ``grad`` against the Python
loop's gradient and central differences, ``jvp``, ``vmap`` against a loop
over examples, and the compositions ``jit(grad)``, ``grad(jit)``,
``vmap(grad)``, ``jit(vmap)``, ``grad(grad)`` and ``jvp(grad)``.
The cases follow tests/lax_control_flow_test.py of JAX, in our own words.
"""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg


def same(a, b):
    """Bit for bit, leaf by leaf, with the same types and dtypes."""
    la, lb = tg.tree.leaves(a), tg.tree.leaves(b)
    assert tg.tree.structure(a) == tg.tree.structure(b)
    for x, y in zip(la, lb):
        assert type(x) is type(y), (x, y)
        assert np.asarray(x).dtype == np.asarray(y).dtype, (x, y)
        np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


def close(a, b, rtol=1e-9, atol=1e-12):
    for x, y in zip(tg.tree.leaves(a), tg.tree.leaves(b)):
        np.testing.assert_allclose(np.asarray(x, float), np.asarray(y, float),
                                   rtol=rtol, atol=atol)


def central(f, w, h=1e-6):
    """The gradient of a scalar ``f`` at the array ``w`` by central differences."""
    g = np.zeros_like(w)
    for k in np.ndindex(w.shape):
        e = np.zeros_like(w)
        e[k] = h
        g[k] = (f(w + e) - f(w - e)) / (2 * h)
    return g


# ----------------------------------------------------------------- the cases
A = np.array([[0.5, -0.3], [0.2, 0.4]])
XS = np.array([0.3, -0.7, 1.1, 0.25, -0.4])


def fori_pytree(w):
    def body(i, s):
        return {"a": s["a"] * 0.9 + w[0] * i, "b": (tg.sin(s["b"][0] + s["a"]), s["b"][1] + 1)}
    out = tg.fori_loop(0, 4, body, {"a": w[1], "b": (w[0], 0)})
    return out["a"] + out["b"][0] * out["b"][1]


def fori_pytree_ref(w):
    s = {"a": w[1], "b": (w[0], 0)}
    for i in range(0, 4):
        s = {"a": s["a"] * 0.9 + w[0] * i, "b": (tg.sin(s["b"][0] + s["a"]), s["b"][1] + 1)}
    return s["a"] + s["b"][0] * s["b"][1]


def fori_bounds(lo, hi):
    def f(w):
        return tg.fori_loop(lo, hi, lambda i, c: c * w[0] + tg.cos(w[1] * i), w[1])

    def ref(w):
        c = w[1]
        for i in range(lo, hi):
            c = c * w[0] + tg.cos(w[1] * i)
        return c
    f.__name__ = ref.__name__ = f"fori_{lo}_{hi}".replace("-", "m")
    return f, ref


def fori_closure_array(w):
    v = tg.tanh(A @ w)
    return tg.sum(tg.fori_loop(1, 4, lambda i, c: A @ c + v / i, w) ** 2)


def fori_closure_array_ref(w):
    v, c = tg.tanh(A @ w), w
    for i in range(1, 4):
        c = A @ c + v / i
    return tg.sum(c ** 2)


def while_tuple(w):
    def body(s):
        i, x, y = s
        return i + 1, x * w[0] + y, tg.sin(y) + w[1]
    return tg.while_loop(lambda s: s[0] < 5, body, (0, w[0], w[1]))[1]


def while_tuple_ref(w):
    i, x, y = 0, w[0], w[1]
    while i < 5:
        i, x, y = i + 1, x * w[0] + y, tg.sin(y) + w[1]
    return x


def while_dict_cond_on_carry(w):
    """The trip count depends on the carry's value (and so on ``w``)."""
    def body(d):
        return {"x": d["x"] * 1.5 + w[1] ** 2, "n": d["n"] + 1}
    out = tg.while_loop(lambda d: d["x"] < 20.0, body, {"x": tg.abs(w[0]) + 0.1, "n": 0})
    return out["x"] * w[1]


def while_dict_cond_on_carry_ref(w):
    d = {"x": tg.abs(w[0]) + 0.1, "n": 0}
    while d["x"] < 20.0:
        d = {"x": d["x"] * 1.5 + w[1] ** 2, "n": d["n"] + 1}
    return d["x"] * w[1]


def while_zero_trips(w):
    return tg.while_loop(lambda x: x > 1e9, lambda x: x * 2.0, w[0] * w[1]) + w[1]


def while_zero_trips_ref(w):
    x = w[0] * w[1]
    while x > 1e9:
        x = x * 2.0
    return x + w[1]


def scan_no_xs(w):
    c, ys = tg.scan(lambda c, _: (c * w[0] + 1.0, tg.sin(c)), w[1], None, length=4)
    return c + tg.sum(ys * ys)


def scan_no_xs_ref(w):
    c, ys = w[1], []
    for _ in range(4):
        c, y = c * w[0] + 1.0, tg.sin(c)
        ys.append(y)
    return c + tg.sum(tg.stack(ys) ** 2)


def scan_reverse(w):
    c, ys = tg.scan(lambda c, x: (c * w[0] + x, c * x), w[1], XS, reverse=True)
    return c + tg.sum(ys * np.arange(1.0, 6.0))


def scan_reverse_ref(w):
    c, ys = w[1], [None] * len(XS)
    for i in reversed(range(len(XS))):
        c, ys[i] = c * w[0] + XS[i], c * XS[i]
    return c + tg.sum(tg.stack(ys) * np.arange(1.0, 6.0))


def scan_pytree(w):
    xs = {"u": XS, "v": (np.outer(XS, [1.0, -1.0]),)}

    def f(c, x):
        h, k = c
        h = tg.tanh(h * w[0] + x["u"])
        k = k + x["v"][0] * h
        return (h, k), {"h": h, "pair": (k, h * h)}
    (h, k), ys = tg.scan(f, (w[1], np.zeros(2)), xs)
    return h + tg.sum(k) + tg.sum(ys["pair"][0]) + tg.sum(ys["pair"][1] * ys["h"])


def scan_pytree_ref(w):
    h, k, out = w[1], np.zeros(2), 0.0
    for i in range(len(XS)):
        h = tg.tanh(h * w[0] + XS[i])
        k = k + np.outer(XS, [1.0, -1.0])[i] * h
        out = out + tg.sum(k) + h * h * h
    return h + tg.sum(k) + out


def scan_of_scan(w):
    def outer(c, row):
        c2, ys = tg.scan(lambda a, x: (a * w[0] + x * c, a), c, row)
        return c2 * 0.5, tg.sum(ys)
    c, ys = tg.scan(outer, w[1], XS.reshape(1, 5).repeat(2, 0) * [[1.0], [0.5]])
    return c + tg.sum(ys)


def scan_of_scan_ref(w):
    c, tot = w[1], 0.0
    for row in XS.reshape(1, 5).repeat(2, 0) * [[1.0], [0.5]]:
        a, s = c, 0.0
        for x in row:
            a, s = a * w[0] + x * c, s + a
        c, tot = a * 0.5, tot + s
    return c + tot


def rnn(w):
    W = A * w[0]

    def step(h, x):
        h = tg.tanh(W @ h + x * w[1])
        return h, tg.sum(h)
    h, ys = tg.scan(step, np.array([0.1, -0.2]), XS)
    return tg.sum(h * h) + tg.sum(ys)


def rnn_ref(w):
    W, h, tot = A * w[0], np.array([0.1, -0.2]), 0.0
    for x in XS:
        h = tg.tanh(W @ h + x * w[1])
        tot = tot + tg.sum(h)
    return tg.sum(h * h) + tot


def cumsum(w):
    _, ys = tg.scan(lambda c, x: (c + x * w[0], c + x * w[0]), w[1], XS)
    return tg.sum(ys * ys)


def cumsum_ref(w):
    return tg.sum((w[1] + tg.cumsum(XS * w[0])) ** 2)


def nested(w):
    """A fori_loop in a scan in a while_loop."""
    def scan_step(c, x):
        return tg.fori_loop(0, 2, lambda i, a: a * w[0] + x * i, c), c

    def body(s):
        n, c = s
        c, ys = tg.scan(scan_step, c, XS[:3])
        return n + 1, c + 0.1 * tg.sum(ys)
    return tg.while_loop(lambda s: s[0] < 2, body, (0, w[1]))[1]


def nested_ref(w):
    c = w[1]
    for _ in range(2):
        ys = []
        for x in XS[:3]:
            ys.append(c)
            for i in range(2):
                c = c * w[0] + x * i
        c = c + 0.1 * tg.sum(tg.stack(ys))
    return c


CASES = [
    (fori_pytree, fori_pytree_ref),
    fori_bounds(0, 3), fori_bounds(3, 3), fori_bounds(2, 3), fori_bounds(5, 2),
    fori_bounds(-3, 1), fori_bounds(-4, -2),
    (fori_closure_array, fori_closure_array_ref),
    (while_tuple, while_tuple_ref),
    (while_dict_cond_on_carry, while_dict_cond_on_carry_ref),
    (while_zero_trips, while_zero_trips_ref),
    (scan_no_xs, scan_no_xs_ref),
    (scan_reverse, scan_reverse_ref),
    (scan_pytree, scan_pytree_ref),
    (scan_of_scan, scan_of_scan_ref),
    (rnn, rnn_ref),
    (cumsum, cumsum_ref),
    (nested, nested_ref),
]
IDS = [f.__name__ for f, _ in CASES]
W = np.array([0.7, 0.4])
WS = np.array([[0.7, 0.4], [-0.6, 0.9], [0.95, -0.3]])


@pytest.mark.parametrize("f, ref", CASES, ids=IDS)
def test_eager_equals_the_python_loop_and_jit_equals_eager_bit_for_bit(f, ref):
    close(f(W), ref(W), rtol=1e-13)
    same(tg.jit(f)(W), f(W))
    same(tg.jit(f)(W * 1.1), f(W * 1.1))


@pytest.mark.parametrize("f, ref", CASES, ids=IDS)
def test_grad_equals_the_python_loops_and_central_differences(f, ref):
    g = tg.grad(f)(W)
    close(g, tg.grad(ref)(W))
    close(g, central(f, W), rtol=1e-6, atol=1e-8)
    v, g2 = tg.value_and_grad(f)(W)
    assert float(v) == float(f(W))
    same(g2, g)


@pytest.mark.parametrize("f, ref", CASES, ids=IDS)
def test_jvp_equals_the_gradient_along_the_tangent(f, ref):
    t = np.array([0.3, -1.2])
    out, dout = tg.jvp(f, (W,), (t,))
    close(out, f(W), rtol=1e-14)
    close(dout, np.dot(tg.grad(ref)(W), t))


@pytest.mark.parametrize("f, ref", CASES, ids=IDS)
def test_vmap_equals_a_loop_over_examples(f, ref):
    close(tg.vmap(f)(WS), np.array([f(w) for w in WS]), rtol=1e-14)
    close(tg.vmap(tg.grad(f))(WS), np.array([tg.grad(f)(w) for w in WS]), rtol=1e-13)
    same(tg.jit(tg.vmap(f))(WS), tg.vmap(f)(WS))


@pytest.mark.parametrize("f, ref", CASES, ids=IDS)
def test_compositions_of_jit_with_grad_equal_eager(f, ref):
    g = tg.grad(f)(W)
    same(tg.jit(tg.grad(f))(W), g)
    same(tg.grad(tg.jit(f))(W), g)


@pytest.mark.parametrize("f, ref", CASES, ids=IDS)
def test_second_derivatives_equal_the_python_loops(f, ref):
    t = np.array([0.3, -1.2])
    h = tg.hessian(f)(W)
    close(h, tg.hessian(ref)(W), rtol=1e-8, atol=1e-10)
    close(tg.grad(lambda w: tg.grad(f)(w)[0])(W), h[0], rtol=1e-12, atol=1e-14)
    _, hv = tg.jvp(tg.grad(f), (W,), (t,))
    close(hv, h @ t, rtol=1e-8, atol=1e-10)


# ------------------------------------------------------ integers and dtypes
def test_integers_beyond_what_a_float64_holds_are_refused_not_changed():
    """A loop carries float64 slots: 2**53 + 1 would come back as 2**53."""
    big = np.int64(2 ** 53)
    assert tg.fori_loop(0, 3, lambda i, c: c + 1, big - 10) == big - 7
    with pytest.raises(OverflowError, match="2\\*\\*53"):
        tg.fori_loop(0, 1, lambda i, c: c + 1, big)
    grow = lambda x: tg.fori_loop(0, 2, lambda i, c: (c[0] * 10 ** 5, c[1] * x),  # noqa: E731
                                  (np.int64(10 ** 7), x))
    for run in (grow, tg.jit(grow)):
        with pytest.raises(OverflowError, match="too large for a loop"):
            run(2.0)
    with pytest.raises(OverflowError, match="too large for a loop"):
        tg.vmap(grow)(np.array([2.0, 3.0]))
    with pytest.raises(OverflowError, match="too large for a loop"):
        tg.scan(lambda c, k: (c, k + 1), 1.0, np.array([2 ** 53 + 2, 1]))


@pytest.mark.parametrize("start", [2 ** 53 + 1, 2 ** 53 - 1], ids=["given", "reached"])
def test_vmap_refuses_an_example_whose_integer_a_float64_cannot_hold(start):
    """The first example is small (vmap traces at it); the second must not be rounded."""
    def count(n, x):
        return tg.while_loop(lambda c: c[1] < 10.0, lambda c: (c[0] + 1, c[1] * x), (n, x))
    ns, xs = np.array([1, start]), np.array([2.0, 3.0])
    with pytest.raises(OverflowError, match="too large for a loop"):
        tg.vmap(count)(ns, xs)
    with pytest.raises(OverflowError, match="too large for a loop"):
        tg.vmap(lambda n, x: tg.fori_loop(0, 2, lambda i, c: (c[0] + 1, c[1] * x),
                                          (n, x)))(ns, xs)
    small = np.array([1, 2 ** 53 - 3])
    same(tg.vmap(count)(small, xs), tg.tree.map(lambda *a: np.stack(a),
                                                 *[count(n, x) for n, x in zip(small, xs)]))


@pytest.mark.parametrize("dtype", [np.int32, np.int16, np.uint8])
def test_numpy_integer_bounds_give_the_index_their_dtype(dtype):
    """As in JAX: an int32 carry plus an int32 index stays int32 (eager, jit, vmap)."""
    def f(c):
        return tg.fori_loop(dtype(1), dtype(4), lambda i, c: c * 2 + i, c)

    def ref(c):
        for i in range(1, 4):
            c = c * 2 + dtype(i)
        return c
    same(f(dtype(3)), ref(dtype(3)))
    same(tg.jit(f)(dtype(3)), ref(dtype(3)))
    xs = np.array([1, 2, 5], dtype)
    same(tg.vmap(f)(xs), np.array([ref(x) for x in xs]))


def test_a_narrow_integer_bound_too_small_for_the_range_gives_an_int64_index():
    total = tg.fori_loop(np.int8(0), 200, lambda i, c: c + i, 0.0)
    assert total == float(sum(range(200)))


@pytest.mark.parametrize("init", [np.float32(1.5), np.zeros(2, np.float32), np.int32(3)],
                         ids=["float32", "float32 array", "int32"])
def test_a_carry_promoted_by_the_int64_index_names_fori_loop_and_the_cast(init):
    with pytest.raises(TypeError, match=r"tg\.fori_loop: body_fun .* cast the index, e\.g\. "
                                        r"i\.astype\(np\.(float|int)32\)"):
        tg.fori_loop(0, 3, lambda i, c: c + i, init)
    fixed = tg.fori_loop(0, 3, lambda i, c: c + i.astype(init.dtype), init)
    same(fixed, init + init.dtype.type(3))


def test_a_fori_loop_body_returning_another_structure_names_fori_loop():
    with pytest.raises(TypeError, match="tg.fori_loop: body_fun must return a carry"):
        tg.fori_loop(0, 3, lambda i, c: (c, c), 0.0)


# -------------------------------------------- Python int arguments of jit
def count_from(init, limit, inc):
    """JAX's while-with-closure case: the carry counts from ``init`` by ``inc``."""
    return tg.while_loop(lambda s: s[0] < limit, lambda s: (s[0] + 1, s[1] + inc),
                         (init, 0))[1]


def test_jit_of_a_loop_on_numpy_int_arguments_equals_eager():
    for init in (2, 3, 12):
        want = count_from(init, 10, 1)
        same(tg.jit(count_from)(np.int64(init), 10, np.int64(1)), want)
        same(tg.jit(count_from, static_argnums=2)(init, 10, 1), want)


def test_an_int_carry_made_float_by_a_jit_int_argument_names_the_fix():
    # inc // 2 is an int in eager, and under jit (+ - *, ** k, // k and % k of a positive
    # k keep a Python int argument's values ints); inc // -2 is one that jit leaves a float
    def count_halves(init, limit, inc, by=2):
        return tg.while_loop(lambda s: s[0] < limit, lambda s: (s[0] + 1, s[1] + inc // by),
                             (init, 0))[1]
    assert count_halves(2, 10, 4) == 16
    same(tg.jit(count_halves, static_argnums=3)(2, 10, 4, 2), count_halves(2, 10, 4))
    assert count_halves(2, 10, 4, -2) == -16
    with pytest.raises(TypeError, match=r"carry\[1\] .* Python int argument is traced as a "
                                        r"float.*np\.int64\(n\).*static_argnums"):
        tg.jit(count_halves, static_argnums=3)(2, 10, 4, -2)


def test_jit_of_a_loop_on_python_int_arguments_equals_eager():
    for init, inc in ((2, 1), (-3, 7), (0, -2)):
        same(tg.jit(count_from)(init, 10, inc), count_from(init, 10, inc))
        same(tg.make_tape(count_from)(1, 10, 1)(init, 10, inc), count_from(init, 10, inc))
    both = lambda init, limit, inc: count_from(init - 1, limit, inc * 3 - init)   # noqa: E731
    same(tg.jit(both)(2, 10, 1), both(2, 10, 1))


# A body closing over a Python int argument: + - * of it and an int carry is an
# np.int64 in eager, and so under jit (fori_loop with Python int bounds is a scan)
CLOSED_INTS = {
    "fori_loop": lambda k, x: tg.fori_loop(0, 4, lambda i, c: (c[0] * k - i, c[1] * x + k), (1, x)),
    "scan": lambda k, x: tg.scan(lambda c, y: ((c[0] + k * 2, c[1] * y), c[0] - k), (3, x),
                                 np.array([0.5, -1.5, 2.0])),
    "while_loop": lambda k, x: tg.while_loop(lambda c: c[0] < 50, lambda c: (c[0] + k, c[1] * x),
                                             (-k, x)),
}


@pytest.mark.parametrize("name", sorted(CLOSED_INTS))
def test_a_loop_closing_over_a_python_int_argument_keeps_its_int_carry_under_jit(name):
    f = CLOSED_INTS[name]
    for k in (3, -2, 5):
        if name == "while_loop" and k < 1:
            continue
        want = f(k, 1.25)
        assert type(tg.tree.leaves(want)[0]) is np.int64          # eager's premise
        same(tg.jit(f)(k, 1.25), want)
        same(tg.jit(tg.value_and_grad(lambda x, k: tg.tree.leaves(f(k, x))[1], 0))(1.25, k),
             tg.value_and_grad(lambda x: tg.tree.leaves(f(k, x))[1])(1.25))


def test_jit_of_a_loop_carrying_a_python_int_argument_keeps_its_type():
    def halve(n):
        return tg.while_loop(lambda c: c > 1, lambda c: c // 2, n)
    same(tg.jit(halve)(100), halve(100))


# A Python int argument that is a loop's carry is an np.int64 there in eager
# (the loops keep ints so); under jit, make_tape and vmap it is too.
INT_CARRIES = {
    "while_loop": lambda n, x: tg.while_loop(lambda c: c[0] > 1,
                                             lambda c: (c[0] // 2, c[1] * x), (n, x)),
    "fori_loop": lambda n, x: tg.fori_loop(0, 3, lambda i, c: (c[0] * 3 - i, c[1] + x * c[1]),
                                           (n, x)),
    "scan": lambda n, x: tg.scan(lambda c, y: ((c[0] + 1, c[1] * y), c[0] * 2),
                                 (n, x), np.array([0.5, -1.5, 2.0]))[0],
}


@pytest.mark.parametrize("name", sorted(INT_CARRIES))
def test_a_python_int_argument_carried_by_a_loop_is_eagers_int64_under_every_transform(name):
    f = INT_CARRIES[name]
    for n in (100, 7):
        want = f(n, 1.25)
        assert type(tg.tree.leaves(want)[0]) is np.int64          # eager's premise
        same(tg.jit(f)(n, 1.25), want)
        same(tg.make_tape(f)(n + 1, 0.5)(n, 1.25), want)
        same(tg.vmap(f, (None, 0))(n, np.array([1.25, 0.5])),
             tg.tree.map(lambda *c: np.stack(c), f(n, 1.25), f(n, 0.5)))
        g = tg.grad(lambda x: f(n, x)[1])(1.25)                  # n data, x differentiated
        close(g, (f(n, 1.25 + 1e-6)[1] - f(n, 1.25 - 1e-6)[1]) / 2e-6, rtol=1e-6)
        same(tg.jit(tg.grad(lambda x, n: f(n, x)[1]))(1.25, n), g)


# ----------------------------------------------------------- tg.checkpoint
def remat_scan(ck, reverse=False):
    def f(w):
        step = lambda c, x: (tg.tanh(c * w[0] + x * w[1]), c * x)  # noqa: E731
        c, ys = tg.scan(tg.checkpoint(step) if ck else step, w[1], np.linspace(-1, 1, 30),
                        reverse=reverse)
        return c + tg.sum(ys ** 2)
    return f


def remat_fori(ck):
    def f(w):
        body = lambda i, c: (tg.sin(c[0] * w[0] + i), c[1] + c[0] * w[1])  # noqa: E731
        return sum(tg.fori_loop(0, 12, tg.checkpoint(body) if ck else body, (w[1], 0.0)))
    return f


@pytest.mark.parametrize("make", [remat_scan, lambda ck: remat_scan(ck, True), remat_fori],
                         ids=["scan", "reverse scan", "fori_loop"])
def test_checkpoint_in_a_loop_body_gives_the_same_derivatives(make):
    f, plain = make(True), make(False)
    t = np.array([0.3, -1.2])
    same(tg.grad(f)(W), tg.grad(plain)(W))
    same(tg.jit(tg.grad(f))(W), tg.grad(plain)(W))
    same(tg.grad(tg.jit(f))(W), tg.grad(plain)(W))
    same(tg.vmap(tg.grad(f))(WS), tg.vmap(tg.grad(plain))(WS))
    same(tg.jvp(tg.grad(f), (W,), (t,)), tg.jvp(tg.grad(plain), (W,), (t,)))
    same(tg.hessian(f)(W), tg.hessian(plain)(W))
    close(tg.grad(f)(W), central(plain, W), rtol=1e-6, atol=1e-8)


def test_checkpoint_passes_arguments_that_are_no_numbers_through():
    """As JAX's static arguments: a str chooses the code, it is not traced."""
    def f(x, mode):
        return x * x if mode == "square" else x
    g = tg.checkpoint(f)
    assert tg.grad(g)(1.5, "square") == tg.grad(f)(1.5, "square") == 3.0
    assert tg.grad(g)(1.5, "id") == 1.0
    assert tg.jit(tg.grad(g), static_argnums=1)(1.5, "square") == 3.0


def test_checkpoint_returns_a_constant_output_as_eager_does():
    g = tg.checkpoint(lambda x: (x * 2.0, 3, np.int32(4)))
    same(tg.jit(g)(1.5), g(1.5))
    assert tg.grad(lambda x: g(x)[0] * g(x)[1])(1.5) == 6.0


def test_a_branch_in_a_checkpointed_function_is_refused_naming_checkpoint():
    g = tg.checkpoint(lambda x: x * 2.0 if x > 0 else -x)
    with pytest.raises(TypeError, match="checkpoint: the checkpointed function branches on a "
                                        "traced value.*backward pass.*tg.where"):
        tg.grad(g)(1.0)


# ------------------------------------------------------ a batch of size 0
def never_stops_at_one(a):
    """At a = 1 (vmap's stand-in example for an empty batch) this loop would never stop."""
    return tg.while_loop(lambda c: c < 10.0, lambda c: c * a, 1.0)


@pytest.mark.parametrize("f, ref", CASES + [(lambda w: never_stops_at_one(w[0]), None)],
                         ids=IDS + ["never_stops_at_one"])
def test_vmap_of_an_empty_batch_gives_empty_results(f, ref):
    empty = np.zeros((0, 2))
    for run, shape in [(tg.vmap(f), (0,)), (tg.vmap(tg.grad(f)), (0, 2)),
                       (tg.jit(tg.vmap(f)), (0,)), (tg.vmap(tg.jit(f)), (0,)),
                       (tg.vmap(tg.hessian(f)), (0, 2, 2))]:
        out = run(empty)
        assert out.shape == shape and out.dtype == np.float64


def test_vmap_of_an_empty_batch_through_a_pytree_carry_and_ys():
    def f(a):
        c, ys = tg.scan(lambda c, x: ((c[0] + 1, c[1] * a + x), {"y": c[1], "z": np.ones(2) * x}),
                        (0, a), np.arange(3.0))
        return tg.fori_loop(0, 2, lambda i, c: (c[0] + i, c[1] * a), c), ys
    (n, c), ys = tg.vmap(f)(np.zeros(0))
    assert n.shape == c.shape == (0,) and n.dtype == np.int64
    assert ys["y"].shape == (0, 3) and ys["z"].shape == (0, 3, 2)


# --------------------------------------------------------------- weak types
X32 = np.array([0.5, 1.5, -0.3, 2.5], np.float32)


def reset_scan(c0):
    """The body returns a Python float for a float32 carry (weak, as in NumPy and JAX)."""
    return tg.scan(lambda c, x: (0.0, c * x), c0, X32)


def reset_scan_ref(c0):
    c, ys = c0, []
    for x in X32:
        c, y = np.float32(0.0), c * x
        ys.append(y)
    return c, np.array(ys)


def test_a_python_number_returned_for_a_numpy_scalar_carry_takes_its_dtype():
    c0 = np.float32(2.0)
    same(reset_scan(c0), reset_scan_ref(c0))
    same(tg.jit(reset_scan)(c0), reset_scan(c0))
    cs = np.array([2.0, -3.0], np.float32)
    same(tg.vmap(reset_scan)(cs), tg.tree.map(lambda *a: np.stack(a),
                                              *[reset_scan(c) for c in cs]))
    g = tg.grad(lambda c: tg.sum(reset_scan(c)[1]))(c0)
    same(g, np.float32(0.5))
    same(tg.while_loop(lambda c: c > 1, lambda c: 0, np.int32(5)), np.int32(0))
    same(tg.fori_loop(0, 3, lambda i, c: 7, np.int32(5)), np.int32(7))
    xs = np.arange(5, dtype=np.float32)
    same(tg.vmap(lambda x: tg.while_loop(lambda c: c > 1, lambda c: 0.0, x))(xs),
         np.array([0.0, 1.0, 0.0, 0.0, 0.0], np.float32))


def test_a_traced_python_float_returned_for_a_float32_carry_takes_its_dtype():
    def f(a):
        return tg.scan(lambda c, x: (a, c * x), np.float32(1.0), X32)
    same(f(2.0), (np.float32(2.0), np.array([0.5, 3.0, -0.6, 5.0], np.float32)))
    same(tg.jit(f)(2.0), f(2.0))
    close(tg.grad(lambda a: tg.sum(f(a)[1]))(2.0), np.sum(X32[1:]), rtol=1e-7)


def test_a_python_float_for_a_float32_array_carry_is_still_a_shape_error():
    with pytest.raises(TypeError, match="shapes do not match"):
        tg.scan(lambda c, x: (0.0, c), np.zeros(2, np.float32), X32)


# ------------------------------------------------------------------ float32
A32 = A.astype(np.float32)


def rnn32(w):
    def step(h, x):
        h = tg.tanh(A32 @ h * w[0] + x * w[1])
        return h, tg.sum(h * h)
    h, ys = tg.scan(step, np.array([0.1, -0.2], np.float32), X32)
    return tg.sum(h) + tg.sum(ys)


def rnn32_ref(w):
    h, tot = np.array([0.1, -0.2], np.float32), np.float32(0.0)
    for x in X32:
        h = tg.tanh(A32 @ h * w[0] + x * w[1])
        tot = tot + tg.sum(h * h)
    return tg.sum(h) + tot


def while32(w):
    out = tg.while_loop(lambda s: s[1] < 4, lambda s: (s[0] * w[0] + tg.sin(s[0]) * w[1], s[1] + 1),
                        (w[1], 0))
    return out[0]


def while32_ref(w):
    c, n = w[1], 0
    while n < 4:
        c, n = c * w[0] + tg.sin(c) * w[1], n + 1
    return c


def fori32(w):
    return tg.fori_loop(np.int32(0), np.int32(3),
                        lambda i, c: c * w[0] + i.astype(np.float32) * w[1], w[1])


def fori32_ref(w):
    c = w[1]
    for i in range(3):
        c = c * w[0] + np.float32(i) * w[1]
    return c


@pytest.mark.parametrize("f, ref", [(rnn32, rnn32_ref), (while32, while32_ref),
                                    (fori32, fori32_ref)], ids=["rnn", "while", "fori"])
def test_float32_stays_float32_under_every_transform(f, ref):
    w = np.array([0.7, 0.4], np.float32)
    ws = np.array([[0.7, 0.4], [-0.5, 0.9]], np.float32)
    same(f(w), ref(w))
    same(tg.jit(f)(w), f(w))
    g = tg.grad(f)(w)
    assert g.dtype == np.float32
    close(g, tg.grad(ref)(w), rtol=1e-5, atol=1e-6)
    same(tg.jit(tg.grad(f))(w), g)
    same(tg.grad(tg.jit(f))(w), g)
    same(tg.vmap(f)(ws), np.stack([f(x) for x in ws]))
    same(tg.vmap(tg.grad(f))(ws), np.stack([tg.grad(f)(x) for x in ws]))
    out, dout = tg.jvp(f, (w,), (np.ones(2, np.float32),))
    same(out, f(w))
    assert np.asarray(dout).dtype == np.float32
    close(dout, np.sum(g), rtol=1e-5)
    h = tg.hessian(f)(w)
    assert h.dtype == np.float32
    close(h, tg.hessian(ref)(w), rtol=1e-4, atol=1e-5)


def test_checkpoint_static_argnums_passes_an_int_that_drives_python_code():
    def f(x, n):
        for _ in range(n):
            x = tg.sin(x) * 2.0 if n > 2 else x * 3.0
        return x
    for n in (1, 3):
        for nums in (1, (1,), (-1,)):
            g = tg.checkpoint(f, static_argnums=nums)
            same(tg.grad(g)(0.5, n), tg.grad(f)(0.5, n))
            same(tg.hessian(g)(0.5, n), tg.hessian(f)(0.5, n))
    g = tg.checkpoint(f, static_argnums=1)
    same(tg.jit(tg.grad(g), static_argnums=1)(0.5, 3), tg.grad(f)(0.5, 3))
    xs = np.array([0.5, 1.0])
    same(tg.vmap(tg.grad(g), in_axes=(0, None))(xs, 3), np.array([tg.grad(f)(x, 3) for x in xs]))
    close(tg.grad(g)(0.5, 3), central(lambda v: f(v, 3), np.array(0.5)), rtol=1e-7)


def test_a_jit_first_traced_for_an_empty_batch_then_runs_any_trip_count():
    def f(a):
        return never_stops_at_one(a) + tg.fori_loop(0, 3, lambda i, c: c * a, a)
    jf, jg = tg.jit(f), tg.jit(tg.grad(f))
    assert tg.vmap(jf)(np.zeros(0)).shape == tg.vmap(jg)(np.zeros(0)).shape == (0,)
    for a in (1.5, 2.0, 11.0):
        same(jf(a), f(a))
        same(jg(a), tg.grad(f)(a))
        same(tg.grad(jf)(a), tg.grad(f)(a))


def nested_checkpointed(w):
    """``nested`` with its fori_loop and scan bodies checkpointed."""
    def scan_step(c, x):
        return tg.fori_loop(0, 2, tg.checkpoint(lambda i, a: a * w[0] + x * i), c), c

    def body(s):
        n, c = s
        c, ys = tg.scan(tg.checkpoint(scan_step), c, XS[:3])
        return n + 1, c + 0.1 * tg.sum(ys)
    return tg.while_loop(lambda s: s[0] < 2, body, (0, w[1]))[1]


def test_checkpoint_in_nested_loops_gives_the_python_loops_derivatives():
    f = nested_checkpointed
    same(f(W), nested(W))
    close(tg.grad(f)(W), tg.grad(nested_ref)(W), rtol=1e-13)
    same(tg.jit(tg.grad(f))(W), tg.grad(f)(W))
    close(tg.vmap(tg.grad(f))(WS), np.stack([tg.grad(nested_ref)(w) for w in WS]), rtol=1e-13)
    close(tg.hessian(f)(W), tg.hessian(nested_ref)(W), rtol=1e-12)


def double_sum(a, b):
    """Nested while loops with integer carries: the sum of i + j over a grid."""
    def outer_body(s):
        val, i = s
        val = tg.while_loop(lambda t: t[1] < b + 1, lambda t: (t[0] + i + t[1], t[1] + 1),
                            (val, 0))[0]
        return val, i + 1
    return tg.while_loop(lambda s: s[1] < a + 1, outer_body, (0, 0))[0]


def test_nested_integer_while_loops_under_vmap_and_jit():
    ref = lambda a, b: sum(i + j for i in range(a + 1) for j in range(b + 1))  # noqa: E731
    a, b = np.arange(5), np.arange(5)[::-1].copy()
    want = np.array([ref(int(x), int(y)) for x, y in zip(a, b)])
    same(tg.vmap(double_sum)(a, b), want)
    same(tg.jit(tg.vmap(double_sum))(a, b), want)
    same(tg.vmap(double_sum, in_axes=(0, None))(a, np.int64(2)),
         np.array([ref(int(x), 2) for x in a]))
    same(tg.jit(double_sum)(np.int64(3), np.int64(2)), double_sum(3, 2))
    assert double_sum(3, 2) == ref(3, 2)
