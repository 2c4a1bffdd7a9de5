"""The programs of benchmarks/numpy_programs.py, once each at tiny sizes.

Each program is NumPy/SciPy code written once against a module parameter:
tapegrad's gradient of it must match central differences, autograd's
gradient of the same source (where autograd is installed), and under
``tg.jit`` be the eager gradient bit for bit.
"""

from __future__ import annotations

import importlib.util
import pathlib
import sys
from typing import Any

import numpy as np
import pytest

import tapegrad as tg

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "benchmarks"))
import numpy_programs as programs  # noqa: E402

NAMES = list(programs.PROGRAMS)
HAVE_AUTOGRAD = importlib.util.find_spec("autograd") is not None


def objective(name: str) -> tuple[Any, Any]:
    data, params = programs.make_data(name, tiny=True)
    np_, sp_ = programs.tapegrad_modules()
    return programs.PROGRAMS[name](np_, sp_, data), params


def central_differences(f: Any, params: Any, h: float = 1e-6) -> list[np.ndarray]:
    """Central differences of ``f`` by each leaf entry, in the order of ``programs.leaves``."""
    vec, unravel = tg.tree.ravel(params)
    vec = np.asarray(vec, dtype=float)
    out = np.empty_like(vec)
    for i in range(vec.size):
        step = np.zeros_like(vec)
        step[i] = h
        out[i] = (f(unravel(vec + step)) - f(unravel(vec - step))) / (2 * h)
    return [leaf.ravel() for leaf in programs.leaves(unravel(out))]


@pytest.mark.parametrize("name", NAMES)
def test_gradient_matches_central_differences(name: str) -> None:
    f, params = objective(name)
    got = np.concatenate(programs.leaves(tg.grad(f)(params)))
    want = np.concatenate(central_differences(f, params))
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name", NAMES)
def test_jit_is_eager_bit_for_bit(name: str) -> None:
    f, params = objective(name)
    eager = programs.leaves(tg.grad(f)(params))
    jitted = tg.jit(tg.grad(f))
    for _ in range(2):                       # the tracing call and a compiled one
        got = programs.leaves(jitted(params))
        for a, b in zip(got, eager, strict=True):
            assert a.tobytes() == b.tobytes()


@pytest.mark.skipif(not HAVE_AUTOGRAD, reason="HIPS autograd not installed")
@pytest.mark.parametrize("name", NAMES)
def test_gradient_matches_autograd(name: str) -> None:
    import autograd
    data, params = programs.make_data(name, tiny=True)
    f, _ = objective(name)
    anp, asp = programs.autograd_modules()
    theirs = autograd.grad(programs.PROGRAMS[name](anp, asp, data))(params)
    assert programs.max_rel_diff(tg.grad(f)(params), theirs) < 1e-12


def test_value_is_the_same_program_under_both_libraries() -> None:
    """Same source, same numbers: the values under NumPy and autograd.numpy agree."""
    if not HAVE_AUTOGRAD:
        pytest.skip("HIPS autograd not installed")
    anp, asp = programs.autograd_modules()
    for name in NAMES:
        data, params = programs.make_data(name, tiny=True)
        f, _ = objective(name)
        theirs = programs.PROGRAMS[name](anp, asp, data)(params)
        assert float(f(params)) == pytest.approx(float(theirs), rel=1e-13)


# ---------------- import tapegrad.scipy.stats.multivariate_normal as a module, as in JAX
def test_multivariate_normal_imports_as_a_module() -> None:
    import tapegrad.scipy.stats as stats
    import tapegrad.scipy.stats.multivariate_normal as mvn
    from tapegrad.scipy.stats import multivariate_normal
    assert mvn is multivariate_normal is stats.multivariate_normal
    x, mean = np.array([0.3, -1.2]), np.array([0.1, 0.2])
    cov = np.array([[2.0, 0.3], [0.3, 1.0]])
    dev = x - mean
    want = -0.5 * (dev @ np.linalg.solve(cov, dev) + np.log(np.linalg.det(cov))
                   + 2 * np.log(2 * np.pi))
    assert mvn.logpdf(x, mean, cov) == pytest.approx(want, rel=1e-13)
    assert mvn.pdf(x, mean, cov) == pytest.approx(np.exp(want), rel=1e-13)
    np.testing.assert_allclose(tg.grad(mvn.logpdf)(x, mean, cov), -np.linalg.solve(cov, dev),
                               rtol=1e-13)


def test_multivariate_normal_module_keeps_scipy_frozen_form() -> None:
    import tapegrad.scipy.stats.multivariate_normal as mvn
    x, mean, cov = np.array([0.5, 0.5]), np.zeros(2), np.eye(2)
    frozen = mvn(mean, cov)
    assert frozen.logpdf(x) == mvn.logpdf(x, mean, cov)
    assert frozen.pdf(x) == mvn.pdf(x, mean, cov)
