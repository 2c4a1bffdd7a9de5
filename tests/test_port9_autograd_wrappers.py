"""HIPS autograd's ``tests/test_wrappers.py`` with its imports renamed to tapegrad's.

autograd's test file imports ``checkpoint, elementwise_grad, grad,
grad_and_aux, hessian, hessian_tensor_product, jacobian, make_ggnvp,
make_hvp, make_jvp, tensor_jacobian_product, value_and_grad`` from
``autograd``, ``check_equivalent, check_grads`` from ``autograd.test_util``
and ``isbox`` from ``autograd.tracer``; the same lines with ``tapegrad``
import. Each product is checked against the explicit Jacobian or Hessian
(and those against central differences), under ``jit`` too; autograd's
other operators (``make_vjp``, ``deriv``, ``grad_named``,
``multigrad_dict``, ``vector_jacobian_product``) against closed forms.
"""

from __future__ import annotations

import numpy as np
import numpy.random as npr
import pytest
from conftest import fd

import tapegrad as tg
from tapegrad import (
    checkpoint,
    deriv,
    grad,
    grad_and_aux,
    grad_named,
    hessian,
    hessian_tensor_product,
    jacobian,
    make_ggnvp,
    make_hvp,
    make_jvp,
    make_vjp,
    multigrad_dict,
    tensor_jacobian_product,
    value_and_grad,
    vector_jacobian_product,
)
from tapegrad.test_util import check_equivalent, check_grads
from tapegrad.tracer import isbox


def test_value_and_grad_gives_a_plain_value():
    x = npr.RandomState(42).randn(5)
    fun = lambda x: np.sum(np.sin(x) ** 2)  # noqa: E731
    both = value_and_grad(fun)
    assert not isbox(both(x)[0])
    check_equivalent(fun(x), both(x)[0])
    check_equivalent(grad(fun)(x), both(x)[1])
    check_equivalent(both(x)[1], fd(fun, x))
    check_grads(lambda x: both(x)[0])(x)


@pytest.mark.parametrize("shape", [(5,), (5, 4), (5, 4, 3)], ids=str)
def test_hessian_tensor_product(shape):
    rng = npr.RandomState(42)
    fun = lambda a: np.sum(np.sin(a))  # noqa: E731
    a, v = rng.randn(*shape), rng.randn(*shape)
    H = hessian(fun)(a)
    np.testing.assert_allclose(np.diag(H.reshape(a.size, a.size)), -np.sin(a).ravel())
    want = np.tensordot(H, v, axes=np.ndim(v))
    check_equivalent(want, hessian_tensor_product(fun)(a, v))
    check_equivalent(want, tg.jit(hessian_tensor_product(fun))(a, v))
    hvp, g = make_hvp(fun)(a)
    check_equivalent(want, hvp(v))
    check_equivalent(g, np.cos(a))


@pytest.mark.parametrize("a_shape, v_shape", [((5,), (5,)), ((5, 4), (5, 4)),
                                              ((5, 4, 3), (5, 4))], ids=str)
def test_tensor_jacobian_product(a_shape, v_shape):
    rng = npr.RandomState(42)
    fun = lambda a: np.roll(np.sin(a), 1)  # noqa: E731   (an asymmetric Jacobian)
    a, v = rng.randn(*a_shape), rng.randn(*v_shape)
    J = jacobian(fun)(a)
    want = np.tensordot(v, J, axes=np.ndim(v))
    check_equivalent(want, tensor_jacobian_product(fun)(a, v))
    check_equivalent(want, vector_jacobian_product(fun)(a, v))
    if v_shape == a_shape:
        vjp, value = make_vjp(fun)(a)
        check_equivalent(value, fun(a))
        check_equivalent(want, vjp(v))


def test_make_jvp():
    rng = npr.RandomState(42)
    A, x, v = rng.randn(3, 5), rng.randn(5), rng.randn(5)
    fun = lambda x: np.tanh(np.dot(A, x))  # noqa: E731
    value, tangent = make_jvp(fun)(x)(v)
    check_equivalent(value, fun(x))
    check_equivalent(tangent, np.dot(jacobian(fun)(x), v))
    check_equivalent(tangent, (fun(x + 1e-6 * v) - fun(x - 1e-6 * v)) / 2e-6)
    check_equivalent(tg.jit(lambda x, v: make_jvp(fun)(x)(v))(x, v), (value, tangent))


def _explicit_ggnvp(f, g=lambda y: 1.0 / 2 * np.dot(y, y)):
    def at(x):
        J, H = jacobian(f)(x), hessian(g)(f(x))
        return lambda v: np.dot(J.T, np.dot(H, np.dot(J, v)))
    return at


@pytest.mark.parametrize("nondefault_g", [False, True])
def test_make_ggnvp(nondefault_g):
    rng = npr.RandomState(42)
    A, x, v = rng.randn(5, 4), rng.randn(4), rng.randn(4)
    g = lambda y: np.sum(2.0 * y ** 2 + y ** 4)  # noqa: E731
    for fun in (lambda x: np.dot(A, x), lambda x: np.tanh(np.dot(A, x))):
        got = make_ggnvp(fun, g)(x)(v) if nondefault_g else make_ggnvp(fun)(x)(v)
        want = _explicit_ggnvp(fun, g)(x)(v) if nondefault_g else _explicit_ggnvp(fun)(x)(v)
        check_equivalent(got, want)
    fun = lambda x: np.dot(A, x)  # noqa: E731   (linear f: the Hessian of g(f(x)) itself)
    check_equivalent(make_ggnvp(fun)(x)(v), A.T @ A @ v)


def test_grad_and_aux():
    rng = npr.RandomState(42)
    A, x = rng.randn(5, 4), rng.randn(4)
    f = lambda x: (np.sum(np.dot(A, x)), x ** 2)  # noqa: E731
    out = grad_and_aux(f)(x)
    assert len(out) == 2
    check_equivalent(out[0], A.sum(axis=0))
    check_equivalent(out[1], x ** 2)
    assert not isbox(out[1])
    check_equivalent(tg.jit(grad_and_aux(f))(x), out)


def test_deriv_grad_named_and_multigrad_dict():
    assert deriv(lambda x: x ** 3)(2.0) == 12.0
    x = np.array([0.3, -1.2, 2.0])
    check_equivalent(deriv(np.sin)(x), np.cos(x))

    def f(a, b, c=2.0):
        return a * np.sin(b) + c * a ** 2

    assert grad_named(f, "b")(1.5, 0.5) == 1.5 * np.cos(0.5)
    got = multigrad_dict(f)(1.5, 0.5)
    assert list(got) == ["a", "b", "c"]
    check_equivalent(got, {"a": np.sin(0.5) + 2 * 2.0 * 1.5, "b": 1.5 * np.cos(0.5),
                           "c": 1.5 ** 2})


def test_checkpoint_keeps_the_gradient():
    def f(a):
        for _ in range(3):
            a = np.sin(a ** 2 + 1)
        return a

    def loss(g, x):
        for _ in range(2):
            x = g(x)
        return np.sum(x)

    x = npr.RandomState(0).randn(6)
    want = grad(loss, 1)(f, x)
    check_equivalent(grad(loss, 1)(checkpoint(f), x), want)
    check_equivalent(want, fd(lambda v: loss(f, v), x))


def test_check_equivalent_refuses_a_mismatch():
    with pytest.raises(AssertionError):
        check_equivalent(np.ones(3), np.ones(3) + 1e-3)
    with pytest.raises(AssertionError):
        check_equivalent(np.ones(3), np.ones((3, 1)))
    with pytest.raises(AssertionError):
        check_equivalent({"a": 1.0}, {"b": 1.0})
    assert isbox(1.0) is False
    assert tg.grad(lambda x: x * float(isbox(x)))(2.0) == 1.0
