"""The battery every array program of ``real_programs11.py`` and later runs, made per module.

For each program, at its inputs: ``jit`` equals NumPy bit for bit (value,
dtype and type) in one trace; ``grad`` agrees with central differences (in
float64, for float32 programs too, whose gradients stay float32);
``jit(grad)`` equals ``grad`` bit for bit; ``vmap`` of the value and of
``grad`` equals a Python loop bit for bit; ``jvp`` returns NumPy's value and
``grad @ v``; the Hessian agrees with central differences of ``grad`` and is
symmetric; programs written with ``tapegrad.scipy`` give SciPy's numbers
with SciPy's own modules.

Eager ``grad`` at each input is computed once per module and shared by the
tests that compare against it (``--dist loadfile`` runs a module's tests in one
worker), where each test computed it again: ``grad`` checks it against central
differences, the others check their transform against it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from types import CodeType, FunctionType, ModuleType
from typing import Any

import numpy as np
import pytest
import scipy.linalg
import scipy.special
import scipy.stats
from conftest import fd

import tapegrad as tg


def same(a: Any, b: Any) -> bool:
    """Equal bits, dtype, shape and type."""
    if type(a) is not type(b):
        return False
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def tangent(x: np.ndarray) -> np.ndarray:
    return np.linspace(0.5, -1.0, x.size).astype(x.dtype)


def differences_of_grad(g: Callable[..., Any], x: np.ndarray, eps: float) -> np.ndarray:
    """``conftest.fd`` of each ``g(x)[i]`` (row ``i``), each column from one pair of calls
    of ``g``: the same numbers as ``np.stack([fd(lambda y: g(y)[i], x, eps) for i ...])``."""
    want = np.zeros((x.size, x.size))
    for j in range(x.size):
        e = np.zeros_like(x, dtype=float)
        e[j] = eps
        want[:, j] = (g(x + e) - g(x - e)) / (2 * eps)
    return want


def _names(code: CodeType, helpers: dict[str, Any] | None = None,
           seen: set[CodeType] | None = None) -> set[str]:
    """The global names ``code`` reads, with those of the functions defined in it and, given
    ``helpers`` (a module's globals), of the module's functions it calls, at any depth."""
    seen = set() if seen is None else seen
    seen.add(code)
    inner = [c for c in code.co_consts if isinstance(c, CodeType)]
    if helpers is not None:
        inner += [f.__code__ for n in code.co_names
                  if isinstance(f := helpers.get(n), FunctionType)]
    return set(code.co_names).union(*(_names(c, helpers, seen) for c in inner
                                      if c not in seen))


def there_are_new_programs(part: int, at_least: int) -> Callable[[], None]:
    """The test that ``real_programs<part>.py`` has ``at_least`` programs, none of an earlier
    part's (parts four and six, then 8 to ``part - 1``), all taking float64."""
    def test_there_are_new_programs() -> None:
        earlier = [importlib.import_module(m) for m in ("test_real_programs4",
                                                        "test_real_programs6")]
        earlier += [importlib.import_module(f"real_programs{n}") for n in range(8, part)]
        programs = importlib.import_module(f"real_programs{part}").PROGRAMS
        assert len(programs) >= at_least
        assert not set(programs) & {name for m in earlier for name in m.PROGRAMS}
        assert all(c.xs[0].dtype == np.float64 for c in programs.values())
    return test_there_are_new_programs


def battery(module: ModuleType, scipy_rtol: float, scipy_programs: int,
            follow_helpers: bool = False) -> dict[str, Callable[..., None]]:
    """The tests of ``module.PROGRAMS``, by name, for a test module's globals; with
    ``follow_helpers`` a program uses SciPy where a module function it calls does."""
    programs = module.PROGRAMS
    names = sorted(programs)
    def marked(test: str, among: list[str]) -> list[Any]:
        """``among``, the programs that expect ``test`` to fail as a strict xfail."""
        out: list[Any] = []
        for n in among:
            why = dict(programs[n].xfail).get(test)
            out.append(pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=why))
                       if why else n)
        return out
    smooth = [pytest.param(n, marks=pytest.mark.skip(reason=programs[n].no_hessian))
              if programs[n].no_hessian else m for n, m in zip(names, marked("hessian", names))]
    helpers = vars(module) if follow_helpers else None
    with_scipy = [n for n in names if any(m in _names(programs[n].f.__code__, helpers)
                                          for m in ("special", "stats", "sla"))]
    grads: dict[tuple[str, int], Any] = {}

    def eager_grad(name: str, i: int) -> Any:
        """``tg.grad(f)(xs[i])`` of program ``name``, computed at its first use."""
        if (name, i) not in grads:
            c = programs[name]
            grads[name, i] = tg.grad(c.f)(c.xs[i])
        return grads[name, i]

    @pytest.mark.parametrize("name", marked("jit", names))
    def test_jit_equals_numpy_bit_for_bit_in_one_trace(name: str) -> None:
        c = programs[name]
        jf = tg.jit(c.f)
        for x in c.xs:
            assert same(jf(x), c.f(x)), x
        assert jf.trace_count == c.traces

    @pytest.mark.parametrize("name", marked("grad", names))
    def test_grad_agrees_with_central_differences(name: str) -> None:
        c = programs[name]
        for i, x in enumerate(c.xs):
            got = eager_grad(name, i)
            assert got.dtype == x.dtype and got.shape == x.shape
            x64 = x.astype(np.float64)
            want = fd(c.f, x64, c.fd_step * max(1.0, float(np.max(np.abs(x64)))))
            scale = max(1.0, float(np.max(np.abs(want))))
            np.testing.assert_allclose(got, want, rtol=c.rtol, atol=c.rtol * 1e-2 * scale)

    @pytest.mark.parametrize("name", marked("jit_grad", names))
    def test_jit_grad_equals_grad_bit_for_bit(name: str) -> None:
        c = programs[name]
        jg = tg.jit(tg.grad(c.f))
        for i, x in enumerate(c.xs):
            assert same(jg(x), eager_grad(name, i)), x
        assert jg.trace_count == (c.grad_traces or c.traces)

    @pytest.mark.parametrize("name", marked("vmap", names))
    def test_vmap_and_vmap_grad_equal_a_python_loop_bit_for_bit(name: str) -> None:
        c = programs[name]
        batch = np.stack(c.xs)
        loops = ([np.asarray(c.f(x)) for x in c.xs],
                 [np.asarray(eager_grad(name, i)) for i in range(len(c.xs))])
        for h, loop in zip((c.f, tg.grad(c.f)), loops):
            got = tg.vmap(h)(batch)
            want = np.stack(loop)
            assert got.dtype == want.dtype and got.shape == want.shape
            assert got.tobytes() == want.tobytes()

    @pytest.mark.parametrize("name", marked("jvp", names))
    def test_jvp_is_numpys_value_and_grad_times_v(name: str) -> None:
        c = programs[name]
        for i, x in enumerate(c.xs[:2]):
            t = tangent(x)
            out, dout = tg.jvp(c.f, (x,), (t,))
            assert same(out, c.f(x))
            want = np.sum(eager_grad(name, i) * t)
            computed64 = x.dtype == np.float64 and np.asarray(out).dtype == np.float64
            tol = 1e-9 if computed64 else 1e-4       # a float32 program of float64 input too
            np.testing.assert_allclose(dout, want, rtol=tol, atol=tol * 1e-3 * np.max(np.abs(x)))

    @pytest.mark.parametrize("name", smooth)
    def test_hessian_agrees_with_differences_of_grad(name: str) -> None:
        c = programs[name]
        x = c.xs[0]
        H = tg.hessian(c.f)(x)
        g = tg.grad(c.f)
        want = differences_of_grad(g, x, 1e-5)
        scale = max(1.0, float(np.max(np.abs(want))))
        np.testing.assert_allclose(H, want, rtol=1e-5, atol=1e-6 * scale)
        np.testing.assert_allclose(H, H.T, rtol=1e-10, atol=1e-12 * scale)

    @pytest.mark.parametrize("name", with_scipy)
    def test_programs_give_scipys_numbers_with_scipys_modules(name: str, monkeypatch) -> None:
        c = programs[name]
        ours = [c.f(x) for x in c.xs]
        monkeypatch.setattr(module, "special", scipy.special)
        monkeypatch.setattr(module, "stats", scipy.stats)
        monkeypatch.setattr(module, "sla", scipy.linalg)
        theirs = [c.f(x) for x in c.xs]
        rtol = scipy_rtol if c.xs[0].dtype == np.float64 else 1e-6
        np.testing.assert_allclose(ours, theirs, rtol=rtol)

    def test_with_scipy_covers_every_tapegrad_scipy_module() -> None:
        used = {m for n in with_scipy for m in _names(programs[n].f.__code__, helpers)}
        assert {"special", "stats", "sla"} <= used and len(with_scipy) >= scipy_programs

    return {k: v for k, v in locals().items() if k.startswith("test_")}
