"""Synthetic ACLED-like data: events, the allegations made about them, and their counts.

Every event comes with one allegation (claimant, accused perpetrator, statement date) and one
count of people killed, in the shapes of the sahelkg ontology, so the saved queries in
`queries/` run on it. About 17 triples per event (10k events ≈ 170k triples).

>>> lines = list(generate(2, seed=1))
>>> all(line.endswith(" .\\n") for line in lines)
True

Command line: python bench/synthetic.py 10000 --seed 42 > out.nq
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Iterator

SKG = "https://w3id.org/sahelkg/ontology#"
ID = "https://w3id.org/sahelkg/id/"
VOCAB = "https://w3id.org/sahelkg/vocab/"
GRAPH = "https://w3id.org/sahelkg/graph/source/synthetic-"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
PREF_LABEL = "http://www.w3.org/2004/02/skos/core#prefLabel"
XSD = "http://www.w3.org/2001/XMLSchema#"

ACTORS = 300
PLACES = 500
EVENTS_PER_GRAPH = 1000
_NAMES = ["Gao", "Kidal", "Mopti", "Ségou", "Tombouctou", "Ménaka", "Djibo", "Dori", "Tillabéri", "Diffa",
          "Niono", "Bandiagara", "Ansongo", "Douentza", "Arbinda", "Kaya", "Fada", "Ouahigouya"]
_EVENT_TYPES = ["battles", "violence-against-civilians", "explosions", "riots", "protests", "strategic-developments"]
_OUTCOMES = ["killed", "injured", "abducted", "displaced"]
_QUALIFIERS = ["exact", "at-least", "approximately", "at-most"]


def _iri(path: str) -> str:
    return f"<{ID}{path}>"


def _line(s: str, p: str, o: str, g: str) -> str:
    return f"{s} {p} {o} <{g}> .\n"


def generate(n_events: int, seed: int = 42) -> Iterator[str]:
    """Given a number of events and a seed, yield N-Quads lines (deterministic for a seed)."""
    rng = random.Random(seed)
    reference = "https://w3id.org/sahelkg/graph/reference"
    a = f"<{RDF_TYPE}>"
    for i in range(ACTORS):
        actor = _iri(f"actor/synthetic-{i}")
        kind = "NonStateArmedGroup" if i % 3 else "StateArmedForce"
        yield _line(actor, a, f"<{SKG}{kind}>", reference)
        yield _line(actor, f"<{PREF_LABEL}>", f'"{rng.choice(_NAMES)} armed group {i}"@en', reference)
    for i in range(PLACES):
        place = _iri(f"place/synthetic-{i}")
        yield _line(place, a, f"<{SKG}Place>", reference)
        yield _line(place, f"<{PREF_LABEL}>", f'"{_NAMES[i % len(_NAMES)]} {i}"@en', reference)
    for e in range(n_events):
        g = f"{GRAPH}{e // EVENTS_PER_GRAPH}"
        event, span = _iri(f"event/synthetic-{e}"), _iri(f"timespan/synthetic-{e}")
        allegation, accusation = _iri(f"claim/synthetic-{e}"), _iri(f"accusation/synthetic-{e}")
        count = _iri(f"count/synthetic-{e}")
        year, month, day = 2018 + rng.randrange(8), 1 + rng.randrange(12), 1 + rng.randrange(28)
        date = f'"{year:04d}-{month:02d}-{day:02d}"^^<{XSD}date>'
        claimant = _iri(f"actor/synthetic-{rng.randrange(ACTORS)}")
        accused = _iri(f"actor/synthetic-{rng.randrange(ACTORS)}")
        killed = rng.choice([0, 1, 2, 3, 5, 8, 12, 20, 35, 60])
        place = rng.randrange(PLACES)
        yield _line(event, a, f"<{SKG}Event>", g)
        yield _line(event, f"<{SKG}eventType>", f"<{VOCAB}event-type/{rng.choice(_EVENT_TYPES)}>", g)
        yield _line(event, f"<{SKG}location>", _iri(f"place/synthetic-{place}"), g)
        yield _line(event, f"<{SKG}timeSpan>", span, g)
        yield _line(span, f"<{SKG}startDate>", date, g)
        yield _line(allegation, a, f"<{SKG}Allegation>", g)
        yield _line(allegation, f"<{SKG}claimant>", claimant, g)
        yield _line(allegation, f"<{SKG}about>", event, g)
        yield _line(allegation, f"<{SKG}statedOn>", date, g)
        yield _line(allegation, f"<{SKG}assertsCount>", count, g)
        yield _line(allegation, f"<{SKG}qualifiedAccusation>", accusation, g)
        yield _line(accusation, f"<{SKG}accusedActor>", accused, g)
        yield _line(accusation, f"<{SKG}allegedRole>", f"<{VOCAB}role/perpetrator>", g)
        yield _line(count, f"<{SKG}countOf>", event, g)
        yield _line(count, f"<{SKG}outcome>", f"<{VOCAB}outcome/{rng.choice(_OUTCOMES)}>", g)
        yield _line(count, f"<{SKG}unit>", f"<{VOCAB}unit/persons>", g)
        yield _line(count, f"<{SKG}qualifier>", f"<{VOCAB}count-qualifier/{rng.choice(_QUALIFIERS)}>", g)
        yield _line(count, f"<{SKG}minimum>", f'"{killed}"^^<{XSD}integer>', g)
        yield _line(count, f"<{SKG}originalWording>", f'"{killed} people near {_NAMES[place % len(_NAMES)]}"@en', g)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("events", type=int)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    out = sys.stdout
    for line in generate(args.events, args.seed):
        out.write(line)


if __name__ == "__main__":
    main()
