"""Dates and counts read from a source's wording, by written-down rules.

Counts follow the scope notes of vocab/count-qualifier; dates resolve against the document's
date (the latest day it can have been written), and a year the wording leaves out is written
down in the time span's resolution.

>>> read_count("at least 32 civilians")
CountReading(qualifier='at-least', minimum=32, maximum=None, estimate=None, proportion=None)
>>> read_count("over 1,000 homes").minimum
1001
>>> read_count("dozens").maximum
99
>>> read_count("up to 400")
CountReading(qualifier='up-to', minimum=None, maximum=400, estimate=None, proportion=None)
>>> span = read_date("on Thursday, January 2", _dt.date(2025, 1, 12))
>>> span.start, span.start_precision, span.resolution is not None
(datetime.date(2025, 1, 2), 'day', True)
>>> read_date("since May 2024", _dt.date(2025, 1, 12)).end
datetime.date(2025, 1, 12)
"""

from __future__ import annotations

import calendar
import datetime as _dt
import math
import re
from dataclasses import dataclass


class WordingError(ValueError):
    """The wording cannot be read by the rules; the message says what to write instead."""


NUMBER_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split())}
NUMBER_WORDS.update({"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
                     "ninety": 90, "a hundred": 100, "one hundred": 100, "a dozen": 12})
# 'dozens' = 24..99 … (the unspecified-plural scope note); longest first so 'tens of thousands' wins.
MAGNITUDES = [("tens of thousands", 20000, 99999), ("hundreds of thousands", 200000, 999999),
              ("thousands", 2000, 9999), ("hundreds", 200, 999), ("dozens", 24, 99), ("scores", 40, 99)]
PROPORTIONS = [("mostly", "most"), ("most of", "most"), ("majority", "most"), ("all of", "all"), ("all", "all"),
               ("a few", "few"), ("few of", "few"), ("some of", "some")]
_NUMBER = r"(\d{1,3}(?:,\d{3})+|\d+|" + "|".join(sorted(map(re.escape, NUMBER_WORDS), key=len, reverse=True)) + r")"
_COUNT_RULES: list[tuple[str, str]] = [
    (r"\bbetween " + _NUMBER + r" and " + _NUMBER + r"\b", "range"),
    (r"\b" + _NUMBER + r"\s*(?:to|-|–)\s*" + _NUMBER + r"\b", "range"),
    (r"\bat least " + _NUMBER + r"\b", "at-least"),
    (r"\b(?:more than|over|upwards of) " + _NUMBER + r"\b", "more-than"),
    (r"\bup to " + _NUMBER + r"\b", "up-to"),
    (r"\b(?:at most|no more than) " + _NUMBER + r"\b", "at-most"),
    (r"\b(?:about|around|some|nearly|almost|approximately|roughly|an estimated) " + _NUMBER + r"\b", "approximately"),
    (r"\b" + _NUMBER + r"\b", "exact"),
]


@dataclass(frozen=True)
class CountReading:
    """What the wording says of a number: the qualifier concept and the bounds it implies."""

    qualifier: str
    minimum: int | None
    maximum: int | None
    estimate: int | None = None
    proportion: str | None = None


def _number(text: str) -> int:
    return NUMBER_WORDS[text] if text in NUMBER_WORDS else int(text.replace(",", ""))


def read_count(wording: str, whole_maximum: int | None = None, in_whole: bool = False) -> CountReading:
    """Given a count's wording (and, for a part, its whole's maximum), return the reading.
    Raise WordingError when the rules find no number, magnitude or proportion."""
    text = " " + re.sub(r"\s+", " ", wording.casefold().replace("’", "'")) + " "
    for rule, qualifier in _COUNT_RULES:
        match = re.search(rule, text)
        if not match:
            continue
        numbers = [_number(g) for g in match.groups()]
        if qualifier == "range":
            return CountReading("range", min(numbers), max(numbers))
        n = numbers[0]
        if qualifier == "at-least":
            return CountReading("at-least", n, None)
        if qualifier == "more-than":
            return CountReading("more-than", n + 1, None)
        if qualifier == "up-to":
            return CountReading("up-to", None, n)
        if qualifier == "at-most":
            return CountReading("at-most", 0, n)
        if qualifier == "approximately":
            return CountReading("approximately", math.floor(0.9 * n), math.ceil(1.1 * n), estimate=n)
        return CountReading("exact", n, n)
    for word, low, high in MAGNITUDES:
        if f" {word} " in text:
            return CountReading("unspecified-plural", low, high)
    if in_whole:
        for word, proportion in PROPORTIONS:
            if f" {word} " in text:
                return CountReading("proportion", None, None, proportion=proportion)
        # A bare plural within a counted whole: presence stated, at most the whole.
        return CountReading("unspecified-plural", 1, whole_maximum)
    raise WordingError(f"no number, magnitude ('dozens', 'thousands') or bound in {wording!r}; quote the source's "
                       "number, or give qualifier: (and minimum:/maximum:) yourself")


MONTHS = {name.casefold(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.casefold(): i for i, name in enumerate(calendar.month_abbr) if name})
WEEKDAYS = {name.casefold(): i for i, name in enumerate(calendar.day_name)}


@dataclass(frozen=True)
class SpanReading:
    """A time span read from wording: bounds, their precisions (vocab/date-precision) and, when the
    wording leaves something out, how it was resolved."""

    start: _dt.date | None
    start_precision: str | None
    end: _dt.date | None
    end_precision: str | None
    resolution: str | None = None


def _month_end(year: int, month: int) -> _dt.date:
    return _dt.date(year, month, calendar.monthrange(year, month)[1])


def _point(text: str, ref: _dt.date) -> SpanReading:
    """Read one date expression (no 'since') against the reference date."""
    text = text.strip().strip(",.").strip()
    text = re.sub(r"^(on|in|during|from|of)\s+", "", text)
    if m := re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text):
        d = _dt.date(int(m[1]), int(m[2]), int(m[3]))
        return SpanReading(d, "day", d, "day")
    if m := re.fullmatch(r"(\d{4})", text):
        y = int(m[1])
        return SpanReading(_dt.date(y, 1, 1), "year", _dt.date(y, 12, 31), "year")
    if text == "last week":
        monday = ref - _dt.timedelta(days=ref.weekday() + 7)
        return SpanReading(monday, "week", monday + _dt.timedelta(days=6), "week",
                           f"'last week' read against {ref.isoformat()}: the Monday-to-Sunday week before it.")
    if text == "yesterday":
        d = ref - _dt.timedelta(days=1)
        return SpanReading(d, "day", d, "day", f"'yesterday' read against {ref.isoformat()}.")
    words = re.findall(r"[a-z]+|\d+", text)
    weekday = next((WEEKDAYS[w] for w in words if w in WEEKDAYS), None)
    month = next((MONTHS[w] for w in words if w in MONTHS), None)
    numbers = [int(w) for w in words if w.isdigit()]
    year = next((n for n in numbers if n > 31), None)
    day = next((n for n in numbers if n <= 31), None)
    if month is None:
        raise WordingError(f"cannot read a date from {text!r}; write 'January 2', 'in December 2024', '2020', "
                           "'since May 2024', 'last week' or an ISO date, or give start:/end: yourself")
    note = None
    if year is None:
        year = ref.year
        candidate = _dt.date(year, month, day or 1)
        if candidate > ref:
            year -= 1
        note = (f"The year is not printed: {year}, the latest year that puts it on or before {ref.isoformat()} "
                "(the document's latest possible date).")
    if day is None:
        return SpanReading(_dt.date(year, month, 1), "month", _month_end(year, month), "month", note)
    try:
        d = _dt.date(year, month, day)
    except ValueError:
        raise WordingError(f"{text!r} is not a date ({day} {calendar.month_name[month]} {year})") from None
    if weekday is not None:
        if d.weekday() != weekday:
            raise WordingError(f"{text!r}: {d.isoformat()} is a {calendar.day_name[d.weekday()]}, not a "
                               f"{calendar.day_name[weekday]}; check the date, or give start: yourself")
        if note:
            note += f" Weekday and date agree in {year}."
    return SpanReading(d, "day", d, "day", note)


def read_date(wording: str, ref: _dt.date, ref_precision: str = "day") -> SpanReading:
    """Given a date's wording and the reference date (the document's latest possible date),
    return the span; 'since X' runs from X to the reference date."""
    text = re.sub(r"\s+", " ", wording.casefold().replace("’", "'")).strip()
    if text.startswith("since "):
        start = _point(text[6:], ref)
        return SpanReading(start.start, start.start_precision, ref, ref_precision, start.resolution)
    return _point(text, ref)
