"""NumPy's argument-level edge cases on traced values, part three: ufuncs (test_umath).

After NumPy's ``_core/tests/test_umath.py``: hypot, logaddexp2, copysign,
the signs of fmod and remainder, float_power, heaviside, the sign of -0.0,
the NaNs of fmax/fmin, deg2rad, ldexp/frexp/modf, integer division by zero.
The checks are test_numpy_port2's.
"""

from __future__ import annotations

import numpy as np
from test_numpy_port2 import Case, c, case_tests

V = np.array([0.3, 1.2, -0.5, 2.0, 0.7, -1.1])
U = np.array([-0.7, 0.4, 1.5, -2.5, 0.9, 0.35])
SP = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1.0])
I = np.array([3, -1, 4, 1, -5, 9], dtype=np.int64)  # noqa: E741
J = np.array([2, 3, -3, 5, 2, -4], dtype=np.int64)

CASES: dict[str, Case] = {
    "hypot": c(np.hypot, V, U),
    "hypot_special": c(lambda x: np.hypot(x * SP, x), V, diff=False),
    "hypot_int": c(np.hypot, I, J, diff=False),
    "logaddexp2": c(np.logaddexp2, V, U),
    "logaddexp2_inf": c(
        lambda x: np.logaddexp2(
            x * 0 - np.inf, np.array([-np.inf, 1.0, np.inf, -np.inf, 0.0, 2.0])
        ),
        V,
        diff=False,
    ),
    "logaddexp_inf": c(
        lambda x: np.logaddexp(x * 0 - np.inf, np.array([-np.inf, 1.0, np.inf, -np.inf, 0.0, 2.0])),
        V,
        diff=False,
    ),
    "copysign": c(np.copysign, V, U),
    "copysign_negzero": c(lambda x: np.copysign(x, -0.0), V),
    "copysign_special": c(lambda x: np.copysign(x, SP), V, diff=False),
    "copysign_int": c(np.copysign, I, J, diff=False),
    "fmod": c(lambda a, b: np.fmod(a * 3.1, b), V, U),
    "fmod_signs": c(lambda a: np.fmod(a * 3, -0.8), V),
    "fmod_int": c(np.fmod, I, J, diff=False),
    "fmod_int_zero": c(lambda a: np.fmod(a, 0), I, diff=False),
    "remainder": c(lambda a, b: np.remainder(a * 3.1, b), V, U),
    "remainder_neg_div": c(lambda a: np.remainder(a * 3, -0.8), V),
    "remainder_int": c(np.remainder, I, J, diff=False),
    "remainder_int_zero": c(lambda a: np.remainder(a, 0), I, diff=False),
    "floor_divide_int_zero": c(lambda a: np.floor_divide(a, 0), I, diff=False),
    "remainder_inf": c(lambda a: np.remainder(a, np.inf), V, diff=False),
    "fmod_inf": c(lambda a: np.fmod(a, np.inf), V, diff=False),
    "float_power": c(lambda a, b: np.float_power(np.abs(a) + 0.1, b), V, U),
    "float_power_int": c(np.float_power, np.abs(I), J, diff=False),
    "float_power_f32": c(lambda a: np.float_power(a.astype(np.float32), 2), V, diff=False),
    "float_power_neg_base": c(lambda a: np.float_power(a, 3), V),
    "heaviside": c(lambda x: np.heaviside(x * np.array([1, 0, 1, 1, 0, 1.0]), 0.5), V, diff=False),
    "heaviside_nan": c(lambda x: np.heaviside(x * SP, 0.5), V, diff=False),
    "heaviside_traced_h0": c(
        lambda h: np.heaviside(np.array([0.0, 1.0, -1.0, 0.0, 2.0, 0.0]), h), V
    ),
    "heaviside_int": c(lambda x: np.heaviside(x, 1), I, diff=False),
    "sign_negzero": c(lambda x: np.sign(x * SP), V, diff=False),
    "signbit_negzero": c(lambda x: np.signbit(x * 0 - 0.0), V, diff=False),
    "fmax_nan": c(lambda x: np.fmax(x * SP, x), V, diff=False),
    "fmin_nan": c(lambda x: np.fmin(x, np.array([np.nan, 0.0, np.nan, 5.0, -1.0, np.nan])), V),
    "fmax_both_nan": c(lambda x: np.fmax(x * np.nan, x * np.nan), V, diff=False),
    "maximum_nan": c(
        lambda x: np.maximum(x, np.array([np.nan, 0.0, np.nan, 5.0, -1.0, np.nan])), V, diff=False
    ),
    "fmax_int": c(np.fmax, I, J, diff=False),
    "deg2rad": c(np.deg2rad, V * 100),
    "rad2deg": c(np.rad2deg, V),
    "deg2rad_int": c(np.deg2rad, I, diff=False),
    "ldexp": c(lambda x: np.ldexp(x, np.array([1, -2, 3, 0, 5, -1])), V),
    "frexp": c(lambda x: np.frexp(x), V, diff=False),
    "modf": c(lambda x: np.modf(x * 2.3), V),
    "nextafter": c(lambda x: np.nextafter(x, 0.0), V, diff=False),
    "divmod_float": c(lambda a, b: np.divmod(a * 3, b), V, U, diff=False),
    "arctan2_zeros": c(lambda x: np.arctan2(x * SP, x * 0 - 0.0), V, diff=False),
    "arctan2": c(np.arctan2, V, U),
    "cbrt_neg": c(np.cbrt, V),
    "exp2_int": c(np.exp2, I, diff=False),
    "power_int_neg": c(lambda a: np.power(a, -1), I, diff=False),
    "power_negbase_frac": c(lambda a: np.power(a, 0.5), V, diff=False),
    "logaddexp_f32_f64": c(lambda a: np.logaddexp(a.astype(np.float32), 1.0), V, diff=False),
    "true_divide_int": c(np.true_divide, I, J, diff=False),
    "gcd": c(np.gcd, I, J, diff=False),
    "lcm": c(np.lcm, I, J, diff=False),
    "right_shift": c(lambda a: np.right_shift(a, 1), I, diff=False),
    "bitwise_count": c(np.bitwise_count, I, diff=False),
    "positive_bool": c(lambda x: np.positive(x > 0), V, diff=False),
    "negative_bool": c(lambda x: np.negative(x > 0), V, diff=False),
    "square_int": c(np.square, I, diff=False),
    "reciprocal_int": c(np.reciprocal, I, diff=False),
    "sqrt_neg": c(lambda x: np.sqrt(x), V, diff=False),
    "log_zero": c(lambda x: np.log(x * 0), V, diff=False),
    "sinc_f32": c(lambda x: np.sinc(x.astype(np.float32)), V, diff=False),
    "clip_nan": c(lambda x: np.clip(x * SP, -1, 1), V, diff=False),
}


test_values_are_numpys_in_every_transform, test_derivatives_against_central_differences = \
    case_tests(CASES)
