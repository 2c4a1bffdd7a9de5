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

import re

import numpy as np
import pytest
import real_programs8
import real_programs9
import real_programs10
import real_programs11
import real_programs12
import scipy.interpolate
import scipy.linalg
import scipy.signal
import scipy.special
import scipy.stats
import test_real_programs4 as part_four
import test_real_programs6 as part_six
from conftest import fd
from program_battery import battery, same
from real_programs12 import PROGRAMS

import tapegrad as tg
import tapegrad.polynomial as tpoly
import tapegrad.scipy.interpolate as tss_interpolate
import tapegrad.scipy.linalg as tss_la
import tapegrad.scipy.signal as tss_signal
import tapegrad.scipy.special as tss
import tapegrad.scipy.stats as tss_stats

NAMES = sorted(PROGRAMS)


def test_there_are_fifty_new_programs() -> None:
    earlier = {*part_four.PROGRAMS, *part_six.PROGRAMS, *real_programs8.PROGRAMS,
               *real_programs9.PROGRAMS, *real_programs10.PROGRAMS, *real_programs11.PROGRAMS}
    assert len(PROGRAMS) >= 50 and not set(PROGRAMS) & earlier
    assert sum(c.xs[0].dtype == np.float32 for c in PROGRAMS.values()) >= 3


globals().update(battery(real_programs12, scipy_rtol=1e-12, scipy_programs=12))


# ------------------------------------------------------------ what running them found
def test_ediff1d_takes_a_list_holding_traced_values() -> None:
    # np.ediff1d(x, to_end=[0.0, -x[-1]]) said "np.asarray was applied to a traced value"
    f = lambda x: np.ediff1d(x, to_begin=x[0], to_end=[0.0, -x[-1]])      # noqa: E731
    x = np.array([0.2, 0.5, 1.1, 0.7])
    assert same(tg.jit(f)(x), f(x))
    loss = lambda x: np.sum(f(x) * np.arange(6.0))                       # noqa: E731
    np.testing.assert_allclose(tg.grad(loss)(x), fd(loss, x), rtol=1e-7)
    batch = np.stack([x, 2 * x])
    assert same(tg.vmap(f)(batch), np.stack([f(b) for b in batch]))


PAD_SIDES = {"pair": (lambda x: np.pad(x, (1, 2), constant_values=(x[0], -1.0)), 1),
             "per_axis": (lambda x: np.pad(x * np.ones((2, 1)), ((1, 1), (2, 1)),
                                           constant_values=((x[0], x[1]), (2.0, x[2]))), 2),
             "one_pair": (lambda x: np.pad(x * np.ones((2, 1)), 1,
                                           constant_values=((x[0], 1.0),)), 2),
             "one": (lambda x: np.pad(x * np.ones((2, 1)), 1, constant_values=(x[1],)), 2)}


@pytest.mark.parametrize("name", sorted(PAD_SIDES))
def test_pad_takes_traced_constant_values_per_side(name: str) -> None:
    # np.pad(x, (1, 1), constant_values=(x[0], -1.0)) said "a traced constant_values must
    # be one number"; each new cell now takes its side's number, corners NumPy's
    f, _ = PAD_SIDES[name]
    x = np.array([1.0, 2.0, 0.5])
    assert same(tg.jit(f)(x), f(x)) and same(tg.vjp(f, x)[0], f(x))
    loss = lambda x: np.sum(np.sin(f(x)) * np.arange(f(x).size).reshape(np.shape(f(x))))  # noqa
    np.testing.assert_allclose(tg.grad(loss)(x), fd(loss, x), rtol=1e-7)
    batch = np.stack([x, 2 * x])
    assert same(tg.vmap(f)(batch), np.stack([f(b) for b in batch]))
    x32 = x.astype(np.float32)
    assert same(tg.jit(f)(x32), f(x32)) and same(tg.vjp(f, x32)[0], f(x32))


A_DEC = np.random.RandomState(5).randn(5, 3)
DECOMPOSITIONS = {
    "qr": lambda m: tss_la.qr(m[:3]), "qr_economic": lambda m: tss_la.qr(m, mode="economic"),
    "qr_r": lambda m: tss_la.qr(m, mode="r"),
    "svd": lambda m: tss_la.svd(m, full_matrices=False),
    "svd_values": lambda m: tss_la.svd(m, compute_uv=False),
    "eigh": lambda m: tss_la.eigh(m.T @ m, lower=False),
    "eigh_values": lambda m: tss_la.eigh(m.T @ m, eigvals_only=True),
    "eigvalsh": lambda m: tss_la.eigvalsh(m.T @ m), "pinv": lambda m: tss_la.pinv(m),
    "lstsq": lambda m: tss_la.lstsq(m, np.arange(5.0)),
    "lstsq_matrix": lambda m: tss_la.lstsq(m, np.ones((5, 2)))}


@pytest.mark.parametrize("name", sorted(DECOMPOSITIONS))
def test_scipy_decompositions_are_scipys(name: str, monkeypatch) -> None:
    # scipy.linalg.qr (svd, eigh, eigvalsh, pinv, lstsq) was refused: "tapegrad.scipy.linalg
    # has only cho_factor, ..."; they are NumPy's, behind SciPy's signatures
    f = DECOMPOSITIONS[name]
    ours = f(A_DEC)
    monkeypatch.setattr(tss_la, name.split("_")[0], getattr(scipy.linalg, name.split("_")[0]))
    theirs = f(A_DEC)
    ours, theirs = (ours, theirs) if isinstance(ours, tuple) else ((ours,), (theirs,))
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs):     # factors up to the signs of their columns
        assert np.shape(o) == np.shape(t)
        np.testing.assert_allclose(np.abs(o), np.abs(t), rtol=1e-10, atol=1e-12)
    monkeypatch.undo()
    loss = lambda m: sum(np.sum(np.abs(o)) for o in  # noqa: E731
                         (f(m) if isinstance(f(m), tuple) else (f(m),)) if np.ndim(o) > 0 or 1)
    np.testing.assert_allclose(tg.grad(loss)(A_DEC), fd(loss, A_DEC), rtol=1e-5, atol=1e-7)
    assert same(tg.jit(tg.grad(loss))(A_DEC), tg.grad(loss)(A_DEC))


def test_scipy_decompositions_say_what_they_lack() -> None:
    with pytest.raises(ValueError, match=r"scipy\.linalg\.qr: .*pass mode='economic'"):
        tss_la.qr(A_DEC)
    with pytest.raises(ValueError, match=r"scipy\.linalg\.eigh: tapegrad has the standard "
                       r"problem only"):
        tss_la.eigh(np.eye(2), np.eye(2))
    with pytest.raises(TypeError, match=r"^scipy\.linalg\.schur was applied to a traced "
                       r"value.*tapegrad\.scipy\.linalg has only .*qr, solve"):
        tg.grad(lambda a: np.sum(scipy.linalg.schur(a)[0]))(np.eye(2) + 1.0)


COMPLEX_PARTS = {"np.real": lambda x: np.sum(np.real(np.exp(1j * x))),
                 "np.imag": lambda x: np.sum(np.imag(np.exp(1j * x))),
                 ".real": lambda x: np.sum((x + 1j).real)}


@pytest.mark.parametrize("name", sorted(COMPLEX_PARTS))
def test_parts_of_a_complex_traced_value_are_numpys_and_grad_refuses_them(name: str) -> None:
    # np.real(np.exp(1j * x)) was x's exp(1j x) itself (complex) under jit and grad, and
    # np.imag of it zeros: a complex constant makes a complex traced value
    f = COMPLEX_PARTS[name]
    x = np.array([0.3, 1.2])
    assert same(tg.jit(f)(x), f(x))
    with pytest.raises(TypeError, match=r"complex constant.*tapegrad computes on real numbers"):
        tg.grad(f)(x)


def test_a_complex_traced_value_is_refused_where_it_is_made() -> None:
    with pytest.raises(TypeError, match="complex"):
        tg.grad(lambda x: np.sum(np.abs(np.exp(1j * x))))(np.array([0.3, 1.2]))


def test_a_composite_of_a_numpy_scalar_is_the_loops_under_vmap() -> None:
    # logit, a composite, computed with math.log on a NumPy scalar and np.log on a batch
    # (an ulp apart under vmap); it is a primitive computing with NumPy on both
    f = lambda p: tss.logit(np.mean(p))                                   # noqa: E731
    batch = np.random.RandomState(0).rand(50, 3)
    assert same(tg.vmap(f)(batch), np.stack([np.asarray(f(b)) for b in batch]))
    g = tg.grad(f)
    assert same(tg.vmap(g)(batch), np.stack([g(b) for b in batch]))
    for p in (0.3, np.float64(0.8), np.array([0.1, 0.5, 0.99], np.float32)):
        np.testing.assert_allclose(tss.logit(p), scipy.special.logit(p), rtol=1e-15 if np.ndim(
            p) == 0 else 1e-6)
        np.testing.assert_allclose(tg.grad(lambda q: np.sum(tss.logit(q)))(p),
                                   1.0 / (p * (1.0 - p)), rtol=1e-12 if np.ndim(p) == 0 else 1e-6)
    assert same(tg.jit(f)(batch[0]), f(batch[0]))
    assert tss.logit(np.array([2, 1], np.int16)).dtype == np.float64


SHAPE_DERIVATIVES = {
    "beta.cdf": (lambda a: np.sum(tss_stats.beta.cdf(np.array([0.2, 0.6]), a, 3.0)),
                 r"tapegrad\.scipy\.special\.betainc: the derivative with respect to a or b"),
    "stdtr": (lambda df: np.sum(scipy.special.stdtr(df, np.array([0.5, -1.0]))),
              r"tapegrad\.scipy\.special\.stdtr: the derivative with respect to df"),
}


@pytest.mark.parametrize("name", sorted(SHAPE_DERIVATIVES))
def test_a_second_shape_derivative_names_the_function_and_what_to_hold(name: str) -> None:
    f, message = SHAPE_DERIVATIVES[name]
    with pytest.raises(NotImplementedError, match=message + r" \(a second time\).*hold"):
        tg.grad(tg.grad(f))(2.0)


@pytest.mark.parametrize("name", sorted(SHAPE_DERIVATIVES))
def test_shape_derivatives_agree_with_differences(name: str) -> None:
    f, _ = SHAPE_DERIVATIVES[name]
    np.testing.assert_allclose(tg.grad(f)(2.0), fd(f, 2.0), rtol=1e-7)


# Once refused with no counterpart: SciPy's and NumPy's own convert with np.asarray (C code
# a traced value cannot pass), and each names its tapegrad counterpart, which the program
# calls instead (np.unique runs itself: below)
COUNTERPARTS = {
    "scipy.stats.zscore": ("tapegrad.scipy.stats.zscore",
                           lambda x: np.sum(scipy.stats.zscore(x) ** 3),
                           lambda x: np.sum(tss_stats.zscore(x) ** 3)),
    "scipy.signal.lfilter": ("tapegrad.scipy.signal.lfilter",
                             lambda x: np.sum(scipy.signal.lfilter([0.5, 0.5], [1.0, -0.3], x)),
                             lambda x: np.sum(tss_signal.lfilter([0.5, 0.5], [1.0, -0.3], x))),
    "scipy.signal.savgol_filter": ("tapegrad.scipy.signal.savgol_filter",
                                   lambda x: np.sum(scipy.signal.savgol_filter(x, 3, 1) ** 2),
                                   lambda x: np.sum(tss_signal.savgol_filter(x, 3, 1) ** 2)),
    "scipy.interpolate.CubicSpline.__init__": (
        "tapegrad.scipy.interpolate.CubicSpline",
        lambda x: np.sum(scipy.interpolate.CubicSpline(np.arange(4.0), x)(np.array([0.5, 2.5]))),
        lambda x: np.sum(tss_interpolate.CubicSpline(np.arange(4.0), x)(np.array([0.5, 2.5])))),
    "np.polynomial.ABCPolyBase.fit": ("tapegrad.polynomial.Polynomial.fit",
                                      lambda x: np.sum(np.polynomial.Polynomial.fit(
                                          np.arange(4.0), x, 2).coef),
                                      lambda x: np.sum(tpoly.Polynomial.fit(
                                          np.arange(4.0), x, 2).coef)),
    "np.polynomial.chebyshev.chebval": ("tapegrad.polynomial.chebyshev.chebval",
                                        lambda x: np.polynomial.chebyshev.chebval(0.3, x),
                                        lambda x: tpoly.chebyshev.chebval(0.3, x)),
}


@pytest.mark.parametrize("name", sorted(COUNTERPARTS))
def test_a_function_with_a_counterpart_names_it_and_the_counterpart_differentiates(
        name: str) -> None:
    x = np.array([0.3, 1.2, 0.7, 2.1])
    spelling, theirs, f = COUNTERPARTS[name]
    message = "^" + re.escape(name) + r" was applied to a traced value: .* Use " + \
        re.escape(spelling)
    for transform in (tg.grad, tg.jit):
        with pytest.raises(TypeError, match=message):
            transform(theirs)(x)
    np.testing.assert_allclose(tg.grad(f)(x), fd(f, x), rtol=1e-6)
    assert same(tg.jit(f)(x), f(x))
    np.testing.assert_allclose(f(x), theirs(x), rtol=1e-12)


def test_np_unique_differentiates_where_the_tape_is_not_replayed_and_jit_asks_for_size(
        ) -> None:
    f = lambda x: np.sum(np.unique(x) ** 2)                               # noqa: E731
    x = np.array([0.3, 1.2, 0.7, 2.1])
    np.testing.assert_allclose(tg.grad(f)(x), fd(f, x), rtol=1e-7)
    with pytest.raises(TypeError, match=r"^np\.unique\(x\) of a traced value under jit.*"
                       r"tg\.unique\(x, size=n\)"):
        tg.jit(f)(x)
    g = lambda x: np.sum(tg.unique(x, size=4) ** 2)                       # noqa: E731
    assert same(tg.jit(g)(x), f(x)) and same(tg.jit(tg.grad(g))(x), tg.grad(f)(x))


CHI2_X = np.array([-1.0, 0.0, 1e-10, 0.3, 1.0, 2.5, 10.0, 80.0, np.inf, np.nan])


@pytest.mark.parametrize(("df", "loc", "scale"), [(3.0, 0.0, 1.0), (2.0, 0.5, 2.0), (0.7, 0.0, 1.0),
                                                  (-1.0, 0.0, 1.0), (4.0, 0.0, -1.0)])
def test_chi2_is_scipys_over_the_line(df: float, loc: float, scale: float) -> None:
    # a variance test's scipy.stats.chi2.logpdf was refused: "tapegrad.scipy.stats has only
    # norm, t, gamma, ..."; tapegrad.scipy.stats.chi2 is gamma(df / 2, scale=2), SciPy's
    for fun in ("cdf", "logcdf", "logpdf", "logsf", "pdf", "sf"):     # functions of x
        got = getattr(tss_stats.chi2, fun)(CHI2_X, df, loc, scale)
        with np.errstate(all="ignore"):
            want = getattr(scipy.stats.chi2, fun)(CHI2_X, df, loc, scale)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=0, equal_nan=True)


@pytest.mark.parametrize("fun", ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"])
def test_chi2_differentiates_under_every_transform(fun: str) -> None:
    at = np.array([0.3, 1.2, 2.5])
    df = 1.0 if fun in ("logpdf", "pdf") else 3.0        # a shape derivative in the density
    f = lambda p: np.sum(getattr(tss_stats.chi2, fun)(at * p[2], df * p[0] if fun in (  # noqa
        "logpdf", "pdf") else df, p[1], 1.5))
    p = np.array([3.0, -0.1, 1.0])
    np.testing.assert_allclose(tg.grad(f)(p), fd(f, p), rtol=1e-6, atol=1e-9)
    assert same(tg.jit(f)(p), f(p)) and same(tg.jit(tg.grad(f))(p), tg.grad(f)(p))
    batch = np.stack([p, p * 1.1, p * 0.9])
    assert same(tg.vmap(tg.grad(f))(batch), np.stack([tg.grad(f)(b) for b in batch]))
    with pytest.raises(TypeError, match=rf"^scipy\.stats\.chi2\.{fun} was applied to a "
                       rf"traced value.*Use tapegrad\.scipy\.stats\.chi2\.{fun} instead\.$"):
        tg.grad(lambda x: np.sum(getattr(scipy.stats.chi2, fun)(x, 3.0)))(at)


TWINS = {"erfcinv": lambda x: scipy.special.erfcinv(x / 3),
         "rgamma": lambda x: scipy.special.rgamma(x + 0.1),
         "boxcox": lambda x: scipy.special.boxcox(x, x[::-1] - 1.0),
         "boxcox_at_0": lambda x: scipy.special.boxcox(x, 0.0 * x),
         "boxcox1p": lambda x: scipy.special.boxcox1p(x, 0.5 - x[::-1]),
         "huber": lambda x: scipy.special.huber(x[::-1], x - 1.0),
         "pseudo_huber": lambda x: scipy.special.pseudo_huber(x[::-1] + 0.5, x - 1.0)}


@pytest.mark.parametrize("name", sorted(TWINS))
def test_scipys_boxcox_huber_rgamma_erfcinv_run_with_derivatives(name: str) -> None:
    # scipy.special.boxcox (boxcox1p, huber, pseudo_huber, rgamma, erfcinv) on a traced value
    # was refused: "tapegrad.scipy.special has no boxcox"; SciPy's ufunc now computes the
    # value, bit for bit, and the derivative is its closed form, to any order
    f = TWINS[name]
    x = np.array([0.3, 1.2, 2.5, 0.05])
    assert same(tg.jit(f)(x), f(x)) and same(tg.vjp(f, x)[0], f(x))
    batch = np.stack([x, 1.1 * x])
    assert same(tg.vmap(f)(batch), np.stack([f(b) for b in batch]))
    loss = lambda x: np.sum(f(x) * np.arange(1.0, 5.0))                   # noqa: E731
    g = tg.grad(loss)(x)
    want = fd(loss, x)
    np.testing.assert_allclose(g, want, rtol=1e-6, atol=1e-9 * np.max(np.abs(want)))
    H = tg.hessian(loss)(x)
    Hd = np.stack([fd(lambda y, i=i: tg.grad(loss)(y)[i], x, 1e-6) for i in range(4)])
    np.testing.assert_allclose(H, Hd, rtol=1e-4, atol=1e-6 * np.max(np.abs(Hd)))
