"""Resolving the names a sheet uses against the reference actors and places and the vocabularies.

A name matches an actor or place by its slug, skos:prefLabel, skos:altLabel or skg:nameInSource,
compared folded: accents, case, curly apostrophes, a leading "the" and extra spaces do not count.
A vocabulary value is a concept's local name (`accuses`) or one of its labels, within its scheme.

>>> fold("  The Malian  Armée’s ")
"malian armee's"
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from sahelkg import namespaces as ns

SKOS = "http://www.w3.org/2004/02/skos/core#"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LABELS = (SKOS + "prefLabel", SKOS + "altLabel", ns.SKG + "nameInSource", RDFS_LABEL)
IN_SCHEME = SKOS + "inScheme"
SHORTCUT = ns.SKG + "shortcutProperty"


def value(term: Any) -> str:
    """Return an RDF term's lexical value (IRI, literal text or blank node id)."""
    return str(term.value)


def fold(name: str) -> str:
    """Return a name folded for comparison (no accents, lower case, no leading 'the')."""
    text = unicodedata.normalize("NFKD", name.replace("’", "'").replace("‘", "'"))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = re.sub(r"\s+", " ", text).strip()
    return text[4:] if text.startswith("the ") else text


class Unresolved(Exception):
    """A name matched nothing or more than one thing; the message lists the candidates."""


@dataclass
class Reference:
    """The reference actors and places and the vocabulary concepts a sheet's names resolve to."""

    names: dict[str, dict[str, set[str]]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(set)))
    concepts: dict[str, dict[str, str]] = field(default_factory=lambda: defaultdict(dict))
    labels: dict[str, str] = field(default_factory=dict)
    shortcuts: dict[str, str] = field(default_factory=dict)
    types: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    @classmethod
    def from_quads(cls, quads: Iterable[ox.Quad]) -> Reference:
        """Given the reference and vocabulary quads (any graphs), return the index."""
        ref = cls()
        for q in quads:
            s, p, o = value(q.subject), q.predicate.value, q.object
            if p == RDF_TYPE:
                ref.types[s].add(value(o))
            elif p == IN_SCHEME:
                scheme = value(o).rstrip("/").rsplit("/", 1)[-1]
                ref.concepts[scheme][fold(s.rsplit("/", 1)[-1])] = s
            elif p == SHORTCUT:
                ref.shortcuts[s] = value(o)
            if p in LABELS and isinstance(o, ox.Literal):
                if p == SKOS + "prefLabel" and (o.language in (None, "en") or s not in ref.labels):
                    ref.labels[s] = o.value
                for kind in ("actor", "place"):
                    if s.startswith(f"{ns.ID}{kind}/"):
                        ref.names[kind][fold(o.value)].add(s)
        for kind in ("actor", "place"):
            for iri in [s for s in ref.types if s.startswith(f"{ns.ID}{kind}/")]:
                ref.names[kind][fold(iri.rsplit("/", 1)[-1])].add(iri)
        for members in ref.concepts.values():
            for iri in list(members.values()):
                label = ref.labels.get(iri)
                if label:
                    members.setdefault(fold(label), iri)
        return ref

    def add_name(self, kind: str, name: str, iri: str) -> None:
        """Make `name` resolve to `iri` (a new actor or place declared in the sheet)."""
        self.names[kind][fold(name)].add(iri)
        self.types.setdefault(iri, set())

    def resolve(self, kind: str, name: str) -> str:
        """Given 'actor' or 'place' and a name, return the IRI; raise Unresolved listing candidates."""
        found = self.names[kind].get(fold(name), set())
        if len(found) == 1:
            return next(iter(found))
        if found:
            listed = ", ".join(sorted(self._short(kind, iri) for iri in found))
            raise Unresolved(f"{kind} name {name!r} is ambiguous: it names {listed}; write the slug of the one meant")
        close = difflib.get_close_matches(fold(name), list(self.names[kind]), n=5, cutoff=0.6)
        hint = ("; candidates: " + ", ".join(sorted({self._short(kind, i) for c in close for i in self.names[kind][c]}))
                if close else "")
        section = "new-actors:" if kind == "actor" else "new-places:"
        raise Unresolved(f"unknown {kind} {name!r}{hint}; if it is new, declare it in the sheet's {section} section")

    def concept(self, scheme: str, value: str) -> str:
        """Given a scheme name (`stance`) and a value (`accuses`), return the concept IRI."""
        members = self.concepts.get(scheme, {})
        iri = members.get(fold(value).replace(" ", "-")) or members.get(fold(value))
        if iri:
            return iri
        known = sorted({m.rsplit("/", 1)[-1] for m in members.values()})
        close = difflib.get_close_matches(fold(value), known, n=4, cutoff=0.5)
        return _raise(f"{value!r} is not a concept of vocab/{scheme}"
                      + (f"; did you mean {', '.join(close)}?" if close else f"; known: {', '.join(known)}"))

    def _short(self, kind: str, iri: str) -> str:
        label = self.labels.get(iri)
        slug = iri.rsplit("/", 1)[-1]
        return f"{slug} ({label})" if label else slug


def _raise(message: str) -> str:
    raise Unresolved(message)


def reference_quads_from_files() -> list[ox.Quad]:
    """Return the quads of data/reference.trig and data/vocabularies.trig (what names resolve to)."""
    from sahelkg.dataset import loading
    from sahelkg.resources import resource

    quads: list[ox.Quad] = []
    for name in ("reference.trig", "vocabularies.trig"):
        quads.extend(loading.parse_file(resource("data", name)).quads)
    return quads


def reference_quads_from_store(store) -> list[ox.Quad]:
    """Return a store's reference graph (actors, places and the vocabularies)."""
    return list(store.oxigraph.quads_for_pattern(None, None, None, ox.NamedNode(ns.REFERENCE_GRAPH)))
