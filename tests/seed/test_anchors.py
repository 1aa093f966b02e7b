"""Every anchor quotes the article exactly where it says, and the article's hash matches.

Reads the article from ../shared/seed (or $SAHELKG_SEED_DIR); without it the test fails and
says where it looked, because anchors that cannot be checked are not evidence.
"""

import hashlib
import os
from pathlib import Path

import pytest

ARTICLE_NAME = "000_1c35d26562c91e6f.txt"


def article_path() -> Path:
    base = os.environ.get("SAHELKG_SEED_DIR") or str(Path(__file__).resolve().parents[2].parent / "shared" / "seed")
    return Path(base) / ARTICLE_NAME


@pytest.fixture(scope="module")
def article_bytes() -> bytes:
    path = article_path()
    if not path.is_file():
        pytest.fail(f"seed article not found at {path}; set SAHELKG_SEED_DIR to the folder holding {ARTICLE_NAME}")
    return path.read_bytes()


def test_document_hash_is_the_articles(select, article_bytes):
    rows = select("SELECT ?sha WHERE { doc:a000 skg:sha256 ?sha }")
    assert [r["sha"] for r in rows] == [hashlib.sha256(article_bytes).hexdigest()]


def test_every_anchor_matches_the_text(select, article_bytes):
    text = article_bytes.decode("utf-8")
    rows = select("""SELECT ?anchor ?exact ?prefix ?suffix ?start ?end WHERE {
        ?claim skg:anchor ?anchor . ?anchor oa:hasSource doc:a000 ;
           oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact ?exact ; oa:prefix ?prefix ; oa:suffix ?suffix ] ,
                          [ a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end ] }""")
    assert len(rows) >= 30
    for row in rows:
        start, end = int(row["start"]), int(row["end"])
        assert text[start:end] == row["exact"], row["anchor"]
        assert text[:start].endswith(row["prefix"]), row["anchor"]
        assert text[end:].startswith(row["suffix"]), row["anchor"]
        assert len(row["exact"].split()) <= 8, f"{row['anchor']}: quote longer than a few words"
        assert len(row["prefix"]) <= 6 and len(row["suffix"]) <= 6, f"{row['anchor']}: context longer than needed"


def test_the_anchors_do_not_copy_the_article(select, article_bytes):
    # Few words per claim: the quotes and their context leave a third of the article unquoted.
    text = article_bytes.decode("utf-8")
    rows = select("""SELECT ?start ?end ?prefix ?suffix WHERE { ?anchor oa:hasSelector ?quote , ?position .
        ?quote oa:prefix ?prefix ; oa:suffix ?suffix . ?position oa:start ?start ; oa:end ?end }""")
    quoted = set()
    for row in rows:
        quoted |= set(range(int(row["start"]) - len(row["prefix"]), int(row["end"]) + len(row["suffix"])))
    assert len(quoted) < 2 / 3 * len(text), f"anchors quote {len(quoted)} of {len(text)} characters"


def test_every_claim_in_the_article_is_anchored(select):
    rows = select("""SELECT ?claim WHERE { ?claim skg:reportedIn doc:a000 FILTER NOT EXISTS { ?claim skg:anchor ?a } }""")
    assert rows == []
