"""``tg.data_parallel``: one task per chunk of a Dask batch, the outputs summed on the cluster.

``data_parallel(fun)(X, y)`` builds one Dask graph: a task per chunk of the
mapped arguments runs ``fun`` (typically ``jit(value_and_grad(loss))``) on
that chunk, a tree of tasks sums the chunks' outputs leaf by leaf (each
chunk weighted by its share of the rows for ``reduce="mean"``), and one
``dask.compute`` runs it all on the current scheduler: Dask's threads or
processes, or a ``distributed.Client`` when one is active. Nothing is
computed before that call. Dask is imported when the function is called,
so tapegrad does not depend on it (``pip install "tapegrad[dask]"``).
"""

from __future__ import annotations

import collections
import functools
import pickle
import uuid
from collections.abc import Callable
from typing import Any

import numpy as np

from . import tree
from .batching.axes import _leaf_axes
from .tracing import arg_path_name, check_callable

__all__ = ["data_parallel"]

SPLIT_EVERY = 16
"""How many partial sums one task of the reduction tree adds.

On a ``distributed`` cluster every task costs scheduler round trips (about
3 ms each for 15 no-op tasks on a 2-worker ``LocalCluster`` of this 2-core
machine) and each level of the tree is one more task in the chain, so the
tree is wide: up to 16 chunks are summed by the root task alone."""

REDUCTIONS = ("mean", "sum")


def data_parallel(fun: Callable[..., Any], in_axes: Any = 0,
                  reduce: str = "mean") -> Callable[..., Any]:
    """Return a function running ``fun`` on each chunk of a Dask batch, reduced on the cluster.

    Args:
      fun: A function of one chunk of the batch (the chunk keeps its batch
        axis), returning a pytree of numbers of the same shapes for every
        chunk: typically ``tg.jit(tg.value_and_grad(loss))`` for a loss that
        is a mean over the chunk's rows. Jitted functions pickle by the
        function they wrap, so each worker compiles its own once.
      in_axes: As in ``vmap``: for each positional argument the axis its
        leaves are chunked along (an int), or None for an argument every
        chunk gets whole (the parameters); one int or None for all, or a
        tuple / pytree prefix of the arguments. Keyword arguments are
        chunked along axis 0. A mapped leaf is a Dask array, chunked as it
        is along that axis, or a NumPy array, split like the Dask arrays
        (one chunk where no mapped leaf is a Dask array); Dask arrays whose
        chunks differ are rechunked to the common refinement, as Dask's
        ``unify_chunks`` does.
      reduce: ``"mean"``: each output leaf is the sum over the chunks of the
        chunk's output times its share of the rows, which for a ``fun``
        returning means over its chunk is the mean over the whole batch.
        ``"sum"``: the plain sum of the chunks' outputs.

    Returns:
      A function of the same arguments as ``fun``. A call makes one Dask
      graph (one task per non-empty chunk, then a tree of sums, each adding
      up to ``SPLIT_EVERY`` partial results) and runs it with one
      ``dask.compute``, on a ``distributed.Client`` when one is active; the
      result is ``fun``'s output structure with NumPy values (arrays, and
      NumPy scalars for scalars), equal to ``fun`` on the whole batch within
      the rounding of the reassociated sum.

    Raises:
      ValueError: at the call, before anything is computed: when the mapped
        arguments differ in length along their axes, a leaf where
        ``in_axes`` says an int is not an array with that axis, a Dask
        array has unknown chunk sizes, or the batch is empty (each message
        names the argument). At the construction, for a ``reduce`` other
        than ``"mean"`` or ``"sum"``.
      ImportError: at the call, when Dask is not installed.

    Examples:
      >>> import dask, dask.array as da, numpy as np
      >>> import tapegrad as tg
      >>> loss = lambda w, X: tg.mean((X @ w) ** 2)
      >>> X = da.from_array(np.arange(12.0).reshape(6, 2), chunks=(2, 2))
      >>> f = tg.data_parallel(tg.jit(tg.value_and_grad(loss)), in_axes=(None, 0))
      >>> with dask.config.set(scheduler="sync"):   # here one thread; else Dask's default
      ...     value, grad = f(np.ones(2), X)
      >>> float(value), grad
      (167.66666666666666, array([156.66666667, 178.66666667]))
    """
    check_callable(fun, "data_parallel")
    if reduce not in REDUCTIONS:
        raise ValueError(f"data_parallel: reduce={reduce!r}; give 'mean' (each chunk weighted "
                         "by its rows, for a fun returning means) or 'sum'.")
    if isinstance(in_axes, list):        # as vmap: a list of in_axes is a tuple
        in_axes = tuple(in_axes)

    @functools.wraps(fun)
    def parallel_fun(*args: Any, **kwargs: Any) -> Any:
        dask = _import_dask()
        (result,) = dask.compute(_graph(fun, in_axes, reduce, args, kwargs))
        return result
    return parallel_fun


def _import_dask() -> Any:
    try:
        import dask
        import dask.array  # noqa: F401  (dask.array.Array, to recognize mapped leaves)
    except ImportError:
        raise ImportError('data_parallel needs Dask: pip install "tapegrad[dask]" (dask and '
                          "distributed).") from None
    return dask


class _Job:
    """What every chunk's task shares: ``fun``, the arguments' structure, the shared leaves.

    A plain object in each chunk's task, so Dask passes it along untouched.
    It pickles as a token and the bytes of its contents, made once per call:
    a process that already unpickled that token reuses its job without
    unpickling the bytes again, so shipping it with each task costs a copy of
    bytes, while a job of its own in the graph would cost a task and, on a
    cluster, a transfer between workers before half of the chunks can start.
    """

    def __init__(self, fun: Callable[..., Any], treedef: Any, axes: list[int | None],
                 leaves: list[Any], n: int, reduce: str):
        self.fun, self.treedef, self.n, self.reduce = fun, treedef, n, reduce
        self.mapped = [k for k, a in enumerate(axes) if a is not None]
        self.shared = {k: x for k, (x, a) in enumerate(zip(leaves, axes))
                       if a is None and not _lazy(x)}
        self.token, self.blob = uuid.uuid4().hex, b""

    def __reduce__(self) -> tuple[Any, tuple[str, bytes]]:
        if not self.blob:
            import cloudpickle  # Dask's own dependency: fun may be a lambda
            self.blob = cloudpickle.dumps((self.fun, self.treedef, self.n, self.reduce,
                                           self.mapped, self.shared))
        return _unpickled_job, (self.token, self.blob)


KEEP_JOBS = 4
"""How many unpickled jobs a process keeps (the latest calls')."""

_jobs: collections.OrderedDict[str, _Job] = collections.OrderedDict()


def _unpickled_job(token: str, blob: bytes) -> _Job:
    """The job of ``token``: the one this process made from ``blob`` already, or a new one."""
    job = _jobs.get(token)
    if job is None:
        job = _Job.__new__(_Job)
        (job.fun, job.treedef, job.n, job.reduce, job.mapped,
         job.shared) = pickle.loads(blob)
        job.token, job.blob = token, blob
        _jobs[token] = job
        while len(_jobs) > KEEP_JOBS:
            _jobs.popitem(last=False)
    return job


def _lazy(x: Any) -> bool:
    """Whether ``x`` is a Dask collection (computed in the call's graph, not before)."""
    from dask.base import is_dask_collection
    return bool(is_dask_collection(x))


def _graph(fun: Callable[..., Any], in_axes: Any, reduce: str, args: tuple[Any, ...],
           kwargs: dict[str, Any]) -> Any:
    """The call as one Dask ``Delayed``: chunk tasks, a tree of sums, the NumPy result."""
    import dask
    import dask.array as da
    from dask.delayed import Delayed
    from dask.highlevelgraph import HighLevelGraph
    axes_tree = (in_axes if isinstance(in_axes, tuple) else (in_axes,) * len(args),
                 {k: 0 for k in kwargs})
    leaves, treedef = tree.flatten((args, kwargs))
    try:
        axes = _leaf_axes(fun, axes_tree, (args, kwargs))
    except (TypeError, ValueError) as e:
        raise type(e)(str(e).replace("vmap:", "data_parallel:", 1)) from None
    paths = [arg_path_name(fun, p) for p in treedef.key_paths()]
    mapped = [k for k, a in enumerate(axes) if a is not None]
    norm = [_mapped_axis(leaves[k], int(axes[k] or 0), paths[k], da) for k in mapped]
    n = _common_length([leaves[k] for k in mapped], norm, [paths[k] for k in mapped])
    bounds = _bounds([leaves[k] for k in mapped], norm, n, da)
    rows = [hi - lo for lo, hi in zip(bounds, bounds[1:])]

    name = f"data_parallel-{uuid.uuid4().hex}"
    job = _Job(fun, treedef, axes, leaves, n, reduce)
    layer: dict[Any, Any] = {}
    lazy = [dask.delayed(x) for k, x in enumerate(leaves) if axes[k] is None and _lazy(x)]
    deps: list[Any] = list(lazy)
    pieces = [_pieces(leaves[k], a, rows, f"{name}-split-{j}", layer, deps)
              for j, (k, a) in enumerate(zip(mapped, norm))]
    parts: list[Any] = []
    for i, r in enumerate(rows):
        parts.append((f"{name}-chunk", i))
        layer[parts[-1]] = (_run_chunk, job, [d.key for d in lazy], [p[i] for p in pieces], r)
    level = 0
    while len(parts) > SPLIT_EVERY:     # the tree of sums, SPLIT_EVERY inputs a task
        groups = [parts[i:i + SPLIT_EVERY] for i in range(0, len(parts), SPLIT_EVERY)]
        parts = [(f"{name}-sum-{level}", g) for g in range(len(groups))]
        layer.update({key: (_sum_outputs, group) for key, group in zip(parts, groups)})
        level += 1
    layer[f"{name}-result"] = (_result, parts)      # its root: the last sum
    graph = HighLevelGraph.from_collections(name, layer, dependencies=deps)
    return Delayed(f"{name}-result", graph, layer=name)


def _pieces(x: Any, axis: int, rows: list[int], name: str, layer: dict[Any, Any],
            deps: list[Any]) -> list[Any]:
    """The graph key of each chunk of the mapped leaf ``x`` (chunks of ``rows`` along ``axis``).

    A NumPy array is sliced here, each slice a value in ``layer``; a Dask
    array is rechunked to one block per chunk, whole along its other axes.
    """
    if isinstance(x, np.ndarray):
        lo = 0
        for i, r in enumerate(rows):
            layer[(name, i)] = x[(slice(None),) * axis + (slice(lo, lo + r),)]
            lo += r
        return [(name, i) for i in range(len(rows))]
    x = x.rechunk({d: (tuple(rows) if d == axis else -1) for d in range(x.ndim)})
    deps.append(x)
    return [(x.name, *(i if d == axis else 0 for d in range(x.ndim))) for i in range(len(rows))]


def _mapped_axis(x: Any, axis: int, path: str, da: Any) -> int:
    """``axis`` of the mapped leaf ``x`` as a non-negative int, or the error naming it."""
    if not isinstance(x, np.ndarray | da.Array):
        raise ValueError(f"data_parallel: in_axes says axis {axis} at {path}, but that argument "
                         f"is a {type(x).__name__}, not an array; pass a Dask or NumPy array "
                         "there, or give in_axes=None for an argument every chunk shares.")
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(f"data_parallel: in_axes says axis {axis} at {path}, but that argument "
                         f"has shape {x.shape}; give an axis it has, or in_axes=None for an "
                         "argument every chunk shares.")
    axis %= x.ndim
    if isinstance(x, da.Array) and any(c != c for c in x.chunks[axis]):   # NaN: unknown
        raise ValueError(f"data_parallel: the Dask array at {path} has unknown chunk sizes "
                         f"along axis {axis}; call its compute_chunk_sizes() first (or build "
                         "it with known chunks).")
    return axis


def _common_length(xs: list[Any], axes: list[int], paths: list[str]) -> int:
    """The length shared by the mapped leaves along their axes (an error naming them if not)."""
    lengths = {p: int(x.shape[a]) for x, a, p in zip(xs, axes, paths)}
    if not lengths:
        raise ValueError("data_parallel: no argument is mapped; give in_axes an int (0) for "
                         "the arguments to split into chunks.")
    if len(set(lengths.values())) > 1:
        listed = ", ".join(f"{p} has {s}" for p, s in lengths.items())
        raise ValueError(f"data_parallel: the mapped arguments differ in length: {listed} "
                         "(along their in_axes). Give them the same length, or in_axes=None "
                         "to an argument every chunk shares.")
    n = next(iter(lengths.values()))
    if n == 0:
        raise ValueError(f"data_parallel: the batch is empty ({paths[0]} has length 0), so "
                         "there is no chunk to run fun on.")
    return n


def _bounds(xs: list[Any], axes: list[int], n: int, da: Any) -> list[int]:
    """The chunk boundaries: every Dask array's, merged (the common refinement)."""
    cuts = {0, n}
    for x, a in zip(xs, axes):
        if isinstance(x, da.Array):
            cuts.update(np.cumsum(x.chunks[a]).tolist())
    return sorted(int(c) for c in cuts)


def _run_chunk(job: _Job, lazy: list[Any], pieces: list[Any], rows: int) -> Any:
    """One task: ``fun`` on a chunk, weighted by its share of the rows for the mean."""
    leaves, given, mapped = [], iter(lazy), dict(zip(job.mapped, pieces))
    for k in range(len(job.mapped) + len(job.shared) + len(lazy)):
        leaves.append(mapped[k] if k in mapped else job.shared[k] if k in job.shared
                      else next(given))
    args, kwargs = tree.unflatten(job.treedef, leaves)
    out = job.fun(*args, **kwargs)
    weight = rows / job.n if job.reduce == "mean" else None
    flat, out_def = tree.flatten_with_path(out)
    return tree.unflatten(out_def, [_weighted(x, weight, p) for p, x in flat])


def _weighted(x: Any, weight: float | None, path: Any) -> Any:
    """An output leaf as a NumPy value, times ``weight`` (None: as it is)."""
    a = np.asarray(x)
    if a.dtype.kind not in "biuf":
        raise TypeError(f"data_parallel: fun returned a {type(x).__name__} at "
                        f"{tree.keystr(path) or 'its output'}; reducing over chunks needs "
                        "numbers (return the other values some other way).")
    if a.dtype.kind == "b":            # counted as NumPy's sum counts them (True + True = 2)
        a = a.astype(np.int_)
    return a if weight is None else a * weight


def _sum_outputs(parts: list[Any]) -> Any:
    """One task of the reduction tree: the leafwise sum of the chunks' outputs."""
    flat, out_def = tree.flatten(parts[0])
    total = [np.array(x) for x in flat]
    for part in parts[1:]:
        leaves, d = tree.flatten(part)
        if d != out_def:
            raise ValueError(f"data_parallel: fun returned {out_def} for one chunk and {d} for "
                             "another; every chunk's output must have one structure.")
        for k, (acc, x) in enumerate(zip(total, leaves)):
            if np.shape(x) != acc.shape:
                where = tree.keystr(out_def.key_paths()[k]) or "the output"
                raise ValueError(f"data_parallel: fun's output at {where} has shape "
                                 f"{acc.shape} for one chunk and {np.shape(x)} for another; "
                                 "return values of one shape per chunk (a mean or a sum "
                                 "over its rows, not one value per row).")
            total[k] = acc + x
    return tree.unflatten(out_def, total)


def _result(parts: list[Any]) -> Any:
    """The root of the tree: the last sum, with NumPy values (arrays, scalars for 0-d), new."""
    return tree.map(lambda x: np.array(x)[()], _sum_outputs(parts))
