"""``tg.vectorize``: NumPy's ``np.vectorize`` (and JAX's ``jnp.vectorize``) as nested ``vmap``.

``np.vectorize(f)`` calls ``f`` once per element, converting its arguments
with ``np.asanyarray`` first, which a traced value cannot pass through, so
NumPy's own refuses traced arguments (naming this function). Here the loop
axes (the broadcast shape of the arguments without their core dimensions,
NumPy's generalized-ufunc ``signature``) are each one ``vmap``, so ``f``
runs on one example at a time, its Python branches included, under every
transform.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .shapes import broadcast_to
from .values import Traced
from .vmap import vmap
from .zero_dim import as_zero_d

__all__ = ["vectorize"]

_DIMS = re.compile(r"\(([^()]*)\)")
_SIGNATURE = re.compile(r"^(\([^()]*\))(,\([^()]*\))*->(\([^()]*\))(,\([^()]*\))*$")


def _parse(signature: str) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    """NumPy's ``(n),(n)->()``: the core dimension names of each input and output."""
    sig = signature.replace(" ", "")
    if not _SIGNATURE.match(sig):
        raise ValueError(f"not a valid gufunc signature: {signature}")
    ins, outs = sig.split("->")
    parse = lambda s: [tuple(d for d in g.split(",") if d) for g in _DIMS.findall(s)]  # noqa: E731
    return parse(ins), parse(outs)


def _core_sizes(args: list[Any], cores: list[tuple[str, ...]]) -> None:
    """NumPy's check: each input has its core dimensions, one size per name."""
    sizes: dict[str, int] = {}
    for a, core in zip(args, cores):
        shape = np.shape(a)
        if len(shape) < len(core):
            raise ValueError(f"input with shape {shape!r} does not have enough dimensions "
                             f"for all core dimensions {core!r}")
        for name, size in zip(core, shape[len(shape) - len(core):]):
            if sizes.setdefault(name, size) != size:
                raise ValueError(f"inconsistent size for core dimension {name!r}: "
                                 f"{size} vs {sizes[name]}")


def vectorize(pyfunc: Callable[..., Any], *, excluded: Iterable[int | str] = (),
              signature: str | None = None) -> Callable[..., Any]:
    """NumPy's ``np.vectorize(pyfunc, excluded=..., signature=...)`` on traced values.

    Args:
      pyfunc: A function of one element (or of arrays of the core shapes of
        ``signature``); Python branches on its arguments are fine.
      excluded: Positions or keyword names of arguments passed through unchanged.
      signature: NumPy's generalized-ufunc signature, such as ``"(n),(n)->()"``;
        None for a function of scalars.

    Returns:
      A function broadcasting its arguments' loop axes, ``pyfunc`` of each
      element (a nested ``tg.vmap``), with NumPy's values.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> f = tg.vectorize(lambda a: a * a if a > 0 else -a)
      >>> f(np.array([-2.0, 3.0]))
      array([2., 9.])
      >>> tg.grad(lambda x: f(x).sum())(np.array([-2.0, 3.0]))
      array([-1.,  6.])
    """
    excluded = frozenset(excluded)
    cores_in, _ = _parse(signature) if signature is not None else (None, None)

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        mapped = [k for k in range(len(args)) if k not in excluded]
        named = [k for k in kwargs if k not in excluded]
        inputs = [args[k] for k in mapped] + [kwargs[k] for k in named]
        cores: list[tuple[str, ...]] = cores_in if cores_in is not None else [()] * len(inputs)
        if len(cores) != len(inputs):
            raise TypeError(f"wrong number of positional arguments: expected {len(cores)}, "
                            f"got {len(inputs)}")
        _core_sizes(inputs, cores)
        loop = np.broadcast_shapes(*(np.shape(a)[:np.ndim(a) - len(c)]
                                     for a, c in zip(inputs, cores)))
        inputs = [broadcast_to(a, loop + np.shape(a)[np.ndim(a) - len(c):])
                  if np.shape(a)[:np.ndim(a) - len(c)] != loop else a
                  for a, c in zip(inputs, cores)]

        def one(*xs: Any) -> Any:
            full = list(args)
            for k, x in zip(mapped, xs):
                full[k] = x
            return pyfunc(*full, **{**kwargs, **dict(zip(named, xs[len(mapped):]))})
        if not loop:                 # NumPy's answer is an array, a 0-d one too
            out = one(*inputs)
            return tuple(map(_array, out)) if isinstance(out, tuple) else _array(out)
        f: Callable[..., Any] = one
        for _ in loop:
            f = vmap(f)
        return f(*inputs)
    return wrapped


def _array(out: Any) -> Any:
    return as_zero_d(out) if type(out) is Traced else np.asarray(out)
