"""In-place operators (``u op= v``) on traced values: every operator, nested and mixed tapes.

A traced float is rebound (``s = s + x``, as Python does); a traced array is
written as NumPy writes it: its dtype stays (``augmented.py``).
"""

import operator

import numpy as np
import pytest

import tapegrad as tg

IN_PLACE = [operator.iadd, operator.isub, operator.imul, operator.itruediv, operator.ipow]
PLAIN = [operator.add, operator.sub, operator.mul, operator.truediv, operator.pow]


def central(f, x, h=1e-5):
    return (f(x + h) - f(x - h)) / (2 * h)


@pytest.mark.parametrize("k", range(len(IN_PLACE)))
def test_on_a_traced_float_it_is_the_plain_operator_at_every_order(k):
    iop, op = IN_PLACE[k], PLAIN[k]

    def f(x, rebind):
        s = x * x + 1.0
        s = rebind(s, x)
        return iop(s, 0.5) if k != 4 else s * 0.5
    g = tg.grad(lambda x: f(x, iop))
    gg = tg.grad(tg.grad(lambda x: f(x, iop)))
    plain_g = tg.grad(tg.grad(lambda x: f(x, op)))
    for x in (0.7, 1.3):
        assert f(x, iop) == f(x, op)
        assert abs(g(x) - central(lambda y: f(y, op), x)) < 1e-6 * max(1.0, abs(g(x)))
        assert gg(x) == plain_g(x)
        assert tg.jit(g)(x) == g(x)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("k", range(len(IN_PLACE) - 1))
def test_on_an_array_of_an_outer_tape_with_a_value_of_an_inner_one(k, dtype):
    # u is traced by the outer grad, y by the inner: the result is written into u's dtype
    iop, op = IN_PLACE[k], PLAIN[k]

    def inner(u, y, apply):
        u = apply(u * 1.0, y * 0.25 + 2.0)
        assert apply is op or u.dtype == dtype
        return np.sum(u * u)

    def outer(x, apply):
        u = np.ones(3, dtype) * x
        return tg.grad(lambda y: inner(u, y, apply))(np.float64(0.5))
    d = tg.grad(lambda x: outer(x, iop))(1.5)
    tol = 1e-2 if dtype is np.float32 else 1e-6
    assert abs(d - central(lambda x: float(outer(x, op)), 1.5, 1e-3)) < tol * max(1.0, abs(d))
    assert tg.jit(tg.grad(lambda x: outer(x, iop)))(1.5) == d
    with pytest.raises(TypeError, match="write a = a"):     # a NumPy array is not traced
        outer(1.5, iop)


@pytest.mark.parametrize("k", range(len(IN_PLACE) - 1))
def test_grad_of_grad_of_an_in_place_float32_array_update(k):
    iop, op = IN_PLACE[k], PLAIN[k]

    def f(x, apply):
        u = np.full(2, 1.5, np.float32) * x
        u = apply(u, x * x + 1.0)
        return np.sum(u)
    for x in (0.6, 1.7):
        ours = f(x, iop)
        numpy_way = np.full(2, 1.5, np.float32) * x
        iop(numpy_way, x * x + 1.0)
        assert ours == np.sum(numpy_way) and np.asarray(ours).dtype == np.float32
        gg = tg.grad(tg.grad(lambda y: f(y, iop)))(x)
        plain = tg.grad(tg.grad(lambda y: f(y, op)))(x)
        assert abs(gg - plain) <= 1e-5 * max(1.0, abs(plain))      # float32 rounding apart
        assert tg.jit(tg.grad(tg.grad(lambda y: f(y, iop))))(x) == gg
