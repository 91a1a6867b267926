"""The programme's filters, kept in the URL so a filtered list can be bookmarked and sent:
``day``, ``kind``, ``room``, ``delegation`` (someone of it speaks or takes part) and ``q``
(words of the title, organiser or chairs). One query whatever the size of the forum."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from delegations.db import db
from delegations.models import Delegate, Delegation, Forum, User
from delegations.timeutil import day_bounds

from .models import Room, Session, SessionKind, SpeakerSlot, Venue
from .queries import visible_sessions_clause


@dataclass(frozen=True)
class ProgrammeFilter:
    day: date | None = None
    kind: SessionKind | None = None
    room_id: int | None = None
    delegation_id: int | None = None
    q: str = ""

    @classmethod
    def from_args(cls, args: Any, forum: Forum) -> ProgrammeFilter:
        """What the URL asks for; anything unreadable or outside the forum is ignored."""
        day: date | None = None
        try:
            day = date.fromisoformat(args.get("day", ""))
        except ValueError:
            day = None
        kind = None
        if args.get("kind") in {k.value for k in SessionKind}:
            kind = SessionKind(args["kind"])
        room = args.get("room", type=int)
        delegation = args.get("delegation", type=int)
        return cls(day, kind, room, delegation, " ".join(args.get("q", "").split())[:100])

    @property
    def active(self) -> bool:
        return any((self.day, self.kind, self.room_id, self.delegation_id, self.q))


def filtered_sessions(forum: Forum, flt: ProgrammeFilter, user: User | None) -> list[Session]:
    first, last = (flt.day, flt.day) if flt.day else (forum.start_date, forum.end_date)
    lo, _ = day_bounds(first, forum.timezone)
    _, hi = day_bounds(last, forum.timezone)
    q = sa.select(Session).where(Session.forum_id == forum.id, visible_sessions_clause(user))
    if flt.day or not flt.active:
        q = q.where(Session.starts_at < hi, Session.ends_at > lo)
    if flt.kind:
        q = q.where(Session.kind == flt.kind)
    if flt.room_id:
        q = q.where(Session.room_id == flt.room_id)
    if flt.delegation_id:
        q = q.where(Session.id.in_(
            sa.select(SpeakerSlot.session_id).join(Delegate)
            .where(Delegate.delegation_id == flt.delegation_id)))
    if flt.q:
        for word in flt.q.lower().split()[:5]:
            like = f"%{word.replace('%', '').replace('_', '')}%"
            q = q.where(sa.or_(sa.func.lower(Session.title).like(like),
                               sa.func.lower(Session.organiser).like(like),
                               sa.func.lower(Session.chairs).like(like)))
    return list(db.session.scalars(q.options(
        selectinload(Session.room).selectinload(Room.venue),
        selectinload(Session.speaker_slots).selectinload(SpeakerSlot.delegate)
        .selectinload(Delegate.delegation),
    ).order_by(Session.starts_at, Session.ends_at, Session.title)))


def filter_choices(forum: Forum) -> dict[str, Any]:
    """The lists the filter form offers: rooms by venue, delegations."""
    rooms = db.session.execute(
        sa.select(Room.id, Room.name, Venue.name).join(Venue)
        .where(Venue.forum_id == forum.id).order_by(Venue.name, Room.name)).all()
    delegations = db.session.execute(
        sa.select(Delegation.id, Delegation.name).where(Delegation.forum_id == forum.id)
        .order_by(Delegation.name)).all()
    return {"rooms": rooms, "delegations": delegations, "kinds": list(SessionKind)}
