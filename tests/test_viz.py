"""Seeing the tape: the listing (parsed back into the same graph), DOT text
(parsed with pydot and checked against value_and_grad), rendering with
Graphviz, Jupyter display, and big tapes."""

from __future__ import annotations

import os
import re
import shutil
import xml.etree.ElementTree as ET

import numpy as np
import pydot
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_hypothesis import build, expr

import tapegrad as tg


def neuron(p, x1, x2):
    return tg.relu(p["w1"] * x1 + p["w2"] * x2 + p["b"])


ARGS = ({"w1": 0.5, "w2": -1.0, "b": 0.25}, 2.0, 0.5)


# ------------------------------------------------------------------ listing
LINE = re.compile(r"^v(\d+)(?::\S+)? = (\S+)(.*)$")


def parse_listing(text):
    """(records, outputs, names) from a printed tape: each record (op, operands)
    with operands 'v3' -> 3 and constants -> None; inputs as ('input', path);
    outputs on one line, or one a line with what each is (``# grad p['w']``)."""
    lines = text.splitlines()
    end = next(k for k, line in enumerate(lines) if line.startswith("outputs:"))
    records = []
    for k, line in enumerate(lines[:end]):
        m = LINE.match(line)
        assert m and int(m.group(1)) == k, line
        op, rest = m.group(2), m.group(3)
        if op == "input":
            records.append(("input", rest.split("# ", 1)[1]))
        else:
            records.append((op, tuple(int(t[1:]) if re.fullmatch(r"v\d+", t) else None
                                      for t in rest.split())))
    if lines[end] == "outputs:":
        block = [line.split("#", 1) for line in lines[end + 1:]]
        tokens, names = [t.strip() for t, _ in block], [n.strip() for _, n in block]
    else:
        assert end == len(lines) - 1
        tokens, names = lines[end].split()[1:], []
    outputs = [int(t[1:]) if re.fullmatch(r"v\d+", t) else None for t in tokens]
    return records, outputs, names


def graph_of(tape):
    records = [("input", tape.path(r.out)) if r.prim is None else
               (r.prim.name, tuple(a if isinstance(a, int) else None for a in r.args))
               for r in tape]
    outputs = [o if isinstance(o, int) else None for o in tape.outputs]
    return records, outputs, tape.output_names


def test_listing_of_a_neuron():
    tape = tg.make_tape(neuron)(*ARGS)
    text = str(tape)
    assert len(text.splitlines()) == len(tape) + 1
    assert "v9 = relu v8" in text and "# p['w1']" in text and "# x2" in text
    assert text.splitlines()[-1] == "outputs: v9"
    assert parse_listing(text) == graph_of(tape)
    with_values = tape.format(values=True).splitlines()
    assert with_values[5].endswith("= 1.0") and len(with_values) == len(tape) + 1


@settings(max_examples=60, deadline=None, derandomize=bool(os.environ.get("CI")))
@given(expr(4), st.booleans())
def test_parsing_the_listing_back_gives_the_same_graph(e, arrays):
    f = build(e)
    x = np.array([0.3, -0.7]) if arrays else 0.3
    for fun in (f, tg.grad(lambda x, y: tg.sum(f(x, y)), argnums=(0, 1))):
        tape = tg.make_tape(fun)(x, 1.1)
        assert parse_listing(str(tape)) == graph_of(tape)


def test_make_tape_of_grad_shows_forward_and_backward_records():
    f = lambda x: tg.tanh(x) * x
    first = tg.make_tape(f)(0.5)
    second = tg.make_tape(tg.grad(f))(0.5)
    third = tg.make_tape(tg.grad(tg.grad(f)))(0.5)
    assert len(first) < len(second) < len(third)
    assert "tanh" in str(second) and "sub" in str(second)      # 1 - tanh^2, recorded
    value = second.records[second.outputs[0]][1]
    assert value == pytest.approx(tg.grad(f)(0.5))


# ---------------------------------------------------------------------- DOT
def parse_dot(text):
    (graph,) = pydot.graph_from_dot_data(text)
    nodes = {n.get_name(): n.get_label().strip('"') for n in graph.get_nodes()
             if n.get_name() not in ("node", "graph", "edge")}
    edges = [(e.get_source(), e.get_destination()) for e in graph.get_edges()]
    return nodes, edges


def test_dot_nodes_edges_values_and_gradients():
    tape = tg.make_tape(neuron)(*ARGS)
    nodes, edges = parse_dot(tape.to_dot(grads=True))
    values = [n for n in nodes if re.fullmatch(r"v\d+", n)]
    ops = [n for n in nodes if n.endswith("_op")]
    assert len(values) == len(tape) == 10 and len(ops) == 5
    # each op: one edge into its value, one from each argument
    assert len(edges) == sum(1 + len(r.args) for r in tape if r.prim is not None)
    value, grads = tg.value_and_grad(neuron)(*ARGS)
    assert "data 0.7500" in nodes["v9"] and f"data {value:.4f}" in nodes["v9"]
    leaves = tg.tree.leaves(grads)          # b, w1, w2: inputs v0, v1, v2
    for i, g in enumerate(leaves):
        assert f"grad {g:.4f}" in nodes[f"v{i}"]
    assert "p['w1']" in nodes["v1"] and nodes["v9_op"] == "relu"
    assert ("v1", "v5_op") in edges and ("v5_op", "v5") in edges


def test_dot_constants_arrays_and_escaping():
    tape = tg.make_tape(lambda d: tg.sum(d["a|b"] * 2.0))({"a|b": np.array([1.0, 2.0])})
    nodes, edges = parse_dot(tape.to_dot(grads=True))
    assert nodes["v1_c1"] == "2.0" and ("v1_c1", "v1_op") in edges
    assert r"a\|b" in nodes["v0"] and "[2.0000, 2.0000]" in nodes["v0"]   # its gradient
    with pytest.raises(ValueError, match="2 outputs"):
        tg.make_tape(lambda x: [x, x])(1.0).to_dot(grads=True)


def test_big_tapes_collapse_unless_asked_and_never_recurse(monkeypatch):
    def chain(x):
        for _ in range(5_000):
            x = x * 1.0001
        return x
    tape = tg.make_tape(chain)(1.0)
    value_node = re.compile(r"^  (v\d+) \[shape=record", re.M)
    collapsed = tape.to_dot()
    assert len(value_node.findall(collapsed)) == tg.viz.MAX_NODES
    assert re.search(r"^  elided \[.*full=True", collapsed, re.M)
    # the same collapse parsed as DOT, at a tenth of the size (pydot parses 400 nodes slowly)
    monkeypatch.setattr(tg.viz, "MAX_NODES", tg.viz.MAX_NODES // 10)
    nodes, _ = parse_dot(tape.to_dot())
    assert "elided" in nodes and "full=True" in nodes["elided"]
    assert len([n for n in nodes if re.fullmatch(r"v\d+", n)]) == tg.viz.MAX_NODES
    assert len(value_node.findall(tape.to_dot())) == tg.viz.MAX_NODES
    full = tape.to_dot(full=True)       # too big for pydot's parser: count the nodes
    assert len(re.findall(r"^  v\d+ \[shape=record", full, re.M)) == len(tape)


def test_a_million_record_chain_exports_to_dot():
    def chain(x):
        for _ in range(1_000_000):
            x = x * 1.0
        return x
    tape = tg.make_tape(chain)(2.0)
    dot = tape.to_dot(full=True)
    # per mul record: value, op, op->value, const node, const->op, input->op
    assert dot.count("\n") == 3 + 1 + 6 * 1_000_000 + 1
    assert tape.to_dot().count("\n") < 7 * tg.viz.MAX_NODES + 10


# ---------------------------------------------------------------- rendering
HAVE_DOT = shutil.which("dot") is not None
needs_dot = pytest.mark.skipif(not HAVE_DOT and not os.environ.get("CI"),
                               reason="Graphviz's dot is not installed (CI installs it)")


@needs_dot
def test_draw_renders_svg_and_png(tmp_path):
    svg = tg.viz.draw(neuron, *ARGS, path=tmp_path / "neuron.svg")
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg") and "grad 2.0000" in open(svg).read()
    png = tg.viz.draw(neuron, *ARGS, path=tmp_path / "neuron.png")
    data = open(png, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 1000


@needs_dot
def test_jupyter_shows_a_picture():
    tape = tg.make_tape(neuron)(*ARGS)
    bundle = tape._repr_mimebundle_()
    assert bundle["text/plain"] == str(tape)
    assert "<svg" in bundle["image/svg+xml"]


def test_without_dot_draw_writes_the_dot_file_with_a_hint(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    out = tg.viz.draw(neuron, *ARGS, path=tmp_path / "neuron.svg")
    assert out == str(tmp_path / "neuron.dot") and "digraph tape" in open(out).read()
    hint = capsys.readouterr().out
    assert hint.count("\n") == 1 and "dot -Tsvg" in hint and "install" in hint
    tape = tg.make_tape(neuron)(*ARGS)
    assert tape._repr_svg_() is None and "image/svg+xml" not in tape._repr_mimebundle_()


# ----------------------------------------------------- a gradient's tape
def test_the_tape_of_a_gradient_names_what_each_output_is_the_gradient_of():
    tape = tg.make_tape(tg.grad(neuron))(*ARGS)
    lines = str(tape).splitlines()
    assert lines[-4:] == ["outputs:",
                          "  v11                 # grad p['b']",     # relu's slope, a where
                          "  v13                 # grad p['w1']",
                          "  v12                 # grad p['w2']"]
    both = tg.make_tape(tg.value_and_grad(neuron, argnums=(0, 2)))(*ARGS)
    assert both.output_names == ["value", "grad p['b']", "grad p['w1']", "grad p['w2']",
                                 "grad x2"]
    aux = tg.make_tape(tg.grad(lambda p, x: (neuron(p, x, 1.0), {"a": x}), has_aux=True))(
        ARGS[0], 2.0)
    assert aux.output_names[-1] == "aux['a']"
    plain = tg.make_tape(lambda x: {"a": x, "b": [x * x]})(2.0)
    assert plain.output_names == ["out['a']", "out['b'][0]"]


def test_draw_draws_the_tape_of_a_gradient_with_its_outputs_labelled(tmp_path):
    path = tg.viz.draw(tg.grad(neuron), *ARGS, path=tmp_path / "g.dot")
    nodes, edges = parse_dot(open(path).read())
    assert "v13 = grad p['w1']" in nodes["v13"] and "v12 = grad p['w2']" in nodes["v12"]
    assert "v11 = grad p['b']" in nodes["v11"] and "data 1.0000" in nodes["v11"]
    const = tg.viz.to_dot(tg.make_tape(tg.grad(lambda p: p["a"] * 2.0 + p["b"]))(
        {"a": 1.0, "b": 0.0}))
    assert "out0 [shape=record, label=\"{ grad p['a'] | data 2.0000 }\"" in const
    assert not any("grad 1.0000" in label for label in nodes.values())   # no gradients
    with pytest.raises(ValueError, match="grads=False"):
        tg.viz.draw(tg.grad(neuron), *ARGS, path=tmp_path / "h.dot", grads=True)
    one = tg.viz.draw(neuron, *ARGS, path=tmp_path / "n.dot")     # one output: gradients
    assert "grad 2.0000" in open(one).read()
