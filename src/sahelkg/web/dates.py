"""Dates as a reader says them, at the precision the source gave: "December 2024", not 2024-12-01.

>>> describe_span("2024-12-01", "2024-12-31", "month")
'December 2024'
>>> describe_span("2025-01-06", "2025-01-12", "week")
'6–12 January 2025'
>>> describe_span("2025-01-02", "2025-01-12", "unknown")
'between 2 and 12 January 2025'
"""

from __future__ import annotations

import datetime as dt

PRECISION_VOCAB = "https://w3id.org/sahelkg/vocab/date-precision/"


def _date(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return None


def _day(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _range(start: dt.date, end: dt.date) -> str:
    if start == end:
        return _day(start)
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{end.day} {end:%B %Y}"
    if start.year == end.year:
        return f"{start.day} {start:%B} – {_day(end)}"
    return f"{_day(start)} – {_day(end)}"


def describe_span(start: str | None, end: str | None, precision: str | None) -> str:
    """Given ISO start and end dates and a precision (day, week, month, year, unknown, or its
    vocabulary IRI), return how a reader should see the date; empty text when there is none."""
    first, last = _date(start), _date(end)
    if first is None and last is None:
        return ""
    first = first or last
    last = last or first
    assert first is not None and last is not None
    kind = (precision or "").removeprefix(PRECISION_VOCAB)
    if kind == "year" and first.year == last.year:
        return str(first.year)
    if kind == "month" and (first.year, first.month) == (last.year, last.month):
        return f"{first:%B %Y}"
    if kind in ("unknown", "") and first != last:
        text = _range(first, last)
        return "between " + (text.replace(" – ", " and ", 1) if " – " in text else text.replace("–", " and ", 1))
    return _range(first, last)
