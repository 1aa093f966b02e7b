"""JSON-LD that reads as plain JSON: one context for the whole project, and a compactor.

pyoxigraph writes expanded JSON-LD (full IRIs everywhere). `compact(quads)` writes the same
data against CONTEXT: prefixes for our IRIs, short keys for skg/skos/prov/dcterms properties,
object properties typed `@id` so their values are plain strings such as "actor:fama".

>>> import pyoxigraph as ox
>>> q = ox.Quad(ox.NamedNode("https://w3id.org/sahelkg/id/actor/fama"),
...             ox.NamedNode("https://w3id.org/sahelkg/ontology#country"),
...             ox.NamedNode("https://w3id.org/sahelkg/id/place/mali"))
>>> compact([q], context_ref=None)["@graph"][0]
{'@id': 'actor:fama', 'country': 'place:mali'}
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from sahelkg import namespaces as ns
from sahelkg.resources import resource

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
CONTEXT_PATH = resource("docs", "context.jsonld")

PREFIXES = ns.PREFIXES  # every prefix the project shortens with is declared in the context

# Short keys: (IRI, is the value an IRI?). Datatype properties keep typed values as objects.
_OBJECT = True
_DATA = False
TERMS: dict[str, tuple[str, bool]] = {
    **{name: (ns.SKG + name, _OBJECT) for name in (
        "country", "qualifiedAffiliation", "withActor", "affiliationKind", "affiliatedWith", "affiliateOf",
        "memberOfCoalition", "supports", "contractedBy", "alliedWith", "inConflictWith", "spokespersonFor",
        "leaderOf", "succeededBy", "memberOf", "unitOf", "placeType", "withinPlace", "startPrecision",
        "endPrecision", "eventType", "subEventOf", "timeSpan", "location", "locationPrecision", "routeOrigin",
        "routeDestination", "qualifiedParticipation", "hadParticipant", "participant", "participantRole",
        "populationCategory", "countOf", "outcome", "victimCategory", "unit", "qualifier", "partOf", "stance",
        "claimant", "qualifiedClaimAttribution", "onBehalfOf", "attributionCertainty", "about", "involves",
        "qualifiedInvolvement", "involvedActor", "accused",
        "qualifiedAccusation", "accusedActor", "allegedRole", "disputes", "deniedActor", "assertsCount",
        "allegedViolation", "statementTime", "reportedIn", "originallyStatedIn", "publisher", "author",
        "creditedTo", "depicts", "partOfDocument", "publicationTime", "creationTime", "derivedFromDocument", "mapsToClass",
        "acledActorCategory", "shortcutProperty",
        # issue 10, part B: incidents, counts, hostility, dataset flags
        "linkedEvent", "linkedIncident", "linkStatus", "linkEvidence", "sameIncident", "victimSide", "victimGroup",
        "proportion", "auxiliaryOf", "qualifiedHostility", "hostilityKind", "datasetFlag",
        # issue 10, part A: claim kinds, accused by description, characterisation, independence
        "rejects", "rejectionGrounds", "absenceOf", "candidateActor", "identificationCertainty", "characterisesAs",
        "basedOn")},
    **{name: (ns.SKG + name, _DATA) for name in (
        "nameInSource", "unnamedInSource", "startDate", "endDate", "originalWording", "dateResolution",
        "minimum", "maximum", "bestEstimate", "partsMutuallyExclusive", "statedOn", "creditLine", "caption",
        "datePublished", "language", "sha256", "retrievedFrom", "retrievedOn", "retracted", "filePath",
        "linkScore", "linkReason", "datasetTag", "groundsWording", "contributingAct", "accusedDescription",
        "characterisationWording")},
    "anchors": (ns.SKG + "anchor", _OBJECT),  # not "anchor": that name is the prefix of anchor IRIs
    "prefLabel": ("http://www.w3.org/2004/02/skos/core#prefLabel", _DATA),
    "altLabel": ("http://www.w3.org/2004/02/skos/core#altLabel", _DATA),
    "notation": ("http://www.w3.org/2004/02/skos/core#notation", _DATA),
    "definition": ("http://www.w3.org/2004/02/skos/core#definition", _DATA),
    "note": ("http://www.w3.org/2004/02/skos/core#note", _DATA),
    "inScheme": ("http://www.w3.org/2004/02/skos/core#inScheme", _OBJECT),
    "broader": ("http://www.w3.org/2004/02/skos/core#broader", _OBJECT),
    "sameAs": ("http://www.w3.org/2002/07/owl#sameAs", _OBJECT),
    "closeMatch": ("http://www.w3.org/2004/02/skos/core#closeMatch", _OBJECT),
    "exactMatch": ("http://www.w3.org/2004/02/skos/core#exactMatch", _OBJECT),
    "label": ("http://www.w3.org/2000/01/rdf-schema#label", _DATA),
    "comment": ("http://www.w3.org/2000/01/rdf-schema#comment", _DATA),
    "seeAlso": ("http://www.w3.org/2000/01/rdf-schema#seeAlso", _OBJECT),
    "wasDerivedFrom": ("http://www.w3.org/ns/prov#wasDerivedFrom", _OBJECT),
    "wasGeneratedBy": ("http://www.w3.org/ns/prov#wasGeneratedBy", _OBJECT),
    "agent": ("http://www.w3.org/ns/prov#agent", _OBJECT),
    "hadRole": ("http://www.w3.org/ns/prov#hadRole", _OBJECT),
    "used": ("http://www.w3.org/ns/prov#used", _OBJECT),
    "identifier": ("http://purl.org/dc/terms/identifier", _DATA),
    "description": ("http://purl.org/dc/terms/description", _DATA),
    "hasVersion": ("http://purl.org/dc/terms/hasVersion", _DATA),
    "source": ("http://purl.org/dc/terms/source", _DATA),
    "hasSource": ("http://www.w3.org/ns/oa#hasSource", _OBJECT),
    "hasSelector": ("http://www.w3.org/ns/oa#hasSelector", _OBJECT),
    "exact": ("http://www.w3.org/ns/oa#exact", _DATA),
    "prefix": ("http://www.w3.org/ns/oa#prefix", _DATA),
    "suffix": ("http://www.w3.org/ns/oa#suffix", _DATA),
    "start": ("http://www.w3.org/ns/oa#start", _DATA),
    "end": ("http://www.w3.org/ns/oa#end", _DATA),
}
_BY_IRI = {iri: (term, is_object) for term, (iri, is_object) in TERMS.items()}


def context() -> dict:
    """Return the JSON-LD context (the body of docs/context.jsonld)."""
    body: dict = dict(sorted(PREFIXES.items()))
    for term, (iri, is_object) in sorted(TERMS.items()):
        body[term] = {"@id": iri, "@type": "@id"} if is_object else {"@id": iri}
    return {"@context": body}


def write_context_file(path: Path = CONTEXT_PATH) -> None:
    """Write docs/context.jsonld from `context()`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(context(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _compact(iri: str) -> str:
    return ns.shorten(iri, local_name=True)


def _node_id(term) -> str:
    return f"_:{term.value}" if isinstance(term, ox.BlankNode) else _compact(term.value)


def _value(term, is_object: bool | None):
    if isinstance(term, (ox.NamedNode, ox.BlankNode)):
        return _node_id(term) if is_object else {"@id": _node_id(term)}
    if term.language:
        return {"@value": term.value, "@language": term.language}
    datatype = term.datatype.value
    if datatype == XSD + "string":
        return term.value
    return {"@value": term.value, "@type": _compact(datatype)}


def compact(quads: Iterable[ox.Quad], *, context_ref: str | dict | None = "https://w3id.org/sahelkg/context.jsonld",
            named_graphs: bool = False) -> dict:
    """Given quads, return a compacted JSON-LD document (one @graph; per named graph when asked)."""
    graphs: dict[str, dict[str, dict]] = {}
    for quad in quads:
        graph_key = quad.graph_name.value if named_graphs and isinstance(quad.graph_name, ox.NamedNode) else ""
        nodes = graphs.setdefault(graph_key, {})
        subject = _node_id(quad.subject)
        node = nodes.setdefault(subject, {"@id": subject})
        predicate = quad.predicate.value
        if predicate == RDF_TYPE and isinstance(quad.object, ox.NamedNode):
            node.setdefault("@type", []).append(_compact(quad.object.value))
            continue
        term, is_object = _BY_IRI.get(predicate, (_compact(predicate), None))
        if is_object and not isinstance(quad.object, (ox.NamedNode, ox.BlankNode)):
            term, is_object = _compact(predicate), None  # a literal where we expect a node: keep it explicit
        if is_object is False and isinstance(quad.object, (ox.NamedNode, ox.BlankNode)):
            term, is_object = _compact(predicate), None
        node.setdefault(term, []).append(_value(quad.object, is_object))
    def finish(nodes: dict[str, dict]) -> list[dict]:
        out = []
        for node in nodes.values():
            for key, values in list(node.items()):
                if key != "@id" and isinstance(values, list) and len(values) == 1:
                    node[key] = values[0]
            out.append(node)
        return out

    document: dict = {}
    if context_ref is not None:
        document["@context"] = context_ref
    if named_graphs:
        document["@graph"] = [nodes for nodes in [
            {"@id": _compact(g), "@graph": finish(n)} if g else None for g, n in graphs.items()] if nodes]
        default = graphs.get("")
        if default:
            document["@graph"] += finish(default)
    else:
        document["@graph"] = finish(graphs.get("", {}))
    return document
