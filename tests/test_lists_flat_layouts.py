"""What real programs wrote that tapegrad refused or laid out apart from NumPy.

``tapegrad.scipy.special.expit([a, b])`` and ``stats.norm.logpdf(x, 0, [s1, s2])``
with lists of traced numbers (SciPy reads a list as an array); writes through
``a.flat[k] = v``; ``np.ravel(a, order="K")`` after ``np.rot90`` of a transposed
array, ``np.polyval`` at one and ``np.einsum``, which read NumPy's memory layout. Each against
SciPy's or NumPy's own values, central differences, jit bit for bit and vmap as
the Python loop.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special
import scipy.stats
from conftest import fd

import tapegrad as tg
import tapegrad.scipy.special as tss
import tapegrad.scipy.stats as tst

X = np.array([0.3, 1.2, 0.7])
BATCH = np.stack([X, X * 1.3 + 0.1, X[::-1]])


def same(a: object, b: object) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def check(f: object, want: object) -> None:
    """f(X) is ``want`` (NumPy's or SciPy's); grad, jit, vmap and vmap(grad) agree."""
    np.testing.assert_allclose(f(X), want, rtol=1e-13)
    loss = lambda x: np.sum(f(x) * np.arange(1.0, np.size(want) + 1).reshape(np.shape(want)))  # noqa: E731
    np.testing.assert_allclose(tg.grad(loss)(X), fd(loss, X), rtol=1e-7, atol=1e-9)
    assert same(tg.jit(f)(X), f(X)) and same(tg.jit(tg.grad(loss))(X), tg.grad(loss)(X))
    assert same(tg.vmap(f)(BATCH), np.stack([f(b) for b in BATCH]))
    assert same(tg.vmap(tg.grad(loss))(BATCH), np.stack([tg.grad(loss)(b) for b in BATCH]))


LISTS = {
    "expit": (lambda x: tss.expit([x[0], -x[1], 2.0]),
              lambda x: scipy.special.expit([x[0], -x[1], 2.0])),
    "log_expit": (lambda x: tss.log_expit((x[0], x[2])),
                  lambda x: scipy.special.log_expit((x[0], x[2]))),
    "logit": (lambda x: tss.logit([x[0], x[2] / 2]),
              lambda x: scipy.special.logit([x[0], x[2] / 2])),
    "norm.logpdf": (lambda x: tst.norm.logpdf(np.array([0.1, -0.4]), 0, [x[0], x[1]]),
                    lambda x: scipy.stats.norm.logpdf(np.array([0.1, -0.4]), 0, [x[0], x[1]])),
    "norm.cdf": (lambda x: tst.norm.cdf(np.array([0.1, -0.4]), [x[2], 0.0], scale=[x[0], 1.5]),
                 lambda x: scipy.stats.norm.cdf(np.array([0.1, -0.4]), [x[2], 0.0],
                                                scale=[x[0], 1.5])),
    "t.logpdf": (lambda x: tst.t.logpdf(np.array([0.1, -0.4]), [x[1] + 2, 3.0]),
                 lambda x: scipy.stats.t.logpdf(np.array([0.1, -0.4]), [x[1] + 2, 3.0])),
    "gamma.logpdf": (lambda x: tst.gamma.logpdf(np.array([0.5, 2.0]), [x[1], x[2]]),
                     lambda x: scipy.stats.gamma.logpdf(np.array([0.5, 2.0]), [x[1], x[2]])),
    "frozen": (lambda x: tst.norm(0.0, [x[0], x[1]]).logpdf(np.array([0.1, -0.4])),
               lambda x: scipy.stats.norm(0.0, [x[0], x[1]]).logpdf(np.array([0.1, -0.4]))),
}


@pytest.mark.parametrize("name", sorted(LISTS))
def test_a_list_of_traced_numbers_is_read_as_an_array(name: str) -> None:
    ours, scipys = LISTS[name]
    check(ours, scipys(X))


def flat_writes(x: np.ndarray) -> np.ndarray:
    a = np.outer(x, x)
    a.flat[::4] = x * 2.0                       # the diagonal
    a.flat[np.array([1, 5])] = x[2] ** 2
    a.flat[6:8] = [x[0], 1.5]
    b = np.zeros_like(a)
    b.flat[:] = x                               # fewer values: NumPy repeats them
    return a + b * a.flat[3] + np.sum(a.flat[[2, 7]])


def test_writes_through_flat_are_numpys() -> None:
    check(flat_writes, flat_writes(X))
    a = np.arange(4.0)
    with pytest.raises(TypeError, match=r"^x\.flat\[\.\.\.\] = y on a traced array: x is an "
                       "argument"):                          # an argument: copy it first
        tg.grad(lambda x: (x.flat.__setitem__(0, 1.0), np.sum(x))[1])(a)


C3 = np.random.RandomState(11).randn(2, 3, 4)
LAYOUTS = {
    "einsum_transposed": lambda x: np.einsum("ij->ji", np.outer(x, x[:2])),
    "einsum_output_order": lambda x: np.einsum("ij,j->ji", np.outer(x, x[:2]), x[1:]),
    "einsum_optimized": lambda x: np.einsum("bij,jk->bik", C3, np.outer(
        np.concatenate([x, x[:1]]), np.concatenate([x, x[:2]])), optimize="greedy"),
    "rot90_of_transposed": lambda x: np.rot90(np.outer(x, x[:2]).T),
    "rot90_twice_of_transposed": lambda x: np.rot90(np.outer(x, x[:2]).T, 2) * 2.0,
    "polyval_at_transposed": lambda x: np.polyval(np.array([1.0, -0.5, 2.0]),
                                                  np.outer(x, x[:2]).T),
}


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_ravel_in_memory_order_is_numpys(name: str) -> None:
    def f(x: np.ndarray) -> np.ndarray:
        return np.ravel(LAYOUTS[name](x), order="K")
    check(f, f(X))
    assert same(tg.vjp(f, X)[0], f(X))
