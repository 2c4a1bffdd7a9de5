"""tapegrad: autodiff on a Wengert tape, with JAX's function transforms.

Examples:
  >>> import tapegrad as tg
  >>> tg.grad(lambda p: p["w"] ** 2 + p["b"])({"w": 3.0, "b": 1.0})
  {'b': 1.0, 'w': 6.0}
"""

from . import augmented as _augmented  # noqa: F401  (u -= v on a traced array keeps its dtype)
from . import conditioning as _conditioning  # noqa: F401  (np.linalg.cond, matrix_rank)
from . import eigen as _eigen  # noqa: F401  (np.linalg.eig and eigvals, real eigenvalues)
from . import flatiter as _flatiter  # noqa: F401  (x.flat[k] read and written on Traced)
from . import io as io
from . import linalg as linalg
from . import logic as _logic  # noqa: F401  (comparisons, &, |, ~ and bool() on Traced)
from . import nn as nn
from . import numpy_dispatch as _numpy_dispatch  # noqa: F401  (NumPy functions on Traced)
from . import optim as optim
from . import queries as _queries  # noqa: F401  (np.result_type, np.isrealobj... of Traced)
from . import renamed as _renamed
from . import replay as _replay  # noqa: F401  (calling a Tape replays it)
from . import stale_views as _stale_views  # noqa: F401  (a view read after a write refused)
from . import statistics as statistics
from . import tree as tree
from . import ufunc_at as _ufunc_at  # noqa: F401  (np.add.at, .reduceat)
from . import ufunc_methods as _ufunc_methods  # noqa: F401  (np.add.outer, .reduce, .accumulate)
from . import viz as viz
from . import writers as _writers  # noqa: F401  (x[i] = v, np.put_along_axis... on Traced)
from .arrays import concatenate as concatenate
from .arrays import matmul as matmul
from .arrays import stack as stack
from .bessel import i0 as i0
from .binning import bincount as bincount
from .binning import digitize as digitize
from .binning import histogram as histogram
from .binning import histogram_bin_edges as histogram_bin_edges
from .binning import isin as isin
from .binning import searchsorted as searchsorted
from .branches import cond as cond
from .branches import switch as switch
from .cardinal import sinc as sinc
from .check import check_grads as check_grads
from .checkpoint import checkpoint as checkpoint
from .checkpoint import checkpoint as remat
from .choices import select as select
from .contractions import einsum as einsum
from .creation import angle as angle
from .creation import asarray_chkfinite as asarray_chkfinite
from .creation import broadcast_arrays as broadcast_arrays
from .creation import copy as copy
from .creation import empty_like as empty_like
from .creation import full_like as full_like
from .creation import imag as imag
from .creation import meshgrid as meshgrid
from .creation import ones_like as ones_like
from .creation import real as real
from .creation import real_if_close as real_if_close
from .creation import require as require
from .creation import zeros_like as zeros_like
from .diagonals import diag as diag
from .diagonals import diagflat as diagflat
from .diagonals import diagonal as diagonal
from .differences import convolve as convolve
from .differences import correlate as correlate
from .differences import cross as cross
from .differences import diff as diff
from .differences import ediff1d as ediff1d
from .differences import kron as kron
from .differences import polyval as polyval
from .differences import trapezoid as trapezoid
from .differences import vdot as vdot
from .elementary import arccos as arccos
from .elementary import arccosh as arccosh
from .elementary import arcsin as arcsin
from .elementary import arcsinh as arcsinh
from .elementary import arctan2 as arctan2
from .elementary import arctanh as arctanh
from .elementary import cbrt as cbrt
from .elementary import copysign as copysign
from .elementary import deg2rad as deg2rad
from .elementary import degrees as degrees
from .elementary import exp2 as exp2
from .elementary import float_power as float_power
from .elementary import fmax as fmax
from .elementary import fmin as fmin
from .elementary import fmod as fmod
from .elementary import heaviside as heaviside
from .elementary import hypot as hypot
from .elementary import isfinite as isfinite
from .elementary import isinf as isinf
from .elementary import isnan as isnan
from .elementary import log2 as log2
from .elementary import log10 as log10
from .elementary import logaddexp2 as logaddexp2
from .elementary import logical_xor as logical_xor
from .elementary import rad2deg as rad2deg
from .elementary import radians as radians
from .elementary import reciprocal as reciprocal
from .elementary import signbit as signbit
from .elementary import spacing as spacing
from .errors import EscapedTracerError as EscapedTracerError
from .errors import GuardError as GuardError
from .flips import fftshift as fftshift
from .flips import flip as flip
from .flips import fliplr as fliplr
from .flips import flipud as flipud
from .flips import ifftshift as ifftshift
from .flips import roll as roll
from .floatbits import frexp as frexp
from .floatbits import ldexp as ldexp
from .floatbits import modf as modf
from .floatbits import nextafter as nextafter
from .functional import apply_along_axis as apply_along_axis
from .functional import apply_over_axes as apply_over_axes
from .functional import piecewise as piecewise
from .index_tricks import c_ as c_
from .index_tricks import r_ as r_
from .indexing import take as take
from .interpolation import interp as interp
from .jacobians import elementwise_grad as elementwise_grad
from .jacobians import hessian as hessian
from .jacobians import hvp as hvp
from .jacobians import jacfwd as jacfwd
from .jacobians import jacobian as jacobian
from .jacobians import jacrev as jacrev
from .jit import jit as jit
from .joins import block as block
from .joins import column_stack as column_stack
from .joins import dstack as dstack
from .joins import hstack as hstack
from .joins import repeat as repeat
from .joins import tile as tile
from .joins import vstack as vstack
from .kinks import abs as abs
from .kinks import clip as clip
from .kinks import maximum as maximum
from .kinks import minimum as minimum
from .kinks import relu as relu
from .kinks import sign as sign
from .kinks import stop_gradient as stop_gradient
from .kinks import where as where
from .linearization import linear_transpose as linear_transpose
from .linearization import linearize as linearize
from .logsumexp import logsumexp as logsumexp
from .logsumexp import softmax as softmax
from .loops import fori_loop as fori_loop
from .loops import scan as scan
from .loops import while_loop as while_loop
from .misc.differential import deriv as deriv
from .misc.differential import grad_and_aux as grad_and_aux
from .misc.differential import grad_named as grad_named
from .misc.differential import make_ggnvp as make_ggnvp
from .misc.differential import make_hvp as make_hvp
from .misc.differential import make_jvp as make_jvp
from .misc.differential import make_vjp as make_vjp
from .misc.differential import multigrad_dict as multigrad_dict
from .misc.operators import hessian_tensor_product as hessian_tensor_product
from .misc.operators import hessian_vector_product as hessian_vector_product
from .misc.operators import tensor_jacobian_product as tensor_jacobian_product
from .misc.operators import vector_jacobian_product as vector_jacobian_product
from .nanargs import nanargmax as nanargmax
from .nanargs import nanargmin as nanargmin
from .nanquantiles import nanpercentile as nanpercentile
from .nanquantiles import nanquantile as nanquantile
from .nans import nan_to_num as nan_to_num
from .nans import nancumprod as nancumprod
from .nans import nancumsum as nancumsum
from .nans import nanmax as nanmax
from .nans import nanmean as nanmean
from .nans import nanmedian as nanmedian
from .nans import nanmin as nanmin
from .nans import nanprod as nanprod
from .nans import nansum as nansum
from .nans import ptp as ptp
from .nanspread import nanstd as nanstd
from .nanspread import nanvar as nanvar
from .numerics import debug_nans as debug_nans
from .ops import arctan as arctan
from .ops import cos as cos
from .ops import cosh as cosh
from .ops import exp as exp
from .ops import expm1 as expm1
from .ops import log as log
from .ops import log1p as log1p
from .ops import logaddexp as logaddexp
from .ops import power as power
from .ops import sigmoid as sigmoid
from .ops import sin as sin
from .ops import sinh as sinh
from .ops import softplus as softplus
from .ops import sqrt as sqrt
from .ops import square as square
from .ops import tan as tan
from .ops import tanh as tanh
from .orderings import argmax as argmax
from .orderings import argmin as argmin
from .orderings import argsort as argsort
from .orderings import partition as partition
from .orderings import sort as sort
from .padding import pad as pad
from .parallel import data_parallel as data_parallel
from .pieces import append as append
from .pieces import array_split as array_split
from .pieces import delete as delete
from .pieces import dsplit as dsplit
from .pieces import hsplit as hsplit
from .pieces import insert as insert
from .pieces import rot90 as rot90
from .pieces import split as split
from .pieces import take_along_axis as take_along_axis
from .pieces import tril as tril
from .pieces import triu as triu
from .pieces import unstack as unstack
from .pieces import vsplit as vsplit
from .polynomials import poly as poly
from .polynomials import polyadd as polyadd
from .polynomials import polyder as polyder
from .polynomials import polyfit as polyfit
from .polynomials import polyint as polyint
from .polynomials import polymul as polymul
from .polynomials import polysub as polysub
from .polynomials import vander as vander
from .polyroots import polydiv as polydiv
from .polyroots import roots as roots
from .predicates import all as all
from .predicates import allclose as allclose
from .predicates import any as any
from .predicates import array_equal as array_equal
from .predicates import array_equiv as array_equiv
from .predicates import count_nonzero as count_nonzero
from .predicates import isclose as isclose
from .primitive import Primitive as Primitive
from .primitive import defjvp as defjvp
from .primitive import defpartials as defpartials
from .primitive import defvjp as defvjp
from .primitive import primitive as primitive
from .quantiles import corrcoef as corrcoef
from .quantiles import cov as cov
from .quantiles import percentile as percentile
from .quantiles import quantile as quantile
from .queries import isneginf as isneginf
from .queries import isposinf as isposinf
from .ranges import geomspace as geomspace
from .ranges import linspace as linspace
from .ranges import logspace as logspace
from .reductions import max as max
from .reductions import mean as mean
from .reductions import min as min
from .reductions import sum as sum
from .reshaping import atleast_1d as atleast_1d
from .reshaping import atleast_2d as atleast_2d
from .reshaping import atleast_3d as atleast_3d
from .reshaping import expand_dims as expand_dims
from .reshaping import matrix_transpose as matrix_transpose
from .reshaping import moveaxis as moveaxis
from .reshaping import ravel as ravel
from .reshaping import rollaxis as rollaxis
from .reshaping import squeeze as squeeze
from .reshaping import swapaxes as swapaxes
from .scans import cumprod as cumprod
from .scans import cumsum as cumsum
from .scans import cumulative_prod as cumulative_prod
from .scans import cumulative_sum as cumulative_sum
from .scans import prod as prod
from .selections import argpartition as argpartition
from .selections import choose as choose
from .selections import compress as compress
from .selections import extract as extract
from .selections import lexsort as lexsort
from .selections import resize as resize
from .shapes import broadcast_to as broadcast_to
from .shapes import reshape as reshape
from .shapes import transpose as transpose
from .solvers import fixed_point as fixed_point
from .spectra import hfft as hfft
from .spectra import irfft as irfft
from .statistics import average as average
from .statistics import ceil as ceil
from .statistics import floor as floor
from .statistics import median as median
from .statistics import round as round
from .statistics import std as std
from .statistics import var as var
from .stencils import gradient as gradient
from .stencils import unwrap as unwrap
from .tape import Tape as Tape
from .tensordot import dot as dot
from .tensordot import inner as inner
from .tensordot import outer as outer
from .tensordot import tensordot as tensordot
from .tensordot import trace as trace
from .transforms import grad as grad
from .transforms import jvp as jvp
from .transforms import make_tape as make_tape
from .transforms import value_and_grad as value_and_grad
from .transforms import vjp as vjp
from .uniques import unique as unique
from .values import Traced as Traced
from .vectorizing import vectorize as vectorize
from .vectors import matvec as matvec
from .vectors import vecdot as vecdot
from .vectors import vecmat as vecmat
from .vmap import vmap as vmap

__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    """``tg.tree_map`` and JAX's other spellings: an AttributeError saying what to write."""
    raise _renamed.missing(__name__, name)


__all__ = [
    "EscapedTracerError", "GuardError", "Primitive", "Tape", "Traced", "abs", "arctan",
    "broadcast_to", "check_grads", "clip", "concatenate", "cos", "cosh", "debug_nans", "defjvp",
    "defpartials", "defvjp", "dot", "elementwise_grad", "exp", "expm1", "grad", "hessian", "hvp",
    "io", "jacfwd", "jacobian", "jacrev", "jit", "jvp", "log", "log1p", "logaddexp", "logsumexp",
    "make_tape", "matmul", "max", "maximum", "mean", "min", "minimum", "nn", "optim", "power",
    "primitive", "relu", "reshape", "sigmoid", "sign", "sin", "sinh", "softmax", "softplus",
    "sqrt", "square", "stack", "stop_gradient", "sum", "take", "tan", "tanh", "transpose", "tree",
    "value_and_grad", "viz", "vjp", "vmap", "where",
]
__all__ += [  # NumPy's shape functions and contractions
    "atleast_1d", "atleast_2d", "atleast_3d", "column_stack", "diag", "diagonal", "dstack",
    "einsum", "expand_dims", "flip", "fliplr", "flipud", "hstack", "inner", "moveaxis", "outer",
    "ravel", "repeat", "roll", "squeeze", "swapaxes", "tensordot", "tile", "trace", "vstack",
]
__all__ += ["argmax", "argmin", "argsort", "average", "ceil", "cumprod", "cumsum", "floor",
            "median", "partition", "prod", "round", "sort", "std", "var", "fixed_point"]
__all__ += ["hessian_vector_product", "hessian_tensor_product", "tensor_jacobian_product",
            "vector_jacobian_product"]  # autograd's names (tapegrad.misc.operators)
__all__ += ["deriv", "grad_and_aux", "grad_named", "make_ggnvp", "make_hvp", "make_jvp",
            "make_vjp", "multigrad_dict"]  # autograd's (tapegrad.misc.differential)
__all__ += ["checkpoint", "fori_loop", "remat", "scan", "while_loop"]  # loops
__all__ += ["data_parallel"]
__all__ += [  # NumPy's further elementwise functions (elementary.py)
    "arccos", "arccosh", "arcsin", "arcsinh", "arctan2", "arctanh", "cbrt", "copysign",
    "deg2rad", "degrees", "exp2", "float_power", "fmax", "fmin", "fmod", "heaviside", "hypot",
    "isfinite", "isinf", "isnan", "log10", "log2", "logaddexp2", "logical_xor", "rad2deg",
    "radians", "reciprocal", "signbit",
]
__all__ += [  # more of NumPy: creation, predicates, differences, pieces, padding, NaNs
    "all", "allclose", "any", "append", "array_equal", "array_equiv", "array_split",
    "broadcast_arrays", "convolve", "copy", "correlate", "count_nonzero", "cross", "delete",
    "diff", "ediff1d", "empty_like", "full_like", "hsplit", "imag", "insert", "isclose", "kron",
    "meshgrid", "nan_to_num", "nancumprod", "nancumsum", "nanmax", "nanmean", "nanmin",
    "nanprod", "nanstd", "nansum", "nanvar", "ones_like", "pad", "polyval", "ptp", "real",
    "rot90", "split", "take_along_axis", "trapezoid", "tril", "triu", "unstack", "vdot",
    "vsplit", "zeros_like",
]
__all__ += ["corrcoef", "cov", "percentile", "quantile"]  # quantiles and covariances
__all__ += ["interp"]  # piecewise-linear interpolation
__all__ += ["sinc"]  # the cardinal sine
__all__ += ["dsplit", "linspace", "rollaxis", "select"]  # autograd's NumPy functions
__all__ += [  # more of NumPy: conversions, joins, scans, polynomials, steps
    "angle", "asarray_chkfinite", "block", "cumulative_prod", "cumulative_sum", "diagflat",
    "matrix_transpose", "poly", "polyder", "polyint", "real_if_close", "require", "spacing",
    "vander",
]
__all__ += ["gradient", "i0", "nanmedian", "unwrap"]  # along an axis of samples (stencils.py)
__all__ += ["matvec", "vecdot", "vecmat"]  # the array API's products (vectors.py)
__all__ += ["nanargmax", "nanargmin"]  # nanargs.py
__all__ += [  # searching, counting, binning (binning.py)
    "bincount", "digitize", "histogram", "histogram_bin_edges", "isin", "searchsorted"]
__all__ += [  # more of NumPy: functions of functions, polynomials, spectra, predicates
    "apply_along_axis", "apply_over_axes", "fftshift", "ifftshift", "irfft", "hfft",
    "isneginf", "isposinf",
    "geomspace", "logspace", "piecewise", "polyadd", "polydiv", "polyfit", "polymul", "polysub",
    "roots", "vectorize"]
__all__ += [  # choosing elements (selections.py)
    "argpartition", "choose", "compress", "extract", "lexsort", "resize"]
__all__ += ["nanpercentile", "nanquantile"]  # nanquantiles.py
__all__ += ["frexp", "ldexp", "modf", "nextafter"]  # a float's parts (floatbits.py)
__all__ += ["c_", "r_"]  # NumPy's index tricks for traced pieces (index_tricks.py)
__all__ += ["linear_transpose", "linearize"]  # JAX's (linearization.py)
__all__ += ["cond", "switch"]  # JAX's lax.cond and lax.switch (branches.py)
__all__ += ["unique"]  # np.unique, with JAX's size= (uniques.py)
