"""The examples in docs/modelling.md run on the seed: each SPARQL block returns rows, and each
Turtle excerpt is a subset of the seed data (so the guide shows the real IRIs)."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "modelling.md"
FENCE = re.compile(r"^( *)```(\w+)\n(.*?)^\1```", re.DOTALL | re.MULTILINE)


def blocks(language: str) -> list[str]:
    """Return the fenced code blocks of the given language in the guide, de-indented."""
    found = []
    for indent, lang, body in FENCE.findall(GUIDE.read_text(encoding="utf-8")):
        if lang == language:
            found.append("\n".join(line[len(indent):] for line in body.splitlines()))
    return found


SPARQL = blocks("sparql")
TURTLE = blocks("turtle")
PREFIXES = next(b for b in TURTLE if b.lstrip().startswith("@prefix"))
EXCERPTS = [b for b in TURTLE if b is not PREFIXES]


@pytest.fixture(scope="module")
def seed(seed_store) -> ox.Store:
    """The shared seed store's pyoxigraph store (the examples only read)."""
    return seed_store.oxigraph


def test_the_guide_has_query_and_turtle_examples():
    assert len(SPARQL) >= 3
    assert len(EXCERPTS) >= 10


@pytest.mark.parametrize("query", SPARQL, ids=[f"sparql-{i + 1}" for i in range(len(SPARQL))])
def test_each_sparql_example_returns_rows_on_the_seed(seed, query):
    rows = list(seed.query(query, use_default_graph_as_union=True))
    assert rows, "the example returns no rows on the seed"


@pytest.mark.parametrize("excerpt", EXCERPTS, ids=[f"turtle-{i + 1}" for i in range(len(EXCERPTS))])
def test_each_turtle_excerpt_is_in_the_seed(seed, excerpt):
    triples = list(ox.parse((PREFIXES + "\n" + excerpt).encode("utf-8"), format=ox.RdfFormat.TURTLE))
    assert triples
    missing = [t for t in triples if not any(True for _ in seed.quads_for_pattern(t.subject, t.predicate, t.object))]
    assert not missing, f"not in the seed: {missing[:3]}"


def test_the_guide_walks_through_s1_to_s10():
    text = GUIDE.read_text(encoding="utf-8")
    for number in range(1, 11):
        assert re.search(rf"^### S{number} — ", text, re.MULTILINE), f"no section for S{number}"


def test_the_guide_quotes_the_seed_article_only_in_short_fragments():
    article = Path(Path(__file__).resolve().parents[2].parent / "shared" / "seed" / "000_1c35d26562c91e6f.txt")
    if not article.exists():
        pytest.skip("seed article not available")
    source = article.read_text(encoding="utf-8")
    guide = GUIDE.read_text(encoding="utf-8")
    words = source.split()
    # No run of 12 consecutive words of the article appears in the guide.
    for start in range(len(words) - 12):
        run = " ".join(words[start:start + 12])
        assert run not in guide, run
