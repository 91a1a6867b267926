"""The programme's objects in the one access module: which forum each belongs to and who
sees it. Sessions keep their existence secret (404) from who may not see them."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask

from delegations import access
from delegations.db import db
from delegations.models import User

from .models import Room, Session, SpeakerSlot, Venue
from .queries import visible_sessions_clause


def can_see_session(user: User, s: Session) -> bool:
    if access.is_manager(user) or not s.private:
        return True
    return db.session.scalar(sa.select(Session.id).where(
        Session.id == s.id, visible_sessions_clause(user))) is not None


def init_app(app: Flask) -> None:
    access.register(Session, forum_id=lambda o: o.forum_id, can_see=can_see_session,
                    hidden=404)
    access.register(Venue, forum_id=lambda o: o.forum_id)
    access.register(Room, forum_id=lambda o: o.venue.forum_id)
    access.register(SpeakerSlot, forum_id=lambda o: o.session.forum_id,
                    can_see=lambda u, o: can_see_session(u, o.session), hidden=404)
