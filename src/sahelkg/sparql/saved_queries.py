"""Saved queries: the `.rq` files in `queries/`, their headers, and safe parameter binding.

Every file opens with a header of `#+ field: value` lines (format in queries/README.md):

    #+ title: Who accused whom of an event
    #+ description: Every accusation about one event, with claimant, source and quote.
    #+ param: event IRI default=https://w3id.org/sahelkg/id/event/a000-niono-vehicle-attack -- the event
    #+ example: sahelkg query --saved cq1-accusations-of-event --param event=event:a000-niono-vehicle-attack

Parameter values are turned into RDF terms (pyoxigraph NamedNode / Literal, which validate and
escape them) and bound in a VALUES block placed at the start of the WHERE clause. Values are
never pasted into the query text as text, so no value can change the query's shape.

>>> queries = load_queries()
>>> sorted(queries)[0]
'cq1-accusations-of-event'
>>> queries["cq1-accusations-of-event"].parameters[0].name
'event'
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from sahelkg import namespaces as ns

XSD = "http://www.w3.org/2001/XMLSchema#"
PARAMETER_TYPES = ("IRI", "string", "date", "integer")
# Request parameters that mean something to the service itself; a saved query cannot use them.
RESERVED_NAMES = frozenset({"format", "timeout", "query", "default-graph-uri", "named-graph-uri"})
MAX_STRING_LENGTH = 2000
FIELDS = ("title", "description", "param", "example")

_NAME = re.compile(r"^[a-z][a-z0-9-]*$")
_PARAM = re.compile(
    r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s+(?P<type>\S+)\s+"
    r"(?P<presence>required|optional|default=(?:\"(?:[^\"\\]|\\.)*\"|\S+))"
    r"(?:\s+--\s+(?P<description>.*))?$")
_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INTEGER = re.compile(r"^[+-]?\d{1,18}$")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


class HeaderError(Exception):
    """A saved query's header is malformed; the message names the file and line."""

    def __init__(self, path: Path | str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path, self.line, self.message = str(path), line, message


class InvalidParameter(ValueError):
    """A parameter value is missing, unknown, or not of the parameter's type."""


@dataclass(frozen=True, kw_only=True)
class Parameter:
    """One parameter of a saved query: name, type, required or default, and what it means."""

    name: str
    type: str
    required: bool = False
    default: str | None = None
    description: str = ""

    def term(self, value: str) -> ox.NamedNode | ox.Literal:
        """Given a value as text, return it as an RDF term of this parameter's type, or raise InvalidParameter.

        >>> str(Parameter(name="n", type="integer").term("12"))
        '"12"^^<http://www.w3.org/2001/XMLSchema#integer>'
        """
        return to_term(value, self.type, self.name)

    def to_dict(self) -> dict:
        """Return the parameter as a JSON-ready dict."""
        return {"name": self.name, "type": self.type, "required": self.required, "default": self.default,
                "description": self.description}


def to_term(value: str, kind: str, name: str = "value") -> ox.NamedNode | ox.Literal:
    """Given text, a parameter type and the parameter's name, return the RDF term or raise InvalidParameter.

    IRIs may be written with a project prefix (`actor:wagner-group`); they must be absolute.

    >>> to_term("actor:fama", "IRI").value
    'https://w3id.org/sahelkg/id/actor/fama'
    >>> to_term('say "hi" }', "string").value
    'say "hi" }'
    """
    if not isinstance(value, str):
        raise InvalidParameter(f"parameter {name!r} must be text")
    if kind == "IRI":
        iri = expand_iri(value.strip())
        # Guard: only absolute IRIs that the RDF library accepts (it refuses '>', spaces, quotes, '{', …).
        if not _SCHEME.match(iri):
            raise InvalidParameter(f"parameter {name!r} must be an absolute IRI (or prefix:name), not {value!r}")
        try:
            return ox.NamedNode(iri)
        except ValueError as error:
            raise InvalidParameter(f"parameter {name!r} is not a valid IRI: {error}") from error
    if kind == "string":
        if len(value) > MAX_STRING_LENGTH:
            raise InvalidParameter(f"parameter {name!r} is longer than {MAX_STRING_LENGTH} characters")
        return ox.Literal(value)
    if kind == "date":
        try:
            if not _DATE.match(value):
                raise ValueError(value)
            _dt.date.fromisoformat(value)
        except ValueError as error:
            raise InvalidParameter(f"parameter {name!r} must be a date YYYY-MM-DD, not {value!r}") from error
        return ox.Literal(value, datatype=ox.NamedNode(XSD + "date"))
    if kind == "integer":
        if not _INTEGER.match(value.strip()):
            raise InvalidParameter(f"parameter {name!r} must be an integer, not {value!r}")
        return ox.Literal(str(int(value)), datatype=ox.NamedNode(XSD + "integer"))
    raise InvalidParameter(f"unknown parameter type {kind!r}")


def expand_iri(text: str) -> str:
    """Given an IRI or a `prefix:name` with a project prefix, return the full IRI.

    >>> expand_iri("event:a000-niono-vehicle-attack")
    'https://w3id.org/sahelkg/id/event/a000-niono-vehicle-attack'
    """
    prefix, colon, local = text.partition(":")
    if colon and prefix in ns.PREFIXES and not local.startswith("//"):
        return ns.PREFIXES[prefix] + local
    return text


@dataclass(frozen=True, kw_only=True)
class SavedQuery:
    """A parsed `.rq` file: its header and the query text after it."""

    name: str
    path: Path
    title: str
    description: str
    parameters: tuple[Parameter, ...]
    examples: tuple[str, ...]
    text: str
    values_at: int  # offset in `text` just after the `{` opening the WHERE clause
    body_at: int = 0  # offset in `text` where the header comment ends

    @property
    def body(self) -> str:
        """Return the query text without its header comment (what is sent to the store)."""
        return self.text[self.body_at:]

    def parameter(self, name: str) -> Parameter | None:
        """Given a name, return that parameter (None if the query has none of that name)."""
        return next((p for p in self.parameters if p.name == name), None)

    def bindings(self, values: Mapping[str, str]) -> dict[str, ox.NamedNode | ox.Literal | None]:
        """Given parameter values as text, return each parameter's RDF term (None: unbound).

        Raises InvalidParameter for unknown names, missing required values and ill-typed values.
        """
        unknown = sorted(set(values) - {p.name for p in self.parameters})
        if unknown:
            known = ", ".join(p.name for p in self.parameters) or "none"
            raise InvalidParameter(f"unknown parameter(s) {', '.join(unknown)} for {self.name} (parameters: {known})")
        terms: dict[str, ox.NamedNode | ox.Literal | None] = {}
        for parameter in self.parameters:
            raw = values.get(parameter.name)
            if raw is None or raw == "":
                if parameter.required:
                    raise InvalidParameter(f"parameter {parameter.name!r} ({parameter.type}) is required")
                raw = parameter.default
            terms[parameter.name] = None if raw is None else parameter.term(raw)
        return terms

    def bind(self, values: Mapping[str, str] | None = None) -> str:
        """Given parameter values as text, return the query with them bound in a VALUES block.

        Each value becomes an RDF term first; the block holds only the terms' canonical
        N-Triples forms, written by the RDF library (UNDEF for an optional value not given).

        >>> q = load_queries()["cq1-accusations-of-event"]
        >>> "VALUES (?event)" in q.bind({"event": "event:x"})
        True
        """
        terms = self.bindings(values or {})
        # The header is left out: some clients guess the query form from its words ("load", "describe").
        return self.text[self.body_at:self.values_at] + values_block(terms) + self.text[self.values_at:]

    def run(self, store, values: Mapping[str, str] | None = None, **options):
        """Given a Store and parameter values, return the QueryResult."""
        return store.query(self.bind(values), **options)

    def to_dict(self) -> dict:
        """Return the header as a JSON-ready dict."""
        return {"name": self.name, "title": self.title, "description": self.description,
                "parameters": [p.to_dict() for p in self.parameters], "examples": list(self.examples),
                "file": f"queries/{self.path.name}"}


def values_block(terms: Mapping[str, ox.NamedNode | ox.Literal | None]) -> str:
    """Given parameter terms, return `VALUES (?a ?b) { (<…> "…") }` (empty text when there are none)."""
    if not terms:
        return ""
    variables = " ".join(f"?{name}" for name in terms)
    row = " ".join("UNDEF" if term is None else sparql_term(term) for term in terms.values())
    return f"\n  VALUES ({variables}) {{ ({row}) }}\n"


def sparql_term(term: ox.NamedNode | ox.Literal) -> str:
    """Given a term built by pyoxigraph, return its SPARQL form (escaped N-Triples)."""
    # Only terms built by pyoxigraph reach here: str() gives their escaped N-Triples form, which is
    # valid SPARQL (IRIs were refused if they held '>', quotes or spaces; literals escape '"', '\', newlines).
    if not isinstance(term, (ox.NamedNode, ox.Literal)):
        raise TypeError(f"cannot bind {type(term).__name__}")
    return str(term)


def default_directory() -> Path:
    """Return the saved-query directory: $SAHELKG_QUERIES, else the project's `queries/`."""
    from sahelkg.resources import resource

    return Path(os.environ.get("SAHELKG_QUERIES") or resource("queries"))


def parse_query_file(path: Path | str) -> SavedQuery:
    """Given a `.rq` file, return the SavedQuery; raise HeaderError naming the file and line if malformed."""
    path = Path(path)
    name = path.stem
    if not _NAME.match(name):
        raise HeaderError(path, 1, f"file name {name!r} must be lower-case letters, digits and '-' (it is the URL)")
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    fields: dict[str, list[tuple[int, str]]] = {f: [] for f in FIELDS}
    body_start = len(lines)
    for number, line in enumerate(lines, start=1):
        if not line.startswith("#"):
            body_start = number - 1
            break
        if not line.startswith("#+"):
            continue  # free commentary inside the header
        key, colon, value = line[2:].strip().partition(":")
        key = key.strip()
        if not colon or key not in FIELDS:
            raise HeaderError(path, number, f"expected '#+ FIELD: value' with FIELD one of {', '.join(FIELDS)}; "
                                            f"got {line!r}")
        if not value.strip():
            raise HeaderError(path, number, f"the {key} field is empty")
        fields[key].append((number, value.strip()))
    for key in ("title", "description"):
        if len(fields[key]) != 1:
            where = fields[key][1][0] if fields[key] else 1
            raise HeaderError(path, where, f"the header needs exactly one '#+ {key}:' line")
    if not fields["example"]:
        raise HeaderError(path, 1, "the header needs at least one '#+ example:' line")
    # Comment lines blanked with spaces, so offsets in `code` are offsets in `body`.
    code = "\n".join(" " * len(line) if line.lstrip().startswith("#") else line for line in lines[body_start:])
    parameters: list[Parameter] = []
    for number, value in fields["param"]:
        parameters.append(_parse_parameter(path, number, value, code, [p.name for p in parameters]))
    header_text = "\n".join(lines[:body_start]) + ("\n" if body_start else "")
    match = _WHERE.search(code)
    if parameters and match is None:
        raise HeaderError(path, body_start + 1, "a query with parameters needs a 'WHERE {' to bind them in")
    values_at = len(header_text) + (match.end() if match else 0)
    query = SavedQuery(name=name, path=path, title=fields["title"][0][1], description=fields["description"][0][1],
                       parameters=tuple(parameters), examples=tuple(v for _, v in fields["example"]),
                       text=text, values_at=values_at, body_at=len(header_text))
    _check_syntax(query, body_start)
    return query


def _parse_parameter(path: Path, number: int, value: str, code: str, seen: list[str]) -> Parameter:
    match = _PARAM.match(value)
    if not match:
        raise HeaderError(path, number, "a parameter reads 'NAME TYPE required|optional|default=VALUE -- description' "
                                        f"with TYPE one of {', '.join(PARAMETER_TYPES)}; got {value!r}")
    name, kind, presence = match.group("name"), match.group("type"), match.group("presence")
    if kind not in PARAMETER_TYPES:
        raise HeaderError(path, number, f"parameter {name!r} has type {kind!r}; use one of {', '.join(PARAMETER_TYPES)}")
    if name in RESERVED_NAMES:
        raise HeaderError(path, number, f"parameter name {name!r} is reserved by the service")
    if name in seen:
        raise HeaderError(path, number, f"parameter {name!r} is declared twice")
    if not re.search(r"[?$]" + re.escape(name) + r"\b", code):
        raise HeaderError(path, number, f"parameter {name!r} is not used as ?{name} in the query")
    default = None
    if presence.startswith("default="):
        default = presence[len("default="):]
        if default.startswith('"'):
            default = json.loads(default)
        try:
            to_term(default, kind, name)
        except InvalidParameter as error:
            raise HeaderError(path, number, f"the default of {name!r} is invalid: {error}") from error
    return Parameter(name=name, type=kind, required=presence == "required", default=default,
                     description=(match.group("description") or "").strip())


def _check_syntax(query: SavedQuery, body_start: int) -> None:
    """Parse the query (every parameter unbound) so a broken file fails at start-up, not at first use."""
    text = query.text[:query.values_at] + values_block({p.name: None for p in query.parameters}) + \
        query.text[query.values_at:]
    try:
        ox.Store().query(text)
    except SyntaxError as error:
        raise HeaderError(query.path, body_start + 1, f"the query does not parse: {error}") from error


def load_queries(directory: Path | str | None = None) -> dict[str, SavedQuery]:
    """Given a directory (default: the project's queries/), return its saved queries by name, sorted."""
    directory = Path(directory) if directory is not None else default_directory()
    queries = [parse_query_file(path) for path in sorted(directory.glob("*.rq"))]
    return {q.name: q for q in queries}


def bind_saved(name: str, pairs: list[str], directory: Path | str | None = None) -> str:
    """Given a saved query's name and `k=v` strings (as on the command line), return the bound query text.

    >>> "VALUES (?accused)" in bind_saved("cq2-disputed-allegations", ["accused=actor:fama"])
    True
    """
    queries = load_queries(directory)
    if name not in queries:
        raise InvalidParameter(f"no saved query {name!r}; saved queries: {', '.join(queries)}")
    values: dict[str, str] = {}
    for pair in pairs:
        key, equals, value = pair.partition("=")
        if not equals:
            raise InvalidParameter(f"--param takes NAME=VALUE, not {pair!r}")
        if key in values:
            raise InvalidParameter(f"parameter {key!r} is given more than once")
        values[key] = value
    return queries[name].bind(values)
