"""The ``schedule`` blueprint, the forum overview and the programme as a list by day.

The other screen families (``grid_views``, ``agenda_views``, ``session_views``,
``venue_views``, ``clash_views``) add their routes to ``bp``; ``schedule.init_app`` imports
them before registering it."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, render_template, request
from flask_login import current_user
from sqlalchemy.orm import selectinload

from delegations.db import db
from delegations.forums import forum_or_404
from delegations.models import Accreditation, Delegate, Delegation
from delegations.timeutil import days, is_valid_zone, to_zone, zone_names

from .clashes import counts as clash_counts
from .clashes import forum_clashes
from .models import Session, SpeakerSlot, Venue
from .programme_filter import ProgrammeFilter, filter_choices, filtered_sessions
from .queries import visible_sessions_clause

bp = Blueprint("schedule", __name__)


def viewer_zone(forum_tz: str, fallback: str | None = None) -> str | None:
    """The zone to show beside venue time: a valid ?tz=, else ``fallback`` (None: the
    logged-in delegate's home zone; "": no zone); None when that is venue time anyway."""
    picked = request.args.get("tz", "").strip()
    if picked and is_valid_zone(picked):
        tz: str | None = picked
    elif fallback is not None:
        tz = fallback
    else:
        delegate = current_user.delegate if current_user.is_authenticated else None
        tz = delegate.home_timezone if delegate is not None else None
    return tz if tz and tz != forum_tz else None


@bp.get("/<forum>/")
def overview(forum: str) -> Any:
    f = forum_or_404(forum)
    venues = db.session.scalars(
        sa.select(Venue).where(Venue.forum_id == f.id)
        .options(selectinload(Venue.rooms)).order_by(Venue.name)
    ).all()
    counts = {
        "delegations": db.session.scalar(
            sa.select(sa.func.count(Delegation.id)).where(Delegation.forum_id == f.id)),
        "delegates": db.session.scalar(
            sa.select(sa.func.count(Delegate.id)).join(Delegation)
            .where(Delegation.forum_id == f.id)),
        "approved": db.session.scalar(
            sa.select(sa.func.count(Accreditation.id)).where(
                Accreditation.forum_id == f.id,
                Accreditation.status.in_(["approved", "badge_collected"]))),
        "sessions": db.session.scalar(
            sa.select(sa.func.count(Session.id)).where(
                Session.forum_id == f.id, visible_sessions_clause(current_user))),
        "speaker_slots": db.session.scalar(
            sa.select(sa.func.count(SpeakerSlot.id)).join(Session).where(
                Session.forum_id == f.id, visible_sessions_clause(current_user))),
    }
    clash_totals = None
    if current_user.is_manager:
        clash_totals = clash_counts(forum_clashes(f))
    return render_template("schedule/overview.html", forum=f, venues=venues, counts=counts,
                           clash_totals=clash_totals)


@bp.get("/<forum>/programme/")
def programme(forum: str) -> Any:
    f = forum_or_404(forum)
    home_tz = viewer_zone(f.timezone)
    flt = ProgrammeFilter.from_args(request.args, f)
    sessions = filtered_sessions(f, flt, current_user)
    by_day: dict[date, list[Session]] = defaultdict(list)
    for s in sessions:
        by_day[to_zone(s.starts_at, f.timezone).date()].append(s)
    shown = [flt.day] if flt.day else days(f.start_date, f.end_date)
    return render_template(
        "schedule/programme.html",
        forum=f,
        days=[(d, by_day.get(d, [])) for d in shown if by_day.get(d) or not flt.active]
        + [(d, v) for d, v in sorted(by_day.items()) if d not in shown],
        home_tz=home_tz,
        zone_names=zone_names(),
        flt=flt, choices=filter_choices(f), found=len(sessions),
    )
