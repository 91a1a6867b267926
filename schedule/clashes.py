"""Clash detection over a whole forum: pure computation over plain rows.

``load_rows(forum)`` reads everything with a constant number of queries (sessions with their
rooms, speaker slots with each delegate's accreditation, travel times); ``find_clashes(rows)``
sorts once per person and per room and sweeps, so the work is O(n log n) and never a query
per slot. Cancelled sessions take part in nothing.

Session times reach the scan as whole epoch seconds computed by the database (programme
times are whole minutes), and messages are written only for the clashes found. Figures at
5,000 sessions / 30,000 slots: bench/bench_programme.py.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from operator import itemgetter
from typing import Any, NamedTuple

import sqlalchemy as sa

from delegations.db import db
from delegations.gcpause import gc_paused
from delegations.models import Accreditation, AccreditationStatus, Delegate, Delegation, Forum
from delegations.timeutil import day_bounds, to_zone

from .models import Room, Session, SessionStatus, SpeakerSlot, Venue, VenueTravel
from .speaking import speaking_minutes_sql


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class ClashKind(enum.StrEnum):
    PERSON_DOUBLE_BOOKED = "person_double_booked"
    TRAVEL_TIME = "travel_time"
    ROOM_DOUBLE_BOOKED = "room_double_booked"
    OVER_CAPACITY = "over_capacity"
    NOT_ACCREDITED = "not_accredited"
    OUTSIDE_STAY = "outside_stay"
    OUTSIDE_FORUM = "outside_forum"
    SPEAKING_TIME = "speaking_time"

    @property
    def label(self) -> str:
        return {
            "person_double_booked": "Person in two places",
            "travel_time": "Too little travel time",
            "room_double_booked": "Room double-booked",
            "over_capacity": "Over room capacity",
            "not_accredited": "Speaker not accredited",
            "outside_stay": "Outside the person's stay",
            "outside_forum": "Outside the forum dates",
            "speaking_time": "Speaking time too long",
        }[self.value]

    @property
    def severity(self) -> Severity:
        if self in (ClashKind.PERSON_DOUBLE_BOOKED, ClashKind.ROOM_DOUBLE_BOOKED):
            return Severity.ERROR
        return Severity.WARNING


# ----------------------------------------------------------------------------- plain rows

def _epoch(value: datetime | int) -> int:
    """Whole seconds since 1970-01-01 UTC (an int passes through)."""
    if isinstance(value, int):
        return value
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value!r}")
    return int(value.timestamp() // 1)


class SessionRow:
    """One session. Times are kept as epoch seconds (``start``, ``end``): the scan compares
    integers, and only the clashes it reports turn them back into datetimes. Pass aware
    datetimes or epoch seconds."""

    __slots__ = ("id", "title", "start", "end", "room_id", "official",
                 "expected_attendance", "cancelled")

    def __init__(self, id: int, title: str, starts_at: datetime | int,
                 ends_at: datetime | int, room_id: int | None = None,
                 official: bool = False, expected_attendance: int | None = None,
                 cancelled: bool = False) -> None:
        self.id = id
        self.title = title
        self.start = _epoch(starts_at)
        self.end = _epoch(ends_at)
        self.room_id = room_id
        self.official = official
        self.expected_attendance = expected_attendance
        self.cancelled = cancelled

    @property
    def starts_at(self) -> datetime:
        return datetime.fromtimestamp(self.start, UTC)

    @property
    def ends_at(self) -> datetime:
        return datetime.fromtimestamp(self.end, UTC)


@dataclass(slots=True)
class RoomRow:
    id: int
    name: str
    venue_id: int
    capacity: int | None = None


class SlotRow(NamedTuple):
    """One speaker slot (a tuple: the scan unpacks 30,000 of them)."""

    session_id: int
    person_key: str  # "g<guest name>" for a guest (delegates are known by delegate_id)
    person_name: str
    delegate_id: int | None = None
    minutes: int | None = None  # speaking minutes: None when they do not count (speaking.py)
    remote: bool = False
    accredited: bool = True  # has an approved accreditation for this forum
    arrival: date | None = None
    departure: date | None = None


@dataclass(slots=True)
class ForumRows:
    timezone: str
    start_date: date
    end_date: date
    sessions: list[SessionRow] = field(default_factory=list)
    rooms: dict[int, RoomRow] = field(default_factory=dict)
    venue_names: dict[int, str] = field(default_factory=dict)
    slots: list[SlotRow] = field(default_factory=list)
    travel: dict[tuple[int, int], int] = field(default_factory=dict)  # (lo, hi) venue ids
    names: dict[int, str] = field(default_factory=dict)  # delegate id -> name, as needed
    name_loader: Callable[[set[int]], dict[int, str]] | None = None

    def person_names(self, ids: set[int]) -> dict[int, str]:
        """Names of the delegates ``ids`` (loaded in one query for those not known yet)."""
        missing = {i for i in ids if i not in self.names}
        if missing and self.name_loader is not None:
            self.names.update(self.name_loader(missing))
        return self.names

    def travel_minutes(self, a: int, b: int) -> int | None:
        if a == b:
            return 0
        return self.travel.get((a, b) if a < b else (b, a))


@dataclass(slots=True)
class Ref:
    id: int | None
    name: str


@dataclass(slots=True)
class Clash:
    kind: ClashKind
    message: str
    people: list[Ref] = field(default_factory=list)
    sessions: list[Ref] = field(default_factory=list)
    rooms: list[Ref] = field(default_factory=list)

    @property
    def severity(self) -> Severity:
        return self.kind.severity

    @property
    def session_ids(self) -> set[int]:
        return {s.id for s in self.sessions if s.id is not None}

    @property
    def delegate_ids(self) -> set[int]:
        return {p.id for p in self.people if p.id is not None}

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "severity": self.severity.value,
            "people": [{"id": p.id, "name": p.name} for p in self.people],
            "sessions": [{"id": s.id, "title": s.name} for s in self.sessions],
            "rooms": [{"id": r.id, "name": r.name} for r in self.rooms],
            "message": self.message,
        }


# ----------------------------------------------------------------------------- loading

APPROVED = (AccreditationStatus.APPROVED, AccreditationStatus.BADGE_COLLECTED)


@gc_paused()
def load_rows(forum: Forum) -> ForumRows:
    """Everything the scan needs, in four queries whatever the size of the forum."""
    rows = ForumRows(timezone=forum.timezone, start_date=forum.start_date,
                     end_date=forum.end_date)
    for r in db.session.execute(
        sa.select(Room.id, Room.name, Room.venue_id, Room.capacity, Venue.name)
        .join(Venue).where(Venue.forum_id == forum.id)
    ):
        rows.rooms[r[0]] = RoomRow(r[0], r[1], r[2], r[3])
        rows.venue_names[r[2]] = r[4]
    conn = db.session.connection()
    sqlite = conn.dialect.name == "sqlite"

    def epoch(col: Any) -> Any:
        # Whole seconds since 1970 computed by the database, so the scan compares ints and
        # never builds 10,000 datetimes. SQLite keeps naive UTC text; PostgreSQL timestamptz.
        if sqlite:
            return sa.cast(sa.func.strftime("%s", col), sa.Integer)
        return sa.cast(sa.func.floor(sa.extract("epoch", col)), sa.BigInteger)

    cancelled = SessionStatus.CANCELLED.value
    new_session = SessionRow.__new__
    for sid, title, start, end, room_id, is_official, attendance, status in conn.execute(
        sa.select(Session.id, Session.title, epoch(Session.starts_at), epoch(Session.ends_at),
                  Session.room_id, Session.official, Session.expected_attendance,
                  sa.type_coerce(Session.status, sa.String))
        .where(Session.forum_id == forum.id)
    ).all():
        s = new_session(SessionRow)
        s.id, s.title, s.start, s.end, s.room_id = sid, title, start, end, room_id
        s.official, s.expected_attendance = bool(is_official), attendance
        s.cancelled = status == cancelled
        rows.sessions.append(s)
    forum_sessions = sa.select(Session.id).where(Session.forum_id == forum.id)
    # Accreditation matters for people in official sessions only; arrival and departure
    # for the few delegates who gave them; names for the people in clashes (loaded after
    # the scan). So the 30,000-slot read joins nothing.
    approved = set(conn.scalars(
        sa.select(Accreditation.delegate_id).where(
            Accreditation.forum_id == forum.id,
            sa.type_coerce(Accreditation.status, sa.String).in_([a.value for a in APPROVED]),
            Accreditation.delegate_id.in_(
                sa.select(SpeakerSlot.delegate_id).where(SpeakerSlot.session_id.in_(
                    forum_sessions.where(Session.official.is_(True))))))).all())
    # EXISTS rather than IN: SQLite then tests the (mostly empty) dates first instead of
    # walking every delegate of the forum through the delegation index (half the time).
    stays = {r[0]: (r[1], r[2]) for r in conn.execute(
        sa.select(Delegate.id, Delegate.arrival_date, Delegate.departure_date).where(
            sa.or_(Delegate.arrival_date.is_not(None), Delegate.departure_date.is_not(None)),
            sa.exists().where(Delegation.id == Delegate.delegation_id,
                              Delegation.forum_id == forum.id))).all()}
    official = {s.id for s in rows.sessions if s.official}
    no_stay = (None, None)
    new_slot = tuple.__new__  # SlotRow(...) without the keyword-handling __new__
    append = rows.slots.append
    for sid, did, guest, minutes, remote in conn.execute(
        sa.select(SpeakerSlot.session_id, SpeakerSlot.delegate_id, SpeakerSlot.guest_name,
                  speaking_minutes_sql(), SpeakerSlot.remote)
        .where(SpeakerSlot.session_id.in_(forum_sessions))
    ).all():
        if did is not None:
            arrival, departure = stays.get(did, no_stay) if stays else no_stay
            append(new_slot(SlotRow, (sid, "", "", did, minutes, bool(remote),
                                      sid not in official or did in approved,
                                      arrival, departure)))
        else:
            append(slot_row(sid, None, guest, minutes, bool(remote)))
    rows.name_loader = _load_names
    for t in db.session.execute(
        sa.select(VenueTravel.from_venue_id, VenueTravel.to_venue_id, VenueTravel.minutes)
        .join(Venue, Venue.id == VenueTravel.from_venue_id).where(Venue.forum_id == forum.id)
    ).all():
        rows.travel[(min(t[0], t[1]), max(t[0], t[1]))] = t[2]
    return rows


def _load_names(ids: set[int]) -> dict[int, str]:
    out: dict[int, str] = {}
    ordered = sorted(ids)
    for i in range(0, len(ordered), 5000):
        for did, given, family in db.session.execute(
            sa.select(Delegate.id, Delegate.given_names, Delegate.family_name)
            .where(Delegate.id.in_(ordered[i:i + 5000]))
        ):
            out[did] = f"{given} {family}".strip()
    return out


def slot_row(session_id: int, delegate_id: int | None, guest_name: str, minutes: int | None,
             remote: bool, delegate_name: str = "", accredited: bool = True,
             arrival: date | None = None, departure: date | None = None) -> SlotRow:
    if delegate_id is not None:
        key, name = f"d{delegate_id}", delegate_name or f"Delegate {delegate_id}"
    else:
        key, name = "g" + " ".join(guest_name.lower().split()), guest_name
    return SlotRow(session_id, key, name, delegate_id, minutes, remote, accredited,
                   arrival, departure)


# ----------------------------------------------------------------------------- the scan


def _fmt(dt: datetime, tz: str) -> str:
    return to_zone(dt, tz).strftime("%a %d %b %H:%M")


def _hm(dt: datetime, tz: str) -> str:
    return to_zone(dt, tz).strftime("%H:%M")


@gc_paused()
def find_clashes(rows: ForumRows) -> list[Clash]:
    """Every clash of the forum, errors first, then by time.

    One pass over the slots groups them by person (and checks accreditation, stay and
    speaking minutes on the way); each person's sessions are sorted and swept once for
    overlaps and travel; the rooms are sorted and swept once. O(n log n); the only
    query is the names of the people found in clashes (``rows.name_loader``), if set.
    Times are compared as epoch seconds; messages are written for the clashes found only.
    """
    tz = rows.timezone
    live = {s.id: s for s in rows.sessions if not s.cancelled}
    refs: dict[int, Ref] = {}

    def ref(sid: int) -> Ref:
        r = refs.get(sid)
        if r is None:
            r = refs[sid] = Ref(sid, live[sid].title)
        return r

    def venue_of(s: SessionRow) -> int | None:
        room = rows.rooms.get(s.room_id) if s.room_id is not None else None
        return room.venue_id if room else None

    out: list[Clash] = []
    forum_lo = _epoch(day_bounds(rows.start_date, tz)[0])
    forum_hi = _epoch(day_bounds(rows.end_date, tz)[1])

    # One pass over the slots: group by person (delegate id, or "g<guest name>").
    by_person: dict[int | str, list[SlotRow]] = defaultdict(list)
    minutes_by_session: dict[int, int] = defaultdict(int)
    single: list[tuple[ClashKind, SlotRow, SessionRow]] = []
    get_live = live.get
    for sl in rows.slots:
        sid, key, _, did, minutes, _, accredited, arrival, departure = sl
        s = get_live(sid)
        if s is None:
            continue
        if minutes:
            minutes_by_session[sid] += minutes
        if did is None:
            by_person[key].append(sl)
            continue
        by_person[did].append(sl)
        if not accredited and s.official:
            single.append((ClashKind.NOT_ACCREDITED, sl, s))
        if arrival is not None or departure is not None:
            d0 = to_zone(s.starts_at, tz).date()
            d1 = to_zone(s.ends_at, tz).date()
            if (arrival and d0 < arrival) or (departure and d1 > departure):
                single.append((ClashKind.OUTSIDE_STAY, sl, s))

    # Per person with two slots or more: sort by time and sweep.
    double: dict[tuple[int, int], list[SlotRow]] = defaultdict(list)
    travel: dict[tuple[int, int], list[SlotRow]] = defaultdict(list)
    travel_need: dict[tuple[int, int], tuple[int, int]] = {}
    by_time = itemgetter(0, 1, 2)
    for group in by_person.values():
        if len(group) < 2:
            continue
        items = []
        for sl in group:
            s = live[sl[0]]
            items.append((s.start, s.end, s.id, sl))
        items.sort(key=by_time)
        active: list[tuple[int, int, int, SlotRow]] = []
        last: tuple[int, int, int, SlotRow] | None = None  # latest end before
        for item in items:
            start = item[0]
            if active:
                still = []
                for a in active:
                    if a[1] > start:
                        still.append(a)
                    elif last is None or a[1] >= last[1]:
                        last = a
                active = still
            if active:
                for a in active:
                    if a[2] != item[2]:
                        double[(a[2], item[2])].append(item[3])
            elif last is not None and not (last[3].remote or item[3].remote):
                va, vb = venue_of(live[last[2]]), venue_of(live[item[2]])
                if va is not None and vb is not None and va != vb:
                    need = rows.travel_minutes(va, vb)
                    gap = (start - last[1]) // 60
                    if need is not None and gap < need:
                        travel[(last[2], item[2])].append(item[3])
                        travel_need[(last[2], item[2])] = (gap, need)
            active.append(item)

    # Names only for the people in clashes.
    involved = {sl.delegate_id for group in (*double.values(), *travel.values())
                for sl in group if sl.delegate_id is not None}
    involved |= {sl.delegate_id for _, sl, _ in single if sl.delegate_id is not None}
    names = rows.person_names(involved)

    def person(sl: SlotRow) -> Ref:
        if sl.delegate_id is None:
            return Ref(None, sl.person_name)
        return Ref(sl.delegate_id, names.get(sl.delegate_id) or sl.person_name
                   or f"Delegate {sl.delegate_id}")

    for kind, sl, s in single:
        p = person(sl)
        if kind == ClashKind.NOT_ACCREDITED:
            msg = (f"{p.name} is in the official session {s.title!r} without an approved "
                   "accreditation.")
        else:
            msg = (f"{p.name} is in {s.title!r} on {to_zone(s.starts_at, tz).date()}, "
                   f"outside their stay ({sl.arrival or '?'} to {sl.departure or '?'}).")
        out.append(Clash(kind, msg, [p], [ref(s.id)]))
    for (a, b), group in double.items():
        sa_, sb = live[a], live[b]
        people = [person(sl) for sl in group]
        names_ = ", ".join(p.name for p in people)
        out.append(Clash(
            ClashKind.PERSON_DOUBLE_BOOKED,
            f"{names_} {'is' if len(people) == 1 else 'are'} in {sa_.title!r} "
            f"({_fmt(sa_.starts_at, tz)}-{_hm(sa_.ends_at, tz)}) and {sb.title!r} "
            f"({_fmt(sb.starts_at, tz)}-{_hm(sb.ends_at, tz)}) at once.",
            people, [ref(a), ref(b)], _room_refs(rows, sa_, sb)))
    for (a, b), group in travel.items():
        sa_, sb = live[a], live[b]
        people = [person(sl) for sl in group]
        gap, need = travel_need[(a, b)]
        va, vb = venue_of(sa_), venue_of(sb)
        out.append(Clash(
            ClashKind.TRAVEL_TIME,
            f"{', '.join(p.name for p in people)}: {gap} min between {sa_.title!r} "
            f"(ends {_hm(sa_.ends_at, tz)}, {rows.venue_names.get(va or 0, '?')}) and "
            f"{sb.title!r} (starts {_hm(sb.starts_at, tz)}, "
            f"{rows.venue_names.get(vb or 0, '?')}); the trip takes {need} min.",
            people, [ref(a), ref(b)], _room_refs(rows, sa_, sb)))

    # Rooms: sort by room and start, sweep.
    in_rooms = sorted((s for s in live.values() if s.room_id is not None),
                      key=lambda s: (s.room_id, s.start, s.end, s.id))
    current: list[SessionRow] = []
    for s in in_rooms:
        if current:
            current = [c for c in current if c.room_id == s.room_id and c.end > s.start]
        room = rows.rooms.get(s.room_id or 0)
        for c in current:
            out.append(Clash(
                ClashKind.ROOM_DOUBLE_BOOKED,
                f"{room.name if room else 'A room'} holds {c.title!r} and {s.title!r} "
                f"at once ({_fmt(s.starts_at, tz)}).",
                [], [ref(c.id), ref(s.id)], _room_refs(rows, s)))
        current.append(s)
        if room and room.capacity is not None and s.expected_attendance is not None \
                and s.expected_attendance > room.capacity:
            out.append(Clash(
                ClashKind.OVER_CAPACITY,
                f"{s.title!r} expects {s.expected_attendance} people; {room.name} seats "
                f"{room.capacity}.", [], [ref(s.id)], _room_refs(rows, s)))

    # Per session: forum dates and speaking time.
    for s in live.values():
        if s.start < forum_lo or s.end > forum_hi:
            out.append(Clash(
                ClashKind.OUTSIDE_FORUM,
                f"{s.title!r} is on {to_zone(s.starts_at, tz).date()}, outside the forum "
                f"({rows.start_date} to {rows.end_date}).", [], [ref(s.id)],
                _room_refs(rows, s)))
    for sid, total in minutes_by_session.items():
        s = live[sid]
        length = (s.end - s.start) // 60
        if total > length:
            out.append(Clash(
                ClashKind.SPEAKING_TIME,
                f"Speaking slots of {s.title!r} add up to {total} min; the session lasts "
                f"{length} min.", [], [ref(s.id)], _room_refs(rows, s)))

    far = _epoch(datetime.max.replace(tzinfo=UTC))
    out.sort(key=lambda c: (c.severity != Severity.ERROR,
                            min((live[r.id].start for r in c.sessions if r.id is not None),
                                default=far),
                            c.kind.value))
    return out


def _room_refs(rows: ForumRows, *sessions: SessionRow) -> list[Ref]:
    seen: dict[int, Ref] = {}
    for s in sessions:
        room = rows.rooms.get(s.room_id) if s.room_id is not None else None
        if room is not None:
            seen.setdefault(room.id, Ref(room.id, room.name))
    return list(seen.values())


def forum_clashes(forum: Forum) -> list[Clash]:
    return find_clashes(load_rows(forum))


def counts(clashes: Iterable[Clash]) -> dict[str, int]:
    c = {"error": 0, "warning": 0}
    for x in clashes:
        c[x.severity.value] += 1
    return c


def clashes_of_assignment(rows: ForumRows, new_slot: SlotRow) -> list[Clash]:
    """The clashes adding ``new_slot`` would create (those not already there)."""
    if new_slot.delegate_id is not None and new_slot.person_name:
        rows.names[new_slot.delegate_id] = new_slot.person_name
    before = {_key(c) for c in find_clashes(rows)}
    rows.slots.append(new_slot)
    try:
        after = find_clashes(rows)
    finally:
        rows.slots.pop()
    def concerns_new(c: Clash) -> bool:
        if not c.people:
            return True
        if new_slot.delegate_id is not None:
            return new_slot.delegate_id in c.delegate_ids
        return any(p.id is None and p.name == new_slot.person_name for p in c.people)

    return [c for c in after if _key(c) not in before
            and new_slot.session_id in c.session_ids and concerns_new(c)]


def _key(c: Clash) -> tuple[Any, ...]:
    return (c.kind, tuple(sorted(c.session_ids)), tuple(sorted(p.name for p in c.people)))
