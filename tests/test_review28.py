"""Probes of the packed vmap and the newer coverage: each a fact checked against eager,
a Python loop over examples, or closed forms."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from test_packing import activation, unpacked

import tapegrad as tg
from tapegrad.staging.nonneg import _by_relu, by_relu_into


def _example_loss(act):
    def loss(params, x1, x2, t):
        return tg.nn.hinge(tg.nn.mlp(params, [x1, x2], activation(act))[0], t)
    return loss


@pytest.mark.parametrize("act", ["relu", "abs", "max", "tanh"])
@pytest.mark.parametrize("jitted", [False, True])
def test_packed_vmap_of_a_batch_of_no_examples_gives_empty_rows(act, jitted):
    # the lanes' rows were cut with reshape(..., -1, lanes), which a size-0 batch cannot
    # infer, and a ReLU's sources were checked with min()/max() of no lanes: ValueError
    params = tg.nn.mlp_init([2, 4, 2, 1], seed=1)
    per_example = tg.vmap(tg.grad(_example_loss(act)), in_axes=(None, 0, 0, 0))
    f = tg.jit(per_example) if jitted else per_example
    empty = np.zeros(0)
    got = f(params, empty, empty, empty)
    assert tg.tree.structure(got) == tg.tree.structure(params)
    assert all(type(v) is np.ndarray and v.shape == (0,) and v.dtype == np.float64
               for v in tg.tree.leaves(got))
    x = np.array([0.3, -1.2])          # the same function then runs on a batch as a loop
    want = [tg.grad(_example_loss(act))(params, a, b, 1.0) for a, b in zip(x, x[::-1])]
    rows = f(params, x, x[::-1].copy(), np.ones(2))
    for k in range(2):
        got_k = [v[k] for v in tg.tree.leaves(rows)]
        np.testing.assert_allclose(got_k, tg.tree.leaves(want[k]), rtol=1e-15, atol=0)


def test_packed_vmap_of_no_examples_equals_the_unpacked_one():
    params = tg.nn.mlp_init([2, 3, 1], seed=0)
    f = lambda p, a, b, t: tg.vmap(tg.value_and_grad(_example_loss("relu")),  # noqa: E731
                                   in_axes=(None, 0, 0, 0))(p, a, b, t)
    empty = np.zeros(0)
    got = f(params, empty, empty, empty)
    with unpacked():
        want = f(params, empty, empty, empty)
    assert [np.shape(v) for v in tg.tree.leaves(got)] == [np.shape(v) for v in tg.tree.leaves(want)]


def test_a_products_check_of_a_relus_sources_with_no_lanes_is_an_empty_product():
    none = np.zeros(0)
    assert _by_relu(np.zeros((0, 3)), np.zeros((0, 3)), none, none).shape == (0, 3)
    out = np.zeros((0, 3))
    by_relu_into(out, np.zeros((0, 3)), np.zeros((0, 3)), none, none)
    assert out.shape == (0, 3)


# ------------------------------------------------------------ a for's index after its break
def index_after(x0):
    x = x0
    for i in range(100):        # noqa: B007  (read after the loop)
        x = x * 0.5 + 1
        if abs(x - 2) < 1e-6:
            break
    return x, i


def index_and_counter_after(x0):        # the counter k rolls; the index must not go stale
    x, k = x0, 0
    for i in range(100):        # noqa: B007  (read after the loop)
        x = x * 0.5 + 1
        k += 1
        if abs(x - 2) < 1e-6:
            break
    return x, k, i


def index_computed_with(x0):
    x = x0
    for i in range(100):        # noqa: B007  (read after the loop)
        x = x * 0.5 + 1
        if abs(x - 2) < 1e-6:
            break
    return x * i


def index_of_another_loop(x0):          # a later loop's own i: the first one may roll
    x = x0
    for i in range(100):        # noqa: B007  (read after the loop)
        x = x * 0.5 + 1
        if abs(x - 2) < 1e-6:
            break
    for i in range(3):
        x = x + i
    return x


@pytest.mark.parametrize("f", [index_after, index_and_counter_after, index_computed_with,
                               index_of_another_loop])
def test_a_for_loops_index_read_after_its_break_is_eager_s(f):
    # the loop rolled into a while and the index after it was the traced run's constant:
    # jit returned 21 (5.0's) at 100.0 (26) and 2.0 (0)
    jf = tg.jit(f)
    for x in (5.0, 100.0, 2.0, 1e6, 3.0):
        assert repr(jf(x)) == repr(f(x)), x
    if f is index_of_another_loop:
        assert jf.trace_count == 1


# ------------------------------------------------------------ zscore, no degrees of freedom left
@pytest.mark.parametrize(("x", "kw"), [
    (np.array([1.0]), {"ddof": 1}),                     # n == ddof: SciPy's nan
    (np.array([1.0, 2.0]), {"ddof": 2}),                # sum / 0 is inf, but SciPy says nan
    (np.array([]), {}),                                 # no values at all
    (np.zeros((2, 0)), {"axis": 1}),
    (np.array([1.0, np.nan, 2.0]), {"ddof": 2, "nan_policy": "omit"}),
])
def test_zscore_with_no_degrees_of_freedom_left_is_scipys_nan(x, kw):
    # was a ZeroDivisionError (n / (n - ddof) on Python ints), or +-0.0 under "omit"
    from scipy import stats

    from tapegrad.scipy.stats import zmap, zscore
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = stats.zscore(x, **kw)
        got, jitted = zscore(x, **kw), tg.jit(lambda x: zscore(x, **kw))(x)
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(jitted, got)
        np.testing.assert_array_equal(zmap(x[:1], x, **kw), stats.zmap(x[:1], x, **kw))
