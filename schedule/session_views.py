"""Sessions and their speaker slots: the page, the editor, adding and moving speakers."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.orm import selectinload

from delegations.auth import manager_required
from delegations.db import db
from delegations.forums import forum_or_404
from delegations.models import Delegate, Forum
from delegations.timeutil import (
    parse_local,
    to_zone,
)
from delegations.versions import stale_form

from . import clashes as clash_mod
from . import preview, speaking
from .models import (
    Room,
    Session,
    SessionKind,
    SessionStatus,
    SpeakerRole,
    SpeakerSlot,
)
from .programme_forms import LOCAL_FORMAT, SessionForm, SpeakerForm
from .services import (
    ProgrammeError,
    add_speaker,
    begin_programme_write,
    cancel_session,
    create_session,
    remove_speaker,
    update_session,
    update_slot,
)
from .speaking import speaking_minutes
from .view_support import (
    agenda_days,
    get_in_forum,
    room_choices,
    search_delegates,
    visible_session_or_404,
)
from .views import bp, viewer_zone


@bp.get("/<forum>/sessions/<int:session_id>/")
def session_detail(forum: str, session_id: int) -> Any:
    f = forum_or_404(forum)
    s = visible_session_or_404(f, session_id)
    found = [c for c in clash_mod.forum_clashes(f) if s.id in c.session_ids] \
        if current_user.is_manager else []
    home_tz = viewer_zone(f.timezone)
    return render_template("schedule/session.html", forum=f, s=s, clashes=found,
                           home_tz=home_tz, speaking_limits=speaking.limits(f.id),
                           slot_limit=speaking.slot_limit)


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


def _session_form_page(f: Forum, form: SessionForm, s: Session | None,
                       clashes: list[clash_mod.Clash] | None = None) -> Any:
    code = 422 if form.errors or form.form_errors else 409 if clashes else 200
    return render_template("schedule/session_form.html", forum=f, form=form, s=s,
                           clashes=clashes or []), code


def _unconfirmed_clashes(f: Forum, session_id: int | None,
                         fields: dict[str, Any]) -> list[clash_mod.Clash] | None:
    """The clashes this write would create, unless the person confirmed exactly these."""
    found = preview.clashes_created(f, preview.session_change(session_id, fields))
    if any(c.kind == clash_mod.ClashKind.ROOM_DOUBLE_BOOKED for c in found):
        return None  # not a choice: the booking refuses it, with its own message
    return None if preview.confirmed(found, preview.given_confirmation(request.form)) \
        else found


@bp.get("/<forum>/sessions/new")
@manager_required
def session_new(forum: str) -> Any:
    f = forum_or_404(forum)
    form = SessionForm()
    form.zone = f.timezone
    form.room_id.choices = room_choices(f)
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
    form.room_id.choices = room_choices(f)
    if form.validate():
        fields = _form_to_fields(form, f)
        clashes = _unconfirmed_clashes(f, None, fields)
        if clashes:
            return _session_form_page(f, form, None, clashes)
        try:
            s = create_session(f, current_user, **fields)
        except ProgrammeError as exc:
            db.session.rollback()
            form.room_id.choices = room_choices(forum_or_404(forum))
            _show_error(form, exc)
        else:
            db.session.commit()
            flash(_("Added %(title)s.", title=s.title), "info")
            return redirect(url_for("schedule.session_detail", forum=forum, session_id=s.id))
    return _session_form_page(f, form, None)


@bp.get("/<forum>/sessions/<int:session_id>/edit")
@manager_required
def session_edit(forum: str, session_id: int) -> Any:
    f = forum_or_404(forum)
    s = get_in_forum(Session, session_id, f)
    form = SessionForm(obj=s)
    form.version.data = s.revision
    form.room_id.choices = room_choices(f)
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
    s = get_in_forum(Session, session_id, f)
    form = SessionForm()
    form.zone = f.timezone
    form.room_id.choices = room_choices(f)
    if form.validate():
        fields = _form_to_fields(form, f)
        clashes = _unconfirmed_clashes(f, s.id, fields)
        if clashes:
            return _session_form_page(f, form, s, clashes)
        cancelling = fields["status"] == SessionStatus.CANCELLED and not s.cancelled
        if cancelling:
            fields.pop("status")
        if stale_form(s, "session", form, fields, f.timezone):
            return _session_form_page(f, form, s)[0], 409
        try:
            changed = update_session(s, current_user, **fields)
            if cancelling:
                cancel_session(s, current_user)
                changed.append("status")
        except ProgrammeError as exc:
            db.session.rollback()
            f = forum_or_404(forum)
            s = get_in_forum(Session, session_id, f)
            form.room_id.choices = room_choices(f)
            _show_error(form, exc)
        else:
            db.session.commit()
            flash(_("Saved %(title)s (%(changes)s).", title=s.title,
                    changes=", ".join(changed) or _("no changes")), "info")
            return redirect(url_for("schedule.session_detail", forum=forum, session_id=s.id))
    return _session_form_page(f, form, s)


@bp.post("/<forum>/sessions/<int:session_id>/cancel")
@manager_required
def session_cancel(forum: str, session_id: int) -> Any:
    f = forum_or_404(forum)
    s = get_in_forum(Session, session_id, f)
    cancel_session(s, current_user)
    db.session.commit()
    flash(_("Cancelled %(title)s; it stays in the programme, struck through, and calendars "
            "are told.", title=s.title), "info")
    return redirect(url_for("schedule.session_detail", forum=forum, session_id=s.id))


# ----------------------------------------------------------------------------- speakers


def _assignment_clashes(f: Forum, s: Session, delegate: Delegate | None, guest: str,
                        minutes: int | None, remote: bool) -> list[clash_mod.Clash]:
    change = preview.slot_change(s.id, delegate, guest, minutes, remote)
    return preview.clashes_created(f, change) if change is not None else []


def _picked_delegate(f: Forum, picked_id: str | None, form: SpeakerForm) -> Delegate | None:
    if not picked_id:
        return None
    try:
        delegate = get_in_forum(Delegate, int(picked_id), f)
    except ValueError:
        abort(404)
    form.delegate_id.data = str(delegate.id)
    return delegate


def _speaker_form_page(f: Forum, s: Session, form: SpeakerForm, q: str,
                       delegate: Delegate | None, preview: list[clash_mod.Clash],
                       need_confirm: bool) -> Any:
    results = search_delegates(f, q) if delegate is None else []
    status = 200 if not (form.errors or form.form_errors) else 422
    return render_template(
        "schedule/speaker_form.html", forum=f, s=s, form=form, q=q, results=results,
        delegate=delegate, preview=preview, need_confirm=need_confirm), status


@bp.get("/<forum>/sessions/<int:session_id>/speakers/add")
@manager_required
def speaker_add(forum: str, session_id: int) -> Any:
    f = forum_or_404(forum)
    s = get_in_forum(Session, session_id, f)
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
    s = get_in_forum(Session, session_id, f)
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
                s = get_in_forum(Session, session_id, f)
            else:
                db.session.commit()
                who = delegate.display_name if delegate else form.guest_name.data
                if preview:
                    flash(ngettext("Added %(name)s despite %(num)d clash.",
                                   "Added %(name)s despite %(num)d clashes.", len(preview),
                                   name=who), "warning")
                else:
                    flash(_("Added %(name)s.", name=who), "info")
                return redirect(url_for("schedule.session_detail", forum=forum,
                                        session_id=s.id))
    return _speaker_form_page(f, s, form, q, delegate, preview, need_confirm)


@bp.post("/<forum>/sessions/<int:session_id>/speakers/remove")
@manager_required
def speaker_remove(forum: str, session_id: int) -> Any:
    f = forum_or_404(forum)
    s = get_in_forum(Session, session_id, f)
    slot_id = request.form.get("slot_id", type=int)
    slot = db.session.get(SpeakerSlot, slot_id) if slot_id else None
    if slot is None or slot.session_id != s.id:
        abort(404)
    remove_speaker(slot, current_user)
    db.session.commit()
    flash(_("Removed the speaker."), "info")
    return redirect(url_for("schedule.session_detail", forum=forum, session_id=s.id))


def _slot_of(f: Forum, session_id: int) -> tuple[Session, SpeakerSlot]:
    s = get_in_forum(Session, session_id, f)
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
        change = preview.slot_change(s.id, slot.delegate, slot.guest_name or "",
                                     changes["minutes"], changes["remote"],
                                     replaces_existing=True)
        clashes = preview.clashes_created(f, change) if change is not None else []
        if not preview.confirmed(clashes, preview.given_confirmation(request.form)):
            return render_template("schedule/slot_form.html", forum=f, s=s, slot=slot,
                                   form=form, clashes=clashes), 409
        update_slot(slot, current_user, **changes)
        db.session.commit()
        flash(_("Saved the part of %(name)s.", name=slot.speaker_name), "info")
        return redirect(url_for("schedule.session_detail", forum=forum, session_id=s.id))
    return render_template("schedule/slot_form.html", forum=f, s=s, slot=slot, form=form)


@bp.get("/<forum>/delegates/<int:delegate_id>/add-to-session")
@manager_required
def delegate_add_to_session(forum: str, delegate_id: int) -> Any:
    f = forum_or_404(forum)
    person = get_in_forum(Delegate, delegate_id, f)
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
                           days=agenda_days(f, list(sessions)), already=already, q=q)
