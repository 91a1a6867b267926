"""The roster as a spreadsheet: export to CSV/XLSX and import from them, in the same columns,
so that export then import changes nothing.

- ``export_csv`` / ``export_xlsx`` are pure functions returning bytes.
- ``read_table`` turns uploaded bytes into rows with their line numbers, or raises
  ``FileProblem`` with a message for people (not CSV/XLSX, empty, too big, not UTF-8).
- ``check_rows`` validates every row against the forum and returns an ``ImportPlan`` that
  lists every bad row with its line number and reason.
- ``apply_plan`` writes a clean plan (flush only; the caller commits once: one transaction).

Cells that a spreadsheet would run as a formula (starting with = + - @, tab or CR) are
exported with a leading apostrophe; import removes exactly that apostrophe again.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

import pycountry
import sqlalchemy as sa
from flask_babel import force_locale
from sqlalchemy.orm import selectinload

from . import changelog, fields, tables
from .db import db, utcnow
from .models import (
    Accreditation,
    AccreditationStatus,
    BadgeType,
    Capacity,
    Delegate,
    Delegation,
    Forum,
    Level,
    Organisation,
    Route,
    User,
)
from .status import TIMESTAMP_FIELD, TRANSITIONS, history_entry, record_statuses, set_status
from .tables import FileProblem, Row
from .timeutil import is_valid_zone

__all__ = ["FileProblem", "Row", "iter_table", "read_table"]

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
PERSON_FIELDS = ("honorific", "given_names", "family_name", "function", "level", "capacity",
                 "organisation_id", "email", "mobile", "languages", "home_timezone",
                 "arrival_date", "departure_date", "notes")
ACC_FIELDS = ("route", "sponsor_id", "status", "badge_type", "substitute")


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


# --------------------------------------------------------------------------- checking


@dataclass
class PlannedRow:
    line: int
    person: dict[str, Any]
    acc: dict[str, Any]
    delegation: Delegation
    existing: Delegate | None = None


@dataclass
class ImportPlan:
    rows: list[PlannedRow] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)
    total: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)

    @property
    def creates(self) -> int:
        return sum(1 for r in self.rows if r.existing is None)

    @property
    def updates(self) -> int:
        return sum(1 for r in self.rows if r.existing is not None)


def _enum(enum_cls: Any, text: str) -> Any:
    """A member from its value or its label, in English or in the language of the request
    (a file made in English imports the same whatever language the page is in)."""
    t = text.strip().lower()
    with force_locale("en"):
        english = {m: m.label.lower() for m in enum_cls}
    for m in enum_cls:
        if t in (m.value, english[m], m.label.lower(), m.value.replace("_", " ")):
            return m
    raise ValueError


def _choices(enum_cls: Any) -> str:
    return ", ".join(m.value for m in enum_cls)


def _date(text: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()  # noqa: DTZ007 (a date, no time)
        except ValueError:
            continue
    raise ValueError


def _bool(text: str) -> bool:
    t = text.strip().lower()
    if t in ("", "no", "n", "false", "0"):
        return False
    if t in ("yes", "y", "true", "1", "x"):
        return True
    raise ValueError


def _key_name(given: str, family: str) -> str:
    return f"{given.casefold().strip()}|{family.casefold().strip()}"


def check_rows(forum: Forum, rows: list[Row]) -> ImportPlan:
    """Validate every row; match existing delegates (by e-mail, else by name in the
    delegation) so that a re-import updates instead of duplicating. A fixed number of
    queries whatever the number of rows."""
    plan = ImportPlan(total=len(rows))
    delegations = {d.name.casefold(): d for d in db.session.scalars(
        sa.select(Delegation).where(Delegation.forum_id == forum.id))}
    orgs: dict[str, Organisation] = {}
    for o in db.session.scalars(sa.select(Organisation)):
        orgs[o.name.casefold()] = o
        if o.acronym:
            orgs.setdefault(o.acronym.casefold(), o)
    existing = list(db.session.scalars(
        sa.select(Delegate).join(Delegation).where(Delegation.forum_id == forum.id)
        .options(selectinload(Delegate.accreditations))))
    by_email = {p.email.casefold(): p for p in existing if p.email}
    by_name = {(p.delegation_id, _key_name(p.given_names, p.family_name)): p for p in existing}
    seen_email: dict[str, int] = {}
    seen_name: dict[tuple[int, str], int] = {}

    for row in rows:
        v = row.values
        problems: list[str] = []

        def get(col: str, v: dict[str, str] = v) -> str:
            return v.get(col, "").strip()

        given, family = get("given_names"), get("family_name")
        if not given:
            problems.append("given_names is empty")
        if not family:
            problems.append("family_name is empty")
        delegation = None
        dname = get("delegation")
        if not dname:
            problems.append("delegation is empty")
        else:
            delegation = delegations.get(dname.casefold())
            if delegation is None:
                problems.append(f"unknown delegation \u201c{dname}\u201d")
        country = get("country").upper()
        if country:
            if pycountry.countries.get(alpha_2=country) is None:
                problems.append(f"\u201c{get('country')}\u201d is not an ISO 3166 country code "
                                "(two letters, e.g. SL, BR)")
            elif delegation is not None and delegation.country and delegation.country != country:
                problems.append(f"country {country} does not match delegation {delegation.name} "
                                f"({delegation.country})")
        email = get("email")
        person: dict[str, Any] = {
            "honorific": get("honorific"), "given_names": given, "family_name": family,
            "function": get("function"), "email": email.lower() or None,
            "mobile": get("mobile"), "languages": get("languages"), "notes": v.get("notes", ""),
        }
        for col, enum_cls, default in (("level", Level, Level.OFFICIAL),
                                       ("capacity", Capacity, Capacity.MEMBER)):
            text = get(col)
            try:
                person[col] = _enum(enum_cls, text) if text else default
            except ValueError:
                problems.append(f"unknown {col} \u201c{text}\u201d (use one of: "
                                f"{_choices(enum_cls)})")
        problems += [f"{k} {why}" for k, why in fields.column_problems(Delegate, person).items()]
        tz = get("home_timezone")
        if tz and not is_valid_zone(tz):
            problems.append(f"unknown time zone \u201c{tz}\u201d (use an IANA name such as "
                            "Africa/Freetown)")
        person["home_timezone"] = tz or None
        for col in ("arrival_date", "departure_date"):
            try:
                person[col] = _date(get(col))
            except ValueError:
                problems.append(f"{col} \u201c{get(col)}\u201d is not a date (use YYYY-MM-DD)")
        if (isinstance(person.get("arrival_date"), date)
                and isinstance(person.get("departure_date"), date)
                and person["departure_date"] < person["arrival_date"]):
            problems.append("departure_date is before arrival_date")
        found: dict[str, int | None] = {}
        for col in ("organisation", "sponsor"):
            text = get(col)
            org = orgs.get(text.casefold()) if text else None
            if text and org is None:
                problems.append(f"unknown {col} \u201c{text}\u201d")
            found[col] = org.id if org else None
        person["organisation_id"] = found["organisation"]
        acc: dict[str, Any] = {"sponsor_id": found["sponsor"]}
        route_text = get("route")
        if not route_text:
            problems.append("route is empty (use one of: " + _choices(Route) + ")")
        else:
            try:
                acc["route"] = _enum(Route, route_text)
            except ValueError:
                problems.append(f"unknown route \u201c{route_text}\u201d (use one of: "
                                f"{_choices(Route)})")
        if acc.get("route") == Route.PARTNER_ORGANISATION and not acc["sponsor_id"] \
                and not get("sponsor"):
            problems.append("the partner organisation route needs a sponsor")
        status_text = get("status")
        try:
            acc["status"] = _enum(AccreditationStatus, status_text) if status_text \
                else AccreditationStatus.DRAFT
        except ValueError:
            problems.append(f"unknown status \u201c{status_text}\u201d (use one of: "
                            f"{_choices(AccreditationStatus)})")
        badge_text = get("badge_type")
        try:
            acc["badge_type"] = _enum(BadgeType, badge_text) if badge_text else None
        except ValueError:
            problems.append(f"unknown badge_type \u201c{badge_text}\u201d (use one of: "
                            f"{_choices(BadgeType)})")
        try:
            acc["substitute"] = _bool(get("substitute"))
        except ValueError:
            problems.append(f"substitute \u201c{get('substitute')}\u201d must be yes or no")

        match = None
        if email:
            key = email.casefold()
            if key in seen_email:
                problems.append(f"duplicate e-mail {email} (also on line {seen_email[key]})")
            else:
                seen_email[key] = row.line
            match = by_email.get(key)
        if delegation is not None and given and family:
            nkey = (delegation.id, _key_name(given, family))
            if nkey in seen_name:
                problems.append(f"duplicate name {given} {family} in {delegation.name} "
                                f"(also on line {seen_name[nkey]})")
            else:
                seen_name[nkey] = row.line
            if match is None:
                match = by_name.get(nkey)
            elif match.delegation_id != delegation.id:
                problems.append(f"e-mail {email} belongs to {match.full_name} of another "
                                "delegation")
        if match is not None and not problems:
            old = match.accreditation
            if old is not None and old.status != acc["status"]:
                if acc["status"] not in TRANSITIONS[old.status]:
                    problems.append(f"status cannot go from {old.status.value} to "
                                    f"{acc['status'].value}")
        if problems:
            plan.errors.append((row.line, "; ".join(problems)))
        elif delegation is not None:
            plan.rows.append(PlannedRow(row.line, person, acc, delegation, match))
    return plan


def apply_plan(forum: Forum, plan: ImportPlan, actor: User | None,
               filename: str = "") -> tuple[int, int]:
    """Write every row of a clean plan; returns (created, updated). Flushes only."""
    if plan.errors:
        raise ValueError("the plan has errors; nothing is written")
    created = updated = 0
    now = utcnow()
    new_rows = [r for r in plan.rows if r.existing is None]
    for r in plan.rows:
        if r.existing is None:
            continue
        p = r.existing
        changed = False
        for k, v in r.person.items():
            if getattr(p, k) != v:
                setattr(p, k, v)
                changed = True
        acc = p.accreditation
        if acc is None:
            acc = Accreditation(forum_id=forum.id, delegate=p)
            db.session.add(acc)
            changed = True
        for k, v in r.acc.items():
            if getattr(acc, k) != v:
                if k == "status":  # checked against the pipeline by check_rows
                    set_status(acc, v, actor, source="spreadsheet", at=now)
                else:
                    setattr(acc, k, v)
                changed = True
        updated += changed
    db.session.flush()
    if new_rows:
        # New people go in with two multi-row INSERTs (executemany with RETURNING), not
        # one ORM object per row: 10,000 rows take seconds, not minutes.
        ids = db.session.scalars(
            sa.insert(Delegate).returning(Delegate.id, sort_by_parameter_order=True),
            [{"delegation_id": r.delegation.id, **r.person} for r in new_rows]).all()
        accs = []
        for person_id, r in zip(ids, new_rows, strict=True):
            values = {"forum_id": forum.id, "delegate_id": person_id, "created_at": now,
                      "status_changed_at": now, "notes": "",
                      **{f: None for f in TIMESTAMP_FIELD.values()}, **r.acc}
            if r.acc["status"] in TIMESTAMP_FIELD:
                values[TIMESTAMP_FIELD[r.acc["status"]]] = now
            accs.append(values)
        acc_ids = db.session.scalars(
            sa.insert(Accreditation).returning(Accreditation.id, sort_by_parameter_order=True),
            accs).all()
        record_statuses(
            history_entry(actor, acc_id, person_id,
                          f"{r.person['given_names']} {r.person['family_name']}".strip(),
                          None, r.acc["status"], "spreadsheet", at=now)
            for acc_id, person_id, r in zip(acc_ids, ids, new_rows, strict=True))
        created = len(ids)
    changelog.record(actor, "roster", forum.id, "import",
                     f"Imported {filename or 'a file'}: {created} created, {updated} updated",
                     {"created": created, "updated": updated, "rows": len(plan.rows)})
    return created, updated
