"""Time limits per kind of session, and sorting a session's speakers by protocol."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from delegations.auth import manager_required
from delegations.db import db
from delegations.forums import forum_or_404

from . import speaking
from .models import Session, SessionKind
from .services import begin_programme_write, sort_speakers_by_protocol
from .view_support import get_in_forum
from .views import bp


def _page(f: Any, values: dict[SessionKind, Any], errors: dict[str, str], status: int = 200
          ) -> Any:
    return render_template("schedule/speaking_limits.html", forum=f, values=values,
                           defaults=speaking.DEFAULT_LIMITS, errors=errors), status


@bp.get("/<forum>/speaking-limits")
@manager_required
def speaking_limits(forum: str) -> Any:
    f = forum_or_404(forum)
    return _page(f, speaking.limits(f.id), {})


@bp.post("/<forum>/speaking-limits")
@manager_required
def speaking_limits_post(forum: str) -> Any:
    f = forum_or_404(forum)
    values: dict[SessionKind, Any] = {}
    errors: dict[str, str] = {}
    for kind in SessionKind:
        raw = request.form.get(kind.value, "").strip()
        if not raw:
            values[kind] = None
        elif raw.isdigit() and 1 <= int(raw) <= 60:
            values[kind] = int(raw)
        else:
            values[kind] = raw
            errors[kind.value] = _("Minutes from 1 to 60, or empty for no limit.")
    if errors:
        return _page(f, values, errors, 422)
    changed = speaking.set_limits(f, current_user, values)
    db.session.commit()
    flash(_("Time limits saved.") if changed else _("No changes."), "info")
    return redirect(url_for("schedule.speaking_limits", forum=f.short_name))


@bp.post("/<forum>/sessions/<int:session_id>/speakers/sort")
@manager_required
def speakers_sort_post(forum: str, session_id: int) -> Any:
    begin_programme_write()
    f = forum_or_404(forum)
    s = get_in_forum(Session, session_id, f)
    if sort_speakers_by_protocol(s, current_user):
        db.session.commit()
        flash(_("Speakers sorted by protocol; you can still change anyone's place."), "info")
    else:
        flash(_("The speakers were already in protocol order."), "info")
    return redirect(url_for("schedule.session_detail", forum=f.short_name, session_id=s.id))
