"""`/update`: SPARQL 1.1 Update, only with the write token, every change through the SHACL gate."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from sahelkg.problems import Problem
from sahelkg.sparql import protocol
from sahelkg.web.routes.common import (
    check_text_length,
    commit_write,
    read_body,
    request_timeout,
    require_write_access,
    settings_of,
)

router = APIRouter()

_UPDATE_BODY = {"required": True, "content": {
    "application/sparql-update": {"schema": {"type": "string"}},
    "application/x-www-form-urlencoded": {"schema": {"type": "object", "required": ["update"], "properties": {
        "update": {"type": "string"}, "using-graph-uri": {"type": "string"},
        "using-named-graph-uri": {"type": "string"}}}}}}


@router.post("/update", status_code=204, openapi_extra={"requestBody": _UPDATE_BODY},
             responses={204: {"description": "Applied; X-Sahelkg-Added / X-Sahelkg-Removed count the quads"}})
async def update(request: Request) -> Response:
    """Run a SPARQL update: dry-run it to a Change, validate the Change, then apply it atomically.

    The parsing, dry run and validation happen in a worker process holding a snapshot of the store
    (sahelkg.sparql.write_plans), so other requests are not held up while they run."""
    settings = settings_of(request)
    require_write_access(request)
    body = await read_body(request, settings)
    operation = protocol.read_operation(
        method="POST", url_query=request.url.query, content_type=request.headers.get("content-type"),
        body=body, field_name="update", direct_type="application/sparql-update",
        dataset_names=("using-graph-uri", "using-named-graph-uri"))
    if operation is None:  # only a GET without `update` comes back empty; this route takes POST
        raise Problem(400, "Missing update", "The request carries no `update`.")
    text = operation.text
    check_text_length(text, settings, "update")
    # The safety scan and nesting check read the text character by character: the worker does them.
    timeout = request_timeout(operation.first("timeout"), settings)
    write = {"kind": "update", "text": text, "using": operation.default_graph_uris or [],
             "using_named": operation.named_graph_uris or [], "base_iri": settings.base_iri}
    removed, added = await commit_write(request, write, timeout)
    return Response(status_code=204, headers={"X-Sahelkg-Added": str(added), "X-Sahelkg-Removed": str(removed)})


@router.api_route("/update", methods=["GET", "PUT", "DELETE", "PATCH", "OPTIONS"], include_in_schema=False)
async def update_other_methods(request: Request) -> Response:
    """Refuse anything but POST (405 with Allow)."""
    raise Problem(405, "Method not allowed", "Send SPARQL updates by POST.", headers={"Allow": "POST"})
