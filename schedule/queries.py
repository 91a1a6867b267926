"""Read helpers for the programme: which sessions a user may see, day by day."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from delegations.db import db
from delegations.models import Delegate, Forum, User
from delegations.timeutil import day_bounds

from .models import Room, Session, SpeakerSlot


def visible_sessions_clause(user: User | None) -> sa.ColumnElement[bool]:
    """Public sessions for everyone; private ones for managers and the people in them."""
    if user is not None and user.is_manager:
        return sa.true()
    if user is None:
        return Session.private.is_(False)
    people = sa.select(SpeakerSlot.session_id).join(Delegate)
    if user.delegate_id is not None:
        people = people.where(SpeakerSlot.delegate_id == user.delegate_id)
    elif user.delegation_id is not None:
        people = people.where(Delegate.delegation_id == user.delegation_id)
    else:
        return Session.private.is_(False)
    return sa.or_(Session.private.is_(False), Session.id.in_(people))


def sessions_between(
    forum: Forum, start: date, end: date, user: User | None
) -> list[Session]:
    lo, _ = day_bounds(start, forum.timezone)
    _, hi = day_bounds(end, forum.timezone)
    return list(
        db.session.scalars(
            sa.select(Session)
            .where(
                Session.forum_id == forum.id,
                Session.starts_at < hi,
                Session.ends_at > lo,
                visible_sessions_clause(user),
            )
            .options(
                selectinload(Session.room).selectinload(Room.venue),
                selectinload(Session.speaker_slots)
                .selectinload(SpeakerSlot.delegate)
                .selectinload(Delegate.delegation),
            )
            .order_by(Session.starts_at, Session.ends_at, Session.title)
        )
    )
