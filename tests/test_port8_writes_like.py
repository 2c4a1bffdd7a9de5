"""Writing into ``np.zeros_like(y)`` and kin of a traced ``y``: the ODE right-hand side idiom.

``dydt = np.zeros_like(y); dydt[0] = ...; return dydt`` is how SciPy's
``solve_ivp`` examples write a system. Of a traced ``y`` these are traced
arrays with no derivative, to write into; each case runs every transform
against NumPy's own value on the plain array (``port8_check.check``).
"""

from __future__ import annotations

import numpy as np
import pytest
from port8_check import check, same

import tapegrad as tg


def lotka_volterra(y, a=1.5, b=1.0, c=3.0, d=1.0):
    dydt = np.zeros_like(y)
    dydt[0] = a * y[0] - b * y[0] * y[1]
    dydt[1] = -c * y[1] + d * y[0] * y[1]
    return dydt


def euler(y):
    for _ in range(4):
        y = y + 0.01 * lotka_volterra(y)
    return y


def filled_in(y):
    out = np.empty_like(y)
    for i in range(len(y)):
        out[i] = np.sin(y[i]) * (i + 1.0)
    return out


def ones_scaled(y):
    o = np.ones_like(y)
    o[1:] *= y[:-1]
    return o * y


def full_then_slice(y):
    f = np.full_like(y, 0.5)
    f[::2] = y[::2] ** 2
    return f


def full_of_a_traced_value(y):
    f = np.full_like(y, y[0])       # a new array, not a view of y[0]
    f[-1] = 1.0
    return f


@pytest.mark.parametrize("f", [lotka_volterra, euler, filled_in, ones_scaled,
                               full_then_slice, full_of_a_traced_value])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_writing_into_a_made_like_array_is_numpys_under_every_transform(f, dtype):
    y = np.array([1.0, 0.5, -0.25, 2.0], dtype)
    check(f, y, rtol=1e-6 if dtype == np.float64 else 2e-2)


def test_a_made_like_array_has_no_derivative_of_its_template():
    y = np.array([1.0, 2.0])
    assert same(tg.grad(lambda v: np.sum(np.zeros_like(v) + np.ones_like(v)))(y),
                np.zeros(2))
    assert same(tg.jvp(lambda v: np.zeros_like(v), (y,), (np.ones(2),))[1], np.zeros(2))


def test_the_ode_idiom_under_jit_at_new_values_and_hessian():
    y = np.array([1.0, 0.5, 0.0, 0.0])
    loss = lambda v: np.sum(euler(v) ** 2)                  # noqa: E731
    jitted = tg.jit(loss)
    for v in (y, y * 2.0, y - 1.0):
        assert same(jitted(v), loss(v))
    h = tg.hessian(loss)(y)
    fd_h = np.stack([(tg.grad(loss)(y + e * 1e-5) - tg.grad(loss)(y - e * 1e-5)) / 2e-5
                     for e in np.eye(4)])
    np.testing.assert_allclose(h, fd_h, rtol=1e-5, atol=1e-7)


def test_a_numpy_array_made_by_shape_still_refuses_a_traced_value_naming_zeros_like():
    def f(y):
        out = np.zeros(2)
        out[0] = y[1]
        return out
    # NumPy's C code raises "setting an array element with a sequence." over the refusal of
    # float(y[1]); the transform raises the refusal itself, which names the fix
    with pytest.raises(TypeError, match="zeros_like"):
        tg.grad(lambda v: np.sum(f(v)))(np.ones(2))


NEW_ARRAYS = {   # NumPy's result is a new array even where it holds the input's numbers
    "+x": lambda y: +y, "np.positive": np.positive, "np.conjugate": np.conjugate,
    "np.clip without bounds": lambda y: np.clip(y, None, None),
    "x.clip()": lambda y: y.clip(), "x.flatten()": lambda y: y.flatten(),
    "np.block([x])": lambda y: np.block([y]), "np.roll(x, 0)": lambda y: np.roll(y, 0),
    "np.concatenate([x])": lambda y: np.concatenate([y]),
    "np.hstack([x])": lambda y: np.hstack([y]),
}


@pytest.mark.parametrize("name", NEW_ARRAYS)
def test_a_write_into_a_new_array_that_holds_the_inputs_numbers_leaves_the_input_alone(name):
    made = NEW_ARRAYS[name]

    def f(x):
        y = x * 2.0                  # an array of the function's own, so writable
        z = made(y)
        z[0] = x[1] ** 2
        return y * 10.0 + z          # y unchanged, as NumPy's
    check(f, np.array([1.0, 0.5, -0.25]))
