"""RDF terms and quads kept as N-Triples text, for changes of millions of quads (imports).

pyoxigraph builds a new Python object for every term and on every attribute read: about 2 µs
per quad to create, as much again to read back. A bulk import maps 100,000 rows to 7.5 million
quads, so its mapping, its SHACL gate and its write pass terms around as the N-Triples text
pyoxigraph itself prints (`str(term)`), and Oxigraph parses that text in one call to store it.

>>> iri("https://w3id.org/sahelkg/id/actor/jnim")
'<https://w3id.org/sahelkg/id/actor/jnim>'
>>> literal('said "no"', language="FR")
'"said \\\\"no\\\\""@fr'
>>> literal("12", XSD + "integer")
'"12"^^<http://www.w3.org/2001/XMLSchema#integer>'
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from operator import itemgetter

import pyoxigraph as ox

XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_STRING = XSD + "string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

# The escapes Oxigraph prints (checked against str(ox.Literal) by tests/importers/test_encoded.py).
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
for _code in list(range(0x20)) + [0x7F, 0xFFFE, 0xFFFF]:
    _ESCAPES.setdefault(chr(_code), f"\\u{_code:04X}")
_ESCAPE_TABLE = str.maketrans(_ESCAPES)
_UNESCAPES = {value: key for key, value in _ESCAPES.items()}


def iri(value: str) -> str:
    """Given an IRI, return it as an N-Triples term."""
    return f"<{value}>"


def literal(value: str, datatype: str | None = None, language: str | None = None) -> str:
    """Given a lexical form and a datatype IRI or language tag, return the literal as Oxigraph prints it
    (xsd:string is left implicit, language tags are lower-cased)."""
    if '"' in value or "\\" in value or not value.isprintable():  # every escaped character is unprintable
        value = value.translate(_ESCAPE_TABLE)
    body = '"' + value + '"'
    if language:
        return f"{body}@{language.lower()}"
    if datatype and datatype != XSD_STRING:
        return f"{body}^^<{datatype}>"
    return body


def encode(term) -> str:
    """Given a pyoxigraph term (or graph name), return its N-Triples text ("" for the default graph)."""
    if isinstance(term, ox.DefaultGraph):
        return ""
    return str(term)


def literal_parts(term: str) -> tuple[str, str, str | None]:
    """Given an encoded literal, return (lexical form, datatype IRI, language tag or None).

    >>> literal_parts('"a\\\\"b"@en')
    ('a"b', 'http://www.w3.org/1999/02/22-rdf-syntax-ns#langString', 'en')
    """
    end = term.rindex('"')
    lexical = term[1:end]
    if "\\" in lexical:
        lexical = _unescape(lexical)
    rest = term[end + 1:]
    if rest.startswith("@"):
        return lexical, RDF_LANG_STRING, rest[1:]
    if rest.startswith("^^<"):
        return lexical, rest[3:-1], None
    return lexical, XSD_STRING, None


def _unescape(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\":
            if text[i + 1] == "u":
                out.append(chr(int(text[i + 2:i + 6], 16)))
                i += 6
                continue
            out.append(_UNESCAPES[text[i:i + 2]])
            i += 2
            continue
        out.append(text[i])
        i += 1
    return "".join(out)


def lexical_form(term: str) -> str:
    """Given an encoded term, return what SPARQL's STR() returns: an IRI's text, a literal's lexical form."""
    if term[0] == "<":
        return term[1:-1]
    if term[0] == '"':
        return literal_parts(term)[0]
    return term


def decode(term: str):
    """Given an encoded term, return the pyoxigraph term.

    >>> decode('"12"^^<http://www.w3.org/2001/XMLSchema#integer>').value
    '12'
    """
    if term[0] == "<":
        return ox.NamedNode(term[1:-1])
    if term.startswith("_:"):
        return ox.BlankNode(term[2:])
    lexical, datatype, language = literal_parts(term)
    if language:
        return ox.Literal(lexical, language=language)
    return ox.Literal(lexical, datatype=ox.NamedNode(datatype))


def rows(quads: Iterable) -> list[tuple[str, str, str, str]]:
    """Given EncodedQuads or pyoxigraph quads, return their (s, p, o, g) texts."""
    if isinstance(quads, EncodedQuads):
        return quads.rows
    return [(str(s), str(p), str(o), encode(g)) for s, p, o, g in quads]


class EncodedQuads:
    """Quads as (subject, predicate, object, graph) N-Triples texts; the graph "" is the default graph.

    Iterating gives pyoxigraph quads (parsed on demand), so code written for a tuple of quads
    reads it unchanged; bulk paths use `rows` and `nquads()` instead.

    `terms_checked` says that sahelkg built every IRI and language tag itself from parts it
    checked (the importers: constant namespaces, slugs, hashes, terms read from the store), so a
    store may load the text without checking them again (Oxigraph's lenient parsing: 30 % faster
    on an import). Literal text is escaped by `literal` either way.

    >>> quads = EncodedQuads([(iri("http://a"), iri("http://b"), literal("c"), iri("http://g"))])
    >>> len(quads), next(iter(quads)).object.value
    (1, 'c')
    """

    __slots__ = ("rows", "terms_checked")

    def __init__(self, rows: list[tuple[str, str, str, str]], *, terms_checked: bool = False):
        self.rows = rows
        self.terms_checked = terms_checked

    def __len__(self) -> int:
        return len(self.rows)

    def __bool__(self) -> bool:
        return bool(self.rows)

    def __iter__(self) -> Iterator[ox.Quad]:
        chunk = 100_000
        for start in range(0, len(self.rows), chunk):
            yield from ox.parse(nquads(self.rows[start:start + chunk]), format=ox.RdfFormat.N_QUADS)

    def __add__(self, other: Iterable[ox.Quad]) -> EncodedQuads:
        if isinstance(other, EncodedQuads):
            return EncodedQuads(self.rows + other.rows, terms_checked=self.terms_checked and other.terms_checked)
        return EncodedQuads(self.rows + rows(other))

    def graphs(self) -> set[str]:
        """Return the encoded names of the graphs the quads are in."""
        return {row[3] for row in self.rows}

    def nquads(self) -> bytes:
        """Return the quads as an N-Quads document."""
        return nquads(self.rows)


def nquads(rows: Iterable[tuple[str, str, str, str]]) -> bytes:
    """Given encoded quads, return them as an N-Quads document."""
    rows = rows if isinstance(rows, list) else list(rows)
    if not rows:
        return b""
    # str.join runs in C, about four times faster than a formatted line per quad (7 million of them
    # in an import); a default-graph row leaves an extra space before its dot, which N-Quads allows.
    return (" .\n".join(map(" ".join, rows)) + " .\n").encode()


def ntriples(rows: list[tuple[str, str, str, str]]) -> bytes:
    """Given encoded quads, return their triples as an N-Triples document (graphs dropped)."""
    if not rows:
        return b""
    return (" .\n".join(map(" ".join, map(itemgetter(0, 1, 2), rows))) + " .\n").encode()
