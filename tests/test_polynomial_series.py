"""tapegrad.polynomial: np.polynomial's *val of traced coefficients, NumPy's bits, transforms."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from family_checks import every_transform
from program_battery import same

import tapegrad as tg
import tapegrad.polynomial as tpoly

NAMES = ["polynomial.polyval", "chebyshev.chebval", "legendre.legval", "hermite.hermval",
         "hermite_e.hermeval", "laguerre.lagval"]


def _pair(name: str) -> tuple[Any, Any]:
    module, fn = name.split(".")
    return getattr(getattr(tpoly, module), fn), getattr(getattr(np.polynomial, module), fn)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("n", [1, 2, 3, 6])
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
def test_values_are_numpys_bit_for_bit(name: str, n: int, dtype: type) -> None:
    ours, theirs = _pair(name)
    rs = np.random.RandomState(n)
    for cshape in [(n,), (n, 2)]:
        c = (rs.rand(*cshape) * 5 - 2).astype(dtype)
        for x in (0.3, np.float32(-0.4), rs.rand(4), rs.rand(2, 3).astype(np.float32),
                  [0.1, 0.2]):
            for tensor in (True, False):
                try:
                    want = theirs(x, c, tensor)
                except ValueError:
                    continue      # tensor=False of shapes NumPy cannot broadcast
                assert same(ours(x, c, tensor), want)
                assert same(tg.jit(lambda c: ours(x, c, tensor))(c * 1.0),
                            theirs(x, c * 1.0, tensor))
    assert same(ours(0.5, [1.0, 2.0, 3.0]), theirs(0.5, [1.0, 2.0, 3.0]))


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("case", ["traced c", "traced c of two axes", "traced x and c"])
def test_every_transform(name: str, case: str) -> None:
    ours, _ = _pair(name)
    xs = np.array([-0.7, 0.2, 0.9])
    w = np.array([1.0, -0.5, 2.0])
    c = np.array([0.8, -1.3, 0.4, 2.2, -0.6])
    f = {"traced c": lambda c: np.sum(w * ours(xs, c) ** 2),
         "traced c of two axes": lambda c: np.sum(ours(xs, c.reshape(-1, 2)[:, ::-1]) ** 3),
         "traced x and c": lambda v: np.sum(ours(v[:3], v[3:]) ** 2)}[case]
    x = {"traced c": c, "traced c of two axes": np.linspace(-1.0, 1.5, 6),
         "traced x and c": np.concatenate([xs, c])}[case]
    every_transform(f, x)


def test_numpys_own_of_traced_coefficients_names_tapegrads() -> None:
    for name in NAMES:
        module, fn = name.split(".")
        with pytest.raises(TypeError, match=rf"^np\.polynomial\.{module}\.{fn} was applied to "
                           rf"a traced value.*Use tapegrad\.polynomial\.{module}\.{fn}\(x, c\)"):
            tg.grad(lambda c: getattr(getattr(np.polynomial, module), fn)(0.3, c))(
                np.array([1.0, 2.0]))
