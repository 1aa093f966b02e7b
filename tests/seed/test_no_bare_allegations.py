"""No accused actor is ever tied to an occurrence except through a claim."""


def test_no_direct_link_from_an_occurrence_to_an_accused_actor(select):
    # Any property from an occurrence (or its participation nodes) to an actor that some claim
    # accuses of it, other than the explicit non-perpetrator participation roles.
    rows = select("""
        SELECT DISTINCT ?occurrence ?property ?actor WHERE {
          ?claim skg:about ?occurrence ; skg:accused|skg:involves ?actor .
          ?occurrence a/rdfs:subClassOf* skg:Occurrence .
          { ?occurrence ?property ?actor }
          UNION
          { ?actor ?property ?occurrence }
          UNION
          { ?occurrence skg:qualifiedParticipation ?p . ?p skg:participant ?actor ; skg:participantRole ?role .
            BIND(skg:participantRole AS ?property)
            FILTER(?role NOT IN (<https://w3id.org/sahelkg/vocab/role/victim>,
                                 <https://w3id.org/sahelkg/vocab/role/target>,
                                 <https://w3id.org/sahelkg/vocab/role/attendee>,
                                 <https://w3id.org/sahelkg/vocab/role/expelled>)) }
        }""")
    assert rows == []


def test_no_participation_uses_the_perpetrator_role(ask):
    assert not ask("?p skg:participantRole <https://w3id.org/sahelkg/vocab/role/perpetrator>")


def test_each_claim_has_its_own_attribution_nodes(select):
    # PROV: a qualified attribution belongs to exactly one entity.
    rows = select("""SELECT ?attribution WHERE { ?claim skg:qualifiedClaimAttribution ?attribution }
                     GROUP BY ?attribution HAVING (COUNT(DISTINCT ?claim) > 1)""")
    assert rows == []


def test_every_accusation_is_made_by_an_attributed_sourced_claim(select):
    rows = select("""
        SELECT ?claim WHERE {
          ?claim skg:accused ?actor .
          FILTER NOT EXISTS { ?claim skg:claimant ?who ; skg:reportedIn ?doc ; skg:stance ?stance ;
                                     skg:statedOn ?when ; skg:anchor ?anchor }
        }""")
    assert rows == []
