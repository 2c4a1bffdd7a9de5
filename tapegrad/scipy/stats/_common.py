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
        return lambda *more, **kw: fun(*more, *args, **kw, **kwds)

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


def in_unit(q: Number) -> tuple[Any, Any]:
    """``(0 < q < 1, q there and 1/2 elsewhere)``: a quantile's inside, safe for its branch."""
    inside = logic.logical_and(logic.gt(q, 0.0), logic.lt(q, 1.0))
    return inside, kinks.where(inside, q, 0.5)


def quantile(q: Number, standard: Callable[[Any], Any], loc: Number, scale: Number, ok: Any,
             ends: tuple[float, float] = (-math.inf, math.inf)) -> Number:
    """SciPy's ``ppf`` (or ``isf``) from the standard one: ``standard(q) * scale + loc``.

    ``standard`` runs on ``q`` inside ``(0, 1)`` only; at ``q = 0`` and ``q = 1``
    the answer is ``ends[0]`` and ``ends[1]`` (the support's ends, swapped for
    ``isf``) times ``scale`` plus ``loc``, as SciPy's; ``nan`` outside ``[0, 1]``
    and where ``ok`` (the parameters' validity) is false.
    """
    q = as_array(q)
    inside, qs = in_unit(q)
    first, last = typed_like(q, *ends)
    z = kinks.where(inside, standard(qs), kinks.where(logic.eq(q, 0.0), first, last))
    valid = logic.logical_and(logic.ge(q, 0.0), logic.le(q, 1.0))
    return where_ok(valid if ok is True else logic.logical_and(ok, valid),
                    z * scale + loc, math.nan)


def mean_var(mu: Number, mu2: Number, loc: Number, scale: Number, ok: Any,
             which: str) -> Number:
    """SciPy's ``mean`` (``mu * scale + loc``) or ``var`` (``mu2 * scale * scale``).

    ``mu`` and ``mu2`` are the standard distribution's; ``nan`` where ``ok`` is false.
    """
    if which == "mean":
        return where_ok(ok, mu * scale + loc, math.nan)
    return where_ok(ok, mu2 * scale * scale + 0.0 * loc, math.nan)


def _median(ppf: Callable[..., Any]) -> Callable[..., Any]:
    def median(*args: Any, **kwds: Any) -> Any:
        """The median, SciPy's: ``ppf(0.5, *args, **kwds)``."""
        return ppf(typed_like(args[0], 0.5)[0] if args else 0.5, *args, **kwds)
    return median


def _interval(ppf: Callable[..., Any]) -> Callable[..., Any]:
    def interval(confidence: Number, *args: Any, **kwds: Any) -> tuple[Any, Any]:
        """The interval holding ``confidence`` of the mass, equal tails, SciPy's.

        ``(ppf((1 - confidence) / 2, ...), ppf((1 + confidence) / 2, ...))``;
        differentiable in ``confidence`` and the parameters where ``ppf`` is.
        """
        c = np.asarray(primal_value(confidence))
        if np.any((c > 1) | (c < 0)):
            raise ValueError(f"interval: confidence must be between 0 and 1 inclusive, "
                             f"not {c}.")
        confidence = as_array(confidence)
        return ppf((1.0 - confidence) / 2, *args, **kwds), \
            ppf((1.0 + confidence) / 2, *args, **kwds)
    return interval


def _std(var: Callable[..., Any]) -> Callable[..., Any]:
    def std(*args: Any, **kwds: Any) -> Any:
        """The standard deviation, SciPy's: ``sqrt(var(*args, **kwds))``."""
        return ops.sqrt(var(*args, **kwds))
    return std


def add_summaries(module: types.ModuleType) -> None:
    """Give ``module`` SciPy's ``median`` and ``interval`` (from ``ppf``), ``std`` (``var``)."""
    names = list(module.__all__)
    made = {}
    if "ppf" in names:
        made["median"], made["interval"] = _median(module.ppf), _interval(module.ppf)
    if "var" in names:
        made["std"] = _std(module.var)
    for name, fun in made.items():
        if name not in names:
            fun.__module__ = module.__name__
            fun.__qualname__ = name
            setattr(module, name, fun)
            names.append(name)
    vars(module)["__all__"] = sorted(names)


def on_support(z: Number, fun: Callable[[Any], Any], ok: Any,
               support: tuple[Any, Any] = (-math.inf, math.inf),
               outside: tuple[float, float] = (-math.inf, -math.inf), safe: Any = 1.0,
               closed: bool = True) -> Number:
    """``fun(z)`` on the support, ``outside[0]`` below it and ``outside[1]`` above it.

    The support is ``[lo, hi]`` (a density's, SciPy's), or ``(lo, hi)`` when
    not ``closed`` (a CDF's: SciPy gives the ends their limits). ``fun`` runs
    on ``z`` inside and on ``safe`` elsewhere, so neither branch meets a value
    its derivative cannot take; ``nan`` at a ``nan`` ``z``, and where ``ok``
    (the parameters' validity) is false.
    """
    z = as_array(z)
    if closed:
        below, above = logic.lt(z, support[0]), logic.gt(z, support[1])
    else:
        below, above = logic.le(z, support[0]), logic.ge(z, support[1])
    inside = logic.logical_not(logic.logical_or(below, above))
    inside = logic.logical_and(inside, logic.eq(z, z))
    r = fun(kinks.where(inside, z, safe))
    r = kinks.where(below, outside[0], kinks.where(above, outside[1], r))
    return where_ok(logic.logical_and(ok, logic.eq(z, z)) if ok is not True else logic.eq(z, z),
                    r, math.nan)


def tail(x: Number, loc: Number, scale: Number, fun: Callable[[Any], Any], ok: Any,
         support: tuple[Any, Any], outside: tuple[float, float], safe: Any = 1.0) -> Number:
    """A CDF-like function of ``z = (x - loc) / scale``: ``fun`` inside the open support."""
    return on_support(standardize(x, loc, scale), fun, ok, support, outside, safe, closed=False)


def log_tails(z: Number, cdf: Callable[[Any], Any], sf: Callable[[Any], Any], median: Any,
              which: str) -> Number:
    """SciPy's generic ``logcdf`` (``which`` "cdf") or ``logsf`` of the standard ``z``.

    ``log(cdf)`` below the median and ``log1p(-sf)`` above it (``logsf`` the
    mirror), so neither tail loses its small probabilities.
    """
    if which == "cdf":
        return kinks.where(logic.lt(z, median), ops.log(cdf(z)), ops.log1p(-sf(z)))
    return kinks.where(logic.gt(z, median), ops.log(sf(z)), ops.log1p(-cdf(z)))


def scaled_logpdf(x: Number, loc: Number, scale: Number, standard: Callable[[Any], Any],
                  ok: Any, support: tuple[Any, Any] = (-math.inf, math.inf),
                  safe: Any = 1.0) -> Number:
    """``standard(z) - log(scale)`` at ``z = (x - loc) / scale``, ``-inf`` off the support."""
    z = standardize(x, loc, scale)
    return on_support(z, standard, ok, support, safe=safe) - ops.log(scale)


def add_moments(module: types.ModuleType, mu: float, mu2: float) -> None:
    """Give a location-scale ``module`` SciPy's ``mean`` and ``var`` from its standard ones."""
    def mean(loc: Number = 0, scale: Number = 1) -> Number:
        return mean_var(mu, mu2, loc, scale, positive(scale), "mean")

    def var(loc: Number = 0, scale: Number = 1) -> Number:
        return mean_var(mu, mu2, loc, scale, positive(scale), "var")
    name = module.__name__.rpartition(".")[2]
    mean.__doc__ = f"The mean of {name}, SciPy's: ``{mu!r} * scale + loc``."
    var.__doc__ = f"The variance of {name}, SciPy's: ``{mu2!r} * scale**2``."
    for fun in (mean, var):
        fun.__module__, fun.__qualname__ = module.__name__, fun.__name__
        setattr(module, fun.__name__, fun)
    vars(module)["__all__"] = sorted(set(module.__all__) | {"mean", "var"})
