"""Bugs found reviewing the one-block-per-primitive refactor and the NumPy/SciPy functions."""
import numpy as np
import pytest

import tapegrad as tg


def _user_guard():
    g = tg.primitive(lambda x: x * 2.0, "guard")
    tg.defpartials(g, lambda ans, x: 2.0)
    return g


def test_user_primitive_named_guard_prints_as_itself_under_debug_nans():
    g = _user_guard()
    with tg.debug_nans():             # every record gets a source line
        tape = tg.make_tape(lambda x: g(x) + 1.0)(1.5)
    text = str(tape)
    assert "= guard v0" in text
    assert tape(2.0) == 5.0


def test_real_guard_still_prints_as_a_guard():
    tape = tg.make_tape(lambda x: x * 2.0 if x > 0 else -x)(1.5)
    assert "guard v" in str(tape) and "== True" in str(tape)


TRANSFORMS = {
    "grad": lambda f, a: tg.grad(lambda a: np.sum(f(a)))(a),
    "jit": lambda f, a: tg.jit(f)(a),
    "vmap": lambda f, a: tg.vmap(f)(np.stack([a, a])),
}


def _scipy_cases():
    sl = pytest.importorskip("scipy.linalg")
    st = pytest.importorskip("scipy.stats")
    ones = np.ones(2)
    return {      # what the user calls -> (its name, the advice expected)
        "solve": (lambda a: sl.solve(a, ones), "scipy.linalg.solve",
                  "Use tapegrad.scipy.linalg.solve instead"),
        "cho_solve": (lambda a: sl.cho_solve((a, True), ones), "scipy.linalg.cho_solve",
                      "Use tapegrad.scipy.linalg.cho_solve instead"),
        "solve_triangular": (lambda a: sl.solve_triangular(a, ones),
                             "scipy.linalg.solve_triangular",
                             "Use tapegrad.scipy.linalg.solve_triangular instead"),
        "cholesky": (lambda a: sl.cholesky(a), "scipy.linalg.cholesky",
                     "Use tapegrad.scipy.linalg.cholesky instead"),
        "mvn.logpdf": (lambda a: st.multivariate_normal.logpdf(a[0], np.zeros(2), np.eye(2)),
                       "scipy.stats.multivariate_normal.logpdf",
                       "Use tapegrad.scipy.stats.multivariate_normal.logpdf instead"),
        "zscore": (lambda a: st.zscore(a), "scipy.stats.zscore",
                   r"Use tapegrad\.scipy\.stats\.zscore instead\.$"),
    }


@pytest.mark.parametrize("transform", sorted(TRANSFORMS))
@pytest.mark.parametrize("case", ["solve", "cho_solve", "solve_triangular", "cholesky",
                                  "mvn.logpdf", "zscore"])
def test_scipy_linalg_and_stats_on_traced_values_name_tapegrad_scipy(case, transform):
    f, name, advice = _scipy_cases()[case]
    a = np.array([[2.0, 0.5], [0.5, 3.0]])
    with pytest.raises(TypeError, match=rf"^{name} was applied to a traced value.*{advice}"):
        TRANSFORMS[transform](f, a)


EMPTY_BATCH_FUNCTIONS = {
    "sort": np.sort, "sort axis 0": lambda a: np.sort(a, 0),
    "sort axis None": lambda a: np.sort(a, axis=None), "median": lambda a: np.median(a, 0),
    "argmax": np.argmax, "argmin keepdims": lambda a: np.argmin(a, keepdims=True),
    "index by argmax": lambda a: a[np.argmax(a, axis=0), 0],
}
EMPTY_BATCH_TRANSFORMS = {
    "vmap": tg.vmap,
    "jit of vmap": lambda f: tg.jit(tg.vmap(f)),
    "vmap of grad": lambda f: tg.vmap(tg.grad(lambda a: np.sum(f(a) * 1.0))),
    "jit of vmap of grad": lambda f: tg.jit(tg.vmap(tg.grad(lambda a: np.sum(f(a) * 1.0)))),
    "vmap of jvp": lambda f: tg.vmap(lambda a: tg.jvp(lambda b: f(b) * 1.0, (a,), (a,))[1]),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("transform", sorted(EMPTY_BATCH_TRANSFORMS))
@pytest.mark.parametrize("name", sorted(EMPTY_BATCH_FUNCTIONS))
def test_orderings_batch_over_an_empty_batch(name, transform, dtype):
    mapped = EMPTY_BATCH_TRANSFORMS[transform](EMPTY_BATCH_FUNCTIONS[name])
    rng = np.random.default_rng(0)
    one = np.asarray(mapped(rng.normal(size=(1, 3, 3)).astype(dtype)))
    empty = np.asarray(mapped(np.zeros((0, 3, 3), dtype)))
    assert empty.shape == (0,) + one.shape[1:]
    assert empty.dtype == one.dtype


def _det_hessian_2x2():
    # det [[a, b], [c, d]] = a d - b c: d2/da dd = 1, d2/db dc = -1, every other pair 0
    h = np.zeros((2, 2, 2, 2))
    h[0, 0, 1, 1] = h[1, 1, 0, 0] = 1.0
    h[0, 1, 1, 0] = h[1, 0, 0, 1] = -1.0
    return h


@pytest.mark.parametrize("mode", ["reverse over reverse", "forward over reverse"])
def test_second_derivative_of_det_at_a_singular_matrix_is_finite(mode):
    a = np.array([[1.0, 2.0], [2.0, 4.0]])           # singular
    hess = tg.hessian if mode == "reverse over reverse" else (
        lambda f: tg.jacfwd(tg.grad(f)))
    np.testing.assert_allclose(hess(np.linalg.det)(a), _det_hessian_2x2(), atol=1e-12)


ONE_AXIS_FUNCTIONS = {     # np.median takes a tuple (tests/test_numpy_port.py)
    "cumsum": np.cumsum, "cumprod": np.cumprod, "sort": np.sort,
    "argsort": np.argsort, "argmax": np.argmax, "argmin": np.argmin,
}


@pytest.mark.parametrize("name", sorted(ONE_AXIS_FUNCTIONS))
def test_an_axis_that_is_not_one_int_is_named_as_such(name):
    f = ONE_AXIS_FUNCTIONS[name]
    x = np.arange(24.0).reshape(2, 3, 4)
    with pytest.raises(ValueError, match=r"axis must be one int or None, not \(0, 2\)"):
        tg.grad(lambda a: np.sum(f(a, axis=(0, 2)) * 1.0))(x)
    with pytest.raises(ValueError, match=r"axis must be one int or None.*static_argnums"):
        tg.jit(lambda a, ax: f(a, axis=ax))(x, 1)


@pytest.mark.parametrize("name", ["flatnonzero", "argwhere"])   # partition, histogram, unique run
def test_an_unsupported_numpy_function_names_a_spelling_not_the_generic_list(name):
    f = getattr(np, name)
    call = f
    with pytest.raises(TypeError, match=rf"np\.{name} was applied") as info:
        tg.grad(lambda a: np.sum(call(a)))(np.ones((2, 2)) * 0.5)
    assert "tg.exp, tg.log, tg.where, tg.sum, ..." not in str(info.value)
