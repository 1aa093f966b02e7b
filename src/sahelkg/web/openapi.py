"""The OpenAPI document at /openapi.json, made to match what the service answers.

FastAPI's generated document misses what our routes do by hand: the media types each one
negotiates, the errors (every error is application/problem+json), the SPARQL Protocol's
parameters and bodies. `install(app)` post-processes the generated document once:

- every operation lists the errors it can answer (400, 404, 406, 408, 413, 503; writes also 401,
  403, 415, 422), with the problem schema; FastAPI's own 422 "validation error" goes (our
  validation errors answer 400);
- 200 responses list the media types the route negotiates, not application/json;
- /sparql and /store describe their parameters and bodies; `timeout` is a number > 0;
- operation ids are unique (one route serving several methods gets one per method).

tests/service/test_openapi.py runs Schemathesis with every check against the real server.
"""

from __future__ import annotations

import copy
import re
import warnings
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from sahelkg import rdf_formats
from sahelkg.problems import PROBLEM_MEDIA_TYPE
from sahelkg.sparql import protocol

PROBLEM_SCHEMA = {"type": "object", "required": ["type", "title", "status"], "additionalProperties": True,
                  "properties": {"type": {"type": "string"}, "title": {"type": "string"},
                                 "status": {"type": "integer"}, "detail": {"type": "string"}}}
_ERRORS = {
    "400": "Bad request: a malformed query, update, parameter or body (the detail says what and where)",
    "401": "Writes need `Authorization: Bearer <token>`",
    "403": "Writes are disabled, or the query asks for something refused (SERVICE, LOAD)",
    "404": "No such resource or graph",
    "406": "None of the acceptable media types can be produced",
    "408": "The request body did not arrive in time",
    "413": "The body, query or update is larger than this service accepts",
    "415": "The body's media type is not one this operation reads",
    "422": "The change would break the SHACL shapes; nothing was written (the report says why)",
    "503": "Busy or timed out; retry (Retry-After)",
}
_READ_ERRORS = ("400", "404", "406", "408", "413", "503")
_WRITE_ERRORS = _READ_ERRORS + ("401", "403", "415", "422")
_WRITE_PATHS = ("/update", "/store", "/audit/source/{document}/retraction")

_GRAPH_TYPES = tuple(protocol.GRAPH_TYPES)
_PAGE_TYPES = ("text/html",) + _GRAPH_TYPES
_QUERY_TYPES = tuple(dict.fromkeys(protocol.RESULT_TYPES + _GRAPH_TYPES))
_BODY_TYPES = tuple(rdf_formats.media_types(rdf_formats.GRAPH_BODY_FORMATS))
# What a successful GET answers, per path (paths not listed keep what their route declares).
_CONTENT = {
    "/sparql": _QUERY_TYPES,
    "/.well-known/void": _GRAPH_TYPES,
    "/ontology": _PAGE_TYPES,
    "/context.jsonld": ("application/ld+json",),
    "/id/{path}": _PAGE_TYPES,
    "/vocab/{path}": _PAGE_TYPES,
    "/graph/{path}": _PAGE_TYPES,
    "/store": _GRAPH_TYPES,
    "/store/{path}": _GRAPH_TYPES,
    "/dump.{fmt}": ("application/trig", "application/n-quads", "application/ld+json"),
}
_TIMEOUT_SCHEMA = {"type": "number", "exclusiveMinimum": 0}
_TIMEOUT = {"name": "timeout", "in": "query", "required": False,
            "description": "seconds the query may run, at most the service's limit",
            "schema": _TIMEOUT_SCHEMA}
_FORMAT = {"name": "format", "in": "query", "required": False, "schema": {"type": "string"},
           "description": "result format instead of Accept: json, xml, csv, tsv, text, turtle, n3, rdf+xml, "
                          "jsonld, nt, nq, trig, or a media type; an unknown name leaves the choice to Accept"}


def _graph_list(name: str, what: str) -> dict:
    return {"name": name, "in": "query", "required": False, "description": what, "style": "form", "explode": True,
            "schema": {"type": "array", "items": {"type": "string"}}}


_SPARQL_PARAMETERS = [
    {"name": "query", "in": "query", "required": False, "schema": {"type": "string"},
     "description": "the SPARQL query (GET); without it, the service description"},
    _graph_list("default-graph-uri", "graphs whose union is the query's default graph"),
    _graph_list("named-graph-uri", "graphs the query may name with GRAPH"),
    _FORMAT, _TIMEOUT,
]
_SPARQL_BODY = {"required": True, "content": {
    "application/x-www-form-urlencoded": {"schema": {"type": "object", "required": ["query"], "properties": {
        "query": {"type": "string"}, "default-graph-uri": {"type": "string"},
        "named-graph-uri": {"type": "string"}}}},
    "application/sparql-query": {"schema": {"type": "string"}}}}
_GRAPH_PARAMETERS = [
    {"name": "graph", "in": "query", "required": False, "schema": {"type": "string"},
     "description": "the graph's IRI (or use `default`)"},
    {"name": "default", "in": "query", "required": False, "allowEmptyValue": True,
     "schema": {"type": "string", "enum": [""]}, "description": "the store's own default graph"},
    _FORMAT,
]
_GRAPH_BODY = {"required": True, "content": {
    **{media_type: {"schema": {"type": ["object", "array"]} if media_type.endswith("json") else {"type": "string"}}
       for media_type in _BODY_TYPES},
    "multipart/form-data": {"schema": {"type": "object", "properties": {
        "file": {"type": "string", "format": "binary"}}}}}}


def _problem_response(code: str) -> dict:
    return {"description": _ERRORS[code], "content": {PROBLEM_MEDIA_TYPE: {"schema": PROBLEM_SCHEMA}}}


def refine(spec: dict[str, Any]) -> dict[str, Any]:
    """Given FastAPI's generated OpenAPI document, return it corrected as the module docstring says."""
    spec = copy.deepcopy(spec)
    seen_ids: set[str] = set()
    for path, operations in spec.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            validation = responses.get("422", {}).get("content", {}).get("application/json", {}).get("schema", {})
            if validation.get("$ref", "").endswith("/HTTPValidationError"):
                del responses["422"]
            writes = method in ("post", "put", "delete") and (path.startswith(_WRITE_PATHS) or path == "/update")
            if path == "/sparql" and method == "post":
                codes: tuple[str, ...] = _READ_ERRORS + ("415",)
            else:
                codes = _WRITE_ERRORS if writes else _READ_ERRORS
            for code in codes:
                responses.setdefault(code, _problem_response(code))
            if method in ("get", "head", "post") and path in _CONTENT and not writes:
                ok = responses.setdefault("200", {"description": "OK"})
                ok["content"] = {media_type: {} for media_type in _CONTENT[path]}
            if path == "/sparql":
                operation["parameters"] = copy.deepcopy([p for p in _SPARQL_PARAMETERS
                                                         if method == "get" or p["name"] != "query"])
                if method == "post":
                    operation["requestBody"] = copy.deepcopy(_SPARQL_BODY)
            elif path.startswith("/store"):
                operation["parameters"] = [p for p in operation.get("parameters", []) if p["in"] == "path"]
                if path == "/store":
                    operation["parameters"] += copy.deepcopy([p for p in _GRAPH_PARAMETERS
                                                              if method in ("get", "head") or p["name"] != "format"])
                if method in ("put", "post"):
                    operation["requestBody"] = copy.deepcopy(_GRAPH_BODY)
                if method in ("put", "post", "delete"):
                    responses.pop("200", None)
                    responses.setdefault("201", {"description": "Created (Location names a graph the service minted)"})
                    responses.setdefault("204", {"description": "Done"})
            for parameter in operation.get("parameters", []):
                if parameter.get("name") == "timeout":
                    parameter["schema"] = dict(_TIMEOUT_SCHEMA)
            if path == "/ontology":  # `ext` belongs to the hidden /ontology.{ext} route
                operation["parameters"] = [p for p in operation.get("parameters", []) if p["name"] != "ext"]
            operation_id = operation.get("operationId") or f"{method}_{path}"
            # FastAPI gives a route serving several methods one id, ending in any one of them.
            base, suffixed = re.subn(r"_(get|put|post|delete|head|patch|options)$", "", operation_id)
            if suffixed:
                operation_id = f"{base}_{method}"
            while operation_id in seen_ids:
                operation_id += "_"
            operation["operationId"] = operation_id
            seen_ids.add(operation_id)
    return spec


def install(app: FastAPI) -> None:
    """Given the app, make /openapi.json serve the refined document (built once, on first request)."""
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            with warnings.catch_warnings():  # FastAPI warns of the duplicate ids refine() replaces
                warnings.simplefilter("ignore", UserWarning)
                generated = get_openapi(title=app.title, version=app.version, summary=app.summary,
                                        description=app.description, routes=app.routes)
            app.openapi_schema = refine(generated)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
