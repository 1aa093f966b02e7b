"""Exports for other provenance tools: nanopublication bundles per allegation, and the claim layer as PROV-O.

Both read the store with SPARQL only (the `Store` interface), so they work on embedded and remote stores.

>>> from sahelkg.dataset import loading
>>> from sahelkg.store import EmbeddedStore
>>> store = EmbeddedStore(); _ = store.load_quads(loading.dataset_quads(loading.seed_paths()))
>>> trig = nanopublication_trig(store, "claim:a000-s4-csp-dpa-accuses", created="2026-01-01T00:00:00Z")
>>> b"np:hasAssertion" in trig
True
"""

from __future__ import annotations

import datetime as _dt

import pyoxigraph as ox

from sahelkg import namespaces as ns
from sahelkg.audit.reports import PROLOGUE, _values_rows, resolve_node

NP = "http://www.nanopub.org/nschema#"
PROV = "http://www.w3.org/ns/prov#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
XSD = "http://www.w3.org/2001/XMLSchema#"
NANOPUB_BASE = ns.BASE + "np/"
PROJECT_AGENT = ox.NamedNode(ns.BASE)
EXPORT_PREFIXES = {"np": NP, "prov": PROV, "skg": ns.SKG, "actor": ns.ID + "actor/", "claim": ns.ID + "claim/",
                   "event": ns.ID + "event/", "doc": ns.ID + "document/", "count": ns.ID + "count/",
                   "oa": "http://www.w3.org/ns/oa#", "xsd": XSD, "dcterms": "http://purl.org/dc/terms/",
                   "rdfs": "http://www.w3.org/2000/01/rdf-schema#"}


def _construct(store, body: str, **bound) -> list[ox.Triple]:
    text = PROLOGUE + body
    where = text.index("WHERE {") + len("WHERE {")
    text = text[:where] + "".join(_values_rows(k, v) for k, v in bound.items()) + text[where:]
    return list(store.query(text).triples)


_ASSERTION = """CONSTRUCT {
  ?claim ?p ?o .
  ?accusation ?accusationP ?accusationO .
  ?count ?countP ?countO .
} WHERE {
  { ?claim ?p ?o .
    FILTER(?p IN (rdf:type, skg:stance, skg:about, skg:accused, skg:qualifiedAccusation, skg:involves,
                  skg:qualifiedInvolvement, skg:assertsCount, skg:allegedViolation, skg:disputes, skg:deniedActor)) }
  UNION { ?claim skg:qualifiedAccusation|skg:qualifiedInvolvement ?accusation . ?accusation ?accusationP ?accusationO . }
  UNION { ?claim skg:assertsCount ?count . ?count ?countP ?countO . }
}"""

_PROVENANCE = """CONSTRUCT {
  ?claim ?p ?o .
  ?attribution ?attributionP ?attributionO .
  ?anchor ?anchorP ?anchorO .
  ?selector ?selectorP ?selectorO .
  ?time ?timeP ?timeO .
} WHERE {
  { ?claim ?p ?o .
    FILTER(?p IN (skg:claimant, skg:qualifiedClaimAttribution, skg:statedOn, skg:statementTime, skg:reportedIn,
                  skg:originallyStatedIn, skg:anchor)) }
  UNION { ?claim skg:qualifiedClaimAttribution ?attribution . ?attribution ?attributionP ?attributionO . }
  UNION { ?claim skg:anchor ?anchor . ?anchor ?anchorP ?anchorO . }
  UNION { ?claim skg:anchor ?anchor . ?anchor oa:hasSelector ?selector . ?selector ?selectorP ?selectorO . }
  UNION { ?claim skg:statementTime ?time . ?time ?timeP ?timeO . }
}"""

_PUBINFO = """SELECT ?graph ?document ?sha ?file WHERE {
  GRAPH ?graph { ?claim skg:stance ?stance . }
  OPTIONAL { ?claim skg:reportedIn ?document . OPTIONAL { ?document skg:sha256 ?sha . }
             OPTIONAL { ?document skg:retrievedFrom ?file . } }
} ORDER BY ?graph ?document"""


def allegations(store) -> list[str]:
    """Return the IRIs of every allegation in the store, sorted."""
    result = store.query(PROLOGUE + "SELECT DISTINCT ?claim WHERE { ?claim a/rdfs:subClassOf* skg:Allegation . } ORDER BY ?claim")
    return [row[0].value for row in result.rows]


def nanopublication(store, claim: str, *, created: str | None = None) -> list[ox.Quad]:
    """Given an allegation (IRI, claim:slug or slug), return its nanopublication as quads in four graphs:
    head, assertion (what is alleged), provenance (who said it, where, with which quote) and pubinfo."""
    iri = resolve_node(store, claim, "claim/", ns.SKG + "Claim")
    node = ox.NamedNode(iri)
    slug = iri.rsplit("/", 1)[-1]
    base = NANOPUB_BASE + slug
    np_node, head, assertion, provenance, pubinfo = (ox.NamedNode(base + suffix) for suffix in
                                                     ("", "#head", "#assertion", "#provenance", "#pubinfo"))
    created = created or _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    quads = [ox.Quad(np_node, RDF_TYPE, ox.NamedNode(NP + "Nanopublication"), head),
             ox.Quad(np_node, ox.NamedNode(NP + "hasAssertion"), assertion, head),
             ox.Quad(np_node, ox.NamedNode(NP + "hasProvenance"), provenance, head),
             ox.Quad(np_node, ox.NamedNode(NP + "hasPublicationInfo"), pubinfo, head)]
    quads += [ox.Quad(t.subject, t.predicate, t.object, assertion) for t in _construct(store, _ASSERTION, claim=[node])]
    prov_triples = _construct(store, _PROVENANCE, claim=[node])
    quads += [ox.Quad(t.subject, t.predicate, t.object, provenance) for t in prov_triples]
    # The assertion graph as a PROV entity: attributed to the claimants, quoted from the reporting
    # documents, derived from the original statement.
    mapping = {ns.SKG + "claimant": PROV + "wasAttributedTo", ns.SKG + "reportedIn": PROV + "wasQuotedFrom",
               ns.SKG + "originallyStatedIn": PROV + "wasDerivedFrom"}
    for t in prov_triples:
        if t.subject == node and t.predicate.value in mapping:
            quads.append(ox.Quad(assertion, ox.NamedNode(mapping[t.predicate.value]), t.object, provenance))
    quads.append(ox.Quad(assertion, RDF_TYPE, ox.NamedNode(PROV + "Entity"), provenance))
    quads += [ox.Quad(np_node, ox.NamedNode(PROV + "generatedAtTime"),
                      ox.Literal(created, datatype=ox.NamedNode(XSD + "dateTime")), pubinfo),
              ox.Quad(np_node, ox.NamedNode(PROV + "wasAttributedTo"), PROJECT_AGENT, pubinfo),
              ox.Quad(np_node, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment"),
                      ox.Literal(f"Exported by sahelkg from the claim {iri}: the assertion is what the claimant "
                                 "alleges, not an established fact."), pubinfo)]
    for row in store.query(PROLOGUE + _PUBINFO.replace("WHERE {", "WHERE {" + _values_rows("claim", [node]), 1)).rows:
        graph, document, sha, file = row
        quads.append(ox.Quad(np_node, ox.NamedNode(PROV + "wasDerivedFrom"), graph, pubinfo))
        if document is not None and sha is not None:
            quads.append(ox.Quad(document, ox.NamedNode(ns.SKG + "sha256"), sha, pubinfo))
        if document is not None and file is not None:
            quads.append(ox.Quad(document, ox.NamedNode(ns.SKG + "retrievedFrom"), file, pubinfo))
    return list(dict.fromkeys(quads))


def nanopublication_trig(store, claim: str, *, created: str | None = None) -> bytes:
    """Given an allegation, return its nanopublication as TriG."""
    return ox.serialize(nanopublication(store, claim, created=created), format=ox.RdfFormat.TRIG,
                        prefixes=EXPORT_PREFIXES) or b""


def all_nanopublications_trig(store, *, created: str | None = None) -> bytes:
    """Return one TriG document holding the nanopublication of every allegation."""
    quads = [q for claim in allegations(store) for q in nanopublication(store, claim, created=created)]
    return ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=EXPORT_PREFIXES) or b""


_PROV_O = """CONSTRUCT {
  ?claim a prov:Entity .
  ?claim rdfs:label ?claimLabel .
  ?claim prov:wasAttributedTo ?speakerClaimant .
  ?claim prov:qualifiedAttribution ?attribution .
  ?attribution a prov:Attribution .
  ?attribution prov:agent ?speaker .
  ?attribution prov:hadRole ?role .
  ?claim prov:wasQuotedFrom ?reportedIn .
  ?claim prov:qualifiedQuotation ?quotation .
  ?quotation a prov:Quotation .
  ?quotation prov:entity ?reportedIn .
  ?claim prov:wasDerivedFrom ?original .
  ?reportedIn a prov:Entity .
  ?original a prov:Entity .
  ?document prov:wasAttributedTo ?documentAgent .
  ?document rdfs:label ?documentLabel .
  ?claimant a prov:Agent .
  ?claimant a ?agentClass .
  ?claimant rdfs:label ?agentLabel .
  ?speaker prov:actedOnBehalfOf ?behalf .
  ?derived a prov:Entity .
  ?derived prov:wasDerivedFrom ?claim .
} WHERE {
  { ?claim a skg:Claim .
    OPTIONAL { ?claim skos:prefLabel|rdfs:label ?claimLabel . }
    BIND(?claim AS ?claimNode) }
  UNION { ?claim skg:claimant ?claimant .
          OPTIONAL { ?claim skg:qualifiedClaimAttribution ?claimAttribution .
                     ?claimAttribution prov:agent ?claimant .
                     BIND(?claimant AS ?speakerClaimant) }
          OPTIONAL { ?claimant skos:prefLabel ?agentLabel . FILTER(LANG(?agentLabel) = "en") }
          OPTIONAL { ?claimant a skg:Person . BIND(prov:Person AS ?agentClass) }
          OPTIONAL { ?claimant a/rdfs:subClassOf* skg:Organisation . BIND(prov:Organization AS ?agentClass) } }
  UNION { ?claim skg:qualifiedClaimAttribution ?sharedAttribution .
          BIND(IRI(CONCAT(STR(?sharedAttribution), "--", STRAFTER(STR(?claim), "/claim/"))) AS ?attribution)
          ?sharedAttribution prov:agent ?speaker .
          OPTIONAL { ?sharedAttribution prov:hadRole ?role . }
          OPTIONAL { ?sharedAttribution skg:onBehalfOf ?behalf . } }
  UNION { ?claim skg:reportedIn ?reportedIn .
          BIND(IRI(CONCAT(STR(?claim), "--quoted-from--", STRAFTER(STR(?reportedIn), "/document/"))) AS ?quotation) }
  UNION { ?claim skg:originallyStatedIn ?original . }
  UNION { ?claim a skg:Claim .
          { ?claim skg:reportedIn ?document . } UNION { ?claim skg:originallyStatedIn ?document . }
          OPTIONAL { ?document skg:publisher|skg:author ?documentAgent . }
          OPTIONAL { ?document rdfs:label ?documentLabel . FILTER(LANG(?documentLabel) = "en") } }
  UNION { ?derived prov:wasDerivedFrom ?claim . ?claim a skg:Claim . }
}"""


def prov_o(store) -> list[ox.Triple]:
    """Return the claim layer as plain PROV-O: claims and documents as entities, claimants as agents,
    qualified attributions with roles, delegation (spokesperson → organisation), quotation and derivation.

    A PROV qualified influence belongs to one entity, so one attribution is minted per claim (the seed
    shares a skg:ClaimAttribution among claims). The organisation a speaker speaks for is reached by
    delegation (prov:actedOnBehalfOf), not by a second attribution of the claim.
    """
    text = PROLOGUE + _PROV_O
    triples = list(store.query(text).triples)
    # Agents that only appear as speakers or document authors are agents too.
    agents = {t.object for t in triples if t.predicate.value in (PROV + "agent", PROV + "actedOnBehalfOf")} | \
             {t.object for t in triples if t.predicate.value == PROV + "wasAttributedTo"}
    triples += [ox.Triple(a, RDF_TYPE, ox.NamedNode(PROV + "Agent")) for a in sorted(agents, key=str)]
    return list(dict.fromkeys(triples))


def prov_o_turtle(store) -> bytes:
    """Return the claim layer as PROV-O in Turtle."""
    return ox.serialize(prov_o(store), format=ox.RdfFormat.TURTLE, prefixes=EXPORT_PREFIXES) or b""
