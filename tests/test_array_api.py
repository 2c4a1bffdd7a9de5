"""Arrays of other libraries through the Array API: array-api-strict (the
standard's reference, NumPy underneath, so its numbers are NumPy's bit for
bit), PyTorch (CPU) and CuPy (GPU) where installed. Each primitive's value
against NumPy's, its gradient against central differences, jit against
eager (bit for bit), vmap against a loop, the dense moons step against
NumPy's; results stay in their library and dtype; mixing libraries or
devices is an error naming both; the library is part of jit's signature;
no rule reads a value back (no ``float()``/``bool()`` of an array)."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import tapegrad as tg

xs = pytest.importorskip("array_api_strict")
pytest.importorskip("array_api_compat")
EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "examples")
sys.path.insert(0, EXAMPLES)


def _torch():
    torch = pytest.importorskip("torch")
    return torch


def _cupy():
    cupy = pytest.importorskip("cupy")
    try:
        cupy.zeros(1)
    except Exception:           # CuPy without a GPU
        pytest.skip("CuPy has no GPU here")
    return cupy


def to_lib(lib: str, a, dtype=None):
    """``a`` (NumPy) as an array of ``lib``."""
    a = np.asarray(a, dtype=dtype)
    if lib == "numpy":
        return a
    if lib == "strict":
        return xs.asarray(a)
    if lib == "torch":
        return _torch().asarray(a)
    return _cupy().asarray(a)


def host(a):
    """A NumPy copy of a number of any library."""
    if hasattr(a, "cpu"):
        a = a.cpu()
    if hasattr(a, "get") and not isinstance(a, np.ndarray):
        a = a.get()
    return np.asarray(a)


LIBS = ["strict", "torch", "cupy"]


def exact(lib):
    """array-api-strict computes with NumPy: its numbers are NumPy's, bit for bit."""
    return lib == "strict"


def close(got, want, lib, rtol=1e-12):
    got, want = host(got), np.asarray(want)
    assert got.shape == np.shape(want)
    if exact(lib):
        assert np.array_equal(got, want, equal_nan=True), (got, want)
    else:
        np.testing.assert_allclose(got, want, rtol=rtol, atol=1e-12, equal_nan=True)


def in_lib(r, x):
    """``r`` is an array of ``x``'s library (a 0-d one for a reduction), of its dtype."""
    assert type(r) is type(x), (type(r), type(x))
    assert r.dtype == x.dtype


R = np.random.default_rng(0)
X = R.normal(size=(3, 4))
POS = np.abs(X) + 0.5
UNARY = {
    "exp": (tg.exp, X), "log": (tg.log, POS), "sin": (tg.sin, X), "cos": (tg.cos, X),
    "tanh": (tg.tanh, X), "sqrt": (tg.sqrt, POS), "log1p": (tg.log1p, POS),
    "expm1": (tg.expm1, X), "tan": (tg.tan, X / 2), "arctan": (tg.arctan, X),
    "sinh": (tg.sinh, X), "cosh": (tg.cosh, X), "sigmoid": (tg.sigmoid, X * 10),
    "softplus": (tg.softplus, X * 10), "relu": (tg.relu, X), "abs": (tg.abs, X),
    "square": (tg.square, X), "neg": (lambda x: -x, X), "sign": (tg.sign, X),
    "scale": (lambda x: 2.5 * x - 1.0 / x, POS), "pow": (lambda x: x ** 3.0, X),
    "rpow": (lambda x: 2.0 ** x, X), "clip": (lambda x: tg.clip(x, -0.5, 0.5), X),
    "arcsin": (tg.arcsin, X / 4), "arccos": (tg.arccos, X / 4), "arcsinh": (tg.arcsinh, X),
    "arccosh": (tg.arccosh, POS + 1.0), "arctanh": (tg.arctanh, X / 4), "log2": (tg.log2, POS),
    "log10": (tg.log10, POS), "nan_guard": (lambda x: tg.where(tg.isnan(x), 0.0, x), X),
}
SMOOTH = [k for k in UNARY if k not in ("sign",)]
BINARY = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b, "maximum": tg.maximum, "minimum": tg.minimum,
    "logaddexp": tg.logaddexp, "where": lambda a, b: tg.where(a > b, a * b, a - b),
    "power": lambda a, b: tg.power(tg.abs(a) + 1.0, b),
    "arctan2": tg.arctan2, "hypot": tg.hypot,
    "solve": lambda a, b: tg.linalg.solve(a[:, :3], b),
    "inv": lambda a, b: tg.linalg.inv(a[:, :3]) * b[:, :3],
}
B = R.normal(size=(3, 4))
SHAPES = {
    "sum": lambda x: tg.sum(x), "mean": lambda x: tg.mean(x),
    "sum_axis": lambda x: tg.sum(x, axis=1), "mean_axis0": lambda x: tg.mean(x, axis=0),
    "max_axis": lambda x: tg.max(x, axis=1), "min_keep": lambda x: tg.min(x, axis=0,
                                                                          keepdims=True),
    "reshape": lambda x: tg.reshape(x, (4, 3)), "transpose": lambda x: tg.transpose(x),
    "T": lambda x: x.T, "broadcast_to": lambda x: tg.broadcast_to(x[0, ...], (2, 4)),
    "slice": lambda x: x[1:, ::2], "row": lambda x: x[1, ...], "column": lambda x: x[:, 2],
    "int_index": lambda x: x[np.array([0, 2, 0, 0])], "concatenate":
        lambda x: tg.concatenate([x, x * 2.0], axis=1),
    "stack": lambda x: tg.stack([x[0, :], x[1, :]], axis=0),
    "matmul": lambda x: tg.matmul(x, tg.transpose(x)),
    "bias": lambda x: x + x[0, :], "floor": lambda x: x * tg.floor(x),
    "cumsum": lambda x: tg.cumsum(x, axis=1), "cumprod": lambda x: tg.cumprod(x, axis=0),
    "prod": lambda x: tg.prod(x, axis=1), "sort": lambda x: tg.sort(x, axis=1),
    "argmax_pick": lambda x: x[0, tg.argmax(x, axis=1)] * x[tg.argmin(x, axis=0), 1][:3],
}


def _check_value(lib, f, *args, eager=True):
    """f's value on ``lib``'s arrays, eager and under jit (traced), against NumPy's."""
    want = f(*args)
    x = to_lib(lib, args[0])
    for run in ((f, tg.jit(f)) if eager else (tg.jit(f),)):
        got = run(*(to_lib(lib, a) for a in args))
        in_lib(got, x)
        close(got, want, lib)


@pytest.mark.parametrize("lib", LIBS)
@pytest.mark.parametrize("name", UNARY)
def test_unary_values_equal_numpys_and_stay_in_their_library(lib, name):
    f, x = UNARY[name]
    _check_value(lib, f, x)


@pytest.mark.parametrize("lib", LIBS)
@pytest.mark.parametrize("name", BINARY)
def test_binary_values_equal_numpys(lib, name):
    _check_value(lib, BINARY[name], X, B)


@pytest.mark.parametrize("lib", LIBS)
@pytest.mark.parametrize("name", SHAPES)
def test_array_operations_equal_numpys(lib, name):
    # x[int array] of an untraced array is the library's own indexing (not NumPy's
    # in array-api-strict); traced, it is tapegrad's, with NumPy's meaning
    _check_value(lib, SHAPES[name], X, eager=name != "int_index")


def fd_grad(f, x, eps=1e-6):
    """Central differences of a scalar ``f`` at the NumPy array ``x``."""
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = eps
        g[i] = (float(f(x + e)) - float(f(x - e))) / (2 * eps)
    return g


def _plain(x):
    while type(x) is tg.Traced:
        x = x._value
    return x


def _grad_case(lib, f, x):
    w = np.random.default_rng(1).normal(size=np.shape(f(x)))
    loss = lambda v: tg.sum(f(v) * (w if type(_plain(v)) is np.ndarray else
                                    to_lib(lib, w)))
    want = fd_grad(loss, x)
    got = tg.grad(loss)(to_lib(lib, x))
    in_lib(got, to_lib(lib, x))
    np.testing.assert_allclose(host(got), want, rtol=1e-6, atol=1e-6)
    assert np.array_equal(host(got), host(tg.jit(tg.grad(loss))(to_lib(lib, x))))


@pytest.mark.parametrize("lib", LIBS)
@pytest.mark.parametrize("name", SMOOTH)
def test_unary_gradients_equal_central_differences_and_jit_equals_eager(lib, name):
    f, x = UNARY[name]
    _grad_case(lib, f, x)


@pytest.mark.parametrize("lib", LIBS)
@pytest.mark.parametrize("name", BINARY)
def test_binary_gradients_equal_central_differences(lib, name):
    _grad_case(lib, lambda a: BINARY[name](a, a * 0.5 + 0.3), X)


@pytest.mark.parametrize("lib", LIBS)
@pytest.mark.parametrize("name", [k for k in SHAPES if k != "floor"])
def test_array_operation_gradients_equal_central_differences(lib, name):
    _grad_case(lib, SHAPES[name], X)


@pytest.mark.parametrize("lib", LIBS)
def test_the_gradient_of_a_repeated_index_adds_every_repeat(lib):
    idx = np.array([1, 1, 0, 1])
    g = tg.grad(lambda x: tg.sum(x[idx] * x[idx]))(to_lib(lib, X))
    want = np.zeros_like(X)
    np.add.at(want, idx, 2 * X[idx])
    close(g, want, lib)


@pytest.mark.parametrize("lib", LIBS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float32_stays_float32_in_every_transform(lib, dtype):
    x = to_lib(lib, X, dtype)
    f = lambda x: tg.sum(tg.relu(x) * tg.tanh(x) + tg.maximum(x, 0.1))
    for g in (tg.grad(f), tg.jit(tg.grad(f)), tg.vmap(tg.grad(f))):
        r = g(x)
        in_lib(r, x)
    value = tg.jit(f)(x)
    assert type(value) is type(x) and value.dtype == x.dtype and tuple(value.shape) == ()


@pytest.mark.parametrize("lib", LIBS)
def test_vmap_equals_a_loop_and_composes(lib):
    W = R.normal(size=(4, 2))
    f = lambda x, w: tg.sum(tg.tanh(tg.matmul(x, w)) ** 2.0)
    x, w = to_lib(lib, X), to_lib(lib, W)
    loop = [float(f(X[i], W)) for i in range(3)]
    got = tg.vmap(f, in_axes=(0, None))(x, w)
    in_lib(got, x)
    np.testing.assert_allclose(host(got), loop, rtol=1e-12)
    per = tg.vmap(tg.grad(f, argnums=1), in_axes=(0, None))(x, w)
    loop_g = np.stack([tg.grad(f, argnums=1)(X[i], W) for i in range(3)])
    np.testing.assert_allclose(host(per), loop_g, rtol=1e-12)
    assert np.array_equal(host(tg.jit(tg.vmap(tg.grad(f, argnums=1), in_axes=(0, None)))(
        x, w)), host(per))
    outer = tg.grad(lambda w: tg.sum(tg.vmap(f, in_axes=(0, None))(x, w)))(w)
    np.testing.assert_allclose(host(outer), loop_g.sum(0), rtol=1e-12)


# ------------------------------------------------------------ the dense moons step
def _dense_step(lib):
    from moons import loss_fn, make_moons
    Xm, ym = make_moons()
    params = tg.nn.dense_init([2, 16, 16, 1], seed=0)
    vg = tg.value_and_grad(lambda p, X, y: loss_fn(p, X, y, "dense"), has_aux=True)
    want = vg(params, Xm, ym)
    args = (tg.tree.map(lambda a: to_lib(lib, a), params), to_lib(lib, Xm), to_lib(lib, ym))
    return vg, want, args


@pytest.mark.parametrize("lib", LIBS)
def test_the_dense_moons_step_equals_numpys_eager_and_jitted(lib):
    vg, ((l0, s0), g0), args = _dense_step(lib)
    eager = vg(*args)
    jitted = tg.jit(vg)
    for _ in range(2):
        compiled = jitted(*args)
    for got in (eager, compiled):
        (loss, scores), grads = got
        close(loss, l0, lib)
        close(scores, s0, lib)
        for a, b in zip(tg.tree.leaves(grads), tg.tree.leaves(g0)):
            in_lib(a, args[1])
            close(a, b, lib)
    for a, b in zip(tg.tree.leaves(eager), tg.tree.leaves(compiled)):
        assert np.array_equal(host(a), host(b))         # jit == eager, bit for bit
    assert jitted.trace_count == 1


def test_no_rule_reads_a_value_back(monkeypatch):
    """No host sync inside a step: grad and jit of the dense step never call
    float(), bool() or int() of an array (array-api-strict's would sync on a GPU)."""
    vg, _, args = _dense_step("strict")

    def refuse(self, *a):
        raise AssertionError("a value was read back from an array inside the step")
    for name in ("__float__", "__bool__", "__int__", "__index__", "item", "__array__"):
        monkeypatch.setattr(type(args[1]), name, refuse, raising=False)
    vg(*args)
    tg.jit(vg)(*args)


# ------------------------------------------------------------------ errors, jit
def test_mixing_libraries_is_an_error_naming_both():
    with pytest.raises(TypeError, match=r"array_api_strict array with a numpy array"):
        tg.grad(lambda x: tg.sum(tg.maximum(x, np.ones(4))))(xs.asarray(X))
    with pytest.raises(TypeError, match=r"mixes a .* array with a .* array"):
        tg.matmul(xs.asarray(X), np.ones((4, 2)))


def test_mixing_torch_and_another_library_is_an_error_naming_both():
    torch = _torch()
    with pytest.raises(TypeError, match=r"torch array with a array_api_strict array"):
        tg.maximum(torch.asarray(X), xs.asarray(X))


def test_mixing_devices_is_an_error_naming_both():
    a = xs.asarray(X)
    b = xs.asarray(X, device=xs.Device("device1"))
    with pytest.raises(TypeError, match=r"two devices.*CPU_DEVICE.*device1|two devices.*"
                                        r"device1.*CPU_DEVICE"):
        tg.maximum(a, b)
    with pytest.raises(TypeError, match=r"two devices"):
        tg.grad(lambda a, b: tg.sum(tg.matmul(a, tg.transpose(b))))(a, b)


def test_a_result_stays_on_its_device():
    b = xs.asarray(X, device=xs.Device("device1"))
    f = lambda x: tg.sum(tg.relu(x) * 2.0 + tg.exp(x)[0])
    for g in (tg.grad(f), tg.jit(tg.grad(f)), tg.vmap(tg.grad(f))):
        assert g(b).device == b.device


def test_library_and_device_are_part_of_jits_signature():
    f = tg.jit(lambda x: tg.sum(tg.tanh(x)))
    f(X)
    f(xs.asarray(X))
    assert f.trace_count == 2
    f(xs.asarray(X * 2.0))          # a new value: no new trace
    assert f.trace_count == 2
    r = f(xs.asarray(X, device=xs.Device("device1")))
    assert f.trace_count == 3 and r.device == xs.Device("device1")
    f(xs.asarray(X, dtype=xs.float32))
    assert f.trace_count == 4
    assert np.array_equal(host(f(xs.asarray(X))), np.asarray(f(X)))


def test_library_is_part_of_jits_signature_with_torch():
    torch = _torch()
    f = tg.jit(lambda x: tg.sum(tg.tanh(x)))
    f(xs.asarray(X))
    r = f(torch.asarray(X))
    assert f.trace_count == 2 and type(r) is torch.Tensor


def test_numpy_stays_numpy_bit_for_bit():
    f = lambda x: tg.sum(tg.relu(x) * tg.tanh(x))
    assert type(tg.grad(f)(X)) is np.ndarray and type(f(X)) is np.float64   # as np.sum
    close(tg.grad(f)(xs.asarray(X)), tg.grad(f)(X), "strict")


@pytest.mark.parametrize("lib", LIBS)
def test_a_primitive_without_an_array_api_rule_names_itself_and_the_library(lib):
    x = to_lib(lib, X)
    for f in (tg.cbrt, tg.grad(lambda x: tg.sum(tg.cbrt(x))), tg.jit(lambda x: tg.cbrt(x))):
        with pytest.raises(TypeError, match=r"tg\.cbrt does not support \w+ arrays"):
            f(x)


def test_a_users_primitive_runs_its_impl_on_any_library():
    cube = tg.primitive(lambda x: x * x * x, "cube")
    tg.defvjp(cube, lambda g, ans, x: g * 3.0 * x * x)
    g = tg.grad(lambda x: tg.sum(cube(x)))(xs.asarray(X))
    close(g, 3 * X * X, "strict")


def test_namespace_is_looked_up_once_per_specialization():
    """The compiled step binds the namespace: array_namespace is not called per step."""
    import array_api_compat
    calls = []
    real = array_api_compat.array_namespace
    vg, _, args = _dense_step("strict")
    jitted = tg.jit(vg)
    jitted(*args)
    array_api_compat.array_namespace = lambda *a, **k: calls.append(1) or real(*a, **k)
    try:
        jitted(*args)
    finally:
        array_api_compat.array_namespace = real
    assert calls == []


# ---------------------------------------------------------------- the example
def run_moons(*argv):
    env = dict(os.environ, MPLBACKEND="Agg")
    env["PYTHONPATH"] = os.pathsep.join(
        [os.path.join(EXAMPLES, "..")] + sys.path)
    return subprocess.run([sys.executable, "moons.py", *argv], cwd=EXAMPLES, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_moons_runs_the_dense_modes_on_a_backend(backend, tmp_path):
    if backend == "torch":
        _torch()
    out = {}
    for b in ("numpy", backend):
        r = run_moons("--mode", "dense-jit", "--backend", b, "--steps", "5",
                      "--no-progress", "--out", str(tmp_path / b))
        assert r.returncode == 0, r.stderr
        out[b] = r.stdout
    loss = {b: float(o.split("final loss: ")[1].split()[0]) for b, o in out.items()}
    assert abs(loss[backend] - loss["numpy"]) < 1e-9


def test_moons_says_what_to_install_for_a_missing_backend_and_which_modes(tmp_path):
    r = run_moons("--mode", "dense", "--backend", "torch", "--steps", "1", "--no-progress",
                  "--out", str(tmp_path))
    try:
        import torch  # noqa: F401
    except ImportError:
        assert r.returncode != 0 and "pip install torch" in r.stderr
    r = run_moons("--mode", "loop", "--backend", "torch", "--steps", "1")
    assert r.returncode != 0 and "runs the dense modes" in r.stderr


# ------------------------------------------------- the other transforms
@pytest.mark.parametrize("lib", LIBS)
def test_jvp_jacobians_hessian_and_replay_stay_in_their_library(lib):
    f = lambda x: tg.sum(tg.tanh(x) * x)
    v = lambda x: tg.tanh(x) * 2.0
    x, t = to_lib(lib, X), to_lib(lib, np.ones_like(X))
    out, tan = tg.jvp(f, (x,), (t,))
    want = tg.jvp(f, (X,), (np.ones_like(X),))
    close(out, want[0], lib)
    close(tan, want[1], lib)
    for jac in (tg.jacrev, tg.jacfwd):
        got = jac(v)(x)
        in_lib(got, x)
        close(got, jac(v)(X), lib)
    got = tg.hessian(f)(x)
    in_lib(got, x)
    close(got, tg.hessian(f)(X), lib)
    tape = tg.make_tape(f)(x)
    got = tape(to_lib(lib, X * 2.0))
    in_lib(got, x)
    close(got, f(X * 2.0), lib)
    close(tg.grad(lambda x: tg.sum(tg.grad(f)(x) ** 2.0))(x),
          tg.grad(lambda x: tg.sum(tg.grad(f)(x) ** 2.0))(X), lib)


@pytest.mark.parametrize("lib", LIBS)
def test_jit_never_returns_its_input_or_one_array_twice(lib):
    x = to_lib(lib, X)
    a, b = tg.jit(lambda x: (x, x))(x)
    assert a is not x and b is not x and a is not b
    close(a, X, lib)


@pytest.mark.parametrize("lib", LIBS)
def test_a_cast_carries_the_derivative_between_float_dtypes(lib):
    x = to_lib(lib, X)
    g = tg.grad(lambda x: tg.sum(x.astype(np.float32) * 2.0))(x)
    in_lib(g, x)
    close(g, np.full_like(X, 2.0), lib)
    r = tg.jit(lambda x: tg.floor(x * 3.0).astype(np.float32))(x)
    assert "float32" in str(r.dtype)
    close(r, np.floor(X * 3.0).astype(np.float32), lib)


@pytest.mark.parametrize("lib", LIBS)
@pytest.mark.parametrize("index", ["rows", "pairs", "columns"])
def test_indexing_with_integer_arrays_of_the_library_is_a_gather(lib, index):
    """Integer data passed in the library's own arrays (TRAPS row 44): a gather whose
    gradient scatters with repeats adding up, under grad and jit."""
    f = {"rows": lambda x, i: tg.sum(x[i] ** 2.0),
         "pairs": lambda x, i: tg.sum(x[i, i + 1] ** 2.0),
         "columns": lambda x, i: tg.sum(x[i, 1] * x[i, 2])}[index]
    i = np.array([2, 0, 2])
    want = tg.grad(f)(X, i)
    for g in (tg.grad(f), tg.jit(tg.grad(f))):
        got = g(to_lib(lib, X), to_lib(lib, i))
        in_lib(got, to_lib(lib, X))
        close(got, want, lib)


def test_jax_arrays_work_in_every_transform_too():
    """JAX's arrays are immutable: the scatter-add of an index is JAX's own .at[].add."""
    jnp = pytest.importorskip("jax.numpy")
    x32 = X.astype(np.float32)
    f = lambda x: tg.sum(tg.relu(x) * tg.tanh(x) + x[np.array([0, 0, 2])] ** 2.0)
    want = tg.grad(f)(x32)
    x = jnp.asarray(x32)
    for g in (tg.grad(f), tg.jit(tg.grad(f))):
        got = g(x)
        assert type(got) is type(x) and got.dtype == x.dtype
        np.testing.assert_allclose(np.asarray(got), want, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(tg.vmap(tg.grad(f))(jnp.stack([x, x]))),
                               np.stack([want, want]), rtol=1e-6)
