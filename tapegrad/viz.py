"""Show a tape: as text, one line per record, and as a Graphviz graph.

The listing (``print(tape)``)::

    v0 = input            # x
    v1 = input            # y
    v2 = mul v0 v1
    v3 = sin v2
    outputs: v3

Array values show their shape (``v4:f64[100] = mul v0 v3``); constants are
printed inline; a value of an outer tape (nested transforms) prints as ``^``
followed by its id there.

The graph (``tape.to_dot()``, ``tg.viz.draw``) draws what micrograd's
``trace_graph`` draws: one box per value with its label, its value and, when
asked, its gradient (``{ label | data | grad }``), and one oval per
operation. Both take time linear in the tape and use no recursion.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from typing import Any

import numpy as np

from .reverse import backward
from .tape import Const, Tape, _const, _kind, format_tape
from .transforms import make_tape
from .values import primal_value

__all__ = ["MAX_NODES", "draw", "format_tape", "gradients", "render", "svg", "to_dot"]

MAX_NODES = 400
"""Above this many records, ``to_dot`` draws the first and last records and
one node standing for the rest; ``full=True`` draws everything."""


# -------------------------------------------------------------------- graph
def gradients(tape: Tape) -> list[Any]:
    """The gradient of the tape's output with respect to every record.

    Its cotangent when the tape is played backwards from the output with
    seed 1.

    Args:
      tape: A tape with one scalar output, from [make_tape][tapegrad.make_tape].

    Returns:
      A list indexed by record id: each value's gradient, or None where the
      output does not depend on it.

    Raises:
      ValueError: if the tape has not exactly one scalar output on it.
    """
    why = _no_gradients(tape)
    out = tape.outputs[0] if not why else None
    if not isinstance(out, int):
        raise ValueError(f"gradients: {why}")
    return backward(tape, [(out, 1.0)])


def _no_gradients(tape: Tape) -> str:
    """Why the tape's gradients cannot be drawn, or "" when they can."""
    n = len(tape.outputs)
    if n != 1:
        return (f"the tape has {n} outputs; gradients are drawn for a function with "
                "one scalar output. Draw it with grads=False (the tape of tg.grad(f) "
                "has one output per parameter: its records already are the gradient).")
    out = tape.outputs[0]
    if not isinstance(out, int):
        return "the output is a constant, not computed from the inputs."
    if _kind(tape.records[out][1]):
        return (f"the output is an array ({_kind(tape.records[out][1])}); reduce it with "
                "tg.sum or tg.mean to draw gradients, or draw it with grads=False.")
    return ""


def to_dot(tape: Tape, rankdir: str = "LR", grads: bool | Sequence[Any] = False,
           full: bool = False) -> str:
    """The tape as Graphviz DOT text.

    Args:
      tape: The tape to draw.
      rankdir: Graphviz layout direction: ``"LR"`` (left to right) or ``"TB"``.
      grads: ``True`` to show each value's gradient with respect to the
        (scalar) output, or a list of them by record id.
      full: Draw every record even on a big tape (see [MAX_NODES][tapegrad.viz.MAX_NODES]).

    Returns:
      DOT text: a value node ``v{i}`` per record, an operation node
      ``v{i}_op`` per non-input record, a node ``v{i}_c{k}`` per constant
      argument, and the edges between them.
    """
    g = gradients(tape) if grads is True else (list(grads) if grads else None)
    shown, hidden = _visible(len(tape.records), full)
    lines = ["digraph tape {", f"  rankdir={rankdir};",
             '  node [fontname="Helvetica", fontsize=11];']
    out_names = _output_names(tape)
    hidden_used = False
    for i in shown:
        hidden_used |= _draw_record(lines, tape, i, g, out_names, hidden)
    for k, (o, name) in enumerate(zip(tape.outputs, tape.output_names)):
        if not isinstance(o, int):        # a constant output: no record draws it
            lines.append(f'  out{k} [shape=record, label="{{ {_escape(name)} | data '
                         f'{_short(o.value)} }}", style="filled", fillcolor="#d8e8ff"];')
    if hidden:
        lines.append(f'  elided [shape=box, style=dashed, label="{len(hidden):,} records '
                     'not drawn: to_dot(full=True) draws them"];')
        if not hidden_used:
            lines.append(f"  v{MAX_NODES // 2 - 1} -> elided [style=dashed];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _output_names(tape: Tape) -> dict[int, list[str]]:
    """Record id -> the names of the outputs it is (an output may be named twice)."""
    out_names: dict[int, list[str]] = {}
    for o, name in zip(tape.outputs, tape.output_names or [""] * len(tape.outputs)):
        if isinstance(o, int):
            out_names.setdefault(o, []).append(name)
    return out_names


def _draw_record(lines: list[str], tape: Tape, i: int, g: list[Any] | None,
                 out_names: dict[int, list[str]], hidden: range) -> bool:
    """Append record ``i``'s value node, operation node and edges to ``lines``.

    Returns whether an edge comes from a record that is not drawn.
    """
    prim, _, args, ans = tape.record(i)
    name = tape.path(i) if prim is None else f"v{i}"
    what = ", ".join(n for n in out_names.get(i, ()) if n)
    if what:                           # an output: say what it is
        name = f"{name} = {what}"
    fields = [_escape(name), f"data {_short(ans)}"]
    if g is not None:
        fields.append(f"grad {_short(g[i])}" if g[i] is not None else "grad 0")
    style = ', style="filled", fillcolor="#d8e8ff"' if i in out_names else ""
    lines.append(f'  v{i} [shape=record, label="{{ {" | ".join(fields)} }}"{style}];')
    if prim is None:
        return False
    lines.append(f'  v{i}_op [shape=ellipse, label="{_escape(prim.name)}"];')
    lines.append(f"  v{i}_op -> v{i};")
    hidden_used = False
    for k, j in enumerate(args):
        if isinstance(j, Const):
            lines.append(f'  v{i}_c{k} [shape=plaintext, label="{_escape(_const(j.value))}"];')
            lines.append(f"  v{i}_c{k} -> v{i}_op;")
        elif j in hidden:
            hidden_used = True
            lines.append(f"  elided -> v{i}_op;")
        else:
            lines.append(f"  v{j} -> v{i}_op;")
    return hidden_used


def _visible(n: int, full: bool) -> tuple[Sequence[int], range]:
    """The record ids drawn, and the range left out (empty when all fit)."""
    if full or n <= MAX_NODES:
        return range(n), range(0)
    head = MAX_NODES // 2
    tail = MAX_NODES - head
    return [*range(head), *range(n - tail, n)], range(head, n - tail)


def _short(x: Any) -> str:
    x = primal_value(x)
    if isinstance(x, np.ndarray):
        if x.size <= 3:
            return "[" + ", ".join(f"{v:.4f}" for v in x.ravel()) + "]"
        return f"{_kind(x)}"
    if isinstance(x, float | int):
        return f"{x:.4f}"
    return str(x)


def _escape(text: str) -> str:
    """Escape what a Graphviz record label treats as syntax."""
    for ch in '\\{}|<>"':
        text = text.replace(ch, "\\" + ch)
    return text


# ------------------------------------------------------------------ render
def render(dot: str, path: str | os.PathLike[str]) -> str:
    """Render DOT text to ``path`` with Graphviz's ``dot`` program.

    The format comes from the extension: svg, png or pdf.

    Args:
      dot: DOT text, as from [to_dot][tapegrad.viz.to_dot].
      path: Where to write.

    Returns:
      The path written. Without ``dot`` installed, the DOT text goes to the
      same path with the extension ``.dot``, and a one-line hint says how to
      render it.
    """
    path = os.fspath(path)
    base, ext = os.path.splitext(path)
    fmt = ext.lstrip(".").lower() or "svg"
    exe = shutil.which("dot")
    if exe is None or fmt == "dot":
        dot_path = base + ".dot"
        with open(dot_path, "w", encoding="utf-8") as f:
            f.write(dot)
        if fmt != "dot":
            print(f"tapegrad: Graphviz's dot is not installed, so wrote {dot_path}; "
                  f"render it with `dot -T{fmt} {dot_path} -o {path}` after installing "
                  "graphviz (apt install graphviz, brew install graphviz).")
        return dot_path
    subprocess.run([exe, f"-T{fmt}", "-o", path], input=dot.encode("utf-8"), check=True)
    return path


def draw(fun: Any, *args: Any, path: str | os.PathLike[str] = "graph.svg",
         grads: bool | None = None, rankdir: str = "LR", full: bool = False) -> str:
    """Record ``fun(*args)``, compute the gradients, and draw the tape.

    Any function of numbers can be drawn, a transformed one too:
    ``draw(tg.grad(f), params)`` draws the tape of the gradient, each output
    labelled with the parameter it is the gradient of.

    Args:
      fun: A function of pytrees of numbers.
      args: Its arguments; every leaf becomes an input node.
      path: Where to write; the extension picks the format (``.svg``,
        ``.png``, ``.pdf``, or ``.dot`` for the text).
      grads: Show each value's gradient with respect to the output. By
        default they are shown when ``fun`` returns one scalar; ``True``
        insists (a ``ValueError`` says why it cannot), ``False`` never.
      rankdir: Graphviz layout direction: ``"LR"`` or ``"TB"``.
      full: Draw every record even on a big tape.

    Returns:
      The path written (``.dot`` when Graphviz is not installed).

    Examples:
      >>> import os, tempfile
      >>> import tapegrad as tg
      >>> path = os.path.join(tempfile.mkdtemp(), "neuron.dot")
      >>> out = tg.viz.draw(lambda w, x: tg.relu(w * x), 0.5, 2.0, path=path)
      >>> "grad 2.0000" in open(out).read()
      True
    """
    tape = make_tape(fun)(*args)
    if grads is None:
        grads = not _no_gradients(tape)
    return render(to_dot(tape, rankdir=rankdir, grads=grads, full=full), path)


def svg(tape: Tape) -> str | None:
    """The tape drawn as SVG text, or None without Graphviz (for Jupyter)."""
    exe = shutil.which("dot")
    if exe is None:
        return None
    done = subprocess.run([exe, "-Tsvg"], input=to_dot(tape).encode("utf-8"),
                          capture_output=True, check=True)
    return done.stdout.decode("utf-8")


# ------------------------------------------------- what viz adds to a Tape
def _to_dot_method(self: Tape, rankdir: str = "LR", grads: bool = False,
                   full: bool = False) -> str:
    """The tape as Graphviz DOT text; see [tg.viz.to_dot][tapegrad.viz.to_dot].

    A box per value (label, value and, with ``grads=True``, its
    gradient), an oval per operation.

    Args:
      self: The tape to draw.
      rankdir: Graphviz layout direction: ``"LR"`` or ``"TB"``.
      grads: Also show each value's gradient with respect to the output.
      full: Draw every record even on a big tape.

    Returns:
      DOT text, for ``tg.viz.render`` or Graphviz's ``dot``.

    Examples:
      >>> import tapegrad as tg
      >>> dot = tg.make_tape(lambda x: x * x)(3.0).to_dot(grads=True)
      >>> "data 9.0000" in dot and "grad 6.0000" in dot
      True
    """
    return to_dot(self, rankdir=rankdir, grads=grads, full=full)


def _repr_svg_(self: Tape) -> str | None:
    """Jupyter draws a tape as a graph when Graphviz is installed."""
    return svg(self)


def _repr_mimebundle_(self: Tape, include: Any = None, exclude: Any = None) -> dict[str, str]:
    """The listing as text, and the graph as SVG when Graphviz is installed."""
    bundle = {"text/plain": self.format()}
    picture = _repr_svg_(self)
    if picture is not None:
        bundle["image/svg+xml"] = picture
    return bundle


Tape.to_dot = _to_dot_method                    # type: ignore[attr-defined]
Tape._repr_svg_ = _repr_svg_                    # type: ignore[attr-defined]
Tape._repr_mimebundle_ = _repr_mimebundle_      # type: ignore[attr-defined]
