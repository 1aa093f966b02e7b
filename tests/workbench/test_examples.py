"""The worked examples of the query editor's menu (queries/examples/): each parses with its header
and answers rows on the seed (the federated one needs an allow-listed SERVICE: tests/linked_data)."""

from __future__ import annotations

import pytest

from sahelkg.resources import resource
from sahelkg.sparql.saved_queries import load_queries

EXAMPLES = load_queries(resource("queries", "examples"))
LOCAL = [name for name, query in EXAMPLES.items() if "SERVICE" not in query.body]


def test_there_are_several_worked_examples():
    assert len(LOCAL) >= 3


@pytest.mark.parametrize("name", LOCAL)
def test_each_example_answers_on_the_seed(seed_store, name):
    result = seed_store.query(EXAMPLES[name].body)
    assert result.kind == "solutions" and len(result.rows) > 0
