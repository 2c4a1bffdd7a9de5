"""The package's shape, read from its source with ``ast``: imports one way, sizes.

* No import cycle among tapegrad's modules, counting the imports made inside
  functions (a lazy import is a cycle postponed, not removed).
* No module over 400 lines, no function over 40, except the hot loops named
  in ``HOT_LOOPS`` below.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "tapegrad"
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 40

# Functions allowed over MAX_FUNCTION_LINES: hot loops whose inlined fast paths
# are on every transform's call path; splitting them adds a Python call per
# node or per leaf. Key: "module:function" (qualified with its class or outer
# function when nested); value: why.
HOT_LOOPS: dict[str, str] = {
    # flatten runs on every grad/jit/vmap call; its "node of leaves" and "row of
    # leaves" shortcuts are inlined so a list of floats costs no call per leaf.
    "tapegrad.tree:_flatten": "the one flatten loop, on jit's and grad's call path",
    # the tape players' loops read the record layout inline and keep the rule
    # lookup, the product and the accumulation in one frame (benchmarks/eager.py:
    # a call per record costs about a tenth of a backward pass)
    "tapegrad.reverse:backward": "the backward pass, once per record",
    "tapegrad.forward:forward": "the forward pass, once per record",
    # every traced binary operator runs this (Traced.__mul__ is apply_2): written
    # out to save attribute lookups and calls (benchmarks/eager.py, benchmarks/ab.py)
    "tapegrad.recording:binary_applier": "makes the applier below",
    "tapegrad.recording:binary_applier.apply_2": "every traced binary operator",
    # one sweep over every equation of a program (10^5 on the moons loop): the
    # renaming inlined (benchmarks/jit.py, first call)
    "tapegrad.staging.passes:_sweep": "the forward rewrites, once per equation",
}


def _module_name(path: Path, package: Path) -> str:
    parts = path.relative_to(package.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules(package: Path = PACKAGE) -> dict[str, Path]:
    return {_module_name(p, package): p for p in sorted(package.rglob("*.py"))}


def _is_package(name: str, modules: dict[str, Path]) -> bool:
    return modules[name].name == "__init__.py"


def _type_checking_only(tree: ast.Module) -> set[int]:
    """The ids of import nodes under ``if TYPE_CHECKING:`` (never run)."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    return skipped


def _targets(node: ast.Import | ast.ImportFrom, here: str,
             modules: dict[str, Path]) -> set[str]:
    """The tapegrad modules an import statement in module ``here`` imports."""
    found: set[str] = set()
    if isinstance(node, ast.Import):
        for alias in node.names:
            name = alias.name
            while name and name not in modules:      # import tapegrad.a.b as c
                name = name.rpartition(".")[0]
            if name:
                found.add(name)
        return found
    if node.level:
        package = here if _is_package(here, modules) else here.rpartition(".")[0]
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        base = f"{package}.{node.module}" if node.module else package
    else:
        base = node.module or ""
    if base not in modules:
        return found                                 # numpy, typing, ...
    for alias in node.names:                         # from . import x: module x
        sub = f"{base}.{alias.name}"
        found.add(sub if sub in modules else base)
    return found


def import_graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    """Module -> the package's modules it imports, at the top or inside functions."""
    modules = _modules(package)
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skipped = _type_checking_only(tree)
        edges: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom) and id(node) not in skipped:
                edges |= _targets(node, name, modules)
        edges.discard(name)
        graph[name] = edges
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle (as a path ``a, b, ..., a``) through each strongly connected component."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []
    for root in sorted(graph):                      # Tarjan's algorithm, iterative
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, it = work[-1]
            for nxt in it:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph[nxt]))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    comp = set()
                    while True:
                        m = stack.pop()
                        on_stack.discard(m)
                        comp.add(m)
                        if m == node:
                            break
                    if len(comp) > 1:
                        components.append(comp)
    return [_cycle_in(comp, graph) for comp in components]


def _cycle_in(comp: set[str], graph: dict[str, set[str]]) -> list[str]:
    """A shortest cycle through the first module of a strongly connected component."""
    start = min(comp)
    parents: dict[str, str] = {}
    frontier = [start]
    while frontier:                                  # breadth first, inside comp
        nxt_frontier = []
        for node in frontier:
            for nxt in sorted(graph[node] & comp):
                if nxt == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(parents[path[-1]])
                    return [start, *reversed(path[:-1]), start]
                if nxt not in parents:
                    parents[nxt] = node
                    nxt_frontier.append(nxt)
        frontier = nxt_frontier
    return sorted(comp)                              # unreachable for a real component


def test_cycle_finder_finds_a_cycle_and_accepts_a_dag():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]


def test_import_graph_reads_relative_absolute_and_function_level_imports(tmp_path):
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    files = {
        "__init__.py": "from . import a\nfrom .sub import c as c\n",
        "a.py": "from typing import TYPE_CHECKING\nimport numpy\nfrom .b import f\n"
                "if TYPE_CHECKING:\n    from .d import T\n",
        "b.py": "def f():\n    from . import d\n    import pkg.sub.c\n",
        "d.py": "from pkg import VALUE\n",
        "sub/__init__.py": "",
        "sub/c.py": "def g():\n    from .. import a\n    from ..sub import e\n",
        "sub/e.py": "",
    }
    for name, text in files.items():
        (pkg / name).write_text(text)
    assert import_graph(pkg) == {
        "pkg": {"pkg.a", "pkg.sub.c"}, "pkg.a": {"pkg.b"},   # TYPE_CHECKING: not run
        "pkg.b": {"pkg.d", "pkg.sub.c"}, "pkg.d": {"pkg"},    # a name from __init__
        "pkg.sub": set(), "pkg.sub.c": {"pkg.a", "pkg.sub.e"}, "pkg.sub.e": set()}
    assert cycles(import_graph(pkg)) == [["pkg", "pkg.a", "pkg.b", "pkg.d", "pkg"]]


def test_imports_point_one_way():
    found = cycles(import_graph())
    for cycle in found:
        print("import cycle: " + " -> ".join(cycle))
    assert not found, f"{len(found)} import cycle(s): " + "; ".join(
        " -> ".join(c) for c in found)


def _code_lines(fun: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """A function's length in lines, ``def`` to its end, its docstring not counted."""
    n = (fun.end_lineno or fun.lineno) - fun.lineno + 1
    first = fun.body[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and \
            isinstance(first.value.value, str):
        n -= (first.end_lineno or first.lineno) - first.lineno + 1
    return n


def _functions(tree: ast.Module) -> list[tuple[str, int]]:
    """Every function's qualified name and length in lines (``def`` to its end)."""
    out: list[tuple[str, int]] = []
    todo: list[tuple[ast.AST, str]] = [(tree, "")]
    while todo:
        node, prefix = todo.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = prefix + child.name
                if not isinstance(child, ast.ClassDef):
                    out.append((name, _code_lines(child)))
                todo.append((child, name + "."))
            else:
                todo.append((child, prefix))
    return out


def size_offenders() -> list[str]:
    """Modules over MAX_MODULE_LINES and functions over MAX_FUNCTION_LINES."""
    offenders: list[str] = []
    for name, path in _modules().items():
        text = path.read_text(encoding="utf-8")
        n = len(text.splitlines())
        if n > MAX_MODULE_LINES:
            offenders.append(f"module {name}: {n} lines")
        for fun, length in _functions(ast.parse(text)):
            if length > MAX_FUNCTION_LINES and f"{name}:{fun}" not in HOT_LOOPS:
                offenders.append(f"function {name}:{fun}: {length} lines")
    return offenders


def test_hot_loop_allowlist_names_real_functions():
    known = {f"{name}:{fun}" for name, path in _modules().items()
             for fun, _ in _functions(ast.parse(path.read_text(encoding="utf-8")))}
    assert set(HOT_LOOPS) <= known


def test_no_module_over_400_lines_and_no_function_over_40():
    offenders = size_offenders()
    for line in offenders:
        print(line)
    assert not offenders, f"{len(offenders)} over the limits:\n" + "\n".join(offenders)


# The layers, lowest first (docs/internals.md draws them): a module imports only
# modules of its own layer or below. Within a layer, the no-cycle test decides.
LAYERS: list[tuple[str, set[str]]] = [
    ("basics", {"errors", "treedef", "tree", "treewalk", "flat", "numerics", "atomic", "cofactors",
                "draws", "pysteps",
                "pysource", "pyindex", "pycounters", "pyfloat", "converted", "treecode", "renamed",
                "treeshow"}),
    ("numbers", {"values", "backends", "backend_rules", "builtins", "read_only"}),
    ("tapes", {"tape", "recording", "binding", "freezing"}),
    ("tables", {"staging.spellings", "batching.rules", "batching", "numpy_tables"}),
    ("primitives", {"primitive", "extend"}),
    ("blocks", {"augmented", "kinks", "ops", "logic", "shapes", "layouts", "indexing", "arrays",
                "reductions",
                "logsumexp", "elementary", "masks", "numpy_scalars", "promotion", "zero_dim"}),
    ("numpy", {"callers", "numpy_arguments", "numpy_advice", "numpy_dispatch",
               "scipy_refusals"}),
    ("numpy functions", {"along", "scans", "orderings", "statistics", "reshaping", "joins",
                         "flips", "diagonals", "contractions", "tensordot", "matrix",
                         "linalg", "scipy._multivariate_normal", "scipy.linalg",
                         "scipy._decompositions", "scipy._banded", "scipy._lu", "scipy._softmax",
                         "scipy._structured",
                         "scipy._betainc_grad",
                         "scipy.special", "scipy._numerics", "scipy._closures",
                         "scipy._gammainc", "scipy._betainc", "scipy._information",
                         "scipy.stats", "scipy._convolve", "scipy._correlate", "scipy.signal",
                         "scipy._lfilter", "scipy._savgol", "scipy.interpolate",
                         "scipy.ndimage", "scipy.fft",
                         "scipy._scipy_twins", "scipy._twins_more", "scipy._twins_poly",
                         "scipy._gamma_family", "scipy._special_more", "scipy._special_series",
                         "scipy._special_scipy",
                         "scipy._numpy_ops", "creation",
                         "scipy._twins_distributions",
                         "predicates", "differences", "pieces", "padding", "nans", "nanspread",
                         "quantiles", "quantile_q", "interpolation", "cardinal", "choices",
                         "polynomials", "polyroots", "writes", "writers", "flatiter", "stencils",
                         "bessel", "ranges",
                         "linalg_decomp", "linalg_qr", "eigen", "pseudoinverse", "vectors",
                         "nanargs",
                         "binning", "functional", "queries", "ufunc_methods", "ufunc_at",
                         "conditioning", "selections", "nanquantiles", "index_tricks",
                         "floatbits", "complexes", "series", "uniques", "spectra", "qr_wide"}),
    ("players", {"playback", "reverse", "forward", "staging", "staging.program",
                 "staging.passes", "staging.lower", "staging.standard", "staging.source",
                 "staging.cache",
                 "staging.rolling", "staging.rolled", "staging.rolled_while",
                 "staging.branches", "staging.branch_sites", "staging.copies",
                 "staging.rolled_if", "staging.verify", "staging.unshared",
                 "staging.branchy_back", "staging.back_sweep", "staging.rolled_back",
                 "staging.arms",
                 "staging.nested", "staging.branchy_while", "staging.while_source",
                 "staging.chains", "staging.lanes", "staging.packer", "staging.packing",
                 "staging.columns", "staging.grouping",
                 "staging.dots",
                 "staging.strided", "staging.pushed", "staging.joined", "staging.constant_steps",
                 "staging.shifted", "staging.registers", "staging.templates", "staging.returned",
                 "staging.items", "staging.spans", "staging.arg_keys", "staging.counted",
                 "staging.runs", "staging.nonneg", "staging.outer", "staging.view_grid",
                 "staging.compound", "staging.stepped", "staging.kinds",
                 "replay", "loop_seed"}),
    ("transforms", {"stale_views", "tracing", "seeds", "handed_back", "transforms", "jacobians",
                    "check",
                    "batching.interpret", "batching.axes", "batching.nested", "vmap", "vectorizing",
                    "batching.foreign",
                    "batching.quick",
                    "jit_traced", "jit_pickle", "jit_first", "jit", "solvers", "scipy.integrate",
                    "test_util",
                    "tracer",
                    "misc.fixed_points", "misc.operators", "misc.differential", "linearization",
                    "branches",
                    "loop_body",
                    "loop_prims",
                    "loop_rules", "loop_batching", "loops", "checkpoint",
                    "staging.loop_lowering", "batching.rolled", "batching.carries",
                    "batching.split", "batching.probes"}),
    ("presenters", {"viz", "io", "nn", "optim", "scipy", "", "misc", "misc.flatten",
                    "misc.optimizers", "misc.tracers", "parallel", "polynomial",
                    "polynomial.chebyshev", "polynomial.hermite", "polynomial.hermite_e",
                    "polynomial.laguerre", "polynomial.legendre", "polynomial.polynomial",
                    "polynomial.classes"}),
]


def _layer(module: str) -> int:
    name = module.removeprefix("tapegrad").removeprefix(".")
    for k, (_, members) in enumerate(LAYERS):
        if name in members or (name.startswith("scipy.stats.") and "scipy.stats" in members):
            return k
    raise KeyError(module)


def test_imports_respect_the_layers():
    graph = import_graph()
    unplaced = sorted(m for m in graph if not _has_layer(m))
    assert not unplaced, f"modules in no layer (add them to LAYERS): {unplaced}"
    wrong = [f"{a} ({LAYERS[_layer(a)][0]}) imports {b} ({LAYERS[_layer(b)][0]})"
             for a, targets in graph.items() for b in targets if _layer(b) > _layer(a)]
    for line in wrong:
        print(line)
    assert not wrong, f"{len(wrong)} import(s) point up a layer:\n" + "\n".join(wrong)


def _has_layer(module: str) -> bool:
    try:
        _layer(module)
    except KeyError:
        return False
    return True
