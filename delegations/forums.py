"""Looking up the forum a URL names, and which forum a user works in."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, g

from .db import db
from .models import Forum, Role, User


def forum_or_404(short_name: str) -> Forum:
    forum = db.session.scalar(sa.select(Forum).where(Forum.short_name == short_name))
    if forum is None:
        abort(404)
    g.forum = forum
    return forum


def forums_for(user: User) -> list[Forum]:
    if user.is_manager or user.role == Role.DESK:  # forum staff, not a delegation's
        return list(db.session.scalars(sa.select(Forum).order_by(Forum.start_date.desc())))
    if user.delegation is not None:
        return [user.delegation.forum]
    if user.delegate is not None:
        return [user.delegate.delegation.forum]
    return []
