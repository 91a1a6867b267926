"""A new forum from last year's: the structure (venues, rooms, travel times, partner quotas,
deadlines moved by the same number of days), never the people or the programme."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from delegations import changelog
from delegations.db import db
from delegations.forum_setup import create_forum
from delegations.models import Deadline, Forum, PartnerQuota, User

from .models import Room, Venue, VenueTravel


def duplicate_forum(source: Forum, actor: User | None, values: dict[str, Any]) -> Forum:
    """Create a forum from ``values`` with ``source``'s structure. Deadlines move by the
    shift between the two first days."""
    forum = create_forum(actor, values)
    shift = timedelta(days=(forum.start_date - source.start_date).days)
    venue_ids: dict[int, Venue] = {}
    for v in db.session.scalars(sa.select(Venue).where(Venue.forum_id == source.id)
                                .order_by(Venue.id)):
        copy = Venue(forum=forum, name=v.name, address=v.address,
                     access_instructions=v.access_instructions)
        copy.rooms = [Room(name=r.name, capacity=r.capacity, online=r.online,
                           interpretation_languages=r.interpretation_languages)
                      for r in v.rooms]
        db.session.add(copy)
        venue_ids[v.id] = copy
    db.session.flush()
    for t in db.session.scalars(sa.select(VenueTravel).where(
            VenueTravel.from_venue_id.in_(list(venue_ids)))):
        a, b = venue_ids[t.from_venue_id].id, venue_ids[t.to_venue_id].id
        db.session.add(VenueTravel(from_venue_id=min(a, b), to_venue_id=max(a, b),
                                   minutes=t.minutes))
    for q in source.quotas:
        db.session.add(PartnerQuota(forum=forum, organisation_id=q.organisation_id,
                                    quota=q.quota))
    for d in source.deadlines:
        db.session.add(Deadline(forum=forum, kind=d.kind, title=d.title,
                                due_at=d.due_at + shift, notes=d.notes))
    db.session.flush()
    changelog.record(actor, "forum", forum.id, "duplicate",
                     f"{forum.short_name} set up from {source.short_name}: {len(venue_ids)} "
                     f"venue(s), {len(source.quotas)} quota(s), {len(source.deadlines)} "
                     "deadline(s)")
    return forum
