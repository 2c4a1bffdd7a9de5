"""``einsum`` on traced values, as one primitive (the composites: ``tensordot.py``).

``einsum`` is one primitive. Its subscripts are first written out in full
(``...`` and implicit outputs expanded into letters, axes of length one
that broadcast squeezed away), so the primitive sees a spec such as
``"ij,jk->ik"`` and NumPy computes it. The derivative of an einsum is
another einsum: the cotangent of an operand contracts the output's
cotangent with the other operands, with a constant identity matrix for a
letter the operand repeats (a diagonal) and a constant vector of ones for a
letter only that operand has (a sum); the tangent is the einsum with one
operand replaced by its tangent. Its batching rule gives every batched
operand, and the output, one more letter.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .batching.rules import batch_rules
from .numpy_dispatch import functions
from .primitive import Primitive, defjvp, defvjp, primitive
from .reshaping import _shape
from .shapes import _data, _scalar
from .shapes import reshape as reshape_to
from .values import primal_value

__all__ = ["einsum"]

Number = Any
_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_MAX_OPERANDS = 64


# ------------------------------------------------------------------- einsum
def _einsum(how: tuple[str, Any], *operands: Any) -> Any:
    """NumPy's einsum of a spec written in full; never a view of an operand."""
    spec, optimize = how
    arrays = [_data(o) for o in operands]
    r = np.einsum(spec, *arrays, optimize=optimize)
    return _own(r, arrays) if isinstance(r, np.ndarray) and r.ndim else _scalar(r)


def _own(r: np.ndarray, arrays: list[np.ndarray]) -> np.ndarray:
    """``r`` as an array of its own, never a view (``"ii->i"`` gives one), in NumPy's layout.

    NumPy's einsum may return a transposed array (tensordot's, with
    ``optimize``), which later sums (and ``ravel(order="K")``) read in memory
    order; the batch rule lays each example out the same way.
    """
    if any(np.may_share_memory(r, a) for a in arrays):
        return np.copy(r, order="K")
    return r


def _laid_as(batch: np.ndarray, example: Any) -> np.ndarray:
    """``batch`` (the batch axis first) with each example laid out as ``example``."""
    if type(example) is not np.ndarray or example.flags.c_contiguous or example.ndim < 2:
        return np.ascontiguousarray(batch)
    order = sorted(range(example.ndim), key=lambda k: -abs(example.strides[k]))
    out = np.empty((batch.shape[0], *(example.shape[k] for k in order)), batch.dtype)
    out = out.transpose(0, *(1 + order.index(k) for k in range(example.ndim)))
    out[...] = batch
    return out


einsum_p: Primitive = primitive(_einsum, "einsum", check_rules=False)


def _float_dtype(x: Any) -> np.dtype:
    d = np.asarray(primal_value(x)).dtype
    return d if d.kind == "f" else np.dtype(float)


def _fresh(used: set[str]) -> str:
    letter = next(c for c in _LETTERS if c not in used)
    used.add(letter)
    return letter


def _cotangent_spec(terms: list[str], out: str, k: int, sizes: dict[str, int],
                    dtype: np.dtype) -> tuple[str, list[np.ndarray]]:
    """The einsum that gives operand ``k``'s cotangent, and its constant operands.

    Its operands are the output's cotangent, the other operands, then the
    constants: an identity for each repeat of a letter in ``terms[k]`` (the
    repeat renamed), ones for each letter of ``terms[k]`` nothing else has.
    """
    used = set("".join(terms) + out)
    target, consts, specs, seen = "", [], [], set()
    for c in terms[k]:
        if c in seen:
            f = _fresh(used)
            specs.append(c + f)
            consts.append(np.eye(sizes[c], dtype=dtype))
            target += f
        else:
            seen.add(c)
            target += c
    have = set(out + "".join(terms[:k] + terms[k + 1:]) + "".join(specs))
    for c in sorted(seen - have):
        specs.append(c)
        consts.append(np.ones(sizes[c], dtype=dtype))
    inputs = [out] + terms[:k] + terms[k + 1:] + specs
    return ",".join(inputs) + "->" + target, consts


def _spec_parts(spec: str) -> tuple[list[str], str]:
    lhs, out = spec.split("->")
    return lhs.split(","), out


def _sizes(terms: list[str], operands: Sequence[Any]) -> dict[str, int]:
    sizes: dict[str, int] = {}
    for term, op in zip(terms, operands):
        sizes.update(zip(term, _shape(op)))
    return sizes


def _einsum_vjp(k: int) -> Any:
    def vjp(g: Any, ans: Any, how: tuple[str, Any], *operands: Any) -> Any:
        terms, out = _spec_parts(how[0])
        spec, consts = _cotangent_spec(terms, out, k, _sizes(terms, operands),
                                       _float_dtype(g))
        others = operands[:k] + operands[k + 1:]
        return einsum_p((spec, True), g, *others, *consts)
    return vjp


def _einsum_jvp(k: int) -> Any:
    def jvp(t: Any, ans: Any, how: tuple[str, Any], *operands: Any) -> Any:
        return einsum_p(how, *operands[:k], t, *operands[k + 1:])
    return jvp


defvjp(einsum_p, None, *[_einsum_vjp(k) for k in range(_MAX_OPERANDS)])
defjvp(einsum_p, None, *[_einsum_jvp(k) for k in range(_MAX_OPERANDS)])


def _einsum_batch(e: Any, values: list[Any], batched: list[bool], n: int) -> Any:
    """The einsum of the whole batch: a new letter for the batch axis."""
    (spec, optimize), operands = values[0], values[1:]
    terms, out = _spec_parts(spec)
    b = _fresh(set(spec))
    terms = [b + t if bt else t for t, bt in zip(terms, batched[1:])]
    if not any(batched[1:]):
        r = np.asarray(_einsum(values[0], *operands))
        return _laid_as(np.broadcast_to(r, (n,) + r.shape), r)
    arrays = [_data(o) for o in operands]
    # NumPy's casting buffers sum in another order; an optimized path of three or more
    # operands is chosen for the batch's shapes, not the example's (another order again)
    if len({a.dtype for a in arrays}) > 1 or optimize and len(arrays) > 2:
        rows = [[x[i] if bt else x for x, bt in zip(arrays, batched[1:])] for i in range(n)]
        each = [np.asarray(_einsum(values[0], *row)) for row in rows]
        return _laid_as(np.stack(each), each[0])
    r = np.einsum(",".join(terms) + "->" + b + out, *arrays, optimize=optimize)
    first = _einsum(values[0], *[x[0] if bt else x for x, bt in zip(arrays, batched[1:])])
    return _laid_as(r, first)                     # the example's layout, probed on the first


batch_rules[einsum_p] = _einsum_batch


def _interleaved(args: tuple[Any, ...]) -> tuple[str, list[Any]]:
    """NumPy's ``einsum(op0, sublist0, op1, sublist1, ..., [sublistout])`` as a string."""
    def term(sub: Any) -> str:
        out = ""
        for s in sub:
            if s is Ellipsis:
                out += "..."
            elif isinstance(s, int | np.integer) and 0 <= s < len(_LETTERS):
                out += _LETTERS[int(s)]
            else:
                raise ValueError(f"einsum: a subscript must be an int from 0 to "
                                 f"{len(_LETTERS) - 1} or Ellipsis, not {s!r}.")
        return out
    operands = list(args[0::2])
    subs = [term(s) for s in args[1::2]]
    if len(args) % 2:
        return ",".join(subs) + "->" + term(args[-1]), operands[:-1]
    return ",".join(subs), operands


def _normalize(subscripts: str, operands: list[Any]) -> tuple[str, list[Any]]:
    """``subscripts`` written in full for ``operands``, and the operands to use.

    ``...`` becomes fresh letters (right-aligned, as NumPy broadcasts them),
    an implicit output is the ellipsis axes then the letters used once, in
    order; an axis of length one against a longer one of the same letter
    (NumPy broadcasts it) is squeezed out of its operand.
    """
    spec = subscripts.replace(" ", "")
    lhs, arrow, rhs = spec.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(operands):
        raise ValueError(f"einsum: the subscripts {subscripts!r} name {len(terms)} operands, "
                         f"but {len(operands)} were given.")
    if any(c not in _LETTERS + "." for c in lhs.replace(",", "") + rhs) or any(
            t.replace("...", "").count(".") for t in terms + [rhs]):
        raise ValueError(f"einsum: the subscripts {subscripts!r} may hold letters, ',', "
                         "'->' and '...' only.")
    shapes = [_shape(o) for o in operands]
    widths = []
    for t, s in zip(terms, shapes):
        named = len(t.replace("...", ""))
        if ("..." in t and named > len(s)) or ("..." not in t and named != len(s)):
            raise ValueError(f"einsum: the subscripts {t!r} do not fit an operand of shape "
                             f"{s}.")
        widths.append(len(s) - named if "..." in t else 0)
    used = set(lhs + rhs)
    ell = "".join(_fresh(used) for _ in range(max(widths, default=0)))
    terms = [t.replace("...", ell[len(ell) - w:] if w else "") for t, w in zip(terms, widths)]
    if arrow and ell and "..." not in rhs:
        raise ValueError(f"einsum: the operands of {subscripts!r} have axes that '...' "
                         "stands for, but the output has no '...': add it to the output "
                         "(or sum those axes with tg.sum first), as NumPy asks.")
    if arrow:
        out = rhs.replace("...", ell)
    else:
        letters = lhs.replace("...", "").replace(",", "")
        out = ell + "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    terms, ops = _squeeze_broadcast(terms, shapes, operands)
    return ",".join(terms) + "->" + out, ops


def _squeeze_broadcast(terms: list[str], shapes: list[tuple[int, ...]],
                 operands: list[Any]) -> tuple[list[str], list[Any]]:
    """The terms and operands without the axes of length one that NumPy broadcasts.

    An axis of length one against a longer one of the same letter is squeezed
    out of its operand (and its letter out of its term). Where one letter has
    two different lengths over one, nothing changes: NumPy's own error follows.
    """
    sizes: dict[str, set[int]] = {}
    for t, s in zip(terms, shapes):
        for c, n in zip(t, s):
            sizes.setdefault(c, set()).add(n)
    if any(len(v - {1}) > 1 for v in sizes.values()):
        return terms, operands                            # NumPy's own error follows
    terms, ops = list(terms), list(operands)
    for k, (t, s) in enumerate(zip(terms, shapes)):
        keep = [sizes[c] == {1} or n != 1 or t.count(c) > 1 for c, n in zip(t, s)]
        if not all(keep):
            terms[k] = "".join(c for c, kept in zip(t, keep) if kept)
            ops[k] = reshape_to(ops[k], tuple(n for n, kept in zip(s, keep) if kept))
    return terms, ops


def einsum(*operands: Any, optimize: Any = False) -> Number:
    """NumPy's ``einsum``: sums of products named by subscripts.

    Any subscripts NumPy takes: explicit (``"ij,jk->ik"``) or implicit
    (``"ij,jk"``) output, ``...`` for leading or trailing axes, repeated
    letters for diagonals (``"ii->i"``), traces (``"ii"``) and sums, and
    NumPy's interleaved form ``einsum(x, [0, 1], y, [1, 2])``.

    Args:
      *operands: The subscripts string, then the arrays (traced or not).
      optimize: NumPy's ``optimize``: the contraction order (``False``: as written).

    Returns:
      The einsum; its derivatives are einsums too.

    Examples:
      >>> import numpy as np
      >>> import tapegrad as tg
      >>> A = np.array([[1.0, 2.0], [3.0, 4.0]])
      >>> tg.einsum("ij,j->i", A, np.array([1.0, -1.0]))
      array([-1., -1.])
      >>> tg.grad(lambda A: tg.einsum("ii", A))(A)
      array([[1., 0.],
             [0., 1.]])
    """
    if not operands:
        raise TypeError("einsum: give the subscripts, then the operands.")
    if isinstance(operands[0], str):
        subscripts, ops = operands[0], list(operands[1:])
    else:
        subscripts, ops = _interleaved(operands)
    if not ops:
        raise ValueError("einsum: give at least one operand.")
    if len(ops) > _MAX_OPERANDS:
        raise ValueError(f"einsum: at most {_MAX_OPERANDS} operands; split the sum.")
    spec, ops = _normalize(subscripts, ops)
    return einsum_p((spec, optimize), *ops)


functions[np.einsum] = (einsum, ("optimize",))
