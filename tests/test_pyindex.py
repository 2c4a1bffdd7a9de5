"""The source index answers as the walks of the whole file it replaces did.

``tapegrad.pyindex`` finds a line's nodes, the nodes around a node and the
loop whose body holds a line's ``if`` from one index per parsed file; each
answer must be the one ``ast.walk`` gives, in its order, on real programs
(loops in loops, functions in functions, lambdas, ``elif``, one-line
bodies).
"""

from __future__ import annotations

import ast
import inspect

import pytest
import real_programs9
import real_programs20

from tapegrad import pyindex

_SOURCES = [real_programs20._midpoint_integrate, real_programs20.powell_golden_line_searches,
            real_programs9]

_NESTED = '''
def outer(xs, w):
    def inner(v):
        while v > 1.0:
            if v > 4.0: break
            v = v / 2.0
        return v
    f = lambda t: t * w
    for x in xs:
        for k in range(3):
            if x > k:
                w = w + inner(x)
            elif x < -k:
                break
            else:
                w = f(w)
    return w
'''


def _trees() -> list[ast.Module]:
    return [ast.parse(_NESTED)] + [ast.parse(inspect.getsource(s)) for s in _SOURCES]


@pytest.mark.parametrize("tree", _trees(), ids=["nested", "integrate", "powell", "module"])
def test_the_nodes_of_each_line_are_the_walks(tree: ast.Module) -> None:
    lines: dict[int, list[ast.AST]] = {}
    for n in ast.walk(tree):                     # one walk, each line's nodes in its order
        lines.setdefault(getattr(n, "lineno", -1), []).append(n)
    for line in range(0, max(lines) + 2):
        want = lines.get(line, [])
        assert pyindex.on_line(tree, line) == tuple(want)
        for kinds in (ast.If, ast.While, (ast.While, ast.For)):
            assert pyindex.first_on_line(tree, line, kinds) is next(
                (n for n in want if isinstance(n, kinds)), None)


@pytest.mark.parametrize("tree", _trees()[:3], ids=["nested", "integrate", "powell"])
def test_the_nodes_around_each_node_are_the_walks(tree: ast.Module) -> None:
    nodes = pyindex.walked(tree)
    kinds = [(ast.FunctionDef, ast.Lambda), (ast.For, ast.While, ast.AsyncFor), ast.FunctionDef]
    for node in [n for n in nodes if isinstance(n, ast.stmt | ast.expr)]:    # not Load()
        for kind in kinds:
            assert pyindex.around(tree, node, kind) == [
                n for n in nodes if isinstance(n, kind) and node in pyindex.walked(n)]
    assert pyindex.around(tree, ast.parse("x = 1").body[0], ast.Assign) == []  # not in tree


@pytest.mark.parametrize("tree", _trees(), ids=["nested", "integrate", "powell", "module"])
def test_the_loop_holding_each_lines_if_is_the_walks(tree: ast.Module) -> None:
    held: dict[int, list[tuple[ast.AST, ast.If]]] = {}
    for n in ast.walk(tree):
        for s in getattr(n, "body", []) if isinstance(n, ast.For | ast.While) else []:
            if isinstance(s, ast.If):
                held.setdefault(s.lineno, []).append((n, s))
    for line in range(1, max(held, default=0) + 2):
        for loops in (ast.For, ast.While, (ast.For, ast.While)):
            want = next(((n, s) for n, s in held.get(line, []) if isinstance(n, loops)), None)
            got = pyindex.if_in_body(tree, line, loops)
            assert got == want or got is not None and want is not None and \
                got[0] is want[0] and got[1] is want[1]


def test_one_module_per_body_so_each_is_walked_once() -> None:
    tree = ast.parse(_NESTED)
    loop = next(n for n in ast.walk(tree) if isinstance(n, ast.While))
    assert pyindex.body_of(loop) is pyindex.body_of(loop)
    assert pyindex.body_of(loop).body is loop.body
    test = next(n for n in ast.walk(tree) if isinstance(n, ast.If) and n.orelse)
    assert pyindex.arms_of(test).body == test.body + test.orelse
