"""Checks of one random program (packfuzz_gen) under every transform; the list of failures."""

from __future__ import annotations

import math
import random
import struct
import warnings
from typing import Any
from unittest import mock

import numpy as np
from packfuzz_gen import inputs, loss, one, one_loss, random_spec, run, values
from test_packing import unpacked

import tapegrad as tg


def leaf_bits(v: Any, zero_sign: bool = True) -> Any:
    if isinstance(v, np.ndarray):
        return ("a", v.dtype.str, v.shape, tuple(leaf_bits(x, zero_sign) for x in v.ravel()))
    if isinstance(v, (bool, np.bool_)):
        return (type(v).__name__, bool(v))
    if isinstance(v, (int, np.integer)):
        return (type(v).__name__, int(v))
    if v != v:
        return (type(v).__name__, "nan")
    if v == 0 and not zero_sign:
        return (type(v).__name__, "zero")
    return (type(v).__name__, struct.pack("<d", v))


def tbits(x: Any, zero_sign: bool = True) -> Any:
    return (tg.tree.structure(x), [leaf_bits(v, zero_sign) for v in tg.tree.leaves(x)])


def _call(fn: Any, *args: Any) -> Any:
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return ("ok", fn(*args))
    except Exception as e:  # noqa: BLE001
        return ("err", type(e).__name__)


def _same(got: Any, want: Any, zero_sign: bool = True) -> bool:
    if got[0] != want[0]:
        return False
    if got[0] == "err":
        return got[1] == want[1]
    return tbits(got[1], zero_sign) == tbits(want[1], zero_sign)


def _close(got: Any, want: Any) -> bool:
    """reassociate=True: types equal, nans where eager's, numbers within a loose bound."""
    if got[0] != want[0]:
        return False
    if got[0] == "err":
        return True
    a, b = tg.tree.leaves(got[1]), tg.tree.leaves(want[1])
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if type(x) is not type(y):
            return False
        if isinstance(y, float) and math.isfinite(y):
            if not math.isfinite(x) or abs(x - y) > 1e-6 * max(1.0, abs(y)):
                return False
    return True


def input_sets(spec: dict[str, Any], seed: int, n: int = 3) -> list[tuple[list[Any], Any]]:
    """The tracing inputs, then ``n - 1`` others of the same types (floats where floats)."""
    ns, no, ne = spec["n_shared"], spec["n_in"] - spec["n_shared"], spec["examples"]

    def one_set(s: int, special: float) -> tuple[list[Any], Any]:
        return (inputs(s, ns, special), [inputs(s * 31 + e, no, special) for e in range(ne)])
    first = one_set(seed, 0.1)
    out = [first]
    r = random.Random(seed + 1)
    like = lambda o, f: o if type(o) is type(f) else (float(o) if type(f) is float else f)
    for k in range(1, n):
        if r.random() < 0.4:       # near the first: guards likely take the same side
            other = tg.tree.map(lambda f: f + 0.01 if type(f) is float and math.isfinite(f)
                                else f, first)
        else:
            other = tg.tree.map(like, one_set(seed * 7 + k, 0.3 if k > 1 else 0.0), first)
        out.append(other)
    return out


CHECKS = ("jit", "jit_grad", "jit_vg", "grad_jit", "vmap", "vmap_grad", "jit_vmap", "reassoc")


def check(seed: int, transforms: tuple[str, ...] = CHECKS, forced: bool = True,
          small: bool = False) -> list[str]:
    """What differs, for the program of ``seed``, from eager and from the unpacked program.

    ``forced``: every program with a group is packed, worth it or not (small
    programs then exercise what only large ones would reach).
    """
    if forced:
        with mock.patch("tapegrad.staging.packing._cheap", lambda *a: True):
            return check(seed, transforms, False, small)
    spec = random_spec(seed, small)
    sets = input_sets(spec, seed)
    bad: list[str] = []

    def f(shared: list[Any], examples: Any) -> Any:
        return run(spec, shared, examples)

    def lf(shared: list[Any], examples: Any) -> Any:
        return loss(spec, shared, examples)
    if "jit" in transforms:
        jf = tg.jit(f)
        with unpacked():
            sf = tg.jit(f)
            want = [_call(sf, *xs) for xs in sets]
        for k, xs in enumerate(sets):
            got = _call(jf, *xs)
            if not _same(got, want[k]):
                bad.append(f"jit vs scalar jit at set {k}")
            eager = _call(f, *xs)
            if eager[0] == "ok" and want[k][0] == "ok" and _same(want[k], eager) \
                    and not _same(got, eager):
                bad.append(f"jit vs eager at set {k}")
    vg = tg.value_and_grad(lf, argnums=(0, 1))
    g = tg.grad(lf, argnums=(0, 1))
    for name, make, ref in (("jit_grad", lambda: tg.jit(g), g),
                            ("jit_vg", lambda: tg.jit(vg), vg),
                            ("grad_jit", lambda: tg.grad(tg.jit(lf), argnums=(0, 1)), g)):
        if name not in transforms:
            continue
        fn = make()
        with unpacked():
            sfn = make()
            want = [_call(sfn, *xs) for xs in sets]
        for k, xs in enumerate(sets):
            got = _call(fn, *xs)
            if not _same(got, want[k]):
                bad.append(f"{name} vs scalar at set {k}")
            eager = _call(ref, *xs)
            if _same(want[k], eager, False) and not _same(got, eager, False):
                bad.append(f"{name} vs eager at set {k}")
    if "reassoc" in transforms:
        fin = [tg.tree.map(lambda x: x if not isinstance(x, float) or abs(x) < 1e100
                           else 1.5, xs) for xs in sets]
        for fn, ref in ((tg.jit(f, reassociate=True), f), (tg.jit(vg, reassociate=True), vg)):
            for k, xs in enumerate(fin):
                got, eager = _call(fn, *xs), _call(ref, *xs)
                if eager[0] == "ok" and _finite(spec, xs) and not _close(got, eager):
                    bad.append(f"reassociate at set {k}")
    return bad + _check_vmap(spec, sets, transforms) + _check_vmap(spec, sets, transforms, 0)


def _finite(spec: dict[str, Any], xs: Any) -> bool:
    """Whether every value of the program is finite at ``xs`` (else reassociation's plain
    products of the backward pass may make nans where the exact ones make zeros)."""
    shared, examples = xs
    with np.errstate(all="ignore"):
        for ex in examples:
            try:
                vals = values(spec, [np.float64(v) for v in list(shared) + list(ex)])
            except Exception:  # noqa: BLE001
                return False
            if not all(np.isfinite(v) for v in vals):
                return False
    return True


def _row(out: Any, k: int, n: int) -> Any:
    def one_(v: Any) -> Any:
        a = np.broadcast_to(np.asarray(v), (n,) + np.shape(v)[1:])[k]
        return a.item() if a.ndim == 0 else a
    return tg.tree.map(one_, out)


def _shared_memory(out: Any, batch: list[Any]) -> int:
    """How many pairs of output arrays, or of an output and an input, share memory."""
    arrays = [v for v in tg.tree.leaves(out) if isinstance(v, np.ndarray)]
    pairs = sum(np.shares_memory(a, b) for i, a in enumerate(arrays) for b in arrays[:i])
    return pairs + sum(np.shares_memory(a, b) for a in arrays for b in batch)


def _vmap_calls(sets: list[Any], axis: int) -> list[tuple[Any, list[list[Any]]]]:
    """Per call: the unbatched argument and the batch's rows (each call new values)."""
    calls = []
    for j, (shared, examples) in enumerate(sets):
        if axis == 1:
            fixed, rows = shared, [ex for _, exs in sets[j:] + sets[:j] for ex in exs]
        else:
            fixed, rows = examples[0], [sh for sh, _ in sets[j:] + sets[:j]]
        rows = rows + [[v * 0.5 if type(v) is float else v for v in ex] for ex in rows]
        calls.append((fixed, rows))
    calls.append((calls[0][0], calls[0][1][:1]))          # a batch of one example
    return calls


def _check_vmap(spec: dict[str, Any], sets: list[Any], transforms: tuple[str, ...],
                axis: int = 1) -> list[str]:
    """vmap over the examples (``axis`` 1) or over the shared inputs (0), the other fixed;
    one vmapped function called at every set of inputs (it keeps its trace)."""
    bad: list[str] = []
    axes = (None, 0) if axis else (0, None)
    order = (lambda a, b: (a, b)) if axis else (lambda a, b: (b, a))
    f1 = lambda sh, ex: one(spec, sh, ex)                                 # noqa: E731
    g1 = tg.grad(lambda sh, ex: one_loss(spec, sh, ex), argnums=(0, 1))
    for name, make, ref in (("vmap", lambda: tg.vmap(f1, in_axes=axes), f1),
                            ("vmap_grad", lambda: tg.vmap(g1, in_axes=axes), g1),
                            ("jit_vmap", lambda: tg.jit(tg.vmap(f1, in_axes=axes)), f1)):
        if name not in transforms:
            continue
        fn = make()
        with unpacked():
            sfn = make()
        for j, (fixed, rows) in enumerate(_vmap_calls(sets, axis)):
            batch = [np.array([float(v) for v in c]) if any(type(v) is float for v in c)
                     else np.array(c) for c in zip(*rows)]
            got = _call(fn, *order(fixed, batch))
            with unpacked():
                want = _call(sfn, *order(fixed, batch))
            if not _same(got, want):
                bad.append(f"{name} (axis {axis}) vs unpacked at call {j}")
                continue
            if got[0] != "ok":
                continue
            if _shared_memory(got[1], batch) > _shared_memory(want[1], batch):
                bad.append(f"{name} (axis {axis}) outputs share memory at call {j}")
            n = len(rows)
            for k in range(n):
                eager = _call(ref, *order(fixed, rows[k]))
                if eager[0] == "ok" and tbits(_row(got[1], k, n), False)[1] != \
                        tbits(eager[1], False)[1]:
                    if tbits(_row(want[1], k, n), False)[1] == tbits(eager[1], False)[1]:
                        bad.append(f"{name} (axis {axis}) vs loop at call {j} example {k}")
    return bad


def hunt(lo: int, hi: int) -> dict[int, list[str]]:
    """``check`` of the seeds ``lo`` to ``hi``: the failing ones, printed as found."""
    found = {}
    for seed in range(lo, hi):
        try:
            bad = check(seed)
        except Exception as e:  # noqa: BLE001
            bad = [f"raised {e!r}"]
        if bad:
            print(seed, bad, flush=True)
            found[seed] = bad
    return found
