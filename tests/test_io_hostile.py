"""tg.io.load on files written by someone else: it never imports or runs
anything, every malformed file is a ValueError naming the file and the place,
and what save accepts, load gives back exactly, or save refuses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import NamedTuple

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tapegrad as tg


def doc(tree):
    return json.dumps({"format": "tapegrad.io", "version": 1, "tree": tree})


def load_text(tmp_path, text, name="f.json"):
    path = tmp_path / name
    path.write_text(text)
    return tg.io.load(path)


def fresh_python(code):
    """Run code in a new interpreter (so that sys.modules starts clean)."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("name", ["numpy:ctypeslib.Thing", "numpy:f2py", "numpy:testing.X",
                                  "numpy.ctypeslib:Thing", "os:system", "builtins:eval"])
def test_loading_names_of_unloaded_or_lazy_modules_imports_nothing(tmp_path, name):
    for tag in ("$node", "$namedtuple"):
        path = tmp_path / "evil.json"
        path.write_text(doc({tag: name, "aux": None, "children": [], "fields": {}}))
        code = (f"import sys, tapegrad as tg\nbefore = set(sys.modules)\n"
                f"try:\n    tg.io.load({str(path)!r})\nexcept ValueError as e:\n"
                f"    print('ValueError', e)\n"
                f"print(sorted(set(sys.modules) - before))\n")
        out = fresh_python(code).splitlines()
        assert out[0].startswith("ValueError") and "evil.json" in out[0], out
        assert out[-1] == "[]", out        # not one module imported


MALFORMED = [
    ({"$float": [1]}, r"at tree: \$float must be"),
    ({"$float": {"a": 1}}, r"at tree: \$float must be"),
    ({"a": {"$dict": [[[1, 2], 3.0]]}}, r"at tree\['a'\]: \$dict key 0 is a list"),
    ({"$dict": [[{"k": 1}, 3.0]]}, r"at tree: \$dict key 0 is a dict"),
    ({"$dict": [[1.0]]}, r"\$dict entry 0 is not a \[key, value\] pair"),
    ({"$dict": 5}, r"\$dict must be a list"),
    ({"$tuple": {"a": 1}}, r"\$tuple must be a list"),
    ({"$node": "tapegrad.optim:SgdState", "aux": 1, "children": 3}, r"is not registered"),
    ({"$array": [1, 2], "shape": [3], "dtype": "float64"}, r"2 values do not fill shape"),
    ({"$array": [1, 2], "shape": "x", "dtype": "float64"}, r"shape must be a list"),
    ({"$array": [1, 2], "shape": [2], "dtype": "object"}, r"dtype 'object' are not saved"),
    ({"$array": [1, 2], "shape": [2], "dtype": "no-such"}, r"unknown array dtype"),
    ({"$array": ["a"], "shape": [1], "dtype": "float64"}, r"an array holds only numbers"),
    ({"$array": [1], "shape": [1], "dtype": {"a": 1}}, r"dtype must be a string"),
    ({"$array": [300], "shape": [1], "dtype": "int8"}, r"do not fit dtype int8"),
    ({"$scalar": 300, "dtype": "int8"}, r"do not fit dtype int8"),
    ({"$scalar": [1.0], "dtype": "float32"}, r"an array holds only numbers"),
    ({"$scalar": 1.0}, r"dtype must be a string"),
    ({"$namedtuple": "tapegrad.optim:SgdState", "fields": {"step": 0}}, r"fields of"),
    ({"$namedtuple": 7}, r"bad class name 7"),
    ({"$what": 1}, r"unknown entry '\$what'"),
    ({"$tuple": [], "$float": "nan"}, r"unknown entry with keys"),
    ({"w": [1, {"$float": "x"}]}, r"at tree\['w'\]\[1\]"),
]


@pytest.mark.parametrize("tree, message", MALFORMED)
def test_every_malformed_file_is_a_value_error_naming_the_file_and_the_place(
        tmp_path, tree, message):
    with pytest.raises(ValueError, match=r"f\.json is malformed .*" + message):
        load_text(tmp_path, doc(tree))


class Pair:
    def __init__(self, a, b):
        self.a, self.b = a, b


tg.tree.register(Pair, lambda p: ((p.a, p.b), None), lambda aux, ch: Pair(*ch))


def test_a_node_whose_unflatten_refuses_its_data_is_a_value_error(tmp_path):
    name = f"{__name__}:Pair"
    with pytest.raises(ValueError, match=r"f\.json is malformed at tree: .*Pair's unflatten"):
        load_text(tmp_path, doc({"$node": name, "aux": None, "children": [1.0]}))
    with pytest.raises(ValueError, match=r"children must be a list, not a int"):
        load_text(tmp_path, doc({"$node": name, "aux": None, "children": 3}))
    ok = load_text(tmp_path, doc({"$node": name, "aux": None, "children": [1.0, 2.0]}))
    assert (ok.a, ok.b) == (1.0, 2.0)


def test_deep_nesting_is_refused_with_the_bound_never_a_recursion_error(tmp_path):
    deep = "[" * 100_000 + "]" * 100_000
    with pytest.raises(ValueError, match=r"nested deeper than JSON can be read.*200 levels"):
        load_text(tmp_path, json.dumps({"format": "tapegrad.io", "version": 1})[:-1]
                  + ', "tree": ' + deep + "}")
    medium = "[" * 500 + "]" * 500      # JSON reads it; tg.io refuses past MAX_DEPTH
    with pytest.raises(ValueError, match=r"nests more than 200 levels"):
        load_text(tmp_path, '{"format": "tapegrad.io", "version": 1, "tree": ' + medium + "}")
    tree: list = []
    for _ in range(300):
        tree = [tree]
    with pytest.raises(ValueError, match=r"nested more than 200 levels"):
        tg.io.save(tmp_path / "deep.json", tree)
    ok: list = [1.0]
    for _ in range(150):
        ok = [ok]
    tg.io.save(tmp_path / "ok.json", ok)
    assert tg.io.load(tmp_path / "ok.json") == ok


def test_save_refuses_what_load_could_not_give_back(tmp_path):
    class Local(NamedTuple):
        x: float
    with pytest.raises(TypeError, match=r"tree\['p'\] is a Local defined inside a function"
                                        r".*Define it at the top level"):
        tg.io.save(tmp_path / "a.json", {"p": Local(1.0)})
    with pytest.raises(TypeError, match=r"tree\['w'\] is float128|longdouble"):
        tg.io.save(tmp_path / "b.json", {"w": np.longdouble(1) / 3})
    with pytest.raises(TypeError, match=r"tree\['w'\]\[1\] is float128|longdouble"):
        tg.io.save(tmp_path / "c.json", {"w": [1.0, np.ones(2, dtype=np.longdouble)]})
    assert not list(tmp_path.iterdir())                  # nothing half-written


def test_saving_through_a_symlink_replaces_the_target_and_keeps_the_link(tmp_path):
    target = tmp_path / "real" / "ckpt.json"
    target.parent.mkdir()
    tg.io.save(target, {"w": 1.0})
    os.chmod(target, 0o640)
    link = tmp_path / "latest.json"
    link.symlink_to(target)
    tg.io.save(link, {"w": 2.0})
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert tg.io.load(target) == {"w": 2.0} and tg.io.load(link) == {"w": 2.0}
    assert os.stat(target).st_mode & 0o777 == 0o640
    assert sorted(p.name for p in target.parent.iterdir()) == ["ckpt.json"]   # no temp left


# -------------------------------------------- hypothesis: random documents
json_leaf = st.one_of(st.none(), st.booleans(), st.integers(-5, 5),
                      st.floats(allow_nan=False, allow_infinity=False),
                      st.sampled_from(["nan", "inf", "x", "numpy:f2py", "numpy:ctypeslib.T",
                                       "tapegrad.optim:SgdState", "float64", "object"]))
TAGS = ["$float", "$array", "$tuple", "$dict", "$namedtuple", "$node", "shape",
        "dtype", "fields", "aux", "children", "w"]
hostile = st.recursive(
    json_leaf,
    lambda kids: st.one_of(st.lists(kids, max_size=4),
                           st.dictionaries(st.sampled_from(TAGS), kids, max_size=3)),
    max_leaves=20)


@settings(max_examples=int(os.environ.get("TG_EXAMPLES", 150)), deadline=None,
          derandomize=bool(os.environ.get("CI")))
@given(hostile)
def test_random_hostile_documents_load_or_raise_value_error_and_import_nothing(
        tmp_path_factory, tree):
    path = tmp_path_factory.mktemp("h") / "h.json"
    path.write_text(doc(tree))
    before = set(sys.modules)
    try:
        got = tg.io.load(path)
    except ValueError as e:
        assert "h.json" in str(e)
    else:                    # what loaded saves and loads again to the same
        tg.io.save(path, got)
        again = tg.io.load(path)
        assert json.dumps(tg.tree.map(repr, again)) == json.dumps(tg.tree.map(repr, got))
    assert set(sys.modules) == before
