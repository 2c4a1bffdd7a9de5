"""JAX's spellings (tg.tree_map, tg.lax, tg.nn.softmax...) raise an AttributeError naming
what to write, and every tapegrad name such a message gives exists."""

from __future__ import annotations

import importlib
import re

import pytest

import tapegrad as tg
import tapegrad.scipy  # noqa: F401  (named by the hints)
from tapegrad.renamed import HINTS

CASES = [(module, name) for module, names in HINTS.items() for name in names]


def resolve(dotted: str) -> object:
    """``tg.tree.map`` or ``tapegrad.scipy.special.log_softmax``, looked up attribute by
    attribute."""
    head, *rest = dotted.split(".")
    obj: object = tg if head == "tg" else importlib.import_module(head)
    for part in rest:
        obj = getattr(obj, part)
    return obj


@pytest.mark.parametrize("module, name", CASES)
def test_a_jax_spelling_says_what_to_write_and_that_exists(module, name):
    mod = importlib.import_module(module)
    with pytest.raises(AttributeError, match=f"module '{module}' has no attribute '{name}': "):
        getattr(mod, name)
    assert not hasattr(mod, name)
    for dotted in re.findall(r"\btg(?:\.\w+)+|\btapegrad\.scipy(?:\.\w+)+",
                             HINTS[module][name]):
        resolve(dotted)          # an AttributeError here would be a hint naming nothing


@pytest.mark.parametrize("module", ["tapegrad", "tapegrad.nn", "tapegrad.tree"])
def test_other_missing_names_keep_pythons_own_error_and_suggestion(module):
    mod = importlib.import_module(module)
    with pytest.raises(AttributeError) as e:
        mod.no_such_name_here  # noqa: B018
    assert str(e.value) == f"module '{module}' has no attribute 'no_such_name_here'"
    assert e.value.name == "no_such_name_here" and e.value.obj is mod


def test_importing_a_jax_spelling_is_an_import_error():
    with pytest.raises(ImportError):
        from tapegrad import tree_map  # noqa: F401
