"""Reading the W3C HTTP test manifests (ht: vocabulary) into plain request/response records."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rdflib import RDF, RDFS, Graph, Namespace
from rdflib.collection import Collection

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")

_CODES = {"OK": 200, "Created": 201, "NoContent": 204, "NotFound": 404}


@dataclass
class Expected:
    statuses: list[str]  # "2xx", "201", …
    boolean: bool | None = None
    format: str | None = None
    content_type: str | None = None
    body: str | None = None
    location_var: str | None = None

    def status_ok(self, code: int) -> bool:
        return any(s == str(code) or (s.endswith("xx") and s[0] == str(code)[0]) for s in self.statuses)


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    expected: Expected


@dataclass
class Case:
    name: str
    label: str
    requests: list[Request]
    graph_data: list[tuple[Path, str]] = field(default_factory=list)
    requires: list[str] = field(default_factory=list)


def _status(node) -> str:
    local = str(node).rsplit("#", 1)[1]
    if local.startswith("StatusCode"):
        return local[len("StatusCode"):]
    return str(_CODES[local])


def _headers(g, node) -> dict[str, str]:
    out = {}
    lst = g.value(node, HT.headers)
    if lst is not None:
        for h in Collection(g, lst):
            out[str(g.value(h, HT.fieldName)).lower()] = str(g.value(h, HT.fieldValue))
    return out


def load_manifest(path: Path) -> list[Case]:
    """Given a manifest file (mf:include followed), return its test cases in manifest order."""
    g = Graph()
    g.parse(path, format="turtle", publicID=path.as_uri())
    cases: list[Case] = []
    manifest = next(g.subjects(RDF.type, MF.Manifest))
    includes = g.value(manifest, MF.include)
    if includes is not None:
        for inc in Collection(g, includes):
            cases += load_manifest(path.parent / str(inc).rsplit("/", 1)[1])
    entries = g.value(manifest, MF.entries)
    if entries is None:
        return cases
    listed = list(Collection(g, entries))
    # Also run tests a manifest defines but forgot to list (manifest-direct.ttl has one).
    defined = [t for kind in (MF.ProtocolTest, MF.GraphStoreProtocolTest) for t in g.subjects(RDF.type, kind)]
    for test in listed + sorted(set(defined) - set(listed)):
        name = str(test).rsplit("#", 1)[1]
        requests = []
        action = g.value(test, MF.action)
        for req in Collection(g, g.value(action, HT.requests)):
            body_node = g.value(req, HT.body)
            body = None
            if body_node is not None:
                chars = str(g.value(body_node, CNT.chars))
                encoding = str(g.value(body_node, CNT.characterEncoding) or "UTF-8")
                body = chars.encode(encoding.lower())
            resp = g.value(req, HT.resp)
            resp_body = g.value(resp, HT.body)
            expected = Expected(
                statuses=[_status(s) for s in g.objects(resp, MF.expectedStatus)],
                boolean=(g.value(resp, MF.expectedBoolean).toPython()
                         if g.value(resp, MF.expectedBoolean) is not None else None),
                format=str(g.value(resp, MF.expectedFormat)) if g.value(resp, MF.expectedFormat) else None,
                content_type=_headers(g, resp).get("content-type"),
                body=str(g.value(resp_body, CNT.chars)) if resp_body is not None else None,
                location_var=str(g.value(resp, MF.expectedLocation)) if g.value(resp, MF.expectedLocation) else None,
            )
            requests.append(Request(method=str(g.value(req, HT.methodName)), path=str(g.value(req, HT.absolutePath)),
                                    headers=_headers(g, req), body=body, expected=expected))
        graph_data = []
        for gd in g.objects(test, UT.graphData):
            file = Path(str(g.value(gd, UT.graph)).replace("file://", ""))
            graph_data.append((file, str(g.value(gd, RDFS.label))))
        cases.append(Case(name=name, label=str(g.value(test, MF.name)), requests=requests, graph_data=graph_data,
                          requires=[str(r).rsplit("#", 1)[1] for r in g.objects(test, MF.requires)]))
    return cases
