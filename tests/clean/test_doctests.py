"""Run the examples in the clean modules' docstrings as tests."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["", ".authors", ".boilerplate", ".classify", ".dates", ".html", ".language",
           ".outlets", ".text"]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name):
    module = importlib.import_module("newstrace.clean" + name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
