"""Moving a session in the day grid: drag, resize or the keyboard all post here.

A move is a session edit like any other: it is previewed with the one clash preview, saved
through ``update_session`` (which books the room, so two coordinators moving sessions at once
never both win it), and refused when the session changed since the grid was drawn. The answer
is JSON for the grid's script (static/timetable.js)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from delegations.auth import manager_required
from delegations.db import db
from delegations.forums import forum_or_404
from delegations.timeutil import fmt_span, fmt_time
from delegations.versions import StaleEdit, check_fresh
from delegations.write_preview import confirmed, fingerprint

from .models import Room, Session, Venue
from .preview import SessionChange, clashes_created
from .services import ProgrammeError, begin_programme_write, update_session
from .view_support import get_in_forum
from .views import bp


class MoveRequest:
    """The posted move, checked: instants in UTC, a room of this forum (or none)."""

    def __init__(self, form: Any, forum_id: int) -> None:
        self.revision = _int(form.get("revision"), "revision")
        self.starts_at = _instant(form.get("starts_at"), "starts_at")
        self.ends_at = _instant(form.get("ends_at"), "ends_at")
        room = form.get("room_id") or ""
        self.room_id = _int(room, "room_id") if room not in ("", "none") else None
        if self.ends_at <= self.starts_at:
            raise ProgrammeError(_("A session must end after it starts."), "ends_at")
        if self.room_id is not None and db.session.scalar(
                sa.select(Room.id).join(Venue).where(Room.id == self.room_id,
                                                     Venue.forum_id == forum_id)) is None:
            raise ProgrammeError(_("No such room in this forum."), "room_id")
        self.confirm = form.get("confirm") or None


def _int(value: str | None, field: str) -> int:
    try:
        return int(value or "")
    except ValueError:
        raise ProgrammeError(_("The move could not be read; reload the page."), field) from None


def _instant(value: str | None, field: str) -> datetime:
    try:
        at = datetime.fromisoformat((value or "").replace("Z", "+00:00"))
    except ValueError:
        raise ProgrammeError(_("The move could not be read; reload the page."), field) from None
    if at.tzinfo is None:
        raise ProgrammeError(_("The move could not be read; reload the page."), field)
    return at.astimezone(UTC)


def _stale(s: Session, e: StaleEdit, tz: str) -> dict[str, Any]:
    when = fmt_time(e.at, tz) if e.at is not None else ""
    return {"status": "stale", "message": _(
        "%(title)s was changed by %(who)s at %(when)s since you opened the grid; "
        "reload to see it.", title=s.title, who=e.by, when=when)}


def _state(s: Session) -> dict[str, Any]:
    return {"session_id": s.id, "revision": s.revision,
            "starts_at": s.starts_at.isoformat(), "ends_at": s.ends_at.isoformat(),
            "room_id": s.room_id}


@bp.post("/<forum>/grid/move")
@manager_required
def grid_move_post(forum: str) -> Any:
    begin_programme_write()
    f = forum_or_404(forum)
    s = get_in_forum(Session, request.form.get("session_id", type=int), f)
    try:
        move = MoveRequest(request.form, f.id)
    except ProgrammeError as exc:
        return jsonify({"status": "error", "message": exc.message}), 422
    try:
        check_fresh(s, "session", move.revision)
    except StaleEdit as e:
        return jsonify(_stale(s, e, f.timezone)), 409
    clashes = clashes_created(f, SessionChange(
        s.id, s.title, move.starts_at, move.ends_at, move.room_id, s.official,
        s.expected_attendance, s.cancelled))
    if not confirmed(clashes, move.confirm):
        return jsonify({"status": "preview", "fingerprint": fingerprint(clashes),
                        "clashes": [{"severity": c.severity.value, "message": c.message}
                                    for c in clashes]})
    before = _state(s)
    try:
        update_session(s, current_user, starts_at=move.starts_at, ends_at=move.ends_at,
                       room_id=move.room_id)
    except ProgrammeError as exc:
        db.session.rollback()
        return jsonify({"status": "error", "message": exc.message}), 422
    db.session.commit()
    return jsonify({"status": "saved", "session": _state(s), "before": before,
                    "when": fmt_span(s.starts_at, s.ends_at, f.timezone),
                    "message": _("Moved %(title)s to %(when)s.", title=s.title,
                                 when=fmt_span(s.starts_at, s.ends_at, f.timezone))})
