"""An audit report (`sahelkg.audit.reports.Report`) as a workbench page: the base layout, its notes,
its chain diagram, its table with every `prefix:name` cell linked to that thing's page, and links to
its other formats. The incident dossier has its own template (templates/incident.html)."""

from __future__ import annotations

import re

from starlette.requests import Request

from sahelkg import namespaces as ns
from sahelkg.audit.reports import Report
from sahelkg.sparql.saved_queries import expand_iri
from sahelkg.web import layout

_PREFIXED = re.compile(r"^[a-z][a-z-]*:[^/\s;,]+$")
FORMATS = ("json", "markdown", "csv")


def render(report: Report, request: Request) -> str:
    """Given a report and the request that asked for it, return its page (HTML)."""
    from sahelkg.web.routes.linked_data import site_of

    site = site_of(request)

    def href_for(value: str) -> str:
        iri = expand_iri(value) if _PREFIXED.match(value or "") else ""
        return layout.web_href(site, iri) if iri.startswith(ns.BASE) else ""

    formats = [(fmt, str(request.url.include_query_params(format=fmt))) for fmt in FORMATS]
    return layout.render("report.html", title=report.title, report=report, href_for=href_for, formats=formats,
                         href=lambda iri: layout.web_href(site, iri), pages=page_links(report, request),
                         request_path=request.url.path, allow_scripts=False)


def page_links(report: Report, request: Request) -> list[tuple[str, str]]:
    """Given a paged report and its request, return the (label, URL) of its previous and next pages."""
    page = report.page
    if page is None:
        return []
    links = []
    for label, offset in (("Previous page", page.previous_offset), ("Next page", page.next_offset)):
        if offset is not None:
            url = request.url.include_query_params(offset=offset)
            links.append((label, f"{url.path}?{url.query}"))
    return links
