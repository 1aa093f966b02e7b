"""`/update`: SPARQL 1.1 Update, only with the write token, every change through the SHACL gate."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from sahelkg.sparql import protocol
from sahelkg.web.routes.common import (check_text_length, commit, read_body, request_timeout, require_write_access,
                                settings_of, store_of, store_problem)
from sahelkg.problems import Problem
from sahelkg.store import EvaluationError
from sahelkg.store.updating import change_in_scratch_copy, plan_update

router = APIRouter()


@router.api_route("/update", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
async def update(request: Request) -> Response:
    """Run a SPARQL update: dry-run it to a Change, validate the Change, then apply it atomically."""
    settings = settings_of(request)
    if request.method != "POST":
        raise Problem(405, "Method not allowed", "Send SPARQL updates by POST.", headers={"Allow": "POST"})
    require_write_access(request)
    body = await read_body(request, settings)
    operation = protocol.read_operation(
        method="POST", url_query=request.url.query, content_type=request.headers.get("content-type"),
        body=body, field_name="update", direct_type="application/sparql-update",
        dataset_names=("using-graph-uri", "using-named-graph-uri"))
    text = operation.text
    check_text_length(text, settings, "update")
    protocol.check_update_safety(text, ())  # Guard: updates never call out, allow-list or not.
    plan = plan_update(text, using_graph_uris=operation.default_graph_uris,
                       using_named_graph_uris=operation.named_graph_uris)
    store = store_of(request)
    timeout = request_timeout(operation.first("timeout"), settings)

    def compute():
        if not hasattr(store, "dry_run_update"):  # a remote store: exact only for data operations
            return change_in_scratch_copy(store, plan, settings.base_iri)
        try:
            return store.dry_run_update(plan.text, base_iri=settings.base_iri, patterns=plan.patterns,
                                        timeout=timeout)
        except EvaluationError as error:
            raise Problem(400, "Update failed", f"{error}. Nothing was applied.", kind="update-failed") from error
        except Exception as error:
            raise store_problem(error, plan.text, "update") from error

    change = await commit(request, compute)
    return Response(status_code=204, headers={"X-Sahelkg-Added": str(len(change.additions)),
                                              "X-Sahelkg-Removed": str(len(change.removals))})
