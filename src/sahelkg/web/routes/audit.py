"""`/audit/…`: the provenance audits over HTTP, and the retraction of a source document.

    GET  /audit/actor/{actor}            actor ledger (IRI, actor:slug or name)
    GET  /audit/contested                allegations side by side with their denials
    GET  /audit/corroboration            independent claimants per allegation (?limit=&offset=&min_lines=)
    GET  /audit/claim/{claim}            source chain; /audit/claim/{claim}/diagram.svg for the diagram
    GET  /audit/source/{document}        everything derived from a document
    POST /audit/source/{document}/retraction?retracted=true|false   (bearer token; SHACL gate)
    GET  /audit/claim/{claim}/nanopub    the allegation as a nanopublication (TriG)
    GET  /audit/prov                     the claim layer as PROV-O (Turtle)
    GET  /audit/incident?incident=…      the incident dossier (or /audit/incident/{incident or event})
    GET  /audit/adversaries              accusations between actors in conflict
    GET  /audit/alleged?by=…&against=…   what an organisation alleged against an actor and its affiliates
    GET  /audit/answers                  denials and rejections by the kind of actor that made them
    GET  /audit/crosswalk                dataset actor names → our actors; category disagreements

Formats: JSON (default), HTML, Markdown or CSV, by Accept or `?format=json|html|markdown|csv`.
The incident dossier's HTML is a workbench page (base layout); the other audits' is a plain table.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query
from starlette.requests import Request
from starlette.responses import Response

from sahelkg import namespaces as ns
from sahelkg.audit import reports as audit
from sahelkg.problems import Problem
from sahelkg.sparql import protocol
from sahelkg.sparql.saved_queries import expand_iri
from sahelkg.web import layout, report_page
from sahelkg.web.routes.common import (
    commit_write,
    request_timeout,
    require_write_access,
    run_blocking,
    settings_of,
    store_of,
    store_problem,
)

router = APIRouter(prefix="/audit", tags=["audits"])

MEDIA_TYPES = {"json": "application/json", "html": "text/html", "markdown": "text/markdown", "csv": "text/csv"}
_OFFERS = tuple(MEDIA_TYPES.values())
_RESPONSES: dict[int | str, dict[str, Any]] = {200: {"content": {t: {} for t in _OFFERS}}}


class _TimedStore:
    """A store whose queries default to the service's query timeout (an audit runs several queries)."""

    def __init__(self, store, timeout: float) -> None:
        self._store, self._timeout = store, timeout

    def query(self, sparql: str, **options):
        """Given a query, run it on the wrapped store with the timeout unless one is given."""
        options.setdefault("timeout", self._timeout)
        return self._store.query(sparql, **options)

    def __getattr__(self, name):
        return getattr(self._store, name)


def _reading_store(request: Request):
    # Guard: every audit query is bounded by the service's timeout, so a large graph cannot hold a worker.
    return _TimedStore(store_of(request), request_timeout(request.query_params.get("timeout"), settings_of(request)))


async def _report(request: Request, kind: str, target: str | None = None, against: str | None = None,
                  **paging: Any) -> Response:
    fmt = request.query_params.get("format")
    if fmt:
        media_type = MEDIA_TYPES.get(fmt, fmt if fmt in _OFFERS else None)
    else:
        media_type = protocol.negotiate(request.headers.get("accept"), _OFFERS)
    if media_type is None:
        raise Problem(406, "Not acceptable", f"Audits are available as {', '.join(_OFFERS)} "
                      "(or ?format=json|html|markdown|csv).")
    name = next(k for k, v in MEDIA_TYPES.items() if v == media_type)
    try:
        report = await run_blocking(request, audit.run_audit, _reading_store(request), kind, target, against, **paging)
        if name == "html":  # the workbench's layout (web/report_page.py); the incident dossier its own
            page = incident_page(report, request) if kind == "incident" else report_page.render(report, request)
            return Response(page, media_type="text/html; charset=utf-8",
                            headers={"Vary": "Accept", "Content-Security-Policy": layout.NO_SCRIPT_POLICY})
        body = await run_blocking(request, audit.render, report, name)
    except audit.AuditError as error:
        raise Problem(error.status, "Audit target not found" if error.status == 404 else "Bad audit request",
                      str(error)) from error
    except Problem:
        raise
    except Exception as error:
        raise store_problem(error) from error
    return Response(body, media_type=protocol.content_type_header(media_type), headers={"Vary": "Accept"})


@router.get("/actor/{actor:path}", summary="Actor ledger", responses=_RESPONSES)
async def actor_ledger(request: Request, actor: str) -> Response:
    """Every allegation against the actor, every claim it made and every denial of its part, in date order."""
    return await _report(request, "actor", actor)


@router.get("/contested", summary="Contested claims", responses=_RESPONSES)
async def contested(request: Request) -> Response:
    """Allegations that are denied or disputed, side by side with the denial, each with its sources."""
    return await _report(request, "contested")


@router.get("/corroboration", summary="Corroboration", responses=_RESPONSES)
async def corroboration(
        request: Request,
        limit: Annotated[int, Query(ge=0, description=f"rows per page (default {audit.CORROBORATION_PAGE}; 0: every row)")]
        = audit.CORROBORATION_PAGE,
        offset: Annotated[int, Query(ge=0, description="rows to skip")] = 0,
        min_lines: Annotated[int, Query(ge=1, description="only allegations with this many lines of evidence or more "
                                                          "(2: the corroborated ones)")] = 1) -> Response:
    """For each incident or event and accused actor, how many independent claimants and lines of evidence
    make the allegation, most corroborated first, one page at a time (the JSON's `page` gives the total
    and the next and previous offsets; the HTML page links them)."""
    return await _report(request, "corroboration", limit=limit or None, offset=offset, min_lines=min_lines)


@router.get("/incident", summary="Incident dossier", responses=_RESPONSES)
async def incident_dossier(request: Request, incident: Annotated[str, Query(
        min_length=1, description="the incident or a single event: IRI, incident:slug, event:slug or slug")]) -> Response:
    """Every source's account of an incident (or of one event) side by side: figures with non-overlap and
    disputed-status flags, responsibility claims, accusations, denials, rejections, characterisations,
    absences and the dataset rows linked to it."""
    return await _report(request, "incident", incident)


@router.get("/incident/{incident:path}", summary="Incident dossier (path form)", responses=_RESPONSES)
async def incident_dossier_at(request: Request, incident: str) -> Response:
    """The incident dossier of /audit/incident?incident=…, with the incident or event in the path."""
    return await _report(request, "incident", incident)


@router.get("/adversaries", summary="Accusations between adversaries", responses=_RESPONSES)
async def adversaries(request: Request) -> Response:
    """Accusations by an actor against one it is in conflict with (skg:inConflictWith, either direction)."""
    return await _report(request, "adversaries")


@router.get("/alleged", summary="What an organisation alleged against an actor and its affiliates", responses=_RESPONSES)
async def alleged(request: Request, by: Annotated[str, Query(min_length=1, description="the organisation")],
                  against: Annotated[str, Query(min_length=1, description="the actor (its affiliates too)")]) -> Response:
    """Every accusation by the organisation against the actor and its affiliates (never its enemies), with counts."""
    return await _report(request, "alleged", by, against)


@router.get("/answers", summary="Denials and rejections by kind of actor", responses=_RESPONSES)
async def answers(request: Request) -> Response:
    """Denials and rejections grouped by the kind of actor that made them, with counts per kind."""
    return await _report(request, "answers")


@router.get("/crosswalk", summary="Dataset actors: crosswalk and category disagreements", responses=_RESPONSES)
async def crosswalk(request: Request) -> Response:
    """Where ACLED or UCDP code one of our actors in a category that disagrees with our class for it, and the
    crosswalk table of dataset actor names (data/dataset-actors.csv)."""
    return await _report(request, "crosswalk")


@dataclass
class IncidentView:
    """What incident.html shows: the dossier report, links for the things it names, its other formats."""

    report: audit.Report
    href: Callable[[str], str]
    name: str = ""
    technical: list = field(default_factory=list)

    def href_for(self, value: str) -> str:
        """Given a cell's text, return a link when it names one of our things (claim:…, event:…), else ""."""
        iri = expand_iri(value) if re.match(r"^[a-z-]+:[^/\s]+$", value or "") else ""
        return self.href(iri) if iri.startswith(ns.ID) else ""

    @property
    def alternates(self) -> dict[str, str]:
        """The dossier's other formats, by name."""
        subject = quote(self.report.subject or "", safe="")
        return {fmt: f"/audit/incident?incident={subject}&format={fmt}" for fmt in ("json", "markdown", "csv")}


def incident_view(store, iri: str, href: Callable[[str], str], timeout: float | None = None) -> IncidentView | None:
    """Given a store, an incident's IRI and a link maker, return the view of its dossier (None when the store
    has no such incident): the build function for the incident's own /id/incident/… page."""
    reading = _TimedStore(store, timeout) if timeout else store
    try:
        report = audit.run_audit(reading, "incident", iri)
    except audit.AuditError:
        return None
    return IncidentView(report, href, name=report.title)


def incident_page(report: audit.Report, request: Request) -> str:
    """Given an incident dossier, return its workbench page (base layout), linking the things it names."""
    from sahelkg.web.routes.linked_data import site_of

    site = site_of(request)
    view = IncidentView(report, lambda iri: layout.web_href(site, iri), name=report.title)
    return layout.render("incident.html", title=report.title, dossier=view, request_path=request.url.path,
                         allow_scripts=False)


@router.get("/claim/{claim:path}/diagram.svg", summary="Source chain diagram",
            responses={200: {"content": {"image/svg+xml": {}}}})
async def claim_diagram(request: Request, claim: str) -> Response:
    """The source chain of a claim as an SVG diagram generated from the graph."""
    try:
        report = await run_blocking(request, audit.source_chain, _reading_store(request), claim)
    except audit.AuditError as error:
        raise Problem(error.status, "Audit target not found", str(error)) from error
    except Exception as error:
        raise store_problem(error) from error
    return Response(report.svg, media_type="image/svg+xml")


@router.get("/claim/{claim:path}/nanopub", summary="Nanopublication of an allegation",
            responses={200: {"content": {"application/trig": {}}}})
async def nanopublication(request: Request, claim: str) -> Response:
    """The claim as a nanopublication: head, assertion, provenance and publication-info graphs, in TriG."""
    from sahelkg.audit import exports as provenance_export

    try:
        body = await run_blocking(request, provenance_export.nanopublication_trig, _reading_store(request), claim)
    except audit.AuditError as error:
        raise Problem(error.status, "Audit target not found", str(error)) from error
    except Exception as error:
        raise store_problem(error) from error
    return Response(body, media_type=protocol.content_type_header("application/trig"))


@router.get("/prov", summary="The claim layer as PROV-O", responses={200: {"content": {"text/turtle": {}}}})
async def prov_o(request: Request) -> Response:
    """Claims, documents and claimants as PROV-O (entities, agents, attributions, delegation, quotation)."""
    from sahelkg.audit import exports as provenance_export

    try:
        body = await run_blocking(request, provenance_export.prov_o_turtle, _reading_store(request))
    except Exception as error:
        raise store_problem(error) from error
    return Response(body, media_type=protocol.content_type_header("text/turtle"))


@router.get("/claim/{claim:path}", summary="Source chain of a claim", responses=_RESPONSES)
async def source_chain(request: Request, claim: str) -> Response:
    """From the claim back through the reporting document, the statement, the speaker and the organisation."""
    return await _report(request, "claim", claim)


@router.post("/source/{document:path}/retraction", summary="Mark a source retracted (or not)")
async def retraction(request: Request, document: str, retracted: bool = True) -> Response:
    """Set skg:retracted on a document: an authenticated write that passes the SHACL gate, all or nothing."""
    require_write_access(request)
    store = store_of(request)
    try:
        change = await run_blocking(request, audit.retraction_change, store, document, retracted)
    except audit.AuditError as error:
        raise Problem(error.status, "Audit target not found", str(error)) from error
    if change.is_empty():
        return Response(status_code=204)
    # Sent as a data-only update so that the gate runs where every other write's does (a worker
    # process for the embedded store), not in this process.
    write = {"kind": "update", "text": _data_update(change), "using": [], "using_named": [],
             "base_iri": settings_of(request).base_iri}
    await commit_write(request, write, settings_of(request).write_timeout)
    return Response(json.dumps({"document": document, "retracted": retracted}), media_type="application/json")


@router.get("/source/{document:path}", summary="Source impact", responses=_RESPONSES)
async def source_impact(request: Request, document: str) -> Response:
    """Everything derived from a source document, and which claims rest on it alone."""
    return await _report(request, "source", document)


def _data_update(change: Any) -> str:
    """Given a Change without blank nodes, return it as DELETE DATA / INSERT DATA."""
    def block(quads: Any) -> str:
        return " ".join(f"GRAPH {q.graph_name} {{ {q.subject} {q.predicate} {q.object} }}" for q in quads)

    parts = []
    if change.removals:
        parts.append(f"DELETE DATA {{ {block(change.removals)} }}")
    if change.additions:
        parts.append(f"INSERT DATA {{ {block(change.additions)} }}")
    return " ;\n".join(parts)
