"""Reading a dataset's CSV file and parsing its cells; every error names the line and column.

>>> parse_date("2 Jan 2025", 7, "event_date")
datetime.date(2025, 1, 2)
>>> split_names("JNIM; Civilians (Mali)")
['JNIM', 'Civilians (Mali)']
"""

from __future__ import annotations

import csv
import datetime as _dt
import hashlib
import io
import os
import re
from collections.abc import Callable, Iterator
from functools import lru_cache
from operator import itemgetter
from pathlib import Path
from typing import BinaryIO, Literal, overload

from sahelkg.importers.report import ImportFailed, RowError
from sahelkg.progress import Estimate


class UnreadableFile(ImportFailed):
    """The file cannot be read as CSV text (missing, not a regular file, binary, not UTF-8, a NUL
    byte or an endless cell); the message names the file, line and column."""


#: Longest cell accepted (the csv module's default, 131,072, is below some real notes).
MAX_CELL_CHARS = 1 << 20
#: Magic numbers of the files most often given by mistake instead of the CSV inside them.
_NOT_CSV = {b"\x1f\x8b": "a gzip archive, not CSV text; unpack it first",
            b"PK\x03\x04": "a zip archive or a spreadsheet (.xlsx), not CSV text; unpack it or save the sheet as CSV",
            b"%PDF": "a PDF document, not CSV text",
            b"\xff\xfe": "UTF-16 text; save it as UTF-8", b"\xfe\xff": "UTF-16 text; save it as UTF-8"}
# A NUL or a byte that is not UTF-8 (kept by 'surrogateescape' as U+DC80–U+DCFF) in a cell.
_BAD_CHARACTER = re.compile("[\x00\udc80-\udcff]")


def open_csv_file(path: Path | str) -> BinaryIO:
    """Given a path, return it opened for binary reading, or raise UnreadableFile when it is not a
    regular file (a FIFO or device is never opened) or is plainly not CSV text."""
    from sahelkg.dataset.loading import LoadError, open_regular_file

    try:
        handle = open_regular_file(path)
    except LoadError as error:
        raise UnreadableFile(path, message=str(error)) from None
    start = handle.read(8192)
    handle.seek(0)
    for magic, what in _NOT_CSV.items():
        if start.startswith(magic):
            handle.close()
            raise UnreadableFile(path, message=f"{path}: is {what}")
    first_line = start.split(b"\n", 1)[0]
    if b"\x00" in first_line:
        handle.close()
        column = first_line.index(b"\x00") + 1
        raise UnreadableFile(path, message=f"{path}:1:{column}: a NUL byte in the header: a binary file, not CSV text")
    return handle


def check_csv_file(path: Path | str) -> None:
    """Given a path, raise UnreadableFile unless it is a regular file that may be CSV text."""
    open_csv_file(path).close()


def file_sha256(path: Path) -> str:
    """Given a CSV file, return the SHA-256 of its bytes."""
    from sahelkg.dataset.loading import handle_sha256

    with open_csv_file(path) as handle:
        return handle_sha256(handle)


def row_digester(header: list[str]) -> Callable[[dict[str, str]], str]:
    """Given a file's header, return the function that gives the digest of one of its rows: the
    SHA-256 of the row's text as `column=value` lines in column-name order.

    This is the skg:sha256 of the row's record document: equal digests mean an unchanged row.

    >>> row_digester(["b", "{a}"])({"b": "2", "{a}": "{1}"}) == hashlib.sha256(b"b=2\\n{a}={1}").hexdigest()
    True
    """
    columns = sorted(set(header))
    # Every row holds the header's columns: its values go between the fixed "column=" parts and
    # one join in C writes the text (formatting or joining "column=value" pairs costs more).
    parts: list[str] = []
    for column in columns:
        parts += ["\n" + column + "=" if parts else column + "=", ""]
    values = itemgetter(*columns) if len(columns) > 1 else lambda row: (row[columns[0]],)
    sha256 = hashlib.sha256

    def digest(row: dict[str, str]) -> str:
        parts[1::2] = values(row)
        return sha256("".join(parts).encode()).hexdigest()

    return digest


def read_rows(path: Path, progress: Callable[[str], None] | None = None, every: int = 10_000,
              bad_row: Callable[[RowError], None] | None = None) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    """Given a CSV file, return its header and an iterator of (first line number, row).

    Line numbers count physical lines, so a quoted note spanning lines still points at the
    line where its row starts. Text that is not UTF-8, a NUL byte or an over-long cell raise
    UnreadableFile naming the line and column. A row with the wrong number of fields raises
    RowError, or is passed to `bad_row` and left out when that is given.
    """
    raw = open_csv_file(path)
    size = os.fstat(raw.fileno()).st_size
    # 'surrogateescape' keeps a stray byte as a marker, so the row and column holding it can be named.
    handle = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="surrogateescape", newline="")
    csv.field_size_limit(MAX_CELL_CHARS)
    reader = csv.reader(handle)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        handle.close()
        raise ImportFailed(path, message=f"{path}: the file is empty (no header line)") from None
    except csv.Error as error:
        handle.close()
        raise _unreadable_line(path, reader.line_num or 1, error) from None
    if _BAD_CHARACTER.search("".join(header)):
        handle.close()
        _check_cells(path, 1, header, header)

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        estimate = Estimate(total=size)
        with handle:
            start = reader.line_num + 1
            count = 0
            while True:
                try:
                    values = next(reader)
                except StopIteration:
                    break
                except csv.Error as error:
                    raise _unreadable_line(path, start, error) from None
                line = start
                start = reader.line_num + 1
                text = "".join(values)
                if (not text.isascii() or "\x00" in text) and _BAD_CHARACTER.search(text):  # ASCII: the usual, fast case
                    _check_cells(path, line, header, values)
                if not text.strip():  # no cell holds more than white space
                    continue
                if len(values) != len(header):
                    wrong_count = RowError(line, None, f"has {len(values)} fields, the header has {len(header)}"
                                           " (an unquoted comma or quote in a cell?)")
                    if bad_row is None:
                        raise wrong_count
                    bad_row(wrong_count)
                    continue
                count += 1
                if progress and count % every == 0:
                    progress(f"read {count:,} rows: " + estimate.line(raw.tell(), unit="bytes"))
                yield line, dict(zip(header, map(str.strip, values), strict=True))

    return header, rows()


def _unreadable_line(path: Path | str, line: int, error: csv.Error) -> UnreadableFile:
    text = str(error)
    if "field larger than field limit" in text:
        text = (f"a cell longer than {MAX_CELL_CHARS:,} characters (a quote left open, so the cell runs on "
                "through the following lines?)")
    return UnreadableFile(path, message=f"{path}:{line}: {text}")


def _check_cells(path: Path | str, line: int, header: list[str], values: list[str]) -> None:
    """Given a row holding a NUL or a byte that is not UTF-8, raise UnreadableFile naming its cell."""
    for number, value in enumerate(values, 1):
        bad = _BAD_CHARACTER.search(value)
        if bad is None:
            continue
        name = f" ({header[number - 1]!r})" if number <= len(header) and header is not values else ""
        where = f"{path}:{line}: column {number}{name}, character {bad.start() + 1}"
        if bad.group() == "\x00":
            raise UnreadableFile(path, message=f"{where}: a NUL byte; a CSV cell holds text only")
        byte = ord(bad.group()) - 0xDC00
        raise UnreadableFile(path, message=f"{where}: byte 0x{byte:02X} is not UTF-8; save the file as UTF-8 "
                                           "(it looks like Latin-1 or Windows-1252)")


MONTHS = {m.lower(): i for i, m in enumerate(
    ["January", "February", "March", "April", "May", "June", "July", "August", "September",
     "October", "November", "December"], 1)}


def parse_date(text: str, line: int, column: str) -> _dt.date:
    """Given '2025-01-02' or '02 January 2025' (or '2 Jan 2025'), return the date."""
    try:
        return _date(text.strip())
    except ValueError as error:
        raise RowError(line, column, str(error)) from None


@lru_cache(maxsize=8192)  # a file's rows repeat a few thousand dates at most
def _date(value: str) -> _dt.date:
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return _dt.date.fromisoformat(value)
        match = re.fullmatch(r"(\d{1,2})[ -]([A-Za-z]+)[ -](\d{4})", value)
        if match:
            day, month, year = match.groups()
            number = MONTHS.get(month.lower()) or next(
                (n for name, n in MONTHS.items() if len(month) >= 3 and name.startswith(month.lower())), None)
            if number:
                return _dt.date(int(year), number, int(day))
    except ValueError as error:
        raise ValueError(f"{value!r} is not a valid date ({error})") from None
    raise ValueError(f"{value!r} is not a date; expected YYYY-MM-DD or 'dd Month yyyy'")


@overload
def parse_int(text: str, line: int, column: str, *, optional: Literal[False] = False) -> int: ...


@overload
def parse_int(text: str, line: int, column: str, *, optional: bool) -> int | None: ...


def parse_int(text: str, line: int, column: str, *, optional: bool = False) -> int | None:
    """Given a cell, return its non-negative integer (None when empty and optional)."""
    value = text.strip()
    if not value:
        if optional:
            return None
        raise RowError(line, column, "is empty; a whole number is required")
    try:
        number = float(value) if "." in value else int(value)
    except ValueError:
        raise RowError(line, column, f"{value!r} is not a whole number") from None
    if number != int(number) or number < 0:
        raise RowError(line, column, f"{value!r} is not a non-negative whole number")
    return int(number)


def parse_coordinate(text: str, line: int, column: str, bound: float) -> str | None:
    """Given a latitude or longitude cell, return it as a decimal string (None when empty)."""
    value = text.strip()
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        raise RowError(line, column, f"{value!r} is not a number") from None
    if not -bound <= number <= bound:
        raise RowError(line, column, f"{value} is outside -{bound}..{bound}")
    return value


def month_end(day: _dt.date) -> _dt.date:
    """Given a date, return the last day of its month."""
    following = day.replace(day=28) + _dt.timedelta(days=4)
    return following - _dt.timedelta(days=following.day)


def split_names(cell: str) -> list[str]:
    """Given a cell listing several actors separated by ';', return the names."""
    if ";" not in cell:  # most cells: one name or none
        name = cell.strip()
        return [name] if name else []
    return [name.strip() for name in cell.split(";") if name.strip()]
