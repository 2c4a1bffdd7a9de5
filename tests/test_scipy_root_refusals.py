"""SciPy's root finders and optimizers given a function of a traced value: tapegrad's refusal.

``scipy.optimize.brentq(lambda x: x * x - c, 0.0, 10.0)`` with ``c``
traced calls ``float()`` on the function's value in C code that goes on
past the error, and Python raised a ``SystemError``. The refusal beneath it
is what tapegrad raises: it names the call, the problem and what to write.
So it is where SciPy raises its own error over the refusal (``minimize``'s
``ValueError`` from it) or prints it and raises another (``fsolve``'s C
code): an error raised in SciPy's code over a refusal is the refusal.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest

import tapegrad as tg

optimize = pytest.importorskip("scipy.optimize")

FINDERS = {
    "brentq": lambda c: optimize.brentq(lambda x: x * x - c, 0.0, 10.0),
    "brenth": lambda c: optimize.brenth(lambda x: x * x - c, 0.0, 10.0),
    "bisect": lambda c: optimize.bisect(lambda x: x * x - c, 0.0, 10.0),
    "ridder": lambda c: optimize.ridder(lambda x: x * x - c, 0.0, 10.0),
    "root_scalar": lambda c: optimize.root_scalar(lambda x: x * x - c, bracket=(0.0, 10.0)).root,
}
OPTIMIZERS = {     # the refusal each raises, and the advice it names
    "fsolve": (lambda c: optimize.fsolve(lambda x: x * x - c, 1.0)[0], r"tg\.fixed_point"),
    "root": (lambda c: optimize.root(lambda x: x * x - c, 1.0).x[0], r"tg\.fixed_point"),
    "minimize": (lambda c: optimize.minimize(lambda x: (x[0] - c) ** 2, np.zeros(1)).x[0],
                 r"outside the transform, on plain numbers, with jac=tg\.grad\(f\)"),
    "minimize_scalar": (lambda c: optimize.minimize_scalar(lambda x: (x - c) ** 2).x,
                        r"outside the transform"),
    "least_squares": (lambda c: optimize.least_squares(lambda x: x - c, np.zeros(1)).x[0],
                      r"outside the transform"),
}
TRANSFORMS = {
    "grad": tg.grad,
    "jit": tg.jit,
    "jit(grad)": lambda f: tg.jit(tg.grad(f)),
    "vmap": lambda f: lambda c: tg.vmap(f)(np.array([c, c + 1.0])),
    "make_tape": lambda f: lambda c: tg.make_tape(f)(c),
}


@pytest.mark.parametrize("transform", sorted(TRANSFORMS))
@pytest.mark.parametrize("name", sorted(FINDERS))
def test_a_root_finder_of_a_traced_value_is_refused_by_name(name: str, transform: str) -> None:
    f = TRANSFORMS[transform](FINDERS[name])
    with pytest.raises(TypeError, match=rf"inside scipy\.optimize\.{name}, which would drop its "
                       r"derivative\. Use tg\.fixed_point\(.*Newton"):
        f(2.0)


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("transform", sorted(TRANSFORMS))
@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_an_optimizer_of_a_traced_value_is_refused_by_name(name: str, transform: str) -> None:
    fun, advice = OPTIMIZERS[name]
    with pytest.raises(TypeError, match=r"scipy\.optimize\.\w+ was applied to a traced value"
                       r"|inside scipy\.optimize\.\w+, which would drop") as info:
        TRANSFORMS[transform](fun)(2.0)
    assert "Use " in str(info.value) and (
        re.search(advice, str(info.value)) or "tg.fixed_point" in str(info.value)), info.value


def test_the_advised_fixed_point_differentiates_a_minimizer() -> None:
    def f(x: Any, c: Any) -> Any:
        return (x - c) ** 2 + 0.1 * x ** 4

    def argmin(c: Any) -> Any:
        return tg.fixed_point(lambda c, x: x - tg.grad(f)(x, c) / tg.hessian(f)(x, c), c, 0.0)
    for c in (0.5, 2.0, -3.0):
        want = optimize.minimize_scalar(lambda x, c=c: f(x, c)).x
        assert abs(argmin(c) - want) < 1e-6
        h = 1e-5
        np.testing.assert_allclose(tg.grad(argmin)(c), (argmin(c + h) - argmin(c - h)) / (2 * h),
                                   rtol=1e-6)


def test_a_users_error_after_a_refusal_it_caught_passes_unchanged() -> None:
    def f(x: Any) -> Any:
        try:
            np.asarray(x)
        except TypeError as err:
            raise ValueError("my own message") from err
        return x
    with pytest.raises(ValueError, match="my own message"):
        tg.grad(f)(1.0)

    def g(x: Any) -> Any:
        try:
            float(x)
        except TypeError:
            pass
        return np.linalg.inv(np.zeros((2, 2))) * x      # NumPy's own error, not the refusal
    with pytest.raises(np.linalg.LinAlgError):
        tg.grad(lambda x: np.sum(g(x)))(1.0)


def test_the_refusal_names_the_users_line() -> None:
    def f(c: Any) -> Any:
        return optimize.brentq(lambda x: x * x - c, 0.0, 10.0)
    with pytest.raises(TypeError, match=r"optimize\.brentq\(lambda x: x \* x - c, 0\.0, 10\.0\) "
                       r"at .*test_scipy_root_refusals\.py:\d+ converts a traced value"):
        tg.grad(f)(2.0)


def test_the_advised_fixed_point_gives_the_implicit_derivative() -> None:
    def root(c: Any) -> Any:
        return tg.fixed_point(lambda c, x: x - (x * x - c) / (2.0 * x), c, 1.0)
    for c in (0.5, 2.0, 9.0):
        assert abs(root(c) - optimize.brentq(lambda x, c=c: x * x - c, 0.0, 10.0)) < 1e-9
        h = 1e-5
        fd = (root(c + h) - root(c - h)) / (2 * h)
        np.testing.assert_allclose(tg.grad(root)(c), fd, rtol=1e-6)


def test_a_system_error_of_ones_own_passes_unchanged() -> None:
    def f(x: Any) -> Any:
        raise SystemError("not a refusal")
    with pytest.raises(SystemError, match="not a refusal"):
        tg.grad(f)(1.0)


def test_plain_numbers_still_reach_brentq() -> None:
    def f(c: Any) -> Any:
        return c * optimize.brentq(lambda x: x * x - 2.0, 0.0, 10.0)
    np.testing.assert_allclose(tg.grad(f)(3.0), np.sqrt(2.0), rtol=1e-12)
