"""``jit`` of a derivative returns what eager returns: the numbers, and their types.

A derivative may be a NumPy scalar in eager: the gradient of ``x * y`` by
``x`` is ``y`` itself, an ``np.float64`` when ``y`` is one and not
differentiated. ``jit(grad(f))`` takes every argument, so it must find
which of its values eager holds as NumPy's and return those as NumPy's.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import tapegrad as tg

FUNCTIONS = {
    "x * y": lambda x, y: x * y,
    "y ** 3 * x": lambda x, y: y ** 3 * x,
    "sin(x) * y": lambda x, y: tg.sin(x) * y,
    "y * y * x": lambda x, y: y * y * x,
    "x + y": lambda x, y: x + y,
    "x * x + y": lambda x, y: x * x + y,
    "power(y, 3) * x": lambda x, y: tg.power(y, 3) * x,
    "abs(y) * x": lambda x, y: abs(y) * x,
    "x / y": lambda x, y: x / y,
    "y / x": lambda x, y: y / x,
    "np.exp(y) * x": lambda x, y: np.exp(y) * x,
    "tanh(x * y)": lambda x, y: tg.tanh(x * y),
    "max(x, y) * y": lambda x, y: tg.maximum(x, y) * y,
    "2.0 ** y * x": lambda x, y: 2.0 ** y * x,
}
ARGS = {"float": 1.5, "np.float64": np.float64(1.5), "int": 2, "np.float32": np.float32(1.5)}
TRANSFORMS = {
    "grad": lambda f: tg.grad(f),
    "grad argnums=1": lambda f: tg.grad(f, argnums=1),
    "grad argnums=(0, 1)": lambda f: tg.grad(f, argnums=(0, 1)),
    "value_and_grad": lambda f: tg.value_and_grad(f),
}


def described(v):
    """Each leaf's type and repr, so a float and an np.float64 of one value differ."""
    return [(type(leaf).__name__, getattr(leaf, "dtype", None), repr(leaf))
            for leaf in tg.tree.leaves(v)]


@pytest.mark.parametrize("fname", list(FUNCTIONS))
@pytest.mark.parametrize("tname", list(TRANSFORMS))
def test_jit_of_a_derivative_returns_eagers_types_and_numbers(fname, tname):
    f = TRANSFORMS[tname](FUNCTIONS[fname])
    jf = tg.jit(f)
    for (xn, x), (yn, y) in itertools.product(ARGS.items(), [("float", 2.0), *(
            (k, v * 1.25 if k != "int" else 3) for k, v in ARGS.items() if k != "float")]):
        try:
            want = f(x, y)
        except TypeError:
            continue               # an int differentiated where eager refuses it as well
        assert described(jf(x, y)) == described(want), (xn, yn)


def test_an_np_float32_beside_an_np_float64_under_jit_of_grad():
    f = tg.grad(lambda x, y: tg.tanh(x * y))
    x, y = np.float32(1.5), np.float64(1.875)
    assert described(tg.jit(f)(x, y)) == described(f(x, y))


def test_numpys_float64_of_a_float_meets_an_np_float32_as_in_numpy():
    # np.exp(2.0) is an np.float64, which NumPy does not round to float32
    f = tg.value_and_grad(lambda x, y: np.exp(y) * x)
    x, y = np.float32(1.5), 2.0
    assert described(tg.jit(f)(x, y)) == described(f(x, y))
    assert described(f(x, y)[0]) == described(np.exp(y) * x)
