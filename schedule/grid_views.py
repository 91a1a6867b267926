"""The day grid: one column per room, sessions drawn to scale in venue time."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import render_template, request
from flask_login import current_user
from sqlalchemy.orm import joinedload

from delegations.db import db
from delegations.forums import forum_or_404
from delegations.timeutil import (
    day_bounds,
    days,
    to_zone,
    zone_names,
)

from .models import (
    Room,
    Session,
    Venue,
)
from .queries import visible_sessions_clause
from .views import bp, viewer_zone

SLOT_MINUTES = 15




@bp.get("/<forum>/grid/")
def grid(forum: str) -> Any:
    f = forum_or_404(forum)
    home_tz = viewer_zone(f.timezone)
    forum_days = days(f.start_date, f.end_date)
    try:
        day = date.fromisoformat(request.args.get("day", ""))
    except ValueError:
        today = to_zone(datetime.now().astimezone(), f.timezone).date()
        day = today if f.start_date <= today <= f.end_date else f.start_date
    lo, hi = day_bounds(day, f.timezone)
    # One query for the day's sessions with their rooms (the grid shows no speakers).
    sessions = list(db.session.scalars(
        sa.select(Session)
        .where(Session.forum_id == f.id, Session.starts_at < hi, Session.ends_at > lo,
               visible_sessions_clause(current_user))
        .options(joinedload(Session.room).joinedload(Room.venue))
        .order_by(Session.starts_at, Session.ends_at, Session.title)))
    rooms = db.session.execute(
        sa.select(Room.id, Room.name, Venue.name, Room.capacity).join(Venue)
        .where(Venue.forum_id == f.id).order_by(Venue.name, Room.name)).all()
    used = {s.room_id for s in sessions}
    # A coordinator can move a session into any room, so every room gets a column.
    movable = current_user.is_authenticated and current_user.is_manager
    columns: list[dict[str, Any]] = [
        {"id": r[0], "name": r[1], "venue": r[2], "capacity": r[3]}
        for r in rooms if movable or r[0] in used]
    if any(s.room_id is None for s in sessions):
        columns.append({"id": None, "name": "Elsewhere / online", "venue": "", "capacity": None})
    col_index = {c["id"]: i + 2 for i, c in enumerate(columns)}
    # Time rows: from the hour before the first start to the hour after the last end,
    # counted in real elapsed minutes from the day's start, so a 23- or 25-hour day
    # still draws every session to scale.
    if sessions or movable:
        first, last = _span(sessions, lo, hi, f.timezone, movable)
        first_local = to_zone(first, f.timezone).replace(minute=0, second=0, microsecond=0)
        top = max(lo, first_local.astimezone(lo.tzinfo))
        span = int((last - top).total_seconds() // 60)
        rows_n = max(4, -(-span // SLOT_MINUTES))
    else:
        top, rows_n = lo, 0
    times = []
    for i in range(0, rows_n, 60 // SLOT_MINUTES):
        at = top + timedelta(minutes=i * SLOT_MINUTES)
        times.append({"row": i + 2, "at": at})
    blocks = []
    for s in sessions:
        start = max(s.starts_at, top)
        end = min(s.ends_at, hi)
        r0 = int((start - top).total_seconds() // 60) // SLOT_MINUTES + 2
        r1 = max(r0 + 1, -(-int((end - top).total_seconds() // 60) // SLOT_MINUTES) + 2)
        blocks.append({"s": s, "col": col_index[s.room_id], "row0": r0, "row1": r1})
    return render_template(
        "schedule/grid.html", forum=f, day=day, forum_days=forum_days, columns=columns,
        times=times, blocks=blocks, rows_n=rows_n, home_tz=home_tz, zone_names=zone_names(),
        lo=lo, hi=hi, movable=movable, top=top, slot_minutes=SLOT_MINUTES)


def _span(sessions: list[Session], lo: datetime, hi: datetime, tz: str,
          movable: bool) -> tuple[datetime, datetime]:
    """The instants the grid covers: its sessions, and for a coordinator at least the
    working day (08:00-20:00 venue time) so there is room to move a session into."""
    starts = [s.starts_at for s in sessions]
    ends = [s.ends_at for s in sessions]
    if movable:
        morning = to_zone(lo, tz).replace(hour=8).astimezone(lo.tzinfo)
        evening = to_zone(lo, tz).replace(hour=20).astimezone(lo.tzinfo)
        starts.append(morning)
        ends.append(evening)
    return max(lo, min(starts)), min(hi, max(ends))
