"""Array programs, part twenty: the programs of ``real_programs20.py`` under every transform.

Textbook routines and lecture notebooks, under the checks of ``program_battery.py`` (its
docstring says them), SciPy's numbers with SciPy's modules included. Then what
running them found.
"""

from __future__ import annotations

import numpy as np
import pytest
import real_programs20
from conftest import fd
from program_battery import battery, same, there_are_new_programs

import tapegrad as tg

test_there_are_new_programs = there_are_new_programs(20, at_least=30)


globals().update(battery(real_programs20, scipy_rtol=1e-12, scipy_programs=5))


# ------------------------------------------------------------ what running them found
def pivoted(x):
    # gauss_pivot_scaled_row_swaps, powell_golden_line_searches: Kiusalaas' p = int(np.argmax(...))
    # refused under jit and vmap ("int() of a traced integer"); it is now a guard, as
    # `if p == k:` would be, and a call whose index differs traces again
    a = x.reshape(3, 3).copy()
    for k in range(2):
        p = int(np.argmax(abs(a[k:, k]))) + k
        if p != k:
            a[[k, p], :] = a[[p, k], :]
        a[k + 1:] = a[k + 1:] - np.outer(a[k + 1:, k] / a[k, k], a[k])
    rows = [a[0, 0], a[1, 1] * 2.0, a[2, 2] * 3.0]
    return rows[int(np.argmin(np.abs(x[:3])))] + np.sum(a ** 2)


PIVOTS = [np.array([1.0, 2.0, 0.5, 3.0, -1.0, 2.0, 0.2, 1.0, 4.0]),
          np.array([3.0, 2.0, 0.5, 1.0, -1.0, 2.0, 0.2, 1.0, 4.0]),
          np.array([1.0, 0.3, 2.5, 3.0, -1.0, 2.0, 0.2, 1.0, 4.0]),
          np.array([1.1, 2.0, 0.5, 3.0, -1.0, 2.0, 0.2, 1.0, 4.0])]


def test_int_of_a_traced_argmax_is_a_guard_under_jit_vmap_and_jit_grad() -> None:
    jf, jg = tg.jit(pivoted), tg.jit(tg.grad(pivoted))
    for x in PIVOTS:
        assert same(jf(x), pivoted(x)) and same(jg(x), tg.grad(pivoted)(x))
        np.testing.assert_allclose(tg.grad(pivoted)(x), fd(pivoted, x), rtol=1e-6)
    assert jf.trace_count == jg.trace_count == 3      # the last call's pivots are the first's
    xs = np.stack(PIVOTS)
    for h in (pivoted, tg.grad(pivoted)):
        assert same(tg.vmap(h)(xs), np.stack([h(x) for x in xs]))
    assert same(tg.jit(tg.vmap(pivoted))(xs), tg.vmap(pivoted)(xs))


def test_int_of_a_traced_float_still_says_it_drops_the_derivative() -> None:
    with pytest.raises(TypeError, match=r"int\(\) of a traced value would drop its derivative"):
        tg.jit(lambda x: x * int(x[0]))(np.ones(2))

