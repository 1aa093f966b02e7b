"""A malformed saved-query header is a clear error naming the file and the line."""

from __future__ import annotations

import pytest

from sahelkg.sparql.saved_queries import HeaderError, load_queries, parse_query_file

GOOD = ("#+ title: t\n#+ description: d\n#+ param: actor IRI optional -- who\n#+ example: e\n"
        "SELECT ?actor WHERE { ?actor ?p ?o } ORDER BY ?actor\n")


def write(tmp_path, text, name="q.rq"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_project_queries_all_have_valid_headers():
    for query in load_queries().values():
        assert query.title and query.description and query.examples


def test_a_good_header_is_parsed(tmp_path):
    query = parse_query_file(write(tmp_path, GOOD))
    assert (query.title, query.description, query.examples) == ("t", "d", ("e",))
    assert [(p.name, p.type, p.required, p.default, p.description) for p in query.parameters] == \
        [("actor", "IRI", False, None, "who")]


@pytest.mark.parametrize(("text", "line", "message"), [
    (GOOD.replace("#+ title: t\n", ""), 1, "exactly one '#+ title:'"),
    (GOOD.replace("#+ description: d", "#+ descripton: d"), 2, "FIELD one of"),
    (GOOD.replace("IRI optional", "iri optional"), 3, "type 'iri'"),
    (GOOD.replace("IRI optional", "IRI maybe"), 3, "NAME TYPE required|optional|default=VALUE"),
    (GOOD.replace("actor IRI optional", "who IRI optional"), 3, "not used as ?who"),
    (GOOD.replace("actor IRI optional", "actor IRI default=not-absolute"), 3, "default of 'actor' is invalid"),
    (GOOD.replace("actor IRI optional", "format string optional"), 3, "reserved"),
    (GOOD.replace("#+ example: e\n", "#+ param: actor IRI optional\n#+ example: e\n"), 4, "declared twice"),
    (GOOD.replace("#+ example: e\n", ""), 1, "at least one '#+ example:'"),
    (GOOD.replace("#+ title: t", "#+ title:"), 1, "empty"),
    (GOOD.replace("WHERE { ?actor ?p ?o }", "WHERE { ?actor ?p }"), 5, "does not parse"),
])
def test_a_malformed_header_names_file_and_line(tmp_path, text, line, message):
    path = write(tmp_path, text)
    with pytest.raises(HeaderError) as caught:
        parse_query_file(path)
    assert str(caught.value).startswith(f"{path}:{line}: ")
    assert message in str(caught.value)


def test_loading_a_directory_stops_at_the_first_broken_file(tmp_path):
    write(tmp_path, GOOD, "a.rq")
    write(tmp_path, GOOD.replace("#+ title: t\n", "#+ titel: t\n"), "b.rq")
    with pytest.raises(HeaderError, match=r"b\.rq:1: "):
        load_queries(tmp_path)


def test_the_service_refuses_to_start_with_a_malformed_query_file(tmp_path):
    import os
    import subprocess
    import sys

    write(tmp_path, GOOD, "fine.rq")
    write(tmp_path, GOOD.replace("IRI optional", "URI optional"), "broken.rq")
    env = dict(os.environ, SAHELKG_QUERIES=str(tmp_path))
    process = subprocess.run([sys.executable, "-m", "sahelkg.web.app", "--port", "1"], env=env, capture_output=True,
                             text=True, timeout=60)
    assert process.returncode != 0
    assert f"{tmp_path / 'broken.rq'}:3: parameter 'actor' has type 'URI'" in process.stderr
