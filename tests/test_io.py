"""tg.io: exact round trips, atomic replace under a killed process, and
clear errors for missing, truncated, malformed or mismatched files."""

from __future__ import annotations

import json
import math
import os
import stat
import subprocess
import sys
import textwrap
from typing import NamedTuple

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tapegrad as tg


def same(a, b):
    """Equal leaf for leaf, with nan == nan, the sign of zero, and types."""
    la, ta = tg.tree.flatten(a)
    lb, tb = tg.tree.flatten(b)
    assert ta == tb
    for x, y in zip(la, lb):
        assert type(x) is type(y)
        if isinstance(x, np.ndarray):
            assert x.dtype == y.dtype and x.shape == y.shape
            np.testing.assert_array_equal(x, y)
            assert np.array_equal(np.signbit(x), np.signbit(y))
        elif isinstance(x, float):
            assert (x == y and math.copysign(1, x) == math.copysign(1, y)) or (x != x and y != y)
        else:
            assert x == y


floats = st.floats(allow_nan=True, allow_infinity=True)
leaves = st.one_of(floats, st.integers(-10**20, 10**20), st.booleans(), st.none(),
                   st.text(max_size=5))
trees = st.recursive(
    leaves,
    lambda kids: st.one_of(st.lists(kids, max_size=4),
                           st.tuples(kids, kids),
                           st.dictionaries(st.text(max_size=4), kids, max_size=4)),
    max_leaves=20)


@settings(max_examples=int(os.environ.get("TG_EXAMPLES", 120)), deadline=None,
          derandomize=bool(os.environ.get("CI")))
@given(trees)
def test_round_trip_of_random_pytrees(tmp_path_factory, tree):
    path = tmp_path_factory.mktemp("io") / "t.json"
    tg.io.save(path, tree)
    same(tg.io.load(path), tree)
    def refuse(token):
        raise AssertionError(f"non-standard JSON token {token}")
    json.loads(path.read_text(), parse_constant=refuse)   # no NaN or Infinity tokens


class Point(NamedTuple):
    x: float
    y: float


class Box:
    def __init__(self, items, label):
        self.items, self.label = items, label


tg.tree.register(Box, lambda b: (b.items, b.label), lambda label, items: Box(list(items), label))


def test_round_trip_of_every_kind(tmp_path):
    tree = {"floats": [0.1, -0.0, math.nan, math.inf, -math.inf, 5e-324, 1.7976931348623157e308],
            "ints": [0, -3, 2**70], "flags": (True, False), "none": None,
            "arrays": [np.array([[1.5, -0.0], [math.nan, math.inf]]), np.zeros((0, 3)),
                       np.array(2.5), np.arange(3), np.array([True, False]),
                       np.array([0.1], dtype=np.float32)],
            "point": Point(1.0, -2.0), "tuple": (1.0, [2.0]),
            "int keys": {1: "one", 2: "two"}, "tuple keys": {(2, 3): "pair", (1, 5): "x"},
            "dollar": {"$float": "not special", "$tuple": 1.0}}
    tg.io.save(tmp_path / "all.json", tree)
    back = tg.io.load(tmp_path / "all.json")
    same(back, tree)
    assert type(back["point"]) is Point and back["tuple keys"][(2, 3)] == "pair"
    tg.io.save(tmp_path / "np.json", [np.float64(0.5), np.int64(3), np.bool_(True)])
    assert tg.io.load(tmp_path / "np.json") == [0.5, 3, True]
    box = Box([1.0, math.nan], "b")
    tg.io.save(tmp_path / "box.json", {"box": box})
    loaded = tg.io.load(tmp_path / "box.json")["box"]
    assert type(loaded) is Box and loaded.label == "b" and math.isnan(loaded.items[1])


NARROW_SCALARS = [np.float32(0.1), np.float32(-0.0), np.float32(np.inf), np.float16(1 / 3),
                  np.int32(-7), np.int8(-128), np.uint8(255), np.uint64(2**64 - 1)]


def test_numpy_scalars_narrower_than_64_bits_keep_their_dtype(tmp_path):
    tg.io.save(tmp_path / "s.json", NARROW_SCALARS + [np.float32(np.nan)])
    *back, nan = tg.io.load(tmp_path / "s.json")
    for x, y in zip(back, NARROW_SCALARS):
        assert type(x) is type(y) and x == y and np.signbit(x) == np.signbit(y)
    assert type(nan) is np.float32 and np.isnan(nan)


def test_a_resumed_float32_run_is_the_uninterrupted_one(tmp_path):
    """Scalar float32 parameters and their Adam moments stay float32 through a checkpoint."""
    opt = tg.optim.adam(0.05)
    loss = lambda p: (p["w"] * np.float32(1.5) - np.float32(0.7)) ** 2 + p["b"] ** 2
    def steps(run, n):
        for _ in range(n):
            updates, state = opt.update(tg.grad(loss)(run["params"]), run["state"],
                                        run["params"])
            run = {"params": tg.optim.apply_updates(run["params"], updates), "state": state}
        return run
    params = {"w": np.float32(0.3), "b": np.float32(-0.2)}
    start = {"params": params, "state": opt.init(params)}
    tg.io.save(tmp_path / "run.json", steps(start, 3))
    resumed = steps(tg.io.load(tmp_path / "run.json"), 4)
    straight = steps(start, 7)
    same(resumed, straight)
    assert type(straight["params"]["w"]) is np.float32


def test_unsavable_leaf_names_its_path(tmp_path):
    with pytest.raises(TypeError, match=r"tree\['layers'\]\[1\] is a object"):
        tg.io.save(tmp_path / "x.json", {"layers": [1.0, object()]})
    assert not os.listdir(tmp_path)       # nothing written, no temporary left


KILLER = textwrap.dedent("""
    import os, signal, sys
    import tapegrad as tg
    path, where = sys.argv[1], sys.argv[2]
    if where == "mid-write":            # die with half of the new text written
        real = os.fdopen
        def fdopen(fd, *a, **k):
            f = real(fd, *a, **k)
            def write(text):
                f.buffer.write(text[: len(text) // 2].encode()); f.flush()
                os.kill(os.getpid(), signal.SIGKILL)
            f.write = write
            return f
        os.fdopen = fdopen
    else:                               # die after the temporary file is complete
        os.replace = lambda *a: os.kill(os.getpid(), signal.SIGKILL)
    tg.io.save(path, {"w": [9.0] * 1000, "step": 2})
""")


@pytest.mark.parametrize("where", ["mid-write", "before-rename"])
def test_a_process_killed_during_save_leaves_the_old_file(tmp_path, where):
    path = tmp_path / "ckpt.json"
    old = {"w": [1.0, 2.0], "step": 1}
    tg.io.save(path, old)
    proc = subprocess.run([sys.executable, "-c", KILLER, str(path), where])
    assert proc.returncode == -9                      # it really was killed
    assert tg.io.load(path) == old                    # the old file, intact
    leftovers = [p for p in os.listdir(tmp_path) if p != "ckpt.json"]
    assert leftovers and all(p.startswith(".ckpt.json.") for p in leftovers)
    tg.io.save(path, {"w": [3.0], "step": 3})         # and the next save works
    assert tg.io.load(path)["step"] == 3


def test_bad_files_give_a_value_error_naming_the_file(tmp_path):
    path = tmp_path / "ckpt.json"
    with pytest.raises(ValueError, match=r"ckpt.json does not exist"):
        tg.io.load(path)
    tg.io.save(path, {"w": [1.0, 2.0, 3.0]})
    text = path.read_text()
    path.write_text(text[: len(text) // 2])
    with pytest.raises(ValueError, match=r"ckpt.json is not valid JSON.*truncated"):
        tg.io.load(path)
    path.write_text("{'w': 1.0}")
    with pytest.raises(ValueError, match=r"ckpt.json is not valid JSON at line 1"):
        tg.io.load(path)
    path.write_text('{"w": 1.0}')
    with pytest.raises(ValueError, match=r"ckpt.json is JSON but was not written by tg.io.save"):
        tg.io.load(path)
    path.write_text('{"format": "tapegrad.io", "version": 1, "tree": {"$float": "huge"}}')
    with pytest.raises(ValueError, match=r"ckpt.json is malformed at tree: \$float must be 'nan'"):
        tg.io.load(path)
    path.write_text('{"format": "tapegrad.io", "version": 1, '
                    '"tree": {"$namedtuple": "os:system", "fields": {}}}')
    with pytest.raises(ValueError, match=r"malformed at tree: os:system is not a class"):
        tg.io.load(path)
    path.write_text('{"format": "tapegrad.io", "version": 1, '
                    '"tree": {"$namedtuple": "no_such_module:X", "fields": {}}}')
    with pytest.raises(ValueError, match=r"not imported; import no_such_module"):
        tg.io.load(path)
    path.write_text('{"format": "tapegrad.io", "version": 7, "tree": 1}')
    with pytest.raises(ValueError, match=r"format version 7"):
        tg.io.load(path)


def test_like_checks_structure_and_shapes(tmp_path):
    path = tmp_path / "p.json"
    tg.io.save(path, {"w": np.zeros(3), "b": 0.0})
    assert tg.io.load(path, like={"w": np.ones(3), "b": 1.0})["b"] == 0.0
    with pytest.raises(ValueError, match=r"p.json holds a tree of structure .* like= has"):
        tg.io.load(path, like={"w": np.ones(3), "b": 1.0, "extra": 2.0})
    with pytest.raises(ValueError,
                       match=r"p.json has shape \(3,\) at \['w'\], but like= has \(4,\)"):
        tg.io.load(path, like={"w": np.ones(4), "b": 1.0})


def test_a_new_file_follows_the_umask_and_a_replaced_one_keeps_its_mode(tmp_path):
    old = os.umask(0o027)
    try:
        path = tmp_path / "new.json"
        tg.io.save(path, {"w": 1.0})
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
        os.chmod(path, 0o604)
        tg.io.save(path, {"w": 2.0})
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o604
        assert tg.io.load(path) == {"w": 2.0}
    finally:
        os.umask(old)
