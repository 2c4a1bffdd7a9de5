"""Lists of numbers holding a traced number, beside a traced array, as NumPy reads them.

After JAX's lax_numpy_test.py cases that pass Python lists (testInterp's
``xp``/``fp``, testCross, testConvolutions, testKron, testTrapezoid,
testGradient, testAverage's ``weights``, the binary ufuncs). JAX refuses a
list there on purpose; NumPy reads ``[s, 1.0]`` as ``np.asarray([s, 1.0])``,
so tapegrad stacks it: the call gives eager NumPy's numbers under ``jit``
and ``vmap``, and ``s`` keeps its derivative. A list whose nesting has a
meaning (``np.block``, ``np.select``, ``np.piecewise``), or that is a shape
or an axis, is left as it comes. Where only the list holds a traced value
NumPy does not hand the call to tapegrad at all (the error says to stack it).
"""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg
from tests.conftest import fd

X = np.array([0.2, 0.5, 0.9])
CASES = {
    "interp_fp": lambda t, s: np.interp(t, [0.0, 1.0], [s, 2.0]),
    "interp_xp": lambda t, s: np.interp(t, [0.0, s], [1.0, 2.0]),
    "cross": lambda t, s: np.cross(t, [s, 0.0, 1.0]),
    "convolve": lambda t, s: np.convolve(t, [s, 0.5]),
    "correlate": lambda t, s: np.correlate(t, [s, 1.0]),
    "kron": lambda t, s: np.kron(t, [s, 1.0]),
    "outer": lambda t, s: np.outer(t, [s, 1.0]),
    "inner": lambda t, s: np.inner(t, [s, 1.0, 2.0]),
    "vdot": lambda t, s: np.vdot(t, [s, 1.0, 1.0]),
    "einsum": lambda t, s: np.einsum("i,i->i", t, [s, 1.0, 1.0]),
    "tensordot": lambda t, s: np.tensordot(t, [s, 1.0, 1.0], 0),
    "matmul": lambda t, s: np.matmul(t, [s, 1.0, 1.0]),
    "trapezoid": lambda t, s: np.trapezoid(t, [0.0, s, 2.0]),
    "gradient": lambda t, s: np.gradient(t, [0.0, s, 2.0]),
    "average": lambda t, s: np.average(t, weights=[s, 1.0, 1.0]),
    "cov": lambda t, s: np.cov(t, [s, 1.0, 3.0]),
    "stack": lambda t, s: np.stack([t, [s, 1.0, 1.0]]),
    "where": lambda t, s: np.where(t > 0.4, t, [s, 1.0, 2.0]),
    "maximum": lambda t, s: np.maximum(t, [s, 1.0, 0.0]),
    "arctan2": lambda t, s: np.arctan2(t, (s, 1.0, 1.0)),
    "logaddexp": lambda t, s: np.logaddexp(t, [s, 1.0, 1.0]),
    "multiply": lambda t, s: np.multiply([s, 2.0, 1.0], t),
    "heaviside": lambda t, s: np.heaviside(t - 0.45, [s, 1.0, 0.0]),
    "clip": lambda t, s: np.clip(t, [s - 1.2, 0.0, 0.0], 1.0),
    "linspace": lambda t, s: np.linspace(t, [s, 1.0, 1.0], 3),
    "where_cond": lambda t, s: np.where([s > 1.0, True, False], t, 0.0),
}


@pytest.mark.parametrize("name", list(CASES))
def test_a_list_holding_a_traced_number_is_numpys_array_of_it(name):
    f = CASES[name]
    want = f(X, 1.5)
    got = tg.jit(f)(X, 1.5)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)
    out = tg.vmap(f, in_axes=(None, 0))(X, np.array([1.5, 0.7]))
    np.testing.assert_array_equal(out, np.stack([f(X, 1.5), f(X, 0.7)]))
    w = np.linspace(0.5, 1.5, want.size).reshape(want.shape)
    loss = lambda t, s: np.sum(f(t, s) * w)        # noqa: E731
    gt, gs = tg.grad(loss, (0, 1))(X, 1.5)
    np.testing.assert_allclose(gt, fd(lambda t: loss(t, 1.5), X), rtol=1e-6, atol=1e-9)
    assert gs == pytest.approx(fd(lambda s: loss(X, s), 1.5), rel=1e-6, abs=1e-9)
    _, tan = tg.jvp(loss, (X, 1.5), (np.zeros(3), 1.0))     # the array traced too
    assert tan == pytest.approx(gs, rel=1e-12, abs=1e-15)


def test_a_list_in_a_list_of_arrays_is_stacked_where_numpy_reads_an_array():
    f = lambda t, s: np.concatenate([t, [s, 2.0 * s]]) ** 2      # noqa: E731
    np.testing.assert_array_equal(tg.jit(f)(X, 1.5), f(X, 1.5))
    assert tg.grad(lambda t, s: np.sum(f(t, s)), (0, 1))(X, 1.5)[1] == pytest.approx(15.0)
    g = lambda t, s: np.vstack([t, (s, 1.0, s)])                # noqa: E731
    np.testing.assert_array_equal(tg.jit(g)(X, 1.5), g(X, 1.5))


def test_select_keeps_its_lists_of_conditions_and_choices():
    f = lambda s: np.select([s > 1.0, s > 0.0], [s * 2, s * 3], default=-s)   # noqa: E731
    for s, slope in ((1.5, 2.0), (0.5, 3.0), (-1.0, -1.0)):
        assert tg.jit(f)(s) == f(s)
        assert tg.grad(f)(s) == slope


def test_block_keeps_its_nesting():
    f = lambda t, s: np.block([[s, 1.0, 2.0], [t]])       # noqa: E731
    want = f(X, 1.5)
    got = tg.jit(f)(X, 1.5)
    assert got.shape == want.shape == (2, 3)
    np.testing.assert_array_equal(got, want)


def test_a_traced_number_in_a_shape_is_still_refused():
    with pytest.raises(TypeError):
        tg.jit(lambda t, s: np.reshape(t, [s, 1]))(X, 3.0)
