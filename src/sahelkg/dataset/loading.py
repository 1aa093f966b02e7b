"""Read RDF files into quads, all or nothing, and describe what was loaded in the catalog graph.

Every file is parsed completely before anything reaches a store, so one syntax error in
one file loads nothing. Triple formats (Turtle, N-Triples, RDF/XML) carry no graph name:
a file that declares an owl:Ontology goes to the ontology graph, any other needs an explicit
target graph. Quad formats (TriG, N-Quads) name their graphs themselves.
"""

from __future__ import annotations

from sahelkg.resources import resource_root

import datetime as _dt
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

import pyoxigraph as ox

from sahelkg import namespaces as ns

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
OWL_ONTOLOGY = ox.NamedNode("http://www.w3.org/2002/07/owl#Ontology")
PROV = "http://www.w3.org/ns/prov#"
XSD = "http://www.w3.org/2001/XMLSchema#"

FORMATS: dict[str, ox.RdfFormat] = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".trig": ox.RdfFormat.TRIG,
    ".nq": ox.RdfFormat.N_QUADS,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
    ".jsonld": ox.RdfFormat.JSON_LD,
}
QUAD_FORMATS = {ox.RdfFormat.TRIG, ox.RdfFormat.N_QUADS, ox.RdfFormat.JSON_LD}


class LoadError(Exception):
    """A file could not be read; carries file:line:column for the person who must fix it."""

    def __init__(self, path: Path | str, message: str, line: int | None = None, column: int | None = None):
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


def project_root() -> Path:
    """Return the checkout this package runs from (src layout: two levels above the package)."""
    return resource_root()


def seed_paths() -> list[Path]:
    """Return the files that make up the seed dataset: the ontology and everything in data/."""
    root = project_root()
    return [root / "ontology" / "sahelkg.ttl", root / "data"]


def collect_files(paths: Iterable[Path | str]) -> list[Path]:
    """Given files and directories, return the RDF files among them in a stable order."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.suffix in FORMATS and p.is_file()))
        elif path.is_file():
            if path.suffix not in FORMATS:
                raise LoadError(path, f"unknown RDF file extension {path.suffix!r}; use one of {', '.join(sorted(FORMATS))}")
            found.append(path)
        else:
            raise LoadError(path, "no such file or directory")
    return found


def parse_file(path: Path, target_graph: str | None = None) -> ParsedFile:
    """Given an RDF file, return its quads; raise LoadError with line and column on bad syntax."""
    fmt = FORMATS.get(path.suffix)
    if fmt is None:
        raise LoadError(path, f"unknown RDF file extension {path.suffix!r}")
    data = path.read_bytes()
    try:
        if fmt in QUAD_FORMATS:
            quads = tuple(ox.parse(data, format=fmt, base_iri=ns.BASE))
        else:
            triples = list(ox.parse(data, format=fmt, base_iri=ns.BASE))
            graph = target_graph or _graph_for_triples(path, triples)
            quads = tuple(ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(graph)) for t in triples)
    except SyntaxError as error:
        message = str(error.args[0]) if error.args else str(error)
        raise LoadError(path, message, getattr(error, "lineno", None), getattr(error, "offset", None)) from None
    except UnicodeDecodeError as error:
        raise LoadError(path, f"not UTF-8 text ({error.reason} at byte {error.start})") from None
    if fmt in QUAD_FORMATS and any(isinstance(q.graph_name, ox.DefaultGraph) for q in quads):
        if target_graph is None:
            raise LoadError(path, "has triples outside any GRAPH block; wrap them in a named graph or give a target graph")
        quads = tuple(
            ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode(target_graph)) if isinstance(q.graph_name, ox.DefaultGraph) else q
            for q in quads
        )
    return ParsedFile(path=path, sha256=hashlib.sha256(data).hexdigest(), quads=quads)


def _graph_for_triples(path: Path, triples: list[ox.Triple]) -> str:
    if any(t.predicate == RDF_TYPE and t.object == OWL_ONTOLOGY for t in triples):
        return ns.ONTOLOGY_GRAPH
    raise LoadError(path, "is a triples-only format with no graph name; give a target graph (--graph IRI) or use TriG")


def parse_all(paths: Iterable[Path | str], target_graph: str | None = None,
              progress: Callable[[str], None] | None = None) -> list[ParsedFile]:
    """Given files and directories, parse every file or raise LoadError on the first bad one."""
    files = collect_files(paths)
    parsed = []
    for index, path in enumerate(files, 1):
        if progress:
            progress(f"[{index}/{len(files)}] parsing {path}")
        parsed.append(parse_file(path, target_graph))
    return parsed


def _display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(project_root()))
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


def catalog_quads(parsed: list[ParsedFile], when: _dt.datetime | None = None) -> list[ox.Quad]:
    """Given parsed files, return PROV quads (in the catalog graph) saying which activity
    generated which graph from which file and hash."""
    when = when or _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0)
    catalog = ox.NamedNode(ns.CATALOG_GRAPH)
    digest = hashlib.sha256("".join(sorted(p.sha256 for p in parsed)).encode()).hexdigest()[:16]
    activity = ox.NamedNode(f"{ns.ID}activity/load-{digest}")
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
        for graph in sorted(item.graphs(), key=lambda g: g.value):
            add(graph, str(RDF_TYPE.value), ox.NamedNode(graph_class(graph.value)))
            add(graph, PROV + "wasGeneratedBy", activity)
            add(graph, PROV + "wasDerivedFrom", file_node)
            if graph.value.startswith(ns.SOURCE_GRAPH_PREFIX):
                document = ox.NamedNode(ns.ID + "document/" + graph.value[len(ns.SOURCE_GRAPH_PREFIX):])
                if any(q.subject == document for q in item.quads):
                    add(graph, ns.SKG + "derivedFromDocument", document)
    return out


def dataset_quads(paths: Iterable[Path | str], target_graph: str | None = None,
                  progress: Callable[[str], None] | None = None) -> Iterator[ox.Quad]:
    """Given files and directories, return every quad to load: the files' and the catalog's."""
    parsed = parse_all(paths, target_graph, progress)
    for item in parsed:
        yield from item.quads
    yield from catalog_quads(parsed)
