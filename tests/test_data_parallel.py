"""tg.data_parallel on Dask (local schedulers and a distributed LocalCluster); jit pickling."""

import os
import pathlib
import pickle
import re
import subprocess
import sys

import numpy as np
import pytest

import tapegrad as tg

dask = pytest.importorskip("dask")
da = pytest.importorskip("dask.array")
cloudpickle = pytest.importorskip("cloudpickle")
from dask.callbacks import Callback  # noqa: E402

ALPHA = 1e-4


@pytest.fixture(scope="module", autouse=True)
def no_threads_left():
    """Leave no Dask thread behind: jit's check for random draws while tracing only warns
    while other threads run (they may have drawn), so a thread kept by Dask's global pools
    would turn that error into a warning in the tests that run after these."""
    yield
    import dask.threaded
    if dask.threaded.default_pool is not None:
        dask.threaded.default_pool.shutdown(wait=True)
        dask.threaded.default_pool = None        # made again, lazily, if used again
    try:
        import distributed.utils
    except ImportError:
        return
    from concurrent.futures import ThreadPoolExecutor
    distributed.utils._offload_executor.shutdown(wait=True)
    distributed.utils._offload_executor = ThreadPoolExecutor(
        max_workers=1, thread_name_prefix="Dask-Offload")   # its threads start when used


def moons(n, seed=0):
    rng = np.random.default_rng(seed)
    t = rng.uniform(0, np.pi, n)
    upper = rng.random(n) < 0.5
    X = np.where(upper[:, None], np.stack([np.cos(t), np.sin(t)], 1),
                 np.stack([1 - np.cos(t), 0.5 - np.sin(t)], 1))
    X += rng.normal(scale=0.1, size=X.shape)
    return X, np.where(upper, -1.0, 1.0)


def loss(params, X, y):
    """The dense moons loss: mean hinge over the rows + ALPHA * L2."""
    scores = tg.nn.mlp(params, X)[:, 0]
    return tg.mean(tg.nn.hinge(scores, y)) + ALPHA * tg.nn.l2(params)


def summed_loss(params, X, y):
    scores = tg.nn.mlp(params, X)[:, 0]
    return tg.sum(tg.nn.hinge(scores, y))


@tg.jit
def decorated(x):
    """A jitted function at the top of a module: pickles by its name."""
    return tg.sum(x ** 2)


PARAMS = tg.nn.dense_init([2, 8, 8, 1], seed=1)
X, Y = moons(150)


def close(a, b, rtol=1e-11):
    """Equal within the rounding of a reassociated sum: same structure, close leaves."""
    la, da_ = tg.tree.flatten(a)
    lb, db = tg.tree.flatten(b)
    assert da_ == db
    for x, y in zip(la, lb):
        np.testing.assert_allclose(x, y, rtol=rtol, atol=rtol * 1e-2)


def numpy_valued(out):
    for leaf in tg.tree.leaves(out):
        assert isinstance(leaf, np.ndarray | np.generic), type(leaf)


class Computes(Callback):
    """Counts Dask computes on the local schedulers."""

    def __init__(self):
        super().__init__()
        self.n = 0

    def _start(self, dsk):
        self.n += 1


def counted(x, chunks, calls):
    """``x`` as a Dask array whose blocks append to ``calls`` when computed."""
    def block(b):
        calls.append(b.shape)
        return b
    return da.from_array(x, chunks=chunks).map_blocks(
        block, meta=np.empty((0,) * x.ndim, x.dtype))   # meta given: not called to infer it


# ------------------------------------------------------------------ equal to the whole batch

@pytest.mark.parametrize("chunks", [150, 50, 37, (10, 100, 40), (1, 149)])
@pytest.mark.parametrize("jitted", [True, False])
def test_dense_moons_mean_equals_the_whole_batch(chunks, jitted):
    step = tg.value_and_grad(loss)
    fun = tg.jit(step) if jitted else step
    Xd, yd = da.from_array(X, chunks=(chunks, 2)), da.from_array(Y, chunks=(chunks,))
    out = tg.data_parallel(fun, in_axes=(None, 0, 0))(PARAMS, Xd, yd)
    close(out, step(PARAMS, X, Y))
    numpy_valued(out)
    assert isinstance(out[0], np.float64) and out[1][0]["w"].shape == (8, 2)


def test_dense_moons_sum_equals_the_whole_batch():
    step = tg.jit(tg.value_and_grad(summed_loss))
    Xd, yd = da.from_array(X, chunks=(40, 2)), da.from_array(Y, chunks=40)
    out = tg.data_parallel(step, in_axes=(None, 0, 0), reduce="sum")(PARAMS, Xd, yd)
    close(out, step(PARAMS, X, Y))


@pytest.mark.parametrize("jitted", [True, False])
def test_per_example_gradients_by_vmap_inside(jitted):
    example = lambda p, x, y: loss(p, x[None], y[None])
    fun = lambda p, X, y: tg.tree.map(lambda g: np.mean(g, axis=0),
                                      tg.vmap(tg.grad(example), in_axes=(None, 0, 0))(p, X, y))
    f = tg.jit(fun) if jitted else fun
    out = tg.data_parallel(f, in_axes=(None, 0, 0))(
        PARAMS, da.from_array(X, chunks=(40, 2)), da.from_array(Y, chunks=40))
    close(out, tg.grad(loss)(PARAMS, X, Y))


@pytest.mark.parametrize("chunks", [16, 17, 40, 150])
def test_more_chunks_than_one_sum_adds(chunks):
    """The tree of sums with one level (16 chunks), two (17, 40) and three (150)."""
    step = tg.jit(tg.value_and_grad(loss))
    rows = -(-len(X) // chunks)
    Xd, yd = da.from_array(X, chunks=(rows, 2)), da.from_array(Y, chunks=rows)
    assert Xd.numblocks[0] == -(-len(X) // rows)
    with dask.config.set(scheduler="sync"):
        out = tg.data_parallel(step, in_axes=(None, 0, 0))(PARAMS, Xd, yd)
    close(out, step(PARAMS, X, Y))
    out = tg.data_parallel(lambda x: tg.sum(x), reduce="sum")(
        da.from_array(np.arange(300), chunks=300 // chunks or 1))
    assert out == 300 * 299 // 2


def test_mean_weights_chunks_by_their_rows():
    """Unequal chunks: the weighted mean of chunk means is the whole mean, not their average."""
    x = np.arange(10.0)
    out = tg.data_parallel(lambda x: np.mean(x))(da.from_array(x, chunks=((1, 9),)))
    assert out == pytest.approx(4.5, rel=1e-15)
    out = tg.data_parallel(lambda x: np.sum(x), reduce="sum")(da.from_array(x, chunks=3))
    assert out == 45.0


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64, np.int32, np.uint8])
def test_data_of_every_dtype(dtype):
    x = (np.arange(24) % 7).astype(dtype).reshape(12, 2)
    w = np.array([0.5, -1.5], dtype=np.float32 if dtype == np.float32 else np.float64)
    lin = lambda w, x: tg.mean((x @ w) ** 2)
    step = tg.jit(tg.value_and_grad(lin))
    out = tg.data_parallel(step, in_axes=(None, 0))(w, da.from_array(x, chunks=(5, 2)))
    whole = step(w, x)
    close(out, whole, rtol=1e-5 if dtype == np.float32 else 1e-12)
    assert np.asarray(out[1]).dtype == np.asarray(whole[1]).dtype
    assert np.asarray(out[0]).dtype == np.asarray(whole[0]).dtype


def test_pytree_outputs_keep_their_structure_as_numpy():
    def fun(p, x):
        return {"loss": tg.mean(x @ p["w"]), "parts": (tg.mean(x, axis=0), [tg.mean(x[:, 0])]),
                "rows": np.float64(1.0)}
    p = {"w": np.array([1.0, 2.0])}
    x = np.arange(20.0).reshape(10, 2)
    for f in (fun, tg.jit(fun)):
        out = tg.data_parallel(f, in_axes=(None, 0))(p, da.from_array(x, chunks=(4, 2)))
        close(out, fun(p, x))
        assert set(out) == {"loss", "parts", "rows"} and isinstance(out["parts"][1], list)
        numpy_valued(out)
        assert out["rows"] == pytest.approx(1.0, rel=1e-15)   # the weights add up to one


def test_results_never_alias_the_inputs():
    x = np.arange(4.0)
    out = tg.data_parallel(lambda x: x, reduce="sum")(x)
    np.testing.assert_array_equal(out, x)
    assert not np.shares_memory(out, x)


def test_integer_outputs_sum_as_integers():
    x = np.arange(10)
    out = tg.data_parallel(lambda x: (np.sum(x), np.count_nonzero(x > 4)), reduce="sum")(
        da.from_array(x, chunks=3))
    assert out == (45, 5) and all(isinstance(o, np.integer) for o in out)
    flags = tg.data_parallel(lambda x: x[:2] > 4, reduce="sum")(da.from_array(x, chunks=5))
    np.testing.assert_array_equal(flags, [1, 1])         # booleans count, as in np.sum


def test_runs_fun_once_per_non_empty_chunk():
    rows = []

    def fun(x):
        rows.append(len(x))
        return np.mean(x)
    x = np.arange(10.0)
    tg.data_parallel(fun)(da.from_array(x, chunks=((0, 4, 0, 6),)))
    assert sorted(rows) == [4, 6]


# ------------------------------------------------------------------ chunks and in_axes

def test_chunkings_that_differ_are_unified():
    rows = []

    def fun(w, x, y):
        rows.append((len(x), len(y)))
        return tg.value_and_grad(loss)(w, x, y)
    Xd = da.from_array(X, chunks=((30, 30, 90), 2))
    yd = da.from_array(Y, chunks=((50, 100),))
    out = tg.data_parallel(fun, in_axes=(None, 0, 0))(PARAMS, Xd, yd)
    assert sorted(rows) == sorted([(30, 30), (20, 20), (10, 10), (90, 90)])
    close(out, tg.value_and_grad(loss)(PARAMS, X, Y))


def test_a_numpy_array_is_split_like_the_dask_arrays():
    rows = []

    def fun(w, x, y):
        rows.append((len(x), len(y)))
        return tg.value_and_grad(loss)(w, x, y)
    out = tg.data_parallel(fun, in_axes=(None, 0, 0))(
        PARAMS, da.from_array(X, chunks=(60, 2)), Y)
    assert sorted(rows) == [(30, 30), (60, 60), (60, 60)]
    close(out, tg.value_and_grad(loss)(PARAMS, X, Y))


def test_only_numpy_arrays_is_one_chunk():
    rows = []

    def fun(x):
        rows.append(len(x))
        return np.mean(x)
    assert tg.data_parallel(fun)(np.arange(5.0)) == 2.0 and rows == [5]


def test_chunked_along_other_dimensions_too():
    """Blocks along the other axes are joined: each chunk gets whole rows."""
    x = np.arange(60.0).reshape(10, 6)
    out = tg.data_parallel(lambda x: tg.mean(x, axis=0))(da.from_array(x, chunks=(3, 2)))
    close(out, np.mean(x, axis=0))


def test_in_axes_as_in_vmap():
    x = np.arange(24.0).reshape(4, 6)
    w = np.arange(4.0)
    # axis 1: chunks of columns, each keeping its axis
    f = tg.data_parallel(lambda w, x: tg.mean(w @ x), in_axes=[None, 1])
    close(f(w, da.from_array(x, chunks=(4, 2))), np.mean(w @ x))
    close(tg.data_parallel(lambda w, x: tg.mean(w @ x), in_axes=(None, -1))(
        w, da.from_array(x, chunks=(4, 4))), np.mean(w @ x))
    # a pytree prefix, and keyword arguments mapped along axis 0
    g = lambda d, *, scale: tg.mean(d["a"] * d["b"] * scale)
    a, b = np.arange(8.0), np.arange(8.0) + 1
    out = tg.data_parallel(g, in_axes=({"a": 0, "b": 0},))(
        {"a": da.from_array(a, chunks=3), "b": b}, scale=da.from_array(np.full(8, 2.0), chunks=4))
    close(out, np.mean(a * b * 2.0))


def test_shared_dask_arguments_are_computed_in_the_same_graph():
    calls = []
    w = counted(np.array([1.0, -1.0]), 2, calls)
    with Computes() as c:
        out = tg.data_parallel(lambda w, x: tg.mean(x @ w), in_axes=(None, 0))(
            w, da.from_array(np.arange(20.0).reshape(10, 2), chunks=(3, 2)))
    assert c.n == 1 and len(calls) == 1
    close(out, -1.0)


# ------------------------------------------------------------------ one compute, none implicit

def test_one_compute_per_call_and_each_input_block_computed_once():
    calls_x, calls_y = [], []
    Xd, yd = counted(X, (40, 2), calls_x), counted(Y, 40, calls_y)
    f = tg.data_parallel(tg.jit(tg.value_and_grad(loss)), in_axes=(None, 0, 0))
    with Computes() as c:
        f(PARAMS, Xd, yd)
        assert c.n == 1
        f(PARAMS, Xd, yd)
    assert c.n == 2
    assert sorted(calls_x) == sorted([(40, 2)] * 6 + [(30, 2)] * 2)
    assert sorted(calls_y) == sorted([(40,)] * 6 + [(30,)] * 2)


@pytest.mark.parametrize("scheduler", ["sync", "threads"])
def test_local_schedulers(scheduler):
    step = tg.jit(tg.value_and_grad(loss))
    Xd, yd = da.from_array(X, chunks=(50, 2)), da.from_array(Y, chunks=50)
    with dask.config.set(scheduler=scheduler):
        out = tg.data_parallel(step, in_axes=(None, 0, 0))(PARAMS, Xd, yd)
    close(out, step(PARAMS, X, Y))


def test_a_task_drawing_from_numpys_generator_beside_a_trace_is_no_warning():
    # Dask's threads run the task making a chunk of data (np.random, the global
    # generator) while another thread traces fun, which draws nothing: the state moves
    # under the recording, but fun names no global generator, so nothing is said
    import threading
    import warnings

    started, drawn, made = threading.Event(), threading.Event(), []

    def noisy(n):                   # the data of the second chunk: a draw, mid-trace
        started.wait(10)
        made.append(np.random.normal(size=(n, 2)))
        drawn.set()
        return made[-1]

    def slow_loss(w, x):
        started.set()               # recording: let the other task draw now
        drawn.wait(10)
        return tg.mean((x @ w) ** 2)

    first = np.arange(8.0).reshape(4, 2)
    x = da.concatenate([da.from_array(first, chunks=(4, 2)),
                        da.from_delayed(dask.delayed(noisy)(4), (4, 2), float)])
    f = tg.data_parallel(tg.jit(tg.value_and_grad(slow_loss)), in_axes=(None, 0))
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(2) as pool, warnings.catch_warnings(), \
            dask.config.set(scheduler="threads", pool=pool):   # its threads end with it
        warnings.simplefilter("error")
        value, grad = f(np.ones(2), x)
    assert started.is_set() and drawn.is_set() and len(made) == 1
    close((value, grad), tg.value_and_grad(lambda w, x: tg.mean((x @ w) ** 2))(
        np.ones(2), np.concatenate([first, made[0]])))


@pytest.mark.slow
def test_the_processes_scheduler_ships_a_jitted_lambda():
    step = tg.jit(tg.value_and_grad(lambda w, x: tg.mean((x @ w) ** 2)))
    x = np.arange(20.0).reshape(10, 2)
    with dask.config.set(scheduler="processes", num_workers=2):
        out = tg.data_parallel(step, in_axes=(None, 0))(np.ones(2), da.from_array(x, chunks=(3, 2)))
    close(out, step(np.ones(2), x))


# ------------------------------------------------------------------ errors before any compute

def _raises_before_compute(call, match, error=ValueError):
    calls = []
    with Computes() as c, pytest.raises(error, match=match):
        call(calls)
    assert c.n == 0 and calls == []


def test_lengths_that_differ_name_the_arguments():
    f = tg.data_parallel(lambda w, X, y: loss(w, X, y), in_axes=(None, 0, 0))
    _raises_before_compute(
        lambda calls: f(PARAMS, counted(X, (50, 2), calls), counted(Y[:149], 50, calls)),
        r"differ in length: X has 150, y has 149")
    _raises_before_compute(
        lambda calls: f(PARAMS, counted(X, (50, 2), calls), Y[:10]), r"X has 150, y has 10")


def test_a_non_array_where_in_axes_says_0_names_the_argument():
    f = tg.data_parallel(lambda w, X, y: loss(w, X, y), in_axes=(None, 0, 0))
    _raises_before_compute(lambda calls: f(PARAMS, counted(X, (50, 2), calls), list(Y)),
                           r"in_axes says axis 0 at y\[0\], but that argument is a float")
    _raises_before_compute(lambda calls: f(PARAMS, counted(X, (50, 2), calls), 1.0),
                           r"at y, but that argument is a float, not an array")
    _raises_before_compute(lambda calls: f(PARAMS, counted(X, (50, 2), calls), np.float64(1)),
                           r"at y, but that argument is a float64")
    g = tg.data_parallel(lambda x: x, in_axes=2)
    _raises_before_compute(lambda calls: g(counted(X, (50, 2), calls)),
                           r"in_axes says axis 2 at x, but that argument has shape \(150, 2\)")


def test_other_mistakes_are_caught_before_compute():
    _raises_before_compute(lambda calls: tg.data_parallel(np.mean, in_axes=None)(
        counted(Y, 50, calls)), r"no argument is mapped")
    _raises_before_compute(lambda calls: tg.data_parallel(np.mean)(
        counted(Y, 50, calls)[:0]), r"the batch is empty")
    _raises_before_compute(lambda calls: tg.data_parallel(np.mean, in_axes=("a",))(
        counted(Y, 50, calls)), r"data_parallel: in_axes at .* is 'a'", TypeError)
    unknown = da.from_array(Y, chunks=50)
    unknown = unknown[unknown > 0]
    with Computes() as c, pytest.raises(ValueError, match=r"unknown chunk sizes"):
        tg.data_parallel(np.mean)(unknown)
    assert c.n == 0
    with pytest.raises(ValueError, match=r"reduce='max'; give 'mean'"):
        tg.data_parallel(np.mean, reduce="max")
    with pytest.raises(TypeError, match=r"data_parallel: expected a function"):
        tg.data_parallel(3.0)


def test_outputs_that_differ_between_chunks_are_an_error():
    with pytest.raises(ValueError, match=r"shape \(4,\) for one chunk and \(2,\)"):
        tg.data_parallel(lambda x: x * 2.0)(da.from_array(np.arange(6.0), chunks=4))
    with pytest.raises(TypeError, match=r"fun returned a str"):
        tg.data_parallel(lambda x: "no")(da.from_array(np.arange(6.0), chunks=4))


# ------------------------------------------------------------------ jitted functions pickle

def test_a_jitted_lambda_pickles_by_its_function_not_its_compiled_code():
    f = tg.jit(lambda x, n: tg.sum(x ** n), static_argnums=1)
    before = cloudpickle.dumps(f)
    x = np.arange(3.0)
    assert f(x, 2) == 5.0 and f.trace_count == 1
    assert cloudpickle.dumps(f) == before        # the compiled code is not shipped
    g = pickle.loads(before)
    assert g is not f and g.trace_count == 0
    assert g(x, 2) == f(x, 2) and g(x, 3) == f(x, 3) == 9.0
    assert g.static_argnums == (1,) and g.trace_count == 2
    assert pickle.loads(cloudpickle.dumps(f)) is g   # a process keeps what it unpickled
    assert pickle.loads(cloudpickle.dumps(g)) is g   # and pickles it on by the same token
    with pytest.raises((pickle.PicklingError, AttributeError)):
        pickle.dumps(f)                 # plain pickle cannot ship a lambda, as for the lambda


def test_a_jitted_value_and_grad_round_trips_bit_for_bit():
    step = tg.jit(tg.value_and_grad(loss))
    h = pickle.loads(cloudpickle.dumps(step))
    assert h.trace_count == 0
    a, b = step(PARAMS, X, Y), h(PARAMS, X, Y)
    assert a[0] == b[0]
    for u, v in zip(tg.tree.leaves(a[1]), tg.tree.leaves(b[1])):
        np.testing.assert_array_equal(u, v)


def test_a_decorated_function_pickles_by_name():
    assert pickle.loads(pickle.dumps(decorated)) is decorated
    assert pickle.loads(cloudpickle.dumps(decorated)) is decorated


# ------------------------------------------------------------------ the example

def run_example(*args):
    root = pathlib.Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(root)}
    proc = subprocess.run([sys.executable, str(root / "examples" / "data_parallel.py"), *args],
                          capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_the_example_documents_its_options():
    out = run_example("--help")
    assert all(option in out for option in ("--n", "--workers", "--chunks", "--steps"))


def test_the_example_trains_on_dask_threads():
    out = run_example("--n", "3000", "--chunks", "3", "--steps", "3", "--workers", "0",
                      "--no-progress")
    found = re.search(r"after 3 steps: loss ([\d.]+), accuracy ([\d.]+)%", out)
    assert found and float(found.group(1)) < 1.0 and float(found.group(2)) > 60   # it learns


# ------------------------------------------------------------------ a distributed cluster

@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as c:
        yield c


@pytest.mark.slow
def test_a_local_cluster_gives_the_whole_batch_and_keeps_compiled_code(client):
    step = tg.jit(tg.value_and_grad(lambda w, x, y: loss(w, x, y)))
    Xd, yd = da.from_array(X, chunks=(30, 2)), da.from_array(Y, chunks=30)
    f = tg.data_parallel(step, in_axes=(None, 0, 0))
    whole = tg.value_and_grad(loss)(PARAMS, X, Y)

    def kept():
        from tapegrad.jit import Jitted
        return {token: g.trace_count for token, g in Jitted._unpickled.items()}
    for _ in range(3):
        out = f(PARAMS, Xd, yd)
        close(out, whole)
        numpy_valued(out)
        token = step._pickle_token
        counts = [found[token] for found in client.run(kept).values() if token in found]
        assert counts and all(n == 1 for n in counts)   # each worker traced once, and kept it
    assert step.trace_count == 0           # it ran on the workers only


@pytest.mark.slow
def test_a_local_cluster_with_sum_and_numpy_data(client):
    step = tg.jit(tg.value_and_grad(summed_loss))
    out = tg.data_parallel(step, in_axes=(None, 0, 0), reduce="sum")(
        PARAMS, da.from_array(X, chunks=(64, 2)), Y)
    close(out, step(PARAMS, X, Y))
