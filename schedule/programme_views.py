"""The programme: editing venues, rooms, sessions and speaker slots; the clashes page;
the day grid; per-delegation and per-delegate agendas; ``flask schedule clashes``.

The routes live on the ``schedule`` blueprint (``schedule.views`` imports this module
before the blueprint is registered); ``init_app`` adds the menu entries and the CLI.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

import click
import sqlalchemy as sa
from flask import Flask, abort, flash, redirect, render_template, request, url_for
from flask.cli import AppGroup
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload
from wtforms import SelectChoice

from delegations.auth import manager_required
from delegations.db import db
from delegations.forums import forum_or_404
from delegations.models import Delegate, Delegation, Forum, Role
from delegations.timeutil import (
    day_bounds,
    days,
    parse_local,
    to_zone,
    zone_names,
)

from . import clashes as clash_mod
from .models import (
    Room,
    Session,
    SessionKind,
    SessionStatus,
    SpeakerRole,
    SpeakerSlot,
    Venue,
    VenueTravel,
)
from .programme_forms import LOCAL_FORMAT, RoomForm, SessionForm, SpeakerForm, VenueForm
from .queries import visible_sessions_clause
from .services import (
    ProgrammeError,
    add_speaker,
    begin_programme_write,
    cancel_session,
    create_session,
    remove_speaker,
    save_room,
    save_venue,
    set_travel,
    update_session,
    update_slot,
)
from .speaking import speaking_minutes
from .views import bp, viewer_zone

SLOT_MINUTES = 15


# ----------------------------------------------------------------------------- helpers


def _get(model: Any, ident: int, forum: Forum) -> Any:
    obj = db.session.get(model, ident)
    if obj is None:
        abort(404)
    forum_id = {
        Session: lambda o: o.forum_id,
        Venue: lambda o: o.forum_id,
        Room: lambda o: o.venue.forum_id,
        Delegation: lambda o: o.forum_id,
        Delegate: lambda o: o.delegation.forum_id,
    }[model](obj)
    if forum_id != forum.id:
        abort(404)
    return obj


def _visible_session(f: Forum, session_id: int) -> Session:
    s = db.session.scalar(sa.select(Session).where(
        Session.id == session_id, Session.forum_id == f.id,
        visible_sessions_clause(current_user)).options(*_session_load_options()))
    if s is None:
        abort(404)
    return s


def _room_choices(f: Forum) -> list[SelectChoice]:
    rooms = db.session.execute(
        sa.select(Room.id, Room.name, Venue.name, Room.capacity).join(Venue)
        .where(Venue.forum_id == f.id).order_by(Venue.name, Room.name)).all()
    return [SelectChoice("", "— no room —")] + [
        SelectChoice(str(r[0]), f"{r[1]}" + (f" ({r[3]} seats)" if r[3] else ""), optgroup=r[2])
        for r in rooms]


def _agenda_days(f: Forum, sessions: list[Session]) -> list[tuple[date, list[Session]]]:
    by_day: dict[date, list[Session]] = defaultdict(list)
    for s in sessions:
        by_day[to_zone(s.starts_at, f.timezone).date()].append(s)
    return sorted(by_day.items())


def _session_load_options() -> list[Any]:
    return [
        selectinload(Session.room).selectinload(Room.venue),
        selectinload(Session.speaker_slots).selectinload(SpeakerSlot.delegate)
        .selectinload(Delegate.delegation),
    ]


# ----------------------------------------------------------------------------- day grid


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
    columns: list[dict[str, Any]] = [
        {"id": r[0], "name": r[1], "venue": r[2], "capacity": r[3]}
        for r in rooms if r[0] in used]
    if any(s.room_id is None for s in sessions):
        columns.append({"id": None, "name": "Elsewhere / online", "venue": "", "capacity": None})
    col_index = {c["id"]: i + 2 for i, c in enumerate(columns)}
    # Time rows: from the hour before the first start to the hour after the last end,
    # counted in real elapsed minutes from the day's start, so a 23- or 25-hour day
    # still draws every session to scale.
    if sessions:
        first = max(lo, min(s.starts_at for s in sessions))
        last = min(hi, max(s.ends_at for s in sessions))
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
        lo=lo, hi=hi)


# ----------------------------------------------------------------------------- clashes


@bp.get("/<forum>/clashes/")
@manager_required
def clashes(forum: str) -> Any:
    f = forum_or_404(forum)
    found = clash_mod.forum_clashes(f)
    totals = clash_mod.counts(found)
    by_kind: dict[str, int] = defaultdict(int)
    for c in found:
        by_kind[c.kind.value] += 1
    kind = request.args.get("kind", "")
    severity = request.args.get("severity", "")
    q = request.args.get("q", "").strip().lower()
    shown = [c for c in found
             if (not kind or c.kind.value == kind)
             and (not severity or c.severity.value == severity)
             and (not q or q in c.message.lower())]
    return render_template(
        "schedule/clashes.html", forum=f, clashes=shown, totals=totals, by_kind=by_kind,
        kinds=list(clash_mod.ClashKind), kind=kind, severity=severity, q=q)


# ----------------------------------------------------------------------------- agendas


def _agenda_sessions(f: Forum, delegate_ids: list[int]) -> list[Session]:
    if not delegate_ids:
        return []
    ids = sa.select(SpeakerSlot.session_id).where(SpeakerSlot.delegate_id.in_(delegate_ids))
    return list(db.session.scalars(
        sa.select(Session).where(Session.forum_id == f.id, Session.id.in_(ids),
                                 visible_sessions_clause(current_user))
        .options(*_session_load_options()).order_by(Session.starts_at, Session.title)))


def _person_clashes(f: Forum, delegate_ids: set[int]) -> list[clash_mod.Clash]:
    if not current_user.is_manager:
        return []
    return [c for c in clash_mod.forum_clashes(f) if c.delegate_ids & delegate_ids]


@bp.get("/<forum>/delegates/<int:delegate_id>/agenda")
def delegate_agenda(forum: str, delegate_id: int) -> Any:
    f = forum_or_404(forum)
    person = _get(Delegate, delegate_id, f)
    allowed = (current_user.is_manager or current_user.delegate_id == person.id
               or (current_user.role == Role.FOCAL_POINT
                   and current_user.delegation_id == person.delegation_id))
    if not allowed:
        abort(403)
    sessions = _agenda_sessions(f, [person.id])
    home_tz = viewer_zone(f.timezone, person.home_timezone or "")
    return render_template(
        "schedule/agenda.html", forum=f, title=person.display_name,
        subtitle=f"{person.function or ''} {person.delegation.name}".strip(),
        days=_agenda_days(f, sessions), home_tz=home_tz, zone_names=zone_names(),
        person=person, delegation=person.delegation, focus={person.id},
        clashes=_person_clashes(f, {person.id}))


@bp.get("/<forum>/delegations/<int:delegation_id>/agenda")
def delegation_agenda(forum: str, delegation_id: int) -> Any:
    f = forum_or_404(forum)
    delegation = _get(Delegation, delegation_id, f)
    if not current_user.can_see_delegation(delegation.id):
        abort(403)
    people = db.session.scalars(sa.select(Delegate).where(
        Delegate.delegation_id == delegation.id).order_by(Delegate.family_name)).all()
    ids = [p.id for p in people]
    sessions = _agenda_sessions(f, ids)
    fallback = current_user.delegate.home_timezone if current_user.delegate else None
    if fallback is None:
        fallback = next((p.home_timezone for p in people if p.home_timezone), None)
    home_tz = viewer_zone(f.timezone, fallback or "")
    return render_template(
        "schedule/agenda.html", forum=f, title=f"{delegation.name} delegation",
        subtitle="", days=_agenda_days(f, sessions), home_tz=home_tz, zone_names=zone_names(),
        person=None, delegation=delegation, people=people, focus=set(ids),
        clashes=_person_clashes(f, set(ids)))


@bp.get("/<forum>/my-agenda/")
def my_agenda(forum: str) -> Any:
    f = forum_or_404(forum)
    if current_user.delegate_id is not None and current_user.delegate is not None \
            and current_user.delegate.delegation.forum_id == f.id:
        return delegate_agenda(forum, current_user.delegate_id)
    own = current_user.own_delegation_id
    if own is not None:
        d = db.session.get(Delegation, own)
        if d is not None and d.forum_id == f.id:
            return delegation_agenda(forum, own)
    if current_user.is_manager:
        delegations = db.session.scalars(sa.select(Delegation).where(
            Delegation.forum_id == f.id).order_by(Delegation.name)).all()
        return render_template("schedule/agendas.html", forum=f, delegations=delegations)
    abort(403)


# ----------------------------------------------------------------------------- sessions


@bp.get("/<forum>/sessions/<int:session_id>/")
def session_detail(forum: str, session_id: int) -> Any:
    f = forum_or_404(forum)
    s = _visible_session(f, session_id)
    found = [c for c in clash_mod.forum_clashes(f) if s.id in c.session_ids] \
        if current_user.is_manager else []
    home_tz = viewer_zone(f.timezone)
    return render_template("schedule/session.html", forum=f, s=s, clashes=found,
                           home_tz=home_tz)


def _form_to_fields(form: SessionForm, f: Forum) -> dict[str, Any]:
    return {
        "title": form.title.data.strip(),
        "kind": SessionKind(form.kind.data),
        "official": form.official.data,
        "private": form.private.data,
        "organiser": (form.organiser.data or "").strip(),
        "chairs": (form.chairs.data or "").strip(),
        "status": SessionStatus(form.status.data),
        "room_id": int(form.room_id.data) if form.room_id.data else None,
        "starts_at": parse_local(form.starts.data, f.timezone),
        "ends_at": parse_local(form.ends.data, f.timezone),
        "location_note": (form.location_note.data or "").strip(),
        "online_link": (form.online_link.data or "").strip(),
        "expected_attendance": form.expected_attendance.data,
        "background": form.background.data or "",
        "objectives": form.objectives.data or "",
        "points_to_make": form.points_to_make.data or "",
        "press_line": form.press_line.data or "",
    }


def _show_error(form: Any, exc: ProgrammeError) -> None:
    target = {"starts_at": "starts", "ends_at": "ends"}.get(exc.field or "", exc.field or "")
    fld = getattr(form, target, None) if target else None
    if fld is not None:
        fld.errors = [*fld.errors, exc.message]
    form.form_errors.append(exc.message)


def _session_form_page(f: Forum, form: SessionForm, s: Session | None) -> Any:
    return render_template("schedule/session_form.html", forum=f, form=form, s=s), \
        422 if form.errors or form.form_errors else 200


@bp.get("/<forum>/sessions/new")
@manager_required
def session_new(forum: str) -> Any:
    f = forum_or_404(forum)
    form = SessionForm()
    form.zone = f.timezone
    form.room_id.choices = _room_choices(f)
    start = datetime.combine(f.start_date, datetime.min.time()).replace(hour=10)
    form.starts.data = start.strftime(LOCAL_FORMAT)
    form.ends.data = (start + timedelta(hours=1)).strftime(LOCAL_FORMAT)
    if request.args.get("room_id"):
        form.room_id.data = request.args["room_id"]
    return _session_form_page(f, form, None)


@bp.post("/<forum>/sessions/new")
@manager_required
def session_new_post(forum: str) -> Any:
    begin_programme_write()
    f = forum_or_404(forum)
    form = SessionForm()
    form.zone = f.timezone
    form.room_id.choices = _room_choices(f)
    if form.validate():
        try:
            s = create_session(f, current_user, **_form_to_fields(form, f))
        except ProgrammeError as exc:
            db.session.rollback()
            form.room_id.choices = _room_choices(forum_or_404(forum))
            _show_error(form, exc)
        else:
            db.session.commit()
            flash(f"Added {s.title}.", "info")
            return redirect(url_for("schedule.session_detail", forum=forum, session_id=s.id))
    return _session_form_page(f, form, None)


@bp.get("/<forum>/sessions/<int:session_id>/edit")
@manager_required
def session_edit(forum: str, session_id: int) -> Any:
    f = forum_or_404(forum)
    s = _get(Session, session_id, f)
    form = SessionForm(obj=s)
    form.room_id.choices = _room_choices(f)
    form.kind.data = s.kind.value
    form.status.data = s.status.value
    form.room_id.data = str(s.room_id or "")
    form.starts.data = to_zone(s.starts_at, f.timezone).strftime(LOCAL_FORMAT)
    form.ends.data = to_zone(s.ends_at, f.timezone).strftime(LOCAL_FORMAT)
    return _session_form_page(f, form, s)


@bp.post("/<forum>/sessions/<int:session_id>/edit")
@manager_required
def session_edit_post(forum: str, session_id: int) -> Any:
    begin_programme_write()
    f = forum_or_404(forum)
    s = _get(Session, session_id, f)
    form = SessionForm()
    form.zone = f.timezone
    form.room_id.choices = _room_choices(f)
    if form.validate():
        fields = _form_to_fields(form, f)
        cancelling = fields["status"] == SessionStatus.CANCELLED and not s.cancelled
        if cancelling:
            fields.pop("status")
        try:
            changed = update_session(s, current_user, **fields)
            if cancelling:
                cancel_session(s, current_user)
                changed.append("status")
        except ProgrammeError as exc:
            db.session.rollback()
            f = forum_or_404(forum)
            s = _get(Session, session_id, f)
            form.room_id.choices = _room_choices(f)
            _show_error(form, exc)
        else:
            db.session.commit()
            flash(f"Saved {s.title} ({', '.join(changed) or 'no changes'}).", "info")
            return redirect(url_for("schedule.session_detail", forum=forum, session_id=s.id))
    return _session_form_page(f, form, s)


@bp.post("/<forum>/sessions/<int:session_id>/cancel")
@manager_required
def session_cancel(forum: str, session_id: int) -> Any:
    f = forum_or_404(forum)
    s = _get(Session, session_id, f)
    cancel_session(s, current_user)
    db.session.commit()
    flash(f"Cancelled {s.title}; it stays in the programme, struck through, and calendars "
          "are told.", "info")
    return redirect(url_for("schedule.session_detail", forum=forum, session_id=s.id))


# ----------------------------------------------------------------------------- speakers


def _search_delegates(f: Forum, q: str, limit: int = 30) -> list[Delegate]:
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


def _assignment_clashes(f: Forum, s: Session, delegate: Delegate | None, guest: str,
                        minutes: int | None, remote: bool) -> list[clash_mod.Clash]:
    rows = clash_mod.load_rows(f)
    if delegate is not None:
        acc = delegate.accreditation
        accredited = acc is not None and acc.status in clash_mod.APPROVED
        slot = clash_mod.slot_row(s.id, delegate.id, "", minutes, remote, delegate.full_name,
                                  accredited, delegate.arrival_date, delegate.departure_date)
    elif guest.strip():
        slot = clash_mod.slot_row(s.id, None, guest, minutes, remote)
    else:
        return []
    return clash_mod.clashes_of_assignment(rows, slot)


def _picked_delegate(f: Forum, picked_id: str | None, form: SpeakerForm) -> Delegate | None:
    if not picked_id:
        return None
    try:
        delegate = _get(Delegate, int(picked_id), f)
    except ValueError:
        abort(404)
    form.delegate_id.data = str(delegate.id)
    return delegate


def _speaker_form_page(f: Forum, s: Session, form: SpeakerForm, q: str,
                       delegate: Delegate | None, preview: list[clash_mod.Clash],
                       need_confirm: bool) -> Any:
    results = _search_delegates(f, q) if delegate is None else []
    status = 200 if not (form.errors or form.form_errors) else 422
    return render_template(
        "schedule/speaker_form.html", forum=f, s=s, form=form, q=q, results=results,
        delegate=delegate, preview=preview, need_confirm=need_confirm), status


@bp.get("/<forum>/sessions/<int:session_id>/speakers/add")
@manager_required
def speaker_add(forum: str, session_id: int) -> Any:
    f = forum_or_404(forum)
    s = _get(Session, session_id, f)
    form = SpeakerForm()
    q = request.args.get("q", "").strip()
    delegate = _picked_delegate(f, request.args.get("delegate_id", ""), form)
    if form.order.data is None:
        form.order.data = max((sl.order for sl in s.speaker_slots), default=0) + 1
    preview: list[clash_mod.Clash] = []
    if delegate is not None:
        preview = _assignment_clashes(f, s, delegate, form.guest_name.data or "",
                                      speaking_minutes(form.role.data, s.kind,
                                                       form.minutes.data),
                                      bool(form.remote.data))
    return _speaker_form_page(f, s, form, q, delegate, preview, False)


@bp.post("/<forum>/sessions/<int:session_id>/speakers/add")
@manager_required
def speaker_add_post(forum: str, session_id: int) -> Any:
    f = forum_or_404(forum)
    s = _get(Session, session_id, f)
    form = SpeakerForm()
    q = request.args.get("q", "").strip()
    delegate = _picked_delegate(f, form.delegate_id.data, form)
    preview: list[clash_mod.Clash] = []
    if delegate is not None or form.guest_name.data:
        preview = _assignment_clashes(f, s, delegate, form.guest_name.data or "",
                                      speaking_minutes(form.role.data, s.kind,
                                                       form.minutes.data),
                                      bool(form.remote.data))
    need_confirm = False
    if form.validate():
        if preview and form.confirm.data != "1":
            need_confirm = True
        else:
            try:
                add_speaker(s, current_user, delegate=delegate,
                            guest_name="" if delegate else (form.guest_name.data or ""),
                            guest_function="" if delegate else (form.guest_function.data or ""),
                            role=SpeakerRole(form.role.data), order=form.order.data,
                            minutes=form.minutes.data, remote=bool(form.remote.data),
                            notes=form.notes.data or "")
            except ProgrammeError as exc:
                db.session.rollback()
                _show_error(form, exc)
                f = forum_or_404(forum)
                s = _get(Session, session_id, f)
            else:
                db.session.commit()
                msg = f"Added {delegate.display_name if delegate else form.guest_name.data}"
                if preview:
                    msg += f" despite {len(preview)} clash(es)"
                flash(msg + ".", "warning" if preview else "info")
                return redirect(url_for("schedule.session_detail", forum=forum,
                                        session_id=s.id))
    return _speaker_form_page(f, s, form, q, delegate, preview, need_confirm)


@bp.post("/<forum>/sessions/<int:session_id>/speakers/remove")
@manager_required
def speaker_remove(forum: str, session_id: int) -> Any:
    f = forum_or_404(forum)
    s = _get(Session, session_id, f)
    slot_id = request.form.get("slot_id", type=int)
    slot = db.session.get(SpeakerSlot, slot_id) if slot_id else None
    if slot is None or slot.session_id != s.id:
        abort(404)
    remove_speaker(slot, current_user)
    db.session.commit()
    flash("Removed the speaker.", "info")
    return redirect(url_for("schedule.session_detail", forum=forum, session_id=s.id))


def _slot_of(f: Forum, session_id: int) -> tuple[Session, SpeakerSlot]:
    s = _get(Session, session_id, f)
    slot = db.session.get(SpeakerSlot, request.args.get("slot", type=int) or 0)
    if slot is None or slot.session_id != s.id:
        abort(404)
    return s, slot


@bp.get("/<forum>/sessions/<int:session_id>/speakers/edit")
@manager_required
def speaker_edit(forum: str, session_id: int) -> Any:
    """Change one speaker slot (``?slot=<id>``): role, order, minutes, remote, notes."""
    f = forum_or_404(forum)
    s, slot = _slot_of(f, session_id)
    form = SpeakerForm(obj=slot)
    form.role.data = slot.role.value
    return render_template("schedule/slot_form.html", forum=f, s=s, slot=slot, form=form)


@bp.post("/<forum>/sessions/<int:session_id>/speakers/edit")
@manager_required
def speaker_edit_post(forum: str, session_id: int) -> Any:
    f = forum_or_404(forum)
    s, slot = _slot_of(f, session_id)
    form = SpeakerForm()
    if form.validate():
        changes: dict[str, Any] = {
            "role": SpeakerRole(form.role.data), "order": form.order.data or 0,
            "minutes": form.minutes.data, "remote": bool(form.remote.data),
            "notes": form.notes.data or ""}
        if slot.delegate_id is None:
            if not (form.guest_name.data or "").strip():
                form.guest_name.errors = ["Give the guest's name."]
                return render_template("schedule/slot_form.html", forum=f, s=s, slot=slot,
                                       form=form), 422
            changes |= {"guest_name": form.guest_name.data.strip(),
                        "guest_function": (form.guest_function.data or "").strip()}
        update_slot(slot, current_user, **changes)
        db.session.commit()
        flash(f"Saved {slot.speaker_name}'s part.", "info")
        return redirect(url_for("schedule.session_detail", forum=forum, session_id=s.id))
    return render_template("schedule/slot_form.html", forum=f, s=s, slot=slot, form=form)


@bp.get("/<forum>/delegates/<int:delegate_id>/add-to-session")
@manager_required
def delegate_add_to_session(forum: str, delegate_id: int) -> Any:
    f = forum_or_404(forum)
    person = _get(Delegate, delegate_id, f)
    q = request.args.get("q", "").strip().lower()
    query = sa.select(Session).where(Session.forum_id == f.id,
                                     Session.status != SessionStatus.CANCELLED)
    if q:
        query = query.where(sa.func.lower(Session.title).like(f"%{q}%"))
    sessions = db.session.scalars(
        query.options(selectinload(Session.room).selectinload(Room.venue))
        .order_by(Session.starts_at).limit(300)).all()
    already = set(db.session.scalars(sa.select(SpeakerSlot.session_id).where(
        SpeakerSlot.delegate_id == person.id)))
    return render_template("schedule/add_to_session.html", forum=f, person=person,
                           days=_agenda_days(f, list(sessions)), already=already, q=q)


# ----------------------------------------------------------------------------- venues, rooms


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


def _venue_get(forum: str, venue_id: int | None) -> Any:
    f = forum_or_404(forum)
    venue = _get(Venue, venue_id, f) if venue_id is not None else None
    form = VenueForm(obj=venue)
    return _venue_form_page(f, form, venue, _travel_inputs(f, venue, typed=False), venue_id)


def _venue_post(forum: str, venue_id: int | None) -> Any:
    f = forum_or_404(forum)
    venue = _get(Venue, venue_id, f) if venue_id is not None else None
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
            flash(f"Saved venue {venue.name}.", "info")
            return redirect(url_for("schedule.venues", forum=forum))
    return _venue_form_page(f, form, venue, travel_rows, venue_id)


@bp.get("/<forum>/venues/new")
@manager_required
def venue_new(forum: str) -> Any:
    return _venue_get(forum, None)


@bp.post("/<forum>/venues/new")
@manager_required
def venue_new_post(forum: str) -> Any:
    return _venue_post(forum, None)


@bp.get("/<forum>/venues/<int:venue_id>/edit")
@manager_required
def venue_edit(forum: str, venue_id: int) -> Any:
    return _venue_get(forum, venue_id)


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
            flash(f"Saved room {room.name}.", "info")
            return redirect(url_for("schedule.venues", forum=forum))
    return _room_form_page(f, form, venue, room, action)


@bp.get("/<forum>/venues/<int:venue_id>/rooms/new")
@manager_required
def room_new(forum: str, venue_id: int) -> Any:
    f = forum_or_404(forum)
    venue = _get(Venue, venue_id, f)
    return _room_form_page(f, RoomForm(), venue, None, _room_action(f, venue, None))


@bp.post("/<forum>/venues/<int:venue_id>/rooms/new")
@manager_required
def room_new_post(forum: str, venue_id: int) -> Any:
    f = forum_or_404(forum)
    return _room_post(forum, _get(Venue, venue_id, f), None)


@bp.get("/<forum>/rooms/<int:room_id>/edit")
@manager_required
def room_edit(forum: str, room_id: int) -> Any:
    f = forum_or_404(forum)
    room = _get(Room, room_id, f)
    return _room_form_page(f, RoomForm(obj=room), room.venue, room,
                           _room_action(f, room.venue, room))


@bp.post("/<forum>/rooms/<int:room_id>/edit")
@manager_required
def room_edit_post(forum: str, room_id: int) -> Any:
    f = forum_or_404(forum)
    room = _get(Room, room_id, f)
    return _room_post(forum, room.venue, room)


# ----------------------------------------------------------------------------- CLI

schedule_cli = AppGroup("schedule", help="The programme: clashes.")


@schedule_cli.command("clashes")
@click.option("--forum", "short", help="Forum short name (default: every forum).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
def clashes_command(short: str | None, as_json: bool) -> None:
    """Print every clash of a forum (or of all forums)."""
    q = sa.select(Forum).order_by(Forum.start_date)
    if short:
        q = q.where(Forum.short_name == short)
    forums = db.session.scalars(q).all()
    if short and not forums:
        raise click.ClickException(f"no forum called {short!r}")
    found = [(f, c) for f in forums for c in clash_mod.forum_clashes(f)]
    if as_json:
        click.echo(json.dumps([c.to_dict() | ({} if short else {"forum": f.short_name})
                               for f, c in found], indent=2, ensure_ascii=False))
        return
    for f, c in found:
        click.echo(f"[{f.short_name}] {c.severity.value.upper():7} {c.kind.value}: {c.message}")
    totals = clash_mod.counts(c for _, c in found)
    click.echo(f"{totals['error']} error(s), {totals['warning']} warning(s)")


def init_app(app: Flask) -> None:
    """Register this module's menu entries and CLI commands (routes are on schedule.bp)."""
    from delegations.nav import add_nav

    add_nav(app, "schedule.grid", "Day grid", order=32)
    add_nav(app, "schedule.clashes", "Clashes", managers_only=True, order=34)
    add_nav(app, "schedule.my_agenda", "My agenda", order=36)
    add_nav(app, "schedule.venues", "Venues", managers_only=True, order=38)
    app.cli.add_command(schedule_cli)
