"""The examples in the service modules' docstrings run and give what they show."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["sahelkg.store", "sahelkg.protocol", "sahelkg.problems", "sahelkg.config", "sahelkg.updating",
           "sahelkg.querying", "sahelkg.app"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
