"""autograd's products with the Hessian and the Jacobian, with its signatures.

``hessian_vector_product(fun, argnum)`` (autograd's name, also
``hessian_tensor_product``) returns ``hvp(*args, vector)``: the Hessian of
``fun`` at ``args`` times ``vector``, as the gradient of
``<grad(fun), vector>`` (reverse over reverse, as autograd computes it).
``tensor_jacobian_product`` (``vector_jacobian_product``) returns
``vjp(*args, tensor)``: the Jacobian of ``<tensor, fun>``, so a tensor with
fewer axes than ``fun``'s output contracts its leading axes (autograd's
rule). tapegrad's own spellings are ``tg.hvp(fun, primals, tangents)``
(forward over reverse) and ``tg.vjp``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..jacobians import jacobian
from ..transforms import grad

__all__ = ["hessian_tensor_product", "hessian_vector_product", "tensor_jacobian_product",
           "vector_jacobian_product"]


def hessian_tensor_product(fun: Callable[..., Any], argnum: int = 0) -> Callable[..., Any]:
    """Return ``hvp(*args, tensor)``: the Hessian of ``fun`` at ``args`` times ``tensor``.

    Args:
      fun: A function returning a scalar.
      argnum: The argument differentiated (twice).

    Returns:
      A function of ``fun``'s arguments followed by the tensor, shaped like
      that argument; keyword arguments are passed to ``fun``.

    Examples:
      >>> import numpy as np
      >>> from tapegrad import hessian_vector_product
      >>> f = lambda x: np.sum(x ** 3)                 # Hessian: diag(6 x)
      >>> hessian_vector_product(f)(np.array([1.0, 2.0]), np.array([1.0, 1.0]))
      array([ 6., 12.])
    """
    fun_grad = grad(fun, argnum)

    def vector_dot_grad(*args: Any, **kwargs: Any) -> Any:
        args, vector = args[:-1], args[-1]
        return np.tensordot(fun_grad(*args, **kwargs), vector, np.ndim(vector))
    return grad(vector_dot_grad, argnum)


hessian_vector_product = hessian_tensor_product


def tensor_jacobian_product(fun: Callable[..., Any], argnum: int = 0) -> Callable[..., Any]:
    """Return ``vjp(*args, tensor)``: ``tensor`` times the Jacobian of ``fun`` at ``args``.

    Args:
      fun: A function of arrays.
      argnum: The argument differentiated.

    Returns:
      A function of ``fun``'s arguments followed by a tensor shaped like
      ``fun``'s output, returning an array shaped like that argument; a
      tensor shaped like the output's leading axes contracts those, and the
      result has the remaining output axes in front.

    Examples:
      >>> import numpy as np
      >>> from tapegrad.misc.operators import vector_jacobian_product
      >>> vector_jacobian_product(lambda x: x ** 2)(np.array([1.0, 2.0]), np.array([1.0, 3.0]))
      array([ 2., 12.])
    """
    def vector_dot_fun(*args: Any, **kwargs: Any) -> Any:
        args, vector = args[:-1], args[-1]
        return np.tensordot(vector, fun(*args, **kwargs), axes=np.ndim(vector))
    return jacobian(vector_dot_fun, argnum)


vector_jacobian_product = tensor_jacobian_product
