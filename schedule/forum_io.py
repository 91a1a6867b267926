"""A whole forum as one JSON file (format ``forum-desk/1``, see docs/forum-format.md).

``export_forum`` returns the file's bytes. ``import_forum`` checks everything first and
raises ``ForumFileError`` listing every problem with its path in the file (for example
``sessions[3].start: not an ISO 8601 time with offset``); only a clean file is written,
and it is flushed, never committed.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import pycountry
import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from delegations import fields
from delegations.db import db
from delegations.models import (
    Accreditation,
    AccreditationDocument,
    AccreditationStatus,
    BadgeType,
    Capacity,
    Deadline,
    DeadlineKind,
    Delegate,
    Delegation,
    DelegationCategory,
    DocumentKind,
    Forum,
    Level,
    Organisation,
    OrganisationKind,
    PartnerQuota,
    Route,
    Series,
    User,
)
from delegations.safejson import JSONProblem, load_json
from delegations.status import past_history, record_statuses
from delegations.timeutil import is_valid_zone, to_zone

from .models import (
    Room,
    Session,
    SessionKind,
    SessionStatus,
    SpeakerRole,
    SpeakerSlot,
    Venue,
    VenueTravel,
)
from .services import overlaps_among

FORMAT = "forum-desk/1"
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class ForumFileError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the forum file")
        self.problems = problems


def slug(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


class _Keys:
    """Readable, unique keys derived from names, in a deterministic order."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def make(self, text: str) -> str:
        base = slug(text)[:60]
        key, n = base, 2
        while key in self.used:
            key, n = f"{base}-{n}", n + 1
        self.used.add(key)
        return key


def _iso(dt: datetime | None, tz: str) -> str | None:
    return to_zone(dt, tz).isoformat() if dt is not None else None


def _d(d: date | None) -> str | None:
    return d.isoformat() if d is not None else None


# --------------------------------------------------------------------------- export


def forum_to_dict(forum: Forum) -> dict[str, Any]:
    tz = forum.timezone
    s = db.session
    delegations = s.scalars(
        sa.select(Delegation).where(Delegation.forum_id == forum.id)
        .options(selectinload(Delegation.delegates).selectinload(Delegate.accreditations)
                 .selectinload(Accreditation.documents))
        .order_by(Delegation.name)
    ).all()
    venues = s.scalars(
        sa.select(Venue).where(Venue.forum_id == forum.id)
        .options(selectinload(Venue.rooms)).order_by(Venue.name)
    ).all()
    sessions = s.scalars(
        sa.select(Session).where(Session.forum_id == forum.id)
        .options(selectinload(Session.speaker_slots))
        .order_by(Session.starts_at, Session.uid)
    ).all()
    quotas = s.scalars(sa.select(PartnerQuota).where(PartnerQuota.forum_id == forum.id)).all()

    # organisations the forum uses
    org_ids: set[int] = {q.organisation_id for q in quotas}
    for dl in delegations:
        if dl.leading_organisation_id:
            org_ids.add(dl.leading_organisation_id)
        for p in dl.delegates:
            if p.organisation_id:
                org_ids.add(p.organisation_id)
            for a in p.accreditations:
                if a.forum_id == forum.id and a.sponsor_id:
                    org_ids.add(a.sponsor_id)
    orgs = s.scalars(
        sa.select(Organisation).where(Organisation.id.in_(org_ids)).order_by(Organisation.name)
    ).all() if org_ids else []
    keys = _Keys()
    org_key = {o.id: keys.make(o.acronym or o.name) for o in orgs}
    venue_key: dict[int, str] = {}
    room_key: dict[int, str] = {}
    for v in venues:
        venue_key[v.id] = keys.make(v.name)
        for r in v.rooms:
            room_key[r.id] = keys.make(r.name)
    delegation_key = {dl.id: keys.make(dl.name) for dl in delegations}
    delegate_key: dict[int, str] = {}
    for dl in delegations:
        for p in sorted(dl.delegates, key=lambda p: (p.family_name, p.given_names, p.id)):
            delegate_key[p.id] = keys.make(f"{p.given_names} {p.family_name}")

    travel = s.scalars(
        sa.select(VenueTravel).where(VenueTravel.from_venue_id.in_(list(venue_key)))
    ).all() if venue_key else []

    def delegate_dict(p: Delegate) -> dict[str, Any]:
        acc = next((a for a in p.accreditations if a.forum_id == forum.id), None)
        out: dict[str, Any] = {
            "key": delegate_key[p.id],
            "honorific": p.honorific,
            "given_names": p.given_names,
            "family_name": p.family_name,
            "function": p.function,
            "level": p.level.value,
            "capacity": p.capacity.value,
            "organisation": org_key.get(p.organisation_id) if p.organisation_id else None,
            "email": p.email,
            "mobile": p.mobile,
            "languages": p.languages,
            "home_timezone": p.home_timezone,
            "arrival_date": _d(p.arrival_date),
            "departure_date": _d(p.departure_date),
            "notes": p.notes,
            "accreditation": None,
        }
        if acc is not None:
            out["accreditation"] = {
                "route": acc.route.value,
                "sponsor": org_key.get(acc.sponsor_id) if acc.sponsor_id else None,
                "status": acc.status.value,
                "badge_type": acc.badge_type.value if acc.badge_type else None,
                "substitute": acc.substitute,
                "submitted_at": _iso(acc.submitted_at, tz),
                "approved_at": _iso(acc.approved_at, tz),
                "rejected_at": _iso(acc.rejected_at, tz),
                "withdrawn_at": _iso(acc.withdrawn_at, tz),
                "badge_collected_at": _iso(acc.badge_collected_at, tz),
                "notes": acc.notes,
                "documents": [
                    {"kind": doc.kind.value, "received_at": _iso(doc.received_at, tz)}
                    for doc in sorted(acc.documents, key=lambda x: list(DocumentKind).index(x.kind))
                ],
            }
        return out

    data: dict[str, Any] = {
        "format": FORMAT,
        "forum": {
            "short_name": forum.short_name,
            "name": forum.name,
            "series": forum.series.value,
            "timezone": tz,
            "start_date": _d(forum.start_date),
            "end_date": _d(forum.end_date),
            "host_city": forum.host_city,
            "description": forum.description,
        },
        "organisations": [
            {"key": org_key[o.id], "name": o.name, "acronym": o.acronym, "kind": o.kind.value,
             "country": o.country}
            for o in orgs
        ],
        "quotas": sorted(
            ({"organisation": org_key[q.organisation_id], "quota": q.quota} for q in quotas),
            key=lambda q: q["organisation"],
        ),
        "deadlines": [
            {"kind": d.kind.value, "title": d.title, "due": _iso(d.due_at, tz), "notes": d.notes}
            for d in sorted(forum.deadlines, key=lambda d: (d.due_at, d.title))
        ],
        "venues": [
            {
                "key": venue_key[v.id], "name": v.name, "address": v.address,
                "access_instructions": v.access_instructions,
                "rooms": [
                    {"key": room_key[r.id], "name": r.name, "capacity": r.capacity,
                     "interpretation_languages": r.interpretation_languages, "online": r.online}
                    for r in v.rooms
                ],
            }
            for v in venues
        ],
        "travel": sorted(
            # a pair is stored once, either way round: write it in key order
            ({"from": a, "to": b, "minutes": t.minutes}
             for t in travel
             for a, b in [sorted((venue_key[t.from_venue_id], venue_key[t.to_venue_id]))]),
            key=lambda t: (t["from"], t["to"]),
        ),
        "delegations": [
            {
                "key": delegation_key[dl.id],
                "name": dl.name,
                "country": dl.country,
                "region": dl.region,
                "category": dl.category.value,
                "leading_organisation": org_key.get(dl.leading_organisation_id)
                if dl.leading_organisation_id else None,
                "focal_point": {"name": dl.focal_point_name, "email": dl.focal_point_email,
                                "phone": dl.focal_point_phone},
                "notes": dl.notes,
                "delegates": [
                    delegate_dict(p)
                    for p in sorted(dl.delegates,
                                    key=lambda p: (p.family_name, p.given_names, p.id))
                ],
            }
            for dl in delegations
        ],
        "sessions": [
            {
                "uid": se.uid,
                "title": se.title,
                "kind": se.kind.value,
                "official": se.official,
                "private": se.private,
                "organiser": se.organiser,
                "chairs": se.chairs,
                "status": se.status.value,
                "room": room_key.get(se.room_id) if se.room_id else None,
                "location_note": se.location_note,
                "start": _iso(se.starts_at, tz),
                "end": _iso(se.ends_at, tz),
                "online_link": se.online_link,
                "background": se.background,
                "expected_attendance": se.expected_attendance,
                "objectives": se.objectives,
                "points_to_make": se.points_to_make,
                "press_line": se.press_line,
                "revision": se.revision,
                "speakers": [
                    {
                        "delegate": delegate_key.get(sl.delegate_id) if sl.delegate_id else None,
                        "guest_name": sl.guest_name,
                        "guest_function": sl.guest_function,
                        "role": sl.role.value,
                        "order": sl.order,
                        "minutes": sl.minutes,
                        "remote": sl.remote,
                        "notes": sl.notes,
                    }
                    for sl in sorted(se.speaker_slots, key=lambda x: (x.order, x.id))
                ],
            }
            for se in sessions
        ],
    }
    return data


def export_forum(forum: Forum) -> bytes:
    return (json.dumps(forum_to_dict(forum), ensure_ascii=False, indent=2) + "\n").encode()


# --------------------------------------------------------------------------- import


@dataclass
class _Checker:
    problems: list[str] = field(default_factory=list)

    def err(self, path: str, msg: str) -> None:
        self.problems.append(f"{path}: {msg}")

    def obj(self, v: Any, path: str) -> dict[str, Any]:
        if not isinstance(v, dict):
            self.err(path, "must be an object")
            return {}
        return v

    def arr(self, v: Any, path: str) -> list[Any]:
        if v is None:
            return []
        if not isinstance(v, list):
            self.err(path, "must be a list")
            return []
        return v

    def text(self, o: dict[str, Any], k: str, path: str, *, required: bool = False,
             max_len: int = 10000) -> str:
        v = o.get(k)
        if v is None or v == "":
            if required:
                self.err(f"{path}.{k}", "is required")
            return ""
        if not isinstance(v, str):
            self.err(f"{path}.{k}", "must be a string")
            return ""
        if len(v) > max_len:
            self.err(f"{path}.{k}", f"longer than {max_len} characters")
        return v

    def choice(self, o: dict[str, Any], k: str, path: str, enum_cls: Any, *,
               required: bool = True, default: Any = None) -> Any:
        v = o.get(k)
        if v is None:
            if required:
                self.err(f"{path}.{k}", "is required")
            return default
        try:
            return enum_cls(v)
        except ValueError:
            allowed = ", ".join(m.value for m in enum_cls)
            self.err(f"{path}.{k}", f"{v!r} is not one of: {allowed}")
            return default

    def boolean(self, o: dict[str, Any], k: str, path: str, default: bool = False) -> bool:
        v = o.get(k, default)
        if not isinstance(v, bool):
            self.err(f"{path}.{k}", "must be true or false")
            return default
        return v

    def integer(self, o: dict[str, Any], k: str, path: str, *, required: bool = False,
                minimum: int = 0) -> int | None:
        v = o.get(k)
        if v is None:
            if required:
                self.err(f"{path}.{k}", "is required")
            return None
        if not isinstance(v, int) or isinstance(v, bool) or v < minimum:
            self.err(f"{path}.{k}", f"must be a whole number of at least {minimum}")
            return None
        if fields.integer_problem(v):
            self.err(f"{path}.{k}", fields.integer_problem(v) or "")
            return None
        return v

    def day(self, o: dict[str, Any], k: str, path: str, *, required: bool = False) -> date | None:
        v = o.get(k)
        if v is None:
            if required:
                self.err(f"{path}.{k}", "is required")
            return None
        try:
            return date.fromisoformat(v)
        except (TypeError, ValueError):
            self.err(f"{path}.{k}", f"{v!r} is not a date (YYYY-MM-DD)")
            return None

    def instant(self, o: dict[str, Any], k: str, path: str, *,
                required: bool = False) -> datetime | None:
        v = o.get(k)
        if v is None:
            if required:
                self.err(f"{path}.{k}", "is required")
            return None
        try:
            dt = datetime.fromisoformat(v)
        except (TypeError, ValueError):
            dt = None
        if dt is None or dt.tzinfo is None or "T" not in str(v):
            self.err(f"{path}.{k}", f"{v!r} is not an ISO 8601 time with offset "
                                    "(e.g. 2022-05-17T10:00:00-04:00)")
            return None
        return dt.astimezone(UTC)

    def country(self, o: dict[str, Any], k: str, path: str) -> str | None:
        v = o.get(k)
        if v in (None, ""):
            return None
        if not isinstance(v, str) or pycountry.countries.get(alpha_2=v.upper()) is None:
            self.err(f"{path}.{k}", f"{v!r} is not an ISO 3166-1 alpha-2 country code")
            return None
        return v.upper()

    def key(self, o: dict[str, Any], path: str, seen: set[str]) -> str:
        v = o.get("key")
        if not isinstance(v, str) or not v:
            self.err(f"{path}.key", "is required")
            return ""
        if v in seen:
            self.err(f"{path}.key", f"{v!r} is used twice")
        seen.add(v)
        return v

    def ref(self, o: dict[str, Any], k: str, path: str, known: dict[str, Any], what: str, *,
            required: bool = False) -> Any:
        v = o.get(k)
        if v is None or v == "":
            if required:
                self.err(f"{path}.{k}", "is required")
            return None
        if not isinstance(v, str) or v not in known:
            self.err(f"{path}.{k}", f"no {what} with key {v!r} in this file")
            return None
        return known[v]


def _column_checks(c: _Checker, forum: Forum, new_orgs: list[Organisation],
                   quotas: list[PartnerQuota], deadlines: list[Deadline], venues: list[Venue],
                   delegations: list[Delegation], sessions: list[Session]) -> None:
    """Every object about to be written gets the model's column checks (lengths, one-line
    text, number ranges), the same the forms and the spreadsheet preview run."""
    checked: list[tuple[str, Any]] = [("forum", forum)]
    checked += [(f"organisations[{o.name[:40]!r}]", o) for o in new_orgs]
    checked += [(f"quotas[{i}]", q) for i, q in enumerate(quotas)]
    checked += [(f"deadlines[{i}]", d) for i, d in enumerate(deadlines)]
    for i, v in enumerate(venues):
        checked.append((f"venues[{i}]", v))
        checked += [(f"venues[{i}].rooms[{j}]", r) for j, r in enumerate(v.rooms)]
    for i, dl in enumerate(delegations):
        checked.append((f"delegations[{i}]", dl))
        for j, person in enumerate(dl.delegates):
            checked.append((f"delegations[{i}].delegates[{j}]", person))
            checked += [(f"delegations[{i}].delegates[{j}].accreditation", a)
                        for a in person.accreditations]
    for i, se in enumerate(sessions):
        checked.append((f"sessions[{i}]", se))
        checked += [(f"sessions[{i}].speakers[{j}]", sl) for j, sl in enumerate(se.speaker_slots)]
    reported = set(c.problems)
    for path, obj in checked:
        for key, problem in fields.object_problems(obj).items():
            line = f"{path}.{key}: {problem}"
            if not any(r.startswith(f"{path}.{key}:") for r in reported):
                c.problems.append(line)


def import_forum(raw: bytes | str | dict[str, Any], actor: User | None = None) -> Forum:
    """Check the whole file, then write it (flush only). Raises ForumFileError."""
    c = _Checker()
    if isinstance(raw, dict):
        data = raw
    else:
        try:
            data = load_json(raw)
        except JSONProblem as e:
            raise ForumFileError([f"(file): {e}"]) from e
    data = c.obj(data, "(file)")
    if data.get("format") != FORMAT:
        c.err("format", f"must be {FORMAT!r}")

    # forum
    fo = c.obj(data.get("forum"), "forum")
    tz = c.text(fo, "timezone", "forum", required=True)
    if tz and not is_valid_zone(tz):
        c.err("forum.timezone", f"{tz!r} is not an IANA time zone (e.g. America/New_York)")
        tz = ""
    short = c.text(fo, "short_name", "forum", required=True, max_len=40)
    if short and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", short):
        c.err("forum.short_name", "use letters, digits, '-', '_' or '.' only (it is in URLs)")
    if short and db.session.scalar(sa.select(Forum.id).where(Forum.short_name == short)):
        c.err("forum.short_name", f"a forum {short!r} exists already in this database")
    start = c.day(fo, "start_date", "forum", required=True)
    end = c.day(fo, "end_date", "forum", required=True)
    if start and end and end < start:
        c.err("forum.end_date", "is before start_date")
    forum = Forum(
        name=c.text(fo, "name", "forum", required=True, max_len=300),
        short_name=short,
        series=c.choice(fo, "series", "forum", Series, required=False, default=Series.OTHER),
        timezone=tz,
        start_date=start,
        end_date=end,
        host_city=c.text(fo, "host_city", "forum", max_len=200),
        description=c.text(fo, "description", "forum"),
    )

    keys: set[str] = set()
    # organisations: reuse existing ones by name
    existing_orgs = {o.name: o for o in db.session.scalars(sa.select(Organisation))}
    orgs: dict[str, Organisation] = {}
    org_names: set[str] = set()
    for i, oo in enumerate(c.arr(data.get("organisations"), "organisations")):
        p = f"organisations[{i}]"
        oo = c.obj(oo, p)
        k = c.key(oo, p, keys)
        name = c.text(oo, "name", p, required=True, max_len=300)
        if name in org_names:
            c.err(f"{p}.name", f"{name!r} is listed twice")
        org_names.add(name)
        kind = c.choice(oo, "kind", p, OrganisationKind, required=False,
                        default=OrganisationKind.OTHER)
        country = c.country(oo, "country", p)
        acronym = c.text(oo, "acronym", p, max_len=40)
        org = existing_orgs.get(name) or Organisation(name=name, kind=kind, country=country,
                                                      acronym=acronym)
        orgs[k] = org

    quotas: list[PartnerQuota] = []
    for i, qo in enumerate(c.arr(data.get("quotas"), "quotas")):
        p = f"quotas[{i}]"
        qo = c.obj(qo, p)
        org = c.ref(qo, "organisation", p, orgs, "organisation", required=True)
        n = c.integer(qo, "quota", p, required=True)
        if org is not None and n is not None:
            quotas.append(PartnerQuota(organisation=org, quota=n))

    deadlines: list[Deadline] = []
    for i, do in enumerate(c.arr(data.get("deadlines"), "deadlines")):
        p = f"deadlines[{i}]"
        do = c.obj(do, p)
        deadlines.append(Deadline(
            kind=c.choice(do, "kind", p, DeadlineKind),
            title=c.text(do, "title", p, required=True, max_len=200),
            due_at=c.instant(do, "due", p, required=True),
            notes=c.text(do, "notes", p),
        ))

    venues: dict[str, Venue] = {}
    rooms: dict[str, Room] = {}
    for i, vo in enumerate(c.arr(data.get("venues"), "venues")):
        p = f"venues[{i}]"
        vo = c.obj(vo, p)
        k = c.key(vo, p, keys)
        v = Venue(name=c.text(vo, "name", p, required=True, max_len=200),
                  address=c.text(vo, "address", p),
                  access_instructions=c.text(vo, "access_instructions", p))
        venues[k] = v
        for j, ro in enumerate(c.arr(vo.get("rooms"), f"{p}.rooms")):
            rp = f"{p}.rooms[{j}]"
            ro = c.obj(ro, rp)
            rk = c.key(ro, rp, keys)
            rooms[rk] = Room(
                venue=v,
                name=c.text(ro, "name", rp, required=True, max_len=200),
                capacity=c.integer(ro, "capacity", rp, minimum=1),
                interpretation_languages=c.text(ro, "interpretation_languages", rp, max_len=100),
                online=c.boolean(ro, "online", rp),
            )

    travel: list[tuple[Venue, Venue, int]] = []
    for i, to in enumerate(c.arr(data.get("travel"), "travel")):
        p = f"travel[{i}]"
        to = c.obj(to, p)
        a = c.ref(to, "from", p, venues, "venue", required=True)
        b = c.ref(to, "to", p, venues, "venue", required=True)
        m = c.integer(to, "minutes", p, required=True)
        if a is not None and a is b:
            c.err(f"{p}.to", "is the same venue as 'from'")
        elif a is not None and b is not None and m is not None:
            travel.append((a, b, m))

    delegations: list[Delegation] = []
    delegates: dict[str, Delegate] = {}
    emails: dict[str, str] = {}
    for i, dlo in enumerate(c.arr(data.get("delegations"), "delegations")):
        p = f"delegations[{i}]"
        dlo = c.obj(dlo, p)
        c.key(dlo, p, keys)
        fp = c.obj(dlo.get("focal_point") or {}, f"{p}.focal_point")
        dl = Delegation(
            name=c.text(dlo, "name", p, required=True, max_len=200),
            country=c.country(dlo, "country", p),
            region=c.text(dlo, "region", p, max_len=100),
            category=c.choice(dlo, "category", p, DelegationCategory, required=False,
                              default=DelegationCategory.OTHER_STAKEHOLDER),
            leading_organisation=c.ref(dlo, "leading_organisation", p, orgs, "organisation"),
            focal_point_name=c.text(fp, "name", f"{p}.focal_point", max_len=200),
            focal_point_email=c.text(fp, "email", f"{p}.focal_point", max_len=320),
            focal_point_phone=c.text(fp, "phone", f"{p}.focal_point", max_len=50),
            notes=c.text(dlo, "notes", p),
        )
        if any(x.name == dl.name for x in delegations):
            c.err(f"{p}.name", f"{dl.name!r} is used by another delegation of this forum")
        delegations.append(dl)
        for j, po in enumerate(c.arr(dlo.get("delegates"), f"{p}.delegates")):
            pp = f"{p}.delegates[{j}]"
            po = c.obj(po, pp)
            pk = c.key(po, pp, keys)
            email = c.text(po, "email", pp, max_len=320) or None
            if email and not EMAIL_RE.match(email):
                c.err(f"{pp}.email", f"{email!r} is not an e-mail address")
            elif email:
                if email.lower() in emails:
                    c.err(f"{pp}.email", f"{email!r} is also used by {emails[email.lower()]}")
                emails[email.lower()] = pp
            home = c.text(po, "home_timezone", pp, max_len=64) or None
            if home and not is_valid_zone(home):
                c.err(f"{pp}.home_timezone", f"{home!r} is not an IANA time zone")
            arrival = c.day(po, "arrival_date", pp)
            departure = c.day(po, "departure_date", pp)
            if arrival and departure and departure < arrival:
                c.err(f"{pp}.departure_date", "is before arrival_date")
            person = Delegate(
                delegation=dl,
                honorific=c.text(po, "honorific", pp, max_len=40),
                given_names=c.text(po, "given_names", pp, required=True, max_len=200),
                family_name=c.text(po, "family_name", pp, required=True, max_len=200),
                function=c.text(po, "function", pp, max_len=300),
                level=c.choice(po, "level", pp, Level, required=False, default=Level.OFFICIAL),
                capacity=c.choice(po, "capacity", pp, Capacity, required=False,
                                  default=Capacity.MEMBER),
                organisation=c.ref(po, "organisation", pp, orgs, "organisation"),
                email=email,
                mobile=c.text(po, "mobile", pp, max_len=50),
                languages=c.text(po, "languages", pp, max_len=200),
                home_timezone=home,
                arrival_date=arrival,
                departure_date=departure,
                notes=c.text(po, "notes", pp),
            )
            delegates[pk] = person
            ao = po.get("accreditation")
            if ao is not None:
                ap = f"{pp}.accreditation"
                ao = c.obj(ao, ap)
                acc = Accreditation(
                    forum=forum,
                    route=c.choice(ao, "route", ap, Route),
                    sponsor=c.ref(ao, "sponsor", ap, orgs, "organisation"),
                    status=c.choice(ao, "status", ap, AccreditationStatus, required=False,
                                    default=AccreditationStatus.DRAFT),
                    badge_type=c.choice(ao, "badge_type", ap, BadgeType, required=False),
                    substitute=c.boolean(ao, "substitute", ap),
                    submitted_at=c.instant(ao, "submitted_at", ap),
                    approved_at=c.instant(ao, "approved_at", ap),
                    rejected_at=c.instant(ao, "rejected_at", ap),
                    withdrawn_at=c.instant(ao, "withdrawn_at", ap),
                    badge_collected_at=c.instant(ao, "badge_collected_at", ap),
                    notes=c.text(ao, "notes", ap),
                )
                seen_docs: set[Any] = set()
                for m, doc in enumerate(c.arr(ao.get("documents"), f"{ap}.documents")):
                    dp = f"{ap}.documents[{m}]"
                    doc = c.obj(doc, dp)
                    kind = c.choice(doc, "kind", dp, DocumentKind)
                    if kind in seen_docs:
                        c.err(f"{dp}.kind", f"{kind.value!r} is listed twice")
                    seen_docs.add(kind)
                    acc.documents.append(AccreditationDocument(
                        kind=kind, received_at=c.instant(doc, "received_at", dp)))
                person.accreditations.append(acc)

    sessions: list[Session] = []
    uids: set[str] = set()
    for i, so in enumerate(c.arr(data.get("sessions"), "sessions")):
        p = f"sessions[{i}]"
        so = c.obj(so, p)
        uid = c.text(so, "uid", p, max_len=120)
        if uid:
            if uid in uids:
                c.err(f"{p}.uid", f"{uid!r} is used twice")
            elif db.session.scalar(sa.select(Session.id).where(Session.uid == uid)):
                c.err(f"{p}.uid", f"{uid!r} exists already in this database")
            uids.add(uid)
        start_at = c.instant(so, "start", p, required=True)
        end_at = c.instant(so, "end", p, required=True)
        if start_at and end_at and end_at <= start_at:
            c.err(f"{p}.end", "is not after start")
        kind = c.choice(so, "kind", p, SessionKind)
        se = Session(
            title=c.text(so, "title", p, required=True, max_len=400),
            kind=kind,
            official=c.boolean(so, "official", p),
            private=c.boolean(so, "private", p,
                              default=bool(kind and kind.private_by_default)),
            organiser=c.text(so, "organiser", p, max_len=300),
            chairs=c.text(so, "chairs", p, max_len=500),
            status=c.choice(so, "status", p, SessionStatus, required=False,
                            default=SessionStatus.CONFIRMED),
            room=c.ref(so, "room", p, rooms, "room"),
            location_note=c.text(so, "location_note", p, max_len=300),
            starts_at=start_at,
            ends_at=end_at,
            online_link=c.text(so, "online_link", p, max_len=500),
            background=c.text(so, "background", p),
            expected_attendance=c.integer(so, "expected_attendance", p),
            objectives=c.text(so, "objectives", p),
            points_to_make=c.text(so, "points_to_make", p),
            press_line=c.text(so, "press_line", p),
            revision=c.integer(so, "revision", p) or 0,
        )
        if uid:
            se.uid = uid
        for j, sp in enumerate(c.arr(so.get("speakers"), f"{p}.speakers")):
            spp = f"{p}.speakers[{j}]"
            sp = c.obj(sp, spp)
            person = c.ref(sp, "delegate", spp, delegates, "delegate")
            guest = c.text(sp, "guest_name", spp, max_len=300)
            if sp.get("delegate") in (None, "") and not guest:
                c.err(spp, "needs a delegate key or a guest_name")
            se.speaker_slots.append(SpeakerSlot(
                delegate=person,
                guest_name=guest,
                guest_function=c.text(sp, "guest_function", spp, max_len=300),
                role=c.choice(sp, "role", spp, SpeakerRole),
                order=c.integer(sp, "order", spp) or j + 1,
                minutes=c.integer(sp, "minutes", spp, minimum=1),
                remote=c.boolean(sp, "remote", spp),
                notes=c.text(sp, "notes", spp),
            ))
        sessions.append(se)

    # two sessions in one room at once
    index = {id(se): i for i, se in enumerate(sessions)}
    for a, b in overlaps_among(sessions):
        c.err(f"sessions[{index[id(b)]}].room", f"{b.room.name} is taken by {a.title!r} "
                                                "at the same time")

    _column_checks(c, forum, [o for o in orgs.values() if o.id is None], quotas, deadlines,
                   list(venues.values()), delegations, sessions)
    if c.problems:
        raise ForumFileError(c.problems)

    db.session.add(forum)
    forum.delegations = delegations
    forum.deadlines = deadlines
    forum.quotas = quotas
    for v in venues.values():
        v.forum = forum
        db.session.add(v)
    for se in sessions:
        se.forum = forum
        db.session.add(se)
    db.session.flush()
    for a, b, m in travel:
        lo, hi = sorted((a.id, b.id))
        db.session.add(VenueTravel(from_venue_id=lo, to_venue_id=hi, minutes=m))
    db.session.flush()
    record_statuses(
        entry for person in delegates.values() for acc in person.accreditations
        for entry in past_history(actor, acc, person.full_name, person.id, "forum_import"))
    return forum
