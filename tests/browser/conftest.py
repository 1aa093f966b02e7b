"""Real-browser fixtures: Debian's Chromium driven by Playwright against the real service.

Chromium comes from the system (`apt-get install chromium`, done by .ci/prepare-test-servers);
Playwright never downloads a browser of its own. Without Chromium the tests skip, saying why,
except in CI (CI=true), where they fail.

Every page a test opens records console errors, uncaught exceptions, failed requests and HTTP
error responses; `Visit.assert_clean()` fails on any of them. Screenshots go to
tests/output/screenshots/ for a person to look at.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from sahelkg.importers.acled import AcledImporter
from sahelkg.importers.ucdp import UcdpImporter
from sahelkg.store import EmbeddedStore
from sahelkg.web.vendor import url_of
from tests.service.conftest import Server, start_server

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "tests" / "output" / "screenshots"
IMPORTER_DATA = REPO / "tests" / "importers" / "data"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1280, "height": 900}


def chromium_path() -> str:
    """Return Debian's Chromium, or skip (fail in CI) when it is not installed."""
    found = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if found is None:
        message = ("Debian's chromium is not installed (`apt-get install chromium`; .ci/prepare-test-servers "
                   "installs it as root), so the real-browser tests cannot run")
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return found


@pytest.fixture(scope="session")
def browser() -> Iterator:
    executable = chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the playwright package is missing: install the test extra (playwright==1.65.2)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


def _serve(path: Path, seed_quads: list[ox.Quad], *, imported: bool) -> Server:
    store = EmbeddedStore()
    store.load_quads(seed_quads)
    if imported:
        for importer, rows in ((AcledImporter(), "acled.csv"), (UcdpImporter(), "ucdp.csv")):
            _, change = importer.plan(store, IMPORTER_DATA / rows)
            store.apply(change)
    store.dump(str(path), format=ox.RdfFormat.TRIG)
    return start_server(str(path), env={"SAHELKG_WORKERS": "2", "SAHELKG_PUBLIC_BASE": ""})


@pytest.fixture(scope="session")
def seed_server(tmp_path_factory, seed_quads) -> Iterator[Server]:
    """The service holding the seed dataset (ontology, vocabularies, reference data, seed article)."""
    server = _serve(tmp_path_factory.mktemp("browser") / "seed.trig", seed_quads, imported=False)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def imported_server(tmp_path_factory, seed_quads) -> Iterator[Server]:
    """The seed plus the importers' ACLED and UCDP fixture files, imported as a user would."""
    server = _serve(tmp_path_factory.mktemp("browser") / "imported.trig", seed_quads, imported=True)
    yield server
    server.stop()


@dataclass
class Visit:
    """One browser page and everything that went wrong while it was open."""

    page: Any
    base_url: str
    dataset: str = "seed"
    problems: list[str] = field(default_factory=list)
    policy: str | None = None

    def goto(self, path: str) -> None:
        response = self.page.goto(self.base_url + path)
        assert response is not None and response.ok, f"GET {path}: {response.status if response else 'no response'}"
        self.policy = response.headers.get("content-security-policy")
        self.page.wait_for_load_state("networkidle")

    def assert_clean(self) -> None:
        assert self.problems == [], "\n".join(self.problems)

    def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / (f"{name}.png" if self.dataset == "seed" else f"{name}-{self.dataset}.png")
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def axe_violations(self, *, exclude: tuple[str, ...] = ()) -> list[dict]:
        """Run the vendored axe-core in the page; return its serious and critical violations.

        Pages that allow no script at all (the dossiers) are checked in a second page that ignores
        the page policy, since axe-core is itself a script; the first page stays as served."""
        if "script-src" not in (self.policy or "script-src"):
            context = self.page.context.browser.new_context(viewport=VIEWPORT, bypass_csp=True)
            try:
                other = context.new_page()
                other.goto(self.page.url)
                return Visit(other, self.base_url, self.dataset)._axe(exclude)
            finally:
                context.close()
        return self._axe(exclude)

    def _axe(self, exclude: tuple[str, ...]) -> list[dict]:
        self.page.add_script_tag(url=self.base_url + url_of("axe-core", "axe.min.js"))
        results = self.page.evaluate(
            """async (exclude) => await axe.run({exclude: exclude.map((s) => [s])},
                                                 {resultTypes: ["violations"]})""", list(exclude))
        return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
                 "nodes": [n["target"] for n in v["nodes"]][:5]}
                for v in results["violations"] if v["impact"] in ("serious", "critical")]


@pytest.fixture
def visit(browser, seed_server) -> Iterator[Visit]:
    """A browser page on the seed server."""
    yield from _visit(browser, seed_server)


@pytest.fixture(params=["seed", "imported"])
def visit_each(request, browser) -> Iterator[Visit]:
    """A browser page on the seed server, then on the server with imported rows."""
    yield from _visit(browser, request.getfixturevalue(f"{request.param}_server"), request.param)


def _visit(browser, server: Server, dataset: str = "seed") -> Iterator[Visit]:
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    current = Visit(page, server.url, dataset)
    page.on("console", lambda message: current.problems.append(f"console {message.type}: {message.text}")
            if message.type == "error" else None)
    page.on("pageerror", lambda error: current.problems.append(f"uncaught: {error}"))
    page.on("requestfailed", lambda request: current.problems.append(
        f"request failed: {request.method} {request.url}: {request.failure}"))
    page.on("response", lambda response: current.problems.append(f"HTTP {response.status}: {response.url}")
            if response.status >= 400 else None)
    yield current
    context.close()
