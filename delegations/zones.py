"""The zone picker's list: the zones of the forum's people first (the forum's own zone at the
top), then every IANA zone, so that nobody scrolls through 500 names to find their own."""

from __future__ import annotations

import sqlalchemy as sa

from .db import db
from .models import Delegate, Delegation, Forum
from .timeutil import zone_names


def people_zones(forum: Forum) -> list[str]:
    """The forum's zone, then its people's home zones by how many people live in each."""
    counts = db.session.execute(
        sa.select(Delegate.home_timezone, sa.func.count(Delegate.id))
        .join(Delegation).where(Delegation.forum_id == forum.id,
                                Delegate.home_timezone.is_not(None))
        .group_by(Delegate.home_timezone)
        .order_by(sa.func.count(Delegate.id).desc(), Delegate.home_timezone)).all()
    out = [forum.timezone]
    out += [z for z, _ in counts if z and z != forum.timezone]
    return out


def picker_zones(forum: Forum) -> tuple[list[str], list[str]]:
    """(the people's zones, every other zone) for a picker's two groups."""
    first = people_zones(forum)
    seen = set(first)
    return first, [z for z in zone_names() if z not in seen]
