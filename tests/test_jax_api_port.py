"""Cases from JAX's own suite (api_test, lax_autodiff_test, batching_test, lax_vmap_test).

Each family is checked against an independent reference: closed forms,
central differences, NumPy, a Python loop over the examples (for ``vmap``)
and the same program without ``jit`` (bit for bit). Integer and boolean data
follow eager NumPy under every transform.
"""

from __future__ import annotations

import operator

import numpy as np
import pytest
from conftest import fd

import tapegrad as tg


def same(got, want):
    """Bit for bit: tree structure, leaf types, shapes, dtypes and values."""
    assert tg.tree.structure(got) == tg.tree.structure(want), (got, want)
    for g, w in zip(tg.tree.leaves(got), tg.tree.leaves(want)):
        assert type(g) is type(w), (g, w)
        g, w = np.asarray(g), np.asarray(w)
        assert g.shape == w.shape and g.dtype == w.dtype, (g, w)
        assert np.array_equal(g, w, equal_nan=g.dtype.kind == "f"), (g, w)


def loop(f, args, in_axes=0, out_axes=0):
    """The reference of ``vmap``: ``f`` on each example, stacked along ``out_axes``."""
    in_axes = in_axes if isinstance(in_axes, tuple) else (in_axes,) * len(args)
    n = next(np.shape(a)[ax] for a, ax in zip(args, in_axes) if ax is not None)
    outs = [f(*(a if ax is None else np.take(a, i, axis=ax) for a, ax in zip(args, in_axes)))
            for i in range(n)]
    return tg.tree.map(lambda *ys: np.stack([np.asarray(y) for y in ys], axis=out_axes),
                       *outs)


# ------------------------------------------------- grad: argnums and has_aux
def test_argnums_tuples_in_any_order_give_the_closed_form_partials():
    f = lambda x, y, z: x * tg.sin(y) * z ** 2
    x, y, z = 1.5, 0.3, -2.0
    partials = {0: np.sin(y) * z ** 2, 1: x * np.cos(y) * z ** 2, 2: 2 * x * np.sin(y) * z}
    for argnums in [(0, 2), (2, 0), (1,), (0, 1, 2), (-1, 0)]:
        got = tg.grad(f, argnums=argnums)(x, y, z)
        want = tuple(partials[a % 3] for a in argnums)
        assert isinstance(got, tuple) and np.allclose(got, want, rtol=1e-14)
    assert np.isclose(tg.grad(f, argnums=1)(x, y, z), partials[1], rtol=1e-14)


def test_value_and_grad_with_aux_under_jit_and_vmap_equals_eager_and_the_loop():
    def f(w, x):
        pred = tg.tanh(x @ w)
        return tg.sum(pred ** 2), {"pred": pred, "none": None, "empty": ()}
    vg = tg.value_and_grad(f, argnums=(0, 1), has_aux=True)
    rng = np.random.default_rng(0)
    w, xs = rng.normal(size=3), rng.normal(size=(4, 2, 3))
    same(tg.jit(vg)(w, xs[0]), vg(w, xs[0]))
    got = tg.vmap(vg, in_axes=(None, 0))(w, xs)
    want = loop(vg, (w, xs), in_axes=(None, 0))
    assert tg.tree.structure(got) == tg.tree.structure(want)
    for g, v in zip(tg.tree.leaves(got), tg.tree.leaves(want)):
        assert np.allclose(g, v, rtol=1e-13, atol=1e-15)
    (val, aux), (gw, gx) = vg(w, xs[0])
    assert np.allclose(gw, fd(lambda v: f(v, xs[0])[0], w), atol=1e-7)


def test_grad_of_a_function_whose_aux_holds_an_inner_gradient():
    def f(x):
        _, aux = tg.grad(lambda y: (y ** 3, [y ** 2]), has_aux=True)(x)
        return aux[0] * tg.sin(x)             # x**2 sin x: aux keeps its derivative
    x = 0.7
    assert np.isclose(tg.grad(f)(x), 2 * x * np.sin(x) + x * x * np.cos(x), rtol=1e-14)
    same(tg.jit(tg.grad(f))(x), tg.grad(f)(x))


# ------------------------------------------------------------- jvp and vjp
def test_jvp_and_vjp_agree_on_pytrees_of_mixed_shapes():
    def f(p, s):
        return {"a": p["w"] * s, "b": [tg.sum(p["w"] ** 2) + s, None]}
    rng = np.random.default_rng(1)
    p, s = {"w": rng.normal(size=3)}, 0.4
    tp, ts = {"w": rng.normal(size=3)}, -1.3
    out, t_out = tg.jvp(f, (p, s), (tp, ts))
    ct = {"a": rng.normal(size=3), "b": [0.7, None]}
    _, pull = tg.vjp(f, p, s)
    cp, cs = pull(ct)
    lhs = np.dot(ct["a"], t_out["a"]) + ct["b"][0] * t_out["b"][0]
    rhs = np.dot(cp["w"], tp["w"]) + cs * ts
    assert np.isclose(lhs, rhs, rtol=1e-13)
    assert t_out["b"][1] is None and out["b"][1] is None


# ------------------------------------------------ integer and boolean data
INT_DATA = [np.array([[7, -3], [12, 5]]), np.array([[7, 3], [250, 9]], np.uint8),
            np.int64(13), np.array([[True, False], [True, True]])]
BIT_OPS = {
    "and": lambda x: x & 6, "rand": lambda x: 6 & x, "or": lambda x: x | 4,
    "xor": lambda x: x ^ 5, "invert": lambda x: ~x, "both": lambda x: x & (x ^ 3),
    "lshift": lambda x: x << 2, "rshift": lambda x: x >> 1, "rlshift": lambda x: 1 << x,
}


@pytest.mark.parametrize("op", BIT_OPS.values(), ids=BIT_OPS.keys())
@pytest.mark.parametrize("x", INT_DATA, ids=["int64", "uint8", "np.int64", "bool"])
def test_bitwise_operators_on_integers_follow_eager_numpy(op, x):
    if x.dtype == bool and op in (BIT_OPS["lshift"], BIT_OPS["rshift"], BIT_OPS["rlshift"]):
        x = x.astype(np.int8)
    if op is BIT_OPS["rlshift"]:
        x = np.abs(x) % 8
    want = op(x)                       # NumPy's bits (traced, 6 & 7 was True before)
    same(tg.jit(op)(x), want)
    same(tg.make_tape(op)(x)(x), want)
    if np.ndim(x):
        same(tg.vmap(op)(x), loop(op, (x,)))
        same(tg.jit(tg.vmap(op))(x), loop(op, (x,)))


def test_bitwise_operators_on_traced_booleans_combine_truth_values():
    f = lambda x: tg.where(((x > 0) ^ (x > 2)) | ~(x > -1), 1.0, 0.0)
    x = np.array([-2.0, 0.5, 1.0, 3.0])
    want = np.array([1.0, 1.0, 1.0, 0.0])
    same(f(x), want)
    same(tg.jit(f)(x), want)
    same(tg.vmap(f)(x), want)
    assert tg.grad(lambda v: tg.sum(f(v) * v))(x).tolist() == want.tolist()


def _branchy(x):
    if (x > 0) & (x < 1):
        return x * 2.0
    if (x < -1) | (x > 3) ^ (x > 5):
        return -x
    return x * x


def test_python_branches_on_bitwise_combined_conditions_split_the_batch_as_the_loop():
    xs = np.array([0.5, -2.0, 4.0, 6.0, 2.0, 0.0])
    same(tg.vmap(_branchy)(xs), loop(_branchy, (xs,)))
    same(tg.jit(tg.vmap(_branchy))(xs), loop(_branchy, (xs,)))
    same(tg.vmap(tg.grad(_branchy))(xs), loop(tg.grad(_branchy), (xs,)))
    assert [tg.jit(_branchy)(v) for v in xs] == [_branchy(v) for v in xs]


@pytest.mark.parametrize("op", [operator.and_, operator.or_, operator.xor, operator.lshift])
def test_bitwise_operators_on_a_traced_float_name_the_fix(op):
    with pytest.raises(TypeError, match=r"bitwise .* of a float.*NumPy integer"):
        tg.jit(lambda x: op(x, 3))(7)


@pytest.mark.parametrize("reduce", [tg.sum, tg.mean, tg.var, tg.max, tg.prod],
                         ids=lambda f: f.__name__)
@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, np.bool_, np.float32])
def test_a_reduction_of_each_scalar_example_is_the_loops(reduce, dtype):
    x = np.array([7, 0, 3, 1]).astype(dtype)        # examples are 0-d: mean of an int is a float
    want = loop(reduce, (x,))
    same(tg.vmap(reduce)(x), want)
    same(tg.jit(tg.vmap(reduce))(x), want)
    same(tg.vmap(reduce)(x[:0]), np.asarray(want)[:0])


@pytest.mark.parametrize("x", [np.array([7, -3, 12]), np.array([7.5, -3.25, 0.5]),
                               np.array([7, 3, 250], np.uint8)], ids=["int", "float", "uint8"])
def test_divmod_of_traced_values_is_floor_division_and_remainder(x):
    f = lambda v: divmod(v, 4) + divmod(13, v + 10)
    same(tg.jit(f)(x), f(x))
    same(tg.vmap(f)(x), loop(f, (x,)))
    if x.dtype.kind == "f":          # d/dx (x mod 4) = 1, d/dx (13 mod (x + 10)) = -floor(...)
        g = tg.grad(lambda v: tg.sum(divmod(v, 4)[1] + divmod(13, v + 10)[1]))(x)
        np.testing.assert_array_equal(g, 1.0 - np.floor(13 / (x + 10)))


@pytest.mark.parametrize("x", [np.array([7, 3]), np.array([7, 3], np.uint8)],
                         ids=["int64", "uint8"])
def test_integer_powers_of_integer_data_stay_integers_as_in_eager_numpy(x):
    # they were float64 under jit and vmap ([49., 9.]), and uint8 x ** x did not wrap around
    for f in (lambda v: v ** 2, lambda v: 2 ** v, lambda v: v ** v):
        same(tg.jit(f)(x), f(x))
        same(tg.vmap(f)(x), loop(f, (x,)))


# ------------------------------------------------- vmap: in_axes and out_axes
@pytest.mark.parametrize("in_axes, out_axes", [(1, 0), (-1, -1), (-2, 1), (0, -2), (2, 2)])
def test_int_in_and_out_axes_negative_too_equal_moving_the_axes_of_the_loop(in_axes, out_axes):
    x = np.random.default_rng(2).normal(size=(2, 3, 4))
    f = lambda a: tg.reshape(tg.sin(a), (-1, 1)) * np.arange(3.0)
    got = tg.vmap(f, in_axes=in_axes, out_axes=out_axes)(x)
    np.testing.assert_allclose(got, loop(f, (x,), in_axes=(in_axes,), out_axes=out_axes),
                               rtol=1e-15)
    same(tg.jit(tg.vmap(f, in_axes=in_axes, out_axes=out_axes))(x), got)


def test_nested_pytrees_of_axes_with_none_leaves_and_empty_containers():
    rng = np.random.default_rng(3)
    p = {"w": rng.normal(size=(3, 5)), "b": (rng.normal(size=2), None, []), "k": 2.0}
    xs = rng.normal(size=(5, 2))
    def f(p, x):
        return {"y": tg.sum(p["w"]) * p["k"] + tg.sum(x * p["b"][0]), "z": (), "n": None}
    got = tg.vmap(f, in_axes=({"w": 1, "b": (None, None, None), "k": None}, 0))(p, xs)
    want = [f({"w": p["w"][:, i], "b": p["b"], "k": 2.0}, xs[i]) for i in range(5)]
    assert got["z"] == () and got["n"] is None
    np.testing.assert_allclose(got["y"], [w["y"] for w in want], rtol=1e-14)
    same(tg.jit(tg.vmap(f, in_axes=({"w": 1, "b": None, "k": None}, 0)))(p, xs), got)


def test_nested_vmap_with_axes_at_each_level_is_a_double_loop():
    rng = np.random.default_rng(4)
    a, b = rng.normal(size=(3, 4)), rng.normal(size=(5, 4))
    dist = lambda u, v: tg.sum((u - v) ** 2)
    pair = tg.vmap(tg.vmap(dist, in_axes=(None, 0)), in_axes=(0, None), out_axes=1)
    want = np.array([[np.sum((a[i] - b[j]) ** 2) for i in range(3)] for j in range(5)])
    np.testing.assert_allclose(pair(a, b), want, rtol=1e-14)
    same(tg.jit(pair)(a, b), pair(a, b))
    g = tg.grad(lambda a: tg.sum(pair(a, b)))(a)
    np.testing.assert_allclose(g, 2 * (5 * a - b.sum(0)), rtol=1e-13)


def test_namedtuples_in_in_axes_and_out_axes_are_prefixes_as_in_jax():
    from collections import namedtuple
    Pair = namedtuple("Pair", "a b")
    p = Pair(np.arange(3.0), 2.0)
    f = lambda p: Pair(p.a * p.b, p.b)               # these axes crashed in Pair.__new__
    got = tg.vmap(f, in_axes=(Pair(0, None),), out_axes=Pair(0, None))(p)
    assert type(got) is Pair
    same(got, Pair(np.arange(3.0) * 2.0, np.asarray(2.0)))
    same(tg.jit(tg.vmap(f, in_axes=(Pair(a=0, b=None),), out_axes=Pair(1, None)))(
        Pair(np.ones((3, 2)), 2.0)), Pair(np.full((2, 3), 2.0), np.asarray(2.0)))


BAD_AXES = [
    ((0, 0), (np.ones(3),), r"in_axes has 2 entries, but f was called with 1 positional"),
    (({"b": 0},), ({"a": np.ones(3)},), r"in_axes at p has the structure \{'b': \*\}, "
                                        r"but that argument is \{'a': \*\}"),
    (((0, None),), ([np.ones(3), 1.0],), r"in_axes at p has the structure \(\*, \*\).*"
                                          r"\[\*, \*\].*a tuple is not a list"),
    ({"a": 0}, (np.ones(3),), r"in_axes at p has the structure \{'a': \*\}, but that "
                              r"argument is a leaf \(ndarray\)"),
]


@pytest.mark.parametrize("in_axes, args, message", BAD_AXES)
def test_in_axes_that_do_not_fit_the_arguments_name_where_and_the_fix(in_axes, args, message):
    def f(p):
        return p
    with pytest.raises(ValueError, match=message):
        tg.vmap(f, in_axes=in_axes)(*args)


@pytest.mark.parametrize("out_axes, message", [
    ([0, 0], r"out_axes at the output has the structure \[\*, \*\], but f returns \(\*, \*\)"),
    ((0, 0, 0), r"out_axes at the output has the structure \(\*, \*, \*\)"),
    ((0, {"a": 0}), r"out_axes at \[1\] has the structure \{'a': \*\}, but f returns a leaf"),
])
def test_out_axes_that_do_not_fit_the_output_name_where_and_the_fix(out_axes, message):
    def f(x):
        return x, x * 2
    with pytest.raises(ValueError, match=message):
        tg.vmap(f, out_axes=out_axes)(np.ones(3))


def test_an_axis_that_is_not_a_python_int_is_a_type_error():
    with pytest.raises(TypeError, match=r"out_axes at the output is np.int64\(1\); give an int"):
        tg.vmap(lambda x: x, out_axes=np.int64(1))(np.ones((2, 3)))
    with pytest.raises(TypeError, match=r"in_axes at x is 1.0; give an int or None"):
        tg.vmap(lambda x: x, in_axes=1.0)(np.ones((2, 3)))


def test_a_numpy_array_indexed_by_a_traced_python_int_says_how_to_index():
    table = np.arange(3.0)
    with pytest.raises(TypeError, match=r"indexes a NumPy array \(E\[i\]\).*static_argnums"):
        tg.jit(lambda i: table[i])(1)
    same(tg.jit(lambda i: table[i], static_argnums=0)(1), table[1])
    gather = lambda i: tg.take(table, i, axis=0)
    same(tg.jit(gather)(np.int64(2)), gather(np.int64(2)))
    assert gather(np.int64(2)) == table[2]


# ----------------------------------------------------- jit equals eager exactly
@pytest.mark.parametrize("seed", range(8))
def test_a_reversed_view_read_from_a_closure_gives_eagers_bits_under_jit(seed):
    rng = np.random.default_rng(seed)
    v, xs = rng.normal(size=3), rng.normal(size=(7, 3))
    w = v[::-1].reshape(3, 1)           # negative strides: NumPy's @ skips BLAS for it
    f = lambda x: x @ w
    same(tg.jit(f)(xs), f(xs))
    same(tg.make_tape(f)(xs)(xs), f(xs))


@pytest.mark.parametrize("seed", range(8))
def test_jit_of_jvp_of_convolve_is_eagers_jvp_bit_for_bit(seed):
    rng = np.random.default_rng(seed)
    a, b, ta, tb = (rng.normal(size=n) for n in (5, 3, 5, 3))
    jv = lambda a, b: tg.jvp(tg.convolve, (a, b), (ta, tb))
    same(tg.jit(jv)(a, b), jv(a, b))
    np.testing.assert_allclose(jv(a, b)[1], np.convolve(ta, b) + np.convolve(a, tb), rtol=1e-12)


@pytest.mark.parametrize("tangent", [np.array([1.0, -2.0, 0.5]), np.ones(3, np.float16)],
                         ids=["float64", "float16"])
def test_jvp_of_a_float32_primal_gives_a_float32_tangent_whatever_the_tangents_dtype(tangent):
    x = np.array([0.5, 1.0, 2.0], np.float32)
    jv = lambda t: tg.jvp(tg.sin, (x,), (t,))
    out, t_out = jv(tangent)
    assert out.dtype == t_out.dtype == np.float32
    np.testing.assert_allclose(t_out, np.cos(x) * tangent, rtol=1e-6)
    same(tg.jit(jv)(tangent), (out, t_out))
    same(tg.vmap(jv)(np.stack([tangent, tangent])), loop(jv, (np.stack([tangent, tangent]),)))


@pytest.mark.parametrize("transform", [
    lambda f: tg.jacfwd(f), lambda f: tg.jacrev(f), lambda f: tg.hessian(f),
    lambda f: (lambda x: tg.jvp(f, (x,), (1.0,)))], ids=["jacfwd", "jacrev", "hessian", "jvp"])
def test_an_output_that_is_not_a_number_is_refused_with_its_path(transform):
    f = lambda x: {"value": x * x, "label": "loss"}        # its derivative was silently 0.0
    with pytest.raises(TypeError, match=r"output at \['label'\] is of type str.*has_aux"):
        transform(f)(1.5)


@pytest.mark.parametrize("kw, message", [
    ({"static_argnums": "n"}, r"static_argnums must be an int or a tuple of ints, got 'n'"),
    ({"static_argnums": (1.0,)}, r"static_argnums must be an int or a tuple of ints"),
    ({"static_argnames": 1}, r"static_argnames must be a str or a tuple of strs, got 1"),
])
def test_static_arguments_of_the_wrong_kind_say_what_jit_takes(kw, message):
    with pytest.raises(TypeError, match=message):         # was: '<=' not supported ...
        tg.jit(lambda x, n: x ** n, **kw)


def test_static_argnums_as_a_list_or_none_and_a_complex_leaf_named_by_its_parameter():
    f = lambda x, n: x ** n
    same(tg.jit(f, static_argnums=[1])(2.0, 3), 8.0)
    same(tg.jit(f, static_argnums=None)(2.0, 3.0), 8.0)
    with pytest.raises(TypeError, match=r"vmap: the argument at z is complex"):
        tg.vmap(lambda z: z)(np.ones(2) * 1j)


# ------------------------------------------------------------------- pytrees
def test_ordered_and_default_dicts_are_containers_under_every_transform():
    from collections import OrderedDict, defaultdict
    f = lambda p: p["a"] * tg.sin(p["b"])
    for p in (OrderedDict([("b", 0.3), ("a", 2.0)]), defaultdict(float, {"b": 0.3, "a": 2.0})):
        g = tg.grad(f)(p)
        order = list(p) if type(p) is OrderedDict else sorted(p)   # as JAX orders them
        assert type(g) is type(p) and list(g) == order       # they were leaves
        np.testing.assert_allclose([g["a"], g["b"]], [np.sin(0.3), 2.0 * np.cos(0.3)],
                                   rtol=1e-14)
        same(tg.jit(tg.grad(f))(p), g)
        batch = type(p)(*(() if type(p) is OrderedDict else (float,)),
                        [(k, np.array([v, v + 1])) for k, v in p.items()])
        got = tg.vmap(tg.grad(f))(batch)
        assert type(got) is type(p)
        np.testing.assert_allclose(got["a"], np.sin(batch["b"]), rtol=1e-14)
    axes = (OrderedDict([("b", None), ("a", 0)]),)          # an in_axes prefix of its kind
    same(tg.vmap(f, in_axes=axes)(OrderedDict([("b", 0.3), ("a", np.arange(3.0))])),
         np.arange(3.0) * np.sin(0.3))
    a, b = OrderedDict([("x", 1.0), ("y", 2.0)]), OrderedDict([("y", 2.0), ("x", 1.0)])
    assert tg.tree.structure(a) != tg.tree.structure(b)      # the order is structure
    assert tg.tree.structure(defaultdict(float, a)) != tg.tree.structure(defaultdict(int, a))


# ------------------------------------------ compositions closing over tracers
XS = np.array([0.3, -1.2, 2.0])


def _through_vmap(x):                      # sum_i sin(x * XS_i), x closed over by vmap
    return tg.sum(tg.vmap(lambda a: tg.sin(x * a))(XS))


def _through_vmap_of_jit(x):               # the same, x closed over by a jit inside vmap
    return tg.sum(tg.vmap(lambda a: tg.jit(lambda b: tg.sin(x * b))(a))(XS))


DERIVATIVES = [lambda x: np.sum(np.sin(x * XS)), lambda x: np.sum(XS * np.cos(x * XS)),
               lambda x: -np.sum(XS ** 2 * np.sin(x * XS)),
               lambda x: -np.sum(XS ** 3 * np.cos(x * XS))]
STACKS = {
    "grad": (lambda f: tg.grad(f), 1), "grad(jit)": (lambda f: tg.grad(tg.jit(f)), 1),
    "jit(grad(grad))": (lambda f: tg.jit(tg.grad(tg.grad(f))), 2),
    "jvp(grad)": (lambda f: lambda x: tg.jvp(tg.grad(f), (x,), (1.0,))[1], 2),
    "jacfwd(jacrev)": (lambda f: tg.jacfwd(tg.jacrev(f)), 2),
    "hessian(jit)": (lambda f: tg.hessian(tg.jit(f)), 2),
    "grad(grad(grad))": (lambda f: tg.grad(tg.grad(tg.grad(f))), 3),
}


@pytest.mark.parametrize("f", [_through_vmap, _through_vmap_of_jit], ids=["vmap", "vmap(jit)"])
@pytest.mark.parametrize("stack", STACKS.values(), ids=STACKS.keys())
def test_derivatives_through_a_closure_over_an_outer_tracer_are_the_closed_forms(f, stack):
    make, order = stack
    x = 0.7
    assert np.isclose(make(f)(x), DERIVATIVES[order](x), rtol=1e-13, atol=1e-14)
    batched = tg.vmap(make(f))(XS)                    # and per example, as a loop
    np.testing.assert_allclose(batched, [DERIVATIVES[order](v) for v in XS], rtol=1e-13)
    same(tg.jit(tg.vmap(make(f)))(XS), batched)


def test_perturbations_stay_apart_across_vmap_and_grad():
    h = lambda x: tg.vmap(lambda y: tg.grad(lambda z: x * z * y)(1.0))(XS)     # x * XS
    np.testing.assert_array_equal(tg.jacfwd(h)(0.7), XS)
    np.testing.assert_array_equal(tg.jacrev(h)(0.7), XS)
    two_levels = lambda x: tg.grad(lambda v: tg.grad(lambda y: y * (v - y))(v))(x)   # TRAPS 1b
    np.testing.assert_array_equal(tg.vmap(two_levels)(XS), -np.ones(3))
    np.testing.assert_array_equal(tg.jit(tg.vmap(two_levels))(XS), -np.ones(3))


def test_a_boolean_outputs_cotangent_says_to_pass_zeros():
    x = np.array([1.5, -2.5])
    (mask, y), pull = tg.vjp(lambda v: (v > 0, v * 3), x)
    with pytest.raises(TypeError, match=r"cotangent\[0\] is an array of dtype bool.*zeros"):
        pull((mask, np.ones(2)))
    np.testing.assert_array_equal(pull((np.zeros(2), np.ones(2)))[0], [3.0, 3.0])


def test_an_unbatched_keyword_argument_says_how_to_share_it():
    f = lambda x, scale=1.0: x * scale
    with pytest.raises(ValueError, match=r"at scale.*keyword arguments are mapped over axis 0.*"
                                         r"in_axes=None.*functools.partial"):
        tg.vmap(f)(np.ones(3), scale=2.0)
    same(tg.vmap(f, in_axes=(0, None))(np.ones(3), 2.0), np.full(3, 2.0))
    same(tg.vmap(f)(np.ones(3), scale=np.arange(3.0)), np.arange(3.0))


def test_integer_data_given_to_jvp_or_vjp_says_to_close_over_it():
    take = lambda x, i: x[i] * 2.0
    with pytest.raises(TypeError, match=r"vjp: i is an array of dtype int64.*Close over it"):
        tg.vjp(take, np.ones(3), np.array(1))
    out, pull = tg.vjp(lambda x: take(x, np.array(1)), np.ones(3))
    same(pull(1.0), (np.array([0.0, 2.0, 0.0]),))
