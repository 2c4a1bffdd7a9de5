"""Array programs, part fifteen: the programs of ``real_programs15.py`` under every transform.

Public code as its authors wrote it, at three inputs whose trip counts and
branch outcomes differ where the program has them: ``jit`` equals NumPy bit
for bit (value, dtype and type) in one trace; ``grad`` agrees with central
differences; ``jit(grad)`` equals ``grad`` bit for bit; ``vmap`` of the value
and of ``grad`` equals a Python loop bit for bit; ``jvp`` returns NumPy's
value and ``grad @ v``; the Hessian agrees with central differences of
``grad``. Then what running them found.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import real_programs8
import real_programs9
import real_programs10
import real_programs11
import real_programs12
import real_programs13
import real_programs14
import real_programs15
import test_real_programs4 as part_four
import test_real_programs6 as part_six
from conftest import fd
from program_battery import battery, same
from real_programs15 import PROGRAMS, S_POW

import tapegrad as tg


def test_there_are_new_programs() -> None:
    earlier = {*part_four.PROGRAMS, *part_six.PROGRAMS, *real_programs8.PROGRAMS,
               *real_programs9.PROGRAMS, *real_programs10.PROGRAMS, *real_programs11.PROGRAMS,
               *real_programs12.PROGRAMS, *real_programs13.PROGRAMS, *real_programs14.PROGRAMS}
    assert len(PROGRAMS) >= 38 and not set(PROGRAMS) & earlier
    assert all(c.xs[0].dtype == np.float64 for c in PROGRAMS.values())


globals().update(battery(real_programs15, scipy_rtol=1e-12, scipy_programs=0))


# ------------------------------------------------------------ what running them found
VIEWS = {"column": lambda a: a[:, 1], "transpose": lambda a: a.T,
         "every other": lambda a: a[:, ::2], "reversed": lambda a: a[::-1],
         "3-d": lambda a: a.reshape(5, 7, 1).transpose(2, 1, 0)}


@pytest.mark.parametrize("view", sorted(VIEWS))
def test_norm_of_a_strided_view_is_numpys_bit_for_bit(view: str) -> None:
    # np.linalg.norm sums x.ravel(order="K") by BLAS on a contiguous copy; norm took the
    # view itself (a column is strided, a transpose in C order), an ulp off NumPy for
    # about one matrix in six, eagerly, under jit and vmap (Gram-Schmidt's
    # A[:, [0]] / np.linalg.norm(A[:, 0]))
    rs = np.random.RandomState(3)
    v = VIEWS[view]
    f = lambda a: np.linalg.norm(v(a * 1.0))      # noqa: E731
    jf, batch = tg.jit(f), rs.randn(60, 5, 7)
    for a in batch:
        want = f(a)
        assert same(jf(a), want) and same(tg.value_and_grad(f)(a)[0], want)
    assert tg.vmap(f)(batch).tobytes() == np.stack([f(a) for a in batch]).tobytes()
    np.testing.assert_allclose(tg.grad(f)(batch[0]), fd(f, batch[0]), rtol=1e-6, atol=1e-8)


def _power_step(v):
    z = np.dot(S_POW, v)
    return math.sqrt(np.dot(z, z))


def test_a_math_call_in_code_run_before_names_the_numpy_function() -> None:
    # Python 3.11 specializes a warm math.sqrt(...) to run in its PRECALL instruction: after
    # one plain run of the function the refusal lost the call's source and its fix
    v = np.array([1.0, 0.2, 0.1])
    _power_step(v)
    for transform in (tg.grad, tg.jit):
        with pytest.raises(TypeError, match=r"math\.sqrt\(np\.dot\(z, z\)\) at .* Write "
                                            r"np\.sqrt\(np\.dot\(z, z\)\)"):
            transform(_power_step)(v)
