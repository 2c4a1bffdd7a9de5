"""Array programs, part eleven: the programs of ``real_programs11.py`` under every transform.

For each program, at three inputs: ``jit`` equals NumPy bit for bit (value,
dtype and type) in one trace; ``grad`` agrees with central differences (in
float64, for the float32 programs too, whose gradients stay float32);
``jit(grad)`` equals ``grad`` bit for bit; ``vmap`` of the value and of
``grad`` equals a Python loop over the inputs bit for bit; ``jvp`` returns
NumPy's value and ``grad @ v``; the Hessian agrees with central differences
of ``grad`` and is symmetric (piecewise programs too, away from their kinks:
there it is what the pieces give). The programs written with
``tapegrad.scipy`` give SciPy's numbers with SciPy's modules. Then what
running them found, each as its own test:

- ``scipy.linalg.expm`` was refused (``tapegrad.scipy.linalg`` had no
  ``expm``); it is now there, NumPy's scaling and squaring with its Frechet
  derivative as a block ``expm``;
- ``scipy.stats.lognorm`` was refused (``tapegrad.scipy`` had none); it is now
  ``tapegrad.scipy.stats.lognorm``, SciPy's functions and parametrization;
- ``np.array(ys)`` of a Python list of traced values said "ys is traced ...
  write ys", which returns a list; it now says ``np.stack(ys)``;
- ``x.std()`` (no arguments) returned a Python float under ``jit``, ``jvp``
  and ``vjp`` where NumPy returns ``np.float64``; a float32 ``np.quantile``
  (``np.percentile``, ``np.median``, ``np.nanmax``, ``np.nanmin``) to a scalar
  a 0-d array where NumPy returns ``np.float32``; ``np.linalg.norm(x, p)`` was
  a last bit off NumPy (float32, and p = 4 in float64): NumPy raises a scalar
  sum to ``1 / p`` by the scalar's own power, not ``np.power``;
- ``np.dot`` of an operand with more than two axes (``np.dot(H, W)`` of a
  batch of sequences) was computed as a matrix product, where NumPy takes one
  BLAS inner product per element: an ulp apart under ``jit``, ``vjp`` and
  ``vmap``; it is now NumPy's ``dot`` itself, a primitive with its rules
  (``np.inner`` of stacks too, NumPy's ``dot`` with b's last axes swapped);
- ``scipy.fft.rfft`` was refused as "scipy.fft._ScipyBackend.__ua_function__",
  with no advice; it is named through SciPy's backend, with ``np.fft``'s advice;
- SciPy's ``entr``, ``rel_entr`` and ``kl_div`` on float32 data under
  ``jit``, ``vjp`` and ``vmap`` rounded apart from SciPy (which computes them
  in float64): their twins ran tapegrad's composite; they now run SciPy's
  ufunc with the composite's partials;
- what stays refused says what to write: ``np.fft``, ``scipy.stats``'s
  objects and SciPy's non-ufunc functions, a traced boolean mask, item
  assignment;
- a 0-d array that NumPy returns (``np.tensordot`` of two matrices over both
  axes, ``x[:1].reshape(())``, ``np.where`` of two float64 scalars) comes back
  from ``jit`` as a float (strict xfail); the sum of an ``np.einsum`` with
  ``optimize`` is an ulp off NumPy's, which sums tensordot's transposed view
  in memory order (strict xfail).
"""

from __future__ import annotations

import numpy as np
import pytest
import real_programs8
import real_programs9
import real_programs10
import real_programs11
import scipy.fft
import scipy.linalg
import scipy.special
import scipy.stats
import test_real_programs4 as part_four
import test_real_programs6 as part_six
from conftest import fd
from program_battery import battery, same
from real_programs11 import PROGRAMS

import tapegrad as tg
import tapegrad.scipy.linalg as tsl
import tapegrad.scipy.special as tss
import tapegrad.scipy.stats as tss_stats

NAMES = sorted(PROGRAMS)


def test_there_are_forty_new_programs() -> None:
    earlier = {*part_four.PROGRAMS, *part_six.PROGRAMS, *real_programs8.PROGRAMS,
               *real_programs9.PROGRAMS, *real_programs10.PROGRAMS}
    assert len(PROGRAMS) >= 40 and not set(PROGRAMS) & earlier
    assert sum(c.xs[0].dtype == np.float32 for c in PROGRAMS.values()) >= 3


globals().update(battery(real_programs11, scipy_rtol=1e-13, scipy_programs=8))


# ------------------------------------------------------------ what running them found
EXPM_SCALES = [0.01, 0.3, 1.0, 4.0, 30.0]


@pytest.mark.parametrize("scale", EXPM_SCALES)
def test_expm_is_scipys_to_rounding(scale: float) -> None:
    # a linear ODE's x(t) = expm(A t) x0 said "tapegrad.scipy.linalg has only cho_factor,
    # ...": scaling and squaring with Pade 13, the squarings chosen by the 1-norm
    A = np.random.RandomState(int(scale * 100)).randn(5, 5) * scale
    want = scipy.linalg.expm(A)
    np.testing.assert_allclose(tsl.expm(A), want, rtol=1e-12, atol=1e-14 * np.max(np.abs(want)))
    assert same(tg.jit(tsl.expm)(A), tsl.expm(A))
    stack = np.stack([A, -A, 0.5 * A])
    assert same(tsl.expm(stack), np.stack([tsl.expm(m) for m in stack]))
    assert same(tg.vmap(tsl.expm)(stack), tsl.expm(stack))


def test_expm_derivatives_are_the_closed_forms() -> None:
    rs = np.random.RandomState(3)
    A, W, E = rs.randn(3, 3), rs.randn(3, 3), rs.randn(3, 3)
    # d/dt expm(t A) = A expm(t A): A commutes with itself
    np.testing.assert_allclose(tg.jacfwd(lambda t: tsl.expm(t * A))(0.7),
                               A @ scipy.linalg.expm(0.7 * A), rtol=1e-12)
    # the directional derivative is SciPy's expm_frechet, in both modes
    frechet = scipy.linalg.expm_frechet(A, E, compute_expm=False)
    np.testing.assert_allclose(tg.jvp(tsl.expm, (A,), (E,))[1], frechet, rtol=1e-12, atol=1e-13)
    f = lambda a: np.sum(tsl.expm(a) * W)                                    # noqa: E731
    np.testing.assert_allclose(np.sum(tg.grad(f)(A) * E), np.sum(frechet * W), rtol=1e-12)
    # a diagonal matrix: expm is exp of the diagonal, and so are its derivatives
    d = np.array([0.3, -1.2, 2.0])
    diag = lambda d: np.diagonal(tsl.expm(np.diag(d)))                       # noqa: E731
    np.testing.assert_allclose(tg.jacobian(diag)(d), np.diag(np.exp(d)), rtol=1e-13)
    np.testing.assert_allclose(tg.hessian(lambda d: np.sum(diag(d)))(d), np.diag(np.exp(d)),
                               rtol=1e-10, atol=1e-12)
    assert same(tg.jit(tg.grad(f))(A), tg.grad(f)(A))
    x32 = A.astype(np.float32)
    assert tsl.expm(x32).dtype == np.float32 and tg.grad(f)(x32).dtype == np.float32
    with pytest.raises(np.linalg.LinAlgError, match=r"linalg\.expm: the array has shape \(3,\)"):
        tsl.expm(d)


def test_scipy_expm_on_a_traced_value_names_tapegrads() -> None:
    A = np.eye(2)
    for transform in (tg.grad, tg.jit):
        with pytest.raises(TypeError, match=r"^scipy\.linalg\.expm was applied to a traced "
                           r"value.*Use tapegrad\.scipy\.linalg\.expm instead\.$"):
            transform(lambda a: np.sum(scipy.linalg.expm(a)))(A)


def ewma_by_np_array(x):
    ew, acc = [], x[0]
    for v in x:
        acc = 0.7 * acc + 0.3 * v
        ew.append(acc)
    return np.sum(np.array(ew) ** 2)


def test_np_array_of_a_list_variable_names_np_stack() -> None:
    # the EWMA's np.array(ew) of a list said "ew is traced ... write ew", which is a list
    x = np.array([1.0, 2.0, 0.5])
    for transform in (tg.grad, tg.jit, tg.vmap):
        with pytest.raises(TypeError, match=r"^np\.array\(ew\) at .*test_real_programs11\.py:"
                           r"\d+: ew is a list of traced values: NumPy's np\.array would "
                           r"convert each and drop their derivative\. Stack them instead: "
                           r"np\.stack\(ew\) \(np\.stack runs tg\.stack\)\.$"):
            transform(ewma_by_np_array)(np.stack([x, x]) if transform is tg.vmap else x)

    def array_itself(x):
        y = x * 2.0
        return np.sum(np.array(y))
    with pytest.raises(TypeError, match=r"y is traced, and tapegrad's arrays act as NumPy's "
                       r"already: write y"):
        tg.grad(array_itself)(x)


def stored(x):
    z = np.zeros(3)
    z[[0, 2]] = x[:2]
    return np.sum(z)


REFUSED = {
    "np.fft.rfft": (lambda x: np.sum(np.abs(np.fft.rfft(x)) ** 2),
                    r"np\.fft\.rfft was applied to a traced value.*real and imaginary parts.*"
                    r"np\.outer\(np\.arange\(n // 2 \+ 1\), np\.arange\(n\)\)"),
    "scipy.fft.rfft": (lambda x: np.sum(scipy.fft.rfft(x).real),   # named through its backend
                       r"^scipy\.fft\.rfft was applied to a traced value.*real and imaginary "
                       r"parts.*np\.outer\(np\.arange\(n // 2 \+ 1\), np\.arange\(n\)\)"),
    "scipy.stats.norm.cdf": (lambda x: np.sum(scipy.stats.norm.cdf(x)),
                             r"scipy\.stats\.norm\.cdf was applied to a traced value.*Use "
                             r"tapegrad\.scipy\.stats\.norm\.cdf instead\."),
    "scipy.special.logsumexp": (lambda x: scipy.special.logsumexp(x),
                                r"Use tapegrad\.scipy\.special\.logsumexp instead\."),
    "scipy.special.polygamma": (lambda x: np.sum(scipy.special.polygamma(1, x)),
                                r"Use tapegrad\.scipy\.special\.polygamma instead\."),
    "mask": (lambda x: np.sum(x[x > 0.5] ** 2),
             r"traced boolean mask \(x\[x > 0\]\).*tg\.where\(mask, x, 0\.0\)"),
    "store": (stored, r"z\[\[0, 2\]\] = \.\.\. stores a traced value into a NumPy array.*"
              r"z = np\.zeros_like\(x\)"),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_what_stays_refused_names_the_problem_and_what_to_write(name: str) -> None:
    f, message = REFUSED[name]
    x = np.array([0.3, 1.2, 0.7, 2.1])
    for transform in (tg.grad, tg.jit):
        with pytest.raises(TypeError, match=message):
            transform(f)(x)


ZERO_D = {"tensordot": lambda x: np.tensordot(x.reshape(2, 2), x.reshape(2, 2)),
          "reshape": lambda x: x[:1].reshape(()),
          "where": lambda x: np.where(x[0] > 0, x[0], 0.0)}


@pytest.mark.parametrize("name", sorted(ZERO_D))
def test_a_0d_array_numpy_returns_stays_a_0d_array_under_jit(name: str) -> None:
    f, x = ZERO_D[name], np.array([0.5, 1.5, 2.0, 0.7])
    assert type(f(x)) is np.ndarray
    assert same(tg.jit(f)(x), f(x))


STD_METHOD = {"std": lambda x: x.std(), "std_2d": lambda x: x.reshape(2, 3).std(),
              "var": lambda x: x.var(), "np.std": lambda x: np.std(x)}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(STD_METHOD))
def test_the_std_method_is_numpys_scalar_under_every_transform(name: str, dtype) -> None:
    # book.std() with no arguments took a fast path that skipped NumPy's scalar: jit,
    # jvp and vjp returned a Python float where NumPy returns np.float64
    f, x = STD_METHOD[name], np.array([0.3, 1.2, 0.7, 2.1, 0.5, 1.4], dtype=dtype)
    assert same(tg.jit(f)(x), f(x)) and same(tg.vjp(f, x)[0], f(x))
    assert same(tg.jvp(f, (x,), (x,))[0], f(x))
    np.testing.assert_allclose(tg.grad(f)(x), fd(f, x.astype(np.float64)), rtol=1e-3)


QUANTILE_METHODS = ["linear", "lower", "higher", "nearest", "midpoint", "inverted_cdf",
                    "averaged_inverted_cdf", "closest_observation", "interpolated_inverted_cdf",
                    "hazen", "weibull", "median_unbiased", "normal_unbiased"]


@pytest.mark.parametrize("method", QUANTILE_METHODS)
def test_a_float32_quantile_is_numpys_float32_scalar(method: str) -> None:
    # np.quantile(x32, 0.05) under jit, jvp and vjp was a 0-d float32 array, NumPy's is
    # np.float32: the nan check's where of two float32 scalars is 0-d, as in NumPy
    x = np.array([0.3, 1.2, 0.7, 2.1, 0.5, 1.4], dtype=np.float32)
    for f in (lambda x: np.quantile(x, 0.3, method=method),
              lambda x: np.percentile(x, 30.0, method=method), np.median):
        assert same(tg.jit(f)(x), f(x)) and same(tg.vjp(f, x)[0], f(x))
        assert same(tg.jvp(f, (x,), (x,))[0], f(x))
        batch = np.stack([x, x[::-1] * 2])
        assert same(tg.vmap(f)(batch), np.stack([f(b) for b in batch]))
    keep = lambda x: np.quantile(x, 0.3, method=method, keepdims=True)    # noqa: E731
    assert same(tg.jit(keep)(x), keep(x))


@pytest.mark.parametrize("name", ["nanmax", "nanmin", "nanmedian", "nanmean"])
def test_a_float32_nan_reduction_is_numpys_float32_scalar(name: str) -> None:
    # np.nanmax(x32) under jit and vjp was a 0-d float32 array (its all-NaN where)
    fn = getattr(np, name)
    for x in (np.array([0.3, np.nan, 2.1, 0.5], dtype=np.float32),
              np.array([0.3, 1.2, 2.1, 0.5], dtype=np.float32)):
        assert same(tg.jit(fn)(x), fn(x)) and same(tg.vjp(fn, x)[0], fn(x))
        batch = np.stack([x, 2 * x])
        assert same(tg.vmap(fn)(batch), np.stack([fn(b) for b in batch]))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("ord_", [3, 2.5, 0.5, -1, 4])
def test_a_p_norm_is_numpys_bit_for_bit(ord_: float, dtype) -> None:
    # np.linalg.norm(w32, 3) was a last bit off: NumPy raises the sum with
    # ret **= reciprocal(ord), a scalar's own power for a full reduction, not np.power
    x = np.array([0.3, -1.2, 0.7, 2.1, 0.5, 1.4], dtype=dtype)
    batch = np.stack([x, 1.5 * x, x[::-1]])
    for f in (lambda x: np.linalg.norm(x, ord_), lambda x: np.linalg.vector_norm(x, ord=ord_),
              lambda x: np.linalg.norm(x.reshape(2, 3), ord_, axis=1)):
        assert same(tg.jit(f)(x), f(x)) and same(tg.vjp(f, x)[0], f(x))
        assert same(tg.vmap(f)(batch), np.stack([f(b) for b in batch]))
    p = float(ord_)
    closed = np.sign(x) * np.abs(x) ** (p - 1) / np.linalg.norm(x, p) ** (p - 1)
    np.testing.assert_allclose(tg.grad(lambda x: np.linalg.norm(x, ord_))(x), closed,
                               rtol=1e-12 if dtype == np.float64 else 1e-5)


INFORMATION = {"entr": (lambda x, y: scipy.special.entr(x)),
               "rel_entr": scipy.special.rel_entr, "kl_div": scipy.special.kl_div}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(INFORMATION))
def test_scipys_entr_rel_entr_kl_div_give_scipys_values(name: str, dtype) -> None:
    # a float32 transport plan's scipy.special.entr(plan) under jit rounded apart from
    # SciPy's (which computes float32 in float64): the twin ran tapegrad's composite
    u = INFORMATION[name]
    x = np.array([0.3, 1.2, 0.7, 2.1, 0.0, -1.4, 0.0], dtype=dtype)
    y = np.array([0.5, 0.0, 0.9, 1.1, 2.0, 1.0, -1.0], dtype=dtype)
    f = lambda x, y: u(x, y)                                              # noqa: E731
    assert same(tg.jit(f)(x, y), f(x, y)) and same(tg.vjp(f, x, y)[0], f(x, y))
    assert same(tg.vmap(f)(np.stack([x, x[::-1]]), np.stack([y, y])),
                np.stack([f(x, y), f(x[::-1], y)]))
    loss = lambda x, y: np.sum(u(x, y) * np.arange(1.0, 8.0))           # noqa: E731
    own = getattr(tss, name)
    ours = (lambda x, y: own(x)) if name == "entr" else own                 # noqa: E731
    told = lambda x, y: np.sum(ours(x, y) * np.arange(1.0, 8.0))           # noqa: E731
    for p, q in ((x, y), (np.abs(x) + 0.1, np.abs(y) + 0.2)):   # the edges, then inside
        np.testing.assert_allclose(tg.grad(loss, argnums=(0, 1))(p, q),
                                   tg.grad(told, argnums=(0, 1))(p, q), rtol=1e-6)
    p, q = np.abs(x.astype(np.float64)) + 0.1, np.abs(y.astype(np.float64)) + 0.2
    np.testing.assert_allclose(tg.grad(loss)(p, q), fd(lambda p: loss(p, q), p), rtol=1e-6)
    np.testing.assert_allclose(tg.hessian(lambda t: u(t, 0.7))(0.4),
                               tg.hessian(lambda t: ours(t, 0.7))(0.4), rtol=1e-12)


LOGNORM_X = np.array([-np.inf, -1.0, 0.0, 1e-300, 1e-10, 0.3, 0.7, 1.0, 2.0, 10.0, 1e300,
                      np.inf, np.nan])
LOGNORM_Q = np.array([-0.1, 0.0, 1e-300, 1e-10, 0.3, 0.5, 0.9, 1 - 1e-16, 1.0, 1.1, np.nan])


@pytest.mark.parametrize(("s", "loc", "scale"), [(0.5, 0.0, 1.0), (1.3, 0.5, 2.0), (0.0, 0.0, 1.0),
                                                 (-1.0, 0.0, 1.0), (0.5, 0.0, -1.0)])
def test_lognorm_is_scipys_over_the_line(s: float, loc: float, scale: float) -> None:
    # the claims model's scipy.stats.lognorm.logpdf was refused: "tapegrad.scipy has no
    # scipy.stats.lognorm"; tapegrad.scipy.stats.lognorm takes SciPy's (x, s, loc, scale)
    summaries = ("entropy", "mean", "var", "std", "median", "interval")   # not of x
    for fun in (f for f in tss_stats.lognorm.__all__ if f not in summaries):
        x = LOGNORM_Q if fun in ("ppf", "isf") else LOGNORM_X
        got = getattr(tss_stats.lognorm, fun)(x, s, loc, scale)
        with np.errstate(all="ignore"):
            want = getattr(scipy.stats.lognorm, fun)(x, s, loc, scale)
        assert got.dtype == want.dtype
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=0, equal_nan=True)


@pytest.mark.parametrize("fun", ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf", "isf"])
def test_lognorm_differentiates_in_every_argument_under_every_transform(fun: str) -> None:
    at = np.array([0.2, 0.5, 0.8]) if fun in ("ppf", "isf") else np.array([0.3, 1.2, 2.5])
    f = lambda p: np.sum(getattr(tss_stats.lognorm, fun)(at * p[3], p[0], p[1], p[2]))  # noqa: E731
    p = np.array([0.6, -0.1, 1.3, 1.0])
    np.testing.assert_allclose(tg.grad(f)(p), fd(f, p), rtol=1e-6, atol=1e-9)
    assert same(tg.jit(f)(p), f(p)) and same(tg.jit(tg.grad(f))(p), tg.grad(f)(p))
    batch = np.stack([p, p * 1.1, p * 0.9])
    assert same(tg.vmap(tg.grad(f))(batch), np.stack([tg.grad(f)(b) for b in batch]))
    H = tg.hessian(f)(p)
    want = np.stack([fd(lambda q, i=i: tg.grad(f)(q)[i], p, 1e-5) for i in range(4)])
    np.testing.assert_allclose(H, want, rtol=1e-5, atol=1e-6)
    x32 = at.astype(np.float32)
    assert getattr(tss_stats.lognorm, fun)(x32, np.float32(0.5)).dtype == np.float32
    with pytest.raises(TypeError, match=rf"^scipy\.stats\.lognorm\.{fun} was applied to a "
                       rf"traced value.*Use tapegrad\.scipy\.stats\.lognorm\.{fun} instead\.$"):
        tg.grad(lambda x: np.sum(getattr(scipy.stats.lognorm, fun)(x, 0.5)))(at)


DOT_SHAPES = [((2, 3, 4), (4, 5)), ((2, 3, 4), (4,)), ((2, 2, 3, 4), (4, 2)),
              ((2, 3, 4), (2, 4, 5)), ((4,), (2, 4, 3)), ((3, 4), (2, 4, 3))]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("sa", "sb"), DOT_SHAPES, ids=str)
def test_np_dot_of_n_d_arrays_is_numpys_bit_for_bit(sa: tuple, sb: tuple, dtype) -> None:
    # np.dot(H, W) of a (batch, time, hidden) H was a matrix product (gemm), NumPy's an
    # inner product per element (ddot): an ulp apart under jit, vjp and vmap
    rs = np.random.RandomState(len(sa) * 10 + len(sb))
    a, b = rs.randn(*sa).astype(dtype), rs.randn(*sb).astype(dtype)
    w = rs.randn(*np.shape(np.dot(a, b)))
    assert same(tg.jit(np.dot)(a, b), np.dot(a, b))
    assert same(tg.vjp(np.dot, a, b)[0], np.dot(a, b))
    batch_a, batch_b = np.stack([a, 2 * a]), np.stack([b, -b])
    for axes, args in (((0, 0), (batch_a, batch_b)), ((0, None), (batch_a, b)),
                       ((None, 0), (a, batch_b))):
        want = np.stack([np.dot(*(x[i] if ax == 0 else x for x, ax in zip(args, axes)))
                         for i in range(2)])
        assert same(tg.vmap(np.dot, in_axes=axes)(*args), want)
    loss = lambda a, b: np.sum(np.dot(a, b) * w)                          # noqa: E731
    ga, gb = tg.grad(loss, argnums=(0, 1))(a, b)
    assert ga.dtype == dtype and gb.dtype == dtype
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    tol = 1e-6 if dtype == np.float64 else 1e-3
    np.testing.assert_allclose(ga, fd(lambda a: loss(a, b64), a64), rtol=tol, atol=tol)
    np.testing.assert_allclose(gb, fd(lambda b: loss(a64, b), b64), rtol=tol, atol=tol)
    jitted = tg.jit(tg.grad(loss, argnums=(0, 1)))(a, b)
    assert same(jitted[0], ga) and same(jitted[1], gb)
    ta, tb = rs.randn(*sa).astype(dtype), rs.randn(*sb).astype(dtype)
    np.testing.assert_allclose(tg.jvp(loss, (a, b), (ta, tb))[1],
                               np.sum(ga * ta) + np.sum(gb * tb), rtol=tol)


def test_a_sum_of_an_optimized_einsum_is_numpys_bit_for_bit() -> None:
    # einsum's result was made C-ordered; NumPy's einsum with optimize returns
    # tensordot's transposed array, which np.sum reduces in memory order (an ulp apart)
    rs = np.random.RandomState(11)
    C, W = rs.randn(2, 3, 4), rs.randn(4, 5)

    def f(s):
        return np.einsum("bij,jk->bik", C, W * s, optimize="greedy").sum()
    assert not np.einsum("bij,jk->bik", C, W, optimize="greedy").flags.c_contiguous
    assert same(tg.jit(f)(0.7), f(0.7))
    ss = np.linspace(0.3, 1.9, 7)
    assert same(tg.vmap(f)(ss), np.array([f(s) for s in ss]))
    assert same(tg.vmap(tg.grad(f))(ss), np.array([tg.grad(f)(s) for s in ss]))
    assert same(tg.jit(tg.grad(f))(0.7), tg.grad(f)(0.7))
    np.testing.assert_allclose(tg.grad(f)(0.7), fd(f, 0.7), rtol=1e-8)


INNER_SHAPES = [((2, 2, 3), (2, 3)), ((2, 2, 3), (3,)), ((3,), (2, 2, 3)), ((2, 3), (4, 2, 3))]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("sa", "sb"), INNER_SHAPES, ids=str)
def test_np_inner_of_stacks_is_numpys_bit_for_bit(sa: tuple, sb: tuple, dtype) -> None:
    # NumPy's inner of stacks is its dot with b's last two axes swapped
    rs = np.random.RandomState(len(sa) * 10 + len(sb) + 5)
    a, b = rs.randn(*sa).astype(dtype), rs.randn(*sb).astype(dtype)
    assert same(tg.jit(np.inner)(a, b), np.inner(a, b))
    assert same(tg.vmap(np.inner, in_axes=(None, 0))(a, np.stack([b, -b])),
                np.stack([np.inner(a, b), np.inner(a, -b)]))
    w = rs.randn(*np.shape(np.inner(a, b)))
    loss = lambda a, b: np.sum(np.inner(a, b) * w)                        # noqa: E731
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    tol = 1e-6 if dtype == np.float64 else 1e-3
    ga, gb = tg.grad(loss, argnums=(0, 1))(a, b)
    np.testing.assert_allclose(ga, fd(lambda a: loss(a, b64), a64), rtol=tol, atol=tol)
    np.testing.assert_allclose(gb, fd(lambda b: loss(a64, b), b64), rtol=tol, atol=tol)
