"""Bugs found reviewing the one-block-per-primitive refactor and the NumPy/SciPy functions."""
import numpy as np
import pytest

import tapegrad as tg


def _user_guard():
    g = tg.primitive(lambda x: x * 2.0, "guard")
    tg.defpartials(g, lambda ans, x: 2.0)
    return g


def test_user_primitive_named_guard_prints_as_itself_under_debug_nans():
    g = _user_guard()
    with tg.debug_nans():             # every record gets a source line
        tape = tg.make_tape(lambda x: g(x) + 1.0)(1.5)
    text = str(tape)
    assert "= guard v0" in text
    assert tape(2.0) == 5.0


def test_real_guard_still_prints_as_a_guard():
    tape = tg.make_tape(lambda x: x * 2.0 if x > 0 else -x)(1.5)
    assert "guard v" in str(tape) and "== True" in str(tape)
