"""Matching a dataset's actor and place names to the store's, creating the nodes none matches.

>>> normalise("Ségou  Région")
'segou region'
>>> slug("Military Forces of Mali (2021-)")
'military-forces-of-mali-2021'
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from sahelkg import namespaces as ns
from sahelkg.importers.describe import add_geometry
from sahelkg.importers.quads import SKG, A, iri, lit, rdfs, schema, skg, skos

if TYPE_CHECKING:
    from sahelkg.importers.common import Context
    from sahelkg.importers.dataset_actors import DatasetActors


@functools.lru_cache(maxsize=65536)
def normalise(text: str) -> str:
    """Given a name, return it folded for matching: no accents, lower case, words only."""
    if text.isascii():  # nothing to decompose: most names, and every row ID
        text = text.lower()
    else:
        text = unicodedata.normalize("NFKD", text.replace("’", "'"))
        text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return " ".join(_WORD.findall(text.replace("'", "")))


_WORD = re.compile(r"[a-z0-9]+")
_POINT = re.compile(r"POINT\s*\(\s*(\S+)\s+(\S+)\s*\)", re.I)


def slug(text: str) -> str:
    """Given a name, return an IRI-safe slug."""
    if text.isascii() and text.isalnum():  # a row ID ('MLI1234'): one word, and not worth a place in normalise's cache
        return text.lower()[:80]
    return normalise(text).replace(" ", "-")[:80] or "unnamed"


def _select(store, text: str) -> list[tuple]:
    return store.query(ns.sparql_prologue() + text).rows


@dataclass
class Reference:
    """Indexes over the store used while mapping rows: concepts by notation, actors and places by name."""

    notations: dict[str, str]
    inter_labels: dict[str, str]
    inter_classes: dict[str, str]
    actor_names: dict[str, set[str]]
    place_names: dict[str, list[tuple[str, str | None]]]
    place_within: dict[str, set[str]]
    used_iris: set[str]
    # Places' GeoSPARQL points as (longitude, latitude): a row at its place's point needs no point of its own.
    place_points: dict[str, tuple[float, float]] = field(default_factory=dict)
    # Actors typed as population groups (victims counted by group, never a side).
    population_groups: set[str] = field(default_factory=set)
    # data/dataset-actors.csv: a dataset's name for one of our actors.
    dataset_actors: DatasetActors | None = None
    # Names resolved without creating anything, kept until the next actor or place is created
    # (a new node can change what a name matches). Rows repeat the same names thousands of times.
    resolved: dict[tuple, object] = field(default_factory=dict)
    # ACLED inter cells read so far, and their concepts.
    inter_by_cell: dict[str, str | None] = field(default_factory=dict)

    @classmethod
    def load(cls, store) -> Reference:
        """Given a store holding the vocabularies and reference data, return the indexes."""
        notations: dict[str, str] = {}
        for concept, notation in _select(store, "SELECT ?c ?n WHERE { ?c skos:notation ?n ; skos:inScheme ?s }"):
            notations.setdefault(f"{concept.value.rsplit('/', 2)[-2]}|{notation.value}", concept.value)
        inter_labels, inter_classes = {}, {}
        for concept, notation, label, klass in _select(store, """
                SELECT ?c ?n ?l ?k WHERE { ?c skos:inScheme vocab:acled-inter ; skos:notation ?n ;
                  skos:prefLabel ?l . OPTIONAL { ?c skg:mapsToClass ?k } FILTER(LANG(?l) = "en") }"""):
            inter_labels[notation.value] = concept.value
            inter_labels[normalise(label.value).rstrip("s")] = concept.value
            if klass is not None:
                inter_classes[concept.value] = klass.value
        actor_names: dict[str, set[str]] = {}
        population_groups: set[str] = set()
        for actor, name, top in _select(store, """
                SELECT DISTINCT ?a ?n ?top WHERE {
                  VALUES ?top { skg:Actor skg:PopulationGroup }
                  ?a a ?k . ?k rdfs:subClassOf* ?top .
                  ?a skos:prefLabel|skos:altLabel|skos:hiddenLabel|skg:nameInSource ?n }"""):
            actor_names.setdefault(normalise(name.value), set()).add(actor.value)
            if top.value == SKG + "PopulationGroup":
                population_groups.add(actor.value)
        place_names: dict[str, list[tuple[str, str | None]]] = {}
        for place, name, kind in _select(store, """
                SELECT DISTINCT ?p ?n ?t WHERE { ?p a skg:Place ;
                  skos:prefLabel|skos:altLabel|skos:hiddenLabel ?n . OPTIONAL { ?p skg:placeType ?t } }"""):
            entry = (place.value, kind.value if kind is not None else None)
            bucket = place_names.setdefault(normalise(name.value), [])
            if entry not in bucket:
                bucket.append(entry)
        place_within: dict[str, set[str]] = {}
        for place, outer in _select(store, "SELECT ?p ?o WHERE { ?p skg:withinPlace+ ?o }"):
            place_within.setdefault(place.value, set()).add(outer.value)
        place_points: dict[str, tuple[float, float]] = {}
        for place, wkt in _select(store, """SELECT ?p ?wkt WHERE { ?p a skg:Place ;
                <http://www.opengis.net/ont/geosparql#hasGeometry>/<http://www.opengis.net/ont/geosparql#asWKT> ?wkt }"""):
            point = _POINT.fullmatch(wkt.value.strip())
            if point:
                place_points[place.value] = (float(point.group(1)), float(point.group(2)))
        used = {row[0].value for row in _select(store, "SELECT DISTINCT ?s WHERE { ?s a ?k }")
                if isinstance(row[0], ox.NamedNode)}
        from sahelkg.importers.dataset_actors import load_dataset_actors  # it folds names with normalise

        return cls(notations, inter_labels, inter_classes, actor_names, place_names, place_within, used,
                   place_points, population_groups, load_dataset_actors())

    def concept(self, scheme: str, notation: str) -> str | None:
        """Given a scheme name ('event-type', 'date-precision' …) and a notation, return the concept."""
        return self.notations.get(f"{scheme}|{notation}")

    def inter(self, value: str) -> str | None:
        """Given an ACLED inter cell, as a number or as text ('State forces'), return its concept."""
        if value in self.inter_by_cell:  # a file repeats a dozen cells
            return self.inter_by_cell[value]
        cell = value.strip()
        if not cell:
            return None
        concept = self.inter_labels.get(str(int(cell)) if cell.isdigit() else normalise(cell).rstrip("s"))
        self.inter_by_cell[value] = concept
        return concept

    def match_actor(self, *names: str) -> tuple[str | None, bool]:
        """Given candidate names, return (actor IRI, ambiguous): the first name matching exactly one actor."""
        ambiguous = False
        for name in names:
            found = self.actor_names.get(normalise(name), set())
            if len(found) == 1:
                return next(iter(found)), False
            ambiguous = ambiguous or len(found) > 1
        return None, ambiguous

    def match_place(self, name: str, *, types: tuple[str, ...] = (), within: str | None = None) -> str | None:
        """Given a place name, return the one gazetteer place of those types (inside `within`) it names."""
        keys = [normalise(name)]
        for suffix in (" region", " cercle"):
            keys.append(normalise(name) + suffix)
        for key in keys:
            found = []
            for place, kind in self.place_names.get(key, []):
                if types and kind not in types:
                    continue
                if within and place != within and within not in self.place_within.get(place, set()):
                    continue
                found.append(place)
            if len(set(found)) == 1:
                return found[0]
        return None

    def own_point(self, place: str, latitude: str | None, longitude: str | None) -> tuple[str | None, str | None]:
        """Given a row's place and coordinates, return the coordinates the row's event needs as its own
        point: none when the place already has that point (most rows of a dataset geocoded by place)."""
        if latitude and longitude and self.place_points.get(place) == (float(longitude), float(latitude)):
            return None, None
        return latitude, longitude

    def remember(self, key: tuple, resolve: Callable[..., Any], *arguments: Any) -> Any:
        """Given a key and a function that matches names (creating nodes when none matches) with its
        arguments, return its result, from memory when the same key was resolved since the last
        node was created."""
        if key in self.resolved:
            return self.resolved[key]
        before = len(self.used_iris)
        result = resolve(*arguments)
        if len(self.used_iris) == before:
            self.resolved[key] = result
        return result

    def add_actor(self, iri_: str, *names: str, population_group: bool = False) -> None:
        """Record an actor created during this import so later rows match it."""
        self.resolved.clear()
        self.used_iris.add(iri_)
        if population_group:
            self.population_groups.add(iri_)
        for name in names:
            self.actor_names.setdefault(normalise(name), set()).add(iri_)

    def add_place(self, iri_: str, name: str, kind: str, within: set[str]) -> None:
        """Record a place created during this import so later rows match it."""
        self.resolved.clear()
        self.used_iris.add(iri_)
        self.place_names.setdefault(normalise(name), []).append((iri_, kind))
        self.place_within[iri_] = set(within)

    def fresh_iri(self, base: str, *fallbacks: str) -> str:
        """Given a preferred IRI and fallbacks, return the first not yet used by any typed node."""
        for candidate in (base, *fallbacks):
            if candidate not in self.used_iris:
                return candidate
        n = 2
        while f"{base}-{n}" in self.used_iris:
            n += 1
        return f"{base}-{n}"


def add_created_actor(ctx: Context, name: str, klass: str, dataset: str, *, note: str,
                      country: str | None = None) -> str:
    """Create an actor the store does not know, list it in the report, and return its IRI."""
    base = f"{ns.ID}actor/{slug(name)}"
    actor = ctx.ref.fresh_iri(base, f"{ns.ID}actor/{dataset}-{slug(name)}")
    node = iri(actor)
    ctx.sink.add(node, A, iri(klass))
    ctx.sink.add(node, skos.prefLabel, lit(name, lang="en"))
    ctx.sink.add(node, skg.nameInSource, lit(name, lang="en"))
    ctx.sink.add(node, skos.note, lit(note, lang="en"))
    if klass == SKG + "PopulationGroup":
        ctx.sink.add(node, skg.populationCategory, iri(ns.VOCAB + "victim-category/civilians"))
        ctx.sink.add(node, rdfs.label, lit(name, lang="en"))
    elif country:
        ctx.sink.add(node, skg.country, iri(country))
    ctx.ref.add_actor(actor, name, population_group=klass == SKG + "PopulationGroup")
    ctx.report.created_actors.append((actor, name))
    return actor


_PERIOD = re.compile(r"\s*\((\d{4})-(\d{4})?\)\s*$")
_PAREN = re.compile(r"\s*\(([^()]*)\)\s*$")


def actor_candidates(name: str, ref: Reference) -> tuple[list[str], str | None]:
    """Given a dataset's actor name, return the names to try and the country its parenthesis names.

    'Military Forces of Mali (2021-)' also tries 'Military Forces of Mali'; 'Civilians (Mali)'
    tries 'Civilians' and gives Mali; 'JNIM: Group for Support of Islam and Muslims' tries 'JNIM'.
    A parenthesis that is neither a period nor a country ('Islamic State (Greater Sahara)') stays.
    """
    names = [name]
    country = None
    stripped = _PERIOD.sub("", name)
    match = _PAREN.search(stripped)
    if match:
        country = ref.match_place(match.group(1), types=(ns.VOCAB + "place-type/country",))
        if country:
            stripped = _PAREN.sub("", stripped)
    if country is None:
        named = re.search(r"\bof ([A-Z][\w' -]+)$", stripped)  # 'Military Forces of Burkina Faso'
        if named:
            country = ref.match_place(named.group(1), types=(ns.VOCAB + "place-type/country",))
    if stripped != name:
        names.append(stripped)
    if ":" in name:
        head, _, tail = name.partition(":")
        names += [head.strip(), tail.strip()]
    return names, country


def resolve_actor(ctx: Context, name: str, klass: str, dataset: str, note: Callable[[], str]) -> str:
    """Given a dataset's actor name, return the matching actor, creating it when none matches
    (with the note `note()` returns: built only then, most rows name known actors)."""
    return ctx.ref.remember(("actor", name), _resolve_actor, ctx, name, klass, dataset, note)


def _resolve_actor(ctx: Context, name: str, klass: str, dataset: str, note: Callable[[], str]) -> str:
    mapped = ctx.ref.dataset_actors.actor(dataset, name) if ctx.ref.dataset_actors else None
    if mapped is not None and mapped in ctx.ref.used_iris:  # a store without the reference actors matches by name
        return mapped
    names, country = actor_candidates(name, ctx.ref)
    actor, ambiguous = ctx.ref.match_actor(*names)
    if actor:
        return actor
    if ambiguous:
        ctx.report.warnings.append(f"actor name {name!r} matches several actors; created a new one to review")
    return add_created_actor(ctx, name, klass, dataset, note=note(), country=country)


def resolve_places(ctx: Context, *, country: str, admin1: str, location: str, dataset: str,
                   latitude: str | None, longitude: str | None, admin2: str = "") -> tuple[str, str | None, str | None]:
    """Given a row's place names, return (place of the event, its region, its country), creating
    the ones the gazetteer lacks (country, then first-order region, then the named location)."""
    return ctx.ref.remember(("places", country, admin1, location), _resolve_places, ctx, country, admin1, location,
                            dataset, latitude, longitude, admin2)


def _resolve_places(ctx: Context, country: str, admin1: str, location: str, dataset: str,
                    latitude: str | None, longitude: str | None, admin2: str) -> tuple[str, str | None, str | None]:
    ref = ctx.ref
    pt = ns.VOCAB + "place-type/"
    if not country:
        raise ValueError("a place needs its country")  # the importers refuse a row without one first
    country_iri = ref.match_place(country, types=(pt + "country",))
    if country_iri is None:
        country_iri = _create_place(ctx, country, pt + "country", set(), dataset)
    region_iri = None
    admin1 = re.sub(r"\s+(region|province|région)$", "", admin1.strip(), flags=re.I)
    if admin1:
        region_iri = ref.match_place(admin1, types=(pt + "region",), within=country_iri)
        if region_iri is None:
            region_iri = _create_place(ctx, admin1, pt + "region", {country_iri}, dataset, suffix="region")
    if not location:
        return region_iri or country_iri, region_iri, country_iri
    if region_iri and normalise(re.sub(r"\s+(region|province|région)$", "", location, flags=re.I)) == normalise(admin1):
        return region_iri, region_iri, country_iri
    if country_iri and normalise(location) == normalise(country):
        return country_iri, region_iri, country_iri
    place = ref.match_place(location, types=(pt + "town", pt + "district", pt + "camp", pt + "area"),
                            within=region_iri or country_iri)
    if place is None:
        place = _create_place(ctx, location, pt + "town", {p for p in (region_iri, country_iri) if p is not None}, dataset,
                              latitude=latitude, longitude=longitude, admin2=admin2, region=admin1)
    return place, region_iri, country_iri


def _create_place(ctx: Context, name: str, kind: str, within: set[str], dataset: str, *, suffix: str = "",
                  latitude: str | None = None, longitude: str | None = None, admin2: str = "",
                  region: str = "") -> str:
    base = f"{ns.ID}place/{slug(name)}" + (f"-{suffix}" if suffix else "")
    fallbacks = [f"{ns.ID}place/{slug(name)}-{slug(region)}"] if region else []
    place = ctx.ref.fresh_iri(base, *fallbacks)
    node = iri(place)
    label = f"{name} region" if suffix == "region" else name
    ctx.sink.add(node, A, skg.Place)
    ctx.sink.add(node, skg.placeType, iri(kind))
    ctx.sink.add(node, skos.prefLabel, lit(label, lang="en"))
    if suffix:
        ctx.sink.add(node, skos.altLabel, lit(name, lang="en"))
    for outer in sorted(within):
        ctx.sink.add(node, skg.withinPlace, iri(outer))
    if latitude and longitude:
        ctx.sink.add(node, schema.latitude, lit(latitude, "decimal"))
        ctx.sink.add(node, schema.longitude, lit(longitude, "decimal"))
        # GeoSPARQL, which incident linking measures distances with: the point of the first row naming it.
        add_geometry(ctx.sink, node, f"{ns.ID}geometry/{place.rsplit('/', 1)[1]}", latitude=latitude,
                     longitude=longitude)
        ctx.ref.place_points[place] = (float(longitude), float(latitude))
    if admin2:
        ctx.sink.add(node, skos.note, lit(f"Second-order division in {dataset.upper()}: {admin2}", lang="en"))
    ctx.sink.add(node, skos.note, lit(f"Created by the {dataset.upper()} import of {ctx.path.name}: "
                                          "no gazetteer entry matched this name.", lang="en"))
    ctx.ref.add_place(place, label, kind, within)
    if suffix:
        ctx.ref.add_place(place, name, kind, within)
    ctx.report.created_places.append((place, label))
    return place
