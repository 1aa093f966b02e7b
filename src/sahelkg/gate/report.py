"""Validation reports: the results of any engine, in one form, for people (text), programs
(JSON) and SHACL tools (a sh:ValidationReport graph).

>>> report = ValidationReport(results=[ValidationResult("https://w3id.org/sahelkg/id/count/c", "Warning",
...                                                     "https://w3id.org/sahelkg/ontology#CountWarningShape", "why")])
>>> report.conforms, report.counts()
(True, {'Violation': 0, 'Warning': 1, 'Info': 0})
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

import pyoxigraph as ox
import rdflib
from rdflib.namespace import RDF, SH

from sahelkg import namespaces as ns

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
SEVERITIES = ("Violation", "Warning", "Info")


@dataclass(frozen=True)
class ValidationResult:
    """One SHACL result: which node, along which path, broke which shape, how badly, and why."""

    focus_node: str
    severity: str
    source_shape: str
    message: str
    path: str | None = None
    value: str | None = None
    constraint_component: str | None = None
    source_constraint: str | None = None
    focus_label: str | None = None

    def key(self) -> tuple:
        """Return what identifies the result (everything but the label), for comparisons."""
        return (self.focus_node, self.path, self.source_shape, self.source_constraint,
                self.severity, self.value, self.constraint_component)


def result_order(result: ValidationResult) -> tuple:
    """Given a result, return its sort key: severity (violations first), focus node, path, shape."""
    rank = SEVERITIES.index(result.severity) if result.severity in SEVERITIES else len(SEVERITIES)
    return rank, result.focus_node, result.path or "", result.source_shape


@dataclass
class ValidationReport:
    """The results of a validation; `conforms` is True when no result is a violation."""

    results: list[ValidationResult] = field(default_factory=list)
    focus_nodes: int | None = None

    @property
    def conforms(self) -> bool:
        return not any(r.severity == "Violation" for r in self.results)

    def by_severity(self, severity: str) -> list[ValidationResult]:
        """Given a severity name (Violation, Warning, Info), return its results."""
        return [r for r in self.results if r.severity == severity]

    def counts(self) -> dict[str, int]:
        """Return how many results there are of each severity."""
        return {s: len(self.by_severity(s)) for s in SEVERITIES}

    def to_json(self) -> str:
        """Return the report as JSON: conforms, counts and the results."""
        return json.dumps({"conforms": self.conforms, "counts": self.counts(),
                           "results": [asdict(r) for r in self.results]}, ensure_ascii=False, indent=2)

    def to_graph(self) -> rdflib.Graph:
        """Return the report as a SHACL validation report graph."""
        g = rdflib.Graph()
        g.bind("sh", SH)
        for prefix, iri in ns.PREFIXES.items():
            g.bind(prefix, iri)
        report = rdflib.BNode()
        g.add((report, RDF.type, SH.ValidationReport))
        g.add((report, SH.conforms, rdflib.Literal(self.conforms)))
        for r in self.results:
            node = rdflib.BNode()
            g.add((report, SH.result, node))
            g.add((node, RDF.type, SH.ValidationResult))
            g.add((node, SH.focusNode, rdflib.URIRef(r.focus_node)))
            g.add((node, SH.resultSeverity, SH[r.severity]))
            g.add((node, SH.sourceShape, rdflib.URIRef(r.source_shape)))
            g.add((node, SH.resultMessage, rdflib.Literal(r.message)))
            if r.path:
                if r.path.startswith("^"):
                    inverse = rdflib.BNode()
                    g.add((inverse, SH.inversePath, rdflib.URIRef(r.path[1:])))
                    g.add((node, SH.resultPath, inverse))
                else:
                    g.add((node, SH.resultPath, rdflib.URIRef(r.path)))
            if r.value is not None:
                g.add((node, SH.value, _term_from_text(r.value)))
            if r.constraint_component:
                g.add((node, SH.sourceConstraintComponent, rdflib.URIRef(r.constraint_component)))
            if r.source_constraint:
                g.add((node, SH.sourceConstraint, rdflib.URIRef(r.source_constraint)))
        return g

    def to_turtle(self) -> str:
        """Return the report as a SHACL validation report in Turtle."""
        return self.to_graph().serialize(format="turtle")

    def to_text(self) -> str:
        """Return the report for people: grouped by severity, each result with label, IRI, path."""
        lines = []
        counts = self.counts()
        verdict = "conforms" if self.conforms else "does not conform"
        lines.append(f"{verdict}: {counts['Violation']} violation(s), {counts['Warning']} warning(s), "
                     f"{counts['Info']} info(s)")
        for severity in SEVERITIES:
            results = self.by_severity(severity)
            if not results:
                continue
            lines.append("")
            lines.append(f"== {severity} ({len(results)}) ==")
            for r in sorted(results, key=lambda r: (r.focus_node, r.path or "", r.source_shape)):
                label = f"{r.focus_label} " if r.focus_label else ""
                lines.append(f"- {label}<{r.focus_node}>")
                if r.path:
                    lines.append(f"    path:    {_short(r.path)}")
                if r.value is not None:
                    lines.append(f"    value:   {_short(r.value)}")
                lines.append(f"    shape:   {_short(r.source_constraint or r.source_shape)}")
                lines.append(f"    message: {r.message}")
        return "\n".join(lines) + "\n"


def _short(text: str) -> str:
    inverse = text.startswith("^")
    body = text[1:] if inverse else text
    if body.startswith("<") and body.endswith(">"):
        body = body[1:-1]
    short = ns.shorten(body, local_name=True)
    return ("^" if inverse else "") + short if short != body else text


def term_text(term) -> str:
    """Given an rdflib term, return its text in a report (an IRI bare, anything else in N3)."""
    if isinstance(term, rdflib.URIRef):
        return str(term)
    return term.n3()


def _term_from_text(text: str):
    if text.startswith('"') or text.startswith("_:"):
        return rdflib.util.from_n3(text)
    return rdflib.URIRef(text)


def to_rdflib(term):
    """Given a pyoxigraph term, return the rdflib term (plain literals stay plain).

    >>> to_rdflib(ox.Literal("nine"))
    rdflib.term.Literal('nine')
    """
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return rdflib.Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == XSD_STRING:
            return rdflib.Literal(term.value)
        return rdflib.Literal(term.value, datatype=rdflib.URIRef(datatype))
    raise TypeError(f"cannot validate RDF-star term {term!r}")
