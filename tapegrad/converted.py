"""Where NumPy converted a traced value: advice read from the user's own expression.

NumPy's C code turns a traced value into an array with ``np.asarray`` (which
cannot hold one) in a few common spellings: ``np.array([[c, -s], [s, c]])``,
``x = np.asarray(x)``, a cast ``np.float64(x)``, a NumPy function given a
Python list of traced numbers (``np.exp([a, b])``), and a random draw with a
traced parameter (``rng.normal(loc=mu)``). Each gets the spelling that works,
built from the expression the user wrote (``pysource.running`` reads it).
"""

from __future__ import annotations

import ast

__all__ = ["CASTS", "as_stack", "drawn", "listed"]

CASTS = {"float64", "float32", "float16", "double", "single", "int64", "int32"}

_SEQUENCES = {"concatenate", "stack", "vstack", "hstack", "column_stack", "dstack", "block",
              "linalg.multi_dot", "append"}    # their argument is a list of arrays already

_DRAWS = {"normal", "uniform", "exponential", "gamma", "beta", "lognormal", "laplace",
          "logistic", "gumbel", "standard_t", "multivariate_normal", "dirichlet", "choice",
          "binomial", "poisson", "multinomial", "weibull", "rayleigh", "vonmises", "wald",
          "triangular", "chisquare", "pareto", "geometric", "negative_binomial"}


def _call(text: str) -> ast.Call | None:
    try:
        node = ast.parse(text, mode="eval").body
    except SyntaxError:
        return None
    return node if isinstance(node, ast.Call) else None


def _stacked(node: ast.expr) -> str:
    """A list literal as the ``np.stack`` that builds it (nested lists too; numbers stay)."""
    if isinstance(node, ast.List | ast.Tuple) and not all(
            isinstance(e.operand if isinstance(e, ast.UnaryOp) else e, ast.Constant)
            for e in node.elts):
        return f"np.stack([{', '.join(_stacked(e) for e in node.elts)}])"
    if isinstance(node, ast.ListComp):
        return f"np.stack({ast.unparse(node)})"
    return ast.unparse(node)


def as_stack(source: str, method: str, sequence: bool = False) -> str:
    """Advice for ``np.array(source)`` on traced values: the ``np.stack`` that builds it.

    ``sequence``: ``source`` names a list or tuple (``np.array(ys)``), not an array.
    """
    call = _call(f"f({source})")
    node = call.args[0] if call is not None and call.args else None
    if sequence:
        return (f"{source} is a list of traced values: NumPy's np.{method} would convert "
                f"each and drop their derivative. Stack them instead: np.stack({source}) "
                "(np.stack runs tg.stack).")
    if not isinstance(node, ast.List | ast.Tuple):
        return (f"{source} is traced, and tapegrad's arrays act as NumPy's already: write "
                f"{source} (and {source}.astype(np.float64) for a cast; tg.stack for a "
                f"list of traced values). NumPy's np.{method} would convert it and drop "
                "its derivative.")
    return (f"NumPy's np.{method} would convert the traced values it holds and drop their "
            f"derivative. Stack them instead: {_stacked(node)} (np.stack runs tg.stack).")


def listed(text: str, name: str) -> str | None:
    """Advice for ``np.<name>(...)`` given Python lists of traced values, or None.

    ``np.exp([a, b])`` is ``np.exp(np.stack([a, b]))``; the list a
    sequence function takes stays (``np.concatenate([np.stack([a]), b])``).
    """
    call = _call(text)
    if call is None or not any(isinstance(a, ast.List | ast.Tuple | ast.ListComp)
                               for a in call.args):
        return None

    def spelled(a: ast.expr) -> str:
        if name in _SEQUENCES and isinstance(a, ast.List | ast.Tuple):
            return f"[{', '.join(_stacked(e) for e in a.elts)}]"
        return _stacked(a)
    args = [spelled(a) for a in call.args] + [ast.unparse(k) for k in call.keywords]
    return (f"np.{name} was given a list or tuple holding traced values, which NumPy turns "
            f"into an array with np.asarray, dropping the derivative. Stack it first: "
            f"{ast.unparse(call.func)}({', '.join(args)}).")


def drawn(text: str) -> str | None:
    """Advice for a random draw (``rng.normal(loc=mu)``) with a traced parameter, or None."""
    call = _call(text)
    func = call.func if call is not None else None
    if not isinstance(func, ast.Attribute) or func.attr not in _DRAWS:
        return None
    return (f"{text} draws with a traced parameter, which NumPy converts to a plain number, "
            "dropping its derivative. Draw with constant parameters and move the draw "
            "instead (loc + scale * rng.standard_normal(shape) for a normal, "
            "low + (high - low) * rng.random(shape) for a uniform); a discrete draw "
            "(choice, binomial) has no derivative: give it plain numbers.")
