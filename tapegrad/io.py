"""Save and load pytrees as standard JSON: exact, readable, and crash-safe.

``tg.io.save(path, tree)`` writes the tree; ``tg.io.load(path)`` gives it
back equal leaf for leaf: every float exactly (``repr`` round-trips),
``nan``/``inf``/``-0.0`` included, ints as ints, arrays with their shape and
dtype, and the containers (dict, list, tuple, None, NamedTuple, classes
given to ``tg.tree.register``). The file is plain JSON that any tool reads;
nothing in it is executed, and a class is only looked up among the modules
already imported, never imported.

A save never leaves a broken file: it writes a temporary file in the same
folder, flushes it to disk, and renames it over the old one (an atomic
replace), so a crash at any moment leaves either the old file or the new.
"""

from __future__ import annotations

import json
import math
import os
import sys
import tempfile
from typing import Any

import numpy as np

from . import tree as pytree

__all__ = ["load", "save"]

FORMAT = "tapegrad.io"
VERSION = 1


def save(path: str | os.PathLike[str], tree: Any) -> None:
    """Write the pytree ``tree`` to ``path`` as JSON, replacing it atomically.

    The text goes to a temporary file in the same folder, which then replaces
    ``path`` in one step: a crash mid-write leaves the old file whole. A new
    file gets the permissions the umask gives; a replaced one keeps its own.

    Args:
      path: The file to write.
      tree: A pytree of floats, ints, bools, strings, None and NumPy arrays.

    Raises:
      TypeError: a leaf JSON cannot hold exactly (the message names its path).

    Examples:
      >>> import math, os, tempfile
      >>> import tapegrad as tg
      >>> path = os.path.join(tempfile.mkdtemp(), "params.json")
      >>> tg.io.save(path, {"w": [0.1, -0.0, math.inf], "step": 3})
      >>> tg.io.load(path)
      {'step': 3, 'w': [0.1, -0.0, inf]}
    """
    text = json.dumps({"format": FORMAT, "version": VERSION,
                       "tree": _encode(tree, "tree")}, allow_nan=False)
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    mode = _mode_for(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp",
                               dir=folder)
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, mode)          # mkstemp makes 0600 whatever the umask
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    _fsync_folder(folder)


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
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        raise ValueError(f"tg.io.load: {path} does not exist.") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ValueError(f"tg.io.load: cannot read {path}: {e}.") from None
    try:
        doc = json.loads(text)
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
    try:
        result = _decode(doc["tree"])
    except _Malformed as e:
        raise ValueError(f"tg.io.load: {path} is malformed: {e}.") from None
    if like is not None:
        _check_like(path, result, like)
    return result


# ----------------------------------------------------------------- encoding
class _Malformed(Exception):
    pass


def _encode(x: Any, where: str) -> Any:
    """A JSON value for ``x``.

    Containers and special floats become objects with a ``$`` key, so that
    plain data stays plain.
    """
    t = type(x)
    if x is None or t is bool or t is int or t is str:
        return x
    if t is float or isinstance(x, np.floating):
        return _float(float(x))
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.bool_):
        return bool(x)
    if isinstance(x, np.ndarray):
        if x.dtype.kind not in "biuf":
            raise TypeError(f"tg.io.save: {where} is an array of dtype {x.dtype}; "
                            "only bool, int and float arrays can be saved.")
        return {"$array": [_float(v) if x.dtype.kind == "f" else v
                           for v in x.ravel().tolist()],
                "shape": list(x.shape), "dtype": str(x.dtype)}
    if t is list:
        return [_encode(v, f"{where}[{i}]") for i, v in enumerate(x)]
    if t is tuple:
        return {"$tuple": [_encode(v, f"{where}[{i}]") for i, v in enumerate(x)]}
    if t is dict:
        if all(type(k) is str and not k.startswith("$") for k in x):
            return {k: _encode(x[k], f"{where}[{k!r}]") for k in sorted(x)}
        return {"$dict": [[_encode(k, f"{where} key"), _encode(v, f"{where}[{k!r}]")]
                          for k, v in x.items()]}
    if isinstance(x, tuple) and hasattr(t, "_fields"):
        return {"$namedtuple": _name(t),
                "fields": {f: _encode(getattr(x, f), f"{where}.{f}") for f in t._fields}}
    entry = pytree._REGISTRY.get(t)
    if entry is not None:
        children, aux = entry.flatten(x)
        return {"$node": _name(t), "aux": _encode(aux, f"{where} (aux)"),
                "children": [_encode(c, f"{where}[{i}]") for i, c in enumerate(children)]}
    raise TypeError(f"tg.io.save: {where} is a {t.__name__}, which JSON cannot hold "
                    "exactly; save numbers, strings, arrays and pytree containers.")


def _float(v: float) -> Any:
    if math.isfinite(v):
        return v                       # json writes repr(v): exact, -0.0 included
    return {"$float": "nan" if v != v else ("inf" if v > 0 else "-inf")}


def _name(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def _decode(j: Any) -> Any:
    if j is None or isinstance(j, bool | int | float | str):
        return j
    if isinstance(j, list):
        return [_decode(v) for v in j]
    if not isinstance(j, dict):
        raise _Malformed(f"unexpected JSON value {j!r}")
    if len(j) == 1 and "$float" in j:
        names = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}
        if j["$float"] not in names:
            raise _Malformed(f"unknown special float {j['$float']!r}")
        return names[j["$float"]]
    if "$array" in j:
        return _array(j)
    if "$tuple" in j:
        return tuple(_decode(v) for v in _list(j["$tuple"], "$tuple"))
    if "$dict" in j:
        return {_decode(k): _decode(v) for k, v in _pairs(j["$dict"])}
    if "$namedtuple" in j:
        cls = _lookup(j["$namedtuple"])
        if not (isinstance(cls, type) and issubclass(cls, tuple) and hasattr(cls, "_fields")):
            raise _Malformed(f"{j['$namedtuple']} is not a NamedTuple")
        fields = j.get("fields")
        if not isinstance(fields, dict) or set(fields) != set(cls._fields):
            raise _Malformed(f"the fields of {j['$namedtuple']} do not match the class")
        return cls(**{f: _decode(v) for f, v in fields.items()})
    if "$node" in j:
        cls = _lookup(j["$node"])
        entry = pytree._REGISTRY.get(cls) if isinstance(cls, type) else None
        if entry is None:
            raise _Malformed(f"{j['$node']} is not registered with tg.tree.register")
        return entry.unflatten(_decode(j.get("aux")),
                               [_decode(c) for c in _list(j.get("children"), "children")])
    if any(k.startswith("$") for k in j):
        raise _Malformed(f"unknown entry {sorted(j)!r}")
    return {k: _decode(v) for k, v in j.items()}


def _array(j: dict[str, Any]) -> np.ndarray:
    try:
        values = [_decode(v) for v in _list(j["$array"], "$array")]
        return np.array(values, dtype=np.dtype(j["dtype"])).reshape(j["shape"])
    except (KeyError, TypeError, ValueError) as e:
        raise _Malformed(f"bad array entry ({e})") from None


def _list(v: Any, what: str) -> list[Any]:
    if not isinstance(v, list):
        raise _Malformed(f"{what} must be a list")
    return v


def _pairs(v: Any) -> list[Any]:
    pairs = _list(v, "$dict")
    if not all(isinstance(p, list) and len(p) == 2 for p in pairs):
        raise _Malformed("$dict must hold [key, value] pairs")
    return pairs


def _lookup(name: Any) -> Any:
    """The class ``module:qualname`` among modules already imported.

    Loading never imports (nor runs) anything.
    """
    if not isinstance(name, str) or ":" not in name:
        raise _Malformed(f"bad class name {name!r}")
    module, qualname = name.split(":", 1)
    obj: Any = sys.modules.get(module)
    if obj is None:
        raise _Malformed(f"it holds a {qualname} from module {module!r}, which is not "
                         f"imported; import {module} before loading")
    for part in qualname.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            raise _Malformed(f"module {module!r} has no class {qualname}")
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


def _mode_for(path: str) -> int:
    """The permissions the saved file gets: the old file's, else the umask's."""
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        return 0o666 & ~_umask()


def _umask() -> int:
    """The process's umask, read without changing it where the OS allows."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)               # elsewhere: set and restore at once
    os.umask(mask)
    return mask


def _fsync_folder(folder: str) -> None:
    """Make the rename itself durable (POSIX).

    A no-op where folders can't be opened.
    """
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
