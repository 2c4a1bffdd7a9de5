"""Errors name the fix (issue 17, item 10): each message says what went wrong and what to write."""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg

x3 = np.array([0.5, 1.0, 2.0])

# every transform that traces, each applied to a function of one array
TRANSFORMS = {
    "grad": lambda f: tg.grad(lambda x: tg.sum(f(x))),
    "jit": lambda f: tg.jit(f),
    "jit(grad)": lambda f: tg.jit(tg.grad(lambda x: tg.sum(f(x)))),
    "vmap": lambda f: lambda x: tg.vmap(f)(np.stack([x, x])),
    "make_tape": lambda f: tg.make_tape(f),
}


# ------------------------------------------------ a traced int in range()
STATIC = r"range\(n\).*static_argnums"


@pytest.mark.parametrize("n", [3, np.int64(3)])
def test_traced_int_driving_range_under_jit_names_static_argnums(n):
    f = lambda x, n: sum(x for _ in range(n))
    with pytest.raises(TypeError, match=STATIC):
        tg.jit(f)(1.0, n)
    assert tg.jit(f, static_argnums=1)(1.0, n) == 3.0              # the fix it names
    assert tg.jit(f, static_argnames="n")(1.0, n=n) == 3.0
    with pytest.raises(TypeError, match=STATIC):
        tg.jit(lambda x, n: [x, x, x][n])(1.0, n)          # a list index needs the int too


def test_traced_value_as_an_int_under_grad_names_argnums():
    with pytest.raises(TypeError, match=r"range\(n\).*not in argnums"):
        tg.grad(lambda x, n: sum(x for _ in range(n)), argnums=(0, 1))(1.0, 3)


# ---------------------------------------------------------------- SciPy
def _scipy_cases():
    scipy = pytest.importorskip("scipy")
    assert scipy
    import scipy.linalg
    import scipy.special
    import scipy.stats
    return [
        # ufuncs tapegrad.scipy lacks (expit, erf, gammaln... run as tapegrad's once
        # tapegrad.scipy is imported: tests/test_scipy_special.py)
        ("scipy.special.wofz", scipy.special.wofz, None),       # complex: no twin
        ("scipy.special.kelvin", scipy.special.kelvin, None),
        ("scipy.special.logsumexp", scipy.special.logsumexp,      # Python-level
         r"tapegrad\.scipy\.special\.logsumexp"),
        ("scipy.special.softmax", scipy.special.softmax, r"tapegrad\.scipy\.special\.softmax"),
        ("scipy.linalg.norm", scipy.linalg.norm, r"tg.sqrt\(tg.sum"),
        ("scipy.stats.norm.logpdf", scipy.stats.norm.logpdf,
         r"tapegrad\.scipy\.stats\.norm\.logpdf"),
    ]


@pytest.mark.parametrize("transform", list(TRANSFORMS))
def test_scipy_function_on_a_traced_value_is_named(transform):
    for name, fun, alt in _scipy_cases():
        match = rf"{name}\S* was applied to a traced value: tapegrad cannot differentiate it"
        if alt is not None:
            match += rf".*Use {alt}"
        with pytest.raises(TypeError, match=match) as info:
            TRANSFORMS[transform](fun)(x3)
        assert "np.asarray" not in str(info.value)


def test_numpy_functions_keep_their_own_names():
    with pytest.raises(TypeError, match=r"^np\.asarray\(x\) at .*: x is traced.*write x "):
        tg.grad(lambda x: tg.sum(np.asarray(x)))(x3)
    with pytest.raises(TypeError, match=r"np\.trim_zeros was applied"):
        tg.grad(lambda x: tg.sum(np.trim_zeros(x)))(x3)
    with pytest.raises(TypeError, match=r"np\.take was applied.*tg\.take"):
        tg.jit(lambda i: np.take(x3, i))(np.array([0, 1]))


@pytest.mark.parametrize("name", ["emath.sqrt", "emath.log", "emath.power", "emath.arcsin"])
def test_a_numpy_namespace_function_is_named_as_the_user_spells_it(name):
    space, _, func = name.partition(".")
    fun = getattr(getattr(np, space), func)
    args = (x3, 2.0) if func == "power" else (x3,)
    with pytest.raises(TypeError, match=rf"^np\.{name} was applied to a traced value") as info:
        tg.grad(lambda x: tg.sum(fun(x, *args[1:])))(args[0])
    assert f"Use np.{func} instead" not in str(info.value)   # np.sqrt is another function


# ------------------------------------------------------- x[i] = y
@pytest.mark.parametrize("transform", list(TRANSFORMS))
@pytest.mark.parametrize("key", [0, slice(1, None), (Ellipsis,), np.array([0, 2])])
def test_item_assignment_says_how_to_write_it(transform, key):
    def f(x):
        x[key] = 0.0
        return x
    # into an argument: NumPy would write into the caller's array (a copy may be written)
    with pytest.raises(TypeError, match=r"argument of the transformed function.*"
                                        r"x = x\.copy\(\) first"):
        TRANSFORMS[transform](f)(x3.copy())


def test_the_functional_updates_it_names_work():
    i = 1
    upd = lambda x, y: tg.where(np.arange(len(x)) == i, y, x)
    cat = lambda x, y: tg.concatenate([x[:i], tg.stack([y]), x[i + 1:]])
    for f in (upd, cat):
        assert f(x3, 7.0).tolist() == [0.5, 7.0, 2.0]
        assert tg.grad(lambda x: tg.sum(f(x, x[0] * 3.0)))(x3).tolist() == [4.0, 0.0, 1.0]


# ------------------------------------------------------- ndarray methods
def _traced_x(check):
    tg.grad(lambda x: check(x) or tg.sum(x))(x3)


# NumPy's public ndarray methods and attributes that tapegrad does not implement
MISSING = sorted(n for n in dir(np.ndarray) if not n.startswith("_") and n not in dir(tg.Traced))


@pytest.mark.parametrize("name", MISSING)
def test_every_unsupported_ndarray_method_names_the_alternative(name):
    def check(x):
        with pytest.raises(AttributeError) as info:
            getattr(x, name)
        msg = str(info.value)
        assert f"x.{name} is an ndarray method" in msg and "has no attribute" not in msg
        assert ("tg." in msg or "immutable" in msg or "not differentiable" in msg
                or "cannot differentiate" in msg or "x.shape" in msg)
        assert not hasattr(x, name)          # an AttributeError: hasattr stays sane
    _traced_x(check)


def test_other_names_stay_plain_attribute_errors():
    def check(x):
        assert not hasattr(x, "no_such_attribute") and not hasattr(x, "_private")
        assert hasattr(x, "shape") and hasattr(x, "sum") and hasattr(x, "astype")
        with pytest.raises(AttributeError, match="'Traced' object has no attribute 'foo'"):
            x.foo  # noqa: B018
    _traced_x(check)


@pytest.mark.parametrize("name,call,want", [
    ("put", lambda x: x.put([0], 1.0), "in place.*immutable"),
    ("argpartition", lambda x: x.argpartition(1), r"indices are not differentiable.*tg\.where"),
    ("tolist", lambda x: x.tolist(), "drop its derivative"),
    ("fill", lambda x: x.fill(0.0), "in place.*immutable"),
    ("view", lambda x: x.view(), "drop its derivative"),
])
@pytest.mark.parametrize("transform", list(TRANSFORMS))
def test_unsupported_methods_under_every_transform(name, call, want, transform):
    with pytest.raises(AttributeError, match=rf"x\.{name} is an ndarray method.*{want}"):
        TRANSFORMS[transform](call)(x3)


@pytest.mark.parametrize("transform", ["grad", "jit(grad)", "vmap", "make_tape"])
def test_methods_tapegrad_supports_match_numpy(transform):
    m = np.array([[0.5, -1.2], [2.0, 0.3]])
    calls = [lambda x: x.copy() * x, lambda x: x.ravel() * 2.0, lambda x: x.flatten()[::-1],
             lambda x: x.transpose() * x, lambda x: x.transpose(1, 0) @ x,
             lambda x: x.clip(-1.0, 1.0), lambda x: x.clip(0.0), lambda x: x.round(1) * x]
    for call in calls:
        f = lambda x, call=call: tg.sum(tg.sin(call(x)))
        f_np = lambda x, call=call: np.sum(np.sin(call(x)))
        if transform == "make_tape":
            assert tg.make_tape(f)(m)(m * 0.9) == pytest.approx(f_np(m * 0.9), rel=1e-14)
        elif transform == "vmap":
            np.testing.assert_allclose(tg.vmap(f)(np.stack([m, -m])), [f_np(m), f_np(-m)],
                                       rtol=1e-14)
        else:
            g = (tg.grad(f) if transform == "grad" else tg.jit(tg.grad(f)))(m)
            eps = 1e-6
            fd = np.zeros_like(m)
            for idx in np.ndindex(m.shape):
                e = np.zeros_like(m)
                e[idx] = eps
                fd[idx] = (f_np(m + e) - f_np(m - e)) / (2 * eps)
            np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-8)


# ------------------------------------------------ shapes that do not broadcast
@pytest.mark.parametrize("transform", TRANSFORMS)
@pytest.mark.parametrize("op, f", [
    ("add", lambda x: x + np.ones(2)),
    ("mul", lambda x: np.ones(2) * x),             # the reflected operator
    ("maximum", lambda x: tg.maximum(x, np.ones(2))),
    ("where", lambda x: tg.where(x > 1.0, x, np.ones(2))),
])
def test_shapes_that_do_not_broadcast_name_the_operation_and_the_fix(transform, op, f):
    with pytest.raises(ValueError, match=rf"^{op}: operands could not be broadcast together "
                                         r"with shapes .*\(3,\).*x\[:, None\] is a column"):
        TRANSFORMS[transform](f)(x3)
