"""A view of a traced array read after a write into that array: refused, as NumPy's would differ.

NumPy's view shows a later write into its base; a traced view keeps the values
it was made with. Each case runs eagerly on NumPy (where the view sees the
write) and under grad, jit and vmap, which refuse the read naming the fix, or,
where the read comes before the write or the write misses the view, give
NumPy's numbers.
"""

from __future__ import annotations

import numpy as np
import pytest
from port8_check import check

import tapegrad as tg

X = np.array([1.0, 2.0, 3.0, 4.0])
TRANSFORMS = {
    "grad": lambda f: tg.grad(lambda v: np.sum(f(v)))(X),
    "jit": lambda f: tg.jit(f)(X),
    "vmap": lambda f: tg.vmap(f)(np.stack([X, X + 1.0])),
    "jit(grad)": lambda f: tg.jit(tg.grad(lambda v: np.sum(f(v))))(X),
}


def read_after(x):
    y = x.copy()
    r = y[0:2]
    y[0] = 10.0 * x[3]
    return r * x[:2]


def returned_reshape(x):
    y = x.copy()
    r = y.reshape(2, 2)
    y[1] = 0.0
    return r


def view_of_view(x):
    y = x.copy()
    r = y[1:][::2]          # y[1], y[3]
    y[3] = x[0]
    return r + 1.0


def transposed(x):
    y = np.outer(x, x)
    t = y.T
    y[0, 1] = -1.0
    return np.sum(t, axis=0)


STALE = [read_after, returned_reshape, view_of_view, transposed]


@pytest.mark.parametrize("transform", TRANSFORMS)
@pytest.mark.parametrize("f", STALE, ids=lambda f: f.__name__)
def test_a_view_read_after_a_write_into_its_base_is_refused(f, transform):
    with pytest.raises(TypeError, match=r"view of a traced array .* was read after a write"
                                        r".*\.copy\(\)"):
        TRANSFORMS[transform](f)


def read_before(x):
    y = x.copy()
    r = y[0:2]
    s = np.sum(r * x[:2])
    y[0] = s
    return y * x


def made_after(x):
    y = x.copy()
    y[0] = 10.0 * x[3]
    return y[0:2] * x[:2]


def apart(x):
    y = x.copy()
    r = y[0:2]
    y[3] = x[0] ** 2
    return np.concatenate([r * x[:2], y[2:]])


def copied_view(x):
    y = x.copy()
    r = y[0:2].copy()
    y[0] = 10.0 * x[3]
    return np.concatenate([r, y])


@pytest.mark.parametrize("f", [read_before, made_after, apart, copied_view],
                         ids=lambda f: f.__name__)
def test_a_view_the_write_does_not_change_is_numpys_under_every_transform(f):
    check(f, X)
