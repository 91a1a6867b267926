"""What the programme's screens share: loading an object of the forum the viewer may see,
room choices, agenda days."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_login import current_user
from sqlalchemy.orm import selectinload
from wtforms import SelectChoice

from delegations.access import get_or_404_for
from delegations.db import db
from delegations.models import Delegate, Delegation, Forum
from delegations.timeutil import to_zone

from .models import Room, Session, SpeakerSlot, Venue


def get_in_forum(model: Any, ident: int | None, forum: Forum) -> Any:
    """``model`` number ``ident`` of ``forum`` if the viewer may see it; else 404/403."""
    return get_or_404_for(current_user, model, ident, forum)


def visible_session_or_404(f: Forum, session_id: int) -> Session:
    return get_or_404_for(current_user, Session, session_id, f,
                          options=session_load_options())


def room_choices(f: Forum) -> list[SelectChoice]:
    rooms = db.session.execute(
        sa.select(Room.id, Room.name, Venue.name, Room.capacity).join(Venue)
        .where(Venue.forum_id == f.id).order_by(Venue.name, Room.name)).all()
    return [SelectChoice("", "— no room —")] + [
        SelectChoice(str(r[0]), f"{r[1]}" + (f" ({r[3]} seats)" if r[3] else ""), optgroup=r[2])
        for r in rooms]


def agenda_days(f: Forum, sessions: list[Session]) -> list[tuple[date, list[Session]]]:
    by_day: dict[date, list[Session]] = defaultdict(list)
    for s in sessions:
        by_day[to_zone(s.starts_at, f.timezone).date()].append(s)
    return sorted(by_day.items())


def session_load_options() -> list[Any]:
    return [
        selectinload(Session.room).selectinload(Room.venue),
        selectinload(Session.speaker_slots).selectinload(SpeakerSlot.delegate)
        .selectinload(Delegate.delegation),
    ]


def search_delegates(f: Forum, q: str, limit: int = 30) -> list[Delegate]:
    """Delegates of the forum whose name or delegation contains ``q`` (the speaker picker)."""
    if not q:
        return []
    like = f"%{q.lower()}%"
    name = sa.func.lower(Delegate.given_names + " " + Delegate.family_name)
    return list(db.session.scalars(
        sa.select(Delegate).join(Delegation)
        .where(Delegation.forum_id == f.id,
               sa.or_(name.like(like), sa.func.lower(Delegation.name).like(like),
                      sa.func.lower(Delegate.family_name).like(like)))
        .options(selectinload(Delegate.delegation))
        .order_by(Delegation.name, Delegate.family_name).limit(limit)))
