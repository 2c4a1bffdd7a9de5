"""Writing into a traced array, as NumPy's indexing tests write (``test_indexing.py``'s
``TestIndexing`` assignments, autograd's ``test_numpy.py`` index updates).

``y = x.copy(); y[key] = v`` for JAX's kinds of key (ints, slices,
``...``, integer arrays with repeats, boolean masks, broadcast values),
``y[i] += v`` with ``i`` repeated (NumPy's buffered semantics: the
repeated element is read once and written once, so it gains ``v`` once),
writes in a loop, into a float32 array, and with traced integer indices;
each under every transform (``port8_check.check``). The derivative of the
written value keeps only the write that stays (the last, where an index
repeats). Writes NumPy would make elsewhere too (into an argument, into a
view) are refused, naming the fix.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import fd
from port8_check import check, same

import tapegrad as tg

X = np.linspace(-1.3, 2.1, 12).reshape(3, 4)
MASK = X > 0.3


def _written(key, value):
    def f(v):
        y = v.copy()
        y[key] = value(v)
        return y
    return f


def _added(key, value):
    def f(v):
        y = v * 1.0
        y[key] += value(v)
        return y
    return f


WRITES = {
    "row": _written(1, lambda v: v[0] * 2.0),
    "element of an int": _written((1, 2), lambda v: 3),
    "column": _written((slice(None), -1), lambda v: 0.5),
    "ellipsis": _written((Ellipsis, 0), lambda v: v[:, 3] ** 2),
    "repeated rows, last stays": _written([0, 0, 2], lambda v: v * 3.0),
    "mask": _written(MASK, lambda v: v[MASK] ** 2),
    "mixed": _written((np.array([2, 0]), slice(1, 3)), lambda v: v[1, :2]),
    "shifted": _written(slice(1, None), lambda v: v[:-1] + 1.0),
    "+= column": _added((slice(None), 1), lambda v: v[:, 2]),
    "+= repeated rows (buffered)": _added([0, 0, 2], lambda v: v[1]),
    "-= repeated, sliced": _added(([2, 0, 2], slice(1, 3)), lambda v: -v[0, :2]),
    "*= mask": _added(MASK, lambda v: 0.0),
}


@pytest.mark.parametrize("name", WRITES)
def test_a_write_is_numpys_under_every_transform(name):
    f = WRITES[name]
    check(f, X, expected=f(X.copy()))


def test_repeated_indices_write_once_as_numpy_buffers():
    y = tg.jit(_added([0, 0], lambda v: 1.0))(X)
    assert same(y[0], X[0] + 1.0)              # not + 2.0: NumPy reads and writes once
    w = np.arange(12.0).reshape(3, 4)
    # y[[0, 0, 2]] = w: row 0 of w is overwritten by row 1, so its derivative is 0
    g, gx = tg.grad(lambda u, x: np.sum(_written([0, 0, 2], lambda v: u)(x) * w),
                    argnums=(0, 1))(np.ones((3, 4)), X)
    assert same(g, np.stack([np.zeros(4), w[0], w[2]]))
    assert same(gx, np.stack([np.zeros(4), w[1], np.zeros(4)]))     # row 1 is not written


def test_writes_in_a_loop_and_their_hessian():
    def f(v):
        y = v.copy()
        for k in range(1, 3):
            y[k] = y[k - 1] * v[k]                 # a running product, row by row
        return np.sum(y ** 2)
    check(lambda v: f(v) * np.ones(1), X)
    x = X[:, 1].copy()
    h = tg.hessian(f)(x)
    np.testing.assert_allclose(h, np.stack(
        [fd(lambda u, j=j: tg.grad(f)(u)[j], x) for j in range(3)]), rtol=1e-6, atol=1e-6)


def test_a_float64_value_written_into_float32_keeps_float32():
    f = _written((0, 0), lambda v: v[1, 1].astype(np.float64) * 1.5)
    x = X.astype(np.float32)
    assert same(tg.jit(f)(x), f(x.copy()))
    g = tg.grad(lambda v: np.sum(f(v)))(x)
    assert g.dtype == np.float32
    assert same(g, tg.grad(lambda v: np.sum(f(v)))(X).astype(np.float32))


@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.int64, np.uint16])
def test_writes_at_traced_integer_indices(dtype):
    def f(v, i):
        y = v.copy()
        y[i] = v[0] * 2.0
        return np.sum(np.sin(y))
    ks = np.array([[2, 1], [0, 0], [1, 1]], dtype)
    for k in ks:
        assert same(tg.jit(f)(X, k), f(X, k))
        assert same(tg.jit(tg.grad(f))(X, k), tg.grad(f)(X, k))
        np.testing.assert_allclose(tg.grad(f)(X, k), fd(lambda v, k=k: f(v, k), X), atol=1e-7)
    assert same(tg.vmap(f, in_axes=(None, 0))(X, ks), np.stack([f(X, k) for k in ks]))
    assert same(tg.vmap(tg.grad(f), in_axes=(None, 0))(X, ks),
                np.stack([tg.grad(f)(X, k) for k in ks]))


def test_every_name_of_the_array_sees_the_write_as_in_numpy():
    def f(v):
        y = np.copy(v)
        z = y
        z[0, 0] = 7.0
        return y + z
    check(f, X, expected=f(X.copy()))


REFUSED = {   # name: (the write, what the message names)
    "into an argument": (lambda v: v.__setitem__(0, 1.0), r"x = x\.copy\(\) first"),
    "into a slice": (lambda v: v.copy()[1:].__setitem__(0, 1.0), r"a view .* y\[1:\]\.copy\(\)"),
    "into a reshape": (lambda v: v.copy().reshape(-1).__setitem__(0, 1.0), r"a view"),
    "into a transpose": (lambda v: v.copy().T.__setitem__(0, 1.0), r"a view"),
    "into a scalar": (lambda v: v[0, 0].copy().__setitem__((), 1.0), r"item assignment"),
}


@pytest.mark.parametrize("name", REFUSED)
def test_writes_numpy_would_make_elsewhere_too_are_refused(name):
    write, message = REFUSED[name]
    for transform in (tg.grad, tg.jit):
        with pytest.raises(TypeError, match=message):
            transform(lambda v: (write(v), np.sum(v))[1])(X)


def _into_a_copy(write):
    def f(v):
        y = v.copy()
        assert write(y, v) is None          # NumPy's writers return None
        return y
    return f


WRITERS = {   # NumPy's functions that write into their array
    "put_along_axis 1": lambda y, v: np.put_along_axis(y, np.array([[1], [0], [3]]),
                                                       v[:, :1] * 2.0, axis=1),
    "put_along_axis 0, repeated": lambda y, v: np.put_along_axis(
        y, np.array([[2, 0, 1, 1], [2, 2, 2, 2]]), v[:2] ** 2, axis=0),
    "put_along_axis None": lambda y, v: np.put_along_axis(y, np.array([11, 0, 0]), v[0, :3],
                                                          axis=None),
    "put_along_axis of argmax": lambda y, v: np.put_along_axis(
        y, np.argmax(v, axis=1)[:, None], 0.0, axis=1),
    "put, repeated": lambda y, v: np.put(y, [0, 5, 5], v[2, :2]),
    "put wrap": lambda y, v: np.put(y, [15, -13], v[2, :2], mode="wrap"),
    "put clip": lambda y, v: np.put(y, [15, -13], v[2, :2], mode="clip"),
    "copyto": lambda y, v: np.copyto(y, v[0] * 2.0),
    "copyto where": lambda y, v: np.copyto(y, v[0] * 2.0, where=MASK),
    "fill_diagonal": lambda y, v: np.fill_diagonal(y, v[0, :2]),
}


@pytest.mark.parametrize("name", WRITERS)
def test_numpys_writers_are_numpys_under_every_transform(name):
    f = _into_a_copy(WRITERS[name])
    check(f, X, expected=f(X.copy()))


@pytest.mark.parametrize("name", ["put_along_axis 1", "put, repeated", "copyto",
                                  "fill_diagonal"])
def test_numpys_writers_into_an_argument_or_a_numpy_array_are_refused(name):
    write = WRITERS[name]
    with pytest.raises(TypeError, match=r"np\.\w+ writes into .*x = x\.copy\(\) first"):
        tg.grad(lambda v: np.sum((write(v, v), v)[1]))(X)
    # NumPy dispatches np.fill_diagonal on its array alone: its own code reads val
    into_numpy = (r"np\.fill_diagonal converted a traced value" if name == "fill_diagonal"
                  else r"a NumPy array, which cannot hold a traced value")
    with pytest.raises(TypeError, match=into_numpy):
        tg.grad(lambda v: (write(np.zeros((3, 4)), v), np.sum(v))[1])(X)


def test_writes_across_nested_transforms():
    # a copy made inside an inner grad, written with its value: d/dc sum(z * z), z[0] = c x1
    def outer(x):
        y = x.copy()

        def inner(c):
            z = y.copy()
            z[0] = c * x[1]
            return np.sum(z * z)
        return tg.grad(inner)(x[0])
    x = np.array([0.5, 1.5, -0.7])
    assert same(tg.grad(outer)(x), np.array([2 * x[1] ** 2, 4 * x[0] * x[1], 0.0]))


def _clipped(v):
    y = v.copy()
    y[y < 0] = 0.0                   # NumPy's idiom, with a mask of the values
    return y


def _capped(v):
    y = v * 2.0
    y[v > 1.0] = v[0, 0]
    return y


@pytest.mark.parametrize("f", [_clipped, _capped])
def test_a_traced_mask_writes_one_number_under_every_transform(f):
    check(f, X, expected=f(X.copy()))
    y = tg.jit(lambda v: _capped(v.astype(np.float32)))(X)      # stays float32
    assert same(y, _capped(X.astype(np.float32)))


def test_a_traced_mask_with_an_array_of_values_is_refused():
    def f(v):
        y = v.copy()
        y[y < 0] = v[:1, :1] * np.ones(1)   # one value per True: a count of the values
        return y
    with pytest.raises(TypeError, match=r"x = np\.where\(mask, v, x\)"):
        tg.grad(lambda v: np.sum(f(v)))(X)


def test_a_write_into_another_librarys_array_is_refused_naming_where():
    xp = pytest.importorskip("array_api_strict")

    def f(v):
        y = v * 1.0
        y[0] = 5.0
        return tg.sum(y)
    with pytest.raises(TypeError, match=r"another library's array.*xp\.where\(mask, v, x\)"):
        tg.grad(f)(xp.asarray([1.0, 2.0, 3.0]))
