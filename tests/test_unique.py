"""np.unique of traced values (grad, vjp, jvp) and tg.unique(x, size=n) under every transform."""

from __future__ import annotations

import numpy as np
import pytest
from family_checks import every_transform
from program_battery import same

import tapegrad as tg

DATA = {"repeats": np.array([3.0, 1.0, 3.0, 2.0, 1.0, 5.0]),
        "matrix": np.array([[0.5, -1.0, 0.5], [2.0, -1.0, 7.0]]),
        "nans": np.array([np.nan, 1.0, np.nan, 0.0, 1.0]),
        "distinct": np.array([0.3, -0.7, 1.9, 0.2]),
        "one": np.array([4.0]), "empty": np.zeros(0)}


@pytest.mark.parametrize("name", sorted(DATA))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("equal_nan", [True, False])
def test_values_are_numpys(name: str, dtype: type, equal_nan: bool) -> None:
    x = DATA[name].astype(dtype)
    want = np.unique(x, equal_nan=equal_nan)
    assert same(tg.unique(x, equal_nan=equal_nan), want)
    out, tangent = tg.jvp(lambda v: np.unique(v, equal_nan=equal_nan), (x,), (x,))
    assert same(out, want) and same(tangent, want)      # the tangent x: each kept value
    got = tg.grad(lambda v: np.sum(np.unique(v, equal_nan=equal_nan)))(x)
    assert got.dtype == dtype
    for size in (1, len(want), len(want) + 2):
        f = tg.jit(lambda v, s=size: tg.unique(v, size=s, equal_nan=equal_nan))
        padded = np.concatenate([want, np.full(max(size - len(want), 0), want[:1].min()
                                               if len(want) else 0.0, dtype)])[:size]
        if len(want):
            assert same(f(x), padded)
        elif size:
            with pytest.raises(ValueError, match="fill_value"):
                f(x)
        filled = tg.jit(lambda v, s=size: tg.unique(v, size=s, fill_value=-9.0))(x)
        assert same(filled, np.concatenate([np.unique(x), np.full(size, -9.0, dtype)])[:size])


def test_the_derivative_goes_to_the_first_of_equals() -> None:
    x = DATA["repeats"]
    w = np.arange(1.0, 5.0)             # the weights of 1, 2, 3, 5
    g = tg.grad(lambda v: np.sum(w * np.unique(v)))(x)
    np.testing.assert_array_equal(g, [3.0, 1.0, 0.0, 2.0, 0.0, 4.0])
    _, t = tg.jvp(lambda v: np.unique(v), (x,), (np.arange(6.0),))
    np.testing.assert_array_equal(t, [1.0, 3.0, 0.0, 5.0])
    w6 = np.array([1.0, 2.0, 3.0, 4.0, 10.0, 20.0])     # the fill is the smallest, x[1]
    g6 = tg.grad(lambda v: np.sum(w6 * tg.unique(v, size=6)))(x)
    np.testing.assert_array_equal(g6, g + [0.0, 30.0, 0.0, 0.0, 0.0, 0.0])


def test_return_index_inverse_and_counts_are_numpys_under_grad() -> None:
    x = DATA["matrix"]
    want = np.unique(x, return_index=True, return_inverse=True, return_counts=True)
    seen = []
    tg.jvp(lambda v: (seen.append(np.unique(v, True, True, True)), v)[1], (x,), (x,))
    for a, b in zip(seen[0][1:], want[1:]):
        assert same(a, b)
    out, t = tg.jvp(lambda v: np.unique(v, True, True, True)[0], (x,), (x,))
    assert same(out, want[0]) and same(t, want[0])


@pytest.mark.parametrize("size", [2, 4, 7])
def test_with_size_every_transform(size: int) -> None:
    x = np.array([0.3, -0.7, 1.9, 0.2, -1.1])
    w = np.linspace(1.0, 2.0, size)
    every_transform(lambda v: np.sum(w * tg.unique(v, size=size) ** 3), x)
    every_transform(lambda v: np.sum(w * tg.unique(v * v, size=size, fill_value=0.5) ** 2),
                    x)


def test_vmap_with_size_examples_of_different_counts() -> None:
    batch = np.array([[1.0, 1.0, 2.0], [3.0, 2.0, 1.0], [5.0, 5.0, 5.0]])
    f = lambda v: tg.unique(v, size=3, fill_value=np.nan)                 # noqa: E731
    assert same(tg.vmap(f)(batch), np.stack([f(b) for b in batch]))
    g = tg.grad(lambda v: np.sum(np.nan_to_num(f(v)) ** 2))
    assert same(tg.vmap(g)(batch), np.stack([g(b) for b in batch]))


@pytest.mark.parametrize("transform", ["jit", "vmap", "make_tape", "jit of grad"])
def test_without_size_a_replayed_tape_says_to_give_it(transform: str) -> None:
    f = lambda v: np.sum(np.unique(v))                                     # noqa: E731
    run = {"jit": lambda: tg.jit(f)(DATA["repeats"]),
           "vmap": lambda: tg.vmap(f)(np.ones((2, 3))),
           "make_tape": lambda: tg.make_tape(f)(DATA["repeats"]),
           "jit of grad": lambda: tg.jit(tg.grad(f))(DATA["repeats"])}[transform]
    with pytest.raises(TypeError, match=r"^np\.unique\(x\) of a traced value under jit, vmap "
                       r"or make_tape.*tg\.unique\(x, size=n\)"):
        run()
    with pytest.raises(TypeError, match=r"return_index/inverse/counts"):
        tg.jit(lambda v: np.unique(v, return_counts=True)[1])(DATA["repeats"])
    with pytest.raises(TypeError, match=r"axis=\.\.\."):
        tg.grad(lambda v: np.sum(np.unique(v, axis=0)))(DATA["matrix"])
