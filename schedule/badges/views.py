"""Badge pages: the coordinator's badge office (issue, re-issue, print, headcount) and the
desk's phone page (scan or type a badge number, see the verdict). Views are thin: they
parse, call ``issue`` / ``checkin`` / ``render``, commit and render."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from delegations import access
from delegations.auth import roles_required
from delegations.db import db, utcnow
from delegations.forums import forum_or_404, forums_for
from delegations.models import Accreditation, Delegate, Delegation, Forum, Role
from delegations.roster import MIME, stored_path
from delegations.timeutil import day_bounds, to_zone

from ..models import Session, SessionStatus
from . import batches, checkin, issue, render
from .models import Badge, BadgeBatch
from .tokens import read_token

bp = Blueprint("badges", __name__, static_folder="static", static_url_path="/badges/static")

MANAGERS = (Role.ADMIN, Role.COORDINATOR)
DESK = (Role.DESK, *MANAGERS)
OFFICE = (*MANAGERS, Role.FOCAL_POINT)


def _delegation_or_404(f: Forum, delegation_id: int) -> Delegation:
    return access.get_or_404_for(current_user, Delegation, delegation_id, f)


def _own_delegation_filter() -> int | None:
    """Coordinators see every delegation; a focal point only theirs."""
    return None if current_user.is_manager else current_user.delegation_id


# --------------------------------------------------------------------------- the desk


def _desk_forum(short_name: str) -> Forum:
    # the desk page is looked up without g.forum, so the forum menu (pages the desk
    # cannot open) is not drawn on it
    forum = db.session.scalar(sa.select(Forum).where(Forum.short_name == short_name))
    if forum is None:
        abort(404)
    return forum


def _desk_sessions(forum: Forum) -> list[Session]:
    """Today's sessions in the forum's zone; every session when none is today."""
    q = (sa.select(Session).where(Session.forum_id == forum.id,
                                  Session.status != SessionStatus.CANCELLED)
         .order_by(Session.starts_at, Session.id))
    start, end = day_bounds(to_zone(utcnow(), forum.timezone).date(), forum.timezone)
    today = list(db.session.scalars(q.where(Session.starts_at < end, Session.ends_at > start)))
    return today or list(db.session.scalars(q))


def _desk_page(forum: Forum, session_id: int | None, verdict: Any = None,
               status: int = 200) -> Any:
    sessions = _desk_sessions(forum)
    return render_template("badges/desk.html", forum=forum, sessions=sessions,
                           session_id=session_id, verdict=verdict,
                           example_number="B12-1-ABCDEFGHJK"), status


@bp.get("/desk")
@roles_required(*DESK)
def desk_home() -> Any:
    forums = forums_for(current_user)
    if len(forums) == 1:
        return redirect(url_for("badges.desk", forum=forums[0].short_name))
    return render_template("badges/desk_forums.html", forums=forums)


@bp.get("/<forum>/desk")
@roles_required(*DESK)
def desk(forum: str) -> Any:
    f = _desk_forum(forum)
    return _desk_page(f, request.args.get("session", type=int))


@bp.post("/<forum>/desk")
@roles_required(*DESK)
def desk_post(forum: str) -> Any:
    f = _desk_forum(forum)
    session_id = request.form.get("session", type=int)
    session = db.session.get(Session, session_id) if session_id else None
    if session_id and (session is None or session.forum_id != f.id):
        abort(404)
    verdict = checkin.check_in(request.form.get("badge", ""), f, current_user,
                               session=session)
    db.session.commit()
    return _desk_page(f, session_id, verdict)


@bp.get("/<forum>/desk/photo/<token>")
@roles_required(*DESK)
def desk_photo(forum: str, token: str) -> Any:
    """A badge holder's photo, for whoever holds the badge number (no number, no photo)."""
    f = _desk_forum(forum)
    read = read_token(token)
    badge = db.session.get(Badge, read[0]) if read is not None else None
    if badge is None or badge.accreditation.forum_id != f.id:
        abort(404)
    person = badge.accreditation.delegate
    path = stored_path(current_app.config["UPLOAD_FOLDER"], person.photo_path or "")
    if path is None:
        abort(404)
    r = send_file(path, mimetype=MIME.get(path.suffix.lstrip("."), "image/jpeg"))
    r.headers["Cache-Control"] = "private, no-store"
    return r


# --------------------------------------------------------------------------- badge office


@bp.get("/<forum>/badges/")
@roles_required(*MANAGERS)
def index(forum: str) -> Any:
    f = forum_or_404(forum)
    counts: dict[int, dict[str, int]] = {}
    rows = db.session.execute(
        sa.select(Delegate.delegation_id, Accreditation.status, Badge.id, Badge.version,
                  Badge.collected_version)
        .join(Accreditation, Accreditation.delegate_id == Delegate.id)
        .outerjoin(Badge, Badge.accreditation_id == Accreditation.id)
        .where(Accreditation.forum_id == f.id))
    for delegation_id, status, badge_id, version, collected_version in rows:
        c = counts.setdefault(delegation_id, {"approved": 0, "issued": 0, "collected": 0})
        c["approved"] += status in issue.BADGE_STATUSES
        c["issued"] += badge_id is not None and status in issue.BADGE_STATUSES
        c["collected"] += badge_id is not None and collected_version == version
    return render_template("badges/index.html", forum=f, delegations=f.delegations,
                           counts=counts)


@bp.get("/<forum>/badges/delegations/<int:delegation_id>")
@roles_required(*OFFICE)
def delegation(forum: str, delegation_id: int) -> Any:
    f = forum_or_404(forum)
    d = _delegation_or_404(f, delegation_id)
    people = issue.delegation_people(d)
    badges = {b.accreditation_id: b for b in db.session.scalars(
        sa.select(Badge).where(Badge.accreditation_id.in_(
            [p.accreditation.id for p in people if p.accreditation is not None])))}
    rows = []
    for p in people:
        acc = p.accreditation
        badge = badges.get(acc.id) if acc is not None else None
        rows.append({"person": p, "acc": acc, "badge": badge,
                     "void": issue.void_reason(badge) if badge is not None else None,
                     "why_not": issue.why_no_badge(acc)})
    return render_template("badges/delegation.html", forum=f, delegation=d, rows=rows,
                           printable=any(r["badge"] and not r["void"] for r in rows))


@bp.post("/<forum>/badges/delegations/<int:delegation_id>/issue")
@roles_required(*MANAGERS)
def issue_post(forum: str, delegation_id: int) -> Any:
    f = forum_or_404(forum)
    d = _delegation_or_404(f, delegation_id)
    result = issue.issue_for_delegation(d, current_user)
    db.session.commit()
    flash(ngettext("%(num)d badge ready to print.", "%(num)d badges ready to print.",
                   len(result.badges)), "info")
    for line in result.skipped:
        flash(_("No badge for %(line)s.", line=line), "warning")
    return redirect(url_for("badges.delegation", forum=forum, delegation_id=d.id))


@bp.post("/<forum>/badges/delegates/<int:delegate_id>/reissue")
@roles_required(*MANAGERS)
def reissue_post(forum: str, delegate_id: int) -> Any:
    f = forum_or_404(forum)
    person = access.get_or_404_for(current_user, Delegate, delegate_id, f, edit=True)
    reason = request.form.get("reason", "").strip()[:200]
    try:
        badge = issue.reissue_badge(person.accreditation, current_user, reason)
    except issue.BadgeError as e:
        db.session.rollback()
        flash(str(e), "error")
    else:
        db.session.commit()
        flash(_("%(name)s: badge re-issued (version %(n)s); every older printout is void.",
                name=person.full_name, n=badge.version), "info")
    return redirect(url_for("badges.delegation", forum=forum, delegation_id=person.delegation_id))


@bp.get("/<forum>/badges/delegations/<int:delegation_id>/badges.pdf")
@roles_required(*MANAGERS)
def pdf(forum: str, delegation_id: int) -> Any:
    f = forum_or_404(forum)
    d = _delegation_or_404(f, delegation_id)
    layout = request.args.get("layout", "card")
    if layout not in render.LAYOUTS:
        abort(400)
    badges = issue.issued_badges(d)
    if not badges:
        flash(_("No badge issued yet: issue the delegation's badges first."), "warning")
        return redirect(url_for("badges.delegation", forum=forum, delegation_id=d.id))
    data = render.badges_pdf(badges, layout)
    stem = render.file_stem(f.short_name, d.name)
    name = f"{stem}-{'cards' if layout == 'card' else 'sheets-a4'}.pdf"
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "private, no-store"})


@bp.get("/<forum>/badges/headcount")
@roles_required(*OFFICE)
def headcount(forum: str) -> Any:
    f = forum_or_404(forum)
    return render_template("badges/headcount.html", forum=f,
                           rows=checkin.headcount(f, _own_delegation_filter()))


@bp.get("/<forum>/badges/sessions/<int:session_id>")
@roles_required(*OFFICE)
def attendance(forum: str, session_id: int) -> Any:
    f = forum_or_404(forum)
    s = access.get_or_404_for(current_user, Session, session_id, f)
    return render_template("badges/attendance.html", forum=f, session=s,
                           rows=checkin.attendance(s, _own_delegation_filter()))


# --------------------------------------------------------------------------- batches


@bp.post("/<forum>/badges/batches")
@roles_required(*MANAGERS)
def batch_post(forum: str) -> Any:
    f = forum_or_404(forum)
    delegation_id = request.form.get("delegation_id", type=int)
    d = _delegation_or_404(f, delegation_id) if delegation_id else None
    batch = batches.request_batch(f, d, current_user)
    db.session.commit()
    batches.start(batch)
    return redirect(url_for("badges.batch", forum=forum, batch_id=batch.id))


def _batch_or_404(f: Forum, batch_id: int) -> BadgeBatch:
    return access.get_or_404_for(current_user, BadgeBatch, batch_id, f)


@bp.get("/<forum>/badges/batches/<int:batch_id>")
@roles_required(*MANAGERS)
def batch(forum: str, batch_id: int) -> Any:
    f = forum_or_404(forum)
    return render_template("badges/batch.html", forum=f, batch=_batch_or_404(f, batch_id))


@bp.get("/<forum>/badges/batches/<int:batch_id>/badges.pdf")
@roles_required(*MANAGERS)
def batch_pdf(forum: str, batch_id: int) -> Any:
    f = forum_or_404(forum)
    b = _batch_or_404(f, batch_id)
    layout = request.args.get("layout", "card")
    data = b.cards_pdf if layout == "card" else b.sheets_pdf if layout == "sheet" else None
    if b.status != "done" or data is None:
        abort(404)
    who = b.delegation.name if b.delegation is not None else "all"
    name = f"{render.file_stem(f.short_name, who)}-{'cards' if layout == 'card' else 'sheets-a4'}.pdf"
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "private, no-store"})
