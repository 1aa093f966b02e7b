"""The examples in the saved-query, audit and export modules' docstrings run as written."""

from __future__ import annotations

import doctest

import pytest

from sahelkg.audit import reports as audit
from sahelkg.audit import exports as provenance_export
from sahelkg.sparql import saved_queries


@pytest.mark.parametrize("module", [saved_queries, audit, provenance_export])
def test_docstring_examples_run(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
