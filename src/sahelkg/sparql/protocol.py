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
from dataclasses import dataclass, field
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape as xml_escape, quoteattr

import pyoxigraph as ox

from sahelkg.problems import Problem
from sahelkg.store import QueryResult

# Offers in server preference order: the first is the default for */* and a missing Accept.
RESULT_TYPES = ("application/sparql-results+json", "application/sparql-results+xml",
                "text/csv", "text/tab-separated-values")
BOOLEAN_TYPES = ("application/sparql-results+json", "application/sparql-results+xml")
GRAPH_TYPES = ("text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml",
               "application/n-quads", "application/trig")

# `format` parameter short names, per result kind.
_RESULT_FORMATS = {"json": RESULT_TYPES[0], "srj": RESULT_TYPES[0], "xml": RESULT_TYPES[1],
                   "srx": RESULT_TYPES[1], "csv": "text/csv", "tsv": "text/tab-separated-values"}
_GRAPH_FORMATS = {"turtle": "text/turtle", "ttl": "text/turtle", "nt": "application/n-triples",
                  "ntriples": "application/n-triples", "n-triples": "application/n-triples",
                  "jsonld": "application/ld+json", "json-ld": "application/ld+json",
                  "json": "application/ld+json", "xml": "application/rdf+xml",
                  "rdfxml": "application/rdf+xml", "rdf": "application/rdf+xml",
                  "nq": "application/n-quads", "nquads": "application/n-quads", "trig": "application/trig"}

_RDF_FORMATS = {"text/turtle": ox.RdfFormat.TURTLE, "application/n-triples": ox.RdfFormat.N_TRIPLES,
                "application/ld+json": ox.RdfFormat.JSON_LD, "application/rdf+xml": ox.RdfFormat.RDF_XML,
                "application/n-quads": ox.RdfFormat.N_QUADS, "application/trig": ox.RdfFormat.TRIG}


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
    return the media type to send, or None when nothing offered is acceptable (406)."""
    if format_param:
        wanted = format_param.strip().lower()
        table = _GRAPH_FORMATS if offers is GRAPH_TYPES else _RESULT_FORMATS
        wanted = table.get(wanted, wanted.split(";")[0].strip())
        return wanted if wanted in offers else None
    if not accept or not accept.strip():
        return offers[0]
    ranges = parse_accept(accept)
    best, best_q = None, 0.0
    for offer in offers:
        specificity, q = -1, 0.0
        for media_range in ranges:
            s = media_range.matches(offer)
            if s > specificity:
                specificity, q = s, media_range.q
        if specificity >= 0 and q > best_q:
            best, best_q = offer, q
    return best


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
def serialize(result: QueryResult, media_type: str) -> bytes:
    """Given a query result and a negotiated media type, return the response body."""
    if result.kind == "graph":
        return ox.serialize(result.triples, format=_RDF_FORMATS[media_type]) or b""
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
        for name, term in zip(result.variables, row):
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
        raise Problem(400, "Bad encoding", f"The request body is not valid UTF-8 ({error.reason} at byte {error.start}).") from error


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
            text = form.get(field_name)
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


def _code_regions(text: str, keep_iris: bool = True) -> str:
    """Given SPARQL text, return it with strings and comments blanked, same length; IRIs are kept
    as <…> or, with keep_iris False, blanked too."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "#":
            end = text.find("\n", i)
            end = n if end < 0 else end
            out.append(" " * (end - i))
            i = end
        elif c in "\"'":
            quote = c * 3 if text.startswith(c * 3, i) else c
            j = i + len(quote)
            while j < n and not text.startswith(quote, j):
                j += 2 if text[j] == "\\" else 1
            j = min(n, j + len(quote))
            out.append(" " * (j - i))
            i = j
        elif c == "<":
            match = _IRIREF.match(text, i)
            if match:
                out.append(match.group(0) if keep_iris else "<" + " " * (len(match.group(0)) - 2) + ">")
                i = match.end()
            else:
                out.append(c)
                i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def safety_scan(text: str) -> Scan:
    """Given query or update text, return the risky keywords and SERVICE targets it contains.

    Conservative by design: the text is scanned raw and with \\u escapes decoded, and a keyword
    counts unless it is part of a name (`ex:service`, `?service`). A SERVICE whose target is not
    a literal absolute IRI (a variable, say) is reported as a problem.
    """
    keywords: set[str] = set()
    services: list[str] = []
    problems: list[str] = []
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


def check_query_safety(text: str, allow_list: tuple[str, ...]) -> None:
    """Given a query and the SERVICE allow-list, raise a Problem unless the query is safe to run.

    Guards against a query making the server open URLs: Oxigraph calls SERVICE endpoints over
    HTTP and runs LOAD; FROM/FROM NAMED only select stored graphs (verified, tests prove it).
    """
    scan = safety_scan(text)
    _refuse_unsafe(scan, allow_list)


def check_update_safety(text: str, allow_list: tuple[str, ...]) -> None:
    """Given an update, raise a Problem when it would LOAD anything or call a SERVICE not allowed."""
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
