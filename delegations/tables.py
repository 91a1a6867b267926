"""Bounded reading of uploaded tables (CSV and XLSX): the one place where a file from
outside becomes rows.

Every limit is checked before the work it protects: the file size before reading, the
zip's declared sizes and the worksheet's declared dimension before parsing, every line
and cell while streaming. Whatever a parser raises is turned here into one
``FileProblem`` with a message for people, so callers (web, CLI, jobs) never see a
traceback and memory stays bounded whatever the file claims.

``iter_table`` streams ``Row`` objects (header checked first); nothing holds the whole
file in memory.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import IO, Any

MAX_BYTES = 64 * 1024 * 1024  # a full-width roster of 100,000 people fits
MAX_ROWS = 100_000
MAX_COLUMNS = 100
MAX_CELL = 10_000  # characters; the longest column (notes) is shorter than this
MAX_LINE = 1024 * 1024  # characters in one CSV line
MAX_XLSX_UNZIPPED = 512 * 1024 * 1024  # every part of the workbook, as declared by the zip
MAX_XLSX_STRINGS = 96 * 1024 * 1024  # the shared strings part, which openpyxl keeps in memory
MAX_ZIP_MEMBERS = 1000

UTF8_BOM = codecs.BOM_UTF8
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
ROOT_ELEMENT = re.compile(rb"<[A-Za-z_]")


class FileProblem(ValueError):
    """The file as a whole cannot be read; the message says why, for people."""


@dataclass(slots=True)
class Row:
    line: int
    values: dict[str, str]


def mb(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MB"


# --------------------------------------------------------------------------- entry points


def open_source(source: bytes | Path | IO[bytes]) -> IO[bytes]:
    if isinstance(source, bytes | bytearray):
        return io.BytesIO(source)
    if isinstance(source, Path):
        return source.open("rb")
    return source


def iter_table(source: bytes | Path | IO[bytes], filename: str, columns: tuple[str, ...],
               required: tuple[str, ...], unneutralise: Any = None) -> Iterator[Row]:
    """Rows of a CSV or XLSX file keyed by (known) column name, each with its line number
    (the header is line 1). Blank rows are skipped. Raises FileProblem, also while
    iterating."""
    name = (filename or "").lower()
    owned = not hasattr(source, "read")
    stream = open_source(source)
    records: Iterator[tuple[int, list[str]]] | None = None
    try:
        size = _size(stream)
        if size == 0:
            raise FileProblem("The file is empty.")
        if size > MAX_BYTES:
            raise FileProblem(f"The file is {size / 1024 / 1024:.1f} MB; the limit is "
                              f"{mb(MAX_BYTES)}. Split it into smaller files.")
        if name.endswith(".xlsx"):
            records = _xlsx_records(stream)
        elif name.endswith(".csv"):
            records = _csv_records(stream)
        else:
            raise FileProblem("Only CSV (.csv) and Excel (.xlsx) files can be imported. "
                              "Save the sheet in one of these formats and try again.")
        yield from _rows(records, columns, required, unneutralise)
    finally:
        if records is not None:
            records.close()  # type: ignore[attr-defined]
        if owned:
            stream.close()


def read_table(source: bytes | Path | IO[bytes], filename: str, columns: tuple[str, ...],
               required: tuple[str, ...], unneutralise: Any = None) -> list[Row]:
    rows = list(iter_table(source, filename, columns, required, unneutralise))
    if not rows:
        raise FileProblem("The file has a header row but no delegates.")
    return rows


def _size(stream: IO[bytes]) -> int:
    pos = stream.tell()
    end = stream.seek(0, io.SEEK_END)
    stream.seek(pos)
    return end - pos


def _rows(records: Iterable[tuple[int, list[str]]], columns: tuple[str, ...],
          required: tuple[str, ...], unneutralise: Any) -> Iterator[Row]:
    header: list[str] | None = None
    count = 0
    for line, cells in records:
        if not any(cells) or not any(c.strip() for c in cells):
            continue
        if len(cells) > MAX_COLUMNS and any(c.strip() for c in cells[MAX_COLUMNS:]):
            raise FileProblem(f"Line {line} has more than {MAX_COLUMNS} columns; the import "
                              f"reads {len(columns)}.")
        if max(map(len, cells)) > MAX_CELL:
            longest = max(map(len, cells))
            raise FileProblem(f"Line {line} has a cell of {longest:,} characters; the "
                              f"longest a cell may be is {MAX_CELL:,}.")
        if header is None:
            header = [h.strip().lower().replace(" ", "_") for h in cells]
            _check_header(header, columns, required)
            continue
        count += 1
        if count > MAX_ROWS:
            raise FileProblem(f"The file has more than {MAX_ROWS:,} rows; split it into "
                              "smaller files.")
        values = {}
        for i, h in enumerate(header):
            if h:
                text = cells[i].strip() if i < len(cells) else ""
                values[h] = unneutralise(text) if unneutralise and text[:1] == "'" else text
        yield Row(line, values)
    if header is None:
        raise FileProblem("The file is empty: no header row and no data.")


def _check_header(header: list[str], columns: tuple[str, ...],
                  required: tuple[str, ...]) -> None:
    missing = [c for c in required if c not in header]
    if missing:
        raise FileProblem("The first row must name the columns; missing: " + ", ".join(missing)
                          + ". Expected columns: " + ", ".join(columns) + ".")
    unknown = [h for h in header if h and h not in columns]
    if unknown:
        shown = ", ".join(h[:40] for h in unknown[:10])
        raise FileProblem("Unknown column(s) in the first row: " + shown
                          + ". Expected columns: " + ", ".join(columns) + ".")
    dupes = sorted({h for h in header if h and header.count(h) > 1})
    if dupes:
        raise FileProblem("Column(s) named twice in the first row: " + ", ".join(dupes) + ".")


# --------------------------------------------------------------------------- CSV


def _csv_records(stream: IO[bytes]) -> Iterator[tuple[int, list[str]]]:
    start = stream.read(4)
    stream.seek(0)
    if start.startswith(b"PK\x03\x04"):
        raise FileProblem("This looks like an Excel file with a .csv name. Rename it to .xlsx "
                          "or save it as \u201cCSV UTF-8\u201d.")
    encoding = "utf-16" if start.startswith(UTF16_BOMS) else "utf-8-sig"
    text = io.TextIOWrapper(stream, encoding=encoding, errors="strict", newline="")
    try:
        head = text.read(64 * 1024)
    except UnicodeDecodeError as e:
        raise _not_utf8(stream, encoding) from e
    try:
        dialect: Any = csv.Sniffer().sniff(head[:8192], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    text.seek(0)
    lines = _checked_lines(text)
    reader = csv.reader(lines, dialect)
    start_line = 1
    try:
        for cells in reader:
            yield start_line, cells
            start_line = reader.line_num + 1
    except UnicodeDecodeError as e:
        raise _not_utf8(stream, encoding) from e
    except csv.Error as e:
        if "field larger than field limit" in str(e):
            raise FileProblem(f"Line {reader.line_num}: a cell is longer than "
                              f"{MAX_CELL:,} characters.") from e
        raise FileProblem(f"Line {reader.line_num}: the CSV cannot be read ({e}).") from e
    finally:
        text.detach()


def _checked_lines(text: IO[str]) -> Iterator[str]:
    n = 0
    while True:
        line = text.readline(MAX_LINE + 1)
        if not line:
            return
        n += 1
        if len(line) > MAX_LINE:
            raise FileProblem(f"Line {n} is longer than {MAX_LINE:,} characters; this is not "
                              "a roster file.")
        if "\x00" in line:
            raise FileProblem(f"Line {n} contains binary data (a NUL byte); it is not a CSV "
                              "text file. Save it as \u201cCSV UTF-8\u201d.")
        yield line


def _not_utf8(stream: IO[bytes], encoding: str) -> FileProblem:
    """The message names the line of the first bad byte, found by decoding again."""
    stream.seek(0)
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    line = 1
    while block := stream.read(1024 * 1024):
        try:
            decoder.decode(block)
        except UnicodeDecodeError as e:
            line += block[:e.start].count(b"\n")
            break
        line += block.count(b"\n")
    name = "UTF-16" if encoding == "utf-16" else "UTF-8"
    return FileProblem(f"The file is not {name} text (first bad byte on line {line}). Save "
                       "it as \u201cCSV UTF-8\u201d from your spreadsheet and try again.")


# --------------------------------------------------------------------------- XLSX


def _xlsx_records(stream: IO[bytes]) -> Iterator[tuple[int, list[str]]]:
    if stream.read(4) != b"PK\x03\x04":
        raise FileProblem("This is not an Excel .xlsx file (perhaps an old .xls or a CSV "
                          "with an .xlsx name). Save it as .xlsx or CSV UTF-8.")
    stream.seek(0)
    try:
        _check_zip(stream)
        stream.seek(0)
        yield from _xlsx_rows(stream)
    except FileProblem:
        raise
    except Exception as e:  # noqa: BLE001 (openpyxl and zipfile raise anything on bad input)
        raise FileProblem(f"The file cannot be opened: it is not a readable .xlsx "
                          f"({_reason(e)}). Open it in your spreadsheet, save it again as "
                          ".xlsx (or CSV UTF-8) and retry.") from e


def _reason(e: BaseException) -> str:
    text = str(e).strip().splitlines()[0][:200] if str(e).strip() else ""
    return f"{type(e).__name__}{': ' + text if text else ''}"


def _check_zip(stream: IO[bytes]) -> None:
    """Refuse what would make the parser work without bound: too many parts, parts that
    unzip beyond the limits (a zip bomb) and XML with a DOCTYPE (entity expansion)."""
    with zipfile.ZipFile(stream) as zf:
        members = zf.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            raise FileProblem(f"The workbook has {len(members):,} parts; this is not a "
                              "roster spreadsheet.")
        total = sum(m.file_size for m in members)
        if total > MAX_XLSX_UNZIPPED:
            raise FileProblem(f"The workbook unzips to {mb(total)}, more than the "
                              f"{mb(MAX_XLSX_UNZIPPED)} a roster can need (a zip bomb?).")
        for m in members:
            if m.filename.endswith("sharedStrings.xml") and m.file_size > MAX_XLSX_STRINGS:
                raise FileProblem(f"The workbook's text table unzips to {mb(m.file_size)}, "
                                  f"more than {mb(MAX_XLSX_STRINGS)}.")
            if m.filename.endswith((".xml", ".rels")):
                _check_prolog(zf, m)


def _check_prolog(zf: zipfile.ZipFile, member: zipfile.ZipInfo) -> None:
    seen = b""
    with zf.open(member) as f:
        while len(seen) < 1024 * 1024:
            chunk = f.read(16 * 1024)
            if not chunk:
                break
            seen += chunk
            found = ROOT_ELEMENT.search(seen)
            if found:
                seen = seen[:found.start()]
                break
    if b"<!DOCTYPE" in seen or b"<!ENTITY" in seen:
        raise FileProblem(f"The workbook part {member.filename[:80]} declares a DOCTYPE or "
                          "entities, which a spreadsheet never needs; it is refused.")


def _xlsx_rows(stream: IO[bytes]) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    wb = load_workbook(stream, read_only=True, data_only=True, keep_links=False)
    try:
        if not wb.worksheets:
            raise FileProblem("The workbook has no worksheet.")
        ws = wb.worksheets[0]
        declared_rows, declared_cols = ws.max_row, ws.max_column
        if declared_rows and declared_rows > MAX_ROWS + 1:
            raise FileProblem(f"The first sheet declares {declared_rows:,} rows; the limit is "
                              f"{MAX_ROWS:,} (and a header). Delete the empty rows below the "
                              "roster or split the file.")
        if declared_cols and declared_cols > MAX_COLUMNS:
            raise FileProblem(f"The first sheet declares {declared_cols:,} columns; the limit "
                              f"is {MAX_COLUMNS}. Delete the empty columns right of the roster.")
        # Bounds passed to the reader as well: the declared dimension may lie or be absent.
        last = MAX_ROWS + 2
        for n, cells in enumerate(ws.iter_rows(max_row=last, max_col=MAX_COLUMNS,
                                               values_only=True), start=1):
            if not _blank(cells):
                yield n, [_cell_text(c) for c in cells]
            if n == last:  # the sheet goes on below the limit, whatever it declared
                raise FileProblem(f"The first sheet has rows below row {MAX_ROWS + 1:,} (the "
                                  f"limit is {MAX_ROWS:,} rows and a header). Delete what is "
                                  "below the roster or split the file.")
    finally:
        wb.close()


def _blank(cells: tuple[Any, ...]) -> bool:
    # counting None compares by identity first: fast on the filler rows openpyxl yields
    # for every row missing from the sheet
    return cells.count(None) == len(cells)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time.min else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
