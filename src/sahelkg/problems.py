"""RFC 9457 problem details: every error the service returns, with a message for a person.

>>> p = Problem(400, "Malformed query", "error at 1:7: expected '{'", line=1, column=7)
>>> p.to_dict()["status"]
400
"""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.responses import Response

PROBLEM_MEDIA_TYPE = "application/problem+json"
_TYPE_BASE = "https://w3id.org/sahelkg/problems/"


class Problem(Exception):
    """An HTTP error with a title, a human explanation and optional extra members."""

    def __init__(self, status: int, title: str, detail: str = "", *, kind: str | None = None,
                 headers: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(f"{status} {title}: {detail}")
        self.status = status
        self.title = title
        self.detail = detail
        self.kind = kind or re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
        self.headers = headers or {}
        self.extra = extra

    def to_dict(self) -> dict[str, Any]:
        """Return the problem as an RFC 9457 JSON object."""
        body = {"type": _TYPE_BASE + self.kind, "title": self.title, "status": self.status}
        if self.detail:
            body["detail"] = self.detail
        body.update(self.extra)
        return body

    def response(self) -> Response:
        """Return the problem as an application/problem+json response."""
        return Response(json.dumps(self.to_dict(), ensure_ascii=False), status_code=self.status,
                        media_type=PROBLEM_MEDIA_TYPE, headers=self.headers)


_POSITION = re.compile(r"(?:error )?at (\d+):(\d+)")


def syntax_problem(message: str, text: str, what: str = "query") -> Problem:
    """Given a parser message (Oxigraph's 'error at L:C: …'), return a 400 problem with line and column."""
    match = _POSITION.search(message)
    extra: dict[str, Any] = {}
    detail = message
    if match:
        line, column = int(match.group(1)), int(match.group(2))
        extra = {"line": line, "column": column}
        lines = text.splitlines() or [""]
        if 1 <= line <= len(lines):
            extra["context"] = lines[line - 1]
        detail = f"Syntax error in the {what} at line {line}, column {column}: {_POSITION.sub('', message, 1).lstrip(': ')}"
    return Problem(400, f"Malformed {what}", detail, kind=f"malformed-{what}", **extra)
