"""Array programs, part twelve: the programs of ``real_programs12.py`` under every transform.

For each program, at three inputs: ``jit`` equals NumPy bit for bit (value,
dtype and type) in one trace; ``grad`` agrees with central differences (in
float64, for the float32 programs too, whose gradients stay float32);
``jit(grad)`` equals ``grad`` bit for bit; ``vmap`` of the value and of
``grad`` equals a Python loop over the inputs bit for bit; ``jvp`` returns
NumPy's value and ``grad @ v``; the Hessian agrees with central differences
of ``grad`` and is symmetric. The programs written with ``tapegrad.scipy``
give SciPy's numbers with SciPy's modules. Then what running them found,
each as its own test.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import real_programs8
import real_programs9
import real_programs10
import real_programs11
import real_programs12
import scipy.linalg
import scipy.special
import scipy.stats
import test_real_programs4 as part_four
import test_real_programs6 as part_six
from conftest import fd
from real_programs12 import PROGRAMS, Case

import tapegrad as tg

NAMES = sorted(PROGRAMS)


def same(a: Any, b: Any) -> bool:
    """Equal bits, dtype, shape and type."""
    if type(a) is not type(b):
        return False
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def tangent(x: np.ndarray) -> np.ndarray:
    return np.linspace(0.5, -1.0, x.size).astype(x.dtype)


def test_there_are_fifty_new_programs() -> None:
    earlier = {*part_four.PROGRAMS, *part_six.PROGRAMS, *real_programs8.PROGRAMS,
               *real_programs9.PROGRAMS, *real_programs10.PROGRAMS, *real_programs11.PROGRAMS}
    assert len(PROGRAMS) >= 50 and not set(PROGRAMS) & earlier
    assert sum(c.xs[0].dtype == np.float32 for c in PROGRAMS.values()) >= 3


@pytest.mark.parametrize("name", NAMES)
def test_jit_equals_numpy_bit_for_bit_in_one_trace(name: str) -> None:
    c: Case = PROGRAMS[name]
    jf = tg.jit(c.f)
    for x in c.xs:
        assert same(jf(x), c.f(x)), x
    assert jf.trace_count == 1


@pytest.mark.parametrize("name", NAMES)
def test_grad_agrees_with_central_differences(name: str) -> None:
    c: Case = PROGRAMS[name]
    g = tg.grad(c.f)
    for x in c.xs:
        got = g(x)
        assert got.dtype == x.dtype and got.shape == x.shape
        x64 = x.astype(np.float64)
        want = fd(c.f, x64, 1e-6 * max(1.0, float(np.max(np.abs(x64)))))
        scale = max(1.0, float(np.max(np.abs(want))))
        np.testing.assert_allclose(got, want, rtol=c.rtol, atol=c.rtol * 1e-2 * scale)


@pytest.mark.parametrize("name", NAMES)
def test_jit_grad_equals_grad_bit_for_bit(name: str) -> None:
    c: Case = PROGRAMS[name]
    g = tg.grad(c.f)
    jg = tg.jit(g)
    for x in c.xs:
        assert same(jg(x), g(x)), x
    assert jg.trace_count == 1


@pytest.mark.parametrize("name", NAMES)
def test_vmap_and_vmap_grad_equal_a_python_loop_bit_for_bit(name: str) -> None:
    c: Case = PROGRAMS[name]
    batch = np.stack(c.xs)
    for h in (c.f, tg.grad(c.f)):
        got = tg.vmap(h)(batch)
        want = np.stack([np.asarray(h(x)) for x in c.xs])
        assert got.dtype == want.dtype and got.shape == want.shape
        assert got.tobytes() == want.tobytes()


@pytest.mark.parametrize("name", NAMES)
def test_jvp_is_numpys_value_and_grad_times_v(name: str) -> None:
    c: Case = PROGRAMS[name]
    for x in c.xs[:2]:
        t = tangent(x)
        out, dout = tg.jvp(c.f, (x,), (t,))
        assert same(out, c.f(x))
        want = np.sum(tg.grad(c.f)(x) * t)
        tol = 1e-9 if x.dtype == np.float64 else 1e-4
        np.testing.assert_allclose(dout, want, rtol=tol, atol=tol * 1e-3 * np.max(np.abs(x)))


SMOOTH = [pytest.param(n, marks=pytest.mark.skip(reason=PROGRAMS[n].no_hessian))
          if PROGRAMS[n].no_hessian else n for n in NAMES]


@pytest.mark.parametrize("name", SMOOTH)
def test_hessian_agrees_with_differences_of_grad(name: str) -> None:
    c: Case = PROGRAMS[name]
    x = c.xs[0]
    H = tg.hessian(c.f)(x)
    g = tg.grad(c.f)
    want = np.stack([fd(lambda y, i=i: g(y)[i], x, 1e-5) for i in range(x.size)])
    scale = max(1.0, float(np.max(np.abs(want))))
    np.testing.assert_allclose(H, want, rtol=1e-5, atol=1e-6 * scale)
    np.testing.assert_allclose(H, H.T, rtol=1e-10, atol=1e-12 * scale)


# ------------------------------------------------------------ SciPy's own modules
WITH_SCIPY = [n for n in NAMES if any(m in PROGRAMS[n].f.__code__.co_names
                                      for m in ("special", "stats", "sla"))]


@pytest.mark.parametrize("name", WITH_SCIPY)
def test_programs_give_scipys_numbers_with_scipys_modules(name: str, monkeypatch) -> None:
    c: Case = PROGRAMS[name]
    ours = [c.f(x) for x in c.xs]
    monkeypatch.setattr(real_programs12, "special", scipy.special)
    monkeypatch.setattr(real_programs12, "stats", scipy.stats)
    monkeypatch.setattr(real_programs12, "sla", scipy.linalg)
    theirs = [c.f(x) for x in c.xs]
    np.testing.assert_allclose(ours, theirs, rtol=1e-12 if c.xs[0].dtype == np.float64 else 1e-6)


def test_with_scipy_covers_every_tapegrad_scipy_module() -> None:
    used = {m for n in WITH_SCIPY for m in PROGRAMS[n].f.__code__.co_names}
    assert {"special", "stats", "sla"} <= used and len(WITH_SCIPY) >= 12
