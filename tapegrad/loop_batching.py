"""``vmap`` of the loop primitives: the body runs on the whole batch, step by step.

A batched ``while_p`` runs while any example's condition holds: each step
plays the condition, then the body, on the examples still running (the
finished ones are left out, so their carry stays as it was), as ``vmap``
plays any program (``batching.interpret.play``: a scalar body is compiled
once for the batch). Each example gets its own trip count, and the result
is what a Python loop over the examples gives. A batched ``scan_p`` whose
examples share their number of steps runs each step on the whole batch;
otherwise, and for the other loop records, each example runs its own loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import numpy as np

from .batching.interpret import Spec, play
from .batching.rules import batch_rules, per_example
from .loop_body import F64, Kind, as_f64
from .loop_prims import Loop, scan_p, size, while_p
from .loop_rules import derived, while_vjp_p
from .staging.program import Program

__all__: list[str] = []


def _spec(loop: Loop, which: str) -> Spec:
    key = "batched " + which
    if key not in loop.derived:
        prog = cast(Program, loop.body if which == "body" else loop.cond)
        spec = loop.derived[key] = Spec(prog, None)     # type: ignore[assignment]
        spec.weak = _floats(prog)
    return loop.derived[key]    # type: ignore[return-value]


def _floats(prog: Program) -> frozenset[int]:
    """The body's values that are Python floats in each example (a float64 step of ``xs``).

    Beside a float32 they round to float32 there, so they do on the batch.
    """
    values = [*zip(prog.inputs, prog.seen), *((e.out, e.ans) for e in prog.eqns)]
    return frozenset(i for i, v in values if type(v) is float)


def _leaves(block: np.ndarray, kinds: Sequence[Kind]) -> list[np.ndarray]:
    """Batched leaves ``(n, *shape)`` of ``kinds`` from the columns of ``block``."""
    out, a = [], 0
    for k in kinds:
        out.append(block[:, a:a + k.size].reshape((len(block),) + k.shape).astype(k.dtype))
        a += k.size
    return out


def _columns(leaves: Sequence[Any], n: int) -> np.ndarray:
    """Batched leaves as an ``(n, slots)`` float64 block."""
    if not leaves:
        return np.zeros((n, 0))
    full = [np.broadcast_to(as_f64(x), (n,) + np.shape(x)[1:]) for x in leaves]
    return np.concatenate([x.reshape(n, int(np.prod(x.shape[1:]))) for x in full], axis=1)


def _step(spec: Spec, inputs: list[np.ndarray], idx: np.ndarray) -> list[Any]:
    """``spec``'s program on examples ``idx``, each output batched to ``len(idx)``."""
    _, outs, flags, _ = play(spec, inputs, [0] * len(inputs), idx)
    return [o if b else np.broadcast_to(np.asarray(o), (len(idx),) + np.shape(o))
            for o, b in zip(outs, flags)]


def _while_batched(e: Any, values: list[Any], batched: list[bool], n: int) -> Any:
    loop = values[0]
    vec = np.broadcast_to(np.asarray(values[1], F64), (n,) + np.shape(values[1])[-1:])
    cc, cs = size(loop.cond_consts), size(loop.consts)
    cconsts = _leaves(vec[:, 1:1 + cc], loop.cond_consts)
    consts = _leaves(vec[:, 1 + cc:1 + cc + cs], loop.consts)
    carry = [np.array(x) for x in _leaves(vec[:, 1 + cc + cs:], loop.carry)]
    count, active = np.zeros(n), np.arange(n)
    cond, body = _spec(loop, "cond"), _spec(loop, "body")
    while len(active):
        going = np.asarray(_step(cond, cconsts + carry, active)[0], dtype=bool).reshape(-1)
        active = active[going]
        if not len(active):
            break
        for x, new in zip(carry, _step(body, consts + carry, active)):
            x[active] = new
        count[active] += 1
    return np.concatenate([count[:, None], _columns(carry, n)], axis=1)


def _scan_batched(e: Any, values: list[Any], batched: list[bool], n: int) -> Any:
    loop: Loop = values[0]
    vec = np.broadcast_to(np.asarray(values[1], F64), (n,) + np.shape(values[1])[-1:])
    steps = vec[:, 0]
    if not n or (steps != steps[0]).any():
        return per_example(e, values, batched, n)
    m = int(steps[0])
    cs, hs = size(loop.consts), size(loop.carry)
    consts = _leaves(vec[:, 1:1 + cs], loop.consts)
    carry = _leaves(vec[:, 1 + cs:1 + cs + hs], loop.carry)
    tail, xs, a = vec[:, 1 + cs + hs:].reshape(n, m, size(loop.xs)), [], 0
    for k in loop.xs:                     # each leaf of xs: (examples, steps, *shape)
        xs.append(tail[:, :, a:a + k.size].reshape((n, m) + k.shape).astype(k.dtype))
        a += k.size
    ys: list[list[Any]] = []
    spec, idx, nh = _spec(loop, "body"), np.arange(n), len(carry)
    for i in (range(m - 1, -1, -1) if loop.reverse else range(m)):
        outs = _step(spec, consts + carry + [x[:, i] for x in xs], idx)
        carry = outs[:nh]
        ys.append(outs[nh:])
    if loop.reverse:
        ys.reverse()
    rows = np.stack([_columns(y, n) for y in ys], axis=1).reshape(n, -1) if m and ys[0] \
        else np.zeros((n, 0))
    return np.concatenate([steps[:, None], _columns(carry, n), rows], axis=1)


def _while_vjp_batched(e: Any, values: list[Any], batched: list[bool], b: int) -> Any:
    """A batch of while loops' backward passes, each over its own trip count."""
    loop: Loop = values[0]
    vec, ans, g = (np.broadcast_to(np.asarray(v, F64), (b,) + np.shape(v)[-1:])
                   for v in values[1:4])
    cc, cs, hs = size(loop.cond_consts), size(loop.consts), size(loop.carry)
    nc, trips = len(loop.consts), ans[:, 0]
    consts = _leaves(vec[:, 1 + cc:1 + cc + cs], loop.consts)
    carry = [np.array(x) for x in _leaves(vec[:, 1 + cc + cs:], loop.carry)]
    stored, body = [], _spec(loop, "body")
    for i in range(int(trips.max(initial=0))):         # the carries, as the loops ran
        active = np.flatnonzero(trips > i)
        stored.append([x.copy() for x in carry])
        for x, new in zip(carry, _step(body, consts + carry, active)):
            x[active] = new
    back = derived(derived(loop, "scan"), "backward")
    acc = [np.array(x) for x in _leaves(np.zeros((b, cs)), loop.consts)] + \
        [np.array(x) for x in _leaves(g[:, 1:1 + hs], loop.carry)]
    spec = _spec(back, "body")
    for i in range(len(stored) - 1, -1, -1):
        active = np.flatnonzero(trips > i)
        for x, new in zip(acc, _step(spec, consts + acc + stored[i], active)[:nc + len(carry)]):
            x[active] = new
    return np.concatenate([np.zeros((b, 1 + cc)), _columns(acc, b)], axis=1)


batch_rules[while_p] = _while_batched
batch_rules[while_vjp_p] = _while_vjp_batched
batch_rules[scan_p] = _scan_batched
