"""SPARQL 1.1 Protocol: reading requests, choosing a response format, writing results.

>>> negotiate("application/sparql-results+xml;q=0.5, */*;q=0.1", RESULT_TYPES)
'application/sparql-results+xml'
>>> negotiate(None, RESULT_TYPES, format_param="csv")
'text/csv'
>>> safety_scan("SELECT * { SERVICE <http://x/> { ?s ?p ?o } }").services
['http://x/']
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

import pyoxigraph as ox

from sahelkg import rdf_formats
from sahelkg.problems import Problem
from sahelkg.store import QueryResult, ResultTooLarge, materialise

# Offers in server preference order: the first is the default for */* and a missing Accept.
RESULT_TYPES = ("application/sparql-results+json", "application/sparql-results+xml",
                "text/csv", "text/tab-separated-values")
BOOLEAN_TYPES = ("application/sparql-results+json", "application/sparql-results+xml")
GRAPH_TYPES = rdf_formats.media_types(rdf_formats.WRITTEN)

# `format` parameter short names, per result kind (SPARQLWrapper, Virtuoso and others send these).
_RESULT_FORMATS = {"json": RESULT_TYPES[0], "srj": RESULT_TYPES[0], "application/json": RESULT_TYPES[0],
                   "xml": RESULT_TYPES[1], "srx": RESULT_TYPES[1], "application/xml": RESULT_TYPES[1],
                   "csv": "text/csv", "tsv": "text/tab-separated-values", "text": "text/tab-separated-values"}
_GRAPH_FORMATS = {"turtle": "text/turtle", "ttl": "text/turtle", "n3": "text/turtle", "text/n3": "text/turtle",
                  "nt": "application/n-triples", "ntriples": "application/n-triples",
                  "n-triples": "application/n-triples", "text": "application/n-triples",
                  "text/plain": "application/n-triples",
                  "jsonld": "application/ld+json", "json-ld": "application/ld+json",
                  "json": "application/ld+json", "application/json": "application/ld+json",
                  "xml": "application/rdf+xml", "rdf+xml": "application/rdf+xml", "application/xml": "application/rdf+xml",
                  "rdfxml": "application/rdf+xml", "rdf": "application/rdf+xml",
                  "nq": "application/n-quads", "nquads": "application/n-quads", "trig": "application/trig"}
# Generic media types a client may send in Accept for one of ours (`Accept: application/json`).
_ACCEPT_ALIASES = {"application/sparql-results+json": ("application/json",),
                   "application/ld+json": ("application/json",),
                   "text/turtle": ("text/n3", "application/turtle")}


# ---------------------------------------------------------------------------------------------
# Content negotiation
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    q: float
    params: tuple[tuple[str, str], ...]

    def matches(self, media_type: str) -> int:
        """Given a media type, return the match specificity (-1: no match, 0 */*, 1 type/*, 2 exact)."""
        major, _, minor = media_type.partition("/")
        if self.type == "*" and self.subtype == "*":
            return 0
        if self.type == major and self.subtype == "*":
            return 1
        if self.type == major and self.subtype == minor:
            return 2
        return -1


def parse_accept(header: str) -> list[MediaRange]:
    """Given an Accept header, return its media ranges (malformed entries are skipped)."""
    ranges = []
    for part in header.split(","):
        pieces = [p.strip() for p in part.split(";")]
        if not pieces[0] or "/" not in pieces[0]:
            continue
        major, _, minor = pieces[0].lower().partition("/")
        q = 1.0
        params = []
        for piece in pieces[1:]:
            name, _, value = piece.partition("=")
            name, value = name.strip().lower(), value.strip().strip('"')
            if name == "q":
                try:
                    q = min(1.0, max(0.0, float(value)))
                except ValueError:
                    q = 0.0
            else:
                params.append((name, value))
        ranges.append(MediaRange(major, minor, q, tuple(params)))
    return ranges


def negotiate(accept: str | None, offers: tuple[str, ...], *, format_param: str | None = None) -> str | None:
    """Given an Accept header, the offered media types and an optional `format` parameter,
    return the media type to send, or None when nothing offered is acceptable (406).

    A `format` naming a type we know but do not offer here refuses (None); a `format` we do not
    know at all is ignored and Accept decides (clients send their own names, `output=` and such).

    >>> negotiate("application/json", RESULT_TYPES)
    'application/sparql-results+json'
    >>> negotiate("application/rdf+xml", GRAPH_TYPES, format_param="rdf+xml")
    'application/rdf+xml'
    >>> negotiate("text/csv", RESULT_TYPES, format_param="no-such-format")
    'text/csv'
    """
    if format_param:
        chosen = format_choice(format_param, offers)
        if chosen is not _UNKNOWN_FORMAT:
            return chosen
    if not accept or not accept.strip():
        return offers[0]
    ranges = parse_accept(accept)
    best, best_q = None, 0.0
    for offer in offers:
        specificity: float = -1
        q = 0.0
        names = (offer,) + _ACCEPT_ALIASES.get(offer, ())
        for media_range in ranges:
            # An alias matches less specifically than the offer's own name.
            s = max((media_range.matches(name) - (0.5 if name != offer else 0) for name in names
                     if media_range.matches(name) >= 0), default=-1)
            if s > specificity:
                specificity, q = s, media_range.q
        if specificity >= 0 and q > best_q:
            best, best_q = offer, q
    return best


_UNKNOWN_FORMAT = "?"


def format_choice(format_param: str, offers: tuple[str, ...]) -> str | None:
    """Given a `format` parameter and the offers, return the media type it picks, None when it names
    a known format not offered here, or _UNKNOWN_FORMAT when it names no format we know."""
    wanted = format_param.strip().lower()
    bare = wanted.split(";")[0].strip()
    known = set(_RESULT_FORMATS.values()) | set(_GRAPH_FORMATS.values())
    for table in ((_GRAPH_FORMATS, _RESULT_FORMATS) if set(offers) & set(GRAPH_TYPES) else
                  (_RESULT_FORMATS, _GRAPH_FORMATS)):
        media_type = table.get(wanted) or table.get(bare)
        if media_type in offers:
            return media_type
    if bare in offers:
        return bare
    if bare in known or bare in _RESULT_FORMATS or bare in _GRAPH_FORMATS:
        return None
    return _UNKNOWN_FORMAT


def offers_for(kind: str) -> tuple[str, ...]:
    """Given a result kind, return the media types we can write it in."""
    if kind == "query":
        return tuple(dict.fromkeys(RESULT_TYPES + GRAPH_TYPES))
    return {"solutions": RESULT_TYPES, "boolean": BOOLEAN_TYPES, "graph": GRAPH_TYPES}[kind]


def not_acceptable(kind: str) -> Problem:
    """Given a result kind, return the 406 problem naming what we can send."""
    return Problem(406, "Not acceptable",
                   f"No acceptable format for a {kind} result. Available: {', '.join(offers_for(kind))}. "
                   "Send one of these in Accept, or use the `format` parameter.")


def content_type_header(media_type: str) -> str:
    """Given a media type, return the Content-Type value we send (textual types say utf-8)."""
    if media_type.startswith("text/") or media_type in ("application/n-triples", "application/n-quads",
                                                         "application/trig"):
        return f"{media_type}; charset=utf-8"
    return media_type


# ---------------------------------------------------------------------------------------------
# Serialisation
# ---------------------------------------------------------------------------------------------
RawResults = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples


def result_kind(results: RawResults) -> str:
    """Given pyoxigraph results, return their kind: 'solutions', 'boolean' or 'graph'."""
    if isinstance(results, ox.QuerySolutions):
        return "solutions"
    return "boolean" if isinstance(results, ox.QueryBoolean) else "graph"


def write_answer(evaluate: Callable[[], RawResults], media_types: dict[str, str | None],
                 max_rows: int | None = None) -> tuple[str, str | None, bytes]:
    """Given a function that runs a query (returning unread pyoxigraph results), the negotiated
    media type per result kind and the row cap, return (kind, media type, body); the media type
    is None, and the body empty, when the result's kind has none. Raises ResultTooLarge past max_rows.

    Solutions and booleans are written by pyoxigraph's own writers, without building a Python
    object per term. When the output may hold more than max_rows, the query runs again to count
    its solutions exactly, and once more to write them if they are within the cap. Graph results
    are materialised (the cap counts triples) and written by `ox.serialize`.
    """
    results = evaluate()
    kind = result_kind(results)
    media_type = media_types.get(kind)
    if media_type is None:
        return kind, None, b""
    if isinstance(results, ox.QueryTriples):
        return kind, media_type, serialize(materialise(results, max_rows), media_type)
    body = _write_native(results, media_type, max_rows)
    if body is None:
        _check_row_count(evaluate(), max_rows)
        body = _write_native(evaluate(), media_type, None)
        assert body is not None  # without a cap the writer always runs to the end
    return kind, media_type, body


def _check_row_count(results: RawResults, max_rows: int | None) -> None:
    """Given unread solutions, raise ResultTooLarge when there are more than max_rows (terms unread)."""
    if isinstance(results, ox.QuerySolutions) and max_rows is not None:
        for count, _ in enumerate(results, start=1):
            if count > max_rows:
                raise ResultTooLarge(f"the query returns more than {max_rows} solutions")


class _MayExceed(Exception):
    """Raised inside a writer's output once it may have written more rows than allowed."""


class _CappedOutput(io.BytesIO):
    """A file for pyoxigraph's result writers: keeps what they write and raises _MayExceed once
    `marks` (byte patterns, each at least once per row) occur more than `limit` times."""

    def __init__(self, marks: tuple[bytes, ...], limit: int | None):
        super().__init__()
        self.marks, self.limit, self.seen = marks, limit, 0
        self.keep = max(len(m) for m in marks) - 1  # a mark may straddle two writes
        self.tail = b""

    def write(self, chunk: Any, /) -> int:  # Any: BytesIO takes any buffer
        if self.limit is not None:
            window = self.tail + bytes(chunk)
            self.seen += sum(window.count(m) for m in self.marks)
            self.tail = window[len(window) - self.keep:] if self.keep else b""
            if self.seen > self.limit:
                raise _MayExceed
        return super().write(chunk)


# Per results format: byte patterns whose count is at least the number of rows written, and how
# many of them the header adds. Exact for XML (markup inside values is escaped) and TSV (line
# breaks inside values are escaped); an upper bound for CSV and JSON, whose quoted values may
# contain them: a false alarm only costs the exact count.
_ROW_MARKS: dict[str, tuple[tuple[bytes, ...], int]] = {
    "application/sparql-results+json": ((b"[{", b",{"), 0),
    "application/sparql-results+xml": ((b"<result>",), 0),
    "text/csv": ((b"\n",), 1),
    "text/tab-separated-values": ((b"\n",), 1),
}


def _write_native(results: RawResults, media_type: str, max_rows: int | None) -> bytes | None:
    results_format = ox.QueryResultsFormat.from_media_type(media_type)
    if results_format is None:
        raise ValueError(media_type)
    if isinstance(results, ox.QueryBoolean):
        return results.serialize(format=results_format)
    if not isinstance(results, ox.QuerySolutions):
        raise ValueError("graph results are written by serialize()")
    marks, header = _ROW_MARKS[media_type]
    output = _CappedOutput(marks, None if max_rows is None else max_rows + header)
    try:
        results.serialize(output, format=results_format)
    except _MayExceed:
        return None
    return output.getvalue()


def serialize(result: QueryResult, media_type: str) -> bytes:
    """Given a materialised query result (a remote store's, the command line's) and a negotiated
    media type, return the response body.

    pyoxigraph writes only results it produced itself: reading ours back into it from JSON costs
    1.4 to 5 times what the writers below take (bench/RESULTS-writers.md), so they stay for these.
    """
    if result.kind == "graph":
        return ox.serialize(result.triples, format=rdf_formats.written(media_type)) or b""
    if media_type == "application/sparql-results+json":
        return _json(result)
    if media_type == "application/sparql-results+xml":
        return _xml(result)
    if media_type == "text/csv":
        return _csv(result)
    if media_type == "text/tab-separated-values":
        return _tsv(result)
    raise ValueError(media_type)


def _json_term(term) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            out["datatype"] = term.datatype.value
        return out
    return {"type": "triple", "value": {"subject": _json_term(term.subject),
                                        "predicate": _json_term(term.predicate),
                                        "object": _json_term(term.object)}}


def _json(result: QueryResult) -> bytes:
    if result.kind == "boolean":
        return json.dumps({"head": {}, "boolean": result.boolean}).encode()
    names = result.variables
    bindings = [{names[i]: _json_term(t) for i, t in enumerate(row) if t is not None} for row in result.rows]
    return json.dumps({"head": {"vars": list(names)}, "results": {"bindings": bindings}},
                      ensure_ascii=False).encode()


def _xml_term(term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{xml_escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{xml_escape(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{xml_escape(term.value)}</literal>"
        if term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            return f"<literal datatype={quoteattr(term.datatype.value)}>{xml_escape(term.value)}</literal>"
        return f"<literal>{xml_escape(term.value)}</literal>"
    return ("<triple><subject>" + _xml_term(term.subject) + "</subject><predicate>" + _xml_term(term.predicate)
            + "</predicate><object>" + _xml_term(term.object) + "</object></triple>")


def _xml(result: QueryResult) -> bytes:
    out = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n<head>']
    if result.kind == "boolean":
        out.append(f"</head>\n<boolean>{'true' if result.boolean else 'false'}</boolean>\n</sparql>\n")
        return "".join(out).encode()
    out.extend(f"<variable name={quoteattr(v)}/>" for v in result.variables)
    out.append("</head>\n<results>\n")
    for row in result.rows:
        out.append("<result>")
        for name, term in zip(result.variables, row, strict=True):
            if term is not None:
                out.append(f"<binding name={quoteattr(name)}>{_xml_term(term)}</binding>")
        out.append("</result>\n")
    out.append("</results>\n</sparql>\n")
    return "".join(out).encode()


def _csv_term(term) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, (ox.NamedNode, ox.Literal)):
        return term.value
    return str(term)


def _csv(result: QueryResult) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(result.variables)
    for row in result.rows:
        writer.writerow([_csv_term(t) for t in row])
    return buffer.getvalue().encode()


def _tsv(result: QueryResult) -> bytes:
    lines = ["\t".join(f"?{v}" for v in result.variables)]
    for row in result.rows:
        lines.append("\t".join("" if t is None else str(t) for t in row))
    return ("\n".join(lines) + "\n").encode()


# ---------------------------------------------------------------------------------------------
# Reading requests
# ---------------------------------------------------------------------------------------------
@dataclass
class Operation:
    """A parsed protocol request: the query or update text and its dataset parameters."""

    text: str
    default_graph_uris: list[str] | None = None
    named_graph_uris: list[str] | None = None
    params: dict[str, list[str]] = field(default_factory=dict)

    def first(self, name: str) -> str | None:
        values = self.params.get(name)
        return values[0] if values else None


def parse_params(raw: str) -> dict[str, list[str]]:
    """Given a raw (still percent-encoded) query string or form body, return its parameters.

    This is the one place parameters are percent-decoded, exactly once.
    """
    params: dict[str, list[str]] = {}
    try:
        pairs = parse_qsl(raw, keep_blank_values=True, strict_parsing=False, encoding="utf-8", errors="strict")
    except UnicodeDecodeError as error:
        raise Problem(400, "Bad encoding", "Parameters must be UTF-8 once percent-decoded.") from error
    for name, value in pairs:
        params.setdefault(name, []).append(value)
    return params


def media_type_of(content_type: str | None) -> tuple[str, dict[str, str]]:
    """Given a Content-Type header, return the bare media type and its parameters."""
    if not content_type:
        return "", {}
    pieces = [p.strip() for p in content_type.split(";")]
    params = {}
    for piece in pieces[1:]:
        name, _, value = piece.partition("=")
        params[name.strip().lower()] = value.strip().strip('"')
    return pieces[0].lower(), params


def decode_body(body: bytes, params: dict[str, str]) -> str:
    """Given a request body and its Content-Type parameters, return the UTF-8 text or refuse."""
    charset = params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise Problem(415, "Unsupported charset",
                      f"Request bodies must be UTF-8; this one says charset={charset}.")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Problem(400, "Bad encoding",
                      f"The request body is not valid UTF-8 ({error.reason} at byte {error.start}).") from error


def read_operation(*, method: str, url_query: str, content_type: str | None, body: bytes,
                   field_name: str, direct_type: str, dataset_names: tuple[str, str]) -> Operation | None:
    """Given the parts of an HTTP request, return the query/update operation it carries.

    `field_name` is "query" or "update", `direct_type` the media type of a direct POST and
    `dataset_names` the two dataset parameter names. Returns None for a GET without the field
    (the caller then serves a description). Raises Problem for every protocol violation.
    """
    url_params = parse_params(url_query)
    if method == "GET":
        params = url_params
        values = params.get(field_name)
        if not values:
            other = "update" if field_name == "query" else "query"
            if other in params:
                raise Problem(400, f"Wrong endpoint for {other}",
                              f"This endpoint takes `{field_name}`; send {other} requests to the other endpoint"
                              + (" by POST." if other == "update" else "."))
            return None
        if field_name == "update":
            raise Problem(405, "Update by GET", "SPARQL updates must be sent by POST.", headers={"Allow": "POST"})
        text = values
    elif method == "POST":
        media_type, ct_params = media_type_of(content_type)
        if media_type == "application/x-www-form-urlencoded":
            if ct_params.get("charset", "utf-8").lower() not in ("utf-8", "utf8"):
                raise Problem(415, "Unsupported charset", "Form bodies must be UTF-8.")
            try:
                form_text = body.decode("ascii")
            except UnicodeDecodeError as error:
                raise Problem(400, "Bad encoding", "A URL-encoded form body must be ASCII (percent-encode the rest).") from error
            form = parse_params(form_text)
            params = {**url_params}
            for name, values in form.items():
                params.setdefault(name, []).extend(values)
            text = form.get(field_name, [])
            if field_name in url_params:
                raise Problem(400, f"{field_name.capitalize()} in the URL of a POST",
                              f"With a form POST, `{field_name}` belongs in the body only.")
            if not text:
                raise Problem(400, f"Missing {field_name}", f"The form has no `{field_name}` parameter.")
        elif media_type == direct_type:
            params = url_params
            text = [decode_body(body, ct_params)]
            if field_name in url_params:
                raise Problem(400, f"{field_name.capitalize()} given twice",
                              f"A direct POST carries the {field_name} in its body, not also in the URL.")
        elif not media_type:
            raise Problem(415, "Missing Content-Type",
                          f"POST needs Content-Type application/x-www-form-urlencoded or {direct_type}.")
        else:
            raise Problem(415, "Unsupported media type",
                          f"POST with {media_type} is not a SPARQL {field_name} request; use "
                          f"application/x-www-form-urlencoded or {direct_type}.")
    else:
        raise Problem(405, "Method not allowed", f"Use GET or POST for SPARQL {field_name} requests.",
                      headers={"Allow": "GET, POST" if field_name == "query" else "POST"})
    if len(text) != 1:
        raise Problem(400, f"More than one {field_name}", f"Send exactly one `{field_name}` parameter.")
    default_name, named_name = dataset_names
    return Operation(text=text[0], default_graph_uris=params.get(default_name),
                     named_graph_uris=params.get(named_name), params=params)


# ---------------------------------------------------------------------------------------------
# Safety: what a query may make the server do
# ---------------------------------------------------------------------------------------------
_IRIREF = re.compile(r'<([^<>"{}|^`\\\x00-\x20]*)>')
_PREFIX_DECL = re.compile(r"(?i)(?<![\w:?$\-])PREFIX\s+([A-Za-z][\w.\-]*)?:\s*<([^>]*)>")
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_KEYWORDS = ("SERVICE", "LOAD", "DEFINE")
# Every keyword match of safety_scan is also a match of this, in the raw text (the scan only blanks
# characters and adds conditions): a text without one has nothing to report (most queries).
_ANY_KEYWORD = re.compile("(?i)" + "|".join(_KEYWORDS))


@dataclass
class Scan:
    """What a lexical pass over a query or update found outside strings, IRIs and comments."""

    keywords: set[str]
    services: list[str]
    problems: list[str]


def _unescape(text: str) -> str:
    def repl(match):
        try:
            return chr(int(match.group(1) or match.group(2), 16))
        except ValueError:
            return match.group(0)

    return _ESCAPE.sub(repl, text)


# What _code_regions hides or keeps, in one pass: long strings first (a quote that does not
# start the closing triple is content), an escape takes the next character, an unterminated
# string or a comment runs to its end; IRIs as _IRIREF. Each repetition has one alternative per
# first character and is possessive (*+: never backtracks), so the scan is linear on any input.
_HIDDEN = re.compile(r'"""(?:[^"\\]|\\[\s\S]|"(?!""))*+(?:"""|\\?\Z)'
                     r"|'''(?:[^'\\]|\\[\s\S]|'(?!''))*+(?:'''|\\?\Z)"
                     r'|"(?:[^"\\]|\\[\s\S])*+(?:"|\\?\Z)'
                     r"|'(?:[^'\\]|\\[\s\S])*+(?:'|\\?\Z)"
                     r"|#[^\n]*+"
                     r"|" + _IRIREF.pattern)


def _code_regions(text: str, keep_iris: bool = True) -> str:
    """Given SPARQL text, return it with strings and comments blanked, same length; IRIs are kept
    as <…> or, with keep_iris False, blanked too.

    >>> _code_regions('ASK { <urn:a> ?p "}" } # }', keep_iris=False)
    'ASK { <     > ?p     }    '
    """
    def blank(match: re.Match[str]) -> str:
        start, end = match.span()
        if text[start] != "<":
            return " " * (end - start)
        return match.group(0) if keep_iris else "<" + " " * (end - start - 2) + ">"

    return _HIDDEN.sub(blank, text)


def safety_scan(text: str) -> Scan:
    """Given query or update text, return the risky keywords and SERVICE targets it contains.

    Conservative by design: the text is scanned raw and with \\u escapes decoded, and a keyword
    counts unless it is part of a name (`ex:service`, `?service`). A SERVICE whose target is not
    a literal absolute IRI (a variable, say) is reported as a problem.
    """
    keywords: set[str] = set()
    services: list[str] = []
    problems: list[str] = []
    if _ANY_KEYWORD.search(text) is None and _ESCAPE.search(text) is None:
        return Scan(keywords=keywords, services=services, problems=problems)  # nothing below could match
    for variant in {text, _unescape(text)}:
        code = _code_regions(variant)
        bare = _code_regions(variant, keep_iris=False)  # same positions, IRIs blanked
        prefixes = {m.group(1) or "": m.group(2) for m in _PREFIX_DECL.finditer(code)}
        for word in _KEYWORDS:
            for match in re.finditer(rf"(?i)(?<![\w:?$\-]){word}(?![\w:\-])", bare):
                keywords.add(word)
                if word != "SERVICE":
                    continue
                rest = code[match.end():]
                target = re.match(r"(?i)\s+(?:SILENT\s+)?(<[^>]*>|[A-Za-z][\w.\-]*:[\w.\-]*|:[\w.\-]*|[?$]\w+)", rest)
                if not target:
                    problems.append("a SERVICE clause whose endpoint could not be read")
                    continue
                token = target.group(1)
                if token.startswith("<"):
                    services.append(token[1:-1])
                elif token[0] in "?$":
                    problems.append(f"SERVICE {token}: the endpoint must be a fixed IRI, not a variable")
                else:
                    prefix, _, local = token.partition(":")
                    if prefix in prefixes:
                        services.append(prefixes[prefix] + local)
                    else:
                        problems.append(f"SERVICE {token}: unknown prefix")
    return Scan(keywords=keywords, services=list(dict.fromkeys(services)), problems=problems)


def has_dataset_clause(text: str) -> bool:
    """Given a query, return True when it has FROM or FROM NAMED (outside strings and comments)."""
    return re.search(r"(?i)(?<![\w:?$\-])FROM(?![\w:\-])", _code_regions(text, keep_iris=False)) is not None


# Deepest bracket nesting ({ ( [) a query or update may have. Parsers recurse once per level or
# more: Oxigraph crashes its worker near 5,000 and rdflib's update parser needs a raised recursion
# limit past about 20 (the update planner raises it). Real queries stay far below 64.
MAX_NESTING = 64


def check_nesting(text: str, what: str = "query", limit: int = MAX_NESTING) -> None:
    """Given query or update text, raise a 400 Problem when brackets nest deeper than `limit`
    (strings, IRIs and comments do not count); the message says where.

    >>> check_nesting("SELECT * { { ?s ?p ?o } }")
    >>> check_nesting("ASK " + "{" * 70 + "}" * 70)
    Traceback (most recent call last):
    ...
    sahelkg.problems.Problem: 400 Too deeply nested: ...
    """
    code = _code_regions(text, keep_iris=False)
    if code.count("{") + code.count("(") + code.count("[") <= limit:
        return  # nesting deeper than `limit` needs more than `limit` opening brackets
    depth = 0
    for position, char in enumerate(code):
        if char in "{([":
            depth += 1
            if depth > limit:
                line = text.count("\n", 0, position) + 1
                column = position - (text.rfind("\n", 0, position) + 1) + 1
                raise Problem(400, "Too deeply nested",
                              f"The {what} nests brackets ({{ ( [) more than {limit} levels deep (line {line}, "
                              f"column {column}); this service accepts at most {limit}. Flatten the {what}: "
                              "join groups, use UNION or VALUES instead of nesting.", kind="too-deeply-nested")
        elif char in "})]":
            depth = max(0, depth - 1)


def check_query_safety(text: str, allow_list: tuple[str, ...]) -> None:
    """Given a query and the SERVICE allow-list, raise a Problem unless the query is safe to run.

    Guards against a query making the server open URLs: Oxigraph calls SERVICE endpoints over
    HTTP and runs LOAD; FROM/FROM NAMED only select stored graphs (verified, tests prove it).
    """
    check_nesting(text, "query")
    scan = safety_scan(text)
    _refuse_unsafe(scan, allow_list)


def check_update_safety(text: str, allow_list: tuple[str, ...]) -> None:
    """Given an update, raise a Problem when it would LOAD anything, call a SERVICE not allowed or
    nest deeper than MAX_NESTING."""
    check_nesting(text, "update")
    scan = safety_scan(text)
    if "LOAD" in scan.keywords:
        raise Problem(403, "LOAD is disabled",
                      "This service never fetches documents: load data with `sahelkg load` or the Graph Store Protocol.",
                      kind="load-refused")
    _refuse_unsafe(scan, allow_list)


def _refuse_unsafe(scan: Scan, allow_list: tuple[str, ...]) -> None:
    if "DEFINE" in scan.keywords:
        raise Problem(400, "Store-specific pragma refused",
                      "DEFINE pragmas are not SPARQL 1.1 and are refused (they can make stores fetch URLs).",
                      kind="pragma-refused")
    if scan.problems:
        raise Problem(403, "SERVICE refused", "; ".join(scan.problems) + ".", kind="service-refused")
    refused = [iri for iri in scan.services if iri not in allow_list]
    if refused:
        allowed = ", ".join(allow_list) if allow_list else "none are configured"
        raise Problem(403, "SERVICE refused",
                      f"This service only federates with allow-listed endpoints ({allowed}); refused: "
                      + ", ".join(refused) + ".", kind="service-refused")
