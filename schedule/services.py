"""Programme services: plain arguments in, flushed changes out (the view commits).

Every change to a session bumps its ``revision`` (the iCalendar SEQUENCE, so calendars
replace the old copy) and is written to the change log.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext

from delegations import protocol
from delegations.changelog import record
from delegations.db import db, utcnow
from delegations.models import Delegate, Forum, User
from delegations.signals import people_renamed
from delegations.timeutil import fmt_span

from . import outbox, speaking
from .change_notes import change_note
from .models import Room, Session, SessionStatus, SpeakerRole, SpeakerSlot


def touch_session(session: Session, actor: User | None, action: str, summary: str,
                  details: dict[str, Any] | None = None, note: str = "") -> None:
    """Mark a session as changed: bump its revision, stamp it, log it. ``note`` says what
    the new edition changed for the people in it (empty: nothing they must notice)."""
    session.revision = (session.revision or 0) + 1
    session.change_note = note[:500]
    session.updated_at = utcnow()
    record(actor, "session", session.id, action, summary, details)


def update_session(session: Session, actor: User | None, **changes: Any) -> list[str]:
    """Apply field changes to a session; returns the names of the fields that changed.

    Raises ProgrammeError for bad values and RoomTaken when the room is booked then.
    """
    changed = []
    for name in changes:
        if not hasattr(Session, name):
            raise AttributeError(f"a session has no field {name!r}")
    validate_session_fields({"starts_at": session.starts_at, "ends_at": session.ends_at,
                             **changes})
    before = outbox.snapshot(session)
    with book_room(session):
        for name, value in changes.items():
            if getattr(session, name) != value:
                changed.append(name)
                setattr(session, name, value)
    if changed:
        db.session.flush()
        note = change_note(before, outbox.session_state(session), session.forum.timezone)
        touch_session(session, actor, "update", f"Changed {', '.join(changed)} of "
                      f"{session.title!r}", {"fields": changed}, note=note)
        outbox.session_changed(session, before)
    db.session.flush()
    return changed


def cancel_session(session: Session, actor: User | None) -> None:
    """Cancelling keeps the session, marked cancelled, so calendars can be told."""
    if session.status == SessionStatus.CANCELLED:
        return
    before = outbox.snapshot(session)
    session.status = SessionStatus.CANCELLED
    touch_session(session, actor, "cancel", f"Cancelled {session.title!r}", note="Cancelled.")
    outbox.session_changed(session, before)
    db.session.flush()


# ----------------------------------------------------------------------------- programme editing


class ProgrammeError(ValueError):
    """A change the programme refuses, with a message for the user."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class RoomTaken(ProgrammeError):
    """The room is already booked at that time (someone may have just saved it)."""


def refresh_sessions(where: sa.ColumnElement[bool], actor: User | None, summary: str) -> int:
    """Something sessions show changed outside them (a room, a venue, a speaker's name):
    bump their revision in one UPDATE so calendars and books pick it up. Returns how many."""
    ids = list(db.session.scalars(sa.select(Session.id).where(where)))
    if ids:
        db.session.execute(
            sa.update(Session).where(Session.id.in_(ids))
            .values(revision=Session.revision + 1, updated_at=utcnow())
            .execution_options(synchronize_session="fetch"))
        record(actor, "session", None, "refresh", summary, {"sessions": ids})
        db.session.flush()
    return len(ids)


def begin_programme_write() -> None:
    """Start a transaction that holds the write lock from its first statement.

    PostgreSQL needs nothing: the exclusion constraint makes the second of two concurrent
    bookings wait for the first and then fail. SQLite runs one writer at a time, but a
    transaction that has read before it writes works on an old snapshot; taking the write
    lock first (waiting for busy_timeout) means every check and the trigger see the latest
    committed programme. Call it at the start of a view that books rooms; it ends the
    current (read-only) transaction.
    """
    if db.engine.dialect.name != "sqlite":
        return
    if db.session.in_transaction():
        db.session.commit()
    # A write statement takes SQLite's RESERVED/WAL write lock at once, even when it
    # changes no row.
    db.session.execute(sa.text("UPDATE session SET revision = revision WHERE 1 = 0"))


def _is_room_clash(exc: BaseException) -> bool:
    text = str(getattr(exc, "orig", exc))
    return "room_double_booked" in text


@dataclass(frozen=True)
class _Booking:
    session_id: int | None
    room_id: int | None
    starts_at: datetime
    ends_at: datetime
    cancelled: bool
    timezone: str


def _booking_of(session: Session) -> _Booking:
    return _Booking(session.id, session.room_id, session.starts_at, session.ends_at,
                    session.status == SessionStatus.CANCELLED,
                    session.forum.timezone if session.forum else "UTC")


def _overlapping(b: _Booking) -> list[tuple[str, datetime, datetime]]:
    if b.room_id is None or b.cancelled:
        return []
    q = sa.select(Session.title, Session.starts_at, Session.ends_at).where(
        Session.room_id == b.room_id,
        Session.status != SessionStatus.CANCELLED,
        Session.starts_at < b.ends_at,
        Session.ends_at > b.starts_at,
    )
    if b.session_id is not None:
        q = q.where(Session.id != b.session_id)
    with db.session.no_autoflush:
        return [tuple(r) for r in db.session.execute(q.order_by(Session.starts_at))]


def _room_taken_message(b: _Booking, others: list[tuple[str, datetime, datetime]]) -> str:
    with db.session.no_autoflush:
        room_name = db.session.scalar(sa.select(Room.name).where(Room.id == b.room_id))
    where = room_name or gettext("The room")
    if not others:
        return gettext("%(room)s was just booked by someone else at that time; the change was "
                       "not saved. Pick another room or time.", room=where)
    names = "; ".join(f"{t!r} {fmt_span(a, z, b.timezone)}"
                      for t, a, z in others)
    return gettext("%(room)s is already booked at that time: %(sessions)s. Pick another room "
                   "or time.", room=where, sessions=names)


@contextmanager
def book_room(session: Session) -> Iterator[None]:
    """Book a room: the one place a session is put in a room at a time.

    Apply a booking change inside a savepoint. The body makes the change (adds the session or sets its fields); on leaving, the
    room is checked and the change flushed. Another session in the room at that time
    (seen by the check, or by the database's constraint or trigger when two saves race)
    rolls the savepoint back and raises RoomTaken with the sessions that hold the room.
    """
    db.session.flush()  # earlier changes belong to the outer transaction
    try:
        with db.session.begin_nested():
            yield
            with db.session.no_autoflush:
                booking = _booking_of(session)
            others = _overlapping(booking)
            if others:
                raise RoomTaken(_room_taken_message(booking, others), "room_id")
            db.session.flush()
    except sa.exc.IntegrityError as exc:
        if not _is_room_clash(exc):
            raise
        raise RoomTaken(_room_taken_message(booking, _overlapping(booking)),
                        "room_id") from exc


def overlaps_among(sessions: list[Session]) -> list[tuple[Session, Session]]:
    """Pairs (earlier, later) of sessions not yet written that hold one room at once: the
    check a whole file gets before any of it is booked (the database never sees them)."""
    by_room: dict[int, list[Session]] = {}
    for se in sessions:
        if se.room is not None and se.starts_at and se.ends_at \
                and se.status != SessionStatus.CANCELLED:
            by_room.setdefault(id(se.room), []).append(se)
    found = []
    for items in by_room.values():
        items.sort(key=lambda s: s.starts_at)
        found += [(a, b) for a, b in zip(items, items[1:], strict=False)
                  if b.starts_at < a.ends_at]
    return found


def validate_session_fields(fields: dict[str, Any]) -> None:
    if not str(fields.get("title", "x")).strip():
        raise ProgrammeError(gettext("A session needs a title."), "title")
    start, end = fields.get("starts_at"), fields.get("ends_at")
    if start is not None and end is not None and end <= start:
        raise ProgrammeError(gettext("The session must end after it starts."), "ends_at")
    att = fields.get("expected_attendance")
    if att is not None and att < 0:
        raise ProgrammeError(gettext("Expected attendance cannot be negative."),
                             "expected_attendance")


def create_session(forum: Forum, actor: User | None, **fields: Any) -> Session:
    """Add a session; raises ProgrammeError (RoomTaken when the room is booked)."""
    validate_session_fields(fields)
    session = Session(forum=forum, **fields)
    if session.private is None:
        session.private = session.kind.private_by_default
    with book_room(session):
        db.session.add(session)
    touch_session(session, actor, "create", f"Added {session.title!r}")
    db.session.flush()
    return session


def add_speaker(session: Session, actor: User | None, *, delegate: Delegate | None = None,
                guest_name: str = "", guest_function: str = "",
                role: SpeakerRole = SpeakerRole.SPEAKER, order: int | None = None,
                minutes: int | None = None, remote: bool = False,
                notes: str = "") -> SpeakerSlot:
    if delegate is None and not guest_name.strip():
        raise ProgrammeError(gettext("Pick a delegate or give an external guest's name."),
                             "delegate_id")
    if delegate is not None:
        if delegate.delegation.forum_id != session.forum_id:
            raise ProgrammeError(gettext("That delegate belongs to another forum."), "delegate_id")
        if any(s.delegate_id == delegate.id for s in session.speaker_slots):
            raise ProgrammeError(gettext("%(name)s is already in this session.",
                                         name=delegate.display_name),
                                 "delegate_id")
    if minutes is not None and minutes < 0:
        raise ProgrammeError(gettext("Minutes cannot be negative."), "minutes")
    if order is None:
        order = max((s.order for s in session.speaker_slots), default=0) + 1
    before = outbox.snapshot(session)
    slot = SpeakerSlot(delegate=delegate, guest_name=guest_name.strip(),
                       guest_function=guest_function.strip(), role=role, order=order,
                       minutes=minutes, remote=remote, notes=notes)
    session.speaker_slots.append(slot)
    who = delegate.display_name if delegate else slot.guest_name
    touch_session(session, actor, "speaker:add", f"Added {who} ({role.label}) to "
                  f"{session.title!r}", {"delegate_id": delegate.id if delegate else None,
                                         "guest_name": slot.guest_name})
    outbox.session_changed(session, before)
    return slot


def update_slot(slot: SpeakerSlot, actor: User | None, **changes: Any) -> list[str]:
    before = outbox.snapshot(slot.session)
    changed = []
    for name, value in changes.items():
        if getattr(slot, name) != value:
            setattr(slot, name, value)
            changed.append(name)
    if changed:
        touch_session(slot.session, actor, "speaker:update",
                      f"Changed {', '.join(changed)} of {slot.speaker_name} in "
                      f"{slot.session.title!r}", {"slot_id": slot.id, "fields": changed})
        outbox.session_changed(slot.session, before)
    db.session.flush()
    return changed


def protocol_order_key(slot: SpeakerSlot) -> tuple[Any, ...]:
    """Where a speaker stands in a protocol-ordered list: those who run the session first,
    then delegates by their delegation's category, their level (Head of State before Head of
    Government, minister before vice-minister), then name; guests, whose rank the programme
    does not know, after them in the order they had; listeners last."""
    if slot.role in speaking.CHAIR_ROLES:
        return (0, slot.order)
    if slot.role not in speaking.SPEAKING_ROLES:
        return (3, slot.order)
    p = slot.delegate
    if p is None:
        return (2, slot.order)
    return (1, p.delegation.category.rank, p.level.rank,
            protocol.collation_key(p.family_name), protocol.collation_key(p.given_names))


def sort_speakers_by_protocol(session: Session, actor: User | None) -> bool:
    """Renumber the session's speaking order by protocol; True when the order changed.
    The coordinator can still move anyone afterwards."""
    slots = sorted(session.speaker_slots, key=lambda sl: (sl.order, sl.id))
    ordered = sorted(slots, key=protocol_order_key)
    if [sl.id for sl in ordered] == [sl.id for sl in slots] and all(
            sl.order == i for i, sl in enumerate(ordered, start=1)):
        return False
    before = outbox.snapshot(session)
    for i, sl in enumerate(ordered, start=1):
        sl.order = i
    touch_session(session, actor, "speaker:sort",
                  f"Speakers of {session.title!r} sorted by protocol")
    outbox.session_changed(session, before)
    db.session.flush()
    return True


def remove_speaker(slot: SpeakerSlot, actor: User | None) -> None:
    session = slot.session
    who = slot.speaker_name
    before = outbox.snapshot(session)
    session.speaker_slots.remove(slot)
    touch_session(session, actor, "speaker:remove", f"Removed {who} from {session.title!r}")
    outbox.session_changed(session, before)


def _on_people_renamed(actor: User | None, delegate_ids: list[int], **_: Any) -> None:
    if delegate_ids:
        refresh_sessions(
            Session.id.in_(sa.select(SpeakerSlot.session_id)
                           .where(SpeakerSlot.delegate_id.in_(delegate_ids))),
            actor, "Speaker names changed")


def connect_signals() -> None:
    people_renamed.connect(_on_people_renamed)
