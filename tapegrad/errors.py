"""Exception classes and the messages shared by several modules."""

from __future__ import annotations


class EscapedTracerError(RuntimeError):
    """A traced value was used after the transform that made it returned.

    Traced values live only while their transform runs. Storing one in a
    global or a closure and using it later would silently give wrong
    derivatives, so tapegrad refuses instead.
    """


ESCAPED_MSG = (
    "a traced value was used after its transform returned (its tape is gone). "
    "Return values from the function you transform instead of storing them in "
    "globals or closures, or use tg.stop_gradient inside the transform.")

FLOAT_MSG = (
    "{what}() of a traced value would drop its derivative. Use tapegrad's own "
    "functions on traced values (tg.exp, tg.log, tg.sin, ... instead of math.*), "
    "tg.where instead of a branch on a batched value, or tg.stop_gradient(x) "
    "if no derivative should flow.")
