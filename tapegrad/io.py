"""Save and load pytrees as standard JSON: exact, readable, and crash-safe.

``tg.io.save(path, tree)`` writes the tree; ``tg.io.load(path)`` gives it
back equal leaf for leaf: every float exactly (``repr`` round-trips),
``nan``/``inf``/``-0.0`` included, ints as ints, arrays with their shape and
dtype, NumPy scalars narrower than float64 and int64 (``np.float32(0.1)``)
with theirs, and the containers (dict, list, tuple, None, NamedTuple, classes
given to ``tg.tree.register``). The file is plain JSON that any tool reads.

Loading a file never imports or runs anything: a NamedTuple or registered
class is named in the file as ``module:qualname`` and looked up only in the
dictionaries of modules already imported (no attribute access, so a
module's lazy ``__getattr__`` never runs), and a ``$node`` must name a class
given to ``tg.tree.register``. Every malformed file is a ``ValueError``
naming the file and the place in the tree, and trees nest at most
``MAX_DEPTH`` levels (JSON readers recurse).

A save never leaves a broken file (``tapegrad.atomic``): it writes
a temporary file in the same folder, flushes it to disk, and renames it over
the old one, so a crash at any moment leaves either the old file or the new.
"""

from __future__ import annotations

import json
import math
import os
import sys
import types
from typing import Any

import numpy as np

from . import tree as pytree
from .atomic import write_atomically

__all__ = ["load", "save"]

FORMAT = "tapegrad.io"
VERSION = 1
MAX_DEPTH = 200
"""The deepest nesting of containers that save writes and load reads."""


def save(path: str | os.PathLike[str], tree: Any) -> None:
    """Write the pytree ``tree`` to ``path`` as JSON, replacing it atomically.

    The text goes to a temporary file in the same folder, which then replaces
    ``path`` in one step: a crash mid-write leaves the old file whole. A new
    file gets the permissions the umask gives; a replaced one keeps its own.

    Args:
      path: The file to write.
      tree: A pytree of floats, ints, bools, strings, None and NumPy arrays.

    Raises:
      TypeError: a leaf JSON cannot hold exactly, or a class that load could
        not find again (defined inside a function); the message names its path.
      ValueError: a tree nested deeper than ``MAX_DEPTH``.

    Examples:
      >>> import math, os, tempfile
      >>> import tapegrad as tg
      >>> path = os.path.join(tempfile.mkdtemp(), "params.json")
      >>> tg.io.save(path, {"w": [0.1, -0.0, math.inf], "step": 3})
      >>> tg.io.load(path)
      {'step': 3, 'w': [0.1, -0.0, inf]}
    """
    text = json.dumps({"format": FORMAT, "version": VERSION,
                       "tree": _encode(tree, "tree", 0)}, allow_nan=False)
    write_atomically(os.fspath(path), text)


def load(path: str | os.PathLike[str], like: Any = None) -> Any:
    """Read a pytree written by [save][tapegrad.io.save].

    Args:
      path: The file.
      like: Optionally, a tree the result must match: same structure and,
        leaf by leaf, the same shape.

    Returns:
      The saved pytree: floats exactly as saved (``-0.0``, ``nan`` and ``inf``
      too), arrays with their dtype and shape, tuples and NamedTuples as such.

    Raises:
      ValueError: if the file is missing, truncated, not JSON, not written by
        ``tg.io.save``, or does not match ``like``; the message names the
        file and what is wrong.
    """
    path = os.fspath(path)
    doc = _read(path)
    try:
        result = _decode(doc["tree"], "tree", 0)
    except _Malformed as e:
        raise ValueError(f"tg.io.load: {path} is malformed at {e.args[0]}: "
                         f"{e.args[1]}.") from None
    if like is not None:
        _check_like(path, result, like)
    return result


def _read(path: str) -> dict[str, Any]:
    """The JSON document in ``path``, checked to be one that ``save`` wrote."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        raise ValueError(f"tg.io.load: {path} does not exist.") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ValueError(f"tg.io.load: cannot read {path}: {e}.") from None
    try:
        doc = json.loads(text)
    except RecursionError:
        raise ValueError(f"tg.io.load: {path} is nested deeper than JSON can be read "
                         f"here; tg.io saves trees at most {MAX_DEPTH} levels deep.") from None
    except json.JSONDecodeError as e:
        cut = " (the file ends early: it may be truncated)" if e.pos >= len(text) else ""
        raise ValueError(f"tg.io.load: {path} is not valid JSON at line {e.lineno}, "
                         f"column {e.colno}: {e.msg}{cut}.") from None
    if not (isinstance(doc, dict) and doc.get("format") == FORMAT and "tree" in doc):
        raise ValueError(f"tg.io.load: {path} is JSON but was not written by "
                         "tg.io.save (no 'format': 'tapegrad.io' header).")
    if doc.get("version") != VERSION:
        raise ValueError(f"tg.io.load: {path} has format version {doc.get('version')!r}; "
                         f"this tapegrad reads version {VERSION}.")
    return doc


# ----------------------------------------------------------------- encoding
class _Malformed(Exception):
    """(where in the tree, what is wrong)."""


def _encode(x: Any, where: str, depth: int) -> Any:
    """A JSON value for ``x``.

    Containers and special floats become objects with a ``$`` key, so that
    plain data stays plain.
    """
    t = type(x)
    if x is None or t is bool or t is int or t is str:
        return x
    if t is float:
        return _float(x)
    if isinstance(x, np.floating | np.integer) and x.dtype not in (np.float64, np.int64):
        return _encode_scalar(x, where)
    if isinstance(x, np.floating):
        return _float(float(x))
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.bool_):
        return bool(x)
    if depth >= MAX_DEPTH:
        raise ValueError(f"tg.io.save: {where[:80]}... is nested more than {MAX_DEPTH} "
                         "levels deep; tg.io saves trees up to that depth.")
    if isinstance(x, np.ndarray):
        return _encode_array(x, where)
    return _encode_container(x, where, depth + 1)


def _encode_array(x: np.ndarray, where: str) -> dict[str, Any]:
    """``{"$array": values, "shape": ..., "dtype": ...}``, floats exactly."""
    if x.dtype.kind not in "biuf":
        raise TypeError(f"tg.io.save: {where} is an array of dtype {x.dtype}; "
                        "only bool, int and float arrays can be saved.")
    _exact_float(x.dtype, where)
    return {"$array": [_float(v) if x.dtype.kind == "f" else v for v in x.ravel().tolist()],
            "shape": list(x.shape), "dtype": str(x.dtype)}


def _encode_scalar(x: np.generic, where: str) -> dict[str, Any]:
    """``{"$scalar": value, "dtype": ...}``: a float32 read back as a float would widen."""
    _exact_float(x.dtype, where)
    value = _float(float(x)) if x.dtype.kind == "f" else int(x)
    return {"$scalar": value, "dtype": str(x.dtype)}


def _encode_container(x: Any, where: str, d: int) -> Any:
    """A JSON value for a container ``x``, its children at depth ``d``."""
    t = type(x)
    if t is list:
        return [_encode(v, f"{where}[{i}]", d) for i, v in enumerate(x)]
    if t is tuple:
        return {"$tuple": [_encode(v, f"{where}[{i}]", d) for i, v in enumerate(x)]}
    if t is dict:
        if all(type(k) is str and not k.startswith("$") for k in x):
            return {k: _encode(x[k], f"{where}[{k!r}]", d) for k in sorted(x)}
        return {"$dict": [[_encode(k, f"{where} key", d), _encode(v, f"{where}[{k!r}]", d)]
                          for k, v in x.items()]}
    if isinstance(x, tuple) and hasattr(t, "_fields"):
        return {"$namedtuple": _name(t, where),
                "fields": {f: _encode(getattr(x, f), f"{where}.{f}", d) for f in t._fields}}
    entry = pytree._REGISTRY.get(t)
    if entry is not None:
        children, aux = entry.flatten(x)
        return {"$node": _name(t, where), "aux": _encode(aux, f"{where} (aux)", d),
                "children": [_encode(c, f"{where}[{i}]", d) for i, c in enumerate(children)]}
    raise TypeError(f"tg.io.save: {where} is a {t.__name__}, which JSON cannot hold "
                    "exactly; save numbers, strings, arrays and pytree containers.")


def _float(v: float) -> Any:
    if math.isfinite(v):
        return v                       # json writes repr(v): exact, -0.0 included
    return {"$float": "nan" if v != v else ("inf" if v > 0 else "-inf")}


def _name(cls: type, where: str) -> str:
    """``module:qualname``, refused for a class load could never find again."""
    if "<locals>" in cls.__qualname__:
        raise TypeError(
            f"tg.io.save: {where} is a {cls.__name__} defined inside a function "
            f"({cls.__qualname__}); tg.io.load could never find that class again. "
            "Define it at the top level of a module.")
    return f"{cls.__module__}:{cls.__qualname__}"


def _exact_float(dtype: np.dtype[Any], where: str) -> None:
    """Refuse floats wider than float64: JSON's numbers would round them."""
    if dtype.kind == "f" and dtype.itemsize > 8:
        raise TypeError(
            f"tg.io.save: {where} is {dtype} (long double), which JSON's float64 "
            "numbers cannot hold exactly; convert it with .astype(np.float64) (or "
            "float(x)) if float64 is precise enough.")


def _decode(j: Any, where: str, depth: int) -> Any:
    """The value a JSON value from ``save`` stands for.

    Raises ``_Malformed(where, why)`` for anything ``save`` does not write.
    """
    if j is None or isinstance(j, bool | int | float | str):
        return j
    if depth >= MAX_DEPTH:
        raise _Malformed(where[:80] + "...", f"the tree nests more than {MAX_DEPTH} levels")
    d = depth + 1
    if isinstance(j, list):
        return [_decode(v, f"{where}[{i}]", d) for i, v in enumerate(j)]
    if not isinstance(j, dict):
        raise _Malformed(where, f"unexpected JSON value {j!r:.60}")
    tags = [k for k in j if k.startswith("$")]
    if not tags:
        return {k: _decode(v, f"{where}[{k!r}]", d) for k, v in j.items()}
    tag = tags[0]
    if len(tags) > 1 or set(j) - {tag} - set(_EXTRA.get(tag, ())):
        raise _Malformed(where, f"unknown entry with keys {sorted(j)!r:.80}")
    body = j[tag]
    if tag == "$float":
        if body not in ("nan", "inf", "-inf"):
            raise _Malformed(where, f"$float must be 'nan', 'inf' or '-inf', not {body!r:.40}")
        return float(body)
    if tag == "$array":
        return _array(j, where)
    if tag == "$scalar":
        return _array({"$array": [body], "shape": [], "dtype": j.get("dtype")}, where)[()]
    if tag == "$tuple":
        return tuple(_decode(v, f"{where}[{i}]", d)
                     for i, v in enumerate(_list(body, where, "$tuple")))
    if tag == "$dict":
        return _decode_dict(body, where, d)
    if tag == "$namedtuple":
        return _decode_namedtuple(j, body, where, d)
    if tag == "$node":
        return _decode_node(j, body, where, d)
    raise _Malformed(where, f"unknown entry {tag!r}")


def _decode_dict(body: Any, where: str, d: int) -> dict[Any, Any]:
    """A dict with keys of any hashable kind, from ``[[key, value], ...]``."""
    out = {}
    for i, pair in enumerate(_list(body, where, "$dict")):
        if not (isinstance(pair, list) and len(pair) == 2):
            raise _Malformed(where, f"$dict entry {i} is not a [key, value] pair")
        key = _decode(pair[0], f"{where} key {i}", d)
        try:
            hash(key)
        except TypeError:
            raise _Malformed(where, f"$dict key {i} is a {type(key).__name__}; "
                             "keys must be hashable") from None
        out[key] = _decode(pair[1], f"{where}[{key!r:.40}]", d)
    return out


def _decode_namedtuple(j: dict[str, Any], body: Any, where: str, d: int) -> Any:
    """The NamedTuple ``body`` names, built from ``j["fields"]``."""
    cls = _lookup(body, where)
    if not (issubclass(cls, tuple) and hasattr(cls, "_fields")):
        raise _Malformed(where, f"{body} is not a NamedTuple")
    fields = j.get("fields")
    if not isinstance(fields, dict) or set(fields) != set(cls._fields):
        raise _Malformed(where, f"the fields of {body} do not match the class")
    return cls(**{k: _decode(v, f"{where}.{k}", d) for k, v in fields.items()})


def _decode_node(j: dict[str, Any], body: Any, where: str, d: int) -> Any:
    """The registered class ``body`` names, built by its own unflatten."""
    cls = _lookup(body, where)
    entry = pytree._REGISTRY.get(cls)
    if entry is None:
        raise _Malformed(where, f"{body} is not registered with tg.tree.register")
    aux = _decode(j.get("aux"), f"{where} (aux)", d)
    children = [_decode(c, f"{where}[{i}]", d)
                for i, c in enumerate(_list(j.get("children"), where, "children"))]
    try:
        return entry.unflatten(aux, children)
    except Exception as e:        # the user's unflatten, on data it did not write
        raise _Malformed(where, f"{body}'s unflatten refused its aux and children "
                         f"({type(e).__name__}: {e})") from None


_EXTRA = {"$array": ("shape", "dtype"), "$scalar": ("dtype",), "$namedtuple": ("fields",),
          "$node": ("aux", "children")}


def _array(j: dict[str, Any], where: str) -> np.ndarray:
    values, shape, dtype = j["$array"], j.get("shape"), j.get("dtype")
    if not isinstance(dtype, str):
        raise _Malformed(where, "an array's dtype must be a string such as 'float64'")
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise _Malformed(where, f"unknown array dtype {dtype!r:.40}") from None
    if dt.kind not in "biuf" or (dt.kind == "f" and dt.itemsize > 8):
        raise _Malformed(where, f"arrays of dtype {dtype!r:.40} are not saved by tg.io")
    if not (isinstance(shape, list) and all(type(n) is int and n >= 0 for n in shape)):
        raise _Malformed(where, "an array's shape must be a list of non-negative ints")
    flat = [_decode(v, f"{where}[{i}]", MAX_DEPTH - 1)
            for i, v in enumerate(_list(values, where, "$array"))]
    if not all(type(v) in (int, float, bool) for v in flat):
        raise _Malformed(where, "an array holds only numbers")
    if math.prod(shape) != len(flat):
        raise _Malformed(where, f"{len(flat)} values do not fill shape {tuple(shape)}")
    try:
        return np.array(flat, dtype=dt).reshape(shape)
    except (OverflowError, ValueError) as e:
        raise _Malformed(where, f"its values do not fit dtype {dtype} ({e})") from None


def _list(v: Any, where: str, what: str) -> list[Any]:
    if not isinstance(v, list):
        raise _Malformed(where, f"{what} must be a list, not a {type(v).__name__}")
    return v


def _lookup(name: Any, where: str) -> type:
    """The class ``module:qualname`` among modules already imported.

    Only the dictionaries of loaded modules and classes are read: nothing is
    imported, and no ``__getattr__`` (such as NumPy's lazy submodules) runs.
    """
    if not isinstance(name, str) or ":" not in name:
        raise _Malformed(where, f"bad class name {name!r:.60}")
    module, qualname = name.split(":", 1)
    obj: Any = sys.modules.get(module)
    if obj is None:
        raise _Malformed(where, f"it holds a {qualname} from module {module!r}, which is "
                         f"not imported; import {module} before loading")
    for part in qualname.split("."):
        space = obj.__dict__ if isinstance(obj, type | types.ModuleType) else {}
        obj = space.get(part)
        if obj is None:
            raise _Malformed(where, f"module {module!r} has no class {qualname}")
    if not isinstance(obj, type):
        raise _Malformed(where, f"{name} is not a class")
    return obj


def _check_like(path: str, result: Any, like: Any) -> None:
    got, want = pytree.flatten_with_path(result), pytree.flatten_with_path(like)
    if got[1] != want[1]:
        paths = {str(p) for p, _ in got[0]} ^ {str(p) for p, _ in want[0]}
        at = f" (first difference at {sorted(paths)[0]})" if paths else ""
        raise ValueError(f"tg.io.load: {path} holds a tree of structure {got[1]}, "
                         f"but like= has {want[1]}{at}.")
    for (p, a), (_, b) in zip(got[0], want[0]):
        if np.shape(a) != np.shape(b):
            raise ValueError(f"tg.io.load: {path} has shape {np.shape(a)} at "
                             f"{p}, but like= has {np.shape(b)} there.")
