"""jit's spellings: each equals its primitive's impl bit for bit; names decide nothing.

Three families:

* every entry of ``spellings`` (iterated, so a new entry is covered by
  adding it) evaluates, in each of its variants (exact, float, array), to
  the impl's own result on random inputs with nan, inf, -inf, -0.0 and 0.0:
  the same numbers, the same signs of zero, the same type and dtype;
* a user primitive named like a built-in is itself under jit, grad(jit),
  jit(grad) and vmap(jit), bit for bit equal to eager;
* the generated source holds no control characters, and a program compiled
  in chunks gives the bits the unchunked one gives.
"""

from __future__ import annotations

import math
import string
import sys
import types
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tapegrad as tg
from tapegrad import arrays, indexing, kinks, ops, reductions, shapes
from tapegrad.primitive import zmul
from tapegrad.staging import dots, source
from tapegrad.staging.lanes import MOVES
from tapegrad.staging.spellings import Spelling, spellings

SPECIALS = [math.nan, math.inf, -math.inf, -0.0, 0.0, 1.0, -1.0, 0.5, 1e-300, 1e300]
RNG = np.random.default_rng(18)
FLOATS = SPECIALS + [float(v) for v in RNG.normal(size=12) * 3.0]
DTYPES = [np.float64, np.float32, np.int64, np.int32, np.uint8]


def _fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f is not None}


def _arity(prim: Any, sp: Spelling) -> int:
    """How many arguments the primitive takes: its examples', or its templates' count."""
    if prim in SHAPED:
        return len(SHAPED[prim][0])
    texts = [t for t in (sp.exact, sp.float, sp.array) if isinstance(t, str)]
    return 1 + max(int(f) for t in texts for f in _fields(t) if f.isdigit())


def _evaluate(prim: Any, sp: Spelling, template: str, args: list[Any]) -> Any:
    names = [f"a{k}" for k in range(len(args))]
    expr = template.format(*names, impl="_impl")
    scope = dict(sp.names, _impl=prim.impl, inf=math.inf, nan=math.nan)
    scope.update(zip(names, args))
    return eval(expr, scope)


def _same(got: Any, want: Any) -> bool:
    """Bit for bit: values (nan equal to nan), signs of zero, type and dtype."""
    if type(got) is not type(want):
        return False
    if isinstance(want, np.ndarray | np.generic) and got.dtype != want.dtype:
        return False
    if isinstance(want, bool | np.bool_) or (isinstance(want, np.ndarray)
                                             and want.dtype == bool):
        return bool(np.array_equal(got, want))
    return bool(np.array_equal(got, want, equal_nan=True)
                and np.array_equal(np.signbit(got), np.signbit(want)))


def _check(prim: Any, sp: Spelling, template: str, args: list[Any]) -> None:
    with np.errstate(all="ignore"):
        want = prim.impl(*args)
        got = _evaluate(prim, sp, template, args)
    assert _same(got, want), (prim.name, template, args, got, want)


# ------------------------------------------------ examples of the arguments
def _float_arguments(sp: Spelling, n: int) -> list[list[Any]]:
    """Argument lists of the kinds ``sp.float`` is for, special values included."""
    kinds = sp.kinds if sp.kinds is not None else (float,) * n
    choices = [[True, False] if k is bool else
               FLOATS + [np.array(FLOATS)] if k is None else FLOATS for k in kinds]
    out: list[list[Any]] = [[]]
    for values in choices:              # every combination of the specials
        picks = values if len(choices) <= 2 else values[:6] + values[-2:]
        out = [a + [v] for a in out for v in picks]
    return out


def _array(dtype: Any, n: int, k: int) -> np.ndarray:
    """An array of ``dtype`` holding every special (for argument ``k`` of ``n``)."""
    if np.dtype(dtype).kind == "f":
        base = np.array(SPECIALS + list(RNG.normal(size=6) * 2.0))
    else:
        base = RNG.integers(0, 100, size=16).astype(float)
        base[:3] = 0.0
    m = len(base)
    with np.errstate(over="ignore"):       # 1e300 is inf in float32
    # argument k cycles at its own rate: every pair of specials meets
        idx = (np.arange(m ** min(n, 2)) // (m ** k if k < 2 else 1)) % m
        return base[idx].astype(dtype)


def _elementwise_arrays(sp: Spelling, n: int) -> list[list[Any]]:
    """Argument lists with arrays of every dtype, and a scalar beside an array."""
    kinds = sp.kinds if sp.kinds is not None else (float,) * n
    out = []
    for dtype in DTYPES:
        args = [_array(dtype, n, k) for k in range(n)]
        args = [a > 0 if kinds[k] is bool else a for k, a in enumerate(args)]
        out.append(args)
        for k in range(n if n > 1 else 0):
            if kinds[k] is not bool:    # a Python float beside arrays
                out.append(args[:k] + [-0.0 if k else 2.5] + args[k + 1:])
    return out


def _f(*shape: int, dtype: Any = np.float64) -> np.ndarray:
    a = RNG.normal(size=shape) * 3.0
    if np.dtype(dtype).kind == "f":
        a.flat[:4] = [math.nan, -0.0, math.inf, 0.0][:a.size]
    return a.astype(dtype)


def _shaped_examples() -> dict[Any, list[list[Any]]]:
    """Arguments of the primitives that are not elementwise, in every dtype."""
    ex: dict[Any, list[list[Any]]] = {}
    for dt in (np.float64, np.float32, np.int64):
        ex.setdefault(reductions.sum_p, []).extend([[_f(5, dtype=dt)], [_f(2, 3, dtype=dt)]])
        ex.setdefault(reductions.mean_p, []).extend([[_f(5, dtype=dt)], [_f(2, 3, dtype=dt)]])
        ex.setdefault(shapes.sum_like, []).extend(
            [[_f(4, 3, dtype=dt), x] for x in (_f(3), _f(1, 3), _f(4, 1), 0.0, _f(4, 3),
                                               np.zeros(()))])
        ex.setdefault(shapes.broadcast_like, []).extend(
            [[_f(4, 3, dtype=dt), _f(4, 3)], [_f(3, dtype=dt), _f(4, 3)]])
        ex.setdefault(indexing.getitem, []).extend(
            [[_f(4, 3, dtype=dt), i] for i in (1, slice(1, 3), (0, slice(None)), (2, 1),
                                               np.array([0, 2, 2]), Ellipsis)])
        ex.setdefault(arrays.matmul_p, []).extend(
            [[_f(2, 3, dtype=dt), _f(3, 4)], [_f(3, dtype=dt), _f(3, 4)],
             [_f(2, 3, dtype=dt), _f(3)], [_f(3, dtype=dt), _f(3)],
             [_f(5, 2, 3, dtype=dt), _f(3, 2, dtype=np.float32)]])
        ex.setdefault(shapes.transpose_p, []).extend(
            [[_f(2, 3, dtype=dt), (1, 0)], [_f(2, 3, 4, dtype=dt), (2, 0, 1)],
             [_f(3, dtype=dt), (0,)]])
        ex.setdefault(dots.dot, []).extend(        # reassociated packing's products
            [[_f(4, 3, dtype=dt), _f(4, 2, dtype=dt), np.array([0, 5, 2, 2])]])
        ex.setdefault(dots.dot_lanes, []).extend([[_f(4, 3, dtype=dt), _f(4, 3, dtype=dt)]])
    return ex


SHAPED = _shaped_examples()


def _array_arguments(prim: Any, sp: Spelling) -> list[list[Any]]:
    if prim in SHAPED:
        return SHAPED[prim]
    assert prim.elementwise, (
        f"spellings[{prim.name}] spells a primitive that is not elementwise: give it "
        "example arguments in SHAPED so that its array spelling is checked")
    return _elementwise_arrays(sp, _arity(prim, sp))


# ------------------------------------------------------------ (a) spellings
def _entries(variant: str) -> Any:
    """Every entry of the table with this variant, as parameters named by the primitive."""
    return pytest.mark.parametrize(("prim", "sp"), [
        pytest.param(p, sp, id=p.name) for p, sp in spellings.items()
        if getattr(sp, variant) is not None and p not in MOVES])   # tests/test_packing.py


def test_the_table_holds_the_built_ins_keyed_by_the_primitive_object():
    for prim in (ops.mul, ops.add, ops.sub, ops.div, kinks.relu, kinks.where, zmul,
                 shapes.sum_like, shapes.broadcast_like, arrays.matmul_p):
        assert isinstance(spellings[prim], Spelling)
    assert all(isinstance(p, tg.Primitive) for p in spellings)


@_entries("exact")
def test_every_exact_spelling_is_the_impl_for_every_kind(prim: Any, sp: Spelling):
    n = _arity(prim, sp)
    cases = _float_arguments(Spelling(float=sp.exact), n) + _elementwise_arrays(sp, n)
    with np.errstate(over="ignore"):
        cases += [[np.float32(v) for v in a] for a in _float_arguments(Spelling(float="x"), n)]
    cases += [[a.astype(np.float32) if isinstance(a, np.ndarray) else a for a in args]
              for args in cases[-10:]]
    for args in cases:
        _check(prim, sp, sp.exact, args)


@_entries("float")
def test_every_float_spelling_is_the_impls_float_branch(prim: Any, sp: Spelling):
    n = _arity(prim, sp)
    cases = _float_arguments(sp, n)
    assert cases and all(sp.float_applies([type(a) for a in args]) for args in cases
                         if not any(isinstance(a, np.ndarray) for a in args))
    for args in cases:
        kinds = [type(a) for a in args]
        if sp.float_applies(kinds):
            _check(prim, sp, sp.float, args)


@_entries("array")
def test_every_array_spelling_is_the_impls_array_branch(prim: Any, sp: Spelling):
    spelled = 0
    for args in _array_arguments(prim, sp):
        with np.errstate(all="ignore"):
            ans = prim.impl(*args)
        template = sp.array_for(list(args), ans)
        if template is not None:
            _check(prim, sp, template, args)
            spelled += 1
    assert spelled, f"no example of {prim.name} took its array spelling"


def test_the_float_spellings_refuse_the_kinds_they_do_not_spell():
    where = spellings[kinks.where]
    assert where.float_applies([bool, float, float])
    assert not where.float_applies([float, float, float])     # where(1.0, a, b): an array
    assert not spellings[ops.div].float_applies([float, int])
    assert spellings[zmul].float_applies([float, float])
    assert not spellings[zmul].float_applies([float, np.ndarray])   # zero: an array of zeros
    assert not spellings[zmul].float_applies([np.ndarray, float])


# ---------------------------------------------- (b) a user's primitive names
def _user(name: str, arity: int) -> tg.Primitive:
    """A primitive named like a built-in that computes something else."""
    if arity == 1:
        p = tg.primitive(lambda x: 3.0 * x - 1.0, name=name)
        tg.defpartials(p, 3.0)
    elif arity == 2:
        p = tg.primitive(lambda a, b: 2.0 * a - b, name=name)
        tg.defpartials(p, 2.0, -1.0)
    else:
        p = tg.primitive(lambda c, a, b: a - 2.0 * b + c, name=name)
        tg.defpartials(p, 1.0, 1.0, -2.0)
    return p


UNARY = ["neg", "relu", "sum", "mean", "tanh", "exp", "square", "sqrt", "transpose",
         "getitem", "sign", "abs"]
BINARY = ["mul", "add", "sub", "div", "zmul", "sum_like", "broadcast_like", "guard",
          "matmul", "lt", "eq", "ne", "maximum", "pow", "index_add", "zmul_both"]
TERNARY = ["where"]
BUILT_IN_NAMES = [(n, 1) for n in UNARY] + [(n, 2) for n in BINARY] + [(n, 3) for n in TERNARY]


def _program(p: tg.Primitive, arity: int) -> Callable[[Any, Any], Any]:
    """A function using ``p`` with the constants a built-in's identities would take."""
    if arity == 1:
        return lambda x, y: tg.sum(p(x) * y + p(p(y)))
    if arity == 2:
        return lambda x, y: tg.sum(p(x, 1.0) + p(1.0, x) + p(x, 0.0) + p(x, y) * p(y, y))
    return lambda x, y: tg.sum(p(x, y, 1.0) + p(1.0, x, 0.0) + p(0.0, y, x))


def _bits(v: Any) -> Any:
    return tg.tree.map(lambda a: np.asarray(a).tobytes() + bytes(str(type(a)), "ascii"), v)


def _nan_bits(v: float) -> bytes:
    """``_bits`` of a float, every nan one nan (its sign and payload aside)."""
    return _bits(math.nan if v != v else v)


@pytest.mark.parametrize(("name", "arity"), BUILT_IN_NAMES)
@pytest.mark.parametrize("inputs", [(1.5, -0.25), (np.array([0.5, -2.0, 0.0]),
                                                   np.array([1.0, 3.0, -1.5]))],
                         ids=["floats", "arrays"])
def test_a_user_primitive_named_like_a_built_in_is_itself(name: str, arity: int,
                                                         inputs: tuple[Any, Any]):
    f = _program(_user(name, arity), arity)
    x, y = inputs
    assert _bits(tg.jit(f)(x, y)) == _bits(f(x, y))
    assert _bits(tg.grad(tg.jit(f))(x, y)) == _bits(tg.grad(f)(x, y))
    assert _bits(tg.jit(tg.grad(f, argnums=(0, 1)))(x, y)) == \
        _bits(tg.grad(f, argnums=(0, 1))(x, y))
    xs, ys = np.stack([np.asarray(x), np.asarray(x) * 2.0]), np.stack([np.asarray(y)] * 2)
    loop = np.stack([f(a, b) for a, b in zip(xs, ys)])
    assert _bits(np.asarray(tg.vmap(tg.jit(f))(xs, ys))) == _bits(loop)


@pytest.mark.parametrize(("name", "arity"), [("mul", 2), ("relu", 1), ("sum_like", 2),
                                             ("div", 2), ("where", 3)])
def test_where_a_primitive_is_defined_decides_nothing(name: str, arity: int,
                                                     monkeypatch: pytest.MonkeyPatch):
    # a module of the package defining its own "mul" (say, a leaky "relu" in
    # nn): only the very object in ``spellings`` is spelled as the built-in
    p = _user(name, arity)
    module = types.ModuleType("tapegrad._extension")
    setattr(module, name, p)
    monkeypatch.setitem(sys.modules, "tapegrad._extension", module)
    f = _program(p, arity)
    x, y = 1.5, -0.25
    assert _bits(tg.jit(f)(x, y)) == _bits(f(x, y))
    assert _bits(tg.jit(tg.grad(f))(x, y)) == _bits(tg.grad(f)(x, y))


# ------------------------------------------------- (c) the generated source
def _mlp(p: Any, x: Any) -> Any:
    h = tg.tanh(x @ p["w1"] + p["b1"])
    return tg.mean(tg.relu(h @ p["w2"] + p["b2"]) ** 2)


def _chain(x: Any) -> Any:
    for _ in range(40):
        x = tg.sin(x) * x + tg.relu(x) - tg.where(x > 0.5, x * x, x / 3.0)
    return x


def _branches(x: Any, y: Any) -> Any:
    z = x * y if x > y else x / y
    return tg.sum(tg.relu(z) + tg.exp(-z) * 1.0 + (z - 0.0))


P = {"w1": np.full((3, 4), 0.1), "b1": np.zeros(4), "w2": np.ones((4, 2)), "b2": np.zeros(2)}
PROGRAMS: list[tuple[Callable[..., Any], tuple[Any, ...]]] = [
    (_chain, (0.3,)), (tg.grad(_chain), (0.3,)), (tg.grad(tg.grad(_chain)), (0.7,)),
    (_branches, (2.0, 3.0)), (tg.grad(_branches, argnums=(0, 1)), (2.0, -3.0)),
    (tg.grad(lambda x, y: tg.sum(tg.relu(x * y) / y - tg.exp(x) * 1.0)),
     (np.array([1.0, -0.0, 2.0]), np.array([0.5, 1.0, -1.0]))),
    (tg.grad(_mlp), (P, np.ones((5, 3)))), (tg.grad(_mlp), (P, np.ones((5, 3), np.float32))),
    (tg.grad(lambda x, y: tg.sum(x * y)), (1.5, np.ones(8))),
    (tg.grad(lambda x: tg.sum(tg.transpose(x) @ x)), (np.ones((2, 3)),)),
]


def _no_control(text: str) -> bool:
    return not any(ord(ch) < 32 and ch not in "\n" for ch in text)


@pytest.mark.parametrize("chunk", [None, 1, 3, 7, 50])
def test_the_generated_source_holds_no_control_characters(chunk: int | None,
                                                         monkeypatch: pytest.MonkeyPatch):
    if chunk is not None:
        monkeypatch.setattr(source, "CHUNK", chunk)
    for k, (f, args) in enumerate(PROGRAMS):
        text = tg.jit(f).lower(*args).source
        assert _no_control(text), text
        # the chains: chunked, or (at 50 statements a chunk) rolled into a shorter loop
        assert chunk is None or k > 2 or "def _chunk" in text or (
            chunk >= 50 and "for i0 in range" in text)


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 50])
def test_chunked_programs_give_the_unchunked_bits(chunk: int, monkeypatch: pytest.MonkeyPatch):
    points = [(0.3,), (-1.2,), (0.0,), (-0.0,), (math.inf,), (math.nan,)]
    whole = {}
    for k, (f, args) in enumerate(PROGRAMS):
        whole[k] = _bits(tg.jit(f)(*args))
    chain = tg.grad(tg.grad(_chain))
    # a nan's payload aside (API.md): at inf the chain's nans meet in additions whose
    # operands the chunked code may write in the other order, keeping the other's sign
    whole_chain = [_nan_bits(tg.jit(chain)(*a)) for a in points]
    monkeypatch.setattr(source, "CHUNK", chunk)
    for k, (f, args) in enumerate(PROGRAMS):
        jitted = tg.jit(f)
        text = jitted.lower(*args).source
        assert k > 2 or "def _chunk" in text or (chunk >= 50 and "for i0 in range" in text)
        assert _bits(jitted(*args)) == whole[k]
    assert [_nan_bits(tg.jit(chain)(*a)) for a in points] == whole_chain


@pytest.mark.parametrize("x", [2.0, np.float32(2.0), np.array([0.5, 2.0])])
def test_an_exact_spelling_binds_the_names_it_reads(x: Any, monkeypatch: Any):
    """A spelling written with ``exact=`` may call a global: jit defines it."""
    monkeypatch.setitem(spellings, ops.exp, Spelling(exact="_exp({0})",
                                                     names={"_exp": ops.exp.impl}))
    f = lambda v: tg.sum(tg.exp(v * 3.0)) * 2.0              # noqa: E731
    jf, jg = tg.jit(f), tg.jit(tg.grad(f))
    assert "_exp(" in jf.lower(x).source
    assert _same(jf(x), f(x)) and _same(jg(x), tg.grad(f)(x))
