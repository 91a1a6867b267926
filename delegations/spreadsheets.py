"""The roster as a spreadsheet: export to CSV/XLSX and import from them, in the same columns,
so that export then import changes nothing.

- ``export_csv`` / ``export_xlsx`` are pure functions returning bytes.
- ``read_table`` turns uploaded bytes into rows with their line numbers, or raises
  ``FileProblem`` with a message for people (not CSV/XLSX, empty, too big, not UTF-8).
- ``check_rows`` (``roster_check``) validates every row against the forum and returns an
  ``ImportPlan`` that lists every bad row with its line number and reason.
- ``apply_plan`` (``roster_write``) writes a clean plan, set-based (flush only; the caller
  commits once: one transaction).

Cells that a spreadsheet would run as a formula (starting with = + - @, tab or CR) are
exported with a leading apostrophe; import removes exactly that apostrophe again.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from . import tables
from .models import Delegate, Organisation
from .roster_check import ACC_FIELDS, PERSON_FIELDS, ImportPlan, PlannedRow, check_rows
from .roster_write import apply_plan
from .tables import FileProblem, Row

__all__ = ["ACC_FIELDS", "PERSON_FIELDS", "FileProblem", "ImportPlan", "PlannedRow", "Row",
           "apply_plan", "check_rows", "iter_table", "read_table"]

MAX_BYTES = tables.MAX_BYTES
COLUMNS = (
    "delegation", "country", "honorific", "given_names", "family_name", "function", "level",
    "capacity", "organisation", "email", "mobile", "languages", "home_timezone",
    "arrival_date", "departure_date", "route", "sponsor", "status", "badge_type",
    "substitute", "notes",
)
REQUIRED_COLUMNS = ("delegation", "given_names", "family_name")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
BLANKS = " \t\r\n\u00a0"


# --------------------------------------------------------------------------- cells


def neutralise(value: str) -> str:
    """Make a cell that looks like a formula inert (CSV/formula injection); spreadsheets
    skip leading blanks before a formula sign, so the guard looks past them too."""
    if value and (value.startswith(FORMULA_START)
                  or value.lstrip(BLANKS).startswith(FORMULA_START[:4])):
        return "'" + value
    return value


def unneutralise(value: str) -> str:
    if len(value) > 1 and value[0] == "'" and neutralise(value[1:]) != value[1:]:
        return value[1:]
    return value


def org_label(org: Organisation | None) -> str:
    return (org.acronym or org.name) if org is not None else ""


def delegate_row(p: Delegate) -> dict[str, str]:
    a = p.accreditation
    return {
        "delegation": p.delegation.name,
        "country": p.delegation.country or "",
        "honorific": p.honorific,
        "given_names": p.given_names,
        "family_name": p.family_name,
        "function": p.function,
        "level": p.level.value,
        "capacity": p.capacity.value,
        "organisation": org_label(p.organisation),
        "email": p.email or "",
        "mobile": p.mobile,
        "languages": p.languages,
        "home_timezone": p.home_timezone or "",
        "arrival_date": p.arrival_date.isoformat() if p.arrival_date else "",
        "departure_date": p.departure_date.isoformat() if p.departure_date else "",
        "route": a.route.value if a else "",
        "sponsor": org_label(a.sponsor) if a else "",
        "status": a.status.value if a else "",
        "badge_type": a.badge_type.value if a and a.badge_type else "",
        "substitute": ("yes" if a.substitute else "no") if a else "",
        "notes": p.notes,
    }


def export_rows(people: list[Delegate]) -> list[list[str]]:
    out = []
    for p in people:
        values = delegate_row(p)
        out.append([neutralise(values[c]) for c in COLUMNS])
    return out


def export_csv(people: list[Delegate]) -> bytes:
    """UTF-8 with a BOM (so Excel reads accents right), CRLF line ends, every cell quoted
    only when needed."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(COLUMNS)
    w.writerows(export_rows(people))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def export_xlsx(people: list[Delegate]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell.cell import TYPE_STRING

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Roster")
    ws.append(list(COLUMNS))
    for row in export_rows(people):
        cells = []
        for value in row:
            from openpyxl.cell import WriteOnlyCell

            cell = WriteOnlyCell(ws, value=value)
            cell.data_type = TYPE_STRING  # never a formula, whatever the text
            cells.append(cell)
        ws.append(cells)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --------------------------------------------------------------------------- reading


def read_table(data: bytes | Path | IO[bytes], filename: str) -> list[Row]:
    """Rows of a CSV or XLSX file, keyed by column name, each with its line number (the
    header is line 1). Blank rows are skipped. Raises FileProblem (see ``tables``)."""
    return tables.read_table(data, filename, COLUMNS, REQUIRED_COLUMNS, unneutralise)


def iter_table(data: bytes | Path | IO[bytes], filename: str) -> Iterator[Row]:
    return tables.iter_table(data, filename, COLUMNS, REQUIRED_COLUMNS, unneutralise)


