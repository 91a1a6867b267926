"""What a write would create: the one preview every form calls before it saves.

``clashes_created(forum, change, ...)`` loads the forum's clash rows once, applies the
proposed change to those plain rows (never to the database), runs the same scan as the
clashes page, and returns the clashes that are new. The forms that can create a clash (a
session added, edited or moved; a speaker added or changed; a delegate's stay; an
accreditation status) describe their write as one of the changes below, show what comes
back, and save only once the person confirmed exactly that list (``confirmed``). The
people screens reach it through ``delegations.write_preview``, where ``init_app`` registers it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import Flask

from delegations.models import Delegate, Forum
from delegations.write_preview import (
    AccreditationChange,
    StayChange,
    confirmed,
    fingerprint,
    given_confirmation,
    register,
)

from .clashes import (
    APPROVED,
    Clash,
    ForumRows,
    Ref,
    SessionRow,
    SlotRow,
    _key,
    find_clashes,
    load_rows,
    slot_row,
)

NEW_SESSION_ID = -1  # the row id a session that does not exist yet gets in the preview


@dataclass(frozen=True)
class SessionChange:
    """A session added (``session_id`` None) or its time, room or status changed."""

    session_id: int | None
    title: str
    starts_at: datetime
    ends_at: datetime
    room_id: int | None = None
    official: bool = False
    expected_attendance: int | None = None
    cancelled: bool = False


@dataclass(frozen=True)
class SlotChange:
    """A speaker added to a session, or their slot changed (same session and person)."""

    session_id: int
    delegate_id: int | None
    name: str  # the delegate's or the guest's name
    minutes: int | None = None
    remote: bool = False
    accredited: bool = True
    arrival: date | None = None
    departure: date | None = None
    replaces_existing: bool = False


def session_change(session_id: int | None, fields: dict[str, Any]) -> SessionChange:
    """The change a session form's fields (``services`` names) describe."""
    status = fields.get("status")
    return SessionChange(session_id, fields["title"], fields["starts_at"], fields["ends_at"],
                         fields.get("room_id"), bool(fields.get("official")),
                         fields.get("expected_attendance"),
                         status is not None and status.value == "cancelled")


def slot_change(session_id: int, delegate: Delegate | None, guest_name: str,
                minutes: int | None, remote: bool, *, replaces_existing: bool = False
                ) -> SlotChange | None:
    """The change adding (or editing) a speaker describes; None for nobody."""
    if delegate is not None:
        acc = delegate.accreditation
        return SlotChange(session_id, delegate.id, delegate.full_name, minutes, remote,
                          acc is not None and acc.status in APPROVED, delegate.arrival_date,
                          delegate.departure_date, replaces_existing)
    if guest_name.strip():
        return SlotChange(session_id, None, guest_name.strip(), minutes, remote,
                          replaces_existing=replaces_existing)
    return None


Change = SessionChange | SlotChange | StayChange | AccreditationChange


def _apply_session(rows: ForumRows, c: SessionChange) -> None:
    new = SessionRow(c.session_id if c.session_id is not None else NEW_SESSION_ID, c.title,
                     c.starts_at, c.ends_at, c.room_id, c.official, c.expected_attendance,
                     c.cancelled)
    rows.sessions = [s for s in rows.sessions if s.id != new.id] + [new]


def _person_key(slot: SlotRow) -> int | str:
    return slot.delegate_id if slot.delegate_id is not None else slot.person_key


def _apply_slot(rows: ForumRows, c: SlotChange) -> None:
    new = slot_row(c.session_id, c.delegate_id, "" if c.delegate_id else c.name, c.minutes,
                   c.remote, c.name, c.accredited, c.arrival, c.departure)
    if c.delegate_id is not None and c.name:
        rows.names[c.delegate_id] = c.name
    if c.replaces_existing:
        key = _person_key(new)
        rows.slots = [s for s in rows.slots
                      if not (s.session_id == c.session_id and _person_key(s) == key)]
    rows.slots = [*rows.slots, new]


def _apply_stay(rows: ForumRows, c: StayChange) -> None:
    rows.slots = [s._replace(arrival=c.arrival, departure=c.departure)
                  if s.delegate_id == c.delegate_id else s for s in rows.slots]


def _apply_accreditation(rows: ForumRows, c: AccreditationChange) -> None:
    official = {s.id for s in rows.sessions if s.official}
    rows.slots = [s._replace(accredited=c.approved or s.session_id not in official)
                  if s.delegate_id == c.delegate_id else s for s in rows.slots]


def apply(rows: ForumRows, change: Change) -> None:
    """Apply one change to the plain rows (lists are replaced, never mutated in place)."""
    if isinstance(change, SessionChange):
        _apply_session(rows, change)
    elif isinstance(change, SlotChange):
        _apply_slot(rows, change)
    elif isinstance(change, StayChange):
        _apply_stay(rows, change)
    else:
        _apply_accreditation(rows, change)


def clashes_created(forum: Forum, *changes: Change, rows: ForumRows | None = None
                    ) -> list[Clash]:
    """The clashes the changes would create that are not there now, errors first."""
    rows = rows if rows is not None else load_rows(forum)
    before = {_key(c) for c in find_clashes(rows)}
    for change in changes:
        apply(rows, change)
    out = [c for c in find_clashes(rows) if _key(c) not in before]
    for c in out:  # a session that does not exist yet has no page to link to
        c.sessions = [Ref(None, s.name) if s.id == NEW_SESSION_ID else s for s in c.sessions]
    return out


__all__ = ["AccreditationChange", "Change", "SessionChange", "SlotChange", "StayChange",
           "clashes_created", "confirmed", "fingerprint", "given_confirmation", "init_app",
           "session_change", "slot_change"]


def init_app(app: Flask) -> None:
    register(app, clashes_created)
