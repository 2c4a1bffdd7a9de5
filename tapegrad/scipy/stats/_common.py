"""What the distributions share: standardizing, and SciPy's values outside the support."""

from __future__ import annotations

import functools
import math
import types
from collections.abc import Callable
from typing import Any

import numpy as np

from ... import kinks, logic
from ...joins import as_array
from ...values import primal_value
from .. import _numpy_ops as ops

Number = Any
LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


def where_ok(ok: Any, value: Number, fill: float) -> Number:
    """``value`` where ``ok``, ``fill`` elsewhere; no select when ``ok`` is a plain True."""
    if ok is True:
        return value
    return kinks.where(ok, value, fill)


def positive(*params: Number) -> Any:
    """Whether every parameter is positive: True, or an elementwise condition."""
    ok: Any = True
    for p in params:
        if isinstance(p, int | float) and not isinstance(p, bool) and p > 0:
            continue
        gt = logic.gt(as_array(p), 0.0)
        ok = gt if ok is True else logic.logical_and(ok, gt)
    return ok


def typed_like(x: Number, *params: Number) -> tuple[Number, ...]:
    """``params``, a Python number among them made ``x``'s float type (float32 stays float32)."""
    kind = np.asarray(primal_value(x)).dtype
    if kind.kind != "f":
        return params
    return tuple(kind.type(p) if type(p) in (int, float) else p for p in params)


def standardize(x: Number, loc: Number, scale: Number) -> Number:
    """``(x - loc) / scale``, IEEE's: a zero scale gives inf or nan, never ZeroDivisionError."""
    x, loc, scale = as_array(x), as_array(loc), as_array(scale)    # array_like, as SciPy
    return ops.div(x - loc, scale)


class Frozen:
    """SciPy's frozen distribution, ``norm(loc=1.0, scale=s)``: its parameters bound.

    ``Frozen(norm, (), {"loc": 1.0}).logpdf(x)`` is ``norm.logpdf(x, loc=1.0)``;
    every function of the distribution's module is there, its first argument
    (``x``, ``k`` or ``q``) given, the parameters after it as they were bound.
    """

    def __init__(self, dist: types.ModuleType, args: tuple[Any, ...], kwds: dict[str, Any]):
        self.dist, self.args, self.kwds = dist, args, kwds

    def __getattr__(self, name: str) -> Any:
        fun = getattr(self.dist, name, None) if name in getattr(self.dist, "__all__", ()) else None
        if fun is None:
            scipy_name = self.dist.__name__.replace("tapegrad.", "", 1)
            raise AttributeError(
                f"{scipy_name}(...).{name}: tapegrad's frozen distribution has the functions "
                f"of {scipy_name} ({', '.join(self.dist.__all__)}), not {name}.")
        args, kwds = self.args, self.kwds
        return lambda x, *more, **kw: fun(x, *more, *args, **kw, **kwds)

    def __repr__(self) -> str:
        return f"<frozen {self.dist.__name__.rpartition('.')[2]}{self.args!r} {self.kwds!r}>"


class Distribution(types.ModuleType):
    """A distribution's module, callable as SciPy's ``norm(loc, scale)`` (the frozen form)."""

    def __call__(self, *args: Any, **kwds: Any) -> Frozen:
        return Frozen(self, args, kwds)


def array_like(fun: Callable[..., Any]) -> Callable[..., Any]:
    """``fun`` taking lists as NumPy reads them: ``[s1, s2]`` of traced numbers stacked."""
    @functools.wraps(fun)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        args = tuple(as_array(a) if isinstance(a, list | tuple) else a for a in args)
        kwargs = {k: as_array(v) if isinstance(v, list | tuple) else v
                  for k, v in kwargs.items()}
        return fun(*args, **kwargs)
    return wrapped
