"""A whole forum as one JSON file (``forum-desk/1``, docs/forum-format.md): the import.

``import_forum`` reads every section first and raises ``ForumFileError`` listing each problem
with its path in the file; only a clean file is written, through the services (``book_room``,
status history), flushed, never committed. The export is in ``forum_export``."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from delegations.changelog import record
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
from delegations.status import past_history, record_statuses
from delegations.timeutil import is_valid_zone

from .forum_checks import (
    EMAIL_RE,
    Checker,
    ForumFileError,
    column_checks,
    objects_to_check,
    read_document,
)
from .forum_export import FORMAT, export_forum, forum_to_dict, slug  # noqa: F401 (re-exported)
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
from .services import book_room, overlaps_among


def import_forum(raw: bytes | str | dict[str, Any], actor: User | None = None) -> Forum:
    """Check the whole file, then write it (flush only). Raises ForumFileError."""
    r = _Reader()
    data = read_document(r.c, raw, FORMAT)
    r.forum_header(data)
    r.organisations(data)
    r.quotas_and_deadlines(data)
    r.venues(data)
    r.travel_times(data)
    r.delegations(data)
    r.sessions(data)
    r.rooms_booked_once()
    column_checks(r.c, objects_to_check(
        r.forum, [o for o in r.orgs.values() if o.id is None], r.quotas, r.deadlines,
        list(r.venue_map.values()), r.delegation_list, r.session_list))
    if r.c.problems:
        raise ForumFileError(r.c.problems)
    return _write(r, actor)


@dataclass
class _Reader:
    """The file read into unsaved objects, and every problem found on the way."""

    c: Checker = field(default_factory=Checker)
    keys: set[str] = field(default_factory=set)
    forum: Forum = field(default_factory=Forum)
    orgs: dict[str, Organisation] = field(default_factory=dict)
    quotas: list[PartnerQuota] = field(default_factory=list)
    deadlines: list[Deadline] = field(default_factory=list)
    venue_map: dict[str, Venue] = field(default_factory=dict)
    rooms: dict[str, Room] = field(default_factory=dict)
    travel: list[tuple[Venue, Venue, int]] = field(default_factory=list)
    delegation_list: list[Delegation] = field(default_factory=list)
    delegates: dict[str, Delegate] = field(default_factory=dict)
    emails: dict[str, str] = field(default_factory=dict)
    session_list: list[Session] = field(default_factory=list)
    uids: set[str] = field(default_factory=set)

    def forum_header(self, data: dict[str, Any]) -> None:
        c = self.c
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
        self.forum = Forum(
            name=c.text(fo, "name", "forum", required=True, max_len=300),
            short_name=short,
            series=c.choice(fo, "series", "forum", Series, required=False, default=Series.OTHER),
            timezone=tz,
            start_date=start,
            end_date=end,
            host_city=c.text(fo, "host_city", "forum", max_len=200),
            description=c.text(fo, "description", "forum"),
        )

    def organisations(self, data: dict[str, Any]) -> None:
        """Organisations already in the database are reused by name."""
        c = self.c
        existing = {o.name: o for o in db.session.scalars(sa.select(Organisation))}
        names: set[str] = set()
        for i, oo in enumerate(c.arr(data.get("organisations"), "organisations")):
            p = f"organisations[{i}]"
            oo = c.obj(oo, p)
            k = c.key(oo, p, self.keys)
            name = c.text(oo, "name", p, required=True, max_len=300)
            if name in names:
                c.err(f"{p}.name", f"{name!r} is listed twice")
            names.add(name)
            kind = c.choice(oo, "kind", p, OrganisationKind, required=False,
                            default=OrganisationKind.OTHER)
            country = c.country(oo, "country", p)
            acronym = c.text(oo, "acronym", p, max_len=40)
            self.orgs[k] = existing.get(name) or Organisation(
                name=name, kind=kind, country=country, acronym=acronym)

    def quotas_and_deadlines(self, data: dict[str, Any]) -> None:
        c = self.c
        for i, qo in enumerate(c.arr(data.get("quotas"), "quotas")):
            p = f"quotas[{i}]"
            qo = c.obj(qo, p)
            org = c.ref(qo, "organisation", p, self.orgs, "organisation", required=True)
            n = c.integer(qo, "quota", p, required=True)
            if org is not None and n is not None:
                self.quotas.append(PartnerQuota(organisation=org, quota=n))
        for i, do in enumerate(c.arr(data.get("deadlines"), "deadlines")):
            p = f"deadlines[{i}]"
            do = c.obj(do, p)
            self.deadlines.append(Deadline(
                kind=c.choice(do, "kind", p, DeadlineKind),
                title=c.text(do, "title", p, required=True, max_len=200),
                due_at=c.instant(do, "due", p, required=True),
                notes=c.text(do, "notes", p),
            ))

    def venues(self, data: dict[str, Any]) -> None:
        c = self.c
        for i, vo in enumerate(c.arr(data.get("venues"), "venues")):
            p = f"venues[{i}]"
            vo = c.obj(vo, p)
            k = c.key(vo, p, self.keys)
            v = Venue(name=c.text(vo, "name", p, required=True, max_len=200),
                      address=c.text(vo, "address", p),
                      access_instructions=c.text(vo, "access_instructions", p))
            self.venue_map[k] = v
            for j, ro in enumerate(c.arr(vo.get("rooms"), f"{p}.rooms")):
                rp = f"{p}.rooms[{j}]"
                ro = c.obj(ro, rp)
                rk = c.key(ro, rp, self.keys)
                self.rooms[rk] = Room(
                    venue=v,
                    name=c.text(ro, "name", rp, required=True, max_len=200),
                    capacity=c.integer(ro, "capacity", rp, minimum=1),
                    interpretation_languages=c.text(ro, "interpretation_languages", rp,
                                                    max_len=100),
                    online=c.boolean(ro, "online", rp),
                )

    def travel_times(self, data: dict[str, Any]) -> None:
        c = self.c
        for i, to in enumerate(c.arr(data.get("travel"), "travel")):
            p = f"travel[{i}]"
            to = c.obj(to, p)
            a = c.ref(to, "from", p, self.venue_map, "venue", required=True)
            b = c.ref(to, "to", p, self.venue_map, "venue", required=True)
            m = c.integer(to, "minutes", p, required=True)
            if a is not None and a is b:
                c.err(f"{p}.to", "is the same venue as 'from'")
            elif a is not None and b is not None and m is not None:
                self.travel.append((a, b, m))

    def delegations(self, data: dict[str, Any]) -> None:
        c = self.c
        for i, dlo in enumerate(c.arr(data.get("delegations"), "delegations")):
            p = f"delegations[{i}]"
            dlo = c.obj(dlo, p)
            c.key(dlo, p, self.keys)
            fp = c.obj(dlo.get("focal_point") or {}, f"{p}.focal_point")
            dl = Delegation(
                name=c.text(dlo, "name", p, required=True, max_len=200),
                country=c.country(dlo, "country", p),
                region=c.text(dlo, "region", p, max_len=100),
                category=c.choice(dlo, "category", p, DelegationCategory, required=False,
                                  default=DelegationCategory.OTHER_STAKEHOLDER),
                leading_organisation=c.ref(dlo, "leading_organisation", p, self.orgs,
                                           "organisation"),
                focal_point_name=c.text(fp, "name", f"{p}.focal_point", max_len=200),
                focal_point_email=c.text(fp, "email", f"{p}.focal_point", max_len=320),
                focal_point_phone=c.text(fp, "phone", f"{p}.focal_point", max_len=50),
                notes=c.text(dlo, "notes", p),
            )
            if any(x.name == dl.name for x in self.delegation_list):
                c.err(f"{p}.name", f"{dl.name!r} is used by another delegation of this forum")
            self.delegation_list.append(dl)
            for j, po in enumerate(c.arr(dlo.get("delegates"), f"{p}.delegates")):
                self.delegate(dl, c.obj(po, f"{p}.delegates[{j}]"), f"{p}.delegates[{j}]")

    def delegate(self, dl: Delegation, po: dict[str, Any], pp: str) -> None:
        c = self.c
        pk = c.key(po, pp, self.keys)
        email = c.text(po, "email", pp, max_len=320) or None
        if email and not EMAIL_RE.match(email):
            c.err(f"{pp}.email", f"{email!r} is not an e-mail address")
        elif email:
            if email.lower() in self.emails:
                c.err(f"{pp}.email", f"{email!r} is also used by {self.emails[email.lower()]}")
            self.emails[email.lower()] = pp
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
            organisation=c.ref(po, "organisation", pp, self.orgs, "organisation"),
            email=email,
            mobile=c.text(po, "mobile", pp, max_len=50),
            languages=c.text(po, "languages", pp, max_len=200),
            home_timezone=home,
            arrival_date=arrival,
            departure_date=departure,
            notes=c.text(po, "notes", pp),
        )
        self.delegates[pk] = person
        if po.get("accreditation") is not None:
            ap = f"{pp}.accreditation"
            person.accreditations.append(self.accreditation(c.obj(po["accreditation"], ap), ap))

    def accreditation(self, ao: dict[str, Any], ap: str) -> Accreditation:
        c = self.c
        acc = Accreditation(
            forum=self.forum,
            route=c.choice(ao, "route", ap, Route),
            sponsor=c.ref(ao, "sponsor", ap, self.orgs, "organisation"),
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
        return acc

    def sessions(self, data: dict[str, Any]) -> None:
        c = self.c
        for i, so in enumerate(c.arr(data.get("sessions"), "sessions")):
            p = f"sessions[{i}]"
            se = self.session(so := c.obj(so, p), p)  # not an object: reported, skipped
            for j, sp in enumerate(c.arr(so.get("speakers"), f"{p}.speakers")):
                spp = f"{p}.speakers[{j}]"
                se.speaker_slots.append(self.speaker(c.obj(sp, spp), spp, j))
            self.session_list.append(se)

    def session(self, so: dict[str, Any], p: str) -> Session:
        c = self.c
        uid = c.text(so, "uid", p, max_len=120)
        if uid:
            if uid in self.uids:
                c.err(f"{p}.uid", f"{uid!r} is used twice")
            elif db.session.scalar(sa.select(Session.id).where(Session.uid == uid)):
                c.err(f"{p}.uid", f"{uid!r} exists already in this database")
            self.uids.add(uid)
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
            room=c.ref(so, "room", p, self.rooms, "room"),
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
        return se

    def speaker(self, sp: dict[str, Any], spp: str, j: int) -> SpeakerSlot:
        c = self.c
        person = c.ref(sp, "delegate", spp, self.delegates, "delegate")
        guest = c.text(sp, "guest_name", spp, max_len=300)
        if sp.get("delegate") in (None, "") and not guest:
            c.err(spp, "needs a delegate key or a guest_name")
        return SpeakerSlot(
            delegate=person,
            guest_name=guest,
            guest_function=c.text(sp, "guest_function", spp, max_len=300),
            role=c.choice(sp, "role", spp, SpeakerRole),
            order=c.integer(sp, "order", spp) or j + 1,
            minutes=c.integer(sp, "minutes", spp, minimum=1),
            remote=c.boolean(sp, "remote", spp),
            notes=c.text(sp, "notes", spp),
        )

    def rooms_booked_once(self) -> None:
        """Two sessions of the file in one room at once."""
        index = {id(se): i for i, se in enumerate(self.session_list)}
        for a, b in overlaps_among(self.session_list):
            self.c.err(f"sessions[{index[id(b)]}].room",
                       f"{b.room.name} is taken by {a.title!r} at the same time")


def _write(r: _Reader, actor: User | None) -> Forum:
    """Write a clean file: people and venues, then each session through ``book_room``, the
    travel times, the accreditation statuses with their history, and one change-log entry."""
    forum = r.forum
    db.session.add(forum)
    forum.delegations = r.delegation_list
    forum.deadlines = r.deadlines
    forum.quotas = r.quotas
    for v in r.venue_map.values():
        v.forum = forum
        db.session.add(v)
    db.session.flush()
    for se in r.session_list:
        se.forum = forum
        with book_room(se):
            db.session.add(se)
    for a, b, m in r.travel:
        lo, hi = sorted((a.id, b.id))
        db.session.add(VenueTravel(from_venue_id=lo, to_venue_id=hi, minutes=m))
    db.session.flush()
    record_statuses(
        entry for person in r.delegates.values() for acc in person.accreditations
        for entry in past_history(actor, acc, person.full_name, person.id, "forum_import"))
    record(actor, "forum", forum.id, "import",
           f"Imported {forum.short_name}: {len(r.delegates)} delegates, "
           f"{len(r.session_list)} sessions")
    return forum
