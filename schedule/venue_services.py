"""Venues, rooms and the travel times between venues: plain arguments in, flushed changes
out (the view commits). A renamed room or venue bumps the sessions that show it."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext

from delegations.changelog import record
from delegations.db import db
from delegations.models import Forum, User

from .models import Room, Session, Venue, VenueTravel
from .services import ProgrammeError, refresh_sessions


def save_venue(forum: Forum, actor: User | None, venue: Venue | None = None,
               **fields: Any) -> Venue:
    name = str(fields.get("name", venue.name if venue else "")).strip()
    if not name:
        raise ProgrammeError(gettext("A venue needs a name."), "name")
    clash = db.session.scalar(sa.select(Venue.id).where(
        Venue.forum_id == forum.id, Venue.name == name,
        Venue.id != (venue.id if venue and venue.id else -1)))
    if clash is not None:
        raise ProgrammeError(gettext("This forum already has a venue called %(name)s.",
                                     name=repr(name)), "name")
    created = venue is None
    if venue is None:
        venue = Venue(forum=forum)
        db.session.add(venue)
    for k, v in fields.items():
        setattr(venue, k, v.strip() if isinstance(v, str) else v)
    db.session.flush()
    record(actor, "venue", venue.id, "create" if created else "update",
           f"{'Added' if created else 'Changed'} venue {venue.name!r}")
    if not created and {"name", "address"} & set(fields):
        refresh_sessions(Session.room_id.in_(sa.select(Room.id).where(Room.venue_id == venue.id)),
                         actor, f"Venue {venue.name!r} changed")
    return venue


def set_travel(a: Venue, b: Venue, minutes: int | None, actor: User | None = None) -> None:
    """Travel minutes between two venues, both ways (None removes it)."""
    if a.id == b.id:
        return
    lo, hi = (a.id, b.id) if a.id < b.id else (b.id, a.id)
    row = db.session.scalar(sa.select(VenueTravel).where(
        VenueTravel.from_venue_id == lo, VenueTravel.to_venue_id == hi))
    if minutes is None:
        if row is not None:
            db.session.delete(row)
    elif minutes < 0:
        raise ProgrammeError(gettext("Travel minutes cannot be negative."), "travel")
    elif row is None:
        db.session.add(VenueTravel(from_venue_id=lo, to_venue_id=hi, minutes=minutes))
    elif row.minutes != minutes:
        row.minutes = minutes
    else:
        return
    db.session.flush()
    record(actor, "venue", a.id, "travel", f"Travel {a.name!r} - {b.name!r}: {minutes} min")


def save_room(venue: Venue, actor: User | None, room: Room | None = None,
              **fields: Any) -> Room:
    name = str(fields.get("name", room.name if room else "")).strip()
    if not name:
        raise ProgrammeError(gettext("A room needs a name."), "name")
    if fields.get("capacity") is not None and fields["capacity"] < 0:
        raise ProgrammeError(gettext("Capacity cannot be negative."), "capacity")
    clash = db.session.scalar(sa.select(Room.id).where(
        Room.venue_id == venue.id, Room.name == name,
        Room.id != (room.id if room and room.id else -1)))
    if clash is not None:
        raise ProgrammeError(gettext("%(venue)s already has a room called %(name)s.",
                                     venue=venue.name, name=repr(name)), "name")
    created = room is None
    if room is None:
        room = Room(venue=venue)
        db.session.add(room)
    for k, v in fields.items():
        setattr(room, k, v.strip() if isinstance(v, str) else v)
    db.session.flush()
    record(actor, "room", room.id, "create" if created else "update",
           f"{'Added' if created else 'Changed'} room {room.name!r} ({venue.name})")
    if not created and "name" in fields:
        refresh_sessions(Session.room_id == room.id, actor, f"Room {room.name!r} changed")
    return room
