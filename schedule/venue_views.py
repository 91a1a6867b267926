"""Venues, rooms and travel times between venues."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from delegations.auth import manager_required
from delegations.db import db
from delegations.forums import forum_or_404
from delegations.models import Forum

from .models import (
    Room,
    Venue,
    VenueTravel,
)
from .programme_forms import RoomForm, VenueForm
from .services import (
    ProgrammeError,
)
from .venue_services import save_room, save_venue, set_travel
from .view_support import (
    get_in_forum,
)
from .views import bp


@bp.get("/<forum>/venues/")
@manager_required
def venues(forum: str) -> Any:
    f = forum_or_404(forum)
    vs = db.session.scalars(sa.select(Venue).where(Venue.forum_id == f.id)
                            .options(selectinload(Venue.rooms)).order_by(Venue.name)).all()
    travel = {(t.from_venue_id, t.to_venue_id): t.minutes for t in db.session.scalars(
        sa.select(VenueTravel).join(Venue, Venue.id == VenueTravel.from_venue_id)
        .where(Venue.forum_id == f.id))}
    return render_template("schedule/venues.html", forum=f, venues=vs, travel=travel)


def _travel_inputs(f: Forum, venue: Venue | None, typed: bool) -> list[dict[str, Any]]:
    """One row per other venue: travel minutes as stored, or as typed (``typed``: POST)."""
    others = db.session.scalars(sa.select(Venue).where(
        Venue.forum_id == f.id, Venue.id != (venue.id if venue else -1)).order_by(Venue.name))
    out = []
    for o in others:
        minutes = None
        if venue is not None:
            lo, hi = sorted((venue.id, o.id))
            minutes = db.session.scalar(sa.select(VenueTravel.minutes).where(
                VenueTravel.from_venue_id == lo, VenueTravel.to_venue_id == hi))
        value = request.form.get(f"travel-{o.id}") if typed else None
        out.append({"venue": o, "minutes": value if value is not None else
                    ("" if minutes is None else minutes)})
    return out


def _venue_form_page(f: Forum, form: VenueForm, venue: Venue | None,
                     travel_rows: list[dict[str, Any]], venue_id: int | None) -> Any:
    action = (url_for("schedule.venue_new_post", forum=f.short_name) if venue_id is None
              else url_for("schedule.venue_edit_post", forum=f.short_name, venue_id=venue_id))
    return render_template("schedule/venue_form.html", forum=f, form=form, venue=venue,
                           travel_rows=travel_rows, action=action), \
        422 if form.form_errors else 200


def _venueget_in_forum(forum: str, venue_id: int | None) -> Any:
    f = forum_or_404(forum)
    venue = get_in_forum(Venue, venue_id, f) if venue_id is not None else None
    form = VenueForm(obj=venue)
    return _venue_form_page(f, form, venue, _travel_inputs(f, venue, typed=False), venue_id)


def _venue_post(forum: str, venue_id: int | None) -> Any:
    f = forum_or_404(forum)
    venue = get_in_forum(Venue, venue_id, f) if venue_id is not None else None
    form = VenueForm()
    travel_rows = _travel_inputs(f, venue, typed=True)
    if form.validate():
        try:
            parsed: list[tuple[Venue, int | None]] = []
            for row in travel_rows:
                raw = str(row["minutes"]).strip()
                if raw and not raw.isdigit():
                    raise ProgrammeError(f"Travel minutes to {row['venue'].name} must be a "
                                         "whole number.", "travel")
                parsed.append((row["venue"], int(raw) if raw else None))
            venue = save_venue(f, current_user, venue, name=form.name.data,
                               address=form.address.data or "",
                               access_instructions=form.access_instructions.data or "")
            for other, minutes in parsed:
                set_travel(venue, other, minutes, current_user)
        except ProgrammeError as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("Saved venue %(name)s.", name=venue.name), "info")
            return redirect(url_for("schedule.venues", forum=forum))
    return _venue_form_page(f, form, venue, travel_rows, venue_id)


@bp.get("/<forum>/venues/new")
@manager_required
def venue_new(forum: str) -> Any:
    return _venueget_in_forum(forum, None)


@bp.post("/<forum>/venues/new")
@manager_required
def venue_new_post(forum: str) -> Any:
    return _venue_post(forum, None)


@bp.get("/<forum>/venues/<int:venue_id>/edit")
@manager_required
def venue_edit(forum: str, venue_id: int) -> Any:
    return _venueget_in_forum(forum, venue_id)


@bp.post("/<forum>/venues/<int:venue_id>/edit")
@manager_required
def venue_edit_post(forum: str, venue_id: int) -> Any:
    return _venue_post(forum, venue_id)


def _room_form_page(f: Forum, form: RoomForm, venue: Venue, room: Room | None,
                    action: str) -> Any:
    return render_template("schedule/room_form.html", forum=f, form=form, venue=venue,
                           room=room, action=action), 422 if form.form_errors else 200


def _room_action(f: Forum, venue: Venue, room: Room | None) -> str:
    if room is None:
        return url_for("schedule.room_new_post", forum=f.short_name, venue_id=venue.id)
    return url_for("schedule.room_edit_post", forum=f.short_name, room_id=room.id)


def _room_post(forum: str, venue: Venue, room: Room | None) -> Any:
    f = forum_or_404(forum)
    action = _room_action(f, venue, room)
    form = RoomForm()
    if form.validate():
        try:
            room = save_room(venue, current_user, room, name=form.name.data,
                             capacity=form.capacity.data,
                             interpretation_languages=form.interpretation_languages.data or "",
                             online=bool(form.online.data))
        except ProgrammeError as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("Saved room %(name)s.", name=room.name), "info")
            return redirect(url_for("schedule.venues", forum=forum))
    return _room_form_page(f, form, venue, room, action)


@bp.get("/<forum>/venues/<int:venue_id>/rooms/new")
@manager_required
def room_new(forum: str, venue_id: int) -> Any:
    f = forum_or_404(forum)
    venue = get_in_forum(Venue, venue_id, f)
    return _room_form_page(f, RoomForm(), venue, None, _room_action(f, venue, None))


@bp.post("/<forum>/venues/<int:venue_id>/rooms/new")
@manager_required
def room_new_post(forum: str, venue_id: int) -> Any:
    f = forum_or_404(forum)
    return _room_post(forum, get_in_forum(Venue, venue_id, f), None)


@bp.get("/<forum>/rooms/<int:room_id>/edit")
@manager_required
def room_edit(forum: str, room_id: int) -> Any:
    f = forum_or_404(forum)
    room = get_in_forum(Room, room_id, f)
    return _room_form_page(f, RoomForm(obj=room), room.venue, room,
                           _room_action(f, room.venue, room))


@bp.post("/<forum>/rooms/<int:room_id>/edit")
@manager_required
def room_edit_post(forum: str, room_id: int) -> Any:
    f = forum_or_404(forum)
    room = get_in_forum(Room, room_id, f)
    return _room_post(forum, room.venue, room)
