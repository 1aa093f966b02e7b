"""The examples in the service modules' docstrings run and give what they show."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["sahelkg.store", "sahelkg.sparql.protocol", "sahelkg.problems", "sahelkg.config", "sahelkg.store.updating",
           "sahelkg.web.app"]  # querying.py: its examples start processes and are marked +SKIP


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
