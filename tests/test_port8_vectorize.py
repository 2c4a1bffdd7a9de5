"""JAX's ``tests/lax_numpy_vectorize_test.py`` and NumPy's functions of functions, ported.

``tg.vectorize`` (NumPy's ``np.vectorize``, JAX's ``jnp.vectorize``): a
function of scalars with Python branches, generalized-ufunc signatures
(``(n),(n)->()``, ``(n)->(n,n)``, two outputs), broadcast loop axes,
excluded arguments by position and by name, each equal to NumPy's
``np.vectorize`` under every transform (``port8_check.check``), and NumPy's
errors for a bad signature or core size. ``np.apply_along_axis`` and
``np.apply_over_axes`` on traced values likewise. NumPy's own
``np.vectorize`` and ``np.frompyfunc`` cannot take a traced value (they
convert with ``np.asanyarray``): their refusal names ``tg.vectorize``.
"""

from __future__ import annotations

import numpy as np
import pytest
from port8_check import check

import tapegrad as tg

X = np.linspace(-1.3, 2.1, 12).reshape(3, 4)


def _branchy(a):
    return a * a if a > 0 else -a


def _dot(a, b):
    return np.dot(a, b)


def _pw(a, p):
    return a ** p


CASES = {   # name: (np.vectorize's arguments, the call on a value v)
    "scalars with a branch": ((_branchy,), {}, lambda f, v: f(v)),
    "one axis": ((_branchy,), {}, lambda f, v: f(v[0])),
    "a scalar": ((_branchy,), {}, lambda f, v: f(v[0, 0])),
    "two arguments broadcast": ((lambda a, b: a * b if a > b else a + b,), {},
                                lambda f, v: f(v, v[:, :1])),
    "(n),(n)->()": ((_dot,), {"signature": "(n),(n)->()"}, lambda f, v: f(v, v[::-1])),
    "(n),(n)->() broadcast": ((_dot,), {"signature": "(n),(n)->()"}, lambda f, v: f(v, v[0])),
    "(n),(n)->() no loop": ((_dot,), {"signature": "(n),(n)->()"}, lambda f, v: f(v[0], v[1])),
    "(n)->(n,n)": ((lambda a: np.outer(a, a),), {"signature": "(n)->(n,n)"}, lambda f, v: f(v)),
    "(n)->(),() second": ((lambda a: (a.sum(), a.max()),), {"signature": "(n)->(),()"},
                          lambda f, v: f(v)[1]),
    "(m,n)->(n)": ((lambda a: a.mean(axis=0),), {"signature": "(m,n)->(n)"},
                   lambda f, v: f(v[None])),
    "excluded position": ((_pw,), {"excluded": {1}}, lambda f, v: f(v, 2)),
    "excluded name": ((_pw,), {"excluded": {"p"}}, lambda f, v: f(v, p=3)),
}


@pytest.mark.parametrize("name", CASES)
def test_vectorize_is_numpys_under_every_transform(name):
    args, kwargs, call = CASES[name]
    expected = call(np.vectorize(*args, **kwargs), X)
    check(lambda v: call(tg.vectorize(*args, **kwargs), v), X, expected=expected)


def test_vectorize_keeps_float32():
    x = X.astype(np.float32)
    check(lambda v: tg.vectorize(_branchy)(v), x, expected=np.vectorize(_branchy)(x), rtol=1e-2)


def test_vectorize_raises_numpys_errors():
    with pytest.raises(ValueError, match="not a valid gufunc signature"):
        tg.vectorize(_dot, signature="(n),(n)")
    with pytest.raises(ValueError, match="inconsistent size for core dimension 'n'"):
        tg.vectorize(_dot, signature="(n),(n)->()")(X, X[:, :3])
    with pytest.raises(ValueError, match="not have enough dimensions"):
        tg.vectorize(_dot, signature="(n),(n)->()")(X, 1.0)
    with pytest.raises(TypeError, match="wrong number of positional arguments"):
        tg.vectorize(_dot, signature="(n),(n)->()")(X)


REFUSED = {   # NumPy's own, on a traced v
    "np.vectorize": lambda v: np.vectorize(_branchy)(v),
    "np.vectorize with a signature": lambda v: np.vectorize(_dot, signature="(n),(n)->()")(v, v),
    "np.frompyfunc": lambda v: np.frompyfunc(_branchy, 1, 1)(v),
}


@pytest.mark.parametrize("name", REFUSED)
def test_numpys_vectorize_and_frompyfunc_refuse_naming_tg_vectorize(name):
    with pytest.raises(TypeError, match=r"tg\.vectorize\(f"):
        tg.grad(lambda v: np.sum(REFUSED[name](v)))(X)


AXES = {   # name: a function of v with NumPy's apply_along_axis / apply_over_axes
    "along 1": lambda v: np.apply_along_axis(lambda r: r * r.sum(), 1, v),
    "along 0 to scalars": lambda v: np.apply_along_axis(np.max, 0, v),
    "along 1 to matrices": lambda v: np.apply_along_axis(np.outer, 1, v[:, :2], np.ones(2)),
    "along -1 with a branch": lambda v: np.apply_along_axis(
        lambda r: r[0] * r[1] if r[0] > 0 else r[2], -1, v),
    "over 0 and 1": lambda v: np.apply_over_axes(np.sum, v, [0, 1]),
    "over 1": lambda v: np.apply_over_axes(np.mean, v, 1),
}


@pytest.mark.parametrize("name", AXES)
def test_apply_along_and_over_axes_under_every_transform(name):
    check(AXES[name], X, expected=AXES[name](X))
