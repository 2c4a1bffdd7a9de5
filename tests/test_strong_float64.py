"""A float64 scalar taken from a float64 array is NumPy's ``np.float64``: strong.

Under NumPy 2's promotion (NEP 50) a Python float is *weak*: ``x32 * 2.5``
stays float32. NumPy's ``np.float64`` (``w[0]``, ``np.sum(w)``,
``np.dot(w, w)`` of a float64 ``w``) is strong: ``x32 * w[0]`` is float64.
tapegrad holds those scalars as ``np.float64`` on its tapes too, so every
transform computes what NumPy computes: the loss of float64 weights on float32
data is float64, with NumPy's bits, and its gradient is the float64
computation's (float32 data upcast exactly), not float32's rounding of it.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import tapegrad as tg

# Each way of reading a scalar out of a float64 array ``w``; True where NumPy's
# result is strong (an np.float64), False where it is a Python float.
SCALARS = {
    "w[0]": (lambda w: w[0], True),
    "np.sum": (np.sum, True),
    "w.sum()": (lambda w: w.sum(), True),
    "np.mean": (np.mean, True),
    "np.dot": (lambda w: np.dot(w, w), True),
    "w @ w": (lambda w: w @ w, True),
    "np.max": (np.max, True),
    "np.exp(w[1])": (lambda w: np.exp(w[1]), True),
    "w[0] ** 2": (lambda w: w[0] ** 2, True),
    "w[0] * 2.5": (lambda w: w[0] * 2.5, True),
    "w[0] - w[2]": (lambda w: w[0] - w[2], True),
    "np.cross(w, w2)[0]": (lambda w: np.cross(w, w[::-1] * 0.5)[0], True),
    "tg.tanh(w[0])": (lambda w: tg.tanh(w[0]), False),      # math.tanh: a Python float
}
# How the scalar ``s`` meets float32 data ``x`` (a float32 array, or its np.float32 element).
MEETINGS = {
    "x32 * s": lambda s, x: np.sin(x * s),
    "s / x32[1]": lambda s, x: s / x[1] + x,
    "np.float32 ** s": lambda s, x: np.abs(x[0]) ** s * x,
}
TRANSFORMS = ["eager", "value_and_grad", "jvp", "jit", "jit(grad)", "vmap", "vmap(grad)"]

W = np.array([0.7, -1.3, 0.45])
X32 = np.array([0.3, -1.7, 2.1], dtype=np.float32)


def exactly(got, want, what=""):
    """One type (np.float64, float, np.float32 or ndarray), dtype, shape and bits."""
    for g, w in zip(tg.tree.leaves(got), tg.tree.leaves(want), strict=True):
        assert type(g) is type(w), (what, g, w)
        g, w = np.asarray(g), np.asarray(w)
        assert g.shape == w.shape and g.dtype == w.dtype, (what, g, w)
        assert np.array_equal(g, w, equal_nan=True), (what, g, w)
        assert np.array_equal(np.signbit(g), np.signbit(w)), (what, g, w)


def program(sname, mname):
    """``f(w, x)``: the scalar of ``w`` meeting float32 ``x``; ``loss`` its sum."""
    scalar, meet = SCALARS[sname][0], MEETINGS[mname]

    def f(w, x):
        return meet(scalar(w), x)

    def loss(w, x):
        return np.sum(f(w, x))
    return f, loss


def central(loss, w, x, h=1e-6):
    out = np.zeros_like(w)
    for i in range(w.size):
        e = np.zeros_like(w)
        e[i] = h
        out[i] = (loss(w + e, x) - loss(w - e, x)) / (2 * h)
    return out


@pytest.mark.parametrize("mname", list(MEETINGS))
@pytest.mark.parametrize("sname", list(SCALARS))
def test_numpy_gives_the_dtype_the_family_expects(sname, mname):
    """The family's premise, on NumPy alone: strong scalars make float64, weak ones float32."""
    s = SCALARS[sname][0](W)
    assert (type(s) is np.float64) is SCALARS[sname][1]
    f, _ = program(sname, mname)
    assert f(W, X32).dtype == (np.float64 if SCALARS[sname][1] else np.float32)


@pytest.mark.parametrize("how", TRANSFORMS)
@pytest.mark.parametrize("mname", list(MEETINGS))
@pytest.mark.parametrize("sname", list(SCALARS))
def test_a_scalar_of_a_float64_array_meets_float32_as_in_numpy(sname, mname, how):
    f, loss = program(sname, mname)
    args = (W, X32)
    if how == "eager":           # the values under jvp: NumPy's types and bits
        exactly(tg.jvp(f, args, (np.ones(3), np.ones(3, np.float32)))[0], f(*args), how)
        tape = tg.make_tape(f)(*args)
        exactly(tape(*args), f(*args), "a replayed tape")
        exactly(tape(-0.5 * W, X32[::-1]), f(-0.5 * W, X32[::-1]), "a replay at other values")
    elif how == "value_and_grad":
        value, grads = tg.value_and_grad(loss, argnums=(0, 1))(*args)
        exactly(value, loss(*args), how)
        assert grads[0].dtype == np.float64 and grads[1].dtype == np.float32
    elif how == "jvp":
        direction = np.array([0.3, -0.2, 0.9])
        y, dy = tg.jvp(loss, args, (direction, np.zeros(3, np.float32)))
        exactly(y, loss(*args), how)
        assert type(dy) is type(y)
        h, x64, strong = 1e-6, X32.astype(np.float64), SCALARS[sname][1]
        num = (loss(W + h * direction, x64) - loss(W - h * direction, x64)) / (2 * h)
        tol = 1e-6 if strong else 1e-5          # a weak scalar computes in float32
        assert math.isclose(dy, num, rel_tol=tol, abs_tol=tol)
    elif how == "jit":
        jf = tg.jit(f)
        exactly(jf(*args), f(*args), "jit (tracing)")
        exactly(jf(*args), f(*args), "jit (compiled)")
        exactly(tg.jit(loss)(*args), loss(*args), "jit of the loss")
    elif how == "jit(grad)":
        g = tg.grad(loss, argnums=(0, 1))
        exactly(tg.jit(g)(*args), g(*args), how)
    elif how == "vmap":
        ws, xs = np.stack([W, -0.5 * W]), np.stack([X32, X32[::-1]])
        exactly(tg.vmap(f)(ws, xs), np.stack([f(ws[i], xs[i]) for i in range(2)]), how)
    else:
        g = tg.grad(loss, argnums=(0, 1))
        ws, xs = np.stack([W, -0.5 * W]), np.stack([X32, X32[::-1]])
        loop = [g(ws[i], xs[i]) for i in range(2)]
        exactly(tg.vmap(g)(ws, xs), tuple(np.stack([lp[k] for lp in loop]) for k in range(2)),
                how)


@pytest.mark.parametrize("mname", list(MEETINGS))
@pytest.mark.parametrize("sname", [s for s, (_, strong) in SCALARS.items() if strong])
def test_the_gradient_is_the_float64_computations(sname, mname):
    """float32 data upcast exactly: the weights' gradient is float64 data's, bit for bit."""
    f, loss = program(sname, mname)
    x64 = X32.astype(np.float64)
    assert loss(W, X32) == loss(W, x64)              # NumPy's premise: no float32 rounding
    gw, gx = tg.grad(loss, argnums=(0, 1))(W, X32)
    gw64, gx64 = tg.grad(loss, argnums=(0, 1))(W, x64)
    exactly(gw, gw64, "weights")
    exactly(gx, gx64.astype(np.float32), "data: the float64 gradient, in its primal's dtype")
    np.testing.assert_allclose(gw, central(loss, W, X32), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(gx, central(lambda x, w: loss(w, x), x64, W), rtol=1e-5,
                               atol=1e-6)


@pytest.mark.parametrize("sname", [s for s, (_, strong) in SCALARS.items() if strong])
def test_an_np_float32_argument_meets_the_scalar_as_in_numpy(sname):
    """``y`` an ``np.float32`` argument: NumPy's float64 value; ``y``'s gradient a float32."""
    scalar = SCALARS[sname][0]

    def loss(w, y):
        return np.sin(y * scalar(w)) + y / scalar(w)
    y = np.float32(0.37)
    want = loss(W, y)
    assert type(want) is np.float64
    exactly(tg.jit(loss)(W, y), want, "jit")
    value, (gw, gy) = tg.value_and_grad(loss, argnums=(0, 1))(W, y)
    exactly(value, want, "value_and_grad")
    gw64, gy64 = tg.grad(loss, argnums=(0, 1))(W, np.float64(y))
    exactly(gw, gw64, "the weights' gradient: float64 data's")
    exactly(gy, np.float32(gy64), "y's gradient: the float64 one, as a float32")
    exactly(tg.jit(tg.grad(loss, argnums=(0, 1)))(W, y), (gw, gy), "jit(grad)")
    np.testing.assert_allclose(gw, central(loss, W, y), rtol=1e-6, atol=1e-8)
    ws = np.stack([W, W[::-1] * 1.5])
    exactly(tg.vmap(loss, in_axes=(0, None))(ws, y), np.stack([loss(w, y) for w in ws]), "vmap")
    g = tg.grad(loss, argnums=(0, 1))
    loop = [g(w, y) for w in ws]
    exactly(tg.vmap(g, in_axes=(0, None))(ws, y),
            (np.stack([lp[0] for lp in loop]), np.stack([lp[1] for lp in loop])), "vmap(grad)")


@pytest.mark.parametrize("scalar", [lambda w: w[1:2].reshape(()), lambda w: np.squeeze(w[:1])],
                         ids=["reshape", "squeeze"])
def test_a_zero_d_reshape_of_a_float64_array_meets_float32_as_in_numpy(scalar):
    def f(w, x):
        return x * scalar(w)
    exactly(tg.jit(f)(W, X32), f(W, X32), "jit")
    exactly(tg.jvp(f, (W, X32), (W, X32))[0], f(W, X32), "eager")


# grad keeps an np.float64 argument strong, as NumPy and JAX do (NEP 50)
def test_an_np_float64_argument_grad_takes_stays_strong():
    x, y = np.float32(1.5), np.float64(1.875)
    value, g = tg.value_and_grad(lambda x, y: x * y, argnums=1)(x, y)
    exactly(value, x * y, "value")
    exactly(g, np.float64(x), "the gradient, in its primal's dtype")


# A replayed tape returns NumPy's scalars where eager (and jit) do: an
# np.float64 argument is recorded as a float, and a bool NumPy made is a bool
# on the tape, but the caller of the tape gets what the function gives.
REPLAYED = {
    "x * 2.0": lambda x: x * 2.0,
    "x ** 2 - x": lambda x: x ** 2 - x,
    "abs(x)": lambda x: abs(x),
    "tg.exp(x)": lambda x: tg.exp(x),                 # a float, as math.exp
    "np.exp(x)": lambda x: np.exp(x),
    "np.isnan(x)": lambda x: np.isnan(x),
    "x > 1.0": lambda x: x > 1.0,
    "np.any(v > 1)": lambda x: np.any(np.stack([x, 1.0]) > 1.0),
    "(v > 1).all()": lambda x: (np.stack([x, 2.0]) > 1.0).all(),
    "tg.any(v > 1)": lambda x: tg.any(np.stack([x, 1.0]) > 1.0),
    "a pair": lambda x: (np.sin(x), x * 3.0 > 2.0),
}


@pytest.mark.parametrize("make", [float, np.float64], ids=["float", "np.float64"])
@pytest.mark.parametrize("given", [float, np.float64], ids=["float", "np.float64"])
@pytest.mark.parametrize("name", list(REPLAYED))
def test_a_replayed_tape_returns_the_scalars_eager_returns(name, given, make):
    f = REPLAYED[name]
    tape = tg.make_tape(f)(make(1.5))
    for x in (1.5, 2.5):
        exactly(tape(given(x)), f(given(x)), f"replay of {name}")
        exactly(tg.jit(f)(given(x)), f(given(x)), f"jit of {name}")
