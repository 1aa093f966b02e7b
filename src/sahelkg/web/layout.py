"""The workbench's HTML: one Jinja2 environment (autoescaped) over web/templates/, one base layout,
and the static files of web/static/ (our CSS and JS, and vendor/ from `make vendor`).

Pages keep every script in a static file, so they work under a Content-Security-Policy without
'unsafe-inline' (`PAGE_POLICY`). Data a script needs travels in a `<script type="application/json">`
block, which the browser never executes.

>>> "<b>" in render("base.html", title="<b>", request_path="/")
False
>>> web_href(Site(), "javascript:alert(1)"), web_href(Site(), "https://w3id.org/sahelkg/id/actor/fama")
('', '/id/actor/fama')
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles

from sahelkg.problems import Problem
from sahelkg.web import vendor
from sahelkg.web.pages import Site, is_web_link

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
# What the workbench's pages need: our own scripts, styles, images and API only.
PAGE_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
               "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
               "frame-ancestors 'none'; form-action 'self'")
# The dossiers at /id/… show what sources wrote (untrusted text): they run no script at all.
NO_SCRIPT_POLICY = ("default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; "
                    "frame-ancestors 'none'; form-action 'self'")
NAVIGATION = (("/", "Home"), ("/query", "Query"), ("/queries", "Saved queries"), ("/network", "Network"),
              ("/timeline", "Timeline"), ("/map", "Map"), ("/audit", "Audits"), ("/author", "Add a source"),
              ("/dumps", "Dumps"), ("/docs", "API docs"))


@lru_cache(maxsize=256)
def _fingerprint(path: str) -> str:
    return hashlib.sha256((STATIC / path).read_bytes()).hexdigest()[:12]


def static_url(path: str) -> str:
    """Given a path under web/static/, return its URL with a content hash (so caches never serve old code)."""
    return f"/static/{path}?v={_fingerprint(path)}"


def vendor_url(package: str, path: str) -> str:
    """Given an npm package and a file in it, return the URL of our vendored copy."""
    return vendor.url_of(package, path)


ENVIRONMENT = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                                 undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
ENVIRONMENT.globals.update(static_url=static_url, vendor_url=vendor_url, navigation=NAVIGATION)


def web_href(site: Site, iri: str) -> str:
    """Given the site and an IRI, return the link a page may make for it, or "" when it must stay
    text (only http(s) and site-relative links are clickable: no javascript:, data: …)."""
    href = site.href(iri)
    return href if is_web_link(href) else ""


def render(template: str, **context) -> str:
    """Given a template name and its variables, return the page's HTML."""
    return ENVIRONMENT.get_template(template).render(**context)


def policy(style_hashes: tuple[str, ...] = (), inline_styles: bool = False) -> str:
    """Return the page policy, allowing the <style> elements with these SHA-256 hashes (base64), or
    any inline style (vis-timeline writes style attributes that vary with the data; scripts stay 'self')."""
    if inline_styles:
        return PAGE_POLICY.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
    if not style_hashes:
        return PAGE_POLICY
    allowed = " ".join(f"'sha256-{digest}'" for digest in style_hashes)
    return PAGE_POLICY.replace("style-src 'self'", f"style-src 'self' {allowed}")


def page(request: Request, template: str, *, status_code: int = 200, style_hashes: tuple[str, ...] = (),
         inline_styles: bool = False, **context) -> HTMLResponse:
    """Given a request, a template and its variables, return the HTML response (with the page policy)."""
    body = render(template, request_path=request.url.path, **context)
    return HTMLResponse(body, status_code=status_code,
                        headers={"Content-Security-Policy": policy(style_hashes, inline_styles), "Vary": "Accept"})


_STATIC_FILES = StaticFiles(directory=STATIC, follow_symlink=False)


async def static_file(request: Request, path: str) -> Response:
    """Given a path under /static/, return the file (404 for anything else); vendored files never change."""
    if not path or path.endswith("/"):
        raise Problem(404, "Not found", "No static file has this path.")
    try:
        response = await _STATIC_FILES.get_response(path, request.scope)
    except Exception as error:  # Starlette raises HTTPException(404) for missing files
        raise Problem(404, "Not found", "No static file has this path.") from error
    if response.status_code in (200, 304):
        versioned = path.startswith("vendor/") or "v" in request.query_params
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable" if versioned else "no-cache"
    return response
