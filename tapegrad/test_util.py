"""autograd's ``check_grads`` convention: ``check_grads(fun, modes, order)(*args)``.

HIPS autograd spells the check as a function transform that checks the
derivatives with respect to one argument (``argnum``, default 0) at the
arguments it is called with, to order 2 by default. This is that spelling
over tapegrad's own checker (``tg.check_grads(fun, args, order, modes)``,
central differences along random directions, per pytree leaf). Unlike
autograd, the random directions come from a private generator: NumPy's
global random state is left as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import check
from .tree import flatten

__all__ = ["check_equivalent", "check_grads", "scalar_close"]


def check_grads(fun: Callable[..., Any], argnum: int | tuple[int, ...] = 0,
                modes: Sequence[str] = ("fwd", "rev"), order: int = 2
                ) -> Callable[..., None]:
    """Return a function that checks ``fun``'s derivatives at the arguments it gets.

    Args:
      fun: Function of numbers and pytrees of numbers.
      argnum: The positional argument(s) checked; the others are held fixed.
      modes: ``"fwd"``, ``"rev"`` or both.
      order: 1 checks first derivatives; 2 (autograd's default) also the
        derivatives of the derivative functions.

    Returns:
      ``checker(*args, **kwargs)``: returns None, or raises
      ``AssertionError`` naming the mode and the pytree path of the worst leaf.

    Examples:
      >>> import numpy as np
      >>> from tapegrad.test_util import check_grads
      >>> check_grads(lambda x: np.sum(np.sin(x) ** 2), modes=["rev"])(np.ones(3))
      >>> check_grads(lambda x, y: x * np.exp(y), argnum=1)(2.0, 0.5)
    """
    nums = (argnum,) if isinstance(argnum, int) else tuple(argnum)

    def checker(*args: Any, **kwargs: Any) -> None:
        def of_checked(*xs: Any) -> Any:
            full = list(args)
            for k, x in zip(nums, xs):
                full[k] = x
            return fun(*full, **kwargs)
        of_checked.__name__ = getattr(fun, "__name__", "fun")
        check.check_grads(of_checked, tuple(args[k] for k in nums), order=order, modes=modes)
    return checker


def check_equivalent(x: Any, y: Any) -> None:
    """Autograd's ``check_equivalent``: the same pytree of the same shapes, values within 1e-6.

    Examples:
      >>> from tapegrad.test_util import check_equivalent
      >>> check_equivalent({"a": [1.0, 2.0]}, {"a": [1.0, 2.0 + 1e-9]})
    """
    (xs, x_def), (ys, y_def) = flatten(x), flatten(y)
    assert x_def == y_def, f"structure mismatch:\nx: {x_def}\ny: {y_def}"
    for a, b in zip(xs, ys):
        assert np.shape(a) == np.shape(b), f"shape mismatch:\nx: {x}\ny: {y}"
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6, err_msg="value mismatch")


def scalar_close(a: Any, b: Any) -> bool:
    """Autograd's ``scalar_close``: within 1e-6, absolutely or relatively to ``a + b``.

    Examples:
      >>> from tapegrad.test_util import scalar_close
      >>> scalar_close(1.0, 1.0 + 1e-9), scalar_close(1e9, 1e9 + 1.0), scalar_close(1.0, 1.1)
      (True, True, False)
    """
    return bool(abs(a - b) < 1e-6 or abs(a - b) / abs(a + b) < 1e-6)
