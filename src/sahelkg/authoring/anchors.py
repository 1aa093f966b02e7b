"""Anchors: finding a quote in a source's text, its Web Annotation selectors, and checking them.

Texts are found by their SHA-256: `data/texts/{sha256}.txt` (content-addressed, beside the data),
then any `*.txt` in the folders of $SAHELKG_TEXTS and the seed folder ($SAHELKG_SEED_DIR or
../shared/seed: the seed
article is not ours to redistribute, so it is found there, never copied). Positions count Unicode
characters of the text as stored (no newline translation); prefix and suffix are up to 6 characters.

>>> text = "Nine civilians were killed. Nine is a lot."
>>> find_quote(text, "civilians were killed")
(5, 26)
>>> selectors(text, 5, 26)
('Nine ', '. Nine')
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path

import pyoxigraph as ox

from sahelkg import namespaces as ns
from sahelkg.authoring.names import value
from sahelkg.gate.report import ValidationResult
from sahelkg.resources import resource_root

OA = "http://www.w3.org/ns/oa#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
#: What check_anchors reads of an anchor and of its selectors (besides rdf:type; of a document, skg:sha256).
ANCHOR_PREDICATES = frozenset(OA + name for name in ("hasSource", "hasSelector", "exact", "prefix", "suffix", "start", "end"))
CONTEXT = 6
CHECK_SHAPE = ns.SHAPES + "AnchorTextCheck"


class QuoteNotFound(ValueError):
    """The quote is absent from the text, or occurs more than once with nothing to choose one."""


def sha256_text(text: str) -> str:
    """Return the SHA-256 of a text as UTF-8 (the document's skg:sha256)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_text(path: Path) -> str:
    """Return a text file's characters exactly (UTF-8, newlines as stored)."""
    return path.read_bytes().decode("utf-8")


def search_folders() -> list[Path]:
    """Return the folders searched for texts, in order."""
    root = resource_root()
    extra = [Path(p) for p in os.environ.get("SAHELKG_TEXTS", "").split(os.pathsep) if p]
    seed = Path(os.environ.get("SAHELKG_SEED_DIR") or root.parent / "shared" / "seed")
    return [root / "data" / "texts", *extra, seed]


@functools.lru_cache(maxsize=8)
def _hashes_in(folder: Path) -> dict[str, Path]:
    if not folder.is_dir():
        return {}
    return {hashlib.sha256(p.read_bytes()).hexdigest(): p for p in sorted(folder.glob("*.txt"))}


def find_text(sha256: str, extra: Iterable[Path] = ()) -> Path | None:
    """Given a SHA-256, return the held text file with that content, or None."""
    for path in extra:
        if path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == sha256:
            return path
    for folder in search_folders():
        named = folder / f"{sha256}.txt"
        if named.is_file():
            return named
        found = _hashes_in(folder).get(sha256)
        if found:
            return found
    return None


def occurrences(text: str, quote: str) -> list[int]:
    """Return every start position of `quote` in `text`."""
    out, at = [], text.find(quote)
    while at >= 0:
        out.append(at)
        at = text.find(quote, at + 1)
    return out


def find_quote(text: str, quote: str, occurrence: int | None = None) -> tuple[int, int]:
    """Given a text and a quote (and which occurrence, counted from 1), return (start, end).
    Raise QuoteNotFound when it is absent or ambiguous."""
    if not quote:
        raise QuoteNotFound("an empty quote anchors nothing")
    found = occurrences(text, quote)
    if not found:
        raise QuoteNotFound(f"quote {quote!r} is not in the text; copy it exactly (the text's apostrophes and "
                            "quotation marks too)")
    if occurrence is None:
        if len(found) > 1:
            raise QuoteNotFound(f"quote {quote!r} occurs {len(found)} times (at characters "
                                f"{', '.join(map(str, found))}); add occurrence: N (1 to {len(found)}) or quote more words")
        occurrence = 1
    if not 1 <= occurrence <= len(found):
        raise QuoteNotFound(f"quote {quote!r} occurs {len(found)} time(s); occurrence: {occurrence} does not exist")
    start = found[occurrence - 1]
    return start, start + len(quote)


def selectors(text: str, start: int, end: int) -> tuple[str, str]:
    """Return the TextQuoteSelector prefix and suffix around [start, end)."""
    return text[max(0, start - CONTEXT):start], text[end:end + CONTEXT]


def check_anchors(quads: Iterable[ox.Quad]) -> list[ValidationResult]:
    """Given a dataset's quads, check every anchor against its document's held text.

    A selector that disagrees with the text is a Violation; an anchor on a document whose text is
    not held (or that gives no skg:sha256) is a Warning: nothing can check it."""
    node: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for q in quads:
        node[value(q.subject)][q.predicate.value].append(value(q.object))
    return check_anchor_nodes(node)


def check_anchor_nodes(node: Mapping[str, Mapping[str, list[str]]]) -> list[ValidationResult]:
    """Given the triples check_anchors reads as subject -> predicate IRI -> values (each term's
    value: IRI, literal text or blank node id), return check_anchors' results."""
    texts: dict[str, str | None] = {}
    results: list[ValidationResult] = []

    def text_of(document: str) -> str | None:
        if document not in texts:
            shas = node.get(document, {}).get(ns.SKG + "sha256", [])
            path = find_text(shas[0]) if shas else None
            texts[document] = read_text(path) if path else None
        return texts[document]

    def result(anchor: str, severity: str, message: str) -> None:
        results.append(ValidationResult(focus_node=anchor, severity=severity, source_shape=CHECK_SHAPE,
                                        message=message, path=OA + "hasSelector"))

    for anchor, props in sorted(node.items()):
        sources = props.get(OA + "hasSource")
        if not sources or OA + "SpecificResource" not in props.get(RDF_TYPE, []):
            continue
        document = sources[0]
        text = text_of(document)
        if text is None:
            result(anchor, "Warning", f"unverifiable anchor: the text of {ns.shorten(document)} is not held "
                   f"(data/texts/{{sha256}}.txt or $SAHELKG_TEXTS); nothing checks its selectors")
            continue
        exact = start = end = None
        prefix = suffix = None
        for selector in props.get(OA + "hasSelector", []):
            sel = node.get(selector, {})
            if OA + "exact" in sel:
                exact = sel[OA + "exact"][0]
                prefix = sel[OA + "prefix"][0] if OA + "prefix" in sel else None
                suffix = sel[OA + "suffix"][0] if OA + "suffix" in sel else None
            if OA + "start" in sel:
                start, end = int(sel[OA + "start"][0]), int(sel[OA + "end"][0])
        if exact is None:
            result(anchor, "Violation", "anchor has no TextQuoteSelector (oa:exact)")
            continue
        if start is not None and end is not None:
            if text[start:end] != exact:
                result(anchor, "Violation", f"characters {start}-{end} of the text read {text[start:end]!r}, "
                       f"not the quote {exact!r}")
                continue
        elif not occurrences(text, exact):
            result(anchor, "Violation", f"quote {exact!r} is not in the text of {ns.shorten(document)}")
            continue
        begin = start if start is not None else occurrences(text, exact)[0]
        before, after = selectors(text, begin, begin + len(exact))
        if prefix is not None and not before.endswith(prefix):
            result(anchor, "Violation", f"prefix {prefix!r} does not precede the quote (the text has {before!r})")
        if suffix is not None and not after.startswith(suffix):
            result(anchor, "Violation", f"suffix {suffix!r} does not follow the quote (the text has {after!r})")
    return results
