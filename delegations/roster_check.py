"""Checking roster rows against the forum, streaming: rows come one at a time from the
bounded reader, the database answers with a few set-based queries (never the roster as
ORM objects), and the plan keeps one compact tuple per row.

Every row rule lives here (``_check_row``); the web preview, the CLI and the import job
all call ``check_rows``. The write is in ``roster_write``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

import pycountry
import sqlalchemy as sa

from . import fields
from .db import db
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
)
from .roster_cells import choices, enum_value, key_name, parse_bool, parse_date
from .status import TRANSITIONS
from .tables import Row
from .timeutil import is_valid_zone

PERSON_FIELDS = ("honorific", "given_names", "family_name", "function", "level", "capacity",
                 "organisation_id", "email", "mobile", "languages", "home_timezone",
                 "arrival_date", "departure_date", "notes")
ACC_FIELDS = ("route", "sponsor_id", "status", "badge_type", "substitute")
MAX_ERRORS_KEPT = 1000
Progress = Callable[[int], None]


class DelegationRef(NamedTuple):
    id: int  # negative for a delegation the import creates (``ImportPlan.new_delegations``)
    name: str
    country: str | None


class Existing(NamedTuple):
    """What the check needs of a delegate already on the roster."""

    id: int
    delegation_id: int
    name: str
    version: int
    acc_id: int | None
    acc_status: AccreditationStatus | None
    acc_version: int | None
    digest: int  # hash of the person and accreditation values, to skip unchanged rows


@dataclass(slots=True)
class PlannedRow:
    line: int
    values: tuple[Any, ...]  # PERSON_FIELDS then ACC_FIELDS
    delegation: DelegationRef
    existing: Existing | None = None

    @property
    def person(self) -> dict[str, Any]:
        return dict(zip(PERSON_FIELDS, self.values[:len(PERSON_FIELDS)], strict=True))

    @property
    def acc(self) -> dict[str, Any]:
        return dict(zip(ACC_FIELDS, self.values[len(PERSON_FIELDS):], strict=True))


@dataclass
class ImportPlan:
    rows: list[PlannedRow] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line, reason), the first ones
    error_count: int = 0
    names: dict[int, str] = field(default_factory=dict)  # line -> name, for the bad rows
    total: int = 0
    same: int = 0  # rows matching a delegate they would not change: counted, not kept
    new_delegations: list[DelegationRef] = field(default_factory=list)  # created on confirm

    def refuse(self, line: int, name: str, problems: list[str]) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS_KEPT:  # the first ones; the count is all of them
            self.errors.append((line, "; ".join(problems)))
            self.names[line] = name

    @property
    def ok(self) -> bool:
        return not self.error_count and bool(self.rows or self.same)

    @property
    def creates(self) -> int:
        return sum(1 for r in self.rows if r.existing is None)

    @property
    def updates(self) -> int:
        """Rows matching a delegate already on the roster (changed or not)."""
        return sum(1 for r in self.rows if r.existing is not None) + self.same

    @property
    def unchanged(self) -> int:
        return self.same


# --------------------------------------------------------------------------- the forum


@dataclass
class Context:
    delegations: dict[str, DelegationRef]
    orgs: dict[str, int]
    existing: list[Existing]
    by_email: dict[str, int]  # casefolded e-mail -> index in existing
    by_name: dict[tuple[int, str], int]
    new_delegations: list[DelegationRef] = field(default_factory=list)


def digest(values: Iterable[Any]) -> int:
    return hash(tuple(values))


def load_context(forum: Forum) -> Context:
    """Four queries whatever the size of the roster; the delegates come back as plain
    rows, streamed, and stay as one small tuple each."""
    delegations = {
        name.casefold(): DelegationRef(i, name, country) for i, name, country in
        db.session.execute(sa.select(Delegation.id, Delegation.name, Delegation.country)
                           .where(Delegation.forum_id == forum.id))}
    orgs: dict[str, int] = {}
    for oid, name, acronym in db.session.execute(
            sa.select(Organisation.id, Organisation.name, Organisation.acronym)):
        orgs[name.casefold()] = oid
        if acronym:
            orgs.setdefault(acronym.casefold(), oid)
    person_cols = [getattr(Delegate, f) for f in PERSON_FIELDS]
    acc_cols = [getattr(Accreditation, f) for f in ACC_FIELDS]
    q = (sa.select(Delegate.id, Delegate.delegation_id, Delegate.version,
                   Accreditation.id, Accreditation.version, *person_cols, *acc_cols)
         .join(Delegation, Delegation.id == Delegate.delegation_id)
         .outerjoin(Accreditation, sa.and_(Accreditation.delegate_id == Delegate.id,
                                           Accreditation.forum_id == forum.id))
         .where(Delegation.forum_id == forum.id))
    existing: list[Existing] = []
    by_email: dict[str, int] = {}
    by_name: dict[tuple[int, str], int] = {}
    n_person = len(PERSON_FIELDS)
    status_at = 5 + n_person + ACC_FIELDS.index("status")
    for row in db.session.execute(q.execution_options(yield_per=5000)):
        pid, did, version, acc_id, acc_version = row[:5]
        values = row[5:]
        given, family, email = values[1], values[2], values[7]
        existing.append(Existing(pid, did, f"{given} {family}".strip(), version, acc_id,
                                 row[status_at], acc_version, digest(values)))
        if email:
            by_email[email.casefold()] = len(existing) - 1
        by_name[(did, key_name(given, family))] = len(existing) - 1
    return Context(delegations, orgs, existing, by_email, by_name)


# --------------------------------------------------------------------------- rows


def _check_row(ctx: Context, v: dict[str, str]) -> tuple[list[str], list[Any],
                                                         DelegationRef | None]:
    """The rules of one row: (problems, values in PERSON_FIELDS + ACC_FIELDS order,
    delegation)."""
    problems: list[str] = []

    def get(col: str) -> str:
        return v.get(col, "").strip()

    person, delegation = _check_person(ctx, v, get, problems)
    acc = _check_accreditation(ctx, get, problems)
    person["organisation_id"] = acc.pop("organisation_id")
    values = [person.get(f) for f in PERSON_FIELDS] + [acc.get(f) for f in ACC_FIELDS]
    return problems, values, delegation


def _check_person(ctx: Context, v: dict[str, str], get: Callable[[str], str],
                  problems: list[str]) -> tuple[dict[str, Any], DelegationRef | None]:
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
        delegation = ctx.delegations.get(dname.casefold())
    country = get("country").upper()
    if dname and delegation is None:
        if country and pycountry.countries.get(alpha_2=country) is not None \
                and len(dname) <= 200:
            # a city not in the roster yet, with its country: the import creates it
            delegation = DelegationRef(-1 - len(ctx.new_delegations), dname, country)
            ctx.new_delegations.append(delegation)
            ctx.delegations[dname.casefold()] = delegation
        else:
            problems.append(f"unknown delegation \u201c{dname}\u201d (give its country, "
                            "e.g. SL, to create it)")
    if country:
        if pycountry.countries.get(alpha_2=country) is None:
            problems.append(f"\u201c{get('country')}\u201d is not an ISO 3166 country code "
                            "(two letters, e.g. SL, BR)")
        elif delegation is not None and delegation.country and delegation.country != country:
            problems.append(f"country {country} does not match delegation {delegation.name} "
                            f"({delegation.country})")
    person: dict[str, Any] = {
        "honorific": get("honorific"), "given_names": given, "family_name": family,
        "function": get("function"), "email": get("email").lower() or None,
        "mobile": get("mobile"), "languages": get("languages"), "notes": v.get("notes", ""),
    }
    for col, enum_cls, default in (("level", Level, Level.OFFICIAL),
                                   ("capacity", Capacity, Capacity.MEMBER)):
        text = get(col)
        try:
            person[col] = enum_value(enum_cls, text) if text else default
        except ValueError:
            problems.append(f"unknown {col} \u201c{text}\u201d (use one of: "
                            f"{choices(enum_cls)})")
    problems += [f"{k} {why}" for k, why in fields.column_problems(Delegate, person).items()]
    tz = get("home_timezone")
    if tz and not is_valid_zone(tz):
        problems.append(f"unknown time zone \u201c{tz}\u201d (use an IANA name such as "
                        "Africa/Freetown)")
    person["home_timezone"] = tz or None
    for col in ("arrival_date", "departure_date"):
        try:
            person[col] = parse_date(get(col))
        except ValueError:
            problems.append(f"{col} \u201c{get(col)}\u201d is not a date (use YYYY-MM-DD)")
    if (isinstance(person.get("arrival_date"), date)
            and isinstance(person.get("departure_date"), date)
            and person["departure_date"] < person["arrival_date"]):
        problems.append("departure_date is before arrival_date")
    return person, delegation


def _check_accreditation(ctx: Context, get: Callable[[str], str],
                         problems: list[str]) -> dict[str, Any]:
    found: dict[str, int | None] = {}
    for col in ("organisation", "sponsor"):
        text = get(col)
        org = ctx.orgs.get(text.casefold()) if text else None
        if text and org is None:
            problems.append(f"unknown {col} \u201c{text}\u201d")
        found[col] = org
    acc: dict[str, Any] = {"sponsor_id": found["sponsor"],
                           "organisation_id": found["organisation"]}
    route_text = get("route")
    if not route_text:
        problems.append("route is empty (use one of: " + choices(Route) + ")")
    else:
        try:
            acc["route"] = enum_value(Route, route_text)
        except ValueError:
            problems.append(f"unknown route \u201c{route_text}\u201d (use one of: "
                            f"{choices(Route)})")
    if acc.get("route") == Route.PARTNER_ORGANISATION and not acc["sponsor_id"] \
            and not get("sponsor"):
        problems.append("the partner organisation route needs a sponsor")
    for col, enum_cls, default in (("status", AccreditationStatus, AccreditationStatus.DRAFT),
                                   ("badge_type", BadgeType, None)):
        text = get(col)
        try:
            acc[col] = enum_value(enum_cls, text) if text else default
        except ValueError:
            problems.append(f"unknown {col} \u201c{text}\u201d (use one of: "
                            f"{choices(enum_cls)})")
    try:
        acc["substitute"] = parse_bool(get("substitute"))
    except ValueError:
        problems.append(f"substitute \u201c{get('substitute')}\u201d must be yes or no")
    return acc


def check_rows(forum: Forum, rows: Iterable[Row], progress: Progress | None = None) -> ImportPlan:
    """Validate every row; match existing delegates (by e-mail, else by name in the
    delegation) so that a re-import updates instead of duplicating, and marks rows that
    change nothing. A fixed number of queries whatever the number of rows."""
    ctx = load_context(forum)
    plan = ImportPlan()
    seen_email: dict[str, int] = {}
    seen_name: dict[tuple[int, str], int] = {}
    i_email, i_given, i_family = (PERSON_FIELDS.index(f) for f in
                                  ("email", "given_names", "family_name"))
    i_status = len(PERSON_FIELDS) + ACC_FIELDS.index("status")
    for row in rows:
        plan.total += 1
        if progress is not None and plan.total % 1000 == 0:
            progress(plan.total)
        problems, values, delegation = _check_row(ctx, row.values)
        given, family = values[i_given], values[i_family]
        email = row.values.get("email", "").strip() if values[i_email] else ""
        match = None
        if email:
            key = email.casefold()
            if key in seen_email:
                problems.append(f"duplicate e-mail {email} (also on line {seen_email[key]})")
            else:
                seen_email[key] = row.line
            if key in ctx.by_email:
                match = ctx.existing[ctx.by_email[key]]
        if delegation is not None and given and family:
            nkey = (delegation.id, key_name(given, family))
            if nkey in seen_name:
                problems.append(f"duplicate name {given} {family} in {delegation.name} "
                                f"(also on line {seen_name[nkey]})")
            else:
                seen_name[nkey] = row.line
            if match is None and nkey in ctx.by_name:
                match = ctx.existing[ctx.by_name[nkey]]
            elif match is not None and match.delegation_id != delegation.id:
                problems.append(f"e-mail {email} belongs to {match.name} of another "
                                "delegation")
        new_status = values[i_status]
        if match is not None and not problems and match.acc_status is not None \
                and match.acc_status != new_status \
                and new_status not in TRANSITIONS[match.acc_status]:
            problems.append(f"status cannot go from {match.acc_status.value} to "
                            f"{new_status.value}")
        if problems:
            plan.refuse(row.line, f"{given} {family}".strip(), problems)
        elif delegation is not None:
            if match is not None and match.acc_id is not None \
                    and digest(values) == match.digest:
                plan.same += 1
            else:
                plan.rows.append(PlannedRow(row.line, tuple(values), delegation, match))
    if progress is not None:
        progress(plan.total)
    used = {r.delegation.id for r in plan.rows}
    plan.new_delegations = [d for d in ctx.new_delegations if d.id in used]
    return plan
