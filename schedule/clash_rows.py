"""The clash scan's input: plain rows of a forum (sessions, rooms, speaker slots, travel
times) read with a constant number of queries, so the scan itself never queries per slot."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, NamedTuple

import sqlalchemy as sa

from delegations.db import db
from delegations.gcpause import gc_paused
from delegations.models import Accreditation, AccreditationStatus, Delegate, Delegation, Forum

from .models import Room, Session, SessionStatus, SpeakerSlot, Venue, VenueTravel
from .speaking import speaking_minutes_sql

APPROVED = (AccreditationStatus.APPROVED, AccreditationStatus.BADGE_COLLECTED)


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


@gc_paused()
def load_rows(forum: Forum) -> ForumRows:
    """Everything the scan needs, in a handful of queries whatever the size of the forum."""
    rows = ForumRows(timezone=forum.timezone, start_date=forum.start_date,
                     end_date=forum.end_date)
    for r in db.session.execute(
        sa.select(Room.id, Room.name, Room.venue_id, Room.capacity, Venue.name)
        .join(Venue).where(Venue.forum_id == forum.id)
    ):
        rows.rooms[r[0]] = RoomRow(r[0], r[1], r[2], r[3])
        rows.venue_names[r[2]] = r[4]
    conn = db.session.connection()
    _load_sessions(conn, forum, rows)
    _load_slots(conn, forum, rows)
    rows.name_loader = _load_names
    for t in db.session.execute(
        sa.select(VenueTravel.from_venue_id, VenueTravel.to_venue_id, VenueTravel.minutes)
        .join(Venue, Venue.id == VenueTravel.from_venue_id).where(Venue.forum_id == forum.id)
    ).all():
        rows.travel[(min(t[0], t[1]), max(t[0], t[1]))] = t[2]
    return rows


def _epoch_column(conn: sa.Connection, col: Any) -> Any:
    """Whole seconds since 1970 computed by the database, so the scan compares ints and
    never builds 10,000 datetimes. SQLite keeps naive UTC text; PostgreSQL timestamptz."""
    if conn.dialect.name == "sqlite":
        return sa.cast(sa.func.strftime("%s", col), sa.Integer)
    return sa.cast(sa.func.floor(sa.extract("epoch", col)), sa.BigInteger)


def _load_sessions(conn: sa.Connection, forum: Forum, rows: ForumRows) -> None:
    cancelled = SessionStatus.CANCELLED.value
    new_session = SessionRow.__new__
    for sid, title, start, end, room_id, is_official, attendance, status in conn.execute(
        sa.select(Session.id, Session.title, _epoch_column(conn, Session.starts_at),
                  _epoch_column(conn, Session.ends_at),
                  Session.room_id, Session.official, Session.expected_attendance,
                  sa.type_coerce(Session.status, sa.String))
        .where(Session.forum_id == forum.id)
    ).all():
        s = new_session(SessionRow)
        s.id, s.title, s.start, s.end, s.room_id = sid, title, start, end, room_id
        s.official, s.expected_attendance = bool(is_official), attendance
        s.cancelled = status == cancelled
        rows.sessions.append(s)


def _load_slots(conn: sa.Connection, forum: Forum, rows: ForumRows) -> None:
    """The speaker slots, each with whether its delegate may be there (accredited for an
    official session) and their stay. Accreditation matters for people in official sessions
    only; arrival and departure for the few delegates who gave them; names for the people
    in clashes (loaded after the scan). So the 30,000-slot read joins nothing."""
    forum_sessions = sa.select(Session.id).where(Session.forum_id == forum.id)
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
