"""Each statement S1–S10 of the seed article maps to graph content that represents it.

Each pattern is what a researcher would need to find the statement again; a missing or
mis-modelled piece makes its ASK fail, naming the statement.
"""

import pytest

SOURCE = "GRAPH <https://w3id.org/sahelkg/graph/source/a000>"

STATEMENTS = {
    "S1 Wagner in Mali since the coups of 2020 and 2021": f"""
        {SOURCE} {{
          ?claim skg:about ?deployment ; skg:involves actor:wagner-group ; skg:reportedIn doc:a000 .
          FILTER NOT EXISTS {{ ?claim skg:accused ?anyone }}
          ?deployment skg:eventType <https://w3id.org/sahelkg/vocab/event-type/military-deployment> ;
                      skg:location place:mali ; skg:timeSpan/skg:startDate "2020-01-01"^^xsd:date .
          ?coupClaim skg:about event:a000-coup-2020 , event:a000-coup-2021 .
          event:a000-coup-2020 skg:eventType <https://w3id.org/sahelkg/vocab/event-type/coup> .
        }}""",
    "S1 the junta expelled French and UN troops": f"""
        {SOURCE} {{
          ?claim skg:about ?expulsion ;
                 skg:qualifiedInvolvement [ skg:involvedActor actor:malian-junta ;
                                            skg:allegedRole <https://w3id.org/sahelkg/vocab/role/initiator> ] .
          ?expulsion skg:eventType <https://w3id.org/sahelkg/vocab/event-type/expulsion-of-foreign-forces> ;
                     skg:hadParticipant actor:french-armed-forces , actor:minusma .
        }}""",
    "S1 stated once though printed twice": f"""
        {SOURCE} {{ claim:a000-s1-wagner-operating skg:anchor ?first , ?second . FILTER(?first != ?second) }}""",
    "S2 photo of a CSP-DPA fighter at Tinzaouaten, 27 Nov 2024, Reuters/Abdolah Ag Mohamed": f"""
        {SOURCE} {{
          ?photo a skg:Photograph ; skg:author actor:abdolah-ag-mohamed ; skg:creditedTo actor:reuters ;
                 skg:creditLine "REUTERS/Abdolah Ag Mohamed" ; skg:partOfDocument doc:a000 ; skg:depicts ?meeting .
          ?meeting skg:location place:tinzaouaten ; skg:hadParticipant actor:csp-dpa ;
                   skg:timeSpan/skg:startDate "2024-11-27"^^xsd:date .
        }}""",
    "S3 nine civilians incl. women and children killed, according to a civil-society group and the coalition": f"""
        {SOURCE} {{
          ?count skg:countOf event:a000-niono-vehicle-attack ; skg:minimum 9 ; skg:maximum 9 ;
                 skg:victimCategory <https://w3id.org/sahelkg/vocab/victim-category/civilians> .
          ?women skg:partOf ?count ; skg:victimCategory <https://w3id.org/sahelkg/vocab/victim-category/women> .
          ?children skg:partOf ?count ; skg:victimCategory <https://w3id.org/sahelkg/vocab/victim-category/children> .
          ?byKalAkal skg:assertsCount ?count ; skg:claimant actor:kal-akal ; skg:accused actor:fama , actor:wagner-group .
          ?byCoalition skg:assertsCount ?count ; skg:claimant actor:csp-dpa ; skg:accused actor:fama , actor:wagner-group .
          event:a000-niono-vehicle-attack skg:location place:segou-region .
        }}""",
    "S4 vehicle from Niono to a refugee camp in Mauritania, under fire on 2 Jan 2025, said Ramadane on 4 Jan": f"""
        {SOURCE} {{
          event:a000-niono-vehicle-attack skg:routeOrigin place:niono ; skg:routeDestination ?camp ;
                 skg:timeSpan [ skg:startDate "2025-01-02"^^xsd:date ; skg:endDate "2025-01-02"^^xsd:date ] .
          ?camp skg:withinPlace place:mauritania ; skg:unnamedInSource true .
          ?claim skg:about event:a000-niono-vehicle-attack ; skg:statedOn "2025-01-04"^^xsd:date ;
                 skg:qualifiedClaimAttribution [ prov:agent actor:mohamed-elmaouloud-ramadane ; skg:onBehalfOf actor:csp-dpa ;
                                                 prov:hadRole <https://w3id.org/sahelkg/vocab/role/spokesperson> ] ;
                 skg:stance <https://w3id.org/sahelkg/vocab/stance/accuses> ; skg:accused actor:fama , actor:wagner-group .
          actor:mohamed-elmaouloud-ramadane skg:spokespersonFor actor:csp-dpa .
        }}""",
    "S5 the Kel Ansar leader calls for an investigation and denies Malian troops' involvement": f"""
        {SOURCE} {{
          ?call skg:stance <https://w3id.org/sahelkg/vocab/stance/calls-for-investigation> ;
                skg:claimant actor:kel-ansar-leader ; skg:about event:a000-niono-vehicle-attack .
          ?denial skg:stance <https://w3id.org/sahelkg/vocab/stance/denies> ; skg:claimant actor:kel-ansar-leader ;
                  skg:deniedActor actor:fama ; skg:disputes claim:a000-s4-csp-dpa-accuses , claim:a000-s3-kal-akal-accuses .
          FILTER NOT EXISTS {{ ?denial skg:deniedActor actor:wagner-group }}
          actor:kel-ansar-leader skg:leaderOf actor:kel-ansar .
        }}""",
    "S6 file picture of French special forces in Mali, credited @EtatMajorFR/Twitter": f"""
        {SOURCE} {{
          ?photo a skg:Photograph ; skg:creditedTo actor:etat-major-des-armees ; skg:depicts ?deployment .
          ?deployment skg:location place:mali .
          ?claim skg:about ?deployment ; skg:involves actor:french-special-forces .
        }}""",
    "S7 Wagner supports Malian forces against Islamist insurgents and Tuareg separatists": f"""
        {SOURCE} {{
          actor:wagner-group skg:supports actor:fama ;
              skg:qualifiedAffiliation [ skg:withActor actor:fama ; prov:wasDerivedFrom ?claim ] .
          ?claim skg:reportedIn doc:a000 .
          actor:fama skg:inConflictWith actor:jnim , actor:isgs , actor:csp-dpa .
        }}""",
    "S8 HRW (December 2024) accuses FAMa with Wagner's support and Islamist armed groups": f"""
        {SOURCE} {{
          ?claim skg:claimant actor:human-rights-watch ; skg:statedOn "2024-12-01"^^xsd:date ;
                 skg:originallyStatedIn ?report ; skg:reportedIn doc:a000 ;
                 skg:qualifiedAccusation [ skg:accusedActor actor:fama ;
                                           skg:allegedRole <https://w3id.org/sahelkg/vocab/role/perpetrator> ] ,
                                         [ skg:accusedActor actor:wagner-group ;
                                           skg:allegedRole <https://w3id.org/sahelkg/vocab/role/supporter> ] ;
                 skg:accused actor:jnim , actor:isgs ;
                 skg:allegedViolation <https://w3id.org/sahelkg/vocab/violation/laws-of-war> .
          ?report skg:publisher actor:human-rights-watch .
        }}""",
    "S9 HRW: since May 2024 at least 32 killed (7 in a drone strike), 4 disappeared, at least 100 homes burned": f"""
        {SOURCE} {{
          ?claim skg:claimant actor:human-rights-watch ; skg:accused actor:fama , actor:wagner-group ; skg:about ?pattern ;
                 skg:assertsCount ?killed , ?drone , ?disappeared , ?homes .
          ?pattern a skg:EventPattern ; skg:location place:central-mali , place:northern-mali ;
                   skg:timeSpan/skg:startDate "2024-05-01"^^xsd:date .
          ?killed skg:minimum 32 ; skg:qualifier <https://w3id.org/sahelkg/vocab/count-qualifier/at-least> .
          FILTER NOT EXISTS {{ ?killed skg:maximum ?any }}
          ?drone skg:minimum 7 ; skg:maximum 7 ; skg:partOf ?killed ; skg:countOf ?strike .
          ?strike skg:subEventOf ?pattern ; skg:eventType <https://w3id.org/sahelkg/vocab/event-type/acled-air-drone-strike> .
          ?disappeared skg:outcome <https://w3id.org/sahelkg/vocab/outcome/forcibly-disappeared> ; skg:minimum 4 ; skg:maximum 4 .
          ?homes skg:outcome <https://w3id.org/sahelkg/vocab/outcome/dwellings-burned> ; skg:minimum 100 ;
                 skg:unit <https://w3id.org/sahelkg/vocab/unit/dwellings> .
        }}""",
    ("S10 HRW: since June 2024 JNIM and ISGS executed at least 47, displaced thousands; "
     "JNIM burned over 1,000 homes, looted thousands of livestock"): f"""
        {SOURCE} {{
          ?claim skg:claimant actor:human-rights-watch ; skg:accused actor:jnim , actor:isgs ;
                 skg:assertsCount ?executed , ?displaced .
          ?executed skg:outcome <https://w3id.org/sahelkg/vocab/outcome/executed> ; skg:minimum 47 .
          ?displaced skg:outcome <https://w3id.org/sahelkg/vocab/outcome/displaced> ; skg:minimum 2000 ;
                     skg:originalWording ?thousands .
          ?jnimClaim skg:accused actor:jnim ; skg:assertsCount ?burned , ?looted .
          FILTER NOT EXISTS {{ ?jnimClaim skg:accused actor:isgs }}
          ?burned skg:minimum 1001 ; skg:qualifier <https://w3id.org/sahelkg/vocab/count-qualifier/more-than> .
          ?looted skg:unit <https://w3id.org/sahelkg/vocab/unit/head-of-livestock> .
          actor:jnim skg:affiliateOf actor:al-qaeda .
          actor:isgs skg:affiliateOf actor:islamic-state .
          ?pattern skg:timeSpan/skg:startDate "2024-06-01"^^xsd:date .
          ?claim skg:about ?pattern .
        }}""",
}


@pytest.mark.parametrize("statement", list(STATEMENTS))
def test_statement_is_represented(ask, statement):
    assert ask(STATEMENTS[statement]), f"{statement}: not represented in the seed graph"


def test_article_date_is_inferred_and_says_how(select):
    rows = select("""SELECT ?start ?end ?how WHERE {
        doc:a000 skg:publicationTime ?t . ?t skg:startDate ?start ; skg:endDate ?end ; skg:dateResolution ?how }""")
    assert [(r["start"], r["end"]) for r in rows] == [("2025-01-06", "2025-01-12")]
    assert "last week" in rows[0]["how"]
