"""Calendar feeds and the subscription page: secret links issued and revoked."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from delegations.access import can_edit, can_manage_feed, get_or_404_for
from delegations.auth import public
from delegations.db import db
from delegations.forums import forum_or_404
from delegations.models import Delegate, Delegation, Forum, Role, User

from . import feeds
from .calendars import base_url, feed_bytes
from .models import FeedToken

calendars = Blueprint("calendars", __name__)


def ics_response(data: bytes, etag: str, last_modified: datetime | None,
                 filename: str) -> Response:
    resp = Response(data, mimetype="text/calendar")
    resp.headers["Content-Type"] = "text/calendar; charset=utf-8"
    resp.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    resp.headers["Cache-Control"] = "private, max-age=300"
    resp.set_etag(etag)
    if last_modified is not None:
        resp.last_modified = last_modified.astimezone(UTC).replace(microsecond=0)
    return resp.make_conditional(request)



def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text).strip("-") or "calendar"




# --------------------------------------------------------------------------- feeds


def _viewer() -> User | None:
    return current_user if current_user.is_authenticated else None


@calendars.get("/<forum>/calendar/forum.ics")
@public
def forum_feed(forum: str) -> Any:
    """The forum's programme: anyone may subscribe without logging in and gets the public
    sessions; a logged-in user also gets the private sessions they may see."""
    f = forum_or_404(forum)
    data, etag, lm = feed_bytes(f, user=_viewer())
    return ics_response(data, etag, lm, f"{_slug(f.short_name)}.ics")


@calendars.get("/<forum>/calendar/delegations/<int:delegation_id>.ics")
def delegation_feed(forum: str, delegation_id: int) -> Any:
    f = forum_or_404(forum)
    # edit, not see: it holds every member's private meetings
    d = get_or_404_for(current_user, Delegation, delegation_id, f, edit=True)
    data, etag, lm = feed_bytes(f, delegation=d)
    return ics_response(data, etag, lm, f"{_slug(f.short_name)}-{_slug(d.name)}.ics")


@calendars.get("/<forum>/calendar/delegates/<int:delegate_id>.ics")
def delegate_feed(forum: str, delegate_id: int) -> Any:
    f = forum_or_404(forum)
    p = get_or_404_for(current_user, Delegate, delegate_id, f)
    data, etag, lm = feed_bytes(f, delegate=p)
    return ics_response(data, etag, lm, f"{_slug(f.short_name)}-{_slug(p.full_name)}.ics")


@calendars.get("/<forum>/calendar/sessions/<int:session_id>.ics")
@public
def session_feed(forum: str, session_id: int) -> Any:
    """One session, for "add to my calendar": public sessions for anyone."""
    f = forum_or_404(forum)
    data, etag, lm = feed_bytes(f, session_id=session_id, user=_viewer())
    if lm is None:  # not in this forum, or not visible to this user
        abort(404)
    return ics_response(data, etag, lm, f"{_slug(f.short_name)}-session-{session_id}.ics")


@calendars.get("/calendar/feed/<token>.ics")
@public
def token_feed(token: str) -> Any:
    """The subscribable feed: no login, the secret token is the key. Revoked -> 404."""
    row = feeds.find_token(token)
    if row is None:
        abort(404)
    if row.delegate_id is not None:
        p = db.session.get(Delegate, row.delegate_id, options=[
            joinedload(Delegate.delegation).joinedload(Delegation.forum)])
        if p is None:
            abort(404)
        f = p.delegation.forum
        data, etag, lm = feed_bytes(f, delegate=p)
        name = f"{_slug(f.short_name)}-{_slug(p.full_name)}.ics"
    else:
        d = db.session.get(Delegation, row.delegation_id,
                           options=[joinedload(Delegation.forum)])
        if d is None:
            abort(404)
        f = d.forum
        data, etag, lm = feed_bytes(f, delegation=d)
        name = f"{_slug(f.short_name)}-{_slug(d.name)}.ics"
    if feeds.mark_used(row):
        db.session.commit()
    return ics_response(data, etag, lm, name)


# --------------------------------------------------------------------------- subscription page


def _subscribe_context(f: Forum, picked: int | None = None) -> dict[str, Any]:
    """``picked``: the delegation to show to a coordinator (else the URL's delegation_id)."""
    user: User = current_user
    delegate = user.delegate if user.delegate is not None and \
        user.delegate.delegation.forum_id == f.id else None
    delegation: Delegation | None = None
    if user.role == Role.FOCAL_POINT and user.delegation is not None \
            and user.delegation.forum_id == f.id:
        delegation = user.delegation
    elif user.is_manager:
        picked = picked or request.args.get("delegation_id", type=int)
        if picked:
            delegation = get_or_404_for(user, Delegation, picked, f)
    can_manage_delegation = delegation is not None and can_edit(user, delegation)
    members: list[Delegate] = []
    if delegation is not None and can_manage_delegation:
        members = sorted(delegation.delegates,
                         key=lambda p: (p.capacity.rank, p.level.rank, p.family_name))
    tokens: dict[str, FeedToken | None] = {}
    if delegate is not None:
        tokens[f"p{delegate.id}"] = feeds.active_token(delegate_id=delegate.id)
    if delegation is not None and can_manage_delegation:
        tokens[f"d{delegation.id}"] = feeds.active_token(delegation_id=delegation.id)
        for p in members:
            tokens[f"p{p.id}"] = feeds.active_token(delegate_id=p.id)
    all_delegations = []
    if user.is_manager:
        all_delegations = list(db.session.scalars(
            sa.select(Delegation).where(Delegation.forum_id == f.id).order_by(Delegation.name)))
    return {"forum": f, "delegate": delegate, "delegation": delegation,
            "can_manage_delegation": can_manage_delegation, "members": members,
            "tokens": tokens, "all_delegations": all_delegations, "new_link": None,
            "programme_links": _links(url_for("calendars.forum_feed", forum=f.short_name))}


@calendars.get("/<forum>/calendar/")
def subscribe(forum: str) -> Any:
    f = forum_or_404(forum)
    return render_template("calendars/subscribe.html", **_subscribe_context(f))


def feed_links(token: str) -> dict[str, str]:
    return _links(url_for("calendars.token_feed", token=token))


def _links(path: str) -> dict[str, str]:
    https = base_url().rstrip("/") + path
    webcal = "webcal://" + https.split("://", 1)[1]
    return {"https": https, "webcal": webcal,
            "google": "https://calendar.google.com/calendar/r?cid=" + webcal}


def _token_owner(f: Forum, *, delegate_id: int | None = None,
                 delegation_id: int | None = None) -> dict[str, int]:
    if delegate_id is not None:
        p = get_or_404_for(current_user, Delegate, delegate_id, f)
        if not can_manage_feed(current_user, p):
            abort(403)
        return {"delegate_id": p.id}
    d = get_or_404_for(current_user, Delegation, delegation_id, f, edit=True)
    return {"delegation_id": d.id}


def _issue(f: Forum, owner: dict[str, int]) -> Response:
    """Issue a new secret feed link and show it, this once, on the page of whoever it is
    for. The old link keeps working unless "revoke and replace" was chosen."""
    replace = request.form.get("replace") == "1"
    _, plain = feeds.issue_token(current_user, replace=replace, **owner)
    db.session.commit()
    kind, owner_id = ("delegate", owner["delegate_id"]) if "delegate_id" in owner \
        else ("delegation", owner["delegation_id"])
    delegation_id = owner_id if kind == "delegation" else \
        db.session.scalar(sa.select(Delegate.delegation_id).where(Delegate.id == owner_id))
    ctx = _subscribe_context(f, delegation_id)
    ctx["new_link"] = {"kind": kind, "owner_id": owner_id, "replaced": replace,
                       **feed_links(plain)}
    resp = Response(render_template("calendars/subscribe.html", **ctx))
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _revoke(f: Forum, owner: dict[str, int]) -> Response:
    n = feeds.revoke_tokens(current_user, **owner)
    db.session.commit()
    flash(_("The feed link was revoked: calendars subscribed to it stop updating.")
          if n else _("There was no live feed link to revoke."), "info")
    args: dict[str, Any] = {"forum": f.short_name}
    if current_user.is_manager and "delegation_id" in owner:
        args["delegation_id"] = owner["delegation_id"]
    return redirect(url_for("calendars.subscribe", **args))


@calendars.post("/<forum>/calendar/delegates/<int:delegate_id>/link")
def issue_delegate_link(forum: str, delegate_id: int) -> Any:
    f = forum_or_404(forum)
    return _issue(f, _token_owner(f, delegate_id=delegate_id))


@calendars.post("/<forum>/calendar/delegations/<int:delegation_id>/link")
def issue_delegation_link(forum: str, delegation_id: int) -> Any:
    f = forum_or_404(forum)
    return _issue(f, _token_owner(f, delegation_id=delegation_id))


@calendars.post("/<forum>/calendar/delegates/<int:delegate_id>/revoke")
def revoke_delegate_link(forum: str, delegate_id: int) -> Any:
    f = forum_or_404(forum)
    return _revoke(f, _token_owner(f, delegate_id=delegate_id))


@calendars.post("/<forum>/calendar/delegations/<int:delegation_id>/revoke")
def revoke_delegation_link(forum: str, delegation_id: int) -> Any:
    f = forum_or_404(forum)
    return _revoke(f, _token_owner(f, delegation_id=delegation_id))
