"""The authoring page in Chromium (issue 11 §3): select words of a pasted text to make a claim, see
a gate violation explained, fix it, save with the write token, and find the claim on its actor's
page. Uses the fictional fixture article of tests/authoring/data."""

from __future__ import annotations

from collections.abc import Iterator

import pyoxigraph as ox
import pytest

from tests.authoring.conftest import FIXTURE_SHEET, FIXTURE_TEXT
from tests.browser.conftest import Visit, _visit
from tests.service.conftest import Server, start_server

TOKEN = "authoring-page-token"
QUOTE = "Kelmaran Defence Forces killed at least 32 civilians"


@pytest.fixture(scope="module")
def writable_server(tmp_path_factory, seed_quads) -> Iterator[Server]:
    path = tmp_path_factory.mktemp("author-page") / "seed.trig"
    path.write_bytes(ox.serialize(seed_quads, format=ox.RdfFormat.TRIG) or b"")
    server = start_server(str(path), env={"SAHELKG_WORKERS": "2", "SAHELKG_PUBLIC_BASE": ""}, token=TOKEN)
    yield server
    server.stop()


@pytest.fixture
def author_visit(browser, writable_server) -> Iterator[Visit]:
    yield from _visit(browser, writable_server)


def starter_sheet() -> str:
    """The fixture's sheet up to its statements (document, new actors and places, events)."""
    head = FIXTURE_SHEET.read_text(encoding="utf-8").split("statements:")[0]
    return head.replace("text: oudra-courier.txt, ", "") + "statements:\n"


def test_select_words_see_violation_fix_save_and_find_on_actor_page(author_visit):
    visit, page = author_visit, author_visit.page
    visit.goto("/author")
    page.fill("#author-text", FIXTURE_TEXT.read_text(encoding="utf-8"))
    page.fill("#sheet", starter_sheet())
    # Select the words in the text view, as a mouse would.
    page.evaluate("""(quote) => {
        const node = document.getElementById("text-view").firstChild;
        const at = node.textContent.indexOf(quote);
        const range = document.createRange();
        range.setStart(node, at); range.setEnd(node, at + quote.length);
        const selection = window.getSelection(); selection.removeAllRanges(); selection.addRange(range);
        document.getElementById("text-view").dispatchEvent(new MouseEvent("mouseup", {bubbles: true}));
    }""", QUOTE)
    page.wait_for_selector(f"#selection:has-text('{QUOTE}')")
    page.select_option("#claim-stance", "denies")  # a mistake: a denial must dispute an allegation
    page.fill("#claim-by", "Mariam Soukel")
    page.fill("#claim-for", "Tessaloum Solidarity Collective")
    page.fill("#claim-accused", "Kelmaran Defence Forces")
    page.fill("#claim-about", "bandiko-assault")
    page.fill("#claim-count", "at least 32 civilians")
    page.click("#add-claim")
    assert QUOTE in page.input_value("#sheet")
    page.wait_for_selector("#findings li.finding--Violation", timeout=120_000)
    findings = page.inner_text("#findings")
    assert "A denial must say which allegation it disputes" in findings
    assert "does not conform" in page.inner_text("#check-status")
    visit.screenshot("author-violation")
    # Fix it in the sheet: the collective accuses.
    page.fill("#sheet", page.input_value("#sheet").replace("stance: denies", "stance: accuses"))
    page.dispatch_event("#sheet", "input")
    page.wait_for_selector("#check-status[data-conforms='true']", timeout=120_000)
    assert "conforms" in page.inner_text("#check-status")
    page.fill("#write-token", TOKEN)
    page.click("#save")
    page.wait_for_selector("#save-result a", timeout=120_000)
    assert "Saved" in page.inner_text("#save-result")
    page.click("#save-result a:has-text('kelmaran-defence-forces')")
    page.wait_for_load_state("networkidle")
    assert "Tessaloum Solidarity Collective" in page.inner_text("main")
    visit.screenshot("author-saved-actor-page")
    visit.assert_clean()


def test_the_page_has_no_serious_accessibility_violations(author_visit):
    author_visit.goto("/author")
    assert author_visit.axe_violations() == []
