"""``quantile`` and ``percentile`` at a traced ``q``: differentiable in ``q`` too.

NumPy's own table gives the virtual index of each method as arithmetic of
``q`` (recorded, so ``jit`` and ``vmap`` find the order statistics for each
``q``); the two neighbouring order statistics are gathered at the floor of
that index and interpolated as NumPy's ``_lerp`` does. The derivative in ``q``
is then the slope between them (``(n - 1) * (s[i + 1] - s[i])`` for
``"linear"``), as JAX's; the methods that pick one order statistic
(``"lower"``, ``"nearest"``...) are steps in ``q`` with derivative 0. A method
whose index NumPy computes with a function tapegrad cannot record is refused,
naming the methods that work.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .along import _one_axis, _stacked
from .arrays import astype, floor
from .elementary import isnan
from .indexing import getitem, take
from .kinks import where
from .orderings import sort
from .reshaping import moveaxis, ravel
from .shapes import _traced_scalar
from .shapes import reshape as reshape_to
from .values import Traced, primal_value, shape_of

__all__ = ["is_traced_q", "traced_nanquantile", "traced_quantile"]

_CONTINUOUS = ("linear", "hazen", "weibull", "median_unbiased", "normal_unbiased",
               "interpolated_inverted_cdf", "lower", "higher", "nearest")


def is_traced_q(q: Any) -> bool:
    """Whether ``q`` is a traced value, or a list holding one."""
    return type(q) is Traced or isinstance(q, list | tuple) and any(
        type(v) is Traced for v in q)


def _lerp(a: Any, b: Any, t: Any, weak: bool) -> Any:
    """NumPy's ``_lerp``: from ``a`` below ``t = 0.5``, from ``b`` above (its rounding).

    At a Python number ``q`` (``weak``) NumPy takes ``float(gamma)``, a
    Python float: ``t`` and ``1 - t`` are rounded to the data's dtype, as
    NEP 50 rounds a Python float beside float32 data.
    """
    diff = b - a
    up, down = 1 - t, t
    if weak:
        dtype = np.asarray(primal_value(diff)).dtype
        up, down = astype(up, dtype), astype(down, dtype)
    return where(t >= 0.5, b - diff * up, a + diff * down)


def _weak(q: Any) -> bool:
    """Whether ``q`` is a traced Python number (NumPy's ``weak_q``)."""
    return type(q) is Traced and type(primal_value(q)) in (int, float)


def _index(props: dict[str, Any], n: int, q: Any, method: str) -> Any:
    if method not in _CONTINUOUS:
        raise TypeError(
            f"np.quantile with a traced q and method={method!r}: a step function of q "
            "(its derivative is 0 where it exists) whose index NumPy computes with "
            "functions tapegrad cannot record. With a traced q use one of "
            f"{', '.join(map(repr, _CONTINUOUS))}, or pass q as a constant (from "
            "outside the transform).")
    return props["get_virtual_index"](n, q)


def traced_quantile(a: Any, q: Any, axis: Any, keepdims: bool, method: str,
                    props: dict[str, Any]) -> Any:
    """NumPy's ``quantile`` of ``a`` at a traced ``q`` (a number or a 1-D array)."""
    if isinstance(q, list | tuple):
        from .arrays import stack
        q = stack(list(q))
    if len(shape_of(q)) > 1:
        raise ValueError("Quantiles must be in the range [0, 1], a number or a 1-D array.")
    x = _stacked(a)
    shape = shape_of(x)
    s, ax = (ravel(x), 0) if axis is None else (x, _one_axis("quantile", axis, len(shape)))
    if not shape_of(s)[ax]:
        raise ValueError("quantile: the quantile of an empty axis is undefined.")
    s = moveaxis(sort(s, axis=ax), ax, 0)
    if np.asarray(primal_value(s)).dtype.kind in "iu":
        s = s * 1.0
    n = shape_of(s)[0]
    virtual = _index(props, n, q, method)
    if props["fix_gamma"] is None:                       # one order statistic: a step in q
        out = take(s, virtual, axis=0)
    else:
        fl = floor(virtual)
        above, below = virtual >= n - 1, virtual < 0
        prev = where(above, float(n - 1), where(below, 0.0, fl))
        nxt = where(above, float(n - 1), where(below, 0.0, fl + 1.0))
        gamma = props["fix_gamma"](virtual - where(above, -1.0, prev), virtual)
        t = reshape_to(gamma, shape_of(q) + (1,) * (len(shape_of(s)) - 1))
        out = _lerp(take(s, astype(prev, np.intp), axis=0),
                    take(s, astype(nxt, np.intp), axis=0), t, _weak(q))
    last = getitem(s, -1)               # NaN sorts last: any NaN makes the quantile NaN
    out = where(isnan(last), np.asarray(primal_value(last)).dtype.type(math.nan), out)
    if keepdims:
        kept = (1,) * len(shape) if axis is None else tuple(
            1 if i == ax else k for i, k in enumerate(shape))
        out = reshape_to(out, shape_of(q) + kept)
    return _traced_scalar(out)


def traced_nanquantile(a: Any, q: Any, axis: Any, keepdims: bool, method: str,
                       props: dict[str, Any], count_of: Any) -> Any:
    """NumPy's ``nanquantile`` at a traced ``q``: each slice's count of values not NaN.

    The virtual index is NumPy's of that count (traced: the NaNs may move),
    and the order statistics are gathered per slice (``take_along_axis``).
    """
    from .arrays import stack
    from .pieces import take_along_axis
    q = stack(list(q)) if isinstance(q, list | tuple) else q
    if len(shape_of(q)) > 1:
        raise ValueError("Quantiles must be in the range [0, 1], a number or a 1-D array.")
    x = _stacked(a)
    shape = shape_of(x)
    s, ax = (ravel(x), 0) if axis is None else (x, _one_axis("nanquantile", axis, len(shape)))
    s = moveaxis(sort(s, axis=ax), ax, 0)                   # NaNs last
    rest, qs = shape_of(s)[1:], shape_of(q)
    count = astype(count_of(s, 0, False), np.float64)       # per slice, traced
    qv = reshape_to(q, qs + (1,) * len(rest)) if qs and rest else q
    virtual = _index(props, count, qv, method)
    whole = qs + rest

    def pick(i: Any) -> Any:
        flat = reshape_to(astype(i, np.intp) + np.zeros(whole, np.intp), (-1,) + rest)
        return reshape_to(take_along_axis(s, flat, 0), whole)
    if props["fix_gamma"] is None:
        out = pick(virtual)
    else:
        last = count - 1.0
        fl = floor(virtual)
        above, below = virtual >= last, virtual < 0
        prev = where(above, last, where(below, 0.0, fl))
        nxt = where(above, last, where(below, 0.0, fl + 1.0))
        gamma = props["fix_gamma"](virtual - where(above, -1.0, prev), virtual)
        out = _lerp(pick(prev), pick(nxt), gamma, _weak(q))
    out = where(count == 0, np.asarray(primal_value(s)).dtype.type(math.nan), out)
    if keepdims:
        kept = (1,) * len(shape) if axis is None else tuple(
            1 if i == ax else k for i, k in enumerate(shape))
        out = reshape_to(out, qs + kept)
    return _traced_scalar(out)
