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
import real_programs15
import scipy.special
import scipy.stats
from conftest import fd
from program_battery import battery, same, there_are_new_programs
from real_programs15 import S_POW

import tapegrad as tg
import tapegrad.scipy.special as tss

test_there_are_new_programs = there_are_new_programs(15, at_least=38)


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


FROZEN = {"norm": ((0.5,), {"scale": 2.0}, "logpdf", 1.3),
          "gamma": ((2.0,), {"scale": 0.5}, "cdf", 1.1),
          "poisson": ((3.0,), {}, "logpmf", 2.0), "t": ((4.0, 1.0), {}, "logsf", 0.3),
          "expon": ((), {"loc": 0.2}, "ppf", 0.4), "lognorm": ((0.7,), {"scale": 1.5}, "pdf", 0.9)}


@pytest.mark.parametrize("name", sorted(FROZEN))
def test_a_distribution_called_is_scipys_frozen_form(name: str) -> None:
    # MaxHalford's BayesLinReg.predict returns stats.norm(loc=..., scale=...): "'module'
    # object is not callable"; each distribution's module is callable as SciPy's object is
    import tapegrad.scipy.stats as tstats
    args, kwds, method, x = FROZEN[name]
    ours = getattr(getattr(tstats, name)(*args, **kwds), method)
    theirs = getattr(getattr(scipy.stats, name)(*args, **kwds), method)
    np.testing.assert_allclose(ours(x), theirs(x), rtol=1e-13)
    assert same(tg.jit(lambda v: ours(v))(x), ours(x))
    if method != "logpmf":
        g = tg.grad(lambda v: getattr(getattr(tstats, name)(*args, **kwds), method)(v))(x)
        np.testing.assert_allclose(g, fd(lambda v: theirs(v), np.array(x)), rtol=1e-6)


def test_a_frozen_distribution_names_the_functions_it_has() -> None:
    import tapegrad.scipy.stats as tstats
    with pytest.raises(AttributeError, match=r"scipy\.stats\.norm\(\.\.\.\)\.moment: .* \(cdf, "):
        tstats.norm(0.0, 1.0).moment(1)


def test_loggamma_is_scipys_with_digamma_derivatives() -> None:
    # a negative binomial likelihood by scipy.special.loggamma: tapegrad.scipy.special had
    # gammaln only; loggamma of a real is gammaln where x >= 0 and nan below (SciPy's)
    x = np.array([-2.5, -1.0, -0.0, 0.0, 1e-300, 0.5, 3.0, np.inf, -np.inf, np.nan])
    np.testing.assert_allclose(tss.loggamma(x), scipy.special.loggamma(x), rtol=1e-13, atol=1e-15)
    assert tss.loggamma(np.float32(0.3)).dtype == np.float32
    y = np.array([0.5, 2.5, 3.7])
    for lg in (tss.loggamma, scipy.special.loggamma):     # SciPy's own ufunc runs ours too
        f = lambda v, lg=lg: np.sum(lg(v) * v)    # noqa: E731
        np.testing.assert_allclose(tg.grad(f)(y), scipy.special.digamma(y) * y
                                   + scipy.special.loggamma(y), rtol=1e-13)
        assert same(tg.jit(f)(y), f(y))


RAVELED = {"transpose": lambda x: x.T, "reversed transpose": lambda x: x.T[::-1],
           "reversed": lambda x: x[::-1], "every other": lambda x: x[:, ::2],
           "column": lambda x: x[:, 1], "C": lambda x: x}


@pytest.mark.parametrize("order", ["C", "F", "A", "K"])
def test_ravel_flatten_and_reshape_read_numpys_order(order: str) -> None:
    # ravel(order="K") and "A" were read as "C": a.T.ravel("K") gave a.T's rows, where NumPy
    # gives a's memory order (a silent permutation); a strided vector raveled is NumPy's
    # contiguous copy (np.dot of it rounds as BLAS on contiguous data does)
    a = np.arange(6.0).reshape(2, 3) + 0.5
    for name, view in RAVELED.items():
        w = np.arange(view(a).size) - 1.5
        fs = [lambda x, v=view: np.ravel(v(x * 1.0), order=order) * w,
              lambda x, v=view: v(x * 1.0).flatten(order) * w,
              lambda x, v=view: v(x * 1.0).ravel(order) * w]
        if order != "K":        # reshape(order="A") was read as "C" too
            fs += [lambda x, v=view: np.reshape(v(x * 1.0), (-1, 1), order=order)[:, 0] * w,
                   lambda x, v=view: v(x * 1.0).reshape((1, -1), order=order)[0] * w]
        for f in fs:
            want = f(a)
            assert same(tg.jit(f)(a), want) and same(tg.vjp(f, a)[0], want), name
            assert same(tg.vmap(f)(np.stack([a, -a])), np.stack([f(a), f(-a)])), name
            t = np.linspace(-1.0, 1.0, 6).reshape(2, 3)
            np.testing.assert_allclose(tg.jvp(f, (a,), (t,))[1], f(t), rtol=1e-15)   # linear


def test_dot_of_a_raveled_column_and_vdot_round_as_numpy() -> None:
    rs = np.random.RandomState(5)
    fs = (lambda a: np.dot(a[:, 2].ravel(), a[:, 2].ravel()), lambda a: np.vdot(a[:, 2], a[:, 2]))
    for f in fs:
        jf = tg.jit(f)
        for a in rs.randn(40, 30, 15):
            assert same(jf(a), f(a)) and same(tg.value_and_grad(f)(a)[0], f(a))
