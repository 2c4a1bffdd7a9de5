"""Random scalar programs with isomorphic groups, for the packing fuzz (test_packfuzz.py).

A program is a list of *layers*, each ``width`` lanes (4 to 20) of one
operation on values chosen from a pool (the inputs, and every earlier
layer's lanes), plus scalar code reading some lanes; ``run(spec, xs)``
interprets it on whatever numbers it is given (traced or not), so one
spec is the same Python under eager, jit, grad and vmap.
"""

from __future__ import annotations

import math
import random
from typing import Any

import tapegrad as tg

SPECIALS = [0.0, -0.0, math.inf, -math.inf, math.nan, 1e308, -1e308, 5e-324, -2.5e-320,
            1.0, -1.0, 2.0, 0.5, 3, 0, -2]
CONSTS = [0.0, -0.0, math.inf, -math.inf, math.nan, 1.0, -1.0, 0.5, 2.0, 3, 0, -1, 1e300]

BINARY = ["add", "sub", "mul", "div", "max", "min"]
UNARY = ["neg", "abs", "sq", "cube", "powi", "relu", "sqrtabs", "hinge", "clip"]
SCALAR = ["tanh", "exp", "logabs"]
CMPS = ["gt", "lt", "ge", "le", "eq", "ne"]
KS = [2, 3, 4, 0, 1, -1, 5]
OPS = BINARY * 3 + UNARY * 2 + ["where", "cmp", "sum", "chain", "neuron",
                                "ineuron", "mask"] * 2 + SCALAR + ["if", "bsum"]


def _const(r: random.Random) -> Any:
    return r.choice(CONSTS) if r.random() < 0.6 else round(r.uniform(-3, 3), 2)


def _value(r: random.Random, pool: list[int]) -> int:
    """A float value (comparisons' bools are only returned), most often a recent one."""
    return r.choice(pool) if r.random() < 0.2 else r.choice(pool[-20:])


def _operand(r: random.Random, pool: list[int], kind: str) -> Any:
    return ("v", _value(r, pool)) if kind == "v" else ("c", _const(r))


def _plan(r: random.Random, small: bool) -> list[tuple[str, int, int]]:
    """Each layer's operation, width and (a dense layer's) fan-in: its weights' count."""
    plan, prev = [], r.randint(2, 6)
    for _ in range(r.randint(2, 3) if small else r.randint(3, 8)):
        op = "dense" if r.random() < 0.25 else r.choice(OPS)
        width = r.randint(4, 8 if small else 20)
        plan.append((op, width, min(prev, r.randint(2, 8)) if op == "dense" else 0))
        prev = width
    return plan


def _lanes(r: random.Random, op: str, width: int, floats: list[int]) -> list[Any]:
    kinds = r.choice(["vv", "vv", "vc", "cv"])
    same_const = r.random() < 0.5
    c0, n_extra, cmp, k0 = _const(r), r.randint(2, 9), r.choice(CMPS), r.choice(KS)
    uniform = r.random() < 0.8        # every lane the same shape: one group
    lanes = []
    for _ in range(width):
        a = _operand(r, floats, kinds[0])
        b = _operand(r, floats, kinds[1])
        if same_const:
            a = ("c", c0) if a[0] == "c" else a
            b = ("c", c0) if b[0] == "c" else b
        if r.random() < 0.1:          # a lane of another kind: a smaller or mixed group
            b = _operand(r, floats, "c" if b[0] == "v" else "v")
        extra = [("v", _value(r, floats)) for _ in range(n_extra if uniform else r.randint(2, 9))]
        lanes.append((a, b, extra, cmp if uniform else r.choice(CMPS),
                      k0 if uniform and r.random() < 0.9 else r.choice(KS)))
    return lanes


def _dense(r: random.Random, width: int, fan_in: int, w0: int, xs: list[int]) -> list[Any]:
    """A layer of neurons ``b + sum(w * x)`` over the values ``xs`` (the previous layer's),
    its weights and biases the shared inputs from ``w0`` on; relu, tanh or none after."""
    act = r.choice([1, 1, 3, 0])                  # k: 1 relu, 3 tanh, 0 none
    lanes, w = [], w0
    for _ in range(width):
        pairs = []
        for x in xs[-fan_in:]:
            pairs += [("v", w), ("v", x)]
            w += 1
        lanes.append((("v", w), None, pairs, "gt", act))
        w += 1
    return lanes


def random_spec(seed: int, small: bool = False) -> dict[str, Any]:
    """A program's description: its inputs' count, layers, scalar readers and outputs.

    ``small``: 2 or 3 layers of 4 to 8 lanes, one or two examples (cheap to check)."""
    r = random.Random(seed)
    plan = _plan(r, small)
    n_base, n_own = r.randint(2, 10), r.randint(1, 4)
    n_shared = n_base + sum(w * (m + 1) for _, w, m in plan)
    n_in = n_shared + n_own
    floats = list(range(n_base)) + list(range(n_shared, n_in))    # weights: dense layers'
    pool, layers, w0 = n_in, [], n_base
    for op, width, fan_in in plan:
        if op == "dense":
            layers.append((op, _dense(r, width, fan_in, w0, floats)))
            w0 += width * (fan_in + 1)
        else:
            layers.append((op, _lanes(r, op, width, floats)))
        if op != "cmp":
            floats.extend(range(pool, pool + width))
        pool += width
        for _ in range(r.choice([0, 0, 1, 2])):     # scalar code reading lanes
            name = "gtsel" if r.random() < 0.05 else r.choice(SCALAR + ["mul", "add"])
            layers.append(("scalar", [(name, _value(r, floats), _value(r, floats))]))
            floats.append(pool)
            pool += 1
    last = [i for i in range(pool - 20, pool) if i in floats]    # the last layer's lanes
    outs = r.sample(range(pool), min(pool, r.randint(1, 12))) + last[r.randrange(3):]
    loss_terms = r.sample(floats, min(len(floats), r.randint(1, 10))) + last
    return {"n_in": n_in, "n_shared": n_shared,
            "examples": r.choice([1, 2] if small else [1, 2, 3, 5, 8]),
            "layers": layers, "outs": outs, "loss": loss_terms,
            "form": r.choice(["list", "dict", "tuple", "one"]), "seed": seed}


def _cmp(name: str, a: Any, b: Any) -> Any:
    return {"gt": a > b, "lt": a < b, "ge": a >= b, "le": a <= b,
            "eq": a == b, "ne": a != b}[name]


def _lane(op: str, a: Any, b: Any, extra: list[Any], cmp: str, k: int) -> Any:
    if op == "add":
        return a + b
    if op == "sub":
        return a - b
    if op == "mul":
        return a * b
    if op == "div":
        return a / b
    if op == "max":
        return tg.maximum(a, b)
    if op == "min":
        return tg.minimum(a, b)
    if op == "neg":
        return -a
    if op == "abs":
        return tg.abs(a)
    if op == "sq":
        return a ** 2
    if op == "cube":
        return a * a * a
    if op == "powi":
        return a ** k
    if op == "relu":
        return tg.relu(a)
    if op == "sqrtabs":
        return tg.sqrt(tg.abs(a))
    if op == "hinge":
        return tg.nn.hinge(a, 1.0 if k % 2 else -1.0)
    if op == "clip":
        return tg.clip(a, -1.5, 2.0)
    if op == "where":
        return tg.where(_cmp(cmp, a, b), extra[0], extra[1])
    if op == "if":
        return extra[0] if _cmp(cmp, a, b) else extra[1] * 0.5
    if op == "cmp":
        return _cmp(cmp, a, b)
    if op == "mask":              # a bool times a float: Python's arithmetic on bools
        return _cmp(cmp, a, b) * extra[0]
    if op == "bsum":
        return extra[0] + _cmp(cmp, a, b) - (a != a)
    if op == "brelu":             # relu of a bool (not drawn: test_a_value_dependent_float64_...)
        return tg.relu(_cmp(cmp, a, b)) * extra[0]
    if op == "sum":
        return sum(extra)
    if op == "chain":
        acc = a
        for t in extra:
            acc = acc + t
        return acc
    if op == "neuron":            # b + sum(w * x ...), the weights the first values
        acc = b
        for w, x in zip(extra, reversed(extra)):
            acc = acc + w * x
        return tg.relu(acc) if k % 2 else acc
    if op == "dense":
        acc = a
        for j in range(0, len(extra), 2):
            acc = acc + extra[j] * extra[j + 1]
        return tg.relu(acc) if k == 1 else tg.tanh(acc) if k == 3 else acc
    if op == "ineuron":           # int weights, Python's sum (starting at int 0)
        return sum((j - 2) * x for j, x in enumerate(extra)) + (k if k % 3 else a)
    if op == "tanh":
        return tg.tanh(a)
    if op == "exp":
        return tg.exp(a)
    if op == "logabs":
        return tg.log(tg.abs(a))
    raise ValueError(op)


def _scalar(op: str, a: Any, b: Any) -> Any:
    if op == "gtsel":
        return a if a > b else b
    if op in ("mul", "add"):
        return a * b if op == "mul" else a + b
    return _lane(op, a, b, [], "gt", 2)


def values(spec: dict[str, Any], xs: list[Any]) -> list[Any]:
    """Every value of one example's program on the numbers ``xs`` (shared, then its own)."""
    vals = list(xs)

    def get(a: Any) -> Any:
        return None if a is None else vals[a[1]] if a[0] == "v" else a[1]
    for op, lanes in spec["layers"]:
        if op == "scalar":
            (name, i, j), = lanes
            vals.append(_scalar(name, vals[i], vals[j]))
            continue
        for a, b, extra, cmp, k in lanes:
            vals.append(_lane(op, get(a), get(b), [vals[e[1]] for e in extra], cmp, k))
    return vals


def one(spec: dict[str, Any], shared: list[Any], example: list[Any]) -> Any:
    """One example's outputs, in the spec's form."""
    vals = values(spec, list(shared) + list(example))
    outs = [vals[i] for i in spec["outs"]]
    form = spec["form"]
    if form == "dict":
        return {"a": outs[: len(outs) // 2], "b": outs[len(outs) // 2:]}
    if form == "tuple":
        return tuple(outs)
    if form == "one":
        return outs[0] if len(outs) == 1 else {"first": outs[0], "rest": (outs[1:], None)}
    return outs


def one_loss(spec: dict[str, Any], shared: list[Any], example: list[Any]) -> Any:
    """One example's scalar: its float values' sum (a chain), halved."""
    vals = values(spec, list(shared) + list(example))
    total = 0.0
    for i in spec["loss"]:
        total = total + vals[i]
    return total * 0.5


def run(spec: dict[str, Any], shared: list[Any], examples: list[list[Any]]) -> Any:
    """The program over every example (a Python loop): a list of each one's outputs."""
    return [one(spec, shared, ex) for ex in examples]


def loss(spec: dict[str, Any], shared: list[Any], examples: list[list[Any]]) -> Any:
    """The examples' scalars summed (Python's ``sum``, from int 0) over their count."""
    return sum(one_loss(spec, shared, ex) for ex in examples) / len(examples)


def inputs(seed: int, n: int, special: float) -> list[Any]:
    """``n`` inputs, each a special number with probability ``special`` (an int rarely)."""
    r = random.Random(seed)
    out = [r.choice(SPECIALS) if r.random() < special else round(r.uniform(-3, 3), 3)
           for _ in range(n)]
    return [float(v) if type(v) is int and r.random() < 0.7 else v for v in out]
