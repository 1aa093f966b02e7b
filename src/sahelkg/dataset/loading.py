"""Read RDF files into quads, all or nothing, and describe what was loaded in the catalog graph.

Every file is parsed completely before anything reaches a store, so one syntax error in
one file loads nothing. Triple formats (Turtle, N-Triples, RDF/XML) carry no graph name:
a file that declares an owl:Ontology goes to the ontology graph, any other needs an explicit
target graph. Quad formats (TriG, N-Quads) name their graphs themselves.
"""

from __future__ import annotations

import datetime as _dt
import functools
import hashlib
import io
import os
import re
import secrets
import stat
import xml.parsers.expat
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

import pyoxigraph as ox

from sahelkg import namespaces as ns
from sahelkg import rdf_formats
from sahelkg.progress import Estimate
from sahelkg.resources import resource_root

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
OWL_ONTOLOGY = ox.NamedNode("http://www.w3.org/2002/07/owl#Ontology")
PROV = "http://www.w3.org/ns/prov#"
XSD = "http://www.w3.org/2001/XMLSchema#"

# What a load reads, by file suffix: the formats of sahelkg.rdf_formats.WRITTEN (.owl is RDF/XML).
FORMATS: dict[str, ox.RdfFormat] = {"." + ext: f for ext, f in rdf_formats.by_extensions(rdf_formats.WRITTEN).items()}
QUAD_FORMATS = {f for f in rdf_formats.WRITTEN if f.supports_datasets}


class LoadError(Exception):
    """A file could not be read; carries file:line:column for the person who must fix it."""

    def __init__(self, path: Path | str, message: str, line: int | None = None, column: int | None = None):
        # Parser messages may quote the offending byte: a NUL or escape must not reach the terminal raw.
        message = "".join(c if c.isprintable() or c == "\n" else repr(c)[1:-1] for c in message)
        self.path, self.line, self.column, self.message = str(path), line, column, message
        where = self.path + (f":{line}" if line else "") + (f":{column}" if column else "")
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class ParsedFile:
    path: Path
    sha256: str
    quads: tuple[ox.Quad, ...]

    def graphs(self) -> set[ox.NamedNode]:
        """Return the named graphs this file writes to."""
        return {q.graph_name for q in self.quads if isinstance(q.graph_name, ox.NamedNode)}

    def described_documents(self) -> set[ox.NamedNode]:
        """Return the documents of this file's source graphs that the file describes (as subjects):
        one pass over the file's subjects for all its graphs (a file may hold thousands)."""
        documents = {source_document(g) for g in self.graphs() if g.value.startswith(ns.SOURCE_GRAPH_PREFIX)}
        return documents.intersection(q.subject for q in self.quads) if documents else set()


@dataclass(frozen=True)
class BulkLoadedFile:
    """A file the store loaded itself (no quad objects here): what its catalog record needs."""

    path: Path
    sha256: str
    graph_names: frozenset[ox.NamedNode]
    described: frozenset[ox.NamedNode]

    def graphs(self) -> set[ox.NamedNode]:
        return set(self.graph_names)

    def described_documents(self) -> set[ox.NamedNode]:
        return set(self.described)


class CatalogedFile(Protocol):
    """What the catalog record says about a loaded file."""

    @property
    def path(self) -> Path: ...

    @property
    def sha256(self) -> str: ...

    def graphs(self) -> set[ox.NamedNode]: ...

    def described_documents(self) -> set[ox.NamedNode]: ...


def seed_paths() -> list[Path]:
    """Return the files that make up the seed dataset: the ontology and everything in data/."""
    root = resource_root()
    return [root / "ontology" / "sahelkg.ttl", root / "data"]


def regular_file_size(path: Path | str) -> int:
    """Given a path, return its size in bytes; raise LoadError unless it is a regular file.

    Only os.stat looks at it: a FIFO with no writer or a device such as /dev/zero would block or
    never end if opened, so anything that is not a regular file is refused unopened.
    """
    try:
        info = os.stat(path)
    except FileNotFoundError:
        broken = os.path.islink(path)
        raise LoadError(path, "is a symbolic link to a missing file" if broken else "no such file or directory") from None
    except PermissionError:
        raise LoadError(path, "permission denied: the file cannot be read") from None
    except OSError as error:
        raise LoadError(path, f"cannot be read: {error.strerror or error}") from None
    if stat.S_ISREG(info.st_mode):
        return info.st_size
    raise LoadError(path, f"is {_file_kind(info.st_mode)}, not a regular file; save the data to a file and give that")


def _file_kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a file"


def open_regular_file(path: Path | str) -> BinaryIO:
    """Given a path, return it opened for binary reading; raise LoadError unless it is a regular file.

    Checked before opening and again on the open descriptor (the path may change in between);
    the non-blocking open keeps a FIFO swapped in meanwhile from blocking us.
    """
    regular_file_size(path)
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as error:
        raise LoadError(path, f"cannot be opened: {error.strerror or error}") from None
    mode = os.fstat(descriptor).st_mode
    if not stat.S_ISREG(mode):
        os.close(descriptor)
        raise LoadError(path, f"is {_file_kind(mode)}, not a regular file")
    os.set_blocking(descriptor, True)
    return os.fdopen(descriptor, "rb")


def collect_files(paths: Iterable[Path | str]) -> list[Path]:
    """Given files and directories, return the RDF files among them in a stable order.

    Inside a directory, a name with an RDF extension that is not a regular file (a FIFO, a
    link to a device) is an error, not skipped: the person expected it to be loaded.
    """
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for candidate in sorted(p for p in path.rglob("*") if p.suffix in FORMATS):
                if not candidate.is_dir():
                    regular_file_size(candidate)
                    found.append(candidate)
        else:
            regular_file_size(path)
            if path.suffix not in FORMATS:
                raise LoadError(path, f"unknown RDF file extension {path.suffix!r}; use one of {', '.join(sorted(FORMATS))}")
            found.append(path)
    return found


class _HashingReader(io.RawIOBase):
    """A binary file that hashes what is read through it, so the parser streams the file once."""

    def __init__(self, handle: BinaryIO, progress: Callable[[int], None] | None = None) -> None:
        self.handle, self.digest, self.progress, self.done = handle, hashlib.sha256(), progress, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.handle.read(len(buffer))
        buffer[:len(data)] = data
        self.digest.update(data)
        self.done += len(data)
        if self.progress and self.done % PROGRESS_BYTES < len(data):
            self.progress(self.done)
        return len(data)

    def sha256(self) -> str:
        """Return the SHA-256 of the whole file (reading what the parser left unread)."""
        for chunk in iter(lambda: self.handle.read(1 << 20), b""):
            self.digest.update(chunk)
        return self.digest.hexdigest()


#: A long parse reports progress after every so many bytes read.
PROGRESS_BYTES = 64 << 20
#: From this size on, a file the store can load by itself (N-Quads; a triple format given a target
#: graph) is bulk-loaded into its new graphs without quad objects here (bench/IMPORT.md, "load").
BULK_LOAD_BYTES = 4 << 20


def bulk_loadable(path: Path, target_graph: str | None = None) -> bool:
    """Given a file and the target graph of a load, say whether the store may bulk-load it directly:
    a big N-Quads file (every graph named in full on every line, so the store can tell cheaply
    which graphs it writes), or a big file of triples with the graph they go to."""
    fmt = FORMATS.get(path.suffix)
    if fmt is None or regular_file_size(path) < BULK_LOAD_BYTES:
        return False
    return fmt == ox.RdfFormat.N_QUADS or (target_graph is not None and fmt not in QUAD_FORMATS)


def bulk_loaded_rows(paths: Sequence[Path], target_graph: str | None = None) -> list[tuple[str, str, str, str]]:
    """Given files a store bulk-loads (`bulk_loadable`), return their quads as (s, p, o, g) N-Triples
    texts, parsed as the store parses them (same base IRI; triples into the target graph); each
    file's blank nodes get labels no other file or store holds, as the store's bulk load gives them.

    The gate checks a staged load from these rows, read from the files instead of back from the
    store: on disk that is three times faster than dumping each new graph, and pyoxigraph lets
    another thread run while it bulk-loads, so the parse can overlap the load. Literals keep the
    file's lexical form (the store may write "01"^^xsd:integer as "1"): the gate checks what the
    file says, as it does for a small file's quads."""
    rows: list[tuple[str, str, str, str]] = []
    for path in paths:
        rows += _file_rows(path, target_graph)
    return rows


def _file_rows(path: Path, target_graph: str | None) -> list[tuple[str, str, str, str]]:
    fresh = f"_:{secrets.token_hex(8)}"

    def text(term) -> str:
        written = str(term)
        return fresh + written[2:] if written[0] == "_" else written

    fmt = file_format(path)
    parsed = ox.parse(path=str(path), format=fmt, base_iri=ns.BASE)
    if fmt in QUAD_FORMATS:
        # A default-graph quad's name prints as "DEFAULT"; the store refuses such a file anyway.
        return [(text(s), str(p), text(o), text(g)) for s, p, o, g in parsed]
    if target_graph is None:
        raise LoadError(path, "holds triples without a graph; give a target graph")
    graph = str(ox.NamedNode(target_graph))
    return [(text(t.subject), str(t.predicate), text(t.object), graph) for t in parsed]


def file_format(path: Path) -> ox.RdfFormat:
    """Given a file with a known RDF extension, return its format."""
    fmt = FORMATS.get(path.suffix)
    if fmt is None:
        raise LoadError(path, f"unknown RDF file extension {path.suffix!r}")
    return fmt


def parse_file(path: Path, target_graph: str | None = None,
               progress: Callable[[int], None] | None = None) -> ParsedFile:
    """Given an RDF file, return its quads; raise LoadError with line and column on bad syntax.
    `progress` (optional) receives the bytes read so far every PROGRESS_BYTES."""
    fmt = FORMATS.get(path.suffix)
    if fmt is None:
        raise LoadError(path, f"unknown RDF file extension {path.suffix!r}")
    # Streamed, not read whole: a huge file of garbage fails at its first bad byte.
    with open_regular_file(path) as handle:
        reader = _HashingReader(handle, progress)
        try:
            stream = io.BufferedReader(reader, 1 << 20)
            if fmt in QUAD_FORMATS:
                quads = tuple(ox.parse(stream, format=fmt, base_iri=ns.BASE))
            else:
                triples = list(ox.parse(stream, format=fmt, base_iri=ns.BASE))
                graph = target_graph or _graph_for_triples(path, triples)
                quads = tuple(ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(graph)) for t in triples)
        except SyntaxError as error:
            message = str(error.args[0]) if error.args else str(error)
            line, column = getattr(error, "lineno", None), getattr(error, "offset", None)
            message = _PARSER_POSITION.sub("", message, count=1)
            if line is None and fmt == ox.RdfFormat.RDF_XML:
                line, column, xml_problem = _xml_error_position(path, message)
                message += f" (the XML is not well-formed: {xml_problem})" if xml_problem else ""
            raise LoadError(path, message, line, column) from None
        except UnicodeDecodeError as error:
            raise LoadError(path, f"not UTF-8 text ({error.reason} at byte {error.start})") from None
        sha256 = reader.sha256()
    if not quads:
        raise LoadError(path, "no triples: the file is empty or holds only prefixes and comments")
    if fmt in QUAD_FORMATS and any(isinstance(q.graph_name, ox.DefaultGraph) for q in quads):
        if target_graph is None:
            raise LoadError(path, "has triples outside any GRAPH block; wrap them in a named graph or give a target graph")
        quads = tuple(
            ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode(target_graph))
            if isinstance(q.graph_name, ox.DefaultGraph) else q
            for q in quads
        )
    return ParsedFile(path=path, sha256=sha256, quads=quads)


_PARSER_POSITION = re.compile(r"^Parser error at line \d+ column \d+: ")


def _xml_error_position(path: Path, message: str) -> tuple[int | None, int | None, str | None]:
    """Given an RDF/XML file Oxigraph refused without a position, return (line, column, XML problem):
    where expat finds the XML ill-formed, else where the term the message quotes first appears."""
    parser = xml.parsers.expat.ParserCreate()
    with open_regular_file(path) as handle:
        try:
            parser.ParseFile(handle)
        except xml.parsers.expat.ExpatError as error:
            return error.lineno, error.offset + 1, xml.parsers.expat.ErrorString(error.code)
        handle.seek(0)
        data = handle.read(64 << 20)  # enough to find the term in any file a person edits by hand
    quoted = re.search(r"'([^']+)'", message)
    if quoted:
        at = data.find(quoted.group(1).encode())
        if at >= 0:
            line_start = data.rfind(b"\n", 0, at) + 1
            return data.count(b"\n", 0, at) + 1, len(data[line_start:at].decode(errors="replace")) + 1, None
    return None, None, None


def _graph_for_triples(path: Path, triples: list[ox.Triple]) -> str:
    if any(t.predicate == RDF_TYPE and t.object == OWL_ONTOLOGY for t in triples):
        return ns.ONTOLOGY_GRAPH
    raise LoadError(path, "is a triples-only format with no graph name; give a target graph (--graph IRI) or use TriG")


def parse_all(paths: Iterable[Path | str], target_graph: str | None = None,
              progress: Callable[[str], None] | None = None) -> list[ParsedFile]:
    """Given files and directories, parse every file or raise LoadError on the first bad one."""
    files = collect_files(paths)
    sizes = [regular_file_size(path) for path in files]
    estimate = Estimate(total=sum(sizes))
    parsed = []
    done = 0
    for index, (path, size) in enumerate(zip(files, sizes, strict=True), 1):
        report = None
        if progress:
            report = functools.partial(_parse_progress, progress, f"[{index}/{len(files)}] parsing {path}", estimate, done)
            report(0)
        parsed.append(parse_file(path, target_graph, report))
        done += size
    return parsed


@dataclass(frozen=True)
class FilesToLoad:
    """A load read as far as it can be without a store: the small files parsed, the big ones a store
    may bulk-load itself hashed (`bulk_loadable`), and the graph for triples that name none."""

    parsed: list[ParsedFile]
    big: dict[Path, str]  # path -> SHA-256
    target_graph: str | None = None

    def activity(self) -> ox.NamedNode:
        """Return the load activity these files make (the same files, the same activity)."""
        return load_activity([*self.big.values(), *(p.sha256 for p in self.parsed)])


def read_files(paths: Iterable[Path | str], target_graph: str | None = None,
               progress: Callable[[str], None] | None = None, *, bulk: bool = True) -> FilesToLoad:
    """Given files and directories, parse the small files (LoadError on the first bad one) and hash
    the big ones a store may bulk-load (all are parsed when `bulk` is False)."""
    files = collect_files(paths)
    big = [f for f in files if bulk and bulk_loadable(f, target_graph)]
    parsed = parse_all([f for f in files if f not in big], target_graph, progress)
    return FilesToLoad(parsed=parsed, big={f: file_sha256(f) for f in big}, target_graph=target_graph)


def _parse_progress(say: Callable[[str], None], label: str, estimate: Estimate, before: int, read: int) -> None:
    say(f"{label}: {estimate.line(before + read, unit='bytes')}")


def _display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(resource_root()))
    except ValueError:
        return str(path)


def graph_class(graph_iri: str) -> str:
    """Given a graph IRI, return the skg class that describes it."""
    if graph_iri == ns.ONTOLOGY_GRAPH:
        return ns.SKG + "OntologyGraph"
    if graph_iri == ns.REFERENCE_GRAPH:
        return ns.SKG + "ReferenceGraph"
    if graph_iri.startswith(ns.GRAPH + "import/"):
        return ns.SKG + "ImportGraph"
    if graph_iri.startswith(ns.SOURCE_GRAPH_PREFIX):
        return ns.SKG + "SourceGraph"
    if graph_iri.startswith(ns.GRAPH + "derived/"):
        return ns.SKG + "DerivedGraph"
    return ns.SKG + "NamedGraph"


def load_activity(sha256s: Iterable[str]) -> ox.NamedNode:
    """Given the SHA-256 of every file of a load, return its activity: the same files, the same activity."""
    digest = hashlib.sha256("".join(sorted(sha256s)).encode()).hexdigest()[:16]
    return ox.NamedNode(f"{ns.ID}activity/load-{digest}")


def file_sha256(path: Path) -> str:
    """Given a regular file, return its SHA-256."""
    with open_regular_file(path) as handle:
        return handle_sha256(handle)


def handle_sha256(handle: BinaryIO) -> str:
    """Given a file opened for binary reading, return the SHA-256 of the rest of it (1 MB blocks)."""
    digest = hashlib.sha256()
    for block in iter(lambda: handle.read(1 << 20), b""):
        digest.update(block)
    return digest.hexdigest()


def catalog_quads(parsed: Sequence[CatalogedFile], when: _dt.datetime | None = None) -> list[ox.Quad]:
    """Given loaded files, return PROV quads (in the catalog graph) saying which activity
    generated which graph from which file and hash."""
    when = when or _dt.datetime.now(_dt.UTC).replace(microsecond=0)
    catalog = ox.NamedNode(ns.CATALOG_GRAPH)
    activity = load_activity(p.sha256 for p in parsed)
    out: list[ox.Quad] = []

    def add(s, p, o):
        out.append(ox.Quad(s, ox.NamedNode(p), o, catalog))

    add(activity, str(RDF_TYPE.value), ox.NamedNode(ns.SKG + "LoadActivity"))
    add(activity, PROV + "endedAtTime", ox.Literal(when.isoformat(), datatype=ox.NamedNode(XSD + "dateTime")))
    # The catalog describes itself too: it is generated by the same activity.
    add(catalog, str(RDF_TYPE.value), ox.NamedNode(ns.SKG + "NamedGraph"))
    add(catalog, PROV + "wasGeneratedBy", activity)
    for item in parsed:
        file_node = ox.NamedNode(f"{ns.ID}file/{item.sha256[:16]}")
        add(activity, PROV + "used", file_node)
        add(file_node, str(RDF_TYPE.value), ox.NamedNode(ns.SKG + "DataFile"))
        add(file_node, ns.SKG + "filePath", ox.Literal(_display_path(item.path)))
        add(file_node, ns.SKG + "sha256", ox.Literal(item.sha256))
        graphs = sorted(item.graphs(), key=lambda g: g.value)
        # A source graph is derived from its document when the file describes that document.
        described = item.described_documents()
        for graph in graphs:
            add(graph, str(RDF_TYPE.value), ox.NamedNode(graph_class(graph.value)))
            add(graph, PROV + "wasGeneratedBy", activity)
            add(graph, PROV + "wasDerivedFrom", file_node)
            if graph.value.startswith(ns.SOURCE_GRAPH_PREFIX) and source_document(graph) in described:
                add(graph, ns.SKG + "derivedFromDocument", source_document(graph))
    return out


def described_in_store(store, graphs: Iterable[ox.NamedNode]) -> set[ox.NamedNode]:
    """Given a store and graphs a file loaded into it, return the documents of the source graphs
    among them that those graphs describe (as `ParsedFile.described_documents` finds them in a file)."""
    graphs = set(graphs)
    documents = {source_document(g) for g in graphs if g.value.startswith(ns.SOURCE_GRAPH_PREFIX)}
    return {d for d in documents if any(quad.graph_name in graphs for quad in store.quads(subject=d))}


def described_in_rows(rows: Iterable[tuple[str, str, str, str]], graphs: Iterable[ox.NamedNode]) -> set[ox.NamedNode]:
    """`described_in_store` for a file's rows (s, p, o, g as N-Triples terms) instead of a store."""
    graph_of_document = {str(source_document(g)): str(g) for g in graphs
                         if g.value.startswith(ns.SOURCE_GRAPH_PREFIX)}
    return {ox.NamedNode(s[1:-1]) for s, _p, _o, g in rows if graph_of_document.get(s) == g}


def source_document(graph: ox.NamedNode) -> ox.NamedNode:
    """Given a source graph, return the document it is read from (graph/source/X → id/document/X).

    >>> source_document(ox.NamedNode(ns.SOURCE_GRAPH_PREFIX + "a000")).value
    'https://w3id.org/sahelkg/id/document/a000'
    """
    return ox.NamedNode(ns.ID + "document/" + graph.value[len(ns.SOURCE_GRAPH_PREFIX):])


def dataset_quads(paths: Iterable[Path | str], target_graph: str | None = None,
                  progress: Callable[[str], None] | None = None) -> Iterator[ox.Quad]:
    """Given files and directories, return every quad to load: the files' and the catalog's."""
    parsed = parse_all(paths, target_graph, progress)
    for item in parsed:
        yield from item.quads
    yield from catalog_quads(parsed)
